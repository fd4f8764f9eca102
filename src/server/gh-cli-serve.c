/* gh-cli-serve.c — gatehouse-server serve: the authorization server until SIGTERM or SIGINT
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-cli"

#include "config.h"

#include <glib-unix.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <string.h>

#include "gh-cli.h"

static char *opt_listen;
static char *opt_issuer_base;
static char *opt_tls_cert;
static char *opt_tls_key;
static char *opt_ca_file;
static gboolean opt_dev;
static gboolean opt_insecure_http;
static gint64 opt_audit_max_events = GH_AUDIT_DEFAULT_MAX_EVENTS;
static gint64 opt_audit_max_age_days = GH_AUDIT_DEFAULT_MAX_AGE_DAYS;
static gint64 opt_audit_refusals = GH_AUDIT_DEFAULT_REFUSALS_PER_MINUTE;
static int opt_max_connections;
static int opt_max_connections_per_address;
static int opt_idle_timeout;
static int opt_head_timeout;
static int opt_body_timeout;

static const GOptionEntry serve_options[] = {
  { "listen", 'l', 0, G_OPTION_ARG_STRING, &opt_listen,
    "Address to listen on (default 127.0.0.1:0; port 0 picks a free port)", "HOST:PORT" },
  { "issuer-base", 0, 0, G_OPTION_ARG_STRING, &opt_issuer_base,
    "Root issuer URL when clients reach the server under another name (a proxy)", "URL" },
  { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &opt_tls_cert,
    "PEM certificate (serve HTTPS)", "FILE" },
  { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &opt_tls_key, "PEM private key of --tls-cert", "FILE" },
  { "insecure-http", 0, 0, G_OPTION_ARG_NONE, &opt_insecure_http,
    "Allow plain HTTP on an address other than loopback (tokens and admin tokens then cross "
    "the network in clear text)", NULL },
  { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_ca_file,
    "Also trust these PEM CA certificates for outbound HTTPS (CIMD documents)", "FILE" },
  { "dev", 0, 0, G_OPTION_ARG_NONE, &opt_dev,
    "Give new projects the development defaults (MCP on, open DCR, ...)", NULL },
  { "audit-max-events", 0, 0, G_OPTION_ARG_INT64, &opt_audit_max_events,
    "Keep at most N audit events, the newest (default 1000000; 0: no limit)", "N" },
  { "audit-max-age-days", 0, 0, G_OPTION_ARG_INT64, &opt_audit_max_age_days,
    "Remove audit events older than DAYS (default 90; 0: never)", "DAYS" },
  { "audit-refusals-per-minute", 0, 0, G_OPTION_ARG_INT64, &opt_audit_refusals,
    "Refusal events one source address writes per minute; the rest are counted in one "
    "summary event (default 60; 0: no limit)", "N" },
  { "max-connections", 0, 0, G_OPTION_ARG_INT, &opt_max_connections,
    "Connections open at once (default: 4096, below the descriptor limit)", "N" },
  { "max-connections-per-address", 0, 0, G_OPTION_ARG_INT, &opt_max_connections_per_address,
    "Connections open at once from one IP address (default: 256)", "N" },
  { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &opt_idle_timeout,
    "Seconds a connection may wait for its next request (default: 120)", "SECONDS" },
  { "head-timeout", 0, 0, G_OPTION_ARG_INT, &opt_head_timeout,
    "Seconds from a request's first byte to its last header (default: 30)", "SECONDS" },
  { "body-timeout", 0, 0, G_OPTION_ARG_INT, &opt_body_timeout,
    "Seconds to read a request's body after its headers (default: 60)", "SECONDS" },
  { NULL }
};

static char *
describe_limits (void)
{
  return g_strdup (
    "Limits (each one a client meets gets an answer, not a hang):\n"
    "  request bodies   at most 64 KiB, sent with a Content-Length: larger ones get 413,\n"
    "                   chunked ones 411, a malformed length 400, another transfer coding\n"
    "                   501, before a byte of the body is read\n"
    "  request URI      at most 8 KiB (414); headers at most 32 KiB (431); a request head\n"
    "                   over 100 KiB closes the connection (libsoup)\n"
    "  connections      --max-connections in total: by default 4096, and never closer to\n"
    "                   the descriptor limit than a quarter of it (at most 256); the soft\n"
    "                   limit is raised to the hard one at start. --max-connections-per-address\n"
    "                   from one IP address (default 256; behind a proxy, the proxy's).\n"
    "                   A connection over a cap gets 503 and is closed at once\n"
    "  timeouts         --idle-timeout: a connection waiting for a request is closed;\n"
    "                   --head-timeout from a request's first byte to its last header and\n"
    "                   --body-timeout for its body, then 408 and the connection closed\n");
}

static gboolean
quit_on_signal (gpointer user_data)
{
  GMainLoop *loop = user_data;

  g_message ("Stopping");
  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

/* Whether @address (HOST:PORT) is on a loopback address (127.0.0.0/8, ::1, localhost). An
 * address that does not parse is not: the server says why when it listens. */
