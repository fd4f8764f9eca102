/* test-registration.c — Dynamic Client Registration (RFC 7591, 7592) as a service, called
 * directly (no HTTP): the modes, IAT uses spent only with a committed registration, and the
 * registration access token that rotates on every management call
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-error.h"
#include "gh-test-util.h"

#define PUBLIC_LOOPBACK "{\"redirect_uris\": [\"http://127.0.0.1/callback\"], " \
                        "\"token_endpoint_auth_method\": \"none\"}"

typedef GhTestServices Fixture;

static JsonObject *
do_register (Fixture     *f,
             const char  *metadata_json,
             const char  *bearer,
             GError     **error)
{
  g_autoptr(JsonObject) metadata = gh_test_parse_object (metadata_json);

  return gh_registration_register (f->registration, f->project, f->issuer, metadata, bearer,
                                   "127.0.0.1", NULL, error);
}

static gint64
iat_uses (Fixture    *f,
          const char *id)
{
  g_autoptr(GhIat) iat = gh_test_services_find_iat (f, id);

  return iat->uses;
}

static void
test_open (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) info = NULL;
  g_autoptr(GhClient) client = NULL;
  g_autofree char *client_uri = NULL;
  const char *client_id;

  gh_test_services_set (f, "dcr_mode", "open");
  info = do_register (f, PUBLIC_LOOPBACK, NULL, &error);
  g_assert_no_error (error);
  client_id = json_object_get_string_member (info, "client_id");
  g_assert_true (g_str_has_prefix (client_id, "client_"));
  client_uri = g_strconcat (f->issuer, "/register/", client_id, NULL);
  g_assert_cmpstr (json_object_get_string_member (info, "registration_client_uri"), ==,
                   client_uri);
  g_assert_cmpuint (strlen (json_object_get_string_member (info, "registration_access_token")),
                    >=, 32);
  g_assert_false (json_object_has_member (info, "client_secret"));

  client = gh_clients_get (f->clients, f->project->id, client_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (client->source, ==, GH_CLIENT_SOURCE_DCR);
  g_assert_cmpuint (gh_test_count_audit (f->store, "oauth_client.registered"), ==, 1);
}

static void
test_refused (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) info = NULL;

  gh_test_services_set (f, "dcr_mode", "disabled");
  info = do_register (f, PUBLIC_LOOPBACK, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_FORBIDDEN);
  g_clear_error (&error);

  gh_test_services_set (f, "dcr_mode", "initial_access_token");
  info = do_register (f, PUBLIC_LOOPBACK, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_TOKEN);
  g_clear_error (&error);
  g_assert_false (gh_registration_check_access (f->registration, f->project, "iatk_x", TRUE,
                                                &error));
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_TOKEN);
  g_clear_error (&error);

  gh_test_services_set (f, "dcr_mode", "open");
  info = do_register (f, "{\"redirect_uris\": [\"https://app.example.test/cb#frag\"]}", NULL,
                      &error);
  g_assert_null (info);
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_REDIRECT_URI);
  g_clear_error (&error);
  info = do_register (f, "{\"redirect_uris\": [\"http://127.0.0.1/cb\"], "
                         "\"grant_types\": [\"password\"]}", NULL, &error);
  g_assert_null (info);
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_CLIENT_METADATA);

  g_assert_cmpuint (gh_test_count_audit (f->store, "oauth_client.registered"), ==, 0);
}

/* An IAT use counts only with a registration that commits, in the same transaction. */
static void
test_iat_use_commits_with_registration (Fixture       *f,
                                        gconstpointer  data)
{
  g_autoptr(JsonObject) pins = gh_test_parse_object ("{\"token_endpoint_auth_method\": \"none\"}");
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  g_autoptr(GhIat) iat = NULL;
  g_autoptr(JsonObject) refused = NULL;
  g_autoptr(JsonObject) info = NULL;
  g_autoptr(JsonObject) again = NULL;

  gh_test_services_set (f, "dcr_mode", "initial_access_token");
  iat = gh_iats_issue (f->iats, f->project, "ci", 1, 0, pins, "cli", &token, &error);
  g_assert_no_error (error);

  /* Contradicts the pin: refused, the use given back. */
  refused = do_register (f, "{\"redirect_uris\": [\"http://127.0.0.1/cb\"], "
                            "\"token_endpoint_auth_method\": \"client_secret_basic\"}", token,
                         &error);
  g_assert_null (refused);
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_CLIENT_METADATA);
  g_clear_error (&error);
  g_assert_cmpint (iat_uses (f, iat->id), ==, 0);
  g_assert_cmpuint (gh_test_count_audit (f->store, "iat.used"), ==, 0);

  /* The pin fills in what is missing. */
  info = do_register (f, "{\"redirect_uris\": [\"http://127.0.0.1/cb\"]}", token, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (info, "token_endpoint_auth_method"), ==,
                   "none");
  g_assert_cmpint (iat_uses (f, iat->id), ==, 1);
  g_assert_cmpuint (gh_test_count_audit (f->store, "iat.used"), ==, 1);
  {
    g_autofree char *actor = NULL;
    g_autoptr(JsonObject) details = gh_test_last_audit (f->store, "oauth_client.registered", NULL,
                                                        &actor);

    g_assert_cmpstr (actor, ==, iat->id);
  }

  again = do_register (f, PUBLIC_LOOPBACK, token, &error);
  g_assert_null (again);
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_TOKEN);
}

