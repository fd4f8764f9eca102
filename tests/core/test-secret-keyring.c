/* test-secret-keyring.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs inside tests/with-keyring.sh: a private bus with a throwaway, unlocked gnome-keyring.
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libsecret/secret.h>

#include "gh-secret-store.h"
#include "gh-test-util.h"

/* Generous for a locked keyring, which must be reported at once, far below the 5 s deadline
 * that would fire if the store waited for a prompt. */
#define PROMPT_FREE_USEC (3 * G_USEC_PER_SEC)

/* The store's schema, spelled out here so the test checks the attributes it promises. */
static const SecretSchema expected_schema = {
  "dev.gatehouse.Gatehouse.Secret",
  SECRET_SCHEMA_NONE,
  {
    { "instance", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "name", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
};

typedef GhTestSecretDir Fixture;

static GhSecretStore *
open_store (GhSecretBackend  backend,
            const char      *data_dir)
{
  g_autoptr(GError) error = NULL;
  GhSecretStore *store;

  store = gh_secret_store_new (backend, data_dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_cmpint (gh_secret_store_get_backend (store), ==, GH_SECRET_BACKEND_KEYRING);

  return store;
}

static SecretCollection *
get_login_collection (void)
{
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GError) error = NULL;
  SecretCollection *collection;

  service = secret_service_get_sync (SECRET_SERVICE_NONE, NULL, &error);
  g_assert_no_error (error);
  collection = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT,
                                                 SECRET_COLLECTION_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (collection);

  return collection;
}

static void
test_auto_picks_keyring (Fixture       *fixture,
                         gconstpointer  user_data)
{
  g_autoptr(GhSecretStore) store = open_store (GH_SECRET_BACKEND_AUTO, fixture->data_dir);
  g_autoptr(GhSecretStore) forced = open_store (GH_SECRET_BACKEND_KEYRING, fixture->data_dir);
  const char *description = gh_secret_store_describe (store);

  g_test_message ("%s", description);
  g_assert_true (g_str_has_prefix (description, "Secret Service (org.freedesktop.secrets"));

  gh_test_store_secret (store, "admin-token", "from-auto");
  gh_test_assert_secret (forced, "admin-token", "from-auto");

  /* The keyring backend keeps nothing on disk. */
  g_assert_false (g_file_test (fixture->file_path, G_FILE_TEST_EXISTS));
}

static void
test_store_lookup_replace_delete (Fixture       *fixture,
                                  gconstpointer  user_data)
{
  g_autoptr(GhSecretStore) store = open_store (GH_SECRET_BACKEND_AUTO, fixture->data_dir);
  g_autoptr(GError) error = NULL;

  gh_test_assert_secret (store, "signing-key:k1", NULL);

  gh_test_store_secret (store, "signing-key:k1", "first");
  gh_test_store_secret (store, "signing-key:k2", "other");
  gh_test_assert_secret (store, "signing-key:k1", "first");

  gh_test_store_secret (store, "signing-key:k1", "second");
  gh_test_assert_secret (store, "signing-key:k1", "second");

  g_assert_true (gh_secret_store_delete (store, "signing-key:k1", &error));
  g_assert_no_error (error);
  gh_test_assert_secret (store, "signing-key:k1", NULL);
  gh_test_assert_secret (store, "signing-key:k2", "other");

  /* A missing secret deletes fine. */
  g_assert_true (gh_secret_store_delete (store, "signing-key:k1", &error));
  g_assert_no_error (error);
  g_assert_true (gh_secret_store_delete (store, "never-stored", &error));
  g_assert_no_error (error);
}

static void
test_replace_keeps_one_item (Fixture       *fixture,
                             gconstpointer  user_data)
{
  g_autoptr(GhSecretStore) store = open_store (GH_SECRET_BACKEND_AUTO, fixture->data_dir);
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  GList *items;

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *value = g_strdup_printf ("value-%u", i);

      g_assert_true (gh_secret_store_store (store, "admin-token", "Gatehouse admin token", value,
                                            &error));
      g_assert_no_error (error);
    }

  service = secret_service_get_sync (SECRET_SERVICE_NONE, NULL, &error);
  g_assert_no_error (error);
  attributes = secret_attributes_build (&expected_schema,
                                        "instance", gh_secret_store_get_instance (store),
                                        "name", "admin-token",
                                        NULL);
  items = secret_service_search_sync (service, &expected_schema, attributes, SECRET_SEARCH_ALL,
                                      NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_length (items), ==, 1);
  label = secret_item_get_label (items->data);
  g_assert_cmpstr (label, ==, "Gatehouse admin token");
  g_list_free_full (items, g_object_unref);

  gh_test_assert_secret (store, "admin-token", "value-2");
}

static void
test_attributes (Fixture       *fixture,
                 gconstpointer  user_data)
{
  g_autofree char *link = g_build_filename (fixture->tmp_dir, "link", NULL);
  g_autoptr(GhSecretStore) store = open_store (GH_SECRET_BACKEND_AUTO, fixture->data_dir);
  g_autoptr(GhSecretStore) via_link = NULL;
  g_autofree char *canonical = NULL;
  g_autoptr(GError) error = NULL;
  char *value;

  g_assert_cmpint (symlink (fixture->data_dir, link), ==, 0);
  via_link = open_store (GH_SECRET_BACKEND_AUTO, link);
  canonical = realpath (fixture->data_dir, NULL);
  g_assert_cmpstr (gh_secret_store_get_instance (via_link), ==, canonical);

  gh_test_store_secret (via_link, "remote/host.example", "token");

  /* Stored under the schema, with the canonical data dir as the instance. */
  value = secret_password_lookup_sync (&expected_schema, NULL, &error,
                                       "instance", canonical,
                                       "name", "remote/host.example",
                                       NULL);
  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, "token");
  secret_password_free (value);

  gh_test_assert_secret (store, "remote/host.example", "token");
}

