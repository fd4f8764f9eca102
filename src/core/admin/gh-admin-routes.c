/* gh-admin-routes.c — the handlers of /admin/v1: the server, projects, admin tokens, audit
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-admin"

#include "config.h"

#include <string.h>

#include "gh-admin-private.h"
#include "gh-audit-query.h"
#include "gh-crypto.h"
#include "gh-error.h"
#include "gh-http.h"
#include "gh-json.h"
#include "gh-paused-request.h"
#include "gh-server-private.h"
#include "gh-time.h"

static JsonObject *
project_to_json (GhServer        *server,
                 const GhProject *project)
{
  g_autofree char *issuer = gh_server_build_issuer (server, project->slug);

  return gh_project_to_json (project, issuer, TRUE);
}

/* The certificate the server serves HTTPS with: its subject and issuer (RFC 4514 strings),
 * the end of its validity (seconds since the epoch), and its SHA-256 fingerprint (the DER's
 * hash, hex pairs separated by colons, as `openssl x509 -fingerprint -sha256` prints it). */
static JsonNode *
tls_certificate_to_json (GTlsCertificate *certificate)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GByteArray) der = NULL;
  g_autoptr(GDateTime) not_after = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *issuer = NULL;
  g_autoptr(GString) fingerprint = g_string_new (NULL);
  guint8 digest[32];

  if (certificate == NULL)
    return json_node_new (JSON_NODE_NULL);
  g_object_get (certificate, "certificate", &der, "subject-name", &subject,
                "issuer-name", &issuer, "not-valid-after", &not_after, NULL);
  object = json_object_new ();
  json_object_set_string_member (object, "subject", subject);
  json_object_set_string_member (object, "issuer", issuer);
  if (not_after != NULL)
    json_object_set_int_member (object, "not_after", g_date_time_to_unix (not_after));
  else
    json_object_set_null_member (object, "not_after");
  if (der != NULL)
    {
      gh_sha256 (der->data, der->len, digest);
      for (guint i = 0; i < sizeof digest; i++)
        g_string_append_printf (fingerprint, "%s%02X", i > 0 ? ":" : "", digest[i]);
      json_object_set_string_member (object, "sha256_fingerprint", fingerprint->str);
    }
  else
    json_object_set_null_member (object, "sha256_fingerprint");
  return json_node_init_object (json_node_alloc (), object);
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
      _gh_admin_send_error (request, error);
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
  json_object_set_boolean_member (object, "tls", self->tls_certificate != NULL);
  json_object_set_member (object, "tls_certificate",
                          tls_certificate_to_json (self->tls_certificate));
  json_object_set_string_member (object, "secret_backend", gh_server_describe_secrets (self));
  json_object_set_array_member (object, "key_ids", key_ids);
  _gh_admin_send_json (request, SOUP_STATUS_OK, object);
}

/* GET /admin/v1/event-types: the audit event-type registry (docs/audit-events.md), in its
 * order: what a console's "What" filter offers. */
