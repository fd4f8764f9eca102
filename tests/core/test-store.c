/* test-store.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sys/stat.h>

#include "gh-store.h"
#include "gh-test-util.h"

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *base = gh_test_make_tmp_dir ("store");

  /* A subdirectory that does not exist yet: the store must create it. */
  fixture->dir = g_build_filename (base, "data", NULL);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *parent = g_path_get_dirname (fixture->dir);

  gh_test_remove_tree (parent);
  g_free (fixture->dir);
}

static gint64
query_int (GhStore    *store,
           const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStmt) stmt = gh_store_prepare (store, sql, &error);
  gboolean row = FALSE;

  g_assert_no_error (error);
  g_assert_true (gh_store_step (store, stmt, &row, &error));
  g_assert_no_error (error);
  g_assert_true (row);
  return sqlite3_column_int64 (stmt, 0);
}

static const char *
query_text (GhStore    *store,
            const char *sql)
{
  g_autoptr(GError) error = NULL;
  GhStmt *stmt = gh_store_prepare (store, sql, &error);
  gboolean row = FALSE;
  static char buffer[256];

  g_assert_no_error (error);
  g_assert_true (gh_store_step (store, stmt, &row, &error));
  g_assert_true (row);
  g_strlcpy (buffer, gh_stmt_column_text (stmt, 0), sizeof buffer);
  gh_stmt_reset (stmt);
  return buffer;
}

/* @db and, both present, its -wal and -shm are 0600. */
static void
assert_private_files (const char *db)
{
  for (guint i = 0; i < 3; i++)
    {
      const char *suffix = (const char *[]) { "", "-wal", "-shm" }[i];
      g_autofree char *path = g_strconcat (db, suffix, NULL);
      GStatBuf st;

      g_assert_cmpint (g_stat (path, &st), ==, 0);
      if ((st.st_mode & 0777) != 0600)
        g_error ("%s has mode %o, not 0600", path, (guint) (st.st_mode & 0777));
    }
}

static void
insert_project (GhStore    *store,
                const char *slug)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStmt) stmt = gh_store_prepare (store,
                                             "INSERT INTO projects (slug, display_name, profile, "
                                             "created_at) VALUES (?, ?, 'development', 0)",
                                             &error);
  g_assert_no_error (error);
  gh_stmt_bind_text (stmt, 1, slug);
  gh_stmt_bind_text (stmt, 2, slug);
  g_assert_true (gh_store_step (store, stmt, NULL, &error));
  g_assert_no_error (error);
}

