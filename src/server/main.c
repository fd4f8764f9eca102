/* main.c — gatehouse-server, the headless authorization server and its admin CLI
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-cli"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "gh-cli.h"

/* Every command, in the order the usage lists them; each group's are in gh-cli-<group>.c. */
static const GhCliCommand * const commands[] = {
  &gh_cli_serve,
  &gh_cli_status,
  &gh_cli_project_list,
  &gh_cli_project_show,
  &gh_cli_project_create,
  &gh_cli_project_set,
  &gh_cli_keys_list,
  &gh_cli_keys_rotate,
  &gh_cli_client_create,
  &gh_cli_client_list,
  &gh_cli_client_show,
  &gh_cli_client_delete,
  &gh_cli_user_add,
  &gh_cli_user_list,
  &gh_cli_user_remove,
  &gh_cli_resource_add,
  &gh_cli_resource_list,
  &gh_cli_resource_remove,
  &gh_cli_iat_issue,
  &gh_cli_iat_list,
  &gh_cli_iat_revoke,
  &gh_cli_cimd_resolve,
  &gh_cli_cimd_import,
  &gh_cli_cimd_refresh,
  &gh_cli_admin_token_create,
  &gh_cli_admin_token_list,
  &gh_cli_admin_token_revoke,
};

static void
print_usage (FILE *stream)
{
  fprintf (stream, "Usage: gatehouse-server COMMAND [OPTIONS...]\n\n"
           "Gatehouse, an OAuth 2.1 / OpenID Connect authorization server for MCP.\n\n"
           "Commands:\n");
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      const GhCliCommand *command = commands[i];
      g_autofree char *usage = g_strdup_printf ("%s %s", command->name,
                                                command->usage != NULL ? command->usage
                                                                       : command->arguments);
      fprintf (stream, "  %-36s %s\n", usage, command->summary);
    }
  fprintf (stream, "\nRun “gatehouse-server COMMAND --help” for a command's options.\n");
}

/* The command argv[1] (and argv[2]) name: two-word commands ("project set") first. */
static const GhCliCommand *
find_command (int     argc,
              char  **argv,
              guint  *words)
{
  for (*words = 2; *words >= 1; (*words)--)
    {
      g_autofree char *name = NULL;

      if ((guint) argc <= *words)
        continue;
      name = *words == 2 ? g_strdup_printf ("%s %s", argv[1], argv[2]) : g_strdup (argv[1]);
      for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
        if (g_str_equal (commands[i]->name, name))
          return commands[i];
    }
  return NULL;
}

int
main (int    argc,
      char **argv)
{
  const GhCliCommand *command;
  gboolean group = FALSE;
  guint words;

  setlocale (LC_ALL, "");

  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h") ||
      g_str_equal (argv[1], "help"))
    {
      print_usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? GH_CLI_EXIT_USAGE : EXIT_SUCCESS;
    }
  if (g_str_equal (argv[1], "--version"))
    {
      g_print ("gatehouse-server %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  command = find_command (argc, argv, &words);
  if (command != NULL)
    {
      g_autofree char *prgname = g_strdup_printf ("gatehouse-server %s", command->name);

      g_set_prgname (prgname);
      /* The command sees argv[0] = its name, then its own arguments. */
      return gh_cli_run (command, argc - (int) words, argv + words);
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_has_prefix (commands[i]->name, argv[1]) &&
        commands[i]->name[strlen (argv[1])] == ' ')
      group = TRUE;
  if (group)
    g_printerr ("gatehouse-server: “%s” needs a subcommand\n\n", argv[1]);
  else
    g_printerr ("gatehouse-server: unknown command “%s”\n\n", argv[1]);
  print_usage (stderr);
  return GH_CLI_EXIT_USAGE;
}
