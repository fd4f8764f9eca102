/* test-audit-export.c — GET /admin/v1/projects/{slug}/audit/export over a real server: every
 * matching event as JSON lines or CSV, newest first, streamed while other requests go on
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-admin-tokens.h"
#include "gh-test-process.h"
#include "gh-test-util.h"

typedef struct
{
  GhTestServer server;
  char *authorization;  /* "Bearer <a valid admin token>" */
} Fixture;

static const char * const types[] = { "token.issued", "token.refused", "oauth_client.registered" };

/* @n events in the default project, the types in turn; the last one's details and User-Agent
 * are what a CSV must quote and defuse. */
static void
add_events (Fixture *fixture,
            guint    n)
{
  GhStore *store = gh_server_get_store (fixture->server.server);
  g_autoptr(GhProject) project = gh_test_server_project (&fixture->server);
  g_autoptr(GError) error = NULL;

  g_assert_true (gh_store_begin (store, &error));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GhStmt) stmt = NULL;
      g_autofree char *client = g_strdup_printf ("client-%u", i % 7);
      g_autofree char *details = i + 1 < n ? g_strdup_printf ("{\"n\":%u}", i) :
                                 g_strdup ("{\"note\":\"a, \\\"quoted\\\"\\nline\"}");

      stmt = gh_store_prepare (store,
                               "INSERT INTO audit_events (time, project_id, project_slug, type, "
                               "outcome, actor, client_id, user_id, flow_id, source, "
                               "user_agent, details) VALUES (?, ?, 'default', ?, 'success', "
                               "'server', ?, 'dev', NULL, '127.0.0.1', ?, ?)", &error);
      g_assert_no_error (error);
      gh_stmt_bind_int64 (stmt, 1, 1700000000000000 + i);
      gh_stmt_bind_int64 (stmt, 2, project->id);
      gh_stmt_bind_text (stmt, 3, types[i % G_N_ELEMENTS (types)]);
      gh_stmt_bind_text (stmt, 4, client);
      gh_stmt_bind_text (stmt, 5, i + 1 < n ? "test/1" : "=HYPERLINK(\"x\")");
      gh_stmt_bind_text (stmt, 6, details);
      g_assert_true (gh_store_step (store, stmt, NULL, &error));
      g_assert_no_error (error);
    }
  g_assert_true (gh_store_commit (store, &error));
}

/* How many events of the default project @where_sql ("1", "type = 'x'") matches. */
static guint
count_events (Fixture    *fixture,
              const char *where_sql)
{
  GhStore *store = gh_server_get_store (fixture->server.server);
  g_autoptr(GhProject) project = gh_test_server_project (&fixture->server);
  g_autoptr(GError) error = NULL;
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM audit_events WHERE "
                                          "project_id = ? AND %s", where_sql);
  g_autoptr(GhStmt) stmt = gh_store_prepare (store, sql, &error);
  gboolean row = FALSE;

  g_assert_no_error (error);
  gh_stmt_bind_int64 (stmt, 1, project->id);
  g_assert_true (gh_store_step (store, stmt, &row, &error));
  g_assert_true (row);
  return (guint) sqlite3_column_int (stmt, 0);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhAdminToken) token = NULL;
  g_autofree char *secret = NULL;

  gh_test_server_setup (&fixture->server, data);
  token = gh_admin_tokens_create (gh_server_get_admin_tokens (fixture->server.server), "test", 0,
                                  "test", &secret, &error);
  g_assert_no_error (error);
  fixture->authorization = g_strconcat ("Bearer ", secret, NULL);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_pointer (&fixture->authorization, g_free);
  gh_test_server_teardown (&fixture->server, data);
}

static GhTestResponse *
export (Fixture    *fixture,
        const char *query)
{
  g_autofree char *url = g_strconcat (fixture->server.issuer,
                                      "/admin/v1/projects/default/audit/export", query, NULL);

  return gh_test_http (fixture->server.session, "GET", url,
                       GH_TEST_PAIRS ("Authorization", fixture->authorization), NULL, NULL);
}

/* The lines of a JSON-lines answer, each checked to be one strict JSON object; the ids must
 * fall from line to line (newest first). */
