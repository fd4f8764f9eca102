/* test-admin-clients.c — the admin API's clients and CIMD routes over a real server: register,
 * list, show, delete, import, refresh with its diff, and the CIMD preview's report
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The documents come from a server on 127.0.0.1 (development projects have
 * allow_loopback_cimd on).
 */

#include "config.h"

#include <string.h>

#include "gh-admin-tokens.h"
#include "gh-test-util.h"
#include "gh-test-web.h"

#define CALLBACK "http://127.0.0.1/callback"

typedef struct
{
  GhTestServer ts;
  char *token;
  GhTestWeb *documents;
  char *documents_base;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhAdminToken) token = NULL;

  gh_test_server_setup (&fixture->ts, data);
  token = gh_admin_tokens_create (gh_server_get_admin_tokens (fixture->ts.server), "test", 0,
                                  "test", &fixture->token, &error);
  g_assert_no_error (error);
  fixture->documents = gh_test_web_new (NULL);
  fixture->documents_base = g_strdup_printf ("http://127.0.0.1:%u", fixture->documents->port);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_pointer (&fixture->documents, gh_test_web_free);
  g_free (fixture->documents_base);
  g_clear_pointer (&fixture->token, g_free);
  gh_test_server_teardown (&fixture->ts, data);
}

/* One admin request with the fixture's token; @body: JSON text or NULL. */
static GhTestResponse *
admin (Fixture    *fixture,
       const char *method,
       const char *path,
       const char *body)
{
  g_autofree char *url = g_strconcat (fixture->ts.issuer, path, NULL);
  g_autofree char *authorization = g_strconcat ("Bearer ", fixture->token, NULL);

  return gh_test_http (fixture->ts.session, method, url,
                       GH_TEST_PAIRS ("Authorization", authorization),
                       body != NULL ? "application/json" : NULL, body);
}

/* admin(), asserting @status; the answer's JSON object (NULL for a 204). */
static JsonObject *
admin_json (Fixture    *fixture,
            const char *method,
            const char *path,
            const char *body,
            guint       status)
{
  g_autoptr(GhTestResponse) response = admin (fixture, method, path, body);

  if (response->status != status)
    g_test_message ("%s %s: %u %.*s", method, path, response->status,
                    (int) g_bytes_get_size (response->body),
                    (const char *) g_bytes_get_data (response->body, NULL));
  g_assert_cmpuint (response->status, ==, status);
  g_assert_cmpstr (gh_test_response_header (response, "Cache-Control"), ==, "no-store");
  if (status == 204)
    return NULL;
  return gh_test_response_json (response);
}

/* Asserts the call answers @status with the error @error whose description has @says. */
static void
assert_refused (Fixture    *fixture,
                const char *method,
                const char *path,
                const char *body,
                guint       status,
                const char *error,
                const char *says)
{
  g_autoptr(JsonObject) object = admin_json (fixture, method, path, body, status);

  if (error != NULL)
    g_assert_cmpstr (json_object_get_string_member (object, "error"), ==, error);
  if (says != NULL && strstr (json_object_get_string_member (object, "error_description"),
                              says) == NULL)
    g_error ("“%s” does not say “%s”",
             json_object_get_string_member (object, "error_description"), says);
}

/* Publishes a client's document at @path (client_id: its URL, or @client_id); its URL. */
static char *
publish (Fixture    *fixture,
         const char *path,
         const char *client_id,
         const char *client_name,
         const char *redirect_uri)
{
  g_autofree char *url = g_strconcat (fixture->documents_base, path, NULL);
  g_autofree char *text =
    g_strdup_printf ("{\"client_id\": \"%s\", \"client_name\": \"%s\", "
                     "\"redirect_uris\": [\"%s\"], \"token_endpoint_auth_method\": \"none\"}",
                     client_id != NULL ? client_id : url, client_name, redirect_uri);

  gh_test_web_route (fixture->documents, path, 200, "application/json", text,
                     "Cache-Control", "max-age=600", "ETag", "\"v1\"", NULL);
  return g_steal_pointer (&url);
}

/* The check @id of a report (asserts there is one). */
static JsonObject *
find_check (JsonObject *report,
            const char *id)
{
  JsonArray *checks = json_object_get_array_member (report, "checks");

  for (guint i = 0; i < json_array_get_length (checks); i++)
    {
      JsonObject *check = json_array_get_object_element (checks, i);

      if (g_str_equal (json_object_get_string_member (check, "id"), id))
        return check;
    }
  g_error ("The report has no check %s", id);
  return NULL;
}

static void
assert_check (JsonObject *report,
              const char *id,
              const char *status,
              const char *phase)
{
  JsonObject *check = find_check (report, id);

  g_assert_cmpstr (json_object_get_string_member (check, "status"), ==, status);
  g_assert_cmpstr (json_object_get_string_member (check, "phase"), ==, phase);
  g_assert_true (json_object_has_member (check, "expected"));
  g_assert_true (json_object_has_member (check, "clause"));
}

