/* test-cli.c — the gatehouse-server executable: serve, project and keys commands, exit codes
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include "gh-test-tls.h"
#include "gh-test-util.h"

typedef GhTestDir Fixture;

static const char *
server_path (void)
{
  const char *path = g_getenv ("GATEHOUSE_SERVER");

  g_assert_nonnull (path);
  return path;
}

/* Runs gatehouse-server with @args (NULL-terminated) on the fixture's data dir. */
static int
run (Fixture            *fixture,
     const char * const *args,
     char              **out,
     char              **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *data_dir_arg = g_strconcat ("--data-dir=", fixture->dir, NULL);
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;

  g_ptr_array_add (argv, (char *) server_path ());
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  /* Options may follow the arguments (GOption collects them anywhere). */
  if (args[0] != NULL && !g_str_has_prefix (args[0], "-"))
    {
      gboolean secrets = FALSE;

      for (guint i = 0; args[i] != NULL; i++)
        secrets |= g_str_has_prefix (args[i], "--secrets");
      g_ptr_array_add (argv, data_dir_arg);
      if (!secrets)
        g_ptr_array_add (argv, "--secrets=file");
    }
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &stdout_text, &stderr_text, &error);
  g_assert_no_error (error);
  g_test_message ("$ gatehouse-server %s\n%s%s", args[0], stdout_text, stderr_text);
  if (out != NULL)
    *out = g_steal_pointer (&stdout_text);
  if (err != NULL)
    *err = g_steal_pointer (&stderr_text);
  return g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
}

#define RUN(fixture, out, err, ...) \
  run (fixture, (const char * const[]) { __VA_ARGS__, NULL }, out, err)

static void
test_usage_errors (Fixture       *fixture,
                   gconstpointer  data)
{
  static const struct {
    const char *args[7];
    int status;
    const char *says;
  } rows[] = {
    { { "frobnicate" }, 2, "unknown command" },
    { { "project" }, 2, "needs a subcommand" },
    { { "project", "show" }, 2, "one project slug" },
    { { "project", "create", "Bad_Slug" }, 2, "Invalid project slug" },
    { { "project", "set", "default" }, 2, "KEY=VALUE" },
    { { "project", "set", "default", "no_such_key=1" }, 2, "Unknown setting" },
    { { "project", "set", "default", "code_ttl=1", "code_ttl=2" }, 2, "given twice" },
    { { "project", "set", "default", "novalue" }, 2, "not KEY=VALUE" },
    /* A value the settings refuse is a bad argument, named things included. */
    { { "project", "set", "default", "code_ttl=600" }, 2, "code_ttl" },
    { { "project", "set", "default", "auto_approve_user=nobody" }, 2, "no user “nobody”" },
    { { "project", "set", "default", "redirect_schemes=cursor,javascript" }, 2, "javascript" },
    { { "project", "set", "default", "cimd_allowed_domains=https://x.example" }, 2, "bare host" },
    { { "project", "set", "default", "cimd_blocked_domains=*" }, 2, "cimd_blocked_domains" },
    { { "project", "set", "nope", "code_ttl=30" }, 1, "no project" },
    { { "project", "show", "nope" }, 1, "no project" },
    { { "serve", "extra" }, 2, "no arguments" },
    { { "serve", "--tls-cert=/nonexistent" }, 2, "go together" },
    { { "serve", "--listen=0.0.0.0:0" }, 2, "--issuer-base" },
    { { "serve", "--listen=not-an-ip:80" }, 2, "IP address" },
    { { "serve", "--issuer-base=ftp://x" }, 2, "issuer-base" },
    { { "serve", "--audit-max-events=-1" }, 2, "audit limits" },
    { { "serve", "--audit-max-age-days=-5" }, 2, "audit limits" },
    { { "serve", "--audit-refusals-per-minute=-1" }, 2, "audit limits" },
    { { "keys", "rotate", "--alg=HS256" }, 2, "ES256 or RS256" },
    { { "project", "list", "--bogus" }, 2, "Unknown option" },
    { { "client", "create" }, 2, "--redirect-uri" },
    { { "client", "create", "--redirect-uri=https://x.example/cb", "--client-id=https://x" }, 2,
      "URL" },
    /* A value the server refuses is a bad argument too (README: bad arguments exit 2). */
    { { "client", "create", "--redirect-uri", "notauri" }, 2, "not an absolute URI" },
    { { "client", "create", "--redirect-uri=http://evil.example/cb" }, 2,
      "127.0.0.1, [::1] or localhost" },
    { { "client", "create", "--redirect-uri=https://x.example/cb", "--grant-type=password" }, 2,
      "password" },
    { { "client", "create", "--redirect-uri=https://x.example/cb", "--jwks=/nonexistent" }, 1,
      "nonexistent" },
    { { "client", "create", "--redirect-uri=https://x.example/cb", "--quiet", "--json" }, 2,
      "exclude each other" },
    { { "client", "create", "--redirect-uri=https://x.example/cb", "--auth-method",
        "client_secret_basic", "--quiet" }, 2, "use --json" },
    { { "client", "list", "--secrets=bogus" }, 2, "auto, keyring or file" },
    { { "client", "list", "extra" }, 2, "no arguments" },
    { { "user", "list", "extra" }, 2, "no arguments" },
    { { "status", "extra" }, 2, "no arguments" },
    { { "status", "--wait=-1" }, 2, "--wait" },
    { { "status" }, 1, "" },
    { { "client", "show", "nope" }, 1, "no client" },
    { { "user", "add", "bad name" }, 2, "user name" },
    { { "user", "add", "eve", "--claims={\"sub\":\"x\"}" }, 2, "sub" },
    { { "user", "add", "dev" }, 1, "dev" },
    { { "resource", "add", "relative/path" }, 2, "absolute" },
    { { "iat", "issue", "--pin=bogus=1" }, 2, "cannot be pinned" },
    { { "iat", "issue", "--max-uses=0" }, 2, "max uses" },
    { { "iat", "revoke", "iat_nope" }, 1, "no unrevoked" },
    { { "client", "list", "--project=nope" }, 1, "no project" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GPtrArray) args = g_ptr_array_new ();
      g_autofree char *err = NULL;

      for (guint j = 0; rows[i].args[j] != NULL; j++)
        g_ptr_array_add (args, (char *) rows[i].args[j]);
      g_ptr_array_add (args, NULL);
      g_assert_cmpint (run (fixture, (const char * const *) args->pdata, NULL, &err), ==,
                       rows[i].status);
      g_assert_nonnull (strstr (err, rows[i].says));
    }
}

