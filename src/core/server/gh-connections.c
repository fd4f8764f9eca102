/* gh-connections.c — connection caps, timeouts and a listener that keeps accepting
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-server"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <glib-unix.h>

#include "gh-connections.h"
#include "gh-error.h"
#include "gh-json.h"
#include "gh-time.h"

/* Where a connection is: each state has its own deadline. */
typedef enum
{
  CONN_IDLE,      /* waiting for a request's first byte: idle_timeout, then closed */
  CONN_HEAD,      /* reading the request line and headers: head_timeout, then 408 */
  CONN_BODY,      /* reading the body: body_timeout, then 408 */
  CONN_RESPONSE,  /* handling and writing the answer: idle_timeout, then closed */
  CONN_REFUSED,   /* over a cap: closed at once */
} ConnState;

typedef struct
{
  GhConnections *owner;
  GSocket *socket;   /* not a reference: a weak one tells when libsoup drops it */
  char *address;     /* the peer's IP address */
  ConnState state;
  GSource *timer;
  GSource *first_byte;
  SoupServerMessage *msg;  /* the request under way, a weak pointer */
  gboolean timed_out;
  gboolean counted;  /* holds a slot under the caps (a stolen connection takes it along) */
} Conn;

struct _GhConnections
{
  GObject parent_instance;

  SoupServer *server;
  GSocket *listen_socket;
  gboolean tls;
  const GhServerLimits *limits;

  GHashTable *conns;        /* GSocket * -> Conn */
  GHashTable *per_address;  /* address -> count, as a pointer */
  guint count;

  GSource *stall_watch;
  guint relisten_id;
  gint64 logged_cap;
  gint64 logged_address_cap;
  gint64 logged_stall;
};

G_DEFINE_FINAL_TYPE (GhConnections, gh_connections, G_TYPE_OBJECT)

guint
gh_raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0)
    return 1024;
  if (limit.rlim_cur < limit.rlim_max)
    {
      rlim_t previous = limit.rlim_cur;

      limit.rlim_cur = limit.rlim_max;
      if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
        limit.rlim_cur = previous;
    }
  return limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > G_MAXUINT
         ? G_MAXUINT : (guint) limit.rlim_cur;
}

void
gh_server_limits_resolve (GhServerLimits *limits,
                          guint           fd_limit)
{
  /* Keep a reserve for the database, the outbound fetches and the listener itself. */
  guint reserve = MIN (256, fd_limit / 4);

  if (limits->max_connections == 0)
    limits->max_connections = MAX (1, MIN (GH_DEFAULT_MAX_CONNECTIONS, fd_limit - reserve));
  else if (limits->max_connections > fd_limit - reserve)
    g_message ("A cap of %u connections leaves no reserve below the descriptor limit (%u): "
               "accept() may fail, and the listener then retries every second",
               limits->max_connections, fd_limit);
  if (limits->max_connections_per_address == 0)
    limits->max_connections_per_address = GH_DEFAULT_MAX_CONNECTIONS_PER_ADDRESS;
  if (limits->idle_timeout == 0)
    limits->idle_timeout = GH_DEFAULT_IDLE_TIMEOUT;
  if (limits->head_timeout == 0)
    limits->head_timeout = GH_DEFAULT_HEAD_TIMEOUT;
  if (limits->body_timeout == 0)
    limits->body_timeout = GH_DEFAULT_BODY_TIMEOUT;
}

