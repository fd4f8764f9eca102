/* main.c — gatehouse-server, the headless authorization server and its admin CLI
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "gh-error.h"
#include "gh-json.h"
#include "gh-server-record.h"
#include "gh-server.h"
#include "gh-time.h"

#define EXIT_USAGE 2

/* Options every command takes. */
static char *opt_data_dir;
static char *opt_secrets;
static gboolean opt_json;

static GOptionEntry common_entries[] = {
  { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &opt_data_dir,
    "Data directory (default: $GATEHOUSE_DATA_DIR or $XDG_DATA_HOME/gatehouse)", "DIR" },
  { "secrets", 0, 0, G_OPTION_ARG_STRING, &opt_secrets,
    "Where secrets live: auto (Secret Service if reachable, else a 0600 file), keyring, file",
    "BACKEND" },
  { NULL }
};

static GOptionEntry json_entries[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print JSON", NULL },
  { NULL }
};

typedef int (*CommandFunc) (int argc, char **argv);

typedef struct
{
  const char *name;       /* "project set" */
  const char *arguments;  /* shown in usage */
  const char *summary;
  CommandFunc func;
} Command;

static int usage_error (GOptionContext *context, const char *format, ...) G_GNUC_PRINTF (2, 3);

static int
usage_error (GOptionContext *context,
             const char     *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("gatehouse-server: %s\n", message);
  if (context != NULL)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);
      g_printerr ("\n%s", help);
    }
  return EXIT_USAGE;
}

static int
fail (const GError *error)
{
  g_printerr ("gatehouse-server: %s\n", error->message);
  return EXIT_FAILURE;
}

/* Whether @error refuses a value given on the command line (a malformed URI, a setting out
 * of range) rather than reporting a failure (a name that does not exist, the store, I/O). */
static gboolean
is_bad_argument (const GError *error)
{
  if (error->domain == G_OPTION_ERROR || error->domain == GH_SETTINGS_ERROR)
    return TRUE;
  if (error->domain == G_IO_ERROR)
    return error->code == G_IO_ERROR_INVALID_ARGUMENT;
  if (error->domain == GH_OAUTH_ERROR)
    switch (error->code)
      {
      case GH_OAUTH_ERROR_INVALID_REQUEST:
      case GH_OAUTH_ERROR_INVALID_SCOPE:
      case GH_OAUTH_ERROR_INVALID_TARGET:
      case GH_OAUTH_ERROR_INVALID_REDIRECT_URI:
      case GH_OAUTH_ERROR_INVALID_CLIENT_METADATA:
        return TRUE;
      default:
        return FALSE;
      }
  return FALSE;
}

/* fail(), with the usage status for a refused argument: bad arguments exit 2, failures 1. */
static int
fail_arguments (const GError *error)
{
  g_printerr ("gatehouse-server: %s\n", error->message);
  return is_bad_argument (error) ? EXIT_USAGE : EXIT_FAILURE;
}

static GOptionContext *
command_context (const Command *command,
                 GOptionEntry  *entries)
{
  g_autofree char *parameter = g_strdup_printf ("%s %s", command->name, command->arguments);
  GOptionContext *context = g_option_context_new (parameter);

  g_option_context_set_summary (context, command->summary);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_main_entries (context, common_entries, NULL);
  return context;
}

static gboolean parse_backend (GhSecretBackend *backend,
                               GError         **error);

/* Parses options; on failure prints why and returns FALSE. argv[0] is the command name. */
static gboolean
parse_command_line (GOptionContext  *context,
                    int             *argc,
                    char          ***argv,
                    int             *status)
{
  g_autoptr(GError) error = NULL;

  GhSecretBackend backend;

  if (!g_option_context_parse (context, argc, argv, &error) || !parse_backend (&backend, &error))
    {
      *status = usage_error (context, "%s", error->message);
      return FALSE;
    }
  return TRUE;
}

static char *
resolve_data_dir (void)
{
  const char *env = g_getenv ("GATEHOUSE_DATA_DIR");

  if (opt_data_dir != NULL)
    return g_canonicalize_filename (opt_data_dir, NULL);
  if (env != NULL && *env != '\0')
    return g_canonicalize_filename (env, NULL);
  return g_build_filename (g_get_user_data_dir (), "gatehouse", NULL);
}

static gboolean
parse_backend (GhSecretBackend *backend,
               GError         **error)
{
  if (opt_secrets == NULL || g_str_equal (opt_secrets, "auto"))
    *backend = GH_SECRET_BACKEND_AUTO;
  else if (g_str_equal (opt_secrets, "keyring"))
    *backend = GH_SECRET_BACKEND_KEYRING;
  else if (g_str_equal (opt_secrets, "file"))
    *backend = GH_SECRET_BACKEND_FILE;
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--secrets must be auto, keyring or file, not “%s”", opt_secrets);
      return FALSE;
    }
  return TRUE;
}

static GhServer *
open_server (GhSettingsProfile   profile,
             GError            **error)
{
  g_autofree char *data_dir = resolve_data_dir ();
  GhSecretBackend backend;

  if (!parse_backend (&backend, error))
    return NULL;
  return gh_server_new (data_dir, backend, profile, error);
}

static void
print_json_object (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;

  json_node_set_object (node, object);
  text = gh_json_to_string (node, TRUE);
  g_print ("%s\n", text);
}

static char *
format_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) time = NULL;

  if (unix_seconds == 0)
    return g_strdup ("-");
  time = g_date_time_new_from_unix_utc (unix_seconds);
  return g_date_time_format (time, "%Y-%m-%d %H:%M:%SZ");
}

/* "5 min", "1 h 30 min", "45 s": a span in words, to the second. */
static char *
format_duration (gint64 seconds)
{
  GString *text = g_string_new (NULL);
  gint64 days = seconds / 86400, hours = seconds / 3600 % 24, minutes = seconds / 60 % 60;

  if (days > 0)
    g_string_append_printf (text, "%" G_GINT64_FORMAT " d", days);
  if (hours > 0)
    g_string_append_printf (text, "%s%" G_GINT64_FORMAT " h", text->len > 0 ? " " : "", hours);
  if (minutes > 0)
    g_string_append_printf (text, "%s%" G_GINT64_FORMAT " min", text->len > 0 ? " " : "",
                            minutes);
  if (seconds % 60 > 0 || text->len == 0)
    g_string_append_printf (text, "%s%" G_GINT64_FORMAT " s", text->len > 0 ? " " : "",
                            seconds % 60);
  return g_string_free (text, FALSE);
}

/* serve */

static char *opt_listen;
static char *opt_issuer_base;
static char *opt_tls_cert;
static char *opt_tls_key;
static char *opt_ca_file;
static gboolean opt_dev;
static gint64 opt_audit_max_events = GH_AUDIT_DEFAULT_MAX_EVENTS;
static gint64 opt_audit_max_age_days = GH_AUDIT_DEFAULT_MAX_AGE_DAYS;
static gint64 opt_audit_refusals = GH_AUDIT_DEFAULT_REFUSALS_PER_MINUTE;
static int opt_max_connections;
static int opt_max_connections_per_address;
static int opt_idle_timeout;
static int opt_head_timeout;
static int opt_body_timeout;

