/* test-keys-keyring.c — signing keys in a real gnome-keyring: a locked keyring fails closed
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs inside tests/with-keyring.sh: a private bus with a throwaway, unlocked gnome-keyring.
 */

#include "config.h"

#include <libsecret/secret.h>
#include <string.h>

#include "gh-base64url.h"
#include "gh-crypto.h"
#include "gh-error.h"
#include "gh-server.h"
#include "gh-test-util.h"

#define VERIFIER "keyring-test-verifier-keyring-test-verifier-0123456789"

static GhServer *
start_server (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhServer) server = gh_server_new (dir, GH_SECRET_BACKEND_KEYRING,
                                              GH_SETTINGS_PROFILE_DEVELOPMENT, &error);

  g_assert_no_error (error);
  g_assert_true (gh_server_listen (server, "127.0.0.1:0", NULL, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&server);
}

/* Runs /authorize (auto-approved) and /token; returns the token response's status. */
static guint
token_status (GhServer    *server,
              SoupSession *session,
              const char  *client_id,
              char       **body)
{
  const char *base = gh_server_get_issuer_base (server);
  guint8 digest[32];
  g_autofree char *challenge = NULL;
  g_autofree char *authorize = NULL;
  g_autofree char *token_url = NULL;
  g_autofree char *form = NULL;
  g_autoptr(GhTestResponse) redirect = NULL;
  g_autoptr(GhTestResponse) response = NULL;
  g_autoptr(GUri) location = NULL;
  g_autoptr(GHashTable) params = NULL;

  gh_sha256 (VERIFIER, strlen (VERIFIER), digest);
  challenge = gh_base64url_encode (digest, sizeof digest);
  authorize = g_strdup_printf ("%s/authorize?response_type=code&client_id=%s&code_challenge=%s"
                               "&code_challenge_method=S256", base, client_id, challenge);
  {
    g_autoptr(SoupMessage) msg = soup_message_new ("GET", authorize);
    g_autoptr(GBytes) bytes = NULL;

    soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
    bytes = soup_session_send_and_read (session, msg, NULL, NULL);
    (void) bytes;
    g_assert_cmpuint (soup_message_get_status (msg), ==, 302);
    location = g_uri_parse (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                          "Location"), G_URI_FLAGS_NONE, NULL);
  }
  params = g_uri_parse_params (g_uri_get_query (location), -1, "&", G_URI_PARAMS_NONE, NULL);
  g_assert_nonnull (g_hash_table_lookup (params, "code"));

  token_url = g_strconcat (base, "/token", NULL);
  form = g_strdup_printf ("grant_type=authorization_code&client_id=%s&code=%s&code_verifier=%s",
                          client_id, (char *) g_hash_table_lookup (params, "code"), VERIFIER);
  response = gh_test_http (session, "POST", token_url, NULL, "application/x-www-form-urlencoded",
                           form);
  *body = g_strndup (g_bytes_get_data (response->body, NULL), g_bytes_get_size (response->body));
  return response->status;
}

static void
lock_login_keyring (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SecretService) service = secret_service_get_sync (SECRET_SERVICE_NONE, NULL, &error);
  g_autoptr(SecretCollection) login = NULL;
  g_autolist(GObject) locked = NULL;
  GList *objects;

  g_assert_no_error (error);
  login = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT,
                                            SECRET_COLLECTION_NONE, NULL, &error);
  g_assert_no_error (error);
  objects = g_list_append (NULL, login);
  g_assert_cmpint (secret_service_lock_sync (service, objects, NULL, &locked, &error), ==, 1);
  g_list_free (objects);
  g_assert_no_error (error);
}

/* The sync HTTP calls above need a server on another thread's context. */
typedef struct
{
  char *dir;
  GhServer *server;
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
  gboolean ready;
  GMutex mutex;
  GCond cond;
} ServerThread;

static gpointer
server_thread (gpointer data)
{
  ServerThread *st = data;

  g_main_context_push_thread_default (st->context);
  st->server = start_server (st->dir);
  g_mutex_lock (&st->mutex);
  st->ready = TRUE;
  g_cond_signal (&st->cond);
  g_mutex_unlock (&st->mutex);
  g_main_loop_run (st->loop);
  g_clear_object (&st->server);
  g_main_context_pop_thread_default (st->context);
  return NULL;
}

