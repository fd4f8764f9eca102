/* gh-flows.c — flow summaries kept beside the audit log, discovery hits, and the admin API's
 * reads of both off the request thread
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-audit"

#include "config.h"

#include <string.h>

#include "gh-audit-query.h"
#include "gh-flows.h"
#include "gh-json.h"
#include "gh-text.h"

static const char * const state_names[] = {
  [GH_FLOW_STATE_NONE] = "none",
  [GH_FLOW_STATE_RUNNING] = "running",
  [GH_FLOW_STATE_CODE] = "code",
  [GH_FLOW_STATE_SUCCEEDED] = "succeeded",
  [GH_FLOW_STATE_FAILED] = "failed",
  [GH_FLOW_STATE_DENIED] = "denied",
};

const char *
gh_flow_state_to_string (GhFlowState state)
{
  g_return_val_if_fail (state < G_N_ELEMENTS (state_names), NULL);

  return state_names[state];
}

gboolean
gh_flow_state_from_string (const char  *text,
                           GhFlowState *state)
{
  for (guint i = GH_FLOW_STATE_RUNNING; text != NULL && i < G_N_ELEMENTS (state_names); i++)
    if (g_str_equal (text, state_names[i]))
      {
        *state = i;
        return TRUE;
      }
  return FALSE;
}

/* Events after which nothing the flow obtained is valid any more. */
static gboolean
revokes_flow (const char *type)
{
  return g_strcmp0 (type, GH_AUDIT_EVENT_CODE_REPLAYED) == 0 ||
         g_strcmp0 (type, GH_AUDIT_EVENT_REFRESH_TOKEN_REUSE_DETECTED) == 0;
}

GhFlowState
gh_flow_next_state (GhFlowState     state,
                    const char     *last_error_type,
                    const char     *type,
                    GhAuditOutcome  outcome,
                    gboolean       *is_error)
{
  gboolean denied = g_strcmp0 (type, GH_AUDIT_EVENT_AUTHORIZATION_DENIED) == 0;

  *is_error = denied || revokes_flow (type) || outcome == GH_AUDIT_FAILURE;

  /* The ends: a refusal by the user, and a flow whose grant was revoked */
  if (state == GH_FLOW_STATE_DENIED)
    return state;
  if (state == GH_FLOW_STATE_FAILED && revokes_flow (last_error_type))
    return state;

  if (denied)
    return GH_FLOW_STATE_DENIED;
  if (*is_error)
    return GH_FLOW_STATE_FAILED;
  if (g_strcmp0 (type, GH_AUDIT_EVENT_CODE_ISSUED) == 0)
    return GH_FLOW_STATE_CODE;
  if (g_strcmp0 (type, GH_AUDIT_EVENT_TOKEN_ISSUED) == 0 ||
      g_strcmp0 (type, GH_AUDIT_EVENT_TOKEN_REFRESHED) == 0)
    return GH_FLOW_STATE_SUCCEEDED;
  return state == GH_FLOW_STATE_NONE ? GH_FLOW_STATE_RUNNING : state;
}

/* ---- writing ---------------------------------------------------------------------- */

gboolean
gh_flows_record_event (GhStore        *store,
                       gint64          event_id,
                       const char     *type,
                       GhAuditOutcome  outcome,
                       GError        **error)
{
  g_autoptr(GhStmt) current = NULL;
  g_autoptr(GhStmt) upsert = NULL;
  g_autofree char *last_error_type = NULL;
  GhFlowState state = GH_FLOW_STATE_NONE;
  gboolean row = FALSE;
  gboolean is_error;

  g_return_val_if_fail (GH_IS_STORE (store), FALSE);

  /* The flow as it is before this event */
  current = gh_store_prepare (store,
                              "SELECT f.state, f.last_error_type FROM audit_events e "
                              "JOIN flows f ON f.flow_id = e.flow_id WHERE e.id = ?", error);
  if (current == NULL)
    return FALSE;
  gh_stmt_bind_int64 (current, 1, event_id);
  if (!gh_store_step (store, current, &row, error))
    return FALSE;
  if (row)
    {
      gh_flow_state_from_string (gh_stmt_column_text (current, 0), &state);
      last_error_type = g_strdup (gh_stmt_column_text (current, 1));
    }
  g_clear_pointer (&current, gh_stmt_reset);

  state = gh_flow_next_state (state, last_error_type, type, outcome, &is_error);
  /* Everything else comes from the event's row, as it was stored (cut) */
  upsert = gh_store_prepare (store,
                             "INSERT INTO flows (flow_id, project_id, project_slug, client_id, "
                             "user_id, source, user_agent, started_at, updated_at, state, steps, "
                             "first_event_id, last_event_id, last_error_event_id, "
                             "last_error_type) "
                             "SELECT flow_id, project_id, project_slug, client_id, user_id, "
                             "source, user_agent, time, time, ?1, 1, id, id, "
                             "CASE WHEN ?2 THEN id END, CASE WHEN ?2 THEN type END "
                             "FROM audit_events WHERE id = ?3 AND flow_id IS NOT NULL "
                             "ON CONFLICT (flow_id) DO UPDATE SET "
                             "project_id = coalesce (flows.project_id, excluded.project_id), "
                             "project_slug = coalesce (flows.project_slug, "
                             "excluded.project_slug), "
                             "client_id = coalesce (flows.client_id, excluded.client_id), "
                             "user_id = coalesce (flows.user_id, excluded.user_id), "
                             "source = coalesce (flows.source, excluded.source), "
                             "user_agent = coalesce (flows.user_agent, excluded.user_agent), "
                             "updated_at = excluded.updated_at, state = excluded.state, "
                             "steps = flows.steps + 1, last_event_id = excluded.last_event_id, "
                             "last_error_event_id = coalesce (excluded.last_error_event_id, "
                             "flows.last_error_event_id), "
                             "last_error_type = coalesce (excluded.last_error_type, "
                             "flows.last_error_type)", error);
  if (upsert == NULL)
    return FALSE;
  gh_stmt_bind_text (upsert, 1, gh_flow_state_to_string (state));
  gh_stmt_bind_int64 (upsert, 2, is_error);
  gh_stmt_bind_int64 (upsert, 3, event_id);
  return gh_store_step (store, upsert, NULL, error);
}

gboolean
gh_flows_record_hit (GhStore               *store,
                     const GhDiscoveryHit  *hit,
                     GError               **error)
{
  const char *texts[] = { hit->path, hit->method, hit->origin, hit->request_method,
                          hit->request_headers, hit->user_agent, hit->source };
  g_autoptr(GhStmt) stmt = NULL;

  g_return_val_if_fail (GH_IS_STORE (store), FALSE);
  g_return_val_if_fail (hit->path != NULL && hit->method != NULL, FALSE);

  stmt = gh_store_prepare (store,
                           "INSERT INTO discovery_hits (path, method, origin, request_method, "
                           "request_headers, user_agent, source, time, status, project_id) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
                           "(SELECT id FROM projects WHERE slug = ?))", error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autofree char *cut = gh_text_cut (texts[i], GH_REFLECT_MAX_VALUE);

      gh_stmt_bind_text (stmt, i + 1, cut);
    }
  gh_stmt_bind_int64 (stmt, 8, hit->time);
  gh_stmt_bind_int64 (stmt, 9, hit->status);
  gh_stmt_bind_text (stmt, 10, hit->project_slug);
  return gh_store_step (store, stmt, NULL, error);
}

/* Runs @sql, which deletes, with @a and @b bound; adds how many rows went to @count. */
static gboolean
delete_rows (GhStore     *store,
             const char  *sql,
             gint64       a,
             gint64       b,
             gint        *count,
             GError     **error)
{
  g_autoptr(GhStmt) stmt = gh_store_prepare (store, sql, error);

  if (stmt == NULL)
    return FALSE;
  gh_stmt_bind_int64 (stmt, 1, a);
  gh_stmt_bind_int64 (stmt, 2, b);
  if (!gh_store_step (store, stmt, NULL, error))
    return FALSE;
  *count += gh_store_changes (store);
  return TRUE;
}

gint
gh_flows_prune (GhStore  *store,
                guint     limit,
                gint64    oldest,
                GError  **error)
{
  gint count = 0;

  g_return_val_if_fail (GH_IS_STORE (store), -1);

  /* Events go oldest first: a flow whose last event is older than every event left has
   * none left. (An empty log keeps no flow.) */
  if (!delete_rows (store,
                    "DELETE FROM flows WHERE seq IN (SELECT seq FROM flows WHERE last_event_id < "
                    "coalesce ((SELECT min (id) FROM audit_events), ?1) "
                    "ORDER BY last_event_id LIMIT ?2)",
                    G_MAXINT64, limit, &count, error))
    return -1;
  /* The newest GH_DISCOVERY_HITS_MAX hits, none older than the audit log keeps events */
  if (!delete_rows (store,
                    "DELETE FROM discovery_hits WHERE id IN (SELECT id FROM discovery_hits "
                    "WHERE id <= coalesce ((SELECT id FROM discovery_hits ORDER BY id DESC "
                    "LIMIT 1 OFFSET " G_STRINGIFY (GH_DISCOVERY_HITS_MAX) "), 0) OR time < ?1 "
                    "ORDER BY id LIMIT ?2)",
                    oldest, limit, &count, error))
    return -1;
  return count;
}

/* ---- reading: conditions and keyset pages -------------------------------------------- */

/* The conditions of a statement (" AND ..." each with one "?") and their values, in order:
 * GVariants, strings or int64s. */
typedef struct
{
  GString   *sql;
  GPtrArray *values;
} Filter;

static void
filter_init (Filter *filter)
{
  filter->sql = g_string_new ("1");
  filter->values = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
}

static void
filter_clear (Filter *filter)
{
  if (filter->sql != NULL)
    g_string_free (filter->sql, TRUE);
  g_clear_pointer (&filter->values, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Filter, filter_clear)

/* Adds @condition with @value (floating, taken) unless @value is NULL. */
static void
filter_add (Filter     *filter,
            const char *condition,
            GVariant   *value)
{
  if (value == NULL)
    return;
  g_string_append_printf (filter->sql, " AND %s", condition);
  g_ptr_array_add (filter->values, g_variant_ref_sink (value));
}

static GVariant *
text_or_null (const char *text)
{
  return text != NULL ? g_variant_new_string (text) : NULL;
}

static GVariant *
number_or_null (gint64 number)
{
  return number != 0 ? g_variant_new_int64 (number) : NULL;
}

/* "SELECT @what FROM @from WHERE <the filter> [AND @extra] @tail", the filter's values bound,
 * then @extra_value when there is an @extra (one "?"); @tail's placeholders come after. */
static GhStmt *
prepare_filtered (GhStore     *reader,
                  const char  *what,
                  const char  *from,
                  Filter      *filter,
                  const char  *extra,
                  gint64       extra_value,
                  const char  *tail,
                  GError     **error)
{
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM %s WHERE %s%s%s %s", what, from,
                                          filter->sql->str, extra != NULL ? " AND " : "",
                                          extra != NULL ? extra : "", tail);
  GhStmt *stmt = gh_store_prepare (reader, sql, error);

  if (stmt == NULL)
    return NULL;
  for (guint i = 0; i < filter->values->len; i++)
    {
      GVariant *value = filter->values->pdata[i];

      if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        gh_stmt_bind_text (stmt, i + 1, g_variant_get_string (value, NULL));
      else
        gh_stmt_bind_int64 (stmt, i + 1, g_variant_get_int64 (value));
    }
  if (extra != NULL)
    gh_stmt_bind_int64 (stmt, filter->values->len + 1, extra_value);
  return stmt;
}

/* A row of a page as JSON; *@key is its cursor. */
typedef JsonObject *(*RowToJson) (GhStmt  *stmt,
                                  gint64  *key,
                                  GError **error);

/* What a keyset page reads from: the columns, the tables, the key (a rowid, newest largest). */
typedef struct
{
  const char *columns;
  const char *from;
  const char *key;
  RowToJson   row_to_json;
  const char *items;  /* the name of the page's array */
} PageSource;

static void
set_cursor (JsonObject *object,
            const char *name,
            gint64      value)
{
  if (value > 0)
    json_object_set_int_member (object, name, value);
  else
    json_object_set_null_member (object, name);
}

/* A page of what @source reads that @filter lets through, newest first, with the cursors of
 * its neighbours: "older" (pass it as before) and "newer" (pass it as after), null when there
 * is nothing that way. An empty page past a cursor marks the position asked for. */
static JsonObject *
read_page (GhStore           *reader,
           const PageSource  *source,
           Filter            *filter,
           gint64             before,
           gint64             after,
           guint              limit,
           GError           **error)
{
  g_autoptr(JsonObject) page = json_object_new ();
  g_autoptr(GArray) keys = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(JsonArray) items = json_array_new ();
  g_autoptr(GhStmt) stmt = NULL;
  gboolean ascending = after != 0;
  gint64 cursor = ascending ? after : before;
  gint64 older = 0, newer = 0;
  gboolean more = FALSE, beyond = FALSE;
  gboolean row = FALSE;
  g_autofree char *past = g_strdup_printf ("%s %s ?", source->key, ascending ? ">" : "<");
  g_autofree char *behind = g_strdup_printf ("%s %s ?", source->key, ascending ? "<=" : ">=");
  g_autofree char *order = g_strdup_printf ("ORDER BY %s %s LIMIT ?", source->key,
                                            ascending ? "ASC" : "DESC");

  stmt = prepare_filtered (reader, source->columns, source->from, filter,
                           cursor != 0 ? past : NULL, cursor, order, error);
  if (stmt == NULL)
    return NULL;
  /* One more than a page tells whether there is more in the direction read */
  gh_stmt_bind_int64 (stmt, filter->values->len + (cursor != 0 ? 2 : 1), limit + 1);
  for (;;)
    {
      JsonObject *item;
      gint64 key;

      if (!gh_store_step (reader, stmt, &row, error))
        return NULL;
      if (!row)
        break;
      if (keys->len == limit)
        {
          more = TRUE;
          break;
        }
      item = source->row_to_json (stmt, &key, error);
      if (item == NULL)
        return NULL;
      g_array_append_val (keys, key);
      json_array_add_object_element (items, item);
    }
  g_clear_pointer (&stmt, gh_stmt_reset);

  /* Whether anything is on the other side of the cursor (the cursor row included) */
  if (cursor != 0)
    {
      g_autoptr(GhStmt) exists = prepare_filtered (reader, "1", source->from, filter, behind,
                                                   cursor, "LIMIT 1", error);

      if (exists == NULL || !gh_store_step (reader, exists, &beyond, error))
        return NULL;
    }

  if (ascending)
    {
      /* Read oldest first: shown newest first */
      g_autoptr(JsonArray) reversed = json_array_new ();

      for (guint i = keys->len; i > 0; i--)
        json_array_add_element (reversed, json_array_dup_element (items, i - 1));
      g_clear_pointer (&items, json_array_unref);
      items = g_steal_pointer (&reversed);
      if (more)
        newer = g_array_index (keys, gint64, keys->len - 1);
      if (beyond)
        older = keys->len > 0 ? g_array_index (keys, gint64, 0) : cursor + 1;
    }
  else
    {
      if (more)
        older = g_array_index (keys, gint64, keys->len - 1);
      if (beyond)
        newer = keys->len > 0 ? g_array_index (keys, gint64, 0) : cursor - 1;
    }
  json_object_set_array_member (page, source->items, g_steal_pointer (&items));
  set_cursor (page, "older", older);
  set_cursor (page, "newer", newer);
  return g_steal_pointer (&page);
}

/* ---- reading: the JSON forms --------------------------------------------------------- */

static void
set_column_text (JsonObject *object,
                 const char *name,
                 GhStmt     *stmt,
                 int         column)
{
  const char *text = gh_stmt_column_text (stmt, column);

  if (text != NULL)
    json_object_set_string_member (object, name, text);
  else
    json_object_set_null_member (object, name);
}

static void
set_column_int (JsonObject *object,
                const char *name,
                GhStmt     *stmt,
                int         column)
{
  if (sqlite3_column_type (stmt, column) != SQLITE_NULL)
    json_object_set_int_member (object, name, sqlite3_column_int64 (stmt, column));
  else
    json_object_set_null_member (object, name);
}

/* Copies member @name of @from (null when absent) into @to as @as. */
static void
copy_member (JsonObject *to,
             const char *as,
             JsonObject *from,
             const char *name)
{
  JsonNode *node = from != NULL ? json_object_get_member (from, name) : NULL;

  json_object_set_member (to, as, node != NULL ? json_node_copy (node)
                                               : json_node_new (JSON_NODE_NULL));
}

static JsonObject *
parse_details (const char  *text,
               GError     **error)
{
  if (text == NULL)
    text = "{}";
  return gh_json_parse_object_strict (text, strlen (text), error);
}

#define FLOW_COLUMNS \
  "f.seq, f.flow_id, f.project_slug, f.client_id, f.user_id, f.source, f.user_agent, " \
  "f.started_at, f.updated_at, f.state, f.steps, f.first_event_id, f.last_event_id, " \
  "f.last_error_event_id, f.last_error_type, e.time, e.details"
#define FLOW_FROM "flows f LEFT JOIN audit_events e ON e.id = f.last_error_event_id"

/* A flow's summary, from FLOW_COLUMNS. */
static JsonObject *
flow_to_json (GhStmt  *stmt,
              gint64  *key,
              GError **error)
{
  g_autoptr(JsonObject) flow = json_object_new ();

  *key = sqlite3_column_int64 (stmt, 0);
  json_object_set_int_member (flow, "seq", *key);
  set_column_text (flow, "id", stmt, 1);
  set_column_text (flow, "project_slug", stmt, 2);
  set_column_text (flow, "client_id", stmt, 3);
  set_column_text (flow, "user_id", stmt, 4);
  set_column_text (flow, "source", stmt, 5);
  set_column_text (flow, "user_agent", stmt, 6);
  set_column_int (flow, "started_at", stmt, 7);
  set_column_int (flow, "updated_at", stmt, 8);
  json_object_set_int_member (flow, "duration_us",
                              sqlite3_column_int64 (stmt, 8) - sqlite3_column_int64 (stmt, 7));
  set_column_text (flow, "state", stmt, 9);
  set_column_int (flow, "steps", stmt, 10);
  set_column_int (flow, "first_event_id", stmt, 11);
  set_column_int (flow, "last_event_id", stmt, 12);
  /* The last error, while its event is kept */
  if (sqlite3_column_type (stmt, 15) != SQLITE_NULL)
    {
      g_autoptr(JsonObject) details = parse_details (gh_stmt_column_text (stmt, 16), error);
      JsonObject *last_error = json_object_new ();

      if (details == NULL)
        return json_object_unref (last_error), NULL;
      set_column_int (last_error, "event_id", stmt, 13);
      set_column_text (last_error, "type", stmt, 14);
      set_column_int (last_error, "time", stmt, 15);
      copy_member (last_error, "error", details, "error");
      copy_member (last_error, "error_description", details, "error_description");
      copy_member (last_error, "explain", details, "explain");
      json_object_set_object_member (flow, "last_error", last_error);
    }
  else
    json_object_set_null_member (flow, "last_error");
  return g_steal_pointer (&flow);
}

#define HIT_COLUMNS \
  "h.id, h.time, p.slug, h.path, h.method, h.status, h.origin, h.request_method, " \
  "h.request_headers, h.user_agent, h.source"
#define HIT_FROM "discovery_hits h LEFT JOIN projects p ON p.id = h.project_id"

static JsonObject *
hit_to_json (GhStmt  *stmt,
             gint64  *key,
             GError **error)
{
  static const char * const names[] = {
    "id", "time", "project_slug", "path", "method", "status", "origin",
    "access_control_request_method", "access_control_request_headers", "user_agent", "source",
  };
  JsonObject *hit = json_object_new ();

  *key = sqlite3_column_int64 (stmt, 0);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (sqlite3_column_type (stmt, i) == SQLITE_INTEGER)
      set_column_int (hit, names[i], stmt, i);
    else
      set_column_text (hit, names[i], stmt, i);
  return hit;
}

/* One event of a flow as a step: its step snapshot (details' "step", written where the event
 * is recorded; absent on older events and on events of no HTTP step) and its explain. */
static JsonObject *
step_to_json (const GhAuditEvent *event)
{
  JsonObject *step = json_object_new ();
  JsonObject *snapshot = NULL;
  JsonNode *node = json_object_get_member (event->details, "step");
  gint64 started_at = 0;

  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    snapshot = json_node_get_object (node);
  json_object_set_int_member (step, "event_id", event->id);
  json_object_set_string_member (step, "type", event->type);
  json_object_set_int_member (step, "time", event->time);
  json_object_set_string_member (step, "outcome", gh_audit_outcome_to_string (event->outcome));
  node = snapshot != NULL ? json_object_get_member (snapshot, "started_at") : NULL;
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_INT64)
    started_at = json_node_get_int (node);
  if (started_at > 0 && started_at <= event->time)
    {
      json_object_set_int_member (step, "started_at", started_at);
      json_object_set_int_member (step, "duration_us", event->time - started_at);
    }
  else
    {
      json_object_set_null_member (step, "started_at");
      json_object_set_null_member (step, "duration_us");
    }
  copy_member (step, "params", snapshot, "params");
  copy_member (step, "status", snapshot, "status");
  /* The OAuth error: the step's, else the refusal's details' */
  if (snapshot != NULL && json_object_has_member (snapshot, "error") &&
      !json_object_get_null_member (snapshot, "error"))
    copy_member (step, "error", snapshot, "error");
  else
    copy_member (step, "error", event->details, "error");
  copy_member (step, "error_description", event->details, "error_description");
  copy_member (step, "explain", event->details, "explain");
  /* A CIMD resolution: whether the cache answered ({"result", "ttl_s", "why"}) */
  copy_member (step, "cache", event->details, "cache");
  json_object_set_string_member (step, "client_id", event->client_id);
  json_object_set_string_member (step, "user_id", event->user_id);
  json_object_set_string_member (step, "source", event->source);
  json_object_set_string_member (step, "user_agent", event->user_agent);
  return step;
}

static int
compare_hit_time (gconstpointer a,
                  gconstpointer b)
{
  gint64 x = json_object_get_int_member (*(JsonObject * const *) a, "time");
  gint64 y = json_object_get_int_member (*(JsonObject * const *) b, "time");

  return x < y ? -1 : x > y;
}

/* The discovery hits from one of the (source, User-Agent) pairs of @steps' events in the
 * GH_FLOW_PROBABLE_WINDOW before @started_at, oldest first, marked "probable". */
static JsonArray *
read_probable_hits (GhStore    *reader,
                    JsonArray  *steps,
                    gint64      started_at,
                    GError    **error)
{
  g_autoptr(GHashTable) pairs = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) hits = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      JsonObject *step = json_array_get_object_element (steps, i);
      const char *source = json_object_get_string_member (step, "source");
      const char *user_agent = json_object_get_string_member (step, "user_agent");
      g_auto(Filter) filter = { 0 };
      g_autoptr(GhStmt) stmt = NULL;
      gboolean row = FALSE;
      char *key;

      if (source == NULL)
        continue;
      /* One look per pair: the key cannot be confused, a source has no NUL */
      key = g_strdup_printf ("%s%c%s", source, user_agent != NULL ? '+' : '-',
                             user_agent != NULL ? user_agent : "");
      if (g_hash_table_contains (pairs, key))
        {
          g_free (key);
          continue;
        }
      g_ptr_array_add (keys, key);
      g_hash_table_add (pairs, key);
      filter_init (&filter);
      filter_add (&filter, "h.source = ?", g_variant_new_string (source));
      filter_add (&filter, "coalesce (h.user_agent, '') = ?",
                  g_variant_new_string (user_agent != NULL ? user_agent : ""));
      filter_add (&filter, "h.time >= ?",
                  g_variant_new_int64 (started_at - GH_FLOW_PROBABLE_WINDOW));
      stmt = prepare_filtered (reader, HIT_COLUMNS, HIT_FROM, &filter, "h.time <= ?", started_at,
                               "ORDER BY h.time DESC LIMIT "
                               G_STRINGIFY (GH_FLOW_MAX_PROBABLE_HITS), error);
      if (stmt == NULL)
        return json_array_unref (array), NULL;
      for (;;)
        {
          JsonObject *hit;
          gint64 id;

          if (!gh_store_step (reader, stmt, &row, error))
            return json_array_unref (array), NULL;
          if (!row)
            break;
          hit = hit_to_json (stmt, &id, error);
          json_object_set_boolean_member (hit, "probable", TRUE);
          g_ptr_array_add (hits, hit);
        }
    }
  g_ptr_array_sort (hits, compare_hit_time);
  /* The newest of them when there are too many */
  for (guint i = hits->len > GH_FLOW_MAX_PROBABLE_HITS ? hits->len - GH_FLOW_MAX_PROBABLE_HITS
                                                         : 0; i < hits->len; i++)
    json_array_add_object_element (array, json_object_ref (hits->pdata[i]));
  return array;
}

/* The client's own registration (dynamic, or from its metadata document) in the
 * GH_FLOW_REGISTRATION_WINDOW before @flow began, as MCP clients register just before
 * /authorize: a step of its own, outside the flow's events, marked "before_flow"; NULL with
 * no @error when there is none (an admin's registration is not the client's doing). */
static JsonObject *
read_registration (GhStore     *reader,
                   JsonObject  *flow,
                   gint64       project_id,
                   GError     **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(GhAuditEvent) event = NULL;
  const char *client_id = json_object_get_string_member_with_default (flow, "client_id", NULL);
  gint64 started_at = json_object_get_int_member (flow, "started_at");
  gboolean row = FALSE;
  JsonObject *step;

  if (client_id == NULL)
    return NULL;
  stmt = gh_store_prepare (reader, "SELECT " GH_AUDIT_EVENT_COLUMNS " FROM audit_events "
                           "WHERE project_id = ? AND client_id = ? "
                           "AND type = 'oauth_client.registered' AND flow_id IS NULL "
                           "AND json_extract (details, '$.source') IN ('dcr', 'cimd') "
                           "AND time >= ? AND time <= ? ORDER BY id DESC LIMIT 1", error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_int64 (stmt, 1, project_id);
  gh_stmt_bind_text (stmt, 2, client_id);
  gh_stmt_bind_int64 (stmt, 3, started_at - GH_FLOW_REGISTRATION_WINDOW);
  gh_stmt_bind_int64 (stmt, 4, started_at);
  if (!gh_store_step (reader, stmt, &row, error) || !row)
    return NULL;
  event = gh_audit_event_from_row (stmt, error);
  if (event == NULL)
    return NULL;
  step = step_to_json (event);
  json_object_set_boolean_member (step, "before_flow", TRUE);
  return step;
}

/* One flow: {"flow": summary, "steps": [...], "steps_cut": bool, "discovery_hits": [...],
 * "registration": step or null}. */
static JsonObject *
read_flow (GhStore             *reader,
           const GhFlowsQuery  *query,
           GError             **error)
{
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autoptr(JsonObject) flow = NULL;
  g_autoptr(JsonArray) steps = json_array_new ();
  g_autoptr(GhStmt) stmt = NULL;
  JsonArray *hits;
  JsonObject *registration;
  gboolean row = FALSE;
  gint64 seq;
  guint n = 0;

  stmt = gh_store_prepare (reader, "SELECT " FLOW_COLUMNS " FROM " FLOW_FROM
                           " WHERE f.flow_id = ? AND f.project_id = ?", error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_text (stmt, 1, query->flow_id);
  gh_stmt_bind_int64 (stmt, 2, query->project_id);
  if (!gh_store_step (reader, stmt, &row, error))
    return NULL;
  if (!row)
    return g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND,
                        "This project has no flow “%s”", query->flow_id), NULL;
  flow = flow_to_json (stmt, &seq, error);
  if (flow == NULL)
    return NULL;
  g_clear_pointer (&stmt, gh_stmt_reset);

  stmt = gh_store_prepare (reader, "SELECT " GH_AUDIT_EVENT_COLUMNS " FROM audit_events "
                           "WHERE flow_id = ? AND project_id = ? ORDER BY id LIMIT ?", error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_text (stmt, 1, query->flow_id);
  gh_stmt_bind_int64 (stmt, 2, query->project_id);
  gh_stmt_bind_int64 (stmt, 3, GH_FLOW_MAX_STEPS + 1);
  for (;;)
    {
      g_autoptr(GhAuditEvent) event = NULL;

      if (!gh_store_step (reader, stmt, &row, error))
        return NULL;
      if (!row || ++n > GH_FLOW_MAX_STEPS)
        break;
      event = gh_audit_event_from_row (stmt, error);
      if (event == NULL)
        return NULL;
      json_array_add_object_element (steps, step_to_json (event));
    }
  g_clear_pointer (&stmt, gh_stmt_reset);

  hits = read_probable_hits (reader, steps,
                             json_object_get_int_member (flow, "started_at"), error);
  if (hits == NULL)
    return NULL;
  registration = read_registration (reader, flow, query->project_id, error);
  if (registration == NULL && error != NULL && *error != NULL)
    return json_array_unref (hits), NULL;
  json_object_set_object_member (answer, "flow", g_steal_pointer (&flow));
  json_object_set_array_member (answer, "steps", g_steal_pointer (&steps));
  json_object_set_boolean_member (answer, "steps_cut", row);
  json_object_set_array_member (answer, "discovery_hits", hits);
  if (registration != NULL)
    json_object_set_object_member (answer, "registration", registration);
  else
    json_object_set_null_member (answer, "registration");
  return g_steal_pointer (&answer);
}

/* Gives each flow of a list @page its oldest GH_FLOW_LIST_STEPS steps, each {"event_id",
 * "type", "outcome"} ("first_steps"), and whether it has more ("first_steps_cut"): what a
 * list's row draws without reading the flow. */
static gboolean
add_first_steps (GhStore     *reader,
                 JsonObject  *page,
                 gint64       project_id,
                 GError     **error)
{
  JsonArray *flows = json_object_get_array_member (page, "flows");

  for (guint i = 0; i < json_array_get_length (flows); i++)
    {
      JsonObject *flow = json_array_get_object_element (flows, i);
      g_autoptr(GhStmt) stmt = NULL;
      JsonArray *steps = json_array_new ();
      gboolean row = FALSE;
      guint n = 0;

      json_object_set_array_member (flow, "first_steps", steps);
      stmt = gh_store_prepare (reader, "SELECT id, type, outcome FROM audit_events "
                               "WHERE project_id = ? AND flow_id = ? ORDER BY id LIMIT ?",
                               error);
      if (stmt == NULL)
        return FALSE;
      gh_stmt_bind_int64 (stmt, 1, project_id);
      gh_stmt_bind_text (stmt, 2, json_object_get_string_member (flow, "id"));
      gh_stmt_bind_int64 (stmt, 3, GH_FLOW_LIST_STEPS + 1);
      for (;;)
        {
          JsonObject *step;

          if (!gh_store_step (reader, stmt, &row, error))
            return FALSE;
          if (!row || ++n > GH_FLOW_LIST_STEPS)
            break;
          step = json_object_new ();
          set_column_int (step, "event_id", stmt, 0);
          set_column_text (step, "type", stmt, 1);
          set_column_text (step, "outcome", stmt, 2);
          json_array_add_object_element (steps, step);
        }
      json_object_set_boolean_member (flow, "first_steps_cut", row);
    }
  return TRUE;
}

static JsonObject *
read_answer (GhStore             *reader,
             const GhFlowsQuery  *query,
             GError             **error)
{
  static const PageSource flows = {
    FLOW_COLUMNS, FLOW_FROM, "f.seq", flow_to_json, "flows",
  };
  static const PageSource hits = {
    HIT_COLUMNS, HIT_FROM, "h.id", hit_to_json, "hits",
  };
  g_auto(Filter) filter = { 0 };
  g_autoptr(JsonObject) page = NULL;
  guint limit = query->limit != 0 ? query->limit : GH_FLOWS_QUERY_DEFAULT_LIMIT;

  if (query->kind == GH_FLOWS_QUERY_FLOW)
    return read_flow (reader, query, error);

  filter_init (&filter);
  if (query->kind == GH_FLOWS_QUERY_LIST)
    {
      filter_add (&filter, "f.project_id = ?", g_variant_new_int64 (query->project_id));
      /* One state, or a comma-separated list of them (checked by gh_flows_query_check) */
      if (query->state != NULL && strchr (query->state, ',') != NULL)
        filter_add (&filter, "instr (',' || ? || ',', ',' || f.state || ',') > 0",
                    g_variant_new_string (query->state));
      else
        filter_add (&filter, "f.state = ?", text_or_null (query->state));
      filter_add (&filter, "f.client_id = ?", text_or_null (query->client_id));
      filter_add (&filter, "f.user_id = ?", text_or_null (query->user_id));
      page = read_page (reader, &flows, &filter, query->before, query->after, limit, error);
      if (page == NULL || !add_first_steps (reader, page, query->project_id, error))
        return NULL;
      return g_steal_pointer (&page);
    }
  filter_add (&filter, "h.project_id = ?", g_variant_new_int64 (query->project_id));
  filter_add (&filter, "h.source = ?", text_or_null (query->source));
  filter_add (&filter, "h.user_agent = ?", text_or_null (query->user_agent));
  filter_add (&filter, "h.status = ?", number_or_null (query->status));
  filter_add (&filter, "h.time >= ?", number_or_null (query->since));
  return read_page (reader, &hits, &filter, query->before, query->after, limit, error);
}

/* ---- the API ---------------------------------------------------------------------------- */

static gboolean
invalid (GError     **error,
         const char  *message)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, message);
  return FALSE;
}

