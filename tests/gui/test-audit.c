/* test-audit.c — the Audit events page against a real server: the list in the server's order,
 * pages read as it scrolls, filters applied by the server, live events, the pill, the gap row
 * and the export
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "gh-audit-model.h"
#include "gh-audit-page.h"
#include "gh-window.h"
#include "gh-gui-test.h"
#include "gh-property-row.h"

#define N_COLUMNS 7
#define TYPE_COLUMN 2
#define USER_COLUMN 4
#define SOURCE_COLUMN 6
#define BURST 450

/* ---- making events ---------------------------------------------------------------------- */

typedef struct
{
  guint pending;
  guint failed;
} Batch;

static void
batch_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Batch *batch = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = gh_admin_client_request_json_finish (GH_ADMIN_CLIENT (source),
                                                                      result, &error);

  batch->failed += answer == NULL;
  batch->pending--;
}

static gboolean
batch_done (gpointer data)
{
  return ((Batch *)data)->pending == 0;
}

/* @count users created at once (a user.created event each), named @stem-N. */
static void
create_users (GhGuiTest  *test,
              const char *stem,
              guint       count)
{
  g_autoptr(GhAdminClient) client = gh_admin_client_new (test->server->base, test->token);
  gint64 start = g_get_monotonic_time ();

  /* In batches: each wait has the harness's timeout. */
  for (guint done = 0; done < count; done += 250)
    {
      Batch batch = { MIN (250, count - done), 0 };

      for (guint i = done; i < done + MIN (250, count - done); i++)
        {
          g_autoptr(JsonObject) body = json_object_new ();
          g_autofree char *name = g_strdup_printf ("%s-%u", stem, i);

          json_object_set_string_member (body, "username", name);
          gh_admin_client_request_json_async (client, "POST", "/projects/default/users", body,
                                              NULL, batch_done_cb, &batch);
        }
      if (!gh_gui_test_wait (batch_done, &batch))
        g_error ("%u of %u users still pending, %u failed", batch.pending,
                 MIN (250, count - done), batch.failed);
      g_assert_cmpuint (batch.failed, ==, 0);
    }
  g_test_message ("%u users in %.1f s", count, (g_get_monotonic_time () - start) / 1e6);
}

/* @count events written straight into the server's store in one transaction, as its audit
 * log writes them (through the server, each commit waits for the disk: 2 000 would take
 * minutes on a loaded machine), whether the server runs or not. One second apart, the newest a
 * second ago; every 100th a refused token of client-N (N = i / 100 % 5). Read back only
 * through the admin API. */
static void
insert_events (GhGuiTest *test,
               guint      count)
{
  g_autofree char *path = g_build_filename (test->dir, "gatehouse.db", NULL);
  g_autofree char *sql = NULL;
  sqlite3 *db = NULL;
  gint64 first = g_get_real_time () - (gint64) count * G_USEC_PER_SEC;
  gint64 start = g_get_monotonic_time ();

  /* One statement: SQLite makes the rows itself, the indexes kept in memory meanwhile. */
  sql = g_strdup_printf ("WITH RECURSIVE n (i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n "
                         "WHERE i < %u) "
                         "INSERT INTO audit_events (time, project_id, project_slug, type, "
                         "outcome, actor, client_id, user_id, source, details) "
                         "SELECT %" G_GINT64_FORMAT " + i * %" G_GINT64_FORMAT ", p.id, p.slug, "
                         "iif (i %% 100 = 50, 'token.refused', 'user.created'), "
                         "iif (i %% 100 = 50, 'failure', 'success'), 'admin', "
                         "iif (i %% 100 = 50, 'client-' || (i / 100 %% 5), NULL), "
                         "iif (i %% 100 = 50, NULL, 'bulk-' || i), '127.0.0.1', "
                         "iif (i %% 100 = 50, '{\"error\":\"invalid_grant\"}', "
                         "'{\"username\":\"bulk-' || i || '\"}') "
                         "FROM n, projects AS p WHERE p.slug = 'default'",
                         count - 1, first, (gint64) G_USEC_PER_SEC);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA cache_size = -65536", NULL, NULL, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_changes (db), ==, count);
  sqlite3_close (db);
  g_test_message ("%u events inserted in %.1f s", count,
                  (g_get_monotonic_time () - start) / 1e6);
}

/* @count refused admin calls (an admin.request_refused failure each). */
static void
make_failures (GhGuiTest *test,
               guint      count)
{
  for (guint i = 0; i < count; i++)
    {
      g_autoptr(GError) error = gh_gui_test_admin_error (test, "DELETE",
                                                         "/projects/default/users/nobody-here",
                                                         NULL);
    }
}

/* One event of outcome info: a confidential client introspects a token the server never
 * issued (token.introspected). */
static void
make_info (GhGuiTest *test)
{
  g_autoptr(JsonObject) client =
    gh_gui_test_admin (test, "POST", "/projects/default/clients",
                       "{\"client_id\": \"checker\", \"redirect_uris\": "
                       "[\"https://checker.example/cb\"], "
                       "\"token_endpoint_auth_method\": \"client_secret_basic\"}");
  g_autofree char *pair = g_strconcat ("checker:",
                                       json_object_get_string_member (client, "client_secret"),
                                       NULL);
  g_autofree char *basic = g_base64_encode ((const guchar *) pair, strlen (pair));
  g_autofree char *request =
    g_strdup_printf ("POST /introspect HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Authorization: Basic %s\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n"
                     "Content-Length: 12\r\nConnection: close\r\n\r\ntoken=absent", basic);
  g_autoptr(GhRawResponse) response = gh_test_raw_http (test->server->port, request,
                                                        strlen (request), 10000);

  g_assert_cmpuint (response->status, ==, 200);
}

static GPtrArray *server_events (GhGuiTest  *test,
                                 const char *query);

/* The What popover lists the server's types (read after the page's first load). */
static gboolean
what_type_listed (gpointer data)
{
  return gh_gui_test_find (data, "token.introspected") != NULL;
}

/* Every event id the server has for @query ("" or "&outcome=failure"), newest first, and
 * their types into @types (unless NULL). */
static GArray *
server_ids (GhGuiTest  *test,
            const char *query,
            GPtrArray  *types)
{
  g_autoptr(GPtrArray) events = server_events (test, query);
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (events, i);
      gint64 id = json_object_get_int_member (event, "id");

      g_array_append_val (ids, id);
      if (types != NULL)
        g_ptr_array_add (types, g_strdup (json_object_get_string_member (event, "type")));
    }

  return ids;
}

/* ---- what the page shows ------------------------------------------------------------------- */

