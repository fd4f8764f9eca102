/* gh-iats-page.h — GhIatsPage: the project's initial access tokens, their rejected uses
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-page.h"

G_BEGIN_DECLS

#define GH_TYPE_IATS_PAGE (gh_iats_page_get_type ())

G_DECLARE_FINAL_TYPE (GhIatsPage, gh_iats_page, GH, IATS_PAGE, GhPage)

G_END_DECLS
