/* test-admin-crud.c — the admin API's routes for what a project holds, over a real server:
 * project deletion, IATs, users, resources, signing keys and fix actions
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-admin-tokens.h"
#include "gh-cimd-resolver.h"
#include "gh-error.h"
#include "gh-test-process.h"
#include "gh-test-util.h"
#include "gh-test-web.h"

typedef struct
{
  GhTestServer server;
  char *token;  /* a valid admin token */
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhAdminToken) token = NULL;

  gh_test_server_setup (&fixture->server, data);
  token = gh_admin_tokens_create (gh_server_get_admin_tokens (fixture->server.server), "test", 0,
                                  "test", &fixture->token, &error);
  g_assert_no_error (error);
  g_assert_nonnull (token);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_pointer (&fixture->token, g_free);
  gh_test_server_teardown (&fixture->server, data);
}

/* One admin request with the fixture's token; @body: JSON text or NULL. */
static GhTestResponse *
admin (Fixture    *fixture,
       const char *method,
       const char *path,
       const char *body)
{
  g_autofree char *url = g_strconcat (fixture->server.issuer, path, NULL);
  g_autofree char *authorization = g_strconcat ("Bearer ", fixture->token, NULL);

  return gh_test_http (fixture->server.session, method, url,
                       GH_TEST_PAIRS ("Authorization", authorization),
                       body != NULL ? "application/json" : NULL, body);
}

/* The answer to a request that must succeed with @status, as JSON (NULL for 204). */
static JsonObject *
admin_ok (Fixture    *fixture,
          const char *method,
          const char *path,
          const char *body,
          guint       status)
{
  g_autoptr(GhTestResponse) response = admin (fixture, method, path, body);

  if (response->status != status)
    {
      g_autofree char *text = gh_test_response_text (response);

      g_error ("%s %s %s: %u, not %u: %s", method, path, body != NULL ? body : "",
               response->status, status, text);
    }
  g_assert_cmpstr (gh_test_response_header (response, "Cache-Control"), ==, "no-store");
  if (status == 204)
    {
      g_assert_true (response->body == NULL || g_bytes_get_size (response->body) == 0);
      return NULL;
    }
  return gh_test_response_json (response);
}

/* A request that must be refused with @status and @error, its description holding @says. */
static void
admin_refused (Fixture    *fixture,
               const char *method,
               const char *path,
               const char *body,
               guint       status,
               const char *error,
               const char *says)
{
  g_autoptr(GhTestResponse) response = admin (fixture, method, path, body);
  g_autoptr(JsonObject) object = NULL;

  g_autofree char *text = gh_test_response_text (response);

  g_test_message ("%s %s %s", method, path, body != NULL ? body : "");
  if (response->status != status)
    g_error ("%s %s %s: %u, not %u: %s", method, path, body != NULL ? body : "",
             response->status, status, text);
  object = gh_test_response_json (response);
  g_assert_cmpstr (json_object_get_string_member (object, "error"), ==, error);
  if (says != NULL &&
      strstr (json_object_get_string_member (object, "error_description"), says) == NULL)
    g_error ("“%s” does not say “%s”",
             json_object_get_string_member (object, "error_description"), says);
}

/* The element of @array whose string @member is @value, or NULL. */
static JsonObject *
find_element (JsonArray  *array,
              const char *member,
              const char *value)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *element = json_array_get_object_element (array, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (element, member, NULL),
                     value) == 0)
        return element;
    }
  return NULL;
}

/* Runs @sql on the server's store, with @text (or nothing) bound to its one parameter. */
static void
run_sql (Fixture    *fixture,
         const char *sql,
         const char *text)
{
  GhStore *store = gh_server_get_store (fixture->server.server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStmt) stmt = gh_store_prepare (store, sql, &error);

  g_assert_no_error (error);
  if (text != NULL)
    gh_stmt_bind_text (stmt, 1, text);
  g_assert_true (gh_store_step (store, stmt, NULL, &error));
  g_assert_no_error (error);
}

/* The newest event of @type: its actor, project_id (0 when null) and project_slug. */
static void
last_event (Fixture     *fixture,
            const char  *type,
            char       **actor,
            gint64      *project_id,
            char       **project_slug)
{
  GhStore *store = gh_server_get_store (fixture->server.server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStmt) stmt = NULL;
  gboolean row;

  stmt = gh_store_prepare (store, "SELECT actor, project_id, project_slug FROM audit_events "
                                  "WHERE type = ? ORDER BY id DESC LIMIT 1", &error);
  g_assert_no_error (error);
  gh_stmt_bind_text (stmt, 1, type);
  g_assert_true (gh_store_step (store, stmt, &row, &error));
  g_assert_true (row);
  *actor = g_strdup (gh_stmt_column_text (stmt, 0));
  *project_id = sqlite3_column_int64 (stmt, 1);
  *project_slug = g_strdup (gh_stmt_column_text (stmt, 2));
}

/* Asserts the newest @type event was made through the admin API. */
static void
assert_admin_event (Fixture    *fixture,
                    const char *type)
{
  g_autofree char *actor = NULL;
  g_autofree char *slug = NULL;
  gint64 project_id;

  last_event (fixture, type, &actor, &project_id, &slug);
  g_assert_cmpstr (actor, ==, "admin-api");
}

