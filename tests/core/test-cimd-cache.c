/* test-cimd-cache.c — the TTL a CIMD response earns, and the room the JWK Set cache makes
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-cimd-resolver-private.h"
#include "gh-test-util.h"
#include "gh-time.h"

/* Bounds of every row: at least 60 s, at most a day, 300 s when the headers say nothing. */
static const struct {
  const char *cache_control;
  const char *age;
  const char *date;
  const char *expires;
  gint64 ttl;
  gboolean no_store;
  const char *why;  /* a part of the reason */
} ttl_rows[] = {
  { NULL, NULL, NULL, NULL, 300, FALSE, "the default cimd_cache_default_s = 300 s" },
  { "max-age=600", NULL, NULL, NULL, 600, FALSE, "max-age=600" },
  { "max-age=600", "100", NULL, NULL, 500, FALSE, "max-age=600 minus Age 100 = 500" },
  { "max-age=600", "900", NULL, NULL, 60, FALSE, "raised to the 60 s minimum" },
  { "max-age=10", NULL, NULL, NULL, 60, FALSE, "raised to the 60 s minimum (cimd_cache_min_s)" },
  { "max-age=0", NULL, NULL, NULL, 60, FALSE, "raised to the 60 s minimum" },
  { "max-age=999999", NULL, NULL, NULL, 86400, FALSE, "clamped to 86400 max (cimd_cache_max_s)" },
  { "max-age=99999999999999999999", NULL, NULL, NULL, 86400, FALSE, "clamped to 86400 max" },
  { "max-age=-5", NULL, NULL, NULL, 300, FALSE, "no cache headers" },
  { "public, max-age=600, s-maxage=5", NULL, NULL, NULL, 600, FALSE, "s-maxage ignored" },
  { "no-store, max-age=600", NULL, NULL, NULL, 0, TRUE, "no-store" },
  { "no-cache", NULL, NULL, NULL, 0, FALSE, "no-cache" },
  { NULL, NULL, "Thu, 03 Dec 2026 10:00:00 GMT", "Thu, 03 Dec 2026 10:20:00 GMT", 1200, FALSE,
    "Expires - Date = 1200 s" },
  { NULL, NULL, "Thu, 03 Dec 2026 10:00:00 GMT", "Thu, 03 Dec 2026 09:00:00 GMT", 60, FALSE,
    "Expires - Date = 0 s raised to the 60 s minimum" },
  { NULL, NULL, NULL, "0", 60, FALSE, "Expires - now = 0 s raised" },
  { "max-age=120", NULL, NULL, "Thu, 03 Dec 2026 09:00:00 GMT", 120, FALSE, "max-age=120" },
};

static void
test_compute_ttl (void)
{
  g_autoptr(GhProjectSettings) settings = gh_project_settings_new (GH_SETTINGS_PROFILE_PRODUCTION);

  settings->cimd_cache_min_s = 60;
  settings->cimd_cache_max_s = 86400;
  settings->cimd_cache_default_s = 300;

  for (guint i = 0; i < G_N_ELEMENTS (ttl_rows); i++)
    {
      g_autoptr(SoupMessageHeaders) headers =
        soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
      g_autofree char *why = NULL;
      gboolean no_store = !ttl_rows[i].no_store;
      gint64 ttl;

      if (ttl_rows[i].cache_control != NULL)
        soup_message_headers_append (headers, "Cache-Control", ttl_rows[i].cache_control);
      if (ttl_rows[i].age != NULL)
        soup_message_headers_append (headers, "Age", ttl_rows[i].age);
      if (ttl_rows[i].date != NULL)
        soup_message_headers_append (headers, "Date", ttl_rows[i].date);
      if (ttl_rows[i].expires != NULL)
        soup_message_headers_append (headers, "Expires", ttl_rows[i].expires);

      ttl = _gh_cimd_cache_compute_ttl (headers, settings, &no_store, &why);
      g_test_message ("row %u: %" G_GINT64_FORMAT " s, %s", i, ttl, why);
      g_assert_cmpint (ttl, ==, ttl_rows[i].ttl);
      g_assert_cmpint (no_store, ==, ttl_rows[i].no_store);
      g_assert_nonnull (strstr (why, ttl_rows[i].why));
    }
}

