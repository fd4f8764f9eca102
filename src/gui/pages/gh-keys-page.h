/* gh-keys-page.h — the signing keys, their states, and rotation
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-page.h"

G_BEGIN_DECLS

#define GH_TYPE_KEYS_PAGE (gh_keys_page_get_type ())

G_DECLARE_FINAL_TYPE (GhKeysPage, gh_keys_page, GH, KEYS_PAGE, GhPage)

G_END_DECLS
