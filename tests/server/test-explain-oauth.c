/* test-explain-oauth.c — every explain rule of the OAuth endpoints, each from a real refused
 * request to a real server, and the flow steps of one authorization's events
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-clients.h"
#include "gh-explain.h"
#include "gh-json.h"
#include "gh-server.h"
#include "gh-test-util.h"

#define PAIRS GH_TEST_PAIRS
#define MCP "https://mcp.example/mcp"
#define OTHER "https://other.example/mcp"
#define APP_CB "https://app.example/cb"
#define BOTH_GRANTS "\"grant_types\": [\"authorization_code\", \"refresh_token\"]"
#define METADATA(uri, extra) "{\"redirect_uris\": [\"" uri "\"], " extra "}"
#define ONE_URI(uri) "{\"redirect_uris\": [\"" uri "\"]}"
#define CHALLENGE_METHOD "code_challenge_method", "S256"

typedef struct
{
  GhTestServer base;
  char *basic_secret;
  char *challenge;
  char *verifier;
  /* What the row under test produced */
  char *code;
  char *access_token;
  char *refresh_token;
} Fixture;

#define TS (&fixture->base)

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  GhTestServer *ts = TS;

  gh_test_server_setup (ts, NULL);
  gh_test_server_add_user (ts, "alice", "Alice", "alice@example.test");
  gh_test_server_add_resource (ts, MCP, "files:read files:write");
  gh_test_server_add_resource (ts, OTHER, "other:read");
  gh_test_server_set (ts, "auto_approve_user", "alice");
  g_free (gh_test_server_add_client (ts, "app", METADATA (APP_CB, BOTH_GRANTS)));
  g_free (gh_test_server_add_client (ts, "app2", METADATA ("https://app2.example/cb",
                                                           BOTH_GRANTS)));
  g_free (gh_test_server_add_client (ts, "once", METADATA ("https://once.example/cb",
                                                           "\"client_name\": \"Once\"")));
  g_free (gh_test_server_add_client (ts, "two",
                                     "{\"redirect_uris\": [\"https://two.example/a\", "
                                     "\"https://two.example/b\"]}"));
  g_free (gh_test_server_add_client (ts, "native", ONE_URI ("http://127.0.0.1/cb")));
  g_free (gh_test_server_add_client (ts, "web", ONE_URI ("https://web.example:8443/cb")));
  g_free (gh_test_server_add_client (ts, "cursor",
                                     ONE_URI ("cursor://anysphere.cursor-mcp/oauth/callback")));
  g_free (gh_test_server_add_client (ts, "scoped", METADATA ("https://scoped.example/cb",
                                                             "\"scope\": \"files:read\"")));
  fixture->basic_secret = gh_test_server_add_client (ts, "basic",
                                                     METADATA ("https://basic.example/cb",
                                                               "\"token_endpoint_auth_method\": "
                                                               "\"client_secret_basic\""));
  gh_test_pkce_pair (&fixture->verifier, &fixture->challenge);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_free (fixture->basic_secret);
  g_free (fixture->challenge);
  g_free (fixture->verifier);
  g_free (fixture->code);
  g_free (fixture->access_token);
  g_free (fixture->refresh_token);
  gh_test_server_teardown (TS, NULL);
}

static gint64
last_event_id (Fixture *fixture)
{
  GhStore *store = gh_server_get_store (TS->server);
  g_autoptr(GhStmt) stmt = gh_store_prepare (store, "SELECT coalesce (max (id), 0) "
                                             "FROM audit_events", NULL);
  gboolean row = FALSE;

  g_assert_true (gh_store_step (store, stmt, &row, NULL) && row);
  return sqlite3_column_int64 (stmt, 0);
}

static void
sql (Fixture    *fixture,
     const char *statement)
{
  g_autoptr(GError) error = NULL;

  gh_store_exec (gh_server_get_store (TS->server), statement, &error);
  g_assert_no_error (error);
}

/* The details of the newest event of @type after @after (the test fails when there is none),
 * its flow id in "@flow_id". */
static JsonObject *
event_after (Fixture    *fixture,
             gint64      after,
             const char *type)
{
  GhStore *store = gh_server_get_store (TS->server);
  g_autoptr(GhStmt) stmt = gh_store_prepare (store, "SELECT details, flow_id FROM audit_events "
                                             "WHERE id > ? AND type = ? ORDER BY id DESC "
                                             "LIMIT 1", NULL);
  JsonObject *details;
  gboolean row = FALSE;

  gh_stmt_bind_int64 (stmt, 1, after);
  gh_stmt_bind_text (stmt, 2, type);
  g_assert_true (gh_store_step (store, stmt, &row, NULL));
  if (!row)
    g_error ("No %s event after #%" G_GINT64_FORMAT, type, after);
  details = gh_test_parse_object (gh_stmt_column_text (stmt, 0));
  if (gh_stmt_column_text (stmt, 1) != NULL)
    json_object_set_string_member (details, "@flow_id", gh_stmt_column_text (stmt, 1));
  return details;
}

/* ---- requests ---------------------------------------------------------------------------- */

static GhTestResponse *
authorize (Fixture            *fixture,
           SoupSession        *session,
           const char * const *pairs)
{
  g_autofree char *query = gh_test_form_encode (pairs);
  g_autofree char *path = g_strconcat ("/authorize?", query, NULL);

  return gh_test_server_request (TS, session, "GET", path, NULL, NULL, NULL);
}

/* An authorization request of "app" with PKCE and @name = @value added (NULL: nothing). */
static GhTestResponse *
authorize_app (Fixture    *fixture,
               const char *name,
               const char *value,
               const char *name2,
               const char *value2)
{
  return authorize (fixture, TS->session,
                    PAIRS ("response_type", "code", "client_id", "app", "redirect_uri", APP_CB,
                           "code_challenge", fixture->challenge, CHALLENGE_METHOD,
                           "state", "s", name != NULL ? name : "x", value,
                           name2 != NULL ? name2 : "y", value2));
}

