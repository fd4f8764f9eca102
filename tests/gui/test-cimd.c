/* test-cimd.c — the CIMD preview page against documents the test serves on 127.0.0.1
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsoup/soup.h>

#include "gh-gui-test.h"

/* A document server inside the test: /html answers 403 with a challenge page, /wrong-id.json
 * names another client_id, /good.json serves `good_name` as its client_name, /slow never
 * answers until the test lets it. */
typedef struct
{
  SoupServer *server;
  char       *base;
  char       *good_name;
  GPtrArray  *paused;   /* SoupServerMessage, /slow's */
} DocServer;

static char *
good_document (DocServer  *docs,
               const char *name)
{
  return g_strdup_printf ("{\"client_id\": \"%s/good.json\", \"client_name\": \"%s\", "
                          "\"redirect_uris\": [\"http://127.0.0.1/callback\"], "
                          "\"token_endpoint_auth_method\": \"none\"}", docs->base, name);
}

static void
serve_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  DocServer *docs = user_data;
  g_autofree char *body = NULL;
  const char *type = "application/json";
  guint status = 200;

  if (g_str_equal (path, "/good.json"))
    body = good_document (docs, docs->good_name);
  else if (g_str_equal (path, "/wrong-id.json"))
    body = g_strdup ("{\"client_id\": \"https://other.example/client.json\", "
                     "\"client_name\": \"Wrong\", "
                     "\"redirect_uris\": [\"http://127.0.0.1/callback\"], "
                     "\"token_endpoint_auth_method\": \"none\"}");
  else if (g_str_equal (path, "/html"))
    {
      body = g_strdup ("<!DOCTYPE html><html><head><title>Just a moment...</title></head>"
                       "<body>Checking your browser</body></html>");
      type = "text/html";
      status = 403;
    }
  else if (g_str_equal (path, "/redirect"))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Location",
                                    "https://elsewhere.example/client.json");
      soup_server_message_set_status (msg, 302, NULL);
      return;
    }
  else if (g_str_equal (path, "/slow"))
    {
      soup_server_message_pause (msg);
      g_ptr_array_add (docs->paused, g_object_ref (msg));
      return;
    }
  else
    {
      soup_server_message_set_status (msg, 404, NULL);
      return;
    }
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, type, SOUP_MEMORY_COPY, body, strlen (body));
}

