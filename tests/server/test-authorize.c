/* test-authorize.c — /authorize and the login and consent pages, over a real server
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-error.h"
#include "gh-server.h"
#include "gh-test-util.h"

/* Every refusal that goes back to the client must carry this state, byte for byte. */
#define PAIRS GH_TEST_PAIRS
#define TRICKY_STATE "a b&c=d/é✓?%20+;#x"
#define XSS_NAME "<script>alert(1)</script>"
#define APP_CB "https://app.example/cb"
/* A valid S256 challenge, and the same with one character too many or wrong. */
#define CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

typedef GhTestServer Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *secret = NULL;

  gh_test_server_setup (fixture, data);
  gh_test_server_add_user (fixture, "alice", "Alice Liddell", "alice@example.test");
  gh_test_server_add_user (fixture, "bob", "Bob", NULL);
  gh_test_server_add_resource (fixture, "https://mcp.example/mcp", "files:read files:write");

  gh_test_server_add_client (fixture, "app",
                             "{\"client_name\": \"App\", \"redirect_uris\": "
                             "[\"https://app.example/cb\", \"https://app.example/q?tenant=1\"], "
                             "\"grant_types\": [\"authorization_code\", \"refresh_token\"]}");
  gh_test_server_add_client (fixture, "native",
                             "{\"redirect_uris\": [\"http://127.0.0.1/cb\", \"http://[::1]/cb\", "
                             "\"http://localhost/cb\"]}");
  gh_test_server_add_client (fixture, "single",
                             "{\"redirect_uris\": [\"https://single.example/cb\"]}");
  gh_test_server_add_client (fixture, "cursor",
                             "{\"redirect_uris\": "
                             "[\"cursor://anysphere.cursor-mcp/oauth/callback\"]}");
  gh_test_server_add_client (fixture, "xss",
                             "{\"client_name\": \"" XSS_NAME "\", "
                             "\"redirect_uris\": [\"https://xss.example/cb\"]}");
  gh_test_server_add_client (fixture, "scoped",
                             "{\"redirect_uris\": [\"https://scoped.example/cb\"], "
                             "\"scope\": \"openid files:read\"}");
  /* "Аpple" with a Cyrillic А, returning to the IDN look-alike of apple.example. */
  gh_test_server_add_client (fixture, "lookalike",
                             "{\"client_name\": \"\u0410pple\", "
                             "\"redirect_uris\": [\"https://xn--pple-43d.example/cb\"]}");
  secret = gh_test_server_add_client (fixture, "confidential",
                                      "{\"redirect_uris\": [\"https://conf.example/cb\"], "
                                      "\"token_endpoint_auth_method\": \"client_secret_basic\"}");
  g_assert_nonnull (secret);
}

/* An /authorize query: NULL-terminated name, value pairs, edited row by row. */
typedef GPtrArray Query;

static Query *
query_new (const char *client_id,
           const char *redirect_uri)
{
  g_autofree char *verifier = NULL;
  g_autofree char *challenge = NULL;
  GPtrArray *query = g_ptr_array_new_null_terminated (16, g_free, TRUE);
  const char *base[] = {
    "response_type", "code",
    "client_id", client_id,
    "redirect_uri", redirect_uri,
    "scope", "openid",
    "state", TRICKY_STATE,
    "code_challenge_method", "S256",
    NULL,
  };

  for (guint i = 0; base[i] != NULL; i += 2)
    if (base[i + 1] != NULL)
      {
        g_ptr_array_add (query, g_strdup (base[i]));
        g_ptr_array_add (query, g_strdup (base[i + 1]));
      }
  gh_test_pkce_pair (&verifier, &challenge);
  g_ptr_array_add (query, g_strdup ("code_challenge"));
  g_ptr_array_add (query, g_steal_pointer (&challenge));
  return query;
}

/* Replaces the first @name (NULL @value removes it), or appends it. */
static void
query_set (Query      *query,
           const char *name,
           const char *value)
{
  for (guint i = 0; i < query->len; i += 2)
    if (g_str_equal (g_ptr_array_index (query, i), name))
      {
        if (value == NULL)
          g_ptr_array_remove_range (query, i, 2);
        else
          {
            g_free (query->pdata[i + 1]);
            query->pdata[i + 1] = g_strdup (value);
          }
        return;
      }
  if (value != NULL)
    {
      g_ptr_array_add (query, g_strdup (name));
      g_ptr_array_add (query, g_strdup (value));
    }
}

/* Applies a row's changes: "name", value sets (NULL removes); "+name", value repeats. */
static void
query_apply (Query              *query,
             const char * const *changes)
{
  for (guint i = 0; changes[i] != NULL; i += 2)
    {
      if (changes[i][0] == '+')
        {
          g_ptr_array_add (query, g_strdup (changes[i] + 1));
          g_ptr_array_add (query, g_strdup (changes[i + 1]));
        }
      else
        query_set (query, changes[i], changes[i + 1]);
    }
}

static GhTestResponse *
authorize (Fixture     *fixture,
           SoupSession *session,
           Query       *query,
           gboolean     html)
{
  static const char * const html_headers[] = { "Accept", "text/html,application/xhtml+xml", NULL };
  g_autofree char *text = gh_test_form_encode ((const char * const *) query->pdata);
  g_autofree char *path = g_strconcat ("/authorize?", text, NULL);

  return gh_test_server_request (fixture, session, "GET", path, html ? html_headers : NULL, NULL,
                                 NULL);
}

static void
assert_page_headers (GhTestResponse *response)
{
  const char *csp = gh_test_response_header (response, "Content-Security-Policy");

  g_assert_cmpstr (gh_test_response_header (response, "Content-Type"), ==,
                   "text/html; charset=utf-8");
  g_assert_cmpstr (gh_test_response_header (response, "X-Frame-Options"), ==, "DENY");
  g_assert_nonnull (csp);
  g_assert_nonnull (strstr (csp, "frame-ancestors 'none'"));
  g_assert_nonnull (strstr (csp, "form-action 'self'"));
  g_assert_cmpstr (gh_test_response_header (response, "Cache-Control"), ==, "no-store");
}

/* The refusal shows on the server and goes nowhere else. */
static void
assert_page_error (GhTestResponse *response,
                   gboolean        html,
                   const char     *error)
{
  g_assert_cmpuint (response->status, ==, 400);
  g_assert_null (gh_test_response_header (response, "Location"));
  if (html)
    {
      g_autofree char *text = gh_test_response_text (response);

      assert_page_headers (response);
      g_assert_nonnull (strstr (text, error));
      /* What the request said is shown as text. */
      g_assert_null (strstr (text, "<script"));
    }
  else
    {
      g_autoptr(JsonObject) doc = gh_test_response_json (response);

      g_assert_cmpstr (gh_test_response_header (response, "Content-Type"), ==, "application/json");
      g_assert_cmpstr (json_object_get_string_member (doc, "error"), ==, error);
      g_assert_true (json_object_has_member (doc, "error_description"));
    }
}

/* A redirect back to @redirect_uri with @error (RFC 6749 §4.1.2.1, RFC 9207). */
static void
assert_redirect_error (Fixture        *fixture,
                       GhTestResponse *response,
                       guint           status,
                       const char     *redirect_uri,
                       const char     *error,
                       const char     *state)
{
  g_autoptr(GhForm) params = NULL;

  g_assert_cmpuint (response->status, ==, status);
  params = gh_test_response_location_query (response, redirect_uri);
  g_assert_cmpstr (gh_form_get (params, "error"), ==, error);
  g_assert_nonnull (gh_form_get (params, "error_description"));
  g_assert_cmpstr (gh_form_get (params, "error_description"), !=, "");
  g_assert_cmpstr (gh_form_get (params, "state"), ==, state);
  g_assert_cmpstr (gh_form_get (params, "iss"), ==, fixture->issuer);
  g_assert_null (gh_form_get (params, "code"));
  g_assert_null (gh_form_find_repeated (params, NULL));
  g_assert_cmpstr (gh_test_response_header (response, "Cache-Control"), ==, "no-store");
}

static void
assert_redirect_code (Fixture        *fixture,
                      GhTestResponse *response,
                      guint           status,
                      const char     *redirect_uri,
                      const char     *state)
{
  g_autoptr(GhForm) params = NULL;

  g_assert_cmpuint (response->status, ==, status);
  params = gh_test_response_location_query (response, redirect_uri);
  g_assert_null (gh_form_get (params, "error"));
  g_assert_nonnull (gh_form_get (params, "code"));
  g_assert_cmpuint (strlen (gh_form_get (params, "code")), >=, 32);
  g_assert_cmpstr (gh_form_get (params, "state"), ==, state);
  g_assert_cmpstr (gh_form_get (params, "iss"), ==, fixture->issuer);
  g_assert_null (gh_form_find_repeated (params, NULL));
}

