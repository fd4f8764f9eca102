/* test-window.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include <libsoup/soup.h>
#include <sqlite3.h>

/* For secret_service_encode_dbus_secret (), to make a keyring again after a test removed it. */
#define SECRET_API_SUBJECT_TO_CHANGE
#include <libsecret/secret.h>

#include "gh-application.h"
#include "gh-connection.h"
#include "gh-embedded-server.h"
#include "gh-overview-page.h"
#include "gh-property-row.h"
#include "gh-test-process.h"
#include "gh-window.h"

/* The real application and window against a real embedded server in a temporary data dir,
 * run by g_application_run() as a user would start it; each test's body runs from an idle
 * once the window exists and ends by closing the window, which ends the application. */

#define WAIT_TIMEOUT_USEC (10 * G_TIME_SPAN_SECOND)


typedef struct _Fixture Fixture;
typedef void (*TestBody) (Fixture *f);

struct _Fixture
{
  char          *data_dir;
  GSettings     *settings;
  GhApplication *app;
  GhWindow      *window;
  TestBody       body;
  char          *clipboard_text;
  const char    *extra_arg;  /* one more command-line argument, or NULL */
  guint          port;
  gboolean       body_ran;
};

static void
rm_rf (GFile *file)
{
  g_autoptr(GFileEnumerator) children = NULL;
  GFileInfo *info;
  GFile *child;

  children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  while (children != NULL &&
         g_file_enumerator_iterate (children, &info, &child, NULL, NULL) &&
         info != NULL)
    rm_rf (child);

  g_file_delete (file, NULL, NULL);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  f->data_dir = g_dir_make_tmp ("gatehouse-gui-XXXXXX", &error);
  g_assert_no_error (error);

  /* The memory backend lives as long as the process: start every test from the defaults. */
  f->settings = g_settings_new (APP_ID);
  g_object_get (f->settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    g_settings_reset (f->settings, keys[i]);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GFile) dir = g_file_new_for_path (f->data_dir);

  rm_rf (dir);
  g_clear_pointer (&f->clipboard_text, g_free);
  g_clear_object (&f->settings);
  g_clear_pointer (&f->data_dir, g_free);
}

static gboolean
wake_up_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the main context until @condition holds or the deadline passes. */
static gboolean
wait_for (gboolean (*condition) (Fixture *f),
          Fixture   *f)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_TIMEOUT_USEC;
  guint wake_up = g_timeout_add (10, wake_up_cb, NULL);

  while (!condition (f) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (wake_up);

  return condition (f);
}

static GtkWidget *
find_named (GtkWidget  *widget,
            const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    return widget;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_named (child, name);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static GtkWidget *
find_in_window (Fixture    *f,
                const char *name)
{
  GtkWidget *widget = find_named (GTK_WIDGET (f->window), name);

  g_assert_nonnull (widget);

  return widget;
}

/* The label a user reads in a property row, if it is on screen. */
static const char *
shown_value (Fixture    *f,
             const char *row_name)
{
  GtkWidget *label = find_named (find_in_window (f, row_name), "value-label");

  g_assert_true (GTK_IS_LABEL (label));
  if (!gtk_widget_get_mapped (label))
    return NULL;

  return gtk_label_get_text (GTK_LABEL (label));
}

/* A label with exactly @text somewhere on screen in the window (toasts, status pages). */
static gboolean
label_shown (GtkWidget  *widget,
             const char *text)
{
  if (GTK_IS_LABEL (widget) &&
      gtk_widget_get_mapped (widget) &&
      g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return TRUE;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (label_shown (child, text))
      return TRUE;

  return FALSE;
}

static GhEmbeddedServer *
server (Fixture *f)
{
  return gh_application_get_server (f->app);
}

static gboolean
server_settled (Fixture *f)
{
  return !gh_window_get_busy (f->window);
}

/* Shown, and settled: the key set read too (a read in flight would hold the page). */
static gboolean
issuer_shown (Fixture *f)
{
  const char *issuer = shown_value (f, "issuer-row");

  return issuer != NULL && g_str_has_prefix (issuer, "http://") && server_settled (f);
}

static gboolean
port_accepts_connections (guint port)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);

  return connection != NULL;
}

static gboolean
run_body_cb (gpointer user_data)
{
  Fixture *f = user_data;

  f->body (f);
  f->body_ran = TRUE;

  if (f->window != NULL)
    gtk_window_close (GTK_WINDOW (f->window));

  return G_SOURCE_REMOVE;
}

static void
window_added_cb (GtkApplication *app,
                 GtkWindow      *window,
                 Fixture        *f)
{
  if (f->window != NULL || !GH_IS_WINDOW (window))
    return;

  f->window = GH_WINDOW (window);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *)&f->window);
  g_idle_add (run_body_cb, f);
}

/* Runs the application until @body closed its window; the server must be gone after it. */
static void
run_app (Fixture  *f,
         TestBody  body)
{
  char *argv[] = { (char *)"gatehouse", (char *)"--data-dir", f->data_dir,
                   (char *)f->extra_arg, NULL };
  GhEmbeddedServer *embedded_server;
  int status;

  f->body = body;
  f->body_ran = FALSE;
  f->port = 0;
  f->app = gh_application_new ();
  g_object_add_weak_pointer (G_OBJECT (f->app), (gpointer *)&f->app);
  g_signal_connect (f->app, "window-added", G_CALLBACK (window_added_cb), f);

  status = g_application_run (G_APPLICATION (f->app), f->extra_arg ? 4 : 3, argv);

  g_assert_cmpint (status, ==, 0);
  g_assert_true (f->body_ran);
  g_assert_null (f->window);
  g_assert_cmpint (gh_embedded_server_get_state (server (f)), ==,
                   GH_EMBEDDED_SERVER_STATE_STOPPED);
  if (f->port != 0)
    g_assert_false (port_accepts_connections (f->port));

  embedded_server = server (f);
  g_object_add_weak_pointer (G_OBJECT (embedded_server), (gpointer *)&embedded_server);
  g_object_unref (f->app);
  g_assert_null (f->app);
  g_assert_null (embedded_server);
}

