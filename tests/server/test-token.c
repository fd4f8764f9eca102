/* test-token.c — /token, /revoke, /introspect and /userinfo over a real server
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-base64url.h"
#include "gh-crypto.h"
#include "gh-error.h"
#include "gh-json.h"
#include "gh-jws.h"
#include "gh-server.h"
#include "gh-test-util.h"
#include "gh-time.h"

#define PAIRS GH_TEST_PAIRS
#define MCP "https://mcp.example/mcp"
#define OTHER "https://other.example/mcp"
#define ASSERTION_TYPE "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#define APP_CB "https://app.example/cb"
#define FORM "application/x-www-form-urlencoded"
/* A well-formed PKCE verifier (RFC 7636 appendix B). */
#define WELL_FORMED_VERIFIER "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
/* The server under test, in a test function. */
#define TS (&fixture->base)
#define BOTH_GRANTS "\"grant_types\": [\"authorization_code\", \"refresh_token\"]"

typedef struct
{
  GhTestServer base;
  char *basic_secret;
  char *post_secret;
  char *rs_secret;
  GhJwk *client_key;   /* pkj's registered key */
  GhJwk *other_key;    /* a key nobody registered */
} Fixture;

/* {"redirect_uris": [@uri], @extra} */
#define METADATA(uri, extra) "{\"redirect_uris\": [\"" uri "\"], " extra "}"

static void
add_public_client (GhTestServer *ts,
                   const char   *client_id,
                   const char   *metadata_json)
{
  g_autofree char *secret = gh_test_server_add_client (ts, client_id, metadata_json);

  g_assert_null (secret);
}

static char *
add_confidential_client (GhTestServer *ts,
                         const char   *client_id,
                         const char   *metadata_json)
{
  char *secret = gh_test_server_add_client (ts, client_id, metadata_json);

  g_assert_nonnull (secret);
  return secret;
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  GhTestServer *ts = TS;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) jwk = NULL;
  g_autoptr(JsonObject) metadata = json_object_new ();
  g_autoptr(JsonObject) jwks = json_object_new ();
  g_autoptr(JsonArray) keys = json_array_new ();
  g_autoptr(JsonArray) uris = json_array_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *metadata_json = NULL;

  gh_test_server_setup (ts, data);
  gh_test_server_add_user (ts, "alice", "Alice Liddell", "alice@example.test");
  gh_test_server_add_user (ts, "bob", "Bob", NULL);
  gh_test_server_add_resource (ts, MCP, "files:read files:write");
  gh_test_server_add_resource (ts, OTHER, "other:read");
  gh_test_server_set (ts, "auto_approve_user", "alice");

  add_public_client (ts, "app", METADATA (APP_CB, BOTH_GRANTS));
  add_public_client (ts, "app2", METADATA ("https://app2.example/cb", BOTH_GRANTS));
  add_public_client (ts, "native", METADATA ("http://127.0.0.1/cb", BOTH_GRANTS));
  add_public_client (ts, "once", METADATA ("https://once.example/cb", "\"client_name\": \"Once\""));
  fixture->basic_secret = add_confidential_client (ts, "basic",
                                                   METADATA ("https://basic.example/cb",
                                                             "\"token_endpoint_auth_method\": "
                                                             "\"client_secret_basic\""));
  fixture->post_secret = add_confidential_client (ts, "post",
                                                  METADATA ("https://post.example/cb",
                                                            "\"token_endpoint_auth_method\": "
                                                            "\"client_secret_post\""));
  /* A resource server, for /introspect. */
  fixture->rs_secret = add_confidential_client (ts, "rs",
                                                METADATA ("https://rs.example/cb",
                                                          "\"token_endpoint_auth_method\": "
                                                          "\"client_secret_basic\""));

  /* private_key_jwt: the public half, with its kid, inline as jwks. */
  fixture->client_key = gh_jwk_generate (GH_JWS_ALG_ES256, &error);
  g_assert_no_error (error);
  fixture->other_key = gh_jwk_generate (GH_JWS_ALG_ES256, &error);
  g_assert_no_error (error);
  jwk = gh_jwk_to_public_json (fixture->client_key);
  json_object_set_string_member (jwk, "kid", gh_jwk_get_kid (fixture->client_key));
  json_array_add_object_element (keys, json_object_ref (jwk));
  json_object_set_array_member (jwks, "keys", g_steal_pointer (&keys));
  json_array_add_string_element (uris, "https://pkj.example/cb");
  json_object_set_array_member (metadata, "redirect_uris", g_steal_pointer (&uris));
  json_object_set_string_member (metadata, "token_endpoint_auth_method", "private_key_jwt");
  json_object_set_object_member (metadata, "jwks", g_steal_pointer (&jwks));
  json_node_set_object (node, metadata);
  metadata_json = json_to_string (node, FALSE);
  add_public_client (ts, "pkj", metadata_json);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_pointer (&fixture->basic_secret, g_free);
  g_clear_pointer (&fixture->post_secret, g_free);
  g_clear_pointer (&fixture->rs_secret, g_free);
  g_clear_object (&fixture->client_key);
  g_clear_object (&fixture->other_key);
  gh_test_server_teardown (TS, data);
}

/* A code for @client_id at @redirect_uri (auto-approved for alice); @scope and @resource
 * may be NULL. */
static char *
get_code (Fixture    *fixture,
          const char *client_id,
          const char *redirect_uri,
          const char *scope,
          const char *resource,
          const char *nonce,
          char      **verifier)
{
  g_autofree char *challenge = NULL;

  gh_test_pkce_pair (verifier, &challenge);
  return gh_test_server_authorize_code (TS, TS->session, redirect_uri,
                                        PAIRS ("response_type", "code", "client_id", client_id,
                                               "redirect_uri", redirect_uri,
                                               "code_challenge", challenge,
                                               "code_challenge_method", "S256", "state", "s",
                                               "scope", scope, "nonce", nonce,
                                               "resource", resource));
}

/* A code for the public client "app", no scope or resource asked. */
static char *
app_code (Fixture  *fixture,
          char    **verifier)
{
  return get_code (fixture, "app", APP_CB, NULL, NULL, NULL, verifier);
}

/* A POST of @body as it is. */
static GhTestResponse *
post_raw (Fixture    *fixture,
          const char *path,
          const char *content_type,
          const char *body)
{
  return gh_test_server_request (TS, TS->session, "POST", path, NULL, content_type, body);
}

/* A /token request; every 200 must say no-store. */
static GhTestResponse *
token (Fixture            *fixture,
       const char * const *pairs,
       const char * const *headers)
{
  GhTestResponse *response = gh_test_server_post_form (TS, "/token", pairs, headers);

  if (response->status == 200)
    {
      g_assert_cmpstr (gh_test_response_header (response, "Cache-Control"), ==, "no-store");
      g_assert_cmpstr (gh_test_response_header (response, "Content-Type"), ==, "application/json");
    }
  return response;
}

static void
assert_error (GhTestResponse *response,
              guint           status,
              const char     *error)
{
  g_autoptr(JsonObject) doc = NULL;

  if (response->status != status)
    {
      g_autofree char *text = gh_test_response_text (response);
      g_error ("expected %u %s, got %u: %s", status, error, response->status, text);
    }
  doc = gh_test_response_json (response);
  g_assert_cmpstr (json_object_get_string_member (doc, "error"), ==, error);
  g_assert_true (json_object_has_member (doc, "error_description"));
  g_assert_cmpstr (gh_test_response_header (response, "Cache-Control"), ==, "no-store");
}

static JsonObject *
assert_ok (GhTestResponse *response)
{
  if (response->status != 200)
    {
      g_autofree char *text = gh_test_response_text (response);
      g_error ("expected 200, got %u: %s", response->status, text);
    }
  return gh_test_response_json (response);
}

static GhTestResponse *
redeem (Fixture    *fixture,
        const char *client_id,
        const char *code,
        const char *verifier,
        const char *redirect_uri)
{
  return token (fixture, PAIRS ("grant_type", "authorization_code", "client_id", client_id,
                                "code", code, "code_verifier", verifier,
                                "redirect_uri", redirect_uri), NULL);
}

/* The whole code flow for a public client: the token response. */
static JsonObject *
code_flow (Fixture    *fixture,
           const char *client_id,
           const char *redirect_uri,
           const char *scope,
           const char *resource)
{
  g_autofree char *verifier = NULL;
  g_autofree char *code = NULL;
  g_autoptr(GhTestResponse) response = NULL;

  code = get_code (fixture, client_id, redirect_uri, scope, resource, NULL, &verifier);
  response = redeem (fixture, client_id, code, verifier, redirect_uri);
  return assert_ok (response);
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

static JsonObject *
introspect (Fixture    *fixture,
            const char *token_text)
{
  g_autofree char *basic = gh_test_basic_auth ("rs", fixture->rs_secret);
  const char * const headers[] = { "Authorization", basic, NULL };
  g_autoptr(GhTestResponse) response = NULL;

  response = gh_test_server_post_form (TS, "/introspect", PAIRS ("token", token_text), headers);

  g_assert_cmpstr (gh_test_response_header (response, "Cache-Control"), ==, "no-store");
  return assert_ok (response);
}

static gboolean
is_active (Fixture    *fixture,
           const char *token_text)
{
  g_autoptr(JsonObject) result = introspect (fixture, token_text);
  gboolean active = json_object_get_boolean_member (result, "active");

  /* RFC 7662 §2.2: an inactive token gets nothing else. */
  if (!active)
    g_assert_cmpuint (json_object_get_size (result), ==, 1);
  return active;
}

static const char *
member (JsonObject *object,
        const char *name)
{
  return json_object_get_string_member_with_default (object, name, NULL);
}

/* --- Requests /token refuses before looking at the grant --- */

static void
test_method (Fixture       *fixture,
             gconstpointer  data)
{
  static const char * const methods[] = { "GET", "PUT", "DELETE" };

  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      g_autoptr(GhTestResponse) response = NULL;

      response = gh_test_server_request (TS, TS->session, methods[i], "/token?grant_type=password",
                                         NULL, NULL, NULL);
      assert_error (response, 405, "method_not_allowed");
      g_assert_nonnull (strstr (gh_test_response_header (response, "Allow"), "POST"));
    }
}

/* Credentials and parameters belong in the body, never in a URL that gets logged. */
static void
test_query_string (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *verifier = NULL;
  g_autofree char *code = app_code (fixture, &verifier);
  g_autofree char *body = gh_test_form_encode (PAIRS ("grant_type", "authorization_code",
                                                      "client_id", "app", "code", code,
                                                      "code_verifier", verifier,
                                                      "redirect_uri", APP_CB));
  g_autofree char *secret_query = g_strconcat ("/token?client_secret=", fixture->basic_secret,
                                               NULL);
  const char *paths[] = { secret_query, "/token?client_id=app", "/token?code=x", "/token?x" };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(GhTestResponse) response = post_raw (fixture, paths[i], FORM, body);
      assert_error (response, 400, "invalid_request");
    }

  /* The code was not spent by the refused requests. */
  {
    g_autoptr(GhTestResponse) response = post_raw (fixture, "/token", FORM, body);
    g_autoptr(JsonObject) doc = assert_ok (response);
  }
}

