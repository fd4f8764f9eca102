/* gh-cimd-resolver.c — fetches Client ID Metadata Documents without becoming an SSRF proxy
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-cimd"

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "gh-cimd-policy.h"
#include "gh-cimd-resolver-private.h"
#include "gh-cimd-resolver.h"
#include "gh-time.h"
#include "gh-util.h"

#define USER_AGENT "Gatehouse/" PACKAGE_VERSION " (Client ID Metadata Document fetcher)"

/* A JWK Set may hold several RSA keys: it gets at least this cap, or cimd_max_bytes if larger. */
#define JWKS_MIN_MAX_BYTES (16 * 1024)
/* JWK Sets kept in memory at most (expired ones go first). */
#define JWKS_CACHE_MAX_ENTRIES 1024

G_DEFINE_QUARK (gh-cimd-resolver-error-quark, gh_cimd_resolver_error)

/* ------------------------------------------------------------------------------------------ */
/* A connectable for the URL's host name whose addresses are only the ones we checked.
 *
 * libsoup hands the session's remote-connectable to the TLS connection as its server
 * identity: a bare GInetSocketAddress would send no SNI and verify the certificate against
 * the IP. A GNetworkAddress keeps the host name for SNI and verification, and overriding
 * its enumeration pins the connection to the checked addresses. */

struct _GhPinnedEnumerator
{
  GSocketAddressEnumerator parent_instance;
  GPtrArray *addresses; /* GInetSocketAddress */
  guint next;
};

#define GH_TYPE_PINNED_ENUMERATOR (gh_pinned_enumerator_get_type ())
G_DECLARE_FINAL_TYPE (GhPinnedEnumerator, gh_pinned_enumerator, GH, PINNED_ENUMERATOR,
                      GSocketAddressEnumerator)
G_DEFINE_FINAL_TYPE (GhPinnedEnumerator, gh_pinned_enumerator, G_TYPE_SOCKET_ADDRESS_ENUMERATOR)

static GSocketAddress *
gh_pinned_enumerator_next (GSocketAddressEnumerator  *enumerator,
                           GCancellable              *cancellable,
                           GError                   **error)
{
  GhPinnedEnumerator *self = GH_PINNED_ENUMERATOR (enumerator);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  if (self->next >= self->addresses->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->addresses, self->next++));
}

static void
gh_pinned_enumerator_finalize (GObject *object)
{
  GhPinnedEnumerator *self = GH_PINNED_ENUMERATOR (object);

  g_clear_pointer (&self->addresses, g_ptr_array_unref);
  G_OBJECT_CLASS (gh_pinned_enumerator_parent_class)->finalize (object);
}

static void
gh_pinned_enumerator_class_init (GhPinnedEnumeratorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gh_pinned_enumerator_finalize;
  /* The default next_async runs next() and returns at once, which is all we need. */
  G_SOCKET_ADDRESS_ENUMERATOR_CLASS (klass)->next = gh_pinned_enumerator_next;
}

static void
gh_pinned_enumerator_init (GhPinnedEnumerator *self)
{
}

struct _GhPinnedAddress
{
  GNetworkAddress parent_instance;
  GPtrArray *addresses; /* GInetSocketAddress */
};

#define GH_TYPE_PINNED_ADDRESS (gh_pinned_address_get_type ())
G_DECLARE_FINAL_TYPE (GhPinnedAddress, gh_pinned_address, GH, PINNED_ADDRESS, GNetworkAddress)

static void gh_pinned_address_connectable_init (GSocketConnectableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GhPinnedAddress, gh_pinned_address, G_TYPE_NETWORK_ADDRESS,
                               G_IMPLEMENT_INTERFACE (G_TYPE_SOCKET_CONNECTABLE,
                                                      gh_pinned_address_connectable_init))

static GSocketAddressEnumerator *
gh_pinned_address_enumerate (GSocketConnectable *connectable)
{
  GhPinnedAddress *self = GH_PINNED_ADDRESS (connectable);
  GhPinnedEnumerator *enumerator = g_object_new (GH_TYPE_PINNED_ENUMERATOR, NULL);

  enumerator->addresses = g_ptr_array_ref (self->addresses);
  return G_SOCKET_ADDRESS_ENUMERATOR (enumerator);
}

static void
gh_pinned_address_connectable_init (GSocketConnectableIface *iface)
{
  /* No proxy either: the checked address is the peer. */
  iface->enumerate = gh_pinned_address_enumerate;
  iface->proxy_enumerate = gh_pinned_address_enumerate;
}

static void
gh_pinned_address_finalize (GObject *object)
{
  GhPinnedAddress *self = GH_PINNED_ADDRESS (object);

  g_clear_pointer (&self->addresses, g_ptr_array_unref);
  G_OBJECT_CLASS (gh_pinned_address_parent_class)->finalize (object);
}

static void
gh_pinned_address_class_init (GhPinnedAddressClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gh_pinned_address_finalize;
}

static void
gh_pinned_address_init (GhPinnedAddress *self)
{
}

static GSocketConnectable *
gh_pinned_address_new (const char *hostname,
                       guint16     port,
                       const char *scheme,
                       GPtrArray  *inet_addresses)
{
  GhPinnedAddress *self = g_object_new (GH_TYPE_PINNED_ADDRESS,
                                        "hostname", hostname,
                                        "port", port,
                                        "scheme", scheme,
                                        NULL);

  self->addresses = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < inet_addresses->len; i++)
    g_ptr_array_add (self->addresses,
                     g_inet_socket_address_new (g_ptr_array_index (inet_addresses, i), port));
  return G_SOCKET_CONNECTABLE (self);
}

/* ------------------------------------------------------------------------------------------ */

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
} CacheEntry;

static void
cache_entry_free (CacheEntry *entry)
{
  g_free (entry->document);
  g_clear_pointer (&entry->metadata, json_object_unref);
  g_free (entry->etag);
  g_free (entry->last_modified);
  g_free (entry->ttl_why);
  g_free (entry);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CacheEntry, cache_entry_free)

/* One caller waiting for a resolution. */
typedef struct
{
  gint64 project_id;
  char *project_slug;
  char *flow_id;
} Waiter;

static void
waiter_free (Waiter *waiter)
{
  g_free (waiter->project_slug);
  g_free (waiter->flow_id);
  g_free (waiter);
}

/* A JWK Set fetched from a jwks_uri, kept in memory until it expires. */
typedef struct
{
  JsonObject *jwks;
  gint64 expires_at;
  gint64 forced_at;   /* when a forced refetch (an unknown kid) last produced this set */
} JwksEntry;

/* A forced refetch within this many seconds of the previous forced one uses the cached set:
 * a key rotation is seen at once, but a stream of made-up kids cannot make us fetch a
 * client's URL again and again. */
#define JWKS_REFETCH_COOLDOWN_S 30

static void
jwks_entry_free (JwksEntry *entry)
{
  g_clear_pointer (&entry->jwks, json_object_unref);
  g_free (entry);
}

/* What a JWK Set fetch hands its callers. */
typedef struct
{
  JsonObject *jwks;
  gboolean from_cache;
} JwksResult;

static void
jwks_result_free (JwksResult *result)
{
  g_clear_pointer (&result->jwks, json_object_unref);
  g_free (result);
}

typedef enum
{
  FLIGHT_DOCUMENT,  /* a Client ID Metadata Document, cached in the store */
  FLIGHT_JWKS,      /* a client's JWK Set at its jwks_uri, cached in memory */
} FlightKind;

