/* test-flows.c — the Live flows page against a real server: a flow appears live with a dot
 * per step, a loopback port mismatch opens on its Explain card with the port marked, a
 * flow:ID step:N target opens that step, and the report is complete and redacted
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-flows-page.h"
#include "gh-gui-test.h"

#define VERIFIER "flows-test-verifier-0123456789-0123456789-abcdefghij"
#define REGISTERED "https://localhost:50001/cb"
#define WRONG_PORT "https://localhost:61234/cb"

/* ---- making flows ----------------------------------------------------------------------- */

/* A user, auto-approved, and a public client registered at REGISTERED (https: the port is
 * compared, only http loopback URIs match any port). */
static void
set_up_project (GhGuiTest *test)
{
  g_autoptr(JsonObject) user = NULL;
  g_autoptr(JsonObject) project = NULL;
  g_autoptr(JsonObject) client = NULL;

  user = gh_gui_test_admin (test, "POST", "/projects/default/users",
                            "{\"username\": \"alice\"}");
  project = gh_gui_test_admin (test, "PATCH", "/projects/default",
                               "{\"auto_approve_user\": \"alice\"}");
  client = gh_gui_test_admin (test, "POST", "/projects/default/clients",
                              "{\"client_id\": \"flowapp\", \"client_name\": \"Flow App\", "
                              "\"redirect_uris\": [\"" REGISTERED "\"], "
                              "\"token_endpoint_auth_method\": \"none\"}");
}

static GhRawResponse *
authorize (GhGuiTest  *test,
           const char *redirect_uri)
{
  g_autofree char *challenge = gh_gui_test_pkce_challenge (VERIFIER);
  g_autofree char *redirect = g_uri_escape_string (redirect_uri, NULL, FALSE);
  g_autofree char *request = NULL;

  request = g_strdup_printf ("GET /authorize?response_type=code&client_id=flowapp&"
                             "redirect_uri=%s&code_challenge=%s&code_challenge_method=S256&"
                             "state=s1&scope=openid HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                             "User-Agent: flows-test/1.0\r\nConnection: close\r\n\r\n",
                             redirect, challenge, test->server->port);
  return gh_test_raw_http (test->server->port, request, strlen (request), 10000);
}

/* A whole flow: authorize (auto-approved) and the code exchanged at /token. */
static void
run_flow (GhGuiTest *test)
{
  g_autoptr(GhRawResponse) answer = authorize (test, REGISTERED);
  g_autofree char *location = gh_raw_response_header (answer, "Location");
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GHashTable) query = NULL;
  g_autofree char *code = NULL;
  g_autofree char *body = NULL;
  g_autoptr(GhRawResponse) token = NULL;

  g_assert_cmpuint (answer->status, ==, 302);
  g_assert_nonnull (location);
  uri = g_uri_parse (location, G_URI_FLAGS_NONE, NULL);
  g_assert_nonnull (uri);
  query = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_NONE, NULL);
  code = g_uri_escape_string (g_hash_table_lookup (query, "code"), NULL, FALSE);
  body = g_strdup_printf ("grant_type=authorization_code&code=%s&client_id=flowapp&"
                          "redirect_uri=%s&code_verifier=" VERIFIER, code,
                          "https%3A%2F%2Flocalhost%3A50001%2Fcb");
  token = gh_test_raw_post_form (test->server->port, "/token", body);
  g_assert_cmpuint (token->status, ==, 200);
}

/* The newest flow of the project (of @state, or any), from the admin API. */
static JsonObject *
newest_flow (GhGuiTest  *test,
             const char *state)
{
  g_autofree char *path = g_strdup_printf ("/projects/default/flows?limit=1%s%s",
                                           state != NULL ? "&state=" : "",
                                           state != NULL ? state : "");
  g_autoptr(JsonObject) answer = gh_gui_test_admin (test, "GET", path, NULL);
  JsonArray *flows = json_object_get_array_member (answer, "flows");

  g_assert_cmpuint (json_array_get_length (flows), ==, 1);
  return json_object_ref (json_array_get_object_element (flows, 0));
}

static JsonObject *
flow_detail (GhGuiTest  *test,
             const char *id)
{
  g_autofree char *path = g_strdup_printf ("/projects/default/flows/%s", id);

  return gh_gui_test_admin (test, "GET", path, NULL);
}

