/* gh-test-util.c — helpers shared by the test programs
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "gh-base64url.h"
#include "gh-crypto.h"
#include "gh-json.h"
#include "gh-test-util.h"
#include "gh-time.h"

char *
gh_test_make_tmp_dir (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *template = g_strdup_printf ("gatehouse-%s-XXXXXX", name);
  char *dir = g_dir_make_tmp (template, &error);

  g_assert_no_error (error);
  return dir;
}

void
gh_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (path == NULL)
    return;
  dir = g_dir_open (path, 0, NULL);
  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          gh_test_remove_tree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

void
gh_test_dir_setup (GhTestDir     *fixture,
                   gconstpointer  data)
{
  g_autofree char *name = g_path_get_basename (g_get_prgname () ? g_get_prgname () : "test");

  fixture->dir = gh_test_make_tmp_dir (name);
}

void
gh_test_dir_teardown (GhTestDir     *fixture,
                      gconstpointer  data)
{
  gh_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
}

void
gh_test_secret_dir_setup (GhTestSecretDir *fixture,
                          gconstpointer    data)
{
  fixture->tmp_dir = gh_test_make_tmp_dir ("secret");
  fixture->data_dir = g_build_filename (fixture->tmp_dir, "home", "data", NULL);
  fixture->file_path = g_build_filename (fixture->data_dir, "secrets.ini", NULL);
}

void
gh_test_secret_dir_teardown (GhTestSecretDir *fixture,
                             gconstpointer    data)
{
  gh_test_remove_tree (fixture->tmp_dir);
  g_clear_pointer (&fixture->tmp_dir, g_free);
  g_clear_pointer (&fixture->data_dir, g_free);
  g_clear_pointer (&fixture->file_path, g_free);
}

void
gh_test_async_ready (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
  g_main_context_wakeup (NULL);
}

GAsyncResult *
gh_test_async_wait (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);

  return g_steal_pointer (slot);
}

void
gh_test_assert_secret (GhSecretStore *store,
                       const char    *name,
                       const char    *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;

  value = gh_secret_store_lookup (store, name, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, expected);
}

void
gh_test_store_secret (GhSecretStore *store,
                      const char    *name,
                      const char    *secret)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = gh_secret_store_store (store, name, NULL, secret, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
}

gboolean
gh_test_json_array_has (JsonObject *doc,
                        const char *member,
                        const char *value)
{
  JsonArray *array;

  if (!json_object_has_member (doc, member) ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (doc, member)))
    return FALSE;
  array = json_object_get_array_member (doc, member);
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (g_strcmp0 (json_array_get_string_element (array, i), value) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
gh_test_wait_for (const gboolean *flag,
                  guint           timeout_ms)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add (timeout_ms, timeout_cb, &expired);

  while (!*flag && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  return *flag;
}

typedef struct
{
  char *log_domain;
  GLogLevelFlags log_level;
  char *pattern;
} ExpectedMessage;

static GMutex expected_lock;
static GQueue expected_messages = G_QUEUE_INIT;

static GLogWriterOutput
expecting_writer (GLogLevelFlags   log_level,
                  const GLogField *fields,
                  gsize            n_fields,
                  gpointer         user_data)
{
  const char *message = NULL;
  const char *log_domain = NULL;
  gboolean seen = FALSE;

  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0)
      message = fields[i].value;
    else if (g_str_equal (fields[i].key, "GLIB_DOMAIN") && fields[i].length < 0)
      log_domain = fields[i].value;

  g_mutex_lock (&expected_lock);
  if (message != NULL && !g_queue_is_empty (&expected_messages))
    {
      ExpectedMessage *expected = g_queue_peek_head (&expected_messages);

      if (g_strcmp0 (expected->log_domain, log_domain) == 0 &&
          (log_level & expected->log_level) == expected->log_level &&
          g_pattern_match_simple (expected->pattern, message))
        {
          g_queue_pop_head (&expected_messages);
          g_free (expected->log_domain);
          g_free (expected->pattern);
          g_free (expected);
          seen = TRUE;
        }
    }
  g_mutex_unlock (&expected_lock);

  if (seen)
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

void
gh_test_expect_message (const char     *log_domain,
                        GLogLevelFlags  log_level,
                        const char     *pattern)
{
  static gsize installed = 0;
  ExpectedMessage *expected = g_new0 (ExpectedMessage, 1);

  /* A program has one writer, set once: the first expectation installs it. */
  if (g_once_init_enter (&installed))
    {
      g_log_set_writer_func (expecting_writer, NULL, NULL);
      g_once_init_leave (&installed, 1);
    }
  expected->log_domain = g_strdup (log_domain);
  expected->log_level = log_level;
  expected->pattern = g_strdup (pattern);
  g_mutex_lock (&expected_lock);
  g_queue_push_tail (&expected_messages, expected);
  g_mutex_unlock (&expected_lock);
}

