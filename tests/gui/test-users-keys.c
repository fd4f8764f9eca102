/* test-users-keys.c — the Users and Keys pages against a real server, and the preferences
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gh-gui-test.h"
#include "gh-preferences-window.h"

typedef struct
{
  GhGuiTest  *test;
  GtkWidget  *root;
  const char *text;
  const char *name;
  const char *value;
} Wait;

static gboolean
label_shown (gpointer data)
{
  Wait *wait = data;

  return gh_gui_test_label_shown (wait->root, wait->text);
}

static gboolean
label_gone (gpointer data)
{
  return !label_shown (data);
}

static gboolean
window_gone (gpointer data)
{
  Wait *wait = data;

  return gh_gui_test_find_window (wait->name) == NULL;
}

static gboolean
window_shown (gpointer data)
{
  Wait *wait = data;

  return gh_gui_test_find_window (wait->name) != NULL;
}

/* The user @wait->name as the server has it now, or NULL. */
static JsonObject *
server_user (GhGuiTest  *test,
             const char *username)
{
  g_autoptr(JsonObject) answer = gh_gui_test_admin (test, "GET", "/projects/default/users",
                                                    NULL);
  JsonArray *users = json_object_get_array_member (answer, "users");

  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);

      if (g_str_equal (json_object_get_string_member (user, "username"), username))
        return json_object_ref (user);
    }
  return NULL;
}

static gboolean
user_absent (gpointer data)
{
  Wait *wait = data;
  g_autoptr(JsonObject) user = server_user (wait->test, wait->name);

  return user == NULL;
}

static char *
server_setting (GhGuiTest  *test,
                const char *key)
{
  g_autoptr(JsonObject) project = gh_gui_test_admin (test, "GET", "/projects/default", NULL);

  return g_strdup (json_object_get_string_member (json_object_get_object_member (project,
                                                                                 "settings"),
                                                  key));
}

static gboolean
setting_is (gpointer data)
{
  Wait *wait = data;
  g_autofree char *value = server_setting (wait->test, wait->name);

  return g_strcmp0 (value, wait->value) == 0;
}

static void
set_claims (GtkWidget  *dialog,
            const char *json)
{
  GtkTextView *view = GTK_TEXT_VIEW (gh_gui_test_get (dialog, "claims-view"));

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (view), json, -1);
}

static const char *
claims_status (GtkWidget *dialog)
{
  return gtk_label_get_text (GTK_LABEL (gh_gui_test_get (dialog, "claims-status")));
}

/* What a click on @response's button does: the response, then the dialog closes. */
static void
respond (GtkWidget  *dialog,
         const char *response)
{
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), response);
  gtk_window_close (GTK_WINDOW (dialog));
}

/* A user added, edited and removed through the page reaches the server each time, and the
 * claims editor refuses what is not a JSON object, saying where and why, with Save off. */
