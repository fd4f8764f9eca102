/* gh-preferences-window.c — the app's preferences: the embedded server and the style
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <glib/gi18n.h>

#include "gh-preferences-window.h"

/* Every row is bound to its GSettings key (dev.gatehouse.Gatehouse): the port and whether the
 * server starts at launch (read at the server's next start: "Restart Server Now" while it runs
 * elsewhere), the data folder (read at the app's next start) and the color scheme (applied at
 * once, by gh_preferences_follow_color_scheme() in the application). */
struct _GhPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;
  GhEmbeddedServer     *server;
  GtkFileChooserNative *chooser;

  /* Template widgets */
  GtkButton            *choose_data_dir_button;
  AdwComboRow          *color_scheme_row;
  AdwActionRow         *data_dir_row;
  AdwActionRow         *port_row;
  GtkSpinButton        *port_spin;
  GtkButton            *reset_data_dir_button;
  GtkButton            *restart_button;
  AdwActionRow         *restart_row;
  AdwActionRow         *start_row;
  GtkSwitch            *start_switch;
};

G_DEFINE_FINAL_TYPE (GhPreferencesWindow, gh_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static const char * const color_schemes[] = { "default", "light", "dark" };

char *
gh_preferences_default_data_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "gatehouse", NULL);
}

static void
apply_color_scheme (GSettings *settings)
{
  AdwColorScheme scheme = ADW_COLOR_SCHEME_DEFAULT;

  switch (g_settings_get_enum (settings, "color-scheme"))
    {
    case 1:
      scheme = ADW_COLOR_SCHEME_FORCE_LIGHT;
      break;
    case 2:
      scheme = ADW_COLOR_SCHEME_FORCE_DARK;
      break;
    default:
      break;
    }
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), scheme);
}

void
gh_preferences_follow_color_scheme (GSettings *settings)
{
  g_return_if_fail (G_IS_SETTINGS (settings));

  apply_color_scheme (settings);
  g_signal_connect (settings, "changed::color-scheme", G_CALLBACK (apply_color_scheme), NULL);
}

static gboolean
color_scheme_get_mapping (GValue   *value,
                          GVariant *variant,
                          gpointer  user_data)
{
  const char *nick = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (color_schemes); i++)
    if (g_str_equal (nick, color_schemes[i]))
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
color_scheme_set_mapping (const GValue       *value,
                          const GVariantType *expected_type,
                          gpointer            user_data)
{
  guint selected = g_value_get_uint (value);

  if (selected >= G_N_ELEMENTS (color_schemes))
    return NULL;
  return g_variant_new_string (color_schemes[selected]);
}

/* "Restart Server Now" while the server runs on another port than the one set. */
static void
update_restart (GhPreferencesWindow *self)
{
  guint16 port = 0;
  gboolean differs;
  g_autofree char *subtitle = NULL;

  g_settings_get (self->settings, "server-port", "q", &port);
  differs = self->server != NULL &&
            gh_embedded_server_get_state (self->server) == GH_EMBEDDED_SERVER_STATE_RUNNING &&
            port != gh_embedded_server_get_port (self->server);

  if (differs)
    subtitle = g_strdup_printf (port == 0 ? _("The server listens on port %u; it picks a free "
                                              "one when it starts again.")
                                          : _("The server listens on port %u until it starts "
                                              "again."),
                                gh_embedded_server_get_port (self->server));
  adw_action_row_set_subtitle (self->restart_row, subtitle ? subtitle : "");
  gtk_widget_set_visible (GTK_WIDGET (self->restart_row), differs);
}

static void
update_data_dir (GhPreferencesWindow *self)
{
  g_autofree char *setting = g_settings_get_string (self->settings, "data-dir");
  g_autofree char *default_dir = gh_preferences_default_data_dir ();
  g_autofree char *folder = NULL;
  g_autofree char *subtitle = NULL;
  const char *in_use = self->server ? gh_embedded_server_get_data_dir (self->server) : NULL;

  if (*setting == '\0')
    folder = g_strdup_printf (_("%s (the default)"), default_dir);
  else
    folder = g_strdup (setting);

  /* Another folder this run: a change not applied yet, or --data-dir. */
  if (in_use != NULL && g_strcmp0 (in_use, *setting ? setting : default_dir) != 0)
    subtitle = g_strdup_printf (_("%s\nIn use now: %s"), folder, in_use);
  adw_action_row_set_subtitle (self->data_dir_row, subtitle ? subtitle : folder);
  gtk_widget_set_visible (GTK_WIDGET (self->reset_data_dir_button), *setting != '\0');
}

