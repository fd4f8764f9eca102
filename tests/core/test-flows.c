/* test-flows.c — flow summaries: the state machine, the summary kept with each event, keyset
 * paging of flows on a generated set against a reference, one flow's steps and probable
 * discovery hits, pruning of flows and hits
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-flows.h"
#include "gh-json.h"
#include "gh-test-util.h"

#define N_PROJECTS 3
#define N_FLOWS 400

typedef struct
{
  char *dir;
  GhStore *store;
  GhAudit *audit;
  gint64 projects[N_PROJECTS];
} Fixture;

static void
exec (GhStore    *store,
      const char *sql)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (gh_store_exec (store, sql, &error));
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = gh_test_make_tmp_dir ("flows");
  fixture->store = gh_store_open (fixture->dir, &error);
  g_assert_no_error (error);
  fixture->audit = gh_audit_new (fixture->store);
  /* The generated set has many refusals from one address */
  gh_audit_set_refusal_limit (fixture->audit, 0);
  for (guint i = 0; i < N_PROJECTS; i++)
    {
      g_autofree char *sql = g_strdup_printf ("INSERT INTO projects (slug, display_name, "
                                              "profile, created_at) VALUES ('p%u', 'P', "
                                              "'development', 0)", i);

      exec (fixture->store, sql);
      fixture->projects[i] = gh_store_last_insert_rowid (fixture->store);
    }
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->audit);
  g_clear_object (&fixture->store);
  gh_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
}

/* ---- the state machine --------------------------------------------------------------- */

typedef struct
{
  const char     *type;
  GhAuditOutcome  outcome;
} Step;

#define OK(type) { type, GH_AUDIT_SUCCESS }
#define INFO(type) { type, GH_AUDIT_INFO }
#define FAIL(type) { type, GH_AUDIT_FAILURE }

/* Scripts of events and the state after each, and which events are errors. */
static const struct {
  const char  *name;
  Step         steps[6];
  const char  *states[6];
  const char  *errors;  /* 'e' per event that is the new last error, '.' otherwise */
  const char  *last_error;
} scripts[] = {
  { "full", { INFO ("authorization.started"), OK ("user.logged_in"), OK ("consent.granted"),
              OK ("code.issued"), OK ("token.issued"), OK ("token.refreshed") },
    { "running", "running", "running", "code", "succeeded", "succeeded" }, "......", NULL },
  { "refused", { INFO ("authorization.started"), FAIL ("authorization.refused") },
    { "running", "failed" }, ".e", "authorization.refused" },
  { "denied", { INFO ("authorization.started"), OK ("user.logged_in"),
                FAIL ("authorization.denied"), OK ("code.issued") },
    { "running", "running", "denied", "denied" }, "..e.", "authorization.denied" },
  /* Denied without a failure outcome is still denied, and an error */
  { "denied-info", { INFO ("authorization.denied") }, { "denied" }, "e",
    "authorization.denied" },
  { "token-refused-then-issued", { OK ("code.issued"), FAIL ("token.refused"),
                                   OK ("token.issued") },
    { "code", "failed", "succeeded" }, ".e.", "token.refused" },
  { "replayed", { OK ("code.issued"), OK ("token.issued"), FAIL ("code.replayed"),
                  OK ("token.refreshed") },
    { "code", "succeeded", "failed", "failed" }, "..e.", "code.replayed" },
  { "reuse", { OK ("code.issued"), OK ("token.issued"), OK ("token.refreshed"),
               INFO ("refresh_token.reuse_detected"), OK ("token.refreshed"),
               FAIL ("token.refused") },
    { "code", "succeeded", "succeeded", "failed", "failed", "failed" }, "...e.e",
    "token.refused" },
  { "cimd-failed", { INFO ("oauth_client.cimd_fetched"), FAIL ("oauth_client.cimd_fetch_failed"),
                     FAIL ("authorization.refused") },
    { "running", "failed", "failed" }, ".ee", "authorization.refused" },
  { "only-tokens", { OK ("token.refreshed"), OK ("token.revoked") },
    { "succeeded", "succeeded" }, "..", NULL },
};

static guint
script_length (guint s)
{
  guint n = 0;

  while (n < G_N_ELEMENTS (scripts[s].steps) && scripts[s].steps[n].type != NULL)
    n++;
  return n;
}

