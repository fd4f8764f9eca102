/* gh-crypto.h — random bytes and tokens, SHA-256, constant-time comparison
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

void         gh_random_bytes              (guint8       *buf,
                                           gsize         len);
char        *gh_random_token              (gsize         nbytes);

void         gh_sha256                    (const void   *data,
                                           gsize         len,
                                           guint8        out[32]);
char        *gh_sha256_base64url          (const char   *text);
char        *gh_sha256_hex                (const char   *text);

gboolean     gh_constant_time_equal       (const char   *a,
                                           const char   *b);

G_END_DECLS
