/* test-jwks-uri.c — private_key_jwt clients whose public keys are published at a jwks_uri
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The metadata documents and the JWK Sets come from the test's own server on 127.0.0.1 (http
 * is allowed for loopback hosts when the project opts in with allow_loopback_cimd, as the
 * development project does).
 */

#include "config.h"

#include <string.h>

#include "gh-cimd-resolver-private.h"
#include "gh-client-auth.h"
#include "gh-crypto.h"
#include "gh-json.h"
#include "gh-jws.h"
#include "gh-test-util.h"
#include "gh-test-web.h"
#include "gh-time.h"

#define REDIRECT "http://127.0.0.1:4567/callback"

typedef struct
{
  GhTestServer ts;
  GhTestWeb *web;       /* where clients publish their keys */
  char *base;
  GhJwk *key;           /* the client's key */
  GhJwk *rotated;       /* the key it rotates to */
  GhJwk *stranger;      /* nobody's published key */
} Fixture;

/* Sets (or replaces, keeping its count) the answer at @path. */
static GhTestRoute *
route (Fixture    *fixture,
       const char *path,
       guint       status,
       const char *content_type,
       const char *body)
{
  return gh_test_web_route (fixture->web, path, status, content_type, body,
                            "Cache-Control", "max-age=600", NULL);
}

static guint
hits (Fixture    *fixture,
      const char *path)
{
  return gh_test_web_hits (fixture->web, path);
}

/* {"keys": [public JWKs of @keys, with their kids]} */
static char *
jwks_of (GhJwk *first,
         ...)
{
  g_autoptr(JsonObject) jwks = json_object_new ();
  JsonArray *keys = json_array_new ();
  va_list args;

  va_start (args, first);
  for (GhJwk *key = first; key != NULL; key = va_arg (args, GhJwk *))
    {
      JsonObject *jwk = gh_jwk_to_public_json (key);

      json_object_set_string_member (jwk, "kid", gh_jwk_get_kid (key));
      json_array_add_object_element (keys, jwk);
    }
  va_end (args);
  json_object_set_array_member (jwks, "keys", keys);
  return gh_json_object_to_string (jwks, FALSE);
}

/* Publishes @keys (a JWK Set) at @path; returns its URL. */
static char *
publish_jwks (Fixture    *fixture,
              const char *path,
              const char *keys)
{
  route (fixture, path, 200, "application/jwk-set+json", keys);
  return g_strconcat (fixture->base, path, NULL);
}

/* Publishes a CIMD document for a private_key_jwt client at @path naming @jwks_uri; returns
 * the client_id. */
static char *
publish_document (Fixture    *fixture,
                  const char *path,
                  const char *jwks_uri)
{
  g_autofree char *url = g_strconcat (fixture->base, path, NULL);
  g_autofree char *body = NULL;

  body = g_strdup_printf ("{\"client_id\": \"%s\", \"client_name\": \"Keyed tool\", "
                          "\"redirect_uris\": [\"http://127.0.0.1/callback\"], "
                          "\"grant_types\": [\"authorization_code\", \"refresh_token\"], "
                          "\"token_endpoint_auth_method\": \"private_key_jwt\", "
                          "\"jwks_uri\": \"%s\"}", url, jwks_uri);
  route (fixture, path, 200, "application/json", body);
  return g_steal_pointer (&url);
}

/* Registers an admin client @client_id using private_key_jwt with @jwks_uri. */
static void
add_keyed_client (Fixture    *fixture,
                  const char *client_id,
                  const char *jwks_uri)
{
  g_autofree char *metadata = NULL;
  g_autofree char *secret = NULL;

  metadata = g_strdup_printf ("{\"redirect_uris\": [\"https://app.example/cb\"], "
                              "\"token_endpoint_auth_method\": \"private_key_jwt\", "
                              "\"jwks_uri\": \"%s\"}", jwks_uri);
  secret = gh_test_server_add_client (&fixture->ts, client_id, metadata);
  g_assert_null (secret);
}

