/* gh-application.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib-unix.h>

#include "gh-application.h"
#include "gh-preferences-window.h"
#include "gh-renderer.h"
#include "gh-window.h"

struct _GhApplication
{
  AdwApplication    parent_instance;

  GSettings        *settings;
  GhEmbeddedServer *server;
  GhConnection     *connection;  /* to the embedded server */
  GdkPaintable     *screenshot_paintable;
  char             *data_dir;
  char             *screenshot_path;
  char             *screenshot_page;
  char             *page_target;
  char             *secrets;
  char             *page_help;   /* --page's description, which the option group keeps */
  int               screenshot_width;
  int               screenshot_height;
  gint64            screenshot_settled_at;
  guint             screenshot_timeout;
  guint             sigint_source;
  guint             sigterm_source;
  guint             hold_timeout; /* the server's result applied by then at the latest */
  int               exit_status;
  gboolean          dark;        /* --dark: the color-scheme setting is not followed */
  gboolean          server_held; /* until the window's first frame */
};

G_DEFINE_FINAL_TYPE (GhApplication, gh_application, ADW_TYPE_APPLICATION)

/* A few frames after the state is shown, for the layout to settle. */
#define SCREENSHOT_SETTLE_USEC (200 * G_TIME_SPAN_MILLISECOND)
#define SCREENSHOT_TIMEOUT_SECONDS 30
/* The longest the embedded server's start is held for the window's first frame. */
#define HOLD_TIMEOUT_SECONDS 3

static const GOptionEntry option_entries[] = {
  { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Keep the server’s data in DIR instead of the user data folder"), N_("DIR") },
  { "secrets", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Where the server keeps its signing keys this time: auto (GNOME Keyring if it is "
       "running, else a file in the data folder), keyring or file"), N_("WHERE") },
  { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Save the window as a PNG image in FILE once the page has loaded, then quit"),
    N_("FILE") },
  /* Its description lists the window's pages (gh_application_init). */
  { "page", 0, 0, G_OPTION_ARG_STRING, NULL, NULL, N_("NAME") },
  { "target", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Open TARGET on the page --page names (flows: \"flow:ID [step:EVENT_ID] "
       "[view:waterfall|sequence|tokens|raw]\"; clients: client:CLIENT_ID; cimd: url:URL "
       "or refresh:CLIENT_ID; audit: filter:outcome=failure, client:ID, flow:ID, event:ID, "
       "when:1h; token-checker: \"resource:URL token:JWT\" or \"jti:JTI\")"),
    N_("TARGET") },
  { "dark", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Use the dark style"), NULL },
  { "size", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Open the window at this size, e.g. 1280x800"), N_("WxH") },
  { NULL }
};

static gboolean
save_window_png (GtkWidget     *widget,
                 GdkPaintable  *paintable,
                 const char    *path,
                 GError       **error)
{
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot;
  GskRenderer *renderer;
  int width = gdk_paintable_get_intrinsic_width (paintable);
  int height = gdk_paintable_get_intrinsic_height (paintable);

  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "The window drew nothing");
      return FALSE;
    }

  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Could not write %s", path);
      return FALSE;
    }

  return TRUE;
}

static void
finish_screenshot (GhApplication *self,
                   GtkWidget     *window)
{
  g_autoptr(GError) error = NULL;

  if (save_window_png (window, self->screenshot_paintable, self->screenshot_path, &error))
    {
      g_print ("%s\n", self->screenshot_path);
    }
  else
    {
      g_printerr ("gatehouse: %s\n", error->message);
      self->exit_status = EXIT_FAILURE;
    }

  g_clear_handle_id (&self->screenshot_timeout, g_source_remove);
  g_action_group_activate_action (G_ACTION_GROUP (self), "quit", NULL);
}

