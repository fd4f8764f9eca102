/* gh-admin-export.c — GET /admin/v1/projects/{slug}/audit/export: every matching event as
 * JSON lines or CSV, streamed from a worker thread a page at a time
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-admin"

#include "config.h"

#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "gh-admin-private.h"
#include "gh-connections.h"
#include "gh-error.h"
#include "gh-http.h"
#include "gh-json.h"

/* Events read per statement, and chunks read ahead of what the connection has written: the
 * export never holds more than EXPORT_AHEAD pages, whatever its size or its reader's speed. */
#define EXPORT_PAGE GH_AUDIT_QUERY_MAX_LIMIT
#define EXPORT_AHEAD 4
/* Exports running at once in this process; one more is 503. */
#define EXPORT_MAX_RUNNING 4

static gint running_exports;

/* One export, shared by its worker thread and the request thread. */
typedef struct
{
  gatomicrefcount ref;
  GMutex lock;
  GCond cond;
  guint ahead;          /* chunks handed to the request thread and not yet written */
  gboolean stopped;     /* the message is done: its peer left, or the server stopped */
  gboolean started;     /* (request thread) the status and headers are set */

  GWeakRef server;      /* never kept alive by an export */
  GhStore *store;
  SoupServerMessage *msg;
  GMainContext *context;
  GCancellable *cancellable;
  GHashTable *params;   /* what @query points into */
  GhAuditQuery query;
  gboolean csv;
  char *filename;
  gulong wrote_chunk_id;
  gulong finished_id;
} Export;

/* A chunk on its way to the request thread; @bytes NULL and @error NULL: the end. */
typedef struct
{
  Export *export;
  GBytes *bytes;
  GError *error;
  gboolean last;
} Delivery;

static Export *
export_ref (Export *export)
{
  g_atomic_ref_count_inc (&export->ref);
  return export;
}

static void
export_unref (Export *export)
{
  if (!g_atomic_ref_count_dec (&export->ref))
    return;
  g_mutex_clear (&export->lock);
  g_cond_clear (&export->cond);
  g_weak_ref_clear (&export->server);
  g_clear_object (&export->store);
  g_clear_object (&export->msg);
  g_clear_pointer (&export->context, g_main_context_unref);
  g_clear_object (&export->cancellable);
  g_clear_pointer (&export->params, g_hash_table_unref);
  g_free (export->filename);
  g_free (export);
  g_atomic_int_add (&running_exports, -1);
}

/* ---- the request thread ----------------------------------------------------------------- */

static void
export_stop (Export *export)
{
  g_mutex_lock (&export->lock);
  export->stopped = TRUE;
  g_cond_signal (&export->cond);
  g_mutex_unlock (&export->lock);
  g_cancellable_cancel (export->cancellable);
  g_clear_signal_handler (&export->wrote_chunk_id, export->msg);
  g_clear_signal_handler (&export->finished_id, export->msg);
}

static void
message_finished (SoupServerMessage *msg,
                  Export            *export)
{
  export_stop (export);
  /* The reference the message held */
  export_unref (export);
}

static void
chunk_written (SoupServerMessage *msg,
               Export            *export)
{
  g_autoptr(GhServer) server = g_weak_ref_get (&export->server);

  g_mutex_lock (&export->lock);
  if (export->ahead > 0)
    export->ahead--;
  g_cond_signal (&export->cond);
  g_mutex_unlock (&export->lock);
  if (server != NULL && server->connections != NULL)
    gh_connections_progress (server->connections, msg);
}

static void
start_answer (Export *export)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (export->msg);
  g_autofree char *disposition = g_strdup_printf ("attachment; filename=\"%s\"",
                                                  export->filename);

  gh_http_set_no_store (export->msg);
  soup_server_message_set_status (export->msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type (headers, export->csv ? "text/csv" :
                                                  "application/x-ndjson", NULL);
  soup_message_headers_replace (headers, "Content-Disposition", disposition);
  /* Written chunks are let go: the body never grows beyond what is read ahead */
  soup_message_body_set_accumulate (soup_server_message_get_response_body (export->msg), FALSE);
  export->started = TRUE;
}

