/* gh-audit-page.c — the Audit events page: the project's audit log, filtered by the server,
 * read page by page as it scrolls, live from the window's event stream, and exported
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "gh-admin-json.h"
#include "gh-audit-model.h"
#include "gh-audit-page.h"
#include "gh-explain-card.h"
#include "gh-format.h"
#include "gh-property-row.h"

/* The "What" filter's groups: the type prefixes of the event-type registry
 * (docs/audit-events.md), in its order; each type of the registry, as the server lists it
 * (GET /admin/v1/event-types), comes under its group. */
static const struct {
  const char *prefix;
  const char *label;
} kinds[] = {
  { "project.", N_("Projects") },
  { "oauth_client.", N_("Clients and Client Metadata Documents") },
  { "user.", N_("Users") },
  { "resource.", N_("Resources") },
  { "iat.", N_("Initial Access Tokens") },
  { "authorization.", N_("Authorization Requests") },
  { "consent.", N_("Consent") },
  { "code.", N_("Authorization Codes") },
  { "token.", N_("Tokens") },
  { "refresh_token.", N_("Refresh Token Reuse") },
  { "key.", N_("Signing Keys") },
  { "audit.", N_("Suppressed Refusals") },
  { "admin.", N_("Admin API") },
};

/* The "When" filter's spans back from now (its value in filters[FILTER_WHEN]); "range" is the
 * custom range of when_from / when_to. */
static const struct {
  const char *value;
  const char *label;
  gint64      span;   /* µs */
} spans[] = {
  { "15m", N_("Last 15 Minutes"), 15 * 60 * G_USEC_PER_SEC },
  { "1h", N_("Last Hour"), G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC },
  { "24h", N_("Last 24 Hours"), G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC },
  { "7d", N_("Last 7 Days"), G_GINT64_CONSTANT (7 * 86400) * G_USEC_PER_SEC },
};


/* How often the status line follows live events, at most (ms). */
#define COUNT_INTERVAL_MS 1000
/* Live events join the list at most this often (see schedule_incoming()). */
#define LIVE_INTERVAL_MS 250

/* The filters, in the order of their chips. */
typedef enum
{
  FILTER_TYPE,
  FILTER_WHEN,
  FILTER_OUTCOME,
  FILTER_TEXT,
  FILTER_CLIENT,
  FILTER_USER,
  FILTER_FLOW,
  N_FILTERS
} Filter;

/* The list (GhAuditModel in a GtkColumnView), the filters the server applies, and the live
 * state: following while scrolled to the top, counting new events in the pill when not. */
struct _GhAuditPage
{
  GhPage              parent_instance;

  GhAuditModel       *model;
  GtkSingleSelection *selection;
  char               *filters[N_FILTERS];
  gint64              when_from;       /* the custom range (µs; FILTER_WHEN "range") */
  gint64              when_to;
  GhAdminClient      *events_client;   /* whose ::event and ::gap we follow */
  guint               pending;         /* live events not shown: scrolled away */
  GPtrArray          *incoming;        /* live events for the next frame, in the order they
                                        * came */
  guint               incoming_tick;
  guint               incoming_timeout;
  gint64              incoming_time;   /* when live events last joined the list (µs) */
  gint64              count_time;      /* when the count last showed them */
  guint               count_timeout;   /* the count shows the live events at its end */
  gboolean            stale;           /* events came while the page was hidden */
  gboolean            types_read;      /* the What popover lists the server's types */
  gboolean            syncing;         /* the controls are being set from the filters */
  guint               text_reload;
  guint               repin_tick;      /* rows came on top: keep the list at its top */
  guint               repin_frames;
  GhAuditEventItem   *selected;
  gint64              open_event;      /* "event:<id>" asked for, shown once loaded */

  /* The export being written. */
  GCancellable       *export_cancellable;
  GFile              *export_file;
  GFileOutputStream  *export_output;
  GInputStream       *export_input;
  GBytes             *export_chunk;    /* being written */
  GhAdminAuditQuery   export_query;    /* points into export_filters */
  char              **export_filters;
  gint64              export_total;    /* events the filter kept when the export started */
  guint64             export_records;  /* records written so far */
  gsize               export_bytes;
  gboolean            export_csv;
  gboolean            export_quoted;   /* (CSV) inside a quoted cell */
  gboolean            export_header;   /* (CSV) the header row is written */

  GtkToggleButton    *search_button;
  GtkMenuButton      *export_button;

  /* The When popover (made in code). */
  GtkListBox         *when_list;
  GtkEntry           *when_from_date;
  GtkEntry           *when_from_time;
  GtkEntry           *when_to_date;
  GtkEntry           *when_to_time;
  GtkWidget          *when_apply_button;

  /* Template widgets */
  GtkToggleButton    *all_button;
  GtkFlowBox         *chips_box;
  GtkColumnView      *column_view;
  GtkLabel           *count_label;
  GtkBox             *detail_box;
  GtkLabel           *detail_title;
  AdwStatusPage      *empty_page;
  AdwStatusPage      *error_page;
  GtkLabel           *export_label;
  GtkProgressBar     *export_progress;
  GtkRevealer        *export_revealer;
  GtkToggleButton    *failures_button;
  AdwFlap            *flap;
  GtkStack           *list_stack;
  GtkLabel           *live_label;
  GtkButton          *new_events_button;
  GtkScrolledWindow  *scroller;
  GtkSearchBar       *search_bar;
  GtkSearchEntry     *search_entry;
  GtkStack           *state_stack;
  GtkToggleButton    *successes_button;
  GtkMenuButton      *what_button;
  GtkListBox         *what_list;
  GtkMenuButton      *when_button;
};

G_DEFINE_FINAL_TYPE (GhAuditPage, gh_audit_page, GH_TYPE_PAGE)

static void apply_filters (GhAuditPage *self);
static void sync_when (GhAuditPage *self);

/* ---- values ------------------------------------------------------------------------- */

/* "Thursday 3 December 2026, 08:40:12.345" in local time. */
static char *
format_absolute (gint64 when)
{
  g_autoptr(GDateTime) local = g_date_time_new_from_unix_local (when / G_USEC_PER_SEC);
  g_autofree char *date = NULL;

  if (local == NULL)
    return g_strdup ("");
  date = g_date_time_format (local, "%A %-d %B %Y, %H:%M:%S");

  return g_strdup_printf ("%s.%03d", date, (int) (when % G_USEC_PER_SEC / 1000));
}

static const char *
outcome_icon (const char *outcome)
{
  if (g_strcmp0 (outcome, "failure") == 0)
    return "dialog-error-symbolic";
  if (g_strcmp0 (outcome, "success") == 0)
    return "emblem-ok-symbolic";
  return "dialog-information-symbolic";
}

static const char *
outcome_label (const char *outcome)
{
  if (g_strcmp0 (outcome, "failure") == 0)
    return _("Failure");
  if (g_strcmp0 (outcome, "success") == 0)
    return _("Success");
  if (g_strcmp0 (outcome, "info") == 0)
    return _("Info");
  return outcome != NULL ? outcome : "";
}

/* The What filter is a group of types, by their prefix ("user."), or one type
 * ("user.created"): sent as type_prefix, or as type. */
static const char *
what_prefix (const char *what)
{
  return what != NULL && g_str_has_suffix (what, ".") ? what : NULL;
}

static const char *
what_type (const char *what)
{
  return what != NULL && *what != '\0' && !g_str_has_suffix (what, ".") ? what : NULL;
}

static const char *
kind_label (const char *prefix)
{
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_strcmp0 (kinds[i].prefix, prefix) == 0)
      return _(kinds[i].label);
  return prefix;
}

/* "3 Dec 2026, 10:00" in local time. */
static char *
format_short (gint64 when)
{
  g_autoptr(GDateTime) local = g_date_time_new_from_unix_local (when / G_USEC_PER_SEC);

  return local != NULL ? g_date_time_format (local, "%-d %b %Y, %H:%M") : g_strdup ("");
}

static const char *
span_label (const char *value)
{
  for (guint i = 0; i < G_N_ELEMENTS (spans); i++)
    if (g_strcmp0 (spans[i].value, value) == 0)
      return _(spans[i].label);
  return value;
}

/* ---- the list's cells ----------------------------------------------------------------- */

typedef enum
{
  COLUMN_TIME,
  COLUMN_OUTCOME,
  COLUMN_TYPE,
  COLUMN_CLIENT,
  COLUMN_USER,
  COLUMN_FLOW,
  COLUMN_SOURCE,
  N_COLUMNS
} Column;

static const struct {
  const char *title;
  int         min;       /* characters of the inscription at least */
  int         width;     /* natural characters of the inscription */
  gboolean    expand;
} columns[N_COLUMNS] = {
  { N_("Time"), 8, 10, FALSE },
  { N_("Outcome"), 7, 7, FALSE },
  { N_("Type"), 18, 24, TRUE },
  { N_("Client"), 6, 14, TRUE },
  { N_("User"), 4, 8, FALSE },
  { N_("Flow"), 4, 12, FALSE },
  { N_("Source"), 6, 10, FALSE },
};

/* The Live flows page on that flow, at the step of event @event_id. */
static void
open_flow (GhAuditPage *self,
           const char  *flow_id,
           gint64       event_id)
{
  g_autofree char *target = g_strdup_printf ("flow:%s step:%" G_GINT64_FORMAT, flow_id,
                                             event_id);

  gh_page_open (GH_PAGE (self), "flows", target);
}

static void
flow_cell_clicked_cb (GtkButton *button)
{
  GtkWidget *page = gtk_widget_get_ancestor (GTK_WIDGET (button), GH_TYPE_AUDIT_PAGE);
  const char *flow_id = g_object_get_data (G_OBJECT (button), "gh-flow-id");
  const char *event_id = g_object_get_data (G_OBJECT (button), "gh-event-id");

  if (page != NULL && flow_id != NULL && event_id != NULL)
    open_flow (GH_AUDIT_PAGE (page), flow_id, g_ascii_strtoll (event_id, NULL, 10));
}

/* The tooltip of a cell of @column showing @item, or NULL. */
static char *
cell_tooltip (Column   column,
              GObject *item)
{
  GhAuditEventItem *event;

  if (GH_IS_AUDIT_GAP (item))
    return column == COLUMN_TYPE ? g_strdup (_("The live stream fell behind; click to read the "
                                               "list again from the server")) : NULL;
  event = gh_audit_model_item_get_event (item);
  if (event == NULL)
    return NULL;
  switch (column)
    {
    case COLUMN_TIME:
      return format_absolute (gh_audit_event_item_get_time (event));
    case COLUMN_CLIENT:
      return g_strdup (gh_audit_event_item_get_client_id (event));
    case COLUMN_USER:
      return g_strdup (gh_audit_event_item_get_user_id (event));
    case COLUMN_FLOW:
      if (gh_audit_event_item_get_flow_id (event) == NULL)
        return NULL;
      return g_strdup_printf (_("Open the flow %s in Live Flows"),
                              gh_audit_event_item_get_flow_id (event));
    case COLUMN_SOURCE:
      return g_strdup (gh_audit_event_item_get_user_agent (event));
    case COLUMN_OUTCOME:
    case COLUMN_TYPE:
    case N_COLUMNS:
    default:
      return NULL;
    }
}

