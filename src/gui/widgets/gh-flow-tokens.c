/* gh-flow-tokens.c — GhFlowTokens: every token one flow produced, decoded, and its refresh
 * family's lineage
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "gh-admin-json.h"
#include "gh-explain-card.h"
#include "gh-flow-steps.h"
#include "gh-format.h"
#include "gh-flow-tokens.h"
#include "gh-value-row.h"

/* The server keeps no token's value. What this tab shows of each token comes from:
 *   GET .../audit?flow_id=&type_prefix=token.  the flow's token.issued / token.refreshed
 *                                              events (their jti, oldest first);
 *   GET .../tokens/{jti}                       each access token as the server recorded it
 *                                              when it signed it, judged now;
 *   GET .../refresh-families?flow_id=, /{id}   the family the flow obtained and its lineage.
 * "Check Against a Resource…" opens the Token checker on "jti:<JTI>". */
struct _GhFlowTokens
{
  GtkWidget      parent_instance;

  GtkWidget     *stack;        /* "empty", "error", "tokens" */
  GtkWidget     *empty_page;
  GtkWidget     *error_page;
  GtkWidget     *content;      /* rebuilt on every answer */

  GhAdminClient *client;
  char          *project;
  char          *flow_id;
  gint64         last_event_id;

  /* The load in flight */
  GCancellable  *cancellable;
  guint          pending;
  JsonArray     *events;       /* the token events, oldest first */
  GPtrArray     *reports;      /* JsonObject per event, NULL until answered */
  GPtrArray     *report_errors; /* char * per event: why there is no report */
  JsonObject    *family;
  char          *load_error;
  gboolean       revoking;     /* a "Revoke Family" in flight */
  gboolean       loading;      /* the property: pending or revoking */

  GPtrArray     *countdowns;   /* GtkLabel (data "gh-exp") that tick */
  guint          tick_id;
};

G_DEFINE_FINAL_TYPE (GhFlowTokens, gh_flow_tokens, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_LOADING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* "loading" follows the answers awaited. */
static void
update_loading (GhFlowTokens *self)
{
  gboolean loading = self->pending > 0 || self->revoking;

  if (loading == self->loading)
    return;
  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

/* --- Words --- */

static char *
clock_text (gint64 unix_seconds)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (unix_seconds);

  return time != NULL ? g_date_time_format (time, "%Y-%m-%d %H:%M:%S") : g_strdup ("?");
}

/* A number of milliseconds with thin grouping: "12 345 ms". */
static char *
ms_text (gint64 ms)
{
  return g_strdup_printf (_("%" G_GINT64_FORMAT " ms"), ms);
}

static GtkWidget *
badge_new (const char *name,
           const char *text,
           const char *style,
           const char *tooltip)
{
  GtkWidget *badge = gtk_label_new (text);

  gtk_widget_set_name (badge, name);
  gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (badge, "badge");
  if (style != NULL)
    gtk_widget_add_css_class (badge, style);
  if (tooltip != NULL)
    gtk_widget_set_tooltip_text (badge, tooltip);
  return badge;
}

/* “value”, byte for byte between visible ends, the span where it differs from @other marked. */
static char *
quoted_markup (const char *value,
               const char *other)
{
  g_autofree char *marked = gh_explain_diff_markup (value, other, NULL);

  return g_strdup_printf ("“%s”", marked);
}


static GtkWidget *
action_row (const char *name,
            const char *title,
            const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  gtk_widget_set_name (row, name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  return row;
}

/* --- The expiry countdown --- */

static void
update_countdown (GtkLabel *label,
                  gint64    now)
{
  gint64 exp = *(gint64 *) g_object_get_data (G_OBJECT (label), "gh-exp");
  gboolean revoked = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (label), "gh-revoked"));
  g_autofree char *when = gh_format_relative (exp * G_USEC_PER_SEC, now * G_USEC_PER_SEC,
                                              TRUE);
  g_autofree char *text = NULL;

  if (exp > now)
    /* Translators: "Expires in 4 min 12 s" */
    text = g_strdup_printf (revoked ? _("Would expire %s (revoked already)") : _("Expires %s"),
                            when);
  else
    /* Translators: "Expired 3 min 2 s ago" */
    text = g_strdup_printf (_("Expired %s"), when);
  gtk_label_set_text (label, text);
}

static gboolean
tick_cb (gpointer user_data)
{
  GhFlowTokens *self = user_data;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  for (guint i = 0; i < self->countdowns->len; i++)
    update_countdown (g_ptr_array_index (self->countdowns, i), now);
  return G_SOURCE_CONTINUE;
}

static GtkWidget *
countdown_new (GhFlowTokens *self,
               gint64        exp,
               gboolean      revoked)
{
  GtkWidget *label = gtk_label_new (NULL);
  gint64 *stored = g_new (gint64, 1);

  *stored = exp;
  gtk_widget_set_name (label, "token-countdown");
  gtk_widget_add_css_class (label, "numeric");
  gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
  g_object_set_data_full (G_OBJECT (label), "gh-exp", stored, g_free);
  g_object_set_data (G_OBJECT (label), "gh-revoked", GINT_TO_POINTER (revoked));
  update_countdown (GTK_LABEL (label), g_get_real_time () / G_USEC_PER_SEC);
  g_ptr_array_add (self->countdowns, g_object_ref (label));
  if (self->tick_id == 0)
    self->tick_id = g_timeout_add_seconds (1, tick_cb, self);
  return label;
}

/* --- One access token --- */

