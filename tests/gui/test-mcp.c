/* test-mcp.c — the MCP page against a real server: settings, the cascade, compat fixes,
 * redirect schemes, token lifetimes and the discovery probe matrix
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsoup/soup.h>

#include "gh-gui-test.h"
#include "gh-property-row.h"

typedef struct
{
  GhGuiTest  *test;
  GtkWidget  *root;
  const char *name;
  const char *text;
} Wait;

static JsonObject *
project_settings (GhGuiTest *test)
{
  g_autoptr(JsonObject) project = gh_gui_test_admin (test, "GET", "/projects/default", NULL);

  return json_object_ref (json_object_get_object_member (project, "settings"));
}

/* A widget named @name under the window shows @text (a mapped label containing it). */
static gboolean
text_in_named (gpointer data)
{
  Wait *wait = data;
  GtkWidget *widget = gh_gui_test_find (wait->root, wait->name);

  return widget != NULL && gtk_widget_get_mapped (widget) &&
         gh_gui_test_text_shown (widget, wait->text);
}

static gboolean
named_gone (gpointer data)
{
  Wait *wait = data;

  return gh_gui_test_find (wait->root, wait->name) == NULL;
}

static gboolean
named_visible (gpointer data)
{
  Wait *wait = data;
  GtkWidget *widget = gh_gui_test_find (wait->root, wait->name);

  return widget != NULL && gtk_widget_get_visible (widget);
}

static gboolean
setting_is (gpointer data)
{
  Wait *wait = data;
  g_autoptr(JsonObject) settings = project_settings (wait->test);
  g_autofree char *value = json_to_string (json_object_get_member (settings, wait->name), FALSE);

  return g_strcmp0 (value, wait->text) == 0;
}

/* A button under @root whose label is @label. */
static GtkWidget *
find_button_labelled (GtkWidget  *root,
                      const char *label)
{
  if (GTK_IS_BUTTON (root) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (root)), label) == 0 &&
      gtk_widget_get_mapped (root))
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button_labelled (child, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
details_button_shown (gpointer data)
{
  return find_button_labelled (data, "_Details") != NULL;
}

static gboolean
dialog_shown (gpointer data)
{
  return gh_gui_test_find_window (data) != NULL;
}

/* The page shows the production profile's settings as the server has them. */
static void
test_mcp_loads_settings (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  GtkWidget *page = GTK_WIDGET (gh_gui_test_show_page (test, "mcp"));
  GhPropertyRow *curl;

  g_assert_false (gtk_switch_get_active (GTK_SWITCH (gh_gui_test_get (page, "mcp-switch"))));
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (gh_gui_test_get (page, "cimd-switch"))));
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (gh_gui_test_get (page,
                                                                                "dcr-row"))),
                    ==, 0);
  g_assert_true (gh_gui_test_text_shown (page, "No client can register itself"));
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (gh_gui_test_get (page,
                                                                  "spin-access_token_ttl"))),
                     ==, 900);
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (gh_gui_test_get (page,
                                                                  "spin-refresh_token_ttl"))),
                     ==, 1209600);

  /* Every family the server judges, each blocked here, in words. */
  g_assert_true (gh_gui_test_label_shown (gh_gui_test_get (page, "compat-claude-code"),
                                          "Claude Code"));
  g_assert_true (gh_gui_test_label_shown (gh_gui_test_get (page, "compat-cursor"), "Blocked"));
  g_assert_true (gh_gui_test_label_shown (gh_gui_test_get (page, "compat-vscode"), "VS Code"));
  g_assert_nonnull (gh_gui_test_find (page, "compat-mcp-inspector"));

  /* The DCR sentence for IAT mode says who it shuts out. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (gh_gui_test_get (page, "dcr-row")), 1);
  g_assert_true (gh_gui_test_text_shown (page, "cannot send one"));
  {
    Wait wait = { test, page, "dcr_mode", "\"initial_access_token\"" };

    g_assert_true (gh_gui_test_wait (setting_is, &wait));
  }

  curl = GH_PROPERTY_ROW (gh_gui_test_get (page, "curl-row"));
  g_assert_true (g_str_has_prefix (gh_property_row_get_value (curl), "curl -s http://127.0.0.1:"));
  g_assert_nonnull (strstr (gh_property_row_get_value (curl),
                            "/.well-known/oauth-authorization-server | jq '{"
                            "registration_endpoint, client_id_metadata_document_supported, "
                            "mcp_authorization_supported}'"));
}

/* Turning MCP on, as a user does, applies the cascade on the server, and the page lists each
 * changed setting old → new in its card and in the toast's Details. */
