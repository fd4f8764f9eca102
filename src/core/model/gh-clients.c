/* gh-clients.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-model"

#include "config.h"

#include "gh-cimd-policy.h"
#include "gh-cimd-resolver.h"
#include "gh-clients.h"
#include "gh-crypto.h"
#include "gh-explain.h"
#include "gh-json.h"
#include "gh-time.h"

struct _GhClients
{
  GObject parent_instance;

  GhStore *store;
  GhAudit *audit;
  GhCimdResolver *cimd_resolver;
};

G_DEFINE_FINAL_TYPE (GhClients, gh_clients, G_TYPE_OBJECT)

static void
gh_clients_dispose (GObject *object)
{
  GhClients *self = (GhClients *) object;

  g_clear_object (&self->store);
  g_clear_object (&self->audit);
  g_clear_object (&self->cimd_resolver);

  G_OBJECT_CLASS (gh_clients_parent_class)->dispose (object);
}

static void
gh_clients_class_init (GhClientsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = gh_clients_dispose;
}

static void
gh_clients_init (GhClients *self)
{
}

GhClients *
gh_clients_new (GhStore *store,
                GhAudit *audit)
{
  GhClients *self;

  g_return_val_if_fail (GH_IS_STORE (store), NULL);
  g_return_val_if_fail (GH_IS_AUDIT (audit), NULL);

  self = g_object_new (GH_TYPE_CLIENTS, NULL);
  self->store = g_object_ref (store);
  self->audit = g_object_ref (audit);
  return self;
}

static char *
generate_client_id (void)
{
  guint8 bytes[12];
  GString *id = g_string_new ("client_");

  gh_random_bytes (bytes, sizeof bytes);
  for (guint i = 0; i < sizeof bytes; i++)
    g_string_append_printf (id, "%02x", bytes[i]);
  return g_string_free (id, FALSE);
}

static char *
metadata_to_string (JsonObject *metadata)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, metadata);
  return gh_json_to_string (node, FALSE);
}

static GhClient *
client_from_row (GhStmt  *stmt,
                 GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  GhClientSource source;
  GhClient *client;

  if (!json_parser_load_from_data (parser, gh_stmt_column_text (stmt, 3), -1, error))
    return NULL;
  if (!gh_client_source_from_string (gh_stmt_column_text (stmt, 2), &source))
    source = GH_CLIENT_SOURCE_ADMIN;
  client = gh_client_new_from_metadata (gh_stmt_column_text (stmt, 1), source,
                                        json_node_get_object (json_parser_get_root (parser)));
  client->id = sqlite3_column_int64 (stmt, 0);
  client->secret_hash = g_strdup (gh_stmt_column_text (stmt, 4));
  client->created_at = sqlite3_column_int64 (stmt, 5);
  client->updated_at = sqlite3_column_int64 (stmt, 6);
  client->project_id = sqlite3_column_int64 (stmt, 7);
  return client;
}

#define CLIENT_COLUMNS \
  "id, client_id, source, metadata, secret_hash, created_at, updated_at, project_id"

GhClient *
gh_clients_get (GhClients   *self,
                gint64       project_id,
                const char  *client_id,
                GError     **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  gboolean row;

  g_return_val_if_fail (GH_IS_CLIENTS (self), NULL);
  g_return_val_if_fail (client_id != NULL, NULL);

  stmt = gh_store_prepare (self->store,
                           "SELECT " CLIENT_COLUMNS " FROM clients "
                           "WHERE project_id = ? AND client_id = ?",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_int64 (stmt, 1, project_id);
  gh_stmt_bind_text (stmt, 2, client_id);
  if (!gh_store_step (self->store, stmt, &row, error))
    return NULL;
  if (!row)
    {
      g_autoptr(JsonObject) document = NULL;

      if (self->cimd_resolver != NULL && gh_cimd_is_url_client_id (client_id) &&
          (document = gh_cimd_resolver_lookup_cached (self->cimd_resolver, project_id, client_id)))
        {
          GhClient *client = gh_client_new_from_metadata (client_id, GH_CLIENT_SOURCE_CIMD,
                                                          document);
          client->project_id = project_id;
          return client;
        }
      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND,
                   "There is no client “%s” in this project", client_id);
      return NULL;
    }
  return client_from_row (stmt, error);
}

gboolean
gh_clients_is_registered (GhClients  *self,
                          gint64      project_id,
                          const char *client_id)
{
  g_autoptr(GhStmt) stmt = NULL;
  gboolean row = FALSE;

  g_return_val_if_fail (GH_IS_CLIENTS (self), FALSE);

  stmt = gh_store_prepare (self->store,
                           "SELECT 1 FROM clients WHERE project_id = ? AND client_id = ?", NULL);
  if (stmt == NULL)
    return FALSE;
  gh_stmt_bind_int64 (stmt, 1, project_id);
  gh_stmt_bind_text (stmt, 2, client_id);
  if (!gh_store_step (self->store, stmt, &row, NULL))
    return FALSE;
  return row;
}

void
gh_clients_set_cimd_resolver (GhClients      *self,
                              GhCimdResolver *resolver)
{
  g_return_if_fail (GH_IS_CLIENTS (self));

  g_set_object (&self->cimd_resolver, resolver);
}

GPtrArray *
gh_clients_list (GhClients  *self,
                 gint64      project_id,
                 GError    **error)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) gh_client_free);
  g_autoptr(GhStmt) stmt = NULL;
  gboolean row;

  g_return_val_if_fail (GH_IS_CLIENTS (self), NULL);

  stmt = gh_store_prepare (self->store,
                           "SELECT " CLIENT_COLUMNS " FROM clients WHERE project_id = ? "
                           "ORDER BY created_at, id",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_int64 (stmt, 1, project_id);
  for (;;)
    {
      GhClient *client;

      if (!gh_store_step (self->store, stmt, &row, error))
        return NULL;
      if (!row)
        break;
      if (!(client = client_from_row (stmt, error)))
        return NULL;
      g_ptr_array_add (clients, client);
    }
  return g_steal_pointer (&clients);
}

GPtrArray *
gh_clients_list_fetched_cimd (GhClients  *self,
                              gint64      project_id,
                              GError    **error)
{
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func ((GDestroyNotify) gh_client_free);
  g_autoptr(GhStmt) stmt = NULL;
  gboolean row;

  g_return_val_if_fail (GH_IS_CLIENTS (self), NULL);

  stmt = gh_store_prepare (self->store,
                           "SELECT c.client_id, c.metadata, c.fetched_at FROM cimd_cache c "
                           "WHERE c.project_id = ? AND NOT EXISTS (SELECT 1 FROM clients r "
                           "  WHERE r.project_id = c.project_id AND r.client_id = c.client_id) "
                           "ORDER BY c.fetched_at, c.client_id",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_int64 (stmt, 1, project_id);
  for (;;)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      GhClient *client;

      if (!gh_store_step (self->store, stmt, &row, error))
        return NULL;
      if (!row)
        break;
      /* An unreadable row is as good as none (the resolver treats it so too). */
      if (!json_parser_load_from_data (parser, gh_stmt_column_text (stmt, 1), -1, NULL) ||
          !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        continue;
      client = gh_client_new_from_metadata (gh_stmt_column_text (stmt, 0), GH_CLIENT_SOURCE_CIMD,
                                            json_node_get_object (json_parser_get_root (parser)));
      client->project_id = project_id;
      client->created_at = client->updated_at = sqlite3_column_int64 (stmt, 2);
      g_ptr_array_add (clients, client);
    }
  return g_steal_pointer (&clients);
}

