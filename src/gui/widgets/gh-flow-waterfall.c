/* gh-flow-waterfall.c — GhFlowWaterfall: the steps of one flow on one time axis
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "gh-admin-json.h"
#include "gh-flow-chart.h"
#include "gh-flow-steps.h"
#include "gh-format.h"
#include "gh-flow-waterfall.h"

#define MARGIN 12
#define ROW_H 30
#define BAR_H 12
#define AXIS_H 30
#define DURATION_W 70
#define BREAK_W 56
#define MIN_TICK_PX 84
/* A wait is drawn as a break in the axis when it is longer than this and than this share of
 * what is left of the flow's span: a user reading the login page must not squash the rest. */
#define BREAK_MIN_US ((gint64) G_USEC_PER_SEC)
#define BREAK_SHARE 0.3

/* One row: a discovery probe before the flow (dim), or a step. A step with no request start
 * recorded (a CIMD fetch, events of no HTTP step) is a point at its time. */
typedef struct
{
  char             *title;
  char             *shown;    /* the title drawn: a probe's path without "/.well-known/" */
  char             *summary;  /* one line: what and how it went, for tooltips and a11y */
  char             *error;    /* the error description of a failed step, or NULL */
  gint64            start;    /* µs since the epoch */
  gint64            end;
  gboolean          point;
  gboolean          probe;
  GhFlowStepStatus  status;
  gint64            event_id; /* 0 for a probe */
} Row;

/* A stretch of time, in µs since the epoch. */
typedef struct
{
  gint64 from;
  gint64 to;
} Span;

/* A tick of the axis: where, and its label (NULL: a grid line only). */
typedef struct
{
  double  x;
  char   *label;
} Tick;

/* A box with the axis (a GtkDrawingArea that stays on top), the rows in a vertical
 * GtkScrolledWindow (one GtkDrawingArea drawn with cairo in the theme's colours) and a note
 * naming the waits drawn as breaks. The time axis is piecewise linear: the flow's busy
 * stretches share the width in proportion, and each long idle gap between them is a fixed
 * BREAK_W band saying how long it was. */
struct _GhFlowWaterfall
{
  GtkWidget    parent_instance;

  GhFlowChart  chart;     /* top: the axis; caption: the waits drawn as breaks */

  JsonObject  *detail;
  char        *flow_id;
  GPtrArray   *rows;      /* Row */
  GArray      *segments;  /* Span: drawn to scale, in order */
  GArray      *breaks;    /* Span: the gaps between segments */
  char        *description;
};

G_DEFINE_FINAL_TYPE (GhFlowWaterfall, gh_flow_waterfall, GTK_TYPE_WIDGET)

static void
row_free (Row *row)
{
  g_free (row->title);
  g_free (row->shown);
  g_free (row->summary);
  g_free (row->error);
  g_free (row);
}

static void
tick_clear (Tick *tick)
{
  g_free (tick->label);
}

/* --- the axis ----------------------------------------------------------------------------- */

static int
compare_spans (gconstpointer a,
               gconstpointer b)
{
  const Span *x = a;
  const Span *y = b;

  return x->from < y->from ? -1 : x->from > y->from;
}

