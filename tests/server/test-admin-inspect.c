/* test-admin-inspect.c — the admin API's refresh families, token inspection and client
 * compatibility over a real server, with tokens from real authorization-code flows
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-admin-tokens.h"
#include "gh-base64url.h"
#include "gh-compat.h"
#include "gh-json.h"
#include "gh-jws.h"
#include "gh-test-util.h"
#include "gh-time.h"

#define PAIRS GH_TEST_PAIRS
#define MCP "https://mcp.example/mcp"
#define APP_CB "https://app.example/cb"
#define TS (&fixture->server)

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
  g_autofree char *secret = NULL;

  gh_test_server_setup (TS, data);
  token = gh_admin_tokens_create (gh_server_get_admin_tokens (TS->server), "test", 0, "test",
                                  &fixture->token, &error);
  g_assert_no_error (error);
  gh_test_server_add_user (TS, "alice", "Alice", NULL);
  gh_test_server_add_resource (TS, MCP, "files:read");
  gh_test_server_set (TS, "auto_approve_user", "alice");
  secret = gh_test_server_add_client (TS, "app", "{\"redirect_uris\": [\"" APP_CB "\"], "
                                      "\"grant_types\": [\"authorization_code\", "
                                      "\"refresh_token\"]}");
  g_assert_null (secret);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_pointer (&fixture->token, g_free);
  gh_test_server_teardown (TS, data);
}

/* One admin request with the fixture's token; @body: JSON text or NULL. */
static GhTestResponse *
admin (Fixture    *fixture,
       const char *method,
       const char *path,
       const char *body)
{
  g_autofree char *url = g_strconcat (TS->issuer, path, NULL);
  g_autofree char *authorization = g_strconcat ("Bearer ", fixture->token, NULL);

  return gh_test_http (TS->session, method, url, PAIRS ("Authorization", authorization),
                       body != NULL ? "application/json" : NULL, body);
}

/* An admin request answered 200 (asserted): its JSON. */
static JsonObject *
admin_ok (Fixture    *fixture,
          const char *method,
          const char *path,
          const char *body)
{
  g_autoptr(GhTestResponse) response = admin (fixture, method, path, body);

  if (response->status != 200)
    {
      g_autofree char *text = gh_test_response_text (response);
      g_error ("%s %s: expected 200, got %u: %s", method, path, response->status, text);
    }
  g_assert_cmpstr (gh_test_response_header (response, "Cache-Control"), ==, "no-store");
  return gh_test_response_json (response);
}

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
  g_assert_nonnull (json_object_get_string_member (object, "error_description"));
  if (says != NULL)
    g_assert_nonnull (strstr (json_object_get_string_member (object, "error_description"),
                              says));
}

/* A real authorization-code flow for "app" (alice, auto-approved) asking for @resource at
 * /authorize and at /token: the token response. */
static JsonObject *
code_flow (Fixture    *fixture,
           const char *scope,
           const char *resource)
{
  g_autofree char *verifier = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *code = NULL;
  g_autoptr(GhTestResponse) response = NULL;

  gh_test_pkce_pair (&verifier, &challenge);
  code = gh_test_server_authorize_code (TS, TS->session, APP_CB,
                                        PAIRS ("response_type", "code", "client_id", "app",
                                               "redirect_uri", APP_CB,
                                               "code_challenge", challenge,
                                               "code_challenge_method", "S256", "state", "s",
                                               "scope", scope, "resource", resource));
  response = gh_test_server_post_form (TS, "/token",
                                       PAIRS ("grant_type", "authorization_code",
                                              "client_id", "app", "code", code,
                                              "code_verifier", verifier, "redirect_uri", APP_CB,
                                              "resource", resource), NULL);
  g_assert_cmpuint (response->status, ==, 200);
  return gh_test_response_json (response);
}

static GhTestResponse *
refresh (Fixture    *fixture,
         const char *refresh_token)
{
  return gh_test_server_post_form (TS, "/token",
                                   PAIRS ("grant_type", "refresh_token", "client_id", "app",
                                          "refresh_token", refresh_token), NULL);
}

static const char *
member (JsonObject *object,
        const char *name)
{
  return json_object_get_string_member_with_default (object, name, NULL);
}

/* POST .../tokens/inspect of @token (and @resource, unless NULL): the report. The token is
 * never in the answer. */
static JsonObject *
inspect (Fixture    *fixture,
         const char *token,
         const char *resource)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *text = NULL;
  g_autoptr(GhTestResponse) response = NULL;
  g_autofree char *answer = NULL;

  json_object_set_string_member (body, "token", token);
  if (resource != NULL)
    json_object_set_string_member (body, "resource", resource);
  text = gh_json_object_to_string (body, FALSE);
  response = admin (fixture, "POST", "/admin/v1/projects/default/tokens/inspect", text);
  answer = gh_test_response_text (response);
  if (response->status != 200)
    g_error ("inspect: expected 200, got %u: %s", response->status, answer);
  if (strlen (token) > 8)
    {
      GhStore *store = gh_server_get_store (TS->server);
      g_autoptr(GError) error = NULL;
      g_autoptr(GhStmt) stmt = gh_store_prepare (store, "SELECT COUNT(*) FROM audit_events "
                                                 "WHERE instr (details, ?) > 0", &error);
      gboolean row;

      /* Neither repeated nor recorded. */
      g_assert_null (strstr (answer, token));
      g_assert_no_error (error);
      gh_stmt_bind_text (stmt, 1, token);
      g_assert_true (gh_store_step (store, stmt, &row, &error));
      g_assert_true (row);
      g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 0);
    }
  return gh_test_response_json (response);
}

/* The result of check @name of @report. */
static const char *
check_result (JsonObject *report,
              const char *name)
{
  JsonObject *checks = json_object_get_object_member (report, "checks");

  g_assert_true (json_object_has_member (checks, name));
  return member (json_object_get_object_member (checks, name), "result");
}

static JsonObject *
check (JsonObject *report,
       const char *name)
{
  return json_object_get_object_member (json_object_get_object_member (report, "checks"), name);
}

/* A JWT signed by @key (the server's own when NULL) with @header_typ and @claims_json. */
static char *
mint (Fixture    *fixture,
      GhJwk      *key,
      const char *header_typ,
      const char *claims_json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhJwk) server_key = NULL;
  g_autoptr(JsonObject) header = json_object_new ();
  g_autoptr(GBytes) payload = g_bytes_new (claims_json, strlen (claims_json));
  char *jwt;

  if (key == NULL)
    {
      server_key = gh_signing_keys_get_signing_key (gh_server_get_signing_keys (TS->server),
                                                    &error);
      g_assert_no_error (error);
      key = server_key;
    }
  json_object_set_string_member (header, "typ", header_typ);
  jwt = gh_jws_sign_compact (key, header, payload, &error);
  g_assert_no_error (error);
  return jwt;
}

/* Runs @sql on the server's store as its own writes do, so that its caches see the change. */
static void
store_run (Fixture    *fixture,
           const char *sql)
{
  GhStore *store = gh_server_get_store (TS->server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStmt) stmt = gh_store_prepare (store, sql, &error);

  g_assert_no_error (error);
  g_assert_true (gh_store_step (store, stmt, NULL, &error));
  g_assert_no_error (error);
}

