/* gh-admin-events.c — GET /admin/v1/events: audit events as they commit, over a WebSocket or
 * as Server-Sent Events, each consumer behind a bounded queue
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-admin"

#include "config.h"

#include <string.h>

#include "gh-admin-events.h"
#include "gh-admin-private.h"
#include "gh-audit.h"
#include "gh-error.h"
#include "gh-http.h"
#include "gh-json.h"
#include "gh-time.h"

/* Stored events read per replay step. */
#define REPLAY_PAGE 200
/* How long a closing stream may take to flush its last frames and hear the peer's close. */
#define CLOSE_DEADLINE_MS 5000
/* A consumer has nothing to say but control frames (at most 125 bytes each). */
#define MAX_CLIENT_FRAME 4096
/* RFC 6455 §1.3 */
#define WEBSOCKET_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

enum
{
  WS_CONTINUATION = 0x0,
  WS_TEXT = 0x1,
  WS_CLOSE = 0x8,
  WS_PING = 0x9,
  WS_PONG = 0xa,
};

typedef struct _Hub Hub;

/* An event waiting, as the stream frames it. */
typedef struct
{
  gint64  id;
  GBytes *frame;
} Queued;

/* One consumer: a connection taken from libsoup, written to by us. */
typedef struct
{
  Hub          *hub;           /* NULL once detached (closing, or the hub is gone) */
  gboolean      websocket;     /* else Server-Sent Events */
  GIOStream    *io;
  GCancellable *cancellable;
  char         *admin_token;   /* the id of the admin token that opened it, or NULL */
  gint64        project_id;    /* 0: every project */
  char         *type_prefix;   /* NULL: every type */
  gint64        cursor;        /* the last event queued */
  gint64        remaining;     /* events to send before closing; 0: no limit */
  guint         max_messages;
  gsize         max_bytes;

  /* Replay: stored events past the cursor, then the live ones that came meanwhile */
  gboolean      replaying;
  gboolean      replay_running;
  GPtrArray    *replay_page;   /* GhAuditEvent, oldest first, fed as the queue allows */
  guint         replay_page_size;
  guint         replay_next;
  GQueue        live;          /* Queued, told while replaying */
  gsize         live_bytes;
  gboolean      live_overflow; /* the live ones did not fit: read them from the store too */

  GQueue        out;           /* GBytes; the head is being written */
  gsize         out_bytes;
  gboolean      writing;
  gboolean      closing;       /* the last frame is queued */
  gboolean      close_received; /* the peer's WebSocket close came */
  gboolean      done;
  guint         keepalive_id;
  guint         deadline_id;

  GByteArray   *in;
  guint8        read_buffer[1024];
} Stream;

struct _Hub
{
  GhAudit   *audit;
  GhStore   *store;
  GhAdminTokens *admin_tokens;
  gulong     committed_handler;
  gulong     revoked_handler;
  GPtrArray *streams;          /* Stream, one reference each */
  guint      max_messages;
  gsize      max_bytes;
  guint      keepalive_ms;
  guint      replay_page;
  gsize      peak_bytes;
  guint      gaps;
};

static void stream_finish     (Stream *stream);
static void stream_write_next (Stream *stream);
static void stream_pump       (Stream *stream);

/* ---- streams ---------------------------------------------------------------------- */

static void
queued_free (Queued *queued)
{
  g_bytes_unref (queued->frame);
  g_free (queued);
}

static void
io_closed (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
  g_object_unref (source);
}

/* The last reference: no operation is pending on the connection any more, it can close. */
static void
stream_clear (Stream *stream)
{
  if (stream->io != NULL)
    g_io_stream_close_async (g_steal_pointer (&stream->io), G_PRIORITY_DEFAULT, NULL,
                             io_closed, NULL);
  g_clear_object (&stream->cancellable);
  g_clear_pointer (&stream->type_prefix, g_free);
  g_clear_pointer (&stream->admin_token, g_free);
  g_clear_pointer (&stream->replay_page, g_ptr_array_unref);
  g_queue_clear_full (&stream->live, (GDestroyNotify) queued_free);
  g_queue_clear_full (&stream->out, (GDestroyNotify) g_bytes_unref);
  g_clear_pointer (&stream->in, g_byte_array_unref);
}

static Stream *
stream_ref (Stream *stream)
{
  return g_rc_box_acquire (stream);
}