static void
test_separate_instances (Fixture       *fixture,
                         gconstpointer  user_data)
{
  g_autofree char *other_dir = g_build_filename (fixture->tmp_dir, "other", NULL);
  g_autoptr(GhSecretStore) one = open_store (GH_SECRET_BACKEND_AUTO, fixture->data_dir);
  g_autoptr(GhSecretStore) two = open_store (GH_SECRET_BACKEND_AUTO, other_dir);

  gh_test_store_secret (one, "admin-token", "one");
  gh_test_assert_secret (two, "admin-token", NULL);

  gh_test_store_secret (two, "admin-token", "two");
  gh_test_assert_secret (one, "admin-token", "one");
  gh_test_assert_secret (two, "admin-token", "two");

  g_assert_true (gh_secret_store_delete (two, "admin-token", NULL));
  gh_test_assert_secret (one, "admin-token", "one");
  gh_test_assert_secret (two, "admin-token", NULL);
}

static void
test_values (Fixture       *fixture,
             gconstpointer  user_data)
{
  static const char *values[] = {
    "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n",
    "  leading and trailing spaces  ",
    "ünïcødé ✓",
  };
  g_autoptr(GhSecretStore) store = open_store (GH_SECRET_BACKEND_AUTO, fixture->data_dir);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autofree char *name = g_strdup_printf ("value-%u", i);

      gh_test_store_secret (store, name, values[i]);
      gh_test_assert_secret (store, name, values[i]);
    }

  g_assert_false (gh_secret_store_store (store, "bad name", NULL, "x", &error));
  g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_INVALID);
}

