/* test-secret-file.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libsecret/secret.h>

#include "gh-secret-store-private.h"
#include "gh-secret-store.h"
#include "gh-test-util.h"

#define WRITER_ROUNDS 20

typedef GhTestSecretDir Fixture;

static GhSecretStore *
open_file_store (const char *data_dir)
{
  g_autoptr(GError) error = NULL;
  GhSecretStore *store;

  store = gh_secret_store_new (GH_SECRET_BACKEND_FILE, data_dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_cmpint (gh_secret_store_get_backend (store), ==, GH_SECRET_BACKEND_FILE);

  return store;
}

static guint
file_mode (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);

  return st.st_mode & 07777;
}

static void
test_store_lookup (Fixture       *fixture,
                   gconstpointer  user_data)
{
  g_autoptr(GhSecretStore) store = open_file_store (fixture->data_dir);
  const char *description = gh_secret_store_describe (store);

  g_assert_true (g_str_has_prefix (description, "file "));
  g_assert_nonnull (strstr (description, fixture->file_path));
  g_assert_nonnull (strstr (description, "0600"));

  gh_test_store_secret (store, "admin-token", "s3cret-admin");
  gh_test_store_secret (store, "signing-key:2026-01", "{\"kty\":\"EC\"}");
  gh_test_assert_secret (store, "admin-token", "s3cret-admin");
  gh_test_assert_secret (store, "signing-key:2026-01", "{\"kty\":\"EC\"}");
}

static void
test_replace (Fixture       *fixture,
              gconstpointer  user_data)
{
  g_autoptr(GhSecretStore) store = open_file_store (fixture->data_dir);

  gh_test_store_secret (store, "admin-token", "first");
  gh_test_store_secret (store, "admin-token", "second");
  gh_test_assert_secret (store, "admin-token", "second");
}

static void
test_delete (Fixture       *fixture,
             gconstpointer  user_data)
{
  g_autoptr(GhSecretStore) store = open_file_store (fixture->data_dir);
  g_autoptr(GError) error = NULL;

  /* Nothing stored yet, not even a file. */
  g_assert_true (gh_secret_store_delete (store, "admin-token", &error));
  g_assert_no_error (error);

  gh_test_store_secret (store, "admin-token", "a");
  gh_test_store_secret (store, "remote/host.example", "b");

  g_assert_true (gh_secret_store_delete (store, "admin-token", &error));
  g_assert_no_error (error);
  gh_test_assert_secret (store, "admin-token", NULL);
  gh_test_assert_secret (store, "remote/host.example", "b");

  /* Again: a missing secret is not an error. */
  g_assert_true (gh_secret_store_delete (store, "admin-token", &error));
  g_assert_no_error (error);
}

static void
test_missing (Fixture       *fixture,
              gconstpointer  user_data)
{
  g_autoptr(GhSecretStore) store = open_file_store (fixture->data_dir);

  /* No file yet, then a file without that name. */
  gh_test_assert_secret (store, "admin-token", NULL);
  g_assert_false (g_file_test (fixture->file_path, G_FILE_TEST_EXISTS));

  gh_test_store_secret (store, "other", "x");
  gh_test_assert_secret (store, "admin-token", NULL);
}

static void
test_modes (Fixture       *fixture,
            gconstpointer  user_data)
{
  g_autoptr(GhSecretStore) store = open_file_store (fixture->data_dir);

  g_assert_cmpuint (file_mode (fixture->data_dir), ==, 0700);

  gh_test_store_secret (store, "admin-token", "first");
  g_assert_cmpuint (file_mode (fixture->file_path), ==, 0600);

  gh_test_store_secret (store, "admin-token", "second");
  g_assert_cmpuint (file_mode (fixture->file_path), ==, 0600);

  g_assert_true (gh_secret_store_delete (store, "admin-token", NULL));
  g_assert_cmpuint (file_mode (fixture->file_path), ==, 0600);
}

static void
test_reopen (Fixture       *fixture,
             gconstpointer  user_data)
{
  g_autoptr(GhSecretStore) first = open_file_store (fixture->data_dir);
  g_autoptr(GhSecretStore) second = NULL;

  gh_test_store_secret (first, "admin-token", "persisted");
  g_clear_object (&first);

  second = open_file_store (fixture->data_dir);
  gh_test_assert_secret (second, "admin-token", "persisted");
}