/* DELETE /admin/v1/projects/{slug}: everything goes, the event stays with the slug and no
 * project id; the default project is refused with a reason. */
static void
test_project_delete (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(JsonObject) created = NULL;
  g_autoptr(JsonObject) deleted = NULL;
  g_autoptr(JsonObject) iat = NULL;
  g_autoptr(JsonObject) recreated = NULL;
  g_autoptr(JsonObject) users = NULL;
  g_autofree char *actor = NULL;
  g_autofree char *slug = NULL;
  JsonObject *removed;
  gint64 project_id;

  created = admin_ok (fixture, "POST", "/admin/v1/projects", "{\"slug\":\"team\"}", 201);
  iat = admin_ok (fixture, "POST", "/admin/v1/projects/team/iats", "{}", 201);
  g_clear_pointer (&iat, json_object_unref);
  iat = admin_ok (fixture, "POST", "/admin/v1/projects/team/users",
                  "{\"username\":\"alice\"}", 201);
  g_clear_pointer (&iat, json_object_unref);
  iat = admin_ok (fixture, "POST", "/admin/v1/projects/team/resources",
                  "{\"uri\":\"https://mcp.example/\"}", 201);

  deleted = admin_ok (fixture, "DELETE", "/admin/v1/projects/team", NULL, 200);
  g_assert_cmpstr (json_object_get_string_member (deleted, "deleted"), ==, "team");
  removed = json_object_get_object_member (deleted, "removed");
  g_assert_cmpint (json_object_get_int_member (removed, "users"), ==, 2);  /* dev, alice */
  g_assert_cmpint (json_object_get_int_member (removed, "resources"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (removed, "initial_access_tokens"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (removed, "clients"), ==, 0);

  last_event (fixture, "project.deleted", &actor, &project_id, &slug);
  g_assert_cmpstr (actor, ==, "admin-api");
  g_assert_cmpint (project_id, ==, 0);
  g_assert_cmpstr (slug, ==, "team");

  admin_refused (fixture, "GET", "/admin/v1/projects/team", NULL, 404, "not_found", NULL);
  admin_refused (fixture, "DELETE", "/admin/v1/projects/team", NULL, 404, "not_found", NULL);
  admin_refused (fixture, "DELETE", "/admin/v1/projects/Bad_Slug", NULL, 404, "not_found", NULL);
  admin_refused (fixture, "DELETE", "/admin/v1/projects/default", NULL, 409, "conflict",
                 "default project cannot be deleted");
  g_assert_true (gh_projects_exists (gh_server_get_projects (fixture->server.server),
                                     "default"));

  /* A project made again under the slug starts empty. */
  recreated = admin_ok (fixture, "POST", "/admin/v1/projects", "{\"slug\":\"team\"}", 201);
  users = admin_ok (fixture, "GET", "/admin/v1/projects/team/users", NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (users, "users")), ==,
                    1);
}

/* The IAT whose id is @id in the list. */
static JsonObject *
listed_iat (Fixture    *fixture,
            const char *id,
            char      **text)
{
  g_autoptr(GhTestResponse) response = admin (fixture, "GET", "/admin/v1/projects/default/iats",
                                              NULL);
  g_autoptr(JsonObject) list = NULL;
  JsonObject *iat;

  g_assert_cmpuint (response->status, ==, 200);
  list = gh_test_response_json (response);
  *text = gh_test_response_text (response);
  iat = find_element (json_object_get_array_member (list, "initial_access_tokens"), "id", id);
  g_assert_nonnull (iat);
  return json_object_ref (iat);
}

static void
test_iats (Fixture       *fixture,
           gconstpointer  data)
{
  static const char *bad[][2] = {
    { "{\"max_uses\":0}", "max_uses" },
    { "{\"max_uses\":\"3\"}", "max_uses" },
    { "{\"max_uses\":1.5}", "max_uses" },
    { "{\"expires_in\":-1}", "expires_in" },
    { "{\"expires_in\":99999999}", "expires_in" },
    { "{\"label\":5}", "label" },
    { "{\"pinned\":\"scope\"}", "pinned" },
    { "{\"pinned\":{\"colour\":\"red\"}}", "colour" },
    { "{\"pinned\":{\"application_type\":\"robot\"}}", "application_type" },
    { "{\"token\":\"mine\"}", "token" },
    { "[1]", NULL },
  };
  g_autoptr(JsonObject) issued = NULL;
  g_autoptr(JsonObject) listed = NULL;
  g_autoptr(JsonObject) later = NULL;
  g_autoptr(JsonObject) revoked = NULL;
  g_autoptr(JsonObject) other = NULL;
  g_autoptr(GhTestResponse) registered = NULL;
  g_autofree char *text = NULL;
  g_autofree char *bearer = NULL;
  g_autofree char *register_url = NULL;
  JsonObject *iat;
  const char *token;
  const char *id;

  issued = admin_ok (fixture, "POST", "/admin/v1/projects/default/iats",
                     "{\"label\":\"ci\",\"max_uses\":1,\"expires_in\":600,"
                     "\"pinned\":{\"application_type\":\"native\"}}", 201);
  token = json_object_get_string_member (issued, "token");
  g_assert_true (g_str_has_prefix (token, "iatk_"));
  /* dcr_mode is open in the development profile: the answer says the token waits for it. */
  g_assert_nonnull (strstr (json_object_get_string_member (issued, "note"), "dcr_mode"));
  iat = json_object_get_object_member (issued, "initial_access_token");
  id = json_object_get_string_member (iat, "id");
  g_assert_cmpstr (json_object_get_string_member (iat, "state"), ==, "active");
  g_assert_cmpstr (json_object_get_string_member (iat, "label"), ==, "ci");
  g_assert_cmpint (json_object_get_int_member (iat, "uses_left"), ==, 1);
  assert_admin_event (fixture, "iat.issued");

  /* Listed, never with its token. */
  listed = listed_iat (fixture, id, &text);
  g_assert_null (strstr (text, token));
  g_assert_null (strstr (text, token + strlen ("iatk_")));
  g_assert_false (json_object_has_member (listed, "token"));
  g_assert_cmpstr (json_object_get_string_member (listed, "state"), ==, "active");
  g_assert_false (json_object_has_member (listed, "last_used_at"));
  g_clear_pointer (&text, g_free);

  /* Used once: exhausted, with its last use. */
  gh_test_server_set (&fixture->server, "dcr_mode", "initial_access_token");
  bearer = g_strconcat ("Bearer ", token, NULL);
  register_url = g_strconcat (fixture->server.issuer, "/register", NULL);
  registered = gh_test_http (fixture->server.session, "POST", register_url,
                             GH_TEST_PAIRS ("Authorization", bearer), "application/json",
                             "{\"redirect_uris\":[\"http://127.0.0.1/cb\"],"
                             "\"token_endpoint_auth_method\":\"none\"}");
  g_assert_cmpuint (registered->status, ==, 201);
  later = listed_iat (fixture, id, &text);
  g_assert_cmpstr (json_object_get_string_member (later, "state"), ==, "exhausted");
  g_assert_cmpint (json_object_get_int_member (later, "uses_left"), ==, 0);
  g_assert_true (json_object_has_member (later, "last_used_at"));
  g_clear_pointer (&text, g_free);

  /* Revoked. */
  {
    g_autofree char *path = g_strconcat ("/admin/v1/projects/default/iats/", id, NULL);
    g_autoptr(JsonObject) none = admin_ok (fixture, "DELETE", path, NULL, 204);

    g_assert_null (none);
    assert_admin_event (fixture, "iat.revoked");
    revoked = listed_iat (fixture, id, &text);
    g_assert_cmpstr (json_object_get_string_member (revoked, "state"), ==, "revoked");
    admin_refused (fixture, "DELETE", path, NULL, 404, "not_found", NULL);
  }

  /* Expired. */
  {
    g_autoptr(JsonObject) expired = NULL;
    g_autofree char *expired_text = NULL;
    const char *other_id;

    other = admin_ok (fixture, "POST", "/admin/v1/projects/default/iats", NULL, 201);
    other_id = json_object_get_string_member (json_object_get_object_member (
                                                other, "initial_access_token"), "id");
    run_sql (fixture, "UPDATE initial_access_tokens SET expires_at = 1 WHERE id = ?", other_id);
    expired = listed_iat (fixture, other_id, &expired_text);
    g_assert_cmpstr (json_object_get_string_member (expired, "state"), ==, "expired");
  }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    admin_refused (fixture, "POST", "/admin/v1/projects/default/iats", bad[i][0], 400,
                   "invalid_request", bad[i][1]);
  admin_refused (fixture, "DELETE", "/admin/v1/projects/default/iats/iat_nothing", NULL, 404,
                 "not_found", NULL);
  admin_refused (fixture, "GET", "/admin/v1/projects/nowhere/iats", NULL, 404, "not_found",
                 NULL);
  admin_refused (fixture, "POST", "/admin/v1/projects/nowhere/iats", "{}", 404, "not_found",
                 NULL);
}

static void
test_users (Fixture       *fixture,
            gconstpointer  data)
{
  static const char *bad[][2] = {
    { "{}", "username" },
    { "{\"username\":\"has space\"}", "user name" },
    { "{\"username\":7}", "username" },
    { "{\"username\":\"bob\",\"claims\":\"x\"}", "claims" },
    { "{\"username\":\"bob\",\"claims\":{\"sub\":\"x\"}}", "sub" },
    { "{\"username\":\"bob\",\"password\":\"secret\"}", "password" },
    { "{\"username\":\"bob\",\"email\":[\"a\"]}", "email" },
  };
  g_autoptr(JsonObject) alice = NULL;
  g_autoptr(JsonObject) list = NULL;
  g_autoptr(JsonObject) patched = NULL;
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(GhTestResponse) raw = NULL;
  g_autofree char *raw_text = NULL;
  JsonObject *listed;

  alice = admin_ok (fixture, "POST", "/admin/v1/projects/default/users",
                    "{\"username\":\"alice\",\"name\":\"Alice\",\"email\":\"a@example.com\","
                    "\"claims\":{\"team\":\"blue\"}}", 201);
  g_assert_cmpstr (json_object_get_string_member (alice, "username"), ==, "alice");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (alice,
                                                                                 "claims"),
                                                  "team"), ==, "blue");
  assert_admin_event (fixture, "user.created");
  admin_refused (fixture, "POST", "/admin/v1/projects/default/users", "{\"username\":\"alice\"}",
                 409, "conflict", "alice");
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    admin_refused (fixture, "POST", "/admin/v1/projects/default/users", bad[i][0], 400,
                   "invalid_request", bad[i][1]);

  raw = admin (fixture, "GET", "/admin/v1/projects/default/users", NULL);
  g_assert_cmpuint (raw->status, ==, 200);
  list = gh_test_response_json (raw);
  listed = find_element (json_object_get_array_member (list, "users"), "username", "alice");
  g_assert_nonnull (listed);
  g_assert_cmpstr (json_object_get_string_member (listed, "email"), ==, "a@example.com");
  raw_text = gh_test_response_text (raw);
  g_assert_null (strstr (raw_text, "password"));
  g_assert_null (strstr (raw_text, "hash"));

  patched = admin_ok (fixture, "PATCH", "/admin/v1/projects/default/users/alice",
                      "{\"email\":\"alice@example.com\",\"claims\":{\"team\":\"red\"}}", 200);
  g_assert_cmpstr (json_object_get_string_member (patched, "email"), ==, "alice@example.com");
  g_assert_cmpstr (json_object_get_string_member (patched, "name"), ==, "Alice");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (patched,
                                                                                 "claims"),
                                                  "team"), ==, "red");
  assert_admin_event (fixture, "user.updated");
  {
    g_autoptr(JsonObject) details = gh_test_server_last_audit (&fixture->server,
                                                               "user.updated");

    g_assert_true (gh_test_json_array_has (details, "changed", "email"));
    g_assert_true (gh_test_json_array_has (details, "changed", "claims"));
    g_assert_false (gh_test_json_array_has (details, "changed", "name"));
  }
  admin_refused (fixture, "PATCH", "/admin/v1/projects/default/users/alice", "{}", 400,
                 "invalid_request", NULL);
  admin_refused (fixture, "PATCH", "/admin/v1/projects/default/users/alice",
                 "{\"name\":3}", 400, "invalid_request", "name");
  admin_refused (fixture, "PATCH", "/admin/v1/projects/default/users/alice",
                 "{\"username\":\"bob\"}", 400, "invalid_request", "username");
  admin_refused (fixture, "PATCH", "/admin/v1/projects/default/users/alice",
                 "{\"claims\":{\"iss\":\"x\"}}", 400, "invalid_request", "iss");
  admin_refused (fixture, "PATCH", "/admin/v1/projects/default/users/nobody",
                 "{\"name\":\"N\"}", 404, "not_found", NULL);
  admin_refused (fixture, "PATCH", "/admin/v1/projects/default/users/bad%20name",
                 "{\"name\":\"N\"}", 404, "not_found", NULL);

  /* The auto-approval user stays until the setting names another. */
  gh_test_server_set (&fixture->server, "auto_approve_user", "alice");
  admin_refused (fixture, "DELETE", "/admin/v1/projects/default/users/alice", NULL, 409,
                 "conflict", "auto_approve_user");
  gh_test_server_set (&fixture->server, "auto_approve_user", "");
  again = admin_ok (fixture, "DELETE", "/admin/v1/projects/default/users/alice", NULL, 204);
  assert_admin_event (fixture, "user.removed");
  admin_refused (fixture, "DELETE", "/admin/v1/projects/default/users/alice", NULL, 404,
                 "not_found", NULL);
}

