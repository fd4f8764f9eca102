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
#include "gh-server-client.h"
#include "gh-window.h"

struct _GhWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;
  GhEmbeddedServer     *server;
  GhServerClient       *client;

  /* Template widgets */
  GhOverviewPage       *overview_page;
  AdwToastOverlay      *toast_overlay;
};

G_DEFINE_FINAL_TYPE (GhWindow, gh_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_BUSY,
  PROP_SERVER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Pages talk to the server through one client, made when the server has an address. */
static void
server_state_changed_cb (GhWindow *self)
{
  g_autoptr (GhServerClient) client = NULL;
  const char *base_url = gh_embedded_server_get_base_url (self->server);

  if (gh_embedded_server_get_state (self->server) == GH_EMBEDDED_SERVER_STATE_RUNNING &&
      base_url != NULL)
    {
      if (self->client != NULL &&
          g_str_equal (gh_server_client_get_base_url (self->client), base_url))
        return;

      client = gh_server_client_new (base_url);
    }

  if (!g_set_object (&self->client, client))
    return;

  gh_overview_page_set_client (self->overview_page, self->client);
}

static void
port_notice_changed_cb (GhWindow *self)
{
  g_autofree char *title = NULL;

  if (gh_embedded_server_get_port_notice (self->server) == NULL)
    return;

  title = g_strdup_printf (_("The server now uses port %u"),
                           gh_embedded_server_get_port (self->server));
  gh_window_show_toast (self, title);
}

static void
overview_busy_changed_cb (GhWindow *self)
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

  g_assert (GH_IS_EMBEDDED_SERVER (self->server));

  g_signal_connect_object (self->server, "notify::state",
                           G_CALLBACK (server_state_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->server, "notify::base-url",
                           G_CALLBACK (server_state_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->server, "notify::port-notice",
                           G_CALLBACK (port_notice_changed_cb), self, G_CONNECT_SWAPPED);

  gh_overview_page_set_server (self->overview_page, self->server);
  server_state_changed_cb (self);
  port_notice_changed_cb (self);
}

static void
gh_window_dispose (GObject *object)
{
  GhWindow *self = (GhWindow *)object;

  gtk_widget_dispose_template (GTK_WIDGET (self), GH_TYPE_WINDOW);

  g_clear_object (&self->client);
  g_clear_object (&self->server);
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

    case PROP_SERVER:
      g_value_set_object (value, self->server);
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
    case PROP_SERVER:
      self->server = g_value_dup_object (value);
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

  properties[PROP_SERVER] =
    g_param_spec_object ("server", NULL, NULL,
                         GH_TYPE_EMBEDDED_SERVER,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/gatehouse/Gatehouse/ui/gh-window.ui");
  gtk_widget_class_bind_template_child (widget_class, GhWindow, overview_page);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, toast_overlay);

  gtk_widget_class_install_action (widget_class, "win.show-toast", "s", show_toast_action);
}

static void
gh_window_init (GhWindow *self)
{
  g_type_ensure (GH_TYPE_OVERVIEW_PAGE);

  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  g_signal_connect_object (self->overview_page, "notify::busy",
                           G_CALLBACK (overview_busy_changed_cb), self, G_CONNECT_SWAPPED);
}

GhWindow *
gh_window_new (GtkApplication   *application,
               GhEmbeddedServer *server)
{
  g_return_val_if_fail (GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (GH_IS_EMBEDDED_SERVER (server), NULL);

  return g_object_new (GH_TYPE_WINDOW,
                       "application", application,
                       "server", server,
                       NULL);
}

GhEmbeddedServer *
gh_window_get_server (GhWindow *self)
{
  g_return_val_if_fail (GH_IS_WINDOW (self), NULL);

  return self->server;
}

gboolean
gh_window_get_busy (GhWindow *self)
{
  g_return_val_if_fail (GH_IS_WINDOW (self), TRUE);

  return gh_overview_page_get_busy (self->overview_page);
}

void
gh_window_show_toast (GhWindow   *self,
                      const char *title)
{
  g_return_if_fail (GH_IS_WINDOW (self));
  g_return_if_fail (title != NULL);

  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (title));
}