static void
collect_inscriptions (GtkWidget *widget,
                      GPtrArray *texts)
{
  if (GTK_IS_INSCRIPTION (widget) && gtk_widget_get_mapped (widget))
    {
      const char *text = gtk_inscription_get_text (GTK_INSCRIPTION (widget));

      g_ptr_array_add (texts, g_strdup (text != NULL ? text : ""));
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_inscriptions (child, texts);
}

/* The cells of the rows shown, row after row (N_COLUMNS each). */
static GPtrArray *
shown_cells (GtkWidget *page)
{
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);

  gh_gui_test_run_for (50);
  collect_inscriptions (gh_gui_test_get (page, "audit-list"), texts);
  g_assert_cmpuint (texts->len % N_COLUMNS, ==, 0);

  return texts;
}

static gint64
model_id (GListModel *model,
          guint       position)
{
  g_autoptr(GObject) item = g_list_model_get_item (model, position);

  g_assert_nonnull (gh_audit_model_item_get_event (item));
  return gh_audit_event_item_get_id (gh_audit_model_item_get_event (item));
}

static GListModel *
page_model (GtkWidget *page)
{
  return gh_audit_page_get_model (GH_AUDIT_PAGE (page));
}

/* The list holds what the server has for @query, in its order, all of it (the list read to its
 * end) or its newest page (@all FALSE); the rows shown are its first ones. */
static void
assert_list_is (GhGuiTest  *test,
                GtkWidget  *page,
                const char *query,
                gboolean    all)
{
  g_autoptr(GPtrArray) types = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) ids = server_ids (test, query, types);
  GListModel *model = page_model (page);
  g_autoptr(GPtrArray) cells = shown_cells (page);
  guint n = g_list_model_get_n_items (model);

  g_assert_cmpuint (ids->len, >, 0);
  if (all)
    g_assert_cmpuint (n, ==, ids->len);
  else
    g_assert_cmpuint (n, >=, ids->len);
  /* The first page is in; further rows come as the view reaches them */
  for (guint i = 0; i < MIN (MIN (n, ids->len), GH_AUDIT_MODEL_PAGE_SIZE); i++)
    g_assert_cmpint (model_id (model, i), ==, g_array_index (ids, gint64, i));
  g_assert_cmpuint (cells->len, >=, N_COLUMNS);
  for (guint row = 0; row < MIN (cells->len / N_COLUMNS, ids->len); row++)
    g_assert_cmpstr (g_ptr_array_index (cells, row * N_COLUMNS + TYPE_COLUMN), ==,
                     g_ptr_array_index (types, row));
}

static gboolean
page_settled (gpointer data)
{
  return !gh_page_get_busy (GH_PAGE (data));
}

static void
close_detail (GtkWidget *page)
{
  gh_gui_test_click (gh_gui_test_get (page, "audit-detail-close-button"));
  g_assert_false (adw_flap_get_reveal_flap (ADW_FLAP (gh_gui_test_get (page, "audit-flap"))));
}

/* ---- tests ------------------------------------------------------------------------------ */

/* The server's events in its order; a failure filter and a type filter return the server's
 * rows for them, shown as chips that remove them. */
static void
test_audit_list_and_filters (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  GtkWidget *page;
  GtkWidget *chip;

  create_users (test, "alice", 3);
  make_failures (test, 2);
  make_info (test);
  page = GTK_WIDGET (gh_gui_test_show_page (test, "audit"));
  assert_list_is (test, page, "", TRUE);
  g_assert_true (gh_gui_test_text_shown (page, "events"));

  /* Failures: the server's failures, and nothing else. */
  gh_gui_test_click (gh_gui_test_get (page, "audit-outcome-failure"));
  g_assert_true (gh_gui_test_wait (page_settled, page));
  assert_list_is (test, page, "&outcome=failure", TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (page_model (page)), ==, 2);
  chip = gh_gui_test_get (page, "audit-chip-outcome");
  g_assert_true (gtk_widget_get_mapped (chip));

  /* Its chip removes it. */
  gh_gui_test_click (chip);
  g_assert_true (gh_gui_test_wait (page_settled, page));
  g_assert_null (gh_gui_test_find (page, "audit-chip-outcome"));
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (
                   gh_gui_test_get (page, "audit-outcome-all"))));
  assert_list_is (test, page, "", TRUE);

  /* Info (a target: the header has no toggle for it): the events that are neither success
   * nor failure (the introspection), its chip named, no toggle active; the chip removes it. */
  gtk_widget_activate_action (GTK_WIDGET (test->window), "win.open", "(ss)", "audit",
                              "filter:outcome=info");
  g_assert_true (gh_gui_test_wait (page_settled, page));
  assert_list_is (test, page, "&outcome=info", TRUE);
  g_assert_true (gh_gui_test_label_shown (page, "Info only"));
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (
                    gh_gui_test_get (page, "audit-outcome-all"))));
  gh_gui_test_click (gh_gui_test_get (page, "audit-chip-outcome"));
  g_assert_true (gh_gui_test_wait (page_settled, page));
  assert_list_is (test, page, "", TRUE);
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (
                   gh_gui_test_get (page, "audit-outcome-all"))));

  /* What: users. */
  gtk_widget_activate (gh_gui_test_get (page, "user."));
  g_assert_true (gh_gui_test_wait (page_settled, page));
  assert_list_is (test, page, "&type_prefix=user.", TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (page_model (page)), ==, 3);
  g_assert_true (gh_gui_test_label_shown (page, "What: Users"));

  /* What: one type of the server's registry, listed under its group, with its description */
  g_assert_true (gh_gui_test_wait (what_type_listed, page));
  {
    GtkWidget *row = gh_gui_test_get (page, "token.introspected");

    g_assert_nonnull (gtk_widget_get_tooltip_text (row));
    g_assert_true (gtk_widget_get_prev_sibling (row) != NULL);
    gtk_widget_activate (row);
  }
  g_assert_true (gh_gui_test_wait (page_settled, page));
  assert_list_is (test, page, "&type=token.introspected", TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (page_model (page)), ==, 1);
  g_assert_true (gh_gui_test_label_shown (page, "What: token.introspected"));
  gtk_widget_activate (gh_gui_test_get (page, "user."));
  g_assert_true (gh_gui_test_wait (page_settled, page));

  /* A target from another page: failures alone. */
  gtk_widget_activate_action (GTK_WIDGET (test->window), "win.open", "(ss)", "audit",
                              "filter:outcome=failure");
  g_assert_true (gh_gui_test_wait (page_settled, page));
  assert_list_is (test, page, "&outcome=failure", TRUE);
  g_assert_null (gh_gui_test_find (page, "audit-chip-type"));

  /* The detail of a failure: its fields, and Filter to This Client is absent (no client). */
  g_signal_emit_by_name (gh_gui_test_get (page, "audit-list"), "activate", 0);
  g_assert_true (adw_flap_get_reveal_flap (ADW_FLAP (gh_gui_test_get (page, "audit-flap"))));
  gh_gui_test_run_for (50);
  g_assert_true (gh_gui_test_label_shown (page, "admin.request_refused"));
  g_assert_true (gh_gui_test_text_shown (page, "\"method\""));
  g_assert_null (gh_gui_test_find (page, "audit-filter-client-button"));
  g_assert_nonnull (gh_gui_test_find (page, "audit-detail-explain"));

  /* Another page opens one event's detail by its id: the first user's creation. */
  {
    g_autoptr(GPtrArray) types = g_ptr_array_new_with_free_func (g_free);
    g_autoptr(GArray) ids = server_ids (test, "&type_prefix=user.", types);
    g_autofree char *target = g_strdup_printf ("event:%" G_GINT64_FORMAT,
                                               g_array_index (ids, gint64, ids->len - 1));
    g_autofree char *query = NULL;
    const char *user;
    GtkWidget *id_row;

    close_detail (page);
    gh_gui_test_click (gh_gui_test_get (page, "audit-chip-outcome"));
    g_assert_true (gh_gui_test_wait (page_settled, page));
    gtk_widget_activate_action (GTK_WIDGET (test->window), "win.open", "(ss)", "audit",
                                target);
    g_assert_true (gh_gui_test_wait (page_settled, page));
    g_assert_true (adw_flap_get_reveal_flap (ADW_FLAP (gh_gui_test_get (page,
                                                                        "audit-flap"))));
    id_row = gh_gui_test_get (page, "audit-detail-id");
    g_assert_cmpstr (gh_property_row_get_value (GH_PROPERTY_ROW (id_row)), ==,
                     target + strlen ("event:"));
    user = gh_property_row_get_value (GH_PROPERTY_ROW (gh_gui_test_get (page,
                                                                        "audit-detail-user")));
    g_assert_true (g_str_has_prefix (user, "alice-"));
    query = g_strdup_printf ("&user_id=%s", user);
    gh_gui_test_click (gh_gui_test_get (page, "audit-filter-user-button"));
    g_assert_true (gh_gui_test_wait (page_settled, page));
    assert_list_is (test, page, query, TRUE);
    g_assert_cmpuint (g_list_model_get_n_items (page_model (page)), ==, 1);
    g_assert_nonnull (gh_gui_test_find (page, "audit-chip-user"));
  }
}