static void
test_mcp_cascade (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  GtkWidget *window = GTK_WIDGET (test->window);
  GtkWidget *page = GTK_WIDGET (gh_gui_test_show_page (test, "mcp"));
  g_autoptr(JsonObject) settings = NULL;
  GtkWidget *card;
  GtkWidget *dialog;
  Wait wait = { test, page, "cascade-group", NULL };

  gtk_widget_activate (gh_gui_test_get (page, "mcp-switch"));
  g_assert_true (gh_gui_test_wait (named_visible, &wait));

  settings = project_settings (test);
  g_assert_true (json_object_get_boolean_member (settings, "mcp_enabled"));
  g_assert_true (json_object_get_boolean_member (settings, "cimd_enabled"));
  g_assert_cmpstr (json_object_get_string_member (settings, "dcr_mode"), ==,
                   "initial_access_token");

  card = gh_gui_test_get (page, "cascade-group");
  g_assert_true (gh_gui_test_label_shown (card, "Turning on MCP changed 2 other settings"));
  g_assert_true (gh_gui_test_label_shown (card, "cimd_enabled"));
  g_assert_true (gh_gui_test_label_shown (card, "false → true"));
  g_assert_true (gh_gui_test_label_shown (card, "dcr_mode"));
  g_assert_true (gh_gui_test_label_shown (card, "disabled → initial_access_token"));
  g_assert_true (gtk_switch_get_state (GTK_SWITCH (gh_gui_test_get (page, "mcp-switch"))));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (gh_gui_test_get (page, "cimd-switch"))));
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (gh_gui_test_get (page,
                                                                                "dcr-row"))),
                    ==, 1);

  /* The toast: "2 settings changed", Details lists the same. */
  g_assert_true (gh_gui_test_wait (details_button_shown, window));
  g_assert_true (gh_gui_test_label_shown (window, "2 settings changed"));
  gh_gui_test_click (find_button_labelled (window, "_Details"));
  g_assert_true (gh_gui_test_wait (dialog_shown, (gpointer) "cascade-dialog"));
  dialog = gh_gui_test_find_window ("cascade-dialog");
  g_assert_true (gh_gui_test_label_shown (dialog, "false → true"));
  g_assert_true (gh_gui_test_label_shown (dialog, "disabled → initial_access_token"));
  gtk_window_destroy (GTK_WINDOW (dialog));

  /* Dismissed, the card goes. */
  gh_gui_test_click (gh_gui_test_get (page, "cascade-dismiss-button"));
  g_assert_false (gtk_widget_get_visible (card));
}

/* Claude Code registers by CIMD, which production keeps off: its Fix turns it ✓. */
static void
test_mcp_compat_fix (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  GtkWidget *page = GTK_WIDGET (gh_gui_test_show_page (test, "mcp"));
  g_autoptr(JsonObject) compat = NULL;
  JsonObject *claude = NULL;
  Wait works = { test, page, "compat-claude-code", "Works" };
  JsonArray *clients;

  g_assert_true (gh_gui_test_label_shown (gh_gui_test_get (page, "compat-claude-code"),
                                          "Blocked"));
  gh_gui_test_click (gh_gui_test_get (page, "compat-fix-claude-code"));
  g_assert_true (gh_gui_test_wait (text_in_named, &works));
  g_assert_false (gh_gui_test_label_shown (gh_gui_test_get (page, "compat-claude-code"),
                                           "Blocked"));

  compat = gh_gui_test_admin (test, "GET", "/projects/default/compat", NULL);
  clients = json_object_get_array_member (compat, "clients");
  for (guint i = 0; i < json_array_get_length (clients); i++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (clients, i),
                                                    "family"), "claude-code"))
      claude = json_array_get_object_element (clients, i);
  g_assert_nonnull (claude);
  g_assert_cmpstr (json_object_get_string_member (claude, "verdict"), ==, "ok");
  /* What fixed it shows on the page too. */
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (gh_gui_test_get (page, "cimd-switch"))));
}

