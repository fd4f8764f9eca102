/* gh-test-web.c — a web host on 127.0.0.1 for the documents and key sets tests publish
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-test-web.h"

typedef struct
{
  GhTestWeb *server;
  SoupServerMessage *message;
  GhTestRoute *route;
  guint timer;
  gsize sent;
} Streaming;

static void
route_free (GhTestRoute *route)
{
  g_free (route->content_type);
  g_clear_pointer (&route->body, g_bytes_unref);
  g_strfreev (route->headers);
  g_free (route->etag);
  g_free (route);
}

static void
streaming_stop (Streaming *streaming)
{
  if (streaming->message == NULL)
    return;
  g_clear_handle_id (&streaming->timer, g_source_remove);
  g_signal_handlers_disconnect_by_data (streaming->message, streaming);
  g_clear_object (&streaming->message);
  streaming->server->streaming--;
  streaming->server->current--;
  g_free (streaming);
}

static void
apply_headers (SoupServerMessage *message,
               GhTestRoute             *route)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (message);

  for (guint i = 0; route->headers != NULL && route->headers[i] != NULL; i += 2)
    soup_message_headers_replace (headers, route->headers[i], route->headers[i + 1]);
  if (route->etag != NULL)
    soup_message_headers_replace (headers, "ETag", route->etag);
}

static gboolean
streaming_tick (gpointer user_data)
{
  Streaming *streaming = user_data;
  SoupMessageBody *body = soup_server_message_get_response_body (streaming->message);
  gsize size = g_bytes_get_size (streaming->route->body);

  switch (streaming->route->mode)
    {
    case GH_TEST_ROUTE_SLOW:
      if (streaming->sent < size)
        {
          soup_message_body_append (body, SOUP_MEMORY_COPY,
                                    (const char *) g_bytes_get_data (streaming->route->body, NULL) +
                                    streaming->sent, 1);
          streaming->sent++;
        }
      if (streaming->sent == size)
        soup_message_body_complete (body);
      soup_server_message_unpause (streaming->message);
      return streaming->sent < size ? G_SOURCE_CONTINUE : (streaming->timer = 0, G_SOURCE_REMOVE);

    case GH_TEST_ROUTE_ENDLESS:
      soup_message_body_append (body, SOUP_MEMORY_STATIC, " ", 1);
      soup_server_message_unpause (streaming->message);
      return G_SOURCE_CONTINUE;

    case GH_TEST_ROUTE_DELAY:
      soup_server_message_set_status (streaming->message, streaming->route->status, NULL);
      apply_headers (streaming->message, streaming->route);
      soup_server_message_set_response (streaming->message, streaming->route->content_type,
                                        SOUP_MEMORY_COPY,
                                        g_bytes_get_data (streaming->route->body, NULL), size);
      soup_server_message_unpause (streaming->message);
      streaming->timer = 0;
      return G_SOURCE_REMOVE;

    case GH_TEST_ROUTE_NORMAL:
    case GH_TEST_ROUTE_HELD:
    default:
      g_assert_not_reached ();
    }
}

static void
server_handler (SoupServer        *soup_server,
                SoupServerMessage *message,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  GhTestWeb *server = user_data;
  GhTestRoute *route = g_hash_table_lookup (server->routes, path);
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (message);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (message);
  const char *if_none_match = soup_message_headers_get_one (request_headers, "If-None-Match");
  Streaming *streaming;

  server->requests++;
  if (route == NULL)
    {
      soup_server_message_set_status (message, 404, NULL);
      return;
    }
  route->count++;

  if (route->etag != NULL && g_strcmp0 (if_none_match, route->etag) == 0)
    {
      route->not_modified++;
      soup_server_message_set_status (message, 304, NULL);
      apply_headers (message, route);
      return;
    }

  if (route->mode == GH_TEST_ROUTE_NORMAL || route->mode == GH_TEST_ROUTE_HELD)
    {
      soup_server_message_set_status (message, route->status, NULL);
      apply_headers (message, route);
      if (route->body != NULL)
        soup_server_message_set_response (message, route->content_type, SOUP_MEMORY_COPY,
                                          g_bytes_get_data (route->body, NULL),
                                          g_bytes_get_size (route->body));
      if (route->mode == GH_TEST_ROUTE_HELD)
        {
          soup_server_message_pause (message);
          g_ptr_array_add (server->held, g_object_ref (message));
        }
      return;
    }

  server->current++;
  server->max_current = MAX (server->max_current, server->current);
  server->streaming++;
  streaming = g_new0 (Streaming, 1);
  streaming->server = server;
  streaming->message = g_object_ref (message);
  streaming->route = route;
  g_signal_connect_swapped (message, "finished", G_CALLBACK (streaming_stop), streaming);
  g_signal_connect_swapped (message, "disconnected", G_CALLBACK (streaming_stop), streaming);

  if (route->mode != GH_TEST_ROUTE_DELAY)
    {
      soup_server_message_set_status (message, route->status, NULL);
      apply_headers (message, route);
      soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      soup_message_headers_set_content_type (headers, route->content_type, NULL);
      if (route->mode == GH_TEST_ROUTE_ENDLESS)
        soup_message_body_append (soup_server_message_get_response_body (message),
                                  SOUP_MEMORY_STATIC, "{", 1);
    }
  else
    soup_server_message_pause (message);
  streaming->timer = g_timeout_add (route->mode == GH_TEST_ROUTE_SLOW ? 200 :
                                    route->mode == GH_TEST_ROUTE_ENDLESS ? 50 : 150,
                                    streaming_tick, streaming);
}

GhTestWeb *
gh_test_web_new (GTlsCertificate *certificate)
{
  GhTestWeb *server = g_new0 (GhTestWeb, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  server->server = certificate != NULL ? soup_server_new ("tls-certificate", certificate, NULL)
                                       : soup_server_new (NULL, NULL);
  server->routes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) route_free);
  server->held = g_ptr_array_new_with_free_func (g_object_unref);
  soup_server_add_handler (server->server, NULL, server_handler, server, NULL);
  soup_server_listen (server->server, address,
                      certificate != NULL ? SOUP_SERVER_LISTEN_HTTPS : 0, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server->server);
  g_assert_nonnull (uris);
  server->port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return server;
}

void
gh_test_web_free (GhTestWeb *server)
{
  for (guint i = 0; i < server->held->len; i++)
    soup_server_message_unpause (g_ptr_array_index (server->held, i));
  g_clear_pointer (&server->held, g_ptr_array_unref);
  /* Let slow answers notice their client is gone. */
  for (guint i = 0; i < 100 && server->streaming > 0; i++)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (10000), TRUE);
  soup_server_disconnect (server->server);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&server->server);
  g_hash_table_unref (server->routes);
  g_free (server);
}