static void
test_content_type (Fixture       *fixture,
                   gconstpointer  data)
{
  static const char * const types[] = {
    "application/json", "text/plain", "multipart/form-data; boundary=x",
    "application/x-www-form-urlencodedx", NULL,
  };
  const char *body = "grant_type=authorization_code&client_id=app&code=x&code_verifier=y";

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autoptr(GhTestResponse) response = NULL;

      g_test_message ("%s", types[i]);
      response = post_raw (fixture, "/token", types[i], body);
      assert_error (response, 400, "invalid_request");
    }

  /* Media type parameters are fine. */
  {
    g_autofree char *verifier = NULL;
    g_autofree char *code = app_code (fixture, &verifier);
    g_autofree char *form = gh_test_form_encode (PAIRS ("grant_type", "authorization_code",
                                                        "client_id", "app", "code", code,
                                                        "code_verifier", verifier,
                                                        "redirect_uri", APP_CB));
    g_autoptr(GhTestResponse) response = post_raw (fixture, "/token", FORM "; charset=UTF-8", form);
    g_autoptr(JsonObject) doc = assert_ok (response);
  }
}

static void
chunked_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GBytes) answer = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                               NULL);

  *(gboolean *) user_data = TRUE;
}

static void
test_body_too_large (Fixture       *fixture,
                     gconstpointer  data)
{
  GString *body = g_string_new ("grant_type=authorization_code&client_id=app&code=");
  g_autoptr(GhTestResponse) response = NULL;

  while (body->len <= 64 * 1024)
    g_string_append_c (body, 'a');
  response = post_raw (fixture, "/token", FORM, body->str);
  g_string_free (body, TRUE);
  assert_error (response, 413, "payload_too_large");

  /* A body without a length (chunked) is refused before it is read: its size is unknown. */
  {
    g_autofree char *url = g_strconcat (TS->issuer, "/token", NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
    g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_data ("grant_type=x", 12, NULL);
    g_autoptr(GBytes) answer = NULL;
    g_autoptr(GError) error = NULL;

    gboolean done = FALSE;

    soup_message_set_request_body (msg, FORM, stream, -1);
    soup_session_send_and_read_async (TS->session, msg, G_PRIORITY_DEFAULT, NULL,
                                      chunked_done, &done);
    g_assert_true (gh_test_wait_for (&done, 10000));
    g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_LENGTH_REQUIRED);
  }
}

static void
test_grant_types (Fixture       *fixture,
                  gconstpointer  data)
{
  static const struct {
    const char *grant_type;
    const char *error;
  } rows[] = {
    { "password", "unsupported_grant_type" },
    { "implicit", "unsupported_grant_type" },
    { "client_credentials", "unsupported_grant_type" },
    { "urn:ietf:params:oauth:grant-type:device_code", "unsupported_grant_type" },
    { "urn:ietf:params:oauth:grant-type:jwt-bearer", "unsupported_grant_type" },
    { "AUTHORIZATION_CODE", "unsupported_grant_type" },
    { NULL, "invalid_request" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GhTestResponse) response = NULL;

      g_test_message ("%s", rows[i].grant_type);
      response = token (fixture, PAIRS ("grant_type", rows[i].grant_type, "client_id", "app",
                                        "username", "alice", "password", "x"), NULL);
      assert_error (response, 400, rows[i].error);
    }

  /* A client that did not register refresh_token may not use it. */
  {
    g_autoptr(GhTestResponse) response = NULL;

    response = token (fixture, PAIRS ("grant_type", "refresh_token", "client_id", "once",
                                      "refresh_token", "x"), NULL);
    assert_error (response, 400, "unauthorized_client");
  }
  /* Repeated parameters are refused. */
  {
    g_autoptr(GhTestResponse) response = post_raw (fixture, "/token", FORM,
                                                   "grant_type=authorization_code&"
                                                   "client_id=app&code=a&code=b");
    assert_error (response, 400, "invalid_request");
  }
}

/* --- The authorization code --- */

/* RFC 6749 §4.1.2: a code used twice revokes every token issued from it. */
static void
test_code_replay (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *verifier = NULL;
  g_autofree char *code = get_code (fixture, "app", APP_CB, "openid", NULL, NULL, &verifier);
  g_autoptr(GhTestResponse) first = redeem (fixture, "app", code, verifier, APP_CB);
  g_autoptr(JsonObject) tokens = assert_ok (first);
  g_autoptr(GhTestResponse) rotated = refresh (fixture, "app", member (tokens, "refresh_token"),
                                               NULL);
  g_autoptr(JsonObject) descendant = assert_ok (rotated);
  g_autoptr(GhTestResponse) replay = NULL;
  g_autoptr(GhTestResponse) after_r1 = NULL;
  g_autoptr(GhTestResponse) after_r2 = NULL;

  g_assert_true (is_active (fixture, member (tokens, "access_token")));
  g_assert_true (is_active (fixture, member (descendant, "access_token")));
  g_assert_true (is_active (fixture, member (descendant, "refresh_token")));

  replay = redeem (fixture, "app", code, verifier, APP_CB);
  assert_error (replay, 400, "invalid_grant");
  g_assert_cmpuint (gh_test_server_count_audit (TS, "code.replayed"), ==, 1);

  /* Every token from the code, and from its refresh tokens, is dead. */
  g_assert_false (is_active (fixture, member (tokens, "access_token")));
  g_assert_false (is_active (fixture, member (descendant, "access_token")));
  g_assert_false (is_active (fixture, member (descendant, "refresh_token")));
  after_r1 = refresh (fixture, "app", member (tokens, "refresh_token"), NULL);
  assert_error (after_r1, 400, "invalid_grant");
  after_r2 = refresh (fixture, "app", member (descendant, "refresh_token"), NULL);
  assert_error (after_r2, 400, "invalid_grant");
}

static void
test_code_expired (Fixture       *fixture,
                   gconstpointer  data)
{
  GhStore *store = gh_server_get_store (TS->server);
  g_autoptr(GError) error = NULL;
  g_autofree char *verifier = NULL;
  g_autofree char *code = app_code (fixture, &verifier);
  g_autofree char *hash = gh_sha256_base64url (code);
  g_autoptr(GhTestResponse) response = NULL;

  /* Codes live at most 60 s (code_ttl). */
  {
    g_autoptr(GhStmt) stmt = gh_store_prepare (store, "SELECT expires_at - created_at FROM "
                                               "authorization_codes WHERE code_hash = ?", &error);
    gboolean row;

    g_assert_no_error (error);
    gh_stmt_bind_text (stmt, 1, hash);
    g_assert_true (gh_store_step (store, stmt, &row, &error));
    g_assert_true (row);
    g_assert_cmpint (sqlite3_column_int64 (stmt, 0), >, 0);
    g_assert_cmpint (sqlite3_column_int64 (stmt, 0), <=, 60);
  }

  g_assert_true (gh_store_exec (store, "UPDATE authorization_codes SET expires_at = 0", &error));
  g_assert_no_error (error);
  response = redeem (fixture, "app", code, verifier, APP_CB);
  assert_error (response, 400, "invalid_grant");

  /* A shorter code_ttl applies to the next code. */
  gh_test_server_set (TS, "code_ttl", "5");
  {
    g_autofree char *short_verifier = NULL;
    g_autofree char *short_code = app_code (fixture, &short_verifier);
    g_autofree char *short_hash = gh_sha256_base64url (short_code);
    g_autoptr(GhStmt) stmt = gh_store_prepare (store, "SELECT expires_at - created_at FROM "
                                               "authorization_codes WHERE code_hash = ?", &error);
    gboolean row;

    gh_stmt_bind_text (stmt, 1, short_hash);
    g_assert_true (gh_store_step (store, stmt, &row, &error));
    g_assert_true (row);
    g_assert_cmpint (sqlite3_column_int64 (stmt, 0), ==, 5);
  }
}

static void
test_code_other_client (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *verifier = NULL;
  g_autofree char *code = app_code (fixture, &verifier);
  g_autofree char *basic = gh_test_basic_auth ("basic", fixture->basic_secret);
  const char * const headers[] = { "Authorization", basic, NULL };
  g_autoptr(GhTestResponse) public_client = redeem (fixture, "app2", code, verifier, APP_CB);
  g_autoptr(GhTestResponse) confidential = NULL;

  assert_error (public_client, 400, "invalid_grant");
  confidential = token (fixture, PAIRS ("grant_type", "authorization_code", "code", code,
                                        "code_verifier", verifier, "redirect_uri", APP_CB),
                        headers);
  assert_error (confidential, 400, "invalid_grant");
}

/* The token request repeats the redirect_uri of /authorize byte for byte (loopback: the port
 * too). */