static void
test_resources (Fixture       *fixture,
                gconstpointer  data)
{
  static const char *bad[][4] = {
    { "{}", "400", "invalid_request", "uri" },
    { "{\"uri\":\"not a uri\"}", "400", "invalid_target", NULL },
    { "{\"uri\":\"https://x.example/#frag\"}", "400", "invalid_target", NULL },
    { "{\"uri\":\"https://x.example/\",\"scopes\":\"a b\"}", "400", "invalid_request", "scopes" },
    { "{\"uri\":\"https://x.example/\",\"scopes\":[1]}", "400", "invalid_request", "scopes" },
    { "{\"uri\":\"https://x.example/\",\"owner\":\"me\"}", "400", "invalid_request", "owner" },
    { "{\"uri\":\"https://mcp.example/\"}", "409", "conflict", "already" },
  };
  g_autoptr(JsonObject) added = NULL;
  g_autoptr(JsonObject) list = NULL;
  g_autoptr(JsonObject) after = NULL;
  g_autoptr(JsonObject) none = NULL;
  g_autofree char *path = NULL;
  JsonObject *listed;

  added = admin_ok (fixture, "POST", "/admin/v1/projects/default/resources",
                    "{\"uri\":\"https://mcp.example/\",\"display_name\":\"MCP\","
                    "\"scopes\":[\"tools.read\",\"tools.write\"]}", 201);
  g_assert_cmpint (json_object_get_int_member (added, "id"), >, 0);
  g_assert_true (gh_test_json_array_has (added, "scopes", "tools.write"));
  assert_admin_event (fixture, "resource.added");
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    admin_refused (fixture, "POST", "/admin/v1/projects/default/resources", bad[i][0],
                   atoi (bad[i][1]), bad[i][2], bad[i][3]);

  list = admin_ok (fixture, "GET", "/admin/v1/projects/default/resources", NULL, 200);
  listed = find_element (json_object_get_array_member (list, "resources"), "uri",
                         "https://mcp.example/");
  g_assert_nonnull (listed);
  g_assert_cmpint (json_object_get_int_member (listed, "id"), ==,
                   json_object_get_int_member (added, "id"));

  path = g_strdup_printf ("/admin/v1/projects/default/resources/%" G_GINT64_FORMAT,
                          json_object_get_int_member (added, "id"));
  none = admin_ok (fixture, "DELETE", path, NULL, 204);
  assert_admin_event (fixture, "resource.removed");
  after = admin_ok (fixture, "GET", "/admin/v1/projects/default/resources", NULL, 200);
  g_assert_null (find_element (json_object_get_array_member (after, "resources"), "uri",
                               "https://mcp.example/"));
  admin_refused (fixture, "DELETE", path, NULL, 404, "not_found", NULL);
  admin_refused (fixture, "DELETE", "/admin/v1/projects/default/resources/abc", NULL, 404,
                 "not_found", NULL);
  admin_refused (fixture, "DELETE", "/admin/v1/projects/nowhere/resources/1", NULL, 404,
                 "not_found", NULL);
}

