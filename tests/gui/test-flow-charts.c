/* test-flow-charts.c — the Waterfall and Sequence tabs of Live flows on real flows: a client
 * program probes discovery, a browser goes through /authorize, the login page (after a pause)
 * and the consent page, the program has its code refused once (wrong redirect_uri) and then
 * redeemed; and an /authorize refused back to the client (no PKCE). Each widget in a window
 * of its own with a win.open action that records what a click opens.
 *
 * With GH_FLOW_CHARTS_SHOTS=DIR it also writes the widgets' pictures there (light and dark,
 * 1280x800 and 800x600) for a person to look at.
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "gh-flow-sequence.h"
#include "gh-flow-waterfall.h"
#include "gh-gui-test.h"

#define APP_CB "https://app.example/cb"
#define PROGRAM_UA "FlowChartsProgram/1.0"
#define BROWSER_UA "FlowChartsBrowser/1.0"
#define VERIFIER "flow-charts-test-verifier-0123456789abcdefghijklmnop"

typedef struct
{
  GhGuiTest   *test;
  SoupSession *program;  /* the client program */
  SoupSession *browser;  /* the user's browser, with its cookies */
} Actors;

/* @method @path on the test's server from @session, redirects not followed; the answer's
 * status, its Location in @location and body in @body when asked. */
static guint
request (Actors      *actors,
         SoupSession *session,
         const char  *method,
         const char  *path,
         const char  *form,
         char       **location,
         char       **body)
{
  g_autofree char *url = g_strconcat (actors->test->server->base, path, NULL);
  g_autoptr(SoupMessage) message = soup_message_new (method, url);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (message);
  soup_message_add_flags (message, SOUP_MESSAGE_NO_REDIRECT);
  if (form != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (form, strlen (form));

      soup_message_set_request_body_from_bytes (message, "application/x-www-form-urlencoded",
                                                bytes);
      soup_message_headers_replace (soup_message_get_request_headers (message), "Origin",
                                    actors->test->server->base);
    }
  answer = soup_session_send_and_read (session, message, NULL, &error);
  g_assert_no_error (error);
  if (location != NULL)
    *location = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (message),
                                                        "Location"));
  if (body != NULL)
    *body = g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
  return soup_message_get_status (message);
}

static char *
hidden_value (const char *html,
              const char *name)
{
  g_autofree char *needle = g_strdup_printf ("name=\"%s\" value=\"", name);
  const char *start = strstr (html, needle);

  g_assert_nonnull (start);
  start += strlen (needle);
  return g_strndup (start, strcspn (start, "\""));
}

/* The browser opens the page @location points to and sends its form with @field = @value;
 * returns where the answer (a 303) sends it. */
static char *
submit_page (Actors     *actors,
             const char *location,
             const char *where,
             const char *field,
             const char *value)
{
  g_autofree char *html = NULL;
  g_autofree char *request_id = NULL;
  g_autofree char *csrf = NULL;
  g_autofree char *form = NULL;
  g_autofree char *next = NULL;
  const char *path;

  g_assert_true (g_str_has_prefix (location, actors->test->server->base));
  path = location + strlen (actors->test->server->base);
  g_assert_true (g_str_has_prefix (path, where));
  g_assert_cmpuint (request (actors, actors->browser, "GET", path, NULL, NULL, &html), ==, 200);
  request_id = hidden_value (html, "request");
  csrf = hidden_value (html, "csrf_token");
  form = soup_form_encode ("request", request_id, "csrf_token", csrf, field, value, NULL);
  g_assert_cmpuint (request (actors, actors->browser, "POST", where, form, &next, NULL), ==, 303);
  return g_steal_pointer (&next);
}

/* The newest flow of the default project: its detail, as the page gets it. */
static JsonObject *
newest_flow (GhGuiTest *test)
{
  g_autoptr(JsonObject) list = gh_gui_test_admin (test, "GET",
                                                  "/projects/default/flows?limit=1", NULL);
  JsonArray *flows = json_object_get_array_member (list, "flows");
  g_autofree char *path = NULL;

  g_assert_cmpuint (json_array_get_length (flows), ==, 1);
  path = g_strconcat ("/projects/default/flows/",
                      json_object_get_string_member (json_array_get_object_element (flows, 0),
                                                     "id"), NULL);
  return gh_gui_test_admin (test, "GET", path, NULL);
}