void
gh_test_assert_expected_messages (void)
{
  g_mutex_lock (&expected_lock);
  if (!g_queue_is_empty (&expected_messages))
    {
      ExpectedMessage *expected = g_queue_peek_head (&expected_messages);
      g_autofree char *text = g_strdup_printf ("Did not see expected message %s: %s",
                                               expected->log_domain, expected->pattern);

      g_mutex_unlock (&expected_lock);
      g_test_fail_printf ("%s", text);
      return;
    }
  g_mutex_unlock (&expected_lock);
}

void
gh_test_response_free (GhTestResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->headers, soup_message_headers_unref);
  g_clear_pointer (&response->body, g_bytes_unref);
  g_free (response);
}

typedef struct
{
  GBytes *body;
  GError *error;
  gboolean done;
} Exchange;

static void
send_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Exchange *exchange = user_data;

  exchange->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                      &exchange->error);
  exchange->done = TRUE;
}

GhTestResponse *
gh_test_http_full (SoupSession        *session,
                   const char         *method,
                   const char         *url,
                   const char * const *request_headers,
                   const char         *content_type,
                   GBytes             *body,
                   GhTestHttpFlags     flags)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  Exchange exchange = { 0 };
  GhTestResponse *response;

  g_assert_nonnull (msg);
  if (flags & GH_TEST_HTTP_NO_REDIRECT)
    soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  for (guint i = 0; request_headers != NULL && request_headers[i] != NULL; i += 2)
    soup_message_headers_append (soup_message_get_request_headers (msg), request_headers[i],
                                 request_headers[i + 1]);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, content_type, body);

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, send_done, &exchange);
  g_assert_true (gh_test_wait_for (&exchange.done, 10000));
  g_assert_no_error (exchange.error);

  response = g_new0 (GhTestResponse, 1);
  response->status = soup_message_get_status (msg);
  response->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  response->body = exchange.body;
  return response;
}

typedef struct
{
  SoupMessage *msg;
  GBytes *body;
  GError *error;
  guint *pending;
} ParallelItem;

static void
parallel_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  ParallelItem *item = user_data;

  item->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &item->error);
  --*item->pending;
}

GPtrArray *
gh_test_http_parallel (SoupSession        *session,
                       guint               n,
                       const char         *method,
                       const char         *url,
                       const char * const *request_headers,
                       const char         *content_type,
                       const char         *body)
{
  g_autofree ParallelItem *items = g_new0 (ParallelItem, n);
  g_autoptr(GBytes) bytes = body != NULL ? g_bytes_new (body, strlen (body)) : NULL;
  GPtrArray *responses = g_ptr_array_new_with_free_func ((GDestroyNotify) gh_test_response_free);
  guint pending = n;
  gboolean expired = FALSE;
  guint timeout = g_timeout_add (10000, timeout_cb, &expired);

  /* All are in flight before the first answer is read. */
  for (guint i = 0; i < n; i++)
    {
      items[i].msg = soup_message_new (method, url);
      g_assert_nonnull (items[i].msg);
      items[i].pending = &pending;
      for (guint h = 0; request_headers != NULL && request_headers[h] != NULL; h += 2)
        soup_message_headers_append (soup_message_get_request_headers (items[i].msg),
                                     request_headers[h], request_headers[h + 1]);
      if (bytes != NULL)
        soup_message_set_request_body_from_bytes (items[i].msg, content_type, bytes);
      soup_session_send_and_read_async (session, items[i].msg, G_PRIORITY_DEFAULT, NULL,
                                        parallel_done, &items[i]);
    }
  while (pending > 0 && !expired)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (pending, ==, 0);
  g_source_remove (timeout);

  for (guint i = 0; i < n; i++)
    {
      GhTestResponse *response = g_new0 (GhTestResponse, 1);
      SoupMessage *msg = items[i].msg;

      g_assert_no_error (items[i].error);
      response->status = soup_message_get_status (msg);
      response->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
      response->body = items[i].body;
      g_ptr_array_add (responses, response);
      g_object_unref (items[i].msg);
    }
  return responses;
}