/* The number @sql counts in the server's store. */
static guint
count_rows (Fixture    *fixture,
            const char *sql)
{
  GhStore *store = gh_server_get_store (fixture->ts.server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStmt) stmt = gh_store_prepare (store, sql, &error);
  gboolean row = FALSE;

  g_assert_no_error (error);
  g_assert_true (gh_store_step (store, stmt, &row, &error));
  g_assert_true (row);
  return sqlite3_column_int (stmt, 0);
}

static guint
cached_documents (Fixture *fixture)
{
  return count_rows (fixture, "SELECT count(*) FROM cimd_cache");
}

/* A path below /admin/v1/projects/default/clients/ for @client_id, percent-encoded. */
static char *
client_path (const char *client_id,
             const char *suffix)
{
  g_autofree char *escaped = g_uri_escape_string (client_id, NULL, FALSE);

  return g_strconcat ("/admin/v1/projects/default/clients/", escaped, suffix, NULL);
}

/* --- pre-registered clients ----------------------------------------------------------------- */

static void
test_register_list_show_delete (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(JsonObject) created = NULL;
  g_autoptr(JsonObject) public = NULL;
  g_autoptr(JsonObject) list = NULL;
  g_autoptr(JsonObject) filtered = NULL;
  g_autoptr(JsonObject) searched = NULL;
  g_autoptr(JsonObject) shown = NULL;
  g_autoptr(JsonObject) details = NULL;
  g_autofree char *client_id = NULL;
  g_autofree char *actor = NULL;
  JsonArray *clients;
  JsonObject *first;

  /* A confidential client: its secret is in this answer only. */
  created = admin_json (fixture, "POST", "/admin/v1/projects/default/clients",
                        "{\"client_id\": \"backend\", \"client_name\": \"Back End\", "
                        "\"redirect_uris\": [\"https://app.example/cb\"], "
                        "\"token_endpoint_auth_method\": \"client_secret_basic\"}", 201);
  g_assert_cmpstr (json_object_get_string_member (created, "client_id"), ==, "backend");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (created, "client_secret"), ""));
  g_assert_cmpuint (strlen (json_object_get_string_member (created, "client_secret")), >=, 32);
  g_assert_cmpstr (json_object_get_string_member (created, "source"), ==, "pre-registered");
  /* A public one, its client_id made up. */
  public = admin_json (fixture, "POST", "/admin/v1/projects/default/clients",
                       "{\"client_name\": \"Tool\", \"redirect_uris\": [\"" CALLBACK "\"]}", 201);
  g_assert_false (json_object_has_member (public, "client_secret"));

  list = admin_json (fixture, "GET", "/admin/v1/projects/default/clients", NULL, 200);
  clients = json_object_get_array_member (list, "clients");
  g_assert_cmpuint (json_array_get_length (clients), ==, 2);
  first = json_array_get_object_element (clients, 0);
  g_assert_cmpstr (json_object_get_string_member (first, "client_id"), ==, "backend");
  g_assert_cmpstr (json_object_get_string_member (first, "source"), ==, "pre-registered");
  g_assert_cmpstr (json_object_get_string_member (first, "client_name"), ==, "Back End");
  g_assert_cmpstr (json_object_get_string_member (first, "token_endpoint_auth_method"), ==,
                   "client_secret_basic");
  g_assert_cmpstr (json_array_get_string_element (
                     json_object_get_array_member (first, "redirect_uris"), 0), ==,
                   "https://app.example/cb");
  g_assert_true (json_object_has_member (first, "grant_types"));
  g_assert_true (json_object_has_member (first, "scope"));
  g_assert_cmpint (json_object_get_int_member (first, "created_at"), >, 0);
  g_assert_true (json_object_get_null_member (first, "last_seen_at"));
  g_assert_false (json_object_has_member (first, "client_secret"));

  filtered = admin_json (fixture, "GET", "/admin/v1/projects/default/clients?source=dcr", NULL,
                         200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (filtered, "clients")),
                    ==, 0);
  searched = admin_json (fixture, "GET", "/admin/v1/projects/default/clients?q=back+END", NULL,
                         200);
  clients = json_object_get_array_member (searched, "clients");
  g_assert_cmpuint (json_array_get_length (clients), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (clients, 0),
                                                  "client_id"), ==, "backend");

  shown = admin_json (fixture, "GET", "/admin/v1/projects/default/clients/backend", NULL, 200);
  g_assert_cmpstr (json_object_get_string_member (shown, "origin"), ==, "pre-registered");
  g_assert_true (json_object_get_boolean_member (shown, "confidential"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (shown,
                                                                                 "metadata"),
                                                  "client_name"), ==, "Back End");
  g_assert_false (json_object_has_member (shown, "cimd"));

  g_clear_pointer (&shown, json_object_unref);
  shown = admin_json (fixture, "DELETE", "/admin/v1/projects/default/clients/backend", NULL, 204);
  details = gh_test_last_audit (gh_server_get_store (fixture->ts.server),
                                "oauth_client.deleted", &client_id, &actor);
  g_assert_cmpstr (client_id, ==, "backend");
  g_assert_cmpstr (actor, ==, "admin-api");
  assert_refused (fixture, "GET", "/admin/v1/projects/default/clients/backend", NULL, 404,
                  "not_found", "backend");
  assert_refused (fixture, "DELETE", "/admin/v1/projects/default/clients/backend", NULL, 404,
                  "not_found", NULL);
}

