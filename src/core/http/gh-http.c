/* gh-http.c — request and response helpers the handlers share
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-http"

#include "config.h"

#include <string.h>

#include "gh-crypto.h"
#include "gh-error.h"
#include "gh-http.h"
#include "gh-json.h"
#include "gh-text.h"

void
gh_http_allow_cors (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (headers, "Access-Control-Allow-Origin", "*");
  soup_message_headers_replace (headers, "Access-Control-Expose-Headers",
                                "WWW-Authenticate, ETag, Cache-Control");
}

/* RFC 9110 §5.6.2 tchar. */
static gboolean
is_tchar (char c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("!#$%&'*+-.^_`|~", c) != NULL);
}

/* @list (Access-Control-Request-Headers) as "a, b, c" when it is a list of field names:
 * tokens separated by commas and optional white space; NULL otherwise or when empty. */
static char *
normalize_token_list (const char *list)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const char *p = list;

  for (;;)
    {
      const char *start;

      while (*p == ' ' || *p == '\t')
        p++;
      start = p;
      while (is_tchar (*p))
        p++;
      if (p == start)
        return NULL;
      if (out->len > 0)
        g_string_append (out, ", ");
      g_string_append_len (out, start, p - start);
      while (*p == ' ' || *p == '\t')
        p++;
      if (*p == '\0')
        break;
      if (*p != ',')
        return NULL;
      p++;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

void
gh_http_answer_preflight (SoupServerMessage *msg,
                          const char        *methods)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
  const char *requested = soup_message_headers_get_list (request_headers,
                                                         "Access-Control-Request-Headers");
  g_autofree char *allowed = requested != NULL ? normalize_token_list (requested) : NULL;

  gh_http_allow_cors (msg);
  soup_message_headers_replace (headers, "Access-Control-Allow-Methods", methods);
  /* Whatever request headers the preflight asks for: these endpoints answer any origin with
   * "*" and never with credentials (no cookies, no Access-Control-Allow-Credentials), so a
   * header adds nothing a page could not send anyway, and a browser client that adds its own
   * (the MCP Inspector forwards a user's custom headers; DPoP) is not blocked. A list that
   * is not one of field names is not echoed: the fixed list then still serves the usual
   * clients. The "*" wildcard is not used: it does not cover Authorization. */
  soup_message_headers_replace (headers, "Access-Control-Allow-Headers",
                                allowed != NULL ? allowed
                                                : "Authorization, Content-Type, "
                                                  "MCP-Protocol-Version, If-None-Match");
  /* The only part of the answer that depends on the request (the origin is always "*"). */
  soup_message_headers_append (headers, "Vary", "Access-Control-Request-Headers");
  soup_message_headers_replace (headers, "Access-Control-Max-Age", "86400");
  soup_message_headers_replace (headers, "Allow", methods);
  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
}

