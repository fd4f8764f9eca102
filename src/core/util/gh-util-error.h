/* gh-util-error.h — the error domain of the decoders in util/ (base64url, strict JSON)
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GH_UTIL_ERROR (gh_util_error_quark ())

/* Errors of the decoders in gh-base64url.h and gh-json.h. Callers that face the network (JWS,
 * HTTP bodies) re-wrap these in their own domain; the message is safe to log but not meant for
 * end users. */
typedef enum
{
  GH_UTIL_ERROR_INVALID_BASE64,
  GH_UTIL_ERROR_INVALID_JSON,
} GhUtilError;

GQuark       gh_util_error_quark          (void);

G_END_DECLS
