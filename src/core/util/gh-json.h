/* gh-json.h — the strict JSON reader, the one JSON writer, typed getters
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "gh-util-error.h"

G_BEGIN_DECLS

/* Deepest nesting of arrays and objects gh_json_parse_object_strict() accepts. */
#define GH_JSON_MAX_DEPTH 32

JsonObject  *gh_json_parse_object_strict  (const char   *data,
                                           gsize         len,
                                           GError      **error);

/* Writing JSON: the only writer (json-glib 1.6 leaves control characters unescaped and copies
 * invalid UTF-8). Control characters are escaped, invalid UTF-8 becomes U+FFFD. */
char        *gh_json_to_string            (JsonNode     *node,
                                           gboolean      pretty);
char        *gh_json_object_to_string     (JsonObject   *object,
                                           gboolean      pretty);

/* Reading JSON someone else wrote: NULL (or FALSE) unless the member really is a string (an
 * integer). json-glib's own getters raise a critical on the wrong type. */
const char  *gh_json_get_string           (JsonObject   *object,
                                           const char   *member);
gboolean     gh_json_get_int              (JsonObject   *object,
                                           const char   *member,
                                           gint64       *out);
const char  *gh_json_array_get_string     (JsonArray    *array,
                                           guint         index);

/* A JSON array of the strings of @strv (NULL: an empty array). */
JsonArray   *gh_json_array_from_strv      (char        **strv);
/* The same, as JSON text, for a TEXT column. */
char        *gh_json_text_from_strv       (char        **strv);
/* The strings of a JSON array's text; non-strings and unparsable text give fewer (or none). */
char       **gh_strv_from_json_text       (const char   *text);

G_END_DECLS