void
_gh_admin_handle_event_types (GhRequest *request)
{
  static const char * const none[] = { NULL };
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GError) error = NULL;
  guint n_types = 0;
  const GhAuditEventType *types = gh_audit_event_types (&n_types);
  JsonArray *array;

  /* It takes no parameter: one is a 400 naming it */
  params = _gh_admin_read_query (request, none, &error);
  if (params == NULL)
    {
      _gh_admin_send_error (request, error);
      return;
    }
  object = json_object_new ();
  array = json_array_sized_new (n_types);

  for (guint i = 0; i < n_types; i++)
    {
      JsonObject *type = json_object_new ();

      json_object_set_string_member (type, "type", types[i].name);
      json_object_set_string_member (type, "category",
                                     gh_audit_category_to_string (types[i].category));
      json_object_set_string_member (type, "description", types[i].description);
      json_array_add_object_element (array, type);
    }
  json_object_set_array_member (object, "event_types", array);
  _gh_admin_send_json (request, SOUP_STATUS_OK, object);
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
      _gh_admin_send_error (request, error);
      return;
    }
  array = json_array_sized_new (projects->len);
  for (guint i = 0; i < projects->len; i++)
    json_array_add_object_element (array, project_to_json (request->server,
                                                           g_ptr_array_index (projects, i)));
  json_object_set_array_member (object, "projects", array);
  _gh_admin_send_json (request, SOUP_STATUS_OK, object);
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

  body = _gh_admin_read_body (request, fields, &error);
  if (body == NULL ||
      !_gh_admin_get_optional_string (body, "slug", &slug, &error) ||
      !_gh_admin_get_optional_string (body, "display_name", &display_name, &error) ||
      !_gh_admin_get_optional_string (body, "profile", &profile_name, &error))
    {
      _gh_admin_send_error (request, error);
      return;
    }
  if (slug == NULL)
    {
      _gh_admin_refuse (request, GH_OAUTH_ERROR_INVALID_REQUEST, "“slug” is required");
      return;
    }
  if (profile_name != NULL && !gh_settings_profile_from_string (profile_name, &profile))
    {
      _gh_admin_refuse (request, GH_OAUTH_ERROR_INVALID_REQUEST,
                        "“profile” is development or production");
      return;
    }
  project = gh_projects_create (request->server->projects, slug, display_name, profile,
                                GH_ADMIN_ACTOR, &error);
  if (project == NULL)
    {
      _gh_admin_send_error (request, error);
      return;
    }
  object = project_to_json (request->server, project);
  _gh_admin_send_json (request, SOUP_STATUS_CREATED, object);
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

/* The project the path's last segment names; answers 404 itself when there is none. */
static GhProject *
load_project (GhRequest *request)
{
  return _gh_admin_load_project_named (request, _gh_admin_path_argument (request));
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
  body = _gh_admin_read_body (request, NULL, &error);
  if (body == NULL)
    {
      _gh_admin_send_error (request, error);
      return;
    }
  if (json_object_get_size (body) == 0)
    {
      _gh_admin_refuse (request, GH_OAUTH_ERROR_INVALID_REQUEST,
                        "Send the settings to change as a JSON object");
      return;
    }
  changes = gh_projects_update_settings (request->server->projects, project->slug, body,
                                         GH_ADMIN_ACTOR, &error);
  if (changes == NULL ||
      (updated = gh_projects_get (request->server->projects, project->slug, &error)) == NULL)
    {
      _gh_admin_send_error (request, error);
      return;
    }
  array = json_array_sized_new (changes->len);
  for (guint i = 0; i < changes->len; i++)
    json_array_add_object_element (array,
                                   gh_setting_change_to_json (g_ptr_array_index (changes, i)));
  json_object_set_array_member (object, "changes", array);
  json_object_set_object_member (object, "project", project_to_json (request->server, updated));
  _gh_admin_send_json (request, SOUP_STATUS_OK, object);
}

/* GET|PATCH|DELETE /admin/v1/projects/{slug} */
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
  if (gh_http_method_is (request->msg, "DELETE"))
    {
      _gh_admin_delete_project (request, project);
      return;
    }
  object = project_to_json (request->server, project);
  _gh_admin_send_json (request, SOUP_STATUS_OK, object);
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
      _gh_admin_send_error (request, error);
      return;
    }
  array = json_array_sized_new (tokens->len);
  for (guint i = 0; i < tokens->len; i++)
    json_array_add_object_element (array,
                                   gh_admin_token_to_json (g_ptr_array_index (tokens, i), now));
  json_object_set_array_member (object, "admin_tokens", array);
  _gh_admin_send_json (request, SOUP_STATUS_OK, object);
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

  body = _gh_admin_read_body (request, fields, &error);
  if (body == NULL || !_gh_admin_get_optional_string (body, "label", &label, &error))
    {
      _gh_admin_send_error (request, error);
      return;
    }
  if (json_object_has_member (body, "expires_in") &&
      !gh_json_get_int (body, "expires_in", &expires_in))
    {
      _gh_admin_refuse (request, GH_OAUTH_ERROR_INVALID_REQUEST,
                        "“expires_in” must be a number of seconds (0: never)");
      return;
    }
  token = gh_admin_tokens_create (request->server->admin_tokens, label, expires_in,
                                  GH_ADMIN_ACTOR, &secret, &error);
  if (token == NULL)
    {
      _gh_admin_send_error (request, error);
      return;
    }
  /* The only answer that ever carries the token. */
  json_object_set_string_member (object, "token", secret);
  json_object_set_object_member (object, "admin_token",
                                 gh_admin_token_to_json (token, gh_now_seconds ()));
  _gh_admin_send_json (request, SOUP_STATUS_CREATED, object);
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

  if (!gh_admin_tokens_revoke (request->server->admin_tokens, _gh_admin_path_argument (request),
                               GH_ADMIN_ACTOR, &error))
    {
      _gh_admin_send_error (request, error);
      return;
    }
  gh_http_set_no_store (request->msg);
  soup_server_message_set_status (request->msg, SOUP_STATUS_NO_CONTENT, NULL);
}

