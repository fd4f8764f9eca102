/* gh-clients-page.h — the Clients page: every client of the project, its detail, create,
 * delete, and the tombstones of deleted ones
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-page.h"

G_BEGIN_DECLS

#define GH_TYPE_CLIENTS_PAGE (gh_clients_page_get_type ())

G_DECLARE_FINAL_TYPE (GhClientsPage, gh_clients_page, GH, CLIENTS_PAGE, GhPage)

/* How the server matches a registered redirect URI ("Exact", "Any port (RFC 8252 §7.3)", ...):
 * exported for the tests. */
char *gh_clients_redirect_rule (const char *redirect_uri);

G_END_DECLS
