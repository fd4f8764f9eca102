/* gh-cimd-page.c — the CIMD preview: a client metadata document fetched and checked
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "gh-admin-json.h"
#include "gh-cimd-page.h"
#include "gh-explain-card.h"
#include "gh-property-row.h"

/* The URLs the history keeps. */
#define HISTORY_MAX 12

/* A client_id URL resolved by the server (POST .../cimd/resolve: every check /authorize would
 * run, the network, the cache, the document; nothing stored), and for a client imported from
 * it, the document fetched again against the stored copy (POST .../clients/{id}/refresh) with
 * Save applying it. The report is drawn as it comes: the page only arranges it. */
struct _GhCimdPage
{
  GhPage          parent_instance;

  GSettings      *settings;
  GCancellable   *cancellable;    /* the resolve or refresh in flight (Cancel) */
  GCancellable   *lookup;         /* whether the URL is an imported client */
  GSimpleActionGroup *actions;    /* "cimd.*", on the page and its header widgets */
  GtkWidget      *import_button;  /* header widgets */
  GtkWidget      *check_changes_button;
  char           *url;            /* the URL of the report shown, or being resolved */
  JsonObject     *report;         /* the report shown */
  JsonObject     *refresh;        /* the refresh answer shown on Changes, or NULL */
  char           *pending_target; /* open_target before the connection was ready */
  GtkTextMark    *failing_mark;   /* where the failing member starts in the document */
  gboolean        imported;       /* the URL is an imported client of the project */
  gboolean        refreshing;     /* the request in flight is a refresh, not a resolve */

  /* Template widgets */
  GtkBox         *cache_box;
  GtkButton      *cancel_button;
  GtkBox         *changes_box;
  GtkBox         *checks_box;
  GtkStack       *content_stack;
  AdwStatusPage  *document_none_page;
  GtkScrolledWindow *document_scroller;
  GtkStack       *document_stack;
  GtkTextView    *document_view;
  AdwStatusPage  *error_page;
  GtkMenuButton  *history_button;
  GtkListBox     *history_list;
  GtkPopover     *history_popover;
  GtkBox         *network_box;
  GtkStack       *resolve_stack;
  GtkSpinner     *spinner;
  GtkEntry       *url_entry;
  GtkBox         *verdict_box;
  GtkLabel       *verdict_detail;
  GtkImage       *verdict_icon;
  GtkLabel       *verdict_label;
  AdwViewStack   *view_stack;
  AdwViewSwitcherTitle *switcher_title;
};

G_DEFINE_FINAL_TYPE (GhCimdPage, gh_cimd_page, GH_TYPE_PAGE)

static void resolve (GhCimdPage *self,
                     const char *url,
                     gboolean    bypass_cache);
static void check_changes (GhCimdPage *self,
                           const char *client_id);

/* ---- reading the report ------------------------------------------------------------ */

static JsonArray *
report_checks (GhCimdPage *self)
{
  return gh_json_array (self->report, "checks");
}

/* The first failing check outside @phase_skip (NULL: any), in report order. */
static JsonObject *
first_failure (GhCimdPage *self,
               const char *phase_skip)
{
  JsonArray *checks = report_checks (self);

  for (guint i = 0; checks != NULL && i < json_array_get_length (checks); i++)
    {
      JsonObject *check = json_array_get_object_element (checks, i);

      if (g_strcmp0 (gh_json_string (check, "status"), "fail") == 0 &&
          (phase_skip == NULL || g_strcmp0 (gh_json_string (check, "phase"), phase_skip) != 0))
        return check;
    }
  return NULL;
}

static const char *
phase_title (const char *phase)
{
  if (g_strcmp0 (phase, "url") == 0)
    return _("URL");
  if (g_strcmp0 (phase, "fetch") == 0)
    return _("Fetch");
  if (g_strcmp0 (phase, "document") == 0)
    return _("Document");
  if (g_strcmp0 (phase, "policy") == 0)
    return _("Project Settings");
  return phase;
}

/* "an HTML page": what the first bytes looked like, as a sentence needs it. */
static char *
sniff_phrase (const char *sniff)
{
  if (sniff == NULL)
    return g_strdup (_("a body"));
  if (g_str_equal (sniff, "HTML page"))
    return g_strdup (_("an HTML page"));
  if (g_str_equal (sniff, "JSON object"))
    return g_strdup (_("a JSON object"));
  if (g_str_equal (sniff, "JSON array"))
    return g_strdup (_("a JSON array"));
  if (g_str_equal (sniff, "empty"))
    return g_strdup (_("an empty body"));
  return g_strdup (sniff);
}

/* What @check says in a sentence, with the network's evidence where it says more. */
static char *
failure_sentence (GhCimdPage *self,
                  JsonObject *check)
{
  JsonObject *network = gh_json_object (self->report, "network");
  const char *id = gh_json_string (check, "id");
  gint64 status = gh_json_int_or (network, "status", 0);
  const char *message;

  if (status > 0 && g_strcmp0 (id, "http.status") == 0)
    {
      g_autofree char *sniff = sniff_phrase (gh_json_string (network, "body_sniff"));

      return g_strdup_printf (_("the server answered %d with %s"), (int) status, sniff);
    }
  if (status > 0 && g_strcmp0 (id, "http.redirect") == 0)
    {
      const char *location = gh_json_string (gh_json_object (network, "response_headers"),
                                             "location");

      if (location != NULL)
        return g_strdup_printf (_("the server answered %d, redirecting to %s"),
                                (int) status, location);
    }
  if (status > 0 && g_strcmp0 (id, "http.content_type") == 0)
    {
      g_autofree char *sniff = sniff_phrase (gh_json_string (network, "body_sniff"));
      const char *type = gh_json_string (network, "content_type");

      return g_strdup_printf (_("the server answered %s with %s, not JSON"),
                              type != NULL ? type : _("no content type"), sniff);
    }
  message = gh_json_string (check, "message");
  /* "The document's client_id …" continues the sentence: "Refused at document: the …". */
  if (message != NULL && g_ascii_isupper (message[0]) && g_ascii_islower (message[1]))
    return g_strdup_printf ("%c%s", g_ascii_tolower (message[0]), message + 1);
  return g_strdup (message);
}

/* ---- small widgets ----------------------------------------------------------------- */

static void
clear_box (GtkBox *box)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (box))) != NULL)
    gtk_box_remove (box, child);
}

static AdwPreferencesGroup *
add_group (GtkBox     *box,
           const char *title,
           const char *description)
{
  GtkWidget *group = adw_preferences_group_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  if (description != NULL)
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), description);
  gtk_box_append (box, group);
  return ADW_PREFERENCES_GROUP (group);
}

static GtkWidget *
add_property (AdwPreferencesGroup *group,
              const char          *title,
              const char          *value,
              const char          *name)
{
  GtkWidget *row = g_object_new (GH_TYPE_PROPERTY_ROW,
                                 "title", title,
                                 "value", value != NULL && *value != '\0' ? value : _("None"),
                                 NULL);

  if (name != NULL)
    gtk_widget_set_name (row, name);
  adw_preferences_group_add (group, row);
  return row;
}

static GtkWidget *
text_label (const char *text,
            const char *name)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  if (name != NULL)
    gtk_widget_set_name (label, name);
  return label;
}

static GtkWidget *
status_icon (const char *status)
{
  const char *icon = "emblem-ok-symbolic";
  const char *css = "success";
  const char *label = _("Passed");
  GtkWidget *image;

  if (g_strcmp0 (status, "fail") == 0)
    icon = "dialog-error-symbolic", css = "error", label = _("Failed");
  else if (g_strcmp0 (status, "warn") == 0)
    icon = "dialog-warning-symbolic", css = "warning", label = _("Warning");
  else if (g_strcmp0 (status, "pass") != 0)
    icon = "action-unavailable-symbolic", css = "dim-label", label = _("Not run");

  image = gtk_image_new_from_icon_name (icon);
  gtk_widget_add_css_class (image, css);
  gtk_widget_set_tooltip_text (image, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (image),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  return image;
}

static char *
format_duration (gint64 seconds)
{
  if (seconds < 0)
    return g_strdup (_("unknown"));
  if (seconds < 120)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d second", "%d seconds",
                                         (gulong) seconds), (int) seconds);
  if (seconds < 2 * 3600)
    return g_strdup_printf (_("%d min"), (int) (seconds / 60));
  if (seconds < 2 * 86400)
    return g_strdup_printf (_("%d h"), (int) (seconds / 3600));
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d day", "%d days",
                                       (gulong) (seconds / 86400)), (int) (seconds / 86400));
}

static char *
format_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (unix_seconds);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  gint64 delta = unix_seconds - g_date_time_to_unix (now);
  g_autofree char *absolute = time ? g_date_time_format (time, "%Y-%m-%d %H:%M:%S") : NULL;
  g_autofree char *relative = format_duration (ABS (delta));

  if (absolute == NULL)
    return g_strdup (_("unknown"));
  if (delta > 0)
    return g_strdup_printf (_("%s (in %s)"), absolute, relative);
  return g_strdup_printf (_("%s (%s ago)"), absolute, relative);
}

/* ---- Checks ------------------------------------------------------------------------ */