/* SECURITY.md, /authorize: what cannot be sent back to the client is a 400 page. */
static void
test_page_errors (Fixture       *fixture,
                  gconstpointer  data)
{
  static const struct {
    const char *client_id;
    const char *redirect_uri;
    const char *changes[6];
    const char *error;
  } rows[] = {
    { NULL, APP_CB, { NULL }, "invalid_request" },
    { "", APP_CB, { NULL }, "invalid_request" },
    { "nobody", APP_CB, { NULL }, "invalid_client" },
    { "APP", APP_CB, { NULL }, "invalid_client" },
    { "app", APP_CB, { "+client_id", "app", NULL }, "invalid_request" },
    { "app", APP_CB, { "+client_id", "single", NULL }, "invalid_request" },
    /* A metadata document URL that breaks the URL rules (a fragment): refused before any
     * lookup, so no name is ever resolved off this machine. */
    { "https://client.example/meta.json#x", "https://client.example/cb", { NULL },
      "invalid_client" },
    /* Exact string match. */
    { "app", "https://App.example/cb", { NULL }, "invalid_request" },
    { "app", "https://app.example/CB", { NULL }, "invalid_request" },
    { "app", "https://app.example/cb/", { NULL }, "invalid_request" },
    { "app", "https://app.example/cb?x=1", { NULL }, "invalid_request" },
    { "app", "https://app.example/cb#frag", { NULL }, "invalid_request" },
    { "app", "https://app.example/q", { NULL }, "invalid_request" },
    { "app", "https://app.example/q?tenant=2", { NULL }, "invalid_request" },
    { "app", "https://evil.example/cb", { NULL }, "invalid_request" },
    { "app", "https://app.example.evil.example/cb", { NULL }, "invalid_request" },
    { "app", "https://app.example:8443/cb", { NULL }, "invalid_request" },
    { "app", "https://app.example:443/cb", { NULL }, "invalid_request" },
    { "app", "http://app.example/cb", { NULL }, "invalid_request" },
    { "app", "https://single.example/cb", { NULL }, "invalid_request" },
    /* Loopback: any port, nothing else. */
    { "native", "http://127.0.0.1:49152/other", { NULL }, "invalid_request" },
    { "native", "http://127.0.0.1:49152/CB", { NULL }, "invalid_request" },
    { "native", "http://127.0.0.1:49152/cb?x=1", { NULL }, "invalid_request" },
    { "native", "https://127.0.0.1:49152/cb", { NULL }, "invalid_request" },
    { "native", "http://127.0.0.2:49152/cb", { NULL }, "invalid_request" },
    { "native", "http://user@127.0.0.1:49152/cb", { NULL }, "invalid_request" },
    { "native", "http://localhost.evil.example:49152/cb", { NULL }, "invalid_request" },
    /* Several registered: which one is meant? */
    { "app", NULL, { NULL }, "invalid_request" },
    { "native", NULL, { NULL }, "invalid_request" },
    { "app", APP_CB, { "+redirect_uri", APP_CB, NULL },
      "invalid_request" },
    { "app", APP_CB, { "+redirect_uri", "https://evil.example/cb", NULL },
      "invalid_request" },
    /* Markup in what is echoed on the page. */
    { "<script>alert(1)</script>", APP_CB, { NULL }, "invalid_client" },
    { "app", "https://app.example/<script>alert(1)</script>", { NULL }, "invalid_request" },
  };

  gh_test_server_set (fixture, "auto_approve_user", "alice");
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    for (guint html = 0; html < 2; html++)
      {
        g_autoptr(GPtrArray) query = query_new (rows[i].client_id, rows[i].redirect_uri);
        g_autoptr(GhTestResponse) response = NULL;
        guint refused = gh_test_server_count_audit (fixture, "authorization.refused");

        g_test_message ("row %u: client_id %s, redirect_uri %s, %s", i, rows[i].client_id,
                        rows[i].redirect_uri, html ? "HTML" : "JSON");

        query_apply (query, rows[i].changes);
        response = authorize (fixture, fixture->session, query, html);
        assert_page_error (response, html, rows[i].error);
        g_assert_cmpuint (gh_test_server_count_audit (fixture, "authorization.refused"), ==,
                          refused + 1);
      }
}

/* RFC 8252 §7.3: a loopback redirect URI registered without a port matches any port. */
static void
test_loopback_any_port (Fixture       *fixture,
                        gconstpointer  data)
{
  static const char * const uris[] = {
    "http://127.0.0.1/cb",
    "http://127.0.0.1:49152/cb",
    "http://127.0.0.1:1/cb",
    "http://[::1]:49152/cb",
    "http://[::1]/cb",
    "http://localhost:49152/cb",
    "http://localhost:65535/cb",
  };

  gh_test_server_set (fixture, "auto_approve_user", "alice");
  for (guint i = 0; i < G_N_ELEMENTS (uris); i++)
    {
      g_autoptr(GPtrArray) query = query_new ("native", uris[i]);
      g_autoptr(GhTestResponse) response = authorize (fixture, fixture->session, query, FALSE);

      g_test_message ("%s", uris[i]);
      /* Back to the very URI the client sent, port included. */
      assert_redirect_code (fixture, response, 302, uris[i], TRICKY_STATE);
    }
}

static void
test_redirect_uri_omitted (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GPtrArray) query = query_new ("single", NULL);
  g_autoptr(GhTestResponse) response = NULL;

  gh_test_server_set (fixture, "auto_approve_user", "alice");
  response = authorize (fixture, fixture->session, query, FALSE);
  assert_redirect_code (fixture, response, 302, "https://single.example/cb", TRICKY_STATE);
}

/* A registered redirect URI with a query keeps it; the response parameters are added. */
static void
test_redirect_uri_with_query (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GPtrArray) query = query_new ("app", "https://app.example/q?tenant=1");
  g_autoptr(GhTestResponse) response = NULL;

  gh_test_server_set (fixture, "auto_approve_user", "alice");
  response = authorize (fixture, fixture->session, query, FALSE);
  assert_redirect_code (fixture, response, 302, "https://app.example/q?tenant=1", TRICKY_STATE);
}

/* SECURITY.md, /authorize: with the redirect URI validated, refusals go back to it. */
static void
test_redirect_errors (Fixture       *fixture,
                      gconstpointer  data)
{
  static const struct {
    const char *changes[8];
    const char *error;
  } rows[] = {
    /* Repeated parameters other than client_id and redirect_uri. */
    { { "+scope", "openid", NULL }, "invalid_request" },
    { { "+response_type", "code", NULL }, "invalid_request" },
    { { "+code_challenge", CHALLENGE, NULL }, "invalid_request" },
    { { "+code_challenge_method", "S256", NULL }, "invalid_request" },
    { { "nonce", "n", "+nonce", "n", NULL }, "invalid_request" },
    { { "+resource", "https://mcp.example/mcp", "prompt", "none", "+prompt", "none", NULL },
      "invalid_request" },
    /* response_type */
    { { "response_type", NULL, NULL }, "invalid_request" },
    { { "response_type", "token", NULL }, "unsupported_response_type" },
    { { "response_type", "code token", NULL }, "unsupported_response_type" },
    { { "response_type", "id_token", NULL }, "unsupported_response_type" },
    { { "response_type", "", NULL }, "unsupported_response_type" },
    /* PKCE: S256 only, 43 base64url characters. */
    { { "code_challenge", NULL, NULL }, "invalid_request" },
    { { "code_challenge_method", "plain", NULL }, "invalid_request" },
    { { "code_challenge_method", NULL, NULL }, "invalid_request" },
    { { "code_challenge_method", "s256", NULL }, "invalid_request" },
    { { "code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c", NULL }, "invalid_request" },
    { { "code_challenge", CHALLENGE "M", NULL }, "invalid_request" },
    { { "code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM", NULL },
      "invalid_request" },
    { { "code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-c=", NULL },
      "invalid_request" },
    { { "code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw.cM", NULL },
      "invalid_request" },
    { { "code_challenge", "", NULL }, "invalid_request" },
    /* Scopes: standard ones, or defined by a resource the request names (none here). */
    { { "scope", "openid admin", NULL }, "invalid_scope" },
    { { "scope", "files:delete", NULL }, "invalid_scope" },
    /* RFC 8707 §2: absolute, no fragment. */
    { { "resource", "/mcp", NULL }, "invalid_target" },
    { { "resource", "mcp.example/mcp", NULL }, "invalid_target" },
    { { "resource", "https://mcp.example/mcp#section", NULL }, "invalid_target" },
    { { "resource", "https://mcp.example/mcp", "+resource", "https://mcp.example/x#y", NULL },
      "invalid_target" },
    { { "resource", "", NULL }, "invalid_target" },
    /* Other parameters this server refuses. */
    { { "prompt", "bogus", NULL }, "invalid_request" },
    { { "prompt", "none login", NULL }, "invalid_request" },
    { { "response_mode", "fragment", NULL }, "invalid_request" },
    { { "request_uri", "urn:ietf:params:oauth:request_uri:x", NULL }, "invalid_request" },
  };

  gh_test_server_set (fixture, "auto_approve_user", "alice");
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GPtrArray) query = query_new ("app", APP_CB);
      g_autoptr(GhTestResponse) response = NULL;
      guint refused = gh_test_server_count_audit (fixture, "authorization.refused");

      g_test_message ("row %u: %s %s -> %s", i, rows[i].changes[0], rows[i].changes[1],
                      rows[i].error);
      query_apply (query, rows[i].changes);
      response = authorize (fixture, fixture->session, query, i % 2 == 0);
      assert_redirect_error (fixture, response, 302, APP_CB, rows[i].error,
                             TRICKY_STATE);
      g_assert_cmpuint (gh_test_server_count_audit (fixture, "authorization.refused"), ==,
                        refused + 1);
    }
}

/* A repeated state is not echoed (which one would be?), but the refusal still goes back. */
static void
test_repeated_state (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) query = query_new ("app", APP_CB);
  g_autoptr(GhTestResponse) response = NULL;

  g_ptr_array_add (query, g_strdup ("state"));
  g_ptr_array_add (query, g_strdup ("other"));
  response = authorize (fixture, fixture->session, query, FALSE);
  assert_redirect_error (fixture, response, 302, APP_CB, "invalid_request", NULL);
}

