/* gh-server-client.h — everything the GUI asks a server, over HTTP
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define GH_TYPE_SERVER_CLIENT (gh_server_client_get_type ())

G_DECLARE_FINAL_TYPE (GhServerClient, gh_server_client, GH, SERVER_CLIENT, GObject)

GhServerClient *gh_server_client_new                    (const char           *base_url,
                                                         const char           *credential);
const char     *gh_server_client_get_base_url           (GhServerClient       *self);
/* The trust for https; %NULL: the system's. */
void            gh_server_client_set_tls_database       (GhServerClient       *self,
                                                         GTlsDatabase         *database);
char           *gh_server_client_dup_discovery_url      (GhServerClient       *self);
void            gh_server_client_fetch_discovery_async  (GhServerClient       *self,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
JsonObject     *gh_server_client_fetch_discovery_finish (GhServerClient       *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);
void            gh_server_client_fetch_jwks_async       (GhServerClient       *self,
                                                         const char           *jwks_uri,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
JsonObject     *gh_server_client_fetch_jwks_finish      (GhServerClient       *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);

G_END_DECLS