static gboolean
model_loaded (gpointer data)
{
  return !gh_audit_model_get_loading (GH_AUDIT_MODEL (data));
}

/* GET .../audit/count?@query ("" or "outcome=failure&…"): what the server counts for it. */
static gint64
server_count (GhGuiTest  *test,
              const char *query)
{
  g_autofree char *path = g_strdup_printf ("/projects/default/audit/count%s%s",
                                           *query != '\0' ? "?" : "", query);
  g_autoptr(JsonObject) answer = gh_gui_test_admin (test, "GET", path, NULL);

  return json_object_get_int_member (answer, "count");
}

/* "2026-12-03" and "08:00" of @when, local time. */
static void
type_time (GtkWidget  *page,
           const char *date_name,
           const char *time_name,
           gint64      when)
{
  g_autoptr(GDateTime) local = g_date_time_new_from_unix_local (when / G_USEC_PER_SEC);
  g_autofree char *date = g_date_time_format (local, "%Y-%m-%d");
  g_autofree char *time = g_date_time_format (local, "%H:%M");

  gtk_editable_set_text (GTK_EDITABLE (gh_gui_test_get (page, date_name)), date);
  gtk_editable_set_text (GTK_EDITABLE (gh_gui_test_get (page, time_name)), time);
}

/* The event at @position of the whole log, newest first (GET .../audit?offset=). */
static JsonObject *
server_event_at (GhGuiTest *test,
                 guint      position)
{
  g_autofree char *path = g_strdup_printf ("/projects/default/audit?limit=1&offset=%u", position);
  g_autoptr(JsonObject) answer = gh_gui_test_admin (test, "GET", path, NULL);
  JsonArray *events = json_object_get_array_member (answer, "events");

  g_assert_cmpuint (json_array_get_length (events), ==, 1);
  return json_object_ref (json_array_get_object_element (events, 0));
}

typedef struct
{
  GtkWidget     *page;
  GtkAdjustment *adjustment;
  JsonObject    *event;    /* the row to see */
  gboolean       last;     /* as the last row shown (else the first) */
  guint          scrolls;
} RowWait;

/* The list scrolled to its end (or its top) shows @event's row there: what the user sees. The
 * list is held at that end meanwhile, as a scroll bar dragged there and held. */
static gboolean
row_shown (gpointer data)
{
  RowWait *wait = data;
  g_autoptr(GPtrArray) cells = NULL;
  guint row;

  wait->scrolls++;
  gtk_adjustment_set_value (wait->adjustment,
                            wait->last ? gtk_adjustment_get_upper (wait->adjustment) : 0);
  cells = shown_cells (wait->page);
  if (cells->len < N_COLUMNS)
    return FALSE;
  row = wait->last ? cells->len / N_COLUMNS - 1 : 0;
  return g_strcmp0 (g_ptr_array_index (cells, row * N_COLUMNS + TYPE_COLUMN),
                    json_object_get_string_member (wait->event, "type")) == 0 &&
         g_strcmp0 (g_ptr_array_index (cells, row * N_COLUMNS + USER_COLUMN),
                    json_object_get_string_member_with_default (wait->event, "user_id", "")) == 0 &&
         g_strcmp0 (g_ptr_array_index (cells, row * N_COLUMNS + SOURCE_COLUMN),
                    json_object_get_string_member_with_default (wait->event, "source", "")) == 0;
}

/* 100 000 events: the list has a row for each as soon as the server counted them, reads the
 * first page only, and a jump to the end reads the last page by its position (a few pages,
 * not the 500 on the way): the oldest event is the last row shown. The model holds no more
 * than its bound of pages. Back at the top, the newest rows again. Then filters (failures, a
 * custom When range, the last 15 minutes) return the server's rows for them. */
static gboolean
pending_filled (gpointer item)
{
  return gh_audit_model_item_get_event (item) != NULL;
}