static gboolean
cell_query_tooltip_cb (GtkWidget   *inscription,
                       int          x,
                       int          y,
                       gboolean     keyboard_mode,
                       GtkTooltip  *tooltip,
                       GtkListItem *list_item)
{
  Column column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (inscription), "gh-column"));
  g_autofree char *text = NULL;

  if (gtk_list_item_get_item (list_item) == NULL)
    return FALSE;
  text = cell_tooltip (column, gtk_list_item_get_item (list_item));
  if (text == NULL || *text == '\0')
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
setup_cell_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  user_data)
{
  Column column = GPOINTER_TO_UINT (user_data);
  GtkWidget *inscription = gtk_inscription_new (NULL);

  gtk_inscription_set_min_chars (GTK_INSCRIPTION (inscription), columns[column].min);
  gtk_inscription_set_nat_chars (GTK_INSCRIPTION (inscription), columns[column].width);
  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (inscription),
                                     GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
  gtk_widget_set_hexpand (inscription, TRUE);
  /* One line: a taller row (the flow link's) would let it wrap. */
  gtk_widget_set_valign (inscription, GTK_ALIGN_CENTER);
  if (column == COLUMN_OUTCOME)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      GtkWidget *icon = gtk_image_new ();

      gtk_box_append (GTK_BOX (box), icon);
      gtk_box_append (GTK_BOX (box), inscription);
      gtk_list_item_set_child (list_item, box);
    }
  else if (column == COLUMN_FLOW)
    {
      /* A link: the flow in Live flows, at this event's step. */
      GtkWidget *button = gtk_button_new ();

      gtk_button_set_child (GTK_BUTTON (button), inscription);
      gtk_widget_add_css_class (button, "link");
      gtk_widget_add_css_class (button, "audit-flow-link");
      gtk_widget_set_name (button, "audit-flow-link");
      g_signal_connect (button, "clicked", G_CALLBACK (flow_cell_clicked_cb), NULL);
      gtk_list_item_set_child (list_item, button);
    }
  else
    gtk_list_item_set_child (list_item, inscription);
  /* The tooltip is made when it is about to show: setting one at each bind costs a pointer
   * query to the display server per cell (bench/console.sh: the list stalled scrolling and
   * under live events). */
  g_object_set_data (G_OBJECT (inscription), "gh-column", GUINT_TO_POINTER (column));
  gtk_widget_set_has_tooltip (inscription, TRUE);
  g_signal_connect_object (inscription, "query-tooltip", G_CALLBACK (cell_query_tooltip_cb),
                           list_item, 0);
}

static void
bind_cell_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              gpointer                  user_data)
{
  Column column = GPOINTER_TO_UINT (user_data);
  GObject *item = gtk_list_item_get_item (list_item);
  GtkWidget *child = gtk_list_item_get_child (list_item);
  GtkWidget *inscription = child;
  GtkWidget *icon = NULL;
  GhAuditEventItem *event;
  g_autofree char *text = NULL;

  if (column == COLUMN_OUTCOME)
    {
      icon = gtk_widget_get_first_child (child);
      inscription = gtk_widget_get_last_child (child);
      gtk_widget_remove_css_class (child, "error");
      gtk_widget_remove_css_class (child, "success");
      gtk_widget_remove_css_class (child, "warning");
    }
  else if (column == COLUMN_FLOW)
    {
      inscription = gtk_button_get_child (GTK_BUTTON (child));
      g_object_set_data (G_OBJECT (child), "gh-flow-id", NULL);
      g_object_set_data (G_OBJECT (child), "gh-event-id", NULL);
      /* An event outside any flow: an empty cell that does nothing */
      gtk_widget_set_sensitive (child, FALSE);
    }

  if (GH_IS_AUDIT_PENDING (item) && gh_audit_pending_get_event (GH_AUDIT_PENDING (item)) == NULL)
    {
      /* On its way: an empty row, until its page comes (the list binds it again then) */
      if (column == COLUMN_OUTCOME)
        gtk_image_clear (GTK_IMAGE (icon));
      gtk_inscription_set_text (GTK_INSCRIPTION (inscription), NULL);
      return;
    }
  if (GH_IS_AUDIT_GAP (item))
    {
      if (column == COLUMN_OUTCOME)
        {
          gtk_image_set_from_icon_name (GTK_IMAGE (icon), "dialog-warning-symbolic");
          gtk_widget_add_css_class (child, "warning");
          text = g_strdup (_("Gap"));
        }
      else if (column == COLUMN_TYPE)
        text = g_strdup (_("Events were missed here — Reload"));
      gtk_inscription_set_text (GTK_INSCRIPTION (inscription), text);
      return;
    }

  event = gh_audit_model_item_get_event (item);
  switch (column)
    {
    case COLUMN_TIME:
      text = gh_format_relative (gh_audit_event_item_get_time (event),
                                 g_get_real_time (), FALSE);
      break;
    case COLUMN_OUTCOME:
      {
        const char *outcome = gh_audit_event_item_get_outcome (event);

        gtk_image_set_from_icon_name (GTK_IMAGE (icon), outcome_icon (outcome));
        if (g_strcmp0 (outcome, "failure") == 0)
          gtk_widget_add_css_class (child, "error");
        else if (g_strcmp0 (outcome, "success") == 0)
          gtk_widget_add_css_class (child, "success");
        text = g_strdup (outcome_label (outcome));
      }
      break;
    case COLUMN_TYPE:
      text = g_strdup (gh_audit_event_item_get_event_type (event));
      break;
    case COLUMN_CLIENT:
      text = g_strdup (gh_audit_event_item_get_client_id (event));
      break;
    case COLUMN_USER:
      text = g_strdup (gh_audit_event_item_get_user_id (event));
      break;
    case COLUMN_FLOW:
      text = g_strdup (gh_audit_event_item_get_flow_id (event));
      if (text != NULL)
        {
          g_autofree char *open = g_strdup_printf (_("Open the flow %s in Live Flows"), text);

          g_object_set_data_full (G_OBJECT (child), "gh-flow-id", g_strdup (text), g_free);
          g_object_set_data_full (G_OBJECT (child), "gh-event-id",
                                  g_strdup_printf ("%" G_GINT64_FORMAT,
                                                   gh_audit_event_item_get_id (event)),
                                  g_free);
          gtk_widget_set_sensitive (child, TRUE);
          gtk_accessible_update_property (GTK_ACCESSIBLE (child),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, open, -1);
        }
      break;
    case COLUMN_SOURCE:
      text = g_strdup (gh_audit_event_item_get_source (event));
      break;
    case N_COLUMNS:
    default:
      break;
    }
  gtk_inscription_set_text (GTK_INSCRIPTION (inscription), text);
}

static void
add_columns (GhAuditPage *self)
{
  for (guint i = 0; i < N_COLUMNS; i++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      g_autoptr(GtkColumnViewColumn) column = NULL;

      g_signal_connect (factory, "setup", G_CALLBACK (setup_cell_cb), GUINT_TO_POINTER (i));
      g_signal_connect (factory, "bind", G_CALLBACK (bind_cell_cb), GUINT_TO_POINTER (i));
      column = gtk_column_view_column_new (_(columns[i].title), factory);
      gtk_column_view_column_set_expand (column, columns[i].expand);
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_append_column (self->column_view, column);
    }
}

/* ---- filters ---------------------------------------------------------------------------- */

static void
set_filter (GhAuditPage *self,
            Filter       filter,
            const char  *value)
{
  g_free (self->filters[filter]);
  self->filters[filter] = value != NULL && *value != '\0' ? g_strdup (value) : NULL;
}

static char *
chip_text (GhAuditPage *self,
           Filter       filter)
{
  const char *value = self->filters[filter];

  switch (filter)
    {
    case FILTER_TYPE:
      return g_strdup_printf (_("What: %s"), kind_label (value));
    case FILTER_WHEN:
      if (g_str_equal (value, "range"))
        {
          g_autofree char *from = format_short (self->when_from);
          g_autofree char *to = format_short (self->when_to);

          return g_strdup_printf (_("When: %s – %s"), from, to);
        }
      return g_strdup_printf (_("When: %s"), span_label (value));
    case FILTER_OUTCOME:
      return g_strdup (g_str_equal (value, "failure") ? _("Failures only") :
                       g_str_equal (value, "success") ? _("Successes only") :
                       g_str_equal (value, "info") ? _("Info only") : value);
    case FILTER_TEXT:
      return g_strdup_printf (_("Text: “%s”"), value);
    case FILTER_CLIENT:
      return g_strdup_printf (_("Client: %s"), value);
    case FILTER_USER:
      return g_strdup_printf (_("User: %s"), value);
    case FILTER_FLOW:
      return g_strdup_printf (_("Flow: %s"), value);
    case N_FILTERS:
    default:
      return g_strdup (value);
    }
}

static const char * const chip_names[N_FILTERS] = {
  "audit-chip-type", "audit-chip-when", "audit-chip-outcome", "audit-chip-text",
  "audit-chip-client", "audit-chip-user", "audit-chip-flow",
};

static void
chip_clicked_cb (GtkButton   *button,
                 GhAuditPage *self)
{
  Filter filter = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "gh-filter"));

  set_filter (self, filter, NULL);
  apply_filters (self);
}

static void
update_chips (GhAuditPage *self)
{
  GtkWidget *child;
  gboolean any = FALSE;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->chips_box))) != NULL)
    gtk_flow_box_remove (self->chips_box, child);

  for (guint i = 0; i < N_FILTERS; i++)
    {
      g_autofree char *text = NULL;
      g_autofree char *remove = NULL;
      GtkWidget *button, *box, *label;

      if (self->filters[i] == NULL)
        continue;
      any = TRUE;
      text = chip_text (self, i);
      remove = g_strdup_printf (_("Remove the filter %s"), text);
      button = gtk_button_new ();
      box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      label = gtk_label_new (text);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
      gtk_box_append (GTK_BOX (box), label);
      gtk_box_append (GTK_BOX (box), gtk_image_new_from_icon_name ("window-close-symbolic"));
      gtk_button_set_child (GTK_BUTTON (button), box);
      gtk_widget_set_name (button, chip_names[i]);
      gtk_widget_set_tooltip_text (button, _("Remove This Filter"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      remove, -1);
      gtk_widget_set_halign (button, GTK_ALIGN_START);
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      g_object_set_data (G_OBJECT (button), "gh-filter", GUINT_TO_POINTER (i));
      g_signal_connect_object (button, "clicked", G_CALLBACK (chip_clicked_cb), self, 0);
      gtk_flow_box_append (self->chips_box, button);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->chips_box), any);
}

