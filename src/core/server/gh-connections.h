/* gh-connections.h — connection caps, timeouts and a listener that keeps accepting
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* What one client may hold. 0 in any field means its default (see gh_server_limits_resolve). */
typedef struct
{
  guint max_connections;              /* open at once, in total */
  guint max_connections_per_address;  /* open at once from one IP address */
  guint idle_timeout;                 /* seconds a connection may wait for a request to start */
  guint head_timeout;                 /* seconds from a request's first byte to its last header */
  guint body_timeout;                 /* seconds to read the body once the headers are in */
} GhServerLimits;

#define GH_DEFAULT_MAX_CONNECTIONS 4096
#define GH_DEFAULT_MAX_CONNECTIONS_PER_ADDRESS 256
#define GH_DEFAULT_IDLE_TIMEOUT 120
#define GH_DEFAULT_HEAD_TIMEOUT 30
#define GH_DEFAULT_BODY_TIMEOUT 60

/* Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit now in force. */
guint gh_raise_fd_limit (void);

/* Fills the 0 fields of @limits with their defaults; the total cap stays below @fd_limit. */
void  gh_server_limits_resolve (GhServerLimits *limits,
                                guint           fd_limit);

#define GH_TYPE_CONNECTIONS (gh_connections_get_type ())
G_DECLARE_FINAL_TYPE (GhConnections, gh_connections, GH, CONNECTIONS, GObject)

/* Watches @server's connections on @listen_socket: caps them, times them out, and listens
 * again when libsoup stops accepting. @limits is read at each connection (not copied). */
GhConnections *gh_connections_new        (SoupServer           *server,
                                          GSocket              *listen_socket,
                                          gboolean              tls,
                                          const GhServerLimits *limits);
/* TRUE when @msg's connection timed out: its request must not be handled any more. */
gboolean       gh_connections_timed_out  (GhConnections        *self,
                                          SoupServerMessage    *msg);
/* Sends @msg's response as it stands (with Connection: close) and closes the connection,
 * without reading a byte of the request body. @msg may be freed. */
void           gh_connections_answer_and_close (GhConnections     *self,
                                                SoupServerMessage *msg);
guint          gh_connections_count      (GhConnections        *self);
/* @msg's answer is making progress (a streamed chunk was written): its connection's deadline
 * for the answer starts again, so a long stream a client reads is not cut, and one it stops
 * reading still is. */
void           gh_connections_progress   (GhConnections        *self,
                                          SoupServerMessage    *msg);

G_END_DECLS