/* --- Refresh families --- */

static JsonObject *
generation (JsonObject *family,
            guint       number)
{
  JsonArray *generations = json_object_get_array_member (family, "generations");

  g_assert_cmpuint (json_array_get_length (generations), >=, number);
  return json_array_get_object_element (generations, number - 1);
}

/* A rotation and a replay of the rotated token outside the (0 s) grace window: the family's
 * lineage names the generation replayed and how many ms after its rotation, and lists the
 * access tokens issued from it; never a token's value. */
static void
test_family_reuse (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(JsonObject) first = code_flow (fixture, "files:read", MCP);
  g_autoptr(GhTestResponse) rotated = refresh (fixture, member (first, "refresh_token"));
  g_autoptr(JsonObject) second = gh_test_response_json (rotated);
  g_autoptr(GhTestResponse) replay = NULL;
  g_autoptr(JsonObject) list = NULL;
  g_autoptr(JsonObject) family = NULL;
  g_autoptr(GhTestResponse) raw = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  JsonObject *summary;
  JsonObject *one;
  JsonObject *two;
  JsonObject *reuse;
  JsonArray *replays;
  JsonArray *access;

  g_assert_cmpuint (rotated->status, ==, 200);
  g_usleep (60 * 1000);
  replay = refresh (fixture, member (first, "refresh_token"));
  g_assert_cmpuint (replay->status, ==, 400);

  list = admin_ok (fixture, "GET", "/admin/v1/projects/default/refresh-families?client_id=app",
                   NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (list,
                                                                          "refresh_families")),
                    ==, 1);
  summary = json_array_get_object_element (json_object_get_array_member (list,
                                                                         "refresh_families"), 0);
  g_assert_cmpstr (member (summary, "client_id"), ==, "app");
  g_assert_cmpstr (member (summary, "user_id"), ==, "alice");
  g_assert_cmpstr (member (summary, "state"), ==, "revoked");
  g_assert_cmpint (json_object_get_int_member (summary, "generations"), ==, 2);

  path = g_strconcat ("/admin/v1/projects/default/refresh-families/", member (summary, "id"),
                      NULL);
  family = admin_ok (fixture, "GET", path, NULL);
  g_assert_cmpstr (member (family, "client_id"), ==, "app");
  g_assert_cmpstr (member (family, "user_id"), ==, "alice");
  g_assert_nonnull (member (family, "flow_id"));
  g_assert_true (gh_test_json_array_has (family, "resources", MCP));
  g_assert_true (gh_test_json_array_has (family, "scopes", "files:read"));
  g_assert_cmpstr (member (family, "state"), ==, "revoked");
  g_assert_cmpstr (member (json_object_get_object_member (family, "revoked"), "reason"), ==,
                   "refresh_token_reused");
  g_assert_cmpint (json_object_get_int_member (family, "refresh_grace_seconds"), ==, 0);

  one = generation (family, 1);
  two = generation (family, 2);
  g_assert_true (json_object_get_null_member (one, "issued_from"));
  g_assert_true (json_object_get_boolean_member (one, "used"));
  g_assert_false (json_object_get_null_member (one, "rotated_at_us"));
  g_assert_cmpint (json_object_get_int_member (two, "issued_from"), ==, 1);
  g_assert_false (json_object_get_boolean_member (two, "used"));
  g_assert_cmpstr (member (two, "state"), ==, "revoked");
  replays = json_object_get_array_member (one, "replays");
  g_assert_cmpuint (json_array_get_length (replays), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (two, "replays")), ==, 0);

  reuse = json_object_get_object_member (family, "reuse");
  g_assert_nonnull (reuse);
  g_assert_cmpstr (member (reuse, "kind"), ==, "reuse");
  g_assert_cmpint (json_object_get_int_member (reuse, "generation"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (reuse, "ms_after_rotation"), >=, 60);
  g_assert_cmpint (json_object_get_int_member (reuse, "ms_after_rotation"), <, 60 * 1000);
  g_assert_cmpint (json_object_get_int_member (reuse, "grace_window_ms"), ==, 0);
  g_assert_nonnull (strstr (member (reuse, "message"), "ms after its rotation"));

  /* The access tokens of both generations, revoked with the family. */
  access = json_object_get_array_member (family, "access_tokens");
  g_assert_cmpuint (json_array_get_length (access), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(JsonObject) token = inspect (fixture, member (i == 0 ? first : second,
                                                              "access_token"), MCP);
      JsonObject *listed = json_array_get_object_element (access, i);

      g_assert_true (json_object_get_boolean_member (listed, "revoked"));
      g_assert_cmpstr (member (listed, "jti"), ==,
                       member (json_object_get_object_member (token, "claims"), "jti"));
    }

  /* No token's value, anywhere in the answer. */
  raw = admin (fixture, "GET", path, NULL);
  text = gh_test_response_text (raw);
  g_assert_null (strstr (text, member (first, "refresh_token")));
  g_assert_null (strstr (text, member (second, "refresh_token")));
  g_assert_null (strstr (text, member (first, "access_token")));

  /* A rotation recorded before migration 8 has no µs: the replay is still named. */
  store_run (fixture, "UPDATE refresh_tokens SET rotated_at_us = NULL");
  {
    g_autoptr(JsonObject) older = admin_ok (fixture, "GET", path, NULL);
    JsonObject *named = json_object_get_object_member (older, "reuse");

    g_assert_true (json_object_get_null_member (named, "ms_after_rotation"));
    g_assert_cmpint (json_object_get_int_member (named, "generation"), ==, 1);
    g_assert_nonnull (strstr (member (named, "message"), "Generation 1 was used again after"));
  }
}

/* A replay inside refresh_grace_seconds is accepted once: the lineage shows it, with its ms
 * after the rotation, and the generation it produced comes from the replayed one. */
static void
test_family_grace (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(GhTestResponse) rotated = NULL;
  g_autoptr(GhTestResponse) again = NULL;
  g_autoptr(JsonObject) list = NULL;
  g_autoptr(JsonObject) family = NULL;
  g_autofree char *path = NULL;
  JsonObject *summary;
  JsonObject *grace;

  gh_test_server_set (TS, "refresh_grace_seconds", "30");
  first = code_flow (fixture, NULL, MCP);
  rotated = refresh (fixture, member (first, "refresh_token"));
  g_assert_cmpuint (rotated->status, ==, 200);
  g_usleep (20 * 1000);
  again = refresh (fixture, member (first, "refresh_token"));
  g_assert_cmpuint (again->status, ==, 200);

  list = admin_ok (fixture, "GET", "/admin/v1/projects/default/refresh-families", NULL);
  summary = json_array_get_object_element (json_object_get_array_member (list,
                                                                         "refresh_families"), 0);
  path = g_strconcat ("/admin/v1/projects/default/refresh-families/", member (summary, "id"),
                      NULL);
  family = admin_ok (fixture, "GET", path, NULL);
  g_assert_cmpstr (member (family, "state"), ==, "active");
  g_assert_true (json_object_get_null_member (family, "revoked"));
  g_assert_true (json_object_get_null_member (family, "reuse"));
  g_assert_true (json_object_get_boolean_member (generation (family, 1), "grace_used"));
  grace = json_array_get_object_element (json_object_get_array_member (generation (family, 1),
                                                                       "replays"), 0);
  g_assert_cmpstr (member (grace, "kind"), ==, "grace");
  g_assert_cmpint (json_object_get_int_member (grace, "ms_after_rotation"), >=, 20);
  g_assert_cmpint (json_object_get_int_member (grace, "grace_window_ms"), ==, 30000);
  g_assert_cmpint (json_object_get_int_member (generation (family, 2), "issued_from"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (generation (family, 3), "issued_from"), ==, 1);
  g_assert_cmpstr (member (generation (family, 3), "state"), ==, "active");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (family,
                                                                         "access_tokens")),
                    ==, 3);
}