static void
stream_unref (Stream *stream)
{
  g_rc_box_release_full (stream, (GDestroyNotify) stream_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Stream, stream_unref)

static GBytes *
take_string (char *text)
{
  return g_bytes_new_take (text, strlen (text));
}

/* A WebSocket frame from the server (never masked, RFC 6455 §5.1). */
static GBytes *
ws_frame (guint8        opcode,
          const guint8 *payload,
          gsize         length)
{
  GByteArray *frame = g_byte_array_sized_new (length + 10);
  guint8 head[10];
  gsize head_length;

  head[0] = 0x80 | opcode;
  if (length < 126)
    {
      head[1] = (guint8) length;
      head_length = 2;
    }
  else if (length <= G_MAXUINT16)
    {
      head[1] = 126;
      head[2] = (length >> 8) & 0xff;
      head[3] = length & 0xff;
      head_length = 4;
    }
  else
    {
      head[1] = 127;
      for (guint i = 0; i < 8; i++)
        head[2 + i] = ((guint64) length >> (56 - 8 * i)) & 0xff;
      head_length = 10;
    }
  g_byte_array_append (frame, head, head_length);
  g_byte_array_append (frame, payload, length);
  return g_byte_array_free_to_bytes (frame);
}

/* One message as this stream sends it: a text frame, or an SSE event (@id > 0: with its id). */
static GBytes *
stream_frame (Stream     *stream,
              const char *kind,
              gint64      id,
              const char *text)
{
  if (stream->websocket)
    return ws_frame (WS_TEXT, (const guint8 *) text, strlen (text));
  if (id > 0)
    return take_string (g_strdup_printf ("id: %" G_GINT64_FORMAT "\nevent: %s\n"
                                         "data: %s\n\n", id, kind, text));
  return take_string (g_strdup_printf ("event: %s\ndata: %s\n\n", kind, text));
}

static void
stream_enqueue (Stream *stream,
                GBytes *frame)
{
  gsize size = g_bytes_get_size (frame);

  g_queue_push_tail (&stream->out, frame);
  stream->out_bytes += size;
  if (stream->hub != NULL && stream->out_bytes > stream->hub->peak_bytes)
    stream->hub->peak_bytes = stream->out_bytes;
  stream_write_next (stream);
}

static gboolean
stream_has_room (Stream *stream,
                 gsize   size)
{
  return g_queue_get_length (&stream->out) < stream->max_messages &&
         stream->out_bytes + size <= stream->max_bytes;
}

static gboolean
deadline_passed (gpointer data)
{
  Stream *stream = data;

  stream->deadline_id = 0;
  stream_finish (stream);
  return G_SOURCE_REMOVE;
}

static void
hub_detach (Hub    *hub,
            Stream *stream)
{
  stream->hub = NULL;
  g_ptr_array_remove_fast (hub->streams, stream);
}

/* Nothing more is sent but the last frames, which must go out before the deadline. */
static void
begin_closing (Stream *stream)
{
  stream->closing = TRUE;
  g_clear_handle_id (&stream->keepalive_id, gh_source_remove_here);
  if (stream->hub != NULL)
    hub_detach (stream->hub, stream);
  g_queue_clear_full (&stream->live, (GDestroyNotify) queued_free);
  stream->deadline_id = gh_timeout_add_here (CLOSE_DEADLINE_MS, deadline_passed, stream);
}

/* Queues the last frame (a WebSocket close with @code and @reason) and ends the stream once
 * it is written (a WebSocket: and the peer answered), or at the deadline. */
static void
stream_close (Stream     *stream,
              guint16     code,
              const char *reason)
{
  g_autoptr(Stream) hold = stream_ref (stream);

  if (stream->closing || stream->done)
    return;
  begin_closing (stream);
  if (stream->websocket)
    {
      gsize length = MIN (strlen (reason), 123);
      g_autofree guint8 *payload = g_malloc (length + 2);

      payload[0] = code >> 8;
      payload[1] = code & 0xff;
      memcpy (payload + 2, reason, length);
      stream_enqueue (stream, ws_frame (WS_CLOSE, payload, length + 2));
    }
  stream_write_next (stream);
}

/* Says which event was the first it missed, and closes. */
static void
stream_gap (Stream *stream,
            gint64  first_missed)
{
  g_autoptr(JsonObject) message = json_object_new ();
  g_autofree char *text = NULL;

  if (stream->hub != NULL)
    stream->hub->gaps++;
  json_object_set_string_member (message, "type", "gap");
  json_object_set_int_member (message, "first_missed_id", first_missed);
  text = gh_json_object_to_string (message, FALSE);
  stream_enqueue (stream, stream_frame (stream, "gap", 0, text));
  stream_close (stream, GH_ADMIN_EVENTS_CLOSE_TOO_SLOW,
                "The consumer fell behind: reconnect with ?after= the last id it has");
}

/* Queues event @id unless the stream has it already; a full queue is a gap. */
static void
stream_send (Stream *stream,
             gint64  id,
             GBytes *frame)
{
  if (stream->closing || stream->done || id <= stream->cursor)
    return;
  if (!stream_has_room (stream, g_bytes_get_size (frame)))
    {
      stream_gap (stream, id);
      return;
    }
  stream->cursor = id;
  stream_enqueue (stream, g_bytes_ref (frame));
  if (stream->remaining > 0 && --stream->remaining == 0)
    stream_close (stream, 1000, "The limit was reached");
}

static void
written (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  g_autoptr(Stream) stream = data;
  g_autoptr(GError) error = NULL;
  GBytes *frame;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      stream->writing = FALSE;
      stream_finish (stream);
      return;
    }
  stream->writing = FALSE;
  if (stream->done)
    return;
  frame = g_queue_pop_head (&stream->out);
  stream->out_bytes -= g_bytes_get_size (frame);
  g_bytes_unref (frame);
  if (stream->replaying)
    stream_pump (stream);
  stream_write_next (stream);
}

