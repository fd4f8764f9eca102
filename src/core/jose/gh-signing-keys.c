/* gh-signing-keys.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-jose"

#include "config.h"

#include "gh-error.h"
#include "gh-json.h"
#include "gh-signing-keys.h"
#include "gh-time.h"

struct _GhSigningKeys
{
  GObject parent_instance;

  GhStore *store;
  GhSecretStore *secrets;
  GhAudit *audit;
  GHashTable *private_keys; /* kid -> GhJwk with its private part */
  GHashTable *public_keys;  /* kid -> PublicKey, parsed once while public_stamp holds */
  GhStoreStamp public_stamp;
};

typedef struct
{
  GhJwk *jwk;
  gint64 expires_at;  /* 0: not before a rotation */
} PublicKey;

static void
public_key_free (PublicKey *key)
{
  g_clear_object (&key->jwk);
  g_free (key);
}

G_DEFINE_FINAL_TYPE (GhSigningKeys, gh_signing_keys, G_TYPE_OBJECT)

void
gh_signing_key_info_free (GhSigningKeyInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->kid);
  g_free (info);
}

const char *
gh_signing_key_info_get_state (const GhSigningKeyInfo *info,
                               gint64                  now)
{
  g_return_val_if_fail (info != NULL, NULL);

  if (info->signing)
    return "signing";
  if (info->retired_at != 0 && info->retired_at <= info->active_from)
    return "unused";
  if (!info->published)
    return "expired";
  if (info->active_from > now)
    return "next";
  return "retired";
}

const char *
gh_signing_key_info_get_status (const GhSigningKeyInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);

  if (info->signing)
    return "active";
  return info->published ? "published" : "retired";
}

JsonObject *
gh_signing_key_info_to_json (const GhSigningKeyInfo *info,
                             gint64                  now)
{
  JsonObject *object;

  g_return_val_if_fail (info != NULL, NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "kid", info->kid);
  json_object_set_string_member (object, "alg", gh_jws_alg_to_string (info->alg));
  json_object_set_int_member (object, "created_at", info->created_at);
  json_object_set_int_member (object, "active_from", info->active_from);
  if (info->retired_at != 0)
    json_object_set_int_member (object, "retired_at", info->retired_at);
  if (info->expires_at != 0)
    json_object_set_int_member (object, "expires_at", info->expires_at);
  json_object_set_string_member (object, "state", gh_signing_key_info_get_state (info, now));
  json_object_set_boolean_member (object, "signing", info->signing);
  json_object_set_boolean_member (object, "published", info->published);
  return object;
}

static void
gh_signing_keys_dispose (GObject *object)
{
  GhSigningKeys *self = (GhSigningKeys *) object;

  g_clear_object (&self->store);
  g_clear_object (&self->secrets);
  g_clear_object (&self->audit);
  g_clear_pointer (&self->private_keys, g_hash_table_unref);
  g_clear_pointer (&self->public_keys, g_hash_table_unref);

  G_OBJECT_CLASS (gh_signing_keys_parent_class)->dispose (object);
}

static void
gh_signing_keys_class_init (GhSigningKeysClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gh_signing_keys_dispose;
}

static void
gh_signing_keys_init (GhSigningKeys *self)
{
  self->private_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->public_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) public_key_free);
}

GhSigningKeys *
gh_signing_keys_new (GhStore       *store,
                     GhSecretStore *secrets,
                     GhAudit       *audit)
{
  GhSigningKeys *self;

  g_return_val_if_fail (GH_IS_STORE (store), NULL);
  g_return_val_if_fail (GH_IS_SECRET_STORE (secrets), NULL);
  g_return_val_if_fail (GH_IS_AUDIT (audit), NULL);

  self = g_object_new (GH_TYPE_SIGNING_KEYS, NULL);
  self->store = g_object_ref (store);
  self->secrets = g_object_ref (secrets);
  self->audit = g_object_ref (audit);
  return self;
}

/* A key signs once active and until retired; the newest such key is the one used. */
#define SIGNS_NOW "active_from <= ?1 AND (retired_at IS NULL OR retired_at > ?2)"

