/* gh-cli-project.c — gatehouse-server project list, show, create and set
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-cli"

#include "config.h"

#include <string.h>

#include "gh-cli.h"
#include "gh-server-record.h"

static char *opt_name;
static gboolean opt_dev;
static gboolean opt_production;

static const GOptionEntry create_options[] = {
  { "name", 0, 0, G_OPTION_ARG_STRING, &opt_name, "Display name (default: the slug)", "NAME" },
  { "dev", 0, 0, G_OPTION_ARG_NONE, &opt_dev, "Development defaults", NULL },
  { "production", 0, 0, G_OPTION_ARG_NONE, &opt_production,
    "Production defaults (the default follows the default project's profile)", NULL },
  { NULL }
};

static GhSettingsProfile
default_project_profile (GhServer *server)
{
  g_autoptr(GhProject) fallback = gh_projects_get (gh_server_get_projects (server),
                                                   GH_DEFAULT_PROJECT, NULL);
  return fallback != NULL ? fallback->profile : GH_SETTINGS_PROFILE_PRODUCTION;
}

/* The server a data directory records (server.d/): a running one, else the one that served
 * last, or NULL when none has listened there. */
static GhServerRecord *
read_record (GhServer *server)
{
  g_autoptr(GError) error = NULL;
  GhServerRecord *record = gh_server_record_read (gh_server_get_data_dir (server), &error);

  if (record == NULL && !g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    g_printerr ("gatehouse-server: note: %s\n", error->message);
  return record;
}

/* The project's issuer URL where the recorded server serves (or served) it; NULL without a
 * record. */
static char *
issuer_url (const GhServerRecord *record,
            const GhProject      *project)
{
  g_autofree char *path = gh_project_dup_issuer_path (project);

  return record != NULL ? g_strconcat (record->issuer_base, path, NULL) : NULL;
}

/* "http://127.0.0.1:41234/p/acme", and when no server runs now, why the URL is a guess. */
static char *
describe_issuer (const GhServerRecord *record,
                 const GhProject      *project)
{
  g_autofree char *path = gh_project_dup_issuer_path (project);
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

/* gh_project_to_json() with the issuer where the recorded server serves the project. */
static JsonObject *
project_to_json (gpointer item,
                 gpointer user_data)
{
  const GhProject *project = item;
  const GhServerRecord *record = user_data;
  g_autofree char *url = issuer_url (record, project);

  return gh_project_to_json (project, url, record != NULL && record->running);
}

/* `project show`, `project create`: the project as JSON or, when @text is NULL, whole. */
static int
print_project (GhCli           *cli,
               const GhProject *project,
               const char      *text)
{
  g_autoptr(GhServerRecord) record = read_record (cli->server);
  const char * const *keys = gh_project_settings_list_keys ();
  g_autoptr(GDateTime) created = g_date_time_new_from_unix_utc (project->created_at);
  g_autofree char *created_text = g_date_time_format_iso8601 (created);
  g_autofree char *issuer = describe_issuer (record, project);

  if (cli->json)
    {
      g_autoptr(JsonObject) object = project_to_json ((gpointer) project, record);

      gh_cli_print_json (object);
      return EXIT_SUCCESS;
    }
  if (text != NULL)
    {
      g_print ("%s, issuer %s\n", text, issuer);
      return EXIT_SUCCESS;
    }
  g_print ("%s (%s)\n", project->slug, project->display_name);
  g_print ("  issuer: %s\n", issuer);
  g_print ("  profile: %s, created %s\n", gh_settings_profile_to_string (project->profile),
           created_text);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autofree char *value = gh_project_settings_get (project->settings, keys[i]);
      g_print ("  %-22s %s\n", keys[i], *value != '\0' ? value : "(empty)");
    }
  return EXIT_SUCCESS;
}

static int
run_list (GhCli *cli)
{
  static const int widths[] = { 24, 12, 5, 5, 22, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) projects = NULL;
  g_autoptr(GhServerRecord) record = NULL;

  projects = gh_projects_list (gh_server_get_projects (cli->server), &error);
  if (projects == NULL)
    return gh_cli_fail (error);
  record = read_record (cli->server);

  if (cli->json)
    {
      gh_cli_print_json_list (NULL, "projects", projects, project_to_json, record);
      return EXIT_SUCCESS;
    }

  gh_cli_print_row (widths, "SLUG", "PROFILE", "MCP", "CIMD", "DCR",
                    record != NULL ? "ISSUER" : "ISSUER PATH");
  for (guint i = 0; i < projects->len; i++)
    {
      GhProject *project = g_ptr_array_index (projects, i);
      g_autofree char *path = gh_project_dup_issuer_path (project);
      g_autofree char *url = issuer_url (record, project);

      gh_cli_print_row (widths, project->slug, gh_settings_profile_to_string (project->profile),
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
run_show (GhCli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhProject) project = gh_projects_get (gh_server_get_projects (cli->server),
                                                  cli->argv[1], &error);

  if (project == NULL)
    return gh_cli_fail (error);
  return print_project (cli, project, NULL);
}

static int
run_create (GhCli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhProject) project = NULL;
  g_autofree char *text = NULL;
  GhSettingsProfile profile;

  if (opt_dev && opt_production)
    return gh_cli_usage_error (cli->context, "--dev and --production exclude each other");
  if (!gh_projects_check_slug (cli->argv[1], &error))
    return gh_cli_usage_error (cli->context, "%s", error->message);

  if (!gh_cli_open (cli))
    return EXIT_FAILURE;
  profile = opt_dev ? GH_SETTINGS_PROFILE_DEVELOPMENT :
            opt_production ? GH_SETTINGS_PROFILE_PRODUCTION :
            default_project_profile (cli->server);

  project = gh_projects_create (gh_server_get_projects (cli->server), cli->argv[1], opt_name,
                                profile, "cli", &error);
  if (project == NULL)
    return gh_cli_fail (error);
  text = g_strdup_printf ("Created project %s (%s defaults)", project->slug,
                          gh_settings_profile_to_string (profile));
  return print_project (cli, project, text);
}

static char *
describe_settings (void)
{
  GString *description = g_string_new ("Settings:\n");

  for (const char * const *key = gh_project_settings_list_keys (); *key != NULL; key++)
    g_string_append_printf (description, "  %-22s %s\n", *key,
                            gh_project_settings_describe_key (*key));
  return g_string_free (description, FALSE);
}

static JsonObject *
change_to_json (gpointer item,
                gpointer user_data)
{
  return gh_setting_change_to_json (item);
}

static void
print_change (const GhSettingChange *change)
{
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

static int
run_set (GhCli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) patch = json_object_new ();
  g_autoptr(GPtrArray) changes = NULL;

  for (int i = 2; i < cli->argc; i++)
    {
      const char *equals = strchr (cli->argv[i], '=');
      g_autofree char *key = NULL;

      if (equals == NULL || equals == cli->argv[i])
        return gh_cli_usage_error (cli->context, "“%s” is not KEY=VALUE", cli->argv[i]);
      key = g_strndup (cli->argv[i], equals - cli->argv[i]);
      if (!gh_project_settings_has_key (key))
        return gh_cli_usage_error (cli->context, "Unknown setting “%s”", key);
      if (json_object_has_member (patch, key))
        return gh_cli_usage_error (cli->context, "%s is given twice", key);
      json_object_set_string_member (patch, key, equals + 1);
    }

  if (!gh_cli_open (cli))
    return EXIT_FAILURE;
  changes = gh_projects_update_settings (gh_server_get_projects (cli->server), cli->argv[1],
                                         patch, "cli", &error);
  /* A value the settings refuse (a bad number, a user who does not exist) is a bad argument. */
  if (changes == NULL && error->domain == GH_SETTINGS_ERROR)
    return gh_cli_usage_error (NULL, "%s", error->message);
  if (changes == NULL)
    return gh_cli_fail_arguments (error);

  if (cli->json)
    {
      gh_cli_print_json_list (NULL, "changes", changes, change_to_json, NULL);
      return EXIT_SUCCESS;
    }
  if (changes->len == 0)
    g_print ("Nothing changed\n");
  for (guint i = 0; i < changes->len; i++)
    print_change (g_ptr_array_index (changes, i));
  return EXIT_SUCCESS;
}

const GhCliCommand gh_cli_project_list = {
  .name = "project list",
  .arguments = "",
  .summary = "List projects",
  .help = "List the projects.",
  .options = { gh_cli_json_options },
  .args_text = "no arguments",
  .flags = GH_CLI_OPEN,
  .run = run_list,
};

const GhCliCommand gh_cli_project_show = {
  .name = "project show",
  .arguments = "SLUG",
  .summary = "Show a project and its settings",
  .help = "Show a project: its issuer URL (where the server running on this data directory "
          "serves it, or served it last) and its settings.",
  .options = { gh_cli_json_options },
  .min_args = 1, .max_args = 1, .args_text = "one project slug",
  .flags = GH_CLI_OPEN,
  .run = run_show,
};

const GhCliCommand gh_cli_project_create = {
  .name = "project create",
  .arguments = "SLUG",
  .summary = "Create a project at /p/SLUG",
  .help = "Create a project, served at the issuer {root}/p/SLUG.",
  .options = { create_options, gh_cli_json_options },
  .min_args = 1, .max_args = 1, .args_text = "one project slug",
  .run = run_create,
};

const GhCliCommand gh_cli_project_set = {
  .name = "project set",
  .arguments = "SLUG KEY=VALUE...",
  .summary = "Change project settings",
  .help = "Change project settings, all or none. Lists are comma-separated; an empty value "
          "empties a list or a name. Turning mcp_enabled on also turns cimd_enabled on and, "
          "when dcr_mode is disabled, makes it initial_access_token; the changes it made are "
          "printed.",
  .options = { gh_cli_json_options },
  .min_args = 2, .max_args = -1, .args_text = "a project slug and at least one KEY=VALUE",
  .describe = describe_settings,
  .run = run_set,
};
