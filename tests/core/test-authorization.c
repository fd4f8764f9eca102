/* test-authorization.c — the authorization service, called directly (no HTTP): request
 * checks, sign-in requests bound to a browser, sessions, consent, codes and denial. Scope
 * rules are left to the server tests.
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-error.h"
#include "gh-test-util.h"

#define REDIRECT GH_TEST_SERVICES_REDIRECT
#define CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

typedef GhTestServices Fixture;

/* gh_authorization_check() on @pairs; the params come back even on a refusal. */
static GhAuthParams *
check (Fixture             *f,
       const char * const  *pairs,
       GError             **error)
{
  g_autoptr(GhForm) form = gh_test_form (pairs);
  GhAuthParams *params = gh_authorization_check (f->authorization, f->project,
                                                 form, NULL, "flow-1", error);

  g_assert_nonnull (params);
  return params;
}

static GhAuthParams *
check_ok (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  GhAuthParams *params = check (f, GH_TEST_PAIRS ("response_type", "code", "client_id", "app",
                                                  "redirect_uri", REDIRECT,
                                                  "code_challenge", CHALLENGE,
                                                  "code_challenge_method", "S256",
                                                  "state", "st-1"), &error);

  g_assert_no_error (error);
  return params;
}

static void
test_check (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GhAuthParams) params = check_ok (f);

  g_assert_cmpstr (params->client_id, ==, "app");
  g_assert_cmpstr (params->client->client_id, ==, "app");
  g_assert_cmpstr (params->redirect_uri, ==, REDIRECT);
  g_assert_true (params->redirect_uri_given);
  g_assert_cmpstr (params->code_challenge, ==, CHALLENGE);
  g_assert_cmpstr (params->state, ==, "st-1");
  g_assert_cmpstr (params->flow_id, ==, "flow-1");
  g_assert_cmpint (params->max_age, ==, -1);
}

/* Who the client is and where it returns cannot be trusted: no redirect URI comes back. */
static void
test_check_refused_no_redirect (Fixture       *f,
                                gconstpointer  data)
{
  static const struct { const char *client_id; const char *redirect_uri; int code; } rows[] = {
    { NULL, REDIRECT, GH_OAUTH_ERROR_INVALID_REQUEST },
    { "nope", REDIRECT, GH_OAUTH_ERROR_INVALID_CLIENT },
    { "app", "http://127.0.0.1/other", GH_OAUTH_ERROR_INVALID_REQUEST },
    { "app", "https://evil.example.test/cb", GH_OAUTH_ERROR_INVALID_REQUEST },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GhAuthParams) params = NULL;

      g_test_message ("row %u", i);
      params = check (f, GH_TEST_PAIRS ("response_type", "code", "client_id", rows[i].client_id,
                                        "redirect_uri", rows[i].redirect_uri,
                                        "code_challenge", CHALLENGE,
                                        "code_challenge_method", "S256"), &error);
      g_assert_error (error, GH_OAUTH_ERROR, rows[i].code);
      g_assert_null (params->redirect_uri);
    }
}