/* ---- finding what the page shows -------------------------------------------------------- */

static GtkWidget *
find_row (GtkWidget  *page,
          const char *flow_id)
{
  GtkWidget *list = gh_gui_test_get (page, "flows-list");

  for (GtkWidget *row = gtk_widget_get_first_child (list); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "gh-flow-id"), flow_id) == 0)
      return gtk_widget_get_mapped (row) ? row : NULL;
  return NULL;
}

static guint
count_named (GtkWidget  *root,
             const char *name)
{
  guint n = g_strcmp0 (gtk_widget_get_name (root), name) == 0;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_named (child, name);
  return n;
}

static void
collect_named (GtkWidget  *root,
               const char *name,
               GPtrArray  *found)
{
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    g_ptr_array_add (found, root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_named (child, name, found);
}

typedef struct
{
  GtkWidget  *page;
  const char *id;
  guint       dots;
} RowWait;

static gboolean
row_with_dots (gpointer data)
{
  RowWait *w = data;
  GtkWidget *row = find_row (w->page, w->id);

  return row != NULL && count_named (row, "flow-dot") == w->dots;
}

static gboolean
row_shown (gpointer data)
{
  RowWait *w = data;

  return find_row (w->page, w->id) != NULL;
}

/* The Timeline's step row of @event_id, once the detail shows it. */
static GtkWidget *
step_row (GtkWidget *page,
          gint64     event_id)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autofree char *wanted = g_strdup_printf ("%" G_GINT64_FORMAT, event_id);

  collect_named (gh_gui_test_get (page, "flow-views"), "flow-step", rows);
  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (g_object_get_data (G_OBJECT (rows->pdata[i]), "gh-event-id"), wanted) == 0)
      return rows->pdata[i];
  return NULL;
}

typedef struct
{
  GtkWidget *page;
  gint64     event_id;
} StepWait;

static gboolean
step_shown (gpointer data)
{
  StepWait *w = data;
  GtkWidget *row = step_row (w->page, w->event_id);

  return row != NULL && gtk_widget_get_mapped (row) && !gh_page_get_busy (GH_PAGE (w->page));
}

static GhPage *
show_flows (GhGuiTest *test)
{
  GhPage *page = gh_gui_test_show_page (test, "flows");

  gh_page_reload (page);
  g_assert_true (gh_gui_test_wait_settled (page));
  return page;
}

/* ---- tests ------------------------------------------------------------------------------ */

/* A flow run while the page is open appears on top within a second, without a reload, with
 * one dot per step titled as the step; the empty state says how to start one before. */
