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

G_END_DECLS
