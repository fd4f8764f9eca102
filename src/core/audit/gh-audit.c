/* gh-audit.c — GhAudit: domain events written in the caller's transaction, limited, pruned
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-audit"

#include "config.h"

#include <string.h>

#include "gh-audit.h"
#include "gh-error.h"
#include "gh-flows.h"
#include "gh-json.h"
#include "gh-text.h"
#include "gh-time.h"

/* The details of one event keep at most this many array items and object members. */
#define MAX_DETAIL_ITEMS 64
/* Sources the refusal limiter keeps apart; beyond, they share one bucket. */
#define MAX_SOURCES 4096
#define OVERFLOW_SOURCE "*"

/* One source address's token bucket for refusal events, and what it did not write. */
typedef struct
{
  double      tokens;
  gint64      refilled_at;      /* µs, monotonic */
  guint64     suppressed;
  gint64      first_suppressed; /* µs, real time */
  gint64      last_suppressed;  /* µs, real time */
  GHashTable *types;            /* event type -> count, as GUINT_TO_POINTER */
} Bucket;

struct _GhAudit
{
  GObject parent_instance;

  GhStore *store;

  guint refusals_per_minute;
  GHashTable *buckets;          /* source key -> Bucket */

  gint64 max_events;
  gint64 max_age_days;
  guint prune_timeout_id;
  guint prune_idle_id;

  /* The ids written in the open transaction, told as "committed" when it commits */
  GArray *uncommitted;
  gulong transaction_handler;
};

G_DEFINE_FINAL_TYPE (GhAudit, gh_audit, G_TYPE_OBJECT)

enum
{
  COMMITTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
bucket_free (Bucket *bucket)
{
  g_clear_pointer (&bucket->types, g_hash_table_unref);
  g_free (bucket);
}

static void
gh_audit_dispose (GObject *object)
{
  GhAudit *self = (GhAudit *) object;

  gh_audit_stop_pruning (self);
  if (self->store != NULL)
    gh_audit_flush_suppressed (self, TRUE);
  if (self->store != NULL)
    g_clear_signal_handler (&self->transaction_handler, self->store);
  g_clear_object (&self->store);
  g_clear_pointer (&self->uncommitted, g_array_unref);
  g_clear_pointer (&self->buckets, g_hash_table_unref);

  G_OBJECT_CLASS (gh_audit_parent_class)->dispose (object);
}

static void
gh_audit_class_init (GhAuditClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gh_audit_dispose;

  /* GhAudit::committed (gint64 id): event @id is stored for good; once per event, in the
   * order of their ids, right after the transaction that wrote it commits (never when it
   * rolls back), in the store's thread. */
  signals[COMMITTED] =
    g_signal_new ("committed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
}

static void
gh_audit_init (GhAudit *self)
{
  self->refusals_per_minute = GH_AUDIT_DEFAULT_REFUSALS_PER_MINUTE;
  self->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) bucket_free);
  self->max_events = GH_AUDIT_DEFAULT_MAX_EVENTS;
  self->max_age_days = GH_AUDIT_DEFAULT_MAX_AGE_DAYS;
  self->uncommitted = g_array_new (FALSE, FALSE, sizeof (gint64));
}

static void
transaction_ended (GhStore  *store,
                   gboolean  committed,
                   GhAudit  *self)
{
  g_autoptr(GArray) ids = NULL;

  if (self->uncommitted->len == 0)
    return;
  /* A handler may write (and commit) again: it starts a list of its own */
  ids = g_steal_pointer (&self->uncommitted);
  self->uncommitted = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (!committed)
    return;
  g_object_ref (self);
  for (guint i = 0; i < ids->len; i++)
    g_signal_emit (self, signals[COMMITTED], 0, g_array_index (ids, gint64, i));
  g_object_unref (self);
}

GhAudit *
gh_audit_new (GhStore *store)
{
  GhAudit *self;

  g_return_val_if_fail (GH_IS_STORE (store), NULL);

  self = g_object_new (GH_TYPE_AUDIT, NULL);
  self->store = g_object_ref (store);
  self->transaction_handler = g_signal_connect (store, "transaction-ended",
                                                G_CALLBACK (transaction_ended), self);
  return self;
}

