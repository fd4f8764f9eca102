/* gh-connection.c — the server a window administers: the embedded one or a remote one
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <glib/gi18n.h>

#include "gh-connection.h"
#include "gh-trust.h"

/* Pages are bound to a connection, never to a server object: they read through its client,
 * over HTTP, the same for the embedded server as for a remote one. Only what the embedded
 * server alone can know (its data folder, port, keys) comes from its GhEmbeddedServer. */
struct _GhConnection
{
  GObject            parent_instance;

  GhEmbeddedServer  *embedded_server;  /* NULL for a remote server */
  GhServerClient    *client;
  GhAdminClient     *admin_client;     /* with the same address and credential */
  char              *base_url;
  char              *credential;
  char              *error_message;
  GhConnectionKind   kind;
  GhConnectionState  state;

  /* A remote server: asked GET /admin/v1/server before it is READY, and again whenever the
   * event stream is lost; one trust (the system's, and the certificate the user trusted at
   * this address) for every session. */
  char                 *remote_url;
  GhTrustDatabase      *trust;
  GCancellable         *probe_cancellable;
  GTlsCertificate      *peer_certificate;  /* refused by the last probe */
  GTlsCertificateFlags  peer_errors;
};

G_DEFINE_FINAL_TYPE (GhConnection, gh_connection, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (GhConnectionKind, gh_connection_kind,
  G_DEFINE_ENUM_VALUE (GH_CONNECTION_KIND_EMBEDDED, "embedded"),
  G_DEFINE_ENUM_VALUE (GH_CONNECTION_KIND_REMOTE, "remote"))

G_DEFINE_ENUM_TYPE (GhConnectionState, gh_connection_state,
  G_DEFINE_ENUM_VALUE (GH_CONNECTION_STATE_STOPPED, "stopped"),
  G_DEFINE_ENUM_VALUE (GH_CONNECTION_STATE_STARTING, "starting"),
  G_DEFINE_ENUM_VALUE (GH_CONNECTION_STATE_READY, "ready"),
  G_DEFINE_ENUM_VALUE (GH_CONNECTION_STATE_FAILED, "failed"),
  G_DEFINE_ENUM_VALUE (GH_CONNECTION_STATE_STOPPING, "stopping"))

enum {
  PROP_0,
  PROP_BASE_URL,
  PROP_CLIENT,
  PROP_CREDENTIAL,
  PROP_EMBEDDED_SERVER,
  PROP_ERROR_MESSAGE,
  PROP_KIND,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GhConnectionState
state_of_embedded (GhEmbeddedServerState state)
{
  switch (state)
    {
    case GH_EMBEDDED_SERVER_STATE_STARTING:
      return GH_CONNECTION_STATE_STARTING;
    case GH_EMBEDDED_SERVER_STATE_RUNNING:
      return GH_CONNECTION_STATE_READY;
    case GH_EMBEDDED_SERVER_STATE_FAILED:
      return GH_CONNECTION_STATE_FAILED;
    case GH_EMBEDDED_SERVER_STATE_STOPPING:
      return GH_CONNECTION_STATE_STOPPING;
    case GH_EMBEDDED_SERVER_STATE_STOPPED:
    default:
      return GH_CONNECTION_STATE_STOPPED;
    }
}

static void
drop_admin_client (GhConnection *self)
{
  if (self->admin_client == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->admin_client, self);
  /* A page may still hold it: its stream must not outlive the connection's use of it */
  gh_admin_client_stop_events (self->admin_client);
  g_clear_object (&self->admin_client);
}

/* One client while the server has an address, kept as long as the address stays. */
static void
update (GhConnection      *self,
        GhConnectionState  state,
        const char        *base_url,
        const char        *error_message)
{
  g_autoptr(GhServerClient) client = NULL;

  if (state != GH_CONNECTION_STATE_READY)
    base_url = NULL;

  g_object_freeze_notify (G_OBJECT (self));

  if (g_strcmp0 (self->base_url, base_url) != 0)
    {
      g_free (self->base_url);
      self->base_url = g_strdup (base_url);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BASE_URL]);
    }

  if (g_strcmp0 (self->error_message, error_message) != 0)
    {
      g_free (self->error_message);
      self->error_message = g_strdup (error_message);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
    }

  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }

  /* A remote server's clients come from its probe (remote_ready ()) */
  if (self->kind == GH_CONNECTION_KIND_REMOTE && self->base_url != NULL)
    {
      g_object_thaw_notify (G_OBJECT (self));
      return;
    }

  if (self->base_url != NULL)
    {
      if (self->client != NULL &&
          g_str_equal (gh_server_client_get_base_url (self->client), self->base_url))
        client = g_object_ref (self->client);
      else
        client = gh_server_client_new (self->base_url, self->credential);
    }
  if (client != self->client)
    {
      drop_admin_client (self);
      if (client != NULL)
        self->admin_client = gh_admin_client_new (self->base_url, self->credential);
    }
  if (g_set_object (&self->client, client))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT]);

  g_object_thaw_notify (G_OBJECT (self));
}

