/* test-clients.c — the Clients page against a real server: list, search, detail, refusals
 * with Explain, create with the secret shown once, delete and the tombstone
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "gh-client-create-window.h"
#include "gh-clients-page.h"
#include "gh-gui-test.h"
#include "gh-property-row.h"

/* A raw HTTP request to the test's server, as a client would send it; the answer's status. */
static guint
raw_request (GhGuiTest  *test,
             const char *method,
             const char *path,
             const char *body)
{
  g_autofree char *request = NULL;
  g_autofree char *content = NULL;
  g_autoptr(GhRawResponse) response = NULL;

  if (body != NULL)
    content = g_strdup_printf ("Content-Type: application/json\r\nContent-Length: %zu\r\n",
                               strlen (body));
  request = g_strdup_printf ("%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                             "User-Agent: clients-test/1.0\r\nConnection: close\r\n"
                             "%s\r\n%s",
                             method, path, test->server->port, content != NULL ? content : "",
                             body != NULL ? body : "");
  response = gh_test_raw_http (test->server->port, request, strlen (request), 10000);

  return response->status;
}

typedef struct
{
  GtkWidget  *root;
  const char *name;
} Find;

static gboolean
widget_mapped (gpointer data)
{
  Find *find = data;
  GtkWidget *widget = gh_gui_test_find (find->root, find->name);

  return widget != NULL && gtk_widget_get_mapped (widget);
}

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

/* Waits for the widget named @name under @root to be mapped; asserts it is. */
static GtkWidget *
wait_mapped (GtkWidget  *root,
             const char *name)
{
  Find find = { root, name };

  if (!gh_gui_test_wait (widget_mapped, &find))
    g_error ("“%s” is not shown; labels:\n%s", name, gh_gui_test_dump_labels (root));

  return gh_gui_test_get (root, name);
}

static gboolean
is_mapped (GtkWidget  *root,
           const char *name)
{
  GtkWidget *widget = gh_gui_test_find (root, name);

  return widget != NULL && gtk_widget_get_mapped (widget);
}

/* Live flows shows a flow whose verdict starts with @data's text. */
static gboolean
flow_verdict_shown (gpointer data)
{
  gpointer *wait = data;
  GhPage *flows = wait[0];
  GtkWidget *verdict = gh_gui_test_find (GTK_WIDGET (flows), "flow-verdict");

  return !gh_page_get_busy (flows) && verdict != NULL && gtk_widget_get_mapped (verdict) &&
         g_str_has_prefix (gtk_label_get_text (GTK_LABEL (verdict)), wait[1]);
}

/* The page, shown, with what the server holds now. */
static GhPage *
show_clients (GhGuiTest *test)
{
  GhPage *page = gh_gui_test_show_page (test, "clients");

  gh_page_reload (page);
  g_assert_true (gh_gui_test_wait_settled (page));

  return page;
}

/* One client per source the test can make (pre-registered through the admin API, DCR
 * through a real /register), listed with its badge; the search narrows the list; the
 * detail shows each redirect URI with its rule and a real refusal, whose Explain opens the
 * card. */
