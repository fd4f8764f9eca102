/* test-router.c — the route table: each route's kind and authentication, and which route
 * (and project) a path reaches
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-projects.h"
#include "gh-router.h"

/* Every route the server answers, as it must stay: a new endpoint is a new row here. */
static const struct {
  GhRouteKind kind;
  const char *path;
  gboolean prefix;
  const char *methods;
  GhRouteAuth auth;
  GhRouteNeeds needs;
  const char *metadata_name;
} expected_routes[] = {
  { GH_ROUTE_WELL_KNOWN, "oauth-authorization-server", FALSE, "GET, HEAD, OPTIONS",
    GH_ROUTE_AUTH_NONE, GH_ROUTE_NEEDS_PROJECT, NULL },
  { GH_ROUTE_WELL_KNOWN, "openid-configuration", FALSE, "GET, HEAD, OPTIONS",
    GH_ROUTE_AUTH_NONE, GH_ROUTE_NEEDS_PROJECT, NULL },
  { GH_ROUTE_PROJECT, "/", FALSE, NULL,
    GH_ROUTE_AUTH_NONE, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_PROJECT, "/authorize", FALSE, "GET, POST",
    GH_ROUTE_AUTH_NONE, GH_ROUTE_NEEDS_PROJECT, "authorization_endpoint" },
  { GH_ROUTE_PROJECT, "/consent", FALSE, "GET, POST",
    GH_ROUTE_AUTH_BROWSER, GH_ROUTE_NEEDS_PROJECT, NULL },
  { GH_ROUTE_PROJECT, "/introspect", FALSE, "POST, OPTIONS",
    GH_ROUTE_AUTH_CLIENT, GH_ROUTE_NEEDS_PROJECT, "introspection_endpoint" },
  { GH_ROUTE_PROJECT, "/jwks", FALSE, "GET, HEAD, OPTIONS",
    GH_ROUTE_AUTH_NONE, GH_ROUTE_NEEDS_PROJECT_EXISTS, "jwks_uri" },
  { GH_ROUTE_PROJECT, "/login", FALSE, "GET, POST",
    GH_ROUTE_AUTH_BROWSER, GH_ROUTE_NEEDS_PROJECT, NULL },
  { GH_ROUTE_PROJECT, "/register", FALSE, "POST, OPTIONS",
    GH_ROUTE_AUTH_INITIAL_ACCESS_TOKEN, GH_ROUTE_NEEDS_PROJECT, "registration_endpoint" },
  { GH_ROUTE_PROJECT, "/register/", TRUE, "GET, PUT, DELETE, OPTIONS",
    GH_ROUTE_AUTH_REGISTRATION_TOKEN, GH_ROUTE_NEEDS_PROJECT, NULL },
  { GH_ROUTE_PROJECT, "/revoke", FALSE, "POST, OPTIONS",
    GH_ROUTE_AUTH_CLIENT, GH_ROUTE_NEEDS_PROJECT, "revocation_endpoint" },
  { GH_ROUTE_PROJECT, "/token", FALSE, "POST, OPTIONS",
    GH_ROUTE_AUTH_CLIENT, GH_ROUTE_NEEDS_PROJECT, "token_endpoint" },
  { GH_ROUTE_PROJECT, "/userinfo", FALSE, "GET, POST, OPTIONS",
    GH_ROUTE_AUTH_ACCESS_TOKEN, GH_ROUTE_NEEDS_PROJECT, "userinfo_endpoint" },
  { GH_ROUTE_SERVER, "/admin/v1/server", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/event-types", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/projects", FALSE, "GET, POST",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/projects/", TRUE, "GET, PATCH, DELETE",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/audit", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/admin-tokens", FALSE, "GET, POST",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/admin-tokens/", TRUE, "DELETE",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/iats", FALSE, "GET, POST",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/iats/*", FALSE, "DELETE",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/users", FALSE, "GET, POST",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/users/*", FALSE, "PATCH, DELETE",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/resources", FALSE, "GET, POST",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/resources/*", FALSE, "DELETE",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/fixes", FALSE, "POST",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/keys", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/keys/rotate", FALSE, "POST",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/openapi.json", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/audit/export", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/refresh-families", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/refresh-families/*", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/tokens/inspect", FALSE, "POST",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/compat", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/tokens/*", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/refresh-families/*/revoke", FALSE, "POST",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/flows", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/flows/*", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/discovery/hits", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/clients", FALSE, "GET, POST",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/clients/import", FALSE, "POST",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/clients/**", FALSE, "GET, POST, DELETE",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/cimd/resolve", FALSE, "POST",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/events", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/summary", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/audit/count", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, NULL },
};

static void
test_table (void)
{
  guint n_routes = 0;
  const GhRoute *routes = gh_router_get_routes (&n_routes);

  g_assert_cmpuint (n_routes, ==, G_N_ELEMENTS (expected_routes));
  for (guint i = 0; i < n_routes; i++)
    {
      g_test_message ("route %s", expected_routes[i].path);
      g_assert_cmpint (routes[i].kind, ==, expected_routes[i].kind);
      g_assert_cmpstr (routes[i].path, ==, expected_routes[i].path);
      g_assert_cmpint (routes[i].prefix, ==, expected_routes[i].prefix);
      g_assert_cmpstr (routes[i].methods, ==, expected_routes[i].methods);
      g_assert_cmpint (routes[i].auth, ==, expected_routes[i].auth);
      g_assert_cmpint (routes[i].needs, ==, expected_routes[i].needs);
      g_assert_cmpstr (routes[i].metadata_name, ==, expected_routes[i].metadata_name);
      g_assert_nonnull (routes[i].handler);
    }
}

/* A path, and where the router sends it: a route (its kind and path, the project, the path
 * below the issuer), or the reason for the 404. */
static const struct {
  const char *path;
  GhRouteKind kind;
  const char *route;
  const char *slug;
  const char *below;
  const char *refusal;
} match_rows[] = {
  /* The default project at the root, the others below /p/{slug}. */
  { "/token", GH_ROUTE_PROJECT, "/token", "default", "/token" },
  { "/p/team/token", GH_ROUTE_PROJECT, "/token", "team", "/token" },
  { "/userinfo", GH_ROUTE_PROJECT, "/userinfo", "default", "/userinfo" },
  { "/p/a-1/userinfo", GH_ROUTE_PROJECT, "/userinfo", "a-1", "/userinfo" },
  { "/jwks", GH_ROUTE_PROJECT, "/jwks", "default", "/jwks" },
  { "/p/team/jwks", GH_ROUTE_PROJECT, "/jwks", "team", "/jwks" },
  /* The issuer itself, with and without its slash. */
  { "/", GH_ROUTE_PROJECT, "/", "default", "/" },
  { "/p/team", GH_ROUTE_PROJECT, "/", "team", "" },
  { "/p/team/", GH_ROUTE_PROJECT, "/", "team", "/" },
  /* One more segment, and only one. */
  { "/register", GH_ROUTE_PROJECT, "/register", "default", "/register" },
  { "/register/client_0123", GH_ROUTE_PROJECT, "/register/", "default", "/register/client_0123" },
  { "/p/team/register/client_0123", GH_ROUTE_PROJECT, "/register/", "team",
    "/register/client_0123" },
  { "/register/", .refusal = "No such endpoint" },
  { "/register/a/b", .refusal = "No such endpoint" },
  /* RFC 8414 path insertion, and the form OIDC Discovery appends. */
  { "/.well-known/oauth-authorization-server", GH_ROUTE_WELL_KNOWN,
    "oauth-authorization-server", "default", NULL },
  { "/.well-known/oauth-authorization-server/p/team", GH_ROUTE_WELL_KNOWN,
    "oauth-authorization-server", "team", NULL },
  { "/.well-known/openid-configuration/p/team", GH_ROUTE_WELL_KNOWN,
    "openid-configuration", "team", NULL },
  { "/.well-known/openid-configuration", GH_ROUTE_WELL_KNOWN,
    "openid-configuration", "default", NULL },
  { "/p/team/.well-known/openid-configuration", GH_ROUTE_WELL_KNOWN,
    "openid-configuration", "team", NULL },
  { "/.well-known/openid-configuration/p/default", .refusal = "No issuer at this path" },
  { "/.well-known/openid-configuration/elsewhere", .refusal = "No issuer at this path" },
  { "/.well-known/openid-configuration/p/Team", .refusal = "No issuer at this path" },
  { "/.well-known/change-password", .refusal = "No such well-known document" },
  { "/p/team/.well-known/change-password", .refusal = "No such well-known document" },
  { "/p/team/.well-known/openid-configuration/x", .refusal = "No such well-known document" },
  /* Project paths that name no project. */
  { "/p/default/token", .refusal = "The default project is served at the root issuer" },
  { "/p/Team/token", .refusal = "No such project" },
  { "/p/", .refusal = "No such project" },
  { "/p/-team/token", .refusal = "No such project" },
  /* Nothing is served there. */
  { "/tokens", .refusal = "No such endpoint" },
  { "/p/team/nothing", .refusal = "No such endpoint" },
  { "/token/", .refusal = "No such endpoint" },
  /* The admin API: server-wide, at the root only. */
  { "/admin/v1/projects", GH_ROUTE_SERVER, "/admin/v1/projects", NULL, "/admin/v1/projects" },
  { "/admin/v1/projects/team", GH_ROUTE_SERVER, "/admin/v1/projects/", NULL,
    "/admin/v1/projects/team" },
  { "/admin/v1/admin-tokens/adm_x", GH_ROUTE_SERVER, "/admin/v1/admin-tokens/", NULL,
    "/admin/v1/admin-tokens/adm_x" },
  { "/admin/v1/projects/team/audit", GH_ROUTE_SERVER, "/admin/v1/projects/*/audit", NULL,
    "/admin/v1/projects/team/audit" },
  { "/admin/v1/projects/team/refresh-families/f1", GH_ROUTE_SERVER,
    "/admin/v1/projects/*/refresh-families/*", NULL,
    "/admin/v1/projects/team/refresh-families/f1" },
  { "/admin/v1/projects/team/refresh-families/f1/x", .refusal = "No such endpoint" },
  { "/admin/v1/projects/team/refresh-families/f1/revoke", GH_ROUTE_SERVER,
    "/admin/v1/projects/*/refresh-families/*/revoke", NULL,
    "/admin/v1/projects/team/refresh-families/f1/revoke" },
  { "/admin/v1/projects/team/tokens/j1", GH_ROUTE_SERVER, "/admin/v1/projects/*/tokens/*", NULL,
    "/admin/v1/projects/team/tokens/j1" },
  /* "**": the rest, slashes and all (a client id that is a URL). */
  { "/admin/v1/projects/team/clients/app", GH_ROUTE_SERVER, "/admin/v1/projects/*/clients/**",
    NULL, "/admin/v1/projects/team/clients/app" },
  { "/admin/v1/projects/team/clients/https://a.example/c.json/refresh", GH_ROUTE_SERVER,
    "/admin/v1/projects/*/clients/**", NULL,
    "/admin/v1/projects/team/clients/https://a.example/c.json/refresh" },
  { "/admin/v1/projects/team/clients/import", GH_ROUTE_SERVER,
    "/admin/v1/projects/*/clients/import", NULL, "/admin/v1/projects/team/clients/import" },
  { "/admin/v1/projects/team/clients/", .refusal = "No such endpoint" },
  { "/admin/v1/projects/team/x", .refusal = "No such endpoint" },
  { "/admin/v1/projects//audit", .refusal = "No such endpoint" },
  { "/admin/v1/projects/team/audit/x", .refusal = "No such endpoint" },
  { "/admin/v1/projects/team/auditx", .refusal = "No such endpoint" },
  { "/admin/v1/projects/", .refusal = "No such endpoint" },
  { "/p/team/admin/v1/projects", .refusal = "No such endpoint" },
  { "/admin/v1/status", .refusal = "No such endpoint" },
};

static void
test_match (void)
{
  guint n_routes = 0;
  const GhRoute *routes = gh_router_get_routes (&n_routes);

  for (guint i = 0; i < G_N_ELEMENTS (match_rows); i++)
    {
      g_auto(GhRouteMatch) match = { 0 };
      gboolean found = gh_router_match (routes, n_routes, match_rows[i].path, &match);

      g_test_message ("path %s", match_rows[i].path);
      if (match_rows[i].refusal != NULL)
        {
          g_assert_false (found);
          g_assert_null (match.route);
          g_assert_null (match.slug);
          g_assert_cmpstr (match.refusal, ==, match_rows[i].refusal);
          continue;
        }
      g_assert_true (found);
      g_assert_nonnull (match.route);
      g_assert_cmpint (match.route->kind, ==, match_rows[i].kind);
      g_assert_cmpstr (match.route->path, ==, match_rows[i].route);
      g_assert_cmpstr (match.slug, ==, match_rows[i].slug);
      if (match_rows[i].below != NULL)
        g_assert_cmpstr (match.path, ==, match_rows[i].below);
    }
}

/* Every project route is served below the root issuer and below any project's. */
static void
test_project_routes_everywhere (void)
{
  guint n_routes = 0;
  const GhRoute *routes = gh_router_get_routes (&n_routes);

  for (guint i = 0; i < n_routes; i++)
    {
      const char *suffix = routes[i].prefix ? "client_x" : "";
      g_autofree char *root = g_strconcat (routes[i].path, suffix, NULL);
      g_autofree char *below = g_strconcat ("/p/some-project", routes[i].path, suffix, NULL);
      g_auto(GhRouteMatch) at_root = { 0 };
      g_auto(GhRouteMatch) at_project = { 0 };

      if (routes[i].kind != GH_ROUTE_PROJECT)
        continue;
      g_assert_true (gh_router_match (routes, n_routes, root, &at_root));
      g_assert_true (at_root.route == &routes[i]);
      g_assert_cmpstr (at_root.slug, ==, GH_DEFAULT_PROJECT);
      g_assert_true (gh_router_match (routes, n_routes, below, &at_project));
      g_assert_true (at_project.route == &routes[i]);
      g_assert_cmpstr (at_project.slug, ==, "some-project");
    }
}

static void
dummy_handler (GhRequest *request)
{
}

/* Server-wide routes (the admin API's kind): at the root only, before any project's, with no
 * project looked for. */
static void
test_server_routes (void)
{
  static const GhRoute table[] = {
    { GH_ROUTE_SERVER, "/admin/v1/status", FALSE, "GET", GH_ROUTE_AUTH_NONE,
      GH_ROUTE_NEEDS_NOTHING, dummy_handler },
    { GH_ROUTE_SERVER, "/admin/v1/projects/", TRUE, "GET", GH_ROUTE_AUTH_NONE,
      GH_ROUTE_NEEDS_NOTHING, dummy_handler },
    { GH_ROUTE_PROJECT, "/status", FALSE, "GET", GH_ROUTE_AUTH_NONE,
      GH_ROUTE_NEEDS_PROJECT, dummy_handler },
  };
  g_auto(GhRouteMatch) status = { 0 };
  g_auto(GhRouteMatch) project = { 0 };
  g_auto(GhRouteMatch) below_project = { 0 };
  g_auto(GhRouteMatch) nested = { 0 };
  g_auto(GhRouteMatch) project_status = { 0 };

  g_assert_true (gh_router_match (table, G_N_ELEMENTS (table), "/admin/v1/status", &status));
  g_assert_true (status.route == &table[0]);
  g_assert_null (status.slug);
  g_assert_cmpstr (status.path, ==, "/admin/v1/status");

  g_assert_true (gh_router_match (table, G_N_ELEMENTS (table), "/admin/v1/projects/team",
                                  &project));
  g_assert_true (project.route == &table[1]);
  g_assert_null (project.slug);

  /* Not below a project's issuer. */
  g_assert_false (gh_router_match (table, G_N_ELEMENTS (table), "/p/team/admin/v1/status",
                                   &below_project));
  g_assert_cmpstr (below_project.refusal, ==, "No such endpoint");
  g_assert_false (gh_router_match (table, G_N_ELEMENTS (table), "/admin/v1/projects/a/b",
                                   &nested));
  g_assert_cmpstr (nested.refusal, ==, "No such endpoint");

  g_assert_true (gh_router_match (table, G_N_ELEMENTS (table), "/p/team/status",
                                  &project_status));
  g_assert_true (project_status.route == &table[2]);
  g_assert_cmpstr (project_status.slug, ==, "team");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/router/table", test_table);
  g_test_add_func ("/core/router/match", test_match);
  g_test_add_func ("/core/router/project-routes-everywhere", test_project_routes_everywhere);
  g_test_add_func ("/core/router/server-routes", test_server_routes);

  return g_test_run ();
}