static gboolean
listen_is_loopback (const char *address)
{
  g_autoptr(GSocketConnectable) connectable = g_network_address_parse (address, 0, NULL);
  g_autoptr(GInetAddress) inet = NULL;
  const char *host;

  if (connectable == NULL)
    return FALSE;
  host = g_network_address_get_hostname (G_NETWORK_ADDRESS (connectable));
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  inet = g_inet_address_new_from_string (host);
  return inet != NULL && g_inet_address_get_is_loopback (inet);
}

/* The certificate and key of --tls-cert / --tls-key, or NULL with an error naming the file
 * that is wrong (GLib's messages do not always). */
static GTlsCertificate *
load_certificate (GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *cert_text = NULL;
  g_autofree char *key_text = NULL;
  GTlsCertificate *certificate;

  if (!g_file_get_contents (opt_tls_cert, &cert_text, NULL, &local_error) ||
      strstr (cert_text, "-----BEGIN CERTIFICATE-----") == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "--tls-cert %s: %s", opt_tls_cert,
                   local_error != NULL ? local_error->message : "no PEM certificate in it");
      return NULL;
    }
  if (!g_file_get_contents (opt_tls_key, &key_text, NULL, &local_error) ||
      strstr (key_text, "PRIVATE KEY-----") == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "--tls-key %s: %s", opt_tls_key,
                   local_error != NULL ? local_error->message : "no PEM private key in it");
      return NULL;
    }
  /* glib-networking loads a key that is not the certificate's and fails every handshake
   * later: GnuTLS compares them now. */
  {
    gnutls_certificate_credentials_t credentials;
    gnutls_datum_t cert_datum = { (unsigned char *) cert_text, (unsigned int) strlen (cert_text) };
    gnutls_datum_t key_datum = { (unsigned char *) key_text, (unsigned int) strlen (key_text) };
    int rc;

    if (gnutls_certificate_allocate_credentials (&credentials) < 0)
      g_error ("Out of memory");
    rc = gnutls_certificate_set_x509_key_mem2 (credentials, &cert_datum, &key_datum,
                                               GNUTLS_X509_FMT_PEM, NULL, 0);
    gnutls_certificate_free_credentials (credentials);
    if (rc < 0)
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                     "--tls-cert %s with --tls-key %s: %s", opt_tls_cert, opt_tls_key,
                     gnutls_strerror (rc));
        return NULL;
      }
  }
  certificate = g_tls_certificate_new_from_files (opt_tls_cert, opt_tls_key, &local_error);
  if (certificate == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "--tls-cert %s with --tls-key %s: %s", opt_tls_cert, opt_tls_key,
                 local_error->message);
  return certificate;
}

/* What the options ask for that the server cannot be: a usage error, or -1 when none. */
static int
check_options (GhCli *cli)
{
  if (cli->argc > 1)
    return gh_cli_usage_error (cli->context, "serve takes no arguments (got “%s”)",
                               cli->argv[1]);
  if (opt_max_connections < 0 || opt_max_connections_per_address < 0 || opt_idle_timeout < 0 ||
      opt_head_timeout < 0 || opt_body_timeout < 0)
    return gh_cli_usage_error (cli->context,
                               "Connection limits and timeouts are positive numbers");
  if ((opt_tls_cert == NULL) != (opt_tls_key == NULL))
    return gh_cli_usage_error (cli->context, "--tls-cert and --tls-key go together");
  if (opt_audit_max_events < 0 || opt_audit_max_age_days < 0 || opt_audit_max_age_days > 36500 ||
      opt_audit_refusals < 0 || opt_audit_refusals > G_MAXINT)
    return gh_cli_usage_error (cli->context, "The audit limits are whole numbers, 0 or more");
  if (opt_issuer_base != NULL)
    {
      g_autoptr(GUri) uri = g_uri_parse (opt_issuer_base, G_URI_FLAGS_NONE, NULL);

      if (uri == NULL ||
          (g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 &&
           g_strcmp0 (g_uri_get_scheme (uri), "http") != 0) ||
          g_uri_get_host (uri) == NULL || g_uri_get_query (uri) != NULL ||
          g_uri_get_fragment (uri) != NULL)
        return gh_cli_usage_error (cli->context, "--issuer-base must be an http(s) URL without "
                                   "query or fragment, not “%s”", opt_issuer_base);
    }

  if (opt_issuer_base == NULL && opt_listen != NULL &&
      (g_str_has_prefix (opt_listen, "0.0.0.0:") || g_str_has_prefix (opt_listen, "[::]:")))
    return gh_cli_usage_error (cli->context, "Listening on every address needs --issuer-base: "
                               "the issuer must be the URL clients use to reach this server");
  if (opt_listen != NULL && opt_tls_cert == NULL && !opt_insecure_http &&
      !listen_is_loopback (opt_listen))
    return gh_cli_usage_error (cli->context, "Refusing plain HTTP on %s, which is not a loopback "
                               "address: tokens would cross the network in clear text. Give "
                               "--tls-cert and --tls-key, or --insecure-http to allow it "
                               "(behind a TLS proxy, for example)", opt_listen);
  return -1;
}

