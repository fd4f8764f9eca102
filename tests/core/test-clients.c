/* test-clients.c — the clients service, called directly (no HTTP), as the admin API will
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-error.h"
#include "gh-test-util.h"

#define REDIRECT "http://127.0.0.1/cb"
#define PUBLIC_CLIENT "{\"redirect_uris\": [\"" REDIRECT "\"], \"client_name\": \"Tool\", " \
                      "\"token_endpoint_auth_method\": \"none\"}"
#define CONFIDENTIAL_CLIENT "{\"redirect_uris\": [\"https://app.example.test/cb\"], " \
                            "\"token_endpoint_auth_method\": \"client_secret_basic\"}"

typedef GhTestServices Fixture;

static gboolean
client_exists (Fixture    *f,
               const char *client_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhClient) client = gh_clients_get (f->clients, f->project->id, client_id, &error);

  if (client == NULL)
    g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND);
  return client != NULL;
}

static void
test_create (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(JsonObject) metadata = gh_test_parse_object (CONFIDENTIAL_CLIENT);
  g_autoptr(JsonObject) validated = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = NULL;
  g_autoptr(GhClient) created = NULL;
  g_autoptr(GhClient) got = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(JsonObject) details = NULL;
  g_autofree char *client_id = NULL;
  g_autofree char *actor = NULL;

  validated = gh_client_metadata_validate (metadata, f->project->settings, "none", &error);
  g_assert_no_error (error);
  created = gh_clients_create (f->clients, f->project, NULL, GH_CLIENT_SOURCE_ADMIN, validated,
                               &secret, "cli", &error);
  g_assert_no_error (error);

  /* A generated id, client_<24 hex>; the secret is handed out once and stored hashed. */
  g_assert_true (g_str_has_prefix (created->client_id, "client_"));
  g_assert_cmpuint (strlen (created->client_id), ==, 31);
  g_assert_nonnull (secret);
  g_assert_cmpstr (created->secret_hash, !=, secret);
  g_assert_true (gh_client_check_secret (created, secret));
  g_assert_false (gh_client_check_secret (created, "wrong"));
  g_assert_false (gh_client_check_secret (created, NULL));

  got = gh_clients_get (f->clients, f->project->id, created->client_id, &error);
  g_assert_no_error (error);
  g_assert_true (gh_client_check_secret (got, secret));
  g_assert_true (gh_clients_is_registered (f->clients, f->project->id, created->client_id));
  list = gh_clients_list (f->clients, f->project->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, >=, 1);

  g_assert_cmpuint (gh_test_count_audit (f->store, "oauth_client.registered"), ==, 1);
  details = gh_test_last_audit (f->store, "oauth_client.registered", &client_id, &actor);
  g_assert_cmpstr (client_id, ==, created->client_id);
  g_assert_cmpstr (actor, ==, "cli");
  g_assert_cmpstr (json_object_get_string_member (details, "source"), ==, "admin");
  g_assert_cmpstr (json_object_get_string_member (details, "token_endpoint_auth_method"), ==,
                   "client_secret_basic");

  /* A public client gets no secret. */
  {
    g_autofree char *none = NULL;
    g_autoptr(GhClient) tool = gh_test_services_add_client (f, "tool", PUBLIC_CLIENT, &none);

    g_assert_null (none);
    g_assert_false (gh_client_check_secret (tool, ""));
    g_assert_cmpstr (tool->client_name, ==, "Tool");
  }
}

static void
test_refusals (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GhClient) tool = gh_test_services_add_client (f, "tool", PUBLIC_CLIENT, NULL);
  g_autoptr(JsonObject) metadata = gh_test_parse_object (PUBLIC_CLIENT);
  g_autoptr(JsonObject) validated = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GhClient) twice = NULL;
  g_autoptr(GhClient) missing = NULL;

  validated = gh_client_metadata_validate (metadata, f->project->settings, "none", &error);
  g_assert_no_error (error);
  twice = gh_clients_create (f->clients, f->project, "tool", GH_CLIENT_SOURCE_ADMIN, validated,
                             NULL, "cli", &error);
  g_assert_null (twice);
  g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_CONSTRAINT);
  g_clear_error (&error);

  missing = gh_clients_get (f->clients, f->project->id, "nope", &error);
  g_assert_null (missing);
  g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (gh_clients_is_registered (f->clients, f->project->id, "nope"));

  g_assert_false (gh_clients_delete (f->clients, f->project, "nope", "cli", &error));
  g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (gh_clients_update_metadata (f->clients, f->project, "nope", validated, "cli",
                                              &error));
  g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND);

  g_assert_cmpuint (gh_test_count_audit (f->store, "oauth_client.registered"), ==, 1);
  g_assert_cmpuint (gh_test_count_audit (f->store, "oauth_client.deleted"), ==, 0);
  g_assert_cmpuint (gh_test_count_audit (f->store, "oauth_client.updated"), ==, 0);
}

