/* gh-format.c — durations, instants, relative times and explain rules in words, the same on
 * every page
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <glib/gi18n.h>

#include "gh-format.h"

char *
gh_format_duration (gint64 us)
{
  us = MAX (us, 0);
  if (us < 1000)
    /* Translators: a duration in microseconds */
    return g_strdup_printf (_("%" G_GINT64_FORMAT " µs"), us);
  if (us < 10 * 1000)
    /* Translators: a duration in milliseconds, with one decimal */
    return g_strdup_printf (_("%.1f ms"), us / 1000.0);
  if (us < G_USEC_PER_SEC)
    /* Translators: a duration in milliseconds */
    return g_strdup_printf (_("%" G_GINT64_FORMAT " ms"), (us + 500) / 1000);
  if (us < 60 * G_USEC_PER_SEC)
    /* Translators: a duration in seconds, with one decimal */
    return g_strdup_printf (_("%.1f s"), us / (double) G_USEC_PER_SEC);
  if (us < (gint64) 3600 * G_USEC_PER_SEC)
    {
      gint64 s = (us + G_USEC_PER_SEC / 2) / G_USEC_PER_SEC;

      /* Translators: a duration in minutes and seconds */
      return g_strdup_printf (_("%" G_GINT64_FORMAT " min %" G_GINT64_FORMAT " s"),
                              s / 60, s % 60);
    }
  else
    {
      gint64 m = (us + 30 * G_USEC_PER_SEC) / (60 * G_USEC_PER_SEC);

      /* Translators: a duration in hours and minutes */
      return g_strdup_printf (_("%" G_GINT64_FORMAT " h %" G_GINT64_FORMAT " min"),
                              m / 60, m % 60);
    }
}

/* @span seconds (not negative) in words: "12 s", "4 min 12 s" or "4 min", ... */
static char *
span_text (gint64   span,
           gboolean precise)
{
  if (span < 60)
    return g_strdup_printf (_("%d s"), (int) span);
  if (span < 3600)
    return precise ? g_strdup_printf (_("%d min %d s"), (int) (span / 60), (int) (span % 60))
                   : g_strdup_printf (_("%d min"), (int) (span / 60));
  if (span < (precise ? 2 : 1) * 86400)
    return precise ? g_strdup_printf (_("%d h %d min"), (int) (span / 3600),
                                      (int) (span % 3600 / 60))
                   : g_strdup_printf (_("%d h"), (int) (span / 3600));
  return g_strdup_printf (_("%d days"), (int) (span / 86400));
}

char *
gh_format_relative (gint64   time,
                    gint64   now,
                    gboolean precise)
{
  gint64 span = ABS (time - now) / G_USEC_PER_SEC;
  g_autofree char *words = NULL;

  if (!precise && span < 5)
    return g_strdup (_("now"));
  if (!precise && time < now && span >= 86400)
    {
      g_autoptr(GDateTime) then = g_date_time_new_from_unix_local (time / G_USEC_PER_SEC);
      g_autoptr(GDateTime) today = g_date_time_new_from_unix_local (now / G_USEC_PER_SEC);

      if (then == NULL || today == NULL)
        return g_strdup ("?");
      /* Translators: a day this year, "3 Dec"; then one of another year, "3 Dec 2025" */
      return g_date_time_format (then, g_date_time_get_year (then) ==
                                       g_date_time_get_year (today) ? _("%-e %b") : _("%-e %b %Y"));
    }
  words = span_text (span, precise);
  /* Translators: "in 5 min 3 s" / "5 min 3 s ago" */
  return time >= now ? g_strdup_printf (_("in %s"), words) : g_strdup_printf (_("%s ago"), words);
}

char *
gh_format_time (gint64 us)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (us / G_USEC_PER_SEC);
  g_autofree char *clock = NULL;
  gint64 fraction = us % G_USEC_PER_SEC;

  if (time == NULL)
    return g_strdup ("?");
  clock = g_date_time_format (time, "%H:%M:%S");
  return g_strdup_printf ("%s.%03d %03d", clock, (int) (fraction / 1000), (int) (fraction % 1000));
}

char *
gh_format_rule_words (const char *rule,
                      const char *component)
{
  static const char * const acronyms[] = { "uri", "cimd", "pkce", "url", "iat", "jwt", "dcr",
                                           "jwks", NULL };
  g_autoptr(GString) words = g_string_new (NULL);
  g_auto(GStrv) parts = NULL;

  g_return_val_if_fail (rule != NULL, NULL);

  parts = g_strsplit_set (rule, "._", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *upper = g_ascii_strup (parts[i], -1);

      if (words->len > 0)
        g_string_append_c (words, ' ');
      g_string_append (words, g_strv_contains (acronyms, parts[i]) ? upper : parts[i]);
    }
  if (component != NULL)
    /* Translators: "redirect URI mismatch (port)": a rule and the part that differs */
    return g_strdup_printf (_("%s (%s)"), words->str, component);
  return g_string_free (g_steal_pointer (&words), FALSE);
}