GhClient *
gh_clients_create (GhClients        *self,
                   const GhProject  *project,
                   const char       *client_id,
                   GhClientSource    source,
                   JsonObject       *metadata,
                   char            **out_secret,
                   const char       *actor,
                   GError          **error)
{
  g_autofree char *id = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *secret_hash = NULL;
  g_autofree char *metadata_text = NULL;
  g_autoptr(GhClient) client = NULL;
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(JsonObject) details = NULL;
  gint64 now = gh_now_seconds ();
  gboolean own_transaction;

  g_return_val_if_fail (GH_IS_CLIENTS (self), NULL);
  g_return_val_if_fail (project != NULL, NULL);
  g_return_val_if_fail (metadata != NULL, NULL);

  id = client_id != NULL ? g_strdup (client_id) : generate_client_id ();
  client = gh_client_new_from_metadata (id, source, metadata);
  if (gh_client_is_confidential (client) && client->auth_method != GH_CLIENT_AUTH_PRIVATE_KEY_JWT)
    {
      secret = gh_random_token (32);
      secret_hash = gh_sha256_base64url (secret);
    }
  metadata_text = metadata_to_string (metadata);

  own_transaction = !gh_store_in_transaction (self->store);
  if (own_transaction && !gh_store_begin (self->store, error))
    return NULL;

  stmt = gh_store_prepare (self->store,
                           "INSERT INTO clients (project_id, client_id, source, auth_method, "
                           "metadata, secret_hash, created_at, updated_at) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           error);
  if (stmt == NULL)
    goto fail;
  gh_stmt_bind_int64 (stmt, 1, project->id);
  gh_stmt_bind_text (stmt, 2, id);
  gh_stmt_bind_text (stmt, 3, gh_client_source_to_string (source));
  gh_stmt_bind_text (stmt, 4, gh_client_auth_method_to_string (client->auth_method));
  gh_stmt_bind_text (stmt, 5, metadata_text);
  gh_stmt_bind_text (stmt, 6, secret_hash);
  gh_stmt_bind_int64 (stmt, 7, now);
  gh_stmt_bind_int64 (stmt, 8, now);
  if (!gh_store_step (self->store, stmt, NULL, error))
    {
      if (error != NULL && g_error_matches (*error, GH_STORE_ERROR, GH_STORE_ERROR_CONSTRAINT))
        {
          g_clear_error (error);
          g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_CONSTRAINT,
                       "A client “%s” already exists in project %s", id, project->slug);
        }
      goto fail;
    }
  client->id = gh_store_last_insert_rowid (self->store);
  client->project_id = project->id;
  client->created_at = client->updated_at = now;
  client->secret_hash = g_steal_pointer (&secret_hash);

  details = json_object_new ();
  json_object_set_string_member (details, "source", gh_client_source_to_string (source));
  json_object_set_string_member (details, "token_endpoint_auth_method",
                                 gh_client_auth_method_to_string (client->auth_method));
  if (client->client_name != NULL)
    json_object_set_string_member (details, "client_name", client->client_name);
  json_object_set_member (details, "redirect_uris",
                          json_node_copy (json_object_get_member (metadata, "redirect_uris")));
  if (!gh_audit_record_event (self->audit, &(GhAuditEvent) {
                              .project_id = project->id, .project_slug = project->slug,
                              .type = GH_AUDIT_EVENT_CLIENT_REGISTERED, .outcome = GH_AUDIT_SUCCESS,
                              .actor = actor, .client_id = id, .details = details }, error))
    goto fail;

  if (own_transaction && !gh_store_commit (self->store, error))
    return NULL;

  if (out_secret != NULL)
    *out_secret = g_steal_pointer (&secret);
  return g_steal_pointer (&client);

fail:
  if (own_transaction)
    gh_store_rollback (self->store);
  return NULL;
}