/* gh_flow_next_state() alone, event by event, for every script. */
static void
test_state_machine (void)
{
  GhFlowState state;

  for (guint s = 0; s < G_N_ELEMENTS (scripts); s++)
    {
      const char *last_error = NULL;

      state = GH_FLOW_STATE_NONE;
      for (guint i = 0; i < script_length (s); i++)
        {
          gboolean is_error = FALSE;

          g_test_message ("%s, step %u: %s", scripts[s].name, i, scripts[s].steps[i].type);
          state = gh_flow_next_state (state, last_error, scripts[s].steps[i].type,
                                      scripts[s].steps[i].outcome, &is_error);
          g_assert_cmpstr (gh_flow_state_to_string (state), ==, scripts[s].states[i]);
          g_assert_cmpint (is_error, ==, scripts[s].errors[i] == 'e');
          if (is_error)
            last_error = scripts[s].steps[i].type;
        }
      g_assert_cmpstr (last_error, ==, scripts[s].last_error);
    }

  g_assert_true (gh_flow_state_from_string ("code", &state));
  g_assert_cmpint (state, ==, GH_FLOW_STATE_CODE);
  g_assert_false (gh_flow_state_from_string ("none", &state));
  g_assert_false (gh_flow_state_from_string ("Failed", &state));
  g_assert_false (gh_flow_state_from_string (NULL, &state));
}

/* ---- recording ------------------------------------------------------------------------ */

static gint64
record (Fixture    *fixture,
        guint       project,
        const char *flow_id,
        const Step *step,
        const char *client_id,
        const char *user_id,
        const char *source,
        const char *user_agent,
        JsonObject *details)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *slug = g_strdup_printf ("p%u", project);
  gint64 id = gh_audit_record (fixture->audit, &(GhAuditEvent) {
                                 .project_id = fixture->projects[project], .project_slug = slug,
                                 .type = step->type, .outcome = step->outcome, .actor = "test",
                                 .client_id = client_id, .user_id = user_id,
                                 .flow_id = flow_id, .source = source,
                                 .user_agent = user_agent, .details = details }, &error);

  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static JsonObject *
