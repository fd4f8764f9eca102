/* gh-admin-clients.c — the admin API's clients and CIMD routes: list, register, show, delete,
 * import, refresh (a diff before it is applied) and the CIMD preview
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-admin"

#include "config.h"

#include <string.h>

#include "gh-admin-private.h"
#include "gh-cimd-explain.h"
#include "gh-cimd-policy.h"
#include "gh-cimd-resolver.h"
#include "gh-error.h"
#include "gh-http.h"
#include "gh-json.h"
#include "gh-paused-request.h"
#include "gh-time.h"

/* Members of a changed document that void the users' consents: new places to return to, or
 * new keys (as the resolver's cache decides). */
static const char * const consent_members[] = { "redirect_uris", "jwks", "jwks_uri", NULL };
static const char * const key_members[] = { "jwks", "jwks_uri", NULL };

static gboolean changes_touch (JsonArray          *changes,
                               const char * const *members);

/* The path's segments: "", "admin", "v1", "projects", {slug}, ... */
static char **
path_segments (GhRequest *request)
{
  return g_strsplit (request->path, "/", -1);
}

/* The project of the path (segment 4); answers 404 itself when there is none. */
static GhProject *
load_project (GhRequest  *request,
              char      **segments)
{
  return _gh_admin_load_project_named (request, segments[4]);
}

/* What follows ".../clients/" in the path: a client id, which may be a URL (sent
 * percent-encoded or not: the path arrives decoded). */
static const char *
client_id_in_path (GhRequest  *request,
                   char      **segments)
{
  return request->path + strlen ("/admin/v1/projects/") + strlen (segments[4]) +
         strlen ("/clients/");
}

static const char *
source_name (GhClientSource source)
{
  switch (source)
    {
    case GH_CLIENT_SOURCE_ADMIN:
      return "pre-registered";
    case GH_CLIENT_SOURCE_DCR:
      return "dcr";
    case GH_CLIENT_SOURCE_CIMD:
    default:
      return "cimd";
    }
}

static JsonArray *
strv_to_array (char **strv)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    json_array_add_string_element (array, strv[i]);
  return array;
}

static void
set_time_or_null (JsonObject *object,
                  const char *member,
                  gint64      value)
{
  if (value > 0)
    json_object_set_int_member (object, member, value);
  else
    json_object_set_null_member (object, member);
}

/* One row of the list: who, where from, where it returns, how it authenticates. */
static JsonObject *
client_summary (const GhClient *client,
                gint64          last_seen,
                gint64          failures)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "client_id", client->client_id);
  json_object_set_string_member (object, "source", source_name (client->source));
  if (client->source == GH_CLIENT_SOURCE_CIMD)
    json_object_set_boolean_member (object, "imported", client->id != 0);
  if (client->client_name != NULL)
    json_object_set_string_member (object, "client_name", client->client_name);
  else
    json_object_set_null_member (object, "client_name");
  json_object_set_array_member (object, "redirect_uris", strv_to_array (client->redirect_uris));
  json_object_set_string_member (object, "token_endpoint_auth_method",
                                 gh_client_auth_method_to_string (client->auth_method));
  json_object_set_array_member (object, "grant_types", strv_to_array (client->grant_types));
  if (client->scope != NULL)
    json_object_set_string_member (object, "scope", client->scope);
  else
    json_object_set_null_member (object, "scope");
  set_time_or_null (object, "created_at", client->created_at);
  set_time_or_null (object, "last_seen_at", last_seen);
  json_object_set_int_member (object, "failures_24h", failures);
  return object;
}

/* One number from @sql, bound to @project_id and @client_id (both when given); -1 on error. */
static gint64
count_rows (GhStore    *store,
            const char *sql,
            gint64      project_id,
            const char *client_id)
{
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(GError) error = NULL;
  gboolean row = FALSE;

  stmt = gh_store_prepare (store, sql, &error);
  if (stmt == NULL)
    return -1;
  gh_stmt_bind_int64 (stmt, 1, project_id);
  gh_stmt_bind_text (stmt, 2, client_id);
  if (!gh_store_step (store, stmt, &row, &error) || !row)
    return -1;
  return sqlite3_column_int64 (stmt, 0);
}

/* When the client last got a token: the last sign of it we keep (0: never). */
static gint64
last_seen (GhStore    *store,
           gint64      project_id,
           const char *client_id)
{
  return MAX (0, count_rows (store, "SELECT coalesce(max(issued_at), 0) FROM access_tokens "
                                    "WHERE project_id = ? AND client_id = ?",
                             project_id, client_id));
}

