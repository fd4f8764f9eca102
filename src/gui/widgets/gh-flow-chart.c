/* gh-flow-chart.c — what the Live flows charts (waterfall, sequence) share: items drawn one
 * under another, a pointer and a keyboard item, a click that opens one
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include "gh-flow-chart.h"

#define CAPTION_MARGIN 12

static void
set_hover (GhFlowChart *self,
           int          hover)
{
  gboolean openable = hover >= 0 && self->items->openable (self->chart, hover);

  if (hover == self->hover)
    return;
  self->hover = hover;
  gtk_widget_set_cursor_from_name (self->canvas, openable ? "pointer" : NULL);
  gtk_widget_queue_draw (self->canvas);
}

static void
motion (GtkEventControllerMotion *controller,
        double                    x,
        double                    y,
        gpointer                  user_data)
{
  GhFlowChart *self = user_data;

  set_hover (self, self->items->item_at (self->chart, y));
}

static void
leave (GtkEventControllerMotion *controller,
       gpointer                  user_data)
{
  set_hover (user_data, -1);
}

/* Makes @i the keyboard's item, scrolled into view. */
static void
focus_item (GhFlowChart *self,
            int          i)
{
  GtkAdjustment *adjustment;
  guint n = self->items->n_items (self->chart);
  double top, height;

  if (n == 0)
    return;
  self->focus = CLAMP (i, 0, (int) n - 1);
  self->items->item_span (self->chart, self->focus, &top, &height);
  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (self->scroller));
  gtk_adjustment_clamp_page (adjustment, top, top + height);
  gtk_widget_queue_draw (self->canvas);
}

static void
released (GtkGestureClick *gesture,
          int              n_press,
          double           x,
          double           y,
          gpointer         user_data)
{
  GhFlowChart *self = user_data;
  int i = self->items->item_at (self->chart, y);

  if (i < 0)
    return;
  self->focus = i;
  gtk_widget_queue_draw (self->canvas);
  self->items->activate (self->chart, i);
}

static gboolean
key_pressed (GtkEventControllerKey *controller,
             guint                  keyval,
             guint                  keycode,
             GdkModifierType        state,
             gpointer               user_data)
{
  GhFlowChart *self = user_data;

  switch (keyval)
    {
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      focus_item (self, self->focus - 1);
      return TRUE;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      focus_item (self, self->focus + 1);
      return TRUE;
    case GDK_KEY_Home:
      focus_item (self, 0);
      return TRUE;
    case GDK_KEY_End:
      focus_item (self, (int) self->items->n_items (self->chart) - 1);
      return TRUE;
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_space:
      return self->focus >= 0 && self->items->activate (self->chart, self->focus);
    default:
      return FALSE;
    }
}

static void
has_focus_changed (GtkWidget  *canvas,
                   GParamSpec *pspec,
                   gpointer    user_data)
{
  GhFlowChart *self = user_data;

  if (self->focus < 0 && gtk_widget_has_focus (canvas))
    focus_item (self, 0);
  gtk_widget_queue_draw (canvas);
}

static gboolean
query_tooltip (GtkWidget  *canvas,
               int         x,
               int         y,
               gboolean    keyboard,
               GtkTooltip *tooltip,
               gpointer    user_data)
{
  GhFlowChart *self = user_data;
  int i = keyboard ? self->focus : self->items->item_at (self->chart, y);
  g_autofree char *text = NULL;
  double top, height;

  if (i < 0)
    return FALSE;
  text = self->items->tooltip (self->chart, i);
  self->items->item_span (self->chart, i, &top, &height);
  gtk_tooltip_set_text (tooltip, text);
  gtk_tooltip_set_tip_area (tooltip, &(GdkRectangle) { 0, (int) top,
                                                       gtk_widget_get_width (canvas),
                                                       (int) height });
  return TRUE;
}