query (Fixture            *fixture,
       const GhFlowsQuery *flows_query)
{
  g_autoptr(GError) error = NULL;
  JsonObject *answer = gh_flows_query (fixture->store, flows_query, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (answer);
  return answer;
}

static JsonObject *
get_flow (Fixture    *fixture,
          guint       project,
          const char *flow_id)
{
  return query (fixture, &(GhFlowsQuery) { .kind = GH_FLOWS_QUERY_FLOW, .flow_id = flow_id,
                                           .project_id = fixture->projects[project] });
}

/* Each script recorded as a flow through gh_audit_record(): the summary and the steps, the
 * user once known, the first event's address and User-Agent, the last error with its
 * explain. */
static void
test_summary (Fixture       *fixture,
              gconstpointer  data)
{
  for (guint s = 0; s < G_N_ELEMENTS (scripts); s++)
    {
      g_autofree char *flow_id = g_strdup_printf ("flow-%s", scripts[s].name);
      g_autoptr(JsonObject) answer = NULL;
      g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
      gint64 last_error = 0;
      JsonObject *flow;
      JsonObject *error_object;
      JsonArray *steps;
      guint n = script_length (s);

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(JsonObject) details = json_object_new ();
          g_autoptr(JsonObject) explain = json_object_new ();
          gint64 id;

          json_object_set_string_member (explain, "rule", "test.rule");
          json_object_set_int_member (explain, "step", i);
          json_object_set_string_member (details, "error", "invalid_request");
          json_object_set_object_member (details, "explain", g_steal_pointer (&explain));
          id = record (fixture, 1, flow_id, &scripts[s].steps[i], "app",
                       i >= 1 ? "alice" : NULL, i == 0 ? "192.0.2.1" : "192.0.2.2",
                       i == 0 ? "First/1" : "Later/2", details);
          g_array_append_val (ids, id);
          if (scripts[s].errors[i] == 'e')
            last_error = id;
        }

      answer = get_flow (fixture, 1, flow_id);
      flow = json_object_get_object_member (answer, "flow");
      g_assert_cmpstr (json_object_get_string_member (flow, "id"), ==, flow_id);
      g_assert_cmpstr (json_object_get_string_member (flow, "project_slug"), ==, "p1");
      g_assert_cmpstr (json_object_get_string_member (flow, "state"), ==,
                       scripts[s].states[n - 1]);
      g_assert_cmpint (json_object_get_int_member (flow, "steps"), ==, n);
      g_assert_cmpstr (json_object_get_string_member (flow, "client_id"), ==, "app");
      g_assert_cmpstr (json_object_get_string_member (flow, "user_id"), ==,
                       n > 1 ? "alice" : NULL);
      g_assert_cmpstr (json_object_get_string_member (flow, "source"), ==, "192.0.2.1");
      g_assert_cmpstr (json_object_get_string_member (flow, "user_agent"), ==, "First/1");
      g_assert_cmpint (json_object_get_int_member (flow, "first_event_id"), ==,
                       g_array_index (ids, gint64, 0));
      g_assert_cmpint (json_object_get_int_member (flow, "last_event_id"), ==,
                       g_array_index (ids, gint64, n - 1));
      g_assert_cmpint (json_object_get_int_member (flow, "duration_us"), ==,
                       json_object_get_int_member (flow, "updated_at") -
                       json_object_get_int_member (flow, "started_at"));
      error_object = json_object_get_object_member (flow, "last_error");
      if (last_error == 0)
        g_assert_null (error_object);
      else
        {
          JsonObject *explain = json_object_get_object_member (error_object, "explain");

          g_assert_cmpint (json_object_get_int_member (error_object, "event_id"), ==, last_error);
          g_assert_cmpstr (json_object_get_string_member (error_object, "type"), ==,
                           scripts[s].last_error);
          g_assert_cmpstr (json_object_get_string_member (explain, "rule"), ==, "test.rule");
        }
      /* Every event a step, in order */
      steps = json_object_get_array_member (answer, "steps");
      g_assert_cmpuint (json_array_get_length (steps), ==, n);
      for (guint i = 0; i < n; i++)
        {
          JsonObject *step = json_array_get_object_element (steps, i);

          g_assert_cmpint (json_object_get_int_member (step, "event_id"), ==,
                           g_array_index (ids, gint64, i));
          g_assert_cmpstr (json_object_get_string_member (step, "type"), ==,
                           scripts[s].steps[i].type);
        }
      g_assert_false (json_object_get_boolean_member (answer, "steps_cut"));
    }
}

/* Events without a flow id make no flow; an unknown flow or one of another project is not
 * found. */
static void
test_not_found (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(JsonObject) list = NULL;
  const Step started = INFO ("authorization.started");

  record (fixture, 0, NULL, &started, "app", NULL, NULL, NULL, NULL);
  record (fixture, 0, "f-0", &started, "app", NULL, NULL, NULL, NULL);
  list = query (fixture, &(GhFlowsQuery) { .kind = GH_FLOWS_QUERY_LIST,
                                           .project_id = fixture->projects[0] });
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (list, "flows")), ==, 1);

  answer = gh_flows_query (fixture->store, &(GhFlowsQuery) {
                             .kind = GH_FLOWS_QUERY_FLOW, .flow_id = "f-0",
                             .project_id = fixture->projects[1] }, NULL, &error);
  g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND);
  g_assert_null (answer);
  g_clear_error (&error);
  answer = gh_flows_query (fixture->store, &(GhFlowsQuery) {
                             .kind = GH_FLOWS_QUERY_FLOW, .flow_id = "nope",
                             .project_id = fixture->projects[0] }, NULL, &error);
  g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND);
  g_assert_null (answer);
}

/* The step snapshot another part of the server writes into an event's details: shown with
 * its duration; an event without one has nulls there. */