static GPtrArray *
json_lines (GhTestResponse *response)
{
  g_autofree char *text = gh_test_response_text (response);
  g_auto(GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", -1);
  GPtrArray *objects = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  gint64 last_id = G_MAXINT64;
  guint n = g_strv_length (lines);

  /* Every line ends in \n: the last piece is empty (no piece at all: no line) */
  if (n == 0)
    return objects;
  g_assert_cmpstr (lines[n - 1], ==, "");
  for (guint i = 0; i + 1 < n; i++)
    {
      g_autofree char *why = NULL;
      JsonObject *object;

      if (!gh_test_json_is_strict (lines[i], strlen (lines[i]), &why))
        g_error ("line %u is not strict JSON (%s): %s", i, why, lines[i]);
      object = gh_test_parse_object (lines[i]);
      g_assert_cmpint (json_object_get_int_member (object, "id"), <, last_id);
      last_id = json_object_get_int_member (object, "id");
      g_ptr_array_add (objects, object);
    }
  return objects;
}

/* Every event of the project, newest first, as one JSON object a line, in a chunked answer
 * that is never cached and is offered as a file. */
static void
test_jsonl (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GhTestResponse) response = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  JsonObject *newest;

  add_events (fixture, 1500);
  response = export (fixture, "");
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpstr (gh_test_response_header (response, "Content-Type"), ==,
                   "application/x-ndjson");
  g_assert_cmpint (soup_message_headers_get_encoding (response->headers), ==,
                   SOUP_ENCODING_CHUNKED);
  g_assert_nonnull (strstr (gh_test_response_header (response, "Cache-Control"), "no-store"));
  g_assert_cmpstr (gh_test_response_header (response, "Content-Disposition"), ==,
                   "attachment; filename=\"audit-default.jsonl\"");
  lines = json_lines (response);
  g_assert_cmpuint (lines->len, ==, count_events (fixture, "1"));
  g_assert_cmpuint (lines->len, >=, 1500);
  newest = g_ptr_array_index (lines, 0);
  g_assert_cmpstr (json_object_get_string_member (newest, "user_agent"), ==, "=HYPERLINK(\"x\")");
  g_assert_cmpstr (json_object_get_string_member (newest, "project_slug"), ==, "default");
  g_assert_nonnull (json_object_get_object_member (newest, "details"));
}

/* The audit route's filters hold, every one of them together; "before" starts lower. */
static void
test_filters (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GhTestResponse) by_type = NULL;
  g_autoptr(GhTestResponse) by_prefix = NULL;
  g_autoptr(GhTestResponse) by_client = NULL;
  g_autoptr(GhTestResponse) before = NULL;
  g_autoptr(GhTestResponse) none = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(GPtrArray) prefix_lines = NULL;
  g_autoptr(GPtrArray) client_lines = NULL;
  g_autoptr(GPtrArray) before_lines = NULL;
  g_autoptr(GPtrArray) none_lines = NULL;
  g_autofree char *before_query = NULL;
  gint64 cut;

  add_events (fixture, 900);
  by_type = export (fixture, "?type=token.refused&format=jsonl");
  lines = json_lines (by_type);
  g_assert_cmpuint (lines->len, ==, count_events (fixture, "type = 'token.refused'"));
  g_assert_cmpuint (lines->len, ==, 300);
  for (guint i = 0; i < lines->len; i++)
    g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (lines, i), "type"), ==,
                     "token.refused");

  by_prefix = export (fixture, "?type_prefix=token.");
  prefix_lines = json_lines (by_prefix);
  g_assert_cmpuint (prefix_lines->len, ==, count_events (fixture, "type LIKE 'token.%'"));

  by_client = export (fixture, "?client_id=client-3&outcome=success&text=client-3");
  client_lines = json_lines (by_client);
  g_assert_cmpuint (client_lines->len, ==, count_events (fixture, "client_id = 'client-3'"));

  cut = json_object_get_int_member (g_ptr_array_index (lines, 100), "id");
  before_query = g_strdup_printf ("?type=token.refused&before=%" G_GINT64_FORMAT, cut);
  before = export (fixture, before_query);
  before_lines = json_lines (before);
  g_assert_cmpuint (before_lines->len, ==, 300 - 101);
  g_assert_cmpint (json_object_get_int_member (g_ptr_array_index (before_lines, 0), "id"), <,
                   cut);

  none = export (fixture, "?type=nothing.like.this");
  g_assert_cmpuint (none->status, ==, 200);
  none_lines = json_lines (none);
  g_assert_cmpuint (none_lines->len, ==, 0);
}