static void
test_audit_100k (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  GtkWidget *page;
  GhAuditModel *model;
  GtkAdjustment *adjustment;
  gint64 start, count, newest_time;
  guint pages;

  insert_events (test, 100000);
  newest_time = g_get_real_time () - G_USEC_PER_SEC;

  page = GTK_WIDGET (gh_gui_test_show_page (test, "audit"));
  model = GH_AUDIT_MODEL (page_model (page));
  g_assert_true (gh_gui_test_wait (model_loaded, model));
  count = server_count (test, "");
  /* Every row, counted: one page read */
  g_assert_true (gh_audit_model_get_complete (model));
  g_assert_cmpint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, count);
  g_assert_cmpuint (gh_audit_model_get_page_count (model), <=, 2);
  {
    g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT " events", count);

    g_assert_true (gh_gui_test_text_shown (page, text));
  }

  /* To the end, as the scroll bar dragged down and held: the oldest event's row comes. */
  start = g_get_monotonic_time ();
  adjustment = gtk_scrolled_window_get_vadjustment (
                 GTK_SCROLLED_WINDOW (gh_gui_test_get (page, "audit-scroller")));
  {
    g_autoptr(JsonObject) oldest = server_event_at (test, count - 1);
    RowWait wait = { page, adjustment, oldest, TRUE, 0 };

    g_assert_true (gh_gui_test_wait (row_shown, &wait));
    g_assert_true (gh_gui_test_wait (model_loaded, model));
    pages = gh_audit_model_get_page_count (model);
    g_test_message ("the oldest row shown after %u pages read, %.1f s", pages,
                    (g_get_monotonic_time () - start) / 1e6);
    /* Far fewer than the 500 on the way */
    g_assert_cmpuint (pages, <=, 12);
    g_assert_cmpuint (gh_audit_model_get_n_pages_held (model), <=, GH_AUDIT_MODEL_MAX_PAGES);
    g_assert_cmpint (model_id (G_LIST_MODEL (model), count - 1), ==,
                     json_object_get_int_member (oldest, "id"));
  }

  /* And back to the top: the newest rows again (read again if they were dropped). */
  {
    g_autoptr(JsonObject) newest = server_event_at (test, 0);
    RowWait wait = { page, adjustment, newest, FALSE, 0 };

    g_assert_true (gh_gui_test_wait (row_shown, &wait));
    g_assert_cmpint (model_id (G_LIST_MODEL (model), 0), ==,
                     json_object_get_int_member (newest, "id"));
    g_assert_cmpuint (gh_audit_model_get_page_count (model), <=, pages + 4);
    g_assert_cmpuint (gh_audit_model_get_n_pages_held (model), <=, GH_AUDIT_MODEL_MAX_PAGES);
  }

  /* A row not read yet is a placeholder, one object for the row while it is held; its page
   * fills that object with the event there, and the model keeps handing it out. */
  {
    guint position = (guint) count / 2 + 7;
    g_autoptr(JsonObject) there = server_event_at (test, position);
    g_autoptr(GObject) before = g_list_model_get_item (G_LIST_MODEL (model), position);
    g_autoptr(GObject) after = NULL;

    g_assert_true (GH_IS_AUDIT_PENDING (before));
    g_assert_null (gh_audit_model_item_get_event (before));
    g_assert_true (gh_gui_test_wait (pending_filled, before));
    after = g_list_model_get_item (G_LIST_MODEL (model), position);
    g_assert_true (after == before);
    g_assert_cmpint (model_id (G_LIST_MODEL (model), position), ==,
                     json_object_get_int_member (there, "id"));
  }

  /* The middle, by the scroll bar: rows of the server's events there. */
  {
    double middle = gtk_adjustment_get_upper (adjustment) / 2;
    g_autoptr(GPtrArray) cells = NULL;
    gboolean filled = FALSE;

    for (guint i = 0; i < 200 && !filled; i++)
      {
        gtk_adjustment_set_value (adjustment, middle);
        g_clear_pointer (&cells, g_ptr_array_unref);
        cells = shown_cells (page);
        filled = cells->len >= N_COLUMNS &&
                 g_strcmp0 (g_ptr_array_index (cells, TYPE_COLUMN), "") != 0;
      }
    g_assert_true (filled);
    g_assert_cmpuint (gh_audit_model_get_n_pages_held (model), <=, GH_AUDIT_MODEL_MAX_PAGES);
  }

  /* Failures: the server's. */
  gh_gui_test_click (gh_gui_test_get (page, "audit-outcome-failure"));
  g_assert_true (gh_gui_test_wait (page_settled, page));
  assert_list_is (test, page, "&outcome=failure", FALSE);
  g_assert_cmpint (server_count (test, "outcome=failure"), ==, 1000);

  /* When: a custom range, whole minutes three hours back to two: the server's failures in it,
   * all of them, and a chip. */
  {
    gint64 from = (newest_time - 3 * G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC) /
                  (60 * G_USEC_PER_SEC) * (60 * G_USEC_PER_SEC);
    gint64 to = from + G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC;
    g_autofree char *query = g_strdup_printf ("&outcome=failure&from=%" G_GINT64_FORMAT
                                              "&to=%" G_GINT64_FORMAT, from, to);

    type_time (page, "audit-when-from-date", "audit-when-from-time", from);
    type_time (page, "audit-when-to-date", "audit-when-to-time", to);
    gh_gui_test_click (gh_gui_test_get (page, "audit-when-apply-button"));
    g_assert_true (gh_gui_test_wait (page_settled, page));
    assert_list_is (test, page, query, TRUE);
    g_assert_cmpuint (g_list_model_get_n_items (page_model (page)), >=, 35);
    g_assert_cmpuint (g_list_model_get_n_items (page_model (page)), <=, 37);
    g_assert_true (gtk_widget_get_mapped (gh_gui_test_get (page, "audit-chip-when")));
    g_assert_true (gh_gui_test_text_shown (page, "When: "));

    /* A range that ends before it starts is not applied. */
    type_time (page, "audit-when-to-date", "audit-when-to-time", from - 60 * G_USEC_PER_SEC);
    g_assert_false (gtk_widget_get_sensitive (gh_gui_test_get (page,
                                                               "audit-when-apply-button")));

    /* The end date's calendar opens on the day the entry says; a day picked there (the next
     * day) is written in the entry, and the range can be applied again. */
    {
      GtkWidget *button = gh_gui_test_get (page, "audit-when-to-calendar");
      GtkPopover *popover = gtk_menu_button_get_popover (GTK_MENU_BUTTON (button));
      GtkCalendar *calendar = GTK_CALENDAR (gtk_popover_get_child (popover));
      g_autoptr(GDateTime) end = g_date_time_new_from_unix_local ((from - 60 * G_USEC_PER_SEC) /
                                                                  G_USEC_PER_SEC);
      g_autoptr(GDateTime) shown = NULL;
      g_autoptr(GDateTime) next = g_date_time_add_days (end, 1);
      g_autofree char *next_text = g_date_time_format (next, "%Y-%m-%d");

      gtk_menu_button_popup (GTK_MENU_BUTTON (button));
      gh_gui_test_run_for (100);
      g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (calendar)));
      shown = gtk_calendar_get_date (calendar);
      g_assert_cmpint (g_date_time_get_day_of_year (shown), ==,
                       g_date_time_get_day_of_year (end));
      gtk_calendar_select_day (calendar, next);
      g_signal_emit_by_name (calendar, "day-selected");
      gh_gui_test_run_for (100);
      g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (calendar)));
      g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (gh_gui_test_get (
                         page, "audit-when-to-date"))), ==, next_text);
      g_assert_true (gtk_widget_get_sensitive (gh_gui_test_get (page,
                                                                "audit-when-apply-button")));
    }
  }

  /* The last 15 minutes: between what the server counted just before and just after. */
  {
    gint64 before = g_get_real_time () - 15 * 60 * G_USEC_PER_SEC;
    g_autofree char *early = g_strdup_printf ("outcome=failure&from=%" G_GINT64_FORMAT, before);
    g_autofree char *late = NULL;
    guint n;

    gtk_widget_activate (gh_gui_test_get (page, "audit-when-15m"));
    g_assert_true (gh_gui_test_wait (page_settled, page));
    late = g_strdup_printf ("outcome=failure&from=%" G_GINT64_FORMAT,
                            g_get_real_time () - 15 * 60 * G_USEC_PER_SEC);
    n = g_list_model_get_n_items (page_model (page));
    g_assert_cmpuint (n, >=, server_count (test, late));
    g_assert_cmpuint (n, <=, server_count (test, early));
    g_assert_cmpuint (n, >=, 8);
    for (guint i = 0; i < n; i++)
      {
        g_autoptr(GObject) item = g_list_model_get_item (page_model (page), i);

        GhAuditEventItem *event = gh_audit_model_item_get_event (item);

        g_assert_nonnull (event);
        g_assert_cmpint (gh_audit_event_item_get_time (event), >=, before);
        g_assert_cmpstr (gh_audit_event_item_get_outcome (event), ==, "failure");
      }
    g_assert_true (gh_gui_test_label_shown (page, "When: Last 15 Minutes"));
    g_assert_true (gh_gui_test_label_shown (page, "Last 15 Minutes"));
  }

  /* Its chip removes it: every failure again. */
  gh_gui_test_click (gh_gui_test_get (page, "audit-chip-when"));
  g_assert_true (gh_gui_test_wait (page_settled, page));
  g_assert_null (gh_gui_test_find (page, "audit-chip-when"));
  assert_list_is (test, page, "&outcome=failure", FALSE);
  g_assert_true (gh_gui_test_label_shown (page, "When"));
  g_assert_false (gh_gui_test_label_shown (page, "Last 15 Minutes"));
}