/* A client assertion (RFC 7523) by @client_id for @path, signed by @key (kid in the header). */
static char *
assertion (Fixture    *fixture,
           GhJwk      *key,
           const char *client_id,
           const char *path)
{
  g_autoptr(JsonObject) claims = json_object_new ();
  g_autofree char *aud = g_strconcat (fixture->ts.issuer, path, NULL);
  g_autofree char *jti = gh_random_token (16);
  g_autofree char *text = NULL;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = gh_now_seconds ();
  char *jws;

  json_object_set_string_member (claims, "iss", client_id);
  json_object_set_string_member (claims, "sub", client_id);
  json_object_set_string_member (claims, "aud", aud);
  json_object_set_string_member (claims, "jti", jti);
  json_object_set_int_member (claims, "iat", now);
  json_object_set_int_member (claims, "exp", now + 60);
  text = gh_json_object_to_string (claims, FALSE);
  payload = g_bytes_new (text, strlen (text));
  jws = gh_jws_sign_compact (key, NULL, payload, &error);
  g_assert_no_error (error);
  return jws;
}

static GhTestResponse *
post_with_assertion (Fixture            *fixture,
                     const char         *path,
                     GhJwk              *key,
                     const char         *client_id,
                     const char * const *pairs)
{
  g_autofree char *signed_assertion = assertion (fixture, key, client_id, path);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) all = NULL;

  for (guint i = 0; pairs != NULL && pairs[i] != NULL; i++)
    g_strv_builder_add (builder, pairs[i]);
  g_strv_builder_add_many (builder, "client_assertion_type", GH_CLIENT_ASSERTION_TYPE_JWT,
                           "client_assertion", signed_assertion, NULL);
  all = g_strv_builder_end (builder);
  return gh_test_server_post_form (&fixture->ts, path, (const char * const *) all, NULL);
}

static JsonObject *
assert_ok (GhTestResponse *response)
{
  if (response->status != 200)
    {
      g_autofree char *text = gh_test_response_text (response);

      g_error ("expected 200, got %u: %s", response->status, text);
    }
  g_assert_cmpstr (gh_test_response_header (response, "Cache-Control"), ==, "no-store");
  return gh_test_response_json (response);
}

