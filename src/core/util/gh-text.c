/* gh-text.c — the cut of reflected input
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-util"

#include "config.h"

#include <string.h>

#include "gh-text.h"

char *
gh_text_cut (const char *text,
             gsize       max_bytes)
{
  g_autofree char *valid = NULL;
  gsize length;
  const char *end;

  if (text == NULL)
    return NULL;
  length = strlen (text);
  if (length <= max_bytes && g_utf8_validate (text, length, NULL))
    return g_strdup (text);

  /* Invalid bytes become U+FFFD (3 bytes each), so repair a little more than is kept */
  valid = g_utf8_make_valid (text, MIN (length, max_bytes + 4));
  if (length <= max_bytes && strlen (valid) <= max_bytes)
    return g_steal_pointer (&valid);
  end = valid + max_bytes;
  if (((guchar) *end & 0xc0) == 0x80)
    end = g_utf8_find_prev_char (valid, end);
  return g_strdup_printf ("%.*s\xe2\x80\xa6 (cut, %" G_GSIZE_FORMAT " bytes)",
                          (int) (end - valid), valid, length);
}
