/* gh-admin-tokens.h — GhAdminTokens: the bearer tokens of the admin API, stored hashed
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-audit.h"
#include "gh-store.h"

G_BEGIN_DECLS

#define GH_ADMIN_TOKEN_PREFIX "ghat_"
/* Failed authentications one source address may make per minute; beyond, every admin request
 * from it without a valid token is refused (429) until the minute is over. */
#define GH_ADMIN_TOKEN_DEFAULT_FAILURES_PER_MINUTE 20
/* The longest lifetime a token may be given: ten years (0 is never). */
#define GH_ADMIN_TOKEN_MAX_EXPIRES_IN (3660 * 86400)

/* An admin token as listed: never its secret, which exists only at creation. */
typedef struct
{
  char   *id;            /* "adm_<12 base64url>" */
  char   *label;
  gint64  created_at;
  gint64  expires_at;    /* 0: never */
  gint64  last_used_at;  /* 0: never used */
  gint64  revoked_at;    /* 0: not revoked */
} GhAdminToken;

void gh_admin_token_free (GhAdminToken *token);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhAdminToken, gh_admin_token_free)

/* "active", "expired" or "revoked" at @now. */
const char *gh_admin_token_get_state (const GhAdminToken *token,
                                      gint64              now);
/* id, label, created_at, expires_at and last_used_at (null when unset), revoked_at (when
 * set) and state (at @now): never the token. */
JsonObject *gh_admin_token_to_json   (const GhAdminToken *token,
                                      gint64              now);

#define GH_TYPE_ADMIN_TOKENS (gh_admin_tokens_get_type ())

G_DECLARE_FINAL_TYPE (GhAdminTokens, gh_admin_tokens, GH, ADMIN_TOKENS, GObject)

GhAdminTokens *gh_admin_tokens_new    (GhStore        *store,
                                       GhAudit        *audit);
/* Creates a token with its admin.token_created event; *@out_token receives "ghat_..." (shown
 * once, stored only hashed). @expires_in 0 means it never expires. */
GhAdminToken  *gh_admin_tokens_create (GhAdminTokens  *self,
                                       const char     *label,
                                       gint64          expires_in,
                                       const char     *actor,
                                       char          **out_token,
                                       GError        **error);
/* Every token, oldest first. */
GPtrArray     *gh_admin_tokens_list   (GhAdminTokens  *self,
                                       GError        **error);
/* The token @id, revoked and expired ones too; GH_STORE_ERROR_NOT_FOUND when there is none
 * (a token never goes from the store). */
GhAdminToken  *gh_admin_tokens_lookup (GhAdminTokens  *self,
                                       const char     *id,
                                       GError        **error);
/* GH_STORE_ERROR_NOT_FOUND when there is no unrevoked token @id. Emits ::revoked (id) once
 * committed: the event streams it opened close. */
gboolean       gh_admin_tokens_revoke (GhAdminTokens  *self,
                                       const char     *id,
                                       const char     *actor,
                                       GError        **error);
/* The token @token (NULL: none was presented) is, when it is known, unrevoked and unexpired;
 * its last use is recorded. Otherwise GH_OAUTH_ERROR_INVALID_TOKEN says why, and an
 * admin.auth_failed event from @source (an address: the audit's refusal limiter counts it
 * per source) and @user_agent (its User-Agent, or NULL) is recorded. A source over its
 * failures per minute gets GH_OAUTH_ERROR_TOO_MANY_REQUESTS for anything but a valid token
 * (which still passes: no lock-out by others at the same address). The token is found by its
 * hash, never compared as text. */
GhAdminToken  *gh_admin_tokens_verify (GhAdminTokens  *self,
                                       const char     *token,
                                       const char     *source,
                                       const char     *user_agent,
                                       GError        **error);

/* 0 turns the limit off. Forgets what was counted. */
void           gh_admin_tokens_set_failure_limit (GhAdminTokens *self,
                                                  guint          per_minute);

G_END_DECLS
