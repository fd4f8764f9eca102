/* console.c — the console's speed: cold start, 1 million audit events, 1 000 live events/s
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Not a test: a report for people, run by bench/console.sh (which builds, runs each part in a
 * process of its own under xvfb-run and dbus-run-session, and prints one table). Each part
 * measures the console and a peer built here with the bare toolkit, the same way, and prints
 * one "BENCH ..." line of key=value figures per side for the script to read.
 *
 *   console-bench renderer
 *       which renderer the app chooses on this display (gh_renderer_choose()): cairo when
 *       OpenGL is a software rasterizer, else GTK's default
 *   console-bench cold-start --app PATH --peer PATH [--peer-renderer NAME] [--runs N]
 *       [--app-arg ARG]...
 *       exec to the first frame painted, N runs after an unmeasured one
 *   console-bench fill --dir DIR --rows N
 *       a data folder (made with the CLI, $GATEHOUSE_SERVER) with N more audit events in the
 *       default project, written with SQLite while no server runs
 *   console-bench scroll --side app|peer [--dir DIR] [--rows N] [--max-seconds S]
 *       app: gatehouse-server on DIR and the real window on its Audit page; peer: a
 *       GtkColumnView over a GtkStringList of N rows; both scrolled top to bottom alike
 *   console-bench live --side app|peer [--rate R] [--seconds S] [--pages a,b] [--flow-every N]
 *       R requests per second (one audit event each: introspections, and every Nth, 10 by
 *       default, an /authorize that starts a new flow and waits at login) to a fresh
 *       gatehouse-server while the window shows each page for S seconds; peer: a GtkListView
 *       appending one row per event of the same stream (--side peer-columns: a GtkColumnView
 *       of seven columns adding each at the top, as the Audit page does; peer-columns-batched:
 *       the same adding a frame's rows at once and keeping its top in view, following)
 */

#define G_LOG_DOMAIN "gatehouse-bench"

#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <adwaita.h>
#include <sqlite3.h>

#include "gh-admin-client.h"
#include "gh-audit-model.h"
#include "gh-audit-page.h"
#include "gh-connection.h"
#include "gh-renderer.h"
#include "gh-test-process.h"
#include "gh-window.h"

#define WIDTH 1280
#define HEIGHT 800
#define BUDGET_USEC (60 * G_USEC_PER_SEC)  /* for any one wait */

/* ---- small things ------------------------------------------------------------------------ */

static gint64
now_usec (void)
{
  return g_get_monotonic_time ();
}

/* The process's resident memory in MiB (VmRSS). */
static double
rss_mib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return 0;
  line = strstr (status, "VmRSS:");
  return line != NULL ? g_ascii_strtod (line + 6, NULL) / 1024.0 : 0;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* The @q quantile (nearest rank) of @values; 0 when empty. */
static double
quantile (GArray *values,
          double  q)
{
  g_autoptr(GArray) sorted = NULL;
  guint rank;

  if (values->len == 0)
    return 0;
  sorted = g_array_copy (values);
  g_array_sort (sorted, compare_doubles);
  rank = (guint) ceil (q * sorted->len);
  return g_array_index (sorted, double, CLAMP (rank, 1, sorted->len) - 1);
}

static guint
count_over (GArray *values,
            double  limit)
{
  guint n = 0;

  for (guint i = 0; i < values->len; i++)
    n += g_array_index (values, double, i) > limit;
  return n;
}

/* What the bench does now, on standard error (the script shows it while waiting). */
static void
step (const char *format,
      ...) G_GNUC_PRINTF (1, 2);

static void
step (const char *format,
      ...)
{
  va_list args;
  g_autofree char *text = NULL;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("console-bench: %s\n", text);
}