static void
test_family_bad_inputs (Fixture       *fixture,
                        gconstpointer  data)
{
  const struct {
    const char *path;
    guint status;
    const char *error;
    const char *says;
  } cases[] = {
    { "/admin/v1/projects/default/refresh-families/nosuchfamily", 404, "not_found", NULL },
    { "/admin/v1/projects/nowhere/refresh-families/x", 404, "not_found", NULL },
    { "/admin/v1/projects/nowhere/refresh-families", 404, "not_found", NULL },
    { "/admin/v1/projects/default/refresh-families?client=app", 400, "invalid_request",
      "client" },
    { "/admin/v1/projects/default/refresh-families?limit=0", 400, "invalid_request", "limit" },
    { "/admin/v1/projects/default/refresh-families?limit=201", 400, "invalid_request",
      "limit" },
    { "/admin/v1/projects/default/refresh-families?user_id=a&user_id=b", 400,
      "invalid_request", "more than once" },
    { "/admin/v1/projects/default/refresh-families/x?y=1", 400, "invalid_request", "y" },
  };
  g_autoptr(JsonObject) first = code_flow (fixture, NULL, NULL);
  g_autoptr(JsonObject) second = code_flow (fixture, NULL, NULL);
  g_autoptr(JsonObject) none = NULL;
  g_autoptr(JsonObject) newest = NULL;
  g_autoptr(JsonObject) both = NULL;
  JsonArray *families;

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(GhTestResponse) response = admin (fixture, "GET", cases[c].path, NULL);

      g_test_message ("%s", cases[c].path);
      assert_error (response, cases[c].status, cases[c].error, cases[c].says);
    }

  /* Filters and the limit. */
  none = admin_ok (fixture, "GET", "/admin/v1/projects/default/refresh-families?user_id=bob",
                   NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (none,
                                                                          "refresh_families")),
                    ==, 0);
  both = admin_ok (fixture, "GET",
                   "/admin/v1/projects/default/refresh-families?user_id=alice&client_id=app",
                   NULL);
  families = json_object_get_array_member (both, "refresh_families");
  g_assert_cmpuint (json_array_get_length (families), ==, 2);
  newest = admin_ok (fixture, "GET", "/admin/v1/projects/default/refresh-families?limit=1",
                     NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (newest,
                                                                          "refresh_families")),
                    ==, 1);
  /* Newest first: the second flow's family. */
  {
    g_autoptr(JsonObject) report = inspect (fixture, member (second, "refresh_token"), NULL);
    JsonObject *top = json_array_get_object_element (
      json_object_get_array_member (newest, "refresh_families"), 0);

    g_assert_cmpstr (member (top, "id"), ==, member (report, "family_id"));
    g_assert_cmpstr (member (json_array_get_object_element (families, 1), "id"), !=,
                     member (report, "family_id"));
  }
}

/* --- Token inspection --- */

/* A token from a real flow, checked for the resource it was asked for: every check passes,
 * and the flow's requests are compared with aud and scope. */
static void
test_inspect_valid (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(JsonObject) tokens = code_flow (fixture, "files:read", MCP);
  g_autoptr(JsonObject) report = inspect (fixture, member (tokens, "access_token"), MCP);
  JsonObject *checks = json_object_get_object_member (report, "checks");
  g_autoptr(GList) names = json_object_get_members (checks);
  JsonObject *issued;
  JsonObject *comparisons;
  JsonObject *asked;
  JsonArray *notes;
  gboolean aud_note = FALSE;

  g_assert_cmpstr (member (report, "kind"), ==, "jwt");
  g_assert_cmpstr (member (report, "token_type"), ==, "access_token");
  g_assert_cmpstr (member (report, "verdict"), ==, "valid");
  g_assert_cmpuint (g_list_length (names), >=, 12);
  for (const GList *l = names; l != NULL; l = l->next)
    {
      g_test_message ("check %s", (const char *) l->data);
      g_assert_cmpstr (check_result (report, l->data), ==, "pass");
    }
  g_assert_cmpstr (member (check (report, "signature"), "key_state"), ==, "active");
  g_assert_cmpstr (member (check (report, "iss"), "expected"), ==, TS->issuer);
  g_assert_cmpstr (member (check (report, "aud"), "expected"), ==, MCP);
  g_assert_true (gh_test_json_array_has (check (report, "scope"), "scopes", "files:read"));
  g_assert_cmpint (json_object_get_int_member (check (report, "exp"), "seconds_from_now"), >,
                   0);
  g_assert_cmpstr (member (json_object_get_object_member (report, "header"), "typ"), ==,
                   "at+jwt");
  g_assert_cmpstr (member (json_object_get_object_member (report, "claims"), "aud"), ==, MCP);
  notes = json_object_get_array_member (report, "notes");
  for (guint i = 0; i < json_array_get_length (notes); i++)
    {
      JsonObject *note = json_array_get_object_element (notes, i);

      if (g_str_equal (member (note, "name"), "aud"))
        aud_note = strstr (member (note, "meaning"), "audience") != NULL;
    }
  g_assert_true (aud_note);
  g_assert_true (json_object_get_boolean_member (
                   json_object_get_object_member (report, "accepted_by_this_server"),
                   "accepted"));

  issued = json_object_get_object_member (report, "issued_here");
  g_assert_cmpstr (member (issued, "client_id"), ==, "app");
  g_assert_cmpstr (member (issued, "state"), ==, "active");
  g_assert_false (json_object_get_boolean_member (issued, "revoked"));
  g_assert_cmpstr (member (json_object_get_object_member (issued, "family"), "state"), ==,
                   "active");
  asked = json_object_get_object_member (issued, "asked");
  g_assert_true (gh_test_json_array_has (json_object_get_object_member (asked, "authorize"),
                                         "resources", MCP));
  g_assert_true (gh_test_json_array_has (json_object_get_object_member (asked, "authorize"),
                                         "scopes", "files:read"));
  g_assert_true (gh_test_json_array_has (json_object_get_object_member (asked, "token"),
                                         "resources", MCP));
  comparisons = json_object_get_object_member (issued, "comparisons");
  g_assert_cmpstr (member (json_object_get_object_member (comparisons, "aud_vs_authorize"),
                           "result"), ==, "pass");
  g_assert_cmpstr (member (json_object_get_object_member (comparisons, "aud_vs_token"),
                           "result"), ==, "pass");
  g_assert_cmpstr (member (json_object_get_object_member (comparisons, "scope_vs_asked"),
                           "result"), ==, "pass");
}

