/* gh-cli-user.c — gatehouse-server user add, list and remove: development users
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-cli"

#include "config.h"

#include <string.h>

#include "gh-cli.h"
#include "gh-json.h"

static char *opt_name;
static char *opt_email;
static char *opt_claims;

static const GOptionEntry add_options[] = {
  { "name", 0, 0, G_OPTION_ARG_STRING, &opt_name, "Full name (the name claim)", "NAME" },
  { "email", 0, 0, G_OPTION_ARG_STRING, &opt_email, "Email address (the email claim)", "EMAIL" },
  { "claims", 0, 0, G_OPTION_ARG_STRING, &opt_claims,
    "Extra claims for ID tokens and /userinfo, a JSON object", "JSON" },
  { NULL }
};

static int
run_add (GhCli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhUser) user = NULL;
  g_autoptr(JsonObject) claims = NULL;

  if (!gh_users_check_username (cli->argv[1], &error))
    return gh_cli_usage_error (cli->context, "%s", error->message);
  if (opt_claims != NULL)
    {
      claims = gh_json_parse_object_strict (opt_claims, strlen (opt_claims), &error);
      if (claims == NULL)
        return gh_cli_usage_error (cli->context, "--claims must be a JSON object: %s",
                                   error->message);
    }
  if (!gh_cli_open (cli))
    return EXIT_FAILURE;
  user = gh_users_add (gh_server_get_users (cli->server), cli->project, cli->argv[1], opt_name,
                       opt_email, claims, "cli", &error);
  if (user == NULL)
    return gh_cli_fail_arguments (error);
  g_print ("Added user %s to project %s\n", user->username, cli->project->slug);
  return EXIT_SUCCESS;
}

static int
run_list (GhCli *cli)
{
  static const int widths[] = { 20, 24, 28, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) users = NULL;

  users = gh_users_list (gh_server_get_users (cli->server), cli->project->id, &error);
  if (users == NULL)
    return gh_cli_fail (error);
  gh_cli_print_row (widths, "USERNAME", "NAME", "EMAIL", "CLAIMS");
  for (guint i = 0; i < users->len; i++)
    {
      GhUser *user = g_ptr_array_index (users, i);
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), user->claims);
      g_autofree char *claims = gh_json_to_string (node, FALSE);

      gh_cli_print_row (widths, user->username, user->name, user->email, claims);
    }
  return EXIT_SUCCESS;
}

static gboolean
remove_user (GhCli   *cli,
             GError **error)
{
  return gh_users_remove (gh_server_get_users (cli->server), cli->project, cli->argv[1], "cli",
                          error);
}

const GhCliCommand gh_cli_user_add = {
  .name = "user add",
  .arguments = "USERNAME",
  .summary = "Add a development user",
  .help = "Add a development user.",
  .options = { add_options, gh_cli_project_options },
  .min_args = 1, .max_args = 1, .args_text = "one user name",
  .run = run_add,
};

const GhCliCommand gh_cli_user_list = {
  .name = "user list",
  .arguments = "",
  .summary = "List development users",
  .help = "List a project's development users.",
  .options = { gh_cli_project_options },
  .args_text = "no arguments",
  .flags = GH_CLI_OPEN,
  .run = run_list,
};

const GhCliCommand gh_cli_user_remove = {
  .name = "user remove",
  .arguments = "USERNAME",
  .summary = "Remove a development user",
  .help = "Remove a user, with their sessions, consents and tokens.",
  .options = { gh_cli_project_options },
  .min_args = 1, .max_args = 1, .args_text = "one USERNAME",
  .flags = GH_CLI_OPEN,
  .remove = remove_user,
  .removed = "Removed",
};