GhTestResponse *
gh_test_http (SoupSession        *session,
              const char         *method,
              const char         *url,
              const char * const *request_headers,
              const char         *content_type,
              const char         *body)
{
  g_autoptr(GBytes) bytes = body != NULL ? g_bytes_new (body, strlen (body)) : NULL;

  return gh_test_http_full (session, method, url, request_headers, content_type, bytes,
                            GH_TEST_HTTP_DEFAULT);
}

JsonObject *
gh_test_response_json (GhTestResponse *response)
{
  g_autoptr(GError) error = NULL;
  gsize size;
  const char *data = g_bytes_get_data (response->body, &size);
  JsonObject *object;

  /* The strict reader: every answer must be UTF-8 JSON that any client parses (no raw
   * control characters, no duplicate members) */
  object = gh_json_parse_object_strict (data != NULL ? data : "", size, &error);
  g_assert_no_error (error);
  return object;
}

const char *
gh_test_response_header (GhTestResponse *response,
                         const char     *name)
{
  return soup_message_headers_get_one (response->headers, name);
}

char *
gh_test_response_text (GhTestResponse *response)
{
  gsize size;
  const char *data = g_bytes_get_data (response->body, &size);

  return g_strndup (data, size);
}

GhForm *
gh_test_response_location_query (GhTestResponse *response,
                                 const char     *prefix)
{
  const char *location = gh_test_response_header (response, "Location");
  g_autoptr(GError) error = NULL;
  const char *query;
  GhForm *form;

  g_assert_nonnull (location);
  if (!g_str_has_prefix (location, prefix))
    g_error ("Location “%s” does not start with “%s”", location, prefix);
  query = location + strlen (prefix);
  g_assert_true (*query == '?' || *query == '&');
  query++;
  form = gh_form_parse (query, strlen (query), &error);
  g_assert_no_error (error);
  return form;
}

char *
gh_test_form_encode (const char * const *pairs)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; pairs != NULL && pairs[i] != NULL; i += 2)
    {
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;

      if (pairs[i + 1] == NULL)
        continue;
      name = g_uri_escape_string (pairs[i], NULL, FALSE);
      value = g_uri_escape_string (pairs[i + 1], NULL, FALSE);
      g_string_append_printf (out, "%s%s=%s", out->len > 0 ? "&" : "", name, value);
    }
  return g_string_free (out, FALSE);
}

char *
gh_test_basic_auth (const char *client_id,
                    const char *secret)
{
  g_autofree char *id = g_uri_escape_string (client_id, NULL, FALSE);
  g_autofree char *password = g_uri_escape_string (secret, NULL, FALSE);
  g_autofree char *joined = g_strconcat (id, ":", password, NULL);
  g_autofree char *encoded = g_base64_encode ((const guchar *) joined, strlen (joined));

  return g_strconcat ("Basic ", encoded, NULL);
}

void
gh_test_pkce_pair (char **verifier,
                   char **challenge)
{
  guint8 digest[32];

  *verifier = gh_random_token (32);
  gh_sha256 (*verifier, strlen (*verifier), digest);
  *challenge = gh_base64url_encode (digest, sizeof digest);
}