static gboolean
screenshot_tick_cb (GtkWidget     *widget,
                    GdkFrameClock *frame_clock,
                    gpointer       user_data)
{
  GhApplication *self = GH_APPLICATION (user_data);
  gint64 now = gdk_frame_clock_get_frame_time (frame_clock);

  if (self->screenshot_settled_at == 0)
    self->screenshot_settled_at = now;

  if (now - self->screenshot_settled_at < SCREENSHOT_SETTLE_USEC)
    return G_SOURCE_CONTINUE;

  finish_screenshot (self, widget);

  return G_SOURCE_REMOVE;
}

static void
screenshot_window_busy_cb (GhWindow      *window,
                           GParamSpec    *pspec,
                           GhApplication *self)
{
  /* The sidebar's badges too: every page read */
  if (!gh_window_get_all_settled (window))
    return;

  g_signal_handlers_disconnect_by_func (window, screenshot_window_busy_cb, self);
  gtk_widget_add_tick_callback (GTK_WIDGET (window), screenshot_tick_cb, self, NULL);
}

static gboolean
screenshot_timeout_cb (gpointer user_data)
{
  GhApplication *self = GH_APPLICATION (user_data);

  self->screenshot_timeout = 0;
  g_printerr ("gatehouse: the server state was not shown within %d seconds; no screenshot\n",
              SCREENSHOT_TIMEOUT_SECONDS);
  self->exit_status = EXIT_FAILURE;
  g_action_group_activate_action (G_ACTION_GROUP (self), "quit", NULL);

  return G_SOURCE_REMOVE;
}

static void
start_screenshot (GhApplication *self,
                  GhWindow      *window)
{
  /* A still image: no crossfade caught halfway. */
  g_object_set (gtk_widget_get_settings (GTK_WIDGET (window)),
                "gtk-enable-animations", FALSE,
                NULL);

  /* Made before the first frame, so that it follows every frame the window draws. */
  self->screenshot_paintable = gtk_widget_paintable_new (GTK_WIDGET (window));
  self->screenshot_timeout = g_timeout_add_seconds (SCREENSHOT_TIMEOUT_SECONDS,
                                                    screenshot_timeout_cb, self);
  g_signal_connect_object (window, "notify::busy",
                           G_CALLBACK (screenshot_window_busy_cb), self, 0);
  screenshot_window_busy_cb (window, NULL, self);
}

/* GATEHOUSE_FIRST_FRAME set (bench/console.sh): at the first frame the window's frame clock
 * finished painting, print "first-frame MONOTONIC_USEC" and quit; the benchmark measures
 * from its exec of the app to that time (CLOCK_MONOTONIC is the same for every process). */
static void
first_frame_cb (GhApplication *self)
{
  g_print ("first-frame %" G_GINT64_FORMAT "\n", g_get_monotonic_time ());
  fflush (stdout);
  g_action_group_activate_action (G_ACTION_GROUP (self), "quit", NULL);
}

/* The embedded server starts in startup, on its own thread, beside the toolkit's start and
 * the window's; what it finds is held until the window's first frame, which shows "starting":
 * a server ready earlier would otherwise set off every page's loads and content before that
 * frame (about 100 ms of the main thread's, and that much later a first frame). */
static void
release_server (GhApplication *self)
{
  if (!self->server_held)
    return;

  self->server_held = FALSE;
  g_clear_handle_id (&self->hold_timeout, g_source_remove);
  gh_embedded_server_release (self->server);
}

static gboolean
hold_timeout_cb (gpointer user_data)
{
  GhApplication *self = GH_APPLICATION (user_data);

  self->hold_timeout = 0;
  release_server (self);

  return G_SOURCE_REMOVE;
}

static void
hold_server_until_painted (GhApplication *self,
                           GtkWidget     *window)
{
  if (self->server_held || gtk_widget_get_realized (window))
    return;

  self->server_held = TRUE;
  gh_embedded_server_hold (self->server);
  g_signal_connect_object (window, "first-frame", G_CALLBACK (release_server), self,
                           G_CONNECT_SWAPPED);
  /* Never painted (closed at once, or a display that does not show it): nothing to wait for. */
  g_signal_connect_object (window, "destroy", G_CALLBACK (release_server), self,
                           G_CONNECT_SWAPPED);
  self->hold_timeout = g_timeout_add_seconds (HOLD_TIMEOUT_SECONDS, hold_timeout_cb, self);
}