gboolean
gh_clients_set_registration (GhClients   *self,
                             gint64       project_id,
                             const char  *client_id,
                             const char  *token_hash,
                             JsonObject  *pins,
                             GError     **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  g_autofree char *pins_text = pins != NULL ? metadata_to_string (pins) : NULL;

  g_return_val_if_fail (GH_IS_CLIENTS (self), FALSE);

  stmt = gh_store_prepare (self->store,
                           "UPDATE clients SET registration_token_hash = ?, "
                           "registration_pins = coalesce(?, registration_pins) "
                           "WHERE project_id = ? AND client_id = ?",
                           error);
  if (stmt == NULL)
    return FALSE;
  gh_stmt_bind_text (stmt, 1, token_hash);
  gh_stmt_bind_text (stmt, 2, pins_text);
  gh_stmt_bind_int64 (stmt, 3, project_id);
  gh_stmt_bind_text (stmt, 4, client_id);
  return gh_store_step (self->store, stmt, NULL, error);
}

char *
gh_clients_get_registration (GhClients   *self,
                             gint64       project_id,
                             const char  *client_id,
                             JsonObject **out_pins,
                             GError     **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  gboolean row;

  g_return_val_if_fail (GH_IS_CLIENTS (self), NULL);

  stmt = gh_store_prepare (self->store,
                           "SELECT registration_token_hash, registration_pins FROM clients "
                           "WHERE project_id = ? AND client_id = ? AND source = 'dcr'",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_int64 (stmt, 1, project_id);
  gh_stmt_bind_text (stmt, 2, client_id);
  if (!gh_store_step (self->store, stmt, &row, error))
    return NULL;
  if (!row || sqlite3_column_type (stmt, 0) == SQLITE_NULL)
    {
      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND,
                   "There is no registered client “%s”", client_id);
      return NULL;
    }
  if (out_pins != NULL)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      const char *pins = gh_stmt_column_text (stmt, 1);

      *out_pins = NULL;
      if (pins != NULL && json_parser_load_from_data (parser, pins, -1, NULL) &&
          JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        *out_pins = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
    }
  return g_strdup (gh_stmt_column_text (stmt, 0));
}