/* A code for "app" (auto-approved for alice), for @resource (NULL: none). */
static void
get_code (Fixture    *fixture,
          const char *resource,
          const char *scope)
{
  g_free (fixture->code);
  fixture->code = gh_test_server_authorize_code (TS, TS->session, APP_CB,
                                                 PAIRS ("response_type", "code",
                                                        "client_id", "app",
                                                        "redirect_uri", APP_CB,
                                                        "code_challenge", fixture->challenge,
                                                        CHALLENGE_METHOD, "state", "s",
                                                        "resource", resource, "scope", scope));
}

static GhTestResponse *
token (Fixture            *fixture,
       const char * const *pairs,
       const char * const *headers)
{
  return gh_test_server_post_form (TS, "/token", pairs, headers);
}

static GhTestResponse *
redeem (Fixture    *fixture,
        const char *client_id,
        const char *verifier,
        const char *redirect_uri,
        const char *resource)
{
  return token (fixture, PAIRS ("grant_type", "authorization_code", "client_id", client_id,
                                "code", fixture->code, "code_verifier", verifier,
                                "redirect_uri", redirect_uri, "resource", resource), NULL);
}

/* Tokens for "app" (a code redeemed): fixture->access_token and ->refresh_token. */
static void
get_tokens (Fixture    *fixture,
            const char *scope)
{
  g_autoptr(GhTestResponse) response = NULL;
  g_autoptr(JsonObject) doc = NULL;

  get_code (fixture, MCP, scope);
  response = redeem (fixture, "app", fixture->verifier, APP_CB, NULL);
  g_assert_cmpuint (response->status, ==, 200);
  doc = gh_test_response_json (response);
  g_free (fixture->access_token);
  g_free (fixture->refresh_token);
  fixture->access_token = g_strdup (json_object_get_string_member (doc, "access_token"));
  fixture->refresh_token = g_strdup (json_object_get_string_member (doc, "refresh_token"));
}

static GhTestResponse *
refresh (Fixture    *fixture,
         const char *client_id,
         const char *refresh_token,
         const char *scope)
{
  return token (fixture, PAIRS ("grant_type", "refresh_token", "client_id", client_id,
                                "refresh_token", refresh_token, "scope", scope), NULL);
}

static void
discard (GhTestResponse *response)
{
  gh_test_response_free (response);
}

/* Follows /authorize's 303 to a page with the browser: its request id and anti-forgery token. */
static void
open_page (Fixture        *fixture,
           GhTestResponse *redirect,
           char          **request_id,
           char          **csrf_token)
{
  const char *location = gh_test_response_header (redirect, "Location");
  g_autoptr(GhTestResponse) page = NULL;
  g_autofree char *html = NULL;

  g_assert_cmpuint (redirect->status, ==, 303);
  g_assert_true (g_str_has_prefix (location, TS->issuer));
  page = gh_test_server_request (TS, TS->browser, "GET", location + strlen (TS->issuer), NULL,
                                 NULL, NULL);
  g_assert_cmpuint (page->status, ==, 200);
  html = gh_test_response_text (page);
  *request_id = gh_test_hidden_value (html, "request");
  *csrf_token = gh_test_hidden_value (html, "csrf_token");
}

static GhTestResponse *
post_page (Fixture            *fixture,
           const char         *path,
           const char * const *pairs)
{
  g_autofree char *body = gh_test_form_encode (pairs);

  return gh_test_server_request (TS, TS->browser, "POST", path,
                                 PAIRS ("Origin", TS->issuer),
                                 "application/x-www-form-urlencoded", body);
}

/* /authorize with the browser, nobody signed in, no auto-approval: the login page. */
static void
reach_login (Fixture  *fixture,
             char    **request_id,
             char    **csrf_token)
{
  g_autoptr(GhTestResponse) response = NULL;

  gh_test_server_set (TS, "auto_approve_user", "");
  response = authorize (fixture, TS->browser,
                        PAIRS ("response_type", "code", "client_id", "app",
                               "redirect_uri", APP_CB, "code_challenge", fixture->challenge,
                               CHALLENGE_METHOD, "state", "st4te", "nonce", "n0nce",
                               "resource", MCP, "scope", "files:read offline_access"));
  open_page (fixture, response, request_id, csrf_token);
}

/* ---- the rows: one refused request each -------------------------------------------------- */

static void
run_no_client_id (Fixture *fixture)
{
  discard (authorize (fixture, TS->session, PAIRS ("response_type", "code")));
}

static void
run_no_redirect (Fixture *fixture)
{
  discard (authorize (fixture, TS->session,
                      PAIRS ("response_type", "code", "client_id", "two",
                             "code_challenge", fixture->challenge, CHALLENGE_METHOD)));
}

static void
run_redirect (Fixture    *fixture,
              const char *client_id,
              const char *redirect_uri)
{
  discard (authorize (fixture, TS->session,
                      PAIRS ("response_type", "code", "client_id", client_id,
                             "redirect_uri", redirect_uri,
                             "code_challenge", fixture->challenge, CHALLENGE_METHOD)));
}

static void
run_redirect_fragment (Fixture *fixture)
{
  run_redirect (fixture, "app", APP_CB "#frag");
}

static void
run_redirect_port (Fixture *fixture)
{
  run_redirect (fixture, "web", "https://web.example:9443/cb");
}

static void
run_redirect_loopback_host (Fixture *fixture)
{
  run_redirect (fixture, "native", "http://localhost:58135/cb");
}

