/* gh-audit-query.c — GhAuditQuery: filtered pages of audit events, keyset paged, read off the
 * request thread through the store's read-only connections
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-audit"

#include "config.h"

#include <string.h>

#include "gh-audit-query.h"

void
gh_audit_page_free (GhAuditPage *page)
{
  if (page == NULL)
    return;
  g_clear_pointer (&page->events, g_ptr_array_unref);
  g_free (page);
}

JsonObject *
gh_audit_page_to_json (const GhAuditPage *page)
{
  JsonObject *object;
  JsonArray *events;

  g_return_val_if_fail (page != NULL, NULL);

  object = json_object_new ();
  events = json_array_new ();
  for (guint i = 0; i < page->events->len; i++)
    json_array_add_object_element (events, gh_audit_event_to_json (page->events->pdata[i]));
  json_object_set_array_member (object, "events", events);
  if (page->older > 0)
    json_object_set_int_member (object, "older", page->older);
  else
    json_object_set_null_member (object, "older");
  if (page->newer > 0)
    json_object_set_int_member (object, "newer", page->newer);
  else
    json_object_set_null_member (object, "newer");
  return object;
}

static gboolean
invalid (GError     **error,
         const char  *message)
{
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, message);
  return FALSE;
}

gboolean
gh_audit_query_check (const GhAuditQuery  *query,
                      GError             **error)
{
  g_return_val_if_fail (query != NULL, FALSE);

  if (query->after != 0 && query->before != 0)
    return invalid (error, "An audit query pages either after or before an event, not both");
  if (query->offset > 0 && query->after != 0)
    return invalid (error, "An offset counts older events from the newest or from “before”, "
                    "not newer ones from “after”");
  if (query->offset > GH_AUDIT_QUERY_MAX_OFFSET)
    return invalid (error, "An offset skips at most 10000000 events");
  if (query->after < 0 || query->before < 0 || query->project_id < 0)
    return invalid (error, "Event and project ids are positive");
  if (query->outcome != NULL && g_strcmp0 (query->outcome, "success") != 0 &&
      g_strcmp0 (query->outcome, "failure") != 0 && g_strcmp0 (query->outcome, "info") != 0)
    return invalid (error, "The outcome is one of success, failure and info");
  if (query->type != NULL && query->type_prefix != NULL)
    return invalid (error, "An audit query takes a type or a type prefix, not both");
  if (query->type_prefix != NULL && query->type_prefix[0] == '\0')
    return invalid (error, "A type prefix is not empty (leave it out to match every type)");
  if (query->time_from != 0 && query->time_to != 0 && query->time_from >= query->time_to)
    return invalid (error, "The time range is empty: its start is not before its end");
  return TRUE;
}

/* ---- building the statement -------------------------------------------------------- */

/* The conditions of a query as SQL, and what its placeholders take, in order. */
typedef struct
{
  GString   *where;
  GPtrArray *texts;   /* char *, or NULL for an integer from @ints */
  GArray    *ints;    /* gint64, one per placeholder (ignored for a text) */
} Conditions;

static void
add_text (Conditions *conditions,
          const char *sql,
          char       *owned_value)
{
  gint64 unused = 0;

  g_string_append_printf (conditions->where, " AND %s", sql);
  g_ptr_array_add (conditions->texts, owned_value);
  g_array_append_val (conditions->ints, unused);
}

static void
add_int (Conditions *conditions,
         const char *sql,
         gint64      value)
{
  g_string_append_printf (conditions->where, " AND %s", sql);
  g_ptr_array_add (conditions->texts, NULL);
  g_array_append_val (conditions->ints, value);
}

/* The least string greater than every string that starts with @prefix, or NULL when there
 * is none (every byte 0xff): the range [prefix, bound) of the type index. */
static char *
prefix_bound (const char *prefix)
{
  g_autofree char *bound = g_strdup (prefix);
  gsize length = strlen (bound);

  while (length > 0 && (guchar) bound[length - 1] == 0xff)
    bound[--length] = '\0';
  if (length == 0)
    return NULL;
  bound[length - 1] = (char) ((guchar) bound[length - 1] + 1);
  return g_steal_pointer (&bound);
}