/* A message at most once a minute for each kind of trouble: enough to be seen, never a flood. */
static gboolean
log_due (gint64 *last)
{
  gint64 now = g_get_monotonic_time ();

  if (*last != 0 && now - *last < 60 * G_USEC_PER_SEC)
    return FALSE;
  *last = now;
  return TRUE;
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
conn_set_msg (Conn              *conn,
              SoupServerMessage *msg)
{
  if (conn->msg != NULL)
    g_object_remove_weak_pointer (G_OBJECT (conn->msg), (gpointer *) &conn->msg);
  conn->msg = msg;
  if (msg != NULL)
    g_object_add_weak_pointer (G_OBJECT (msg), (gpointer *) &conn->msg);
}

/* Gives back a connection's slot under the caps (in total and for @address). */
static void
release_slot (GhConnections *self,
              const char    *address)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_address, address));

  self->count--;
  if (n <= 1)
    g_hash_table_remove (self->per_address, address);
  else
    g_hash_table_insert (self->per_address, g_strdup (address), GUINT_TO_POINTER (n - 1));
}

static void
conn_free (Conn *conn)
{
  conn_set_msg (conn, NULL);

  clear_source (&conn->timer);
  clear_source (&conn->first_byte);
  if (conn->counted)
    release_slot (conn->owner, conn->address);
  g_free (conn->address);
  g_free (conn);
}

/* The whole answer to a refusal this layer makes itself: status, `error` and reason come from
 * the one error table, like every other answer's. */
static GBytes *
error_response (GhOAuthError  code,
                const char   *description)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autofree char *body = NULL;
  guint status = gh_oauth_error_http_status (code);
  const char *reason = gh_oauth_error_http_reason (code);
  char *response;

  json_object_set_string_member (object, "error", gh_oauth_error_code_string (code));
  json_object_set_string_member (object, "error_description", description);
  body = gh_json_object_to_string (object, FALSE);
  response = g_strdup_printf ("HTTP/1.1 %u %s\r\n"
                              "Server: Gatehouse\r\n"
                              "Connection: close\r\n"
                              "Cache-Control: no-store\r\n"
                              "Content-Type: application/json\r\n"
                              "Content-Length: %zu\r\n"
                              "\r\n%s",
                              status, reason != NULL ? reason : soup_status_get_phrase (status),
                              strlen (body), body);
  return g_bytes_new_take (response, strlen (response));
}

/* Writes a complete answer straight to the socket, before closing it. Only while libsoup
 * writes nothing itself (it is reading), and never into TLS. */
static void
send_raw (GhConnections *self,
          GSocket       *socket,
          GhOAuthError   code,
          const char    *description)
{
  g_autoptr(GBytes) response = NULL;

  if (self->tls)
    return;
  response = error_response (code, description);
  /* A few hundred bytes into an empty send buffer: never blocks, and a short write is only
   * a truncated courtesy before the close. */
  g_socket_send_with_blocking (socket, g_bytes_get_data (response, NULL),
                               g_bytes_get_size (response), FALSE, NULL, NULL);
}

/* libsoup sees the end of the stream and drops the connection itself. */
static void
close_conn (Conn *conn)
{
  g_socket_shutdown (conn->socket, TRUE, TRUE, NULL);
}

/* After an answer given before the body was read, what is read of it (and thrown away) so
 * that a client still sending gets to read the answer: a close with unread data resets the
 * connection, and many clients then lose the answer. Bounded, so never "to the end". */
#define DRAIN_BYTES (1024 * 1024)
#define DRAIN_SECONDS 5

/* A connection taken from libsoup: its answer is written, then (with @drain) a bounded part of
 * what the client still sends is read, then it is closed. Each of these steps has
 * DRAIN_SECONDS at most, so a client that reads nothing cannot keep the descriptor; and the
 * connection keeps its slot under the caps until its stream is closed. */
typedef struct
{
  GhConnections *owner;  /* a reference */
  char *address;         /* the address of the slot held, or NULL when none is */
  GIOStream *stream;
  GSocket *socket;       /* under @stream, or NULL */
  GBytes *answer;
  GCancellable *cancellable;
  guint timeout_id;
  gboolean drain;
  gboolean closing;
  gboolean timed_out;
  gsize drained;
  char buffer[8192];
} Drain;

static gboolean drain_timeout (gpointer data);