/* Splits the rows' time into segments drawn to scale and breaks between them. */
static void
compute_segments (GhFlowWaterfall *self)
{
  g_autoptr(GArray) spans = g_array_new (FALSE, FALSE, sizeof (Span));
  g_autoptr(GArray) merged = g_array_new (FALSE, FALSE, sizeof (Span));
  g_autofree gboolean *broken = NULL;
  gint64 remaining;
  Span segment;

  g_array_set_size (self->segments, 0);
  g_array_set_size (self->breaks, 0);
  if (self->rows->len == 0)
    return;

  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);
      Span span = { row->start, row->end };

      g_array_append_val (spans, span);
    }
  g_array_sort (spans, compare_spans);
  for (guint i = 0; i < spans->len; i++)
    {
      Span *span = &g_array_index (spans, Span, i);
      Span *last = merged->len > 0 ? &g_array_index (merged, Span, merged->len - 1) : NULL;

      if (last != NULL && span->from <= last->to)
        last->to = MAX (last->to, span->to);
      else
        g_array_append_val (merged, *span);
    }

  /* Break the longest gap while it is long, and a large share of what is still to scale */
  broken = g_new0 (gboolean, merged->len);
  remaining = g_array_index (merged, Span, merged->len - 1).to -
              g_array_index (merged, Span, 0).from;
  for (;;)
    {
      gint64 longest = 0;
      guint at = 0;

      for (guint i = 0; i + 1 < merged->len; i++)
        {
          gint64 gap = g_array_index (merged, Span, i + 1).from -
                       g_array_index (merged, Span, i).to;

          if (!broken[i] && gap > longest)
            {
              longest = gap;
              at = i;
            }
        }
      if (longest < BREAK_MIN_US || longest <= remaining * BREAK_SHARE)
        break;
      broken[at] = TRUE;
      remaining -= longest;
    }

  segment = g_array_index (merged, Span, 0);
  for (guint i = 0; i + 1 < merged->len; i++)
    {
      Span *here = &g_array_index (merged, Span, i);
      Span *next = &g_array_index (merged, Span, i + 1);

      if (!broken[i])
        continue;
      segment.to = here->to;
      g_array_append_val (self->segments, segment);
      g_array_append_val (self->breaks, ((Span) { here->to, next->from }));
      segment.from = next->from;
    }
  segment.to = g_array_index (merged, Span, merged->len - 1).to;
  g_array_append_val (self->segments, segment);
}

static int
label_width (GtkWidget *widget)
{
  /* The plot is the point: the titles get under a third of a narrow pane */
  return CLAMP (gtk_widget_get_width (widget) * 3 / 10, 120, 190);
}

/* The plot's width, breaks included. */
static double
plot_width (GhFlowWaterfall *self,
            int              width)
{
  return MAX (width - MARGIN - label_width (GTK_WIDGET (self)) - DURATION_W,
              10 + (double) self->breaks->len * BREAK_W);
}

/* Where the plot starts, and its pixels per µs in the segments, for a widget @width wide. */
static double
scale (GhFlowWaterfall *self,
       int              width,
       double          *x0)
{
  double plot = plot_width (self, width) - (double) self->breaks->len * BREAK_W;
  gint64 to_scale = 0;

  *x0 = MARGIN + label_width (GTK_WIDGET (self));
  for (guint i = 0; i < self->segments->len; i++)
    to_scale += g_array_index (self->segments, Span, i).to -
                g_array_index (self->segments, Span, i).from;
  /* A flow of one instant: a millisecond wide */
  return MAX (plot, 10) / (double) MAX (to_scale, 1000);
}

/* The x of @time (µs since the epoch). */
static double
x_of (GhFlowWaterfall *self,
      int              width,
      gint64           time)
{
  double x0;
  double k = scale (self, width, &x0);
  double offset = 0;

  for (guint i = 0; i < self->segments->len; i++)
    {
      Span *segment = &g_array_index (self->segments, Span, i);

      if (time <= segment->to || i + 1 == self->segments->len)
        return x0 + offset + (MAX (time, segment->from) - segment->from) * k;
      offset += (segment->to - segment->from) * k + BREAK_W;
    }
  return x0;
}

/* An offset from the start of its segment, as precise as the tick step @step. */
static char *
format_offset (gint64 us,
               gint64 step,
               gboolean relative)
{
  const char *sign = relative && us > 0 ? "+" : "";

  if (us == 0)
    return g_strdup ("0");
  if (step < 1000)
    return g_strdup_printf ("%s%.*f ms", sign, step < 10 ? 3 : step < 100 ? 2 : 1, us / 1000.0);
  if (us < G_USEC_PER_SEC)
    return g_strdup_printf ("%s%" G_GINT64_FORMAT " ms", sign, us / 1000);
  if (us < 60 * G_USEC_PER_SEC)
    return g_strdup_printf ("%s%.*f s", sign,
                            step >= G_USEC_PER_SEC ? 0 : step >= 100000 ? 1 :
                            step >= 10000 ? 2 : 3, us / (double) G_USEC_PER_SEC);
  if (step >= 60 * G_USEC_PER_SEC)
    return g_strdup_printf ("%s%" G_GINT64_FORMAT " min", sign, us / (60 * G_USEC_PER_SEC));
  return g_strdup_printf ("%s%" G_GINT64_FORMAT ":%02" G_GINT64_FORMAT, sign,
                          us / (60 * G_USEC_PER_SEC), (us / G_USEC_PER_SEC) % 60);
}