/* RFC 9207: iss on success too; the state comes back byte for byte. */
static void
test_success_iss_state (Fixture       *fixture,
                        gconstpointer  data)
{
  static const char * const states[] = {
    TRICKY_STATE, "plain", "  leading and trailing  ", "a=b&c=d", "日本語 ünïcödé", "%41%",
  };

  gh_test_server_set (fixture, "auto_approve_user", "alice");
  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    {
      g_autoptr(GPtrArray) query = query_new ("app", APP_CB);
      g_autoptr(GhTestResponse) response = NULL;

      query_set (query, "state", states[i]);
      response = authorize (fixture, fixture->session, query, FALSE);
      assert_redirect_code (fixture, response, 302, APP_CB, states[i]);
    }

  /* Without a state, none comes back. */
  {
    g_autoptr(GPtrArray) query = query_new ("app", APP_CB);
    g_autoptr(GhTestResponse) response = NULL;

    query_set (query, "state", NULL);
    response = authorize (fixture, fixture->session, query, FALSE);
    assert_redirect_code (fixture, response, 302, APP_CB, NULL);
  }
}

/* The form-encoded POST form of the request works the same. */
static void
test_post (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(GPtrArray) query = query_new ("app", APP_CB);
  g_autofree char *body = gh_test_form_encode ((const char * const *) query->pdata);
  g_autoptr(GhTestResponse) response = NULL;

  gh_test_server_set (fixture, "auto_approve_user", "alice");
  response = gh_test_server_request (fixture, fixture->session, "POST", "/authorize", NULL,
                                     "application/x-www-form-urlencoded", body);
  /* After a POST, 303: the browser GETs the client's URI. */
  assert_redirect_code (fixture, response, 303, APP_CB, TRICKY_STATE);
}

/* Custom schemes only while the project's redirect_schemes allows them (SPEC-NOTES.md). */
static void
test_custom_scheme (Fixture       *fixture,
                    gconstpointer  data)
{
  const char *uri = "cursor://anysphere.cursor-mcp/oauth/callback";

  gh_test_server_set (fixture, "auto_approve_user", "alice");
  {
    g_autoptr(GPtrArray) query = query_new ("cursor", uri);
    g_autoptr(GhTestResponse) response = authorize (fixture, fixture->session, query, FALSE);

    assert_redirect_code (fixture, response, 302, uri, TRICKY_STATE);
  }

  /* The administrator removes the scheme: the registered URI no longer counts. */
  gh_test_server_set (fixture, "redirect_schemes", "vscode");
  for (guint html = 0; html < 2; html++)
    {
      g_autoptr(GPtrArray) query = query_new ("cursor", uri);
      g_autoptr(GhTestResponse) response = authorize (fixture, fixture->session, query, html);

      assert_page_error (response, html, "invalid_request");
    }
  {
    g_autoptr(GPtrArray) query = query_new ("cursor", NULL);
    g_autoptr(GhTestResponse) response = authorize (fixture, fixture->session, query, FALSE);

    assert_page_error (response, FALSE, "invalid_request");
  }

  /* Nor can such a client be registered. */
  {
    g_autoptr(GhProject) project = gh_test_server_project (fixture);
    g_autoptr(JsonObject) metadata = json_object_new ();
    g_autoptr(JsonArray) uris = json_array_new ();
    g_autoptr(JsonObject) validated = NULL;
    g_autoptr(GError) error = NULL;

    json_array_add_string_element (uris, uri);
    json_object_set_array_member (metadata, "redirect_uris", g_steal_pointer (&uris));
    validated = gh_client_metadata_validate (metadata, project->settings, "none", &error);
    g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_REDIRECT_URI);
    g_assert_null (validated);
  }
}

#define LISTED "https://mcp.example/mcp"  /* defines files:read files:write */
#define UNLISTED "https://open.example/mcp"

/* The granted scopes of the last code, space-separated. */
static char *
last_granted_scopes (Fixture *fixture)
{
  g_autoptr(JsonObject) event = gh_test_server_last_audit (fixture, "code.issued");
  JsonArray *scopes = json_object_get_array_member (event, "scopes");
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (scopes); i++)
    g_string_append_printf (text, "%s%s", i > 0 ? " " : "",
                            json_array_get_string_element (scopes, i));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* The scope rule: a scope is granted only if it is standard or defined by a resource the
 * request names (a listed one by its scopes; one not listed, under resource_policy=open, any
 * well-formed scope), and a non-standard one within what the client registered, if it did. */
static void
test_scope_rule (Fixture       *fixture,
                 gconstpointer  data)
{
  static const struct {
    const char *client;    /* "app": no scope registered; "ceiling": "files:read mcp:tools" */
    const char *resource;  /* LISTED, UNLISTED, or NULL (none named) */
    const char *scope;     /* NULL: no scope parameter */
    const char *granted;   /* NULL: refused with invalid_scope */
  } rows[] = {
    /* No scope registered, a listed resource: its scopes only. */
    { "app", LISTED, "files:read", "files:read" },
    { "app", LISTED, "openid files:read files:write", "openid files:read files:write" },
    { "app", LISTED, "mcp:tools", NULL },
    { "app", LISTED, "files:read admin:everything", NULL },
    /* No scope registered, an unlisted resource under open: any well-formed scope (what
     * mcp-remote's CIMD and static-client modes ask for). */
    { "app", UNLISTED, "mcp:tools", "mcp:tools" },
    { "app", UNLISTED, "openid mcp:tools offline_access", "openid mcp:tools offline_access" },
    { "app", UNLISTED, "files:read", "files:read" },
    { "app", UNLISTED, "mcp:tools bad\"quote", NULL },
    { "app", UNLISTED, "mcp:tools back\\slash", NULL },
    { "app", UNLISTED, "caf\xc3\xa9", NULL },
    /* A scope registered: within it, and defined by the named resource. */
    { "ceiling", LISTED, "files:read", "files:read" },
    { "ceiling", LISTED, "files:read offline_access", "files:read offline_access" },
    { "ceiling", LISTED, "openid files:read", NULL },  /* standard, not registered */
    { "ceiling", LISTED, "files:write", NULL },   /* defined, not registered */
    { "ceiling", LISTED, "mcp:tools", NULL },     /* registered, not defined */
    { "ceiling", UNLISTED, "mcp:tools", "mcp:tools" },
    { "ceiling", UNLISTED, "files:read mcp:tools", "files:read mcp:tools" },
    { "ceiling", UNLISTED, "admin:everything", NULL },  /* accepted by open, not registered */
    /* No resource named: the standard scopes only. */
    { "app", NULL, "openid profile email offline_access", "openid profile email offline_access" },
    { "app", NULL, "files:read", NULL },
    { "ceiling", NULL, "mcp:tools", NULL },
    { "ceiling", NULL, "openid", NULL },
    /* offline_access is the one exception to the registered scope: MCP clients add it. */
    { "ceiling", NULL, "offline_access", "offline_access" },
    { "ceiling", UNLISTED, "mcp:tools offline_access", "mcp:tools offline_access" },
    /* No scope parameter: what the client registered, as far as the resource allows. */
    { "ceiling", LISTED, NULL, "files:read" },
    { "ceiling", UNLISTED, NULL, "files:read mcp:tools" },
    { "ceiling", NULL, NULL, "" },
    { "app", LISTED, NULL, "" },
  };

  gh_test_server_add_client (fixture, "ceiling",
                             "{\"redirect_uris\": [\"https://ceiling.example/cb\"], "
                             "\"scope\": \"files:read mcp:tools\"}");
  gh_test_server_set (fixture, "auto_approve_user", "alice");
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      const char *redirect_uri = g_str_equal (rows[i].client, "app")
                                 ? APP_CB : "https://ceiling.example/cb";
      g_autoptr(GPtrArray) query = query_new (rows[i].client, redirect_uri);
      g_autoptr(GhTestResponse) response = NULL;

      g_test_message ("row %u: %s, resource %s, scope %s", i, rows[i].client, rows[i].resource,
                      rows[i].scope);
      query_set (query, "scope", rows[i].scope);
      query_set (query, "resource", rows[i].resource);
      response = authorize (fixture, fixture->session, query, FALSE);
      if (rows[i].granted != NULL)
        {
          g_autofree char *granted = NULL;

          assert_redirect_code (fixture, response, 302, redirect_uri, TRICKY_STATE);
          granted = last_granted_scopes (fixture);
          g_assert_cmpstr (granted, ==, rows[i].granted);
        }
      else
        assert_redirect_error (fixture, response, 302, redirect_uri, "invalid_scope",
                               TRICKY_STATE);
    }

  /* The unlisted resource was recorded with the scopes granted for it, as information only,
   * each widening an audit event; the listed one kept its own. */
  {
    g_autoptr(GhProject) project = gh_test_server_project (fixture);
    GhResources *resources = gh_server_get_resources (fixture->server);
    g_autoptr(GhResource) unlisted = gh_resources_find (resources, project->id, UNLISTED, NULL);
    g_autoptr(GhResource) listed = gh_resources_find (resources, project->id, LISTED, NULL);
    g_autoptr(JsonObject) widened = gh_test_server_last_audit (fixture,
                                                               "resource.scopes_widened");
    g_autofree char *recorded = NULL;
    g_autofree char *own = NULL;

    g_assert_nonnull (unlisted);
    g_assert_true (unlisted->recorded);
    recorded = g_strjoinv (" ", unlisted->scopes);
    g_assert_cmpstr (recorded, ==, "mcp:tools files:read");
    own = g_strjoinv (" ", listed->scopes);
    g_assert_cmpstr (own, ==, "files:read files:write");
    g_assert_cmpuint (gh_test_server_count_audit (fixture, "resource.scopes_widened"), ==, 2);
    g_assert_cmpstr (json_object_get_string_member (widened, "uri"), ==, UNLISTED);
    g_assert_cmpstr (json_object_get_string_member (widened, "@client_id"), ==, "app");
  }

  /* Once resource_policy=listed, a resource recorded under open is not listed: what clients
   * asked for under open defines nothing. */
  gh_test_server_set (fixture, "resource_policy", "listed");
  {
    g_autoptr(GPtrArray) query = query_new ("app", APP_CB);
    g_autoptr(GhTestResponse) response = NULL;

    query_set (query, "scope", "mcp:tools");
    query_set (query, "resource", UNLISTED);
    response = authorize (fixture, fixture->session, query, FALSE);
    assert_redirect_error (fixture, response, 302, APP_CB, "invalid_target", TRICKY_STATE);
  }

  /* An administrator adopts it by adding it: listed from then on, with the scopes given. */
  gh_test_server_add_resource (fixture, UNLISTED, "mcp:admin");
  {
    g_autoptr(JsonObject) added = gh_test_server_last_audit (fixture, "resource.added");

    g_assert_true (json_object_get_boolean_member (added, "adopted"));
  }
  {
    g_autoptr(GPtrArray) query = query_new ("app", APP_CB);
    g_autoptr(GhTestResponse) response = NULL;

    query_set (query, "scope", "mcp:tools");
    query_set (query, "resource", UNLISTED);
    response = authorize (fixture, fixture->session, query, FALSE);
    assert_redirect_error (fixture, response, 302, APP_CB, "invalid_scope", TRICKY_STATE);
  }
  {
    g_autoptr(GPtrArray) query = query_new ("app", APP_CB);
    g_autoptr(GhTestResponse) response = NULL;
    g_autofree char *granted = NULL;

    query_set (query, "scope", "mcp:admin");
    query_set (query, "resource", UNLISTED);
    response = authorize (fixture, fixture->session, query, FALSE);
    assert_redirect_code (fixture, response, 302, APP_CB, TRICKY_STATE);
    granted = last_granted_scopes (fixture);
    g_assert_cmpstr (granted, ==, "mcp:admin");
  }
}