static void
test_users_add_edit_remove (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_autoptr(JsonObject) added = NULL;
  g_autoptr(JsonObject) edited = NULL;
  GtkWidget *window = GTK_WIDGET (test->window);
  GtkWidget *dialog;
  GtkWidget *save;
  Wait wait = { test, window, NULL, NULL, NULL };

  gh_gui_test_show_page (test, "users");
  g_assert_true (gh_gui_test_label_shown (window, "dev"));

  /* Add */
  gh_gui_test_click (gh_gui_test_get (window, "add-user-button"));
  dialog = gh_gui_test_find_window ("user-dialog");
  g_assert_nonnull (dialog);
  save = gh_gui_test_get (dialog, "save-button");
  g_assert_false (gtk_widget_get_sensitive (save));  /* no user name yet */
  gtk_editable_set_text (GTK_EDITABLE (gh_gui_test_get (dialog, "username-row")), "grace");
  gtk_editable_set_text (GTK_EDITABLE (gh_gui_test_get (dialog, "name-row")), "Grace Hopper");
  set_claims (dialog, "{\"groups\": [\"navy\"]}");
  g_assert_true (gtk_widget_get_sensitive (save));
  gh_gui_test_click (save);
  wait.name = "user-dialog";
  g_assert_true (gh_gui_test_wait (window_gone, &wait));
  wait.text = "grace";
  g_assert_true (gh_gui_test_wait (label_shown, &wait));
  added = server_user (test, "grace");
  g_assert_nonnull (added);
  g_assert_cmpstr (json_object_get_string_member (added, "name"), ==, "Grace Hopper");
  g_assert_cmpstr (json_array_get_string_element (
                     json_object_get_array_member (json_object_get_object_member (added,
                                                                                  "claims"),
                                                   "groups"), 0), ==, "navy");
  wait.text = "Grace Hopper · claims: groups";
  g_assert_true (gh_gui_test_wait (label_shown, &wait));

  /* Edit: invalid JSON says where and why and keeps Save off; an array is not claims. */
  gh_gui_test_click (gh_gui_test_get (window, "edit-grace"));
  dialog = gh_gui_test_find_window ("user-dialog");
  g_assert_nonnull (dialog);
  save = gh_gui_test_get (dialog, "save-button");
  g_assert_true (gtk_widget_get_sensitive (save));
  set_claims (dialog, "{\"groups\": [}");
  g_assert_false (gtk_widget_get_sensitive (save));
  g_assert_cmpstr (claims_status (dialog), ==,
                   "Line 1, column 13: unexpected character “}”, expected character “]”");
  g_assert_true (gtk_widget_has_css_class (gh_gui_test_get (dialog, "claims-status"), "error"));
  set_claims (dialog, "[1, 2]");
  g_assert_false (gtk_widget_get_sensitive (save));
  g_assert_nonnull (strstr (claims_status (dialog), "must be a JSON object"));
  set_claims (dialog, "{\"locale\": \"fr\"}");
  g_assert_true (gtk_widget_get_sensitive (save));
  g_assert_cmpstr (claims_status (dialog), ==, "Valid JSON object");
  gh_gui_test_click (save);
  g_assert_true (gh_gui_test_wait (window_gone, &wait));
  wait.text = "Grace Hopper · claims: locale";
  g_assert_true (gh_gui_test_wait (label_shown, &wait));
  edited = server_user (test, "grace");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (edited,
                                                                                 "claims"),
                                                  "locale"), ==, "fr");
  g_assert_false (json_object_has_member (json_object_get_object_member (edited, "claims"),
                                          "groups"));

  /* A claim the server sets itself: its refusal shows in the dialog, which stays open. */
  gh_gui_test_click (gh_gui_test_get (window, "edit-grace"));
  dialog = gh_gui_test_find_window ("user-dialog");
  set_claims (dialog, "{\"sub\": \"someone-else\"}");
  gh_gui_test_click (gh_gui_test_get (dialog, "save-button"));
  wait.root = dialog;
  wait.text = "sub";
  g_assert_true (gh_gui_test_wait ((gboolean (*) (gpointer)) gtk_widget_get_visible,
                                   gh_gui_test_get (dialog, "server-error")));
  g_assert_nonnull (gh_gui_test_find_window ("user-dialog"));
  gtk_window_close (GTK_WINDOW (dialog));
  g_assert_true (gh_gui_test_wait (window_gone, &wait));
  wait.root = window;

  /* Remove, after the confirmation */
  gh_gui_test_click (gh_gui_test_get (window, "remove-grace"));
  dialog = gh_gui_test_find_window ("remove-user-dialog");
  g_assert_nonnull (dialog);
  respond (dialog, "remove");
  wait.name = "grace";
  g_assert_true (gh_gui_test_wait (user_absent, &wait));
  wait.text = "grace";
  g_assert_true (gh_gui_test_wait (label_gone, &wait));
}

/* The auto-approve choice is the project's auto_approve_user, both ways, and the user it
 * names carries a badge. */
