/* gh-server-client.c — everything the GUI asks a server, over HTTP
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "gh-server-client.h"

/* How the GUI talks to a Gatehouse server: over HTTP only, the same for the embedded server
 * on loopback as for a remote one. */
struct _GhServerClient
{
  GObject      parent_instance;

  SoupSession *session;
  char        *base_url;
  char        *credential;
};

G_DEFINE_FINAL_TYPE (GhServerClient, gh_server_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_BASE_URL,
  PROP_CREDENTIAL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define REQUEST_TIMEOUT_SECONDS 10

static void
gh_server_client_dispose (GObject *object)
{
  GhServerClient *self = (GhServerClient *)object;

  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (gh_server_client_parent_class)->dispose (object);
}

static void
gh_server_client_finalize (GObject *object)
{
  GhServerClient *self = (GhServerClient *)object;

  g_clear_pointer (&self->base_url, g_free);
  g_clear_pointer (&self->credential, g_free);

  G_OBJECT_CLASS (gh_server_client_parent_class)->finalize (object);
}

static void
gh_server_client_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  GhServerClient *self = GH_SERVER_CLIENT (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;

    case PROP_CREDENTIAL:
      g_value_set_string (value, self->credential);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_server_client_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  GhServerClient *self = GH_SERVER_CLIENT (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      self->base_url = g_value_dup_string (value);
      break;

    case PROP_CREDENTIAL:
      self->credential = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_server_client_class_init (GhServerClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gh_server_client_dispose;
  object_class->finalize = gh_server_client_finalize;
  object_class->get_property = gh_server_client_get_property;
  object_class->set_property = gh_server_client_set_property;

  /* The issuer of the server's default project, e.g. "http://127.0.0.1:41234". */
  properties[PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /* Sent as "Authorization: Bearer" when set (a remote server's admin token). */
  properties[PROP_CREDENTIAL] =
    g_param_spec_string ("credential", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gh_server_client_init (GhServerClient *self)
{
  self->session = soup_session_new_with_options ("timeout", REQUEST_TIMEOUT_SECONDS,
                                                 "user-agent", "Gatehouse/" PACKAGE_VERSION,
                                                 NULL);
}

/* @credential, when not %NULL, goes with every request as a bearer token. */
GhServerClient *
gh_server_client_new (const char *base_url,
                      const char *credential)
{
  g_return_val_if_fail (base_url != NULL, NULL);

  return g_object_new (GH_TYPE_SERVER_CLIENT,
                       "base-url", base_url,
                       "credential", credential,
                       NULL);
}

const char *
gh_server_client_get_base_url (GhServerClient *self)
{
  g_return_val_if_fail (GH_IS_SERVER_CLIENT (self), NULL);

  return self->base_url;
}

/* RFC 8414 section 3: the well-known segment goes between the host and the issuer's path. */
void
gh_server_client_set_tls_database (GhServerClient *self,
                                   GTlsDatabase   *database)
{
  g_return_if_fail (GH_IS_SERVER_CLIENT (self));
  g_return_if_fail (!database || G_IS_TLS_DATABASE (database));

  soup_session_set_tls_database (self->session, database);
}

char *
gh_server_client_dup_discovery_url (GhServerClient *self)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GUri) discovery = NULL;
  g_autofree char *path = NULL;
  const char *issuer_path;

  g_return_val_if_fail (GH_IS_SERVER_CLIENT (self), NULL);

  uri = g_uri_parse (self->base_url, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL)
    return NULL;

  issuer_path = g_uri_get_path (uri);
  if (g_str_equal (issuer_path, "/"))
    issuer_path = "";
  path = g_strconcat ("/.well-known/oauth-authorization-server", issuer_path, NULL);

  discovery = g_uri_build (G_URI_FLAGS_ENCODED,
                           g_uri_get_scheme (uri),
                           g_uri_get_userinfo (uri),
                           g_uri_get_host (uri),
                           g_uri_get_port (uri),
                           path, NULL, NULL);

  return g_uri_to_string (discovery);
}

/* What a fetch reads, for its messages. */
typedef enum
{
  DOCUMENT_DISCOVERY,
  DOCUMENT_JWKS,
} Document;

static void
fetch_json_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  SoupSession *session = SOUP_SESSION (object);
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonParser) parser = NULL;
  SoupMessage *message;
  JsonNode *root;
  guint status;

  body = soup_session_send_and_read_finish (session, result, &error);
  if (body == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  message = soup_session_get_async_result_message (session, result);
  status = soup_message_get_status (message);
  if (status != SOUP_STATUS_OK)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("The server answered “%u %s”"),
                               status, soup_message_get_reason_phrase (message));
      return;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser,
                                   g_bytes_get_data (body, NULL),
                                   g_bytes_get_size (body),
                                   &error))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               GPOINTER_TO_INT (g_task_get_task_data (task)) == DOCUMENT_JWKS
                               ? _("The key set is not valid JSON: %s")
                               : _("The discovery document is not valid JSON: %s"),
                               error->message);
      return;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               GPOINTER_TO_INT (g_task_get_task_data (task)) == DOCUMENT_JWKS
                               ? _("The key set is not a JSON object")
                               : _("The discovery document is not a JSON object"));
      return;
    }

  g_task_return_pointer (task,
                         json_object_ref (json_node_get_object (root)),
                         (GDestroyNotify) json_object_unref);
}

