/* gh-http.h — request and response helpers the handlers share
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "gh-form.h"

G_BEGIN_DECLS

/* Permissive CORS for the public endpoints a browser client (the MCP Inspector) calls:
 * Access-Control-Allow-Origin *, never credentials. */
void     gh_http_allow_cors         (SoupServerMessage *msg);
/* Answers an OPTIONS preflight for an endpoint that accepts @methods: the request headers
 * the preflight names (Access-Control-Request-Headers, when it is a valid token list) are
 * allowed, with Vary on the request headers the answer depends on. */
void     gh_http_answer_preflight   (SoupServerMessage *msg,
                                     const char        *methods);
/* Does the request's Accept name text/html (a browser navigating)? */
gboolean gh_http_accepts_html       (SoupServerMessage *msg);
void     gh_http_set_no_store       (SoupServerMessage *msg);

/* Sends @object as JSON. With @etag_cache_control set, adds a strong ETag of the body and
 * answers 304 when the request's If-None-Match has it. */
void     gh_http_send_json          (SoupServerMessage *msg,
                                     guint              status,
                                     JsonObject        *object,
                                     const char        *etag_cache_control);
/* The body and strong ETag gh_http_send_json() would send for @object. */
char    *gh_http_json_body          (JsonObject        *object,
                                     char             **out_etag);
/* Sends a JSON body made before (a cached one) with its ETag, as gh_http_send_json() does. */
void     gh_http_send_json_body     (SoupServerMessage *msg,
                                     guint              status,
                                     const char        *body,
                                     const char        *etag,
                                     const char        *cache_control);
/* Sends {"error", "error_description"} with the status the error table gives @error. */
void     gh_http_send_error         (SoupServerMessage *msg,
                                     const GError      *error);
void     gh_http_send_oauth_error   (SoupServerMessage *msg,
                                     int                code,
                                     const char        *description);
gboolean gh_http_method_is          (SoupServerMessage *msg,
                                     const char        *method);

/* The request body when its Content-Type is form-urlencoded and it is at most @max_bytes;
 * otherwise answers the request itself (400 / 413) and returns NULL. */
GhForm     *gh_http_read_form_body (SoupServerMessage *msg,
                                    gsize              max_bytes);
/* The raw query string's parameters (an empty form when there is none). NULL when it is
 * not valid percent-encoding; the request is then answered with 400. */
GhForm     *gh_http_read_query     (SoupServerMessage *msg);

G_END_DECLS
