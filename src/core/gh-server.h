/* gh-server.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "gh-types.h"

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
gboolean    gh_server_is_listening       (GhServer          *self);
guint16     gh_server_get_port           (GhServer          *self);
/* The root issuer: --issuer-base when set, else derived from the listening address,
 * e.g. "http://127.0.0.1:41234" (never a trailing slash). */
const char *gh_server_get_issuer_base    (GhServer          *self);
void        gh_server_set_issuer_base    (GhServer          *self,
                                          const char        *issuer_base);
const char *gh_server_get_data_dir       (GhServer          *self);
/* Human words for the secret backend in use, for the start-up log and the GUI. */
const char *gh_server_describe_secrets   (GhServer          *self);

G_END_DECLS