static void
test_register_bad_inputs (Fixture       *fixture,
                          gconstpointer  data)
{
  const char *path = "/admin/v1/projects/default/clients";
  g_autoptr(JsonObject) created = NULL;

  assert_refused (fixture, "POST", path, "{\"redirect_uris\": [\"" CALLBACK "\"], \"colour\": 1}",
                  400, "invalid_request", "colour");
  assert_refused (fixture, "POST", path, "{\"redirect_uris\": [\"ftp://x.example/cb\"]}", 400,
                  "invalid_redirect_uri", NULL);
  assert_refused (fixture, "POST", path, "{\"client_id\": 7, \"redirect_uris\": [\"" CALLBACK
                  "\"]}", 400, "invalid_request", "client_id");
  assert_refused (fixture, "POST", path, "{\"client_id\": \"https://x.example/c\", "
                  "\"redirect_uris\": [\"" CALLBACK "\"]}", 400, NULL, NULL);
  assert_refused (fixture, "POST", path, "[1]", 400, "invalid_request", "JSON object");
  created = admin_json (fixture, "POST", path, "{\"client_id\": \"twice\", \"redirect_uris\": "
                        "[\"" CALLBACK "\"]}", 201);
  assert_refused (fixture, "POST", path, "{\"client_id\": \"twice\", \"redirect_uris\": [\""
                  CALLBACK "\"]}", 409, "conflict", NULL);
  assert_refused (fixture, "GET", "/admin/v1/projects/default/clients?source=admin", NULL, 400,
                  "invalid_request", "source");
  assert_refused (fixture, "GET", "/admin/v1/projects/default/clients?sort=name", NULL, 400,
                  "invalid_request", "sort");
  assert_refused (fixture, "GET", "/admin/v1/projects/default/clients?q=a&q=b", NULL, 400,
                  "invalid_request", "more than once");
  assert_refused (fixture, "GET", "/admin/v1/projects/nowhere/clients", NULL, 404, "not_found",
                  NULL);
  assert_refused (fixture, "PUT", path, "{}", 405, NULL, NULL);
  assert_refused (fixture, "POST", "/admin/v1/projects/default/clients/twice", "{}", 405, NULL,
                  "refresh");
}

/* The list counts each client's failures of the last 24 hours, and ?deleted=true adds the
 * deleted clients' tombstones (when, by whom), matched by ?q= too. */
static void
test_failures_and_tombstones (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autoptr(JsonObject) created = NULL;
  g_autoptr(JsonObject) kept = NULL;
  g_autoptr(JsonObject) list = NULL;
  g_autoptr(JsonObject) shown = NULL;
  g_autoptr(JsonObject) deleted = NULL;
  g_autoptr(JsonObject) searched = NULL;
  g_autoptr(GhTestResponse) refused = NULL;
  g_autofree char *url = NULL;
  JsonArray *clients;
  JsonArray *tombstones;
  JsonObject *tombstone;

  created = admin_json (fixture, "POST", "/admin/v1/projects/default/clients",
                        "{\"client_id\": \"gone\", \"client_name\": \"Gone Tool\", "
                        "\"redirect_uris\": [\"" CALLBACK "\"]}", 201);
  kept = admin_json (fixture, "POST", "/admin/v1/projects/default/clients",
                     "{\"client_id\": \"kept\", \"redirect_uris\": [\"" CALLBACK "\"]}",
                     201);
  /* A real refusal: /authorize with a redirect URI the client did not register. */
  url = g_strconcat (fixture->ts.issuer, "/authorize?response_type=code&client_id=gone&"
                     "redirect_uri=http%3A%2F%2F127.0.0.1%2Fother&code_challenge="
                     "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
                     NULL);
  refused = gh_test_http (fixture->ts.session, "GET", url, NULL, NULL, NULL);
  g_assert_cmpuint (refused->status, ==, 400);

  list = admin_json (fixture, "GET", "/admin/v1/projects/default/clients", NULL, 200);
  clients = json_object_get_array_member (list, "clients");
  g_assert_cmpuint (json_array_get_length (clients), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (clients, 0),
                                               "failures_24h"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (clients, 1),
                                               "failures_24h"), ==, 0);
  g_assert_false (json_object_has_member (list, "tombstones"));
  shown = admin_json (fixture, "GET", "/admin/v1/projects/default/clients/gone", NULL, 200);
  g_assert_cmpint (json_object_get_int_member (shown, "failures_24h"), ==, 1);

  g_assert_null (admin_json (fixture, "DELETE", "/admin/v1/projects/default/clients/gone",
                             NULL, 204));
  deleted = admin_json (fixture, "GET", "/admin/v1/projects/default/clients?deleted=true", NULL,
                        200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (deleted, "clients")),
                    ==, 1);
  tombstones = json_object_get_array_member (deleted, "tombstones");
  g_assert_cmpuint (json_array_get_length (tombstones), ==, 1);
  tombstone = json_array_get_object_element (tombstones, 0);
  g_assert_cmpstr (json_object_get_string_member (tombstone, "client_id"), ==, "gone");
  g_assert_cmpstr (json_object_get_string_member (tombstone, "client_name"), ==, "Gone Tool");
  g_assert_cmpstr (json_object_get_string_member (tombstone, "deleted_by"), ==, "admin-api");
  g_assert_cmpint (json_object_get_int_member (tombstone, "deleted_at"), >, 0);

  searched = admin_json (fixture, "GET", "/admin/v1/projects/default/clients?deleted=true&"
                         "q=kept", NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (searched,
                                                                         "tombstones")), ==, 0);
  assert_refused (fixture, "GET", "/admin/v1/projects/default/clients?deleted=yes", NULL, 400,
                  "invalid_request", "deleted");
}

