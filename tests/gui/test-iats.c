/* test-iats.c — the Initial access tokens page: issue (shown once), register with the shown
 * command, close, revoke, rejected uses
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-gui-test.h"

/* The harness's server is the production profile (DCR disabled): these tokens are asked for
 * in initial_access_token mode only. */
static GhGuiTest *
iat_test_new (void)
{
  GhGuiTest *test = gh_gui_test_new ();
  g_autoptr(JsonObject) patched =
    gh_gui_test_admin (test, "PATCH", "/projects/default",
                       "{\"dcr_mode\": \"initial_access_token\"}");

  return test;
}

static JsonArray *
admin_iats (GhGuiTest *test)
{
  g_autoptr(JsonObject) answer = gh_gui_test_admin (test, "GET", "/projects/default/iats", NULL);

  return json_array_ref (json_object_get_array_member (answer, "initial_access_tokens"));
}

/* TRUE when a label or an editable of any window (the test's included) holds @secret. */
static gboolean
widget_holds (GtkWidget  *widget,
              const char *secret)
{
  const char *text = NULL;

  if (GTK_IS_LABEL (widget))
    text = gtk_label_get_label (GTK_LABEL (widget));
  else if (GTK_IS_EDITABLE (widget))
    text = gtk_editable_get_text (GTK_EDITABLE (widget));
  if (text != NULL && strstr (text, secret) != NULL)
    return TRUE;
  if (GTK_IS_WINDOW (widget) && gtk_window_get_title (GTK_WINDOW (widget)) != NULL &&
      strstr (gtk_window_get_title (GTK_WINDOW (widget)), secret) != NULL)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (widget_holds (child, secret))
      return TRUE;
  return FALSE;
}

static gboolean
any_window_holds (const char *secret)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (widget_holds (window, secret))
        return TRUE;
    }
  return FALSE;
}

/* A window named @data (a const char *) is shown / not. */
static gboolean
window_shown (gpointer data)
{
  return gh_gui_test_find_window (data) != NULL;
}

static gboolean
window_gone (gpointer data)
{
  return gh_gui_test_find_window (data) == NULL;
}

static gboolean
token_shown (gpointer data)
{
  GtkWidget *window = gh_gui_test_find_window ("iat-issue-window");

  return window != NULL &&
         g_str_has_prefix (gtk_label_get_label (GTK_LABEL (gh_gui_test_get (window,
                                                                            "token-label"))),
                           "iatk_");
}

/* What a wait looks for: @text (the whole of a label when @exact, else part of one) under
 * @root, or under the widget named @name there (rows are rebuilt on each reload). */
typedef struct
{
  GtkWidget  *root;
  const char *name;
  const char *text;
  gboolean    exact;
} ShownData;

static gboolean
shown_cb (gpointer data)
{
  ShownData *shown = data;
  GtkWidget *widget = shown->name != NULL ? gh_gui_test_find (shown->root, shown->name)
                                          : shown->root;

  if (widget == NULL)
    return FALSE;
  return shown->exact ? gh_gui_test_label_shown (widget, shown->text)
                      : gh_gui_test_text_shown (widget, shown->text);
}

static void
assert_shows (GtkWidget  *root,
              const char *name,
              const char *text,
              gboolean    exact)
{
  ShownData shown = { root, name, text, exact };

  if (!gh_gui_test_wait (shown_cb, &shown))
    {
      g_autofree char *labels = gh_gui_test_dump_labels (root);

      g_error ("%s does not show “%s”; the labels are:\n%s", name != NULL ? name : "the window",
               text, labels);
    }
}

#define assert_label_appears(root, text) assert_shows ((root), NULL, (text), TRUE)
#define assert_text_appears(root, text) assert_shows ((root), NULL, (text), FALSE)
#define assert_row_shows(root, name, text) assert_shows ((root), (name), (text), FALSE)

/* Opens the issue window from the header, fills it in and issues: the window, with its token
 * shown. */