static gboolean
deliver (gpointer data)
{
  Delivery *delivery = data;
  Export *export = delivery->export;
  SoupMessageBody *body = soup_server_message_get_response_body (export->msg);

  if (export->stopped)
    return G_SOURCE_REMOVE;
  if (delivery->error != NULL && !export->started)
    {
      /* Nothing was sent yet: an answer like any other error's */
      gh_http_set_no_store (export->msg);
      gh_http_send_error (export->msg, delivery->error);
      soup_server_message_unpause (export->msg);
      return G_SOURCE_REMOVE;
    }
  if (delivery->error != NULL)
    {
      GSocket *socket = soup_server_message_get_socket (export->msg);

      /* Cut short, never ended as if whole: no last chunk, the connection closed */
      g_warning ("Audit export failed after it started: %s", delivery->error->message);
      if (socket != NULL)
        g_socket_shutdown (socket, TRUE, TRUE, NULL);
      soup_server_message_unpause (export->msg);
      return G_SOURCE_REMOVE;
    }
  if (!export->started)
    start_answer (export);
  if (delivery->bytes != NULL && g_bytes_get_size (delivery->bytes) > 0)
    soup_message_body_append_bytes (body, delivery->bytes);
  else
    chunk_written (export->msg, export);  /* nothing to write: not ahead */
  if (delivery->last)
    soup_message_body_complete (body);
  soup_server_message_unpause (export->msg);
  return G_SOURCE_REMOVE;
}

static void
delivery_free (gpointer data)
{
  Delivery *delivery = data;

  export_unref (delivery->export);
  g_clear_pointer (&delivery->bytes, g_bytes_unref);
  g_clear_error (&delivery->error);
  g_free (delivery);
}

/* ---- the worker thread ------------------------------------------------------------------ */

/* Runs @func in @export's request thread. Never g_main_context_invoke(): it runs the function
 * right here when nobody holds the context at that instant. */
static void
run_in_request_thread (Export         *export,
                       GSourceFunc     func,
                       gpointer        data,
                       GDestroyNotify  notify)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_attach (source, export->context);
}

/* Hands @bytes (or @error) to the request thread; then waits while it is EXPORT_AHEAD chunks
 * ahead of the connection. FALSE when the export stopped. */
static gboolean
send_chunk (Export  *export,
            GBytes  *bytes,
            GError  *error,
            gboolean last)
{
  Delivery *delivery = g_new0 (Delivery, 1);
  gboolean stopped;

  delivery->export = export_ref (export);
  delivery->bytes = bytes;
  delivery->error = error;
  delivery->last = last;
  g_mutex_lock (&export->lock);
  export->ahead++;
  g_mutex_unlock (&export->lock);
  run_in_request_thread (export, deliver, delivery, delivery_free);
  g_mutex_lock (&export->lock);
  while (export->ahead >= EXPORT_AHEAD && !export->stopped)
    g_cond_wait (&export->cond, &export->lock);
  stopped = export->stopped;
  g_mutex_unlock (&export->lock);
  return !stopped;
}

static const char * const csv_columns[] = {
  "id", "time", "project_slug", "type", "outcome", "actor", "client_id", "user_id", "flow_id",
  "source", "user_agent", "details",
};

/* One CSV field (RFC 4180). A text a spreadsheet would run as a formula (=, +, -, @, a tab or
 * a carriage return first: a reflected User-Agent can be one) gets a ' before it. */
static void
append_csv_field (GString    *out,
                  const char *value)
{
  gboolean quote;

  if (value == NULL)
    return;
  quote = strpbrk (value, ",\"\r\n") != NULL;
  if (quote)
    g_string_append_c (out, '"');
  if (strchr ("=+-@\t\r", value[0]) != NULL && value[0] != '\0')
    g_string_append_c (out, '\'');
  for (const char *c = value; *c != '\0'; c++)
    {
      if (*c == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *c);
    }
  if (quote)
    g_string_append_c (out, '"');
}

static void
append_csv_row (GString            *out,
                const GhAuditEvent *event)
{
  g_autoptr(JsonObject) object = gh_audit_event_to_json (event);

  for (guint i = 0; i < G_N_ELEMENTS (csv_columns); i++)
    {
      JsonNode *node = json_object_get_member (object, csv_columns[i]);
      g_autofree char *text = NULL;

      if (i > 0)
        g_string_append_c (out, ',');
      if (node == NULL || JSON_NODE_HOLDS_NULL (node))
        continue;
      if (JSON_NODE_HOLDS_OBJECT (node))
        text = gh_json_to_string (node, FALSE);
      else if (json_node_get_value_type (node) == G_TYPE_INT64)
        text = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
      else
        text = g_strdup (json_node_get_string (node));
      append_csv_field (out, text);
    }
  g_string_append (out, "\r\n");
}

static void
append_json_line (GString            *out,
                  const GhAuditEvent *event)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (),
                                                    gh_audit_event_to_json (event));
  g_autofree char *text = gh_json_to_string (node, FALSE);

  g_string_append (out, text);
  g_string_append_c (out, '\n');
}

static gboolean
unref_in_request_thread (gpointer data)
{
  export_unref (data);
  return G_SOURCE_REMOVE;
}