/* Does the Accept header name text/html with a weight above 0 (RFC 9110 §12.5.1)? */
gboolean
gh_http_accepts_html (SoupServerMessage *msg)
{
  const char *accept = soup_message_headers_get_list (soup_server_message_get_request_headers (msg),
                                                      "Accept");
  g_auto(GStrv) ranges = NULL;

  if (accept == NULL)
    return FALSE;
  ranges = g_strsplit (accept, ",", -1);
  for (guint i = 0; ranges[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (ranges[i], ";", -1);
      gboolean weighted_zero = FALSE;

      if (g_ascii_strcasecmp (g_strstrip (parts[0]), "text/html") != 0)
        continue;
      for (guint j = 1; parts[j] != NULL; j++)
        {
          const char *param = g_strstrip (parts[j]);

          /* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
          if ((param[0] == 'q' || param[0] == 'Q') && param[1] == '=' && param[2] == '0')
            weighted_zero = strspn (param + 3, ".0") == strlen (param + 3);
        }
      if (!weighted_zero)
        return TRUE;
    }
  return FALSE;
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

char *
gh_http_json_body (JsonObject  *object,
                   char       **out_etag)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  char *body;

  json_node_set_object (node, object);
  body = gh_json_to_string (node, FALSE);
  if (out_etag != NULL)
    {
      g_autofree char *hash = gh_sha256_base64url (body);
      *out_etag = g_strdup_printf ("\"%.22s\"", hash);
    }
  return body;
}

void
gh_http_send_json_body (SoupServerMessage *msg,
                        guint              status,
                        const char        *body,
                        const char        *etag,
                        const char        *cache_control)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  if (etag != NULL)
    {
      SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);

      soup_message_headers_replace (headers, "ETag", etag);
      if (cache_control != NULL)
        soup_message_headers_replace (headers, "Cache-Control", cache_control);
      if (status == SOUP_STATUS_OK &&
          if_none_match_has (soup_message_headers_get_one (request_headers, "If-None-Match"),
                             etag))
        {
          soup_server_message_set_status (msg, SOUP_STATUS_NOT_MODIFIED, NULL);
          return;
        }
    }
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
}

void
gh_http_send_json (SoupServerMessage *msg,
                   guint              status,
                   JsonObject        *object,
                   const char        *etag_cache_control)
{
  g_autofree char *etag = NULL;
  g_autofree char *body = gh_http_json_body (object, etag_cache_control != NULL ? &etag : NULL);

  gh_http_send_json_body (msg, status, body, etag, etag_cache_control);
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
    {
      /* It may repeat the request (a 60 KiB client_id): bounded, and says when it was cut */
      g_autofree char *cut = gh_text_cut (description, GH_REFLECT_MAX_DESCRIPTION);
      json_object_set_string_member (object, "error_description", cut);
    }
  gh_http_set_no_store (msg);
  if (status == SOUP_STATUS_METHOD_NOT_ALLOWED &&
      soup_message_headers_get_one (headers, "Allow") == NULL)
    soup_message_headers_replace (headers, "Allow", "GET, HEAD, OPTIONS");
  gh_http_send_json (msg, status, object, NULL);
  if (gh_oauth_error_http_reason (code) != NULL)
    soup_server_message_set_status (msg, status, gh_oauth_error_http_reason (code));
}

void
gh_http_send_error (SoupServerMessage *msg,
                    const GError      *error)
{
  GhOAuthError code = gh_oauth_error_from_gerror (error);

  /* Internal failures are logged in full but described to the client in general terms. */
  if (gh_error_is_internal (error))
    {
      g_warning ("Request %s %s failed: %s", soup_server_message_get_method (msg),
                 g_uri_get_path (soup_server_message_get_uri (msg)),
                 error != NULL ? error->message : "unknown error");
      gh_http_send_oauth_error (msg, code, "The server failed to handle the request");
      return;
    }
  gh_http_send_oauth_error (msg, code, error != NULL ? error->message : NULL);
}

GhForm *
gh_http_read_form_body (SoupServerMessage *msg,
                        gsize              max_bytes)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  const char *content_type;
  GhForm *form;

  content_type = soup_message_headers_get_content_type (headers, NULL);
  if (g_strcmp0 (content_type, "application/x-www-form-urlencoded") != 0)
    {
      gh_http_send_oauth_error (msg, GH_OAUTH_ERROR_INVALID_REQUEST,
                                "The body must be application/x-www-form-urlencoded");
      return NULL;
    }
  if (body->length > (goffset) max_bytes)
    {
      gh_http_send_oauth_error (msg, GH_OAUTH_ERROR_PAYLOAD_TOO_LARGE,
                                "The request body is too large");
      return NULL;
    }
  bytes = soup_message_body_flatten (body);
  form = gh_form_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  if (form == NULL)
    gh_http_send_error (msg, error);
  return form;
}

GhForm *
gh_http_read_query (SoupServerMessage *msg)
{
  const char *query = g_uri_get_query (soup_server_message_get_uri (msg));
  g_autoptr(GError) error = NULL;
  GhForm *form;

  form = gh_form_parse (query != NULL ? query : "", query != NULL ? strlen (query) : 0, &error);
  if (form == NULL)
    gh_http_send_error (msg, error);
  return form;
}
