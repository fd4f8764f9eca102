/* test-admin-events.c — GET /admin/v1/events over a real server: WebSocket clients (libsoup's,
 * and a raw one that never reads), Server-Sent Events, replay from a cursor, after-commit
 * delivery and the bounded queue
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "gh-admin-events.h"
#include "gh-admin-tokens.h"
#include "gh-audit.h"
#include "gh-test-process.h"
#include "gh-test-tls.h"
#include "gh-test-util.h"

#define PAIRS GH_TEST_PAIRS
#define APP_CB "https://app.example/cb"
#define TS (&fixture->server)

typedef struct
{
  GhTestServer server;
  char *token;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhAdminToken) token = NULL;

  gh_test_server_setup (TS, data);
  gh_admin_tokens_set_failure_limit (gh_server_get_admin_tokens (TS->server), 0);
  token = gh_admin_tokens_create (gh_server_get_admin_tokens (TS->server), "test", 0, "test",
                                  &fixture->token, &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_pointer (&fixture->token, g_free);
  gh_test_server_teardown (TS, data);
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

/* Lets the server work for @ms without waiting for anything. */
static void
run_for (guint ms)
{
  gh_test_wait_until (never, NULL, ms);
}

/* Records one event of @type, its details {"marker": @marker} and @padding members of about
 * 250 bytes. */
static void
record_padded (Fixture    *fixture,
               const char *type,
               const char *marker,
               guint       padding)
{
  g_autoptr(JsonObject) details = json_object_new ();
  g_autoptr(GhProject) project = gh_test_server_project (TS);
  g_autoptr(GError) error = NULL;
  g_autofree char *filler = g_strnfill (240, 'x');

  json_object_set_string_member (details, "marker", marker);
  for (guint i = 0; i < padding; i++)
    {
      g_autofree char *name = g_strdup_printf ("padding%u", i);

      json_object_set_string_member (details, name, filler);
    }
  g_assert_true (gh_audit_record_event (gh_server_get_audit (TS->server), &(GhAuditEvent) {
                                          .project_id = project->id,
                                          .project_slug = project->slug,
                                          .type = type, .outcome = GH_AUDIT_INFO,
                                          .actor = "test", .details = details,
                                        }, &error));
  g_assert_no_error (error);
}

static void
record (Fixture    *fixture,
        const char *type,
        const char *marker)
{
  record_padded (fixture, type, marker, 0);
}

/* The newest event's id. */
static gint64
last_event_id (Fixture *fixture)
{
  GhStore *store = gh_server_get_store (TS->server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStmt) stmt = gh_store_prepare (store, "SELECT max (id) FROM audit_events", &error);
  gboolean row = FALSE;

  g_assert_no_error (error);
  g_assert_true (gh_store_step (store, stmt, &row, &error));
  g_assert_true (row);
  return sqlite3_column_int64 (stmt, 0);
}

/* ---- a WebSocket client (libsoup's) ----------------------------------------------- */

typedef struct
{
  SoupWebsocketConnection *conn;
  SoupMessage *msg;
  GPtrArray *messages;   /* JsonObject, as they came, but the "ready" one */
  gint64 ready_last_id;  /* -1: no "ready" message came */
  gboolean connected;
  gboolean failed;
  gboolean closed;
  GError *error;
} Client;

