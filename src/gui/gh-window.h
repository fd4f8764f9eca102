/* gh-window.h — the console's window: sidebar of pages, connection chip, project switcher
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gh-connection.h"
#include "gh-page.h"

G_BEGIN_DECLS

#define GH_TYPE_WINDOW (gh_window_get_type ())

G_DECLARE_FINAL_TYPE (GhWindow, gh_window, GH, WINDOW, AdwApplicationWindow)

/* @application may be NULL (tests); @connection is what every page shows, and if it is the
 * embedded server's, where "Embedded Server" in the connection menu comes back to. */
GhWindow     *gh_window_new              (GtkApplication *application,
                                          GhConnection   *connection);
void          gh_window_set_size         (GhWindow       *self,
                                          int             width,
                                          int             height);
GhConnection *gh_window_get_connection   (GhWindow       *self);
/* Every page follows; the embedded connection stays known for coming back to it. */
void          gh_window_set_connection   (GhWindow       *self,
                                          GhConnection   *connection);
const char   *gh_window_get_project      (GhWindow       *self);
void          gh_window_set_project      (GhWindow       *self,
                                          const char     *project);
gboolean      gh_window_get_busy         (GhWindow       *self);
/* The page of that name ("overview", "mcp", ...), or NULL; built now if it was not yet (the
 * window builds the first page before its first frame, the others after it). */
GhPage       *gh_window_get_page         (GhWindow       *self,
                                          const char     *name);
GhPage       *gh_window_get_visible_page (GhWindow       *self);
/* Not busy, and every page built and done reading (the sidebar's badges with it): what a
 * screenshot waits for. */
gboolean      gh_window_get_all_settled  (GhWindow       *self);
/* FALSE when no page has that name. */
gboolean      gh_window_show_page        (GhWindow       *self,
                                          const char     *name);
/* The page names, in the sidebar's order (NULL-terminated; free with g_strfreev). */
GStrv         gh_window_list_pages       (GhWindow       *self);
/* The same without a window (--help). */
GStrv         gh_window_list_page_names  (void);
void          gh_window_show_toast       (GhWindow       *self,
                                          const char     *title);
void          gh_window_add_toast        (GhWindow       *self,
                                          AdwToast       *toast);

G_END_DECLS