/* Failed audit events of the last 24 hours per client_id in the project, in one query: the
 * client_id -> count (as a pointer-sized integer). */
static GHashTable *
failures_24h (GhStore *store,
              gint64   project_id)
{
  GHashTable *counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(GError) error = NULL;
  gboolean row = FALSE;

  stmt = gh_store_prepare (store, "SELECT client_id, count(*) FROM audit_events "
                                  "WHERE project_id = ? AND time >= ? AND outcome = 'failure' "
                                  "AND client_id IS NOT NULL GROUP BY client_id", &error);
  if (stmt == NULL)
    return counts;
  gh_stmt_bind_int64 (stmt, 1, project_id);
  gh_stmt_bind_int64 (stmt, 2, g_get_real_time () - (gint64) 86400 * G_USEC_PER_SEC);
  while (gh_store_step (store, stmt, &row, &error) && row)
    g_hash_table_insert (counts, g_strdup (gh_stmt_column_text (stmt, 0)),
                         GSIZE_TO_POINTER ((gsize) sqlite3_column_int64 (stmt, 1)));
  return counts;
}

static gint64
failures_of (GHashTable *counts,
             const char *client_id)
{
  return (gint64) GPOINTER_TO_SIZE (g_hash_table_lookup (counts, client_id));
}

/* Does @client match ?q=: its id, name or a redirect URI holds @needle, in any letter case. */
static gboolean
client_matches (const GhClient *client,
                const char     *needle)
{
  g_autofree char *folded = g_utf8_casefold (needle, -1);
  const char *texts[] = { client->client_id, client->client_name };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autofree char *text = texts[i] != NULL ? g_utf8_casefold (texts[i], -1) : NULL;

      if (text != NULL && strstr (text, folded) != NULL)
        return TRUE;
    }
  for (guint i = 0; client->redirect_uris != NULL && client->redirect_uris[i] != NULL; i++)
    {
      g_autofree char *text = g_utf8_casefold (client->redirect_uris[i], -1);

      if (strstr (text, folded) != NULL)
        return TRUE;
    }
  return FALSE;
}

/* The query's ?source=, ?q= and ?deleted=; FALSE (answered 400) for anything else or a bad
 * value. */
static gboolean
read_list_query (GhRequest   *request,
                 GHashTable **out_params,
                 const char **source,
                 const char **needle,
                 gboolean    *deleted)
{
  static const char * const names[] = { "source", "q", "deleted", NULL };
  const char *value;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GError) error = NULL;

  params = _gh_admin_read_query (request, names, &error);
  if (params == NULL)
    {
      _gh_admin_send_error (request, error);
      return FALSE;
    }
  *source = g_hash_table_lookup (params, "source");
  *needle = g_hash_table_lookup (params, "q");
  if (*source != NULL && !g_str_equal (*source, "pre-registered") &&
      !g_str_equal (*source, "dcr") && !g_str_equal (*source, "cimd"))
    {
      _gh_admin_refuse (request, GH_OAUTH_ERROR_INVALID_REQUEST,
                        "“source” is pre-registered, dcr or cimd");
      return FALSE;
    }
  value = g_hash_table_lookup (params, "deleted");
  *deleted = g_strcmp0 (value, "true") == 0;
  if (value != NULL && !*deleted && !g_str_equal (value, "false"))
    {
      _gh_admin_refuse (request, GH_OAUTH_ERROR_INVALID_REQUEST, "“deleted” is true or false");
      return FALSE;
    }
  *out_params = g_steal_pointer (&params);
  return TRUE;
}

/* ?deleted=true: the deleted clients' tombstones, newest first (those matching ?q= by id or
 * name), as "tombstones"; FALSE once it answered an error. */
static gboolean
add_tombstones (GhRequest  *request,
                GhProject  *project,
                const char *needle,
                JsonObject *object)
{
  g_autoptr(GPtrArray) tombstones = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *folded = needle != NULL ? g_utf8_casefold (needle, -1) : NULL;
  JsonArray *array = json_array_new ();

  tombstones = gh_clients_list_tombstones (request->server->clients, project->id, &error);
  if (tombstones == NULL)
    {
      json_array_unref (array);
      _gh_admin_send_error (request, error);
      return FALSE;
    }
  for (guint i = 0; i < tombstones->len; i++)
    {
      JsonObject *tombstone = g_ptr_array_index (tombstones, i);
      g_autofree char *text = g_strconcat (json_object_get_string_member (tombstone,
                                                                          "client_id"),
                                           "\n",
                                           json_object_get_string_member_with_default (
                                             tombstone, "client_name", ""), NULL);
      g_autofree char *folded_text = g_utf8_casefold (text, -1);

      if (folded == NULL || strstr (folded_text, folded) != NULL)
        json_array_add_object_element (array, json_object_ref (tombstone));
    }
  json_object_set_array_member (object, "tombstones", array);
  return TRUE;
}