static void
embedded_changed_cb (GhConnection *self)
{
  const char *token = gh_embedded_server_get_admin_token (self->embedded_server);

  /* The embedded server's own admin token is the credential, as a remote one's would be:
   * new clients for a new one */
  if (g_strcmp0 (self->credential, token) != 0)
    {
      g_free (self->credential);
      self->credential = g_strdup (token);
      drop_admin_client (self);
      if (self->client != NULL)
        {
          g_clear_object (&self->client);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT]);
        }
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CREDENTIAL]);
    }
  update (self,
          state_of_embedded (gh_embedded_server_get_state (self->embedded_server)),
          gh_embedded_server_get_base_url (self->embedded_server),
          gh_embedded_server_get_error_message (self->embedded_server));
}

/* ---- a remote server: the probe ---------------------------------------------------- */

static void probe (GhConnection *self,
                   gboolean      quietly);

/* Why the server at @self's URL cannot be administered, in words, from what the probe met. */
static char *
describe_failure (GhConnection *self,
                  const GError *error)
{
  g_autofree char *address = gh_trust_dup_address (self->remote_url);
  const char *where = address != NULL ? address : self->remote_url;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    return g_strdup_printf (_("Connection refused: nothing answers at %s."), where);
  if (error->domain == G_RESOLVER_ERROR)
    return g_strdup_printf (_("The server's name could not be found (DNS): %s"),
                            error->message);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return g_strdup_printf (_("The server at %s did not answer in time."), where);
  if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE) &&
      self->peer_certificate != NULL)
    {
      g_autofree char *problems = gh_certificate_describe_errors (self->peer_errors);

      return g_strdup_printf (_("Certificate problem: the certificate of %s is not trusted. %s"),
                              where, problems);
    }
  if (error->domain == G_TLS_ERROR)
    return g_strdup_printf (_("TLS error: %s"), error->message);
  if (error->domain == GH_ADMIN_CLIENT_ERROR)
    {
      switch (error->code)
        {
        case GH_ADMIN_CLIENT_ERROR_UNAUTHORIZED:
        case GH_ADMIN_CLIENT_ERROR_FORBIDDEN:
          return g_strdup_printf (_("The admin token was refused (HTTP %u): %s"),
                                  gh_admin_client_error_get_status (error), error->message);
        case GH_ADMIN_CLIENT_ERROR_SERVER_ERROR:
        case GH_ADMIN_CLIENT_ERROR_UNAVAILABLE:
        case GH_ADMIN_CLIENT_ERROR_TOO_MANY_REQUESTS:
          return g_strdup_printf (_("The server could not answer: %s"), error->message);
        default:
          return g_strdup_printf (_("Not a Gatehouse server: %s has no admin API (%s)."),
                                  where, error->message);
        }
    }

  return g_strdup (error->message);
}

/* The event stream was lost: is the server still there? */
static void
stream_state_cb (GhConnection  *self,
                 int            stream_state,
                 GhAdminClient *admin_client)
{
  if (stream_state == GH_ADMIN_STREAM_RECONNECTING &&
      self->state == GH_CONNECTION_STATE_READY && self->probe_cancellable == NULL)
    probe (self, TRUE);
}

static void
remote_ready (GhConnection  *self,
              GhAdminClient *admin_client)
{
  g_autoptr(GhServerClient) client = gh_connection_new_server_client (self, self->remote_url);

  g_object_freeze_notify (G_OBJECT (self));
  drop_admin_client (self);
  self->admin_client = g_object_ref (admin_client);
  g_signal_connect_object (admin_client, "stream-state", G_CALLBACK (stream_state_cb), self,
                           G_CONNECT_SWAPPED);
  g_set_object (&self->client, client);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT]);
  update (self, GH_CONNECTION_STATE_READY, self->remote_url, NULL);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