static char *
jwks_key (guint i)
{
  return g_strdup_printf ("jwks 1 https://k%u.example/jwks.json", i);
}

static gboolean
jwks_cached (GhCimdResolver *resolver,
             guint           i)
{
  g_autofree char *key = jwks_key (i);

  return g_hash_table_contains (resolver->jwks_cache, key);
}

static void
put_jwks (GhCimdResolver *resolver,
          guint           i,
          JsonObject     *jwks,
          gint64          ttl_s)
{
  g_autofree char *key = jwks_key (i);

  _gh_cimd_cache_put_jwks (resolver, key, jwks, ttl_s, FALSE);
}

/* A full cache drops what expired, else the set closest to expiring; a replaced set takes no
 * room. */
static void
test_jwks_cache_makes_room (void)
{
  const guint max = GH_CIMD_JWKS_CACHE_MAX_ENTRIES;
  g_autofree char *dir = gh_test_make_tmp_dir ("cimd-cache");
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStore) store = gh_store_open (dir, &error);
  g_autoptr(GhAudit) audit = NULL;
  g_autoptr(GhCimdResolver) resolver = NULL;
  g_autoptr(JsonObject) jwks = json_object_new ();
  GhCimdJwksEntry *entry;
  gint64 before = gh_now_seconds ();

  g_assert_no_error (error);
  audit = gh_audit_new (store);
  resolver = gh_cimd_resolver_new (store, audit, NULL);
  json_object_set_array_member (jwks, "keys", json_array_new ());

  /* Full, every set fresh: k7 expires first, so it goes. */
  for (guint i = 0; i < max; i++)
    put_jwks (resolver, i, jwks, i == 7 ? 60 : 600 + i);
  g_assert_cmpuint (g_hash_table_size (resolver->jwks_cache), ==, max);
  _gh_cimd_cache_put_jwks (resolver, "jwks 1 https://forced.example/jwks.json", jwks, 300, TRUE);
  g_assert_cmpuint (g_hash_table_size (resolver->jwks_cache), ==, max);
  g_assert_false (jwks_cached (resolver, 7));
  g_assert_true (jwks_cached (resolver, 6));
  g_assert_true (jwks_cached (resolver, 8));
  entry = g_hash_table_lookup (resolver->jwks_cache, "jwks 1 https://forced.example/jwks.json");
  g_assert_nonnull (entry);
  g_assert_true (entry->jwks == jwks);
  g_assert_cmpint (entry->expires_at, >=, before + 300);
  g_assert_cmpint (entry->expires_at, <=, gh_now_seconds () + 300);
  g_assert_cmpint (entry->forced_at, >=, before);

  /* Replacing a set already there drops nothing. */
  put_jwks (resolver, 8, jwks, 900);
  g_assert_cmpuint (g_hash_table_size (resolver->jwks_cache), ==, max);
  g_assert_true (jwks_cached (resolver, 9));
  entry = g_hash_table_lookup (resolver->jwks_cache, "jwks 1 https://k8.example/jwks.json");
  g_assert_cmpint (entry->forced_at, ==, 0);

  /* Two sets expired: both go for the next new one, and nothing fresh does. */
  put_jwks (resolver, 1, jwks, 0);
  put_jwks (resolver, 2, jwks, 0);
  put_jwks (resolver, max, jwks, 600);
  g_assert_cmpuint (g_hash_table_size (resolver->jwks_cache), ==, max - 1);
  g_assert_false (jwks_cached (resolver, 1));
  g_assert_false (jwks_cached (resolver, 2));
  g_assert_true (jwks_cached (resolver, 3));
  g_assert_true (jwks_cached (resolver, max));

  g_clear_object (&resolver);
  g_clear_object (&audit);
  g_clear_object (&store);
  gh_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cimd-cache/compute-ttl", test_compute_ttl);
  g_test_add_func ("/cimd-cache/jwks-makes-room", test_jwks_cache_makes_room);

  return g_test_run ();
}
