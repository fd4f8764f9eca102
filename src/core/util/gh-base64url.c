/* gh-base64url.c — base64url encoding and strict decoding
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-util"

#include "config.h"

#include <string.h>

#include "gh-base64url.h"

static const char b64url_alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * gh_base64url_encode:
 * @data: (array length=len) (nullable): bytes to encode
 * @len: number of bytes
 *
 * Encodes with the URL-safe alphabet of RFC 4648 §5 and without padding, as JOSE,
 * PKCE and our tokens want it.
 *
 * Returns: (transfer full): a NUL-terminated string
 */
char *
gh_base64url_encode (const guint8 *data,
                     gsize         len)
{
  GString *out;
  gsize i;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (len <= G_MAXSIZE / 4 * 3 - 3, NULL);

  out = g_string_sized_new ((len + 2) / 3 * 4 + 1);

  for (i = 0; i + 2 < len; i += 3)
    {
      guint32 v = ((guint32) data[i] << 16) | ((guint32) data[i + 1] << 8) | data[i + 2];

      g_string_append_c (out, b64url_alphabet[(v >> 18) & 0x3f]);
      g_string_append_c (out, b64url_alphabet[(v >> 12) & 0x3f]);
      g_string_append_c (out, b64url_alphabet[(v >> 6) & 0x3f]);
      g_string_append_c (out, b64url_alphabet[v & 0x3f]);
    }

  if (len - i == 1)
    {
      guint32 v = (guint32) data[i] << 16;

      g_string_append_c (out, b64url_alphabet[(v >> 18) & 0x3f]);
      g_string_append_c (out, b64url_alphabet[(v >> 12) & 0x3f]);
    }
  else if (len - i == 2)
    {
      guint32 v = ((guint32) data[i] << 16) | ((guint32) data[i + 1] << 8);

      g_string_append_c (out, b64url_alphabet[(v >> 18) & 0x3f]);
      g_string_append_c (out, b64url_alphabet[(v >> 12) & 0x3f]);
      g_string_append_c (out, b64url_alphabet[(v >> 6) & 0x3f]);
    }

  return g_string_free (out, FALSE);
}

static int
b64url_value (guchar c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '-')
    return 62;
  if (c == '_')
    return 63;
  return -1;
}

/**
 * gh_base64url_decode_len:
 * @text: (array length=text_len): base64url text, need not be NUL-terminated
 * @text_len: number of characters in @text
 * @out_len: (out): number of decoded bytes
 * @error: return location for a #GH_UTIL_ERROR_INVALID_BASE64 error
 *
 * Strict decoder: only `[A-Za-z0-9_-]`, no padding, no whitespace, no length that
 * no encoder can produce (`len % 4 == 1`) and no set bits left over in the last
 * character, so every byte string has exactly one accepted encoding.
 *
 * Returns: (transfer full): the bytes, with one extra NUL after them, or %NULL
 */
guint8 *
gh_base64url_decode_len (const char  *text,
                         gsize        text_len,
                         gsize       *out_len,
                         GError     **error)
{
  g_autofree guint8 *out = NULL;
  guint32 acc = 0;
  guint bits = 0;
  gsize o = 0;
  gsize i;

  g_return_val_if_fail (text != NULL || text_len == 0, NULL);
  g_return_val_if_fail (out_len != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  *out_len = 0;

  if (text_len % 4 == 1)
    {
      g_set_error (error, GH_UTIL_ERROR, GH_UTIL_ERROR_INVALID_BASE64,
                   "Invalid base64url length %" G_GSIZE_FORMAT, text_len);
      return NULL;
    }

  out = g_malloc (text_len / 4 * 3 + 3);

  for (i = 0; i < text_len; i++)
    {
      int v = b64url_value ((guchar) text[i]);

      if (v < 0)
        {
          g_set_error (error, GH_UTIL_ERROR, GH_UTIL_ERROR_INVALID_BASE64,
                       "Invalid base64url character at offset %" G_GSIZE_FORMAT, i);
          return NULL;
        }

      acc = (acc << 6) | (guint32) v;
      bits += 6;

      if (bits >= 8)
        {
          bits -= 8;
          out[o++] = (guint8) (acc >> bits);
          acc &= (1u << bits) - 1;
        }
    }

  /* Leftover bits must be zero, or two texts would decode to the same bytes */
  if (acc != 0)
    {
      g_set_error_literal (error, GH_UTIL_ERROR, GH_UTIL_ERROR_INVALID_BASE64,
                           "Non-canonical base64url: trailing bits are set");
      return NULL;
    }

  out[o] = 0;
  *out_len = o;

  return g_steal_pointer (&out);
}

/**
 * gh_base64url_decode:
 * @text: NUL-terminated base64url text
 * @out_len: (out): number of decoded bytes
 * @error: return location for a #GH_UTIL_ERROR_INVALID_BASE64 error
 *
 * Like gh_base64url_decode_len() on the whole of @text.
 *
 * Returns: (transfer full): the bytes, with one extra NUL after them, or %NULL
 */
guint8 *
gh_base64url_decode (const char  *text,
                     gsize       *out_len,
                     GError     **error)
{
  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (out_len != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return gh_base64url_decode_len (text, strlen (text), out_len, error);
}