/* RFC 6749 §4.1.2.1: error_description is %x20-21 / %x23-5B / %x5D-7E, and an invalid scope
 * is not echoed. */
static void
test_scope_error_description (Fixture       *fixture,
                              gconstpointer  data)
{
  static const struct {
    const char *client;
    const char *resource;
    const char *scope;
  } rows[] = {
    { "app", UNLISTED, "caf\xc3\xa9" },
    { "app", UNLISTED, "bad\"zzq" },
    { "app", UNLISTED, "back\\zzs" },
    { "app", NULL, "files:read" },
    { "app", LISTED, "mcp:tools" },
    { "ceiling", LISTED, "files:write" },
    { "ceiling", NULL, "openid" },
  };

  gh_test_server_add_client (fixture, "ceiling",
                             "{\"redirect_uris\": [\"https://ceiling.example/cb\"], "
                             "\"scope\": \"files:read mcp:tools\"}");
  gh_test_server_set (fixture, "auto_approve_user", "alice");
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      const char *redirect_uri = g_str_equal (rows[i].client, "app")
                                 ? APP_CB : "https://ceiling.example/cb";
      g_autoptr(GPtrArray) query = query_new (rows[i].client, redirect_uri);
      g_autoptr(GhTestResponse) response = NULL;
      g_autoptr(GhForm) params = NULL;
      const char *description;

      g_test_message ("row %u: %s", i, rows[i].scope);
      query_set (query, "scope", rows[i].scope);
      query_set (query, "resource", rows[i].resource);
      response = authorize (fixture, fixture->session, query, FALSE);
      assert_redirect_error (fixture, response, 302, redirect_uri, "invalid_scope",
                             TRICKY_STATE);
      params = gh_test_response_location_query (response, redirect_uri);
      description = gh_form_get (params, "error_description");
      for (const char *p = description; *p; p++)
        g_assert_true (*p >= 0x20 && *p <= 0x7e && *p != '"' && *p != '\\');
      g_assert_null (strstr (description, "caf"));
      g_assert_null (strstr (description, "zz"));
    }

  /* The same for a resource that is not listed. */
  gh_test_server_set (fixture, "resource_policy", "listed");
  {
    g_autoptr(GPtrArray) query = query_new ("app", APP_CB);
    g_autoptr(GhTestResponse) response = NULL;
    g_autoptr(GhForm) params = NULL;
    const char *description;

    query_set (query, "resource", "https://other.example/a\"b\\c");
    response = authorize (fixture, fixture->session, query, FALSE);
    params = gh_test_response_location_query (response, APP_CB);
    g_assert_cmpstr (gh_form_get (params, "error"), ==, "invalid_target");
    description = gh_form_get (params, "error_description");
    for (const char *p = description; *p; p++)
      g_assert_true (*p >= 0x20 && *p <= 0x7e && *p != '"' && *p != '\\');
  }
}

/* A recorded resource notes at most GH_SCOPES_RECORDED_MAX scopes, however many clients ask
 * for. */
static void
test_scope_recorded_cap (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GString) many = g_string_new (NULL);
  g_autoptr(GhProject) project = gh_test_server_project (fixture);
  g_autoptr(GhResource) recorded = NULL;

  gh_test_server_set (fixture, "auto_approve_user", "alice");
  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(GPtrArray) query = query_new ("app", APP_CB);
      g_autoptr(GhTestResponse) response = NULL;

      g_string_truncate (many, 0);
      for (guint i = 0; i < 30; i++)
        g_string_append_printf (many, "%sround%u:scope%u", i > 0 ? " " : "", round, i);
      query_set (query, "scope", many->str);
      query_set (query, "resource", UNLISTED);
      response = authorize (fixture, fixture->session, query, FALSE);
      assert_redirect_code (fixture, response, 302, APP_CB, TRICKY_STATE);
    }
  recorded = gh_resources_find (gh_server_get_resources (fixture->server), project->id,
                                UNLISTED, NULL);
  g_assert_cmpuint (g_strv_length (recorded->scopes), ==, 32);
  g_assert_cmpstr (recorded->scopes[31], ==, "round1:scope1");
}

/* The exploit of issue 8: a client registered by open DCR with "scope":"admin:everything"
 * got that scope for a listed resource that defines only mcp:read. */
static void
test_scope_dcr_exploit (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GhTestResponse) registered = NULL;
  g_autoptr(JsonObject) client = NULL;
  g_autoptr(GPtrArray) query = NULL;
  g_autoptr(GhTestResponse) response = NULL;
  g_autoptr(GhTestResponse) discovery = NULL;
  g_autoptr(JsonObject) doc = NULL;
  g_autofree char *supported = NULL;
  JsonArray *array;

  gh_test_server_add_resource (fixture, "https://listed.example/mcp", "mcp:read");
  gh_test_server_set (fixture, "auto_approve_user", "alice");
  registered = gh_test_server_request (fixture, fixture->session, "POST", "/register", NULL,
                                       "application/json",
                                       "{\"redirect_uris\": [\"http://127.0.0.1/cb\"], "
                                       "\"token_endpoint_auth_method\": \"none\", "
                                       "\"scope\": \"admin:everything\"}");
  g_assert_cmpuint (registered->status, ==, 201);
  client = gh_test_response_json (registered);

  query = query_new (json_object_get_string_member (client, "client_id"),
                     "http://127.0.0.1:5000/cb");
  query_set (query, "scope", "admin:everything");
  query_set (query, "resource", "https://listed.example/mcp");
  response = authorize (fixture, fixture->session, query, FALSE);
  assert_redirect_error (fixture, response, 302, "http://127.0.0.1:5000/cb", "invalid_scope",
                         TRICKY_STATE);
  g_assert_cmpuint (gh_test_server_count_audit (fixture, "code.issued"), ==, 0);

  /* Discovery lists the standard scopes and those of listed resources, nothing a client
   * made up. */
  discovery = gh_test_server_request (fixture, fixture->session, "GET",
                                      "/.well-known/oauth-authorization-server", NULL, NULL,
                                      NULL);
  doc = gh_test_response_json (discovery);
  array = json_object_get_array_member (doc, "scopes_supported");
  {
    g_autoptr(GString) text = g_string_new (NULL);

    for (guint i = 0; i < json_array_get_length (array); i++)
      g_string_append_printf (text, "%s%s", i > 0 ? " " : "",
                              json_array_get_string_element (array, i));
    supported = g_string_free (g_steal_pointer (&text), FALSE);
  }
  g_assert_cmpstr (supported, ==,
                   "openid profile email offline_access mcp:read files:read files:write");

  /* A resource added later shows at once (discovery is cached until the store changes). */
  gh_test_server_add_resource (fixture, "https://later.example/mcp", "later:use");
  {
    g_autoptr(GhTestResponse) again = NULL;
    g_autoptr(JsonObject) later = NULL;
    JsonArray *list;
    gboolean found = FALSE;

    again = gh_test_server_request (fixture, fixture->session, "GET",
                                    "/.well-known/oauth-authorization-server", NULL, NULL, NULL);
    later = gh_test_response_json (again);
    list = json_object_get_array_member (later, "scopes_supported");
    for (guint i = 0; i < json_array_get_length (list); i++)
      found |= g_str_equal (json_array_get_string_element (list, i), "later:use");
    g_assert_true (found);
  }
}