/* One fetch of one URL for one project, shared by every concurrent caller. */
typedef struct
{
  GhCimdResolver *resolver;
  FlightKind kind;
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
  JsonObject *jwks;           /* FLIGHT_JWKS: the validated set, once read */
  GPtrArray *waiters;         /* GTask */
  CacheEntry *cached;         /* the previous good entry, or NULL */
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
} Flight;

struct _GhCimdResolver
{
  GObject parent_instance;

  GhStore *store;
  GhAudit *audit;
  GTlsDatabase *tls_database;
  GHashTable *flights;        /* "project_id url" (documents), "jwks project_id url" -> Flight */
  GHashTable *jwks_cache;     /* "jwks project_id url" -> JwksEntry */
  gint64 jwks_refetch_cooldown;
  GQueue pending;             /* Flight waiting for a fetch slot */
  guint active;
  guint fetch_count;
};

G_DEFINE_FINAL_TYPE (GhCimdResolver, gh_cimd_resolver, G_TYPE_OBJECT)

static void flight_start (Flight *flight);

static void
flight_free (Flight *flight)
{
  g_assert (flight->deadline_id == 0);
  g_clear_object (&flight->resolver);
  g_free (flight->key);
  g_free (flight->project_slug);
  g_clear_pointer (&flight->settings, gh_project_settings_free);
  g_free (flight->url);
  g_free (flight->scheme);
  g_free (flight->host);
  g_clear_pointer (&flight->report, gh_cimd_report_unref);
  g_clear_pointer (&flight->jwks, json_object_unref);
  g_clear_pointer (&flight->waiters, g_ptr_array_unref);
  g_clear_pointer (&flight->cached, cache_entry_free);
  g_clear_object (&flight->cancellable);
  g_clear_pointer (&flight->addresses, g_ptr_array_unref);
  g_clear_object (&flight->stream);
  g_clear_object (&flight->message);
  g_clear_object (&flight->session);
  g_clear_pointer (&flight->body, g_byte_array_unref);
  g_free (flight);
}

/* --- the store ---------------------------------------------------------------------------- */

static gboolean
load_cache_entry (GhCimdResolver  *self,
                  gint64           project_id,
                  const char      *url,
                  CacheEntry     **out_entry,
                  GError         **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(CacheEntry) entry = NULL;
  g_autoptr(JsonParser) parser = NULL;
  gboolean row = FALSE;

  *out_entry = NULL;
  stmt = gh_store_prepare (self->store,
                           "SELECT document, metadata, etag, last_modified, fetched_at, "
                           "expires_at, ttl_s, ttl_why, no_store FROM cimd_cache "
                           "WHERE project_id = ? AND client_id = ?",
                           error);
  if (stmt == NULL)
    return FALSE;
  gh_stmt_bind_int64 (stmt, 1, project_id);
  gh_stmt_bind_text (stmt, 2, url);
  if (!gh_store_step (self->store, stmt, &row, error))
    return FALSE;
  if (!row)
    return TRUE;

  entry = g_new0 (CacheEntry, 1);
  entry->document = g_strdup (gh_stmt_column_text (stmt, 0));
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, gh_stmt_column_text (stmt, 1), -1, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return TRUE; /* an unreadable row is as good as none; the next good fetch replaces it */
  entry->metadata = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
  entry->etag = g_strdup (gh_stmt_column_text (stmt, 2));
  entry->last_modified = g_strdup (gh_stmt_column_text (stmt, 3));
  entry->fetched_at = sqlite3_column_int64 (stmt, 4);
  entry->expires_at = sqlite3_column_int64 (stmt, 5);
  entry->ttl_s = sqlite3_column_int64 (stmt, 6);
  entry->ttl_why = g_strdup (gh_stmt_column_text (stmt, 7));
  entry->no_store = sqlite3_column_int64 (stmt, 8) != 0;
  *out_entry = g_steal_pointer (&entry);
  return TRUE;
}

static char *
json_object_to_text (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  return gh_json_to_string (node, FALSE);
}

static gboolean
member_equal (JsonObject *a,
              JsonObject *b,
              const char *name)
{
  JsonNode *x = json_object_get_member (a, name);
  JsonNode *y = json_object_get_member (b, name);

  if (x == NULL || y == NULL)
    return x == y;
  return json_node_equal (x, y);
}

/* Records, inside the caller's transaction, a changed document's consequences: the users'
 * consents no longer cover what the client now is. */