gboolean
gh_clients_update_metadata (GhClients        *self,
                            const GhProject  *project,
                            const char       *client_id,
                            JsonObject       *metadata,
                            const char       *actor,
                            GError          **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  g_autofree char *metadata_text = metadata_to_string (metadata);
  gboolean own_transaction;

  g_return_val_if_fail (GH_IS_CLIENTS (self), FALSE);

  own_transaction = !gh_store_in_transaction (self->store);
  if (own_transaction && !gh_store_begin (self->store, error))
    return FALSE;
  stmt = gh_store_prepare (self->store,
                           "UPDATE clients SET metadata = ?, updated_at = ? "
                           "WHERE project_id = ? AND client_id = ?",
                           error);
  if (stmt == NULL)
    goto fail;
  gh_stmt_bind_text (stmt, 1, metadata_text);
  gh_stmt_bind_int64 (stmt, 2, gh_now_seconds ());
  gh_stmt_bind_int64 (stmt, 3, project->id);
  gh_stmt_bind_text (stmt, 4, client_id);
  if (!gh_store_step (self->store, stmt, NULL, error))
    goto fail;
  if (gh_store_changes (self->store) == 0)
    {
      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND,
                   "There is no client “%s” in project %s", client_id, project->slug);
      goto fail;
    }
  if (!gh_audit_record_event (self->audit, &(GhAuditEvent) {
                              .project_id = project->id, .project_slug = project->slug,
                              .type = GH_AUDIT_EVENT_CLIENT_UPDATED, .outcome = GH_AUDIT_SUCCESS,
                              .actor = actor, .client_id = client_id, .details = metadata }, error))
    goto fail;
  if (own_transaction && !gh_store_commit (self->store, error))
    return FALSE;
  return TRUE;

fail:
  if (own_transaction)
    gh_store_rollback (self->store);
  return FALSE;
}

