/* test-remote.c — connecting the window to a second, separately started gatehouse-server
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsecret/secret.h>
#include <string.h>

#include "gh-gui-test.h"
#include "gh-property-row.h"
#include "gh-test-tls.h"

/* The app's schema for remembered tokens, written out again: what the test keyring holds. */
static const SecretSchema token_schema = {
  "dev.gatehouse.Gatehouse.RemoteAdminToken", SECRET_SCHEMA_NONE,
  {
    { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
  0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
};

/* A second server, in a folder of its own, with its own admin token and a project only it
 * has. */
typedef struct
{
  char          *dir;
  char          *token;
  char          *url;        /* what the user types */
  GhTestProcess *process;
} Second;

static void
second_prepare (Second     *second,
                GhGuiTest  *test,
                const char *name)
{
  g_autofree char *out = NULL;

  second->dir = g_build_filename (test->tmp, name, NULL);
  g_assert_cmpint (GH_TEST_CLI (gh_test_server_binary (), second->dir, &second->token,
                                "admin-token", "create", "--label", "second"), ==, 0);
  g_strstrip (second->token);
  g_assert_true (g_str_has_prefix (second->token, "ghat_"));
  g_assert_cmpint (GH_TEST_CLI (gh_test_server_binary (), second->dir, &out,
                                "project", "create", "second-only"), ==, 0);
}

/* What only the second server has, one thing per page, made once it runs: a client, an
 * initial access token, a user, its signing key (returned), and MCP turned on. */
static char *
second_fill (Second *second)
{
  g_autofree char *out = NULL;
  g_autoptr(JsonNode) keys = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *array;

  g_assert_cmpint (GH_TEST_CLI (gh_test_server_binary (), second->dir, NULL, "client", "create",
                                "--name", "Second Server Client",
                                "--redirect-uri", "http://127.0.0.1/second"), ==, 0);
  g_assert_cmpint (GH_TEST_CLI (gh_test_server_binary (), second->dir, NULL, "iat", "issue",
                                "--label", "Second server token"), ==, 0);
  g_assert_cmpint (GH_TEST_CLI (gh_test_server_binary (), second->dir, NULL, "user", "add",
                                "second-user"), ==, 0);
  g_assert_cmpint (GH_TEST_CLI (gh_test_server_binary (), second->dir, &out, "keys", "list",
                                "--json"), ==, 0);
  keys = json_from_string (out, &error);
  g_assert_no_error (error);
  array = json_object_get_array_member (json_node_get_object (keys), "keys");
  g_assert_cmpuint (json_array_get_length (array), ==, 1);

  return g_strdup (json_object_get_string_member (json_array_get_object_element (array, 0),
                                                  "kid"));
}

static void
second_clear (Second *second)
{
  if (second->process != NULL)
    gh_test_process_stop_clean (second->process);
  g_free (second->dir);
  g_free (second->token);
  g_free (second->url);
}

/* `gatehouse-server serve --tls-cert --tls-key` on 127.0.0.1:@port (0: any). */
static GhTestProcess *
start_tls_server (const char      *dir,
                  GTlsCertificate *certificate,
                  guint16          port)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autofree char *cert_pem = NULL;
  g_autofree char *key_pem = NULL;
  g_autofree char *cert_path = g_build_filename (dir, "..", "tls-cert.pem", NULL);
  g_autofree char *key_path = g_build_filename (dir, "..", "tls-key.pem", NULL);
  g_autofree char *cert_arg = g_strconcat ("--tls-cert=", cert_path, NULL);
  g_autofree char *key_arg = g_strconcat ("--tls-key=", key_path, NULL);
  g_autofree char *dir_arg = g_strconcat ("--data-dir=", dir, NULL);
  g_autofree char *listen = g_strdup_printf ("127.0.0.1:%u", port);
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  GhTestProcess *process = g_new0 (GhTestProcess, 1);

  g_object_get (certificate, "certificate-pem", &cert_pem, "private-key-pem", &key_pem, NULL);
  g_assert_true (g_file_set_contents (cert_path, cert_pem, -1, NULL));
  g_assert_true (g_file_set_contents (key_path, key_pem, -1, NULL));

  process->err_path = g_build_filename (dir, "..", "tls-server.stderr", NULL);
  g_subprocess_launcher_set_stderr_file_path (launcher, process->err_path);
  g_subprocess_launcher_set_child_setup (launcher, gh_test_die_with_parent, NULL, NULL);
  process->process = g_subprocess_launcher_spawn (launcher, &error, gh_test_server_binary (),
                                                  "serve", "--listen", listen, dir_arg,
                                                  "--secrets=file", cert_arg, key_arg, NULL);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process->process));
  line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  if (line == NULL || !g_str_has_prefix (line, "listening on https://127.0.0.1:"))
    {
      g_autofree char *err = gh_test_process_stderr (process);

      g_error ("the TLS server did not start: %s\n%s", line ? line : "(no output)", err);
    }
  process->port = (guint16) g_ascii_strtoull (strrchr (line, ':') + 1, NULL, 10);
  /* The certificate is made out to "localhost" */
  process->base = g_strdup_printf ("https://localhost:%u", process->port);
  return process;
}