/* The resource differs by a trailing slash: aud fails, and says so. A token asked for no
 * resource has the issuer as aud, flagged at both steps. */
static void
test_inspect_wrong_resource (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(JsonObject) tokens = code_flow (fixture, NULL, MCP);
  g_autoptr(JsonObject) slash = inspect (fixture, member (tokens, "access_token"), MCP "/");
  g_autoptr(JsonObject) other = inspect (fixture, member (tokens, "access_token"),
                                         "https://other.example/mcp");
  g_autoptr(JsonObject) bare = code_flow (fixture, NULL, NULL);
  g_autoptr(JsonObject) no_resource = inspect (fixture, member (bare, "access_token"), NULL);
  JsonObject *aud = check (slash, "aud");
  JsonObject *comparisons;

  g_assert_cmpstr (member (slash, "verdict"), ==, "invalid");
  g_assert_cmpstr (member (aud, "result"), ==, "fail");
  g_assert_true (json_object_get_boolean_member (aud, "trailing_slash"));
  g_assert_cmpstr (member (aud, "expected"), ==, MCP "/");
  g_assert_true (gh_test_json_array_has (aud, "actual", MCP));
  g_assert_nonnull (strstr (member (aud, "message"), "trailing slash"));
  g_assert_true (g_str_has_prefix (member (slash, "summary"), "aud:"));
  /* The server itself still accepts it: aud is one of its resources. */
  g_assert_true (json_object_get_boolean_member (
                   json_object_get_object_member (slash, "accepted_by_this_server"),
                   "accepted"));

  g_assert_cmpstr (check_result (other, "aud"), ==, "fail");
  g_assert_false (json_object_get_boolean_member (check (other, "aud"), "trailing_slash"));

  /* No resource anywhere: aud is the issuer. */
  g_assert_cmpstr (check_result (no_resource, "aud"), ==, "warn");
  g_assert_cmpstr (member (json_object_get_object_member (no_resource, "claims"), "aud"), ==,
                   TS->issuer);
  comparisons = json_object_get_object_member (
    json_object_get_object_member (no_resource, "issued_here"), "comparisons");
  g_assert_cmpstr (member (json_object_get_object_member (comparisons, "aud_vs_authorize"),
                           "result"), ==, "warn");
  g_assert_cmpstr (member (json_object_get_object_member (comparisons, "aud_vs_token"),
                           "result"), ==, "warn");
}

/* An ID token is no access token: its signature verifies, its typ check fails. */
static void
test_inspect_id_token (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(JsonObject) tokens = code_flow (fixture, "openid", MCP);
  g_autoptr(JsonObject) report = inspect (fixture, member (tokens, "id_token"), NULL);

  g_assert_cmpstr (member (report, "token_type"), ==, "id_token");
  g_assert_cmpstr (check_result (report, "signature"), ==, "pass");
  g_assert_cmpstr (check_result (report, "typ"), ==, "fail");
  g_assert_cmpstr (member (report, "verdict"), ==, "invalid");
  g_assert_true (g_str_has_prefix (member (report, "summary"), "typ:"));
  g_assert_false (json_object_get_boolean_member (
                    json_object_get_object_member (report, "accepted_by_this_server"),
                    "accepted"));
}

/* A revoked token and an expired one (signed by the server's key, jti unknown). */
static void
test_inspect_revoked_expired (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(JsonObject) tokens = code_flow (fixture, NULL, MCP);
  g_autoptr(GhTestResponse) revoked = NULL;
  g_autoptr(JsonObject) report = NULL;
  g_autoptr(JsonObject) expired = NULL;
  g_autofree char *claims = NULL;
  g_autofree char *old = NULL;
  gint64 now = gh_now_seconds ();

  revoked = gh_test_server_post_form (TS, "/revoke",
                                      PAIRS ("client_id", "app",
                                             "token", member (tokens, "access_token")), NULL);
  g_assert_cmpuint (revoked->status, ==, 200);
  report = inspect (fixture, member (tokens, "access_token"), MCP);
  g_assert_cmpstr (member (report, "verdict"), ==, "invalid");
  g_assert_cmpstr (check_result (report, "revocation"), ==, "fail");
  g_assert_cmpstr (check_result (report, "signature"), ==, "pass");
  g_assert_cmpstr (check_result (report, "exp"), ==, "pass");
  g_assert_true (json_object_get_boolean_member (
                   json_object_get_object_member (report, "issued_here"), "revoked"));
  g_assert_false (json_object_get_boolean_member (
                    json_object_get_object_member (report, "accepted_by_this_server"),
                    "accepted"));
  g_assert_true (g_str_has_prefix (member (report, "summary"), "revocation:"));

  claims = g_strdup_printf ("{\"iss\": \"%s\", \"sub\": \"alice\", \"aud\": \"" MCP "\", "
                            "\"client_id\": \"app\", \"scope\": \"\", \"jti\": \"made-up\", "
                            "\"iat\": %" G_GINT64_FORMAT ", \"exp\": %" G_GINT64_FORMAT "}",
                            TS->issuer, now - 7200, now - 3600);
  old = mint (fixture, NULL, "at+jwt", claims);
  expired = inspect (fixture, old, MCP);
  g_assert_cmpstr (check_result (expired, "signature"), ==, "pass");
  g_assert_cmpstr (check_result (expired, "exp"), ==, "fail");
  g_assert_cmpint (json_object_get_int_member (check (expired, "exp"), "seconds_from_now"), <=,
                   -3600);
  g_assert_cmpstr (check_result (expired, "issued_here"), ==, "fail");
  g_assert_true (json_object_get_null_member (expired, "issued_here"));
  g_assert_cmpstr (member (expired, "verdict"), ==, "invalid");
  g_assert_true (g_str_has_prefix (member (expired, "summary"), "exp:"));
}

/* The key's state: one retired from signing but still published verifies; one no longer
 * published, and an unknown one, do not; an altered signature does not. */
