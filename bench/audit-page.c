/* audit-page.c — how long one page of audit events takes at any depth of a large log
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Not a test: a report for people. It fills a store in a temporary directory with --rows
 * events (1 000 000 by default) over three projects, seven types and three outcomes, then
 * times gh_audit_query() for a page of 50 with several filters at several depths (the page
 * before the event that many rows below the newest) and prints the median and the worst of
 * --runs runs in milliseconds. The admin API's goal: under 5 ms at any depth.
 *
 * Then (unless --no-export) it moves every event into the default project, runs a GhServer
 * on that data directory in a thread of its own, and times real /token requests (refresh
 * grants, one after the other, each with the token the previous answer returned) without
 * and then during GET /admin/v1/projects/default/audit/export of all of them, read as fast
 * as a client can: the ratio of the two says whether an export stalls OAuth traffic. The two
 * series run in the same process on the same machine, one right after the other.
 *
 *   ninja -C build bench/audit-page && build/bench/audit-page [--rows N] [--runs N]
 *                                                  [--token-requests N] [--no-export]
 */

#define G_LOG_DOMAIN "gatehouse-bench"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "gh-admin-tokens.h"
#include "gh-audit-query.h"
#include "gh-base64url.h"
#include "gh-client.h"
#include "gh-crypto.h"
#include "gh-server.h"

#define REDIRECT_URI "http://127.0.0.1:9/cb"
#define VERIFIER "audit-page-bench-verifier-0123456789-0123456789-0123456789"

static const char * const types[] = {
  "token.issued", "token.refreshed", "token.refused", "authorization.refused",
  "authorization.code_issued", "oauth_client.registered", "iat.used",
};
static const char * const outcomes[] = { "success", "failure", "info" };

static gboolean
fill (GhStore  *store,
      gint64    rows,
      GError  **error)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);
  gint64 now = g_get_real_time () - rows * 1000;

  if (!gh_store_exec (store,
                      "INSERT INTO projects (slug, display_name, profile, created_at) VALUES "
                      "('a', 'A', 'development', 0), ('b', 'B', 'development', 0), "
                      "('c', 'C', 'development', 0)", error) ||
      !gh_store_begin (store, error))
    return FALSE;
  for (gint64 i = 0; i < rows; i++)
    {
      g_autoptr(GhStmt) stmt = NULL;
      g_autofree char *client = g_strdup_printf ("client-%d", g_rand_int_range (rand, 0, 40));
      g_autofree char *user = g_strdup_printf ("user-%d", g_rand_int_range (rand, 0, 10));
      g_autofree char *flow = g_strdup_printf ("flow-%" G_GINT64_FORMAT, i / 6);
      g_autofree char *source = g_strdup_printf ("10.0.%d.%d", g_rand_int_range (rand, 0, 4),
                                                 g_rand_int_range (rand, 1, 250));
      g_autofree char *details = g_strdup_printf ("{\"n\":%" G_GINT64_FORMAT ",\"scope\":"
                                                  "\"mcp:tools\"}", i);

      stmt = gh_store_prepare (store,
                               "INSERT INTO audit_events (time, project_id, project_slug, "
                               "type, outcome, actor, client_id, user_id, flow_id, source, "
                               "user_agent, details) VALUES (?, ?, 'x', ?, ?, 'server', ?, ?, "
                               "?, ?, 'bench/1', ?)", error);
      if (stmt == NULL)
        return FALSE;
      gh_stmt_bind_int64 (stmt, 1, now + i * 1000);
      gh_stmt_bind_int64 (stmt, 2, g_rand_int_range (rand, 1, 4));
      gh_stmt_bind_text (stmt, 3, types[g_rand_int_range (rand, 0, G_N_ELEMENTS (types))]);
      gh_stmt_bind_text (stmt, 4,
                         outcomes[g_rand_int_range (rand, 0, G_N_ELEMENTS (outcomes))]);
      gh_stmt_bind_text (stmt, 5, client);
      gh_stmt_bind_text (stmt, 6, user);
      gh_stmt_bind_text (stmt, 7, flow);
      gh_stmt_bind_text (stmt, 8, source);
      gh_stmt_bind_text (stmt, 9, details);
      if (!gh_store_step (store, stmt, NULL, error))
        return FALSE;
    }
  return gh_store_commit (store, error);
}

/* ---- /token during an export ------------------------------------------------------------ */