/* ---- driving the Connect window ------------------------------------------------------ */

static gboolean
connect_window_shown (gpointer data)
{
  GtkWidget *window = gh_gui_test_find_window ("connect-window");

  return window != NULL && gtk_widget_get_mapped (window);
}

static GtkWidget *
open_connect_window (GhGuiTest *test)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (test->window), "win.connect", NULL));
  g_assert_true (gh_gui_test_wait (connect_window_shown, NULL));
  return gh_gui_test_find_window ("connect-window");
}

static void
fill_in (GtkWidget  *window,
         const char *url,
         const char *token,
         gboolean    remember)
{
  gtk_editable_set_text (GTK_EDITABLE (gh_gui_test_get (window, "url-row")), url);
  gtk_editable_set_text (GTK_EDITABLE (gh_gui_test_get (window, "token-row")), token);
  gtk_switch_set_active (GTK_SWITCH (gh_gui_test_get (window, "remember-switch")), remember);
}

static gboolean
connect_window_gone (gpointer data)
{
  return gh_gui_test_find_window ("connect-window") == NULL;
}

static gboolean
error_shown (gpointer data)
{
  GtkWidget *window = gh_gui_test_find_window ("connect-window");

  /* Gone: it connected */
  if (window == NULL)
    return TRUE;
  return gtk_widget_get_mapped (gh_gui_test_get (window, "error-label")) &&
         !gtk_widget_get_visible (gh_gui_test_get (window, "connect-spinner"));
}

/* Clicks Connect and waits for the error shown in place; its text. */
static const char *
connect_expecting_error (GtkWidget *window)
{
  gh_gui_test_click (gh_gui_test_get (window, "connect-button"));
  if (!gh_gui_test_wait (error_shown, NULL))
    {
      g_autofree char *labels = gh_gui_test_dump_labels (window);

      g_error ("no error shown; the window shows:\n%s", labels);
    }
  if (gh_gui_test_find_window ("connect-window") == NULL)
    g_error ("the Connect window connected and closed instead of showing an error");
  return gtk_label_get_label (GTK_LABEL (gh_gui_test_get (window, "error-label")));
}

typedef struct
{
  GhGuiTest  *test;
  const char *url;
} OnServer;

static gboolean
window_on_server (gpointer data)
{
  OnServer *on = data;
  GhConnection *connection = gh_window_get_connection (on->test->window);

  return g_strcmp0 (gh_connection_get_remote_url (connection), on->url) == 0 &&
         gh_connection_get_state (connection) == GH_CONNECTION_STATE_READY &&
         connect_window_gone (NULL);
}

static void
wait_on_server (GhGuiTest  *test,
                const char *url)
{
  OnServer on = { test, url };

  if (!gh_gui_test_wait (window_on_server, &on))
    g_error ("the window is not on %s (it is on %s, state %d: %s)", url,
             gh_connection_get_remote_url (gh_window_get_connection (test->window)),
             gh_connection_get_state (gh_window_get_connection (test->window)),
             gh_connection_get_error_message (gh_window_get_connection (test->window)));
}