static void
test_users_auto_approve (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_autoptr(JsonObject) added = NULL;
  GtkWidget *window = GTK_WIDGET (test->window);
  AdwComboRow *row;
  GListModel *model;
  guint dev = G_MAXUINT;
  Wait wait = { test, window, NULL, "auto_approve_user", NULL };

  /* Another page opens a user: the page shows, its row focused. */
  g_assert_true (gtk_widget_activate_action (window, "win.open", "(ss)", "users", "user:dev"));
  g_assert_true (gh_gui_test_wait_settled (gh_window_get_page (test->window, "users")));
  gh_gui_test_run_for (100);
  g_assert_true (gtk_widget_has_focus (gh_gui_test_get (window, "user-dev")));

  row = ADW_COMBO_ROW (gh_gui_test_get (window, "auto-approve-row"));
  model = adw_combo_row_get_model (row);
  g_assert_cmpuint (adw_combo_row_get_selected (row), ==, 0);
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (model), 0), ==,
                   "Nobody — ask for consent");
  g_assert_false (gh_gui_test_label_shown (window, "Auto-approve"));
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (model), i), "dev"))
      dev = i;
  g_assert_cmpuint (dev, !=, G_MAXUINT);

  adw_combo_row_set_selected (row, dev);
  wait.value = "dev";
  g_assert_true (gh_gui_test_wait (setting_is, &wait));
  wait.text = "Auto-approve";
  g_assert_true (gh_gui_test_wait (label_shown, &wait));

  adw_combo_row_set_selected (ADW_COMBO_ROW (gh_gui_test_get (window, "auto-approve-row")), 0);
  wait.value = "";
  g_assert_true (gh_gui_test_wait (setting_is, &wait));
  g_assert_true (gh_gui_test_wait (label_gone, &wait));

  /* A user added elsewhere (here: the admin API, as the CLI or another console would) shows
   * up from the live event stream, and in the choice. */
  g_clear_pointer (&added, json_object_unref);
  added = gh_gui_test_admin (test, "POST", "/projects/default/users",
                             "{\"username\": \"linus\"}");
  wait.text = "linus";
  g_assert_true (gh_gui_test_wait (label_shown, &wait));
  model = adw_combo_row_get_model (ADW_COMBO_ROW (gh_gui_test_get (window, "auto-approve-row")));
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (model),
                                               g_list_model_get_n_items (model) - 1), ==,
                   "linus");
}

/* Ctrl+F (win.search) and the header's button open a search that keeps the users whose user
 * name, name or email holds the text, whatever its case; none: a page that says so; Escape
 * closes it and lists them all again. */
static void
test_users_search (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_autoptr(JsonObject) ada = gh_gui_test_admin (test, "POST", "/projects/default/users",
                                                 "{\"username\": \"ada\", \"name\": "
                                                 "\"Ada Lovelace\", \"email\": "
                                                 "\"ada@engine.example\"}");
  g_autoptr(JsonObject) alan = gh_gui_test_admin (test, "POST", "/projects/default/users",
                                                  "{\"username\": \"alan\", \"name\": "
                                                  "\"Alan Turing\", \"email\": "
                                                  "\"alan@bletchley.example\"}");
  GtkWidget *window = GTK_WIDGET (test->window);
  const char *all[] = { "user-ada", "user-alan", "users-no-results-page", NULL };
  GtkWidget *bar;

  gh_gui_test_show_page (test, "users");
  bar = gh_gui_test_get (window, "users-search-bar");
  g_assert_true (gh_gui_test_search (window, "users-search-entry", "", all,
                                     (const char *[]) { "user-ada", "user-alan", NULL }));
  g_assert_false (gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (bar)));

  gtk_widget_activate_action (window, "win.search", NULL);
  g_assert_true (gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (bar)));
  g_assert_true (gh_gui_test_search (window, "users-search-entry", "LOVELACE", all,
                                     (const char *[]) { "user-ada", NULL }));
  g_assert_true (gh_gui_test_search (window, "users-search-entry", "bletchley", all,
                                     (const char *[]) { "user-alan", NULL }));
  g_assert_true (gh_gui_test_search (window, "users-search-entry", "a", all,
                                     (const char *[]) { "user-ada", "user-alan", NULL }));
  g_assert_true (gh_gui_test_search (window, "users-search-entry", "grace", all,
                                     (const char *[]) { "users-no-results-page", NULL }));
  g_assert_true (gh_gui_test_text_shown (gh_gui_test_get (window, "users-no-results-page"),
                                         "No users match “grace”"));

  g_signal_emit_by_name (gh_gui_test_get (window, "users-search-entry"), "stop-search");
  g_assert_false (gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (bar)));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (gh_gui_test_get (window,
                                                                          "users-search-entry"))),
                   ==, "");
  g_assert_true (gh_gui_test_search (window, "users-search-entry", "", all,
                                     (const char *[]) { "user-ada", "user-alan", NULL }));

  gh_gui_test_click (gh_gui_test_get (window, "users-search-button"));
  g_assert_true (gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (bar)));
}