static void
test_keys (Fixture       *fixture,
           gconstpointer  data)
{
  static const char *bad[][2] = {
    { "{\"alg\":\"HS256\"}", "alg" },
    { "{\"alg\":256}", "alg" },
    { "{\"activate_after\":-1}", "activate_after" },
    { "{\"activate_after\":\"5\"}", "activate_after" },
    { "{\"colour\":\"red\"}", "colour" },
  };
  g_autoptr(JsonObject) before = NULL;
  g_autoptr(JsonObject) rotated = NULL;
  g_autoptr(JsonObject) after = NULL;
  g_autoptr(JsonObject) details = NULL;
  g_autoptr(JsonObject) cli_details = NULL;
  g_autofree char *old_kid = NULL;
  g_autofree char *out = NULL;
  JsonArray *keys;
  JsonObject *old_key, *new_key, *verifies;
  const char *new_kid;

  before = admin_ok (fixture, "GET", "/admin/v1/keys", NULL, 200);
  keys = json_object_get_array_member (before, "keys");
  g_assert_cmpuint (json_array_get_length (keys), ==, 1);
  old_key = json_array_get_object_element (keys, 0);
  old_kid = g_strdup (json_object_get_string_member (old_key, "kid"));
  g_assert_cmpstr (json_object_get_string_member (old_key, "state"), ==, "active");
  g_assert_cmpstr (json_object_get_string_member (old_key, "alg"), ==, "ES256");
  g_assert_true (json_object_get_null_member (old_key, "retired_at"));
  verifies = json_object_get_object_member (old_key, "verifies");
  g_assert_true (json_object_get_null_member (verifies, "signed_until"));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    admin_refused (fixture, "POST", "/admin/v1/keys/rotate", bad[i][0], 400, "invalid_request",
                   bad[i][1]);

  /* The first key signed for a while (a key replaced in the second it began is "unused"). */
  run_sql (fixture, "UPDATE signing_keys SET active_from = active_from - 100", NULL);
  rotated = admin_ok (fixture, "POST", "/admin/v1/keys/rotate",
                      "{\"alg\":\"RS256\",\"activate_after\":0}", 201);
  new_kid = json_object_get_string_member (rotated, "kid");
  g_assert_cmpstr (new_kid, !=, old_kid);
  g_assert_true (gh_test_json_array_has (rotated, "retired_kids", old_kid));

  details = gh_test_server_last_audit (&fixture->server, "key.rotated");
  g_assert_cmpstr (json_object_get_string_member (details, "kid"), ==, new_kid);
  g_assert_cmpstr (json_object_get_string_member (details, "retired_kid"), ==, old_kid);
  assert_admin_event (fixture, "key.rotated");

  after = admin_ok (fixture, "GET", "/admin/v1/keys", NULL, 200);
  keys = json_object_get_array_member (after, "keys");
  g_assert_cmpuint (json_array_get_length (keys), ==, 2);
  old_key = find_element (keys, "kid", old_kid);
  new_key = find_element (keys, "kid", new_kid);
  g_assert_cmpstr (json_object_get_string_member (new_key, "state"), ==, "active");
  g_assert_cmpstr (json_object_get_string_member (new_key, "alg"), ==, "RS256");
  /* The old key signs no more, and verifies what it signed until its tokens have expired. */
  g_assert_cmpstr (json_object_get_string_member (old_key, "state"), ==, "published");
  g_assert_cmpstr (json_object_get_string_member (old_key, "phase"), ==, "retired");
  verifies = json_object_get_object_member (old_key, "verifies");
  g_assert_cmpint (json_object_get_int_member (verifies, "signed_until"), ==,
                   json_object_get_int_member (old_key, "retired_at"));
  g_assert_cmpint (json_object_get_int_member (verifies, "until"), >,
                   json_object_get_int_member (old_key, "retired_at"));

  /* Retired past its last token: no longer published, verifies nothing. */
  {
    g_autoptr(JsonObject) later = NULL;
    JsonObject *gone;

    run_sql (fixture, "UPDATE signing_keys SET expires_at = 2 WHERE kid = ?", old_kid);
    later = admin_ok (fixture, "GET", "/admin/v1/keys", NULL, 200);
    gone = find_element (json_object_get_array_member (later, "keys"), "kid", old_kid);
    g_assert_cmpstr (json_object_get_string_member (gone, "state"), ==, "retired");
    g_assert_true (json_object_get_null_member (gone, "verifies"));
  }

  /* The CLI's rotation records key.rotated too. */
  g_assert_cmpint (GH_TEST_CLI (gh_test_server_binary (), fixture->server.dir, &out,
                                "keys", "rotate", "--activate-after", "60"), ==, 0);
  cli_details = gh_test_server_last_audit (&fixture->server, "key.rotated");
  g_assert_cmpstr (json_object_get_string_member (cli_details, "retired_kid"), ==, new_kid);
  {
    g_autofree char *actor = NULL;
    g_autofree char *slug = NULL;
    gint64 project_id;

    last_event (fixture, "key.rotated", &actor, &project_id, &slug);
    g_assert_cmpstr (actor, ==, "cli");
  }
}

/* POSTs @fix to the default project's fixes; asserts 200 and whether it @changed anything. */
static JsonObject *
apply_fix (Fixture    *fixture,
           const char *fix,
           gboolean    changed)
{
  JsonObject *answer = admin_ok (fixture, "POST", "/admin/v1/projects/default/fixes", fix, 200);

  g_assert_cmpint (json_object_get_boolean_member (answer, "changed"), ==, changed);
  g_assert_nonnull (json_object_get_string_member (answer, "message"));
  return answer;
}

static guint
register_status (Fixture    *fixture,
                 const char *redirect_uri)
{
  g_autofree char *url = g_strconcat (fixture->server.issuer, "/register", NULL);
  g_autofree char *body = g_strdup_printf ("{\"redirect_uris\":[\"%s\"],"
                                           "\"token_endpoint_auth_method\":\"none\"}",
                                           redirect_uri);
  g_autoptr(GhTestResponse) response = gh_test_http (fixture->server.session, "POST", url, NULL,
                                                     "application/json", body);

  return response->status;
}

static void
test_fixes (Fixture       *fixture,
            gconstpointer  data)
{
  static const char *bad[][4] = {
    { "{}", "400", "invalid_request", "action" },
    { "{\"action\":7}", "400", "invalid_request", "action" },
    { "{\"action\":\"delete_everything\"}", "400", "invalid_request", "delete_everything" },
    { "{\"action\":\"allow_redirect_scheme\"}", "400", "invalid_request", "scheme" },
    { "{\"action\":\"allow_redirect_scheme\",\"scheme\":\"\"}", "400", "invalid_request",
      "scheme" },
    { "{\"action\":\"allow_redirect_scheme\",\"scheme\":[\"x\"]}", "400", "invalid_request",
      "scheme" },
    { "{\"action\":\"allow_redirect_scheme\",\"scheme\":\"x\",\"colour\":\"red\"}", "400",
      "invalid_request", "colour" },
    { "{\"action\":\"allow_redirect_scheme\",\"scheme\":\"javascript\"}", "400",
      "invalid_request", NULL },
    { "{\"action\":\"set_setting\",\"key\":\"colour\",\"value\":\"red\"}", "400",
      "invalid_request", "colour" },
    { "{\"action\":\"set_setting\",\"key\":\"access_token_ttl\",\"value\":\"1\"}", "400",
      "invalid_request", "access_token_ttl" },
    { "{\"action\":\"add_resource\",\"resource\":\"no uri\"}", "400", "invalid_target", NULL },
    { "{\"action\":\"add_redirect_uri\",\"client_id\":\"nobody\","
      "\"redirect_uri\":\"https://x.example/cb\"}", "404", "not_found", NULL },
    { "{\"action\":\"add_redirect_uri\",\"client_id\":\"app\","
      "\"redirect_uri\":\"ftp://x.example/cb\"}", "400", "invalid_redirect_uri", NULL },
    { "{\"action\":\"refresh_client\",\"client_id\":\"app\"}", "409", "conflict", "CIMD" },
    { "{\"action\":\"refresh_client\",\"client_id\":\"https://nowhere.example/c\"}", "404",
      "not_found", NULL },
  };
  g_autoptr(JsonObject) scheme = NULL;
  g_autoptr(JsonObject) scheme_again = NULL;
  g_autoptr(JsonObject) setting = NULL;
  g_autoptr(JsonObject) resource = NULL;
  g_autoptr(JsonObject) resource_again = NULL;
  g_autoptr(JsonObject) resources = NULL;
  g_autoptr(JsonObject) redirect = NULL;
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GhClient) client = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *change;

  gh_test_server_add_client (&fixture->server, "app",
                             "{\"redirect_uris\":[\"https://app.example/cb\"]}");
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    admin_refused (fixture, "POST", "/admin/v1/projects/default/fixes", bad[i][0],
                   atoi (bad[i][1]), bad[i][2], bad[i][3]);
  admin_refused (fixture, "POST", "/admin/v1/projects/nowhere/fixes",
                 "{\"action\":\"add_resource\",\"resource\":\"https://x.example/\"}", 404,
                 "not_found", NULL);

  /* allow_redirect_scheme: a DCR registration with the scheme passes afterwards. */
  g_assert_cmpuint (register_status (fixture, "myapp:/callback"), ==, 400);
  scheme = apply_fix (fixture, "{\"action\":\"allow_redirect_scheme\",\"scheme\":\"myapp\"}",
                      TRUE);
  change = json_array_get_object_element (json_object_get_array_member (scheme, "changes"), 0);
  g_assert_cmpstr (json_object_get_string_member (change, "key"), ==, "redirect_schemes");
  assert_admin_event (fixture, "project.settings_changed");
  g_assert_cmpuint (register_status (fixture, "myapp:/callback"), ==, 201);
  scheme_again = apply_fix (fixture,
                            "{\"action\":\"allow_redirect_scheme\",\"scheme\":\"myapp\"}", FALSE);
  project = gh_test_server_project (&fixture->server);
  g_assert_true (g_strv_contains ((const char * const *) project->settings->redirect_schemes,
                                  "cursor"));

  /* set_setting: its cascade applies. */
  gh_test_server_set (&fixture->server, "mcp_enabled", "false");
  gh_test_server_set (&fixture->server, "cimd_enabled", "false");
  setting = apply_fix (fixture, "{\"action\":\"set_setting\",\"key\":\"mcp_enabled\","
                                "\"value\":\"true\"}", TRUE);
  g_assert_nonnull (find_element (json_object_get_array_member (setting, "changes"), "key",
                                  "cimd_enabled"));
  g_clear_pointer (&project, gh_project_free);
  project = gh_test_server_project (&fixture->server);
  g_assert_true (project->settings->cimd_enabled);

  /* add_resource: listed afterwards. */
  resource = apply_fix (fixture, "{\"action\":\"add_resource\","
                                 "\"resource\":\"https://tools.example/mcp\"}", TRUE);
  resources = admin_ok (fixture, "GET", "/admin/v1/projects/default/resources", NULL, 200);
  g_assert_nonnull (find_element (json_object_get_array_member (resources, "resources"), "uri",
                                  "https://tools.example/mcp"));
  assert_admin_event (fixture, "resource.added");
  resource_again = apply_fix (fixture, "{\"action\":\"add_resource\","
                                       "\"resource\":\"https://tools.example/mcp\"}", FALSE);

  /* add_redirect_uri: the client has it afterwards. */
  redirect = apply_fix (fixture, "{\"action\":\"add_redirect_uri\",\"client_id\":\"app\","
                                 "\"redirect_uri\":\"http://127.0.0.1/other\"}", TRUE);
  g_assert_true (gh_test_json_array_has (json_object_get_object_member (redirect, "client"),
                                         "redirect_uris", "http://127.0.0.1/other"));
  client = gh_clients_get (gh_server_get_clients (fixture->server.server), project->id, "app",
                           &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains ((const char * const *) client->redirect_uris,
                                  "http://127.0.0.1/other"));
  g_assert_true (g_strv_contains ((const char * const *) client->redirect_uris,
                                  "https://app.example/cb"));
  assert_admin_event (fixture, "oauth_client.updated");
}