/* Probes, /authorize, a pause on the login page, login, consent, a refused /token, /token. */
static JsonObject *
run_login_flow (Actors *actors)
{
  g_autofree char *challenge = gh_gui_test_pkce_challenge (VERIFIER);
  g_autofree char *query = NULL;
  g_autofree char *location = NULL;
  g_autofree char *consent = NULL;
  g_autofree char *callback = NULL;
  g_autofree char *form = NULL;
  g_autoptr(GUri) back = NULL;
  g_autoptr(GHashTable) params = NULL;

  g_assert_cmpuint (request (actors, actors->program, "GET",
                             "/.well-known/oauth-protected-resource", NULL, NULL, NULL), ==, 404);
  g_assert_cmpuint (request (actors, actors->program, "GET",
                             "/.well-known/oauth-authorization-server", NULL, NULL, NULL), ==, 200);

  query = soup_form_encode ("response_type", "code", "client_id", "app", "redirect_uri", APP_CB,
                            "scope", "openid", "state", "s1", "code_challenge", challenge,
                            "code_challenge_method", "S256", NULL);
  {
    g_autofree char *path = g_strconcat ("/authorize?", query, NULL);

    g_assert_cmpuint (request (actors, actors->browser, "GET", path, NULL, &location, NULL),
                      ==, 303);
  }
  /* The user reads the login page: a wait the waterfall breaks its axis for */
  g_usleep (1300 * 1000);
  consent = submit_page (actors, location, "/login", "username", "alice");
  callback = submit_page (actors, consent, "/consent", "decision", "allow");
  g_assert_true (g_str_has_prefix (callback, APP_CB "?"));
  back = g_uri_parse (callback, G_URI_FLAGS_NONE, NULL);
  params = soup_form_decode (g_uri_get_query (back));
  g_assert_nonnull (g_hash_table_lookup (params, "code"));

  form = soup_form_encode ("grant_type", "authorization_code", "client_id", "app",
                           "code", g_hash_table_lookup (params, "code"),
                           "code_verifier", VERIFIER,
                           "redirect_uri", "https://app.example:8443/cb", NULL);
  g_assert_cmpuint (request (actors, actors->program, "POST", "/token", form, NULL, NULL), ==, 400);
  g_free (form);
  form = soup_form_encode ("grant_type", "authorization_code", "client_id", "app",
                           "code", g_hash_table_lookup (params, "code"),
                           "code_verifier", VERIFIER, "redirect_uri", APP_CB, NULL);
  g_assert_cmpuint (request (actors, actors->program, "POST", "/token", form, NULL, NULL), ==, 200);
  return newest_flow (actors->test);
}

/* /authorize with no PKCE: refused, and sent back to the client with the error. */
static JsonObject *
run_refused_flow (Actors *actors)
{
  g_autofree char *query = soup_form_encode ("response_type", "code", "client_id", "app",
                                             "redirect_uri", APP_CB, "state", "s2", NULL);
  g_autofree char *path = g_strconcat ("/authorize?", query, NULL);
  g_autofree char *location = NULL;

  g_assert_cmpuint (request (actors, actors->browser, "GET", path, NULL, &location, NULL), ==, 302);
  g_assert_true (g_str_has_prefix (location, APP_CB "?error=invalid_request"));
  return newest_flow (actors->test);
}

/* --- the windows ------------------------------------------------------------------------- */

static void
open_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  char **opened = user_data;
  const char *page, *target;

  g_variant_get (parameter, "(&s&s)", &page, &target);
  g_assert_cmpstr (page, ==, "flows");
  g_free (*opened);
  *opened = g_strdup (target);
}

/* A window holding @child, with a win.open that records its target in @opened. */
static GtkWidget *
window_with (GtkWidget  *child,
             char      **opened)
{
  GtkWidget *window = gtk_window_new ();
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr(GSimpleAction) open = g_simple_action_new ("open", G_VARIANT_TYPE ("(ss)"));

  g_signal_connect (open, "activate", G_CALLBACK (open_activated), opened);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (open));
  gtk_widget_insert_action_group (window, "win", G_ACTION_GROUP (group));
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  gtk_window_set_child (GTK_WINDOW (window), child);
  gtk_window_present (GTK_WINDOW (window));
  gh_gui_test_run_for (300);
  return window;
}

/* Event id of the step of @type in @detail (the @nth of that type, from 0). */
static gint64
event_of (JsonObject *detail,
          const char *type,
          guint       nth)
{
  JsonArray *steps = json_object_get_array_member (detail, "steps");

  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      JsonObject *step = json_array_get_object_element (steps, i);

      if (g_str_equal (json_object_get_string_member (step, "type"), type) && nth-- == 0)
        return json_object_get_int_member (step, "event_id");
    }
  g_error ("no step %s", type);
}

static char *
target_of (JsonObject *detail,
           gint64      event_id)
{
  return g_strdup_printf ("flow:%s step:%" G_GINT64_FORMAT,
                          json_object_get_string_member (json_object_get_object_member (detail,
                                                                                        "flow"),
                                                         "id"), event_id);
}

/* Writes @window's picture at @width x @height, light or dark, to $GH_FLOW_CHARTS_SHOTS. */
static void
shoot (GtkWidget  *window,
       const char *name,
       int         width,
       int         height,
       gboolean    dark)
{
  const char *dir = g_getenv ("GH_FLOW_CHARTS_SHOTS");
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot;

  if (dir == NULL)
    return;
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      dark ? ADW_COLOR_SCHEME_FORCE_DARK
                                           : ADW_COLOR_SCHEME_FORCE_LIGHT);
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gh_gui_test_run_for (600);
  paintable = gtk_widget_paintable_new (window);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (window),
                          gtk_widget_get_height (window));
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (window),
                                                              gtk_widget_get_height (window)));
  file = g_strdup_printf ("%s-%dx%d%s.png", name, width, height, dark ? "-dark" : "");
  path = g_build_filename (dir, file, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_DEFAULT);
}

static void
shoot_all (GtkWidget  *window,
           const char *name)
{
  shoot (window, name, 1280, 800, FALSE);
  shoot (window, name, 1280, 800, TRUE);
  shoot (window, name, 800, 600, FALSE);
  shoot (window, name, 800, 600, TRUE);
}

/* --- the waterfall ------------------------------------------------------------------------ */

typedef struct
{
  const char       *title;
  GhFlowStepStatus  status;
} ExpectedRow;

