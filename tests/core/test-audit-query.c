/* test-audit-query.c — audit queries: every filter against a reference, keyset paging both
 * ways without gaps or duplicates, the limit, read-only connections beside a writer, the
 * async API
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-audit-query.h"
#include "gh-json.h"
#include "gh-test-util.h"

#define N_EVENTS 3000
#define N_PROJECTS 3
#define BASE_TIME G_GINT64_CONSTANT (1700000000000000)

static const char * const types[] = {
  "token.issued", "token.refreshed", "token.refused", "tokenX.issued", "token",
  "authorization.started", "project.created",
};
static const char * const outcomes[] = { "success", "failure", "info" };

/* One generated row, as the reference filter sees it. */
typedef struct
{
  gint64 id;
  gint64 time;
  gint64 project_id;
  const char *type;
  const char *outcome;
  char *client_id;   /* NULL for some */
  char *user_id;     /* NULL for some */
  char *flow_id;
  char *source;      /* NULL for some */
  char *details;
} Row;

typedef struct
{
  char *dir;
  GhStore *store;
  GhAudit *audit;
  gint64 projects[N_PROJECTS];
  GArray *rows;      /* Row, by id ascending */
} Fixture;

static void
row_clear (Row *row)
{
  g_free (row->client_id);
  g_free (row->user_id);
  g_free (row->flow_id);
  g_free (row->source);
  g_free (row->details);
}

static void
exec (GhStore    *store,
      const char *sql)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (gh_store_exec (store, sql, &error));
  g_assert_no_error (error);
}

static gint64
insert_row (Fixture *fixture,
            Row     *row)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStmt) stmt = NULL;

  stmt = gh_store_prepare (fixture->store,
                           "INSERT INTO audit_events (time, project_id, type, outcome, "
                           "client_id, user_id, flow_id, source, details) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", &error);
  g_assert_no_error (error);
  gh_stmt_bind_int64 (stmt, 1, row->time);
  gh_stmt_bind_int64 (stmt, 2, row->project_id);
  gh_stmt_bind_text (stmt, 3, row->type);
  gh_stmt_bind_text (stmt, 4, row->outcome);
  gh_stmt_bind_text (stmt, 5, row->client_id);
  gh_stmt_bind_text (stmt, 6, row->user_id);
  gh_stmt_bind_text (stmt, 7, row->flow_id);
  gh_stmt_bind_text (stmt, 8, row->source);
  gh_stmt_bind_text (stmt, 9, row->details);
  g_assert_true (gh_store_step (fixture->store, stmt, NULL, &error));
  g_assert_no_error (error);
  return gh_store_last_insert_rowid (fixture->store);
}

/* N_EVENTS rows over the projects, types and outcomes, seven to a microsecond (equal times),
 * written straight to the table so the times are ours. */