/* Past the client and redirect checks, a refusal goes back to the client, with its state. */
static void
test_check_refused_redirect (Fixture       *f,
                             gconstpointer  data)
{
  static const struct {
    const char *response_type;
    const char *challenge;
    const char *method;
    const char *extra;
    int code;
  } rows[] = {
    { NULL, CHALLENGE, "S256", NULL, GH_OAUTH_ERROR_INVALID_REQUEST },
    { "token", CHALLENGE, "S256", NULL, GH_OAUTH_ERROR_UNSUPPORTED_RESPONSE_TYPE },
    { "code", NULL, NULL, NULL, GH_OAUTH_ERROR_INVALID_REQUEST },
    { "code", CHALLENGE, "plain", NULL, GH_OAUTH_ERROR_INVALID_REQUEST },
    { "code", CHALLENGE, "S256", "request", GH_OAUTH_ERROR_INVALID_REQUEST },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GhAuthParams) params = NULL;
      g_autofree char *location = NULL;

      g_test_message ("row %u", i);
      params = check (f, GH_TEST_PAIRS ("client_id", "app", "redirect_uri", REDIRECT,
                                        "state", "st-2",
                                        "response_type", rows[i].response_type,
                                        "code_challenge", rows[i].challenge,
                                        "code_challenge_method", rows[i].method,
                                        rows[i].extra != NULL ? rows[i].extra : "x",
                                        rows[i].extra != NULL ? "eyJ" : NULL), &error);
      g_assert_error (error, GH_OAUTH_ERROR, rows[i].code);
      g_assert_cmpstr (params->redirect_uri, ==, REDIRECT);
      location = gh_authorization_build_redirect (params, f->issuer, NULL, error);
      g_assert_true (g_str_has_prefix (location, REDIRECT "?"));
      g_assert_nonnull (strstr (location, "error="));
      g_assert_nonnull (strstr (location, "state=st-2"));
      g_assert_nonnull (strstr (location, "iss="));
    }
}

/* A sign-in request belongs to the browser that started it, and ends with its code. */
static void
test_request_bound_to_browser (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GhAuthParams) params = check_ok (f);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhAuthRequest) saved = NULL;
  g_autoptr(GhAuthRequest) loaded = NULL;
  g_autoptr(GhAuthRequest) stranger = NULL;
  g_autoptr(GhAuthRequest) finished = NULL;
  g_autofree char *code = NULL;

  saved = gh_authorization_save_request (f->authorization, f->project, params,
                                         "browser-a", &error);
  g_assert_no_error (error);
  g_assert_nonnull (saved->id);
  g_assert_nonnull (saved->csrf_token);

  loaded = gh_authorization_load_request (f->authorization, f->project,
                                          saved->id, "browser-a", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->csrf_token, ==, saved->csrf_token);
  g_assert_cmpstr (loaded->params->client_id, ==, "app");
  g_assert_cmpstr (loaded->params->state, ==, "st-1");

  stranger = gh_authorization_load_request (f->authorization, f->project,
                                            saved->id, "browser-b", &error);
  g_assert_null (stranger);
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_FORBIDDEN);
  g_clear_error (&error);
  g_assert_null (gh_authorization_load_request (f->authorization, f->project,
                                                "unknown", "browser-a", &error));
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_REQUEST);
  g_clear_error (&error);

  code = gh_authorization_issue_code (f->authorization, f->project, loaded->params, f->user, 1,
                                      GH_CONSENT_AUTO_APPROVED, saved->id, &error);
  g_assert_no_error (error);
  finished = gh_authorization_load_request (f->authorization, f->project,
                                            saved->id, "browser-a", &error);
  g_assert_null (finished);
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_REQUEST);
}

static void
test_session (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 auth_time = 0;
  gint64 seen = 0;
  g_autofree char *secret = gh_authorization_create_session (f->authorization,
                                                             f->project, f->user,
                                                             &auth_time, &error);
  g_autoptr(GhUser) user = NULL;
  g_autoptr(GhUser) nobody = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (secret);
  g_assert_cmpint (auth_time, >, 0);
  user = gh_authorization_session_user (f->authorization, f->project, secret,
                                        &seen);
  g_assert_nonnull (user);
  g_assert_cmpstr (user->username, ==, "alice");
  g_assert_cmpint (seen, ==, auth_time);
  nobody = gh_authorization_session_user (f->authorization, f->project,
                                          "guess", &seen);
  g_assert_null (nobody);
  g_assert_null (gh_authorization_session_user (f->authorization, f->project,
                                                NULL, &seen));
}

/* The code is recorded with where its consent came from; only a consent given on the page is
 * stored. */