static void
shows_issuer_body (Fixture *f)
{
  g_autofree char *expected_issuer = NULL;
  g_autofree char *expected_discovery = NULL;
  g_autofree char *expected_port = NULL;
  guint16 saved_port = 0;

  g_assert_true (wait_for (issuer_shown, f));

  f->port = gh_embedded_server_get_port (server (f));
  g_assert_cmpuint (f->port, >, 0);
  g_assert_true (port_accepts_connections (f->port));

  expected_issuer = g_strdup_printf ("http://127.0.0.1:%u", f->port);
  g_assert_cmpstr (shown_value (f, "issuer-row"), ==, expected_issuer);
  g_assert_cmpstr (shown_value (f, "issuer-row"), ==, gh_embedded_server_get_base_url (server (f)));

  expected_discovery = g_strconcat (expected_issuer, "/.well-known/oauth-authorization-server",
                                    NULL);
  g_assert_cmpstr (shown_value (f, "discovery-row"), ==, expected_discovery);
  g_assert_true (g_str_has_prefix (shown_value (f, "jwks-row"), expected_issuer));

  expected_port = g_strdup_printf ("%u", f->port);
  g_assert_cmpstr (shown_value (f, "port-row"), ==, expected_port);
  g_assert_cmpstr (shown_value (f, "data-dir-row"), ==, f->data_dir);
  /* Where the keys are, in words (the keyring of tests/with-keyring.sh), and signing works. */
  g_assert_cmpstr (shown_value (f, "secrets-row"), ==, "GNOME Keyring");
  g_assert_cmpstr (shown_value (f, "state-row"), ==, "Running, reachable only from this computer");
  g_assert_false (gtk_widget_get_visible (find_in_window (f, "signing-group")));
  g_assert_false (gtk_widget_get_visible (find_in_window (f, "port-notice-row")));
  g_assert_false (gtk_widget_get_visible (find_in_window (f, "discovery-error-row")));

  /* Found uninstalled too, through the resource base path. */
  g_assert_true (gtk_icon_theme_has_icon
                   (gtk_icon_theme_get_for_display
                      (gtk_widget_get_display (GTK_WIDGET (f->window))),
                    APP_ID));

  /* The free port picked on first start is kept for the next. */
  g_settings_get (f->settings, "server-port", "q", &saved_port);
  g_assert_cmpuint (saved_port, ==, f->port);
}

static void
test_window_shows_issuer (Fixture       *f,
                          gconstpointer  data)
{
  run_app (f, shows_issuer_body);
}

static void
read_text_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Fixture *f = user_data;
  g_autoptr(GError) error = NULL;

  f->clipboard_text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->clipboard_text);
}

static gboolean
clipboard_read (Fixture *f)
{
  return f->clipboard_text != NULL;
}

static gboolean
toast_shown (Fixture *f)
{
  return label_shown (GTK_WIDGET (f->window), "Issuer URL copied");
}

static void
copy_issuer_body (Fixture *f)
{
  GtkWidget *button;

  g_assert_true (wait_for (issuer_shown, f));
  f->port = gh_embedded_server_get_port (server (f));

  button = find_named (find_in_window (f, "issuer-row"), "copy-button");
  g_assert_true (GTK_IS_BUTTON (button));
  g_assert_true (gtk_widget_get_mapped (button));
  g_assert_true (gtk_widget_is_sensitive (button));

  g_signal_emit_by_name (button, "clicked");

  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (button), NULL, read_text_cb, f);
  g_assert_true (wait_for (clipboard_read, f));
  g_assert_cmpstr (f->clipboard_text, ==, shown_value (f, "issuer-row"));

  g_assert_true (wait_for (toast_shown, f));
}

static void
test_window_copy_issuer (Fixture       *f,
                         gconstpointer  data)
{
  run_app (f, copy_issuer_body);
}

static void
remember_port_body (Fixture *f)
{
  g_assert_true (wait_for (issuer_shown, f));
  f->port = gh_embedded_server_get_port (server (f));
}

static void
second_start_body (Fixture *f)
{
  guint first_port = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (f->settings), "first-port"));

  g_assert_true (wait_for (issuer_shown, f));
  f->port = gh_embedded_server_get_port (server (f));

  g_assert_cmpuint (f->port, ==, first_port);
  g_assert_false (gtk_widget_get_visible (find_in_window (f, "port-notice-row")));
}

static void
test_application_reuses_saved_port (Fixture       *f,
                                    gconstpointer  data)
{
  run_app (f, remember_port_body);
  g_object_set_data (G_OBJECT (f->settings), "first-port", GUINT_TO_POINTER (f->port));

  run_app (f, second_start_body);
}

static gboolean
port_notice_shown (Fixture *f)
{
  return gtk_widget_get_mapped (find_in_window (f, "port-notice-row"));
}

static void
port_taken_body (Fixture *f)
{
  guint taken = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (f->settings), "taken-port"));
  g_autofree char *taken_text = NULL;
  g_autofree char *expected_issuer = NULL;
  const char *notice;
  guint16 saved_port = 0;

  g_assert_true (wait_for (issuer_shown, f));
  f->port = gh_embedded_server_get_port (server (f));

  g_assert_cmpuint (f->port, !=, taken);
  expected_issuer = g_strdup_printf ("http://127.0.0.1:%u", f->port);
  g_assert_cmpstr (shown_value (f, "issuer-row"), ==, expected_issuer);

  /* The new port is saved, and the user is told in the window, not only in a log. */
  g_settings_get (f->settings, "server-port", "q", &saved_port);
  g_assert_cmpuint (saved_port, ==, f->port);

  g_assert_true (wait_for (port_notice_shown, f));
  notice = adw_action_row_get_subtitle (ADW_ACTION_ROW (find_in_window (f, "port-notice-row")));
  taken_text = g_strdup_printf ("Port %u", taken);
  g_assert_true (g_str_has_prefix (notice, taken_text));
}

/* @listener listens on a free loopback port: which. */
static guint
listen_on_free_port (GSocketListener *listener)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GError) error = NULL;

  g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, NULL, &effective, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
}

static void
test_application_saved_port_taken (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  guint taken = listen_on_free_port (listener);

  g_settings_set (f->settings, "server-port", "q", (guint16)taken);
  g_object_set_data (G_OBJECT (f->settings), "taken-port", GUINT_TO_POINTER (taken));

  run_app (f, port_taken_body);

  g_socket_listener_close (listener);
}

static AdwAboutWindow *
find_about_window (Fixture *f)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (const GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_ABOUT_WINDOW (l->data))
      return l->data;

  return NULL;
}

static gboolean
about_shown (Fixture *f)
{
  AdwAboutWindow *about = find_about_window (f);

  return about != NULL && gtk_widget_get_mapped (GTK_WIDGET (about));
}

static void
about_then_quit_body (Fixture *f)
{
  AdwAboutWindow *about;

  g_assert_true (wait_for (issuer_shown, f));
  f->port = gh_embedded_server_get_port (server (f));

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "about", NULL);
  g_assert_true (wait_for (about_shown, f));
  about = find_about_window (f);
  g_assert_cmpstr (adw_about_window_get_application_name (about), ==, "Gatehouse");
  g_assert_cmpstr (adw_about_window_get_version (about), ==, PACKAGE_VERSION);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (about)) == GTK_WINDOW (f->window));

  /* Quit closes every window and ends the application, which stops the server. */
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "quit", NULL);
  g_assert_null (f->window);
  g_assert_null (find_about_window (f));
}

static void
test_application_about_then_quit (Fixture       *f,
                                  gconstpointer  data)
{
  run_app (f, about_then_quit_body);
}

static gboolean
stopped_shown (Fixture *f)
{
  return gtk_widget_get_mapped (find_in_window (f, "stopped-page")) && server_settled (f);
}

static GtkWidget *
find_toplevel (const char *name)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (g_strcmp0 (gtk_widget_get_name (window), name) == 0 && gtk_widget_get_visible (window))
        return window;
    }
  return NULL;
}

/* A loopback port nothing listens on (just now). */
static guint
free_port (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  guint port = listen_on_free_port (listener);

  g_socket_listener_close (listener);
  return port;
}

static gboolean
running_on_saved_port (Fixture *f)
{
  return gh_embedded_server_get_state (server (f)) == GH_EMBEDDED_SERVER_STATE_RUNNING &&
         gh_embedded_server_get_port (server (f)) == f->port;
}

