/* gh-test-process.c — a real gatehouse-server process, raw HTTP to it, strict JSON
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gh-test-process.h"

const char *
gh_test_server_binary (void)
{
  const char *path = g_getenv ("GATEHOUSE_SERVER");

  g_assert_nonnull (path);
  return path;
}

int
gh_test_run_cli (const char         *binary,
                 const char         *dir,
                 const char * const *args,
                 char              **out)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;

  g_ptr_array_add (argv, g_strdup (binary));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, g_strconcat ("--data-dir=", dir, NULL));
  g_ptr_array_add (argv, g_strdup ("--secrets=file"));
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &stdout_text, &stderr_text, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    g_test_message ("$ gatehouse-server %s %s\n%s%s", args[0], args[1] ? args[1] : "",
                    stdout_text, stderr_text);
  if (out != NULL)
    *out = g_steal_pointer (&stdout_text);
  return g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
}

void
gh_test_die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

GhTestProcess *
gh_test_process_start (const char *binary,
                       const char *dir,
                       const char *name)
{
  return gh_test_process_start_with_env (binary, dir, name, NULL);
}

static GhTestProcess *start_process (const char         *binary,
                                     const char         *dir,
                                     const char         *name,
                                     const char * const *environment,
                                     const char         *listen);

GhTestProcess *
gh_test_process_start_with_env (const char         *binary,
                                const char         *dir,
                                const char         *name,
                                const char * const *environment)
{
  return start_process (binary, dir, name, environment, "127.0.0.1:0");
}

GhTestProcess *
gh_test_process_start_on (const char *binary,
                          const char *dir,
                          const char *name,
                          guint16     port)
{
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", port);

  return start_process (binary, dir, name, NULL, listen);
}

static GhTestProcess *
start_process (const char         *binary,
               const char         *dir,
               const char         *name,
               const char * const *environment,
               const char         *listen)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autofree char *data_dir_arg = g_strconcat ("--data-dir=", dir, NULL);
  g_autofree char *err_name = g_strconcat (name, ".stderr", NULL);
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  GhTestProcess *self = g_new0 (GhTestProcess, 1);
  const char *port;

  /* Beside the data directory, never in it. */
  self->err_path = g_build_filename (dir, "..", err_name, NULL);
  g_subprocess_launcher_set_stderr_file_path (launcher, self->err_path);
  g_subprocess_launcher_set_child_setup (launcher, gh_test_die_with_parent, NULL, NULL);
  for (guint i = 0; environment != NULL && environment[i] != NULL; i++)
    {
      g_auto(GStrv) pair = g_strsplit (environment[i], "=", 2);

      g_subprocess_launcher_setenv (launcher, pair[0], pair[1], TRUE);
    }
  self->process = g_subprocess_launcher_spawn (launcher, &error, binary, "serve", "--listen",
                                               listen, data_dir_arg, "--secrets=file", NULL);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));
  line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  if (line == NULL || !g_str_has_prefix (line, "listening on http://127.0.0.1:"))
    {
      g_autofree char *err = gh_test_process_stderr (self);
      g_error ("%s did not start: %s\n%s", binary, line ? line : "(no output)", err);
    }
  self->base = g_strdup (line + strlen ("listening on "));
  port = strrchr (self->base, ':') + 1;
  self->port = (guint16) g_ascii_strtoull (port, NULL, 10);
  g_assert_cmpuint (self->port, !=, 0);
  return self;
}

