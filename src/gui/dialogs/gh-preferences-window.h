/* gh-preferences-window.h — the app's preferences: the embedded server and the style
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gh-embedded-server.h"

G_BEGIN_DECLS

#define GH_TYPE_PREFERENCES_WINDOW (gh_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (GhPreferencesWindow, gh_preferences_window, GH, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

/* @settings: dev.gatehouse.Gatehouse; @server: the embedded server (for the port and data
 * folder in use and "Restart Server Now"), or NULL. */
GtkWidget *gh_preferences_window_new  (GtkWindow        *parent,
                                       GSettings        *settings,
                                       GhEmbeddedServer *server);

/* The data folder when the "data-dir" setting is empty. */
char      *gh_preferences_default_data_dir (void);

/* Applies the "color-scheme" setting to the default AdwStyleManager now and whenever it
 * changes, for as long as @settings lives. */
void       gh_preferences_follow_color_scheme (GSettings *settings);

G_END_DECLS
