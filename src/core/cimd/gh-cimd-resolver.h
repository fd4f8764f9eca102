/* gh-cimd-resolver.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "gh-audit.h"
#include "gh-cimd-report.h"
#include "gh-projects.h"
#include "gh-store.h"

G_BEGIN_DECLS

/* Outbound fetches one resolver runs at once; the rest wait their turn. */
#define GH_CIMD_MAX_CONCURRENT_FETCHES 4

typedef enum
{
  GH_CIMD_RESOLVE_NONE = 0,
  GH_CIMD_RESOLVE_FORCE_REFRESH = 1 << 0,
  GH_CIMD_RESOLVE_PREVIEW = 1 << 1,  /* set by gh_cimd_resolver_preview_async() only */
} GhCimdResolveFlags;

#define GH_CIMD_RESOLVER_ERROR (gh_cimd_resolver_error_quark ())

typedef enum
{
  GH_CIMD_RESOLVER_ERROR_REFUSED, /* a JWK Set fetch failed a rule; the message names it */
} GhCimdResolverError;

GQuark          gh_cimd_resolver_error_quark      (void);

#define GH_TYPE_CIMD_RESOLVER (gh_cimd_resolver_get_type ())

G_DECLARE_FINAL_TYPE (GhCimdResolver, gh_cimd_resolver, GH, CIMD_RESOLVER, GObject)

/* @tls_database: NULL for system trust; tests and --ca-file pass one with extra CAs. */
GhCimdResolver *gh_cimd_resolver_new              (GhStore             *store,
                                                   GhAudit             *audit,
                                                   GTlsDatabase        *tls_database);

/* Resolves @client_id_url for @project: the URL rules, then a fresh cached document, else a
 * fetch that connects only to addresses checked against the SSRF rules. Concurrent
 * resolutions of one URL in one project share one fetch and one report. Every resolution
 * that FAILs records one "oauth_client.cimd_fetch_failed" audit event (with @flow_id).
 * Cancelling @cancellable fails this caller with G_IO_ERROR_CANCELLED but does not stop a
 * fetch other callers share. */
void            gh_cimd_resolver_resolve_async    (GhCimdResolver      *self,
                                                   const GhProject     *project,
                                                   const char          *client_id_url,
                                                   GhCimdResolveFlags   flags,
                                                   const char          *flow_id,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
/* Always a report (a failed resolution is a report with verdict FAIL); NULL + error only for
 * internal failures (store errors) and a cancelled caller. */
GhCimdReport   *gh_cimd_resolver_resolve_finish   (GhCimdResolver      *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* A preview (the admin API's): the project's settings are checked as "policy.*" checks naming
 * the setting that would refuse, then every other check runs as if cimd_enabled were on and
 * the domain lists empty (allow_loopback_cimd still decides where a fetch may connect); a
 * check not reached is listed as "skip"; the network section has each address's range
 * verdict and a body excerpt. A fresh cached copy is used unless @bypass_cache. Nothing is
 * written: no cache entry, no shared fetch, no audit event. Finish with
 * gh_cimd_resolver_resolve_finish(). */
void            gh_cimd_resolver_preview_async    (GhCimdResolver      *self,
                                                   const GhProject     *project,
                                                   const char          *client_id_url,
                                                   gboolean             bypass_cache,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);

/* The last good document (validated metadata) in the persistent cache, fresh or not,
 * without any I/O (for /token, which follows an /authorize that just resolved it).
 * NULL when never resolved. */
JsonObject     *gh_cimd_resolver_lookup_cached    (GhCimdResolver      *self,
                                                   gint64               project_id,
                                                   const char          *client_id_url);

/* Fetches the JWK Set at @jwks_uri for @project under the rules and limits of document
 * fetches: the URL rules and the SSRF guard (allow_loopback_cimd, the domain lists, every
 * address checked, the connection pinned to a checked address, TLS verified against the URL's
 * host, the peer checked again), no redirects, a body cap of the larger of cimd_max_bytes and
 * 16 KiB, cimd_timeout_ms for the whole fetch, a JSON Content-Type (application/json,
 * application/jwk-set+json or any +json). The body must be a strict JSON object whose "keys"
 * array holds at least one public JWK (no "d", "k", ...). A good set is kept in memory for the
 * TTL the response's cache headers give, within cimd_cache_min_s .. cimd_cache_max_s (never
 * with no-store); failures are never cached. Concurrent fetches of one URL for one project
 * share one request. GH_CIMD_RESOLVE_FORCE_REFRESH skips the cached set (a key rotation). */
void            gh_cimd_resolver_fetch_jwks_async  (GhCimdResolver      *self,
                                                    const GhProject     *project,
                                                    const char          *jwks_uri,
                                                    GhCimdResolveFlags   flags,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
/* The JWK Set (a JSON object with "keys"); *@from_cache (optional) tells whether it came from
 * the cache without a request. Errors: GH_CIMD_RESOLVER_ERROR_REFUSED, whose message says what
 * was wrong and ends with the rule's id ("(rule http.status)"); G_IO_ERROR_CANCELLED. */
JsonObject     *gh_cimd_resolver_fetch_jwks_finish (GhCimdResolver      *self,
                                                    GAsyncResult        *result,
                                                    gboolean            *from_cache,
                                                    GError             **error);
/* Counts real network fetches (HTTP requests sent) since creation. */
guint           gh_cimd_resolver_get_fetch_count  (GhCimdResolver      *self);

G_END_DECLS