/* --- the CIMD preview ----------------------------------------------------------------------- */

static JsonObject *
resolve (Fixture    *fixture,
         const char *url,
         gboolean    bypass_cache)
{
  g_autofree char *body = g_strdup_printf ("{\"url\": \"%s\", \"bypass_cache\": %s}", url,
                                           bypass_cache ? "true" : "false");

  return admin_json (fixture, "POST", "/admin/v1/projects/default/cimd/resolve", body, 200);
}

/* A good document: every check, the addresses with their verdicts, the timings, the cache
 * record, an excerpt, the document; nothing cached, nothing recorded. */
static void
test_resolve_report (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *url = publish (fixture, "/clients/tool.json", NULL, "Tool", CALLBACK);
  g_autoptr(JsonObject) report = resolve (fixture, url, FALSE);
  g_autoptr(JsonObject) again = NULL;
  JsonObject *network = json_object_get_object_member (report, "network");
  JsonObject *timings = json_object_get_object_member (network, "timings_ms");
  JsonObject *cache = json_object_get_object_member (report, "cache");
  JsonObject *address;
  const char *phases[] = { "dns", "connect", "first_byte", "body", "total" };

  g_assert_true (json_object_get_boolean_member (report, "preview"));
  g_assert_true (json_object_get_boolean_member (report, "would_accept"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (report, "refused_by")),
                    ==, 0);
  g_assert_nonnull (strstr (json_object_get_string_member (report, "summary"), "accepts"));
  assert_check (report, "url.scheme", "warn", "url");
  assert_check (report, "network.peer", "pass", "fetch");
  assert_check (report, "http.status", "pass", "fetch");
  assert_check (report, "document.client_id", "pass", "document");
  assert_check (report, "document.metadata", "pass", "document");
  assert_check (report, "policy.cimd_enabled", "pass", "policy");
  assert_check (report, "policy.allow_loopback_cimd", "warn", "policy");
  g_assert_cmpstr (json_object_get_string_member (find_check (report, "policy.cimd_enabled"),
                                                  "setting"), ==, "cimd_enabled");

  address = json_array_get_object_element (json_object_get_array_member (network, "addresses"),
                                           0);
  g_assert_cmpstr (json_object_get_string_member (address, "address"), ==, "127.0.0.1");
  g_assert_nonnull (strstr (json_object_get_string_member (address, "range"), "loopback"));
  g_assert_true (g_str_has_prefix (json_object_get_string_member (address, "verdict"),
                                   "allowed"));
  g_assert_true (json_object_get_boolean_member (address, "connected"));
  for (guint i = 0; i < G_N_ELEMENTS (phases); i++)
    g_assert_cmpint (json_object_get_int_member (timings, phases[i]), >=, 0);
  g_assert_cmpint (json_object_get_int_member (timings, "tls"), ==, -1);  /* http */
  g_assert_cmpstr (json_object_get_string_member (network, "body_sniff"), ==, "JSON object");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (network, "body_excerpt"),
                                   "{\"client_id\""));
  g_assert_cmpint (json_object_get_int_member (network, "max_bytes"), ==, 5120);

  g_assert_cmpstr (json_object_get_string_member (cache, "result"), ==, "miss");
  g_assert_cmpint (json_object_get_int_member (cache, "ttl_s"), ==, 600);
  g_assert_nonnull (strstr (json_object_get_string_member (cache, "why"), "max-age"));
  g_assert_nonnull (strstr (json_object_get_string_member (cache, "why"), "preview stores"));
  g_assert_cmpstr (json_object_get_string_member (cache, "etag"), ==, "\"v1\"");
  g_assert_cmpint (json_object_get_int_member (cache, "age_s"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (cache, "next_revalidation_at"), >, 0);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (report,
                                                                                 "document"),
                                                  "client_name"), ==, "Tool");

  /* Nothing was kept: the next preview fetches again; no client, no event. */
  g_assert_cmpuint (cached_documents (fixture), ==, 0);
  again = resolve (fixture, url, FALSE);
  g_assert_cmpuint (gh_test_web_hits (fixture->documents, "/clients/tool.json"), ==, 2);
  g_assert_cmpuint (gh_test_server_count_audit (&fixture->ts, "oauth_client.cimd_fetched"), ==, 0);
  g_assert_cmpuint (gh_test_server_count_audit (&fixture->ts, "oauth_client.registered"), ==, 0);
}