static gboolean
quit_on_signal (gpointer user_data)
{
  GMainLoop *loop = user_data;

  g_message ("Stopping");
  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

static int
command_serve (int    argc,
               char **argv)
{
  static const Command command = {
    "serve", "", "Run the authorization server until SIGTERM or SIGINT.", NULL,
  };
  GOptionEntry entries[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &opt_listen,
      "Address to listen on (default 127.0.0.1:0; port 0 picks a free port)", "HOST:PORT" },
    { "issuer-base", 0, 0, G_OPTION_ARG_STRING, &opt_issuer_base,
      "Root issuer URL when clients reach the server under another name (a proxy)", "URL" },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &opt_tls_cert, "PEM certificate (serve HTTPS)", "FILE" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &opt_tls_key, "PEM private key of --tls-cert", "FILE" },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_ca_file,
      "Also trust these PEM CA certificates for outbound HTTPS (CIMD documents)", "FILE" },
    { "dev", 0, 0, G_OPTION_ARG_NONE, &opt_dev,
      "Give new projects the development defaults (MCP on, open DCR, ...)", NULL },
    { "audit-max-events", 0, 0, G_OPTION_ARG_INT64, &opt_audit_max_events,
      "Keep at most N audit events, the newest (default 1000000; 0: no limit)", "N" },
    { "audit-max-age-days", 0, 0, G_OPTION_ARG_INT64, &opt_audit_max_age_days,
      "Remove audit events older than DAYS (default 90; 0: never)", "DAYS" },
    { "audit-refusals-per-minute", 0, 0, G_OPTION_ARG_INT64, &opt_audit_refusals,
      "Refusal events one source address writes per minute; the rest are counted in one "
      "summary event (default 60; 0: no limit)", "N" },
    { "max-connections", 0, 0, G_OPTION_ARG_INT, &opt_max_connections,
      "Connections open at once (default: 4096, below the descriptor limit)", "N" },
    { "max-connections-per-address", 0, 0, G_OPTION_ARG_INT, &opt_max_connections_per_address,
      "Connections open at once from one IP address (default: 256)", "N" },
    { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &opt_idle_timeout,
      "Seconds a connection may wait for its next request (default: 120)", "SECONDS" },
    { "head-timeout", 0, 0, G_OPTION_ARG_INT, &opt_head_timeout,
      "Seconds from a request's first byte to its last header (default: 30)", "SECONDS" },
    { "body-timeout", 0, 0, G_OPTION_ARG_INT, &opt_body_timeout,
      "Seconds to read a request's body after its headers (default: 60)", "SECONDS" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = command_context (&command, entries);
  GhServerLimits limits = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GhServer) server = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GPtrArray) projects = NULL;
  int status;
  guint sigterm_id, sigint_id;

  g_option_context_set_description (
    context,
    "Limits (each one a client meets gets an answer, not a hang):\n"
    "  request bodies   at most 64 KiB, sent with a Content-Length: larger ones get 413,\n"
    "                   chunked ones 411, a malformed length 400, another transfer coding\n"
    "                   501, before a byte of the body is read\n"
    "  request URI      at most 8 KiB (414); headers at most 32 KiB (431); a request head\n"
    "                   over 100 KiB closes the connection (libsoup)\n"
    "  connections      --max-connections in total: by default 4096, and never closer to\n"
    "                   the descriptor limit than a quarter of it (at most 256); the soft\n"
    "                   limit is raised to the hard one at start. --max-connections-per-address\n"
    "                   from one IP address (default 256; behind a proxy, the proxy's).\n"
    "                   A connection over a cap gets 503 and is closed at once\n"
    "  timeouts         --idle-timeout: a connection waiting for a request is closed;\n"
    "                   --head-timeout from a request's first byte to its last header and\n"
    "                   --body-timeout for its body, then 408 and the connection closed\n");
  if (!parse_command_line (context, &argc, &argv, &status))
    return status;
  if (argc > 1)
    return usage_error (context, "serve takes no arguments (got “%s”)", argv[1]);
  if (opt_max_connections < 0 || opt_max_connections_per_address < 0 || opt_idle_timeout < 0 ||
      opt_head_timeout < 0 || opt_body_timeout < 0)
    return usage_error (context, "Connection limits and timeouts are positive numbers");
  if ((opt_tls_cert == NULL) != (opt_tls_key == NULL))
    return usage_error (context, "--tls-cert and --tls-key go together");
  if (opt_audit_max_events < 0 || opt_audit_max_age_days < 0 || opt_audit_max_age_days > 36500 ||
      opt_audit_refusals < 0 || opt_audit_refusals > G_MAXINT)
    return usage_error (context, "The audit limits are whole numbers, 0 or more");
  if (opt_issuer_base != NULL)
    {
      g_autoptr(GUri) uri = g_uri_parse (opt_issuer_base, G_URI_FLAGS_NONE, NULL);

      if (uri == NULL ||
          (g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 &&
           g_strcmp0 (g_uri_get_scheme (uri), "http") != 0) ||
          g_uri_get_host (uri) == NULL || g_uri_get_query (uri) != NULL ||
          g_uri_get_fragment (uri) != NULL)
        return usage_error (context, "--issuer-base must be an http(s) URL without query or "
                            "fragment, not “%s”", opt_issuer_base);
    }

  if (opt_issuer_base == NULL && opt_listen != NULL &&
      (g_str_has_prefix (opt_listen, "0.0.0.0:") || g_str_has_prefix (opt_listen, "[::]:")))
    return usage_error (context, "Listening on every address needs --issuer-base: the issuer "
                        "must be the URL clients use to reach this server");

  if (opt_tls_cert != NULL)
    {
      certificate = g_tls_certificate_new_from_files (opt_tls_cert, opt_tls_key, &error);
      if (certificate == NULL)
        return fail (error);
    }

  server = open_server (opt_dev ? GH_SETTINGS_PROFILE_DEVELOPMENT : GH_SETTINGS_PROFILE_PRODUCTION,
                        &error);
  if (server == NULL)
    return fail (error);

  if (opt_ca_file != NULL && !gh_server_set_outbound_ca_file (server, opt_ca_file, &error))
    return fail (error);
  gh_audit_set_retention (gh_server_get_audit (server), opt_audit_max_events,
                          opt_audit_max_age_days);
  gh_audit_set_refusal_limit (gh_server_get_audit (server), (guint) opt_audit_refusals);

  g_message ("Data directory: %s", gh_server_get_data_dir (server));
  g_message ("Secrets: %s", gh_server_describe_secrets (server));

  limits.max_connections = (guint) opt_max_connections;
  limits.max_connections_per_address = (guint) opt_max_connections_per_address;
  limits.idle_timeout = (guint) opt_idle_timeout;
  limits.head_timeout = (guint) opt_head_timeout;
  limits.body_timeout = (guint) opt_body_timeout;
  gh_server_set_limits (server, &limits);

  /* Before the server listens and records itself in the data directory: a script that sees
   * it listening may stop it at once, and SIGTERM must then be a clean stop, not a death. */
  loop = g_main_loop_new (NULL, FALSE);
  sigterm_id = g_unix_signal_add (SIGTERM, quit_on_signal, loop);
  sigint_id = g_unix_signal_add (SIGINT, quit_on_signal, loop);

  if (!gh_server_listen (server, opt_listen != NULL ? opt_listen : "127.0.0.1:0", certificate,
                         &error))
    {
      g_source_remove (sigterm_id);
      g_source_remove (sigint_id);
      return fail_arguments (error);
    }
  {
    const GhServerLimits *in_force = gh_server_get_limits (server);

    g_message ("Limits: %u connections, %u from one address; timeouts: idle %u s, "
               "headers %u s, body %u s", in_force->max_connections,
               in_force->max_connections_per_address, in_force->idle_timeout,
               in_force->head_timeout, in_force->body_timeout);
  }
  gh_server_set_issuer_base (server, opt_issuer_base);

  projects = gh_projects_list (gh_server_get_projects (server), &error);
  if (projects == NULL)
    {
      g_source_remove (sigterm_id);
      g_source_remove (sigint_id);
      gh_server_stop (server);
      return fail (error);
    }
  for (guint i = 0; i < projects->len; i++)
    {
      GhProject *project = g_ptr_array_index (projects, i);
      g_autofree char *issuer = gh_server_build_issuer (server, project->slug);

      g_message ("Project %s: issuer %s", project->slug, issuer);
    }

  /* The one line scripts wait for; the real address even when the port was 0. */
  g_print ("listening on %s\n", gh_server_get_listen_url (server));
  fflush (stdout);

  g_main_loop_run (loop);
  g_source_remove (sigterm_id);
  g_source_remove (sigint_id);

  gh_server_stop (server);
  return EXIT_SUCCESS;
}

/* status */

static gint64 opt_wait;

/* One running server's lines of `status`. */
static void
print_running (const GhServerRecord *record,
               gint64                now)
{
  g_autofree char *since = format_time (record->started_at);
  g_autofree char *uptime = format_duration (MAX (now - record->started_at, 0));

  g_print ("  listening on  %s\n", record->url);
  if (g_strcmp0 (record->issuer_base, record->url) != 0)
    g_print ("  issuer        %s\n", record->issuer_base);
  g_print ("  pid           %" G_GINT64_FORMAT "\n", record->pid);
  g_print ("  up            %s (since %s)\n", uptime, since);
}

static JsonObject *
running_to_json (const GhServerRecord *record,
                 gint64                now)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "url", record->url);
  json_object_set_string_member (object, "issuer", record->issuer_base);
  json_object_set_int_member (object, "pid", record->pid);
  json_object_set_int_member (object, "started_at", record->started_at);
  json_object_set_int_member (object, "uptime_s", MAX (now - record->started_at, 0));
  return object;
}