static DocServer *
doc_server_new (void)
{
  DocServer *docs = g_new0 (DocServer, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;

  docs->server = soup_server_new (NULL, NULL);
  docs->good_name = g_strdup ("Good Client");
  docs->paused = g_ptr_array_new_with_free_func (g_object_unref);
  soup_server_add_handler (docs->server, NULL, serve_cb, docs, NULL);
  g_assert_true (soup_server_listen_local (docs->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY,
                                           &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (docs->server);
  docs->base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
  return docs;
}

static void
doc_server_free (DocServer *docs)
{
  for (guint i = 0; i < docs->paused->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (docs->paused, i);

      soup_server_message_set_status (msg, 404, NULL);
      soup_server_message_unpause (msg);
    }
  g_ptr_array_unref (docs->paused);
  soup_server_disconnect (docs->server);
  g_object_unref (docs->server);
  g_free (docs->good_name);
  g_free (docs->base);
  g_free (docs);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DocServer, doc_server_free)

typedef struct
{
  GhGuiTest *test;
  DocServer *docs;
  GhPage    *page;
} Fixture;

static void
setup (Fixture *f)
{
  g_autoptr(JsonObject) patched = NULL;

  f->test = gh_gui_test_new ();
  f->docs = doc_server_new ();
  /* A production project: CIMD and loopback documents turned on for the test's server. */
  patched = gh_gui_test_admin (f->test, "PATCH", "/projects/default",
                               "{\"cimd_enabled\": true, \"allow_loopback_cimd\": true}");
  f->page = gh_gui_test_show_page (f->test, "cimd");
}

static void
teardown (Fixture *f)
{
  gh_gui_test_free (f->test);
  doc_server_free (f->docs);
}

static GtkWidget *
get (Fixture    *f,
     const char *name)
{
  return gh_gui_test_get (GTK_WIDGET (f->page), name);
}

/* A button the page shows in the window's header bar. */
static GtkWidget *
header (Fixture    *f,
        const char *name)
{
  return gh_gui_test_get (GTK_WIDGET (f->test->window), name);
}

static gboolean
page_idle (gpointer data)
{
  return !gh_page_get_busy (GH_PAGE (data));
}

static gboolean
sensitive (gpointer data)
{
  return gtk_widget_is_sensitive (GTK_WIDGET (data));
}

/* Clicks @button once it can be clicked (a reload of the page may be running). */
static void
click (GtkWidget *button)
{
  g_assert_true (gh_gui_test_wait (sensitive, button));
  gh_gui_test_click (button);
}

/* Types @path's URL into the entry and clicks Resolve; waits for the report. */
static char *
resolve_path (Fixture    *f,
              const char *path)
{
  char *url = g_strconcat (f->docs->base, path, NULL);

  gtk_editable_set_text (GTK_EDITABLE (get (f, "url-entry")), url);
  click (get (f, "resolve-button"));
  g_assert_true (gh_page_get_busy (f->page));
  g_assert_true (gh_gui_test_wait (page_idle, f->page));
  return url;
}

static void
show_tab (Fixture    *f,
          const char *name)
{
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (get (f, "view-stack")), name);
  gh_gui_test_run_for (50);
}

static const char *
verdict (Fixture *f)
{
  return gtk_label_get_text (GTK_LABEL (get (f, "verdict-label")));
}

static void
assert_shown (Fixture    *f,
              const char *part)
{
  if (!gh_gui_test_text_shown (GTK_WIDGET (f->page), part))
    {
      g_autofree char *labels = gh_gui_test_dump_labels (GTK_WIDGET (f->page));

      g_error ("“%s” is not shown; the page shows:\n%s", part, labels);
    }
}

/* The history lists @url among its rows, at @position. */
static void
assert_history (Fixture    *f,
                const char *url,
                guint       position)
{
  GtkListBox *list = GTK_LIST_BOX (get (f, "history-list"));
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (list, position);

  g_assert_nonnull (row);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (gtk_list_box_row_get_child (row))), ==, url);
}

/* A 403 challenge page: refused at fetch, with the status line, content type and first bytes
 * as evidence; a document naming another client_id: refused at document, the member marked in
 * the Document tab; both kept in the history, the latest first; curl repeats the request. */
