/* test-http-limits.c — what a hostile or slow client meets: body framing, connection caps,
 * timeouts, oversized heads, and a listener that keeps accepting once descriptors run out
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include "gh-test-process.h"
#include "gh-test-tls.h"
#include "gh-test-util.h"

/* Raw sockets: these requests are what no HTTP library would send. The server under test
 * runs on this thread's main context, so nothing here blocks. */

static GSocket *
raw_connect (guint16 port)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autoptr(GError) error = NULL;
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                  G_SOCKET_PROTOCOL_TCP, &error);

  g_assert_no_error (error);
  /* The kernel completes the handshake into the listen backlog: no need for the server. */
  g_socket_connect (socket, address, NULL, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (socket, FALSE);
  return socket;
}

static void
spin (guint ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (1000);
    }
}

/* Sends all of @length bytes; FALSE when the connection broke (or @timeout_ms passed) first. */
static gboolean
raw_send (GSocket    *socket,
          const char *data,
          gsize       length,
          guint       timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (length > 0)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send (socket, data, length, NULL, &error);

      if (n > 0)
        {
          data += n;
          length -= (gsize) n;
          continue;
        }
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK) ||
          g_get_monotonic_time () > deadline)
        return FALSE;
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (1000);
    }
  return TRUE;
}

/* What arrives within @timeout_ms, stopping early when the server closes (*@closed). */
static char *
raw_read (GSocket  *socket,
          guint     timeout_ms,
          gboolean *closed)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  GString *out = g_string_new (NULL);

  *closed = FALSE;
  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GError) error = NULL;
      char buffer[4096];
      gssize n;

      while (g_main_context_iteration (NULL, FALSE))
        ;
      n = g_socket_receive (socket, buffer, sizeof buffer, NULL, &error);
      if (n > 0)
        g_string_append_len (out, buffer, n);
      else if (n == 0 || !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          *closed = TRUE;
          break;
        }
      else
        g_usleep (1000);
    }
  return g_string_free (out, FALSE);
}

static void
assert_status (const char *response,
               guint       status)
{
  g_autofree char *line = g_strdup_printf ("HTTP/1.1 %u ", status);

  if (!g_str_has_prefix (response, line))
    g_error ("Expected %s…, got “%.200s”", line, response);
}

/* Content-Length -1 (libsoup's signed -1: "read to the end") or past 2^64 once let a body of
 * any size in. Each is refused at once, before the body, and the connection is closed. */
static void
test_content_length (GhTestServer  *fixture,
                     gconstpointer  data)
{
  static const struct {
    const char *header;
    guint status;
    gboolean libsoup;  /* refused by libsoup itself: no JSON body */
  } rows[] = {
    { "Content-Length: -1", 400 },
    { "Content-Length: 18446744073709551616", 413 },
    { "Content-Length: 18446744073709551615", 413 },
    { "Content-Length: +12", 400 },
    { "Content-Length: 0x10", 400, TRUE },
    { "Content-Length: 12\r\nContent-Length: 13", 400 },
    { "Content-Length: 65537", 413 },
    { "Transfer-Encoding: chunked", 411 },
    { "Transfer-Encoding: gzip, chunked", 501, TRUE },
  };
  guint16 port = gh_server_get_port (fixture->server);
  gsize megabyte = 1024 * 1024;
  g_autofree char *filler = g_malloc0 (megabyte);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GSocket) socket = raw_connect (port);
      g_autofree char *head = g_strdup_printf ("POST /token HTTP/1.1\r\n"
                                               "Host: 127.0.0.1\r\n"
                                               "Content-Type: application/x-www-form-urlencoded\r\n"
                                               "%s\r\n\r\n", rows[i].header);
      g_autofree char *response = NULL;
      gboolean closed;
      gboolean sent_all = TRUE;

      g_test_message ("%s", rows[i].header);
      g_assert_true (raw_send (socket, head, strlen (head), 2000));
      /* The answer comes without waiting for the body. */
      response = raw_read (socket, 1500, &closed);
      assert_status (response, rows[i].status);
      if (!rows[i].libsoup)
        g_assert_nonnull (strstr (response, "\"error\""));
      /* Nobody reads the 10 MiB after it (at most 1 MiB is drained, for clients that read the
       * answer only once they sent everything). */
      for (guint m = 0; m < 10 && sent_all; m++)
        sent_all = raw_send (socket, filler, megabyte, 3000);
      g_assert_false (sent_all);
    }
}