/* The setting a fix can safely turn on for a policy check: booleans only. */
static JsonObject *
setting_fix (JsonObject *check)
{
  const char *setting = gh_json_string (check, "setting");
  JsonObject *fix;

  if (g_strcmp0 (gh_json_string (check, "phase"), "policy") != 0 ||
      (g_strcmp0 (setting, "cimd_enabled") != 0 &&
       g_strcmp0 (setting, "allow_loopback_cimd") != 0))
    return NULL;
  fix = json_object_new ();
  json_object_set_string_member (fix, "action", "set_setting");
  json_object_set_string_member (fix, "key", setting);
  json_object_set_string_member (fix, "value", "true");
  return fix;
}

/* A check as an explain object: the card draws expected against actual, the clause and,
 * for a setting, the fix. */
static JsonObject *
check_explain (JsonObject *check)
{
  JsonObject *explain = json_object_new ();
  g_autofree char *rule = g_strconcat ("cimd.", gh_json_string (check, "id"), NULL);
  const char *setting = gh_json_string (check, "setting");
  JsonObject *fix = setting_fix (check);

  json_object_set_string_member (explain, "rule", rule);
  json_object_set_string_member (explain, "message", gh_json_string (check, "message"));
  if (gh_json_string (check, "expected") != NULL)
    json_object_set_string_member (explain, "expected", gh_json_string (check, "expected"));
  if (gh_json_string (check, "actual") != NULL)
    json_object_set_string_member (explain, "actual", gh_json_string (check, "actual"));
  if (gh_json_string (check, "clause") != NULL)
    json_object_set_string_member (explain, "spec", gh_json_string (check, "clause"));
  if (setting != NULL)
    {
      g_autofree char *hint = NULL;

      hint = g_strdup_printf (_("Decided by the project setting %s."), setting);
      json_object_set_string_member (explain, "hint", hint);
    }
  if (fix != NULL)
    json_object_set_object_member (explain, "fix", fix);
  return explain;
}

static void
explain_fixed_cb (GhCimdPage *self)
{
  if (self->url != NULL)
    resolve (self, self->url, FALSE);
}

static GtkWidget *
check_row (JsonObject *check)
{
  const char *status = gh_json_string (check, "status");
  const char *expected = gh_json_string (check, "expected");
  const char *actual = gh_json_string (check, "actual");
  const char *clause = gh_json_string (check, "clause");
  const char *setting = gh_json_string (check, "setting");
  g_autofree char *title = g_markup_escape_text (gh_json_string (check, "message") ?: "", -1);
  GtkWidget *row = adw_expander_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), gh_json_string (check, "id"));
  adw_expander_row_add_prefix (ADW_EXPANDER_ROW (row), status_icon (status));
  gtk_widget_set_name (row, gh_json_string (check, "id"));

  {
    const char *titles[] = { N_("Expected"), N_("Actual"), N_("Standard"), N_("Setting") };
    const char *values[] = { expected, actual, clause, setting };

    for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
      if (values[i] != NULL)
        adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                                  g_object_new (GH_TYPE_PROPERTY_ROW,
                                                "title", _(titles[i]),
                                                "value", values[i],
                                                NULL));
  }
  return row;
}

/* Whether a check of @phase failed. */
static gboolean
phase_failed (GhCimdPage *self,
              const char *phase)
{
  JsonArray *checks = report_checks (self);

  for (guint i = 0; checks != NULL && i < json_array_get_length (checks); i++)
    {
      JsonObject *check = json_array_get_object_element (checks, i);

      if (g_strcmp0 (gh_json_string (check, "phase"), phase) == 0 &&
          g_strcmp0 (gh_json_string (check, "status"), "fail") == 0)
        return TRUE;
    }
  return FALSE;
}

static void
show_checks (GhCimdPage *self)
{
  const char *all_phases[] = { "url", "fetch", "document", "policy" };
  const char *phases[G_N_ELEMENTS (all_phases)];
  JsonArray *checks = report_checks (self);
  GhAdminClient *client = gh_page_get_admin_client (GH_PAGE (self));
  guint n_phases = 0;

  /* The phases where a check failed first, then the others, each in the resolver's order. */
  for (guint round = 0; round < 2; round++)
    for (guint p = 0; p < G_N_ELEMENTS (all_phases); p++)
      if (phase_failed (self, all_phases[p]) == (round == 0))
        phases[n_phases++] = all_phases[p];

  clear_box (self->checks_box);
  for (guint p = 0; p < G_N_ELEMENTS (phases); p++)
    {
      GtkWidget *section = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
      GtkWidget *heading;
      GtkWidget *list = gtk_list_box_new ();
      g_autofree char *name = g_strconcat ("phase-", phases[p], NULL);
      guint n_checks = 0;
      guint n_failed = 0;

      gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
      gtk_widget_add_css_class (list, "boxed-list");
      gtk_widget_set_name (section, name);

      /* Failures first, each as its explain card; then the warnings, passes and skips. */
      for (guint pass = 0; pass < 2; pass++)
        for (guint i = 0; checks != NULL && i < json_array_get_length (checks); i++)
          {
            JsonObject *check = json_array_get_object_element (checks, i);
            gboolean failed = g_strcmp0 (gh_json_string (check, "status"), "fail") == 0;

            if (g_strcmp0 (gh_json_string (check, "phase"), phases[p]) != 0 ||
                failed != (pass == 0))
              continue;
            n_checks++;
            if (failed)
              {
                g_autoptr(JsonObject) explain = check_explain (check);
                GtkWidget *card = gh_explain_card_new ();

                n_failed++;
                gtk_widget_set_name (card, gh_json_string (check, "id"));
                gh_explain_card_set_explain (GH_EXPLAIN_CARD (card), explain);
                if (client != NULL)
                  gh_explain_card_set_target (GH_EXPLAIN_CARD (card), client,
                                              gh_page_get_project (GH_PAGE (self)));
                g_signal_connect_object (card, "fixed", G_CALLBACK (explain_fixed_cb), self,
                                         G_CONNECT_SWAPPED);
                gtk_box_append (GTK_BOX (section), card);
              }
            else
              gtk_list_box_append (GTK_LIST_BOX (list), check_row (check));
          }
      if (n_checks == 0)
        {
          g_object_ref_sink (section);
          g_object_unref (section);
          g_object_ref_sink (list);
          g_object_unref (list);
          continue;
        }

      {
        g_autofree char *text = NULL;

        if (n_failed > 0)
          text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s · %u failed",
                                               "%s · %u failed", n_failed),
                                  phase_title (phases[p]), n_failed);
        else
          text = g_strdup (phase_title (phases[p]));
        heading = gtk_label_new (text);
        gtk_label_set_xalign (GTK_LABEL (heading), 0);
        gtk_widget_add_css_class (heading, "heading");
        gtk_box_prepend (GTK_BOX (section), heading);
      }
      if (gtk_widget_get_first_child (list) != NULL)
        gtk_box_append (GTK_BOX (section), list);
      else
        {
          g_object_ref_sink (list);
          g_object_unref (list);
        }
      gtk_box_append (self->checks_box, section);
    }
}

/* ---- Network ----------------------------------------------------------------------- */

typedef struct
{
  const char *member;
  const char *label;
  GdkRGBA     color;
} TimingPhase;

/* The GNOME palette: blue 3, green 4, yellow 5, orange 3, purple 3. */
static const TimingPhase timing_phases[] = {
  { "dns", N_("DNS"), { 0.208, 0.518, 0.894, 1 } },
  { "connect", N_("Connect"), { 0.180, 0.761, 0.494, 1 } },
  { "tls", N_("TLS"), { 0.898, 0.647, 0.039, 1 } },
  { "first_byte", N_("First byte"), { 1.0, 0.471, 0.0, 1 } },
  { "body", N_("Body"), { 0.569, 0.255, 0.675, 1 } },
};

static void
draw_timing (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        user_data)
{
  JsonObject *timings = user_data;
  double total = 0;
  double x = 0;
  PangoLayout *layout;

  for (guint i = 0; i < G_N_ELEMENTS (timing_phases); i++)
    total += MAX (0, gh_json_int_or (timings, timing_phases[i].member, -1));

  /* A track behind the segments: empty when nothing took time. */
  cairo_set_source_rgba (cr, 0.5, 0.5, 0.5, 0.15);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);
  if (total <= 0)
    return;

  layout = gtk_widget_create_pango_layout (GTK_WIDGET (area), NULL);
  for (guint i = 0; i < G_N_ELEMENTS (timing_phases); i++)
    {
      gint64 ms = gh_json_int_or (timings, timing_phases[i].member, -1);
      double w;
      int text_w;
      int text_h;
      g_autofree char *text = NULL;

      if (ms <= 0)
        continue;
      w = width * ms / total;
      gdk_cairo_set_source_rgba (cr, &timing_phases[i].color);
      cairo_rectangle (cr, x, 0, MAX (w, 2), height);
      cairo_fill (cr);

      /* Its label inside the segment when it fits. */
      text = g_strdup_printf (_("%s %d ms"), _(timing_phases[i].label), (int) ms);
      pango_layout_set_text (layout, text, -1);
      pango_layout_get_pixel_size (layout, &text_w, &text_h);
      if (text_w + 8 <= w)
        {
          cairo_set_source_rgb (cr, 1, 1, 1);
          cairo_move_to (cr, x + (w - text_w) / 2, (height - text_h) / 2.0);
          pango_cairo_show_layout (cr, layout);
        }
      x += w;
    }
  g_object_unref (layout);
}

static void
draw_swatch (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        user_data)
{
  const GdkRGBA *color = user_data;

  gdk_cairo_set_source_rgba (cr, color);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);
}

