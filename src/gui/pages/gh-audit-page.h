/* gh-audit-page.h — the Audit events page: the project's audit log, filtered by the server,
 * read page by page as it scrolls, live from the window's event stream, and exported
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-page.h"

G_BEGIN_DECLS

#define GH_TYPE_AUDIT_PAGE (gh_audit_page_get_type ())

G_DECLARE_FINAL_TYPE (GhAuditPage, gh_audit_page, GH, AUDIT_PAGE, GhPage)

/* The list's model (GhAuditModel), for the tests. */
GListModel *gh_audit_page_get_model (GhAuditPage *self);
/* Writes the events the current filters keep to @file as @format ("jsonl" or "csv"), what
 * the Export menu does once a file is chosen (the tests call it: no file chooser there). */
void        gh_audit_page_export    (GhAuditPage *self,
                                     GFile       *file,
                                     const char  *format);
/* TRUE while an export is being written. */
gboolean    gh_audit_page_get_exporting (GhAuditPage *self);

G_END_DECLS
