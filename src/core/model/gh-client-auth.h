/* gh-client-auth.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "gh-clients.h"
#include "gh-http.h"

G_BEGIN_DECLS

#define GH_CLIENT_ASSERTION_TYPE_JWT "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

/* Authenticates the client of a token, revocation or introspection request by the one
 * method it uses (RFC 6749 §2.3, RFC 7523): none, client_secret_basic, client_secret_post
 * or private_key_jwt. The method must be the one the client registered. Errors:
 * GH_OAUTH_ERROR_INVALID_CLIENT (401) or _INVALID_REQUEST (two methods at once, ...).
 * *@used_basic tells the caller to answer 401 with WWW-Authenticate: Basic. */
GhClient *gh_client_authenticate (GhClients          *clients,
                                  GhStore            *store,
                                  const GhProject    *project,
                                  const char         *issuer,
                                  const char         *endpoint_url,
                                  SoupMessageHeaders *headers,
                                  GhForm             *form,
                                  gboolean           *used_basic,
                                  GError            **error);

/* The client authentication method @headers and @form present ("client_secret_basic",
 * "client_secret_post", "private_key_jwt" or "none"), whether or not it is valid. */
const char *gh_client_auth_presented_method (SoupMessageHeaders *headers,
                                             GhForm             *form);

/* The jwks_uri to fetch before this request's client can be authenticated: set only when the
 * request authenticates with a client_assertion alone and names a private_key_jwt client
 * registered with a jwks_uri and no inline jwks (a URL client_id's jwks_uri must be on its
 * origin). NULL for every other request, including malformed ones: gh_client_authenticate()
 * then answers them at once. */
char     *gh_client_auth_jwks_uri_to_fetch (GhClients          *clients,
                                            const GhProject    *project,
                                            SoupMessageHeaders *headers,
                                            GhForm             *form);

/* gh_client_authenticate() with the JWK Set fetched from the client's jwks_uri
 * (@fetched_jwks; NULL when none was fetched). *@unknown_key (optional) is set when the
 * assertion failed only because no key of the set matched its kid and alg: a cached set may
 * predate a key rotation, so the caller may fetch the set again, once, and retry. */
GhClient *gh_client_authenticate_with_jwks (GhClients          *clients,
                                            GhStore            *store,
                                            const GhProject    *project,
                                            const char         *issuer,
                                            const char         *endpoint_url,
                                            SoupMessageHeaders *headers,
                                            GhForm             *form,
                                            JsonObject         *fetched_jwks,
                                            gboolean           *unknown_key,
                                            gboolean           *used_basic,
                                            GError            **error);

G_END_DECLS
