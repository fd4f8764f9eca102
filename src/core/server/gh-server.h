/* gh-server.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "gh-admin-tokens.h"
#include "gh-audit.h"
#include "gh-cimd-resolver.h"
#include "gh-clients.h"
#include "gh-connections.h"
#include "gh-iats.h"
#include "gh-projects.h"
#include "gh-resources.h"
#include "gh-secret-store.h"
#include "gh-signing-keys.h"
#include "gh-store.h"
#include "gh-types.h"
#include "gh-users.h"

G_BEGIN_DECLS

#define GH_TYPE_SERVER (gh_server_get_type ())

G_DECLARE_FINAL_TYPE (GhServer, gh_server, GH, SERVER, GObject)

/* Opens (and migrates) the store in @data_dir, the secret store and the signing keys. */
GhServer   *gh_server_new                (const char        *data_dir,
                                          GhSecretBackend    backend,
                                          GhSettingsProfile  profile,
                                          GError           **error);
/* @address is "HOST:PORT" (port 0 picks a free one); @tls_certificate may be NULL. */
gboolean    gh_server_listen             (GhServer          *self,
                                          const char        *address,
                                          GTlsCertificate   *tls_certificate,
                                          GError           **error);
void        gh_server_stop               (GhServer          *self);
/* Connection caps and timeouts (0 fields: the defaults); takes effect for what starts next.
 * gh_server_listen() raises the soft descriptor limit to the hard one and keeps the total
 * cap below it. */
void        gh_server_set_limits         (GhServer             *self,
                                          const GhServerLimits *limits);
/* The limits in force, defaults filled in. */
const GhServerLimits *gh_server_get_limits (GhServer          *self);
guint16     gh_server_get_port           (GhServer          *self);
/* The root issuer: --issuer-base when set, else derived from the listening address,
 * e.g. "http://127.0.0.1:41234" (never a trailing slash). */
const char *gh_server_get_issuer_base    (GhServer          *self);
/* Where the server really listens, "http://127.0.0.1:41234" (whatever --issuer-base says). */
const char *gh_server_get_listen_url     (GhServer          *self);
void        gh_server_set_issuer_base    (GhServer          *self,
                                          const char        *issuer_base);
const char *gh_server_get_data_dir       (GhServer          *self);
/* Human words for the secret backend in use, for the start-up log and the GUI. */
const char *gh_server_describe_secrets   (GhServer          *self);
/* Why signing was unavailable when the server started listening, or %NULL. */
const char *gh_server_get_signing_error  (GhServer          *self);

/* The domain services, for the CLI and tests (the GUI uses HTTP only). */
GhStore       *gh_server_get_store         (GhServer       *self);
GhAudit       *gh_server_get_audit         (GhServer       *self);
GhProjects    *gh_server_get_projects      (GhServer       *self);
GhSecretStore *gh_server_get_secret_store  (GhServer       *self);
GhSigningKeys *gh_server_get_signing_keys  (GhServer       *self);
GhClients     *gh_server_get_clients       (GhServer       *self);
GhUsers       *gh_server_get_users         (GhServer       *self);
GhResources   *gh_server_get_resources     (GhServer       *self);
GhIats        *gh_server_get_iats          (GhServer       *self);
GhAdminTokens *gh_server_get_admin_tokens  (GhServer       *self);
GhCimdResolver *gh_server_get_cimd_resolver (GhServer      *self);
/* Trusts @ca_file's certificates, besides the system's, for outbound HTTPS (CIMD fetches). */
gboolean       gh_server_set_outbound_ca_file (GhServer     *self,
                                               const char   *ca_file,
                                               GError      **error);

/* The issuer of @slug's project: the root issuer for the default project, else
 * "{root}/p/{slug}". */
char          *gh_server_build_issuer      (GhServer       *self,
                                            const char     *slug);

G_END_DECLS