static void
test_inspect_keys (Fixture       *fixture,
                   gconstpointer  data)
{
  GhSigningKeys *keys = gh_server_get_signing_keys (TS->server);
  g_autoptr(JsonObject) tokens = code_flow (fixture, NULL, MCP);
  const char *token = member (tokens, "access_token");
  g_autoptr(GError) error = NULL;
  g_autofree char *next = NULL;
  g_autofree char *kid = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *altered = NULL;
  g_autofree char *foreign = NULL;
  g_autoptr(GhJwk) other_key = NULL;
  g_autoptr(JsonObject) active = inspect (fixture, token, MCP);
  g_autoptr(JsonObject) retired = NULL;
  g_autoptr(JsonObject) expired = NULL;
  g_autoptr(JsonObject) tampered = NULL;
  g_autoptr(JsonObject) unknown = NULL;

  kid = g_strdup (member (json_object_get_object_member (active, "header"), "kid"));
  g_assert_cmpstr (member (check (active, "signature"), "key_state"), ==, "active");

  /* Altered: the last character of the signature changed. */
  altered = g_strdup (token);
  altered[strlen (altered) - 2] = altered[strlen (altered) - 2] == 'A' ? 'B' : 'A';
  tampered = inspect (fixture, altered, MCP);
  g_assert_cmpstr (check_result (tampered, "signature"), ==, "fail");
  g_assert_cmpstr (member (tampered, "verdict"), ==, "invalid");

  /* A key replaced in the second it began signing never signed: make it older. */
  store_run (fixture, "UPDATE signing_keys SET created_at = created_at - 600, "
                      "active_from = active_from - 600");
  next = gh_signing_keys_rotate (keys, GH_JWS_ALG_ES256, 0, 3600, "test", &error);
  g_assert_no_error (error);
  retired = inspect (fixture, token, MCP);
  g_assert_cmpstr (check_result (retired, "signature"), ==, "pass");
  g_assert_cmpstr (member (check (retired, "signature"), "key_state"), ==, "published");
  g_assert_cmpstr (member (check (retired, "signature"), "key_phase"), ==, "retired");
  g_assert_cmpstr (member (json_object_get_object_member (check (retired, "signature"), "key"),
                           "kid"), ==, kid);
  g_assert_cmpstr (member (retired, "verdict"), ==, "valid");

  sql = g_strdup_printf ("UPDATE signing_keys SET expires_at = 1 WHERE kid = '%s'", kid);
  store_run (fixture, sql);
  expired = inspect (fixture, token, MCP);
  g_assert_cmpstr (check_result (expired, "signature"), ==, "fail");
  g_assert_cmpstr (member (check (expired, "signature"), "key_state"), ==, "retired");
  g_assert_cmpstr (member (check (expired, "signature"), "key_phase"), ==, "expired");

  other_key = gh_jwk_generate (GH_JWS_ALG_ES256, &error);
  g_assert_no_error (error);
  foreign = mint (fixture, other_key, "at+jwt", "{\"iss\": \"https://elsewhere.example\"}");
  unknown = inspect (fixture, foreign, NULL);
  g_assert_cmpstr (check_result (unknown, "signature"), ==, "fail");
  g_assert_cmpstr (member (check (unknown, "signature"), "key_state"), ==, "unknown");
  g_assert_true (json_object_get_null_member (check (unknown, "signature"), "key"));
  g_assert_cmpstr (check_result (unknown, "iss"), ==, "fail");
  g_assert_cmpstr (check_result (unknown, "issued_here"), ==, "fail");
  g_assert_cmpstr (check_result (unknown, "required_claims"), ==, "fail");
}

