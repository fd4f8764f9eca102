/* gh-cli-status.c — gatehouse-server status: which servers run on the data directory
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-cli"

#include "config.h"

#include "gh-cli.h"
#include "gh-server-record.h"
#include "gh-time.h"

static gint64 opt_wait;

static const GOptionEntry status_options[] = {
  { "wait", 'w', 0, G_OPTION_ARG_INT64, &opt_wait,
    "Wait up to SECONDS for a server to listen (for scripts that start one)", "SECONDS" },
  { NULL }
};

/* One running server's lines of `status`. */
static void
print_running (const GhServerRecord *record,
               gint64                now)
{
  g_autofree char *since = gh_cli_format_time (record->started_at);
  g_autofree char *uptime = gh_cli_format_duration (MAX (now - record->started_at, 0));

  g_print ("  listening on  %s\n", record->url);
  if (g_strcmp0 (record->issuer_base, record->url) != 0)
    g_print ("  issuer        %s\n", record->issuer_base);
  g_print ("  pid           %" G_GINT64_FORMAT "\n", record->pid);
  g_print ("  up            %s (since %s)\n", uptime, since);
}

static JsonObject *
record_to_json (gpointer item,
                gpointer user_data)
{
  JsonObject *object = json_object_new ();

  gh_server_record_add_json_members (object, item, *(const gint64 *) user_data);
  return object;
}

/* The data directory, whether a server runs, the first record's members, then "servers":
 * every running one. */
static void
print_json (const char *data_dir,
            GPtrArray  *records,
            guint       n_running,
            gint64      now)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GPtrArray) running = g_ptr_array_new ();

  json_object_set_string_member (object, "data_dir", data_dir);
  json_object_set_boolean_member (object, "running", n_running > 0);
  if (records->len > 0)
    gh_server_record_add_json_members (object, records->pdata[0], now);
  for (guint i = 0; i < n_running; i++)
    g_ptr_array_add (running, records->pdata[i]);
  gh_cli_print_json_list (object, "servers", running, record_to_json, &now);
}

static void
print_text (const char *data_dir,
            GPtrArray  *records,
            guint       n_running,
            gint64      now)
{
  const GhServerRecord *record = records->len > 0 ? records->pdata[0] : NULL;

  if (record == NULL)
    g_print ("No server has run on %s\n", data_dir);
  else if (n_running == 1)
    {
      g_print ("A server runs on %s\n", data_dir);
      print_running (record, now);
    }
  else if (n_running > 1)
    {
      g_print ("%u servers run on %s\n", n_running, data_dir);
      for (guint i = 0; i < n_running; i++)
        {
          g_print ("\n");
          print_running (records->pdata[i], now);
        }
    }
  else if (record->stopped_at != 0)
    {
      g_autofree char *stopped = gh_cli_format_time (record->stopped_at);

      g_print ("No server runs on %s: the last one (pid %" G_GINT64_FORMAT ") listened on %s and "
               "stopped at %s\n", data_dir, record->pid, record->url, stopped);
    }
  else
    g_print ("No server runs on %s: the last one (pid %" G_GINT64_FORMAT ") listened on %s and "
             "is gone without stopping cleanly (killed or crashed)\n", data_dir, record->pid,
             record->url);
}

static int
run_status (GhCli *cli)
{
  g_autofree char *data_dir = NULL;
  g_autoptr(GPtrArray) records = NULL;
  guint n_running = 0;
  gint64 now, deadline;

  if (opt_wait < 0 || opt_wait > 3600)
    return gh_cli_usage_error (cli->context, "--wait must be 0 to 3600 seconds");

  data_dir = gh_cli_resolve_data_dir ();
  deadline = g_get_monotonic_time () + opt_wait * G_USEC_PER_SEC;
  for (;;)
    {
      g_autoptr(GError) error = NULL;

      g_clear_pointer (&records, g_ptr_array_unref);
      records = gh_server_record_read_all (data_dir, &error);
      if (records == NULL)
        return gh_cli_fail (error);
      if ((records->len > 0 && ((GhServerRecord *) records->pdata[0])->running) ||
          g_get_monotonic_time () >= deadline)
        break;
      g_usleep (100 * 1000);
    }
  now = gh_now_seconds ();
  /* Running ones come first; the first record is the one a single-server answer describes. */
  while (n_running < records->len && ((GhServerRecord *) records->pdata[n_running])->running)
    n_running++;

  if (cli->json)
    print_json (data_dir, records, n_running, now);
  else
    print_text (data_dir, records, n_running, now);
  return n_running > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

const GhCliCommand gh_cli_status = {
  .name = "status",
  .arguments = "",
  .usage = "[--wait SECONDS]",
  .summary = "Where the server on the data directory listens, pid, uptime",
  .help = "Tell whether a server runs on the data directory: where it listens, its issuer, pid "
          "and uptime (each one, when several share the directory). Exits 0 when one runs, 1 "
          "when none does. Each server records itself in server.d/<pid>.json in the data "
          "directory when it listens, and marks it stopped when it stops cleanly.",
  .options = { status_options, gh_cli_json_options },
  .args_text = "no arguments",
  .run = run_status,
};
