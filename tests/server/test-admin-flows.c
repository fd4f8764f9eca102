/* test-admin-flows.c — flows and discovery hits through the admin API of a real server: a whole
 * authorization code flow (authorize, login, consent, token, refresh) as one flow with its
 * steps in order and its probable discovery hits, a refused flow and its last error, the hits
 * of every well-known form (served, 404, a CORS preflight), and what the routes refuse
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-admin-tokens.h"
#include "gh-audit-events.h"
#include "gh-server-private.h"
#include "gh-test-util.h"

#define APP_CB "https://app.example/cb"
#define PROGRAM_UA "FlowTestProgram/1.0"

typedef struct
{
  GhTestServer server;
  char *token;  /* a valid admin token */
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhAdminToken) token = NULL;

  gh_test_server_setup (&fixture->server, data);
  token = gh_admin_tokens_create (gh_server_get_admin_tokens (fixture->server.server), "test", 0,
                                  "test", &fixture->token, &error);
  g_assert_no_error (error);
  gh_test_server_add_user (&fixture->server, "alice", "Alice", "alice@example.test");
  gh_test_server_add_client (&fixture->server, "app",
                             "{\"redirect_uris\": [\"" APP_CB "\"], \"grant_types\": "
                             "[\"authorization_code\", \"refresh_token\"]}");
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_pointer (&fixture->token, g_free);
  gh_test_server_teardown (&fixture->server, data);
}

/* GET @path of the admin API, with the admin token. */
static GhTestResponse *
admin_get (Fixture    *fixture,
           const char *path)
{
  g_autofree char *url = g_strconcat (fixture->server.issuer, path, NULL);
  g_autofree char *authorization = g_strconcat ("Bearer ", fixture->token, NULL);

  return gh_test_http (fixture->server.session, "GET", url,
                       GH_TEST_PAIRS ("Authorization", authorization), NULL, NULL);
}

/* GET @path of the admin API: 200 and its JSON. */
static JsonObject *
admin_json (Fixture    *fixture,
            const char *path)
{
  g_autoptr(GhTestResponse) response = admin_get (fixture, path);

  if (response->status != 200)
    {
      g_autofree char *text = gh_test_response_text (response);

      g_error ("GET %s: %u %s", path, response->status, text);
    }
  g_assert_cmpstr (gh_test_response_header (response, "Cache-Control"), ==, "no-store");
  return gh_test_response_json (response);
}

/* GET @path of the admin API: @status with the error @error. */
static void
assert_admin_error (Fixture    *fixture,
                    const char *path,
                    guint       status,
                    const char *error)
{
  g_autoptr(GhTestResponse) response = admin_get (fixture, path);
  g_autoptr(JsonObject) object = NULL;

  g_test_message ("GET %s", path);
  g_assert_cmpuint (response->status, ==, status);
  object = gh_test_response_json (response);
  g_assert_cmpstr (json_object_get_string_member (object, "error"), ==, error);
  g_assert_nonnull (json_object_get_string_member (object, "error_description"));
}

static char *
hidden_value (const char *html,
              const char *name)
{
  g_autofree char *needle = g_strdup_printf ("name=\"%s\" value=\"", name);
  const char *start = strstr (html, needle);
  const char *end;

  g_assert_nonnull (start);
  start += strlen (needle);
  end = strchr (start, '"');
  g_assert_nonnull (end);
  return g_strndup (start, end - start);
}

/* Follows @redirect (a 303 to @where on this server) in the browser, and sends the page's form
 * with @field = @value back; returns that answer. */
static GhTestResponse *
submit_page (Fixture        *fixture,
             GhTestResponse *redirect,
             const char     *where,
             const char     *field,
             const char     *value)
{
  GhTestServer *server = &fixture->server;
  const char *location = gh_test_response_header (redirect, "Location");
  g_autofree char *prefix = g_strconcat (server->issuer, where, "?request=", NULL);
  g_autoptr(GhTestResponse) page = NULL;
  g_autofree char *html = NULL;
  g_autofree char *request_id = NULL;
  g_autofree char *csrf = NULL;
  g_autofree char *body = NULL;

  g_assert_cmpuint (redirect->status, ==, 303);
  g_assert_true (g_str_has_prefix (location, prefix));
  page = gh_test_server_request (server, server->browser, "GET",
                                 location + strlen (server->issuer), NULL, NULL, NULL);
  g_assert_cmpuint (page->status, ==, 200);
  html = gh_test_response_text (page);
  request_id = hidden_value (html, "request");
  csrf = hidden_value (html, "csrf_token");
  body = gh_test_form_encode (GH_TEST_PAIRS ("request", request_id, "csrf_token", csrf,
                                             field, value));
  return gh_test_server_request (server, server->browser, "POST", where,
                                 GH_TEST_PAIRS ("Origin", server->issuer),
                                 "application/x-www-form-urlencoded", body);
}