static void
stream_write_next (Stream *stream)
{
  GBytes *frame;

  if (stream->writing || stream->done)
    return;
  frame = g_queue_peek_head (&stream->out);
  if (frame == NULL)
    {
      /* Everything is out: SSE has no closing handshake, a WebSocket's is over once both
       * sides sent their close */
      if (stream->closing && (!stream->websocket || stream->close_received))
        stream_finish (stream);
      return;
    }
  stream->writing = TRUE;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream->io),
                                   g_bytes_get_data (frame, NULL), g_bytes_get_size (frame),
                                   G_PRIORITY_DEFAULT, stream->cancellable, written,
                                   stream_ref (stream));
}

/* Ends the stream now: what is queued is dropped. */
static void
stream_finish (Stream *stream)
{
  g_autoptr(Stream) hold = stream_ref (stream);

  if (stream->done)
    return;
  stream->done = TRUE;
  if (stream->hub != NULL)
    hub_detach (stream->hub, stream);
  g_clear_handle_id (&stream->keepalive_id, gh_source_remove_here);
  g_clear_handle_id (&stream->deadline_id, gh_source_remove_here);
  g_cancellable_cancel (stream->cancellable);
  g_queue_clear_full (&stream->out, (GDestroyNotify) g_bytes_unref);
  stream->out_bytes = 0;
  g_queue_clear_full (&stream->live, (GDestroyNotify) queued_free);
  g_clear_pointer (&stream->replay_page, g_ptr_array_unref);
  /* The connection closes with the last reference, once the cancelled operations are back */
}

/* Closes @stream with GH_ADMIN_EVENTS_CLOSE_UNAUTHORIZED, saying @reason (SSE: as a last
 * comment line): its admin token no longer lets it read. */
static void
stream_close_unauthorized (Stream     *stream,
                           const char *reason)
{
  if (stream->closing || stream->done)
    return;
  if (!stream->websocket)
    stream_enqueue (stream, take_string (g_strdup_printf (": closed: %s\n\n", reason)));
  stream_close (stream, GH_ADMIN_EVENTS_CLOSE_UNAUTHORIZED, reason);
}

/* FALSE, with the stream closing, when the admin token that opened @stream was revoked,
 * expired or is gone since (a revocation through the admin API closes its streams at once;
 * this also sees one by the CLI in another process, and an expiry). */
static gboolean
stream_still_authorized (Stream *stream)
{
  g_autoptr(GhAdminToken) token = NULL;
  g_autoptr(GError) error = NULL;
  const char *state;

  if (stream->admin_token == NULL || stream->hub == NULL)
    return TRUE;
  token = gh_admin_tokens_lookup (stream->hub->admin_tokens, stream->admin_token, &error);
  if (token == NULL && !g_error_matches (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND))
    {
      /* The store cannot say now: the next keepalive asks again */
      g_warning ("Cannot read admin token %s: %s", stream->admin_token, error->message);
      return TRUE;
    }
  state = token != NULL ? gh_admin_token_get_state (token, gh_now_seconds ()) : "revoked";
  if (g_str_equal (state, "active"))
    return TRUE;
  stream_close_unauthorized (stream, g_str_equal (state, "expired")
                                     ? "The admin token expired"
                                     : "The admin token was revoked");
  return FALSE;
}

static gboolean
keepalive (gpointer data)
{
  Stream *stream = data;

  if (!stream_still_authorized (stream))
    return G_SOURCE_REMOVE;
  if (g_queue_get_length (&stream->out) > 0)
    return G_SOURCE_CONTINUE;
  if (stream->websocket)
    stream_enqueue (stream, ws_frame (WS_PING, NULL, 0));
  else
    stream_enqueue (stream, g_bytes_new_static (": keepalive\n\n", 13));
  return G_SOURCE_CONTINUE;
}