/* A body that stays within its Content-Length still works on the same server. */
static void
test_content_length_valid (GhTestServer  *fixture,
                           gconstpointer  data)
{
  g_autoptr(GSocket) socket = raw_connect (gh_server_get_port (fixture->server));
  const char *request = "POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        "Content-Type: application/x-www-form-urlencoded\r\n"
                        "Content-Length: 020\r\nConnection: close\r\n\r\n"
                        "grant_type=password";
  g_autofree char *response = NULL;
  gboolean closed;

  /* 20 bytes announced (a leading zero is still a number), 19 sent and one more. */
  g_assert_true (raw_send (socket, request, strlen (request), 2000));
  g_assert_true (raw_send (socket, "&", 1, 2000));
  response = raw_read (socket, 5000, &closed);
  /* Not a framing error: the token endpoint's own answer (it wants a client). */
  assert_status (response, 401);
  g_assert_nonnull (strstr (response, "invalid_client"));
}

static void
set_limits (GhTestServer *fixture,
            guint         per_address,
            guint         seconds)
{
  GhServerLimits limits = { 0 };

  limits.max_connections_per_address = per_address;
  limits.idle_timeout = seconds;
  limits.head_timeout = seconds;
  limits.body_timeout = seconds;
  gh_server_set_limits (fixture->server, &limits);
}

/* An idle connection (never used, or kept alive after a response) is closed, silently. */
static void
test_idle_timeout (GhTestServer  *fixture,
                   gconstpointer  data)
{
  guint16 port = gh_server_get_port (fixture->server);
  g_autoptr(GSocket) fresh = NULL;
  g_autoptr(GSocket) kept = NULL;
  g_autofree char *nothing = NULL;
  g_autofree char *response = NULL;
  const char *request = "GET /jwks HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  gboolean closed;
  gint64 start;

  set_limits (fixture, 0, 1);
  fresh = raw_connect (port);
  start = g_get_monotonic_time ();
  nothing = raw_read (fresh, 5000, &closed);
  g_assert_true (closed);
  g_assert_cmpstr (nothing, ==, "");
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 900 * 1000);

  kept = raw_connect (port);
  g_assert_true (raw_send (kept, request, strlen (request), 2000));
  response = raw_read (kept, 5000, &closed);
  assert_status (response, 200);
  /* One response, then the close: no 408 for a request that never started. */
  g_assert_true (closed);
  g_assert_null (strstr (response, "408"));
}

/* A request head trickled a byte at a time, or a body that stops, gets 408 and a close. */
static void
test_slow_request (GhTestServer  *fixture,
                   gconstpointer  data)
{
  static const char * const starts[] = {
    "GET /jwks HTTP/1.1\r\nHost: 127.0.0.1\r\n",
    "POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
    "grant_type=",
  };
  guint16 port = gh_server_get_port (fixture->server);

  set_limits (fixture, 0, 1);
  for (guint i = 0; i < G_N_ELEMENTS (starts); i++)
    {
      g_autoptr(GSocket) socket = raw_connect (port);
      g_autoptr(GString) response = g_string_new (NULL);
      gboolean closed = FALSE;
      gint64 start = g_get_monotonic_time ();

      g_assert_true (raw_send (socket, starts[i], strlen (starts[i]), 2000));
      /* Bytes keep coming, just too slowly. */
      while (!closed && g_get_monotonic_time () - start < 6 * G_USEC_PER_SEC)
        {
          g_autofree char *part = raw_read (socket, 200, &closed);

          g_string_append (response, part);
          if (!closed)
            raw_send (socket, i == 0 ? "X" : "a", 1, 200);
        }
      g_assert_true (closed);
      assert_status (response->str, 408);
      g_assert_nonnull (strstr (response->str, "Connection: close"));
      g_assert_cmpint (g_get_monotonic_time () - start, <, 4 * G_USEC_PER_SEC);
    }
}

