/* gh-flows-page.c — the Live flows page: every authorization flow of the project as it
 * happens (GET .../flows, kept current by the window's event stream), and one flow's detail:
 * verdict, Timeline with the Explain card of the failing step, Waterfall, Sequence, Tokens,
 * Raw, and its redacted report
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "gh-admin-json.h"
#include "gh-client-family.h"
#include "gh-explain-card.h"
#include "gh-flow-sequence.h"
#include "gh-flow-steps.h"
#include "gh-format.h"
#include "gh-flow-tokens.h"
#include "gh-flow-waterfall.h"
#include "gh-flows-page.h"

/* Ticks are at least this far apart: a burst of events of any size costs one list read (and a
 * few flow reads) per tick, never one read per event. */
#define TICK_MS 300
/* Touched flows below the list's first page read at once, at most. */
#define MAX_STEP_READS 4
/* Dots drawn in a row at most (the steps the list gives a flow); the rest is counted. */
#define MAX_DOTS 16
#define PAGE_SIZE 50
/* Rows kept while the list is at its top: the newest flows; older ones come back as pages
 * when scrolled to. */
#define MAX_LIVE_ROWS 50
/* A flow's audit events read for the Raw tab and the report, at most (the newest). */
#define EVENTS_READ 200
/* The place of a row made from a flow's first event, before its summary is read: on top. */
#define FIRST_EVENT_SEQ (G_MAXINT64 / 2)
#define BADGE_WINDOW_US ((gint64) G_USEC_PER_SEC * 3600)
#define REDACTED "[redacted]"

/* The state filters: the label and the state sent to the server (NULL: all). */
static const struct {
  const char *label;
  const char *state;
  const char *name;
} state_filters[] = {
  { N_("All"), NULL, "flows-filter-all" },
  { N_("Failed"), "failed", "flows-filter-failed" },
  /* In progress: started, or holding a code the client has not exchanged yet */
  { N_("Running"), "running,code", "flows-filter-running" },
  { N_("Succeeded"), "succeeded", "flows-filter-succeeded" },
};

/* A row of the list: the flow's summary, its first steps (for the dots), its widgets. */
typedef struct
{
  GtkWidget  *row;
  JsonObject *flow;
  JsonArray  *steps;           /* at most MAX_DOTS {"event_id", "type", "outcome"}; NULL: none
                                * known (the flow's "steps" counts them all) */
  gboolean    steps_wanted;    /* queued for a read of the flow */
  gint64      dots_total;      /* the steps the dots and their "+N" stand for */
  GtkWidget  *icon;
  GtkWidget  *title;
  GtkWidget  *subtitle;
  GtkWidget  *reason;
  GtkWidget  *dots;
  GtkWidget  *more;            /* the "+N" after the dots */
  GtkWidget  *duration;
  GtkWidget  *age;
} FlowRow;

static void
flow_row_free (FlowRow *row)
{
  g_clear_pointer (&row->flow, json_object_unref);
  g_clear_pointer (&row->steps, json_array_unref);
  g_free (row);
}

struct _GhFlowsPage
{
  GhPage          parent_instance;

  GHashTable     *rows;            /* flow id -> FlowRow */
  char           *state;           /* the state filter, NULL: all */
  char           *search;          /* case-folded, NULL when empty */
  char           *issuer;
  gint64          older;           /* the next older page's cursor; 0: none */
  gboolean        list_loading;    /* the first page */
  gboolean        more_loading;    /* an older page */
  gboolean        list_loaded;

  /* Live: the flows the stream touched since the last tick. */
  GHashTable     *dirty;           /* flow id set */
  GHashTable     *refreshing;      /* the ones the tick's read is for */
  guint           tick_id;
  gint64          last_tick;       /* monotonic µs */
  gboolean        refresh_loading; /* the tick's read of the first page */
  gboolean        tick_again;
  GPtrArray      *step_queue;      /* touched flows not on the first page, to read by id */
  guint           step_reads;
  gboolean        badge_dirty;
  gboolean        recycled;        /* a row went to a newer flow since the last refresh */
  gboolean        badge_loading;
  guint           age_id;
  gint64          badge_read_at;

  /* The open flow. */
  char           *detail_id;
  JsonObject     *detail;
  JsonArray      *events;          /* its audit events, oldest first */
  gboolean        events_cut;      /* the newest EVENTS_READ of more */
  gint64          target_step;     /* open and scroll to this step once shown; 0: the failing */
  char           *target_view;     /* the tab to show once it is read; NULL: the Timeline */
  gboolean        scroll_pending;
  gboolean        detail_loading;
  gboolean        detail_dirty;
  guint           detail_generation;
  GHashTable     *expanded;        /* event ids (strings) of the expanded steps */

  GtkWidget      *waterfall;
  GtkWidget      *sequence;
  GtkWidget      *tokens;
  GtkWidget      *search_button;
  GPtrArray      *filter_buttons;

  /* Template widgets */
  GtkLabel       *detail_title;
  GtkSpinner     *detail_spinner;
  AdwStatusPage  *empty_page;
  AdwStatusPage  *error_page;
  GtkWidget      *export_button;
  GtkGrid        *facts_grid;
  AdwFlap        *flap;
  GtkWidget      *flap_box;
  guint           width_idle;
  int             detail_width;
  GtkListBox     *flow_list;
  GtkScrolledWindow *list_scroller;
  GtkSpinner     *more_spinner;
  GtkBox         *raw_box;
  GtkSearchBar   *search_bar;
  GtkSearchEntry *search_entry;
  AdwBin         *sequence_bin;
  GtkStack       *state_stack;
  GtkBox         *state_box;
  GtkLabel       *steps_cut_label;
  GtkListBox     *timeline_list;
  GtkScrolledWindow *timeline_scroller;
  AdwBin         *tokens_bin;
  GtkImage       *verdict_icon;
  GtkLabel       *verdict_label;
  AdwViewStack   *views;
  AdwBin         *waterfall_bin;
};

G_DEFINE_FINAL_TYPE (GhFlowsPage, gh_flows_page, GH_TYPE_PAGE)

static void load_first_page (GhFlowsPage *self);
static void update_busy (GhFlowsPage *self);
static void load_detail (GhFlowsPage *self);
static void schedule_tick (GhFlowsPage *self);

/* ---- words ------------------------------------------------------------------------------ */

static char *
format_clock (gint64 time)
{
  g_autoptr(GDateTime) then = g_date_time_new_from_unix_local (time / G_USEC_PER_SEC);
  g_autofree char *seconds = g_date_time_format (then, "%H:%M:%S");

  return g_strdup_printf ("%s.%03d", seconds, (int) (time / 1000 % 1000));
}

/* What the flow's client is: its family, else its id. */
static const char *
flow_client_name (JsonObject *flow)
{
  const char *family = gh_client_family (gh_json_string (flow, "client_id"),
                                         gh_json_string (flow, "user_agent"));

  if (family != NULL)
    return family;
  if (gh_json_string (flow, "client_id") != NULL)
    return gh_json_string (flow, "client_id");
  return _("Unknown client");
}

/* The one-line reason of a failed flow's last error: its explain's message, else the
 * error_description, else the error. */
static const char *
error_reason (JsonObject *error)
{
  const char *message = gh_json_string (gh_json_object (error, "explain"), "message");

  if (message == NULL)
    message = gh_json_string (error, "error_description");
  if (message == NULL)
    message = gh_json_string (error, "error");
  if (message == NULL)
    message = gh_json_string (error, "type");
  return message;
}

static char *refusal_words (JsonObject *step);

/* A failed flow's reason in one line that fits a row: where and what ("Authorize: redirect
 * URI mismatch (port)", the verdict's words), else the error's own words. */
static char *
row_reason (JsonObject *error)
{
  const char *type = gh_json_string (error, "type");
  g_autofree char *words = NULL;

  if (gh_json_string (gh_json_object (error, "explain"), "rule") == NULL)
    return g_strdup (error_reason (error));
  words = refusal_words (error);
  /* Translators: a failed flow's reason in its row, "Authorize: redirect URI mismatch (port)" */
  return type != NULL ? g_strdup_printf (_("%s: %s"), gh_flow_step_title (type), words)
                      : g_steal_pointer (&words);
}

static gboolean
state_in_progress (const char *state)
{
  return g_strcmp0 (state, "running") == 0 || g_strcmp0 (state, "code") == 0;
}

static const char *
state_icon (const char *state)
{
  if (g_strcmp0 (state, "succeeded") == 0)
    return "emblem-ok-symbolic";
  if (g_strcmp0 (state, "failed") == 0)
    return "dialog-error-symbolic";
  if (g_strcmp0 (state, "denied") == 0)
    return "action-unavailable-symbolic";
  return "content-loading-symbolic";
}

static const char *
state_word (const char *state)
{
  if (g_strcmp0 (state, "succeeded") == 0)
    return _("Succeeded");
  if (g_strcmp0 (state, "failed") == 0)
    return _("Failed");
  if (g_strcmp0 (state, "denied") == 0)
    return _("Denied");
  if (g_strcmp0 (state, "code") == 0)
    return _("Code issued");
  return _("Running");
}

static void
set_status_class (GtkWidget        *widget,
                  GhFlowStepStatus  status)
{
  for (GhFlowStepStatus s = GH_FLOW_STEP_OK; s <= GH_FLOW_STEP_PENDING; s++)
    gtk_widget_remove_css_class (widget, gh_flow_step_status_class (s));
  gtk_widget_add_css_class (widget, gh_flow_step_status_class (status));
}

/* ---- the list's rows -------------------------------------------------------------------- */

static void
dot_draw (GtkDrawingArea *area,
          cairo_t        *cr,
          int             width,
          int             height,
          gpointer        user_data)
{
  GdkRGBA color;

  gh_flow_step_status_color (GTK_WIDGET (area), GPOINTER_TO_INT (user_data), &color);
  gdk_cairo_set_source_rgba (cr, &color);
  cairo_arc (cr, width / 2.0, height / 2.0, MIN (width, height) / 2.0 - 1, 0, 2 * G_PI);
  cairo_fill (cr);
}

/* A tooltip set only when it changes: GTK asks the display where the pointer is at every
 * gtk_widget_set_tooltip_text() (a round trip to the X server), and a list under a stream of
 * events would ask hundreds of times a second (bench/console.sh). */
static void
set_tooltip (GtkWidget  *widget,
             const char *text)
{
  if (g_strcmp0 (gtk_widget_get_tooltip_text (widget), text) != 0)
    gtk_widget_set_tooltip_text (widget, text);
}

/* @dot shows a step of @status titled @title (redrawn only when it changed). */
static void
dot_set (GtkWidget        *dot,
         GhFlowStepStatus  status,
         const char       *title)
{
  GhFlowStepStatus shown = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dot), "gh-status"));

  if (shown != status || gtk_widget_get_tooltip_text (dot) == NULL)
    {
      g_object_set_data (G_OBJECT (dot), "gh-status", GINT_TO_POINTER (status));
      gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (dot), dot_draw,
                                      GINT_TO_POINTER (status), NULL);
      set_status_class (dot, status);
    }
  if (g_strcmp0 (gtk_widget_get_tooltip_text (dot), title) != 0)
    {
      gtk_widget_set_tooltip_text (dot, title);
      gtk_accessible_update_property (GTK_ACCESSIBLE (dot), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      title, -1);
    }
}

static GtkWidget *
dot_new (void)
{
  GtkWidget *dot = gtk_drawing_area_new ();

  gtk_widget_set_name (dot, "flow-dot");
  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (dot), 10);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (dot), 10);
  gtk_widget_set_valign (dot, GTK_ALIGN_CENTER);
  return dot;
}

/* The row's dots follow its steps: the dots it has are kept and changed where they differ,
 * the missing ones added, the extra ones removed (a row's dots change at every event of its
 * flow). */
static void
show_dots (FlowRow *row)
{
  GtkWidget *child = gtk_widget_get_first_child (row->dots);
  guint n = 0;

  if (row->steps != NULL)
    {
      n = MIN (json_array_get_length (row->steps), MAX_DOTS);
      row->dots_total = MAX ((gint64) n, gh_json_int (row->flow, "steps"));
    }
  for (guint i = 0; i < n; i++)
    {
      JsonObject *step = json_array_get_object_element (row->steps, i);

      if (child == row->more)
        {
          GtkWidget *dot = dot_new ();

          /* Its tooltip set while it is hidden: no question to the display */
          gtk_widget_set_visible (dot, FALSE);
          dot_set (dot, gh_flow_step_status (step),
                   gh_flow_step_title (gh_json_string (step, "type")));
          gtk_widget_set_visible (dot, TRUE);
          gtk_box_insert_child_after (GTK_BOX (row->dots), dot,
                                      gtk_widget_get_prev_sibling (row->more));
          continue;
        }
      dot_set (child, gh_flow_step_status (step),
               gh_flow_step_title (gh_json_string (step, "type")));
      child = gtk_widget_get_next_sibling (child);
    }
  while (child != row->more)
    {
      GtkWidget *next = gtk_widget_get_next_sibling (child);

      gtk_box_remove (GTK_BOX (row->dots), child);
      child = next;
    }

  gtk_widget_set_visible (row->more, row->steps != NULL && row->dots_total > n);
  if (row->steps != NULL && row->dots_total > n)
    {
      g_autofree char *more = g_strdup_printf ("+%" G_GINT64_FORMAT, row->dots_total - n);

      gtk_label_set_label (GTK_LABEL (row->more), more);
    }
}