static GtkWidget *
timing_widget (JsonObject *timings)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *bar = gtk_drawing_area_new ();
  GtkWidget *legend = gtk_flow_box_new ();
  g_autoptr(GString) description = g_string_new (NULL);
  g_autofree char *total = NULL;
  GtkWidget *total_label;

  gtk_widget_add_css_class (box, "card");
  gtk_widget_set_name (bar, "timing-bar");
  gtk_widget_set_margin_top (bar, 12);
  gtk_widget_set_margin_start (bar, 12);
  gtk_widget_set_margin_end (bar, 12);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (bar), 28);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (bar), draw_timing,
                                  json_object_ref (timings),
                                  (GDestroyNotify) json_object_unref);
  gtk_box_append (GTK_BOX (box), bar);

  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (legend), GTK_SELECTION_NONE);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (legend), 6);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (legend), 12);
  gtk_widget_set_margin_start (legend, 12);
  gtk_widget_set_margin_end (legend, 12);
  gtk_widget_set_name (legend, "timing-legend");
  for (guint i = 0; i < G_N_ELEMENTS (timing_phases); i++)
    {
      gint64 ms = gh_json_int_or (timings, timing_phases[i].member, -1);
      GtkWidget *item = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      GtkWidget *swatch = gtk_drawing_area_new ();
      g_autofree char *text = NULL;

      if (ms < 0)
        text = g_strdup_printf (_("%s: not done"), _(timing_phases[i].label));
      else
        text = g_strdup_printf (_("%s: %d ms"), _(timing_phases[i].label), (int) ms);
      g_string_append_printf (description, "%s%s", description->len ? ", " : "", text);
      gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (swatch), 12);
      gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (swatch), 12);
      gtk_widget_set_valign (swatch, GTK_ALIGN_CENTER);
      gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (swatch), draw_swatch,
                                      (gpointer) &timing_phases[i].color, NULL);
      gtk_box_append (GTK_BOX (item), swatch);
      gtk_box_append (GTK_BOX (item), gtk_label_new (text));
      if (ms < 0)
        gtk_widget_add_css_class (item, "dim-label");
      gtk_flow_box_append (GTK_FLOW_BOX (legend), item);
    }
  gtk_box_append (GTK_BOX (box), legend);

  total = g_strdup_printf (_("Total: %d ms"), (int) gh_json_int_or (timings, "total", 0));
  total_label = gtk_label_new (total);
  gtk_label_set_xalign (GTK_LABEL (total_label), 0);
  gtk_widget_set_margin_start (total_label, 12);
  gtk_widget_set_margin_bottom (total_label, 12);
  gtk_widget_add_css_class (total_label, "numeric");
  gtk_box_append (GTK_BOX (box), total_label);

  gtk_accessible_update_property (GTK_ACCESSIBLE (bar),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Timing"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description->str, -1);
  return box;
}

static GtkWidget *
address_row (JsonObject *address)
{
  const char *verdict = gh_json_string (address, "verdict");
  const char *range = gh_json_string (address, "range");
  gboolean connected = gh_json_bool (address, "connected");
  gboolean refused = verdict == NULL || !g_str_has_prefix (verdict, "allowed");
  g_autofree char *subtitle = NULL;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *badge;

  subtitle = g_strdup_printf ("%s%s%s", range != NULL ? range : _("unknown range"),
                              connected ? " · " : "", connected ? _("connected") : "");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), gh_json_string (address, "address"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_preferences_row_set_title_selectable (ADW_PREFERENCES_ROW (row), TRUE);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), status_icon (refused ? "fail" : "pass"));
  badge = gtk_label_new (verdict != NULL ? verdict : _("not checked"));
  gtk_widget_add_css_class (badge, refused ? "error" : "success");
  gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), badge);
  return row;
}

static void
show_network (GhCimdPage *self)
{
  JsonObject *network = gh_json_object (self->report, "network");
  JsonArray *addresses = gh_json_array (network, "addresses");
  JsonObject *response_headers = gh_json_object (network, "response_headers");
  JsonObject *timings = gh_json_object (network, "timings_ms");
  const char *location = gh_json_string (response_headers, "location");
  const char *excerpt = gh_json_string (network, "body_excerpt");
  gint64 status = gh_json_int_or (network, "status", 0);
  gint64 size = gh_json_int_or (network, "size", -1);
  gint64 max_bytes = gh_json_int_or (network, "max_bytes", -1);
  AdwPreferencesGroup *group;

  clear_box (self->network_box);
  if (network == NULL || json_object_get_size (network) == 0)
    {
      GtkWidget *page = adw_status_page_new ();

      adw_status_page_set_icon_name (ADW_STATUS_PAGE (page), "network-wired-symbolic");
      adw_status_page_set_title (ADW_STATUS_PAGE (page), _("Nothing Was Fetched"));
      adw_status_page_set_description (ADW_STATUS_PAGE (page),
                                       _("A check before the fetch refused the URL, or a fresh "
                                         "cached copy was used. Re-fetch to bypass the cache."));
      gtk_box_append (self->network_box, page);
      return;
    }

  group = add_group (self->network_box, _("Addresses"),
                     _("Every address the host resolved to, with the range it is in and "
                       "whether the server may connect to it"));
  if (addresses != NULL && json_array_get_length (addresses) > 0)
    for (guint i = 0; i < json_array_get_length (addresses); i++)
      adw_preferences_group_add (group,
                                 address_row (json_array_get_object_element (addresses, i)));
  else
    add_property (group, _("Resolved"), _("No address"), NULL);

  group = add_group (self->network_box, _("Answer"), NULL);
  if (status > 0)
    {
      g_autofree char *line = g_strdup_printf ("%d %s", (int) status,
                                               soup_status_get_phrase ((guint) status));

      add_property (group, _("Status"), line, "status-row");
    }
  else
    add_property (group, _("Status"), _("No answer"), "status-row");
  add_property (group, _("Content type"), gh_json_string (network, "content_type"),
                "content-type-row");
  if (size >= 0)
    {
      g_autofree char *text = NULL;

      if (max_bytes > 0)
        text = g_strdup_printf (_("%" G_GINT64_FORMAT " bytes of %" G_GINT64_FORMAT
                                  " allowed (%d%%)"), size, max_bytes,
                                (int) (100 * size / max_bytes));
      else
        text = g_strdup_printf (_("%" G_GINT64_FORMAT " bytes"), size);
      if (max_bytes > 0)
        {
          GtkWidget *row = add_property (group, _("Size"), text, "size-row");
          GtkWidget *level = gtk_level_bar_new_for_interval (0, (double) max_bytes);

          /* The share of the cap, in a bar beside the number. */
          gtk_level_bar_set_value (GTK_LEVEL_BAR (level), (double) MIN (size, max_bytes));
          gtk_level_bar_add_offset_value (GTK_LEVEL_BAR (level), GTK_LEVEL_BAR_OFFSET_LOW,
                                          max_bytes * 0.75);
          gtk_level_bar_add_offset_value (GTK_LEVEL_BAR (level), GTK_LEVEL_BAR_OFFSET_HIGH,
                                          max_bytes * 0.9);
          gtk_widget_set_size_request (level, 120, -1);
          gtk_widget_set_valign (level, GTK_ALIGN_CENTER);
          gtk_accessible_update_property (GTK_ACCESSIBLE (level),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, _("Size against the cap"),
                                          -1);
          gtk_box_append (GTK_BOX (gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (row))), level);
        }
      else
        add_property (group, _("Size"), text, "size-row");
    }
  if (location != NULL)
    {
      GtkWidget *row = add_property (group, _("Location (refused: never followed)"), location,
                                     "location-row");

      gtk_widget_add_css_class (row, "error");
    }
  if (excerpt != NULL)
    {
      const char *sniff = gh_json_string (network, "body_sniff");
      g_autofree char *title = g_strdup_printf (_("First bytes: %s"),
                                                sniff != NULL ? sniff : _("unknown"));
      g_autofree char *shown = g_strconcat (excerpt,
                                            gh_json_bool (network, "body_excerpt_truncated") ?
                                            "…" : "", NULL);
      GtkWidget *row = add_property (group, title, shown, "excerpt-row");

      gtk_widget_add_css_class (row, "monospace");
    }

  if (timings != NULL)
    {
      group = add_group (self->network_box, _("Timing"),
                         _("DNS · connect · TLS · first byte · body, on one bar"));
      adw_preferences_group_add (group, timing_widget (timings));
    }

  if (gh_json_object (network, "request_headers") != NULL)
    {
      JsonObject *headers = gh_json_object (network, "request_headers");
      g_autoptr(GList) names = json_object_get_members (headers);

      group = add_group (self->network_box, _("Request Headers"),
                         _("What the server sent (Copy as curl repeats it)"));
      for (const GList *l = names; l != NULL; l = l->next)
        add_property (group, l->data, gh_json_string (headers, l->data), NULL);
    }
}

/* ---- Cache ------------------------------------------------------------------------- */