/* What and When say their filter in a label that gives way (ellipsized) when the page is
 * narrow: the bar then still fits beside the sidebar at 800 pixels. */
static void
set_filter_button_label (GtkMenuButton *button,
                         const char    *text)
{
  GtkWidget *box = gtk_menu_button_get_child (button);
  GtkWidget *label;

  if (box == NULL)
    {
      box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      label = gtk_label_new (NULL);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 24);
      gtk_box_append (GTK_BOX (box), label);
      gtk_box_append (GTK_BOX (box), gtk_image_new_from_icon_name ("pan-down-symbolic"));
      gtk_menu_button_set_child (button, box);
    }
  label = gtk_widget_get_first_child (box);
  gtk_label_set_label (GTK_LABEL (label), text);
}

/* The controls show the filters (after a chip, a target or the detail changed them). */
static void
sync_controls (GhAuditPage *self)
{
  const char *outcome = self->filters[FILTER_OUTCOME];
  const char *text = self->filters[FILTER_TEXT];
  g_autofree char *what = NULL;

  self->syncing = TRUE;
  if (g_strcmp0 (outcome, "failure") == 0)
    gtk_toggle_button_set_active (self->failures_button, TRUE);
  else if (g_strcmp0 (outcome, "success") == 0)
    gtk_toggle_button_set_active (self->successes_button, TRUE);
  else if (g_strcmp0 (outcome, "info") == 0)
    /* No toggle of its own (the header has no room at 800 px): the chip says it */
    gtk_toggle_button_set_active (self->all_button, FALSE);
  else
    gtk_toggle_button_set_active (self->all_button, TRUE);
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)),
                 text != NULL ? text : "") != 0)
    gtk_editable_set_text (GTK_EDITABLE (self->search_entry), text != NULL ? text : "");
  if (text != NULL)
    gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  self->syncing = FALSE;

  /* The button names the filter, or what it picks once one is picked (its chip says both). */
  what = self->filters[FILTER_TYPE] != NULL ? g_strdup (kind_label (self->filters[FILTER_TYPE])) :
                                              g_strdup (_("What"));
  set_filter_button_label (self->what_button, what);
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->what_list));
       row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      const char *prefix = g_object_get_data (G_OBJECT (row), "gh-prefix");
      GtkWidget *check = g_object_get_data (G_OBJECT (row), "gh-check");

      if (check != NULL)
        gtk_widget_set_opacity (check, g_strcmp0 (prefix, self->filters[FILTER_TYPE]) == 0);
    }
  sync_when (self);
}

static void
update_count (GhAuditPage *self)
{
  guint shown = gh_audit_model_get_n_events (self->model);
  g_autofree char *text = NULL;

  if (gh_audit_model_get_complete (self->model))
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u event", "%u events", shown),
                            shown);
  else
    text = g_strdup_printf (_("Newest %u events, more as you scroll"), shown);
  gtk_label_set_label (self->count_label, text);
}

/* The count's tooltip is its text, made when it shows (not set at each event). */
static gboolean
count_query_tooltip_cb (GtkLabel   *label,
                        int         x,
                        int         y,
                        gboolean    keyboard_mode,
                        GtkTooltip *tooltip)
{
  gtk_tooltip_set_text (tooltip, gtk_label_get_label (label));
  return TRUE;
}

/* The When filter's bounds now (µs; 0: none): a span ends now, so it takes new events. */
static void
when_bounds (GhAuditPage *self,
             gint64      *from,
             gint64      *to)
{
  const char *value = self->filters[FILTER_WHEN];

  *from = *to = 0;
  if (value == NULL)
    return;
  if (g_str_equal (value, "range"))
    {
      *from = self->when_from;
      *to = self->when_to;
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (spans); i++)
    if (g_str_equal (spans[i].value, value))
      *from = g_get_real_time () - spans[i].span;
}

/* The server's conditions for the filters (what the list, the count and the export send). */
static void
fill_query (GhAuditPage       *self,
            GhAdminAuditQuery *query)
{
  *query = (GhAdminAuditQuery) {
    .type = what_type (self->filters[FILTER_TYPE]),
    .type_prefix = what_prefix (self->filters[FILTER_TYPE]),
    .outcome = self->filters[FILTER_OUTCOME],
    .text = self->filters[FILTER_TEXT],
    .client_id = self->filters[FILTER_CLIENT],
    .user_id = self->filters[FILTER_USER],
    .flow_id = self->filters[FILTER_FLOW],
  };
  when_bounds (self, &query->from, &query->to);
}

/* Reads the list again with the filters: the server applies them. */
static void
apply_filters (GhAuditPage *self)
{
  GhAdminAuditQuery query;
  GhAdminClient *client = gh_page_get_admin_client (GH_PAGE (self));

  g_clear_handle_id (&self->text_reload, g_source_remove);
  sync_controls (self);
  update_chips (self);
  self->pending = 0;
  self->stale = FALSE;
  gtk_widget_set_visible (GTK_WIDGET (self->new_events_button), FALSE);
  if (client == NULL)
    return;
  fill_query (self, &query);
  gh_page_set_busy (GH_PAGE (self), TRUE);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scroller), 0);
  /* The page read now has them. */
  g_ptr_array_set_size (self->incoming, 0);
  gh_audit_model_reset (self->model, client, gh_page_get_project (GH_PAGE (self)), &query);
}

/* A filter of exact value: none, or @value is it. */
static gboolean
passes (GhAuditPage *self,
        Filter       filter,
        const char  *value)
{
  return self->filters[filter] == NULL || g_strcmp0 (value, self->filters[filter]) == 0;
}

/* Whether @event passes the filters as the server decides (all but the text search, which
 * only the server applies: the caller asks it). */
static gboolean
event_matches (GhAuditPage      *self,
               GhAuditEventItem *event)
{
  gint64 from, to;
  gint64 time = gh_audit_event_item_get_time (event);

  when_bounds (self, &from, &to);
  if ((from != 0 && time < from) || (to != 0 && time >= to))
    return FALSE;
  if (what_prefix (self->filters[FILTER_TYPE]) != NULL &&
      !g_str_has_prefix (gh_audit_event_item_get_event_type (event), self->filters[FILTER_TYPE]))
    return FALSE;
  if (what_type (self->filters[FILTER_TYPE]) != NULL &&
      g_strcmp0 (gh_audit_event_item_get_event_type (event), self->filters[FILTER_TYPE]) != 0)
    return FALSE;

  return passes (self, FILTER_OUTCOME, gh_audit_event_item_get_outcome (event)) &&
         passes (self, FILTER_CLIENT, gh_audit_event_item_get_client_id (event)) &&
         passes (self, FILTER_USER, gh_audit_event_item_get_user_id (event)) &&
         passes (self, FILTER_FLOW, gh_audit_event_item_get_flow_id (event));
}

/* ---- scrolling and live events ------------------------------------------------------------ */

static gboolean
at_top (GhAuditPage *self)
{
  return gtk_adjustment_get_value (gtk_scrolled_window_get_vadjustment (self->scroller)) < 1;
}

static void
update_pill (GhAuditPage *self)
{
  g_autofree char *text = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->new_events_button), self->pending > 0);
  if (self->pending == 0)
    return;
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u new event", "%u new events",
                                       self->pending), self->pending);
  gtk_button_set_label (self->new_events_button, text);
}

/* The list has a row for every event (the model reads the pages the view comes to). */
static void
adjustment_changed_cb (GhAuditPage *self)
{
  /* Back at the top by hand: show what came meanwhile. */
  if (self->pending > 0 && at_top (self))
    apply_filters (self);
}

/* The list was laid out again. It keeps its first row in place when rows come above it: while
 * following, the new rows are what stays in view (a scroll by the user is no layout). */
static void
adjustment_layout_cb (GhAuditPage *self)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);

  if (self->repin_tick != 0 && gtk_adjustment_get_value (adjustment) > 0)
    {
      gtk_adjustment_set_value (adjustment, 0);
      return;
    }
  adjustment_changed_cb (self);
}

static gboolean
text_reload_cb (gpointer user_data)
{
  GhAuditPage *self = GH_AUDIT_PAGE (user_data);

  self->text_reload = 0;
  apply_filters (self);

  return G_SOURCE_REMOVE;
}

static gboolean
repin_tick_cb (GtkWidget     *widget,
               GdkFrameClock *clock,
               gpointer       user_data)
{
  GhAuditPage *self = GH_AUDIT_PAGE (widget);

  if (--self->repin_frames > 0)
    return G_SOURCE_CONTINUE;
  self->repin_tick = 0;

  return G_SOURCE_REMOVE;
}

/* The column view's own list, which scrolls (GTK 4.8 has no gtk_column_view_scroll_to). */
static GtkWidget *
inner_list_view (GhAuditPage *self)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->column_view));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_VIEW (child))
      return child;
  return NULL;
}

/* Rows came on top: the next layouts move the list down by them, back to the top (when it was
 * there). The list keeps the row it shows first where it is when rows come above it, and
 * with the value at 0 already (a row above it not measured yet) nothing moves it: its first
 * item is brought into view by name. */
static void
keep_top (GhAuditPage *self)
{
  GtkWidget *list;

  if (!at_top (self) && self->repin_tick == 0)
    return;
  if ((list = inner_list_view (self)) != NULL &&
      g_list_model_get_n_items (G_LIST_MODEL (self->selection)) > 0)
    gtk_widget_activate_action (list, "list.scroll-to-item", "u", 0);
  self->repin_frames = 3;
  if (self->repin_tick == 0)
    self->repin_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), repin_tick_cb, NULL,
                                                     NULL);
}

/* Live events: the status line follows, but not at every frame. Redrawing it at each frame
 * made each frame cost 30 ms to 2 s under 1000 events a second (bench/console.sh): a slower
 * frame takes more events, whose rows cost more, and the frames never came back down. */
static gboolean
count_timeout_cb (gpointer user_data)
{
  GhAuditPage *self = GH_AUDIT_PAGE (user_data);

  self->count_timeout = 0;
  /* Rows are about to come: the count with them, in the same frame */
  if (self->incoming_tick != 0 || self->incoming_timeout != 0)
    return G_SOURCE_REMOVE;
  self->count_time = g_get_monotonic_time ();
  update_count (self);

  return G_SOURCE_REMOVE;
}