/* "key k2 (active)", "key k1 (retired 2 h ago)", "key k1 (published, no longer signing)". */
static char *
key_text (JsonObject *report,
          gint64      now)
{
  JsonObject *header = gh_json_object (report, "header");
  JsonObject *signature = gh_json_object (gh_json_object (report, "checks"), "signature");
  JsonObject *key = gh_json_object (signature, "key");
  const char *kid = gh_json_string (header, "kid");
  const char *state = gh_json_string (signature, "key_state");
  g_autofree char *state_text = NULL;

  if (kid == NULL)
    return g_strdup (_("No key recorded, and none of this server's keys signed at that time"));
  if (key != NULL && gh_json_int (key, "retired_at") > 0 && gh_json_int (key, "retired_at") <= now)
    {
      g_autofree char *ago = gh_format_relative (
        gh_json_int (key, "retired_at") * G_USEC_PER_SEC, now * G_USEC_PER_SEC, TRUE);

      /* Translators: "retired 2 h 5 min ago" */
      state_text = g_strdup_printf (_("retired %s"), ago);
      if (g_strcmp0 (state, "retired") == 0)
        {
          g_autofree char *more = g_strdup_printf (_("%s, no longer published"), state_text);

          g_free (state_text);
          state_text = g_steal_pointer (&more);
        }
    }
  else if (g_strcmp0 (state, "active") == 0)
    state_text = g_strdup (_("active"));
  else if (g_strcmp0 (state, "published") == 0)
    state_text = g_strdup (_("published, not signing"));
  else if (g_strcmp0 (state, "retired") == 0)
    state_text = g_strdup (_("retired, no longer published"));
  else
    state_text = g_strdup (_("unknown to this server"));
  /* Translators: "key k2 (active)" */
  return g_strdup_printf (_("key %s (%s)"), kid, state_text);
}

/* The badge of an aud comparison (README: comparisons aud_vs_authorize / aud_vs_token). */
static GtkWidget *
comparison_badge (const char *name,
                  const char *step,
                  JsonObject *comparison)
{
  const char *result = gh_json_string (comparison, "result");
  const char *message = gh_json_string (comparison, "message");
  JsonArray *asked = gh_json_array (comparison, "asked");
  g_autofree char *text = NULL;
  const char *style;

  if (comparison != NULL && g_strcmp0 (result, "skip") != 0 &&
      (asked == NULL || json_array_get_length (asked) == 0))
    {
      /* Nothing to compare with: the client sent no resource at that step. */
      /* Translators: "/token: no resource sent" */
      text = g_strdup_printf (_("%s: no resource sent"), step);
      style = g_strcmp0 (result, "pass") == 0 ? "dim-label" : "warning";
    }
  else if (gh_json_bool (comparison, "trailing_slash"))
    {
      /* Translators: "/token: trailing slash differs" */
      text = g_strdup_printf (_("%s: trailing slash differs"), step);
      style = "error";
    }
  else if (g_strcmp0 (result, "pass") == 0)
    {
      /* Translators: "/authorize: match" */
      text = g_strdup_printf (_("%s: match"), step);
      style = "success";
    }
  else if (g_strcmp0 (result, "warn") == 0)
    {
      text = g_strdup_printf (_("%s: check"), step);
      style = "warning";
    }
  else if (g_strcmp0 (result, "fail") == 0)
    {
      text = g_strdup_printf (_("%s: differs"), step);
      style = "error";
    }
  else
    {
      text = g_strdup_printf (_("%s: not recorded"), step);
      style = "dim-label";
    }
  return badge_new (name, text, style, message);
}

/* The aud values of @claims, as one string per value. */
static GPtrArray *
audiences (JsonObject *claims)
{
  JsonNode *aud = claims != NULL ? json_object_get_member (claims, "aud") : NULL;
  GPtrArray *values = g_ptr_array_new_with_free_func (g_free);

  if (aud != NULL && JSON_NODE_HOLDS_ARRAY (aud))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (aud)); i++)
      g_ptr_array_add (values,
                       gh_json_node_text (json_array_get_element (json_node_get_array (aud),
                                                                  i)));
  else if (aud != NULL)
    g_ptr_array_add (values, gh_json_node_text (aud));
  return values;
}

/* The requested values at one step, each between visible ends, marked where it differs from
 * the token's first aud. */
static GtkWidget *
asked_row (const char *name,
           const char *caption,
           JsonArray  *asked,
           const char *aud)
{
  g_autoptr(GString) markup = g_string_new (NULL);

  for (guint i = 0; asked != NULL && i < json_array_get_length (asked); i++)
    {
      g_autofree char *one = gh_json_node_text (json_array_get_element (asked, i));
      g_autofree char *quoted = quoted_markup (one, aud);

      g_string_append_printf (markup, "%s%s", i > 0 ? "\n" : "", quoted);
    }
  if (markup->len == 0)
    {
      g_autofree char *none = g_markup_escape_text (_("nothing: the client sent no resource"),
                                                    -1);

      g_string_append (markup, none);
    }
  return gh_value_row_new (name, caption, markup->str, TRUE, TRUE);
}

static void
check_clicked_cb (GtkButton *button,
                  gpointer   user_data)
{
  const char *jti = g_object_get_data (G_OBJECT (button), "gh-jti");
  const char *resource = g_object_get_data (G_OBJECT (button), "gh-resource");
  /* The resource first: an empty one clears what the checker held from before */
  g_autofree char *target = g_strconcat ("resource:", resource != NULL ? resource : "",
                                         " jti:", jti, NULL);

  gtk_widget_activate_action (GTK_WIDGET (button), "win.open", "(ss)", "token-checker",
                              target);
}