static gpointer
export_thread (gpointer data)
{
  Export *export = data;
  GhAuditQuery query = export->query;
  gboolean first = TRUE;

  query.limit = EXPORT_PAGE;
  /* Below the request thread when the CPUs are busy: an export may take longer, a token
   * request should not (Linux nices threads one by one; elsewhere this does nothing) */
  setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), 10);
  for (;;)
    {
      g_autoptr(GhAuditPage) page = NULL;
      GError *error = NULL;
      GString *out;

      page = gh_audit_query (export->store, &query, export->cancellable, &error);
      if (page == NULL)
        {
          send_chunk (export, NULL, error, TRUE);
          break;
        }
      out = g_string_sized_new (page->events->len * 400);
      if (first && export->csv)
        {
          for (guint i = 0; i < G_N_ELEMENTS (csv_columns); i++)
            g_string_append_printf (out, "%s%s", i > 0 ? "," : "", csv_columns[i]);
          g_string_append (out, "\r\n");
        }
      first = FALSE;
      for (guint i = 0; i < page->events->len; i++)
        {
          if (export->csv)
            append_csv_row (out, page->events->pdata[i]);
          else
            append_json_line (out, page->events->pdata[i]);
        }
      /* Newest first: the next page is older than this one's last event */
      if (!send_chunk (export, g_string_free_to_bytes (out), NULL, page->older == 0) ||
          page->older == 0)
        break;
      query.before = page->older;
    }
  /* The last reference may be this one: let it go where the message and the store live */
  run_in_request_thread (export, unref_in_request_thread, export, NULL);
  return NULL;
}

/* ---- the handler ------------------------------------------------------------------------ */

/* GET /admin/v1/projects/{slug}/audit/export?format=jsonl|csv and the audit route's filters:
 * every matching event, newest first, in chunks a worker thread reads a page at a time on a
 * read-only connection. The request thread only writes: OAuth traffic goes on meanwhile. */
void
_gh_admin_handle_audit_export (GhRequest *request)
{
  g_autofree char *slug = _gh_admin_path_slug (request);
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *format_name = NULL;
  g_autofree char *format = NULL;
  gboolean too_many;
  Export *export;

  project = _gh_admin_load_project_named (request, slug);
  if (project == NULL)
    return;
  params = _gh_admin_query_params (request);
  if (params == NULL)
    return;
  /* Taken out of the table: both the key and the value are ours to free */
  g_hash_table_steal_extended (params, "format", (gpointer *) &format_name, (gpointer *) &format);
  if (format != NULL && !g_str_equal (format, "jsonl") && !g_str_equal (format, "csv"))
    {
      _gh_admin_refuse (request, GH_OAUTH_ERROR_INVALID_REQUEST,
                        "“format” is jsonl (the default) or csv");
      return;
    }
  /* One export is every page: no page size, and it reads from the newest (or "before") down */
  if (g_hash_table_contains (params, "limit") || g_hash_table_contains (params, "after") ||
      g_hash_table_contains (params, "offset"))
    {
      _gh_admin_refuse (request, GH_OAUTH_ERROR_INVALID_REQUEST,
                        "An export takes no “limit”, “offset” or “after”: it holds every matching "
                        "event, newest first (“before” starts it below an event)");
      return;
    }

  export = g_new0 (Export, 1);
  g_atomic_ref_count_init (&export->ref);
  g_mutex_init (&export->lock);
  g_cond_init (&export->cond);
  /* Counted from here on: export_unref() counts it out */
  too_many = g_atomic_int_add (&running_exports, 1) >= EXPORT_MAX_RUNNING;
  export->params = g_steal_pointer (&params);
  export->query.project_id = project->id;
  if (!_gh_admin_read_audit_query (export->params, &export->query, &error))
    {
      export_unref (export);
      _gh_admin_send_error (request, error);
      return;
    }
  if (too_many)
    {
      export_unref (export);
      soup_message_headers_replace (soup_server_message_get_response_headers (request->msg),
                                    "Retry-After", "10");
      _gh_admin_refuse (request, GH_OAUTH_ERROR_TEMPORARILY_UNAVAILABLE,
                        "Too many audit exports are running; try again shortly");
      return;
    }
  export->csv = g_strcmp0 (format, "csv") == 0;
  export->filename = g_strdup_printf ("audit-%s.%s", slug, export->csv ? "csv" : "jsonl");
  g_weak_ref_init (&export->server, request->server);
  export->store = g_object_ref (request->server->store);
  export->msg = g_object_ref (request->msg);
  export->context = g_main_context_ref_thread_default ();
  export->cancellable = g_cancellable_new ();

  /* The message holds one reference until it is finished, the thread the other */
  export_ref (export);
  export->finished_id = g_signal_connect (request->msg, "finished",
                                          G_CALLBACK (message_finished), export);
  export->wrote_chunk_id = g_signal_connect (request->msg, "wrote-chunk",
                                             G_CALLBACK (chunk_written), export);
  soup_server_message_pause (request->msg);
  g_thread_unref (g_thread_new ("audit-export", export_thread, export));
}