static char *
secret_name (const char *kid)
{
  return g_strconcat ("signing-key-", kid, NULL);
}

/* Generates a key, stores its private part, then its public row: a row never exists
 * without a private part that was stored first. Runs inside the caller's transaction. */
static char *
add_key (GhSigningKeys *self,
         GhJwsAlg       alg,
         gint64         active_from,
         const char    *actor,
         GError       **error)
{
  g_autoptr(GhJwk) jwk = NULL;
  g_autoptr(JsonObject) public_json = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(JsonObject) details = NULL;
  g_autofree char *pem = NULL;
  g_autofree char *name = NULL;
  g_autofree char *label = NULL;
  g_autofree char *public_text = NULL;
  const char *kid;

  jwk = gh_jwk_generate (alg, error);
  if (jwk == NULL)
    return NULL;
  kid = gh_jwk_get_kid (jwk);

  pem = gh_jwk_export_private_pem (jwk, error);
  if (pem == NULL)
    return NULL;
  name = secret_name (kid);
  label = g_strdup_printf ("Gatehouse signing key %s (%s)", kid, gh_jws_alg_to_string (alg));
  if (!gh_secret_store_store (self->secrets, name, label, pem, error))
    return NULL;

  public_json = gh_jwk_to_public_json (jwk);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, public_json);
  public_text = gh_json_to_string (node, FALSE);

  stmt = gh_store_prepare (self->store,
                           "INSERT INTO signing_keys (kid, alg, public_jwk, "
                           "created_at, active_from) VALUES (?, ?, ?, ?, ?)",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_text (stmt, 1, kid);
  gh_stmt_bind_text (stmt, 2, gh_jws_alg_to_string (alg));
  gh_stmt_bind_text (stmt, 3, public_text);
  gh_stmt_bind_int64 (stmt, 4, gh_now_seconds ());
  gh_stmt_bind_int64 (stmt, 5, active_from);
  if (!gh_store_step (self->store, stmt, NULL, error))
    return NULL;

  details = json_object_new ();
  json_object_set_string_member (details, "kid", kid);
  json_object_set_string_member (details, "alg", gh_jws_alg_to_string (alg));
  json_object_set_int_member (details, "active_from", active_from);
  if (!gh_audit_record_event (self->audit, &(GhAuditEvent) {
                              .type = GH_AUDIT_EVENT_KEY_CREATED,
                              .outcome = GH_AUDIT_SUCCESS, .actor = actor,
                              .details = details }, error))
    return NULL;

  g_hash_table_insert (self->private_keys, g_strdup (kid), g_object_ref (jwk));
  return g_strdup (kid);
}

static gint64
count_keys (GhSigningKeys  *self,
            GError        **error)
{
  g_autoptr(GhStmt) stmt = gh_store_prepare (self->store, "SELECT count(*) FROM signing_keys",
                                             error);
  gboolean row;

  if (stmt == NULL || !gh_store_step (self->store, stmt, &row, error))
    return -1;
  return sqlite3_column_int64 (stmt, 0);
}

gboolean
gh_signing_keys_ensure (GhSigningKeys  *self,
                        GhJwsAlg        alg,
                        GError        **error)
{
  g_autofree char *kid = NULL;
  g_autoptr(GhJwk) current = NULL;
  gint64 count;

  g_return_val_if_fail (GH_IS_SIGNING_KEYS (self), FALSE);

  /* Count under the writer lock: two processes starting on one empty data dir make one key. */
  if (!gh_store_begin (self->store, error))
    return FALSE;
  count = count_keys (self, error);
  if (count < 0)
    goto fail;
  if (count == 0)
    {
      kid = add_key (self, alg, gh_now_seconds (), "server", error);
      if (kid == NULL)
        goto fail;
    }
  if (!gh_store_commit (self->store, error))
    return FALSE;

  if (kid != NULL)
    g_message ("Created signing key %s (%s)", kid, gh_jws_alg_to_string (alg));

  /* Existing keys: prove the private part is still readable, now rather than at the
   * first token request. */
  current = gh_signing_keys_get_signing_key (self, error);
  return current != NULL;

fail:
  gh_store_rollback (self->store);
  return FALSE;
}