/* The ticks for a widget @width wide: the first segment counts from the flow's start, the
 * ones after a break from their own start ("+20 ms"). */
static GArray *
compute_ticks (GhFlowWaterfall *self,
               int              width)
{
  static const gint64 steps[] = {
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000,
    500000, 1000000, 2000000, 5000000, 10000000, 15000000, 30000000, 60000000, 120000000,
    300000000, 600000000, 1200000000, 1800000000, 3600000000,
  };
  GArray *ticks = g_array_new (FALSE, TRUE, sizeof (Tick));
  double x0;
  double k = scale (self, width, &x0);
  gint64 step = steps[G_N_ELEMENTS (steps) - 1];

  g_array_set_clear_func (ticks, (GDestroyNotify) tick_clear);
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    if (steps[i] * k >= MIN_TICK_PX)
      {
        step = steps[i];
        break;
      }

  for (guint i = 0; i < self->segments->len; i++)
    {
      Span *segment = &g_array_index (self->segments, Span, i);
      gint64 length = MAX (segment->to - segment->from, 0);

      /* The last segment's ticks go on to the plot's end (a short flow is a millisecond wide) */
      if (i + 1 == self->segments->len)
        length = MAX (length, (gint64) ((x0 + plot_width (self, width) -
                                         x_of (self, width, segment->from)) / k));

      for (gint64 t = 0; t <= MAX (length, 0); t += step)
        {
          Tick tick = { x_of (self, width, segment->from + t), NULL };

          /* After a break, its band says where the segment starts */
          if (i == 0 || t > 0)
            tick.label = format_offset (t, step, i > 0);
          g_array_append_val (ticks, tick);
          if (length == 0)
            break;
        }
    }
  return ticks;
}

static PangoLayout *
small_layout (GtkWidget  *widget,
              const char *text,
              gboolean    bold)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, text);
  PangoAttrList *attrs = pango_attr_list_new ();

  pango_attr_list_insert (attrs, pango_attr_scale_new (PANGO_SCALE_SMALL));
  pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum"));
  if (bold)
    pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  return layout;
}

static void
style_colors (GtkWidget *widget,
              GdkRGBA   *fg,
              GdkRGBA   *dim,
              GdkRGBA   *faint)
{
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), fg);
  *dim = *fg;
  dim->alpha *= 0.55f;
  *faint = *fg;
  faint->alpha *= 0.1f;
}

/* A break band over @height: a light band, and on the axis (@mark) the two slanted strokes
 * of a broken axis drawn on paper. */
static void
draw_break (cairo_t       *cr,
            double         x,
            double         height,
            const GdkRGBA *color,
            gboolean       mark)
{
  GdkRGBA shade = *color;

  shade.alpha *= 0.08f;
  gdk_cairo_set_source_rgba (cr, &shade);
  cairo_rectangle (cr, x + 4, 0, BREAK_W - 8, height);
  cairo_fill (cr);
  if (!mark)
    return;
  /* Cover the axis line between the strokes, then the strokes */
  gdk_cairo_set_source_rgba (cr, color);
  cairo_set_line_width (cr, 1.2);
  for (int side = 0; side < 2; side++)
    {
      double at = x + BREAK_W / 2.0 + (side == 0 ? -4 : 4);

      cairo_move_to (cr, at - 3, height);
      cairo_line_to (cr, at + 3, height - 9);
    }
  cairo_stroke (cr);
}