/* Malformed input gets a verdict, never a 500; bodies are read strictly. */
static void
test_inspect_garbage (Fixture       *fixture,
                      gconstpointer  data)
{
  const struct {
    const char *token;
    const char *kind;
    const char *failed;  /* the check that fails, for a JWT */
  } cases[] = {
    { "garbage", "unknown", NULL },
    { "", "malformed", NULL },
    { "a.b.c", "jwt", "format" },
    { "eyJhbGciOiJFUzI1NiJ9.!!!.c", "jwt", "format" },
    { "eyJhbGciOiJub25lIn0.e30.", "jwt", "signature" },
    { "eyJhbGciOiJIUzI1NiJ9.e30.c2ln", "jwt", "signature" },
    { "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d", "jwt", "format" },
    { "....", "unknown", NULL },
    { "ghat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "admin_token", NULL },
    { "iatk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "initial_access_token", NULL },
  };
  const struct {
    const char *body;
    const char *says;
  } bad[] = {
    { "{}", "token" },
    { "{\"token\": 5}", "token" },
    { "{\"token\": \"x\", \"resource\": []}", "resource" },
    { "{\"token\": \"x\", \"extra\": 1}", "extra" },
    { "[\"x\"]", "JSON object" },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(JsonObject) report = NULL;

      g_test_message ("token %s", cases[c].token);
      report = inspect (fixture, cases[c].token, NULL);
      g_assert_cmpstr (member (report, "kind"), ==, cases[c].kind);
      g_assert_nonnull (member (report, "summary"));
      g_assert_cmpint (json_object_get_int_member (report, "length"), ==,
                       strlen (cases[c].token));
      if (cases[c].failed != NULL)
        {
          g_assert_cmpstr (member (report, "verdict"), ==, "invalid");
          g_assert_cmpstr (check_result (report, cases[c].failed), ==, "fail");
        }
    }

  for (guint c = 0; c < G_N_ELEMENTS (bad); c++)
    {
      g_autoptr(GhTestResponse) response = admin (fixture, "POST",
                                                  "/admin/v1/projects/default/tokens/inspect",
                                                  bad[c].body);

      g_test_message ("body %s", bad[c].body);
      assert_error (response, 400, "invalid_request", bad[c].says);
    }
  {
    g_autoptr(GhTestResponse) response = admin (fixture, "POST",
                                                "/admin/v1/projects/nowhere/tokens/inspect",
                                                "{\"token\": \"x\"}");

    assert_error (response, 404, "not_found", NULL);
  }
}

/* A refresh token (and a code) is recognised by its hash: family, generation, state. */
static void
test_inspect_refresh_token (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(JsonObject) tokens = code_flow (fixture, NULL, MCP);
  const char *r1 = member (tokens, "refresh_token");
  g_autoptr(JsonObject) report = inspect (fixture, r1, NULL);
  g_autoptr(GhTestResponse) rotated = NULL;
  g_autoptr(JsonObject) second = NULL;
  g_autoptr(JsonObject) old = NULL;
  g_autoptr(JsonObject) young = NULL;
  g_autoptr(JsonObject) code_report = NULL;
  g_autofree char *verifier = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *code = NULL;

  g_assert_cmpstr (member (report, "kind"), ==, "refresh_token");
  g_assert_true (json_object_get_boolean_member (report, "this_project"));
  g_assert_cmpstr (member (report, "project"), ==, "default");
  g_assert_cmpint (json_object_get_int_member (report, "generation"), ==, 1);
  g_assert_cmpstr (member (report, "state"), ==, "active");
  g_assert_cmpstr (member (report, "client_id"), ==, "app");
  g_assert_cmpstr (member (report, "user_id"), ==, "alice");
  g_assert_nonnull (member (report, "family_id"));

  rotated = refresh (fixture, r1);
  second = gh_test_response_json (rotated);
  old = inspect (fixture, r1, NULL);
  young = inspect (fixture, member (second, "refresh_token"), NULL);
  g_assert_cmpstr (member (old, "state"), ==, "rotated");
  g_assert_cmpint (json_object_get_int_member (young, "generation"), ==, 2);
  g_assert_cmpstr (member (young, "state"), ==, "active");
  g_assert_cmpstr (member (young, "family_id"), ==, member (report, "family_id"));

  gh_test_pkce_pair (&verifier, &challenge);
  code = gh_test_server_authorize_code (TS, TS->session, APP_CB,
                                        PAIRS ("response_type", "code", "client_id", "app",
                                               "redirect_uri", APP_CB,
                                               "code_challenge", challenge,
                                               "code_challenge_method", "S256"));
  code_report = inspect (fixture, code, NULL);
  g_assert_cmpstr (member (code_report, "kind"), ==, "authorization_code");
  g_assert_cmpstr (member (code_report, "state"), ==, "unused");
  g_assert_cmpstr (member (code_report, "client_id"), ==, "app");
}

/* --- A token by its jti, a flow's family, revoking a family (the Live flows' Tokens tab) --- */

/* Part @index of compact JWT @jwt as JSON (the test reads what the client got). */
static JsonObject *
jwt_part (const char *jwt,
          guint       index)
{
  g_auto(GStrv) parts = g_strsplit (jwt, ".", -1);
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *bytes = NULL;
  JsonObject *object;
  gsize len;

  bytes = gh_base64url_decode (parts[index], &len, &error);
  g_assert_no_error (error);
  object = gh_json_parse_object_strict ((const char *) bytes, len, &error);
  g_assert_no_error (error);
  return object;
}

/* POST .../tokens/inspect {"jti", "resource"?}: the report. */
static JsonObject *
inspect_jti (Fixture    *fixture,
             const char *jti,
             const char *resource)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *text = NULL;

  json_object_set_string_member (body, "jti", jti);
  if (resource != NULL)
    json_object_set_string_member (body, "resource", resource);
  text = gh_json_object_to_string (body, FALSE);
  return admin_ok (fixture, "POST", "/admin/v1/projects/default/tokens/inspect", text);
}

/* What the server recorded of a token it signed is what the client got: every claim and the
 * header byte for byte; the checks that need no token value run, and say what was not
 * checked. */
static void
test_token_recorded (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(JsonObject) first = code_flow (fixture, "files:read", MCP);
  g_autoptr(JsonObject) claims = jwt_part (member (first, "access_token"), 1);
  g_autoptr(JsonObject) header = jwt_part (member (first, "access_token"), 0);
  g_autofree char *path = g_strconcat ("/admin/v1/projects/default/tokens/",
                                       member (claims, "jti"), NULL);
  g_autoptr(JsonObject) report = admin_ok (fixture, "GET", path, NULL);
  g_autoptr(JsonObject) exact = inspect_jti (fixture, member (claims, "jti"), MCP);
  g_autoptr(JsonObject) slash = inspect_jti (fixture, member (claims, "jti"), MCP "/");
  g_autoptr(JsonObject) real = inspect (fixture, member (first, "access_token"), MCP);
  g_autoptr(GhTestResponse) unknown = NULL;
  g_autoptr(GhTestResponse) both = NULL;
  g_autoptr(GhTestResponse) raw = NULL;
  g_autofree char *text = NULL;
  JsonObject *recorded;

  g_assert_true (json_node_equal (json_object_get_member (report, "claims"),
                                  json_object_get_member (real, "claims")));
  g_assert_true (json_node_equal (json_object_get_member (report, "header"),
                                  json_object_get_member (real, "header")));
  g_assert_cmpstr (member (json_object_get_object_member (report, "header"), "kid"), ==,
                   member (header, "kid"));
  g_assert_cmpstr (member (report, "jti"), ==, member (claims, "jti"));
  g_assert_true (json_object_get_null_member (report, "length"));
  recorded = json_object_get_object_member (report, "recorded");
  g_assert_true (json_object_get_boolean_member (recorded, "complete"));
  g_assert_cmpstr (member (recorded, "kid_source"), ==, "event");
  g_assert_cmpstr (member (recorded, "event_type"), ==, "token.issued");
  g_assert_cmpint (json_object_get_int_member (recorded, "generation"), ==, 1);
  g_assert_cmpstr (check_result (report, "format"), ==, "skip");
  g_assert_cmpstr (check_result (report, "signature"), ==, "skip");
  g_assert_cmpstr (member (check (report, "signature"), "key_state"), ==, "active");
  g_assert_cmpstr (check_result (report, "aud"), ==, "pass");
  g_assert_cmpstr (check_result (report, "issued_here"), ==, "pass");
  g_assert_cmpstr (member (report, "verdict"), ==, "valid");
  g_assert_true (json_object_get_boolean_member (
                   json_object_get_object_member (report, "accepted_by_this_server"),
                   "accepted"));
  g_assert_cmpstr (member (json_object_get_object_member (
                     json_object_get_object_member (
                       json_object_get_object_member (report, "issued_here"), "comparisons"),
                     "aud_vs_authorize"), "result"), ==, "pass");

  /* Against a resource: byte-exact, a trailing slash named. */
  g_assert_cmpstr (check_result (exact, "aud"), ==, "pass");
  g_assert_cmpstr (member (exact, "resource"), ==, MCP);
  g_assert_cmpstr (check_result (slash, "aud"), ==, "fail");
  g_assert_true (json_object_get_boolean_member (check (slash, "aud"), "trailing_slash"));
  g_assert_cmpstr (member (slash, "verdict"), ==, "invalid");

  /* A token issued before kid was recorded: the key that signed at iat, and says so. */
  store_run (fixture, "UPDATE audit_events SET details = json_remove (details, '$.kid')");
  {
    g_autoptr(JsonObject) older = admin_ok (fixture, "GET", path, NULL);

    g_assert_cmpstr (member (json_object_get_object_member (older, "header"), "kid"), ==,
                     member (header, "kid"));
    g_assert_cmpstr (member (json_object_get_object_member (older, "recorded"), "kid_source"),
                     ==, "key_schedule");
  }

  /* Never the token's value; a jti this project never issued is 404; token and jti, 400. */
  raw = admin (fixture, "GET", path, NULL);
  text = gh_test_response_text (raw);
  g_assert_null (strstr (text, member (first, "access_token")));
  unknown = admin (fixture, "GET", "/admin/v1/projects/default/tokens/no-such-jti", NULL);
  assert_error (unknown, 404, "not_found", "no access token");
  g_clear_pointer (&unknown, gh_test_response_free);
  unknown = admin (fixture, "POST", "/admin/v1/projects/default/tokens/inspect",
                   "{\"jti\": \"no-such-jti\"}");
  assert_error (unknown, 404, "not_found", "no access token");
  both = admin (fixture, "POST", "/admin/v1/projects/default/tokens/inspect",
                "{\"jti\": \"a\", \"token\": \"b\"}");
  assert_error (both, 400, "invalid_request", "Exactly one");
}

/* The family a flow obtained, by the flow's id; revoking it through the admin API: its tokens
 * with it, token.revoked once, 404 for an unknown family. */
static void
test_family_flow_revoke (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(JsonObject) first = code_flow (fixture, "files:read", MCP);
  g_autoptr(JsonObject) other = code_flow (fixture, "files:read", MCP);
  g_autoptr(JsonObject) all = admin_ok (fixture, "GET",
                                        "/admin/v1/projects/default/refresh-families", NULL);
  g_autoptr(JsonObject) claims = jwt_part (member (first, "access_token"), 1);
  g_autoptr(JsonObject) mine = NULL;
  g_autoptr(JsonObject) revoked = NULL;
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(JsonObject) events = NULL;
  g_autoptr(JsonObject) report = NULL;
  g_autoptr(GhTestResponse) refused = NULL;
  g_autoptr(GhTestResponse) unknown = NULL;
  g_autofree char *list_path = NULL;
  g_autofree char *revoke_path = NULL;
  g_autofree char *token_path = NULL;
  g_autofree char *events_path = NULL;
  JsonObject *newest = json_array_get_object_element (
                         json_object_get_array_member (all, "refresh_families"), 0);
  JsonObject *family;
  JsonObject *event;
  const char *flow_id = NULL;

  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (all,
                                                                        "refresh_families")),
                    ==, 2);
  /* The older family is the first flow's. */
  family = json_array_get_object_element (json_object_get_array_member (all,
                                                                        "refresh_families"), 1);
  flow_id = member (family, "flow_id");
  g_assert_cmpstr (flow_id, !=, member (newest, "flow_id"));
  list_path = g_strconcat ("/admin/v1/projects/default/refresh-families?flow_id=", flow_id,
                           NULL);
  mine = admin_ok (fixture, "GET", list_path, NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (mine,
                                                                        "refresh_families")),
                    ==, 1);
  g_assert_cmpstr (member (json_array_get_object_element (
                             json_object_get_array_member (mine, "refresh_families"), 0), "id"),
                   ==, member (family, "id"));

  revoke_path = g_strconcat ("/admin/v1/projects/default/refresh-families/",
                             member (family, "id"), "/revoke", NULL);
  revoked = admin_ok (fixture, "POST", revoke_path, NULL);
  g_assert_cmpstr (member (revoked, "state"), ==, "revoked");
  g_assert_cmpstr (member (json_object_get_object_member (revoked, "revoked"), "reason"), ==,
                   "revoked_by_admin");
  again = admin_ok (fixture, "POST", revoke_path, "{}");
  g_assert_cmpstr (member (again, "state"), ==, "revoked");

  /* Its access token with it; the other flow's family untouched. */
  token_path = g_strconcat ("/admin/v1/projects/default/tokens/", member (claims, "jti"), NULL);
  report = admin_ok (fixture, "GET", token_path, NULL);
  g_assert_cmpstr (check_result (report, "revocation"), ==, "fail");
  g_assert_cmpstr (member (report, "verdict"), ==, "invalid");
  refused = refresh (fixture, member (first, "refresh_token"));
  g_assert_cmpuint (refused->status, ==, 400);
  {
    g_autoptr(GhTestResponse) fine = refresh (fixture, member (other, "refresh_token"));

    g_assert_cmpuint (fine->status, ==, 200);
  }

  /* One token.revoked, by the admin API, on the flow. */
  events_path = g_strconcat ("/admin/v1/projects/default/audit?type=token.revoked&flow_id=",
                             flow_id, NULL);
  events = admin_ok (fixture, "GET", events_path, NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (events, "events")),
                    ==, 1);
  event = json_array_get_object_element (json_object_get_array_member (events, "events"), 0);
  g_assert_cmpstr (member (event, "actor"), ==, "admin-api");
  g_assert_cmpstr (member (json_object_get_object_member (event, "details"), "family"), ==,
                   member (family, "id"));

  unknown = admin (fixture, "POST",
                   "/admin/v1/projects/default/refresh-families/no-such-family/revoke", NULL);
  assert_error (unknown, 404, "not_found", NULL);
  g_clear_pointer (&unknown, gh_test_response_free);
  unknown = admin (fixture, "POST", revoke_path, "{\"why\": 1}");
  assert_error (unknown, 400, "invalid_request", "why");
}