gboolean
gh_clients_delete (GhClients        *self,
                   const GhProject  *project,
                   const char       *client_id,
                   const char       *actor,
                   GError          **error)
{
  static const char * const cleanup[] = {
    "DELETE FROM consents WHERE project_id = ? AND client_id = ?",
    "DELETE FROM authorization_requests WHERE project_id = ? AND client_id = ?",
    "DELETE FROM authorization_codes WHERE project_id = ? AND client_id = ?",
    "UPDATE refresh_families SET revoked_at = strftime('%s', 'now'), "
    "  revoked_reason = 'client_deleted' "
    "WHERE project_id = ? AND client_id = ? AND revoked_at IS NULL",
    "UPDATE access_tokens SET revoked_at = strftime('%s', 'now') "
    "WHERE project_id = ? AND client_id = ? AND revoked_at IS NULL",
  };
  g_autoptr(GhStmt) stmt = NULL;

  g_return_val_if_fail (GH_IS_CLIENTS (self), FALSE);

  if (!gh_store_begin (self->store, error))
    return FALSE;

  /* The tombstone first, while the row still names the client. */
  stmt = gh_store_prepare (self->store,
                           "INSERT INTO client_tombstones (project_id, client_id, client_name, "
                           "deleted_at, deleted_by) SELECT project_id, client_id, "
                           "json_extract (metadata, '$.client_name'), ?, ? FROM clients "
                           "WHERE project_id = ? AND client_id = ?", error);
  if (stmt == NULL)
    goto fail;
  gh_stmt_bind_int64 (stmt, 1, gh_now_seconds ());
  gh_stmt_bind_text (stmt, 2, actor);
  gh_stmt_bind_int64 (stmt, 3, project->id);
  gh_stmt_bind_text (stmt, 4, client_id);
  if (!gh_store_step (self->store, stmt, NULL, error))
    goto fail;
  gh_stmt_reset (g_steal_pointer (&stmt));

  stmt = gh_store_prepare (self->store,
                           "DELETE FROM clients WHERE project_id = ? AND client_id = ?", error);
  if (stmt == NULL)
    goto fail;
  gh_stmt_bind_int64 (stmt, 1, project->id);
  gh_stmt_bind_text (stmt, 2, client_id);
  if (!gh_store_step (self->store, stmt, NULL, error))
    goto fail;
  if (gh_store_changes (self->store) == 0)
    {
      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND,
                   "There is no client “%s” in project %s", client_id, project->slug);
      goto fail;
    }
  gh_stmt_reset (g_steal_pointer (&stmt));

  /* Everything the client was granted goes with it. */
  for (guint i = 0; i < G_N_ELEMENTS (cleanup); i++)
    {
      g_autoptr(GhStmt) step = gh_store_prepare (self->store, cleanup[i], error);

      if (step == NULL)
        goto fail;
      gh_stmt_bind_int64 (step, 1, project->id);
      gh_stmt_bind_text (step, 2, client_id);
      if (!gh_store_step (self->store, step, NULL, error))
        goto fail;
    }

  if (!gh_audit_record_event (self->audit, &(GhAuditEvent) {
                              .project_id = project->id, .project_slug = project->slug,
                              .type = GH_AUDIT_EVENT_CLIENT_DELETED, .outcome = GH_AUDIT_SUCCESS,
                              .actor = actor, .client_id = client_id }, error))
    goto fail;

  return gh_store_commit (self->store, error);

fail:
  gh_store_rollback (self->store);
  return FALSE;
}