static void
test_flows_live (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_autoptr(JsonObject) flow = NULL;
  g_autoptr(JsonObject) detail = NULL;
  g_autoptr(GPtrArray) dots = g_ptr_array_new ();
  JsonArray *steps;
  GtkWidget *page;
  GtkWidget *row;
  GtkWidget *entry;
  g_autoptr(GhRawResponse) refused = NULL;
  g_autoptr(JsonObject) other = NULL;
  RowWait w = { NULL, NULL, 0 };
  RowWait w2 = { NULL, NULL, 0 };
  gint64 start;

  set_up_project (test);
  page = GTK_WIDGET (show_flows (test));
  g_assert_true (gtk_widget_get_mapped (gh_gui_test_get (page, "flows-empty-page")));
  g_assert_true (gh_gui_test_text_shown (page, "/.well-known/oauth-authorization-server"));

  run_flow (test);
  start = g_get_monotonic_time ();
  flow = newest_flow (test, NULL);
  w.page = page;
  w.id = json_object_get_string_member (flow, "id");
  if (!gh_gui_test_wait (row_shown, &w))
    g_error ("the flow did not appear:\n%s", gh_gui_test_dump_labels (page));
  g_test_message ("the flow appeared after %.0f ms", (g_get_monotonic_time () - start) / 1e3);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);

  /* Every step, as the server has them */
  detail = flow_detail (test, w.id);
  steps = json_object_get_array_member (detail, "steps");
  g_assert_cmpuint (json_array_get_length (steps), >=, 3);
  w.dots = json_array_get_length (steps);
  if (!gh_gui_test_wait (row_with_dots, &w))
    g_error ("%u dots, not %u", count_named (find_row (page, w.id), "flow-dot"), w.dots);
  row = find_row (page, w.id);
  collect_named (row, "flow-dot", dots);
  g_assert_cmpstr (gtk_widget_get_tooltip_text (dots->pdata[0]), ==, "Authorize");
  g_assert_cmpstr (gtk_widget_get_tooltip_text (dots->pdata[dots->len - 1]), ==, "Token");
  g_assert_true (gtk_widget_has_css_class (dots->pdata[dots->len - 1], "success"));
  g_assert_true (gh_gui_test_label_shown (row, "alice") ||
                 gh_gui_test_text_shown (row, "alice"));
  g_assert_false (gtk_widget_get_mapped (gh_gui_test_get (page, "flows-empty-page")));
  /* the newest on top */
  g_assert_true (gtk_widget_get_first_child (gh_gui_test_get (page, "flows-list")) == row);

  /* Ctrl+F: the search narrows the list by client or user */
  refused = authorize (test, WRONG_PORT);
  other = newest_flow (test, "failed");
  w2.page = page;
  w2.id = json_object_get_string_member (other, "id");
  g_assert_true (gh_gui_test_wait (row_shown, &w2));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (test->window), "win.search", NULL));
  entry = gh_gui_test_get (page, "flows-search-entry");
  gh_gui_test_run_for (300);
  g_assert_true (gtk_widget_get_mapped (entry));
  gtk_editable_set_text (GTK_EDITABLE (entry), "ALICE");
  gh_gui_test_run_for (300);
  g_assert_true (gtk_widget_get_mapped (row));
  g_assert_null (find_row (page, w2.id));
  gtk_editable_set_text (GTK_EDITABLE (entry), "nobody-here");
  gh_gui_test_run_for (300);
  g_assert_false (gtk_widget_get_mapped (row));
  g_assert_true (gh_gui_test_label_shown (page, "No Matching Flows"));
}

/* Flows run before the page opens: once it has read the list (not busy any more) every row
 * shows its flow's steps as dots, titled and coloured as the steps went, from the list's
 * answer alone (the page no longer waits for a read of each flow). */
static void
test_flows_rows_from_list (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_autoptr(GhRawResponse) refused = NULL;
  g_autoptr(JsonObject) answer = NULL;
  GtkWidget *page;
  JsonArray *flows;

  set_up_project (test);
  run_flow (test);
  refused = authorize (test, WRONG_PORT);
  page = GTK_WIDGET (show_flows (test));

  answer = gh_gui_test_admin (test, "GET", "/projects/default/flows", NULL);
  flows = json_object_get_array_member (answer, "flows");
  g_assert_cmpuint (json_array_get_length (flows), ==, 2);
  for (guint i = 0; i < json_array_get_length (flows); i++)
    {
      const char *id = json_object_get_string_member (json_array_get_object_element (flows, i),
                                                      "id");
      g_autoptr(JsonObject) detail = flow_detail (test, id);
      JsonArray *steps = json_object_get_array_member (detail, "steps");
      g_autoptr(GPtrArray) dots = g_ptr_array_new ();
      GtkWidget *row = find_row (page, id);

      g_assert_nonnull (row);
      collect_named (row, "flow-dot", dots);
      g_assert_cmpuint (dots->len, ==, json_array_get_length (steps));
      for (guint j = 0; j < dots->len; j++)
        {
          JsonObject *step = json_array_get_object_element (steps, j);
          gboolean failed = g_strcmp0 (json_object_get_string_member (step, "outcome"),
                                       "failure") == 0;

          g_assert_nonnull (gtk_widget_get_tooltip_text (dots->pdata[j]));
          g_assert_cmpstr (gtk_widget_get_tooltip_text (dots->pdata[j]), !=, "");
          g_assert_true (gtk_widget_has_css_class (dots->pdata[j],
                                                   failed ? "error" : "success"));
        }
      g_assert_cmpstr (gtk_widget_get_tooltip_text (dots->pdata[0]), ==, "Authorize");
    }
}

typedef struct
{
  GtkWidget  *page;
  const char *newest;
  guint       rows;
} CountWait;

static gboolean
rows_counted (gpointer data)
{
  CountWait *w = data;

  return count_named (gh_gui_test_get (w->page, "flows-list"), "flow-row") == w->rows &&
         (w->newest == NULL || find_row (w->page, w->newest) != NULL);
}

