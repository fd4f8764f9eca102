/* gh-cli-client.c — gatehouse-server client create, list, show and delete
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-cli"

#include "config.h"

#include "gh-cli.h"

static char **opt_redirect_uris;
static char **opt_grant_types;
static char *opt_name;
static char *opt_auth_method;
static char *opt_scope;
static char *opt_client_id;
static char *opt_jwks_file;
static gboolean opt_quiet;

static const GOptionEntry create_options[] = {
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

static JsonArray *
string_array (const char * const *strings)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; strings[i] != NULL; i++)
    json_array_add_string_element (array, strings[i]);
  return array;
}

/* RFC 7591 metadata from the options; NULL with the exit status when they cannot give it. */
static JsonObject *
metadata_from_options (int *status)
{
  static const char * const both_grants[] = { "authorization_code", "refresh_token", NULL };
  g_autoptr(JsonObject) metadata = json_object_new ();
  g_autoptr(GError) error = NULL;

  json_object_set_array_member (metadata, "redirect_uris",
                                string_array ((const char * const *) opt_redirect_uris));
  json_object_set_array_member (metadata, "grant_types",
                                string_array (opt_grant_types != NULL
                                              ? (const char * const *) opt_grant_types
                                              : both_grants));
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
        return *status = gh_cli_fail (error), NULL;
      if (!json_parser_load_from_data (parser, text, -1, &error))
        return *status = gh_cli_usage_error (NULL, "--jwks %s is not JSON: %s", opt_jwks_file,
                                             error->message), NULL;
      json_object_set_member (metadata, "jwks", json_node_copy (json_parser_get_root (parser)));
    }
  return g_steal_pointer (&metadata);
}

static int
run_create (GhCli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) metadata = NULL;
  g_autoptr(JsonObject) validated = NULL;
  g_autoptr(GhClient) client = NULL;
  g_autofree char *secret = NULL;
  const char *auth_method;
  int status;

  if (opt_redirect_uris == NULL)
    return gh_cli_usage_error (cli->context, "Give at least one --redirect-uri");
  if (opt_client_id != NULL && !gh_client_id_check (opt_client_id, &error))
    return gh_cli_usage_error (cli->context, "%s", error->message);
  if (opt_quiet && cli->json)
    return gh_cli_usage_error (cli->context, "--quiet and --json exclude each other");
  metadata = metadata_from_options (&status);
  if (metadata == NULL)
    return status;

  if (!gh_cli_open (cli))
    return EXIT_FAILURE;
  validated = gh_client_metadata_validate (metadata, cli->project->settings, "none", &error);
  if (validated == NULL)
    return gh_cli_fail_arguments (error);
  /* The secret is shown once: never where a script would keep the client_id only. */
  auth_method = json_object_get_string_member_with_default (validated,
                                                            "token_endpoint_auth_method", "");
  if (opt_quiet && g_str_has_prefix (auth_method, "client_secret"))
    return gh_cli_usage_error (NULL, "--quiet prints the client_id alone, and a %s client's "
                               "secret is shown only once: use --json", auth_method);
  client = gh_clients_create (gh_server_get_clients (cli->server), cli->project, opt_client_id,
                              GH_CLIENT_SOURCE_ADMIN, validated, &secret, "cli", &error);
  if (client == NULL)
    return gh_cli_fail (error);

  if (cli->json)
    {
      g_autoptr(JsonObject) object = gh_client_to_json (client, secret);
      gh_cli_print_json (object);
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

static JsonObject *
listed_client_to_json (gpointer item,
                       gpointer user_data)
{
  JsonObject *object = gh_client_to_json (item, NULL);

  json_object_set_string_member (object, "origin", gh_client_get_origin (item));
  return object;
}

static int
run_list (GhCli *cli)
{
  static const int widths[] = { 32, 16, 20, 24, 0 };
  GhClients *clients = gh_server_get_clients (cli->server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GPtrArray) fetched = NULL;

  listed = gh_clients_list (clients, cli->project->id, &error);
  if (listed == NULL ||
      !(fetched = gh_clients_list_fetched_cimd (clients, cli->project->id, &error)))
    return gh_cli_fail (error);
  g_ptr_array_extend_and_steal (listed, g_steal_pointer (&fetched));
  if (cli->json)
    {
      gh_cli_print_json_list (NULL, "clients", listed, listed_client_to_json, NULL);
      return EXIT_SUCCESS;
    }
  gh_cli_print_row (widths, "CLIENT ID", "SOURCE", "AUTH", "NAME", "REDIRECT URIS");
  for (guint i = 0; i < listed->len; i++)
    {
      GhClient *client = g_ptr_array_index (listed, i);
      g_autofree char *uris = g_strjoinv (" ", client->redirect_uris);

      gh_cli_print_row (widths, client->client_id, gh_client_get_origin (client),
                        gh_client_auth_method_to_string (client->auth_method),
                        client->client_name != NULL ? client->client_name : "-", uris);
    }
  return EXIT_SUCCESS;
}

static int
run_show (GhCli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhClient) client = NULL;
  g_autoptr(JsonObject) object = NULL;

  client = gh_clients_get (gh_server_get_clients (cli->server), cli->project->id, cli->argv[1],
                           &error);
  if (client == NULL)
    return gh_cli_fail (error);
  object = gh_client_to_json (client, NULL);
  gh_cli_print_json (object);
  return EXIT_SUCCESS;
}

static gboolean
delete_client (GhCli   *cli,
               GError **error)
{
  return gh_clients_delete (gh_server_get_clients (cli->server), cli->project, cli->argv[1],
                            "cli", error);
}

const GhCliCommand gh_cli_client_create = {
  .name = "client create",
  .arguments = "",
  .usage = "--redirect-uri URI...",
  .summary = "Register a client",
  .help = "Register a client ahead of time (pre-registered, like an admin console would). "
          "Prints the client_id, and the client_secret of a confidential client, which is "
          "shown only this once.",
  .options = { create_options, gh_cli_project_options, gh_cli_json_options },
  .args_text = "options only",
  .run = run_create,
};

const GhCliCommand gh_cli_client_list = {
  .name = "client list",
  .arguments = "",
  .summary = "List clients",
  .help = "List a project's clients and where each comes from: pre-registered (client "
          "create), dcr (registered itself at /register), cimd (imported) or cimd (fetched: a "
          "client_id URL whose metadata document /authorize fetched).",
  .options = { gh_cli_project_options, gh_cli_json_options },
  .args_text = "no arguments",
  .flags = GH_CLI_OPEN,
  .run = run_list,
};

const GhCliCommand gh_cli_client_show = {
  .name = "client show",
  .arguments = "CLIENT_ID",
  .summary = "Show a client",
  .help = "Show a client's metadata (JSON).",
  .options = { gh_cli_project_options },
  .min_args = 1, .max_args = 1, .args_text = "one client_id",
  .flags = GH_CLI_OPEN,
  .run = run_show,
};

const GhCliCommand gh_cli_client_delete = {
  .name = "client delete",
  .arguments = "CLIENT_ID",
  .summary = "Delete a client and revoke its grants",
  .help = "Delete a client and revoke everything it was granted.",
  .options = { gh_cli_project_options },
  .min_args = 1, .max_args = 1, .args_text = "one CLIENT_ID",
  .flags = GH_CLI_OPEN,
  .remove = delete_client,
  .removed = "Deleted",
};
