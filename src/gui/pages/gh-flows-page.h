/* gh-flows-page.h — the Live flows page: every authorization flow of the project as it
 * happens, and why one failed
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-page.h"

G_BEGIN_DECLS

#define GH_TYPE_FLOWS_PAGE (gh_flows_page_get_type ())

G_DECLARE_FINAL_TYPE (GhFlowsPage, gh_flows_page, GH, FLOWS_PAGE, GhPage)

/* The open flow's report (what Export Flow as Report writes): the flow, its steps with their
 * parameters and explain objects, its probable discovery hits and its events, redacted (no
 * source address, user name or claim, nor anything secret-like), written to @file. FALSE
 * with an error when no flow's detail is shown yet. */
void     gh_flows_page_export_report        (GhFlowsPage          *self,
                                             GFile                *file,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean gh_flows_page_export_report_finish (GhFlowsPage          *self,
                                             GAsyncResult         *result,
                                             GError              **error);

G_END_DECLS