/* 401 invalid_client whose description holds @part (when not NULL). */
static void
assert_invalid_client (GhTestResponse *response,
                       const char     *part)
{
  g_autoptr(JsonObject) doc = NULL;
  const char *description;

  g_assert_cmpuint (response->status, ==, 401);
  doc = gh_test_response_json (response);
  g_assert_cmpstr (json_object_get_string_member (doc, "error"), ==, "invalid_client");
  description = json_object_get_string_member_with_default (doc, "error_description", "");
  if (part != NULL && strstr (description, part) == NULL)
    g_error ("“%s” does not mention “%s”", description, part);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  gh_test_server_setup (&fixture->ts, data);
  fixture->web = gh_test_web_new (NULL);
  fixture->base = g_strdup_printf ("http://127.0.0.1:%u", fixture->web->port);

  fixture->key = gh_jwk_generate (GH_JWS_ALG_ES256, &error);
  g_assert_no_error (error);
  fixture->rotated = gh_jwk_generate (GH_JWS_ALG_ES256, &error);
  g_assert_no_error (error);
  fixture->stranger = gh_jwk_generate (GH_JWS_ALG_ES256, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_pointer (&fixture->web, gh_test_web_free);
  g_free (fixture->base);
  g_clear_object (&fixture->key);
  g_clear_object (&fixture->rotated);
  g_clear_object (&fixture->stranger);
  gh_test_server_teardown (&fixture->ts, data);
}

/* A CIMD client with a same-origin jwks_uri: the flow, the cached set, a stranger's key,
 * a key rotation. */
static void
test_cimd_flow (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *keys = jwks_of (fixture->key, NULL);
  g_autofree char *jwks_uri = publish_jwks (fixture, "/tool/jwks.json", keys);
  g_autofree char *client_id = publish_document (fixture, "/tool/client.json", jwks_uri);
  g_autofree char *verifier = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *code = NULL;
  g_autofree char *refresh = NULL;
  g_autoptr(GhTestResponse) response = NULL;
  g_autoptr(JsonObject) tokens = NULL;

  gh_test_server_set (&fixture->ts, "auto_approve_user", "dev");
  gh_test_pkce_pair (&verifier, &challenge);
  code = gh_test_server_authorize_code (&fixture->ts, fixture->ts.session, REDIRECT,
                                        GH_TEST_PAIRS ("response_type", "code",
                                                       "client_id", client_id,
                                                       "redirect_uri", REDIRECT,
                                                       "code_challenge", challenge,
                                                       "code_challenge_method", "S256",
                                                       "scope", "openid"));
  g_assert_cmpuint (hits (fixture, "/tool/client.json"), ==, 1);
  g_assert_cmpuint (hits (fixture, "/tool/jwks.json"), ==, 0);

  /* The code, with an assertion signed by the client's key. */
  response = post_with_assertion (fixture, "/token", fixture->key, client_id,
                                  GH_TEST_PAIRS ("grant_type", "authorization_code",
                                                 "client_id", client_id, "code", code,
                                                 "code_verifier", verifier,
                                                 "redirect_uri", REDIRECT));
  tokens = assert_ok (response);
  g_assert_true (json_object_has_member (tokens, "access_token"));
  refresh = g_strdup (json_object_get_string_member (tokens, "refresh_token"));
  g_assert_cmpuint (hits (fixture, "/tool/jwks.json"), ==, 1);

  /* The refresh uses the cached set. */
  g_clear_pointer (&response, gh_test_response_free);
  g_clear_pointer (&tokens, json_object_unref);
  response = post_with_assertion (fixture, "/token", fixture->key, client_id,
                                  GH_TEST_PAIRS ("grant_type", "refresh_token",
                                                 "refresh_token", refresh));
  tokens = assert_ok (response);
  if (json_object_has_member (tokens, "refresh_token"))
    {
      g_free (refresh);
      refresh = g_strdup (json_object_get_string_member (tokens, "refresh_token"));
    }
  g_assert_cmpuint (hits (fixture, "/tool/jwks.json"), ==, 1);
  g_assert_cmpuint (hits (fixture, "/tool/client.json"), ==, 1);

  /* A key the client never published: refetched once (it could be a rotation), refused. */
  g_clear_pointer (&response, gh_test_response_free);
  response = post_with_assertion (fixture, "/token", fixture->stranger, client_id,
                                  GH_TEST_PAIRS ("grant_type", "refresh_token",
                                                 "refresh_token", refresh));
  assert_invalid_client (response, jwks_uri);
  g_assert_cmpuint (hits (fixture, "/tool/jwks.json"), ==, 2);
  g_assert_cmpuint (gh_test_server_count_audit (&fixture->ts, "token.refused"), >=, 1);

  /* More made-up kids within the cooldown: refused from the cache, no more fetches. */
  for (guint i = 0; i < 3; i++)
    {
      g_clear_pointer (&response, gh_test_response_free);
      response = post_with_assertion (fixture, "/token", fixture->stranger, client_id,
                                      GH_TEST_PAIRS ("grant_type", "refresh_token",
                                                     "refresh_token", refresh));
      assert_invalid_client (response, jwks_uri);
    }
  g_assert_cmpuint (hits (fixture, "/tool/jwks.json"), ==, 2);

  /* The cooldown over (shortened to stand for 30 s passing). */
  _gh_cimd_resolver_set_jwks_refetch_cooldown (gh_server_get_cimd_resolver (fixture->ts.server), 0);

  /* The client rotates to a new key: the cached set lacks its kid, the refetch has it. */
  g_free (keys);
  keys = jwks_of (fixture->rotated, NULL);
  route (fixture, "/tool/jwks.json", 200, "application/json", keys);
  g_clear_pointer (&response, gh_test_response_free);
  response = post_with_assertion (fixture, "/token", fixture->rotated, client_id,
                                  GH_TEST_PAIRS ("grant_type", "refresh_token",
                                                 "refresh_token", refresh));
  g_clear_pointer (&tokens, json_object_unref);
  tokens = assert_ok (response);
  g_assert_cmpuint (hits (fixture, "/tool/jwks.json"), ==, 3);

  /* The retired key no longer works (one refetch, then refused). */
  g_clear_pointer (&response, gh_test_response_free);
  response = post_with_assertion (fixture, "/introspect", fixture->key, client_id,
                                  GH_TEST_PAIRS ("token", "x"));
  assert_invalid_client (response, NULL);
  g_assert_cmpuint (hits (fixture, "/tool/jwks.json"), ==, 4);
}

/* Bad answers from the jwks_uri: 401 invalid_client naming the rule, never cached. */
/* The refetch cooldown starts when a forced fetch starts: a failing key server is not asked
 * again for every made-up kid. */
static void
test_cooldown_after_failure (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *keys = jwks_of (fixture->key, NULL);
  g_autofree char *jwks_uri = publish_jwks (fixture, "/cool/jwks.json", keys);
  g_autofree char *client_id = publish_document (fixture, "/cool/client.json", jwks_uri);
  g_autofree char *verifier = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *code = NULL;
  g_autoptr(GhTestResponse) response = NULL;

  gh_test_server_set (&fixture->ts, "auto_approve_user", "dev");
  gh_test_pkce_pair (&verifier, &challenge);
  code = gh_test_server_authorize_code (&fixture->ts, fixture->ts.session, REDIRECT,
                                        GH_TEST_PAIRS ("response_type", "code",
                                                       "client_id", client_id,
                                                       "redirect_uri", REDIRECT,
                                                       "code_challenge", challenge,
                                                       "code_challenge_method", "S256",
                                                       "scope", "openid"));
  /* A plain fetch fills the cache. */
  response = post_with_assertion (fixture, "/token", fixture->key, client_id,
                                  GH_TEST_PAIRS ("grant_type", "authorization_code",
                                                 "client_id", client_id, "code", code,
                                                 "code_verifier", verifier,
                                                 "redirect_uri", REDIRECT));
  g_assert_cmpuint (response->status, ==, 200);
  g_clear_pointer (&response, gh_test_response_free);
  g_assert_cmpuint (hits (fixture, "/cool/jwks.json"), ==, 1);

  /* Now the key server fails. A made-up kid forces one refetch, which fails... */
  route (fixture, "/cool/jwks.json", 500, "application/json", "{}");
  response = post_with_assertion (fixture, "/token", fixture->stranger, client_id,
                                  GH_TEST_PAIRS ("grant_type", "refresh_token",
                                                 "refresh_token", "x"));
  g_assert_cmpuint (response->status, ==, 401);
  g_assert_cmpuint (hits (fixture, "/cool/jwks.json"), ==, 2);

  /* ...and more made-up kids within the cooldown fetch nothing more. */
  for (guint i = 0; i < 3; i++)
    {
      g_clear_pointer (&response, gh_test_response_free);
      response = post_with_assertion (fixture, "/token", fixture->stranger, client_id,
                                      GH_TEST_PAIRS ("grant_type", "refresh_token",
                                                     "refresh_token", "x"));
      g_assert_cmpuint (response->status, ==, 401);
    }
  g_assert_cmpuint (hits (fixture, "/cool/jwks.json"), ==, 2);
}

static void
test_bad_answers (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *keys = jwks_of (fixture->key, NULL);
  g_autofree char *good_uri = publish_jwks (fixture, "/keys/good.json", keys);
  g_autofree char *oversized = NULL;
  struct {
    const char *path;
    guint status;
    const char *content_type;
    const char *body;
    const char *part;
  } rows[] = {
    { "/keys/missing.json", 404, "application/json", keys, "(rule http.status)" },
    { "/keys/page.json", 200, "text/html", keys, "(rule http.content_type)" },
    { "/keys/moved.json", 302, NULL, NULL, "(rule http.redirect)" },
    { "/keys/big.json", 200, "application/json", NULL, "(rule body.size)" },
    { "/keys/private.json", 200, "application/json",
      "{\"keys\": [{\"kty\": \"oct\", \"k\": \"c2VjcmV0\"}]}", "(rule jwks.keys)" },
  };

  oversized = g_strnfill (20 * 1024, ' ');
  oversized[0] = '{';
  rows[3].body = oversized;

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *client_id = g_strdup_printf ("bad-%u", i);
      g_autofree char *jwks_uri = g_strconcat (fixture->base, rows[i].path, NULL);
      GhTestRoute *r;

      g_test_message ("%s", rows[i].path);
      r = route (fixture, rows[i].path, rows[i].status, rows[i].content_type, rows[i].body);
      if (rows[i].status == 302)
        gh_test_route_add_header (r, "Location", good_uri);
      add_keyed_client (fixture, client_id, jwks_uri);
      for (guint j = 0; j < 2; j++)
        {
          g_autoptr(GhTestResponse) response = NULL;

          response = post_with_assertion (fixture, "/token", fixture->key, client_id,
                                          GH_TEST_PAIRS ("grant_type", "refresh_token",
                                                         "refresh_token", "x"));
          assert_invalid_client (response, rows[i].part);
        }
      /* Failures are never cached: each request fetched again. */
      g_assert_cmpuint (hits (fixture, rows[i].path), ==, 2);
    }
  /* The redirect was not followed. */
  g_assert_cmpuint (hits (fixture, "/keys/good.json"), ==, 0);
}