static void
test_steps (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(JsonObject) details = gh_test_parse_object (
    "{\"error\": \"invalid_grant\", \"error_description\": \"No\","
    " \"explain\": {\"rule\": \"pkce.verifier_mismatch\"},"
    " \"step\": {\"started_at\": 1000, \"params\": {\"grant_type\": \"authorization_code\"},"
    "          \"status\": 400, \"error\": \"invalid_grant\"}}");
  g_autoptr(JsonObject) answer = NULL;
  const Step issued = OK ("code.issued");
  const Step refused = FAIL ("token.refused");
  JsonObject *with;
  JsonObject *without;
  JsonArray *steps;

  record (fixture, 0, "f-steps", &issued, "app", NULL, NULL, NULL, NULL);
  record (fixture, 0, "f-steps", &refused, "app", NULL, NULL, NULL, details);
  answer = get_flow (fixture, 0, "f-steps");
  steps = json_object_get_array_member (answer, "steps");
  without = json_array_get_object_element (steps, 0);
  with = json_array_get_object_element (steps, 1);

  g_assert_true (json_object_get_null_member (without, "started_at"));
  g_assert_true (json_object_get_null_member (without, "duration_us"));
  g_assert_true (json_object_get_null_member (without, "params"));
  g_assert_true (json_object_get_null_member (without, "status"));
  g_assert_true (json_object_get_null_member (without, "error"));
  g_assert_true (json_object_get_null_member (without, "explain"));
  g_assert_cmpstr (json_object_get_string_member (without, "outcome"), ==, "success");

  g_assert_cmpint (json_object_get_int_member (with, "started_at"), ==, 1000);
  g_assert_cmpint (json_object_get_int_member (with, "duration_us"), ==,
                   json_object_get_int_member (with, "time") - 1000);
  g_assert_cmpstr (json_object_get_string_member (
                     json_object_get_object_member (with, "params"), "grant_type"), ==,
                   "authorization_code");
  g_assert_cmpint (json_object_get_int_member (with, "status"), ==, 400);
  g_assert_cmpstr (json_object_get_string_member (with, "error"), ==, "invalid_grant");
  g_assert_cmpstr (json_object_get_string_member (with, "error_description"), ==, "No");
  g_assert_cmpstr (json_object_get_string_member (
                     json_object_get_object_member (with, "explain"), "rule"), ==,
                   "pkce.verifier_mismatch");
  g_assert_cmpstr (json_object_get_string_member (with, "outcome"), ==, "failure");
}

/* ---- paging on a generated set ---------------------------------------------------------- */

typedef struct
{
  gint64 seq;
  guint project;
  char *flow_id;
  char *client_id;
  char *user_id;
  guint script;
  guint done;       /* events recorded */
} Generated;

static void
generated_clear (Generated *flow)
{
  g_free (flow->flow_id);
  g_free (flow->client_id);
  g_free (flow->user_id);
}

/* N_FLOWS flows of random scripts over the projects, their events interleaved. */
static GArray *
generate (Fixture *fixture)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) open = g_ptr_array_new ();
  GArray *flows = g_array_new (FALSE, TRUE, sizeof (Generated));
  guint started = 0;

  g_array_set_clear_func (flows, (GDestroyNotify) generated_clear);
  g_array_set_size (flows, N_FLOWS);
  g_assert_true (gh_store_begin (fixture->store, &error));
  while (started < N_FLOWS || open->len > 0)
    {
      Generated *flow;

      if (started < N_FLOWS && (open->len == 0 || g_rand_boolean (rand)))
        {
          flow = &g_array_index (flows, Generated, started);
          flow->project = g_rand_int_range (rand, 0, N_PROJECTS);
          flow->flow_id = g_strdup_printf ("gen-%03u", started);
          flow->client_id = g_strdup_printf ("client-%d", g_rand_int_range (rand, 0, 5));
          flow->user_id = g_rand_boolean (rand) ? g_strdup_printf ("user-%d",
                                                                   g_rand_int_range (rand, 0, 3))
                                                : NULL;
          flow->script = g_rand_int_range (rand, 0, G_N_ELEMENTS (scripts));
          started++;
          g_ptr_array_add (open, flow);
        }
      else
        flow = open->pdata[g_rand_int_range (rand, 0, open->len)];
      record (fixture, flow->project, flow->flow_id, &scripts[flow->script].steps[flow->done],
              flow->client_id, flow->done > 0 ? flow->user_id : NULL, "192.0.2.9", NULL, NULL);
      flow->done++;
      if (flow->done == script_length (flow->script))
        g_ptr_array_remove_fast (open, flow);
    }
  g_assert_true (gh_store_commit (fixture->store, &error));
  g_assert_no_error (error);
  return flows;
}