/* ---- screenshots (GH_TEST_SCREENSHOT_DIR set: the Connect window over the window) ----- */

static void
screenshot (GhGuiTest  *test,
            GtkWidget  *dialog,
            const char *name)
{
  const char *dir = g_getenv ("GH_TEST_SCREENSHOT_DIR");
  static const int sizes[][2] = { { 1280, 800 }, { 800, 600 } };

  if (dir == NULL)
    return;

  for (guint dark = 0; dark < 2; dark++)
    for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
      {
        g_autoptr(GdkPaintable) main_paintable =
          gtk_widget_paintable_new (GTK_WIDGET (test->window));
        g_autoptr(GdkPaintable) dialog_paintable = gtk_widget_paintable_new (dialog);
        g_autoptr(GskRenderNode) node = NULL;
        g_autoptr(GdkTexture) texture = NULL;
        g_autofree char *path = NULL;
        GtkSnapshot *snapshot;
        int w = sizes[i][0];
        int h = sizes[i][1];
        int dw;
        int dh;

        adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                            dark ? ADW_COLOR_SCHEME_FORCE_DARK
                                                 : ADW_COLOR_SCHEME_FORCE_LIGHT);
        gtk_window_set_default_size (GTK_WINDOW (test->window), w, h);
        gh_gui_test_run_for (1500);
        dw = gdk_paintable_get_intrinsic_width (dialog_paintable);
        dh = gdk_paintable_get_intrinsic_height (dialog_paintable);

        snapshot = gtk_snapshot_new ();
        gdk_paintable_snapshot (main_paintable, snapshot, w, h);
        gtk_snapshot_append_color (snapshot, &(GdkRGBA) { 0, 0, 0, 0.3 },
                                   &GRAPHENE_RECT_INIT (0, 0, w, h));
        gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((w - dw) / 2, (h - dh) / 2));
        gdk_paintable_snapshot (dialog_paintable, snapshot, dw, dh);
        node = gtk_snapshot_free_to_node (snapshot);
        texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (dialog)),
                                               node, &GRAPHENE_RECT_INIT (0, 0, w, h));
        path = g_strdup_printf ("%s/connect-%s-%dx%d%s.png", dir, name, w, h,
                                dark ? "-dark" : "");
        g_assert_true (gdk_texture_save_to_png (texture, path));
        g_test_message ("screenshot %s", path);
      }
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_DEFAULT);
  gtk_window_set_default_size (GTK_WINDOW (test->window), 1280, 800);
}

/* ---- where the token must not be ---------------------------------------------------- */

static void
assert_not_in_settings (const char *token)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autoptr(GVariant) value = g_settings_get_value (settings, keys[i]);
      g_autofree char *text = g_variant_print (value, FALSE);

      g_test_message ("setting %s = %s", keys[i], text);
      if (strstr (text, token) != NULL)
        g_error ("the admin token is in the setting %s", keys[i]);
    }
}

static gboolean
bytes_contain (const char *data,
               gsize       length,
               const char *text)
{
  gsize text_length = strlen (text);

  for (gsize i = 0; i + text_length <= length; i++)
    if (memcmp (data + i, text, text_length) == 0)
      return TRUE;
  return FALSE;
}

static void
assert_not_in_files (const char *root,
                     const char *token)
{
  g_autoptr(GDir) dir = g_dir_open (root, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (root, name, NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          assert_not_in_files (path, token);
          continue;
        }
      if (!g_file_get_contents (path, &contents, &length, NULL))
        continue;
      if (bytes_contain (contents, length, token))
        g_error ("the admin token is in the file %s", path);
    }
}