static void
check_waterfall (JsonObject        *detail,
                 const ExpectedRow *expected,
                 guint              n_expected,
                 const char        *failed_type,
                 const char        *shot)
{
  GtkWidget *waterfall = gh_flow_waterfall_new ();
  g_autofree char *opened = NULL;
  GtkWidget *window = window_with (waterfall, &opened);
  GhFlowWaterfall *self = GH_FLOW_WATERFALL (waterfall);
  GtkWidget *rows = gh_gui_test_get (window, "flow-waterfall-rows");
  JsonArray *hits = json_object_get_array_member (detail, "discovery_hits");
  JsonObject *registration = json_object_get_object_member (detail, "registration");
  guint n_hits = json_array_get_length (hits) + (registration != NULL ? 1 : 0);
  g_autofree char *want = NULL;
  gint64 failed_id = event_of (detail, failed_type, 0);
  int failed_row = -1;
  int clicked = -1;

  gh_flow_waterfall_set_flow (self, detail);
  gh_gui_test_run_for (200);
  g_test_message ("waterfall:\n%s", gh_flow_waterfall_get_description (self));

  /* The probes first, dim points, and the client's registration just before the flow; then
   * every step in order, coloured by how it went */
  g_assert_cmpuint (gh_flow_waterfall_get_n_rows (self), ==, n_hits + n_expected);
  if (registration != NULL)
    {
      gint64 event_id = 0;

      g_assert_cmpstr (gh_flow_waterfall_get_row (self, n_hits - 1, NULL, &event_id, NULL), ==,
                       "Registration");
      g_assert_cmpint (event_id, ==, json_object_get_int_member (registration, "event_id"));
    }
  for (guint i = 0; i < n_hits - (registration != NULL ? 1 : 0); i++)
    {
      gint64 event_id = -1;
      gboolean point = FALSE;
      const char *title = gh_flow_waterfall_get_row (self, i, NULL, &event_id, &point);

      g_assert_true (g_str_has_prefix (title, "GET /.well-known/"));
      g_assert_cmpint (event_id, ==, 0);
      g_assert_true (point);
      g_assert_false (gh_flow_waterfall_activate_row (self, i));
    }
  for (guint i = 0; i < n_expected; i++)
    {
      GhFlowStepStatus status;
      gint64 event_id = 0;
      gboolean point = TRUE;
      const char *title = gh_flow_waterfall_get_row (self, n_hits + i, &status, &event_id,
                                                     &point);

      g_test_message ("row %u: %s", n_hits + i, title);
      g_assert_cmpstr (title, ==, expected[i].title);
      g_assert_cmpint (status, ==, expected[i].status);
      g_assert_cmpint (event_id, >, 0);
      /* Every step of an HTTP request has its start: a bar, not a point */
      g_assert_false (point);
      if (event_id == failed_id)
        failed_row = n_hits + i;
    }
  g_assert_cmpint (failed_row, >=, 0);
  g_assert_nonnull (strstr (gh_flow_waterfall_get_description (self), "failed"));

  /* A click where the failing row is drawn opens that step in the Timeline */
  g_assert_true (gtk_widget_get_mapped (rows));
  for (double y = 0; y < gtk_widget_get_height (rows) && clicked < 0; y += 2)
    if (gh_flow_waterfall_get_row_at (self, y) == failed_row)
      clicked = gh_flow_waterfall_get_row_at (self, y + 1);
  g_assert_cmpint (clicked, ==, failed_row);
  g_assert_true (gh_flow_waterfall_activate_row (self, clicked));
  want = target_of (detail, failed_id);
  g_assert_cmpstr (opened, ==, want);

  shoot_all (window, shot);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* --- the sequence ------------------------------------------------------------------------- */

typedef struct
{
  GhFlowSequenceLane  from;
  GhFlowSequenceLane  to;
  const char         *label;
  GhFlowStepStatus    status;
  gboolean            inferred;
} ExpectedMessage;

#define C GH_FLOW_SEQUENCE_CLIENT
#define B GH_FLOW_SEQUENCE_BROWSER
#define G GH_FLOW_SEQUENCE_GATEHOUSE
#define OK GH_FLOW_STEP_OK
#define WARN GH_FLOW_STEP_WARNING
#define FAIL GH_FLOW_STEP_FAILED

static void
check_sequence (JsonObject            *detail,
                const ExpectedMessage *expected,
                guint                  n_expected,
                const char            *failed_type,
                const char            *shot)
{
  GtkWidget *sequence = gh_flow_sequence_new ();
  g_autofree char *opened = NULL;
  GtkWidget *window = window_with (sequence, &opened);
  GhFlowSequence *self = GH_FLOW_SEQUENCE (sequence);
  GtkWidget *messages = gh_gui_test_get (window, "flow-sequence-messages");
  g_auto(GStrv) lines = NULL;
  g_autofree char *want = NULL;
  gint64 failed_id = event_of (detail, failed_type, 0);
  int failed = -1;
  int clicked = -1;

  gh_flow_sequence_set_flow (self, detail);
  gh_gui_test_run_for (200);
  g_test_message ("sequence:\n%s", gh_flow_sequence_get_description (self));

  /* Only the lifelines that took part */
  g_assert_true (gh_flow_sequence_has_lane (self, GH_FLOW_SEQUENCE_CLIENT));
  g_assert_true (gh_flow_sequence_has_lane (self, GH_FLOW_SEQUENCE_BROWSER));
  g_assert_true (gh_flow_sequence_has_lane (self, GH_FLOW_SEQUENCE_GATEHOUSE));
  g_assert_false (gh_flow_sequence_has_lane (self, GH_FLOW_SEQUENCE_CIMD));
  g_assert_false (gh_flow_sequence_has_lane (self, GH_FLOW_SEQUENCE_MCP));

  /* The lifelines' names: the client's id, the browser's User-Agent */
  g_assert_cmpstr (gh_flow_sequence_get_lane_subtitle (self, GH_FLOW_SEQUENCE_CLIENT), ==, "app");
  g_assert_cmpstr (gh_flow_sequence_get_lane_subtitle (self, GH_FLOW_SEQUENCE_BROWSER), ==,
                   BROWSER_UA);

  /* Every message in order, its lanes, label, colour, and whether it is only implied */
  g_assert_cmpuint (gh_flow_sequence_get_n_messages (self), ==, n_expected);
  for (guint i = 0; i < n_expected; i++)
    {
      GhFlowSequenceLane from, to;
      GhFlowStepStatus status;
      gboolean inferred;
      gint64 event_id;
      const char *label = gh_flow_sequence_get_message (self, i, &from, &to, &status, &inferred,
                                                        &event_id);

      g_test_message ("message %u: %s", i, label);
      g_assert_cmpstr (label, ==, expected[i].label);
      g_assert_cmpint (from, ==, expected[i].from);
      g_assert_cmpint (to, ==, expected[i].to);
      g_assert_cmpint (status, ==, expected[i].status);
      g_assert_cmpint (inferred, ==, expected[i].inferred);
      if (status == GH_FLOW_STEP_FAILED && failed < 0)
        {
          g_assert_cmpint (event_id, ==, failed_id);
          failed = i;
        }
    }
  g_assert_cmpint (failed, >=, 0);

  /* The accessible description lists the messages in that order */
  lines = g_strsplit (gh_flow_sequence_get_description (self), "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, n_expected);
  for (guint i = 0; i < n_expected; i++)
    g_assert_nonnull (strstr (lines[i], expected[i].label));
  g_assert_nonnull (strstr (lines[failed], "(failed)"));

  /* A click on the failing arrow opens its step */
  g_assert_true (gtk_widget_get_mapped (messages));
  for (double y = 0; y < gtk_widget_get_height (messages) && clicked < 0; y += 2)
    if (gh_flow_sequence_get_message_at (self, y) == failed)
      clicked = failed;
  g_assert_cmpint (clicked, ==, failed);
  g_assert_true (gh_flow_sequence_activate_message (self, clicked));
  want = target_of (detail, failed_id);
  g_assert_cmpstr (opened, ==, want);

  shoot_all (window, shot);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* Alice and a public client "app" through the admin API; the program's and the browser's
 * sessions (the browser keeps its cookies in @jar). */
static void
set_up (Actors        *actors,
        SoupCookieJar *jar)
{
  g_autoptr(JsonObject) user = NULL;
  g_autoptr(JsonObject) client = NULL;

  user = gh_gui_test_admin (actors->test, "POST", "/projects/default/users",
                            "{\"username\": \"alice\", \"name\": \"Alice\"}");
  client = gh_gui_test_admin (actors->test, "POST", "/projects/default/clients",
                              "{\"client_id\": \"app\", \"client_name\": \"App\", "
                              "\"redirect_uris\": [\"" APP_CB "\"], "
                              "\"token_endpoint_auth_method\": \"none\"}");
  actors->program = soup_session_new_with_options ("user-agent", PROGRAM_UA, NULL);
  actors->browser = soup_session_new_with_options ("user-agent", BROWSER_UA, NULL);
  soup_session_add_feature (actors->browser, SOUP_SESSION_FEATURE (jar));
}

static void
test_flow_charts (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_autoptr(JsonObject) login_flow = NULL;
  g_autoptr(JsonObject) refused_flow = NULL;
  g_autoptr(SoupCookieJar) jar = soup_cookie_jar_new ();
  Actors actors = { test, NULL, NULL };
  JsonArray *hits;
  static const ExpectedRow login_rows[] = {
    { "Authorize", GH_FLOW_STEP_OK }, { "Login", GH_FLOW_STEP_OK },
    { "Consent", GH_FLOW_STEP_OK }, { "Code", GH_FLOW_STEP_OK },
    { "Token", GH_FLOW_STEP_FAILED }, { "Token", GH_FLOW_STEP_OK },
  };
  static const ExpectedRow refused_rows[] = {
    { "Authorize", GH_FLOW_STEP_FAILED },
  };
  static const ExpectedMessage login_messages[] = {
    { C, G, "GET /.well-known/oauth-protected-resource", WARN, FALSE },
    { G, C, "404", WARN, FALSE },
    { C, G, "GET /.well-known/oauth-authorization-server", OK, FALSE },
    { G, C, "200", OK, FALSE },
    { B, G, "/authorize", OK, FALSE },
    { G, B, "303 login page", OK, FALSE },
    { B, G, "POST /login (alice)", OK, FALSE },
    { G, B, "303 consent page", OK, FALSE },
    { B, G, "POST /consent: allow", OK, FALSE },
    { G, B, "303 redirect with the code", OK, FALSE },
    { B, C, "redirect_uri?code=…", OK, TRUE },
    { C, G, "POST /token (authorization_code)", FAIL, FALSE },
    { G, C, "400 invalid_grant", FAIL, FALSE },
    { C, G, "POST /token (authorization_code)", OK, FALSE },
    { G, C, "200 tokens", OK, FALSE },
  };
  static const ExpectedMessage refused_messages[] = {
    { B, G, "/authorize", FAIL, FALSE },
    { G, B, "302 invalid_request", FAIL, FALSE },
    { B, C, "redirect_uri?error=invalid_request", FAIL, TRUE },
  };

  set_up (&actors, jar);

  login_flow = run_login_flow (&actors);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (login_flow,
                                                                                 "flow"),
                                                  "state"), ==, "succeeded");
  /* The program's two probes are the flow's probable hits (same address and User-Agent as
   * its token requests) */
  hits = json_object_get_array_member (login_flow, "discovery_hits");
  g_assert_cmpuint (json_array_get_length (hits), ==, 2);
  check_waterfall (login_flow, login_rows, G_N_ELEMENTS (login_rows), "token.refused",
                   "waterfall-login");
  check_sequence (login_flow, login_messages, G_N_ELEMENTS (login_messages), "token.refused",
                  "sequence-login");

  refused_flow = run_refused_flow (&actors);
  /* Its probes: the browser made none */
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (refused_flow,
                                                                         "discovery_hits")),
                    ==, 0);
  check_waterfall (refused_flow, refused_rows, G_N_ELEMENTS (refused_rows),
                   "authorization.refused", "waterfall-refused");
  check_sequence (refused_flow, refused_messages, G_N_ELEMENTS (refused_messages),
                  "authorization.refused", "sequence-refused");

  g_object_unref (actors.program);
  g_object_unref (actors.browser);
}

