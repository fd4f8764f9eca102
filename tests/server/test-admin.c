/* test-admin.c — the admin API over a real server: admin tokens, the router's check of them on
 * every admin route, the routes' answers, and the admin-token commands
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-admin-tokens.h"
#include "gh-error.h"
#include "gh-router.h"
#include "gh-test-util.h"

typedef struct
{
  GhTestServer server;
  char *token;  /* a valid admin token */
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhAdminToken) token = NULL;

  gh_test_server_setup (&fixture->server, data);
  /* The tests below fail many times from 127.0.0.1; the limit has a test of its own. */
  gh_admin_tokens_set_failure_limit (gh_server_get_admin_tokens (fixture->server.server), 0);
  token = gh_admin_tokens_create (gh_server_get_admin_tokens (fixture->server.server), "test", 0,
                                  "test", &fixture->token, &error);
  g_assert_no_error (error);
  g_assert_nonnull (token);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_pointer (&fixture->token, g_free);
  gh_test_server_teardown (&fixture->server, data);
}

/* One admin request; @token NULL: no Authorization header; @body: JSON text or NULL. */
static GhTestResponse *
admin (Fixture    *fixture,
       const char *method,
       const char *path,
       const char *token,
       const char *body)
{
  g_autofree char *url = g_strconcat (fixture->server.issuer, path, NULL);
  g_autofree char *authorization = token != NULL ? g_strconcat ("Bearer ", token, NULL) : NULL;
  const char *headers[] = { "Authorization", authorization, "Origin", "https://evil.example",
                            NULL };

  return gh_test_http (fixture->server.session, method, url,
                       token != NULL ? headers : headers + 2,
                       body != NULL ? "application/json" : NULL, body);
}

/* Asserts @response is @status with the error code @error whose description has @says. */
static void
assert_error (GhTestResponse *response,
              guint           status,
              const char     *error,
              const char     *says)
{
  g_autoptr(JsonObject) object = NULL;

  g_assert_cmpuint (response->status, ==, status);
  object = gh_test_response_json (response);
  g_assert_cmpstr (json_object_get_string_member (object, "error"), ==, error);
  if (says != NULL)
    g_assert_nonnull (strstr (json_object_get_string_member (object, "error_description"),
                              says));
  g_assert_null (gh_test_response_header (response, "Access-Control-Allow-Origin"));
}

/* A token as it is after @sql ran on its row ("UPDATE admin_tokens SET ... WHERE id = ?"). */
static char *
make_token (Fixture    *fixture,
            const char *sql)
{
  GhStore *store = gh_server_get_store (fixture->server.server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhAdminToken) token = NULL;
  g_autoptr(GhStmt) stmt = NULL;
  char *secret = NULL;

  token = gh_admin_tokens_create (gh_server_get_admin_tokens (fixture->server.server), "x", 0,
                                  "test", &secret, &error);
  g_assert_no_error (error);
  stmt = gh_store_prepare (store, sql, &error);
  g_assert_no_error (error);
  gh_stmt_bind_text (stmt, 1, token->id);
  g_assert_true (gh_store_step (store, stmt, NULL, &error));
  g_assert_no_error (error);
  return secret;
}

/* Every admin route of the router's table, with every method it takes: no token, a wrong, a
 * malformed, a revoked and an expired one, another scheme: 401 with a Bearer challenge, no
 * CORS, and an admin.auth_failed event each time. */