static gboolean
quit_signal_cb (gpointer user_data)
{
  g_action_group_activate_action (G_ACTION_GROUP (user_data), "quit", NULL);

  return G_SOURCE_CONTINUE;
}

static void
about_action (GSimpleAction *action,
              GVariant      *parameter,
              gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  GtkWindow *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (app),
                        "modal", TRUE,
                        "destroy-with-parent", TRUE,
                        "application-name", _("Gatehouse"),
                        "application-icon", APP_ID,
                        "developer-name", _("The Gatehouse developers"),
                        "version", PACKAGE_VERSION,
                        "comments", _("A local OAuth 2.1 and OpenID Connect authorization "
                                      "server for the Model Context Protocol, and its console"),
                        "copyright", _("© 2026 The Gatehouse developers"),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        NULL);
  gtk_window_present (about);
}

static void
quit_action (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  GList *windows;

  /* Close rather than destroy, so each window saves its size. */
  windows = g_list_copy_deep (gtk_application_get_windows (app), (GCopyFunc) g_object_ref, NULL);
  for (const GList *l = windows; l != NULL; l = l->next)
    gtk_window_close (l->data);
  g_list_free_full (windows, g_object_unref);

  g_application_quit (G_APPLICATION (app));
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  GhApplication *self = GH_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  GtkWidget *preferences;

  preferences = gh_preferences_window_new (parent, self->settings, self->server);
  gtk_window_present (GTK_WINDOW (preferences));
}

static const GActionEntry app_actions[] = {
  { "about", about_action },
  { "preferences", preferences_action },
  { "quit", quit_action },
};

static int
gh_application_handle_local_options (GApplication *application,
                                     GVariantDict *options)
{
  GhApplication *self = GH_APPLICATION (application);
  g_autofree char *data_dir = NULL;
  g_autofree char *screenshot = NULL;
  g_autofree char *secrets = NULL;
  g_autofree char *page = NULL;
  g_autofree char *size = NULL;
  g_autofree char *target = NULL;

  if (g_variant_dict_lookup (options, "secrets", "s", &secrets))
    {
      if (!g_str_equal (secrets, "auto") && !g_str_equal (secrets, "keyring") &&
          !g_str_equal (secrets, "file"))
        {
          g_printerr (_("gatehouse: --secrets must be auto, keyring or file, not “%s”\n"),
                      secrets);
          return 2;
        }
      g_free (self->secrets);
      /* Read when this process starts the server; an instance already open keeps its own. */
      self->secrets = g_steal_pointer (&secrets);
    }

  /* Another data folder is another server, and a screenshot needs its own window: both run
   * apart from an instance that may already be open. */
  if (g_variant_dict_lookup (options, "data-dir", "^ay", &data_dir))
    {
      g_free (self->data_dir);
      self->data_dir = g_canonicalize_filename (data_dir, NULL);
      g_application_set_flags (application,
                               g_application_get_flags (application) | G_APPLICATION_NON_UNIQUE);
    }

  if (g_variant_dict_lookup (options, "page", "s", &page))
    {
      g_free (self->screenshot_page);
      self->screenshot_page = g_steal_pointer (&page);
    }

  if (g_variant_dict_lookup (options, "target", "s", &target))
    {
      if (self->screenshot_page == NULL)
        {
          g_printerr (_("gatehouse: --target needs --page, the page that opens it\n"));
          return 2;
        }
      g_free (self->page_target);
      self->page_target = g_steal_pointer (&target);
    }

  if (g_variant_dict_lookup (options, "size", "s", &size))
    {
      int width = 0;
      int height = 0;
      char tail;

      if (sscanf (size, "%dx%d%c", &width, &height, &tail) != 2 ||
          width < 360 || height < 294 || width > 8192 || height > 8192)
        {
          g_printerr (_("gatehouse: --size must be WIDTHxHEIGHT, at least 360x294, "
                        "not “%s”\n"), size);
          return 2;
        }
      self->screenshot_width = width;
      self->screenshot_height = height;
    }

  self->dark = g_variant_dict_contains (options, "dark");
  if (self->dark)
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                        ADW_COLOR_SCHEME_FORCE_DARK);

  if (g_variant_dict_lookup (options, "screenshot", "^ay", &screenshot))
    {
      g_free (self->screenshot_path);
      self->screenshot_path = g_canonicalize_filename (screenshot, NULL);
      g_application_set_flags (application,
                               g_application_get_flags (application) | G_APPLICATION_NON_UNIQUE);
    }

  return G_APPLICATION_CLASS (gh_application_parent_class)->handle_local_options (application,
                                                                                options);
}

