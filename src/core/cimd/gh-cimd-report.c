/* gh-cimd-report.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-cimd"

#include "config.h"

#include "gh-cimd-report.h"

typedef struct
{
  char *id;
  GhCimdStatus status;
  char *message;
} Check;

struct _GhCimdReport
{
  gatomicrefcount ref_count;

  char *client_id;
  GArray *checks;              /* Check, in the order they ran */
  JsonObject *document;        /* validated */
  JsonObject *raw_document;    /* as fetched */
  JsonObject *network;
  char *cache_result;
  char *cache_why;
  gint64 cache_ttl_s;
  gint64 cache_expires_at;
  GBytes *excerpt;             /* the body's first bytes, or NULL */
  gint64 body_size;            /* -1 until a body was read */
};

G_DEFINE_BOXED_TYPE (GhCimdReport, gh_cimd_report, gh_cimd_report_ref, gh_cimd_report_unref)

static const char * const status_names[] = { "pass", "warn", "fail" };

const char *
gh_cimd_status_to_string (GhCimdStatus status)
{
  g_return_val_if_fail (status <= GH_CIMD_FAIL, NULL);
  return status_names[status];
}

static void
check_clear (gpointer data)
{
  Check *check = data;

  g_clear_pointer (&check->id, g_free);
  g_clear_pointer (&check->message, g_free);
}

GhCimdReport *
gh_cimd_report_new (const char *client_id_url)
{
  GhCimdReport *self;

  g_return_val_if_fail (client_id_url != NULL, NULL);

  self = g_new0 (GhCimdReport, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->client_id = g_strdup (client_id_url);
  self->checks = g_array_new (FALSE, TRUE, sizeof (Check));
  g_array_set_clear_func (self->checks, check_clear);
  self->body_size = -1;
  return self;
}

GhCimdReport *
gh_cimd_report_ref (GhCimdReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
gh_cimd_report_unref (GhCimdReport *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_clear_pointer (&self->client_id, g_free);
  g_clear_pointer (&self->checks, g_array_unref);
  g_clear_pointer (&self->document, json_object_unref);
  g_clear_pointer (&self->raw_document, json_object_unref);
  g_clear_pointer (&self->network, json_object_unref);
  g_clear_pointer (&self->cache_result, g_free);
  g_clear_pointer (&self->cache_why, g_free);
  g_clear_pointer (&self->excerpt, g_bytes_unref);
  g_free (self);
}

void
gh_cimd_report_add_check (GhCimdReport *self,
                          const char   *id,
                          GhCimdStatus  status,
                          const char   *format,
                          ...)
{
  Check check;
  va_list args;

  g_return_if_fail (self != NULL);
  g_return_if_fail (id != NULL && format != NULL);
  g_return_if_fail (status <= GH_CIMD_FAIL);

  va_start (args, format);
  check.id = g_strdup (id);
  check.status = status;
  check.message = g_strdup_vprintf (format, args);
  va_end (args);
  g_array_append_val (self->checks, check);
}

GhCimdStatus
gh_cimd_report_get_verdict (GhCimdReport *self)
{
  GhCimdStatus verdict = GH_CIMD_PASS;

  g_return_val_if_fail (self != NULL, GH_CIMD_FAIL);

  for (guint i = 0; i < self->checks->len; i++)
    verdict = MAX (verdict, g_array_index (self->checks, Check, i).status);
  return verdict;
}

static const Check *
first_failure (GhCimdReport *self)
{
  for (guint i = 0; i < self->checks->len; i++)
    if (g_array_index (self->checks, Check, i).status == GH_CIMD_FAIL)
      return &g_array_index (self->checks, Check, i);
  return NULL;
}

const char *
gh_cimd_report_get_failure (GhCimdReport *self)
{
  const Check *check;

  g_return_val_if_fail (self != NULL, NULL);

  check = first_failure (self);
  return check != NULL ? check->message : NULL;
}

const char *
gh_cimd_report_get_failure_id (GhCimdReport *self)
{
  const Check *check;

  g_return_val_if_fail (self != NULL, NULL);

  check = first_failure (self);
  return check != NULL ? check->id : NULL;
}

gboolean
gh_cimd_report_get_check_status (GhCimdReport *self,
                                 const char   *id,
                                 GhCimdStatus *status)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  for (guint i = self->checks->len; i > 0; i--)
    {
      const Check *check = &g_array_index (self->checks, Check, i - 1);

      if (g_str_equal (check->id, id))
        {
          if (status != NULL)
            *status = check->status;
          return TRUE;
        }
    }
  return FALSE;
}

const char *
gh_cimd_report_get_client_id (GhCimdReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->client_id;
}

JsonObject *
gh_cimd_report_get_document (GhCimdReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (gh_cimd_report_get_verdict (self) == GH_CIMD_FAIL)
    return NULL;
  return self->document;
}

void
gh_cimd_report_set_document (GhCimdReport *self,
                             JsonObject   *document)
{
  g_return_if_fail (self != NULL);

  if (document != NULL)
    json_object_ref (document);
  g_clear_pointer (&self->document, json_object_unref);
  self->document = document;
}

JsonObject *
gh_cimd_report_get_raw_document (GhCimdReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->raw_document;
}

void
gh_cimd_report_set_raw_document (GhCimdReport *self,
                                 JsonObject   *raw_document)
{
  g_return_if_fail (self != NULL);

  if (raw_document != NULL)
    json_object_ref (raw_document);
  g_clear_pointer (&self->raw_document, json_object_unref);
  self->raw_document = raw_document;
}

JsonObject *
gh_cimd_report_get_network (GhCimdReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->network == NULL)
    self->network = json_object_new ();
  return self->network;
}

void
gh_cimd_report_set_cache (GhCimdReport *self,
                          const char   *result,
                          gint64        ttl_s,
                          const char   *why,
                          gint64        expires_at)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (result != NULL);

  g_free (self->cache_result);
  self->cache_result = g_strdup (result);
  g_free (self->cache_why);
  self->cache_why = g_strdup (why);
  self->cache_ttl_s = ttl_s;
  self->cache_expires_at = expires_at;
}

const char *
gh_cimd_report_get_cache_result (GhCimdReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->cache_result;
}

gint64
gh_cimd_report_get_cache_ttl (GhCimdReport *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->cache_ttl_s;
}

const char *
gh_cimd_report_get_cache_why (GhCimdReport *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->cache_why;
}

JsonObject *
gh_cimd_report_to_json (GhCimdReport *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "client_id");
  json_builder_add_string_value (builder, self->client_id);
  json_builder_set_member_name (builder, "verdict");
  json_builder_add_string_value (builder,
                                 gh_cimd_status_to_string (gh_cimd_report_get_verdict (self)));

  json_builder_set_member_name (builder, "checks");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->checks->len; i++)
    {
      const Check *check = &g_array_index (self->checks, Check, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, check->id);
      json_builder_set_member_name (builder, "status");
      json_builder_add_string_value (builder, gh_cimd_status_to_string (check->status));
      json_builder_set_member_name (builder, "message");
      json_builder_add_string_value (builder, check->message);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  if (self->network != NULL)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

      json_node_set_object (node, self->network);
      json_builder_set_member_name (builder, "network");
      json_builder_add_value (builder, g_steal_pointer (&node));
    }

  if (self->cache_result != NULL)
    {
      json_builder_set_member_name (builder, "cache");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "result");
      json_builder_add_string_value (builder, self->cache_result);
      json_builder_set_member_name (builder, "ttl_s");
      json_builder_add_int_value (builder, self->cache_ttl_s);
      json_builder_set_member_name (builder, "why");
      json_builder_add_string_value (builder, self->cache_why != NULL ? self->cache_why : "");
      json_builder_set_member_name (builder, "expires_at");
      if (self->cache_expires_at > 0)
        json_builder_add_int_value (builder, self->cache_expires_at);
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
    }

  if (self->raw_document != NULL)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

      json_node_set_object (node, self->raw_document);
      json_builder_set_member_name (builder, "document");
      json_builder_add_value (builder, g_steal_pointer (&node));
    }

  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_object_ref (json_node_get_object (root));
}

void
gh_cimd_report_set_body (GhCimdReport *self,
                         const char   *data,
                         gsize         len)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (data != NULL || len == 0);

  g_clear_pointer (&self->excerpt, g_bytes_unref);
  self->excerpt = g_bytes_new (data, MIN (len, GH_CIMD_REPORT_EXCERPT_BYTES));
  self->body_size = len;
}

GBytes *
gh_cimd_report_get_excerpt (GhCimdReport *self,
                            gint64       *body_size)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (body_size != NULL)
    *body_size = self->body_size;
  return self->excerpt;
}