static GtkWidget *
issue_through_window (GhGuiTest  *test,
                      const char *label,
                      const char *prefix)
{
  GtkWidget *window;

  gh_gui_test_click (gh_gui_test_get (GTK_WIDGET (test->window), "issue-token-button"));
  g_assert_true (gh_gui_test_wait (window_shown, (gpointer) "iat-issue-window"));
  window = gh_gui_test_find_window ("iat-issue-window");
  gtk_editable_set_text (GTK_EDITABLE (gh_gui_test_get (window, "label-row")), label);
  if (prefix != NULL)
    gtk_editable_set_text (GTK_EDITABLE (gh_gui_test_get (window, "prefix-row")), prefix);
  /* Pin a public client. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (gh_gui_test_get (window, "auth-row")), 1);
  gh_gui_test_click (gh_gui_test_get (window, "issue-button"));
  g_assert_true (gh_gui_test_wait (token_shown, NULL));
  return window;
}

/* Runs the command as shown, through sh and the real curl: the server's answer. */
static JsonObject *
run_command (const char *command)
{
  const char *argv[] = { "sh", "-c", command, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  if (!json_parser_load_from_data (parser, out, -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    g_error ("the command printed no JSON object: %s / %s", out, err);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* Issuing shows the token once, the list gains it (as the server says), the shown command
 * registers a client, and once the window closes no widget anywhere holds the token. */
static void
test_iats_issue_register_forget (void)
{
  g_autoptr(GhGuiTest) test = iat_test_new ();
  GtkWidget *main_window = GTK_WIDGET (test->window);
  g_autoptr(JsonArray) iats = NULL;
  g_autoptr(JsonObject) registered = NULL;
  g_autoptr(JsonObject) client = NULL;
  g_autofree char *token = NULL;
  g_autofree char *command = NULL;
  g_autofree char *clipboard = NULL;
  g_autofree char *client_path = NULL;
  g_autofree char *row_name = NULL;
  g_autoptr(GtkWidget) token_label = NULL;
  g_autoptr(GtkWidget) command_label = NULL;
  GhPage *page;
  GtkWidget *window;
  JsonObject *iat;

  page = gh_gui_test_show_page (test, "iats");
  g_assert_true (gh_gui_test_label_shown (main_window, "No Initial Access Tokens"));
  g_assert_cmpuint (gh_page_get_badge (page), ==, 0);

  window = issue_through_window (test, "for Alice", "http://127.0.0.1:8976/");
  token = g_strdup (gtk_label_get_label (GTK_LABEL (gh_gui_test_get (window, "token-label"))));
  g_assert_true (gh_gui_test_text_shown (window, "You will not see this token again"));

  /* The server has it, and so does the list behind the window. */
  iats = admin_iats (test);
  g_assert_cmpuint (json_array_get_length (iats), ==, 1);
  iat = json_array_get_object_element (iats, 0);
  g_assert_cmpstr (json_object_get_string_member (iat, "label"), ==, "for Alice");
  g_assert_cmpstr (json_object_get_string_member (iat, "state"), ==, "active");
  /* The window's defaults: one day, one use. */
  g_assert_cmpint (json_object_get_int_member (iat, "expires_at") -
                   json_object_get_int_member (iat, "created_at"), ==, 86400);
  g_assert_cmpint (json_object_get_int_member (iat, "max_uses"), ==, 1);
  row_name = g_strconcat ("iat-row-", json_object_get_string_member (iat, "id"), NULL);
  assert_label_appears (main_window, "for Alice");
  g_assert_nonnull (gh_gui_test_find (main_window, row_name));
  assert_label_appears (main_window, "Active");
  g_assert_cmpuint (gh_page_get_badge (page), ==, 1);

  /* The command as shown registers a client with the token. */
  command = g_strdup (gtk_label_get_label (GTK_LABEL (gh_gui_test_get (window,
                                                                       "command-label"))));
  g_assert_nonnull (strstr (command, token));
  g_assert_true (g_str_has_prefix (command, "curl -s -X POST "));
  registered = run_command (command);
  g_assert_true (json_object_has_member (registered, "client_id"));
  g_assert_cmpstr (json_object_get_string_member (registered, "token_endpoint_auth_method"),
                   ==, "none");
  client_path = g_strconcat ("/projects/default/clients/",
                             json_object_get_string_member (registered, "client_id"), NULL);
  client = gh_gui_test_admin (test, "GET", client_path, NULL);
  /* Its one use is gone: the list follows the event stream. */
  assert_label_appears (main_window, "Used Up");
  g_assert_cmpuint (gh_page_get_badge (page), ==, 0);

  /* Held past the window's end: what they showed must be gone from them too. */
  token_label = g_object_ref (gh_gui_test_get (window, "token-label"));
  command_label = g_object_ref (gh_gui_test_get (window, "command-label"));

  /* Copied: closing does not ask. */
  gh_gui_test_click (gh_gui_test_get (window, "copy-command-button"));
  clipboard = gh_gui_test_clipboard (window);
  g_assert_cmpstr (clipboard, ==, command);
  gh_gui_test_click (gh_gui_test_get (window, "done-button"));
  g_assert_true (gh_gui_test_wait (window_gone, (gpointer) "iat-issue-window"));
  g_assert_null (gh_gui_test_find_window ("iat-close-dialog"));
  gh_gui_test_run_for (100);
  g_assert_false (any_window_holds (token));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (token_label)), ==, "");
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (command_label)), ==, "");
}

/* The button of @dialog whose label is @label, clicked as a user does. */
static GtkWidget *
find_button (GtkWidget  *widget,
             const char *label)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
respond (const char *dialog_name,
         const char *label)
{
  GtkWidget *dialog = gh_gui_test_find_window (dialog_name);
  GtkWidget *button;

  g_assert_nonnull (dialog);
  button = find_button (dialog, label);
  g_assert_nonnull (button);
  gh_gui_test_click (button);
}

/* Closing before anything was copied asks; keeping it open keeps the token, closing forgets
 * it. */
static void
test_iats_close_without_copying_asks (void)
{
  g_autoptr(GhGuiTest) test = iat_test_new ();
  g_autofree char *token = NULL;
  g_autoptr(GtkWidget) token_label = NULL;
  GtkWidget *window;
  GtkWidget *dialog;

  gh_gui_test_show_page (test, "iats");
  window = issue_through_window (test, "for Bob", NULL);
  token_label = g_object_ref (gh_gui_test_get (window, "token-label"));
  token = g_strdup (gtk_label_get_label (GTK_LABEL (token_label)));

  gh_gui_test_click (gh_gui_test_get (window, "done-button"));
  g_assert_true (gh_gui_test_wait (window_shown, (gpointer) "iat-close-dialog"));
  dialog = gh_gui_test_find_window ("iat-close-dialog");
  g_assert_true (gh_gui_test_text_shown (dialog, "has not been copied"));
  respond ("iat-close-dialog", "_Keep Open");
  g_assert_true (gh_gui_test_wait (window_gone, (gpointer) "iat-close-dialog"));
  g_assert_nonnull (gh_gui_test_find_window ("iat-issue-window"));
  g_assert_true (any_window_holds (token));

  /* The window's own close button (Escape, the window manager) asks too. */
  gtk_window_close (GTK_WINDOW (window));
  g_assert_true (gh_gui_test_wait (window_shown, (gpointer) "iat-close-dialog"));
  respond ("iat-close-dialog", "_Close");
  g_assert_true (gh_gui_test_wait (window_gone, (gpointer) "iat-issue-window"));
  gh_gui_test_run_for (100);
  g_assert_false (any_window_holds (token));
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (token_label)), ==, "");
}

