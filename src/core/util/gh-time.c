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

static guint
attach_here (GSource     *source,
             GSourceFunc  function,
             gpointer     data)
{
  guint id;

  g_source_set_callback (source, function, data, NULL);
  id = g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);

  return id;
}

guint
gh_timeout_add_here (guint       interval_ms,
                     GSourceFunc function,
                     gpointer    data)
{
  return attach_here (g_timeout_source_new (interval_ms), function, data);
}

guint
gh_timeout_add_seconds_here (guint       interval_s,
                             GSourceFunc function,
                             gpointer    data)
{
  return attach_here (g_timeout_source_new_seconds (interval_s), function, data);
}

guint
gh_idle_add_here (int         priority,
                  GSourceFunc function,
                  gpointer    data)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, priority);

  return attach_here (source, function, data);
}

void
gh_source_remove_here (guint id)
{
  GMainContext *context = g_main_context_get_thread_default ();
  GSource *source;

  source = g_main_context_find_source_by_id (context ? context : g_main_context_default (), id);
  g_return_if_fail (source != NULL);
  g_source_destroy (source);
}