/* --- Compatibility --- */

/* The entry of @family in a compat answer. */
static JsonObject *
family_of (JsonObject *answer,
           const char *family)
{
  JsonArray *clients = json_object_get_array_member (answer, "clients");

  for (guint i = 0; i < json_array_get_length (clients); i++)
    {
      JsonObject *client = json_array_get_object_element (clients, i);

      if (g_str_equal (member (client, "family"), family))
        return client;
    }
  g_error ("no family %s", family);
}

/* Requirement @id of @client. */
static JsonObject *
requirement (JsonObject *client,
             const char *id)
{
  JsonArray *requirements = json_object_get_array_member (client, "requirements");

  for (guint i = 0; i < json_array_get_length (requirements); i++)
    {
      JsonObject *item = json_array_get_object_element (requirements, i);

      if (g_str_equal (member (item, "id"), id))
        {
          g_assert_nonnull (member (item, "message"));
          g_assert_true (g_str_has_prefix (member (item, "source"), "SPEC-NOTES"));
          return item;
        }
    }
  g_error ("no requirement %s", id);
}

/* Whether @client's fixes hold {"action": @action, @name: @value}. */
static gboolean
has_fix (JsonObject *client,
         const char *action,
         const char *name,
         const char *value)
{
  JsonArray *fixes = json_object_get_array_member (client, "fixes");

  for (guint i = 0; i < json_array_get_length (fixes); i++)
    {
      JsonObject *fix = json_array_get_object_element (fixes, i);

      if (g_str_equal (member (fix, "action"), action) &&
          g_strcmp0 (member (fix, name), value) == 0)
        return TRUE;
    }
  return FALSE;
}

static JsonObject *
compat (Fixture    *fixture,
        const char *slug)
{
  g_autofree char *path = g_strconcat ("/admin/v1/projects/", slug, "/compat", NULL);

  return admin_ok (fixture, "GET", path, NULL);
}

static void
patch (Fixture    *fixture,
       const char *slug,
       const char *body)
{
  g_autofree char *path = g_strconcat ("/admin/v1/projects/", slug, NULL);
  g_autoptr(JsonObject) answer = admin_ok (fixture, "PATCH", path, body);
}

