/* test-openapi.c — docs/openapi.json, as GET /admin/v1/openapi.json serves it, against the
 * routes the server registers: every admin route and method documented, every documented
 * path and method served
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-admin-tokens.h"
#include "gh-router.h"
#include "gh-test-util.h"

/* The methods an OpenAPI path item may hold (OpenAPI 3.1 §4.8.9). */
static const char * const openapi_methods[] = {
  "get", "put", "post", "delete", "options", "head", "patch", "trace",
};

typedef struct
{
  GhTestServer server;
  JsonObject *document;  /* as served */
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhAdminToken) token = NULL;
  g_autoptr(GhTestResponse) response = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *url = NULL;
  g_autofree char *authorization = NULL;

  gh_test_server_setup (&fixture->server, data);
  token = gh_admin_tokens_create (gh_server_get_admin_tokens (fixture->server.server), "test", 0,
                                  "test", &secret, &error);
  g_assert_no_error (error);
  url = g_strconcat (fixture->server.issuer, "/admin/v1/openapi.json", NULL);
  authorization = g_strconcat ("Bearer ", secret, NULL);
  response = gh_test_http (fixture->server.session, "GET", url,
                           GH_TEST_PAIRS ("Authorization", authorization), NULL, NULL);
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpstr (gh_test_response_header (response, "Content-Type"), ==, "application/json");
  g_assert_nonnull (strstr (gh_test_response_header (response, "Cache-Control"), "no-store"));
  fixture->document = gh_test_response_json (response);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_pointer (&fixture->document, json_object_unref);
  gh_test_server_teardown (&fixture->server, data);
}

/* @path with each {parameter} replaced by a sample segment. */
static char *
concrete_path (const char *path)
{
  GString *out = g_string_new (NULL);

  for (const char *p = path; *p != '\0'; p++)
    {
      const char *close;

      if (*p != '{' || (close = strchr (p, '}')) == NULL)
        {
          g_string_append_c (out, *p);
          continue;
        }
      g_string_append (out, "sample");
      p = close;
    }
  return g_string_free (out, FALSE);
}

/* Whether @methods ("GET, PATCH") holds @method (upper case), as a whole word. */
static gboolean
route_takes (const GhRoute *route,
             const char    *method)
{
  g_auto(GStrv) methods = g_strsplit (route->methods != NULL ? route->methods : "", ", ", -1);

  return g_strv_contains ((const char * const *) methods, method);
}

/* The route the router picks for @path, or NULL. */
static const GhRoute *
route_of (const char *path)
{
  g_auto(GhRouteMatch) match = { 0 };
  const GhRoute *routes;
  guint n_routes;

  routes = gh_router_get_routes (&n_routes);
  if (!gh_router_match (routes, n_routes, path, &match))
    return NULL;
  return match.route;
}

/* @route's path as one request would have it: each '*', and a prefix route's last segment,
 * a sample segment. */
static char *
route_sample_path (const GhRoute *route)
{
  g_autofree char *path = NULL;
  g_auto(GStrv) parts = g_strsplit (route->path, "*", -1);

  path = g_strjoinv ("sample", parts);
  return g_strconcat (path, route->prefix ? "sample" : "", NULL);
}

/* The document's shape: OpenAPI 3.1, a bearer scheme required everywhere, and every
 * operation's errors as {error, error_description}. */
static void
test_document (Fixture       *fixture,
               gconstpointer  data)
{
  JsonObject *components;
  JsonObject *scheme;
  JsonObject *error_schema;
  JsonObject *paths;
  JsonArray *security;
  JsonArray *required;
  g_autoptr(GList) names = NULL;
  guint operations = 0;

  g_assert_true (g_str_has_prefix (json_object_get_string_member (fixture->document, "openapi"),
                                   "3.1."));
  components = json_object_get_object_member (fixture->document, "components");
  scheme = json_object_get_object_member (
             json_object_get_object_member (components, "securitySchemes"), "adminToken");
  g_assert_cmpstr (json_object_get_string_member (scheme, "type"), ==, "http");
  g_assert_cmpstr (json_object_get_string_member (scheme, "scheme"), ==, "bearer");
  security = json_object_get_array_member (fixture->document, "security");
  g_assert_cmpuint (json_array_get_length (security), ==, 1);
  g_assert_true (json_object_has_member (json_array_get_object_element (security, 0),
                                         "adminToken"));
  error_schema = json_object_get_object_member (
                   json_object_get_object_member (components, "schemas"), "Error");
  required = json_object_get_array_member (error_schema, "required");
  g_assert_cmpuint (json_array_get_length (required), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (required, 0), ==, "error");
  g_assert_cmpstr (json_array_get_string_element (required, 1), ==, "error_description");

  paths = json_object_get_object_member (fixture->document, "paths");
  names = json_object_get_members (paths);
  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonObject *item = json_object_get_object_member (paths, l->data);

      g_assert_true (g_str_has_prefix (l->data, "/admin/v1/"));
      for (guint m = 0; m < G_N_ELEMENTS (openapi_methods); m++)
        {
          JsonObject *operation, *responses;

          if (!json_object_has_member (item, openapi_methods[m]))
            continue;
          operations++;
          operation = json_object_get_object_member (item, openapi_methods[m]);
          g_assert_true (json_object_has_member (operation, "operationId"));
          responses = json_object_get_object_member (operation, "responses");
          g_test_message ("%s %s", openapi_methods[m], (const char *) l->data);
          /* The router's answer to a bad token, and the error table's to a bad request */
          g_assert_true (json_object_has_member (responses, "401"));
          g_assert_true (json_object_has_member (responses, "400"));
        }
    }
  g_assert_cmpuint (operations, >=, 30);
}

