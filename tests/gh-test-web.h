/* gh-test-web.h — a web host on 127.0.0.1 for the documents and key sets tests publish
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef enum
{
  GH_TEST_ROUTE_NORMAL,
  GH_TEST_ROUTE_SLOW,     /* one byte every 200 ms */
  GH_TEST_ROUTE_ENDLESS,  /* "{" then a space every 50 ms, forever */
  GH_TEST_ROUTE_DELAY,    /* the answer after 150 ms */
  GH_TEST_ROUTE_HELD,     /* the answer waits in GhTestWeb.held until the test unpauses it */
} GhTestRouteMode;

typedef struct
{
  guint status;
  char *content_type;
  GBytes *body;
  char **headers;     /* name, value, name, value, ... */
  char *etag;         /* If-None-Match with this gets a 304 */
  GhTestRouteMode mode;
  guint count;
  guint not_modified;
} GhTestRoute;

typedef struct
{
  SoupServer *server;
  guint port;
  GHashTable *routes;   /* path -> GhTestRoute */
  guint requests;
  guint current;
  guint max_current;
  guint streaming;      /* messages still being answered slowly */
  GPtrArray *held;      /* SoupServerMessage: GH_TEST_ROUTE_HELD answers, paused */
} GhTestWeb;

/* Listens on 127.0.0.1, port 0: HTTPS with @certificate, else HTTP. Unknown paths get a 404; a
 * route's etag answers a matching If-None-Match with a 304. */
GhTestWeb   *gh_test_web_new          (GTlsCertificate *certificate);
/* Unpauses what is held, lets slow answers see their client go, and stops. */
void         gh_test_web_free         (GhTestWeb       *web);
/* Sets (or replaces, keeping its counts) the answer at @path: @status, @content_type and @body
 * (NULL: none), then name, value header pairs up to a NULL. */
GhTestRoute *gh_test_web_route        (GhTestWeb       *web,
                                       const char      *path,
                                       guint            status,
                                       const char      *content_type,
                                       const char      *body,
                                       ...) G_GNUC_NULL_TERMINATED;
GhTestRoute *gh_test_web_route_valist (GhTestWeb       *web,
                                       const char      *path,
                                       guint            status,
                                       const char      *content_type,
                                       const char      *body,
                                       va_list          headers);
/* One more header on the answer at @route. */
void         gh_test_route_add_header (GhTestRoute     *route,
                                       const char      *name,
                                       const char      *value);
/* How many requests reached @path's route (0 when there is none). */
guint        gh_test_web_hits         (GhTestWeb       *web,
                                       const char      *path);

G_END_DECLS
