/* gh-compat.h — can each known MCP client family complete a flow with a project's settings:
 * the families' behaviour as the team's SPEC-NOTES.md records it, judged requirement by
 * requirement, with the fix for what fails
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "gh-projects.h"

G_BEGIN_DECLS

/* The client families judged, in the order the answer lists them ("claude-code", "cursor",
 * "vscode", "mcp-typescript-sdk", "mcp-inspector"), NULL-terminated. */
const char * const *gh_compat_list_families (void);

/* { "project", "settings": {the settings judged}, "clients": [{ "family", "name",
 *   "verdict": "ok" | "warning" | "blocked", "summary", "behaviour": {...},
 *   "requirements": [{ "id", "title", "result": "pass" | "fail" | "warn" | "unknown",
 *                      "message", "source", "fix": {...} | null }],
 *   "fixes": [{...}] }] }
 * A fail blocks, a warn warns, an unknown (behaviour the notes do not record) only informs.
 * @n_resources: how many resources @project lists (resource_policy "listed" accepts only
 * those). */
JsonObject         *gh_compat_evaluate      (const GhProject *project,
                                             guint            n_resources);

G_END_DECLS
