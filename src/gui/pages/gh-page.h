/* gh-page.h — a page of the window, bound to a connection
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gh-connection.h"

G_BEGIN_DECLS

#define GH_TYPE_PAGE (gh_page_get_type ())

G_DECLARE_DERIVABLE_TYPE (GhPage, gh_page, GH, PAGE, AdwBin)

struct _GhPageClass
{
  AdwBinClass parent_class;

  /* The page is bound to another connection (or none): re-read what it shows. */
  void (*connection_changed) (GhPage       *self,
                              GhConnection *previous);
};

GhConnection *gh_page_get_connection (GhPage       *self);
void          gh_page_set_connection (GhPage       *self,
                                      GhConnection *connection);
const char   *gh_page_get_title      (GhPage       *self);
void          gh_page_set_title      (GhPage       *self,
                                      const char   *title);
const char   *gh_page_get_icon_name  (GhPage       *self);
void          gh_page_set_icon_name  (GhPage       *self,
                                      const char   *icon_name);
/* TRUE while the page still waits for what it shows (screenshots and tests wait on it). */
gboolean      gh_page_get_busy       (GhPage       *self);
void          gh_page_set_busy       (GhPage       *self,
                                      gboolean      busy);

G_END_DECLS
