/* gh-window.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <glib/gi18n.h>

#include "gh-overview-page.h"
#include "gh-window.h"

struct _GhWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;
  GhConnection         *connection;

  /* Template widgets */
  GtkStack             *pages;
  AdwToastOverlay      *toast_overlay;
};

G_DEFINE_FINAL_TYPE (GhWindow, gh_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_BUSY,
  PROP_CONNECTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The window's pages, in the order the console lists them; each is bound to the window's
 * connection. */
static GType
(*const page_types[]) (void) = {
  gh_overview_page_get_type,
};

static void
port_notice_changed_cb (GhWindow *self)
{
  GhEmbeddedServer *server = gh_connection_get_embedded_server (self->connection);
  g_autofree char *title = NULL;

  if (server == NULL || gh_embedded_server_get_port_notice (server) == NULL)
    return;

  title = g_strdup_printf (_("The server now uses port %u"), gh_embedded_server_get_port (server));
  gh_window_show_toast (self, title);
}

static void
page_busy_changed_cb (GhWindow *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
show_toast_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  gh_window_show_toast (GH_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static gboolean
gh_window_close_request (GtkWindow *window)
{
  GhWindow *self = GH_WINDOW (window);
  int width;
  int height;

  /* The default size follows the user's resizes but not maximizing. */
  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));

  return GTK_WINDOW_CLASS (gh_window_parent_class)->close_request (window);
}

static void
gh_window_constructed (GObject *object)
{
  GhWindow *self = (GhWindow *)object;

  G_OBJECT_CLASS (gh_window_parent_class)->constructed (object);

  g_assert (GH_IS_CONNECTION (self->connection));

  for (guint i = 0; i < G_N_ELEMENTS (page_types); i++)
    {
      GhPage *page = g_object_new (page_types[i] (), "connection", self->connection, NULL);
      GtkStackPage *stack_page;

      stack_page = gtk_stack_add_titled (self->pages, GTK_WIDGET (page),
                                         gtk_widget_get_name (GTK_WIDGET (page)),
                                         gh_page_get_title (page));
      gtk_stack_page_set_icon_name (stack_page, gh_page_get_icon_name (page));
      g_signal_connect_object (page, "notify::busy",
                               G_CALLBACK (page_busy_changed_cb), self, G_CONNECT_SWAPPED);
    }
  g_signal_connect_object (self->pages, "notify::visible-child",
                           G_CALLBACK (page_busy_changed_cb), self, G_CONNECT_SWAPPED);

  if (gh_connection_get_embedded_server (self->connection) != NULL)
    g_signal_connect_object (gh_connection_get_embedded_server (self->connection),
                             "notify::port-notice",
                             G_CALLBACK (port_notice_changed_cb), self, G_CONNECT_SWAPPED);
  port_notice_changed_cb (self);
}

static void
gh_window_dispose (GObject *object)
{
  GhWindow *self = (GhWindow *)object;

  gtk_widget_dispose_template (GTK_WIDGET (self), GH_TYPE_WINDOW);

  g_clear_object (&self->connection);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (gh_window_parent_class)->dispose (object);
}

static void
gh_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  GhWindow *self = GH_WINDOW (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, gh_window_get_busy (self));
      break;

    case PROP_CONNECTION:
      g_value_set_object (value, self->connection);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  GhWindow *self = GH_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      self->connection = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_window_class_init (GhWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = gh_window_constructed;
  object_class->dispose = gh_window_dispose;
  object_class->get_property = gh_window_get_property;
  object_class->set_property = gh_window_set_property;

  window_class->close_request = gh_window_close_request;

  /* TRUE while the visible page still waits for the server; for screenshots and tests. */
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL,
                          TRUE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* The server every page of this window administers. */
  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL,
                         GH_TYPE_CONNECTION,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/gatehouse/Gatehouse/gh-window.ui");
  gtk_widget_class_bind_template_child (widget_class, GhWindow, pages);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, toast_overlay);

  gtk_widget_class_install_action (widget_class, "win.show-toast", "s", show_toast_action);
}

static void
gh_window_init (GhWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

GhWindow *
gh_window_new (GtkApplication *application,
               GhConnection   *connection)
{
  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (GH_IS_CONNECTION (connection), NULL);

  return g_object_new (GH_TYPE_WINDOW,
                       "application", application,
                       "connection", connection,
                       NULL);
}

GhConnection *
gh_window_get_connection (GhWindow *self)
{
  g_return_val_if_fail (GH_IS_WINDOW (self), NULL);

  return self->connection;
}

/* The visible page's: TRUE while what the user looks at still waits for the server. */
gboolean
gh_window_get_busy (GhWindow *self)
{
  GtkWidget *page;

  g_return_val_if_fail (GH_IS_WINDOW (self), TRUE);

  page = gtk_stack_get_visible_child (self->pages);

  return page == NULL || gh_page_get_busy (GH_PAGE (page));
}

void
gh_window_show_toast (GhWindow   *self,
                      const char *title)
{
  g_return_if_fail (GH_IS_WINDOW (self));
  g_return_if_fail (title != NULL);

  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (title));
}