static void
show_cache (GhCimdPage *self)
{
  JsonObject *cache = gh_json_object (self->report, "cache");
  const char *result = gh_json_string (cache, "result");
  const char *meaning = NULL;
  AdwPreferencesGroup *group;
  g_autofree char *ttl = NULL;
  g_autofree char *age = NULL;
  g_autofree char *fetched = NULL;
  g_autofree char *next = NULL;
  g_autofree char *result_text = NULL;

  clear_box (self->cache_box);
  if (cache == NULL)
    {
      GtkWidget *page = adw_status_page_new ();

      adw_status_page_set_icon_name (ADW_STATUS_PAGE (page), "document-save-symbolic");
      adw_status_page_set_title (ADW_STATUS_PAGE (page), _("Not Cached"));
      adw_status_page_set_description (ADW_STATUS_PAGE (page),
                                       _("A refused document is never cached: /authorize "
                                         "fetches it again next time."));
      gtk_box_append (self->cache_box, page);
      return;
    }

  if (g_strcmp0 (result, "hit") == 0)
    meaning = _("Hit: a fresh cached copy was used, nothing was fetched");
  else if (g_strcmp0 (result, "miss") == 0)
    meaning = _("Miss: no cached copy, the document was fetched");
  else if (g_strcmp0 (result, "revalidated") == 0)
    meaning = _("Revalidated: the cached copy was stale and the server confirmed it");
  else if (g_strcmp0 (result, "bypassed") == 0)
    meaning = _("Bypassed: fetched again past the cache, as asked");
  result_text = g_strdup (meaning != NULL ? meaning : result);

  ttl = format_duration (gh_json_int_or (cache, "ttl_s", -1));
  if (gh_json_string (cache, "why") != NULL && *gh_json_string (cache, "why") != '\0')
    {
      char *with_why = g_strdup_printf (_("%s, %s"), ttl, gh_json_string (cache, "why"));

      g_free (ttl);
      ttl = with_why;
    }
  if (gh_json_int_or (cache, "age_s", -1) >= 0)
    age = format_duration (gh_json_int_or (cache, "age_s", -1));
  if (gh_json_int_or (cache, "fetched_at", 0) > 0)
    fetched = format_time (gh_json_int_or (cache, "fetched_at", 0));
  if (gh_json_int_or (cache, "next_revalidation_at", 0) > 0)
    next = format_time (gh_json_int_or (cache, "next_revalidation_at", 0));

  group = add_group (self->cache_box, _("Cache Record"),
                     _("How /authorize would keep this document, and when it would ask "
                       "again"));
  add_property (group, _("Result"), result_text, "cache-result-row");
  add_property (group, _("Time to live"), ttl, "cache-ttl-row");
  add_property (group, _("Age"), age, NULL);
  add_property (group, _("Fetched"), fetched, NULL);
  add_property (group, _("Next revalidation"), next, NULL);

  group = add_group (self->cache_box, _("Validators"),
                     _("Sent back when the copy is stale, so the server can answer 304"));
  add_property (group, _("ETag"), gh_json_string (cache, "etag"), NULL);
  add_property (group, _("Last-Modified"), gh_json_string (cache, "last_modified"), NULL);
}

/* ---- Document ---------------------------------------------------------------------- */

/* The document member a failing document check is about ("client_id"), or NULL. */
static char *
failing_member (GhCimdPage *self)
{
  JsonArray *checks = report_checks (self);
  JsonObject *document = gh_json_object (self->report, "document");

  for (guint i = 0; checks != NULL && i < json_array_get_length (checks); i++)
    {
      JsonObject *check = json_array_get_object_element (checks, i);
      const char *id = gh_json_string (check, "id");
      const char *dot = id != NULL ? strchr (id, '.') : NULL;

      if (g_strcmp0 (gh_json_string (check, "status"), "fail") != 0 || dot == NULL)
        continue;
      if (g_str_has_prefix (id, "document.") && json_object_has_member (document, dot + 1))
        return g_strdup (dot + 1);
      if (g_str_has_prefix (id, "jwks.") && json_object_has_member (document, "jwks"))
        return g_strdup ("jwks");
    }
  return NULL;
}

static void
insert_tagged (GtkTextBuffer *buffer,
               const char    *text,
               const char    *tag)
{
  GtkTextIter end;

  gtk_text_buffer_get_end_iter (buffer, &end);
  if (tag != NULL)
    gtk_text_buffer_insert_with_tags_by_name (buffer, &end, text, -1, tag, NULL);
  else
    gtk_text_buffer_insert (buffer, &end, text, -1);
}

static void
insert_indent (GtkTextBuffer *buffer,
               guint          depth)
{
  g_autofree char *spaces = g_strnfill (depth * 2, ' ');

  insert_tagged (buffer, spaces, NULL);
}

static void insert_node (GtkTextBuffer *buffer,
                         JsonNode      *node,
                         guint          depth);

static void
insert_value (GtkTextBuffer *buffer,
              JsonNode      *node)
{
  g_autofree char *text = json_to_string (node, FALSE);
  const char *tag = "literal";

  if (json_node_get_value_type (node) == G_TYPE_STRING)
    tag = "string";
  insert_tagged (buffer, text, tag);
}

static void
insert_node (GtkTextBuffer *buffer,
             JsonNode      *node,
             guint          depth)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (object);

      insert_tagged (buffer, "{", NULL);
      for (const GList *l = members; l != NULL; l = l->next)
        {
          g_autoptr(JsonNode) key = json_node_new (JSON_NODE_VALUE);
          g_autofree char *key_text = NULL;

          json_node_set_string (key, l->data);
          key_text = json_to_string (key, FALSE);
          insert_tagged (buffer, "\n", NULL);
          insert_indent (buffer, depth + 1);
          insert_tagged (buffer, key_text, "key");
          insert_tagged (buffer, ": ", NULL);
          insert_node (buffer, json_object_get_member (object, l->data), depth + 1);
          if (l->next != NULL)
            insert_tagged (buffer, ",", NULL);
        }
      if (members != NULL)
        {
          insert_tagged (buffer, "\n", NULL);
          insert_indent (buffer, depth);
        }
      insert_tagged (buffer, "}", NULL);
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      guint n = json_array_get_length (array);

      insert_tagged (buffer, "[", NULL);
      for (guint i = 0; i < n; i++)
        {
          insert_tagged (buffer, "\n", NULL);
          insert_indent (buffer, depth + 1);
          insert_node (buffer, json_array_get_element (array, i), depth + 1);
          if (i + 1 < n)
            insert_tagged (buffer, ",", NULL);
        }
      if (n > 0)
        {
          insert_tagged (buffer, "\n", NULL);
          insert_indent (buffer, depth);
        }
      insert_tagged (buffer, "]", NULL);
    }
  else
    insert_value (buffer, node);
}

/* Marks the lines of top-level member @member ("client_id") as failing. */
static GtkTextMark *
mark_member (GtkTextBuffer *buffer,
             const char    *member)
{
  g_autoptr(JsonNode) key = json_node_new (JSON_NODE_VALUE);
  g_autofree char *needle = NULL;
  GtkTextIter start;
  GtkTextIter match_start;
  GtkTextIter match_end;
  GtkTextIter line_end;
  GtkTextIter next;

  json_node_set_string (key, member);
  {
    g_autofree char *quoted = json_to_string (key, FALSE);

    needle = g_strconcat ("\n  ", quoted, ": ", NULL);
  }
  gtk_text_buffer_get_start_iter (buffer, &start);
  if (!gtk_text_iter_forward_search (&start, needle, GTK_TEXT_SEARCH_TEXT_ONLY, &match_start,
                                     &match_end, NULL))
    return NULL;
  gtk_text_iter_forward_char (&match_start);

  /* To the next top-level member, or the closing brace. */
  line_end = match_end;
  if (!gtk_text_iter_forward_search (&match_end, "\n  \"", GTK_TEXT_SEARCH_TEXT_ONLY, &line_end,
                                     &next, NULL))
    {
      gtk_text_buffer_get_end_iter (buffer, &line_end);
      gtk_text_iter_backward_char (&line_end);
    }
  gtk_text_buffer_apply_tag_by_name (buffer, "failing", &match_start, &line_end);
  return gtk_text_buffer_create_mark (buffer, "failing", &match_start, TRUE);
}

static void
scroll_to_failing (GhCimdPage *self)
{
  if (self->failing_mark != NULL)
    gtk_text_view_scroll_to_mark (self->document_view, self->failing_mark, 0.1, TRUE, 0, 0.2);
}

static void
show_document (GhCimdPage *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->document_view);
  JsonObject *document = gh_json_object (self->report, "document");
  g_autofree char *member = failing_member (self);
  g_autoptr(JsonNode) node = NULL;

  if (self->failing_mark != NULL)
    gtk_text_buffer_delete_mark (buffer, self->failing_mark);
  self->failing_mark = NULL;
  gtk_text_buffer_set_text (buffer, "", 0);
  if (document == NULL)
    {
      adw_status_page_set_description (self->document_none_page,
                                       _("No JSON document was read: the checks before it "
                                         "refused the URL or the answer. The first bytes of "
                                         "an answer are on the Network tab."));
      gtk_stack_set_visible_child_name (self->document_stack, "none");
      return;
    }

  node = json_node_init_object (json_node_alloc (), document);
  insert_node (buffer, node, 0);
  if (member != NULL)
    self->failing_mark = mark_member (buffer, member);
  gtk_stack_set_visible_child_name (self->document_stack, "text");
}

/* ---- Changes ----------------------------------------------------------------------- */

static char *
json_text (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  return json_to_string (node, FALSE);
}