static gboolean
wake_up_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the default main context until @done (@data) or @budget; returns @done (@data). */
static gboolean
run_until (gboolean (*done) (gpointer data),
           gpointer   data,
           gint64     budget)
{
  gint64 end = now_usec () + budget;
  guint wake_up = g_timeout_add (10, wake_up_cb, NULL);

  while (!done (data) && now_usec () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake_up);
  return done (data);
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

static void
run_for (gint64 usec)
{
  run_until (never, NULL, usec);
}

static GtkWidget *
find_named (GtkWidget  *root,
            const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_named (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* ---- frames ------------------------------------------------------------------------------ */

/* Every frame of a window's frame clock: the interval from the start of the previous frame to
 * the start of this one (what an animation shows: a long one is a dropped frame, whatever held
 * the main loop) and the frame's own work (before-paint to after-paint: layout, snapshot,
 * render). A tick callback keeps the clock running at the display's rate throughout. */
typedef struct
{
  GdkFrameClock *clock;
  GArray        *intervals;  /* ms */
  GArray        *work;       /* ms */
  gint64         started;    /* this frame's before-paint */
  gint64         previous;   /* the previous frame's */
  gint64         origin;     /* when the recording started */
  GString       *long_ones;  /* "at:interval/work," of each frame over 33 ms */
  double         last_interval;
  gboolean       recording;
} Frames;

static void
before_paint_cb (GdkFrameClock *clock,
                 Frames        *frames)
{
  gint64 t = now_usec ();

  if (frames->recording && frames->previous != 0)
    {
      double interval = (t - frames->previous) / 1000.0;

      g_array_append_val (frames->intervals, interval);
      frames->last_interval = interval;
    }
  else
    frames->last_interval = 0;
  frames->previous = t;
  frames->started = t;
}

static void
after_paint_cb (GdkFrameClock *clock,
                Frames        *frames)
{
  if (frames->recording && frames->started != 0)
    {
      double work = (now_usec () - frames->started) / 1000.0;

      g_array_append_val (frames->work, work);
      /* When the long ones came, and whether the frame's own work made them */
      if (frames->last_interval > 33.4 || work > 33.4)
        g_string_append_printf (frames->long_ones, "%s%.2f:%.0f/%.0f",
                                frames->long_ones->len > 0 ? "," : "",
                                (frames->started - frames->origin) / 1e6,
                                frames->last_interval, work);
    }
}

/* CPU seconds this process's threads named @prefix (the main one for NULL) have run: Mesa's
 * llvmpipe threads draw the frames under Xvfb. Unlike the intervals, not stretched by other
 * programs on the same cores. */
static double
threads_cpu (const char *prefix)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *name;
  double total = 0;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *commf = g_strdup_printf ("/proc/self/task/%s/comm", name);
      g_autofree char *statf = g_strdup_printf ("/proc/self/task/%s/schedstat", name);
      g_autofree char *comm = NULL, *stat = NULL;

      if (!g_file_get_contents (commf, &comm, NULL, NULL) ||
          !g_file_get_contents (statf, &stat, NULL, NULL))
        continue;
      if (prefix == NULL ? (guint64) g_ascii_strtoull (name, NULL, 10) == (guint64) getpid ()
                         : g_str_has_prefix (comm, prefix))
        total += g_ascii_strtod (stat, NULL) / 1e9;
    }
  return total;
}

static void
frames_attach (Frames    *frames,
               GtkWidget *widget)
{
  frames->clock = g_object_ref (gtk_widget_get_frame_clock (widget));
  frames->intervals = g_array_new (FALSE, FALSE, sizeof (double));
  frames->work = g_array_new (FALSE, FALSE, sizeof (double));
  frames->long_ones = g_string_new (NULL);
  g_signal_connect (frames->clock, "before-paint", G_CALLBACK (before_paint_cb), frames);
  g_signal_connect (frames->clock, "after-paint", G_CALLBACK (after_paint_cb), frames);
}

static void
frames_start (Frames *frames)
{
  g_array_set_size (frames->intervals, 0);
  g_array_set_size (frames->work, 0);
  g_string_truncate (frames->long_ones, 0);
  frames->origin = now_usec ();
  frames->previous = 0;
  frames->recording = TRUE;
}

static void
frames_detach (Frames *frames)
{
  g_signal_handlers_disconnect_by_data (frames->clock, frames);
  g_clear_object (&frames->clock);
  g_clear_pointer (&frames->intervals, g_array_unref);
  g_clear_pointer (&frames->work, g_array_unref);
  if (frames->long_ones != NULL)
    g_string_free (frames->long_ones, TRUE);
  frames->long_ones = NULL;
}

/* " frames=N interval_p50=… interval_p99=… interval_max=… over_25=… over_33=… over_50=…
 * work_p99=… work_max=… work_over_16=…" */
static void
frames_print (Frames  *frames,
              GString *out)
{
  g_string_append_printf (out,
                          " frames=%u interval_p50=%.1f interval_p99=%.1f interval_max=%.1f"
                          " over_25=%u over_33=%u over_50=%u"
                          " work_p50=%.1f work_p99=%.1f work_max=%.1f work_over_16=%u",
                          frames->intervals->len, quantile (frames->intervals, 0.5),
                          quantile (frames->intervals, 0.99), quantile (frames->intervals, 1),
                          count_over (frames->intervals, 25), count_over (frames->intervals, 33.4),
                          count_over (frames->intervals, 50), quantile (frames->work, 0.5),
                          quantile (frames->work, 0.99), quantile (frames->work, 1),
                          count_over (frames->work, 16.7));
  /* The frames over 33 ms: seconds into the measurement, interval/work in ms */
  g_string_append_printf (out, " long=%s", frames->long_ones->len > 0 ? frames->long_ones->str
                                                                     : "-");
}

static gboolean
keep_ticking_cb (GtkWidget     *widget,
                 GdkFrameClock *clock,
                 gpointer       data)
{
  return G_SOURCE_CONTINUE;
}

/* ---- the real window on a gatehouse-server ----------------------------------------------- */

typedef struct
{
  char          *dir;
  char          *token;
  GhTestProcess *server;
  GhConnection  *connection;
  GhWindow      *window;
} Console;

static char *
create_admin_token (const char *dir)
{
  g_autofree char *out = NULL;

  if (GH_TEST_CLI (gh_test_server_binary (), dir, &out, "admin-token", "create", "--label",
                   "console bench") != 0)
    g_error ("gatehouse-server admin-token create failed on %s", dir);
  return g_strdup (g_strstrip (out));
}

static gboolean
window_ready (gpointer data)
{
  Console *console = data;

  /* Every page built and loaded (the window builds the hidden ones one a frame after the
   * first): what is measured next is the page, not the window's start */
  return gtk_widget_get_mapped (GTK_WIDGET (console->window)) &&
         gh_window_get_all_settled (console->window);
}

static void
console_open (Console    *console,
              const char *dir)
{
  step ("starting gatehouse-server on %s and the window", dir);
  console->dir = g_strdup (dir);
  console->token = create_admin_token (dir);
  console->server = gh_test_process_start (gh_test_server_binary (), dir, "server");
  console->connection = gh_connection_new_remote (console->server->base, console->token);
  console->window = g_object_ref_sink (gh_window_new (NULL, console->connection));
  gtk_window_set_default_size (GTK_WINDOW (console->window), WIDTH, HEIGHT);
  gtk_window_present (GTK_WINDOW (console->window));
  if (!run_until (window_ready, console, BUDGET_USEC))
    g_error ("the console's window did not settle within a minute");
}

static gboolean
page_settled (gpointer data)
{
  return !gh_page_get_busy (GH_PAGE (data));
}

static GhPage *
console_show (Console    *console,
              const char *name)
{
  GhPage *page;

  step ("showing the page %s", name);
  if (!gh_window_show_page (console->window, name))
    g_error ("the window has no page “%s”", name);
  page = gh_window_get_page (console->window, name);
  if (!run_until (page_settled, page, BUDGET_USEC))
    g_error ("the page “%s” stayed busy for a minute", name);
  return page;
}

static void
console_close (Console *console)
{
  step ("closing the window and stopping the server");
  gtk_window_destroy (GTK_WINDOW (console->window));
  run_for (100 * 1000);
  g_clear_object (&console->window);
  g_clear_object (&console->connection);
  if (console->server != NULL)
    gh_test_process_stop (console->server, NULL);
  g_free (console->token);
  g_free (console->dir);
}

/* ---- cold start -------------------------------------------------------------------------- */

/* Exec of @argv to its "first-frame USEC" line, in ms; < 0 when it printed none. With
 * @renderer, GSK_RENDERER is set to it for the program. */
static double
first_frame_once (GPtrArray  *argv,
                  const char *renderer)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *line;
  gint64 started;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  if (renderer != NULL)
    g_subprocess_launcher_setenv (launcher, "GSK_RENDERER", renderer, TRUE);
  started = now_usec ();
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  if (process == NULL)
    g_error ("%s: %s", (char *) argv->pdata[0], error->message);
  if (!g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error))
    g_error ("%s: %s", (char *) argv->pdata[0], error->message);
  line = out != NULL ? strstr (out, "first-frame ") : NULL;
  if (line == NULL)
    {
      g_printerr ("%s printed no first frame; its output:\n%s%s", (char *) argv->pdata[0],
                  out ? out : "", err ? err : "");
      return -1;
    }
  return (g_ascii_strtoll (line + strlen ("first-frame "), NULL, 10) - started) / 1000.0;
}