static void
run_scheme_not_allowed (Fixture *fixture)
{
  gh_test_server_set (TS, "redirect_schemes", "vscode");
  run_redirect (fixture, "cursor", "cursor://anysphere.cursor-mcp/oauth/callback");
}

static void
run_response_type (Fixture *fixture)
{
  discard (authorize (fixture, TS->session,
                      PAIRS ("response_type", "token", "client_id", "app",
                             "redirect_uri", APP_CB)));
}

static void
run_pkce_missing (Fixture *fixture)
{
  discard (authorize (fixture, TS->session,
                      PAIRS ("response_type", "code", "client_id", "app",
                             "redirect_uri", APP_CB)));
}

static void
run_pkce_plain (Fixture *fixture)
{
  discard (authorize (fixture, TS->session,
                      PAIRS ("response_type", "code", "client_id", "app", "redirect_uri", APP_CB,
                             "code_challenge", fixture->challenge,
                             "code_challenge_method", "plain")));
}

static void
run_pkce_challenge (Fixture *fixture)
{
  discard (authorize (fixture, TS->session,
                      PAIRS ("response_type", "code", "client_id", "app", "redirect_uri", APP_CB,
                             "code_challenge", "short", CHALLENGE_METHOD)));
}

static void
run_scope_unknown (Fixture *fixture)
{
  discard (authorize_app (fixture, "resource", MCP, "scope", "nope:read"));
}

static void
run_scope_not_allowed (Fixture *fixture)
{
  discard (authorize (fixture, TS->session,
                      PAIRS ("response_type", "code", "client_id", "scoped",
                             "redirect_uri", "https://scoped.example/cb",
                             "code_challenge", fixture->challenge, CHALLENGE_METHOD,
                             "resource", MCP, "scope", "files:write")));
}

static void
run_resource_missing (Fixture *fixture)
{
  discard (authorize_app (fixture, "scope", "files:read", NULL, NULL));
}

static void
run_resource_invalid (Fixture *fixture)
{
  discard (authorize_app (fixture, "resource", "https://mcp.example/mcp#x", NULL, NULL));
}

static void
run_resource_unknown (Fixture *fixture)
{
  gh_test_server_set (TS, "resource_policy", "listed");
  discard (authorize_app (fixture, "resource", "https://unknown.example/mcp", NULL, NULL));
}

static void
run_resource_slash (Fixture *fixture)
{
  gh_test_server_set (TS, "resource_policy", "listed");
  discard (authorize_app (fixture, "resource", MCP "/", NULL, NULL));
}

static void
run_resource_not_granted (Fixture *fixture)
{
  get_code (fixture, MCP, NULL);
  discard (redeem (fixture, "app", fixture->verifier, APP_CB, OTHER));
}

static void
run_resource_missing_token (Fixture *fixture)
{
  fixture->code = gh_test_server_authorize_code (TS, TS->session, APP_CB,
                                                 PAIRS ("response_type", "code",
                                                        "client_id", "app",
                                                        "redirect_uri", APP_CB,
                                                        "code_challenge", fixture->challenge,
                                                        CHALLENGE_METHOD, "resource", MCP,
                                                        "resource", OTHER));
  discard (redeem (fixture, "app", fixture->verifier, APP_CB, NULL));
}

static void
run_prompt_none (Fixture *fixture)
{
  gh_test_server_set (TS, "auto_approve_user", "");
  discard (authorize_app (fixture, "prompt", "none", NULL, NULL));
}

static void
run_login_failed (Fixture *fixture)
{
  g_autofree char *request_id = NULL;
  g_autofree char *csrf_token = NULL;

  gh_test_server_set (TS, "allow_free_form_login", "false");
  reach_login (fixture, &request_id, &csrf_token);
  discard (post_page (fixture, "/login", PAIRS ("request", request_id, "csrf_token", csrf_token,
                                                "username", "mallory")));
}

static void
run_consent_denied (Fixture *fixture)
{
  g_autofree char *request_id = NULL;
  g_autofree char *csrf_token = NULL;
  g_autofree char *consent_id = NULL;
  g_autofree char *consent_csrf = NULL;
  g_autoptr(GhTestResponse) login = NULL;

  reach_login (fixture, &request_id, &csrf_token);
  login = post_page (fixture, "/login", PAIRS ("request", request_id, "csrf_token", csrf_token,
                                               "username", "alice"));
  open_page (fixture, login, &consent_id, &consent_csrf);
  discard (post_page (fixture, "/consent", PAIRS ("request", consent_id,
                                                  "csrf_token", consent_csrf,
                                                  "decision", "deny")));
}

static void
run_client_never (Fixture *fixture)
{
  run_redirect (fixture, "ghost", APP_CB);
}

static void
run_client_deleted (Fixture *fixture)
{
  g_autoptr(GhProject) project = gh_test_server_project (TS);
  g_autoptr(GError) error = NULL;

  g_free (gh_test_server_add_client (TS, "gone", METADATA (APP_CB, "\"client_name\": \"Gone\"")));
  g_assert_true (gh_clients_delete (gh_server_get_clients (TS->server), project, "gone", "cli",
                                    &error));
  g_assert_no_error (error);
  run_redirect (fixture, "gone", APP_CB);
}

static void
run_client_other_project (Fixture *fixture)
{
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) metadata = gh_test_parse_object (ONE_URI (APP_CB));
  g_autoptr(JsonObject) valid = NULL;
  g_autoptr(GhClient) client = NULL;

  gh_test_server_add_project (TS, "acme", "Acme", GH_SETTINGS_PROFILE_DEVELOPMENT);
  project = gh_projects_get (gh_server_get_projects (TS->server), "acme", &error);
  g_assert_no_error (error);
  valid = gh_client_metadata_validate (metadata, project->settings, "none", &error);
  g_assert_no_error (error);
  client = gh_clients_create (gh_server_get_clients (TS->server), project, "acme-app",
                              GH_CLIENT_SOURCE_ADMIN, valid, NULL, "cli", &error);
  g_assert_no_error (error);
  discard (token (fixture, PAIRS ("grant_type", "authorization_code", "client_id", "acme-app",
                                  "code", "x", "code_verifier", fixture->verifier), NULL));
}