/* resource_policy=listed: only resources the project serves. */
static void
test_resource_listed (Fixture       *fixture,
                      gconstpointer  data)
{
  gh_test_server_set (fixture, "auto_approve_user", "alice");
  gh_test_server_set (fixture, "resource_policy", "listed");
  {
    g_autoptr(GPtrArray) query = query_new ("app", APP_CB);
    g_autoptr(GhTestResponse) response = NULL;

    query_set (query, "resource", "https://other.example/mcp");
    response = authorize (fixture, fixture->session, query, FALSE);
    assert_redirect_error (fixture, response, 302, APP_CB, "invalid_target",
                           TRICKY_STATE);
  }
  {
    g_autoptr(GPtrArray) query = query_new ("app", APP_CB);
    g_autoptr(GhTestResponse) response = NULL;

    /* Scheme and host compare case-insensitively (the canonical form). */
    query_set (query, "resource", "HTTPS://MCP.example/mcp");
    query_set (query, "scope", "openid files:read");
    response = authorize (fixture, fixture->session, query, FALSE);
    assert_redirect_code (fixture, response, 302, APP_CB, TRICKY_STATE);
  }
  {
    g_autoptr(GPtrArray) query = query_new ("app", APP_CB);
    g_autoptr(GhTestResponse) response = NULL;

    /* The path is compared byte for byte. */
    query_set (query, "resource", "https://mcp.example/MCP");
    response = authorize (fixture, fixture->session, query, FALSE);
    assert_redirect_error (fixture, response, 302, APP_CB, "invalid_target",
                           TRICKY_STATE);
  }
}

static void
test_prompt_none_login_required (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autoptr(GPtrArray) query = query_new ("app", APP_CB);
  g_autoptr(GhTestResponse) response = NULL;

  query_set (query, "prompt", "none");
  response = authorize (fixture, fixture->browser, query, TRUE);
  assert_redirect_error (fixture, response, 302, APP_CB, "login_required",
                         TRICKY_STATE);
}

/* auto_approve_user naming nobody: a server error, sent back, not a code for someone. Setting
 * it so is refused now (test-settings.c), so the value is written as a database from before
 * that check would hold it. */
static void
test_auto_approve_unknown_user (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(GPtrArray) query = query_new ("app", APP_CB);
  g_autoptr(GhTestResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  GhStore *store = gh_server_get_store (fixture->server);

  g_assert_true (gh_store_begin (store, &error));
  g_assert_true (gh_store_exec (store, "UPDATE project_settings SET value = 'nobody' "
                                "WHERE key = 'auto_approve_user'", &error));
  g_assert_true (gh_store_commit (store, &error));
  g_assert_no_error (error);
  response = authorize (fixture, fixture->session, query, FALSE);
  assert_redirect_error (fixture, response, 302, APP_CB, "server_error",
                         TRICKY_STATE);
}

/* --- The pages: a browser with cookies, no auto-approval. --- */

/* The path of a Location on this server, asserting where it goes. */
static char *
local_location (Fixture        *fixture,
                GhTestResponse *response,
                const char     *path)
{
  const char *location = gh_test_response_header (response, "Location");
  g_autofree char *prefix = g_strconcat (fixture->issuer, path, "?request=", NULL);

  g_assert_nonnull (location);
  if (!g_str_has_prefix (location, prefix))
    g_error ("Location “%s” does not start with “%s”", location, prefix);
  return g_strdup (location + strlen (fixture->issuer));
}

typedef struct
{
  char *path;        /* "/login?request=..." */
  char *request_id;
  char *csrf_token;
  char *html;
  char *csp;
} Page;

static void
page_clear (Page *page)
{
  g_free (page->path);
  g_free (page->request_id);
  g_free (page->csrf_token);
  g_free (page->html);
  g_free (page->csp);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Page, page_clear)

/* Follows a 303 to @where (/login or /consent) and reads the page there. */
static void
open_page (Fixture        *fixture,
           GhTestResponse *redirect,
           const char     *where,
           Page           *page)
{
  g_autoptr(GhTestResponse) response = NULL;

  g_assert_cmpuint (redirect->status, ==, 303);
  page->path = local_location (fixture, redirect, where);
  response = gh_test_server_request (fixture, fixture->browser, "GET", page->path, NULL, NULL,
                                     NULL);
  g_assert_cmpuint (response->status, ==, 200);
  assert_page_headers (response);
  page->html = gh_test_response_text (response);
  page->csp = g_strdup (gh_test_response_header (response, "Content-Security-Policy"));
  page->request_id = gh_test_hidden_value (page->html, "request");
  page->csrf_token = gh_test_hidden_value (page->html, "csrf_token");
  g_assert_cmpstr (strchr (page->path, '=') + 1, ==, page->request_id);
}

/* A page's form, sent by @session with @origin and @fetch_site (Sec-Fetch-Site; NULL: none). */
static GhTestResponse *
post_page_full (Fixture            *fixture,
                SoupSession        *session,
                const char         *path,
                const char         *origin,
                const char         *fetch_site,
                const char * const *pairs)
{
  g_autofree char *body = gh_test_form_encode (pairs);
  const char *headers[5] = { NULL, };
  guint n = 0;

  if (origin != NULL)
    {
      headers[n++] = "Origin";
      headers[n++] = origin;
    }
  if (fetch_site != NULL)
    {
      headers[n++] = "Sec-Fetch-Site";
      headers[n++] = fetch_site;
    }
  return gh_test_server_request (fixture, session, "POST", path, headers,
                                 "application/x-www-form-urlencoded", body);
}

/* A page's form, sent by @session with @origin (NULL: none). */
static GhTestResponse *
post_page (Fixture            *fixture,
           SoupSession        *session,
           const char         *path,
           const char         *origin,
           const char * const *pairs)
{
  return post_page_full (fixture, session, path, origin, NULL, pairs);
}

static GhTestResponse *
start_flow (Fixture    *fixture,
            const char *client_id,
            const char *redirect_uri,
            const char *scope,
            const char *prompt)
{
  g_autoptr(GPtrArray) query = query_new (client_id, redirect_uri);

  query_set (query, "scope", scope);
  /* The files: scopes are those of the listed resource: name it. */
  if (scope != NULL && strstr (scope, "files:") != NULL)
    query_set (query, "resource", LISTED);
  query_set (query, "prompt", prompt);
  return authorize (fixture, fixture->browser, query, TRUE);
}

/* Signs in as @username from the login page; returns the answer (a 303). */
static GhTestResponse *
login (Fixture    *fixture,
       const Page *page,
       const char *username)
{
  return post_page (fixture, fixture->browser, "/login", fixture->issuer,
                    PAIRS ("request", page->request_id, "csrf_token", page->csrf_token,
                           "username", username));
}

static GhTestResponse *
decide (Fixture    *fixture,
        const Page *page,
        const char *decision)
{
  return post_page (fixture, fixture->browser, "/consent", fixture->issuer,
                    PAIRS ("request", page->request_id, "csrf_token", page->csrf_token,
                           "decision", decision));
}

/* From /authorize to the consent page of @client_id, signed in as alice. */
static void
reach_consent (Fixture    *fixture,
               const char *client_id,
               const char *redirect_uri,
               const char *scope,
               Page       *consent)
{
  g_autoptr(GhTestResponse) start = start_flow (fixture, client_id, redirect_uri, scope, NULL);
  g_autoptr(GhTestResponse) signed_in = NULL;
  g_auto(Page) login_page = { 0 };

  open_page (fixture, start, "/login", &login_page);
  signed_in = login (fixture, &login_page, "alice");
  open_page (fixture, signed_in, "/consent", consent);
}

static void
test_login_page (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GhTestResponse) start = start_flow (fixture, "app", APP_CB, "openid", NULL);
  g_autofree char *cookie_name = g_strdup_printf ("gh%u_browser=",
                                                  gh_server_get_port (fixture->server));
  const char *set_cookie = gh_test_response_header (start, "Set-Cookie");
  g_auto(Page) page = { 0 };

  /* To the login page, with a cookie binding the request to this browser. */
  g_assert_cmpuint (start->status, ==, 303);
  g_assert_nonnull (set_cookie);
  g_assert_true (g_str_has_prefix (set_cookie, cookie_name));
  g_assert_nonnull (strstr (set_cookie, "HttpOnly"));
  g_assert_nonnull (strstr (set_cookie, "SameSite=Lax"));
  g_assert_cmpstr (gh_test_response_header (start, "Cache-Control"), ==, "no-store");

  open_page (fixture, start, "/login", &page);
  g_assert_nonnull (strstr (page.html, "value=\"alice\""));
  g_assert_nonnull (strstr (page.html, "Alice Liddell"));
  g_assert_nonnull (strstr (page.html, "value=\"bob\""));
  g_assert_nonnull (strstr (page.html, "app.example"));
  /* The form posts here (same origin), and the redirect after it may go to the client. */
  g_assert_nonnull (strstr (page.csp, "; form-action 'self' https://app.example;"));
}

