/* gh-cli-cimd.c — gatehouse-server cimd resolve, import and refresh: Client ID Metadata Documents
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-cli"

#include "config.h"

#include "gh-cli.h"
#include "gh-json.h"

static gboolean opt_refresh;
static char *opt_ca_file;
static gboolean opt_json;

static const GOptionEntry resolve_options[] = {
  { "refresh", 0, 0, G_OPTION_ARG_NONE, &opt_refresh, "Ignore a fresh cached copy", NULL },
  { NULL }
};

static const GOptionEntry cimd_options[] = {
  { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_ca_file,
    "Also trust these PEM CA certificates (a corporate CA, a local test server)", "FILE" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print the whole report as JSON", NULL },
  { NULL }
};

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

/* A status in one word: @fail for "fail", @warn for "warn", else @pass. */
static const char *
status_word (const char *status,
             const char *fail,
             const char *warn,
             const char *pass)
{
  if (g_strcmp0 (status, "fail") == 0)
    return fail;
  if (g_strcmp0 (status, "warn") == 0)
    return warn;
  return pass;
}

/* "  network: resolved ...; connected to ...; HTTP 200 ..., N bytes", then the timings. */
static void
print_network (GhCimdReport *report,
               JsonObject   *network)
{
  static const struct { const char *member, *name; } phases[] = {
    { "dns", "dns" }, { "connect", "connect" }, { "tls", "tls" },
    { "first_byte", "first byte" }, { "body", "body" }, { "total", "total" },
  };
  JsonArray *addresses = json_object_has_member (network, "resolved_addresses")
                         ? json_object_get_array_member (network, "resolved_addresses") : NULL;
  JsonObject *timings = json_object_has_member (network, "timings_ms")
                        ? json_object_get_object_member (network, "timings_ms") : NULL;
  const char *connected = member_text (network, "connected_address");
  const char *content_type = member_text (network, "content_type");
  g_autoptr(GString) line = g_string_new ("\n  network: ");
  gboolean plain;

  if (addresses != NULL)
    {
      g_string_append (line, "resolved ");
      for (guint i = 0; i < json_array_get_length (addresses); i++)
        g_string_append_printf (line, "%s%s", i > 0 ? ", " : "",
                                json_array_get_string_element (addresses, i));
      g_string_append (line, "; ");
    }
  if (connected != NULL)
    g_string_append_printf (line, "connected to %s; ", connected);
  if (json_object_has_member (network, "status"))
    g_string_append_printf (line, "HTTP %" G_GINT64_FORMAT " %s, %" G_GINT64_FORMAT " bytes",
                            json_object_get_int_member (network, "status"),
                            content_type != NULL ? content_type : "(no content type)",
                            json_object_get_int_member_with_default (network, "size", 0));
  g_print ("%s\n", line->str);
  if (timings == NULL)
    return;

  plain = g_ascii_strncasecmp (gh_cimd_report_get_client_id (report), "http:", 5) == 0;
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

  g_print ("%s\n  verdict: %s\n\n", gh_cimd_report_get_client_id (report),
           status_word (member_text (json, "verdict"), "FAIL", "pass, with warnings", "pass"));
  for (guint i = 0; checks != NULL && i < json_array_get_length (checks); i++)
    {
      JsonObject *check = json_array_get_object_element (checks, i);

      g_print ("  %-4s  %-36s %s\n",
               status_word (member_text (check, "status"), "FAIL", "warn", "ok"),
               member_text (check, "id"), member_text (check, "message"));
    }
  if (network != NULL)
    print_network (report, network);
  if (cache != NULL)
    {
      const char *result = member_text (cache, "result");
      const char *why = member_text (cache, "why");

      g_print ("  cache:   %s%s%s\n", result != NULL ? result : "-", why != NULL ? " — " : "",
               why != NULL ? why : "");
    }
}

static int
finish_report (GhCimdReport *report)
{
  if (opt_json)
    {
      g_autoptr(JsonObject) json = gh_cimd_report_to_json (report);
      gh_cli_print_json (json);
    }
  else
    print_report (report);
  return gh_cimd_report_get_verdict (report) == GH_CIMD_FAIL ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Tells when the project refuses URL client ids at /authorize; trusts --ca-file. */
static gboolean
prepare (GhCli *cli)
{
  g_autoptr(GError) error = NULL;

  if (!cli->project->settings->cimd_enabled)
    g_printerr ("gatehouse-server: note: project %s has cimd_enabled off; /authorize refuses URL "
                "client ids there\n", cli->project->slug);
  if (opt_ca_file != NULL && !gh_server_set_outbound_ca_file (cli->server, opt_ca_file, &error))
    return gh_cli_fail (error), FALSE;
  return TRUE;
}

/* `cimd import` and `cimd refresh`: fetches cli->argv[1] again, cache or not. NULL with the
 * exit status when that fails or the document would be refused (the report says why, then
 * @refused unless it is NULL). */
static GhCimdReport *
fetch_again (GhCli      *cli,
             const char *refused,
             int        *status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhCimdReport) report = NULL;

  report = resolve_now (cli->server, cli->project, cli->argv[1], TRUE, &error);
  if (report == NULL)
    return *status = gh_cli_fail (error), NULL;
  if (gh_cimd_report_get_verdict (report) == GH_CIMD_FAIL)
    {
      finish_report (report);
      if (refused != NULL)
        g_printerr ("gatehouse-server: %s\n", refused);
      return *status = EXIT_FAILURE, NULL;
    }
  return g_steal_pointer (&report);
}

static int
run_resolve (GhCli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhCimdReport) report = NULL;

  if (!prepare (cli))
    return EXIT_FAILURE;
  report = resolve_now (cli->server, cli->project, cli->argv[1], opt_refresh, &error);
  if (report == NULL)
    return gh_cli_fail (error);
  return finish_report (report);
}