static void
client_free (Client *client)
{
  if (client->conn != NULL &&
      soup_websocket_connection_get_state (client->conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (client->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_clear_object (&client->conn);
  g_clear_object (&client->msg);
  g_clear_pointer (&client->messages, g_ptr_array_unref);
  g_clear_error (&client->error);
  g_free (client);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Client, client_free)

static void
got_message (SoupWebsocketConnection *conn,
             SoupWebsocketDataType    type,
             GBytes                  *message,
             Client                  *client)
{
  gsize length;
  const char *data = g_bytes_get_data (message, &length);
  g_autofree char *text = g_strndup (data, length);

  g_autoptr(JsonObject) object = gh_test_parse_object (text);

  g_assert_cmpint (type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  if (g_str_equal (json_object_get_string_member (object, "type"), "ready"))
    {
      /* Once, first */
      g_assert_cmpint (client->ready_last_id, ==, -1);
      g_assert_cmpuint (client->messages->len, ==, 0);
      client->ready_last_id = json_object_get_int_member (object, "last_id");
      return;
    }
  g_ptr_array_add (client->messages, g_steal_pointer (&object));
}

static void
got_closed (SoupWebsocketConnection *conn,
            Client                  *client)
{
  client->closed = TRUE;
}

static void
connected (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Client *client = data;

  client->conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result,
                                                        &client->error);
  if (client->conn == NULL)
    {
      client->failed = TRUE;
      return;
    }
  g_signal_connect (client->conn, "message", G_CALLBACK (got_message), client);
  g_signal_connect (client->conn, "closed", G_CALLBACK (got_closed), client);
  client->connected = TRUE;
}

static gboolean
client_settled (gpointer data)
{
  Client *client = data;

  return client->connected || client->failed;
}

/* Opens /admin/v1/events@query with @token (NULL: none); the client may have failed. */
static Client *
client_open (Fixture    *fixture,
             const char *query,
             const char *token)
{
  Client *client = g_new0 (Client, 1);
  g_autofree char *url = g_strconcat (TS->issuer, "/admin/v1/events", query, NULL);

  client->messages = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  client->ready_last_id = -1;
  client->msg = soup_message_new ("GET", url);
  if (token != NULL)
    {
      g_autofree char *authorization = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (client->msg),
                                    "Authorization", authorization);
    }
  soup_session_websocket_connect_async (TS->session, client->msg, NULL, NULL,
                                        G_PRIORITY_DEFAULT, NULL, connected, client);
  g_assert_true (gh_test_wait_until (client_settled, client, 10000));
  return client;
}

static gboolean
client_closed (gpointer data)
{
  return ((Client *) data)->closed;
}

typedef struct
{
  Client *client;
  guint   n;
} Count;

static gboolean
has_count (gpointer data)
{
  Count *count = data;

  return count->client->messages->len >= count->n;
}

static gboolean
client_is_ready (gpointer data)
{
  return ((Client *) data)->ready_last_id >= 0;
}

static void
client_wait_ready (Client *client)
{
  g_assert_true (gh_test_wait_until (client_is_ready, client, 10000));
}

/* Waits for @n messages in all. */
static void
client_wait (Client *client,
             guint   n)
{
  Count count = { client, n };

  if (!gh_test_wait_until (has_count, &count, 10000))
    g_error ("%u messages came, not %u", client->messages->len, n);
}

static JsonObject *
message_event (Client *client,
               guint   i)
{
  JsonObject *message = g_ptr_array_index (client->messages, i);

  g_assert_cmpstr (json_object_get_string_member (message, "type"), ==, "event");
  return json_object_get_object_member (message, "event");
}

static const char *
event_marker (JsonObject *event)
{
  JsonObject *details = json_object_get_object_member (event, "details");

  return json_object_get_string_member_with_default (details, "marker", NULL);
}

/* ---- tests ------------------------------------------------------------------------ */

/* No token, a wrong one, the handshake with no token: 401 before anything is upgraded. */
static void
test_needs_a_token (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *url = g_strconcat (TS->issuer, "/admin/v1/events", NULL);
  const char *upgrade[] = { "Upgrade", "websocket", "Connection", "Upgrade",
                            "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==",
                            "Sec-WebSocket-Version", "13", NULL };
  g_autoptr(GhTestResponse) none = gh_test_http (TS->session, "GET", url, upgrade, NULL, NULL);
  g_autoptr(Client) wrong = client_open (fixture, "", "ghat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                                                      "AAAAAAAA");
  g_autoptr(Client) missing = client_open (fixture, "", NULL);
  g_autoptr(GhTestResponse) sse = NULL;

  g_assert_cmpuint (none->status, ==, 401);
  g_assert_true (wrong->failed);
  g_assert_cmpuint (soup_message_get_status (wrong->msg), ==, 401);
  g_assert_true (missing->failed);
  g_assert_cmpuint (soup_message_get_status (missing->msg), ==, 401);
  sse = gh_test_http (TS->session, "GET", url, PAIRS ("Accept", "text/event-stream"), NULL,
                      NULL);
  g_assert_cmpuint (sse->status, ==, 401);
}

/* Plain GET, an unknown filter, an unknown project: refused with the reason. */
static void
test_bad_requests (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *authorization = g_strconcat ("Bearer ", fixture->token, NULL);
  const struct {
    const char *query;
    const char *accept;
    guint       status;
  } cases[] = {
    { "", NULL, 400 },
    { "?colour=red", "text/event-stream", 400 },
    { "?after=-1", "text/event-stream", 400 },
    { "?limit=0", "text/event-stream", 400 },
    { "?project=nowhere", "text/event-stream", 404 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *url = g_strconcat (TS->issuer, "/admin/v1/events", cases[i].query, NULL);
      const char *headers[] = { "Authorization", authorization,
                                "Accept", cases[i].accept, NULL };
      g_autoptr(GhTestResponse) response = NULL;
      g_autoptr(JsonObject) object = NULL;

      if (cases[i].accept == NULL)
        headers[2] = NULL;
      response = gh_test_http (TS->session, "GET", url, headers, NULL, NULL);
      g_assert_cmpuint (response->status, ==, cases[i].status);
      object = gh_test_response_json (response);
      g_assert_nonnull (json_object_get_string_member (object, "error_description"));
    }
}

/* A whole authorization code flow: its events come in order, each once, with one flow id,
 * as their transactions commit. */
static void
test_oauth_flow (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(Client) client = client_open (fixture, "?project=default", fixture->token);
  g_autofree char *verifier = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *code = NULL;
  g_autofree char *secret = NULL;
  g_autoptr(GhTestResponse) token = NULL;
  /* (authorization.started is written only when the flow shows a page) */
  const char *expected[] = { "code.issued", "token.issued" };
  const char *flow_id = NULL;
  gint64 previous = 0;
  guint next = 0;

  g_assert_true (client->connected);
  gh_test_server_add_user (TS, "alice", "Alice", NULL);
  gh_test_server_set (TS, "auto_approve_user", "alice");
  secret = gh_test_server_add_client (TS, "app",
                                      "{\"redirect_uris\": [\"" APP_CB "\"]}");
  gh_test_pkce_pair (&verifier, &challenge);
  code = gh_test_server_authorize_code (TS, TS->session, APP_CB,
                                        PAIRS ("response_type", "code", "client_id", "app",
                                               "redirect_uri", APP_CB,
                                               "code_challenge", challenge,
                                               "code_challenge_method", "S256",
                                               "state", "s"));
  token = gh_test_server_post_form (TS, "/token",
                                    PAIRS ("grant_type", "authorization_code", "code", code,
                                           "redirect_uri", APP_CB, "client_id", "app",
                                           "code_verifier", verifier), NULL);
  g_assert_cmpuint (token->status, ==, 200);

  /* Everything the store has past the client's start, in the same order */
  for (guint tries = 0; tries < 100; tries++)
    {
      JsonObject *last;

      if (client->messages->len > 0)
        {
          last = message_event (client, client->messages->len - 1);
          if (g_str_equal (json_object_get_string_member (last, "type"), "token.issued"))
            break;
        }
      client_wait (client, client->messages->len + 1);
    }
  for (guint i = 0; i < client->messages->len; i++)
    {
      JsonObject *event = message_event (client, i);
      const char *type = json_object_get_string_member (event, "type");
      const char *flow = json_object_get_string_member_with_default (event, "flow_id", NULL);

      g_assert_cmpint (json_object_get_int_member (event, "id"), >, previous);
      previous = json_object_get_int_member (event, "id");
      g_assert_cmpstr (json_object_get_string_member (event, "project_slug"), ==, "default");
      if (flow == NULL)
        continue;
      if (flow_id == NULL)
        flow_id = flow;
      g_assert_cmpstr (flow, ==, flow_id);
      if (next < G_N_ELEMENTS (expected) && g_str_equal (type, expected[next]))
        next++;
    }
  g_assert_nonnull (flow_id);
  g_assert_cmpuint (next, ==, G_N_ELEMENTS (expected));
  g_assert_cmpint (previous, ==, last_event_id (fixture));
}

/* A client that left comes back with ?after= its last id: it gets exactly what it missed,
 * then the live events, with neither a duplicate nor a hole where the two meet, even with
 * events committing while the stored ones are read. Filters hold for both. */
static void
test_resume (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(Client) first = client_open (fixture, "?type_prefix=user.", fixture->token);
  g_autoptr(Client) again = NULL;
  g_autofree char *query = NULL;
  gint64 seen;
  guint expected = 0;

  record (fixture, "user.created", "a");
  record (fixture, "resource.added", "not a user event");
  record (fixture, "user.removed", "b");
  client_wait (first, 2);
  g_assert_cmpstr (event_marker (message_event (first, 1)), ==, "b");
  seen = json_object_get_int_member (message_event (first, 1), "id");
  soup_websocket_connection_close (first->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_assert_true (gh_test_wait_until (client_closed, first, 10000));

  for (guint i = 0; i < 250; i++)
    {
      g_autofree char *marker = g_strdup_printf ("missed %u", i);

      record (fixture, i % 5 == 0 ? "resource.added" : "user.created", marker);
      expected += i % 5 == 0 ? 0 : 1;
    }
  /* One replay step; it waits until the live events below committed: they
   * are both in the store when it reads and told live meanwhile */
  gh_admin_events_set_limits (TS->server, 0, 0, 0, 500);
  gh_admin_events_hold_replay (TRUE);
  query = g_strdup_printf ("?type_prefix=user.&after=%" G_GINT64_FORMAT, seen);
  again = client_open (fixture, query, fixture->token);
  g_assert_true (again->connected);
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *marker = g_strdup_printf ("live %u", i);

      record (fixture, "user.created", marker);
      expected++;
    }
  run_for (100);
  g_assert_cmpuint (again->messages->len, ==, 0);
  gh_admin_events_hold_replay (FALSE);
  /* And while the later steps read */
  for (guint i = 10; i < 20; i++)
    {
      g_autofree char *marker = g_strdup_printf ("live %u", i);

      record (fixture, "user.created", marker);
      expected++;
      g_main_context_iteration (NULL, FALSE);
    }
  client_wait (again, expected);
  run_for (200);
  g_assert_cmpuint (again->messages->len, ==, expected);
  for (guint i = 0; i < again->messages->len; i++)
    {
      JsonObject *event = message_event (again, i);
      gint64 id = json_object_get_int_member (event, "id");

      g_assert_cmpint (id, >, seen);
      seen = id;
      g_assert_true (g_str_has_prefix (json_object_get_string_member (event, "type"), "user."));
    }
  g_assert_cmpstr (event_marker (message_event (again, 0)), ==, "missed 1");
  g_assert_cmpstr (event_marker (message_event (again, expected - 1)), ==, "live 19");
}

/* An event written in a transaction is sent once it commits, and never when it rolls back. */
static void
test_after_commit (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(Client) client = client_open (fixture, "", fixture->token);
  GhStore *store = gh_server_get_store (TS->server);
  g_autoptr(GError) error = NULL;

  /* Without a cursor, the stream first says where it starts */
  client_wait_ready (client);
  g_assert_cmpint (client->ready_last_id, ==, last_event_id (fixture));

  g_assert_true (gh_store_begin (store, &error));
  record (fixture, "user.created", "rolled back");
  gh_store_rollback (store);

  g_assert_true (gh_store_begin (store, &error));
  record (fixture, "user.created", "committed");
  run_for (300);
  g_assert_cmpuint (client->messages->len, ==, 0);
  g_assert_true (gh_store_commit (store, &error));
  client_wait (client, 1);
  run_for (300);
  g_assert_cmpuint (client->messages->len, ==, 1);
  g_assert_cmpstr (event_marker (message_event (client, 0)), ==, "committed");
}

/* ---- a consumer that never reads --------------------------------------------------- */

/* A WebSocket opened by hand on a socket with a small receive buffer, never read from. */
static GSocket *
open_raw (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (
    loopback, gh_server_get_port (TS->server));
  g_autofree char *request = g_strdup_printf ("GET /admin/v1/events HTTP/1.1\r\n"
                                              "Host: 127.0.0.1\r\n"
                                              "Authorization: Bearer %s\r\n"
                                              "Upgrade: websocket\r\n"
                                              "Connection: Upgrade\r\n"
                                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                              "Sec-WebSocket-Version: 13\r\n\r\n",
                                              fixture->token);
  GString *head = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_assert_no_error (error);
  g_assert_true (g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, 4096, &error));
  g_assert_true (g_socket_connect (socket, address, NULL, &error));
  g_assert_cmpint (g_socket_send (socket, request, strlen (request), NULL, &error), ==,
                   (gssize) strlen (request));
  g_socket_set_blocking (socket, FALSE);
  /* The answer's head, byte by byte: nothing of the stream is read */
  while (strstr (head->str, "\r\n\r\n") == NULL)
    {
      char c;
      g_autoptr(GError) local_error = NULL;

      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      if (g_socket_receive (socket, &c, 1, NULL, &local_error) == 1)
        g_string_append_c (head, c);
      else
        g_main_context_iteration (NULL, FALSE);
    }
  g_assert_true (g_str_has_prefix (head->str, "HTTP/1.1 101 "));
  g_string_free (head, TRUE);
  return g_steal_pointer (&socket);
}

/* Reads what the server sent: its text frames (into @texts) up to its close frame; returns
 * the close code. */
static guint
read_raw (GSocket   *socket,
          GPtrArray *texts)
{
  g_autoptr(GByteArray) in = g_byte_array_new ();
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  for (;;)
    {
      guint8 buffer[65536];
      gssize n;
      g_autoptr(GError) error = NULL;

      while (in->len >= 2)
        {
          guint64 length = in->data[1] & 0x7f;
          gsize head = 2;

          g_assert_false (in->data[1] & 0x80);
          if (length == 126)
            {
              if (in->len < 4)
                break;
              length = (in->data[2] << 8) | in->data[3];
              head = 4;
            }
          else if (length == 127)
            {
              if (in->len < 10)
                break;
              length = 0;
              for (guint i = 0; i < 8; i++)
                length = (length << 8) | in->data[2 + i];
              head = 10;
            }
          if (in->len < head + length)
            break;
          if ((in->data[0] & 0x0f) == 0x8)
            return (in->data[head] << 8) | in->data[head + 1];
          if ((in->data[0] & 0x0f) == 0x1)
            g_ptr_array_add (texts, g_strndup ((const char *) in->data + head, length));
          g_byte_array_remove_range (in, 0, head + length);
        }
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      n = g_socket_receive (socket, (char *) buffer, sizeof buffer, NULL, &error);
      if (n > 0)
        g_byte_array_append (in, buffer, n);
      else if (n == 0)
        g_error ("The server closed the connection without a close frame");
      else
        g_main_context_iteration (NULL, FALSE);
    }
}

/* A consumer that does not read: its queue fills, it gets a gap with the first event it
 * missed and a close (4000), and the server never holds more than the queue's bound for it,
 * however many events come. Other consumers are not held up. */
static void
test_slow_consumer (Fixture       *fixture,
                    gconstpointer  data)
{
  const gsize max_bytes = 64 * 1024;
  g_autoptr(GSocket) slow = NULL;
  g_autoptr(Client) reader = NULL;
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonObject) gap = NULL;
  GhAdminEventsStats stats = { 0 };
  gint64 previous = 0;
  guint recorded;
  guint code;

  /* The reader has the default bound, the one that does not read a small one */
  reader = client_open (fixture, "", fixture->token);
  gh_admin_events_set_limits (TS->server, 50, max_bytes, 0, 0);
  slow = open_raw (fixture);
  for (recorded = 1; recorded <= 5000; recorded++)
    {
      record_padded (fixture, "user.created", "slow", 60);
      for (guint i = 0; i < 4; i++)
        g_main_context_iteration (NULL, FALSE);
      gh_admin_events_get_stats (TS->server, &stats);
      if (stats.gaps > 0)
        break;
    }
  g_test_message ("%u events recorded up to the gap", recorded);
  g_assert_cmpuint (stats.gaps, ==, 1);
  g_assert_cmpuint (stats.streams, ==, 1);
  /* The queue's bound, and the gap and close frames past it */
  g_assert_cmpuint (stats.peak_bytes, <=, max_bytes + 512);

  /* More events change nothing for it */
  for (guint i = 0; i < 100; i++)
    {
      record_padded (fixture, "user.created", "more", 60);
      g_main_context_iteration (NULL, FALSE);
    }
  gh_admin_events_get_stats (TS->server, &stats);
  g_assert_cmpuint (stats.peak_bytes, <=, max_bytes + 512);
  g_assert_cmpuint (stats.gaps, ==, 1);

  code = read_raw (slow, texts);
  g_assert_cmpuint (code, ==, GH_ADMIN_EVENTS_CLOSE_TOO_SLOW);
  g_assert_cmpuint (texts->len, >=, 2);
  g_assert_cmpuint (texts->len, >=, 3);
  {
    g_autoptr(JsonObject) ready = gh_test_parse_object (texts->pdata[0]);

    g_assert_cmpstr (json_object_get_string_member (ready, "type"), ==, "ready");
  }
  for (guint i = 1; i + 1 < texts->len; i++)
    {
      g_autoptr(JsonObject) message = gh_test_parse_object (texts->pdata[i]);
      JsonObject *event = json_object_get_object_member (message, "event");
      gint64 id = json_object_get_int_member (event, "id");

      g_assert_true (previous == 0 || id == previous + 1);
      previous = id;
    }
  gap = gh_test_parse_object (texts->pdata[texts->len - 1]);
  g_assert_cmpstr (json_object_get_string_member (gap, "type"), ==, "gap");
  g_assert_cmpint (json_object_get_int_member (gap, "first_missed_id"), ==, previous + 1);

  /* The consumer that reads has every event */
  client_wait (reader, recorded + 100);
  gh_admin_events_get_stats (TS->server, &stats);
  g_assert_cmpuint (stats.gaps, ==, 1);
}

/* ---- Server-Sent Events ----------------------------------------------------------- */

typedef struct
{
  GInputStream *stream;
  GString *text;
  gboolean ended;
  guint8 buffer[4096];
} SseRead;

static void
sse_got (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  SseRead *read = data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n <= 0)
    {
      read->ended = TRUE;
      return;
    }
  g_string_append_len (read->text, (const char *) read->buffer, n);
  g_input_stream_read_async (read->stream, read->buffer, sizeof read->buffer,
                             G_PRIORITY_DEFAULT, NULL, sse_got, read);
}

static void
sse_sent (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  SseRead *read = data;
  g_autoptr(GError) error = NULL;

  read->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
  g_input_stream_read_async (read->stream, read->buffer, sizeof read->buffer,
                             G_PRIORITY_DEFAULT, NULL, sse_got, read);
}

static gboolean
sse_ended (gpointer data)
{
  return ((SseRead *) data)->ended;
}

typedef struct
{
  SoupMessage *msg;
  SseRead      read;
} Sse;

/* GETs the stream as curl does (-N -H 'Accept: text/event-stream'). */
static Sse *
sse_start (Fixture    *fixture,
           const char *query,
           const char *last_event_id)
{
  g_autofree char *url = g_strconcat (TS->issuer, "/admin/v1/events", query, NULL);
  g_autofree char *authorization = g_strconcat ("Bearer ", fixture->token, NULL);
  Sse *sse = g_new0 (Sse, 1);
  SoupMessageHeaders *headers;

  sse->msg = soup_message_new ("GET", url);
  sse->read.text = g_string_new (NULL);
  headers = soup_message_get_request_headers (sse->msg);
  soup_message_headers_replace (headers, "Authorization", authorization);
  soup_message_headers_replace (headers, "Accept", "text/event-stream");
  if (last_event_id != NULL)
    soup_message_headers_replace (headers, "Last-Event-ID", last_event_id);
  soup_session_send_async (TS->session, sse->msg, G_PRIORITY_DEFAULT, NULL, sse_sent,
                           &sse->read);
  return sse;
}

/* Waits for the server to end the stream; returns the whole text. */
static char *
sse_finish (Sse *sse)
{
  char *text;

  g_assert_true (gh_test_wait_until (sse_ended, &sse->read, 10000));
  g_assert_cmpuint (soup_message_get_status (sse->msg), ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (
                     soup_message_get_response_headers (sse->msg), NULL), ==,
                   "text/event-stream");
  text = g_string_free (g_steal_pointer (&sse->read.text), FALSE);
  g_clear_object (&sse->read.stream);
  g_object_unref (sse->msg);
  g_free (sse);
  return text;
}

/* The events of an SSE text: each block's "id:" is its event's id, "data:" the message. */
static GPtrArray *
sse_parse (const char *text)
{
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_auto(GStrv) blocks = g_strsplit (text, "\n\n", -1);

  for (guint b = 0; blocks[b] != NULL; b++)
    {
      g_auto(GStrv) lines = g_strsplit (blocks[b], "\n", -1);
      const char *id = NULL;
      const char *data = NULL;

      for (guint l = 0; lines[l] != NULL; l++)
        {
          if (g_str_has_prefix (lines[l], "id: "))
            id = lines[l] + 4;
          else if (g_str_has_prefix (lines[l], "data: "))
            data = lines[l] + 6;
        }
      if (data == NULL)
        continue;
      {
        g_autoptr(JsonObject) message = gh_test_parse_object (data);
        JsonObject *event = json_object_get_object_member (message, "event");

        g_assert_nonnull (id);
        g_assert_cmpint (g_ascii_strtoll (id, NULL, 10), ==,
                         json_object_get_int_member (event, "id"));
        g_ptr_array_add (events, json_object_ref (event));
      }
    }
  return events;
}

/* The same stream as Server-Sent Events: stored then live events with their ids, ?limit= to
 * end it, and Last-Event-ID to resume. */
static void
test_server_sent_events (Fixture       *fixture,
                         gconstpointer  data)
{
  Sse *sse;
  g_autofree char *text = NULL;
  g_autofree char *resumed = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autofree char *last = NULL;

  record (fixture, "user.created", "one");
  record (fixture, "resource.added", "not a user event");
  record (fixture, "user.created", "two");
  sse = sse_start (fixture, "?after=0&type_prefix=user.&limit=3", NULL);
  run_for (300);
  record (fixture, "user.created", "three");
  text = sse_finish (sse);
  events = sse_parse (text);
  g_assert_cmpuint (events->len, ==, 3);
  g_assert_cmpstr (event_marker (events->pdata[0]), ==, "one");
  g_assert_cmpstr (event_marker (events->pdata[1]), ==, "two");
  g_assert_cmpstr (event_marker (events->pdata[2]), ==, "three");

  last = g_strdup_printf ("%" G_GINT64_FORMAT,
                          json_object_get_int_member (events->pdata[1], "id"));
  resumed = sse_finish (sse_start (fixture, "?type_prefix=user.&limit=1", last));
  after = sse_parse (resumed);
  g_assert_cmpuint (after->len, ==, 1);
  g_assert_cmpstr (event_marker (after->pdata[0]), ==, "three");
}

/* An admin token's streams end with it: revoked through the admin API, at once (WebSocket close
 * 4001, and another token's stream goes on); revoked by another process (the CLI writes the
 * store) or expired, at the next keepalive (SSE: a last comment line saying why). */
static void
test_token_revoked (Fixture       *fixture,
                    gconstpointer  data)
{
  GhAdminTokens *tokens = gh_server_get_admin_tokens (TS->server);
  GhStore *store = gh_server_get_store (TS->server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhAdminToken) doomed = NULL;
  g_autoptr(GhAdminToken) written = NULL;
  g_autoptr(GhAdminToken) brief = NULL;
  g_autofree char *doomed_secret = NULL;
  g_autofree char *written_secret = NULL;
  g_autofree char *brief_secret = NULL;
  g_autofree char *authorization = g_strconcat ("Bearer ", fixture->token, NULL);
  const char *headers[] = { "Authorization", authorization, NULL };
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GhTestResponse) response = NULL;
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(Client) client = NULL;
  g_autoptr(Client) other = NULL;
  Sse *sse;

  doomed = gh_admin_tokens_create (tokens, "doomed", 0, "test", &doomed_secret, &error);
  g_assert_no_error (error);
  client = client_open (fixture, "", doomed_secret);
  other = client_open (fixture, "", fixture->token);
  g_assert_true (client->connected && other->connected);
  client_wait_ready (client);
  client_wait_ready (other);

  path = g_strconcat ("/admin/v1/admin-tokens/", doomed->id, NULL);
  response = gh_test_server_request (TS, TS->session, "DELETE", path, headers, NULL, NULL);
  g_assert_cmpuint (response->status, ==, 204);
  g_assert_true (gh_test_wait_until (client_closed, client, 5000));
  g_assert_cmpint (soup_websocket_connection_get_close_code (client->conn), ==,
                   GH_ADMIN_EVENTS_CLOSE_UNAUTHORIZED);
  g_assert_cmpstr (soup_websocket_connection_get_close_data (client->conn), ==,
                   "The admin token was revoked");
  /* The other token's stream is still there, and still told */
  run_for (300);
  g_assert_false (other->closed);
  record (fixture, "user.created", "after");
  client_wait (other, 2);
  g_assert_cmpstr (json_object_get_string_member (message_event (other, 0), "type"), ==,
                   "admin.token_revoked");
  g_assert_cmpstr (event_marker (message_event (other, 1)), ==, "after");
  /* The revoked one saw its own revocation commit, and nothing after */
  g_assert_cmpuint (client->messages->len, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (message_event (client, 0), "type"), ==,
                   "admin.token_revoked");

  /* Revoked behind the server's back, as `gatehouse-server admin-token revoke` does: seen
   * at the next keepalive (every 100 ms from now on; the streams above had 30 s) */
  gh_admin_events_set_limits (TS->server, 0, 0, 100, 0);
  written = gh_admin_tokens_create (tokens, "written", 0, "test", &written_secret, &error);
  g_assert_no_error (error);
  g_clear_pointer (&client, client_free);
  client = client_open (fixture, "", written_secret);
  client_wait_ready (client);
  stmt = gh_store_prepare (store, "UPDATE admin_tokens SET revoked_at = 1 WHERE id = ?", &error);
  g_assert_no_error (error);
  gh_stmt_bind_text (stmt, 1, written->id);
  g_assert_true (gh_store_step (store, stmt, NULL, &error));
  g_assert_true (gh_test_wait_until (client_closed, client, 5000));
  g_assert_cmpint (soup_websocket_connection_get_close_code (client->conn), ==,
                   GH_ADMIN_EVENTS_CLOSE_UNAUTHORIZED);

  /* Expired while an SSE stream was open */
  brief = gh_admin_tokens_create (tokens, "brief", 1, "test", &brief_secret, &error);
  g_assert_no_error (error);
  g_free (fixture->token);
  fixture->token = g_steal_pointer (&brief_secret);
  sse = sse_start (fixture, "", NULL);
  text = sse_finish (sse);
  g_assert_nonnull (strstr (text, "event: ready"));
  g_assert_true (g_str_has_suffix (text, ": closed: The admin token expired\n\n"));
}