static const char *
final_state (const Generated *flow)
{
  return scripts[flow->script].states[script_length (flow->script) - 1];
}

/* The user a flow shows: none when its script had one event (the user comes later). */
static const char *
shown_user (const Generated *flow)
{
  return script_length (flow->script) > 1 ? flow->user_id : NULL;
}

static gboolean
matches (const Generated    *flow,
         Fixture            *fixture,
         const GhFlowsQuery *q)
{
  return fixture->projects[flow->project] == q->project_id &&
         (q->state == NULL || g_str_equal (q->state, final_state (flow))) &&
         (q->client_id == NULL || g_str_equal (q->client_id, flow->client_id)) &&
         (q->user_id == NULL || g_strcmp0 (q->user_id, shown_user (flow)) == 0);
}

/* Pages through @q's flows with before cursors, then back with after cursors: newest first
 * (in the order their first events came), every matching flow once, no other. */
static void
check_paging (Fixture            *fixture,
              GArray             *flows,
              const GhFlowsQuery *q)
{
  g_autoptr(GPtrArray) expected = g_ptr_array_new ();
  g_autoptr(GPtrArray) pages = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  GhFlowsQuery page_query = *q;
  guint seen = 0;

  for (guint i = flows->len; i > 0; i--)
    if (matches (&g_array_index (flows, Generated, i - 1), fixture, q))
      g_ptr_array_add (expected, &g_array_index (flows, Generated, i - 1));
  g_assert_cmpuint (expected->len, >, 0);

  /* Older and older */
  for (;;)
    {
      JsonObject *page = query (fixture, &page_query);
      JsonArray *items = json_object_get_array_member (page, "flows");

      g_ptr_array_add (pages, page);
      g_assert_cmpuint (json_array_get_length (items), <=, q->limit);
      for (guint i = 0; i < json_array_get_length (items); i++)
        {
          JsonObject *item = json_array_get_object_element (items, i);
          const Generated *flow = expected->pdata[seen++];

          g_assert_cmpstr (json_object_get_string_member (item, "id"), ==, flow->flow_id);
          g_assert_cmpstr (json_object_get_string_member (item, "state"), ==,
                           final_state (flow));
          g_assert_cmpstr (json_object_get_string_member (item, "client_id"), ==,
                           flow->client_id);
          g_assert_cmpstr (json_object_get_string_member (item, "user_id"), ==,
                           shown_user (flow));
          g_assert_cmpint (json_object_get_int_member (item, "steps"), ==,
                           script_length (flow->script));
        }
      if (json_object_get_null_member (page, "older"))
        break;
      page_query.after = 0;
      page_query.before = json_object_get_int_member (page, "older");
    }
  g_assert_cmpuint (seen, ==, expected->len);

  /* And back, newer and newer, page by page as they were */
  for (guint p = pages->len - 1; p > 0; p--)
    {
      g_autoptr(JsonObject) page = NULL;
      g_autofree char *text = NULL;
      g_autofree char *original = NULL;

      page_query.before = 0;
      page_query.after = json_object_get_int_member (pages->pdata[p], "newer");
      page = query (fixture, &page_query);
      text = gh_json_object_to_string (page, FALSE);
      original = gh_json_object_to_string (pages->pdata[p - 1], FALSE);
      /* The first page has no newer: the one read back from the second has */
      if (p - 1 == 0)
        {
          g_assert_true (json_object_get_null_member (page, "newer"));
          g_assert_true (json_object_get_null_member (pages->pdata[0], "newer"));
        }
      g_assert_cmpstr (text, ==, original);
    }
}