/* The query's parameters: each string filter, and each number with its lowest value. */
static const struct {
  const char *name;
  gsize       offset;
} audit_strings[] = {
  { "type", G_STRUCT_OFFSET (GhAuditQuery, type) },
  { "type_prefix", G_STRUCT_OFFSET (GhAuditQuery, type_prefix) },
  { "outcome", G_STRUCT_OFFSET (GhAuditQuery, outcome) },
  { "client_id", G_STRUCT_OFFSET (GhAuditQuery, client_id) },
  { "user_id", G_STRUCT_OFFSET (GhAuditQuery, user_id) },
  { "flow_id", G_STRUCT_OFFSET (GhAuditQuery, flow_id) },
  { "source", G_STRUCT_OFFSET (GhAuditQuery, source) },
  { "text", G_STRUCT_OFFSET (GhAuditQuery, text) },
};

static const struct {
  const char *name;
  gsize       offset;
  gint64      min;
} audit_numbers[] = {
  { "from", G_STRUCT_OFFSET (GhAuditQuery, time_from), 0 },
  { "to", G_STRUCT_OFFSET (GhAuditQuery, time_to), 0 },
  { "before", G_STRUCT_OFFSET (GhAuditQuery, before), 1 },
  { "after", G_STRUCT_OFFSET (GhAuditQuery, after), 1 },
};

/* Fills @query from @params, which it points into; FALSE with INVALID_REQUEST naming an
 * unknown parameter or a value that is not a number where one is needed. */
gboolean
_gh_admin_read_audit_query (GHashTable    *params,
                  GhAuditQuery  *query,
                  GError       **error)
{
  GHashTableIter iter;
  const char *name;
  const char *value;

  g_hash_table_iter_init (&iter, params);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, (gpointer *) &value))
    {
      gboolean known = FALSE;
      gint64 number;

      for (guint i = 0; !known && i < G_N_ELEMENTS (audit_strings); i++)
        if (g_str_equal (name, audit_strings[i].name))
          {
            G_STRUCT_MEMBER (const char *, query, audit_strings[i].offset) = value;
            known = TRUE;
          }
      for (guint i = 0; !known && i < G_N_ELEMENTS (audit_numbers); i++)
        if (g_str_equal (name, audit_numbers[i].name))
          {
            if (!g_ascii_string_to_signed (value, 10, audit_numbers[i].min, G_MAXINT64,
                                           &number, NULL))
              return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                                      "“%s” must be a whole number of at least %" G_GINT64_FORMAT,
                                      name, audit_numbers[i].min);
            G_STRUCT_MEMBER (gint64, query, audit_numbers[i].offset) = number;
            known = TRUE;
          }
      if (!known && g_str_equal (name, "offset"))
        {
          if (!g_ascii_string_to_signed (value, 10, 0, GH_AUDIT_QUERY_MAX_OFFSET, &number, NULL))
            return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                                    "“offset” must be a whole number from 0 to %d",
                                    GH_AUDIT_QUERY_MAX_OFFSET);
          query->offset = (guint) number;
          known = TRUE;
        }
      if (!known && g_str_equal (name, "limit"))
        {
          if (!g_ascii_string_to_signed (value, 10, 1, G_MAXUINT32, &number, NULL))
            return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                                    "“limit” must be a whole number of at least 1 "
                                    "(a page holds at most %d events)",
                                    GH_AUDIT_QUERY_MAX_LIMIT);
          query->limit = (guint) number;
          known = TRUE;
        }
      if (!known)
        return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                                "Unknown query parameter “%s”", name);
    }
  return gh_audit_query_check (query, error);
}

