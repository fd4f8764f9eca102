/* test-processes.c — real gatehouse-server processes: races across two servers on one data
 * directory, and kill -9 in the middle of a burst of refresh grants or of registrations
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "gh-base64url.h"
#include "gh-crypto.h"
#include "gh-store.h"
#include "gh-test-process.h"
#include "gh-test-util.h"

#define CB "http://127.0.0.1/cb"
#define VERIFIER "processes-verifier-0123456789-0123456789-0123456789"

typedef struct
{
  char *base;  /* removed at the end */
  char *dir;   /* the data directory, in base */
  char *challenge;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  const char *binary = gh_test_server_binary ();
  guint8 digest[32];

  fixture->base = gh_test_make_tmp_dir ("processes");
  fixture->dir = g_build_filename (fixture->base, "data", NULL);
  gh_sha256 (VERIFIER, strlen (VERIFIER), digest);
  fixture->challenge = gh_base64url_encode (digest, sizeof digest);
  /* dev (every new project has it) signs in and consents by redirects only; a rotated refresh
   * token has no grace. */
  g_assert_cmpint (GH_TEST_CLI (binary, fixture->dir, NULL, "project", "set", "default",
                                "auto_approve_user=dev", "refresh_grace_seconds=0"), ==, 0);
  g_assert_cmpint (GH_TEST_CLI (binary, fixture->dir, NULL, "client", "create", "--client-id",
                                "app", "--redirect-uri", CB), ==, 0);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  gh_test_remove_tree (fixture->base);
  g_free (fixture->base);
  g_free (fixture->dir);
  g_free (fixture->challenge);
}

static char *
fresh_code (Fixture       *fixture,
            GhTestProcess *server)
{
  g_autofree char *query = gh_test_form_encode (GH_TEST_PAIRS ("response_type", "code",
                                                               "client_id", "app",
                                                               "redirect_uri", CB,
                                                               "code_challenge",
                                                               fixture->challenge,
                                                               "code_challenge_method", "S256",
                                                               "state", "s"));
  g_autofree char *request = g_strdup_printf ("GET /authorize?%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                              "Connection: close\r\n\r\n", query);
  g_autoptr(GhRawResponse) response = gh_test_raw_http (server->port, request, strlen (request),
                                                        10000);
  g_autofree char *location = gh_raw_response_header (response, "Location");
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GHashTable) params = NULL;

  g_assert_nonnull (location);
  uri = g_uri_parse (location, G_URI_FLAGS_ENCODED_QUERY, NULL);
  g_assert_nonnull (uri);
  params = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_WWW_FORM, NULL);
  g_assert_nonnull (g_hash_table_lookup (params, "code"));
  return g_strdup (g_hash_table_lookup (params, "code"));
}

static char *
code_body (const char *code)
{
  return gh_test_form_encode (GH_TEST_PAIRS ("grant_type", "authorization_code",
                                             "client_id", "app", "code", code,
                                             "code_verifier", VERIFIER, "redirect_uri", CB));
}

static char *
refresh_body (const char *refresh_token)
{
  return gh_test_form_encode (GH_TEST_PAIRS ("grant_type", "refresh_token", "client_id", "app",
                                             "refresh_token", refresh_token));
}

/* The refresh token of a 200 answer, else NULL. */
static char *
refresh_token_of (GhRawResponse *response)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize length = 0;
  const char *data;

  if (response->status != 200)
    return NULL;
  data = g_bytes_get_data (response->body, &length);
  g_assert_true (json_parser_load_from_data (parser, data, length, NULL));
  return g_strdup (json_object_get_string_member (json_node_get_object (
                                                    json_parser_get_root (parser)),
                                                  "refresh_token"));
}

static char *
first_refresh_token (Fixture       *fixture,
                     GhTestProcess *server)
{
  g_autofree char *code = fresh_code (fixture, server);
  g_autofree char *body = code_body (code);
  g_autoptr(GhRawResponse) response = gh_test_raw_post_form (server->port, "/token", body);
  char *token = refresh_token_of (response);

  g_assert_nonnull (token);
  return token;
}

/* ---- N at once ---- */

typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean go;
  const char *body;
  guint ok;
  guint refused;
  guint other;
} Race;

typedef struct
{
  Race *race;
  guint16 port;
} Racer;

