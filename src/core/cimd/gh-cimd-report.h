/* gh-cimd-report.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* What one resolution of a Client ID Metadata Document found: the checks in the order they
 * ran, what the network did, how the cache was used, and the document. Shown by the CLI's
 * preview, kept in audit events, and decided on by /authorize. */
typedef struct _GhCimdReport GhCimdReport;

typedef enum
{
  GH_CIMD_PASS,
  GH_CIMD_WARN,
  GH_CIMD_FAIL,
  GH_CIMD_SKIP,  /* not run: an earlier failure stopped the resolution (previews list them) */
} GhCimdStatus;

#define GH_TYPE_CIMD_REPORT (gh_cimd_report_get_type ())

GType         gh_cimd_report_get_type          (void) G_GNUC_CONST;

GhCimdReport *gh_cimd_report_new               (const char    *client_id_url);
GhCimdReport *gh_cimd_report_ref               (GhCimdReport  *self);
void          gh_cimd_report_unref             (GhCimdReport  *self);

void          gh_cimd_report_add_check         (GhCimdReport  *self,
                                                const char    *id,
                                                GhCimdStatus   status,
                                                const char    *format,
                                                ...) G_GNUC_PRINTF (4, 5);
/* What the last check added compared: @expected (NULL: the rule's usual one) and @actual. */
void          gh_cimd_report_set_compared      (GhCimdReport  *self,
                                                const char    *expected,
                                                const char    *actual);
/* A SKIP check, saying @reason, for each check a complete resolution runs that has not run
 * (a preview's report lists every check). */
void          gh_cimd_report_add_skipped       (GhCimdReport  *self,
                                                const char    *reason);
/* Appends copies of @other's checks. */
void          gh_cimd_report_append_checks     (GhCimdReport  *self,
                                                GhCimdReport  *other);
/* The worst status of the checks so far, SKIPs aside (PASS when there are none). */
GhCimdStatus  gh_cimd_report_get_verdict       (GhCimdReport  *self);
/* The message of the first FAIL, or NULL. */
const char   *gh_cimd_report_get_failure       (GhCimdReport  *self);
/* The id of the first FAIL ("http.status"), or NULL. */
const char   *gh_cimd_report_get_failure_id    (GhCimdReport  *self);
/* The status of the last check named @id; FALSE when no such check ran. */
gboolean      gh_cimd_report_get_check_status  (GhCimdReport  *self,
                                                const char    *id,
                                                GhCimdStatus  *status);
const char   *gh_cimd_report_get_client_id     (GhCimdReport  *self);

/* The validated metadata (gh_client_metadata_validate's output), NULL while the verdict is
 * FAIL. */
JsonObject   *gh_cimd_report_get_document      (GhCimdReport  *self);
void          gh_cimd_report_set_document      (GhCimdReport  *self,
                                                JsonObject    *document);
/* The validated metadata whenever the document's own checks passed, whatever a project
 * setting said ("policy.*" checks of a preview); NULL otherwise. */
JsonObject   *gh_cimd_report_get_checked_document (GhCimdReport *self);
/* The document as fetched, unknown members kept; NULL when none was read. */
JsonObject   *gh_cimd_report_get_raw_document  (GhCimdReport  *self);
void          gh_cimd_report_set_raw_document  (GhCimdReport  *self,
                                                JsonObject    *raw_document);

/* The "network" section, created empty on first use; the resolver fills it in. */
JsonObject   *gh_cimd_report_get_network       (GhCimdReport  *self);
/* @result: "hit", "miss", "revalidated" or "bypassed"; @expires_at: unix seconds, or 0. */
void          gh_cimd_report_set_cache         (GhCimdReport  *self,
                                                const char    *result,
                                                gint64         ttl_s,
                                                const char    *why,
                                                gint64         expires_at);
/* The cached copy's (or the response's) fetch time (unix seconds) and validators. */
void          gh_cimd_report_set_cache_validators (GhCimdReport *self,
                                                   gint64        fetched_at,
                                                   const char   *etag,
                                                   const char   *last_modified);
const char   *gh_cimd_report_get_cache_result  (GhCimdReport  *self);
gint64        gh_cimd_report_get_cache_ttl     (GhCimdReport  *self);

const char   *gh_cimd_status_to_string         (GhCimdStatus   status);

/* {"client_id", "verdict", "checks": [{"id", "status", "message", "phase", "clause",
 *  "expected", "actual"?, "setting"?}], "network": {...}, "cache": {"result", "ttl_s", "why",
 *  "expires_at", "fetched_at", "age_s", "etag", "last_modified", "next_revalidation_at"},
 *  "document": {... as fetched ...}}. "phase" is url, fetch, document or policy; "setting" names
 *  the project setting that decides the check. */
JsonObject   *gh_cimd_report_to_json           (GhCimdReport  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhCimdReport, gh_cimd_report_unref)

G_END_DECLS
