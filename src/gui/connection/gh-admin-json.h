/* gh-admin-json.h — members of the admin API's answers, read without trusting their types
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Each takes a NULL @object, and answers NULL / 0 / FALSE / @fallback when the member is
 * missing or of another type: a server's answer is read, never believed. */
const char *gh_json_string (JsonObject *object,
                            const char *member);
gint64      gh_json_int    (JsonObject *object,
                            const char *member);
gint64      gh_json_int_or (JsonObject *object,
                            const char *member,
                            gint64      fallback);
gboolean    gh_json_bool   (JsonObject *object,
                            const char *member);
JsonObject *gh_json_object (JsonObject *object,
                            const char *member);
JsonArray  *gh_json_array  (JsonObject *object,
                            const char *member);
/* A JSON value as a token or an answer holds it, for a person: a string without quotes,
 * anything else as JSON ("" for NULL). */
char       *gh_json_node_text (JsonNode *node);

G_END_DECLS