static int
run_import (GhCli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhCimdReport) report = NULL;
  g_autoptr(GhClient) client = NULL;
  int status;

  if (!prepare (cli))
    return EXIT_FAILURE;
  report = fetch_again (cli, NULL, &status);
  if (report == NULL)
    return status;
  client = gh_clients_create (gh_server_get_clients (cli->server), cli->project,
                              gh_cimd_report_get_client_id (report), GH_CLIENT_SOURCE_CIMD,
                              gh_cimd_report_get_document (report), NULL, "cli", &error);
  if (client == NULL)
    return gh_cli_fail (error);
  g_print ("Imported %s (%s)\n", client->client_id,
           client->client_name != NULL ? client->client_name : "no client_name");
  return EXIT_SUCCESS;
}

/* Prints each member of the stored @before that @now changes, adds or removes; returns how
 * many. */
static guint
print_changes (JsonObject *before,
               JsonObject *now)
{
  g_autoptr(GList) members = json_object_get_members (now);
  g_autoptr(GList) old_members = json_object_get_members (before);
  guint changed = 0;

  for (const GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *value = json_object_get_member (now, l->data);
      JsonNode *old_value = json_object_get_member (before, l->data);

      if (old_value == NULL || !json_node_equal (old_value, value))
        {
          g_autofree char *old_text = old_value != NULL ? gh_json_to_string (old_value, FALSE)
                                                        : g_strdup ("(absent)");
          g_autofree char *new_text = gh_json_to_string (value, FALSE);

          g_print ("%s: %s -> %s\n", (char *) l->data, old_text, new_text);
          changed++;
        }
    }
  for (const GList *l = old_members; l != NULL; l = l->next)
    if (!json_object_has_member (now, l->data))
      {
        g_print ("%s: removed\n", (char *) l->data);
        changed++;
      }
  return changed;
}

/* New places to return to, or new keys: what users allowed before no longer stands. */
static const char *
consent_breaking_change (JsonObject *before,
                         JsonObject *now)
{
  static const char * const members[] = { "redirect_uris", "jwks", "jwks_uri" };

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      JsonNode *value = json_object_get_member (now, members[i]);
      JsonNode *old_value = json_object_get_member (before, members[i]);

      if ((value == NULL) != (old_value == NULL) ||
          (value != NULL && !json_node_equal (value, old_value)))
        return members[i];
    }
  return NULL;
}

static int
run_refresh (GhCli *cli)
{
  GhClients *clients = gh_server_get_clients (cli->server);
  const char *client_id = cli->argv[1];
  g_autoptr(GError) error = NULL;
  g_autoptr(GhCimdReport) report = NULL;
  g_autoptr(GhClient) client = NULL;
  JsonObject *document;
  const char *breaking;
  int status;

  if (!prepare (cli))
    return EXIT_FAILURE;
  if (!gh_clients_is_registered (clients, cli->project->id, client_id) ||
      !(client = gh_clients_get (clients, cli->project->id, client_id, &error)) ||
      client->source != GH_CLIENT_SOURCE_CIMD)
    {
      g_printerr ("gatehouse-server: %s is not an imported CIMD client (see `cimd import`)\n",
                  client_id);
      return EXIT_FAILURE;
    }
  report = fetch_again (cli, "the stored copy is kept", &status);
  if (report == NULL)
    return status;

  document = gh_cimd_report_get_document (report);
  if (print_changes (client->metadata, document) == 0)
    {
      g_print ("No change\n");
      return EXIT_SUCCESS;
    }
  if (!gh_clients_update_metadata (clients, cli->project, client_id, document, "cli", &error))
    return gh_cli_fail (error);
  g_print ("Updated %s\n", client_id);
  breaking = consent_breaking_change (client->metadata, document);
  if (breaking != NULL)
    {
      if (!gh_clients_drop_consents (clients, cli->project->id, client_id, &error))
        return gh_cli_fail (error);
      g_print ("%s changed: users will be asked to consent again\n", breaking);
    }
  return EXIT_SUCCESS;
}

const GhCliCommand gh_cli_cimd_resolve = {
  .name = "cimd resolve",
  .arguments = "URL",
  .summary = "Fetch and explain a Client ID Metadata Document",
  .help = "Fetch and check a Client ID Metadata Document the way /authorize does, and explain "
          "every check. Exits 1 when the document would be refused.",
  .options = { resolve_options, gh_cli_project_options, cimd_options },
  .min_args = 1, .max_args = 1, .args_text = "one client_id URL",
  .flags = GH_CLI_OPEN,
  .run = run_resolve,
};

const GhCliCommand gh_cli_cimd_import = {
  .name = "cimd import",
  .arguments = "URL",
  .summary = "Register a CIMD client ahead of time",
  .help = "Register a client ahead of time from its metadata document. /authorize then uses "
          "the stored copy; `cimd refresh` fetches it again.",
  .options = { cimd_options, gh_cli_project_options },
  .min_args = 1, .max_args = 1, .args_text = "one client_id URL",
  .flags = GH_CLI_OPEN,
  .run = run_import,
};

const GhCliCommand gh_cli_cimd_refresh = {
  .name = "cimd refresh",
  .arguments = "CLIENT_ID",
  .summary = "Fetch an imported CIMD client again",
  .help = "Fetch an imported client's metadata document again and show what changed. A change "
          "of redirect_uris or keys makes users consent again.",
  .options = { cimd_options, gh_cli_project_options },
  .min_args = 1, .max_args = 1, .args_text = "one imported client_id URL",
  .flags = GH_CLI_OPEN,
  .run = run_refresh,
};