static void
start_stopped_body (Fixture *f)
{
  g_auto(GStrv) accels = NULL;
  GtkWidget *preferences;

  /* "start-server" off: the server waits, the Overview says so and offers Start. */
  g_assert_true (wait_for (stopped_shown, f));
  g_assert_cmpint (gh_embedded_server_get_state (server (f)), ==,
                   GH_EMBEDDED_SERVER_STATE_STOPPED);
  /* "color-scheme" dark, applied at startup */
  g_assert_true (adw_style_manager_get_dark (adw_style_manager_get_default ()));

  /* Ctrl+, opens the preferences, on the window */
  accels = gtk_application_get_accels_for_action (GTK_APPLICATION (f->app), "app.preferences");
  g_assert_cmpstr (accels[0], ==, "<Control>comma");
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "preferences", NULL);
  preferences = find_toplevel ("preferences-window");
  g_assert_nonnull (preferences);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (preferences)) ==
                 GTK_WINDOW (f->window));
  gtk_window_destroy (GTK_WINDOW (preferences));

  g_signal_emit_by_name (find_in_window (f, "start-server-button"), "clicked");
  g_assert_true (wait_for (issuer_shown, f));
  f->port = gh_embedded_server_get_port (server (f));
  g_assert_true (port_accepts_connections (f->port));

  /* Another port in the preferences: applies at the next start, which "Restart Server Now"
   * (shown while the server runs elsewhere) brings now. */
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "preferences", NULL);
  preferences = find_toplevel ("preferences-window");
  g_assert_false (gtk_widget_get_visible (find_named (preferences, "restart-row")));
  f->port = free_port ();
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find_named (preferences, "port-spin")), f->port);
  g_assert_true (gtk_widget_get_visible (find_named (preferences, "restart-row")));
  g_assert_cmpuint (gh_embedded_server_get_port (server (f)), !=, f->port);
  g_signal_emit_by_name (find_named (preferences, "restart-button"), "clicked");
  g_assert_true (wait_for (running_on_saved_port, f));
  g_assert_true (port_accepts_connections (f->port));
  g_assert_false (gtk_widget_get_visible (find_named (preferences, "restart-row")));
  gtk_window_destroy (GTK_WINDOW (preferences));
}

static void
test_application_start_stopped (Fixture       *f,
                                gconstpointer  data)
{
  g_settings_set_boolean (f->settings, "start-server", FALSE);
  g_settings_set_enum (f->settings, "color-scheme", 2);
  run_app (f, start_stopped_body);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_DEFAULT);
}

static gboolean
failure_shown (Fixture *f)
{
  return gtk_widget_get_mapped (find_in_window (f, "failed-page"));
}

static void
start_fails_body (Fixture *f)
{
  AdwStatusPage *page;

  g_assert_true (wait_for (failure_shown, f));
  g_assert_true (server_settled (f));

  /* The reason is shown in place, with a way to try again. */
  page = ADW_STATUS_PAGE (find_in_window (f, "failed-page"));
  g_assert_nonnull (strstr (adw_status_page_get_description (page), f->data_dir));
  g_assert_true (gtk_widget_get_mapped (find_in_window (f, "retry-start-button")));
}

static void
test_window_shows_start_failure (Fixture       *f,
                                 gconstpointer  data)
{
  g_autofree char *not_a_dir = g_build_filename (f->data_dir, "file", NULL);
  g_autoptr(GError) error = NULL;

  /* A data dir that cannot be created: a regular file is in the way. */
  g_file_set_contents (not_a_dir, "", 0, &error);
  g_assert_no_error (error);
  g_free (f->data_dir);
  f->data_dir = g_build_filename (not_a_dir, "data", NULL);

  run_app (f, start_fails_body);

  g_free (f->data_dir);
  f->data_dir = g_path_get_dirname (not_a_dir);
}

/* A data folder on a read-only file system (a read-only bind mount in a user namespace, which
 * stops root too): the page says which folder and why. The test runs itself again inside
 * `unshare -rm`, where the mount is possible; GATEHOUSE_TEST_READ_ONLY_DIR tells that run
 * which folder it is. */
static void
read_only_body (Fixture *f)
{
  const char *description;

  g_assert_true (wait_for (failure_shown, f));
  description = adw_status_page_get_description (ADW_STATUS_PAGE (find_in_window (f,
                                                                                  "failed-page")));
  g_assert_nonnull (strstr (description, f->data_dir));
  g_assert_nonnull (strstr (description, "is not writable (Read-only file system)"));
}

static void
test_window_read_only_data_dir (Fixture       *f,
                                gconstpointer  data)
{
  const char *inner_dir = g_getenv ("GATEHOUSE_TEST_READ_ONLY_DIR");
  g_autofree char *self_exe = NULL;
  g_autofree char *script = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  if (inner_dir != NULL)
    {
      g_autofree char *own_dir = f->data_dir;

      f->data_dir = g_strdup (inner_dir);
      run_app (f, read_only_body);
      g_free (f->data_dir);
      f->data_dir = g_steal_pointer (&own_dir);
      return;
    }

  self_exe = g_file_read_link ("/proc/self/exe", &error);
  g_assert_no_error (error);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "GATEHOUSE_TEST_READ_ONLY_DIR", f->data_dir, TRUE);

  /* First whether this system allows it at all. */
  script = g_strdup_printf ("mount --bind '%s' '%s' && mount -o remount,ro,bind '%s' '%s'",
                            f->data_dir, f->data_dir, f->data_dir, f->data_dir);
  process = g_subprocess_launcher_spawn (launcher, NULL, "unshare", "--user", "--map-root-user",
                                         "--mount", "sh", "-c", script, NULL);
  if (process == NULL || !g_subprocess_wait_check (process, NULL, NULL))
    {
      g_test_skip ("cannot bind-mount read-only in a user namespace (unshare -rm)");
      return;
    }
  g_clear_object (&process);
  g_free (script);

  script = g_strdup_printf ("mount --bind '%s' '%s' && mount -o remount,ro,bind '%s' '%s' && "
                            "exec '%s' -p /gui/window/read-only-data-dir",
                            f->data_dir, f->data_dir, f->data_dir, f->data_dir, self_exe);
  process = g_subprocess_launcher_spawn (launcher, &error, "unshare", "--user", "--map-root-user",
                                         "--mount", "sh", "-c", script, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_test_message ("%s%s", out, err);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  g_assert_nonnull (strstr (out, "ok 1 /gui/window/read-only-data-dir"));
}

static void
remembers_size_body (Fixture *f)
{
  int width;
  int height;

  gtk_window_get_default_size (GTK_WINDOW (f->window), &width, &height);
  g_assert_cmpint (width, ==, 700);
  g_assert_cmpint (height, ==, 500);

  gtk_window_set_default_size (GTK_WINDOW (f->window), 820, 610);
  g_assert_true (wait_for (server_settled, f));
  f->port = gh_embedded_server_get_port (server (f));
}

