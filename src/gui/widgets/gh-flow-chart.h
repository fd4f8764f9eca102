/* gh-flow-chart.h — what the Live flows charts (waterfall, sequence) share: items drawn one
 * under another, a pointer and a keyboard item, a click that opens one
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* What a chart tells the scaffolding about its items (rows, messages), by index. */
typedef struct
{
  guint     (*n_items)   (GtkWidget *chart);
  /* The item drawn at @y in the canvas, or -1. */
  int       (*item_at)   (GtkWidget *chart,
                          double     y);
  void      (*item_span) (GtkWidget *chart,
                          guint      i,
                          double    *top,
                          double    *height);
  /* Whether a click can open item @i (a probe cannot). */
  gboolean  (*openable)  (GtkWidget *chart,
                          guint      i);
  /* What a click or Enter does to item @i. */
  gboolean  (*activate)  (GtkWidget *chart,
                          guint      i);
  /* Item @i's tooltip text (freed). */
  char     *(*tooltip)   (GtkWidget *chart,
                          guint      i);
} GhFlowChartItems;

/* The parts of a chart, kept in the chart's instance: a drawing that stays on top (an axis,
 * the lifelines' names), the canvas in a vertical scroller, a dim caption under them. */
typedef struct
{
  GtkWidget              *chart;
  const GhFlowChartItems *items;
  GtkWidget              *top;
  GtkWidget              *scroller;
  GtkWidget              *canvas;
  GtkWidget              *caption;
  int                     hover;  /* the pointer's item, or -1 */
  int                     focus;  /* the keyboard's item, or -1 */
} GhFlowChart;

/* Builds the parts as the children of @widget (whose layout manager is a vertical
 * GtkBoxLayout): @top @top_height high drawn by @draw_top, the canvas named @canvas_name
 * drawn by @draw_canvas (both with @widget as their data), labelled for assistive
 * technologies; the caption hidden and empty. */
void     gh_flow_chart_init      (GhFlowChart            *self,
                                  GtkWidget              *widget,
                                  const GhFlowChartItems *items,
                                  int                     top_height,
                                  const char             *top_label,
                                  GtkDrawingAreaDrawFunc  draw_top,
                                  const char             *canvas_name,
                                  const char             *canvas_label,
                                  GtkDrawingAreaDrawFunc  draw_canvas);
/* Unparents the parts (dispose). */
void     gh_flow_chart_clear     (GhFlowChart            *self);
/* After new items: forgets the pointer's, keeps the keyboard's in range, redraws. */
void     gh_flow_chart_reset     (GhFlowChart            *self);
/* Draws the pointer's and the keyboard's item backgrounds under the rest, @width wide. */
void     gh_flow_chart_highlight (GhFlowChart            *self,
                                  cairo_t                *cr,
                                  int                     width);

G_END_DECLS