/* A cached copy (from /authorize's resolution) is reported as a hit with its age and
 * validators, unless bypass_cache. */
static void
test_resolve_cache_hit (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *url = publish (fixture, "/clients/tool.json", NULL, "Tool", CALLBACK);
  g_autofree char *body = g_strdup_printf ("{\"url\": \"%s\"}", url);
  g_autoptr(JsonObject) hit = NULL;
  g_autoptr(JsonObject) bypassed = NULL;
  g_autoptr(JsonObject) imported = NULL;
  JsonObject *cache;

  imported = admin_json (fixture, "POST", "/admin/v1/projects/default/clients/import", body,
                         201);
  hit = resolve (fixture, url, FALSE);
  cache = json_object_get_object_member (hit, "cache");
  g_assert_cmpstr (json_object_get_string_member (cache, "result"), ==, "hit");
  g_assert_cmpstr (json_object_get_string_member (cache, "etag"), ==, "\"v1\"");
  g_assert_true (json_object_has_member (cache, "age_s"));
  g_assert_cmpuint (gh_test_web_hits (fixture->documents, "/clients/tool.json"), ==, 1);
  /* What a cache hit does not run is listed, skipped, with why. */
  assert_check (hit, "network.peer", "skip", "fetch");
  g_assert_nonnull (strstr (json_object_get_string_member (find_check (hit, "http.status"),
                                                           "message"), "cache"));

  bypassed = resolve (fixture, url, TRUE);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (bypassed,
                                                                                 "cache"),
                                                  "result"), ==, "bypassed");
  g_assert_cmpuint (gh_test_web_hits (fixture->documents, "/clients/tool.json"), ==, 2);
}

/* Failing answers: the failing check with what was expected and seen, the checks that could
 * not run skipped, a body excerpt with its sniff; no audit event, nothing cached. */
static void
test_resolve_failures (Fixture       *fixture,
                       gconstpointer  data)
{
  const struct {
    const char *path;
    guint status;
    const char *content_type;
    const char *body;
    const char *check;
    const char *actual;
    const char *sniff;
  } cases[] = {
    { "/missing.json", 404, "text/html", "<!DOCTYPE html><html><body>Not here</body></html>",
      "http.status", "404 Not Found", "HTML page" },
    { "/plain.json", 200, "text/plain", "{\"client_id\": \"x\"}", "http.content_type",
      "text/plain", "JSON object" },
    { "/page.json", 200, "text/html", "\n  <html><head><title>Sign in</title></head></html>",
      "http.content_type", "text/html", "HTML page" },
    { "/moved.json", 302, NULL, NULL, "http.redirect", "302, Location: /elsewhere.json",
      "empty" },
  };
  g_autofree char *other = g_strconcat (fixture->documents_base, "/other.json", NULL);
  g_autofree char *differs = publish (fixture, "/differs.json", other, "Tool", CALLBACK);
  g_autoptr(JsonObject) report = NULL;
  JsonObject *check;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *url = g_strconcat (fixture->documents_base, cases[i].path, NULL);
      g_autoptr(JsonObject) failed = NULL;
      JsonObject *network;

      g_test_message ("%s", cases[i].path);
      if (cases[i].status == 302)
        gh_test_web_route (fixture->documents, cases[i].path, cases[i].status, NULL, NULL,
                           "Location", "/elsewhere.json", NULL);
      else
        gh_test_web_route (fixture->documents, cases[i].path, cases[i].status,
                           cases[i].content_type, cases[i].body, NULL);
      failed = resolve (fixture, url, FALSE);
      g_assert_cmpstr (json_object_get_string_member (failed, "verdict"), ==, "fail");
      g_assert_false (json_object_get_boolean_member (failed, "would_accept"));
      g_assert_true (g_str_has_prefix (json_object_get_string_member (failed, "summary"),
                                       "Refused at "));
      check = find_check (failed, cases[i].check);
      g_assert_cmpstr (json_object_get_string_member (check, "status"), ==, "fail");
      g_assert_cmpstr (json_object_get_string_member (check, "actual"), ==, cases[i].actual);
      g_assert_nonnull (json_object_get_string_member (check, "expected"));
      assert_check (failed, "document.client_id", "skip", "document");
      network = json_object_get_object_member (failed, "network");
      g_assert_cmpstr (json_object_get_string_member (network, "body_sniff"), ==,
                       cases[i].sniff);
      if (cases[i].body != NULL)
        g_assert_true (g_str_has_prefix (cases[i].body,
                                         json_object_get_string_member (network,
                                                                        "body_excerpt")));
    }

  report = resolve (fixture, differs, FALSE);
  check = find_check (report, "document.client_id");
  g_assert_cmpstr (json_object_get_string_member (check, "status"), ==, "fail");
  g_assert_cmpstr (json_object_get_string_member (check, "expected"), ==, differs);
  g_assert_cmpstr (json_object_get_string_member (check, "actual"), ==, other);
  g_assert_cmpstr (json_object_get_string_member (check, "clause"), ==,
                   "draft-ietf-oauth-client-id-metadata-document, Client Metadata Document");
  assert_check (report, "document.redirect_uris", "pass", "document");

  g_assert_cmpuint (gh_test_server_count_audit (&fixture->ts, "oauth_client.cimd_fetch_failed"),
                    ==, 0);
  g_assert_cmpuint (cached_documents (fixture), ==, 0);
}