static gpointer
racer (gpointer data)
{
  Racer *racer = data;
  Race *race = racer->race;
  g_autoptr(GhRawResponse) response = NULL;

  g_mutex_lock (&race->lock);
  while (!race->go)
    g_cond_wait (&race->cond, &race->lock);
  g_mutex_unlock (&race->lock);

  response = gh_test_raw_post_form (racer->port, "/token", race->body);
  g_mutex_lock (&race->lock);
  if (response->status == 200)
    race->ok++;
  else if (response->status == 400)
    race->refused++;
  else
    race->other++;
  g_mutex_unlock (&race->lock);
  return NULL;
}

/* Sends @body to /token @n times at once, spread over @servers; asserts one 200 and n - 1 400. */
static void
race (GhTestProcess **servers,
      guint           n_servers,
      const char     *body,
      guint           n)
{
  Race race = { .body = body };
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();
  g_autofree Racer *racers = g_new0 (Racer, n);

  g_mutex_init (&race.lock);
  g_cond_init (&race.cond);
  for (guint i = 0; i < n; i++)
    {
      racers[i].race = &race;
      racers[i].port = servers[i % n_servers]->port;
      g_ptr_array_add (threads, g_thread_new ("racer", racer, &racers[i]));
    }
  g_usleep (50 * 1000);  /* every thread waiting */
  g_mutex_lock (&race.lock);
  race.go = TRUE;
  g_cond_broadcast (&race.cond);
  g_mutex_unlock (&race.lock);
  for (guint i = 0; i < threads->len; i++)
    g_thread_join (g_ptr_array_index (threads, i));

  g_assert_cmpuint (race.other, ==, 0);
  g_assert_cmpuint (race.ok, ==, 1);
  g_assert_cmpuint (race.refused, ==, n - 1);
  g_mutex_clear (&race.lock);
  g_cond_clear (&race.cond);
}

/* One code, and then one refresh token (no grace), redeemed 16 times at once through two
 * servers on one data directory: exactly one 200, every other a 400. */
static void
test_two_servers_single_use (Fixture       *fixture,
                             gconstpointer  data)
{
  const char *binary = gh_test_server_binary ();
  GhTestProcess *servers[2] = {
    gh_test_process_start (binary, fixture->dir, "a"),
    gh_test_process_start (binary, fixture->dir, "b"),
  };

  for (guint round = 0; round < 3; round++)
    {
      g_autofree char *code = fresh_code (fixture, servers[round % 2]);
      g_autofree char *body = code_body (code);
      g_autofree char *refresh_token = first_refresh_token (fixture, servers[round % 2]);
      g_autofree char *refresh = refresh_body (refresh_token);

      race (servers, 2, body, 16);
      race (servers, 2, refresh, 16);
    }

  gh_test_process_stop_clean (servers[0]);
  gh_test_process_stop_clean (servers[1]);
}

/* Kills @server in full flight: once the @n arrays of @lists hold @enough entries between
 * them, or after 1.5 s, whichever comes first; then sets *@stop and joins the @threads. */
static void
kill_in_flight (GhTestProcess  *server,
                GPtrArray     **lists,
                GThread       **threads,
                guint           n,
                guint           enough,
                gint           *stop)
{
  gint64 deadline = g_get_monotonic_time () + 1500 * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      guint total = 0;

      for (guint i = 0; i < n; i++)
        total += g_atomic_int_get ((gint *) &lists[i]->len);
      if (total >= enough)
        break;
      g_usleep (2000);
    }
  gh_test_process_kill (server);
  g_atomic_int_set (stop, 1);
  for (guint i = 0; i < n; i++)
    g_thread_join (threads[i]);
}

/* ---- kill -9 ---- */

#define CHAINS 6

typedef struct
{
  guint16 port;
  GPtrArray *acknowledged;  /* every refresh token a 200 returned, in order */
  guint unexpected;         /* answers other than 200 before the kill */
  gint *stop;
} Chain;

static gpointer
chain_run (gpointer data)
{
  Chain *chain = data;

  while (!g_atomic_int_get (chain->stop))
    {
      const char *current = g_ptr_array_index (chain->acknowledged, chain->acknowledged->len - 1);
      g_autofree char *body = refresh_body (current);
      g_autoptr(GhRawResponse) response = gh_test_raw_post_form (chain->port, "/token", body);
      char *next;

      if (response->status == 0)
        break;  /* killed */
      next = refresh_token_of (response);
      if (next == NULL)
        {
          chain->unexpected++;
          break;
        }
      g_ptr_array_add (chain->acknowledged, next);
    }
  return NULL;
}

