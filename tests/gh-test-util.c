/* gh-test-util.c — helpers shared by the test programs
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "gh-test-util.h"

char *
gh_test_make_tmp_dir (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *template = g_strdup_printf ("gatehouse-%s-XXXXXX", name);
  char *dir = g_dir_make_tmp (template, &error);

  g_assert_no_error (error);
  return dir;
}

void
gh_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (path == NULL)
    return;
  dir = g_dir_open (path, 0, NULL);
  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          gh_test_remove_tree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
gh_test_wait_for (const gboolean *flag,
                  guint           timeout_ms)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add (timeout_ms, timeout_cb, &expired);

  while (!*flag && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  return *flag;
}

void
gh_test_response_free (GhTestResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->headers, soup_message_headers_unref);
  g_clear_pointer (&response->body, g_bytes_unref);
  g_free (response);
}

typedef struct
{
  GBytes *body;
  GError *error;
  gboolean done;
} Exchange;

static void
send_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Exchange *exchange = user_data;

  exchange->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                      &exchange->error);
  exchange->done = TRUE;
}

GhTestResponse *
gh_test_http (SoupSession        *session,
              const char         *method,
              const char         *url,
              const char * const *request_headers,
              const char         *content_type,
              const char         *body)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  Exchange exchange = { 0 };
  GhTestResponse *response;

  g_assert_nonnull (msg);
  for (guint i = 0; request_headers != NULL && request_headers[i] != NULL; i += 2)
    soup_message_headers_append (soup_message_get_request_headers (msg), request_headers[i],
                                 request_headers[i + 1]);
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, content_type, bytes);
    }

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, send_done, &exchange);
  g_assert_true (gh_test_wait_for (&exchange.done, 10000));
  g_assert_no_error (exchange.error);

  response = g_new0 (GhTestResponse, 1);
  response->status = soup_message_get_status (msg);
  response->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  response->body = exchange.body;
  return response;
}

JsonObject *
gh_test_response_json (GhTestResponse *response)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize size;
  const char *data = g_bytes_get_data (response->body, &size);

  json_parser_load_from_data (parser, data, size, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

const char *
gh_test_response_header (GhTestResponse *response,
                         const char     *name)
{
  return soup_message_headers_get_one (response->headers, name);
}