typedef struct
{
  GhGuiTest  *test;
  const char *state;
} StateData;

static gboolean
server_state_is (gpointer data)
{
  StateData *wanted = data;
  g_autoptr(JsonArray) iats = admin_iats (wanted->test);

  return g_strcmp0 (json_object_get_string_member (json_array_get_object_element (iats, 0),
                                                   "state"), wanted->state) == 0;
}

/* Revoking asks first (Cancel keeps it), then the server has it revoked and the row says so. */
static void
test_iats_revoke_asks (void)
{
  g_autoptr(GhGuiTest) test = iat_test_new ();
  g_autoptr(JsonObject) issued =
    gh_gui_test_admin (test, "POST", "/projects/default/iats",
                       "{\"label\": \"to revoke\", \"max_uses\": 3}");
  const char *id = json_object_get_string_member (
      json_object_get_object_member (issued, "initial_access_token"), "id");
  g_autofree char *row_name = g_strconcat ("iat-row-", id, NULL);
  GtkWidget *main_window = GTK_WIDGET (test->window);
  StateData revoked = { test, "revoked" };
  GtkWidget *row;
  GtkWidget *dialog;

  gh_gui_test_show_page (test, "iats");
  assert_row_shows (main_window, row_name, "3 of 3 uses left");
  assert_row_shows (main_window, row_name, "Expires in 23 h 59 min");
  /* Settled: no reload in flight replaces the row under the click. */
  gh_gui_test_run_for (500);
  g_assert_true (gh_gui_test_wait_settled (gh_window_get_page (test->window, "iats")));

  row = gh_gui_test_get (main_window, row_name);
  gh_gui_test_click (gh_gui_test_get (row, "revoke-button"));
  g_assert_true (gh_gui_test_wait (window_shown, (gpointer) "iat-revoke-dialog"));
  dialog = gh_gui_test_find_window ("iat-revoke-dialog");
  g_assert_true (gh_gui_test_text_shown (dialog, "Revoke “to revoke”?"));
  respond ("iat-revoke-dialog", "_Cancel");
  g_assert_true (gh_gui_test_wait (window_gone, (gpointer) "iat-revoke-dialog"));
  gh_gui_test_run_for (300);
  g_assert_true (server_state_is (&(StateData) { test, "active" }));

  row = gh_gui_test_get (main_window, row_name);
  gh_gui_test_click (gh_gui_test_get (row, "revoke-button"));
  g_assert_true (gh_gui_test_wait (window_shown, (gpointer) "iat-revoke-dialog"));
  respond ("iat-revoke-dialog", "_Revoke");
  g_assert_true (gh_gui_test_wait (server_state_is, &revoked));
  assert_row_shows (main_window, row_name, "Revoked");
  row = gh_gui_test_get (main_window, row_name);
  g_assert_null (gh_gui_test_find (row, "revoke-button"));
}