/* The connection chip's menu offers @url among its recent servers. */
static gboolean
menu_offers (GhWindow   *window,
             const char *url)
{
  GtkMenuButton *chip =
    GTK_MENU_BUTTON (gh_gui_test_get (GTK_WIDGET (window), "connection-button"));
  GMenuModel *menu = gtk_menu_button_get_menu_model (chip);

  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);

      for (int j = 0; section != NULL && j < g_menu_model_get_n_items (section); j++)
        {
          g_autoptr(GVariant) label =
            g_menu_model_get_item_attribute_value (section, j, G_MENU_ATTRIBUTE_LABEL, NULL);
          g_autoptr(GVariant) action =
            g_menu_model_get_item_attribute_value (section, j, G_MENU_ATTRIBUTE_ACTION, NULL);
          g_autoptr(GVariant) target =
            g_menu_model_get_item_attribute_value (section, j, G_MENU_ATTRIBUTE_TARGET, NULL);

          if (label != NULL && g_str_equal (g_variant_get_string (label, NULL), url) &&
              action != NULL &&
              g_str_equal (g_variant_get_string (action, NULL), "win.connect-recent") &&
              target != NULL && g_str_equal (g_variant_get_string (target, NULL), url))
            return TRUE;
        }
    }
  return FALSE;
}

/* ---- the tests ---------------------------------------------------------------------- */

static gboolean
projects_include (GhWindow   *window,
                  const char *name)
{
  GtkDropDown *dropdown =
    GTK_DROP_DOWN (gh_gui_test_get (GTK_WIDGET (window), "project-dropdown"));
  GListModel *model = gtk_drop_down_get_model (dropdown);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (model, i);

      if (g_str_equal (gtk_string_object_get_string (item), name))
        return TRUE;
    }
  return FALSE;
}

static gboolean
second_project_listed (gpointer data)
{
  return projects_include (data, "second-only");
}

/* Every page settles on the window's new connection; the second server's project is offered,
 * and the overview shows @url. With @kid (second_fill () ran), each page shows the second
 * server's own data. */
static void
assert_every_page_on (GhGuiTest  *test,
                      const char *url,
                      const char *kid)
{
  g_auto(GStrv) pages = gh_window_list_pages (test->window);
  const struct { const char *page; const char *text; } own[] = {
    { "clients", "Second Server Client" },
    { "iats", "Second server token" },
    { "users", "second-user" },
    { "keys", kid },
  };
  GhPage *overview;

  g_assert_true (gh_gui_test_wait (second_project_listed, test->window));
  for (guint i = 0; pages[i] != NULL; i++)
    {
      GhPage *page = gh_gui_test_show_page (test, pages[i]);

      g_assert_true (gh_page_get_connection (page) == gh_window_get_connection (test->window));
      /* Whatever the page reads, it reads with the connection's trust */
      if (gh_gui_test_text_shown (GTK_WIDGET (page), "TLS certificate"))
        {
          g_autofree char *labels = gh_gui_test_dump_labels (GTK_WIDGET (page));

          g_error ("the page “%s” met a certificate it did not trust:\n%s", pages[i], labels);
        }
    }
  overview = gh_gui_test_show_page (test, "overview");
  if (!gh_gui_test_text_shown (GTK_WIDGET (overview), url))
    {
      g_autofree char *labels = gh_gui_test_dump_labels (GTK_WIDGET (overview));

      g_error ("the overview does not show %s; it shows:\n%s", url, labels);
    }

  for (guint i = 0; kid != NULL && i < G_N_ELEMENTS (own); i++)
    {
      GhPage *page = gh_gui_test_show_page (test, own[i].page);

      if (!gh_gui_test_text_shown (GTK_WIDGET (page), own[i].text))
        {
          g_autofree char *labels = gh_gui_test_dump_labels (GTK_WIDGET (page));

          g_error ("the page “%s” does not show the second server's “%s”; it shows:\n%s",
                   own[i].page, own[i].text, labels);
        }
    }
}

/* Connect with Remember on: every page on the second server, the token in the keyring and
 * nowhere else; then back to the first, and again through the recent servers (stored token). */
