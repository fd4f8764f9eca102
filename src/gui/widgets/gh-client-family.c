/* gh-client-family.c — which family of MCP client a client id or User-Agent names
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <string.h>

#include "gh-client-family.h"

/* Lower-case needles, the more specific first: "inspector" after the SDK's own names would
 * take an SDK's User-Agent that mentions its inspector. */
static const struct {
  const char *needle;
  const char *name;
} families[] = {
  { "claude-code", "Claude Code" }, { "claude code", "Claude Code" },
  { "claude.ai", "Claude Code" },
  { "cursor", "Cursor" },
  { "vscode", "VS Code" }, { "visual studio code", "VS Code" },
  { "mcp-inspector", "MCP Inspector" }, { "inspector", "MCP Inspector" },
  { "modelcontextprotocol", "MCP TypeScript SDK" }, { "mcp-sdk", "MCP TypeScript SDK" },
  { "mcp typescript sdk", "MCP TypeScript SDK" },
};

static const char *
family_of (const char *text)
{
  g_autofree char *lower = NULL;

  if (text == NULL || *text == '\0')
    return NULL;

  lower = g_ascii_strdown (text, -1);
  for (guint i = 0; i < G_N_ELEMENTS (families); i++)
    if (strstr (lower, families[i].needle) != NULL)
      return families[i].name;

  return NULL;
}

const char *
gh_client_family (const char *client_id,
                  const char *user_agent)
{
  const char *family = NULL;

  /* A CIMD client id is its vendor's URL; an opaque id names nothing. */
  if (client_id != NULL && g_str_has_prefix (client_id, "https://"))
    family = family_of (client_id);

  return family != NULL ? family : family_of (user_agent);
}
