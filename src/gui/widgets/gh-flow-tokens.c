/* gh-flow-tokens.c — GhFlowTokens: every token one flow produced, decoded, and its refresh
 * family's lineage
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include "gh-flow-tokens.h"

/* FOUNDATION ONLY: the interface the Live flows page builds on; the tab itself is being
 * written on its own branch and replaces this file before the page is released. */
struct _GhFlowTokens
{
  GtkWidget   parent_instance;

  JsonObject *detail;
};

G_DEFINE_FINAL_TYPE (GhFlowTokens, gh_flow_tokens, GTK_TYPE_WIDGET)

static void
gh_flow_tokens_finalize (GObject *object)
{
  GhFlowTokens *self = GH_FLOW_TOKENS (object);

  g_clear_pointer (&self->detail, json_object_unref);
  G_OBJECT_CLASS (gh_flow_tokens_parent_class)->finalize (object);
}

static void
gh_flow_tokens_class_init (GhFlowTokensClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gh_flow_tokens_finalize;
}

static void
gh_flow_tokens_init (GhFlowTokens *self)
{
}

GtkWidget *
gh_flow_tokens_new (void)
{
  return g_object_new (GH_TYPE_FLOW_TOKENS, NULL);
}

void
gh_flow_tokens_set_flow (GhFlowTokens  *self,
                         GhAdminClient *client,
                         const char    *project,
                         JsonObject    *detail)
{
  g_return_if_fail (GH_IS_FLOW_TOKENS (self));
  g_return_if_fail (client == NULL || GH_IS_ADMIN_CLIENT (client));
  g_clear_pointer (&self->detail, json_object_unref);
  self->detail = detail != NULL ? json_object_ref (detail) : NULL;
  (void) project;
}