gboolean
gh_flows_query_check (const GhFlowsQuery  *query,
                      GError             **error)
{
  GhFlowState state;
  gboolean list = query->kind == GH_FLOWS_QUERY_LIST;
  gboolean hits = query->kind == GH_FLOWS_QUERY_HITS;

  g_return_val_if_fail (query != NULL, FALSE);

  if (query->project_id <= 0)
    return invalid (error, "A flow query names its project");
  if (query->kind == GH_FLOWS_QUERY_FLOW && (query->flow_id == NULL || *query->flow_id == '\0'))
    return invalid (error, "A flow query names its flow");
  if (query->after != 0 && query->before != 0)
    return invalid (error, "A page is either after or before a cursor, not both");
  if (query->after < 0 || query->before < 0)
    return invalid (error, "Cursors are positive");
  if (query->limit > GH_FLOWS_QUERY_MAX_LIMIT)
    return invalid (error, "A page holds at most " G_STRINGIFY (GH_FLOWS_QUERY_MAX_LIMIT));
  if (query->state != NULL)
    {
      g_auto(GStrv) states = g_strsplit (query->state, ",", -1);

      for (guint i = 0; states[i] != NULL; i++)
        if (!gh_flow_state_from_string (states[i], &state) || state == GH_FLOW_STATE_NONE ||
            g_strv_contains ((const char * const *) states + i + 1, states[i]))
          return invalid (error, "The state is one of running, code, succeeded, failed and "
                                 "denied, or several of them separated by commas, each once");
    }
  if (!list && (query->state != NULL || query->client_id != NULL || query->user_id != NULL))
    return invalid (error, "Only a list of flows filters by state, client or user");
  if (!hits && (query->source != NULL || query->user_agent != NULL || query->status != 0 ||
                query->since != 0))
    return invalid (error, "Only discovery hits filter by source, User-Agent, status or time");
  if (query->status != 0 && (query->status < 100 || query->status > 599))
    return invalid (error, "An HTTP status is between 100 and 599");
  if (query->since < 0)
    return invalid (error, "A time is µs since the epoch");
  return TRUE;
}

static gpointer
read_query (GhStore        *reader,
            gconstpointer   data,
            GError        **error)
{
  return read_answer (reader, data, error);
}

static gboolean
check_query (gconstpointer   data,
             GError        **error)
{
  return gh_flows_query_check (data, error);
}

JsonObject *
gh_flows_query (GhStore             *store,
                const GhFlowsQuery  *query,
                GCancellable        *cancellable,
                GError             **error)
{
  g_return_val_if_fail (GH_IS_STORE (store), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  if (!gh_flows_query_check (query, error))
    return NULL;
  return gh_audit_read (store, read_query, query, cancellable, error);
}

/* The strings of a query, which a copy for the worker thread owns. */
static const gsize query_strings[] = {
  G_STRUCT_OFFSET (GhFlowsQuery, flow_id), G_STRUCT_OFFSET (GhFlowsQuery, state),
  G_STRUCT_OFFSET (GhFlowsQuery, client_id), G_STRUCT_OFFSET (GhFlowsQuery, user_id),
  G_STRUCT_OFFSET (GhFlowsQuery, source), G_STRUCT_OFFSET (GhFlowsQuery, user_agent),
};

static void
query_free (GhFlowsQuery *query)
{
  for (guint i = 0; i < G_N_ELEMENTS (query_strings); i++)
    g_free (G_STRUCT_MEMBER (char *, query, query_strings[i]));
  g_free (query);
}

void
gh_flows_query_async (GhStore             *store,
                      const GhFlowsQuery  *query,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  GhFlowsQuery *copy;

  g_return_if_fail (GH_IS_STORE (store));
  g_return_if_fail (query != NULL);

  copy = g_memdup2 (query, sizeof *query);
  for (guint i = 0; i < G_N_ELEMENTS (query_strings); i++)
    G_STRUCT_MEMBER (char *, copy, query_strings[i]) =
      g_strdup (G_STRUCT_MEMBER (const char *, query, query_strings[i]));
  gh_audit_read_async (store, check_query, read_query, copy, (GDestroyNotify) query_free,
                       (GDestroyNotify) json_object_unref, cancellable, callback, user_data);
}

JsonObject *
gh_flows_query_finish (GAsyncResult  *result,
                       GError       **error)
{
  return gh_audit_read_finish (result, error);
}