static void
test_every_route_needs_a_token (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autofree char *revoked = make_token (fixture, "UPDATE admin_tokens SET revoked_at = 1 "
                                                  "WHERE id = ?");
  g_autofree char *expired = make_token (fixture, "UPDATE admin_tokens SET expires_at = 1 "
                                                  "WHERE id = ?");
  const struct {
    const char *token;
    const char *reason;
  } cases[] = {
    { NULL, "missing" },
    { "ghat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "unknown" },
    { "iatk_not-an-admin-token", "malformed" },
    { revoked, "revoked" },
    { expired, "expired" },
  };
  const GhRoute *routes;
  guint n_routes;
  guint n_admin = 0;

  routes = gh_router_get_routes (&n_routes);
  for (guint r = 0; r < n_routes; r++)
    {
      g_auto(GStrv) methods = NULL;
      g_autofree char *path = NULL;

      if (routes[r].auth != GH_ROUTE_AUTH_ADMIN)
        continue;
      n_admin++;
      g_assert_cmpint (routes[r].kind, ==, GH_ROUTE_SERVER);
      g_assert_true (g_str_has_prefix (routes[r].path, "/admin/v1/"));
      {
        /* A slug or an id for each '*' and for a prefix route's last segment */
        g_auto(GStrv) parts = g_strsplit (routes[r].path, "*", -1);
        g_autofree char *joined = g_strjoinv ("default", parts);

        path = g_strconcat (joined, routes[r].prefix ? "default" : "", NULL);
      }
      methods = g_strsplit (routes[r].methods, ", ", -1);
      for (guint m = 0; methods[m] != NULL; m++)
        for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
          {
            g_autoptr(GhTestResponse) response = NULL;
            g_autoptr(JsonObject) details = NULL;
            guint before = gh_test_server_count_audit (&fixture->server, "admin.auth_failed");
            const char *challenge;

            g_test_message ("%s %s, %s token", methods[m], path, cases[c].reason);
            response = admin (fixture, methods[m], path, cases[c].token,
                              g_str_equal (methods[m], "GET") ||
                              g_str_equal (methods[m], "DELETE") ? NULL : "{}");
            assert_error (response, 401, "invalid_token", NULL);
            challenge = gh_test_response_header (response, "WWW-Authenticate");
            g_assert_nonnull (challenge);
            g_assert_true (g_str_has_prefix (challenge, "Bearer realm=\"gatehouse-admin\""));
            /* RFC 6750 §3: no error code when no token was sent at all. */
            g_assert_true ((strstr (challenge, "error=") != NULL) == (cases[c].token != NULL));
            g_assert_cmpuint (gh_test_server_count_audit (&fixture->server, "admin.auth_failed"),
                              ==, before + 1);
            details = gh_test_server_last_audit (&fixture->server, "admin.auth_failed");
            g_assert_cmpstr (json_object_get_string_member (details, "reason"), ==,
                             cases[c].reason);
            g_assert_cmpstr (json_object_get_string_member (details, "@outcome"), ==, "failure");
          }
    }
  g_assert_cmpuint (n_admin, >=, 5);

  /* Another scheme is no admin token either. */
  {
    g_autofree char *url = g_strconcat (fixture->server.issuer, "/admin/v1/server", NULL);
    g_autoptr(GhTestResponse) response =
      gh_test_http (fixture->server.session, "GET", url,
                    GH_TEST_PAIRS ("Authorization", "Basic YTpi"), NULL, NULL);

    assert_error (response, 401, "invalid_token", NULL);
  }
}

/* An address that failed too often is refused (429) whatever wrong token it presents, for
 * the rest of the minute; a valid token still passes (others behind the same address must not
 * lock an admin out); another address is not limited. */
static void
test_failure_limit (Fixture       *fixture,
                    gconstpointer  data)
{
  GhAdminTokens *tokens = gh_server_get_admin_tokens (fixture->server.server);
  g_autoptr(GhTestResponse) limited = NULL;
  g_autoptr(GhTestResponse) missing = NULL;
  g_autoptr(GhTestResponse) valid = NULL;
  g_autoptr(GhAdminToken) verified = NULL;
  g_autoptr(JsonObject) details = NULL;
  g_autoptr(GError) error = NULL;

  gh_admin_tokens_set_failure_limit (tokens, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GhTestResponse) response = admin (fixture, "GET", "/admin/v1/server",
                                                  "ghat_wrong", NULL);

      assert_error (response, 401, "invalid_token", NULL);
    }
  limited = admin (fixture, "GET", "/admin/v1/server", "ghat_wrong", NULL);
  assert_error (limited, 429, "too_many_requests", "Too many failed");
  g_assert_cmpstr (gh_test_response_header (limited, "Retry-After"), ==, "60");
  g_assert_null (gh_test_response_header (limited, "WWW-Authenticate"));
  details = gh_test_server_last_audit (&fixture->server, "admin.auth_failed");
  g_assert_cmpstr (json_object_get_string_member (details, "reason"), ==, "rate_limited");
  missing = admin (fixture, "GET", "/admin/v1/server", NULL, NULL);
  assert_error (missing, 429, "too_many_requests", "Too many failed");

  valid = admin (fixture, "GET", "/admin/v1/server", fixture->token, NULL);
  g_assert_cmpuint (valid->status, ==, 200);

  verified = gh_admin_tokens_verify (tokens, "ghat_wrong", "192.0.2.1", NULL, &error);
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_TOKEN);
  g_assert_null (verified);
  g_clear_error (&error);
  verified = gh_admin_tokens_verify (tokens, "ghat_wrong", "127.0.0.1", NULL, &error);
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_TOO_MANY_REQUESTS);
  g_assert_null (verified);
  g_clear_error (&error);
  verified = gh_admin_tokens_verify (tokens, fixture->token, "127.0.0.1", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (verified);
  g_clear_pointer (&verified, gh_admin_token_free);

  /* Turning the limit off (or changing it) forgets what was counted. */
  gh_admin_tokens_set_failure_limit (tokens, 0);
  verified = gh_admin_tokens_verify (tokens, "ghat_wrong", "127.0.0.1", NULL, &error);
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_TOKEN);
  g_assert_null (verified);
}

/* No CORS on admin routes: a preflight is a method like any other, refused after the token. */
static void
test_no_cors (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GhTestResponse) options = admin (fixture, "OPTIONS", "/admin/v1/projects",
                                             fixture->token, NULL);
  g_autoptr(GhTestResponse) get = admin (fixture, "GET", "/admin/v1/projects", fixture->token,
                                         NULL);
  g_autoptr(GhTestResponse) wrong = admin (fixture, "PUT", "/admin/v1/projects/default",
                                           fixture->token, "{}");

  assert_error (options, 405, "method_not_allowed", NULL);
  g_assert_cmpstr (gh_test_response_header (options, "Allow"), ==, "GET, POST");
  g_assert_cmpuint (get->status, ==, 200);
  g_assert_null (gh_test_response_header (get, "Access-Control-Allow-Origin"));
  g_assert_cmpstr (gh_test_response_header (get, "Cache-Control"), ==, "no-store");
  assert_error (wrong, 405, "method_not_allowed", NULL);
}

