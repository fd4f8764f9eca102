/* gh-users-page.h — the project's development users and the auto-approve user
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-page.h"

G_BEGIN_DECLS

#define GH_TYPE_USERS_PAGE (gh_users_page_get_type ())

/* Its open_target: "user:NAME" focuses that user's row. */
G_DECLARE_FINAL_TYPE (GhUsersPage, gh_users_page, GH, USERS_PAGE, GhPage)

G_END_DECLS
