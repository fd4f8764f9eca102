/* gh-flow-tokens.h — GhFlowTokens: every token one flow produced, decoded, and its refresh
 * family's lineage
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "gh-admin-client.h"

G_BEGIN_DECLS

#define GH_TYPE_FLOW_TOKENS (gh_flow_tokens_get_type ())

G_DECLARE_FINAL_TYPE (GhFlowTokens, gh_flow_tokens, GH, FLOW_TOKENS, GtkWidget)

/* A tab of the Live flows page's detail: it fills the tab and scrolls itself. */
GtkWidget *gh_flow_tokens_new      (void);
/* Shows the tokens of the flow @detail (a GET .../flows/{id} answer) of @project, reading what
 * it needs through @client (nothing with a NULL @detail). Called again with the same flow's
 * newer answer as steps arrive live. */
void       gh_flow_tokens_set_flow    (GhFlowTokens   *self,
                                       GhAdminClient  *client,
                                       const char     *project,
                                       JsonObject     *detail);
/* Reads the flow's tokens again (after a change the flow's events do not show). */
void       gh_flow_tokens_reload      (GhFlowTokens   *self);
/* Whether an answer is still awaited (the "loading" property, notified): tests and
 * screenshots wait until it is FALSE. */
gboolean   gh_flow_tokens_get_loading (GhFlowTokens   *self);

G_END_DECLS