/* A scheme typed and applied reaches the server; its remove button takes it away; one that is
 * not a custom scheme is refused on the spot. Token lifetimes apply the same way. */
static void
test_mcp_schemes_and_lifetimes (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  GtkWidget *page = GTK_WIDGET (gh_gui_test_show_page (test, "mcp"));
  GtkWidget *entry = gh_gui_test_get (page, "scheme-entry");
  Wait added = { test, page, "redirect_schemes", "[\"cursor\"]" };
  Wait removed = { test, page, "redirect_schemes", "[]" };
  Wait row_gone = { test, page, "scheme-row-cursor", NULL };
  Wait ttl = { test, page, "access_token_ttl", "1200" };
  g_autoptr(JsonObject) settings = NULL;

  gtk_editable_set_text (GTK_EDITABLE (entry), "https");
  g_signal_emit_by_name (entry, "apply");
  g_assert_true (gh_gui_test_text_shown (page, "this is for custom schemes"));
  settings = project_settings (test);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (settings,
                                                                         "redirect_schemes")),
                    ==, 0);

  /* What only the server refuses is shown in place, with its reason. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "javascript");
  g_assert_false (gtk_widget_get_visible (gh_gui_test_get (page, "scheme-hint")));
  g_signal_emit_by_name (entry, "apply");
  {
    Wait hint = { test, page, "scheme-hint", NULL };

    g_assert_true (gh_gui_test_wait (named_visible, &hint));
  }
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (gh_gui_test_get (page, "scheme-hint"))), !=,
                   "");
  g_test_message ("refused: %s",
                  gtk_label_get_text (GTK_LABEL (gh_gui_test_get (page, "scheme-hint"))));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "javascript");

  gtk_editable_set_text (GTK_EDITABLE (entry), "cursor");
  g_signal_emit_by_name (entry, "apply");
  g_assert_true (gh_gui_test_wait (setting_is, &added));
  {
    Wait row = { test, page, "scheme-row-cursor", "cursor://" };

    g_assert_true (gh_gui_test_wait (text_in_named, &row));
  }
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");

  gh_gui_test_click (gh_gui_test_get (page, "scheme-remove-cursor"));
  g_assert_true (gh_gui_test_wait (setting_is, &removed));
  g_assert_true (gh_gui_test_wait (named_gone, &row_gone));

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (gh_gui_test_get (page, "spin-access_token_ttl")),
                             1200);
  g_assert_true (gtk_widget_get_sensitive (gh_gui_test_get (page, "apply-access_token_ttl")));
  gh_gui_test_click (gh_gui_test_get (page, "apply-access_token_ttl"));
  g_assert_true (gh_gui_test_wait (setting_is, &ttl));
}

static guint
discovery_request (GhGuiTest  *test,
                   const char *path,
                   const char *user_agent)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("user-agent", user_agent,
                                                                  NULL);
  g_autofree char *url = g_strconcat (test->server->base, path, NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  body = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);
  return soup_message_get_status (message);
}

/* A real request to a well-known path that is not served, with its own User-Agent, shows in
 * the matrix under that path, red, with its status; one to the served form under it. */