static gboolean
incoming_tick_cb (GtkWidget     *widget,
                  GdkFrameClock *frame_clock,
                  gpointer       user_data)
{
  GhAuditPage *self = GH_AUDIT_PAGE (widget);
  gint64 now = g_get_monotonic_time ();

  self->incoming_tick = 0;
  self->incoming_time = now;
  if (!at_top (self) && self->repin_tick == 0)
    {
      /* Scrolled away since they came: the pill counts them, as it does the later ones */
      self->pending += self->incoming->len;
      g_ptr_array_set_size (self->incoming, 0);
      update_pill (self);
    }
  else
    {
      gh_audit_model_prepend_all (self->model, self->incoming);
      g_ptr_array_set_size (self->incoming, 0);
      keep_top (self);
    }
  /* The count once a second at most (see count_timeout_cb()), in a frame that changes the
   * list anyway rather than in a frame of its own (each is laid out and drawn again) */
  if (now - self->count_time >= COUNT_INTERVAL_MS * 1000)
    {
      g_clear_handle_id (&self->count_timeout, g_source_remove);
      self->count_time = now;
      update_count (self);
    }
  else if (self->count_timeout == 0)
    self->count_timeout = g_timeout_add (COUNT_INTERVAL_MS -
                                         (guint) ((now - self->count_time) / 1000),
                                         count_timeout_cb, self);

  return G_SOURCE_REMOVE;
}

static gboolean
incoming_timeout_cb (gpointer user_data)
{
  GhAuditPage *self = GH_AUDIT_PAGE (user_data);

  self->incoming_timeout = 0;
  if (self->incoming_tick == 0)
    self->incoming_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), incoming_tick_cb,
                                                        NULL, NULL);

  return G_SOURCE_REMOVE;
}

/* Live events join the list at the next frame, with every other event that came before it:
 * one change of the model a frame, not one an event (bench/console.sh: at a few hundred
 * events a second, a change per event kept the window from drawing for many seconds). And
 * under a stream, not more than every LIVE_INTERVAL_MS: each change while following moves
 * every row in view, which the next frame binds, lays out and draws again (under 1000 events
 * a second at every frame that was most of the frames' time, the list unreadable anyway); the
 * first event after a quiet moment still comes at the next frame. */
static void
schedule_incoming (GhAuditPage *self)
{
  gint64 wait;

  if (self->incoming_tick != 0 || self->incoming_timeout != 0)
    return;
  wait = self->incoming_time + LIVE_INTERVAL_MS * 1000 - g_get_monotonic_time ();
  if (self->incoming_time != 0 && wait > 1000)
    self->incoming_timeout = g_timeout_add ((guint) (wait / 1000), incoming_timeout_cb, self);
  else
    incoming_timeout_cb (self);
}

static void
event_cb (GhAuditPage      *self,
          GhAuditEventItem *event)
{
  if (g_strcmp0 (gh_audit_event_item_get_project (event),
                 gh_page_get_project (GH_PAGE (self))) != 0)
    return;
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      /* Hidden while following: read the list again when shown, rather than hold every event
       * meanwhile. Scrolled away: the place is kept, the pill counts them once shown. */
      if (at_top (self))
        self->stale = TRUE;
      else if (event_matches (self, event))
        self->pending++;
      return;
    }
  if (!event_matches (self, event))
    return;
  if (!at_top (self))
    {
      self->pending++;
      update_pill (self);
      return;
    }
  if (self->filters[FILTER_TEXT] != NULL)
    {
      /* The server decides what the text matches: ask it again (once for a burst). */
      if (self->text_reload == 0)
        self->text_reload = g_timeout_add (500, text_reload_cb, self);
      return;
    }
  g_ptr_array_add (self->incoming, g_object_ref (event));
  schedule_incoming (self);
}

static void
stream_state_cb (GhAuditPage *self,
                 int          state)
{
  const char *text = NULL;
  const char *tooltip = NULL;

  switch ((GhAdminStreamState) state)
    {
    case GH_ADMIN_STREAM_CONNECTED:
      text = _("Live");
      tooltip = _("New events appear as the server records them");
      break;
    case GH_ADMIN_STREAM_CONNECTING:
    case GH_ADMIN_STREAM_RECONNECTING:
      text = _("Reconnecting…");
      tooltip = _("The live stream was lost; the events it misses meanwhile come when it is "
                  "back");
      break;
    case GH_ADMIN_STREAM_STOPPED:
    default:
      text = _("Not live");
      tooltip = _("No live stream: new events show when the list is read again");
      break;
    }
  gtk_label_set_label (self->live_label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->live_label), tooltip);
}

static void
gap_cb (GhAuditPage *self,
        gint64       first_missed_id)
{
  /* Below it, what came before it. */
  gh_audit_model_prepend_all (self->model, self->incoming);
  g_ptr_array_set_size (self->incoming, 0);
  gh_audit_model_prepend_gap (self->model, first_missed_id);
  keep_top (self);
}

/* The page follows the stream itself rather than through GhPage's event vfunc: it needs
 * its events, gaps and state together, in the order the stream gave them. */
static void
follow_events (GhAuditPage *self)
{
  GhAdminClient *client = gh_page_get_admin_client (GH_PAGE (self));

  if (client == self->events_client)
    return;

  if (self->events_client != NULL)
    g_signal_handlers_disconnect_by_data (self->events_client, self);
  g_set_object (&self->events_client, client);
  if (client != NULL)
    {
      g_signal_connect_object (client, "event", G_CALLBACK (event_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (client, "gap", G_CALLBACK (gap_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (client, "stream-state", G_CALLBACK (stream_state_cb), self,
                               G_CONNECT_SWAPPED);
    }
  stream_state_cb (self, client != NULL ? (int) gh_admin_client_get_stream_state (client) :
                                          GH_ADMIN_STREAM_STOPPED);
}

static void
new_events_clicked_cb (GhAuditPage *self)
{
  apply_filters (self);
}

static void
page_mapped_cb (GhAuditPage *self)
{
  if (self->stale && gh_page_get_admin_client (GH_PAGE (self)) != NULL)
    apply_filters (self);
  else if (self->pending > 0)
    update_pill (self);
}

/* The model read a page (or failed to). */
static void
loading_changed_cb (GhAuditPage *self)
{
  const GError *error = gh_audit_model_get_error (self->model);

  if (gh_audit_model_get_loading (self->model))
    return;

  if (error != NULL && gh_audit_model_get_page_count (self->model) == 0)
    {
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->state_stack, "error");
    }
  else
    {
      gboolean empty = g_list_model_get_n_items (G_LIST_MODEL (self->model)) == 0;
      gboolean filtered = FALSE;

      if (error != NULL)
        gh_page_show_error (GH_PAGE (self), _("Could not load older events"), error);
      for (guint i = 0; i < N_FILTERS; i++)
        filtered |= self->filters[i] != NULL;
      adw_status_page_set_title (self->empty_page, filtered ? _("No Matching Events") :
                                 _("No Events"));
      adw_status_page_set_description (self->empty_page, filtered ?
                                       _("The server has no event that passes these filters") :
                                       _("Everything the server decides for this project is "
                                         "recorded here as it happens"));
      gtk_stack_set_visible_child_name (self->list_stack, empty ? "empty" : "list");
      gtk_stack_set_visible_child_name (self->state_stack, "content");
      update_count (self);
      /* Whether the list fills the view yet is known once it is laid out: the adjustment's
       * ::changed then. */
    }
  gh_page_set_busy (GH_PAGE (self), gh_audit_model_get_loading (self->model) ||
                                    self->open_event > 0);
}

/* ---- the detail --------------------------------------------------------------------------- */

static void
clear_detail (GhAuditPage *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->detail_box))) != NULL)
    gtk_box_remove (self->detail_box, child);
}

static void
add_property (GtkWidget  *group,
              const char *name,
              const char *title,
              const char *value)
{
  GtkWidget *row;

  if (value == NULL || *value == '\0')
    return;
  row = g_object_new (GH_TYPE_PROPERTY_ROW, "title", title, "value", value, "copyable", TRUE,
                      NULL);
  gtk_widget_set_name (row, name);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
}

static void
filter_to_clicked_cb (GtkButton   *button,
                      GhAuditPage *self)
{
  Filter filter = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "gh-filter"));

  if (self->selected == NULL)
    return;
  switch (filter)
    {
    case FILTER_CLIENT:
      set_filter (self, filter, gh_audit_event_item_get_client_id (self->selected));
      break;
    case FILTER_USER:
      set_filter (self, filter, gh_audit_event_item_get_user_id (self->selected));
      break;
    case FILTER_FLOW:
      set_filter (self, filter, gh_audit_event_item_get_flow_id (self->selected));
      break;
    case FILTER_TYPE:
    case FILTER_WHEN:
    case FILTER_OUTCOME:
    case FILTER_TEXT:
    case N_FILTERS:
    default:
      return;
    }
  apply_filters (self);
}

static void
open_flow_clicked_cb (GhAuditPage *self)
{
  if (self->selected != NULL && gh_audit_event_item_get_flow_id (self->selected) != NULL)
    open_flow (self, gh_audit_event_item_get_flow_id (self->selected),
               gh_audit_event_item_get_id (self->selected));
}

static void
add_filter_button (GhAuditPage *self,
                   GtkWidget   *box,
                   Filter       filter,
                   const char  *name,
                   const char  *label,
                   const char  *value)
{
  GtkWidget *button;

  if (value == NULL)
    return;
  button = gtk_button_new_with_mnemonic (label);
  gtk_widget_set_name (button, name);
  g_object_set_data (G_OBJECT (button), "gh-filter", GUINT_TO_POINTER (filter));
  g_signal_connect_object (button, "clicked", G_CALLBACK (filter_to_clicked_cb), self, 0);
  gtk_box_append (GTK_BOX (box), button);
}