/* A burst of new flows while the list is at its top: it keeps the newest fifty (each is a row
 * of widgets every frame lays out), the newest on top; scrolled to its end, the older
 * ones come back as pages. */
static void
test_flows_keeps_newest (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_autoptr(JsonObject) answer = NULL;
  GtkWidget *page;
  GtkAdjustment *adjustment;
  CountWait w = { 0 };

  set_up_project (test);
  page = GTK_WIDGET (show_flows (test));
  for (guint i = 0; i < 120; i++)
    {
      g_autoptr(GhRawResponse) response = authorize (test, REGISTERED);

      g_assert_cmpuint (response->status, <, 400);
      if (i % 20 == 19)
        gh_gui_test_run_for (50);
    }
  answer = gh_gui_test_admin (test, "GET", "/projects/default/flows?limit=1", NULL);
  w.page = page;
  w.newest = json_object_get_string_member (
               json_array_get_object_element (json_object_get_array_member (answer, "flows"), 0),
               "id");
  w.rows = 50;
  g_assert_true (gh_gui_test_wait (rows_counted, &w));
  gh_gui_test_run_for (700);  /* the last tick's read: still fifty */
  g_assert_true (rows_counted (&w));

  adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (
                 gtk_widget_get_ancestor (gh_gui_test_get (page, "flows-list"),
                                          GTK_TYPE_SCROLLED_WINDOW)));
  w.newest = NULL;
  w.rows = 120;
  for (guint i = 0; i < 300 && !rows_counted (&w); i++)
    {
      gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) -
                                            gtk_adjustment_get_page_size (adjustment));
      gh_gui_test_run_for (100);
    }
  if (!rows_counted (&w))
    g_error ("%u rows after scrolling to the end, not %u",
             count_named (gh_gui_test_get (page, "flows-list"), "flow-row"), w.rows);

  /* A flow started while another page is shown is there when this one is shown again. */
  g_assert_true (gh_window_show_page (test->window, "overview"));
  gh_gui_test_run_for (50);
  {
    g_autoptr(GhRawResponse) response = authorize (test, REGISTERED);
    g_autoptr(JsonObject) newest = NULL;
    RowWait rw = { page, NULL, 0 };

    g_assert_cmpuint (response->status, <, 400);
    gh_gui_test_run_for (500);
    newest = gh_gui_test_admin (test, "GET", "/projects/default/flows?limit=1", NULL);
    rw.id = json_object_get_string_member (
              json_array_get_object_element (json_object_get_array_member (newest, "flows"), 0),
              "id");
    g_assert_true (gh_window_show_page (test->window, "flows"));
    gtk_adjustment_set_value (adjustment, 0);
    g_assert_true (gh_gui_test_wait (row_shown, &rw));
  }
}

typedef struct
{
  GtkWidget *page;
} PageWait;

static gboolean
export_ready (gpointer data)
{
  GtkWidget *page = data;

  return gtk_widget_get_sensitive (gh_gui_test_get (page, "flow-export-button"));
}

static gboolean
row_gives_reason (gpointer data)
{
  RowWait *w = data;
  GtkWidget *row = find_row (w->page, w->id);

  /* Where and what, in the verdict's words; the whole message in the tooltip */
  return row != NULL && gh_gui_test_label_shown (row, "Authorize: redirect URI mismatch (port)");
}

static gboolean
badge_one (gpointer data)
{
  return gh_page_get_badge (GH_PAGE (data)) == 1;
}

/* A flow refused because the redirect URI's port differs: its row says why in one line,
 * clicked it opens with the verdict, the failing step expanded and its Explain card marking
 * the port. */