static void
run_auth_missing (Fixture *fixture)
{
  discard (token (fixture, PAIRS ("grant_type", "authorization_code", "client_id", "basic",
                                  "code", "x"), NULL));
}

static void
run_auth_failed (Fixture *fixture)
{
  g_autofree char *basic = gh_test_basic_auth ("basic", "wrong");

  discard (token (fixture, PAIRS ("grant_type", "authorization_code", "code", "x"),
                  PAIRS ("Authorization", basic)));
}

static void
run_auth_method (Fixture *fixture)
{
  discard (token (fixture, PAIRS ("grant_type", "authorization_code", "client_id", "basic",
                                  "client_secret", fixture->basic_secret, "code", "x"), NULL));
}

static void
run_grant_not_allowed (Fixture *fixture)
{
  discard (refresh (fixture, "once", "x", NULL));
}

static void
run_not_confidential (Fixture *fixture)
{
  discard (gh_test_server_post_form (TS, "/introspect", PAIRS ("client_id", "app", "token", "x"),
                                     NULL));
}

static void
run_grant_unsupported (Fixture *fixture)
{
  discard (token (fixture, PAIRS ("grant_type", "password", "client_id", "app"), NULL));
}

static void
run_request_invalid_token (Fixture *fixture)
{
  discard (token (fixture, PAIRS ("client_id", "app"), NULL));
}

static void
run_code_unknown (Fixture *fixture)
{
  fixture->code = g_strdup ("nope");
  discard (redeem (fixture, "app", fixture->verifier, APP_CB, NULL));
}

static void
run_code_expired (Fixture *fixture)
{
  get_code (fixture, NULL, NULL);
  sql (fixture, "UPDATE authorization_codes SET expires_at = 0");
  discard (redeem (fixture, "app", fixture->verifier, APP_CB, NULL));
}

static void
run_code_replayed (Fixture *fixture)
{
  get_code (fixture, NULL, NULL);
  discard (redeem (fixture, "app", fixture->verifier, APP_CB, NULL));
  discard (redeem (fixture, "app", fixture->verifier, APP_CB, NULL));
}

static void
run_code_redirect (Fixture *fixture)
{
  get_code (fixture, NULL, NULL);
  discard (redeem (fixture, "app", fixture->verifier, "https://app.example/other", NULL));
}

static void
run_code_client (Fixture *fixture)
{
  get_code (fixture, NULL, NULL);
  discard (redeem (fixture, "app2", fixture->verifier, APP_CB, NULL));
}

static void
run_verifier_missing (Fixture *fixture)
{
  get_code (fixture, NULL, NULL);
  discard (redeem (fixture, "app", NULL, APP_CB, NULL));
}

static void
run_verifier_invalid (Fixture *fixture)
{
  get_code (fixture, NULL, NULL);
  discard (redeem (fixture, "app", "short", APP_CB, NULL));
}