/* GET .../audit/count with @query: the count, asserting a 200. */
static gint64
count (Fixture    *fixture,
       const char *query)
{
  g_autofree char *url = g_strconcat (fixture->server.issuer,
                                      "/admin/v1/projects/default/audit/count", query, NULL);
  g_autoptr(GhTestResponse) response =
    gh_test_http (fixture->server.session, "GET", url,
                  GH_TEST_PAIRS ("Authorization", fixture->authorization), NULL, NULL);
  g_autoptr(JsonObject) object = NULL;

  g_test_message ("count%s", query);
  g_assert_cmpuint (response->status, ==, 200);
  object = gh_test_response_json (response);
  g_assert_cmpuint (json_object_get_size (object), ==, 1);
  return json_object_get_int_member (object, "count");
}

/* The count of a filter is what its export writes (what the console's export bar counts
 * against); it takes the same filters and refuses what the export refuses. */
static void
test_count (Fixture       *fixture,
            gconstpointer  data)
{
  const char * const queries[] = {
    "", "?type=token.refused", "?type_prefix=token.", "?client_id=client-3&outcome=success",
    "?text=client-3", "?type=nothing.like.this", "?from=1700000000000100&to=1700000000000500",
    "?type_prefix=token.&before=200",
  };

  add_events (fixture, 900);
  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    {
      g_autoptr(GhTestResponse) response = export (fixture, queries[i]);
      g_autoptr(GPtrArray) lines = json_lines (response);

      g_assert_cmpint (count (fixture, queries[i]), ==, lines->len);
    }
  g_assert_cmpint (count (fixture, "?type=token.refused"), ==, 300);
  g_assert_cmpint (count (fixture, "?from=1700000000000100&to=1700000000000500"), ==, 400);
  g_assert_cmpint (count (fixture, ""), ==, count_events (fixture, "1"));

  for (guint i = 0; i < 3; i++)
    {
      const char * const refused[] = { "?limit=5", "?after=3", "?outcome=maybe" };
      g_autofree char *url = g_strconcat (fixture->server.issuer,
                                          "/admin/v1/projects/default/audit/count", refused[i],
                                          NULL);
      g_autoptr(GhTestResponse) response =
        gh_test_http (fixture->server.session, "GET", url,
                      GH_TEST_PAIRS ("Authorization", fixture->authorization), NULL, NULL);

      g_assert_cmpuint (response->status, ==, 400);
    }
}

/* CSV: a header row, RFC 4180 quoting, CRLF, and no cell a spreadsheet would run. */
static void
test_csv (Fixture       *fixture,
          gconstpointer  data)
{
  g_autoptr(GhTestResponse) response = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) rows = NULL;

  add_events (fixture, 10);
  response = export (fixture, "?format=csv&client_id=client-2");
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpstr (gh_test_response_header (response, "Content-Type"), ==, "text/csv");
  g_assert_cmpstr (gh_test_response_header (response, "Content-Disposition"), ==,
                   "attachment; filename=\"audit-default.csv\"");
  text = gh_test_response_text (response);
  g_assert_true (g_str_has_prefix (text, "id,time,project_slug,type,outcome,actor,client_id,"
                                         "user_id,flow_id,source,user_agent,details\r\n"));
  /* The tenth event (i = 9, client-2) is the last added: quoted details, a defused agent */
  g_assert_nonnull (strstr (text, ",token.issued,success,server,client-2,dev,,127.0.0.1,"
                                  "\"'=HYPERLINK(\"\"x\"\")\","
                                  "\"{\"\"note\"\":\"\"a, \\\"\"quoted\\\"\"\\nline\"\"}\"\r\n"));
  rows = g_strsplit (text, "\r\n", -1);
  /* header, client-2 at i = 2 and 9, the empty end */
  g_assert_cmpuint (g_strv_length (rows), ==, 4);
  g_assert_true (g_str_has_suffix (rows[2], ",test/1,\"{\"\"n\"\":2}\""));
}

/* What the export refuses, before it starts: a format it does not write, a page size or an
 * "after" (an export is every page), a parameter it does not know or given twice, a bad
 * filter; 404 for a project that does not exist. */