/* Every request goes out through here: JSON wanted, the credential when there is one. */
static void
send_json_request (GhServerClient *self,
                   SoupMessage    *message,
                   GCancellable   *cancellable,
                   GTask          *task)
{
  SoupMessageHeaders *headers = soup_message_get_request_headers (message);

  soup_message_headers_replace (headers, "Accept", "application/json");
  if (self->credential != NULL)
    {
      g_autofree char *authorization = g_strconcat ("Bearer ", self->credential, NULL);

      soup_message_headers_replace (headers, "Authorization", authorization);
    }

  soup_session_send_and_read_async (self->session, message, G_PRIORITY_DEFAULT, cancellable,
                                    fetch_json_cb, task);
}

/* GET the RFC 8414 authorization server metadata of the base URL's issuer. */
void
gh_server_client_fetch_discovery_async (GhServerClient      *self,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(SoupMessage) message = NULL;
  g_autofree char *url = NULL;

  g_return_if_fail (GH_IS_SERVER_CLIENT (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gh_server_client_fetch_discovery_async);
  g_task_set_task_data (task, GINT_TO_POINTER (DOCUMENT_DISCOVERY), NULL);

  url = gh_server_client_dup_discovery_url (self);
  if (url != NULL)
    message = soup_message_new (SOUP_METHOD_GET, url);
  if (message == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("“%s” is not a valid server address"), self->base_url);
      return;
    }

  send_json_request (self, message, cancellable, g_steal_pointer (&task));
}

JsonObject *
gh_server_client_fetch_discovery_finish (GhServerClient  *self,
                                         GAsyncResult    *result,
                                         GError         **error)
{
  g_return_val_if_fail (GH_IS_SERVER_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* GET the key set at @jwks_uri (from the discovery document): a server that publishes no key
 * cannot sign tokens. */
void
gh_server_client_fetch_jwks_async (GhServerClient      *self,
                                   const char          *jwks_uri,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(SoupMessage) message = NULL;

  g_return_if_fail (GH_IS_SERVER_CLIENT (self));
  g_return_if_fail (jwks_uri != NULL);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gh_server_client_fetch_jwks_async);
  g_task_set_task_data (task, GINT_TO_POINTER (DOCUMENT_JWKS), NULL);

  message = soup_message_new (SOUP_METHOD_GET, jwks_uri);
  if (message == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("“%s” is not a valid address"), jwks_uri);
      return;
    }

  send_json_request (self, message, cancellable, g_steal_pointer (&task));
}

JsonObject *
gh_server_client_fetch_jwks_finish (GhServerClient  *self,
                                    GAsyncResult    *result,
                                    GError         **error)
{
  g_return_val_if_fail (GH_IS_SERVER_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
