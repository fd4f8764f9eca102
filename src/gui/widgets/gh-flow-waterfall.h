/* gh-flow-waterfall.h — GhFlowWaterfall: the steps of one flow on one time axis
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

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

G_END_DECLS