static void
test_flows_port_mismatch (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_autoptr(GhRawResponse) refused = NULL;
  g_autoptr(JsonObject) flow = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  JsonObject *last_error;
  GtkWidget *page;
  GtkWidget *row;
  GtkWidget *step;
  GtkWidget *card;
  const char *verdict;
  const char *markup;
  RowWait w = { NULL, NULL, 0 };
  StepWait s = { NULL, 0 };

  set_up_project (test);
  page = GTK_WIDGET (show_flows (test));
  refused = authorize (test, WRONG_PORT);
  g_assert_cmpuint (refused->status, ==, 400);
  flow = newest_flow (test, "failed");
  last_error = json_object_get_object_member (flow, "last_error");
  w.page = page;
  w.id = json_object_get_string_member (flow, "id");
  /* At once from the stream, then the reason from its summary */
  g_assert_true (gh_gui_test_wait (row_shown, &w));
  if (!gh_gui_test_wait (row_gives_reason, &w))
    g_error ("no reason:\n%s", gh_gui_test_dump_labels (find_row (page, w.id)));
  row = find_row (page, w.id);

  gtk_widget_activate (row);
  s.page = page;
  s.event_id = json_object_get_int_member (last_error, "event_id");
  if (!gh_gui_test_wait (step_shown, &s))
    g_error ("no failing step:\n%s", gh_gui_test_dump_labels (page));

  verdict = gtk_label_get_label (GTK_LABEL (gh_gui_test_get (page, "flow-verdict")));
  /* Where and which rule; the why is the Explain card's alone */
  g_assert_cmpstr (verdict, ==, "Failed at Authorize (step 1 of 1): redirect URI mismatch (port)");

  step = step_row (page, s.event_id);
  g_assert_true (adw_expander_row_get_expanded (ADW_EXPANDER_ROW (step)));
  card = gh_gui_test_get (step, "explain-card");
  g_assert_true (gtk_widget_get_mapped (card));
  g_assert_null (strstr (verdict, gtk_label_get_label (GTK_LABEL (gh_gui_test_get (
                                                         card, "explain-message")))));
  markup = gtk_label_get_label (GTK_LABEL (gh_gui_test_get (card, "actual-value")));
  g_test_message ("actual: %s", markup);
  g_assert_nonnull (strstr (markup, "https://localhost:<span"));
  g_assert_nonnull (strstr (markup, ">61234</span>/cb"));
  markup = gtk_label_get_label (GTK_LABEL (gh_gui_test_get (card, "expected-value")));
  g_assert_nonnull (strstr (markup, ">50001</span>/cb"));

  /* The curl of the refused request names the redirect URI it sent */
  gh_gui_test_click (gh_gui_test_get (step, "flow-step-curl-button"));
  {
    g_autofree char *curl = gh_gui_test_clipboard (page);

    g_assert_true (g_str_has_prefix (curl, "curl -i '"));
    g_assert_nonnull (strstr (curl, "/authorize?response_type=code&client_id=flowapp&"
                                    "redirect_uri=https%3A%2F%2Flocalhost%3A61234%2Fcb"));
    g_assert_nonnull (strstr (curl, "code_challenge=CODE_CHALLENGE"));
  }

  /* The sidebar's count: flows failed in the last hour, in red, from the stream */
  g_assert_true (gh_gui_test_wait (badge_one, page));
  g_assert_true (gh_page_get_badge_alert (GH_PAGE (page)));

  /* Raw: the flow's events */
  g_assert_true (gh_gui_test_wait (export_ready, page));
  collect_named (gh_gui_test_get (page, "flow-raw"), "flow-raw-card", rows);
  g_assert_cmpuint (rows->len, ==, json_object_get_int_member (flow, "steps"));
}

/* win.open('flows', 'flow:ID step:N') opens that flow on the Timeline with step N expanded,
 * 'flow:ID view:tokens' on its Tokens tab; Overview's Needs attention opens a flow's failure
 * the same way. */
