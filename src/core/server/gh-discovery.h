/* gh-discovery.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "gh-projects.h"

G_BEGIN_DECLS

typedef enum
{
  GH_DISCOVERY_OAUTH, /* RFC 8414 /.well-known/oauth-authorization-server */
  GH_DISCOVERY_OIDC,  /* OpenID Connect Discovery 1.0 /.well-known/openid-configuration */
} GhDiscoveryKind;

/* The metadata document of @project at @issuer. @endpoints maps metadata names
 * ("jwks_uri", "token_endpoint", ...) to absolute URLs: only endpoints the server really
 * serves are passed in, so nothing is advertised before it works. @signing_algs are the
 * algorithms of the published keys; @resource_scopes, the scopes the project's listed
 * resources define, follow the standard ones in scopes_supported. @cimd_available says
 * whether this server can resolve Client ID Metadata Documents at all: clients choose CIMD
 * from the flag alone. */
JsonObject *gh_discovery_build (const GhProject    *project,
                                const char         *issuer,
                                GhDiscoveryKind     kind,
                                JsonObject         *endpoints,
                                const char * const *signing_algs,
                                const char * const *resource_scopes,
                                gboolean            cimd_available);

G_END_DECLS