probed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GhAdminClient *admin_client = GH_ADMIN_CLIENT (source);
  GhConnection *self = user_data;
  g_autoptr(GhAdminServerInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  gboolean quietly;

  /* Cancelled when superseded or disposed: then @self may be gone, so not a look at it */
  info = gh_admin_client_get_server_finish (admin_client, result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  quietly = self->state == GH_CONNECTION_STATE_READY;
  g_clear_object (&self->probe_cancellable);

  if (info != NULL)
    {
      if (!quietly)
        remote_ready (self, admin_client);
      return;
    }

  g_clear_object (&self->peer_certificate);
  self->peer_errors = 0;
  if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
    self->peer_certificate = gh_trust_database_dup_refused (self->trust, &self->peer_errors);
  message = describe_failure (self, error);
  g_debug ("%s: %s (%s)", self->remote_url, message, error->message);
  update (self, GH_CONNECTION_STATE_FAILED, NULL, message);
}

/* Asks the server who it is. Not @quietly: STARTING meanwhile, with a fresh trust (the
 * pinned certificate as the settings have it now) and a fresh admin client; @quietly: READY
 * stays unless it fails. */
static void
probe (GhConnection *self,
       gboolean      quietly)
{
  g_autoptr(GhAdminClient) admin_client = NULL;

  g_cancellable_cancel (self->probe_cancellable);
  g_clear_object (&self->probe_cancellable);
  self->probe_cancellable = g_cancellable_new ();

  if (quietly && self->admin_client != NULL)
    admin_client = g_object_ref (self->admin_client);
  else
    {
      g_autofree char *address = gh_trust_dup_address (self->remote_url);
      g_autofree char *pinned = address != NULL ? gh_trust_dup_pinned (address) : NULL;

      g_clear_object (&self->trust);
      self->trust = gh_trust_database_new (pinned);
      g_clear_object (&self->peer_certificate);
      self->peer_errors = 0;
      admin_client = gh_admin_client_new (self->remote_url, self->credential);
      gh_admin_client_set_tls_database (admin_client, G_TLS_DATABASE (self->trust));
      update (self, GH_CONNECTION_STATE_STARTING, NULL, NULL);
    }

  /* No reference: disposing cancels it */
  gh_admin_client_get_server_async (admin_client, self->probe_cancellable, probed_cb, self);
}

static void
gh_connection_constructed (GObject *object)
{
  GhConnection *self = (GhConnection *)object;
  g_autofree char *base_url = g_steal_pointer (&self->base_url);

  G_OBJECT_CLASS (gh_connection_parent_class)->constructed (object);

  if (self->embedded_server != NULL)
    {
      self->kind = GH_CONNECTION_KIND_EMBEDDED;
      g_signal_connect_object (self->embedded_server, "notify::state",
                               G_CALLBACK (embedded_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->embedded_server, "notify::base-url",
                               G_CALLBACK (embedded_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->embedded_server, "notify::error-message",
                               G_CALLBACK (embedded_changed_cb), self, G_CONNECT_SWAPPED);
      embedded_changed_cb (self);
    }
  else
    {
      /* Nothing to start, but READY only once it answered as a Gatehouse server would. */
      self->kind = GH_CONNECTION_KIND_REMOTE;
      self->remote_url = g_steal_pointer (&base_url);
      probe (self, FALSE);
    }
}

static void
gh_connection_dispose (GObject *object)
{
  GhConnection *self = (GhConnection *)object;

  g_cancellable_cancel (self->probe_cancellable);
  g_clear_object (&self->probe_cancellable);
  g_clear_object (&self->client);
  drop_admin_client (self);
  g_clear_object (&self->embedded_server);
  g_clear_object (&self->trust);
  g_clear_object (&self->peer_certificate);

  G_OBJECT_CLASS (gh_connection_parent_class)->dispose (object);
}

static void
gh_connection_finalize (GObject *object)
{
  GhConnection *self = (GhConnection *)object;

  g_clear_pointer (&self->base_url, g_free);
  g_clear_pointer (&self->remote_url, g_free);
  g_clear_pointer (&self->credential, g_free);
  g_clear_pointer (&self->error_message, g_free);

  G_OBJECT_CLASS (gh_connection_parent_class)->finalize (object);
}

static void
gh_connection_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  GhConnection *self = GH_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;

    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;

    case PROP_CREDENTIAL:
      g_value_set_string (value, self->credential);
      break;

    case PROP_EMBEDDED_SERVER:
      g_value_set_object (value, self->embedded_server);
      break;

    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;

    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;

    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_connection_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  GhConnection *self = GH_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      self->base_url = g_value_dup_string (value);
      break;

    case PROP_CREDENTIAL:
      self->credential = g_value_dup_string (value);
      break;

    case PROP_EMBEDDED_SERVER:
      self->embedded_server = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_connection_class_init (GhConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = gh_connection_constructed;
  object_class->dispose = gh_connection_dispose;
  object_class->finalize = gh_connection_finalize;
  object_class->get_property = gh_connection_get_property;
  object_class->set_property = gh_connection_set_property;

  /* The root issuer, e.g. "http://127.0.0.1:41234"; %NULL unless READY. Set once for a remote
   * server. */
  properties[PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL,
                         GH_TYPE_SERVER_CLIENT,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Sent as "Authorization: Bearer" on every request when set. */
  properties[PROP_CREDENTIAL] =
    g_param_spec_string ("credential", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  properties[PROP_EMBEDDED_SERVER] =
    g_param_spec_object ("embedded-server", NULL, NULL,
                         GH_TYPE_EMBEDDED_SERVER,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_KIND] =
    g_param_spec_enum ("kind", NULL, NULL,
                       GH_TYPE_CONNECTION_KIND,
                       GH_CONNECTION_KIND_REMOTE,
                       (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       GH_TYPE_CONNECTION_STATE,
                       GH_CONNECTION_STATE_STOPPED,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gh_connection_init (GhConnection *self)
{
}

GhConnection *
gh_connection_new_embedded (GhEmbeddedServer *server)
{
  g_return_val_if_fail (GH_IS_EMBEDDED_SERVER (server), NULL);

  return g_object_new (GH_TYPE_CONNECTION,
                       "embedded-server", server,
                       NULL);
}

GhConnection *
gh_connection_new_remote (const char *base_url,
                          const char *credential)
{
  g_return_val_if_fail (base_url != NULL, NULL);

  return g_object_new (GH_TYPE_CONNECTION,
                       "base-url", base_url,
                       "credential", credential,
                       NULL);
}

GhConnectionKind
gh_connection_get_kind (GhConnection *self)
{
  g_return_val_if_fail (GH_IS_CONNECTION (self), GH_CONNECTION_KIND_REMOTE);

  return self->kind;
}

GhConnectionState
gh_connection_get_state (GhConnection *self)
{
  g_return_val_if_fail (GH_IS_CONNECTION (self), GH_CONNECTION_STATE_STOPPED);

  return self->state;
}

const char *
gh_connection_get_base_url (GhConnection *self)
{
  g_return_val_if_fail (GH_IS_CONNECTION (self), NULL);

  return self->base_url;
}

const char *
gh_connection_get_credential (GhConnection *self)
{
  g_return_val_if_fail (GH_IS_CONNECTION (self), NULL);

  return self->credential;
}

const char *
gh_connection_get_error_message (GhConnection *self)
{
  g_return_val_if_fail (GH_IS_CONNECTION (self), NULL);

  return self->error_message;
}

GhServerClient *
gh_connection_get_client (GhConnection *self)
{
  g_return_val_if_fail (GH_IS_CONNECTION (self), NULL);

  return self->client;
}

GhServerClient *
gh_connection_new_server_client (GhConnection *self,
                                 const char   *base_url)
{
  GhServerClient *client;

  g_return_val_if_fail (GH_IS_CONNECTION (self), NULL);
  g_return_val_if_fail (base_url != NULL, NULL);

  client = gh_server_client_new (base_url, self->credential);
  if (self->trust != NULL)
    gh_server_client_set_tls_database (client, G_TLS_DATABASE (self->trust));
  return client;
}

GhAdminClient *
gh_connection_get_admin_client (GhConnection *self)
{
  g_return_val_if_fail (GH_IS_CONNECTION (self), NULL);

  return self->admin_client;
}

const char *
gh_connection_get_remote_url (GhConnection *self)
{
  g_return_val_if_fail (GH_IS_CONNECTION (self), NULL);

  return self->remote_url;
}

GTlsCertificate *
gh_connection_get_peer_certificate (GhConnection         *self,
                                    GTlsCertificateFlags *errors)
{
  g_return_val_if_fail (GH_IS_CONNECTION (self), NULL);

  if (errors != NULL)
    *errors = self->peer_errors;
  return self->peer_certificate;
}

void
gh_connection_retry (GhConnection *self)
{
  g_return_if_fail (GH_IS_CONNECTION (self));

  if (self->embedded_server != NULL)
    gh_embedded_server_start (self->embedded_server);
  else if (self->remote_url != NULL)
    probe (self, FALSE);
}

GhEmbeddedServer *
gh_connection_get_embedded_server (GhConnection *self)
{
  g_return_val_if_fail (GH_IS_CONNECTION (self), NULL);

  return self->embedded_server;
}
