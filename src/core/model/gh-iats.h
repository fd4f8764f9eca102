/* gh-iats.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-audit.h"
#include "gh-projects.h"
#include "gh-store.h"

G_BEGIN_DECLS

#define GH_IAT_PREFIX "iatk_"

/* An Initial Access Token as listed: never its secret, which exists only at issue. */
typedef struct
{
  char       *id;          /* "iat_<16 hex>" */
  gint64      project_id;
  char       *label;
  JsonObject *pinned;      /* metadata registrations must respect or get filled in from */
  gint64      max_uses;
  gint64      uses;
  gint64      created_at;
  gint64      expires_at;  /* 0: never */
  gint64      last_used_at;
  gint64      revoked_at;
} GhIat;

void gh_iat_free (GhIat *iat);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhIat, gh_iat_free)

/* Whether @iat can still register a client now. */
gboolean    gh_iat_is_usable        (const GhIat      *iat,
                                     gint64            now);
/* "revoked", "expired", "exhausted" (every use made) or "active", in that order, at @now. */
const char *gh_iat_get_state        (const GhIat      *iat,
                                     gint64            now);
/* id, label, max_uses, uses, uses_left, created_at, expires_at and last_used_at (when set),
 * revoked, usable and state (at @now) and pinned: never the token, which a GhIat does not hold. */
JsonObject *gh_iat_to_json          (const GhIat      *iat,
                                     gint64            now);

#define GH_TYPE_IATS (gh_iats_get_type ())

G_DECLARE_FINAL_TYPE (GhIats, gh_iats, GH, IATS, GObject)

GhIats     *gh_iats_new             (GhStore          *store,
                                     GhAudit          *audit);
/* Checks pins: token_endpoint_auth_method, application_type, scope (a ceiling) and
 * redirect_uri_prefixes (a list). */
gboolean    gh_iats_check_pins      (JsonObject       *pinned,
                                     GError          **error);
/* Issues a token; *@out_token receives "iatk_..." (shown once, stored only hashed).
 * @expires_in 0 means it never expires. */
GhIat      *gh_iats_issue           (GhIats           *self,
                                     const GhProject  *project,
                                     const char       *label,
                                     gint64            max_uses,
                                     gint64            expires_in,
                                     JsonObject       *pinned,
                                     const char       *actor,
                                     char            **out_token,
                                     GError          **error);
GPtrArray  *gh_iats_list            (GhIats           *self,
                                     gint64            project_id,
                                     GError          **error);
gboolean    gh_iats_revoke          (GhIats           *self,
                                     const GhProject  *project,
                                     const char       *id,
                                     const char       *actor,
                                     GError          **error);
/* Counts one use of @token atomically, inside the caller's transaction. Returns the token
 * as it is after the use; GH_OAUTH_ERROR_INVALID_TOKEN says why it cannot be used. */
GhIat      *gh_iats_use             (GhIats           *self,
                                     const GhProject  *project,
                                     const char       *token,
                                     GError          **error);

G_END_DECLS