static void
test_help (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *set_help = NULL;

  g_assert_cmpint (RUN (fixture, &out, NULL, "--help"), ==, 0);
  for (const char * const *command = (const char * const[]) { "serve", "project list",
         "project show", "project create", "project set", "keys list", "keys rotate", NULL };
       *command; command++)
    g_assert_nonnull (strstr (out, *command));

  /* Each command's help lists what it takes; `project set` explains every key. */
  g_assert_cmpint (RUN (fixture, &set_help, NULL, "project", "set", "--help"), ==, 0);
  g_assert_nonnull (strstr (set_help, "mcp_enabled"));
  g_assert_nonnull (strstr (set_help, "cimd_blocked_domains"));
  g_assert_nonnull (strstr (set_help, "--data-dir"));
}

static void
test_clients_users_resources_iats (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autofree char *created = NULL;
  g_autofree char *confidential = NULL;
  g_autofree char *listed = NULL;
  g_autofree char *token = NULL;
  g_autofree char *iats = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GRegex) client_id = g_regex_new ("^client_[0-9a-f]{24}$", 0, 0, NULL);
  g_autoptr(GRegex) iat = g_regex_new ("^iatk_[A-Za-z0-9_-]{43}\n$", 0, 0, NULL);
  JsonObject *object;

  g_assert_cmpint (RUN (fixture, &created, NULL, "client", "create", "--redirect-uri",
                        "http://127.0.0.1/callback", "--name", "CLI test", "--json"), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, created, -1, NULL));
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_true (g_regex_match (client_id, json_object_get_string_member (object, "client_id"), 0,
                                NULL));
  g_assert_false (json_object_has_member (object, "client_secret"));
  g_assert_cmpstr (json_object_get_string_member (object, "application_type"), ==, "native");

  /* A confidential client's secret is printed once. */
  g_assert_cmpint (RUN (fixture, &confidential, NULL, "client", "create", "--redirect-uri",
                        "https://app.example/cb", "--auth-method", "client_secret_basic"), ==, 0);
  g_assert_nonnull (strstr (confidential, "client_secret: "));

  g_assert_cmpint (RUN (fixture, &listed, NULL, "client", "list"), ==, 0);
  g_assert_nonnull (strstr (listed, "CLI test"));
  g_assert_nonnull (strstr (listed, "client_secret_basic"));
  g_assert_nonnull (strstr (listed, " pre-registered "));

  /* --quiet: the client_id alone, for CLIENT_ID=$(...). */
  {
    g_autofree char *quiet = NULL;
    g_autoptr(GRegex) alone = g_regex_new ("^client_[0-9a-f]{24}\n$", 0, 0, NULL);

    g_assert_cmpint (RUN (fixture, &quiet, NULL, "client", "create", "--redirect-uri",
                          "http://127.0.0.1/callback", "--quiet"), ==, 0);
    g_assert_true (g_regex_match (alone, quiet, 0, NULL));
  }

  g_assert_cmpint (RUN (fixture, NULL, NULL, "user", "add", "alice", "--name", "Alice",
                        "--email", "alice@example.com", "--claims", "{\"team\":\"blue\"}"), ==, 0);
  g_assert_cmpint (RUN (fixture, NULL, NULL, "user", "add", "alice"), ==, 1);
  {
    g_autofree char *users = NULL;
    g_assert_cmpint (RUN (fixture, &users, NULL, "user", "list"), ==, 0);
    g_assert_nonnull (strstr (users, "alice"));
    g_assert_nonnull (strstr (users, "\"team\":\"blue\""));
    g_assert_nonnull (strstr (users, "dev"));
  }
  g_assert_cmpint (RUN (fixture, NULL, NULL, "user", "remove", "alice"), ==, 0);

  g_assert_cmpint (RUN (fixture, NULL, NULL, "resource", "add", "HTTPS://MCP.Example/Tools",
                        "--scopes", "mcp:tools mcp:read"), ==, 0);
  {
    g_autofree char *resources = NULL;
    g_assert_cmpint (RUN (fixture, &resources, NULL, "resource", "list"), ==, 0);
    /* Scheme and host lower-cased, the path kept as written. */
    g_assert_nonnull (strstr (resources, "https://mcp.example/Tools"));
    g_assert_nonnull (strstr (resources, "mcp:tools mcp:read"));
  }
  g_assert_cmpint (RUN (fixture, NULL, NULL, "resource", "remove", "https://mcp.example/Tools"),
                   ==, 0);

  /* The raw token alone on stdout, for scripts. */
  g_assert_cmpint (RUN (fixture, &token, NULL, "iat", "issue", "--label", "ci", "--max-uses", "3",
                        "--pin", "token_endpoint_auth_method=none"), ==, 0);
  g_assert_true (g_regex_match (iat, token, 0, NULL));
  g_assert_cmpint (RUN (fixture, &iats, NULL, "iat", "list", "--json"), ==, 0);
  g_assert_nonnull (strstr (iats, "\"label\" : \"ci\""));
  g_assert_nonnull (strstr (iats, "\"uses_left\" : 3"));
  /* Listed, but never its secret. */
  {
    g_autofree char *secret = g_strndup (token + 5, 20);
    g_assert_null (strstr (iats, secret));
  }
}