GhTestRoute *
gh_test_web_route_valist (GhTestWeb  *web,
                          const char *path,
                          guint       status,
                          const char *content_type,
                          const char *body,
                          va_list     headers)
{
  GhTestRoute *r = g_new0 (GhTestRoute, 1);
  GhTestRoute *old = g_hash_table_lookup (web->routes, path);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  const char *name;

  r->status = status;
  r->content_type = g_strdup (content_type);
  r->body = body != NULL ? g_bytes_new (body, strlen (body)) : NULL;
  while ((name = va_arg (headers, const char *)) != NULL)
    {
      g_strv_builder_add (builder, name);
      g_strv_builder_add (builder, va_arg (headers, const char *));
    }
  r->headers = g_strv_builder_end (builder);
  if (old != NULL)
    r->count = old->count; /* counts survive a change of answer */
  g_hash_table_replace (web->routes, g_strdup (path), r);
  return r;
}

GhTestRoute *
gh_test_web_route (GhTestWeb  *web,
                   const char *path,
                   guint       status,
                   const char *content_type,
                   const char *body,
                   ...)
{
  GhTestRoute *r;
  va_list args;

  va_start (args, body);
  r = gh_test_web_route_valist (web, path, status, content_type, body, args);
  va_end (args);
  return r;
}

void
gh_test_route_add_header (GhTestRoute *route,
                          const char  *name,
                          const char  *value)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_strv_builder_addv (builder, (const char **) route->headers);
  g_strv_builder_add_many (builder, name, value, NULL);
  g_strfreev (route->headers);
  route->headers = g_strv_builder_end (builder);
}

guint
gh_test_web_hits (GhTestWeb  *web,
                  const char *path)
{
  GhTestRoute *r = g_hash_table_lookup (web->routes, path);

  return r != NULL ? r->count : 0;
}