/* Without allow_loopback_cimd a loopback jwks_uri is refused before connecting. */
static void
test_loopback_refused (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *keys = jwks_of (fixture->key, NULL);
  g_autofree char *jwks_uri = publish_jwks (fixture, "/keys/local.json", keys);
  g_autofree char *https_uri = g_strdup_printf ("https://%s/keys/local.json",
                                                fixture->base + strlen ("http://"));
  g_autoptr(GhTestResponse) response = NULL;

  add_keyed_client (fixture, "local", jwks_uri);
  add_keyed_client (fixture, "local-tls", https_uri);
  gh_test_server_set (&fixture->ts, "allow_loopback_cimd", "false");

  response = post_with_assertion (fixture, "/token", fixture->key, "local",
                                  GH_TEST_PAIRS ("grant_type", "refresh_token",
                                                 "refresh_token", "x"));
  assert_invalid_client (response, "(rule url.scheme)");
  g_clear_pointer (&response, gh_test_response_free);
  response = post_with_assertion (fixture, "/token", fixture->key, "local-tls",
                                  GH_TEST_PAIRS ("grant_type", "refresh_token",
                                                 "refresh_token", "x"));
  assert_invalid_client (response, "(rule url.address)");
  g_assert_cmpuint (fixture->web->requests, ==, 0);

  /* With the opt-in, the same client authenticates. */
  gh_test_server_set (&fixture->ts, "allow_loopback_cimd", "true");
  g_clear_pointer (&response, gh_test_response_free);
  response = post_with_assertion (fixture, "/revoke", fixture->key, "local",
                                  GH_TEST_PAIRS ("token", "x"));
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpuint (fixture->web->requests, ==, 1);
}