static gboolean
age_query_tooltip_cb (GtkWidget  *age,
                      int         x,
                      int         y,
                      gboolean    keyboard,
                      GtkTooltip *tooltip)
{
  const char *exact = g_object_get_data (G_OBJECT (age), "gh-exact");

  if (exact == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, exact);
  return TRUE;
}

static void
show_times (FlowRow *row)
{
  const char *state = gh_json_string (row->flow, "state");
  gint64 started = gh_json_int (row->flow, "started_at");
  g_autofree char *age = gh_format_relative (started, g_get_real_time (), FALSE);
  g_autofree char *duration = NULL;
  g_autoptr(GDateTime) then = g_date_time_new_from_unix_local (started / G_USEC_PER_SEC);
  g_autofree char *exact = g_date_time_format (then, "%Y-%m-%d %H:%M:%S");

  if (state_in_progress (state))
    duration = gh_format_duration (g_get_real_time () - started);
  else if (gh_json_int (row->flow, "duration_us") > 0)
    duration = gh_format_duration (gh_json_int (row->flow, "duration_us"));
  /* A flow whose events were all recorded at one moment (a refusal at its first request)
   * has no duration to show: its age says when */
  gtk_label_set_label (GTK_LABEL (row->duration), duration != NULL ? duration : "");
  gtk_label_set_label (GTK_LABEL (row->age), age);
  /* The exact time, asked for when the pointer rests on the age (age_query_tooltip_cb) */
  if (g_strcmp0 (g_object_get_data (G_OBJECT (row->age), "gh-exact"), exact) != 0)
    g_object_set_data_full (G_OBJECT (row->age), "gh-exact", g_steal_pointer (&exact), g_free);
}

static void
show_row (FlowRow *row)
{
  JsonObject *flow = row->flow;
  const char *state = gh_json_string (flow, "state");
  const char *client_id = gh_json_string (flow, "client_id");
  const char *user = gh_json_string (flow, "user_id");
  const char *client = flow_client_name (flow);
  JsonObject *error = gh_json_object (flow, "last_error");
  g_autofree char *subtitle = NULL;
  gboolean failed = g_strcmp0 (state, "failed") == 0 || g_strcmp0 (state, "denied") == 0;

  if (g_strcmp0 (gtk_widget_get_tooltip_text (row->icon), state_word (state)) != 0)
    {
      gtk_image_set_from_icon_name (GTK_IMAGE (row->icon), state_icon (state));
      set_status_class (row->icon, gh_flow_state_status (state));
      gtk_widget_set_tooltip_text (row->icon, state_word (state));
      gtk_accessible_update_property (GTK_ACCESSIBLE (row->icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      state_word (state), -1);
    }

  gtk_label_set_label (GTK_LABEL (row->title), client);
  set_tooltip (row->title, client_id);

  /* Translators: "client_1f2e… · alice", the client's id (when the title is its family) and
   * the user */
  subtitle = g_strdup_printf (_("%s · %s"),
                              client_id != NULL && g_strcmp0 (client, client_id) != 0
                              ? client_id : state_word (state),
                              user != NULL ? user : failed ? _("no user")
                                                           : _("no user yet"));
  gtk_label_set_label (GTK_LABEL (row->subtitle), subtitle);

  gtk_widget_set_visible (row->reason, failed && error_reason (error) != NULL);
  if (failed && error_reason (error) != NULL)
    {
      g_autofree char *reason = row_reason (error);

      gtk_label_set_label (GTK_LABEL (row->reason), reason);
      /* The whole message on demand */
      set_tooltip (row->reason, error_reason (error));
    }
  show_times (row);
}

static GtkWidget *
caption_label_new (const char *css_class)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (label, "caption");
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  return label;
}

static FlowRow *
flow_row_new (JsonObject *flow)
{
  FlowRow *row = g_new0 (FlowRow, 1);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *times = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);

  row->flow = json_object_ref (flow);
  row->row = gtk_list_box_row_new ();
  gtk_widget_set_name (row->row, "flow-row");
  g_object_set_data_full (G_OBJECT (row->row), "gh-flow-id",
                          g_strdup (gh_json_string (flow, "id")), g_free);

  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);

  row->icon = gtk_image_new ();
  gtk_widget_set_valign (row->icon, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), row->icon);

  row->title = gtk_label_new (NULL);
  gtk_widget_set_name (row->title, "flow-client");
  gtk_label_set_xalign (GTK_LABEL (row->title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (row->title), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (row->title, "heading");
  row->subtitle = caption_label_new ("dim-label");
  gtk_widget_set_name (row->subtitle, "flow-user");
  row->reason = caption_label_new ("error");
  gtk_widget_set_name (row->reason, "flow-reason");
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_widget_set_valign (texts, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (texts), row->title);
  gtk_box_append (GTK_BOX (texts), row->subtitle);
  gtk_box_append (GTK_BOX (texts), row->reason);
  gtk_box_append (GTK_BOX (box), texts);

  row->dots = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  gtk_widget_set_name (row->dots, "flow-dots");
  /* "+N": the steps past the dots; always the last child of the dots' box */
  row->more = gtk_label_new (NULL);
  gtk_widget_set_visible (row->more, FALSE);
  gtk_widget_add_css_class (row->more, "dim-label");
  gtk_widget_add_css_class (row->more, "caption");
  gtk_box_append (GTK_BOX (row->dots), row->more);
  gtk_widget_set_valign (row->dots, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), row->dots);

  row->duration = gtk_label_new (NULL);
  gtk_widget_set_name (row->duration, "flow-duration");
  gtk_label_set_xalign (GTK_LABEL (row->duration), 1);
  gtk_widget_add_css_class (row->duration, "numeric");
  row->age = caption_label_new ("dim-label");
  gtk_widget_set_name (row->age, "flow-age");
  gtk_widget_set_has_tooltip (row->age, TRUE);
  g_signal_connect (row->age, "query-tooltip", G_CALLBACK (age_query_tooltip_cb), NULL);
  gtk_label_set_xalign (GTK_LABEL (row->age), 1);
  gtk_widget_set_size_request (times, 72, -1);
  gtk_widget_set_valign (times, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (times), row->duration);
  gtk_box_append (GTK_BOX (times), row->age);
  gtk_box_append (GTK_BOX (box), times);

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row->row), box);
  show_row (row);
  return row;
}

static int
sort_rows (GtkListBoxRow *a,
           GtkListBoxRow *b,
           gpointer       user_data)
{
  GhFlowsPage *self = user_data;
  FlowRow *ra = g_hash_table_lookup (self->rows, g_object_get_data (G_OBJECT (a), "gh-flow-id"));
  FlowRow *rb = g_hash_table_lookup (self->rows, g_object_get_data (G_OBJECT (b), "gh-flow-id"));
  gint64 sa = ra != NULL ? gh_json_int (ra->flow, "seq") : 0;
  gint64 sb = rb != NULL ? gh_json_int (rb->flow, "seq") : 0;

  return sa < sb ? 1 : sa > sb ? -1 : 0;
}

static gboolean
row_matches_search (GhFlowsPage *self,
                    FlowRow     *row)
{
  const char *texts[] = {
    flow_client_name (row->flow), gh_json_string (row->flow, "client_id"),
    gh_json_string (row->flow, "user_id"), gh_json_string (row->flow, "user_agent"),
  };

  if (self->search == NULL)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autofree char *folded = texts[i] != NULL ? g_utf8_casefold (texts[i], -1) : NULL;

      if (folded != NULL && strstr (folded, self->search) != NULL)
        return TRUE;
    }
  return FALSE;
}

static gboolean
filter_rows (GtkListBoxRow *list_row,
             gpointer       user_data)
{
  GhFlowsPage *self = user_data;
  FlowRow *row = g_hash_table_lookup (self->rows,
                                      g_object_get_data (G_OBJECT (list_row), "gh-flow-id"));

  return row != NULL && row_matches_search (self, row);
}

/* The empty state: how to start a flow, or that the filter keeps none. */
static void
update_empty (GhFlowsPage *self)
{
  GHashTableIter iter;
  FlowRow *row;
  gboolean any = FALSE;

  g_hash_table_iter_init (&iter, self->rows);
  while (!any && g_hash_table_iter_next (&iter, NULL, (gpointer *) &row))
    any = row_matches_search (self, row);

  gtk_widget_set_visible (GTK_WIDGET (self->empty_page), !any);
  gtk_widget_set_visible (GTK_WIDGET (self->flow_list), any);
  if (any)
    return;

  if (self->state != NULL || self->search != NULL)
    {
      adw_status_page_set_icon_name (self->empty_page, "system-search-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Matching Flows"));
      adw_status_page_set_description (self->empty_page,
                                       _("No flow of this project is in that state or "
                                         "names that client or user"));
    }
  else
    {
      g_autofree char *description = NULL;

      adw_status_page_set_icon_name (self->empty_page, "media-playlist-shuffle-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Flows Yet"));
      if (self->issuer != NULL)
        description = g_markup_printf_escaped (
          _("A flow appears here the moment a client asks to authorize. To start one, point "
            "an MCP client at a server that names this project’s issuer; the client finds "
            "it at\n<tt>%s/.well-known/oauth-authorization-server</tt>"), self->issuer);
      else
        description = g_strdup (_("A flow appears here the moment a client asks to "
                                  "authorize, and moves on as it logs in, consents and gets "
                                  "its tokens"));
      adw_status_page_set_description (self->empty_page, description);
    }
}

/* ---- steps for the dots ----------------------------------------------------------------- */

static void pump_steps (GhFlowsPage *self);

/* A touched flow the list's first page does not hold: read by itself (its summary and steps)
 * at the next free read. */
static void
want_steps (GhFlowsPage *self,
            FlowRow     *row)
{
  if (row->steps_wanted)
    return;
  row->steps_wanted = TRUE;
  g_ptr_array_add (self->step_queue, g_strdup (gh_json_string (row->flow, "id")));
  pump_steps (self);
}

static gboolean
same_step (JsonObject *a,
           JsonObject *b)
{
  return gh_json_int (a, "event_id") == gh_json_int (b, "event_id") &&
         g_strcmp0 (gh_json_string (a, "type"), gh_json_string (b, "type")) == 0 &&
         g_strcmp0 (gh_json_string (a, "outcome"), gh_json_string (b, "outcome")) == 0;
}

/* @row's dots become the first MAX_DOTS of @steps (a flow's steps, oldest first, as the list
 * or the flow's detail gives them; NULL: the ones it has), redrawn only when they or their
 * count changed. */
static void
set_dots (FlowRow   *row,
          JsonArray *steps)
{
  guint n = steps != NULL ? MIN (json_array_get_length (steps), MAX_DOTS) : 0;
  gboolean same = row->steps != NULL && (steps == NULL || json_array_get_length (row->steps) == n);

  for (guint i = 0; same && steps != NULL && i < n; i++)
    same = same_step (json_array_get_object_element (row->steps, i),
                      json_array_get_object_element (steps, i));
  if (!same && steps != NULL)
    {
      g_clear_pointer (&row->steps, json_array_unref);
      row->steps = json_array_new ();
      for (guint i = 0; i < n; i++)
        {
          JsonObject *step = json_array_get_object_element (steps, i);
          JsonObject *dot = json_object_new ();

          json_object_set_int_member (dot, "event_id", gh_json_int (step, "event_id"));
          json_object_set_string_member (dot, "type", gh_json_string (step, "type"));
          json_object_set_string_member (dot, "outcome", gh_json_string (step, "outcome"));
          json_array_add_object_element (row->steps, dot);
        }
    }
  if (!same || row->dots_total != MAX ((gint64) n, gh_json_int (row->flow, "steps")))
    show_dots (row);
}

/* Whether the state filter (one state or a comma-separated list, as the server takes it)
 * keeps a flow in @state. */
static gboolean
state_filter_keeps (GhFlowsPage *self,
                    const char  *state)
{
  g_auto(GStrv) states = NULL;

  if (self->state == NULL)
    return TRUE;
  if (state == NULL)
    return FALSE;
  states = g_strsplit (self->state, ",", -1);
  return g_strv_contains ((const char * const *) states, state);
}