static GPtrArray *
cold_start_argv (const char  *program,
                 const char  *data_dir,
                 char       **args)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (argv, g_strdup (program));
  if (data_dir != NULL)
    g_ptr_array_add (argv, g_strconcat ("--data-dir=", data_dir, NULL));
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  return argv;
}

static int
cold_start (const char  *app,
            const char  *peer,
            const char  *peer_renderer,
            char       **app_args,
            guint        runs)
{
  g_autofree char *tmp = g_dir_make_tmp ("gatehouse-cold-XXXXXX", NULL);
  g_autoptr(GArray) app_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) peer_ms = g_array_new (FALSE, FALSE, sizeof (double));
  guint failed = 0;

  g_setenv ("GATEHOUSE_FIRST_FRAME", "1", TRUE);
  /* Unmeasured: the disk cache warm for both. */
  for (guint i = 0; i <= runs; i++)
    {
      /* A fresh data folder each run: the embedded server starts from nothing. */
      g_autofree char *dir = g_strdup_printf ("%s/data-%u", tmp, i);
      g_autoptr(GPtrArray) app_argv = cold_start_argv (app, dir, app_args);
      g_autoptr(GPtrArray) peer_argv = cold_start_argv (peer, NULL, NULL);
      /* Alternate which goes first. */
      double a, p;

      if (i % 2 == 0)
        {
          a = first_frame_once (app_argv, NULL);
          p = first_frame_once (peer_argv, peer_renderer);
        }
      else
        {
          p = first_frame_once (peer_argv, peer_renderer);
          a = first_frame_once (app_argv, NULL);
        }
      if (a < 0 || p < 0)
        {
          failed++;
          continue;
        }
      if (i == 0)
        continue;
      g_array_append_val (app_ms, a);
      g_array_append_val (peer_ms, p);
    }
  {
    const char *argv[] = { "rm", "-rf", tmp, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                  NULL, NULL);
  }
  g_print ("BENCH cold-start side=app runs=%u failed=%u p50=%.1f p90=%.1f min=%.1f max=%.1f\n",
           app_ms->len, failed, quantile (app_ms, 0.5), quantile (app_ms, 0.9),
           quantile (app_ms, 0), quantile (app_ms, 1));
  g_print ("BENCH cold-start side=peer runs=%u failed=%u p50=%.1f p90=%.1f min=%.1f max=%.1f\n",
           peer_ms->len, failed, quantile (peer_ms, 0.5), quantile (peer_ms, 0.9),
           quantile (peer_ms, 0), quantile (peer_ms, 1));
  return failed > 0 ? 1 : 0;
}

/* ---- fill -------------------------------------------------------------------------------- */

static int
fill (const char *dir,
      gint64      rows)
{
  g_autofree char *path = g_build_filename (dir, "gatehouse.db", NULL);
  g_autofree char *token = create_admin_token (dir);  /* makes the store */
  g_autofree char *sql = NULL;
  sqlite3 *db = NULL;
  char *message = NULL;
  gint64 started = now_usec ();
  gint64 first = g_get_real_time () - rows * 1000;

  /* Seven types, three outcomes, 40 clients, 10 users, six events a flow; one event a
   * millisecond up to now. */
  sql = g_strdup_printf ("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n "
                         "WHERE i + 1 < %" G_GINT64_FORMAT ") "
                         "INSERT INTO audit_events (time, project_id, project_slug, type, "
                         "outcome, actor, client_id, user_id, flow_id, source, user_agent, "
                         "details) SELECT %" G_GINT64_FORMAT " + i * 1000, p.id, p.slug, "
                         "CASE i %% 7 WHEN 0 THEN 'token.issued' WHEN 1 THEN "
                         "'token.refreshed' WHEN 2 THEN 'token.refused' WHEN 3 THEN "
                         "'authorization.refused' WHEN 4 THEN 'code.issued' WHEN 5 THEN "
                         "'oauth_client.registered' ELSE 'iat.used' END, "
                         "CASE i %% 3 WHEN 0 THEN 'success' WHEN 1 THEN 'failure' "
                         "ELSE 'info' END, 'server', 'client-' || (i %% 40), "
                         "'user-' || (i %% 10), 'flow-' || (i / 6), "
                         "'10.0.' || (i %% 4) || '.' || (1 + i %% 249), 'bench/1', "
                         "json_object('n', i, 'scope', 'mcp:tools') "
                         "FROM n, projects p WHERE p.slug = 'default'", rows, first);
  if (sqlite3_open (path, &db) != SQLITE_OK ||
      sqlite3_exec (db, "BEGIN", NULL, NULL, &message) != SQLITE_OK ||
      sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK ||
      sqlite3_exec (db, "COMMIT", NULL, NULL, &message) != SQLITE_OK)
    g_error ("filling %s: %s", path, message ? message : sqlite3_errmsg (db));
  g_print ("BENCH fill rows=%" G_GINT64_FORMAT " seconds=%.1f changes=%d\n", rows,
           (now_usec () - started) / 1e6, sqlite3_total_changes (db));
  sqlite3_close (db);
  return 0;
}

/* ---- scroll ------------------------------------------------------------------------------ */

typedef enum
{
  PHASE_WHEEL,   /* a fast mouse wheel: one wheel step a frame */
  PHASE_PAGES,   /* Page Down held: a page a frame */
  PHASE_MIDDLE,  /* the scrollbar dragged to the middle and held there a second */
  PHASE_END,     /* the scrollbar dragged to the bottom and held, until the oldest row shows */
  PHASE_DONE,
} Phase;

typedef struct
{
  GtkAdjustment *adjustment;
  GListModel    *model;        /* the rows the view shows */
  GhAuditModel  *audit;        /* the app's, else NULL */
  guint          total;        /* rows there are (the peer's; the app's: known at the end) */
  Phase          phase;
  gint64         phase_started;
  gint64         phase_usec;   /* of the wheel and pages phases */
  gint64         deadline;
  gint64         started;
  double         rss_start, rss_middle, rss_end, rss_max;
  gboolean       middle_seen;
  gboolean       timed_out;
  guint          jumps;
  double         wheel_px, page_px;
} Scroll;