static void
test_window_remembers_size (Fixture       *f,
                            gconstpointer  data)
{
  g_settings_set_int (f->settings, "window-width", 700);
  g_settings_set_int (f->settings, "window-height", 500);

  run_app (f, remembers_size_body);

  g_assert_cmpint (g_settings_get_int (f->settings, "window-width"), ==, 820);
  g_assert_cmpint (g_settings_get_int (f->settings, "window-height"), ==, 610);
  g_assert_false (g_settings_get_boolean (f->settings, "window-maximized"));
}

/* A SoupServer on 127.0.0.1 port 0 in this process, answering with @handler; its base URL in
 * @base. */
static SoupServer *
fake_server_new (SoupServerCallback   handler,
                 gpointer             data,
                 char               **base)
{
  SoupServer *soup_server = soup_server_new (NULL, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GError) error = NULL;
  GSList *uris;

  soup_server_listen (soup_server, address, 0, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (soup_server);
  *base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  soup_server_add_handler (soup_server, NULL, handler, data == NULL ? *base : data, NULL);

  return soup_server;
}

/* The overview against a fake server over HTTP: every way a discovery document can be
 * unusable is said in place, and a path issuer is fetched at its RFC 8414 address. */
static const struct {
  const char *project;
  guint       status;
  const char *body;
  const char *shown;  /* a part of the error row's text, or NULL when the issuer is shown */
} discovery_cases[] = {
  { "good", 200, "{\"issuer\": \"%s\", \"jwks_uri\": \"%s/jwks\"}", NULL },
  /* A key set with no key: the server cannot sign, and the page says so. */
  { "no-keys", 200, "{\"issuer\": \"%s\", \"jwks_uri\": \"%s/jwks\"}", NULL },
  { "wrong-issuer", 200, "{\"issuer\": \"http://127.0.0.1:1\"}", "instead of" },
  { "no-issuer", 200, "{\"jwks_uri\": \"http://127.0.0.1:1/jwks\"}", "names no issuer" },
  { "issuer-not-string", 200, "{\"issuer\": {\"a\": 1}}", "names no issuer" },
  { "server-error", 500, "{}", "500" },
  { "not-json", 200, "<html>", "not valid JSON" },
  { "not-object", 200, "[]", "not a JSON object" },
};

/* A remote connection is READY only once the server answered GET /admin/v1/server as
 * Gatehouse does: the fake servers answer that probe. */
static gboolean
answer_probe (SoupServerMessage *message,
              const char        *path)
{
  const char *server = "{\"version\": \"test\"}";

  if (!g_str_has_suffix (path, "/admin/v1/server"))
    return FALSE;
  soup_server_message_set_status (message, 200, NULL);
  soup_server_message_set_response (message, "application/json", SOUP_MEMORY_STATIC,
                                    server, strlen (server));
  return TRUE;
}

static void
fake_discovery_cb (SoupServer        *soup_server,
                   SoupServerMessage *message,
                   const char        *path,
                   GHashTable        *query,
                   gpointer           user_data)
{
  const char *prefix = "/.well-known/oauth-authorization-server/p/";
  const char *base = user_data;

  if (answer_probe (message, path))
    return;

  if (g_str_has_suffix (path, "/jwks"))
    {
      const char *keys = g_str_has_suffix (path, "/no-keys/jwks")
                         ? "{\"keys\": []}"
                         : "{\"keys\": [{\"kty\": \"EC\"}]}";

      soup_server_message_set_status (message, 200, NULL);
      soup_server_message_set_response (message, "application/json", SOUP_MEMORY_STATIC,
                                        keys, strlen (keys));
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (discovery_cases); i++)
    {
      g_autofree char *issuer = NULL;
      g_autofree char *body = NULL;

      if (!g_str_has_prefix (path, prefix) ||
          !g_str_equal (path + strlen (prefix), discovery_cases[i].project))
        continue;

      issuer = g_strdup_printf ("%s/p/%s", base, discovery_cases[i].project);
      body = g_strdup_printf (discovery_cases[i].body, issuer, issuer);
      soup_server_message_set_status (message, discovery_cases[i].status, NULL);
      soup_server_message_set_response (message, "application/json", SOUP_MEMORY_COPY,
                                        body, strlen (body));
      return;
    }

  soup_server_message_set_status (message, 404, NULL);
}

typedef struct
{
  GtkWidget  *page;
  const char *expected;
} DiscoveryWait;

static gboolean
discovery_answered (DiscoveryWait *w)
{
  GtkWidget *error_row = find_named (w->page, "discovery-error-row");
  GtkWidget *issuer_row = find_named (w->page, "issuer-row");

  return gtk_widget_get_visible (error_row) || gtk_widget_get_visible (issuer_row);
}

static void
test_overview_discovery_errors (void)
{
  g_autofree char *base = NULL;
  /* The handler reads the base URL to write issuers. */
  g_autoptr(SoupServer) soup_server = fake_server_new (fake_discovery_cb, NULL, &base);

  for (guint i = 0; i < G_N_ELEMENTS (discovery_cases); i++)
    {
      g_autofree char *issuer = g_strdup_printf ("%s/p/%s", base, discovery_cases[i].project);
      g_autoptr(GhConnection) connection = gh_connection_new_remote (issuer, NULL);
      GtkWidget *page = g_object_ref_sink (g_object_new (GH_TYPE_OVERVIEW_PAGE, NULL));
      DiscoveryWait w = { page, discovery_cases[i].shown };
      gint64 deadline = g_get_monotonic_time () + WAIT_TIMEOUT_USEC;
      GtkWidget *error_row;

      g_test_message ("case %s", discovery_cases[i].project);

      gh_page_set_connection (GH_PAGE (page), connection);
      /* Settled: the discovery document and then the key set read. */
      while (gh_page_get_busy (GH_PAGE (page)) && g_get_monotonic_time () < deadline)
        g_main_context_iteration (NULL, TRUE);
      g_assert_false (gh_page_get_busy (GH_PAGE (page)));
      g_assert_true (discovery_answered (&w));

      /* Signing is unavailable exactly when the key set (read over HTTP) has no key. */
      if (g_str_equal (discovery_cases[i].project, "no-keys"))
        {
          const char *why =
            adw_action_row_get_subtitle (ADW_ACTION_ROW (find_named (page, "signing-error-row")));

          g_assert_true (gtk_widget_get_visible (find_named (page, "signing-group")));
          g_assert_nonnull (strstr (why, "publishes no signing key"));
        }
      else
        g_assert_false (gtk_widget_get_visible (find_named (page, "signing-group")));

      error_row = find_named (page, "discovery-error-row");
      if (discovery_cases[i].shown == NULL)
        {
          g_autofree char *jwks = g_strconcat (issuer, "/jwks", NULL);
          GhPropertyRow *issuer_row = GH_PROPERTY_ROW (find_named (page, "issuer-row"));
          GhPropertyRow *jwks_row = GH_PROPERTY_ROW (find_named (page, "jwks-row"));

          g_assert_false (gtk_widget_get_visible (error_row));
          g_assert_cmpstr (gh_property_row_get_value (issuer_row), ==, issuer);
          g_assert_cmpstr (gh_property_row_get_value (jwks_row), ==, jwks);
        }
      else
        {
          const char *text = adw_action_row_get_subtitle (ADW_ACTION_ROW (error_row));

          g_assert_true (gtk_widget_get_visible (error_row));
          g_assert_false (gtk_widget_get_visible (find_named (page, "issuer-row")));
          g_assert_nonnull (strstr (text, discovery_cases[i].shown));
        }

      g_assert_finalize_object (page);
    }
}

/* gatehouse --secrets=file: keys in the data folder for this run, the setting left alone. */
static void
secrets_option_body (Fixture *f)
{
  g_autofree char *secrets_ini = g_build_filename (f->data_dir, "secrets.ini", NULL);

  g_assert_true (wait_for (issuer_shown, f));
  f->port = gh_embedded_server_get_port (server (f));

  g_assert_cmpstr (shown_value (f, "secrets-row"), ==, "A file in the data folder");
  g_assert_true (g_file_test (secrets_ini, G_FILE_TEST_IS_REGULAR));
  g_assert_false (gtk_widget_get_visible (find_in_window (f, "signing-group")));
}

static void
test_application_secrets_option (Fixture       *f,
                                 gconstpointer  data)
{
  f->extra_arg = "--secrets=file";
  run_app (f, secrets_option_body);
  g_assert_cmpint (g_settings_get_enum (f->settings, "secrets"), ==, 0 /* auto */);
}

/* --- a Secret Service with no default keyring: the server runs but cannot sign ---------- */

static SecretService *
secret_service (void)
{
  g_autoptr(GError) error = NULL;
  SecretService *service = secret_service_get_sync (SECRET_SERVICE_OPEN_SESSION, NULL, &error);

  g_assert_no_error (error);
  return service;
}

/* As when the user has never had a keyring, or deleted it: the "default" alias names nothing. */
static void
delete_default_keyring (void)
{
  g_autoptr(SecretService) service = secret_service ();
  g_autoptr(SecretCollection) collection = NULL;
  g_autoptr(GError) error = NULL;

  collection = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT,
                                                 SECRET_COLLECTION_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (collection);
  g_assert_true (secret_collection_delete_sync (collection, NULL, &error));
  g_assert_no_error (error);

  g_clear_object (&collection);
  collection = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT,
                                                 SECRET_COLLECTION_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (collection);
}

/* Puts an unlocked default keyring back for the tests after, without a password prompt:
 * gnome-keyring's own interface for creating a keyring with a given password. */
static void
restore_default_keyring (void)
{
  g_autoptr(SecretService) service = secret_service ();
  g_autoptr(SecretValue) password = secret_value_new ("gatehouse-test-password", -1,
                                                       "text/plain");
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  GVariantBuilder properties;
  const char *path;

  g_variant_builder_init (&properties, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&properties, "{sv}", "org.freedesktop.Secret.Collection.Label",
                         g_variant_new_string ("Login"));
  reply = g_dbus_proxy_call_sync (G_DBUS_PROXY (service),
                                  "org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface."
                                  "CreateWithMasterPassword",
                                  g_variant_new ("(a{sv}@(oayays))", &properties,
                                                 secret_service_encode_dbus_secret (service,
                                                                                    password)),
                                  G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(&o)", &path);
  g_assert_true (secret_service_set_alias_to_dbus_path_sync (service, SECRET_COLLECTION_DEFAULT,
                                                             path, NULL, &error));
  g_assert_no_error (error);
}

static gboolean
signing_problem_shown (Fixture *f)
{
  return server_settled (f) && gtk_widget_get_mapped (find_in_window (f, "signing-group"));
}

static gboolean
signing_available_shown (Fixture *f)
{
  return issuer_shown (f) && server_settled (f) &&
         !gtk_widget_get_visible (find_in_window (f, "signing-group")) &&
         g_strcmp0 (shown_value (f, "secrets-row"), "A file in the data folder") == 0;
}

static void
http_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

/* The key set the server publishes, read as any client would. */
static guint
published_keys (Fixture *f)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("%s/jwks", gh_embedded_server_get_base_url (server (f)));
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *jwks;

  soup_session_send_and_read_async (session, message, G_PRIORITY_DEFAULT, NULL, http_done_cb,
                                    &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  body = soup_session_send_and_read_finish (session, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (message), ==, 200);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (body, NULL),
                                             g_bytes_get_size (body), &error));
  jwks = json_node_get_object (json_parser_get_root (parser));

  return json_array_get_length (json_object_get_array_member (jwks, "keys"));
}