static void
run_verifier_mismatch (Fixture *fixture)
{
  get_code (fixture, NULL, NULL);
  discard (redeem (fixture, "app", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", APP_CB, NULL));
}

static void
run_refresh_unknown (Fixture *fixture)
{
  discard (refresh (fixture, "app", "nope", NULL));
}

static void
run_refresh_expired (Fixture *fixture)
{
  get_tokens (fixture, NULL);
  sql (fixture, "UPDATE refresh_tokens SET expires_at = 0");
  discard (refresh (fixture, "app", fixture->refresh_token, NULL));
}

static void
run_refresh_revoked (Fixture *fixture)
{
  get_tokens (fixture, NULL);
  discard (gh_test_server_post_form (TS, "/revoke", PAIRS ("client_id", "app",
                                                           "token", fixture->refresh_token),
                                     NULL));
  discard (refresh (fixture, "app", fixture->refresh_token, NULL));
}

static void
run_refresh_client (Fixture *fixture)
{
  get_tokens (fixture, NULL);
  discard (refresh (fixture, "app2", fixture->refresh_token, NULL));
}

static void
run_refresh_reuse (Fixture *fixture)
{
  g_autoptr(GhTestResponse) first = NULL;

  get_tokens (fixture, NULL);
  first = refresh (fixture, "app", fixture->refresh_token, NULL);
  g_assert_cmpuint (first->status, ==, 200);
  g_usleep (20 * 1000);
  discard (refresh (fixture, "app", fixture->refresh_token, NULL));
}

static void
run_refresh_scope (Fixture *fixture)
{
  get_tokens (fixture, "files:read");
  discard (refresh (fixture, "app", fixture->refresh_token, "files:write"));
}

static void
run_token_invalid (Fixture *fixture)
{
  discard (gh_test_server_request (TS, TS->session, "GET", "/userinfo",
                                   PAIRS ("Authorization", "Bearer not.a.token"), NULL, NULL));
}

static void
run_insufficient_scope (Fixture *fixture)
{
  g_autofree char *bearer = NULL;

  get_tokens (fixture, "files:read");
  bearer = g_strconcat ("Bearer ", fixture->access_token, NULL);
  discard (gh_test_server_request (TS, TS->session, "GET", "/userinfo",
                                   PAIRS ("Authorization", bearer), NULL, NULL));
}

typedef struct
{
  const char *name;
  void (*run) (Fixture *fixture);
  const char *type;       /* the event that carries the explain */
  const char *rule;
  /* "member=value" of the explain (a dotted path: "fix.action"), "member=*" for any value
   * but null; up to four */
  const char *members[4];
} Row;

#define AUTH_REFUSED "authorization.refused"
#define TOKEN_REFUSED "token.refused"

static const Row rows[] = {
  { "request-invalid", run_no_client_id, AUTH_REFUSED, "request.invalid", { "hint=*" } },
  { "request-invalid-token", run_request_invalid_token, TOKEN_REFUSED, "request.invalid" },
  { "redirect-missing", run_no_redirect, AUTH_REFUSED, "redirect_uri.missing",
    { "expected=*" } },
  { "redirect-invalid", run_redirect_fragment, AUTH_REFUSED, "redirect_uri.invalid",
    { "actual=" APP_CB "#frag" } },
  { "redirect-mismatch-port", run_redirect_port, AUTH_REFUSED, "redirect_uri.mismatch",
    { "component=port", "match_rule=exact", "fix.action=add_redirect_uri",
      "actual=https://web.example:9443/cb" } },
  { "redirect-mismatch-loopback-host", run_redirect_loopback_host, AUTH_REFUSED,
    "redirect_uri.mismatch", { "component=host", "match_rule=loopback_any_port",
                               "closest=http://127.0.0.1/cb" } },
  { "redirect-scheme", run_scheme_not_allowed, AUTH_REFUSED, "redirect_uri.scheme_not_allowed",
    { "fix.action=allow_redirect_scheme", "fix.scheme=cursor", "actual=cursor" } },
  { "response-type", run_response_type, AUTH_REFUSED, "response_type.unsupported" },
  { "pkce-missing", run_pkce_missing, AUTH_REFUSED, "pkce.missing" },
  { "pkce-method", run_pkce_plain, AUTH_REFUSED, "pkce.method_not_supported",
    { "expected=S256", "actual=plain" } },
  { "pkce-challenge", run_pkce_challenge, AUTH_REFUSED, "pkce.challenge_invalid" },
  { "pkce-verifier-missing", run_verifier_missing, TOKEN_REFUSED, "pkce.verifier_missing" },
  { "pkce-verifier-invalid", run_verifier_invalid, TOKEN_REFUSED, "pkce.verifier_invalid" },
  { "pkce-verifier-mismatch", run_verifier_mismatch, TOKEN_REFUSED, "pkce.verifier_mismatch" },
  { "scope-unknown", run_scope_unknown, AUTH_REFUSED, "scope.unknown",
    { "actual=nope:read", "expected=*" } },
  { "scope-not-allowed", run_scope_not_allowed, AUTH_REFUSED, "scope.not_allowed",
    { "actual=files:write" } },
  { "resource-missing", run_resource_missing, AUTH_REFUSED, "resource.missing",
    { "hint=*" } },
  { "resource-missing-token", run_resource_missing_token, TOKEN_REFUSED, "resource.missing",
    { "expected=*" } },
  { "resource-invalid", run_resource_invalid, AUTH_REFUSED, "resource.invalid" },
  { "resource-unknown", run_resource_unknown, AUTH_REFUSED, "resource.unknown",
    { "fix.action=add_resource", "fix.resource=https://unknown.example/mcp" } },
  { "resource-trailing-slash", run_resource_slash, AUTH_REFUSED, "resource.trailing_slash",
    { "expected=" MCP, "actual=" MCP "/" } },
  { "resource-not-granted", run_resource_not_granted, TOKEN_REFUSED, "resource.not_granted",
    { "actual=" OTHER } },
  { "prompt-none", run_prompt_none, AUTH_REFUSED, "prompt.interaction_required" },
  { "login-failed", run_login_failed, AUTH_REFUSED, "login.failed", { "actual=mallory" } },
  { "consent-denied", run_consent_denied, "authorization.denied", "consent.denied" },
  { "client-never-registered", run_client_never, AUTH_REFUSED, "client.unknown",
    { "resolution=never_registered", "actual=ghost" } },
  { "client-deleted", run_client_deleted, AUTH_REFUSED, "client.unknown",
    { "resolution=deleted", "deleted_by=cli", "deleted_at=*", "client_name=Gone" } },
  { "client-other-project", run_client_other_project, TOKEN_REFUSED, "client.unknown",
    { "resolution=other_project", "project=acme" } },
  { "client-auth-missing", run_auth_missing, TOKEN_REFUSED, "client.auth_missing",
    { "registered=client_secret_basic", "presented=none" } },
  { "client-auth-failed", run_auth_failed, TOKEN_REFUSED, "client.auth_failed" },
  { "client-auth-method", run_auth_method, TOKEN_REFUSED, "client.auth_method_mismatch",
    { "registered=client_secret_basic", "presented=client_secret_post" } },
  { "client-grant-type", run_grant_not_allowed, TOKEN_REFUSED, "client.grant_type_not_allowed",
    { "actual=refresh_token" } },
  { "client-not-confidential", run_not_confidential, TOKEN_REFUSED, "client.not_confidential" },
  { "grant-type", run_grant_unsupported, TOKEN_REFUSED, "grant_type.unsupported",
    { "actual=password" } },
  { "code-unknown", run_code_unknown, TOKEN_REFUSED, "code.unknown" },
  { "code-expired", run_code_expired, TOKEN_REFUSED, "code.expired", { "code_ttl=*" } },
  { "code-replayed", run_code_replayed, TOKEN_REFUSED, "code.replayed", { "used_at=*" } },
  { "code-replayed-event", run_code_replayed, "code.replayed", "code.replayed" },
  { "code-redirect", run_code_redirect, TOKEN_REFUSED, "code.redirect_uri_differs",
    { "expected=" APP_CB, "actual=https://app.example/other" } },
  { "code-client", run_code_client, TOKEN_REFUSED, "code.client_differs",
    { "expected=app", "actual=app2" } },
  { "refresh-unknown", run_refresh_unknown, TOKEN_REFUSED, "refresh.unknown" },
  { "refresh-expired", run_refresh_expired, TOKEN_REFUSED, "refresh.expired" },
  { "refresh-revoked", run_refresh_revoked, TOKEN_REFUSED, "refresh.revoked",
    { "reason=revoked" } },
  { "refresh-client", run_refresh_client, TOKEN_REFUSED, "refresh.client_differs" },
  { "refresh-reuse", run_refresh_reuse, TOKEN_REFUSED, "refresh.reuse",
    { "generation=1", "ms_since_rotation=*", "grace_ms=0",
      "fix.key=refresh_grace_seconds" } },
  { "refresh-reuse-event", run_refresh_reuse, "refresh_token.reuse_detected", "refresh.reuse",
    { "generation=1", "latest_generation=2", "ms_since_rotation=*" } },
  { "refresh-scope", run_refresh_scope, TOKEN_REFUSED, "refresh.scope_widened",
    { "actual=files:write" } },
  { "token-invalid", run_token_invalid, TOKEN_REFUSED, "token.invalid" },
  { "token-insufficient-scope", run_insufficient_scope, TOKEN_REFUSED,
    "token.insufficient_scope", { "expected=openid" } },
};

/* The value at @path ("fix.action") of @object as text, or NULL when absent or null. */
static char *
member_text (JsonObject *object,
             const char *path)
{
  g_auto(GStrv) parts = g_strsplit (path, ".", -1);
  JsonNode *node = NULL;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (object == NULL || !json_object_has_member (object, parts[i]))
        return NULL;
      node = json_object_get_member (object, parts[i]);
      object = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
    }
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  return gh_json_to_string (node, FALSE);
}

static void
test_rule (Fixture       *fixture,
           gconstpointer  data)
{
  const Row *row = data;
  gint64 before = last_event_id (fixture);
  g_autoptr(JsonObject) details = NULL;
  JsonObject *explain;
  JsonObject *step;
  static const char * const members[] = {
    "rule", "message", "expected", "actual", "spec", "hint", "fix",
  };

  row->run (fixture);
  details = event_after (fixture, before, row->type);
  g_assert_true (json_object_has_member (details, "explain"));
  explain = json_object_get_object_member (details, "explain");
  g_assert_cmpstr (json_object_get_string_member (explain, "rule"), ==, row->rule);
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    g_assert_true (json_object_has_member (explain, members[i]));
  g_assert_nonnull (gh_explain_rule_lookup (row->rule));
  /* Every explain of these endpoints says what to do about it. */
  g_assert_false (json_node_is_null (json_object_get_member (explain, "hint")));

  for (guint i = 0; i < G_N_ELEMENTS (row->members) && row->members[i] != NULL; i++)
    {
      g_autofree char *path = g_strdup (row->members[i]);
      char *value = strchr (path, '=');
      g_autofree char *seen = NULL;

      *value++ = '\0';
      seen = member_text (explain, path);
      if (seen == NULL)
        g_error ("%s: explain has no %s: %s", row->name, path,
                 gh_json_to_string (json_object_get_member (details, "explain"), FALSE));
      if (!g_str_equal (value, "*"))
        g_assert_cmpstr (seen, ==, value);
    }

  /* The refusal's step: when it began, what it answered, and never a secret */
  g_assert_true (json_object_has_member (details, "step"));
  step = json_object_get_object_member (details, "step");
  g_assert_cmpint (json_object_get_int_member (step, "started_at"), >, 0);
  g_assert_cmpint (json_object_get_int_member (step, "status"), >=, 300);
  g_assert_nonnull (json_object_get_string_member (step, "error"));
  g_assert_true (json_object_has_member (step, "params"));
  {
    g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), details);
    g_autofree char *text = gh_json_to_string (node, FALSE);

    g_assert_null (strstr (text, fixture->verifier));
    if (fixture->code != NULL && strlen (fixture->code) > 8)
      g_assert_null (strstr (text, fixture->code));
    if (fixture->refresh_token != NULL)
      g_assert_null (strstr (text, fixture->refresh_token));
    if (fixture->access_token != NULL)
      g_assert_null (strstr (text, fixture->access_token));
    if (fixture->basic_secret != NULL)
      g_assert_null (strstr (text, fixture->basic_secret));
  }
}