static void
test_paging (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GArray) flows = generate (fixture);

  for (guint p = 0; p < N_PROJECTS; p++)
    {
      gint64 id = fixture->projects[p];
      const GhFlowsQuery queries[] = {
        { .kind = GH_FLOWS_QUERY_LIST, .project_id = id, .limit = 7 },
        { .kind = GH_FLOWS_QUERY_LIST, .project_id = id, .limit = 200 },
        { .kind = GH_FLOWS_QUERY_LIST, .project_id = id, .limit = 5, .state = "failed" },
        { .kind = GH_FLOWS_QUERY_LIST, .project_id = id, .limit = 3, .state = "succeeded" },
        { .kind = GH_FLOWS_QUERY_LIST, .project_id = id, .limit = 4, .client_id = "client-2" },
        { .kind = GH_FLOWS_QUERY_LIST, .project_id = id, .limit = 2, .user_id = "user-1" },
        { .kind = GH_FLOWS_QUERY_LIST, .project_id = id, .limit = 1, .user_id = "user-0",
          .client_id = "client-1" },
      };

      for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
        {
          g_test_message ("project %u, query %u", p, i);
          check_paging (fixture, flows, &queries[i]);
        }
    }

  /* A cursor past the end marks its place on an empty page */
  {
    g_autoptr(JsonObject) page = query (fixture, &(GhFlowsQuery) {
                                          .kind = GH_FLOWS_QUERY_LIST,
                                          .project_id = fixture->projects[0], .before = 1 });

    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (page, "flows")), ==,
                      0);
    g_assert_true (json_object_get_null_member (page, "older"));
    g_assert_true (json_object_get_null_member (page, "newer"));
  }
}

/* Queries that cannot run, each refused with a reason. */
static void
test_invalid (Fixture       *fixture,
              gconstpointer  data)
{
  gint64 p = fixture->projects[0];
  const GhFlowsQuery queries[] = {
    { .kind = GH_FLOWS_QUERY_LIST },
    { .kind = GH_FLOWS_QUERY_LIST, .project_id = p, .before = 3, .after = 2 },
    { .kind = GH_FLOWS_QUERY_LIST, .project_id = p, .before = -1 },
    { .kind = GH_FLOWS_QUERY_LIST, .project_id = p, .limit = GH_FLOWS_QUERY_MAX_LIMIT + 1 },
    { .kind = GH_FLOWS_QUERY_LIST, .project_id = p, .state = "none" },
    { .kind = GH_FLOWS_QUERY_LIST, .project_id = p, .source = "192.0.2.1" },
    { .kind = GH_FLOWS_QUERY_HITS, .project_id = p, .state = "running" },
    { .kind = GH_FLOWS_QUERY_HITS, .project_id = p, .status = 99 },
    { .kind = GH_FLOWS_QUERY_HITS, .project_id = p, .since = -5 },
    { .kind = GH_FLOWS_QUERY_FLOW, .project_id = p },
    { .kind = GH_FLOWS_QUERY_FLOW, .project_id = p, .flow_id = "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) answer = NULL;

      g_test_message ("query %u", i);
      answer = gh_flows_query (fixture->store, &queries[i], NULL, &error);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_null (answer);
    }
}

/* ---- discovery hits --------------------------------------------------------------------- */

static void
add_hit (Fixture    *fixture,
         gint64      time,
         const char *slug,
         const char *path,
         guint       status,
         const char *user_agent,
         const char *source)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (gh_flows_record_hit (fixture->store, &(GhDiscoveryHit) {
                                        .time = time, .project_slug = slug, .path = path,
                                        .method = "GET", .status = status,
                                        .user_agent = user_agent, .source = source }, &error));
  g_assert_no_error (error);
}

/* A flow's probable hits: the same address and User-Agent as one of its events, in the minute
 * before it started, whatever project their path named. */