static int
command_status (int    argc,
                char **argv)
{
  static const Command command = {
    "status", "",
    "Tell whether a server runs on the data directory: where it listens, its issuer, pid and "
    "uptime (each one, when several share the directory). Exits 0 when one runs, 1 when none "
    "does. Each server records itself in server.d/<pid>.json in the data directory when it "
    "listens, and marks it stopped when it stops cleanly.",
    NULL,
  };
  GOptionEntry entries[] = {
    { "wait", 'w', 0, G_OPTION_ARG_INT64, &opt_wait,
      "Wait up to SECONDS for a server to listen (for scripts that start one)", "SECONDS" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = command_context (&command, entries);
  g_autofree char *data_dir = NULL;
  g_autoptr(GPtrArray) records = NULL;
  const GhServerRecord *record;
  guint n_running = 0;
  gint64 now, deadline;
  int status;

  g_option_context_add_main_entries (context, json_entries, NULL);
  if (!parse_command_line (context, &argc, &argv, &status))
    return status;
  if (argc > 1)
    return usage_error (context, "status takes no arguments");
  if (opt_wait < 0 || opt_wait > 3600)
    return usage_error (context, "--wait must be 0 to 3600 seconds");

  data_dir = resolve_data_dir ();
  deadline = g_get_monotonic_time () + opt_wait * G_USEC_PER_SEC;
  for (;;)
    {
      g_autoptr(GError) error = NULL;

      g_clear_pointer (&records, g_ptr_array_unref);
      records = gh_server_record_read_all (data_dir, &error);
      if (records == NULL)
        return fail (error);
      if ((records->len > 0 && ((GhServerRecord *) records->pdata[0])->running) ||
          g_get_monotonic_time () >= deadline)
        break;
      g_usleep (100 * 1000);
    }
  now = gh_now_seconds ();
  /* Running ones come first; the first record is the one a single-server answer describes. */
  record = records->len > 0 ? records->pdata[0] : NULL;
  while (n_running < records->len && ((GhServerRecord *) records->pdata[n_running])->running)
    n_running++;

  if (opt_json)
    {
      g_autoptr(JsonObject) object = json_object_new ();
      JsonArray *servers = json_array_new ();

      json_object_set_string_member (object, "data_dir", data_dir);
      json_object_set_boolean_member (object, "running", n_running > 0);
      if (record != NULL)
        {
          json_object_set_string_member (object, "url", record->url);
          json_object_set_string_member (object, "issuer", record->issuer_base);
          json_object_set_int_member (object, "pid", record->pid);
          json_object_set_int_member (object, "started_at", record->started_at);
          if (record->running)
            json_object_set_int_member (object, "uptime_s", MAX (now - record->started_at, 0));
          if (record->stopped_at != 0)
            json_object_set_int_member (object, "stopped_at", record->stopped_at);
          if (!record->running)
            json_object_set_boolean_member (object, "stopped_cleanly", record->stopped_at != 0);
        }
      for (guint i = 0; i < n_running; i++)
        json_array_add_object_element (servers, running_to_json (records->pdata[i], now));
      json_object_set_array_member (object, "servers", servers);
      print_json_object (object);
    }
  else if (record == NULL)
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
      g_autofree char *stopped = format_time (record->stopped_at);

      g_print ("No server runs on %s: the last one (pid %" G_GINT64_FORMAT ") listened on %s and "
               "stopped at %s\n", data_dir, record->pid, record->url, stopped);
    }
  else
    g_print ("No server runs on %s: the last one (pid %" G_GINT64_FORMAT ") listened on %s and "
             "is gone without stopping cleanly (killed or crashed)\n", data_dir, record->pid,
             record->url);
  return n_running > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* project ... */

static char *opt_name;
static gboolean opt_production;

static GhSettingsProfile
default_project_profile (GhServer *server)
{
  g_autoptr(GhProject) fallback = gh_projects_get (gh_server_get_projects (server),
                                                   GH_DEFAULT_PROJECT, NULL);
  return fallback != NULL ? fallback->profile : GH_SETTINGS_PROFILE_PRODUCTION;
}

static char *
issuer_path (GhProject *project)
{
  if (g_str_equal (project->slug, GH_DEFAULT_PROJECT))
    return g_strdup ("");
  return g_strconcat ("/p/", project->slug, NULL);
}

/* The server a data directory records (server.d/): a running one, else the one that served
 * last, or NULL when none has listened there. */
static GhServerRecord *
read_record (const char *data_dir)
{
  g_autoptr(GError) error = NULL;
  GhServerRecord *record = gh_server_record_read (data_dir, &error);

  if (record == NULL && !g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    g_printerr ("gatehouse-server: note: %s\n", error->message);
  return record;
}

/* The project's issuer URL where the recorded server serves (or served) it; NULL without a
 * record. */
static char *
issuer_url (const GhServerRecord *record,
            GhProject            *project)
{
  g_autofree char *path = issuer_path (project);

  return record != NULL ? g_strconcat (record->issuer_base, path, NULL) : NULL;
}

/* "http://127.0.0.1:41234/p/acme", and when no server runs now, why the URL is a guess. */
static char *
describe_issuer (const GhServerRecord *record,
                 GhProject            *project)
{
  g_autofree char *path = issuer_path (project);
  g_autofree char *url = issuer_url (record, project);

  if (record == NULL)
    return g_strdup_printf ("%s (no server has run on this data directory: the issuer is the "
                            "URL the server prints at start%s%s)",
                            *path != '\0' ? path : "/", *path != '\0' ? ", then " : "",
                            path);
  if (record->running)
    return g_steal_pointer (&url);
  return g_strdup_printf ("%s (no server runs on this data directory now; this is where it "
                          "served last)", url);
}

static JsonObject *
project_to_json (GhProject            *project,
                 const GhServerRecord *record)
{
  JsonObject *object = json_object_new ();
  g_autofree char *path = issuer_path (project);
  g_autofree char *url = issuer_url (record, project);

  json_object_set_string_member (object, "slug", project->slug);
  json_object_set_string_member (object, "display_name", project->display_name);
  json_object_set_string_member (object, "profile",
                                 gh_settings_profile_to_string (project->profile));
  json_object_set_string_member (object, "issuer", url);
  json_object_set_boolean_member (object, "server_running", record != NULL && record->running);
  json_object_set_string_member (object, "issuer_path", path);
  json_object_set_int_member (object, "created_at", project->created_at);
  json_object_set_object_member (object, "settings",
                                 gh_project_settings_to_json (project->settings));
  return object;
}

static void
print_project (GhProject            *project,
               const GhServerRecord *record)
{
  const char * const *keys = gh_project_settings_list_keys ();
  g_autoptr(GDateTime) created = g_date_time_new_from_unix_utc (project->created_at);
  g_autofree char *created_text = g_date_time_format_iso8601 (created);
  g_autofree char *issuer = describe_issuer (record, project);

  g_print ("%s (%s)\n", project->slug, project->display_name);
  g_print ("  issuer: %s\n", issuer);
  g_print ("  profile: %s, created %s\n", gh_settings_profile_to_string (project->profile),
           created_text);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autofree char *value = gh_project_settings_get (project->settings, keys[i]);
      g_print ("  %-22s %s\n", keys[i], *value != '\0' ? value : "(empty)");
    }
}

static int
command_project_list (int    argc,
                      char **argv)
{
  static const Command command = { "project list", "", "List the projects.", NULL };
  g_autoptr(GOptionContext) context = command_context (&command, json_entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhServer) server = NULL;
  g_autoptr(GPtrArray) projects = NULL;
  g_autoptr(GhServerRecord) record = NULL;
  int status;

  if (!parse_command_line (context, &argc, &argv, &status))
    return status;
  if (argc > 1)
    return usage_error (context, "project list takes no arguments");
  server = open_server (GH_SETTINGS_PROFILE_PRODUCTION, &error);
  if (server == NULL || !(projects = gh_projects_list (gh_server_get_projects (server), &error)))
    return fail (error);
  record = read_record (gh_server_get_data_dir (server));

  if (opt_json)
    {
      g_autoptr(JsonObject) object = json_object_new ();
      JsonArray *array = json_array_new ();

      for (guint i = 0; i < projects->len; i++)
        json_array_add_object_element (array, project_to_json (g_ptr_array_index (projects, i),
                                                               record));
      json_object_set_array_member (object, "projects", array);
      print_json_object (object);
      return EXIT_SUCCESS;
    }

  g_print ("%-24s %-12s %-5s %-5s %-22s %s\n", "SLUG", "PROFILE", "MCP", "CIMD", "DCR",
           record != NULL ? "ISSUER" : "ISSUER PATH");
  for (guint i = 0; i < projects->len; i++)
    {
      GhProject *project = g_ptr_array_index (projects, i);
      g_autofree char *path = issuer_path (project);
      g_autofree char *url = issuer_url (record, project);

      g_print ("%-24s %-12s %-5s %-5s %-22s %s\n", project->slug,
               gh_settings_profile_to_string (project->profile),
               project->settings->mcp_enabled ? "on" : "off",
               project->settings->cimd_enabled ? "on" : "off",
               gh_dcr_mode_to_string (project->settings->dcr_mode),
               url != NULL ? url : *path != '\0' ? path : "/");
    }
  if (record == NULL)
    g_print ("(no server has run on this data directory: issuers are paths below the URL the "
             "server prints at start)\n");
  else if (!record->running)
    g_print ("(no server runs on this data directory now: issuers where it served last)\n");
  return EXIT_SUCCESS;
}

static int
command_project_show (int    argc,
                      char **argv)
{
  static const Command command = {
    "project show", "SLUG",
    "Show a project: its issuer URL (where the server running on this data directory serves "
    "it, or served it last) and its settings.", NULL,
  };
  g_autoptr(GOptionContext) context = command_context (&command, json_entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhServer) server = NULL;
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GhServerRecord) record = NULL;
  int status;

  if (!parse_command_line (context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return usage_error (context, "project show takes one project slug");
  server = open_server (GH_SETTINGS_PROFILE_PRODUCTION, &error);
  if (server == NULL || !(project = gh_projects_get (gh_server_get_projects (server), argv[1],
                                                     &error)))
    return fail (error);

  record = read_record (gh_server_get_data_dir (server));
  if (opt_json)
    {
      g_autoptr(JsonObject) object = project_to_json (project, record);
      print_json_object (object);
    }
  else
    print_project (project, record);
  return EXIT_SUCCESS;
}

static int
command_project_create (int    argc,
                        char **argv)
{
  static const Command command = {
    "project create", "SLUG", "Create a project, served at the issuer {root}/p/SLUG.", NULL,
  };
  GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &opt_name, "Display name (default: the slug)", "NAME" },
    { "dev", 0, 0, G_OPTION_ARG_NONE, &opt_dev, "Development defaults", NULL },
    { "production", 0, 0, G_OPTION_ARG_NONE, &opt_production,
      "Production defaults (the default follows the default project's profile)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = command_context (&command, entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhServer) server = NULL;
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GhServerRecord) record = NULL;
  GhSettingsProfile profile;
  int status;

  g_option_context_add_main_entries (context, json_entries, NULL);
  if (!parse_command_line (context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return usage_error (context, "project create takes one project slug");
  if (opt_dev && opt_production)
    return usage_error (context, "--dev and --production exclude each other");
  if (!gh_projects_check_slug (argv[1], &error))
    return usage_error (context, "%s", error->message);

  server = open_server (GH_SETTINGS_PROFILE_PRODUCTION, &error);
  if (server == NULL)
    return fail (error);
  profile = opt_dev ? GH_SETTINGS_PROFILE_DEVELOPMENT :
            opt_production ? GH_SETTINGS_PROFILE_PRODUCTION :
            default_project_profile (server);

  project = gh_projects_create (gh_server_get_projects (server), argv[1], opt_name, profile,
                                "cli", &error);
  if (project == NULL)
    return fail (error);

  record = read_record (gh_server_get_data_dir (server));
  if (opt_json)
    {
      g_autoptr(JsonObject) object = project_to_json (project, record);
      print_json_object (object);
    }
  else
    {
      g_autofree char *issuer = describe_issuer (record, project);

      g_print ("Created project %s (%s defaults), issuer %s\n", project->slug,
               gh_settings_profile_to_string (profile), issuer);
    }
  return EXIT_SUCCESS;
}

static int
command_project_set (int    argc,
                     char **argv)
{
  static const Command command = {
    "project set", "SLUG KEY=VALUE...",
    "Change project settings, all or none. Lists are comma-separated; an empty value empties "
    "a list or a name. Turning mcp_enabled on also turns cimd_enabled on and, when dcr_mode "
    "is disabled, makes it initial_access_token; the changes it made are printed.",
    NULL,
  };
  g_autoptr(GOptionContext) context = command_context (&command, json_entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhServer) server = NULL;
  g_autoptr(JsonObject) patch = json_object_new ();
  g_autoptr(GPtrArray) changes = NULL;
  GString *description = g_string_new ("Settings:\n");
  int status;

  for (const char * const *key = gh_project_settings_list_keys (); *key != NULL; key++)
    g_string_append_printf (description, "  %-22s %s\n", *key,
                            gh_project_settings_describe_key (*key));
  g_option_context_set_description (context, description->str);
  g_string_free (description, TRUE);

  if (!parse_command_line (context, &argc, &argv, &status))
    return status;
  if (argc < 3)
    return usage_error (context, "project set takes a project slug and at least one KEY=VALUE");

  for (int i = 2; i < argc; i++)
    {
      const char *equals = strchr (argv[i], '=');
      g_autofree char *key = NULL;

      if (equals == NULL || equals == argv[i])
        return usage_error (context, "“%s” is not KEY=VALUE", argv[i]);
      key = g_strndup (argv[i], equals - argv[i]);
      if (!gh_project_settings_has_key (key))
        return usage_error (context, "Unknown setting “%s”", key);
      if (json_object_has_member (patch, key))
        return usage_error (context, "%s is given twice", key);
      json_object_set_string_member (patch, key, equals + 1);
    }

  server = open_server (GH_SETTINGS_PROFILE_PRODUCTION, &error);
  if (server == NULL)
    return fail (error);
  changes = gh_projects_update_settings (gh_server_get_projects (server), argv[1], patch, "cli",
                                         &error);
  /* A value the settings refuse (a bad number, a user who does not exist) is a bad argument. */
  if (changes == NULL && error->domain == GH_SETTINGS_ERROR)
    return usage_error (NULL, "%s", error->message);
  if (changes == NULL)
    return fail_arguments (error);

  if (opt_json)
    {
      g_autoptr(JsonObject) object = json_object_new ();
      JsonArray *array = json_array_new ();

      for (guint i = 0; i < changes->len; i++)
        {
          GhSettingChange *change = g_ptr_array_index (changes, i);
          JsonObject *item = json_object_new ();

          json_object_set_string_member (item, "key", change->key);
          json_object_set_string_member (item, "old", change->old_value);
          json_object_set_string_member (item, "new", change->new_value);
          if (change->cause != NULL)
            json_object_set_string_member (item, "cascade_from", change->cause);
          json_array_add_object_element (array, item);
        }
      json_object_set_array_member (object, "changes", array);
      print_json_object (object);
      return EXIT_SUCCESS;
    }

  if (changes->len == 0)
    g_print ("Nothing changed\n");
  for (guint i = 0; i < changes->len; i++)
    {
      GhSettingChange *change = g_ptr_array_index (changes, i);

      g_print ("%s: %s -> %s", change->key,
               *change->old_value != '\0' ? change->old_value : "(empty)",
               *change->new_value != '\0' ? change->new_value : "(empty)");
      if (change->cause != NULL)
        g_print ("  (because %s was turned on)", change->cause);
      g_print ("\n");
      /* SPEC-NOTES.md: no shipping MCP client sends an IAT by itself. */
      if (g_str_equal (change->key, "dcr_mode") &&
          g_str_equal (change->new_value, "initial_access_token"))
        g_print ("note: only clients you hand an initial access token to (gatehouse-server iat "
                 "issue) can register now; Cursor, Copilot CLI and other open-market clients "
                 "cannot. They can still use CIMD when cimd_enabled is on.\n");
    }
  return EXIT_SUCCESS;
}

/* keys ... */

static char *opt_alg;
static gint64 opt_activate_after = 300;

/* A signing key's state: signing, next (signs later), unused (replaced before it ever
 * signed), retired (signed, now only published) or expired (no longer published). */
static const char *
key_state (const GhSigningKeyInfo *info,
           gint64                  now)
{
  if (info->signing)
    return "signing";
  if (info->retired_at != 0 && info->retired_at <= info->active_from)
    return "unused";
  if (!info->published)
    return "expired";
  if (info->active_from > now)
    return "next";
  return "retired";
}

static int
command_keys_list (int    argc,
                   char **argv)
{
  static const Command command = {
    "keys list", "", "List the signing keys: which signs now, which are only published.", NULL,
  };
  g_autoptr(GOptionContext) context = command_context (&command, json_entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhServer) server = NULL;
  g_autoptr(GPtrArray) keys = NULL;
  gint64 now = gh_now_seconds ();
  int status;

  if (!parse_command_line (context, &argc, &argv, &status))
    return status;
  if (argc > 1)
    return usage_error (context, "keys list takes no arguments");
  server = open_server (GH_SETTINGS_PROFILE_PRODUCTION, &error);
  if (server == NULL || !(keys = gh_signing_keys_list (gh_server_get_signing_keys (server),
                                                       &error)))
    return fail (error);

  if (opt_json)
    {
      g_autoptr(JsonObject) object = json_object_new ();
      JsonArray *array = json_array_new ();

      for (guint i = 0; i < keys->len; i++)
        {
          GhSigningKeyInfo *info = g_ptr_array_index (keys, i);
          JsonObject *item = json_object_new ();

          json_object_set_string_member (item, "kid", info->kid);
          json_object_set_string_member (item, "alg", gh_jws_alg_to_string (info->alg));
          json_object_set_int_member (item, "created_at", info->created_at);
          json_object_set_int_member (item, "active_from", info->active_from);
          if (info->retired_at != 0)
            json_object_set_int_member (item, "retired_at", info->retired_at);
          if (info->expires_at != 0)
            json_object_set_int_member (item, "expires_at", info->expires_at);
          json_object_set_string_member (item, "state", key_state (info, now));
          json_object_set_boolean_member (item, "signing", info->signing);
          json_object_set_boolean_member (item, "published", info->published);
          json_array_add_object_element (array, item);
        }
      json_object_set_array_member (object, "keys", array);
      print_json_object (object);
      return EXIT_SUCCESS;
    }

  g_print ("%-44s %-6s %-10s %-21s %s\n", "KID", "ALG", "STATE", "SIGNS FROM", "PUBLISHED UNTIL");
  for (guint i = 0; i < keys->len; i++)
    {
      GhSigningKeyInfo *info = g_ptr_array_index (keys, i);
      g_autofree char *from = format_time (info->active_from);
      g_autofree char *until = info->expires_at != 0 ? format_time (info->expires_at)
                                                     : g_strdup ("(while current)");
      const char *state = key_state (info, now);

      g_print ("%-44s %-6s %-10s %-21s %s\n", info->kid, gh_jws_alg_to_string (info->alg), state,
               g_str_equal (state, "unused") ? "(never: replaced first)" : from, until);
    }
  return EXIT_SUCCESS;
}

static int
command_keys_rotate (int    argc,
                     char **argv)
{
  static const Command command = {
    "keys rotate", "",
    "Add a signing key. It is published in JWKS at once and signs after --activate-after "
    "seconds; the key it replaces stays published until every token it signed has expired.",
    NULL,
  };
  GOptionEntry entries[] = {
    { "alg", 0, 0, G_OPTION_ARG_STRING, &opt_alg, "ES256 (default) or RS256", "ALG" },
    { "activate-after", 0, 0, G_OPTION_ARG_INT64, &opt_activate_after,
      "Seconds before the new key signs (default 300, longer than JWKS caches live)", "SECONDS" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = command_context (&command, entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhServer) server = NULL;
  g_autoptr(GPtrArray) projects = NULL;
  g_autofree char *kid = NULL;
  GhJwsAlg alg = GH_JWS_ALG_ES256;
  gint64 longest = 0;
  int status;

  if (!parse_command_line (context, &argc, &argv, &status))
    return status;
  if (argc > 1)
    return usage_error (context, "keys rotate takes no arguments");
  if (opt_alg != NULL && (alg = gh_jws_alg_from_string (opt_alg)) == GH_JWS_ALG_INVALID)
    return usage_error (context, "--alg must be ES256 or RS256, not “%s”", opt_alg);
  if (opt_activate_after < 0 || opt_activate_after > 30 * 86400)
    return usage_error (context, "--activate-after must be 0 to 2592000 seconds");

  server = open_server (GH_SETTINGS_PROFILE_PRODUCTION, &error);
  if (server == NULL || !(projects = gh_projects_list (gh_server_get_projects (server), &error)))
    return fail (error);

  /* Tokens signed by the old key live at most as long as the longest access token TTL. */
  for (guint i = 0; i < projects->len; i++)
    {
      GhProject *project = g_ptr_array_index (projects, i);
      longest = MAX (longest, project->settings->access_token_ttl);
    }

  kid = gh_signing_keys_rotate (gh_server_get_signing_keys (server), alg, opt_activate_after,
                                longest, "cli", &error);
  if (kid == NULL)
    return fail (error);

  {
    gint64 now = gh_now_seconds ();
    g_autofree char *from = format_time (now + opt_activate_after);
    g_autofree char *delay = format_duration (opt_activate_after);
    g_autofree char *until = format_time (now + opt_activate_after + longest);
    g_autofree char *lifetime = format_duration (longest);

    g_print ("New signing key %s (%s), published now.\n", kid, gh_jws_alg_to_string (alg));
    if (opt_activate_after == 0)
      g_print ("It signs from now on.\n");
    else
      g_print ("It signs from %s (in %s); the keys before it sign until then.\n", from, delay);
    g_print ("Keys it replaces stay published until %s (access tokens live at most %s).\n",
             until, lifetime);
  }
  return EXIT_SUCCESS;
}

/* client, user, resource ... */

static char *opt_project;
static char **opt_redirect_uris;
static char **opt_grant_types;
static char *opt_auth_method;
static char *opt_scope;
static char *opt_client_id;
static char *opt_jwks_file;
static gboolean opt_quiet;
static char *opt_email;
static char *opt_claims;
static char *opt_scopes;
static char *opt_audience;

static GOptionEntry project_entries[] = {
  { "project", 'p', 0, G_OPTION_ARG_STRING, &opt_project, "Project slug (default: default)", "SLUG" },
  { NULL }
};

/* Opens the data dir and finds --project; prints why on failure. */
static gboolean
open_project (GhServer  **out_server,
              GhProject **out_project,
              int        *status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhServer) server = open_server (GH_SETTINGS_PROFILE_PRODUCTION, &error);
  GhProject *project;

  if (server == NULL)
    return *status = fail (error), FALSE;
  project = gh_projects_get (gh_server_get_projects (server),
                             opt_project != NULL ? opt_project : GH_DEFAULT_PROJECT, &error);
  if (project == NULL)
    return *status = fail (error), FALSE;
  *out_server = g_steal_pointer (&server);
  *out_project = project;
  return TRUE;
}

static JsonObject *
client_to_json (const GhClient *client,
                const char     *secret)
{
  g_autoptr(GList) members = json_object_get_members (client->metadata);
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "client_id", client->client_id);
  if (secret != NULL)
    json_object_set_string_member (object, "client_secret", secret);
  json_object_set_int_member (object, "client_id_issued_at", client->created_at);
  if (secret != NULL)
    json_object_set_int_member (object, "client_secret_expires_at", 0);
  for (const GList *l = members; l != NULL; l = l->next)
    json_object_set_member (object, l->data,
                            json_node_copy (json_object_get_member (client->metadata, l->data)));
  json_object_set_string_member (object, "source", gh_client_source_to_string (client->source));
  return object;
}

static int
command_client_create (int    argc,
                       char **argv)
{
  static const Command command = {
    "client create", "",
    "Register a client ahead of time (pre-registered, like an admin console would). Prints the "
    "client_id, and the client_secret of a confidential client, which is shown only this once.",
    NULL,
  };
  GOptionEntry entries[] = {
    { "redirect-uri", 'r', 0, G_OPTION_ARG_STRING_ARRAY, &opt_redirect_uris,
      "A redirect URI (repeat for several; at least one)", "URI" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &opt_name, "client_name shown on the consent page", "NAME" },
    { "auth-method", 0, 0, G_OPTION_ARG_STRING, &opt_auth_method,
      "token_endpoint_auth_method: none (default), client_secret_basic, client_secret_post, "
      "private_key_jwt", "METHOD" },
    { "grant-type", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_grant_types,
      "authorization_code, refresh_token (default: both)", "GRANT" },
    { "scope", 0, 0, G_OPTION_ARG_STRING, &opt_scope, "Scopes the client may ask for", "\"A B\"" },
    { "client-id", 0, 0, G_OPTION_ARG_STRING, &opt_client_id,
      "Choose the client_id (default: client_<24 hex>)", "ID" },
    { "jwks", 0, 0, G_OPTION_ARG_FILENAME, &opt_jwks_file,
      "JWKS file with the client's public keys (private_key_jwt)", "FILE" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &opt_quiet,
      "Print the client_id alone (for CLIENT_ID=$(...); a client with a secret needs --json)",
      NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = command_context (&command, entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhServer) server = NULL;
  g_autoptr(GhProject) project = NULL;
  g_autoptr(JsonObject) metadata = json_object_new ();
  g_autoptr(JsonObject) validated = NULL;
  g_autoptr(GhClient) client = NULL;
  g_autofree char *secret = NULL;
  const char *auth_method;
  JsonArray *array;
  int status;

  g_option_context_add_main_entries (context, project_entries, NULL);
  g_option_context_add_main_entries (context, json_entries, NULL);
  if (!parse_command_line (context, &argc, &argv, &status))
    return status;
  if (argc > 1)
    return usage_error (context, "client create takes options only");
  if (opt_redirect_uris == NULL)
    return usage_error (context, "Give at least one --redirect-uri");
  if (opt_client_id != NULL && !gh_client_id_check (opt_client_id, &error))
    return usage_error (context, "%s", error->message);
  if (opt_quiet && opt_json)
    return usage_error (context, "--quiet and --json exclude each other");

  array = json_array_new ();
  for (guint i = 0; opt_redirect_uris[i] != NULL; i++)
    json_array_add_string_element (array, opt_redirect_uris[i]);
  json_object_set_array_member (metadata, "redirect_uris", array);
  array = json_array_new ();
  if (opt_grant_types != NULL)
    for (guint i = 0; opt_grant_types[i] != NULL; i++)
      json_array_add_string_element (array, opt_grant_types[i]);
  else
    {
      json_array_add_string_element (array, "authorization_code");
      json_array_add_string_element (array, "refresh_token");
    }
  json_object_set_array_member (metadata, "grant_types", array);
  if (opt_name != NULL)
    json_object_set_string_member (metadata, "client_name", opt_name);
  if (opt_scope != NULL)
    json_object_set_string_member (metadata, "scope", opt_scope);
  if (opt_auth_method != NULL)
    json_object_set_string_member (metadata, "token_endpoint_auth_method", opt_auth_method);
  if (opt_jwks_file != NULL)
    {
      g_autofree char *text = NULL;
      g_autoptr(JsonParser) parser = json_parser_new ();

      if (!g_file_get_contents (opt_jwks_file, &text, NULL, &error))
        return fail (error);
      if (!json_parser_load_from_data (parser, text, -1, &error))
        return usage_error (NULL, "--jwks %s is not JSON: %s", opt_jwks_file, error->message);
      json_object_set_member (metadata, "jwks", json_node_copy (json_parser_get_root (parser)));
    }

  if (!open_project (&server, &project, &status))
    return status;
  validated = gh_client_metadata_validate (metadata, project->settings, "none", &error);
  if (validated == NULL)
    return fail_arguments (error);
  /* The secret is shown once: never where a script would keep the client_id only. */
  auth_method = json_object_get_string_member_with_default (validated,
                                                            "token_endpoint_auth_method", "");
  if (opt_quiet && g_str_has_prefix (auth_method, "client_secret"))
    return usage_error (NULL, "--quiet prints the client_id alone, and a %s client's secret is "
                        "shown only once: use --json", auth_method);
  client = gh_clients_create (gh_server_get_clients (server), project, opt_client_id,
                              GH_CLIENT_SOURCE_ADMIN, validated, &secret, "cli", &error);
  if (client == NULL)
    return fail (error);

  if (opt_json)
    {
      g_autoptr(JsonObject) object = client_to_json (client, secret);
      print_json_object (object);
    }
  else if (opt_quiet)
    g_print ("%s\n", client->client_id);
  else
    {
      g_print ("client_id: %s\n", client->client_id);
      if (secret != NULL)
        g_print ("client_secret: %s\n(shown only now; it is stored hashed)\n", secret);
    }
  return EXIT_SUCCESS;
}

/* Where a client comes from, in words: pre-registered (here), dcr (registered itself), cimd
 * (a URL client: imported ahead of time, or fetched at /authorize and kept in the cache). */
static const char *
client_origin (const GhClient *client)
{
  switch (client->source)
    {
    case GH_CLIENT_SOURCE_ADMIN:
      return "pre-registered";
    case GH_CLIENT_SOURCE_DCR:
      return "dcr";
    case GH_CLIENT_SOURCE_CIMD:
      return client->id != 0 ? "cimd (imported)" : "cimd (fetched)";
    default:
      g_assert_not_reached ();
    }
}

static int
command_client_list (int    argc,
                     char **argv)
{
  static const Command command = {
    "client list", "",
    "List a project's clients and where each comes from: pre-registered (client create), dcr "
    "(registered itself at /register), cimd (imported) or cimd (fetched: a client_id URL "
    "whose metadata document /authorize fetched).", NULL,
  };
  g_autoptr(GOptionContext) context = command_context (&command, project_entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhServer) server = NULL;
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GPtrArray) clients = NULL;
  g_autoptr(GPtrArray) fetched = NULL;
  int status;

  g_option_context_add_main_entries (context, json_entries, NULL);
  if (!parse_command_line (context, &argc, &argv, &status))
    return status;
  if (argc > 1)
    return usage_error (context, "client list takes no arguments");
  if (!open_project (&server, &project, &status))
    return status;
  clients = gh_clients_list (gh_server_get_clients (server), project->id, &error);
  if (clients == NULL ||
      !(fetched = gh_clients_list_fetched_cimd (gh_server_get_clients (server), project->id,
                                                &error)))
    return fail (error);
  g_ptr_array_extend_and_steal (clients, g_steal_pointer (&fetched));
  if (opt_json)
    {
      g_autoptr(JsonObject) object = json_object_new ();
      JsonArray *array = json_array_new ();

      for (guint i = 0; i < clients->len; i++)
        {
          GhClient *client = g_ptr_array_index (clients, i);
          JsonObject *item = client_to_json (client, NULL);

          json_object_set_string_member (item, "origin", client_origin (client));
          json_array_add_object_element (array, item);
        }
      json_object_set_array_member (object, "clients", array);
      print_json_object (object);
      return EXIT_SUCCESS;
    }
  g_print ("%-32s %-16s %-20s %-24s %s\n", "CLIENT ID", "SOURCE", "AUTH", "NAME",
           "REDIRECT URIS");
  for (guint i = 0; i < clients->len; i++)
    {
      GhClient *client = g_ptr_array_index (clients, i);
      g_autofree char *uris = g_strjoinv (" ", client->redirect_uris);

      g_print ("%-32s %-16s %-20s %-24s %s\n", client->client_id, client_origin (client),
               gh_client_auth_method_to_string (client->auth_method),
               client->client_name != NULL ? client->client_name : "-", uris);
    }
  return EXIT_SUCCESS;
}

static int
command_client_show (int    argc,
                     char **argv)
{
  static const Command command = { "client show", "CLIENT_ID", "Show a client's metadata (JSON).", NULL };
  g_autoptr(GOptionContext) context = command_context (&command, project_entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhServer) server = NULL;
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GhClient) client = NULL;
  g_autoptr(JsonObject) object = NULL;
  int status;

  if (!parse_command_line (context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return usage_error (context, "client show takes one client_id");
  if (!open_project (&server, &project, &status))
    return status;
  client = gh_clients_get (gh_server_get_clients (server), project->id, argv[1], &error);
  if (client == NULL)
    return fail (error);
  object = client_to_json (client, NULL);
  print_json_object (object);
  return EXIT_SUCCESS;
}

/* client delete, user remove, resource remove, iat revoke: one thing, named by argv[1]. */
typedef enum
{
  REMOVE_CLIENT,
  REMOVE_USER,
  REMOVE_RESOURCE,
  REVOKE_IAT,
} Removal;

static int
run_removal (const Command *command,
             Removal        what,
             int            argc,
             char         **argv)
{
  g_autoptr(GOptionContext) context = command_context (command, project_entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhServer) server = NULL;
  g_autoptr(GhProject) project = NULL;
  gboolean done = FALSE;
  int status;

  if (!parse_command_line (context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return usage_error (context, "%s takes one %s", command->name, command->arguments);
  if (!open_project (&server, &project, &status))
    return status;

  switch (what)
    {
    case REMOVE_CLIENT:
      done = gh_clients_delete (gh_server_get_clients (server), project, argv[1], "cli", &error);
      break;
    case REMOVE_USER:
      done = gh_users_remove (gh_server_get_users (server), project, argv[1], "cli", &error);
      break;
    case REMOVE_RESOURCE:
      done = gh_resources_remove (gh_server_get_resources (server), project, argv[1], "cli", &error);
      break;
    case REVOKE_IAT:
      done = gh_iats_revoke (gh_server_get_iats (server), project, argv[1], "cli", &error);
      break;
    default:
      g_assert_not_reached ();
    }
  if (!done)
    return fail (error);
  g_print ("%s %s\n", what == REVOKE_IAT ? "Revoked" : what == REMOVE_CLIENT ? "Deleted" : "Removed",
           argv[1]);
  return EXIT_SUCCESS;
}

static int
command_client_delete (int    argc,
                       char **argv)
{
  static const Command command = { "client delete", "CLIENT_ID", "Delete a client and revoke everything it was granted.", NULL };

  return run_removal (&command, REMOVE_CLIENT, argc, argv);
}

static int
command_user_add (int    argc,
                  char **argv)
{
  static const Command command = { "user add", "USERNAME", "Add a development user.", NULL };
  GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &opt_name, "Full name (the name claim)", "NAME" },
    { "email", 0, 0, G_OPTION_ARG_STRING, &opt_email, "Email address (the email claim)", "EMAIL" },
    { "claims", 0, 0, G_OPTION_ARG_STRING, &opt_claims,
      "Extra claims for ID tokens and /userinfo, a JSON object", "JSON" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = command_context (&command, entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhServer) server = NULL;
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GhUser) user = NULL;
  g_autoptr(JsonObject) claims = NULL;
  int status;

  g_option_context_add_main_entries (context, project_entries, NULL);
  if (!parse_command_line (context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return usage_error (context, "user add takes one user name");
  if (!gh_users_check_username (argv[1], &error))
    return usage_error (context, "%s", error->message);
  if (opt_claims != NULL)
    {
      claims = gh_json_parse_object_strict (opt_claims, strlen (opt_claims), &error);
      if (claims == NULL)
        return usage_error (context, "--claims must be a JSON object: %s", error->message);
    }
  if (!open_project (&server, &project, &status))
    return status;
  user = gh_users_add (gh_server_get_users (server), project, argv[1], opt_name, opt_email, claims,
                       "cli", &error);
  if (user == NULL)
    return fail_arguments (error);
  g_print ("Added user %s to project %s\n", user->username, project->slug);
  return EXIT_SUCCESS;
}

static int
command_user_list (int    argc,
                   char **argv)
{
  static const Command command = { "user list", "", "List a project's development users.", NULL };
  g_autoptr(GOptionContext) context = command_context (&command, project_entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhServer) server = NULL;
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GPtrArray) users = NULL;
  int status;

  if (!parse_command_line (context, &argc, &argv, &status))
    return status;
  if (argc > 1)
    return usage_error (context, "user list takes no arguments");
  if (!open_project (&server, &project, &status))
    return status;
  users = gh_users_list (gh_server_get_users (server), project->id, &error);
  if (users == NULL)
    return fail (error);
  g_print ("%-20s %-24s %-28s %s\n", "USERNAME", "NAME", "EMAIL", "CLAIMS");
  for (guint i = 0; i < users->len; i++)
    {
      GhUser *user = g_ptr_array_index (users, i);
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      g_autofree char *claims = NULL;

      json_node_set_object (node, user->claims);
      claims = gh_json_to_string (node, FALSE);
      g_print ("%-20s %-24s %-28s %s\n", user->username, user->name, user->email, claims);
    }
  return EXIT_SUCCESS;
}

static int
command_user_remove (int    argc,
                     char **argv)
{
  static const Command command = { "user remove", "USERNAME", "Remove a user, with their sessions, consents and tokens.", NULL };

  return run_removal (&command, REMOVE_USER, argc, argv);
}

static int
command_resource_add (int    argc,
                      char **argv)
{
  static const Command command = {
    "resource add", "URI",
    "Register a resource server (an MCP server) tokens are issued for (RFC 8707). Its URI is "
    "the resource clients send and, unless --audience says otherwise, the tokens' aud.",
    NULL,
  };
  GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &opt_name, "Display name", "NAME" },
    { "scopes", 0, 0, G_OPTION_ARG_STRING, &opt_scopes, "Scopes it defines", "\"A B\"" },
    { "audience", 0, 0, G_OPTION_ARG_STRING, &opt_audience, "Token audience (default: the URI)", "AUD" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = command_context (&command, entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhServer) server = NULL;
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GhResource) resource = NULL;
  int status;

  g_option_context_add_main_entries (context, project_entries, NULL);
  if (!parse_command_line (context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return usage_error (context, "resource add takes one URI");
  if (!open_project (&server, &project, &status))
    return status;
  resource = gh_resources_add (gh_server_get_resources (server), project, argv[1], opt_name,
                               opt_scopes, opt_audience, "cli", &error);
  if (resource == NULL)
    return fail_arguments (error);
  g_print ("Added resource %s (audience %s)\n", resource->uri, resource->audience);
  return EXIT_SUCCESS;
}

static int
command_resource_list (int    argc,
                       char **argv)
{
  static const Command command = { "resource list", "", "List a project's resource servers.", NULL };
  g_autoptr(GOptionContext) context = command_context (&command, project_entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhServer) server = NULL;
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GPtrArray) resources = NULL;
  int status;

  if (!parse_command_line (context, &argc, &argv, &status))
    return status;
  if (argc > 1)
    return usage_error (context, "resource list takes no arguments");
  if (!open_project (&server, &project, &status))
    return status;
  resources = gh_resources_list (gh_server_get_resources (server), project->id, &error);
  if (resources == NULL)
    return fail (error);
  g_print ("%-40s %-9s %-24s %s\n", "URI", "SOURCE", "NAME", "SCOPES");
  for (guint i = 0; i < resources->len; i++)
    {
      GhResource *resource = g_ptr_array_index (resources, i);
      g_autofree char *scopes = g_strjoinv (" ", resource->scopes);

      g_print ("%-40s %-9s %-24s %s\n", resource->uri, resource->recorded ? "recorded" : "admin",
               resource->display_name, scopes);
    }
  return EXIT_SUCCESS;
}

static int
command_resource_remove (int    argc,
                         char **argv)
{
  static const Command command = { "resource remove", "URI", "Remove a resource server.", NULL };

  return run_removal (&command, REMOVE_RESOURCE, argc, argv);
}

/* iat ... */

static char *opt_label;
static gint64 opt_max_uses = 1;
static gint64 opt_expires_in = 86400;
static char **opt_pins;

static int
command_iat_issue (int    argc,
                   char **argv)
{
  static const Command command = {
    "iat issue", "",
    "Issue an Initial Access Token for Dynamic Client Registration (dcr_mode "
    "initial_access_token). Prints the token alone; it is shown only this once and stored "
    "hashed. Pins: token_endpoint_auth_method=METHOD, application_type=web|native, "
    "scope=\"A B\" (a ceiling), redirect_uri_prefix=PREFIX (repeatable).",
    NULL,
  };
  GOptionEntry entries[] = {
    { "label", 0, 0, G_OPTION_ARG_STRING, &opt_label, "What the token is for", "LABEL" },
    { "max-uses", 0, 0, G_OPTION_ARG_INT64, &opt_max_uses, "Registrations it allows (default 1)", "N" },
    { "expires-in", 0, 0, G_OPTION_ARG_INT64, &opt_expires_in,
      "Seconds until it expires (default 86400; 0 = never)", "SECONDS" },
    { "pin", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_pins,
      "Metadata registrations must respect or get filled in from", "KEY=VALUE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = command_context (&command, entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhServer) server = NULL;
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GhIat) iat = NULL;
  g_autoptr(JsonObject) pinned = json_object_new ();
  g_autofree char *token = NULL;
  JsonArray *prefixes = NULL;
  int status;

  g_option_context_add_main_entries (context, project_entries, NULL);
  if (!parse_command_line (context, &argc, &argv, &status))
    return status;
  if (argc > 1)
    return usage_error (context, "iat issue takes options only");
  for (guint i = 0; opt_pins != NULL && opt_pins[i] != NULL; i++)
    {
      const char *equals = strchr (opt_pins[i], '=');
      g_autofree char *key = NULL;

      if (equals == NULL || equals == opt_pins[i])
        return usage_error (context, "--pin takes KEY=VALUE, not “%s”", opt_pins[i]);
      key = g_strndup (opt_pins[i], equals - opt_pins[i]);
      if (g_str_equal (key, "redirect_uri_prefix"))
        {
          if (prefixes == NULL)
            {
              prefixes = json_array_new ();
              json_object_set_array_member (pinned, "redirect_uri_prefixes", prefixes);
            }
          json_array_add_string_element (prefixes, equals + 1);
        }
      else if (json_object_has_member (pinned, key))
        return usage_error (context, "%s is pinned twice", key);
      else
        json_object_set_string_member (pinned, key, equals + 1);
    }
  if (!gh_iats_check_pins (pinned, &error))
    return usage_error (context, "%s", error->message);

  if (!open_project (&server, &project, &status))
    return status;
  iat = gh_iats_issue (gh_server_get_iats (server), project, opt_label, opt_max_uses,
                       opt_expires_in, pinned, "cli", &token, &error);
  if (iat == NULL)
    return fail_arguments (error);
  if (project->settings->dcr_mode != GH_DCR_MODE_INITIAL_ACCESS_TOKEN)
    g_printerr ("gatehouse-server: note: project %s has dcr_mode %s; the token is used only "
                "when dcr_mode is initial_access_token\n", project->slug,
                gh_dcr_mode_to_string (project->settings->dcr_mode));
  g_print ("%s\n", token);
  return EXIT_SUCCESS;
}

static int
command_iat_list (int    argc,
                  char **argv)
{
  static const Command command = { "iat list", "", "List Initial Access Tokens (never their secret).", NULL };
  g_autoptr(GOptionContext) context = command_context (&command, project_entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhServer) server = NULL;
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GPtrArray) iats = NULL;
  gint64 now = gh_now_seconds ();
  int status;

  g_option_context_add_main_entries (context, json_entries, NULL);
  if (!parse_command_line (context, &argc, &argv, &status))
    return status;
  if (argc > 1)
    return usage_error (context, "iat list takes no arguments");
  if (!open_project (&server, &project, &status))
    return status;
  iats = gh_iats_list (gh_server_get_iats (server), project->id, &error);
  if (iats == NULL)
    return fail (error);
  if (opt_json)
    {
      g_autoptr(JsonObject) object = json_object_new ();
      JsonArray *array = json_array_new ();

      for (guint i = 0; i < iats->len; i++)
        {
          GhIat *iat = g_ptr_array_index (iats, i);
          JsonObject *item = json_object_new ();

          json_object_set_string_member (item, "id", iat->id);
          json_object_set_string_member (item, "label", iat->label);
          json_object_set_int_member (item, "max_uses", iat->max_uses);
          json_object_set_int_member (item, "uses", iat->uses);
          json_object_set_int_member (item, "uses_left", iat->max_uses - iat->uses);
          json_object_set_int_member (item, "created_at", iat->created_at);
          if (iat->expires_at != 0)
            json_object_set_int_member (item, "expires_at", iat->expires_at);
          if (iat->last_used_at != 0)
            json_object_set_int_member (item, "last_used_at", iat->last_used_at);
          json_object_set_boolean_member (item, "revoked", iat->revoked_at != 0);
          json_object_set_boolean_member (item, "usable", gh_iat_is_usable (iat, now));
          json_object_set_object_member (item, "pinned", json_object_ref (iat->pinned));
          json_array_add_object_element (array, item);
        }
      json_object_set_array_member (object, "initial_access_tokens", array);
      print_json_object (object);
      return EXIT_SUCCESS;
    }
  g_print ("%-18s %-20s %-9s %-21s %-21s %-21s %s\n", "ID", "LABEL", "USES LEFT", "CREATED",
           "EXPIRES", "LAST USED", "STATE");
  for (guint i = 0; i < iats->len; i++)
    {
      GhIat *iat = g_ptr_array_index (iats, i);
      g_autofree char *created = format_time (iat->created_at);
      g_autofree char *expires = iat->expires_at != 0 ? format_time (iat->expires_at) : g_strdup ("never");
      g_autofree char *used = format_time (iat->last_used_at);

      g_print ("%-18s %-20s %-9" G_GINT64_FORMAT " %-21s %-21s %-21s %s\n", iat->id, iat->label,
               iat->max_uses - iat->uses, created, expires, used,
               iat->revoked_at != 0 ? "revoked" :
               (iat->expires_at != 0 && iat->expires_at <= now) ? "expired" :
               iat->uses >= iat->max_uses ? "used up" : "usable");
    }
  return EXIT_SUCCESS;
}

static int
command_iat_revoke (int    argc,
                    char **argv)
{
  static const Command command = { "iat revoke", "ID", "Revoke an Initial Access Token.", NULL };

  return run_removal (&command, REVOKE_IAT, argc, argv);
}

/* cimd ... */

static gboolean opt_refresh;

typedef struct
{
  GMainLoop *loop;
  GhCimdReport *report;
  GError *error;
} Resolving;

static void
resolved_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Resolving *resolving = user_data;

  resolving->report = gh_cimd_resolver_resolve_finish (GH_CIMD_RESOLVER (source), result,
                                                       &resolving->error);
  g_main_loop_quit (resolving->loop);
}

/* Resolves @url for @project in a main loop of its own. */
static GhCimdReport *
resolve_now (GhServer         *server,
             const GhProject  *project,
             const char       *url,
             gboolean          force,
             GError          **error)
{
  Resolving resolving = { 0 };

  resolving.loop = g_main_loop_new (NULL, FALSE);
  gh_cimd_resolver_resolve_async (gh_server_get_cimd_resolver (server), project, url,
                                  force ? GH_CIMD_RESOLVE_FORCE_REFRESH : GH_CIMD_RESOLVE_NONE,
                                  NULL, NULL, resolved_cb, &resolving);
  g_main_loop_run (resolving.loop);
  g_main_loop_unref (resolving.loop);
  if (resolving.error != NULL)
    g_propagate_error (error, resolving.error);
  return resolving.report;
}

static const char *
member_text (JsonObject *object,
             const char *member)
{
  if (object == NULL || !json_object_has_member (object, member))
    return NULL;
  return json_object_get_string_member_with_default (object, member, NULL);
}

/* One readable screen: the verdict, every check in order, the network and the cache. */
static void
print_report (GhCimdReport *report)
{
  g_autoptr(JsonObject) json = gh_cimd_report_to_json (report);
  JsonArray *checks = json_object_get_array_member (json, "checks");
  JsonObject *network = json_object_has_member (json, "network")
                        ? json_object_get_object_member (json, "network") : NULL;
  JsonObject *cache = json_object_has_member (json, "cache")
                      ? json_object_get_object_member (json, "cache") : NULL;
  const char *verdict = member_text (json, "verdict");

  g_print ("%s\n  verdict: %s\n\n", gh_cimd_report_get_client_id (report),
           g_strcmp0 (verdict, "fail") == 0 ? "FAIL" : g_strcmp0 (verdict,
                                                                  "warn") == 0 ? "pass, with warnings" : "pass");
  for (guint i = 0; checks != NULL && i < json_array_get_length (checks); i++)
    {
      JsonObject *check = json_array_get_object_element (checks, i);
      const char *status = member_text (check, "status");

      g_print ("  %-4s  %-36s %s\n",
               g_strcmp0 (status, "fail") == 0 ? "FAIL" : g_strcmp0 (status,
                                                                     "warn") == 0 ? "warn" : "ok",
               member_text (check, "id"), member_text (check, "message"));
    }
  if (network != NULL)
    {
      JsonArray *addresses = json_object_has_member (network, "resolved_addresses")
                             ? json_object_get_array_member (network, "resolved_addresses") : NULL;
      JsonObject *timings = json_object_has_member (network, "timings_ms")
                            ? json_object_get_object_member (network, "timings_ms") : NULL;
      g_autoptr(GString) line = g_string_new ("\n  network: ");

      if (addresses != NULL)
        {
          g_string_append (line, "resolved ");
          for (guint i = 0; i < json_array_get_length (addresses); i++)
            g_string_append_printf (line, "%s%s", i > 0 ? ", " : "",
                                    json_array_get_string_element (addresses, i));
          g_string_append (line, "; ");
        }
      if (member_text (network, "connected_address") != NULL)
        g_string_append_printf (line, "connected to %s; ", member_text (network,
                                                                        "connected_address"));
      if (json_object_has_member (network, "status"))
        g_string_append_printf (line, "HTTP %" G_GINT64_FORMAT " %s, %" G_GINT64_FORMAT " bytes",
                                json_object_get_int_member (network, "status"),
                                member_text (network, "content_type") != NULL
                                  ? member_text (network, "content_type") : "(no content type)",
                                json_object_get_int_member_with_default (network, "size", 0));
      g_print ("%s\n", line->str);
      if (timings != NULL)
        {
          static const struct { const char *member, *name; } phases[] = {
            { "dns", "dns" }, { "connect", "connect" }, { "tls", "tls" },
            { "first_byte", "first byte" }, { "total", "total" },
          };
          gboolean plain = g_ascii_strncasecmp (gh_cimd_report_get_client_id (report),
                                                "http:", 5) == 0;

          g_string_assign (line, "  timings:");
          for (guint i = 0; i < G_N_ELEMENTS (phases); i++)
            {
              gint64 ms = json_object_get_int_member_with_default (timings, phases[i].member, -1);

              g_string_append (line, i > 0 ? ", " : " ");
              /* -1: the phase did not happen (plain http has no TLS; a failure stops early). */
              if (ms >= 0)
                g_string_append_printf (line, "%s %" G_GINT64_FORMAT " ms", phases[i].name, ms);
              else if (plain && g_str_equal (phases[i].member, "tls"))
                g_string_append (line, "no TLS (http)");
              else
                g_string_append_printf (line, "%s not reached", phases[i].name);
            }
          g_print ("%s\n", line->str);
        }
    }
  if (cache != NULL)
    g_print ("  cache:   %s%s%s\n", member_text (cache, "result") != NULL ? member_text (cache,
                                                                                         "result") : "-",
             member_text (cache, "why") != NULL ? " — " : "",
             member_text (cache, "why") != NULL ? member_text (cache, "why") : "");
}

static int
finish_report (GhCimdReport *report)
{
  if (opt_json)
    {
      g_autoptr(JsonObject) json = gh_cimd_report_to_json (report);
      print_json_object (json);
    }
  else
    print_report (report);
  return gh_cimd_report_get_verdict (report) == GH_CIMD_FAIL ? EXIT_FAILURE : EXIT_SUCCESS;
}

static GOptionEntry cimd_entries[] = {
  { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_ca_file,
    "Also trust these PEM CA certificates (a corporate CA, a local test server)", "FILE" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print the whole report as JSON", NULL },
  { NULL }
};

static gboolean
open_cimd (GOptionContext  *context,
           GhServer       **server,
           GhProject      **project,
           int             *status)
{
  g_autoptr(GError) error = NULL;

  if (!open_project (server, project, status))
    return FALSE;
  if (!(*project)->settings->cimd_enabled)
    g_printerr ("gatehouse-server: note: project %s has cimd_enabled off; /authorize refuses URL "
                "client ids there\n", (*project)->slug);
  if (opt_ca_file != NULL && !gh_server_set_outbound_ca_file (*server, opt_ca_file, &error))
    {
      *status = fail (error);
      return FALSE;
    }
  return TRUE;
}

static int
command_cimd_resolve (int    argc,
                      char **argv)
{
  static const Command command = {
    "cimd resolve", "URL",
    "Fetch and check a Client ID Metadata Document the way /authorize does, and explain every "
    "check. Exits 1 when the document would be refused.", NULL,
  };
  GOptionEntry entries[] = {
    { "refresh", 0, 0, G_OPTION_ARG_NONE, &opt_refresh, "Ignore a fresh cached copy", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = command_context (&command, entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhServer) server = NULL;
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GhCimdReport) report = NULL;
  int status;

  g_option_context_add_main_entries (context, project_entries, NULL);
  g_option_context_add_main_entries (context, cimd_entries, NULL);
  if (!parse_command_line (context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return usage_error (context, "cimd resolve takes one client_id URL");
  if (!open_cimd (context, &server, &project, &status))
    return status;
  report = resolve_now (server, project, argv[1], opt_refresh, &error);
  if (report == NULL)
    return fail (error);
  return finish_report (report);
}

static int
command_cimd_import (int    argc,
                     char **argv)
{
  static const Command command = {
    "cimd import", "URL",
    "Register a client ahead of time from its metadata document. /authorize then uses the "
    "stored copy; `cimd refresh` fetches it again.", NULL,
  };
  g_autoptr(GOptionContext) context = command_context (&command, cimd_entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhServer) server = NULL;
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GhCimdReport) report = NULL;
  g_autoptr(GhClient) client = NULL;
  int status;

  g_option_context_add_main_entries (context, project_entries, NULL);
  if (!parse_command_line (context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return usage_error (context, "cimd import takes one client_id URL");
  if (!open_cimd (context, &server, &project, &status))
    return status;
  report = resolve_now (server, project, argv[1], TRUE, &error);
  if (report == NULL)
    return fail (error);
  if (gh_cimd_report_get_verdict (report) == GH_CIMD_FAIL)
    {
      finish_report (report);
      return EXIT_FAILURE;
    }
  client = gh_clients_create (gh_server_get_clients (server), project,
                              gh_cimd_report_get_client_id (report), GH_CLIENT_SOURCE_CIMD,
                              gh_cimd_report_get_document (report), NULL, "cli", &error);
  if (client == NULL)
    return fail (error);
  g_print ("Imported %s (%s)\n", client->client_id,
           client->client_name != NULL ? client->client_name : "no client_name");
  return EXIT_SUCCESS;
}

static int
command_cimd_refresh (int    argc,
                      char **argv)
{
  static const Command command = {
    "cimd refresh", "CLIENT_ID",
    "Fetch an imported client's metadata document again and show what changed. A change of "
    "redirect_uris or keys makes users consent again.", NULL,
  };
  g_autoptr(GOptionContext) context = command_context (&command, cimd_entries);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhServer) server = NULL;
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GhCimdReport) report = NULL;
  g_autoptr(GhClient) client = NULL;
  g_autoptr(GList) members = NULL;
  JsonObject *document;
  guint changed = 0;
  int status;

  g_option_context_add_main_entries (context, project_entries, NULL);
  if (!parse_command_line (context, &argc, &argv, &status))
    return status;
  if (argc != 2)
    return usage_error (context, "cimd refresh takes one imported client_id URL");
  if (!open_cimd (context, &server, &project, &status))
    return status;
  if (!gh_clients_is_registered (gh_server_get_clients (server), project->id, argv[1]) ||
      !(client = gh_clients_get (gh_server_get_clients (server), project->id, argv[1], &error)) ||
      client->source != GH_CLIENT_SOURCE_CIMD)
    {
      g_printerr ("gatehouse-server: %s is not an imported CIMD client (see `cimd import`)\n",
                  argv[1]);
      return EXIT_FAILURE;
    }
  report = resolve_now (server, project, argv[1], TRUE, &error);
  if (report == NULL)
    return fail (error);
  if (gh_cimd_report_get_verdict (report) == GH_CIMD_FAIL)
    {
      finish_report (report);
      g_printerr ("gatehouse-server: the stored copy is kept\n");
      return EXIT_FAILURE;
    }

  document = gh_cimd_report_get_document (report);
  members = json_object_get_members (document);
  for (const GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *now = json_object_get_member (document, l->data);
      JsonNode *before = json_object_get_member (client->metadata, l->data);

      if (before == NULL || !json_node_equal (before, now))
        {
          g_autofree char *old_text = before != NULL ? gh_json_to_string (before,
                                                                       FALSE) : g_strdup ("(absent)");
          g_autofree char *new_text = gh_json_to_string (now, FALSE);
          g_print ("%s: %s -> %s\n", (char *) l->data, old_text, new_text);
          changed++;
        }
    }
  g_list_free (g_steal_pointer (&members));
  members = json_object_get_members (client->metadata);
  for (const GList *l = members; l != NULL; l = l->next)
    if (!json_object_has_member (document, l->data))
      {
        g_print ("%s: removed\n", (char *) l->data);
        changed++;
      }
  if (changed == 0)
    {
      g_print ("No change\n");
      return EXIT_SUCCESS;
    }
  if (!gh_clients_update_metadata (gh_server_get_clients (server), project, argv[1], document,
                                   "cli",
                                   &error))
    return fail (error);
  g_print ("Updated %s\n", argv[1]);
  /* New places to return to, or new keys: what users allowed before no longer stands. */
  for (const char * const *member = (const char * const[]) { "redirect_uris", "jwks", "jwks_uri",
       NULL };
       *member != NULL; member++)
    {
      JsonNode *now = json_object_get_member (document, *member);
      JsonNode *before = json_object_get_member (client->metadata, *member);

      if ((now == NULL) != (before == NULL) || (now != NULL && !json_node_equal (now, before)))
        {
          if (!gh_clients_drop_consents (gh_server_get_clients (server), project->id, argv[1],
                                         &error))
            return fail (error);
          g_print ("%s changed: users will be asked to consent again\n", *member);
          break;
        }
    }
  return EXIT_SUCCESS;
}

static const Command commands[] = {
  { "serve", "", "Run the authorization server", command_serve },
  { "status", "[--wait SECONDS]", "Where the server on the data directory listens, pid, uptime",
    command_status },
  { "project list", "", "List projects", command_project_list },
  { "project show", "SLUG", "Show a project and its settings", command_project_show },
  { "project create", "SLUG", "Create a project at /p/SLUG", command_project_create },
  { "project set", "SLUG KEY=VALUE...", "Change project settings", command_project_set },
  { "keys list", "", "List signing keys", command_keys_list },
  { "keys rotate", "", "Add a new signing key (published now, signs later)", command_keys_rotate },
  { "client create", "--redirect-uri URI...", "Register a client", command_client_create },
  { "client list", "", "List clients", command_client_list },
  { "client show", "CLIENT_ID", "Show a client", command_client_show },
  { "client delete", "CLIENT_ID", "Delete a client and revoke its grants", command_client_delete },
  { "user add", "USERNAME", "Add a development user", command_user_add },
  { "user list", "", "List development users", command_user_list },
  { "user remove", "USERNAME", "Remove a development user", command_user_remove },
  { "resource add", "URI", "Register a resource server (MCP server)", command_resource_add },
  { "resource list", "", "List resource servers", command_resource_list },
  { "resource remove", "URI", "Remove a resource server", command_resource_remove },
  { "iat issue", "[--max-uses N] [--pin K=V]...", "Issue an Initial Access Token", command_iat_issue },
  { "iat list", "", "List Initial Access Tokens", command_iat_list },
  { "iat revoke", "ID", "Revoke an Initial Access Token", command_iat_revoke },
  { "cimd resolve", "URL", "Fetch and explain a Client ID Metadata Document", command_cimd_resolve },
  { "cimd import", "URL", "Register a CIMD client ahead of time", command_cimd_import },
  { "cimd refresh", "CLIENT_ID", "Fetch an imported CIMD client again", command_cimd_refresh },
};

static void
print_usage (FILE *stream)
{
  fprintf (stream, "Usage: gatehouse-server COMMAND [OPTIONS...]\n\n"
           "Gatehouse, an OAuth 2.1 / OpenID Connect authorization server for MCP.\n\n"
           "Commands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autofree char *usage = g_strdup_printf ("%s %s", commands[i].name, commands[i].arguments);
      fprintf (stream, "  %-36s %s\n", usage, commands[i].summary);
    }
  fprintf (stream, "\nRun “gatehouse-server COMMAND --help” for a command's options.\n");
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");

  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") ||
      g_str_equal (argv[1], "help"))
    {
      print_usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? EXIT_USAGE : EXIT_SUCCESS;
    }
  if (g_str_equal (argv[1], "--version"))
    {
      g_print ("gatehouse-server %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  /* Two-word commands ("project set") first, then one-word ones ("serve"). */
  for (guint words = 2; words >= 1; words--)
    {
      g_autofree char *name = NULL;

      if ((guint) argc <= words)
        continue;
      name = words == 2 ? g_strdup_printf ("%s %s", argv[1], argv[2]) : g_strdup (argv[1]);
      for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
        if (g_str_equal (commands[i].name, name))
          {
            g_autofree char *prgname = g_strdup_printf ("gatehouse-server %s", name);
            int status;

            g_set_prgname (prgname);
            /* The command sees argv[0] = its name, then its own arguments. */
            status = commands[i].func (argc - (int) words, argv + words);
            g_clear_pointer (&opt_data_dir, g_free);
            g_clear_pointer (&opt_secrets, g_free);
            return status;
          }
    }

  {
    gboolean group = FALSE;

    for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
      if (g_str_has_prefix (commands[i].name, argv[1]) && commands[i].name[strlen (argv[1])] == ' ')
        group = TRUE;
    if (group)
      g_printerr ("gatehouse-server: “%s” needs a subcommand\n\n", argv[1]);
    else
      g_printerr ("gatehouse-server: unknown command “%s”\n\n", argv[1]);
  }
  print_usage (stderr);
  return EXIT_USAGE;
}