const char *
gh_audit_outcome_to_string (GhAuditOutcome outcome)
{
  switch (outcome)
    {
    case GH_AUDIT_SUCCESS:
      return "success";
    case GH_AUDIT_FAILURE:
      return "failure";
    case GH_AUDIT_INFO:
    default:
      return "info";
    }
}

static GhAuditOutcome
outcome_from_string (const char *text)
{
  if (g_strcmp0 (text, "success") == 0)
    return GH_AUDIT_SUCCESS;
  if (g_strcmp0 (text, "failure") == 0)
    return GH_AUDIT_FAILURE;
  return GH_AUDIT_INFO;
}

/* ---- what a row may hold --------------------------------------------------------- */

static char *
cut_value (const char *text)
{
  return gh_text_cut (text, GH_REFLECT_MAX_VALUE);
}

static JsonNode *bounded_copy (JsonNode   *node,
                               const char *name);

/* A copy of @object with every string cut, and at most MAX_DETAIL_ITEMS members. */
static JsonObject *
bounded_object (JsonObject *object)
{
  JsonObject *copy = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;
  guint kept = 0;
  guint size = json_object_get_size (object);

  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      g_autofree char *cut_name = NULL;

      if (kept == MAX_DETAIL_ITEMS)
        {
          json_object_set_int_member (copy, "members_cut", size - kept);
          break;
        }
      cut_name = cut_value (name);
      json_object_set_member (copy, cut_name, bounded_copy (member, name));
      kept++;
    }
  return copy;
}

static JsonNode *
bounded_copy (JsonNode   *node,
              const char *name)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonNode *copy = json_node_new (JSON_NODE_OBJECT);

      json_node_take_object (copy, bounded_object (json_node_get_object (node)));
      return copy;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      JsonArray *out = json_array_new ();
      JsonNode *copy = json_node_new (JSON_NODE_ARRAY);
      guint length = json_array_get_length (array);

      for (guint i = 0; i < length && i < MAX_DETAIL_ITEMS; i++)
        json_array_add_element (out, bounded_copy (json_array_get_element (array, i), NULL));
      if (length > MAX_DETAIL_ITEMS)
        {
          g_autofree char *marker = g_strdup_printf ("\xe2\x80\xa6 (cut, %u items)", length);
          json_array_add_string_element (out, marker);
        }
      json_node_take_array (copy, out);
      return copy;
    }
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      gsize max = g_strcmp0 (name, "error_description") == 0 ? GH_REFLECT_MAX_DESCRIPTION
                                                             : GH_REFLECT_MAX_VALUE;
      g_autofree char *cut = gh_text_cut (json_node_get_string (node), max);

      return json_node_init_string (json_node_alloc (), cut);
    }
  return json_node_copy (node);
}

/* ---- the refusal limiter ---------------------------------------------------------- */

/* IPv4 addresses count one by one, IPv6 ones by their /64 (one host's usual share); an
 * IPv4-mapped address (a dual-stack listener) is the IPv4 address it maps. */
static char *
source_key (const char *source)
{
  static const guint8 v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (source);
  guint8 bytes[16] = { 0 };

  if (address == NULL || g_inet_address_get_family (address) != G_SOCKET_FAMILY_IPV6 ||
      g_inet_address_get_is_loopback (address) ||
      memcmp (g_inet_address_to_bytes (address), v4_mapped, sizeof v4_mapped) == 0)
    return cut_value (source);
  memcpy (bytes, g_inet_address_to_bytes (address), 8);
  {
    g_autoptr(GInetAddress) prefix = g_inet_address_new_from_bytes (bytes, G_SOCKET_FAMILY_IPV6);
    g_autofree char *text = g_inet_address_to_string (prefix);

    return g_strconcat (text, "/64", NULL);
  }
}

static void
refill (GhAudit *self,
        Bucket  *bucket,
        gint64   now)
{
  double rate = self->refusals_per_minute / (60.0 * G_USEC_PER_SEC);

  bucket->tokens = MIN ((double) self->refusals_per_minute,
                        bucket->tokens + (now - bucket->refilled_at) * rate);
  bucket->refilled_at = now;
}