static gboolean list_at_top (GhFlowsPage *self);
static void older_below_oldest (GhFlowsPage *self);

/* A row for @flow, which the list does not show yet. While the list is at its top and holds
 * its MAX_LIVE_ROWS (trim_rows), @recycle gives it the oldest row's widgets instead of new
 * ones (at 100 new flows a second, making a row for each and dropping another was most of
 * the page's time: bench/console.sh); NULL when @flow is older than every row kept (the trim
 * would drop it at once). The flow whose detail is open keeps its row. */
static FlowRow *
add_row (GhFlowsPage *self,
         JsonObject  *flow,
         gboolean     recycle)
{
  const char *id = gh_json_string (flow, "id");
  FlowRow *row = NULL;
  gpointer key = NULL;

  if (recycle && g_hash_table_size (self->rows) >= MAX_LIVE_ROWS && list_at_top (self))
    {
      GHashTableIter iter;
      const char *row_id;
      FlowRow *candidate;

      g_hash_table_iter_init (&iter, self->rows);
      while (g_hash_table_iter_next (&iter, (gpointer *) &row_id, (gpointer *) &candidate))
        if (g_strcmp0 (row_id, self->detail_id) != 0 &&
            (row == NULL || gh_json_int (candidate->flow, "seq") < gh_json_int (row->flow, "seq")))
          row = candidate;
      if (row != NULL && gh_json_int (flow, "seq") < gh_json_int (row->flow, "seq"))
        return NULL;
    }

  if (row == NULL)
    {
      row = flow_row_new (flow);
      g_hash_table_insert (self->rows, g_strdup (id), row);
      gtk_list_box_append (self->flow_list, row->row);
      return row;
    }

  g_hash_table_steal_extended (self->rows, gh_json_string (row->flow, "id"), &key, NULL);
  g_free (key);
  json_object_ref (flow);
  json_object_unref (row->flow);
  row->flow = flow;
  g_clear_pointer (&row->steps, json_array_unref);
  row->steps_wanted = FALSE;
  row->dots_total = 0;
  g_object_set_data_full (G_OBJECT (row->row), "gh-flow-id", g_strdup (id), g_free);
  show_row (row);
  show_dots (row);
  g_hash_table_insert (self->rows, g_strdup (id), row);
  gtk_list_box_row_changed (GTK_LIST_BOX_ROW (row->row));
  older_below_oldest (self);
  self->recycled = TRUE;
  return row;
}

typedef enum {
  MERGE_UPDATE,   /* only a flow the list shows */
  MERGE_ADD,      /* added when new */
  MERGE_LIVE,     /* added when new, in a row given up by the oldest flow at the cap */
} MergeMode;

/* A new summary of a flow the list shows (or should show): the row follows it. */
static FlowRow *
merge_flow (GhFlowsPage *self,
            JsonObject  *flow,
            MergeMode    mode)
{
  const char *id = gh_json_string (flow, "id");
  FlowRow *row;

  if (id == NULL)
    return NULL;

  row = g_hash_table_lookup (self->rows, id);
  if (row == NULL)
    {
      /* A new flow out of the filter takes no row (nor another flow's) */
      if (mode == MERGE_UPDATE || !state_filter_keeps (self, gh_json_string (flow, "state")))
        return NULL;
      row = add_row (self, flow, mode == MERGE_LIVE);
      if (row == NULL)
        return NULL;
    }
  else
    {
      gboolean moved = gh_json_int (row->flow, "seq") != gh_json_int (flow, "seq");

      json_object_ref (flow);
      json_object_unref (row->flow);
      row->flow = flow;
      show_row (row);
      if (moved)
        gtk_list_box_row_changed (GTK_LIST_BOX_ROW (row->row));
    }
  /* The list gives a flow its first steps; the flow's own read gave them before */
  set_dots (row, gh_json_array (flow, "first_steps"));

  /* Out of the filter now (a running flow that failed, under Running): gone from the list. */
  if (!state_filter_keeps (self, gh_json_string (flow, "state")))
    {
      gtk_list_box_remove (self->flow_list, row->row);
      g_hash_table_remove (self->rows, id);
      return NULL;
    }
  return row;
}

/* A flow's steps read (with its summary): its row's dots, before the summary, which would
 * otherwise ask for them again. */
static void
take_steps (GhFlowsPage *self,
            JsonObject  *flow,
            JsonArray   *steps)
{
  FlowRow *row = g_hash_table_lookup (self->rows, gh_json_string (flow, "id") != NULL
                                                  ? gh_json_string (flow, "id") : "");

  if (row == NULL || steps == NULL)
    return;
  set_dots (row, steps);
  merge_flow (self, flow, MERGE_UPDATE);
}

static void
steps_loaded_cb (GhPage       *page,
                 JsonObject   *answer,
                 const GError *error,
                 gpointer      user_data)
{
  GhFlowsPage *self = GH_FLOWS_PAGE (page);
  JsonObject *flow = gh_json_object (answer, "flow");
  JsonArray *steps = gh_json_array (answer, "steps");

  self->step_reads--;
  take_steps (self, flow, steps);
  pump_steps (self);
  update_busy (self);
}

static void
pump_steps (GhFlowsPage *self)
{
  while (self->step_reads < MAX_STEP_READS && self->step_queue->len > 0)
    {
      g_autofree char *id = g_ptr_array_steal_index (self->step_queue, 0);
      FlowRow *row = g_hash_table_lookup (self->rows, id);
      g_autofree char *escaped = NULL;
      g_autofree char *suffix = NULL;
      g_autofree char *path = NULL;

      if (row == NULL)
        continue;
      row->steps_wanted = FALSE;
      escaped = g_uri_escape_string (id, NULL, TRUE);
      suffix = g_strconcat ("/flows/", escaped, NULL);
      path = gh_page_project_path (GH_PAGE (self), suffix);
      self->step_reads++;
      gh_page_load (GH_PAGE (self), "GET", path, NULL, steps_loaded_cb, NULL);
    }
}

/* ---- the list --------------------------------------------------------------------------- */

static void
update_busy (GhFlowsPage *self)
{
  gh_page_set_busy (GH_PAGE (self), self->list_loading || self->detail_loading ||
                                    (self->detail_id != NULL &&
                                     gh_flow_tokens_get_loading (GH_FLOW_TOKENS (self->tokens))));
}

static char *
list_path (GhFlowsPage *self,
           gint64       before)
{
  g_autoptr(GString) suffix = g_string_new ("/flows?limit=");

  g_string_append_printf (suffix, "%d", PAGE_SIZE);
  if (self->state != NULL)
    g_string_append_printf (suffix, "&state=%s", self->state);
  if (before > 0)
    g_string_append_printf (suffix, "&before=%" G_GINT64_FORMAT, before);
  return gh_page_project_path (GH_PAGE (self), suffix->str);
}

static void
clear_rows (GhFlowsPage *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->flow_list))) != NULL)
    gtk_list_box_remove (self->flow_list, child);
  g_hash_table_remove_all (self->rows);
  g_ptr_array_set_size (self->step_queue, 0);
}

static void
merge_page (GhFlowsPage *self,
            JsonObject  *answer)
{
  JsonArray *flows = gh_json_array (answer, "flows");

  for (guint i = 0; flows != NULL && i < json_array_get_length (flows); i++)
    {
      JsonObject *flow = json_array_get_object_element (flows, i);

      if (flow != NULL)
        merge_flow (self, flow, MERGE_ADD);
    }
  update_empty (self);
}

static void
first_page_loaded_cb (GhPage       *page,
                      JsonObject   *answer,
                      const GError *error,
                      gpointer      user_data)
{
  GhFlowsPage *self = GH_FLOWS_PAGE (page);

  self->list_loading = FALSE;
  if (error != NULL)
    {
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->state_stack, "error");
      update_busy (self);
      return;
    }

  clear_rows (self);
  self->older = gh_json_int (answer, "older");
  self->list_loaded = TRUE;
  merge_page (self, answer);
  /* A flow opened by a target before the list was read */
  if (self->detail_id != NULL && g_hash_table_lookup (self->rows, self->detail_id) != NULL)
    gtk_list_box_select_row (self->flow_list,
                             GTK_LIST_BOX_ROW (((FlowRow *) g_hash_table_lookup (
                                                  self->rows, self->detail_id))->row));
  gtk_stack_set_visible_child_name (self->state_stack, "content");
  update_busy (self);
}

static void
load_first_page (GhFlowsPage *self)
{
  g_autofree char *path = list_path (self, 0);

  self->list_loading = TRUE;
  self->more_loading = FALSE;
  gtk_widget_set_visible (GTK_WIDGET (self->more_spinner), FALSE);
  update_busy (self);
  gh_page_load (GH_PAGE (self), "GET", path, NULL, first_page_loaded_cb, NULL);
}

static void
more_loaded_cb (GhPage       *page,
                JsonObject   *answer,
                const GError *error,
                gpointer      user_data)
{
  GhFlowsPage *self = GH_FLOWS_PAGE (page);

  self->more_loading = FALSE;
  gtk_spinner_set_spinning (self->more_spinner, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->more_spinner), FALSE);
  if (error != NULL)
    {
      gh_page_show_error (page, _("Could not load older flows"), error);
      return;
    }
  self->older = gh_json_int (answer, "older");
  merge_page (self, answer);
}

/* Near the end of the list: the next older page. */
static void
scrolled_cb (GtkAdjustment *adjustment,
             GhFlowsPage   *self)
{
  g_autofree char *path = NULL;

  if (self->older <= 0 || self->more_loading || self->list_loading ||
      gtk_adjustment_get_value (adjustment) + gtk_adjustment_get_page_size (adjustment) <
      gtk_adjustment_get_upper (adjustment) - 200)
    return;

  self->more_loading = TRUE;
  gtk_widget_set_visible (GTK_WIDGET (self->more_spinner), TRUE);
  gtk_spinner_set_spinning (self->more_spinner, TRUE);
  path = list_path (self, self->older);
  gh_page_load (GH_PAGE (self), "GET", path, NULL, more_loaded_cb, NULL);
}

/* The next older page starts below the oldest row shown (whose place is known: a row made
 * from a first event is newer than every flow read). */
static void
older_below_oldest (GhFlowsPage *self)
{
  GHashTableIter iter;
  FlowRow *row;
  FlowRow *oldest = NULL;

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &row))
    if (gh_json_int (row->flow, "seq") < FIRST_EVENT_SEQ &&
        (oldest == NULL || gh_json_int (row->flow, "seq") < gh_json_int (oldest->flow, "seq")))
      oldest = row;
  if (oldest != NULL)
    self->older = gh_json_int (oldest->flow, "seq");
}

/* Scrolled to the top, no older page on its way. */
static gboolean
list_at_top (GhFlowsPage *self)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->list_scroller);

  return !self->more_loading && gtk_adjustment_get_value (adjustment) < 1;
}

/* While the list is at its top, it keeps its newest MAX_LIVE_ROWS flows (a page): each flow
 * is a row of widgets every frame lays out (bench/console.sh: at 100 new flows a second,
 * keeping them all made a frame cost 230 ms); a new flow takes the oldest row's widgets
 * (add_row), this drops what is left over (rows an older page added). The older ones are read
 * again, as pages, when scrolled to. The flow whose detail is open stays. */
static void
trim_rows (GhFlowsPage *self)
{
  if (g_hash_table_size (self->rows) <= MAX_LIVE_ROWS || !list_at_top (self))
    return;

  while (g_hash_table_size (self->rows) > MAX_LIVE_ROWS)
    {
      GHashTableIter iter;
      const char *id;
      FlowRow *row;
      const char *drop = NULL;
      gint64 lowest = G_MAXINT64;

      g_hash_table_iter_init (&iter, self->rows);
      while (g_hash_table_iter_next (&iter, (gpointer *) &id, (gpointer *) &row))
        if (gh_json_int (row->flow, "seq") < lowest && g_strcmp0 (id, self->detail_id) != 0)
          {
            lowest = gh_json_int (row->flow, "seq");
            drop = id;
          }
      if (drop == NULL)
        break;
      row = g_hash_table_lookup (self->rows, drop);
      gtk_list_box_remove (self->flow_list, row->row);
      g_hash_table_remove (self->rows, drop);
    }

  older_below_oldest (self);
}

/* ---- live ------------------------------------------------------------------------------- */

/* The tick's read of the first page: new flows on top, the shown ones updated; a touched
 * flow further down is read by itself (with its steps). */