static GtkWidget *
change_row (JsonObject *change)
{
  g_autofree char *old_text = json_text (json_object_get_member (change, "old"));
  g_autofree char *new_text = json_text (json_object_get_member (change, "new"));
  g_autofree char *old_markup = NULL;
  g_autofree char *new_markup = NULL;
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *member = gtk_label_new (gh_json_string (change, "member"));
  GtkWidget *labels[2];
  gboolean differs;

  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_name (row, "change-row");
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 4);
  gtk_widget_set_margin_top (grid, 10);
  gtk_widget_set_margin_bottom (grid, 10);
  gtk_widget_set_margin_start (grid, 12);
  gtk_widget_set_margin_end (grid, 12);
  gtk_label_set_xalign (GTK_LABEL (member), 0);
  gtk_widget_add_css_class (member, "heading");
  gtk_grid_attach (GTK_GRID (grid), member, 0, 0, 2, 1);

  if (old_text != NULL && new_text != NULL)
    {
      old_markup = gh_explain_diff_markup (old_text, new_text, &differs);
      new_markup = gh_explain_diff_markup (new_text, old_text, &differs);
    }
  else
    {
      old_markup = old_text ? g_markup_escape_text (old_text, -1)
                            : g_strdup_printf ("<i>%s</i>", _("absent"));
      new_markup = new_text ? g_markup_escape_text (new_text, -1)
                            : g_strdup_printf ("<i>%s</i>", _("dropped"));
    }
  for (guint i = 0; i < 2; i++)
    {
      GtkWidget *caption = gtk_label_new (i == 0 ? _("Stored") : _("Fetched"));

      gtk_label_set_xalign (GTK_LABEL (caption), 0);
      gtk_widget_add_css_class (caption, "dim-label");
      gtk_widget_add_css_class (caption, "caption");
      gtk_widget_set_valign (caption, GTK_ALIGN_BASELINE);
      labels[i] = text_label (NULL, i == 0 ? "change-old" : "change-new");
      gtk_label_set_markup (GTK_LABEL (labels[i]), i == 0 ? old_markup : new_markup);
      gtk_widget_add_css_class (labels[i], "monospace");
      gtk_widget_set_hexpand (labels[i], TRUE);
      gtk_grid_attach (GTK_GRID (grid), caption, 0, i + 1, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), labels[i], 1, i + 1, 1, 1);
    }
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), grid);
  return row;
}

/* What storing the document does, a sentence per consequence the server names. */
static void
add_consequences (GhCimdPage *self,
                  JsonObject *consequences)
{
  AdwPreferencesGroup *group;
  gint64 tokens = gh_json_int_or (consequences, "active_access_tokens", 0);
  gint64 families = gh_json_int_or (consequences, "active_refresh_families", 0);
  gint64 consents = gh_json_int_or (consequences, "consents_affected", 0);
  g_autofree char *tokens_text = NULL;
  g_autofree char *families_text = NULL;
  g_autofree char *consents_text = NULL;

  group = add_group (self->changes_box, _("Consequences"),
                     _("What saving the fetched document does to the people and tokens "
                       "using this client"));
  if (gh_json_bool (consequences, "consents_reset"))
    consents_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                  "Reset: %d user approves the client again",
                                                  "Reset: %d users approve the client again",
                                                  (gulong) consents), (int) consents);
  else
    consents_text = g_strdup (_("Kept: redirect URIs and keys are unchanged"));
  add_property (group, _("Consents"), consents_text, "consents-row");
  add_property (group, _("Signing keys"),
                gh_json_bool (consequences, "keys_changed") ?
                _("Changed: tokens signed by the client's old keys are refused") :
                _("Unchanged"), NULL);
  tokens_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                              "%d active access token, kept until it expires",
                                              "%d active access tokens, kept until they expire",
                                              (gulong) tokens), (int) tokens);
  add_property (group, _("Access tokens"), tokens_text, NULL);
  families_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                "%d active refresh token family",
                                                "%d active refresh token families",
                                                (gulong) families), (int) families);
  add_property (group, _("Refresh tokens"), families_text, NULL);
}

static void
show_changes (GhCimdPage *self)
{
  JsonArray *changes = gh_json_array (self->refresh, "changes");
  gboolean applied = gh_json_bool (self->refresh, "applied");
  AdwPreferencesGroup *group;
  GtkWidget *list;
  GtkWidget *save;
  g_autofree char *description = NULL;

  clear_box (self->changes_box);
  if (self->refresh == NULL)
    {
      GtkWidget *page = adw_status_page_new ();

      adw_status_page_set_icon_name (ADW_STATUS_PAGE (page), "document-edit-symbolic");
      adw_status_page_set_title (ADW_STATUS_PAGE (page), _("No Changes Checked"));
      adw_status_page_set_description (ADW_STATUS_PAGE (page),
                                       self->imported ?
                                       _("This URL is an imported client. Check for Changes "
                                         "fetches its document again and compares it with the "
                                         "stored copy, before anything is saved.") :
                                       _("Import this document as a client first. Its later "
                                         "versions are then compared here with the stored "
                                         "copy before they are saved."));
      if (self->imported)
        {
          GtkWidget *button = gtk_button_new_with_mnemonic (_("Check for C_hanges"));

          gtk_widget_set_name (button, "changes-check-button");
          gtk_widget_set_halign (button, GTK_ALIGN_CENTER);
          gtk_widget_add_css_class (button, "pill");
          gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "cimd.check-changes");
          adw_status_page_set_child (ADW_STATUS_PAGE (page), button);
        }
      gtk_box_append (self->changes_box, page);
      return;
    }

  description = g_strdup_printf (applied ? _("Saved: the stored copy of %s is now the fetched "
                                             "document") :
                                 _("The document fetched now, against the copy of %s stored "
                                   "when it was imported. Nothing is saved until you save it."),
                                 gh_json_string (self->refresh, "client_id"));
  group = add_group (self->changes_box, _("Changes"), description);
  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_widget_set_name (list, "changes-list");
  if (changes != NULL && json_array_get_length (changes) > 0)
    for (guint i = 0; i < json_array_get_length (changes); i++)
      gtk_list_box_append (GTK_LIST_BOX (list),
                           change_row (json_array_get_object_element (changes, i)));
  else
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     _("The fetched document is the same as the stored copy"));
      gtk_list_box_append (GTK_LIST_BOX (list), row);
    }
  adw_preferences_group_add (group, list);

  if (gh_json_object (self->refresh, "consequences") != NULL)
    add_consequences (self, gh_json_object (self->refresh, "consequences"));

  save = gtk_button_new_with_mnemonic (applied ? _("Saved") : _("_Save Changes"));
  gtk_widget_set_name (save, "save-button");
  gtk_widget_set_halign (save, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (save, "pill");
  gtk_widget_add_css_class (save, "suggested-action");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (save), "cimd.save-changes");
  gtk_box_append (self->changes_box, save);
}

/* ---- the whole report -------------------------------------------------------------- */

static void
enable (GhCimdPage *self,
        const char *name,
        gboolean    enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), name);

  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

static void
update_actions (GhCimdPage *self)
{
  gboolean running = self->cancellable != NULL;
  gboolean has_report = self->report != NULL;
  gboolean can_save = self->refresh != NULL && !gh_json_bool (self->refresh, "applied") &&
                      gh_json_array (self->refresh, "changes") != NULL &&
                      json_array_get_length (gh_json_array (self->refresh, "changes")) > 0;
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->url_entry));

  enable (self, "resolve",
                                 !running && text != NULL && *text != '\0');
  enable (self, "cancel", running);
  enable (self, "refetch", !running && has_report);
  enable (self, "import",
                                 !running && has_report && !self->imported &&
                                 first_failure (self, "policy") == NULL);
  enable (self, "check-changes",
                                 !running && self->imported);
  enable (self, "copy-report", has_report);
  enable (self, "copy-curl", self->url != NULL);
  enable (self, "save-changes", !running && can_save);
  /* Importing a refused document fails: Import is offered for one that passes. */
  gtk_widget_set_visible (self->import_button,
                          has_report && !self->imported && first_failure (self, "policy") == NULL);
  gtk_widget_set_visible (self->check_changes_button, has_report && self->imported);

  gtk_stack_set_visible_child_name (self->resolve_stack, running ? "running" : "idle");
  gtk_spinner_set_spinning (self->spinner, running);
  gh_page_set_busy (GH_PAGE (self),
                    running || self->lookup != NULL || self->pending_target != NULL);
}