/* The server, in a thread with a main context of its own; the bench is its client. */
typedef struct
{
  char *dir;
  GMutex lock;
  GCond cond;
  guint16 port;          /* set when it listens */
  char *admin_token;
  char *error;           /* why it could not start */
  GMainLoop *loop;
} Served;

static gboolean
prepare_server (GhServer  *server,
                Served    *served,
                GError   **error)
{
  g_autoptr(GhProject) project = NULL;
  g_autoptr(JsonObject) patch = json_object_new ();
  g_autoptr(JsonObject) metadata = NULL;
  g_autoptr(JsonObject) validated = NULL;
  g_autoptr(GhClient) client = NULL;
  g_autoptr(GhAdminToken) token = NULL;
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  GhStore *store = gh_server_get_store (server);
  gint64 started = g_get_monotonic_time ();

  /* Every event in the project the export reads; no pruning while the bench adds more */
  if (!gh_store_exec (store, "UPDATE audit_events SET project_id = (SELECT id FROM projects "
                      "WHERE slug = 'default'), project_slug = 'default'", error))
    return FALSE;
  g_print ("\nEvery event moved into the default project in %.1f s\n",
           (g_get_monotonic_time () - started) / 1e6);
  gh_audit_set_retention (gh_server_get_audit (server), 0, 0);
  gh_audit_set_refusal_limit (gh_server_get_audit (server), 0);

  json_object_set_string_member (patch, "auto_approve_user", "dev");
  changes = gh_projects_update_settings (gh_server_get_projects (server), "default", patch,
                                         "bench", error);
  if (changes == NULL)
    return FALSE;
  project = gh_projects_get (gh_server_get_projects (server), "default", error);
  if (project == NULL ||
      !json_parser_load_from_data (parser, "{\"redirect_uris\": [\"" REDIRECT_URI "\"], "
                                   "\"token_endpoint_auth_method\": \"none\", \"grant_types\": "
                                   "[\"authorization_code\", \"refresh_token\"]}", -1, error))
    return FALSE;
  metadata = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
  validated = gh_client_metadata_validate (metadata, project->settings, "none", error);
  if (validated == NULL)
    return FALSE;
  client = gh_clients_create (gh_server_get_clients (server), project, "bench",
                              GH_CLIENT_SOURCE_ADMIN, validated, NULL, "bench", error);
  if (client == NULL)
    return FALSE;
  token = gh_admin_tokens_create (gh_server_get_admin_tokens (server), "bench", 0, "bench",
                                  &served->admin_token, error);
  return token != NULL;
}

static gpointer
server_thread (gpointer data)
{
  Served *served = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GhServer) server = NULL;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (context);
  server = gh_server_new (served->dir, GH_SECRET_BACKEND_FILE, GH_SETTINGS_PROFILE_DEVELOPMENT,
                          &error);
  if (server == NULL || !prepare_server (server, served, &error) ||
      !gh_server_listen (server, "127.0.0.1:0", NULL, &error))
    {
      g_mutex_lock (&served->lock);
      served->error = g_strdup (error->message);
      g_cond_signal (&served->cond);
      g_mutex_unlock (&served->lock);
      g_main_context_pop_thread_default (context);
      return NULL;
    }
  served->loop = g_main_loop_new (context, FALSE);
  g_mutex_lock (&served->lock);
  served->port = gh_server_get_port (server);
  g_cond_signal (&served->cond);
  g_mutex_unlock (&served->lock);
  g_main_loop_run (served->loop);
  gh_server_stop (server);
  g_main_context_pop_thread_default (context);
  return NULL;
}

/* One request on a fresh connection (Connection: close), blocking: its status, and its
 * body in @out_body; without @out_body, only the rows (lines ending a JSON object) and the
 * bytes of a long answer are counted. */
static guint
http (guint16      port,
      const char  *request,
      char       **out_body,
      guint64     *out_rows,
      guint64     *out_bytes)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GString) head = g_string_new (NULL);
  GInputStream *input;
  guint status = 0;
  guint64 rows = 0, bytes = 0;
  char previous = 0;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
  if (connection == NULL ||
      !g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                  request, strlen (request), NULL, NULL, NULL))
    return 0;
  input = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  for (;;)
    {
      char buffer[65536];
      gssize n = g_input_stream_read (input, buffer, sizeof buffer, NULL, NULL);

      if (n <= 0)
        break;
      bytes += n;
      if (out_body != NULL)
        g_string_append_len (head, buffer, n);
      else
        {
          if (head->len < 16)
            g_string_append_len (head, buffer, MIN (n, 16));
          for (gssize i = 0; i < n; i++)
            {
              rows += buffer[i] == '\n' && previous == '}';
              previous = buffer[i];
            }
        }
    }
  if (g_str_has_prefix (head->str, "HTTP/1.1 "))
    status = (guint) g_ascii_strtoull (head->str + 9, NULL, 10);
  if (out_body != NULL)
    {
      const char *body = strstr (head->str, "\r\n\r\n");
      *out_body = g_strdup (body != NULL ? body + 4 : "");
    }
  if (out_rows != NULL)
    *out_rows = rows;
  if (out_bytes != NULL)
    *out_bytes = bytes;
  return status;
}