/* The x where break @i starts. */
static double
break_x (GhFlowWaterfall *self,
         int              width,
         guint            i)
{
  return x_of (self, width, g_array_index (self->breaks, Span, i).from);
}

static void
draw_axis (GtkDrawingArea *area,
           cairo_t        *cr,
           int             width,
           int             height,
           gpointer        user_data)
{
  GhFlowWaterfall *self = GH_FLOW_WATERFALL (user_data);
  GtkWidget *widget = GTK_WIDGET (area);
  g_autoptr(GArray) ticks = NULL;
  GdkRGBA fg, dim, faint;
  double last_right = -G_MAXDOUBLE;

  if (self->rows->len == 0)
    return;
  style_colors (widget, &fg, &dim, &faint);
  ticks = compute_ticks (self, width);

  gdk_cairo_set_source_rgba (cr, &dim);
  cairo_rectangle (cr, MARGIN + label_width (GTK_WIDGET (self)), height - 1,
                   width - 2 * MARGIN - label_width (GTK_WIDGET (self)) - DURATION_W + MARGIN,
                   1);
  cairo_fill (cr);

  for (guint i = 0; i < ticks->len; i++)
    {
      Tick *tick = &g_array_index (ticks, Tick, i);
      g_autoptr(PangoLayout) layout = NULL;
      int w, h;

      gdk_cairo_set_source_rgba (cr, &dim);
      cairo_rectangle (cr, tick->x, height - 6, 1, 5);
      cairo_fill (cr);
      if (tick->label == NULL)
        continue;
      layout = small_layout (widget, tick->label, FALSE);
      pango_layout_get_pixel_size (layout, &w, &h);
      if (tick->x - w / 2.0 < last_right + 8 || tick->x + w / 2.0 > width - 2)
        continue;
      cairo_move_to (cr, tick->x - w / 2.0, height - 8 - h);
      pango_cairo_show_layout (cr, layout);
      last_right = tick->x + w / 2.0;
    }

  for (guint i = 0; i < self->breaks->len; i++)
    {
      Span *gap = &g_array_index (self->breaks, Span, i);
      g_autofree char *text = gh_format_duration (gap->to - gap->from);
      g_autoptr(PangoLayout) layout = small_layout (widget, text, TRUE);
      double x = break_x (self, width, i);
      int w, h;

      /* Over the band: the wait's length, in the place of the time it stands for */
      cairo_save (cr);
      cairo_set_operator (cr, CAIRO_OPERATOR_CLEAR);
      cairo_rectangle (cr, x + 4, height - 2, BREAK_W - 8, 2);
      cairo_fill (cr);
      cairo_restore (cr);
      draw_break (cr, x, height, &fg, TRUE);
      pango_layout_set_width (layout, (BREAK_W + 16) * PANGO_SCALE);
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
      pango_layout_get_pixel_size (layout, &w, &h);
      gdk_cairo_set_source_rgba (cr, &fg);
      cairo_move_to (cr, x + (BREAK_W - w) / 2.0, height - 12 - h);
      pango_cairo_show_layout (cr, layout);
    }
}

/* --- the rows ----------------------------------------------------------------------------- */