static void
drain_arm (Drain *drain)
{
  g_clear_handle_id (&drain->timeout_id, gh_source_remove_here);
  drain->timeout_id = gh_timeout_add_seconds_here (DRAIN_SECONDS, drain_timeout, drain);
}

static void
stream_closed (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  Drain *drain = data;

  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
  g_clear_handle_id (&drain->timeout_id, gh_source_remove_here);
  if (drain->address != NULL)
    release_slot (drain->owner, drain->address);
  g_free (drain->address);
  g_clear_object (&drain->socket);
  g_object_unref (drain->stream);
  g_bytes_unref (drain->answer);
  g_object_unref (drain->cancellable);
  g_object_unref (drain->owner);
  g_free (drain);
}

/* Cuts the connection under the stream: whatever waits on it (a write, a TLS close_notify to
 * a client that reads nothing) fails at once. */
static void
drain_cut (Drain *drain)
{
  if (drain->socket != NULL)
    g_socket_shutdown (drain->socket, TRUE, TRUE, NULL);
}

static void
drain_finish (Drain *drain)
{
  if (drain->timed_out)
    drain_cut (drain);
  drain->closing = TRUE;
  drain_arm (drain);
  g_io_stream_close_async (drain->stream, G_PRIORITY_DEFAULT, NULL, stream_closed, drain);
}

static void drain_read (Drain *drain);

static void
drained (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Drain *drain = data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n <= 0 || (drain->drained += (gsize) n) > DRAIN_BYTES)
    {
      drain_finish (drain);
      return;
    }
  drain_read (drain);
}

static void
drain_read (Drain *drain)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (drain->stream), drain->buffer,
                             sizeof drain->buffer, G_PRIORITY_LOW, drain->cancellable, drained,
                             drain);
}

/* The write, the drain or the close took too long: the pending operation ends (and with it,
 * the connection). */
static gboolean
drain_timeout (gpointer data)
{
  Drain *drain = data;

  drain->timeout_id = 0;
  drain->timed_out = TRUE;
  if (drain->closing)
    drain_cut (drain);
  else
    g_cancellable_cancel (drain->cancellable);
  return G_SOURCE_REMOVE;
}

static void
answer_written (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  Drain *drain = data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL) ||
      !drain->drain)
    {
      drain_finish (drain);
      return;
    }
  drain_arm (drain);
  drain_read (drain);
}

/* Writes @answer on @stream, a connection taken from libsoup, then closes it; with @drain,
 * after reading (a bounded part of) what the client still sends. Takes @address (the slot
 * under the caps, or NULL), @socket, @stream and @answer. */
static void
write_and_close (GhConnections *self,
                 char          *address,
                 GSocket       *socket,
                 GIOStream     *stream,
                 GBytes        *answer,
                 gboolean       drain_after)
{
  Drain *drain = g_new0 (Drain, 1);

  drain->owner = g_object_ref (self);
  drain->address = address;
  drain->socket = socket;
  drain->stream = stream;
  drain->answer = answer;
  drain->cancellable = g_cancellable_new ();
  drain->drain = drain_after;
  /* The deadline runs from before the write: a client that reads nothing never lets it end. */
  drain_arm (drain);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream),
                                   g_bytes_get_data (answer, NULL), g_bytes_get_size (answer),
                                   G_PRIORITY_DEFAULT, drain->cancellable, answer_written,
                                   drain);
}

/* Takes @msg's connection from libsoup and answers @answer (taken) on it, then closes it.
 * libsoup forgets the connection at once (its "disconnected" frees the Conn): the slot under
 * the caps goes to the stolen stream, held until it is closed. FALSE when libsoup had no
 * connection left to give (nothing was written). */