static void
refresh_loaded_cb (GhPage       *page,
                   JsonObject   *answer,
                   const GError *error,
                   gpointer      user_data)
{
  GhFlowsPage *self = GH_FLOWS_PAGE (page);
  JsonArray *flows = gh_json_array (answer, "flows");
  g_autoptr(GHashTable) dirty = g_steal_pointer (&self->refreshing);
  GHashTableIter iter;
  const char *id;

  self->refresh_loading = FALSE;
  if (dirty == NULL)
    dirty = g_hash_table_new (g_str_hash, g_str_equal);
  if (error == NULL)
    {
      for (guint i = 0; flows != NULL && i < json_array_get_length (flows); i++)
        {
          JsonObject *flow = json_array_get_object_element (flows, i);

          g_hash_table_remove (dirty, gh_json_string (flow, "id"));
          merge_flow (self, flow, MERGE_LIVE);
        }

      g_hash_table_iter_init (&iter, dirty);
      while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL))
        {
          FlowRow *row = g_hash_table_lookup (self->rows, id);

          if (row != NULL)
            want_steps (self, row);
        }
      /* A list read whole before (no older page) that the stream has grown past a page:
       * older flows are there to read again; rows given to newer flows: the oldest moved */
      if ((self->older <= 0 && gh_json_int (answer, "older") > 0) || self->recycled)
        older_below_oldest (self);
      self->recycled = FALSE;
      trim_rows (self);
      update_empty (self);
    }

  if (self->tick_again)
    {
      self->tick_again = FALSE;
      schedule_tick (self);
    }
}

static void
badge_loaded_cb (GhPage       *page,
                 JsonObject   *answer,
                 const GError *error,
                 gpointer      user_data)
{
  GhFlowsPage *self = GH_FLOWS_PAGE (page);
  JsonArray *flows = gh_json_array (answer, "flows");
  gint64 since = g_get_real_time () - BADGE_WINDOW_US;
  guint count = 0;

  self->badge_loading = FALSE;
  if (error != NULL)
    return;

  self->badge_read_at = g_get_real_time ();
  for (guint i = 0; flows != NULL && i < json_array_get_length (flows); i++)
    if (gh_json_int (json_array_get_object_element (flows, i), "updated_at") >= since)
      count++;
  gh_page_set_badge (GH_PAGE (self), count, TRUE);
}

/* The badge: flows that failed in the last hour (the newest 200 failed ones read). */
static void
load_badge (GhFlowsPage *self)
{
  g_autofree char *path = gh_page_project_path (GH_PAGE (self),
                                                "/flows?state=failed&limit=200");

  self->badge_dirty = FALSE;
  self->badge_loading = TRUE;
  gh_page_load (GH_PAGE (self), "GET", path, NULL, badge_loaded_cb, NULL);
}

static gboolean
tick_cb (gpointer user_data)
{
  GhFlowsPage *self = user_data;

  self->tick_id = 0;
  self->last_tick = g_get_monotonic_time ();

  /* Hidden, the touched flows wait until the page is shown (a hidden page's changes are
   * laid out in the shown page's frames); the badge is read all the same. */
  if (g_hash_table_size (self->dirty) > 0 && self->list_loaded &&
      gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      if (self->refresh_loading || self->list_loading)
        self->tick_again = TRUE;
      else
        {
          g_autofree char *path = list_path (self, 0);

          g_clear_pointer (&self->refreshing, g_hash_table_unref);
          self->refreshing = g_steal_pointer (&self->dirty);
          self->dirty = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          self->refresh_loading = TRUE;
          gh_page_load (GH_PAGE (self), "GET", path, NULL, refresh_loaded_cb, NULL);
        }
    }

  if (self->detail_dirty && self->detail_id != NULL)
    {
      if (self->detail_loading)
        self->tick_again = TRUE;
      else
        load_detail (self);
    }

  if (self->badge_dirty && !self->badge_loading)
    load_badge (self);

  return G_SOURCE_REMOVE;
}

/* Soon after a first event (50 ms gathers what came with it), never sooner than TICK_MS
 * after the last tick: a quiet stream shows at once, a burst costs a few reads a second. */
static void
schedule_tick (GhFlowsPage *self)
{
  gint64 since = (g_get_monotonic_time () - self->last_tick) / 1000;

  if (self->tick_id == 0)
    self->tick_id = g_timeout_add (CLAMP (TICK_MS - since, 50, TICK_MS), tick_cb, self);
}

/* Live event @item at once on @row: a dot at the end of its dots (when there is room), one
 * more step counted; the tick's read of the list (or of the flow) gives the server's steps.
 * Only on a row whose earlier steps are known (a row made from this flow's first event
 * counts). */
static void
add_live_step (FlowRow          *row,
               GhAuditEventItem *item)
{
  gint64 id = gh_audit_event_item_get_id (item);
  guint n;

  if (row->steps == NULL)
    return;
  n = json_array_get_length (row->steps);
  if (id <= gh_json_int (row->flow, "last_event_id") ||
      (n > 0 && id <= gh_json_int (json_array_get_object_element (row->steps, n - 1),
                                   "event_id")))
    return;
  json_object_set_int_member (row->flow, "last_event_id", id);
  json_object_set_int_member (row->flow, "steps", gh_json_int (row->flow, "steps") + 1);
  if (n < MAX_DOTS)
    {
      JsonObject *step = json_object_new ();

      json_object_set_int_member (step, "event_id", id);
      json_object_set_string_member (step, "type", gh_audit_event_item_get_event_type (item));
      json_object_set_string_member (step, "outcome", gh_audit_event_item_get_outcome (item));
      json_array_add_object_element (row->steps, step);
    }
  show_dots (row);
}

/* A flow the list does not have yet, shown at once from its first event (its client, user,
 * address, User-Agent and time); the tick's read gives it its summary and its steps. */
static void
add_from_event (GhFlowsPage      *self,
                GhAuditEventItem *item)
{
  g_autoptr(JsonObject) flow = json_object_new ();
  const char *members[][2] = {
    { "id", gh_audit_event_item_get_flow_id (item) },
    { "client_id", gh_audit_event_item_get_client_id (item) },
    { "user_id", gh_audit_event_item_get_user_id (item) },
    { "source", gh_audit_event_item_get_source (item) },
    { "user_agent", gh_audit_event_item_get_user_agent (item) },
  };
  FlowRow *row;

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    if (members[i][1] != NULL)
      json_object_set_string_member (flow, members[i][0], members[i][1]);
  /* Newer than every flow read: on top until its summary gives its place. */
  json_object_set_int_member (flow, "seq", FIRST_EVENT_SEQ + gh_audit_event_item_get_id (item));
  json_object_set_int_member (flow, "started_at", gh_audit_event_item_get_time (item));
  json_object_set_int_member (flow, "updated_at", gh_audit_event_item_get_time (item));
  json_object_set_string_member (flow, "state", "running");

  row = add_row (self, flow, TRUE);
  if (row == NULL)
    return;
  /* Its first step: the dots grow from here as its events come */
  row->steps = json_array_new ();
  add_live_step (row, item);
  trim_rows (self);
  update_empty (self);
}

static void
gh_flows_page_event (GhPage           *page,
                     GhAuditEventItem *item)
{
  GhFlowsPage *self = GH_FLOWS_PAGE (page);
  FlowRow *row;

  const char *flow_id = gh_audit_event_item_get_flow_id (item);
  const char *type = gh_audit_event_item_get_event_type (item);

  if (flow_id == NULL)
    return;

  g_hash_table_add (self->dirty, g_strdup (flow_id));
  /* Hidden: no row of widgets for each new flow (the tick's read of the list brings them) */
  if (self->list_loaded && !g_hash_table_contains (self->rows, flow_id) &&
      state_filter_keeps (self, "running") && gtk_widget_get_mapped (GTK_WIDGET (self)))
    add_from_event (self, item);
  else if ((row = g_hash_table_lookup (self->rows, flow_id)) != NULL)
    {
      add_live_step (row, item);
      /* The user, once an event names one (the login), before the summary says so */
      if (gh_json_string (row->flow, "user_id") == NULL &&
          gh_audit_event_item_get_user_id (item) != NULL)
        {
          json_object_set_string_member (row->flow, "user_id",
                                         gh_audit_event_item_get_user_id (item));
          show_row (row);
        }
    }
  if (g_strcmp0 (flow_id, self->detail_id) == 0)
    self->detail_dirty = TRUE;
  if (g_strcmp0 (gh_audit_event_item_get_outcome (item), "failure") == 0 ||
      g_strcmp0 (type, "code.replayed") == 0 ||
      g_strcmp0 (type, "refresh_token.reuse_detected") == 0 ||
      g_strcmp0 (type, "token.issued") == 0)
    self->badge_dirty = TRUE;
  schedule_tick (self);
}

/* Every second: ages, running durations, the waiting verdict; the badge's hour moves on. */
static void show_verdict (GhFlowsPage *self);

static gboolean
age_cb (gpointer user_data)
{
  GhFlowsPage *self = user_data;
  GHashTableIter iter;
  FlowRow *row;

  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    return G_SOURCE_CONTINUE;

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &row))
    show_times (row);
  if (self->detail != NULL &&
      state_in_progress (gh_json_string (gh_json_object (self->detail, "flow"), "state")))
    show_verdict (self);
  if (self->list_loaded && g_get_real_time () - self->badge_read_at > 60 * G_USEC_PER_SEC &&
      !self->badge_loading)
    load_badge (self);
  return G_SOURCE_CONTINUE;
}

/* ---- the detail ------------------------------------------------------------------------- */

/* The step the flow failed at: its last error's event, else its last failed step. */
static JsonObject *
failing_step (JsonObject *detail)
{
  JsonArray *steps = gh_json_array (detail, "steps");
  gint64 error_id = gh_json_int (gh_json_object (gh_json_object (detail, "flow"), "last_error"),
                                 "event_id");
  JsonObject *last_failed = NULL;

  for (guint i = 0; steps != NULL && i < json_array_get_length (steps); i++)
    {
      JsonObject *step = json_array_get_object_element (steps, i);

      if (error_id != 0 && gh_json_int (step, "event_id") == error_id)
        return step;
      if (gh_flow_step_status (step) == GH_FLOW_STEP_FAILED)
        last_failed = step;
    }
  return last_failed;
}

/* What comes after a step of that type, for "Waiting at Login". */
static const char *
next_step_type (const char *type)
{
  static const char * const order[][2] = {
    { "authorization.started", "user.logged_in" },
    { "oauth_client.cimd_fetched", "user.logged_in" },
    { "user.logged_in", "consent.granted" },
    { "consent.granted", "code.issued" },
    { "code.issued", "token.issued" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    if (g_strcmp0 (type, order[i][0]) == 0)
      return order[i][1];
  return NULL;
}

/* Where and what a refusal was, in words, for the verdict (the Explain card below says why):
 * its explain's rule in words, with the part that differs when the rule names one, else its
 * OAuth error code, else NULL. */
static char *
refusal_words (JsonObject *step)
{
  JsonObject *explain = gh_json_object (step, "explain");
  const char *rule = gh_json_string (explain, "rule");

  if (rule == NULL)
    return g_strdup (gh_json_string (step, "error"));
  return gh_format_rule_words (rule, gh_json_string (explain, "component"));
}

/* "step 3 of 5": where @step is among @steps (the flow's @total). */
static char *
step_position (JsonArray  *steps,
               JsonObject *step,
               gint64      total)
{
  guint n = steps != NULL ? json_array_get_length (steps) : 0;

  for (guint i = 0; step != NULL && i < n; i++)
    if (json_array_get_object_element (steps, i) == step)
      /* Translators: where a step is in its flow */
      return g_strdup_printf (_("step %u of %" G_GINT64_FORMAT), i + 1, MAX (total, (gint64) n));
  return NULL;
}

static char *
verdict_text (JsonObject *detail)
{
  JsonObject *flow = gh_json_object (detail, "flow");
  const char *state = gh_json_string (flow, "state");
  JsonArray *steps = gh_json_array (detail, "steps");
  guint n = steps != NULL ? json_array_get_length (steps) : 0;
  JsonObject *last = n > 0 ? json_array_get_object_element (steps, n - 1) : NULL;
  JsonObject *failed = failing_step (detail);
  const char *at = gh_flow_step_title (gh_json_string (failed != NULL ? failed : last, "type"));

  if (g_strcmp0 (state, "succeeded") == 0)
    {
      g_autofree char *duration = gh_format_duration (gh_json_int (flow, "duration_us"));

      return g_strdup_printf (_("Succeeded in %s"), duration);
    }
  if (g_strcmp0 (state, "denied") == 0 || g_strcmp0 (state, "failed") == 0)
    {
      JsonObject *step = failed != NULL ? failed : last;
      g_autofree char *where = step_position (steps, step, gh_json_int (flow, "steps"));
      g_autofree char *what = refusal_words (failed != NULL ? failed
                                             : gh_json_object (flow, "last_error"));
      g_autofree char *at_step = where != NULL ? g_strdup_printf ("%s (%s)", at, where)
                                               : g_strdup (at);

      /* What the step was and which rule refused it; the step's Explain card says why */
      if (g_strcmp0 (state, "denied") == 0)
        /* Translators: "Denied by the user at Consent (step 3 of 3)" */
        return g_strdup_printf (_("Denied by the user at %s"), at_step);
      /* Translators: "Failed at Token (step 4 of 5): redirect URI mismatch (port)" */
      return what != NULL ? g_strdup_printf (_("Failed at %s: %s"), at_step, what)
                          : g_strdup_printf (_("Failed at %s"), at_step);
    }

  {
    const char *next = next_step_type (gh_json_string (last, "type"));
    gint64 since = gh_json_int (flow, "updated_at");
    g_autofree char *waited = gh_format_duration (g_get_real_time () - since);

    if (next != NULL)
      /* Translators: "Waiting at Login for 40 s" */
      return g_strdup_printf (_("Waiting at %s for %s"), gh_flow_step_title (next), waited);
    return g_strdup_printf (_("Waiting after %s for %s"), at, waited);
  }
}

static void
show_verdict (GhFlowsPage *self)
{
  const char *state = gh_json_string (gh_json_object (self->detail, "flow"), "state");
  g_autofree char *text = verdict_text (self->detail);

  gtk_label_set_label (self->verdict_label, text);
  gtk_image_set_from_icon_name (self->verdict_icon, state_icon (state));
  set_status_class (GTK_WIDGET (self->verdict_icon), gh_flow_state_status (state));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->verdict_icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, state_word (state), -1);
}

static void
copy_text (GtkWidget  *widget,
           const char *text)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
}

