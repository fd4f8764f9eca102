/* gh-client-create-window.h — the window that creates a pre-registered client and shows its
 * secret once
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gh-admin-client.h"

G_BEGIN_DECLS

#define GH_TYPE_CLIENT_CREATE_WINDOW (gh_client_create_window_get_type ())

G_DECLARE_FINAL_TYPE (GhClientCreateWindow, gh_client_create_window, GH, CLIENT_CREATE_WINDOW,
                      AdwWindow)

/* Creates the client with POST @path (".../projects/<slug>/clients") through @client; emits
 * ::created (the new client_id) once the server made it. */
GtkWidget *gh_client_create_window_new (GtkWindow     *parent,
                                        GhAdminClient *client,
                                        const char    *path);

/* Whether @host is a loopback one for RFC 8252 §7.3 (127.0.0.1, [::1], localhost). */
gboolean   gh_client_create_is_loopback        (const char *host);
/* NULL when @text is a redirect URI the server can take, else why not (for the row). */
char      *gh_client_create_check_redirect_uri (const char *text);

G_END_DECLS