static void
test_redirect_uri_mismatch (Fixture       *fixture,
                            gconstpointer  data)
{
  static const struct {
    const char *authorized;
    const char *wrong[4];
  } rows[] = {
    { APP_CB, { "", "https://app.example/cb/", "https://APP.example/cb",
                "https://app2.example/cb" } },
    { "http://127.0.0.1:5555/cb", { "http://127.0.0.1/cb", "http://127.0.0.1:5556/cb",
                                    "http://localhost:5555/cb", "" } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      const char *client_id = i == 0 ? "app" : "native";
      g_autofree char *verifier = NULL;
      g_autofree char *code = get_code (fixture, client_id, rows[i].authorized, NULL, NULL, NULL,
                                        &verifier);

      for (guint j = 0; j < G_N_ELEMENTS (rows[i].wrong); j++)
        {
          g_autoptr(GhTestResponse) response = NULL;

          g_test_message ("%s vs %s", rows[i].authorized, rows[i].wrong[j]);
          /* "" stands for leaving redirect_uri out. */
          response = redeem (fixture, client_id, code, verifier,
                             *rows[i].wrong[j] != '\0' ? rows[i].wrong[j] : NULL);
          assert_error (response, 400, "invalid_grant");
        }
      {
        g_autoptr(GhTestResponse) response = redeem (fixture, client_id, code, verifier,
                                                     rows[i].authorized);
        g_autoptr(JsonObject) doc = assert_ok (response);
      }
    }
}

static void
test_pkce (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree char *verifier = NULL;
  g_autofree char *code = app_code (fixture, &verifier);
  g_autofree char *other = NULL;
  g_autofree char *other_challenge = NULL;
  g_autofree char *short_one = g_strndup (verifier, 42);
  g_autofree char *long_one = g_strnfill (129, 'a');
  g_autofree char *plus = g_strdup (verifier);
  g_autofree char *space = g_strdup (verifier);
  g_autofree char *challenge = NULL;

  gh_test_pkce_pair (&other, &other_challenge);
  plus[5] = '+';
  space[5] = ' ';
  {
    guint8 digest[32];

    gh_sha256 (verifier, strlen (verifier), digest);
    challenge = gh_base64url_encode (digest, sizeof digest);
  }
  {
    const struct {
      const char *verifier;
      const char *error;
    } rows[] = {
      { other, "invalid_grant" },
      { NULL, "invalid_grant" },
      /* The challenge itself is not the verifier. */
      { challenge, "invalid_grant" },
      { short_one, "invalid_request" },
      { long_one, "invalid_request" },
      { plus, "invalid_request" },
      { space, "invalid_request" },
      { "", "invalid_request" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
      {
        g_autoptr(GhTestResponse) response = NULL;

        g_test_message ("row %u", i);
        response = redeem (fixture, "app", code, rows[i].verifier, APP_CB);
        assert_error (response, 400, rows[i].error);
      }
  }
  {
    g_autoptr(GhTestResponse) response = redeem (fixture, "app", code, verifier, APP_CB);
    g_autoptr(JsonObject) doc = assert_ok (response);
  }
}

/* --- Client authentication --- */

static void
test_client_auth (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *good = gh_test_basic_auth ("basic", fixture->basic_secret);
  g_autofree char *wrong = gh_test_basic_auth ("basic", "not-the-secret");
  g_autofree char *unknown = gh_test_basic_auth ("nobody", "x");
  g_autofree char *public_basic = gh_test_basic_auth ("app", "x");
  g_autofree char *post_as_basic = gh_test_basic_auth ("post", fixture->post_secret);
  g_autofree char *verifier = NULL;
  g_autofree char *code = get_code (fixture, "basic", "https://basic.example/cb", NULL, NULL, NULL,
                                    &verifier);
  const struct {
    const char *authorization;
    const char *client_id;
    const char *client_secret;
    guint status;
    const char *error;
    const char *challenge;
  } rows[] = {
    { wrong, NULL, NULL, 401, "invalid_client", "Basic" },
    { unknown, NULL, NULL, 401, "invalid_client", "Basic" },
    { "Basic !!!", NULL, NULL, 401, "invalid_client", "Basic" },
    { "Basic Og==", NULL, NULL, 401, "invalid_client", "Basic" },
    { public_basic, NULL, NULL, 401, "invalid_client", "Basic" },
    { post_as_basic, NULL, NULL, 401, "invalid_client", "Basic" },
    /* Two methods at once. */
    { good, NULL, fixture->basic_secret, 400, "invalid_request", NULL },
    { good, "app", NULL, 400, "invalid_request", NULL },
    { "Bearer abc", "basic", NULL, 400, "invalid_request", NULL },
    /* No credentials from a confidential client. */
    { NULL, "basic", NULL, 401, "invalid_client", NULL },
    { NULL, "post", NULL, 401, "invalid_client", NULL },
    { NULL, "rs", NULL, 401, "invalid_client", NULL },
    { NULL, "pkj", NULL, 401, "invalid_client", NULL },
    { NULL, NULL, NULL, 401, "invalid_client", NULL },
    { NULL, "nobody", NULL, 401, "invalid_client", NULL },
    /* The wrong method, or the wrong secret. */
    { NULL, "basic", fixture->basic_secret, 401, "invalid_client", NULL },
    { NULL, "post", "not-the-secret", 401, "invalid_client", NULL },
    { NULL, "post", "", 401, "invalid_client", NULL },
    { NULL, "app", "anything", 401, "invalid_client", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      const char *headers[] = { "Authorization", rows[i].authorization, NULL };
      g_autoptr(GhTestResponse) response = NULL;
      guint refused = gh_test_server_count_audit (TS, "token.refused");
      const char *challenge;

      g_test_message ("row %u", i);
      response = token (fixture, PAIRS ("grant_type", "authorization_code", "code", code,
                                        "code_verifier", verifier, "client_id", rows[i].client_id,
                                        "client_secret", rows[i].client_secret),
                        rows[i].authorization != NULL ? headers : NULL);
      assert_error (response, rows[i].status, rows[i].error);
      challenge = gh_test_response_header (response, "WWW-Authenticate");
      if (rows[i].challenge != NULL)
        {
          g_assert_nonnull (challenge);
          g_assert_true (g_str_has_prefix (challenge, rows[i].challenge));
        }
      g_assert_cmpuint (gh_test_server_count_audit (TS, "token.refused"), ==, refused + 1);
    }

  /* The right credentials, each in its registered place. */
  {
    const char * const headers[] = { "Authorization", good, NULL };
    g_autoptr(GhTestResponse) response = NULL;
    g_autoptr(JsonObject) doc = NULL;

    response = token (fixture, PAIRS ("grant_type", "authorization_code", "code", code,
                                      "code_verifier", verifier,
                                      "redirect_uri", "https://basic.example/cb"), headers);
    doc = assert_ok (response);
  }
  {
    g_autofree char *post_verifier = NULL;
    g_autofree char *post_code = get_code (fixture, "post", "https://post.example/cb", NULL, NULL,
                                           NULL, &post_verifier);
    g_autoptr(GhTestResponse) response = NULL;
    g_autoptr(JsonObject) doc = NULL;

    response = token (fixture, PAIRS ("grant_type", "authorization_code", "code", post_code,
                                      "code_verifier", post_verifier,
                                      "redirect_uri", "https://post.example/cb",
                                      "client_id", "post", "client_secret", fixture->post_secret),
                      NULL);
    doc = assert_ok (response);
  }
}

static gint64
audit_query (Fixture    *fixture,
             const char *sql)
{
  GhStore *store = gh_server_get_store (TS->server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStmt) stmt = gh_store_prepare (store, sql, &error);
  gboolean row = FALSE;

  g_assert_no_error (error);
  g_assert_true (gh_store_step (store, stmt, &row, &error));
  g_assert_true (row);
  return sqlite3_column_int64 (stmt, 0);
}

/* Every audit row's details parse with the strict reader, and its text columns are UTF-8. */
static void
assert_audit_parses (Fixture *fixture)
{
  GhStore *store = gh_server_get_store (TS->server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStmt) stmt = gh_store_prepare (store, "SELECT details, client_id, actor "
                                             "FROM audit_events", &error);
  gboolean row = TRUE;

  g_assert_no_error (error);
  while (gh_store_step (store, stmt, &row, &error) && row)
    {
      const char *details = (const char *) sqlite3_column_text (stmt, 0);
      g_autoptr(JsonObject) parsed = gh_json_parse_object_strict (details, strlen (details),
                                                                  &error);

      g_assert_no_error (error);
      for (int column = 1; column <= 2; column++)
        g_assert_true (sqlite3_column_text (stmt, column) == NULL ||
                       g_utf8_validate ((const char *) sqlite3_column_text (stmt, column), -1,
                                        NULL));
    }
  g_assert_no_error (error);
}

static char *
basic_raw (const char *credentials)
{
  g_autofree char *encoded = g_base64_encode ((const guchar *) credentials, strlen (credentials));

  return g_strconcat ("Basic ", encoded, NULL);
}

/* Issue 9: Basic credentials are base64 of anything; invalid UTF-8 in them was reflected raw
 * in error_description (and the audit), so the 401 did not parse. Now they are malformed. */
static void
test_basic_invalid_utf8 (Fixture       *fixture,
                         gconstpointer  data)
{
  static const char * const credentials[] = {
    "\xff\xfe:x", "basic:\xff", "%FF%FE:x", "caf%C3:x", "\xed\xa0\x80:x",
  };

  for (guint i = 0; i < G_N_ELEMENTS (credentials); i++)
    for (const char * const *path = (const char * const[]) { "/token", "/introspect", "/revoke",
                                                              NULL }; *path != NULL; path++)
      {
        g_autofree char *basic = basic_raw (credentials[i]);
        const char * const headers[] = { "Authorization", basic, NULL };
        g_autoptr(GhTestResponse) response = NULL;
        g_autoptr(JsonObject) doc = NULL;

        g_test_message ("%s row %u", *path, i);
        response = gh_test_server_post_form (TS, *path,
                                             PAIRS ("grant_type", "authorization_code",
                                                    "code", "x", "token", "x"), headers);
        /* assert_error parses with the strict reader */
        assert_error (response, 401, "invalid_client");
        doc = gh_test_response_json (response);
        g_assert_null (strstr (json_object_get_string_member (doc, "error_description"),
                               "\xef\xbf\xbd"));
      }

  /* A client_id with control characters in the form: refused, and on record, escaped */
  {
    g_autoptr(GhTestResponse) response = token (fixture, PAIRS ("grant_type",
                                                                "authorization_code", "code",
                                                                "x", "client_id", "a\x1f" "b\x01"),
                                                NULL);
    assert_error (response, 401, "invalid_client");
  }
  assert_audit_parses (fixture);
}

/* Issue 9: 500 /token requests with a 60 KiB client_id added 88 MiB to the store: each row
 * held it twice and its error_description once more. Now each value is cut at 256 bytes (the
 * description at 512), and one source writes 60 refusal events a minute at most. */
static void
test_refusal_flood_bounded (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *huge = g_strnfill (61440, 'x');
  GhAudit *audit = gh_server_get_audit (TS->server);
  gint64 before = audit_query (fixture, "SELECT count(*) FROM audit_events");
  gint64 started = g_get_monotonic_time ();
  gint64 written, summaries;

  gh_audit_set_refusal_limit (audit, GH_AUDIT_DEFAULT_REFUSALS_PER_MINUTE);
  for (guint i = 0; i < 100; i++)
    {
      g_autoptr(GhTestResponse) response = NULL;
      g_autoptr(JsonObject) doc = NULL;
      const char *description;

      response = token (fixture, PAIRS ("grant_type", "authorization_code", "code", "x",
                                        "code_verifier", WELL_FORMED_VERIFIER,
                                        "client_id", huge), NULL);
      assert_error (response, 401, "invalid_client");
      doc = gh_test_response_json (response);
      description = json_object_get_string_member (doc, "error_description");
      g_assert_cmpuint (strlen (description), <, 600);
      g_assert_true (g_str_has_suffix (description, " bytes)"));
      g_assert_nonnull (strstr (description, "\xe2\x80\xa6 (cut, "));
    }

  /* The bucket refills at one a second: the run's length may have earned a few more */
  written = audit_query (fixture, "SELECT count(*) FROM audit_events WHERE "
                                  "type = 'token.refused'");
  g_assert_cmpint (written, >=, GH_AUDIT_DEFAULT_REFUSALS_PER_MINUTE);
  g_assert_cmpint (written, <=, GH_AUDIT_DEFAULT_REFUSALS_PER_MINUTE + 1 +
                   (g_get_monotonic_time () - started) / G_USEC_PER_SEC);
  g_assert_cmpint (audit_query (fixture, "SELECT max (length (client_id)) FROM audit_events"),
                   <, 300);
  /* All that 100 requests of 60 KiB added: about 125 KiB (each event's explain and step,
   * issue 11, repeat the client_id once more, cut), not 18 MiB */
  g_assert_cmpint (audit_query (fixture, "SELECT sum (length (details) + length (client_id) + "
                                         "length (actor)) FROM audit_events WHERE "
                                         "type = 'token.refused'"), <, 160 * 1024);
  g_assert_cmpint (audit_query (fixture, "SELECT count(*) FROM audit_events WHERE "
                                         "type = 'token.refused' AND json_extract (details, "
                                         "'$.source_address') = '127.0.0.1'"), ==, written);

  /* Every refusal is written or counted in a summary (one more when a refilled token let
   * a refusal through after some were suppressed) */
  gh_audit_flush_suppressed (audit, TRUE);
  g_assert_cmpint (audit_query (fixture, "SELECT sum (json_extract (details, '$.suppressed')) "
                                         "FROM audit_events WHERE type = "
                                         "'audit.refusals_suppressed' AND json_extract (details, "
                                         "'$.source_address') = '127.0.0.1'"), ==,
                   100 - written);
  summaries = audit_query (fixture, "SELECT count(*) FROM audit_events WHERE "
                                    "type = 'audit.refusals_suppressed'");
  g_assert_cmpint (summaries, >=, 1);
  g_assert_cmpint (summaries, <=, 1 + written - GH_AUDIT_DEFAULT_REFUSALS_PER_MINUTE);
  g_assert_cmpint (audit_query (fixture, "SELECT count(*) FROM audit_events"), ==,
                   before + written + summaries);
  assert_audit_parses (fixture);
}

/* SECURITY.md: a client known by its metadata document never uses a shared secret, even one
 * it somehow holds. */
static void
test_cimd_shared_secret (Fixture       *fixture,
                         gconstpointer  data)
{
  static const char * const methods[] = { "client_secret_basic", "client_secret_post" };
  const char *client_id = "https://client.example/meta.json";

  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      g_autoptr(GhProject) project = gh_test_server_project (TS);
      g_autoptr(JsonObject) metadata = json_object_new ();
      g_autoptr(JsonArray) uris = json_array_new ();
      g_autoptr(GhClient) client = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *id = g_strdup_printf ("%s?%u", client_id, i);
      g_autofree char *secret = NULL;
      g_autofree char *basic = NULL;
      g_autoptr(GhTestResponse) response = NULL;

      json_array_add_string_element (uris, "https://client.example/cb");
      json_object_set_array_member (metadata, "redirect_uris", g_steal_pointer (&uris));
      json_object_set_string_member (metadata, "token_endpoint_auth_method", methods[i]);
      client = gh_clients_create (gh_server_get_clients (TS->server), project, id,
                                  GH_CLIENT_SOURCE_CIMD, metadata, &secret, "test", &error);
      g_assert_no_error (error);
      g_assert_nonnull (secret);

      g_test_message ("%s", methods[i]);
      if (i == 0)
        {
          const char *headers[] = { "Authorization", NULL, NULL };

          basic = gh_test_basic_auth (id, secret);
          headers[1] = basic;
          response = token (fixture, PAIRS ("grant_type", "authorization_code", "code", "x",
                                            "code_verifier", WELL_FORMED_VERIFIER), headers);
          assert_error (response, 401, "invalid_client");
          g_assert_true (g_str_has_prefix (gh_test_response_header (response, "WWW-Authenticate"),
                                           "Basic"));
        }
      else
        {
          response = token (fixture, PAIRS ("grant_type", "authorization_code", "code", "x",
                                            "code_verifier", WELL_FORMED_VERIFIER,
                                            "client_id", id, "client_secret", secret), NULL);
          assert_error (response, 401, "invalid_client");
        }
    }
}

/* RFC 8707: the token request may narrow to one granted resource, nothing else. */
static void
test_resource (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *verifier = NULL;
  g_autofree char *code = get_code (fixture, "app", APP_CB, "files:read", MCP, NULL,
                                    &verifier);
  static const char * const wrong[] = {
    OTHER, "https://mcp.example/mcp/", "https://mcp.example/mcp#x", "/mcp",
    "https://mcp.example/MCP",
  };

  for (guint i = 0; i < G_N_ELEMENTS (wrong); i++)
    {
      g_autoptr(GhTestResponse) response = NULL;

      g_test_message ("%s", wrong[i]);
      response = token (fixture, PAIRS ("grant_type", "authorization_code", "client_id", "app",
                                        "code", code, "code_verifier", verifier,
                                        "redirect_uri", APP_CB, "resource", wrong[i]), NULL);
      assert_error (response, 400, "invalid_target");
    }
  {
    g_autoptr(GhTestResponse) response = NULL;
    g_autoptr(JsonObject) doc = NULL;
    g_autoptr(JsonObject) info = NULL;

    response = token (fixture, PAIRS ("grant_type", "authorization_code", "client_id", "app",
                                      "code", code, "code_verifier", verifier,
                                      "redirect_uri", APP_CB,
                                      "resource", "HTTPS://MCP.EXAMPLE/mcp"), NULL);
    doc = assert_ok (response);
    info = introspect (fixture, member (doc, "access_token"));
    g_assert_cmpstr (member (info, "aud"), ==, MCP);

    /* A refresh may not reach another resource either. */
    {
      g_autoptr(GhTestResponse) other = NULL;

      other = token (fixture, PAIRS ("grant_type", "refresh_token", "client_id", "app",
                                     "refresh_token", member (doc, "refresh_token"),
                                     "resource", OTHER), NULL);
      assert_error (other, 400, "invalid_target");
    }
  }

  /* Nothing granted: no resource can be asked for at /token. */
  {
    g_autofree char *bare_verifier = NULL;
    g_autofree char *bare = app_code (fixture, &bare_verifier);
    g_autoptr(GhTestResponse) response = NULL;

    response = token (fixture, PAIRS ("grant_type", "authorization_code", "client_id", "app",
                                      "code", bare, "code_verifier", bare_verifier,
                                      "redirect_uri", APP_CB, "resource", MCP), NULL);
    assert_error (response, 400, "invalid_target");
  }
}

/* SPEC-NOTES.md: several resources granted, one per token request. */
static void
test_resource_one_per_request (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autofree char *verifier = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *code = NULL;
  g_autoptr(GhTestResponse) both = NULL;
  g_autoptr(GhTestResponse) first = NULL;
  g_autoptr(JsonObject) mcp = NULL;
  g_autoptr(JsonObject) mcp_info = NULL;

  gh_test_pkce_pair (&verifier, &challenge);
  code = gh_test_server_authorize_code (TS, TS->session, APP_CB,
                                        PAIRS ("response_type", "code", "client_id", "app",
                                               "redirect_uri", APP_CB, "code_challenge", challenge,
                                               "code_challenge_method", "S256",
                                               "scope", "files:read other:read", "resource", MCP,
                                               "resource", OTHER));
  both = token (fixture, PAIRS ("grant_type", "authorization_code", "client_id", "app",
                                "code", code, "code_verifier", verifier, "redirect_uri", APP_CB,
                                "resource", MCP, "resource", OTHER), NULL);
  assert_error (both, 400, "invalid_target");

  /* Naming none when two were granted is just as ambiguous. */
  {
    g_autoptr(GhTestResponse) none = token (fixture, PAIRS ("grant_type", "authorization_code",
                                                            "client_id", "app", "code", code,
                                                            "code_verifier", verifier,
                                                            "redirect_uri", APP_CB), NULL);
    assert_error (none, 400, "invalid_target");
  }

  first = token (fixture, PAIRS ("grant_type", "authorization_code", "client_id", "app",
                                 "code", code, "code_verifier", verifier, "redirect_uri", APP_CB,
                                 "resource", MCP), NULL);
  mcp = assert_ok (first);
  mcp_info = introspect (fixture, member (mcp, "access_token"));
  g_assert_cmpstr (member (mcp_info, "aud"), ==, MCP);
  /* Each token carries the scopes its resource defines, not another's. */
  g_assert_cmpstr (member (mcp, "scope"), ==, "files:read");
  g_assert_cmpstr (member (mcp_info, "scope"), ==, "files:read");

  /* The other resource through the refresh token, again one at a time. */
  {
    g_autoptr(GhTestResponse) refreshed_both = NULL;
    g_autoptr(GhTestResponse) refreshed = NULL;
    g_autoptr(JsonObject) other = NULL;
    g_autoptr(JsonObject) other_info = NULL;

    refreshed_both = token (fixture, PAIRS ("grant_type", "refresh_token", "client_id", "app",
                                            "refresh_token", member (mcp, "refresh_token"),
                                            "resource", OTHER, "resource", MCP), NULL);
    assert_error (refreshed_both, 400, "invalid_target");
    refreshed = token (fixture, PAIRS ("grant_type", "refresh_token", "client_id", "app",
                                       "refresh_token", member (mcp, "refresh_token"),
                                       "resource", OTHER), NULL);
    other = assert_ok (refreshed);
    other_info = introspect (fixture, member (other, "access_token"));
    g_assert_cmpstr (member (other_info, "aud"), ==, OTHER);
    g_assert_cmpstr (member (other, "scope"), ==, "other:read");
  }
}

/* resource_policy=open accepts any scope for a resource that is not listed; a token for a
 * listed resource named in the same request still carries only what that one defines, and
 * one for the unlisted resource nothing a listed one defines. */
static void
test_resource_scopes_open (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *verifier = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *code = NULL;
  g_autoptr(GhTestResponse) first = NULL;
  g_autoptr(GhTestResponse) refreshed = NULL;
  g_autoptr(JsonObject) listed = NULL;
  g_autoptr(JsonObject) unlisted = NULL;

  gh_test_pkce_pair (&verifier, &challenge);
  code = gh_test_server_authorize_code (TS, TS->session, APP_CB,
                                        PAIRS ("response_type", "code", "client_id", "app",
                                               "redirect_uri", APP_CB, "code_challenge", challenge,
                                               "code_challenge_method", "S256",
                                               "scope", "openid files:read admin:everything",
                                               "resource", MCP,
                                               "resource", "https://made-up.example/mcp"));
  first = token (fixture, PAIRS ("grant_type", "authorization_code", "client_id", "app",
                                 "code", code, "code_verifier", verifier, "redirect_uri", APP_CB,
                                 "resource", MCP), NULL);
  listed = assert_ok (first);
  g_assert_cmpstr (member (listed, "scope"), ==, "openid files:read");

  refreshed = token (fixture, PAIRS ("grant_type", "refresh_token", "client_id", "app",
                                     "refresh_token", member (listed, "refresh_token"),
                                     "resource", "https://made-up.example/mcp"), NULL);
  unlisted = assert_ok (refreshed);
  g_assert_cmpstr (member (unlisted, "scope"), ==, "openid admin:everything");

  /* Recorded with the scopes granted for it, not the listed resource's. */
  {
    g_autoptr(GhProject) project = gh_test_server_project (TS);
    g_autoptr(GhResource) recorded = gh_resources_find (gh_server_get_resources (TS->server),
                                                        project->id,
                                                        "https://made-up.example/mcp", NULL);
    g_autofree char *scopes = g_strjoinv (" ", recorded->scopes);

    g_assert_true (recorded->recorded);
    g_assert_cmpstr (scopes, ==, "admin:everything");
  }
}

/* --- Refresh tokens --- */

static void
test_refresh_expired (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(JsonObject) first = code_flow (fixture, "app", APP_CB, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhTestResponse) response = NULL;

  g_assert_true (gh_store_exec (gh_server_get_store (TS->server),
                                "UPDATE refresh_tokens SET expires_at = 0", &error));
  g_assert_no_error (error);
  response = refresh (fixture, "app", member (first, "refresh_token"), NULL);
  assert_error (response, 400, "invalid_grant");
  g_assert_false (is_active (fixture, member (first, "refresh_token")));
}

static void
test_refresh_reuse (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(JsonObject) first = code_flow (fixture, "app", APP_CB, "openid", NULL);
  const char *r1 = member (first, "refresh_token");
  g_autoptr(GhTestResponse) rotated = refresh (fixture, "app", r1, NULL);
  g_autoptr(JsonObject) second = assert_ok (rotated);
  const char *r2 = member (second, "refresh_token");
  g_autoptr(GhTestResponse) reuse = NULL;
  g_autoptr(GhTestResponse) newer = NULL;

  /* Rotation: a new refresh token every time (public clients MUST rotate). */
  g_assert_nonnull (r2);
  g_assert_cmpstr (r1, !=, r2);
  g_assert_false (is_active (fixture, r1));
  g_assert_true (is_active (fixture, r2));

  reuse = refresh (fixture, "app", r1, NULL);
  assert_error (reuse, 400, "invalid_grant");
  g_assert_cmpuint (gh_test_server_count_audit (TS, "refresh_token.reuse_detected"), ==, 1);

  /* The whole family is gone: the newer refresh token, and the access tokens. */
  newer = refresh (fixture, "app", r2, NULL);
  assert_error (newer, 400, "invalid_grant");
  g_assert_false (is_active (fixture, r2));
  g_assert_false (is_active (fixture, member (first, "access_token")));
  g_assert_false (is_active (fixture, member (second, "access_token")));
}

/* refresh_grace_seconds: one reuse passes inside the window, the next revokes the family. */
static void
test_refresh_grace (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(GhTestResponse) rotated = NULL;
  g_autoptr(JsonObject) second = NULL;
  g_autoptr(GhTestResponse) grace = NULL;
  g_autoptr(JsonObject) third = NULL;
  g_autoptr(GhTestResponse) again = NULL;
  const char *r1;

  gh_test_server_set (TS, "refresh_grace_seconds", "30");
  first = code_flow (fixture, "app", APP_CB, NULL, NULL);
  r1 = member (first, "refresh_token");
  rotated = refresh (fixture, "app", r1, NULL);
  second = assert_ok (rotated);

  grace = refresh (fixture, "app", r1, NULL);
  third = assert_ok (grace);
  g_assert_true (is_active (fixture, member (second, "refresh_token")));
  g_assert_true (is_active (fixture, member (third, "refresh_token")));
  g_assert_true (is_active (fixture, member (third, "access_token")));

  again = refresh (fixture, "app", r1, NULL);
  assert_error (again, 400, "invalid_grant");
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *tokens = i == 0 ? second : third;
      g_autoptr(GhTestResponse) response = refresh (fixture, "app",
                                                    member (tokens, "refresh_token"), NULL);

      assert_error (response, 400, "invalid_grant");
      g_assert_false (is_active (fixture, member (tokens, "access_token")));
    }
}

static void
test_refresh_scope (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(JsonObject) first = code_flow (fixture, "app", APP_CB,
                                           "openid files:read files:write", MCP);
  const char *r1 = member (first, "refresh_token");
  static const char * const wider[] = {
    "openid files:read files:write other:read", "profile", "files:read files:delete", "FILES:READ",
  };

  g_assert_cmpstr (member (first, "scope"), ==, "openid files:read files:write");
  for (guint i = 0; i < G_N_ELEMENTS (wider); i++)
    {
      g_autoptr(GhTestResponse) response = refresh (fixture, "app", r1, wider[i]);

      g_test_message ("%s", wider[i]);
      assert_error (response, 400, "invalid_scope");
    }

  /* Refused requests spent nothing: the token still narrows. */
  {
    g_autoptr(GhTestResponse) response = refresh (fixture, "app", r1, "files:read");
    g_autoptr(JsonObject) narrow = assert_ok (response);
    g_autoptr(JsonObject) info = introspect (fixture, member (narrow, "access_token"));

    g_assert_cmpstr (member (narrow, "scope"), ==, "files:read");
    g_assert_cmpstr (member (info, "scope"), ==, "files:read");
    g_assert_false (json_object_has_member (narrow, "id_token"));
  }
}

static void
test_refresh_other_client (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(JsonObject) first = code_flow (fixture, "app", APP_CB, NULL, NULL);
  const char *r1 = member (first, "refresh_token");
  g_autoptr(GhTestResponse) stolen = refresh (fixture, "app2", r1, NULL);
  g_autoptr(GhTestResponse) unknown = refresh (fixture, "app", "not-a-refresh-token", NULL);
  g_autoptr(GhTestResponse) access_as_refresh = refresh (fixture, "app",
                                                         member (first, "access_token"), NULL);
  g_autoptr(GhTestResponse) own = NULL;
  g_autoptr(JsonObject) doc = NULL;

  assert_error (stolen, 400, "invalid_grant");
  assert_error (unknown, 400, "invalid_grant");
  assert_error (access_as_refresh, 400, "invalid_grant");
  own = refresh (fixture, "app", r1, NULL);
  doc = assert_ok (own);
}

/* --- What the tokens say --- */

static GhJwk *
server_key_lookup (const char *kid,
                   GhJwsAlg    alg,
                   gpointer    user_data)
{
  Fixture *fixture = user_data;

  return gh_signing_keys_lookup (gh_server_get_signing_keys (TS->server), kid);
}

static JsonObject *
verify (Fixture     *fixture,
        const char  *jws,
        JsonObject **header)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) payload = NULL;
  JsonObject *claims;

  g_assert_true (gh_jws_verify_compact (jws, server_key_lookup, fixture, header, &payload, &error));
  g_assert_no_error (error);
  claims = gh_jws_parse_json_object (payload, &error);
  g_assert_no_error (error);
  return claims;
}