/* Every rule of the OAuth endpoints' blocks has its row (the others: registration, CIMD,
 * admin). */
static void
test_rules_covered (void)
{
  static const char * const elsewhere[] = {
    "request.rate_limited",        /* /register's per-source limit */
  };
  static const char * const prefixes[] = {
    "request.", "redirect_uri.", "response_type.", "pkce.", "scope.", "resource.", "prompt.",
    "login.", "consent.", "client.", "grant_type.", "code.", "refresh.", "token.",
  };
  guint n_rules;
  const GhExplainRule *rules = gh_explain_rules (&n_rules);

  for (guint i = 0; i < n_rules; i++)
    {
      gboolean ours = FALSE, covered = FALSE;

      for (guint j = 0; j < G_N_ELEMENTS (prefixes); j++)
        ours |= g_str_has_prefix (rules[i].rule, prefixes[j]);
      for (guint j = 0; j < G_N_ELEMENTS (elsewhere); j++)
        ours &= !g_str_equal (rules[i].rule, elsewhere[j]);
      if (!ours)
        continue;
      for (guint j = 0; j < G_N_ELEMENTS (rows); j++)
        covered |= g_str_equal (rows[j].rule, rules[i].rule);
      if (!covered)
        g_error ("No row produces the rule %s", rules[i].rule);
    }
}

/* ---- one authorization's events ---------------------------------------------------------- */