/* A request of the client program (its own User-Agent). */
static GhTestResponse *
program (Fixture            *fixture,
         const char         *method,
         const char         *path,
         const char * const *form)
{
  g_autofree char *body = form != NULL ? gh_test_form_encode (form) : NULL;

  return gh_test_server_request (&fixture->server, fixture->server.session, method, path,
                                 GH_TEST_PAIRS ("User-Agent", PROGRAM_UA),
                                 body != NULL ? "application/x-www-form-urlencoded" : NULL,
                                 body);
}

static guint sourced_steps (JsonArray  *steps,
                            const char *user_agent);

/* The position of @type in the order a flow's steps come in, or -1. */
static gint
flow_order (const char *type)
{
  static const char * const order[] = {
    "authorization.started", "user.logged_in", "consent.granted", "code.issued",
    "token.issued", "token.refreshed",
  };

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    if (g_str_equal (type, order[i]))
      return i;
  return -1;
}

/* The program probes discovery, the browser goes through /authorize, the login and consent
 * pages, the program redeems the code and refreshes: one flow, succeeded, for alice, its
 * steps in order with nothing else, and the program's discovery request as a probable hit. */
/* @flow (of a list) gives the first 16 of @steps (a flow's detail) as its "first_steps", and
 * says whether it has more. */
static void
assert_first_steps (JsonObject *flow,
                    JsonArray  *steps,
                    gboolean    cut)
{
  JsonArray *first = json_object_get_array_member (flow, "first_steps");

  g_assert_nonnull (first);
  g_assert_cmpuint (json_array_get_length (first), ==, MIN (json_array_get_length (steps), 16));
  for (guint i = 0; i < json_array_get_length (first); i++)
    {
      JsonObject *a = json_array_get_object_element (first, i);
      JsonObject *b = json_array_get_object_element (steps, i);

      g_assert_cmpint (json_object_get_int_member (a, "event_id"), ==,
                       json_object_get_int_member (b, "event_id"));
      g_assert_cmpstr (json_object_get_string_member (a, "type"), ==,
                       json_object_get_string_member (b, "type"));
      g_assert_cmpstr (json_object_get_string_member (a, "outcome"), ==,
                       json_object_get_string_member (b, "outcome"));
      g_assert_cmpuint (json_object_get_size (a), ==, 3);
    }
  g_assert_true (json_object_get_boolean_member (flow, "first_steps_cut") == cut);
}