static void
test_server (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GhTestResponse) response = admin (fixture, "GET", "/admin/v1/server",
                                              fixture->token, NULL);
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GPtrArray) keys = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *key_ids;

  g_assert_cmpuint (response->status, ==, 200);
  object = gh_test_response_json (response);
  g_assert_cmpstr (json_object_get_string_member (object, "version"), ==, PACKAGE_VERSION);
  g_assert_cmpint (json_object_get_int_member (object, "uptime_s"), >=, 0);
  g_assert_cmpstr (json_array_get_string_element (
                     json_object_get_array_member (object, "listen_urls"), 0),
                   ==, gh_server_get_listen_url (fixture->server.server));
  g_assert_false (json_object_get_boolean_member (object, "tls"));
  g_assert_cmpstr (json_object_get_string_member (object, "secret_backend"), ==,
                   gh_server_describe_secrets (fixture->server.server));
  keys = gh_signing_keys_list (gh_server_get_signing_keys (fixture->server.server), &error);
  g_assert_no_error (error);
  key_ids = json_object_get_array_member (object, "key_ids");
  g_assert_cmpuint (json_array_get_length (key_ids), ==, keys->len);
  g_assert_cmpuint (keys->len, >=, 1);

  /* The token's last use is recorded. */
  {
    g_autoptr(GPtrArray) tokens =
      gh_admin_tokens_list (gh_server_get_admin_tokens (fixture->server.server), &error);
    GhAdminToken *token;

    g_assert_no_error (error);
    token = g_ptr_array_index (tokens, 0);
    g_assert_cmpint (token->last_used_at, >, 0);
  }
}

static gboolean
projects_have (JsonObject *object,
               const char *slug)
{
  JsonArray *projects = json_object_get_array_member (object, "projects");

  for (guint i = 0; i < json_array_get_length (projects); i++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (projects, i),
                                                    "slug"), slug))
      return TRUE;
  return FALSE;
}

static void
test_projects (Fixture       *fixture,
               gconstpointer  data)
{
  const char *token = fixture->token;
  g_autoptr(GhTestResponse) list = admin (fixture, "GET", "/admin/v1/projects", token, NULL);
  g_autoptr(GhTestResponse) created = NULL;
  g_autoptr(GhTestResponse) shown = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonObject) project = NULL;
  g_autoptr(JsonObject) details = NULL;
  g_autofree char *issuer = NULL;

  g_assert_cmpuint (list->status, ==, 200);
  object = gh_test_response_json (list);
  g_assert_true (projects_have (object, "default"));
  g_assert_false (projects_have (object, "acme"));

  created = admin (fixture, "POST", "/admin/v1/projects", token,
                   "{\"slug\": \"acme\", \"display_name\": \"ACME\", \"profile\": \"production\"}");
  g_assert_cmpuint (created->status, ==, 201);
  project = gh_test_response_json (created);
  g_assert_cmpstr (json_object_get_string_member (project, "slug"), ==, "acme");
  g_assert_cmpstr (json_object_get_string_member (project, "display_name"), ==, "ACME");
  g_assert_cmpstr (json_object_get_string_member (project, "profile"), ==, "production");
  issuer = g_strconcat (fixture->server.issuer, "/p/acme", NULL);
  g_assert_cmpstr (json_object_get_string_member (project, "issuer"), ==, issuer);
  details = gh_test_server_last_audit (&fixture->server, "project.created");
  g_clear_pointer (&project, json_object_unref);

  shown = admin (fixture, "GET", "/admin/v1/projects/acme", token, NULL);
  g_assert_cmpuint (shown->status, ==, 200);
  project = gh_test_response_json (shown);
  g_assert_false (json_object_get_boolean_member (
                    json_object_get_object_member (project, "settings"), "mcp_enabled"));
}

static void
test_project_patch (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GhTestResponse) response = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonObject) details = NULL;
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *changes;
  gboolean cascaded = FALSE;

  gh_test_server_add_project (&fixture->server, "acme", "ACME", GH_SETTINGS_PROFILE_PRODUCTION);
  response = admin (fixture, "PATCH", "/admin/v1/projects/acme", fixture->token,
                    "{\"mcp_enabled\": true, \"code_ttl\": 30}");
  g_assert_cmpuint (response->status, ==, 200);
  object = gh_test_response_json (response);
  changes = json_object_get_array_member (object, "changes");
  for (guint i = 0; i < json_array_get_length (changes); i++)
    {
      JsonObject *change = json_array_get_object_element (changes, i);

      if (g_str_equal (json_object_get_string_member (change, "key"), "cimd_enabled"))
        {
          g_assert_cmpstr (json_object_get_string_member (change, "cascade_from"), ==,
                           "mcp_enabled");
          cascaded = TRUE;
        }
    }
  g_assert_true (cascaded);
  g_assert_true (json_object_get_boolean_member (
                   json_object_get_object_member (json_object_get_object_member (object,
                                                                                 "project"),
                                                  "settings"), "cimd_enabled"));
  project = gh_projects_get (gh_server_get_projects (fixture->server.server), "acme", &error);
  g_assert_no_error (error);
  g_assert_true (project->settings->mcp_enabled);
  g_assert_cmpint (project->settings->code_ttl, ==, 30);
  details = gh_test_server_last_audit (&fixture->server, "project.settings_changed");
  g_assert_nonnull (details);
}