static void
test_projects (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *list = NULL;
  g_autofree char *show = NULL;
  g_autofree char *set = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *settings;

  g_assert_cmpint (RUN (fixture, &out, NULL, "project", "create", "acme", "--name", "ACME Corp"),
                   ==, 0);
  g_assert_nonnull (strstr (out, "/p/acme"));
  g_assert_cmpint (RUN (fixture, NULL, NULL, "project", "create", "acme"), ==, 1);

  g_assert_cmpint (RUN (fixture, &list, NULL, "project", "list"), ==, 0);
  g_assert_nonnull (strstr (list, "default"));
  g_assert_nonnull (strstr (list, "acme"));

  /* Turning MCP on reports what the cascade changed. */
  g_assert_cmpint (RUN (fixture, &set, NULL, "project", "set", "acme", "mcp_enabled=true"), ==, 0);
  g_assert_nonnull (strstr (set, "mcp_enabled: false -> true"));
  g_assert_nonnull (strstr (set, "cimd_enabled: false -> true  "
                                 "(because mcp_enabled was turned on)"));
  g_assert_nonnull (strstr (set, "dcr_mode: disabled -> initial_access_token"));
  g_assert_nonnull (strstr (set, "open-market clients"));

  /* The user auto_approve_user names cannot be removed until the setting names another. */
  {
    g_autofree char *err = NULL;

    g_assert_cmpint (RUN (fixture, NULL, NULL, "project", "set", "default",
                          "auto_approve_user=dev"), ==, 0);
    g_assert_cmpint (RUN (fixture, NULL, &err, "user", "remove", "dev"), ==, 1);
    g_assert_nonnull (strstr (err, "auto_approve_user"));
    g_assert_cmpint (RUN (fixture, NULL, NULL, "project", "set", "default",
                          "auto_approve_user="), ==, 0);
    g_assert_cmpint (RUN (fixture, NULL, NULL, "user", "remove", "dev"), ==, 0);
  }

  g_assert_cmpint (RUN (fixture, &show, NULL, "project", "show", "acme", "--json"), ==, 0);
  json_parser_load_from_data (parser, show, -1, NULL);
  settings = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)),
                                            "settings");
  g_assert_true (json_object_get_boolean_member (settings, "mcp_enabled"));
  g_assert_cmpstr (json_object_get_string_member (settings, "dcr_mode"), ==,
                   "initial_access_token");
}

typedef struct
{
  char *line;
  gboolean done;
} LineRead;

static void
line_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  LineRead *read = user_data;

  read->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                          NULL, NULL);
  read->done = TRUE;
}

static void
wait_exit_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) user_data = TRUE;
}

static guint
jwks_size (SoupSession *session,
           const char  *base)
{
  g_autofree char *url = g_strconcat (base, "/jwks", NULL);
  g_autoptr(GhTestResponse) response = gh_test_http (session, "GET", url, NULL, NULL, NULL);
  g_autoptr(JsonObject) jwks = gh_test_response_json (response);

  return json_array_get_length (json_object_get_array_member (jwks, "keys"));
}

/* serve on port 0: the printed address answers discovery for two projects, picks up CLI changes
 * without a restart, and SIGTERM stops it cleanly. */
