/* gh-audit-model.h — a project's audit events as a list model, read page by page
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "gh-admin-client.h"

G_BEGIN_DECLS

/* A row that stands for events the live stream missed (its ::gap). */
#define GH_TYPE_AUDIT_GAP (gh_audit_gap_get_type ())
G_DECLARE_FINAL_TYPE (GhAuditGap, gh_audit_gap, GH, AUDIT_GAP, GObject)

/* The id of the first event the stream missed. */
gint64 gh_audit_gap_get_first_missed_id (GhAuditGap *self);

#define GH_TYPE_AUDIT_MODEL (gh_audit_model_get_type ())
G_DECLARE_FINAL_TYPE (GhAuditModel, gh_audit_model, GH, AUDIT_MODEL, GObject)

/* Items: GhAuditEventItem, newest first, and GhAuditGap rows. */
GhAuditModel *gh_audit_model_new             (void);
/* Drops what the model holds and reads the newest page of @project's events that @query keeps
 * (its cursor and limit are the model's). @client NULL: empty. */
void          gh_audit_model_reset           (GhAuditModel            *self,
                                              GhAdminClient           *client,
                                              const char              *project,
                                              const GhAdminAuditQuery *query);
/* Reads the next older page, unless one is on its way or the oldest event is in. */
void          gh_audit_model_load_more       (GhAuditModel            *self);
/* Reads the next @pages older pages one after the other (fewer if the oldest event comes
 * first), each shown as it comes: what a jump to the end of the list asks for. */
void          gh_audit_model_read_ahead      (GhAuditModel            *self,
                                              guint                    pages);
/* Events of the live stream in the order they came (@events: GhAuditEventItem; the caller
 * checked they pass the filters), on top in one change of the model: a frame's events at
 * once (each change costs the view a pass). Before the first page, and for an event the list
 * has already (a replay), nothing. */
void          gh_audit_model_prepend_all     (GhAuditModel            *self,
                                              GPtrArray               *events);
/* A gap row on top. */
void          gh_audit_model_prepend_gap     (GhAuditModel            *self,
                                              gint64                   first_missed_id);
/* TRUE while a page is on its way. */
gboolean      gh_audit_model_get_loading     (GhAuditModel            *self);
/* TRUE once the oldest event the filters keep is in. */
gboolean      gh_audit_model_get_complete    (GhAuditModel            *self);
/* How many events it holds (its items but the gap rows). */
guint         gh_audit_model_get_n_events    (GhAuditModel            *self);
/* How many pages were read since the last reset. */
guint         gh_audit_model_get_page_count  (GhAuditModel            *self);
/* Why the last page could not be read, or NULL. */
const GError *gh_audit_model_get_error       (GhAuditModel            *self);

G_END_DECLS