static void
generate (Fixture *fixture)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  g_autoptr(GError) error = NULL;

  g_assert_true (gh_store_begin (fixture->store, &error));
  for (guint i = 0; i < N_EVENTS; i++)
    {
      Row row = { 0 };
      guint r = g_rand_int (rand);

      row.time = BASE_TIME + (i / 7) * 1000;
      row.project_id = fixture->projects[g_rand_int_range (rand, 0, N_PROJECTS)];
      row.type = types[g_rand_int_range (rand, 0, G_N_ELEMENTS (types))];
      row.outcome = outcomes[g_rand_int_range (rand, 0, G_N_ELEMENTS (outcomes))];
      if (r % 5 != 0)
        row.client_id = g_strdup_printf ("client-%u", g_rand_int_range (rand, 0, 6));
      if (r % 3 != 0)
        row.user_id = g_strdup_printf ("user-%u", g_rand_int_range (rand, 0, 4));
      row.flow_id = g_strdup_printf ("flow-%u", i / 10);
      if (r % 4 != 0)
        row.source = g_strdup_printf ("192.0.2.%u", g_rand_int_range (rand, 1, 5));
      /* Some details hold the search word, in any case, and LIKE's own characters */
      if (i % 97 == 0)
        row.details = g_strdup_printf ("{\"note\":\"a NeedLe %u\"}", i);
      else if (i % 89 == 0)
        row.details = g_strdup ("{\"note\":\"50%_off\"}");
      else if (i % 83 == 0)
        row.details = g_strdup ("{\"note\":\"500 xoff\"}");
      else
        row.details = g_strdup_printf ("{\"n\":%u}", i);
      row.id = insert_row (fixture, &row);
      g_array_append_val (fixture->rows, row);
    }
  g_assert_true (gh_store_commit (fixture->store, &error));
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = gh_test_make_tmp_dir ("audit-query");
  fixture->store = gh_store_open (fixture->dir, &error);
  g_assert_no_error (error);
  fixture->audit = gh_audit_new (fixture->store);
  fixture->rows = g_array_new (FALSE, TRUE, sizeof (Row));
  g_array_set_clear_func (fixture->rows, (GDestroyNotify) row_clear);
  for (guint i = 0; i < N_PROJECTS; i++)
    {
      g_autofree char *sql = g_strdup_printf ("INSERT INTO projects (slug, display_name, "
                                              "profile, created_at) VALUES ('p%u', 'P', "
                                              "'development', 0)", i);

      exec (fixture->store, sql);
      fixture->projects[i] = gh_store_last_insert_rowid (fixture->store);
    }
  if (data != NULL)
    generate (fixture);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->audit);
  g_clear_object (&fixture->store);
  g_clear_pointer (&fixture->rows, g_array_unref);
  gh_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
}

/* ---- the reference ------------------------------------------------------------------ */

static gboolean
contains_nocase (const char *haystack,
                 const char *needle)
{
  g_autofree char *h = NULL;
  g_autofree char *n = NULL;

  if (haystack == NULL)
    return FALSE;
  h = g_ascii_strdown (haystack, -1);
  n = g_ascii_strdown (needle, -1);
  return strstr (h, n) != NULL;
}

static gboolean
matches (const Row          *row,
         const GhAuditQuery *query)
{
  if (query->project_id != 0 && row->project_id != query->project_id)
    return FALSE;
  if (query->type != NULL && g_strcmp0 (row->type, query->type) != 0)
    return FALSE;
  if (query->type_prefix != NULL && !g_str_has_prefix (row->type, query->type_prefix))
    return FALSE;
  if (query->outcome != NULL && g_strcmp0 (row->outcome, query->outcome) != 0)
    return FALSE;
  if (query->client_id != NULL && g_strcmp0 (row->client_id, query->client_id) != 0)
    return FALSE;
  if (query->user_id != NULL && g_strcmp0 (row->user_id, query->user_id) != 0)
    return FALSE;
  if (query->flow_id != NULL && g_strcmp0 (row->flow_id, query->flow_id) != 0)
    return FALSE;
  if (query->source != NULL && g_strcmp0 (row->source, query->source) != 0)
    return FALSE;
  if (query->time_from != 0 && row->time < query->time_from)
    return FALSE;
  if (query->time_to != 0 && row->time >= query->time_to)
    return FALSE;
  if (query->text != NULL &&
      !contains_nocase (row->details, query->text) &&
      !contains_nocase (row->client_id, query->text) &&
      !contains_nocase (row->user_id, query->text))
    return FALSE;
  return TRUE;
}

/* The ids @query matches, newest first. */
static GArray *
expected_ids (Fixture            *fixture,
              const GhAuditQuery *query)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = fixture->rows->len; i > 0; i--)
    {
      const Row *row = &g_array_index (fixture->rows, Row, i - 1);

      if (matches (row, query))
        g_array_append_val (ids, row->id);
    }
  return ids;
}