/* What the routes refuse, and how. */
static void
test_bad_inputs (Fixture       *fixture,
                 gconstpointer  data)
{
  static const struct {
    const char *method;
    const char *path;
    const char *body;
    guint status;
    const char *error;
    const char *says;
  } rows[] = {
    { "POST", "/admin/v1/projects", "{\"slug\": \"x1\", \"colour\": \"red\"}", 400,
      "invalid_request", "colour" },
    { "POST", "/admin/v1/projects", "{\"display_name\": \"X\"}", 400, "invalid_request",
      "slug" },
    { "POST", "/admin/v1/projects", "{\"slug\": 5}", 400, "invalid_request", "slug" },
    { "POST", "/admin/v1/projects", "{\"slug\": \"Bad_Slug\"}", 400, "invalid_request", NULL },
    { "POST", "/admin/v1/projects", "{\"slug\": \"x2\", \"profile\": \"test\"}", 400,
      "invalid_request", "profile" },
    { "POST", "/admin/v1/projects", "{\"slug\": \"default\"}", 409, "conflict", "default" },
    { "POST", "/admin/v1/projects", "[1]", 400, "invalid_request", "JSON object" },
    { "POST", "/admin/v1/projects", "{\"slug\": \"a\", \"slug\": \"b\"}", 400,
      "invalid_request", NULL },
    { "GET", "/admin/v1/projects/nope", NULL, 404, "not_found", "nope" },
    { "GET", "/admin/v1/projects/Bad_Slug", NULL, 404, "not_found", NULL },
    { "PATCH", "/admin/v1/projects/nope", "{\"code_ttl\": 30}", 404, "not_found", NULL },
    { "PATCH", "/admin/v1/projects/default", "{\"bogus_key\": 1}", 400, "invalid_request",
      "bogus_key" },
    { "PATCH", "/admin/v1/projects/default", "{\"code_ttl\": 600}", 400, "invalid_request",
      "code_ttl" },
    { "PATCH", "/admin/v1/projects/default", "{\"dcr_mode\": \"sometimes\"}", 400,
      "invalid_request", "dcr_mode" },
    { "PATCH", "/admin/v1/projects/default", "{}", 400, "invalid_request", NULL },
    { "PATCH", "/admin/v1/projects/default", "not json", 400, "invalid_request", NULL },
    { "POST", "/admin/v1/admin-tokens", "{\"label\": \"x\", \"scope\": \"all\"}", 400,
      "invalid_request", "scope" },
    { "POST", "/admin/v1/admin-tokens", "{\"label\": \"a\\u001b[31mred\"}", 400,
      "invalid_request", "control characters" },
    { "POST", "/admin/v1/admin-tokens", "{\"expires_in\": \"soon\"}", 400, "invalid_request",
      "expires_in" },
    { "POST", "/admin/v1/admin-tokens", "{\"expires_in\": -1}", 400, "invalid_request",
      "expires_in" },
    { "DELETE", "/admin/v1/admin-tokens/adm_nope", NULL, 404, "not_found", "adm_nope" },
    { "GET", "/admin/v1/nothing-here", NULL, 404, "not_found", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GhTestResponse) response = NULL;

      g_test_message ("%s %s %s", rows[i].method, rows[i].path,
                      rows[i].body != NULL ? rows[i].body : "");
      response = admin (fixture, rows[i].method, rows[i].path, fixture->token, rows[i].body);
      if (rows[i].status == 404 && g_str_equal (rows[i].path, "/admin/v1/nothing-here"))
        g_assert_cmpuint (response->status, ==, 404);
      else
        assert_error (response, rows[i].status, rows[i].error, rows[i].says);
    }

  /* A body that is not declared JSON is refused too. */
  {
    g_autofree char *url = g_strconcat (fixture->server.issuer, "/admin/v1/projects", NULL);
    g_autofree char *authorization = g_strconcat ("Bearer ", fixture->token, NULL);
    g_autoptr(GhTestResponse) response =
      gh_test_http (fixture->server.session, "POST", url,
                    GH_TEST_PAIRS ("Authorization", authorization),
                    "application/x-www-form-urlencoded", "slug=form");

    assert_error (response, 400, "invalid_request", "application/json");
  }
}