/* The login and consent forms refuse what a forged page would send: 403, no code. */
static void
test_forged_posts (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GhTestResponse) start = start_flow (fixture, "app", APP_CB, "openid", NULL);
  g_autoptr(GhTestResponse) signed_in = NULL;
  g_auto(Page) login_page = { 0 };
  g_auto(Page) consent_page = { 0 };
  const char *paths[] = { "/login", "/consent" };
  const char *fields[] = { "username", "alice", "decision", "allow" };

  open_page (fixture, start, "/login", &login_page);

  for (guint step = 0; step < 2; step++)
    {
      const Page *page = step == 0 ? &login_page : &consent_page;
      const char *name = fields[step * 2];
      const char *value = fields[step * 2 + 1];
      const struct {
        SoupSession *session;
        const char *origin;
        const char *csrf_token;
        const char *fetch_site;
      } rows[] = {
        { fixture->browser, fixture->issuer, NULL, NULL },
        { fixture->browser, fixture->issuer, "", NULL },
        { fixture->browser, fixture->issuer, "not-the-token", NULL },
        { fixture->browser, NULL, NULL, NULL },
        { fixture->browser, "https://evil.example", page->csrf_token, NULL },
        { fixture->browser, "http://127.0.0.1", page->csrf_token, NULL },
        /* Origin: null is let through only with the token, the cookie and Sec-Fetch-Site
         * same-origin or none (test_null_origin). */
        { fixture->browser, "null", NULL, NULL },
        { fixture->browser, "null", "not-the-token", NULL },
        { fixture->session, "null", page->csrf_token, NULL },
        /* The browser says another site sent it, whatever the Origin. */
        { fixture->browser, "null", page->csrf_token, "cross-site" },
        { fixture->browser, "null", page->csrf_token, "same-site" },
        /* Origin: null without the browser saying same-origin: for a loopback issuer, a page
         * on another 127.0.0.1 port is the same site and gets the SameSite=Lax cookie. */
        { fixture->browser, "null", page->csrf_token, NULL },
        { fixture->browser, NULL, page->csrf_token, "cross-site" },
        { fixture->browser, fixture->issuer, page->csrf_token, "cross-site" },
        /* Another browser (no cookie) with everything else right. */
        { fixture->session, fixture->issuer, page->csrf_token, NULL },
        { fixture->session, NULL, page->csrf_token, NULL },
      };

      for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
        {
          g_autoptr(GhTestResponse) response = NULL;

          g_test_message ("%s row %u", paths[step], i);
          response = post_page_full (fixture, rows[i].session, paths[step], rows[i].origin,
                                     rows[i].fetch_site,
                                     PAIRS ("request", page->request_id,
                                            "csrf_token", rows[i].csrf_token, name, value));
          g_assert_cmpuint (response->status, ==, 403);
          g_assert_null (gh_test_response_header (response, "Location"));
        }
      g_assert_cmpuint (gh_test_server_count_audit (fixture, "code.issued"), ==, 0);

      /* Nor does another browser even see the page. */
      {
        g_autoptr(GhTestResponse) response = NULL;

        response = gh_test_server_request (fixture, fixture->session, "GET", page->path, NULL,
                                           NULL, NULL);
        g_assert_cmpuint (response->status, ==, 403);
      }

      /* The request is still usable by its own browser. */
      if (step == 0)
        {
          signed_in = login (fixture, &login_page, "alice");
          open_page (fixture, signed_in, "/consent", &consent_page);
        }
      else
        {
          g_autoptr(GhTestResponse) allowed = decide (fixture, &consent_page, "allow");
          assert_redirect_code (fixture, allowed, 303, APP_CB, TRICKY_STATE);
        }
    }
}

/* What Chromium sends when a page's referrer policy hides its origin (as no-referrer did):
 * "Origin: null". With this browser's cookie and the page's token, the flow goes on. The
 * pages themselves ask for same-origin, so a browser names their origin (tests/browser). */
static void
test_null_origin (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GhTestResponse) start = start_flow (fixture, "app", APP_CB, "openid", NULL);
  g_autoptr(GhTestResponse) signed_in = NULL;
  g_autoptr(GhTestResponse) allowed = NULL;
  g_autoptr(GhTestResponse) login_response = NULL;
  g_auto(Page) login_page = { 0 };
  g_auto(Page) consent_page = { 0 };

  open_page (fixture, start, "/login", &login_page);
  login_response = gh_test_server_request (fixture, fixture->browser, "GET", login_page.path,
                                           NULL, NULL, NULL);
  g_assert_cmpstr (gh_test_response_header (login_response, "Referrer-Policy"), ==,
                   "same-origin");
  g_assert_nonnull (strstr (login_page.html,
                            "<meta name=\"referrer\" content=\"same-origin\">"));

  signed_in = post_page_full (fixture, fixture->browser, "/login", "null", "same-origin",
                              PAIRS ("request", login_page.request_id,
                                     "csrf_token", login_page.csrf_token, "username", "alice"));
  open_page (fixture, signed_in, "/consent", &consent_page);
  allowed = post_page_full (fixture, fixture->browser, "/consent", "null", "same-origin",
                            PAIRS ("request", consent_page.request_id,
                                   "csrf_token", consent_page.csrf_token, "decision", "allow"));
  assert_redirect_code (fixture, allowed, 303, APP_CB, TRICKY_STATE);
}

/* The consent page names, for a scope, the resource of the request that defines it, not
 * another resource of the project that happens to define a scope of the same name. */
static void
test_consent_scope_resource (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GhTestResponse) start = NULL;
  g_autoptr(GhTestResponse) signed_in = NULL;
  g_auto(Page) login_page = { 0 };
  g_auto(Page) consent = { 0 };

  /* Sorts before LISTED, so a lookup over every resource finds it first. */
  gh_test_server_add_resource (fixture, "https://a-decoy.example/mcp", "files:read");
  start = start_flow (fixture, "app", APP_CB, "files:read", NULL);
  open_page (fixture, start, "/login", &login_page);
  signed_in = login (fixture, &login_page, "alice");
  open_page (fixture, signed_in, "/consent", &consent);
  g_assert_nonnull (strstr (consent.html, "files:read"));
  g_assert_nonnull (strstr (consent.html, LISTED));
  g_assert_null (strstr (consent.html, "a-decoy.example"));
}

/* Markup in a client's name is shown as text; the hosts the browser really goes to show. */
static void
test_consent_escapes (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GhTestResponse) start = start_flow (fixture, "xss", "https://xss.example/cb", "openid",
                                                NULL);
  g_autoptr(GhTestResponse) signed_in = NULL;
  g_auto(Page) login_page = { 0 };
  g_auto(Page) consent = { 0 };

  open_page (fixture, start, "/login", &login_page);
  g_assert_null (strstr (login_page.html, "<script"));
  g_assert_nonnull (strstr (login_page.html, "&lt;script&gt;alert(1)&lt;/script&gt;"));

  signed_in = login (fixture, &login_page, "alice");
  open_page (fixture, signed_in, "/consent", &consent);
  g_assert_null (strstr (consent.html, "<script"));
  g_assert_nonnull (strstr (consent.html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  g_assert_nonnull (strstr (consent.html, "xss.example"));
  g_assert_nonnull (strstr (consent.html, "alice"));
}

/* A look-alike name next to the host the browser really returns to, in its ASCII form. */
static void
test_consent_lookalike (Fixture       *fixture,
                        gconstpointer  data)
{
  g_auto(Page) consent = { 0 };

  reach_consent (fixture, "lookalike", "https://xn--pple-43d.example/cb", "openid", &consent);
  g_assert_nonnull (strstr (consent.html, "\u0410pple"));
  g_assert_nonnull (strstr (consent.html, "xn--pple-43d.example"));
  g_assert_nonnull (strstr (consent.html, "lookalike"));
}

static void
test_deny (Fixture       *fixture,
           gconstpointer  data)
{
  g_auto(Page) consent = { 0 };
  g_autoptr(GhTestResponse) denied = NULL;
  g_autoptr(GhTestResponse) again = NULL;

  reach_consent (fixture, "app", APP_CB, "openid", &consent);
  denied = decide (fixture, &consent, "deny");
  assert_redirect_error (fixture, denied, 303, APP_CB, "access_denied", TRICKY_STATE);
  g_assert_cmpuint (gh_test_server_count_audit (fixture, "authorization.denied"), ==, 1);
  g_assert_cmpuint (gh_test_server_count_audit (fixture, "code.issued"), ==, 0);

  /* The request is finished: the page cannot be used again. */
  again = decide (fixture, &consent, "allow");
  g_assert_cmpuint (again->status, ==, 400);
  g_assert_null (gh_test_response_header (again, "Location"));
}

static GhTestResponse *
token_request (Fixture            *fixture,
               const char * const *pairs)
{
  return gh_test_server_post_form (fixture, "/token", pairs, NULL);
}

static void
test_allow (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GPtrArray) query = query_new ("app", APP_CB);
  g_autofree char *verifier = NULL;
  g_autofree char *challenge = NULL;
  g_autoptr(GhTestResponse) start = NULL;
  g_autoptr(GhTestResponse) signed_in = NULL;
  g_autoptr(GhTestResponse) allowed = NULL;
  g_autoptr(GhTestResponse) token = NULL;
  g_autoptr(GhTestResponse) replay = NULL;
  g_autoptr(GhForm) params = NULL;
  g_autoptr(JsonObject) doc = NULL;
  g_auto(Page) login_page = { 0 };
  g_auto(Page) consent = { 0 };

  gh_test_pkce_pair (&verifier, &challenge);
  query_set (query, "code_challenge", challenge);
  start = authorize (fixture, fixture->browser, query, TRUE);
  open_page (fixture, start, "/login", &login_page);
  signed_in = login (fixture, &login_page, "alice");
  open_page (fixture, signed_in, "/consent", &consent);

  allowed = decide (fixture, &consent, "allow");
  /* 303, never 307: a 307 would make the browser POST the form to the client. */
  assert_redirect_code (fixture, allowed, 303, APP_CB, TRICKY_STATE);
  params = gh_test_response_location_query (allowed, APP_CB);

  token = token_request (fixture, PAIRS ("grant_type", "authorization_code", "client_id", "app",
                                         "code", gh_form_get (params, "code"),
                                         "code_verifier", verifier,
                                         "redirect_uri", APP_CB));
  g_assert_cmpuint (token->status, ==, 200);
  doc = gh_test_response_json (token);
  g_assert_true (json_object_has_member (doc, "access_token"));
  g_assert_true (json_object_has_member (doc, "id_token"));

  /* The consent page is finished too. */
  replay = decide (fixture, &consent, "allow");
  g_assert_cmpuint (replay->status, ==, 400);
  g_assert_null (gh_test_response_header (replay, "Location"));
}