static void
copy_clicked_cb (GtkButton   *button,
                 GhFlowsPage *self)
{
  copy_text (GTK_WIDGET (button), g_object_get_data (G_OBJECT (button), "gh-text"));
  gh_page_show_toast (GH_PAGE (self), _("Copied"));
}

static GtkWidget *
copy_button_new (GhFlowsPage *self,
                 const char  *text,
                 const char  *label,
                 const char  *name)
{
  GtkWidget *button = label != NULL ? gtk_button_new_with_mnemonic (label)
                                    : gtk_button_new_from_icon_name ("edit-copy-symbolic");

  gtk_widget_set_name (button, name);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  if (label == NULL)
    {
      gtk_widget_set_tooltip_text (button, _("Copy"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Copy"), -1);
      gtk_widget_add_css_class (button, "flat");
    }
  g_object_set_data_full (G_OBJECT (button), "gh-text", g_strdup (text), g_free);
  g_signal_connect_object (button, "clicked", G_CALLBACK (copy_clicked_cb), self, 0);
  return button;
}

static void
add_fact (GhFlowsPage *self,
          int          row,
          const char  *caption,
          const char  *value,
          const char  *name,
          gboolean     copyable)
{
  GtkWidget *caption_label = gtk_label_new (caption);
  GtkWidget *value_label = gtk_label_new (value != NULL ? value : _("None"));

  gtk_label_set_xalign (GTK_LABEL (caption_label), 0);
  gtk_widget_add_css_class (caption_label, "dim-label");
  gtk_widget_add_css_class (caption_label, "caption-heading");
  gtk_widget_set_valign (caption_label, GTK_ALIGN_BASELINE);
  gtk_label_set_xalign (GTK_LABEL (value_label), 0);
  gtk_label_set_selectable (GTK_LABEL (value_label), TRUE);
  gtk_label_set_ellipsize (GTK_LABEL (value_label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_set_tooltip_text (value_label, value);
  gtk_widget_set_hexpand (value_label, TRUE);
  gtk_widget_set_name (value_label, name);
  gtk_widget_set_valign (value_label, GTK_ALIGN_BASELINE);
  if (value == NULL)
    gtk_widget_add_css_class (value_label, "dim-label");
  gtk_grid_attach (self->facts_grid, caption_label, 0, row, 1, 1);
  if (copyable && value != NULL)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      GtkWidget *button = copy_button_new (self, value, NULL, "flow-id-copy-button");

      gtk_widget_set_hexpand (value_label, FALSE);
      gtk_widget_add_css_class (value_label, "monospace");
      gtk_widget_set_valign (caption_label, GTK_ALIGN_CENTER);
      gtk_widget_set_valign (value_label, GTK_ALIGN_CENTER);
      gtk_box_append (GTK_BOX (box), value_label);
      gtk_box_append (GTK_BOX (box), button);
      gtk_grid_attach (self->facts_grid, box, 1, row, 1, 1);
    }
  else
    gtk_grid_attach (self->facts_grid, value_label, 1, row, 1, 1);
}

static void
show_facts (GhFlowsPage *self)
{
  JsonObject *flow = gh_json_object (self->detail, "flow");
  const char *family = gh_client_family (gh_json_string (flow, "client_id"),
                                         gh_json_string (flow, "user_agent"));
  g_autofree char *client = NULL;
  GtkWidget *child;
  int row = 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->facts_grid))) != NULL)
    gtk_grid_remove (self->facts_grid, child);

  client = family != NULL && gh_json_string (flow, "client_id") != NULL
           ? g_strdup_printf ("%s (%s)", family, gh_json_string (flow, "client_id"))
           : g_strdup (gh_json_string (flow, "client_id"));
  add_fact (self, row++, _("Client"), client, "flow-client-value", FALSE);
  add_fact (self, row++, _("User"), gh_json_string (flow, "user_id"), "flow-user-value", FALSE);
  add_fact (self, row++, _("Source"), gh_json_string (flow, "source"), "flow-source-value",
            FALSE);
  add_fact (self, row++, _("User-Agent"), gh_json_string (flow, "user_agent"),
            "flow-user-agent-value", FALSE);
  add_fact (self, row++, _("Flow"), gh_json_string (flow, "id"), "flow-id-value", TRUE);
}

/* A JSON value as one line of text: strings bare, the rest as JSON. */
static char *
value_text (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_strdup ("null");
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  return json_to_string (node, FALSE);
}

/* The request a step answered, as curl would send it again: the authorize URL, or the token
 * POST with placeholders for what is never stored (code, verifier, secret, refresh token). */
static char *
step_curl (GhFlowsPage *self,
           JsonObject  *step)
{
  JsonObject *params = gh_json_object (step, "params");
  const char *issuer = self->issuer != NULL ? self->issuer : "ISSUER";
  const char *grant = gh_json_string (params, "grant_type");
  g_autoptr(GString) curl = g_string_new (NULL);
  JsonArray *resources = gh_json_array (params, "resource");

  if (params == NULL)
    return NULL;

  if (gh_json_string (params, "response_type") != NULL)
    {
      static const char * const members[] = {
        "response_type", "client_id", "redirect_uri", "scope", "prompt",
      };
      g_autoptr(GString) query = g_string_new (NULL);

      for (guint i = 0; i < G_N_ELEMENTS (members); i++)
        {
          const char *value = gh_json_string (params, members[i]);
          g_autofree char *escaped = NULL;

          if (value == NULL)
            continue;
          escaped = g_uri_escape_string (value, NULL, FALSE);
          g_string_append_printf (query, "%s%s=%s", query->len > 0 ? "&" : "", members[i],
                                  escaped);
        }
      for (guint i = 0; resources != NULL && i < json_array_get_length (resources); i++)
        {
          g_autofree char *escaped =
            g_uri_escape_string (json_array_get_string_element (resources, i), NULL, FALSE);

          g_string_append_printf (query, "&resource=%s", escaped);
        }
      if (gh_json_string (params, "code_challenge_method") != NULL)
        g_string_append_printf (query, "&code_challenge=CODE_CHALLENGE&code_challenge_method=%s",
                                gh_json_string (params, "code_challenge_method"));
      if (gh_json_bool (params, "state_present"))
        g_string_append (query, "&state=STATE");
      if (gh_json_bool (params, "nonce_present"))
        g_string_append (query, "&nonce=NONCE");
      g_string_append_printf (curl, "curl -i '%s/authorize?%s'", issuer, query->str);
      return g_string_free (g_steal_pointer (&curl), FALSE);
    }

  if (grant != NULL)
    {
      const char *method = gh_json_string (params, "client_auth_method");
      const char *client_id = gh_json_string (step, "client_id");

      g_string_append_printf (curl, "curl -i -X POST '%s/token' \\\n  -d 'grant_type=%s'",
                              issuer, grant);
      if (g_str_equal (grant, "authorization_code"))
        g_string_append (curl, " \\\n  -d 'code=AUTHORIZATION_CODE'");
      if (g_str_equal (grant, "refresh_token"))
        g_string_append (curl, " \\\n  -d 'refresh_token=REFRESH_TOKEN'");
      if (gh_json_string (params, "redirect_uri") != NULL)
        g_string_append_printf (curl, " \\\n  --data-urlencode 'redirect_uri=%s'",
                                gh_json_string (params, "redirect_uri"));
      if (g_strcmp0 (gh_json_string (params, "code_verifier"), "absent") != 0 &&
          g_str_equal (grant, "authorization_code"))
        g_string_append (curl, " \\\n  -d 'code_verifier=CODE_VERIFIER'");
      if (gh_json_string (params, "scope") != NULL)
        g_string_append_printf (curl, " \\\n  --data-urlencode 'scope=%s'",
                                gh_json_string (params, "scope"));
      for (guint i = 0; resources != NULL && i < json_array_get_length (resources); i++)
        g_string_append_printf (curl, " \\\n  --data-urlencode 'resource=%s'",
                                json_array_get_string_element (resources, i));
      if (g_strcmp0 (method, "client_secret_basic") == 0)
        g_string_append_printf (curl, " \\\n  -u '%s:CLIENT_SECRET'",
                                client_id != NULL ? client_id : "CLIENT_ID");
      else if (g_strcmp0 (method, "client_secret_post") == 0)
        g_string_append_printf (curl, " \\\n  -d 'client_id=%s' -d 'client_secret=CLIENT_SECRET'",
                                client_id != NULL ? client_id : "CLIENT_ID");
      else if (client_id != NULL)
        g_string_append_printf (curl, " \\\n  --data-urlencode 'client_id=%s'", client_id);
      return g_string_free (g_steal_pointer (&curl), FALSE);
    }

  return NULL;
}

static GtkWidget *
mono_label_new (const char *text,
                const char *name)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_set_name (label, name);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (label, "monospace");
  return label;
}

static void
explain_fixed_cb (GhFlowsPage *self)
{
  self->detail_dirty = TRUE;
  schedule_tick (self);
}