static gint64
newest_id (GhGuiTest *test)
{
  g_autoptr(JsonObject) answer = gh_gui_test_admin (test, "GET",
                                                    "/projects/default/audit?limit=1", NULL);
  JsonArray *events = json_object_get_array_member (answer, "events");

  return json_object_get_int_member (json_array_get_object_element (events, 0), "id");
}

static gint64
top_id (GtkWidget *page)
{
  GListModel *model = page_model (page);
  g_autoptr(GObject) item = g_list_model_get_n_items (model) > 0 ?
                            g_list_model_get_item (model, 0) : NULL;

  GhAuditEventItem *event = item != NULL ? gh_audit_model_item_get_event (item) : NULL;

  return event != NULL ? gh_audit_event_item_get_id (event) : 0;
}

typedef struct
{
  GtkWidget *page;
  gint64     id;
} TopWait;

static gboolean
top_is (gpointer data)
{
  TopWait *wait = data;

  return top_id (wait->page) == wait->id;
}

typedef struct
{
  GtkWidget  *root;
  const char *text;
} LabelWait;

static gboolean
label_is_shown (gpointer data)
{
  LabelWait *wait = data;

  return gh_gui_test_label_shown (wait->root, wait->text) ||
         gh_gui_test_text_shown (wait->root, wait->text);
}

static gboolean
pill_shown (gpointer data)
{
  GtkWidget *pill = gh_gui_test_get (data, "audit-new-events-button");

  return gtk_widget_get_visible (pill) &&
         g_strcmp0 (gtk_button_get_label (GTK_BUTTON (pill)), "2 new events") == 0;
}

/* A cell of the rows shown says the stream missed events. */
static gboolean
gap_cell_shown (gpointer page)
{
  g_autoptr(GPtrArray) cells = shown_cells (page);

  for (guint i = 0; i < cells->len; i++)
    if (g_str_equal (g_ptr_array_index (cells, i), "Events were missed here — Reload"))
      return TRUE;
  return FALSE;
}

/* A made-up event @id as the stream delivers it. */
static void
deliver_event (GhGuiTest *test,
               gint64     id)
{
  g_autofree char *json = g_strdup_printf ("{\"id\": %" G_GINT64_FORMAT ", \"time\": %"
                                           G_GINT64_FORMAT ", \"project_slug\": \"default\", "
                                           "\"type\": \"user.created\", \"outcome\": "
                                           "\"success\", \"actor\": \"admin\"}",
                                           id, g_get_real_time ());
  g_autoptr(JsonNode) node = json_from_string (json, NULL);
  g_autoptr(GhAuditEventItem) event =
    gh_audit_event_item_new_from_json (json_node_get_object (node), NULL);

  g_assert_nonnull (event);
  g_signal_emit_by_name (gh_connection_get_admin_client (test->connection), "event", event);
}

typedef struct
{
  GdkFrameClock *clock;
  gint64         until;
} FramesWait;

static gboolean
frames_passed (gpointer data)
{
  FramesWait *wait = data;

  return gdk_frame_clock_get_frame_counter (wait->clock) >= wait->until;
}

/* Live: a new event goes on top while the list is at its top; scrolled away, the pill counts
 * them and shows them; a gap of the stream is a row. */
