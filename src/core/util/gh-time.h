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

/* Timers on the calling thread's main context (g_main_context_get_thread_default ()), not
 * always the global one as g_timeout_add () does: the desktop app runs the server on its own
 * thread and context. Remove them with gh_source_remove_here () on the same thread. */
guint  gh_timeout_add_here         (guint        interval_ms,
                                    GSourceFunc  function,
                                    gpointer     data);
guint  gh_timeout_add_seconds_here (guint        interval_s,
                                    GSourceFunc  function,
                                    gpointer     data);
guint  gh_idle_add_here            (int          priority,
                                    GSourceFunc  function,
                                    gpointer     data);
void   gh_source_remove_here       (guint        id);

G_END_DECLS