/* The kid of the key the server signs with now. */
static char *
signing_kid (GhGuiTest *test)
{
  g_autoptr(JsonObject) answer = gh_gui_test_admin (test, "GET", "/keys", NULL);
  JsonArray *keys = json_object_get_array_member (answer, "keys");

  for (guint i = 0; i < json_array_get_length (keys); i++)
    {
      JsonObject *key = json_array_get_object_element (keys, i);

      if (g_str_equal (json_object_get_string_member (key, "phase"), "signing"))
        return g_strdup (json_object_get_string_member (key, "kid"));
    }
  return NULL;
}

static gboolean
signing_kid_changed (gpointer data)
{
  Wait *wait = data;
  g_autofree char *kid = signing_kid (wait->test);

  return g_strcmp0 (kid, wait->value) != 0;
}

/* When the signing key became active (seconds since the epoch). */
static gint64
signing_key_active_from (GhGuiTest *test)
{
  g_autoptr(JsonObject) answer = gh_gui_test_admin (test, "GET", "/keys", NULL);
  JsonArray *keys = json_object_get_array_member (answer, "keys");

  for (guint i = 0; i < json_array_get_length (keys); i++)
    {
      JsonObject *key = json_array_get_object_element (keys, i);

      if (g_str_equal (json_object_get_string_member (key, "phase"), "signing"))
        return json_object_get_int_member (key, "active_from");
    }
  g_error ("no signing key in GET /keys");
}

/* Until the signing key has been active for a whole second: replaced within the second it
 * became active, a key counts as never used ("Unused"), not "Retiring" (times are whole
 * seconds). Read once, then the clock: asking the server at every turn of the loop opened a
 * connection each, past the server's limit for one address under a loaded machine. */
static void
wait_signing_key_a_second_old (GhGuiTest *test)
{
  gint64 active_from = signing_key_active_from (test);
  gint64 now = g_get_real_time ();

  if (now / G_USEC_PER_SEC <= active_from)
    gh_gui_test_run_for ((guint) (((active_from + 1) * G_USEC_PER_SEC - now) / 1000 + 50));
  g_assert_cmpint (g_get_real_time () / G_USEC_PER_SEC, >, active_from);
}

/* Every key of GET /keys is listed with its algorithm and state; Rotate, once confirmed
 * ("Rotate Now"), makes another key the signing one, and the page and a toast say which. */
static void
test_keys_list_and_rotate (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_autoptr(JsonObject) answer = gh_gui_test_admin (test, "GET", "/keys", NULL);
  g_autofree char *before = signing_kid (test);
  g_autofree char *after = NULL;
  g_autofree char *toast = NULL;
  GtkWidget *window = GTK_WIDGET (test->window);
  JsonArray *keys = json_object_get_array_member (answer, "keys");
  GtkWidget *dialog;
  Wait wait = { test, window, NULL, "rotate-keys-dialog", before };

  g_assert_nonnull (before);
  gh_gui_test_show_page (test, "keys");
  g_assert_cmpuint (json_array_get_length (keys), >, 0);
  for (guint i = 0; i < json_array_get_length (keys); i++)
    {
      JsonObject *key = json_array_get_object_element (keys, i);

      g_assert_true (gh_gui_test_label_shown (window, json_object_get_string_member (key,
                                                                                     "kid")));
    }
  g_assert_true (gh_gui_test_label_shown (window, "Active"));
  g_assert_true (gh_gui_test_label_shown (window, "ES256"));

  /* Cancel changes nothing. */
  gh_gui_test_click (gh_gui_test_get (window, "rotate-button"));
  dialog = gh_gui_test_find_window ("rotate-keys-dialog");
  g_assert_nonnull (dialog);
  respond (dialog, "cancel");
  g_assert_true (gh_gui_test_wait (window_gone, &wait));
  gh_gui_test_run_for (200);
  after = signing_kid (test);
  g_assert_cmpstr (after, ==, before);
  g_clear_pointer (&after, g_free);

  wait_signing_key_a_second_old (test);
  gh_gui_test_click (gh_gui_test_get (window, "rotate-button"));
  g_assert_true (gh_gui_test_wait (window_shown, &wait));
  dialog = gh_gui_test_find_window ("rotate-keys-dialog");
  respond (dialog, "now");
  g_assert_true (gh_gui_test_wait (signing_kid_changed, &wait));
  after = signing_kid (test);

  /* The new key is listed as the active one, the old one as retiring; the toast names it. */
  wait.text = after;
  g_assert_true (gh_gui_test_wait (label_shown, &wait));
  toast = g_strdup_printf ("Key %s is active now", after);
  wait.text = toast;
  g_assert_true (gh_gui_test_wait (label_shown, &wait));
  /* (The key.rotated event reloads the list once more: wait for its rows.) */
  wait.text = "Retiring";
  g_assert_true (gh_gui_test_wait (label_shown, &wait));
  wait.text = before;
  g_assert_true (gh_gui_test_wait (label_shown, &wait));
}

