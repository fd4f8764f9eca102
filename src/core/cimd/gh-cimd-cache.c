/* gh-cimd-cache.c — the resolver's caches: documents in the store, JWK Sets in memory, TTLs
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-cimd"

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "gh-cimd-resolver-private.h"
#include "gh-json.h"
#include "gh-time.h"

void
_gh_cimd_cache_entry_free (GhCimdCacheEntry *entry)
{
  g_free (entry->document);
  g_clear_pointer (&entry->metadata, json_object_unref);
  g_free (entry->etag);
  g_free (entry->last_modified);
  g_free (entry->ttl_why);
  g_free (entry);
}

void
_gh_cimd_jwks_entry_free (GhCimdJwksEntry *entry)
{
  g_clear_pointer (&entry->jwks, json_object_unref);
  g_free (entry);
}

/* --- the store ---------------------------------------------------------------------------- */

gboolean
_gh_cimd_cache_load (GhCimdResolver    *self,
                     gint64             project_id,
                     const char        *url,
                     GhCimdCacheEntry **out_entry,
                     GError           **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(GhCimdCacheEntry) entry = NULL;
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

  entry = g_new0 (GhCimdCacheEntry, 1);
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
handle_document_change (GhCimdFlight  *flight,
                        JsonObject    *old_raw,
                        JsonObject    *new_raw,
                        GError       **error)
{
  static const char * const watched[] = { "redirect_uris", "jwks", "jwks_uri" };
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(JsonObject) details = NULL;
  g_autoptr(JsonArray) changed = json_array_new ();
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
                              old_node != NULL ? json_node_copy (old_node) :
                                                 json_node_new (JSON_NODE_NULL));
      json_object_set_member (details, new_name,
                              new_node != NULL ? json_node_copy (new_node) :
                                                 json_node_new (JSON_NODE_NULL));
    }
  json_object_set_int_member (details, "consents_deleted", deleted);

  return gh_audit_record_event (flight->resolver->audit, &(GhAuditEvent) {
                                .project_id = flight->project_id,
                                .project_slug = flight->project_slug,
                                .type = GH_AUDIT_EVENT_CIMD_CHANGED,
                                .outcome = GH_AUDIT_INFO, .actor = "server",
                                .client_id = flight->url, .details = details }, error);
}

gboolean
_gh_cimd_cache_save_document (GhCimdFlight  *flight,
                              const char    *document,
                              JsonObject    *raw,
                              JsonObject    *metadata,
                              gint64         ttl_s,
                              const char    *why,
                              gboolean       no_store,
                              GError       **error)
{
  GhStore *store = flight->resolver->store;
  SoupMessageHeaders *headers = soup_message_get_response_headers (flight->message);
  g_autoptr(GhStmt) stmt = NULL;
  g_autofree char *metadata_text = gh_json_object_to_string (metadata, FALSE);
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
      const char *old_document = flight->cached->document;
      g_autoptr(JsonObject) old_raw = gh_json_parse_object_strict (old_document,
                                                                   strlen (old_document), NULL);

      if (old_raw != NULL && !handle_document_change (flight, old_raw, raw, error))
        goto fail;
    }

  return gh_store_commit (store, error);

fail:
  gh_store_rollback (store);
  return FALSE;
}

gboolean
_gh_cimd_cache_refresh (GhCimdFlight  *flight,
                        gint64         ttl_s,
                        const char    *why,
                        gboolean       no_store,
                        GError       **error)
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
gint64
_gh_cimd_cache_compute_ttl (SoupMessageHeaders       *headers,
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

/* --- JWK Sets in memory ------------------------------------------------------------------- */

void
_gh_cimd_cache_put_jwks (GhCimdResolver *self,
                         const char     *key,
                         JsonObject     *jwks,
                         gint64          ttl_s,
                         gboolean        forced)
{
  GhCimdJwksEntry *entry = g_new0 (GhCimdJwksEntry, 1);
  gint64 now = gh_now_seconds ();

  entry->jwks = json_object_ref (jwks);
  entry->expires_at = now + ttl_s;
  entry->forced_at = forced ? now : 0;
  if (!g_hash_table_contains (self->jwks_cache, key) &&
      g_hash_table_size (self->jwks_cache) >= GH_CIMD_JWKS_CACHE_MAX_ENTRIES)
    {
      GHashTableIter iter;
      gpointer k, value;
      const char *soonest = NULL;
      gint64 soonest_at = G_MAXINT64;

      /* Drop what expired; when nothing did, the entry closest to expiring. */
      g_hash_table_iter_init (&iter, self->jwks_cache);
      while (g_hash_table_iter_next (&iter, &k, &value))
        if (((GhCimdJwksEntry *) value)->expires_at <= now)
          g_hash_table_iter_remove (&iter);
        else if (((GhCimdJwksEntry *) value)->expires_at < soonest_at)
          {
            soonest = k;
            soonest_at = ((GhCimdJwksEntry *) value)->expires_at;
          }
      if (g_hash_table_size (self->jwks_cache) >= GH_CIMD_JWKS_CACHE_MAX_ENTRIES &&
          soonest != NULL)
        g_hash_table_remove (self->jwks_cache, soonest);
    }
  g_hash_table_replace (self->jwks_cache, g_strdup (key), entry);
}
