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
gh_flow_format_duration (gint64 us)
{
  us = MAX (us, 0);
  if (us < 1000)
    /* Translators: a duration in microseconds */
    return g_strdup_printf (_("%" G_GINT64_FORMAT " µs"), us);
  if (us < 10 * 1000)
    /* Translators: a duration in milliseconds, with one decimal */
    return g_strdup_printf (_("%.1f ms"), us / 1000.0);
  if (us < G_USEC_PER_SEC)
    /* Translators: a duration in milliseconds */
    return g_strdup_printf (_("%" G_GINT64_FORMAT " ms"), (us + 500) / 1000);
  if (us < 60 * G_USEC_PER_SEC)
    /* Translators: a duration in seconds, with one decimal */
    return g_strdup_printf (_("%.1f s"), us / (double) G_USEC_PER_SEC);
  if (us < (gint64) 3600 * G_USEC_PER_SEC)
    {
      gint64 s = (us + G_USEC_PER_SEC / 2) / G_USEC_PER_SEC;

      /* Translators: a duration in minutes and seconds */
      return g_strdup_printf (_("%" G_GINT64_FORMAT " min %" G_GINT64_FORMAT " s"),
                              s / 60, s % 60);
    }
  else
    {
      gint64 m = (us + 30 * G_USEC_PER_SEC) / (60 * G_USEC_PER_SEC);

      /* Translators: a duration in hours and minutes */
      return g_strdup_printf (_("%" G_GINT64_FORMAT " h %" G_GINT64_FORMAT " min"),
                              m / 60, m % 60);
    }
}

/* @span seconds (not negative) in words: "12 s", "4 min 12 s" or "4 min", ... */
static char *
span_text (gint64   span,
           gboolean precise)
{
  if (span < 60)
    return g_strdup_printf (_("%d s"), (int) span);
  if (span < 3600)
    return precise ? g_strdup_printf (_("%d min %d s"), (int) (span / 60), (int) (span % 60))
                   : g_strdup_printf (_("%d min"), (int) (span / 60));
  if (span < (precise ? 2 : 1) * 86400)
    return precise ? g_strdup_printf (_("%d h %d min"), (int) (span / 3600),
                                      (int) (span % 3600 / 60))
                   : g_strdup_printf (_("%d h"), (int) (span / 3600));
  return g_strdup_printf (_("%d days"), (int) (span / 86400));
}

char *
gh_flow_format_relative (gint64   time,
                         gint64   now,
                         gboolean precise)
{
  gint64 span = ABS (time - now) / G_USEC_PER_SEC;
  g_autofree char *words = NULL;

  if (!precise && span < 5)
    return g_strdup (_("now"));
  if (!precise && time < now && span >= 86400)
    {
      g_autoptr(GDateTime) then = g_date_time_new_from_unix_local (time / G_USEC_PER_SEC);
      g_autoptr(GDateTime) today = g_date_time_new_from_unix_local (now / G_USEC_PER_SEC);

      if (then == NULL || today == NULL)
        return g_strdup ("?");
      /* Translators: a day this year, "3 Dec"; then one of another year, "3 Dec 2025" */
      return g_date_time_format (then, g_date_time_get_year (then) ==
                                       g_date_time_get_year (today) ? _("%-e %b") : _("%-e %b %Y"));
    }
  words = span_text (span, precise);
  /* Translators: "in 5 min 3 s" / "5 min 3 s ago" */
  return time >= now ? g_strdup_printf (_("in %s"), words) : g_strdup_printf (_("%s ago"), words);
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

char *
gh_flow_format_time (gint64 us)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (us / G_USEC_PER_SEC);
  g_autofree char *clock = NULL;
  gint64 fraction = us % G_USEC_PER_SEC;

  if (time == NULL)
    return g_strdup ("?");
  clock = g_date_time_format (time, "%H:%M:%S");
  return g_strdup_printf ("%s.%03d %03d", clock, (int) (fraction / 1000), (int) (fraction % 1000));
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

char *
gh_flow_rule_words (const char *rule,
                    const char *component)
{
  static const char * const acronyms[] = { "uri", "cimd", "pkce", "url", "iat", "jwt", "dcr",
                                           "jwks", NULL };
  g_autoptr(GString) words = g_string_new (NULL);
  g_auto(GStrv) parts = NULL;

  g_return_val_if_fail (rule != NULL, NULL);

  parts = g_strsplit_set (rule, "._", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *upper = g_ascii_strup (parts[i], -1);

      if (words->len > 0)
        g_string_append_c (words, ' ');
      g_string_append (words, g_strv_contains (acronyms, parts[i]) ? upper : parts[i]);
    }
  if (component != NULL)
    /* Translators: "redirect URI mismatch (port)": a rule and the part that differs */
    return g_strdup_printf (_("%s (%s)"), words->str, component);
  return g_string_free (g_steal_pointer (&words), FALSE);
}