static gboolean
steal_and_answer (GhConnections     *self,
                  SoupServerMessage *msg,
                  GBytes            *answer,
                  gboolean           drain)
{
  GSocket *msg_socket = soup_server_message_get_socket (msg);
  g_autoptr(GSocket) socket = msg_socket != NULL ? g_object_ref (msg_socket) : NULL;
  Conn *conn = socket != NULL ? g_hash_table_lookup (self->conns, socket) : NULL;
  g_autofree char *address = NULL;
  GIOStream *stream;

  if (conn != NULL && conn->counted)
    {
      conn->counted = FALSE;
      address = g_strdup (conn->address);
    }
  /* This may free @conn and @msg. */
  stream = soup_server_message_steal_connection (msg);
  conn = socket != NULL ? g_hash_table_lookup (self->conns, socket) : NULL;
  if (stream == NULL)
    {
      g_bytes_unref (answer);
      if (address != NULL && conn != NULL)
        conn->counted = TRUE;
      else if (address != NULL)
        release_slot (self, address);
      return FALSE;
    }
  if (conn != NULL)
    {
      /* The stream owns the descriptor now: the deadlines are the drain's. */
      clear_source (&conn->timer);
      clear_source (&conn->first_byte);
    }
  write_and_close (self, g_steal_pointer (&address), g_steal_pointer (&socket), stream, answer,
                   drain);
  return TRUE;
}

static gboolean
conn_expired (gpointer data)
{
  Conn *conn = data;
  GhConnections *self = conn->owner;
  g_autoptr(GSocket) socket = g_object_ref (conn->socket);
  const char *description;

  g_clear_pointer (&conn->timer, g_source_unref);
  clear_source (&conn->first_byte);
  if (conn->state != CONN_HEAD && conn->state != CONN_BODY)
    {
      close_conn (conn);
      return G_SOURCE_REMOVE;
    }

  /* A request started and did not finish in time: 408 (RFC 9110 §15.5.9), then the close. */
  conn->timed_out = TRUE;
  description = conn->state == CONN_HEAD ? "The request's headers did not arrive in time"
                                         : "The request's body did not arrive in time";
  /* Taken from libsoup, the connection carries the answer even through TLS. This frees
   * @conn: only @self and @socket are used after it. A slow client is not waited for any
   * longer. */
  if (conn->msg != NULL &&
      steal_and_answer (self, conn->msg,
                        error_response (GH_OAUTH_ERROR_REQUEST_TIMEOUT, description),
                        FALSE))
    return G_SOURCE_REMOVE;
  send_raw (self, socket, GH_OAUTH_ERROR_REQUEST_TIMEOUT, description);
  g_socket_shutdown (socket, TRUE, TRUE, NULL);
  return G_SOURCE_REMOVE;
}

static void
conn_set_state (Conn      *conn,
                ConnState  state)
{
  const GhServerLimits *limits = conn->owner->limits;
  guint seconds;

  conn->state = state;
  clear_source (&conn->timer);
  switch (state)
    {
    case CONN_HEAD:
      seconds = limits->head_timeout;
      break;
    case CONN_BODY:
      seconds = limits->body_timeout;
      break;
    case CONN_IDLE:
    case CONN_RESPONSE:
    case CONN_REFUSED:
    default:
      seconds = limits->idle_timeout;
      break;
    }
  conn->timer = g_timeout_source_new ((guint) MIN ((guint64) seconds * 1000, G_MAXUINT));
  g_source_set_callback (conn->timer, conn_expired, conn, NULL);
  g_source_attach (conn->timer, g_main_context_get_thread_default ());
}

/* The first byte of a request ends the idle wait and starts the head's deadline. It runs
 * before libsoup reads (a higher priority), once. A raw descriptor watch: a GSocket source
 * would keep the socket alive. */
static gboolean
first_byte_arrived (gint         fd,
                    GIOCondition condition,
                    gpointer     data)
{
  Conn *conn = data;

  g_clear_pointer (&conn->first_byte, g_source_unref);
  if (conn->state == CONN_IDLE)
    conn_set_state (conn, CONN_HEAD);
  return G_SOURCE_REMOVE;
}