/* Takes the name GNOME Keyring shows its password dialogs through, without serving it: every
 * dialog then fails at once, as when none can be shown, and none ever opens on a desktop. */
static void
block_password_dialogs (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint result;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", "org.gnome.keyring.SystemPrompter",
                                                      0x4 /* DO_NOT_QUEUE */),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &result);
  g_assert_cmpuint (result, ==, 1 /* PRIMARY_OWNER */);
}

static void
unblock_password_dialogs (void)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;

  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "ReleaseName",
                                       g_variant_new ("(s)", "org.gnome.keyring.SystemPrompter"),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       &error);
  g_assert_no_error (error);
}

static gboolean
keyring_refusal_shown (Fixture *f)
{
  return label_shown (GTK_WIDGET (f->window),
                      "GNOME Keyring did not create a keyring (its password dialog was closed "
                      "or could not be shown)") &&
         gtk_widget_get_sensitive (find_in_window (f, "fix-button"));
}

static void
no_keyring_body (Fixture *f)
{
  g_autofree char *secrets_ini = g_build_filename (f->data_dir, "secrets.ini", NULL);
  GtkWidget *fix_row;
  GtkWidget *file_button;
  const char *why;

  /* Running, and it says it cannot sign, why, and the ways out. */
  g_assert_true (wait_for (signing_problem_shown, f));
  f->port = gh_embedded_server_get_port (server (f));
  g_assert_cmpuint (published_keys (f), ==, 0);

  g_assert_cmpstr (shown_value (f, "state-row"), ==, "Running, but it cannot sign tokens");
  why = adw_action_row_get_subtitle (ADW_ACTION_ROW (find_in_window (f, "signing-error-row")));
  g_assert_nonnull (strstr (why, "GNOME Keyring has no default keyring"));
  g_assert_nonnull (strstr (why, "get no tokens"));
  g_assert_cmpstr (shown_value (f, "secrets-row"), ==, "GNOME Keyring");

  fix_row = find_in_window (f, "fix-row");
  g_assert_true (gtk_widget_get_mapped (fix_row));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (fix_row)), ==,
                   "Create a Default Keyring");
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (find_in_window (f, "fix-button"))), ==,
                   "_Create Keyring…");

  /* Creating a keyring asks GNOME Keyring, whose password dialog fails here: the window says
   * so and stays as it was. */
  block_password_dialogs ();
  g_signal_emit_by_name (find_in_window (f, "fix-button"), "clicked");
  g_assert_true (wait_for (keyring_refusal_shown, f));
  unblock_password_dialogs ();
  g_assert_true (gtk_widget_get_mapped (find_in_window (f, "signing-group")));

  /* The way out chosen: keys in a file in the data folder, remembered, signing available. */
  file_button = find_in_window (f, "use-file-button");
  g_assert_true (gtk_widget_get_mapped (file_button));
  g_signal_emit_by_name (file_button, "clicked");

  g_assert_true (wait_for (signing_available_shown, f));
  f->port = gh_embedded_server_get_port (server (f));
  g_assert_cmpstr (shown_value (f, "state-row"), ==, "Running, reachable only from this computer");
  g_assert_cmpint (gh_embedded_server_get_signing_problem (server (f)), ==,
                   GH_SIGNING_PROBLEM_NONE);
  g_assert_cmpuint (published_keys (f), ==, 1);
  g_assert_true (g_file_test (secrets_ini, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (g_settings_get_enum (f->settings, "secrets"), ==, 2 /* file */);
}

static void
test_window_signing_without_keyring (Fixture       *f,
                                     gconstpointer  data)
{
  GLogLevelFlags fatal;

  if (g_getenv ("GATEHOUSE_TEST_KEYRING_HOME") == NULL)
    {
      g_test_skip ("needs the throwaway keyring of tests/with-keyring.sh");
      return;
    }

  delete_default_keyring ();
  /* The server warns "Signing is unavailable" on stderr, as it should: not fatal here. */
  fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  run_app (f, no_keyring_body);
  g_log_set_always_fatal (fatal);
  restore_default_keyring ();
}

/* --- the embedded server on its own thread -------------------------------------------- */

typedef struct
{
  GhEmbeddedServer *server;
  GArray           *states;  /* every state it went through, in order */
} StateLog;

static void
record_state_cb (GhEmbeddedServer *server,
                 GParamSpec       *pspec,
                 StateLog         *log)
{
  GhEmbeddedServerState state = gh_embedded_server_get_state (server);

  g_array_append_val (log->states, state);
}

static gboolean
embedded_in_state (StateLog              *log,
                   GhEmbeddedServerState  state)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_TIMEOUT_USEC;
  guint wake_up = g_timeout_add (10, wake_up_cb, NULL);

  while (gh_embedded_server_get_state (log->server) != state &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (wake_up);

  return gh_embedded_server_get_state (log->server) == state;
}

static void
assert_states (StateLog                    *log,
               const GhEmbeddedServerState *expected,
               guint                        n_expected)
{
  for (guint i = 0; i < log->states->len; i++)
    g_test_message ("state %u: %d", i, g_array_index (log->states, int, i));

  g_assert_cmpuint (log->states->len, ==, n_expected);
  for (guint i = 0; i < n_expected; i++)
    g_assert_cmpint (g_array_index (log->states, int, i), ==, expected[i]);
}

/* A new embedded server on the fixture's data folder (keys in a file), its states logged. */
static void
state_log_start (StateLog *log,
                 Fixture  *f)
{
  log->states = g_array_new (FALSE, FALSE, sizeof (int));
  log->server = gh_embedded_server_new (f->data_dir, f->settings);
  gh_embedded_server_set_secret_backend (log->server, GH_EMBEDDED_SECRETS_FILE);
  g_signal_connect (log->server, "notify::state", G_CALLBACK (record_state_cb), log);
}

/* The states were @expected; dropping the server stops it and waits for its thread. */
static void
state_log_finish (StateLog                    *log,
                  const GhEmbeddedServerState *expected,
                  guint                        n_expected)
{
  assert_states (log, expected, n_expected);
  g_signal_handlers_disconnect_by_data (log->server, log);
  g_assert_finalize_object (log->server);
  g_array_unref (log->states);
}

static gboolean
count_tick_cb (gpointer user_data)
{
  guint *ticks = user_data;

  (*ticks)++;

  return G_SOURCE_CONTINUE;
}

/* While another program holds the database, opening the store waits (SQLite's busy timeout):
 * the main context keeps running meanwhile, because the store opens on the server's thread. */
static void
test_embedded_starts_off_main_thread (Fixture       *f,
                                      gconstpointer  data)
{
  g_autofree char *db_path = g_build_filename (f->data_dir, "gatehouse.db", NULL);
  StateLog log = { NULL, g_array_new (FALSE, FALSE, sizeof (int)) };
  static const GhEmbeddedServerState expected[] = {
    GH_EMBEDDED_SERVER_STATE_STARTING,
    GH_EMBEDDED_SERVER_STATE_RUNNING,
    GH_EMBEDDED_SERVER_STATE_STOPPING,
    GH_EMBEDDED_SERVER_STATE_STOPPED,
  };
  sqlite3 *db = NULL;
  guint ticks = 0;
  guint tick_id;
  guint port;
  gint64 until;

  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "BEGIN EXCLUSIVE", NULL, NULL, NULL), ==, SQLITE_OK);

  log.server = gh_embedded_server_new (f->data_dir, f->settings);
  gh_embedded_server_set_secret_backend (log.server, GH_EMBEDDED_SECRETS_FILE);
  g_signal_connect (log.server, "notify::state", G_CALLBACK (record_state_cb), &log);

  gh_embedded_server_start (log.server);
  g_assert_cmpint (gh_embedded_server_get_state (log.server), ==,
                   GH_EMBEDDED_SERVER_STATE_STARTING);

  /* Half a second of a 10 ms timer on the main context: about 50 ticks when nothing blocks
   * it; none if the store opened here (it would wait for the lock for 5 s). */
  tick_id = g_timeout_add (10, count_tick_cb, &ticks);
  until = g_get_monotonic_time () + G_TIME_SPAN_MILLISECOND * 500;
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick_id);
  g_test_message ("%u ticks while the store waited", ticks);
  g_assert_cmpuint (ticks, >=, 10);
  g_assert_cmpint (gh_embedded_server_get_state (log.server), ==,
                   GH_EMBEDDED_SERVER_STATE_STARTING);

  g_assert_cmpint (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  g_assert_true (embedded_in_state (&log, GH_EMBEDDED_SERVER_STATE_RUNNING));
  port = gh_embedded_server_get_port (log.server);
  g_assert_true (port_accepts_connections (port));

  /* Stopping is async too: "stopping" at once, "stopped" once the thread closed it. */
  gh_embedded_server_stop (log.server);
  g_assert_cmpint (gh_embedded_server_get_state (log.server), ==,
                   GH_EMBEDDED_SERVER_STATE_STOPPING);
  g_assert_null (gh_embedded_server_get_base_url (log.server));
  g_assert_true (embedded_in_state (&log, GH_EMBEDDED_SERVER_STATE_STOPPED));
  g_assert_false (port_accepts_connections (port));

  assert_states (&log, expected, G_N_ELEMENTS (expected));

  g_signal_handlers_disconnect_by_data (log.server, &log);
  g_assert_finalize_object (log.server);
  g_array_unref (log.states);
}