static void
test_serve (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree char *data_dir_arg = g_strconcat ("--data-dir=", fixture->dir, NULL);
  const char *argv[] = { server_path (), "serve", "--dev", "--listen", "127.0.0.1:0",
                         data_dir_arg, "--secrets=file", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  LineRead read = { 0 };
  const char *base;
  gboolean exited = FALSE;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  g_data_input_stream_read_line_async (lines, G_PRIORITY_DEFAULT, NULL, line_read_cb, &read);
  g_assert_true (gh_test_wait_for (&read.done, 10000));
  g_assert_nonnull (read.line);
  g_assert_true (g_str_has_prefix (read.line, "listening on http://127.0.0.1:"));
  base = read.line + strlen ("listening on ");
  g_assert_cmpstr (base + strlen ("http://127.0.0.1:"), !=, "0");

  /* A project created by the CLI while the server runs is served at once. */
  g_assert_cmpint (RUN (fixture, NULL, NULL, "project", "create", "acme"), ==, 0);

  for (const char * const *path = (const char * const[]) {
         "/.well-known/oauth-authorization-server", "/.well-known/openid-configuration",
         "/.well-known/oauth-authorization-server/p/acme",
         "/.well-known/openid-configuration/p/acme",
         "/p/acme/.well-known/openid-configuration", NULL }; *path; path++)
    {
      g_autofree char *url = g_strconcat (base, *path, NULL);
      g_autoptr(GhTestResponse) response = gh_test_http (session, "GET", url, NULL, NULL, NULL);
      g_autoptr(JsonObject) doc = gh_test_response_json (response);
      g_autofree char *issuer = g_strconcat (base, strstr (*path, "acme") ? "/p/acme" : "", NULL);

      g_assert_cmpuint (response->status, ==, 200);
      g_assert_cmpstr (json_object_get_string_member (doc, "issuer"), ==, issuer);
    }

  /* keys rotate through the CLI: the running server publishes the new key at once. */
  g_assert_cmpuint (jwks_size (session, base), ==, 1);
  g_assert_cmpint (RUN (fixture, NULL, NULL, "keys", "rotate"), ==, 0);
  g_assert_cmpuint (jwks_size (session, base), ==, 2);
  {
    g_autofree char *keys = NULL;
    g_assert_cmpint (RUN (fixture, &keys, NULL, "keys", "list"), ==, 0);
    g_assert_nonnull (strstr (keys, "signing"));
    g_assert_nonnull (strstr (keys, "next"));
  }

  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait_async (process, NULL, wait_exit_cb, &exited);
  g_assert_true (gh_test_wait_for (&exited, 10000));
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  g_free (read.line);
}

/* A `serve --dev` on the fixture's data dir, port 0, until serve_stop(). */
typedef struct
{
  GSubprocess *process;
  char *base;  /* what it printed after "listening on " */
} Served;

static void
serve_start (Fixture    *fixture,
             Served     *served,
             const char *extra)
{
  g_autofree char *data_dir_arg = g_strconcat ("--data-dir=", fixture->dir, NULL);
  const char *argv[] = { server_path (), "serve", "--dev", "--listen", "127.0.0.1:0",
                         data_dir_arg, "--secrets=file", extra, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  LineRead read = { 0 };

  served->process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (served->process));
  g_data_input_stream_read_line_async (lines, G_PRIORITY_DEFAULT, NULL, line_read_cb, &read);
  g_assert_true (gh_test_wait_for (&read.done, 10000));
  g_assert_nonnull (read.line);
  g_assert_true (g_str_has_prefix (read.line, "listening on http://127.0.0.1:"));
  served->base = g_strdup (read.line + strlen ("listening on "));
  g_free (read.line);
}

/* Sends @signal and waits for the exit; returns the exit status (-1 for a signal's death). */
static int
serve_stop (Served *served,
            int     signal)
{
  gboolean exited = FALSE;
  int status;

  g_subprocess_send_signal (served->process, signal);
  g_subprocess_wait_async (served->process, NULL, wait_exit_cb, &exited);
  g_assert_true (gh_test_wait_for (&exited, 10000));
  status = g_subprocess_get_if_exited (served->process)
           ? g_subprocess_get_exit_status (served->process) : -1;
  g_clear_object (&served->process);
  g_clear_pointer (&served->base, g_free);
  return status;
}

/* `status` tells whether a server runs on a data dir, where, its pid and uptime, and tells a
 * clean stop from a crash; `project show` and `project list` print the issuer URL. */
static void
test_status (Fixture       *fixture,
             gconstpointer  data)
{
  Served served = { 0 };
  g_autofree char *show = NULL;

  /* Nothing ever ran here. */
  {
    g_autofree char *out = NULL;

    g_assert_cmpint (RUN (fixture, &out, NULL, "status"), ==, 1);
    g_assert_nonnull (strstr (out, "No server has run on"));
    g_assert_cmpint (RUN (fixture, NULL, NULL, "project", "create", "acme"), ==, 0);
    g_assert_cmpint (RUN (fixture, &show, NULL, "project", "show", "acme"), ==, 0);
    g_assert_nonnull (strstr (show, "issuer: /p/acme (no server has run"));
    g_clear_pointer (&show, g_free);
  }

  serve_start (fixture, &served, NULL);
  {
    g_autofree char *out = NULL;
    g_autofree char *json = NULL;
    g_autofree char *listening = NULL;
    g_autofree char *pid = g_strdup_printf ("%s", g_subprocess_get_identifier (served.process));
    g_autofree char *issuer = g_strconcat ("  issuer: ", served.base, "/p/acme\n", NULL);
    g_autoptr(JsonParser) parser = json_parser_new ();
    JsonObject *object;

    g_assert_cmpint (RUN (fixture, &out, NULL, "status"), ==, 0);
    listening = g_strconcat ("listening on  ", served.base, "\n", NULL);
    g_assert_nonnull (strstr (out, listening));
    g_assert_nonnull (strstr (out, pid));
    g_assert_nonnull (strstr (out, "  up            "));

    g_assert_cmpint (RUN (fixture, &json, NULL, "status", "--json"), ==, 0);
    g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
    object = json_node_get_object (json_parser_get_root (parser));
    g_assert_true (json_object_get_boolean_member (object, "running"));
    g_assert_cmpstr (json_object_get_string_member (object, "url"), ==, served.base);
    g_assert_cmpint (json_object_get_int_member (object, "pid"), ==,
                     g_ascii_strtoll (pid, NULL, 10));
    g_assert_cmpint (json_object_get_int_member (object, "uptime_s"), >=, 0);

    /* The issuer as a URL, not a path. */
    g_assert_cmpint (RUN (fixture, &show, NULL, "project", "show", "acme"), ==, 0);
    g_assert_nonnull (strstr (show, issuer));
    g_clear_pointer (&show, g_free);
    g_assert_cmpint (RUN (fixture, &show, NULL, "project", "list"), ==, 0);
    g_assert_nonnull (strstr (show, issuer + strlen ("  issuer: ")));
    g_clear_pointer (&show, g_free);
  }
  {
    /* A clean stop: not running, the last address kept. */
    g_autofree char *base = g_strdup (served.base);
    g_autofree char *out = NULL;

    g_assert_cmpint (serve_stop (&served, SIGTERM), ==, 0);
    g_assert_cmpint (RUN (fixture, &out, NULL, "status"), ==, 1);
    g_assert_nonnull (strstr (out, "No server runs on"));
    g_assert_nonnull (strstr (out, base));
    g_assert_nonnull (strstr (out, "stopped at"));
    g_assert_cmpint (RUN (fixture, &show, NULL, "project", "show", "default"), ==, 0);
    g_assert_nonnull (strstr (show, base));
    g_assert_nonnull (strstr (show, "no server runs on this data directory now"));
    g_clear_pointer (&show, g_free);
  }
  {
    /* A killed server leaves its record behind: its pid is gone, so it is not running. */
    g_autofree char *out = NULL;

    serve_start (fixture, &served, NULL);
    g_assert_cmpint (serve_stop (&served, SIGKILL), ==, -1);
    g_assert_cmpint (RUN (fixture, &out, NULL, "status"), ==, 1);
    g_assert_nonnull (strstr (out, "without stopping cleanly"));
  }
  {
    /* --wait returns once a server listens. */
    g_autofree char *data_dir_arg = g_strconcat ("--data-dir=", fixture->dir, NULL);
    const char *argv[] = { server_path (), "serve", "--listen", "127.0.0.1:0", data_dir_arg,
                           "--secrets=file", NULL };
    g_autoptr(GSubprocess) process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
                                                        NULL);
    g_autofree char *out = NULL;

    g_assert_cmpint (RUN (fixture, &out, NULL, "status", "--wait=10"), ==, 0);
    g_assert_nonnull (strstr (out, "A server runs on"));
    served.process = g_steal_pointer (&process);
    g_assert_cmpint (serve_stop (&served, SIGTERM), ==, 0);
  }
}