/* ---- what the consumer sends ------------------------------------------------------ */

/* Handles the complete frames in @stream->in; FALSE when the stream ended. */
static gboolean
parse_frames (Stream *stream)
{
  GByteArray *in = stream->in;

  while (in->len >= 2)
    {
      guint8 opcode = in->data[0] & 0x0f;
      guint64 length = in->data[1] & 0x7f;
      gsize head = 2;
      guint8 *payload;

      /* RFC 6455 §5.1: a client masks every frame */
      if (!(in->data[1] & 0x80))
        {
          stream_finish (stream);
          return FALSE;
        }
      if (length == 126)
        {
          if (in->len < 4)
            return TRUE;
          length = (in->data[2] << 8) | in->data[3];
          head = 4;
        }
      else if (length == 127)
        {
          if (in->len < 10)
            return TRUE;
          length = 0;
          for (guint i = 0; i < 8; i++)
            length = (length << 8) | in->data[2 + i];
          head = 10;
        }
      if (length > MAX_CLIENT_FRAME)
        {
          stream_finish (stream);
          return FALSE;
        }
      if (in->len < head + 4 + length)
        return TRUE;
      payload = in->data + head + 4;
      for (guint64 i = 0; i < length; i++)
        payload[i] ^= in->data[head + (i % 4)];

      switch (opcode)
        {
        case WS_CLOSE:
          /* The answer to ours, or the consumer leaving: echo its code, then end */
          if (stream->closing)
            {
              stream_finish (stream);
              return FALSE;
            }
          stream->close_received = TRUE;
          begin_closing (stream);
          stream_enqueue (stream, ws_frame (WS_CLOSE, payload, MIN (length, 2)));
          break;
        case WS_PING:
          stream_enqueue (stream, ws_frame (WS_PONG, payload, length));
          break;
        case WS_PONG:
        case WS_TEXT:
        case WS_CONTINUATION:
        default:
          /* Nothing a consumer says changes the stream */
          break;
        }
      g_byte_array_remove_range (in, 0, head + 4 + length);
    }
  return TRUE;
}

static void
got_bytes (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(Stream) stream = data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (stream->done)
    return;
  if (n <= 0)
    {
      stream_finish (stream);
      return;
    }
  if (stream->websocket)
    {
      g_byte_array_append (stream->in, stream->read_buffer, n);
      if (!parse_frames (stream))
        return;
    }
  /* An SSE consumer's bytes mean nothing: they are read only to see it leave */
  g_input_stream_read_async (g_io_stream_get_input_stream (stream->io), stream->read_buffer,
                             sizeof stream->read_buffer, G_PRIORITY_DEFAULT,
                             stream->cancellable, got_bytes, stream_ref (stream));
}

/* ---- replay ----------------------------------------------------------------------- */

typedef struct
{
  GhStore *store;
  gint64   after;
  guint    page;
  gint64   project_id;
  char    *type_prefix;
} ReplayQuery;

static void
replay_query_free (ReplayQuery *query)
{
  g_clear_object (&query->store);
  g_free (query->type_prefix);
  g_free (query);
}

/* gh_admin_events_hold_replay(): replay reads wait while it is closed */
static GMutex gate_lock;
static GCond gate_cond;
static gboolean gate_closed;

void
gh_admin_events_hold_replay (gboolean hold)
{
  g_mutex_lock (&gate_lock);
  gate_closed = hold;
  g_cond_broadcast (&gate_cond);
  g_mutex_unlock (&gate_lock);
}

/* In a worker thread, on a read-only connection: the next page past the cursor. */
static void
replay_read (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ReplayQuery *query = task_data;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func (
    (GDestroyNotify) gh_audit_event_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStore) reader = gh_store_take_reader (query->store, &error);
  g_autoptr(GString) sql = g_string_new ("SELECT " GH_AUDIT_EVENT_COLUMNS
                                         " FROM audit_events WHERE id > ?1");

  if (reader == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_mutex_lock (&gate_lock);
  while (gate_closed)
    g_cond_wait (&gate_cond, &gate_lock);
  g_mutex_unlock (&gate_lock);
  if (query->project_id > 0)
    g_string_append (sql, " AND project_id = ?2");
  if (query->type_prefix != NULL)
    g_string_append (sql, " AND substr (type, 1, length (?3)) = ?3");
  g_string_append (sql, " ORDER BY id LIMIT ?4");
  gh_store_set_cancellable (reader, cancellable);
  {
    g_autoptr(GhStmt) stmt = gh_store_prepare (reader, sql->str, &error);
    gboolean row = FALSE;

    if (stmt != NULL)
      {
        gh_stmt_bind_int64 (stmt, 1, query->after);
        if (query->project_id > 0)
          gh_stmt_bind_int64 (stmt, 2, query->project_id);
        gh_stmt_bind_text (stmt, 3, query->type_prefix);
        gh_stmt_bind_int64 (stmt, 4, query->page);
        while (gh_store_step (reader, stmt, &row, &error) && row)
          {
            GhAuditEvent *event = gh_audit_event_from_row (stmt, &error);

            if (event == NULL)
              break;
            g_ptr_array_add (events, event);
          }
      }
  }
  gh_store_set_cancellable (reader, NULL);
  gh_store_give_reader (query->store, g_steal_pointer (&reader));
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, g_steal_pointer (&events), (GDestroyNotify) g_ptr_array_unref);
}