static gboolean
handle_document_change (Flight      *flight,
                        JsonObject  *old_raw,
                        JsonObject  *new_raw,
                        GError     **error)
{
  static const char * const watched[] = { "redirect_uris", "jwks", "jwks_uri" };
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(JsonObject) details = NULL;
  g_autoptr(JsonArray) changed = json_array_new ();
  GhAuditEvent event = { 0 };
  int deleted;

  for (guint i = 0; i < G_N_ELEMENTS (watched); i++)
    if (!member_equal (old_raw, new_raw, watched[i]))
      json_array_add_string_element (changed, watched[i]);
  if (json_array_get_length (changed) == 0)
    return TRUE;

  stmt = gh_store_prepare (flight->resolver->store,
                           "DELETE FROM consents WHERE project_id = ? AND client_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  gh_stmt_bind_int64 (stmt, 1, flight->project_id);
  gh_stmt_bind_text (stmt, 2, flight->url);
  if (!gh_store_step (flight->resolver->store, stmt, NULL, error))
    return FALSE;
  deleted = gh_store_changes (flight->resolver->store);

  details = json_object_new ();
  json_object_set_array_member (details, "changed", json_array_ref (changed));
  for (guint i = 0; i < G_N_ELEMENTS (watched); i++)
    {
      g_autofree char *old_name = g_strconcat ("old_", watched[i], NULL);
      g_autofree char *new_name = g_strconcat ("new_", watched[i], NULL);
      JsonNode *old_node = json_object_get_member (old_raw, watched[i]);
      JsonNode *new_node = json_object_get_member (new_raw, watched[i]);

      if (member_equal (old_raw, new_raw, watched[i]))
        continue;
      json_object_set_member (details, old_name,
                              old_node != NULL ? json_node_copy (old_node) : json_node_new (JSON_NODE_NULL));
      json_object_set_member (details, new_name,
                              new_node != NULL ? json_node_copy (new_node) : json_node_new (JSON_NODE_NULL));
    }
  json_object_set_int_member (details, "consents_deleted", deleted);

  event.project_id = flight->project_id;
  event.project_slug = flight->project_slug;
  event.type = "oauth_client.cimd_document_changed";
  event.outcome = GH_AUDIT_INFO;
  event.actor = "server";
  event.client_id = flight->url;
  event.details = details;
  return gh_audit_record (flight->resolver->audit, &event, error) > 0;
}

static gboolean
save_document (Flight      *flight,
               const char  *document,
               JsonObject  *raw,
               JsonObject  *metadata,
               gint64       ttl_s,
               const char  *why,
               gboolean     no_store,
               GError     **error)
{
  GhStore *store = flight->resolver->store;
  SoupMessageHeaders *headers = soup_message_get_response_headers (flight->message);
  g_autoptr(GhStmt) stmt = NULL;
  g_autofree char *metadata_text = json_object_to_text (metadata);
  gint64 now = gh_now_seconds ();

  if (!gh_store_begin (store, error))
    return FALSE;
  stmt = gh_store_prepare (store,
                           "INSERT INTO cimd_cache (project_id, client_id, document, metadata, "
                           "etag, last_modified, fetched_at, expires_at, ttl_s, ttl_why, no_store) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                           "ON CONFLICT (project_id, client_id) DO UPDATE SET "
                           "document = excluded.document, metadata = excluded.metadata, "
                           "etag = excluded.etag, last_modified = excluded.last_modified, "
                           "fetched_at = excluded.fetched_at, expires_at = excluded.expires_at, "
                           "ttl_s = excluded.ttl_s, ttl_why = excluded.ttl_why, "
                           "no_store = excluded.no_store",
                           error);
  if (stmt == NULL)
    goto fail;
  gh_stmt_bind_int64 (stmt, 1, flight->project_id);
  gh_stmt_bind_text (stmt, 2, flight->url);
  gh_stmt_bind_text (stmt, 3, document);
  gh_stmt_bind_text (stmt, 4, metadata_text);
  gh_stmt_bind_text (stmt, 5, soup_message_headers_get_one (headers, "ETag"));
  gh_stmt_bind_text (stmt, 6, soup_message_headers_get_one (headers, "Last-Modified"));
  gh_stmt_bind_int64 (stmt, 7, now);
  gh_stmt_bind_int64 (stmt, 8, now + ttl_s);
  gh_stmt_bind_int64 (stmt, 9, ttl_s);
  gh_stmt_bind_text (stmt, 10, why);
  gh_stmt_bind_int64 (stmt, 11, no_store ? 1 : 0);
  if (!gh_store_step (store, stmt, NULL, error))
    goto fail;
  gh_stmt_reset (g_steal_pointer (&stmt));

  if (flight->cached != NULL)
    {
      g_autoptr(JsonObject) old_raw = gh_json_parse_object_strict (flight->cached->document,
                                                                   strlen (flight->cached->document),
                                                                   NULL);

      if (old_raw != NULL && !handle_document_change (flight, old_raw, raw, error))
        goto fail;
    }

  return gh_store_commit (store, error);

fail:
  gh_store_rollback (store);
  return FALSE;
}

static gboolean
refresh_entry (Flight      *flight,
               gint64       ttl_s,
               const char  *why,
               gboolean     no_store,
               GError     **error)
{
  GhStore *store = flight->resolver->store;
  SoupMessageHeaders *headers = soup_message_get_response_headers (flight->message);
  g_autoptr(GhStmt) stmt = NULL;
  gint64 now = gh_now_seconds ();

  if (!gh_store_begin (store, error))
    return FALSE;
  stmt = gh_store_prepare (store,
                           "UPDATE cimd_cache SET expires_at = ?, ttl_s = ?, ttl_why = ?, "
                           "no_store = ?, etag = coalesce(?, etag), "
                           "last_modified = coalesce(?, last_modified) "
                           "WHERE project_id = ? AND client_id = ?",
                           error);
  if (stmt == NULL)
    goto fail;
  gh_stmt_bind_int64 (stmt, 1, now + ttl_s);
  gh_stmt_bind_int64 (stmt, 2, ttl_s);
  gh_stmt_bind_text (stmt, 3, why);
  gh_stmt_bind_int64 (stmt, 4, no_store ? 1 : 0);
  gh_stmt_bind_text (stmt, 5, soup_message_headers_get_one (headers, "ETag"));
  gh_stmt_bind_text (stmt, 6, soup_message_headers_get_one (headers, "Last-Modified"));
  gh_stmt_bind_int64 (stmt, 7, flight->project_id);
  gh_stmt_bind_text (stmt, 8, flight->url);
  if (!gh_store_step (store, stmt, NULL, error))
    goto fail;
  gh_stmt_reset (g_steal_pointer (&stmt));
  return gh_store_commit (store, error);

fail:
  gh_store_rollback (store);
  return FALSE;
}

/* --- freshness ---------------------------------------------------------------------------- */

static gboolean
parse_seconds (const char *text,
               gint64     *value)
{
  guint64 parsed;

  if (text == NULL || *text == '\0' || !g_ascii_isdigit (*text))
    return FALSE;
  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT32, &parsed, NULL))
    parsed = G_MAXINT32; /* absurdly large: the maximum bound applies anyway */
  *value = (gint64) parsed;
  return TRUE;
}

/* The TTL the response headers ask for, clamped to the project's bounds, and why. */
static gint64
compute_ttl (SoupMessageHeaders       *headers,
             const GhProjectSettings  *settings,
             gboolean                 *no_store,
             char                    **why)
{
  g_autoptr(GHashTable) directives = NULL;
  g_autoptr(GString) reason = g_string_new (NULL);
  const char *cache_control = soup_message_headers_get_list (headers, "Cache-Control");
  const char *expires = soup_message_headers_get_one (headers, "Expires");
  gint64 ttl;
  gint64 max_age;
  gint64 age = 0;

  *no_store = FALSE;
  if (cache_control != NULL)
    directives = soup_header_parse_param_list (cache_control);

  if (directives != NULL && g_hash_table_contains (directives, "no-store"))
    {
      *no_store = TRUE;
      *why = g_strdup ("Cache-Control: no-store, so the document is fetched again on every use");
      return 0;
    }
  if (directives != NULL && g_hash_table_contains (directives, "no-cache"))
    {
      *why = g_strdup ("Cache-Control: no-cache, so the document is revalidated on every use");
      return 0;
    }

  if (directives != NULL && parse_seconds (g_hash_table_lookup (directives, "max-age"), &max_age))
    {
      g_string_printf (reason, "max-age=%" G_GINT64_FORMAT, max_age);
      ttl = max_age;
      if (parse_seconds (soup_message_headers_get_one (headers, "Age"), &age) && age > 0)
        {
          ttl = MAX (0, max_age - age);
          g_string_append_printf (reason, " minus Age %" G_GINT64_FORMAT " = %" G_GINT64_FORMAT,
                                  age, ttl);
        }
      if (g_hash_table_contains (directives, "s-maxage"))
        g_string_append (reason, " (s-maxage ignored: this is not a shared cache)");
    }
  else if (expires != NULL)
    {
      g_autoptr(GDateTime) expires_at = soup_date_time_new_from_http_string (expires);
      const char *date_text = soup_message_headers_get_one (headers, "Date");
      g_autoptr(GDateTime) date = date_text != NULL ?
                                  soup_date_time_new_from_http_string (date_text) : NULL;
      gint64 base = date != NULL ? g_date_time_to_unix (date) : gh_now_seconds ();

      /* An invalid Expires means "already expired" (RFC 9111 §5.3). */
      ttl = expires_at != NULL ? MAX (0, g_date_time_to_unix (expires_at) - base) : 0;
      g_string_printf (reason, "Expires - %s = %" G_GINT64_FORMAT " s",
                       date != NULL ? "Date" : "now", ttl);
    }
  else
    {
      ttl = settings->cimd_cache_default_s;
      g_string_printf (reason, "no cache headers: the default cimd_cache_default_s = %"
                       G_GINT64_FORMAT " s", ttl);
    }

  if (ttl < settings->cimd_cache_min_s)
    {
      ttl = settings->cimd_cache_min_s;
      g_string_append_printf (reason, " raised to the %" G_GINT64_FORMAT " s minimum "
                              "(cimd_cache_min_s)", ttl);
    }
  else if (ttl > settings->cimd_cache_max_s)
    {
      ttl = settings->cimd_cache_max_s;
      g_string_append_printf (reason, " clamped to %" G_GINT64_FORMAT " max (cimd_cache_max_s)",
                              ttl);
    }
  *why = g_strdup (reason->str);
  return ttl;
}

