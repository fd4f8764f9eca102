/* gh-cli-resource.c — gatehouse-server resource add, list and remove: resource servers
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-cli"

#include "config.h"

#include "gh-cli.h"

static char *opt_name;
static char *opt_scopes;
static char *opt_audience;

static const GOptionEntry add_options[] = {
  { "name", 0, 0, G_OPTION_ARG_STRING, &opt_name, "Display name", "NAME" },
  { "scopes", 0, 0, G_OPTION_ARG_STRING, &opt_scopes, "Scopes it defines", "\"A B\"" },
  { "audience", 0, 0, G_OPTION_ARG_STRING, &opt_audience,
    "Token audience (default: the URI)", "AUD" },
  { NULL }
};

static int
run_add (GhCli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhResource) resource = NULL;

  resource = gh_resources_add (gh_server_get_resources (cli->server), cli->project,
                               cli->argv[1], opt_name, opt_scopes, opt_audience, "cli", &error);
  if (resource == NULL)
    return gh_cli_fail_arguments (error);
  g_print ("Added resource %s (audience %s)\n", resource->uri, resource->audience);
  return EXIT_SUCCESS;
}

static int
run_list (GhCli *cli)
{
  static const int widths[] = { 40, 9, 24, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) resources = NULL;

  resources = gh_resources_list (gh_server_get_resources (cli->server), cli->project->id,
                                 &error);
  if (resources == NULL)
    return gh_cli_fail (error);
  gh_cli_print_row (widths, "URI", "SOURCE", "NAME", "SCOPES");
  for (guint i = 0; i < resources->len; i++)
    {
      GhResource *resource = g_ptr_array_index (resources, i);
      g_autofree char *scopes = g_strjoinv (" ", resource->scopes);

      gh_cli_print_row (widths, resource->uri, resource->recorded ? "recorded" : "admin",
                        resource->display_name, scopes);
    }
  return EXIT_SUCCESS;
}

static gboolean
remove_resource (GhCli   *cli,
                 GError **error)
{
  return gh_resources_remove (gh_server_get_resources (cli->server), cli->project, cli->argv[1],
                              "cli", error);
}

const GhCliCommand gh_cli_resource_add = {
  .name = "resource add",
  .arguments = "URI",
  .summary = "Register a resource server (MCP server)",
  .help = "Register a resource server (an MCP server) tokens are issued for (RFC 8707). Its "
          "URI is the resource clients send and, unless --audience says otherwise, the tokens' "
          "aud.",
  .options = { add_options, gh_cli_project_options },
  .min_args = 1, .max_args = 1, .args_text = "one URI",
  .flags = GH_CLI_OPEN,
  .run = run_add,
};

const GhCliCommand gh_cli_resource_list = {
  .name = "resource list",
  .arguments = "",
  .summary = "List resource servers",
  .help = "List a project's resource servers.",
  .options = { gh_cli_project_options },
  .args_text = "no arguments",
  .flags = GH_CLI_OPEN,
  .run = run_list,
};

const GhCliCommand gh_cli_resource_remove = {
  .name = "resource remove",
  .arguments = "URI",
  .summary = "Remove a resource server",
  .help = "Remove a resource server.",
  .options = { gh_cli_project_options },
  .min_args = 1, .max_args = 1, .args_text = "one URI",
  .flags = GH_CLI_OPEN,
  .remove = remove_resource,
  .removed = "Removed",
};