void
gh_test_server_setup (GhTestServer  *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = gh_test_make_tmp_dir ("server");
  fixture->server = gh_server_new (fixture->dir, GH_SECRET_BACKEND_FILE,
                                   GH_SETTINGS_PROFILE_DEVELOPMENT, &error);
  g_assert_no_error (error);
  /* Tests count one refusal event per refused request, many from 127.0.0.1 in a row; the
   * limiter has tests of its own (test-audit, test-token) */
  gh_audit_set_refusal_limit (gh_server_get_audit (fixture->server), 0);
  g_assert_true (gh_server_listen (fixture->server, "127.0.0.1:0", NULL, &error));
  g_assert_no_error (error);
  fixture->issuer = gh_server_get_issuer_base (fixture->server);
  fixture->session = soup_session_new ();
  fixture->browser = soup_session_new ();
  soup_session_add_feature_by_type (fixture->browser, SOUP_TYPE_COOKIE_JAR);
}

void
gh_test_server_teardown (GhTestServer  *fixture,
                         gconstpointer  data)
{
  g_clear_object (&fixture->session);
  g_clear_object (&fixture->browser);
  g_clear_object (&fixture->server);
  gh_test_remove_tree (fixture->dir);
  g_clear_pointer (&fixture->dir, g_free);
}

/* One setting of the default project, in its text form. */
static void
set_default_setting (GhProjects *projects,
                     const char *key,
                     const char *value)
{
  g_autoptr(JsonObject) patch = json_object_new ();
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(GError) error = NULL;

  json_object_set_string_member (patch, key, value);
  changes = gh_projects_update_settings (projects, GH_DEFAULT_PROJECT, patch, "test", &error);
  g_assert_no_error (error);
}

/* A client an administrator made from RFC 7591 metadata in JSON. */
static GhClient *
add_admin_client (GhClients        *clients,
                  const GhProject  *project,
                  const char       *client_id,
                  const char       *metadata_json,
                  char            **out_secret)
{
  g_autoptr(JsonObject) metadata = gh_test_parse_object (metadata_json);
  g_autoptr(JsonObject) validated = NULL;
  g_autoptr(GError) error = NULL;
  GhClient *client;

  validated = gh_client_metadata_validate (metadata, project->settings, "none", &error);
  g_assert_no_error (error);
  client = gh_clients_create (clients, project, client_id, GH_CLIENT_SOURCE_ADMIN, validated,
                              out_secret, "test", &error);
  g_assert_no_error (error);
  g_assert_nonnull (client);
  return client;
}

void
gh_test_server_set (GhTestServer *fixture,
                    const char   *key,
                    const char   *value)
{
  set_default_setting (gh_server_get_projects (fixture->server), key, value);
}

GhProject *
gh_test_server_project (GhTestServer *fixture)
{
  g_autoptr(GError) error = NULL;
  GhProject *project = gh_projects_get (gh_server_get_projects (fixture->server),
                                        GH_DEFAULT_PROJECT, &error);

  g_assert_no_error (error);
  return project;
}

void
gh_test_server_add_project (GhTestServer      *fixture,
                            const char        *slug,
                            const char        *display_name,
                            GhSettingsProfile  profile)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhProject) project = gh_projects_create (gh_server_get_projects (fixture->server),
                                                     slug, display_name, profile, "test",
                                                     &error);

  g_assert_no_error (error);
  g_assert_nonnull (project);
}

char *
gh_test_server_add_client (GhTestServer *fixture,
                           const char   *client_id,
                           const char   *metadata_json)
{
  g_autoptr(GhProject) project = gh_test_server_project (fixture);
  g_autoptr(GhClient) client = NULL;
  char *secret = NULL;

  client = add_admin_client (gh_server_get_clients (fixture->server), project, client_id,
                             metadata_json, &secret);
  return secret;
}

void
gh_test_server_add_user (GhTestServer *fixture,
                         const char   *username,
                         const char   *name,
                         const char   *email)
{
  g_autoptr(GhProject) project = gh_test_server_project (fixture);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhUser) user = gh_users_add (gh_server_get_users (fixture->server), project, username,
                                         name, email, NULL, "test", &error);

  g_assert_no_error (error);
  g_assert_nonnull (user);
}