static void
show_verdict (GhCimdPage *self)
{
  JsonObject *failure = first_failure (self, "policy");
  JsonArray *refused_by = gh_json_array (self->report, "refused_by");
  /* A refresh's report is the resolver's, with no preview verdict: its own verdict then. */
  gboolean accepted = json_object_has_member (self->report, "would_accept") ?
                      gh_json_bool (self->report, "would_accept") :
                      g_strcmp0 (gh_json_string (self->report, "verdict"), "fail") != 0;
  gboolean warned = g_strcmp0 (gh_json_string (self->report, "verdict"), "warn") == 0;
  g_autoptr(GString) settings = g_string_new (NULL);
  g_autofree char *sentence = NULL;
  g_autofree char *detail = NULL;
  const char *icon;
  const char *css;

  for (guint i = 0; refused_by != NULL && i < json_array_get_length (refused_by); i++)
    g_string_append_printf (settings, "%s%s", i > 0 ? ", " : "",
                            json_array_get_string_element (refused_by, i));

  if (failure != NULL)
    {
      g_autofree char *why = failure_sentence (self, failure);

      sentence = g_strdup_printf (_("Refused at %s: %s"),
                                  gh_json_string (failure, "phase"), why);
      icon = "dialog-error-symbolic", css = "error";
    }
  else if (!accepted)
    {
      sentence = g_strdup_printf (_("Refused by a project setting: the document passes every "
                                    "check, but %s refuses it"), settings->str);
      icon = "dialog-error-symbolic", css = "error";
    }
  else
    {
      sentence = g_strdup (warned ? _("Accepted, with warnings — /authorize would accept this "
                                      "client; see the warnings below")
                                  : _("Accepted — every check passed and /authorize would "
                                      "accept this client"));
      icon = warned ? "dialog-warning-symbolic" : "emblem-ok-symbolic";
      css = warned ? "warning" : "success";
    }

  {
    g_autoptr(GDateTime) now = g_date_time_new_now_local ();
    g_autofree char *clock = g_date_time_format (now, "%H:%M:%S");
    g_autofree char *how = NULL;
    JsonObject *cache = gh_json_object (self->report, "cache");
    JsonObject *timings = gh_json_object (gh_json_object (self->report, "network"), "timings_ms");

    if (g_strcmp0 (gh_json_string (cache, "result"), "hit") == 0)
      {
        g_autofree char *age = format_duration (gh_json_int_or (cache, "age_s", -1));

        how = g_strdup_printf (_("a cached copy fetched %s ago"), age);
      }
    else if (timings != NULL)
      how = g_strdup_printf (_("fetched in %d ms"), (int) gh_json_int_or (timings, "total", 0));
    else
      how = g_strdup (_("nothing fetched"));

    if (failure != NULL && settings->len > 0)
      detail = g_strdup_printf (_("Checked at %s, %s. The project setting %s refuses it too; "
                                  "every other check ran anyway."), clock, how, settings->str);
    else if (failure == NULL && settings->len > 0)
      detail = g_strdup_printf (_("Checked at %s, %s. The other checks ran as if %s allowed "
                                  "it."), clock, how, settings->str);
    else
      detail = g_strdup_printf (_("Checked at %s, %s."), clock, how);
  }

  gtk_label_set_text (self->verdict_label, sentence);
  gtk_label_set_text (self->verdict_detail, detail);
  gtk_image_set_from_icon_name (self->verdict_icon, icon);
  for (const char * const *c = (const char * const[]) { "error", "warning", "success", NULL };
       *c != NULL; c++)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->verdict_icon), *c);
      gtk_widget_remove_css_class (GTK_WIDGET (self->verdict_box), *c);
    }
  gtk_widget_add_css_class (GTK_WIDGET (self->verdict_icon), css);
  gtk_widget_add_css_class (GTK_WIDGET (self->verdict_box), css);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->verdict_icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  failure != NULL || !accepted ? _("Refused") : _("Accepted"),
                                  -1);
}

/* "14 checks: 1 failed, 3 warnings" where the tabs are at the bottom. */
static void
show_counts (GhCimdPage *self)
{
  JsonArray *checks = report_checks (self);
  guint n = checks != NULL ? json_array_get_length (checks) : 0;
  guint counts[4] = { 0, 0, 0, 0 };
  g_autofree char *title = NULL;

  for (guint i = 0; i < n; i++)
    {
      const char *status = gh_json_string (json_array_get_object_element (checks, i), "status");

      if (g_strcmp0 (status, "fail") == 0)
        counts[0]++;
      else if (g_strcmp0 (status, "warn") == 0)
        counts[1]++;
      else if (g_strcmp0 (status, "pass") == 0)
        counts[2]++;
      else
        counts[3]++;
    }
  /* Short: a title wider than the narrow header keeps the switcher bar from being revealed
   * (libadwaita 1.2's squeezer); the whole count is its tooltip. */
  if (counts[0] > 0)
    title = g_strdup_printf (_("%u of %u checks failed"), counts[0], n);
  else if (counts[1] > 0)
    title = g_strdup_printf (_("%u warnings in %u checks"), counts[1], n);
  else
    title = g_strdup_printf (_("%u checks passed"), n);
  adw_view_switcher_title_set_title (self->switcher_title, title);

  g_free (title);
  if (counts[3] > 0)
    title = g_strdup_printf (_("%u checks: %u failed, %u warnings, %u passed, %u not run"),
                             n, counts[0], counts[1], counts[2], counts[3]);
  else
    title = g_strdup_printf (_("%u checks: %u failed, %u warnings, %u passed"),
                             n, counts[0], counts[1], counts[2]);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->switcher_title), title);
}

static void
show_report (GhCimdPage *self)
{
  show_verdict (self);
  show_counts (self);
  show_checks (self);
  show_network (self);
  show_cache (self);
  show_document (self);
  show_changes (self);
  gtk_stack_set_visible_child_name (self->content_stack, "report");
  update_actions (self);
}

/* ---- history ----------------------------------------------------------------------- */

static void
history_changed_cb (GhCimdPage *self)
{
  g_auto(GStrv) urls = g_settings_get_strv (self->settings, "cimd-history");
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->history_list))) != NULL)
    gtk_list_box_remove (self->history_list, child);
  for (guint i = 0; urls[i] != NULL; i++)
    {
      GtkWidget *label = gtk_label_new (urls[i]);
      GtkWidget *row = gtk_list_box_row_new ();

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 60);
      gtk_widget_set_margin_top (label, 6);
      gtk_widget_set_margin_bottom (label, 6);
      gtk_widget_set_margin_start (label, 6);
      gtk_widget_set_margin_end (label, 6);
      gtk_widget_set_tooltip_text (row, urls[i]);
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
      g_object_set_data_full (G_OBJECT (row), "url", g_strdup (urls[i]), g_free);
      gtk_list_box_append (self->history_list, row);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->history_button), urls[0] != NULL);
}

static void
remember_url (GhCimdPage *self,
              const char *url)
{
  g_auto(GStrv) urls = g_settings_get_strv (self->settings, "cimd-history");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) history = NULL;
  guint n = 1;

  g_strv_builder_add (builder, url);
  for (guint i = 0; urls[i] != NULL && n < HISTORY_MAX; i++)
    if (!g_str_equal (urls[i], url))
      {
        g_strv_builder_add (builder, urls[i]);
        n++;
      }
  history = g_strv_builder_end (builder);
  g_settings_set_strv (self->settings, "cimd-history", (const char * const *) history);
}

static void
history_row_activated_cb (GhCimdPage    *self,
                          GtkListBoxRow *row)
{
  const char *url = g_object_get_data (G_OBJECT (row), "url");

  gtk_popover_popdown (self->history_popover);
  gtk_editable_set_text (GTK_EDITABLE (self->url_entry), url);
  resolve (self, url, FALSE);
}

/* ---- requests ---------------------------------------------------------------------- */

static void
stop_request (GhCimdPage *self)
{
  g_cancellable_cancel (self->lookup);
  g_clear_object (&self->lookup);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
}

/* @method @path of the project with @body, cancelled by Cancel, a new request or a reload. */
static void
start_request (GhCimdPage         *self,
               const char         *method,
               const char         *path,
               JsonObject         *body,
               GAsyncReadyCallback callback)
{
  GhAdminClient *client = gh_page_get_admin_client (GH_PAGE (self));

  stop_request (self);
  if (client == NULL)
    return;
  self->cancellable = g_cancellable_new ();
  gh_admin_client_request_json_async (client, method, path, body, self->cancellable, callback,
                                      g_object_ref (self));
  update_actions (self);
}

/* The answer of the request in flight, or NULL with the page idle again (@error set unless it
 * was cancelled). */
static JsonObject *
finish_request (GhCimdPage   *self,
                GObject      *source,
                GAsyncResult *result,
                GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonObject *answer = gh_admin_client_request_json_finish (GH_ADMIN_CLIENT (source), result,
                                                            &local_error);

  if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return NULL;
  g_clear_object (&self->cancellable);
  if (answer == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return answer;
}

static void
show_request_error (GhCimdPage   *self,
                    const char   *what,
                    const GError *error)
{
  if (self->report != NULL)
    gh_page_show_error (GH_PAGE (self), what, error);
  else
    {
      adw_status_page_set_title (self->error_page, what);
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->content_stack, "error");
    }
  update_actions (self);
}

static void
client_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GhCimdPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) client = NULL;

  client = gh_admin_client_request_json_finish (GH_ADMIN_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->lookup);
  /* Not a client of the project (404), or not an imported one: nothing to compare with. */
  self->imported = client != NULL && g_strcmp0 (gh_json_string (client, "source"), "cimd") == 0 &&
                   gh_json_bool (client, "imported");
  show_changes (self);
  update_actions (self);
}

static char *
client_path (GhCimdPage *self,
             const char *client_id,
             const char *suffix)
{
  g_autofree char *escaped = g_uri_escape_string (client_id, NULL, FALSE);
  g_autofree char *tail = g_strconcat ("/clients/", escaped, suffix, NULL);

  return gh_page_project_path (GH_PAGE (self), tail);
}

static void
take_report (GhCimdPage *self,
             JsonObject *report)
{
  g_clear_pointer (&self->report, json_object_unref);
  self->report = json_object_ref (report);
}

static void
resolve_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GhCimdPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) report = finish_request (self, source, result, &error);
  g_autofree char *path = NULL;

  if (report == NULL)
    {
      if (error != NULL)
        show_request_error (self, _("Could not resolve the URL"), error);
      return;
    }
  take_report (self, report);

  /* Whether it is an imported client decides between Import and Check for Changes. */
  path = client_path (self, self->url, NULL);
  self->lookup = g_cancellable_new ();
  gh_admin_client_request_json_async (GH_ADMIN_CLIENT (source), "GET", path, NULL, self->lookup,
                                      client_cb, g_object_ref (self));
  show_report (self);
}