static ServerThread *
server_thread_start (const char *dir)
{
  ServerThread *st = g_new0 (ServerThread, 1);

  st->dir = g_strdup (dir);
  st->context = g_main_context_new ();
  st->loop = g_main_loop_new (st->context, FALSE);
  g_mutex_init (&st->mutex);
  g_cond_init (&st->cond);
  st->thread = g_thread_new ("server", server_thread, st);
  g_mutex_lock (&st->mutex);
  while (!st->ready)
    g_cond_wait (&st->cond, &st->mutex);
  g_mutex_unlock (&st->mutex);
  return st;
}

static void
server_thread_stop (ServerThread *st)
{
  g_main_loop_quit (st->loop);
  g_thread_join (st->thread);
  g_main_loop_unref (st->loop);
  g_main_context_unref (st->context);
  g_mutex_clear (&st->mutex);
  g_cond_clear (&st->cond);
  g_free (st->dir);
  g_free (st);
}

static void
test_locked_keyring_fails_closed (void)
{
  g_autofree char *dir = gh_test_make_tmp_dir ("keys-keyring");
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *client_id = NULL;
  g_autofree char *body = NULL;
  g_autofree char *locked_body = NULL;
  ServerThread *first;
  ServerThread *second;

  first = server_thread_start (dir);
  g_assert_cmpint (gh_server_get_secret_store (first->server) != NULL, ==, TRUE);
  g_assert_true (g_str_has_prefix (gh_server_describe_secrets (first->server), "Secret Service"));

  /* A client and the auto-approve user, through a connection of this thread's own. */
  {
    g_autoptr(GhStore) store = gh_store_open (dir, &error);
    g_autoptr(GhAudit) audit = gh_audit_new (store);
    g_autoptr(GhProjects) projects = gh_projects_new (store, audit);
    g_autoptr(GhClients) clients = gh_clients_new (store, audit);
    g_autoptr(GhProject) project = gh_projects_get (projects, "default", &error);
    g_autoptr(JsonObject) patch = json_object_new ();
    g_autoptr(JsonObject) metadata = json_object_new ();
    g_autoptr(JsonObject) validated = NULL;
    g_autoptr(GhClient) client = NULL;
    g_autoptr(GPtrArray) changes = NULL;
    JsonArray *uris = json_array_new ();

    json_object_set_string_member (patch, "auto_approve_user", "dev");
    changes = gh_projects_update_settings (projects, "default", patch, "test", &error);
    g_assert_no_error (error);
    json_array_add_string_element (uris, "http://127.0.0.1/callback");
    json_object_set_array_member (metadata, "redirect_uris", uris);
    validated = gh_client_metadata_validate (metadata, project->settings, "none", &error);
    g_assert_no_error (error);
    client = gh_clients_create (clients, project, NULL, GH_CLIENT_SOURCE_ADMIN, validated, NULL,
                                "test", &error);
    g_assert_no_error (error);
    client_id = g_strdup (client->client_id);
  }

  /* Unlocked: the key from the keyring signs. */
  g_assert_cmpuint (token_status (first->server, session, client_id, &body), ==, 200);
  server_thread_stop (first);

  /* Locked, and a fresh process: nothing is cached, the key cannot be read. */
  lock_login_keyring ();
  gh_test_expect_message ("gatehouse-server", G_LOG_LEVEL_WARNING,
                          "*Signing is unavailable*locked*");
  second = server_thread_start (dir);
  gh_test_assert_expected_messages ();

  g_assert_cmpuint (token_status (second->server, session, client_id, &locked_body), ==, 503);
  g_assert_nonnull (strstr (locked_body, "\"temporarily_unavailable\""));

  /* Never a silent new key: still the one key, still published. */
  {
    g_autoptr(GPtrArray) keys = gh_signing_keys_list (gh_server_get_signing_keys (second->server),
                                                      &error);
    g_assert_no_error (error);
    g_assert_cmpuint (keys->len, ==, 1);
  }
  server_thread_stop (second);
  gh_test_remove_tree (dir);
}

static void
test_not_in_test_keyring (void)
{
  g_test_skip ("run under tests/with-keyring.sh: this test locks the login keyring");
}

int
main (int    argc,
      char **argv)
{
  const char *keyring_home = g_getenv ("GATEHOUSE_TEST_KEYRING_HOME");

  g_test_init (&argc, &argv, NULL);

  /* Never lock a real user's keyring. */
  if (keyring_home == NULL || g_strcmp0 (keyring_home, g_get_home_dir ()) != 0)
    g_test_add_func ("/server/keys/keyring/not-in-test-keyring", test_not_in_test_keyring);
  else
    g_test_add_func ("/server/keys/keyring/locked-fails-closed", test_locked_keyring_fails_closed);
  return g_test_run ();
}