/* A client that registered itself (dynamic registration) just before its flow: the Waterfall
 * and the Sequence start with that registration, before /authorize. */
static void
test_registration_first (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_autoptr(JsonObject) opened = gh_gui_test_admin (test, "PATCH", "/projects/default",
                                                    "{\"dcr_mode\": \"open\"}");
  g_autofree char *url = g_strconcat (test->server->base, "/register", NULL);
  g_autoptr(SoupSession) program = soup_session_new_with_options ("user-agent", PROGRAM_UA,
                                                                  NULL);
  g_autoptr(SoupMessage) message = soup_message_new ("POST", url);
  static const char body[] = "{\"client_name\": \"Agent\", \"redirect_uris\": [\"" APP_CB
                             "\"], \"token_endpoint_auth_method\": \"none\"}";
  g_autoptr(GBytes) bytes = g_bytes_new_static (body, strlen (body));
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) detail = NULL;
  g_autofree char *query = NULL;
  g_autofree char *authorize = NULL;
  g_autofree char *location = NULL;
  g_autoptr(SoupCookieJar) jar = soup_cookie_jar_new ();
  Actors actors = { test, NULL, NULL };
  GtkWidget *waterfall = gh_flow_waterfall_new ();
  GtkWidget *sequence = gh_flow_sequence_new ();
  g_autofree char *opened_w = NULL;
  g_autofree char *opened_s = NULL;
  GtkWidget *window_w = window_with (waterfall, &opened_w);
  GtkWidget *window_s = window_with (sequence, &opened_s);
  JsonObject *registration;
  GhFlowSequenceLane from, to;
  GhFlowStepStatus status;
  gboolean inferred;
  gint64 event_id = 0;

  set_up (&actors, jar);
  soup_message_set_request_body_from_bytes (message, "application/json", bytes);
  answer = soup_session_send_and_read (program, message, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (message), ==, 201);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL),
                                             (gssize) g_bytes_get_size (answer), NULL));
  query = soup_form_encode ("response_type", "code", "client_id",
                            json_object_get_string_member (json_node_get_object (
                                                             json_parser_get_root (parser)),
                                                           "client_id"),
                            "redirect_uri", APP_CB, "state", "s3", NULL);
  authorize = g_strconcat ("/authorize?", query, NULL);
  /* No PKCE: refused, a flow of one step */
  g_assert_cmpuint (request (&actors, actors.browser, "GET", authorize, NULL, &location, NULL),
                    ==, 302);
  detail = newest_flow (test);
  registration = json_object_get_object_member (detail, "registration");
  g_assert_nonnull (registration);

  gh_flow_waterfall_set_flow (GH_FLOW_WATERFALL (waterfall), detail);
  g_assert_cmpuint (gh_flow_waterfall_get_n_rows (GH_FLOW_WATERFALL (waterfall)), ==, 2);
  g_assert_cmpstr (gh_flow_waterfall_get_row (GH_FLOW_WATERFALL (waterfall), 0, &status,
                                              &event_id, NULL), ==, "Registration");
  g_assert_cmpint (event_id, ==, json_object_get_int_member (registration, "event_id"));
  g_assert_cmpint (status, ==, GH_FLOW_STEP_OK);
  g_assert_cmpstr (gh_flow_waterfall_get_row (GH_FLOW_WATERFALL (waterfall), 1, &status, NULL,
                                              NULL), ==, "Authorize");
  g_assert_cmpint (status, ==, GH_FLOW_STEP_FAILED);

  gh_flow_sequence_set_flow (GH_FLOW_SEQUENCE (sequence), detail);
  g_assert_cmpstr (gh_flow_sequence_get_message (GH_FLOW_SEQUENCE (sequence), 0, &from, &to,
                                                 &status, &inferred, &event_id), ==,
                   "POST /register");
  g_assert_cmpint (from, ==, GH_FLOW_SEQUENCE_CLIENT);
  g_assert_cmpint (to, ==, GH_FLOW_SEQUENCE_GATEHOUSE);
  g_assert_cmpint (event_id, ==, json_object_get_int_member (registration, "event_id"));
  g_assert_cmpstr (gh_flow_sequence_get_message (GH_FLOW_SEQUENCE (sequence), 1, &from, &to,
                                                 &status, &inferred, &event_id), ==, "201");
  g_assert_cmpint (from, ==, GH_FLOW_SEQUENCE_GATEHOUSE);
  g_assert_cmpint (to, ==, GH_FLOW_SEQUENCE_CLIENT);
  g_assert_cmpstr (gh_flow_sequence_get_message (GH_FLOW_SEQUENCE (sequence), 2, &from, &to,
                                                 &status, &inferred, &event_id), ==,
                   "/authorize");

  gtk_window_destroy (GTK_WINDOW (window_w));
  gtk_window_destroy (GTK_WINDOW (window_s));
  g_object_unref (actors.program);
  g_object_unref (actors.browser);
}