/* A slow but honest client, well within its deadlines, is served on a kept-alive connection. */
static void
test_slow_but_in_time (GhTestServer  *fixture,
                       gconstpointer  data)
{
  g_autoptr(GSocket) socket = raw_connect (gh_server_get_port (fixture->server));
  const char *request = "GET /jwks HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  gboolean closed;

  set_limits (fixture, 0, 3);
  for (guint round = 0; round < 2; round++)
    {
      g_autofree char *response = NULL;

      spin (1000);
      for (gsize offset = 0; offset < strlen (request); offset += 8)
        {
          g_assert_true (raw_send (socket, request + offset, MIN (8, strlen (request + offset)),
                                   2000));
          spin (50);
        }
      response = raw_read (socket, 500, &closed);
      assert_status (response, 200);
      g_assert_false (closed);
    }
}

/* Past the per-address cap, a connection gets 503 and is closed at once; a slot freed is
 * usable again. */
static void
test_per_address_cap (GhTestServer  *fixture,
                      gconstpointer  data)
{
  guint16 port = gh_server_get_port (fixture->server);
  GSocket *held[3];
  g_autoptr(GSocket) extra = NULL;
  g_autoptr(GhTestResponse) response = NULL;
  g_autofree char *refusal = NULL;
  gboolean closed;

  set_limits (fixture, 3, 0);
  for (guint i = 0; i < G_N_ELEMENTS (held); i++)
    held[i] = raw_connect (port);
  spin (200);
  extra = raw_connect (port);
  refusal = raw_read (extra, 3000, &closed);
  g_assert_true (closed);
  assert_status (refusal, 503);
  g_assert_nonnull (strstr (refusal, "temporarily_unavailable"));

  g_object_unref (held[0]);
  spin (200);
  response = gh_test_server_request (fixture, fixture->session, "GET", "/jwks", NULL, NULL, NULL);
  g_assert_cmpuint (response->status, ==, 200);
  for (guint i = 1; i < G_N_ELEMENTS (held); i++)
    g_object_unref (held[i]);
}

/* A request refused early (413) is answered on a connection taken from libsoup, which then
 * reads (and throws away) what the client still sends, for a while. All that time the
 * connection is open: it keeps its slot under the caps, and it is closed in bounded time
 * however the client goes on. */
static void
test_refusal_keeps_slot (GhTestServer  *fixture,
                         gconstpointer  data)
{
  guint16 port = gh_server_get_port (fixture->server);
  const char *refused = "POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        "Content-Type: application/x-www-form-urlencoded\r\n"
                        "Content-Length: 999999999\r\n\r\n";
  g_autoptr(GSocket) sender = raw_connect (port);
  g_autoptr(GSocket) second = NULL;
  g_autoptr(GSocket) third = NULL;
  g_autoptr(GSocket) later = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *refusal = NULL;
  g_autofree char *nothing = NULL;
  gboolean closed;
  gint64 start;

  set_limits (fixture, 2, 1);
  g_assert_true (raw_send (sender, refused, strlen (refused), 2000));
  answer = raw_read (sender, 300, &closed);
  assert_status (answer, 413);
  g_assert_false (closed);

  /* The refused connection still counts: one more gets in, the next is refused. */
  second = raw_connect (port);
  spin (100);
  third = raw_connect (port);
  refusal = raw_read (third, 300, &closed);
  g_assert_true (closed);
  assert_status (refusal, 503);

  /* A client that keeps sending its body is cut off all the same. */
  start = g_get_monotonic_time ();
  closed = FALSE;
  while (!closed && g_get_monotonic_time () - start < 10 * G_USEC_PER_SEC)
    {
      g_autofree char *more = NULL;

      raw_send (sender, "a", 1, 100);
      more = raw_read (sender, 100, &closed);
    }
  g_assert_true (closed);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 8 * G_USEC_PER_SEC);

  /* Both slots are free again (@second met its idle timeout long ago). */
  g_clear_object (&second);
  spin (200);
  later = raw_connect (port);
  third = raw_connect (port);
  spin (200);
  nothing = raw_read (third, 10, &closed);
  g_assert_false (closed);
  g_assert_cmpstr (nothing, ==, "");
}