/* A restart goes through every state in order and comes back on the same port; dropping the
 * object stops the server and waits for its thread. */
static void
test_embedded_restart_states (Fixture       *f,
                              gconstpointer  data)
{
  StateLog log;
  static const GhEmbeddedServerState expected[] = {
    GH_EMBEDDED_SERVER_STATE_STARTING,
    GH_EMBEDDED_SERVER_STATE_RUNNING,
    GH_EMBEDDED_SERVER_STATE_STOPPING,
    GH_EMBEDDED_SERVER_STATE_STOPPED,
    GH_EMBEDDED_SERVER_STATE_STARTING,
    GH_EMBEDDED_SERVER_STATE_RUNNING,
  };
  guint port;

  state_log_start (&log, f);
  gh_embedded_server_start (log.server);
  g_assert_true (embedded_in_state (&log, GH_EMBEDDED_SERVER_STATE_RUNNING));
  port = gh_embedded_server_get_port (log.server);

  gh_embedded_server_restart (log.server);
  g_assert_cmpint (gh_embedded_server_get_state (log.server), ==,
                   GH_EMBEDDED_SERVER_STATE_STOPPING);
  g_assert_true (embedded_in_state (&log, GH_EMBEDDED_SERVER_STATE_RUNNING));
  g_assert_cmpuint (gh_embedded_server_get_port (log.server), ==, port);
  g_assert_true (port_accepts_connections (port));

  state_log_finish (&log, expected, G_N_ELEMENTS (expected));
  g_assert_false (port_accepts_connections (port));
}