static GhAuditPage *
run (Fixture            *fixture,
     const GhAuditQuery *query)
{
  g_autoptr(GError) error = NULL;
  GhAuditPage *page = gh_audit_query (fixture->store, query, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (page);
  return page;
}

/* The generated row @id, by bisection (the rows are in id order). */
static const Row *
find_row (Fixture *fixture,
          gint64   id)
{
  guint low = 0, high = fixture->rows->len;

  while (low < high)
    {
      guint middle = low + (high - low) / 2;
      const Row *row = &g_array_index (fixture->rows, Row, middle);

      if (row->id == id)
        return row;
      if (row->id < id)
        low = middle + 1;
      else
        high = middle;
    }
  return NULL;
}

/* Each page's events are newest first, match the filter, and are the right rows. */
static void
check_page (Fixture            *fixture,
            const GhAuditQuery *query,
            const GhAuditPage  *page,
            guint               limit)
{
  g_assert_cmpuint (page->events->len, <=, limit);
  for (guint i = 0; i < page->events->len; i++)
    {
      const GhAuditEvent *event = page->events->pdata[i];
      const Row *row = find_row (fixture, event->id);

      if (i > 0)
        g_assert_cmpint (event->id, <, ((GhAuditEvent *) page->events->pdata[i - 1])->id);
      g_assert_nonnull (row);
      g_assert_true (matches (row, query));
      g_assert_cmpint (event->time, ==, row->time);
      g_assert_cmpstr (event->type, ==, row->type);
      g_assert_cmpstr (event->source, ==, row->source);
    }
}

/* Pages through @filter with @limit from the newest to the oldest, then back from the oldest
 * page to the newest, and compares each walk with the reference: every match once, in order. */
static void
check_walks (Fixture            *fixture,
             const GhAuditQuery *filter,
             guint               limit)
{
  g_autoptr(GArray) expected = expected_ids (fixture, filter);
  g_autoptr(GArray) forward = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) backward = g_array_new (FALSE, FALSE, sizeof (gint64));
  GhAuditQuery query = *filter;
  gint64 last_newer = 0;
  guint pages = 0;

  query.limit = limit;
  query.after = query.before = 0;
  for (;;)
    {
      g_autoptr(GhAuditPage) page = run (fixture, &query);

      check_page (fixture, filter, page, limit);
      /* A full page unless it is the last */
      if (page->older != 0)
        g_assert_cmpuint (page->events->len, ==, limit);
      /* Newer exists exactly when this is not the first page */
      g_assert_cmpint (page->newer != 0, ==, pages > 0);
      if (page->newer != 0)
        g_assert_cmpint (page->newer, ==, ((GhAuditEvent *) page->events->pdata[0])->id);
      for (guint i = 0; i < page->events->len; i++)
        g_array_append_val (forward, ((GhAuditEvent *) page->events->pdata[i])->id);
      pages++;
      g_assert_cmpuint (pages, <=, expected->len / limit + 2);
      if (page->older == 0)
        {
          last_newer = page->newer;
          break;
        }
      g_assert_cmpint (page->older, ==,
                       ((GhAuditEvent *) page->events->pdata[page->events->len - 1])->id);
      query.before = page->older;
    }
  g_assert_cmpuint (forward->len, ==, expected->len);
  g_assert_cmpmem (forward->data, forward->len * sizeof (gint64),
                   expected->data, expected->len * sizeof (gint64));

  /* Back: from the oldest page's "newer" cursor to the top, pages prepended */
  query.before = 0;
  query.after = last_newer;
  while (query.after != 0)
    {
      g_autoptr(GhAuditPage) page = run (fixture, &query);
      g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

      check_page (fixture, filter, page, limit);
      g_assert_cmpuint (page->events->len, >, 0);
      /* Coming from older events, there are always older ones */
      g_assert_cmpint (page->older, ==,
                       ((GhAuditEvent *) page->events->pdata[page->events->len - 1])->id);
      if (page->newer != 0)
        g_assert_cmpuint (page->events->len, ==, limit);
      for (guint i = 0; i < page->events->len; i++)
        g_array_append_val (ids, ((GhAuditEvent *) page->events->pdata[i])->id);
      g_array_prepend_vals (backward, ids->data, ids->len);
      query.after = page->newer;
    }
  /* The walk back covered all but the oldest page, which it started from */
  if (expected->len > 0)
    {
      guint oldest_page = expected->len - backward->len;

      g_assert_cmpuint (oldest_page, >, 0);
      g_assert_cmpuint (oldest_page, <=, limit);
      g_assert_cmpmem (backward->data, backward->len * sizeof (gint64),
                       expected->data, backward->len * sizeof (gint64));
    }
}