static void
draw_rows (GtkDrawingArea *area,
           cairo_t        *cr,
           int             width,
           int             height,
           gpointer        user_data)
{
  GhFlowWaterfall *self = GH_FLOW_WATERFALL (user_data);
  GtkWidget *widget = GTK_WIDGET (area);
  g_autoptr(GArray) ticks = NULL;
  GdkRGBA fg, dim, faint;
  int label_w = label_width (GTK_WIDGET (self));

  style_colors (widget, &fg, &dim, &faint);

  if (self->rows->len == 0)
    {
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget,
                                                                     _("No steps recorded"));
      int w, h;

      pango_layout_get_pixel_size (layout, &w, &h);
      gdk_cairo_set_source_rgba (cr, &dim);
      cairo_move_to (cr, (width - w) / 2.0, MARGIN);
      pango_cairo_show_layout (cr, layout);
      return;
    }

  /* Grid lines, then the break bands */
  ticks = compute_ticks (self, width);
  gdk_cairo_set_source_rgba (cr, &faint);
  for (guint i = 0; i < ticks->len; i++)
    cairo_rectangle (cr, g_array_index (ticks, Tick, i).x, 0, 1, height);
  cairo_fill (cr);
  for (guint i = 0; i < self->breaks->len; i++)
    draw_break (cr, break_x (self, width, i), height, &fg, FALSE);
  for (guint i = 1; i < self->rows->len; i += 2)
    {
      GdkRGBA stripe = fg;

      stripe.alpha *= 0.03f;
      gdk_cairo_set_source_rgba (cr, &stripe);
      cairo_rectangle (cr, 0, i * ROW_H, width, ROW_H);
      cairo_fill (cr);
    }
  gh_flow_chart_highlight (&self->chart, cr, width);

  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);
      double y = i * ROW_H;
      double x1 = x_of (self, width, row->start);
      double x2 = x_of (self, width, row->end);
      g_autoptr(PangoLayout) title = NULL;
      g_autoptr(PangoLayout) duration = NULL;
      g_autofree char *duration_text = NULL;
      GdkRGBA color;
      int w, h;

      /* The title: probes dim, their path's end kept; a failed step in the error colour */
      gh_flow_step_status_color (widget, row->status, &color);
      if (row->probe)
        color.alpha *= 0.6f;
      title = gtk_widget_create_pango_layout (widget, row->shown != NULL ? row->shown
                                                                         : row->title);
      pango_layout_set_width (title, (label_w - 8) * PANGO_SCALE);
      pango_layout_set_ellipsize (title, row->probe ? PANGO_ELLIPSIZE_START : PANGO_ELLIPSIZE_END);
      pango_layout_get_pixel_size (title, &w, &h);
      if (row->status == GH_FLOW_STEP_FAILED && !row->probe)
        gdk_cairo_set_source_rgba (cr, &color);
      else
        gdk_cairo_set_source_rgba (cr, row->probe ? &dim : &fg);
      cairo_move_to (cr, MARGIN, y + (ROW_H - h) / 2.0);
      pango_cairo_show_layout (cr, title);

      /* The bar from the request's start to the event, or a diamond at an instant */
      gdk_cairo_set_source_rgba (cr, &color);
      if (row->point)
        {
          double cy = y + ROW_H / 2.0;

          cairo_move_to (cr, x1, cy - BAR_H / 2.0 - 1);
          cairo_line_to (cr, x1 + BAR_H / 2.0 + 1, cy);
          cairo_line_to (cr, x1, cy + BAR_H / 2.0 + 1);
          cairo_line_to (cr, x1 - BAR_H / 2.0 - 1, cy);
          cairo_close_path (cr);
          cairo_fill (cr);
        }
      else
        {
          double w_bar = MAX (x2 - x1, 3);

          cairo_rectangle (cr, x1, y + (ROW_H - BAR_H) / 2.0, w_bar, BAR_H);
          cairo_fill (cr);
        }

      duration_text = row->point ? g_strdup ("—") : gh_format_duration (row->end - row->start);
      duration = small_layout (widget, duration_text, FALSE);
      pango_layout_get_pixel_size (duration, &w, &h);
      gdk_cairo_set_source_rgba (cr, row->status == GH_FLOW_STEP_FAILED ? &color : &dim);
      cairo_move_to (cr, width - MARGIN - w, y + (ROW_H - h) / 2.0);
      pango_cairo_show_layout (cr, duration);
    }
}

/* --- what the rows say -------------------------------------------------------------------- */

static const char *
status_word (GhFlowStepStatus status)
{
  switch (status)
    {
    case GH_FLOW_STEP_OK:
      return _("passed");
    case GH_FLOW_STEP_WARNING:
      return _("answered with a warning");
    case GH_FLOW_STEP_FAILED:
      return _("failed");
    case GH_FLOW_STEP_PENDING:
    default:
      return _("pending");
    }
}