/* The claims with their meaning (the report's notes), times relative. */
static GtkWidget *
claims_row (JsonObject *report,
            gint64      now)
{
  JsonObject *claims = gh_json_object (report, "claims");
  JsonArray *notes = gh_json_array (report, "notes");
  GtkWidget *expander = adw_expander_row_new ();
  g_autoptr(GList) names = claims != NULL ? json_object_get_members (claims) : NULL;

  gtk_widget_set_name (expander, "token-claims");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), _("Claims"));
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander),
                                 _("As the server signed them: iss as the issuer reads now; "
                                   "aud and scope from the token's event; the rest from its "
                                   "record"));
  for (const GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (claims, name);
      g_autofree char *value = gh_json_node_text (node);
      g_autofree char *caption = NULL;
      g_autofree char *row_name = g_strconcat ("claim-", name, NULL);
      g_autofree char *shown = NULL;
      g_autofree char *markup = NULL;
      const char *meaning = NULL;

      for (guint i = 0; notes != NULL && i < json_array_get_length (notes); i++)
        {
          JsonObject *note = json_array_get_object_element (notes, i);

          if (g_strcmp0 (gh_json_string (note, "where"), "claims") == 0 &&
              g_strcmp0 (gh_json_string (note, "name"), name) == 0)
            meaning = gh_json_string (note, "meaning");
        }
      /* Translators: "exp — expiry: refused at and after this time" */
      caption = meaning != NULL ? g_strdup_printf (_("%s — %s"), name, meaning) : g_strdup (name);
      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64 &&
          (g_str_equal (name, "exp") || g_str_equal (name, "iat") ||
           g_str_equal (name, "nbf") || g_str_equal (name, "auth_time")))
        {
          gint64 t = json_node_get_int (node);
          g_autofree char *clock = clock_text (t);
          g_autofree char *rel = gh_format_relative (t * G_USEC_PER_SEC,
                                                     now * G_USEC_PER_SEC, TRUE);

          shown = g_strdup_printf ("%s · %s · %s", value, clock, rel);
        }
      else
        shown = g_strdup (value);
      markup = g_markup_escape_text (shown, -1);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (expander),
                                gh_value_row_new (row_name, caption, markup, TRUE,
                                                  TRUE));
    }
  return expander;
}

