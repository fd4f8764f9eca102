/* gh-test-util.h — helpers shared by the test programs
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* A fresh temporary directory; gh_test_remove_tree() deletes it and everything in it. */
char    *gh_test_make_tmp_dir  (const char *name);
void     gh_test_remove_tree   (const char *path);

/* Iterates the default main context until *@flag is TRUE or @timeout_ms passes. */
gboolean gh_test_wait_for      (const gboolean *flag,
                                guint           timeout_ms);

/* One HTTP exchange, run on the default main context (the server under test shares it). */
typedef struct
{
  guint               status;
  SoupMessageHeaders *headers;
  GBytes             *body;
} GhTestResponse;

void            gh_test_response_free   (GhTestResponse *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhTestResponse, gh_test_response_free)

/* @request_headers: NULL-terminated name, value pairs; @content_type/@body may be NULL. */
GhTestResponse *gh_test_http            (SoupSession        *session,
                                         const char         *method,
                                         const char         *url,
                                         const char * const *request_headers,
                                         const char         *content_type,
                                         const char         *body);
/* The body parsed as a JSON object (asserts it is one). */
JsonObject     *gh_test_response_json   (GhTestResponse     *response);
const char     *gh_test_response_header (GhTestResponse     *response,
                                         const char         *name);

G_END_DECLS
