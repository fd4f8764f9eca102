/* gh-router.h — the route table: every path the server answers, its kind and its
 * authentication
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Where a route lives. */
typedef enum
{
  /* A project's endpoint: below the default project's issuer (the root) and below
   * /p/{slug} for every other project. */
  GH_ROUTE_PROJECT,
  /* A metadata document: /.well-known/{name}{issuer path} (RFC 8414 path insertion), and
   * {issuer}/.well-known/{name} (the form OIDC Discovery appends). */
  GH_ROUTE_WELL_KNOWN,
  /* The instance's own, at the root whatever the project (the admin API goes here). */
  GH_ROUTE_SERVER,
} GhRouteKind;

/* What a request must present. The router finds the bearer token for the token kinds
 * (GhRequest.bearer); the handler checks it, and the others, with the domain service, except
 * the admin token, which the router checks (GhRequest.admin_token). */
typedef enum
{
  GH_ROUTE_AUTH_NONE,
  /* A pending authorization request bound to the browser's cookie; forms carry the
   * anti-forgery token (login, consent). */
  GH_ROUTE_AUTH_BROWSER,
  /* Client authentication (RFC 6749 §2.3): none, secret (Basic or post), private_key_jwt. */
  GH_ROUTE_AUTH_CLIENT,
  /* An access token this issuer signed (RFC 6750). */
  GH_ROUTE_AUTH_ACCESS_TOKEN,
  /* The registration access token of the client named in the path (RFC 7592). */
  GH_ROUTE_AUTH_REGISTRATION_TOKEN,
  /* An initial access token when the project's dcr_mode asks for one (RFC 7591 §3). */
  GH_ROUTE_AUTH_INITIAL_ACCESS_TOKEN,
  /* An admin token (Bearer), which the router itself checks before the handler runs: 401
   * with a Bearer challenge and an admin.auth_failed event when it is missing, unknown,
   * expired or revoked. Such routes offer no CORS. */
  GH_ROUTE_AUTH_ADMIN,
} GhRouteAuth;

/* What the router looks up before the handler runs. */
typedef enum
{
  GH_ROUTE_NEEDS_PROJECT,         /* the project and its settings (404 when there is none) */
  GH_ROUTE_NEEDS_PROJECT_EXISTS,  /* only that the project exists */
  GH_ROUTE_NEEDS_NOTHING,         /* the handler looks up what it needs */
} GhRouteNeeds;

typedef struct _GhRequest GhRequest;
typedef void (*GhRouteHandler) (GhRequest *request);

typedef struct
{
  GhRouteKind     kind;
  /* GH_ROUTE_PROJECT: below the issuer; GH_ROUTE_WELL_KNOWN: the document's name;
   * GH_ROUTE_SERVER: from the root, where a '*' stands for one non-empty segment. */
  const char     *path;
  /* The path, then one more non-empty segment (/register/{client_id}). */
  gboolean        prefix;
  /* For Allow and CORS preflights; NULL: the handler answers every method itself. */
  const char     *methods;
  GhRouteAuth     auth;
  GhRouteNeeds    needs;
  GhRouteHandler  handler;
  /* Advertised in discovery under this name, or NULL. */
  const char     *metadata_name;
} GhRoute;

typedef struct
{
  const GhRoute *route;    /* NULL: nothing is served here, and @refusal says why (404) */
  const char    *refusal;
  char          *slug;     /* the project, for project and well-known routes */
  const char    *path;     /* below the issuer (a project route), or the whole path */
} GhRouteMatch;

/* The server's routes. */
const GhRoute *gh_router_get_routes (guint               *n_routes);
/* Finds the route of @path in @routes. FALSE when there is none (@match->refusal says why);
 * clear @match with gh_route_match_clear() either way. */
gboolean       gh_router_match      (const GhRoute       *routes,
                                     guint                n_routes,
                                     const char          *path,
                                     GhRouteMatch        *match);
void           gh_route_match_clear (GhRouteMatch        *match);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GhRouteMatch, gh_route_match_clear)

G_END_DECLS
