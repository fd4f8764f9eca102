/* gh-flow-sequence.h — GhFlowSequence: one flow as a sequence diagram between the client, the
 * browser, Gatehouse, the CIMD host and the MCP server
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define GH_TYPE_FLOW_SEQUENCE (gh_flow_sequence_get_type ())

G_DECLARE_FINAL_TYPE (GhFlowSequence, gh_flow_sequence, GH, FLOW_SEQUENCE, GtkWidget)

/* A tab of the Live flows page's detail: it fills the tab and scrolls itself. */
GtkWidget *gh_flow_sequence_new      (void);
/* Shows @detail, a GET .../flows/{id} answer ({"flow", "steps", "steps_cut",
 * "discovery_hits"}); NULL: nothing. Called again with the same flow's newer answer as steps
 * arrive live. */
void       gh_flow_sequence_set_flow  (GhFlowSequence *self,
                                       JsonObject     *detail);

G_END_DECLS
