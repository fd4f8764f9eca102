/* gh-tokens.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-audit.h"
#include "gh-authorization.h"
#include "gh-client.h"
#include "gh-http.h"
#include "gh-resources.h"
#include "gh-signing-keys.h"
#include "gh-store.h"
#include "gh-users.h"

G_BEGIN_DECLS

#define GH_TYPE_TOKENS (gh_tokens_get_type ())

G_DECLARE_FINAL_TYPE (GhTokens, gh_tokens, GH, TOKENS, GObject)

GhTokens   *gh_tokens_new                 (GhStore          *store,
                                           GhAudit          *audit,
                                           GhSigningKeys    *keys,
                                           GhUsers          *users,
                                           GhResources      *resources);
/* Fills @step's "params" from a token request's @form: grant_type, redirect_uri, scope,
 * resource (an array) and code_verifier ("absent", or "not checked" until it is compared:
 * "matches" / "does not match"); never a code, token, verifier or secret. The caller adds
 * "client_auth_method" (gh_client_auth_presented_method()). */
void        gh_tokens_fill_step           (GhFlowStep       *step,
                                           GhForm           *form);
/* grant_type=authorization_code for an authenticated @client: the token response. @step
 * (optional, see gh_tokens_fill_step()) is the request's, for its events; its flow_id is set
 * once the code is found, for the caller's refusal event. */
JsonObject *gh_tokens_exchange_code       (GhTokens         *self,
                                           const GhProject  *project,
                                           const char       *issuer,
                                           const GhClient   *client,
                                           GhForm           *form,
                                           GhFlowStep       *step,
                                           GError          **error);
/* grant_type=refresh_token, with rotation and reuse detection; @step as above. */
JsonObject *gh_tokens_refresh             (GhTokens         *self,
                                           const GhProject  *project,
                                           const char       *issuer,
                                           const GhClient   *client,
                                           GhForm           *form,
                                           GhFlowStep       *step,
                                           GError          **error);
/* The claims of a valid access token of this project; GH_OAUTH_ERROR_INVALID_TOKEN with
 * the reason otherwise. */
JsonObject *gh_tokens_verify_access_token (GhTokens         *self,
                                           const GhProject  *project,
                                           const char       *issuer,
                                           const char       *token,
                                           GError          **error);
/* RFC 7662: {"active": false} for anything not valid. Records token.introspected: which
 * @client asked (NULL: none), active or not, the token's type; never the token. */
JsonObject *gh_tokens_introspect          (GhTokens         *self,
                                           const GhProject  *project,
                                           const char       *issuer,
                                           const GhClient   *client,
                                           const char       *token,
                                           const char       *source,
                                           const char       *user_agent);
/* RFC 7009: revokes @token when it is @client's (a refresh token takes its family). Fails
 * only when the store does. */
gboolean    gh_tokens_revoke              (GhTokens         *self,
                                           const GhProject  *project,
                                           const char       *issuer,
                                           const GhClient   *client,
                                           const char       *token,
                                           GError          **error);
/* Revokes refresh family @family_id of @project and its access tokens for @actor (an
 * administrator): token.revoked with the family, once (a revoked family stays as it is).
 * GH_STORE_ERROR_NOT_FOUND when the project has no such family. */
gboolean    gh_tokens_revoke_family       (GhTokens         *self,
                                           const GhProject  *project,
                                           const char       *family_id,
                                           const char       *actor,
                                           GError          **error);
/* /userinfo's claims for a verified access token's claims. */
JsonObject *gh_tokens_userinfo            (GhTokens         *self,
                                           const GhProject  *project,
                                           JsonObject       *access_claims,
                                           GError          **error);
/* Records a refused token request from @source (the peer address; rate-limited per source)
 * with its @user_agent (or NULL), and its @step (optional: its flow id and "step"). */
void        gh_tokens_record_refusal      (GhTokens         *self,
                                           const GhProject  *project,
                                           const char       *client_id,
                                           const char       *grant_type,
                                           const char       *source,
                                           const char       *user_agent,
                                           const GhFlowStep *step,
                                           const GError     *error);

G_END_DECLS