/* The server thread has listened (its record is written just before it hands back what it
 * found), and the main context has run what was pending a while after. */
static gboolean
embedded_listened (Fixture *f)
{
  g_autofree char *record = g_strdup_printf ("%s/server.d/%d.json", f->data_dir, (int) getpid ());
  gint64 deadline = g_get_monotonic_time () + WAIT_TIMEOUT_USEC;

  while (!g_file_test (record, G_FILE_TEST_EXISTS) && g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
  for (guint i = 0; i < 20; i++)
    {
      while (g_main_context_pending (NULL))
        g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }

  return g_file_test (record, G_FILE_TEST_EXISTS);
}

/* Held (the application holds it until its window's first frame), a start that finished stays
 * "starting" until released; a stop meanwhile drops it. */
static void
test_embedded_hold (Fixture       *f,
                    gconstpointer  data)
{
  StateLog log;
  static const GhEmbeddedServerState expected[] = {
    GH_EMBEDDED_SERVER_STATE_STARTING,
    GH_EMBEDDED_SERVER_STATE_RUNNING,
    GH_EMBEDDED_SERVER_STATE_STOPPING,
    GH_EMBEDDED_SERVER_STATE_STOPPED,
    GH_EMBEDDED_SERVER_STATE_STARTING,
    GH_EMBEDDED_SERVER_STATE_STOPPING,
    GH_EMBEDDED_SERVER_STATE_STOPPED,
  };
  guint port;

  state_log_start (&log, f);
  gh_embedded_server_hold (log.server);
  gh_embedded_server_start (log.server);
  g_assert_true (embedded_listened (f));
  g_assert_cmpint (gh_embedded_server_get_state (log.server), ==,
                   GH_EMBEDDED_SERVER_STATE_STARTING);
  g_assert_null (gh_embedded_server_get_base_url (log.server));
  gh_embedded_server_release (log.server);
  g_assert_cmpint (gh_embedded_server_get_state (log.server), ==,
                   GH_EMBEDDED_SERVER_STATE_RUNNING);
  port = gh_embedded_server_get_port (log.server);
  g_assert_true (port_accepts_connections (port));

  gh_embedded_server_stop (log.server);
  g_assert_true (embedded_in_state (&log, GH_EMBEDDED_SERVER_STATE_STOPPED));

  /* Stopped while held: the start's result is not applied at the release. */
  gh_embedded_server_hold (log.server);
  gh_embedded_server_start (log.server);
  g_assert_true (embedded_listened (f));
  gh_embedded_server_stop (log.server);
  g_assert_true (embedded_in_state (&log, GH_EMBEDDED_SERVER_STATE_STOPPED));
  gh_embedded_server_release (log.server);
  g_assert_cmpint (gh_embedded_server_get_state (log.server), ==,
                   GH_EMBEDDED_SERVER_STATE_STOPPED);

  state_log_finish (&log, expected, G_N_ELEMENTS (expected));
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

/* GET /admin/v1/server with the connection's admin client: TRUE when it answered. */
static gboolean
admin_api_answers (GhConnection *connection)
{
  GhAdminClient *client = gh_connection_get_admin_client (connection);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GhAdminServerInfo) info = NULL;
  gint64 deadline = g_get_monotonic_time () + WAIT_TIMEOUT_USEC;

  g_assert_nonnull (client);
  gh_admin_client_get_server_async (client, NULL, store_result_cb, &result);
  while (result == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (result);
  info = gh_admin_client_get_server_finish (client, result, NULL);
  return info != NULL;
}

/* The embedded server makes the app an admin token and its connection talks to it through
 * the admin API with it; a restart reuses it, kept in the secret store; once revoked, the
 * next start makes another. */
static void
test_embedded_admin_token (Fixture       *f,
                           gconstpointer  data)
{
  StateLog log = { NULL, g_array_new (FALSE, FALSE, sizeof (int)) };
  g_autoptr(GhConnection) connection = NULL;
  g_autofree char *first = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonObject) tokens = NULL;
  GhAdminClient *client;
  JsonArray *list;
  const char *id = NULL;

  log.server = gh_embedded_server_new (f->data_dir, f->settings);
  gh_embedded_server_set_secret_backend (log.server, GH_EMBEDDED_SECRETS_FILE);
  g_signal_connect (log.server, "notify::state", G_CALLBACK (record_state_cb), &log);
  connection = gh_connection_new_embedded (log.server);
  g_assert_null (gh_connection_get_admin_client (connection));

  gh_embedded_server_start (log.server);
  g_assert_true (embedded_in_state (&log, GH_EMBEDDED_SERVER_STATE_RUNNING));
  first = g_strdup (gh_embedded_server_get_admin_token (log.server));
  g_assert_true (g_str_has_prefix (first, "ghat_"));
  g_assert_cmpstr (gh_connection_get_credential (connection), ==, first);
  g_assert_true (admin_api_answers (connection));

  gh_embedded_server_restart (log.server);
  g_assert_true (embedded_in_state (&log, GH_EMBEDDED_SERVER_STATE_RUNNING));
  g_assert_cmpstr (gh_embedded_server_get_admin_token (log.server), ==, first);
  g_assert_true (admin_api_answers (connection));

  /* Revoked (as from another console): the next start makes a new one */
  client = gh_connection_get_admin_client (connection);
  gh_admin_client_request_json_async (client, "GET", "/admin-tokens", NULL, NULL,
                                      store_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  tokens = gh_admin_client_request_json_finish (client, result, NULL);
  g_assert_nonnull (tokens);
  list = json_object_get_array_member (tokens, "admin_tokens");
  g_assert_cmpuint (json_array_get_length (list), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (list, 0),
                                                  "label"), ==, "Gatehouse app");
  id = json_object_get_string_member (json_array_get_object_element (list, 0), "id");
  path = g_strconcat ("/admin-tokens/", id, NULL);
  g_clear_object (&result);
  gh_admin_client_request_json_async (client, "DELETE", path, NULL, NULL, store_result_cb,
                                      &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_clear_pointer (&tokens, json_object_unref);
  tokens = gh_admin_client_request_json_finish (client, result, NULL);
  g_assert_nonnull (tokens);
  g_assert_false (admin_api_answers (connection));

  gh_embedded_server_restart (log.server);
  g_assert_true (embedded_in_state (&log, GH_EMBEDDED_SERVER_STATE_RUNNING));
  g_assert_nonnull (gh_embedded_server_get_admin_token (log.server));
  g_assert_cmpstr (gh_embedded_server_get_admin_token (log.server), !=, first);
  g_assert_true (admin_api_answers (connection));

  g_clear_object (&connection);
  g_signal_handlers_disconnect_by_data (log.server, &log);
  g_assert_finalize_object (log.server);
  g_array_unref (log.states);
}

/* --- the overview bound to a remote server --------------------------------------------- */

static gboolean
page_settled (GtkWidget *page)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_TIMEOUT_USEC;

  while (gh_page_get_busy (GH_PAGE (page)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  return !gh_page_get_busy (GH_PAGE (page));
}

static const char *
row_value (GtkWidget  *page,
           const char *row_name)
{
  return gh_property_row_get_value (GH_PROPERTY_ROW (find_named (page, row_name)));
}

/* A real gatehouse-server in another process, read over HTTP as a remote server: its issuer,
 * discovery document and key set shown, what only the embedded server knows hidden. */
static void
test_overview_remote_server (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *dir = g_build_filename (f->data_dir, "remote", NULL);
  g_autofree char *token = NULL;
  g_autofree char *discovery = NULL;
  g_autofree char *jwks = NULL;
  g_autoptr(GhConnection) connection = NULL;
  GhTestProcess *process;
  GtkWidget *window;
  GtkWidget *page;
  gint64 deadline;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  /* The connection asks GET /admin/v1/server before it is READY: it needs an admin token */
  g_assert_cmpint (GH_TEST_CLI (gh_test_server_binary (), dir, &token, "admin-token", "create",
                                "--label", "remote test"), ==, 0);
  g_strstrip (token);
  process = gh_test_process_start (gh_test_server_binary (), dir, "remote");
  connection = gh_connection_new_remote (process->base, token);
  g_assert_cmpint (gh_connection_get_kind (connection), ==, GH_CONNECTION_KIND_REMOTE);
  g_assert_null (gh_connection_get_embedded_server (connection));

  page = g_object_new (GH_TYPE_OVERVIEW_PAGE, "connection", connection, NULL);
  window = gtk_window_new ();
  gtk_window_set_child (GTK_WINDOW (window), page);
  g_assert_true (page_settled (page));

  /* Then on screen: a first frame can take seconds under load (and AddressSanitizer). */
  gtk_window_present (GTK_WINDOW (window));
  deadline = g_get_monotonic_time () + 3 * WAIT_TIMEOUT_USEC;
  while (!gtk_widget_get_mapped (find_named (page, "issuer-row")) &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  discovery = g_strconcat (process->base, "/.well-known/oauth-authorization-server", NULL);
  jwks = g_strconcat (process->base, "/jwks", NULL);
  g_assert_true (gtk_widget_get_mapped (find_named (page, "issuer-row")));
  g_assert_cmpstr (row_value (page, "issuer-row"), ==, process->base);
  g_assert_cmpstr (row_value (page, "discovery-row"), ==, discovery);
  g_assert_cmpstr (row_value (page, "jwks-row"), ==, jwks);
  g_assert_true (gtk_widget_get_mapped (find_named (page, "discovery-row")));
  g_assert_true (gtk_widget_get_mapped (find_named (page, "jwks-row")));
  g_assert_false (gtk_widget_get_visible (find_named (page, "discovery-error-row")));
  /* It publishes a key (file secrets), so signing is not in question. */
  g_assert_false (gtk_widget_get_visible (find_named (page, "signing-group")));

  /* Port and data folder: the embedded server's alone, not shown here. The state is, and
   * where the keys are, from the admin API (the connection has an admin token: it is READY
   * only once GET /admin/v1/server answered). */
  g_assert_false (gtk_widget_get_mapped (find_named (page, "port-row")));
  g_assert_false (gtk_widget_get_mapped (find_named (page, "data-dir-row")));
  g_assert_true (gtk_widget_get_mapped (find_named (page, "secrets-row")));
  g_assert_nonnull (row_value (page, "secrets-row"));
  g_assert_true (gtk_widget_get_mapped (find_named (page, "state-row")));
  g_assert_cmpstr (row_value (page, "state-row"), ==, "Running");

  gtk_window_destroy (GTK_WINDOW (window));
  gh_test_process_stop_clean (process);
}

static void
credential_cb (SoupServer        *soup_server,
               SoupServerMessage *message,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  char **authorization = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (message);

  g_free (*authorization);
  *authorization = g_strdup (soup_message_headers_get_one (headers, "Authorization"));
  /* The probe finds a server (READY), then the page asks for the discovery document */
  if (answer_probe (message, path))
    return;
  soup_server_message_set_status (message, 404, NULL);
}

/* A remote connection's credential goes with each request as a bearer token. */
static void
test_overview_remote_credential (void)
{
  g_autofree char *authorization = NULL;
  g_autofree char *base = NULL;
  g_autoptr(SoupServer) soup_server = fake_server_new (credential_cb, &authorization, &base);
  g_autoptr(GhConnection) connection = NULL;
  GtkWidget *page;

  connection = gh_connection_new_remote (base, "gatehouse-test-credential");
  page = g_object_ref_sink (g_object_new (GH_TYPE_OVERVIEW_PAGE, "connection", connection,
                                          NULL));
  g_assert_true (page_settled (page));
  g_assert_cmpstr (authorization, ==, "Bearer gatehouse-test-credential");

  g_assert_finalize_object (page);
}

int
main (int   argc,
      char *argv[])
{

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

#define ADD_TEST(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  g_test_add_func ("/gui/overview/discovery-errors", test_overview_discovery_errors);
  g_test_add_func ("/gui/overview/remote-credential", test_overview_remote_credential);
  ADD_TEST ("/gui/overview/remote-server", test_overview_remote_server);
  ADD_TEST ("/gui/embedded/starts-off-main-thread", test_embedded_starts_off_main_thread);
  ADD_TEST ("/gui/embedded/restart-states", test_embedded_restart_states);
  ADD_TEST ("/gui/embedded/hold", test_embedded_hold);
  ADD_TEST ("/gui/embedded/admin-token", test_embedded_admin_token);
  ADD_TEST ("/gui/window/shows-issuer", test_window_shows_issuer);
  ADD_TEST ("/gui/window/copy-issuer", test_window_copy_issuer);
  ADD_TEST ("/gui/window/shows-start-failure", test_window_shows_start_failure);
  ADD_TEST ("/gui/window/remembers-size", test_window_remembers_size);
  ADD_TEST ("/gui/window/read-only-data-dir", test_window_read_only_data_dir);
  ADD_TEST ("/gui/application/about-then-quit", test_application_about_then_quit);
  ADD_TEST ("/gui/application/reuses-saved-port", test_application_reuses_saved_port);
  ADD_TEST ("/gui/application/saved-port-taken", test_application_saved_port_taken);
  ADD_TEST ("/gui/window/signing-without-keyring", test_window_signing_without_keyring);
  ADD_TEST ("/gui/application/secrets-option", test_application_secrets_option);
  ADD_TEST ("/gui/application/start-stopped", test_application_start_stopped);

#undef ADD_TEST

  return g_test_run ();
}