static void
resolve (GhCimdPage *self,
         const char *url,
         gboolean    bypass_cache)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *path = gh_page_project_path (GH_PAGE (self), "/cimd/resolve");
  g_autofree char *stripped = g_strstrip (g_strdup (url));

  if (*stripped == '\0')
    return;
  if (g_strcmp0 (self->url, stripped) != 0)
    {
      g_free (self->url);
      self->url = g_strdup (stripped);
      self->imported = FALSE;
    }
  /* A new report: a refresh's diff shown before belongs to the old one. */
  g_clear_pointer (&self->refresh, json_object_unref);
  remember_url (self, stripped);
  json_object_set_string_member (body, "url", stripped);
  self->refreshing = FALSE;
  if (bypass_cache)
    json_object_set_boolean_member (body, "bypass_cache", TRUE);
  start_request (self, "POST", path, body, resolve_cb);
}

static void
refresh_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GhCimdPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = finish_request (self, source, result, &error);

  if (answer == NULL)
    {
      if (error == NULL)
        return;
      /* A refused document: resolve it to show which check refuses it. */
      if (g_strcmp0 (gh_admin_client_error_get_oauth_error (error),
                     "invalid_client_metadata") == 0)
        {
          gh_page_show_error (GH_PAGE (self), _("Could not check for changes"), error);
          resolve (self, self->url, TRUE);
        }
      else
        show_request_error (self, _("Could not check for changes"), error);
      return;
    }

  g_clear_pointer (&self->refresh, json_object_unref);
  self->refresh = json_object_ref (answer);
  self->imported = TRUE;
  if (gh_json_object (answer, "report") != NULL)
    take_report (self, gh_json_object (answer, "report"));
  if (self->report != NULL)
    show_report (self);
  show_changes (self);
  adw_view_stack_set_visible_child_name (self->view_stack, "changes");
  update_actions (self);
}

static void
check_changes (GhCimdPage *self,
               const char *client_id)
{
  g_autofree char *path = client_path (self, client_id, "/refresh");

  if (g_strcmp0 (self->url, client_id) != 0)
    {
      g_free (self->url);
      self->url = g_strdup (client_id);
      g_clear_pointer (&self->report, json_object_unref);
    }
  gtk_editable_set_text (GTK_EDITABLE (self->url_entry), client_id);
  remember_url (self, client_id);
  self->refreshing = TRUE;
  start_request (self, "POST", path, NULL, refresh_cb);
}

/* ---- actions ----------------------------------------------------------------------- */

static void
resolve_action (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GhCimdPage *self = user_data;

  resolve (self, gtk_editable_get_text (GTK_EDITABLE (self->url_entry)), FALSE);
}

static void
refetch_action (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GhCimdPage *self = user_data;

  if (self->url != NULL)
    resolve (self, self->url, TRUE);
}

static void
cancel_action (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  GhCimdPage *self = user_data;

  stop_request (self);
  gh_page_show_toast (GH_PAGE (self), _("Cancelled"));
  update_actions (self);
}

static void
open_client_cb (AdwToast   *toast,
                GhCimdPage *self)
{
  g_autofree char *target = g_strconcat ("client:",
                                         (const char *) g_object_get_data (G_OBJECT (toast),
                                                                           "client-id"),
                                         NULL);

  gh_page_open (GH_PAGE (self), "clients", target);
}

static void
import_cb (GhPage       *page,
           JsonObject   *answer,
           const GError *error,
           gpointer      user_data)
{
  GhCimdPage *self = GH_CIMD_PAGE (page);
  JsonObject *client = gh_json_object (answer, "client");
  const char *client_id = gh_json_string (client, "client_id");
  g_autofree char *title = NULL;
  AdwToast *toast;

  if (answer == NULL)
    {
      if (gh_admin_client_error_get_status (error) == 409)
        {
          self->imported = TRUE;
          show_changes (self);
        }
      update_actions (self);
      gh_page_show_error (page, _("Could not import the client"), error);
      return;
    }

  self->imported = TRUE;
  show_changes (self);
  update_actions (self);
  title = g_strdup_printf (_("Imported as client %s"), client_id);
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Open"));
  g_object_set_data_full (G_OBJECT (toast), "client-id", g_strdup (client_id), g_free);
  g_signal_connect_object (toast, "button-clicked", G_CALLBACK (open_client_cb), self, 0);
  gh_page_add_toast (page, toast);
}

static void
import_action (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  GhCimdPage *self = user_data;
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *path = gh_page_project_path (GH_PAGE (self), "/clients/import");

  if (self->url == NULL)
    return;
  json_object_set_string_member (body, "url", self->url);
  enable (self, "import", FALSE);
  gh_page_set_busy (GH_PAGE (self), TRUE);
  gh_page_call (GH_PAGE (self), "POST", path, body, import_cb, NULL);
}

static void
check_changes_action (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  GhCimdPage *self = user_data;

  if (self->url != NULL)
    check_changes (self, self->url);
}

static void
save_cb (GhPage       *page,
         JsonObject   *answer,
         const GError *error,
         gpointer      user_data)
{
  GhCimdPage *self = GH_CIMD_PAGE (page);

  if (answer == NULL)
    {
      gh_page_show_error (page, _("Could not save the changes"), error);
      update_actions (self);
      return;
    }
  g_clear_pointer (&self->refresh, json_object_unref);
  self->refresh = json_object_ref (answer);
  show_changes (self);
  update_actions (self);
  gh_page_show_toast (page, gh_json_bool (answer, "applied") ?
                      _("Saved: the client now uses the fetched document") :
                      _("Nothing was saved"));
}

static void
save_changes_action (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  GhCimdPage *self = user_data;
  const char *client_id = gh_json_string (self->refresh, "client_id");
  g_autofree char *path = NULL;

  if (client_id == NULL)
    return;
  path = client_path (self, client_id, "/refresh?apply=true");
  enable (self, "save-changes", FALSE);
  gh_page_set_busy (GH_PAGE (self), TRUE);
  gh_page_call (GH_PAGE (self), "POST", path, NULL, save_cb, NULL);
}

static void
copy_text (GhCimdPage *self,
           const char *text,
           const char *toast)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
  gh_page_show_toast (GH_PAGE (self), toast);
}

static void
copy_report_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  GhCimdPage *self = user_data;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;

  if (self->report == NULL)
    return;
  node = json_node_init_object (json_node_alloc (), self->report);
  text = json_to_string (node, TRUE);
  copy_text (self, text, _("Report copied"));
}

/* The request the resolver sends, as curl: its headers as the report lists them (Host is
 * curl's), no redirect followed, the size cap. */
static char *
curl_command (GhCimdPage *self)
{
  JsonObject *network = gh_json_object (self->report, "network");
  JsonObject *headers = gh_json_object (network, "request_headers");
  gint64 max_bytes = gh_json_int_or (network, "max_bytes", -1);
  g_autoptr(GString) command = g_string_new ("curl --include --max-redirs 0");
  g_autofree char *quoted_url = g_shell_quote (self->url);

  if (max_bytes > 0)
    g_string_append_printf (command, " --max-filesize %" G_GINT64_FORMAT, max_bytes);
  if (headers != NULL)
    {
      g_autoptr(GList) names = json_object_get_members (headers);

      for (const GList *l = names; l != NULL; l = l->next)
        {
          g_autofree char *header = NULL;
          g_autofree char *quoted = NULL;

          if (g_ascii_strcasecmp (l->data, "host") == 0 ||
              g_ascii_strcasecmp (l->data, "connection") == 0)
            continue;
          if (g_ascii_strcasecmp (l->data, "accept-encoding") == 0)
            {
              g_string_append (command, " --compressed");
              continue;
            }
          header = g_strdup_printf ("%s: %s", (const char *) l->data,
                                    gh_json_string (headers, l->data));
          quoted = g_shell_quote (header);
          g_string_append_printf (command, " -H %s", quoted);
        }
    }
  else
    g_string_append (command, " -H 'Accept: application/json'");
  g_string_append_printf (command, " %s", quoted_url);
  return g_string_free (g_steal_pointer (&command), FALSE);
}

static void
copy_curl_action (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  GhCimdPage *self = user_data;
  g_autofree char *command = NULL;

  if (self->url == NULL)
    return;
  command = curl_command (self);
  copy_text (self, command, _("curl command copied"));
}

/* ---- GhPage ------------------------------------------------------------------------ */

static void
run_target (GhCimdPage *self,
            const char *target)
{
  if (g_str_has_prefix (target, "url:"))
    {
      gtk_editable_set_text (GTK_EDITABLE (self->url_entry), target + strlen ("url:"));
      resolve (self, target + strlen ("url:"), FALSE);
    }
  else if (g_str_has_prefix (target, "refresh:"))
    check_changes (self, target + strlen ("refresh:"));
  else
    g_debug ("CIMD preview: unknown target “%s”", target);
}

static void
gh_cimd_page_open_target (GhPage     *page,
                          const char *target)
{
  GhCimdPage *self = GH_CIMD_PAGE (page);

  if (gh_page_get_admin_client (page) == NULL)
    {
      g_free (self->pending_target);
      self->pending_target = g_strdup (target);
      /* Busy until the target is shown: screenshots and tests wait for it. */
      update_actions (self);
      return;
    }
  run_target (self, target);
}