static void
test_admin_tokens (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GhTestResponse) created = admin (fixture, "POST", "/admin/v1/admin-tokens",
                                             fixture->token,
                                             "{\"label\": \"ci\", \"expires_in\": 3600}");
  g_autoptr(GhTestResponse) list = NULL;
  g_autoptr(GhTestResponse) works = NULL;
  g_autoptr(GhTestResponse) deleted = NULL;
  g_autoptr(GhTestResponse) refused = NULL;
  g_autoptr(GhTestResponse) again = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonObject) details = NULL;
  g_autofree char *text = NULL;
  g_autofree char *path = NULL;
  JsonObject *token;
  const char *secret;
  const char *id;

  g_assert_cmpuint (created->status, ==, 201);
  object = gh_test_response_json (created);
  secret = json_object_get_string_member (object, "token");
  g_assert_true (g_str_has_prefix (secret, "ghat_"));
  token = json_object_get_object_member (object, "admin_token");
  id = json_object_get_string_member (token, "id");
  g_assert_cmpstr (json_object_get_string_member (token, "label"), ==, "ci");
  g_assert_cmpstr (json_object_get_string_member (token, "state"), ==, "active");
  g_assert_cmpint (json_object_get_int_member (token, "expires_at") -
                   json_object_get_int_member (token, "created_at"), ==, 3600);
  details = gh_test_server_last_audit (&fixture->server, "admin.token_created");
  g_assert_cmpstr (json_object_get_string_member (details, "admin_token_id"), ==, id);

  /* Listed, never with its secret (nor with its hash). */
  list = admin (fixture, "GET", "/admin/v1/admin-tokens", fixture->token, NULL);
  g_assert_cmpuint (list->status, ==, 200);
  text = gh_test_response_text (list);
  g_assert_nonnull (strstr (text, id));
  g_assert_null (strstr (text, secret));
  g_assert_null (strstr (text, secret + strlen ("ghat_")));
  g_assert_null (strstr (text, "hash"));

  works = admin (fixture, "GET", "/admin/v1/server", secret, NULL);
  g_assert_cmpuint (works->status, ==, 200);

  path = g_strconcat ("/admin/v1/admin-tokens/", id, NULL);
  deleted = admin (fixture, "DELETE", path, fixture->token, NULL);
  g_assert_cmpuint (deleted->status, ==, 204);
  g_clear_pointer (&details, json_object_unref);
  details = gh_test_server_last_audit (&fixture->server, "admin.token_revoked");
  g_assert_cmpstr (json_object_get_string_member (details, "admin_token_id"), ==, id);

  refused = admin (fixture, "GET", "/admin/v1/server", secret, NULL);
  assert_error (refused, 401, "invalid_token", "revoked");
  again = admin (fixture, "DELETE", path, fixture->token, NULL);
  assert_error (again, 404, "not_found", NULL);
}

/* gatehouse-server admin-token ... on the server's data directory: what it changes is in
 * effect at the running server's next request. */
static int
cli (Fixture            *fixture,
     const char * const *args,
     char              **out)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;

  g_strv_builder_add (builder, g_getenv ("GATEHOUSE_SERVER"));
  g_strv_builder_addv (builder, (const char **) args);
  g_strv_builder_add_many (builder, "--secrets=file", "--data-dir", fixture->server.dir, NULL);
  argv = g_strv_builder_end (builder);
  process = g_subprocess_newv ((const char * const *) argv,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, out, &err, &error));
  g_assert_no_error (error);
  g_test_message ("$ gatehouse-server %s %s\n%s%s", args[0], args[1], *out, err);
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}

#define CLI(fixture, out, ...) cli (fixture, (const char * const[]) { __VA_ARGS__, NULL }, out)

static void
test_cli (Fixture       *fixture,
          gconstpointer  data)
{
  g_autoptr(GRegex) token_line = g_regex_new ("^ghat_[A-Za-z0-9_-]{43}\n$", 0, 0, NULL);
  g_autofree char *secret = NULL;
  g_autofree char *table = NULL;
  g_autofree char *json = NULL;
  g_autofree char *revoked = NULL;
  g_autofree char *created_json = NULL;
  g_autofree char *out = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GhTestResponse) works = NULL;
  g_autoptr(GhTestResponse) refused = NULL;
  g_autoptr(JsonObject) listed = NULL;
  g_autoptr(JsonObject) created = NULL;
  JsonArray *tokens;
  const char *id = NULL;

  g_assert_cmpint (CLI (fixture, &secret, "admin-token", "create", "--label", "ci",
                        "--expires-in", "600"), ==, 0);
  g_assert_true (g_regex_match (token_line, secret, 0, NULL));
  g_strchomp (secret);

  g_assert_cmpint (CLI (fixture, &table, "admin-token", "list"), ==, 0);
  g_assert_true (g_str_has_prefix (table, "ID "));
  g_assert_nonnull (strstr (table, " ci "));
  g_assert_null (strstr (table, secret));
  g_assert_cmpint (CLI (fixture, &json, "admin-token", "list", "--json"), ==, 0);
  g_assert_null (strstr (json, secret));
  listed = gh_test_parse_object (json);
  tokens = json_object_get_array_member (listed, "admin_tokens");
  for (guint i = 0; i < json_array_get_length (tokens); i++)
    {
      JsonObject *token = json_array_get_object_element (tokens, i);

      if (g_str_equal (json_object_get_string_member (token, "label"), "ci"))
        id = json_object_get_string_member (token, "id");
    }
  g_assert_nonnull (id);

  works = admin (fixture, "GET", "/admin/v1/projects", secret, NULL);
  g_assert_cmpuint (works->status, ==, 200);

  g_assert_cmpint (CLI (fixture, &revoked, "admin-token", "revoke", id), ==, 0);
  expected = g_strdup_printf ("Revoked %s\n", id);
  g_assert_cmpstr (revoked, ==, expected);
  refused = admin (fixture, "GET", "/admin/v1/projects", secret, NULL);
  assert_error (refused, 401, "invalid_token", "revoked");

  /* --json gives the token once, with what is stored about it. */
  g_assert_cmpint (CLI (fixture, &created_json, "admin-token", "create", "--json"), ==, 0);
  created = gh_test_parse_object (created_json);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (created, "token"), "ghat_"));
  g_assert_cmpstr (json_object_get_string_member (
                     json_object_get_object_member (created, "admin_token"), "state"),
                   ==, "active");

  /* The exit statuses: 1 for what does not exist, 2 for a command line refused. */
  g_assert_cmpint (CLI (fixture, &out, "admin-token", "revoke", id), ==, 1);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (CLI (fixture, &out, "admin-token", "create", "--expires-in=-1"), ==, 2);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (CLI (fixture, &out, "admin-token", "list", "extra"), ==, 2);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (CLI (fixture, &out, "admin-token", "revoke"), ==, 2);
}