static char *
post_token (guint16     port,
            const char *form,
            guint      *status)
{
  g_autofree char *request = g_strdup_printf ("POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                              "Content-Type: application/x-www-form-urlencoded"
                                              "\r\nContent-Length: %zu\r\nConnection: close"
                                              "\r\n\r\n%s", strlen (form), form);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *body = NULL;
  JsonNode *root;

  *status = http (port, request, &body, NULL, NULL);
  if (*status != 200 || !json_parser_load_from_data (parser, body, -1, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return g_strdup (json_object_get_string_member_with_default (json_node_get_object (root),
                                                               "refresh_token", NULL));
}

/* The first refresh token: /authorize (the dev user signs in and consents by redirect), then
 * the code at /token. */
static char *
first_refresh_token (guint16 port)
{
  guint8 digest[32];
  g_autofree char *challenge = NULL;
  g_autofree char *request = NULL;
  g_autofree char *body = NULL;
  g_autofree char *form = NULL;
  g_autofree char *head_request = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autofree char *code = NULL;
  char *line;
  guint status;

  gh_sha256 (VERIFIER, strlen (VERIFIER), digest);
  challenge = gh_base64url_encode (digest, sizeof digest);
  request = g_strdup_printf ("GET /authorize?response_type=code&client_id=bench&redirect_uri="
                             "http%%3A%%2F%%2F127.0.0.1%%3A9%%2Fcb&code_challenge=%s&"
                             "code_challenge_method=S256&state=s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             "Connection: close\r\n\r\n", challenge);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);
  if (connection == NULL ||
      !g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                  request, strlen (request), NULL, NULL, NULL))
    return NULL;
  lines = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  while (code == NULL &&
         (line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, NULL)) != NULL)
    {
      const char *found = g_ascii_strncasecmp (line, "Location:", 9) == 0 ?
                          strstr (line, "code=") : NULL;

      if (found != NULL)
        code = g_strndup (found + 5, strcspn (found + 5, "&\r"));
      g_free (line);
    }
  if (code == NULL)
    return NULL;
  form = g_strdup_printf ("grant_type=authorization_code&client_id=bench&code=%s&"
                          "code_verifier=%s&redirect_uri=http%%3A%%2F%%2F127.0.0.1%%3A9%%2Fcb",
                          code, VERIFIER);
  return post_token (port, form, &status);
}

typedef struct
{
  guint16 port;
  const char *admin_token;
  gint done;          /* atomic */
  guint status;
  guint64 rows;
  guint64 bytes;
  gint64 seconds_us;
} Export;

static gpointer
export_thread (gpointer data)
{
  Export *export = data;
  g_autofree char *request = g_strdup_printf ("GET /admin/v1/projects/default/audit/export "
                                              "HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
                                              "Bearer %s\r\nConnection: close\r\n\r\n",
                                              export->admin_token);
  gint64 started = g_get_monotonic_time ();

  export->status = http (export->port, request, NULL, &export->rows, &export->bytes);
  export->seconds_us = g_get_monotonic_time () - started;
  g_atomic_int_set (&export->done, 1);
  return NULL;
}

/* Refresh grants, one after the other, until @n or (with @export) its end; their times, µs. */
static GArray *
time_refreshes (guint16   port,
                char    **refresh_token,
                guint     n,
                Export   *export)
{
  GArray *times = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *escaped = g_uri_escape_string (*refresh_token, NULL, FALSE);
      g_autofree char *form = g_strdup_printf ("grant_type=refresh_token&client_id=bench&"
                                               "refresh_token=%s", escaped);
      gint64 started;
      char *next;
      guint status;
      gint64 took;

      if (export != NULL && g_atomic_int_get (&export->done))
        break;
      started = g_get_monotonic_time ();
      next = post_token (port, form, &status);
      took = g_get_monotonic_time () - started;
      if (next == NULL)
        {
          g_printerr ("A refresh grant failed (HTTP %u)\n", status);
          break;
        }
      g_free (*refresh_token);
      *refresh_token = next;
      g_array_append_val (times, took);
    }
  return times;
}