static void
test_audit_live (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  GtkWidget *page;
  GtkAdjustment *adjustment;
  g_autoptr(GPtrArray) cells = NULL;
  TopWait wait;

  insert_events (test, 300);
  page = GTK_WIDGET (gh_gui_test_show_page (test, "audit"));
  g_assert_true (gh_gui_test_wait (model_loaded, page_model (page)));

  g_assert_true (gh_gui_test_label_shown (page, "Live"));
  create_users (test, "live", 1);
  wait.page = page;
  wait.id = newest_id (test);
  g_assert_true (gh_gui_test_wait (top_is, &wait));
  cells = shown_cells (page);
  g_assert_cmpstr (g_ptr_array_index (cells, TYPE_COLUMN), ==, "user.created");

  /* Scrolled away: the pill. */
  adjustment = gtk_scrolled_window_get_vadjustment (
                 GTK_SCROLLED_WINDOW (gh_gui_test_get (page, "audit-scroller")));
  gtk_adjustment_set_value (adjustment, 300);
  gh_gui_test_run_for (50);
  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), >, 1);
  create_users (test, "later", 2);
  g_assert_true (gh_gui_test_wait (pill_shown, page));
  g_assert_cmpint (top_id (page), ==, wait.id);

  /* Another page meanwhile: the place is kept, the pill counts what came while hidden. */
  g_assert_true (gh_window_show_page (test->window, "overview"));
  gh_gui_test_run_for (50);
  create_users (test, "hidden", 1);
  gh_gui_test_run_for (500);
  g_assert_true (gh_window_show_page (test->window, "audit"));
  gh_gui_test_run_for (100);
  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), >, 1);
  g_assert_cmpint (top_id (page), ==, wait.id);
  g_assert_true (gh_gui_test_text_shown (page, "3 new events"));

  gh_gui_test_click (gh_gui_test_get (page, "audit-new-events-button"));
  wait.id = newest_id (test);
  g_assert_true (gh_gui_test_wait (top_is, &wait));
  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), <, 1);
  g_assert_false (gtk_widget_get_visible (gh_gui_test_get (page,
                                                           "audit-new-events-button")));

  /* The stream reports a gap: a row says so. */
  g_signal_emit_by_name (gh_connection_get_admin_client (test->connection), "gap",
                         (gint64) wait.id + 1);
  {
    g_autoptr(GObject) first = g_list_model_get_item (page_model (page), 0);

    g_assert_true (GH_IS_AUDIT_GAP (first));
  }
  /* Shown: the list's row widgets need not be in the order of their rows */
  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), <, 1);
  g_assert_true (gh_gui_test_wait (gap_cell_shown, page));

  /* Read again (a filter there and back), then more than two pages of events while following:
   * the list is the server's and the stream's, row for row, every event counted (the oldest
   * of the live rows join the pages below them: nothing moves). */
  gh_gui_test_click (gh_gui_test_get (page, "audit-outcome-failure"));
  g_assert_true (gh_gui_test_wait (page_settled, page));
  gh_gui_test_click (gh_gui_test_get (page, "audit-outcome-all"));
  g_assert_true (gh_gui_test_wait (page_settled, page));
  {
    GListModel *model = page_model (page);
    g_autoptr(GArray) ids = server_ids (test, "", NULL);
    GhAdminClient *client = gh_connection_get_admin_client (test->connection);
    gint64 first = g_array_index (ids, gint64, 0) + 1;

    g_assert_cmpuint (g_list_model_get_n_items (model), ==, ids->len);
    /* As the stream delivers them (ids past the server's: the list takes them as they come) */
    for (guint i = 0; i < BURST; i++)
      {
        deliver_event (test, first + i);
        if (i % 50 == 49)
          gh_gui_test_run_for (20);
      }
    wait.id = first + BURST - 1;
    g_assert_true (gh_gui_test_wait (top_is, &wait));
    g_assert_cmpuint (g_list_model_get_n_items (model), ==, ids->len + BURST);
    for (guint i = 0; i < BURST; i++)
      g_assert_cmpint (model_id (model, i), ==, first + BURST - 1 - i);
    for (guint i = 0; i < MIN (ids->len, GH_AUDIT_MODEL_PAGE_SIZE); i++)
      g_assert_cmpint (model_id (model, BURST + i), ==, g_array_index (ids, gint64, i));
    g_assert_cmpuint (gh_audit_model_get_n_pages_held (GH_AUDIT_MODEL (model)), <=,
                      GH_AUDIT_MODEL_MAX_PAGES);
    /* Still following, and the count line has every one of them (it follows once a second) */
    g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), <, 1);
    {
      g_autofree char *count = g_strdup_printf ("%u events", ids->len + BURST);

      g_assert_true (gh_gui_test_wait (label_is_shown, &(LabelWait) { page, count }));
    }
    wait.id = first + BURST - 1;

    /* A gap after the burst: its row is on top and in view (the list had kept its first row
     * where it was, at value 0, the gap row above it unseen). */
    g_signal_emit_by_name (client, "gap", (gint64) wait.id + 1);
    g_assert_true (gh_gui_test_wait (gap_cell_shown, page));
    g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), <, 1);
  }

  /* Under a stream the list takes new events a few times a second: one that came while
   * following and waits for its turn, the list scrolled away meanwhile, is the pill's (the
   * place kept), not a row on top of a list the user left. */
  {
    FramesWait frames = { gtk_widget_get_frame_clock (page), 0 };

    wait.id += 2;
    deliver_event (test, wait.id);
    g_assert_true (gh_gui_test_wait (top_is, &wait));
    /* The list was kept at its top for a few frames after the row came */
    frames.until = gdk_frame_clock_get_frame_counter (frames.clock) + 5;
    g_assert_true (gh_gui_test_wait (frames_passed, &frames));
    deliver_event (test, wait.id + 1);
    gtk_adjustment_set_value (adjustment, 300);
    g_assert_true (gh_gui_test_wait (label_is_shown, &(LabelWait) { page, "1 new event" }));
    g_assert_cmpint (top_id (page), ==, wait.id);
    g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), >, 1);
  }
}

static gboolean
export_done (gpointer data)
{
  return !gh_audit_page_get_exporting (GH_AUDIT_PAGE (data));
}

/* The events the server has for @query ("&outcome=failure"), newest first, as the admin API
 * gives them (paged through its cursor). */
static GPtrArray *
server_events (GhGuiTest  *test,
               const char *query)
{
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  gint64 before = 0;

  do
    {
      g_autofree char *path = NULL;
      g_autoptr(JsonObject) answer = NULL;
      JsonArray *page;

      if (before > 0)
        path = g_strdup_printf ("/projects/default/audit?limit=200&before=%" G_GINT64_FORMAT
                                "%s", before, query);
      else
        path = g_strdup_printf ("/projects/default/audit?limit=200%s", query);
      answer = gh_gui_test_admin (test, "GET", path, NULL);
      page = json_object_get_array_member (answer, "events");
      for (guint i = 0; i < json_array_get_length (page); i++)
        g_ptr_array_add (events, json_object_ref (json_array_get_object_element (page, i)));
      before = !json_object_get_null_member (answer, "older") ?
               json_object_get_int_member (answer, "older") : 0;
    }
  while (before > 0);

  return events;
}