/* A refused answer whose body never ends: the excerpt is what came before the deadline, and
 * the preview ends with it. */
static void
test_resolve_endless_refused_body (Fixture       *fixture,
                                   gconstpointer  data)
{
  g_autofree char *url = g_strconcat (fixture->documents_base, "/endless.json", NULL);
  g_autoptr(JsonObject) report = NULL;
  GhTestRoute *route;
  JsonObject *network;
  gint64 start = g_get_monotonic_time ();

  gh_test_server_set (&fixture->ts, "cimd_timeout_ms", "300");
  route = gh_test_web_route (fixture->documents, "/endless.json", 200, "text/html", "", NULL);
  route->mode = GH_TEST_ROUTE_ENDLESS;
  report = resolve (fixture, url, FALSE);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
  assert_check (report, "http.content_type", "fail", "fetch");
  network = json_object_get_object_member (report, "network");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (network, "body_excerpt"),
                                   "{"));
  g_assert_cmpint (json_object_get_int_member (network, "size"), <, 256);
}

/* cimd_enabled off: every check still runs, and the setting is named; allow_loopback_cimd off:
 * the preview does not connect either, and says so. */
static void
test_resolve_settings_refuse (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *url = publish (fixture, "/clients/tool.json", NULL, "Tool", CALLBACK);
  g_autoptr(JsonObject) disabled = NULL;
  g_autoptr(JsonObject) loopback = NULL;
  g_autoptr(JsonObject) blocked = NULL;
  JsonArray *refused_by;

  gh_test_server_set (&fixture->ts, "cimd_enabled", "false");
  disabled = resolve (fixture, url, FALSE);
  g_assert_cmpuint (gh_test_web_hits (fixture->documents, "/clients/tool.json"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (disabled, "verdict"), ==, "fail");
  g_assert_false (json_object_get_boolean_member (disabled, "would_accept"));
  refused_by = json_object_get_array_member (disabled, "refused_by");
  g_assert_cmpuint (json_array_get_length (refused_by), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (refused_by, 0), ==, "cimd_enabled");
  g_assert_nonnull (strstr (json_object_get_string_member (disabled, "summary"),
                            "cimd_enabled"));
  assert_check (disabled, "policy.cimd_enabled", "fail", "policy");
  assert_check (disabled, "http.status", "pass", "fetch");
  assert_check (disabled, "document.metadata", "pass", "document");
  g_assert_nonnull (json_object_get_object_member (disabled, "document"));

  gh_test_server_set (&fixture->ts, "cimd_enabled", "true");
  gh_test_server_set (&fixture->ts, "cimd_blocked_domains", "127.0.0.1");
  blocked = resolve (fixture, url, FALSE);
  assert_check (blocked, "policy.domains", "fail", "policy");
  assert_check (blocked, "document.metadata", "pass", "document");
  g_assert_cmpstr (json_array_get_string_element (
                     json_object_get_array_member (blocked, "refused_by"), 0), ==,
                   "cimd_allowed_domains");

  gh_test_server_set (&fixture->ts, "cimd_blocked_domains", "");
  gh_test_server_set (&fixture->ts, "allow_loopback_cimd", "false");
  loopback = resolve (fixture, url, FALSE);
  g_assert_cmpuint (gh_test_web_hits (fixture->documents, "/clients/tool.json"), ==, 2);
  assert_check (loopback, "policy.allow_loopback_cimd", "fail", "policy");
  assert_check (loopback, "url.address", "fail", "url");
  assert_check (loopback, "network.peer", "skip", "fetch");
  assert_check (loopback, "document.client_id", "skip", "document");
  g_assert_false (json_object_has_member (loopback, "network"));
}

static void
test_resolve_bad_inputs (Fixture       *fixture,
                         gconstpointer  data)
{
  const char *path = "/admin/v1/projects/default/cimd/resolve";
  g_autoptr(JsonObject) syntax = NULL;

  assert_refused (fixture, "POST", path, "{}", 400, "invalid_request", "url");
  assert_refused (fixture, "POST", path, "{\"url\": 1}", 400, "invalid_request", "url");
  assert_refused (fixture, "POST", path, "{\"url\": \"https://a.example/c\", \"cache\": true}",
                  400, "invalid_request", "cache");
  assert_refused (fixture, "POST", path, "{\"url\": \"https://a.example/c\", "
                  "\"bypass_cache\": \"yes\"}", 400, "invalid_request", "bypass_cache");
  assert_refused (fixture, "POST", "/admin/v1/projects/nowhere/cimd/resolve",
                  "{\"url\": \"https://a.example/c\"}", 404, "not_found", NULL);
  assert_refused (fixture, "GET", path, NULL, 405, NULL, NULL);
  /* Not a URL at all: a report, which says so. */
  syntax = resolve (fixture, "not a url", FALSE);
  assert_check (syntax, "url.syntax", "fail", "url");
  assert_check (syntax, "document.json", "skip", "document");
}

/* --- import and refresh ---------------------------------------------------------------------- */

static void
test_import (Fixture       *fixture,
             gconstpointer  data)
{
  const char *path = "/admin/v1/projects/default/clients/import";
  g_autofree char *url = publish (fixture, "/clients/tool.json", NULL, "Tool", CALLBACK);
  g_autofree char *other = g_strconcat (fixture->documents_base, "/other.json", NULL);
  g_autofree char *differs = publish (fixture, "/differs.json", other, "Tool", CALLBACK);
  g_autofree char *body = g_strdup_printf ("{\"url\": \"%s\"}", url);
  g_autofree char *bad_body = g_strdup_printf ("{\"url\": \"%s\"}", differs);
  g_autofree char *shown_path = client_path (url, "");
  g_autoptr(JsonObject) imported = NULL;
  g_autoptr(JsonObject) twice = NULL;
  g_autoptr(JsonObject) refused = NULL;
  g_autoptr(JsonObject) list = NULL;
  g_autoptr(JsonObject) shown = NULL;
  JsonObject *client;
  JsonObject *cimd;

  imported = admin_json (fixture, "POST", path, body, 201);
  client = json_object_get_object_member (imported, "client");
  g_assert_cmpstr (json_object_get_string_member (client, "client_id"), ==, url);
  g_assert_cmpstr (json_object_get_string_member (client, "source"), ==, "cimd");
  g_assert_true (json_object_get_boolean_member (client, "imported"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (imported,
                                                                                 "report"),
                                                  "verdict"), ==, "warn");

  list = admin_json (fixture, "GET", "/admin/v1/projects/default/clients?source=cimd", NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (list, "clients")), ==, 1);
  shown = admin_json (fixture, "GET", shown_path, NULL, 200);
  g_assert_cmpstr (json_object_get_string_member (shown, "origin"), ==, "cimd (imported)");
  cimd = json_object_get_object_member (shown, "cimd");
  g_assert_cmpint (json_object_get_int_member (cimd, "ttl_s"), ==, 600);
  g_assert_cmpstr (json_object_get_string_member (cimd, "etag"), ==, "\"v1\"");
  g_assert_true (json_object_get_boolean_member (cimd, "fresh"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (cimd,
                                                                                 "document"),
                                                  "client_name"), ==, "Tool");

  /* The id as it is, not percent-encoded, names it too. */
  {
    g_autofree char *raw_path = g_strconcat ("/admin/v1/projects/default/clients/", url, NULL);
    g_autoptr(JsonObject) raw = admin_json (fixture, "GET", raw_path, NULL, 200);

    g_assert_cmpstr (json_object_get_string_member (raw, "client_id"), ==, url);
  }
  /* Again: 409, with the report. */
  twice = admin_json (fixture, "POST", path, body, 409);
  g_assert_cmpstr (json_object_get_string_member (twice, "error"), ==, "conflict");
  g_assert_true (json_object_has_member (twice, "report"));
  /* A refused document: 400 with the report. */
  refused = admin_json (fixture, "POST", path, bad_body, 400);
  g_assert_cmpstr (json_object_get_string_member (refused, "error"), ==,
                   "invalid_client_metadata");
  g_assert_nonnull (strstr (json_object_get_string_member (refused, "error_description"),
                            "document.client_id"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (refused,
                                                                                 "report"),
                                                  "verdict"), ==, "fail");
  assert_refused (fixture, "POST", path, "{\"url\": \"tool\"}", 400, "invalid_request", "URL");
  assert_refused (fixture, "POST", path, "{\"url\": \"https://a.example/c\", "
                  "\"bypass_cache\": true}", 400, "invalid_request", "bypass_cache");
}