static void
list_clients (GhRequest *request,
              GhProject *project)
{
  GhClients *clients = request->server->clients;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GPtrArray) fetched = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GHashTable) failures = NULL;
  JsonArray *array;
  const char *source = NULL;
  const char *needle = NULL;
  gboolean deleted = FALSE;

  if (!read_list_query (request, &params, &source, &needle, &deleted))
    return;
  listed = gh_clients_list (clients, project->id, &error);
  if (listed == NULL ||
      (fetched = gh_clients_list_fetched_cimd (clients, project->id, &error)) == NULL)
    {
      _gh_admin_send_error (request, error);
      return;
    }
  g_ptr_array_extend_and_steal (listed, g_steal_pointer (&fetched));
  failures = failures_24h (request->server->store, project->id);
  array = json_array_new ();
  for (guint i = 0; i < listed->len; i++)
    {
      const GhClient *client = g_ptr_array_index (listed, i);

      if ((source != NULL && !g_str_equal (source, source_name (client->source))) ||
          (needle != NULL && !client_matches (client, needle)))
        continue;
      json_array_add_object_element (array, client_summary (client,
                                                            last_seen (request->server->store,
                                                                       project->id,
                                                                       client->client_id),
                                                            failures_of (failures,
                                                                         client->client_id)));
    }
  json_object_set_array_member (object, "clients", array);
  if (deleted && !add_tombstones (request, project, needle, object))
    return;
  _gh_admin_send_json (request, SOUP_STATUS_OK, object);
}

/* RFC 7591 members a pre-registered client may have, and its client_id. */
static const char * const client_fields[] = {
  "client_id", "redirect_uris", "grant_types", "response_types", "client_name", "client_uri",
  "logo_uri", "scope", "contacts", "tos_uri", "policy_uri", "jwks_uri", "jwks", "software_id",
  "software_version", "token_endpoint_auth_method", "application_type", NULL
};

/* POST: a client registered by the administrator, as `client add` does; a secret, when one
 * is made, is in this answer only. */
static void
create_client (GhRequest *request,
               GhProject *project)
{
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(JsonObject) validated = NULL;
  g_autoptr(GhClient) client = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *client_id = NULL;
  const char *chosen;

  body = _gh_admin_read_body (request, client_fields, &error);
  if (body == NULL || !_gh_admin_get_optional_string (body, "client_id", &chosen, &error) ||
      (chosen != NULL && !gh_client_id_check (chosen, &error)))
    {
      _gh_admin_send_error (request, error);
      return;
    }
  /* The id is no RFC 7591 member: the metadata is validated without it. */
  client_id = g_strdup (chosen);
  json_object_remove_member (body, "client_id");
  validated = gh_client_metadata_validate (body, project->settings, "none", &error);
  if (validated == NULL)
    {
      _gh_admin_send_error (request, error);
      return;
    }
  client = gh_clients_create (request->server->clients, project, client_id,
                              GH_CLIENT_SOURCE_ADMIN, validated, &secret, GH_ADMIN_ACTOR, &error);
  if (client == NULL)
    {
      _gh_admin_send_error (request, error);
      return;
    }
  object = gh_client_to_json (client, secret);
  json_object_set_string_member (object, "source", source_name (client->source));
  _gh_admin_send_json (request, SOUP_STATUS_CREATED, object);
}

/* GET|POST /admin/v1/projects/{slug}/clients */
void
_gh_admin_handle_clients (GhRequest *request)
{
  g_auto(GStrv) segments = path_segments (request);
  g_autoptr(GhProject) project = load_project (request, segments);

  if (project == NULL)
    return;
  if (gh_http_method_is (request->msg, "POST"))
    create_client (request, project);
  else
    list_clients (request, project);
}