/* --- completion --------------------------------------------------------------------------- */

static void
record_failure (GhCimdResolver  *self,
                Waiter          *waiter,
                GhCimdReport    *report,
                GError         **error)
{
  g_autoptr(JsonObject) details = json_object_new ();
  GhAuditEvent event = { 0 };

  json_object_set_string_member (details, "check", gh_cimd_report_get_failure_id (report));
  json_object_set_string_member (details, "message", gh_cimd_report_get_failure (report));
  json_object_set_string_member (details, "verdict",
                                 gh_cimd_status_to_string (gh_cimd_report_get_verdict (report)));

  event.project_id = waiter->project_id;
  event.project_slug = waiter->project_slug;
  event.type = "oauth_client.cimd_fetch_failed";
  event.outcome = GH_AUDIT_FAILURE;
  event.actor = "server";
  event.client_id = gh_cimd_report_get_client_id (report);
  event.flow_id = waiter->flow_id;
  event.details = details;
  gh_audit_record (self->audit, &event, error);
}

static void
complete_task (GhCimdResolver *self,
               GTask          *task,
               GhCimdReport   *report,
               const GError   *internal_error)
{
  Waiter *waiter = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (internal_error != NULL)
    {
      g_task_return_error (task, g_error_copy (internal_error));
      return;
    }
  if (gh_cimd_report_get_verdict (report) == GH_CIMD_FAIL)
    record_failure (self, waiter, report, &error);
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (!g_task_return_error_if_cancelled (task))
    g_task_return_pointer (task, gh_cimd_report_ref (report),
                           (GDestroyNotify) gh_cimd_report_unref);
}

/* A JWK Set fetch's answer: the set, or an error naming the rule that refused it. */
static void
complete_jwks_task (GTask         *task,
                    GhCimdReport  *report,
                    JsonObject    *jwks,
                    gboolean       from_cache,
                    const GError  *internal_error)
{
  JwksResult *result;

  if (g_task_return_error_if_cancelled (task))
    return;
  if (internal_error != NULL)
    {
      g_task_return_error (task, g_error_copy (internal_error));
      return;
    }
  if (jwks == NULL)
    {
      const char *failure = gh_cimd_report_get_failure (report);
      const char *id = gh_cimd_report_get_failure_id (report);

      g_task_return_new_error (task, GH_CIMD_RESOLVER_ERROR, GH_CIMD_RESOLVER_ERROR_REFUSED,
                               "%s (rule %s)",
                               failure != NULL ? failure : "The JWK Set was not accepted",
                               id != NULL ? id : "unknown");
      return;
    }
  result = g_new0 (JwksResult, 1);
  result->jwks = json_object_ref (jwks);
  result->from_cache = from_cache;
  g_task_return_pointer (task, result, (GDestroyNotify) jwks_result_free);
}

static void
add_headers_to (JsonObject         *section,
                const char         *member,
                SoupMessageHeaders *headers)
{
  JsonObject *object = json_object_new ();
  SoupMessageHeadersIter iter;
  const char *name;
  const char *value;

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      g_autofree char *key = g_ascii_strdown (name, -1);

      if (json_object_has_member (object, key))
        {
          g_autofree char *joined = g_strconcat (json_object_get_string_member (object, key),
                                                 ", ", value, NULL);
          json_object_set_string_member (object, key, joined);
        }
      else
        json_object_set_string_member (object, key, value);
    }
  json_object_set_object_member (section, member, object);
}

static gint64
span_ms (gint64 from,
         gint64 to)
{
  return from > 0 && to >= from ? (to - from) / 1000 : -1;
}

static void
fill_network (Flight *flight)
{
  JsonObject *network = gh_cimd_report_get_network (flight->report);
  JsonObject *timings = json_object_new ();
  gint64 end = g_get_monotonic_time ();

  json_object_set_int_member (timings, "dns", span_ms (flight->t_start, flight->t_dns));
  json_object_set_int_member (timings, "connect",
                              span_ms (flight->t_connect_start, flight->t_connect));
  json_object_set_int_member (timings, "tls", span_ms (flight->t_tls_start, flight->t_tls));
  json_object_set_int_member (timings, "first_byte",
                              span_ms (flight->t_send, flight->t_first_byte));
  json_object_set_int_member (timings, "total", span_ms (flight->t_start, end));
  json_object_set_object_member (network, "timings_ms", timings);

  if (flight->message != NULL)
    {
      add_headers_to (network, "request_headers",
                      soup_message_get_request_headers (flight->message));
      if (soup_message_get_status (flight->message) != 0)
        {
          json_object_set_int_member (network, "status",
                                      soup_message_get_status (flight->message));
          add_headers_to (network, "response_headers",
                          soup_message_get_response_headers (flight->message));
        }
    }
  if (flight->body != NULL)
    json_object_set_int_member (network, "size", flight->body->len);
}

static void
flight_finish (Flight       *flight,
               const GError *internal_error)
{
  GhCimdResolver *self = flight->resolver;

  g_clear_handle_id (&flight->deadline_id, gh_source_remove_here);
  fill_network (flight);

  /* Abort before dropping the body stream: closing it would otherwise read the rest of an
   * endless body. */
  g_cancellable_cancel (flight->cancellable);
  if (flight->session != NULL)
    soup_session_abort (flight->session);
  g_clear_object (&flight->stream);

  if (gh_cimd_report_get_verdict (flight->report) == GH_CIMD_FAIL &&
      gh_cimd_report_get_cache_result (flight->report) == NULL)
    gh_cimd_report_set_cache (flight->report, "miss", 0,
                              "a failed resolution is never cached (a good cached copy, if "
                              "any, is kept)", 0);

  g_hash_table_remove (self->flights, flight->key);
  g_assert (self->active > 0);
  self->active--;

  for (guint i = 0; i < flight->waiters->len; i++)
    if (flight->kind == FLIGHT_JWKS)
      complete_jwks_task (g_ptr_array_index (flight->waiters, i), flight->report, flight->jwks,
                          FALSE, internal_error);
    else
      complete_task (self, g_ptr_array_index (flight->waiters, i), flight->report,
                     internal_error);

  while (self->active < GH_CIMD_MAX_CONCURRENT_FETCHES && !g_queue_is_empty (&self->pending))
    flight_start (g_queue_pop_head (&self->pending));

  flight_free (flight);
}

static void
fail (Flight     *flight,
      const char *id,
      const char *format,
      ...) G_GNUC_PRINTF (3, 4);

static void
fail (Flight     *flight,
      const char *id,
      const char *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  gh_cimd_report_add_check (flight->report, id, GH_CIMD_FAIL, "%s", message);
  flight_finish (flight, NULL);
}

static const char *
flight_noun (Flight *flight)
{
  return flight->kind == FLIGHT_JWKS ? "JWK Set" : "document";
}