static void
test_async (Fixture       *fixture,
            gconstpointer  user_data)
{
  g_autoptr(GhSecretStore) store = open_store (GH_SECRET_BACKEND_AUTO, fixture->data_dir);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;
  GAsyncResult *slot = NULL;

  gh_secret_store_store_async (store, "admin-token", NULL, "async", NULL, gh_test_async_ready,
                               &slot);
  result = gh_test_async_wait (&slot);
  g_assert_true (gh_secret_store_store_finish (store, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  gh_secret_store_lookup_async (store, "admin-token", NULL, gh_test_async_ready, &slot);
  result = gh_test_async_wait (&slot);
  value = gh_secret_store_lookup_finish (store, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, "async");
  g_clear_object (&result);

  gh_secret_store_delete_async (store, "admin-token", NULL, gh_test_async_ready, &slot);
  result = gh_test_async_wait (&slot);
  g_assert_true (gh_secret_store_delete_finish (store, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);

  gh_secret_store_lookup_async (store, "admin-token", NULL, gh_test_async_ready, &slot);
  result = gh_test_async_wait (&slot);
  g_clear_pointer (&value, g_free);
  value = gh_secret_store_lookup_finish (store, result, &error);
  g_assert_no_error (error);
  g_assert_null (value);
}

static void
assert_unavailable_quickly (gint64  start,
                            GError *error)
{
  g_assert_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "is locked"));
  g_assert_cmpint (g_get_monotonic_time () - start, <, PROMPT_FREE_USEC);
}

/* Last: the login keyring stays locked afterwards (unlocking would need a prompt). */
static void
test_locked (Fixture       *fixture,
             gconstpointer  user_data)
{
  g_autoptr(GhSecretStore) store = open_store (GH_SECRET_BACKEND_AUTO, fixture->data_dir);
  g_autoptr(GhSecretStore) reopened = NULL;
  g_autoptr(SecretCollection) login = NULL;
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autolist(GObject) locked = NULL;
  GList *objects;
  GAsyncResult *slot = NULL;
  char *value;
  gint64 start;
  int n_locked;

  gh_test_store_secret (store, "admin-token", "before-lock");

  login = get_login_collection ();
  service = secret_service_get_sync (SECRET_SERVICE_NONE, NULL, &error);
  g_assert_no_error (error);
  objects = g_list_append (NULL, login);
  n_locked = secret_service_lock_sync (service, objects, NULL, &locked, &error);
  g_list_free (objects);
  g_assert_no_error (error);
  g_assert_cmpint (n_locked, ==, 1);

  start = g_get_monotonic_time ();
  value = gh_secret_store_lookup (store, "admin-token", &error);
  g_assert_null (value);
  assert_unavailable_quickly (start, error);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* Not stored, but the locked keyring might hold it: unavailable, not "missing". */
  start = g_get_monotonic_time ();
  value = gh_secret_store_lookup (store, "never-stored", &error);
  g_assert_null (value);
  assert_unavailable_quickly (start, error);
  g_clear_error (&error);

  start = g_get_monotonic_time ();
  g_assert_false (gh_secret_store_store (store, "admin-token", NULL, "while-locked", &error));
  assert_unavailable_quickly (start, error);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  start = g_get_monotonic_time ();
  g_assert_false (gh_secret_store_store (store, "new-name", NULL, "while-locked", &error));
  assert_unavailable_quickly (start, error);
  g_clear_error (&error);

  start = g_get_monotonic_time ();
  g_assert_false (gh_secret_store_delete (store, "admin-token", &error));
  assert_unavailable_quickly (start, error);
  g_clear_error (&error);

  start = g_get_monotonic_time ();
  gh_secret_store_lookup_async (store, "admin-token", NULL, gh_test_async_ready, &slot);
  result = gh_test_async_wait (&slot);
  value = gh_secret_store_lookup_finish (store, result, &error);
  g_assert_null (value);
  assert_unavailable_quickly (start, error);
  g_clear_error (&error);
  g_clear_object (&result);

  start = g_get_monotonic_time ();
  gh_secret_store_store_async (store, "admin-token", NULL, "x", NULL, gh_test_async_ready, &slot);
  result = gh_test_async_wait (&slot);
  g_assert_false (gh_secret_store_store_finish (store, result, &error));
  assert_unavailable_quickly (start, error);
  g_clear_error (&error);

  /* A locked keyring is still a keyring: AUTO does not fall back to the file. */
  reopened = open_store (GH_SECRET_BACKEND_AUTO, fixture->data_dir);
  start = g_get_monotonic_time ();
  value = gh_secret_store_lookup (reopened, "admin-token", &error);
  g_assert_null (value);
  assert_unavailable_quickly (start, error);
  g_clear_error (&error);

  g_assert_false (g_file_test (fixture->file_path, G_FILE_TEST_EXISTS));

  /* Nobody unlocked it behind our back (no prompt was answered). */
  g_clear_object (&login);
  login = get_login_collection ();
  g_assert_true (secret_collection_get_locked (login));
}

static void
test_not_in_test_keyring (void)
{
  g_test_skip ("run under tests/with-keyring.sh: these tests lock and fill the login keyring");
}

int
main (int   argc,
      char *argv[])
{
  const char *keyring_home = g_getenv ("GATEHOUSE_TEST_KEYRING_HOME");

  g_test_init (&argc, &argv, NULL);

  /* Never lock or fill a real user's keyring. */
  if (keyring_home == NULL || g_strcmp0 (keyring_home, g_get_home_dir ()) != 0)
    {
      g_test_add_func ("/core/secret/keyring/not-in-test-keyring", test_not_in_test_keyring);
      return g_test_run ();
    }

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, gh_test_secret_dir_setup, func, \
              gh_test_secret_dir_teardown)

  ADD ("/core/secret/keyring/auto-picks-keyring", test_auto_picks_keyring);
  ADD ("/core/secret/keyring/store-lookup-replace-delete", test_store_lookup_replace_delete);
  ADD ("/core/secret/keyring/replace-keeps-one-item", test_replace_keeps_one_item);
  ADD ("/core/secret/keyring/attributes", test_attributes);
  ADD ("/core/secret/keyring/separate-instances", test_separate_instances);
  ADD ("/core/secret/keyring/values", test_values);
  ADD ("/core/secret/keyring/async", test_async);
  ADD ("/core/secret/keyring/locked", test_locked);

#undef ADD

  return g_test_run ();
}