/* A confidential client registered by DCR with private_key_jwt and a jwks_uri introspects. */
static void
test_dcr_introspect (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *keys = jwks_of (fixture->key, NULL);
  g_autofree char *jwks_uri = publish_jwks (fixture, "/rs/jwks.json", keys);
  g_autofree char *metadata = NULL;
  g_autoptr(GhTestResponse) registered = NULL;
  g_autoptr(GhTestResponse) response = NULL;
  g_autoptr(JsonObject) client = NULL;
  g_autoptr(JsonObject) result = NULL;
  const char *client_id;

  metadata = g_strdup_printf ("{\"redirect_uris\": [\"https://rs.example/cb\"], "
                              "\"application_type\": \"web\", "
                              "\"token_endpoint_auth_method\": \"private_key_jwt\", "
                              "\"jwks_uri\": \"%s\"}", jwks_uri);
  registered = gh_test_server_request (&fixture->ts, fixture->ts.session, "POST", "/register",
                                       NULL, "application/json", metadata);
  g_assert_cmpuint (registered->status, ==, 201);
  client = gh_test_response_json (registered);
  client_id = json_object_get_string_member (client, "client_id");
  g_assert_cmpstr (json_object_get_string_member (client, "jwks_uri"), ==, jwks_uri);
  g_assert_false (json_object_has_member (client, "client_secret"));

  response = post_with_assertion (fixture, "/introspect", fixture->key, client_id,
                                  GH_TEST_PAIRS ("token", "not-a-token"));
  result = assert_ok (response);
  g_assert_false (json_object_get_boolean_member (result, "active"));
  g_assert_cmpuint (hits (fixture, "/rs/jwks.json"), ==, 1);

  /* Another key is refused after one refetch. */
  g_clear_pointer (&response, gh_test_response_free);
  response = post_with_assertion (fixture, "/introspect", fixture->stranger, client_id,
                                  GH_TEST_PAIRS ("token", "not-a-token"));
  assert_invalid_client (response, NULL);
  g_assert_cmpuint (hits (fixture, "/rs/jwks.json"), ==, 2);
}