/* A failed network step: the deadline, a refused peer, TLS, or anything else. */
static void
fail_network (Flight       *flight,
              const char   *step,
              const GError *error)
{
  if (flight->peer_refused)
    flight_finish (flight, NULL);
  else if (flight->timed_out)
    fail (flight, "fetch.deadline",
          "No complete answer within cimd_timeout_ms = %" G_GINT64_FORMAT " ms (DNS, connect, "
          "TLS and body together; stopped while %s)", flight->settings->cimd_timeout_ms, step);
  else if (error->domain == G_TLS_ERROR)
    fail (flight, "fetch.tls",
          "TLS with “%s” failed: %s (the certificate must be valid for that host name)",
          flight->host, error->message);
  else
    fail (flight, "fetch.network", "Fetching the %s failed while %s: %s", flight_noun (flight),
          step, error->message);
}

/* --- the fetch ---------------------------------------------------------------------------- */

static gboolean
on_deadline (gpointer user_data)
{
  Flight *flight = user_data;

  flight->deadline_id = 0;
  flight->timed_out = TRUE;
  g_cancellable_cancel (flight->cancellable);
  return G_SOURCE_REMOVE;
}

static gboolean
address_is_checked (Flight       *flight,
                    GInetAddress *address)
{
  for (guint i = 0; i < flight->addresses->len; i++)
    if (g_inet_address_equal (g_ptr_array_index (flight->addresses, i), address))
      return TRUE;
  return FALSE;
}

static void
on_network_event (SoupMessage        *message,
                  GSocketClientEvent  event,
                  GIOStream          *connection,
                  gpointer            user_data)
{
  Flight *flight = user_data;

  switch (event)
    {
    case G_SOCKET_CLIENT_CONNECTING:
      if (flight->t_connect_start == 0)
        flight->t_connect_start = g_get_monotonic_time ();
      break;

    case G_SOCKET_CLIENT_CONNECTED:
      {
        g_autoptr(GSocketAddress) remote = NULL;
        g_autofree char *text = NULL;
        GInetAddress *address = NULL;
        gboolean loopback = FALSE;
        const char *reason = NULL;

        flight->t_connect = g_get_monotonic_time ();
        if (G_IS_SOCKET_CONNECTION (connection))
          remote = g_socket_connection_get_remote_address (G_SOCKET_CONNECTION (connection),
                                                           NULL);
        if (G_IS_INET_SOCKET_ADDRESS (remote))
          {
            address = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote));
            text = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (remote));
            json_object_set_string_member (gh_cimd_report_get_network (flight->report),
                                           "connected_address", text);
            reason = gh_cimd_address_special_reason (address, &loopback);
          }

        /* Before a byte is sent: the peer must be an address we checked, and still pass. */
        if (address == NULL || !address_is_checked (flight, address) ||
            (reason != NULL && !(loopback && flight->settings->allow_loopback_cimd)))
          {
            flight->peer_refused = TRUE;
            gh_cimd_report_add_check (flight->report, "network.peer", GH_CIMD_FAIL,
                                      "The connection went to %s, which is not an address "
                                      "checked for “%s”%s%s; closed before sending anything",
                                      text != NULL ? text : "an unknown peer", flight->host,
                                      reason != NULL ? ": " : "", reason != NULL ? reason : "");
            g_cancellable_cancel (flight->cancellable);
          }
        else
          gh_cimd_report_add_check (flight->report, "network.peer", GH_CIMD_PASS,
                                    "Connected to the checked address %s", text);
        break;
      }

    case G_SOCKET_CLIENT_TLS_HANDSHAKING:
      flight->t_tls_start = g_get_monotonic_time ();
      break;

    case G_SOCKET_CLIENT_TLS_HANDSHAKED:
      flight->t_tls = g_get_monotonic_time ();
      break;

    default:
      break;
    }
}

static void
finish_document (Flight *flight)
{
  g_autoptr(JsonObject) metadata = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *why = NULL;
  g_autofree char *text = NULL;
  gboolean no_store;
  gint64 ttl;

  metadata = gh_cimd_check_document ((const char *) flight->body->data, flight->body->len,
                                     flight->url, flight->settings, flight->report);
  if (metadata == NULL)
    {
      flight_finish (flight, NULL);
      return;
    }

  ttl = compute_ttl (soup_message_get_response_headers (flight->message), flight->settings,
                     &no_store, &why);
  text = g_strndup ((const char *) flight->body->data, flight->body->len);
  /* A no-store document is still written down, marked so it is never served from the cache:
   * /token must see the document /authorize just used, and a later change must be noticed. */
  if (!save_document (flight, text, gh_cimd_report_get_raw_document (flight->report), metadata,
                      ttl, why, no_store, &error))
    {
      flight_finish (flight, error);
      return;
    }
  gh_cimd_report_set_cache (flight->report,
                            (flight->flags & GH_CIMD_RESOLVE_FORCE_REFRESH) ? "bypassed" :
                            (flight->cached != NULL && flight->cached->no_store) ? "bypassed" :
                            "miss",
                            ttl, why, gh_now_seconds () + ttl);
  flight_finish (flight, NULL);
}

/* The body of a JWK Set: public keys only, kept in memory for as long as the headers allow. */
static void
finish_jwks (Flight *flight)
{
  GhCimdResolver *self = flight->resolver;
  g_autofree char *why = NULL;
  gboolean no_store;
  gint64 ttl;

  flight->jwks = gh_cimd_check_jwks ((const char *) flight->body->data, flight->body->len,
                                     flight->report);
  if (flight->jwks == NULL)
    {
      flight_finish (flight, NULL);
      return;
    }

  ttl = compute_ttl (soup_message_get_response_headers (flight->message), flight->settings,
                     &no_store, &why);
  if (no_store)
    g_hash_table_remove (self->jwks_cache, flight->key);
  else
    {
      JwksEntry *entry = g_new0 (JwksEntry, 1);
      gint64 now = gh_now_seconds ();

      entry->jwks = json_object_ref (flight->jwks);
      entry->expires_at = now + ttl;
      entry->forced_at = (flight->flags & GH_CIMD_RESOLVE_FORCE_REFRESH) ? now : 0;
      if (!g_hash_table_contains (self->jwks_cache, flight->key) &&
          g_hash_table_size (self->jwks_cache) >= JWKS_CACHE_MAX_ENTRIES)
        {
          GHashTableIter iter;
          gpointer key, value;
          const char *soonest = NULL;
          gint64 soonest_at = G_MAXINT64;

          /* Drop what expired; when nothing did, the entry closest to expiring. */
          g_hash_table_iter_init (&iter, self->jwks_cache);
          while (g_hash_table_iter_next (&iter, &key, &value))
            if (((JwksEntry *) value)->expires_at <= now)
              g_hash_table_iter_remove (&iter);
            else if (((JwksEntry *) value)->expires_at < soonest_at)
              {
                soonest = key;
                soonest_at = ((JwksEntry *) value)->expires_at;
              }
          if (g_hash_table_size (self->jwks_cache) >= JWKS_CACHE_MAX_ENTRIES && soonest != NULL)
            g_hash_table_remove (self->jwks_cache, soonest);
        }
      g_hash_table_replace (self->jwks_cache, g_strdup (flight->key), entry);
    }
  gh_cimd_report_set_cache (flight->report,
                            (flight->flags & GH_CIMD_RESOLVE_FORCE_REFRESH) ? "bypassed" : "miss",
                            ttl, why, no_store ? 0 : gh_now_seconds () + ttl);
  flight_finish (flight, NULL);
}