static GhJwk *
load_private (GhSigningKeys  *self,
              const char     *kid,
              GError        **error)
{
  g_autofree char *name = secret_name (kid);
  g_autofree char *pem = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GhJwk) jwk = NULL;
  GhJwk *cached;

  cached = g_hash_table_lookup (self->private_keys, kid);
  if (cached != NULL)
    return g_object_ref (cached);

  pem = gh_secret_store_lookup (self->secrets, name, &local_error);
  if (pem == NULL)
    {
      g_set_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_TEMPORARILY_UNAVAILABLE,
                   "The private part of signing key %s cannot be read from %s: %s",
                   kid, gh_secret_store_describe (self->secrets),
                   local_error != NULL ? local_error->message : "it is missing");
      return NULL;
    }

  jwk = gh_jwk_new_from_private_pem (pem, &local_error);
  if (jwk == NULL || g_strcmp0 (gh_jwk_get_kid (jwk), kid) != 0)
    {
      g_set_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_TEMPORARILY_UNAVAILABLE,
                   "The private part of signing key %s in %s is unusable: %s", kid,
                   gh_secret_store_describe (self->secrets),
                   local_error != NULL ? local_error->message : "it belongs to another key");
      return NULL;
    }

  g_hash_table_insert (self->private_keys, g_strdup (kid), g_object_ref (jwk));
  return g_steal_pointer (&jwk);
}

GhJwk *
gh_signing_keys_get_signing_key (GhSigningKeys  *self,
                                 GError        **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  g_autofree char *kid = NULL;
  gboolean row;

  g_return_val_if_fail (GH_IS_SIGNING_KEYS (self), NULL);

  stmt = gh_store_prepare (self->store,
                           "SELECT kid FROM signing_keys WHERE " SIGNS_NOW
                           " ORDER BY active_from DESC, rowid DESC LIMIT 1",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_int64 (stmt, 1, gh_now_seconds ());
  gh_stmt_bind_int64 (stmt, 2, gh_now_seconds ());
  if (!gh_store_step (self->store, stmt, &row, error))
    return NULL;
  if (!row)
    {
      g_set_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_TEMPORARILY_UNAVAILABLE,
                   "There is no active signing key");
      return NULL;
    }
  kid = g_strdup (gh_stmt_column_text (stmt, 0));
  gh_stmt_reset (g_steal_pointer (&stmt));

  return load_private (self, kid, error);
}

static GhJwk *
public_from_row (GhStmt *stmt,
                 int     column)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  GhJwk *jwk;

  if (!json_parser_load_from_data (parser, gh_stmt_column_text (stmt, column), -1, &error) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_warning ("A stored public key is not a JSON object: %s",
                 error != NULL ? error->message : "wrong type");
      return NULL;
    }
  jwk = gh_jwk_new_from_json (json_node_get_object (json_parser_get_root (parser)), &error);
  if (jwk == NULL)
    g_warning ("A stored public key is unusable: %s", error->message);
  return jwk;
}

#define PUBLISHED "(expires_at IS NULL OR expires_at > ?)"