JsonObject *
gh_clients_explain_unknown (GhClients       *self,
                            const GhProject *project,
                            const char      *client_id)
{
  /* The id is "actual": the messages do not repeat it. */
  JsonObject *explain = gh_explain_new ("client.unknown", "The client_id is not registered "
                                        "in this project, and never was");
  g_autoptr(GhStmt) stmt = NULL;
  gboolean row = FALSE;

  g_return_val_if_fail (GH_IS_CLIENTS (self), explain);

  gh_explain_set_actual (explain, client_id);
  json_object_set_string_member (explain, "resolution", "never_registered");
  gh_explain_set_hint (explain, "No client with this id was ever registered in this project: "
                       "the client may hold an id from another server or an older data "
                       "folder; let it register again");

  stmt = gh_store_prepare (self->store,
                           "SELECT client_name, deleted_at, deleted_by FROM client_tombstones "
                           "WHERE project_id = ? AND client_id = ? ORDER BY id DESC LIMIT 1",
                           NULL);
  if (stmt != NULL)
    {
      gh_stmt_bind_int64 (stmt, 1, project->id);
      gh_stmt_bind_text (stmt, 2, client_id);
      if (gh_store_step (self->store, stmt, &row, NULL) && row)
        {
          g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (sqlite3_column_int64 (stmt,
                                                                                           1));
          g_autofree char *date = g_date_time_format_iso8601 (when);
          const char *by = gh_stmt_column_text (stmt, 2);
          g_autofree char *message = g_strdup_printf ("The client was deleted on %s by %s",
                                                      date, by != NULL ? by : "someone");

          json_object_set_string_member (explain, "message", message);
          json_object_set_string_member (explain, "resolution", "deleted");
          json_object_set_string_member (explain, "deleted_at", date);
          if (by != NULL)
            json_object_set_string_member (explain, "deleted_by", by);
          else
            json_object_set_null_member (explain, "deleted_by");
          if (gh_stmt_column_text (stmt, 0) != NULL)
            json_object_set_string_member (explain, "client_name", gh_stmt_column_text (stmt, 0));
          gh_explain_set_hint (explain, "The client still holds the id of a deleted "
                               "registration: it must register again (or forget its cached "
                               "registration)");
          gh_stmt_reset (g_steal_pointer (&stmt));
          return explain;
        }
      gh_stmt_reset (g_steal_pointer (&stmt));
    }

  stmt = gh_store_prepare (self->store,
                           "SELECT p.slug FROM clients c JOIN projects p ON p.id = c.project_id "
                           "WHERE c.client_id = ? AND c.project_id != ? ORDER BY p.id LIMIT 1",
                           NULL);
  if (stmt != NULL)
    {
      gh_stmt_bind_text (stmt, 1, client_id);
      gh_stmt_bind_int64 (stmt, 2, project->id);
      if (gh_store_step (self->store, stmt, &row, NULL) && row)
        {
          g_autofree char *slug = g_strdup (gh_stmt_column_text (stmt, 0));
          g_autofree char *message = NULL;

          message = g_strdup_printf ("The client is registered in project %s, not in this "
                                     "one", slug);

          json_object_set_string_member (explain, "message", message);
          json_object_set_string_member (explain, "resolution", "other_project");
          json_object_set_string_member (explain, "project", slug);
          gh_explain_set_hint (explain, "Each project has its own issuer and endpoints: point "
                               "the client at the project it is registered in");
        }
      gh_stmt_reset (g_steal_pointer (&stmt));
    }
  return explain;
}

GPtrArray *
gh_clients_list_tombstones (GhClients  *self,
                            gint64      project_id,
                            GError    **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(GhStmt) stmt = NULL;
  gboolean row;

  g_return_val_if_fail (GH_IS_CLIENTS (self), NULL);

  stmt = gh_store_prepare (self->store,
                           "SELECT client_id, client_name, deleted_at, deleted_by "
                           "FROM client_tombstones WHERE project_id = ? ORDER BY id DESC",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_int64 (stmt, 1, project_id);
  while (gh_store_step (self->store, stmt, &row, error) && row)
    {
      JsonObject *tombstone = json_object_new ();

      json_object_set_string_member (tombstone, "client_id", gh_stmt_column_text (stmt, 0));
      json_object_set_string_member (tombstone, "client_name", gh_stmt_column_text (stmt, 1));
      json_object_set_int_member (tombstone, "deleted_at", sqlite3_column_int64 (stmt, 2));
      json_object_set_string_member (tombstone, "deleted_by", gh_stmt_column_text (stmt, 3));
      g_ptr_array_add (list, tombstone);
    }
  if (error != NULL && *error != NULL)
    return NULL;
  return g_steal_pointer (&list);
}

gboolean
gh_client_check_secret (const GhClient *client,
                        const char     *secret)
{
  g_autofree char *hash = NULL;

  if (client == NULL || client->secret_hash == NULL || secret == NULL)
    return FALSE;
  hash = gh_sha256_base64url (secret);
  return gh_constant_time_equal (hash, client->secret_hash);
}

gboolean
gh_clients_drop_consents (GhClients   *self,
                          gint64       project_id,
                          const char  *client_id,
                          GError     **error)
{
  g_autoptr(GhStmt) stmt = NULL;

  g_return_val_if_fail (GH_IS_CLIENTS (self), FALSE);

  stmt = gh_store_prepare (self->store,
                           "DELETE FROM consents WHERE project_id = ? AND client_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  gh_stmt_bind_int64 (stmt, 1, project_id);
  gh_stmt_bind_text (stmt, 2, client_id);
  return gh_store_step (self->store, stmt, NULL, error);
}