/* A bucket that is full and holds nothing unwritten can go. */
static gboolean
bucket_idle (GhAudit *self,
             Bucket  *bucket,
             gint64   now)
{
  refill (self, bucket, now);
  return bucket->suppressed == 0 && bucket->tokens >= self->refusals_per_minute;
}

static Bucket *
lookup_bucket (GhAudit    *self,
               const char *source,
               char      **out_key)
{
  g_autofree char *key = source_key (source);
  gint64 now = g_get_monotonic_time ();
  Bucket *bucket = g_hash_table_lookup (self->buckets, key);

  if (bucket == NULL && g_hash_table_size (self->buckets) >= MAX_SOURCES)
    {
      GHashTableIter iter;
      Bucket *other;

      g_hash_table_iter_init (&iter, self->buckets);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &other))
        if (bucket_idle (self, other, now))
          g_hash_table_iter_remove (&iter);
      if (g_hash_table_size (self->buckets) >= MAX_SOURCES)
        {
          g_free (key);
          key = g_strdup (OVERFLOW_SOURCE);
          bucket = g_hash_table_lookup (self->buckets, key);
        }
    }
  if (bucket == NULL)
    {
      bucket = g_new0 (Bucket, 1);
      bucket->tokens = self->refusals_per_minute;
      bucket->refilled_at = now;
      g_hash_table_insert (self->buckets, g_strdup (key), bucket);
    }
  refill (self, bucket, now);
  *out_key = g_steal_pointer (&key);
  return bucket;
}

static gint64 insert_event (GhAudit             *self,
                            const GhAuditEvent  *event,
                            GError             **error);

/* One "audit.refusals_suppressed" event for what @bucket did not write. */
static gboolean
write_summary (GhAudit     *self,
               const char  *key,
               Bucket      *bucket,
               GError     **error)
{
  g_autoptr(JsonObject) details = json_object_new ();
  JsonObject *types = json_object_new ();
  GhAuditEvent event = { 0 };
  GHashTableIter iter;
  gpointer type, count;

  json_object_set_string_member (details, "source_address", key);
  json_object_set_int_member (details, "suppressed", (gint64) bucket->suppressed);
  json_object_set_int_member (details, "first", bucket->first_suppressed / G_USEC_PER_SEC);
  json_object_set_int_member (details, "last", bucket->last_suppressed / G_USEC_PER_SEC);
  json_object_set_int_member (details, "limit_per_minute", self->refusals_per_minute);
  g_hash_table_iter_init (&iter, bucket->types);
  while (g_hash_table_iter_next (&iter, &type, &count))
    json_object_set_int_member (types, type, GPOINTER_TO_UINT (count));
  json_object_set_object_member (details, "types", types);

  event.type = GH_AUDIT_EVENT_REFUSALS_SUPPRESSED;
  event.outcome = GH_AUDIT_INFO;
  event.actor = "server";
  event.details = details;
  if (insert_event (self, &event, error) == 0)
    return FALSE;
  bucket->suppressed = 0;
  g_hash_table_remove_all (bucket->types);
  return TRUE;
}

/* FALSE when @event is over its source's limit: counted for the summary, not written.
 * Otherwise *@out_bucket is set when the source has a summary to write first. */
static gboolean
limiter_admit (GhAudit             *self,
               const GhAuditEvent  *event,
               char               **out_key,
               Bucket             **out_bucket)
{
  g_autofree char *key = NULL;
  Bucket *bucket;

  *out_bucket = NULL;
  if (self->refusals_per_minute == 0)
    return TRUE;
  bucket = lookup_bucket (self, event->source, &key);
  if (bucket->tokens < 1.0)
    {
      gint64 now = g_get_real_time ();
      guint count;

      if (bucket->suppressed == 0)
        bucket->first_suppressed = now;
      bucket->last_suppressed = now;
      bucket->suppressed++;
      if (bucket->types == NULL)
        bucket->types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      /* The types are the code's own names: a handful */
      count = GPOINTER_TO_UINT (g_hash_table_lookup (bucket->types, event->type));
      g_hash_table_replace (bucket->types, g_strdup (event->type), GUINT_TO_POINTER (count + 1));
      return FALSE;
    }
  bucket->tokens -= 1.0;
  /* Allowed again: first say how many were not written */
  if (bucket->suppressed > 0)
    {
      *out_bucket = bucket;
      *out_key = g_steal_pointer (&key);
    }
  return TRUE;
}

