/* test-tokens.c — the token service, called directly (no HTTP): code exchange, refresh
 * rotation and reuse detection, revocation, verification
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gh-error.h"
#include "gh-test-util.h"

#define REDIRECT GH_TEST_SERVICES_REDIRECT
#define PUBLIC_CLIENT "{\"redirect_uris\": [\"" REDIRECT "\"], " \
                      "\"grant_types\": [\"authorization_code\", \"refresh_token\"], " \
                      "\"token_endpoint_auth_method\": \"none\"}"

typedef GhTestServices Fixture;

/* "app" (see gh_test_services_setup_flow()) and "other", a client just like it. */
static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GhClient) other = NULL;

  gh_test_services_setup_flow (f, data);
  other = gh_test_services_add_client (f, "other", PUBLIC_CLIENT, NULL);
}

static GhClient *
get_other (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  GhClient *other = gh_clients_get (f->clients, f->project->id, "other", &error);

  g_assert_no_error (error);
  return other;
}

static JsonObject *
exchange (Fixture         *f,
          const GhClient  *client,
          const char      *code,
          const char      *verifier,
          const char      *redirect_uri,
          GError         **error)
{
  g_autoptr(GhForm) form = gh_test_form (GH_TEST_PAIRS ("grant_type", "authorization_code",
                                                        "code", code, "code_verifier", verifier,
                                                        "redirect_uri", redirect_uri));

  return gh_tokens_exchange_code (f->tokens, f->project, f->issuer,
                                  client, form, NULL, error);
}

static JsonObject *
refresh (Fixture         *f,
         const GhClient  *client,
         const char      *refresh_token,
         GError         **error)
{
  g_autoptr(GhForm) form = gh_test_form (GH_TEST_PAIRS ("grant_type", "refresh_token",
                                                        "refresh_token", refresh_token));

  return gh_tokens_refresh (f->tokens, f->project, f->issuer, client,
                            form, NULL, error);
}

/* A code for "app" and its token response. */
static JsonObject *
tokens_for_app (Fixture *f)
{
  g_autofree char *verifier = NULL;
  g_autofree char *code = gh_test_services_issue_code (f, "app", REDIRECT, NULL,
                                                       f->user, &verifier);
  g_autoptr(GError) error = NULL;
  JsonObject *response = exchange (f, f->client, code, verifier, REDIRECT, &error);

  g_assert_no_error (error);
  g_assert_nonnull (response);
  return response;
}

static gboolean
access_token_valid (Fixture    *f,
                    const char *token)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) claims = gh_tokens_verify_access_token (f->tokens,
                                                                f->project,
                                                                f->issuer, token, &error);

  if (claims == NULL)
    g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_TOKEN);
  return claims != NULL;
}

static void
test_exchange (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(JsonObject) response = tokens_for_app (f);
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(JsonObject) details = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *client_id = NULL;

  g_assert_cmpstr (json_object_get_string_member (response, "token_type"), ==, "Bearer");
  g_assert_cmpint (json_object_get_int_member (response, "expires_in"), >, 0);
  g_assert_true (json_object_has_member (response, "refresh_token"));
  g_assert_false (json_object_has_member (response, "id_token"));

  claims = gh_tokens_verify_access_token (f->tokens, f->project,
                                          f->issuer,
                                          json_object_get_string_member (response, "access_token"),
                                          &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (claims, "iss"), ==, f->issuer);
  g_assert_cmpstr (json_object_get_string_member (claims, "sub"), ==, "alice");
  g_assert_cmpstr (json_object_get_string_member (claims, "client_id"), ==, "app");

  g_assert_cmpuint (gh_test_count_audit (f->store, "token.issued"), ==, 1);
  details = gh_test_last_audit (f->store, "token.issued", &client_id, NULL);
  g_assert_cmpstr (client_id, ==, "app");
  g_assert_true (json_object_get_boolean_member (details, "refresh_token"));
  g_assert_cmpstr (json_object_get_string_member (details, "jti"), ==,
                   json_object_get_string_member (claims, "jti"));
}

/* Every refusal is invalid_grant or invalid_request, issues nothing and leaves the code
 * unspent: the right request still works after them. */