static void
show_detail (GhAuditPage      *self,
             GhAuditEventItem *event)
{
  GtkWidget *group, *box, *label, *frame;
  JsonObject *details = gh_audit_event_item_get_details (event);
  JsonObject *explain = gh_audit_event_item_get_explain (event);
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, gh_audit_event_item_get_id (event));
  g_autofree char *when = format_absolute (gh_audit_event_item_get_time (event));
  g_autofree char *json = NULL;

  g_set_object (&self->selected, event);
  clear_detail (self);
  gtk_label_set_label (self->detail_title, gh_audit_event_item_get_event_type (event));

  if (explain != NULL)
    {
      GtkWidget *card = gh_explain_card_new ();

      gtk_widget_set_name (card, "audit-detail-explain");
      gh_explain_card_set_target (GH_EXPLAIN_CARD (card),
                                  gh_page_get_admin_client (GH_PAGE (self)),
                                  gh_page_get_project (GH_PAGE (self)));
      gh_explain_card_set_explain (GH_EXPLAIN_CARD (card), explain);
      gtk_box_append (self->detail_box, card);
    }

  /* The way to the whole flow, first after the reason. */
  if (gh_audit_event_item_get_flow_id (event) != NULL)
    {
      GtkWidget *button = gtk_button_new_with_mnemonic (_("_Open Flow"));

      gtk_widget_set_name (button, "audit-open-flow-button");
      gtk_widget_set_tooltip_text (button, _("Show This Event’s Step in Live Flows"));
      gtk_widget_add_css_class (button, "suggested-action");
      g_signal_connect_object (button, "clicked", G_CALLBACK (open_flow_clicked_cb), self,
                               G_CONNECT_SWAPPED);
      gtk_box_append (self->detail_box, button);
    }

  group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Event"));
  add_property (group, "audit-detail-id", _("Id"), id);
  add_property (group, "audit-detail-time", _("Time"), when);
  add_property (group, "audit-detail-type", _("Type"), gh_audit_event_item_get_event_type (event));
  add_property (group, "audit-detail-outcome", _("Outcome"),
                outcome_label (gh_audit_event_item_get_outcome (event)));
  add_property (group, "audit-detail-category", _("Category"),
                gh_audit_event_item_get_category (event));
  add_property (group, "audit-detail-actor", _("Actor"), gh_audit_event_item_get_actor (event));
  add_property (group, "audit-detail-client", _("Client"),
                gh_audit_event_item_get_client_id (event));
  add_property (group, "audit-detail-user", _("User"), gh_audit_event_item_get_user_id (event));
  add_property (group, "audit-detail-flow", _("Flow"), gh_audit_event_item_get_flow_id (event));
  add_property (group, "audit-detail-source", _("Source"),
                gh_audit_event_item_get_source (event));
  add_property (group, "audit-detail-user-agent", _("User Agent"),
                gh_audit_event_item_get_user_agent (event));
  gtk_box_append (self->detail_box, group);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  add_filter_button (self, box, FILTER_CLIENT, "audit-filter-client-button",
                     _("Filter to This _Client"), gh_audit_event_item_get_client_id (event));
  add_filter_button (self, box, FILTER_USER, "audit-filter-user-button",
                     _("Filter to This _User"), gh_audit_event_item_get_user_id (event));
  add_filter_button (self, box, FILTER_FLOW, "audit-filter-flow-button",
                     _("Filter to This _Flow"), gh_audit_event_item_get_flow_id (event));
  if (gtk_widget_get_first_child (box) != NULL)
    gtk_box_append (self->detail_box, box);

  if (details != NULL)
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), details);

      json = json_to_string (node, TRUE);
      label = gtk_label_new (_("Details"));
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_add_css_class (label, "heading");
      gtk_box_append (self->detail_box, label);
      label = gtk_label_new (json);
      gtk_widget_set_name (label, "audit-detail-json");
      gtk_label_set_selectable (GTK_LABEL (label), TRUE);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_add_css_class (label, "monospace");
      gtk_widget_set_margin_top (label, 12);
      gtk_widget_set_margin_bottom (label, 12);
      gtk_widget_set_margin_start (label, 12);
      gtk_widget_set_margin_end (label, 12);
      gtk_accessible_update_property (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("The event’s details as JSON"), -1);
      frame = gtk_frame_new (NULL);
      gtk_frame_set_child (GTK_FRAME (frame), label);
      gtk_widget_add_css_class (frame, "view");
      gtk_box_append (self->detail_box, frame);
    }
  adw_flap_set_reveal_flap (self->flap, TRUE);
}

static void
row_activated_cb (GhAuditPage *self,
                  guint        position)
{
  g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (self->model), position);

  if (GH_IS_AUDIT_GAP (item))
    apply_filters (self);
  else if (gh_audit_model_item_get_event (item) != NULL)
    show_detail (self, gh_audit_model_item_get_event (item));
}

static void
close_detail_clicked_cb (GhAuditPage *self)
{
  adw_flap_set_reveal_flap (self->flap, FALSE);
  g_clear_object (&self->selected);
}

/* ---- controls ----------------------------------------------------------------------------- */

static void
retry_clicked_cb (GhAuditPage *self)
{
  gtk_stack_set_visible_child_name (self->state_stack, "loading");
  apply_filters (self);
}

static void
outcome_toggled_cb (GhAuditPage *self)
{
  const char *outcome = NULL;

  if (self->syncing)
    return;
  if (gtk_toggle_button_get_active (self->failures_button))
    outcome = "failure";
  else if (gtk_toggle_button_get_active (self->successes_button))
    outcome = "success";
  else if (!gtk_toggle_button_get_active (self->all_button))
    return;  /* the first half of a switch between two buttons */
  if (g_strcmp0 (outcome, self->filters[FILTER_OUTCOME]) == 0)
    return;
  set_filter (self, FILTER_OUTCOME, outcome);
  apply_filters (self);
}

static void
what_activated_cb (GhAuditPage   *self,
                   GtkListBoxRow *row)
{
  set_filter (self, FILTER_TYPE, g_object_get_data (G_OBJECT (row), "gh-prefix"));
  gtk_menu_button_popdown (self->what_button);
  apply_filters (self);
}

static void
search_changed_cb (GhAuditPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  if (self->syncing || g_strcmp0 (*text != '\0' ? text : NULL, self->filters[FILTER_TEXT]) == 0)
    return;
  set_filter (self, FILTER_TEXT, text);
  apply_filters (self);
}

static void
search_activate_cb (GhAuditPage *self)
{
  search_changed_cb (self);
}

static void
stop_search_cb (GhAuditPage *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_search_bar_set_search_mode (self->search_bar, FALSE);
}

/* A row of the What popover: @value is a group's prefix (shown beside @label), a type
 * (@is_type: the row is the type itself, under its group) or NULL (everything). */
static GtkWidget *
what_row_new (const char *value,
              const char *label,
              gboolean    is_type)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *title = gtk_label_new (label);
  GtkWidget *check = gtk_image_new_from_icon_name ("object-select-symbolic");

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_set_hexpand (title, TRUE);
  gtk_box_append (GTK_BOX (box), title);
  if (is_type)
    {
      gtk_widget_set_margin_start (box, 18);
      gtk_widget_add_css_class (title, "monospace");
    }
  else if (value != NULL)
    {
      GtkWidget *code = gtk_label_new (value);

      gtk_widget_add_css_class (code, "dim-label");
      gtk_widget_add_css_class (code, "monospace");
      gtk_box_append (GTK_BOX (box), code);
    }
  gtk_box_append (GTK_BOX (box), check);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_widget_set_name (row, value != NULL ? value : "all");
  g_object_set_data_full (G_OBJECT (row), "gh-prefix", g_strdup (value), g_free);
  g_object_set_data (G_OBJECT (row), "gh-check", check);

  return row;
}

/* The What popover: everything, each group of types (by prefix), and once the server's
 * registry is read (GET /admin/v1/event-types) each of its types under its group. */
static void
fill_what_list (GhAuditPage *self,
                JsonArray   *types)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->what_list))) != NULL)
    gtk_list_box_remove (self->what_list, child);
  gtk_list_box_append (self->what_list, what_row_new (NULL, _("Everything"), FALSE));
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      gtk_list_box_append (self->what_list,
                           what_row_new (kinds[i].prefix, _(kinds[i].label), FALSE));
      for (guint j = 0; types != NULL && j < json_array_get_length (types); j++)
        {
          JsonObject *type = json_array_get_object_element (types, j);
          const char *name = gh_json_string (type, "type");
          GtkWidget *row;

          if (name == NULL || !g_str_has_prefix (name, kinds[i].prefix))
            continue;
          row = what_row_new (name, name, TRUE);
          gtk_widget_set_tooltip_text (row, gh_json_string (type, "description"));
          gtk_list_box_append (self->what_list, row);
        }
    }
}

static void
event_types_read_cb (GhPage       *page,
                     JsonObject   *answer,
                     const GError *error,
                     gpointer      user_data)
{
  GhAuditPage *self = GH_AUDIT_PAGE (page);

  /* Without it (a server before the route), the groups alone */
  if (error != NULL)
    return;
  self->types_read = TRUE;
  fill_what_list (self, gh_json_array (answer, "event_types"));
  sync_controls (self);
}

/* ---- the When popover -------------------------------------------------------------------- */

/* "2026-12-03" and "14:30" (or "14:30:15") in local time -> µs, or 0 when it is no time. */
static gint64
parse_local (const char *date,
             const char *time)
{
  int year, month, day, hour, minute, second = 0;
  char end;
  g_autoptr(GDateTime) local = NULL;

  if (sscanf (date, "%4d-%2d-%2d%c", &year, &month, &day, &end) != 3)
    return 0;
  if (sscanf (time, "%2d:%2d%c", &hour, &minute, &end) != 2 &&
      sscanf (time, "%2d:%2d:%2d%c", &hour, &minute, &second, &end) != 3)
    return 0;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || second < 0 || second > 59)
    return 0;
  local = g_date_time_new_local (year, month, day, hour, minute, second);
  if (local == NULL || g_date_time_get_day_of_month (local) != day)
    return 0;

  return g_date_time_to_unix (local) * G_USEC_PER_SEC;
}

static void
set_entries (GtkEntry *date,
             GtkEntry *time,
             gint64    when)
{
  g_autoptr(GDateTime) local = g_date_time_new_from_unix_local (when / G_USEC_PER_SEC);
  g_autofree char *day = g_date_time_format (local, "%Y-%m-%d");
  g_autofree char *clock = g_date_time_format (local, "%H:%M");

  gtk_editable_set_text (GTK_EDITABLE (date), day);
  gtk_editable_set_text (GTK_EDITABLE (time), clock);
}

/* The range the entries hold: FALSE (and the wrong entries marked) when it is none. */
static gboolean
read_range (GhAuditPage *self,
            gint64      *from,
            gint64      *to)
{
  GtkEntry *entries[] = { self->when_from_date, self->when_from_time, self->when_to_date,
                          self->when_to_time };
  gboolean ok;

  *from = parse_local (gtk_editable_get_text (GTK_EDITABLE (self->when_from_date)),
                       gtk_editable_get_text (GTK_EDITABLE (self->when_from_time)));
  *to = parse_local (gtk_editable_get_text (GTK_EDITABLE (self->when_to_date)),
                     gtk_editable_get_text (GTK_EDITABLE (self->when_to_time)));
  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    {
      gboolean bad = i < 2 ? *from == 0 : *to == 0;

      if (bad)
        gtk_widget_add_css_class (GTK_WIDGET (entries[i]), "error");
      else
        gtk_widget_remove_css_class (GTK_WIDGET (entries[i]), "error");
    }
  ok = *from != 0 && *to != 0 && *from < *to;
  gtk_widget_set_tooltip_text (self->when_apply_button, ok ? NULL :
                               *from != 0 && *to != 0 ?
                               _("The range ends before it starts") :
                               _("Dates are YYYY-MM-DD, times HH:MM"));

  return ok;
}

static void
when_entry_changed_cb (GhAuditPage *self)
{
  gint64 from, to;

  gtk_widget_set_sensitive (self->when_apply_button, read_range (self, &from, &to));
}

