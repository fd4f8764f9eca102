/* gh-store.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define GH_STORE_ERROR (gh_store_error_quark ())

typedef enum
{
  GH_STORE_ERROR_FAILED,
  GH_STORE_ERROR_BUSY,
  GH_STORE_ERROR_CONSTRAINT,
  GH_STORE_ERROR_NOT_FOUND,
  GH_STORE_ERROR_TOO_NEW,
  GH_STORE_ERROR_READ_ONLY,
} GhStoreError;

/* A prepared statement borrowed from the store's cache. g_autoptr(GhStmt) resets it (and
 * clears its bindings) at scope exit, so no statement keeps a read snapshot open. */
typedef sqlite3_stmt GhStmt;
void gh_stmt_reset (GhStmt *stmt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhStmt, gh_stmt_reset)

#define GH_TYPE_STORE (gh_store_get_type ())

G_DECLARE_FINAL_TYPE (GhStore, gh_store, GH, STORE, GObject)

GQuark      gh_store_error_quark       (void);

GhStore    *gh_store_open              (const char  *data_dir,
                                        GError     **error);
const char *gh_store_get_data_dir      (GhStore     *self);
const char *gh_store_get_path          (GhStore     *self);
int         gh_store_get_schema_version (GhStore    *self);
int         gh_store_get_latest_version (void);

GhStmt     *gh_store_prepare           (GhStore     *self,
                                        const char  *sql,
                                        GError     **error);
/* Steps @stmt; TRUE with *@row set for SQLITE_ROW / SQLITE_DONE, FALSE + error otherwise. */
gboolean    gh_store_step              (GhStore     *self,
                                        GhStmt      *stmt,
                                        gboolean    *row,
                                        GError     **error);
gboolean    gh_store_exec              (GhStore     *self,
                                        const char  *sql,
                                        GError     **error);

/* One write transaction per domain action (BEGIN IMMEDIATE: the writer lock up front).
 * Each end emits GhStore::transaction-ended (gboolean committed). */
gboolean    gh_store_begin             (GhStore     *self,
                                        GError     **error);
gboolean    gh_store_commit            (GhStore     *self,
                                        GError     **error);
void        gh_store_rollback          (GhStore     *self);
/* A read transaction (BEGIN DEFERRED): one snapshot for several statements, ended by
 * gh_store_commit() or gh_store_rollback(). On a reader, the only kind there is. */
gboolean    gh_store_begin_read        (GhStore     *self,
                                        GError     **error);
gboolean    gh_store_in_transaction    (GhStore     *self);

/* Changes whenever anything may have been written: by another connection (SQLite's
 * data_version) or by this one. Caches keep what they derived together with the stamp. */
typedef struct
{
  gint64  data_version;
  guint64 own_writes;
} GhStoreStamp;

GhStoreStamp gh_store_get_stamp        (GhStore     *self);
gboolean     gh_store_stamp_equal      (const GhStoreStamp *a,
                                        const GhStoreStamp *b);

/* Read-only connections to the writer's database, for work off the request thread (audit
 * queries, exports): in WAL mode they read a committed snapshot beside the writer and never
 * wait for its transaction. A reader is a GhStore of its own, used by one thread at a time;
 * it neither migrates nor writes (GH_STORE_ERROR_READ_ONLY). */
#define GH_STORE_MAX_IDLE_READERS 4

gboolean    gh_store_is_read_only      (GhStore     *self);
/* Interrupts @self's statements while @cancellable (may be NULL: none) is cancelled; they
 * fail with GH_STORE_ERROR_FAILED. For a reader working for one cancellable request. */
void        gh_store_set_cancellable   (GhStore      *self,
                                        GCancellable *cancellable);
/* A new reader of @self's database. */
GhStore    *gh_store_open_reader       (GhStore     *self,
                                        GError     **error);
/* An idle reader of @self's pool, or a new one; from any thread. Give it back with
 * gh_store_give_reader() (or unref it) when done. */
GhStore    *gh_store_take_reader       (GhStore     *self,
                                        GError     **error);
/* Takes @reader back into the pool (at most GH_STORE_MAX_IDLE_READERS are kept, and none
 * left inside a transaction); from any thread. */
void        gh_store_give_reader       (GhStore     *self,
                                        GhStore     *reader);

gint64      gh_store_last_insert_rowid (GhStore     *self);
int         gh_store_changes           (GhStore     *self);

/* Convenience binders: bind by 1-based index; NULL text binds SQL NULL. */
void        gh_stmt_bind_text          (GhStmt      *stmt,
                                        int          index,
                                        const char  *text);
void        gh_stmt_bind_int64         (GhStmt      *stmt,
                                        int          index,
                                        gint64       value);
const char *gh_stmt_column_text        (GhStmt      *stmt,
                                        int          column);

G_END_DECLS