/* The long wait at the login page is a break in the axis, named under it; a flow of one
 * instant and no flow at all draw without one. */
static void
test_waterfall_breaks (void)
{
  GtkWidget *waterfall = gh_flow_waterfall_new ();
  g_autofree char *opened = NULL;
  GtkWidget *window = window_with (waterfall, &opened);
  GhFlowWaterfall *self = GH_FLOW_WATERFALL (waterfall);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  GtkWidget *note;
  /* Three minutes on the login page between two quick requests: µs since the epoch */
  static const char *flow =
    "{\"flow\": {\"id\": \"flow_x\"}, \"discovery_hits\": [], \"steps\": ["
    "{\"event_id\": 1, \"type\": \"authorization.started\", \"time\": 1000002000, "
    "\"started_at\": 1000000000, \"outcome\": \"info\", \"status\": 303},"
    "{\"event_id\": 2, \"type\": \"oauth_client.cimd_fetched\", \"time\": 1000001000, "
    "\"started_at\": null, \"outcome\": \"success\", \"status\": null},"
    "{\"event_id\": 3, \"type\": \"user.logged_in\", \"time\": 1180003000, "
    "\"started_at\": 1180002500, \"outcome\": \"success\", \"status\": 303}]}";

  g_assert_true (json_parser_load_from_data (parser, flow, -1, &error));
  g_assert_no_error (error);
  gh_flow_waterfall_set_flow (self, json_node_get_object (json_parser_get_root (parser)));
  gh_gui_test_run_for (100);
  g_assert_cmpuint (gh_flow_waterfall_get_n_rows (self), ==, 3);
  g_assert_cmpuint (gh_flow_waterfall_get_n_breaks (self), ==, 1);
  /* The CIMD fetch has no request start: a point */
  {
    gboolean point = FALSE;

    g_assert_cmpstr (gh_flow_waterfall_get_row (self, 1, NULL, NULL, &point), ==, "CIMD fetch");
    g_assert_true (point);
  }
  note = gh_gui_test_get (window, "flow-waterfall-note");
  g_assert_true (gtk_widget_get_visible (note));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (note)), ==,
                   "Not to scale: waited 3 min 0 s before Login.");

  gh_flow_waterfall_set_flow (self, NULL);
  gh_gui_test_run_for (100);
  g_assert_cmpuint (gh_flow_waterfall_get_n_rows (self), ==, 0);
  g_assert_cmpuint (gh_flow_waterfall_get_n_breaks (self), ==, 0);
  g_assert_false (gtk_widget_get_visible (note));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* @self shows the flow detail @json (a flows/{id} answer's shape). */
static void
show_sequence (GhFlowSequence *self,
               const char     *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  g_assert_no_error (error);
  gh_flow_sequence_set_flow (self, json_node_get_object (json_parser_get_root (parser)));
  gh_gui_test_run_for (100);
  g_test_message ("sequence:\n%s", gh_flow_sequence_get_description (self));
}

/* @self draws @expected, in order. */
static void
assert_messages (GhFlowSequence        *self,
                 const ExpectedMessage *expected,
                 guint                  n_expected)
{
  g_assert_cmpuint (gh_flow_sequence_get_n_messages (self), ==, n_expected);
  for (guint i = 0; i < n_expected; i++)
    {
      GhFlowSequenceLane from, to;
      GhFlowStepStatus status;
      gboolean inferred;

      g_assert_cmpstr (gh_flow_sequence_get_message (self, i, &from, &to, &status, &inferred,
                                                     NULL), ==, expected[i].label);
      g_assert_cmpint (from, ==, expected[i].from);
      g_assert_cmpint (to, ==, expected[i].to);
      g_assert_cmpint (status, ==, expected[i].status);
      g_assert_cmpint (inferred, ==, expected[i].inferred);
    }
}

/* A CIMD resolution's cache result decides its arrows: a hit is a note on Gatehouse's lifeline
 * and no arrow goes to the host (no CIMD lifeline); a miss is the fetch, drawn solid (the
 * record says the host was asked). A flow whose steps were cut says so under the chart. */
static void
test_sequence_cimd_cache (void)
{
  static const char *flow =
    "{\"flow\": {\"id\": \"flow_c\", \"client_id\": \"https://cimd.example/c.json\"},"
    " \"discovery_hits\": [], \"steps_cut\": %s, \"steps\": ["
    "{\"event_id\": 3, \"type\": \"oauth_client.cimd_fetched\", \"time\": 1000001000, "
    "\"started_at\": null, \"outcome\": \"success\", \"status\": null, "
    "\"cache\": {\"result\": \"%s\", \"ttl_s\": 300, \"why\": \"max-age\"}, "
    "\"client_id\": \"https://cimd.example/c.json\"},"
    "{\"event_id\": 4, \"type\": \"authorization.started\", \"time\": 1000002000, "
    "\"started_at\": 1000000000, \"outcome\": \"info\", \"status\": 303}]}";
  static const ExpectedMessage hit[] = {
    { B, G, "/authorize", OK, FALSE },
    { G, G, "cache hit: /c.json", OK, FALSE },
    { G, B, "303", OK, FALSE },
  };
  static const ExpectedMessage miss[] = {
    { B, G, "/authorize", OK, FALSE },
    { G, GH_FLOW_SEQUENCE_CIMD, "GET /c.json", OK, FALSE },
    { GH_FLOW_SEQUENCE_CIMD, G, "metadata document", OK, FALSE },
    { G, B, "303", OK, FALSE },
  };

  for (guint i = 0; i < 2; i++)
    {
      GtkWidget *sequence = gh_flow_sequence_new ();
      g_autofree char *opened = NULL;
      GtkWidget *window = window_with (sequence, &opened);
      GhFlowSequence *self = GH_FLOW_SEQUENCE (sequence);
      g_autofree char *text = g_strdup_printf (flow, i == 0 ? "false" : "true",
                                               i == 0 ? "hit" : "miss");

      show_sequence (self, text);
      g_assert_true (gh_flow_sequence_has_lane (self, GH_FLOW_SEQUENCE_CIMD) == (i == 1));
      if (i == 0)
        assert_messages (self, hit, G_N_ELEMENTS (hit));
      else
        assert_messages (self, miss, G_N_ELEMENTS (miss));
      /* The second has more steps than were read: the chart says so */
      g_assert_true (gh_gui_test_text_shown (window, "Only the flow’s first 2 steps are drawn") ==
                     (i == 1));
      gtk_window_destroy (GTK_WINDOW (window));
    }
}

/* The lifelines a real flow of this test cannot reach, from answers of the documented shape:
 * a CIMD fetch during /authorize (its host a lifeline of its own, dotted: the record does not
 * say whether the cache answered) and an introspection by the MCP server. */
static void
test_sequence_lanes (void)
{
  GtkWidget *sequence = gh_flow_sequence_new ();
  g_autofree char *opened = NULL;
  GtkWidget *window = window_with (sequence, &opened);
  GhFlowSequence *self = GH_FLOW_SEQUENCE (sequence);
  static const char *flow =
    "{\"flow\": {\"id\": \"flow_y\", \"client_id\": \"https://cimd.example/oauth/c.json\"},"
    " \"discovery_hits\": [], \"steps\": ["
    "{\"event_id\": 7, \"type\": \"oauth_client.cimd_fetched\", \"time\": 1000001000, "
    "\"started_at\": null, \"outcome\": \"success\", \"status\": null, "
    "\"client_id\": \"https://cimd.example/oauth/c.json\"},"
    "{\"event_id\": 8, \"type\": \"authorization.started\", \"time\": 1000002000, "
    "\"started_at\": 1000000000, \"outcome\": \"info\", \"status\": 303},"
    "{\"event_id\": 9, \"type\": \"token.introspected\", \"time\": 1000400000, "
    "\"started_at\": null, \"outcome\": \"info\", \"status\": null}]}";
  static const ExpectedMessage expected[] = {
    { B, G, "/authorize", OK, FALSE },
    { G, GH_FLOW_SEQUENCE_CIMD, "GET /oauth/c.json", OK, TRUE },
    { GH_FLOW_SEQUENCE_CIMD, G, "metadata document", OK, TRUE },
    { G, B, "303", OK, FALSE },
    { GH_FLOW_SEQUENCE_MCP, G, "POST /introspect", OK, FALSE },
    { G, GH_FLOW_SEQUENCE_MCP, "200", OK, FALSE },
  };

  show_sequence (self, flow);
  g_assert_false (gh_flow_sequence_has_lane (self, GH_FLOW_SEQUENCE_CLIENT));
  g_assert_true (gh_flow_sequence_has_lane (self, GH_FLOW_SEQUENCE_CIMD));
  g_assert_true (gh_flow_sequence_has_lane (self, GH_FLOW_SEQUENCE_MCP));
  assert_messages (self, expected, G_N_ELEMENTS (expected));
  g_assert_true (gh_flow_sequence_activate_message (self, 1));
  g_assert_cmpstr (opened, ==, "flow:flow_y step:7");
  shoot_all (window, "sequence-lanes");
  gtk_window_destroy (GTK_WINDOW (window));
}

/* --- through the real page ---------------------------------------------------------------- */

typedef struct
{
  GtkWidget  *page;
  const char *name;
  gint64      event_id;  /* the Timeline's step row, expanded and shown; else the widget */
} Wait;

static GtkWidget *
timeline_row (GtkWidget *widget,
              gint64     event_id)
{
  g_autofree char *wanted = g_strdup_printf ("%" G_GINT64_FORMAT, event_id);

  if (g_strcmp0 (gtk_widget_get_name (widget), "flow-step") == 0 &&
      g_strcmp0 (g_object_get_data (G_OBJECT (widget), "gh-event-id"), wanted) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = timeline_row (child, event_id);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
waited (gpointer data)
{
  Wait *wait = data;
  GtkWidget *widget;

  if (gh_page_get_busy (GH_PAGE (wait->page)))
    return FALSE;
  if (wait->event_id > 0)
    {
      widget = timeline_row (wait->page, wait->event_id);
      return widget != NULL && gtk_widget_get_mapped (widget) &&
             adw_expander_row_get_expanded (ADW_EXPANDER_ROW (widget));
    }
  widget = gh_gui_test_find (wait->page, wait->name);
  return widget != NULL && gtk_widget_get_mapped (widget);
}

/* Shows tab @view of the open flow, as a click on its switcher does; its canvas @name. */
static GtkWidget *
show_tab (GtkWidget  *page,
          const char *view,
          const char *name)
{
  Wait wait = { page, name, 0 };

  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (gh_gui_test_get (page, "flow-views")),
                                         view);
  if (!gh_gui_test_wait (waited, &wait))
    g_error ("the %s tab is not shown:\n%s", view, gh_gui_test_dump_labels (page));
  return gh_gui_test_get (page, name);
}

static void
wait_timeline_step (GtkWidget *page,
                    gint64     event_id)
{
  Wait wait = { page, NULL, event_id };

  if (!gh_gui_test_wait (waited, &wait))
    g_error ("step %" G_GINT64_FORMAT " is not open in the Timeline:\n%s", event_id,
             gh_gui_test_dump_labels (page));
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (
                     ADW_VIEW_STACK (gh_gui_test_get (page, "flow-views"))), ==, "timeline");
}

/* In the Live flows page itself: the open flow's Waterfall and Sequence show it, and opening
 * a row or an arrow goes back to the Timeline with that step expanded (the window's own
 * win.open). */
static void
test_in_the_page (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_autoptr(SoupCookieJar) jar = soup_cookie_jar_new ();
  g_autoptr(JsonObject) detail = NULL;
  g_autofree char *target = NULL;
  Actors actors = { test, NULL, NULL };
  GhFlowWaterfall *waterfall;
  GhFlowSequence *sequence;
  GtkWidget *page;
  guint n_steps;
  gint64 refused, login;
  int failed_row = -1, login_message = -1;

  set_up (&actors, jar);
  detail = run_login_flow (&actors);
  n_steps = json_array_get_length (json_object_get_array_member (detail, "steps")) +
            json_array_get_length (json_object_get_array_member (detail, "discovery_hits"));
  refused = event_of (detail, "token.refused", 0);
  login = event_of (detail, "user.logged_in", 0);
  target = g_strdup_printf ("flow:%s", json_object_get_string_member (
                              json_object_get_object_member (detail, "flow"), "id"));

  page = GTK_WIDGET (gh_gui_test_show_page (test, "flows"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (test->window), "win.open", "(ss)",
                                             "flows", target));
  gh_gui_test_wait_settled (GH_PAGE (page));

  waterfall = GH_FLOW_WATERFALL (gtk_widget_get_ancestor (
                                   show_tab (page, "waterfall", "flow-waterfall-rows"),
                                   GH_TYPE_FLOW_WATERFALL));
  g_assert_cmpuint (gh_flow_waterfall_get_n_rows (waterfall), ==, n_steps);
  for (guint i = 0; i < n_steps; i++)
    {
      gint64 event_id = 0;

      gh_flow_waterfall_get_row (waterfall, i, NULL, &event_id, NULL);
      if (event_id == refused)
        failed_row = i;
    }
  g_assert_cmpint (failed_row, >=, 0);
  g_assert_true (gh_flow_waterfall_activate_row (waterfall, failed_row));
  wait_timeline_step (page, refused);

  sequence = GH_FLOW_SEQUENCE (gtk_widget_get_ancestor (
                                 show_tab (page, "sequence", "flow-sequence-messages"),
                                 GH_TYPE_FLOW_SEQUENCE));
  for (guint i = 0; i < gh_flow_sequence_get_n_messages (sequence); i++)
    {
      gint64 event_id = 0;
      const char *label = gh_flow_sequence_get_message (sequence, i, NULL, NULL, NULL, NULL,
                                                        &event_id);

      if (g_str_equal (label, "POST /login (alice)"))
        {
          g_assert_cmpint (event_id, ==, login);
          login_message = i;
        }
    }
  g_assert_cmpint (login_message, >=, 0);
  g_assert_true (gh_flow_sequence_activate_message (sequence, login_message));
  wait_timeline_step (page, login);

  g_object_unref (actors.program);
  g_object_unref (actors.browser);
}

int
main (int   argc,
      char *argv[])
{
  gh_gui_test_init (&argc, &argv);

  g_test_add_func ("/gui/flow-charts/real-flows", test_flow_charts);
  g_test_add_func ("/gui/flow-charts/registration-first", test_registration_first);
  g_test_add_func ("/gui/flow-charts/waterfall-breaks", test_waterfall_breaks);
  g_test_add_func ("/gui/flow-charts/sequence-lanes", test_sequence_lanes);
  g_test_add_func ("/gui/flow-charts/sequence-cimd-cache", test_sequence_cimd_cache);
  g_test_add_func ("/gui/flow-charts/in-the-page", test_in_the_page);
  return g_test_run ();
}
