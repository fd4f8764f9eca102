/* gh-admin-tokens.c — GhAdminTokens: the bearer tokens of the admin API, stored hashed
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-admin"

#include "config.h"

#include <string.h>

#include "gh-admin-tokens.h"
#include "gh-crypto.h"
#include "gh-error.h"
#include "gh-explain.h"
#include "gh-time.h"

struct _GhAdminTokens
{
  GObject parent_instance;

  GhStore *store;
  GhAudit *audit;

  /* Failed authentications per source address in its current minute. */
  GHashTable *failures;  /* address -> Failures */
  guint failures_per_minute;
};

typedef struct
{
  gint64 window_start;  /* unix seconds */
  guint count;
} Failures;

/* Sources remembered at most; beyond, those whose minute is over are forgotten. */
#define MAX_FAILING_SOURCES 4096

G_DEFINE_FINAL_TYPE (GhAdminTokens, gh_admin_tokens, G_TYPE_OBJECT)

enum
{
  SIGNAL_REVOKED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

#define ADMIN_TOKEN_COLUMNS "id, label, created_at, expires_at, last_used_at, revoked_at, " \
                            "token_hash"

void
gh_admin_token_free (GhAdminToken *token)
{
  if (token == NULL)
    return;
  g_free (token->id);
  g_free (token->label);
  g_free (token);
}

const char *
gh_admin_token_get_state (const GhAdminToken *token,
                          gint64              now)
{
  if (token->revoked_at != 0)
    return "revoked";
  if (token->expires_at != 0 && token->expires_at <= now)
    return "expired";
  return "active";
}

static void
set_time_member (JsonObject *object,
                 const char *name,
                 gint64      value)
{
  if (value != 0)
    json_object_set_int_member (object, name, value);
  else
    json_object_set_null_member (object, name);
}

JsonObject *
gh_admin_token_to_json (const GhAdminToken *token,
                        gint64              now)
{
  JsonObject *object;

  g_return_val_if_fail (token != NULL, NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "id", token->id);
  json_object_set_string_member (object, "label", token->label);
  json_object_set_int_member (object, "created_at", token->created_at);
  set_time_member (object, "expires_at", token->expires_at);
  set_time_member (object, "last_used_at", token->last_used_at);
  if (token->revoked_at != 0)
    json_object_set_int_member (object, "revoked_at", token->revoked_at);
  json_object_set_string_member (object, "state", gh_admin_token_get_state (token, now));
  return object;
}

static void
gh_admin_tokens_dispose (GObject *object)
{
  GhAdminTokens *self = (GhAdminTokens *) object;

  g_clear_object (&self->store);
  g_clear_object (&self->audit);
  g_clear_pointer (&self->failures, g_hash_table_unref);

  G_OBJECT_CLASS (gh_admin_tokens_parent_class)->dispose (object);
}

static void
gh_admin_tokens_class_init (GhAdminTokensClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = gh_admin_tokens_dispose;

  /* ::revoked (const char *id): the token @id was revoked, and that is committed. */
  signals[SIGNAL_REVOKED] =
    g_signal_new ("revoked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
gh_admin_tokens_init (GhAdminTokens *self)
{
  self->failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->failures_per_minute = GH_ADMIN_TOKEN_DEFAULT_FAILURES_PER_MINUTE;
}

void
gh_admin_tokens_set_failure_limit (GhAdminTokens *self,
                                   guint          per_minute)
{
  g_return_if_fail (GH_IS_ADMIN_TOKENS (self));

  self->failures_per_minute = per_minute;
  g_hash_table_remove_all (self->failures);
}

static gboolean
window_over (gpointer key,
             gpointer value,
             gpointer user_data)
{
  const Failures *failures = value;

  return failures->window_start + 60 <= *(const gint64 *) user_data;
}

/* @source's failures in the minute that holds @now (NULL when it has none). */
static Failures *
lookup_failures (GhAdminTokens *self,
                 const char    *source,
                 gint64         now)
{
  Failures *failures = g_hash_table_lookup (self->failures, source);

  if (failures != NULL && failures->window_start + 60 <= now)
    {
      g_hash_table_remove (self->failures, source);
      failures = NULL;
    }
  return failures;
}

static void
count_failure (GhAdminTokens *self,
               const char    *source,
               gint64         now)
{
  Failures *failures;

  if (source == NULL || self->failures_per_minute == 0)
    return;
  failures = lookup_failures (self, source, now);
  if (failures == NULL)
    {
      if (g_hash_table_size (self->failures) >= MAX_FAILING_SOURCES)
        g_hash_table_foreach_remove (self->failures, window_over, &now);
      /* Still full of sources failing this minute: the newest is not remembered. */
      if (g_hash_table_size (self->failures) >= MAX_FAILING_SOURCES)
        return;
      failures = g_new0 (Failures, 1);
      failures->window_start = now;
      g_hash_table_insert (self->failures, g_strdup (source), failures);
    }
  failures->count++;
}

GhAdminTokens *
gh_admin_tokens_new (GhStore *store,
                     GhAudit *audit)
{
  GhAdminTokens *self = g_object_new (GH_TYPE_ADMIN_TOKENS, NULL);

  self->store = g_object_ref (store);
  self->audit = g_object_ref (audit);
  return self;
}

static GhAdminToken *
token_from_row (GhStmt *stmt)
{
  GhAdminToken *token = g_new0 (GhAdminToken, 1);

  token->id = g_strdup (gh_stmt_column_text (stmt, 0));
  token->label = g_strdup (gh_stmt_column_text (stmt, 1));
  token->created_at = sqlite3_column_int64 (stmt, 2);
  token->expires_at = sqlite3_column_int64 (stmt, 3);
  token->last_used_at = sqlite3_column_int64 (stmt, 4);
  token->revoked_at = sqlite3_column_int64 (stmt, 5);
  return token;
}

GhAdminToken *
gh_admin_tokens_lookup (GhAdminTokens  *self,
                        const char     *id,
                        GError        **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  gboolean row;

  g_return_val_if_fail (GH_IS_ADMIN_TOKENS (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  stmt = gh_store_prepare (self->store,
                           "SELECT " ADMIN_TOKEN_COLUMNS " FROM admin_tokens WHERE id = ?",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_text (stmt, 1, id);
  if (!gh_store_step (self->store, stmt, &row, error))
    return NULL;
  if (!row)
    {
      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND,
                   "There is no admin token with this id");
      return NULL;
    }
  return token_from_row (stmt);
}

/* The token whose hash is @hash, or NULL (with @error only on a failure). */
static GhAdminToken *
find_by_hash (GhAdminTokens  *self,
              const char     *hash,
              char          **out_hash,
              GError        **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  gboolean row;

  stmt = gh_store_prepare (self->store,
                           "SELECT " ADMIN_TOKEN_COLUMNS " FROM admin_tokens WHERE token_hash = ?",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_text (stmt, 1, hash);
  if (!gh_store_step (self->store, stmt, &row, error) || !row)
    return NULL;
  *out_hash = g_strdup (gh_stmt_column_text (stmt, 6));
  return token_from_row (stmt);
}

GhAdminToken *
gh_admin_tokens_create (GhAdminTokens  *self,
                        const char     *label,
                        gint64          expires_in,
                        const char     *actor,
                        char          **out_token,
                        GError        **error)
{
  g_autofree char *secret = gh_random_token (32);
  g_autofree char *token = g_strconcat (GH_ADMIN_TOKEN_PREFIX, secret, NULL);
  g_autofree char *hash = gh_sha256_base64url (token);
  g_autofree char *random = gh_random_token (9);
  g_autofree char *id = g_strconcat ("adm_", random, NULL);
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(JsonObject) details = json_object_new ();
  GhAdminToken *created;
  gint64 now = gh_now_seconds ();

  g_return_val_if_fail (GH_IS_ADMIN_TOKENS (self), NULL);
  g_return_val_if_fail (out_token != NULL, NULL);

  if (label == NULL)
    label = "";
  if (expires_in < 0 || expires_in > GH_ADMIN_TOKEN_MAX_EXPIRES_IN)
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                            "expires_in must be 0 (never) to %d seconds",
                            GH_ADMIN_TOKEN_MAX_EXPIRES_IN), NULL;
  if (!g_utf8_validate (label, -1, NULL) || g_utf8_strlen (label, -1) > 200)
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                            "label must be UTF-8 text of at most 200 characters"), NULL;
  /* Printed by `admin-token list`: no terminal escapes, no line breaks */
  for (const char *p = label; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                              "label must not contain control characters"), NULL;

  if (!gh_store_begin (self->store, error))
    return NULL;
  stmt = gh_store_prepare (self->store,
                           "INSERT INTO admin_tokens (id, label, token_hash, created_at, "
                           "expires_at) VALUES (?, ?, ?, ?, ?)",
                           error);
  if (stmt == NULL)
    goto fail;
  gh_stmt_bind_text (stmt, 1, id);
  gh_stmt_bind_text (stmt, 2, label);
  gh_stmt_bind_text (stmt, 3, hash);
  gh_stmt_bind_int64 (stmt, 4, now);
  if (expires_in > 0)
    gh_stmt_bind_int64 (stmt, 5, now + expires_in);
  if (!gh_store_step (self->store, stmt, NULL, error))
    goto fail;
  gh_stmt_reset (g_steal_pointer (&stmt));

  json_object_set_string_member (details, "admin_token_id", id);
  json_object_set_string_member (details, "label", label);
  json_object_set_int_member (details, "expires_in", expires_in);
  if (!gh_audit_record_event (self->audit, &(GhAuditEvent) {
                              .type = GH_AUDIT_EVENT_ADMIN_TOKEN_CREATED,
                              .outcome = GH_AUDIT_SUCCESS, .actor = actor,
                              .details = details }, error))
    goto fail;
  if (!gh_store_commit (self->store, error))
    return NULL;

  created = g_new0 (GhAdminToken, 1);
  created->id = g_steal_pointer (&id);
  created->label = g_strdup (label);
  created->created_at = now;
  created->expires_at = expires_in > 0 ? now + expires_in : 0;
  *out_token = g_steal_pointer (&token);
  return created;

fail:
  gh_store_rollback (self->store);
  return NULL;
}

GPtrArray *
gh_admin_tokens_list (GhAdminTokens  *self,
                      GError        **error)
{
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GhStmt) stmt = NULL;
  gboolean row;

  g_return_val_if_fail (GH_IS_ADMIN_TOKENS (self), NULL);

  list = g_ptr_array_new_with_free_func ((GDestroyNotify) gh_admin_token_free);
  stmt = gh_store_prepare (self->store,
                           "SELECT " ADMIN_TOKEN_COLUMNS " FROM admin_tokens "
                           "ORDER BY created_at, id",
                           error);
  if (stmt == NULL)
    return NULL;
  for (;;)
    {
      if (!gh_store_step (self->store, stmt, &row, error))
        return NULL;
      if (!row)
        break;
      g_ptr_array_add (list, token_from_row (stmt));
    }
  return g_steal_pointer (&list);
}

gboolean
gh_admin_tokens_revoke (GhAdminTokens  *self,
                        const char     *id,
                        const char     *actor,
                        GError        **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(JsonObject) details = json_object_new ();

  g_return_val_if_fail (GH_IS_ADMIN_TOKENS (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  if (!gh_store_begin (self->store, error))
    return FALSE;
  stmt = gh_store_prepare (self->store,
                           "UPDATE admin_tokens SET revoked_at = ? "
                           "WHERE id = ? AND revoked_at IS NULL",
                           error);
  if (stmt == NULL)
    goto fail;
  gh_stmt_bind_int64 (stmt, 1, gh_now_seconds ());
  gh_stmt_bind_text (stmt, 2, id);
  if (!gh_store_step (self->store, stmt, NULL, error))
    goto fail;
  if (gh_store_changes (self->store) == 0)
    {
      g_autofree char *cut = g_utf8_make_valid (id, MIN (strlen (id), 64));

      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND,
                   "There is no unrevoked admin token “%s”", cut);
      goto fail;
    }
  json_object_set_string_member (details, "admin_token_id", id);
  if (!gh_audit_record_event (self->audit, &(GhAuditEvent) {
                              .type = GH_AUDIT_EVENT_ADMIN_TOKEN_REVOKED,
                              .outcome = GH_AUDIT_SUCCESS, .actor = actor,
                              .details = details }, error))
    goto fail;
  if (!gh_store_commit (self->store, error))
    return FALSE;
  g_signal_emit (self, signals[SIGNAL_REVOKED], 0, id);
  return TRUE;

fail:
  gh_store_rollback (self->store);
  return FALSE;
}

/* The explain of an admin authentication refused for @reason (refuse()'s). */
static JsonObject *
explain_refusal (GhAdminTokens *self,
                 const char    *reason,
                 const char    *token_id)
{
  static const struct
  {
    const char *reason;
    const char *rule;
    const char *message;
    const char *actual;
  } reasons[] = {
    { "missing", "admin.token_missing", "The request has no admin token",
      "no Authorization: Bearer header" },
    { "malformed", "admin.token_unknown", "The bearer token is not an admin token",
      "a bearer token without the " GH_ADMIN_TOKEN_PREFIX " prefix" },
    { "unknown", "admin.token_unknown", "The admin token is not one this server issued",
      "an admin token this server does not know" },
    { "revoked", "admin.token_revoked", "The admin token was revoked", "a revoked token" },
    { "expired", "admin.token_expired", "The admin token has expired", "an expired token" },
    { "rate_limited", "admin.rate_limited", "Too many failed admin authentications from this "
      "address", NULL },
  };
  JsonObject *explain = NULL;

  for (guint i = 0; explain == NULL && i < G_N_ELEMENTS (reasons); i++)
    if (g_str_equal (reasons[i].reason, reason))
      {
        explain = gh_explain_new (reasons[i].rule, "%s", reasons[i].message);
        gh_explain_set_actual (explain, reasons[i].actual);
      }
  g_assert (explain != NULL);
  if (g_str_equal (reason, "rate_limited"))
    {
      g_autofree char *expected = g_strdup_printf ("fewer than %u failed authentications a "
                                                   "minute", self->failures_per_minute);

      gh_explain_set_expected (explain, expected);
      gh_explain_set_actual (explain, "the limit was reached; every request is refused until "
                                      "the minute is over, unless its token is valid");
      gh_explain_set_hint (explain, "A script retrying with a wrong token locks its address "
                                    "out for a minute");
    }
  else
    {
      gh_explain_set_expected (explain, "Authorization: Bearer " GH_ADMIN_TOKEN_PREFIX "... with "
                                        "an unrevoked, unexpired admin token");
      gh_explain_set_hint (explain, "Create one with `gatehouse-server admin-token create`; it "
                                    "is shown once");
    }
  if (token_id != NULL)
    json_object_set_string_member (explain, "admin_token_id", token_id);
  return explain;
}

/* Records why @error refused an admin request from @source, counts it, and passes @error
 * on. A source over the failure limit (@retry_in > 0 seconds) gets 429 instead, whatever
 * was wrong with what it sent. */
static GhAdminToken *
refuse (GhAdminTokens  *self,
        gint64          retry_in,
        const char     *reason,
        const char     *token_id,
        const char     *source,
        const char     *user_agent,
        GError         *refusal,
        GError        **error)
{
  g_autoptr(JsonObject) details = NULL;

  if (retry_in > 0)
    {
      g_clear_error (&refusal);
      g_set_error (&refusal, GH_OAUTH_ERROR, GH_OAUTH_ERROR_TOO_MANY_REQUESTS,
                   "Too many failed admin authentications from this address; try again "
                   "in %" G_GINT64_FORMAT " s", retry_in);
      reason = "rate_limited";
    }
  gh_error_set_explain (refusal, explain_refusal (self, reason, token_id));
  details = gh_audit_refusal_details (refusal);
  count_failure (self, source, gh_now_seconds ());
  json_object_set_string_member (details, "reason", reason);
  if (token_id != NULL)
    json_object_set_string_member (details, "admin_token_id", token_id);
  gh_audit_record_event (self->audit, &(GhAuditEvent) {
                         .type = GH_AUDIT_EVENT_ADMIN_AUTH_FAILED,
                         .outcome = GH_AUDIT_FAILURE, .actor = "admin-api",
                         .source = source, .user_agent = user_agent, .details = details },
                         NULL);
  g_propagate_error (error, refusal);
  return NULL;
}

GhAdminToken *
gh_admin_tokens_verify (GhAdminTokens  *self,
                        const char     *token,
                        const char     *source,
                        const char     *user_agent,
                        GError        **error)
{
  g_autoptr(GhAdminToken) found = NULL;
  g_autoptr(GhStmt) stmt = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *stored_hash = NULL;
  GError *refusal = NULL;
  gint64 now = gh_now_seconds ();
  gint64 retry_in = 0;

  g_return_val_if_fail (GH_IS_ADMIN_TOKENS (self), NULL);

  /* A source that failed too often learns nothing more of what it sends (429 whatever was
   * wrong), but a valid token still passes: others sharing its address (a proxy, NAT) must not
   * be able to lock an admin out. A token cannot be guessed (256 random bits). */
  if (source != NULL && self->failures_per_minute > 0)
    {
      Failures *failures = lookup_failures (self, source, now);

      if (failures != NULL && failures->count >= self->failures_per_minute)
        retry_in = MAX (failures->window_start + 60 - now, 1);
    }

  if (token == NULL)
    {
      g_set_error_literal (&refusal, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_TOKEN,
                           "The admin API needs “Authorization: Bearer” with an admin token");
      return refuse (self, retry_in, "missing", NULL, source, user_agent, refusal, error);
    }
  if (!g_str_has_prefix (token, GH_ADMIN_TOKEN_PREFIX))
    {
      g_set_error_literal (&refusal, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_TOKEN,
                           "The bearer token is not an admin token (" GH_ADMIN_TOKEN_PREFIX
                           "...)");
      return refuse (self, retry_in, "malformed", NULL, source, user_agent, refusal, error);
    }

  /* Looked up by its hash, which an index finds without comparing the secret itself. */
  hash = gh_sha256_base64url (token);
  found = find_by_hash (self, hash, &stored_hash, error);
  if (found == NULL && error != NULL && *error != NULL)
    return NULL;
  if (found == NULL || !gh_constant_time_equal (hash, stored_hash))
    {
      g_set_error_literal (&refusal, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_TOKEN,
                           "The admin token is unknown");
      return refuse (self, retry_in, "unknown", NULL, source, user_agent, refusal, error);
    }
  if (found->revoked_at != 0)
    {
      g_set_error (&refusal, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_TOKEN,
                   "The admin token %s has been revoked", found->id);
      return refuse (self, retry_in, "revoked", found->id, source, user_agent, refusal, error);
    }
  if (found->expires_at != 0 && found->expires_at <= now)
    {
      g_set_error (&refusal, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_TOKEN,
                   "The admin token %s has expired", found->id);
      return refuse (self, retry_in, "expired", found->id, source, user_agent, refusal, error);
    }

  /* The last use, to the second: one write a second at most for a busy script. */
  if (found->last_used_at != now)
    {
      stmt = gh_store_prepare (self->store,
                               "UPDATE admin_tokens SET last_used_at = ? WHERE id = ?", error);
      if (stmt == NULL)
        return NULL;
      gh_stmt_bind_int64 (stmt, 1, now);
      gh_stmt_bind_text (stmt, 2, found->id);
      if (!gh_store_step (self->store, stmt, NULL, error))
        return NULL;
      found->last_used_at = now;
    }
  return g_steal_pointer (&found);
}