static Row *
probe_row (JsonObject *hit)
{
  Row *row = g_new0 (Row, 1);
  const char *method = gh_json_string (hit, "method") ?: "GET";
  const char *path = gh_json_string (hit, "path") ?: "?";
  const char *name = strstr (path, "/.well-known/");

  row->probe = TRUE;
  row->point = TRUE;
  row->start = row->end = gh_json_int (hit, "time");
  row->status = gh_flow_hit_status (hit);
  row->title = g_strdup_printf ("%s %s", method, path);
  /* "oauth-authorization-server/p/x", a preflight "OPTIONS openid-configuration" */
  name = name != NULL ? name + strlen ("/.well-known/") : path;
  row->shown = g_str_equal (method, "GET") ? g_strdup (name)
                                           : g_strdup_printf ("%s %s", method, name);
  /* Translators: a discovery request before the flow: "Probe GET /.well-known/…: 404" */
  row->summary = g_strdup_printf (_("Probe %s: %" G_GINT64_FORMAT), row->title,
                                  gh_json_int (hit, "status"));
  return row;
}

static Row *
step_row (JsonObject *step)
{
  Row *row = g_new0 (Row, 1);
  gint64 started_at = gh_json_int (step, "started_at");
  gint64 status = gh_json_int (step, "status");
  const char *error = gh_json_string (step, "error");
  g_autofree char *http = status > 0 ? g_strdup_printf (" %" G_GINT64_FORMAT, status) : NULL;

  row->event_id = gh_json_int (step, "event_id");
  row->end = gh_json_int (step, "time");
  row->point = started_at <= 0 || started_at > row->end;
  row->start = row->point ? row->end : started_at;
  row->status = gh_flow_step_status (step);
  row->title = g_strdup (gh_flow_step_title (gh_json_string (step, "type")));
  row->error = g_strdup (gh_json_string (step, "error_description"));
  /* Translators: "Token: failed 400 invalid_grant"; the HTTP status and error when known */
  row->summary = g_strdup_printf (_("%s: %s%s%s%s"), row->title, status_word (row->status),
                                  http != NULL ? http : "", error != NULL ? " " : "",
                                  error != NULL ? error : "");
  return row;
}

/* "Waited 3 min 2 s before Login" for break @i: the row that the wait ended with. */
static char *
break_text (GhFlowWaterfall *self,
            guint            i)
{
  Span *gap = &g_array_index (self->breaks, Span, i);
  g_autofree char *length = gh_format_duration (gap->to - gap->from);
  const char *next = "?";

  for (guint r = 0; r < self->rows->len; r++)
    {
      Row *row = g_ptr_array_index (self->rows, r);

      if (row->start == gap->to)
        {
          next = row->title;
          break;
        }
    }
  /* Translators: a long idle gap of a flow, drawn as a break in the time axis */
  return g_strdup_printf (_("waited %s before %s"), length, next);
}

static void
update_texts (GhFlowWaterfall *self)
{
  g_autoptr(GString) description = g_string_new (NULL);
  g_autoptr(GString) note = g_string_new (NULL);
  gint64 origin = 0;

  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);
      g_autofree char *at = NULL;
      g_autofree char *length = NULL;

      if (i == 0)
        origin = row->start;
      at = gh_format_duration (row->start - origin);
      length = row->point ? NULL : gh_format_duration (row->end - row->start);
      if (description->len > 0)
        g_string_append (description, "\n");
      if (length != NULL)
        /* Translators: a row of the waterfall, for a screen reader: what, when, how long */
        g_string_append_printf (description, _("%s, at %s, took %s"), row->summary, at, length);
      else
        /* Translators: a row of the waterfall with no request start recorded */
        g_string_append_printf (description, _("%s, at %s"), row->summary, at);
    }
  for (guint i = 0; i < self->breaks->len; i++)
    {
      g_autofree char *text = break_text (self, i);

      g_string_append (note, note->len > 0 ? "; " : "");
      g_string_append (note, text);
    }
  if (note->len > 0)
    {
      g_autofree char *full = NULL;

      /* Translators: under the waterfall; %s lists the waits, "waited 3 min before Login" */
      full = g_strdup_printf (_("Not to scale: %s."), note->str);
      g_string_assign (note, full);
    }
  {
    g_autofree char *cut = gh_flow_cut_note (self->detail);

    if (cut != NULL)
      g_string_prepend (note, note->len > 0 ? " " : "");
    if (cut != NULL)
      g_string_prepend (note, cut);
  }
  if (note->len > 0)
    {
      gtk_label_set_text (GTK_LABEL (self->chart.caption), note->str);
      g_string_append_printf (description, "\n%s", note->str);
    }
  gtk_widget_set_visible (self->chart.caption, note->len > 0);

  g_free (self->description);
  self->description = g_string_free (g_steal_pointer (&description), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->chart.canvas),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, self->description, -1);
}