/* A CIMD client's copy in the resolver's cache, or null. */
static JsonNode *
cimd_cache_record (GhStore    *store,
                   gint64      project_id,
                   const char *client_id)
{
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) record = json_object_new ();
  g_autoptr(JsonObject) document = NULL;
  JsonNode *node;
  gboolean row = FALSE;
  gint64 expires_at;

  stmt = gh_store_prepare (store,
                           "SELECT document, etag, last_modified, fetched_at, expires_at, ttl_s, "
                           "ttl_why, no_store FROM cimd_cache WHERE project_id = ? AND "
                           "client_id = ?", &error);
  if (stmt == NULL)
    return json_node_new (JSON_NODE_NULL);
  gh_stmt_bind_int64 (stmt, 1, project_id);
  gh_stmt_bind_text (stmt, 2, client_id);
  if (!gh_store_step (store, stmt, &row, &error) || !row)
    return json_node_new (JSON_NODE_NULL);

  document = gh_json_parse_object_strict (gh_stmt_column_text (stmt, 0),
                                          strlen (gh_stmt_column_text (stmt, 0)), NULL);
  expires_at = sqlite3_column_int64 (stmt, 4);
  json_object_set_int_member (record, "fetched_at", sqlite3_column_int64 (stmt, 3));
  json_object_set_int_member (record, "age_s",
                              MAX (0, gh_now_seconds () - sqlite3_column_int64 (stmt, 3)));
  json_object_set_int_member (record, "ttl_s", sqlite3_column_int64 (stmt, 5));
  json_object_set_string_member (record, "why", gh_stmt_column_text (stmt, 6));
  json_object_set_int_member (record, "expires_at", expires_at);
  json_object_set_boolean_member (record, "fresh", gh_now_seconds () < expires_at &&
                                                   sqlite3_column_int64 (stmt, 7) == 0);
  json_object_set_boolean_member (record, "no_store", sqlite3_column_int64 (stmt, 7) != 0);
  if (gh_stmt_column_text (stmt, 1) != NULL)
    json_object_set_string_member (record, "etag", gh_stmt_column_text (stmt, 1));
  else
    json_object_set_null_member (record, "etag");
  if (gh_stmt_column_text (stmt, 2) != NULL)
    json_object_set_string_member (record, "last_modified", gh_stmt_column_text (stmt, 2));
  else
    json_object_set_null_member (record, "last_modified");
  if (document != NULL)
    json_object_set_object_member (record, "document", g_steal_pointer (&document));
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, record);
  return node;
}

static void
show_client (GhRequest      *request,
             GhProject      *project,
             const GhClient *client)
{
  GhStore *store = request->server->store;
  g_autoptr(GHashTable) failures = failures_24h (store, project->id);
  g_autoptr(JsonObject) object = client_summary (client, last_seen (store, project->id,
                                                                    client->client_id),
                                                 failures_of (failures, client->client_id));

  json_object_set_string_member (object, "origin", gh_client_get_origin (client));
  set_time_or_null (object, "updated_at", client->updated_at);
  if (client->application_type != NULL)
    json_object_set_string_member (object, "application_type", client->application_type);
  json_object_set_boolean_member (object, "confidential", gh_client_is_confidential (client));
  json_object_set_object_member (object, "metadata", json_object_ref (client->metadata));
  if (client->source == GH_CLIENT_SOURCE_CIMD)
    json_object_set_member (object, "cimd", cimd_cache_record (store, project->id,
                                                               client->client_id));
  _gh_admin_send_json (request, SOUP_STATUS_OK, object);
}

static void refresh_client (GhRequest  *request,
                            GhProject  *project,
                            const char *client_id);

/* GET|DELETE /admin/v1/projects/{slug}/clients/{id}, POST .../clients/{id}/refresh; {id} may be
 * a URL (a CIMD client's), percent-encoded or not. */
void
_gh_admin_handle_client (GhRequest *request)
{
  g_auto(GStrv) segments = path_segments (request);
  g_autoptr(GhProject) project = load_project (request, segments);
  g_autofree char *client_id = NULL;
  g_autoptr(GhClient) client = NULL;
  g_autoptr(GError) error = NULL;

  if (project == NULL)
    return;
  client_id = g_strdup (client_id_in_path (request, segments));
  if (gh_http_method_is (request->msg, "POST"))
    {
      if (!g_str_has_suffix (client_id, "/refresh") || g_str_equal (client_id, "/refresh"))
        {
          soup_message_headers_replace (soup_server_message_get_response_headers (request->msg),
                                        "Allow", "GET, DELETE");
          _gh_admin_refuse (request, GH_OAUTH_ERROR_METHOD_NOT_ALLOWED,
                            "A client takes GET and DELETE; POST .../refresh fetches a CIMD "
                            "client's document again");
          return;
        }
      client_id[strlen (client_id) - strlen ("/refresh")] = '\0';
      refresh_client (request, project, client_id);
      return;
    }
  if (gh_http_method_is (request->msg, "DELETE"))
    {
      if (!gh_clients_delete (request->server->clients, project, client_id, GH_ADMIN_ACTOR,
                              &error))
        {
          _gh_admin_send_error (request, error);
          return;
        }
      gh_http_set_no_store (request->msg);
      soup_server_message_set_status (request->msg, SOUP_STATUS_NO_CONTENT, NULL);
      return;
    }
  client = gh_clients_get (request->server->clients, project->id, client_id, &error);
  if (client == NULL)
    {
      _gh_admin_send_error (request, error);
      return;
    }
  show_client (request, project, client);
}