static void
test_refuses_open_mode (Fixture       *fixture,
                        gconstpointer  user_data)
{
  static const guint modes[] = { 0644, 0640, 0604, 0660 };
  g_autoptr(GhSecretStore) store = open_file_store (fixture->data_dir);
  g_autofree char *before = NULL;

  gh_test_store_secret (store, "admin-token", "s3cret");
  g_assert_true (g_file_get_contents (fixture->file_path, &before, NULL, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *value = NULL;
      g_autofree char *after = NULL;
      g_autofree char *chmod_hint = g_strdup_printf ("chmod 600 %s", fixture->file_path);

      g_assert_cmpint (g_chmod (fixture->file_path, modes[i]), ==, 0);

      value = gh_secret_store_lookup (store, "admin-token", &error);
      g_assert_null (value);
      g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED);
      g_assert_nonnull (strstr (error->message, chmod_hint));
      g_clear_error (&error);

      /* Writing must not quietly "repair" it either. */
      g_assert_false (gh_secret_store_store (store, "admin-token", NULL, "new", &error));
      g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED);
      g_clear_error (&error);
      g_assert_false (gh_secret_store_delete (store, "admin-token", &error));
      g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED);

      g_assert_cmpuint (file_mode (fixture->file_path), ==, modes[i]);
      g_assert_true (g_file_get_contents (fixture->file_path, &after, NULL, NULL));
      g_assert_cmpstr (after, ==, before);
    }

  g_assert_cmpint (g_chmod (fixture->file_path, 0600), ==, 0);
  gh_test_assert_secret (store, "admin-token", "s3cret");
}

static void
test_refuses_symlink (Fixture       *fixture,
                      gconstpointer  user_data)
{
  g_autoptr(GhSecretStore) store = open_file_store (fixture->data_dir);
  g_autofree char *target = g_build_filename (fixture->tmp_dir, "elsewhere.ini", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;

  g_assert_true (g_file_set_contents_full (target, "[secrets]\nadmin-token=x\n", -1,
                                           G_FILE_SET_CONTENTS_NONE, 0600, NULL));
  g_assert_cmpint (symlink (target, fixture->file_path), ==, 0);

  value = gh_secret_store_lookup (store, "admin-token", &error);
  g_assert_null (value);
  g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "symbolic link"));
}

static void
test_refuses_damaged (Fixture       *fixture,
                      gconstpointer  user_data)
{
  static const char garbage[] = "this is not\na key file [\n";
  g_autoptr(GhSecretStore) store = open_file_store (fixture->data_dir);
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;
  g_autofree char *after = NULL;

  g_assert_true (g_file_set_contents_full (fixture->file_path, garbage, -1,
                                           G_FILE_SET_CONTENTS_NONE, 0600, NULL));

  value = gh_secret_store_lookup (store, "admin-token", &error);
  g_assert_null (value);
  g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED);
  g_clear_error (&error);

  /* Other secrets may be in there: never overwrite a file we cannot parse. */
  g_assert_false (gh_secret_store_store (store, "admin-token", NULL, "x", &error));
  g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED);
  g_assert_true (g_file_get_contents (fixture->file_path, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, garbage);
}

static void
test_names (Fixture       *fixture,
            gconstpointer  user_data)
{
  static const char *invalid[] = {
    "",
    " admin",
    "admin token",
    "-leading-dash",
    ".hidden",
    "key=value",
    "group[de]",
    "line\nbreak",
    "tab\there",
    "semi;colon",
    "hash#tag",
    "caf\xc3\xa9",
    "bad\xff",
  };
  static const char *valid[] = {
    "a",
    "admin-token",
    "signing-key:2026-01_AbC",
    "remote/host.example",
    "user@host",
    "0-starts-with-digit",
  };
  g_autoptr(GhSecretStore) store = open_file_store (fixture->data_dir);
  g_autofree char *too_long = g_strnfill (129, 'a');
  g_autofree char *longest = g_strnfill (128, 'a');
  g_autoptr(GError) error = NULL;
  char *value;

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_test_message ("invalid name %u", i);
      g_assert_false (gh_secret_store_name_is_valid (invalid[i]));

      value = gh_secret_store_lookup (store, invalid[i], &error);
      g_assert_null (value);
      g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_INVALID);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_clear_error (&error);

      g_assert_false (gh_secret_store_store (store, invalid[i], NULL, "x", &error));
      g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_INVALID);
      g_clear_error (&error);

      g_assert_false (gh_secret_store_delete (store, invalid[i], &error));
      g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_INVALID);
      g_clear_error (&error);
    }

  g_assert_false (gh_secret_store_name_is_valid (NULL));
  value = gh_secret_store_lookup (store, NULL, &error);
  g_assert_null (value);
  g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_false (gh_secret_store_name_is_valid (too_long));
  g_assert_false (gh_secret_store_store (store, too_long, NULL, "x", &error));
  g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_INVALID);
  g_clear_error (&error);

  /* Nothing invalid reached the file. */
  g_assert_false (g_file_test (fixture->file_path, G_FILE_TEST_EXISTS));

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_assert_true (gh_secret_store_name_is_valid (valid[i]));
      gh_test_store_secret (store, valid[i], valid[i]);
    }
  gh_test_store_secret (store, longest, "longest");

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    gh_test_assert_secret (store, valid[i], valid[i]);
  gh_test_assert_secret (store, longest, "longest");
}