static void
test_cimd_refused (void)
{
  Fixture f;
  g_autofree char *html = NULL;
  g_autofree char *wrong = NULL;
  g_autofree char *curl = NULL;
  GtkTextBuffer *buffer;
  GtkTextIter start;
  GtkTextIter end;
  g_autofree char *text = NULL;

  setup (&f);
  html = resolve_path (&f, "/html");
  g_assert_cmpstr (verdict (&f), ==,
                   "Refused at fetch: the server answered 403 with an HTML page");
  show_tab (&f, "checks");
  g_assert_true (gtk_widget_get_mapped (get (&f, "http.status")));
  /* The phase that failed comes first, before the URL checks that passed. */
  g_assert_cmpstr (gtk_widget_get_name (gtk_widget_get_first_child (get (&f, "checks-box"))),
                   ==, "phase-fetch");
  assert_shown (&f, "cimd.http.status");
  show_tab (&f, "network");
  assert_shown (&f, "403 Forbidden");
  assert_shown (&f, "text/html");
  assert_shown (&f, "First bytes: HTML page");
  assert_shown (&f, "<!DOCTYPE html>");
  g_assert_true (gtk_widget_get_mapped (get (&f, "timing-bar")));

  /* A redirect is never followed: its Location is shown, refused. */
  g_free (resolve_path (&f, "/redirect"));
  g_assert_cmpstr (verdict (&f), ==, "Refused at fetch: the server answered 302, redirecting to "
                   "https://elsewhere.example/client.json");
  show_tab (&f, "network");
  g_assert_true (gtk_widget_get_mapped (get (&f, "location-row")));
  assert_shown (&f, "Location (refused: never followed)");

  wrong = resolve_path (&f, "/wrong-id.json");
  g_assert_true (g_str_has_prefix (verdict (&f), "Refused at document: "));
  /* The tabs stay reachable at 800x600: the bar under the report, inside the window. */
  {
    GtkWidget *window = GTK_WIDGET (f.test->window);
    GtkWidget *bar = get (&f, "switcher-bar");
    graphene_rect_t bounds;

    gtk_window_set_default_size (GTK_WINDOW (window), 800, 600);
    gh_gui_test_run_for (500);
    g_assert_true (gtk_widget_get_mapped (bar));
    g_assert_true (gtk_widget_compute_bounds (bar, window, &bounds));
    g_assert_cmpfloat (bounds.size.height, >, 20);
    g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=,
                       gtk_widget_get_height (window) + 0.5);
    gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  }
  show_tab (&f, "checks");
  g_assert_true (gtk_widget_get_mapped (get (&f, "document.client_id")));
  assert_shown (&f, "https://other.example/client.json");
  /* The checks after the failing one still ran: the document's other members passed. */
  g_assert_true (gtk_widget_get_mapped (get (&f, "document.redirect_uris")));

  show_tab (&f, "document");
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (get (&f, "document-view")));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  g_assert_nonnull (strstr (text, "\"client_id\": \"https://other.example/client.json\""));
  {
    GtkTextMark *mark = gtk_text_buffer_get_mark (buffer, "failing");
    GtkTextTag *tag = gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer),
                                                 "failing");
    GtkTextIter at;

    g_assert_nonnull (mark);
    gtk_text_buffer_get_iter_at_mark (buffer, &at, mark);
    g_assert_true (gtk_text_iter_has_tag (&at, tag));
    gtk_text_iter_forward_chars (&at, 3);
    g_assert_true (gtk_text_iter_has_tag (&at, tag));
  }

  assert_history (&f, wrong, 0);
  assert_history (&f, html, 2);
  /* Offered in the popover of recent URLs. */
  gtk_menu_button_popup (GTK_MENU_BUTTON (get (&f, "history-button")));
  gh_gui_test_run_for (100);
  g_assert_true (gh_gui_test_label_shown (get (&f, "history-list"), wrong));
  gtk_menu_button_popdown (GTK_MENU_BUTTON (get (&f, "history-button")));

  gtk_widget_activate_action (GTK_WIDGET (f.page), "cimd.copy-curl", NULL);
  curl = gh_gui_test_clipboard (GTK_WIDGET (f.page));
  g_assert_true (g_str_has_prefix (curl, "curl "));
  g_assert_nonnull (strstr (curl, "-H 'accept: application/json'"));
  g_assert_nonnull (strstr (curl, "--max-redirs 0"));
  {
    g_autofree char *quoted = g_strdup_printf (" '%s'", wrong);

    g_assert_true (g_str_has_suffix (curl, quoted));
  }

  /* A history row resolves its URL again. */
  g_signal_emit_by_name (get (&f, "history-list"), "row-activated",
                         gtk_list_box_get_row_at_index (GTK_LIST_BOX (get (&f, "history-list")),
                                                        2));
  g_assert_true (gh_gui_test_wait (page_idle, f.page));
  g_assert_cmpstr (verdict (&f), ==,
                   "Refused at fetch: the server answered 403 with an HTML page");
  assert_history (&f, html, 0);
  teardown (&f);
}

static gboolean
check_changes_shown (gpointer data)
{
  Fixture *f = data;

  return gtk_widget_get_visible (header (f, "check-changes-button")) &&
         gtk_widget_is_sensitive (header (f, "check-changes-button"));
}