/* --- CIMD: resolve, import, refresh --------------------------------------------------------- */

typedef enum
{
  CIMD_RESOLVE,
  CIMD_IMPORT,
  CIMD_REFRESH,
  CIMD_REFRESH_APPLY,
} CimdOperation;

/* What a paused CIMD request keeps until its resolution ends. */
typedef struct
{
  CimdOperation operation;
  GhProject *project;
  GhClient *client;     /* refresh: the client as stored */
} CimdCall;

static void
cimd_call_free (CimdCall *call)
{
  g_clear_pointer (&call->project, gh_project_free);
  g_clear_pointer (&call->client, gh_client_free);
  g_free (call);
}

/* Does any check of @phase other than "policy" fail? (The document itself is refused.) */
static gboolean
document_refused (JsonObject *report)
{
  JsonArray *checks = json_object_get_array_member (report, "checks");

  for (guint i = 0; i < json_array_get_length (checks); i++)
    {
      JsonObject *check = json_array_get_object_element (checks, i);

      if (g_str_equal (json_object_get_string_member (check, "status"), "fail") &&
          !g_str_equal (json_object_get_string_member (check, "phase"), "policy"))
        return TRUE;
    }
  return FALSE;
}

/* The preview's verdict in a sentence, and the settings that would refuse the client. */
static void
add_preview_verdict (JsonObject *report)
{
  JsonArray *checks = json_object_get_array_member (report, "checks");
  JsonArray *refused_by = json_array_new ();
  JsonObject *first_failure = NULL;
  g_autofree char *summary = NULL;
  g_autoptr(GString) settings = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (checks); i++)
    {
      JsonObject *check = json_array_get_object_element (checks, i);
      gboolean failed = g_str_equal (json_object_get_string_member (check, "status"), "fail");

      if (failed && g_str_equal (json_object_get_string_member (check, "phase"), "policy"))
        {
          const char *setting = json_object_get_string_member (check, "setting");

          json_array_add_string_element (refused_by, setting);
          g_string_append_printf (settings, "%s%s", settings->len > 0 ? ", " : "", setting);
        }
      else if (failed && first_failure == NULL)
        first_failure = check;
    }
  if (first_failure != NULL)
    summary = g_strdup_printf ("Refused at %s: %s",
                               json_object_get_string_member (first_failure, "id"),
                               json_object_get_string_member (first_failure, "message"));
  else if (settings->len > 0)
    summary = g_strdup_printf ("The document passes its checks, but the project's settings "
                               "refuse it (%s)", settings->str);
  else
    summary = g_strdup_printf ("The project accepts this client%s",
                               g_str_equal (json_object_get_string_member (report, "verdict"),
                                            "warn") ? ", with warnings" : "");
  json_object_set_boolean_member (report, "would_accept",
                                  first_failure == NULL && settings->len == 0);
  json_object_set_array_member (report, "refused_by", refused_by);
  json_object_set_string_member (report, "summary", summary);
}

/* {error, error_description, report}: a refused document, with everything found; its
 * admin.request_refused event explains it as the resolver's report does (its first failing
 * check), else by the error table. */
static void
send_refused (GhPausedRequest *paused,
              GhOAuthError     code,
              const char      *description,
              GhCimdReport    *report,
              JsonObject      *report_json)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GError) error = g_error_new_literal (GH_OAUTH_ERROR, code, description);

  if (gh_cimd_report_get_verdict (report) == GH_CIMD_FAIL)
    gh_error_set_explain (error, gh_cimd_report_explain (report));
  _gh_admin_record_paused_refusal (paused, error);
  json_object_set_string_member (object, "error", gh_oauth_error_code_string (code));
  json_object_set_string_member (object, "error_description", description);
  json_object_set_object_member (object, "report", json_object_ref (report_json));
  gh_http_send_json (paused->msg, gh_oauth_error_http_status (code), object, NULL);
}