void
gh_audit_flush_suppressed (GhAudit  *self,
                           gboolean  all)
{
  GHashTableIter iter;
  const char *key;
  Bucket *bucket;
  gint64 now = g_get_real_time ();

  g_return_if_fail (GH_IS_AUDIT (self));

  g_hash_table_iter_init (&iter, self->buckets);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &bucket))
    {
      g_autoptr(GError) error = NULL;
      gboolean own_transaction;

      /* A source still sending waits for its next admitted refusal, or a quiet minute */
      if (bucket->suppressed == 0 ||
          (!all && now - bucket->last_suppressed < 60 * G_USEC_PER_SEC))
        continue;
      own_transaction = !gh_store_in_transaction (self->store);
      if (own_transaction && !gh_store_begin (self->store, &error))
        {
          g_warning ("Cannot record suppressed refusals: %s", error->message);
          return;
        }
      if (!write_summary (self, key, bucket, &error) ||
          (own_transaction && !gh_store_commit (self->store, &error)))
        {
          if (own_transaction)
            gh_store_rollback (self->store);
          g_warning ("Cannot record suppressed refusals: %s", error->message);
          return;
        }
    }
}

void
gh_audit_set_refusal_limit (GhAudit *self,
                            guint    per_minute)
{
  g_return_if_fail (GH_IS_AUDIT (self));

  self->refusals_per_minute = per_minute;
  g_hash_table_remove_all (self->buckets);
}

/* ---- writing ---------------------------------------------------------------------- */

static gint64
insert_event (GhAudit             *self,
              const GhAuditEvent  *event,
              GError             **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(JsonObject) details = NULL;
  g_autofree char *details_text = NULL;
  g_autofree char *project_slug = cut_value (event->project_slug);
  g_autofree char *actor = cut_value (event->actor);
  g_autofree char *client_id = cut_value (event->client_id);
  g_autofree char *user_id = cut_value (event->user_id);
  g_autofree char *flow_id = cut_value (event->flow_id);
  g_autofree char *source = cut_value (event->source);
  g_autofree char *user_agent = cut_value (event->user_agent);
  gint64 id;

  details = event->details != NULL ? bounded_object (event->details) : json_object_new ();
  if (source != NULL && !json_object_has_member (details, "source_address"))
    json_object_set_string_member (details, "source_address", source);
  details_text = gh_json_object_to_string (details, FALSE);

  stmt = gh_store_prepare (self->store,
                           "INSERT INTO audit_events (time, project_id, project_slug, type, "
                           "outcome, actor, client_id, user_id, flow_id, details, source, "
                           "user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           error);
  if (stmt == NULL)
    return 0;

  gh_stmt_bind_int64 (stmt, 1, g_get_real_time ());
  if (event->project_id > 0)
    gh_stmt_bind_int64 (stmt, 2, event->project_id);
  gh_stmt_bind_text (stmt, 3, project_slug);
  gh_stmt_bind_text (stmt, 4, event->type);
  gh_stmt_bind_text (stmt, 5, gh_audit_outcome_to_string (event->outcome));
  gh_stmt_bind_text (stmt, 6, actor);
  gh_stmt_bind_text (stmt, 7, client_id);
  gh_stmt_bind_text (stmt, 8, user_id);
  gh_stmt_bind_text (stmt, 9, flow_id);
  gh_stmt_bind_text (stmt, 10, details_text);
  gh_stmt_bind_text (stmt, 11, source);
  gh_stmt_bind_text (stmt, 12, user_agent);

  if (!gh_store_step (self->store, stmt, NULL, error))
    return 0;
  id = gh_store_last_insert_rowid (self->store);
  /* Every write is inside a transaction (the caller's or gh_audit_record()'s own) */
  g_array_append_val (self->uncommitted, id);
  return id;
}

gint64
gh_audit_record (GhAudit             *self,
                 const GhAuditEvent  *event,
                 GError             **error)
{
  g_autofree char *summary_key = NULL;
  Bucket *summary = NULL;
  gboolean own_transaction;
  gint64 id;

  g_return_val_if_fail (GH_IS_AUDIT (self), 0);
  g_return_val_if_fail (event != NULL, 0);

  /* Every write goes through the registry: a type nobody registered is a programming error */
  if (gh_audit_event_type_lookup (event->type) == NULL)
    {
      const char *type = event->type != NULL ? event->type : "(null)";

      g_critical ("The audit event type “%s” is not registered (gh-audit-events.c)", type);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "The audit event type “%s” is not registered", type);
      return 0;
    }

  /* Counted, not written, and without touching the store: nothing failed */
  if (event->source != NULL && event->outcome == GH_AUDIT_FAILURE &&
      !limiter_admit (self, event, &summary_key, &summary))
    return GH_AUDIT_SUPPRESSED;

  own_transaction = !gh_store_in_transaction (self->store);
  if (own_transaction && !gh_store_begin (self->store, error))
    return 0;

  if (summary != NULL && !write_summary (self, summary_key, summary, error))
    goto fail;
  id = insert_event (self, event, error);
  if (id == 0)
    goto fail;
  /* The event's flow commits with it */
  if (event->flow_id != NULL &&
      !gh_flows_record_event (self->store, id, event->type, event->outcome, error))
    goto fail;

  if (own_transaction && !gh_store_commit (self->store, error))
    return 0;
  return id;

fail:
  if (own_transaction)
    gh_store_rollback (self->store);
  return 0;
}

