/* gh-time.c — the one clock the server reads
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-util"

#include "config.h"

#include "gh-time.h"

gint64
gh_now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}