/* ---- the tests ---------------------------------------------------------------------- */

static void
test_paging_all (Fixture       *fixture,
                 gconstpointer  data)
{
  /* Page edges fall inside runs of equal times with these sizes */
  check_walks (fixture, &(GhAuditQuery) { 0 }, 37);
  check_walks (fixture, &(GhAuditQuery) { 0 }, 200);
  check_walks (fixture, &(GhAuditQuery) { 0 }, 1);
  check_walks (fixture, &(GhAuditQuery) { .project_id = fixture->projects[1] }, 50);
}

static void
test_filters (Fixture       *fixture,
              gconstpointer  data)
{
  gint64 p = fixture->projects[0];
  gint64 from = BASE_TIME + 100 * 1000;
  gint64 to = BASE_TIME + 250 * 1000 + 1;
  const GhAuditQuery filters[] = {
    { .project_id = p },
    { .type = "token.issued" },
    { .type_prefix = "token." },
    { .type_prefix = "tok" },
    { .outcome = "failure" },
    { .client_id = "client-3" },
    { .user_id = "user-1" },
    { .flow_id = "flow-42" },
    { .source = "192.0.2.3" },
    { .time_from = from },
    { .time_to = to },
    { .time_from = from, .time_to = to },
    { .text = "needle" },
    { .text = "%_" },
    { .text = "client-2" },
    { .project_id = p, .type_prefix = "token.", .outcome = "success" },
    { .project_id = p, .client_id = "client-1", .user_id = "user-2" },
    { .type = "authorization.started", .source = "192.0.2.1", .time_from = from },
    { .project_id = p, .outcome = "info", .text = "USER-3", .time_to = to },
    { .project_id = p, .type = "no.such" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
    {
      g_autoptr(GArray) expected = expected_ids (fixture, &filters[i]);

      g_test_message ("filter %u: %u events", i, expected->len);
      check_walks (fixture, &filters[i], 23);
    }
}

/* "token." is a prefix, not a pattern: neither "tokenX.issued" nor "token" match. */
static void
test_prefix (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GhAuditPage) page = run (fixture, &(GhAuditQuery) { .type_prefix = "token.",
                                                                 .limit = 200 });
  g_autoptr(GArray) expected = expected_ids (fixture, &(GhAuditQuery) {
                                               .type_prefix = "token." });
  guint prefixed = 0;

  g_assert_cmpuint (page->events->len, ==, 200);
  for (guint i = 0; i < page->events->len; i++)
    {
      const char *type = ((GhAuditEvent *) page->events->pdata[i])->type;

      g_assert_true (g_str_has_prefix (type, "token."));
    }
  /* The reference agrees, and there is something to leave out */
  for (guint i = 0; i < fixture->rows->len; i++)
    if (g_str_has_prefix (g_array_index (fixture->rows, Row, i).type, "token"))
      prefixed++;
  g_assert_cmpuint (prefixed, >, expected->len);
  g_assert_cmpuint (expected->len, >, 200);

  /* Three types under "token.", their ids interleaved: pages merged from one walk per type,
   * in both directions, with page edges anywhere, and the other filters still applied */
  check_walks (fixture, &(GhAuditQuery) { .type_prefix = "token." }, 1);
  check_walks (fixture, &(GhAuditQuery) { .type_prefix = "token." }, 7);
  check_walks (fixture, &(GhAuditQuery) { .type_prefix = "token." }, 200);
  check_walks (fixture, &(GhAuditQuery) { .project_id = fixture->projects[2],
                                          .type_prefix = "token.r" }, 9);
  check_walks (fixture, &(GhAuditQuery) { .type_prefix = "token.", .client_id = "client-2",
                                          .text = "1" }, 5);
  /* A type no longer in the generated set (nor registered) is still found */
  check_walks (fixture, &(GhAuditQuery) { .type_prefix = "tokenX" }, 11);
}

/* A prefix matching more types than are merged one by one is a range of the type index:
 * the same answers. */
static void
test_prefix_many_types (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);

  g_assert_true (gh_store_begin (fixture->store, &error));
  for (guint i = 0; i < 600; i++)
    {
      /* and, either side of the range, types the prefix does not match */
      g_autofree char *type = i % 10 == 0 ? g_strdup ("many") : i % 10 == 1 ?
                              g_strdup ("manyX.t1") :
                              g_strdup_printf ("many.t%02u", g_rand_int_range (rand, 0, 50));
      Row row = { .time = BASE_TIME + i, .project_id = fixture->projects[i % 2],
                  .type = g_intern_string (type), .outcome = outcomes[i % 3],
                  .flow_id = g_strdup ("f"), .details = g_strdup ("{}") };

      row.id = insert_row (fixture, &row);
      g_array_append_val (fixture->rows, row);
    }
  g_assert_true (gh_store_commit (fixture->store, &error));
  g_assert_no_error (error);

  check_walks (fixture, &(GhAuditQuery) { .type_prefix = "many." }, 13);
  check_walks (fixture, &(GhAuditQuery) { .project_id = fixture->projects[1],
                                          .type_prefix = "many.t1" }, 4);
  check_walks (fixture, &(GhAuditQuery) { .type_prefix = "many.t", .outcome = "info" }, 50);
}

