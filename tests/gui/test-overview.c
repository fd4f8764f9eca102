/* test-overview.c — the Overview page against a real server: what runs and where, the
 * project's endpoints with Copy as curl, the counts, Needs attention and the activity chart fed
 * by the live event stream
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gh-activity-chart.h"
#include "gh-gui-test.h"
#include "gh-property-row.h"

#define APP_CB "https://app.example/cb"

static const char *
row_value (GtkWidget  *page,
           const char *row)
{
  return gh_property_row_get_value (GH_PROPERTY_ROW (gh_gui_test_get (page, row)));
}

static const char *
tile_value (GtkWidget  *page,
            const char *tile)
{
  return gtk_label_get_label (GTK_LABEL (gh_gui_test_get (gh_gui_test_get (page, tile),
                                                          "tile-value")));
}

/* An /authorize the server refuses: @redirect_uri is not the client's. */
static void
refused_authorize (GhGuiTest  *test,
                   const char *redirect_uri,
                   const char *user_agent)
{
  g_autofree char *uri = g_uri_escape_string (redirect_uri, NULL, FALSE);
  /* NULL: no User-Agent header at all */
  g_autofree char *agent = user_agent != NULL ? g_strdup_printf ("User-Agent: %s\r\n",
                                                                 user_agent)
                                              : g_strdup ("");
  g_autofree char *request =
    g_strdup_printf ("GET /authorize?response_type=code&client_id=app&redirect_uri=%s"
                     "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
                     "&code_challenge_method=S256&state=x HTTP/1.1\r\n"
                     "Host: 127.0.0.1\r\n%sConnection: close\r\n\r\n",
                     uri, agent);
  g_autoptr(GhRawResponse) response = gh_test_raw_http (test->server->port, request,
                                                        strlen (request), 10000);

  g_assert_cmpuint (response->status, ==, 400);
}

static void
add_client (GhGuiTest *test)
{
  g_autoptr(JsonObject) client =
    gh_gui_test_admin (test, "POST", "/projects/default/clients",
                       "{\"client_id\": \"app\", \"redirect_uris\": [\"" APP_CB "\"], "
                       "\"token_endpoint_auth_method\": \"none\"}");
}

typedef struct
{
  GtkWidget  *page;
  const char *was;
} UptimeWait;

static gboolean
uptime_changed (gpointer data)
{
  UptimeWait *w = data;

  return g_strcmp0 (row_value (w->page, "uptime-row"), w->was) != 0;
}

/* The server's version and listen URL, and every endpoint of the project, as the server has
 * them; a project with a path has its discovery documents at the path-inserted forms. */
static void
test_overview_server_and_endpoints (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_autoptr(JsonObject) server = gh_gui_test_admin (test, "GET", "/server", NULL);
  g_autoptr(JsonObject) project = NULL;
  const char *base = test->server->base;
  GtkWidget *page = GTK_WIDGET (gh_gui_test_show_page (test, "overview"));
  g_autofree char *discovery = g_strconcat (base, "/.well-known/oauth-authorization-server",
                                            NULL);
  g_autofree char *openid = g_strconcat (base, "/.well-known/openid-configuration", NULL);
  g_autofree char *token = g_strconcat (base, "/token", NULL);
  g_autofree char *authorize = g_strconcat (base, "/authorize", NULL);
  g_autofree char *jwks = g_strconcat (base, "/jwks", NULL);
  g_autofree char *team = g_strconcat (base, "/p/team", NULL);
  g_autofree char *team_discovery = NULL;
  g_autofree char *team_openid = NULL;
  g_autofree char *uptime = NULL;

  g_assert_cmpstr (row_value (page, "version-row"), ==,
                   json_object_get_string_member (server, "version"));
  g_assert_true (gh_gui_test_label_shown (page, json_object_get_string_member (server,
                                                                              "version")));
  g_assert_nonnull (strstr (row_value (page, "listen-row"), base));
  g_assert_cmpstr (row_value (page, "tls-row"), ==, "No: plain HTTP");
  g_assert_true (gtk_widget_get_mapped (gh_gui_test_get (page, "uptime-row")));
  /* The uptime ticks */
  uptime = g_strdup (row_value (page, "uptime-row"));
  g_assert_true (gh_gui_test_wait (uptime_changed, &(UptimeWait) { page, uptime }));
  g_assert_cmpstr (row_value (page, "state-row"), ==, "Running");

  g_assert_cmpstr (row_value (page, "issuer-row"), ==, base);
  g_assert_cmpstr (row_value (page, "discovery-row"), ==, discovery);
  g_assert_cmpstr (row_value (page, "openid-row"), ==, openid);
  g_assert_cmpstr (row_value (page, "token-row"), ==, token);
  g_assert_cmpstr (row_value (page, "authorize-row"), ==, authorize);
  g_assert_cmpstr (row_value (page, "jwks-row"), ==, jwks);
  g_assert_true (gh_gui_test_label_shown (page, token));
  /* Production profile: no registration, said in place of the address */
  g_assert_true (g_str_has_prefix (row_value (page, "registration-row"), "None"));
  g_assert_false (gtk_widget_get_visible (gh_gui_test_get (gh_gui_test_get (page,
                                                                            "registration-row"),
                                                           "curl-button")));

  /* Another project: its issuer has a path, inserted after the well-known name */
  project = gh_gui_test_admin (test, "POST", "/projects",
                               "{\"slug\": \"team\", \"profile\": \"development\"}");
  gh_window_set_project (test->window, "team");
  g_assert_true (gh_gui_test_wait_settled (GH_PAGE (page)));
  team_discovery = g_strconcat (base, "/.well-known/oauth-authorization-server/p/team", NULL);
  team_openid = g_strconcat (base, "/.well-known/openid-configuration/p/team", NULL);
  g_assert_cmpstr (row_value (page, "issuer-row"), ==, team);
  g_assert_cmpstr (row_value (page, "discovery-row"), ==, team_discovery);
  g_assert_cmpstr (row_value (page, "openid-row"), ==, team_openid);
  g_assert_true (g_str_has_prefix (row_value (page, "token-row"), team));
  /* Development profile: registration open */
  g_assert_true (g_str_has_prefix (row_value (page, "registration-row"), team));
}