/* Issue 9: a nonce holding U+001F was signed over JSON nobody parses. The nonce is any
 * string (OIDC Core §3.1.2.1), so it is kept, escaped: the payload parses strictly and the
 * nonce comes back byte for byte. */
static void
test_nonce_control_characters (Fixture       *fixture,
                               gconstpointer  data)
{
  const char *nonce = "n\x1f" "o\x01" "n\x7f" "c\xe2\x80\xa8" "e\"\\";
  g_autofree char *verifier = NULL;
  g_autofree char *code = get_code (fixture, "app", APP_CB, "openid", NULL, nonce, &verifier);
  g_autoptr(GhTestResponse) response = redeem (fixture, "app", code, verifier, APP_CB);
  g_autoptr(JsonObject) doc = assert_ok (response);
  g_autoptr(JsonObject) id = verify (fixture, member (doc, "id_token"), NULL);
  g_auto(GStrv) parts = g_strsplit (member (doc, "id_token"), ".", -1);
  g_autofree guint8 *payload = NULL;
  gsize length;

  g_assert_cmpstr (member (id, "nonce"), ==, nonce);
  payload = gh_base64url_decode (parts[1], &length, NULL);
  for (gsize i = 0; i < length; i++)
    g_assert_cmpint (payload[i], >=, 0x20);
}