static void
test_limit (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GhAuditPage) capped = run (fixture, &(GhAuditQuery) { .limit = 100000 });
  g_autoptr(GhAuditPage) standard = run (fixture, &(GhAuditQuery) { 0 });
  g_autoptr(GhAuditPage) one = run (fixture, &(GhAuditQuery) { .limit = 1 });
  gint64 newest = g_array_index (fixture->rows, Row, fixture->rows->len - 1).id;

  g_assert_cmpuint (capped->events->len, ==, GH_AUDIT_QUERY_MAX_LIMIT);
  g_assert_cmpuint (standard->events->len, ==, GH_AUDIT_QUERY_DEFAULT_LIMIT);
  g_assert_cmpuint (one->events->len, ==, 1);
  g_assert_cmpint (((GhAuditEvent *) one->events->pdata[0])->id, ==, newest);
  g_assert_cmpint (one->older, ==, newest);
  g_assert_cmpint (one->newer, ==, 0);
}

/* Cursors past either end, and empty pages, still point the right way. */
static void
test_cursor_edges (Fixture       *fixture,
                   gconstpointer  data)
{
  gint64 oldest = g_array_index (fixture->rows, Row, 0).id;
  gint64 newest = g_array_index (fixture->rows, Row, fixture->rows->len - 1).id;
  g_autoptr(GhAuditPage) below = run (fixture, &(GhAuditQuery) { .before = oldest });
  g_autoptr(GhAuditPage) above = run (fixture, &(GhAuditQuery) { .after = newest });
  g_autoptr(GhAuditPage) top = run (fixture, &(GhAuditQuery) { .after = newest - 3 });
  g_autoptr(GhAuditPage) json_page = run (fixture, &(GhAuditQuery) { .limit = 2 });
  g_autoptr(JsonObject) json = gh_audit_page_to_json (json_page);

  g_assert_cmpuint (below->events->len, ==, 0);
  g_assert_cmpint (below->older, ==, 0);
  g_assert_cmpint (below->newer, ==, oldest - 1);
  g_assert_cmpuint (above->events->len, ==, 0);
  g_assert_cmpint (above->newer, ==, 0);
  g_assert_cmpint (above->older, ==, newest + 1);
  /* The three newest, newest first, nothing newer */
  g_assert_cmpuint (top->events->len, ==, 3);
  g_assert_cmpint (((GhAuditEvent *) top->events->pdata[0])->id, ==, newest);
  g_assert_cmpint (((GhAuditEvent *) top->events->pdata[2])->id, ==, newest - 2);
  g_assert_cmpint (top->newer, ==, 0);
  g_assert_cmpint (top->older, ==, newest - 2);

  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json, "events")), ==,
                    2);
  g_assert_cmpint (json_object_get_int_member (json, "older"), ==, newest - 1);
  g_assert_true (json_object_get_null_member (json, "newer"));
}