static void
test_flows_target (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_autoptr(JsonObject) flow = NULL;
  g_autoptr(JsonObject) detail = NULL;
  g_autoptr(GhRawResponse) refused = NULL;
  g_autoptr(JsonObject) failed = NULL;
  g_autoptr(GPtrArray) steps = g_ptr_array_new ();
  g_autofree char *target = NULL;
  g_autofree char *tokens_target = NULL;
  g_autoptr(GhRawResponse) waiting = NULL;
  g_autoptr(JsonObject) holding = NULL;
  JsonArray *step_list;
  GtkWidget *page;
  GtkWidget *overview;
  StepWait s = { NULL, 0 };
  RowWait w = { NULL, NULL, 0 };
  guint expanded = 0;

  set_up_project (test);
  run_flow (test);
  flow = newest_flow (test, NULL);
  detail = flow_detail (test, json_object_get_string_member (flow, "id"));
  step_list = json_object_get_array_member (detail, "steps");
  s.event_id = json_object_get_int_member (json_array_get_object_element (step_list, 1),
                                           "event_id");
  target = g_strdup_printf ("flow:%s step:%" G_GINT64_FORMAT,
                            json_object_get_string_member (flow, "id"), s.event_id);

  page = GTK_WIDGET (show_flows (test));
  s.page = page;
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (test->window), "win.open", "(ss)",
                                             "flows", target));
  if (!gh_gui_test_wait (step_shown, &s))
    g_error ("no step %" G_GINT64_FORMAT ":\n%s", s.event_id, gh_gui_test_dump_labels (page));
  g_assert_true (adw_expander_row_get_expanded (ADW_EXPANDER_ROW (step_row (page,
                                                                            s.event_id))));
  collect_named (page, "flow-step", steps);
  g_assert_cmpuint (steps->len, ==, json_array_get_length (step_list));
  for (guint i = 0; i < steps->len; i++)
    expanded += adw_expander_row_get_expanded (ADW_EXPANDER_ROW (steps->pdata[i]));
  g_assert_cmpuint (expanded, ==, 1);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (
                     ADW_VIEW_STACK (gh_gui_test_get (page, "flow-views"))), ==, "timeline");
  g_assert_true (g_str_has_prefix (gtk_label_get_label (GTK_LABEL (gh_gui_test_get (
                                     page, "flow-verdict"))), "Succeeded in "));

  /* view:NAME opens another tab; the page stays busy until the Tokens tab has read its tokens */
  tokens_target = g_strdup_printf ("flow:%s view:tokens",
                                   json_object_get_string_member (flow, "id"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (test->window), "win.open", "(ss)",
                                             "flows", tokens_target));
  gh_gui_test_run_for (50);
  g_assert_true (gh_gui_test_wait_settled (GH_PAGE (page)));
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (
                     ADW_VIEW_STACK (gh_gui_test_get (page, "flow-views"))), ==, "tokens");
  g_assert_true (gh_gui_test_text_shown (page, "Check Against a Resource"));

  /* Overview: the refusal's group opens its flow at the failing step */
  refused = authorize (test, WRONG_PORT);
  failed = newest_flow (test, "failed");
  overview = GTK_WIDGET (gh_gui_test_show_page (test, "overview"));
  gh_page_reload (GH_PAGE (overview));
  g_assert_true (gh_gui_test_wait_settled (GH_PAGE (overview)));
  gh_gui_test_click (gh_gui_test_get (gh_gui_test_get (overview,
                                                       "attention-redirect_uri.mismatch"),
                                      "open-flow-button"));
  g_assert_true (gh_window_get_visible_page (test->window) == GH_PAGE (page));
  s.event_id = json_object_get_int_member (json_object_get_object_member (failed,
                                                                          "last_error"),
                                           "event_id");
  if (!gh_gui_test_wait (step_shown, &s))
    g_error ("no failing step:\n%s", gh_gui_test_dump_labels (page));
  g_assert_true (adw_expander_row_get_expanded (ADW_EXPANDER_ROW (step_row (page,
                                                                            s.event_id))));
  g_assert_true (gtk_widget_get_mapped (gh_gui_test_get (step_row (page, s.event_id),
                                                         "explain-card")));

  /* Failed, sent to the server: the refused flow stays, the one that succeeded goes */
  w.page = page;
  w.id = json_object_get_string_member (flow, "id");
  g_assert_nonnull (find_row (page, w.id));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (gh_gui_test_get (page,
                                                                    "flows-filter-failed")),
                                TRUE);
  g_assert_true (gh_gui_test_wait_settled (GH_PAGE (page)));
  g_assert_null (find_row (page, w.id));
  g_assert_nonnull (find_row (page, json_object_get_string_member (failed, "id")));

  /* Running: a flow whose code the client never exchanged is still in progress */
  waiting = authorize (test, REGISTERED);
  g_assert_cmpuint (waiting->status, ==, 302);
  holding = newest_flow (test, "code");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (gh_gui_test_get (page,
                                                                    "flows-filter-running")),
                                TRUE);
  gh_gui_test_run_for (50);
  g_assert_true (gh_gui_test_wait_settled (GH_PAGE (page)));
  g_assert_nonnull (find_row (page, json_object_get_string_member (holding, "id")));
  g_assert_null (find_row (page, json_object_get_string_member (failed, "id")));
  g_assert_null (find_row (page, w.id));
}

