/* test-audit.c — what the audit log keeps: bounded rows, the refusal limiter, retention, the
 * registry of event types, the services' record helper, the JSON form
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-audit.h"
#include "gh-error.h"
#include "gh-explain.h"
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
    last = record (fixture, "project.settings_changed", NULL);
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
    record (fixture, "project.settings_changed", NULL);

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
                                       "type = 'project.settings_changed'"), ==, 10);
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
  record (fixture, "project.settings_changed", NULL);
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

/* ---- the registry of event types -------------------------------------------------- */

static void
test_registry (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  const GhAuditEventType *types;
  const GhAuditEventType *type;
  GhAuditCategory category;
  guint n = 0;
  guint per_category[GH_AUDIT_N_CATEGORIES] = { 0 };

  types = gh_audit_event_types (&n);
  g_assert_cmpuint (n, >=, 28);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GRegex) name_rule = g_regex_new ("^[a-z_]+\\.[a-z_]+$", 0, 0, NULL);

      /* Unique, well-formed names; a description of one line; a category with a name */
      g_assert_true (g_hash_table_add (seen, (gpointer) types[i].name));
      g_assert_true (g_regex_match (name_rule, types[i].name, 0, NULL));
      g_assert_nonnull (types[i].description);
      g_assert_cmpuint (strlen (types[i].description), >, 10);
      g_assert_null (strchr (types[i].description, '\n'));
      g_assert_null (strchr (types[i].description, '|'));
      g_assert_nonnull (gh_audit_category_to_string (types[i].category));
      g_assert_true (gh_audit_event_type_lookup (types[i].name) == &types[i]);
      /* Listed by category */
      if (i > 0)
        g_assert_cmpint (types[i - 1].category, <=, types[i].category);
      per_category[types[i].category]++;
    }
  for (guint c = 0; c < G_N_ELEMENTS (per_category); c++)
    {
      g_assert_cmpuint (per_category[c], >, 0);
      g_assert_true (gh_audit_category_from_string (gh_audit_category_to_string (c), &category));
      g_assert_cmpint (category, ==, c);
    }
  g_assert_false (gh_audit_category_from_string ("tokens", &category));
  g_assert_false (gh_audit_category_from_string (NULL, &category));

  type = gh_audit_event_type_lookup (GH_AUDIT_EVENT_TOKEN_ISSUED);
  g_assert_nonnull (type);
  g_assert_cmpstr (type->name, ==, "token.issued");
  g_assert_cmpint (type->category, ==, GH_AUDIT_CATEGORY_TOKEN);
  type = gh_audit_event_type_lookup ("oauth_client.cimd_fetch_failed");
  g_assert_cmpint (type->category, ==, GH_AUDIT_CATEGORY_CIMD);
  type = gh_audit_event_type_lookup ("refresh_token.reuse_detected");
  g_assert_cmpint (type->category, ==, GH_AUDIT_CATEGORY_TOKEN);
  type = gh_audit_event_type_lookup ("oauth_client.registered");
  g_assert_cmpint (type->category, ==, GH_AUDIT_CATEGORY_CLIENT);
  type = gh_audit_event_type_lookup ("key.created");
  g_assert_cmpint (type->category, ==, GH_AUDIT_CATEGORY_KEY);
  type = gh_audit_event_type_lookup (GH_AUDIT_EVENT_REFUSALS_SUPPRESSED);
  g_assert_cmpint (type->category, ==, GH_AUDIT_CATEGORY_AUDIT);
  g_assert_cmpstr (gh_audit_category_to_string (GH_AUDIT_CATEGORY_IAT), ==, "iat");

  g_assert_null (gh_audit_event_type_lookup ("project.updated"));
  g_assert_null (gh_audit_event_type_lookup ("token"));
  g_assert_null (gh_audit_event_type_lookup (""));
  g_assert_null (gh_audit_event_type_lookup (NULL));
}

/* The rows of the table under @heading in docs/audit-events.md, in order. */
static GPtrArray *
doc_table_rows (const char *heading)
{
  g_autofree char *path = g_build_filename (GH_TEST_SOURCE_ROOT, "docs", "audit-events.md", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_free);
  gboolean in_section = FALSE;
  gboolean seen = FALSE;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], "#"))
        {
          in_section = g_str_equal (lines[i], heading);
          seen |= in_section;
          continue;
        }
      if (in_section && g_str_has_prefix (lines[i], "| `"))
        g_ptr_array_add (rows, g_strdup (lines[i]));
    }
  g_assert_true (seen);
  return rows;
}