/* Every admin route of the router's table, with each method it takes, is documented: some
 * documented path, with that method, reaches that route. */
static void
test_routes_documented (Fixture       *fixture,
                        gconstpointer  data)
{
  JsonObject *paths = json_object_get_object_member (fixture->document, "paths");
  g_autoptr(GList) names = json_object_get_members (paths);
  g_autoptr(GString) missing = g_string_new (NULL);
  const GhRoute *routes;
  guint n_routes;

  routes = gh_router_get_routes (&n_routes);
  for (guint r = 0; r < n_routes; r++)
    {
      g_auto(GStrv) methods = NULL;

      if (routes[r].auth != GH_ROUTE_AUTH_ADMIN)
        continue;
      methods = g_strsplit (routes[r].methods, ", ", -1);
      for (guint m = 0; methods[m] != NULL; m++)
        {
          g_autofree char *lower = g_ascii_strdown (methods[m], -1);
          gboolean documented = FALSE;

          for (GList *l = names; !documented && l != NULL; l = l->next)
            {
              JsonObject *item = json_object_get_object_member (paths, l->data);
              g_autofree char *path = concrete_path (l->data);

              documented = json_object_has_member (item, lower) && route_of (path) == &routes[r];
            }
          if (!documented)
            {
              g_autofree char *sample = route_sample_path (&routes[r]);

              g_string_append_printf (missing, "  %s %s%s (e.g. %s)\n", methods[m],
                                      routes[r].path, routes[r].prefix ? "{...}" : "", sample);
            }
        }
    }
  if (missing->len > 0)
    {
      g_printerr ("Served by the router but not in docs/openapi.json:\n%s", missing->str);
      g_test_fail ();
    }
}

/* Every documented path and method is served: the router sends it to an admin route that
 * takes the method. */
static void
test_documented_served (Fixture       *fixture,
                        gconstpointer  data)
{
  JsonObject *paths = json_object_get_object_member (fixture->document, "paths");
  g_autoptr(GList) names = json_object_get_members (paths);
  g_autoptr(GString) missing = g_string_new (NULL);
  guint n_missing = 0;

  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonObject *item = json_object_get_object_member (paths, l->data);
      g_autofree char *path = concrete_path (l->data);
      const GhRoute *route = route_of (path);

      for (guint m = 0; m < G_N_ELEMENTS (openapi_methods); m++)
        {
          g_autofree char *upper = g_ascii_strup (openapi_methods[m], -1);

          if (!json_object_has_member (item, openapi_methods[m]))
            continue;
          if (route == NULL || route->auth != GH_ROUTE_AUTH_ADMIN || !route_takes (route, upper))
            {
              g_string_append_printf (missing, "  %s %s (%s)\n", upper, (const char *) l->data,
                                      route == NULL ? "no route" :
                                      route->auth != GH_ROUTE_AUTH_ADMIN ? "not an admin route" :
                                      "the route does not take the method");
              n_missing++;
            }
        }
    }
  if (missing->len > 0)
    {
      g_printerr ("%u operations documented in docs/openapi.json that the router does not "
                  "serve:\n%s", n_missing, missing->str);
      g_test_fail ();
    }
}

/* The route itself needs a token (the table-driven 401 test in test-admin covers the rest). */
static void
test_needs_token (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *url = g_strconcat (fixture->server.issuer, "/admin/v1/openapi.json", NULL);
  g_autoptr(GhTestResponse) response = gh_test_http (fixture->server.session, "GET", url, NULL,
                                                     NULL, NULL);

  g_assert_cmpuint (response->status, ==, 401);
  g_assert_nonnull (gh_test_response_header (response, "WWW-Authenticate"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/server/openapi/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("document", test_document);
  ADD ("needs-token", test_needs_token);
  ADD ("routes-documented", test_routes_documented);
  ADD ("documented-served", test_documented_served);
#undef ADD

  return g_test_run ();
}
