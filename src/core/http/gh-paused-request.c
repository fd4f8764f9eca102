/* gh-paused-request.c — a request that waits, paused, for a fetch before it is answered
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-http"

#include "config.h"

#include "gh-error.h"
#include "gh-paused-request.h"

/* Watches the socket (and "finished") of a paused message and cancels @cancellable when the
 * peer has gone. */
typedef struct
{
  SoupServerMessage *msg;
  GCancellable *cancellable;
  GSource *source;
  gulong finished_id;
  gulong disconnected_id;
  gboolean finished;   /* finished or disconnected: nothing left to unpause */
} PeerWatch;

static void
peer_gone (PeerWatch *watch)
{
  g_cancellable_cancel (watch->cancellable);
}

static gboolean
peer_socket_ready (GSocket      *socket,
                   GIOCondition  condition,
                   gpointer      user_data)
{
  PeerWatch *watch = user_data;
  char byte;
  GInputVector vector = { &byte, 1 };
  gint flags = G_SOCKET_MSG_PEEK;
  g_autoptr(GError) error = NULL;
  gssize n;

  /* The context keeps its own reference while it dispatches: ours can go now. */
  if (condition & (G_IO_HUP | G_IO_ERR))
    {
      peer_gone (watch);
      g_clear_pointer (&watch->source, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  n = g_socket_receive_message (socket, NULL, &vector, 1, NULL, NULL, &flags, NULL, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;
  /* 0: the peer closed; an error: the connection is broken. Data (a pipelined request)
   * means the peer is there; stop watching rather than wake up for it again and again. */
  if (n <= 0)
    peer_gone (watch);
  g_clear_pointer (&watch->source, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
peer_message_finished (SoupServerMessage *msg,
                       PeerWatch         *watch)
{
  watch->finished = TRUE;
  peer_gone (watch);
}

static void
peer_watch_release (PeerWatch *watch)
{
  guint status = gh_oauth_error_http_status (GH_OAUTH_ERROR_TEMPORARILY_UNAVAILABLE);

  if (watch->finished)
    return;
  soup_server_message_set_status (watch->msg, status, NULL);
  soup_server_message_unpause (watch->msg);
}

static PeerWatch *
watch_peer (SoupServerMessage *msg,
            GCancellable      *cancellable)
{
  PeerWatch *watch = g_new0 (PeerWatch, 1);
  GSocket *socket = soup_server_message_get_socket (msg);

  watch->msg = g_object_ref (msg);
  watch->cancellable = g_object_ref (cancellable);
  watch->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (peer_message_finished),
                                         watch);
  /* libsoup drops a message's I/O when its connection goes, which can be before "finished":
   * unpausing it then is a critical (soup_server_message_unpause: msg->io_data != NULL). */
  watch->disconnected_id = g_signal_connect (msg, "disconnected",
                                             G_CALLBACK (peer_message_finished), watch);
  if (socket != NULL)
    {
      watch->source = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
      g_source_set_callback (watch->source, (GSourceFunc) (GCallback) peer_socket_ready, watch,
                             NULL);
      g_source_attach (watch->source, g_main_context_get_thread_default ());
    }
  return watch;
}

static void
peer_watch_free (PeerWatch *watch)
{
  if (watch == NULL)
    return;
  if (watch->source != NULL)
    {
      g_source_destroy (watch->source);
      g_source_unref (watch->source);
    }
  g_signal_handler_disconnect (watch->msg, watch->finished_id);
  g_signal_handler_disconnect (watch->msg, watch->disconnected_id);
  g_clear_object (&watch->msg);
  g_clear_object (&watch->cancellable);
  g_free (watch);
}

GhPausedRequest *
gh_paused_request_new (GObject           *owner,
                       SoupServerMessage *msg,
                       const char        *slug,
                       const char        *issuer,
                       const char        *path,
                       GhForm            *form,
                       gpointer           data,
                       GDestroyNotify     data_free)
{
  GhPausedRequest *paused = g_new0 (GhPausedRequest, 1);

  paused->owner = g_object_ref (owner);
  paused->msg = g_object_ref (msg);
  paused->slug = g_strdup (slug);
  paused->issuer = g_strdup (issuer);
  paused->path = g_strdup (path);
  paused->form = form;
  paused->data = data;
  paused->data_free = data_free;
  paused->cancellable = g_cancellable_new ();
  paused->peer = watch_peer (msg, paused->cancellable);
  soup_server_message_pause (msg);
  return paused;
}

static void
paused_request_free (GhPausedRequest *paused)
{
  g_clear_pointer ((PeerWatch **) &paused->peer, peer_watch_free);
  g_clear_object (&paused->owner);
  g_clear_object (&paused->msg);
  g_free (paused->slug);
  g_free (paused->issuer);
  g_free (paused->path);
  g_clear_pointer (&paused->form, gh_form_free);
  if (paused->data_free != NULL)
    g_clear_pointer (&paused->data, paused->data_free);
  g_clear_object (&paused->cancellable);
  g_free (paused);
}

gboolean
gh_paused_request_abandoned (GhPausedRequest *paused)
{
  if (!g_cancellable_is_cancelled (paused->cancellable))
    return FALSE;
  peer_watch_release (paused->peer);
  paused_request_free (paused);
  return TRUE;
}

void
gh_paused_request_resume (GhPausedRequest *paused)
{
  PeerWatch *watch = (PeerWatch *) paused->peer;

  /* A connection already gone has no I/O left to unpause. */
  if (watch == NULL || !watch->finished)
    soup_server_message_unpause (paused->msg);
  paused_request_free (paused);
}
