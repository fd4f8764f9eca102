/* gh-activity-chart.h — GhActivityChart: events per minute over the last hour, failures marked
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The minutes the chart shows, ending with the current one. */
#define GH_ACTIVITY_CHART_MINUTES 60

#define GH_TYPE_ACTIVITY_CHART (gh_activity_chart_get_type ())

G_DECLARE_FINAL_TYPE (GhActivityChart, gh_activity_chart, GH, ACTIVITY_CHART,
                      GtkDrawingArea)

GtkWidget *gh_activity_chart_new          (void);
/* @n minutes from @start (µs since the epoch, a minute's start), oldest first. */
void       gh_activity_chart_set_minutes  (GhActivityChart *self,
                                           gint64           start,
                                           const gint64    *events,
                                           const gint64    *failures,
                                           guint            n);
/* One event at @time (µs since the epoch); the chart moves on to @time's minute if needed. */
void       gh_activity_chart_add_event    (GhActivityChart *self,
                                           gint64           time,
                                           gboolean         failure);
/* Moves the last minute to @now (µs), dropping the minutes that fall out. */
void       gh_activity_chart_advance      (GhActivityChart *self,
                                           gint64           now);
/* Events and failures in the chart (the last hour). */
gint64     gh_activity_chart_get_total    (GhActivityChart *self,
                                           gint64          *failures);

G_END_DECLS
