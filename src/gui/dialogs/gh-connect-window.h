/* gh-connect-window.h — connect to a remote Gatehouse server: address, admin token, trust
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gh-connection.h"

G_BEGIN_DECLS

#define GH_TYPE_CONNECT_WINDOW (gh_connect_window_get_type ())

G_DECLARE_FINAL_TYPE (GhConnectWindow, gh_connect_window, GH, CONNECT_WINDOW, AdwWindow)

/* Modal over @parent. ::connected (GhConnection *connection) once a server answered READY
 * (its token stored first when Remember is on); then the window closes. */
GhConnectWindow *gh_connect_window_new     (GtkWindow       *parent);
/* Fills the address (a recent server whose token is not stored). */
void             gh_connect_window_set_url (GhConnectWindow *self,
                                            const char      *url);

G_END_DECLS