/* docs/audit-events.md's table of event types is the registry, row for row. */
static void
test_registry_doc (void)
{
  g_autoptr(GPtrArray) rows = doc_table_rows ("## Event types");
  const GhAuditEventType *types;
  guint n = 0;

  types = gh_audit_event_types (&n);
  for (guint i = 0; i < rows->len; i++)
    {
      g_autofree char *expected = NULL;

      if (i >= n)
        g_error ("docs/audit-events.md lists a type the registry does not have: %s",
                 (char *) rows->pdata[i]);
      expected = g_strdup_printf ("| `%s` | %s | %s |", types[i].name,
                                  gh_audit_category_to_string (types[i].category),
                                  types[i].description);
      g_assert_cmpstr (rows->pdata[i], ==, expected);
    }
  g_assert_cmpuint (rows->len, ==, n);
}

/* ... and its tables of explain rules and fix actions are gh-explain.c's lists. */
static void
test_explain_doc (void)
{
  g_autoptr(GPtrArray) rule_rows = doc_table_rows ("### Explain rules");
  g_autoptr(GPtrArray) fix_rows = doc_table_rows ("### Fix actions");
  const GhExplainRule *rules;
  const GhExplainFixAction *actions;
  guint n_rules = 0;
  guint n_actions = 0;

  rules = gh_explain_rules (&n_rules);
  for (guint i = 0; i < rule_rows->len; i++)
    {
      g_autofree char *expected = NULL;

      if (i >= n_rules)
        g_error ("docs/audit-events.md lists a rule gh-explain.c does not have: %s",
                 (char *) rule_rows->pdata[i]);
      expected = g_strdup_printf ("| `%s` | %s | %s |", rules[i].rule,
                                  rules[i].spec != NULL ? rules[i].spec : "",
                                  rules[i].description);
      g_assert_cmpstr (rule_rows->pdata[i], ==, expected);
      /* Names are "area.what", unique */
      g_assert_nonnull (strchr (rules[i].rule, '.'));
      g_assert_true (gh_explain_rule_lookup (rules[i].rule) == &rules[i]);
    }
  g_assert_cmpuint (rule_rows->len, ==, n_rules);

  actions = gh_explain_fix_actions (&n_actions);
  for (guint i = 0; i < fix_rows->len; i++)
    {
      g_autoptr(GString) members = g_string_new (NULL);
      g_auto(GStrv) names = NULL;
      g_autofree char *expected = NULL;

      g_assert_cmpuint (i, <, n_actions);
      names = g_strsplit (actions[i].parameters, ",", -1);
      for (guint j = 0; names[j] != NULL; j++)
        g_string_append_printf (members, "%s`%s`", j > 0 ? ", " : "", names[j]);
      expected = g_strdup_printf ("| `%s` | %s | %s |", actions[i].action, members->str,
                                  actions[i].description);
      g_assert_cmpstr (fix_rows->pdata[i], ==, expected);
    }
  g_assert_cmpuint (fix_rows->len, ==, n_actions);
}

/* An explain object has every member; a refusal's error carries it to its event's details,
 * through copies and propagation. */
static void
test_explain_object (void)
{
  g_autoptr(JsonObject) explain = gh_explain_new ("redirect_uri.mismatch", "differs in %s", "port");
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) copy = NULL;
  g_autoptr(JsonObject) details = NULL;
  JsonObject *carried;
  JsonObject *fix;
  static const char * const members[] = {
    "rule", "message", "expected", "actual", "spec", "hint", "fix",
  };

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    g_assert_true (json_object_has_member (explain, members[i]));
  g_assert_cmpstr (json_object_get_string_member (explain, "message"), ==, "differs in port");
  g_assert_cmpstr (json_object_get_string_member (explain, "spec"), ==,
                   gh_explain_rule_lookup ("redirect_uri.mismatch")->spec);
  g_assert_true (json_node_is_null (json_object_get_member (explain, "fix")));

  gh_explain_set_expected (explain, "http://127.0.0.1/cb");
  gh_explain_set_actual (explain, "http://127.0.0.1:5000/cb");
  gh_explain_set_fix (explain, "add_redirect_uri", "client_id", "c1",
                      "redirect_uri", "http://127.0.0.1:5000/cb", NULL);
  fix = json_object_get_object_member (explain, "fix");
  g_assert_cmpstr (json_object_get_string_member (fix, "action"), ==, "add_redirect_uri");
  g_assert_cmpstr (json_object_get_string_member (fix, "client_id"), ==, "c1");

  g_assert_false (gh_oauth_refuse_explained (&error, GH_OAUTH_ERROR_INVALID_REQUEST,
                                             json_object_ref (explain), "bad %s", "uri"));
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_REQUEST);
  g_assert_true (gh_error_get_explain (error) == explain);
  copy = g_error_copy (error);
  carried = gh_error_get_explain (copy);
  g_assert_nonnull (carried);
  g_assert_cmpstr (json_object_get_string_member (carried, "rule"), ==, "redirect_uri.mismatch");

  details = gh_audit_refusal_details (copy);
  g_assert_cmpstr (json_object_get_string_member (details, "error"), ==, "invalid_request");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (details,
                                                                                "explain"),
                                                  "actual"), ==, "http://127.0.0.1:5000/cb");
  /* An error without one has none */
  g_clear_error (&copy);
  gh_oauth_refuse (&copy, GH_OAUTH_ERROR_INVALID_REQUEST, "plain");
  g_assert_null (gh_error_get_explain (copy));
}