/* Copy as curl puts a command on the clipboard that, run, gets the document. */
static void
test_overview_copy_as_curl (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  GtkWidget *page = GTK_WIDGET (gh_gui_test_show_page (test, "overview"));
  g_autofree char *command = NULL;
  g_autofree char *token_command = NULL;
  g_autofree char *output = NULL;
  g_autofree char *curl = g_find_program_in_path ("curl");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  int status = -1;

  gh_gui_test_click (gh_gui_test_get (gh_gui_test_get (page, "discovery-row"), "curl-button"));
  command = gh_gui_test_clipboard (page);
  g_assert_true (g_str_has_prefix (command, "curl -s "));
  g_assert_nonnull (strstr (command, row_value (page, "discovery-row")));

  if (curl == NULL)
    g_test_message ("no curl here: the command is not run");
  else
    {
      g_assert_true (g_spawn_command_line_sync (command, &output, NULL, &status, &error));
      g_assert_no_error (error);
      g_assert_cmpint (status, ==, 0);
      g_assert_true (json_parser_load_from_data (parser, output, -1, &error));
      g_assert_cmpstr (json_object_get_string_member (json_node_get_object (
                                                        json_parser_get_root (parser)),
                                                      "issuer"), ==, test->server->base);
    }

  /* The token endpoint's: a form POST of a code exchange, values to fill in */
  gh_gui_test_click (gh_gui_test_get (gh_gui_test_get (page, "token-row"), "curl-button"));
  token_command = gh_gui_test_clipboard (page);
  g_assert_true (g_str_has_prefix (token_command, "curl -s "));
  g_assert_nonnull (strstr (token_command, "grant_type=authorization_code"));
  g_assert_nonnull (strstr (token_command, "\"code=$CODE\""));
  g_assert_nonnull (strstr (token_command, "code_verifier"));
}

typedef struct
{
  GtkWidget  *page;
  const char *row;
  const char *title;
} RowWait;

static gboolean
row_titled (gpointer data)
{
  RowWait *w = data;
  GtkWidget *row = gh_gui_test_find (w->page, w->row);

  return row != NULL && gtk_widget_get_mapped (row) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), w->title) == 0;
}

static gboolean
explain_card_shown (gpointer data)
{
  GtkWidget *card = gh_gui_test_find (data, "explain-card");

  return card != NULL && gtk_widget_get_mapped (card);
}

/* Refusals of one rule show as one Needs-attention row with their count and who sent them,
 * live; it opens its flow at the failing step; after a reload the summary says the same. */