static void
test_full_flow (Fixture       *fixture,
                gconstpointer  data)
{
  GhTestServer *server = &fixture->server;
  g_autofree char *verifier = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *query = NULL;
  g_autofree char *path = NULL;
  g_autofree char *flow_path = NULL;
  g_autoptr(GhTestResponse) discovery = NULL;
  g_autoptr(GhTestResponse) start = NULL;
  g_autoptr(GhTestResponse) signed_in = NULL;
  g_autoptr(GhTestResponse) allowed = NULL;
  g_autoptr(GhTestResponse) redeemed = NULL;
  g_autoptr(GhTestResponse) refreshed = NULL;
  g_autoptr(GhForm) callback = NULL;
  g_autoptr(JsonObject) tokens = NULL;
  g_autoptr(JsonObject) tokens_again = NULL;
  g_autofree char *refresh_token = NULL;
  g_autoptr(JsonObject) list = NULL;
  g_autoptr(JsonObject) detail = NULL;
  g_autoptr(GHashTable) types = g_hash_table_new (g_str_hash, g_str_equal);
  JsonArray *flows;
  JsonArray *steps;
  JsonArray *hits;
  JsonObject *flow;
  JsonObject *summary;
  const char *flow_id;
  gint previous = -1;
  gint64 previous_id = 0;

  discovery = program (fixture, "GET", "/.well-known/oauth-authorization-server", NULL);
  g_assert_cmpuint (discovery->status, ==, 200);

  gh_test_pkce_pair (&verifier, &challenge);
  query = gh_test_form_encode (GH_TEST_PAIRS ("response_type", "code", "client_id", "app",
                                              "redirect_uri", APP_CB, "scope", "openid",
                                              "state", "s1", "code_challenge", challenge,
                                              "code_challenge_method", "S256"));
  path = g_strconcat ("/authorize?", query, NULL);
  start = gh_test_server_request (server, server->browser, "GET", path,
                                  GH_TEST_PAIRS ("Accept", "text/html"), NULL, NULL);
  signed_in = submit_page (fixture, start, "/login", "username", "alice");
  allowed = submit_page (fixture, signed_in, "/consent", "decision", "allow");
  g_assert_cmpuint (allowed->status, ==, 303);
  callback = gh_test_response_location_query (allowed, APP_CB);
  g_assert_nonnull (gh_form_get (callback, "code"));

  redeemed = program (fixture, "POST", "/token",
                      GH_TEST_PAIRS ("grant_type", "authorization_code", "client_id", "app",
                                     "code", gh_form_get (callback, "code"),
                                     "code_verifier", verifier, "redirect_uri", APP_CB));
  g_assert_cmpuint (redeemed->status, ==, 200);
  tokens = gh_test_response_json (redeemed);
  g_assert_nonnull (json_object_get_string_member (tokens, "refresh_token"));
  refreshed = program (fixture, "POST", "/token",
                       GH_TEST_PAIRS ("grant_type", "refresh_token", "client_id", "app",
                                      "refresh_token",
                                      json_object_get_string_member (tokens, "refresh_token")));
  g_assert_cmpuint (refreshed->status, ==, 200);

  /* One flow */
  list = admin_json (fixture, "/admin/v1/projects/default/flows");
  flows = json_object_get_array_member (list, "flows");
  g_assert_cmpuint (json_array_get_length (flows), ==, 1);
  g_assert_true (json_object_get_null_member (list, "older"));
  g_assert_true (json_object_get_null_member (list, "newer"));
  flow = json_array_get_object_element (flows, 0);
  flow_id = json_object_get_string_member (flow, "id");
  g_assert_nonnull (flow_id);
  g_assert_cmpstr (json_object_get_string_member (flow, "state"), ==, "succeeded");
  g_assert_cmpstr (json_object_get_string_member (flow, "client_id"), ==, "app");
  g_assert_cmpstr (json_object_get_string_member (flow, "user_id"), ==, "alice");
  g_assert_cmpstr (json_object_get_string_member (flow, "project_slug"), ==, "default");
  g_assert_true (json_object_get_null_member (flow, "last_error"));
  g_assert_cmpint (json_object_get_int_member (flow, "duration_us"), >=, 0);

  /* Its steps, in order: the ones recorded today and the ones to come */
  flow_path = g_strconcat ("/admin/v1/projects/default/flows/", flow_id, NULL);
  detail = admin_json (fixture, flow_path);
  summary = json_object_get_object_member (detail, "flow");
  g_assert_cmpstr (json_object_get_string_member (summary, "id"), ==, flow_id);
  steps = json_object_get_array_member (detail, "steps");
  g_assert_cmpint (json_array_get_length (steps), ==,
                   json_object_get_int_member (summary, "steps"));
  /* The client was registered by an admin just before: not the client's doing, so no
   * registration comes with the flow (test_registration_before has one) */
  g_assert_true (json_object_get_null_member (detail, "registration"));
  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      JsonObject *step = json_array_get_object_element (steps, i);
      const char *type = json_object_get_string_member (step, "type");
      gint position = flow_order (type);

      g_test_message ("step %u: %s", i, type);
      g_assert_cmpint (position, >, previous);
      g_assert_cmpint (json_object_get_int_member (step, "event_id"), >, previous_id);
      g_assert_cmpstr (json_object_get_string_member (step, "outcome"), !=, "failure");
      previous = position;
      previous_id = json_object_get_int_member (step, "event_id");
      g_hash_table_add (types, (gpointer) type);
    }
  g_assert_true (g_hash_table_contains (types, "code.issued"));
  g_assert_true (g_hash_table_contains (types, "token.issued"));
  g_assert_true (g_hash_table_contains (types, "token.refreshed"));
  /* A step holds its CIMD resolution's cache; this flow resolved none */
  g_assert_true (json_object_get_null_member (json_array_get_object_element (steps, 0),
                                              "cache"));
  /* The list gives each flow its first steps (what a row's dots show) and says when it has
   * more; a flow's own summary does not */
  assert_first_steps (flow, steps, FALSE);
  g_assert_false (json_object_has_member (summary, "first_steps"));

  /* Probable hits come from the address and User-Agent of the flow's events: the program's
   * discovery request once its token steps carry them, the browser's once /authorize's do */
  hits = json_object_get_array_member (detail, "discovery_hits");
  g_assert_cmpuint (json_array_get_length (hits), ==, sourced_steps (steps, PROGRAM_UA));

  /* More steps than the list gives: the first ones, cut */
  tokens_again = gh_test_response_json (refreshed);
  while (json_array_get_length (steps) <= 16)
    {
      g_autoptr(GhTestResponse) again = NULL;
      g_autoptr(JsonObject) answer = NULL;

      g_free (refresh_token);
      refresh_token = g_strdup (json_object_get_string_member (tokens_again, "refresh_token"));
      again = program (fixture, "POST", "/token",
                       GH_TEST_PAIRS ("grant_type", "refresh_token", "client_id", "app",
                                      "refresh_token", refresh_token));
      g_assert_cmpuint (again->status, ==, 200);
      g_clear_pointer (&tokens_again, json_object_unref);
      tokens_again = gh_test_response_json (again);
      g_clear_pointer (&detail, json_object_unref);
      detail = admin_json (fixture, flow_path);
      steps = json_object_get_array_member (detail, "steps");
    }
  g_clear_pointer (&list, json_object_unref);
  list = admin_json (fixture, "/admin/v1/projects/default/flows");
  assert_first_steps (json_array_get_object_element (json_object_get_array_member (list, "flows"),
                                                     0), steps, TRUE);
}

/* 1 when a step of @steps carries 127.0.0.1 and @user_agent, else 0. */
static guint
sourced_steps (JsonArray  *steps,
               const char *user_agent)
{
  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      JsonObject *step = json_array_get_object_element (steps, i);

      if (g_strcmp0 (json_object_get_string_member (step, "source"), "127.0.0.1") == 0 &&
          g_strcmp0 (json_object_get_string_member (step, "user_agent"), user_agent) == 0)
        return 1;
    }
  return 0;
}