/* Each member @now adds, changes or drops against @before: {member, old, new}. */
JsonArray *
_gh_admin_metadata_changes (JsonObject *before,
                            JsonObject *now)
{
  g_autoptr(GList) members = json_object_get_members (now);
  g_autoptr(GList) old_members = json_object_get_members (before);
  JsonArray *changes = json_array_new ();

  members = g_list_sort (members, (GCompareFunc) strcmp);
  old_members = g_list_sort (old_members, (GCompareFunc) strcmp);
  for (const GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (now, l->data);
      JsonNode *old_value = json_object_get_member (before, l->data);
      JsonObject *change;

      if (old_value != NULL && json_node_equal (old_value, value))
        continue;
      change = json_object_new ();
      json_object_set_string_member (change, "member", l->data);
      json_object_set_member (change, "old", old_value != NULL ? json_node_copy (old_value) :
                                                                 json_node_new (JSON_NODE_NULL));
      json_object_set_member (change, "new", json_node_copy (value));
      json_array_add_object_element (changes, change);
    }
  for (const GList *l = old_members; l != NULL; l = l->next)
    if (!json_object_has_member (now, l->data))
      {
        JsonObject *change = json_object_new ();

        json_object_set_string_member (change, "member", l->data);
        json_object_set_member (change, "old",
                                json_node_copy (json_object_get_member (before, l->data)));
        json_object_set_null_member (change, "new");
        json_array_add_object_element (changes, change);
      }
  return changes;
}

static gboolean
changes_touch (JsonArray          *changes,
               const char * const *members)
{
  for (guint i = 0; i < json_array_get_length (changes); i++)
    if (g_strv_contains (members, json_object_get_string_member (
                                    json_array_get_object_element (changes, i), "member")))
      return TRUE;
  return FALSE;
}

gboolean
_gh_admin_changes_reset_consent (JsonArray *changes)
{
  return changes_touch (changes, consent_members);
}

gboolean
_gh_admin_store_refreshed (GhServer         *server,
                           const GhProject  *project,
                           const char       *client_id,
                           JsonObject       *document,
                           gboolean          reset_consents,
                           GError          **error)
{
  return gh_clients_update_metadata (server->clients, project, client_id, document,
                                     GH_ADMIN_ACTOR, error) &&
         (!reset_consents ||
          gh_clients_drop_consents (server->clients, project->id, client_id, error));
}

/* What applying @changes does: consents reset (redirect URIs or keys changed), keys changed,
 * the tokens that stay valid meanwhile. */
static JsonObject *
change_consequences (GhStore    *store,
                     gint64      project_id,
                     const char *client_id,
                     JsonArray  *changes)
{
  JsonObject *object = json_object_new ();
  gboolean reset = _gh_admin_changes_reset_consent (changes);

  json_object_set_boolean_member (object, "consents_reset", reset);
  json_object_set_int_member (object, "consents_affected",
                              reset ? count_rows (store, "SELECT count(*) FROM consents WHERE "
                                                         "project_id = ? AND client_id = ?",
                                                  project_id, client_id) : 0);
  json_object_set_boolean_member (object, "keys_changed", changes_touch (changes, key_members));
  json_object_set_int_member (object, "active_access_tokens",
                              count_rows (store, "SELECT count(*) FROM access_tokens WHERE "
                                                 "project_id = ? AND client_id = ? AND "
                                                 "revoked_at IS NULL AND expires_at > "
                                                 "strftime('%s', 'now')",
                                          project_id, client_id));
  json_object_set_int_member (object, "active_refresh_families",
                              count_rows (store, "SELECT count(*) FROM refresh_families WHERE "
                                                 "project_id = ? AND client_id = ? AND "
                                                 "revoked_at IS NULL", project_id, client_id));
  json_object_set_string_member (object, "tokens",
                                 reset ? "tokens already issued stay valid until they expire; "
                                         "users consent again at their next authorization" :
                                 "tokens already issued are not affected");
  return object;
}

/* refresh: the diff against the stored client, and with ?apply=true the new metadata stored. */
static void
finish_refresh (GhPausedRequest *paused,
                CimdCall        *call,
                GhCimdReport    *report,
                JsonObject      *report_json)
{
  GhServer *server = GH_SERVER (paused->owner);
  JsonObject *document = gh_cimd_report_get_checked_document (report);
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *changes;
  gboolean apply = call->operation == CIMD_REFRESH_APPLY;

  if (document == NULL || document_refused (report_json))
    {
      send_refused (paused, GH_OAUTH_ERROR_INVALID_CLIENT_METADATA,
                    "The document fetched again is refused; the stored client is kept",
                    report, report_json);
      return;
    }
  changes = _gh_admin_metadata_changes (call->client->metadata, document);
  json_object_set_object_member (object, "consequences",
                                 change_consequences (server->store, call->project->id,
                                                      call->client->client_id, changes));
  if (apply && json_array_get_length (changes) > 0 && call->client->id != 0)
    {
      if (!_gh_admin_store_refreshed (server, call->project, call->client->client_id, document,
                                      _gh_admin_changes_reset_consent (changes), &error))
        {
          json_array_unref (changes);
          _gh_admin_send_paused_error (paused, error);
          return;
        }
    }
  json_object_set_string_member (object, "client_id", call->client->client_id);
  json_object_set_array_member (object, "changes", changes);
  json_object_set_boolean_member (object, "applied", apply);
  json_object_set_object_member (object, "report", json_object_ref (report_json));
  gh_http_send_json (paused->msg, SOUP_STATUS_OK, object, NULL);
}

