/* test-openapi.c — docs/openapi.json, as GET /admin/v1/openapi.json serves it, against the
 * routes the server registers (every admin route and method documented, every documented
 * path and method served) and against what a few routes really answer
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
  char *authorization;   /* "Bearer <admin token>" */
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

  gh_test_server_setup (&fixture->server, data);
  token = gh_admin_tokens_create (gh_server_get_admin_tokens (fixture->server.server), "test", 0,
                                  "test", &secret, &error);
  g_assert_no_error (error);
  url = g_strconcat (fixture->server.issuer, "/admin/v1/openapi.json", NULL);
  fixture->authorization = g_strconcat ("Bearer ", secret, NULL);
  response = gh_test_http (fixture->server.session, "GET", url,
                           GH_TEST_PAIRS ("Authorization", fixture->authorization), NULL, NULL);
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
  g_clear_pointer (&fixture->authorization, g_free);
  gh_test_server_teardown (&fixture->server, data);
}

/* @path with each {parameter} replaced by a sample segment; {client_id} by a CIMD client's
 * id, a URL sent as it is, slashes and all, which only the clients/ "**" row takes whole. */
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
      if (g_str_has_prefix (p, "{client_id}"))
        g_string_append (out, "https://client.example/mcp/client.json");
      else
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
  g_autofree char *tail_joined = NULL;
  g_auto(GStrv) tails = g_strsplit (route->path, "**", -1);
  g_auto(GStrv) parts = NULL;

  /* "**" takes the rest of the path, slashes included */
  tail_joined = g_strjoinv ("sample/sample", tails);
  parts = g_strsplit (tail_joined, "*", -1);
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

/* @object, or what its "$ref" (#/components/KIND/NAME) names in @document. */
static JsonObject *
resolve_ref (JsonObject *document,
             JsonObject *object)
{
  const char *ref = json_object_get_string_member_with_default (object, "$ref", NULL);
  g_auto(GStrv) parts = NULL;
  JsonObject *kind;

  if (ref == NULL)
    return object;
  parts = g_strsplit (ref, "/", -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 4);
  g_assert_cmpstr (parts[0], ==, "#");
  g_assert_cmpstr (parts[1], ==, "components");
  kind = json_object_get_object_member (json_object_get_object_member (document, "components"),
                                        parts[2]);
  g_assert_nonnull (kind);
  g_assert_true (json_object_has_member (kind, parts[3]));
  return json_object_get_object_member (kind, parts[3]);
}

/* Whether @node is of the JSON Schema type @type. */
static gboolean
node_has_type (JsonNode   *node,
               const char *type)
{
  GType value_type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : 0;

  if (g_str_equal (type, "null"))
    return JSON_NODE_HOLDS_NULL (node);
  if (g_str_equal (type, "object"))
    return JSON_NODE_HOLDS_OBJECT (node);
  if (g_str_equal (type, "array"))
    return JSON_NODE_HOLDS_ARRAY (node);
  if (g_str_equal (type, "string"))
    return value_type == G_TYPE_STRING;
  if (g_str_equal (type, "boolean"))
    return value_type == G_TYPE_BOOLEAN;
  if (g_str_equal (type, "integer"))
    return value_type == G_TYPE_INT64;
  if (g_str_equal (type, "number"))
    return value_type == G_TYPE_INT64 || value_type == G_TYPE_DOUBLE;
  g_error ("Unknown JSON Schema type “%s”", type);
}

/* Whether @node matches @schema's "type" (a name or a list of names; none: any), or its
 * "const". */
static gboolean
node_matches_type (JsonNode   *node,
                   JsonObject *schema)
{
  JsonNode *type = json_object_get_member (schema, "type");
  JsonNode *constant = json_object_get_member (schema, "const");

  if (constant != NULL)
    return json_node_equal (node, constant);
  if (type == NULL)
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (type))
    return node_has_type (node, json_node_get_string (type));
  for (guint i = 0; i < json_array_get_length (json_node_get_array (type)); i++)
    if (node_has_type (node, json_array_get_string_element (json_node_get_array (type), i)))
      return TRUE;
  return FALSE;
}

/* Appends to @problems how @answer's top-level members differ from @schema: a required
 * member missing, a member the schema does not list while it allows no others, a member of
 * another JSON type than its property's. */
static void
check_top_level (JsonObject *document,
                 JsonObject *schema,
                 JsonObject *answer,
                 const char *what,
                 GString    *problems)
{
  JsonObject *properties;
  JsonArray *required;
  JsonNode *additional;
  g_autoptr(GList) members = json_object_get_members (answer);

  schema = resolve_ref (document, schema);
  g_assert_cmpstr (json_object_get_string_member (schema, "type"), ==, "object");
  properties = json_object_get_object_member (schema, "properties");
  g_assert_nonnull (properties);
  required = json_object_get_array_member (schema, "required");
  for (guint i = 0; required != NULL && i < json_array_get_length (required); i++)
    if (!json_object_has_member (answer, json_array_get_string_element (required, i)))
      g_string_append_printf (problems, "  %s: the required member “%s” is missing\n", what,
                              json_array_get_string_element (required, i));
  additional = json_object_get_member (schema, "additionalProperties");
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonObject *property;

      if (!json_object_has_member (properties, l->data))
        {
          if (additional != NULL && JSON_NODE_HOLDS_VALUE (additional) &&
              !json_node_get_boolean (additional))
            g_string_append_printf (problems, "  %s: “%s” is sent but not documented\n", what,
                                    (const char *) l->data);
          continue;
        }
      property = resolve_ref (document, json_object_get_object_member (properties, l->data));
      if (!node_matches_type (json_object_get_member (answer, l->data), property))
        g_string_append_printf (problems, "  %s: “%s” is a %s, not what the schema says\n", what,
                                (const char *) l->data,
                                json_node_type_name (json_object_get_member (answer, l->data)));
    }
}