static void
audit_page_read (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GhPausedRequest *paused = user_data;
  g_autoptr(GhAuditPage) page = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  page = gh_audit_query_finish (result, &error);
  if (gh_paused_request_abandoned (paused))
    return;
  gh_http_set_no_store (paused->msg);
  if (page == NULL)
    _gh_admin_send_paused_error (paused, error);
  else
    {
      object = gh_audit_page_to_json (page);
      gh_http_send_json (paused->msg, SOUP_STATUS_OK, object, NULL);
    }
  gh_paused_request_resume (paused);
}

/* The audit query of a request to project @slug's events, in @params (which it points into);
 * @whole: "limit" and "after" are refused (every matching event is meant). NULL once the
 * request is answered with a refusal. */
static GHashTable *
audit_request_query (GhRequest    *request,
                     const char   *slug,
                     gboolean      whole,
                     GhAuditQuery *query)
{
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GError) error = NULL;

  project = _gh_admin_load_project_named (request, slug);
  if (project == NULL)
    return NULL;
  params = _gh_admin_query_params (request);
  if (params == NULL)
    return NULL;
  if (whole && (g_hash_table_contains (params, "limit") ||
                g_hash_table_contains (params, "after") ||
                g_hash_table_contains (params, "offset")))
    {
      _gh_admin_refuse (request, GH_OAUTH_ERROR_INVALID_REQUEST,
                        "A count takes no “limit”, “offset” or “after”: it counts every "
                        "matching event (below “before” when given)");
      return NULL;
    }
  query->project_id = project->id;
  if (!_gh_admin_read_audit_query (params, query, &error))
    {
      _gh_admin_send_error (request, error);
      return NULL;
    }
  return g_steal_pointer (&params);
}

/* GET /admin/v1/projects/{slug}/audit: a page of the project's events, newest first. The
 * request waits, paused, while a worker thread reads: OAuth traffic is never blocked. */
void
_gh_admin_handle_audit (GhRequest *request)
{
  g_autofree char *slug = _gh_admin_path_slug (request);
  g_autoptr(GHashTable) params = NULL;
  GhAuditQuery query = { 0 };
  GhPausedRequest *paused;

  params = audit_request_query (request, slug, FALSE, &query);
  if (params == NULL)
    return;
  paused = gh_paused_request_new (G_OBJECT (request->server), request->msg, slug, NULL,
                                  request->path, NULL, NULL, NULL);
  gh_audit_query_async (request->server->store, &query, paused->cancellable,
                        audit_page_read, paused);
}

static void
audit_counted (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GhPausedRequest *paused = user_data;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  gint64 count;

  count = gh_audit_count_finish (result, &error);
  if (gh_paused_request_abandoned (paused))
    return;
  gh_http_set_no_store (paused->msg);
  if (count < 0)
    _gh_admin_send_paused_error (paused, error);
  else
    {
      object = json_object_new ();
      json_object_set_int_member (object, "count", count);
      gh_http_send_json (paused->msg, SOUP_STATUS_OK, object, NULL);
    }
  gh_paused_request_resume (paused);
}

/* GET /admin/v1/projects/{slug}/audit/count: {"count"}, how many events the audit route's
 * filters keep (below "before" when given): what an export will write, for its progress. The
 * count runs in a worker thread like a page. */
void
_gh_admin_handle_audit_count (GhRequest *request)
{
  g_autofree char *slug = _gh_admin_path_slug (request);
  g_autoptr(GHashTable) params = NULL;
  GhAuditQuery query = { 0 };
  GhPausedRequest *paused;

  params = audit_request_query (request, slug, TRUE, &query);
  if (params == NULL)
    return;
  paused = gh_paused_request_new (G_OBJECT (request->server), request->msg, slug, NULL,
                                  request->path, NULL, NULL, NULL);
  gh_audit_count_async (request->server->store, &query, paused->cancellable,
                        audit_counted, paused);
}