/* A GET of @path with @user_agent, answered @status. */
static void
probe_as (Fixture    *fixture,
          const char *path,
          const char *user_agent,
          guint       status)
{
  g_autoptr(GhTestResponse) response =
    gh_test_server_request (&fixture->server, fixture->server.session, "GET", path,
                            GH_TEST_PAIRS ("User-Agent", user_agent), NULL, NULL);

  g_assert_cmpuint (response->status, ==, status);
}

/* An /authorize without PKCE is refused back to the client: a failed flow whose last error
 * is that refusal, found by its state, with the client's discovery probes before it. */
static void
test_refused_flow (Fixture       *fixture,
                   gconstpointer  data)
{
  GhTestServer *server = &fixture->server;
  g_autofree char *query = gh_test_form_encode (GH_TEST_PAIRS ("response_type", "code",
                                                               "client_id", "app",
                                                               "redirect_uri", APP_CB,
                                                               "state", "s2"));
  g_autofree char *path = g_strconcat ("/authorize?", query, NULL);
  g_autofree char *flow_path = NULL;
  g_autoptr(GhTestResponse) refused = NULL;
  g_autoptr(GhForm) callback = NULL;
  g_autoptr(JsonObject) failed = NULL;
  g_autoptr(JsonObject) succeeded = NULL;
  g_autoptr(JsonObject) several = NULL;
  g_autoptr(JsonObject) detail = NULL;
  JsonObject *flow;
  JsonObject *last_error;
  JsonObject *step;
  JsonArray *steps;
  JsonNode *explain;

  JsonArray *hits;
  JsonObject *hit;

  /* What the client tried before: one path answered, one not; another client's probe */
  probe_as (fixture, "/.well-known/oauth-protected-resource", PROGRAM_UA, 404);
  probe_as (fixture, "/.well-known/oauth-authorization-server", PROGRAM_UA, 200);
  probe_as (fixture, "/.well-known/openid-configuration", "SomeoneElse/2", 200);
  refused = gh_test_server_request (server, server->browser, "GET", path,
                                    GH_TEST_PAIRS ("User-Agent", PROGRAM_UA), NULL, NULL);
  g_assert_cmpuint (refused->status, ==, 302);
  callback = gh_test_response_location_query (refused, APP_CB);
  g_assert_cmpstr (gh_form_get (callback, "error"), ==, "invalid_request");

  succeeded = admin_json (fixture, "/admin/v1/projects/default/flows?state=succeeded");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (succeeded, "flows")),
                    ==, 0);
  failed = admin_json (fixture, "/admin/v1/projects/default/flows?state=failed&client_id=app");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (failed, "flows")), ==,
                    1);
  flow = json_array_get_object_element (json_object_get_array_member (failed, "flows"), 0);
  g_assert_cmpstr (json_object_get_string_member (flow, "state"), ==, "failed");
  /* Several states at once: the flows in any of them */
  g_clear_pointer (&several, json_object_unref);
  several = admin_json (fixture, "/admin/v1/projects/default/flows?state=succeeded,failed");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (several, "flows")),
                    ==, 1);
  g_clear_pointer (&several, json_object_unref);
  several = admin_json (fixture, "/admin/v1/projects/default/flows?state=running,code");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (several, "flows")),
                    ==, 0);
  last_error = json_object_get_object_member (flow, "last_error");
  g_assert_nonnull (last_error);
  g_assert_cmpstr (json_object_get_string_member (last_error, "type"), ==,
                   "authorization.refused");
  g_assert_cmpstr (json_object_get_string_member (last_error, "error"), ==, "invalid_request");
  g_assert_nonnull (json_object_get_string_member (last_error, "error_description"));
  /* An explain object where the refusal carries one */
  explain = json_object_get_member (last_error, "explain");
  g_assert_nonnull (explain);
  g_assert_true (JSON_NODE_HOLDS_NULL (explain) || JSON_NODE_HOLDS_OBJECT (explain));

  flow_path = g_strconcat ("/admin/v1/projects/default/flows/",
                           json_object_get_string_member (flow, "id"), NULL);
  detail = admin_json (fixture, flow_path);
  last_error = json_object_get_object_member (json_object_get_object_member (detail, "flow"),
                                              "last_error");
  steps = json_object_get_array_member (detail, "steps");
  step = json_array_get_object_element (steps, json_array_get_length (steps) - 1);
  g_assert_cmpstr (json_object_get_string_member (step, "type"), ==, "authorization.refused");
  g_assert_cmpstr (json_object_get_string_member (step, "outcome"), ==, "failure");
  g_assert_cmpstr (json_object_get_string_member (step, "error"), ==, "invalid_request");
  g_assert_cmpint (json_object_get_int_member (step, "event_id"), ==,
                   json_object_get_int_member (last_error, "event_id"));
  g_assert_cmpstr (json_object_get_string_member (step, "user_agent"), ==, PROGRAM_UA);

  /* The client's two probes, oldest first, probable */
  hits = json_object_get_array_member (detail, "discovery_hits");
  g_assert_cmpuint (json_array_get_length (hits), ==, 2);
  hit = json_array_get_object_element (hits, 0);
  g_assert_cmpstr (json_object_get_string_member (hit, "path"), ==,
                   "/.well-known/oauth-protected-resource");
  g_assert_cmpint (json_object_get_int_member (hit, "status"), ==, 404);
  g_assert_true (json_object_get_boolean_member (hit, "probable"));
  hit = json_array_get_object_element (hits, 1);
  g_assert_cmpstr (json_object_get_string_member (hit, "path"), ==,
                   "/.well-known/oauth-authorization-server");
  g_assert_cmpint (json_object_get_int_member (hit, "status"), ==, 200);
  g_assert_cmpstr (json_object_get_string_member (hit, "user_agent"), ==, PROGRAM_UA);
}

