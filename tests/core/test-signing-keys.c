/* test-signing-keys.c — key persistence across restarts, rotation, failing closed
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "gh-error.h"
#include "gh-jws.h"
#include "gh-server.h"
#include "gh-test-util.h"

typedef GhTestDir Fixture;

static GhServer *
start (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhServer) server = gh_server_new (fixture->dir, GH_SECRET_BACKEND_FILE,
                                              GH_SETTINGS_PROFILE_DEVELOPMENT, &error);

  g_assert_no_error (error);
  g_assert_true (gh_signing_keys_ensure (gh_server_get_signing_keys (server), GH_JWS_ALG_ES256,
                                         &error));
  g_assert_no_error (error);
  return g_steal_pointer (&server);
}

static char *
jwks_text (GhServer *server)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) jwks = gh_signing_keys_get_jwks (gh_server_get_signing_keys (server),
                                                         &error);
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  g_assert_no_error (error);
  json_node_set_object (node, jwks);
  return json_to_string (node, FALSE);
}

static guint
jwks_length (GhServer *server)
{
  g_autoptr(JsonObject) jwks = gh_signing_keys_get_jwks (gh_server_get_signing_keys (server), NULL);
  return json_array_get_length (json_object_get_array_member (jwks, "keys"));
}

static char *
sign_token (GhServer *server)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhJwk) key = gh_signing_keys_get_signing_key (gh_server_get_signing_keys (server),
                                                          &error);
  g_autoptr(JsonObject) header = json_object_new ();
  g_autoptr(GBytes) payload = g_bytes_new_static ("{\"sub\":\"dev\"}", 13);
  char *jws;

  g_assert_no_error (error);
  json_object_set_string_member (header, "typ", "at+jwt");
  jws = gh_jws_sign_compact (key, header, payload, &error);
  g_assert_no_error (error);
  return jws;
}

static GhJwk *
lookup_cb (const char *kid,
           GhJwsAlg    alg,
           gpointer    user_data)
{
  return gh_signing_keys_lookup (gh_server_get_signing_keys (user_data), kid);
}

static gboolean
verifies (GhServer   *server,
          const char *jws)
{
  return gh_jws_verify_compact (jws, lookup_cb, server, NULL, NULL, NULL);
}

static void
test_survives_restart (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GhServer) first = start (fixture);
  g_autoptr(GhServer) second = NULL;
  g_autofree char *jwks_before = jwks_text (first);
  g_autofree char *jwks_after = NULL;
  g_autofree char *token = sign_token (first);
  g_autoptr(GPtrArray) keys = NULL;

  g_assert_true (verifies (first, token));
  g_clear_object (&first);

  /* A new process on the same data dir: the same keys, no new one. */
  second = start (fixture);
  jwks_after = jwks_text (second);
  g_assert_cmpstr (jwks_before, ==, jwks_after);
  keys = gh_signing_keys_list (gh_server_get_signing_keys (second), NULL);
  g_assert_cmpuint (keys->len, ==, 1);
  g_assert_true (verifies (second, token));

  /* A tampered token does not. */
  {
    g_autofree char *tampered = g_strdup (token);
    char *dot = strchr (tampered, '.');
    dot[1] = dot[1] == 'A' ? 'B' : 'A';
    g_assert_false (verifies (second, tampered));
  }
}