/* Two servers on one data directory each keep their own record: when the one that recorded
 * itself last stops, `status` still shows the other running; while both run it lists both. */
static void
test_status_two_servers (Fixture       *fixture,
                         gconstpointer  data)
{
  Served first = { 0 }, second = { 0 };
  g_autofree char *first_base = NULL;
  g_autofree char *first_pid = NULL;

  serve_start (fixture, &first, NULL);
  serve_start (fixture, &second, NULL);
  first_base = g_strdup (first.base);
  first_pid = g_strdup (g_subprocess_get_identifier (first.process));

  /* The second stops cleanly: the first still runs, and status says so. */
  g_assert_cmpint (serve_stop (&second, SIGTERM), ==, 0);
  {
    g_autofree char *out = NULL;
    g_autofree char *show = NULL;
    g_autofree char *listening = g_strconcat ("listening on  ", first_base, "\n", NULL);
    g_autofree char *issuer = g_strconcat ("  issuer: ", first_base, "\n", NULL);

    g_assert_cmpint (RUN (fixture, &out, NULL, "status"), ==, 0);
    g_assert_nonnull (strstr (out, "A server runs on"));
    g_assert_nonnull (strstr (out, listening));
    g_assert_nonnull (strstr (out, first_pid));
    g_assert_cmpint (RUN (fixture, &show, NULL, "project", "show", "default"), ==, 0);
    g_assert_nonnull (strstr (show, issuer));
  }

  /* While both run, status lists both. */
  serve_start (fixture, &second, NULL);
  {
    g_autofree char *out = NULL;
    g_autofree char *json = NULL;
    g_autoptr(JsonParser) parser = json_parser_new ();
    JsonObject *object;

    g_assert_cmpint (RUN (fixture, &out, NULL, "status"), ==, 0);
    g_assert_nonnull (strstr (out, "2 servers run on"));
    g_assert_nonnull (strstr (out, first_base));
    g_assert_nonnull (strstr (out, second.base));
    g_assert_cmpint (RUN (fixture, &json, NULL, "status", "--json"), ==, 0);
    g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
    object = json_node_get_object (json_parser_get_root (parser));
    g_assert_true (json_object_get_boolean_member (object, "running"));
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "servers")),
                      ==, 2);
  }

  /* Both stop: none runs, and where one served last stays known. */
  g_assert_cmpint (serve_stop (&first, SIGTERM), ==, 0);
  {
    g_autofree char *base = g_strdup (second.base);
    g_autofree char *out = NULL;

    g_assert_cmpint (serve_stop (&second, SIGTERM), ==, 0);
    g_assert_cmpint (RUN (fixture, &out, NULL, "status"), ==, 1);
    g_assert_nonnull (strstr (out, "No server runs on"));
    g_assert_nonnull (strstr (out, base));
    g_assert_nonnull (strstr (out, "stopped at"));
  }
}