/* Gives a user, alice, a consent to @client_id. */
static void
add_consent (Fixture    *fixture,
             const char *client_id)
{
  GhStore *store = gh_server_get_store (fixture->ts.server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStmt) stmt = NULL;

  gh_test_server_add_user (&fixture->ts, "alice", NULL, NULL);
  stmt = gh_store_prepare (store, "INSERT INTO consents (project_id, user_id, client_id, scopes, "
                                  "resources, created_at) SELECT project_id, id, ?, 'openid', "
                                  "'[]', 1 FROM users WHERE username = 'alice'", &error);
  g_assert_no_error (error);
  gh_stmt_bind_text (stmt, 1, client_id);
  g_assert_true (gh_store_step (store, stmt, NULL, &error));
  g_assert_no_error (error);
}

static guint
count_consents (Fixture *fixture)
{
  return count_rows (fixture, "SELECT count(*) FROM consents");
}

/* The change of one member in a refresh's diff (asserts there is one). */
static JsonObject *
find_change (JsonObject *refresh,
             const char *member)
{
  JsonArray *changes = json_object_get_array_member (refresh, "changes");

  for (guint i = 0; i < json_array_get_length (changes); i++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (changes, i),
                                                    "member"), member))
      return json_array_get_object_element (changes, i);
  g_error ("No change of %s", member);
  return NULL;
}

static void
test_refresh (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *url = publish (fixture, "/clients/tool.json", NULL, "Tool", CALLBACK);
  g_autofree char *body = g_strdup_printf ("{\"url\": \"%s\"}", url);
  g_autofree char *refresh_path = client_path (url, "/refresh");
  g_autofree char *apply_path = client_path (url, "/refresh?apply=true");
  g_autofree char *shown_path = client_path (url, "");
  g_autoptr(JsonObject) imported = NULL;
  g_autoptr(JsonObject) unchanged = NULL;
  g_autoptr(JsonObject) diff = NULL;
  g_autoptr(JsonObject) shown = NULL;
  g_autoptr(JsonObject) applied = NULL;
  g_autoptr(JsonObject) after = NULL;
  g_autoptr(JsonObject) pre = NULL;
  g_autoptr(JsonObject) details = NULL;
  JsonObject *change;
  JsonObject *consequences;

  imported = admin_json (fixture, "POST", "/admin/v1/projects/default/clients/import", body,
                         201);
  unchanged = admin_json (fixture, "POST", refresh_path, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (unchanged, "changes")),
                    ==, 0);

  /* The document changes its name and where it returns. */
  add_consent (fixture, url);
  g_free (publish (fixture, "/clients/tool.json", NULL, "Tool 2", "http://127.0.0.1/other"));
  diff = admin_json (fixture, "POST", refresh_path, NULL, 200);
  g_assert_false (json_object_get_boolean_member (diff, "applied"));
  change = find_change (diff, "client_name");
  g_assert_cmpstr (json_object_get_string_member (change, "old"), ==, "Tool");
  g_assert_cmpstr (json_object_get_string_member (change, "new"), ==, "Tool 2");
  change = find_change (diff, "redirect_uris");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (change, "old"),
                                                  0), ==, CALLBACK);
  consequences = json_object_get_object_member (diff, "consequences");
  g_assert_true (json_object_get_boolean_member (consequences, "consents_reset"));
  g_assert_cmpint (json_object_get_int_member (consequences, "consents_affected"), ==, 1);
  g_assert_false (json_object_get_boolean_member (consequences, "keys_changed"));
  g_assert_cmpint (json_object_get_int_member (consequences, "active_access_tokens"), ==, 0);
  /* Not applied: the client, its consent and the cache are as they were. */
  shown = admin_json (fixture, "GET", shown_path, NULL, 200);
  g_assert_cmpstr (json_object_get_string_member (shown, "client_name"), ==, "Tool");
  g_assert_cmpuint (count_consents (fixture), ==, 1);
  g_assert_cmpuint (gh_test_server_count_audit (&fixture->ts, "oauth_client.cimd_changed"), ==, 0);

  applied = admin_json (fixture, "POST", apply_path, NULL, 200);
  g_assert_true (json_object_get_boolean_member (applied, "applied"));
  find_change (applied, "redirect_uris");
  after = admin_json (fixture, "GET", shown_path, NULL, 200);
  g_assert_cmpstr (json_object_get_string_member (after, "client_name"), ==, "Tool 2");
  g_assert_cmpuint (count_consents (fixture), ==, 0);
  details = gh_test_last_audit (gh_server_get_store (fixture->ts.server),
                                "oauth_client.cimd_changed", NULL, NULL);
  g_assert_cmpint (json_object_get_int_member (details, "consents_deleted"), ==, 1);

  /* Not a CIMD client: 409; no client: 404; a bad query or body: 400. */
  pre = admin_json (fixture, "POST", "/admin/v1/projects/default/clients",
                    "{\"client_id\": \"tool\", \"redirect_uris\": [\"" CALLBACK "\"]}", 201);
  assert_refused (fixture, "POST", "/admin/v1/projects/default/clients/tool/refresh", NULL, 409,
                  "conflict", "not a CIMD client");
  assert_refused (fixture, "POST", "/admin/v1/projects/default/clients/none/refresh", NULL, 404,
                  "not_found", NULL);
  assert_refused (fixture, "POST", apply_path, "{\"force\": true}", 400, "invalid_request",
                  "force");
  {
    g_autofree char *bad_query = client_path (url, "/refresh?apply=yes");

    assert_refused (fixture, "POST", bad_query, NULL, 400, "invalid_request", "apply");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) \
  g_test_add ("/admin-clients/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("register-list-show-delete", test_register_list_show_delete);
  ADD ("register-bad-inputs", test_register_bad_inputs);
  ADD ("failures-and-tombstones", test_failures_and_tombstones);
  ADD ("resolve-report", test_resolve_report);
  ADD ("resolve-cache-hit", test_resolve_cache_hit);
  ADD ("resolve-failures", test_resolve_failures);
  ADD ("resolve-endless-refused-body", test_resolve_endless_refused_body);
  ADD ("resolve-settings-refuse", test_resolve_settings_refuse);
  ADD ("resolve-bad-inputs", test_resolve_bad_inputs);
  ADD ("import", test_import);
  ADD ("refresh", test_refresh);
#undef ADD

  return g_test_run ();
}
