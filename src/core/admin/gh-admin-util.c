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
#include "gh-audit-events.h"
#include "gh-error.h"
#include "gh-explain.h"
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

/* The explain of a refusal whose error carries none: a rule of the admin API chosen by its
 * status. Names the request (method and path), never its body, which may hold a secret. */
static JsonObject *
explain_refusal (GhRequest    *request,
                 const GError *error)
{
  const char *method = soup_server_message_get_method (request->msg);
  g_autofree char *actual = NULL;
  JsonObject *explain;

  switch (gh_error_http_status (error))
    {
    case SOUP_STATUS_NOT_FOUND:
      explain = gh_explain_new ("admin.not_found", "%s", error->message);
      gh_explain_set_expected (explain, "an existing object of this server at the path");
      gh_explain_set_hint (explain, "List what exists (GET on the collection) and use its "
                                    "id or slug");
      break;
    case SOUP_STATUS_CONFLICT:
      explain = gh_explain_new ("admin.conflict", "%s", error->message);
      gh_explain_set_expected (explain, "a change that leaves no two objects with one name");
      gh_explain_set_hint (explain, "Pick another name, or change the object that has it");
      break;
    case SOUP_STATUS_SERVICE_UNAVAILABLE:
      explain = gh_explain_new ("admin.unavailable", "%s", error->message);
      gh_explain_set_hint (explain, "Something the call needs is not available now (the "
                                    "secret store, a free event stream or export): try "
                                    "again later");
      break;
    default:
      explain = gh_explain_new ("admin.invalid_request", "%s", error->message);
      gh_explain_set_expected (explain, "a body, query and values as the API's description "
                                        "(GET /admin/v1/openapi.json) says");
      break;
    }
  actual = g_strdup_printf ("%s %s", method, request->path);
  gh_explain_set_actual (explain, actual);
  return explain;
}

/* Records one admin.request_refused event for @error (a refusal, not a failure of the server
 * itself, which is logged), answered to an authenticated admin request. */
static void
record_refusal (GhRequest    *request,
                const GError *error)
{
  /* As the error table maps it: a store's error carries no explain of its own. */
  g_autoptr(GError) explained = g_error_new_literal (GH_OAUTH_ERROR,
                                                     gh_oauth_error_from_gerror (error),
                                                     error->message);
  g_autoptr(JsonObject) details = NULL;
  g_autoptr(GhProject) project = NULL;
  g_autofree char *slug = NULL;

  const char *token_id = request->admin_token != NULL ? request->admin_token->id :
                         g_object_get_data (G_OBJECT (request->msg), GH_ADMIN_TOKEN_ID_KEY);

  if (token_id == NULL || gh_error_is_internal (error))
    return;
  if (gh_error_get_explain (error) != NULL)
    gh_error_set_explain (explained, json_object_ref (gh_error_get_explain (error)));
  else
    gh_error_set_explain (explained, explain_refusal (request, error));
  details = gh_audit_refusal_details (explained);
  json_object_set_string_member (details, "method",
                                 soup_server_message_get_method (request->msg));
  json_object_set_string_member (details, "path", request->path);
  json_object_set_string_member (details, "admin_token_id", token_id);
  /* The project the path names, when there is one. */
  if (g_str_has_prefix (request->path, "/admin/v1/projects/"))
    slug = _gh_admin_path_slug (request);
  if (slug != NULL && gh_projects_check_slug (slug, NULL))
    project = gh_projects_get (request->server->projects, slug, NULL);
  gh_audit_record_event (request->server->audit, &(GhAuditEvent) {
                         .type = GH_AUDIT_EVENT_ADMIN_REQUEST_REFUSED,
                         .project_id = project != NULL ? project->id : 0,
                         .project_slug = project != NULL ? project->slug : NULL,
                         .outcome = GH_AUDIT_FAILURE, .actor = GH_ADMIN_ACTOR,
                         .source = _gh_request_peer (request),
                         .user_agent = _gh_request_user_agent (request),
                         .details = details }, NULL);
}

