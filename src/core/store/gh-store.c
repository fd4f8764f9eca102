/* gh-store.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gh-store.h"

/* The schema, one step per release that changes it. Never edit a shipped step: add one. */
static const char * const migrations[] = {
  /* 1: projects, their settings, signing keys, audit events */
  "CREATE TABLE projects ("
  "  id INTEGER PRIMARY KEY,"
  "  slug TEXT NOT NULL UNIQUE,"
  "  display_name TEXT NOT NULL,"
  "  profile TEXT NOT NULL CHECK (profile IN ('development', 'production')),"
  "  created_at INTEGER NOT NULL"
  ");"
  "CREATE TABLE project_settings ("
  "  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,"
  "  key TEXT NOT NULL,"
  "  value TEXT NOT NULL,"
  "  PRIMARY KEY (project_id, key)"
  ") WITHOUT ROWID;"
  "CREATE TABLE signing_keys ("
  "  kid TEXT PRIMARY KEY,"
  "  alg TEXT NOT NULL CHECK (alg IN ('ES256', 'RS256')),"
  "  public_jwk TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  active_from INTEGER NOT NULL,"
  "  retired_at INTEGER,"
  "  expires_at INTEGER"
  ");"
  "CREATE TABLE audit_events ("
  "  id INTEGER PRIMARY KEY,"
  "  time INTEGER NOT NULL,"
  "  project_id INTEGER REFERENCES projects (id) ON DELETE SET NULL,"
  "  project_slug TEXT,"
  "  type TEXT NOT NULL,"
  "  outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure', 'info')),"
  "  actor TEXT,"
  "  client_id TEXT,"
  "  user_id TEXT,"
  "  flow_id TEXT,"
  "  details TEXT NOT NULL DEFAULT '{}'"
  ");"
  "CREATE INDEX audit_events_project ON audit_events (project_id, id);"
  "CREATE INDEX audit_events_type ON audit_events (type, id);"
  "CREATE INDEX audit_events_flow ON audit_events (flow_id) WHERE flow_id IS NOT NULL;",

  /* 2: clients, resources, dev users, and the authorization code flow's state */
  "CREATE TABLE clients ("
  "  id INTEGER PRIMARY KEY,"
  "  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,"
  "  client_id TEXT NOT NULL,"
  "  source TEXT NOT NULL CHECK (source IN ('admin', 'dcr', 'cimd')),"
  "  auth_method TEXT NOT NULL,"
  "  metadata TEXT NOT NULL,"
  "  secret_hash TEXT,"
  "  registration_token_hash TEXT,"
  "  created_at INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL,"
  "  UNIQUE (project_id, client_id)"
  ");"
  "CREATE TABLE resources ("
  "  id INTEGER PRIMARY KEY,"
  "  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,"
  "  uri TEXT NOT NULL,"
  "  display_name TEXT NOT NULL,"
  "  scopes TEXT NOT NULL DEFAULT '',"
  "  audience TEXT NOT NULL,"
  "  source TEXT NOT NULL CHECK (source IN ('admin', 'recorded')),"
  "  created_at INTEGER NOT NULL,"
  "  UNIQUE (project_id, uri)"
  ");"
  "CREATE TABLE users ("
  "  id INTEGER PRIMARY KEY,"
  "  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,"
  "  username TEXT NOT NULL,"
  "  name TEXT NOT NULL DEFAULT '',"
  "  email TEXT NOT NULL DEFAULT '',"
  "  claims TEXT NOT NULL DEFAULT '{}',"
  "  created_at INTEGER NOT NULL,"
  "  UNIQUE (project_id, username)"
  ");"
  "INSERT INTO users (project_id, username, name, email, created_at) "
  "  SELECT id, 'dev', 'Developer', 'dev@example.com', strftime('%s', 'now') FROM projects;"
  "CREATE TABLE sessions ("
  "  id_hash TEXT PRIMARY KEY,"
  "  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,"
  "  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
  "  auth_time INTEGER NOT NULL,"
  "  expires_at INTEGER NOT NULL"
  ");"
  "CREATE TABLE consents ("
  "  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,"
  "  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
  "  client_id TEXT NOT NULL,"
  "  scopes TEXT NOT NULL,"
  "  resources TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  PRIMARY KEY (project_id, user_id, client_id)"
  ");"
  "CREATE TABLE authorization_requests ("
  "  id TEXT PRIMARY KEY,"
  "  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,"
  "  flow_id TEXT NOT NULL,"
  "  client_id TEXT NOT NULL,"
  "  params TEXT NOT NULL,"
  "  browser_hash TEXT NOT NULL,"
  "  csrf_token TEXT NOT NULL,"
  "  user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,"
  "  auth_time INTEGER,"
  "  created_at INTEGER NOT NULL,"
  "  expires_at INTEGER NOT NULL"
  ");"
  "CREATE TABLE authorization_codes ("
  "  code_hash TEXT PRIMARY KEY,"
  "  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,"
  "  flow_id TEXT NOT NULL,"
  "  client_id TEXT NOT NULL,"
  "  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
  "  redirect_uri TEXT NOT NULL,"
  "  redirect_uri_given INTEGER NOT NULL,"
  "  code_challenge TEXT NOT NULL,"
  "  scopes TEXT NOT NULL,"
  "  resources TEXT NOT NULL,"
  "  nonce TEXT,"
  "  auth_time INTEGER NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  expires_at INTEGER NOT NULL,"
  "  used_at INTEGER"
  ");"
  "CREATE TABLE refresh_families ("
  "  id TEXT PRIMARY KEY,"
  "  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,"
  "  flow_id TEXT NOT NULL,"
  "  client_id TEXT NOT NULL,"
  "  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
  "  code_hash TEXT,"
  "  scopes TEXT NOT NULL,"
  "  resources TEXT NOT NULL,"
  "  auth_time INTEGER NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  revoked_at INTEGER,"
  "  revoked_reason TEXT"
  ");"
  "CREATE INDEX refresh_families_code ON refresh_families (code_hash);"
  "CREATE TABLE refresh_tokens ("
  "  token_hash TEXT PRIMARY KEY,"
  "  family_id TEXT NOT NULL REFERENCES refresh_families (id) ON DELETE CASCADE,"
  "  created_at INTEGER NOT NULL,"
  "  expires_at INTEGER NOT NULL,"
  "  rotated_at INTEGER,"
  "  grace_used INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);"
  "CREATE TABLE access_tokens ("
  "  jti TEXT PRIMARY KEY,"
  "  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,"
  "  client_id TEXT NOT NULL,"
  "  family_id TEXT,"
  "  code_hash TEXT,"
  "  issued_at INTEGER NOT NULL,"
  "  expires_at INTEGER NOT NULL,"
  "  revoked_at INTEGER"
  ");"
  "CREATE INDEX access_tokens_code ON access_tokens (code_hash);"
  "CREATE INDEX access_tokens_family ON access_tokens (family_id);"
  "CREATE TABLE client_assertions ("
  "  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,"
  "  client_id TEXT NOT NULL,"
  "  jti TEXT NOT NULL,"
  "  expires_at INTEGER NOT NULL,"
  "  PRIMARY KEY (project_id, client_id, jti)"
  ");",

  /* 3: Initial Access Tokens for Dynamic Client Registration */
  "CREATE TABLE initial_access_tokens ("
  "  id TEXT PRIMARY KEY,"
  "  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,"
  "  label TEXT NOT NULL,"
  "  token_hash TEXT NOT NULL UNIQUE,"
  "  pinned TEXT NOT NULL DEFAULT '{}',"
  "  max_uses INTEGER NOT NULL CHECK (max_uses > 0),"
  "  uses INTEGER NOT NULL DEFAULT 0,"
  "  created_at INTEGER NOT NULL,"
  "  expires_at INTEGER,"
  "  last_used_at INTEGER,"
  "  revoked_at INTEGER"
  ");"
  "ALTER TABLE clients ADD COLUMN registration_pins TEXT;",

  /* 4: the last good Client ID Metadata Document per project and URL (never a failure) */
  "CREATE TABLE cimd_cache ("
  "  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,"
  "  client_id TEXT NOT NULL,"
  "  document TEXT NOT NULL,"
  "  metadata TEXT NOT NULL,"
  "  etag TEXT,"
  "  last_modified TEXT,"
  "  fetched_at INTEGER NOT NULL,"
  "  expires_at INTEGER NOT NULL,"
  "  ttl_s INTEGER NOT NULL,"
  "  ttl_why TEXT NOT NULL,"
  "  no_store INTEGER NOT NULL DEFAULT 0,"
  "  PRIMARY KEY (project_id, client_id)"
  ");",

  /* 5: admin API bearer tokens, instance-wide; only the SHA-256 of a token is kept */
  "CREATE TABLE admin_tokens ("
  "  id TEXT PRIMARY KEY,"
  "  label TEXT NOT NULL DEFAULT '',"
  "  token_hash TEXT NOT NULL UNIQUE,"
  "  created_at INTEGER NOT NULL,"
  "  expires_at INTEGER,"
  "  last_used_at INTEGER,"
  "  revoked_at INTEGER"
  ");",

  /* 6: each event's source address and User-Agent, and the indexes the admin API's audit
   * filters walk newest first (keyset on id, which every index carries as the rowid) */
  "ALTER TABLE audit_events ADD COLUMN source TEXT;"
  "ALTER TABLE audit_events ADD COLUMN user_agent TEXT;"
  "UPDATE audit_events SET source = json_extract (details, '$.source_address') "
  "  WHERE json_valid (details) AND json_type (details, '$.source_address') = 'text';"
  "CREATE INDEX audit_events_project_type ON audit_events (project_id, type);"
  "CREATE INDEX audit_events_project_outcome ON audit_events (project_id, outcome);"
  "CREATE INDEX audit_events_project_client ON audit_events (project_id, client_id)"
  "  WHERE client_id IS NOT NULL;"
  "CREATE INDEX audit_events_project_user ON audit_events (project_id, user_id)"
  "  WHERE user_id IS NOT NULL;"
  "CREATE INDEX audit_events_project_flow ON audit_events (project_id, flow_id)"
  "  WHERE flow_id IS NOT NULL;"
  "CREATE INDEX audit_events_project_source ON audit_events (project_id, source)"
  "  WHERE source IS NOT NULL;"
  "CREATE INDEX audit_events_project_time ON audit_events (project_id, time);",

  /* 7: the event catalogue's final names (issue 11); older rows are renamed with it */
  "UPDATE audit_events SET type = CASE type"
  "  WHEN 'authorization.code_issued' THEN 'code.issued'"
  "  WHEN 'authorization_code.replayed' THEN 'code.replayed'"
  "  WHEN 'oauth_client.cimd_document_changed' THEN 'oauth_client.cimd_changed'"
  "  WHEN 'signing_key.created' THEN 'key.created'"
  "  END "
  "WHERE type IN ('authorization.code_issued', 'authorization_code.replayed',"
  "  'oauth_client.cimd_document_changed', 'signing_key.created');",

  /* 8: deleted clients' tombstones, so that an unknown client_id is explained
   * (client.unknown: deleted when, by whom); each refresh token's generation in its family,
   * the token it was issued from, when it was rotated, used in the grace window and replayed
   * (µs, so a replay's distance from its rotation shows in ms: refresh.reuse, the family's
   * lineage); the resource and scope a token request asked for (token inspection); and the
   * index the family list walks newest first */
  "CREATE TABLE client_tombstones ("
  "  id INTEGER PRIMARY KEY,"
  "  project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,"
  "  client_id TEXT NOT NULL,"
  "  client_name TEXT,"
  "  deleted_at INTEGER NOT NULL,"
  "  deleted_by TEXT"
  ");"
  "CREATE INDEX client_tombstones_client ON client_tombstones (project_id, client_id);"
  "ALTER TABLE refresh_tokens ADD COLUMN generation INTEGER;"
  "ALTER TABLE refresh_tokens ADD COLUMN issued_from TEXT;"
  "ALTER TABLE refresh_tokens ADD COLUMN rotated_at_us INTEGER;"
  "ALTER TABLE refresh_tokens ADD COLUMN grace_used_at_us INTEGER;"
  "ALTER TABLE refresh_tokens ADD COLUMN reused_at_us INTEGER;"
  "ALTER TABLE access_tokens ADD COLUMN requested_resources TEXT;"
  "ALTER TABLE access_tokens ADD COLUMN requested_scope TEXT;"
  "CREATE INDEX refresh_families_project_created ON refresh_families (project_id, created_at);",

  /* 9: flow summaries (one row per flow id, kept in the transaction of each of its events by
   * gh-flows.c; seq is the keyset cursor, newest first) and discovery hits (every request to a
   * well-known path, the newest 10 000); IF NOT EXISTS: tests replay older steps on a newer
   * schema */
  "CREATE TABLE IF NOT EXISTS flows ("
  "  seq INTEGER PRIMARY KEY,"
  "  flow_id TEXT NOT NULL UNIQUE,"
  "  project_id INTEGER REFERENCES projects (id) ON DELETE SET NULL,"
  "  project_slug TEXT,"
  "  client_id TEXT,"
  "  user_id TEXT,"
  "  source TEXT,"
  "  user_agent TEXT,"
  "  started_at INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL,"
  "  state TEXT NOT NULL"
  "    CHECK (state IN ('running', 'code', 'succeeded', 'failed', 'denied')),"
  "  steps INTEGER NOT NULL,"
  "  first_event_id INTEGER NOT NULL,"
  "  last_event_id INTEGER NOT NULL,"
  "  last_error_event_id INTEGER,"
  "  last_error_type TEXT"
  ");"
  "CREATE INDEX IF NOT EXISTS flows_project ON flows (project_id);"
  "CREATE INDEX IF NOT EXISTS flows_project_state ON flows (project_id, state);"
  "CREATE INDEX IF NOT EXISTS flows_project_client ON flows (project_id, client_id)"
  "  WHERE client_id IS NOT NULL;"
  "CREATE INDEX IF NOT EXISTS flows_project_user ON flows (project_id, user_id)"
  "  WHERE user_id IS NOT NULL;"
  "CREATE INDEX IF NOT EXISTS flows_last_event ON flows (last_event_id);"
  "CREATE TABLE IF NOT EXISTS discovery_hits ("
  "  id INTEGER PRIMARY KEY,"
  "  time INTEGER NOT NULL,"
  "  project_id INTEGER REFERENCES projects (id) ON DELETE SET NULL,"
  "  path TEXT NOT NULL,"
  "  method TEXT NOT NULL,"
  "  status INTEGER NOT NULL,"
  "  origin TEXT,"
  "  request_method TEXT,"
  "  request_headers TEXT,"
  "  user_agent TEXT,"
  "  source TEXT"
  ");"
  "CREATE INDEX IF NOT EXISTS discovery_hits_project ON discovery_hits (project_id);"
  "CREATE INDEX IF NOT EXISTS discovery_hits_source ON discovery_hits (source, time);",
};

