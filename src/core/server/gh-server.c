/* gh-server.c — GhServer's lifecycle: the services it opens, listening, stopping, and
 * what the CLI and the tests ask of it
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-server"

#include "config.h"

#include <string.h>

#include "gh-server-private.h"
#include "gh-server-record.h"
#include "gh-server.h"
#include "gh-time.h"

G_DEFINE_FINAL_TYPE (GhServer, gh_server, G_TYPE_OBJECT)

static void
gh_server_dispose (GObject *object)
{
  GhServer *self = (GhServer *) object;

  gh_server_stop (self);
  g_clear_object (&self->connections);
  g_clear_object (&self->soup_server);
  g_clear_object (&self->tls_certificate);
  g_clear_object (&self->cimd_resolver);
  g_clear_object (&self->registration);
  g_clear_object (&self->admin_tokens);
  g_clear_object (&self->iats);
  g_clear_object (&self->tokens);
  g_clear_object (&self->authorization);
  g_clear_object (&self->resources);
  g_clear_object (&self->users);
  g_clear_object (&self->clients);
  g_clear_object (&self->signing_keys);
  g_clear_object (&self->secrets);
  g_clear_object (&self->projects);
  g_clear_object (&self->audit);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (gh_server_parent_class)->dispose (object);
}

static void
gh_server_finalize (GObject *object)
{
  GhServer *self = (GhServer *) object;

  g_clear_pointer (&self->data_dir, g_free);
  g_clear_pointer (&self->issuer_base, g_free);
  g_clear_pointer (&self->listen_url, g_free);
  g_clear_pointer (&self->signing_error, g_free);
  g_clear_pointer (&self->responses, g_hash_table_unref);

  G_OBJECT_CLASS (gh_server_parent_class)->finalize (object);
}

static void
gh_server_class_init (GhServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gh_server_dispose;
  object_class->finalize = gh_server_finalize;
}

static void
gh_server_init (GhServer *self)
{
  self->responses = _gh_discovery_cache_new ();
  gh_server_limits_resolve (&self->limits, 1024);
}

GhServer *
gh_server_new (const char         *data_dir,
               GhSecretBackend     backend,
               GhSettingsProfile   profile,
               GError            **error)
{
  g_autoptr(GhServer) self = NULL;

  g_return_val_if_fail (data_dir != NULL, NULL);

  self = g_object_new (GH_TYPE_SERVER, NULL);
  self->profile = profile;

  self->store = gh_store_open (data_dir, error);
  if (self->store == NULL)
    return NULL;
  self->data_dir = g_strdup (gh_store_get_data_dir (self->store));

  self->audit = gh_audit_new (self->store);
  self->projects = gh_projects_new (self->store, self->audit);
  if (!gh_projects_ensure_default (self->projects, profile, error))
    return NULL;

  self->secrets = gh_secret_store_new (backend, self->data_dir, error);
  if (self->secrets == NULL)
    return NULL;
  self->signing_keys = gh_signing_keys_new (self->store, self->secrets, self->audit);
  self->clients = gh_clients_new (self->store, self->audit);
  self->users = gh_users_new (self->store, self->audit);
  self->resources = gh_resources_new (self->store, self->audit);
  self->authorization = gh_authorization_new (self->store, self->audit, self->clients, self->users,
                                              self->resources);
  self->tokens = gh_tokens_new (self->store, self->audit, self->signing_keys, self->users,
                                self->resources);
  self->iats = gh_iats_new (self->store, self->audit);
  self->admin_tokens = gh_admin_tokens_new (self->store, self->audit);
  self->registration = gh_registration_new (self->store, self->audit, self->clients, self->iats);
  self->cimd_resolver = gh_cimd_resolver_new (self->store, self->audit, NULL);
  gh_clients_set_cimd_resolver (self->clients, self->cimd_resolver);

  return g_steal_pointer (&self);
}

char *
gh_server_build_issuer (GhServer   *self,
                        const char *slug)
{
  const char *base;

  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  g_return_val_if_fail (slug != NULL, NULL);

  base = gh_server_get_issuer_base (self);
  if (base == NULL)
    return NULL;
  if (g_str_equal (slug, GH_DEFAULT_PROJECT))
    return g_strdup (base);
  return g_strconcat (base, "/p/", slug, NULL);
}

static GInetSocketAddress *
parse_listen_address (const char  *address,
                      GError     **error)
{
  g_autoptr(GSocketConnectable) connectable = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  const char *host;
  guint16 port;

  connectable = g_network_address_parse (address, 0, error);
  if (connectable == NULL)
    return NULL;
  host = g_network_address_get_hostname (G_NETWORK_ADDRESS (connectable));
  port = g_network_address_get_port (G_NETWORK_ADDRESS (connectable));

  if (g_str_equal (host, "localhost"))
    host = "127.0.0.1";
  inet = g_inet_address_new_from_string (host);
  if (inet == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Listen on an IP address (such as 127.0.0.1:0), not “%s”", address);
      return NULL;
    }
  if (!g_strrstr (address, ":"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Give a port in the listen address “%s” (0 picks a free one)", address);
      return NULL;
    }
  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (inet, port));
}

/* server.d/<pid>.json tells `gatehouse-server status` and the CLI where this server listens. */
static void
record_listening (GhServer *self)
{
  g_autoptr(GError) error = NULL;

  if (!gh_server_record_write (self->data_dir, self->listen_url, gh_server_get_issuer_base (self),
                               self->started_at, &error))
    g_message ("Could not record the listening address in %s: %s", self->data_dir,
               error->message);
}