/* GET .../summary: the counts, the failures grouped by explain rule with their newest event,
 * and the last hour per minute, all from one read. */
static void
test_summary (Fixture       *fixture,
              gconstpointer  data)
{
  GhTestServer *server = &fixture->server;
  g_autofree char *query = gh_test_form_encode (GH_TEST_PAIRS ("response_type", "code",
                                                               "client_id", "app",
                                                               "redirect_uri",
                                                               "https://app.example/other",
                                                               "state", "s3"));
  g_autofree char *path = g_strconcat ("/authorize?", query, NULL);
  g_autofree char *future = NULL;
  g_autoptr(JsonObject) before = NULL;
  g_autoptr(JsonObject) after = NULL;
  g_autoptr(JsonObject) later = NULL;
  JsonObject *counts;
  JsonObject *group = NULL;
  JsonObject *minutes;
  JsonArray *groups;
  JsonArray *per_minute;
  gint64 events_before;
  gint64 in_minutes = 0;

  before = admin_json (fixture, "/admin/v1/projects/default/summary");
  counts = json_object_get_object_member (before, "counts");
  g_assert_cmpint (json_object_get_int_member (counts, "clients"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (counts, "active_tokens"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (counts, "failures"), ==, 0);
  events_before = json_object_get_int_member (counts, "events");
  g_assert_cmpstr (json_object_get_string_member (before, "project"), ==, "default");

  /* Two refusals of one rule: a redirect_uri the client did not register */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GhTestResponse) refused =
        gh_test_server_request (server, server->browser, "GET", path,
                                GH_TEST_PAIRS ("User-Agent", PROGRAM_UA), NULL, NULL);

      g_assert_cmpuint (refused->status, ==, 400);
    }

  after = admin_json (fixture, "/admin/v1/projects/default/summary");
  counts = json_object_get_object_member (after, "counts");
  g_assert_cmpint (json_object_get_int_member (counts, "failures"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (counts, "events"), >=, events_before + 2);
  groups = json_object_get_array_member (after, "failures_by_rule");
  g_assert_cmpuint (json_array_get_length (groups), ==, 1);
  group = json_array_get_object_element (groups, 0);
  g_assert_cmpstr (json_object_get_string_member (group, "rule"), ==, "redirect_uri.mismatch");
  g_assert_cmpint (json_object_get_int_member (group, "count"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (group, "last_time"), >=,
                   json_object_get_int_member (group, "first_time"));
  g_assert_cmpstr (json_object_get_string_member (
                     json_object_get_object_member (
                       json_object_get_object_member (
                         json_object_get_object_member (group, "last_event"), "details"),
                       "explain"), "rule"), ==, "redirect_uri.mismatch");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (group,
                                                                                 "last_event"),
                                                  "user_agent"), ==, PROGRAM_UA);
  /* Both came from one client and program: one sender */
  {
    JsonArray *senders = json_object_get_array_member (group, "senders");
    JsonObject *sender;

    g_assert_cmpuint (json_array_get_length (senders), ==, 1);
    sender = json_array_get_object_element (senders, 0);
    g_assert_cmpstr (json_object_get_string_member (sender, "user_agent"), ==, PROGRAM_UA);
    g_assert_cmpstr (json_object_get_string_member (sender, "client_id"), ==,
                     json_object_get_string_member (json_object_get_object_member (group,
                                                                                   "last_event"),
                                                    "client_id"));
    g_assert_false (json_object_get_boolean_member (group, "senders_more"));
  }

  /* The last hour: 60 minutes holding every event since the first minute's start */
  minutes = json_object_get_object_member (after, "per_minute");
  per_minute = json_object_get_array_member (minutes, "failures");
  g_assert_cmpuint (json_array_get_length (per_minute), ==, 60);
  for (guint i = 0; i < 60; i++)
    in_minutes += json_array_get_int_element (per_minute, i);
  g_assert_cmpint (in_minutes, ==, 2);

  /* Since the epoch: the same two; a window that starts in the future is refused */
  later = admin_json (fixture, "/admin/v1/projects/default/summary?since=1");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (later, "counts"),
                                               "failures"), ==, 2);
  future = g_strdup_printf ("/admin/v1/projects/default/summary?since=%" G_GINT64_FORMAT,
                            g_get_real_time () + G_TIME_SPAN_HOUR);
  assert_admin_error (fixture, future, 400, "invalid_request");
  assert_admin_error (fixture, "/admin/v1/projects/default/summary?window=1", 400,
                      "invalid_request");
  assert_admin_error (fixture, "/admin/v1/projects/nope/summary", 404, "not_found");

  /* Eleven more programs: the ten newest senders are named, newest first, and "more" */
  for (guint i = 1; i <= 11; i++)
    {
      g_autofree char *agent = g_strdup_printf ("program-%u/1.0", i);
      g_autoptr(GhTestResponse) refused =
        gh_test_server_request (server, server->browser, "GET", path,
                                GH_TEST_PAIRS ("User-Agent", agent), NULL, NULL);

      g_assert_cmpuint (refused->status, ==, 400);
    }
  g_clear_pointer (&after, json_object_unref);
  after = admin_json (fixture, "/admin/v1/projects/default/summary");
  group = json_array_get_object_element (json_object_get_array_member (after,
                                                                       "failures_by_rule"), 0);
  g_assert_cmpint (json_object_get_int_member (group, "count"), ==, 13);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (group, "senders")), ==,
                    10);
  g_assert_cmpstr (json_object_get_string_member (
                     json_array_get_object_element (json_object_get_array_member (group,
                                                                                  "senders"),
                                                    0), "user_agent"), ==, "program-11/1.0");
  g_assert_true (json_object_get_boolean_member (group, "senders_more"));
}