static void
test_probable_hits (Fixture       *fixture,
                    gconstpointer  data)
{
  gint64 now = g_get_real_time ();
  g_autoptr(JsonObject) answer = NULL;
  const Step started = INFO ("authorization.started");
  const Step issued = OK ("token.issued");
  JsonArray *hits;
  static const char * const expected[] = {
    "/.well-known/oauth-authorization-server/p/p0", "/.well-known/oauth-protected-resource",
    "/.well-known/openid-configuration", "/p/p0/.well-known/openid-configuration",
  };

  add_hit (fixture, now - 70 * G_USEC_PER_SEC, "p0", "/too-old", 200, "Client/1", "192.0.2.5");
  add_hit (fixture, now - 50 * G_USEC_PER_SEC, "p0", expected[0], 200, "Client/1",
           "192.0.2.5");
  add_hit (fixture, now - 40 * G_USEC_PER_SEC, "p1", "/other-ua", 200, "Other/1", "192.0.2.5");
  add_hit (fixture, now - 30 * G_USEC_PER_SEC, "default", expected[1], 404, "Client/1",
           "192.0.2.5");
  add_hit (fixture, now - 20 * G_USEC_PER_SEC, "p0", "/other-source", 200, "Client/1",
           "192.0.2.6");
  /* The token request came from the program; the browser's hit counts for its own pair */
  add_hit (fixture, now - 10 * G_USEC_PER_SEC, NULL, expected[2], 404, "Browser/2",
           "192.0.2.5");
  add_hit (fixture, now - 5 * G_USEC_PER_SEC, "p0", expected[3], 200, NULL, "192.0.2.5");

  record (fixture, 0, "f-hits", &started, "app", NULL, "192.0.2.5", "Browser/2", NULL);
  record (fixture, 0, "f-hits", &issued, "app", "alice", "192.0.2.5", "Client/1", NULL);
  record (fixture, 0, "f-hits", &issued, "app", "alice", "192.0.2.5", NULL, NULL);
  /* After the start: not before it */
  add_hit (fixture, g_get_real_time () + 1, "p0", "/after", 200, "Client/1", "192.0.2.5");

  answer = get_flow (fixture, 0, "f-hits");
  hits = json_object_get_array_member (answer, "discovery_hits");
  g_assert_cmpuint (json_array_get_length (hits), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      JsonObject *hit = json_array_get_object_element (hits, i);

      g_assert_cmpstr (json_object_get_string_member (hit, "path"), ==, expected[i]);
      g_assert_true (json_object_get_boolean_member (hit, "probable"));
    }
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (hits, 0),
                                                  "project_slug"), ==, "p0");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (hits, 1),
                                               "status"), ==, 404);
  g_assert_true (json_object_get_null_member (json_array_get_object_element (hits, 2),
                                              "project_slug"));
}

/* Hits of a project, newest first, filtered, paged. */
static void
test_hits_paging (Fixture       *fixture,
                  gconstpointer  data)
{
  gint64 p0 = fixture->projects[0];
  g_autoptr(JsonObject) page = NULL;
  g_autoptr(JsonObject) next = NULL;
  g_autoptr(JsonObject) filtered = NULL;
  JsonArray *hits;

  for (guint i = 0; i < 30; i++)
    add_hit (fixture, 1000 + i, i % 3 == 2 ? "p1" : "p0", "/.well-known/openid-configuration",
             i % 2 == 0 ? 200 : 404, i % 5 == 0 ? "Five/1" : "Any/1", "192.0.2.1");

  page = query (fixture, &(GhFlowsQuery) { .kind = GH_FLOWS_QUERY_HITS, .project_id = p0,
                                           .limit = 15 });
  hits = json_object_get_array_member (page, "hits");
  /* 20 of the 30 are p0's */
  g_assert_cmpuint (json_array_get_length (hits), ==, 15);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (hits, 0), "time"),
                   ==, 1000 + 28);
  next = query (fixture, &(GhFlowsQuery) { .kind = GH_FLOWS_QUERY_HITS, .project_id = p0,
                                           .before = json_object_get_int_member (page,
                                                                                 "older") });
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (next, "hits")), ==, 5);
  g_assert_true (json_object_get_null_member (next, "older"));

  /* 404 from Five/1 since 1010: i = 15, 25 */
  filtered = query (fixture, &(GhFlowsQuery) { .kind = GH_FLOWS_QUERY_HITS, .project_id = p0,
                                               .status = 404, .user_agent = "Five/1",
                                               .since = 1010, .source = "192.0.2.1" });
  hits = json_object_get_array_member (filtered, "hits");
  g_assert_cmpuint (json_array_get_length (hits), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (hits, 0), "time"),
                   ==, 1025);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (hits, 1), "time"),
                   ==, 1015);
}

/* ---- pruning ------------------------------------------------------------------------------ */

static gint64
count (Fixture    *fixture,
       const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStmt) stmt = gh_store_prepare (fixture->store, sql, &error);
  gboolean row = FALSE;

  g_assert_no_error (error);
  g_assert_true (gh_store_step (fixture->store, stmt, &row, &error));
  g_assert_true (row);
  return sqlite3_column_int64 (stmt, 0);
}

/* A flow goes with its last event, not before; hits beyond the newest 10 000 go, and hits
 * older than the audit log's age limit. */
