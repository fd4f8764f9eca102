/* gh-flow-waterfall.c — GhFlowWaterfall: the steps of one flow on one time axis
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include "gh-flow-waterfall.h"

/* FOUNDATION ONLY: the interface the Live flows page builds on; the tab itself is being
 * written on its own branch and replaces this file before the page is released. */
struct _GhFlowWaterfall
{
  GtkWidget   parent_instance;

  JsonObject *detail;
};

G_DEFINE_FINAL_TYPE (GhFlowWaterfall, gh_flow_waterfall, GTK_TYPE_WIDGET)

static void
gh_flow_waterfall_finalize (GObject *object)
{
  GhFlowWaterfall *self = GH_FLOW_WATERFALL (object);

  g_clear_pointer (&self->detail, json_object_unref);
  G_OBJECT_CLASS (gh_flow_waterfall_parent_class)->finalize (object);
}

static void
gh_flow_waterfall_class_init (GhFlowWaterfallClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gh_flow_waterfall_finalize;
}

static void
gh_flow_waterfall_init (GhFlowWaterfall *self)
{
}

GtkWidget *
gh_flow_waterfall_new (void)
{
  return g_object_new (GH_TYPE_FLOW_WATERFALL, NULL);
}

void
gh_flow_waterfall_set_flow (GhFlowWaterfall *self,
                            JsonObject      *detail)
{
  g_return_if_fail (GH_IS_FLOW_WATERFALL (self));
  g_clear_pointer (&self->detail, json_object_unref);
  self->detail = detail != NULL ? json_object_ref (detail) : NULL;
}