static void
test_invalid (Fixture       *fixture,
              gconstpointer  data)
{
  const GhAuditQuery invalid[] = {
    { .after = 5, .before = 9 },
    { .after = -1 },
    { .outcome = "maybe" },
    { .type = "token.issued", .type_prefix = "token." },
    { .time_from = 10, .time_to = 10 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_null (gh_audit_query (fixture->store, &invalid[i], NULL, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    }
}

static void
test_cancelled (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_null (gh_audit_query (fixture->store, &(GhAuditQuery) { 0 }, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Recorded events keep their source and User-Agent in columns the filter finds. */
static void
test_source_column (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhAuditPage) page = NULL;
  GhAuditEvent *event;
  gint64 id;

  id = gh_audit_record (fixture->audit, &(GhAuditEvent) {
                          .project_id = fixture->projects[2],
                          .type = GH_AUDIT_EVENT_TOKEN_ISSUED, .outcome = GH_AUDIT_SUCCESS,
                          .source = "2001:db8::7",
                          .user_agent = "node" }, &error);
  g_assert_no_error (error);
  gh_audit_record (fixture->audit, &(GhAuditEvent) {
                     .project_id = fixture->projects[2],
                     .type = GH_AUDIT_EVENT_TOKEN_ISSUED, .outcome = GH_AUDIT_SUCCESS,
                     .source = "2001:db8::8" }, &error);
  g_assert_no_error (error);

  page = run (fixture, &(GhAuditQuery) { .project_id = fixture->projects[2],
                                         .source = "2001:db8::7" });
  g_assert_cmpuint (page->events->len, ==, 1);
  event = page->events->pdata[0];
  g_assert_cmpint (event->id, ==, id);
  g_assert_cmpstr (event->source, ==, "2001:db8::7");
  g_assert_cmpstr (event->user_agent, ==, "node");
}

/* What migration 8 added (tombstones, refresh lineage, token requests), undone so that a test
 * that sets user_version back can run it again (9 creates only what does not exist). */
#define UNDO_LATER_MIGRATIONS \
  "DROP TABLE client_tombstones;" \
  "DROP INDEX refresh_families_project_created;" \
  "ALTER TABLE refresh_tokens DROP COLUMN generation;" \
  "ALTER TABLE refresh_tokens DROP COLUMN issued_from;" \
  "ALTER TABLE refresh_tokens DROP COLUMN rotated_at_us;" \
  "ALTER TABLE refresh_tokens DROP COLUMN grace_used_at_us;" \
  "ALTER TABLE refresh_tokens DROP COLUMN reused_at_us;" \
  "ALTER TABLE access_tokens DROP COLUMN requested_resources;" \
  "ALTER TABLE access_tokens DROP COLUMN requested_scope;"

/* Migration 6, which adds the source column, moves each event's source address from its
 * details into it. */
static void
test_migrate_source (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhAuditPage) page = NULL;
  const char *version = "PRAGMA user_version = 5";

  /* Back to the schema before, with events of refused requests */
  exec (fixture->store,
        "DROP INDEX audit_events_project_source;"
        "ALTER TABLE audit_events DROP COLUMN source;"
        "ALTER TABLE audit_events DROP COLUMN user_agent;"
        "DROP INDEX audit_events_project_type; DROP INDEX audit_events_project_outcome;"
        "DROP INDEX audit_events_project_client; DROP INDEX audit_events_project_user;"
        "DROP INDEX audit_events_project_flow; DROP INDEX audit_events_project_time;"
        UNDO_LATER_MIGRATIONS
        "INSERT INTO audit_events (time, type, outcome, details) VALUES "
        "  (1, 'token.refused', 'failure', '{\"source_address\":\"198.51.100.4\"}'),"
        "  (2, 'token.refused', 'failure', '{\"source_address\":7}'),"
        "  (3, 'token.issued', 'success', '{}');");
  exec (fixture->store, version);
  g_clear_object (&fixture->audit);
  g_clear_object (&fixture->store);
  fixture->store = gh_store_open (fixture->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gh_store_get_schema_version (fixture->store), ==,
                   gh_store_get_latest_version ());

  page = run (fixture, &(GhAuditQuery) { .source = "198.51.100.4" });
  g_assert_cmpuint (page->events->len, ==, 1);
  g_assert_cmpint (((GhAuditEvent *) page->events->pdata[0])->time, ==, 1);
  g_clear_pointer (&page, gh_audit_page_free);
  page = run (fixture, &(GhAuditQuery) { 0 });
  g_assert_cmpuint (page->events->len, ==, 3);
  g_assert_null (((GhAuditEvent *) page->events->pdata[0])->source);
  g_assert_null (((GhAuditEvent *) page->events->pdata[1])->source);
}

/* Migration 7 gives events of older names the catalogue's names. */
static void
test_migrate_names (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhAuditPage) page = NULL;
  static const char * const renamed[] = {
    "code.issued", "code.replayed", "oauth_client.cimd_changed", "key.created", "token.issued",
  };

  exec (fixture->store,
        "INSERT INTO audit_events (time, type, outcome, details) VALUES "
        "  (1, 'authorization.code_issued', 'success', '{}'),"
        "  (2, 'authorization_code.replayed', 'failure', '{}'),"
        "  (3, 'oauth_client.cimd_document_changed', 'info', '{}'),"
        "  (4, 'signing_key.created', 'success', '{}'),"
        "  (5, 'token.issued', 'success', '{}');"
        UNDO_LATER_MIGRATIONS
        "PRAGMA user_version = 6;");
  g_clear_object (&fixture->audit);
  g_clear_object (&fixture->store);
  fixture->store = gh_store_open (fixture->dir, &error);
  g_assert_no_error (error);

  page = run (fixture, &(GhAuditQuery) { 0 });
  g_assert_cmpuint (page->events->len, >=, G_N_ELEMENTS (renamed));
  for (guint i = 0; i < G_N_ELEMENTS (renamed); i++)
    {
      /* Newest first: time 5 is the first row of those */
      GhAuditEvent *event = page->events->pdata[page->events->len - 1 - i];

      g_assert_cmpint (event->time, ==, (gint64) i + 1);
      g_assert_cmpstr (event->type, ==, renamed[i]);
    }
}

/* A writer's open transaction neither blocks a query nor shows in it. */
static void
test_beside_writer (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 newest = g_array_index (fixture->rows, Row, fixture->rows->len - 1).id;
  gint64 started;

  g_assert_true (gh_store_begin (fixture->store, &error));
  exec (fixture->store, "INSERT INTO audit_events (time, type, outcome) "
                        "VALUES (1, 'token.issued', 'info')");
  exec (fixture->store, "UPDATE audit_events SET outcome = 'info'");
  g_assert_true (gh_store_in_transaction (fixture->store));

  started = g_get_monotonic_time ();
  {
    /* Two readers at once: the pool hands out a second connection */
    g_autoptr(GhStore) held = gh_store_take_reader (fixture->store, &error);
    g_autoptr(GhAuditPage) page = run (fixture, &(GhAuditQuery) { .outcome = "failure" });
    g_autoptr(GArray) expected = expected_ids (fixture, &(GhAuditQuery) {
                                                 .outcome = "failure" });

    g_assert_no_error (error);
    g_assert_true (gh_store_is_read_only (held));
    g_assert_cmpuint (page->events->len, ==, GH_AUDIT_QUERY_DEFAULT_LIMIT);
    g_assert_cmpint (((GhAuditEvent *) page->events->pdata[0])->id, ==,
                     g_array_index (expected, gint64, 0));
    gh_store_give_reader (fixture->store, g_steal_pointer (&held));
  }
  {
    g_autoptr(GhAuditPage) page = run (fixture, &(GhAuditQuery) { .limit = 1 });

    g_assert_cmpint (((GhAuditEvent *) page->events->pdata[0])->id, ==, newest);
  }
  /* The busy timeout is 5 s: waiting for the writer would show */
  g_assert_cmpint (g_get_monotonic_time () - started, <, G_USEC_PER_SEC);

  gh_store_rollback (fixture->store);
}

/* A reader cannot write, even through plain SQL. */
static void
test_reader_read_only (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStore) reader = gh_store_open_reader (fixture->store, &error);

  g_assert_no_error (error);
  g_assert_false (gh_store_exec (reader, "DELETE FROM audit_events", &error));
  g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_READ_ONLY);
}

typedef struct
{
  GMainContext *context;
  GThread      *thread;
  GhAuditPage  *page;
  GError       *error;
  gboolean      done;
} AsyncState;

static void
query_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AsyncState *state = user_data;

  g_assert_true (g_main_context_get_thread_default () == state->context);
  g_assert_true (g_thread_self () == state->thread);
  state->page = gh_audit_query_finish (result, &state->error);
  state->done = TRUE;
}