/* keys rotate says when the new key signs in words; a key replaced before it ever signed is
 * "unused", not "retired". */
static void
test_keys (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree char *rotated = NULL;
  g_autofree char *now = NULL;
  g_autofree char *listed = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GRegex) when = g_regex_new ("signs from \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ "
                                        "\\(in 5 min\\)", 0, 0, NULL);

  g_assert_cmpint (RUN (fixture, NULL, NULL, "keys", "list"), ==, 0);
  g_assert_cmpint (RUN (fixture, &rotated, NULL, "keys", "rotate"), ==, 0);
  g_assert_true (g_regex_match (when, rotated, 0, NULL));
  g_assert_null (strstr (rotated, "s from now"));
  g_assert_nonnull (strstr (rotated, "at most 15 min"));

  /* Replaced at once by a key that signs now: the pending one never signs. */
  g_assert_cmpint (RUN (fixture, &now, NULL, "keys", "rotate", "--activate-after=0"), ==, 0);
  g_assert_nonnull (strstr (now, "It signs from now on."));
  g_assert_cmpint (RUN (fixture, &listed, NULL, "keys", "list"), ==, 0);
  g_assert_nonnull (strstr (listed, " unused "));
  g_assert_nonnull (strstr (listed, "(never: replaced first)"));
  g_assert_nonnull (strstr (listed, " signing "));
  g_assert_cmpint (RUN (fixture, &json, NULL, "keys", "list", "--json"), ==, 0);
  g_assert_nonnull (strstr (json, "\"state\" : \"unused\""));
}

/* --- cimd: documents served over HTTPS by this process while the CLI runs --------------- */

typedef struct
{
  GHashTable *documents;  /* path -> body */
  const char *content_type;
} DocumentServer;

static void
serve_cimd (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  DocumentServer *documents = user_data;
  const char *body = g_hash_table_lookup (documents->documents, path);

  if (body == NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg,
                                    g_str_has_suffix (path, ".txt") ? "text/plain"
                                                                    : "application/json",
                                    SOUP_MEMORY_COPY, body, strlen (body));
}

typedef struct
{
  char *out;
  gboolean done;
} Communicated;

static void
communicated (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Communicated *c = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &c->out, NULL, NULL);
  c->done = TRUE;
}

/* Runs the CLI while the main loop keeps serving documents; stdout and stderr together. */
static int
run_serving (Fixture            *fixture,
             const char * const *args,
             char              **out)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *data_dir_arg = g_strconcat ("--data-dir=", fixture->dir, NULL);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  Communicated c = { 0 };

  g_ptr_array_add (argv, (char *) server_path ());
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, data_dir_arg);
  g_ptr_array_add (argv, "--secrets=file");
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, communicated, &c);
  g_assert_true (gh_test_wait_for (&c.done, 20000));
  g_subprocess_wait (process, NULL, NULL);
  g_test_message ("$ gatehouse-server %s %s\n%s", args[0], args[1], c.out);
  *out = c.out;
  return g_subprocess_get_exit_status (process);
}

#define SERVING(fixture, out, ...) \
  run_serving (fixture, (const char * const[]) { __VA_ARGS__, NULL }, out)

static char *
cimd_document (const char *client_id,
               const char *redirect_uri)
{
  return g_strdup_printf ("{\"client_id\":\"%s\",\"client_name\":\"Desk tool\","
                          "\"redirect_uris\":[\"%s\"],\"token_endpoint_auth_method\":\"none\"}",
                          client_id, redirect_uri);
}

/* A URL client that /authorize fetched (never imported) is listed, with where it comes from;
 * `cimd resolve` over plain http says there was no TLS instead of "tls -1 ms". */