static char *
client_name (Fixture    *f,
             const char *url)
{
  g_autofree char *escaped = g_uri_escape_string (url, NULL, FALSE);
  g_autofree char *path = g_strconcat ("/projects/default/clients/", escaped, NULL);
  g_autoptr(JsonObject) client = gh_gui_test_admin (f->test, "GET", path, NULL);

  g_assert_true (json_object_get_boolean_member (client, "imported"));
  return g_strdup (json_object_get_string_member (client, "client_name"));
}

/* A good document resolves green; Import registers it; served again with another name, Check
 * for Changes shows the diff and Save applies it; the Clients page's "refresh:" target opens
 * the same view; the report copies as JSON. */
static void
test_cimd_accept_import_refresh (void)
{
  Fixture f;
  g_autofree char *good = NULL;
  g_autofree char *name = NULL;
  g_autofree char *report = NULL;
  g_autofree char *target = NULL;

  setup (&f);
  good = resolve_path (&f, "/good.json");
  g_assert_true (g_str_has_prefix (verdict (&f), "Accepted"));
  g_assert_false (gtk_widget_has_css_class (get (&f, "verdict-box"), "error"));
  show_tab (&f, "checks");
  /* Every check passed or warned: no explain card. */
  g_assert_null (gh_gui_test_find (get (&f, "checks-box"), "explain-message"));
  assert_shown (&f, "Fetch");
  show_tab (&f, "cache");
  assert_shown (&f, "Miss: no cached copy, the document was fetched");

  gtk_widget_activate_action (GTK_WIDGET (f.page), "cimd.copy-report", NULL);
  report = gh_gui_test_clipboard (GTK_WIDGET (f.page));
  g_assert_nonnull (strstr (report, "\"would_accept\" : true"));

  /* Re-fetch goes past the cache. */
  click (header (&f, "refetch-button"));
  g_assert_true (gh_page_get_busy (f.page));
  g_assert_true (gh_gui_test_wait (page_idle, f.page));
  show_tab (&f, "cache");
  assert_shown (&f, "Bypassed: fetched again past the cache, as asked");
  show_tab (&f, "network");
  g_assert_true (gtk_widget_get_mapped (get (&f, "size-row")));

  click (header (&f, "import-button"));
  g_assert_true (gh_gui_test_wait (check_changes_shown, &f));
  name = client_name (&f, good);
  g_assert_cmpstr (name, ==, "Good Client");
  g_clear_pointer (&name, g_free);

  g_free (f.docs->good_name);
  f.docs->good_name = g_strdup ("Good Client 2");
  click (header (&f, "check-changes-button"));
  g_assert_true (gh_gui_test_wait (page_idle, f.page));
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (ADW_VIEW_STACK (get (&f,
                                                                               "view-stack"))),
                   ==, "changes");
  gh_gui_test_run_for (50);
  g_assert_true (gh_gui_test_label_shown (GTK_WIDGET (f.page), "client_name"));
  assert_shown (&f, "Good Client 2");
  /* Nothing is stored before Save. */
  name = client_name (&f, good);
  g_assert_cmpstr (name, ==, "Good Client");
  g_clear_pointer (&name, g_free);

  click (get (&f, "save-button"));
  g_assert_true (gh_gui_test_wait (page_idle, f.page));
  gh_gui_test_run_for (200);
  name = client_name (&f, good);
  g_assert_cmpstr (name, ==, "Good Client 2");
  g_clear_pointer (&name, g_free);
  g_assert_false (gtk_widget_is_sensitive (get (&f, "save-button")));

  /* The Clients page opens a refresh by its target. */
  g_free (f.docs->good_name);
  f.docs->good_name = g_strdup ("Good Client 3");
  gh_gui_test_show_page (f.test, "overview");
  target = g_strconcat ("refresh:", good, NULL);
  gtk_widget_activate_action (GTK_WIDGET (f.test->window), "win.open", "(ss)", "cimd", target);
  gh_gui_test_run_for (50);
  g_assert_true (gh_gui_test_wait (page_idle, f.page));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (f.page)));
  gh_gui_test_run_for (50);
  assert_shown (&f, "Good Client 3");
  g_assert_true (gtk_widget_is_sensitive (get (&f, "save-button")));
  /* The refresh's own report decides the verdict. */
  g_assert_true (g_str_has_prefix (verdict (&f), "Accepted"));
  teardown (&f);
}