/* @text as a LIKE pattern (escape character '\'), anywhere in the value. */
static char *
like_pattern (const char *text)
{
  GString *pattern = g_string_new ("%");

  for (const char *c = text; *c != '\0'; c++)
    {
      if (*c == '%' || *c == '_' || *c == '\\')
        g_string_append_c (pattern, '\\');
      g_string_append_c (pattern, *c);
    }
  g_string_append_c (pattern, '%');
  return g_string_free (pattern, FALSE);
}

static void
conditions_init (Conditions         *conditions,
                 const GhAuditQuery *query)
{
  conditions->where = g_string_new ("1");
  conditions->texts = g_ptr_array_new_with_free_func (g_free);
  conditions->ints = g_array_new (FALSE, TRUE, sizeof (gint64));

  if (query->project_id > 0)
    add_int (conditions, "project_id = ?", query->project_id);
  if (query->type != NULL)
    add_text (conditions, "type = ?", g_strdup (query->type));
  /* read_page() makes a type prefix one set of conditions per type it matches, but for a
   * prefix matching too many types: then the prefix is a range of the type index */
  if (query->type_prefix != NULL)
    {
      char *bound = prefix_bound (query->type_prefix);

      add_text (conditions, "type >= ?", g_strdup (query->type_prefix));
      if (bound != NULL)
        add_text (conditions, "type < ?", bound);
    }
  if (query->outcome != NULL)
    add_text (conditions, "outcome = ?", g_strdup (query->outcome));
  if (query->client_id != NULL)
    add_text (conditions, "client_id = ?", g_strdup (query->client_id));
  if (query->user_id != NULL)
    add_text (conditions, "user_id = ?", g_strdup (query->user_id));
  if (query->flow_id != NULL)
    add_text (conditions, "flow_id = ?", g_strdup (query->flow_id));
  if (query->source != NULL)
    add_text (conditions, "source = ?", g_strdup (query->source));
  if (query->time_from != 0)
    add_int (conditions, "time >= ?", query->time_from);
  if (query->time_to != 0)
    add_int (conditions, "time < ?", query->time_to);
  if (query->text != NULL && query->text[0] != '\0')
    {
      /* Plain placeholders only, as the conditions of several sets share one statement */
      add_text (conditions, "(details LIKE ? ESCAPE '\\' OR client_id LIKE ? ESCAPE '\\' "
                "OR user_id LIKE ? ESCAPE '\\')", like_pattern (query->text));
      g_ptr_array_add (conditions->texts, like_pattern (query->text));
      g_ptr_array_add (conditions->texts, like_pattern (query->text));
      g_array_set_size (conditions->ints, conditions->texts->len);
    }
}

static void
conditions_clear (Conditions *conditions)
{
  g_string_free (conditions->where, TRUE);
  g_ptr_array_unref (conditions->texts);
  g_array_unref (conditions->ints);
}

/* Binds @conditions' values from placeholder @first on; returns the next placeholder. */
static int
conditions_bind (Conditions *conditions,
                 GhStmt     *stmt,
                 int         first)
{
  for (guint i = 0; i < conditions->texts->len; i++, first++)
    {
      const char *text = conditions->texts->pdata[i];

      if (text != NULL)
        gh_stmt_bind_text (stmt, first, text);
      else
        gh_stmt_bind_int64 (stmt, first, g_array_index (conditions->ints, gint64, i));
    }
  return first;
}

/* ---- running it ------------------------------------------------------------------ */

/* One statement over the sets of conditions (@sets, Conditions): for each set, the arm
 * "SELECT @what FROM audit_events WHERE <its conditions> @tail" (@wrap: as a subquery, so
 * that it may have its own ORDER BY and LIMIT) with @n_extra more placeholders in @tail,
 * bound to @extra; the arms joined with " UNION ALL ", between @head and @foot. Each arm's
 * placeholders follow the previous arm's. */
static GhStmt *
prepare_sets (GhStore       *reader,
              GArray        *sets,
              const char    *head,
              const char    *what,
              const char    *tail,
              gboolean       wrap,
              const gint64  *extra,
              guint          n_extra,
              const char    *foot,
              GError       **error)
{
  g_autoptr(GString) sql = g_string_new (head);
  GhStmt *stmt;
  int next = 1;

  for (guint i = 0; i < sets->len; i++)
    g_string_append_printf (sql, "%s%sSELECT %s FROM audit_events WHERE %s %s%s",
                            i > 0 ? " UNION ALL " : "", wrap ? "SELECT * FROM (" : "", what,
                            g_array_index (sets, Conditions, i).where->str, tail,
                            wrap ? ")" : "");
  g_string_append (sql, foot);
  stmt = gh_store_prepare (reader, sql->str, error);
  if (stmt == NULL)
    return NULL;
  for (guint i = 0; i < sets->len; i++)
    {
      next = conditions_bind (&g_array_index (sets, Conditions, i), stmt, next);
      for (guint e = 0; e < n_extra; e++)
        gh_stmt_bind_int64 (stmt, next++, extra[e]);
    }
  return stmt;
}

