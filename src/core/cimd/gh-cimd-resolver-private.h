/* gh-cimd-resolver-private.h — what the resolver's files share, and hooks for tests
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GhCimdResolver is one class in three files: gh-cimd-resolver.c (the API: a caller's
 * resolution from the URL rules to the answer), gh-cimd-fetch.c (one fetch, shared by its
 * callers) and gh-cimd-cache.c (documents in the store, JWK Sets in memory, the TTL a response
 * earns). The connection itself goes to a GhPinnedAddress (gh-pinned-address.h).
 */

#pragma once

#include <libsoup/soup.h>

#include "gh-cimd-resolver.h"

G_BEGIN_DECLS

/* A JWK Set may hold several RSA keys: it gets at least this cap, or cimd_max_bytes if larger. */
#define GH_CIMD_JWKS_MIN_MAX_BYTES (16 * 1024)
/* How much of a body a report shows. */
#define GH_CIMD_EXCERPT_BYTES 256
/* JWK Sets kept in memory at most (expired ones go first). */
#define GH_CIMD_JWKS_CACHE_MAX_ENTRIES 1024

/* A document's last good copy, as the cimd_cache table keeps it. */
typedef struct
{
  char *document;        /* the body as fetched */
  JsonObject *metadata;  /* validated */
  char *etag;
  char *last_modified;
  gint64 fetched_at;
  gint64 expires_at;
  gint64 ttl_s;
  char *ttl_why;
  gboolean no_store;
} GhCimdCacheEntry;

/* A JWK Set fetched from a jwks_uri, kept in memory until it expires. */
typedef struct
{
  JsonObject *jwks;
  gint64 expires_at;
  gint64 forced_at;   /* when a forced refetch (an unknown kid) last produced this set */
} GhCimdJwksEntry;

typedef enum
{
  GH_CIMD_FLIGHT_DOCUMENT,  /* a Client ID Metadata Document, cached in the store */
  GH_CIMD_FLIGHT_JWKS,      /* a client's JWK Set at its jwks_uri, cached in memory */
} GhCimdFlightKind;

/* One fetch of one URL for one project, shared by every concurrent caller. */
typedef struct
{
  GhCimdResolver *resolver;
  GhCimdFlightKind kind;
  char *key;
  gint64 project_id;
  char *project_slug;
  GhProjectSettings *settings;
  char *url;
  char *scheme;
  char *host;
  guint16 port;
  GhCimdResolveFlags flags;
  gint64 max_bytes;           /* the body cap */
  GhCimdReport *report;
  JsonObject *jwks;           /* GH_CIMD_FLIGHT_JWKS: the validated set, once read */
  GPtrArray *waiters;         /* GTask */
  GhCimdCacheEntry *cached;   /* the previous good entry, or NULL */
  gboolean conditional;

  GCancellable *cancellable;  /* cancelled by the deadline */
  guint deadline_id;
  gboolean timed_out;
  gboolean peer_refused;

  GPtrArray *addresses;       /* GInetAddress, each checked */
  SoupSession *session;
  SoupMessage *message;
  GInputStream *stream;
  GByteArray *body;

  gint64 t_start;
  gint64 t_dns;
  gint64 t_connect_start;
  gint64 t_connect;
  gint64 t_tls_start;
  gint64 t_tls;
  gint64 t_send;
  gint64 t_first_byte;
  gint64 t_body_end;

  /* A preview's refusal of the answer, held while the body's first bytes are read for the
   * report's excerpt. */
  char *deferred_id;
  char *deferred_actual;
  char *deferred_message;
} GhCimdFlight;

struct _GhCimdResolver
{
  GObject parent_instance;

  GhStore *store;
  GhAudit *audit;
  GTlsDatabase *tls_database;
  GHashTable *flights;        /* "project_id url" (documents), "jwks project_id url" -> flight */
  GHashTable *jwks_cache;     /* "jwks project_id url" -> GhCimdJwksEntry */
  gint64 jwks_refetch_cooldown;
  GQueue pending;             /* GhCimdFlight waiting for a fetch slot */
  guint active;
  guint fetch_count;
};