static gboolean
scroll_at_end (Scroll *scroll)
{
  GtkAdjustment *a = scroll->adjustment;

  return gtk_adjustment_get_value (a) + gtk_adjustment_get_page_size (a) >=
         gtk_adjustment_get_upper (a) - 1;
}

/* The last row has its event (the app reads its page when the view comes to it). */
static gboolean
oldest_row_in (Scroll *scroll,
               guint   shown)
{
  g_autoptr(GObject) last = NULL;

  if (scroll->audit == NULL)
    return TRUE;
  if (shown == 0 || !gh_audit_model_get_complete (scroll->audit))
    return FALSE;
  last = g_list_model_get_item (scroll->model, shown - 1);
  return gh_audit_model_item_get_event (last) != NULL;
}

static gboolean
scroll_tick_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       data)
{
  Scroll *scroll = data;
  GtkAdjustment *a = scroll->adjustment;
  gint64 t = now_usec ();
  double value = gtk_adjustment_get_value (a);
  double page = gtk_adjustment_get_page_size (a);
  double upper = gtk_adjustment_get_upper (a);
  double rss = rss_mib ();
  guint shown = g_list_model_get_n_items (scroll->model);

  scroll->rss_max = MAX (scroll->rss_max, rss);
  if (t > scroll->deadline && scroll->phase != PHASE_DONE)
    {
      scroll->timed_out = TRUE;
      scroll->phase = PHASE_DONE;
    }
  switch (scroll->phase)
    {
    case PHASE_WHEEL:
      gtk_adjustment_set_value (a, value + scroll->wheel_px);
      if (t - scroll->phase_started > scroll->phase_usec)
        {
          scroll->phase = PHASE_PAGES;
          scroll->phase_started = t;
        }
      break;
    case PHASE_PAGES:
      gtk_adjustment_set_value (a, value + page);
      if (t - scroll->phase_started > scroll->phase_usec)
        {
          scroll->phase = PHASE_MIDDLE;
          scroll->phase_started = t;
        }
      break;
    case PHASE_MIDDLE:
      /* Both have a row for every event: the middle, held while its rows come */
      if (fabs (value - (upper - page) / 2) > 1)
        {
          gtk_adjustment_set_value (a, (upper - page) / 2);
          scroll->jumps++;
        }
      if (t - scroll->phase_started > G_USEC_PER_SEC)
        {
          scroll->middle_seen = TRUE;
          scroll->rss_middle = rss;
          scroll->phase = PHASE_END;
        }
      break;
    case PHASE_END:
      if (!scroll_at_end (scroll))
        {
          gtk_adjustment_set_value (a, upper - page);
          scroll->jumps++;
        }
      else if (oldest_row_in (scroll, shown))
        {
          scroll->phase = PHASE_DONE;
        }
      break;
    case PHASE_DONE:
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
scroll_done (gpointer data)
{
  return ((Scroll *) data)->phase == PHASE_DONE;
}

static void
scroll_run (Scroll     *scroll,
            GtkWidget  *scroller,
            const char *side,
            gint64      max_usec)
{
  Frames frames = { 0 };
  g_autoptr(GString) out = g_string_new (NULL);
  guint tick;
  double page;

  scroll->adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  page = gtk_adjustment_get_page_size (scroll->adjustment);
  /* GTK's own wheel step: a notch scrolls the page size to the power 2/3. */
  scroll->wheel_px = pow (page, 2.0 / 3.0);
  scroll->page_px = page;
  run_for (500 * 1000);
  scroll->rss_start = rss_mib ();
  scroll->rss_max = scroll->rss_start;
  frames_attach (&frames, scroller);
  frames_start (&frames);
  scroll->started = now_usec ();
  scroll->phase_started = scroll->started;
  scroll->deadline = scroll->started + max_usec;
  tick = gtk_widget_add_tick_callback (scroller, scroll_tick_cb, scroll, NULL);
  run_until (scroll_done, scroll, max_usec + BUDGET_USEC);
  gtk_widget_remove_tick_callback (scroller, tick);
  frames.recording = FALSE;
  scroll->rss_end = rss_mib ();
  if (!scroll->middle_seen)
    scroll->rss_middle = scroll->rss_end;

  g_string_append_printf (out, "BENCH scroll side=%s rows=%u seconds=%.1f complete=%d jumps=%u",
                          side, g_list_model_get_n_items (scroll->model),
                          (now_usec () - scroll->started) / 1e6, !scroll->timed_out,
                          scroll->jumps);
  frames_print (&frames, out);
  g_string_append_printf (out, " rss_start=%.0f rss_middle=%.0f rss_end=%.0f rss_max=%.0f",
                          scroll->rss_start, scroll->rss_middle, scroll->rss_end,
                          scroll->rss_max);
  if (scroll->audit != NULL)
    g_string_append_printf (out, " pages=%u held=%u", gh_audit_model_get_page_count (scroll->audit),
                            gh_audit_model_get_n_pages_held (scroll->audit));
  g_print ("%s\n", out->str);
  frames_detach (&frames);
}

static void
peer_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item)
{
  gtk_list_item_set_child (item, gtk_label_new (NULL));
}

static void
peer_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item)
{
  GtkStringObject *string = gtk_list_item_get_item (item);

  gtk_label_set_label (GTK_LABEL (gtk_list_item_get_child (item)),
                       gtk_string_object_get_string (string));
}

static GtkListItemFactory *
peer_factory (void)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", G_CALLBACK (peer_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (peer_bind_cb), NULL);
  return factory;
}

static GtkWidget *
peer_window (GtkWidget *content)
{
  GtkWidget *window = adw_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  gtk_widget_set_vexpand (content, TRUE);
  gtk_box_append (GTK_BOX (box), content);
  adw_window_set_content (ADW_WINDOW (window), box);
  gtk_window_set_default_size (GTK_WINDOW (window), WIDTH, HEIGHT);
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static gboolean
widget_mapped (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (data));
}

static const char * const peer_columns[] = {
  "Time", "Outcome", "Type", "Client", "User", "Flow", "Source",
};

/* As many columns as the Audit page, each a label of the row's text. */
static GtkWidget *
peer_column_view (GListModel *model)
{
  GtkWidget *view = gtk_column_view_new (GTK_SELECTION_MODEL (
                      gtk_single_selection_new (g_object_ref (model))));

  for (guint i = 0; i < G_N_ELEMENTS (peer_columns); i++)
    {
      g_autoptr(GtkColumnViewColumn) column =
        gtk_column_view_column_new (peer_columns[i], peer_factory ());

      gtk_column_view_column_set_expand (column, TRUE);
      gtk_column_view_append_column (GTK_COLUMN_VIEW (view), column);
    }
  return view;
}

