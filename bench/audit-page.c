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
 *   ninja -C build bench/audit-page && build/bench/audit-page [--rows N] [--runs N]
 */

#define G_LOG_DOMAIN "gatehouse-bench"

#include "config.h"

#include <glib/gstdio.h>

#include "gh-audit-query.h"

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

static int
compare_times (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

int
main (int   argc,
      char *argv[])
{
  gint64 rows = 1000000;
  int runs = 21;
  GOptionEntry entries[] = {
    { "rows", 0, 0, G_OPTION_ARG_INT64, &rows, "Events in the log", "N" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Runs per measurement", "N" },
    { NULL },
  };
  g_autoptr(GOptionContext) options = g_option_context_new ("— audit page timings");
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStore) store = NULL;
  g_autofree char *dir = NULL;
  gint64 started;
  const gint64 depths[] = { 0, 1000, 10000, 100000, 500000, 900000, 999000 };
  const struct { const char *name; GhAuditQuery query; } filters[] = {
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
  if (!g_option_context_parse (options, &argc, &argv, &error) || rows < 1 || runs < 1)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "--rows and --runs are positive");
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

  g_print ("%-24s", "filter \\ depth");
  for (guint d = 0; d < G_N_ELEMENTS (depths); d++)
    if (depths[d] < rows)
      g_print (" %15" G_GINT64_FORMAT, depths[d]);
  g_print ("\n");
  for (guint f = 0; f < G_N_ELEMENTS (filters); f++)
    {
      g_print ("%-24s", filters[f].name);
      for (guint d = 0; d < G_N_ELEMENTS (depths); d++)
        {
          g_autofree gint64 *times = g_new (gint64, runs);
          GhAuditQuery query = filters[f].query;

          if (depths[d] >= rows)
            continue;
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
                  return 1;
                }
            }
          qsort (times, runs, sizeof (gint64), compare_times);
          g_print ("   %5.2f / %5.2f", times[runs / 2] / 1e3, times[runs - 1] / 1e3);
        }
      g_print ("\n");
    }

  g_clear_object (&store);
  {
    g_autofree char *path = g_build_filename (dir, "gatehouse.db", NULL);
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);

    g_unlink (path);
    g_unlink (wal);
    g_unlink (shm);
  }
  g_rmdir (dir);
  return 0;
}
