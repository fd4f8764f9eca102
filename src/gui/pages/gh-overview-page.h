/* gh-overview-page.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gh-embedded-server.h"
#include "gh-server-client.h"

G_BEGIN_DECLS

#define GH_TYPE_OVERVIEW_PAGE (gh_overview_page_get_type ())

G_DECLARE_FINAL_TYPE (GhOverviewPage, gh_overview_page, GH, OVERVIEW_PAGE, AdwBin)

GhEmbeddedServer *gh_overview_page_get_server (GhOverviewPage   *self);
void              gh_overview_page_set_server (GhOverviewPage   *self,
                                               GhEmbeddedServer *server);
GhServerClient   *gh_overview_page_get_client (GhOverviewPage   *self);
void              gh_overview_page_set_client (GhOverviewPage   *self,
                                               GhServerClient   *client);
gboolean          gh_overview_page_get_busy   (GhOverviewPage   *self);

G_END_DECLS