/* A client that registers itself just before its flow (dynamic registration, as MCP
 * clients do): its flow comes with that registration, a step outside the flow's own events. */
static void
test_registration_before (Fixture       *fixture,
                          gconstpointer  data)
{
  GhTestServer *server = &fixture->server;
  g_autoptr(GhTestResponse) registered = NULL;
  g_autoptr(GhTestResponse) started = NULL;
  g_autoptr(JsonObject) client = NULL;
  g_autoptr(JsonObject) list = NULL;
  g_autoptr(JsonObject) detail = NULL;
  g_autofree char *query = NULL;
  g_autofree char *path = NULL;
  g_autofree char *list_path = NULL;
  g_autofree char *flow_path = NULL;
  JsonObject *registration;
  JsonObject *flow;
  JsonArray *steps;
  const char *client_id;

  registered = gh_test_server_request (server, server->session, "POST", "/register",
                                       GH_TEST_PAIRS ("User-Agent", PROGRAM_UA),
                                       "application/json",
                                       "{\"client_name\": \"Agent\", \"redirect_uris\": [\""
                                       APP_CB "\"], \"token_endpoint_auth_method\": \"none\"}");
  g_assert_cmpuint (registered->status, ==, 201);
  client = gh_test_response_json (registered);
  client_id = json_object_get_string_member (client, "client_id");
  query = gh_test_form_encode (GH_TEST_PAIRS ("response_type", "code", "client_id", client_id,
                                              "redirect_uri", APP_CB, "state", "s9"));
  path = g_strconcat ("/authorize?", query, NULL);
  /* No PKCE: refused, and a flow all the same */
  started = gh_test_server_request (server, server->browser, "GET", path,
                                    GH_TEST_PAIRS ("User-Agent", PROGRAM_UA), NULL, NULL);
  g_assert_cmpuint (started->status, ==, 302);

  list_path = g_strconcat ("/admin/v1/projects/default/flows?client_id=", client_id, NULL);
  list = admin_json (fixture, list_path);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (list, "flows")), ==, 1);
  flow = json_array_get_object_element (json_object_get_array_member (list, "flows"), 0);
  flow_path = g_strconcat ("/admin/v1/projects/default/flows/",
                           json_object_get_string_member (flow, "id"), NULL);
  detail = admin_json (fixture, flow_path);
  registration = json_object_get_object_member (detail, "registration");
  g_assert_nonnull (registration);
  g_assert_cmpstr (json_object_get_string_member (registration, "type"), ==,
                   "oauth_client.registered");
  g_assert_cmpstr (json_object_get_string_member (registration, "client_id"), ==, client_id);
  g_assert_true (json_object_get_boolean_member (registration, "before_flow"));
  g_assert_cmpint (json_object_get_int_member (registration, "time"), <=,
                   json_object_get_int_member (json_object_get_object_member (detail, "flow"),
                                               "started_at"));
  steps = json_object_get_array_member (detail, "steps");
  for (guint i = 0; i < json_array_get_length (steps); i++)
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (steps, i),
                                                 "event_id"), !=,
                     json_object_get_int_member (registration, "event_id"));
}

/* GET /admin/v1/event-types: the registry, in its order, each type with its category and
 * description; a parameter is a 400. */