static void
test_mcp_probe_matrix (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  GtkWidget *page = GTK_WIDGET (gh_gui_test_show_page (test, "mcp"));
  Wait other = { test, page, "probe-2", "/.well-known/oauth-protected-resource" };
  Wait served = { test, page, "probe-0", "served-test/1.0" };
  GtkWidget *row;

  g_assert_true (gh_gui_test_label_shown (gh_gui_test_get (page, "probe-0"),
                                          "/.well-known/oauth-authorization-server"));
  g_assert_true (gh_gui_test_label_shown (gh_gui_test_get (page, "probe-0"), "Served"));
  g_assert_null (gh_gui_test_find (page, "probe-2"));

  g_assert_cmpuint (discovery_request (test, "/.well-known/oauth-protected-resource",
                                       "probe-test/4.2"), ==, 404);
  g_assert_cmpuint (discovery_request (test, "/.well-known/oauth-authorization-server",
                                       "served-test/1.0"), ==, 200);

  /* Hits are no events: the header's Read Again button (or the page's poll) reads them. */
  gh_gui_test_click (gh_gui_test_get (GTK_WIDGET (test->window), "mcp-refresh-button"));
  g_assert_true (gh_gui_test_wait (text_in_named, &other));
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (gh_gui_test_get (page, "probe-0")), TRUE);
  g_assert_true (gh_gui_test_wait (text_in_named, &served));

  row = gh_gui_test_get (page, "probe-2");
  g_assert_true (gh_gui_test_label_shown (row, "Not served"));
  g_assert_true (gh_gui_test_label_shown (row, "1 request, 1 refused"));
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
  gh_gui_test_run_for (100);
  g_assert_true (gh_gui_test_text_shown (row, "probe-test/4.2"));
  g_assert_true (gh_gui_test_label_shown (row, "404"));

  g_assert_true (gh_gui_test_label_shown (gh_gui_test_get (page, "probe-0"), "200"));
}

static gboolean
dcr_open_shown (gpointer data)
{
  Wait *wait = data;
  GtkWidget *row = gh_gui_test_get (wait->root, "dcr-row");

  return adw_combo_row_get_selected (ADW_COMBO_ROW (row)) == 2 &&
         gh_gui_test_text_shown (wait->root, "Any client may register itself");
}

/* A change made elsewhere (the CLI, another console) arrives on the event stream: the page
 * shows it and judges the clients again, in place, without going back to its spinner. */
static void
test_mcp_live (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  GhPage *page = gh_gui_test_show_page (test, "mcp");
  Wait wait = { test, GTK_WIDGET (page), NULL, NULL };
  Wait sdk = { test, GTK_WIDGET (page), "compat-mcp-typescript-sdk", "Warning" };
  g_autoptr(JsonObject) changed = NULL;

  g_assert_true (gh_gui_test_label_shown (gh_gui_test_get (GTK_WIDGET (page),
                                                          "compat-mcp-typescript-sdk"),
                                          "Blocked"));
  changed = gh_gui_test_admin (test, "PATCH", "/projects/default",
                               "{\"dcr_mode\": \"open\", \"resource_policy\": \"open\"}");
  g_assert_true (gh_gui_test_wait (dcr_open_shown, &wait));
  if (!gh_gui_test_wait (text_in_named, &sdk))
    g_error ("not judged again: %s",
             gh_gui_test_dump_labels (gh_gui_test_get (GTK_WIDGET (page),
                                                       "compat-mcp-typescript-sdk")));
  g_assert_false (gh_gui_test_label_shown (gh_gui_test_get (GTK_WIDGET (page),
                                                           "compat-mcp-typescript-sdk"),
                                           "Blocked"));
  g_assert_false (gh_page_get_busy (page));
  g_assert_true (gh_gui_test_label_shown (GTK_WIDGET (page), "Who Can Complete a Flow Now"));
}

int
main (int   argc,
      char *argv[])
{
  gh_gui_test_init (&argc, &argv);

  g_test_add_func ("/gui/mcp/loads-settings", test_mcp_loads_settings);
  g_test_add_func ("/gui/mcp/cascade", test_mcp_cascade);
  g_test_add_func ("/gui/mcp/compat-fix", test_mcp_compat_fix);
  g_test_add_func ("/gui/mcp/schemes-and-lifetimes", test_mcp_schemes_and_lifetimes);
  g_test_add_func ("/gui/mcp/probe-matrix", test_mcp_probe_matrix);
  g_test_add_func ("/gui/mcp/live", test_mcp_live);

  return g_test_run ();
}
