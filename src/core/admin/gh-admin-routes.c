/* gh-admin-routes.c — the handlers of /admin/v1: the server, projects and admin tokens
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-admin"

#include "config.h"

#include <string.h>

#include "gh-error.h"
#include "gh-http.h"
#include "gh-json.h"
#include "gh-server-private.h"
#include "gh-time.h"

/* Who the audit says acted, for every change made through the admin API. */
#define ADMIN_ACTOR "admin-api"

/* Admin answers are never cached, and carry no CORS: the router checked the token. */
static void
send_json (GhRequest  *request,
           guint       status,
           JsonObject *object)
{
  gh_http_set_no_store (request->msg);
  gh_http_send_json (request->msg, status, object, NULL);
}

static void
send_error (GhRequest    *request,
            const GError *error)
{
  gh_http_set_no_store (request->msg);
  gh_http_send_error (request->msg, error);
}

static void
refuse (GhRequest    *request,
        GhOAuthError  code,
        const char   *description)
{
  gh_http_set_no_store (request->msg);
  gh_http_send_oauth_error (request->msg, code, description);
}

/* The last segment of the path: {slug} or {id}. */
static const char *
path_argument (GhRequest *request)
{
  return strrchr (request->path, '/') + 1;
}

/* The body as a JSON object ({} when there is none); with @fields, every member must be one
 * of them. NULL with INVALID_REQUEST naming what is wrong. */
static JsonObject *
read_body (GhRequest           *request,
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

/* Member @name of @object as a string: *@out is NULL when it is absent; FALSE with @error
 * when it is there but not a string. */
static gboolean
get_optional_string (JsonObject   *object,
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

static JsonObject *
project_to_json (GhServer        *server,
                 const GhProject *project)
{
  g_autofree char *issuer = gh_server_build_issuer (server, project->slug);

  return gh_project_to_json (project, issuer, TRUE);
}

/* GET /admin/v1/server: what runs, where, and with which keys. */
void
_gh_admin_handle_server (GhRequest *request)
{
  GhServer *self = request->server;
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GPtrArray) keys = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *listen_urls = json_array_new ();
  JsonArray *key_ids = json_array_new ();
  const char *listen_url = gh_server_get_listen_url (self);

  keys = gh_signing_keys_list (self->signing_keys, &error);
  if (keys == NULL)
    {
      json_array_unref (listen_urls);
      json_array_unref (key_ids);
      send_error (request, error);
      return;
    }
  for (guint i = 0; i < keys->len; i++)
    {
      GhSigningKeyInfo *info = g_ptr_array_index (keys, i);

      if (info->published)
        json_array_add_string_element (key_ids, info->kid);
    }
  if (listen_url != NULL)
    json_array_add_string_element (listen_urls, listen_url);

  json_object_set_string_member (object, "version", PACKAGE_VERSION);
  json_object_set_int_member (object, "started_at", self->started_at);
  json_object_set_int_member (object, "uptime_s", gh_now_seconds () - self->started_at);
  json_object_set_array_member (object, "listen_urls", listen_urls);
  json_object_set_string_member (object, "issuer_base", gh_server_get_issuer_base (self));
  json_object_set_boolean_member (object, "tls",
                                  listen_url != NULL && g_str_has_prefix (listen_url, "https:"));
  json_object_set_string_member (object, "secret_backend", gh_server_describe_secrets (self));
  json_object_set_array_member (object, "key_ids", key_ids);
  send_json (request, SOUP_STATUS_OK, object);
}

static void
list_projects (GhRequest *request)
{
  g_autoptr(GPtrArray) projects = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = json_object_new ();
  JsonArray *array;

  projects = gh_projects_list (request->server->projects, &error);
  if (projects == NULL)
    {
      send_error (request, error);
      return;
    }
  array = json_array_sized_new (projects->len);
  for (guint i = 0; i < projects->len; i++)
    json_array_add_object_element (array, project_to_json (request->server,
                                                           g_ptr_array_index (projects, i)));
  json_object_set_array_member (object, "projects", array);
  send_json (request, SOUP_STATUS_OK, object);
}

static void
create_project (GhRequest *request)
{
  static const char * const fields[] = { "slug", "display_name", "profile", NULL };
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GhProject) project = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  GhSettingsProfile profile = request->server->profile;
  const char *slug;
  const char *display_name;
  const char *profile_name;

  body = read_body (request, fields, &error);
  if (body == NULL ||
      !get_optional_string (body, "slug", &slug, &error) ||
      !get_optional_string (body, "display_name", &display_name, &error) ||
      !get_optional_string (body, "profile", &profile_name, &error))
    {
      send_error (request, error);
      return;
    }
  if (slug == NULL)
    {
      refuse (request, GH_OAUTH_ERROR_INVALID_REQUEST, "“slug” is required");
      return;
    }
  if (profile_name != NULL && !gh_settings_profile_from_string (profile_name, &profile))
    {
      refuse (request, GH_OAUTH_ERROR_INVALID_REQUEST,
              "“profile” is development or production");
      return;
    }
  project = gh_projects_create (request->server->projects, slug, display_name, profile,
                                ADMIN_ACTOR, &error);
  if (project == NULL)
    {
      send_error (request, error);
      return;
    }
  object = project_to_json (request->server, project);
  send_json (request, SOUP_STATUS_CREATED, object);
}