static void
test_exchange_refused (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *verifier = NULL;
  g_autofree char *code = gh_test_services_issue_code (f, "app", REDIRECT, NULL,
                                                       f->user, &verifier);
  g_autoptr(GhClient) other = get_other (f);
  g_autofree char *other_verifier = NULL;
  g_autofree char *other_challenge = NULL;
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(GError) error = NULL;
  const struct {
    const GhClient *client;
    const char *code;
    const char *verifier;
    const char *redirect_uri;
    int expected;           /* a GhOAuthError */
  } rows[] = {
    { f->client, NULL, verifier, REDIRECT, GH_OAUTH_ERROR_INVALID_REQUEST },
    { f->client, "", verifier, REDIRECT, GH_OAUTH_ERROR_INVALID_REQUEST },
    { f->client, code, "short", REDIRECT, GH_OAUTH_ERROR_INVALID_REQUEST },
    { f->client, "no-such-code", verifier, REDIRECT, GH_OAUTH_ERROR_INVALID_GRANT },
    { other, code, verifier, REDIRECT, GH_OAUTH_ERROR_INVALID_GRANT },
    { f->client, code, NULL, REDIRECT, GH_OAUTH_ERROR_INVALID_GRANT },
    { f->client, code, other_verifier, REDIRECT, GH_OAUTH_ERROR_INVALID_GRANT },
    { f->client, code, verifier, "http://127.0.0.1/other", GH_OAUTH_ERROR_INVALID_GRANT },
    { f->client, code, verifier, NULL, GH_OAUTH_ERROR_INVALID_GRANT },
  };

  gh_test_pkce_pair (&other_verifier, &other_challenge);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GError) refused = NULL;
      g_autoptr(JsonObject) nothing = NULL;

      g_test_message ("row %u", i);
      nothing = exchange (f, rows[i].client, rows[i].code, rows[i].verifier,
                          rows[i].redirect_uri, &refused);
      g_assert_null (nothing);
      g_assert_error (refused, GH_OAUTH_ERROR, rows[i].expected);
    }
  g_assert_cmpuint (gh_test_count_audit (f->store, "token.issued"), ==, 0);
  g_assert_cmpuint (gh_test_count_audit (f->store, "code.replayed"), ==, 0);

  response = exchange (f, f->client, code, verifier, REDIRECT, &error);
  g_assert_no_error (error);
  g_assert_nonnull (response);
}

/* A code works once; its replay revokes what was issued from it (RFC 6749 §4.1.2). */
static void
test_code_single_use (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *verifier = NULL;
  g_autofree char *code = gh_test_services_issue_code (f, "app", REDIRECT, NULL,
                                                       f->user, &verifier);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) first = exchange (f, f->client, code, verifier, REDIRECT, &error);
  g_autoptr(JsonObject) second = NULL;
  g_autoptr(JsonObject) refreshed = NULL;
  const char *access_token;

  g_assert_no_error (error);
  access_token = json_object_get_string_member (first, "access_token");
  g_assert_true (access_token_valid (f, access_token));

  second = exchange (f, f->client, code, verifier, REDIRECT, &error);
  g_assert_null (second);
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_GRANT);
  g_clear_error (&error);
  g_assert_cmpuint (gh_test_count_audit (f->store, "code.replayed"), ==, 1);
  g_assert_cmpuint (gh_test_count_audit (f->store, "token.issued"), ==, 1);

  g_assert_false (access_token_valid (f, access_token));
  refreshed = refresh (f, f->client, json_object_get_string_member (first, "refresh_token"),
                       &error);
  g_assert_null (refreshed);
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_GRANT);
}

/* Every refresh rotates; a rotated token used again revokes the whole family. */
static void
test_refresh_rotation_and_reuse (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(JsonObject) first = tokens_for_app (f);
  g_autoptr(JsonObject) second = NULL;
  g_autoptr(JsonObject) third = NULL;
  g_autoptr(JsonObject) reused = NULL;
  g_autoptr(JsonObject) after = NULL;
  g_autoptr(JsonObject) details = NULL;
  g_autoptr(GError) error = NULL;
  const char *rt1 = json_object_get_string_member (first, "refresh_token");
  const char *rt2;
  const char *rt3;

  second = refresh (f, f->client, rt1, &error);
  g_assert_no_error (error);
  rt2 = json_object_get_string_member (second, "refresh_token");
  g_assert_nonnull (rt2);
  g_assert_cmpstr (rt2, !=, rt1);
  g_assert_true (access_token_valid (f, json_object_get_string_member (second, "access_token")));
  g_assert_cmpuint (gh_test_count_audit (f->store, "token.refreshed"), ==, 1);

  third = refresh (f, f->client, rt2, &error);
  g_assert_no_error (error);
  rt3 = json_object_get_string_member (third, "refresh_token");
  g_assert_cmpstr (rt3, !=, rt2);

  /* rt1 again, outside any grace window: the family goes, rt3 with it. */
  reused = refresh (f, f->client, rt1, &error);
  g_assert_null (reused);
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_GRANT);
  g_clear_error (&error);
  g_assert_cmpuint (gh_test_count_audit (f->store, "refresh_token.reuse_detected"), ==,
                    1);
  details = gh_test_last_audit (f->store, "refresh_token.reuse_detected", NULL, NULL);
  g_assert_true (json_object_has_member (details, "family"));

  after = refresh (f, f->client, rt3, &error);
  g_assert_null (after);
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_GRANT);
  g_assert_false (access_token_valid (f, json_object_get_string_member (third, "access_token")));
}