/* Cancel stops a resolve that hangs; the page is usable again; "url:" targets resolve. */
static void
test_cimd_cancel_and_target (void)
{
  Fixture f;
  g_autofree char *slow = NULL;
  g_autofree char *target = NULL;

  setup (&f);
  slow = g_strconcat (f.docs->base, "/slow", NULL);
  gtk_editable_set_text (GTK_EDITABLE (get (&f, "url-entry")), slow);
  click (get (&f, "resolve-button"));
  gh_gui_test_run_for (100);
  g_assert_true (gh_page_get_busy (f.page));
  g_assert_true (gtk_widget_get_mapped (get (&f, "cancel-button")));
  click (get (&f, "cancel-button"));
  g_assert_false (gh_page_get_busy (f.page));
  gh_gui_test_run_for (50);
  g_assert_true (gtk_widget_get_mapped (get (&f, "resolve-button")));
  g_assert_true (gtk_widget_is_sensitive (get (&f, "resolve-button")));

  target = g_strconcat ("url:", f.docs->base, "/good.json", NULL);
  gtk_widget_activate_action (GTK_WIDGET (f.test->window), "win.open", "(ss)", "cimd", target);
  g_assert_true (gh_gui_test_wait (page_idle, f.page));
  g_assert_true (g_str_has_prefix (verdict (&f), "Accepted"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (get (&f, "url-entry"))), ==,
                   target + strlen ("url:"));
  teardown (&f);
}

static gboolean
verdict_accepted (gpointer data)
{
  Fixture *f = data;

  return !gh_page_get_busy (f->page) && g_str_has_prefix (verdict (f), "Accepted");
}

/* cimd_enabled off: every check still runs, the verdict names the setting, and the policy
 * check's Fix turns it on, after which the same URL is accepted. */
static void
test_cimd_setting_refuses (void)
{
  Fixture f;
  g_autofree char *good = NULL;
  g_autoptr(JsonObject) patched = NULL;
  g_autoptr(JsonObject) project = NULL;
  GtkWidget *card;

  setup (&f);
  patched = gh_gui_test_admin (f.test, "PATCH", "/projects/default",
                               "{\"cimd_enabled\": false}");
  good = resolve_path (&f, "/good.json");
  g_assert_cmpstr (verdict (&f), ==, "Refused by a project setting: the document passes every "
                   "check, but cimd_enabled refuses it");
  show_tab (&f, "checks");
  /* The document's checks ran all the same. */
  g_assert_true (gtk_widget_get_mapped (get (&f, "document.client_id")));
  card = get (&f, "policy.cimd_enabled");
  g_assert_true (gtk_widget_get_mapped (card));
  g_assert_true (gh_gui_test_text_shown (card, "cimd_enabled"));

  click (gh_gui_test_get (card, "fix-button"));
  g_assert_true (gh_gui_test_wait (verdict_accepted, &f));
  project = gh_gui_test_admin (f.test, "GET", "/projects/default", NULL);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (project,
                                                                                "settings"),
                                                 "cimd_enabled"));
  teardown (&f);
}

int
main (int   argc,
      char *argv[])
{
  gh_gui_test_init (&argc, &argv);

  g_test_add_func ("/gui/cimd/refused", test_cimd_refused);
  g_test_add_func ("/gui/cimd/accept-import-refresh", test_cimd_accept_import_refresh);
  g_test_add_func ("/gui/cimd/cancel-and-target", test_cimd_cancel_and_target);
  g_test_add_func ("/gui/cimd/setting-refuses", test_cimd_setting_refuses);

  return g_test_run ();
}