static void
test_remote_connect_remember (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *stored = NULL;
  g_auto(GStrv) recent = NULL;
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *kid = NULL;
  Second second = { 0 };
  GtkWidget *window;

  g_assert_false (projects_include (test->window, "second-only"));
  second_prepare (&second, test, "second");
  second.process = gh_test_process_start (gh_test_server_binary (), second.dir, "second");
  second.url = g_strdup (second.process->base);
  kid = second_fill (&second);

  window = open_connect_window (test);
  fill_in (window, second.url, second.token, TRUE);
  screenshot (test, window, "plain");
  gh_gui_test_click (gh_gui_test_get (window, "connect-button"));
  /* Asking the server: the spinner turns, the fields wait */
  g_assert_true (gtk_widget_get_visible (gh_gui_test_get (window, "connect-spinner")));
  g_assert_false (gtk_widget_is_sensitive (gh_gui_test_get (window, "url-row")));
  wait_on_server (test, second.url);
  assert_every_page_on (test, second.url, kid);

  /* In the test keyring, under the server's URL */
  stored = secret_password_lookup_sync (&token_schema, NULL, &error, "server", second.url, NULL);
  g_assert_no_error (error);
  g_assert_cmpstr (stored, ==, second.token);
  /* ... and in no setting, no file of the test's HOME or data folders */
  assert_not_in_settings (second.token);
  assert_not_in_files (g_get_home_dir (), second.token);
  assert_not_in_files (test->tmp, second.token);

  recent = g_settings_get_strv (settings, "recent-connections");
  g_assert_cmpstr (recent[0], ==, second.url);
  g_assert_true (menu_offers (test->window, second.url));

  /* Back to the first server, then the recent item: the stored token, no window asked */
  gh_window_set_connection (test->window, test->connection);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (test->window), "win.connect-recent",
                                             "s", second.url));
  wait_on_server (test, second.url);
  g_assert_null (gh_gui_test_find_window ("connect-window"));
  g_assert_cmpstr (gh_connection_get_credential (gh_window_get_connection (test->window)), ==,
                   second.token);
  g_assert_true (gh_gui_test_wait (second_project_listed, test->window));

  secret_password_clear_sync (&token_schema, NULL, NULL, "server", second.url, NULL);
  second_clear (&second);
}

/* Each reason in place, the window staying where it was: a wrong token (the server's 401),
 * no admin API, a name that does not resolve, nothing listening. */
static void
test_remote_errors (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_autofree char *url = NULL;
  Second second = { 0 };
  GtkWidget *window;
  const char *shown;

  second_prepare (&second, test, "second");
  second.process = gh_test_process_start (gh_test_server_binary (), second.dir, "second");
  window = open_connect_window (test);
  fill_in (window, second.process->base, "ghat_not-a-token-of-this-server", FALSE);
  shown = connect_expecting_error (window);
  g_test_message ("shown: %s", shown);
  g_assert_nonnull (strstr (shown, "admin token was refused"));
  g_assert_nonnull (strstr (shown, "401"));
  g_assert_false (gtk_widget_get_visible (gh_gui_test_get (window, "certificate-group")));
  g_assert_true (gh_window_get_connection (test->window) == test->connection);

  /* A web server, but no admin API there */
  url = g_strconcat (second.process->base, "/not-gatehouse", NULL);
  fill_in (window, url, second.token, FALSE);
  shown = connect_expecting_error (window);
  g_test_message ("shown: %s", shown);
  g_assert_nonnull (strstr (shown, "Not a Gatehouse server"));

  /* A name that does not resolve */
  fill_in (window, "http://gatehouse.invalid:8443", second.token, FALSE);
  shown = connect_expecting_error (window);
  g_test_message ("shown: %s", shown);
  g_assert_nonnull (strstr (shown, "DNS"));

  /* Nothing listening there at all */
  gh_test_process_stop_clean (g_steal_pointer (&second.process));
  fill_in (window, "http://127.0.0.1:1", second.token, FALSE);
  shown = connect_expecting_error (window);
  g_assert_nonnull (strstr (shown, "Connection refused"));

  gtk_window_destroy (GTK_WINDOW (window));
  second_clear (&second);
}