static int
scroll_peer (guint  rows,
             gint64 phase_usec,
             gint64 max_usec)
{
  g_autoptr(GtkStringList) strings = gtk_string_list_new (NULL);
  GtkWidget *view, *scroller, *window;
  Scroll scroll = { 0 };

  for (guint i = 0; i < rows; i++)
    {
      g_autofree char *text = g_strdup_printf ("event %u · token.issued · client-%u · user-%u",
                                               i, i % 40, i % 10);

      gtk_string_list_append (strings, text);
    }
  view = peer_column_view (G_LIST_MODEL (strings));
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), view);
  window = peer_window (scroller);
  if (!run_until (widget_mapped, scroller, BUDGET_USEC))
    g_error ("the peer's window was not shown");

  scroll.model = G_LIST_MODEL (strings);
  scroll.total = rows;
  scroll.phase_usec = phase_usec;
  scroll_run (&scroll, scroller, "peer", max_usec);
  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}

static gboolean
audit_loaded (gpointer data)
{
  GhAuditModel *model = data;

  return gh_audit_model_get_page_count (model) > 0 && !gh_audit_model_get_loading (model);
}

static int
scroll_app (const char *dir,
            guint       rows,
            gint64      phase_usec,
            gint64      max_usec)
{
  Console console = { 0 };
  Scroll scroll = { 0 };
  GhPage *page;
  GtkWidget *scroller;

  console_open (&console, dir);
  page = console_show (&console, "audit");
  scroll.audit = GH_AUDIT_MODEL (gh_audit_page_get_model (GH_AUDIT_PAGE (page)));
  if (!run_until (audit_loaded, scroll.audit, BUDGET_USEC))
    g_error ("the Audit page read no page in a minute");
  scroller = find_named (GTK_WIDGET (page), "audit-scroller");
  if (scroller == NULL)
    g_error ("no audit-scroller on the Audit page");
  scroll.model = G_LIST_MODEL (scroll.audit);
  scroll.total = rows;
  scroll.phase_usec = phase_usec;
  scroll_run (&scroll, scroller, "app", max_usec);
  console_close (&console);
  return 0;
}

/* ---- live -------------------------------------------------------------------------------- */

/* Introspection requests at a steady rate from threads of their own, on fresh loopback
 * connections: each answered one is one token.introspected event (outcome info, so the
 * refusal limiter never counts it). */
typedef struct
{
  guint16  port;
  char    *request;       /* the whole raw request */
  char    *flow_request;  /* every @flow_every th request instead: a new flow, or NULL */
  guint    flow_every;
  double   rate;          /* per second, all threads together */
  guint    n_threads;
  gint     stop;
  gint64   started;
  gint64   until;         /* it stops by itself then, whatever the window does */
  gint64   stopped;       /* when its last thread ended */
  gint     sent;          /* answered 200 */
  gint     failed;
  char    *first_error;
  GMutex   lock;
  GThread *threads[8];
} Load;

static gpointer
load_thread (gpointer data)
{
  Load *load = data;
  guint index = 0;
  double period = load->n_threads / load->rate * G_USEC_PER_SEC;

  while (!g_atomic_int_get (&load->stop) && now_usec () < load->until)
    {
      gint64 due = load->started + (gint64) (index * period);
      gint64 t = now_usec ();
      g_autoptr(GhRawResponse) response = NULL;

      if (due > t)
        g_usleep (due - t);
      else if (t - due > G_USEC_PER_SEC)
        index += (guint) ((t - due) / period);  /* behind by a second: do not burst */
      {
        const char *request = load->flow_request != NULL && index % load->flow_every == 0
                                ? load->flow_request : load->request;

        index++;
        response = gh_test_raw_http (load->port, request, strlen (request), 5000);
      }
      if (response->status >= 200 && response->status < 400)
        {
          g_atomic_int_inc (&load->sent);
        }
      else
        {
          g_atomic_int_inc (&load->failed);
          g_mutex_lock (&load->lock);
          if (load->first_error == NULL)
            load->first_error = g_strdup_printf ("status %u: %s", response->status,
                                                 response->head ? response->head : "");
          g_mutex_unlock (&load->lock);
        }
    }
  return NULL;
}

static char *
json_member (const char *text,
             const char *member)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!json_parser_load_from_data (parser, text, -1, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return g_strdup (json_object_get_string_member_with_default (json_node_get_object (root),
                                                               member, NULL));
}

/* A confidential client made with the CLI while no server runs, and the introspection
 * endpoint's path from the discovery document of a server started on @dir for a moment:
 * the request's head and body but its Host, for introspect_request(). */
typedef struct
{
  char *path;
  char *basic;   /* base64 of client_id:client_secret */
  char *client_id;
} Introspection;

static void
introspection_prepare (Introspection *introspection,
                       const char    *dir)
{
  g_autofree char *out = NULL;
  g_autofree char *id = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *pair = NULL;
  g_autofree char *discovery_request = NULL;
  g_autofree char *endpoint = NULL;
  g_autofree char *discovery = NULL;
  g_autoptr(GhRawResponse) response = NULL;
  GhTestProcess *probe;

  if (GH_TEST_CLI (gh_test_server_binary (), dir, &out, "client", "create", "--redirect-uri",
                   "http://127.0.0.1:9/cb", "--grant-type", "authorization_code",
                   "--auth-method", "client_secret_basic", "--json") != 0)
    g_error ("gatehouse-server client create failed");
  id = json_member (out, "client_id");
  secret = json_member (out, "client_secret");
  if (id == NULL || secret == NULL)
    g_error ("no client_id or client_secret in: %s", out);
  pair = g_strconcat (id, ":", secret, NULL);
  introspection->client_id = g_strdup (id);
  introspection->basic = g_base64_encode ((const guchar *) pair, strlen (pair));

  probe = gh_test_process_start (gh_test_server_binary (), dir, "probe");
  discovery_request = g_strdup_printf ("GET /.well-known/oauth-authorization-server HTTP/1.1\r\n"
                                       "Host: 127.0.0.1:%u\r\nConnection: close\r\n\r\n",
                                       probe->port);
  response = gh_test_raw_http (probe->port, discovery_request, strlen (discovery_request), 5000);
  if (response->status != 200)
    g_error ("discovery answered %u", response->status);
  discovery = g_strndup (g_bytes_get_data (response->body, NULL),
                         g_bytes_get_size (response->body));
  endpoint = json_member (discovery, "introspection_endpoint");
  if (endpoint == NULL || !g_str_has_prefix (endpoint, probe->base))
    g_error ("no introspection_endpoint under %s in: %s", probe->base, discovery);
  introspection->path = g_strdup (endpoint + strlen (probe->base));
  gh_test_process_stop (probe, NULL);
}