static GtkWidget *
token_group (GhFlowTokens *self,
             JsonObject   *event,
             JsonObject   *report,
             const char   *report_error,
             guint         number)
{
  JsonObject *details = gh_json_object (event, "details");
  const char *jti = gh_json_string (details, "jti");
  gboolean refreshed = g_strcmp0 (gh_json_string (event, "type"), "token.refreshed") == 0;
  JsonObject *checks = gh_json_object (report, "checks");
  JsonObject *signature = gh_json_object (checks, "signature");
  JsonObject *claims = gh_json_object (report, "claims");
  JsonObject *issued = gh_json_object (report, "issued_here");
  JsonObject *asked = gh_json_object (issued, "asked");
  JsonObject *comparisons = gh_json_object (issued, "comparisons");
  JsonObject *recorded = gh_json_object (report, "recorded");
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *button;
  GtkWidget *row;
  g_autoptr(GPtrArray) auds = audiences (claims);
  g_autofree char *title = NULL;
  g_autofree char *description = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  gtk_widget_set_name (group, "flow-token");
  g_object_set_data_full (G_OBJECT (group), "gh-jti", g_strdup (jti), g_free);
  /* Translators: "Access Token 2" */
  title = g_strdup_printf (_("Access Token %u"), number);
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  if (refreshed)
    /* Translators: "From a refresh (refresh token generation 2) · jti 3fa…" */
    description = g_strdup_printf (_("From a refresh (refresh token generation %" G_GINT64_FORMAT
                                     ") · jti %s"), gh_json_int (details, "generation"), jti);
  else
    description = g_strdup_printf (_("From the code exchange · jti %s"), jti);
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), description);

  if (report == NULL)
    {
      row = action_row ("token-error", _("Not recorded any more"),
                        report_error != NULL ? report_error : _("No answer"));
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
      return group;
    }

  /* The header: the key and the signature verdict. */
  {
    g_autofree char *key = key_text (report, now);
    const char *result = gh_json_string (signature, "result");
    const char *source = gh_json_string (recorded, "kid_source");
    g_autofree char *subtitle = NULL;
    GtkWidget *verdict;

    subtitle = g_strdup_printf ("%s\n%s", g_strcmp0 (source, "key_schedule") == 0
                                ? _("Signed at issuance; the kid is the key that signed at "
                                    "that time (tokens before this version recorded none)")
                                : _("Signed at issuance by this server with this key, as "
                                    "recorded then"),
                                g_strcmp0 (result, "fail") == 0
                                ? gh_json_string (signature, "message")
                                : _("Now: the signature is not re-checked (no token value is "
                                    "kept); the key is published, so a resource server can "
                                    "verify it"));
    row = action_row ("token-key", key, subtitle);
    if (g_strcmp0 (result, "fail") == 0)
      verdict = badge_new ("signature-verdict", _("Not verifiable now"), "error",
                           gh_json_string (signature, "message"));
    else
      verdict = badge_new ("signature-verdict", _("Verifiable now"),
                           "success", gh_json_string (signature, "message"));
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), verdict);
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  }

  /* Now: the verdict of every check that needs no token value, and the countdown. */
  {
    const char *verdict = gh_json_string (report, "verdict");
    gboolean valid = g_strcmp0 (verdict, "valid") == 0;
    gboolean revoked = gh_json_bool (issued, "revoked");

    row = action_row ("token-now", valid ? _("Accepted now") : _("Refused now"),
                      valid ? _("Checked now against the record: key published, not expired, "
                                "not revoked")
                            : gh_json_string (report, "summary"));
    if (gh_json_int (claims, "exp") > 0)
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 countdown_new (self, gh_json_int (claims, "exp"), revoked));
    adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                               gtk_image_new_from_icon_name (valid ? "emblem-ok-symbolic"
                                                                   : "dialog-error-symbolic"));
    gtk_widget_add_css_class (row, valid ? "success" : "error");
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  }

  /* aud against the resource asked for at /authorize and at /token. */
  {
    GtkWidget *expander = adw_expander_row_new ();
    GtkWidget *badges = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
    g_autoptr(GString) shown = g_string_new (NULL);
    const char *first = auds->len > 0 ? g_ptr_array_index (auds, 0) : NULL;

    for (guint i = 0; i < auds->len; i++)
      g_string_append_printf (shown, "%s“%s”", i > 0 ? " " : "",
                              (const char *) g_ptr_array_index (auds, i));
    gtk_widget_set_name (expander, "token-aud");
    adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (expander), FALSE);
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), _("Audience (aud)"));
    adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander),
                                   shown->len > 0 ? shown->str : _("none recorded"));
    gtk_widget_set_valign (badges, GTK_ALIGN_CENTER);
    gtk_box_append (GTK_BOX (badges),
                    comparison_badge ("aud-badge-authorize", "/authorize",
                                      gh_json_object (comparisons, "aud_vs_authorize")));
    gtk_box_append (GTK_BOX (badges),
                    comparison_badge ("aud-badge-token", "/token",
                                      gh_json_object (comparisons, "aud_vs_token")));
    adw_expander_row_add_action (ADW_EXPANDER_ROW (expander), badges);
    if (first != NULL)
      {
        g_autofree char *quoted = quoted_markup (first, NULL);

        adw_expander_row_add_row (ADW_EXPANDER_ROW (expander),
                                  gh_value_row_new ("aud-token", _("In the token"), quoted,
                                                    TRUE, TRUE));
      }
    adw_expander_row_add_row (ADW_EXPANDER_ROW (expander),
                              asked_row ("aud-authorize", _("resource asked for at /authorize"),
                                         gh_json_array (gh_json_object (asked, "authorize"),
                                                        "resources"), first));
    adw_expander_row_add_row (ADW_EXPANDER_ROW (expander),
                              asked_row ("aud-asked-token", _("resource asked for at /token"),
                                         gh_json_array (gh_json_object (asked, "token"),
                                                        "resources"), first));
    adw_expander_row_set_expanded (ADW_EXPANDER_ROW (expander),
                                   g_strcmp0 (gh_json_string (gh_json_object (comparisons,
                                                                              "aud_vs_token"),
                                                              "result"), "pass") != 0 ||
                                   g_strcmp0 (gh_json_string (gh_json_object (comparisons,
                                                                              "aud_vs_authorize"),
                                                              "result"), "pass") != 0);
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), expander);
  }

  /* scope against the scopes asked for. */
  {
    JsonObject *compared = gh_json_object (comparisons, "scope_vs_asked");
    const char *result = gh_json_string (compared, "result");
    JsonArray *missing = gh_json_array (compared, "missing");
    JsonArray *extra = gh_json_array (compared, "extra");
    GtkWidget *expander = adw_expander_row_new ();
    const char *scope = gh_json_string (claims, "scope");
    g_autofree char *asked_text = NULL;
    g_autofree char *asked_markup = NULL;
    GtkWidget *badge;

    gtk_widget_set_name (expander, "token-scope");
    adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (expander), FALSE);
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), _("Scope"));
    adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander),
                                   scope != NULL && *scope != '\0' ? scope : _("none"));
    if (g_strcmp0 (result, "pass") == 0)
      badge = badge_new ("scope-badge", _("Asked for: match"), "success",
                         gh_json_string (compared, "message"));
    else if (extra != NULL && json_array_get_length (extra) > 0)
      badge = badge_new ("scope-badge", _("More than asked for"), "error",
                         gh_json_string (compared, "message"));
    else if (missing != NULL && json_array_get_length (missing) > 0)
      badge = badge_new ("scope-badge", _("Fewer than asked for"), "warning",
                         gh_json_string (compared, "message"));
    else
      badge = badge_new ("scope-badge", _("Not recorded"), "dim-label",
                         gh_json_string (compared, "message"));
    adw_expander_row_add_action (ADW_EXPANDER_ROW (expander), badge);
    {
      JsonArray *asked_scopes = gh_json_array (compared, "asked");
      g_autoptr(GString) text = g_string_new (NULL);

      for (guint i = 0; asked_scopes != NULL && i < json_array_get_length (asked_scopes); i++)
        {
          g_autofree char *one = gh_json_node_text (json_array_get_element (asked_scopes, i));

          g_string_append_printf (text, "%s%s", i > 0 ? " " : "", one);
        }
      asked_text = g_string_free (g_steal_pointer (&text), FALSE);
    }
    asked_markup = g_markup_escape_text (*asked_text != '\0' ? asked_text : _("none"), -1);
    adw_expander_row_add_row (ADW_EXPANDER_ROW (expander),
                              gh_value_row_new ("scope-asked", _("Asked for"),
                                                asked_markup, TRUE, TRUE));
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), expander);
  }

  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), claims_row (report, now));

  /* The Token checker on this token's record, against the resource the client asked for
   * (at /token, else at /authorize; another can be given there). */
  row = action_row ("check-token-row", _("Check against a resource"),
                    _("Open the Token checker on this token as the server recorded it, "
                      "against the resource the client asked for (change it there)"));
  button = gtk_button_new_with_label (_("Check Against a Resource…"));
  gtk_widget_set_name (button, "check-token");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_object_set_data_full (G_OBJECT (button), "gh-jti", g_strdup (jti), g_free);
  {
    JsonArray *at_token = gh_json_array (gh_json_object (asked, "token"), "resources");
    JsonArray *at_authorize = gh_json_array (gh_json_object (asked, "authorize"), "resources");
    JsonArray *resources = at_token != NULL && json_array_get_length (at_token) > 0
      ? at_token : at_authorize;

    if (resources != NULL && json_array_get_length (resources) > 0 &&
        JSON_NODE_HOLDS_VALUE (json_array_get_element (resources, 0)))
      g_object_set_data_full (G_OBJECT (button), "gh-resource",
                              g_strdup (json_array_get_string_element (resources, 0)), g_free);
  }
  g_signal_connect (button, "clicked", G_CALLBACK (check_clicked_cb), NULL);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
  if (gh_json_bool (recorded, "id_token"))
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                               action_row ("token-id-token", _("ID token"),
                                           _("Issued with it, for the client (openid scope): "
                                             "its audience is the client, never an MCP "
                                             "server")));
  return group;
}