static void
test_migrate_empty (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStore) store = gh_store_open (fixture->dir, &error);
  GStatBuf st;

  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_cmpint (gh_store_get_schema_version (store), ==, gh_store_get_latest_version ());
  g_assert_cmpint (gh_store_get_latest_version (), >=, 1);

  /* The settings the design asks for. */
  g_assert_cmpstr (query_text (store, "PRAGMA journal_mode"), ==, "wal");
  g_assert_cmpint (query_int (store, "PRAGMA foreign_keys"), ==, 1);
  g_assert_cmpint (query_int (store, "PRAGMA synchronous"), ==, 2); /* FULL */
  g_assert_cmpint (query_int (store, "PRAGMA busy_timeout"), >=, 1000);

  /* Every table of the first schema exists. */
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                              "name IN ('projects', 'project_settings', 'signing_keys', "
                              "'audit_events')"), ==, 4);

  /* Private: the directory 0700, the database and the files SQLite keeps beside it 0600. */
  g_assert_cmpint (g_stat (fixture->dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  assert_private_files (gh_store_get_path (store));
}

static void
copy_file (const char *from,
           const char *to)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (from, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents_full (to, contents, length, G_FILE_SET_CONTENTS_NONE, 0644,
                                           &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (to, 0644), ==, 0);
}

/* A backup restored with cp: a directory 0755 holding the database, its -wal (with rows not
 * yet checkpointed) and its -shm, all 0644. Opening it makes every one of them private, before
 * SQLite reads them, and the rows are there. */
static void
test_restored_files_made_private (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStore) original = gh_store_open (fixture->dir, &error);
  g_autofree char *parent = g_path_get_dirname (fixture->dir);
  g_autofree char *restored_dir = g_build_filename (parent, "restored", NULL);
  g_autofree char *restored_db = g_build_filename (restored_dir, "gatehouse.db", NULL);
  g_autoptr(GhStore) restored = NULL;
  GStatBuf st;

  g_assert_no_error (error);
  insert_project (original, "restored");
  g_assert_cmpint (g_mkdir (restored_dir, 0755), ==, 0);
  g_assert_cmpint (g_chmod (restored_dir, 0755), ==, 0);
  for (guint i = 0; i < 3; i++)
    {
      const char *suffix = (const char *[]) { "", "-wal", "-shm" }[i];
      g_autofree char *from = g_strconcat (gh_store_get_path (original), suffix, NULL);
      g_autofree char *to = g_strconcat (restored_db, suffix, NULL);

      copy_file (from, to);
    }

  restored = gh_store_open (restored_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (query_int (restored, "SELECT count(*) FROM projects WHERE slug = 'restored'"),
                   ==, 1);
  g_assert_cmpint (g_stat (restored_dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  assert_private_files (restored_db);
}

/* Only the database restored (no -wal or -shm): the ones SQLite creates are private too. */
static void
test_restored_database_made_private (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStore) store = NULL;
  g_autofree char *path = g_build_filename (fixture->dir, "gatehouse.db", NULL);
  g_autofree char *wal = NULL;

  store = gh_store_open (fixture->dir, &error);
  g_assert_no_error (error);
  insert_project (store, "kept");
  g_clear_object (&store);  /* the last connection: SQLite checkpoints and removes -wal/-shm */
  wal = g_strconcat (path, "-wal", NULL);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
  g_assert_cmpint (g_chmod (fixture->dir, 0755), ==, 0);
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);

  store = gh_store_open (fixture->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM projects WHERE slug = 'kept'"), ==, 1);
  assert_private_files (path);
}

/* A shared directory such as /tmp is refused, never made 0700. */
static void
test_shared_directory_refused (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStore) store = NULL;

  g_assert_cmpint (g_mkdir (fixture->dir, 0700), ==, 0);
  g_assert_cmpint (g_chmod (fixture->dir, 01777), ==, 0);
  store = gh_store_open (fixture->dir, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_null (store);
}

static void
test_migrate_existing (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStore) store = gh_store_open (fixture->dir, &error);

  g_assert_no_error (error);
  insert_project (store, "kept");
  g_clear_object (&store);

  /* Reopening an up-to-date database runs no step again and keeps the data. */
  store = gh_store_open (fixture->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gh_store_get_schema_version (store), ==, gh_store_get_latest_version ());
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM projects WHERE slug = 'kept'"), ==, 1);
}

static void
test_migrate_from_version_zero (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStore) store = NULL;
  g_autofree char *path = g_build_filename (fixture->dir, "gatehouse.db", NULL);
  sqlite3 *db;

  /* A database some other tool created, with a table of its own and no schema version. */
  g_assert_cmpint (g_mkdir_with_parents (fixture->dir, 0700), ==, 0);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "CREATE TABLE notes (text TEXT); "
                                 "INSERT INTO notes VALUES ('hello');", NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);

  store = gh_store_open (fixture->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gh_store_get_schema_version (store), ==, gh_store_get_latest_version ());
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM notes"), ==, 1);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM projects"), ==, 0);
}

static void
test_refuses_newer_schema (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStore) store = gh_store_open (fixture->dir, &error);
  g_autofree char *pragma = NULL;

  g_assert_no_error (error);
  insert_project (store, "precious");
  pragma = g_strdup_printf ("PRAGMA user_version = %d", gh_store_get_latest_version () + 5);
  g_assert_true (gh_store_exec (store, pragma, &error));
  g_clear_object (&store);

  store = gh_store_open (fixture->dir, &error);
  g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_TOO_NEW);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, "newer"));
  g_clear_error (&error);

  /* Nothing was touched: lowering the version again finds the data. */
  {
    g_autofree char *path = g_build_filename (fixture->dir, "gatehouse.db", NULL);
    sqlite3 *db;
    sqlite3_stmt *stmt;

    g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM projects", -1, &stmt, NULL),
                     ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 1);
    sqlite3_finalize (stmt);
    sqlite3_close (db);
  }
}