GhJwk *
gh_signing_keys_lookup (GhSigningKeys *self,
                        const char    *kid)
{
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(GError) error = NULL;
  GhStoreStamp stamp;
  PublicKey *cached;
  PublicKey *key;
  gint64 now = gh_now_seconds ();
  gboolean row;

  g_return_val_if_fail (GH_IS_SIGNING_KEYS (self), NULL);

  if (kid == NULL)
    return NULL;

  /* Every verification looks a key up: parse it once, until the store changes. */
  stamp = gh_store_get_stamp (self->store);
  if (!gh_store_stamp_equal (&stamp, &self->public_stamp))
    {
      g_hash_table_remove_all (self->public_keys);
      self->public_stamp = stamp;
    }
  cached = g_hash_table_lookup (self->public_keys, kid);
  if (cached != NULL)
    return cached->expires_at == 0 || cached->expires_at > now ? g_object_ref (cached->jwk) : NULL;

  stmt = gh_store_prepare (self->store,
                           "SELECT public_jwk, expires_at FROM signing_keys "
                           "WHERE kid = ? AND " PUBLISHED,
                           &error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_text (stmt, 1, kid);
  gh_stmt_bind_int64 (stmt, 2, now);
  if (!gh_store_step (self->store, stmt, &row, &error) || !row)
    return NULL;
  key = g_new0 (PublicKey, 1);
  key->jwk = public_from_row (stmt, 0);
  key->expires_at = sqlite3_column_int64 (stmt, 1);
  if (key->jwk == NULL)
    {
      public_key_free (key);
      return NULL;
    }
  if (stamp.data_version >= 0)
    g_hash_table_insert (self->public_keys, g_strdup (kid), key);
  else
    {
      GhJwk *jwk = g_object_ref (key->jwk);
      public_key_free (key);
      return jwk;
    }
  return g_object_ref (key->jwk);
}

gint64
gh_signing_keys_next_change (GhSigningKeys *self)
{
  g_autoptr(GhStmt) stmt = NULL;
  gboolean row;

  g_return_val_if_fail (GH_IS_SIGNING_KEYS (self), G_MAXINT64);

  stmt = gh_store_prepare (self->store,
                           "SELECT min(expires_at) FROM signing_keys WHERE expires_at > ?", NULL);
  if (stmt == NULL)
    return 0;
  gh_stmt_bind_int64 (stmt, 1, gh_now_seconds ());
  if (!gh_store_step (self->store, stmt, &row, NULL) || !row ||
      sqlite3_column_type (stmt, 0) == SQLITE_NULL)
    return G_MAXINT64;
  return sqlite3_column_int64 (stmt, 0);
}

JsonObject *
gh_signing_keys_get_jwks (GhSigningKeys  *self,
                          GError        **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(JsonObject) jwks = NULL;
  JsonArray *keys;
  gboolean row;

  g_return_val_if_fail (GH_IS_SIGNING_KEYS (self), NULL);

  stmt = gh_store_prepare (self->store,
                           "SELECT public_jwk FROM signing_keys WHERE " PUBLISHED
                           " ORDER BY active_from DESC, rowid DESC",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_int64 (stmt, 1, gh_now_seconds ());

  jwks = json_object_new ();
  keys = json_array_new ();
  json_object_set_array_member (jwks, "keys", keys);
  for (;;)
    {
      g_autoptr(GhJwk) jwk = NULL;

      if (!gh_store_step (self->store, stmt, &row, error))
        return NULL;
      if (!row)
        break;
      /* Re-encode from the parsed key: only public members ever leave. */
      jwk = public_from_row (stmt, 0);
      if (jwk != NULL)
        json_array_add_object_element (keys, gh_jwk_to_public_json (jwk));
    }
  return g_steal_pointer (&jwks);
}

GPtrArray *
gh_signing_keys_list (GhSigningKeys  *self,
                      GError        **error)
{
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GhStmt) stmt = NULL;
  GhSigningKeyInfo *signing = NULL;
  gint64 now = gh_now_seconds ();
  gboolean row;

  g_return_val_if_fail (GH_IS_SIGNING_KEYS (self), NULL);

  stmt = gh_store_prepare (self->store,
                           "SELECT kid, alg, created_at, active_from, retired_at, expires_at "
                           "FROM signing_keys ORDER BY active_from, rowid",
                           error);
  if (stmt == NULL)
    return NULL;

  list = g_ptr_array_new_with_free_func ((GDestroyNotify) gh_signing_key_info_free);
  for (;;)
    {
      GhSigningKeyInfo *info;

      if (!gh_store_step (self->store, stmt, &row, error))
        return NULL;
      if (!row)
        break;
      info = g_new0 (GhSigningKeyInfo, 1);
      info->kid = g_strdup (gh_stmt_column_text (stmt, 0));
      info->alg = gh_jws_alg_from_string (gh_stmt_column_text (stmt, 1));
      info->created_at = sqlite3_column_int64 (stmt, 2);
      info->active_from = sqlite3_column_int64 (stmt, 3);
      info->retired_at = sqlite3_column_int64 (stmt, 4);
      info->expires_at = sqlite3_column_int64 (stmt, 5);
      info->published = info->expires_at == 0 || info->expires_at > now;
      if (info->active_from <= now && (info->retired_at == 0 || info->retired_at > now))
        signing = info;
      g_ptr_array_add (list, info);
    }
  /* Ordered by active_from: the last key that may sign is the one that does. */
  if (signing != NULL)
    signing->signing = TRUE;
  return g_steal_pointer (&list);
}

char *
gh_signing_keys_rotate (GhSigningKeys  *self,
                        GhJwsAlg        alg,
                        gint64          activate_after,
                        gint64          max_token_lifetime,
                        const char     *actor,
                        GError        **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(JsonObject) details = NULL;
  g_autofree char *kid = NULL;
  JsonArray *retired;
  gint64 active_from;
  gboolean row;

  g_return_val_if_fail (GH_IS_SIGNING_KEYS (self), NULL);
  g_return_val_if_fail (activate_after >= 0, NULL);
  g_return_val_if_fail (max_token_lifetime >= 0, NULL);

  active_from = gh_now_seconds () + activate_after;

  if (!gh_store_begin (self->store, error))
    return NULL;

  /* The keys this rotation retires, for its event: the one signing now first. */
  details = json_object_new ();
  retired = json_array_new ();
  json_object_set_array_member (details, "retired_kids", retired);
  stmt = gh_store_prepare (self->store,
                           "SELECT kid FROM signing_keys "
                           "WHERE retired_at IS NULL OR retired_at > ? "
                           "ORDER BY active_from DESC, rowid DESC",
                           error);
  if (stmt == NULL)
    goto fail;
  gh_stmt_bind_int64 (stmt, 1, active_from);
  for (;;)
    {
      if (!gh_store_step (self->store, stmt, &row, error))
        goto fail;
      if (!row)
        break;
      json_array_add_string_element (retired, gh_stmt_column_text (stmt, 0));
    }
  gh_stmt_reset (g_steal_pointer (&stmt));

  /* Every key not yet retired stops signing when the new one starts, and stays in JWKS
   * until the last token it may have signed has expired. */
  /* Keys retiring later than the new one starts (a pending rotation) retire with it. */
  stmt = gh_store_prepare (self->store,
                           "UPDATE signing_keys SET retired_at = ?1, "
                           "  expires_at = min(coalesce(expires_at, ?2), ?2) "
                           "WHERE retired_at IS NULL OR retired_at > ?1",
                           error);
  if (stmt == NULL)
    goto fail;
  gh_stmt_bind_int64 (stmt, 1, active_from);
  gh_stmt_bind_int64 (stmt, 2, active_from + max_token_lifetime);
  if (!gh_store_step (self->store, stmt, NULL, error))
    goto fail;

  kid = add_key (self, alg, active_from, actor, error);
  if (kid == NULL)
    goto fail;

  json_object_set_string_member (details, "kid", kid);
  json_object_set_string_member (details, "alg", gh_jws_alg_to_string (alg));
  json_object_set_int_member (details, "active_from", active_from);
  json_object_set_int_member (details, "retired_until", active_from + max_token_lifetime);
  if (json_array_get_length (retired) > 0)
    json_object_set_string_member (details, "retired_kid",
                                   json_array_get_string_element (retired, 0));
  else
    json_object_set_null_member (details, "retired_kid");
  if (!gh_audit_record_event (self->audit, &(GhAuditEvent) {
                              .type = GH_AUDIT_EVENT_KEY_ROTATED,
                              .outcome = GH_AUDIT_SUCCESS, .actor = actor,
                              .details = details }, error))
    goto fail;

  if (!gh_store_commit (self->store, error))
    return NULL;
  return g_steal_pointer (&kid);

fail:
  gh_store_rollback (self->store);
  return NULL;
}