/* ---- GET /admin/v1/projects/{slug}/audit ------------------------------------------- */

/* GET @query on the default project's audit: asserts 200 and returns the page. */
static JsonObject *
audit_page (Fixture    *fixture,
            const char *query)
{
  g_autofree char *path = g_strconcat ("/admin/v1/projects/default/audit?", query, NULL);
  g_autoptr(GhTestResponse) response = admin (fixture, "GET", path, fixture->token, NULL);

  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpstr (gh_test_response_header (response, "Cache-Control"), ==, "no-store");
  return gh_test_response_json (response);
}

static JsonObject *
page_event (JsonObject *page,
            guint       i)
{
  return json_array_get_object_element (json_object_get_array_member (page, "events"), i);
}

static guint
page_length (JsonObject *page)
{
  return json_array_get_length (json_object_get_array_member (page, "events"));
}

/* A real refused registration: its event carries the peer and the User-Agent, cut as every
 * reflected value is. */
static void
test_audit_source (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *long_agent = g_strnfill (5000, 'a');
  const char *agents[] = { "audit-test/1.0 (gatehouse)", long_agent };

  for (guint a = 0; a < G_N_ELEMENTS (agents); a++)
    {
      const char * const headers[] = { "User-Agent", agents[a], NULL };
      g_autoptr(GhTestResponse) registered = NULL;
      g_autoptr(JsonObject) page = NULL;
      JsonObject *event;
      const char *user_agent;

      registered = gh_test_server_request (&fixture->server, fixture->server.session, "POST",
                                           "/register", headers, "application/json",
                                           "{\"redirect_uris\": [\"ftp://x.example/cb\"]}");
      g_assert_cmpuint (registered->status, >=, 400);
      page = audit_page (fixture, "type_prefix=oauth_client.&limit=5");
      g_assert_cmpuint (page_length (page), >=, 1);
      event = page_event (page, 0);
      g_assert_cmpstr (json_object_get_string_member (event, "type"), ==,
                       "oauth_client.registration_refused");
      g_assert_cmpstr (json_object_get_string_member (event, "outcome"), ==, "failure");
      g_assert_cmpstr (json_object_get_string_member (event, "project_slug"), ==, "default");
      g_assert_cmpstr (json_object_get_string_member (event, "source"), ==, "127.0.0.1");
      user_agent = json_object_get_string_member (event, "user_agent");
      if (a == 0)
        g_assert_cmpstr (user_agent, ==, agents[a]);
      else
        g_assert_cmpuint (strlen (user_agent), <, strlen (agents[a]));
    }
}

/* Events of the default project with every filtered column set, recorded directly. */
static const struct {
  const char *type;
  GhAuditOutcome outcome;
  const char *client_id;
  const char *user_id;
  const char *flow_id;
  const char *source;
  const char *note;
} audit_rows[] = {
  { "token.refused", GH_AUDIT_FAILURE, "client-a", "user-a", "flow-a", "192.0.2.1", "alpha" },
  { "token.issued", GH_AUDIT_SUCCESS, "client-b", "user-b", "flow-b", "192.0.2.2", "Needle" },
  { "token.revoked", GH_AUDIT_INFO, "client-a", "user-b", "flow-c", "192.0.2.3", "gamma" },
};

static void
record_audit_rows (Fixture *fixture)
{
  GhAudit *audit = gh_server_get_audit (fixture->server.server);
  g_autoptr(GhProject) project = gh_test_server_project (&fixture->server);

  for (guint i = 0; i < G_N_ELEMENTS (audit_rows); i++)
    {
      g_autoptr(JsonObject) details = json_object_new ();
      g_autoptr(GError) error = NULL;

      json_object_set_string_member (details, "note", audit_rows[i].note);
      g_assert_true (gh_audit_record_event (audit, &(GhAuditEvent) {
                                              .project_id = project->id,
                                              .project_slug = project->slug,
                                              .type = audit_rows[i].type,
                                              .outcome = audit_rows[i].outcome,
                                              .actor = "test",
                                              .client_id = audit_rows[i].client_id,
                                              .user_id = audit_rows[i].user_id,
                                              .flow_id = audit_rows[i].flow_id,
                                              .source = audit_rows[i].source,
                                              .user_agent = "rows/1",
                                              .details = details }, &error));
      g_assert_no_error (error);
    }
}