static void
when_apply_clicked_cb (GhAuditPage *self)
{
  gint64 from, to;

  if (!read_range (self, &from, &to))
    return;
  self->when_from = from;
  self->when_to = to;
  set_filter (self, FILTER_WHEN, "range");
  gtk_menu_button_popdown (self->when_button);
  apply_filters (self);
}

static void
when_activated_cb (GhAuditPage   *self,
                   GtkListBoxRow *row)
{
  set_filter (self, FILTER_WHEN, g_object_get_data (G_OBJECT (row), "gh-when"));
  gtk_menu_button_popdown (self->when_button);
  apply_filters (self);
}

/* The When button and popover show the filter. */
static void
sync_when (GhAuditPage *self)
{
  const char *value = self->filters[FILTER_WHEN];
  g_autofree char *label = NULL;

  if (value == NULL)
    label = g_strdup (_("When"));
  else if (g_str_equal (value, "range"))
    label = g_strdup (_("Custom Range"));
  else
    label = g_strdup (span_label (value));
  set_filter_button_label (self->when_button, label);
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->when_list));
       row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *check = g_object_get_data (G_OBJECT (row), "gh-check");

      gtk_widget_set_opacity (check, g_strcmp0 (g_object_get_data (G_OBJECT (row), "gh-when"),
                                                value) == 0);
    }
  if (g_strcmp0 (value, "range") == 0)
    {
      set_entries (self->when_from_date, self->when_from_time, self->when_from);
      set_entries (self->when_to_date, self->when_to_time, self->when_to);
    }
}

static GtkWidget *
when_row_new (const char *value,
              const char *label)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *title = gtk_label_new (label);
  GtkWidget *check = gtk_image_new_from_icon_name ("object-select-symbolic");
  g_autofree char *name = g_strdup_printf ("audit-when-%s", value != NULL ? value : "any");

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_set_hexpand (title, TRUE);
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), check);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_widget_set_name (row, name);
  g_object_set_data_full (G_OBJECT (row), "gh-when", g_strdup (value), g_free);
  g_object_set_data (G_OBJECT (row), "gh-check", check);

  return row;
}

static GtkEntry *
when_entry_new (GhAuditPage *self,
                GtkGrid     *grid,
                int          column,
                int          row,
                const char  *name,
                const char  *placeholder,
                const char  *accessible,
                int          chars)
{
  GtkWidget *entry = gtk_entry_new ();

  gtk_widget_set_name (entry, name);
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), placeholder);
  gtk_editable_set_width_chars (GTK_EDITABLE (entry), chars);
  gtk_entry_set_input_purpose (GTK_ENTRY (entry), GTK_INPUT_PURPOSE_DIGITS);
  gtk_widget_add_css_class (entry, "monospace");
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  g_signal_connect_object (entry, "changed", G_CALLBACK (when_entry_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (entry, "activate", G_CALLBACK (when_apply_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_grid_attach (grid, entry, column, row, 1, 1);

  return GTK_ENTRY (entry);
}

/* A day picked in a date entry's calendar: the entry says it, the calendar closes. */
static void
calendar_day_selected_cb (GtkCalendar *calendar,
                          GtkEntry    *entry)
{
  g_autoptr(GDateTime) date = gtk_calendar_get_date (calendar);
  g_autofree char *text = g_date_time_format (date, "%Y-%m-%d");
  GtkWidget *popover = gtk_widget_get_ancestor (GTK_WIDGET (calendar), GTK_TYPE_POPOVER);

  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  if (popover != NULL)
    gtk_popover_popdown (GTK_POPOVER (popover));
}

/* The calendar opens on the day its entry says, else today. */
static void
calendar_shown_cb (GtkPopover *popover,
                   GtkEntry   *entry)
{
  GtkCalendar *calendar = GTK_CALENDAR (gtk_popover_get_child (popover));
  gint64 when = parse_local (gtk_editable_get_text (GTK_EDITABLE (entry)), "00:00");
  g_autoptr(GDateTime) date = when > 0 ? g_date_time_new_from_unix_local (when /
                                                                          G_USEC_PER_SEC)
                                       : g_date_time_new_now_local ();

  g_signal_handlers_block_by_func (calendar, calendar_day_selected_cb, entry);
  gtk_calendar_select_day (calendar, date);
  g_signal_handlers_unblock_by_func (calendar, calendar_day_selected_cb, entry);
}

/* A button beside a date entry that picks its day from a calendar. */
static void
when_calendar_new (GtkGrid    *grid,
                   int         column,
                   int         row,
                   GtkEntry   *entry,
                   const char *name,
                   const char *accessible)
{
  GtkWidget *button = gtk_menu_button_new ();
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *calendar = gtk_calendar_new ();

  gtk_widget_set_name (button, name);
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "x-office-calendar-symbolic");
  gtk_widget_set_tooltip_text (button, accessible);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_popover_set_child (GTK_POPOVER (popover), calendar);
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (button), popover);
  g_signal_connect_object (calendar, "day-selected", G_CALLBACK (calendar_day_selected_cb),
                           entry, 0);
  g_signal_connect_object (popover, "show", G_CALLBACK (calendar_shown_cb), entry, 0);
  gtk_grid_attach (grid, button, column, row, 1, 1);
}

/* Like GNOME Logs: the spans back from now, then a custom range of local dates and times. */
static GtkWidget *
when_popover_new (GhAuditPage *self)
{
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *heading = gtk_label_new (_("Custom Range"));
  GtkWidget *grid = gtk_grid_new ();
  GtkWidget *label;
  gint64 now = g_get_real_time ();

  self->when_list = GTK_LIST_BOX (list);
  gtk_widget_set_name (list, "audit-when-list");
  gtk_list_box_set_selection_mode (self->when_list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "navigation-sidebar");
  gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Times of events"), -1);
  gtk_list_box_append (self->when_list, when_row_new (NULL, _("Any Time")));
  for (guint i = 0; i < G_N_ELEMENTS (spans); i++)
    gtk_list_box_append (self->when_list, when_row_new (spans[i].value, _(spans[i].label)));
  g_signal_connect_object (list, "row-activated", G_CALLBACK (when_activated_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (box), list);
  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));

  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_widget_add_css_class (heading, "heading");
  gtk_widget_set_margin_start (heading, 6);
  gtk_widget_set_margin_top (heading, 6);
  gtk_box_append (GTK_BOX (box), heading);

  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 6);
  gtk_widget_set_margin_start (grid, 6);
  gtk_widget_set_margin_end (grid, 6);
  label = gtk_label_new (_("From"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_grid_attach (GTK_GRID (grid), label, 0, 0, 1, 1);
  label = gtk_label_new (_("To"));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_grid_attach (GTK_GRID (grid), label, 0, 1, 1, 1);
  self->when_from_date = when_entry_new (self, GTK_GRID (grid), 1, 0, "audit-when-from-date",
                                         "YYYY-MM-DD", _("Start date"), 10);
  when_calendar_new (GTK_GRID (grid), 2, 0, self->when_from_date, "audit-when-from-calendar",
                     _("Pick the start date"));
  self->when_from_time = when_entry_new (self, GTK_GRID (grid), 3, 0, "audit-when-from-time",
                                         "HH:MM", _("Start time"), 5);
  self->when_to_date = when_entry_new (self, GTK_GRID (grid), 1, 1, "audit-when-to-date",
                                       "YYYY-MM-DD", _("End date"), 10);
  when_calendar_new (GTK_GRID (grid), 2, 1, self->when_to_date, "audit-when-to-calendar",
                     _("Pick the end date"));
  self->when_to_time = when_entry_new (self, GTK_GRID (grid), 3, 1, "audit-when-to-time",
                                       "HH:MM", _("End time"), 5);
  gtk_box_append (GTK_BOX (box), grid);

  self->when_apply_button = gtk_button_new_with_mnemonic (_("_Show This Range"));
  gtk_widget_set_name (self->when_apply_button, "audit-when-apply-button");
  gtk_widget_add_css_class (self->when_apply_button, "suggested-action");
  gtk_widget_set_margin_start (self->when_apply_button, 6);
  gtk_widget_set_margin_end (self->when_apply_button, 6);
  gtk_widget_set_margin_bottom (self->when_apply_button, 6);
  g_signal_connect_object (self->when_apply_button, "clicked",
                           G_CALLBACK (when_apply_clicked_cb), self, G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (box), self->when_apply_button);

  /* The last hour to the next minute, to start from */
  set_entries (self->when_from_date, self->when_from_time,
               now - G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC);
  set_entries (self->when_to_date, self->when_to_time, now + 60 * G_USEC_PER_SEC);
  gtk_popover_set_child (GTK_POPOVER (popover), box);

  return popover;
}

/* ---- export ------------------------------------------------------------------------------- */

static const char *
nonempty (const char *value)
{
  return value != NULL && *value != '\0' ? value : NULL;
}

static void
export_finished (GhAuditPage  *self,
                 const GError *error)
{
  gtk_revealer_set_reveal_child (self->export_revealer, FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->export_button), TRUE);

  if (error != NULL)
    {
      /* What was written is not the export: remove it. */
      g_file_delete_async (self->export_file, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        gh_page_show_toast (GH_PAGE (self), _("Export cancelled"));
      else
        gh_page_show_error (GH_PAGE (self), _("Could not export the events"), error);
    }
  else
    {
      g_autofree char *name = g_file_get_basename (self->export_file);
      g_autofree char *size = g_format_size (self->export_bytes);
      g_autofree char *toast = NULL;

      toast = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "Exported %u event to “%s” (%s)",
                                            "Exported %u events to “%s” (%s)",
                                            (gulong) self->export_records),
                               (guint) self->export_records, name, size);
      gh_page_show_toast (GH_PAGE (self), toast);
    }
  g_clear_object (&self->export_cancellable);
  g_clear_object (&self->export_file);
  g_clear_object (&self->export_output);
  g_clear_object (&self->export_input);
  g_clear_pointer (&self->export_chunk, g_bytes_unref);
}

/* "42 % · 4200 of 10000 events": of the events the filter kept when the export started (one
 * that came since is written too: the share stops at 100 %, the count goes on). */
static void
update_export_progress (GhAuditPage *self)
{
  double fraction = self->export_total > 0 ?
                    MIN (1.0, (double) self->export_records / self->export_total) : 0;
  g_autofree char *text = NULL;

  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d %% · %u of %u event",
                                       "%d %% · %u of %u events", (gulong) self->export_total),
                          (int) (fraction * 100), (guint) self->export_records,
                          (guint) self->export_total);
  gtk_progress_bar_set_fraction (self->export_progress, fraction);
  gtk_progress_bar_set_text (self->export_progress, text);
}

/* Counts the records in a piece of the answer: lines of JSON (no JSON string holds a raw
 * newline), or CSV rows after the header (a newline inside a quoted cell is no row's end). */