static void read_next (Flight *flight);

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Flight *flight = user_data;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (bytes == NULL)
    {
      fail_network (flight, "reading the body", error);
      return;
    }
  if (g_bytes_get_size (bytes) == 0)
    {
      if (flight->kind == FLIGHT_JWKS)
        finish_jwks (flight);
      else
        finish_document (flight);
      return;
    }
  g_byte_array_append (flight->body, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if (flight->body->len > (guint) flight->max_bytes)
    {
      if (flight->kind == FLIGHT_JWKS)
        fail (flight, "body.size",
              "The JWK Set is larger than %" G_GINT64_FORMAT " bytes (cimd_max_bytes, at least "
              "%d for a JWK Set); reading stopped there", flight->max_bytes, JWKS_MIN_MAX_BYTES);
      else
        fail (flight, "body.size",
              "The document is larger than cimd_max_bytes = %" G_GINT64_FORMAT " bytes; reading "
              "stopped there", flight->settings->cimd_max_bytes);
      return;
    }
  read_next (flight);
}

static void
read_next (Flight *flight)
{
  gsize want = MIN (8192, (gsize) flight->max_bytes + 1 - flight->body->len);

  g_input_stream_read_bytes_async (flight->stream, want, G_PRIORITY_DEFAULT, flight->cancellable,
                                   on_read, flight);
}

static gboolean
is_json_media_type (const char *type)
{
  return type != NULL && (g_ascii_strcasecmp (type, "application/json") == 0 ||
                          (g_str_has_prefix (type, "application/") &&
                           g_str_has_suffix (type, "+json")));
}

static void
revalidated (Flight *flight)
{
  g_autoptr(JsonObject) metadata = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *why = NULL;
  g_autofree char *full_why = NULL;
  gboolean no_store;
  gint64 ttl;

  gh_cimd_report_add_check (flight->report, "http.status", GH_CIMD_PASS,
                            "304 Not Modified: the cached document is still current");
  /* The project's rules may have changed since the document was cached. */
  metadata = gh_cimd_check_document (flight->cached->document, strlen (flight->cached->document),
                                     flight->url, flight->settings, flight->report);
  if (metadata == NULL)
    {
      flight_finish (flight, NULL);
      return;
    }
  ttl = compute_ttl (soup_message_get_response_headers (flight->message), flight->settings,
                     &no_store, &why);
  full_why = g_strdup_printf ("revalidated with a 304: %s", why);
  if (!refresh_entry (flight, ttl, why, no_store, &error))
    {
      flight_finish (flight, error);
      return;
    }
  gh_cimd_report_set_cache (flight->report, "revalidated", ttl, full_why, gh_now_seconds () + ttl);
  flight_finish (flight, NULL);
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Flight *flight = user_data;
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;
  const char *content_type;
  guint status;

  flight->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  flight->t_first_byte = g_get_monotonic_time ();
  if (flight->stream == NULL)
    {
      fail_network (flight, "connecting and sending the request", error);
      return;
    }

  status = soup_message_get_status (flight->message);
  headers = soup_message_get_response_headers (flight->message);
  content_type = soup_message_headers_get_content_type (headers, NULL);
  if (content_type != NULL)
    json_object_set_string_member (gh_cimd_report_get_network (flight->report), "content_type",
                                   content_type);

  if (status == SOUP_STATUS_NOT_MODIFIED && flight->conditional)
    {
      revalidated (flight);
      return;
    }
  if (status >= 300 && status < 400)
    {
      const char *location = soup_message_headers_get_one (headers, "Location");

      fail (flight, "http.redirect",
            "The server answered %u with Location: %s; redirects are never followed, so serve "
            "the %s at the %s itself", status, location != NULL ? location : "(none)",
            flight_noun (flight), flight->kind == FLIGHT_JWKS ? "jwks_uri" : "client_id URL");
      return;
    }
  if (status != SOUP_STATUS_OK)
    {
      fail (flight, "http.status", "The server answered %u %s; only 200 is accepted", status,
            soup_message_get_reason_phrase (flight->message));
      return;
    }
  gh_cimd_report_add_check (flight->report, "http.status", GH_CIMD_PASS, "200 OK");

  if (!is_json_media_type (content_type))
    {
      if (content_type != NULL && g_ascii_strcasecmp (content_type, "text/plain") == 0)
        fail (flight, "http.content_type",
              "The Content-Type is text/plain, not application/json; raw file hosts (such as "
              "raw.githubusercontent.com or a gist) serve text/plain, so host the document "
              "where you can set application/json");
      else
        fail (flight, "http.content_type",
              "The Content-Type is %s, not application/json or a +json type",
              content_type != NULL ? content_type : "missing");
      return;
    }
  gh_cimd_report_add_check (flight->report, "http.content_type", GH_CIMD_PASS,
                            "The Content-Type is %s", content_type);

  flight->body = g_byte_array_new ();
  read_next (flight);
}

static void
send_request (Flight *flight)
{
  GhCimdResolver *self = flight->resolver;
  g_autoptr(GSocketConnectable) pinned = NULL;
  SoupMessageHeaders *headers;

  pinned = gh_pinned_address_new (flight->host, flight->port, flight->scheme,
                                  flight->addresses);
  flight->session = g_object_new (SOUP_TYPE_SESSION,
                                  "remote-connectable", pinned,
                                  "proxy-resolver", NULL,
                                  "user-agent", USER_AGENT,
                                  "max-conns", 1,
                                  "max-conns-per-host", 1,
                                  NULL);
  if (self->tls_database != NULL)
    soup_session_set_tls_database (flight->session, self->tls_database);

  flight->message = soup_message_new ("GET", flight->url);
  if (flight->message == NULL)
    {
      fail (flight, "url.syntax", "libsoup cannot send a request to “%s”", flight->url);
      return;
    }
  soup_message_add_flags (flight->message, SOUP_MESSAGE_NO_REDIRECT | SOUP_MESSAGE_NEW_CONNECTION);
  headers = soup_message_get_request_headers (flight->message);
  soup_message_headers_replace (headers, "Accept",
                                flight->kind == FLIGHT_JWKS ?
                                "application/jwk-set+json, application/json" : "application/json");

  /* Revalidate a stale copy, unless the caller asked for a fresh one. */
  if (flight->cached != NULL && !flight->cached->no_store &&
      !(flight->flags & GH_CIMD_RESOLVE_FORCE_REFRESH))
    {
      if (flight->cached->etag != NULL)
        soup_message_headers_replace (headers, "If-None-Match", flight->cached->etag);
      if (flight->cached->last_modified != NULL)
        soup_message_headers_replace (headers, "If-Modified-Since",
                                      flight->cached->last_modified);
      flight->conditional = flight->cached->etag != NULL || flight->cached->last_modified != NULL;
    }

  g_signal_connect (flight->message, "network-event", G_CALLBACK (on_network_event), flight);

  self->fetch_count++;
  flight->t_send = g_get_monotonic_time ();
  soup_session_send_async (flight->session, flight->message, G_PRIORITY_DEFAULT,
                           flight->cancellable, on_sent, flight);
}

/* Every address must pass; one special address refuses the host (DNS rebinding and
 * round-robin tricks mix them). */