/* A CIMD document at @path of @web naming @redirect_uri; returns its URL. */
static char *
publish (GhTestWeb  *web,
         const char *path,
         const char *redirect_uri)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u%s", web->port, path);
  g_autofree char *text = g_strdup_printf ("{\"client_id\":\"%s\",\"client_name\":\"Doc\","
                                           "\"redirect_uris\":[\"%s\"],"
                                           "\"token_endpoint_auth_method\":\"none\"}",
                                           url, redirect_uri);

  gh_test_web_route (web, path, 200, "application/json", text, NULL);
  return g_steal_pointer (&url);
}

/* refresh_client: an imported CIMD client's document fetched again and applied; a client
 * registered here is refused (409), and add_redirect_uri refuses a CIMD client. */
static void
test_fix_refresh_client (Fixture       *fixture,
                         gconstpointer  data)
{
  GhTestWeb *web = gh_test_web_new (NULL);
  GhServer *server = fixture->server.server;
  g_autoptr(GhProject) project = gh_test_server_project (&fixture->server);
  g_autoptr(JsonObject) metadata = NULL;
  g_autoptr(JsonObject) validated = NULL;
  g_autoptr(GhClient) imported = NULL;
  g_autoptr(GhClient) after = NULL;
  g_autoptr(JsonObject) same = NULL;
  g_autoptr(JsonObject) refreshed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = publish (web, "/client.json", "http://127.0.0.1/one");
  g_autofree char *fix = g_strdup_printf ("{\"action\":\"refresh_client\",\"client_id\":\"%s\"}",
                                          url);
  g_autofree char *redirect_fix = g_strdup_printf ("{\"action\":\"add_redirect_uri\","
                                                   "\"client_id\":\"%s\","
                                                   "\"redirect_uri\":\"http://127.0.0.1/x\"}",
                                                   url);

  /* Imported as `cimd import` does. */
  metadata = gh_test_parse_object ("{\"redirect_uris\":[\"http://127.0.0.1/one\"],"
                                   "\"client_name\":\"Doc\","
                                   "\"token_endpoint_auth_method\":\"none\"}");
  validated = gh_client_metadata_validate (metadata, project->settings, "none", &error);
  g_assert_no_error (error);
  imported = gh_clients_create (gh_server_get_clients (server), project, url,
                                GH_CLIENT_SOURCE_CIMD, validated, NULL, "test", &error);
  g_assert_no_error (error);

  admin_refused (fixture, "POST", "/admin/v1/projects/default/fixes", redirect_fix, 409,
                 "conflict", "CIMD");

  same = apply_fix (fixture, fix, TRUE);  /* the import's copy lacked the document's members */
  g_assert_cmpuint (gh_test_web_hits (web, "/client.json"), ==, 1);

  g_free (publish (web, "/client.json", "http://127.0.0.1/two"));
  refreshed = apply_fix (fixture, fix, TRUE);
  g_assert_cmpuint (gh_test_web_hits (web, "/client.json"), ==, 2);
  g_assert_true (gh_test_json_array_has (refreshed, "changed_members", "redirect_uris"));
  g_assert_true (json_object_get_boolean_member (refreshed, "consents_reset"));
  g_assert_true (json_object_get_boolean_member (refreshed, "imported"));
  assert_admin_event (fixture, "oauth_client.updated");
  after = gh_clients_get (gh_server_get_clients (server), project->id, url, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (after->redirect_uris[0], ==, "http://127.0.0.1/two");

  /* A document that fails a check keeps the stored copy. */
  gh_test_web_route (web, "/client.json", 404, "text/plain", "gone", NULL);
  admin_refused (fixture, "POST", "/admin/v1/projects/default/fixes", fix, 409, "conflict",
                 "stored copy is kept");
  g_clear_pointer (&after, gh_client_free);
  after = gh_clients_get (gh_server_get_clients (server), project->id, url, &error);
  g_assert_cmpstr (after->redirect_uris[0], ==, "http://127.0.0.1/two");
  gh_test_web_free (web);
}

/* refresh_client for a URL client only fetched (at /authorize, never imported): the
 * resolver's cache takes the new document, drops the consents it no longer covers
 * (oauth_client.cimd_changed) and the answer says so. */
static void
test_fix_refresh_fetched_client (Fixture       *fixture,
                                 gconstpointer  data)
{
  GhTestWeb *web = gh_test_web_new (NULL);
  GhServer *server = fixture->server.server;
  g_autoptr(GhProject) project = gh_test_server_project (&fixture->server);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GhCimdReport) report = NULL;
  g_autoptr(GhClient) after = NULL;
  g_autoptr(JsonObject) refreshed = NULL;
  g_autoptr(JsonObject) changed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = publish (web, "/fetched.json", "http://127.0.0.1/one");
  g_autofree char *fix = g_strdup_printf ("{\"action\":\"refresh_client\",\"client_id\":\"%s\"}",
                                          url);

  gh_cimd_resolver_resolve_async (gh_server_get_cimd_resolver (server), project, url,
                                  GH_CIMD_RESOLVE_NONE, NULL, NULL, gh_test_async_ready, &result);
  report = gh_cimd_resolver_resolve_finish (gh_server_get_cimd_resolver (server),
                                            gh_test_async_wait (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpint (gh_cimd_report_get_verdict (report), !=, GH_CIMD_FAIL);
  g_assert_false (gh_clients_is_registered (gh_server_get_clients (server), project->id, url));

  g_free (publish (web, "/fetched.json", "http://127.0.0.1/two"));
  refreshed = apply_fix (fixture, fix, TRUE);
  g_assert_cmpuint (gh_test_web_hits (web, "/fetched.json"), ==, 2);
  g_assert_false (json_object_get_boolean_member (refreshed, "imported"));
  g_assert_true (json_object_get_boolean_member (refreshed, "consents_reset"));
  g_assert_true (gh_test_json_array_has (refreshed, "changed_members", "redirect_uris"));
  changed = gh_test_server_last_audit (&fixture->server, "oauth_client.cimd_changed");
  g_assert_true (gh_test_json_array_has (changed, "changed", "redirect_uris"));
  after = gh_clients_get (gh_server_get_clients (server), project->id, url, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (after->redirect_uris[0], ==, "http://127.0.0.1/two");
  gh_test_web_free (web);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/server/admin-crud/project-delete", test_project_delete);
  ADD ("/server/admin-crud/iats", test_iats);
  ADD ("/server/admin-crud/users", test_users);
  ADD ("/server/admin-crud/resources", test_resources);
  ADD ("/server/admin-crud/keys", test_keys);
  ADD ("/server/admin-crud/fixes", test_fixes);
  ADD ("/server/admin-crud/fix-refresh-client", test_fix_refresh_client);
  ADD ("/server/admin-crud/fix-refresh-fetched-client", test_fix_refresh_fetched_client);
#undef ADD

  return g_test_run ();
}
