/* gh-token-checker-page.h — GhTokenCheckerPage: any token checked by the server, check by check
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-page.h"

G_BEGIN_DECLS

#define GH_TYPE_TOKEN_CHECKER_PAGE (gh_token_checker_page_get_type ())

G_DECLARE_FINAL_TYPE (GhTokenCheckerPage, gh_token_checker_page, GH, TOKEN_CHECKER_PAGE, GhPage)

G_END_DECLS