/* Calls @method @path (a real request, with @body as JSON when not NULL), asserts the answer
 * is @status, and checks its top-level members against what the document says @doc_path
 * answers with that status. Returns the answer. */
static JsonObject *
call_and_check (Fixture    *fixture,
                const char *method,
                const char *doc_path,
                const char *path,
                const char *body,
                guint       status,
                GString    *problems)
{
  g_autofree char *url = g_strconcat (fixture->server.issuer, path, NULL);
  g_autofree char *lower = g_ascii_strdown (method, -1);
  g_autofree char *code = g_strdup_printf ("%u", status);
  g_autofree char *what = g_strdup_printf ("%s %s (%u)", method, path, status);
  g_autoptr(GhTestResponse) response = NULL;
  JsonObject *paths, *operation, *responses, *content, *answer;

  response = gh_test_http (fixture->server.session, method, url,
                           GH_TEST_PAIRS ("Authorization", fixture->authorization),
                           body != NULL ? "application/json" : NULL, body);
  g_test_message ("%s", what);
  g_assert_cmpuint (response->status, ==, status);
  answer = gh_test_response_json (response);
  paths = json_object_get_object_member (fixture->document, "paths");
  g_assert_true (json_object_has_member (paths, doc_path));
  operation = json_object_get_object_member (json_object_get_object_member (paths, doc_path),
                                             lower);
  g_assert_nonnull (operation);
  responses = json_object_get_object_member (operation, "responses");
  g_assert_true (json_object_has_member (responses, code));
  content = json_object_get_object_member (
              resolve_ref (fixture->document, json_object_get_object_member (responses, code)),
              "content");
  g_assert_nonnull (content);
  check_top_level (fixture->document,
                   json_object_get_object_member (
                     json_object_get_object_member (content, "application/json"), "schema"),
                   answer, what, problems);
  return answer;
}

/* What the server really answers matches what the document says it answers: a few routes,
 * called for real, their answers' top-level members against the documented schema. */
static void
test_answers_documented (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GString) problems = g_string_new (NULL);
  g_autoptr(JsonObject) answer = NULL;

#define CHECK(method, doc_path, path, body, status) \
  G_STMT_START { \
    g_clear_pointer (&answer, json_object_unref); \
    answer = call_and_check (fixture, method, doc_path, path, body, status, problems); \
  } G_STMT_END
  CHECK ("POST", "/admin/v1/projects", "/admin/v1/projects", "{\"slug\": \"demo\"}", 201);
  CHECK ("GET", "/admin/v1/projects", "/admin/v1/projects", NULL, 200);
  CHECK ("POST", "/admin/v1/projects", "/admin/v1/projects", "{\"slug\": \"demo\"}", 409);
  CHECK ("POST", "/admin/v1/projects", "/admin/v1/projects", "{\"slugs\": \"demo\"}", 400);
  CHECK ("POST", "/admin/v1/projects/{slug}/iats", "/admin/v1/projects/demo/iats",
         "{\"label\": \"ci\", \"max_uses\": 2}", 201);
  CHECK ("GET", "/admin/v1/projects/{slug}/iats", "/admin/v1/projects/demo/iats", NULL, 200);
  CHECK ("GET", "/admin/v1/projects/{slug}/audit", "/admin/v1/projects/demo/audit?limit=5",
         NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (answer, "events")),
                    >, 0);
  check_top_level (fixture->document, json_object_get_object_member (
                     json_object_get_object_member (
                       json_object_get_object_member (fixture->document, "components"),
                       "schemas"), "AuditEvent"),
                   json_array_get_object_element (json_object_get_array_member (answer,
                                                                                "events"), 0),
                   "an audit event", problems);
  CHECK ("GET", "/admin/v1/projects/{slug}/flows", "/admin/v1/projects/demo/flows", NULL, 200);
  CHECK ("GET", "/admin/v1/projects/{slug}/summary", "/admin/v1/projects/demo/summary", NULL,
         200);
  CHECK ("GET", "/admin/v1/projects/{slug}/compat", "/admin/v1/projects/demo/compat", NULL,
         200);
  CHECK ("POST", "/admin/v1/projects/{slug}/tokens/inspect",
         "/admin/v1/projects/demo/tokens/inspect", "{\"token\": \"not-a-token\"}", 200);
  CHECK ("GET", "/admin/v1/projects/{slug}/tokens/{jti}",
         "/admin/v1/projects/demo/tokens/no-such-jti", NULL, 404);
  CHECK ("POST", "/admin/v1/projects/{slug}/refresh-families/{id}/revoke",
         "/admin/v1/projects/demo/refresh-families/no-such-family/revoke", NULL, 404);
  CHECK ("GET", "/admin/v1/projects/{slug}/clients/{client_id}",
         "/admin/v1/projects/demo/clients/https://client.example/none.json", NULL, 404);
  CHECK ("GET", "/admin/v1/projects/{slug}/clients",
         "/admin/v1/projects/demo/clients?deleted=true", NULL, 200);
  g_assert_true (json_object_has_member (answer, "tombstones"));
  CHECK ("GET", "/admin/v1/admin-tokens", "/admin/v1/admin-tokens", NULL, 200);
#undef CHECK

  if (problems->len > 0)
    {
      g_printerr ("Answers that differ from docs/openapi.json:\n%s", problems->str);
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
  ADD ("answers-documented", test_answers_documented);
  ADD ("documented-served", test_documented_served);
#undef ADD

  return g_test_run ();
}
