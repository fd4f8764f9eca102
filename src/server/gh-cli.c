/* gh-cli.c — what every gatehouse-server command shares: options, opening, printing
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-cli"

#include "config.h"

#include <stdarg.h>

#include "gh-cli.h"
#include "gh-error.h"
#include "gh-json.h"

/* Options every command takes, and the two many take. */
static char *opt_data_dir;
static char *opt_secrets;
static char *opt_project;
static gboolean opt_json;

static const GOptionEntry common_options[] = {
  { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &opt_data_dir,
    "Data directory (default: $GATEHOUSE_DATA_DIR or $XDG_DATA_HOME/gatehouse)", "DIR" },
  { "secrets", 0, 0, G_OPTION_ARG_STRING, &opt_secrets,
    "Where secrets live: auto (Secret Service if reachable, else a 0600 file), keyring, file",
    "BACKEND" },
  { NULL }
};

const GOptionEntry gh_cli_json_options[] = {
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print JSON", NULL },
  { NULL }
};

const GOptionEntry gh_cli_project_options[] = {
  { "project", 'p', 0, G_OPTION_ARG_STRING, &opt_project,
    "Project slug (default: default)", "SLUG" },
  { NULL }
};

int
gh_cli_usage_error (GOptionContext *context,
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
  return GH_CLI_EXIT_USAGE;
}

int
gh_cli_fail (const GError *error)
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

int
gh_cli_fail_arguments (const GError *error)
{
  g_printerr ("gatehouse-server: %s\n", error->message);
  return is_bad_argument (error) ? GH_CLI_EXIT_USAGE : EXIT_FAILURE;
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

char *
gh_cli_resolve_data_dir (void)
{
  const char *env = g_getenv ("GATEHOUSE_DATA_DIR");

  if (opt_data_dir != NULL)
    return g_canonicalize_filename (opt_data_dir, NULL);
  if (env != NULL && *env != '\0')
    return g_canonicalize_filename (env, NULL);
  return g_build_filename (g_get_user_data_dir (), "gatehouse", NULL);
}

GhServer *
gh_cli_open_server (GhSettingsProfile   profile,
                    GError            **error)
{
  g_autofree char *data_dir = gh_cli_resolve_data_dir ();
  GhSecretBackend backend;

  if (!parse_backend (&backend, error))
    return NULL;
  return gh_server_new (data_dir, backend, profile, error);
}

static gboolean
takes_option (const GhCliCommand *command,
              const GOptionEntry *options)
{
  for (guint i = 0; i < G_N_ELEMENTS (command->options); i++)
    if (command->options[i] == options)
      return TRUE;
  return FALSE;
}

gboolean
gh_cli_open (GhCli *cli)
{
  g_autoptr(GError) error = NULL;

  g_assert (cli->server == NULL);

  cli->server = gh_cli_open_server (GH_SETTINGS_PROFILE_PRODUCTION, &error);
  if (cli->server == NULL)
    return gh_cli_fail (error), FALSE;
  if (!takes_option (cli->command, gh_cli_project_options))
    return TRUE;
  cli->project = gh_projects_get (gh_server_get_projects (cli->server),
                                  opt_project != NULL ? opt_project : GH_DEFAULT_PROJECT, &error);
  if (cli->project == NULL)
    return gh_cli_fail (error), FALSE;
  return TRUE;
}

static GOptionContext *
command_context (const GhCliCommand *command)
{
  g_autofree char *parameter = g_strdup_printf ("%s %s", command->name, command->arguments);
  GOptionContext *context = g_option_context_new (parameter);

  g_option_context_set_summary (context, command->help);
  for (guint i = 0; i < G_N_ELEMENTS (command->options); i++)
    {
      if (command->options[i] != NULL)
        g_option_context_add_main_entries (context, command->options[i], NULL);
      if (i == 0)
        g_option_context_add_main_entries (context, common_options, NULL);
    }
  if (command->describe != NULL)
    {
      g_autofree char *description = command->describe ();
      g_option_context_set_description (context, description);
    }
  return context;
}

/* Parses the options and checks the number of arguments; on failure prints why. */
static gboolean
parse_command_line (GhCli *cli,
                    int   *status)
{
  const GhCliCommand *command = cli->command;
  g_autoptr(GError) error = NULL;
  GhSecretBackend backend;
  int n_args;

  if (!g_option_context_parse (cli->context, &cli->argc, &cli->argv, &error) ||
      !parse_backend (&backend, &error))
    {
      *status = gh_cli_usage_error (cli->context, "%s", error->message);
      return FALSE;
    }
  n_args = cli->argc - 1;
  if (command->args_text != NULL &&
      (n_args < command->min_args || (command->max_args >= 0 && n_args > command->max_args)))
    {
      *status = gh_cli_usage_error (cli->context, "%s takes %s", command->name,
                                    command->args_text);
      return FALSE;
    }
  cli->json = opt_json;
  return TRUE;
}

static int
run_removal (GhCli *cli)
{
  g_autoptr(GError) error = NULL;

  if (!cli->command->remove (cli, &error))
    return gh_cli_fail (error);
  g_print ("%s %s\n", cli->command->removed, cli->argv[1]);
  return EXIT_SUCCESS;
}

int
gh_cli_run (const GhCliCommand  *command,
            int                  argc,
            char               **argv)
{
  GhCli cli = { .command = command, .argc = argc, .argv = argv };
  int status;

  cli.context = command_context (command);
  if (parse_command_line (&cli, &status))
    {
      if ((command->flags & GH_CLI_OPEN) != 0 && !gh_cli_open (&cli))
        status = EXIT_FAILURE;
      else if (command->remove != NULL)
        status = run_removal (&cli);
      else
        status = command->run (&cli);
    }

  g_clear_pointer (&cli.project, gh_project_free);
  g_clear_object (&cli.server);
  g_clear_pointer (&cli.context, g_option_context_free);
  g_clear_pointer (&opt_data_dir, g_free);
  g_clear_pointer (&opt_secrets, g_free);
  g_clear_pointer (&opt_project, g_free);
  return status;
}

void
gh_cli_print_json (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
  g_autofree char *text = gh_json_to_string (node, TRUE);

  g_print ("%s\n", text);
}

void
gh_cli_print_json_list (JsonObject  *object,
                        const char  *member,
                        GPtrArray   *items,
                        GhCliToJson  to_json,
                        gpointer     user_data)
{
  g_autoptr(JsonObject) whole = object != NULL ? json_object_ref (object) : json_object_new ();
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < items->len; i++)
    json_array_add_object_element (array, to_json (g_ptr_array_index (items, i), user_data));
  json_object_set_array_member (whole, member, array);
  gh_cli_print_json (whole);
}

void
gh_cli_print_row (const int *widths,
                  ...)
{
  g_autoptr(GString) line = g_string_new (NULL);
  va_list cells;

  va_start (cells, widths);
  for (guint i = 0; widths[i] != 0; i++)
    g_string_append_printf (line, "%-*s ", widths[i], va_arg (cells, const char *));
  g_string_append_printf (line, "%s", va_arg (cells, const char *));
  va_end (cells);
  g_print ("%s\n", line->str);
}

char *
gh_cli_format_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) time = NULL;

  if (unix_seconds == 0)
    return g_strdup ("-");
  time = g_date_time_new_from_unix_utc (unix_seconds);
  return g_date_time_format (time, "%Y-%m-%d %H:%M:%SZ");
}

char *
gh_cli_format_duration (gint64 seconds)
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