static void
count_records (GhAuditPage *self,
               const char  *data,
               gsize        length)
{
  for (gsize i = 0; i < length; i++)
    {
      if (self->export_csv && data[i] == '"')
        self->export_quoted = !self->export_quoted;
      else if (data[i] == '\n' && !self->export_quoted)
        {
          if (self->export_csv && !self->export_header)
            self->export_header = TRUE;
          else
            self->export_records++;
        }
    }
}

static void export_read (GhAuditPage *self);

static void
export_closed_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GhAuditPage) self = user_data;
  g_autoptr(GError) error = NULL;

  g_output_stream_close_finish (G_OUTPUT_STREAM (source), result, &error);
  if (self->export_file != NULL)
    export_finished (self, error);
}

static void
export_written_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GhAuditPage) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      if (self->export_file != NULL)
        export_finished (self, error);
      return;
    }
  if (self->export_file == NULL)
    return;
  g_clear_pointer (&self->export_chunk, g_bytes_unref);
  update_export_progress (self);
  export_read (self);
}

static void
export_read_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GhAuditPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result,
                                                              &error);
  gsize length;
  const char *data;

  if (self->export_file == NULL)
    return;
  if (bytes == NULL)
    {
      export_finished (self, error);
      return;
    }
  data = g_bytes_get_data (bytes, &length);
  if (length == 0)
    {
      /* The end: the file is whole once closed. */
      g_output_stream_close_async (G_OUTPUT_STREAM (self->export_output), G_PRIORITY_DEFAULT,
                                   self->export_cancellable, export_closed_cb,
                                   g_object_ref (self));
      return;
    }
  count_records (self, data, length);
  self->export_bytes += length;
  self->export_chunk = g_steal_pointer (&bytes);
  g_output_stream_write_all_async (G_OUTPUT_STREAM (self->export_output), data, length,
                                   G_PRIORITY_DEFAULT, self->export_cancellable,
                                   export_written_cb, g_object_ref (self));
}

/* From the socket to the file a piece at a time: memory stays flat. */
static void
export_read (GhAuditPage *self)
{
  g_input_stream_read_bytes_async (self->export_input, 64 * 1024, G_PRIORITY_DEFAULT,
                                   self->export_cancellable, export_read_cb,
                                   g_object_ref (self));
}

static void
export_answered_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GhAuditPage) self = user_data;
  g_autoptr(GError) error = NULL;

  self->export_input = gh_admin_client_export_audit_finish (GH_ADMIN_CLIENT (source), result,
                                                            &error);
  if (self->export_file == NULL)
    return;
  if (self->export_input == NULL)
    {
      export_finished (self, error);
      return;
    }
  update_export_progress (self);
  export_read (self);
}

/* GET .../audit/count with the filters: how many events the export will write. */
static char *
count_path (GhAuditPage             *self,
            const GhAdminAuditQuery *query)
{
  const struct {
    const char *name;
    const char *value;
  } params[] = {
    { "type", query->type },
    { "type_prefix", query->type_prefix },
    { "outcome", query->outcome },
    { "client_id", query->client_id },
    { "user_id", query->user_id },
    { "flow_id", query->flow_id },
    { "text", query->text },
  };
  g_autoptr(GString) suffix = g_string_new ("/audit/count");

  for (guint i = 0; i < G_N_ELEMENTS (params); i++)
    if (params[i].value != NULL)
      {
        g_string_append_printf (suffix, "%c%s=", strchr (suffix->str, '?') ? '&' : '?',
                                params[i].name);
        g_string_append_uri_escaped (suffix, params[i].value, NULL, FALSE);
      }
  if (query->from != 0)
    g_string_append_printf (suffix, "%cfrom=%" G_GINT64_FORMAT,
                            strchr (suffix->str, '?') ? '&' : '?', query->from);
  if (query->to != 0)
    g_string_append_printf (suffix, "%cto=%" G_GINT64_FORMAT,
                            strchr (suffix->str, '?') ? '&' : '?', query->to);

  return gh_page_project_path (GH_PAGE (self), suffix->str);
}

static void
export_counted_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GhAuditPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = gh_admin_client_request_json_finish (GH_ADMIN_CLIENT (source),
                                                                      result, &error);
  const char *format;
  GhAdminAuditQuery query;

  if (self->export_file == NULL)
    return;
  format = g_object_get_data (G_OBJECT (self->export_file), "gh-format");
  if (answer == NULL)
    {
      export_finished (self, error);
      return;
    }
  self->export_total = json_object_get_int_member_with_default (answer, "count", 0);
  update_export_progress (self);
  /* The same conditions as counted (a span's start included). */
  query = self->export_query;
  gh_admin_client_export_audit_async (GH_ADMIN_CLIENT (source),
                                      gh_page_get_project (GH_PAGE (self)), &query, format,
                                      self->export_cancellable, export_answered_cb,
                                      g_object_ref (self));
}

static void
export_opened_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GhAuditPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileOutputStream) output = g_file_replace_finish (G_FILE (source), result, &error);
  GhAdminClient *client = gh_page_get_admin_client (GH_PAGE (self));
  g_autofree char *path = NULL;

  if (self->export_file == NULL)
    return;
  if (output == NULL || client == NULL)
    {
      if (error == NULL)
        error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                                     _("Not connected to a server"));
      export_finished (self, error);
      return;
    }
  self->export_output = g_steal_pointer (&output);
  path = count_path (self, &self->export_query);
  gh_admin_client_request_json_async (client, "GET", path, NULL, self->export_cancellable,
                                      export_counted_cb, g_object_ref (self));
}

void
gh_audit_page_export (GhAuditPage *self,
                      GFile       *file,
                      const char  *format)
{
  g_autofree char *name = NULL;
  g_autofree char *text = NULL;

  g_return_if_fail (GH_IS_AUDIT_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (g_strcmp0 (format, "jsonl") == 0 || g_strcmp0 (format, "csv") == 0);

  if (self->export_file != NULL)
    return;
  g_set_object (&self->export_file, file);
  self->export_cancellable = g_cancellable_new ();
  self->export_total = 0;
  self->export_records = 0;
  self->export_bytes = 0;
  self->export_csv = g_str_equal (format, "csv");
  self->export_quoted = FALSE;
  self->export_header = FALSE;
  /* The filters as they are now: the count and the export ask the same. */
  g_clear_pointer (&self->export_filters, g_strfreev);
  self->export_filters = g_new0 (char *, N_FILTERS + 1);
  for (guint i = 0; i < N_FILTERS; i++)
    self->export_filters[i] = g_strdup (self->filters[i] != NULL ? self->filters[i] : "");
  fill_query (self, &self->export_query);
  self->export_query.type = what_type (self->export_filters[FILTER_TYPE]);
  self->export_query.type_prefix = what_prefix (self->export_filters[FILTER_TYPE]);
  self->export_query.outcome = nonempty (self->export_filters[FILTER_OUTCOME]);
  self->export_query.text = nonempty (self->export_filters[FILTER_TEXT]);
  self->export_query.client_id = nonempty (self->export_filters[FILTER_CLIENT]);
  self->export_query.user_id = nonempty (self->export_filters[FILTER_USER]);
  self->export_query.flow_id = nonempty (self->export_filters[FILTER_FLOW]);

  name = g_file_get_basename (file);
  text = g_strdup_printf (_("Exporting to “%s”…"), name);
  gtk_label_set_label (self->export_label, text);
  gtk_progress_bar_set_fraction (self->export_progress, 0);
  gtk_progress_bar_set_text (self->export_progress, _("Counting the events…"));
  gtk_revealer_set_reveal_child (self->export_revealer, TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->export_button), FALSE);
  g_object_set_data_full (G_OBJECT (file), "gh-format", g_strdup (format), g_free);
  g_file_replace_async (file, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                        G_PRIORITY_DEFAULT, self->export_cancellable, export_opened_cb,
                        g_object_ref (self));
}

gboolean
gh_audit_page_get_exporting (GhAuditPage *self)
{
  g_return_val_if_fail (GH_IS_AUDIT_PAGE (self), FALSE);

  return self->export_file != NULL;
}

static void
export_cancel_clicked_cb (GhAuditPage *self)
{
  g_cancellable_cancel (self->export_cancellable);
}