static void
test_claims (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GhProject) project = gh_test_server_project (TS);
  g_autofree char *verifier = NULL;
  g_autofree char *code = get_code (fixture, "app", APP_CB, "openid profile email files:read", MCP,
                                    "n-0S6_WzA2Mj", &verifier);
  g_autoptr(GhTestResponse) response = redeem (fixture, "app", code, verifier, APP_CB);
  g_autoptr(JsonObject) doc = assert_ok (response);
  g_autoptr(JsonObject) at_header = NULL;
  g_autoptr(JsonObject) at = verify (fixture, member (doc, "access_token"), &at_header);
  g_autoptr(JsonObject) id_header = NULL;
  g_autoptr(JsonObject) id = verify (fixture, member (doc, "id_token"), &id_header);
  gint64 now = gh_now_seconds ();
  guint8 digest[32];
  g_autofree char *at_hash = NULL;

  g_assert_cmpstr (member (doc, "token_type"), ==, "Bearer");
  g_assert_cmpint (json_object_get_int_member (doc, "expires_in"), ==,
                   project->settings->access_token_ttl);
  g_assert_cmpstr (member (doc, "scope"), ==, "openid profile email files:read");

  /* RFC 9068 */
  g_assert_cmpstr (member (at_header, "typ"), ==, "at+jwt");
  g_assert_cmpstr (member (at_header, "alg"), ==, "ES256");
  g_assert_nonnull (member (at_header, "kid"));
  g_assert_cmpstr (member (at, "iss"), ==, TS->issuer);
  g_assert_cmpstr (member (at, "sub"), ==, "alice");
  g_assert_cmpstr (member (at, "aud"), ==, MCP);
  g_assert_cmpstr (member (at, "client_id"), ==, "app");
  g_assert_cmpstr (member (at, "scope"), ==, "openid profile email files:read");
  g_assert_cmpint (json_object_get_int_member (at, "iat"), <=, now);
  g_assert_cmpint (json_object_get_int_member (at, "iat"), >=, now - 10);
  g_assert_cmpint (json_object_get_int_member (at, "exp") - json_object_get_int_member (at, "iat"),
                   ==, project->settings->access_token_ttl);
  g_assert_cmpuint (strlen (member (at, "jti")), >=, 16);
  g_assert_false (json_object_has_member (at, "nonce"));

  /* OpenID Connect Core §2, §3.1.3.6 */
  g_assert_cmpstr (member (id_header, "typ"), !=, "at+jwt");
  g_assert_cmpstr (member (id, "iss"), ==, TS->issuer);
  g_assert_cmpstr (member (id, "sub"), ==, "alice");
  g_assert_cmpstr (member (id, "aud"), ==, "app");
  g_assert_cmpstr (member (id, "nonce"), ==, "n-0S6_WzA2Mj");
  g_assert_cmpstr (member (id, "email"), ==, "alice@example.test");
  g_assert_cmpstr (member (id, "name"), ==, "Alice Liddell");
  g_assert_true (json_object_has_member (id, "auth_time"));
  g_assert_cmpint (json_object_get_int_member (id, "exp"), >, now);
  gh_sha256 (member (doc, "access_token"), strlen (member (doc, "access_token")), digest);
  at_hash = gh_base64url_encode (digest, 16);
  g_assert_cmpstr (member (id, "at_hash"), ==, at_hash);

  /* Two tokens, two jti. */
  {
    g_autoptr(JsonObject) again = code_flow (fixture, "app", APP_CB, "profile", NULL);
    g_autoptr(JsonObject) again_at = verify (fixture, member (again, "access_token"), NULL);

    g_assert_cmpstr (member (again_at, "jti"), !=, member (at, "jti"));
    /* No openid, no ID token; no resource, the issuer is the audience. */
    g_assert_false (json_object_has_member (again, "id_token"));
    g_assert_cmpstr (member (again_at, "aud"), ==, TS->issuer);
  }
  /* A client without the refresh_token grant gets no refresh token. */
  {
    g_autoptr(JsonObject) once = code_flow (fixture, "once", "https://once.example/cb", "openid",
                                            NULL);
    g_assert_false (json_object_has_member (once, "refresh_token"));
  }
}

/* --- private_key_jwt (RFC 7523) --- */

static char *
compact_json (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  return json_to_string (node, FALSE);
}

/* header.payload.signature, signed by @signer (NULL: an empty signature), whatever the
 * header says. */
static char *
forge (const char *header_json,
       const char *payload_json,
       GhJwk      *signer)
{
  g_autofree char *header = gh_base64url_encode ((const guint8 *) header_json,
                                                 strlen (header_json));
  g_autofree char *payload = gh_base64url_encode ((const guint8 *) payload_json,
                                                  strlen (payload_json));
  g_autofree char *input = g_strconcat (header, ".", payload, NULL);
  g_autofree char *signature = NULL;

  if (signer != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) sig = gh_jwk_sign (signer, (const guint8 *) input, strlen (input),
                                           GH_JWK_SIGN_NONE, &error);
      gsize len;
      const guint8 *bytes;

      g_assert_no_error (error);
      bytes = g_bytes_get_data (sig, &len);
      signature = gh_base64url_encode (bytes, len);
    }
  return g_strconcat (input, ".", signature != NULL ? signature : "", NULL);
}

static char *
sign_claims (GhJwk      *key,
             const char *typ,
             JsonObject *claims)
{
  g_autoptr(JsonObject) header = json_object_new ();
  g_autofree char *text = compact_json (claims);
  g_autoptr(GBytes) payload = g_bytes_new (text, strlen (text));
  g_autoptr(GError) error = NULL;
  char *jws;

  if (typ != NULL)
    json_object_set_string_member (header, "typ", typ);
  jws = gh_jws_sign_compact (key, header, payload, &error);
  g_assert_no_error (error);
  return jws;
}

static JsonObject *
assertion_claims (Fixture    *fixture,
                  const char *aud,
                  gint64      exp_in)
{
  JsonObject *claims = json_object_new ();
  g_autofree char *jti = gh_random_token (16);
  gint64 now = gh_now_seconds ();

  json_object_set_string_member (claims, "iss", "pkj");
  json_object_set_string_member (claims, "sub", "pkj");
  json_object_set_string_member (claims, "aud", aud);
  json_object_set_string_member (claims, "jti", jti);
  json_object_set_int_member (claims, "iat", now);
  json_object_set_int_member (claims, "exp", now + exp_in);
  return claims;
}

static GhTestResponse *
redeem_with_assertion (Fixture    *fixture,
                       const char *assertion,
                       const char *code,
                       const char *verifier,
                       const char *client_id)
{
  return token (fixture, PAIRS ("grant_type", "authorization_code", "code", code,
                                "code_verifier", verifier, "client_assertion_type", ASSERTION_TYPE,
                                "client_assertion", assertion,
                                "redirect_uri", "https://pkj.example/cb",
                                "client_id", client_id), NULL);
}