static void
finish_import (GhPausedRequest *paused,
               CimdCall        *call,
               GhCimdReport    *report,
               JsonObject      *report_json)
{
  GhServer *server = GH_SERVER (paused->owner);
  g_autoptr(GhClient) client = NULL;
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GError) error = NULL;

  if (gh_cimd_report_get_verdict (report) == GH_CIMD_FAIL)
    {
      g_autofree char *description =
        g_strdup_printf ("The document is refused at %s: %s",
                         gh_cimd_report_get_failure_id (report),
                         gh_cimd_report_get_failure (report));

      send_refused (paused, GH_OAUTH_ERROR_INVALID_CLIENT_METADATA, description, report,
                    report_json);
      return;
    }
  client = gh_clients_create (server->clients, call->project, gh_cimd_report_get_client_id (report),
                              GH_CLIENT_SOURCE_CIMD, gh_cimd_report_get_document (report), NULL,
                              GH_ADMIN_ACTOR, &error);
  if (client == NULL)
    {
      /* A store failure is described in general terms, as everywhere. */
      if (gh_error_is_internal (error))
        _gh_admin_send_paused_error (paused, error);
      else
        send_refused (paused, gh_oauth_error_from_gerror (error), error->message, report,
                      report_json);
      return;
    }
  json_object_set_object_member (object, "client", client_summary (client, 0, 0));
  json_object_set_object_member (object, "report", json_object_ref (report_json));
  gh_http_send_json (paused->msg, SOUP_STATUS_CREATED, object, NULL);
}

static void
cimd_resolved (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GhPausedRequest *paused = user_data;
  CimdCall *call = paused->data;
  g_autoptr(GhCimdReport) report = NULL;
  g_autoptr(JsonObject) report_json = NULL;
  g_autoptr(GError) error = NULL;

  report = gh_cimd_resolver_resolve_finish (GH_CIMD_RESOLVER (source), result, &error);
  if (gh_paused_request_abandoned (paused))
    return;
  gh_http_set_no_store (paused->msg);
  if (report == NULL)
    {
      _gh_admin_send_paused_error (paused, error);
      gh_paused_request_resume (paused);
      return;
    }
  report_json = gh_cimd_report_to_json (report);
  switch (call->operation)
    {
    case CIMD_RESOLVE:
      add_preview_verdict (report_json);
      json_object_set_boolean_member (report_json, "preview", TRUE);
      gh_http_send_json (paused->msg, SOUP_STATUS_OK, report_json, NULL);
      break;
    case CIMD_IMPORT:
      finish_import (paused, call, report, report_json);
      break;
    case CIMD_REFRESH:
    case CIMD_REFRESH_APPLY:
    default:
      finish_refresh (paused, call, report, report_json);
      break;
    }
  gh_paused_request_resume (paused);
}

/* Pauses the request until @url is resolved: a preview, or a resolution that may write. */
static void
start_cimd_call (GhRequest     *request,
                 CimdOperation  operation,
                 GhProject     *project,
                 GhClient      *client,
                 const char    *url,
                 gboolean       bypass_cache)
{
  GhCimdResolver *resolver = gh_server_get_cimd_resolver (request->server);
  CimdCall *call = g_new0 (CimdCall, 1);
  GhPausedRequest *paused;

  call->operation = operation;
  call->project = project;
  call->client = client;
  paused = gh_paused_request_new (G_OBJECT (request->server), request->msg, project->slug, NULL,
                                  request->path, NULL, call, (GDestroyNotify) cimd_call_free);
  if (operation == CIMD_RESOLVE || operation == CIMD_REFRESH)
    gh_cimd_resolver_preview_async (resolver, project, url, bypass_cache, paused->cancellable,
                                    cimd_resolved, paused);
  else
    gh_cimd_resolver_resolve_async (resolver, project, url, GH_CIMD_RESOLVE_FORCE_REFRESH, NULL,
                                    paused->cancellable, cimd_resolved, paused);
}