static void
test_refusals (Fixture       *fixture,
               gconstpointer  data)
{
  const struct {
    const char *query;
    guint status;
    const char *says;
  } cases[] = {
    { "?format=xml", 400, "“format”" },
    { "?limit=5", 400, "“limit”" },
    { "?after=3", 400, "“after”" },
    { "?colour=red", 400, "“colour”" },
    { "?type=a&type=b", 400, "more than once" },
    { "?outcome=maybe", 400, "outcome" },
    { "?before=abc", 400, "“before”" },
    { "?type=a&type_prefix=b", 400, "type" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GhTestResponse) response = export (fixture, cases[i].query);
      g_autoptr(JsonObject) object = NULL;

      g_test_message ("%s", cases[i].query);
      g_assert_cmpuint (response->status, ==, cases[i].status);
      object = gh_test_response_json (response);
      g_assert_cmpstr (json_object_get_string_member (object, "error"), ==, "invalid_request");
      g_assert_nonnull (strstr (json_object_get_string_member (object, "error_description"),
                                cases[i].says));
    }
  {
    g_autofree char *url = g_strconcat (fixture->server.issuer,
                                        "/admin/v1/projects/nope/audit/export", NULL);
    g_autoptr(GhTestResponse) response =
      gh_test_http (fixture->server.session, "GET", url,
                    GH_TEST_PAIRS ("Authorization", fixture->authorization), NULL, NULL);

    g_assert_cmpuint (response->status, ==, 404);
  }
}

/* A client that asks for a large export and reads nothing: the export waits for it (a few
 * pages ahead, no more), while the server goes on answering other requests; then the client
 * reads it all, whole. */
static void
test_slow_reader (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *request = NULL;
  g_autoptr(GString) received = g_string_new (NULL);
  guint16 port = gh_server_get_port (fixture->server.server);
  GInputStream *input;
  guint newlines = 0;
  guint expected;

  add_events (fixture, 6000);
  expected = count_events (fixture, "1");
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  request = g_strdup_printf ("GET /admin/v1/projects/default/audit/export HTTP/1.1\r\n"
                             "Host: 127.0.0.1\r\nAuthorization: %s\r\nConnection: close\r\n\r\n",
                             fixture->authorization);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)), request,
                             strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);

  /* Meanwhile: other requests are answered, an admin's and a client's */
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *url = g_strconcat (fixture->server.issuer, "/jwks", NULL);
      g_autoptr(GhTestResponse) jwks = gh_test_http (fixture->server.session, "GET", url, NULL,
                                                     NULL, NULL);
      g_autoptr(GhTestResponse) page = NULL;
      g_autofree char *page_url = g_strconcat (fixture->server.issuer,
                                               "/admin/v1/projects/default/audit?limit=5", NULL);

      g_assert_cmpuint (jwks->status, ==, 200);
      page = gh_test_http (fixture->server.session, "GET", page_url,
                           GH_TEST_PAIRS ("Authorization", fixture->authorization), NULL, NULL);
      g_assert_cmpuint (page->status, ==, 200);
    }

  /* Now read it all: the server writes as the client reads (its loop runs in this thread) */
  input = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  for (;;)
    {
      char buffer[65536];
      gssize n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (input),
                                                          buffer, sizeof buffer, NULL, &error);

      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_clear_error (&error);
          g_main_context_iteration (NULL, TRUE);
          continue;
        }
      g_assert_no_error (error);
      if (n == 0)
        break;
      g_string_append_len (received, buffer, n);
    }
  g_assert_true (g_str_has_prefix (received->str, "HTTP/1.1 200 "));
  /* The last chunk came: the export ended as whole */
  g_assert_true (g_str_has_suffix (received->str, "\r\n0\r\n\r\n"));
  for (const char *c = strstr (received->str, "\r\n\r\n"); *c != '\0'; c++)
    newlines += *c == '\n' && c[-1] == '}';
  g_assert_cmpuint (newlines, ==, expected);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/server/audit-export/" path, Fixture, NULL, fixture_setup, func, \
              fixture_teardown)
  ADD ("jsonl", test_jsonl);
  ADD ("filters", test_filters);
  ADD ("count", test_count);
  ADD ("csv", test_csv);
  ADD ("refusals", test_refusals);
  ADD ("slow-reader", test_slow_reader);
#undef ADD

  return g_test_run ();
}