/* --- the items, for the chart's scaffolding ----------------------------------------------- */

static int
row_at (GhFlowWaterfall *self,
        double           y)
{
  int i = (int) (y / ROW_H);

  return y >= 0 && i < (int) self->rows->len ? i : -1;
}

static guint
items_n (GtkWidget *chart)
{
  return GH_FLOW_WATERFALL (chart)->rows->len;
}

static int
items_at (GtkWidget *chart,
          double     y)
{
  return row_at (GH_FLOW_WATERFALL (chart), y);
}

static void
items_span (GtkWidget *chart,
            guint      i,
            double    *top,
            double    *height)
{
  *top = i * ROW_H;
  *height = ROW_H;
}

static gboolean
items_openable (GtkWidget *chart,
                guint      i)
{
  Row *row = g_ptr_array_index (GH_FLOW_WATERFALL (chart)->rows, i);

  return !row->probe;
}

static gboolean
items_activate (GtkWidget *chart,
                guint      i)
{
  return gh_flow_waterfall_activate_row (GH_FLOW_WATERFALL (chart), i);
}

/* The row's summary, its exact times, its error, and what a click does. */
static char *
items_tooltip (GtkWidget *chart,
               guint      i)
{
  Row *row = g_ptr_array_index (GH_FLOW_WATERFALL (chart)->rows, i);
  GString *text = g_string_new (row->summary);
  g_autofree char *end = gh_format_time (row->end);

  if (row->probe)
    g_string_append_printf (text, "\n%s", end);
  else if (row->point)
    /* Translators: in a waterfall tooltip, for a step whose request start was not recorded */
    g_string_append_printf (text, _("\nRecorded at %s (no request start recorded)"), end);
  else
    {
      g_autofree char *start = gh_format_time (row->start);
      g_autofree char *length = gh_format_duration (row->end - row->start);

      /* Translators: in a waterfall tooltip: request start, end, duration */
      g_string_append_printf (text, _("\nFrom %s to %s (%s)"), start, end, length);
    }
  if (row->error != NULL)
    g_string_append_printf (text, "\n%s", row->error);
  if (!row->probe)
    g_string_append_printf (text, "\n%s", _("Click to open it in the Timeline"));
  return g_string_free (text, FALSE);
}

static const GhFlowChartItems items = {
  items_n, items_at, items_span, items_openable, items_activate, items_tooltip,
};

/* --- the object --------------------------------------------------------------------------- */

static void
gh_flow_waterfall_dispose (GObject *object)
{
  GhFlowWaterfall *self = GH_FLOW_WATERFALL (object);

  gh_flow_chart_clear (&self->chart);
  G_OBJECT_CLASS (gh_flow_waterfall_parent_class)->dispose (object);
}

static void
gh_flow_waterfall_finalize (GObject *object)
{
  GhFlowWaterfall *self = GH_FLOW_WATERFALL (object);

  g_clear_pointer (&self->detail, json_object_unref);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->segments, g_array_unref);
  g_clear_pointer (&self->breaks, g_array_unref);
  g_free (self->flow_id);
  g_free (self->description);
  G_OBJECT_CLASS (gh_flow_waterfall_parent_class)->finalize (object);
}

static void
gh_flow_waterfall_class_init (GhFlowWaterfallClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gh_flow_waterfall_dispose;
  object_class->finalize = gh_flow_waterfall_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "flowwaterfall");
}