static void
conn_wait_for_request (Conn *conn)
{
  conn_set_state (conn, CONN_IDLE);
  clear_source (&conn->first_byte);
  conn->first_byte = g_unix_fd_source_new (g_socket_get_fd (conn->socket), G_IO_IN);
  g_source_set_priority (conn->first_byte, G_PRIORITY_HIGH);
  g_source_set_callback (conn->first_byte, (GSourceFunc) (GCallback) first_byte_arrived, conn,
                         NULL);
  g_source_attach (conn->first_byte, g_main_context_get_thread_default ());
}

static Conn *
lookup_conn (GhConnections     *self,
             SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);

  return socket != NULL ? g_hash_table_lookup (self->conns, socket) : NULL;
}

static void
message_got_headers (SoupServerMessage *msg,
                     GhConnections     *self)
{
  Conn *conn = lookup_conn (self, msg);

  if (conn != NULL && !conn->timed_out &&
      (conn->state == CONN_IDLE || conn->state == CONN_HEAD))
    {
      clear_source (&conn->first_byte);
      conn_set_state (conn, CONN_BODY);
    }
}

static void
message_got_body (SoupServerMessage *msg,
                  GhConnections     *self)
{
  Conn *conn = lookup_conn (self, msg);

  if (conn != NULL && !conn->timed_out && conn->state != CONN_REFUSED)
    {
      clear_source (&conn->first_byte);
      conn_set_state (conn, CONN_RESPONSE);
    }
}

static void
message_finished (SoupServerMessage *msg,
                  GhConnections     *self)
{
  Conn *conn = lookup_conn (self, msg);

  /* Keep-alive: the connection waits for the next request. */
  if (conn != NULL && !conn->timed_out && conn->state != CONN_REFUSED)
    conn_wait_for_request (conn);
}

static void
socket_finalized (gpointer  data,
                  GObject  *where_the_object_was)
{
  GhConnections *self = data;

  g_hash_table_remove (self->conns, where_the_object_was);
}

/* The connection is gone (its socket may live on a little inside libsoup). */
static void
message_disconnected (SoupServerMessage *msg,
                      GhConnections     *self)
{
  GSocket *socket = g_object_get_data (G_OBJECT (msg), "gh-connections-socket");

  /* Still in the table: the socket has not been finalized (that would have removed it). */
  if (socket != NULL && g_hash_table_contains (self->conns, socket))
    {
      g_object_weak_unref (G_OBJECT (socket), socket_finalized, self);
      g_hash_table_remove (self->conns, socket);
    }
}

static void
refuse (Conn       *conn,
        const char *description)
{
  conn->state = CONN_REFUSED;
  send_raw (conn->owner, conn->socket, GH_OAUTH_ERROR_TEMPORARILY_UNAVAILABLE,
            description);
  close_conn (conn);
}

static Conn *
add_conn (GhConnections *self,
          GSocket       *socket)
{
  Conn *conn = g_new0 (Conn, 1);
  /* Not libsoup's remote address: it warns when the peer is already gone. */
  g_autoptr(GSocketAddress) remote = g_socket_get_remote_address (socket, NULL);
  guint n;

  conn->owner = self;
  conn->socket = socket;
  if (G_IS_INET_SOCKET_ADDRESS (remote))
    conn->address = g_inet_address_to_string (
      g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
  else
    conn->address = g_strdup ("");
  g_hash_table_insert (self->conns, socket, conn);
  g_object_weak_ref (G_OBJECT (socket), socket_finalized, self);

  n = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_address, conn->address));
  if (self->count >= self->limits->max_connections)
    {
      if (log_due (&self->logged_cap))
        g_message ("Refusing connections: %u are open, the most allowed "
                   "(gatehouse-server serve --max-connections)", self->count);
      refuse (conn, "Too many connections: try again later");
      return conn;
    }
  if (n >= self->limits->max_connections_per_address)
    {
      if (log_due (&self->logged_address_cap))
        g_message ("Refusing connections from %s: %u are open, the most allowed from one "
                   "address (gatehouse-server serve --max-connections-per-address)",
                   conn->address, n);
      refuse (conn, "Too many connections from this address: try again later");
      return conn;
    }
  self->count++;
  conn->counted = TRUE;
  g_hash_table_insert (self->per_address, g_strdup (conn->address), GUINT_TO_POINTER (n + 1));
  conn_wait_for_request (conn);
  return conn;
}

