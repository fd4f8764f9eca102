/* gh-base64url.h — base64url (RFC 4648 §5, no padding), as JOSE, PKCE and tokens use it
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "gh-util-error.h"

G_BEGIN_DECLS

char        *gh_base64url_encode          (const guint8 *data,
                                           gsize         len);
guint8      *gh_base64url_decode          (const char   *text,
                                           gsize        *out_len,
                                           GError      **error);
guint8      *gh_base64url_decode_len      (const char   *text,
                                           gsize         text_len,
                                           gsize        *out_len,
                                           GError      **error);

G_END_DECLS
