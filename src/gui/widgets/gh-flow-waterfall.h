/* gh-flow-waterfall.h — GhFlowWaterfall: the steps of one flow on one time axis
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "gh-flow-steps.h"

G_BEGIN_DECLS

#define GH_TYPE_FLOW_WATERFALL (gh_flow_waterfall_get_type ())

G_DECLARE_FINAL_TYPE (GhFlowWaterfall, gh_flow_waterfall, GH, FLOW_WATERFALL, GtkWidget)

/* A tab of the Live flows page's detail: it fills the tab and scrolls itself. */
GtkWidget *gh_flow_waterfall_new      (void);
/* Shows @detail, a GET .../flows/{id} answer ({"flow", "steps", "steps_cut",
 * "discovery_hits"}); NULL: nothing. Called again with the same flow's newer answer as steps
 * arrive live. */
void       gh_flow_waterfall_set_flow (GhFlowWaterfall *self,
                                       JsonObject      *detail);

/* What the chart shows, read-only (tests, and what the accessible description says). Rows go
 * top-down: the probable discovery probes (event id 0), then the steps in order. */
guint       gh_flow_waterfall_get_n_rows       (GhFlowWaterfall  *self);
/* Row @i's title; its status, event id (0: a probe) and whether it is a point (no request
 * start recorded) when asked. */
const char *gh_flow_waterfall_get_row          (GhFlowWaterfall  *self,
                                                guint             i,
                                                GhFlowStepStatus *status,
                                                gint64           *event_id,
                                                gboolean         *point);
/* How many long waits the axis shows as breaks. */
guint       gh_flow_waterfall_get_n_breaks     (GhFlowWaterfall  *self);
/* The rows as the accessible description has them, one a line, and the waits. */
const char *gh_flow_waterfall_get_description  (GhFlowWaterfall  *self);
/* The row at @y in the rows' drawing (named "flow-waterfall-rows"), or -1. */
int         gh_flow_waterfall_get_row_at       (GhFlowWaterfall  *self,
                                                double            y);
/* What a click or Enter on row @i does: opens that step in the Timeline (win.open). FALSE for
 * a probe, or when no window action answered. */
gboolean    gh_flow_waterfall_activate_row     (GhFlowWaterfall  *self,
                                                guint             i);

G_END_DECLS