/* Sets the options' audit retention, outbound CA and connection limits on @server. */
static gboolean
configure (GhServer  *server,
           GError   **error)
{
  GhServerLimits limits = { 0 };

  if (opt_ca_file != NULL && !gh_server_set_outbound_ca_file (server, opt_ca_file, error))
    return FALSE;
  gh_audit_set_retention (gh_server_get_audit (server), opt_audit_max_events,
                          opt_audit_max_age_days);
  gh_audit_set_refusal_limit (gh_server_get_audit (server), (guint) opt_audit_refusals);

  g_message ("Data directory: %s", gh_server_get_data_dir (server));
  g_message ("Secrets: %s", gh_server_describe_secrets (server));

  limits.max_connections = (guint) opt_max_connections;
  limits.max_connections_per_address = (guint) opt_max_connections_per_address;
  limits.idle_timeout = (guint) opt_idle_timeout;
  limits.head_timeout = (guint) opt_head_timeout;
  limits.body_timeout = (guint) opt_body_timeout;
  gh_server_set_limits (server, &limits);
  return TRUE;
}

static int
run_serve (GhCli *cli)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhServer) server = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GPtrArray) projects = NULL;
  const GhServerLimits *in_force;
  int status;
  guint sigterm_id, sigint_id;

  status = check_options (cli);
  if (status >= 0)
    return status;

  if (opt_tls_cert != NULL)
    {
      certificate = load_certificate (&error);
      if (certificate == NULL)
        return gh_cli_fail (error);
    }

  server = gh_cli_open_server (opt_dev ? GH_SETTINGS_PROFILE_DEVELOPMENT
                                       : GH_SETTINGS_PROFILE_PRODUCTION, &error);
  if (server == NULL || !configure (server, &error))
    return gh_cli_fail (error);

  /* Before the server listens and records itself in the data directory: a script that sees
   * it listening may stop it at once, and SIGTERM must then be a clean stop, not a death. */
  loop = g_main_loop_new (NULL, FALSE);
  sigterm_id = g_unix_signal_add (SIGTERM, quit_on_signal, loop);
  sigint_id = g_unix_signal_add (SIGINT, quit_on_signal, loop);

  if (!gh_server_listen (server, opt_listen != NULL ? opt_listen : "127.0.0.1:0", certificate,
                         &error))
    {
      g_source_remove (sigterm_id);
      g_source_remove (sigint_id);
      return gh_cli_fail_arguments (error);
    }
  in_force = gh_server_get_limits (server);
  g_message ("Limits: %u connections, %u from one address; timeouts: idle %u s, "
             "headers %u s, body %u s", in_force->max_connections,
             in_force->max_connections_per_address, in_force->idle_timeout,
             in_force->head_timeout, in_force->body_timeout);
  gh_server_set_issuer_base (server, opt_issuer_base);

  projects = gh_projects_list (gh_server_get_projects (server), &error);
  if (projects == NULL)
    {
      g_source_remove (sigterm_id);
      g_source_remove (sigint_id);
      gh_server_stop (server);
      return gh_cli_fail (error);
    }
  for (guint i = 0; i < projects->len; i++)
    {
      GhProject *project = g_ptr_array_index (projects, i);
      g_autofree char *issuer = gh_server_build_issuer (server, project->slug);

      g_message ("Project %s: issuer %s", project->slug, issuer);
    }

  /* The one line scripts wait for; the real address even when the port was 0. */
  g_print ("listening on %s\n", gh_server_get_listen_url (server));
  fflush (stdout);

  g_main_loop_run (loop);
  g_source_remove (sigterm_id);
  g_source_remove (sigint_id);

  gh_server_stop (server);
  return EXIT_SUCCESS;
}

const GhCliCommand gh_cli_serve = {
  .name = "serve",
  .arguments = "",
  .summary = "Run the authorization server",
  .help = "Run the authorization server until SIGTERM or SIGINT.",
  .options = { serve_options },
  .max_args = -1,
  .describe = describe_limits,
  .run = run_serve,
};