/* rotated_at of @token's row: -1 when rotated, 0 when current, 1 when missing. */
static int
token_state (GhStore    *store,
             const char *token)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = gh_sha256_base64url (token);
  g_autoptr(GhStmt) stmt = gh_store_prepare (store, "SELECT rotated_at IS NOT NULL "
                                             "FROM refresh_tokens WHERE token_hash = ?", &error);
  gboolean row = FALSE;

  g_assert_no_error (error);
  gh_stmt_bind_text (stmt, 1, hash);
  g_assert_true (gh_store_step (store, stmt, &row, &error));
  g_assert_no_error (error);
  if (!row)
    return 1;
  return sqlite3_column_int (stmt, 0) ? -1 : 0;
}

/* Six refresh chains rotate as fast as they can; the server gets SIGKILL in the middle. After a
 * restart on the same data directory every refresh token a 200 returned is in the store, and
 * the last of each chain either works or was rotated by a request the kill cut off. */
static void
test_kill_during_refreshes (Fixture       *fixture,
                            gconstpointer  data)
{
  const char *binary = gh_test_server_binary ();
  GhTestProcess *server = gh_test_process_start (binary, fixture->dir, "killed");
  Chain chains[CHAINS] = { 0 };
  GThread *threads[CHAINS];
  GPtrArray *lists[CHAINS];
  g_autoptr(GhStore) store = NULL;
  g_autoptr(GError) error = NULL;
  gint stop = 0;
  guint acknowledged = 0;
  guint cut_off = 0;

  for (guint i = 0; i < CHAINS; i++)
    {
      chains[i].port = server->port;
      chains[i].acknowledged = g_ptr_array_new_with_free_func (g_free);
      chains[i].stop = &stop;
      g_ptr_array_add (chains[i].acknowledged, first_refresh_token (fixture, server));
    }
  for (guint i = 0; i < CHAINS; i++)
    threads[i] = g_thread_new ("chain", chain_run, &chains[i]);

  /* Killed in full flight: after 60 grants or 1.5 s, whichever comes first. */
  for (guint i = 0; i < CHAINS; i++)
    lists[i] = chains[i].acknowledged;
  kill_in_flight (server, lists, threads, CHAINS, 60 + CHAINS, &stop);

  server = gh_test_process_start (binary, fixture->dir, "restarted");
  store = gh_store_open (fixture->dir, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < CHAINS; i++)
    {
      GPtrArray *tokens = chains[i].acknowledged;
      const char *last = g_ptr_array_index (tokens, tokens->len - 1);

      g_assert_cmpuint (chains[i].unexpected, ==, 0);
      acknowledged += tokens->len - 1;
      /* Nothing acknowledged is lost. */
      for (guint j = 0; j < tokens->len; j++)
        g_assert_cmpint (token_state (store, g_ptr_array_index (tokens, j)), !=, 1);
      /* Every one but the last was rotated by the next request. */
      for (guint j = 0; j + 1 < tokens->len; j++)
        g_assert_cmpint (token_state (store, g_ptr_array_index (tokens, j)), ==, -1);
      if (token_state (store, last) == 0)
        {
          g_autofree char *body = refresh_body (last);
          g_autoptr(GhRawResponse) response = gh_test_raw_post_form (server->port, "/token",
                                                                     body);
          g_assert_cmpuint (response->status, ==, 200);
        }
      else
        cut_off++;  /* the request in flight at the kill committed, its answer never came */
    }
  g_test_message ("%u refresh grants acknowledged before kill -9, %u chains cut off in flight",
                  acknowledged, cut_off);
  g_assert_cmpuint (acknowledged, >=, CHAINS);

  gh_test_process_stop_clean (server);
  for (guint i = 0; i < CHAINS; i++)
    g_ptr_array_unref (chains[i].acknowledged);
}

/* ---- kill -9 during registrations ---- */

#define REGISTRARS 6

typedef struct
{
  guint16 port;
  GPtrArray *registered;  /* the client_id of every 201 */
  guint unexpected;       /* answers other than 201 before the kill */
  gint *stop;
} Registrar;

static gpointer
registrar_run (gpointer data)
{
  Registrar *registrar = data;
  guint n = 0;

  while (!g_atomic_int_get (registrar->stop))
    {
      g_autofree char *body = g_strdup_printf ("{\"redirect_uris\": [\"" CB "\"], "
                                               "\"client_name\": \"burst %p %u\", "
                                               "\"token_endpoint_auth_method\": \"none\"}",
                                               (void *) registrar, n++);
      g_autofree char *request = g_strdup_printf ("POST /register HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                                  "Content-Type: application/json\r\n"
                                                  "Content-Length: %zu\r\nConnection: close\r\n"
                                                  "\r\n%s", strlen (body), body);
      g_autoptr(GhRawResponse) response = gh_test_raw_http (registrar->port, request,
                                                            strlen (request), 10000);
      g_autoptr(JsonParser) parser = NULL;
      gsize length = 0;
      const char *text;

      if (response->status == 0)
        break;  /* killed */
      if (response->status != 201)
        {
          registrar->unexpected++;
          break;
        }
      parser = json_parser_new ();
      text = g_bytes_get_data (response->body, &length);
      g_assert_true (json_parser_load_from_data (parser, text, length, NULL));
      g_ptr_array_add (registrar->registered,
                       g_strdup (json_object_get_string_member (
                                   json_node_get_object (json_parser_get_root (parser)),
                                   "client_id")));
    }
  return NULL;
}