static char *
issue_row_name (GhGuiTest  *test,
                const char *body)
{
  g_autoptr(JsonObject) issued = gh_gui_test_admin (test, "POST", "/projects/default/iats",
                                                    body);
  JsonObject *iat = json_object_get_object_member (issued, "initial_access_token");

  return g_strconcat ("iat-row-", json_object_get_string_member (iat, "id"), NULL);
}

static gboolean
search_mode_is (gpointer data)
{
  GtkWidget *bar = data;

  return gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (bar)) ==
         GPOINTER_TO_INT (g_object_get_data (G_OBJECT (bar), "gh-test-wanted"));
}

static void
assert_search_mode (GtkWidget *bar,
                    gboolean   wanted)
{
  g_object_set_data (G_OBJECT (bar), "gh-test-wanted", GINT_TO_POINTER (wanted));
  g_assert_true (gh_gui_test_wait (search_mode_is, bar));
}

/* Ctrl+F (win.search) and the header's button open a search that keeps the tokens whose
 * label, id or status holds the text; none: a page that says so; Escape shows them all. */
static void
test_iats_search (void)
{
  g_autoptr(GhGuiTest) test = iat_test_new ();
  g_autofree char *laptop = issue_row_name (test, "{\"label\": \"Laptop Cursor\"}");
  g_autofree char *runner = issue_row_name (test, "{\"label\": \"CI runner\"}");
  g_autofree char *old = issue_row_name (test, "{\"label\": \"old one\"}");
  g_autofree char *old_path = g_strconcat ("/projects/default/iats/",
                                           old + strlen ("iat-row-"), NULL);
  g_autoptr(JsonObject) revoked = gh_gui_test_admin (test, "DELETE", old_path, NULL);
  GtkWidget *window = GTK_WIDGET (test->window);
  const char *all[] = { laptop, runner, old, "iats-no-results-page", NULL };
  GtkWidget *bar;

  gh_gui_test_show_page (test, "iats");
  assert_row_shows (window, old, "Revoked");
  bar = gh_gui_test_get (window, "iats-search-bar");
  g_assert_false (gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (bar)));

  gtk_widget_activate_action (window, "win.search", NULL);
  assert_search_mode (bar, TRUE);
  g_assert_true (gh_gui_test_search (window, "iats-search-entry", "RUNNER", all,
                                     (const char *[]) { runner, NULL }));
  /* By id, as a part of it. */
  g_assert_true (gh_gui_test_search (window, "iats-search-entry", laptop + strlen ("iat-row-"),
                                     all, (const char *[]) { laptop, NULL }));
  /* By status: the API's word and the badge's. */
  g_assert_true (gh_gui_test_search (window, "iats-search-entry", "revoked", all,
                                     (const char *[]) { old, NULL }));
  g_assert_true (gh_gui_test_search (window, "iats-search-entry", "active", all,
                                     (const char *[]) { laptop, runner, NULL }));
  g_assert_true (gh_gui_test_search (window, "iats-search-entry", "zebra", all,
                                     (const char *[]) { "iats-no-results-page", NULL }));
  g_assert_true (gh_gui_test_text_shown (gh_gui_test_get (window, "iats-no-results-page"),
                                         "No tokens match “zebra”"));

  /* Escape closes it and shows every token again. */
  g_signal_emit_by_name (gh_gui_test_get (window, "iats-search-entry"), "stop-search");
  assert_search_mode (bar, FALSE);
  g_assert_true (gh_gui_test_search (window, "iats-search-entry", "", all,
                                     (const char *[]) { laptop, runner, old, NULL }));

  /* The header's button opens it too. */
  gh_gui_test_click (gh_gui_test_get (window, "iats-search-button"));
  assert_search_mode (bar, TRUE);
}