gboolean
gh_audit_record_event (GhAudit             *self,
                       const GhAuditEvent  *event,
                       GError             **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (GH_IS_AUDIT (self), FALSE);
  g_return_val_if_fail (event != NULL, FALSE);

  if (gh_audit_record (self, event, error != NULL ? error : &local_error) != 0)
    return TRUE;
  /* An unregistered type already said so, as a critical */
  if (local_error != NULL &&
      !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT))
    g_warning ("Cannot record %s: %s", event->type, local_error->message);
  return FALSE;
}

JsonObject *
gh_audit_refusal_details (const GError *error)
{
  JsonObject *details = json_object_new ();

  g_return_val_if_fail (error != NULL, details);

  json_object_set_string_member (details, "error",
                                 gh_oauth_error_code_string (gh_oauth_error_from_gerror (error)));
  json_object_set_string_member (details, "error_description", error->message);
  if (gh_error_get_explain (error) != NULL)
    json_object_set_object_member (details, "explain",
                                   json_object_ref (gh_error_get_explain (error)));
  return details;
}

/* ---- reading ---------------------------------------------------------------------- */

void
gh_audit_event_free (GhAuditEvent *event)
{
  if (event == NULL)
    return;
  /* Read back, every string is the event's own */
  g_free ((char *) event->project_slug);
  g_free ((char *) event->type);
  g_free ((char *) event->actor);
  g_free ((char *) event->client_id);
  g_free ((char *) event->user_id);
  g_free ((char *) event->flow_id);
  g_free ((char *) event->source);
  g_free ((char *) event->user_agent);
  g_clear_pointer (&event->details, json_object_unref);
  g_free (event);
}

