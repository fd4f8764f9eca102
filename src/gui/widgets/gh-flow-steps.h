/* gh-flow-steps.h — what the console calls a flow's steps: a short title per event type, and
 * how a step went (for dots, rows and bars in the same colours everywhere)
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* How one step of a flow went. */
typedef enum
{
  GH_FLOW_STEP_OK,       /* it passed */
  GH_FLOW_STEP_WARNING,  /* answered, but not as a client hopes: a discovery probe that got
                          * a 4xx (the client tried a path form that is not served) */
  GH_FLOW_STEP_FAILED,   /* a refusal, a denial, a replay */
  GH_FLOW_STEP_PENDING,  /* not a step that happened yet: a flow still running */
} GhFlowStepStatus;

/* A short translated title for an event type ("Authorize", "Login", "Consent", "Code",
 * "Token", "Refresh", "CIMD fetch", ...); the type itself for one it does not know. */
const char       *gh_flow_step_title        (const char  *type);
/* How the step @step (an element of a flows/{id} answer's "steps") went. */
GhFlowStepStatus  gh_flow_step_status       (JsonObject  *step);
/* How a CIMD resolution step @step was answered, in words: "cache hit" (the cache answered,
 * the host was not asked), "cache miss", "cache revalidated", "cache bypassed"; NULL for a
 * step that records no cache result. */
const char       *gh_flow_step_cache        (JsonObject  *step);
/* How the discovery hit @hit (an element of "discovery_hits") was answered: 2xx and 3xx OK,
 * 4xx WARNING, 5xx FAILED. */
GhFlowStepStatus  gh_flow_hit_status        (JsonObject  *hit);
/* How a flow in @state ("running", "code", "succeeded", "failed", "denied") went; a running
 * flow or one holding a code is PENDING. */
GhFlowStepStatus  gh_flow_state_status      (const char  *state);
/* The style class of @status: "success", "warning", "error", "dim-label". */
const char       *gh_flow_step_status_class (GhFlowStepStatus status);
/* Its colour in the current style of @widget (the accent's success / warning / error colours,
 * a dim foreground for PENDING), for cairo drawings. */
void              gh_flow_step_status_color (GtkWidget        *widget,
                                             GhFlowStepStatus  status,
                                             GdkRGBA          *color);

/* What a chart of the flow detail @detail (a flows/{id} answer) says when the flow has more
 * steps than the answer holds ("steps_cut"), or NULL. Free it. */
char             *gh_flow_cut_note          (JsonObject       *detail);
/* Opens step @event_id of flow @flow_id on the Live flows page's Timeline: activates the
 * window action win.open ("flows", "flow:ID step:N") from @widget. FALSE when no window
 * action answered (the widget is not in a window that has it). */
gboolean          gh_flow_open_step         (GtkWidget        *widget,
                                             const char       *flow_id,
                                             gint64            event_id);

G_END_DECLS