/* --- The refresh family's lineage --- */

static void revoke_clicked_cb (GtkButton *button, GhFlowTokens *self);

static GtkWidget *
generation_card (JsonObject *generation,
                 JsonObject *family)
{
  GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  JsonArray *replays = gh_json_array (generation, "replays");
  const char *state = gh_json_string (generation, "state");
  gint64 number = gh_json_int (generation, "generation");
  g_autofree char *title = g_strdup_printf (_("Generation %" G_GINT64_FORMAT), number);
  g_autofree char *issued = NULL;
  g_autofree char *issued_clock = clock_text (gh_json_int (generation, "created_at"));
  const char *state_text;
  GtkWidget *label;

  gtk_widget_set_name (card, "lineage-generation");
  g_object_set_data (G_OBJECT (card), "gh-generation", GINT_TO_POINTER ((int) number));
  gtk_widget_add_css_class (card, "card");
  gtk_widget_set_size_request (card, 180, -1);
  gtk_widget_set_margin_top (card, 6);
  gtk_widget_set_margin_bottom (card, 6);

  label = gtk_label_new (title);
  gtk_widget_add_css_class (label, "heading");
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_margin_top (label, 10);
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_end (label, 12);
  gtk_box_append (GTK_BOX (card), label);

  if (gh_json_bool (generation, "used"))
    state_text = g_strcmp0 (state, "revoked") == 0 ? _("Used, rotated · now revoked")
                                                   : _("Used, rotated");
  else if (g_strcmp0 (state, "active") == 0)
    state_text = _("Current: not used yet");
  else if (g_strcmp0 (state, "revoked") == 0)
    state_text = _("Never used · revoked");
  else if (g_strcmp0 (state, "expired") == 0)
    state_text = _("Expired unused");
  else
    state_text = state;
  label = gtk_label_new (state_text);
  gtk_widget_set_name (label, "lineage-state");
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 28);
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_end (label, 12);
  if (g_strcmp0 (state, "revoked") == 0)
    gtk_widget_add_css_class (label, "error");
  else if (g_strcmp0 (state, "active") == 0)
    gtk_widget_add_css_class (label, "success");
  gtk_box_append (GTK_BOX (card), label);

  /* Translators: "Issued 2026-12-03 11:04:05 from generation 1" */
  if (!json_object_get_member (generation, "issued_from") ||
      json_object_get_null_member (generation, "issued_from"))
    issued = g_strdup_printf (_("Issued %s with the code"), issued_clock);
  else
    issued = g_strdup_printf (_("Issued %s from generation %" G_GINT64_FORMAT), issued_clock,
                              gh_json_int (generation, "issued_from"));
  label = gtk_label_new (issued);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 28);
  gtk_widget_add_css_class (label, "caption");
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_end (label, 12);
  gtk_box_append (GTK_BOX (card), label);

  for (guint i = 0; replays != NULL && i < json_array_get_length (replays); i++)
    {
      JsonObject *replay = json_array_get_object_element (replays, i);
      gboolean reuse = g_strcmp0 (gh_json_string (replay, "kind"), "reuse") == 0;
      g_autofree char *window = ms_text (gh_json_int (replay, "grace_window_ms"));
      g_autofree char *text = NULL;

      if (json_object_get_member (replay, "ms_after_rotation") == NULL ||
          json_object_get_null_member (replay, "ms_after_rotation"))
        /* Translators: "Replayed after its rotation (time not recorded) — grace window 0 ms" */
        text = g_strdup_printf (_("Replayed after its rotation (time not recorded) — grace "
                                  "window %s"), window);
      else
        {
          g_autofree char *after = ms_text (gh_json_int (replay, "ms_after_rotation"));

          /* Translators: "Replayed 2153 ms after its rotation — grace window 1000 ms" */
          text = g_strdup_printf (_("Replayed %s after its rotation — grace window %s"), after,
                                  window);
        }
      label = gtk_label_new (text);
      gtk_widget_set_name (label, "lineage-replay");
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 28);
      gtk_widget_add_css_class (label, reuse ? "error" : "warning");
      gtk_widget_set_margin_start (label, 12);
      gtk_widget_set_margin_end (label, 12);
      gtk_widget_set_tooltip_text (label, gh_json_string (replay, "outcome"));
      gtk_box_append (GTK_BOX (card), label);
      label = gtk_label_new (gh_json_string (replay, "outcome"));
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 28);
      gtk_widget_add_css_class (label, "caption");
      gtk_widget_set_margin_start (label, 12);
      gtk_widget_set_margin_end (label, 12);
      gtk_box_append (GTK_BOX (card), label);
    }
  gtk_widget_set_margin_bottom (gtk_widget_get_last_child (card), 10);
  (void) family;
  return card;
}


/* Why a family was revoked (the server's reason code), in words. */
static const char *
revoked_reason_text (const char *reason)
{
  if (g_strcmp0 (reason, "refresh_token_reused") == 0)
    return _("a spent refresh token was used again");
  if (g_strcmp0 (reason, "code_replayed") == 0)
    return _("its authorization code was used twice");
  if (g_strcmp0 (reason, "revoked") == 0)
    return _("the client revoked it (RFC 7009)");
  if (g_strcmp0 (reason, "revoked_by_admin") == 0)
    return _("an administrator revoked it");
  if (g_strcmp0 (reason, "client_deleted") == 0)
    return _("its client was deleted");
  return reason != NULL ? reason : _("no reason recorded");
}