static void
test_list_search_detail (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_autoptr(JsonObject) created = NULL;
  g_autoptr(JsonObject) patched = NULL;
  GtkWidget *window = GTK_WIDGET (test->window);
  GtkWidget *row;
  GtkWidget *entry;
  GtkWidget *explain;
  GhPage *page;

  created = gh_gui_test_admin (test, "POST", "/projects/default/clients",
                               "{\"client_id\": \"backend\", \"client_name\": \"Back End\", "
                               "\"redirect_uris\": [\"https://app.example/cb\", "
                               "\"http://127.0.0.1/callback\"], "
                               "\"token_endpoint_auth_method\": \"client_secret_basic\"}");
  patched = gh_gui_test_admin (test, "PATCH", "/projects/default", "{\"dcr_mode\": \"open\"}");
  g_assert_cmpuint (raw_request (test, "POST", "/register",
                                 "{\"client_name\": \"Self Registered\", \"redirect_uris\": "
                                 "[\"http://127.0.0.1/cb\"], \"token_endpoint_auth_method\": "
                                 "\"none\"}"), ==, 201);
  /* A refusal: the path differs from both registered URIs (the port would not matter). */
  g_assert_cmpuint (raw_request (test, "GET", "/authorize?response_type=code&client_id=backend&"
                                 "redirect_uri=http%3A%2F%2F127.0.0.1%3A58135%2Fother&"
                                 "code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&"
                                 "code_challenge_method=S256", NULL), ==, 400);

  page = show_clients (test);
  row = wait_mapped (GTK_WIDGET (page), "client-row:backend");
  g_assert_true (gh_gui_test_label_shown (row, "Back End"));
  g_assert_true (gh_gui_test_label_shown (row, "Pre-registered"));
  g_assert_true (gh_gui_test_text_shown (row, "app.example"));
  g_assert_true (gh_gui_test_label_shown (row, "1 failure in 24 h"));
  g_assert_true (gh_gui_test_label_shown (GTK_WIDGET (page), "Self Registered"));
  g_assert_true (gh_gui_test_label_shown (GTK_WIDGET (page), "DCR"));
  g_assert_cmpuint (gh_page_get_badge (page), ==, 2);

  /* Ctrl+F opens the search; typing narrows the list to the matching client. */
  g_assert_true (gtk_widget_activate_action (window, "win.search", NULL));
  entry = wait_mapped (GTK_WIDGET (page), "clients-search-entry");
  gtk_editable_set_text (GTK_EDITABLE (entry), "back");
  gh_gui_test_run_for (500);
  g_assert_true (is_mapped (GTK_WIDGET (page), "client-row:backend"));
  g_assert_false (gh_gui_test_label_shown (GTK_WIDGET (page), "Self Registered"));
  gtk_editable_set_text (GTK_EDITABLE (entry), "no such client");
  gh_gui_test_run_for (500);
  g_assert_false (is_mapped (GTK_WIDGET (page), "client-row:backend"));
  g_assert_true (gh_gui_test_label_shown (GTK_WIDGET (page), "No Matching Clients"));
  gtk_editable_set_text (GTK_EDITABLE (entry), "127.0.0.1/cb");
  gh_gui_test_run_for (500);
  g_assert_true (gh_gui_test_label_shown (GTK_WIDGET (page), "Self Registered"));
  g_assert_false (is_mapped (GTK_WIDGET (page), "client-row:backend"));
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
  gh_gui_test_run_for (500);

  /* The detail: identity, each redirect URI with its rule, the refusal. */
  row = wait_mapped (GTK_WIDGET (page), "client-row:backend");
  g_assert_true (gtk_widget_activate (row));
  g_assert_true (gh_gui_test_wait_settled (page));
  wait_mapped (GTK_WIDGET (page), "client-refusals-group");
  g_assert_true (adw_flap_get_reveal_flap (ADW_FLAP (gh_gui_test_get (GTK_WIDGET (page),
                                                                      "clients-flap"))));
  {
    GtkWidget *detail = gh_gui_test_get (GTK_WIDGET (page), "client-detail");

    g_assert_true (gh_gui_test_label_shown (detail, "backend"));
    g_assert_true (gh_gui_test_label_shown (detail, "https://app.example/cb"));
    g_assert_true (gh_gui_test_label_shown (detail, "Exact match"));
    g_assert_true (gh_gui_test_label_shown (detail, "http://127.0.0.1/callback"));
    g_assert_true (gh_gui_test_text_shown (detail, "any port matches (RFC 8252 §7.3)"));
    g_assert_true (gh_gui_test_label_shown (detail, "client_secret_basic"));
    g_assert_true (gh_gui_test_text_shown (detail, "redirect_uri.mismatch"));
    g_assert_true (gh_gui_test_text_shown (detail, "admin-api"));
    g_assert_true (gh_gui_test_label_shown (detail, "No refresh tokens issued"));
  }

  /* The refused /authorize started a flow: listed under Recent Flows with its reason, and
   * activating it opens Live flows on it. */
  {
    GtkWidget *flow_row = wait_mapped (GTK_WIDGET (page), "client-flow-row");
    gpointer wait[2] = { NULL, (gpointer) "Failed at Authorize" };

    g_assert_true (gh_gui_test_text_shown (flow_row, "Failed at Authorize: "));
    g_assert_true (gh_gui_test_text_shown (flow_row, "no user · now · 1 step"));
    g_assert_true (gtk_widget_activate (flow_row));
    wait[0] = gh_window_get_visible_page (test->window);
    g_assert_cmpstr (gtk_widget_get_name (GTK_WIDGET (wait[0])), ==, "flows");
    g_assert_true (gh_gui_test_wait (flow_verdict_shown, wait));
    g_assert_true (gh_window_show_page (test->window, "clients"));
    gh_gui_test_run_for (100);
  }

  explain = wait_mapped (GTK_WIDGET (page), "client-explain-button");
  gh_gui_test_click (explain);
  g_assert_true (gh_gui_test_wait (window_shown, (gpointer) "explain-window"));
  {
    GtkWidget *card_window = gh_gui_test_find_window ("explain-window");

    /* The card compares the requested URI with the registered one it was closest to. */
    g_assert_true (gh_gui_test_text_shown (card_window, "58135"));
    gtk_window_destroy (GTK_WINDOW (card_window));
  }

  /* The list follows the event stream: a client registered elsewhere appears by itself. */
  {
    g_autoptr(JsonObject) later = gh_gui_test_admin (test, "POST", "/projects/default/clients",
                                                     "{\"client_id\": \"later\", "
                                                     "\"client_name\": \"Late Comer\", "
                                                     "\"redirect_uris\": "
                                                     "[\"https://late.example/cb\"]}");

    wait_mapped (GTK_WIDGET (page), "client-row:later");
    g_assert_cmpuint (gh_page_get_badge (page), ==, 3);
  }

  /* A filter from another page narrows the list; a client target opens its detail: the DCR
   * client's says it registered itself, and with which User-Agent. */
  gtk_widget_activate_action (window, "win.open", "(ss)", "clients", "filter:Self");
  gh_gui_test_run_for (500);
  g_assert_false (is_mapped (GTK_WIDGET (page), "client-row:backend"));
  g_assert_true (gh_gui_test_label_shown (GTK_WIDGET (page), "Self Registered"));
  {
    g_autoptr(JsonObject) list = gh_gui_test_admin (test, "GET",
                                                    "/projects/default/clients?source=dcr",
                                                    NULL);
    const char *dcr_id = json_object_get_string_member (
                           json_array_get_object_element (json_object_get_array_member (list,
                                                                                        "clients"),
                                                          0), "client_id");
    g_autofree char *target = g_strconcat ("client:", dcr_id, NULL);
    GtkWidget *detail;

    gtk_widget_activate_action (window, "win.open", "(ss)", "clients", target);
    g_assert_true (gh_gui_test_wait_settled (page));
    detail = gh_gui_test_get (GTK_WIDGET (page), "client-detail");
    wait_mapped (detail, "client-user-agent-row");
    g_assert_true (gh_gui_test_label_shown (detail, dcr_id));
    g_assert_true (gh_gui_test_text_shown (detail, "Dynamic Client Registration"));
    g_assert_true (gh_gui_test_label_shown (detail, "clients-test/1.0"));
    g_assert_true (gh_gui_test_label_shown (detail, "No refusals recorded"));
  }
}

