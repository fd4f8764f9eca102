/* gh-signing-keys.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-audit.h"
#include "gh-jwk.h"
#include "gh-secret-store.h"
#include "gh-store.h"

G_BEGIN_DECLS

/* One key as the store and `keys list` know it. */
typedef struct
{
  char     *kid;
  GhJwsAlg  alg;
  gint64    created_at;   /* unix seconds */
  gint64    active_from;  /* signs from then on, until a newer key is active */
  gint64    retired_at;   /* 0 while it is (or will be) the newest key */
  gint64    expires_at;   /* 0 = published until retired and past every token it signed */
  gboolean  signing;      /* the key that signs now */
  gboolean  published;    /* in JWKS now */
} GhSigningKeyInfo;

void gh_signing_key_info_free (GhSigningKeyInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhSigningKeyInfo, gh_signing_key_info_free)

/* signing (signs now), next (signs later), unused (replaced before it ever signed), retired
 * (signed, now only published) or expired (no longer published), at @now. */
const char *gh_signing_key_info_get_state (const GhSigningKeyInfo *info,
                                           gint64                  now);
/* The key as a verifier sees it, at the time gh_signing_keys_list() read it: "active" (it
 * signs now), "published" (in the JWKS without signing: the next key, or a retired one that
 * still verifies the tokens it signed) or "retired" (no longer published: verifies nothing). */
const char *gh_signing_key_info_get_status (const GhSigningKeyInfo *info);
/* kid, alg, created_at, active_from, retired_at and expires_at (when set), state, signing
 * and published: what is known about a key, never its private part. */
JsonObject *gh_signing_key_info_to_json   (const GhSigningKeyInfo *info,
                                           gint64                  now);

#define GH_TYPE_SIGNING_KEYS (gh_signing_keys_get_type ())

G_DECLARE_FINAL_TYPE (GhSigningKeys, gh_signing_keys, GH, SIGNING_KEYS, GObject)

GhSigningKeys *gh_signing_keys_new            (GhStore        *store,
                                               GhSecretStore  *secrets,
                                               GhAudit        *audit);
/* Generates the first key when the store has none. When keys exist but a private part
 * cannot be read, fails: it never replaces a key silently. */
gboolean       gh_signing_keys_ensure         (GhSigningKeys  *self,
                                               GhJwsAlg        alg,
                                               GError        **error);
/* The key to sign with now, private part loaded from the secret store. Fails closed with
 * GH_OAUTH_ERROR_TEMPORARILY_UNAVAILABLE when the secret store cannot give it. */
GhJwk         *gh_signing_keys_get_signing_key (GhSigningKeys *self,
                                               GError        **error);
/* A published public key by kid, for verifying; NULL when unknown or expired. */
GhJwk         *gh_signing_keys_lookup         (GhSigningKeys  *self,
                                               const char     *kid);
/* {"keys": [...]}: every key not yet expired, the next one included before it signs. */
JsonObject    *gh_signing_keys_get_jwks       (GhSigningKeys  *self,
                                               GError        **error);
/* When the published set changes by itself next (a key's expiry), in unix seconds;
 * G_MAXINT64 when never. */
gint64         gh_signing_keys_next_change    (GhSigningKeys  *self);
GPtrArray     *gh_signing_keys_list           (GhSigningKeys  *self,
                                               GError        **error);
/* Adds a key that is published now and signs after @activate_after seconds; the key it
 * replaces stays published until @max_token_lifetime seconds after that. */
char          *gh_signing_keys_rotate         (GhSigningKeys  *self,
                                               GhJwsAlg        alg,
                                               gint64          activate_after,
                                               gint64          max_token_lifetime,
                                               const char     *actor,
                                               GError        **error);

G_END_DECLS