static void
test_update (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GhClient) tool = gh_test_services_add_client (f, "tool", PUBLIC_CLIENT, NULL);
  g_autoptr(JsonObject) metadata = gh_test_parse_object (
    "{\"redirect_uris\": [\"http://127.0.0.1/new\"], \"client_name\": \"Renamed\", "
    "\"token_endpoint_auth_method\": \"none\"}");
  g_autoptr(JsonObject) validated = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GhClient) after = NULL;
  g_autofree char *client_id = NULL;
  g_autoptr(JsonObject) details = NULL;

  validated = gh_client_metadata_validate (metadata, f->project->settings, "none", &error);
  g_assert_no_error (error);
  g_assert_true (gh_clients_update_metadata (f->clients, f->project, "tool", validated, "cli",
                                             &error));
  g_assert_no_error (error);
  after = gh_clients_get (f->clients, f->project->id, "tool", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (after->client_name, ==, "Renamed");
  g_assert_true (g_strv_contains ((const char * const *) after->redirect_uris,
                                  "http://127.0.0.1/new"));
  g_assert_false (g_strv_contains ((const char * const *) after->redirect_uris, REDIRECT));
  g_assert_cmpuint (gh_test_count_audit (f->store, "oauth_client.updated"), ==, 1);
  details = gh_test_last_audit (f->store, "oauth_client.updated", &client_id, NULL);
  g_assert_cmpstr (client_id, ==, "tool");
}

/* A deleted client takes what it was granted: its codes stop working. */
static void
test_delete (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GhClient) tool = gh_test_services_add_client (f, "tool", PUBLIC_CLIENT, NULL);
  g_autoptr(GhUser) user = gh_test_services_add_user (f, "alice");
  g_autofree char *verifier = NULL;
  g_autofree char *code = gh_test_services_issue_code (f, "tool", REDIRECT, NULL, user, &verifier);
  g_autoptr(GhForm) form = gh_test_form (GH_TEST_PAIRS ("grant_type", "authorization_code",
                                                        "code", code, "code_verifier", verifier,
                                                        "redirect_uri", REDIRECT));
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) tokens = NULL;
  g_autofree char *client_id = NULL;
  g_autofree char *actor = NULL;
  g_autoptr(JsonObject) details = NULL;

  g_assert_true (gh_clients_delete (f->clients, f->project, "tool", "cli", &error));
  g_assert_no_error (error);
  g_assert_false (client_exists (f, "tool"));
  g_assert_cmpuint (gh_test_count_audit (f->store, "oauth_client.deleted"), ==, 1);
  details = gh_test_last_audit (f->store, "oauth_client.deleted", &client_id, &actor);
  g_assert_cmpstr (client_id, ==, "tool");
  g_assert_cmpstr (actor, ==, "cli");

  tokens = gh_tokens_exchange_code (f->tokens, f->project, f->issuer, tool, form, NULL,
                                    &error);
  g_assert_null (tokens);
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_GRANT);
}

/* The client and its audit event are one transaction. */
static void
test_audit_same_transaction (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GhClient) kept = gh_test_services_add_client (f, "kept", PUBLIC_CLIENT, NULL);
  g_autoptr(JsonObject) metadata = gh_test_parse_object (PUBLIC_CLIENT);
  g_autoptr(JsonObject) validated = NULL;
  g_autoptr(GError) error = NULL;

  validated = gh_client_metadata_validate (metadata, f->project->settings, "none", &error);
  g_assert_no_error (error);
  g_assert_true (gh_store_exec (f->store,
                                "CREATE TEMP TRIGGER refuse_audit BEFORE INSERT ON audit_events "
                                "BEGIN SELECT RAISE(ABORT, 'audit refused'); END", &error));
  g_assert_no_error (error);
  {
    g_autoptr(GhClient) client = gh_clients_create (f->clients, f->project, "new",
                                                    GH_CLIENT_SOURCE_ADMIN, validated, NULL,
                                                    "cli", &error);

    g_assert_null (client);
    g_assert_nonnull (error);
    g_clear_error (&error);
  }
  g_assert_false (gh_clients_delete (f->clients, f->project, "kept", "cli", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (gh_clients_update_metadata (f->clients, f->project, "kept", validated, "cli",
                                              &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_true (gh_store_exec (f->store, "DROP TRIGGER refuse_audit", &error));
  g_assert_no_error (error);

  g_assert_false (client_exists (f, "new"));
  g_assert_true (client_exists (f, "kept"));
  g_assert_false (gh_store_in_transaction (f->store));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, gh_test_services_setup, func, gh_test_services_teardown)
  ADD ("/core/clients/create", test_create);
  ADD ("/core/clients/refusals", test_refusals);
  ADD ("/core/clients/update", test_update);
  ADD ("/core/clients/delete", test_delete);
  ADD ("/core/clients/audit-same-transaction", test_audit_same_transaction);
#undef ADD

  return g_test_run ();
}
