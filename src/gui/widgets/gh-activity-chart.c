/* gh-activity-chart.c — GhActivityChart: events per minute over the last hour, failures marked
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <glib/gi18n.h>

#include "gh-activity-chart.h"

#define MINUTE ((gint64) 60 * G_USEC_PER_SEC)
#define MARGIN 8
#define LABEL_SPACE 18

/* A GtkDrawingArea: one bar per minute, drawn with cairo in the theme's colours: the events in
 * the accent colour, the failures among them in the error colour from the bottom up; the
 * busiest minute's count above, the hour's ends below. Nothing else: no legend, no grid. */
struct _GhActivityChart
{
  GtkDrawingArea parent_instance;

  gint64    start;  /* µs: the first minute's start; 0 until set */
  gint64    events[GH_ACTIVITY_CHART_MINUTES];
  gint64    failures[GH_ACTIVITY_CHART_MINUTES];
};

G_DEFINE_FINAL_TYPE (GhActivityChart, gh_activity_chart, GTK_TYPE_DRAWING_AREA)

static void
update_description (GhActivityChart *self)
{
  g_autofree char *text = NULL;
  gint64 failures = 0;
  gint64 total = gh_activity_chart_get_total (self, &failures);

  /* Translators: the chart's accessible description */
  text = g_strdup_printf (_("%" G_GINT64_FORMAT " events in the last hour, %" G_GINT64_FORMAT
                            " failed"), total, failures);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

static void
draw_text (GtkWidget     *widget,
           cairo_t       *cr,
           const char    *text,
           double         x,
           double         y,
           gboolean       right,
           const GdkRGBA *color)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);
  PangoAttrList *attrs = pango_attr_list_new ();
  int width, height;

  pango_attr_list_insert (attrs, pango_attr_scale_new (PANGO_SCALE_SMALL));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  pango_layout_get_pixel_size (layout, &width, &height);

  gdk_cairo_set_source_rgba (cr, color);
  cairo_move_to (cr, right ? x - width : x, y);
  pango_cairo_show_layout (cr, layout);
}

/* The GtkDrawingArea's draw function. */
static void
draw_chart (GtkDrawingArea *area,
            cairo_t        *cr,
            int             width,
            int             height,
            gpointer        user_data)
{
  GhActivityChart *self = GH_ACTIVITY_CHART (area);
  GtkWidget *widget = GTK_WIDGET (area);
  GtkStyleContext *style = gtk_widget_get_style_context (widget);
  double plot_w = width - 2 * MARGIN;
  double plot_h = height - 2 * LABEL_SPACE;
  double slot = plot_w / GH_ACTIVITY_CHART_MINUTES;
  double gap = slot > 4 ? 1.5 : 0.5;
  g_autofree char *peak_text = NULL;
  GdkRGBA fg, accent, error, dim, base_line;
  gint64 peak = 0;

  if (plot_w <= 0 || plot_h <= 0)
    return;

  gtk_style_context_get_color (style, &fg);
  if (!gtk_style_context_lookup_color (style, "accent_color", &accent))
    gdk_rgba_parse (&accent, "#3584e4");
  if (!gtk_style_context_lookup_color (style, "error_color", &error))
    gdk_rgba_parse (&error, "#e01b24");
  dim = fg;
  dim.alpha *= 0.55f;
  base_line = fg;
  base_line.alpha *= 0.15f;

  for (guint i = 0; i < GH_ACTIVITY_CHART_MINUTES; i++)
    peak = MAX (peak, self->events[i]);

  /* The base line, and the busiest minute's level */
  gdk_cairo_set_source_rgba (cr, &base_line);
  cairo_rectangle (cr, MARGIN, LABEL_SPACE + plot_h - 1, plot_w, 1);
  if (peak > 0)
    cairo_rectangle (cr, MARGIN, LABEL_SPACE, plot_w, 1);
  cairo_fill (cr);

  for (guint i = 0; i < GH_ACTIVITY_CHART_MINUTES && peak > 0; i++)
    {
      double x = MARGIN + i * slot + gap / 2;
      double bar_h = plot_h * self->events[i] / peak;
      double fail_h = plot_h * self->failures[i] / peak;

      if (self->events[i] == 0)
        continue;
      /* A minute with one event still shows */
      bar_h = MAX (bar_h, 2);
      gdk_cairo_set_source_rgba (cr, &accent);
      cairo_rectangle (cr, x, LABEL_SPACE + plot_h - bar_h, slot - gap, bar_h);
      cairo_fill (cr);
      if (self->failures[i] > 0)
        {
          fail_h = MAX (fail_h, 2);
          gdk_cairo_set_source_rgba (cr, &error);
          cairo_rectangle (cr, x, LABEL_SPACE + plot_h - fail_h, slot - gap, fail_h);
          cairo_fill (cr);
        }
    }

  if (peak > 0)
    /* Translators: the busiest minute's count, at the top of the activity chart */
    peak_text = g_strdup_printf (_("%" G_GINT64_FORMAT " / min"), peak);
  else
    peak_text = g_strdup (_("No events in the last hour"));
  draw_text (widget, cr, peak_text, MARGIN, 0, FALSE, &dim);
  draw_text (widget, cr, _("1 hour ago"), MARGIN, LABEL_SPACE + plot_h + 2, FALSE, &dim);
  draw_text (widget, cr, _("Now"), width - MARGIN, LABEL_SPACE + plot_h + 2, TRUE, &dim);
}

