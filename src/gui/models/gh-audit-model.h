/* gh-audit-model.h — a project's audit events as a sparse list model: the server's count of
 * rows, each page read by position when the view comes to it
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

/* A row whose event is on its way (its page is being read): drawn empty until its page comes,
 * then filled in place. One object stands for the row as long as it is held, the same before
 * and after its page came, so that the list view's item for the row does not change (a new
 * placeholder at every look-up, then another object for the event, made GTK 4.8 build row
 * widgets anew inside each page read: bench/console.sh's scroll). */
#define GH_TYPE_AUDIT_PENDING (gh_audit_pending_get_type ())
G_DECLARE_FINAL_TYPE (GhAuditPending, gh_audit_pending, GH, AUDIT_PENDING, GObject)

/* The event the row was filled with, or NULL while its page is on its way. */
GhAuditEventItem *gh_audit_pending_get_event (GhAuditPending *self);
/* The event an item of the model stands for: the item itself, a filled GhAuditPending's
 * event, or NULL (a gap row, a row still on its way). */
GhAuditEventItem *gh_audit_model_item_get_event (gpointer item);

#define GH_TYPE_AUDIT_MODEL (gh_audit_model_get_type ())
G_DECLARE_FINAL_TYPE (GhAuditModel, gh_audit_model, GH, AUDIT_MODEL, GObject)

/* Events per page (one request), and the most pages the model holds at once. */
#define GH_AUDIT_MODEL_PAGE_SIZE 200
#define GH_AUDIT_MODEL_MAX_PAGES 16

/* Items: GhAuditEventItem, newest first, GhAuditGap rows, and GhAuditPending for a row whose
 * page is not in yet (asking for it reads that page: one ::items-changed when it comes). On
 * top, a short run of the live stream's events and gaps; below, the events that were in the
 * log at the reset (below its newest id then), as many as the server counted. */
GhAuditModel *gh_audit_model_new             (void);
/* Drops what the model holds, reads the newest page of @project's events that @query keeps
 * (its cursor, offset and limit are the model's), then counts them. @client NULL: empty. */
void          gh_audit_model_reset           (GhAuditModel            *self,
                                              GhAdminClient           *client,
                                              const char              *project,
                                              const GhAdminAuditQuery *query);
/* Events of the live stream in the order they came (@events: GhAuditEventItem; the caller
 * checked they pass the filters), on top in one change of the model: a frame's events at
 * once (each change costs the view a pass). Before the first page, and for an event the list
 * has already (a replay), nothing. */
void          gh_audit_model_prepend_all     (GhAuditModel            *self,
                                              GPtrArray               *events);
/* A gap row on top. */
void          gh_audit_model_prepend_gap     (GhAuditModel            *self,
                                              gint64                   first_missed_id);
/* TRUE while the first page, the count or a page is on its way. */
gboolean      gh_audit_model_get_loading     (GhAuditModel            *self);
/* TRUE once the server counted the events: the model has its every row (some pending). */
gboolean      gh_audit_model_get_complete    (GhAuditModel            *self);
/* How many events it has rows for (its items but the gap rows). */
guint         gh_audit_model_get_n_events    (GhAuditModel            *self);
/* How many pages were read since the last reset. */
guint         gh_audit_model_get_page_count  (GhAuditModel            *self);
/* How many pages of events it holds now (at most GH_AUDIT_MODEL_MAX_PAGES). */
guint         gh_audit_model_get_n_pages_held (GhAuditModel           *self);
/* Why the last read failed, or NULL. */
const GError *gh_audit_model_get_error       (GhAuditModel            *self);

G_END_DECLS
