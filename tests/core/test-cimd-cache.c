/* test-cimd-cache.c — the TTL a CIMD response earns from its headers, within the project's bounds
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-cimd-resolver-private.h"

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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cimd-cache/compute-ttl", test_compute_ttl);

  return g_test_run ();
}