static void
test_values (Fixture       *fixture,
             gconstpointer  user_data)
{
  static const char *values[] = {
    "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n",
    "  leading and trailing spaces  ",
    "key=value; list;of;things # not a comment [not a group]",
    "back\\slash \\n not a newline",
    "tab\there\r\ncrlf",
    "ünïcødé ✓",
  };
  g_autoptr(GhSecretStore) store = open_file_store (fixture->data_dir);
  g_autoptr(GhSecretStore) reopened = NULL;
  g_autofree char *too_long = g_strnfill (64 * 1024 + 1, 'x');
  g_autofree char *largest = g_strnfill (64 * 1024, 'x');
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autofree char *name = g_strdup_printf ("value-%u", i);

      gh_test_store_secret (store, name, values[i]);
    }
  gh_test_store_secret (store, "largest", largest);

  reopened = open_file_store (fixture->data_dir);
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autofree char *name = g_strdup_printf ("value-%u", i);

      gh_test_assert_secret (reopened, name, values[i]);
    }
  gh_test_assert_secret (reopened, "largest", largest);

  g_assert_false (gh_secret_store_store (store, "x", NULL, too_long, &error));
  g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (gh_secret_store_store (store, "x", NULL, "bad\xff", &error));
  g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (gh_secret_store_store (store, "x", NULL, "", &error));
  g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (gh_secret_store_store (store, "x", NULL, NULL, &error));
  g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (gh_secret_store_store (store, "x", "bad\xff label", "ok", &error));
  g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_INVALID);
  g_clear_error (&error);
}

static void
test_separate_instances (Fixture       *fixture,
                         gconstpointer  user_data)
{
  g_autofree char *other_dir = g_build_filename (fixture->tmp_dir, "other", NULL);
  g_autoptr(GhSecretStore) one = open_file_store (fixture->data_dir);
  g_autoptr(GhSecretStore) two = open_file_store (other_dir);

  g_assert_cmpstr (gh_secret_store_get_instance (one), !=, gh_secret_store_get_instance (two));

  gh_test_store_secret (one, "admin-token", "one");
  gh_test_assert_secret (two, "admin-token", NULL);

  gh_test_store_secret (two, "admin-token", "two");
  gh_test_assert_secret (one, "admin-token", "one");
  gh_test_assert_secret (two, "admin-token", "two");

  g_assert_true (gh_secret_store_delete (two, "admin-token", NULL));
  gh_test_assert_secret (one, "admin-token", "one");
}

static void
test_canonical_instance (Fixture       *fixture,
                         gconstpointer  user_data)
{
  g_autofree char *link = g_build_filename (fixture->tmp_dir, "link", NULL);
  g_autofree char *dotted = g_build_filename (fixture->tmp_dir, "home", ".", "..", "home",
                                              "data", NULL);
  g_autoptr(GhSecretStore) direct = open_file_store (fixture->data_dir);
  g_autoptr(GhSecretStore) via_link = NULL;
  g_autoptr(GhSecretStore) via_dots = NULL;
  g_autofree char *canonical = NULL;

  g_assert_cmpint (symlink (fixture->data_dir, link), ==, 0);
  via_link = open_file_store (link);
  via_dots = open_file_store (dotted);

  canonical = realpath (fixture->data_dir, NULL);
  g_assert_cmpstr (gh_secret_store_get_instance (direct), ==, canonical);
  g_assert_cmpstr (gh_secret_store_get_instance (via_link), ==, canonical);
  g_assert_cmpstr (gh_secret_store_get_instance (via_dots), ==, canonical);

  gh_test_store_secret (via_link, "admin-token", "same");
  gh_test_assert_secret (direct, "admin-token", "same");
  gh_test_assert_secret (via_dots, "admin-token", "same");
}

