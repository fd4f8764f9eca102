/* gh-cli-admin-token.c — gatehouse-server admin-token create, list and revoke: the bearer
 * tokens of the admin API
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-cli"

#include "config.h"

#include "gh-cli.h"
#include "gh-time.h"

static char *opt_label;
static gint64 opt_expires_in;

static const GOptionEntry create_options[] = {
  { "label", 0, 0, G_OPTION_ARG_STRING, &opt_label, "What (or who) the token is for", "LABEL" },
  { "expires-in", 0, 0, G_OPTION_ARG_INT64, &opt_expires_in,
    "Seconds until it expires (default 0 = never)", "SECONDS" },
  { NULL }
};

static int
run_create (GhCli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhAdminToken) token = NULL;
  g_autofree char *secret = NULL;

  token = gh_admin_tokens_create (gh_server_get_admin_tokens (cli->server), opt_label,
                                  opt_expires_in, "cli", &secret, &error);
  if (token == NULL)
    return gh_cli_fail_arguments (error);
  if (cli->json)
    {
      g_autoptr(JsonObject) object = json_object_new ();

      json_object_set_string_member (object, "token", secret);
      json_object_set_object_member (object, "admin_token",
                                     gh_admin_token_to_json (token, gh_now_seconds ()));
      gh_cli_print_json (object);
      return EXIT_SUCCESS;
    }
  g_print ("%s\n", secret);
  return EXIT_SUCCESS;
}

static JsonObject *
admin_token_to_json (gpointer item,
                     gpointer user_data)
{
  return gh_admin_token_to_json (item, *(const gint64 *) user_data);
}

static int
run_list (GhCli *cli)
{
  static const int widths[] = { 18, 20, 21, 21, 21, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tokens = NULL;
  gint64 now = gh_now_seconds ();

  tokens = gh_admin_tokens_list (gh_server_get_admin_tokens (cli->server), &error);
  if (tokens == NULL)
    return gh_cli_fail (error);
  if (cli->json)
    {
      gh_cli_print_json_list (NULL, "admin_tokens", tokens, admin_token_to_json, &now);
      return EXIT_SUCCESS;
    }
  gh_cli_print_row (widths, "ID", "LABEL", "CREATED", "EXPIRES", "LAST USED", "STATE");
  for (guint i = 0; i < tokens->len; i++)
    {
      GhAdminToken *token = g_ptr_array_index (tokens, i);
      g_autofree char *created = gh_cli_format_time (token->created_at);
      g_autofree char *expires = token->expires_at != 0 ? gh_cli_format_time (token->expires_at)
                                                        : g_strdup ("never");
      g_autofree char *used = gh_cli_format_time (token->last_used_at);

      gh_cli_print_row (widths, token->id, token->label, created, expires, used,
                        gh_admin_token_get_state (token, now));
    }
  return EXIT_SUCCESS;
}

static gboolean
revoke_admin_token (GhCli   *cli,
                    GError **error)
{
  return gh_admin_tokens_revoke (gh_server_get_admin_tokens (cli->server), cli->argv[1], "cli",
                                 error);
}

const GhCliCommand gh_cli_admin_token_create = {
  .name = "admin-token create",
  .arguments = "",
  .usage = "[--label L]",
  .summary = "Create a token for the admin API",
  .help = "Create a bearer token for the admin API (/admin/v1/...). Prints the token alone "
          "(with --json, the token and what is stored about it); it is shown only this once "
          "and stored hashed.",
  .options = { create_options, gh_cli_json_options },
  .args_text = "options only",
  .flags = GH_CLI_OPEN,
  .run = run_create,
};

const GhCliCommand gh_cli_admin_token_list = {
  .name = "admin-token list",
  .arguments = "",
  .summary = "List admin API tokens",
  .help = "List admin API tokens (never the token itself): active, expired or revoked.",
  .options = { gh_cli_json_options },
  .args_text = "no arguments",
  .flags = GH_CLI_OPEN,
  .run = run_list,
};

const GhCliCommand gh_cli_admin_token_revoke = {
  .name = "admin-token revoke",
  .arguments = "ID",
  .summary = "Revoke an admin API token",
  .help = "Revoke an admin API token: it is refused from its next request on.",
  .min_args = 1, .max_args = 1, .args_text = "one ID",
  .flags = GH_CLI_OPEN,
  .remove = revoke_admin_token,
  .removed = "Revoked",
};