/* Over TLS: both kinds of stream are taken from libsoup as TLS connections and work the
 * same. */
static void
test_tls (Fixture       *fixture,
          gconstpointer  data)
{
  g_autoptr(GhTestCertificates) certificates = gh_test_certificates_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) database = g_tls_file_database_new (certificates->ca_path, &error);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(Client) client = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autofree char *base = NULL;
  g_autofree char *text = NULL;
  SoupSession *plain = TS->session;

  g_assert_no_error (error);
  soup_session_set_tls_database (session, database);
  gh_server_stop (TS->server);
  g_assert_true (gh_server_listen (TS->server, "127.0.0.1:0", certificates->localhost, &error));
  g_assert_no_error (error);
  base = g_strdup_printf ("https://localhost:%u", gh_server_get_port (TS->server));
  TS->session = session;
  TS->issuer = base;

  record (fixture, "user.created", "stored");
  client = client_open (fixture, "?after=0&type_prefix=user.", fixture->token);
  g_assert_no_error (client->error);
  g_assert_true (client->connected);
  client_wait (client, 1);
  record (fixture, "user.created", "live");
  client_wait (client, 2);
  g_assert_cmpstr (event_marker (message_event (client, 0)), ==, "stored");
  g_assert_cmpstr (event_marker (message_event (client, 1)), ==, "live");

  text = sse_finish (sse_start (fixture, "?after=0&type_prefix=user.&limit=2", NULL));
  events = sse_parse (text);
  g_assert_cmpuint (events->len, ==, 2);
  g_assert_cmpstr (event_marker (events->pdata[1]), ==, "live");

  g_clear_pointer (&client, client_free);
  TS->session = plain;
  TS->issuer = gh_server_get_issuer_base (TS->server);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) \
  g_test_add ("/admin-events/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("needs-a-token", test_needs_a_token);
  ADD ("bad-requests", test_bad_requests);
  ADD ("oauth-flow", test_oauth_flow);
  ADD ("resume", test_resume);
  ADD ("after-commit", test_after_commit);
  ADD ("slow-consumer", test_slow_consumer);
  ADD ("server-sent-events", test_server_sent_events);
  ADD ("tls", test_tls);
  ADD ("token-revoked", test_token_revoked);
#undef ADD

  return g_test_run ();
}