static void
gh_activity_chart_class_init (GhActivityChartClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_css_name (widget_class, "activitychart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
gh_activity_chart_init (GhActivityChart *self)
{
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (self), 120);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self), draw_chart, NULL, NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Events per minute, last hour"), -1);
  update_description (self);
}

GtkWidget *
gh_activity_chart_new (void)
{
  return g_object_new (GH_TYPE_ACTIVITY_CHART, NULL);
}

void
gh_activity_chart_set_minutes (GhActivityChart *self,
                               gint64           start,
                               const gint64    *events,
                               const gint64    *failures,
                               guint            n)
{
  g_return_if_fail (GH_IS_ACTIVITY_CHART (self));

  /* The last @n minutes of what came, ending where the chart ends */
  self->start = start + (gint64) n * MINUTE - (gint64) GH_ACTIVITY_CHART_MINUTES * MINUTE;
  for (guint i = 0; i < GH_ACTIVITY_CHART_MINUTES; i++)
    {
      gint64 j = (gint64) i - (GH_ACTIVITY_CHART_MINUTES - (gint64) n);

      self->events[i] = j >= 0 ? events[j] : 0;
      self->failures[i] = j >= 0 ? failures[j] : 0;
    }
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
gh_activity_chart_advance (GhActivityChart *self,
                           gint64           now)
{
  gint64 last;
  gint64 shift;

  g_return_if_fail (GH_IS_ACTIVITY_CHART (self));

  last = (now / MINUTE) * MINUTE;
  if (self->start == 0)
    self->start = last - (GH_ACTIVITY_CHART_MINUTES - 1) * MINUTE;
  shift = (last - self->start) / MINUTE - (GH_ACTIVITY_CHART_MINUTES - 1);
  if (shift <= 0)
    return;

  for (guint i = 0; i < GH_ACTIVITY_CHART_MINUTES; i++)
    {
      gint64 from = i + shift;

      self->events[i] = from < GH_ACTIVITY_CHART_MINUTES ? self->events[from] : 0;
      self->failures[i] = from < GH_ACTIVITY_CHART_MINUTES ? self->failures[from] : 0;
    }
  self->start += shift * MINUTE;
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
gh_activity_chart_add_event (GhActivityChart *self,
                             gint64           time,
                             gboolean         failure)
{
  gint64 index;

  g_return_if_fail (GH_IS_ACTIVITY_CHART (self));

  gh_activity_chart_advance (self, time);
  index = (time - self->start) / MINUTE;
  if (time < self->start || index >= GH_ACTIVITY_CHART_MINUTES)
    return;

  self->events[index]++;
  if (failure)
    self->failures[index]++;
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gint64
gh_activity_chart_get_total (GhActivityChart *self,
                             gint64          *failures)
{
  gint64 total = 0;
  gint64 failed = 0;

  g_return_val_if_fail (GH_IS_ACTIVITY_CHART (self), 0);

  for (guint i = 0; i < GH_ACTIVITY_CHART_MINUTES; i++)
    {
      total += self->events[i];
      failed += self->failures[i];
    }
  if (failures != NULL)
    *failures = failed;
  return total;
}