static gboolean
secret_shown (gpointer data)
{
  GtkWidget *label = gh_gui_test_find (data, "client-secret-label");

  return label != NULL && gtk_widget_get_mapped (label) &&
         strlen (gtk_label_get_text (GTK_LABEL (label))) > 0;
}

static gboolean
client_gone_from_list (gpointer data)
{
  GhPage *page = data;
  const char *id = g_object_get_data (G_OBJECT (page), "test-client-id");
  g_autofree char *name = g_strconcat ("client-row:", id, NULL);

  return !gh_page_get_busy (page) && gh_gui_test_find (GTK_WIDGET (page), name) == NULL;
}

/* New Client: redirect URIs checked as typed, the secret shown once with Copy, the client
 * made on the server; Delete asks, then the client is gone and listed under Show Deleted as a
 * tombstone with when and who. */
static void
test_create_delete_tombstone (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_autoptr(JsonObject) shown = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *copied = NULL;
  g_autofree char *client_id = NULL;
  g_autofree char *path = NULL;
  g_autofree char *tombstone = NULL;
  GtkWidget *window = GTK_WIDGET (test->window);
  GtkWidget *dialog;
  GtkWidget *create;
  GtkWidget *uri;
  GtkWidget *confirm;
  GhPage *page;

  page = show_clients (test);
  g_assert_true (gh_gui_test_label_shown (GTK_WIDGET (page), "No Clients"));

  gh_gui_test_click (gh_gui_test_get (window, "clients-create-button"));
  g_assert_true (gh_gui_test_wait (window_shown, (gpointer) "client-create-window"));
  dialog = gh_gui_test_find_window ("client-create-window");
  create = gh_gui_test_get (dialog, "client-create-button");
  g_assert_false (gtk_widget_get_sensitive (create));

  gtk_editable_set_text (GTK_EDITABLE (gh_gui_test_get (dialog, "client-name-entry")),
                         "Back Office");
  uri = gh_gui_test_get (dialog, "client-redirect-entry-0");
  gtk_editable_set_text (GTK_EDITABLE (uri), "http://office.example/cb");
  g_assert_false (gtk_widget_get_sensitive (create));
  g_assert_true (gtk_widget_has_css_class (uri, "error"));
  g_assert_true (gh_gui_test_text_shown (dialog, "loopback"));
  gtk_editable_set_text (GTK_EDITABLE (uri), "https://office.example/cb");
  g_assert_true (gtk_widget_get_sensitive (create));
  g_assert_false (gtk_widget_has_css_class (uri, "error"));
  gh_gui_test_click (gh_gui_test_get (dialog, "client-add-redirect-button"));
  gtk_editable_set_text (GTK_EDITABLE (gh_gui_test_get (dialog, "client-redirect-entry-1")),
                         "http://localhost/office");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (gh_gui_test_get (dialog,
                                                                  "client-confidential-check")),
                               TRUE);
  gh_gui_test_click (create);

  /* The secret, once, with Copy. */
  g_assert_true (gh_gui_test_wait (secret_shown, dialog));
  secret = g_strdup (gtk_label_get_text (GTK_LABEL (gh_gui_test_get (dialog,
                                                                     "client-secret-label"))));
  g_assert_cmpuint (strlen (secret), >=, 32);
  g_assert_true (gh_gui_test_text_shown (dialog, "You will not see this secret again"));
  gh_gui_test_click (gh_gui_test_get (dialog, "client-secret-copy-button"));
  copied = gh_gui_test_clipboard (dialog);
  g_assert_cmpstr (copied, ==, secret);
  client_id = g_strdup (gh_property_row_get_value (
                          GH_PROPERTY_ROW (gh_gui_test_get (dialog, "client-created-id-row"))));
  g_assert_nonnull (client_id);

  /* It exists on the server as it was asked for. */
  path = g_strconcat ("/projects/default/clients/", client_id, NULL);
  shown = gh_gui_test_admin (test, "GET", path, NULL);
  g_assert_cmpstr (json_object_get_string_member (shown, "client_name"), ==, "Back Office");
  g_assert_true (json_object_get_boolean_member (shown, "confidential"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (shown,
                                                                         "redirect_uris")), ==, 2);

  gh_gui_test_click (gh_gui_test_get (dialog, "client-create-done-button"));
  g_assert_true (gh_gui_test_wait (window_gone, (gpointer) "client-create-window"));
  g_assert_false (gh_gui_test_text_shown (window, secret));

  /* The page lists it and shows its detail. */
  {
    g_autofree char *row_name = g_strconcat ("client-row:", client_id, NULL);

    g_assert_true (gh_gui_test_wait_settled (page));
    wait_mapped (GTK_WIDGET (page), row_name);
  }
  g_assert_true (gh_gui_test_label_shown (gh_gui_test_get (GTK_WIDGET (page), "client-detail"),
                                          client_id));

  /* Delete asks first; Cancel keeps it. */
  gh_gui_test_click (wait_mapped (GTK_WIDGET (page), "client-delete-button"));
  g_assert_true (gh_gui_test_wait (window_shown, (gpointer) "client-delete-dialog"));
  confirm = gh_gui_test_find_window ("client-delete-dialog");
  g_assert_true (gh_gui_test_text_shown (confirm, "Back Office"));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (confirm), "cancel");
  gtk_window_destroy (GTK_WINDOW (confirm));
  gh_gui_test_run_for (300);
  g_clear_pointer (&shown, json_object_unref);
  shown = gh_gui_test_admin (test, "GET", path, NULL);

  gh_gui_test_click (wait_mapped (GTK_WIDGET (page), "client-delete-button"));
  g_assert_true (gh_gui_test_wait (window_shown, (gpointer) "client-delete-dialog"));
  confirm = gh_gui_test_find_window ("client-delete-dialog");
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (confirm), "delete");
  gtk_window_destroy (GTK_WINDOW (confirm));
  g_object_set_data_full (G_OBJECT (page), "test-client-id", g_strdup (client_id), g_free);
  g_assert_true (gh_gui_test_wait (client_gone_from_list, page));
  error = gh_gui_test_admin_error (test, "GET", path, NULL);
  g_assert_cmpuint (gh_admin_client_error_get_status (error), ==, 404);

  /* Show Deleted: its tombstone, with when and by whom. */
  tombstone = g_strconcat ("tombstone-row:", client_id, NULL);
  g_assert_false (is_mapped (GTK_WIDGET (page), tombstone));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (gh_gui_test_get (window,
                                                                    "clients-deleted-button")),
                                TRUE);
  {
    GtkWidget *row = wait_mapped (GTK_WIDGET (page), tombstone);

    g_assert_true (gh_gui_test_label_shown (row, "Back Office"));
    g_assert_true (gh_gui_test_text_shown (row, "Deleted"));
    g_assert_true (gh_gui_test_text_shown (row, "by admin-api"));
  }
}