static GtkWidget *
step_row_new (GhFlowsPage *self,
              JsonObject  *step,
              gboolean     failing)
{
  const char *type = gh_json_string (step, "type");
  GhFlowStepStatus status = gh_flow_step_status (step);
  gint64 event_id = gh_json_int (step, "event_id");
  g_autofree char *id_text = g_strdup_printf ("%" G_GINT64_FORMAT, event_id);
  g_autofree char *clock = format_clock (gh_json_int (step, "time"));
  g_autofree char *duration = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *curl = step_curl (self, step);
  g_autoptr(GString) params_text = g_string_new (NULL);
  JsonObject *params = gh_json_object (step, "params");
  JsonObject *explain = gh_json_object (step, "explain");
  GtkWidget *row = adw_expander_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name (status == GH_FLOW_STEP_OK
                                                  ? "emblem-ok-symbolic"
                                                  : status == GH_FLOW_STEP_PENDING
                                                  ? "content-loading-symbolic"
                                                  : "dialog-error-symbolic");
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *content = gtk_list_box_row_new ();

  if (json_object_has_member (step, "duration_us") &&
      !json_node_is_null (json_object_get_member (step, "duration_us")))
    duration = gh_format_duration (gh_json_int (step, "duration_us"));
  /* Translators: "token.issued · 14:02:11.250 · 12 ms" */
  subtitle = duration != NULL ? g_strdup_printf (_("%s · %s · %s"), type, clock, duration)
                              : g_strdup_printf (_("%s · %s"), type, clock);

  gtk_widget_set_name (row, "flow-step");
  g_object_set_data_full (G_OBJECT (row), "gh-event-id", g_strdup (id_text), g_free);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  if (gh_flow_step_cache (step) != NULL)
    {
      /* Translators: a CIMD resolution's step: "CIMD fetch (cache hit)" */
      g_autofree char *title = g_strdup_printf (_("%s (%s)"), gh_flow_step_title (type),
                                                gh_flow_step_cache (step));

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
    }
  else
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), gh_flow_step_title (type));
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);
  set_status_class (icon, status);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  status == GH_FLOW_STEP_OK ? _("Passed")
                                  : status == GH_FLOW_STEP_PENDING ? _("Pending")
                                  : _("Failed"), -1);
  adw_expander_row_add_prefix (ADW_EXPANDER_ROW (row), icon);

  gtk_widget_set_margin_top (box, 10);
  gtk_widget_set_margin_bottom (box, 10);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);

  /* Why it was refused comes first: what a user opened the step for. */
  if (explain != NULL)
    {
      GtkWidget *card = gh_explain_card_new ();

      gh_explain_card_set_explain (GH_EXPLAIN_CARD (card), explain);
      gh_explain_card_set_target (GH_EXPLAIN_CARD (card),
                                  gh_page_get_admin_client (GH_PAGE (self)),
                                  gh_page_get_project (GH_PAGE (self)));
      g_signal_connect_object (card, "fixed", G_CALLBACK (explain_fixed_cb), self,
                               G_CONNECT_SWAPPED);
      gtk_box_append (GTK_BOX (box), card);
    }

  if (params != NULL)
    {
      g_autoptr(GList) members = json_object_get_members (params);

      for (GList *l = members; l != NULL; l = l->next)
        {
          g_autofree char *value = value_text (json_object_get_member (params, l->data));

          g_string_append_printf (params_text, "%s%s = %s", params_text->len > 0 ? "\n" : "",
                                  (const char *) l->data, value);
        }
    }
  if (gh_flow_step_cache (step) != NULL)
    g_string_append_printf (params_text, "%scache = %s, TTL %" G_GINT64_FORMAT " s (%s)",
                            params_text->len > 0 ? "\n" : "",
                            gh_json_string (gh_json_object (step, "cache"), "result"),
                            gh_json_int (gh_json_object (step, "cache"), "ttl_s"),
                            gh_json_string (gh_json_object (step, "cache"), "why") ?: "");
  if (gh_json_int (step, "status") != 0)
    g_string_append_printf (params_text, "%sHTTP %" G_GINT64_FORMAT,
                            params_text->len > 0 ? "\n\n" : "", gh_json_int (step, "status"));
  if (gh_json_string (step, "error") != NULL)
    g_string_append_printf (params_text, "%serror = %s", params_text->len > 0 ? "\n" : "",
                            gh_json_string (step, "error"));
  if (gh_json_string (step, "error_description") != NULL)
    g_string_append_printf (params_text, "%serror_description = %s",
                            params_text->len > 0 ? "\n" : "",
                            gh_json_string (step, "error_description"));
  if (params_text->len == 0)
    g_string_append (params_text, _("This step recorded no request parameters."));
  gtk_box_append (GTK_BOX (box), mono_label_new (params_text->str, "flow-step-params"));

  if (curl != NULL)
    gtk_box_append (GTK_BOX (buttons), copy_button_new (self, curl, _("Copy as _Curl"),
                                                        "flow-step-curl-button"));
  gtk_box_append (GTK_BOX (buttons), copy_button_new (self, params_text->str,
                                                      _("Copy _Parameters"),
                                                      "flow-step-copy-button"));
  gtk_box_append (GTK_BOX (box), buttons);

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (content), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (content), FALSE);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (row), content);

  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row),
                                 failing || g_hash_table_contains (self->expanded, id_text));
  return row;
}

static GtkWidget *
probe_row_new (JsonObject *hit)
{
  GtkWidget *row = adw_action_row_new ();
  GhFlowStepStatus status = gh_flow_hit_status (hit);
  g_autofree char *clock = format_clock (gh_json_int (hit, "time"));
  g_autofree char *title = g_strdup_printf ("%s %s", gh_json_string (hit, "method"),
                                            gh_json_string (hit, "path"));
  g_autofree char *subtitle = NULL;
  g_autofree char *code = g_strdup_printf ("%" G_GINT64_FORMAT, gh_json_int (hit, "status"));
  GtkWidget *status_label = gtk_label_new (code);

  subtitle = g_strdup_printf (_("Discovery probe · %s · %s"), clock,
                              gh_json_string (hit, "user_agent") != NULL
                              ? gh_json_string (hit, "user_agent") : _("no User-Agent"));
  gtk_widget_set_name (row, "flow-probe");
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 1);
  gtk_widget_add_css_class (row, "dim-label");
  gtk_widget_add_css_class (status_label, "numeric");
  gtk_widget_set_name (status_label, "flow-probe-status");
  if (status != GH_FLOW_STEP_OK)
    gtk_widget_add_css_class (status_label, gh_flow_step_status_class (status));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), status_label);
  return row;
}

static void
scroll_to_row (GhFlowsPage *self,
               GtkWidget   *row)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->timeline_scroller);
  GtkWidget *child = gtk_scrolled_window_get_child (self->timeline_scroller);
  double x, y;

  if (child == NULL || !gtk_widget_translate_coordinates (row, child, 0, 0, &x, &y))
    return;
  gtk_adjustment_set_value (adjustment, MAX (0, y - 12));
}

static gboolean
scroll_idle_cb (gpointer user_data)
{
  GhFlowsPage *self = user_data;
  g_autofree char *wanted = g_strdup_printf ("%" G_GINT64_FORMAT, self->target_step);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->timeline_list));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (g_strcmp0 (g_object_get_data (G_OBJECT (child), "gh-event-id"), wanted) == 0)
      scroll_to_row (self, child);
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

/* A dim caption between the Timeline's parts. */
static GtkWidget *
timeline_caption_row_new (const char *name,
                          const char *text)
{
  GtkWidget *header = gtk_label_new (text);
  GtkWidget *row = gtk_list_box_row_new ();

  gtk_label_set_xalign (GTK_LABEL (header), 0);
  gtk_label_set_wrap (GTK_LABEL (header), TRUE);
  gtk_widget_add_css_class (header, "dim-label");
  gtk_widget_add_css_class (header, "caption");
  gtk_widget_set_margin_top (header, 8);
  gtk_widget_set_margin_bottom (header, 8);
  gtk_widget_set_margin_start (header, 12);
  gtk_widget_set_margin_end (header, 12);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), header);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_set_name (row, name);
  return row;
}

static void
show_timeline (GhFlowsPage *self,
               gboolean     opening)
{
  JsonArray *hits = gh_json_array (self->detail, "discovery_hits");
  JsonObject *registration = gh_json_object (self->detail, "registration");
  JsonArray *steps = gh_json_array (self->detail, "steps");
  JsonObject *failed = failing_step (self->detail);
  gint64 open_id = self->target_step != 0 ? self->target_step : gh_json_int (failed, "event_id");
  GtkWidget *child;

  /* What the user opened stays open as the flow grows. */
  if (!opening)
    {
      g_hash_table_remove_all (self->expanded);
      for (child = gtk_widget_get_first_child (GTK_WIDGET (self->timeline_list)); child != NULL;
           child = gtk_widget_get_next_sibling (child))
        if (ADW_IS_EXPANDER_ROW (child) &&
            adw_expander_row_get_expanded (ADW_EXPANDER_ROW (child)))
          g_hash_table_add (self->expanded,
                            g_strdup (g_object_get_data (G_OBJECT (child), "gh-event-id")));
    }
  else
    g_hash_table_remove_all (self->expanded);

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->timeline_list))) != NULL)
    gtk_list_box_remove (self->timeline_list, child);

  if (hits != NULL && json_array_get_length (hits) > 0)
    {
      gtk_list_box_append (self->timeline_list,
                           timeline_caption_row_new ("flow-probes-header",
                                                     _("Probable: same address and User-Agent "
                                                       "within 60 s before the flow")));
      for (guint i = 0; i < json_array_get_length (hits); i++)
        gtk_list_box_append (self->timeline_list,
                             probe_row_new (json_array_get_object_element (hits, i)));
    }

  /* The client's registration, when it came just before the flow (not one of its events) */
  if (registration != NULL)
    {
      g_autofree char *before = gh_format_duration (gh_json_int (gh_json_object (self->detail,
                                                                                 "flow"),
                                                                 "started_at") -
                                                    gh_json_int (registration, "time"));
      /* Translators: %s is a duration, "1.2 s" */
      g_autofree char *text = g_strdup_printf (_("The client registered %s before the flow"),
                                               before);
      GtkWidget *row;

      gtk_list_box_append (self->timeline_list,
                           timeline_caption_row_new ("flow-registration-header", text));
      row = step_row_new (self, registration,
                          opening && open_id != 0 &&
                          gh_json_int (registration, "event_id") == open_id);
      gtk_widget_set_name (row, "flow-registration");
      gtk_list_box_append (self->timeline_list, row);
      if (steps != NULL && json_array_get_length (steps) > 0)
        gtk_list_box_append (self->timeline_list,
                             timeline_caption_row_new ("flow-steps-header", _("The flow")));
    }

  for (guint i = 0; steps != NULL && i < json_array_get_length (steps); i++)
    {
      JsonObject *step = json_array_get_object_element (steps, i);
      gboolean open = opening && open_id != 0 && gh_json_int (step, "event_id") == open_id;

      gtk_list_box_append (self->timeline_list, step_row_new (self, step, open));
    }
  gtk_widget_set_visible (GTK_WIDGET (self->steps_cut_label),
                          gh_json_bool (self->detail, "steps_cut"));

  if (opening && open_id != 0)
    {
      self->target_step = open_id;
      g_idle_add_full (G_PRIORITY_LOW, scroll_idle_cb, g_object_ref (self), NULL);
    }
}

/* The open flow's events, all of them, on the Audit page. */
static void
open_in_audit_cb (GhFlowsPage *self)
{
  g_autofree char *target = g_strconcat ("flow:", self->detail_id, NULL);

  gh_page_open (GH_PAGE (self), "audit", target);
}

static void
show_raw (GhFlowsPage *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->raw_box))) != NULL)
    gtk_box_remove (self->raw_box, child);

  if (self->events_cut)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
      GtkWidget *label = gtk_label_new (NULL);
      GtkWidget *button = gtk_button_new_with_label (_("Open in Audit"));
      g_autofree char *text = NULL;

      /* Translators: on the Raw tab of a flow with more events than were read */
      text = g_strdup_printf (_("The flow’s newest %d events, here and in the report; the "
                                "Audit page has all of them."), EVENTS_READ);
      gtk_label_set_label (GTK_LABEL (label), text);
      gtk_widget_set_name (label, "flow-raw-cut");
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_set_hexpand (label, TRUE);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_widget_set_name (button, "flow-raw-audit-button");
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      g_signal_connect_object (button, "clicked", G_CALLBACK (open_in_audit_cb), self,
                               G_CONNECT_SWAPPED);
      gtk_box_append (GTK_BOX (box), label);
      gtk_box_append (GTK_BOX (box), button);
      gtk_box_append (self->raw_box, box);
    }

  for (guint i = 0; self->events != NULL && i < json_array_get_length (self->events); i++)
    {
      JsonNode *node = json_array_get_element (self->events, i);
      JsonObject *event = json_node_get_object (node);
      g_autofree char *json = json_to_string (node, TRUE);
      g_autofree char *heading = g_strdup_printf ("%s · %" G_GINT64_FORMAT,
                                                  gh_json_string (event, "type"),
                                                  gh_json_int (event, "id"));
      GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      GtkWidget *title = gtk_label_new (heading);
      GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
      GtkWidget *text = mono_label_new (json, "flow-raw-event");

      gtk_label_set_xalign (GTK_LABEL (title), 0);
      gtk_widget_set_hexpand (title, TRUE);
      gtk_widget_add_css_class (title, "heading");
      gtk_box_append (GTK_BOX (header), title);
      gtk_box_append (GTK_BOX (header), copy_button_new (self, json, NULL,
                                                         "flow-raw-copy-button"));
      gtk_widget_add_css_class (card, "card");
      gtk_widget_set_name (card, "flow-raw-card");
      gtk_widget_set_margin_top (header, 6);
      gtk_widget_set_margin_start (header, 12);
      gtk_widget_set_margin_end (header, 6);
      gtk_widget_set_margin_start (text, 12);
      gtk_widget_set_margin_end (text, 12);
      gtk_widget_set_margin_bottom (text, 12);
      gtk_widget_add_css_class (text, "caption");
      gtk_box_append (GTK_BOX (card), header);
      gtk_box_append (GTK_BOX (card), text);
      gtk_box_append (self->raw_box, card);
    }
  if (self->events == NULL || json_array_get_length (self->events) == 0)
    {
      GtkWidget *label = gtk_label_new (self->events == NULL ? _("Reading the flow’s events…")
                                                             : _("No events"));

      gtk_widget_add_css_class (label, "dim-label");
      gtk_box_append (self->raw_box, label);
    }
}

static void
update_export (GhFlowsPage *self)
{
  gtk_widget_set_sensitive (self->export_button, self->detail != NULL && self->events != NULL);
}