/* The same browser, client and scopes again: no page at all. */
static void
test_remembered_consent (Fixture       *fixture,
                         gconstpointer  data)
{
  g_auto(Page) consent = { 0 };
  g_autoptr(GhTestResponse) allowed = NULL;
  g_autoptr(GhTestResponse) again = NULL;
  g_autoptr(GhTestResponse) narrower = NULL;
  g_autoptr(GhTestResponse) wider = NULL;
  g_autoptr(GhTestResponse) other_browser = NULL;
  g_auto(Page) consent_again = { 0 };

  reach_consent (fixture, "app", APP_CB, "openid files:read", &consent);
  allowed = decide (fixture, &consent, "allow");
  assert_redirect_code (fixture, allowed, 303, APP_CB, TRICKY_STATE);

  again = start_flow (fixture, "app", APP_CB, "openid files:read", NULL);
  assert_redirect_code (fixture, again, 302, APP_CB, TRICKY_STATE);
  narrower = start_flow (fixture, "app", APP_CB, "files:read", NULL);
  assert_redirect_code (fixture, narrower, 302, APP_CB, TRICKY_STATE);

  /* More than was allowed: ask again, without a new login. */
  wider = start_flow (fixture, "app", APP_CB, "openid files:read files:write", NULL);
  open_page (fixture, wider, "/consent", &consent_again);
  g_assert_nonnull (strstr (consent_again.html, "files:write"));

  /* A browser without the session signs in first. */
  {
    g_autoptr(GPtrArray) query = query_new ("app", APP_CB);
    other_browser = authorize (fixture, fixture->session, query, TRUE);
    g_assert_cmpuint (other_browser->status, ==, 303);
    g_free (local_location (fixture, other_browser, "/login"));
  }
}

static void
test_prompt_consent (Fixture       *fixture,
                     gconstpointer  data)
{
  g_auto(Page) consent = { 0 };
  g_auto(Page) consent_again = { 0 };
  g_autoptr(GhTestResponse) allowed = NULL;
  g_autoptr(GhTestResponse) again = NULL;
  g_autoptr(GhTestResponse) allowed_again = NULL;

  reach_consent (fixture, "app", APP_CB, "openid", &consent);
  allowed = decide (fixture, &consent, "allow");
  assert_redirect_code (fixture, allowed, 303, APP_CB, TRICKY_STATE);

  again = start_flow (fixture, "app", APP_CB, "openid", "consent");
  open_page (fixture, again, "/consent", &consent_again);
  allowed_again = decide (fixture, &consent_again, "allow");
  assert_redirect_code (fixture, allowed_again, 303, APP_CB, TRICKY_STATE);
}

static void
test_prompt_login (Fixture       *fixture,
                   gconstpointer  data)
{
  g_auto(Page) consent = { 0 };
  g_auto(Page) login_again = { 0 };
  g_autoptr(GhTestResponse) allowed = NULL;
  g_autoptr(GhTestResponse) again = NULL;
  g_autoptr(GhTestResponse) signed_in = NULL;

  reach_consent (fixture, "app", APP_CB, "openid", &consent);
  allowed = decide (fixture, &consent, "allow");
  assert_redirect_code (fixture, allowed, 303, APP_CB, TRICKY_STATE);

  again = start_flow (fixture, "app", APP_CB, "openid", "login");
  open_page (fixture, again, "/login", &login_again);
  /* Consent is remembered for alice: signing in again finishes the flow. */
  signed_in = login (fixture, &login_again, "alice");
  assert_redirect_code (fixture, signed_in, 303, APP_CB, TRICKY_STATE);
}

/* select_account shows the user list again; max_age asks for a sign-in no older than it. */
static void
test_select_account_and_max_age (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_auto(Page) consent = { 0 };
  g_auto(Page) chooser = { 0 };
  g_auto(Page) login_again = { 0 };
  g_autoptr(GhTestResponse) allowed = NULL;
  g_autoptr(GhTestResponse) select = NULL;
  g_autoptr(GhTestResponse) fresh_enough = NULL;
  g_autoptr(GhTestResponse) too_old = NULL;
  g_autoptr(GhTestResponse) none_too_old = NULL;
  g_autoptr(GhTestResponse) bad = NULL;

  reach_consent (fixture, "app", APP_CB, "openid", &consent);
  allowed = decide (fixture, &consent, "allow");
  assert_redirect_code (fixture, allowed, 303, APP_CB, TRICKY_STATE);

  select = start_flow (fixture, "app", APP_CB, "openid", "select_account");
  open_page (fixture, select, "/login", &chooser);

  /* The session is seconds old: max_age=3600 lets it through, max_age=0 does not. */
  {
    g_autoptr(GPtrArray) query = query_new ("app", APP_CB);
    query_set (query, "scope", "openid");
    query_set (query, "max_age", "3600");
    fresh_enough = authorize (fixture, fixture->browser, query, TRUE);
    assert_redirect_code (fixture, fresh_enough, 302, APP_CB, TRICKY_STATE);
  }
  g_usleep (1100 * 1000);
  {
    g_autoptr(GPtrArray) query = query_new ("app", APP_CB);
    query_set (query, "scope", "openid");
    query_set (query, "max_age", "0");
    too_old = authorize (fixture, fixture->browser, query, TRUE);
    open_page (fixture, too_old, "/login", &login_again);
  }
  {
    g_autoptr(GPtrArray) query = query_new ("app", APP_CB);
    query_set (query, "scope", "openid");
    query_set (query, "max_age", "0");
    query_set (query, "prompt", "none");
    none_too_old = authorize (fixture, fixture->browser, query, TRUE);
    assert_redirect_error (fixture, none_too_old, 302, APP_CB, "login_required", TRICKY_STATE);
  }
  {
    g_autoptr(GPtrArray) query = query_new ("app", APP_CB);
    query_set (query, "max_age", "soon");
    bad = authorize (fixture, fixture->browser, query, TRUE);
    assert_redirect_error (fixture, bad, 302, APP_CB, "invalid_request", TRICKY_STATE);
  }
}

/* prompt=none with a session: a code when consent was given, consent_required before. */
static void
test_prompt_none_with_session (Fixture       *fixture,
                               gconstpointer  data)
{
  g_auto(Page) consent = { 0 };
  g_autoptr(GhTestResponse) before = NULL;
  g_autoptr(GhTestResponse) allowed = NULL;
  g_autoptr(GhTestResponse) after = NULL;

  reach_consent (fixture, "app", APP_CB, "openid", &consent);
  before = start_flow (fixture, "app", APP_CB, "openid", "none");
  assert_redirect_error (fixture, before, 302, APP_CB, "consent_required",
                         TRICKY_STATE);

  allowed = decide (fixture, &consent, "allow");
  assert_redirect_code (fixture, allowed, 303, APP_CB, TRICKY_STATE);
  after = start_flow (fixture, "app", APP_CB, "openid", "none");
  assert_redirect_code (fixture, after, 302, APP_CB, TRICKY_STATE);
}

static void
test_free_form_login (Fixture       *fixture,
                      gconstpointer  data)
{
  GhUsers *users = gh_server_get_users (fixture->server);
  g_autoptr(GhProject) project = gh_test_server_project (fixture);
  g_autoptr(GhTestResponse) start = NULL;
  g_autoptr(GhTestResponse) refused = NULL;
  g_autoptr(GhTestResponse) bad_name = NULL;
  g_autoptr(GhTestResponse) signed_in = NULL;
  g_autoptr(GhUser) user = NULL;
  g_auto(Page) page = { 0 };
  g_auto(Page) consent = { 0 };

  /* Off: an unknown name is refused on the page, nobody is created. */
  gh_test_server_set (fixture, "allow_free_form_login", "false");
  start = start_flow (fixture, "app", APP_CB, "openid", NULL);
  open_page (fixture, start, "/login", &page);
  g_assert_null (strstr (page.html, "name=\"username\" autocomplete"));
  refused = login (fixture, &page, "carol");
  g_assert_cmpuint (refused->status, ==, 400);
  g_assert_null (gh_test_response_header (refused, "Location"));
  user = gh_users_get (users, project->id, "carol", NULL);
  g_assert_null (user);

  /* On: the name creates the user, and the flow goes on. */
  gh_test_server_set (fixture, "allow_free_form_login", "true");
  bad_name = login (fixture, &page, "<carol>");
  g_assert_cmpuint (bad_name->status, ==, 400);
  {
    g_autofree char *text = gh_test_response_text (bad_name);
    g_assert_null (strstr (text, "<carol>"));
  }
  signed_in = login (fixture, &page, "carol");
  open_page (fixture, signed_in, "/consent", &consent);
  g_assert_nonnull (strstr (consent.html, "carol"));
  user = gh_users_get (users, project->id, "carol", NULL);
  g_assert_nonnull (user);
}

static const char *
detail (JsonObject *event,
        const char *name)
{
  return json_object_get_string_member_with_default (event, name, NULL);
}

