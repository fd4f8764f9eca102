/* gh-mcp-page.h — the MCP page: MCP, CIMD and DCR mode, who can complete a flow, redirect
 * policy, token lifetimes and the discovery probe matrix
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-page.h"

G_BEGIN_DECLS

#define GH_TYPE_MCP_PAGE (gh_mcp_page_get_type ())

G_DECLARE_FINAL_TYPE (GhMcpPage, gh_mcp_page, GH, MCP_PAGE, GhPage)

G_END_DECLS