/* The rule the detail names for each kind of redirect URI, and the create window's check. */
static void
test_redirect_rules (void)
{
  g_autofree char *loopback = gh_clients_redirect_rule ("http://localhost/cb");
  g_autofree char *v6 = gh_clients_redirect_rule ("http://[::1]:3000/cb");
  g_autofree char *exact = gh_clients_redirect_rule ("https://app.example/cb");
  g_autofree char *lan = gh_clients_redirect_rule ("http://192.168.1.2/cb");
  g_autofree char *custom = gh_clients_redirect_rule ("cursor://anysphere.cursor/cb");
  g_autofree char *fragment = gh_client_create_check_redirect_uri ("https://a.example/#x");
  g_autofree char *relative = gh_client_create_check_redirect_uri ("/callback");
  g_autofree char *plain = gh_client_create_check_redirect_uri ("http://a.example/cb");

  g_assert_nonnull (strstr (loopback, "RFC 8252"));
  g_assert_nonnull (strstr (v6, "RFC 8252"));
  g_assert_cmpstr (exact, ==, "Exact match");
  g_assert_cmpstr (lan, ==, "Exact match");
  g_assert_nonnull (strstr (custom, "Custom scheme “cursor”"));
  g_assert_nonnull (fragment);
  g_assert_nonnull (relative);
  g_assert_nonnull (plain);
  g_assert_null (gh_client_create_check_redirect_uri ("cursor://anysphere.cursor/cb"));
  g_assert_null (gh_client_create_check_redirect_uri ("http://127.0.0.1:8080/cb"));
}