static void
test_async (Fixture       *fixture,
            gconstpointer  user_data)
{
  g_autoptr(GhSecretStore) store = open_file_store (fixture->data_dir);
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *value = NULL;

  gh_secret_store_store_async (store, "admin-token", "Admin token", "async-value", NULL,
                               gh_test_async_ready, &slot);
  result = gh_test_async_wait (&slot);
  g_assert_true (gh_secret_store_store_finish (store, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  gh_secret_store_lookup_async (store, "admin-token", NULL, gh_test_async_ready, &slot);
  result = gh_test_async_wait (&slot);
  value = gh_secret_store_lookup_finish (store, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, "async-value");
  g_clear_pointer (&value, g_free);
  g_clear_object (&result);

  gh_secret_store_lookup_async (store, "missing", NULL, gh_test_async_ready, &slot);
  result = gh_test_async_wait (&slot);
  value = gh_secret_store_lookup_finish (store, result, &error);
  g_assert_no_error (error);
  g_assert_null (value);
  g_clear_object (&result);

  gh_secret_store_delete_async (store, "admin-token", NULL, gh_test_async_ready, &slot);
  result = gh_test_async_wait (&slot);
  g_assert_true (gh_secret_store_delete_finish (store, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  gh_test_assert_secret (store, "admin-token", NULL);

  gh_secret_store_lookup_async (store, "not valid", NULL, gh_test_async_ready, &slot);
  result = gh_test_async_wait (&slot);
  value = gh_secret_store_lookup_finish (store, result, &error);
  g_assert_null (value);
  g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_object (&result);

  gh_secret_store_store_async (store, "admin-token", NULL, "", NULL, gh_test_async_ready, &slot);
  result = gh_test_async_wait (&slot);
  g_assert_false (gh_secret_store_store_finish (store, result, &error));
  g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_object (&result);
}

static void
test_async_cancelled (Fixture       *fixture,
                      gconstpointer  user_data)
{
  g_autoptr(GhSecretStore) store = open_file_store (fixture->data_dir);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  g_cancellable_cancel (cancellable);
  gh_secret_store_store_async (store, "admin-token", NULL, "x", cancellable, gh_test_async_ready,
                               &slot);
  result = gh_test_async_wait (&slot);
  g_assert_false (gh_secret_store_store_finish (store, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_file_test (fixture->file_path, G_FILE_TEST_EXISTS));
}

static int
run_concurrent_writer (const char *data_dir,
                       const char *prefix)
{
  g_autoptr(GhSecretStore) store = NULL;
  g_autoptr(GError) error = NULL;

  store = gh_secret_store_new (GH_SECRET_BACKEND_FILE, data_dir, &error);
  if (store == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  for (guint i = 0; i < WRITER_ROUNDS; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s-%u", prefix, i);

      if (!gh_secret_store_store (store, name, NULL, name, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
    }

  return 0;
}

static void
test_concurrent_processes (Fixture       *fixture,
                           gconstpointer  user_data)
{
  static const char *prefixes[] = { "alpha", "beta", "gamma" };
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autoptr(GhSecretStore) store = open_file_store (fixture->data_dir);
  GSubprocess *writers[G_N_ELEMENTS (prefixes)];

  if (self_exe == NULL)
    {
      g_test_skip ("no /proc/self/exe");
      return;
    }

  /* Two other processes and this one write at the same time; no write may be lost. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GError) error = NULL;

      writers[i] = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, self_exe,
                                     "--concurrent-writer", fixture->data_dir, prefixes[i], NULL);
      g_assert_no_error (error);
    }
  g_assert_cmpint (run_concurrent_writer (fixture->data_dir, prefixes[2]), ==, 0);

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (g_subprocess_wait_check (writers[i], NULL, &error));
      g_assert_no_error (error);
      g_clear_object (&writers[i]);
    }

  for (guint p = 0; p < G_N_ELEMENTS (prefixes); p++)
    for (guint i = 0; i < WRITER_ROUNDS; i++)
      {
        g_autofree char *name = g_strdup_printf ("%s-%u", prefixes[p], i);

        gh_test_assert_secret (store, name, name);
      }
  g_assert_cmpuint (file_mode (fixture->file_path), ==, 0600);
}

/* AUTO and the Secret Service probe, on buses this test controls */

static void
test_auto_without_secret_service (Fixture       *fixture,
                                  gconstpointer  user_data)
{
  g_autoptr(GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_autoptr(GhSecretStore) store = NULL;
  g_autoptr(GError) error = NULL;
  const char *description;

  g_test_dbus_up (bus);
  g_assert_cmpstr (g_getenv ("DBUS_SESSION_BUS_ADDRESS"), ==, g_test_dbus_get_bus_address (bus));

  store = gh_secret_store_new (GH_SECRET_BACKEND_AUTO, fixture->data_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gh_secret_store_get_backend (store), ==, GH_SECRET_BACKEND_FILE);
  description = gh_secret_store_describe (store);
  g_test_message ("%s", description);
  g_assert_true (g_str_has_prefix (description, "file "));
  g_assert_nonnull (strstr (description, fixture->file_path));
  g_assert_nonnull (strstr (description, "no Secret Service reachable"));
  g_assert_nonnull (strstr (description, "neither running nor activatable"));

  gh_test_store_secret (store, "admin-token", "on-file");
  gh_test_assert_secret (store, "admin-token", "on-file");
  g_assert_true (g_file_test (fixture->file_path, G_FILE_TEST_IS_REGULAR));
  g_clear_object (&store);

  /* Forcing the keyring where there is none is an error, not a quiet fallback. */
  store = gh_secret_store_new (GH_SECRET_BACKEND_KEYRING, fixture->data_dir, &error);
  g_assert_null (store);
  g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_UNAVAILABLE);

  g_test_dbus_down (bus);
}

static void
test_auto_without_session_bus (Fixture       *fixture,
                               gconstpointer  user_data)
{
  g_autoptr(GhSecretStore) store = NULL;
  g_autoptr(GError) error = NULL;
  const char *description;

  if (!g_test_subprocess ())
    {
      /* The environment changes stay in a child. */
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      return;
    }

  g_unsetenv ("DBUS_SESSION_BUS_ADDRESS");
  g_setenv ("XDG_RUNTIME_DIR", fixture->tmp_dir, TRUE);
  /* With a display GDBus would autolaunch a bus; the store must not. */
  g_setenv ("DISPLAY", ":97", TRUE);

  store = gh_secret_store_new (GH_SECRET_BACKEND_AUTO, fixture->data_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gh_secret_store_get_backend (store), ==, GH_SECRET_BACKEND_FILE);
  description = gh_secret_store_describe (store);
  g_assert_nonnull (strstr (description, "no Secret Service reachable: no D-Bus session bus"));
  g_clear_object (&store);

  store = gh_secret_store_new (GH_SECRET_BACKEND_KEYRING, fixture->data_dir, &error);
  g_assert_null (store);
  g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "no D-Bus session bus"));
}

static void
test_auto_activatable_secret_service (Fixture       *fixture,
                                      gconstpointer  user_data)
{
  g_autoptr(GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_autofree char *services = g_build_filename (fixture->tmp_dir, "services", NULL);
  g_autofree char *service_file = g_build_filename (services, "org.freedesktop.secrets.service",
                                                    NULL);
  g_autofree char *marker = g_build_filename (fixture->tmp_dir, "activated", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GhSecretStore) store = NULL;
  g_autoptr(GError) error = NULL;
  char *value;

  /* A service that leaves a mark and fails to start. */
  contents = g_strdup_printf ("[D-BUS Service]\n"
                              "Name=org.freedesktop.secrets\n"
                              "Exec=/bin/sh -c 'touch %s; exit 1'\n",
                              marker);
  g_assert_cmpint (g_mkdir (services, 0700), ==, 0);
  g_assert_true (g_file_set_contents (service_file, contents, -1, NULL));
  g_test_dbus_add_service_dir (bus, services);
  g_test_dbus_up (bus);

  store = gh_secret_store_new (GH_SECRET_BACKEND_AUTO, fixture->data_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gh_secret_store_get_backend (store), ==, GH_SECRET_BACKEND_KEYRING);
  g_assert_nonnull (strstr (gh_secret_store_describe (store), "started on demand"));
  /* Choosing the backend started nothing. */
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));

  value = gh_secret_store_lookup (store, "admin-token", &error);
  g_assert_null (value);
  g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "not running"));
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));

  g_assert_false (gh_secret_store_store (store, "admin-token", NULL, "x", &error));
  g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_UNAVAILABLE);
  g_assert_false (g_file_test (fixture->file_path, G_FILE_TEST_EXISTS));

  g_clear_object (&store);
  secret_service_disconnect ();
  g_test_dbus_down (bus);
}

static GDBusMessage *
drop_method_calls (GDBusConnection *connection,
                   GDBusMessage    *message,
                   gboolean         incoming,
                   gpointer         user_data)
{
  if (incoming && g_dbus_message_get_message_type (message) == G_DBUS_MESSAGE_TYPE_METHOD_CALL)
    {
      g_object_unref (message);
      return NULL;
    }

  return message;
}

static void
test_unresponsive_secret_service (Fixture       *fixture,
                                  gconstpointer  user_data)
{
  g_autoptr(GTestDBus) bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_autoptr(GDBusConnection) silent = NULL;
  g_autoptr(GhSecretStore) store = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  GAsyncResult *slot = NULL;
  char *value;
  gint64 start;
  guint32 request;

  g_test_dbus_up (bus);

  /* Owns org.freedesktop.secrets and never answers: a hung daemon or a pending prompt. */
  silent = g_dbus_connection_new_for_address_sync (g_test_dbus_get_bus_address (bus),
                                                   G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                   G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                   NULL, NULL, &error);
  g_assert_no_error (error);
  g_dbus_connection_add_filter (silent, drop_method_calls, NULL, NULL);
  reply = g_dbus_connection_call_sync (silent, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", "org.freedesktop.secrets", 4),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &request);
  g_assert_cmpuint (request, ==, 1);

  store = gh_secret_store_new (GH_SECRET_BACKEND_AUTO, fixture->data_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gh_secret_store_get_backend (store), ==, GH_SECRET_BACKEND_KEYRING);
  _gh_secret_store_set_timeout (store, 300);

  start = g_get_monotonic_time ();
  value = gh_secret_store_lookup (store, "admin-token", &error);
  g_assert_null (value);
  g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "did not answer"));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
  g_clear_error (&error);

  start = g_get_monotonic_time ();
  g_assert_false (gh_secret_store_store (store, "admin-token", NULL, "x", &error));
  g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_UNAVAILABLE);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
  g_clear_error (&error);

  gh_secret_store_lookup_async (store, "admin-token", NULL, gh_test_async_ready, &slot);
  result = gh_test_async_wait (&slot);
  value = gh_secret_store_lookup_finish (store, result, &error);
  g_assert_null (value);
  g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_UNAVAILABLE);
  g_clear_error (&error);

  /* Failing closed: nothing went to a file instead. */
  g_assert_false (g_file_test (fixture->file_path, G_FILE_TEST_EXISTS));

  g_clear_object (&store);
  secret_service_disconnect ();
  g_dbus_connection_close_sync (silent, NULL, NULL);
  g_test_dbus_down (bus);
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 4 && g_str_equal (argv[1], "--concurrent-writer"))
    return run_concurrent_writer (argv[2], argv[3]);

  umask (022);
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, gh_test_secret_dir_setup, func, \
              gh_test_secret_dir_teardown)

  ADD ("/core/secret/file/store-lookup", test_store_lookup);
  ADD ("/core/secret/file/replace", test_replace);
  ADD ("/core/secret/file/delete", test_delete);
  ADD ("/core/secret/file/missing", test_missing);
  ADD ("/core/secret/file/modes", test_modes);
  ADD ("/core/secret/file/reopen", test_reopen);
  ADD ("/core/secret/file/refuses-open-mode", test_refuses_open_mode);
  ADD ("/core/secret/file/refuses-symlink", test_refuses_symlink);
  ADD ("/core/secret/file/refuses-damaged", test_refuses_damaged);
  ADD ("/core/secret/file/names", test_names);
  ADD ("/core/secret/file/values", test_values);
  ADD ("/core/secret/file/separate-instances", test_separate_instances);
  ADD ("/core/secret/file/canonical-instance", test_canonical_instance);
  ADD ("/core/secret/file/async", test_async);
  ADD ("/core/secret/file/async-cancelled", test_async_cancelled);
  ADD ("/core/secret/file/concurrent-processes", test_concurrent_processes);
  ADD ("/core/secret/auto/no-secret-service", test_auto_without_secret_service);
  ADD ("/core/secret/auto/no-session-bus", test_auto_without_session_bus);
  ADD ("/core/secret/auto/activatable-secret-service", test_auto_activatable_secret_service);
  ADD ("/core/secret/auto/unresponsive-secret-service", test_unresponsive_secret_service);

#undef ADD

  return g_test_run ();
}