static void
test_cimd_fetched (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(SoupServer) documents_server = soup_server_new (NULL, NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(GError) error = NULL;
  DocumentServer documents = {
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free), NULL,
  };
  g_autofree char *url = NULL;
  g_autofree char *verifier = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *query = NULL;
  g_autofree char *authorize = NULL;
  Served served = { 0 };
  GSList *uris;

  soup_server_add_handler (documents_server, NULL, serve_cimd, &documents, NULL);
  g_assert_true (soup_server_listen_local (documents_server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY,
                                           &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (documents_server);
  url = g_strdup_printf ("http://127.0.0.1:%d/client.json", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  g_hash_table_insert (documents.documents, g_strdup ("/client.json"),
                       cimd_document (url, "http://127.0.0.1/callback"));

  /* serve --dev: CIMD on, http on loopback allowed. */
  serve_start (fixture, &served, NULL);
  gh_test_pkce_pair (&verifier, &challenge);
  query = gh_test_form_encode (GH_TEST_PAIRS ("response_type", "code", "client_id", url,
                                              "redirect_uri", "http://127.0.0.1/callback",
                                              "code_challenge", challenge,
                                              "code_challenge_method", "S256", "state", "s"));
  authorize = g_strconcat (served.base, "/authorize?", query, NULL);
  {
    g_autoptr(GhTestResponse) response = gh_test_http_full (session, "GET", authorize,
                                                            GH_TEST_PAIRS ("Accept", "text/html"),
                                                            NULL, NULL, GH_TEST_HTTP_NO_REDIRECT);
    /* The document was fetched and accepted: on to the login page. */
    g_assert_cmpuint (response->status, ==, 303);
    g_assert_nonnull (strstr (gh_test_response_header (response, "Location"), "/login"));
  }
  {
    g_autofree char *listed = NULL;
    g_autofree char *json = NULL;
    g_autofree char *row = g_strdup_printf ("%-32s %-16s", url, "cimd (fetched)");

    g_assert_cmpint (RUN (fixture, &listed, NULL, "client", "list"), ==, 0);
    g_assert_nonnull (strstr (listed, row));
    g_assert_cmpint (RUN (fixture, &json, NULL, "client", "list", "--json"), ==, 0);
    g_assert_nonnull (strstr (json, "\"origin\" : \"cimd (fetched)\""));
  }
  {
    g_autofree char *out = NULL;

    g_assert_cmpint (SERVING (fixture, &out, "cimd", "resolve", url, "--refresh"), ==, 0);
    g_assert_nonnull (strstr (out, "no TLS (http)"));
    g_assert_null (strstr (out, "-1 ms"));
  }
  /* Imported, it is listed once, as imported. */
  {
    g_autofree char *out = NULL;
    g_autofree char *listed = NULL;

    g_assert_cmpint (SERVING (fixture, &out, "cimd", "import", url), ==, 0);
    g_assert_cmpint (RUN (fixture, &listed, NULL, "client", "list"), ==, 0);
    g_assert_nonnull (strstr (listed, "cimd (imported)"));
    g_assert_null (strstr (listed, "cimd (fetched)"));
  }
  g_assert_cmpint (serve_stop (&served, SIGTERM), ==, 0);
  soup_server_disconnect (documents_server);
  g_hash_table_unref (documents.documents);
}

static void
test_cimd (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(GhTestCertificates) certificates = gh_test_certificates_new ();
  g_autoptr(SoupServer) server = soup_server_new ("tls-certificate", certificates->localhost, NULL);
  g_autoptr(GError) error = NULL;
  DocumentServer documents = { g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free),
                               NULL };
  g_autofree char *base = NULL;
  g_autofree char *good = NULL;
  g_autofree char *liar = NULL;
  g_autofree char *text = NULL;
  g_autofree char *ca_arg = g_strconcat ("--ca-file=", certificates->ca_path, NULL);
  GSList *uris;

  soup_server_add_handler (server, NULL, serve_cimd, &documents, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY |
                                                      SOUP_SERVER_LISTEN_HTTPS, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  base = g_strdup_printf ("https://localhost:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  good = g_strconcat (base, "/good.json", NULL);
  liar = g_strconcat (base, "/liar.json", NULL);
  text = g_strconcat (base, "/doc.txt", NULL);
  g_hash_table_insert (documents.documents, g_strdup ("/good.json"),
                       cimd_document (good, "http://127.0.0.1/callback"));
  g_hash_table_insert (documents.documents, g_strdup ("/liar.json"),
                       cimd_document ("https://someone-else.example/client.json",
                                      "http://127.0.0.1/cb"));
  g_hash_table_insert (documents.documents, g_strdup ("/doc.txt"),
                       cimd_document (text, "http://127.0.0.1/cb"));

  /* A production data dir: CIMD and the loopback exception opted into. */
  g_assert_cmpint (RUN (fixture, NULL, NULL, "project", "set", "default", "cimd_enabled=true",
                        "allow_loopback_cimd=true"), ==, 0);

  {
    g_autofree char *out = NULL;
    g_assert_cmpint (SERVING (fixture, &out, "cimd", "resolve", good, ca_arg), ==, 0);
    g_assert_nonnull (strstr (out, "verdict: pass"));
    g_assert_nonnull (strstr (out, "cache:"));
  }
  {
    /* Without the CA the certificate is not trusted. */
    g_autofree char *out = NULL;
    g_assert_cmpint (SERVING (fixture, &out, "cimd", "resolve", good, "--refresh"), ==, 1);
    g_assert_nonnull (strstr (out, "verdict: FAIL"));
  }
  {
    g_autofree char *out = NULL;
    g_assert_cmpint (SERVING (fixture, &out, "cimd", "resolve", liar, ca_arg), ==, 1);
    g_assert_nonnull (strstr (out, "FAIL"));
    g_assert_nonnull (strstr (out, "client_id"));
  }
  {
    g_autofree char *out = NULL;
    g_assert_cmpint (SERVING (fixture, &out, "cimd", "resolve", text, ca_arg), ==, 1);
    g_assert_nonnull (strstr (out, "text/plain"));
  }
  {
    g_autofree char *out = NULL;
    g_autoptr(JsonParser) parser = json_parser_new ();
    JsonObject *report;

    g_assert_cmpint (SERVING (fixture, &out, "cimd", "resolve", liar, ca_arg, "--json"), ==, 1);
    g_assert_true (json_parser_load_from_data (parser, out, -1, NULL));
    report = json_node_get_object (json_parser_get_root (parser));
    g_assert_cmpstr (json_object_get_string_member (report, "verdict"), ==, "fail");
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (report, "checks")), >,
                      0);
  }

  /* Import ahead of time, then refresh and see what changed. */
  {
    g_autofree char *out = NULL;
    g_autofree char *listed = NULL;

    g_assert_cmpint (SERVING (fixture, &out, "cimd", "import", good, ca_arg), ==, 0);
    g_assert_cmpint (RUN (fixture, &listed, NULL, "client", "list"), ==, 0);
    g_assert_nonnull (strstr (listed, good));
    g_assert_nonnull (strstr (listed, "cimd"));
  }
  {
    g_autofree char *out = NULL;
    g_assert_cmpint (SERVING (fixture, &out, "cimd", "refresh", good, ca_arg), ==, 0);
    g_assert_nonnull (strstr (out, "No change"));
  }
  g_hash_table_insert (documents.documents, g_strdup ("/good.json"),
                       cimd_document (good, "http://127.0.0.1/new-callback"));
  {
    g_autofree char *out = NULL;
    g_assert_cmpint (SERVING (fixture, &out, "cimd", "refresh", good, ca_arg), ==, 0);
    g_assert_nonnull (strstr (out, "redirect_uris:"));
    g_assert_nonnull (strstr (out, "new-callback"));
    g_assert_nonnull (strstr (out, "consent again"));
  }

  soup_server_disconnect (server);
  g_hash_table_unref (documents.documents);
}

/* --- a data directory that cannot be written ------------------------------------------- */

/* Runs `sh -c SCRIPT` in a new user and mount namespace (unshare -rm), where it may bind-mount
 * a path read-only: a real read-only file system (EROFS), which stops writes by root too, so
 * the test means the same as root and as a user. Without unshare or user namespaces the test
 * is skipped. */
static int
run_unshared (const char  *script,
              char       **err)
{
  const char *argv[] = { "unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script,
                         NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *stdout_text = NULL;

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                     G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  if (process == NULL)
    return -1;
  g_subprocess_communicate_utf8 (process, NULL, NULL, &stdout_text, err, &error);
  g_assert_no_error (error);
  g_test_message ("$ %s\n%s%s", script, stdout_text, *err);
  return g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
}

/* serve on a data directory it cannot write refuses to start, names the directory or the
 * database and says why; before, it printed "listening" and then failed every flow with
 * "server_error ... readonly database". `timeout 10` ends a server that (wrongly) runs: the
 * status is then 124, not 1. */
static void
test_read_only_data_dir (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *db = g_build_filename (fixture->dir, "gatehouse.db", NULL);
  g_autofree char *probe = NULL;
  g_autofree char *probe_err = NULL;
  static const struct {
    const char *what;
    gboolean    whole_dir;  /* else the database file alone */
    const char *says;
  } rows[] = {
    /* A read-only mount (a container volume, a backup mounted to look at). */
    { "directory", TRUE, "is not writable (Read-only file system)" },
    /* The directory is writable but the database is not: only a real write finds out. */
    { "database", FALSE, "cannot be written" },
  };

  probe = g_strdup_printf ("mount --bind '%s' '%s' && mount -o remount,ro,bind '%s' '%s'",
                           fixture->dir, fixture->dir, fixture->dir, fixture->dir);
  if (run_unshared (probe, &probe_err) != 0)
    {
      g_test_skip ("cannot bind-mount read-only in a user namespace (unshare -rm)");
      return;
    }

  /* A data directory with its database, keys and secrets, as a run leaves it. */
  g_assert_cmpint (RUN (fixture, NULL, NULL, "keys", "list"), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      const char *target = rows[i].whole_dir ? fixture->dir : db;
      g_autofree char *script = NULL;
      g_autofree char *err = NULL;

      g_test_message ("read-only %s", rows[i].what);
      script = g_strdup_printf ("mount --bind '%s' '%s' && mount -o remount,ro,bind '%s' '%s' && "
                                "exec timeout 10 '%s' serve --listen 127.0.0.1:0 "
                                "--data-dir '%s' --secrets file",
                                target, target, target, target, server_path (), fixture->dir);
      g_assert_cmpint (run_unshared (script, &err), ==, 1);
      g_assert_nonnull (strstr (err, rows[i].says));
      g_assert_nonnull (strstr (err, target));
      g_assert_null (strstr (err, "listening"));
    }

  /* Writable again, it starts as before. */
  g_assert_cmpint (RUN (fixture, NULL, NULL, "keys", "list"), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, gh_test_dir_setup, func, gh_test_dir_teardown)

  ADD ("/server/cli/usage-errors", test_usage_errors);
  ADD ("/server/cli/help", test_help);
  ADD ("/server/cli/projects", test_projects);
  ADD ("/server/cli/clients-users-resources-iats", test_clients_users_resources_iats);
  ADD ("/server/cli/cimd", test_cimd);
  ADD ("/server/cli/cimd-fetched", test_cimd_fetched);
  ADD ("/server/cli/serve", test_serve);
  ADD ("/server/cli/read-only-data-dir", test_read_only_data_dir);
  ADD ("/server/cli/status", test_status);
  ADD ("/server/cli/status-two-servers", test_status_two_servers);
  ADD ("/server/cli/keys", test_keys);

  return g_test_run ();
}