struct _GhStore
{
  GObject parent_instance;

  char *data_dir;
  char *path;
  sqlite3 *db;
  GHashTable *statements; /* SQL text -> sqlite3_stmt */
  guint64 own_writes;
  GhStmt *data_version_stmt;
  guint in_transaction : 1;
  guint read_only : 1;
  /* The writer's idle read-only connections (gh_store_take_reader()), any thread */
  GMutex readers_lock;
  GPtrArray *readers;
};

G_DEFINE_FINAL_TYPE (GhStore, gh_store, G_TYPE_OBJECT)

enum
{
  TRANSACTION_ENDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_QUARK (gh-store-error-quark, gh_store_error)

static gboolean
set_sqlite_error (GError **error,
                  sqlite3  *db,
                  int       rc,
                  const char *what)
{
  GhStoreError code = GH_STORE_ERROR_FAILED;

  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
    code = GH_STORE_ERROR_BUSY;
  else if ((rc & 0xff) == SQLITE_CONSTRAINT)
    code = GH_STORE_ERROR_CONSTRAINT;
  else if ((rc & 0xff) == SQLITE_READONLY)
    code = GH_STORE_ERROR_READ_ONLY;

  g_set_error (error, GH_STORE_ERROR, code, "%s: %s", what,
               db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
  return FALSE;
}

void
gh_stmt_reset (GhStmt *stmt)
{
  if (stmt == NULL)
    return;
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

void
gh_stmt_bind_text (GhStmt     *stmt,
                   int         index,
                   const char *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

void
gh_stmt_bind_int64 (GhStmt *stmt,
                    int     index,
                    gint64  value)
{
  sqlite3_bind_int64 (stmt, index, value);
}

const char *
gh_stmt_column_text (GhStmt *stmt,
                     int     column)
{
  return (const char *) sqlite3_column_text (stmt, column);
}

static void
gh_store_finalize (GObject *object)
{
  GhStore *self = (GhStore *) object;

  g_clear_pointer (&self->readers, g_ptr_array_unref);
  g_mutex_clear (&self->readers_lock);
  g_clear_pointer (&self->statements, g_hash_table_unref);
  g_clear_pointer (&self->data_version_stmt, sqlite3_finalize);
  if (self->db != NULL)
    {
      sqlite3_close_v2 (self->db);
      self->db = NULL;
    }
  g_clear_pointer (&self->data_dir, g_free);
  g_clear_pointer (&self->path, g_free);

  G_OBJECT_CLASS (gh_store_parent_class)->finalize (object);
}

static void
gh_store_class_init (GhStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = gh_store_finalize;

  /* GhStore::transaction-ended (gboolean committed): after a COMMIT that succeeded (TRUE) or a
   * ROLLBACK (FALSE), in the thread that ended it; what was written is visible to readers
   * once it says TRUE. */
  signals[TRANSACTION_ENDED] =
    g_signal_new ("transaction-ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
}

static void
gh_store_init (GhStore *self)
{
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) sqlite3_finalize);
  g_mutex_init (&self->readers_lock);
  self->readers = g_ptr_array_new_with_free_func (g_object_unref);
}

gboolean
gh_store_exec (GhStore     *self,
               const char  *sql,
               GError     **error)
{
  char *message = NULL;
  int rc;

  g_return_val_if_fail (GH_IS_STORE (self), FALSE);
  g_return_val_if_fail (sql != NULL, FALSE);

  rc = sqlite3_exec (self->db, sql, NULL, NULL, &message);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, GH_STORE_ERROR,
                   rc == SQLITE_BUSY ? GH_STORE_ERROR_BUSY :
                   (rc & 0xff) == SQLITE_READONLY ? GH_STORE_ERROR_READ_ONLY :
                   GH_STORE_ERROR_FAILED,
                   "SQL failed: %s", message != NULL ? message : sqlite3_errstr (rc));
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

GhStmt *
gh_store_prepare (GhStore     *self,
                  const char  *sql,
                  GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (GH_IS_STORE (self), NULL);
  g_return_val_if_fail (sql != NULL, NULL);

  stmt = g_hash_table_lookup (self->statements, sql);
  if (stmt != NULL)
    {
      gh_stmt_reset (stmt);
      return stmt;
    }

  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (error, self->db, rc, "Preparing a statement failed");
      return NULL;
    }
  g_hash_table_insert (self->statements, g_strdup (sql), stmt);
  return stmt;
}

gboolean
gh_store_step (GhStore   *self,
               GhStmt    *stmt,
               gboolean  *row,
               GError   **error)
{
  int rc;

  g_return_val_if_fail (GH_IS_STORE (self), FALSE);
  g_return_val_if_fail (stmt != NULL, FALSE);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE && !sqlite3_stmt_readonly (stmt))
    self->own_writes++;
  if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    {
      if (row != NULL)
        *row = (rc == SQLITE_ROW);
      return TRUE;
    }
  return set_sqlite_error (error, self->db, rc, "Query failed");
}

gboolean
gh_store_begin (GhStore  *self,
                GError  **error)
{
  g_return_val_if_fail (GH_IS_STORE (self), FALSE);
  g_return_val_if_fail (!self->in_transaction, FALSE);

  if (!gh_store_exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  self->in_transaction = TRUE;
  self->own_writes++;
  return TRUE;
}

gboolean
gh_store_begin_read (GhStore  *self,
                     GError  **error)
{
  g_return_val_if_fail (GH_IS_STORE (self), FALSE);
  g_return_val_if_fail (!self->in_transaction, FALSE);

  if (!gh_store_exec (self, "BEGIN DEFERRED", error))
    return FALSE;
  self->in_transaction = TRUE;
  return TRUE;
}

gboolean
gh_store_commit (GhStore  *self,
                 GError  **error)
{
  g_return_val_if_fail (GH_IS_STORE (self), FALSE);
  g_return_val_if_fail (self->in_transaction, FALSE);

  if (!gh_store_exec (self, "COMMIT", error))
    {
      gh_store_rollback (self);
      return FALSE;
    }
  self->in_transaction = FALSE;
  self->own_writes++;
  g_signal_emit (self, signals[TRANSACTION_ENDED], 0, TRUE);
  return TRUE;
}

void
gh_store_rollback (GhStore *self)
{
  g_return_if_fail (GH_IS_STORE (self));

  if (!self->in_transaction)
    return;
  /* A failed COMMIT may already have rolled back; ignore "no transaction is active". */
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  self->in_transaction = FALSE;
  self->own_writes++;
  g_signal_emit (self, signals[TRANSACTION_ENDED], 0, FALSE);
}

gboolean
gh_store_in_transaction (GhStore *self)
{
  g_return_val_if_fail (GH_IS_STORE (self), FALSE);
  return self->in_transaction;
}

gint64
gh_store_last_insert_rowid (GhStore *self)
{
  g_return_val_if_fail (GH_IS_STORE (self), 0);
  return sqlite3_last_insert_rowid (self->db);
}

int
gh_store_changes (GhStore *self)
{
  g_return_val_if_fail (GH_IS_STORE (self), 0);
  return sqlite3_changes (self->db);
}

static gint64
query_int (GhStore    *self,
           const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = -1;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

GhStoreStamp
gh_store_get_stamp (GhStore *self)
{
  GhStoreStamp stamp = { -1, 0 };

  g_return_val_if_fail (GH_IS_STORE (self), stamp);

  /* Inside a transaction the data is in flux: a stamp that never matches. */
  if (self->in_transaction)
    {
      stamp.own_writes = ++self->own_writes;
      return stamp;
    }
  if (self->data_version_stmt == NULL &&
      sqlite3_prepare_v3 (self->db, "PRAGMA data_version", -1, SQLITE_PREPARE_PERSISTENT,
                          &self->data_version_stmt, NULL) != SQLITE_OK)
    return stamp;
  if (sqlite3_step (self->data_version_stmt) == SQLITE_ROW)
    stamp.data_version = sqlite3_column_int64 (self->data_version_stmt, 0);
  sqlite3_reset (self->data_version_stmt);
  stamp.own_writes = self->own_writes;
  return stamp;
}

gboolean
gh_store_stamp_equal (const GhStoreStamp *a,
                      const GhStoreStamp *b)
{
  return a->data_version >= 0 && a->data_version == b->data_version &&
         a->own_writes == b->own_writes;
}


int
gh_store_get_schema_version (GhStore *self)
{
  g_return_val_if_fail (GH_IS_STORE (self), -1);
  return (int) query_int (self, "PRAGMA user_version");
}

int
gh_store_get_latest_version (void)
{
  return G_N_ELEMENTS (migrations);
}

static gboolean
write_probe (GhStore  *self,
             GError  **error)
{
  g_autofree char *pragma = g_strdup_printf ("PRAGMA user_version = %u",
                                             (guint) G_N_ELEMENTS (migrations));

  return gh_store_exec (self, pragma, error);
}

static gboolean
migrate (GhStore  *self,
         GError  **error)
{
  int version;

  /* Take the writer lock before reading the version: two processes starting on one data
   * dir must not both run a step. */
  if (!gh_store_begin (self, error))
    return FALSE;

  version = gh_store_get_schema_version (self);
  if (version > (int) G_N_ELEMENTS (migrations))
    {
      gh_store_rollback (self);
      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_TOO_NEW,
                   "The database %s has schema version %d, newer than this Gatehouse "
                   "understands (%u); upgrade Gatehouse or use another data directory",
                   self->path, version, (guint) G_N_ELEMENTS (migrations));
      return FALSE;
    }

  for (int i = version; i < (int) G_N_ELEMENTS (migrations); i++)
    {
      g_autofree char *pragma = NULL;
      g_autoptr(GError) local_error = NULL;

      if (!gh_store_exec (self, migrations[i], &local_error))
        {
          gh_store_rollback (self);
          g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_FAILED,
                       "Migrating %s to schema version %d failed: %s",
                       self->path, i + 1, local_error->message);
          return FALSE;
        }
      pragma = g_strdup_printf ("PRAGMA user_version = %d", i + 1);
      if (!gh_store_exec (self, pragma, error))
        {
          gh_store_rollback (self);
          return FALSE;
        }
    }

  if (version != (int) G_N_ELEMENTS (migrations))
    g_debug ("Migrated %s from schema version %d to %u", self->path, version,
             (guint) G_N_ELEMENTS (migrations));

  /* One real write on every open, even with nothing to migrate: a database that cannot be
   * written (a read-only mount with the WAL files of an earlier run left in it) would
   * otherwise open, serve discovery, and fail every flow with "readonly database". */
  if (!write_probe (self, error))
    {
      gh_store_rollback (self);
      return FALSE;
    }

  return gh_store_commit (self, error);
}

/* The files SQLite keeps next to the database in WAL mode. */
static const char * const sidecars[] = { "-wal", "-shm" };

/* Gives @path exactly @mode (0700: an existing directory; else a file, created empty when
 * missing). Permissions wider than @mode are never left behind: failing to narrow them is an
 * error. A shared directory (sticky bit, like /tmp) is refused rather than taken over. */
static gboolean
make_private (const char  *path,
              mode_t       mode,
              GError     **error)
{
  GStatBuf st;
  int saved_errno;

  if (g_stat (path, &st) != 0)
    {
      int fd;

      if (errno != ENOENT || mode == 0700)
        goto failed;
      fd = open (path, O_WRONLY | O_CREAT | O_CLOEXEC, mode);
      if (fd < 0)
        goto failed;
      close (fd);
      if (g_stat (path, &st) != 0)
        goto failed;
    }
  if (mode == 0700 && (st.st_mode & S_ISVTX) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   "%s is a shared directory (sticky bit): give Gatehouse a directory of its own",
                   path);
      return FALSE;
    }
  if ((st.st_mode & 0777) != mode && g_chmod (path, mode) != 0)
    goto failed;
  return TRUE;

failed:
  saved_errno = errno;
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               "Cannot make %s private (mode %o): %s", path, (guint) mode,
               g_strerror (saved_errno));
  return FALSE;
}