gboolean
gh_server_listen (GhServer         *self,
                  const char       *address,
                  GTlsCertificate  *tls_certificate,
                  GError          **error)
{
  g_autoptr(GInetSocketAddress) socket_address = NULL;
  g_autoptr(GError) key_error = NULL;
  g_autofree char *host = NULL;
  GSList *listeners;
  GInetAddress *inet;
  gboolean ipv6;

  g_return_val_if_fail (GH_IS_SERVER (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);
  g_return_val_if_fail (self->soup_server == NULL, FALSE);

  socket_address = parse_listen_address (address, error);
  if (socket_address == NULL)
    return FALSE;

  /* Without a usable key the server still starts (discovery works, the GUI can show the
   * problem); everything that signs answers 503 until the secret store is back. */
  g_clear_pointer (&self->signing_error, g_free);
  if (!gh_signing_keys_ensure (self->signing_keys, GH_JWS_ALG_ES256, &key_error))
    {
      g_warning ("Signing is unavailable: %s", key_error->message);
      self->signing_error = g_strdup (key_error->message);
    }

  /* A client reaching the descriptor limit must not stop the listener: the limit as high as
   * allowed, and the connection cap below it. */
  if (!self->limits_set)
    gh_server_set_limits (self, &self->requested_limits);

  /* No versions: they help nobody but someone matching exploits to them. */
  self->soup_server = soup_server_new ("server-header", "Gatehouse",
                                       "tls-certificate", tls_certificate,
                                       NULL);
  soup_server_add_early_handler (self->soup_server, NULL, _gh_server_admit, self, NULL);
  soup_server_add_handler (self->soup_server, NULL, _gh_server_dispatch, self, NULL);

  /* Our own socket, for a listen backlog that bursts of clients do not overflow (GSocket's
   * default is 10: the kernel then resets connections). */
  {
    GSocketFamily family = g_socket_address_get_family (G_SOCKET_ADDRESS (socket_address));
    g_autoptr(GSocket) socket = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                              error);

    if (socket == NULL ||
        !g_socket_bind (socket, G_SOCKET_ADDRESS (socket_address), TRUE, error))
      {
        g_clear_object (&self->soup_server);
        return FALSE;
      }
    g_socket_set_listen_backlog (socket, 256);
    if (!g_socket_listen (socket, error) ||
        !soup_server_listen_socket (self->soup_server, socket,
                                    tls_certificate != NULL ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
      {
        g_clear_object (&self->soup_server);
        return FALSE;
      }
    self->connections = gh_connections_new (self->soup_server, socket, tls_certificate != NULL,
                                            &self->limits);
  }

  listeners = soup_server_get_listeners (self->soup_server);
  g_assert (listeners != NULL);
  {
    g_autoptr(GSocketAddress) local = g_socket_get_local_address (listeners->data, NULL);
    self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  }
  g_slist_free (listeners);

  inet = g_inet_socket_address_get_address (socket_address);
  host = g_inet_address_to_string (inet);
  g_clear_pointer (&self->listen_url, g_free);
  ipv6 = g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6;
  g_set_object (&self->tls_certificate, tls_certificate);
  self->listen_url = g_strdup_printf ("%s://%s%s%s:%u",
                                      tls_certificate != NULL ? "https" : "http",
                                      ipv6 ? "[" : "", host, ipv6 ? "]" : "", self->port);
  self->started_at = gh_now_seconds ();
  record_listening (self);
  /* Retention: small batches at low priority, never in a request's way */
  gh_audit_start_pruning (self->audit, GH_AUDIT_PRUNE_INTERVAL_MS);
  return TRUE;
}

void
gh_server_stop (GhServer *self)
{
  g_return_if_fail (GH_IS_SERVER (self));

  if (self->soup_server == NULL)
    return;
  gh_audit_stop_pruning (self->audit);
  _gh_admin_events_close_all (self);
  g_clear_object (&self->connections);
  soup_server_disconnect (self->soup_server);
  g_clear_object (&self->soup_server);
  self->port = 0;
  gh_server_record_stop (self->data_dir, self->listen_url);
}

void
gh_server_set_limits (GhServer             *self,
                      const GhServerLimits *limits)
{
  GhServerLimits resolved;

  g_return_if_fail (GH_IS_SERVER (self));
  g_return_if_fail (limits != NULL);

  resolved = *limits;
  self->requested_limits = *limits;
  gh_server_limits_resolve (&resolved, gh_raise_fd_limit ());
  self->limits = resolved;
  self->limits_set = TRUE;
}

const GhServerLimits *
gh_server_get_limits (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return &self->limits;
}


guint16
gh_server_get_port (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), 0);
  return self->port;
}