/* Rows of @sql ("... WHERE x = ?") with @value bound. */
static guint
count_rows (GhStore    *store,
            const char *sql,
            const char *value)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStmt) stmt = gh_store_prepare (store, sql, &error);
  gboolean row = FALSE;

  g_assert_no_error (error);
  gh_stmt_bind_text (stmt, 1, value);
  g_assert_true (gh_store_step (store, stmt, &row, &error));
  g_assert_no_error (error);
  g_assert_true (row);
  return (guint) sqlite3_column_int (stmt, 0);
}

/* Six threads register clients (open DCR) as fast as they can; the server gets SIGKILL in
 * the middle. After a restart on the same data directory every client a 201 answered exists,
 * and so does its oauth_client.registered event: the answer comes after the commit of both. */
static void
test_kill_during_registrations (Fixture       *fixture,
                                gconstpointer  data)
{
  const char *binary = gh_test_server_binary ();
  GhTestProcess *server = NULL;
  Registrar registrars[REGISTRARS] = { 0 };
  GThread *threads[REGISTRARS];
  GPtrArray *lists[REGISTRARS];
  g_autoptr(GhStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  gint stop = 0;
  guint registered = 0;

  g_assert_cmpint (GH_TEST_CLI (binary, fixture->dir, NULL, "project", "set", "default",
                                "dcr_mode=open", "dcr_rate_limit=100000"), ==, 0);
  server = gh_test_process_start (binary, fixture->dir, "killed");
  for (guint i = 0; i < REGISTRARS; i++)
    {
      registrars[i].port = server->port;
      registrars[i].registered = g_ptr_array_new_with_free_func (g_free);
      registrars[i].stop = &stop;
    }
  for (guint i = 0; i < REGISTRARS; i++)
    threads[i] = g_thread_new ("registrar", registrar_run, &registrars[i]);

  /* Killed in full flight: after 60 registrations or 1.5 s, whichever comes first. */
  for (guint i = 0; i < REGISTRARS; i++)
    lists[i] = registrars[i].registered;
  kill_in_flight (server, lists, threads, REGISTRARS, 60, &stop);

  server = gh_test_process_start (binary, fixture->dir, "restarted");
  store = gh_store_open (fixture->dir, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < REGISTRARS; i++)
    {
      GPtrArray *ids = registrars[i].registered;

      g_assert_cmpuint (registrars[i].unexpected, ==, 0);
      registered += ids->len;
      for (guint j = 0; j < ids->len; j++)
        {
          const char *client_id = g_ptr_array_index (ids, j);

          g_assert_cmpuint (count_rows (store, "SELECT count(*) FROM clients WHERE "
                                        "client_id = ?", client_id), ==, 1);
          g_assert_cmpuint (count_rows (store, "SELECT count(*) FROM audit_events WHERE "
                                        "type = 'oauth_client.registered' AND client_id = ?",
                                        client_id), ==, 1);
        }
    }
  g_test_message ("%u registrations answered 201 before kill -9", registered);
  g_assert_cmpuint (registered, >=, REGISTRARS);

  /* ... and the restarted server's CLI knows them */
  for (guint i = 0; i < REGISTRARS; i++)
    if (registrars[i].registered->len > 0)
      {
        g_assert_cmpint (GH_TEST_CLI (binary, fixture->dir, &out, "client", "show",
                                      (const char *) g_ptr_array_index (
                                        registrars[i].registered, 0)), ==, 0);
        break;
      }
  gh_test_process_stop_clean (server);
  for (guint i = 0; i < REGISTRARS; i++)
    g_ptr_array_unref (registrars[i].registered);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/server/processes/two-servers-single-use", test_two_servers_single_use);
  ADD ("/server/processes/kill-during-refreshes", test_kill_during_refreshes);
  ADD ("/server/processes/kill-during-registrations", test_kill_during_registrations);

  return g_test_run ();
}
