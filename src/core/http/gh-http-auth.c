/* gh-http-auth.c — the Authorization header: Bearer and Basic credentials, and challenges
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-http"

#include "config.h"

#include <string.h>

#include "gh-error.h"
#include "gh-http-auth.h"

gboolean
gh_http_auth_has_scheme (const char *header,
                         const char *scheme)
{
  gsize length = strlen (scheme);

  return header != NULL && g_ascii_strncasecmp (header, scheme, length) == 0 &&
         header[length] == ' ';
}

const char *
gh_http_auth_get_bearer (SoupServerMessage *msg)
{
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Authorization");

  if (!gh_http_auth_has_scheme (header, "Bearer"))
    return NULL;
  header += strlen ("Bearer ");
  while (*header == ' ')
    header++;
  return *header != '\0' ? header : NULL;
}

/* RFC 6749 §2.3.1: the Basic credentials are form-urlencoded before base64. */
static char *
form_unescape (const char *text,
               gsize       length)
{
  g_autofree char *plus = g_strndup (text, length);

  for (char *p = plus; *p; p++)
    if (*p == '+')
      *p = ' ';
  return g_uri_unescape_string (plus, NULL);
}

gboolean
gh_http_auth_parse_basic (const char  *header,
                          char       **out_id,
                          char       **out_secret)
{
  g_autofree guchar *decoded = NULL;
  g_autofree char *text = NULL;
  const char *colon;
  gsize length;

  if (!gh_http_auth_has_scheme (header, "Basic"))
    return FALSE;
  header += strlen ("Basic ");
  while (*header == ' ')
    header++;
  for (const char *p = header; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/' && *p != '=')
      return FALSE;
  decoded = g_base64_decode (header, &length);
  if (decoded == NULL || length == 0)
    return FALSE;
  text = g_strndup ((const char *) decoded, length);
  if (strlen (text) != length || (colon = strchr (text, ':')) == NULL)
    return FALSE;
  *out_id = form_unescape (text, colon - text);
  *out_secret = form_unescape (colon + 1, strlen (colon + 1));
  /* As for form parameters: UTF-8 or nothing (the id is reflected in answers and the audit) */
  return *out_id != NULL && *out_secret != NULL && **out_id != '\0' &&
         g_utf8_validate (*out_id, -1, NULL) && g_utf8_validate (*out_secret, -1, NULL);
}

void
gh_http_auth_challenge (SoupServerMessage *msg,
                        const char        *scheme,
                        const char        *realm,
                        const GError      *error)
{
  g_autofree char *challenge = NULL;

  if (error == NULL)
    challenge = g_strdup_printf ("%s realm=\"%s\"", scheme, realm);
  else
    {
      g_autofree char *escaped = g_strescape (error->message, NULL);

      challenge = g_strdup_printf ("%s realm=\"%s\", error=\"%s\", error_description=\"%s\"",
                                   scheme, realm, gh_error_code_string (error), escaped);
    }
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "WWW-Authenticate", challenge);
}
