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

/* application/x-www-form-urlencoded parameters (a query string or a form body), keeping
 * repeated names: OAuth refuses most parameters sent twice. */
typedef struct _GhForm GhForm;

GhForm     *gh_form_parse          (const char   *text,
                                    gsize         length,
                                    GError      **error);
void        gh_form_free           (GhForm       *form);
/* The first value of @name, or NULL. */
const char *gh_form_get            (GhForm       *form,
                                    const char   *name);
guint       gh_form_count          (GhForm       *form,
                                    const char   *name);
/* Every value of @name, in order (NULL-terminated, owned by @form; never NULL). */
const char * const *gh_form_get_all (GhForm      *form,
                                    const char   *name);
/* The first name that appears more than once, other than those in @allowed; NULL if none. */
const char *gh_form_find_repeated  (GhForm       *form,
                                    const char * const *allowed);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhForm, gh_form_free)

/* The request body when its Content-Type is form-urlencoded and it is at most @max_bytes;
 * otherwise answers the request itself (400 / 413) and returns NULL. */
GhForm     *gh_http_read_form_body (SoupServerMessage *msg,
                                    gsize              max_bytes);
/* The raw query string's parameters (an empty form when there is none). NULL when it is
 * not valid percent-encoding; the request is then answered with 400. */
GhForm     *gh_http_read_query     (SoupServerMessage *msg);

/* While a message is paused libsoup reads nothing from its connection and so would not see
 * the peer leave: this watches the socket (and "finished") and cancels @cancellable when the
 * peer has gone. */
typedef struct _GhHttpPeerWatch GhHttpPeerWatch;

GhHttpPeerWatch *gh_http_watch_peer      (SoupServerMessage *msg,
                                          GCancellable      *cancellable);
void             gh_http_peer_watch_free (GhHttpPeerWatch   *watch);
/* After the watch cancelled: lets libsoup release a paused message nobody will read. */
void             gh_http_peer_watch_release (GhHttpPeerWatch *watch);

G_END_DECLS