/* 414 and 431 rather than a closed connection (up to libsoup's own 100 KiB head limit). */
static void
test_oversized_head (GhTestServer  *fixture,
                     gconstpointer  data)
{
  g_autofree char *long_value = g_strnfill (9 * 1024, 'a');
  g_autofree char *big_value = g_strnfill (20 * 1024, 'b');
  g_autofree char *path = g_strconcat ("/authorize?state=", long_value, NULL);
  g_autoptr(GhTestResponse) uri = NULL;
  g_autoptr(GhTestResponse) headers = NULL;
  g_autoptr(GhTestResponse) fine = NULL;
  g_autofree char *text = NULL;

  uri = gh_test_server_request (fixture, fixture->session, "GET", path, NULL, NULL, NULL);
  g_assert_cmpuint (uri->status, ==, 414);
  text = gh_test_response_text (uri);
  g_assert_nonnull (strstr (text, "8 KiB"));

  headers = gh_test_server_request (fixture, fixture->session, "GET", "/jwks",
                                    GH_TEST_PAIRS ("X-One", big_value, "X-Two", big_value),
                                    NULL, NULL);
  g_assert_cmpuint (headers->status, ==, 431);

  /* 20 KiB of headers is still fine. */
  fine = gh_test_server_request (fixture, fixture->session, "GET", "/jwks",
                                 GH_TEST_PAIRS ("X-One", big_value), NULL, NULL);
  g_assert_cmpuint (fine->status, ==, 200);
}

/* The Server header names the product, no version. */
static void
test_server_header (GhTestServer  *fixture,
                    gconstpointer  data)
{
  g_autoptr(GhTestResponse) response = gh_test_server_request (fixture, fixture->session, "GET",
                                                               "/jwks", NULL, NULL, NULL);

  g_assert_cmpstr (gh_test_response_header (response, "Server"), ==, "Gatehouse");
}

/* gatehouse-server under a low descriptor limit, with more connections than it can hold. */

typedef struct
{
  GSubprocess *process;
  GDataInputStream *output;
  char *dir;
  guint16 port;
} Served;

static void
served_start (Served     *served,
              const char *limit,
              const char *option,
              const char *option2,
              const char *option3)
{
  const char *server = g_getenv ("GATEHOUSE_SERVER");
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *command = NULL;
  g_autofree char *line = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;

  served->dir = gh_test_make_tmp_dir ("limits");
  data_dir = g_strconcat ("--data-dir=", served->dir, NULL);
  command = g_strdup_printf ("ulimit -n %s && exec \"$0\" \"$@\"", limit);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_child_setup (launcher, gh_test_die_with_parent, NULL, NULL);
  served->process = g_subprocess_launcher_spawn (launcher, &error, "/bin/sh", "-c", command,
                                                 server, "serve", "--dev",
                                                 "--listen=127.0.0.1:0", "--secrets=file",
                                                 data_dir, option, option2, option3, NULL);
  g_assert_no_error (error);
  served->output = g_data_input_stream_new (g_subprocess_get_stdout_pipe (served->process));
  while ((line = g_data_input_stream_read_line_utf8 (served->output, NULL, NULL, &error)))
    {
      const char *colon;

      g_test_message ("server: %s", line);
      if (g_str_has_prefix (line, "listening on http://127.0.0.1:") ||
          g_str_has_prefix (line, "listening on https://127.0.0.1:"))
        {
          colon = strrchr (line, ':');
          served->port = (guint16) g_ascii_strtoull (colon + 1, NULL, 10);
          break;
        }
      g_clear_pointer (&line, g_free);
    }
  g_assert_no_error (error);
  g_assert_cmpuint (served->port, !=, 0);
}

/* Stops the server; returns everything it printed after starting. */
static char *
served_stop (Served *served)
{
  g_autoptr(GString) rest = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  char *line;

  g_subprocess_send_signal (served->process, SIGTERM);
  while ((line = g_data_input_stream_read_line_utf8 (served->output, NULL, NULL, &error)))
    {
      g_test_message ("server: %s", line);
      g_string_append_printf (rest, "%s\n", line);
      g_free (line);
    }
  g_subprocess_wait (served->process, NULL, NULL);
  g_clear_object (&served->output);
  g_clear_object (&served->process);
  gh_test_remove_tree (served->dir);
  g_clear_pointer (&served->dir, g_free);
  return g_string_free (g_steal_pointer (&rest), FALSE);
}

/* One request on a fresh connection: the response's first line, or "" when none came. */
static char *
fetch_status_line (guint16 port)
{
  g_autoptr(GSocket) socket = raw_connect (port);
  const char *request = "GET /jwks HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  g_autofree char *response = NULL;
  gboolean closed;
  const char *end;

  if (!raw_send (socket, request, strlen (request), 2000))
    return g_strdup ("");
  response = raw_read (socket, 5000, &closed);
  end = strstr (response, "\r\n");
  return end != NULL ? g_strndup (response, end - response) : g_strdup ("");
}