static void
request_started (SoupServer        *server,
                 SoupServerMessage *msg,
                 GhConnections     *self)
{
  GSocket *socket = soup_server_message_get_socket (msg);
  Conn *conn;

  if (socket == NULL)
    return;
  conn = g_hash_table_lookup (self->conns, socket);
  if (conn == NULL)
    conn = add_conn (self, socket);
  g_object_set_data (G_OBJECT (msg), "gh-connections-socket", socket);
  conn_set_msg (conn, msg);
  g_signal_connect_object (msg, "disconnected", G_CALLBACK (message_disconnected), self, 0);
  if (conn->state == CONN_REFUSED)
    return;
  g_signal_connect_object (msg, "got-headers", G_CALLBACK (message_got_headers), self, 0);
  g_signal_connect_object (msg, "got-body", G_CALLBACK (message_got_body), self, 0);
  g_signal_connect_object (msg, "finished", G_CALLBACK (message_finished), self, 0);
}

static void arm_stall_watch (GhConnections *self);

static gboolean
listen_again (gpointer data)
{
  GhConnections *self = data;
  g_autoptr(GError) error = NULL;

  self->relisten_id = 0;
  if (!soup_server_listen_socket (self->server, self->listen_socket,
                                  self->tls ? SOUP_SERVER_LISTEN_HTTPS : 0, &error))
    g_message ("Could not listen again: %s", error->message);
  arm_stall_watch (self);
  return G_SOURCE_REMOVE;
}

/* libsoup stops accepting for good after one failed accept() (as when descriptors run out):
 * its listener's watch is gone. This one, at a lower priority, can only run when libsoup's
 * is not there to take a waiting connection; it then gives libsoup a new listener on the
 * same socket, a second later (the failure may last a while). */
static gboolean
listener_stalled (GSocket      *socket,
                  GIOCondition  condition,
                  gpointer      data)
{
  GhConnections *self = data;

  g_clear_pointer (&self->stall_watch, g_source_unref);
  if (log_due (&self->logged_stall))
    {
      int probe = dup (g_socket_get_fd (socket));
      int saved = errno;

      g_message ("The listener stopped accepting connections (%s; %u open); listening again",
                 probe < 0 ? g_strerror (saved) : "accept() failed", self->count);
      if (probe >= 0)
        close (probe);
    }
  self->relisten_id = gh_timeout_add_here (1000, listen_again, self);
  return G_SOURCE_REMOVE;
}

static void
arm_stall_watch (GhConnections *self)
{
  self->stall_watch = g_socket_create_source (self->listen_socket, G_IO_IN, NULL);
  g_source_set_priority (self->stall_watch, G_PRIORITY_LOW);
  g_source_set_callback (self->stall_watch, (GSourceFunc) (GCallback) listener_stalled, self,
                         NULL);
  g_source_attach (self->stall_watch, g_main_context_get_thread_default ());
}

static gboolean
remove_weak_ref (gpointer key,
                 gpointer value,
                 gpointer data)
{
  g_object_weak_unref (G_OBJECT (key), socket_finalized, data);
  return TRUE;
}

