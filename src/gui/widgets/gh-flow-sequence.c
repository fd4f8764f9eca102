/* gh-flow-sequence.c — GhFlowSequence: one flow as a sequence diagram between the client, the
 * browser, Gatehouse, the CIMD host and the MCP server
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include "gh-flow-sequence.h"

/* FOUNDATION ONLY: the interface the Live flows page builds on; the tab itself is being
 * written on its own branch and replaces this file before the page is released. */
struct _GhFlowSequence
{
  GtkWidget   parent_instance;

  JsonObject *detail;
};

G_DEFINE_FINAL_TYPE (GhFlowSequence, gh_flow_sequence, GTK_TYPE_WIDGET)

static void
gh_flow_sequence_finalize (GObject *object)
{
  GhFlowSequence *self = GH_FLOW_SEQUENCE (object);

  g_clear_pointer (&self->detail, json_object_unref);
  G_OBJECT_CLASS (gh_flow_sequence_parent_class)->finalize (object);
}

static void
gh_flow_sequence_class_init (GhFlowSequenceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gh_flow_sequence_finalize;
}

static void
gh_flow_sequence_init (GhFlowSequence *self)
{
}

GtkWidget *
gh_flow_sequence_new (void)
{
  return g_object_new (GH_TYPE_FLOW_SEQUENCE, NULL);
}

void
gh_flow_sequence_set_flow (GhFlowSequence *self,
                           JsonObject     *detail)
{
  g_return_if_fail (GH_IS_FLOW_SEQUENCE (self));
  g_clear_pointer (&self->detail, json_object_unref);
  self->detail = detail != NULL ? json_object_ref (detail) : NULL;
}