/* Opens @n connections, keeping them; how many the server refused (503 or closed). The
 * server answers the refused ones as it accepts them, which takes a while under load (a
 * sanitized server on a busy machine), so this waits up to 10 s for @expected refusals, then
 * half a second more so that a server refusing too many is seen doing it. */
static guint
open_many (guint16    port,
           GSocket  **sockets,
           guint      n,
           guint      expected)
{
  g_autofree gboolean *answered = g_new0 (gboolean, n);
  guint refused = 0;
  gint64 deadline;
  gint64 settle = 0;

  for (guint i = 0; i < n; i++)
    sockets[i] = raw_connect (port);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  for (;;)
    {
      gint64 now;

      g_usleep (50 * 1000);
      for (guint i = 0; i < n; i++)
        {
          char buffer[64];

          if (!answered[i] && g_socket_receive (sockets[i], buffer, sizeof buffer, NULL, NULL) >= 0)
            {
              answered[i] = TRUE;
              refused++;
            }
        }
      now = g_get_monotonic_time ();
      if (refused >= expected && settle == 0)
        settle = now + G_USEC_PER_SEC / 2;
      if ((settle != 0 && now >= settle) || now >= deadline)
        return refused;
    }
}

static void
close_many (GSocket **sockets,
            guint     n)
{
  for (guint i = 0; i < n; i++)
    g_clear_object (&sockets[i]);
}

/* Under a 64-descriptor limit, the cap stays below it: the excess is refused at once, and
 * once the idle connections go, requests are served again. */
static void
test_cap_below_fd_limit (void)
{
  Served served = { 0 };
  GSocket *sockets[80];
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *log = NULL;
  guint refused;

  served_start (&served, "64", "--max-connections-per-address=1000", NULL, NULL);
  before = fetch_status_line (served.port);
  g_assert_cmpstr (before, ==, "HTTP/1.1 200 OK");
  refused = open_many (served.port, sockets, G_N_ELEMENTS (sockets),
                       G_N_ELEMENTS (sockets) - 48);
  g_test_message ("%u of %zu refused", refused, G_N_ELEMENTS (sockets));
  g_assert_cmpuint (refused, >=, G_N_ELEMENTS (sockets) - 48);
  g_assert_cmpuint (refused, <, G_N_ELEMENTS (sockets));
  close_many (sockets, G_N_ELEMENTS (sockets));
  g_usleep (300 * 1000);
  after = fetch_status_line (served.port);
  g_assert_cmpstr (after, ==, "HTTP/1.1 200 OK");
  log = served_stop (&served);
  g_assert_nonnull (strstr (log, "Refusing connections"));
}

/* With a cap above the descriptor limit, accept() fails (EMFILE): the listener must come
 * back once descriptors are free again, and say what happened once. */
static void
test_accept_failure (void)
{
  Served served = { 0 };
  GSocket *sockets[100];
  g_autofree char *after = NULL;
  g_autofree char *log = NULL;
  gint64 start;

  served_start (&served, "40", "--max-connections=1000", NULL, NULL);
  open_many (served.port, sockets, G_N_ELEMENTS (sockets), 0);
  close_many (sockets, G_N_ELEMENTS (sockets));
  start = g_get_monotonic_time ();
  do
    {
      g_clear_pointer (&after, g_free);
      after = fetch_status_line (served.port);
    }
  while (!g_str_equal (after, "HTTP/1.1 200 OK") &&
         g_get_monotonic_time () - start < 10 * G_USEC_PER_SEC);
  g_assert_cmpstr (after, ==, "HTTP/1.1 200 OK");
  log = served_stop (&served);
  g_assert_nonnull (strstr (log, "stopped accepting connections"));
}

static gboolean
accept_any_certificate (GTlsConnection       *connection,
                        GTlsCertificate      *certificate,
                        GTlsCertificateFlags  errors,
                        gpointer              data)
{
  return TRUE;
}

static void
client_event (GSocketClient      *client,
              GSocketClientEvent  event,
              GSocketConnectable *connectable,
              GIOStream          *connection,
              gpointer            data)
{
  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING)
    g_signal_connect (connection, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
}

