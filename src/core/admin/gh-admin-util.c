/* gh-admin-util.c — what every admin handler shares: answers, bodies, the project of a path
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-admin"

#include "config.h"

#include <string.h>

#include "gh-admin-private.h"
#include "gh-error.h"
#include "gh-form.h"
#include "gh-http.h"
#include "gh-json.h"

/* Admin answers are never cached, and carry no CORS: the router checked the token. */
void
_gh_admin_send_json (GhRequest  *request,
                     guint       status,
                     JsonObject *object)
{
  gh_http_set_no_store (request->msg);
  gh_http_send_json (request->msg, status, object, NULL);
}

void
_gh_admin_send_error (GhRequest    *request,
                      const GError *error)
{
  gh_http_set_no_store (request->msg);
  gh_http_send_error (request->msg, error);
}

void
_gh_admin_refuse (GhRequest    *request,
                  GhOAuthError  code,
                  const char   *description)
{
  gh_http_set_no_store (request->msg);
  gh_http_send_oauth_error (request->msg, code, description);
}

/* The last segment of the path: {slug} or {id}. */
const char *
_gh_admin_path_argument (GhRequest *request)
{
  return strrchr (request->path, '/') + 1;
}

/* The body as a JSON object ({} when there is none); with @fields, every member must be one
 * of them. NULL with INVALID_REQUEST naming what is wrong. */
JsonObject *
_gh_admin_read_body (GhRequest           *request,
                     const char * const  *fields,
                     GError             **error)
{
  SoupMessageBody *body = soup_server_message_get_request_body (request->msg);
  const char *content_type = soup_message_headers_get_content_type (
    soup_server_message_get_request_headers (request->msg), NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GList) members = NULL;

  if (body->length == 0)
    return json_object_new ();
  if (g_strcmp0 (content_type, "application/json") != 0)
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                            "The body must be application/json"), NULL;
  bytes = soup_message_body_flatten (body);
  object = gh_json_parse_object_strict (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                        &local_error);
  if (object == NULL)
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                            "The body is not a JSON object: %s", local_error->message), NULL;
  members = json_object_get_members (object);
  for (const GList *l = members; fields != NULL && l != NULL; l = l->next)
    if (!g_strv_contains (fields, l->data))
      return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                              "Unknown field “%s”", (const char *) l->data), NULL;
  return g_steal_pointer (&object);
}

GHashTable *
_gh_admin_read_query (GhRequest          *request,
                      const char * const *names,
                      GError            **error)
{
  const char *query = g_uri_get_query (soup_server_message_get_uri (request->msg));
  g_autoptr(GhForm) form = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GList) keys = NULL;
  const char *repeated;

  if (query == NULL)
    query = "";
  /* Our own parser first: GLib 2.74's g_uri_parse_params() leaks what it decoded of a query
   * it then refuses (a bad percent-encoding) */
  form = gh_form_parse (query, strlen (query), NULL);
  if (form != NULL)
    params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_WWW_FORM, NULL);
  if (form == NULL || params == NULL)
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                            "The query string does not parse"), NULL;
  /* A parameter given twice would have one of its values ignored. */
  if ((repeated = gh_form_find_repeated (form, NULL)) != NULL)
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                            "The query parameter “%s” is given more than once", repeated), NULL;
  keys = g_hash_table_get_keys (params);
  for (const GList *l = keys; names != NULL && l != NULL; l = l->next)
    if (!g_strv_contains (names, l->data))
      return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                              "Unknown query parameter “%s”", (const char *) l->data), NULL;
  return g_steal_pointer (&params);
}

/* Member @name of @object as a string: *@out is NULL when it is absent; FALSE with @error
 * when it is there but not a string. */
gboolean
_gh_admin_get_optional_string (JsonObject   *object,
                               const char   *name,
                               const char  **out,
                               GError      **error)
{
  *out = NULL;
  if (!json_object_has_member (object, name))
    return TRUE;
  *out = gh_json_get_string (object, name);
  if (*out == NULL)
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST, "“%s” must be a string",
                            name);
  return TRUE;
}

/* The project @slug; answers 404 itself when there is none. */
GhProject *
_gh_admin_load_project_named (GhRequest  *request,
                              const char *slug)
{
  g_autoptr(GError) error = NULL;
  GhProject *project;

  /* A slug that breaks the rules is not reflected: it names no project. */
  if (!gh_projects_check_slug (slug, NULL))
    {
      _gh_admin_refuse (request, GH_OAUTH_ERROR_NOT_FOUND, "No such project");
      return NULL;
    }
  project = gh_projects_get (request->server->projects, slug, &error);
  if (project == NULL)
    _gh_admin_send_error (request, error);
  return project;
}

char *
_gh_admin_path_slug (GhRequest *request)
{
  const char *slug_start = request->path + strlen ("/admin/v1/projects/");
  const char *slug_end = strchr (slug_start, '/');

  return slug_end != NULL ? g_strndup (slug_start, slug_end - slug_start)
                          : g_strdup (slug_start);
}

GHashTable *
_gh_admin_query_params (GhRequest *request)
{
  g_autoptr(GError) error = NULL;
  GHashTable *params = _gh_admin_read_query (request, NULL, &error);

  if (params == NULL)
    _gh_admin_send_error (request, error);
  return params;
}