static void
test_event_types (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(JsonObject) answer = admin_json (fixture, "/admin/v1/event-types");
  JsonArray *types = json_object_get_array_member (answer, "event_types");
  guint n_types = 0;
  const GhAuditEventType *registry = gh_audit_event_types (&n_types);

  g_assert_cmpuint (json_array_get_length (types), ==, n_types);
  for (guint i = 0; i < n_types; i++)
    {
      JsonObject *type = json_array_get_object_element (types, i);

      g_assert_cmpstr (json_object_get_string_member (type, "type"), ==, registry[i].name);
      g_assert_cmpstr (json_object_get_string_member (type, "category"), ==,
                       gh_audit_category_to_string (registry[i].category));
      g_assert_cmpstr (json_object_get_string_member (type, "description"), ==,
                       registry[i].description);
    }
  assert_admin_error (fixture, "/admin/v1/event-types?category=token", 400, "invalid_request");
}

/* Unknown flows and projects are 404; filters that cannot run are 400, named. */
static void
test_refusals (Fixture       *fixture,
               gconstpointer  data)
{
  const char * const not_found[] = {
    "/admin/v1/projects/default/flows/no-such-flow",
    "/admin/v1/projects/nope/flows",
    "/admin/v1/projects/nope/flows/x",
    "/admin/v1/projects/nope/discovery/hits",
    "/admin/v1/projects/NOT%20A%20SLUG/flows",
  };
  const char * const bad[] = {
    "/admin/v1/projects/default/flows?state=bogus",
    "/admin/v1/projects/default/flows?state=failed,bogus",
    "/admin/v1/projects/default/flows?state=failed,",
    "/admin/v1/projects/default/flows?state=failed,failed",
    "/admin/v1/projects/default/flows?limit=0",
    "/admin/v1/projects/default/flows?limit=201",
    "/admin/v1/projects/default/flows?before=1&after=2",
    "/admin/v1/projects/default/flows?before=0",
    "/admin/v1/projects/default/flows?before=x",
    "/admin/v1/projects/default/flows?unknown=1",
    "/admin/v1/projects/default/flows?state=failed&state=running",
    "/admin/v1/projects/default/flows?source=127.0.0.1",
    "/admin/v1/projects/default/flows/x?limit=5",
    "/admin/v1/projects/default/discovery/hits?status=99",
    "/admin/v1/projects/default/discovery/hits?status=abc",
    "/admin/v1/projects/default/discovery/hits?since=-1",
    "/admin/v1/projects/default/discovery/hits?state=failed",
    "/admin/v1/projects/default/discovery/hits?limit=1000",
  };

  for (guint i = 0; i < G_N_ELEMENTS (not_found); i++)
    assert_admin_error (fixture, not_found[i], 404, "not_found");
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_admin_error (fixture, bad[i], 400, "invalid_request");
}

/* One request to a well-known path, answered with @status. */
static void
probe (Fixture            *fixture,
       const char         *method,
       const char         *path,
       const char * const *headers,
       guint               status)
{
  g_autoptr(GhTestResponse) response = gh_test_server_request (&fixture->server,
                                                               fixture->server.session, method,
                                                               path, headers, NULL, NULL);

  g_test_message ("%s %s", method, path);
  g_assert_cmpuint (response->status, ==, status);
}

/* Every request to a well-known path, in each form, served or not, and a preflight with its
 * Origin and Access-Control-Request-* headers; nothing else. */