static void
check_addresses (Flight *flight)
{
  JsonArray *resolved = json_array_new ();
  g_autoptr(GString) loopbacks = g_string_new (NULL);
  gboolean refused = FALSE;

  for (guint i = 0; i < flight->addresses->len; i++)
    {
      GInetAddress *address = g_ptr_array_index (flight->addresses, i);
      g_autofree char *text = g_inet_address_to_string (address);
      gboolean loopback = FALSE;
      const char *reason = gh_cimd_address_special_reason (address, &loopback);

      json_array_add_string_element (resolved, text);
      if (reason != NULL && loopback && flight->settings->allow_loopback_cimd)
        g_string_append_printf (loopbacks, "%s%s", loopbacks->len > 0 ? ", " : "", text);
      else if (reason != NULL && !refused)
        {
          gh_cimd_report_add_check (flight->report, "address.special", GH_CIMD_FAIL,
                                    "“%s” resolves to %s, which is %s; refused before "
                                    "connecting%s", flight->host, text, reason,
                                    loopback ? " (loopback needs allow_loopback_cimd)" : "");
          refused = TRUE;
        }
    }
  json_object_set_array_member (gh_cimd_report_get_network (flight->report),
                                "resolved_addresses", resolved);

  if (refused)
    {
      flight_finish (flight, NULL);
      return;
    }
  if (loopbacks->len > 0)
    gh_cimd_report_add_check (flight->report, "address.loopback", GH_CIMD_WARN,
                              "Connecting to the loopback address(es) %s, allowed only because "
                              "allow_loopback_cimd is on", loopbacks->str);
  else
    gh_cimd_report_add_check (flight->report, "address.special", GH_CIMD_PASS,
                              "Every address of “%s” is a public one", flight->host);
  send_request (flight);
}

static void
on_resolved (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Flight *flight = user_data;
  g_autoptr(GError) error = NULL;
  GList *list;

  list = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  flight->t_dns = g_get_monotonic_time ();
  if (list == NULL)
    {
      if (flight->timed_out)
        fail_network (flight, "resolving the host", error);
      else
        fail (flight, "dns.resolve", "“%s” does not resolve: %s", flight->host, error->message);
      return;
    }
  for (const GList *l = list; l != NULL; l = l->next)
    g_ptr_array_add (flight->addresses, g_object_ref (l->data));
  g_resolver_free_addresses (list);
  check_addresses (flight);
}

static void
flight_start (Flight *flight)
{
  g_autoptr(GInetAddress) literal = NULL;

  flight->resolver->active++;
  flight->t_start = g_get_monotonic_time ();
  flight->cancellable = g_cancellable_new ();
  flight->deadline_id = gh_timeout_add_here ((guint) flight->settings->cimd_timeout_ms,
                                             on_deadline, flight);
  flight->addresses = g_ptr_array_new_with_free_func (g_object_unref);

  /* An IP literal in any notation is the address itself: resolvers disagree on the odd ones. */
  literal = gh_cimd_parse_ip_literal (flight->host);
  if (literal != NULL)
    {
      g_ptr_array_add (flight->addresses, g_steal_pointer (&literal));
      flight->t_dns = flight->t_start;
      check_addresses (flight);
    }
  else
    {
      g_autoptr(GResolver) resolver = g_resolver_get_default ();

      g_resolver_lookup_by_name_async (resolver, flight->host, flight->cancellable, on_resolved,
                                       flight);
    }
}

/* --- the public API ----------------------------------------------------------------------- */

GhCimdResolver *
gh_cimd_resolver_new (GhStore      *store,
                      GhAudit      *audit,
                      GTlsDatabase *tls_database)
{
  GhCimdResolver *self;

  g_return_val_if_fail (GH_IS_STORE (store), NULL);
  g_return_val_if_fail (GH_IS_AUDIT (audit), NULL);
  g_return_val_if_fail (tls_database == NULL || G_IS_TLS_DATABASE (tls_database), NULL);

  self = g_object_new (GH_TYPE_CIMD_RESOLVER, NULL);
  self->store = g_object_ref (store);
  self->audit = g_object_ref (audit);
  if (tls_database != NULL)
    self->tls_database = g_object_ref (tls_database);
  return self;
}

static void
serve_from_cache (GhCimdResolver           *self,
                  GTask                    *task,
                  GhCimdReport             *report,
                  const char               *url,
                  const GhProjectSettings  *settings,
                  CacheEntry               *cached)
{
  g_autoptr(JsonObject) metadata = NULL;
  gint64 now = gh_now_seconds ();

  /* Checked again: the project's rules may have changed since it was cached. */
  metadata = gh_cimd_check_document (cached->document, strlen (cached->document), url, settings,
                                     report);
  if (metadata != NULL)
    gh_cimd_report_set_cache (report, "hit", MAX (0, cached->expires_at - now), cached->ttl_why,
                              cached->expires_at);
  else
    gh_cimd_report_set_cache (report, "hit", MAX (0, cached->expires_at - now),
                              "the cached document no longer passes the project's rules",
                              cached->expires_at);
  complete_task (self, task, report, NULL);
}

/* A new fetch of @url (which passed gh_cimd_check_url()) with its first waiter, started now
 * or queued behind the concurrency limit. Takes @key, @report, @cached (a document's previous
 * good entry, or NULL) and @task. The flight may finish, and be freed, before this returns. */
static void
flight_launch (GhCimdResolver     *self,
               FlightKind          kind,
               char               *key,
               const GhProject    *project,
               const char         *url,
               GhCimdResolveFlags  flags,
               gint64              max_bytes,
               GhCimdReport       *report,
               CacheEntry         *cached,
               GTask              *task)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  Flight *flight;
  gint port;

  g_assert (uri != NULL); /* gh_cimd_check_url() parsed it */
  flight = g_new0 (Flight, 1);
  flight->resolver = g_object_ref (self);
  flight->kind = kind;
  flight->key = key;
  flight->project_id = project->id;
  flight->project_slug = g_strdup (project->slug);
  flight->settings = gh_project_settings_copy (project->settings);
  flight->url = g_strdup (url);
  flight->scheme = g_ascii_strdown (g_uri_get_scheme (uri), -1);
  flight->host = g_strdup (g_uri_get_host (uri));
  port = g_uri_get_port (uri);
  flight->port = port > 0 ? port : g_str_equal (flight->scheme, "http") ? 80 : 443;
  flight->flags = flags;
  flight->max_bytes = max_bytes;
  flight->report = report;
  flight->cached = cached;
  flight->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (flight->waiters, task);
  g_hash_table_insert (self->flights, flight->key, flight);

  if (self->active < GH_CIMD_MAX_CONCURRENT_FETCHES)
    flight_start (flight);
  else
    g_queue_push_tail (&self->pending, flight);
}