const char *
gh_server_get_issuer_base (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->issuer_base != NULL ? self->issuer_base : self->listen_url;
}

const char *
gh_server_get_listen_url (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->listen_url;
}

void
gh_server_set_issuer_base (GhServer   *self,
                           const char *issuer_base)
{
  g_autofree char *copy = NULL;
  gsize len;

  g_return_if_fail (GH_IS_SERVER (self));

  copy = g_strdup (issuer_base);
  /* The issuer never ends in '/': clients compare it byte for byte with what they derive. */
  len = copy != NULL ? strlen (copy) : 0;
  while (len > 0 && copy[len - 1] == '/')
    copy[--len] = '\0';
  g_clear_pointer (&self->issuer_base, g_free);
  self->issuer_base = (copy != NULL && *copy != '\0') ? g_steal_pointer (&copy) : NULL;
  if (self->soup_server != NULL)
    record_listening (self);
}

const char *
gh_server_get_data_dir (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->data_dir;
}

/* Why the server could not sign when it started listening (no key could be made or read),
 * or %NULL when it could. */
const char *
gh_server_get_signing_error (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->signing_error;
}

const char *
gh_server_describe_secrets (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return gh_secret_store_describe (self->secrets);
}


GhStore *
gh_server_get_store (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->store;
}

GhAudit *
gh_server_get_audit (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->audit;
}

GhProjects *
gh_server_get_projects (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->projects;
}

GhSecretStore *
gh_server_get_secret_store (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->secrets;
}

GhSigningKeys *
gh_server_get_signing_keys (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->signing_keys;
}

GhClients *
gh_server_get_clients (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->clients;
}

GhUsers *
gh_server_get_users (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->users;
}

GhResources *
gh_server_get_resources (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->resources;
}

char *
_gh_server_cookie_name (GhServer   *self,
                        const char *name)
{
  return g_strdup_printf ("gh%u_%s", self->port, name);
}

GhIats *
gh_server_get_iats (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->iats;
}

GhAdminTokens *
gh_server_get_admin_tokens (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->admin_tokens;
}

GhCimdResolver *
gh_server_get_cimd_resolver (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->cimd_resolver;
}

/* The system's trust anchors and @ca_file's, in one database: --ca-file adds, never replaces.
 * The bundle stays in the data directory: the database reads it when it first needs it. */
static GTlsDatabase *
database_with_extra_cas (const char  *data_dir,
                         const char  *ca_file,
                         GError     **error)
{
  static const char * const system_bundles[] = {
    "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
  };
  g_autoptr(GString) pem = g_string_new (NULL);
  g_autofree char *extra = NULL;
  g_autofree char *path = g_build_filename (data_dir, "outbound-ca-bundle.pem", NULL);

  if (!g_file_get_contents (ca_file, &extra, NULL, error))
    return NULL;
  if (strstr (extra, "-----BEGIN CERTIFICATE-----") == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s holds no PEM certificate", ca_file);
      return NULL;
    }
  for (guint i = 0; i < G_N_ELEMENTS (system_bundles); i++)
    {
      g_autofree char *bundle = NULL;
      if (g_file_get_contents (system_bundles[i], &bundle, NULL, NULL))
        {
          g_string_append (pem, bundle);
          g_string_append_c (pem, '\n');
          break;
        }
    }
  g_string_append (pem, extra);

  if (!g_file_set_contents_full (path, pem->str, pem->len, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                 error))
    return NULL;
  return g_tls_file_database_new (path, error);
}

gboolean
gh_server_set_outbound_ca_file (GhServer    *self,
                                const char  *ca_file,
                                GError     **error)
{
  g_autoptr(GTlsDatabase) database = NULL;

  g_return_val_if_fail (GH_IS_SERVER (self), FALSE);
  g_return_val_if_fail (ca_file != NULL, FALSE);

  database = database_with_extra_cas (self->data_dir, ca_file, error);
  if (database == NULL)
    return FALSE;
  g_clear_object (&self->cimd_resolver);
  self->cimd_resolver = gh_cimd_resolver_new (self->store, self->audit, database);
  gh_clients_set_cimd_resolver (self->clients, self->cimd_resolver);
  return TRUE;
}
