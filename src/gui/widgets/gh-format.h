/* gh-format.h — durations, instants, relative times and explain rules in words, the same on
 * every page
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A duration for people, as precise as its size deserves: "850 µs", "2.2 ms", "340 ms",
 * "1.6 s", "3 min 2 s", "2 h 5 min". Free it. */
char *gh_format_duration   (gint64      us);
/* When @time is, seen from @now (both µs since the epoch), for people. Rough (a list's age):
 * "now" within 5 s, "12 s ago", "4 min ago", "3 h ago", then the day ("3 Dec", "3 Dec 2025");
 * "in 4 min" ahead. Precise (a countdown to watch tick): "in 4 min 12 s", "2 h 5 min ago",
 * "in 3 days". Free it. */
char *gh_format_relative   (gint64      time,
                            gint64      now,
                            gboolean    precise);
/* An instant (µs since the epoch) in local time to the microsecond: "14:03:27.675 179". */
char *gh_format_time       (gint64      us);
/* An explain rule in words: "redirect_uri.mismatch" -> "redirect URI mismatch", with
 * @component (the part that differs, or NULL) after it: "redirect URI mismatch (port)". */
char *gh_format_rule_words (const char *rule,
                            const char *component);

G_END_DECLS
