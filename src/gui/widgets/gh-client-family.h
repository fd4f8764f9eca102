/* gh-client-family.h — which family of MCP client a client id or User-Agent names
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The family ("Claude Code", "Cursor", "VS Code", "MCP TypeScript SDK", "MCP Inspector")
 * that @client_id (a CIMD URL names its vendor's host) or @user_agent names, the client id
 * first; NULL when neither names one. Either may be NULL. */
const char *gh_client_family (const char *client_id,
                              const char *user_agent);

G_END_DECLS