/* The CIMD client's document, served by the test on 127.0.0.1. */
static void
document_cb (SoupServer        *server,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  g_autofree char *body = g_strdup_printf ("{\"client_id\": \"%s\", \"client_name\": "
                                           "\"Notes Client\", \"redirect_uris\": "
                                           "[\"http://127.0.0.1/cb\"], "
                                           "\"token_endpoint_auth_method\": \"none\"}",
                                           (const char *) user_data);

  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body,
                                    strlen (body));
}

/* A URL client: its badge says CIMD, the list shows its URL, and its detail opens the CIMD
 * page on its report and on a refresh from its document. */
static void
test_cimd_client (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GSList) uris = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) patched = NULL;
  g_autoptr(JsonObject) imported = NULL;
  g_autofree char *url = NULL;
  g_autofree char *body = NULL;
  g_autofree char *row_name = NULL;
  g_autofree char *target = NULL;
  GtkWidget *window = GTK_WIDGET (test->window);
  GtkWidget *row;
  GhPage *page;

  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  url = g_strdup_printf ("http://127.0.0.1:%d/notes.json", g_uri_get_port (uris->data));
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
  soup_server_add_handler (server, "/notes.json", document_cb, url, NULL);

  patched = gh_gui_test_admin (test, "PATCH", "/projects/default",
                               "{\"cimd_enabled\": true, \"allow_loopback_cimd\": true}");
  body = g_strdup_printf ("{\"url\": \"%s\"}", url);
  imported = gh_gui_test_admin (test, "POST", "/projects/default/clients/import", body);

  page = show_clients (test);
  row_name = g_strconcat ("client-row:", url, NULL);
  row = wait_mapped (GTK_WIDGET (page), row_name);
  g_assert_true (gh_gui_test_label_shown (row, "CIMD"));
  g_assert_true (gh_gui_test_label_shown (row, "Notes Client"));
  g_assert_true (gh_gui_test_text_shown (row, url));

  g_assert_true (gtk_widget_activate (row));
  g_assert_true (gh_gui_test_wait_settled (page));
  gh_gui_test_click (wait_mapped (GTK_WIDGET (page), "client-cimd-report-button"));
  g_assert_true (gh_window_get_visible_page (test->window) ==
                 gh_window_get_page (test->window, "cimd"));
  g_assert_true (gh_gui_test_wait_settled (gh_window_get_page (test->window, "cimd")));

  target = g_strconcat ("client:", url, NULL);
  gtk_widget_activate_action (window, "win.open", "(ss)", "clients", target);
  g_assert_true (gh_gui_test_wait_settled (page));
  gh_gui_test_click (wait_mapped (GTK_WIDGET (page), "client-cimd-refresh-button"));
  g_assert_true (gh_window_get_visible_page (test->window) ==
                 gh_window_get_page (test->window, "cimd"));
  g_assert_true (gh_gui_test_wait_settled (gh_window_get_page (test->window, "cimd")));
}

int
main (int   argc,
      char *argv[])
{
  gh_gui_test_init (&argc, &argv);

  g_test_add_func ("/gui/clients/redirect-rules", test_redirect_rules);
  g_test_add_func ("/gui/clients/list-search-detail", test_list_search_detail);
  g_test_add_func ("/gui/clients/create-delete-tombstone", test_create_delete_tombstone);
  g_test_add_func ("/gui/clients/cimd-client", test_cimd_client);

  return g_test_run ();
}