static void
gh_connections_dispose (GObject *object)
{
  GhConnections *self = (GhConnections *) object;

  clear_source (&self->stall_watch);
  g_clear_handle_id (&self->relisten_id, gh_source_remove_here);
  if (self->conns != NULL)
    g_hash_table_foreach_remove (self->conns, remove_weak_ref, self);
  g_clear_object (&self->server);
  g_clear_object (&self->listen_socket);

  G_OBJECT_CLASS (gh_connections_parent_class)->dispose (object);
}

static void
gh_connections_finalize (GObject *object)
{
  GhConnections *self = (GhConnections *) object;

  g_clear_pointer (&self->conns, g_hash_table_unref);
  g_clear_pointer (&self->per_address, g_hash_table_unref);

  G_OBJECT_CLASS (gh_connections_parent_class)->finalize (object);
}

static void
gh_connections_class_init (GhConnectionsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gh_connections_dispose;
  object_class->finalize = gh_connections_finalize;
}

static void
gh_connections_init (GhConnections *self)
{
  self->conns = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) conn_free);
  self->per_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

GhConnections *
gh_connections_new (SoupServer           *server,
                    GSocket              *listen_socket,
                    gboolean              tls,
                    const GhServerLimits *limits)
{
  GhConnections *self = g_object_new (GH_TYPE_CONNECTIONS, NULL);

  self->server = g_object_ref (server);
  self->listen_socket = g_object_ref (listen_socket);
  self->tls = tls;
  self->limits = limits;
  g_signal_connect_object (server, "request-started", G_CALLBACK (request_started), self, 0);
  arm_stall_watch (self);
  return self;
}

void
gh_connections_answer_and_close (GhConnections     *self,
                                 SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  g_autoptr(GBytes) content = soup_message_body_flatten (body);
  g_autoptr(GString) head = g_string_new (NULL);
  SoupMessageHeadersIter iter;
  const char *name, *value;
  Conn *conn;

  g_return_if_fail (GH_IS_CONNECTIONS (self));

  soup_message_headers_replace (headers, "Connection", "close");
  soup_message_headers_set_content_length (headers, (goffset) g_bytes_get_size (content));
  g_string_append_printf (head, "HTTP/1.1 %u %s\r\n", soup_server_message_get_status (msg),
                          soup_server_message_get_reason_phrase (msg));
  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    g_string_append_printf (head, "%s: %s\r\n", name, value);
  g_string_append (head, "\r\n");
  g_string_append_len (head, g_bytes_get_data (content, NULL), (gssize) g_bytes_get_size (content));

  /* Answering is the last thing this connection does: the idle deadline bounds it until the
   * connection is taken from libsoup, the drain's deadlines after. */
  conn = lookup_conn (self, msg);
  if (conn != NULL)
    {
      clear_source (&conn->first_byte);
      conn->timed_out = TRUE;
      conn_set_state (conn, CONN_RESPONSE);
    }

  /* libsoup would read the body before it answers, whatever its length says: the connection
   * is taken from it, so that not a byte of the body is read. */
  steal_and_answer (self, msg, g_string_free_to_bytes (g_steal_pointer (&head)), TRUE);
}

gboolean
gh_connections_timed_out (GhConnections     *self,
                          SoupServerMessage *msg)
{
  Conn *conn;

  g_return_val_if_fail (GH_IS_CONNECTIONS (self), FALSE);

  conn = lookup_conn (self, msg);
  return conn != NULL && conn->timed_out;
}

guint
gh_connections_count (GhConnections *self)
{
  g_return_val_if_fail (GH_IS_CONNECTIONS (self), 0);
  return self->count;
}

void
gh_connections_progress (GhConnections     *self,
                         SoupServerMessage *msg)
{
  Conn *conn;

  g_return_if_fail (GH_IS_CONNECTIONS (self));

  conn = lookup_conn (self, msg);
  if (conn != NULL && !conn->timed_out && conn->state == CONN_RESPONSE)
    conn_set_state (conn, CONN_RESPONSE);
}