/* RFC 7592: each answer carries a new registration access token; the old one stops working. */
static void
test_management (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) info = NULL;
  g_autoptr(JsonObject) read = NULL;
  g_autoptr(JsonObject) stale = NULL;
  g_autofree char *client_id = NULL;
  g_autofree char *first = NULL;
  const char *second;

  gh_test_services_set (f, "dcr_mode", "open");
  info = do_register (f, PUBLIC_LOOPBACK, NULL, &error);
  g_assert_no_error (error);
  client_id = g_strdup (json_object_get_string_member (info, "client_id"));
  first = g_strdup (json_object_get_string_member (info, "registration_access_token"));

  g_assert_true (gh_registration_check_management (f->registration, f->project, client_id, first,
                                                   &error));
  g_assert_no_error (error);
  g_assert_false (gh_registration_check_management (f->registration, f->project, client_id,
                                                    "wrong", &error));
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_TOKEN);
  g_clear_error (&error);

  read = gh_registration_read (f->registration, f->project, f->issuer, client_id, first, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (read, "client_id"), ==, client_id);
  second = json_object_get_string_member (read, "registration_access_token");
  g_assert_cmpstr (second, !=, first);

  stale = gh_registration_read (f->registration, f->project, f->issuer, client_id, first, &error);
  g_assert_null (stale);
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_TOKEN);
  g_clear_error (&error);

  g_assert_false (gh_registration_delete (f->registration, f->project, client_id, first, &error));
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_TOKEN);
  g_clear_error (&error);
  g_assert_true (gh_registration_delete (f->registration, f->project, client_id, second, &error));
  g_assert_no_error (error);
  g_assert_false (gh_clients_is_registered (f->clients, f->project->id, client_id));
  g_assert_cmpuint (gh_test_count_audit (f->store, "oauth_client.deleted"), ==, 1);

  /* An administrator's client is not managed through RFC 7592. */
  {
    g_autoptr(GhClient) admin = gh_test_services_add_client (f, "admin-made", PUBLIC_LOOPBACK,
                                                             NULL);

    g_assert_false (gh_registration_check_management (f->registration, f->project, "admin-made",
                                                      second, &error));
    g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_TOKEN);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, gh_test_services_setup, func, gh_test_services_teardown)
  ADD ("/core/registration/open", test_open);
  ADD ("/core/registration/refused", test_refused);
  ADD ("/core/registration/iat-use-commits-with-registration",
       test_iat_use_commits_with_registration);
  ADD ("/core/registration/management", test_management);
#undef ADD

  return g_test_run ();
}