static void
gh_flow_waterfall_init (GhFlowWaterfall *self)
{
  self->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) row_free);
  self->segments = g_array_new (FALSE, FALSE, sizeof (Span));
  self->breaks = g_array_new (FALSE, FALSE, sizeof (Span));
  gh_flow_chart_init (&self->chart, GTK_WIDGET (self), &items, AXIS_H, _("Time axis"), draw_axis,
                      "flow-waterfall-rows", _("The flow's steps on one time axis"), draw_rows);
  gtk_widget_set_name (self->chart.caption, "flow-waterfall-note");
  update_texts (self);
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
  JsonArray *hits;
  JsonArray *steps;

  g_return_if_fail (GH_IS_FLOW_WATERFALL (self));
  if (detail != NULL)
    json_object_ref (detail);
  g_clear_pointer (&self->detail, json_object_unref);
  self->detail = detail;

  g_clear_pointer (&self->flow_id, g_free);
  self->flow_id = g_strdup (gh_json_string (gh_json_object (detail, "flow"), "id"));
  g_ptr_array_set_size (self->rows, 0);
  hits = gh_json_array (detail, "discovery_hits");
  steps = gh_json_array (detail, "steps");
  for (guint i = 0; hits != NULL && i < json_array_get_length (hits); i++)
    {
      JsonNode *node = json_array_get_element (hits, i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        g_ptr_array_add (self->rows, probe_row (json_node_get_object (node)));
    }
  /* The client's registration just before the flow */
  if (gh_json_object (detail, "registration") != NULL)
    g_ptr_array_add (self->rows, step_row (gh_json_object (detail, "registration")));
  for (guint i = 0; steps != NULL && i < json_array_get_length (steps); i++)
    {
      JsonNode *node = json_array_get_element (steps, i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        g_ptr_array_add (self->rows, step_row (json_node_get_object (node)));
    }

  compute_segments (self);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (self->chart.canvas),
                                       MAX ((int) self->rows->len * ROW_H, ROW_H) + 4);
  update_texts (self);
  gh_flow_chart_reset (&self->chart);
}

guint
gh_flow_waterfall_get_n_rows (GhFlowWaterfall *self)
{
  g_return_val_if_fail (GH_IS_FLOW_WATERFALL (self), 0);
  return self->rows->len;
}

const char *
gh_flow_waterfall_get_row (GhFlowWaterfall  *self,
                           guint             i,
                           GhFlowStepStatus *status,
                           gint64           *event_id,
                           gboolean         *point)
{
  Row *row;

  g_return_val_if_fail (GH_IS_FLOW_WATERFALL (self), NULL);
  g_return_val_if_fail (i < self->rows->len, NULL);

  row = g_ptr_array_index (self->rows, i);
  if (status != NULL)
    *status = row->status;
  if (event_id != NULL)
    *event_id = row->event_id;
  if (point != NULL)
    *point = row->point;
  return row->title;
}

guint
gh_flow_waterfall_get_n_breaks (GhFlowWaterfall *self)
{
  g_return_val_if_fail (GH_IS_FLOW_WATERFALL (self), 0);
  return self->breaks->len;
}

const char *
gh_flow_waterfall_get_description (GhFlowWaterfall *self)
{
  g_return_val_if_fail (GH_IS_FLOW_WATERFALL (self), NULL);
  return self->description;
}

int
gh_flow_waterfall_get_row_at (GhFlowWaterfall *self,
                              double           y)
{
  g_return_val_if_fail (GH_IS_FLOW_WATERFALL (self), -1);
  return row_at (self, y);
}

gboolean
gh_flow_waterfall_activate_row (GhFlowWaterfall *self,
                                guint            i)
{
  Row *row;

  g_return_val_if_fail (GH_IS_FLOW_WATERFALL (self), FALSE);

  if (i >= self->rows->len)
    return FALSE;
  row = g_ptr_array_index (self->rows, i);
  return !row->probe && gh_flow_open_step (GTK_WIDGET (self), self->flow_id, row->event_id);
}