/* An administrator's audience for a resource is what its tokens carry. */
static void
test_resource_audience (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GhProject) project = gh_test_server_project (TS);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhResource) resource = NULL;
  g_autoptr(JsonObject) tokens = NULL;
  g_autoptr(JsonObject) info = NULL;

  resource = gh_resources_add (gh_server_get_resources (TS->server), project,
                               "https://aud.example/mcp", "Audience test", "files:read",
                               "urn:example:mcp", "test", &error);
  g_assert_no_error (error);
  tokens = code_flow (fixture, "app", APP_CB, "files:read", "https://aud.example/mcp");
  info = introspect (fixture, member (tokens, "access_token"));
  g_assert_true (json_object_get_boolean_member (info, "active"));
  g_assert_cmpstr (member (info, "aud"), ==, "urn:example:mcp");
}

/* Assertions whose members have the wrong JSON types: refused with 401, never a crash. */
static void
test_private_key_jwt_wrong_types (Fixture       *fixture,
                                  gconstpointer  data)
{
  static const char * const payloads[] = {
    "{\"sub\":{\"a\":1}}",
    "{\"sub\":[\"pkj\"]}",
    "{\"sub\":\"pkj\",\"iss\":{},\"aud\":[{},1],\"exp\":\"soon\",\"jti\":[]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (payloads); i++)
    {
      g_autofree char *header = gh_base64url_encode ((const guint8 *) "{\"alg\":\"ES256\"}", 15);
      g_autofree char *payload = gh_base64url_encode ((const guint8 *) payloads[i],
                                                      strlen (payloads[i]));
      g_autofree char *assertion = g_strconcat (header, ".", payload, ".AAAA", NULL);
      g_autoptr(GhTestResponse) response = NULL;

      g_test_message ("%s", payloads[i]);
      response = token (fixture, PAIRS ("grant_type", "refresh_token", "refresh_token", "x",
                                        "client_assertion_type", ASSERTION_TYPE,
                                        "client_assertion", assertion), NULL);
      g_assert_cmpuint (response->status, ==, 401);
    }

  /* A key whose kid is not a string cannot be registered. */
  {
    g_autoptr(GhProject) project = gh_test_server_project (TS);
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autoptr(JsonObject) validated = NULL;

    json_parser_load_from_data (parser, "{\"redirect_uris\":[\"https://k.example/cb\"],"
                                "\"token_endpoint_auth_method\":\"private_key_jwt\","
                                "\"jwks\":{\"keys\":[{\"kty\":\"EC\",\"kid\":{}}]}}", -1, NULL);
    validated = gh_client_metadata_validate (json_node_get_object (json_parser_get_root (parser)),
                                             project->settings, "none", &error);
    g_assert_null (validated);
    g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_CLIENT_METADATA);
  }
}

static void
test_private_key_jwt (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *token_url = g_strconcat (TS->issuer, "/token", NULL);
  g_autofree char *verifier = NULL;
  g_autofree char *code = get_code (fixture, "pkj", "https://pkj.example/cb", NULL, NULL, NULL,
                                    &verifier);
  g_autoptr(JsonObject) good_claims = assertion_claims (fixture, token_url, 60);
  g_autofree char *good = sign_claims (fixture->client_key, "JWT", good_claims);
  g_autoptr(JsonObject) wrong_aud = assertion_claims (fixture, "https://elsewhere.example/token",
                                                      60);
  g_autoptr(JsonObject) expired = assertion_claims (fixture, token_url, -5);
  g_autoptr(JsonObject) too_long = assertion_claims (fixture, token_url, 24 * 3600);
  g_autoptr(JsonObject) other_iss = assertion_claims (fixture, token_url, 60);
  g_autoptr(JsonObject) no_jti = assertion_claims (fixture, token_url, 60);
  g_autoptr(JsonObject) other_key = assertion_claims (fixture, token_url, 60);
  g_autoptr(JsonObject) borrowed_kid = assertion_claims (fixture, token_url, 60);
  g_autoptr(JsonObject) unsigned_claims = assertion_claims (fixture, token_url, 60);
  g_autofree char *borrowed_header = g_strdup_printf ("{\"alg\":\"ES256\",\"kid\":\"%s\"}",
                                                      gh_jwk_get_kid (fixture->client_key));
  g_autofree char *none_header = g_strdup_printf ("{\"alg\":\"none\",\"kid\":\"%s\"}",
                                                  gh_jwk_get_kid (fixture->client_key));
  g_autofree char *borrowed_payload = compact_json (borrowed_kid);
  g_autofree char *unsigned_payload = compact_json (unsigned_claims);
  g_autofree char *s_wrong_aud = sign_claims (fixture->client_key, NULL, wrong_aud);
  g_autofree char *s_expired = sign_claims (fixture->client_key, NULL, expired);
  g_autofree char *s_too_long = sign_claims (fixture->client_key, NULL, too_long);
  g_autofree char *s_other_iss = NULL;
  g_autofree char *s_no_jti = NULL;
  g_autofree char *s_other_key = sign_claims (fixture->other_key, NULL, other_key);
  g_autofree char *s_borrowed = forge (borrowed_header, borrowed_payload, fixture->other_key);
  g_autofree char *s_none = forge (none_header, unsigned_payload, NULL);

  json_object_set_string_member (other_iss, "iss", "app");
  s_other_iss = sign_claims (fixture->client_key, NULL, other_iss);
  json_object_remove_member (no_jti, "jti");
  s_no_jti = sign_claims (fixture->client_key, NULL, no_jti);

  {
    const struct {
      const char *assertion;
      const char *client_id;
    } rows[] = {
      { s_wrong_aud, NULL },
      { s_expired, NULL },
      { s_too_long, NULL },
      { s_other_iss, NULL },
      { s_no_jti, NULL },
      { s_other_key, NULL },
      { s_borrowed, NULL },
      { s_none, NULL },
      { "not.a.jwt", NULL },
      { good, "app" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
      {
        g_autoptr(GhTestResponse) response = NULL;

        g_test_message ("row %u", i);
        response = redeem_with_assertion (fixture, rows[i].assertion, code, verifier,
                                          rows[i].client_id);
        assert_error (response, 401, "invalid_client");
      }
  }

  /* Without the assertion type the request is malformed. */
  {
    g_autoptr(GhTestResponse) response = NULL;

    response = token (fixture, PAIRS ("grant_type", "authorization_code", "code", code,
                                      "code_verifier", verifier, "client_assertion", good), NULL);
    assert_error (response, 400, "invalid_request");
  }

  /* The right assertion, once. */
  {
    g_autoptr(GhTestResponse) response = NULL;
    g_autoptr(JsonObject) doc = NULL;

    response = redeem_with_assertion (fixture, good, code, verifier, "pkj");
    doc = assert_ok (response);
  }
  {
    g_autoptr(GhTestResponse) response = NULL;

    response = redeem_with_assertion (fixture, good, code, verifier, NULL);
    assert_error (response, 401, "invalid_client");
  }

  /* The issuer is an accepted audience too; a fresh assertion works at /introspect. */
  {
    g_autoptr(JsonObject) claims = assertion_claims (fixture, TS->issuer, 60);
    g_autofree char *assertion = sign_claims (fixture->client_key, NULL, claims);
    g_autoptr(GhTestResponse) response = NULL;
    g_autoptr(JsonObject) doc = NULL;

    response = gh_test_server_post_form (TS, "/introspect",
                                         PAIRS ("client_assertion_type", ASSERTION_TYPE,
                                                "client_assertion", assertion, "token", "x"),
                                         NULL);
    doc = assert_ok (response);
    g_assert_false (json_object_get_boolean_member (doc, "active"));
  }
}

/* --- Parallel requests --- */

typedef struct
{
  guint pending;
  guint ok;
  guint other;
  gboolean done;
} Batch;

typedef struct
{
  Batch *batch;
  SoupMessage *msg;
} BatchItem;

static void
batch_item_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  BatchItem *item = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                              &error);

  g_assert_no_error (error);
  if (soup_message_get_status (item->msg) == 200)
    item->batch->ok++;
  else
    {
      g_assert_cmpuint (soup_message_get_status (item->msg), ==, 400);
      item->batch->other++;
    }
  g_object_unref (item->msg);
  if (--item->batch->pending == 0)
    item->batch->done = TRUE;
  g_free (item);
}

/* Sends @n copies of one /token request at once; returns how many got 200. */
static guint
parallel_token (Fixture    *fixture,
                const char *body,
                guint       n)
{
  /* All sent at once over 10 connections: SoupServer listens with GSocket's default backlog
   * of 10, and more simultaneous connects overflow it (the kernel resets them). */
  g_autoptr(SoupSession) session = soup_session_new_with_options ("max-conns", 10,
                                                                  "max-conns-per-host", 10, NULL);
  g_autofree char *url = g_strconcat (TS->issuer, "/token", NULL);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  Batch batch = { 0 };

  for (guint i = 0; i < n; i++)
    {
      BatchItem *item = g_new0 (BatchItem, 1);

      item->batch = &batch;
      item->msg = soup_message_new ("POST", url);
      soup_message_set_request_body_from_bytes (item->msg, FORM, bytes);
      batch.pending++;
      soup_session_send_and_read_async (session, item->msg, G_PRIORITY_DEFAULT, NULL,
                                        batch_item_done, item);
    }
  g_assert_true (gh_test_wait_for (&batch.done, 20000));
  g_assert_cmpuint (batch.ok + batch.other, ==, n);
  return batch.ok;
}

static void
test_parallel_code (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *verifier = NULL;
  g_autofree char *code = app_code (fixture, &verifier);
  g_autofree char *body = gh_test_form_encode (PAIRS ("grant_type", "authorization_code",
                                                      "client_id", "app", "code", code,
                                                      "code_verifier", verifier,
                                                      "redirect_uri", APP_CB));

  g_assert_cmpuint (parallel_token (fixture, body, 50), ==, 1);
}

static void
test_parallel_refresh (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(JsonObject) first = code_flow (fixture, "app", APP_CB, NULL, NULL);
  g_autofree char *body = gh_test_form_encode (PAIRS ("grant_type", "refresh_token",
                                                      "client_id", "app",
                                                      "refresh_token",
                                                      member (first, "refresh_token")));

  g_assert_cmpuint (parallel_token (fixture, body, 20), ==, 1);
}

/* --- /revoke (RFC 7009) --- */

static GhTestResponse *
revoke_token (Fixture    *fixture,
        const char *client_id,
        const char *token_text)
{
  return gh_test_server_post_form (TS, "/revoke", PAIRS ("client_id", client_id,
                                                         "token", token_text), NULL);
}

static void
test_revoke_unknown (Fixture       *fixture,
                     gconstpointer  data)
{
  static const char * const tokens[] = { "no-such-token", "a.b.c", "eyJhbGciOiJub25lIn0.e30." };

  for (guint i = 0; i < G_N_ELEMENTS (tokens); i++)
    {
      g_autoptr(GhTestResponse) response = revoke_token (fixture, "app", tokens[i]);
      g_assert_cmpuint (response->status, ==, 200);
    }
  {
    g_autoptr(GhTestResponse) missing = revoke_token (fixture, "app", NULL);
    g_autoptr(GhTestResponse) bad_client = NULL;
    g_autofree char *wrong = gh_test_basic_auth ("basic", "wrong");
    const char * const headers[] = { "Authorization", wrong, NULL };

    assert_error (missing, 400, "invalid_request");
    bad_client = gh_test_server_post_form (TS, "/revoke",
                                           PAIRS ("token", "x"), headers);
    assert_error (bad_client, 401, "invalid_client");
  }
}