typedef struct
{
  char *type;
  JsonObject *details;
} Event;

static void
event_free (Event *event)
{
  g_free (event->type);
  json_object_unref (event->details);
  g_free (event);
}

static GPtrArray *
flow_events (Fixture    *fixture,
             const char *flow_id)
{
  GhStore *store = gh_server_get_store (TS->server);
  g_autoptr(GhStmt) stmt = gh_store_prepare (store, "SELECT type, details FROM audit_events "
                                             "WHERE flow_id = ? ORDER BY id", NULL);
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) event_free);
  gboolean row;

  gh_stmt_bind_text (stmt, 1, flow_id);
  while (gh_store_step (store, stmt, &row, NULL) && row)
    {
      Event *event = g_new0 (Event, 1);

      event->type = g_strdup (gh_stmt_column_text (stmt, 0));
      event->details = gh_test_parse_object (gh_stmt_column_text (stmt, 1));
      g_ptr_array_add (events, event);
    }
  return events;
}

static gboolean
has_type (GPtrArray  *events,
          const char *type)
{
  for (guint i = 0; i < events->len; i++)
    if (g_str_equal (((Event *) g_ptr_array_index (events, i))->type, type))
      return TRUE;
  return FALSE;
}

static void
test_flow_steps (Fixture       *fixture,
                 gconstpointer  data)
{
  static const char * const expected[] = {
    "authorization.started", "user.logged_in", "consent.granted", "code.issued",
    "token.issued", "token.refreshed", "refresh_token.reuse_detected", "code.replayed",
    "token.refused",
  };
  g_autofree char *request_id = NULL;
  g_autofree char *csrf_token = NULL;
  g_autofree char *consent_id = NULL;
  g_autofree char *consent_csrf = NULL;
  g_autoptr(GhTestResponse) login = NULL;
  g_autoptr(GhTestResponse) allow = NULL;
  g_autoptr(GhTestResponse) tokens = NULL;
  g_autoptr(GhTestResponse) refreshed = NULL;
  g_autoptr(GhForm) query = NULL;
  g_autoptr(JsonObject) doc = NULL;
  g_autoptr(JsonObject) doc2 = NULL;
  g_autoptr(JsonObject) started = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autofree char *flow_id = NULL;
  const char *secrets[5];
  gint64 before = last_event_id (fixture);

  reach_login (fixture, &request_id, &csrf_token);
  login = post_page (fixture, "/login", PAIRS ("request", request_id, "csrf_token", csrf_token,
                                               "username", "alice"));
  open_page (fixture, login, &consent_id, &consent_csrf);
  allow = post_page (fixture, "/consent", PAIRS ("request", consent_id,
                                                 "csrf_token", consent_csrf,
                                                 "decision", "allow"));
  g_assert_cmpuint (allow->status, ==, 303);
  query = gh_test_response_location_query (allow, APP_CB);
  fixture->code = g_strdup (gh_form_get (query, "code"));
  g_assert_nonnull (fixture->code);

  tokens = redeem (fixture, "app", fixture->verifier, APP_CB, NULL);
  g_assert_cmpuint (tokens->status, ==, 200);
  doc = gh_test_response_json (tokens);
  fixture->refresh_token = g_strdup (json_object_get_string_member (doc, "refresh_token"));
  fixture->access_token = g_strdup (json_object_get_string_member (doc, "access_token"));
  refreshed = refresh (fixture, "app", fixture->refresh_token, NULL);
  g_assert_cmpuint (refreshed->status, ==, 200);
  doc2 = gh_test_response_json (refreshed);
  /* The rotated token again (the family goes), then the code again */
  discard (refresh (fixture, "app", fixture->refresh_token, NULL));
  discard (redeem (fixture, "app", fixture->verifier, APP_CB, NULL));

  started = event_after (fixture, before, "authorization.started");
  flow_id = g_strdup (json_object_get_string_member (started, "@flow_id"));
  g_assert_nonnull (flow_id);
  events = flow_events (fixture, flow_id);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    if (!has_type (events, expected[i]))
      g_error ("The flow has no %s event", expected[i]);

  secrets[0] = fixture->code;
  secrets[1] = fixture->verifier;
  secrets[2] = fixture->refresh_token;
  secrets[3] = fixture->access_token;
  secrets[4] = json_object_get_string_member (doc2, "refresh_token");
  for (guint i = 0; i < events->len; i++)
    {
      Event *event = g_ptr_array_index (events, i);
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), event->details);
      g_autofree char *text = gh_json_to_string (node, FALSE);
      JsonObject *step, *params;

      if (!json_object_has_member (event->details, "step"))
        g_error ("%s has no step: %s", event->type, text);
      step = json_object_get_object_member (event->details, "step");
      params = json_object_get_object_member (step, "params");
      g_assert_cmpint (json_object_get_int_member (step, "started_at"), >, 0);
      g_assert_true (json_object_has_member (step, "status"));
      g_assert_true (json_object_has_member (step, "error"));
      g_assert_nonnull (params);
      for (guint j = 0; j < G_N_ELEMENTS (secrets); j++)
        if (strstr (text, secrets[j]) != NULL)
          g_error ("%s holds a secret: %s", event->type, text);
      g_assert_null (strstr (text, "st4te"));  /* state is "present", not repeated */
      g_assert_null (strstr (text, "n0nce"));

      if (g_str_has_prefix (event->type, "token.") && g_str_equal (event->type, "token.issued"))
        {
          g_assert_cmpstr (json_object_get_string_member (params, "code_verifier"), ==,
                           "matches");
          g_assert_cmpstr (json_object_get_string_member (params, "client_auth_method"), ==,
                           "none");
          g_assert_cmpint (json_object_get_int_member (step, "status"), ==, 200);
        }
      if (g_str_equal (event->type, "authorization.started"))
        {
          g_assert_cmpstr (json_object_get_string_member (params, "client_id"), ==, "app");
          g_assert_cmpstr (json_object_get_string_member (params, "code_challenge_method"), ==,
                           "S256");
          g_assert_true (json_object_get_boolean_member (params, "state_present"));
          g_assert_true (json_object_get_boolean_member (params, "nonce_present"));
          g_assert_cmpuint (json_array_get_length (json_object_get_array_member (params,
                                                                                 "resource")),
                            ==, 1);
          g_assert_cmpint (json_object_get_int_member (step, "status"), ==, 303);
        }
      if (g_str_equal (event->type, "token.refreshed"))
        g_assert_cmpint (json_object_get_int_member (event->details, "generation"), ==, 2);
      if (g_str_equal (event->type, "token.refused"))
        g_assert_nonnull (json_object_get_string_member (step, "error"));
    }
}

