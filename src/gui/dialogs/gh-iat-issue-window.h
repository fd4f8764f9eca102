/* gh-iat-issue-window.h — GhIatIssueWindow: issue an initial access token, then show it once
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gh-admin-client.h"

G_BEGIN_DECLS

#define GH_TYPE_IAT_ISSUE_WINDOW (gh_iat_issue_window_get_type ())

G_DECLARE_FINAL_TYPE (GhIatIssueWindow, gh_iat_issue_window, GH, IAT_ISSUE_WINDOW, AdwWindow)

/* A modal window over @parent that POSTs to /admin/v1@iats_path ("/projects/team/iats") with
 * @client, then shows the token and a curl command that registers a client with it at
 * @registration_endpoint. ::issued (the "initial_access_token" object) once the server made
 * it. Closing it forgets the token: no widget keeps it, and its memory is cleared. */
GhIatIssueWindow *gh_iat_issue_window_new (GtkWindow     *parent,
                                           GhAdminClient *client,
                                           const char    *iats_path,
                                           const char    *registration_endpoint);

/* The registration command for @token: a public client (or what @pinned fixes) with a
 * loopback redirect URI, within the prefixes, scope and types @pinned allows. */
char *gh_iat_issue_window_build_command (const char *registration_endpoint,
                                         const char *token,
                                         const char *label,
                                         JsonObject *pinned);

G_END_DECLS
