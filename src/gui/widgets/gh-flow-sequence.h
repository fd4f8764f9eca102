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

#include "gh-flow-steps.h"

G_BEGIN_DECLS

#define GH_TYPE_FLOW_SEQUENCE (gh_flow_sequence_get_type ())

/* The lifelines, left to right; only those that took part are drawn. */
typedef enum
{
  GH_FLOW_SEQUENCE_CLIENT,
  GH_FLOW_SEQUENCE_BROWSER,
  GH_FLOW_SEQUENCE_GATEHOUSE,
  GH_FLOW_SEQUENCE_CIMD,
  GH_FLOW_SEQUENCE_MCP,
  GH_FLOW_SEQUENCE_N_LANES,
} GhFlowSequenceLane;

G_DECLARE_FINAL_TYPE (GhFlowSequence, gh_flow_sequence, GH, FLOW_SEQUENCE, GtkWidget)

/* A tab of the Live flows page's detail: it fills the tab and scrolls itself. */
GtkWidget *gh_flow_sequence_new      (void);
/* Shows @detail, a GET .../flows/{id} answer ({"flow", "steps", "steps_cut",
 * "discovery_hits"}); NULL: nothing. Called again with the same flow's newer answer as steps
 * arrive live. */
void       gh_flow_sequence_set_flow  (GhFlowSequence *self,
                                       JsonObject     *detail);

/* The lifeline's translated name ("Client", "CIMD host", ...). */
const char *gh_flow_sequence_lane_name         (GhFlowSequenceLane  lane);

/* What the diagram shows, read-only (tests, and what the accessible description says). */
gboolean    gh_flow_sequence_has_lane          (GhFlowSequence     *self,
                                                GhFlowSequenceLane  lane);
/* What the lifeline's box says under its name (the client id, the browser's User-Agent, the
 * CIMD host), or NULL. */
const char *gh_flow_sequence_get_lane_subtitle (GhFlowSequence     *self,
                                                GhFlowSequenceLane  lane);
/* The messages top-down (time going down). */
guint       gh_flow_sequence_get_n_messages    (GhFlowSequence     *self);
/* Message @i's label; its lanes (equal for a note on a lifeline), status, whether it is
 * inferred (drawn dotted: implied by the record, not in it) and its step's event id (0: a
 * discovery probe) when asked. */
const char *gh_flow_sequence_get_message       (GhFlowSequence     *self,
                                                guint               i,
                                                GhFlowSequenceLane *from,
                                                GhFlowSequenceLane *to,
                                                GhFlowStepStatus   *status,
                                                gboolean           *inferred,
                                                gint64             *event_id);
/* The messages in order as the accessible description has them, one a line. */
const char *gh_flow_sequence_get_description   (GhFlowSequence     *self);
/* The message at @y in the diagram's drawing (named "flow-sequence-messages"), or -1. */
int         gh_flow_sequence_get_message_at    (GhFlowSequence     *self,
                                                double              y);
/* What a click or Enter on message @i does: opens its step in the Timeline (win.open).
 * FALSE for a probe, or when no window action answered. */
gboolean    gh_flow_sequence_activate_message  (GhFlowSequence     *self,
                                                guint               i);

G_END_DECLS