static void
export_chosen_cb (GtkNativeDialog *dialog,
                  int              response,
                  GhAuditPage     *self)
{
  const char *format = g_object_get_data (G_OBJECT (dialog), "gh-format");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        gh_audit_page_export (self, file, format);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
export_clicked_cb (GtkButton   *button,
                   GhAuditPage *self)
{
  const char *format = g_object_get_data (G_OBJECT (button), "gh-format");
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser;
  g_autofree char *name = NULL;

  gtk_menu_button_popdown (self->export_button);
  chooser = gtk_file_chooser_native_new (_("Export Events"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), NULL);
  name = g_strdup_printf ("audit-%s.%s", gh_page_get_project (GH_PAGE (self)), format);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_object_set_data (G_OBJECT (chooser), "gh-format", (gpointer) format);
  g_signal_connect_object (chooser, "response", G_CALLBACK (export_chosen_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static GtkWidget *
export_menu_new (GhAuditPage *self)
{
  static const struct {
    const char *format;
    const char *name;
    const char *label;
  } formats[] = {
    { "jsonl", "audit-export-jsonl-button", N_("Export as _JSON Lines…") },
    { "csv", "audit-export-csv-button", N_("Export as _CSV…") },
  };
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      GtkWidget *button = gtk_button_new_with_mnemonic (_(formats[i].label));

      gtk_widget_set_name (button, formats[i].name);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_halign (gtk_button_get_child (GTK_BUTTON (button)), GTK_ALIGN_START);
      g_object_set_data (G_OBJECT (button), "gh-format", (gpointer) formats[i].format);
      g_signal_connect_object (button, "clicked", G_CALLBACK (export_clicked_cb), self, 0);
      gtk_box_append (GTK_BOX (box), button);
    }
  gtk_popover_set_child (GTK_POPOVER (popover), box);

  return popover;
}

/* One event, by id (the target "event:<id>"): the newest page before the next id. */
static void
event_loaded_cb (GhPage       *page,
                 JsonObject   *answer,
                 const GError *error,
                 gpointer      user_data)
{
  GhAuditPage *self = GH_AUDIT_PAGE (page);
  gint64 id = GPOINTER_TO_SIZE (user_data);
  JsonArray *events = gh_json_array (answer, "events");
  JsonNode *node = events != NULL && json_array_get_length (events) > 0 ?
                   json_array_get_element (events, 0) : NULL;
  g_autoptr(GhAuditEventItem) event = NULL;

  if (error != NULL)
    gh_page_show_error (page, _("Could not load the event"), error);
  else if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    event = gh_audit_event_item_new_from_json (json_node_get_object (node), NULL);
  self->open_event = 0;
  if (event != NULL && gh_audit_event_item_get_id (event) == id)
    show_detail (self, event);
  else if (error == NULL)
    gh_page_show_toast (page, _("That event is not in the log any more"));
  gh_page_set_busy (page, gh_audit_model_get_loading (self->model));
}

static void
load_event (GhAuditPage *self,
            gint64       id)
{
  g_autofree char *suffix = g_strdup_printf ("/audit?limit=1&before=%" G_GINT64_FORMAT,
                                             id + 1);
  g_autofree char *path = gh_page_project_path (GH_PAGE (self), suffix);

  /* Not connected yet: the first reload does it. */
  self->open_event = id;
  if (gh_page_get_admin_client (GH_PAGE (self)) == NULL)
    return;
  gh_page_set_busy (GH_PAGE (self), TRUE);
  gh_page_load (GH_PAGE (self), "GET", path, NULL, event_loaded_cb, GSIZE_TO_POINTER (id));
}

/* ---- GhPage ------------------------------------------------------------------------- */

static void
gh_audit_page_reload (GhPage *page)
{
  GhAuditPage *self = GH_AUDIT_PAGE (page);

  follow_events (self);
  if (!self->types_read)
    gh_page_call (page, "GET", "/event-types", NULL, event_types_read_cb, NULL);
  if (gtk_stack_get_visible_child_name (self->state_stack) != NULL &&
      g_str_equal (gtk_stack_get_visible_child_name (self->state_stack), "error"))
    gtk_stack_set_visible_child_name (self->state_stack, "loading");
  apply_filters (self);
  if (self->open_event > 0)
    load_event (self, self->open_event);
}

static void
gh_audit_page_connection_changed (GhPage       *page,
                                  GhConnection *previous)
{
  GhAuditPage *self = GH_AUDIT_PAGE (page);

  close_detail_clicked_cb (self);
  follow_events (self);
  /* Another server: its own registry */
  self->types_read = FALSE;
}

static gboolean
gh_audit_page_start_search (GhPage *page)
{
  GhAuditPage *self = GH_AUDIT_PAGE (page);

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));

  return TRUE;
}

/* "filter:outcome=failure" (or success, info), "filter:text=…", "client:<id>", "user:<id>",
 * "flow:<id>", "type:<prefix or type>", "when:15m" (1h, 24h, 7d; another span is ignored):
 * the list with that filter alone; "filter:all": no filter; "event:<id>": that event's detail. */
static void
gh_audit_page_open_target (GhPage     *page,
                           const char *target)
{
  GhAuditPage *self = GH_AUDIT_PAGE (page);
  static const struct {
    const char *prefix;
    Filter      filter;
  } targets[] = {
    { "filter:outcome=", FILTER_OUTCOME },
    { "filter:text=", FILTER_TEXT },
    { "client:", FILTER_CLIENT },
    { "user:", FILTER_USER },
    { "flow:", FILTER_FLOW },
    { "type:", FILTER_TYPE },
    { "when:", FILTER_WHEN },
  };

  if (g_str_has_prefix (target, "event:"))
    {
      gint64 id = g_ascii_strtoll (target + strlen ("event:"), NULL, 10);

      if (id > 0)
        load_event (self, id);
      return;
    }
  if (g_strcmp0 (target, "filter:all") == 0)
    {
      for (guint f = 0; f < N_FILTERS; f++)
        set_filter (self, f, NULL);
      close_detail_clicked_cb (self);
      apply_filters (self);
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    if (g_str_has_prefix (target, targets[i].prefix) &&
        (targets[i].filter != FILTER_WHEN ||
         g_strcmp0 (span_label (target + strlen ("when:")), target + strlen ("when:")) != 0))
      {
        for (guint f = 0; f < N_FILTERS; f++)
          set_filter (self, f, NULL);
        set_filter (self, targets[i].filter, target + strlen (targets[i].prefix));
        close_detail_clicked_cb (self);
        apply_filters (self);
        return;
      }
}

static void
gh_audit_page_dispose (GObject *object)
{
  GhAuditPage *self = (GhAuditPage *)object;

  g_clear_handle_id (&self->count_timeout, g_source_remove);
  g_clear_handle_id (&self->text_reload, g_source_remove);
  if (self->repin_tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->repin_tick);
  self->repin_tick = 0;
  if (self->incoming_tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->incoming_tick);
  self->incoming_tick = 0;
  g_clear_handle_id (&self->incoming_timeout, g_source_remove);
  g_cancellable_cancel (self->export_cancellable);
  g_clear_object (&self->export_cancellable);
  g_clear_object (&self->export_file);
  g_clear_object (&self->export_output);
  g_clear_object (&self->export_input);
  g_clear_pointer (&self->export_chunk, g_bytes_unref);
  if (self->events_client != NULL)
    g_signal_handlers_disconnect_by_data (self->events_client, self);
  g_clear_object (&self->events_client);
  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);

  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), GH_TYPE_AUDIT_PAGE);

  g_clear_object (&self->selection);
  g_clear_object (&self->model);
  g_clear_object (&self->selected);

  G_OBJECT_CLASS (gh_audit_page_parent_class)->dispose (object);
}

static void
gh_audit_page_finalize (GObject *object)
{
  GhAuditPage *self = (GhAuditPage *)object;

  for (guint i = 0; i < N_FILTERS; i++)
    g_clear_pointer (&self->filters[i], g_free);
  g_clear_pointer (&self->export_filters, g_strfreev);
  g_clear_pointer (&self->incoming, g_ptr_array_unref);

  G_OBJECT_CLASS (gh_audit_page_parent_class)->finalize (object);
}

static void
gh_audit_page_class_init (GhAuditPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GhPageClass *page_class = GH_PAGE_CLASS (klass);

  object_class->dispose = gh_audit_page_dispose;
  object_class->finalize = gh_audit_page_finalize;

  page_class->reload = gh_audit_page_reload;
  page_class->connection_changed = gh_audit_page_connection_changed;
  page_class->start_search = gh_audit_page_start_search;
  page_class->open_target = gh_audit_page_open_target;

  g_type_ensure (GH_TYPE_PROPERTY_ROW);

  gh_page_class_set_info (GH_PAGE_CLASS (klass), "audit", N_("Audit Events"),
                          "document-open-recent-symbolic");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/gatehouse/Gatehouse/pages/"
                                               "gh-audit-page.ui");
  gtk_widget_class_bind_template_child (widget_class, GhAuditPage, all_button);
  gtk_widget_class_bind_template_child (widget_class, GhAuditPage, chips_box);
  gtk_widget_class_bind_template_child (widget_class, GhAuditPage, column_view);
  gtk_widget_class_bind_template_child (widget_class, GhAuditPage, count_label);
  gtk_widget_class_bind_template_child (widget_class, GhAuditPage, detail_box);
  gtk_widget_class_bind_template_child (widget_class, GhAuditPage, detail_title);
  gtk_widget_class_bind_template_child (widget_class, GhAuditPage, empty_page);
  gtk_widget_class_bind_template_child (widget_class, GhAuditPage, error_page);
  gtk_widget_class_bind_template_child (widget_class, GhAuditPage, export_label);
  gtk_widget_class_bind_template_child (widget_class, GhAuditPage, export_progress);
  gtk_widget_class_bind_template_child (widget_class, GhAuditPage, export_revealer);
  gtk_widget_class_bind_template_child (widget_class, GhAuditPage, failures_button);
  gtk_widget_class_bind_template_child (widget_class, GhAuditPage, flap);
  gtk_widget_class_bind_template_child (widget_class, GhAuditPage, list_stack);
  gtk_widget_class_bind_template_child (widget_class, GhAuditPage, live_label);
  gtk_widget_class_bind_template_child (widget_class, GhAuditPage, new_events_button);
  gtk_widget_class_bind_template_child (widget_class, GhAuditPage, scroller);
  gtk_widget_class_bind_template_child (widget_class, GhAuditPage, search_bar);
  gtk_widget_class_bind_template_child (widget_class, GhAuditPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, GhAuditPage, state_stack);
  gtk_widget_class_bind_template_child (widget_class, GhAuditPage, successes_button);
  gtk_widget_class_bind_template_child (widget_class, GhAuditPage, what_button);
  gtk_widget_class_bind_template_child (widget_class, GhAuditPage, what_list);
  gtk_widget_class_bind_template_child (widget_class, GhAuditPage, when_button);
  gtk_widget_class_bind_template_callback (widget_class, close_detail_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, export_cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, new_events_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, outcome_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, retry_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, what_activated_cb);
}

static void
gh_audit_page_init (GhAuditPage *self)
{
  GtkAdjustment *adjustment;
  GtkWidget *export_button;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->model = gh_audit_model_new ();
  self->incoming = g_ptr_array_new_with_free_func (g_object_unref);
  g_signal_connect_object (self->model, "notify::loading", G_CALLBACK (loading_changed_cb),
                           self, G_CONNECT_SWAPPED);
  self->selection = gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->model)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_column_view_set_model (self->column_view, GTK_SELECTION_MODEL (self->selection));
  add_columns (self);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self->count_label), TRUE);
  g_signal_connect (self->count_label, "query-tooltip", G_CALLBACK (count_query_tooltip_cb),
                    NULL);

  adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);
  g_signal_connect_object (adjustment, "value-changed", G_CALLBACK (adjustment_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adjustment, "changed", G_CALLBACK (adjustment_layout_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect (self, "map", G_CALLBACK (page_mapped_cb), NULL);

  fill_what_list (self, NULL);

  /* Header: export, search (Ctrl+F). */
  export_button = gtk_menu_button_new ();
  self->export_button = GTK_MENU_BUTTON (export_button);
  gtk_widget_set_name (export_button, "audit-export-button");
  gtk_menu_button_set_icon_name (self->export_button, "document-save-as-symbolic");
  gtk_widget_set_tooltip_text (export_button, _("Export the Filtered Events"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (export_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Export the Filtered Events"), -1);
  gtk_menu_button_set_popover (self->export_button, export_menu_new (self));
  gh_page_add_header_widget (GH_PAGE (self), export_button, GTK_PACK_END);

  self->search_button = GTK_TOGGLE_BUTTON (gtk_toggle_button_new ());
  gtk_widget_set_name (GTK_WIDGET (self->search_button), "audit-search-button");
  gtk_button_set_icon_name (GTK_BUTTON (self->search_button), "system-search-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->search_button), _("Search Events"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->search_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Search Events"), -1);
  g_object_bind_property (self->search_button, "active", self->search_bar, "search-mode-enabled",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  gh_page_add_header_widget (GH_PAGE (self), GTK_WIDGET (self->search_button), GTK_PACK_END);

  gtk_menu_button_set_popover (self->when_button, when_popover_new (self));
  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  sync_controls (self);
}

GListModel *
gh_audit_page_get_model (GhAuditPage *self)
{
  g_return_val_if_fail (GH_IS_AUDIT_PAGE (self), NULL);

  return G_LIST_MODEL (self->model);
}
