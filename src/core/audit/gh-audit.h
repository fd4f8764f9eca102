/* gh-audit.h — GhAudit: domain events written in the caller's transaction, limited, pruned
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "gh-audit-events.h"
#include "gh-store.h"

G_BEGIN_DECLS

typedef enum
{
  GH_AUDIT_SUCCESS,
  GH_AUDIT_FAILURE,
  GH_AUDIT_INFO,
} GhAuditOutcome;

/* One domain event. Strings may be NULL; @details may be NULL. Services fill one in place,
 * `&(GhAuditEvent) { .type = GH_AUDIT_EVENT_..., ... }`, for gh_audit_record_event(). */
typedef struct
{
  gint64          project_id;    /* 0 when the event belongs to no project */
  const char     *project_slug;
  const char     *type;          /* a registered name: GH_AUDIT_EVENT_* (gh-audit-events.h) */
  GhAuditOutcome  outcome;
  const char     *actor;         /* "cli", "admin-api", "server", a client id, ... */
  const char     *client_id;
  const char     *user_id;
  const char     *flow_id;
  JsonObject     *details;
  /* The address of the request behind the event, or NULL. It is stored in its own column
   * (the audit filters' "source") and, as before, in the details' "source_address"; failures
   * with a source go through the refusal limiter. */
  const char     *source;
  const char     *user_agent;    /* the request's User-Agent, or NULL */
  /* Set on an event read back (gh_audit_get_event()), ignored when recording. */
  gint64          id;
  gint64          time;          /* µs since the epoch, as stored */
} GhAuditEvent;

/* Frees an event gh_audit_get_event() returned: its strings and details are its own. */
void        gh_audit_event_free    (GhAuditEvent       *event);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhAuditEvent, gh_audit_event_free)

/* The event as the admin API shows it: every column under its own name ("id", "time",
 * "project_id", "project_slug", "type", "outcome", "actor", "client_id", "user_id",
 * "flow_id", "source", "user_agent"; null when empty), the type's "category" when it is
 * registered, and "details" (an object, {} when none). */
JsonObject *gh_audit_event_to_json (const GhAuditEvent *event);

/* Retention (README, "Limits"): the newest events are kept, at most this many, none older. */
#define GH_AUDIT_DEFAULT_MAX_EVENTS 1000000
#define GH_AUDIT_DEFAULT_MAX_AGE_DAYS 90
/* Rows removed per pruning step at most. */
#define GH_AUDIT_PRUNE_BATCH 500
/* How often the pruning runs, in milliseconds. */
#define GH_AUDIT_PRUNE_INTERVAL_MS (60 * 1000)
/* Refusal events one source address (an IPv6 /64) writes per minute; beyond, they are
 * counted into one "audit.refusals_suppressed" event per source. */
#define GH_AUDIT_DEFAULT_REFUSALS_PER_MINUTE 60
/* What gh_audit_record() returns for an event the limiter counted instead of writing. */
#define GH_AUDIT_SUPPRESSED (-1)

#define GH_TYPE_AUDIT (gh_audit_get_type ())

G_DECLARE_FINAL_TYPE (GhAudit, gh_audit, GH, AUDIT, GObject)

/* GhAudit::committed (gint64 id) is emitted for each event once the transaction that wrote it
 * has committed (never when it rolls back), in id order, on the store's thread: the live
 * event stream (gh-admin-events.c) listens to it. */
GhAudit *gh_audit_new    (GhStore             *store);

/* What services call to record an event inside their transaction: @event's type must be
 * registered (gh_audit_record() checks: anything else is a programming error, a critical, and
 * nothing is written). TRUE when the event was written, or counted by the refusal
 * limiter; FALSE with @error set, or, when @error is NULL, with a warning logged. */
gboolean gh_audit_record_event (GhAudit             *self,
                                const GhAuditEvent  *event,
                                GError             **error);
/* The details every refusal event starts with: "error" (the OAuth error code @error maps
 * to), "error_description" (its message) and, when the error carries one, "explain"
 * (gh_error_set_explain()). */
JsonObject *gh_audit_refusal_details (const GError *error);

/* The one place domain events are written (services go through gh_audit_record_event()).
 * The type must be registered: anything else is a critical, and nothing is written. Inside the
 * caller's transaction when one is open (the event commits or rolls back with the action),
 * else in a transaction of its own. Every string is cut to GH_REFLECT_MAX_VALUE bytes
 * (error_description to GH_REFLECT_MAX_DESCRIPTION) with a marker, arrays and objects to 64
 * entries.
 * Returns the event id, GH_AUDIT_SUPPRESSED when the refusal limiter counted it instead,
 * or 0 with @error set. */
gint64   gh_audit_record (GhAudit             *self,
                          const GhAuditEvent  *event,
                          GError             **error);

/* The stored event @id, or NULL with @error (GH_STORE_ERROR_NOT_FOUND when there is none). */
GhAuditEvent *gh_audit_get_event (GhAudit  *self,
                                  gint64    id,
                                  GError  **error);

/* 0 turns the limiter off. Forgets what was counted. */
/* The columns of an event, in the order gh_audit_event_from_row() reads them: for the
 * queries in gh-audit-query.c, as "SELECT " GH_AUDIT_EVENT_COLUMNS " FROM audit_events". */
#define GH_AUDIT_EVENT_COLUMNS \
  "id, time, project_id, project_slug, type, outcome, actor, client_id, user_id, flow_id, " \
  "details, source, user_agent"
/* The event in @stmt's current row, or NULL with @error (details that do not parse). */
GhAuditEvent *gh_audit_event_from_row (GhStmt  *stmt,
                                       GError **error);

void     gh_audit_set_refusal_limit (GhAudit  *self,
                                     guint     per_minute);
/* Writes the summary of each source that had refusals suppressed and has been quiet for a
 * minute (@all: of every source). */
void     gh_audit_flush_suppressed  (GhAudit  *self,
                                     gboolean  all);

/* 0 means no limit of that kind. */
void     gh_audit_set_retention     (GhAudit  *self,
                                     gint64    max_events,
                                     gint64    max_age_days);
/* Removes at most @limit of the oldest events beyond the retention limits, in one short
 * transaction (the count limit walks the id index from the top, max_events entries; the rows
 * read are the ones removed), then flows whose last event went and discovery hits beyond
 * their bound (gh_flows_prune(), at most @limit of each). Returns how many events went, or the
 * larger count of those others (@limit: there is more to do), or -1 with @error. */
gint     gh_audit_prune_step        (GhAudit  *self,
                                     guint     limit,
                                     GError  **error);
/* Every @interval_ms: the summaries of quiet sources, then pruning in batches of
 * GH_AUDIT_PRUNE_BATCH, one per main-loop turn at low priority until done. */
void     gh_audit_start_pruning     (GhAudit  *self,
                                     guint     interval_ms);
void     gh_audit_stop_pruning      (GhAudit  *self);

const char *gh_audit_outcome_to_string (GhAuditOutcome outcome);

G_END_DECLS
