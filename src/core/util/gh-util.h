/* gh-util.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define GH_UTIL_ERROR (gh_util_error_quark ())

/* Errors of the decoders below. Callers that face the network (JWS, HTTP bodies) re-wrap
 * these in their own domain; the message is safe to log but not meant for end users. */
typedef enum
{
  GH_UTIL_ERROR_INVALID_BASE64,
  GH_UTIL_ERROR_INVALID_JSON,
} GhUtilError;

/* Deepest nesting of arrays and objects gh_json_parse_object_strict() accepts. */
#define GH_JSON_MAX_DEPTH 32

GQuark       gh_util_error_quark          (void);

char        *gh_base64url_encode          (const guint8 *data,
                                           gsize         len);
guint8      *gh_base64url_decode          (const char   *text,
                                           gsize        *out_len,
                                           GError      **error);
guint8      *gh_base64url_decode_len      (const char   *text,
                                           gsize         text_len,
                                           gsize        *out_len,
                                           GError      **error);

void         gh_random_bytes              (guint8       *buf,
                                           gsize         len);
char        *gh_random_token              (gsize         nbytes);

void         gh_sha256                    (const void   *data,
                                           gsize         len,
                                           guint8        out[32]);
char        *gh_sha256_base64url          (const char   *text);
char        *gh_sha256_hex                (const char   *text);

gboolean     gh_constant_time_equal       (const char   *a,
                                           const char   *b);

JsonObject  *gh_json_parse_object_strict  (const char   *data,
                                           gsize         len,
                                           GError      **error);

/* What the server repeats of a client's input (audit columns and details, error
 * descriptions) is cut to these many bytes, on a UTF-8 boundary, with a marker. */
#define GH_REFLECT_MAX_VALUE        256
#define GH_REFLECT_MAX_DESCRIPTION  512

/* @text as valid UTF-8 (invalid bytes become U+FFFD) of at most @max_bytes, and when it was
 * longer, followed by "… (cut, N bytes)" where N is its full length. */
char        *gh_text_cut                  (const char   *text,
                                           gsize         max_bytes);

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