/* The async query runs while the caller's writer holds its transaction, and completes on the
 * caller's context. */
static void
test_async (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GError) error = NULL;
  AsyncState state = { context, g_thread_self (), NULL, NULL, FALSE };
  AsyncState failing = { context, g_thread_self (), NULL, NULL, FALSE };
  g_autoptr(GArray) expected = expected_ids (fixture, &(GhAuditQuery) {
                                               .type_prefix = "token." });

  g_main_context_push_thread_default (context);
  g_assert_true (gh_store_begin (fixture->store, &error));
  gh_audit_query_async (fixture->store, &(GhAuditQuery) { .type_prefix = "token.",
                                                          .limit = 10 },
                        NULL, query_done, &state);
  gh_audit_query_async (fixture->store, &(GhAuditQuery) { .outcome = "maybe" },
                        NULL, query_done, &failing);
  while (!state.done || !failing.done)
    g_main_context_iteration (context, TRUE);
  gh_store_rollback (fixture->store);
  g_main_context_pop_thread_default (context);

  g_assert_no_error (state.error);
  g_assert_cmpuint (state.page->events->len, ==, 10);
  for (guint i = 0; i < 10; i++)
    g_assert_cmpint (((GhAuditEvent *) state.page->events->pdata[i])->id, ==,
                     g_array_index (expected, gint64, i));
  g_assert_null (failing.page);
  g_assert_error (failing.error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_pointer (&state.page, gh_audit_page_free);
  g_clear_error (&failing.error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, generated) \
  g_test_add (path, Fixture, (generated) ? "generated" : NULL, fixture_setup, func, \
              fixture_teardown)

  ADD ("/core/audit-query/paging", test_paging_all, TRUE);
  ADD ("/core/audit-query/filters", test_filters, TRUE);
  ADD ("/core/audit-query/prefix", test_prefix, TRUE);
  ADD ("/core/audit-query/prefix-many-types", test_prefix_many_types, FALSE);
  ADD ("/core/audit-query/limit", test_limit, TRUE);
  ADD ("/core/audit-query/cursor-edges", test_cursor_edges, TRUE);
  ADD ("/core/audit-query/invalid", test_invalid, FALSE);
  ADD ("/core/audit-query/cancelled", test_cancelled, FALSE);
  ADD ("/core/audit-query/source-column", test_source_column, FALSE);
  ADD ("/core/audit-query/migrate-source", test_migrate_source, FALSE);
  ADD ("/core/audit-query/migrate-names", test_migrate_names, FALSE);
  ADD ("/core/audit-query/beside-writer", test_beside_writer, TRUE);
  ADD ("/core/audit-query/reader-read-only", test_reader_read_only, FALSE);
  ADD ("/core/audit-query/async", test_async, TRUE);

  return g_test_run ();
}