static void
test_code_and_consent (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GhAuthParams) params = check_ok (f);
  g_autoptr(GError) error = NULL;
  g_autofree char *auto_approved = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *remembered = NULL;
  g_autofree char *location = NULL;
  g_autoptr(JsonObject) details = NULL;

  g_assert_false (gh_authorization_has_consent (f->authorization, f->project,
                                                f->user, params));
  auto_approved = gh_authorization_issue_code (f->authorization, f->project,
                                               params, f->user, 1, GH_CONSENT_AUTO_APPROVED, NULL,
                                               &error);
  g_assert_no_error (error);
  g_assert_false (gh_authorization_has_consent (f->authorization, f->project,
                                                f->user, params));
  {
    g_autoptr(JsonObject) first = gh_test_last_audit (f->store,
                                                      "code.issued", NULL, NULL);

    g_assert_cmpstr (json_object_get_string_member (first, "consent"), ==, "auto_approved");
  }
  remembered = gh_authorization_issue_code (f->authorization, f->project,
                                            params, f->user, 1, GH_CONSENT_GIVEN, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (auto_approved, !=, remembered);
  g_assert_true (gh_authorization_has_consent (f->authorization, f->project,
                                               f->user, params));
  {
    g_autoptr(JsonObject) given = gh_test_last_audit (f->store,
                                                      "code.issued", NULL, NULL);

    g_assert_cmpstr (json_object_get_string_member (given, "consent"), ==, "given");
    g_assert_cmpstr (json_object_get_string_member (given, "redirect_uri"), ==, REDIRECT);
  }
  stored = gh_authorization_issue_code (f->authorization, f->project, params,
                                        f->user, 1, GH_CONSENT_STORED, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (stored, !=, remembered);

  g_assert_cmpuint (gh_test_count_audit (f->store, "code.issued"), ==, 3);
  details = gh_test_last_audit (f->store, "code.issued", NULL, NULL);
  g_assert_cmpstr (json_object_get_string_member (details, "consent"), ==, "stored");

  location = gh_authorization_build_redirect (params, f->issuer, remembered, NULL);
  g_assert_true (g_str_has_prefix (location, REDIRECT "?"));
  g_assert_nonnull (strstr (location, remembered));
  g_assert_nonnull (strstr (location, "state=st-1"));
  g_assert_null (strstr (location, "error="));

  /* Deleting the client forgets the consent. */
  g_assert_true (gh_clients_drop_consents (f->clients, f->project->id, "app",
                                           &error));
  g_assert_false (gh_authorization_has_consent (f->authorization, f->project,
                                                f->user, params));
}

static void
test_deny (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GhAuthParams) params = check_ok (f);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhAuthRequest) saved = NULL;
  g_autoptr(GhAuthRequest) after = NULL;

  saved = gh_authorization_save_request (f->authorization, f->project, params,
                                         "browser-a", &error);
  g_assert_no_error (error);
  g_assert_true (gh_authorization_deny (f->authorization, f->project, params,
                                        f->user, saved->id, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (gh_test_count_audit (f->store, "authorization.denied"), ==, 1);
  g_assert_cmpuint (gh_test_count_audit (f->store, "code.issued"), ==, 0);
  after = gh_authorization_load_request (f->authorization, f->project,
                                         saved->id, "browser-a", &error);
  g_assert_null (after);
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_REQUEST);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, gh_test_services_setup_flow, func, \
                                gh_test_services_teardown)
  ADD ("/core/authorization/check", test_check);
  ADD ("/core/authorization/check-refused-no-redirect", test_check_refused_no_redirect);
  ADD ("/core/authorization/check-refused-redirect", test_check_refused_redirect);
  ADD ("/core/authorization/request-bound-to-browser", test_request_bound_to_browser);
  ADD ("/core/authorization/session", test_session);
  ADD ("/core/authorization/code-and-consent", test_code_and_consent);
  ADD ("/core/authorization/deny", test_deny);
#undef ADD

  return g_test_run ();
}