static void
events_loaded_cb (GhPage       *page,
                  JsonObject   *answer,
                  const GError *error,
                  gpointer      user_data)
{
  GhFlowsPage *self = GH_FLOWS_PAGE (page);
  JsonArray *events = gh_json_array (answer, "events");
  JsonArray *ordered;

  if (GPOINTER_TO_UINT (user_data) != self->detail_generation)
    return;
  if (error != NULL)
    {
      gh_page_show_error (page, _("Could not read the flow’s events"), error);
      return;
    }

  /* The audit log answers newest first; the flow reads oldest first. */
  ordered = json_array_new ();
  for (guint i = events != NULL ? json_array_get_length (events) : 0; i > 0; i--)
    json_array_add_element (ordered, json_node_copy (json_array_get_element (events, i - 1)));
  g_clear_pointer (&self->events, json_array_unref);
  self->events = ordered;
  /* More than were read: the Raw tab and the report say so */
  self->events_cut = gh_json_int (answer, "older") > 0;
  show_raw (self);
  update_export (self);
}

static void
detail_loaded_cb (GhPage       *page,
                  JsonObject   *answer,
                  const GError *error,
                  gpointer      user_data)
{
  GhFlowsPage *self = GH_FLOWS_PAGE (page);
  gboolean opening = self->detail == NULL;
  JsonObject *flow = gh_json_object (answer, "flow");

  if (GPOINTER_TO_UINT (user_data) != self->detail_generation)
    return;

  self->detail_loading = FALSE;
  gtk_spinner_set_spinning (self->detail_spinner, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->detail_spinner), FALSE);
  update_busy (self);

  if (error != NULL)
    {
      if (opening)
        {
          g_autofree char *text = g_strdup_printf (_("This flow could not be read: %s"),
                                                   error->message);

          gtk_label_set_label (self->verdict_label, text);
          gtk_image_set_from_icon_name (self->verdict_icon, "dialog-error-symbolic");
          set_status_class (GTK_WIDGET (self->verdict_icon), GH_FLOW_STEP_FAILED);
        }
      else
        gh_page_show_error (page, _("Could not read the flow again"), error);
      return;
    }

  g_clear_pointer (&self->detail, json_object_unref);
  self->detail = json_object_ref (answer);
  if (flow != NULL)
    take_steps (self, flow, gh_json_array (answer, "steps"));

  gtk_label_set_label (self->detail_title, flow_client_name (flow));
  show_verdict (self);
  show_facts (self);
  show_timeline (self, opening);
  if (opening)
    {
      const char *view = self->target_view;

      if (view == NULL || adw_view_stack_get_child_by_name (self->views, view) == NULL)
        view = "timeline";
      adw_view_stack_set_visible_child_name (self->views, view);
      g_clear_pointer (&self->target_view, g_free);
    }

  gh_flow_waterfall_set_flow (GH_FLOW_WATERFALL (self->waterfall), self->detail);
  gh_flow_sequence_set_flow (GH_FLOW_SEQUENCE (self->sequence), self->detail);
  gh_flow_tokens_set_flow (GH_FLOW_TOKENS (self->tokens),
                           gh_page_get_admin_client (page), gh_page_get_project (page),
                           self->detail);
  update_export (self);

  if (self->tick_again)
    {
      self->tick_again = FALSE;
      schedule_tick (self);
    }
}

/* Reads the open flow and its events (again: live steps arrive this way). */
static void
load_detail (GhFlowsPage *self)
{
  g_autofree char *escaped = g_uri_escape_string (self->detail_id, NULL, TRUE);
  g_autofree char *suffix = g_strconcat ("/flows/", escaped, NULL);
  g_autofree char *path = gh_page_project_path (GH_PAGE (self), suffix);
  g_autofree char *events_suffix = g_strdup_printf ("/audit?flow_id=%s&limit="
                                                    G_STRINGIFY (EVENTS_READ), escaped);
  g_autofree char *events_path = gh_page_project_path (GH_PAGE (self), events_suffix);
  gpointer generation = GUINT_TO_POINTER (self->detail_generation);

  self->detail_dirty = FALSE;
  self->detail_loading = TRUE;
  gtk_widget_set_visible (GTK_WIDGET (self->detail_spinner), TRUE);
  gtk_spinner_set_spinning (self->detail_spinner, TRUE);
  update_busy (self);
  gh_page_load (GH_PAGE (self), "GET", path, NULL, detail_loaded_cb, generation);
  gh_page_load (GH_PAGE (self), "GET", events_path, NULL, events_loaded_cb, generation);
}

static void
clear_detail (GhFlowsPage *self)
{
  GtkWidget *child;

  self->detail_generation++;
  self->detail_loading = FALSE;
  self->detail_dirty = FALSE;
  g_clear_pointer (&self->detail, json_object_unref);
  g_clear_pointer (&self->events, json_array_unref);
  self->events_cut = FALSE;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->timeline_list))) != NULL)
    gtk_list_box_remove (self->timeline_list, child);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->facts_grid))) != NULL)
    gtk_grid_remove (self->facts_grid, child);
  gtk_label_set_label (self->verdict_label, "");
  gtk_image_clear (self->verdict_icon);
  gh_flow_waterfall_set_flow (GH_FLOW_WATERFALL (self->waterfall), NULL);
  gh_flow_sequence_set_flow (GH_FLOW_SEQUENCE (self->sequence), NULL);
  gh_flow_tokens_set_flow (GH_FLOW_TOKENS (self->tokens), NULL, NULL, NULL);
  show_raw (self);
  update_export (self);
}

static void
show_flow (GhFlowsPage *self,
           const char  *id,
           gint64       step)
{
  FlowRow *row = g_hash_table_lookup (self->rows, id);

  g_free (self->detail_id);
  self->detail_id = g_strdup (id);
  clear_detail (self);
  if (row != NULL)
    gtk_list_box_select_row (self->flow_list, GTK_LIST_BOX_ROW (row->row));
  else
    gtk_list_box_unselect_all (self->flow_list);
  self->target_step = step;
  gtk_label_set_label (self->detail_title, _("Flow"));
  adw_flap_set_reveal_flap (self->flap, TRUE);
  if (gh_page_get_admin_client (GH_PAGE (self)) != NULL)
    load_detail (self);
}

static void
flow_activated_cb (GhFlowsPage   *self,
                   GtkListBoxRow *row)
{
  const char *id = g_object_get_data (G_OBJECT (row), "gh-flow-id");

  if (id != NULL)
    show_flow (self, id, 0);
}

static void
close_detail_clicked_cb (GhFlowsPage *self)
{
  adw_flap_set_reveal_flap (self->flap, FALSE);
  gtk_list_box_unselect_all (self->flow_list);
  g_clear_pointer (&self->detail_id, g_free);
  clear_detail (self);
  update_busy (self);
}

/* ---- the report ------------------------------------------------------------------------- */

static gboolean
secret_like_member (const char *name)
{
  static const char * const exact[] = {
    "code", "token", "access_token", "refresh_token", "id_token", "code_challenge",
    "registration_access_token", "assertion", "client_assertion", "authorization", "cookie",
    "password", "state", "nonce",
  };

  for (guint i = 0; i < G_N_ELEMENTS (exact); i++)
    if (g_str_equal (name, exact[i]))
      return TRUE;
  return strstr (name, "secret") != NULL || strstr (name, "password") != NULL;
}

static gboolean
personal_member (const char *name)
{
  static const char * const names[] = {
    "source", "user_id", "username", "user", "sub", "name", "given_name", "family_name",
    "preferred_username", "email", "phone_number", "login_hint", "actor", "deleted_by", "ip",
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (name, names[i]))
      return TRUE;
  /* source_address, remote_address, addresses, ... */
  return g_str_has_suffix (name, "address") || g_str_has_suffix (name, "addresses");
}

/* A string that is a credential whatever its member: a JWT, a bearer value, one of this
 * server's token formats. */
static gboolean
secret_like_value (const char *value)
{
  static const char * const prefixes[] = { "eyJ", "Bearer ", "ghat_", "iatk_", "ghrt_", "ghc_" };

  for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
    if (g_str_has_prefix (value, prefixes[i]) && strlen (value) > 16)
      return TRUE;
  return FALSE;
}

typedef struct
{
  GPtrArray *names;   /* user names met, to take out of free text too */
} Redaction;

static JsonNode *redact_node (JsonNode *node, Redaction *redaction);

static char *
redact_text (const char *text,
             Redaction  *redaction)
{
  g_autoptr(GString) out = g_string_new (text);

  if (secret_like_value (text))
    return g_strdup (REDACTED);
  for (guint i = 0; i < redaction->names->len; i++)
    {
      const char *name = g_ptr_array_index (redaction->names, i);

      if (strlen (name) >= 3)
        g_string_replace (out, name, REDACTED, 0);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static JsonNode *
redact_node (JsonNode  *node,
             Redaction *redaction)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *in = json_node_get_object (node);
      JsonObject *out = json_object_new ();
      g_autoptr(GList) members = json_object_get_members (in);

      for (GList *l = members; l != NULL; l = l->next)
        {
          const char *name = l->data;
          JsonNode *value = json_object_get_member (in, name);

          if (JSON_NODE_HOLDS_NULL (value))
            json_object_set_null_member (out, name);
          else if (personal_member (name) || secret_like_member (name))
            json_object_set_string_member (out, name, REDACTED);
          else
            json_object_set_member (out, name, redact_node (value, redaction));
        }
      return json_node_init_object (json_node_alloc (), out);
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *in = json_node_get_array (node);
      JsonArray *out = json_array_sized_new (json_array_get_length (in));

      for (guint i = 0; i < json_array_get_length (in); i++)
        json_array_add_element (out, redact_node (json_array_get_element (in, i), redaction));
      return json_node_init_array (json_node_alloc (), out);
    }
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      g_autofree char *text = redact_text (json_node_get_string (node), redaction);

      return json_node_init_string (json_node_alloc (), text);
    }
  return json_node_copy (node);
}

/* The user names anywhere in @node (members user_id, username, preferred_username). */
static void
collect_names (JsonNode  *node,
               GPtrArray *names)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (object);

      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonNode *value = json_object_get_member (object, l->data);

          if (personal_member (l->data) && !g_str_equal (l->data, "source") &&
              !g_str_has_suffix (l->data, "address") &&
              !g_str_has_suffix (l->data, "addresses") &&
              JSON_NODE_HOLDS_VALUE (value) &&
              json_node_get_value_type (value) == G_TYPE_STRING &&
              !g_ptr_array_find_with_equal_func (names, json_node_get_string (value),
                                                 g_str_equal, NULL))
            g_ptr_array_add (names, g_strdup (json_node_get_string (value)));
          else
            collect_names (value, names);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        collect_names (json_array_get_element (array, i), names);
    }
}

static char *
build_report (JsonObject *detail,
              JsonArray  *events,
              gboolean    events_cut)
{
  g_autoptr(JsonNode) whole = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonObject) input = json_object_new ();
  g_autoptr(JsonObject) report = json_object_new ();
  g_autoptr(JsonNode) redacted = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *generated = g_date_time_format_iso8601 (now);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  Redaction redaction = { names };
  JsonObject *redacted_object;
  static const char * const parts[] = { "flow", "steps", "steps_cut", "discovery_hits",
                                        "registration" };

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    if (json_object_has_member (detail, parts[i]))
      json_object_set_member (input, parts[i],
                              json_node_copy (json_object_get_member (detail, parts[i])));
  json_object_set_array_member (input, "events",
                                events != NULL ? json_array_ref (events) : json_array_new ());
  json_node_set_object (whole, input);
  collect_names (whole, names);
  redacted = redact_node (whole, &redaction);
  redacted_object = json_node_get_object (redacted);

  json_object_set_string_member (report, "report", "gatehouse-flow-report");
  json_object_set_string_member (report, "generated_by", "Gatehouse " PACKAGE_VERSION);
  json_object_set_string_member (report, "generated_at", generated);
  json_object_set_boolean_member (report, "redacted", TRUE);
  json_object_set_string_member (report, "redaction",
                                 "Replaced with \"" REDACTED "\": source and other "
                                 "addresses, user names and claims (user_id, username, "
                                 "sub, name, email, actor, ...) and their occurrences in "
                                 "text, and anything secret-like (codes, tokens, secrets, "
                                 "passwords, state, nonce, JWTs). Client ids, redirect "
                                 "URIs, User-Agents, parameters and explain objects "
                                 "are kept.");
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    if (json_object_has_member (redacted_object, parts[i]))
      json_object_set_member (report, parts[i],
                              json_node_copy (json_object_get_member (redacted_object,
                                                                      parts[i])));
  json_object_set_member (report, "events",
                          json_node_copy (json_object_get_member (redacted_object, "events")));
  /* The events are the flow's newest EVENTS_READ when it has more */
  json_object_set_boolean_member (report, "events_cut", events_cut);

  root = json_node_init_object (json_node_alloc (), report);
  return json_to_string (root, TRUE);
}

static void
report_written_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
gh_flows_page_export_report (GhFlowsPage         *self,
                             GFile               *file,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GBytes) bytes = NULL;
  char *text;

  g_return_if_fail (GH_IS_FLOWS_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gh_flows_page_export_report);
  if (self->detail == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                               _("No flow is open"));
      return;
    }

  text = build_report (self->detail, self->events, self->events_cut);
  bytes = g_bytes_new_take (text, strlen (text));
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       cancellable, report_written_cb, g_steal_pointer (&task));
}