GhAuditEvent *
gh_audit_event_from_row (GhStmt  *stmt,
                         GError **error)
{
  g_autoptr(GhAuditEvent) event = g_new0 (GhAuditEvent, 1);
  const char *details;

  event->id = sqlite3_column_int64 (stmt, 0);
  event->time = sqlite3_column_int64 (stmt, 1);
  event->project_id = sqlite3_column_int64 (stmt, 2);
  event->project_slug = g_strdup (gh_stmt_column_text (stmt, 3));
  event->type = g_strdup (gh_stmt_column_text (stmt, 4));
  event->outcome = outcome_from_string (gh_stmt_column_text (stmt, 5));
  event->actor = g_strdup (gh_stmt_column_text (stmt, 6));
  event->client_id = g_strdup (gh_stmt_column_text (stmt, 7));
  event->user_id = g_strdup (gh_stmt_column_text (stmt, 8));
  event->flow_id = g_strdup (gh_stmt_column_text (stmt, 9));
  details = gh_stmt_column_text (stmt, 10);
  if (details == NULL)
    details = "{}";
  event->details = gh_json_parse_object_strict (details, strlen (details), error);
  if (event->details == NULL)
    return NULL;
  event->source = g_strdup (gh_stmt_column_text (stmt, 11));
  event->user_agent = g_strdup (gh_stmt_column_text (stmt, 12));
  return g_steal_pointer (&event);
}

GhAuditEvent *
gh_audit_get_event (GhAudit  *self,
                    gint64    id,
                    GError  **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  gboolean row = FALSE;

  g_return_val_if_fail (GH_IS_AUDIT (self), NULL);

  stmt = gh_store_prepare (self->store,
                           "SELECT " GH_AUDIT_EVENT_COLUMNS " FROM audit_events WHERE id = ?",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_int64 (stmt, 1, id);
  if (!gh_store_step (self->store, stmt, &row, error))
    return NULL;
  if (!row)
    return g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND,
                        "There is no audit event %" G_GINT64_FORMAT, id), NULL;
  return gh_audit_event_from_row (stmt, error);
}

static void
set_text_or_null (JsonObject *object,
                  const char *name,
                  const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, name, value);
  else
    json_object_set_null_member (object, name);
}

JsonObject *
gh_audit_event_to_json (const GhAuditEvent *event)
{
  JsonObject *object;
  const GhAuditEventType *type;

  g_return_val_if_fail (event != NULL, NULL);

  object = json_object_new ();
  type = gh_audit_event_type_lookup (event->type);
  json_object_set_int_member (object, "id", event->id);
  json_object_set_int_member (object, "time", event->time);
  if (event->project_id > 0)
    json_object_set_int_member (object, "project_id", event->project_id);
  else
    json_object_set_null_member (object, "project_id");
  set_text_or_null (object, "project_slug", event->project_slug);
  set_text_or_null (object, "type", event->type);
  set_text_or_null (object, "category",
                    type != NULL ? gh_audit_category_to_string (type->category) : NULL);
  json_object_set_string_member (object, "outcome", gh_audit_outcome_to_string (event->outcome));
  set_text_or_null (object, "actor", event->actor);
  set_text_or_null (object, "client_id", event->client_id);
  set_text_or_null (object, "user_id", event->user_id);
  set_text_or_null (object, "flow_id", event->flow_id);
  set_text_or_null (object, "source", event->source);
  set_text_or_null (object, "user_agent", event->user_agent);
  if (event->details != NULL)
    json_object_set_object_member (object, "details", json_object_ref (event->details));
  else
    json_object_set_object_member (object, "details", json_object_new ());
  return object;
}

/* ---- retention -------------------------------------------------------------------- */

void
gh_audit_set_retention (GhAudit *self,
                        gint64   max_events,
                        gint64   max_age_days)
{
  g_return_if_fail (GH_IS_AUDIT (self));
  g_return_if_fail (max_events >= 0 && max_age_days >= 0);

  self->max_events = max_events;
  self->max_age_days = max_age_days;
}

/* Ids may have gaps (the age rule removes rows whose clock time is old, not always a run of
 * ids), so the count rule finds the newest row past the max_events newest by walking the id
 * index from the top (no count(*), which would read the whole table) and removes it and
 * everything older, oldest first, at most @limit rows. */