static void
test_revoke_refresh_family (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(JsonObject) first = code_flow (fixture, "app", APP_CB, NULL, NULL);
  g_autoptr(GhTestResponse) rotated = refresh (fixture, "app", member (first, "refresh_token"),
                                               NULL);
  g_autoptr(JsonObject) second = assert_ok (rotated);
  g_autoptr(GhTestResponse) revoked = NULL;
  g_autoptr(GhTestResponse) after = NULL;
  g_autoptr(GhTestResponse) stolen = NULL;

  /* Another client cannot revoke it. */
  stolen = revoke_token (fixture, "app2", member (second, "refresh_token"));
  g_assert_cmpuint (stolen->status, ==, 200);
  g_assert_true (is_active (fixture, member (second, "refresh_token")));

  revoked = revoke_token (fixture, "app", member (second, "refresh_token"));
  g_assert_cmpuint (revoked->status, ==, 200);
  after = refresh (fixture, "app", member (second, "refresh_token"), NULL);
  assert_error (after, 400, "invalid_grant");
  g_assert_false (is_active (fixture, member (first, "access_token")));
  g_assert_false (is_active (fixture, member (second, "access_token")));
  g_assert_cmpuint (gh_test_server_count_audit (TS, "token.revoked"), ==, 1);
}

static void
test_revoke_access_token (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(JsonObject) tokens = code_flow (fixture, "app", APP_CB, "openid", NULL);
  const char *access = member (tokens, "access_token");
  g_autoptr(GhTestResponse) stolen = revoke_token (fixture, "app2", access);
  g_autoptr(GhTestResponse) revoked = NULL;

  g_assert_cmpuint (stolen->status, ==, 200);
  g_assert_true (is_active (fixture, access));
  revoked = revoke_token (fixture, "app", access);
  g_assert_cmpuint (revoked->status, ==, 200);
  g_assert_false (is_active (fixture, access));
  /* Revoking again is fine. */
  {
    g_autoptr(GhTestResponse) again = revoke_token (fixture, "app", access);
    g_assert_cmpuint (again->status, ==, 200);
  }
}

/* --- /introspect (RFC 7662) --- */

static void
test_introspect_clients (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(JsonObject) tokens = code_flow (fixture, "app", APP_CB, "openid", NULL);
  g_autofree char *wrong = gh_test_basic_auth ("rs", "wrong");
  const char * const wrong_headers[] = { "Authorization", wrong, NULL };
  g_autoptr(GhTestResponse) public_client = NULL;
  g_autoptr(GhTestResponse) anonymous = NULL;
  g_autoptr(GhTestResponse) bad_secret = NULL;
  g_autoptr(JsonObject) info = NULL;
  g_autoptr(JsonObject) refresh_info = NULL;

  public_client = gh_test_server_post_form (TS, "/introspect",
      PAIRS ("client_id", "app", "token", member (tokens, "access_token")), NULL);
  assert_error (public_client, 401, "invalid_client");
  anonymous = gh_test_server_post_form (TS, "/introspect",
      PAIRS ("token", member (tokens, "access_token")), NULL);
  assert_error (anonymous, 401, "invalid_client");
  bad_secret = gh_test_server_post_form (TS, "/introspect",
      PAIRS ("token", member (tokens, "access_token")),
                                         wrong_headers);
  assert_error (bad_secret, 401, "invalid_client");
  g_assert_true (g_str_has_prefix (gh_test_response_header (bad_secret, "WWW-Authenticate"),
                                   "Basic"));

  info = introspect (fixture, member (tokens, "access_token"));
  g_assert_true (json_object_get_boolean_member (info, "active"));
  g_assert_cmpstr (member (info, "sub"), ==, "alice");
  g_assert_cmpstr (member (info, "client_id"), ==, "app");
  g_assert_cmpstr (member (info, "scope"), ==, "openid");
  g_assert_cmpstr (member (info, "iss"), ==, TS->issuer);
  g_assert_true (json_object_has_member (info, "exp"));

  refresh_info = introspect (fixture, member (tokens, "refresh_token"));
  g_assert_true (json_object_get_boolean_member (refresh_info, "active"));
  g_assert_cmpstr (member (refresh_info, "client_id"), ==, "app");
}

/* Re-signs a real access token's claims with one change, with the server's own key. */
static char *
resign (Fixture    *fixture,
        const char *access_token,
        const char *typ,
        const char *name,
        JsonNode   *value)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhJwk) key = gh_signing_keys_get_signing_key (gh_server_get_signing_keys (TS->server),
                                                          &error);
  g_autoptr(JsonObject) claims = verify (fixture, access_token, NULL);

  g_assert_no_error (error);
  if (name != NULL)
    json_object_set_member (claims, name, value);
  else if (value != NULL)
    json_node_unref (value);
  return sign_claims (key, typ, claims);
}

static JsonNode *
string_node (const char *text)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, text);
  return node;
}

static JsonNode *
int_node (gint64 value)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_int (node, value);
  return node;
}

/* SECURITY.md, tokens: whatever was not issued here, as it was issued, is inactive. */
static void
test_introspect_forged (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(JsonObject) tokens = code_flow (fixture, "app", APP_CB, "openid", MCP);
  const char *access = member (tokens, "access_token");
  g_auto(GStrv) parts = g_strsplit (access, ".", 3);
  g_autofree char *payload_json = NULL;
  g_autofree char *tampered_payload = NULL;
  g_autofree char *tampered_signature = NULL;
  g_autofree char *alg_none = NULL;
  g_autofree char *hs256 = NULL;
  g_autofree char *other_key = NULL;
  gint64 now = gh_now_seconds ();

  {
    gsize len;
    g_autofree guint8 *decoded = gh_base64url_decode (parts[1], &len, NULL);
    g_autoptr(JsonObject) claims = gh_json_parse_object_strict ((const char *) decoded, len, NULL);
    g_autofree char *unsigned_hs256 = NULL;

    payload_json = g_strndup ((const char *) decoded, len);
    /* The same claims, sub changed, the original signature kept. */
    json_object_set_string_member (claims, "sub", "bob");
    {
      g_autofree char *changed = compact_json (claims);
      g_autofree char *encoded = gh_base64url_encode ((const guint8 *) changed, strlen (changed));
      tampered_payload = g_strjoin (".", parts[0], encoded, parts[2], NULL);
    }
    tampered_signature = g_strdup (access);
    tampered_signature[strlen (tampered_signature) - 3] ^= 0x01;
    alg_none = forge ("{\"alg\":\"none\",\"typ\":\"at+jwt\"}", payload_json, NULL);
    unsigned_hs256 = forge ("{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}", payload_json, NULL);
    hs256 = g_strconcat (unsigned_hs256, "c2lnbmF0dXJl", NULL);
    other_key = sign_claims (fixture->other_key, "at+jwt", claims);
  }

  {
    g_autofree char *other_issuer = resign (fixture, access, "at+jwt", "iss",
                                            string_node ("https://other.example"));
    g_autofree char *project_issuer = g_strconcat (TS->issuer, "/p/acme", NULL);
    g_autofree char *acme_issuer = resign (fixture, access, "at+jwt", "iss",
                                           string_node (project_issuer));
    g_autofree char *other_audience = resign (fixture, access, "at+jwt", "aud",
                                              string_node ("https://nobody.example/mcp"));
    g_autofree char *expired = resign (fixture, access, "at+jwt", "exp", int_node (now - 1));
    g_autofree char *future = resign (fixture, access, "at+jwt", "iat", int_node (now + 3600));
    g_autofree char *unknown_jti = resign (fixture, access, "at+jwt", "jti",
                                           string_node ("made-up"));
    g_autofree char *id_typ = resign (fixture, access, "JWT", NULL, NULL);
    g_autofree char *no_typ = resign (fixture, access, NULL, NULL, NULL);
    g_autofree char *control = resign (fixture, access, "at+jwt", NULL, NULL);
    const char *inactive[] = {
      tampered_payload, tampered_signature, alg_none, hs256, other_key, other_issuer, acme_issuer,
      other_audience, expired, future, unknown_jti, id_typ, no_typ,
      member (tokens, "id_token"), "garbage", "a.b.c", "",
    };

    /* Re-signing as such changes nothing: the rows below fail for their one change. */
    g_assert_true (is_active (fixture, control));
    for (guint i = 0; i < G_N_ELEMENTS (inactive); i++)
      {
        g_test_message ("row %u", i);
        if (*inactive[i] == '\0')
          {
            g_autofree char *basic = gh_test_basic_auth ("rs", fixture->rs_secret);
            const char * const headers[] = { "Authorization", basic, NULL };
            g_autoptr(GhTestResponse) response = gh_test_server_post_form (TS, "/introspect",
                                                                           PAIRS ("token", ""),
                                                                           headers);
            assert_error (response, 400, "invalid_request");
            continue;
          }
        g_assert_false (is_active (fixture, inactive[i]));
      }
  }
}

/* A real token of another project (another issuer, the same keys) is not active here. */
static void
test_introspect_other_project (Fixture       *fixture,
                               gconstpointer  data)
{
  GhServer *server = TS->server;
  g_autoptr(GError) error = NULL;
  g_autoptr(GhProject) acme = gh_projects_create (gh_server_get_projects (server), "acme", "ACME",
                                                  GH_SETTINGS_PROFILE_DEVELOPMENT, "test", &error);
  g_autoptr(JsonObject) patch = json_object_new ();
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(JsonObject) metadata = json_object_new ();
  g_autoptr(JsonArray) uris = json_array_new ();
  g_autoptr(JsonObject) validated = NULL;
  g_autoptr(GhClient) client = NULL;
  g_autoptr(GhUser) user = NULL;
  g_autofree char *verifier = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *query = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GhTestResponse) authorized = NULL;
  g_autoptr(GhForm) params = NULL;
  g_autoptr(GhTestResponse) response = NULL;
  g_autoptr(JsonObject) tokens = NULL;

  g_assert_no_error (error);
  user = gh_users_add (gh_server_get_users (server), acme, "alice", NULL, NULL, NULL, "test",
                       &error);
  g_assert_no_error (error);
  json_object_set_string_member (patch, "auto_approve_user", "alice");
  changes = gh_projects_update_settings (gh_server_get_projects (server), "acme", patch, "test",
                                         &error);
  g_assert_no_error (error);
  json_array_add_string_element (uris, APP_CB);
  json_object_set_array_member (metadata, "redirect_uris", g_steal_pointer (&uris));
  json_object_set_array_member (metadata, "grant_types", json_array_new ());
  json_array_add_string_element (json_object_get_array_member (metadata, "grant_types"),
                                 "authorization_code");
  json_array_add_string_element (json_object_get_array_member (metadata, "grant_types"),
                                 "refresh_token");
  validated = gh_client_metadata_validate (metadata, acme->settings, "none", &error);
  g_assert_no_error (error);
  client = gh_clients_create (gh_server_get_clients (server), acme, "app", GH_CLIENT_SOURCE_ADMIN,
                              validated, NULL, "test", &error);
  g_assert_no_error (error);

  gh_test_pkce_pair (&verifier, &challenge);
  query = gh_test_form_encode (PAIRS ("response_type", "code", "client_id", "app",
                                      "redirect_uri", APP_CB, "code_challenge", challenge,
                                      "code_challenge_method", "S256"));
  path = g_strconcat ("/p/acme/authorize?", query, NULL);
  authorized = gh_test_server_request (TS, TS->session, "GET", path, NULL, NULL, NULL);
  g_assert_cmpuint (authorized->status, ==, 302);
  params = gh_test_response_location_query (authorized, APP_CB);
  {
    g_autofree char *acme_issuer = g_strconcat (TS->issuer, "/p/acme", NULL);
    g_assert_cmpstr (gh_form_get (params, "iss"), ==, acme_issuer);
  }
  {
    g_autofree char *body = gh_test_form_encode (PAIRS ("grant_type", "authorization_code",
                                                        "client_id", "app",
                                                        "code", gh_form_get (params, "code"),
                                                        "code_verifier", verifier,
                                                        "redirect_uri", APP_CB));
    response = gh_test_server_request (TS, TS->session, "POST", "/p/acme/token",
                                       NULL, FORM, body);
  }
  tokens = assert_ok (response);

  g_assert_false (is_active (fixture, member (tokens, "access_token")));
  g_assert_false (is_active (fixture, member (tokens, "refresh_token")));
  /* Nor can the default project's client use acme's refresh token. */
  {
    g_autoptr(GhTestResponse) refreshed = refresh (fixture, "app",
                                                   member (tokens, "refresh_token"), NULL);
    assert_error (refreshed, 400, "invalid_grant");
  }
}