/* GET|POST /admin/v1/projects */
void
_gh_admin_handle_projects (GhRequest *request)
{
  if (gh_http_method_is (request->msg, "POST"))
    create_project (request);
  else
    list_projects (request);
}

/* The project the path names; answers 404 itself when there is none. */
static GhProject *
load_project (GhRequest *request)
{
  const char *slug = path_argument (request);
  g_autoptr(GError) error = NULL;
  GhProject *project;

  /* A slug that breaks the rules is not reflected: it names no project. */
  if (!gh_projects_check_slug (slug, NULL))
    {
      refuse (request, GH_OAUTH_ERROR_NOT_FOUND, "No such project");
      return NULL;
    }
  project = gh_projects_get (request->server->projects, slug, &error);
  if (project == NULL)
    send_error (request, error);
  return project;
}

static void
patch_project (GhRequest *request,
               GhProject *project)
{
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(GhProject) updated = NULL;
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *array;

  /* The settings' own validation names an unknown key. */
  body = read_body (request, NULL, &error);
  if (body == NULL)
    {
      send_error (request, error);
      return;
    }
  if (json_object_get_size (body) == 0)
    {
      refuse (request, GH_OAUTH_ERROR_INVALID_REQUEST,
              "Send the settings to change as a JSON object");
      return;
    }
  changes = gh_projects_update_settings (request->server->projects, project->slug, body,
                                         ADMIN_ACTOR, &error);
  if (changes == NULL ||
      (updated = gh_projects_get (request->server->projects, project->slug, &error)) == NULL)
    {
      send_error (request, error);
      return;
    }
  array = json_array_sized_new (changes->len);
  for (guint i = 0; i < changes->len; i++)
    json_array_add_object_element (array,
                                   gh_setting_change_to_json (g_ptr_array_index (changes, i)));
  json_object_set_array_member (object, "changes", array);
  json_object_set_object_member (object, "project", project_to_json (request->server, updated));
  send_json (request, SOUP_STATUS_OK, object);
}

/* GET|PATCH /admin/v1/projects/{slug} */
void
_gh_admin_handle_project (GhRequest *request)
{
  g_autoptr(GhProject) project = load_project (request);
  g_autoptr(JsonObject) object = NULL;

  if (project == NULL)
    return;
  if (gh_http_method_is (request->msg, "PATCH"))
    {
      patch_project (request, project);
      return;
    }
  object = project_to_json (request->server, project);
  send_json (request, SOUP_STATUS_OK, object);
}

static void
list_admin_tokens (GhRequest *request)
{
  g_autoptr(GPtrArray) tokens = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = json_object_new ();
  gint64 now = gh_now_seconds ();
  JsonArray *array;

  tokens = gh_admin_tokens_list (request->server->admin_tokens, &error);
  if (tokens == NULL)
    {
      send_error (request, error);
      return;
    }
  array = json_array_sized_new (tokens->len);
  for (guint i = 0; i < tokens->len; i++)
    json_array_add_object_element (array,
                                   gh_admin_token_to_json (g_ptr_array_index (tokens, i), now));
  json_object_set_array_member (object, "admin_tokens", array);
  send_json (request, SOUP_STATUS_OK, object);
}

static void
create_admin_token (GhRequest *request)
{
  static const char * const fields[] = { "label", "expires_in", NULL };
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GhAdminToken) token = NULL;
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = NULL;
  const char *label;
  gint64 expires_in = 0;

  body = read_body (request, fields, &error);
  if (body == NULL || !get_optional_string (body, "label", &label, &error))
    {
      send_error (request, error);
      return;
    }
  if (json_object_has_member (body, "expires_in") &&
      !gh_json_get_int (body, "expires_in", &expires_in))
    {
      refuse (request, GH_OAUTH_ERROR_INVALID_REQUEST,
              "“expires_in” must be a number of seconds (0: never)");
      return;
    }
  token = gh_admin_tokens_create (request->server->admin_tokens, label, expires_in,
                                  ADMIN_ACTOR, &secret, &error);
  if (token == NULL)
    {
      send_error (request, error);
      return;
    }
  /* The only answer that ever carries the token. */
  json_object_set_string_member (object, "token", secret);
  json_object_set_object_member (object, "admin_token",
                                 gh_admin_token_to_json (token, gh_now_seconds ()));
  send_json (request, SOUP_STATUS_CREATED, object);
}

/* GET|POST /admin/v1/admin-tokens */
void
_gh_admin_handle_admin_tokens (GhRequest *request)
{
  if (gh_http_method_is (request->msg, "POST"))
    create_admin_token (request);
  else
    list_admin_tokens (request);
}

/* DELETE /admin/v1/admin-tokens/{id}: 204, or 404 when there is no unrevoked token @id. */
void
_gh_admin_handle_admin_token (GhRequest *request)
{
  g_autoptr(GError) error = NULL;

  if (!gh_admin_tokens_revoke (request->server->admin_tokens, path_argument (request),
                               ADMIN_ACTOR, &error))
    {
      send_error (request, error);
      return;
    }
  gh_http_set_no_store (request->msg);
  soup_server_message_set_status (request->msg, SOUP_STATUS_NO_CONTENT, NULL);
}
