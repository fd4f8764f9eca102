/* gh-token-records.h — what the store keeps of the tokens a project issued, read back for the
 * admin API: refresh families and their lineage, an access token's record compared with what
 * its flow asked for, a refresh token or code found by its hash. Never a token's value: only
 * hashes are stored.
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "gh-projects.h"
#include "gh-store.h"

G_BEGIN_DECLS

/* The most families one list holds. */
#define GH_TOKEN_RECORDS_MAX_LIMIT 200

/* Refresh family @family_id of @project: client, user, flow, scopes, resources, created,
 * revoked (when, why), state; its generations in the order issued (each: generation,
 * issued_from, created_at, expires_at, state, used, rotated_at(_us), grace_used, replays with
 * the ms after rotation against the project's refresh_grace_seconds), "reuse" (the replay that
 * revoked it, or null) and the access tokens issued from it. GH_STORE_ERROR_NOT_FOUND when
 * there is none. */
JsonObject *gh_token_records_family        (GhStore          *store,
                                            const GhProject  *project,
                                            const char       *family_id,
                                            GError          **error);
/* {"refresh_families": [...]}: @project's families, newest first, at most @limit, of
 * @client_id, of the user @username and of flow @flow_id when they are not NULL; each a
 * summary (id, client_id, user_id, flow_id, created_at, state, revoked_at, revoked_reason,
 * generations). */
JsonObject *gh_token_records_list_families (GhStore          *store,
                                            const GhProject  *project,
                                            const char       *client_id,
                                            const char       *username,
                                            const char       *flow_id,
                                            guint             limit,
                                            GError          **error);
/* The record of access token @jti of @project, compared with @claims (the token's): issued,
 * expires, revoked, the family and its state, what the flow asked for at /authorize and at
 * /token, and "comparisons" of aud and scope with them. NULL without @error when @project
 * issued no such token. */
JsonObject *gh_token_records_access_token  (GhStore          *store,
                                            const GhProject  *project,
                                            const char       *issuer,
                                            const char       *jti,
                                            JsonObject       *claims,
                                            GError          **error);
/* What the server knows of the claims it signed into access token @jti of @project, never
 * having kept the token: {"claims" (iss as @issuer names it now; sub, auth_time from the
 * code or family; aud and scope from the token's token.issued / token.refreshed event;
 * client_id, iat, exp, jti from its record), "complete" (false when the event or the user is
 * gone), "event_id", "event_type", "kid" (recorded in the event, or null for a token issued
 * before it was), "generation", "id_token"}. NULL without @error when there is no such token. */
JsonObject *gh_token_records_access_token_claims (GhStore          *store,
                                                  const GhProject  *project,
                                                  const char       *issuer,
                                                  const char       *jti,
                                                  GError          **error);
/* What @token is, found by its hash: {"kind": "refresh_token", "project", "family_id",
 * "generation", "state", ...} or {"kind": "authorization_code", ...}, in @project or in
 * another project of this server ("project" says which); NULL without @error when neither. */
JsonObject *gh_token_records_find_secret   (GhStore          *store,
                                            const GhProject  *project,
                                            const char       *token,
                                            GError          **error);

G_END_DECLS