void
gh_test_server_add_resource (GhTestServer *fixture,
                             const char   *uri,
                             const char   *scopes)
{
  g_autoptr(GhProject) project = gh_test_server_project (fixture);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhResource) resource = gh_resources_add (gh_server_get_resources (fixture->server),
                                                     project, uri, NULL, scopes, NULL, "test",
                                                     &error);

  g_assert_no_error (error);
  g_assert_nonnull (resource);
}

GhTestResponse *
gh_test_server_request (GhTestServer       *fixture,
                        SoupSession        *session,
                        const char         *method,
                        const char         *path,
                        const char * const *request_headers,
                        const char         *content_type,
                        const char         *body)
{
  g_autofree char *url = g_strconcat (fixture->issuer, path, NULL);
  g_autoptr(GBytes) bytes = body != NULL ? g_bytes_new (body, strlen (body)) : NULL;

  return gh_test_http_full (session, method, url, request_headers, content_type, bytes,
                            GH_TEST_HTTP_NO_REDIRECT);
}

GhTestResponse *
gh_test_server_post_form (GhTestServer       *fixture,
                          const char         *path,
                          const char * const *pairs,
                          const char * const *request_headers)
{
  g_autofree char *body = gh_test_form_encode (pairs);

  return gh_test_server_request (fixture, fixture->session, "POST", path, request_headers,
                                 "application/x-www-form-urlencoded", body);
}

guint
gh_test_server_count_audit (GhTestServer *fixture,
                            const char   *type)
{
  return gh_test_count_audit (gh_server_get_store (fixture->server), type);
}

char *
gh_test_server_authorize_code (GhTestServer       *fixture,
                               SoupSession        *session,
                               const char         *redirect_uri,
                               const char * const *pairs)
{
  g_autofree char *query = gh_test_form_encode (pairs);
  g_autofree char *path = g_strconcat ("/authorize?", query, NULL);
  g_autoptr(GhTestResponse) response = gh_test_server_request (fixture, session, "GET", path, NULL,
                                                               NULL, NULL);
  g_autoptr(GhForm) params = NULL;

  if (response->status != 302)
    g_error ("/authorize answered %u, Location %s", response->status,
             gh_test_response_header (response, "Location"));
  params = gh_test_response_location_query (response, redirect_uri);
  g_assert_null (gh_form_get (params, "error"));
  g_assert_cmpstr (gh_form_get (params, "iss"), ==, fixture->issuer);
  g_assert_nonnull (gh_form_get (params, "code"));
  return g_strdup (gh_form_get (params, "code"));
}

JsonObject *
gh_test_server_last_audit (GhTestServer *fixture,
                           const char   *type)
{
  GhStore *store = gh_server_get_store (fixture->server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStmt) stmt = gh_store_prepare (store,
                                             "SELECT details, client_id, user_id, flow_id, outcome "
                                             "FROM audit_events WHERE type = ? "
                                             "ORDER BY id DESC LIMIT 1",
                                             &error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *event;
  gboolean row = FALSE;

  g_assert_no_error (error);
  gh_stmt_bind_text (stmt, 1, type);
  g_assert_true (gh_store_step (store, stmt, &row, &error));
  g_assert_no_error (error);
  if (!row)
    g_error ("No %s event was recorded", type);
  g_assert_true (json_parser_load_from_data (parser, gh_stmt_column_text (stmt, 0), -1, &error));
  g_assert_no_error (error);
  event = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
  /* The event's columns, next to its details, under names no detail uses. */
  for (guint i = 1; i <= 4; i++)
    if (sqlite3_column_type (stmt, i) != SQLITE_NULL)
      json_object_set_string_member (event, (const char *[]) { NULL, "@client_id", "@user_id",
                                                               "@flow_id", "@outcome" }[i],
                                     gh_stmt_column_text (stmt, i));
  return event;
}

char *
gh_test_hidden_value (const char *html,
                      const char *name)
{
  g_autofree char *needle = g_strdup_printf ("name=\"%s\" value=\"", name);
  const char *start = strstr (html, needle);
  const char *end;

  g_assert_nonnull (start);
  start += strlen (needle);
  end = strchr (start, '"');
  g_assert_nonnull (end);
  return g_strndup (start, end - start);
}

JsonObject *
gh_test_parse_object (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

guint
gh_test_count_audit (GhStore    *store,
                     const char *type)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStmt) stmt = gh_store_prepare (store,
                                             "SELECT count(*) FROM audit_events WHERE type = ?",
                                             &error);
  gboolean row = FALSE;

  g_assert_no_error (error);
  gh_stmt_bind_text (stmt, 1, type);
  g_assert_true (gh_store_step (store, stmt, &row, &error));
  g_assert_no_error (error);
  g_assert_true (row);
  return (guint) sqlite3_column_int64 (stmt, 0);
}