static double
percentile (GArray *times,
            double  p)
{
  if (times->len == 0)
    return 0;
  return g_array_index (times, gint64, MIN (times->len - 1, (guint) (p * times->len))) / 1e3;
}

static int compare_times (gconstpointer a, gconstpointer b);

/* The data directory and what the server and the store left in it. */
static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
print_times (const char *name,
             GArray     *times)
{
  g_array_sort (times, compare_times);
  g_print ("  %-30s %5u   %6.2f   %6.2f   %6.2f   %6.2f\n", name, times->len,
           percentile (times, 0.5), percentile (times, 0.95), percentile (times, 0.99),
           percentile (times, 1.0));
}

static int
run_token_phase (const char *dir,
                 guint       requests)
{
  Served served = { .dir = (char *) dir };
  Export export = { 0 };
  g_autofree char *refresh_token = NULL;
  g_autoptr(GArray) before = NULL;
  g_autoptr(GArray) during = NULL;
  g_autoptr(GArray) after = NULL;
  GThread *server, *exporter;
  int status = 0;

  g_mutex_init (&served.lock);
  g_cond_init (&served.cond);
  server = g_thread_new ("server", server_thread, &served);
  g_mutex_lock (&served.lock);
  while (served.port == 0 && served.error == NULL)
    g_cond_wait (&served.cond, &served.lock);
  g_mutex_unlock (&served.lock);
  if (served.error != NULL)
    {
      g_printerr ("The server did not start: %s\n", served.error);
      g_thread_join (server);
      return 1;
    }

  refresh_token = first_refresh_token (served.port);
  if (refresh_token == NULL)
    {
      g_printerr ("No refresh token: the flow did not go as planned\n");
      status = 1;
      goto out;
    }
  /* Warm-up, unmeasured */
  g_array_unref (time_refreshes (served.port, &refresh_token, 20, NULL));
  before = time_refreshes (served.port, &refresh_token, requests, NULL);

  export.port = served.port;
  export.admin_token = served.admin_token;
  exporter = g_thread_new ("export", export_thread, &export);
  /* The export's first page is on its way before the first measured grant */
  g_usleep (100 * 1000);
  during = time_refreshes (served.port, &refresh_token, requests, &export);
  g_thread_join (exporter);
  after = time_refreshes (served.port, &refresh_token, requests, NULL);

  g_print ("\n/token latency, refresh grants one after the other (synchronous=FULL commits), "
           "ms\n");
  g_print ("  %-30s %5s   %6s   %6s   %6s   %6s\n", "", "n", "median", "p95", "p99", "max");
  print_times ("without an export", before);
  print_times ("during the export", during);
  print_times ("after it (without)", after);
  g_print ("  ratio during / without: median %.2fx, p95 %.2fx, p99 %.2fx\n",
           percentile (during, 0.5) / percentile (before, 0.5),
           percentile (during, 0.95) / percentile (before, 0.95),
           percentile (during, 0.99) / percentile (before, 0.99));
  g_print ("  the export: HTTP %u, %" G_GUINT64_FORMAT " rows, %.1f MB in %.1f s "
           "(%.0f rows/s)%s\n", export.status, export.rows, export.bytes / 1e6,
           export.seconds_us / 1e6, export.rows / (export.seconds_us / 1e6),
           during->len < requests ? "; it ended before the last grant" :
                                    "; still running after the last grant");
  if (export.status != 200)
    status = 1;

out:
  g_main_loop_quit (served.loop);
  g_thread_join (server);
  g_main_loop_unref (served.loop);
  g_free (served.admin_token);
  g_mutex_clear (&served.lock);
  g_cond_clear (&served.cond);
  return status;
}

