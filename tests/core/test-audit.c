/* test-audit.c — what the audit log keeps: bounded rows, the refusal limiter, retention
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-audit.h"
#include "gh-json.h"
#include "gh-test-util.h"
#include "gh-text.h"

typedef struct
{
  char *dir;
  GhStore *store;
  GhAudit *audit;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = gh_test_make_tmp_dir ("audit");
  fixture->store = gh_store_open (fixture->dir, &error);
  g_assert_no_error (error);
  fixture->audit = gh_audit_new (fixture->store);
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

static gint64
query_int (Fixture    *fixture,
           const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStmt) stmt = gh_store_prepare (fixture->store, sql, &error);
  gboolean row = FALSE;

  g_assert_no_error (error);
  g_assert_true (gh_store_step (fixture->store, stmt, &row, &error));
  g_assert_no_error (error);
  g_assert_true (row);
  return sqlite3_column_int64 (stmt, 0);
}

static void
exec (Fixture    *fixture,
      const char *sql)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (gh_store_exec (fixture->store, sql, &error));
  g_assert_no_error (error);
}

static gint64
record (Fixture    *fixture,
        const char *type,
        const char *source)
{
  g_autoptr(GError) error = NULL;
  GhAuditEvent event = { 0 };
  gint64 id;

  event.type = type;
  event.outcome = source != NULL ? GH_AUDIT_FAILURE : GH_AUDIT_INFO;
  event.actor = "test";
  event.source = source;
  id = gh_audit_record (fixture->audit, &event, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, !=, 0);
  return id;
}

/* Every row's details parse with the strict reader. */
static void
assert_rows_parse (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStmt) stmt = gh_store_prepare (fixture->store,
                                             "SELECT details, client_id, actor FROM audit_events",
                                             &error);
  gboolean row = TRUE;

  g_assert_no_error (error);
  for (;;)
    {
      const char *details;
      g_autoptr(JsonObject) parsed = NULL;

      g_assert_true (gh_store_step (fixture->store, stmt, &row, &error));
      if (!row)
        break;
      details = (const char *) sqlite3_column_text (stmt, 0);
      parsed = gh_json_parse_object_strict (details, strlen (details), &error);
      g_assert_no_error (error);
      for (int column = 1; column <= 2; column++)
        if (sqlite3_column_text (stmt, column) != NULL)
          g_assert_true (g_utf8_validate ((const char *) sqlite3_column_text (stmt, column), -1,
                                          NULL));
    }
}

/* @n events in one transaction (one disk sync, not @n); returns the last id. */
static gint64
record_many (Fixture *fixture,
             guint    n)
{
  g_autoptr(GError) error = NULL;
  gint64 last = 0;

  g_assert_true (gh_store_begin (fixture->store, &error));
  for (guint i = 0; i < n; i++)
    last = record (fixture, "project.updated", NULL);
  g_assert_true (gh_store_commit (fixture->store, &error));
  g_assert_no_error (error);
  return last;
}

static void
test_cut (void)
{
  g_autofree char *long_text = g_strnfill (61440, 'a');
  g_autofree char *cut = gh_text_cut (long_text, 256);
  g_autoptr(GString) accents = g_string_new (NULL);
  g_autofree char *accents_cut = NULL;
  g_autofree char *short_invalid = gh_text_cut ("ok\xff", 256);
  g_autofree char *same = gh_text_cut ("caf\xc3\xa9", 256);

  g_assert_true (g_str_has_prefix (cut, "aaaa"));
  g_assert_true (g_str_has_suffix (cut, "\xe2\x80\xa6 (cut, 61440 bytes)"));
  g_assert_cmpuint (strlen (cut), ==, 256 + strlen ("\xe2\x80\xa6 (cut, 61440 bytes)"));

  /* A two-byte character straddling byte 256 is left out whole */
  g_string_append_c (accents, 'x');
  for (guint i = 0; i < 200; i++)
    g_string_append (accents, "\xc3\xa9");
  accents_cut = gh_text_cut (accents->str, 256);
  g_assert_true (g_utf8_validate (accents_cut, -1, NULL));
  g_assert_true (g_str_has_suffix (accents_cut, "\xe2\x80\xa6 (cut, 401 bytes)"));
  g_assert_cmpuint (strlen (accents_cut), ==, 255 + strlen ("\xe2\x80\xa6 (cut, 401 bytes)"));

  g_assert_cmpstr (short_invalid, ==, "ok\xef\xbf\xbd");
  g_assert_cmpstr (same, ==, "caf\xc3\xa9");
}