GhStore *
gh_store_open (const char  *data_dir,
               GError     **error)
{
  g_autoptr(GhStore) self = NULL;
  g_autoptr(GError) local_error = NULL;
  int rc;

  g_return_val_if_fail (data_dir != NULL, NULL);

  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot create the data directory %s: %s", data_dir,
                   g_strerror (saved_errno));
      return NULL;
    }

  /* What the kernel says, so a read-only mount is refused for root too (EROFS). */
  if (access (data_dir, W_OK) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_READ_ONLY,
                   "The data directory %s is not writable (%s); Gatehouse needs to write "
                   "its database there: make it writable or choose another one",
                   data_dir, g_strerror (saved_errno));
      return NULL;
    }

  self = g_object_new (GH_TYPE_STORE, NULL);
  self->data_dir = g_canonicalize_filename (data_dir, NULL);
  self->path = g_build_filename (self->data_dir, "gatehouse.db", NULL);

  /* Private before SQLite touches anything: a directory that existed (or was restored from a
   * backup) is tightened too, and the database is 0600 when SQLite opens it, because SQLite
   * gives the -wal and -shm it creates the database's mode. */
  if (!make_private (self->data_dir, 0700, error) ||
      !make_private (self->path, 0600, error))
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (sidecars); i++)
    {
      g_autofree char *sidecar = g_strconcat (self->path, sidecars[i], NULL);

      if (g_file_test (sidecar, G_FILE_TEST_EXISTS) && !make_private (sidecar, 0600, error))
        return NULL;
    }

  rc = sqlite3_open_v2 (self->path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK)
    {
      g_autofree char *what = g_strdup_printf ("Cannot open %s", self->path);
      return set_sqlite_error (error, self->db, rc, what), NULL;
    }

  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, 5000);

  /* WAL with synchronous=FULL: a 2xx is only sent after the commit reached the disk. */
  if (!gh_store_exec (self,
                      "PRAGMA journal_mode = WAL;"
                      "PRAGMA synchronous = FULL;"
                      "PRAGMA foreign_keys = ON;"
                      "PRAGMA trusted_schema = OFF;",
                      error))
    return NULL;

  if (!migrate (self, &local_error))
    {
      if (g_error_matches (local_error, GH_STORE_ERROR, GH_STORE_ERROR_READ_ONLY))
        g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_READ_ONLY,
                     "The database %s cannot be written (%s); Gatehouse needs to write "
                     "its data directory: make it writable or choose another one",
                     self->path, local_error->message);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  return g_steal_pointer (&self);
}