/* The body's "url" (required, a string) and, where @bypass_cache is given, "bypass_cache". */
static gboolean
read_url_body (GhRequest  *request,
               JsonObject **out_body,
               const char **url,
               gboolean    *bypass_cache)
{
  static const char * const resolve_fields[] = { "url", "bypass_cache", NULL };
  static const char * const import_fields[] = { "url", NULL };
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  body = _gh_admin_read_body (request, bypass_cache != NULL ? resolve_fields : import_fields,
                              &error);
  if (body == NULL || !_gh_admin_get_optional_string (body, "url", url, &error))
    {
      _gh_admin_send_error (request, error);
      return FALSE;
    }
  if (*url == NULL)
    {
      _gh_admin_refuse (request, GH_OAUTH_ERROR_INVALID_REQUEST, "“url” is required");
      return FALSE;
    }
  if (bypass_cache != NULL)
    {
      node = json_object_get_member (body, "bypass_cache");
      if (node != NULL && (!JSON_NODE_HOLDS_VALUE (node) ||
                           json_node_get_value_type (node) != G_TYPE_BOOLEAN))
        {
          _gh_admin_refuse (request, GH_OAUTH_ERROR_INVALID_REQUEST,
                            "“bypass_cache” must be true or false");
          return FALSE;
        }
      *bypass_cache = node != NULL && json_node_get_boolean (node);
    }
  *out_body = g_steal_pointer (&body);
  return TRUE;
}

/* POST /admin/v1/projects/{slug}/cimd/resolve: the preview. */
void
_gh_admin_handle_cimd_resolve (GhRequest *request)
{
  g_auto(GStrv) segments = path_segments (request);
  g_autoptr(GhProject) project = load_project (request, segments);
  g_autoptr(JsonObject) body = NULL;
  gboolean bypass_cache = FALSE;
  const char *url;

  if (project == NULL || !read_url_body (request, &body, &url, &bypass_cache))
    return;
  start_cimd_call (request, CIMD_RESOLVE, g_steal_pointer (&project), NULL, url, bypass_cache);
}

/* POST /admin/v1/projects/{slug}/clients/import */
void
_gh_admin_handle_client_import (GhRequest *request)
{
  g_auto(GStrv) segments = path_segments (request);
  g_autoptr(GhProject) project = load_project (request, segments);
  g_autoptr(JsonObject) body = NULL;
  const char *url;

  if (project == NULL || !read_url_body (request, &body, &url, NULL))
    return;
  if (!gh_cimd_is_url_client_id (url))
    {
      _gh_admin_refuse (request, GH_OAUTH_ERROR_INVALID_REQUEST,
                        "“url” must be an https URL (a client ID metadata document)");
      return;
    }
  start_cimd_call (request, CIMD_IMPORT, g_steal_pointer (&project), NULL, url, TRUE);
}

/* ?apply=true, ?apply=false or nothing; FALSE (answered 400) for anything else. */
static gboolean
read_apply (GhRequest *request,
            gboolean  *apply)
{
  static const char * const names[] = { "apply", NULL };
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GError) error = NULL;
  const char *value;

  params = _gh_admin_read_query (request, names, &error);
  if (params == NULL)
    {
      _gh_admin_send_error (request, error);
      return FALSE;
    }
  value = g_hash_table_lookup (params, "apply");
  *apply = g_strcmp0 (value, "true") == 0;
  if (value != NULL && !*apply && !g_str_equal (value, "false"))
    {
      _gh_admin_refuse (request, GH_OAUTH_ERROR_INVALID_REQUEST,
                        "“apply” is true or false");
      return FALSE;
    }
  return TRUE;
}

/* POST /admin/v1/projects/{slug}/clients/{id}/refresh[?apply=true] */
static void
refresh_client (GhRequest  *request,
                GhProject  *project,
                const char *client_id)
{
  g_autoptr(GhClient) client = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;
  gboolean apply;

  if (!read_apply (request, &apply))
    return;
  body = _gh_admin_read_body (request, (const char * const[]) { NULL }, &error);
  if (body == NULL ||
      (client = gh_clients_get (request->server->clients, project->id, client_id,
                                &error)) == NULL)
    {
      _gh_admin_send_error (request, error);
      return;
    }
  if (client->source != GH_CLIENT_SOURCE_CIMD)
    {
      _gh_admin_refuse (request, GH_OAUTH_ERROR_CONFLICT,
                        "This client is not a CIMD client: it has no document to fetch again");
      return;
    }
  start_cimd_call (request, apply ? CIMD_REFRESH_APPLY : CIMD_REFRESH,
                   gh_project_copy (project), g_steal_pointer (&client), client_id, TRUE);
}