static GtkWidget *
family_group (GhFlowTokens *self,
              JsonObject   *family)
{
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *strip = gtk_flow_box_new ();
  GtkWidget *button = gtk_button_new_with_label (_("Revoke Family"));
  JsonArray *generations = gh_json_array (family, "generations");
  JsonObject *revoked = gh_json_object (family, "revoked");
  JsonObject *reuse = gh_json_object (family, "reuse");
  const char *state = gh_json_string (family, "state");
  g_autofree char *grace = ms_text (gh_json_int (family, "refresh_grace_seconds") * 1000);
  g_autofree char *description = NULL;

  gtk_widget_set_name (group, "refresh-family");
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Refresh Family"));
  if (revoked != NULL)
    /* Translators: "Revoked: a spent token was used again · grace window 0 ms · family 1f2e…" */
    description = g_strdup_printf (_("Revoked: %s · grace window %s · family %s"),
                                   revoked_reason_text (gh_json_string (revoked, "reason")),
                                   grace, gh_json_string (family, "id"));
  else
    description = g_strdup_printf (_("%s · grace window %s · family %s"),
                                   g_strcmp0 (state, "active") == 0 ? _("Active") : _("Expired"),
                                   grace, gh_json_string (family, "id"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), description);

  gtk_widget_set_name (button, "revoke-family");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "destructive-action");
  gtk_widget_set_sensitive (button, revoked == NULL);
  gtk_widget_set_tooltip_text (button, revoked == NULL
                               ? _("Revoke every refresh and access token of this family")
                               : _("The family is revoked already"));
  g_object_set_data_full (G_OBJECT (button), "gh-family-id",
                          g_strdup (gh_json_string (family, "id")), g_free);
  g_signal_connect (button, "clicked", G_CALLBACK (revoke_clicked_cb), self);
  adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (group), button);

  /* The generations in the order issued, wrapping in a narrow pane (each names the one it
   * was issued from). */
  gtk_widget_set_name (strip, "lineage-strip");
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (strip), GTK_SELECTION_NONE);
  gtk_flow_box_set_homogeneous (GTK_FLOW_BOX (strip), TRUE);
  gtk_flow_box_set_min_children_per_line (GTK_FLOW_BOX (strip), 1);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (strip), 4);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (strip), 12);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (strip), 6);
  for (guint i = 0; generations != NULL && i < json_array_get_length (generations); i++)
    {
      GtkWidget *card = generation_card (json_array_get_object_element (generations, i),
                                         family);

      gtk_flow_box_append (GTK_FLOW_BOX (strip), card);
      gtk_widget_set_focusable (gtk_widget_get_parent (card), FALSE);
    }
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), strip);

  if (reuse != NULL)
    {
      GtkWidget *row = action_row ("family-reuse", _("Reuse detected"),
                                   gh_json_string (reuse, "message"));

      adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name ("dialog-error-symbolic"));
      gtk_widget_add_css_class (row, "error");
      /* The lineage strip sits outside a list: this row gets its own boxed list. */
      {
        GtkWidget *list = gtk_list_box_new ();

        gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
        gtk_widget_add_css_class (list, "boxed-list");
        gtk_list_box_append (GTK_LIST_BOX (list), row);
        adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), list);
      }
    }
  return group;
}

/* --- Loading --- */

static void load (GhFlowTokens *self);

static void
show_error (GhFlowTokens *self,
            const char   *message)
{
  adw_status_page_set_description (ADW_STATUS_PAGE (self->error_page), message);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "error");
}

static void
clear_content (GhFlowTokens *self)
{
  GtkWidget *child;

  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_ptr_array_set_size (self->countdowns, 0);
  while ((child = gtk_widget_get_first_child (self->content)) != NULL)
    gtk_box_remove (GTK_BOX (self->content), child);
}

static void
render (GhFlowTokens *self)
{
  guint n = self->events != NULL ? json_array_get_length (self->events) : 0;
  GtkWidget *note;

  clear_content (self);
  if (self->load_error != NULL)
    {
      show_error (self, self->load_error);
      return;
    }
  if (n == 0)
    {
      gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
      return;
    }
  note = gtk_label_new (_("Gatehouse never keeps a token's value. Each token below is what it "
                          "recorded when it signed it: the signature was made then and is not "
                          "re-checked here; the key's state, the expiry and revocation are "
                          "checked now."));
  gtk_widget_set_name (note, "tokens-note");
  gtk_label_set_wrap (GTK_LABEL (note), TRUE);
  gtk_label_set_xalign (GTK_LABEL (note), 0);
  gtk_widget_add_css_class (note, "dim-label");
  gtk_box_append (GTK_BOX (self->content), note);
  if (self->family != NULL)
    gtk_box_append (GTK_BOX (self->content), family_group (self, self->family));
  for (guint i = 0; i < n; i++)
    gtk_box_append (GTK_BOX (self->content),
                    token_group (self, json_array_get_object_element (self->events, i),
                                 g_ptr_array_index (self->reports, i),
                                 g_ptr_array_index (self->report_errors, i), i + 1));
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "tokens");
}

static void
one_done (GhFlowTokens *self)
{
  if (--self->pending == 0)
    render (self);
  update_loading (self);
}

/* What to do with one answer of a load (@answer taken, or NULL with @error). */
typedef void (*Handler) (GhFlowTokens *self,
                         guint         index,
                         JsonObject   *answer,
                         const GError *error);

typedef struct
{
  GhFlowTokens *self;
  GCancellable *cancellable;
  Handler       handler;
  guint         index;
} Call;

static void
answered_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Call *call = user_data;
  g_autoptr(GError) error = NULL;
  JsonObject *answer;

  answer = gh_admin_client_request_json_finish (GH_ADMIN_CLIENT (source), result, &error);
  /* A newer load replaced this one: its answers are dropped. */
  if (g_cancellable_is_cancelled (call->cancellable))
    g_clear_pointer (&answer, json_object_unref);
  else
    {
      call->handler (call->self, call->index, answer, error);
      one_done (call->self);
    }
  g_object_unref (call->self);
  g_object_unref (call->cancellable);
  g_free (call);
}

