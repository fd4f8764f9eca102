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
#include "gh-gui-test.h"
#include "gh-property-row.h"

#define N_COLUMNS 7
#define TYPE_COLUMN 2

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
 * minutes on a loaded machine). Read back only through the admin API. */
static void
insert_events (GhGuiTest *test,
               guint      count)
{
  g_autofree char *path = g_build_filename (test->dir, "gatehouse.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 now = g_get_real_time () - count * 1000;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  g_assert_cmpint (sqlite3_exec (db, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "INSERT INTO audit_events (time, project_id, "
                                       "project_slug, type, outcome, actor, user_id, source, "
                                       "details) SELECT ?, id, slug, 'user.created', "
                                       "'success', 'admin', ?, '127.0.0.1', ? FROM projects "
                                       "WHERE slug = 'default'", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  for (guint i = 0; i < count; i++)
    {
      g_autofree char *user = g_strdup_printf ("bulk-%u", i);
      g_autofree char *details = g_strdup_printf ("{\"username\":\"%s\"}", user);

      sqlite3_bind_int64 (stmt, 1, now + i * 1000);
      sqlite3_bind_text (stmt, 2, user, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 3, details, -1, SQLITE_TRANSIENT);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
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

/* Every event id the server has for @query ("" or "&outcome=failure"), newest first, paging
 * itself through the keyset cursor. */
static GArray *
server_ids (GhGuiTest  *test,
            const char *query,
            GPtrArray  *types)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 before = 0;

  do
    {
      g_autofree char *path = NULL;
      g_autoptr(JsonObject) answer = NULL;
      JsonArray *events;

      if (before > 0)
        path = g_strdup_printf ("/projects/default/audit?limit=200&before=%" G_GINT64_FORMAT
                                "%s", before, query);
      else
        path = g_strdup_printf ("/projects/default/audit?limit=200%s", query);
      answer = gh_gui_test_admin (test, "GET", path, NULL);
      events = json_object_get_array_member (answer, "events");
      for (guint i = 0; i < json_array_get_length (events); i++)
        {
          JsonObject *event = json_array_get_object_element (events, i);
          gint64 id = json_object_get_int_member (event, "id");

          g_array_append_val (ids, id);
          if (types != NULL)
            g_ptr_array_add (types, g_strdup (json_object_get_string_member (event, "type")));
        }
      before = json_object_has_member (answer, "older") &&
               !json_object_get_null_member (answer, "older") ?
               json_object_get_int_member (answer, "older") : 0;
    }
  while (before > 0);

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

  g_assert_true (GH_IS_AUDIT_EVENT_ITEM (item));
  return gh_audit_event_item_get_id (GH_AUDIT_EVENT_ITEM (item));
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
    g_assert_cmpuint (n, ==, MIN (ids->len, n));
  for (guint i = 0; i < n; i++)
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

  /* What: users. */
  gtk_widget_activate (gh_gui_test_get (page, "user."));
  g_assert_true (gh_gui_test_wait (page_settled, page));
  assert_list_is (test, page, "&type_prefix=user.", TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (page_model (page)), ==, 3);
  g_assert_true (gh_gui_test_label_shown (page, "What: Users"));

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

/* 2 000 events: the list reads them a page at a time as it is scrolled to its end, down to the
 * oldest. */
static void
test_audit_scroll_pages (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  GtkWidget *page;
  GhAuditModel *model;
  GtkAdjustment *adjustment;
  guint pages, steps = 0;

  insert_events (test, 2000);

  page = GTK_WIDGET (gh_gui_test_show_page (test, "audit"));
  model = GH_AUDIT_MODEL (page_model (page));
  g_assert_true (gh_gui_test_wait (model_loaded, model));
  pages = gh_audit_model_get_page_count (model);
  g_assert_cmpuint (pages, <=, 2);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), <=, pages * 200);
  g_assert_false (gh_audit_model_get_complete (model));

  adjustment = gtk_scrolled_window_get_vadjustment (
                 GTK_SCROLLED_WINDOW (gh_gui_test_get (page, "audit-scroller")));
  while (!gh_audit_model_get_complete (model))
    {
      guint now;

      gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
      g_assert_true (gh_gui_test_wait (model_loaded, model));
      gh_gui_test_run_for (20);
      g_assert_true (gh_gui_test_wait (model_loaded, model));
      now = gh_audit_model_get_page_count (model);
      /* One page more at a time, never the rest at once. */
      g_assert_cmpuint (now, <=, pages + 2);
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), <=, now * 200);
      pages = now;
      g_assert_cmpuint (++steps, <, 100);
    }
  g_test_message ("%u pages read in %u scrolls to the end", pages, steps);
  g_assert_cmpuint (pages, >=, 10);
  g_assert_cmpuint (steps, >=, 5);
  assert_list_is (test, page, "", TRUE);

  /* The oldest event is in the rows shown at the end. */
  {
    g_autoptr(GPtrArray) types = g_ptr_array_new_with_free_func (g_free);
    g_autoptr(GArray) ids = server_ids (test, "", types);
    g_autoptr(GPtrArray) cells = NULL;
    const char *oldest_type = g_ptr_array_index (types, types->len - 1);

    gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
    gh_gui_test_run_for (100);
    cells = shown_cells (page);
    g_assert_cmpstr (g_ptr_array_index (cells, cells->len - N_COLUMNS + TYPE_COLUMN), ==,
                     oldest_type);
  }
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

  return GH_IS_AUDIT_EVENT_ITEM (item) ? gh_audit_event_item_get_id (GH_AUDIT_EVENT_ITEM (item))
                                       : 0;
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

static gboolean
pill_shown (gpointer data)
{
  GtkWidget *pill = gh_gui_test_get (data, "audit-new-events-button");

  return gtk_widget_get_visible (pill) &&
         g_strcmp0 (gtk_button_get_label (GTK_BUTTON (pill)), "2 new events") == 0;
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

  gh_gui_test_click (gh_gui_test_get (page, "audit-new-events-button"));
  wait.id = newest_id (test);
  g_assert_true (gh_gui_test_wait (top_is, &wait));
  g_assert_cmpfloat (gtk_adjustment_get_value (adjustment), <, 1);
  g_assert_false (gtk_widget_get_visible (gh_gui_test_get (page,
                                                           "audit-new-events-button")));

  /* The stream reports a gap: a row says so. */
  g_signal_emit_by_name (gh_connection_get_admin_client (test->connection), "gap",
                         (gint64) wait.id + 1);
  g_clear_pointer (&cells, g_ptr_array_unref);
  cells = shown_cells (page);
  g_assert_cmpstr (g_ptr_array_index (cells, TYPE_COLUMN), ==,
                   "Events were missed here — Reload");
}

static gboolean
export_done (gpointer data)
{
  return !gh_audit_page_get_exporting (GH_AUDIT_PAGE (data));
}

/* The export of a filtered list writes exactly the server's events for that filter. */
static void
test_audit_export (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  GtkWidget *page;
  g_autoptr(GArray) ids = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  guint n = 0;

  create_users (test, "export", 20);
  make_failures (test, 7);
  page = GTK_WIDGET (gh_gui_test_show_page (test, "audit"));
  gtk_widget_activate_action (GTK_WIDGET (test->window), "win.open", "(ss)", "audit",
                              "filter:outcome=failure");
  g_assert_true (gh_gui_test_wait (page_settled, page));

  path = g_build_filename (test->tmp, "failures.jsonl", NULL);
  file = g_file_new_for_path (path);
  gh_audit_page_export (GH_AUDIT_PAGE (page), file, "jsonl");
  g_assert_true (gh_audit_page_get_exporting (GH_AUDIT_PAGE (page)));
  g_assert_true (gh_gui_test_wait (export_done, page));

  ids = server_ids (test, "&outcome=failure", NULL);
  g_assert_cmpuint (ids->len, ==, 7);
  g_assert_true (g_file_get_contents (path, &contents, NULL, &error));
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonNode) node = NULL;

      if (*lines[i] == '\0')
        continue;
      node = json_from_string (lines[i], &error);
      g_assert_no_error (error);
      g_assert_cmpuint (n, <, ids->len);
      g_assert_cmpint (json_object_get_int_member (json_node_get_object (node), "id"), ==,
                       g_array_index (ids, gint64, n));
      g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "outcome"),
                       ==, "failure");
      n++;
    }
  g_assert_cmpuint (n, ==, ids->len);

  /* Cancel: the half-written file is removed. */
  g_clear_object (&file);
  g_free (path);
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

int
main (int   argc,
      char *argv[])
{
  gh_gui_test_init (&argc, &argv);

  g_test_add_func ("/gui/audit/list-and-filters", test_audit_list_and_filters);
  g_test_add_func ("/gui/audit/scroll-pages", test_audit_scroll_pages);
  g_test_add_func ("/gui/audit/live", test_audit_live);
  g_test_add_func ("/gui/audit/export", test_audit_export);

  return g_test_run ();
}