static GBytes *event_frame (Stream             *stream,
                            const GhAuditEvent *event);
static void    replay_start (Stream *stream);

static void
replay_read_done (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(Stream) stream = data;
  g_autoptr(GError) error = NULL;
  GPtrArray *events = g_task_propagate_pointer (G_TASK (result), &error);

  stream->replay_running = FALSE;
  if (stream->done || stream->closing)
    {
      g_clear_pointer (&events, g_ptr_array_unref);
      return;
    }
  if (events == NULL)
    {
      g_warning ("Cannot replay audit events: %s", error->message);
      stream_close (stream, 1011, "The stored events cannot be read");
      return;
    }
  stream->replay_page = events;
  stream->replay_next = 0;
  stream_pump (stream);
}

/* Feeds the replay page into the queue as far as it has room (a replay never overflows it:
 * it waits), then reads on, or goes live once the store has nothing newer. */
static void
stream_pump (Stream *stream)
{
  GPtrArray *page = stream->replay_page;
  gboolean full;

  if (page == NULL || stream->done || stream->closing)
    return;
  while (stream->replay_next < page->len)
    {
      GhAuditEvent *event = g_ptr_array_index (page, stream->replay_next);
      g_autoptr(GBytes) frame = event_frame (stream, event);

      if (!stream_has_room (stream, g_bytes_get_size (frame)))
        return;
      stream_send (stream, event->id, frame);
      stream->replay_next++;
    }
  full = page->len == stream->replay_page_size;
  g_clear_pointer (&stream->replay_page, g_ptr_array_unref);
  if (full || stream->live_overflow)
    {
      replay_start (stream);
      return;
    }
  /* Caught up with the snapshot: what committed since is in the live queue */
  stream->replaying = FALSE;
  while (!g_queue_is_empty (&stream->live))
    {
      Queued *queued = g_queue_pop_head (&stream->live);

      stream_send (stream, queued->id, queued->frame);
      queued_free (queued);
    }
  stream->live_bytes = 0;
}

/* Reads the events past the cursor; the live ones told from now on wait in stream->live. */
static void
replay_start (Stream *stream)
{
  ReplayQuery *query = g_new0 (ReplayQuery, 1);
  g_autoptr(GTask) task = g_task_new (NULL, stream->cancellable, replay_read_done,
                                      stream_ref (stream));

  g_queue_clear_full (&stream->live, (GDestroyNotify) queued_free);
  stream->live_bytes = 0;
  stream->live_overflow = FALSE;
  stream->replaying = TRUE;
  stream->replay_running = TRUE;
  query->store = g_object_ref (stream->hub->store);
  query->after = stream->cursor;
  query->page = stream->replay_page_size;
  query->project_id = stream->project_id;
  query->type_prefix = g_strdup (stream->type_prefix);
  g_task_set_source_tag (task, replay_start);
  g_task_set_task_data (task, query, (GDestroyNotify) replay_query_free);
  g_task_run_in_thread (task, replay_read);
}

/* ---- the hub: live events --------------------------------------------------------- */

static gboolean
stream_wants (Stream             *stream,
              const GhAuditEvent *event)
{
  if (stream->project_id > 0 && event->project_id != stream->project_id)
    return FALSE;
  return stream->type_prefix == NULL || g_str_has_prefix (event->type, stream->type_prefix);
}

static char *
event_message (const GhAuditEvent *event)
{
  g_autoptr(JsonObject) message = json_object_new ();

  json_object_set_string_member (message, "type", "event");
  json_object_set_object_member (message, "event", gh_audit_event_to_json (event));
  return gh_json_object_to_string (message, FALSE);
}

static GBytes *
event_frame (Stream             *stream,
             const GhAuditEvent *event)
{
  g_autofree char *text = event_message (event);

  return stream_frame (stream, "event", event->id, text);
}