/* Deleting a client (the CLI's, the admin API's and RFC 7592's path alike) leaves a tombstone. */
static void
test_tombstones (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GhProject) project = gh_test_server_project (TS);
  GhClients *clients = gh_server_get_clients (TS->server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tombstones = NULL;
  g_autoptr(JsonObject) explain = NULL;
  JsonObject *first;

  g_assert_true (gh_clients_delete (clients, project, "once", "admin-api", &error));
  g_assert_no_error (error);
  tombstones = gh_clients_list_tombstones (clients, project->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tombstones->len, ==, 1);
  first = g_ptr_array_index (tombstones, 0);
  g_assert_cmpstr (json_object_get_string_member (first, "client_id"), ==, "once");
  g_assert_cmpstr (json_object_get_string_member (first, "client_name"), ==, "Once");
  g_assert_cmpstr (json_object_get_string_member (first, "deleted_by"), ==, "admin-api");
  explain = gh_clients_explain_unknown (clients, project, "once");
  g_assert_cmpstr (json_object_get_string_member (explain, "resolution"), ==, "deleted");
  g_assert_cmpstr (json_object_get_string_member (explain, "deleted_by"), ==, "admin-api");
  /* A client that never was: no tombstone, and nothing is deleted */
  g_assert_false (gh_clients_delete (clients, project, "ghost", "cli", NULL));
  g_clear_pointer (&tombstones, g_ptr_array_unref);
  tombstones = gh_clients_list_tombstones (clients, project->id, NULL);
  g_assert_cmpuint (tombstones->len, ==, 1);
}

/* token.introspected: who asked, active or not, the type; never the token. */
static void
test_introspected (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *basic = gh_test_basic_auth ("basic", fixture->basic_secret);
  g_autoptr(GhTestResponse) response = NULL;
  g_autoptr(JsonObject) details = NULL;
  g_autofree char *text = NULL;
  gint64 before;

  get_tokens (fixture, NULL);
  before = last_event_id (fixture);
  response = gh_test_server_post_form (TS, "/introspect",
                                       PAIRS ("token", fixture->access_token),
                                       PAIRS ("Authorization", basic));
  g_assert_cmpuint (response->status, ==, 200);
  details = event_after (fixture, before, "token.introspected");
  g_assert_true (json_object_get_boolean_member (details, "active"));
  g_assert_cmpstr (json_object_get_string_member (details, "token_type"), ==, "Bearer");
  g_assert_cmpstr (json_object_get_string_member (details, "token_client_id"), ==, "app");
  {
    g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), details);
    text = gh_json_to_string (node, FALSE);
  }
  g_assert_null (strstr (text, fixture->access_token));
  g_clear_pointer (&details, json_object_unref);

  discard (gh_test_server_post_form (TS, "/introspect", PAIRS ("token", "nope"),
                                     PAIRS ("Authorization", basic)));
  details = event_after (fixture, before, "token.introspected");
  g_assert_false (json_object_get_boolean_member (details, "active"));
}

/* A refresh token revoked by its client: token.revoked belongs to the flow of its family. */
static void
test_revoked_in_flow (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(JsonObject) issued = NULL;
  g_autoptr(JsonObject) revoked = NULL;
  g_autoptr(GhTestResponse) response = NULL;
  gint64 before = last_event_id (fixture);

  get_tokens (fixture, NULL);
  response = gh_test_server_post_form (TS, "/revoke", PAIRS ("client_id", "app",
                                                             "token", fixture->refresh_token),
                                       NULL);
  g_assert_cmpuint (response->status, ==, 200);
  issued = event_after (fixture, before, "code.issued");
  revoked = event_after (fixture, before, "token.revoked");
  g_assert_nonnull (json_object_get_string_member (issued, "@flow_id"));
  g_assert_cmpstr (json_object_get_string_member (revoked, "@flow_id"), ==,
                   json_object_get_string_member (issued, "@flow_id"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *path = g_strconcat ("/server/explain-oauth/rule/", rows[i].name, NULL);

      g_test_add (path, Fixture, &rows[i], fixture_setup, test_rule, fixture_teardown);
    }
  g_test_add_func ("/server/explain-oauth/rules-covered", test_rules_covered);
  g_test_add ("/server/explain-oauth/flow-steps", Fixture, NULL, fixture_setup, test_flow_steps,
              fixture_teardown);
  g_test_add ("/server/explain-oauth/tombstones", Fixture, NULL, fixture_setup, test_tombstones,
              fixture_teardown);
  g_test_add ("/server/explain-oauth/introspected", Fixture, NULL, fixture_setup,
              test_introspected, fixture_teardown);
  g_test_add ("/server/explain-oauth/revoked-in-flow", Fixture, NULL, fixture_setup,
              test_revoked_in_flow, fixture_teardown);
  return g_test_run ();
}
