/* gh-token-inspect.h — a JWT taken apart for a person: header and claims with their meaning,
 * and a verdict on each of signature (with the key's state), typ, iss, aud, exp, nbf, iat, scope
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "gh-signing-keys.h"

G_BEGIN_DECLS

/* Clock skew tolerated on iat and nbf, as the token endpoint's verification allows. */
#define GH_TOKEN_INSPECT_SKEW_SECONDS 60

/* Whether @token has the shape of a compact JWS or JWE (two or four dots): what
 * gh_token_inspect_jwt() reports on. Anything else is for the caller to recognise. */
gboolean    gh_token_inspect_is_jwt_shaped (const char         *token);

/* The report on @token (gh_token_inspect_is_jwt_shaped()), never failing, never repeating the
 * token:
 *   { "kind": "jwt", "token_type": "access_token" | "id_token" | "unknown",
 *     "header": {...} | null, "claims": {...} | null,
 *     "notes": [{"where": "header"|"claims", "name", "meaning", "spec", "seconds_from_now"?}],
 *     "checks": { "format", "signature", "typ", "required_claims", "iss", "aud", "exp",
 *                 "nbf", "iat", "scope": {"result": "pass"|"fail"|"warn"|"skip",
 *                 "message", ...what was compared} },
 *     "verdict": "valid" | "invalid", "summary": one sentence }
 * @issuer is the project's issuer (iss is compared with it byte for byte); @resource the
 * resource the token is checked for (NULL: aud is checked against @audiences, the
 * project's own: its issuer and its resources' audiences); @now in unix seconds. */
JsonObject *gh_token_inspect_jwt          (const char         *token,
                                           GhSigningKeys      *keys,
                                           const char         *issuer,
                                           const char         *resource,
                                           const char * const *audiences,
                                           gint64              now);

/* The same report for a token whose value is not at hand, from the @header and @claims the
 * server recorded when it signed it: "format" and "signature" say what could not be checked
 * without the token's bytes (the signature check still judges the key's state). */
JsonObject *gh_token_inspect_claims       (JsonObject         *header,
                                           JsonObject         *claims,
                                           GhSigningKeys      *keys,
                                           const char         *issuer,
                                           const char         *resource,
                                           const char * const *audiences,
                                           gint64              now);

/* Sets "verdict" and "summary" of @report from its checks, those added since included
 * ("issued_here" and "revocation", which need the store): invalid when one fails, the first
 * failure (in the order above) its summary. */
void        gh_token_inspect_conclude     (JsonObject         *report);

/* The strings of the aud claim of @claims (a string or an array of them); NULL when it is
 * neither, or empty. */
GPtrArray  *gh_token_inspect_audiences    (JsonObject         *claims);
/* Whether @a and @b differ only by one trailing slash. */
gboolean    gh_token_inspect_differ_by_slash (const char      *a,
                                              const char      *b);

/* A check as the reports above hold it: {"result", "message"}, @message formatted. */
JsonObject *gh_token_check_new            (const char         *result,
                                           const char         *message_format,
                                           ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS
