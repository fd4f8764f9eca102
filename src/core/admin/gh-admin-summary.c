/* gh-admin-summary.c — the admin API's project summary: what the console's Overview counts,
 * the failures grouped by explain rule, and the events per minute of the last hour
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-admin"

#include "config.h"

#include "gh-admin-private.h"
#include "gh-paused-request.h"

/* The minutes the per-minute series covers, ending with the current one. */
#define SUMMARY_MINUTES 60
/* The failure groups listed at most (the most recent first). */
#define SUMMARY_MAX_GROUPS 50
/* Senders (client id and User-Agent) named per group, newest first; "senders_more" past it */
#define SUMMARY_MAX_SENDERS 10

typedef struct
{
  gint64  project_id;
  char   *slug;
  gint64  since;  /* µs, inclusive */
  gint64  now;    /* µs */
} SummaryQuery;

static void
summary_query_free (SummaryQuery *query)
{
  g_free (query->slug);
  g_free (query);
}

/* One count of @sql, whose parameters are the project id then @arg. */
static gboolean
count (GhStore     *reader,
       const char  *sql,
       gint64       project_id,
       gint64       arg,
       gint64      *out,
       GError     **error)
{
  g_autoptr(GhStmt) stmt = gh_store_prepare (reader, sql, error);
  gboolean row = FALSE;

  if (stmt == NULL)
    return FALSE;
  gh_stmt_bind_int64 (stmt, 1, project_id);
  if (sqlite3_bind_parameter_count (stmt) > 1)
    gh_stmt_bind_int64 (stmt, 2, arg);
  if (!gh_store_step (reader, stmt, &row, error))
    return FALSE;
  *out = row ? sqlite3_column_int64 (stmt, 0) : 0;
  return TRUE;
}

static JsonObject *
read_counts (GhStore             *reader,
             const SummaryQuery  *query,
             GError             **error)
{
  static const struct {
    const char *name;
    const char *sql;
    gboolean    seconds;  /* the argument is now in seconds, else since in µs */
  } counts[] = {
    /* As the clients list shows them: registered clients, then URL clients not imported. */
    { "clients",
      "SELECT (SELECT count(*) FROM clients WHERE project_id = ?1) + "
      "(SELECT count(*) FROM cimd_cache c WHERE c.project_id = ?1 AND NOT EXISTS "
      " (SELECT 1 FROM clients r WHERE r.project_id = c.project_id "
      "  AND r.client_id = c.client_id))", TRUE },
    /* What /introspect calls active: neither expired nor revoked, nor its family. */
    { "active_tokens",
      "SELECT count(*) FROM access_tokens t LEFT JOIN refresh_families f ON f.id = t.family_id "
      "WHERE t.project_id = ?1 AND t.revoked_at IS NULL AND t.expires_at > ?2 "
      "AND f.revoked_at IS NULL", TRUE },
    { "initial_access_tokens",
      "SELECT count(*) FROM initial_access_tokens WHERE project_id = ?1 AND revoked_at IS NULL "
      "AND (expires_at IS NULL OR expires_at > ?2) AND uses < max_uses", TRUE },
    { "events",
      "SELECT count(*) FROM audit_events WHERE project_id = ?1 AND time >= ?2", FALSE },
    { "failures",
      "SELECT count(*) FROM audit_events WHERE project_id = ?1 AND time >= ?2 "
      "AND outcome = 'failure'", FALSE },
  };
  g_autoptr(JsonObject) object = json_object_new ();

  for (guint i = 0; i < G_N_ELEMENTS (counts); i++)
    {
      gint64 value;

      if (!count (reader, counts[i].sql, query->project_id,
                  counts[i].seconds ? query->now / G_USEC_PER_SEC : query->since, &value, error))
        return NULL;
      json_object_set_int_member (object, counts[i].name, value);
    }
  return g_steal_pointer (&object);
}

/* A sender of @group's failures (a client id and a User-Agent, either NULL), newest first:
 * at most SUMMARY_MAX_SENDERS, then "senders_more". */
static void
add_sender (JsonObject *group,
            const char *client_id,
            const char *user_agent)
{
  JsonArray *senders = json_object_get_array_member (group, "senders");
  JsonObject *sender;

  if (json_array_get_length (senders) >= SUMMARY_MAX_SENDERS)
    {
      json_object_set_boolean_member (group, "senders_more", TRUE);
      return;
    }
  sender = json_object_new ();
  if (client_id != NULL)
    json_object_set_string_member (sender, "client_id", client_id);
  else
    json_object_set_null_member (sender, "client_id");
  if (user_agent != NULL)
    json_object_set_string_member (sender, "user_agent", user_agent);
  else
    json_object_set_null_member (sender, "user_agent");
  json_array_add_object_element (senders, sender);
}

/* The failures since @since by explain rule (the event type for a failure without one), the
 * most recent group first, each with its newest event whole and who sent them (so that a
 * console says "3× redirect URI mismatch — Claude Code" only when they all came from it).
 * One read, by rule and sender, newest first: a rule's first row makes its group. */
static JsonArray *
read_groups (GhStore             *reader,
             const SummaryQuery  *query,
             GError             **error)
{
  g_autoptr(JsonArray) groups = json_array_new ();
  g_autoptr(GHashTable) by_rule = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(GArray) last_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  gboolean row = FALSE;

  stmt = gh_store_prepare (reader,
                           "SELECT coalesce (json_extract (details, '$.explain.rule'), type) "
                           "AS rule, client_id, user_agent, count(*), min(time), max(time), "
                           "max(id) AS newest "
                           "FROM audit_events WHERE project_id = ? AND outcome = 'failure' "
                           "AND time >= ? GROUP BY rule, client_id, user_agent "
                           "ORDER BY newest DESC",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_int64 (stmt, 1, query->project_id);
  gh_stmt_bind_int64 (stmt, 2, query->since);
  for (;;)
    {
      const char *rule;
      JsonObject *group;

      if (!gh_store_step (reader, stmt, &row, error))
        return NULL;
      if (!row)
        break;
      rule = gh_stmt_column_text (stmt, 0);
      group = g_hash_table_lookup (by_rule, rule);
      if (group == NULL)
        {
          gint64 last_id = sqlite3_column_int64 (stmt, 6);

          /* Newer groups than this rule's fill the list already */
          if (json_array_get_length (groups) >= SUMMARY_MAX_GROUPS)
            continue;
          group = json_object_new ();
          json_object_set_string_member (group, "rule", rule);
          json_object_set_int_member (group, "count", 0);
          json_object_set_int_member (group, "first_time", sqlite3_column_int64 (stmt, 4));
          json_object_set_int_member (group, "last_time", sqlite3_column_int64 (stmt, 5));
          json_object_set_array_member (group, "senders", json_array_new ());
          json_object_set_boolean_member (group, "senders_more", FALSE);
          json_array_add_object_element (groups, group);
          g_hash_table_insert (by_rule,
                               (gpointer) json_object_get_string_member (group, "rule"), group);
          g_array_append_val (last_ids, last_id);
        }
      json_object_set_int_member (group, "count", json_object_get_int_member (group, "count") +
                                  sqlite3_column_int64 (stmt, 3));
      json_object_set_int_member (group, "first_time",
                                  MIN (json_object_get_int_member (group, "first_time"),
                                       sqlite3_column_int64 (stmt, 4)));
      json_object_set_int_member (group, "last_time",
                                  MAX (json_object_get_int_member (group, "last_time"),
                                       sqlite3_column_int64 (stmt, 5)));
      add_sender (group, gh_stmt_column_text (stmt, 1), gh_stmt_column_text (stmt, 2));
    }
  g_clear_pointer (&stmt, gh_stmt_reset);

  for (guint i = 0; i < last_ids->len; i++)
    {
      g_autoptr(GhStmt) event_stmt = NULL;
      g_autoptr(GhAuditEvent) event = NULL;

      event_stmt = gh_store_prepare (reader, "SELECT " GH_AUDIT_EVENT_COLUMNS
                                     " FROM audit_events WHERE id = ?", error);
      if (event_stmt == NULL)
        return NULL;
      gh_stmt_bind_int64 (event_stmt, 1, g_array_index (last_ids, gint64, i));
      if (!gh_store_step (reader, event_stmt, &row, error))
        return NULL;
      if (!row)
        continue;
      event = gh_audit_event_from_row (event_stmt, error);
      if (event == NULL)
        return NULL;
      json_object_set_object_member (json_array_get_object_element (groups, i), "last_event",
                                     gh_audit_event_to_json (event));
    }
  return g_steal_pointer (&groups);
}

/* Events and failures in each of the last SUMMARY_MINUTES minutes, oldest first. */
static JsonObject *
read_minutes (GhStore             *reader,
              const SummaryQuery  *query,
              GError             **error)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GhStmt) stmt = NULL;
  gint64 minute = 60 * G_USEC_PER_SEC;
  gint64 start = (query->now / minute - (SUMMARY_MINUTES - 1)) * minute;
  gint64 events[SUMMARY_MINUTES] = { 0 };
  gint64 failures[SUMMARY_MINUTES] = { 0 };
  JsonArray *events_array = json_array_new ();
  JsonArray *failures_array = json_array_new ();
  gboolean row = FALSE;

  json_object_set_int_member (object, "start", start);
  json_object_set_int_member (object, "minutes", SUMMARY_MINUTES);
  json_object_set_array_member (object, "events", events_array);
  json_object_set_array_member (object, "failures", failures_array);

  stmt = gh_store_prepare (reader,
                           "SELECT (time - ?2) / 60000000 AS m, count(*), "
                           "sum (outcome = 'failure') FROM audit_events "
                           "WHERE project_id = ?1 AND time >= ?2 GROUP BY m", error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_int64 (stmt, 1, query->project_id);
  gh_stmt_bind_int64 (stmt, 2, start);
  for (;;)
    {
      gint64 m;

      if (!gh_store_step (reader, stmt, &row, error))
        return NULL;
      if (!row)
        break;
      m = sqlite3_column_int64 (stmt, 0);
      if (m < 0 || m >= SUMMARY_MINUTES)
        continue;
      events[m] = sqlite3_column_int64 (stmt, 1);
      failures[m] = sqlite3_column_int64 (stmt, 2);
    }
  for (guint i = 0; i < SUMMARY_MINUTES; i++)
    {
      json_array_add_int_element (events_array, events[i]);
      json_array_add_int_element (failures_array, failures[i]);
    }
  return g_steal_pointer (&object);
}

/* In the worker thread, in one read transaction: one snapshot for every number. */
static gpointer
read_summary (GhStore        *reader,
              gconstpointer   data,
              GError        **error)
{
  const SummaryQuery *query = data;
  g_autoptr(JsonObject) answer = json_object_new ();
  JsonObject *counts;
  JsonArray *groups;
  JsonObject *minutes;
  gint64 last_event_id;

  /* The newest event this snapshot holds: a console that follows the live stream counts
   * only the events past it on top of this answer. */
  if (!count (reader, "SELECT coalesce (max (id), 0) FROM audit_events WHERE ?1 > 0",
              query->project_id, 0, &last_event_id, error))
    return NULL;
  counts = read_counts (reader, query, error);
  if (counts == NULL)
    return NULL;
  json_object_set_string_member (answer, "project", query->slug);
  json_object_set_int_member (answer, "now", query->now);
  json_object_set_int_member (answer, "last_event_id", last_event_id);
  json_object_set_int_member (answer, "since", query->since);
  json_object_set_object_member (answer, "counts", counts);
  groups = read_groups (reader, query, error);
  if (groups == NULL)
    return NULL;
  json_object_set_array_member (answer, "failures_by_rule", groups);
  minutes = read_minutes (reader, query, error);
  if (minutes == NULL)
    return NULL;
  json_object_set_object_member (answer, "per_minute", minutes);
  return g_steal_pointer (&answer);
}

/* GET /admin/v1/projects/{slug}/summary[?since=µs]: counts, failures by rule since @since
 * (default: 24 hours ago), and the last hour per minute, read off the request thread. */
void
_gh_admin_handle_summary (GhRequest *request)
{
  static const char * const names[] = { "since", NULL };
  g_autofree char *slug = _gh_admin_path_slug (request);
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GError) error = NULL;
  SummaryQuery *query;
  GhPausedRequest *paused;
  const char *since;
  gint64 now = g_get_real_time ();
  gint64 value = now - G_TIME_SPAN_DAY;

  project = _gh_admin_load_project_named (request, slug);
  if (project == NULL)
    return;
  params = _gh_admin_read_query (request, names, &error);
  if (params == NULL)
    {
      _gh_admin_send_error (request, error);
      return;
    }
  since = g_hash_table_lookup (params, "since");
  if (since != NULL && !g_ascii_string_to_signed (since, 10, 0, now, &value, NULL))
    {
      _gh_admin_refuse (request, GH_OAUTH_ERROR_INVALID_REQUEST,
                        "“since” must be a time in µs since the epoch, not in the future");
      return;
    }

  query = g_new0 (SummaryQuery, 1);
  query->project_id = project->id;
  query->slug = g_strdup (slug);
  query->since = value;
  query->now = now;
  paused = gh_paused_request_new (G_OBJECT (request->server), request->msg, slug, NULL,
                                  request->path, NULL, NULL, NULL);
  gh_audit_read_async (request->server->store, NULL, read_summary, query,
                       (GDestroyNotify) summary_query_free, (GDestroyNotify) json_object_unref,
                       paused->cancellable, _gh_admin_send_read_answer, paused);
}