/* Pages of one event, older and back newer, by the cursors each page gives. */
static void
test_audit_paging (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) second = NULL;
  g_autoptr(JsonObject) third = NULL;
  g_autoptr(JsonObject) back = NULL;
  g_autofree char *query = NULL;

  /* No parameter at all: the newest page. */
  {
    g_autoptr(GhTestResponse) all = admin (fixture, "GET", "/admin/v1/projects/default/audit",
                                           fixture->token, NULL);
    g_autoptr(JsonObject) object = NULL;

    g_assert_cmpuint (all->status, ==, 200);
    object = gh_test_response_json (all);
    g_assert_true (json_object_has_member (object, "events"));
  }
  record_audit_rows (fixture);
  first = audit_page (fixture, "type_prefix=token.&limit=1");
  g_assert_cmpuint (page_length (first), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (page_event (first, 0), "type"), ==,
                   "token.revoked");
  query = g_strdup_printf ("type_prefix=token.&limit=1&before=%" G_GINT64_FORMAT,
                           json_object_get_int_member (first, "older"));
  second = audit_page (fixture, query);
  g_assert_cmpstr (json_object_get_string_member (page_event (second, 0), "type"), ==,
                   "token.issued");
  g_clear_pointer (&query, g_free);
  query = g_strdup_printf ("type_prefix=token.&limit=1&before=%" G_GINT64_FORMAT,
                           json_object_get_int_member (second, "older"));
  third = audit_page (fixture, query);
  g_assert_cmpuint (page_length (third), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (page_event (third, 0), "type"), ==,
                   "token.refused");
  g_assert_true (json_object_get_null_member (third, "older"));
  /* And back: the page newer than the last is the one before it. */
  g_clear_pointer (&query, g_free);
  query = g_strdup_printf ("type_prefix=token.&limit=1&after=%" G_GINT64_FORMAT,
                           json_object_get_int_member (third, "newer"));
  back = audit_page (fixture, query);
  g_assert_cmpuint (page_length (back), ==, 1);
  g_assert_cmpint (json_object_get_int_member (page_event (back, 0), "id"), ==,
                   json_object_get_int_member (page_event (second, 0), "id"));
}

/* A page by position (offset) is the page reached by walking: for one type (one index walk)
 * and for a prefix (a merge of walks), from the newest and below "before". */
static void
test_audit_offset (Fixture       *fixture,
                   gconstpointer  data)
{
  const char *filters[] = { "type_prefix=token.", "type=token.refused", "outcome=info" };

  record_audit_rows (fixture);
  record_audit_rows (fixture);
  for (guint f = 0; f < G_N_ELEMENTS (filters); f++)
    {
      const char *filter = filters[f];
      g_autoptr(GPtrArray) walked = g_ptr_array_new_with_free_func (g_free);
      g_autofree char *path = g_strdup_printf ("%s&limit=1", filter);
      g_autoptr(JsonObject) top = audit_page (fixture, path);
      gint64 anchor = json_object_get_int_member (page_event (top, 0), "id") + 1;
      gint64 before = anchor;

      g_test_message ("%s", filter);
      /* Walk pages of one, newest first, below the anchor */
      for (;;)
        {
          g_autofree char *query = g_strdup_printf ("%s&limit=1&before=%" G_GINT64_FORMAT,
                                                    filter, before);
          g_autoptr(JsonObject) page = audit_page (fixture, query);

          if (page_length (page) == 0)
            break;
          before = json_object_get_int_member (page_event (page, 0), "id");
          g_ptr_array_add (walked, g_strdup_printf ("%" G_GINT64_FORMAT, before));
          if (json_object_get_null_member (page, "older"))
            break;
        }
      g_assert_cmpuint (walked->len, >=, 2);
      for (guint i = 0; i < walked->len; i++)
        {
          g_autofree char *query = g_strdup_printf ("%s&limit=2&offset=%u&before=%"
                                                    G_GINT64_FORMAT, filter, i, anchor);
          g_autofree char *newest = g_strdup_printf ("%s&limit=1&offset=%u", filter, i);
          g_autoptr(JsonObject) page = audit_page (fixture, query);
          g_autoptr(JsonObject) from_newest = audit_page (fixture, newest);
          g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT,
                                                 json_object_get_int_member (page_event (page,
                                                                                         0),
                                                                             "id"));

          g_assert_cmpstr (id, ==, walked->pdata[i]);
          g_assert_cmpint (json_object_get_int_member (page_event (from_newest, 0), "id"), ==,
                           json_object_get_int_member (page_event (page, 0), "id"));
          /* Two where two are left, and "older" says whether more follow */
          g_assert_cmpuint (page_length (page), ==, i + 1 < walked->len ? 2 : 1);
          g_assert_true (json_object_get_null_member (page, "older") == (i + 2 >= walked->len));
          /* The events skipped are newer */
          if (i > 0)
            g_assert_false (json_object_get_null_member (page, "newer"));
        }
      /* Past the end: empty */
      {
        g_autofree char *query = g_strdup_printf ("%s&limit=5&offset=%u&before=%" G_GINT64_FORMAT,
                                                  filter, walked->len, anchor);
        g_autoptr(JsonObject) page = audit_page (fixture, query);

        g_assert_cmpuint (page_length (page), ==, 0);
      }
    }
}

