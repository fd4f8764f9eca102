/* gh-time.h — the one clock the server reads
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Wall-clock time in whole Unix seconds: what tokens (iat, exp), codes, IATs, audit events
 * and the store's timestamps use. */
gint64 gh_now_seconds (void);

G_END_DECLS