/* Recording a type the registry does not have is a programming error: nothing is written. */
static void
test_unregistered (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gboolean recorded;

  gh_test_expect_message ("gatehouse-audit", G_LOG_LEVEL_CRITICAL,
                         "*type “project.updated” is not registered*");
  recorded = gh_audit_record_event (fixture->audit, &(GhAuditEvent) {
                                      .type = "project.updated",
                                      .outcome = GH_AUDIT_SUCCESS, .actor = "test" }, &error);
  gh_test_assert_expected_messages ();
  g_assert_false (recorded);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  gh_test_expect_message ("gatehouse-audit", G_LOG_LEVEL_CRITICAL, "*(null)*not registered*");
  g_assert_false (gh_audit_record_event (fixture->audit, &(GhAuditEvent) {
                                           .outcome = GH_AUDIT_SUCCESS }, NULL));
  gh_test_assert_expected_messages ();
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM audit_events"), ==, 0);
}

static gint64
insert_project (Fixture *fixture)
{
  exec (fixture, "INSERT INTO projects (slug, display_name, profile, created_at) "
                 "VALUES ('demo', 'Demo', 'development', 0)");
  return query_int (fixture, "SELECT id FROM projects WHERE slug = 'demo'");
}

/* The helper fills every column from the event, cuts what is long, and says when it fails. */
static void
test_record_event (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *huge = g_strnfill (1000, 'y');
  g_autoptr(JsonObject) details = json_object_new ();
  g_autoptr(GError) error = NULL;
  gint64 project_id = insert_project (fixture);

  json_object_set_string_member (details, "scope", huge);
  g_assert_true (gh_audit_record_event (fixture->audit, &(GhAuditEvent) {
                                          .project_id = project_id, .project_slug = "demo",
                                          .type = GH_AUDIT_EVENT_TOKEN_ISSUED,
                                          .outcome = GH_AUDIT_SUCCESS, .actor = "client-1",
                                          .client_id = "client-1", .user_id = huge,
                                          .flow_id = "flow-1", .details = details }, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM audit_events WHERE "
                                       "project_id = (SELECT id FROM projects) AND "
                                       "project_slug = 'demo' AND type = 'token.issued' AND "
                                       "outcome = 'success' AND actor = 'client-1' AND "
                                       "client_id = 'client-1' AND flow_id = 'flow-1'"), ==, 1);
  /* Cut at GH_REFLECT_MAX_VALUE bytes with the marker, as gh_audit_record() does */
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM audit_events WHERE user_id = "
                                       "substr (user_id, 1, 256) || '\xe2\x80\xa6 (cut, 1000 "
                                       "bytes)' AND json_extract (details, '$.scope') LIKE "
                                       "'yyy%\xe2\x80\xa6 (cut, 1000 bytes)'"), ==, 1);

  /* A refusal with a source goes through the limiter: counted is not a failure */
  gh_audit_set_refusal_limit (fixture->audit, 1);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GError) refused = g_error_new (GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_GRANT,
                                               "The code is not valid");
      g_autoptr(JsonObject) refusal = gh_audit_refusal_details (refused);

      g_assert_true (gh_audit_record_event (fixture->audit, &(GhAuditEvent) {
                                              .type = GH_AUDIT_EVENT_TOKEN_REFUSED,
                                              .outcome = GH_AUDIT_FAILURE,
                                              .details = refusal, .source = "192.0.2.9" },
                                            &error));
      g_assert_no_error (error);
    }
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM audit_events WHERE "
                                       "type = 'token.refused' AND json_extract (details, "
                                       "'$.error') = 'invalid_grant' AND json_extract "
                                       "(details, '$.error_description') = "
                                       "'The code is not valid' AND json_extract (details, "
                                       "'$.source_address') = '192.0.2.9'"), ==, 1);

  /* A failure (here, a project that does not exist) is the caller's error, or a warning */
  g_assert_false (gh_audit_record_event (fixture->audit, &(GhAuditEvent) {
                                           .project_id = project_id + 1,
                                           .type = GH_AUDIT_EVENT_USER_CREATED,
                                           .outcome = GH_AUDIT_SUCCESS }, &error));
  g_assert_nonnull (error);
  gh_test_expect_message ("gatehouse-audit", G_LOG_LEVEL_WARNING,
                         "Cannot record user.created: *");
  g_assert_false (gh_audit_record_event (fixture->audit, &(GhAuditEvent) {
                                           .project_id = project_id + 1,
                                           .type = GH_AUDIT_EVENT_USER_CREATED,
                                           .outcome = GH_AUDIT_SUCCESS }, NULL));
  gh_test_assert_expected_messages ();
  g_assert_cmpint (query_int (fixture, "SELECT count(*) FROM audit_events WHERE "
                                       "type = 'user.created'"), ==, 0);
}