void
gh_cimd_resolver_resolve_async (GhCimdResolver      *self,
                                const GhProject     *project,
                                const char          *client_id_url,
                                GhCimdResolveFlags   flags,
                                const char          *flow_id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GhCimdReport) report = NULL;
  g_autoptr(CacheEntry) cached = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  Waiter *waiter;
  Flight *flight;

  g_return_if_fail (GH_IS_CIMD_RESOLVER (self));
  g_return_if_fail (project != NULL && project->settings != NULL);
  g_return_if_fail (client_id_url != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gh_cimd_resolver_resolve_async);
  waiter = g_new0 (Waiter, 1);
  waiter->project_id = project->id;
  waiter->project_slug = g_strdup (project->slug);
  waiter->flow_id = g_strdup (flow_id);
  g_task_set_task_data (task, waiter, (GDestroyNotify) waiter_free);

  /* Join a fetch of the same URL for the same project already on its way. */
  key = g_strdup_printf ("%" G_GINT64_FORMAT " %s", project->id, client_id_url);
  flight = g_hash_table_lookup (self->flights, key);
  if (flight != NULL)
    {
      g_ptr_array_add (flight->waiters, g_steal_pointer (&task));
      return;
    }

  report = gh_cimd_report_new (client_id_url);
  if (!project->settings->cimd_enabled)
    {
      gh_cimd_report_add_check (report, "project.cimd_enabled", GH_CIMD_FAIL,
                                "Project %s does not accept URL client ids (cimd_enabled is off)",
                                project->slug);
      complete_task (self, task, report, NULL);
      return;
    }
  if (!gh_cimd_check_url (client_id_url, project->settings, report))
    {
      complete_task (self, task, report, NULL);
      return;
    }

  if (!load_cache_entry (self, project->id, client_id_url, &cached, &error))
    {
      complete_task (self, task, report, error);
      return;
    }
  if (cached != NULL && !cached->no_store && !(flags & GH_CIMD_RESOLVE_FORCE_REFRESH) &&
      gh_now_seconds () < cached->expires_at)
    {
      serve_from_cache (self, task, report, client_id_url, project->settings, cached);
      return;
    }

  flight_launch (self, FLIGHT_DOCUMENT, g_steal_pointer (&key), project, client_id_url, flags,
                 project->settings->cimd_max_bytes, g_steal_pointer (&report),
                 g_steal_pointer (&cached), g_steal_pointer (&task));
}

GhCimdReport *
gh_cimd_resolver_resolve_finish (GhCimdResolver  *self,
                                 GAsyncResult    *result,
                                 GError         **error)
{
  g_return_val_if_fail (GH_IS_CIMD_RESOLVER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gh_cimd_resolver_resolve_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
gh_cimd_resolver_fetch_jwks_async (GhCimdResolver      *self,
                                   const GhProject     *project,
                                   const char          *jwks_uri,
                                   GhCimdResolveFlags   flags,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GhCimdReport) report = NULL;
  g_autofree char *key = NULL;
  JwksEntry *entry;
  Flight *flight;

  g_return_if_fail (GH_IS_CIMD_RESOLVER (self));
  g_return_if_fail (project != NULL && project->settings != NULL);
  g_return_if_fail (jwks_uri != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gh_cimd_resolver_fetch_jwks_async);

  /* Join a fetch of the same set for the same project already on its way: it is fresh. */
  key = g_strdup_printf ("jwks %" G_GINT64_FORMAT " %s", project->id, jwks_uri);
  flight = g_hash_table_lookup (self->flights, key);
  if (flight != NULL)
    {
      g_ptr_array_add (flight->waiters, g_steal_pointer (&task));
      return;
    }

  /* The URL rules of documents, checked again on every use: the project's rules may have
   * changed since the set was cached. cimd_enabled does not matter: a registered client's
   * jwks_uri is no URL client_id. */
  report = gh_cimd_report_new (jwks_uri);
  if (!gh_cimd_check_url (jwks_uri, project->settings, report))
    {
      complete_jwks_task (task, report, NULL, FALSE, NULL);
      return;
    }

  entry = g_hash_table_lookup (self->jwks_cache, key);
  if (entry != NULL && gh_now_seconds () < entry->expires_at &&
      (!(flags & GH_CIMD_RESOLVE_FORCE_REFRESH) ||
       (entry->forced_at != 0 && gh_now_seconds () - entry->forced_at < self->jwks_refetch_cooldown)))
    {
      complete_jwks_task (task, report, entry->jwks, TRUE, NULL);
      return;
    }
  /* The cooldown starts when a forced fetch starts, whatever comes of it: a failing or slow
   * key server must not be asked again for every made-up kid. */
  if (entry != NULL && (flags & GH_CIMD_RESOLVE_FORCE_REFRESH))
    entry->forced_at = gh_now_seconds ();

  flight_launch (self, FLIGHT_JWKS, g_steal_pointer (&key), project, jwks_uri, flags,
                 MAX (project->settings->cimd_max_bytes, JWKS_MIN_MAX_BYTES),
                 g_steal_pointer (&report), NULL, g_steal_pointer (&task));
}

JsonObject *
gh_cimd_resolver_fetch_jwks_finish (GhCimdResolver  *self,
                                    GAsyncResult    *result,
                                    gboolean        *from_cache,
                                    GError         **error)
{
  JwksResult *jwks_result;
  JsonObject *jwks;

  g_return_val_if_fail (GH_IS_CIMD_RESOLVER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        gh_cimd_resolver_fetch_jwks_async, NULL);

  if (from_cache != NULL)
    *from_cache = FALSE;
  jwks_result = g_task_propagate_pointer (G_TASK (result), error);
  if (jwks_result == NULL)
    return NULL;
  if (from_cache != NULL)
    *from_cache = jwks_result->from_cache;
  jwks = g_steal_pointer (&jwks_result->jwks);
  jwks_result_free (jwks_result);
  return jwks;
}

JsonObject *
gh_cimd_resolver_lookup_cached (GhCimdResolver *self,
                                gint64          project_id,
                                const char     *client_id_url)
{
  g_autoptr(CacheEntry) cached = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (GH_IS_CIMD_RESOLVER (self), NULL);
  g_return_val_if_fail (client_id_url != NULL, NULL);

  if (!load_cache_entry (self, project_id, client_id_url, &cached, &error))
    {
      g_debug ("Reading the CIMD cache failed: %s", error->message);
      return NULL;
    }
  if (cached == NULL || cached->metadata == NULL)
    return NULL;
  return json_object_ref (cached->metadata);
}

guint
gh_cimd_resolver_get_fetch_count (GhCimdResolver *self)
{
  g_return_val_if_fail (GH_IS_CIMD_RESOLVER (self), 0);
  return self->fetch_count;
}

static void
gh_cimd_resolver_dispose (GObject *object)
{
  GhCimdResolver *self = GH_CIMD_RESOLVER (object);

  /* Flights hold a reference, so none is running here. */
  g_assert (self->active == 0);
  g_clear_object (&self->store);
  g_clear_object (&self->audit);
  g_clear_object (&self->tls_database);

  G_OBJECT_CLASS (gh_cimd_resolver_parent_class)->dispose (object);
}

static void
gh_cimd_resolver_finalize (GObject *object)
{
  GhCimdResolver *self = GH_CIMD_RESOLVER (object);

  g_clear_pointer (&self->flights, g_hash_table_unref);
  g_clear_pointer (&self->jwks_cache, g_hash_table_unref);

  G_OBJECT_CLASS (gh_cimd_resolver_parent_class)->finalize (object);
}

static void
gh_cimd_resolver_class_init (GhCimdResolverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gh_cimd_resolver_dispose;
  object_class->finalize = gh_cimd_resolver_finalize;
}

static void
gh_cimd_resolver_init (GhCimdResolver *self)
{
  self->flights = g_hash_table_new (g_str_hash, g_str_equal);
  self->jwks_refetch_cooldown = JWKS_REFETCH_COOLDOWN_S;
  self->jwks_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) jwks_entry_free);
  g_queue_init (&self->pending);
}

void
_gh_cimd_resolver_set_jwks_refetch_cooldown (GhCimdResolver *self,
                                             gint64          seconds)
{
  g_return_if_fail (GH_IS_CIMD_RESOLVER (self));
  self->jwks_refetch_cooldown = seconds;
}