void
gh_flow_chart_init (GhFlowChart            *self,
                    GtkWidget              *widget,
                    const GhFlowChartItems *items,
                    int                     top_height,
                    const char             *top_label,
                    GtkDrawingAreaDrawFunc  draw_top,
                    const char             *canvas_name,
                    const char             *canvas_label,
                    GtkDrawingAreaDrawFunc  draw_canvas)
{
  GtkEventController *controller;
  GtkGesture *click;

  self->chart = widget;
  self->items = items;
  self->hover = self->focus = -1;
  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (widget)),
                                  GTK_ORIENTATION_VERTICAL);

  self->top = gtk_drawing_area_new ();
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (self->top), top_height);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->top), draw_top, widget, NULL);
  gtk_widget_set_margin_top (self->top, 6);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->top), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  top_label, -1);
  gtk_widget_set_parent (self->top, widget);

  /* One picture for assistive technologies, its items in its description; focusable so that
   * the keyboard can walk and open them */
  self->canvas = g_object_new (GTK_TYPE_DRAWING_AREA, "accessible-role",
                               GTK_ACCESSIBLE_ROLE_IMG, NULL);
  gtk_widget_set_name (self->canvas, canvas_name);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->canvas), draw_canvas, widget, NULL);
  gtk_widget_set_focusable (self->canvas, TRUE);
  gtk_widget_set_has_tooltip (self->canvas, TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->canvas), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  canvas_label, -1);
  g_signal_connect (self->canvas, "query-tooltip", G_CALLBACK (query_tooltip), self);
  g_signal_connect (self->canvas, "notify::has-focus", G_CALLBACK (has_focus_changed), self);
  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (motion), self);
  g_signal_connect (controller, "leave", G_CALLBACK (leave), self);
  gtk_widget_add_controller (self->canvas, controller);
  click = gtk_gesture_click_new ();
  g_signal_connect (click, "released", G_CALLBACK (released), self);
  gtk_widget_add_controller (self->canvas, GTK_EVENT_CONTROLLER (click));
  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (key_pressed), self);
  gtk_widget_add_controller (self->canvas, controller);

  self->scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->scroller), self->canvas);
  gtk_widget_set_vexpand (self->scroller, TRUE);
  gtk_widget_set_parent (self->scroller, widget);

  self->caption = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->caption), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->caption), 0);
  gtk_widget_add_css_class (self->caption, "dim-label");
  gtk_widget_add_css_class (self->caption, "caption");
  gtk_widget_set_margin_start (self->caption, CAPTION_MARGIN);
  gtk_widget_set_margin_end (self->caption, CAPTION_MARGIN);
  gtk_widget_set_margin_top (self->caption, 6);
  gtk_widget_set_margin_bottom (self->caption, 6);
  gtk_widget_set_visible (self->caption, FALSE);
  gtk_widget_set_parent (self->caption, widget);
}

void
gh_flow_chart_clear (GhFlowChart *self)
{
  g_clear_pointer (&self->top, gtk_widget_unparent);
  g_clear_pointer (&self->scroller, gtk_widget_unparent);
  g_clear_pointer (&self->caption, gtk_widget_unparent);
  self->canvas = NULL;
}

void
gh_flow_chart_reset (GhFlowChart *self)
{
  guint n = self->items->n_items (self->chart);

  self->hover = -1;
  if (self->focus >= (int) n)
    self->focus = (int) n - 1;
  gtk_widget_set_cursor_from_name (self->canvas, NULL);
  gtk_widget_queue_draw (self->top);
  gtk_widget_queue_draw (self->canvas);
}

void
gh_flow_chart_highlight (GhFlowChart *self,
                         cairo_t     *cr,
                         int          width)
{
  GtkStyleContext *style = gtk_widget_get_style_context (self->canvas);
  guint n = self->items->n_items (self->chart);
  GdkRGBA fg, accent;

  gtk_style_context_get_color (style, &fg);
  if (!gtk_style_context_lookup_color (style, "accent_color", &accent))
    gdk_rgba_parse (&accent, "#3584e4");
  fg.alpha *= 0.06f;
  accent.alpha *= 0.18f;
  for (int pass = 0; pass < 2; pass++)
    {
      int i = pass == 0 ? self->hover : (gtk_widget_has_focus (self->canvas) ? self->focus : -1);
      double top, height;

      if (i < 0 || i >= (int) n)
        continue;
      self->items->item_span (self->chart, i, &top, &height);
      gdk_cairo_set_source_rgba (cr, pass == 0 ? &fg : &accent);
      cairo_rectangle (cr, 0, top, width, height);
      cairo_fill (cr);
    }
}
