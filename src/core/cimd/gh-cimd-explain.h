/* gh-cimd-explain.h — the explain object of a failed CIMD resolution, from its report
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "gh-cimd-report.h"

G_BEGIN_DECLS

/* The explain (gh-explain.h) of @report's first failing check, or NULL when nothing failed:
 * rule "cimd." and the check's id, "message" the check's, "expected" and "actual" what the
 * check compared, and "evidence", an object of what the fetch showed (the members that apply:
 * "url", "status_line", "content_type", "location", "bytes", "excerpt" with "sniff" — what
 * the first bytes look like, such as "HTML page" —, "resolved_addresses",
 * "connected_address", "timings_ms"). The rule cimd.project.cimd_enabled has the fix
 * set_setting cimd_enabled "true". */
JsonObject *gh_cimd_report_explain (GhCimdReport *report);

/* What the first bytes of a body look like, in words ("HTML page", "empty", "JSON array",
 * ...), or NULL when they say nothing. */
const char *gh_cimd_sniff          (const char   *data,
                                    gsize         len);

G_END_DECLS
