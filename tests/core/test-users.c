/* test-users.c — the users service, called directly (no HTTP), as the admin API will
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gh-error.h"
#include "gh-test-util.h"

typedef GhTestServices Fixture;

static void
test_add_get_list_remove (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(JsonObject) claims = gh_test_parse_object ("{\"department\": \"QA\"}");
  g_autoptr(GError) error = NULL;
  g_autoptr(GhUser) added = NULL;
  g_autoptr(GhUser) got = NULL;
  g_autoptr(GhUser) by_id = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GhUser) gone = NULL;
  g_autoptr(JsonObject) details = NULL;
  g_autofree char *actor = NULL;
  guint before = gh_test_count_audit (f->store, "user.created");

  added = gh_users_add (f->users, f->project, "alice@example.test", "Alice", "alice@example.test",
                        claims, "cli", &error);
  g_assert_no_error (error);
  g_assert_nonnull (added);
  g_assert_cmpstr (added->username, ==, "alice@example.test");
  g_assert_cmpstr (added->name, ==, "Alice");
  g_assert_cmpint (added->project_id, ==, f->project->id);
  g_assert_cmpstr (json_object_get_string_member (added->claims, "department"), ==, "QA");

  got = gh_users_get (f->users, f->project->id, "alice@example.test", &error);
  g_assert_no_error (error);
  g_assert_cmpint (got->id, ==, added->id);
  by_id = gh_users_get_by_id (f->users, added->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (by_id->username, ==, "alice@example.test");

  list = gh_users_list (f->users, f->project->id, &error);
  g_assert_no_error (error);
  {
    gboolean found = FALSE;

    for (guint i = 0; i < list->len; i++)
      found |= g_str_equal (((GhUser *) g_ptr_array_index (list, i))->username,
                            "alice@example.test");
    g_assert_true (found);
  }

  /* One audit event, with the actor. */
  g_assert_cmpuint (gh_test_count_audit (f->store, "user.created"), ==, before + 1);
  details = gh_test_last_audit (f->store, "user.created", NULL, &actor);
  g_assert_cmpstr (json_object_get_string_member (details, "username"), ==, "alice@example.test");
  g_assert_cmpstr (actor, ==, "cli");

  g_assert_true (gh_users_remove (f->users, f->project, "alice@example.test", "cli", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (gh_test_count_audit (f->store, "user.removed"), ==, 1);
  gone = gh_users_get (f->users, f->project->id, "alice@example.test", &error);
  g_assert_null (gone);
  g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND);
}

static void
test_refusals (Fixture       *f,
               gconstpointer  data)
{
  static const char * const bad_names[] = {
    "", "has space", "slash/", "ünïcode", "semi;colon",
    "ab123456789012345678901234567890123456789012345678901234567890123", /* 65 */
  };
  g_autoptr(GhUser) first = gh_test_services_add_user (f, "bob");
  guint created = gh_test_count_audit (f->store, "user.created");

  for (guint i = 0; i < G_N_ELEMENTS (bad_names); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GhUser) user = gh_users_add (f->users, f->project, bad_names[i], NULL, NULL, NULL,
                                             "test", &error);

      g_test_message ("“%s”", bad_names[i]);
      g_assert_null (user);
      g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_REQUEST);
    }

  /* A server-set claim cannot be a user claim. */
  {
    g_autoptr(JsonObject) claims = gh_test_parse_object ("{\"sub\": \"root\"}");
    g_autoptr(GError) error = NULL;
    g_autoptr(GhUser) user = gh_users_add (f->users, f->project, "carol", NULL, NULL, claims,
                                           "test", &error);

    g_assert_null (user);
    g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_REQUEST);
  }

  /* The same name twice. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GhUser) user = gh_users_add (f->users, f->project, "bob", NULL, NULL, NULL, "test",
                                           &error);

    g_assert_null (user);
    g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_CONSTRAINT);
  }

  /* Removing someone who is not there. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (gh_users_remove (f->users, f->project, "nobody", "test", &error));
    g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND);
  }

  /* Refusals leave no trace. */
  g_assert_cmpuint (gh_test_count_audit (f->store, "user.created"), ==, created);
  g_assert_cmpuint (gh_test_count_audit (f->store, "user.removed"), ==, 0);
}

/* The row and its audit event are one transaction: when the event cannot be written the user
 * is not created (or removed) either, and a caller's rollback takes both back. */
static void
test_audit_same_transaction (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhUser) kept = gh_test_services_add_user (f, "kept");

  g_assert_true (gh_store_exec (f->store,
                                "CREATE TEMP TRIGGER refuse_audit BEFORE INSERT ON audit_events "
                                "BEGIN SELECT RAISE(ABORT, 'audit refused'); END", &error));
  g_assert_no_error (error);
  {
    g_autoptr(GhUser) user = gh_users_add (f->users, f->project, "dave", NULL, NULL, NULL, "test",
                                           &error);

    g_assert_null (user);
    g_assert_nonnull (error);
    g_clear_error (&error);
  }
  g_assert_false (gh_users_remove (f->users, f->project, "kept", "test", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_true (gh_store_exec (f->store, "DROP TRIGGER refuse_audit", &error));
  g_assert_no_error (error);

  {
    g_autoptr(GhUser) dave = gh_users_get (f->users, f->project->id, "dave", &error);

    g_assert_null (dave);
    g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }
  {
    g_autoptr(GhUser) still = gh_users_get (f->users, f->project->id, "kept", &error);

    g_assert_no_error (error);
    g_assert_nonnull (still);
  }

  /* Inside the caller's transaction: a rollback takes the user and the event back. */
  {
    guint created = gh_test_count_audit (f->store, "user.created");
    g_autoptr(GhUser) erin = NULL;
    g_autoptr(GhUser) again = NULL;

    g_assert_true (gh_store_begin (f->store, &error));
    erin = gh_users_add (f->users, f->project, "erin", NULL, NULL, NULL, "test", &error);
    g_assert_no_error (error);
    g_assert_nonnull (erin);
    g_assert_true (gh_store_in_transaction (f->store));
    gh_store_rollback (f->store);
    g_assert_cmpuint (gh_test_count_audit (f->store, "user.created"), ==, created);
    again = gh_users_get (f->users, f->project->id, "erin", &error);
    g_assert_null (again);
    g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, gh_test_services_setup, func, gh_test_services_teardown)
  ADD ("/core/users/add-get-list-remove", test_add_get_list_remove);
  ADD ("/core/users/refusals", test_refusals);
  ADD ("/core/users/audit-same-transaction", test_audit_same_transaction);
#undef ADD

  return g_test_run ();
}