/* Each filter alone: the rows of audit_rows it keeps, as a bit mask. */
static void
test_audit_filters (Fixture       *fixture,
                    gconstpointer  data)
{
  static const struct {
    const char *query;
    guint rows;
  } cases[] = {
    { "type=token.issued", 1 << 1 },
    { "type_prefix=token.re", 1 << 0 | 1 << 2 },
    { "outcome=info", 1 << 2 },
    { "client_id=client-a", 1 << 0 | 1 << 2 },
    { "user_id=user-b", 1 << 1 | 1 << 2 },
    { "flow_id=flow-a", 1 << 0 },
    { "source=192.0.2.2", 1 << 1 },
    { "text=needle", 1 << 1 },
    { "text=CLIENT-A", 1 << 0 | 1 << 2 },
    { "type_prefix=token.&from=0&to=1", 0 },
  };
  gint64 last_id;

  record_audit_rows (fixture);
  {
    g_autoptr(JsonObject) page = audit_page (fixture, "limit=1");
    last_id = json_object_get_int_member (page_event (page, 0), "id");
  }
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(JsonObject) page = NULL;
      guint rows = 0;

      g_test_message ("%s", cases[c].query);
      page = audit_page (fixture, cases[c].query);
      for (guint i = 0; i < page_length (page); i++)
        {
          gint64 id = json_object_get_int_member (page_event (page, i), "id");
          gint64 row = id - (last_id - (gint64) G_N_ELEMENTS (audit_rows) + 1);

          /* Only the rows: whatever the fixture recorded has no such values. */
          g_assert_cmpint (row, >=, 0);
          g_assert_cmpint (row, <, G_N_ELEMENTS (audit_rows));
          rows |= 1u << row;
          g_assert_cmpstr (json_object_get_string_member (page_event (page, i), "user_agent"),
                           ==, "rows/1");
        }
      g_assert_cmpuint (rows, ==, cases[c].rows);
    }
  /* A time range around the rows keeps them. */
  {
    g_autoptr(JsonObject) page = audit_page (fixture, "limit=1");
    gint64 time = json_object_get_int_member (page_event (page, 0), "time");
    g_autofree char *query = g_strdup_printf ("source=192.0.2.3&from=%" G_GINT64_FORMAT
                                              "&to=%" G_GINT64_FORMAT, time, time + 1);
    g_autoptr(JsonObject) ranged = audit_page (fixture, query);

    g_assert_cmpuint (page_length (ranged), ==, 1);
  }
}

/* What the route refuses: 400 invalid_request naming the trouble, 404 for no project. */
static void
test_audit_bad_inputs (Fixture       *fixture,
                       gconstpointer  data)
{
  static const struct {
    const char *path;
    guint status;
    const char *error;
    const char *says;
  } cases[] = {
    { "/admin/v1/projects/default/audit?colour=red", 400, "invalid_request", "colour" },
    { "/admin/v1/projects/default/audit?limit=ten", 400, "invalid_request", "limit" },
    { "/admin/v1/projects/default/audit?limit=0", 400, "invalid_request", "limit" },
    { "/admin/v1/projects/default/audit?before=x", 400, "invalid_request", "before" },
    { "/admin/v1/projects/default/audit?after=-3", 400, "invalid_request", "after" },
    { "/admin/v1/projects/default/audit?from=1e6", 400, "invalid_request", "from" },
    { "/admin/v1/projects/default/audit?before=5&after=2", 400, "invalid_request", NULL },
    { "/admin/v1/projects/default/audit?offset=2&after=2", 400, "invalid_request", "offset" },
    { "/admin/v1/projects/default/audit?offset=-1", 400, "invalid_request", "offset" },
    { "/admin/v1/projects/default/audit?offset=10000001", 400, "invalid_request", "offset" },
    { "/admin/v1/projects/default/audit/count?offset=1", 400, "invalid_request", "offset" },
    { "/admin/v1/projects/default/audit?type=a&type=b", 400, "invalid_request", "“type”" },
    { "/admin/v1/projects/default/audit?text=%FF", 400, "invalid_request", NULL },
    { "/admin/v1/projects/default/audit?outcome=maybe", 400, "invalid_request", NULL },
    { "/admin/v1/projects/default/audit?type=a&type_prefix=b", 400, "invalid_request", NULL },
    { "/admin/v1/projects/default/audit?from=10&to=10", 400, "invalid_request", NULL },
    /* Empty once aborted the server (an assertion in the statement builder) */
    { "/admin/v1/projects/default/audit?type_prefix=", 400, "invalid_request", "prefix" },
    { "/admin/v1/projects/nowhere/audit", 404, "not_found", NULL },
    { "/admin/v1/projects/No_Such/audit", 404, "not_found", NULL },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(GhTestResponse) response = NULL;

      g_test_message ("%s", cases[c].path);
      response = admin (fixture, "GET", cases[c].path, fixture->token, NULL);
      assert_error (response, cases[c].status, cases[c].error, cases[c].says);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/server/admin/every-route-needs-a-token", test_every_route_needs_a_token);
  ADD ("/server/admin/failure-limit", test_failure_limit);
  ADD ("/server/admin/no-cors", test_no_cors);
  ADD ("/server/admin/server", test_server);
  ADD ("/server/admin/projects", test_projects);
  ADD ("/server/admin/project-patch", test_project_patch);
  ADD ("/server/admin/bad-inputs", test_bad_inputs);
  ADD ("/server/admin/admin-tokens", test_admin_tokens);
  ADD ("/server/admin/cli", test_cli);
  ADD ("/server/admin/audit/source", test_audit_source);
  ADD ("/server/admin/audit/paging", test_audit_paging);
  ADD ("/server/admin/audit/offset", test_audit_offset);
  ADD ("/server/admin/audit/filters", test_audit_filters);
  ADD ("/server/admin/audit/bad-inputs", test_audit_bad_inputs);
#undef ADD

  return g_test_run ();
}