static void
assert_member_null (JsonObject *object,
                    const char *name)
{
  g_assert_true (json_object_has_member (object, name));
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (object, name)));
}

/* A stored event read back, as the admin API will show it. */
static void
test_event_json (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(JsonObject) details = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GhAuditEvent) event = NULL;
  g_autoptr(GhAuditEvent) bare = NULL;
  g_autoptr(JsonObject) json = NULL;
  g_autoptr(JsonObject) bare_json = NULL;
  g_autofree char *text = NULL;
  gint64 project_id = insert_project (fixture);
  gint64 before = g_get_real_time ();
  gint64 id;
  JsonObject *json_details;

  json_object_set_string_member (details, "consent", "given");
  json_object_set_array_member (details, "scopes", json_array_new ());
  g_assert_true (gh_audit_record_event (fixture->audit, &(GhAuditEvent) {
                                          .project_id = project_id, .project_slug = "demo",
                                          .type = GH_AUDIT_EVENT_CODE_ISSUED,
                                          .outcome = GH_AUDIT_SUCCESS, .actor = "server",
                                          .client_id = "client-1", .user_id = "alice",
                                          .flow_id = "flow-1", .details = details,
                                          .source = "192.0.2.7",
                                          .user_agent = "curl/8.5" }, &error));
  g_assert_no_error (error);
  id = query_int (fixture, "SELECT max(id) FROM audit_events");

  event = gh_audit_get_event (fixture->audit, id, &error);
  g_assert_no_error (error);
  json = gh_audit_event_to_json (event);
  g_assert_cmpint (json_object_get_int_member (json, "id"), ==, id);
  g_assert_cmpint (json_object_get_int_member (json, "time"), >=, before);
  g_assert_cmpint (json_object_get_int_member (json, "time"), <=, g_get_real_time ());
  g_assert_cmpint (json_object_get_int_member (json, "project_id"), ==, project_id);
  g_assert_cmpstr (json_object_get_string_member (json, "project_slug"), ==, "demo");
  g_assert_cmpstr (json_object_get_string_member (json, "type"), ==,
                   "code.issued");
  g_assert_cmpstr (json_object_get_string_member (json, "category"), ==, "authorization");
  g_assert_cmpstr (json_object_get_string_member (json, "outcome"), ==, "success");
  g_assert_cmpstr (json_object_get_string_member (json, "actor"), ==, "server");
  g_assert_cmpstr (json_object_get_string_member (json, "client_id"), ==, "client-1");
  g_assert_cmpstr (json_object_get_string_member (json, "user_id"), ==, "alice");
  g_assert_cmpstr (json_object_get_string_member (json, "flow_id"), ==, "flow-1");
  json_details = json_object_get_object_member (json, "details");
  g_assert_cmpstr (json_object_get_string_member (json_details, "consent"), ==, "given");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_details,
                                                                         "scopes")), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (json, "source"), ==, "192.0.2.7");
  g_assert_cmpstr (json_object_get_string_member (json, "user_agent"), ==, "curl/8.5");
  /* The source stays in the details too, where it always was */
  g_assert_cmpstr (json_object_get_string_member (json_details, "source_address"), ==,
                   "192.0.2.7");
  g_assert_cmpuint (json_object_get_size (json), ==, 14);
  /* The one writer writes it; a strict reader parses it */
  text = gh_json_object_to_string (json, FALSE);
  g_clear_pointer (&json, json_object_unref);
  json = gh_json_parse_object_strict (text, strlen (text), &error);
  g_assert_no_error (error);

  /* What an event lacks is null; no details is {}; a failure is "failure" */
  g_assert_true (gh_audit_record_event (fixture->audit, &(GhAuditEvent) {
                                          .type = GH_AUDIT_EVENT_KEY_CREATED,
                                          .outcome = GH_AUDIT_FAILURE }, &error));
  bare = gh_audit_get_event (fixture->audit, id + 1, &error);
  g_assert_no_error (error);
  bare_json = gh_audit_event_to_json (bare);
  g_assert_cmpstr (json_object_get_string_member (bare_json, "category"), ==, "key");
  g_assert_cmpstr (json_object_get_string_member (bare_json, "outcome"), ==, "failure");
  assert_member_null (bare_json, "project_id");
  assert_member_null (bare_json, "project_slug");
  assert_member_null (bare_json, "actor");
  assert_member_null (bare_json, "client_id");
  assert_member_null (bare_json, "user_id");
  assert_member_null (bare_json, "flow_id");
  assert_member_null (bare_json, "source");
  assert_member_null (bare_json, "user_agent");
  g_assert_cmpuint (json_object_get_size (json_object_get_object_member (bare_json, "details")),
                    ==, 0);

  g_assert_null (gh_audit_get_event (fixture->audit, id + 2, &error));
  g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND);
}