static void
stream_offer (Stream             *stream,
              const GhAuditEvent *event,
              const char         *text)
{
  g_autoptr(GBytes) frame = stream_frame (stream, "event", event->id, text);

  if (!stream->replaying)
    {
      stream_send (stream, event->id, frame);
      return;
    }
  if (stream->live_overflow)
    return;
  if (g_queue_get_length (&stream->live) >= stream->max_messages ||
      stream->live_bytes + g_bytes_get_size (frame) > stream->max_bytes)
    {
      /* Not kept: the next replay step reads them from the store */
      g_queue_clear_full (&stream->live, (GDestroyNotify) queued_free);
      stream->live_bytes = 0;
      stream->live_overflow = TRUE;
      return;
    }
  {
    Queued *queued = g_new0 (Queued, 1);

    queued->id = event->id;
    queued->frame = g_steal_pointer (&frame);
    stream->live_bytes += g_bytes_get_size (queued->frame);
    g_queue_push_tail (&stream->live, queued);
  }
}

static void
event_committed (GhAudit *audit,
                 gint64   id,
                 Hub     *hub)
{
  g_autoptr(GhAuditEvent) event = NULL;
  g_autoptr(GPtrArray) streams = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (hub->streams->len == 0)
    return;
  event = gh_audit_get_event (audit, id, &error);
  if (event == NULL)
    {
      g_warning ("Cannot read audit event %" G_GINT64_FORMAT ": %s", id, error->message);
      return;
    }
  text = event_message (event);
  /* A stream that falls behind leaves the list */
  streams = g_ptr_array_new_with_free_func ((GDestroyNotify) stream_unref);
  for (guint i = 0; i < hub->streams->len; i++)
    g_ptr_array_add (streams, stream_ref (g_ptr_array_index (hub->streams, i)));
  for (guint i = 0; i < streams->len; i++)
    {
      Stream *stream = g_ptr_array_index (streams, i);

      if (stream->hub != NULL && stream_wants (stream, event))
        stream_offer (stream, event, text);
    }
}

static void
hub_free (Hub *hub)
{
  /* The server is stopping or gone: every stream ends */
  while (hub->streams->len > 0)
    {
      Stream *stream = g_ptr_array_index (hub->streams, 0);

      stream_finish (stream);
    }
  g_clear_signal_handler (&hub->committed_handler, hub->audit);
  g_clear_signal_handler (&hub->revoked_handler, hub->admin_tokens);
  g_clear_object (&hub->admin_tokens);
  g_clear_object (&hub->audit);
  g_clear_object (&hub->store);
  g_ptr_array_unref (hub->streams);
  g_free (hub);
}

#define HUB_KEY "gh-admin-events"

/* An admin token was revoked: the streams it opened close now. */
static void
admin_token_revoked (GhAdminTokens *admin_tokens,
                     const char    *id,
                     Hub           *hub)
{
  g_autoptr(GPtrArray) closing = g_ptr_array_new_with_free_func ((GDestroyNotify) stream_unref);

  /* Closing detaches a stream from the hub: walk a copy */
  for (guint i = 0; i < hub->streams->len; i++)
    {
      Stream *stream = g_ptr_array_index (hub->streams, i);

      if (g_strcmp0 (stream->admin_token, id) == 0)
        g_ptr_array_add (closing, stream_ref (stream));
    }
  for (guint i = 0; i < closing->len; i++)
    stream_close_unauthorized (g_ptr_array_index (closing, i), "The admin token was revoked");
}

static Hub *
get_hub (GhServer *server)
{
  Hub *hub = g_object_get_data (G_OBJECT (server), HUB_KEY);

  if (hub != NULL)
    return hub;
  hub = g_new0 (Hub, 1);
  hub->audit = g_object_ref (server->audit);
  hub->store = g_object_ref (server->store);
  hub->admin_tokens = g_object_ref (server->admin_tokens);
  hub->streams = g_ptr_array_new_with_free_func ((GDestroyNotify) stream_unref);
  hub->max_messages = GH_ADMIN_EVENTS_MAX_QUEUED_MESSAGES;
  hub->max_bytes = GH_ADMIN_EVENTS_MAX_QUEUED_BYTES;
  hub->keepalive_ms = GH_ADMIN_EVENTS_KEEPALIVE_MS;
  hub->replay_page = REPLAY_PAGE;
  hub->committed_handler = g_signal_connect (hub->audit, "committed",
                                             G_CALLBACK (event_committed), hub);
  hub->revoked_handler = g_signal_connect (hub->admin_tokens, "revoked",
                                           G_CALLBACK (admin_token_revoked), hub);
  g_object_set_data_full (G_OBJECT (server), HUB_KEY, hub, (GDestroyNotify) hub_free);
  return hub;
}

void
_gh_admin_events_close_all (GhServer *server)
{
  g_object_set_data (G_OBJECT (server), HUB_KEY, NULL);
}