static void
restart_clicked_cb (GhPreferencesWindow *self)
{
  if (self->server != NULL)
    gh_embedded_server_restart (self->server);
}

static void
reset_data_dir_clicked_cb (GhPreferencesWindow *self)
{
  g_settings_reset (self->settings, "data-dir");
}

static void
chooser_response_cb (GtkNativeDialog     *dialog,
                     int                  response,
                     GhPreferencesWindow *self)
{
  g_autoptr(GFile) folder = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  if (folder != NULL && g_file_peek_path (folder) != NULL)
    g_settings_set_string (self->settings, "data-dir", g_file_peek_path (folder));
  g_clear_object (&self->chooser);
}

static void
choose_data_dir_clicked_cb (GhPreferencesWindow *self)
{
  if (self->chooser != NULL)
    return;

  self->chooser = gtk_file_chooser_native_new (_("Choose the Data Folder"),
                                               GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                               _("_Select"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (chooser_response_cb), self,
                           0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
gh_preferences_window_dispose (GObject *object)
{
  GhPreferencesWindow *self = (GhPreferencesWindow *)object;

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  gtk_widget_dispose_template (GTK_WIDGET (self), GH_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->server);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (gh_preferences_window_parent_class)->dispose (object);
}

static void
gh_preferences_window_class_init (GhPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gh_preferences_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/gatehouse/Gatehouse/dialogs/"
                                               "gh-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, GhPreferencesWindow,
                                        choose_data_dir_button);
  gtk_widget_class_bind_template_child (widget_class, GhPreferencesWindow, color_scheme_row);
  gtk_widget_class_bind_template_child (widget_class, GhPreferencesWindow, data_dir_row);
  gtk_widget_class_bind_template_child (widget_class, GhPreferencesWindow, port_row);
  gtk_widget_class_bind_template_child (widget_class, GhPreferencesWindow, port_spin);
  gtk_widget_class_bind_template_child (widget_class, GhPreferencesWindow,
                                        reset_data_dir_button);
  gtk_widget_class_bind_template_child (widget_class, GhPreferencesWindow, restart_button);
  gtk_widget_class_bind_template_child (widget_class, GhPreferencesWindow, restart_row);
  gtk_widget_class_bind_template_child (widget_class, GhPreferencesWindow, start_row);
  gtk_widget_class_bind_template_child (widget_class, GhPreferencesWindow, start_switch);
  gtk_widget_class_bind_template_callback (widget_class, choose_data_dir_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, reset_data_dir_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, restart_clicked_cb);
}

static void
gh_preferences_window_init (GhPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
gh_preferences_window_new (GtkWindow        *parent,
                           GSettings        *settings,
                           GhEmbeddedServer *server)
{
  GhPreferencesWindow *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (!server || GH_IS_EMBEDDED_SERVER (server), NULL);

  self = g_object_new (GH_TYPE_PREFERENCES_WINDOW,
                       "transient-for", parent,
                       NULL);
  self->settings = g_object_ref (settings);
  self->server = server ? g_object_ref (server) : NULL;

  g_settings_bind (settings, "server-port",
                   gtk_spin_button_get_adjustment (self->port_spin), "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "start-server", self->start_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (settings, "color-scheme", self->color_scheme_row, "selected",
                                G_SETTINGS_BIND_DEFAULT,
                                color_scheme_get_mapping, color_scheme_set_mapping,
                                NULL, NULL);

  g_signal_connect_object (settings, "changed::server-port", G_CALLBACK (update_restart),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed::data-dir", G_CALLBACK (update_data_dir),
                           self, G_CONNECT_SWAPPED);
  if (server != NULL)
    {
      g_signal_connect_object (server, "notify::state", G_CALLBACK (update_restart), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (server, "notify::port", G_CALLBACK (update_restart), self,
                               G_CONNECT_SWAPPED);
    }
  update_restart (self);
  update_data_dir (self);

  return GTK_WIDGET (self);
}
