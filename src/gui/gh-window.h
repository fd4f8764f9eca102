/* gh-window.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gh-connection.h"

G_BEGIN_DECLS

#define GH_TYPE_WINDOW (gh_window_get_type ())

G_DECLARE_FINAL_TYPE (GhWindow, gh_window, GH, WINDOW, AdwApplicationWindow)

GhWindow     *gh_window_new            (GtkApplication *application,
                                        GhConnection   *connection);
GhConnection *gh_window_get_connection (GhWindow       *self);
gboolean      gh_window_get_busy       (GhWindow       *self);
void          gh_window_show_toast     (GhWindow       *self,
                                        const char     *title);

G_END_DECLS