static void
test_overview_needs_attention (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  GtkWidget *page;
  GtkWidget *flows;
  RowWait w = { NULL, "attention-redirect_uri.mismatch",
                "3× redirect URI mismatch — Claude Code" };

  add_client (test);
  page = GTK_WIDGET (gh_gui_test_show_page (test, "overview"));
  w.page = page;
  g_assert_true (gtk_widget_get_mapped (gh_gui_test_get (page, "attention-none")));
  g_assert_cmpstr (tile_value (page, "failures-tile"), ==, "0");

  for (guint i = 0; i < 3; i++)
    refused_authorize (test, "https://app.example/other", "claude-code/1.0.44 (external, cli)");

  /* From the live stream, without a reload */
  if (!gh_gui_test_wait (row_titled, &w))
    g_error ("no row “%s”:\n%s", w.title, gh_gui_test_dump_labels (page));
  g_assert_cmpstr (tile_value (page, "failures-tile"), ==, "3");
  g_assert_cmpuint (gh_page_get_badge (GH_PAGE (page)), ==, 3);
  g_assert_true (gh_page_get_badge_alert (GH_PAGE (page)));
  g_assert_null (gh_gui_test_find (page, "attention-none"));

  /* A refusal of a flow opens the flow in Live flows, on its Explain card (test-flows) */
  flows = GTK_WIDGET (gh_window_get_page (test->window, "flows"));
  gh_gui_test_click (gh_gui_test_get (gh_gui_test_get (page, w.row), "open-flow-button"));
  g_assert_true (gh_window_get_visible_page (test->window) == GH_PAGE (flows));
  g_assert_true (gh_gui_test_wait (explain_card_shown, flows));
  g_assert_true (gh_gui_test_label_shown (flows, "redirect_uri.mismatch"));
  g_assert_true (gh_window_show_page (test->window, "overview"));

  /* Read again from the summary: the same group */
  gh_page_reload (GH_PAGE (page));
  g_assert_true (gh_gui_test_wait_settled (GH_PAGE (page)));
  g_assert_true (gh_gui_test_wait (row_titled, &w));
  g_assert_cmpstr (tile_value (page, "failures-tile"), ==, "3");

  /* Another program refused by the same rule: the row names both, the newest first, live and
   * from the summary, never one for all four */
  refused_authorize (test, "https://app.example/other", "Cursor/1.7.2 (linux x64)");
  w.title = "4× redirect URI mismatch — Cursor and Claude Code";
  if (!gh_gui_test_wait (row_titled, &w))
    g_error ("no row “%s”:\n%s", w.title, gh_gui_test_dump_labels (page));
  gh_page_reload (GH_PAGE (page));
  g_assert_true (gh_gui_test_wait_settled (GH_PAGE (page)));
  if (!gh_gui_test_wait (row_titled, &w))
    g_error ("no row “%s” after a reload:\n%s", w.title, gh_gui_test_dump_labels (page));

  /* The same client with no User-Agent (as a server-found replay is recorded) is not a third
   * sender named by its client id */
  refused_authorize (test, "https://app.example/other", NULL);
  w.title = "5× redirect URI mismatch — Cursor and Claude Code";
  if (!gh_gui_test_wait (row_titled, &w))
    g_error ("no row “%s”:\n%s", w.title, gh_gui_test_dump_labels (page));
  gh_page_reload (GH_PAGE (page));
  g_assert_true (gh_gui_test_wait_settled (GH_PAGE (page)));
  if (!gh_gui_test_wait (row_titled, &w))
    g_error ("no row “%s” after a reload:\n%s", w.title, gh_gui_test_dump_labels (page));
}

typedef struct
{
  GtkWidget *page;
  gint64     chart_total;
  char      *events;
} ChartWait;

static gboolean
chart_moved (gpointer data)
{
  ChartWait *w = data;
  GhActivityChart *chart = GH_ACTIVITY_CHART (gh_gui_test_get (w->page, "activity-chart"));

  /* The chart takes an event at once, the tiles at the next idle: both, and the failure. */
  return gh_activity_chart_get_total (chart, NULL) > w->chart_total &&
         g_strcmp0 (tile_value (w->page, "events-tile"), w->events) != 0 &&
         g_strcmp0 (tile_value (w->page, "failures-tile"), "0") != 0;
}