static void
committed_cb (GhAudit *audit,
              gint64   id,
              GArray  *ids)
{
  g_array_append_val (ids, id);
}

static void
record_info (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (gh_audit_record_event (fixture->audit, &(GhAuditEvent) {
                                          .type = GH_AUDIT_EVENT_KEY_CREATED,
                                          .outcome = GH_AUDIT_INFO, .actor = "test" },
                                        &error));
  g_assert_no_error (error);
}

/* GhAudit::committed tells each event once its transaction committed, in id order; nothing
 * of a transaction that rolled back; an event in a transaction of its own at once. */
static void
test_committed (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) error = NULL;
  gint64 last;

  g_signal_connect (fixture->audit, "committed", G_CALLBACK (committed_cb), ids);

  record_info (fixture);
  g_assert_cmpuint (ids->len, ==, 1);
  last = query_int (fixture, "SELECT max(id) FROM audit_events");
  g_assert_cmpint (g_array_index (ids, gint64, 0), ==, last);

  g_assert_true (gh_store_begin (fixture->store, &error));
  record_info (fixture);
  record_info (fixture);
  g_assert_cmpuint (ids->len, ==, 1);
  gh_store_rollback (fixture->store);
  g_assert_cmpuint (ids->len, ==, 1);

  g_assert_true (gh_store_begin (fixture->store, &error));
  record_info (fixture);
  record_info (fixture);
  g_assert_cmpuint (ids->len, ==, 1);
  g_assert_true (gh_store_commit (fixture->store, &error));
  g_assert_cmpuint (ids->len, ==, 3);
  g_assert_cmpint (g_array_index (ids, gint64, 1), ==, last + 1);
  g_assert_cmpint (g_array_index (ids, gint64, 2), ==, last + 2);
  g_assert_cmpint (query_int (fixture, "SELECT max(id) FROM audit_events"), ==, last + 2);

  g_signal_handlers_disconnect_by_data (fixture->audit, ids);
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
  g_test_add_func ("/core/audit/registry", test_registry);
  g_test_add_func ("/core/audit/registry/doc", test_registry_doc);
  g_test_add_func ("/core/audit/explain/doc", test_explain_doc);
  g_test_add_func ("/core/audit/explain/object", test_explain_object);
  ADD ("/core/audit/unregistered", test_unregistered);
  ADD ("/core/audit/record-event", test_record_event);
  ADD ("/core/audit/event-json", test_event_json);
  ADD ("/core/audit/committed", test_committed);

  return g_test_run ();
}
