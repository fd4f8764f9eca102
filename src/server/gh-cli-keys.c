/* gh-cli-keys.c — gatehouse-server keys list and rotate: the signing keys
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-cli"

#include "config.h"

#include "gh-cli.h"
#include "gh-time.h"

static char *opt_alg;
static gint64 opt_activate_after = 300;

static const GOptionEntry rotate_options[] = {
  { "alg", 0, 0, G_OPTION_ARG_STRING, &opt_alg, "ES256 (default) or RS256", "ALG" },
  { "activate-after", 0, 0, G_OPTION_ARG_INT64, &opt_activate_after,
    "Seconds before the new key signs (default 300, longer than JWKS caches live)", "SECONDS" },
  { NULL }
};

static JsonObject *
key_to_json (gpointer item,
             gpointer user_data)
{
  return gh_signing_key_info_to_json (item, *(const gint64 *) user_data);
}

static int
run_list (GhCli *cli)
{
  static const int widths[] = { 44, 6, 10, 21, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) keys = NULL;
  gint64 now = gh_now_seconds ();

  keys = gh_signing_keys_list (gh_server_get_signing_keys (cli->server), &error);
  if (keys == NULL)
    return gh_cli_fail (error);

  if (cli->json)
    {
      gh_cli_print_json_list (NULL, "keys", keys, key_to_json, &now);
      return EXIT_SUCCESS;
    }

  gh_cli_print_row (widths, "KID", "ALG", "STATE", "SIGNS FROM", "PUBLISHED UNTIL");
  for (guint i = 0; i < keys->len; i++)
    {
      GhSigningKeyInfo *info = g_ptr_array_index (keys, i);
      g_autofree char *from = gh_cli_format_time (info->active_from);
      g_autofree char *until = info->expires_at != 0 ? gh_cli_format_time (info->expires_at)
                                                     : g_strdup ("(while current)");
      const char *state = gh_signing_key_info_get_state (info, now);

      gh_cli_print_row (widths, info->kid, gh_jws_alg_to_string (info->alg), state,
                        g_str_equal (state, "unused") ? "(never: replaced first)" : from, until);
    }
  return EXIT_SUCCESS;
}

static int
run_rotate (GhCli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *kid = NULL;
  g_autofree char *from = NULL;
  g_autofree char *delay = NULL;
  g_autofree char *until = NULL;
  g_autofree char *lifetime = NULL;
  GhJwsAlg alg = GH_JWS_ALG_ES256;
  gint64 longest, now;

  if (opt_alg != NULL && (alg = gh_jws_alg_from_string (opt_alg)) == GH_JWS_ALG_INVALID)
    return gh_cli_usage_error (cli->context, "--alg must be ES256 or RS256, not “%s”", opt_alg);
  if (opt_activate_after < 0 || opt_activate_after > 30 * 86400)
    return gh_cli_usage_error (cli->context, "--activate-after must be 0 to 2592000 seconds");

  if (!gh_cli_open (cli))
    return EXIT_FAILURE;
  /* Tokens signed by the old key live at most as long as the longest access token TTL. */
  longest = gh_projects_max_access_token_ttl (gh_server_get_projects (cli->server), &error);
  if (longest < 0)
    return gh_cli_fail (error);

  kid = gh_signing_keys_rotate (gh_server_get_signing_keys (cli->server), alg,
                                opt_activate_after, longest, "cli", &error);
  if (kid == NULL)
    return gh_cli_fail (error);

  now = gh_now_seconds ();
  from = gh_cli_format_time (now + opt_activate_after);
  delay = gh_cli_format_duration (opt_activate_after);
  until = gh_cli_format_time (now + opt_activate_after + longest);
  lifetime = gh_cli_format_duration (longest);
  g_print ("New signing key %s (%s), published now.\n", kid, gh_jws_alg_to_string (alg));
  if (opt_activate_after == 0)
    g_print ("It signs from now on.\n");
  else
    g_print ("It signs from %s (in %s); the keys before it sign until then.\n", from, delay);
  g_print ("Keys it replaces stay published until %s (access tokens live at most %s).\n",
           until, lifetime);
  return EXIT_SUCCESS;
}

const GhCliCommand gh_cli_keys_list = {
  .name = "keys list",
  .arguments = "",
  .summary = "List signing keys",
  .help = "List the signing keys: which signs now, which are only published.",
  .options = { gh_cli_json_options },
  .args_text = "no arguments",
  .flags = GH_CLI_OPEN,
  .run = run_list,
};

const GhCliCommand gh_cli_keys_rotate = {
  .name = "keys rotate",
  .arguments = "",
  .summary = "Add a new signing key (published now, signs later)",
  .help = "Add a signing key. It is published in JWKS at once and signs after --activate-after "
          "seconds; the key it replaces stays published until every token it signed has "
          "expired.",
  .options = { rotate_options },
  .args_text = "no arguments",
  .run = run_rotate,
};