/* Issue 9: a 60 KiB client_id went into the row twice (and its error_description once more). */
static void
test_row_bounded (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *huge = g_strnfill (61440, 'x');
  g_autofree char *description = g_strdup_printf ("The client “%s” is not registered", huge);
  g_autoptr(JsonObject) details = json_object_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *many = json_array_new ();
  GhAuditEvent event = { 0 };

  for (guint i = 0; i < 1000; i++)
    json_array_add_string_element (many, huge);
  json_object_set_string_member (details, "error_description", description);
  json_object_set_string_member (details, "grant_type", huge);
  json_object_set_string_member (details, "control", "a\x1f" "b\xff");
  json_object_set_array_member (details, "many", many);
  event.type = "token.refused";
  event.outcome = GH_AUDIT_FAILURE;
  event.actor = huge;
  event.client_id = huge;
  event.user_id = huge;
  event.flow_id = huge;
  event.project_slug = huge;
  event.details = details;
  g_assert_cmpint (gh_audit_record (fixture->audit, &event, &error), >, 0);
  g_assert_no_error (error);

  g_assert_cmpint (query_int (fixture, "SELECT length (client_id) FROM audit_events"), <, 300);
  g_assert_cmpint (query_int (fixture, "SELECT length (actor) FROM audit_events"), <, 300);
  g_assert_cmpint (query_int (fixture, "SELECT length (flow_id) + length (user_id) + "
                                       "length (project_slug) FROM audit_events"), <, 900);
  /* 64 items of 256 bytes and a few more values: bounded whatever came in */
  g_assert_cmpint (query_int (fixture, "SELECT length (details) FROM audit_events"), <, 20000);
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM audit_events WHERE client_id LIKE "
                                       "'%(cut, 61440 bytes)'"), ==, 1);
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM audit_events WHERE "
                                       "json_extract (details, '$.error_description') LIKE "
                                       "'The client “xxx%(cut, 61475 bytes)'"), ==, 1);
  g_assert_cmpint (query_int (fixture, "SELECT json_array_length (details, '$.many') "
                                       "FROM audit_events"), ==, 65);
  assert_rows_parse (fixture);
}

static void
test_refusal_limit (Fixture       *fixture,
                    gconstpointer  data)
{
  gh_audit_set_refusal_limit (fixture->audit, 5);

  for (guint i = 0; i < 20; i++)
    record (fixture, i % 2 ? "token.refused" : "authorization.refused", "192.0.2.7");
  /* Another source has its own bucket; an IPv6 /64 is one source */
  for (guint i = 0; i < 3; i++)
    record (fixture, "token.refused", "198.51.100.1");
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *address = g_strdup_printf ("2001:db8:1:2::%x", i + 1);
      record (fixture, "token.refused", address);
    }
  /* IPv4-mapped addresses (a dual-stack listener) stay apart: not one /64 for all */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *address = g_strdup_printf ("::ffff:203.0.113.%u", i + 1);
      for (guint j = 0; j < 5; j++)
        record (fixture, "token.refused", address);
    }
  /* Events without a source, and successes, are never limited */
  for (guint i = 0; i < 10; i++)
    record (fixture, "project.updated", NULL);

  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM audit_events WHERE json_extract "
                                       "(details, '$.source_address') = '192.0.2.7'"), ==, 5);
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM audit_events WHERE json_extract "
                                       "(details, '$.source_address') = '198.51.100.1'"), ==, 3);
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM audit_events WHERE json_extract "
                                       "(details, '$.source_address') LIKE '2001:db8:1:2::%'"),
                   ==, 5);
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM audit_events WHERE json_extract "
                                       "(details, '$.source_address') LIKE '::ffff:%'"), ==, 15);
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM audit_events WHERE "
                                       "type = 'project.updated'"), ==, 10);
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM audit_events WHERE "
                                       "type = 'audit.refusals_suppressed'"), ==, 0);

  /* A source still sending is summed up once it has been quiet a minute; here, now */
  gh_audit_flush_suppressed (fixture->audit, FALSE);
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM audit_events WHERE "
                                       "type = 'audit.refusals_suppressed'"), ==, 0);
  gh_audit_flush_suppressed (fixture->audit, TRUE);
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM audit_events WHERE "
                                       "type = 'audit.refusals_suppressed'"), ==, 2);
  g_assert_cmpint (query_int (fixture, "SELECT json_extract (details, '$.suppressed') FROM "
                                       "audit_events WHERE type = 'audit.refusals_suppressed' "
                                       "AND json_extract (details, '$.source_address') = "
                                       "'192.0.2.7'"), ==, 15);
  g_assert_cmpint (query_int (fixture, "SELECT json_extract (details, '$.types.\"token.refused\"') "
                                       "FROM audit_events WHERE type = "
                                       "'audit.refusals_suppressed' AND json_extract (details, "
                                       "'$.source_address') = '192.0.2.7'"), ==, 8);
  g_assert_cmpint (query_int (fixture, "SELECT json_extract (details, '$.suppressed') FROM "
                                       "audit_events WHERE type = 'audit.refusals_suppressed' "
                                       "AND json_extract (details, '$.source_address') = "
                                       "'2001:db8:1:2::/64'"), ==, 5);
  /* Nothing left to say */
  gh_audit_flush_suppressed (fixture->audit, TRUE);
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM audit_events WHERE "
                                       "type = 'audit.refusals_suppressed'"), ==, 2);
  assert_rows_parse (fixture);
}

