/* gh-flow-steps.c — what the console calls a flow's steps: a short title per event type, and
 * how a step went (for dots, rows and bars in the same colours everywhere)
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <glib/gi18n.h>

#include "gh-admin-json.h"
#include "gh-flow-steps.h"

/* The event types a flow can hold (docs/audit-events.md), in the order a flow meets them. */
static const struct {
  const char *type;
  const char *title;
} titles[] = {
  { "oauth_client.cimd_fetched", N_("CIMD fetch") },
  { "oauth_client.cimd_changed", N_("CIMD change") },
  { "oauth_client.cimd_fetch_failed", N_("CIMD fetch") },
  { "oauth_client.registered", N_("Registration") },
  { "oauth_client.registration_refused", N_("Registration") },
  { "iat.used", N_("Initial access token") },
  { "iat.rejected", N_("Initial access token") },
  { "resource.added", N_("Resource recorded") },
  { "resource.scopes_widened", N_("Resource scopes") },
  { "authorization.started", N_("Authorize") },
  { "authorization.refused", N_("Authorize") },
  { "user.logged_in", N_("Login") },
  { "consent.granted", N_("Consent") },
  { "authorization.denied", N_("Consent") },
  { "code.issued", N_("Code") },
  { "token.issued", N_("Token") },
  { "token.refused", N_("Token") },
  { "code.replayed", N_("Code replayed") },
  { "token.refreshed", N_("Refresh") },
  { "refresh_token.reuse_detected", N_("Refresh token replayed") },
  { "token.revoked", N_("Revocation") },
  { "token.introspected", N_("Introspection") },
};

const char *
gh_flow_step_title (const char *type)
{
  for (guint i = 0; type != NULL && i < G_N_ELEMENTS (titles); i++)
    if (g_str_equal (type, titles[i].type))
      return _(titles[i].title);
  return type != NULL ? type : "";
}

GhFlowStepStatus
gh_flow_step_status (JsonObject *step)
{
  const char *type = gh_json_string (step, "type");
  const char *outcome = gh_json_string (step, "outcome");

  if (g_strcmp0 (outcome, "failure") == 0 ||
      g_strcmp0 (type, "authorization.denied") == 0 ||
      g_strcmp0 (type, "code.replayed") == 0 ||
      g_strcmp0 (type, "refresh_token.reuse_detected") == 0)
    return GH_FLOW_STEP_FAILED;
  return GH_FLOW_STEP_OK;
}

const char *
gh_flow_step_cache (JsonObject *step)
{
  const char *result = gh_json_string (gh_json_object (step, "cache"), "result");

  if (g_strcmp0 (result, "hit") == 0)
    return _("cache hit");
  if (g_strcmp0 (result, "miss") == 0)
    return _("cache miss");
  if (g_strcmp0 (result, "revalidated") == 0)
    return _("cache revalidated");
  if (g_strcmp0 (result, "bypassed") == 0)
    return _("cache bypassed");
  return result;
}

GhFlowStepStatus
gh_flow_hit_status (JsonObject *hit)
{
  gint64 status = gh_json_int (hit, "status");

  if (status >= 500)
    return GH_FLOW_STEP_FAILED;
  if (status >= 400)
    return GH_FLOW_STEP_WARNING;
  return GH_FLOW_STEP_OK;
}

GhFlowStepStatus
gh_flow_state_status (const char *state)
{
  if (g_strcmp0 (state, "succeeded") == 0)
    return GH_FLOW_STEP_OK;
  if (g_strcmp0 (state, "failed") == 0 || g_strcmp0 (state, "denied") == 0)
    return GH_FLOW_STEP_FAILED;
  return GH_FLOW_STEP_PENDING;
}

const char *
gh_flow_step_status_class (GhFlowStepStatus status)
{
  switch (status)
    {
    case GH_FLOW_STEP_OK:
      return "success";
    case GH_FLOW_STEP_WARNING:
      return "warning";
    case GH_FLOW_STEP_FAILED:
      return "error";
    case GH_FLOW_STEP_PENDING:
    default:
      return "dim-label";
    }
}

void
gh_flow_step_status_color (GtkWidget        *widget,
                           GhFlowStepStatus  status,
                           GdkRGBA          *color)
{
  GtkStyleContext *style = gtk_widget_get_style_context (widget);
  static const struct {
    const char *name;
    const char *fallback;
  } named[] = {
    [GH_FLOW_STEP_OK] = { "success_color", "#26a269" },
    [GH_FLOW_STEP_WARNING] = { "warning_color", "#cd9309" },
    [GH_FLOW_STEP_FAILED] = { "error_color", "#e01b24" },
  };

  if (status == GH_FLOW_STEP_PENDING)
    {
      gtk_style_context_get_color (style, color);
      color->alpha *= 0.35f;
      return;
    }
  if (!gtk_style_context_lookup_color (style, named[status].name, color))
    gdk_rgba_parse (color, named[status].fallback);
}

char *
gh_flow_cut_note (JsonObject *detail)
{
  JsonArray *steps = gh_json_array (detail, "steps");

  if (!gh_json_bool (detail, "steps_cut"))
    return NULL;
  /* Translators: under a flow's chart when the flow has more steps than were read */
  return g_strdup_printf (_("Only the flow’s first %u steps are drawn; the Audit page has the "
                            "rest."), steps != NULL ? json_array_get_length (steps) : 0);
}

gboolean
gh_flow_open_step (GtkWidget  *widget,
                   const char *flow_id,
                   gint64      event_id)
{
  g_autofree char *target = NULL;

  g_return_val_if_fail (GTK_IS_WIDGET (widget), FALSE);

  if (flow_id == NULL || event_id <= 0)
    return FALSE;
  target = g_strdup_printf ("flow:%s step:%" G_GINT64_FORMAT, flow_id, event_id);
  return gtk_widget_activate_action (widget, "win.open", "(ss)", "flows", target);
}