static int
compare_times (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

typedef struct
{
  const char   *name;
  GhAuditQuery  query;
} Filter;

/* One row a filter, one column a depth: a page of 50 before the event that many rows below the
 * newest, or (@by_offset) a page of 200 that many rows below the newest by its offset. */
static gboolean
print_table (GhStore      *store,
             const Filter *filters,
             guint         n_filters,
             const gint64 *depths,
             guint         n_depths,
             gint64        rows,
             int           runs,
             gboolean      by_offset)
{
  g_autoptr(GError) error = NULL;

  g_print ("%-24s", "filter \\ depth");
  for (guint d = 0; d < n_depths; d++)
    if (depths[d] < rows)
      g_print (" %15" G_GINT64_FORMAT, depths[d]);
  g_print ("\n");
  for (guint f = 0; f < n_filters; f++)
    {
      g_print ("%-24s", filters[f].name);
      for (guint d = 0; d < n_depths; d++)
        {
          g_autofree gint64 *times = g_new (gint64, runs);
          GhAuditQuery query = filters[f].query;

          if (depths[d] >= rows)
            continue;
          if (by_offset)
            {
              query.before = rows + 1;
              query.offset = (guint) depths[d];
              query.limit = GH_AUDIT_QUERY_MAX_LIMIT;
            }
          else
            query.before = depths[d] > 0 ? rows + 1 - depths[d] : 0;
          for (int r = 0; r < runs; r++)
            {
              g_autoptr(GhAuditPage) page = NULL;
              gint64 t = g_get_monotonic_time ();

              page = gh_audit_query (store, &query, NULL, &error);
              times[r] = g_get_monotonic_time () - t;
              if (page == NULL)
                {
                  g_printerr ("\n%s\n", error->message);
                  return FALSE;
                }
            }
          qsort (times, runs, sizeof (gint64), compare_times);
          g_print ("   %5.2f / %5.2f", times[runs / 2] / 1e3, times[runs - 1] / 1e3);
        }
      g_print ("\n");
    }
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  gint64 rows = 1000000;
  int runs = 21;
  int token_requests = 300;
  gboolean no_export = FALSE;
  int status = 0;
  GOptionEntry entries[] = {
    { "rows", 0, 0, G_OPTION_ARG_INT64, &rows, "Events in the log", "N" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Runs per measurement", "N" },
    { "token-requests", 0, 0, G_OPTION_ARG_INT, &token_requests,
      "Refresh grants timed without, during and after the export", "N" },
    { "no-export", 0, 0, G_OPTION_ARG_NONE, &no_export,
      "Only the page timings: no server, no export", NULL },
    { NULL },
  };
  g_autoptr(GOptionContext) options = g_option_context_new ("— audit page timings");
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStore) store = NULL;
  g_autofree char *dir = NULL;
  gint64 started;
  const gint64 depths[] = { 0, 1000, 10000, 100000, 500000, 900000, 999000 };
  const Filter filters[] = {
    { "all projects", { 0 } },
    { "project", { .project_id = 2 } },
    { "project, type", { .project_id = 2, .type = "token.refused" } },
    { "project, type prefix", { .project_id = 2, .type_prefix = "token." } },
    { "project, outcome", { .project_id = 2, .outcome = "failure" } },
    { "project, client", { .project_id = 2, .client_id = "client-7" } },
    { "project, user", { .project_id = 2, .user_id = "user-3" } },
    { "project, source", { .project_id = 2, .source = "10.0.1.17" } },
    { "project, type, outcome", { .project_id = 2, .type = "token.issued",
                                  .outcome = "success" } },
  };

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) || rows < 1 || runs < 1 ||
      token_requests < 1)
    {
      g_printerr ("%s\n", error != NULL ? error->message
                                        : "--rows, --runs and --token-requests are positive");
      return 2;
    }

  dir = g_dir_make_tmp ("gatehouse-audit-page-XXXXXX", &error);
  if (dir == NULL || (store = gh_store_open (dir, &error)) == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  started = g_get_monotonic_time ();
  if (!fill (store, rows, &error))
    {
      g_printerr ("Cannot fill the store: %s\n", error->message);
      return 1;
    }
  g_print ("%" G_GINT64_FORMAT " events written in %.1f s; a page of 50, median / worst of "
           "%d runs, ms\n\n", rows, (g_get_monotonic_time () - started) / 1e6, runs);

  if (!print_table (store, filters, G_N_ELEMENTS (filters), depths, G_N_ELEMENTS (depths),
                    rows, runs, FALSE))
    return 1;
  g_print ("\nA page of 200 by position (before the newest + 1, offset = depth), median / "
           "worst of %d runs, ms\n\n", MIN (runs, 5));
  if (!print_table (store, filters, G_N_ELEMENTS (filters), depths, G_N_ELEMENTS (depths),
                    rows, MIN (runs, 5), TRUE))
    return 1;

  g_clear_object (&store);
  if (!no_export)
    status = run_token_phase (dir, (guint) token_requests);
  remove_tree (dir);
  return status;
}