/* The details of a code_issued event: where the consent came from, and what was granted. */
static void
assert_code_issued (Fixture    *fixture,
                    const char *consent)
{
  g_autoptr(JsonObject) event = gh_test_server_last_audit (fixture, "code.issued");
  JsonArray *scopes = json_object_get_array_member (event, "scopes");
  JsonArray *resources = json_object_get_array_member (event, "resources");

  g_assert_cmpstr (detail (event, "consent"), ==, consent);
  g_assert_false (json_object_has_member (event, "consent_remembered"));
  g_assert_cmpstr (detail (event, "redirect_uri"), ==, APP_CB);
  g_assert_cmpuint (json_array_get_length (scopes), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (scopes, 0), ==, "openid");
  g_assert_cmpstr (json_array_get_string_element (scopes, 1), ==, "files:read");
  g_assert_cmpuint (json_array_get_length (resources), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (resources, 0), ==, LISTED);
  g_assert_cmpstr (detail (event, "@client_id"), ==, "app");
  g_assert_cmpstr (detail (event, "@user_id"), ==, "alice");
  g_assert_cmpstr (detail (event, "@outcome"), ==, "success");
  g_assert_true (g_str_has_prefix (detail (event, "@flow_id"), "flow_"));
}

/* The details of a refusal: whether the client was told, and where. */
static void
assert_refused (Fixture    *fixture,
                const char *error,
                gboolean    redirected)
{
  g_autoptr(JsonObject) event = gh_test_server_last_audit (fixture, "authorization.refused");

  g_assert_cmpstr (detail (event, "error"), ==, error);
  g_assert_nonnull (detail (event, "error_description"));
  g_assert_true (json_object_get_boolean_member (event, "redirected") == redirected);
  g_assert_cmpstr (detail (event, "redirect_uri"), ==, redirected ? APP_CB : NULL);
  g_assert_cmpstr (detail (event, "@outcome"), ==, "failure");
}

/* Every authorization event says what happened: how consent was had, whether a refusal went
 * back to the client or was only shown as a page. */
static void
test_audit_details (Fixture       *fixture,
                    gconstpointer  data)
{
  const char *scope = "openid files:read";

  /* code_issued: the user allows on the page ("given"); then the stored consent is reused,
   * from a session at /authorize, with prompt=none, and after signing in again ("stored"). */
  {
    g_auto(Page) consent = { 0 };
    g_autoptr(GhTestResponse) allowed = NULL;

    reach_consent (fixture, "app", APP_CB, scope, &consent);
    allowed = decide (fixture, &consent, "allow");
    assert_redirect_code (fixture, allowed, 303, APP_CB, TRICKY_STATE);
    assert_code_issued (fixture, "given");
  }
  {
    g_autoptr(GhTestResponse) again = start_flow (fixture, "app", APP_CB, scope, NULL);

    assert_redirect_code (fixture, again, 302, APP_CB, TRICKY_STATE);
    assert_code_issued (fixture, "stored");
  }
  {
    g_autoptr(GhTestResponse) silent = start_flow (fixture, "app", APP_CB, scope, "none");

    assert_redirect_code (fixture, silent, 302, APP_CB, TRICKY_STATE);
    assert_code_issued (fixture, "stored");
  }
  {
    g_autoptr(GhTestResponse) again = start_flow (fixture, "app", APP_CB, scope, "login");
    g_autoptr(GhTestResponse) signed_in = NULL;
    g_auto(Page) login_page = { 0 };

    open_page (fixture, again, "/login", &login_page);
    /* refused, shown as a page: a forged form post (the client is not told). */
    {
      g_autoptr(GhTestResponse) forged = post_page (fixture, fixture->browser, "/login",
                                                    "https://evil.example",
                                                    PAIRS ("request", login_page.request_id,
                                                           "csrf_token", login_page.csrf_token,
                                                           "username", "alice"));
      g_assert_cmpuint (forged->status, ==, 403);
      assert_refused (fixture, "forbidden", FALSE);
    }
    signed_in = login (fixture, &login_page, "alice");
    assert_redirect_code (fixture, signed_in, 303, APP_CB, TRICKY_STATE);
    assert_code_issued (fixture, "stored");
  }

  /* denied: what the user refused, and where the client hears it. */
  {
    g_auto(Page) consent = { 0 };
    g_autoptr(GhTestResponse) denied = NULL;
    g_autoptr(JsonObject) event = NULL;
    JsonArray *scopes;

    /* Signed in already, and files:write was never allowed: straight to the consent page. */
    {
      g_autoptr(GhTestResponse) wider = start_flow (fixture, "app", APP_CB, "openid files:write",
                                                    NULL);
      open_page (fixture, wider, "/consent", &consent);
    }
    denied = decide (fixture, &consent, "deny");
    assert_redirect_error (fixture, denied, 303, APP_CB, "access_denied", TRICKY_STATE);
    event = gh_test_server_last_audit (fixture, "authorization.denied");
    scopes = json_object_get_array_member (event, "scopes");
    g_assert_cmpstr (detail (event, "redirect_uri"), ==, APP_CB);
    g_assert_cmpuint (json_array_get_length (scopes), ==, 2);
    g_assert_cmpstr (json_array_get_string_element (scopes, 1), ==, "files:write");
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (event, "resources")),
                      ==, 1);
    g_assert_cmpstr (detail (event, "@user_id"), ==, "alice");
    g_assert_cmpstr (detail (event, "@client_id"), ==, "app");
    g_assert_cmpstr (detail (event, "@outcome"), ==, "failure");

    /* refused, shown as a page: the finished request used again. */
    {
      g_autoptr(GhTestResponse) again = decide (fixture, &consent, "allow");

      g_assert_cmpuint (again->status, ==, 400);
      assert_refused (fixture, "invalid_request", FALSE);
    }
  }

  /* refused at /authorize: sent back (an unknown scope, prompt=none without a session) or
   * shown as a page (an unregistered redirect URI). */
  {
    g_autoptr(GhTestResponse) bad_scope = start_flow (fixture, "app", APP_CB, "files:delete",
                                                      NULL);

    assert_redirect_error (fixture, bad_scope, 302, APP_CB, "invalid_scope", TRICKY_STATE);
    assert_refused (fixture, "invalid_scope", TRUE);
  }
  {
    g_autoptr(GPtrArray) query = query_new ("app", APP_CB);
    g_autoptr(GhTestResponse) response = NULL;

    query_set (query, "prompt", "none");
    response = authorize (fixture, fixture->session, query, TRUE);
    assert_redirect_error (fixture, response, 302, APP_CB, "login_required", TRICKY_STATE);
    assert_refused (fixture, "login_required", TRUE);
  }
  {
    g_autoptr(GPtrArray) query = query_new ("app", "https://evil.example/cb");
    g_autoptr(GhTestResponse) response = authorize (fixture, fixture->session, query, TRUE);

    assert_page_error (response, TRUE, "invalid_request");
    assert_refused (fixture, "invalid_request", FALSE);
  }

  /* code_issued with auto_approve_user: nobody was asked. */
  gh_test_server_set (fixture, "auto_approve_user", "alice");
  {
    g_autoptr(GPtrArray) query = query_new ("app", APP_CB);
    g_autoptr(GhTestResponse) response = NULL;

    query_set (query, "scope", scope);
    query_set (query, "resource", LISTED);
    response = authorize (fixture, fixture->session, query, FALSE);
    assert_redirect_code (fixture, response, 302, APP_CB, TRICKY_STATE);
    assert_code_issued (fixture, "auto_approved");
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, gh_test_server_teardown)

  ADD ("/server/authorize/page-errors", test_page_errors);
  ADD ("/server/authorize/loopback-any-port", test_loopback_any_port);
  ADD ("/server/authorize/redirect-uri-omitted-single", test_redirect_uri_omitted);
  ADD ("/server/authorize/redirect-uri-with-query", test_redirect_uri_with_query);
  ADD ("/server/authorize/redirect-errors", test_redirect_errors);
  ADD ("/server/authorize/repeated-state", test_repeated_state);
  ADD ("/server/authorize/success-iss-state", test_success_iss_state);
  ADD ("/server/authorize/post", test_post);
  ADD ("/server/authorize/custom-scheme", test_custom_scheme);
  ADD ("/server/authorize/scope-rule", test_scope_rule);
  ADD ("/server/authorize/scope-dcr-exploit", test_scope_dcr_exploit);
  ADD ("/server/authorize/scope-recorded-cap", test_scope_recorded_cap);
  ADD ("/server/authorize/consent-scope-resource", test_consent_scope_resource);
  ADD ("/server/authorize/scope-error-description", test_scope_error_description);
  ADD ("/server/authorize/resource-listed", test_resource_listed);
  ADD ("/server/authorize/prompt-none-login-required", test_prompt_none_login_required);
  ADD ("/server/authorize/auto-approve-unknown-user", test_auto_approve_unknown_user);
  ADD ("/server/pages/login", test_login_page);
  ADD ("/server/pages/forged-posts", test_forged_posts);
  ADD ("/server/pages/null-origin", test_null_origin);
  ADD ("/server/pages/consent-escapes", test_consent_escapes);
  ADD ("/server/pages/consent-lookalike", test_consent_lookalike);
  ADD ("/server/pages/deny", test_deny);
  ADD ("/server/pages/allow", test_allow);
  ADD ("/server/pages/remembered-consent", test_remembered_consent);
  ADD ("/server/pages/prompt-consent", test_prompt_consent);
  ADD ("/server/pages/prompt-login", test_prompt_login);
  ADD ("/server/pages/select-account-and-max-age", test_select_account_and_max_age);
  ADD ("/server/pages/prompt-none-with-session", test_prompt_none_with_session);
  ADD ("/server/pages/free-form-login", test_free_form_login);
  ADD ("/server/pages/audit-details", test_audit_details);

  return g_test_run ();
}
