/* gh-server-record.h — server.d/<pid>.json: which servers listen on a data directory, and where
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Each listening server writes its own record, "server.d/<pid>.json" (0600), in its data
 * directory, so servers sharing one never overwrite each other's; a clean stop rewrites it as
 * stopped (the last address stays known); a crash leaves it naming a process that is gone,
 * which gh_server_record_read() sees. A server that starts or stops cleanly removes the
 * records of the other servers that are gone, so past ones do not pile up. A "server.json"
 * left by an older version is read as one more record. */
typedef struct
{
  char    *url;          /* where it listens, "http://127.0.0.1:41234" */
  char    *issuer_base;  /* the root issuer (--issuer-base, else the URL) */
  gint64   pid;
  gint64   started_at;   /* Unix seconds */
  gint64   stopped_at;   /* 0 while running (or after a crash) */
  gboolean running;      /* the process is alive and is the one that wrote the record */
  gboolean stale;        /* not stopped cleanly, and the process is gone */
} GhServerRecord;

void            gh_server_record_free   (GhServerRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhServerRecord, gh_server_record_free)

/* Records this process as listening at @url. */
gboolean        gh_server_record_write  (const char  *data_dir,
                                         const char  *url,
                                         const char  *issuer_base,
                                         gint64       started_at,
                                         GError     **error);
/* Marks the record stopped, when it is this process's own record for @url. */
void            gh_server_record_stop   (const char  *data_dir,
                                         const char  *url);
/* Every record in @data_dir, running servers first (the one started last first), then the
 * past ones (the last first); empty when none; NULL with @error when the directory cannot be
 * read. */
GPtrArray      *gh_server_record_read_all (const char  *data_dir,
                                           GError     **error);
/* The first of gh_server_record_read_all(): a running server, else where one served last;
 * NULL when no server has recorded itself in @data_dir (or the records cannot be read;
 * @error says which: G_FILE_ERROR_NOENT for none). */
GhServerRecord *gh_server_record_read   (const char  *data_dir,
                                         GError     **error);

/* The JSON form of @record, as `gatehouse-server status --json` prints it (and the admin API
 * will): url, issuer, pid, started_at, then uptime_s while it runs (at @now, Unix seconds), or
 * stopped_at and stopped_cleanly. Added to @object, which may carry members of its own. */
void            gh_server_record_add_json_members (JsonObject           *object,
                                                   const GhServerRecord *record,
                                                   gint64                now);

G_END_DECLS