static void
gh_application_startup (GApplication *application)
{
  GhApplication *self = GH_APPLICATION (application);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static const char *help_overlay_accels[] = { "<Control>question", NULL };

  G_APPLICATION_CLASS (gh_application_parent_class)->startup (application);
  gh_renderer_choose (gdk_display_get_default (), NULL);

  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);
  /* Its window comes after the window's first frame (gh-window.c). */
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.show-help-overlay",
                                         help_overlay_accels);

  self->settings = g_settings_new (APP_ID);
  if (!self->dark)
    gh_preferences_follow_color_scheme (self->settings);

  /* --data-dir, else the preference, else the default. */
  if (self->data_dir == NULL)
    {
      g_autofree char *preferred = g_settings_get_string (self->settings, "data-dir");

      self->data_dir = *preferred != '\0' ? g_canonicalize_filename (preferred, NULL)
                                          : gh_preferences_default_data_dir ();
    }
  self->server = gh_embedded_server_new (self->data_dir, self->settings);
  if (g_strcmp0 (self->secrets, "keyring") == 0)
    gh_embedded_server_set_secret_backend (self->server, GH_EMBEDDED_SECRETS_KEYRING);
  else if (g_strcmp0 (self->secrets, "file") == 0)
    gh_embedded_server_set_secret_backend (self->server, GH_EMBEDDED_SECRETS_FILE);
  else if (g_strcmp0 (self->secrets, "auto") == 0)
    gh_embedded_server_set_secret_backend (self->server, GH_EMBEDDED_SECRETS_AUTO);
  self->connection = gh_connection_new_embedded (self->server);
  /* Stopped at launch if the user prefers (the Overview starts it); a screenshot needs it. */
  if (g_settings_get_boolean (self->settings, "start-server") || self->screenshot_path != NULL)
    gh_embedded_server_start (self->server);

  /* Stop the server cleanly (sockets, database) when asked to end from a terminal. */
  self->sigint_source = g_unix_signal_add (SIGINT, quit_signal_cb, self);
  self->sigterm_source = g_unix_signal_add (SIGTERM, quit_signal_cb, self);
}

static void
gh_application_activate (GApplication *application)
{
  GhApplication *self = GH_APPLICATION (application);
  GtkWindow *window;

  window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (window == NULL)
    {
      window = GTK_WINDOW (gh_window_new (GTK_APPLICATION (self), self->connection));
      hold_server_until_painted (self, GTK_WIDGET (window));
      if (self->screenshot_width > 0)
        gh_window_set_size (GH_WINDOW (window), self->screenshot_width, self->screenshot_height);
    }

  if (self->screenshot_page != NULL &&
      !gh_window_show_page (GH_WINDOW (window), self->screenshot_page))
    {
      g_auto(GStrv) names = gh_window_list_pages (GH_WINDOW (window));
      g_autofree char *list = g_strjoinv (", ", names);

      g_printerr (_("gatehouse: there is no page “%s”; the pages are: %s\n"),
                  self->screenshot_page, list);
      self->exit_status = 2;
      gtk_window_destroy (window);
      return;
    }

  if (self->screenshot_page != NULL && self->page_target != NULL)
    {
      GhPage *page = gh_window_get_page (GH_WINDOW (window), self->screenshot_page);

      /* A target the page cannot open is said, not dropped. */
      if (GH_PAGE_GET_CLASS (page)->open_target == NULL)
        {
          g_printerr (_("gatehouse: the page “%s” opens no --target\n"), self->screenshot_page);
          self->exit_status = 2;
          gtk_window_destroy (window);
          return;
        }
      gtk_widget_activate_action (GTK_WIDGET (window), "win.open", "(ss)",
                                  self->screenshot_page, self->page_target);
    }

  if (g_getenv ("GATEHOUSE_FIRST_FRAME") != NULL &&
      !gtk_widget_get_realized (GTK_WIDGET (window)))
    g_signal_connect_object (window, "first-frame", G_CALLBACK (first_frame_cb), self,
                             G_CONNECT_SWAPPED);
  gtk_window_present (window);

  if (self->screenshot_path != NULL && self->screenshot_timeout == 0)
    start_screenshot (self, GH_WINDOW (window));
}

