/* gh-overview-page.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-page.h"

G_BEGIN_DECLS

#define GH_TYPE_OVERVIEW_PAGE (gh_overview_page_get_type ())

G_DECLARE_FINAL_TYPE (GhOverviewPage, gh_overview_page, GH, OVERVIEW_PAGE, GhPage)

G_END_DECLS