static void
test_transaction_rollback (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStore) store = gh_store_open (fixture->dir, &error);

  g_assert_no_error (error);
  g_assert_true (gh_store_begin (store, &error));
  g_assert_true (gh_store_in_transaction (store));
  insert_project (store, "gone");
  gh_store_rollback (store);
  g_assert_false (gh_store_in_transaction (store));
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM projects"), ==, 0);

  g_assert_true (gh_store_begin (store, &error));
  insert_project (store, "kept");
  g_assert_true (gh_store_commit (store, &error));
  g_assert_no_error (error);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM projects"), ==, 1);
}

static void
test_constraint_error (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStore) store = gh_store_open (fixture->dir, &error);
  g_autoptr(GhStmt) stmt = NULL;

  insert_project (store, "twice");
  stmt = gh_store_prepare (store, "INSERT INTO projects (slug, display_name, profile, created_at) "
                           "VALUES ('twice', 'x', 'production', 0)", &error);
  g_assert_false (gh_store_step (store, stmt, NULL, &error));
  g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_CONSTRAINT);
}

/* The stamp caches key on: it moves for another connection's commit (the CLI) and for the
 * store's own writes, and stands still while nothing is written. */
static void
test_stamp (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStore) server = gh_store_open (fixture->dir, &error);
  g_autoptr(GhStore) cli = gh_store_open (fixture->dir, &error);
  GhStoreStamp first, again, after_cli, after_own;

  g_assert_no_error (error);
  first = gh_store_get_stamp (server);
  g_assert_cmpint (first.data_version, >=, 0);

  /* Reads move nothing. */
  g_assert_cmpint (query_int (server, "SELECT count(*) FROM projects"), ==, 0);
  again = gh_store_get_stamp (server);
  g_assert_true (gh_store_stamp_equal (&first, &again));

  /* The CLI writes: the server's stamp moves, once. */
  insert_project (cli, "from-cli");
  after_cli = gh_store_get_stamp (server);
  g_assert_false (gh_store_stamp_equal (&again, &after_cli));
  again = gh_store_get_stamp (server);
  g_assert_true (gh_store_stamp_equal (&after_cli, &again));
  g_assert_cmpint (query_int (server, "SELECT count(*) FROM projects WHERE slug = 'from-cli'"),
                   ==, 1);

  /* Its own writes move it too (data_version does not see them). */
  insert_project (server, "own");
  after_own = gh_store_get_stamp (server);
  g_assert_false (gh_store_stamp_equal (&after_cli, &after_own));

  /* Inside a transaction the stamp never vouches for anything. */
  g_assert_true (gh_store_begin (server, &error));
  first = gh_store_get_stamp (server);
  again = gh_store_get_stamp (server);
  g_assert_false (gh_store_stamp_equal (&first, &again));
  gh_store_rollback (server);
}

static void
test_cached_statement_is_reset (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStore) reader = gh_store_open (fixture->dir, &error);
  g_autoptr(GhStore) writer = gh_store_open (fixture->dir, &error);

  insert_project (writer, "a");
  insert_project (writer, "b");

  /* Leave a SELECT mid-way in a scope: g_autoptr(GhStmt) resets it, so the reader holds no
   * stale snapshot and sees the writer's next commit. */
  {
    g_autoptr(GhStmt) stmt = gh_store_prepare (reader, "SELECT slug FROM projects", &error);
    gboolean row;
    g_assert_true (gh_store_step (reader, stmt, &row, &error));
    g_assert_true (row);
  }
  insert_project (writer, "c");
  g_assert_cmpint (query_int (reader, "SELECT count(*) FROM projects"), ==, 3);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* The usual one, so that what a file gets by default is 0644 and the modes are checked. */
  umask (022);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/core/store/migrate/empty", test_migrate_empty);
  ADD ("/core/store/migrate/existing", test_migrate_existing);
  ADD ("/core/store/migrate/from-version-zero", test_migrate_from_version_zero);
  ADD ("/core/store/migrate/refuses-newer-schema", test_refuses_newer_schema);
  ADD ("/core/store/modes/restored-files", test_restored_files_made_private);
  ADD ("/core/store/modes/restored-database", test_restored_database_made_private);
  ADD ("/core/store/modes/shared-directory-refused", test_shared_directory_refused);
  ADD ("/core/store/transaction/rollback", test_transaction_rollback);
  ADD ("/core/store/errors/constraint", test_constraint_error);
  ADD ("/core/store/stamp", test_stamp);
  ADD ("/core/store/statement/reset-at-scope-exit", test_cached_statement_is_reset);

  return g_test_run ();
}