gboolean
gh_flows_page_export_report_finish (GhFlowsPage   *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
export_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GhFlowsPage *self = GH_FLOWS_PAGE (source);
  g_autoptr(GError) error = NULL;

  if (!gh_flows_page_export_report_finish (self, result, &error))
    gh_page_show_error (GH_PAGE (self), _("Could not save the report"), error);
  else
    gh_page_show_toast (GH_PAGE (self), _("Report saved, redacted"));
}

static void
export_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    GhFlowsPage     *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        gh_flows_page_export_report (self, file, NULL, export_done_cb, NULL);
    }
  g_object_unref (dialog);
}

static void
export_clicked_cb (GhFlowsPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *dialog;
  g_autofree char *name = g_strdup_printf ("gatehouse-flow-%s.json", self->detail_id);

  dialog = gtk_file_chooser_native_new (_("Export Flow as Report"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), NULL);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  g_signal_connect_object (dialog, "response", G_CALLBACK (export_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* ---- filters, search -------------------------------------------------------------------- */

static void
filter_toggled_cb (GtkToggleButton *button,
                   GhFlowsPage     *self)
{
  const char *state = g_object_get_data (G_OBJECT (button), "gh-state");

  if (!gtk_toggle_button_get_active (button) || g_strcmp0 (state, self->state) == 0)
    return;
  g_free (self->state);
  self->state = g_strdup (state);
  if (gh_page_get_admin_client (GH_PAGE (self)) != NULL)
    load_first_page (self);
}

static void
search_changed_cb (GhFlowsPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  g_clear_pointer (&self->search, g_free);
  if (text != NULL && *text != '\0')
    self->search = g_utf8_casefold (text, -1);
  gtk_list_box_invalidate_filter (self->flow_list);
  update_empty (self);
}

static void
stop_search_cb (GhFlowsPage *self)
{
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_search_bar_set_search_mode (self->search_bar, FALSE);
}

static void
retry_clicked_cb (GhFlowsPage *self)
{
  gh_page_reload (GH_PAGE (self));
}

/* ---- GhPage ----------------------------------------------------------------------------- */

static void
project_loaded_cb (GhPage       *page,
                   JsonObject   *answer,
                   const GError *error,
                   gpointer      user_data)
{
  GhFlowsPage *self = GH_FLOWS_PAGE (page);

  g_free (self->issuer);
  self->issuer = g_strdup (gh_json_string (answer, "issuer"));
  if (self->list_loaded)
    update_empty (self);
}

static void
gh_flows_page_reload (GhPage *page)
{
  GhFlowsPage *self = GH_FLOWS_PAGE (page);
  g_autofree char *project_path = gh_page_project_path (page, NULL);

  /* The loads of the last round are gone: so are their counts. */
  self->refresh_loading = FALSE;
  self->badge_loading = FALSE;
  self->step_reads = 0;
  self->tick_again = FALSE;
  self->list_loaded = FALSE;
  g_hash_table_remove_all (self->dirty);
  g_clear_pointer (&self->refreshing, g_hash_table_unref);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  clear_rows (self);

  if (gh_page_get_admin_client (page) == NULL)
    {
      gh_page_set_busy (page, TRUE);
      return;
    }

  gtk_stack_set_visible_child_name (self->state_stack, "loading");
  gh_page_load (page, "GET", project_path, NULL, project_loaded_cb, NULL);
  load_first_page (self);
  load_badge (self);
  if (self->detail_id != NULL)
    {
      self->detail_generation++;
      load_detail (self);
    }
}

static gboolean
gh_flows_page_start_search (GhPage *page)
{
  GhFlowsPage *self = GH_FLOWS_PAGE (page);

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  return TRUE;
}

/* "flow:<ID>" opens that flow's detail; "flow:<ID> step:<EVENT_ID>" opens it on the
 * Timeline with that step expanded and scrolled to. */
static void
gh_flows_page_open_target (GhPage     *page,
                           const char *target)
{
  GhFlowsPage *self = GH_FLOWS_PAGE (page);
  g_auto(GStrv) words = g_strsplit (target, " ", -1);
  const char *id = NULL;
  gint64 step = 0;

  for (guint i = 0; words[i] != NULL; i++)
    {
      if (g_str_has_prefix (words[i], "flow:") && words[i][5] != '\0')
        id = words[i] + 5;
      else if (g_str_has_prefix (words[i], "step:"))
        g_ascii_string_to_signed (words[i] + 5, 10, 1, G_MAXINT64, &step, NULL);
      else if (g_str_has_prefix (words[i], "view:"))
        {
          g_free (self->target_view);
          self->target_view = g_strdup (words[i] + 5);
        }
    }
  if (id != NULL)
    show_flow (self, id, step);
}

/* The detail's width: 42 % of the page between 420 and 640 px (a docked AdwFlap gives its
 * flap the minimum width), set after the allocation that told the page's width: a probe as
 * wide as the page reports it. */
static int
detail_width (int page_width)
{
  return CLAMP (page_width * 42 / 100, 420, 640);
}

static gboolean
width_idle_cb (gpointer user_data)
{
  GhFlowsPage *self = user_data;

  self->width_idle = 0;
  gtk_widget_set_size_request (self->flap_box, self->detail_width, -1);
  return G_SOURCE_REMOVE;
}

static void
width_probe_resize_cb (GhFlowsPage *self,
                       int          width,
                       int          height)
{
  int current;

  self->detail_width = detail_width (width);
  gtk_widget_get_size_request (self->flap_box, &current, NULL);
  if (ABS (self->detail_width - current) > 8 && self->width_idle == 0)
    self->width_idle = g_idle_add (width_idle_cb, self);
}

static void
gh_flows_page_dispose (GObject *object)
{
  GhFlowsPage *self = (GhFlowsPage *)object;

  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->age_id, g_source_remove);
  g_clear_handle_id (&self->width_idle, g_source_remove);

  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), GH_TYPE_FLOWS_PAGE);

  g_clear_pointer (&self->rows, g_hash_table_unref);
  g_clear_pointer (&self->detail, json_object_unref);
  g_clear_pointer (&self->events, json_array_unref);

  G_OBJECT_CLASS (gh_flows_page_parent_class)->dispose (object);
}

static void
gh_flows_page_finalize (GObject *object)
{
  GhFlowsPage *self = (GhFlowsPage *)object;

  g_clear_pointer (&self->dirty, g_hash_table_unref);
  g_clear_pointer (&self->refreshing, g_hash_table_unref);
  g_clear_pointer (&self->expanded, g_hash_table_unref);
  g_clear_pointer (&self->step_queue, g_ptr_array_unref);
  g_clear_pointer (&self->filter_buttons, g_ptr_array_unref);
  g_free (self->state);
  g_free (self->search);
  g_free (self->issuer);
  g_free (self->detail_id);
  g_free (self->target_view);

  G_OBJECT_CLASS (gh_flows_page_parent_class)->finalize (object);
}

static void
gh_flows_page_class_init (GhFlowsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GhPageClass *page_class = GH_PAGE_CLASS (klass);

  object_class->dispose = gh_flows_page_dispose;
  object_class->finalize = gh_flows_page_finalize;

  page_class->reload = gh_flows_page_reload;
  page_class->event = gh_flows_page_event;
  page_class->start_search = gh_flows_page_start_search;
  page_class->open_target = gh_flows_page_open_target;

  gh_page_class_set_info (GH_PAGE_CLASS (klass), "flows", N_("Live Flows"),
                          "media-playlist-shuffle-symbolic");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/gatehouse/Gatehouse/pages/"
                                               "gh-flows-page.ui");
  gtk_widget_class_bind_template_child (widget_class, GhFlowsPage, detail_spinner);
  gtk_widget_class_bind_template_child (widget_class, GhFlowsPage, detail_title);
  gtk_widget_class_bind_template_child (widget_class, GhFlowsPage, empty_page);
  gtk_widget_class_bind_template_child (widget_class, GhFlowsPage, error_page);
  gtk_widget_class_bind_template_child (widget_class, GhFlowsPage, export_button);
  gtk_widget_class_bind_template_child (widget_class, GhFlowsPage, facts_grid);
  gtk_widget_class_bind_template_child (widget_class, GhFlowsPage, flap);
  gtk_widget_class_bind_template_child (widget_class, GhFlowsPage, flap_box);
  gtk_widget_class_bind_template_child (widget_class, GhFlowsPage, flow_list);
  gtk_widget_class_bind_template_child (widget_class, GhFlowsPage, list_scroller);
  gtk_widget_class_bind_template_child (widget_class, GhFlowsPage, more_spinner);
  gtk_widget_class_bind_template_child (widget_class, GhFlowsPage, raw_box);
  gtk_widget_class_bind_template_child (widget_class, GhFlowsPage, search_bar);
  gtk_widget_class_bind_template_child (widget_class, GhFlowsPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, GhFlowsPage, sequence_bin);
  gtk_widget_class_bind_template_child (widget_class, GhFlowsPage, state_box);
  gtk_widget_class_bind_template_child (widget_class, GhFlowsPage, state_stack);
  gtk_widget_class_bind_template_child (widget_class, GhFlowsPage, steps_cut_label);
  gtk_widget_class_bind_template_child (widget_class, GhFlowsPage, timeline_list);
  gtk_widget_class_bind_template_child (widget_class, GhFlowsPage, timeline_scroller);
  gtk_widget_class_bind_template_child (widget_class, GhFlowsPage, tokens_bin);
  gtk_widget_class_bind_template_child (widget_class, GhFlowsPage, verdict_icon);
  gtk_widget_class_bind_template_child (widget_class, GhFlowsPage, verdict_label);
  gtk_widget_class_bind_template_child (widget_class, GhFlowsPage, views);
  gtk_widget_class_bind_template_child (widget_class, GhFlowsPage, waterfall_bin);
  gtk_widget_class_bind_template_callback (widget_class, close_detail_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, export_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, flow_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, retry_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, width_probe_resize_cb);
}

static void
gh_flows_page_init (GhFlowsPage *self)
{
  GtkWidget *search_button;
  GtkToggleButton *group = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) flow_row_free);
  self->dirty = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->expanded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->step_queue = g_ptr_array_new_with_free_func (g_free);
  self->filter_buttons = g_ptr_array_new ();

  g_signal_connect (self, "map", G_CALLBACK (schedule_tick), NULL);
  gtk_list_box_set_sort_func (self->flow_list, sort_rows, self, NULL);
  gtk_list_box_set_filter_func (self->flow_list, filter_rows, self, NULL);
  g_signal_connect_object (gtk_scrolled_window_get_vadjustment (self->list_scroller),
                           "value-changed", G_CALLBACK (scrolled_cb), self, 0);

  for (guint i = 0; i < G_N_ELEMENTS (state_filters); i++)
    {
      GtkWidget *button = gtk_toggle_button_new_with_label (_(state_filters[i].label));

      gtk_widget_set_name (button, state_filters[i].name);
      g_object_set_data (G_OBJECT (button), "gh-state", (gpointer) state_filters[i].state);
      if (group != NULL)
        gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (button), group);
      else
        group = GTK_TOGGLE_BUTTON (button);
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button), i == 0);
      g_signal_connect_object (button, "toggled", G_CALLBACK (filter_toggled_cb), self, 0);
      gtk_box_append (self->state_box, button);
      g_ptr_array_add (self->filter_buttons, button);
    }

  self->waterfall = gh_flow_waterfall_new ();
  adw_bin_set_child (self->waterfall_bin, self->waterfall);
  self->sequence = gh_flow_sequence_new ();
  adw_bin_set_child (self->sequence_bin, self->sequence);
  self->tokens = gh_flow_tokens_new ();
  adw_bin_set_child (self->tokens_bin, self->tokens);
  /* The page is busy while the Tokens tab still reads the open flow's tokens */
  g_signal_connect_object (self->tokens, "notify::loading", G_CALLBACK (update_busy), self,
                           G_CONNECT_SWAPPED);

  search_button = gtk_toggle_button_new ();
  gtk_widget_set_name (search_button, "flows-search-button");
  gtk_button_set_icon_name (GTK_BUTTON (search_button), "system-search-symbolic");
  gtk_widget_set_tooltip_text (search_button, _("Search Flows"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (search_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Search Flows"), -1);
  g_object_bind_property (search_button, "active", self->search_bar, "search-mode-enabled",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  gh_page_add_header_widget (GH_PAGE (self), search_button, GTK_PACK_END);
  self->search_button = search_button;

  show_raw (self);
  update_empty (self);
  self->age_id = g_timeout_add_seconds (1, age_cb, self);
}