/* GET /admin/v1@path for the load in flight, its answer to @handler. */
static void
request (GhFlowTokens *self,
         const char   *path,
         Handler       handler,
         guint         index)
{
  Call *call = g_new0 (Call, 1);

  call->self = g_object_ref (self);
  call->cancellable = g_object_ref (self->cancellable);
  call->handler = handler;
  call->index = index;
  self->pending++;
  update_loading (self);
  gh_admin_client_request_json_async (self->client, "GET", path, NULL, self->cancellable,
                                      answered_cb, call);
}

static void
got_token (GhFlowTokens *self,
           guint         index,
           JsonObject   *answer,
           const GError *error)
{
  if (answer != NULL)
    g_ptr_array_index (self->reports, index) = answer;
  else
    g_ptr_array_index (self->report_errors, index) = g_strdup (error->message);
}

static void
got_family (GhFlowTokens *self,
            guint         index,
            JsonObject   *answer,
            const GError *error)
{
  if (answer != NULL)
    self->family = answer;
  else if (self->load_error == NULL)
    self->load_error = g_strdup_printf (_("Could not read the refresh family: %s"),
                                        error->message);
}

static void
got_families (GhFlowTokens *self,
              guint         index,
              JsonObject   *answer,
              const GError *error)
{
  JsonArray *families = gh_json_array (answer, "refresh_families");

  if (answer == NULL && self->load_error == NULL)
    self->load_error = g_strdup_printf (_("Could not read the refresh families: %s"),
                                        error->message);
  else if (families != NULL && json_array_get_length (families) > 0)
    {
      const char *id = gh_json_string (json_array_get_object_element (families, 0), "id");
      g_autofree char *escaped = g_uri_escape_string (id, NULL, FALSE);
      g_autofree char *path = g_strdup_printf ("/projects/%s/refresh-families/%s",
                                               self->project, escaped);

      request (self, path, got_family, 0);
    }
  g_clear_pointer (&answer, json_object_unref);
}

static void
got_events (GhFlowTokens *self,
            guint         index,
            JsonObject   *answer,
            const GError *error)
{
  JsonArray *events = gh_json_array (answer, "events");
  g_autofree char *escaped_flow = g_uri_escape_string (self->flow_id, NULL, FALSE);
  g_autofree char *families = g_strdup_printf ("/projects/%s/refresh-families?flow_id=%s",
                                               self->project, escaped_flow);

  if (answer == NULL)
    {
      self->load_error = g_strdup_printf (_("Could not read the flow's token events: %s"),
                                          error->message);
      return;
    }
  /* Newest first from the server: the tab shows them in the order issued. */
  for (guint i = events != NULL ? json_array_get_length (events) : 0; i > 0; i--)
    {
      JsonObject *event = json_array_get_object_element (events, i - 1);
      const char *type = gh_json_string (event, "type");
      const char *jti = gh_json_string (gh_json_object (event, "details"), "jti");

      if (jti == NULL || (g_strcmp0 (type, "token.issued") != 0 &&
                          g_strcmp0 (type, "token.refreshed") != 0))
        continue;
      json_array_add_object_element (self->events, json_object_ref (event));
    }
  g_ptr_array_set_size (self->reports, json_array_get_length (self->events));
  g_ptr_array_set_size (self->report_errors, json_array_get_length (self->events));
  for (guint i = 0; i < json_array_get_length (self->events); i++)
    {
      JsonObject *event = json_array_get_object_element (self->events, i);
      const char *jti = gh_json_string (gh_json_object (event, "details"), "jti");
      g_autofree char *escaped = g_uri_escape_string (jti, NULL, FALSE);
      g_autofree char *path = g_strdup_printf ("/projects/%s/tokens/%s", self->project,
                                               escaped);

      request (self, path, got_token, i);
    }
  request (self, families, got_families, 0);
  json_object_unref (answer);
}

static void
reset_load (GhFlowTokens *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->pending = 0;
  g_clear_pointer (&self->events, json_array_unref);
  g_ptr_array_set_size (self->reports, 0);
  g_ptr_array_set_size (self->report_errors, 0);
  g_clear_pointer (&self->family, json_object_unref);
  g_clear_pointer (&self->load_error, g_free);
  update_loading (self);
}

static void
load (GhFlowTokens *self)
{
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;

  reset_load (self);
  if (self->client == NULL || self->project == NULL || self->flow_id == NULL)
    {
      clear_content (self);
      gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
      return;
    }
  self->cancellable = g_cancellable_new ();
  self->events = json_array_new ();
  escaped = g_uri_escape_string (self->flow_id, NULL, FALSE);
  path = g_strdup_printf ("/projects/%s/audit?flow_id=%s&type_prefix=token.&limit=200",
                          self->project, escaped);
  request (self, path, got_events, 0);
}

/* --- Revoke family --- */

static void
revoked_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GhFlowTokens *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = NULL;

  answer = gh_admin_client_request_json_finish (GH_ADMIN_CLIENT (source), result, &error);
  self->revoking = FALSE;
  update_loading (self);
  if (answer == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Could not revoke the family: %s"),
                                               error->message);

      gtk_widget_activate_action (GTK_WIDGET (self), "win.show-toast", "s", text);
    }
  else
    gtk_widget_activate_action (GTK_WIDGET (self), "win.show-toast", "s",
                                _("Refresh family revoked: its tokens no longer work"));
  if (self->client != NULL)
    load (self);
  g_object_unref (self);
}