typedef struct
{
  guint done;
  guint ok;
} Parallel;

static void
parallel_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Parallel *parallel = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);

  if (soup_message_get_status (msg) == 200)
    parallel->ok++;
  parallel->done++;
}

/* Concurrent requests of one client share one fetch of its keys. */
static void
test_single_flight (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *keys = jwks_of (fixture->key, NULL);
  g_autofree char *jwks_uri = publish_jwks (fixture, "/busy/jwks.json", keys);
  g_autofree char *url = g_strconcat (fixture->ts.issuer, "/introspect", NULL);
  g_autoptr(SoupSession) session = NULL;
  Parallel parallel = { 0 };

  add_keyed_client (fixture, "busy", jwks_uri);
  session = soup_session_new_with_options ("max-conns", 32, "max-conns-per-host", 32, NULL);
  for (guint i = 0; i < 10; i++)
    {
      g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
      g_autofree char *signed_assertion = assertion (fixture, fixture->key, "busy", "/introspect");
      g_autofree char *form = gh_test_form_encode (GH_TEST_PAIRS ("client_assertion_type",
                                                                  GH_CLIENT_ASSERTION_TYPE_JWT,
                                                                  "client_assertion",
                                                                  signed_assertion,
                                                                  "token", "x"));
      g_autoptr(GBytes) body = g_bytes_new (form, strlen (form));

      soup_message_set_request_body_from_bytes (msg, "application/x-www-form-urlencoded", body);
      soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, parallel_done,
                                        &parallel);
    }
  while (parallel.done < 10)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (parallel.ok, ==, 10);
  g_assert_cmpuint (hits (fixture, "/busy/jwks.json"), ==, 1);
}

/* Every other client stays on the synchronous path: a public client's token request. */
static void
test_other_clients_unchanged (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(GhTestResponse) response = NULL;

  g_free (gh_test_server_add_client (&fixture->ts, "public",
                                     "{\"redirect_uris\": [\"https://app.example/cb\"]}"));
  response = gh_test_server_post_form (&fixture->ts, "/token",
                                       GH_TEST_PAIRS ("grant_type", "refresh_token",
                                                      "client_id", "public",
                                                      "refresh_token", "x"), NULL);
  g_assert_cmpuint (response->status, ==, 400);
  g_assert_cmpuint (fixture->web->requests, ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/server/jwks-uri/cimd-flow", test_cimd_flow);
  ADD ("/server/jwks-uri/cooldown-after-failure", test_cooldown_after_failure);
  ADD ("/server/jwks-uri/bad-answers", test_bad_answers);
  ADD ("/server/jwks-uri/loopback-refused", test_loopback_refused);
  ADD ("/server/jwks-uri/dcr-introspect", test_dcr_introspect);
  ADD ("/server/jwks-uri/single-flight", test_single_flight);
  ADD ("/server/jwks-uri/other-clients-unchanged", test_other_clients_unchanged);

  return g_test_run ();
}