static void
test_rotation (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GhServer) server = start (fixture);
  GhSigningKeys *keys = gh_server_get_signing_keys (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhJwk) old_key = gh_signing_keys_get_signing_key (keys, &error);
  g_autofree char *old_kid = g_strdup (gh_jwk_get_kid (old_key));
  g_autofree char *old_token = sign_token (server);
  g_autofree char *next_kid = NULL;
  g_autofree char *now_kid = NULL;
  g_autoptr(GhJwk) signing = NULL;
  g_autoptr(GPtrArray) list = NULL;

  /* Published at once, signing only later. */
  next_kid = gh_signing_keys_rotate (keys, GH_JWS_ALG_RS256, 3600, 900, "test", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (next_kid, !=, old_kid);
  g_assert_cmpuint (jwks_length (server), ==, 2);
  signing = gh_signing_keys_get_signing_key (keys, &error);
  g_assert_cmpstr (gh_jwk_get_kid (signing), ==, old_kid);
  g_clear_object (&signing);
  {
    g_autoptr(GhJwk) published = gh_signing_keys_lookup (keys, next_kid);
    g_assert_nonnull (published);
    g_assert_cmpint (gh_jwk_get_alg (published), ==, GH_JWS_ALG_RS256);
    g_assert_false (gh_jwk_has_private (published));
  }

  /* Rotating again with no delay: that key signs now; the earlier ones stay published for
   * the lifetime of the tokens they signed. */
  now_kid = gh_signing_keys_rotate (keys, GH_JWS_ALG_ES256, 0, 900, "test", &error);
  g_assert_no_error (error);
  signing = gh_signing_keys_get_signing_key (keys, &error);
  g_assert_cmpstr (gh_jwk_get_kid (signing), ==, now_kid);
  g_assert_cmpuint (jwks_length (server), ==, 3);
  g_assert_true (verifies (server, old_token));

  list = gh_signing_keys_list (keys, NULL);
  g_assert_cmpuint (list->len, ==, 3);
  for (guint i = 0; i < list->len; i++)
    {
      GhSigningKeyInfo *info = g_ptr_array_index (list, i);
      if (g_str_equal (info->kid, now_kid))
        g_assert_cmpint (info->expires_at, ==, 0);
      else
        g_assert_cmpint (info->expires_at, >, info->retired_at);
    }

  /* The key that was pending (never signed) and the first key both stop signing; nothing
   * makes the pending key sign later. */
  g_clear_pointer (&list, g_ptr_array_unref);
  list = gh_signing_keys_list (keys, NULL);
  for (guint i = 0; i < list->len; i++)
    {
      GhSigningKeyInfo *info = g_ptr_array_index (list, i);
      g_assert_true (info->signing == g_str_equal (info->kid, now_kid));
      g_assert_true (info->published);
    }
}

static void
test_rotation_without_overlap (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GhServer) server = start (fixture);
  GhSigningKeys *keys = gh_server_get_signing_keys (server);
  g_autoptr(GError) error = NULL;
  g_autofree char *old_token = sign_token (server);
  g_autofree char *kid = NULL;

  /* With a zero token lifetime the replaced key leaves JWKS at once, and its tokens stop
   * verifying. */
  kid = gh_signing_keys_rotate (keys, GH_JWS_ALG_ES256, 0, 0, "test", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (jwks_length (server), ==, 1);
  g_assert_false (verifies (server, old_token));
  {
    g_autofree char *new_token = sign_token (server);
    g_assert_true (verifies (server, new_token));
  }
}

static void
test_fails_closed (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GhServer) server = start (fixture);
  g_autoptr(GhServer) restarted = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *secrets = g_build_filename (fixture->dir, "secrets.ini", NULL);
  g_autoptr(GPtrArray) keys = NULL;
  g_autoptr(GhJwk) key = NULL;

  g_clear_object (&server);

  /* The private parts are gone (a wiped keyring, a lost file): no silent new key. */
  g_assert_cmpint (g_unlink (secrets), ==, 0);
  restarted = gh_server_new (fixture->dir, GH_SECRET_BACKEND_FILE, GH_SETTINGS_PROFILE_DEVELOPMENT,
                             &error);
  g_assert_no_error (error);
  g_assert_false (gh_signing_keys_ensure (gh_server_get_signing_keys (restarted), GH_JWS_ALG_ES256,
                                          &error));
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_TEMPORARILY_UNAVAILABLE);
  g_assert_cmpuint (gh_oauth_error_http_status (gh_oauth_error_from_gerror (error)), ==, 503);
  g_clear_error (&error);

  key = gh_signing_keys_get_signing_key (gh_server_get_signing_keys (restarted), &error);
  g_assert_null (key);
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_TEMPORARILY_UNAVAILABLE);

  keys = gh_signing_keys_list (gh_server_get_signing_keys (restarted), NULL);
  g_assert_cmpuint (keys->len, ==, 1);
  /* The public key is still published, so tokens already issued still verify elsewhere. */
  g_assert_cmpuint (jwks_length (restarted), ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, gh_test_dir_setup, func, gh_test_dir_teardown)

  ADD ("/core/signing-keys/survive-restart", test_survives_restart);
  ADD ("/core/signing-keys/rotation", test_rotation);
  ADD ("/core/signing-keys/rotation-without-overlap", test_rotation_without_overlap);
  ADD ("/core/signing-keys/fail-closed", test_fails_closed);

  return g_test_run ();
}