/* A TLS connection to @port (blocking: the server is another process). */
static GIOStream *
tls_connect (guint16 port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  g_socket_client_set_tls (client, TRUE);
  g_socket_client_set_timeout (client, 5);
  g_signal_connect (client, "event", G_CALLBACK (client_event), NULL);
  connection = g_socket_client_connect_to_host (client, "localhost", port, NULL, &error);
  g_assert_no_error (error);
  return G_IO_STREAM (connection);
}

/* One JSON answer: until its body's closing brace, or the server closes. */
static char *
tls_read_answer (GIOStream *stream)
{
  GString *out = g_string_new (NULL);
  GInputStream *input = g_io_stream_get_input_stream (stream);

  while (strstr (out->str, "\r\n\r\n") == NULL || !g_str_has_suffix (out->str, "}"))
    {
      char buffer[4096];
      gssize n = g_input_stream_read (input, buffer, sizeof buffer, NULL, NULL);

      if (n <= 0)
        break;
      g_string_append_len (out, buffer, n);
    }
  return g_string_free (out, FALSE);
}

/* Over TLS too: no body read for Content-Length -1, and 408 for a request that stalls. */
static void
test_tls (void)
{
  g_autoptr(GhTestCertificates) certificates = gh_test_certificates_new ();
  g_autofree char *cert_pem = NULL;
  g_autofree char *key_pem = NULL;
  g_autofree char *cert_path = g_build_filename (certificates->dir, "localhost.pem", NULL);
  g_autofree char *key_path = g_build_filename (certificates->dir, "localhost-key.pem", NULL);
  g_autofree char *cert_arg = g_strconcat ("--tls-cert=", cert_path, NULL);
  g_autofree char *key_arg = g_strconcat ("--tls-key=", key_path, NULL);
  g_autofree char *log = NULL;
  Served served = { 0 };
  const char *requests[] = {
    "POST /token HTTP/1.1\r\nHost: localhost\r\nContent-Length: -1\r\n\r\n",
    "GET /jwks HTTP/1.1\r\nHost: localhost\r\nX-Slow: ",
  };
  const char *expected[] = { "HTTP/1.1 400 ", "HTTP/1.1 408 " };

  g_object_get (certificates->localhost, "certificate-pem", &cert_pem, "private-key-pem",
                &key_pem, NULL);
  g_assert_true (g_file_set_contents (cert_path, cert_pem, -1, NULL));
  g_assert_true (g_file_set_contents (key_path, key_pem, -1, NULL));
  served_start (&served, "1024", cert_arg, key_arg, "--head-timeout=1");
  for (guint i = 0; i < G_N_ELEMENTS (requests); i++)
    {
      g_autoptr(GIOStream) stream = tls_connect (served.port);
      g_autoptr(GError) error = NULL;
      g_autofree char *response = NULL;
      gint64 start = g_get_monotonic_time ();

      g_output_stream_write_all (g_io_stream_get_output_stream (stream), requests[i],
                                 strlen (requests[i]), NULL, NULL, &error);
      g_assert_no_error (error);
      response = tls_read_answer (stream);
      g_test_message ("TLS %u: %.60s", i, response);
      g_assert_true (g_str_has_prefix (response, expected[i]));
      g_assert_cmpint (g_get_monotonic_time () - start, <, 4 * G_USEC_PER_SEC);
    }
  log = served_stop (&served);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/server/http-limits/" path, GhTestServer, NULL, gh_test_server_setup, func, \
              gh_test_server_teardown)
  ADD ("content-length", test_content_length);
  ADD ("content-length-valid", test_content_length_valid);
  ADD ("idle-timeout", test_idle_timeout);
  ADD ("slow-request", test_slow_request);
  ADD ("slow-but-in-time", test_slow_but_in_time);
  ADD ("per-address-cap", test_per_address_cap);
  ADD ("refusal-keeps-slot", test_refusal_keeps_slot);
  ADD ("oversized-head", test_oversized_head);
  ADD ("server-header", test_server_header);
#undef ADD
  if (g_getenv ("GATEHOUSE_SERVER") != NULL)
    {
      g_test_add_func ("/server/http-limits/cap-below-fd-limit", test_cap_below_fd_limit);
      g_test_add_func ("/server/http-limits/accept-failure", test_accept_failure);
      g_test_add_func ("/server/http-limits/tls", test_tls);
    }

  return g_test_run ();
}
