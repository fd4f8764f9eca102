/* gh-connection.h — the server a window administers: the embedded one or a remote one
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "gh-admin-client.h"
#include "gh-embedded-server.h"
#include "gh-server-client.h"

G_BEGIN_DECLS

typedef enum
{
  GH_CONNECTION_KIND_EMBEDDED,
  GH_CONNECTION_KIND_REMOTE,
} GhConnectionKind;

#define GH_TYPE_CONNECTION_KIND (gh_connection_kind_get_type ())
GType gh_connection_kind_get_type (void);

/* What a page can count on: a server to talk to (READY, with a client), or why not. */
typedef enum
{
  GH_CONNECTION_STATE_STOPPED,
  GH_CONNECTION_STATE_STARTING,
  GH_CONNECTION_STATE_READY,
  GH_CONNECTION_STATE_FAILED,    /* error-message says why */
  GH_CONNECTION_STATE_STOPPING,
} GhConnectionState;

#define GH_TYPE_CONNECTION_STATE (gh_connection_state_get_type ())
GType gh_connection_state_get_type (void);

#define GH_TYPE_CONNECTION (gh_connection_get_type ())

G_DECLARE_FINAL_TYPE (GhConnection, gh_connection, GH, CONNECTION, GObject)

/* Follows @server: READY, at its base URL, while it runs. */
GhConnection      *gh_connection_new_embedded         (GhEmbeddedServer *server);
/* A server elsewhere at @base_url; @credential, when not %NULL, is sent as a bearer token.
 * STARTING while GET /admin/v1/server is asked, then READY, or FAILED with the reason
 * (refused, DNS, TLS, certificate, token refused, not a Gatehouse server). */
GhConnection      *gh_connection_new_remote           (const char       *base_url,
                                                       const char       *credential);
GhConnectionKind   gh_connection_get_kind             (GhConnection     *self);
GhConnectionState  gh_connection_get_state            (GhConnection     *self);
const char        *gh_connection_get_base_url         (GhConnection     *self);
const char        *gh_connection_get_credential       (GhConnection     *self);
const char        *gh_connection_get_error_message    (GhConnection     *self);
/* How pages talk to the server, over HTTP; %NULL unless READY. */
GhServerClient    *gh_connection_get_client           (GhConnection     *self);
/* A client for another address of the same server (a project's issuer), with the same
 * credential and, for a remote server, the same TLS trust as gh_connection_get_client (). */
GhServerClient    *gh_connection_new_server_client    (GhConnection     *self,
                                                       const char       *base_url);
/* The admin API of the same server with the same credential (for the embedded server, the
 * app's own admin token); %NULL unless READY. The console's way to the server. */
GhAdminClient     *gh_connection_get_admin_client     (GhConnection     *self);
/* A remote server's URL as given (in every state); %NULL for the embedded one. */
const char        *gh_connection_get_remote_url       (GhConnection     *self);
/* When the last attempt failed on a certificate the system does not trust (and the user did
 * not trust at this address): that certificate and its problems; else %NULL. */
GTlsCertificate   *gh_connection_get_peer_certificate (GhConnection         *self,
                                                       GTlsCertificateFlags *errors);
/* Tries again: starts the embedded server, or asks the remote one again (STARTING, then
 * READY or FAILED with the reason). */
void               gh_connection_retry                (GhConnection     *self);
/* What only the embedded server knows (data folder, port, keys); %NULL for a remote one. */
GhEmbeddedServer  *gh_connection_get_embedded_server  (GhConnection     *self);

G_END_DECLS