/* Ctrl+F: the URL entry. */
static gboolean
gh_cimd_page_start_search (GhPage *page)
{
  GhCimdPage *self = GH_CIMD_PAGE (page);

  gtk_widget_grab_focus (GTK_WIDGET (self->url_entry));
  return TRUE;
}

static void
gh_cimd_page_reload (GhPage *page)
{
  GhCimdPage *self = GH_CIMD_PAGE (page);
  g_autofree char *target = g_steal_pointer (&self->pending_target);

  /* What was asked and not shown yet is asked again; a report shown is judged again by the
   * settings of the project (or server) now shown. */
  if (target == NULL && self->url != NULL && self->cancellable != NULL && self->refreshing)
    target = g_strconcat ("refresh:", self->url, NULL);
  else if (target == NULL && self->url != NULL &&
           (self->report != NULL || self->cancellable != NULL))
    target = g_strconcat ("url:", self->url, NULL);
  stop_request (self);
  g_clear_pointer (&self->refresh, json_object_unref);

  if (gh_page_get_admin_client (page) == NULL)
    {
      self->pending_target = g_steal_pointer (&target);
      update_actions (self);
      return;
    }
  if (target != NULL)
    run_target (self, target);
  else
    update_actions (self);
}

static void
view_stack_child_cb (GhCimdPage *self)
{
  const char *name = adw_view_stack_get_visible_child_name (self->view_stack);

  if (g_strcmp0 (name, "document") == 0)
    scroll_to_failing (self);
}

static void
entry_changed_cb (GhCimdPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->url_entry));

  enable (self, "resolve", self->cancellable == NULL && text != NULL && *text != '\0');
}

static void
entry_activate_cb (GhCimdPage *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "cimd.resolve", NULL);
}

static void
setup_tags (GhCimdPage *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->document_view);
  GdkRGBA failing = { 0.878, 0.106, 0.141, 0.22 };

  gtk_text_buffer_create_tag (buffer, "key", "weight", PANGO_WEIGHT_BOLD, NULL);
  gtk_text_buffer_create_tag (buffer, "string", "foreground", "#26a269", NULL);
  gtk_text_buffer_create_tag (buffer, "literal", "foreground", "#3584e4", NULL);
  gtk_text_buffer_create_tag (buffer, "failing",
                              "paragraph-background-rgba", &failing,
                              "underline", PANGO_UNDERLINE_ERROR,
                              NULL);
}

static const GActionEntry action_entries[] = {
  { "resolve", resolve_action },
  { "cancel", cancel_action },
  { "refetch", refetch_action },
  { "import", import_action },
  { "check-changes", check_changes_action },
  { "save-changes", save_changes_action },
  { "copy-report", copy_report_action },
  { "copy-curl", copy_curl_action },
};

/* Header buttons: Import as Client or Check for Changes, Re-fetch, Copy. */
static void
add_header_widgets (GhCimdPage *self)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  GtkWidget *refetch = gtk_button_new_from_icon_name ("view-refresh-symbolic");
  GtkWidget *copy = gtk_menu_button_new ();

  self->import_button = gtk_button_new_with_mnemonic (_("_Import as Client"));
  gtk_widget_set_name (self->import_button, "import-button");
  gtk_widget_set_tooltip_text (self->import_button,
                               _("Register this document as a client of the project"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->import_button), "cimd.import");
  gtk_widget_add_css_class (self->import_button, "suggested-action");

  self->check_changes_button = gtk_button_new_with_mnemonic (_("Check for C_hanges"));
  gtk_widget_set_name (self->check_changes_button, "check-changes-button");
  gtk_widget_set_tooltip_text (self->check_changes_button,
                               _("Fetch the imported client’s document again and show what "
                                 "would change"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->check_changes_button),
                                  "cimd.check-changes");

  gtk_widget_set_name (refetch, "refetch-button");
  gtk_widget_set_tooltip_text (refetch, _("Re-fetch, Bypassing the Cache"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (refetch), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Re-fetch, bypassing the cache"), -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (refetch), "cimd.refetch");

  g_menu_append (menu, _("Copy Report as _JSON"), "cimd.copy-report");
  g_menu_append (menu, _("Copy as _curl"), "cimd.copy-curl");
  gtk_widget_set_name (copy, "copy-button");
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (copy), "edit-copy-symbolic");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (copy), G_MENU_MODEL (menu));
  gtk_widget_set_tooltip_text (copy, _("Copy the Report or the Request"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (copy), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Copy the report or the request"), -1);

  /* Packed at the end from the outside in. */
  gh_page_add_header_widget (GH_PAGE (self), copy, GTK_PACK_END);
  gh_page_add_header_widget (GH_PAGE (self), refetch, GTK_PACK_END);
  gh_page_add_header_widget (GH_PAGE (self), self->import_button, GTK_PACK_START);
  gh_page_add_header_widget (GH_PAGE (self), self->check_changes_button, GTK_PACK_START);
  for (guint i = 0; i < 2; i++)
    gtk_widget_insert_action_group (gh_page_get_header_box (GH_PAGE (self),
                                                            i == 0 ? GTK_PACK_START
                                                                   : GTK_PACK_END),
                                    "cimd", G_ACTION_GROUP (self->actions));
}

static void
gh_cimd_page_dispose (GObject *object)
{
  GhCimdPage *self = (GhCimdPage *)object;

  stop_request (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), GH_TYPE_CIMD_PAGE);

  G_OBJECT_CLASS (gh_cimd_page_parent_class)->dispose (object);
}

static void
gh_cimd_page_finalize (GObject *object)
{
  GhCimdPage *self = (GhCimdPage *)object;

  g_clear_object (&self->settings);
  g_clear_object (&self->actions);
  g_clear_pointer (&self->url, g_free);
  g_clear_pointer (&self->pending_target, g_free);
  g_clear_pointer (&self->report, json_object_unref);
  g_clear_pointer (&self->refresh, json_object_unref);

  G_OBJECT_CLASS (gh_cimd_page_parent_class)->finalize (object);
}

static void
gh_cimd_page_class_init (GhCimdPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GhPageClass *page_class = GH_PAGE_CLASS (klass);

  object_class->dispose = gh_cimd_page_dispose;
  object_class->finalize = gh_cimd_page_finalize;
  page_class->reload = gh_cimd_page_reload;
  page_class->open_target = gh_cimd_page_open_target;
  page_class->start_search = gh_cimd_page_start_search;

  gh_page_class_set_info (GH_PAGE_CLASS (klass), "cimd", N_("CIMD Preview"),
                          "system-search-symbolic");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/gatehouse/Gatehouse/pages/gh-cimd-page.ui");
  gtk_widget_class_bind_template_child (widget_class, GhCimdPage, cache_box);
  gtk_widget_class_bind_template_child (widget_class, GhCimdPage, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, GhCimdPage, changes_box);
  gtk_widget_class_bind_template_child (widget_class, GhCimdPage, checks_box);
  gtk_widget_class_bind_template_child (widget_class, GhCimdPage, content_stack);
  gtk_widget_class_bind_template_child (widget_class, GhCimdPage, document_none_page);
  gtk_widget_class_bind_template_child (widget_class, GhCimdPage, document_scroller);
  gtk_widget_class_bind_template_child (widget_class, GhCimdPage, document_stack);
  gtk_widget_class_bind_template_child (widget_class, GhCimdPage, document_view);
  gtk_widget_class_bind_template_child (widget_class, GhCimdPage, error_page);
  gtk_widget_class_bind_template_child (widget_class, GhCimdPage, history_button);
  gtk_widget_class_bind_template_child (widget_class, GhCimdPage, history_list);
  gtk_widget_class_bind_template_child (widget_class, GhCimdPage, history_popover);
  gtk_widget_class_bind_template_child (widget_class, GhCimdPage, network_box);
  gtk_widget_class_bind_template_child (widget_class, GhCimdPage, resolve_stack);
  gtk_widget_class_bind_template_child (widget_class, GhCimdPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, GhCimdPage, url_entry);
  gtk_widget_class_bind_template_child (widget_class, GhCimdPage, verdict_box);
  gtk_widget_class_bind_template_child (widget_class, GhCimdPage, verdict_detail);
  gtk_widget_class_bind_template_child (widget_class, GhCimdPage, verdict_icon);
  gtk_widget_class_bind_template_child (widget_class, GhCimdPage, verdict_label);
  gtk_widget_class_bind_template_child (widget_class, GhCimdPage, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, GhCimdPage, view_stack);
  gtk_widget_class_bind_template_callback (widget_class, history_row_activated_cb);
}

static void
gh_cimd_page_init (GhCimdPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), action_entries,
                                   G_N_ELEMENTS (action_entries), self);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "cimd", G_ACTION_GROUP (self->actions));
  add_header_widgets (self);

  self->settings = g_settings_new (APP_ID);
  g_signal_connect_object (self->settings, "changed::cimd-history",
                           G_CALLBACK (history_changed_cb), self, G_CONNECT_SWAPPED);
  history_changed_cb (self);
  setup_tags (self);
  g_signal_connect_object (self->url_entry, "changed", G_CALLBACK (entry_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->url_entry, "activate", G_CALLBACK (entry_activate_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->view_stack, "notify::visible-child",
                           G_CALLBACK (view_stack_child_cb), self, G_CONNECT_SWAPPED);
  update_actions (self);
  gh_page_set_busy (GH_PAGE (self), FALSE);
}