/* Introspection of a token this server never issued: answered {"active": false}, and
 * recorded. */
static char *
introspect_request (Introspection *introspection,
                    guint16        port)
{
  const char *body = "token=not-a-token-of-this-server&token_type_hint=access_token";

  return g_strdup_printf ("POST %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n"
                          "Authorization: Basic %s\r\nUser-Agent: console-bench/1\r\n"
                          "Content-Type: application/x-www-form-urlencoded\r\n"
                          "Content-Length: %zu\r\n\r\n%s", introspection->path, port,
                          introspection->basic, strlen (body), body);
}

/* The start of a new flow by the same client: a valid /authorize (PKCE, its registered
 * redirect URI) that records authorization.started under a new flow id and answers with the
 * login page, where the flow waits. */
static char *
authorize_request (Introspection *introspection,
                   guint16        port)
{
  return g_strdup_printf ("GET /authorize?response_type=code&client_id=%s&redirect_uri="
                          "http%%3A%%2F%%2F127.0.0.1%%3A9%%2Fcb&state=bench&code_challenge="
                          "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method="
                          "S256 HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n"
                          "User-Agent: console-bench/1\r\n\r\n", introspection->client_id,
                          port);
}

static void
load_start (Load   *load,
            double  rate,
            gint64  duration)
{
  load->rate = rate;
  load->until = now_usec () + duration;
  load->n_threads = MIN (G_N_ELEMENTS (load->threads), MAX (2, (guint) ceil (rate / 250)));
  load->started = now_usec ();
  g_mutex_init (&load->lock);
  for (guint i = 0; i < load->n_threads; i++)
    load->threads[i] = g_thread_new ("load", load_thread, load);
}

static void
load_stop (Load *load)
{
  step ("stopping the load");
  g_atomic_int_set (&load->stop, 1);
  for (guint i = 0; i < load->n_threads; i++)
    g_clear_pointer (&load->threads[i], g_thread_join);
  load->stopped = MIN (now_usec (), load->until);
}

/* What the window (or the peer) received of the stream. */
typedef struct
{
  guint          received;
  guint          gaps;
  GtkStringList *rows;     /* the peer's */
  gboolean       prepend;  /* new rows at the top, as the Audit page adds them */
  GPtrArray     *batch;    /* rows kept for the next frame (peer-columns-batched), or NULL */
  GtkWidget     *follow;   /* the scrolled window kept at its top after each batch, or NULL */
} Received;

static void
event_cb (GhAdminClient    *client,
          GhAuditEventItem *event,
          Received         *received)
{
  received->received++;
  if (received->rows != NULL)
    {
      g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT " · %s · %s",
                                               gh_audit_event_item_get_id (event),
                                               gh_audit_event_item_get_event_type (event),
                                               gh_audit_event_item_get_outcome (event));

      const char * const added[] = { text, NULL };

      if (received->batch != NULL)
        {
          /* Newest first, added at the next frame all at once. */
          g_ptr_array_insert (received->batch, 0, g_steal_pointer (&text));
          return;
        }
      gtk_string_list_splice (received->rows,
                              received->prepend ? 0 : g_list_model_get_n_items (
                                                        G_LIST_MODEL (received->rows)),
                              0, added);
    }
}

/* At each frame, the rows that came since the previous one, in one change of the model. */
static gboolean
batch_tick_cb (GtkWidget     *widget,
               GdkFrameClock *clock,
               gpointer       data)
{
  Received *received = data;

  if (received->batch->len > 0)
    {
      g_ptr_array_add (received->batch, NULL);
      gtk_string_list_splice (received->rows, 0, 0,
                              (const char * const *) received->batch->pdata);
      g_ptr_array_set_size (received->batch, 0);
      /* Following, as the Audit page does: the newest rows in view. Without it the view keeps
       * the row it showed in place, below the new ones, and has nothing new to draw. */
      if (received->follow != NULL)
        gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (
                                    GTK_SCROLLED_WINDOW (received->follow)), 0);
    }
  return G_SOURCE_CONTINUE;
}

static void
gap_cb (GhAdminClient *client,
        gint64         first_missed_id,
        Received      *received)
{
  received->gaps++;
}

typedef struct
{
  Load     *load;
  Received *received;
} Drain;

static gboolean
drained (gpointer data)
{
  Drain *drain = data;

  return drain->received->received >= (guint) g_atomic_int_get (&drain->load->sent);
}

static gboolean
stream_connected (gpointer data)
{
  return gh_admin_client_get_stream_state (GH_ADMIN_CLIENT (data)) == GH_ADMIN_STREAM_CONNECTED;
}

/* One measured window of @seconds with the load running: frames of @widget's clock, what
 * was generated vs received each second (the backlog), the shown rows of @shown. */