/* POST /register with @authorization (NULL: no header), as a client would. */
static void
register_with (GhGuiTest  *test,
               const char *authorization)
{
  g_autofree char *url = g_strconcat (test->server->base, "/register", NULL);
  g_autofree char *header = authorization != NULL
    ? g_strconcat ("Authorization: Bearer ", authorization, NULL) : NULL;
  const char *argv[] = {
    "curl", "-s", "-o", "/dev/null", "-X", "POST", url, "-A", "test-iats/1.0",
    "-H", "Content-Type: application/json",
    "-d", "{\"redirect_uris\": [\"http://127.0.0.1:9/cb\"], "
          "\"token_endpoint_auth_method\": \"none\"}",
    header != NULL ? "-H" : NULL, header, NULL,
  };
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

/* A registration with a revoked token shows under that token; one with no header and one
 * with a token never issued under "Requests without a valid token", as they happen. */
static void
test_iats_rejected_uses (void)
{
  g_autoptr(GhGuiTest) test = iat_test_new ();
  g_autoptr(JsonObject) issued =
    gh_gui_test_admin (test, "POST", "/projects/default/iats", "{\"label\": \"old one\"}");
  const char *id = json_object_get_string_member (
      json_object_get_object_member (issued, "initial_access_token"), "id");
  g_autofree char *row_name = g_strconcat ("iat-row-", id, NULL);
  g_autofree char *revoke_path = g_strconcat ("/projects/default/iats/", id, NULL);
  g_autoptr(JsonObject) revoked = gh_gui_test_admin (test, "DELETE", revoke_path, NULL);
  GtkWidget *main_window = GTK_WIDGET (test->window);
  GtkWidget *orphans;
  GtkWidget *row;

  register_with (test, json_object_get_string_member (issued, "token"));
  register_with (test, NULL);

  gh_gui_test_show_page (test, "iats");
  assert_text_appears (main_window, "1 rejected use");
  assert_label_appears (main_window, "No Authorization header");
  row = gh_gui_test_get (main_window, row_name);
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
  assert_row_shows (main_window, row_name, "The token was revoked");
  assert_row_shows (main_window, row_name, "test-iats/1.0");
  row = gh_gui_test_get (main_window, row_name);
  g_assert_false (gh_gui_test_text_shown (row, "No Authorization header"));

  orphans = gh_gui_test_get (main_window, "orphans-group");
  g_assert_true (gtk_widget_get_mapped (orphans));
  g_assert_true (gh_gui_test_label_shown (orphans, "No Authorization header"));
  g_assert_false (gh_gui_test_label_shown (orphans, "A token this project never issued"));

  /* Live: a wrong token now. */
  register_with (test, "iatk_not-a-token-of-this-server");
  assert_label_appears (orphans, "A token this project never issued");
  assert_text_appears (orphans, "127.0.0.1");
  /* Rebuilt, the token's row stays open and keeps its own refusal only. */
  assert_row_shows (main_window, row_name, "The token was revoked");
  row = gh_gui_test_get (main_window, row_name);
  g_assert_true (adw_expander_row_get_expanded (ADW_EXPANDER_ROW (row)));
  g_assert_false (gh_gui_test_label_shown (row, "A token this project never issued"));
}

int
main (int   argc,
      char *argv[])
{
  gh_gui_test_init (&argc, &argv);

  g_test_add_func ("/gui/iats/issue-register-forget", test_iats_issue_register_forget);
  g_test_add_func ("/gui/iats/close-without-copying-asks", test_iats_close_without_copying_asks);
  g_test_add_func ("/gui/iats/revoke-asks", test_iats_revoke_asks);
  g_test_add_func ("/gui/iats/search", test_iats_search);
  g_test_add_func ("/gui/iats/rejected-uses", test_iats_rejected_uses);

  return g_test_run ();
}