const char *
gh_store_get_data_dir (GhStore *self)
{
  g_return_val_if_fail (GH_IS_STORE (self), NULL);
  return self->data_dir;
}

const char *
gh_store_get_path (GhStore *self)
{
  g_return_val_if_fail (GH_IS_STORE (self), NULL);
  return self->path;
}

gboolean
gh_store_is_read_only (GhStore *self)
{
  g_return_val_if_fail (GH_IS_STORE (self), FALSE);
  return self->read_only;
}

/* ---- read-only connections ----------------------------------------------------------- */

static int
check_cancelled (void *data)
{
  return g_cancellable_is_cancelled (data) ? 1 : 0;
}

void
gh_store_set_cancellable (GhStore      *self,
                          GCancellable *cancellable)
{
  g_return_if_fail (GH_IS_STORE (self));

  /* Checked every few thousand virtual machine steps: microseconds */
  if (cancellable != NULL)
    sqlite3_progress_handler (self->db, 4096, check_cancelled, cancellable);
  else
    sqlite3_progress_handler (self->db, 0, NULL, NULL);
}

GhStore *
gh_store_open_reader (GhStore  *self,
                      GError  **error)
{
  g_autoptr(GhStore) reader = NULL;
  int rc;

  g_return_val_if_fail (GH_IS_STORE (self), NULL);
  g_return_val_if_fail (!self->read_only, NULL);

  reader = g_object_new (GH_TYPE_STORE, NULL);
  reader->read_only = TRUE;
  reader->data_dir = g_strdup (self->data_dir);
  reader->path = g_strdup (self->path);

  /* The writer made the database WAL and private: a reader neither migrates nor probes */
  rc = sqlite3_open_v2 (reader->path, &reader->db,
                        SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      g_autofree char *what = g_strdup_printf ("Cannot open %s to read", reader->path);
      return set_sqlite_error (error, reader->db, rc, what), NULL;
    }
  sqlite3_extended_result_codes (reader->db, 1);
  sqlite3_busy_timeout (reader->db, 5000);
  if (!gh_store_exec (reader, "PRAGMA query_only = ON; PRAGMA trusted_schema = OFF;", error))
    return NULL;
  return g_steal_pointer (&reader);
}

GhStore *
gh_store_take_reader (GhStore  *self,
                      GError  **error)
{
  GhStore *reader = NULL;

  g_return_val_if_fail (GH_IS_STORE (self), NULL);

  g_mutex_lock (&self->readers_lock);
  if (self->readers->len > 0)
    reader = g_ptr_array_steal_index (self->readers, self->readers->len - 1);
  g_mutex_unlock (&self->readers_lock);
  if (reader != NULL)
    return reader;
  return gh_store_open_reader (self, error);
}

void
gh_store_give_reader (GhStore *self,
                      GhStore *reader)
{
  g_return_if_fail (GH_IS_STORE (self));
  g_return_if_fail (GH_IS_STORE (reader) && reader->read_only);

  /* A reader comes back between transactions, or is not kept */
  if (reader->in_transaction)
    {
      g_object_unref (reader);
      return;
    }
  g_mutex_lock (&self->readers_lock);
  if (self->readers->len < GH_STORE_MAX_IDLE_READERS)
    {
      g_ptr_array_add (self->readers, reader);
      reader = NULL;
    }
  g_mutex_unlock (&self->readers_lock);
  g_clear_object (&reader);
}