static void
exported_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GError **error = user_data;

  if (!gh_flows_page_export_report_finish (GH_FLOWS_PAGE (source), result, error) &&
      *error == NULL)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "no error");
  else if (*error == NULL)
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "written");
}

static gboolean
exported (gpointer data)
{
  return *(GError **) data != NULL;
}

static void
assert_redacted_members (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GList) members = json_object_get_members (object);

      for (GList *l = members; l != NULL; l = l->next)
        {
          JsonNode *value = json_object_get_member (object, l->data);

          if (g_str_equal (l->data, "source") || g_str_equal (l->data, "user_id"))
            g_assert_true (JSON_NODE_HOLDS_NULL (value) ||
                           g_strcmp0 (json_node_get_string (value), "[redacted]") == 0);
          else
            assert_redacted_members (value);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (node)); i++)
      assert_redacted_members (json_array_get_element (json_node_get_array (node), i));
}

static void
assert_absent (const char *content,
               const char *text)
{
  const char *at = strstr (content, text);

  if (at != NULL)
    g_error ("the report holds “%s”: …%.*s…", text, 300,
             at - content > 150 ? at - 150 : content);
}

/* Export Flow as Report: one JSON file with the flow, every step with its parameters, the
 * events; no source address, no user name; marked redacted, with the version. */
static void
test_flows_export (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_autoptr(JsonObject) flow = NULL;
  g_autoptr(JsonObject) detail = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autofree char *content = NULL;
  g_autofree char *target = NULL;
  JsonObject *report;
  JsonArray *steps;
  GtkWidget *page;

  set_up_project (test);
  run_flow (test);
  flow = newest_flow (test, NULL);
  detail = flow_detail (test, json_object_get_string_member (flow, "id"));
  g_assert_cmpstr (json_object_get_string_member (flow, "user_id"), ==, "alice");
  g_assert_cmpstr (json_object_get_string_member (flow, "source"), ==, "127.0.0.1");

  page = GTK_WIDGET (show_flows (test));
  target = g_strdup_printf ("flow:%s", json_object_get_string_member (flow, "id"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (test->window), "win.open", "(ss)",
                                             "flows", target));
  g_assert_true (gh_gui_test_wait (export_ready, page));

  path = g_build_filename (test->tmp, "report.json", NULL);
  file = g_file_new_for_path (path);
  gh_flows_page_export_report (GH_FLOWS_PAGE (page), file, NULL, exported_cb, &error);
  g_assert_true (gh_gui_test_wait (exported, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);

  g_assert_true (g_file_get_contents (path, &content, NULL, NULL));
  /* The source address as a value (the issuer's URL, on the same address, stays) */
  assert_absent (content, "\"127.0.0.1\"");
  assert_absent (content, "alice");
  assert_absent (content, VERIFIER);

  g_assert_true (json_parser_load_from_data (parser, content, -1, NULL));
  report = json_node_get_object (json_parser_get_root (parser));
  g_assert_true (json_object_get_boolean_member (report, "redacted"));
  g_assert_cmpstr (json_object_get_string_member (report, "generated_by"), ==,
                   "Gatehouse " PACKAGE_VERSION);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (report,
                                                                                 "flow"),
                                                  "id"), ==,
                   json_object_get_string_member (flow, "id"));
  steps = json_object_get_array_member (report, "steps");
  g_assert_cmpuint (json_array_get_length (steps), ==,
                    json_array_get_length (json_object_get_array_member (detail, "steps")));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
                     json_array_get_object_element (steps, 0), "params"), "redirect_uri"), ==,
                   REGISTERED);
  g_assert_true (json_object_has_member (report, "discovery_hits"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (report, "events")), ==,
                    json_object_get_int_member (flow, "steps"));
  assert_redacted_members (json_parser_get_root (parser));
}

int
main (int   argc,
      char *argv[])
{
  gh_gui_test_init (&argc, &argv);

  g_test_add_func ("/gui/flows/live", test_flows_live);
  g_test_add_func ("/gui/flows/rows-from-list", test_flows_rows_from_list);
  g_test_add_func ("/gui/flows/keeps-newest", test_flows_keeps_newest);
  g_test_add_func ("/gui/flows/port-mismatch", test_flows_port_mismatch);
  g_test_add_func ("/gui/flows/target", test_flows_target);
  g_test_add_func ("/gui/flows/export", test_flows_export);

  return g_test_run ();
}
