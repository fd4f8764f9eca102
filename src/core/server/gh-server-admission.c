/* gh-server-admission.c — what a request must be before its body is read: on time, with a
 * bounded target, header section and body, framed by a Content-Length
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-server"

#include "config.h"

#include <string.h>

#include "gh-error.h"
#include "gh-http.h"
#include "gh-server-private.h"

/* Request bodies are small forms and JSON documents. Refused here, before libsoup reads a
 * byte of the body: a client must not make the server hold any amount of memory. */
#define MAX_REQUEST_BODY (64 * 1024)
/* The request target and the header section. libsoup itself closes the connection, without
 * an answer, on a request head over 100 KiB. */
#define MAX_REQUEST_URI (8 * 1024)
#define MAX_REQUEST_HEADERS (32 * 1024)

static void
add_header_size (const char *name,
                 const char *value,
                 gpointer    user_data)
{
  gsize *size = user_data;

  *size += strlen (name) + strlen (value) + 4;
}

/* Content-Length as RFC 9112 §6.3 has it: digits only; a repeated header (libsoup joins the
 * values with ", ") must repeat the same number. FALSE for anything else: a sign, a space
 * inside, differing values. *@too_large when the number does not fit in 64 bits. */
static gboolean
parse_content_length (const char *value,
                      guint64    *out_length,
                      gboolean   *too_large)
{
  g_auto(GStrv) parts = g_strsplit (value, ",", -1);

  *too_large = FALSE;
  *out_length = 0;
  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *part = g_strstrip (parts[i]);
      guint64 length = 0;

      if (*part == '\0')
        return FALSE;
      for (const char *p = part; *p != '\0'; p++)
        {
          if (!g_ascii_isdigit (*p))
            return FALSE;
          if (length > (G_MAXUINT64 - (guint64) (*p - '0')) / 10)
            *too_large = TRUE;
          else
            length = length * 10 + (guint64) (*p - '0');
        }
      if (i > 0 && length != *out_length)
        return FALSE;
      *out_length = length;
    }
  return parts[0] != NULL;
}

void
_gh_server_refuse_early (GhServer          *self,
                         SoupServerMessage *msg,
                         GhOAuthError       code,
                         const char        *description,
                         gboolean           early)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Connection", "close");
  gh_http_allow_cors (msg);
  gh_http_send_oauth_error (msg, code, description);
  if (early && self->connections != NULL)
    gh_connections_answer_and_close (self->connections, msg);
}

void
_gh_server_admit (SoupServer        *soup_server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  GhServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  GUri *uri = soup_server_message_get_uri (msg);
  const char *uri_query = g_uri_get_query (uri);
  const char *transfer_encoding = soup_message_headers_get_list (headers, "Transfer-Encoding");
  const char *content_length = soup_message_headers_get_list (headers, "Content-Length");
  gsize header_size = 0;

  if (self->connections != NULL && gh_connections_timed_out (self->connections, msg))
    {
      _gh_server_refuse_early (self, msg, GH_OAUTH_ERROR_REQUEST_TIMEOUT,
                               "The request did not arrive in time", TRUE);
      return;
    }
  if (strlen (g_uri_get_path (uri)) + (uri_query != NULL ? strlen (uri_query) + 1 : 0) >
      MAX_REQUEST_URI)
    {
      _gh_server_refuse_early (self, msg, GH_OAUTH_ERROR_URI_TOO_LONG,
                               "The request URI is longer than 8 KiB", TRUE);
      return;
    }
  soup_message_headers_foreach (headers, add_header_size, &header_size);
  if (header_size > MAX_REQUEST_HEADERS)
    {
      _gh_server_refuse_early (self, msg, GH_OAUTH_ERROR_HEADERS_TOO_LARGE,
                               "The request headers are larger than 32 KiB", TRUE);
      return;
    }

  /* Only two ways to send a body: none at all, or a valid Content-Length. libsoup reads a
   * negative or huge length (its signed -1) to the end of the stream. */
  if (transfer_encoding != NULL)
    {
      if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CHUNKED)
        _gh_server_refuse_early (self, msg, GH_OAUTH_ERROR_LENGTH_REQUIRED,
                                 "Send the body with a Content-Length", TRUE);
      else
        _gh_server_refuse_early (self, msg, GH_OAUTH_ERROR_TRANSFER_CODING,
                                 "Send the body with a Content-Length, without a "
                                 "Transfer-Encoding", TRUE);
      return;
    }
  if (content_length != NULL)
    {
      guint64 length;
      gboolean too_large;

      if (!parse_content_length (content_length, &length, &too_large))
        _gh_server_refuse_early (self, msg, GH_OAUTH_ERROR_INVALID_REQUEST,
                                 "The Content-Length is not a number of bytes", TRUE);
      else if (too_large || length > MAX_REQUEST_BODY)
        _gh_server_refuse_early (self, msg, GH_OAUTH_ERROR_PAYLOAD_TOO_LARGE,
                                 "The request body is larger than 64 KiB", TRUE);
    }
}