/* Within refresh_grace_seconds a rotated token passes once more (a client refreshing twice at
 * once), and only once. */
static void
test_refresh_grace (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) second = NULL;
  g_autoptr(JsonObject) grace = NULL;
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(GError) error = NULL;
  const char *rt1;

  gh_test_services_set (f, "refresh_grace_seconds", "30");
  first = tokens_for_app (f);
  rt1 = json_object_get_string_member (first, "refresh_token");
  second = refresh (f, f->client, rt1, &error);
  g_assert_no_error (error);
  grace = refresh (f, f->client, rt1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (grace);
  g_assert_cmpuint (gh_test_count_audit (f->store, "refresh_token.reuse_detected"), ==,
                    0);

  again = refresh (f, f->client, rt1, &error);
  g_assert_null (again);
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_GRANT);
  g_assert_cmpuint (gh_test_count_audit (f->store, "refresh_token.reuse_detected"), ==,
                    1);
}

static void
test_refresh_refused (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(JsonObject) first = tokens_for_app (f);
  const char *rt = json_object_get_string_member (first, "refresh_token");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) response = NULL;

  response = refresh (f, f->client, NULL, &error);
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_REQUEST);
  g_clear_error (&error);
  response = refresh (f, f->client, "unknown", &error);
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_GRANT);
  g_clear_error (&error);
  /* Another client's token: refused, and not taken for a reuse. */
  {
    g_autoptr(GhClient) other = get_other (f);

    response = refresh (f, other, rt, &error);
  }
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_GRANT);
  g_clear_error (&error);
  g_assert_cmpuint (gh_test_count_audit (f->store, "token.refreshed"), ==, 0);

  response = refresh (f, f->client, rt, &error);
  g_assert_no_error (error);
  g_assert_nonnull (response);
}

/* Revoking a refresh token takes its family; an access token stops verifying. */
static void
test_revoke (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(JsonObject) first = tokens_for_app (f);
  g_autoptr(JsonObject) second = tokens_for_app (f);
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(JsonObject) active = NULL;
  g_autoptr(JsonObject) inactive = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (gh_tokens_revoke (f->tokens, f->project, f->issuer,
                                   f->client, json_object_get_string_member (first,
                                                                             "refresh_token"),
                                   &error));
  g_assert_no_error (error);
  g_assert_cmpuint (gh_test_count_audit (f->store, "token.revoked"), ==, 1);
  response = refresh (f, f->client, json_object_get_string_member (first, "refresh_token"),
                      &error);
  g_assert_null (response);
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_GRANT);
  g_clear_error (&error);
  g_assert_false (access_token_valid (f, json_object_get_string_member (first, "access_token")));

  /* The other grant is untouched. */
  g_assert_true (access_token_valid (f, json_object_get_string_member (second, "access_token")));
  active = gh_tokens_introspect (f->tokens, f->project, f->issuer, NULL,
                                 json_object_get_string_member (second, "access_token"),
                                 NULL, NULL);
  g_assert_true (json_object_get_boolean_member (active, "active"));
  inactive = gh_tokens_introspect (f->tokens, f->project, f->issuer, NULL,
                                   json_object_get_string_member (first, "access_token"),
                                   NULL, NULL);
  g_assert_false (json_object_get_boolean_member (inactive, "active"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, gh_test_services_teardown)
  ADD ("/core/tokens/exchange", test_exchange);
  ADD ("/core/tokens/exchange-refused", test_exchange_refused);
  ADD ("/core/tokens/code-single-use", test_code_single_use);
  ADD ("/core/tokens/refresh-rotation-and-reuse", test_refresh_rotation_and_reuse);
  ADD ("/core/tokens/refresh-grace", test_refresh_grace);
  ADD ("/core/tokens/refresh-refused", test_refresh_refused);
  ADD ("/core/tokens/revoke", test_revoke);
#undef ADD

  return g_test_run ();
}