gint
gh_audit_prune_step (GhAudit  *self,
                     guint     limit,
                     GError  **error)
{
  gint64 cutoff = 0;
  gint deleted = 0;

  g_return_val_if_fail (GH_IS_AUDIT (self), -1);

  if (limit == 0 || gh_store_in_transaction (self->store))
    return 0;

  if (!gh_store_begin (self->store, error))
    return -1;
  if (self->max_events > 0)
    {
      g_autoptr(GhStmt) find = gh_store_prepare (self->store,
                                                 "SELECT id FROM audit_events ORDER BY id DESC "
                                                 "LIMIT 1 OFFSET ?", error);
      gboolean row = FALSE;

      if (find == NULL)
        goto fail;
      gh_stmt_bind_int64 (find, 1, self->max_events);
      if (!gh_store_step (self->store, find, &row, error))
        goto fail;
      if (row)
        cutoff = sqlite3_column_int64 (find, 0);
    }
  if (cutoff > 0)
    {
      g_autoptr(GhStmt) stmt = gh_store_prepare (self->store,
                                                 "DELETE FROM audit_events WHERE id IN "
                                                 "(SELECT id FROM audit_events WHERE id <= ? "
                                                 "ORDER BY id LIMIT ?)", error);

      if (stmt == NULL)
        goto fail;
      gh_stmt_bind_int64 (stmt, 1, cutoff);
      gh_stmt_bind_int64 (stmt, 2, limit);
      if (!gh_store_step (self->store, stmt, NULL, error))
        goto fail;
      deleted += gh_store_changes (self->store);
    }
  if (self->max_age_days > 0 && (guint) deleted < limit)
    {
      /* The oldest rows only, by id: the range is read, never the table */
      g_autoptr(GhStmt) stmt = gh_store_prepare (self->store,
                                                 "DELETE FROM audit_events WHERE id IN "
                                                 "(SELECT id FROM audit_events ORDER BY id "
                                                 "LIMIT ?) AND time < ?", error);
      gint64 cutoff = g_get_real_time () - self->max_age_days * 86400 * G_USEC_PER_SEC;

      if (stmt == NULL)
        goto fail;
      gh_stmt_bind_int64 (stmt, 1, limit - deleted);
      gh_stmt_bind_int64 (stmt, 2, cutoff);
      if (!gh_store_step (self->store, stmt, NULL, error))
        goto fail;
      deleted += gh_store_changes (self->store);
    }
  /* Flows whose last event went, and discovery hits beyond their bound */
  {
    gint64 oldest = self->max_age_days > 0 ? g_get_real_time () -
                                             self->max_age_days * 86400 * G_USEC_PER_SEC : 0;
    gint others = gh_flows_prune (self->store, limit, oldest, error);

    if (others < 0)
      goto fail;
    /* A full batch of either says there is more to do */
    deleted = MAX (deleted, others);
  }
  if (!gh_store_commit (self->store, error))
    return -1;
  return deleted;

fail:
  gh_store_rollback (self->store);
  return -1;
}

static gboolean
prune_idle (gpointer user_data)
{
  GhAudit *self = user_data;
  g_autoptr(GError) error = NULL;
  gint deleted = gh_audit_prune_step (self, GH_AUDIT_PRUNE_BATCH, &error);

  if (deleted < 0)
    g_warning ("Cannot prune the audit log: %s", error->message);
  /* A full batch: more to do, one batch per turn of the main loop, after everything else */
  if (deleted == GH_AUDIT_PRUNE_BATCH)
    return G_SOURCE_CONTINUE;
  self->prune_idle_id = 0;
  return G_SOURCE_REMOVE;
}

static gboolean
prune_tick (gpointer user_data)
{
  GhAudit *self = user_data;

  gh_audit_flush_suppressed (self, FALSE);
  if (self->prune_idle_id == 0)
    self->prune_idle_id = gh_idle_add_here (G_PRIORITY_LOW, prune_idle, self);
  return G_SOURCE_CONTINUE;
}

void
gh_audit_start_pruning (GhAudit *self,
                        guint    interval_ms)
{
  g_return_if_fail (GH_IS_AUDIT (self));

  gh_audit_stop_pruning (self);
  self->prune_timeout_id = gh_timeout_add_here (interval_ms, prune_tick, self);
}

void
gh_audit_stop_pruning (GhAudit *self)
{
  g_return_if_fail (GH_IS_AUDIT (self));

  g_clear_handle_id (&self->prune_timeout_id, gh_source_remove_here);
  g_clear_handle_id (&self->prune_idle_id, gh_source_remove_here);
}