/* Reads up to @limit events matching any of @sets past @cursor (0: from the newest), id
 * descending (@ascending: ascending, past an "after" cursor), the first @offset of them
 * skipped (descending only), into @events, newest first.
 * Several sets (the types of a prefix) are one query: each set's newest (or oldest)
 * @offset + @limit ids, each an index walk in id order, merged by SQLite, the columns read
 * only for the @limit kept. An offset walks the ids alone (a subquery of ids), so the events
 * skipped are never read either. */
static gboolean
read_events (GhStore     *reader,
             GArray      *sets,
             gboolean     ascending,
             gint64       cursor,
             guint        offset,
             guint        limit,
             GPtrArray   *events,
             GError     **error)
{
  g_autofree char *tail = NULL;
  g_autofree char *foot = NULL;
  g_autoptr(GhStmt) stmt = NULL;
  const char *order = ascending ? "ASC" : "DESC";
  gint64 extra[2] = { cursor, (gint64) offset + limit };
  gboolean row = FALSE;

  tail = g_strdup_printf ("%s ORDER BY id %s LIMIT ?",
                          cursor == 0 ? "" : ascending ? "AND id > ?" : "AND id < ?", order);
  if (sets->len == 1 && offset == 0)
    stmt = prepare_sets (reader, sets, "", GH_AUDIT_EVENT_COLUMNS, tail, FALSE,
                         cursor == 0 ? extra + 1 : extra, cursor == 0 ? 1 : 2, "", error);
  else if (offset == 0)
    {
      foot = g_strdup_printf (") ORDER BY id %s LIMIT %u", order, limit);
      stmt = prepare_sets (reader, sets, "SELECT " GH_AUDIT_EVENT_COLUMNS " FROM audit_events "
                           "WHERE id IN (", "id", tail, TRUE,
                           cursor == 0 ? extra + 1 : extra, cursor == 0 ? 1 : 2, foot, error);
    }
  else if (sets->len == 1)
    {
      /* One index walk past the ids skipped, then the page's events */
      gint64 paged[3] = { cursor, limit, offset };

      g_free (tail);
      tail = g_strdup_printf ("%s ORDER BY id DESC LIMIT ? OFFSET ?",
                              cursor == 0 ? "" : "AND id < ?");
      stmt = prepare_sets (reader, sets, "SELECT " GH_AUDIT_EVENT_COLUMNS " FROM audit_events "
                           "WHERE id IN (", "id", tail, FALSE,
                           cursor == 0 ? paged + 1 : paged, cursor == 0 ? 2 : 3,
                           ") ORDER BY id DESC", error);
    }
  else
    {
      /* The ids of the page from the arms' merge, in order, then their events */
      foot = g_strdup_printf (" ORDER BY id DESC LIMIT %u OFFSET %u) ORDER BY id DESC",
                              limit, offset);
      stmt = prepare_sets (reader, sets, "SELECT " GH_AUDIT_EVENT_COLUMNS " FROM audit_events "
                           "WHERE id IN (", "id", tail, TRUE,
                           cursor == 0 ? extra + 1 : extra, cursor == 0 ? 1 : 2, foot, error);
    }
  if (stmt == NULL)
    return FALSE;
  for (;;)
    {
      GhAuditEvent *event;

      if (!gh_store_step (reader, stmt, &row, error))
        return FALSE;
      if (!row)
        return TRUE;
      event = gh_audit_event_from_row (stmt, error);
      if (event == NULL)
        return FALSE;
      /* Read oldest first past an "after" cursor: the page shows them newest first */
      if (ascending)
        g_ptr_array_insert (events, 0, event);
      else
        g_ptr_array_add (events, event);
    }
}

/* Whether an event matching any of @sets lies on the far side of @id: above it (@above) or
 * below it. */