void
_gh_admin_send_error (GhRequest    *request,
                      const GError *error)
{
  record_refusal (request, error);
  gh_http_set_no_store (request->msg);
  gh_http_send_error (request->msg, error);
}

void
_gh_admin_record_paused_refusal (GhPausedRequest *paused,
                                 const GError    *error)
{
  /* The request as the router had it: the message keeps the verified token's id */
  GhRequest request = {
    .server = GH_SERVER (paused->owner), .msg = paused->msg, .path = paused->path,
  };

  record_refusal (&request, error);
}

void
_gh_admin_send_paused_error (GhPausedRequest *paused,
                             const GError    *error)
{
  _gh_admin_record_paused_refusal (paused, error);
  gh_http_set_no_store (paused->msg);
  gh_http_send_error (paused->msg, error);
}

void
_gh_admin_refuse (GhRequest    *request,
                  GhOAuthError  code,
                  const char   *description)
{
  g_autoptr(GError) error = g_error_new_literal (GH_OAUTH_ERROR, code, description);

  _gh_admin_send_error (request, error);
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
      {
        JsonObject *explain = gh_explain_new ("admin.invalid_request", "Unknown field “%s”",
                                              (const char *) l->data);

        /* The member's name only: its value may be a secret. */
        json_object_set_string_member (explain, "member", l->data);
        gh_explain_set_actual (explain, l->data);
        gh_explain_set_hint (explain, "A member this call does not know is refused, never "
                                      "ignored: check its spelling against the API's "
                                      "description (GET /admin/v1/openapi.json)");
        return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_REQUEST, explain,
                                          "Unknown field “%s”", (const char *) l->data), NULL;
      }
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
  /* The parser of every form the server reads, so a query means what a body would */
  form = gh_form_parse (query, strlen (query), NULL);
  if (form == NULL)
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                            "The query string does not parse"), NULL;
  /* A parameter given twice would have one of its values ignored. */
  if ((repeated = gh_form_find_repeated (form, NULL)) != NULL)
    {
      JsonObject *explain = gh_explain_new ("admin.invalid_request", "The query parameter "
                                            "“%s” is given more than once", repeated);

      json_object_set_string_member (explain, "parameter", repeated);
      gh_explain_set_expected (explain, "each parameter once");
      return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_REQUEST, explain,
                                        "The query parameter “%s” is given more than once",
                                        repeated), NULL;
    }
  params = gh_form_to_table (form);
  keys = g_hash_table_get_keys (params);
  for (const GList *l = keys; names != NULL && l != NULL; l = l->next)
    if (!g_strv_contains (names, l->data))
      {
        JsonObject *explain = gh_explain_new ("admin.invalid_request",
                                              "Unknown query parameter “%s”",
                                              (const char *) l->data);

        json_object_set_string_member (explain, "parameter", l->data);
        gh_explain_set_actual (explain, l->data);
        gh_explain_set_hint (explain, "A parameter this call does not know is refused, never "
                                      "ignored");
        return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_REQUEST, explain,
                                          "Unknown query parameter “%s”",
                                          (const char *) l->data), NULL;
      }
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
  if (project != NULL)
    return project;
  if (gh_oauth_error_from_gerror (error) == GH_OAUTH_ERROR_NOT_FOUND)
    {
      JsonObject *explain = gh_explain_new ("admin.not_found", "%s", error->message);
      g_autofree char *actual = g_strdup_printf ("project “%s”", slug);
      g_autoptr(GError) refusal = NULL;

      gh_explain_set_expected (explain, "the slug of an existing project");
      gh_explain_set_actual (explain, actual);
      gh_explain_set_hint (explain, "GET /admin/v1/projects lists the projects");
      gh_oauth_refuse_explained (&refusal, GH_OAUTH_ERROR_NOT_FOUND, explain, "%s",
                                 error->message);
      _gh_admin_send_error (request, refusal);
      return NULL;
    }
  _gh_admin_send_error (request, error);
  return NULL;
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