/* A new event from the stream moves the chart and the counts on, without a reload. */
static void
test_overview_live_event (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  GtkWidget *page;
  ChartWait w = { 0 };
  gint64 failures = 0;
  GhActivityChart *chart;
  g_autoptr(GhRawResponse) response = NULL;

  add_client (test);
  page = GTK_WIDGET (gh_gui_test_show_page (test, "overview"));
  chart = GH_ACTIVITY_CHART (gh_gui_test_get (page, "activity-chart"));
  w.page = page;
  w.chart_total = gh_activity_chart_get_total (chart, NULL);
  w.events = g_strdup (tile_value (page, "events-tile"));
  g_assert_cmpint (w.chart_total, >, 0);  /* the client's registration, seeded */

  response = gh_test_raw_post_form (test->server->port, "/token",
                                    "grant_type=authorization_code&code=not-a-code"
                                    "&client_id=app&redirect_uri=https%3A%2F%2Fapp.example%2Fcb"
                                    "&code_verifier=0123456789012345678901234567890123456789abc");
  g_assert_cmpuint (response->status, ==, 400);

  g_assert_true (gh_gui_test_wait (chart_moved, &w));
  g_assert_cmpint (gh_activity_chart_get_total (chart, &failures), ==, w.chart_total + 1);
  g_assert_cmpint (failures, ==, 1);
  g_assert_cmpstr (tile_value (page, "failures-tile"), ==, "1");
  g_free (w.events);
}

static void
record_open (GSimpleAction *action,
             GVariant      *parameter,
             gpointer       user_data)
{
  char **opened = user_data;

  g_free (*opened);
  *opened = g_variant_print (parameter, FALSE);
}

/* The clients tile opens the clients page (where there is none yet, it asks the window for
 * it); the events and failures tiles open the Audit events page, all or failures only. */
static void
test_overview_tiles_open (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  GtkWidget *page = GTK_WIDGET (gh_gui_test_show_page (test, "overview"));
  g_autofree char *opened = NULL;
  GtkWidget *audit;

  g_assert_cmpstr (tile_value (page, "clients-tile"), ==, "0");

  /* Failures today: the Audit events page, failures only. */
  gh_gui_test_click (gh_gui_test_get (page, "failures-tile"));
  audit = GTK_WIDGET (gh_window_get_page (test->window, "audit"));
  g_assert_true (gh_window_get_visible_page (test->window) == GH_PAGE (audit));
  g_assert_true (gh_gui_test_wait_settled (GH_PAGE (audit)));
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (
                   gh_gui_test_get (audit, "audit-outcome-failure"))));
  g_assert_nonnull (gh_gui_test_find (audit, "audit-chip-outcome"));

  /* Events today: the same page, every event. */
  gh_window_show_page (test->window, "overview");
  gh_gui_test_click (gh_gui_test_get (page, "events-tile"));
  g_assert_true (gh_window_get_visible_page (test->window) == GH_PAGE (audit));
  g_assert_true (gh_gui_test_wait_settled (GH_PAGE (audit)));
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (
                   gh_gui_test_get (audit, "audit-outcome-all"))));
  g_assert_null (gh_gui_test_find (audit, "audit-chip-outcome"));
  gh_window_show_page (test->window, "overview");

  if (gh_window_get_page (test->window, "clients") != NULL)
    {
      gh_gui_test_click (gh_gui_test_get (page, "clients-tile"));
      g_assert_true (gh_window_get_visible_page (test->window) ==
                     gh_window_get_page (test->window, "clients"));
    }
  else
    {
      /* No clients page in this build: what the window is asked for, seen on the way */
      g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
      g_autoptr(GSimpleAction) open = g_simple_action_new ("open", G_VARIANT_TYPE ("(ss)"));

      g_signal_connect (open, "activate", G_CALLBACK (record_open), &opened);
      g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (open));
      gtk_widget_insert_action_group (gtk_widget_get_parent (page), "win", G_ACTION_GROUP (group));
      gh_gui_test_click (gh_gui_test_get (page, "clients-tile"));
      gtk_widget_insert_action_group (gtk_widget_get_parent (page), "win", NULL);
      g_assert_cmpstr (opened, ==, "('clients', '')");
    }
}

int
main (int   argc,
      char *argv[])
{
  gh_gui_test_init (&argc, &argv);

  g_test_add_func ("/gui/overview/server-and-endpoints", test_overview_server_and_endpoints);
  g_test_add_func ("/gui/overview/copy-as-curl", test_overview_copy_as_curl);
  g_test_add_func ("/gui/overview/needs-attention", test_overview_needs_attention);
  g_test_add_func ("/gui/overview/live-event", test_overview_live_event);
  g_test_add_func ("/gui/overview/tiles-open", test_overview_tiles_open);

  return g_test_run ();
}
