/* gh-admin-events.h — GET /admin/v1/events: audit events as they commit, over a WebSocket or
 * as Server-Sent Events, each consumer behind a bounded queue
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-server.h"

G_BEGIN_DECLS

/* What one consumer may have waiting to be sent at most: beyond either, it gets a "gap" and
 * is closed. */
#define GH_ADMIN_EVENTS_MAX_QUEUED_MESSAGES 1000
#define GH_ADMIN_EVENTS_MAX_QUEUED_BYTES (1024 * 1024)
/* A ping (WebSocket) or a comment line (SSE) this often, in milliseconds. */
#define GH_ADMIN_EVENTS_KEEPALIVE_MS (30 * 1000)
/* Event streams open at once; one more is refused (503). */
#define GH_ADMIN_EVENTS_MAX_STREAMS 64
/* The WebSocket close code of a consumer that fell behind. */
#define GH_ADMIN_EVENTS_CLOSE_TOO_SLOW 4000
/* The WebSocket close code of a stream whose admin token was revoked or expired: at once for
 * a revocation through the admin API, else at the next keepalive. */
#define GH_ADMIN_EVENTS_CLOSE_UNAUTHORIZED 4001

/* For tests: other limits than the defaults above, and stored events read per replay step
 * (200), 0 meaning the default; for the streams opened after the call. */
void gh_admin_events_set_limits (GhServer *server,
                                 guint     max_messages,
                                 gsize     max_bytes,
                                 guint     keepalive_ms,
                                 guint     replay_page);

/* For tests: while @hold, the reads of stored events wait before they start (what commits
 * meanwhile is both read and told live: the stream must send it once). */
void gh_admin_events_hold_replay (gboolean  hold);

typedef struct
{
  guint streams;     /* open now */
  gsize peak_bytes;  /* the most one stream ever had queued, framing included */
  guint gaps;        /* consumers closed for falling behind */
} GhAdminEventsStats;

void gh_admin_events_get_stats  (GhServer           *server,
                                 GhAdminEventsStats *stats);

G_END_DECLS