static void
live_measure (const char *side,
              const char *page_name,
              GtkWidget  *widget,
              Load       *load,
              Received   *received,
              GListModel *shown,
              guint       seconds)
{
  Frames frames = { 0 };
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GString) backlog_series = g_string_new (NULL);
  guint tick = gtk_widget_add_tick_callback (widget, keep_ticking_cb, NULL, NULL);
  gint sent0;
  guint received0, gaps0, shown0, start_over_33;
  g_autofree char *start_long = NULL;
  gint backlog_first = 0, backlog_last = 0, backlog_max = 0;
  double rss0, cpu_main, cpu_render;
  gint64 started;

  frames_attach (&frames, widget);
  /* The first second apart: a list that fills up then makes its rows (GtkListView keeps up
   * to 200, made in the frame that first has them), once; reported as start_*. */
  step ("the first second of %s from %.6f s", page_name, now_usec () / 1e6);
  frames_start (&frames);
  run_for (G_USEC_PER_SEC);
  start_over_33 = count_over (frames.intervals, 33.4);
  start_long = g_strdup (frames.long_ones->len > 0 ? frames.long_ones->str : "-");
  sent0 = g_atomic_int_get (&load->sent);
  received0 = received->received;
  gaps0 = received->gaps;
  shown0 = shown != NULL ? g_list_model_get_n_items (shown) : 0;
  rss0 = rss_mib ();
  cpu_main = threads_cpu (NULL);
  cpu_render = threads_cpu ("llvmpipe");
  /* CLOCK_MONOTONIC, for a profile taken alongside (perf record -k CLOCK_MONOTONIC) */
  step ("measuring %s for %u s from %.6f s", page_name, seconds, now_usec () / 1e6);
  frames_start (&frames);
  started = now_usec ();
  for (guint s = 0; s < seconds; s++)
    {
      gint backlog;

      run_for (G_USEC_PER_SEC);
      /* Answered by the server minus delivered to the window: events committed and not yet
       * through the stream (a few in flight at any time). */
      backlog = (g_atomic_int_get (&load->sent) - sent0) - (gint) (received->received - received0);
      if (s == 0)
        backlog_first = backlog;
      backlog_last = backlog;
      backlog_max = MAX (backlog_max, backlog);
      g_string_append_printf (backlog_series, "%s%d", s == 0 ? "" : ",", backlog);
    }
  frames.recording = FALSE;
  gtk_widget_remove_tick_callback (widget, tick);
  cpu_main = threads_cpu (NULL) - cpu_main;
  cpu_render = threads_cpu ("llvmpipe") - cpu_render;

  g_string_append_printf (out, "BENCH live-start side=%s page=%s over_33=%u long=%s\n", side,
                          page_name, start_over_33, start_long);
  g_string_append_printf (out, "BENCH live side=%s page=%s seconds=%.1f generated=%d "
                          "received=%u shown=%d gaps=%u rate_generated=%.0f rate_received=%.0f",
                          side, page_name, (now_usec () - started) / 1e6,
                          g_atomic_int_get (&load->sent) - sent0, received->received - received0,
                          shown != NULL ? (gint) g_list_model_get_n_items (shown) - (gint) shown0
                                        : -1,
                          received->gaps - gaps0,
                          (g_atomic_int_get (&load->sent) - sent0) * 1e6 /
                          (now_usec () - started),
                          (received->received - received0) * 1e6 / (now_usec () - started));
  frames_print (&frames, out);
  /* What the window's own thread and the drawing threads ran meanwhile (seconds) */
  g_string_append_printf (out, " cpu_main=%.2f cpu_render=%.2f", cpu_main, cpu_render);
  g_string_append_printf (out, " backlog_first=%d backlog_last=%d backlog_max=%d "
                          "backlog_series=%s rss_start=%.0f rss_end=%.0f failed=%d",
                          backlog_first, backlog_last, backlog_max, backlog_series->str, rss0,
                          rss_mib (), g_atomic_int_get (&load->failed));
  g_print ("%s\n", out->str);
  frames_detach (&frames);
}

static int
live (const char  *side,
      guint        flow_every,
      double       rate,
      guint        seconds,
      char       **pages)
{
  g_autofree char *tmp = g_dir_make_tmp ("gatehouse-live-XXXXXX", NULL);
  g_autofree char *dir = g_build_filename (tmp, "data", NULL);
  Introspection introspection = { 0 };
  Load load = { 0 };
  Received received = { 0 };
  Console console = { 0 };
  GhAdminClient *client;
  GtkWidget *window = NULL;
  GhTestProcess *server = NULL;
  g_autofree char *token = NULL;
  g_autoptr(GhAdminClient) peer_client = NULL;
  int status = 0;

  /* The store, and the confidential client, before any server holds it. */
  token = create_admin_token (dir);
  introspection_prepare (&introspection, dir);
  if (g_str_equal (side, "app"))
    {
      console_open (&console, dir);
      load.port = console.server->port;
      client = gh_connection_get_admin_client (console.connection);
      if (!run_until (stream_connected, client, BUDGET_USEC))
        g_error ("the window's event stream did not connect");
    }
  else
    {
      GtkWidget *view;
      GtkWidget *scroller;

      server = gh_test_process_start (gh_test_server_binary (), dir, "server");
      load.port = server->port;
      received.rows = gtk_string_list_new (NULL);
      if (g_str_has_prefix (side, "peer-columns"))
        {
          /* The Audit page's shape: a column view, each new row at the top; batched: the
           * rows of a frame added at once. */
          received.prepend = TRUE;
          view = peer_column_view (G_LIST_MODEL (received.rows));
          if (g_str_equal (side, "peer-columns-batched"))
            {
              received.batch = g_ptr_array_new_with_free_func (g_free);
              gtk_widget_add_tick_callback (view, batch_tick_cb, &received, NULL);
            }
        }
      else
        {
          view = gtk_list_view_new (GTK_SELECTION_MODEL (gtk_no_selection_new (
                                      G_LIST_MODEL (g_object_ref (received.rows)))),
                                    peer_factory ());
        }
      scroller = gtk_scrolled_window_new ();
      gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), view);
      if (received.batch != NULL)
        received.follow = scroller;
      window = peer_window (scroller);
      if (!run_until (widget_mapped, scroller, BUDGET_USEC))
        g_error ("the peer's window was not shown");
      peer_client = gh_admin_client_new (server->base, token);
      client = peer_client;
      gh_admin_client_start_events (client, NULL, NULL, -1);
      if (!run_until (stream_connected, client, BUDGET_USEC))
        g_error ("the peer's event stream did not connect");
    }
  load.request = introspect_request (&introspection, load.port);
  if (flow_every > 0)
    {
      load.flow_request = authorize_request (&introspection, load.port);
      load.flow_every = flow_every;
    }
  g_signal_connect (client, "event", G_CALLBACK (event_cb), &received);
  g_signal_connect (client, "gap", G_CALLBACK (gap_cb), &received);

  if (window == NULL)
    console_show (&console, pages[0]);
  step ("%.0f requests a second, every %u a new flow", rate, flow_every);
  /* The load ends on time even if the window stops answering: the measurement then shows
   * the stall instead of waiting for it. */
  load_start (&load, rate, (1 + (gint64) (1 + seconds) * (window != NULL ? 1
                                                                        : g_strv_length (pages))) *
                           G_USEC_PER_SEC);
  if (window != NULL)
    {
      live_measure (side, received.batch != NULL ? "columnview-batched" :
                          received.prepend ? "columnview" : "listview", window, &load,
                    &received, G_LIST_MODEL (received.rows),
                    seconds);
    }
  else
    {
      for (guint i = 0; pages[i] != NULL; i++)
        {
          GhPage *page = i == 0 ? gh_window_get_page (console.window, pages[0])
                                : console_show (&console, pages[i]);
          GListModel *shown = NULL;

          if (GH_IS_AUDIT_PAGE (page))
            shown = gh_audit_page_get_model (GH_AUDIT_PAGE (page));
          live_measure (side, pages[i], GTK_WIDGET (console.window), &load, &received, shown,
                        seconds);
        }
    }
  /* Whatever is left to deliver once the load stopped. */
  {
    gint64 drain_started;
    Drain drain = { &load, &received };

    load_stop (&load);
    drain_started = now_usec ();
    run_until (drained, &drain, 60 * G_USEC_PER_SEC);
    /* load_seconds: how long the load ran; caught_up_seconds: from its start to the last
     * event delivered (as long as load_seconds when the window keeps up). */
    g_print ("BENCH live-total side=%s generated=%d received=%u gaps=%u load_seconds=%.1f "
             "caught_up_seconds=%.1f drain_seconds=%.1f failed=%d\n", side,
             g_atomic_int_get (&load.sent), received.received, received.gaps,
             (load.stopped - load.started) / 1e6, (now_usec () - load.started) / 1e6,
             (now_usec () - drain_started) / 1e6, g_atomic_int_get (&load.failed));
  }
  if (load.first_error != NULL)
    {
      g_printerr ("console-bench: %d requests failed, the first: %s\n", load.failed,
                  load.first_error);
      status = 1;
    }
  g_signal_handlers_disconnect_by_data (client, &received);
  if (window != NULL)
    {
      gtk_window_destroy (GTK_WINDOW (window));
      gh_admin_client_stop_events (client);
      run_for (100 * 1000);
      gh_test_process_stop (server, NULL);
    }
  else
    {
      console_close (&console);
    }
  g_clear_object (&received.rows);
  g_clear_pointer (&received.batch, g_ptr_array_unref);
  g_free (load.request);
  g_free (load.flow_request);
  g_free (load.first_error);
  g_free (introspection.path);
  g_free (introspection.basic);
  g_free (introspection.client_id);
  {
    const char *argv[] = { "rm", "-rf", tmp, NULL };

    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                  NULL, NULL);
  }
  return status;
}