void
gh_admin_events_set_limits (GhServer *server,
                            guint     max_messages,
                            gsize     max_bytes,
                            guint     keepalive_ms,
                            guint     replay_page)
{
  Hub *hub;

  g_return_if_fail (GH_IS_SERVER (server));

  hub = get_hub (server);
  hub->max_messages = max_messages > 0 ? max_messages : GH_ADMIN_EVENTS_MAX_QUEUED_MESSAGES;
  hub->max_bytes = max_bytes > 0 ? max_bytes : GH_ADMIN_EVENTS_MAX_QUEUED_BYTES;
  hub->keepalive_ms = keepalive_ms > 0 ? keepalive_ms : GH_ADMIN_EVENTS_KEEPALIVE_MS;
  hub->replay_page = replay_page > 0 ? replay_page : REPLAY_PAGE;
}

void
gh_admin_events_get_stats (GhServer           *server,
                           GhAdminEventsStats *stats)
{
  Hub *hub;

  g_return_if_fail (GH_IS_SERVER (server));

  hub = get_hub (server);
  stats->streams = hub->streams->len;
  stats->peak_bytes = hub->peak_bytes;
  stats->gaps = hub->gaps;
}

/* ---- the route -------------------------------------------------------------------- */

/* Whether @header (a comma-separated list) has @token, ignoring case. */
static gboolean
header_has_token (SoupServerMessage *msg,
                  const char        *name,
                  const char        *token)
{
  const char *value = soup_message_headers_get_list (
    soup_server_message_get_request_headers (msg), name);
  g_auto(GStrv) items = NULL;

  if (value == NULL)
    return FALSE;
  items = g_strsplit (value, ",", -1);
  for (guint i = 0; items[i] != NULL; i++)
    {
      g_autofree char *item = g_strdup (items[i]);
      char *semicolon = strchr (item, ';');

      if (semicolon != NULL)
        *semicolon = '\0';
      if (g_ascii_strcasecmp (g_strstrip (item), token) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
parse_cursor (const char  *name,
              const char  *value,
              gint64      *out,
              GError     **error)
{
  if (!g_ascii_string_to_signed (value, 10, 0, G_MAXINT64, out, NULL))
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                            "“%s” must be an event id (a whole number of at least 0)", name);
  return TRUE;
}

/* The filters and the cursor of the request: ?project=, ?type_prefix=, ?after= (or, for
 * Server-Sent Events, Last-Event-ID), and ?limit=, the number of events after which the
 * stream closes (for scripts). */
static gboolean
read_filters (GhRequest  *request,
              Stream     *stream,
              gboolean   *replay,
              GError    **error)
{
  g_autoptr(GHashTable) params = NULL;
  GHashTableIter iter;
  const char *name;
  const char *value;
  const char *last_event_id;

  params = _gh_admin_read_query (request, NULL, error);
  if (params == NULL)
    return FALSE;
  *replay = FALSE;
  g_hash_table_iter_init (&iter, params);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, (gpointer *) &value))
    {
      if (g_str_equal (name, "project"))
        {
          g_autoptr(GhProject) project = NULL;
          g_autoptr(GError) local_error = NULL;

          project = gh_projects_get (request->server->projects, value, &local_error);
          if (project == NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          stream->project_id = project->id;
        }
      else if (g_str_equal (name, "type_prefix"))
        stream->type_prefix = *value != '\0' ? g_strdup (value) : NULL;
      else if (g_str_equal (name, "after"))
        {
          if (!parse_cursor (name, value, &stream->cursor, error))
            return FALSE;
          *replay = TRUE;
        }
      else if (g_str_equal (name, "limit"))
        {
          if (!g_ascii_string_to_signed (value, 10, 1, G_MAXINT64, &stream->remaining, NULL))
            return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                                    "“limit” must be a whole number of at least 1");
        }
      else
        return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                                "Unknown query parameter “%s” (the stream takes project, "
                                "type_prefix, after and limit)", name);
    }
  last_event_id = soup_message_headers_get_one (
    soup_server_message_get_request_headers (request->msg), "Last-Event-ID");
  if (!*replay && !stream->websocket && last_event_id != NULL)
    {
      if (!parse_cursor ("Last-Event-ID", last_event_id, &stream->cursor, error))
        return FALSE;
      *replay = TRUE;
    }
  return TRUE;
}

/* A stream without a cursor starts with {"type": "ready", "last_id": N}: the newest event
 * stored as it opened (0: none), the cursor to reconnect with when no event came since. */