static void
test_prune_by_count (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 last = record_many (fixture, 1234);

  gh_audit_set_retention (fixture->audit, 100, 0);

  /* Small batches: never more than asked */
  g_assert_cmpint (gh_audit_prune_step (fixture->audit, 500, &error), ==, 500);
  g_assert_no_error (error);
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM audit_events"), ==, 734);
  g_assert_cmpint (gh_audit_prune_step (fixture->audit, 500, &error), ==, 500);
  g_assert_cmpint (gh_audit_prune_step (fixture->audit, 500, &error), ==, 134);
  g_assert_cmpint (gh_audit_prune_step (fixture->audit, 500, &error), ==, 0);
  g_assert_no_error (error);
  /* The newest are kept */
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM audit_events"), ==, 100);
  g_assert_cmpint (query_int (fixture, "SELECT min(id) FROM audit_events"), ==, last - 99);
  g_assert_cmpint (query_int (fixture, "SELECT max(id) FROM audit_events"), ==, last);

  /* 0: no limit */
  gh_audit_set_retention (fixture->audit, 0, 0);
  record (fixture, "project.updated", NULL);
  g_assert_cmpint (gh_audit_prune_step (fixture->audit, 500, &error), ==, 0);
}

/* Ids with a gap among the newest (the age rule removed rows the clock had stamped old, as
 * after the clock was set back): the count rule still keeps exactly the newest max_events. */
static void
test_prune_by_count_gap (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 last = record_many (fixture, 100);
  gint64 first = last - 99;

  exec (fixture, "UPDATE audit_events SET time = time - 3 * 86400 * 1000000 WHERE id > "
                 "(SELECT max(id) FROM audit_events) - 20 AND id <= "
                 "(SELECT max(id) FROM audit_events) - 10");
  gh_audit_set_retention (fixture->audit, 1000000, 2);
  g_assert_cmpint (gh_audit_prune_step (fixture->audit, 500, &error), ==, 10);
  g_assert_no_error (error);
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM audit_events"), ==, 90);

  /* Keep 30 of the 90: 60 go, oldest first, never more than the batch */
  gh_audit_set_retention (fixture->audit, 30, 0);
  g_assert_cmpint (gh_audit_prune_step (fixture->audit, 25, &error), ==, 25);
  g_assert_cmpint (query_int (fixture, "SELECT min(id) FROM audit_events"), ==, first + 25);
  g_assert_cmpint (gh_audit_prune_step (fixture->audit, 500, &error), ==, 35);
  g_assert_cmpint (gh_audit_prune_step (fixture->audit, 500, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM audit_events"), ==, 30);
  g_assert_cmpint (query_int (fixture, "SELECT min(id) FROM audit_events"), ==, last - 39);
  g_assert_cmpint (query_int (fixture, "SELECT max(id) FROM audit_events"), ==, last);
}

static void
test_prune_by_age (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  record_many (fixture, 40);
  /* The first 30 were written 3 days ago, the next 5 a day and a half ago */
  exec (fixture, "UPDATE audit_events SET time = time - 3 * 86400 * 1000000 WHERE id <= 30");
  exec (fixture, "UPDATE audit_events SET time = time - 36 * 3600 * 1000000 "
                 "WHERE id > 30 AND id <= 35");
  gh_audit_set_retention (fixture->audit, 1000000, 2);

  g_assert_cmpint (gh_audit_prune_step (fixture->audit, 10, &error), ==, 10);
  g_assert_cmpint (gh_audit_prune_step (fixture->audit, 500, &error), ==, 20);
  g_assert_cmpint (gh_audit_prune_step (fixture->audit, 500, &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpint (query_int (fixture, "SELECT min(id) FROM audit_events"), ==, 31);

  gh_audit_set_retention (fixture->audit, 1000000, 1);
  g_assert_cmpint (gh_audit_prune_step (fixture->audit, 500, &error), ==, 5);
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM audit_events"), ==, 5);
}

/* The timer prunes on its own, in batches, between other work. */
static void
test_prune_timer (Fixture       *fixture,
                  gconstpointer  data)
{
  gboolean never = FALSE;

  record_many (fixture, 1600);
  gh_audit_set_retention (fixture->audit, 50, 0);
  gh_audit_start_pruning (fixture->audit, 20);
  while (query_int (fixture, "SELECT count(*) FROM audit_events") > 50)
    gh_test_wait_for (&never, 20);
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM audit_events"), ==, 50);
  gh_audit_stop_pruning (fixture->audit);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  g_test_add_func ("/core/audit/cut", test_cut);
  ADD ("/core/audit/row-bounded", test_row_bounded);
  ADD ("/core/audit/refusal-limit", test_refusal_limit);
  ADD ("/core/audit/prune/by-count", test_prune_by_count);
  ADD ("/core/audit/prune/by-count-gap", test_prune_by_count_gap);
  ADD ("/core/audit/prune/by-age", test_prune_by_age);
  ADD ("/core/audit/prune/timer", test_prune_timer);

  return g_test_run ();
}