JsonObject *
gh_test_last_audit (GhStore     *store,
                    const char  *type,
                    char       **out_client_id,
                    char       **out_actor)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStmt) stmt = gh_store_prepare (store,
                                             "SELECT details, client_id, actor FROM audit_events "
                                             "WHERE type = ? ORDER BY id DESC LIMIT 1",
                                             &error);
  gboolean row = FALSE;

  g_assert_no_error (error);
  gh_stmt_bind_text (stmt, 1, type);
  g_assert_true (gh_store_step (store, stmt, &row, &error));
  g_assert_no_error (error);
  g_assert_true (row);
  if (out_client_id != NULL)
    *out_client_id = g_strdup (gh_stmt_column_text (stmt, 1));
  if (out_actor != NULL)
    *out_actor = g_strdup (gh_stmt_column_text (stmt, 2));
  return gh_test_parse_object (gh_stmt_column_text (stmt, 0));
}

static void
services_reload_project (GhTestServices *fixture)
{
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&fixture->project, gh_project_free);
  fixture->project = gh_projects_get (fixture->projects, GH_DEFAULT_PROJECT, &error);
  g_assert_no_error (error);
}

void
gh_test_services_setup (GhTestServices *fixture,
                        gconstpointer   data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = gh_test_make_tmp_dir ("services");
  fixture->store = gh_store_open (fixture->dir, &error);
  g_assert_no_error (error);
  fixture->audit = gh_audit_new (fixture->store);
  fixture->projects = gh_projects_new (fixture->store, fixture->audit);
  g_assert_true (gh_projects_ensure_default (fixture->projects, GH_SETTINGS_PROFILE_DEVELOPMENT,
                                             &error));
  g_assert_no_error (error);
  fixture->secrets = gh_secret_store_new (GH_SECRET_BACKEND_FILE, fixture->dir, &error);
  g_assert_no_error (error);
  fixture->keys = gh_signing_keys_new (fixture->store, fixture->secrets, fixture->audit);
  g_assert_true (gh_signing_keys_ensure (fixture->keys, GH_JWS_ALG_ES256, &error));
  g_assert_no_error (error);
  fixture->clients = gh_clients_new (fixture->store, fixture->audit);
  fixture->users = gh_users_new (fixture->store, fixture->audit);
  fixture->resources = gh_resources_new (fixture->store, fixture->audit);
  fixture->iats = gh_iats_new (fixture->store, fixture->audit);
  fixture->authorization = gh_authorization_new (fixture->store, fixture->audit, fixture->clients,
                                                 fixture->users, fixture->resources);
  fixture->tokens = gh_tokens_new (fixture->store, fixture->audit, fixture->keys, fixture->users,
                                   fixture->resources);
  fixture->registration = gh_registration_new (fixture->store, fixture->audit, fixture->clients,
                                               fixture->iats);
  fixture->issuer = "http://127.0.0.1:9";
  services_reload_project (fixture);
}