static void
test_discovery_hits (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(JsonObject) all = NULL;
  g_autoptr(JsonObject) missing = NULL;
  g_autoptr(JsonObject) acme = NULL;
  g_autoptr(JsonObject) page = NULL;
  g_autoptr(JsonObject) older = NULL;
  JsonArray *hits;
  JsonObject *preflight;
  static const struct {
    const char *method;
    const char *path;
    guint status;
  } expected[] = {
    /* newest first */
    { "OPTIONS", "/.well-known/openid-configuration", 204 },
    { "GET", "/.well-known/oauth-authorization-server/mcp", 404 },
    { "GET", "/.well-known/oauth-protected-resource", 404 },
    { "HEAD", "/.well-known/openid-configuration", 200 },
    { "GET", "/.well-known/oauth-authorization-server", 200 },
  };

  gh_test_server_add_project (&fixture->server, "acme", "ACME", GH_SETTINGS_PROFILE_DEVELOPMENT);
  probe (fixture, "GET", "/.well-known/oauth-authorization-server",
         GH_TEST_PAIRS ("User-Agent", "Probe/1"), 200);
  probe (fixture, "HEAD", "/.well-known/openid-configuration", NULL, 200);
  probe (fixture, "GET", "/token", NULL, 405);
  probe (fixture, "GET", "/.well-known/oauth-protected-resource", NULL, 404);
  probe (fixture, "GET", "/.well-known/oauth-authorization-server/mcp", NULL, 404);
  /* The path-inserted and path-appended forms of acme's issuer */
  probe (fixture, "GET", "/.well-known/oauth-authorization-server/p/acme", NULL, 200);
  probe (fixture, "GET", "/p/acme/.well-known/openid-configuration", NULL, 200);
  probe (fixture, "GET", "/p/acme/.well-known/oauth-protected-resource", NULL, 404);
  probe (fixture, "OPTIONS", "/.well-known/openid-configuration",
         GH_TEST_PAIRS ("Origin", "https://inspector.example",
                        "Access-Control-Request-Method", "GET",
                        "Access-Control-Request-Headers", "mcp-protocol-version"), 204);

  all = admin_json (fixture, "/admin/v1/projects/default/discovery/hits");
  hits = json_object_get_array_member (all, "hits");
  g_assert_cmpuint (json_array_get_length (hits), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      JsonObject *hit = json_array_get_object_element (hits, i);

      g_assert_cmpstr (json_object_get_string_member (hit, "method"), ==, expected[i].method);
      g_assert_cmpstr (json_object_get_string_member (hit, "path"), ==, expected[i].path);
      g_assert_cmpint (json_object_get_int_member (hit, "status"), ==, expected[i].status);
      g_assert_cmpstr (json_object_get_string_member (hit, "project_slug"), ==, "default");
      g_assert_cmpstr (json_object_get_string_member (hit, "source"), ==, "127.0.0.1");
      g_assert_cmpint (json_object_get_int_member (hit, "time"), >, 0);
    }
  preflight = json_array_get_object_element (hits, 0);
  g_assert_cmpstr (json_object_get_string_member (preflight, "origin"), ==,
                   "https://inspector.example");
  g_assert_cmpstr (json_object_get_string_member (preflight, "access_control_request_method"),
                   ==, "GET");
  g_assert_cmpstr (json_object_get_string_member (preflight, "access_control_request_headers"),
                   ==, "mcp-protocol-version");
  g_assert_true (json_object_get_null_member (json_array_get_object_element (hits, 1),
                                              "origin"));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (hits, 4),
                                                  "user_agent"), ==, "Probe/1");

  /* Filters and paging */
  missing = admin_json (fixture, "/admin/v1/projects/default/discovery/hits?status=404"
                                 "&source=127.0.0.1&since=1");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (missing, "hits")), ==,
                    2);
  acme = admin_json (fixture, "/admin/v1/projects/acme/discovery/hits?user_agent=Probe/1");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (acme, "hits")), ==, 0);
  g_clear_pointer (&acme, json_object_unref);
  acme = admin_json (fixture, "/admin/v1/projects/acme/discovery/hits");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (acme, "hits")), ==, 3);
  page = admin_json (fixture, "/admin/v1/projects/default/discovery/hits?limit=3");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (page, "hits")), ==, 3);
  {
    g_autofree char *path = g_strdup_printf ("/admin/v1/projects/default/discovery/hits"
                                             "?before=%" G_GINT64_FORMAT,
                                             json_object_get_int_member (page, "older"));

    older = admin_json (fixture, path);
  }
  hits = json_object_get_array_member (older, "hits");
  g_assert_cmpuint (json_array_get_length (hits), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (hits, 1),
                                                  "path"), ==, expected[4].path);
  g_assert_true (json_object_get_null_member (older, "older"));
}

/* A hit that cannot be written changes nothing of the answer: it is logged, and the next
 * ones are written again, later. */
static void
test_hit_not_written (Fixture       *fixture,
                      gconstpointer  data)
{
  GhStore *store = gh_server_get_store (fixture->server.server);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) page = NULL;
  JsonArray *hits;

  g_assert_true (gh_store_exec (store, "ALTER TABLE discovery_hits RENAME TO hits_away", &error));
  probe (fixture, "GET", "/.well-known/oauth-authorization-server", NULL, 200);
  probe (fixture, "GET", "/.well-known/oauth-protected-resource", NULL, 404);
  gh_test_expect_message ("gatehouse-server", G_LOG_LEVEL_WARNING,
                          "Cannot record 2 discovery hits*no such table*");
  _gh_discovery_flush_hits (fixture->server.server);
  gh_test_assert_expected_messages ();
  g_assert_true (gh_store_exec (store, "ALTER TABLE hits_away RENAME TO discovery_hits", &error));
  g_assert_no_error (error);

  /* Hits wait to be written together: a well-known request writes nothing at once, so the
   * cached documents, kept while the store is unchanged, stay */
  {
    GhStoreStamp before = gh_store_get_stamp (store);
    GhStoreStamp after;

    probe (fixture, "GET", "/.well-known/openid-configuration", NULL, 200);
    after = gh_store_get_stamp (store);
    g_assert_true (gh_store_stamp_equal (&before, &after));
  }
  page = admin_json (fixture, "/admin/v1/projects/default/discovery/hits");
  hits = json_object_get_array_member (page, "hits");
  g_assert_cmpuint (json_array_get_length (hits), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (hits, 0),
                                                  "path"), ==,
                   "/.well-known/openid-configuration");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/admin-flows/full-flow", test_full_flow);
  ADD ("/admin-flows/refused-flow", test_refused_flow);
  ADD ("/admin-flows/refusals", test_refusals);
  ADD ("/admin-flows/summary", test_summary);
  ADD ("/admin-flows/registration-before", test_registration_before);
  ADD ("/admin-flows/event-types", test_event_types);
  ADD ("/admin-flows/discovery-hits", test_discovery_hits);
  ADD ("/admin-flows/hit-not-written", test_hit_not_written);

  return g_test_run ();
}
