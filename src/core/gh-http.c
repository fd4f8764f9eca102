/* gh-http.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-error.h"
#include "gh-http.h"
#include "gh-util.h"

void
gh_http_allow_cors (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (headers, "Access-Control-Allow-Origin", "*");
  soup_message_headers_replace (headers, "Access-Control-Expose-Headers",
                                "WWW-Authenticate, ETag, Cache-Control");
}

void
gh_http_answer_preflight (SoupServerMessage *msg,
                          const char        *methods)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  gh_http_allow_cors (msg);
  soup_message_headers_replace (headers, "Access-Control-Allow-Methods", methods);
  soup_message_headers_replace (headers, "Access-Control-Allow-Headers",
                                "Authorization, Content-Type, MCP-Protocol-Version, "
                                "If-None-Match");
  soup_message_headers_replace (headers, "Access-Control-Max-Age", "86400");
  soup_message_headers_replace (headers, "Allow", methods);
  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
}

void
gh_http_set_no_store (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "Pragma", "no-cache");
}

gboolean
gh_http_method_is (SoupServerMessage *msg,
                   const char        *method)
{
  return g_strcmp0 (soup_server_message_get_method (msg), method) == 0;
}

/* Does an If-None-Match list hold @etag (weak comparison, RFC 9110 §13.1.2)? */
static gboolean
if_none_match_has (const char *header,
                   const char *etag)
{
  g_auto(GStrv) candidates = NULL;

  if (header == NULL)
    return FALSE;
  candidates = g_strsplit (header, ",", -1);
  for (guint i = 0; candidates[i] != NULL; i++)
    {
      const char *candidate = g_strstrip (candidates[i]);

      if (g_str_has_prefix (candidate, "W/"))
        candidate += 2;
      if (g_str_equal (candidate, "*") || g_str_equal (candidate, etag))
        return TRUE;
    }
  return FALSE;
}

void
gh_http_send_json (SoupServerMessage *msg,
                   guint              status,
                   JsonObject        *object,
                   const char        *etag_cache_control)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *body = NULL;
  gsize length;

  json_node_set_object (node, object);
  body = json_to_string (node, FALSE);
  length = strlen (body);

  if (etag_cache_control != NULL)
    {
      g_autofree char *hash = gh_sha256_base64url (body);
      g_autofree char *etag = g_strdup_printf ("\"%.22s\"", hash);
      SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);

      soup_message_headers_replace (headers, "ETag", etag);
      soup_message_headers_replace (headers, "Cache-Control", etag_cache_control);
      if (status == SOUP_STATUS_OK &&
          if_none_match_has (soup_message_headers_get_one (request_headers, "If-None-Match"),
                             etag))
        {
          soup_server_message_set_status (msg, SOUP_STATUS_NOT_MODIFIED, NULL);
          return;
        }
    }

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&body), length);
}

void
gh_http_send_oauth_error (SoupServerMessage *msg,
                          int                code,
                          const char        *description)
{
  g_autoptr(JsonObject) object = json_object_new ();
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  guint status = gh_oauth_error_http_status (code);

  json_object_set_string_member (object, "error", gh_oauth_error_code_string (code));
  if (description != NULL)
    json_object_set_string_member (object, "error_description", description);
  gh_http_set_no_store (msg);
  if (status == SOUP_STATUS_METHOD_NOT_ALLOWED &&
      soup_message_headers_get_one (headers, "Allow") == NULL)
    soup_message_headers_replace (headers, "Allow", "GET, HEAD, OPTIONS");
  gh_http_send_json (msg, status, object, NULL);
}

void
gh_http_send_error (SoupServerMessage *msg,
                    const GError      *error)
{
  GhOAuthError code = gh_oauth_error_from_gerror (error);

  /* Internal failures are logged in full but described to the client in general terms. */
  if (code == GH_OAUTH_ERROR_SERVER_ERROR)
    {
      g_warning ("Request %s %s failed: %s", soup_server_message_get_method (msg),
                 g_uri_get_path (soup_server_message_get_uri (msg)),
                 error != NULL ? error->message : "unknown error");
      gh_http_send_oauth_error (msg, code, "The server failed to handle the request");
      return;
    }
  gh_http_send_oauth_error (msg, code, error != NULL ? error->message : NULL);
}