/* --- /userinfo --- */

static GhTestResponse *
userinfo (Fixture    *fixture,
          const char *access_token)
{
  g_autofree char *bearer = g_strconcat ("Bearer ", access_token, NULL);
  const char * const headers[] = { "Authorization", bearer, NULL };

  return gh_test_server_request (TS, TS->session, "GET", "/userinfo",
                                 access_token != NULL ? headers : NULL, NULL, NULL);
}

static void
test_userinfo (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(JsonObject) tokens = code_flow (fixture, "app", APP_CB,
                                            "openid profile email", NULL);
  g_autoptr(GhTestResponse) response = userinfo (fixture, member (tokens, "access_token"));
  g_autoptr(JsonObject) info = assert_ok (response);
  g_autoptr(GhTestResponse) posted = NULL;

  g_assert_cmpstr (gh_test_response_header (response, "Cache-Control"), ==, "no-store");
  g_assert_cmpstr (member (info, "sub"), ==, "alice");
  g_assert_cmpstr (member (info, "name"), ==, "Alice Liddell");
  g_assert_cmpstr (member (info, "email"), ==, "alice@example.test");

  /* RFC 6750 §2.2: the form-encoded body parameter. */
  posted = gh_test_server_post_form (TS, "/userinfo",
                                     PAIRS ("access_token", member (tokens, "access_token")), NULL);
  g_assert_cmpuint (posted->status, ==, 200);
}

static void
test_userinfo_refused (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(JsonObject) tokens = code_flow (fixture, "app", APP_CB, "openid", NULL);
  g_autoptr(JsonObject) no_openid = code_flow (fixture, "app", APP_CB, "files:read", MCP);
  g_autoptr(GhTestResponse) anonymous = userinfo (fixture, NULL);
  g_autoptr(GhTestResponse) garbage = userinfo (fixture, "garbage");
  g_autoptr(GhTestResponse) id_token = userinfo (fixture, member (tokens, "id_token"));
  g_autoptr(GhTestResponse) revoked = NULL;
  g_autoptr(GhTestResponse) scope = NULL;
  const char *challenge;

  /* RFC 6750 §3.1: no credentials, no error code. */
  g_assert_cmpuint (anonymous->status, ==, 401);
  challenge = gh_test_response_header (anonymous, "WWW-Authenticate");
  g_assert_nonnull (challenge);
  g_assert_true (g_str_has_prefix (challenge, "Bearer"));
  g_assert_null (strstr (challenge, "error="));

  for (guint i = 0; i < 2; i++)
    {
      GhTestResponse *response = i == 0 ? garbage : id_token;

      assert_error (response, 401, "invalid_token");
      g_assert_nonnull (strstr (gh_test_response_header (response, "WWW-Authenticate"),
                                "error=\"invalid_token\""));
    }

  {
    g_autoptr(GhTestResponse) done = revoke_token (fixture, "app", member (tokens, "access_token"));
    g_assert_cmpuint (done->status, ==, 200);
  }
  revoked = userinfo (fixture, member (tokens, "access_token"));
  assert_error (revoked, 401, "invalid_token");
  challenge = gh_test_response_header (revoked, "WWW-Authenticate");
  g_assert_true (g_str_has_prefix (challenge, "Bearer"));
  g_assert_nonnull (strstr (challenge, "error=\"invalid_token\""));

  scope = userinfo (fixture, member (no_openid, "access_token"));
  assert_error (scope, 403, "insufficient_scope");

  /* RFC 6750 §2: the token in the header and in the body at once is one too many. */
  {
    g_autoptr(JsonObject) fresh = code_flow (fixture, "app", APP_CB, "openid", NULL);
    g_autofree char *url = g_strconcat (TS->issuer, "/userinfo", NULL);
    g_autofree char *bearer = g_strconcat ("Bearer ", member (fresh, "access_token"), NULL);
    g_autofree char *body = g_strconcat ("access_token=", member (fresh, "access_token"), NULL);
    g_autoptr(GhTestResponse) twice =
      gh_test_http (TS->session, "POST", url,
                    (const char * const[]) { "Authorization", bearer, NULL },
                    "application/x-www-form-urlencoded", body);
    g_autoptr(GhTestResponse) in_body = gh_test_http (TS->session, "POST", url, NULL,
                                                      "application/x-www-form-urlencoded", body);

    assert_error (twice, 400, "invalid_request");
    g_assert_cmpuint (in_body->status, ==, 200);
  }
  g_assert_nonnull (strstr (gh_test_response_header (scope, "WWW-Authenticate"),
                            "error=\"insufficient_scope\""));
}

/* --- The keyring fails --- */

/* SECURITY.md: a signing key that cannot be read means 503, never a silent new key. */
static void
test_signing_unavailable (Fixture       *fixture,
                          gconstpointer  data)
{
  GhTestServer *ts = TS;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autoptr(GhSecretStore) secrets = NULL;
  g_autofree char *secret_name = NULL;
  g_autofree char *verifier = NULL;
  g_autofree char *code = NULL;
  g_autoptr(GhTestResponse) response = NULL;
  g_autoptr(GhTestResponse) jwks = NULL;

  before = gh_signing_keys_list (gh_server_get_signing_keys (ts->server), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (before->len, ==, 1);
  secret_name = g_strconcat ("signing-key-",
                             ((GhSigningKeyInfo *) g_ptr_array_index (before, 0))->kid, NULL);

  /* Stop the server, lose the private key, start a new one on the same data: nothing cached. */
  g_clear_object (&ts->server);
  secrets = gh_secret_store_new (GH_SECRET_BACKEND_FILE, ts->dir, &error);
  g_assert_no_error (error);
  g_assert_true (gh_secret_store_delete (secrets, secret_name, &error));
  g_assert_no_error (error);

  ts->server = gh_server_new (ts->dir, GH_SECRET_BACKEND_FILE, GH_SETTINGS_PROFILE_DEVELOPMENT,
                              &error);
  g_assert_no_error (error);
  /* g_test_expect_message() does not see structured logging (GLib 2.74): ours does. */
  gh_test_expect_message ("gatehouse-server", G_LOG_LEVEL_WARNING, "Signing is unavailable: *");
  g_assert_true (gh_server_listen (ts->server, "127.0.0.1:0", NULL, &error));
  gh_test_assert_expected_messages ();
  g_assert_no_error (error);
  ts->issuer = gh_server_get_issuer_base (ts->server);

  /* /authorize signs nothing and still works; /token fails closed. */
  code = get_code (fixture, "app", APP_CB, "openid", NULL, NULL, &verifier);
  response = redeem (fixture, "app", code, verifier, APP_CB);
  assert_error (response, 503, "temporarily_unavailable");

  after = gh_signing_keys_list (gh_server_get_signing_keys (ts->server), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (after->len, ==, 1);
  g_assert_cmpstr (((GhSigningKeyInfo *) g_ptr_array_index (after, 0))->kid, ==,
                   ((GhSigningKeyInfo *) g_ptr_array_index (before, 0))->kid);

  /* The public key is still published; the code was not spent. */
  jwks = gh_test_server_request (ts, ts->session, "GET", "/jwks", NULL, NULL, NULL);
  g_assert_cmpuint (jwks->status, ==, 200);
  {
    GhStore *store = gh_server_get_store (ts->server);
    g_autofree char *hash = gh_sha256_base64url (code);
    g_autoptr(GhStmt) stmt = gh_store_prepare (store, "SELECT used_at IS NULL FROM "
                                               "authorization_codes WHERE code_hash = ?", &error);
    gboolean row;

    gh_stmt_bind_text (stmt, 1, hash);
    g_assert_true (gh_store_step (store, stmt, &row, &error));
    g_assert_true (row);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 1);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/server/token/method-not-allowed", test_method);
  ADD ("/server/token/query-string", test_query_string);
  ADD ("/server/token/content-type", test_content_type);
  ADD ("/server/token/body-too-large", test_body_too_large);
  ADD ("/server/token/grant-types", test_grant_types);
  ADD ("/server/token/code/replay-revokes", test_code_replay);
  ADD ("/server/token/code/expired", test_code_expired);
  ADD ("/server/token/code/other-client", test_code_other_client);
  ADD ("/server/token/code/redirect-uri-mismatch", test_redirect_uri_mismatch);
  ADD ("/server/token/code/pkce", test_pkce);
  ADD ("/server/token/client-auth", test_client_auth);
  ADD ("/server/token/client-auth/basic-invalid-utf8", test_basic_invalid_utf8);
  ADD ("/server/token/refusal-flood-bounded", test_refusal_flood_bounded);
  ADD ("/server/token/cimd-client-shared-secret", test_cimd_shared_secret);
  ADD ("/server/token/resource", test_resource);
  ADD ("/server/token/resource-one-per-request", test_resource_one_per_request);
  ADD ("/server/token/refresh/reuse-revokes-family", test_refresh_reuse);
  ADD ("/server/token/refresh/expired", test_refresh_expired);
  ADD ("/server/token/refresh/grace-window", test_refresh_grace);
  ADD ("/server/token/refresh/scope", test_refresh_scope);
  ADD ("/server/token/resource-scopes-open", test_resource_scopes_open);
  ADD ("/server/token/refresh/other-client", test_refresh_other_client);
  ADD ("/server/token/claims", test_claims);
  ADD ("/server/token/claims/nonce-control-characters", test_nonce_control_characters);
  ADD ("/server/token/private-key-jwt", test_private_key_jwt);
  ADD ("/server/token/resource-audience", test_resource_audience);
  ADD ("/server/token/private-key-jwt-wrong-types", test_private_key_jwt_wrong_types);
  ADD ("/server/token/parallel/code", test_parallel_code);
  ADD ("/server/token/parallel/refresh", test_parallel_refresh);
  ADD ("/server/token/signing-unavailable", test_signing_unavailable);
  ADD ("/server/revoke/unknown-token", test_revoke_unknown);
  ADD ("/server/revoke/refresh-family", test_revoke_refresh_family);
  ADD ("/server/revoke/access-token", test_revoke_access_token);
  ADD ("/server/introspect/clients", test_introspect_clients);
  ADD ("/server/introspect/forged", test_introspect_forged);
  ADD ("/server/introspect/other-project", test_introspect_other_project);
  ADD ("/server/userinfo/claims", test_userinfo);
  ADD ("/server/userinfo/refused", test_userinfo_refused);

  return g_test_run ();
}