static void
test_prune (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const Step started = INFO ("authorization.started");
  const Step issued = OK ("code.issued");
  gint64 now = g_get_real_time ();

  /* a: events 1, 3; b: 2, 5; c: 4 */
  record (fixture, 0, "a", &started, NULL, NULL, NULL, NULL, NULL);
  record (fixture, 0, "b", &started, NULL, NULL, NULL, NULL, NULL);
  record (fixture, 0, "a", &issued, NULL, NULL, NULL, NULL, NULL);
  record (fixture, 0, "c", &started, NULL, NULL, NULL, NULL, NULL);
  record (fixture, 0, "b", &issued, NULL, NULL, NULL, NULL, NULL);

  /* Keep 3 events: 3, 4, 5 stay; every flow keeps its last event */
  gh_audit_set_retention (fixture->audit, 3, 0);
  g_assert_cmpint (gh_audit_prune_step (fixture->audit, 500, &error), ==, 2);
  g_assert_no_error (error);
  g_assert_cmpint (count (fixture, "SELECT count(*) FROM flows"), ==, 3);
  /* Keep 2: event 3, a's last, goes, and a with it */
  gh_audit_set_retention (fixture->audit, 2, 0);
  g_assert_cmpint (gh_audit_prune_step (fixture->audit, 500, &error), ==, 1);
  g_assert_cmpint (count (fixture, "SELECT count(*) FROM flows"), ==, 2);
  g_assert_cmpint (count (fixture, "SELECT count(*) FROM flows WHERE flow_id = 'a'"), ==, 0);
  /* Keep 1: c goes */
  gh_audit_set_retention (fixture->audit, 1, 0);
  g_assert_cmpint (gh_audit_prune_step (fixture->audit, 500, &error), ==, 1);
  g_assert_cmpint (count (fixture, "SELECT count(*) FROM flows"), ==, 1);
  g_assert_cmpint (count (fixture, "SELECT count(*) FROM flows WHERE flow_id = 'b'"), ==, 1);

  /* Hits: the newest GH_DISCOVERY_HITS_MAX, in batches */
  g_assert_true (gh_store_begin (fixture->store, &error));
  for (guint i = 0; i < GH_DISCOVERY_HITS_MAX + 700; i++)
    add_hit (fixture, now + i, "p0", "/.well-known/x", 404, NULL, NULL);
  g_assert_true (gh_store_commit (fixture->store, &error));
  g_assert_cmpint (gh_audit_prune_step (fixture->audit, 500, &error), ==, 500);
  g_assert_cmpint (gh_audit_prune_step (fixture->audit, 500, &error), ==, 200);
  g_assert_cmpint (gh_audit_prune_step (fixture->audit, 500, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpint (count (fixture, "SELECT count(*) FROM discovery_hits"), ==,
                   GH_DISCOVERY_HITS_MAX);
  g_assert_cmpint (count (fixture, "SELECT min(time) FROM discovery_hits"), ==, now + 700);
  /* And by age, with the audit log's */
  add_hit (fixture, now - G_GINT64_CONSTANT (2) * 86400 * G_USEC_PER_SEC, "p0",
           "/.well-known/old", 404, NULL, NULL);
  gh_audit_set_retention (fixture->audit, 1, 1);
  /* It, and the oldest of the others: it made them one too many */
  g_assert_cmpint (gh_audit_prune_step (fixture->audit, 500, &error), ==, 2);
  g_assert_cmpint (count (fixture, "SELECT count(*) FROM discovery_hits WHERE path = "
                                   "'/.well-known/old'"), ==, 0);
  g_assert_cmpint (count (fixture, "SELECT count(*) FROM discovery_hits"), ==,
                   GH_DISCOVERY_HITS_MAX - 1);
  g_assert_cmpint (count (fixture, "SELECT count(*) FROM flows"), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  g_test_add_func ("/flows/state-machine", test_state_machine);
  ADD ("/flows/summary", test_summary);
  ADD ("/flows/not-found", test_not_found);
  ADD ("/flows/steps", test_steps);
  ADD ("/flows/paging", test_paging);
  ADD ("/flows/invalid", test_invalid);
  ADD ("/flows/probable-hits", test_probable_hits);
  ADD ("/flows/hits-paging", test_hits_paging);
  ADD ("/flows/prune", test_prune);

  return g_test_run ();
}