char *
gh_test_process_stderr (GhTestProcess *self)
{
  char *text = NULL;

  if (!g_file_get_contents (self->err_path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

static void
process_free (GhTestProcess *self)
{
  g_clear_object (&self->process);
  g_free (self->base);
  g_free (self->err_path);
  g_free (self);
}

int
gh_test_process_stop (GhTestProcess  *self,
                      char          **err)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_subprocess_send_signal (self->process, SIGTERM);
  g_subprocess_wait (self->process, NULL, &error);
  g_assert_no_error (error);
  status = g_subprocess_get_status (self->process);
  if (err != NULL)
    *err = gh_test_process_stderr (self);
  process_free (self);
  return status;
}

void
gh_test_process_stop_clean (GhTestProcess *self)
{
  g_autofree char *err = NULL;
  int status = gh_test_process_stop (self, &err);

  if (status != 0)
    g_error ("gatehouse-server did not stop cleanly (wait status %d); its stderr:\n%s",
             status, err);
}

void
gh_test_process_kill (GhTestProcess *self)
{
  g_subprocess_force_exit (self->process);
  g_subprocess_wait (self->process, NULL, NULL);
  process_free (self);
}

void
gh_raw_response_free (GhRawResponse *response)
{
  if (response == NULL)
    return;
  g_free (response->head);
  g_clear_pointer (&response->body, g_bytes_unref);
  g_free (response);
}

char *
gh_raw_response_header (GhRawResponse *response,
                        const char    *name)
{
  g_auto(GStrv) lines = NULL;

  if (response->head == NULL)
    return NULL;
  lines = g_strsplit (response->head, "\r\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      const char *colon = strchr (lines[i], ':');

      if (colon != NULL && (gsize) (colon - lines[i]) == strlen (name) &&
          g_ascii_strncasecmp (lines[i], name, strlen (name)) == 0)
        return g_strstrip (g_strdup (colon + 1));
    }
  return NULL;
}

/* The chunked body at @data, decoded; NULL when it is not well formed. */
static GBytes *
dechunk (const char *data,
         gsize       length)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize at = 0;

  for (;;)
    {
      const char *eol = g_strstr_len (data + at, length - at, "\r\n");
      guint64 size;
      char *end;

      if (eol == NULL)
        return NULL;
      size = g_ascii_strtoull (data + at, &end, 16);
      if (end == data + at)
        return NULL;
      at = eol - data + 2;
      if (size == 0)
        break;
      if (size > length - at)
        return NULL;
      g_byte_array_append (out, (const guint8 *) data + at, size);
      at += size + 2;
      if (at > length)
        return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* Where the final answer starts in @data: after any 1xx interim answer (100 Continue). */
static gsize
skip_interim (const char *data,
              gsize       length)
{
  gsize at = 0;

  while (length - at > 12 && g_str_has_prefix (data + at, "HTTP/1.1 1"))
    {
      const char *end = g_strstr_len (data + at, length - at, "\r\n\r\n");

      if (end == NULL)
        break;
      at = end + 4 - data;
    }
  return at;
}

/* Whether @in holds a whole answer (the head, and the body its framing announces). */
static gboolean
answer_complete (GByteArray *in,
                 gboolean    head_only)
{
  gsize at = skip_interim ((const char *) in->data, in->len);
  g_autofree char *text = g_strndup ((const char *) in->data + at, in->len - at);
  const char *end = strstr (text, "\r\n\r\n");
  g_autofree char *head = NULL;
  g_autofree char *lower = NULL;
  const char *length;
  guint status;

  if (end == NULL || in->len - at < 12 || !g_str_has_prefix (text, "HTTP/1.1 "))
    return FALSE;
  status = (guint) g_ascii_strtoull (text + 9, NULL, 10);
  if (status < 200)
    return FALSE;  /* the answer follows */
  if (head_only || status == 204 || status == 304)
    return TRUE;
  head = g_strndup (text, end - text);
  lower = g_ascii_strdown (head, -1);
  if (strstr (lower, "\r\ntransfer-encoding: chunked") != NULL)
    return g_str_has_suffix (text, "\r\n0\r\n\r\n");
  length = strstr (lower, "\r\ncontent-length:");
  if (length == NULL)
    return FALSE;  /* to the end of the stream */
  return in->len - at - (gsize) (end + 4 - text) >=
         g_ascii_strtoull (length + strlen ("\r\ncontent-length:"), NULL, 10);
}

GhRawResponse *
gh_test_raw_http (guint16     port,
                  const char *request,
                  gsize       length,
                  guint       timeout_ms)
{
  GhRawResponse *response = g_new0 (GhRawResponse, 1);
  g_autoptr(GByteArray) in = g_byte_array_new ();
  struct sockaddr_in address = { 0 };
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gsize sent = 0;
  gint64 half_close_at = G_MAXINT64;
  gboolean shut = FALSE;
  const char *end_of_head;
  const char *answer;
  gboolean head_only = g_str_has_prefix (request, "HEAD ");
  int fd;

  fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (fd, >=, 0);
  address.sin_family = AF_INET;
  address.sin_port = htons (port);
  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (connect (fd, (struct sockaddr *) &address, sizeof address) != 0)
    {
      close (fd);
      return response;
    }

  /* Write and read at once: a server may answer (and close) before it has read everything.
   * When everything is sent and no answer came in 250 ms, the writing half is shut: a server
   * still waiting for a body the request announced but did not hold sees its end. Not at
   * once: a server may take a half-closed connection for a client that left. */
  for (;;)
    {
      struct pollfd pfd = { fd, POLLIN | (sent < length ? POLLOUT : 0), 0 };
      gint64 now = g_get_monotonic_time ();
      gint64 left = (deadline - now) / 1000;
      int ready;

      if (left <= 0)
        {
          response->timed_out = TRUE;
          break;
        }
      if (sent == length && !shut)
        {
          if (now >= half_close_at)
            {
              shutdown (fd, SHUT_WR);
              shut = TRUE;
            }
          else
            left = MIN (left, (half_close_at - now) / 1000 + 1);
        }
      ready = poll (&pfd, 1, (int) left);
      if (ready < 0 && errno == EINTR)
        continue;
      if (ready <= 0)
        continue;
      if ((pfd.revents & POLLOUT) != 0)
        {
          ssize_t n = send (fd, request + sent, length - sent, MSG_NOSIGNAL);

          if (n < 0 && errno != EAGAIN && errno != EINTR)
            sent = length;  /* reset: read what came */
          else if (n > 0)
            sent += n;
          if (sent == length)
            half_close_at = g_get_monotonic_time () + G_USEC_PER_SEC / 4;
        }
      if ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) != 0)
        {
          guint8 buffer[16384];
          ssize_t n = recv (fd, buffer, sizeof buffer, 0);

          if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
          if (n <= 0)
            break;
          g_byte_array_append (in, buffer, n);
          if (answer_complete (in, head_only))
            break;  /* a server that keeps the connection open */
        }
    }
  close (fd);
  response->half_closed = shut;

  g_byte_array_append (in, (const guint8 *) "", 1);  /* a NUL after the data */
  answer = (const char *) in->data + skip_interim ((const char *) in->data, in->len - 1);
  end_of_head = strstr (answer, "\r\n\r\n");
  if (end_of_head != NULL && g_str_has_prefix (answer, "HTTP/1.1 ") &&
      g_ascii_isdigit (answer[9]))
    {
      const char *body = end_of_head + 4;
      gsize body_length = in->len - 1 - (body - (const char *) in->data);
      g_autofree char *encoding = NULL;
      g_autofree char *content_length = NULL;

      response->status = (guint) g_ascii_strtoull (answer + 9, NULL, 10);
      response->head = g_strndup (answer, end_of_head - answer);
      encoding = gh_raw_response_header (response, "Transfer-Encoding");
      content_length = gh_raw_response_header (response, "Content-Length");
      if (encoding != NULL && g_ascii_strcasecmp (encoding, "chunked") == 0)
        {
          response->body = dechunk (body, body_length);
          if (response->body == NULL && !head_only)
            response->status = 0;  /* cut short */
        }
      else if (content_length != NULL)
        {
          guint64 announced = g_ascii_strtoull (content_length, NULL, 10);

          if (body_length < announced && !head_only && response->status != 204 &&
              response->status != 304)
            response->status = 0;  /* cut short: not an answer */
          response->body = g_bytes_new (body, MIN (body_length, announced));
        }
      else
        response->body = g_bytes_new (body, body_length);
      if (response->body == NULL)
        response->body = g_bytes_new (body, body_length);
    }
  return response;
}

GhRawResponse *
gh_test_raw_post_form (guint16     port,
                       const char *path,
                       const char *body)
{
  g_autofree char *request = g_strdup_printf ("POST %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                                              "Content-Type: application/x-www-form-urlencoded\r\n"
                                              "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                                              path, port, strlen (body), body);

  return gh_test_raw_http (port, request, strlen (request), 10000);
}

/* A strict RFC 8259 reader that only says yes or no. */
typedef struct
{
  const char *p;
  const char *start;
  const char *end;
  const char *why;
} Json;

static gboolean json_value (Json *j, guint depth);

static void
json_skip_space (Json *j)
{
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
    j->p++;
}

static gboolean
json_fail (Json       *j,
           const char *why)
{
  if (j->why == NULL)
    j->why = why;
  return FALSE;
}

static gboolean
json_literal (Json       *j,
              const char *word)
{
  gsize n = strlen (word);

  if ((gsize) (j->end - j->p) < n || memcmp (j->p, word, n) != 0)
    return json_fail (j, "unexpected character");
  j->p += n;
  return TRUE;
}

static gboolean
json_string (Json *j)
{
  j->p++;  /* the opening quote */
  while (j->p < j->end)
    {
      guchar c = *j->p;

      if (c == '"')
        {
          j->p++;
          return TRUE;
        }
      if (c < 0x20)
        return json_fail (j, "a control character not escaped in a string");
      if (c == '\\')
        {
          j->p++;
          if (j->p >= j->end)
            break;
          if (*j->p == 'u')
            {
              for (guint i = 1; i <= 4; i++)
                if (j->p + i >= j->end || !g_ascii_isxdigit (j->p[i]))
                  return json_fail (j, "a bad \\u escape");
              j->p += 5;
              continue;
            }
          if (strchr ("\"\\/bfnrt", *j->p) == NULL || *j->p == '\0')
            return json_fail (j, "a bad escape");
        }
      j->p++;
    }
  return json_fail (j, "a string not closed");
}

static gboolean
json_digits (Json *j)
{
  const char *start = j->p;

  while (j->p < j->end && g_ascii_isdigit (*j->p))
    j->p++;
  return j->p > start || json_fail (j, "a bad number");
}

static gboolean
json_number (Json *j)
{
  if (*j->p == '-')
    j->p++;
  if (j->p < j->end && *j->p == '0')
    j->p++;
  else if (!json_digits (j))
    return FALSE;
  if (j->p < j->end && *j->p == '.')
    {
      j->p++;
      if (!json_digits (j))
        return FALSE;
    }
  if (j->p < j->end && (*j->p == 'e' || *j->p == 'E'))
    {
      j->p++;
      if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
        j->p++;
      if (!json_digits (j))
        return FALSE;
    }
  return TRUE;
}

static gboolean
json_container (Json *j,
                guint depth,
                char  close)
{
  j->p++;
  json_skip_space (j);
  if (j->p < j->end && *j->p == close)
    {
      j->p++;
      return TRUE;
    }
  for (;;)
    {
      if (close == '}')
        {
          if (j->p >= j->end || *j->p != '"')
            return json_fail (j, "a member name that is not a string");
          if (!json_string (j))
            return FALSE;
          json_skip_space (j);
          if (j->p >= j->end || *j->p != ':')
            return json_fail (j, "no colon after a member name");
          j->p++;
        }
      if (!json_value (j, depth + 1))
        return FALSE;
      json_skip_space (j);
      if (j->p < j->end && *j->p == ',')
        {
          j->p++;
          json_skip_space (j);
          continue;
        }
      if (j->p < j->end && *j->p == close)
        {
          j->p++;
          return TRUE;
        }
      return json_fail (j, "neither a comma nor the end of a container");
    }
}

static gboolean
json_value (Json *j,
            guint depth)
{
  if (depth > 256)
    return json_fail (j, "nested too deeply");
  json_skip_space (j);
  if (j->p >= j->end)
    return json_fail (j, "a value missing");
  switch (*j->p)
    {
    case '{':
      return json_container (j, depth, '}');
    case '[':
      return json_container (j, depth, ']');
    case '"':
      return json_string (j);
    case 't':
      return json_literal (j, "true");
    case 'f':
      return json_literal (j, "false");
    case 'n':
      return json_literal (j, "null");
    default:
      if (*j->p == '-' || g_ascii_isdigit (*j->p))
        return json_number (j);
      return json_fail (j, "unexpected character");
    }
}

gboolean
gh_test_json_is_strict (const char  *text,
                        gsize        length,
                        char       **why)
{
  Json j = { text, text, text + length, NULL };

  if (!g_utf8_validate_len (text, length, NULL))
    j.why = "not UTF-8";
  else if (json_value (&j, 0))
    {
      json_skip_space (&j);
      if (j.p != j.end)
        json_fail (&j, "something after the value");
    }
  if (j.why != NULL && why != NULL)
    *why = g_strdup_printf ("%s at byte %td", j.why, j.p - j.start);
  return j.why == NULL;
}

static gboolean
wait_expired (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
gh_test_wait_until (gboolean (*done) (gpointer data),
                    gpointer   data,
                    guint      timeout_ms)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add (timeout_ms, wait_expired, &expired);

  while (!done (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  return done (data);
}