/* ---- preferences ------------------------------------------------------------------- */

/* Each row writes its GSettings key (and follows it), and the color scheme applies at once. */
static void
test_preferences (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  AdwStyleManager *style = adw_style_manager_get_default ();
  g_autofree char *data_dir = NULL;
  GtkWidget *window;
  GtkWidget *row;
  guint16 port = 0;

  gh_preferences_follow_color_scheme (settings);
  g_assert_cmpint (adw_style_manager_get_color_scheme (style), ==, ADW_COLOR_SCHEME_DEFAULT);

  window = gh_preferences_window_new (NULL, settings, NULL);
  gtk_window_present (GTK_WINDOW (window));
  gh_gui_test_run_for (100);
  g_assert_nonnull (gh_gui_test_find_window ("preferences-window"));

  /* Port */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (gh_gui_test_get (window, "port-spin")), 8555);
  g_settings_get (settings, "server-port", "q", &port);
  g_assert_cmpuint (port, ==, 8555);
  g_settings_set (settings, "server-port", "q", 0);
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (gh_gui_test_get (window,
                                                                                  "port-spin"))),
                     ==, 0);
  /* No embedded server here: nothing to restart. */
  g_assert_false (gtk_widget_get_visible (gh_gui_test_get (window, "restart-row")));

  /* Start at launch */
  g_assert_true (g_settings_get_boolean (settings, "start-server"));
  gtk_switch_set_active (GTK_SWITCH (gh_gui_test_get (window, "start-switch")), FALSE);
  g_assert_false (g_settings_get_boolean (settings, "start-server"));

  /* Data folder: the default named, a chosen one shown with a way back to the default. */
  row = gh_gui_test_get (window, "data-dir-row");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)),
                            "(the default)"));
  g_assert_false (gtk_widget_get_visible (gh_gui_test_get (window, "reset-data-dir-button")));
  data_dir = g_build_filename (g_get_tmp_dir (), "gatehouse-elsewhere", NULL);
  g_settings_set_string (settings, "data-dir", data_dir);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, data_dir);
  g_assert_true (gtk_widget_get_visible (gh_gui_test_get (window, "reset-data-dir-button")));
  gh_gui_test_click (gh_gui_test_get (window, "reset-data-dir-button"));
  {
    g_autofree char *reset = g_settings_get_string (settings, "data-dir");

    g_assert_cmpstr (reset, ==, "");
  }

  /* Color scheme: the setting, and the style manager at once */
  row = gh_gui_test_get (window, "color-scheme-row");
  adw_combo_row_set_selected (ADW_COMBO_ROW (row), 2);
  g_assert_cmpint (g_settings_get_enum (settings, "color-scheme"), ==, 2);
  g_assert_cmpint (adw_style_manager_get_color_scheme (style), ==, ADW_COLOR_SCHEME_FORCE_DARK);
  g_assert_true (adw_style_manager_get_dark (style));
  adw_combo_row_set_selected (ADW_COMBO_ROW (row), 1);
  g_assert_cmpint (adw_style_manager_get_color_scheme (style), ==,
                   ADW_COLOR_SCHEME_FORCE_LIGHT);
  g_settings_reset (settings, "color-scheme");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (row)), ==, 0);
  g_assert_cmpint (adw_style_manager_get_color_scheme (style), ==, ADW_COLOR_SCHEME_DEFAULT);

  gtk_window_destroy (GTK_WINDOW (window));
  g_settings_reset (settings, "start-server");
}

int
main (int   argc,
      char *argv[])
{
  gh_gui_test_init (&argc, &argv);

  g_test_add_func ("/gui/users/add-edit-remove", test_users_add_edit_remove);
  g_test_add_func ("/gui/users/auto-approve", test_users_auto_approve);
  g_test_add_func ("/gui/users/search", test_users_search);
  g_test_add_func ("/gui/keys/list-and-rotate", test_keys_list_and_rotate);
  g_test_add_func ("/gui/preferences/settings", test_preferences);

  return g_test_run ();
}