void
gh_test_services_setup_flow (GhTestServices *fixture,
                             gconstpointer   data)
{
  gh_test_services_setup (fixture, data);
  fixture->client = gh_test_services_add_client (fixture, "app",
                                                 "{\"redirect_uris\": [\""
                                                 GH_TEST_SERVICES_REDIRECT "\"], "
                                                 "\"grant_types\": [\"authorization_code\", "
                                                 "\"refresh_token\"], "
                                                 "\"token_endpoint_auth_method\": \"none\"}",
                                                 NULL);
  fixture->user = gh_test_services_add_user (fixture, "alice");
}

void
gh_test_services_teardown (GhTestServices *fixture,
                           gconstpointer   data)
{
  g_clear_pointer (&fixture->client, gh_client_free);
  g_clear_pointer (&fixture->user, gh_user_free);
  g_clear_pointer (&fixture->project, gh_project_free);
  g_clear_object (&fixture->registration);
  g_clear_object (&fixture->tokens);
  g_clear_object (&fixture->authorization);
  g_clear_object (&fixture->iats);
  g_clear_object (&fixture->resources);
  g_clear_object (&fixture->users);
  g_clear_object (&fixture->clients);
  g_clear_object (&fixture->keys);
  g_clear_object (&fixture->secrets);
  g_clear_object (&fixture->projects);
  g_clear_object (&fixture->audit);
  g_clear_object (&fixture->store);
  gh_test_remove_tree (fixture->dir);
  g_clear_pointer (&fixture->dir, g_free);
}

void
gh_test_services_set (GhTestServices *fixture,
                      const char     *key,
                      const char     *value)
{
  set_default_setting (fixture->projects, key, value);
  services_reload_project (fixture);
}

GhClient *
gh_test_services_add_client (GhTestServices  *fixture,
                             const char      *client_id,
                             const char      *metadata_json,
                             char           **out_secret)
{
  return add_admin_client (fixture->clients, fixture->project, client_id, metadata_json,
                           out_secret);
}

GhIat *
gh_test_services_find_iat (GhTestServices *fixture,
                           const char     *id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = gh_iats_list (fixture->iats, fixture->project->id, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < list->len; i++)
    if (g_str_equal (((GhIat *) g_ptr_array_index (list, i))->id, id))
      return g_ptr_array_steal_index (list, i);
  g_assert_not_reached ();
}

GhUser *
gh_test_services_add_user (GhTestServices *fixture,
                           const char     *username)
{
  g_autoptr(GError) error = NULL;
  GhUser *user = gh_users_add (fixture->users, fixture->project, username, NULL, NULL, NULL,
                               "test", &error);

  g_assert_no_error (error);
  g_assert_nonnull (user);
  return user;
}

GhForm *
gh_test_form (const char * const *pairs)
{
  g_autofree char *text = gh_test_form_encode (pairs);
  g_autoptr(GError) error = NULL;
  GhForm *form = gh_form_parse (text, strlen (text), &error);

  g_assert_no_error (error);
  return form;
}

char *
gh_test_services_issue_code (GhTestServices  *fixture,
                             const char      *client_id,
                             const char      *redirect_uri,
                             const char      *scope,
                             const GhUser    *user,
                             char           **out_verifier)
{
  g_autofree char *verifier = NULL;
  g_autofree char *challenge = NULL;
  g_autoptr(GhForm) form = NULL;
  g_autoptr(GhAuthParams) params = NULL;
  g_autoptr(GError) error = NULL;
  char *code;

  gh_test_pkce_pair (&verifier, &challenge);
  form = gh_test_form (GH_TEST_PAIRS ("response_type", "code", "client_id", client_id,
                                      "redirect_uri", redirect_uri, "code_challenge", challenge,
                                      "code_challenge_method", "S256", "scope", scope));
  params = gh_authorization_check (fixture->authorization, fixture->project, form, NULL, NULL,
                                   &error);
  g_assert_no_error (error);
  code = gh_authorization_issue_code (fixture->authorization, fixture->project, params, user,
                                      gh_now_seconds (),
                                      GH_CONSENT_AUTO_APPROVED, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (code);
  if (out_verifier != NULL)
    *out_verifier = g_steal_pointer (&verifier);
  return code;
}
