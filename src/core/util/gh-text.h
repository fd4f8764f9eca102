/* gh-text.h — what the server repeats of a client's input: cut, valid UTF-8
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What the server repeats of a client's input (audit columns and details, error
 * descriptions) is cut to these many bytes, on a UTF-8 boundary, with a marker. */
#define GH_REFLECT_MAX_VALUE        256
#define GH_REFLECT_MAX_DESCRIPTION  512

/* @text as valid UTF-8 (invalid bytes become U+FFFD) of at most @max_bytes, and when it was
 * longer, followed by "… (cut, N bytes)" where N is its full length. */
char        *gh_text_cut                  (const char   *text,
                                           gsize         max_bytes);

G_END_DECLS
