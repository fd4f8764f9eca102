/* gh-http.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Permissive CORS for the public endpoints a browser client (the MCP Inspector) calls. */
void     gh_http_allow_cors         (SoupServerMessage *msg);
/* Answers an OPTIONS preflight for an endpoint that accepts @methods. */
void     gh_http_answer_preflight   (SoupServerMessage *msg,
                                     const char        *methods);
void     gh_http_set_no_store       (SoupServerMessage *msg);

/* Sends @object as JSON. With @etag_cache_control set, adds a strong ETag of the body and
 * answers 304 when the request's If-None-Match has it. */
void     gh_http_send_json          (SoupServerMessage *msg,
                                     guint              status,
                                     JsonObject        *object,
                                     const char        *etag_cache_control);
/* Sends {"error", "error_description"} with the status the error table gives @error. */
void     gh_http_send_error         (SoupServerMessage *msg,
                                     const GError      *error);
void     gh_http_send_oauth_error   (SoupServerMessage *msg,
                                     int                code,
                                     const char        *description);
gboolean gh_http_method_is          (SoupServerMessage *msg,
                                     const char        *method);

G_END_DECLS