static char *
fingerprint_of (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  g_autofree char *hex = NULL;
  GString *text = g_string_new (NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  for (guint i = 0; hex[i] != '\0'; i += 2)
    g_string_append_printf (text, "%s%c%c", i > 0 ? ":" : "", g_ascii_toupper (hex[i]),
                            g_ascii_toupper (hex[i + 1]));
  return g_string_free (text, FALSE);
}

static const char *
row_value (GtkWidget  *window,
           const char *name)
{
  return gh_property_row_get_value (GH_PROPERTY_ROW (gh_gui_test_get (window, name)));
}

static gboolean
stream_connected (gpointer data)
{
  GhAdminClient *client = gh_connection_get_admin_client (gh_window_get_connection (data));

  return client != NULL && gh_admin_client_get_stream_state (client) == GH_ADMIN_STREAM_CONNECTED;
}

static void
assert_certificate_refused (GtkWidget       *window,
                            GTlsCertificate *certificate)
{
  g_autofree char *fingerprint = fingerprint_of (certificate);
  const char *shown = connect_expecting_error (window);

  g_test_message ("shown: %s", shown);
  g_assert_nonnull (strstr (shown, "Certificate problem"));
  g_assert_true (gtk_widget_get_mapped (gh_gui_test_get (window, "certificate-group")));
  g_assert_true (gtk_widget_get_mapped (gh_gui_test_get (window, "trust-button")));
  g_assert_cmpstr (row_value (window, "fingerprint-row"), ==, fingerprint);
  g_assert_nonnull (strstr (row_value (window, "problems-row"), "unknown CA"));
  g_assert_nonnull (strstr (row_value (window, "issuer-row"), "Gatehouse Test CA"));
  g_assert_nonnull (strstr (row_value (window, "subject-row"), "CN="));
  g_assert_nonnull (strstr (row_value (window, "not-before-row"), "UTC"));
  g_assert_nonnull (strstr (row_value (window, "not-after-row"), "UTC"));
}

/* https with a certificate the system does not trust: shown, refused until trusted, then
 * accepted (calls and event stream); a different certificate there is refused again. */
static void
test_remote_untrusted_certificate (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_autoptr(GhTestCertificates) certificates = gh_test_certificates_new ();
  g_autofree char *issuer = NULL;
  Second second = { 0 };
  GtkWidget *window;
  guint16 port;

  second_prepare (&second, test, "second");
  second.process = start_tls_server (second.dir, certificates->localhost, 0);
  second.url = g_strdup (second.process->base);
  port = second.process->port;

  window = open_connect_window (test);
  fill_in (window, second.url, second.token, FALSE);
  assert_certificate_refused (window, certificates->localhost);
  screenshot (test, window, "certificate");
  g_assert_true (gh_window_get_connection (test->window) == test->connection);

  /* Another address typed: that certificate's details and Trust button go */
  gtk_editable_set_text (GTK_EDITABLE (gh_gui_test_get (window, "url-row")),
                         "https://localhost:1");
  g_assert_false (gtk_widget_get_visible (gh_gui_test_get (window, "certificate-group")));
  g_assert_false (gtk_widget_get_visible (gh_gui_test_get (window, "trust-button")));
  gtk_editable_set_text (GTK_EDITABLE (gh_gui_test_get (window, "url-row")), second.url);

  /* Connect again without trusting: refused again, not silently accepted */
  assert_certificate_refused (window, certificates->localhost);

  gh_gui_test_click (gh_gui_test_get (window, "trust-button"));
  wait_on_server (test, second.url);
  g_assert_true (gh_gui_test_wait (stream_connected, test->window));
  /* The overview shows the issuer as that server has it (its own address, not "localhost"):
   * read through the same trust */
  issuer = g_strdup_printf ("https://127.0.0.1:%u", port);
  assert_every_page_on (test, issuer, NULL);

  /* Another certificate at the same address: refused, whatever was trusted there before */
  gh_test_process_stop_clean (g_steal_pointer (&second.process));
  second.process = start_tls_server (second.dir, certificates->wrong_name, port);
  gh_window_set_connection (test->window, test->connection);
  window = open_connect_window (test);
  fill_in (window, second.url, second.token, FALSE);
  assert_certificate_refused (window, certificates->wrong_name);
  gtk_window_destroy (GTK_WINDOW (window));

  second_clear (&second);
}

static gboolean
chip_red (gpointer data)
{
  GhWindow *window = data;

  return gtk_widget_get_visible (gh_gui_test_get (GTK_WIDGET (window), "retry-button")) &&
         gh_connection_get_state (gh_window_get_connection (window)) ==
         GH_CONNECTION_STATE_FAILED;
}

static gboolean
chip_ready (gpointer data)
{
  GhWindow *window = data;

  return !gtk_widget_get_visible (gh_gui_test_get (GTK_WIDGET (window), "retry-button")) &&
         gh_connection_get_state (gh_window_get_connection (window)) ==
         GH_CONNECTION_STATE_READY;
}

/* The remote server stops: the chip turns red with Retry and the reason; it comes back on the
 * same port, and Retry brings the window back to it. */
static void
test_remote_unreachable_retry (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  GtkWidget *chip = gh_gui_test_get (GTK_WIDGET (test->window), "connection-button");
  GtkWidget *label = gh_gui_test_get (GTK_WIDGET (test->window), "connection-label");
  g_autofree char *stored = NULL;
  Second second = { 0 };
  GtkWidget *window;
  GhPage *overview;
  guint16 port;

  second_prepare (&second, test, "second");
  second.process = gh_test_process_start (gh_test_server_binary (), second.dir, "second");
  second.url = g_strdup (second.process->base);
  port = second.process->port;

  window = open_connect_window (test);
  fill_in (window, second.url, second.token, FALSE);
  gh_gui_test_click (gh_gui_test_get (window, "connect-button"));
  wait_on_server (test, second.url);
  g_assert_true (gh_gui_test_wait (stream_connected, test->window));
  g_assert_false (gtk_widget_has_css_class (chip, "error"));

  /* Remember was off: nothing in the keyring, so the recent item asks for the token */
  stored = secret_password_lookup_sync (&token_schema, NULL, NULL, "server", second.url, NULL);
  g_assert_null (stored);
  g_assert_true (menu_offers (test->window, second.url));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (test->window), "win.connect-recent",
                                             "s", second.url));
  g_assert_true (gh_gui_test_wait (connect_window_shown, NULL));
  window = gh_gui_test_find_window ("connect-window");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (gh_gui_test_get (window, "url-row"))),
                   ==, second.url);
  gtk_window_destroy (GTK_WINDOW (window));

  gh_test_process_stop_clean (g_steal_pointer (&second.process));
  g_assert_true (gh_gui_test_wait (chip_red, test->window));
  g_assert_true (gtk_widget_has_css_class (chip, "error"));
  g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (label)), "unreachable"));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (chip), "Connection refused"));

  /* Retry while it is still down: red again, with the reason */
  gh_gui_test_click (gh_gui_test_get (GTK_WIDGET (test->window), "retry-button"));
  g_assert_true (gh_gui_test_wait (chip_red, test->window));

  /* The overview says so too, and its Try Again asks the server again as well */
  overview = gh_gui_test_show_page (test, "overview");
  g_assert_true (gh_gui_test_label_shown (GTK_WIDGET (overview),
                                          "The Server Cannot Be Reached"));
  gh_gui_test_click (gh_gui_test_get (GTK_WIDGET (overview), "retry-start-button"));
  g_assert_cmpint (gh_connection_get_state (gh_window_get_connection (test->window)), ==,
                   GH_CONNECTION_STATE_STARTING);
  g_assert_true (gh_gui_test_wait (chip_red, test->window));

  second.process = gh_test_process_start_on (gh_test_server_binary (), second.dir, "second",
                                             port);
  gh_gui_test_click (gh_gui_test_get (GTK_WIDGET (test->window), "retry-button"));
  g_assert_true (gh_gui_test_wait (chip_ready, test->window));
  g_assert_false (gtk_widget_has_css_class (chip, "error"));
  g_assert_true (gh_gui_test_wait (second_project_listed, test->window));
  gh_gui_test_show_page (test, "overview");

  second_clear (&second);
}

int
main (int   argc,
      char *argv[])
{
  gh_gui_test_init (&argc, &argv);

  g_test_add_func ("/gui/remote/connect-remember", test_remote_connect_remember);
  g_test_add_func ("/gui/remote/errors", test_remote_errors);
  g_test_add_func ("/gui/remote/untrusted-certificate", test_remote_untrusted_certificate);
  g_test_add_func ("/gui/remote/unreachable-retry", test_remote_unreachable_retry);

  return g_test_run ();
}