static void
test_compat_development (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(JsonObject) answer = compat (fixture, "default");
  JsonArray *clients = json_object_get_array_member (answer, "clients");
  const char * const *families = gh_compat_list_families ();
  JsonObject *cursor;

  g_assert_cmpstr (member (answer, "project"), ==, "default");
  g_assert_cmpstr (member (json_object_get_object_member (answer, "settings"), "dcr_mode"), ==,
                   "open");
  g_assert_cmpuint (json_array_get_length (clients), ==, g_strv_length ((char **) families));
  for (guint i = 0; families[i] != NULL; i++)
    {
      JsonObject *client = json_array_get_object_element (clients, i);

      g_test_message ("%s: %s", families[i], member (client, "summary"));
      g_assert_cmpstr (member (client, "family"), ==, families[i]);
      g_assert_cmpstr (member (client, "verdict"), ==, "ok");
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (client, "fixes")),
                        ==, 0);
      g_assert_cmpstr (member (requirement (client, "pkce_s256"), "result"), ==, "pass");
    }
  cursor = family_of (answer, "cursor");
  g_assert_cmpstr (member (json_object_get_object_member (cursor, "behaviour"),
                           "registers_by_dcr"), ==, "yes");
  g_assert_cmpstr (member (json_object_get_object_member (cursor, "behaviour"),
                           "registers_by_cimd"), ==, "unknown");
  g_assert_cmpstr (member (requirement (cursor, "redirect_uris"), "result"), ==, "pass");
  g_assert_cmpstr (member (requirement (family_of (answer, "mcp-inspector"), "redirect_uris"),
                           "result"), ==, "unknown");
  g_assert_cmpstr (member (requirement (family_of (answer, "mcp-inspector"), "cors"),
                           "result"), ==, "pass");

  /* The custom scheme no longer allowed: Cursor is blocked, with the fix. */
  gh_test_server_set (TS, "redirect_schemes", "vscode");
  {
    g_autoptr(JsonObject) narrowed = compat (fixture, "default");
    JsonObject *blocked = family_of (narrowed, "cursor");
    JsonObject *uris = requirement (blocked, "redirect_uris");

    g_assert_cmpstr (member (blocked, "verdict"), ==, "blocked");
    g_assert_cmpstr (member (uris, "result"), ==, "fail");
    g_assert_cmpstr (member (json_object_get_object_member (uris, "fix"), "action"), ==,
                     "allow_redirect_scheme");
    g_assert_true (has_fix (blocked, "allow_redirect_scheme", "scheme", "cursor"));
    g_assert_cmpstr (member (family_of (narrowed, "vscode"), "verdict"), ==, "ok");
    g_assert_cmpstr (member (family_of (narrowed, "claude-code"), "verdict"), ==, "ok");

    /* The fix, applied as it is by the fixes route, lets Cursor in. */
    {
      g_autofree char *fix = gh_json_object_to_string (
        json_object_get_object_member (uris, "fix"), FALSE);
      g_autoptr(JsonObject) applied = admin_ok (fixture, "POST",
                                                "/admin/v1/projects/default/fixes", fix);
      g_autoptr(JsonObject) fixed = compat (fixture, "default");

      g_assert_true (json_object_get_boolean_member (applied, "changed"));
      g_assert_cmpstr (member (family_of (fixed, "cursor"), "verdict"), ==, "ok");
    }
  }

  /* DCR behind an IAT: Cursor's known path is closed; CIMD is open, but whether Cursor uses
   * it is unknown. */
  patch (fixture, "default", "{\"dcr_mode\": \"initial_access_token\", "
                             "\"redirect_schemes\": \"cursor\"}");
  {
    g_autoptr(JsonObject) iat = compat (fixture, "default");
    JsonObject *warned = family_of (iat, "cursor");

    g_assert_cmpstr (member (warned, "verdict"), ==, "warning");
    g_assert_cmpstr (member (requirement (warned, "registration"), "result"), ==, "warn");
    g_assert_true (has_fix (warned, "set_setting", "value", "open"));
    g_assert_cmpstr (member (family_of (iat, "claude-code"), "verdict"), ==, "ok");
    g_assert_cmpstr (member (family_of (iat, "mcp-inspector"), "verdict"), ==, "warning");
  }
  {
    g_autoptr(GhTestResponse) response = admin (fixture, "GET",
                                                "/admin/v1/projects/default/compat?x=1", NULL);
    g_autoptr(GhTestResponse) missing = admin (fixture, "GET",
                                               "/admin/v1/projects/nowhere/compat", NULL);

    assert_error (response, 400, "invalid_request", "x");
    assert_error (missing, 404, "not_found", NULL);
  }
}

/* A production project: MCP off, CIMD off, DCR disabled, no custom scheme, only listed
 * resources and none listed. Then DCR opened, the scheme allowed, a resource listed. */
static void
test_compat_production (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(JsonObject) off = NULL;
  g_autoptr(JsonObject) open = NULL;
  JsonObject *cursor;
  JsonObject *claude;

  gh_test_server_add_project (TS, "prod", "Production", GH_SETTINGS_PROFILE_PRODUCTION);
  off = compat (fixture, "prod");
  cursor = family_of (off, "cursor");
  g_assert_cmpstr (member (cursor, "verdict"), ==, "blocked");
  g_assert_cmpstr (member (requirement (cursor, "registration"), "result"), ==, "fail");
  g_assert_true (has_fix (cursor, "set_setting", "key", "dcr_mode"));
  g_assert_cmpstr (member (json_object_get_object_member (requirement (cursor, "registration"),
                                                          "fix"), "value"), ==, "open");
  g_assert_true (has_fix (cursor, "allow_redirect_scheme", "scheme", "cursor"));
  g_assert_true (has_fix (cursor, "set_setting", "key", "resource_policy"));
  g_assert_cmpstr (member (requirement (cursor, "mcp_metadata"), "result"), ==, "unknown");
  claude = family_of (off, "claude-code");
  g_assert_cmpstr (member (claude, "verdict"), ==, "blocked");
  g_assert_cmpstr (member (json_object_get_object_member (requirement (claude, "registration"),
                                                          "fix"), "key"), ==, "cimd_enabled");
  /* Loopback redirects need no setting. */
  g_assert_cmpstr (member (requirement (claude, "redirect_uris"), "result"), ==, "pass");
  for (guint i = 0; gh_compat_list_families ()[i] != NULL; i++)
    g_assert_cmpstr (member (family_of (off, gh_compat_list_families ()[i]), "verdict"), ==,
                     "blocked");

  /* DCR open without an IAT, the cursor scheme allowed, the MCP server listed. */
  patch (fixture, "prod", "{\"dcr_mode\": \"open\", \"redirect_schemes\": \"cursor\"}");
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GhProject) project = gh_projects_get (gh_server_get_projects (TS->server), "prod",
                                                    &error);
    g_autoptr(GhResource) resource = NULL;

    g_assert_no_error (error);
    resource = gh_resources_add (gh_server_get_resources (TS->server), project, MCP, NULL,
                                 NULL, NULL, "test", &error);
    g_assert_no_error (error);
  }
  open = compat (fixture, "prod");
  cursor = family_of (open, "cursor");
  g_assert_cmpstr (member (cursor, "verdict"), ==, "ok");
  g_assert_cmpstr (member (requirement (cursor, "resource"), "result"), ==, "pass");
  /* Claude Code registers by CIMD, still off; whether it falls back to DCR is unknown. */
  claude = family_of (open, "claude-code");
  g_assert_cmpstr (member (claude, "verdict"), ==, "warning");
  g_assert_true (has_fix (claude, "set_setting", "key", "cimd_enabled"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/server/admin-inspect/family/reuse", test_family_reuse);
  ADD ("/server/admin-inspect/family/grace", test_family_grace);
  ADD ("/server/admin-inspect/family/bad-inputs", test_family_bad_inputs);
  ADD ("/server/admin-inspect/inspect/valid", test_inspect_valid);
  ADD ("/server/admin-inspect/inspect/wrong-resource", test_inspect_wrong_resource);
  ADD ("/server/admin-inspect/inspect/id-token", test_inspect_id_token);
  ADD ("/server/admin-inspect/inspect/revoked-expired", test_inspect_revoked_expired);
  ADD ("/server/admin-inspect/inspect/keys", test_inspect_keys);
  ADD ("/server/admin-inspect/inspect/garbage", test_inspect_garbage);
  ADD ("/server/admin-inspect/inspect/refresh-token", test_inspect_refresh_token);
  ADD ("/server/admin-inspect/token/recorded", test_token_recorded);
  ADD ("/server/admin-inspect/family/flow-revoke", test_family_flow_revoke);
  ADD ("/server/admin-inspect/compat/development", test_compat_development);
  ADD ("/server/admin-inspect/compat/production", test_compat_production);
#undef ADD

  return g_test_run ();
}