static gboolean
exists_beyond (GhStore     *reader,
               GArray      *sets,
               gboolean     above,
               gint64       id,
               gboolean    *exists,
               GError     **error)
{
  g_autoptr(GhStmt) stmt = prepare_sets (reader, sets, "", "1", above ? "AND id > ?"
                                                                      : "AND id < ?",
                                         FALSE, &id, 1, " LIMIT 1", error);

  return stmt != NULL && gh_store_step (reader, stmt, exists, error);
}

static gint64
event_id (GPtrArray *events,
          guint      index)
{
  return ((GhAuditEvent *) events->pdata[index])->id;
}

/* More types than this under one prefix are one range of the type index instead: a
 * statement of SQLite holds at most 500 arms, and past a few dozen the arms cost more than
 * they save. */
#define MAX_PREFIX_TYPES 32

/* The distinct types in the log (in @project_id's part of it, unless 0) that start with
 * @prefix, in order, each found by one seek in a type index (a skip scan), never by reading
 * the events of the range. Stored types no longer registered are among them. */
static GPtrArray *
types_with_prefix (GhStore     *reader,
                   gint64       project_id,
                   const char  *prefix,
                   GError     **error)
{
  g_autofree char *bound = prefix_bound (prefix);
  g_autofree char *range = g_strdup_printf ("%s%s", project_id > 0 ? "project_id = ?3 AND " : "",
                                            bound != NULL ? "type < ?2" : "1");
  g_autofree char *sql = NULL;
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GhStmt) stmt = NULL;
  gboolean row = FALSE;

  sql = g_strdup_printf ("WITH RECURSIVE t (type) AS ("
                         " SELECT min (type) FROM audit_events WHERE type >= ?1 AND %s"
                         " UNION ALL SELECT (SELECT min (type) FROM audit_events"
                         "  WHERE type > t.type AND %s) FROM t WHERE t.type IS NOT NULL)"
                         " SELECT type FROM t WHERE type IS NOT NULL", range, range);
  stmt = gh_store_prepare (reader, sql, error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_text (stmt, 1, prefix);
  if (bound != NULL)
    gh_stmt_bind_text (stmt, 2, bound);
  if (project_id > 0)
    gh_stmt_bind_int64 (stmt, 3, project_id);
  for (;;)
    {
      if (!gh_store_step (reader, stmt, &row, error))
        return NULL;
      if (!row)
        return g_steal_pointer (&found);
      g_ptr_array_add (found, g_strdup (gh_stmt_column_text (stmt, 0)));
    }
}

/* @query's conditions as sets in @sets (Conditions; none when no type matches its prefix): a
 * type prefix becomes one set per type it matches, each walking its (project, type) index,
 * unless it matches too many. FALSE with @error when the types could not be read. */
static gboolean
query_sets (GhStore             *reader,
            const GhAuditQuery  *query,
            GArray              *sets,
            GError             **error)
{
  g_autoptr(GPtrArray) types = NULL;

  if (query->type_prefix != NULL)
    {
      types = types_with_prefix (reader, query->project_id, query->type_prefix, error);
      if (types == NULL)
        return FALSE;
    }
  if (types != NULL && types->len <= MAX_PREFIX_TYPES)
    {
      g_array_set_size (sets, types->len);
      for (guint i = 0; i < types->len; i++)
        {
          GhAuditQuery one = *query;

          one.type = types->pdata[i];
          one.type_prefix = NULL;
          conditions_init (&g_array_index (sets, Conditions, i), &one);
        }
    }
  else
    {
      g_array_set_size (sets, 1);
      conditions_init (&g_array_index (sets, Conditions, 0), query);
    }
  return TRUE;
}

/* One page, in @reader's read transaction. A type prefix becomes one set of conditions per
 * type it matches, each walking its (project, type) index in id order, merged in one
 * statement: one range query over the types would have to sort every event of the range. */
static GhAuditPage *
read_page (GhStore             *reader,
           const GhAuditQuery  *query,
           GError             **error)
{
  g_autoptr(GhAuditPage) page = g_new0 (GhAuditPage, 1);
  g_autoptr(GArray) sets = g_array_new (FALSE, FALSE, sizeof (Conditions));
  guint limit = query->limit == 0 ? GH_AUDIT_QUERY_DEFAULT_LIMIT
                                  : MIN (query->limit, GH_AUDIT_QUERY_MAX_LIMIT);
  gboolean ascending = query->after != 0;
  gint64 cursor = ascending ? query->after : query->before;
  gboolean more = FALSE, beyond = FALSE;
  gboolean ok = TRUE;

  page->events = g_ptr_array_new_with_free_func ((GDestroyNotify) gh_audit_event_free);
  if (!query_sets (reader, query, sets, error))
    return NULL;

  /* No type matches the prefix: nothing to read */
  if (sets->len > 0)
    {
      /* One more than a page tells whether there is more in the direction read */
      ok = read_events (reader, sets, ascending, cursor, query->offset, limit + 1,
                        page->events, error);
      /* ... and one look the other way whether anything matches at or behind the cursor
       * (between it and the page there is nothing: the page starts at the first match past
       * it) */
      if (ok && cursor != 0)
        ok = exists_beyond (reader, sets, !ascending, ascending ? cursor + 1 : cursor - 1,
                            &beyond, error);
    }
  for (guint i = 0; i < sets->len; i++)
    conditions_clear (&g_array_index (sets, Conditions, i));
  if (!ok)
    return NULL;
  if (page->events->len > limit)
    {
      /* The extra one is the newest (ascending) or the oldest (descending) */
      more = TRUE;
      g_ptr_array_remove_index (page->events, ascending ? 0 : limit);
    }

  if (ascending)
    {
      if (more)
        page->newer = event_id (page->events, 0);
      if (beyond)
        page->older = page->events->len > 0 ? event_id (page->events, page->events->len - 1)
                                            : cursor + 1;
    }
  else
    {
      if (more)
        page->older = event_id (page->events, page->events->len - 1);
      /* Past an offset, the events skipped are newer */
      if (query->offset > 0 && page->events->len > 0)
        page->newer = event_id (page->events, 0);
      else if (beyond)
        page->newer = page->events->len > 0 ? event_id (page->events, 0) : cursor - 1;
    }
  return g_steal_pointer (&page);
}

/* How many events @query keeps below its @before cursor (if any), in @reader's read
 * transaction: one count per set of conditions (a type prefix's types each walk their index),
 * added up. */
static gint64 *
count_events (GhStore             *reader,
              const GhAuditQuery  *query,
              GError             **error)
{
  g_autoptr(GArray) sets = g_array_new (FALSE, FALSE, sizeof (Conditions));
  g_autoptr(GhStmt) stmt = NULL;
  g_autofree gint64 *count = g_new0 (gint64, 1);
  gboolean row = FALSE;
  gboolean ok = TRUE;

  if (!query_sets (reader, query, sets, error))
    return NULL;
  if (sets->len > 0)
    {
      stmt = prepare_sets (reader, sets, "SELECT coalesce (sum (n), 0) FROM (", "count (*) AS n",
                           query->before != 0 ? "AND id < ?" : "", FALSE, &query->before,
                           query->before != 0 ? 1 : 0, ")", error);
      ok = stmt != NULL && gh_store_step (reader, stmt, &row, error);
      if (ok && row)
        *count = sqlite3_column_int64 (stmt, 0);
    }
  for (guint i = 0; i < sets->len; i++)
    conditions_clear (&g_array_index (sets, Conditions, i));
  if (!ok)
    return NULL;
  return g_steal_pointer (&count);
}

/* ---- reads off the request thread ------------------------------------------------------ */

gpointer
gh_audit_read (GhStore        *store,
               GhAuditReadFunc read,
               gconstpointer   data,
               GCancellable   *cancellable,
               GError        **error)
{
  g_autoptr(GhStore) reader = NULL;
  g_autoptr(GError) local_error = NULL;
  gpointer result = NULL;

  g_return_val_if_fail (GH_IS_STORE (store), NULL);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  reader = gh_store_take_reader (store, error);
  if (reader == NULL)
    return NULL;
  gh_store_set_cancellable (reader, cancellable);
  /* Every statement sees one snapshot: cursors agree with what they page */
  if (gh_store_begin_read (reader, &local_error))
    {
      result = read (reader, data, &local_error);
      gh_store_rollback (reader);
    }
  gh_store_set_cancellable (reader, NULL);
  gh_store_give_reader (store, g_steal_pointer (&reader));

  if (result == NULL && !g_cancellable_set_error_if_cancelled (cancellable, error))
    g_propagate_error (error, g_steal_pointer (&local_error));
  return result;
}

/* What a worker thread runs, and what it gives back. */
typedef struct
{
  GhAuditReadFunc read;
  gpointer        data;
  GDestroyNotify  data_free;
  GDestroyNotify  result_free;
} ReadJob;

static void
read_job_free (ReadJob *job)
{
  if (job->data_free != NULL)
    job->data_free (job->data);
  g_free (job);
}

static void
read_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ReadJob *job = task_data;
  GError *error = NULL;
  gpointer result = gh_audit_read (source_object, job->read, job->data, cancellable, &error);

  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, job->result_free);
}

void
gh_audit_read_async (GhStore             *store,
                     GhAuditCheckFunc     check,
                     GhAuditReadFunc      read,
                     gpointer             data,
                     GDestroyNotify       data_free,
                     GDestroyNotify       result_free,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ReadJob *job = g_new0 (ReadJob, 1);
  GError *error = NULL;

  job->read = read;
  job->data = data;
  job->data_free = data_free;
  job->result_free = result_free;
  task = g_task_new (store, cancellable, callback, user_data);
  g_task_set_source_tag (task, gh_audit_read_async);
  g_task_set_task_data (task, job, (GDestroyNotify) read_job_free);
  /* What cannot run says so without a thread */
  if (check != NULL && !check (data, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_run_in_thread (task, read_thread);
}

gpointer
gh_audit_read_finish (GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gh_audit_read_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- audit queries ------------------------------------------------------------------------ */

static gpointer
read_query_page (GhStore        *reader,
                 gconstpointer   data,
                 GError        **error)
{
  return read_page (reader, data, error);
}

static gboolean
check_query (gconstpointer   data,
             GError        **error)
{
  return gh_audit_query_check (data, error);
}

GhAuditPage *
gh_audit_query (GhStore             *store,
                const GhAuditQuery  *query,
                GCancellable        *cancellable,
                GError             **error)
{
  g_return_val_if_fail (GH_IS_STORE (store), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  if (!gh_audit_query_check (query, error))
    return NULL;
  return gh_audit_read (store, read_query_page, query, cancellable, error);
}

/* @query with strings of its own, for the worker thread. */
static GhAuditQuery *
query_copy (const GhAuditQuery *query)
{
  GhAuditQuery *copy = g_memdup2 (query, sizeof *query);

  copy->type = g_strdup (query->type);
  copy->type_prefix = g_strdup (query->type_prefix);
  copy->outcome = g_strdup (query->outcome);
  copy->client_id = g_strdup (query->client_id);
  copy->user_id = g_strdup (query->user_id);
  copy->flow_id = g_strdup (query->flow_id);
  copy->source = g_strdup (query->source);
  copy->text = g_strdup (query->text);
  return copy;
}

static void
query_free (GhAuditQuery *query)
{
  g_free ((char *) query->type);
  g_free ((char *) query->type_prefix);
  g_free ((char *) query->outcome);
  g_free ((char *) query->client_id);
  g_free ((char *) query->user_id);
  g_free ((char *) query->flow_id);
  g_free ((char *) query->source);
  g_free ((char *) query->text);
  g_free (query);
}

void
gh_audit_query_async (GhStore             *store,
                      const GhAuditQuery  *query,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_return_if_fail (GH_IS_STORE (store));
  g_return_if_fail (query != NULL);

  gh_audit_read_async (store, check_query, read_query_page, query_copy (query),
                       (GDestroyNotify) query_free, (GDestroyNotify) gh_audit_page_free,
                       cancellable, callback, user_data);
}

static gpointer
read_query_count (GhStore        *reader,
                  gconstpointer   data,
                  GError        **error)
{
  return count_events (reader, data, error);
}

void
gh_audit_count_async (GhStore             *store,
                      const GhAuditQuery  *query,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_return_if_fail (GH_IS_STORE (store));
  g_return_if_fail (query != NULL);

  gh_audit_read_async (store, check_query, read_query_count, query_copy (query),
                       (GDestroyNotify) query_free, g_free, cancellable, callback, user_data);
}

gint64
gh_audit_count_finish (GAsyncResult  *result,
                       GError       **error)
{
  g_autofree gint64 *count = gh_audit_read_finish (result, error);

  return count != NULL ? *count : -1;
}

GhAuditPage *
gh_audit_query_finish (GAsyncResult  *result,
                       GError       **error)
{
  return gh_audit_read_finish (result, error);
}
