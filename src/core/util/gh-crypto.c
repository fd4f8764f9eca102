/* gh-crypto.c — random bytes and tokens, SHA-256, constant-time comparison (GnuTLS)
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-util"

#include "config.h"

#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "gh-base64url.h"
#include "gh-crypto.h"

/**
 * gh_random_bytes:
 * @buf: (out caller-allocates) (array length=len): where to write
 * @len: number of bytes
 *
 * Fills @buf from GnuTLS's key-level generator. A failing generator leaves no safe way
 * on, so this aborts the process rather than return.
 */
void
gh_random_bytes (guint8 *buf,
                 gsize   len)
{
  int ret;

  g_return_if_fail (buf != NULL || len == 0);

  if (len == 0)
    return;

  ret = gnutls_rnd (GNUTLS_RND_KEY, buf, len);
  if (ret < 0)
    g_error ("Random number generator failed: %s", gnutls_strerror (ret));
}

/**
 * gh_random_token:
 * @nbytes: number of random bytes, at least 1
 *
 * Returns: (transfer full): base64url of @nbytes fresh random bytes
 */
char *
gh_random_token (gsize nbytes)
{
  g_autofree guint8 *buf = NULL;
  char *token;

  g_return_val_if_fail (nbytes > 0 && nbytes <= G_MAXSIZE / 2, NULL);

  buf = g_malloc (nbytes);
  gh_random_bytes (buf, nbytes);
  token = gh_base64url_encode (buf, nbytes);
  gnutls_memset (buf, 0, nbytes);

  return token;
}

/**
 * gh_sha256:
 * @data: (array length=len) (nullable): bytes to hash
 * @len: number of bytes
 * @out: (out caller-allocates): the 32-byte digest
 */
void
gh_sha256 (const void *data,
           gsize       len,
           guint8      out[32])
{
  int ret;

  g_return_if_fail (data != NULL || len == 0);
  g_return_if_fail (out != NULL);

  ret = gnutls_hash_fast (GNUTLS_DIG_SHA256, data != NULL ? data : "", len, out);
  if (ret < 0)
    g_error ("SHA-256 failed: %s", gnutls_strerror (ret));
}

/**
 * gh_sha256_base64url:
 * @text: a NUL-terminated string
 *
 * BASE64URL(SHA-256(@text)), as PKCE S256 and `at_hash`-style values want it.
 *
 * Returns: (transfer full): 43 characters
 */
char *
gh_sha256_base64url (const char *text)
{
  guint8 digest[32];

  g_return_val_if_fail (text != NULL, NULL);

  gh_sha256 (text, strlen (text), digest);

  return gh_base64url_encode (digest, sizeof digest);
}

/**
 * gh_sha256_hex:
 * @text: a NUL-terminated string
 *
 * Returns: (transfer full): the SHA-256 of @text as 64 lower-case hex digits
 */
char *
gh_sha256_hex (const char *text)
{
  static const char hex[] = "0123456789abcdef";
  guint8 digest[32];
  char *out;
  guint i;

  g_return_val_if_fail (text != NULL, NULL);

  gh_sha256 (text, strlen (text), digest);

  out = g_malloc (sizeof digest * 2 + 1);
  for (i = 0; i < sizeof digest; i++)
    {
      out[2 * i] = hex[digest[i] >> 4];
      out[2 * i + 1] = hex[digest[i] & 0xf];
    }
  out[sizeof digest * 2] = '\0';

  return out;
}

/**
 * gh_constant_time_equal:
 * @a: (nullable): a string
 * @b: (nullable): a string
 *
 * Compares two secrets without an early exit on content. Both sides are hashed first,
 * so the comparison itself does not even depend on where they differ, and the time
 * spent depends only on the two lengths. %NULL never equals anything, not even
 * another %NULL: a missing secret must not match a missing answer.
 *
 * Returns: %TRUE if both are non-%NULL and equal
 */
gboolean
gh_constant_time_equal (const char *a,
                        const char *b)
{
  guint8 ha[32];
  guint8 hb[32];
  guint8 diff = 0;
  guint i;

  if (a == NULL || b == NULL)
    return FALSE;

  gh_sha256 (a, strlen (a), ha);
  gh_sha256 (b, strlen (b), hb);

  for (i = 0; i < sizeof ha; i++)
    diff |= ha[i] ^ hb[i];

  return diff == 0;
}