static void
gh_application_shutdown (GApplication *application)
{
  GhApplication *self = GH_APPLICATION (application);

  /* The server's thread closes the database before the process may end (a start still held
   * is dropped then). */
  if (self->server != NULL)
    {
      gh_embedded_server_stop_and_wait (self->server);
      release_server (self);
    }

  g_clear_handle_id (&self->screenshot_timeout, g_source_remove);
  g_clear_handle_id (&self->sigint_source, g_source_remove);
  g_clear_handle_id (&self->sigterm_source, g_source_remove);

  G_APPLICATION_CLASS (gh_application_parent_class)->shutdown (application);
}

static void
gh_application_dispose (GObject *object)
{
  GhApplication *self = (GhApplication *)object;

  g_clear_object (&self->screenshot_paintable);
  g_clear_object (&self->connection);
  g_clear_object (&self->server);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (gh_application_parent_class)->dispose (object);
}

static void
gh_application_finalize (GObject *object)
{
  GhApplication *self = (GhApplication *)object;

  g_clear_pointer (&self->data_dir, g_free);
  g_clear_pointer (&self->screenshot_path, g_free);
  g_clear_pointer (&self->screenshot_page, g_free);
  g_clear_pointer (&self->page_target, g_free);
  g_clear_pointer (&self->secrets, g_free);
  g_clear_pointer (&self->page_help, g_free);

  G_OBJECT_CLASS (gh_application_parent_class)->finalize (object);
}

static void
gh_application_class_init (GhApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *application_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = gh_application_dispose;
  object_class->finalize = gh_application_finalize;

  application_class->activate = gh_application_activate;
  application_class->handle_local_options = gh_application_handle_local_options;
  application_class->shutdown = gh_application_shutdown;
  application_class->startup = gh_application_startup;
}

static void
gh_application_init (GhApplication *self)
{
  g_auto(GStrv) pages = gh_window_list_page_names ();
  g_autofree char *list = g_strjoinv (", ", pages);
  GOptionEntry entries[G_N_ELEMENTS (option_entries)];

  /* --page names the pages the window has, in its sidebar's order. */
  memcpy (entries, option_entries, sizeof entries);
  self->page_help = g_strdup_printf (_("Open on the page NAME (%s)"), list);
  for (guint i = 0; entries[i].long_name != NULL; i++)
    if (g_str_equal (entries[i].long_name, "page"))
      entries[i].description = self->page_help;
  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
}

GhApplication *
gh_application_new (void)
{
  return g_object_new (GH_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/dev/gatehouse/Gatehouse",
                       NULL);
}

/* The embedded server, from startup on; %NULL before. */
GhEmbeddedServer *
gh_application_get_server (GhApplication *self)
{
  g_return_val_if_fail (GH_IS_APPLICATION (self), NULL);

  return self->server;
}

/* What main() should return after g_application_run() returned 0, e.g. a failed screenshot. */
int
gh_application_get_exit_status (GhApplication *self)
{
  g_return_val_if_fail (GH_IS_APPLICATION (self), EXIT_FAILURE);

  return self->exit_status;
}
