/* gh-cli-iat.c — gatehouse-server iat issue, list and revoke: Initial Access Tokens
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-cli"

#include "config.h"

#include <string.h>

#include "gh-cli.h"
#include "gh-time.h"

static char *opt_label;
static gint64 opt_max_uses = 1;
static gint64 opt_expires_in = 86400;
static char **opt_pins;

static const GOptionEntry issue_options[] = {
  { "label", 0, 0, G_OPTION_ARG_STRING, &opt_label, "What the token is for", "LABEL" },
  { "max-uses", 0, 0, G_OPTION_ARG_INT64, &opt_max_uses,
    "Registrations it allows (default 1)", "N" },
  { "expires-in", 0, 0, G_OPTION_ARG_INT64, &opt_expires_in,
    "Seconds until it expires (default 86400; 0 = never)", "SECONDS" },
  { "pin", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_pins,
    "Metadata registrations must respect or get filled in from", "KEY=VALUE" },
  { NULL }
};

/* The --pin options as an object; NULL with the exit status when one is malformed. */
static JsonObject *
pins_from_options (GhCli *cli,
                   int   *status)
{
  g_autoptr(JsonObject) pinned = json_object_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *prefixes = NULL;

  for (guint i = 0; opt_pins != NULL && opt_pins[i] != NULL; i++)
    {
      const char *equals = strchr (opt_pins[i], '=');
      g_autofree char *key = NULL;

      if (equals == NULL || equals == opt_pins[i])
        return *status = gh_cli_usage_error (cli->context, "--pin takes KEY=VALUE, not “%s”",
                                             opt_pins[i]), NULL;
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
        return *status = gh_cli_usage_error (cli->context, "%s is pinned twice", key), NULL;
      else
        json_object_set_string_member (pinned, key, equals + 1);
    }
  if (!gh_iats_check_pins (pinned, &error))
    return *status = gh_cli_usage_error (cli->context, "%s", error->message), NULL;
  return g_steal_pointer (&pinned);
}

static int
run_issue (GhCli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhIat) iat = NULL;
  g_autoptr(JsonObject) pinned = NULL;
  g_autofree char *token = NULL;
  GhProject *project;
  int status;

  pinned = pins_from_options (cli, &status);
  if (pinned == NULL)
    return status;
  if (!gh_cli_open (cli))
    return EXIT_FAILURE;
  project = cli->project;
  iat = gh_iats_issue (gh_server_get_iats (cli->server), project, opt_label, opt_max_uses,
                       opt_expires_in, pinned, "cli", &token, &error);
  if (iat == NULL)
    return gh_cli_fail_arguments (error);
  if (project->settings->dcr_mode != GH_DCR_MODE_INITIAL_ACCESS_TOKEN)
    g_printerr ("gatehouse-server: note: project %s has dcr_mode %s; the token is used only "
                "when dcr_mode is initial_access_token\n", project->slug,
                gh_dcr_mode_to_string (project->settings->dcr_mode));
  g_print ("%s\n", token);
  return EXIT_SUCCESS;
}

static JsonObject *
iat_to_json (gpointer item,
             gpointer user_data)
{
  return gh_iat_to_json (item, *(const gint64 *) user_data);
}

/* The model's state in the words the table has always used. */
static const char *
iat_state (const GhIat *iat,
           gint64       now)
{
  const char *state = gh_iat_get_state (iat, now);

  if (g_str_equal (state, "exhausted"))
    return "used up";
  if (g_str_equal (state, "active"))
    return "usable";
  return state;
}

static int
run_list (GhCli *cli)
{
  static const int widths[] = { 18, 20, 9, 21, 21, 21, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) iats = NULL;
  gint64 now = gh_now_seconds ();

  iats = gh_iats_list (gh_server_get_iats (cli->server), cli->project->id, &error);
  if (iats == NULL)
    return gh_cli_fail (error);
  if (cli->json)
    {
      gh_cli_print_json_list (NULL, "initial_access_tokens", iats, iat_to_json, &now);
      return EXIT_SUCCESS;
    }
  gh_cli_print_row (widths, "ID", "LABEL", "USES LEFT", "CREATED", "EXPIRES", "LAST USED",
                    "STATE");
  for (guint i = 0; i < iats->len; i++)
    {
      GhIat *iat = g_ptr_array_index (iats, i);
      g_autofree char *left = g_strdup_printf ("%" G_GINT64_FORMAT, iat->max_uses - iat->uses);
      g_autofree char *created = gh_cli_format_time (iat->created_at);
      g_autofree char *expires = iat->expires_at != 0 ? gh_cli_format_time (iat->expires_at)
                                                      : g_strdup ("never");
      g_autofree char *used = gh_cli_format_time (iat->last_used_at);

      gh_cli_print_row (widths, iat->id, iat->label, left, created, expires, used,
                        iat_state (iat, now));
    }
  return EXIT_SUCCESS;
}

static gboolean
revoke_iat (GhCli   *cli,
            GError **error)
{
  return gh_iats_revoke (gh_server_get_iats (cli->server), cli->project, cli->argv[1], "cli",
                         error);
}

const GhCliCommand gh_cli_iat_issue = {
  .name = "iat issue",
  .arguments = "",
  .usage = "[--max-uses N] [--pin K=V]...",
  .summary = "Issue an Initial Access Token",
  .help = "Issue an Initial Access Token for Dynamic Client Registration (dcr_mode "
          "initial_access_token). Prints the token alone; it is shown only this once and "
          "stored hashed. Pins: token_endpoint_auth_method=METHOD, application_type=web|native, "
          "scope=\"A B\" (a ceiling), redirect_uri_prefix=PREFIX (repeatable).",
  .options = { issue_options, gh_cli_project_options },
  .args_text = "options only",
  .run = run_issue,
};

const GhCliCommand gh_cli_iat_list = {
  .name = "iat list",
  .arguments = "",
  .summary = "List Initial Access Tokens",
  .help = "List Initial Access Tokens (never their secret).",
  .options = { gh_cli_project_options, gh_cli_json_options },
  .args_text = "no arguments",
  .flags = GH_CLI_OPEN,
  .run = run_list,
};

const GhCliCommand gh_cli_iat_revoke = {
  .name = "iat revoke",
  .arguments = "ID",
  .summary = "Revoke an Initial Access Token",
  .help = "Revoke an Initial Access Token.",
  .options = { gh_cli_project_options },
  .min_args = 1, .max_args = 1, .args_text = "one ID",
  .flags = GH_CLI_OPEN,
  .remove = revoke_iat,
  .removed = "Revoked",
};