/* ---- main -------------------------------------------------------------------------------- */

int
main (int   argc,
      char *argv[])
{
  g_autofree char *app = NULL;
  g_autofree char *peer = NULL;
  g_autofree char *peer_renderer = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *side = NULL;
  g_autofree char *pages = NULL;
  g_auto(GStrv) app_args = NULL;
  int runs = 10, rows = 1000000, seconds = 15, phase_seconds = 3, max_seconds = 300;
  double rate = 1000;
  int flow_every = 10;
  const GOptionEntry entries[] = {
    { "app", 0, 0, G_OPTION_ARG_FILENAME, &app, "gatehouse (cold-start)", "PATH" },
    { "peer", 0, 0, G_OPTION_ARG_FILENAME, &peer, "first-frame-peer (cold-start)", "PATH" },
    { "peer-renderer", 0, 0, G_OPTION_ARG_STRING, &peer_renderer,
      "GSK_RENDERER for the peer (cold-start); the app chooses its own", "NAME" },
    { "app-arg", 0, 0, G_OPTION_ARG_STRING_ARRAY, &app_args, "an argument for the app",
      "ARG" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "measured runs (cold-start)", "N" },
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir, "the data folder (fill, scroll)", "DIR" },
    { "rows", 0, 0, G_OPTION_ARG_INT, &rows, "audit events (fill, scroll)", "N" },
    { "side", 0, 0, G_OPTION_ARG_STRING, &side, "app or peer (scroll, live)", "SIDE" },
    { "phase-seconds", 0, 0, G_OPTION_ARG_INT, &phase_seconds,
      "wheel and page-down phases (scroll)", "S" },
    { "max-seconds", 0, 0, G_OPTION_ARG_INT, &max_seconds, "give up scrolling after (scroll)",
      "S" },
    { "rate", 0, 0, G_OPTION_ARG_DOUBLE, &rate, "events per second (live)", "R" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "measured seconds per page (live)", "S" },
    { "pages", 0, 0, G_OPTION_ARG_STRING, &pages, "pages shown, in turn (live)", "a,b" },
    { "flow-every", 0, 0, G_OPTION_ARG_INT, &flow_every,
      "every Nth request starts a new flow (/authorize) instead; 0: none (live)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("cold-start|fill|scroll|live|renderer");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) page_names = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2)
    {
      g_printerr ("console-bench: %s\n", error ? error->message : "one command, see --help");
      return 2;
    }
  if (g_str_equal (argv[1], "cold-start"))
    {
      if (app == NULL || peer == NULL || runs < 1)
        return 2;
      return cold_start (app, peer, peer_renderer, app_args, (guint) runs);
    }
  if (g_str_equal (argv[1], "fill"))
    return dir != NULL && rows > 0 ? fill (dir, rows) : 2;

  gtk_init ();
  /* The app's side draws with the renderer the app chooses (console.sh runs the peers with
   * the same one: GSK_RENDERER is set for them, and gh_renderer_choose() leaves it) */
  if (g_strcmp0 (side, "app") == 0)
    gh_renderer_choose (gdk_display_get_default (), NULL);
  if (g_str_equal (argv[1], "renderer"))
    {
      g_autofree char *gl = NULL;
      gboolean cairo = gh_renderer_choose (gdk_display_get_default (), &gl);
      g_autofree char *gl_name = g_strdelimit (g_strdup (gl != NULL ? gl : "none"), " =", '_');

      g_print ("BENCH renderer chosen=%s gl=%s\n", cairo ? "cairo" : "default", gl_name);
      return 0;
    }
  adw_init ();
  if (side == NULL || (!g_str_equal (side, "app") && !g_str_equal (side, "peer") &&
                       !g_str_equal (side, "peer-columns") &&
                       !g_str_equal (side, "peer-columns-batched")))
    return 2;
  if (g_str_equal (argv[1], "scroll"))
    {
      if (g_str_equal (side, "peer"))
        return scroll_peer ((guint) rows, phase_seconds * G_USEC_PER_SEC,
                            max_seconds * G_USEC_PER_SEC);
      return dir != NULL ? scroll_app (dir, (guint) rows, phase_seconds * G_USEC_PER_SEC,
                                       max_seconds * G_USEC_PER_SEC) : 2;
    }
  if (g_str_equal (argv[1], "live"))
    {
      page_names = g_strsplit (pages != NULL ? pages : "audit,overview", ",", -1);
      return live (side, (guint) MAX (flow_every, 0), rate, (guint) seconds, page_names);
    }
  return 2;
}
