/* gh-audit-query.h — GhAuditQuery: filtered pages of audit events, keyset paged, read off the
 * request thread through the store's read-only connections
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-audit.h"

G_BEGIN_DECLS

/* The default page size and the most one page holds (a larger limit is cut to it). */
#define GH_AUDIT_QUERY_DEFAULT_LIMIT 50
#define GH_AUDIT_QUERY_MAX_LIMIT 200
/* The most events an offset skips: a page anywhere in a log of ten million. */
#define GH_AUDIT_QUERY_MAX_OFFSET 10000000

/* A filter and a position. Every field is optional (0 / NULL: no condition); the conditions
 * that are set must all hold. Events come newest first, that is by id, descending (ids grow
 * with every insert, so two events of the same microsecond still have one order).
 *
 * Cursors are event ids: @before pages towards older events (id < before), @after towards
 * newer ones (id > after); at most one of them is set. A cursor is only meaningful with the
 * same filter it came from. */
typedef struct
{
  gint64      project_id;
  const char *type;         /* exactly this type */
  const char *type_prefix;  /* types starting with it, byte for byte: "token." does not
                             * match "tokenX.issued" */
  const char *outcome;      /* "success", "failure" or "info" */
  const char *client_id;
  const char *user_id;
  const char *flow_id;
  const char *source;       /* the source address, exactly */
  gint64      time_from;    /* µs since the epoch, inclusive */
  gint64      time_to;      /* µs since the epoch, exclusive */
  const char *text;         /* a substring (ASCII case-insensitive) of the details, the
                             * client id or the user id */
  gint64      after;
  gint64      before;
  guint       limit;        /* 0: GH_AUDIT_QUERY_DEFAULT_LIMIT; at most
                             * GH_AUDIT_QUERY_MAX_LIMIT */
  guint       offset;       /* skip this many matching events below @before (or from the
                             * newest) first: a page by position. Not with @after; at most
                             * GH_AUDIT_QUERY_MAX_OFFSET */
} GhAuditQuery;

/* One page, newest first, and the cursors to its neighbours. */
typedef struct
{
  GPtrArray *events;        /* GhAuditEvent, newest first */
  /* The id to pass as "before" for the next page of older events, 0 when there is none
   * (the last event's id). */
  gint64     older;
  /* The id to pass as "after" for the page of newer events, 0 when there is none (the first
   * event's id). On an empty page the cursors mark the position asked for: "before": B gives
   * newer B - 1 when anything is at or above B (0, the newest page, when B is 1), "after": A
   * gives older A + 1 when anything is at or below A. */
  gint64     newer;
} GhAuditPage;

void gh_audit_page_free (GhAuditPage *page);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhAuditPage, gh_audit_page_free)

/* {"events": [gh_audit_event_to_json() ...], "older": id or null, "newer": id or null} */
JsonObject  *gh_audit_page_to_json     (const GhAuditPage   *page);

/* FALSE with G_IO_ERROR_INVALID_ARGUMENT when @query cannot be run: both cursors, a negative
 * cursor, an unknown outcome, type and type_prefix both, an empty time range, an offset with
 * "after" or past GH_AUDIT_QUERY_MAX_OFFSET. */
gboolean     gh_audit_query_check      (const GhAuditQuery  *query,
                                        GError             **error);

/* Runs @query on a read-only connection of @store's (gh_store_take_reader()), in the calling
 * thread: for the CLI and tests. @cancellable interrupts the statement. */
GhAuditPage *gh_audit_query            (GhStore             *store,
                                        const GhAuditQuery  *query,
                                        GCancellable        *cancellable,
                                        GError             **error);
/* The same in a worker thread: the request thread never waits for the database. @query is
 * copied; @callback runs in the thread-default main context of the caller. */
void         gh_audit_query_async      (GhStore             *store,
                                        const GhAuditQuery  *query,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
GhAuditPage *gh_audit_query_finish     (GAsyncResult        *result,
                                        GError             **error);

/* How many events @query's conditions keep (its cursor @before bounds it, its @after and
 * @limit are ignored), in a worker thread; the same check as gh_audit_query_check(). */
void         gh_audit_count_async      (GhStore             *store,
                                        const GhAuditQuery  *query,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
/* -1 with @error when it could not be counted. */
gint64       gh_audit_count_finish     (GAsyncResult        *result,
                                        GError             **error);

/* What the admin API's reads share: @read runs on a read-only connection of @store's
 * (gh_store_take_reader()) inside one read transaction, so every statement it makes sees one
 * snapshot; @cancellable interrupts its statements. It returns its result, or NULL with
 * @error. */
typedef gpointer (*GhAuditReadFunc)  (GhStore        *reader,
                                      gconstpointer   data,
                                      GError        **error);
/* FALSE with @error when @data cannot be read: refused before any thread runs. */
typedef gboolean (*GhAuditCheckFunc) (gconstpointer   data,
                                      GError        **error);

/* @read in the calling thread. */
gpointer     gh_audit_read             (GhStore             *store,
                                        GhAuditReadFunc      read,
                                        gconstpointer        data,
                                        GCancellable        *cancellable,
                                        GError             **error);
/* @read in a worker thread, after @check (may be NULL) passed in the caller's; takes @data
 * (freed with @data_free); the result is freed with @result_free when nobody finishes it.
 * @callback runs in the caller's thread-default main context. */
void         gh_audit_read_async       (GhStore             *store,
                                        GhAuditCheckFunc     check,
                                        GhAuditReadFunc      read,
                                        gpointer             data,
                                        GDestroyNotify       data_free,
                                        GDestroyNotify       result_free,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
gpointer     gh_audit_read_finish      (GAsyncResult        *result,
                                        GError             **error);

G_END_DECLS
