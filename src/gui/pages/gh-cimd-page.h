/* gh-cimd-page.h — the CIMD preview: a client metadata document fetched and checked
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-page.h"

G_BEGIN_DECLS

#define GH_TYPE_CIMD_PAGE (gh_cimd_page_get_type ())

G_DECLARE_FINAL_TYPE (GhCimdPage, gh_cimd_page, GH, CIMD_PAGE, GhPage)

G_END_DECLS