/* --- gh-cimd-resolver.c: answering callers ------------------------------------------------ */

/* A resolution's answer to one caller (whose task data is its waiter); a FAIL records the
 * caller's "oauth_client.cimd_fetch_failed" event first. */
void              _gh_cimd_resolver_complete_task      (GhCimdResolver      *self,
                                                        GTask               *task,
                                                        GhCimdReport        *report,
                                                        const GError        *internal_error);
/* A JWK Set fetch's answer: the set, or an error naming the rule that refused it. */
void              _gh_cimd_resolver_complete_jwks_task (GTask               *task,
                                                        GhCimdReport        *report,
                                                        JsonObject          *jwks,
                                                        gboolean             from_cache,
                                                        const GError        *internal_error);

/* --- gh-cimd-fetch.c: one fetch ----------------------------------------------------------- */

/* A new fetch of @url (which passed gh_cimd_check_url()) with its first waiter, started now
 * or queued behind the concurrency limit. Takes @key, @report, @cached (a document's previous
 * good entry, or NULL) and @task. The flight may finish, and be freed, before this returns. */
void              _gh_cimd_flight_launch               (GhCimdResolver      *self,
                                                        GhCimdFlightKind     kind,
                                                        char                *key,
                                                        const GhProject     *project,
                                                        const char          *url,
                                                        GhCimdResolveFlags   flags,
                                                        gint64               max_bytes,
                                                        GhCimdReport        *report,
                                                        GhCimdCacheEntry    *cached,
                                                        GTask               *task);

/* --- gh-cimd-cache.c: the caches ---------------------------------------------------------- */

void              _gh_cimd_cache_entry_free            (GhCimdCacheEntry    *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhCimdCacheEntry, _gh_cimd_cache_entry_free)
void              _gh_cimd_jwks_entry_free             (GhCimdJwksEntry     *entry);

/* The cached copy of @url for @project_id: *@out_entry is NULL when there is none (or the row
 * is unreadable); FALSE only for a store error. */
gboolean          _gh_cimd_cache_load                  (GhCimdResolver      *self,
                                                        gint64               project_id,
                                                        const char          *url,
                                                        GhCimdCacheEntry   **out_entry,
                                                        GError             **error);
/* Writes a fetched document in one transaction with the consequences of a change (consents
 * dropped, "oauth_client.cimd_changed" recorded). */
gboolean          _gh_cimd_cache_save_document         (GhCimdFlight        *flight,
                                                        const char          *document,
                                                        JsonObject          *raw,
                                                        JsonObject          *metadata,
                                                        gint64               ttl_s,
                                                        const char          *why,
                                                        gboolean             no_store,
                                                        GError             **error);
/* A 304's new freshness for the cached copy. */
gboolean          _gh_cimd_cache_refresh               (GhCimdFlight        *flight,
                                                        gint64               ttl_s,
                                                        const char          *why,
                                                        gboolean             no_store,
                                                        GError             **error);
/* The TTL the response headers ask for, clamped to cimd_cache_min_s .. cimd_cache_max_s, and
 * why in words; *@no_store for Cache-Control: no-store (then 0). */
gint64            _gh_cimd_cache_compute_ttl           (SoupMessageHeaders       *headers,
                                                        const GhProjectSettings  *settings,
                                                        gboolean                 *no_store,
                                                        char                    **why);
/* Keeps a good JWK Set under @key for @ttl_s seconds (@forced: it came from a forced refetch),
 * making room when the cache is full: what expired, else what expires first. */
void              _gh_cimd_cache_put_jwks              (GhCimdResolver      *self,
                                                        const char          *key,
                                                        JsonObject          *jwks,
                                                        gint64               ttl_s,
                                                        gboolean             forced);

/* --- gh-cimd-resolver.c: for tests -------------------------------------------------------- */

/* How long after a forced JWKS refetch another one waits (default 30 s); tests shorten it
 * to stand for time passing. */
void              _gh_cimd_resolver_set_jwks_refetch_cooldown (GhCimdResolver *self,
                                                               gint64          seconds);

G_END_DECLS
