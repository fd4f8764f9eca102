/* gh-jws.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "gh-jwk.h"

G_BEGIN_DECLS

/* Longest compact JWS gh_jws_verify_compact() looks at. */
#define GH_JWS_MAX_LENGTH (256 * 1024)

/* Finds the key for a JWS header. @kid is %NULL when the header has none; @alg is
 * always ES256 or RS256. Returns a new reference, or %NULL for "no such key". */
typedef GhJwk *(*GhJwsKeyLookup) (const char *kid,
                                  GhJwsAlg    alg,
                                  gpointer    user_data);

char        *gh_jws_sign_compact             (GhJwk           *key,
                                              JsonObject      *extra_header,
                                              GBytes          *payload,
                                              GError         **error);

gboolean     gh_jws_verify_compact           (const char      *jws,
                                              GhJwsKeyLookup   lookup,
                                              gpointer         user_data,
                                              JsonObject     **out_header,
                                              GBytes         **out_payload,
                                              GError         **error);
gboolean     gh_jws_verify_compact_with_key  (const char      *jws,
                                              GhJwk           *key,
                                              JsonObject     **out_header,
                                              GBytes         **out_payload,
                                              GError         **error);

JsonObject  *gh_jws_parse_json_object        (GBytes          *bytes,
                                              GError         **error);

G_END_DECLS