static void
stream_send_ready (Stream *stream)
{
  g_autoptr(JsonObject) message = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStmt) stmt = gh_store_prepare (stream->hub->store,
                                             "SELECT max (id) FROM audit_events", &error);
  g_autofree char *text = NULL;
  gboolean row = FALSE;

  if (stmt == NULL || !gh_store_step (stream->hub->store, stmt, &row, &error))
    {
      g_warning ("Cannot read the newest audit event: %s", error->message);
      stream_close (stream, 1011, "The stored events cannot be read");
      return;
    }
  stream->cursor = row ? sqlite3_column_int64 (stmt, 0) : 0;
  json_object_set_string_member (message, "type", "ready");
  json_object_set_int_member (message, "last_id", stream->cursor);
  text = gh_json_object_to_string (message, FALSE);
  stream_enqueue (stream, stream_frame (stream, "ready", 0, text));
}

/* The 101 answer of RFC 6455 §4.2.2, after libsoup checked the handshake. */
static char *
websocket_head (SoupServerMessage *msg)
{
  const char *key = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                  "Sec-WebSocket-Key");
  g_autofree char *concatenated = g_strconcat (key, WEBSOCKET_GUID, NULL);
  g_autoptr(GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  guint8 digest[20];
  gsize length = sizeof digest;
  g_autofree char *accept = NULL;

  g_checksum_update (sha1, (const guchar *) concatenated, strlen (concatenated));
  g_checksum_get_digest (sha1, digest, &length);
  accept = g_base64_encode (digest, length);
  return g_strdup_printf ("HTTP/1.1 101 Switching Protocols\r\n"
                          "Upgrade: websocket\r\n"
                          "Connection: Upgrade\r\n"
                          "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
}

/* GET /admin/v1/events: a WebSocket (Upgrade: websocket) or Server-Sent Events (Accept:
 * text/event-stream) carrying every audit event that commits from now on (with ?after=ID:
 * first the stored ones past ID), filtered by project and type prefix. The connection is
 * taken from libsoup and written to here, behind a bounded queue. */
void
_gh_admin_handle_events (GhRequest *request)
{
  SoupServerMessage *msg = request->msg;
  Hub *hub = get_hub (request->server);
  g_autoptr(Stream) stream = g_rc_box_new0 (Stream);
  g_autoptr(GError) error = NULL;
  g_autofree char *head = NULL;
  gboolean replay = FALSE;
  GIOStream *io;

  stream->websocket = header_has_token (msg, "Upgrade", "websocket");
  if (!stream->websocket && !header_has_token (msg, "Accept", "text/event-stream"))
    {
      _gh_admin_refuse (request, GH_OAUTH_ERROR_INVALID_REQUEST,
                        "Open a WebSocket (Upgrade: websocket) or ask for Server-Sent Events "
                        "(Accept: text/event-stream)");
      return;
    }
  if (!read_filters (request, stream, &replay, &error))
    {
      _gh_admin_send_error (request, error);
      return;
    }
  if (stream->websocket &&
      !soup_websocket_server_check_handshake (msg, NULL, NULL, NULL, &error))
    {
      _gh_admin_refuse (request, GH_OAUTH_ERROR_INVALID_REQUEST, error->message);
      return;
    }
  if (hub->streams->len >= GH_ADMIN_EVENTS_MAX_STREAMS)
    {
      _gh_admin_refuse (request, GH_OAUTH_ERROR_TEMPORARILY_UNAVAILABLE,
                        "Too many event streams are open: try again later");
      return;
    }
  if (stream->websocket)
    head = websocket_head (msg);
  else
    head = g_strdup ("HTTP/1.1 200 OK\r\n"
                     "Content-Type: text/event-stream\r\n"
                     "Cache-Control: no-store\r\n"
                     "X-Content-Type-Options: nosniff\r\n"
                     "Connection: close\r\n\r\n");

  /* From here on the connection is ours (@msg may be gone) */
  io = soup_server_message_steal_connection (msg);
  if (io == NULL)
    return;
  stream->io = io;
  if (request->admin_token != NULL)
    stream->admin_token = g_strdup (request->admin_token->id);
  stream->cancellable = g_cancellable_new ();
  stream->in = g_byte_array_new ();
  stream->max_messages = hub->max_messages;
  stream->max_bytes = hub->max_bytes;
  stream->replay_page_size = hub->replay_page;
  stream->hub = hub;
  g_ptr_array_add (hub->streams, stream_ref (stream));
  stream_enqueue (stream, take_string (g_steal_pointer (&head)));
  stream->keepalive_id = gh_timeout_add_here (hub->keepalive_ms, keepalive, stream);
  g_input_stream_read_async (g_io_stream_get_input_stream (io), stream->read_buffer,
                             sizeof stream->read_buffer, G_PRIORITY_DEFAULT,
                             stream->cancellable, got_bytes, stream_ref (stream));
  if (replay)
    replay_start (stream);
  else
    stream_send_ready (stream);
}