/* Exports what the page's filters keep to @name as @format and waits until it is written;
 * its contents. */
static char *
export_to (GhGuiTest  *test,
           GtkWidget  *page,
           const char *name,
           const char *format)
{
  g_autofree char *path = g_build_filename (test->tmp, name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  gh_audit_page_export (GH_AUDIT_PAGE (page), file, format);
  g_assert_true (gh_audit_page_get_exporting (GH_AUDIT_PAGE (page)));
  g_assert_true (gh_gui_test_wait (export_done, page));
  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);

  return contents;
}

/* The export of a filtered list writes exactly the server's events for that filter, as JSON
 * Lines (each line the admin API's event) and as CSV (a row each, in the same order); the bar
 * counts them against the server's count. */
static void
test_audit_export (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  GtkWidget *page;
  g_autoptr(GPtrArray) expected = NULL;
  g_autofree char *jsonl = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *path = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) rows = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  GtkProgressBar *progress;
  guint n = 0;

  insert_events (test, 1000);
  create_users (test, "export", 5);
  make_failures (test, 7);
  page = GTK_WIDGET (gh_gui_test_show_page (test, "audit"));
  gtk_widget_activate_action (GTK_WIDGET (test->window), "win.open", "(ss)", "audit",
                              "filter:outcome=failure");
  g_assert_true (gh_gui_test_wait (page_settled, page));
  /* And a text: the failures of client-3 (and nothing else of the 1 000 events). */
  gtk_editable_set_text (GTK_EDITABLE (gh_gui_test_get (page, "audit-search-entry")),
                         "client-3");
  g_signal_emit_by_name (gh_gui_test_get (page, "audit-search-entry"), "activate");
  g_assert_true (gh_gui_test_wait (page_settled, page));
  expected = server_events (test, "&outcome=failure&text=client-3");
  g_assert_cmpuint (expected->len, ==, 2);
  g_assert_cmpint (server_count (test, "outcome=failure&text=client-3"), ==, expected->len);

  /* JSON Lines: each line is the admin API's event, in its order. */
  jsonl = export_to (test, page, "failures.jsonl", "jsonl");
  lines = g_strsplit (jsonl, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(JsonNode) want = NULL;

      if (*lines[i] == '\0')
        continue;
      node = json_from_string (lines[i], &error);
      g_assert_no_error (error);
      g_assert_cmpuint (n, <, expected->len);
      want = json_node_init_object (json_node_alloc (), g_ptr_array_index (expected, n));
      g_assert_true (json_node_equal (node, want));
      n++;
    }
  g_assert_cmpuint (n, ==, expected->len);
  progress = GTK_PROGRESS_BAR (gh_gui_test_get (page, "audit-export-progress"));
  g_assert_cmpfloat (gtk_progress_bar_get_fraction (progress), ==, 1.0);
  g_assert_cmpstr (gtk_progress_bar_get_text (progress), ==, "100 % · 2 of 2 events");

  /* CSV: the header, then a row per event with its id, type, outcome and client. */
  csv = export_to (test, page, "failures.csv", "csv");
  rows = g_strsplit (csv, "\r\n", -1);
  g_assert_true (g_str_has_prefix (rows[0], "id,time,project_slug,type,outcome,actor,"
                                            "client_id,"));
  for (n = 0; rows[n + 1] != NULL && *rows[n + 1] != '\0'; n++)
    {
      JsonObject *want = g_ptr_array_index (expected, MIN (n, expected->len - 1));
      g_auto(GStrv) cells = g_strsplit (rows[n + 1], ",", 8);
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT,
                                             json_object_get_int_member (want, "id"));

      g_assert_cmpuint (n, <, expected->len);
      g_assert_cmpstr (cells[0], ==, id);
      g_assert_cmpstr (cells[3], ==, json_object_get_string_member (want, "type"));
      g_assert_cmpstr (cells[4], ==, "failure");
      g_assert_cmpstr (cells[6], ==, json_object_get_string_member (want, "client_id"));
    }
  g_assert_cmpuint (n, ==, expected->len);
  g_assert_cmpstr (gtk_progress_bar_get_text (progress), ==, "100 % · 2 of 2 events");

  /* Every failure (1 000 events' 10 and the 7 refused calls): 17 of 17. */
  gh_gui_test_click (gh_gui_test_get (page, "audit-chip-text"));
  g_assert_true (gh_gui_test_wait (page_settled, page));
  g_clear_pointer (&jsonl, g_free);
  jsonl = export_to (test, page, "all-failures.jsonl", "jsonl");
  g_assert_cmpstr (gtk_progress_bar_get_text (progress), ==, "100 % · 17 of 17 events");

  /* Cancel: the half-written file is removed. */
  path = g_build_filename (test->tmp, "cancelled.csv", NULL);
  file = g_file_new_for_path (path);
  gh_audit_page_export (GH_AUDIT_PAGE (page), file, "csv");
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (
                   gtk_widget_get_parent (gtk_widget_get_parent (
                     gh_gui_test_get (page, "audit-export-progress"))))));
  gh_gui_test_click (gh_gui_test_get (page, "audit-export-cancel-button"));
  g_assert_true (gh_gui_test_wait (export_done, page));
  gh_gui_test_run_for (200);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

static gboolean
label_is (gpointer data)
{
  GtkLabel *label = GTK_LABEL (((gpointer *) data)[0]);

  return g_strcmp0 (gtk_label_get_label (label), ((gpointer *) data)[1]) == 0;
}

/* Live across a restart of the server: the stream is lost ("Reconnecting…"), events are
 * written while the server is down and while the stream comes back, and every one of them
 * appears on top, in the server's order, none twice. */
static void
test_audit_live_restart (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  GtkWidget *page;
  GListModel *model;
  gpointer label_wait[2];
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GObject) before_top = NULL;
  gint64 before_id;
  gboolean found_before = FALSE;
  TopWait wait;
  guint n;

  insert_events (test, 300);
  page = GTK_WIDGET (gh_gui_test_show_page (test, "audit"));
  model = page_model (page);
  g_assert_true (gh_gui_test_wait (model_loaded, model));
  label_wait[0] = gh_gui_test_get (page, "audit-live-label");
  label_wait[1] = (gpointer) "Live";
  g_assert_true (gh_gui_test_wait (label_is, label_wait));
  create_users (test, "before", 2);
  wait.page = page;
  wait.id = newest_id (test);
  g_assert_true (gh_gui_test_wait (top_is, &wait));
  /* The row on top now: after the restart the same object, below the new ones (the stream
   * resumed from its cursor; a list read again would hold new objects) */
  before_top = g_list_model_get_item (model, 0);
  before_id = model_id (model, 0);

  gh_gui_test_stop_server (test);
  label_wait[1] = (gpointer) "Reconnecting…";
  g_assert_true (gh_gui_test_wait (label_is, label_wait));
  /* Written while it is down... */
  insert_events (test, 5);
  gh_gui_test_start_server (test);
  /* ... and while the stream comes back. */
  create_users (test, "after", 3);

  wait.id = newest_id (test);
  if (!gh_gui_test_wait (top_is, &wait))
    {
      g_autofree char *labels = gh_gui_test_dump_labels (page);

      g_error ("top %" G_GINT64_FORMAT " newest %" G_GINT64_FORMAT " live “%s”; shown:\n%s",
               top_id (page), wait.id, gtk_label_get_label (label_wait[0]), labels);
    }
  label_wait[1] = (gpointer) "Live";
  g_assert_true (gh_gui_test_wait (label_is, label_wait));
  gh_gui_test_run_for (200);

  /* The list is the server's newest events, every one, none twice. */
  ids = server_ids (test, "", NULL);
  n = g_list_model_get_n_items (model);
  g_assert_cmpuint (n, >=, 200 + 2 + 5 + 3);
  for (guint i = 0; i < n; i++)
    {
      g_assert_cmpint (model_id (model, i), ==, g_array_index (ids, gint64, i));
      if (model_id (model, i) == before_id)
        {
          g_autoptr(GObject) item = g_list_model_get_item (model, i);

          g_assert_true (item == before_top);
          found_before = TRUE;
        }
    }
  g_assert_true (found_before);
  g_assert_false (gtk_widget_get_visible (gh_gui_test_get (page, "audit-new-events-button")));
}

/* Every widget named @name under @root, in order. */
static void
collect_named (GtkWidget  *root,
               const char *name,
               GPtrArray  *found)
{
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    g_ptr_array_add (found, root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_named (child, name, found);
}

/* A refused authorization with a flow id: its detail's Open Flow, and the Flow cell of its
 * row, open Live Flows on that flow with the refused step shown. */
static gboolean
flow_step_shown (gpointer data)
{
  gpointer *wait = data;
  GtkWidget *flows = wait[0];
  const char *event_id = wait[1];
  GtkWidget *views = gh_gui_test_find (flows, "flow-views");
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  if (views == NULL || gh_page_get_busy (GH_PAGE (flows)))
    return FALSE;
  collect_named (views, "flow-step", rows);
  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (g_object_get_data (G_OBJECT (rows->pdata[i]), "gh-event-id"), event_id) == 0)
      return gtk_widget_get_mapped (rows->pdata[i]);
  return FALSE;
}

static void
test_audit_open_flow (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_autoptr(JsonObject) client = NULL;
  g_autoptr(GhRawResponse) refused = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autofree char *request = NULL;
  g_autofree char *target = NULL;
  g_autofree char *event_id = NULL;
  GtkWidget *page, *flows, *link = NULL;
  g_autoptr(GPtrArray) links = g_ptr_array_new ();
  gpointer wait[2];
  JsonObject *event;

  client = gh_gui_test_admin (test, "POST", "/projects/default/clients",
                              "{\"client_id\": \"audit-app\", \"client_name\": \"Audit App\", "
                              "\"redirect_uris\": [\"https://localhost:50001/cb\"], "
                              "\"token_endpoint_auth_method\": \"none\"}");
  /* Called back on another port than registered: refused, within a flow. */
  request = g_strdup_printf ("GET /authorize?response_type=code&client_id=audit-app&"
                             "redirect_uri=https%%3A%%2F%%2Flocalhost%%3A61234%%2Fcb&"
                             "code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&"
                             "code_challenge_method=S256&state=s HTTP/1.1\r\n"
                             "Host: 127.0.0.1:%u\r\nConnection: close\r\n\r\n",
                             test->server->port);
  refused = gh_test_raw_http (test->server->port, request, strlen (request), 10000);
  g_assert_cmpuint (refused->status, ==, 400);
  events = server_events (test, "&type=authorization.refused");
  g_assert_cmpuint (events->len, ==, 1);
  event = g_ptr_array_index (events, 0);
  g_assert_nonnull (json_object_get_string_member (event, "flow_id"));
  event_id = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (event, "id"));

  page = GTK_WIDGET (gh_gui_test_show_page (test, "audit"));
  target = g_strdup_printf ("event:%s", event_id);
  gtk_widget_activate_action (GTK_WIDGET (test->window), "win.open", "(ss)", "audit", target);
  g_assert_true (gh_gui_test_wait (page_settled, page));
  gh_gui_test_click (gh_gui_test_get (page, "audit-open-flow-button"));
  flows = GTK_WIDGET (gh_window_get_page (test->window, "flows"));
  g_assert_true (GTK_WIDGET (gh_window_get_visible_page (test->window)) == flows);
  wait[0] = flows;
  wait[1] = event_id;
  g_assert_true (gh_gui_test_wait (flow_step_shown, wait));

  /* The Flow cell of its row does the same. */
  g_assert_true (gh_window_show_page (test->window, "audit"));
  gh_gui_test_run_for (100);
  collect_named (gh_gui_test_get (page, "audit-list"), "audit-flow-link", links);
  for (guint i = 0; i < links->len; i++)
    if (gtk_widget_get_mapped (links->pdata[i]) && gtk_widget_is_sensitive (links->pdata[i]))
      link = links->pdata[i];
  g_assert_nonnull (link);
  g_assert_cmpstr (g_object_get_data (G_OBJECT (link), "gh-event-id"), ==, event_id);
  gh_gui_test_click (link);
  g_assert_true (GTK_WIDGET (gh_window_get_visible_page (test->window)) == flows);
  g_assert_true (gh_gui_test_wait (flow_step_shown, wait));
}

int
main (int   argc,
      char *argv[])
{
  gh_gui_test_init (&argc, &argv);

  g_test_add_func ("/gui/audit/list-and-filters", test_audit_list_and_filters);
  g_test_add_func ("/gui/audit/100k", test_audit_100k);
  g_test_add_func ("/gui/audit/live", test_audit_live);
  g_test_add_func ("/gui/audit/live-restart", test_audit_live_restart);
  g_test_add_func ("/gui/audit/export", test_audit_export);
  g_test_add_func ("/gui/audit/open-flow", test_audit_open_flow);

  return g_test_run ();
}