static void
confirm_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     GhFlowTokens     *self)
{
  const char *family_id = g_object_get_data (G_OBJECT (dialog), "gh-family-id");
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;

  if (g_strcmp0 (response, "revoke") != 0 || self->client == NULL)
    return;
  escaped = g_uri_escape_string (family_id, NULL, FALSE);
  path = g_strdup_printf ("/projects/%s/refresh-families/%s/revoke", self->project, escaped);
  self->revoking = TRUE;
  update_loading (self);
  gh_admin_client_request_json_async (self->client, "POST", path, NULL, NULL, revoked_cb,
                                      g_object_ref (self));
}

static void
revoke_clicked_cb (GtkButton    *button,
                   GhFlowTokens *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  AdwMessageDialog *dialog;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root)
                                                                            : NULL,
                                                       _("Revoke This Refresh Family?"),
                                                       NULL));
  adw_message_dialog_set_body (dialog, _("The client's refresh token and every access token "
                                         "issued from this family stop working at once: the "
                                         "user has to sign in again."));
  gtk_widget_set_name (GTK_WIDGET (dialog), "revoke-family-confirm");
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "revoke", _("_Revoke"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "revoke", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "gh-family-id",
                          g_strdup (g_object_get_data (G_OBJECT (button), "gh-family-id")),
                          g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (confirm_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* --- The widget --- */

static void
gh_flow_tokens_dispose (GObject *object)
{
  GhFlowTokens *self = GH_FLOW_TOKENS (object);

  reset_load (self);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->countdowns != NULL)
    g_ptr_array_set_size (self->countdowns, 0);
  g_clear_pointer (&self->stack, gtk_widget_unparent);
  g_clear_object (&self->client);
  G_OBJECT_CLASS (gh_flow_tokens_parent_class)->dispose (object);
}

static void
gh_flow_tokens_finalize (GObject *object)
{
  GhFlowTokens *self = GH_FLOW_TOKENS (object);

  g_clear_pointer (&self->project, g_free);
  g_clear_pointer (&self->flow_id, g_free);
  g_clear_pointer (&self->reports, g_ptr_array_unref);
  g_clear_pointer (&self->report_errors, g_ptr_array_unref);
  g_clear_pointer (&self->countdowns, g_ptr_array_unref);
  G_OBJECT_CLASS (gh_flow_tokens_parent_class)->finalize (object);
}

static void
gh_flow_tokens_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  GhFlowTokens *self = GH_FLOW_TOKENS (object);

  switch (prop_id)
    {
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_flow_tokens_class_init (GhFlowTokensClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gh_flow_tokens_dispose;
  object_class->finalize = gh_flow_tokens_finalize;
  object_class->get_property = gh_flow_tokens_get_property;
  /* TRUE while an answer is awaited: a page may show itself busy until the tab is filled. */
  properties[PROP_LOADING] = g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                                   G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
report_free (gpointer data)
{
  if (data != NULL)
    json_object_unref (data);
}

static void
gh_flow_tokens_init (GhFlowTokens *self)
{
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *clamp = adw_clamp_new ();

  self->reports = g_ptr_array_new_with_free_func (report_free);
  self->report_errors = g_ptr_array_new_with_free_func (g_free);
  self->countdowns = g_ptr_array_new_with_free_func (g_object_unref);

  gtk_widget_set_name (GTK_WIDGET (self), "flow-tokens");
  self->stack = gtk_stack_new ();
  gtk_widget_set_parent (self->stack, GTK_WIDGET (self));

  self->empty_page = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (self->empty_page),
                                 "dialog-password-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (self->empty_page), _("No Tokens Yet"));
  adw_status_page_set_description (ADW_STATUS_PAGE (self->empty_page),
                                   _("This flow has not obtained a token: its tokens appear "
                                     "here once the client redeems the code at /token."));
  gtk_stack_add_named (GTK_STACK (self->stack), self->empty_page, "empty");

  self->error_page = adw_status_page_new ();
  gtk_widget_set_name (self->error_page, "tokens-error");
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (self->error_page), "dialog-error-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (self->error_page), _("Could Not Read the Tokens"));
  gtk_stack_add_named (GTK_STACK (self->stack), self->error_page, "error");

  self->content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 24);
  gtk_widget_set_name (self->content, "flow-tokens-content");
  gtk_widget_set_margin_top (self->content, 18);
  gtk_widget_set_margin_bottom (self->content, 24);
  gtk_widget_set_margin_start (self->content, 12);
  gtk_widget_set_margin_end (self->content, 12);
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 860);
  adw_clamp_set_child (ADW_CLAMP (clamp), self->content);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_stack_add_named (GTK_STACK (self->stack), scrolled, "tokens");
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
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
  JsonObject *flow = gh_json_object (detail, "flow");
  const char *flow_id = gh_json_string (flow, "id");
  gint64 last_event_id = gh_json_int (flow, "last_event_id");

  g_return_if_fail (GH_IS_FLOW_TOKENS (self));
  g_return_if_fail (client == NULL || GH_IS_ADMIN_CLIENT (client));

  /* The same flow with no new event: what is shown holds (the countdown ticks on). */
  if (client == self->client && g_strcmp0 (project, self->project) == 0 &&
      g_strcmp0 (flow_id, self->flow_id) == 0 && last_event_id == self->last_event_id &&
      flow_id != NULL)
    return;
  g_set_object (&self->client, client);
  g_free (self->project);
  self->project = g_strdup (project);
  g_free (self->flow_id);
  self->flow_id = g_strdup (flow_id);
  self->last_event_id = last_event_id;
  load (self);
}

void
gh_flow_tokens_reload (GhFlowTokens *self)
{
  g_return_if_fail (GH_IS_FLOW_TOKENS (self));
  load (self);
}

gboolean
gh_flow_tokens_get_loading (GhFlowTokens *self)
{
  g_return_val_if_fail (GH_IS_FLOW_TOKENS (self), FALSE);
  return self->loading;
}
