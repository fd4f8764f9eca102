/* test-cimd-resolver.c — fetching Client ID Metadata Documents from a real HTTPS server on
 * 127.0.0.1, port 0, with a test CA made at run time
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <time.h>

#include "gh-cimd-resolver.h"
#include "gh-jwk.h"
#include "gh-test-tls.h"
#include "gh-test-util.h"
#include "gh-test-web.h"

/* --- a test CA and server certificates (tests/gh-test-tls.c) ------------------------------ */

static GhTestCertificates *certificates;
#define ca_path (certificates->ca_path)
#define localhost_cert (certificates->localhost)
#define wrong_name_cert (certificates->wrong_name)

/* --- a resolver that knows a few made-up names ------------------------------------------- */

typedef struct
{
  GResolver parent_instance;
} TestResolver;

typedef GResolverClass TestResolverClass;

static GType test_resolver_get_type (void);
G_DEFINE_TYPE (TestResolver, test_resolver, G_TYPE_RESOLVER)

static GList *
test_resolver_lookup (GResolver     *resolver,
                      const char    *hostname,
                      GCancellable  *cancellable,
                      GError       **error)
{
  static const struct {
    const char *name;
    const char *addresses;
  } names[] = {
    { "rebind.test", "127.0.0.1" },
    { "mixed.test", "93.184.216.34,10.0.0.1" },
    { "metadata.test", "169.254.169.254" },
    { "v6mapped.test", "::ffff:127.0.0.1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (hostname, names[i].name))
      {
        g_auto(GStrv) parts = g_strsplit (names[i].addresses, ",", -1);
        GList *list = NULL;

        for (guint j = 0; parts[j] != NULL; j++)
          list = g_list_append (list, g_inet_address_new_from_string (parts[j]));
        return list;
      }
  g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "no such test name %s",
               hostname);
  return NULL;
}

static void
test_resolver_lookup_async (GResolver           *resolver,
                            const char          *hostname,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);
  GError *error = NULL;
  GList *list = test_resolver_lookup (resolver, hostname, cancellable, &error);

  if (list != NULL)
    g_task_return_pointer (task, list, (GDestroyNotify) g_resolver_free_addresses);
  else
    g_task_return_error (task, error);
}

static GList *
test_resolver_lookup_finish (GResolver     *resolver,
                             GAsyncResult  *result,
                             GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_resolver_class_init (TestResolverClass *klass)
{
  klass->lookup_by_name = test_resolver_lookup;
  klass->lookup_by_name_async = test_resolver_lookup_async;
  klass->lookup_by_name_finish = test_resolver_lookup_finish;
}

static void
test_resolver_init (TestResolver *self)
{
}

/* --- the fixture ------------------------------------------------------------------------- */

typedef struct
{
  char *dir;
  GhStore *store;
  GhAudit *audit;
  GhProjects *projects;
  GhProject *project;
  GhCimdResolver *resolver;
  GhTestWeb *server;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) database = NULL;

  fixture->dir = gh_test_make_tmp_dir ("cimd-resolver");
  fixture->store = gh_store_open (fixture->dir, &error);
  g_assert_no_error (error);
  fixture->audit = gh_audit_new (fixture->store);
  fixture->projects = gh_projects_new (fixture->store, fixture->audit);
  fixture->project = gh_projects_create (fixture->projects, "cimd", "CIMD",
                                         GH_SETTINGS_PROFILE_DEVELOPMENT, "test", &error);
  g_assert_no_error (error);
  fixture->project->settings->cimd_enabled = TRUE;
  fixture->project->settings->allow_loopback_cimd = TRUE;
  fixture->project->settings->cimd_timeout_ms = 3000;

  database = g_tls_file_database_new (ca_path, &error);
  g_assert_no_error (error);
  fixture->resolver = gh_cimd_resolver_new (fixture->store, fixture->audit, database);
  fixture->server = gh_test_web_new (localhost_cert);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->resolver);
  g_clear_pointer (&fixture->server, gh_test_web_free);
  g_clear_pointer (&fixture->project, gh_project_free);
  g_clear_object (&fixture->projects);
  g_clear_object (&fixture->audit);
  g_clear_object (&fixture->store);
  gh_test_remove_tree (fixture->dir);
  g_free (fixture->dir);
}

static char *
url_for (Fixture    *fixture,
         const char *path)
{
  return g_strdup_printf ("https://localhost:%u%s", fixture->server->port, path);
}

/* A document for @path: its client_id, then @members (JSON members, "%s" = the URL). */
static char *
document_for (Fixture    *fixture,
              const char *path,
              const char *members)
{
  g_autofree char *url = url_for (fixture, path);
  g_autoptr(GString) text = g_string_new (NULL);

  g_string_append_printf (text, "{\"client_id\": \"%s\"", url);
  if (members != NULL && *members != '\0')
    {
      g_string_append (text, ", ");
      for (const char *p = members; *p != '\0'; p++)
        {
          if (p[0] == '%' && p[1] == 's')
            {
              g_string_append (text, url);
              p++;
            }
          else
            g_string_append_c (text, *p);
        }
    }
  g_string_append (text, "}");
  return g_string_free (g_steal_pointer (&text), FALSE);
}

#define GOOD_MEMBERS "\"client_name\": \"Test Client\", " \
                     "\"redirect_uris\": [\"http://127.0.0.1/callback\"], " \
                     "\"x_vendor_extension\": {\"kept\": true}"

static GhTestRoute *
good_route (Fixture    *fixture,
            const char *path,
            ...)
{
  g_autofree char *document = document_for (fixture, path, GOOD_MEMBERS);
  GhTestRoute *r;
  va_list args;

  va_start (args, path);
  r = gh_test_web_route_valist (fixture->server, path, 200, "application/json", document, args);
  va_end (args);
  return r;
}

typedef struct
{
  GhCimdReport *report;
  GError *error;
  gboolean done;
} Result;

static void
on_resolved (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Result *r = user_data;

  r->report = gh_cimd_resolver_resolve_finish (GH_CIMD_RESOLVER (source), result, &r->error);
  r->done = TRUE;
}

static GhCimdReport *
resolve_full (Fixture            *fixture,
              const GhProject    *project,
              const char         *url,
              GhCimdResolveFlags  flags,
              const char         *flow_id)
{
  Result r = { 0 };

  gh_cimd_resolver_resolve_async (fixture->resolver, project, url, flags, flow_id, NULL,
                                  on_resolved, &r);
  g_assert_true (gh_test_wait_for (&r.done, 10000));
  g_assert_no_error (r.error);
  g_assert_nonnull (r.report);
  if (g_test_verbose ())
    {
      g_autoptr(JsonObject) json = gh_cimd_report_to_json (r.report);
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), json);
      g_autofree char *text = json_to_string (node, TRUE);

      g_test_message ("%s", text);
    }
  return r.report;
}

static GhCimdReport *
resolve (Fixture    *fixture,
         const char *path,
         GhCimdResolveFlags flags)
{
  g_autofree char *url = url_for (fixture, path);

  return resolve_full (fixture, fixture->project, url, flags, NULL);
}

static void
assert_check (GhCimdReport *report,
              const char   *id,
              GhCimdStatus  expected)
{
  GhCimdStatus status;

  if (!gh_cimd_report_get_check_status (report, id, &status))
    g_error ("no check %s in the report for %s", id, gh_cimd_report_get_client_id (report));
  g_assert_cmpint (status, ==, expected);
}

/* The first FAIL is @id, and nothing was cached. */
static void
assert_fails (GhCimdReport *report,
              const char   *id)
{
  g_assert_cmpint (gh_cimd_report_get_verdict (report), ==, GH_CIMD_FAIL);
  g_assert_cmpstr (gh_cimd_report_get_failure_id (report), ==, id);
  g_assert_nonnull (gh_cimd_report_get_failure (report));
  g_assert_null (gh_cimd_report_get_document (report));
}

static gint64
count_rows (Fixture    *fixture,
            const char *sql,
            const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStmt) stmt = gh_store_prepare (fixture->store, sql, &error);
  gboolean row = FALSE;

  g_assert_no_error (error);
  gh_stmt_bind_text (stmt, 1, text);
  g_assert_true (gh_store_step (fixture->store, stmt, &row, &error));
  g_assert_true (row);
  return sqlite3_column_int64 (stmt, 0);
}

static gint64
count_events (Fixture    *fixture,
              const char *type)
{
  return count_rows (fixture, "SELECT count(*) FROM audit_events WHERE type = ?", type);
}

static gint64
count_cached (Fixture    *fixture,
              const char *url)
{
  return count_rows (fixture, "SELECT count(*) FROM cimd_cache WHERE client_id = ?", url);
}

/* --- the tests --------------------------------------------------------------------------- */

/* Also the TLS proof: a certificate for "localhost" served on 127.0.0.1, reached as
 * https://localhost:PORT through the pinned address, verifies against the host name. */
static void
test_valid_document (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *url = url_for (fixture, "/client.json");
  g_autoptr(GhCimdReport) report = NULL;
  g_autoptr(GhCimdReport) again = NULL;
  g_autoptr(JsonObject) cached = NULL;
  g_autoptr(JsonObject) json = NULL;
  g_autofree char *connected = NULL;
  JsonObject *document;
  JsonObject *network;

  good_route (fixture, "/client.json", NULL);
  report = resolve (fixture, "/client.json", GH_CIMD_RESOLVE_NONE);

  /* Loopback is only allowed by the project's opt-in, and the report says so. */
  g_assert_cmpint (gh_cimd_report_get_verdict (report), ==, GH_CIMD_WARN);
  assert_check (report, "address.loopback", GH_CIMD_WARN);
  assert_check (report, "network.peer", GH_CIMD_PASS);
  assert_check (report, "http.status", GH_CIMD_PASS);
  assert_check (report, "document.client_id", GH_CIMD_PASS);
  assert_check (report, "document.metadata", GH_CIMD_PASS);
  g_assert_null (gh_cimd_report_get_failure (report));

  document = gh_cimd_report_get_document (report);
  g_assert_nonnull (document);
  g_assert_cmpstr (json_object_get_string_member (document, "token_endpoint_auth_method"), ==,
                   "none");
  g_assert_true (json_object_has_member (document, "grant_types"));
  g_assert_true (json_object_has_member (gh_cimd_report_get_raw_document (report),
                                         "x_vendor_extension"));

  json = gh_cimd_report_to_json (report);
  network = json_object_get_object_member (json, "network");
  connected = g_strdup_printf ("127.0.0.1:%u", fixture->server->port);
  g_assert_cmpstr (json_object_get_string_member (network, "connected_address"), ==, connected);
  g_assert_cmpint (json_object_get_int_member (network, "status"), ==, 200);
  g_assert_cmpstr (json_object_get_string_member (network, "content_type"), ==,
                   "application/json");
  g_assert_true (json_object_has_member (network, "resolved_addresses"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (network,
                                                    "request_headers"), "accept"), ==,
                   "application/json");
  g_assert_true (json_object_has_member (json_object_get_object_member (network, "timings_ms"),
                                         "tls"));
  g_assert_true (json_object_get_boolean_member (
                   json_object_get_object_member (json_object_get_object_member (json, "document"),
                                                  "x_vendor_extension"), "kept"));
  g_assert_cmpstr (gh_cimd_report_get_cache_result (report), ==, "miss");
  g_assert_cmpint (gh_cimd_report_get_cache_ttl (report), ==, 3600);
  g_assert_cmpuint (gh_cimd_resolver_get_fetch_count (fixture->resolver), ==, 1);

  /* Fresh in the cache: no second fetch. */
  again = resolve (fixture, "/client.json", GH_CIMD_RESOLVE_NONE);
  g_assert_cmpint (gh_cimd_report_get_verdict (again), !=, GH_CIMD_FAIL);
  g_assert_cmpstr (gh_cimd_report_get_cache_result (again), ==, "hit");
  g_assert_cmpuint (gh_cimd_resolver_get_fetch_count (fixture->resolver), ==, 1);
  g_assert_cmpuint (gh_test_web_hits (fixture->server, "/client.json"), ==, 1);

  cached = gh_cimd_resolver_lookup_cached (fixture->resolver, fixture->project->id, url);
  g_assert_nonnull (cached);
  g_assert_cmpstr (json_object_get_string_member (cached, "client_name"), ==, "Test Client");
  g_assert_null (gh_cimd_resolver_lookup_cached (fixture->resolver, fixture->project->id,
                                                 "https://localhost:1/never.json"));
  g_assert_cmpint (count_events (fixture, "oauth_client.cimd_fetch_failed"), ==, 0);
}

static void
test_tls_name_mismatch (Fixture       *fixture,
                        gconstpointer  data)
{
  GhTestWeb *other = gh_test_web_new (wrong_name_cert);
  g_autofree char *url = g_strdup_printf ("https://localhost:%u/client.json", other->port);
  g_autoptr(GhCimdReport) report = NULL;

  report = resolve_full (fixture, fixture->project, url, GH_CIMD_RESOLVE_NONE, NULL);
  assert_fails (report, "fetch.tls");
  g_assert_cmpuint (other->requests, ==, 0);
  g_assert_cmpint (count_cached (fixture, url), ==, 0);
  gh_test_web_free (other);
}

/* http is accepted for a loopback host, with the opt-in, and the report says so. */
static void
test_plain_http_loopback (Fixture       *fixture,
                          gconstpointer  data)
{
  GhTestWeb *plain = gh_test_web_new (NULL);
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/client.json", plain->port);
  g_autofree char *body = g_strdup_printf ("{\"client_id\": \"%s\", "
                                           "\"redirect_uris\": [\"http://127.0.0.1/cb\"]}", url);
  g_autoptr(GhCimdReport) report = NULL;
  GhTestRoute *r = g_new0 (GhTestRoute, 1);

  r->status = 200;
  r->content_type = g_strdup ("application/json");
  r->body = g_bytes_new (body, strlen (body));
  g_hash_table_replace (plain->routes, g_strdup ("/client.json"), r);
  report = resolve_full (fixture, fixture->project, url, GH_CIMD_RESOLVE_NONE, NULL);
  g_assert_cmpint (gh_cimd_report_get_verdict (report), ==, GH_CIMD_WARN);
  assert_check (report, "url.scheme", GH_CIMD_WARN);
  assert_check (report, "address.loopback", GH_CIMD_WARN);
  g_assert_nonnull (gh_cimd_report_get_document (report));
  g_assert_cmpuint (plain->requests, ==, 1);
  gh_test_web_free (plain);
}

typedef struct
{
  const char *path;
  guint status;
  const char *content_type;
  const char *members;          /* NULL: the body is @raw_body */
  const char *raw_body;
  const char *failing_check;
  const char *message_part;     /* the failure message mentions this */
} BadRow;

static const BadRow bad_rows[] = {
  { "/not-found.json", 404, "application/json", GOOD_MEMBERS, NULL, "http.status", "404" },
  { "/error.json", 500, "application/json", GOOD_MEMBERS, NULL, "http.status", "500" },
  { "/html.json", 200, "text/html", GOOD_MEMBERS, NULL, "http.content_type", "text/html" },
  { "/plain.json", 200, "text/plain", GOOD_MEMBERS, NULL, "http.content_type", "raw" },
  { "/mismatch.json", 200, "application/json", NULL,
    "{\"client_id\": \"https://localhost/other.json\", "
    "\"redirect_uris\": [\"https://a.example/cb\"]}",
    "document.client_id", "byte for byte" },
  { "/basic.json", 200, "application/json",
    "\"redirect_uris\": [\"https://a.example/cb\"], "
    "\"token_endpoint_auth_method\": \"client_secret_basic\"",
    NULL, "document.token_endpoint_auth_method", "client_secret_basic" },
  { "/secret.json", 200, "application/json",
    "\"redirect_uris\": [\"https://a.example/cb\"], \"client_secret\": \"hunter2\"",
    NULL, "document.client_secret", "client_secret" },
  { "/duplicate.json", 200, "application/json",
    "\"redirect_uris\": [\"https://a.example/cb\"], \"redirect_uris\": [\"https://b.example/cb\"]",
    NULL, "document.json", "uplicate" },
  { "/private-jwk.json", 200, "application/json",
    "\"redirect_uris\": [\"https://a.example/cb\"], \"token_endpoint_auth_method\": "
    "\"private_key_jwt\", \"jwks\": {\"keys\": [{\"kty\": \"EC\", "
    "\"crv\": \"P-256\", \"x\": \"AA\", \"y\": \"AA\", \"d\": \"AA\"}]}",
    NULL, "document.jwks", "member “d”" },
  { "/cross-origin.json", 200, "application/json",
    "\"redirect_uris\": [\"https://a.example/cb\"], \"token_endpoint_auth_method\": "
    "\"private_key_jwt\", \"jwks_uri\": \"https://keys.example/jwks.json\"",
    NULL, "document.jwks_uri", "origin" },
  { "/no-keys.json", 200, "application/json",
    "\"redirect_uris\": [\"https://a.example/cb\"], "
    "\"token_endpoint_auth_method\": \"private_key_jwt\"",
    NULL, "document.jwks", "jwks_uri" },
  { "/no-redirects.json", 200, "application/json", "\"client_name\": \"x\"", NULL,
    "document.redirect_uris", "missing" },
  { "/empty-redirects.json", 200, "application/json", "\"redirect_uris\": []", NULL,
    "document.redirect_uris", "non-empty" },
  { "/bad-redirect.json", 200, "application/json",
    "\"redirect_uris\": [\"http://evil.example/cb\"]",
    NULL, "document.redirect_uris", "http" },
  { "/implicit.json", 200, "application/json",
    "\"redirect_uris\": [\"https://a.example/cb\"], \"response_types\": [\"token\"]",
    NULL, "document.metadata", "token" },
  { "/control-name.json", 200, "application/json",
    "\"redirect_uris\": [\"https://a.example/cb\"], \"client_name\": \"Evil\\u001fClient\"",
    NULL, "document.metadata", "control character" },
  { "/array.json", 200, "application/json", NULL, "[1, 2]", "document.json", NULL },
  { "/not-json.json", 200, "application/json", NULL, "client_id=x", "document.json", NULL },
};

/* One row per bad document or answer; none is cached, each records one audit event. */
static void
test_bad_answers (Fixture       *fixture,
                  gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_rows); i++)
    {
      const BadRow *row = &bad_rows[i];
      g_autofree char *url = url_for (fixture, row->path);
      g_autofree char *body = row->members != NULL ? document_for (fixture, row->path,
                                                                   row->members)
                                                   : g_strdup (row->raw_body);
      g_autofree char *flow = g_strdup_printf ("flow-%u", i);
      g_autoptr(GhCimdReport) report = NULL;

      g_test_message ("%s", row->path);
      gh_test_web_route (fixture->server, row->path, row->status, row->content_type, body, NULL);
      report = resolve_full (fixture, fixture->project, url, GH_CIMD_RESOLVE_NONE, flow);
      assert_fails (report, row->failing_check);
      if (row->message_part != NULL)
        g_assert_nonnull (strstr (gh_cimd_report_get_failure (report), row->message_part));
      g_assert_cmpint (count_cached (fixture, url), ==, 0);
      g_assert_null (gh_cimd_resolver_lookup_cached (fixture->resolver, fixture->project->id,
                                                     url));
      g_assert_cmpint (count_rows (fixture,
                                   "SELECT count(*) FROM audit_events WHERE "
                                   "type = 'oauth_client.cimd_fetch_failed' AND flow_id = ?",
                                   flow), ==, 1);
      g_assert_cmpint (count_rows (fixture,
                                   "SELECT count(*) FROM audit_events WHERE flow_id = ?1 AND "
                                   "json_extract (details, '$.check') IS NOT NULL AND "
                                   "client_id LIKE 'https://localhost:%'", flow), ==, 1);
    }
  g_assert_cmpint (count_events (fixture, "oauth_client.cimd_fetch_failed"), ==,
                   G_N_ELEMENTS (bad_rows));
}

static void
test_client_name_absent (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *body = document_for (fixture, "/nameless.json",
                                        "\"redirect_uris\": [\"https://a.example/cb\"]");
  g_autoptr(GhCimdReport) report = NULL;

  gh_test_web_route (fixture->server, "/nameless.json", 200, "application/json", body, NULL);
  report = resolve (fixture, "/nameless.json", GH_CIMD_RESOLVE_NONE);
  g_assert_cmpint (gh_cimd_report_get_verdict (report), ==, GH_CIMD_WARN);
  assert_check (report, "document.client_name", GH_CIMD_WARN);
  g_assert_nonnull (gh_cimd_report_get_document (report));
}

static void
test_same_origin_jwks_uri (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *body = NULL;
  g_autoptr(GhCimdReport) report = NULL;

  body = g_strdup_printf ("{\"client_id\": \"https://localhost:%u/pkjwt.json\", "
                          "\"redirect_uris\": [\"https://a.example/cb\"], "
                          "\"token_endpoint_auth_method\": \"private_key_jwt\", "
                          "\"jwks_uri\": \"https://localhost:%u/jwks.json\"}",
                          fixture->server->port, fixture->server->port);
  gh_test_web_route (fixture->server, "/pkjwt.json", 200, "application/json", body, NULL);
  report = resolve (fixture, "/pkjwt.json", GH_CIMD_RESOLVE_NONE);
  assert_check (report, "document.jwks_uri", GH_CIMD_PASS);
  g_assert_nonnull (gh_cimd_report_get_document (report));
  g_assert_cmpstr (json_object_get_string_member (gh_cimd_report_get_document (report),
                                                  "token_endpoint_auth_method"), ==,
                   "private_key_jwt");
}

static void
test_redirect_not_followed (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *target = url_for (fixture, "/target.json");
  g_autoptr(GhCimdReport) report = NULL;

  good_route (fixture, "/target.json", NULL);
  gh_test_web_route (fixture->server, "/moved.json", 302, NULL, NULL, "Location", target, NULL);
  report = resolve (fixture, "/moved.json", GH_CIMD_RESOLVE_NONE);
  assert_fails (report, "http.redirect");
  g_assert_nonnull (strstr (gh_cimd_report_get_failure (report), target));
  g_assert_cmpuint (gh_test_web_hits (fixture->server, "/target.json"), ==, 0);
}

static void
test_body_too_large (Fixture       *fixture,
                     gconstpointer  data)
{
  gsize size = 10 * 1024 * 1024;
  g_autofree char *big = g_malloc (size + 1);
  g_autoptr(GhCimdReport) report = NULL;
  gint64 start = g_get_monotonic_time ();

  memset (big, ' ', size);
  big[0] = '{';
  big[size] = '\0';
  gh_test_web_route (fixture->server, "/big.json", 200, "application/json", big, NULL);
  report = resolve (fixture, "/big.json", GH_CIMD_RESOLVE_NONE);
  assert_fails (report, "body.size");
  g_assert_cmpint (json_object_get_int_member (gh_cimd_report_get_network (report), "size"), ==,
                   fixture->project->settings->cimd_max_bytes + 1);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
}

static void
test_endless_and_slow_bodies (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *document = document_for (fixture, "/slow.json", GOOD_MEMBERS);
  GhTestRoute *r;

  fixture->project->settings->cimd_timeout_ms = 500;
  r = gh_test_web_route (fixture->server, "/endless.json", 200, "application/json", "", NULL);
  r->mode = GH_TEST_ROUTE_ENDLESS;
  r = gh_test_web_route (fixture->server, "/slow.json", 200, "application/json", document, NULL);
  r->mode = GH_TEST_ROUTE_SLOW;

  for (guint i = 0; i < 2; i++)
    {
      const char *path = i == 0 ? "/endless.json" : "/slow.json";
      g_autoptr(GhCimdReport) report = NULL;
      gint64 start = g_get_monotonic_time ();
      gint64 elapsed;

      report = resolve (fixture, path, GH_CIMD_RESOLVE_NONE);
      elapsed = g_get_monotonic_time () - start;
      assert_fails (report, "fetch.deadline");
      g_assert_cmpint (elapsed, >=, 450 * 1000);
      g_assert_cmpint (elapsed, <, 1500 * 1000);
    }
}

static void
test_cache_control (Fixture       *fixture,
                    gconstpointer  data)
{
  static const struct {
    const char *path;
    const char *cache_control;
    const char *age;
    gint64 ttl;
    const char *why_part;
  } rows[] = {
    { "/cc-short.json", "max-age=5", NULL, 60, "raised" },
    { "/cc-long.json", "public, max-age=99999999", NULL, 86400, "clamped to 86400 max" },
    { "/cc-age.json", "max-age=600", "100", 500, "minus Age 100" },
    { "/cc-shared.json", "s-maxage=9999, max-age=120", NULL, 120, "s-maxage ignored" },
    { "/cc-none.json", NULL, NULL, 3600, "default" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GhCimdReport) report = NULL;
      g_autoptr(JsonObject) json = NULL;

      g_test_message ("%s", rows[i].path);
      good_route (fixture, rows[i].path,
                  rows[i].cache_control != NULL ? "Cache-Control" : NULL, rows[i].cache_control,
                  rows[i].age != NULL ? "Age" : NULL, rows[i].age, NULL);
      report = resolve (fixture, rows[i].path, GH_CIMD_RESOLVE_NONE);
      g_assert_cmpint (gh_cimd_report_get_verdict (report), !=, GH_CIMD_FAIL);
      g_assert_cmpstr (gh_cimd_report_get_cache_result (report), ==, "miss");
      g_assert_cmpint (gh_cimd_report_get_cache_ttl (report), ==, rows[i].ttl);
      json = gh_cimd_report_to_json (report);
      g_assert_nonnull (strstr (json_object_get_string_member (
                                  json_object_get_object_member (json, "cache"), "why"),
                                rows[i].why_part));
    }
}

static void
test_expires (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_seconds (now, 600);
  g_autofree char *date = soup_date_time_to_string (now, SOUP_DATE_HTTP);
  g_autofree char *expires = soup_date_time_to_string (later, SOUP_DATE_HTTP);
  g_autoptr(GhCimdReport) report = NULL;

  good_route (fixture, "/expires.json", "Date", date, "Expires", expires, NULL);
  report = resolve (fixture, "/expires.json", GH_CIMD_RESOLVE_NONE);
  g_assert_cmpint (gh_cimd_report_get_cache_ttl (report), ==, 600);
}

static void
test_no_store (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *url = url_for (fixture, "/no-store.json");
  g_autoptr(GhCimdReport) first = NULL;
  g_autoptr(GhCimdReport) second = NULL;
  g_autoptr(JsonObject) cached = NULL;

  good_route (fixture, "/no-store.json", "Cache-Control", "no-store", NULL);
  first = resolve (fixture, "/no-store.json", GH_CIMD_RESOLVE_NONE);
  g_assert_cmpint (gh_cimd_report_get_verdict (first), !=, GH_CIMD_FAIL);
  g_assert_cmpint (gh_cimd_report_get_cache_ttl (first), ==, 0);
  second = resolve (fixture, "/no-store.json", GH_CIMD_RESOLVE_NONE);
  g_assert_cmpint (gh_cimd_report_get_verdict (second), !=, GH_CIMD_FAIL);
  g_assert_cmpstr (gh_cimd_report_get_cache_result (second), ==, "bypassed");
  g_assert_cmpuint (gh_cimd_resolver_get_fetch_count (fixture->resolver), ==, 2);
  /* /token still finds what /authorize just used. */
  cached = gh_cimd_resolver_lookup_cached (fixture->resolver, fixture->project->id, url);
  g_assert_nonnull (cached);
}

static void
test_no_cache_revalidates (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GhCimdReport) first = NULL;
  g_autoptr(GhCimdReport) second = NULL;
  GhTestRoute *r;

  r = good_route (fixture, "/etag.json", "Cache-Control", "no-cache", NULL);
  r->etag = g_strdup ("\"v1\"");
  first = resolve (fixture, "/etag.json", GH_CIMD_RESOLVE_NONE);
  g_assert_cmpstr (gh_cimd_report_get_cache_result (first), ==, "miss");
  g_assert_cmpint (gh_cimd_report_get_cache_ttl (first), ==, 0);

  second = resolve (fixture, "/etag.json", GH_CIMD_RESOLVE_NONE);
  g_assert_cmpint (gh_cimd_report_get_verdict (second), !=, GH_CIMD_FAIL);
  g_assert_cmpstr (gh_cimd_report_get_cache_result (second), ==, "revalidated");
  g_assert_nonnull (gh_cimd_report_get_document (second));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
                     gh_cimd_report_get_network (second), "request_headers"), "if-none-match"),
                   ==, "\"v1\"");
  g_assert_cmpuint (r->count, ==, 2);
  g_assert_cmpuint (r->not_modified, ==, 1);

  /* FORCE_REFRESH asks for the whole document again. */
  g_clear_pointer (&second, gh_cimd_report_unref);
  second = resolve (fixture, "/etag.json", GH_CIMD_RESOLVE_FORCE_REFRESH);
  g_assert_cmpstr (gh_cimd_report_get_cache_result (second), ==, "bypassed");
  g_assert_cmpuint (r->count, ==, 3);
  g_assert_cmpuint (r->not_modified, ==, 1);
}

static void
test_failures_never_cached (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *url = url_for (fixture, "/flaky.json");
  g_autofree char *good = document_for (fixture, "/flaky.json", GOOD_MEMBERS);
  g_autofree char *changed = document_for (fixture, "/flaky.json",
                                           "\"redirect_uris\": [\"https://changed.example/cb\"], "
                                           "\"client_secret\": \"oops\"");
  g_autoptr(JsonObject) cached = NULL;
  GhCimdReport *report;

  /* Expires at once, so every resolution refetches. */
  fixture->project->settings->cimd_cache_min_s = 0;
  gh_test_web_route (fixture->server, "/flaky.json", 200, "application/json", good,
                     "Cache-Control", "max-age=0", NULL);
  report = resolve (fixture, "/flaky.json", GH_CIMD_RESOLVE_NONE);
  g_assert_cmpint (gh_cimd_report_get_verdict (report), !=, GH_CIMD_FAIL);
  g_assert_cmpint (gh_cimd_report_get_cache_ttl (report), ==, 0);
  gh_cimd_report_unref (report);

  /* A 500, then an invalid document: both FAIL, neither replaces the good copy. */
  gh_test_web_route (fixture->server, "/flaky.json", 500, "application/json", "{}", NULL);
  report = resolve (fixture, "/flaky.json", GH_CIMD_RESOLVE_NONE);
  assert_fails (report, "http.status");
  gh_cimd_report_unref (report);
  gh_test_web_route (fixture->server, "/flaky.json", 200, "application/json", changed, NULL);
  report = resolve (fixture, "/flaky.json", GH_CIMD_RESOLVE_NONE);
  assert_fails (report, "document.client_secret");
  gh_cimd_report_unref (report);

  cached = gh_cimd_resolver_lookup_cached (fixture->resolver, fixture->project->id, url);
  g_assert_nonnull (cached);
  g_assert_cmpstr (json_object_get_string_member (cached, "client_name"), ==, "Test Client");
  g_assert_cmpint (count_events (fixture, "oauth_client.cimd_changed"), ==, 0);

  /* The failure was not cached: the next resolution fetches again, and succeeds. */
  gh_test_web_route (fixture->server, "/flaky.json", 200, "application/json", good, NULL);
  report = resolve (fixture, "/flaky.json", GH_CIMD_RESOLVE_NONE);
  g_assert_cmpint (gh_cimd_report_get_verdict (report), !=, GH_CIMD_FAIL);
  gh_cimd_report_unref (report);
  g_assert_cmpuint (gh_cimd_resolver_get_fetch_count (fixture->resolver), ==, 4);
  g_assert_cmpuint (gh_test_web_hits (fixture->server, "/flaky.json"), ==, 4);
  g_assert_cmpint (count_events (fixture, "oauth_client.cimd_fetch_failed"), ==, 2);
}

static void
add_consent (Fixture    *fixture,
             const char *client_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStmt) stmt = NULL;

  stmt = gh_store_prepare (fixture->store,
                           "INSERT INTO users (project_id, username, created_at) VALUES (?, ?, 0)",
                           &error);
  g_assert_no_error (error);
  gh_stmt_bind_int64 (stmt, 1, fixture->project->id);
  gh_stmt_bind_text (stmt, 2, client_id + strlen (client_id) - 6);
  g_assert_true (gh_store_step (fixture->store, stmt, NULL, &error));
  gh_stmt_reset (g_steal_pointer (&stmt));

  stmt = gh_store_prepare (fixture->store,
                           "INSERT INTO consents (project_id, user_id, client_id, scopes, "
                           "resources, created_at) VALUES (?, ?, ?, 'openid', '', 0)", &error);
  g_assert_no_error (error);
  gh_stmt_bind_int64 (stmt, 1, fixture->project->id);
  gh_stmt_bind_int64 (stmt, 2, gh_store_last_insert_rowid (fixture->store));
  gh_stmt_bind_text (stmt, 3, client_id);
  g_assert_true (gh_store_step (fixture->store, stmt, NULL, &error));
}

static void
test_document_change_drops_consents (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autofree char *url = url_for (fixture, "/changing.json");
  g_autofree char *v2 = document_for (fixture, "/changing.json",
                                      "\"client_name\": \"Test Client\", "
                                      "\"redirect_uris\": [\"https://new.example/callback\"]");
  const char *consents = "SELECT count(*) FROM consents WHERE client_id = ?";
  GhCimdReport *report;

  good_route (fixture, "/changing.json", NULL);
  report = resolve (fixture, "/changing.json", GH_CIMD_RESOLVE_NONE);
  gh_cimd_report_unref (report);
  add_consent (fixture, url);
  g_assert_cmpint (count_rows (fixture, consents, url), ==, 1);

  /* The same document again keeps the consent. */
  report = resolve (fixture, "/changing.json", GH_CIMD_RESOLVE_FORCE_REFRESH);
  gh_cimd_report_unref (report);
  g_assert_cmpint (count_rows (fixture, consents, url), ==, 1);
  g_assert_cmpint (count_events (fixture, "oauth_client.cimd_changed"), ==, 0);

  /* New redirect_uris: every user must consent again. */
  gh_test_web_route (fixture->server, "/changing.json", 200, "application/json", v2, NULL);
  report = resolve (fixture, "/changing.json", GH_CIMD_RESOLVE_FORCE_REFRESH);
  g_assert_cmpint (gh_cimd_report_get_verdict (report), !=, GH_CIMD_FAIL);
  gh_cimd_report_unref (report);
  g_assert_cmpint (count_rows (fixture, consents, url), ==, 0);
  g_assert_cmpint (count_events (fixture, "oauth_client.cimd_changed"), ==, 1);
  g_assert_cmpint (count_rows (fixture,
                               "SELECT count(*) FROM audit_events WHERE "
                               "type = 'oauth_client.cimd_changed' AND client_id = ?1 "
                               "AND json_extract (details, '$.changed[0]') = 'redirect_uris' "
                               "AND json_extract (details, '$.consents_deleted') = 1", url), ==, 1);
}

static void
test_single_flight (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *url = url_for (fixture, "/popular.json");
  Result results[20] = { { 0 } };
  GhTestRoute *r;

  r = good_route (fixture, "/popular.json", NULL);
  r->mode = GH_TEST_ROUTE_DELAY;
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    gh_cimd_resolver_resolve_async (fixture->resolver, fixture->project, url,
                                    GH_CIMD_RESOLVE_NONE, NULL, NULL, on_resolved, &results[i]);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      g_assert_true (gh_test_wait_for (&results[i].done, 10000));
      g_assert_no_error (results[i].error);
      g_assert_true (results[i].report == results[0].report);
    }
  g_assert_cmpint (gh_cimd_report_get_verdict (results[0].report), !=, GH_CIMD_FAIL);
  g_assert_cmpuint (gh_cimd_resolver_get_fetch_count (fixture->resolver), ==, 1);
  g_assert_cmpuint (r->count, ==, 1);
  g_assert_cmpuint (fixture->server->requests, ==, 1);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    gh_cimd_report_unref (results[i].report);
}

static void
test_concurrency_limit (Fixture       *fixture,
                        gconstpointer  data)
{
  Result results[7] = { { 0 } };

  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      g_autofree char *path = g_strdup_printf ("/queued-%u.json", i);
      g_autofree char *url = url_for (fixture, path);

      good_route (fixture, path, NULL)->mode = GH_TEST_ROUTE_DELAY;
      gh_cimd_resolver_resolve_async (fixture->resolver, fixture->project, url,
                                      GH_CIMD_RESOLVE_NONE, NULL, NULL, on_resolved, &results[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      g_assert_true (gh_test_wait_for (&results[i].done, 10000));
      g_assert_no_error (results[i].error);
      g_assert_cmpint (gh_cimd_report_get_verdict (results[i].report), !=, GH_CIMD_FAIL);
      gh_cimd_report_unref (results[i].report);
    }
  g_assert_cmpuint (fixture->server->requests, ==, G_N_ELEMENTS (results));
  g_assert_cmpuint (fixture->server->max_current, ==, GH_CIMD_MAX_CONCURRENT_FETCHES);
}

/* Without allow_loopback_cimd, nothing reaches the server: not by name, not by a literal in
 * any notation, not through a DNS name that resolves to loopback. */
static void
test_loopback_refused (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GResolver) previous = g_resolver_get_default ();
  g_autoptr(GResolver) fake = g_object_new (test_resolver_get_type (), NULL);
  guint port = fixture->server->port;
  struct {
    char *url;
    const char *check;
  } rows[] = {
    { g_strdup_printf ("https://localhost:%u/client.json", port), "url.address" },
    { g_strdup_printf ("https://127.0.0.1:%u/client.json", port), "url.address" },
    { g_strdup_printf ("https://2130706433:%u/client.json", port), "url.address" },
    { g_strdup_printf ("https://0x7f.1:%u/client.json", port), "url.address" },
    { g_strdup_printf ("https://[::ffff:127.0.0.1]:%u/client.json", port), "url.address" },
    { g_strdup_printf ("http://127.0.0.1:%u/client.json", port), "url.scheme" },
    { g_strdup_printf ("https://rebind.test:%u/client.json", port), "address.special" },
    { g_strdup_printf ("https://v6mapped.test:%u/client.json", port), "address.special" },
    { g_strdup_printf ("https://mixed.test:%u/client.json", port), "address.special" },
    { g_strdup_printf ("https://metadata.test:%u/client.json", port), "address.special" },
  };

  fixture->project->settings->allow_loopback_cimd = FALSE;
  good_route (fixture, "/client.json", NULL);
  g_resolver_set_default (fake);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GhCimdReport) report = NULL;

      g_test_message ("%s", rows[i].url);
      report = resolve_full (fixture, fixture->project, rows[i].url, GH_CIMD_RESOLVE_NONE,
                             "flow-loopback");
      assert_fails (report, rows[i].check);
      g_free (rows[i].url);
    }
  g_resolver_set_default (previous);

  g_assert_cmpuint (fixture->server->requests, ==, 0);
  g_assert_cmpuint (gh_cimd_resolver_get_fetch_count (fixture->resolver), ==, 0);
  g_assert_cmpint (count_rows (fixture,
                               "SELECT count(*) FROM audit_events WHERE "
                               "type = 'oauth_client.cimd_fetch_failed' AND flow_id = ?",
                               "flow-loopback"), ==, G_N_ELEMENTS (rows));
}

/* The same 20 concurrent resolutions without the opt-in: all FAIL, no connection at all. */
static void
test_single_flight_refused (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *url = url_for (fixture, "/popular.json");
  Result results[20] = { { 0 } };

  fixture->project->settings->allow_loopback_cimd = FALSE;
  good_route (fixture, "/popular.json", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    gh_cimd_resolver_resolve_async (fixture->resolver, fixture->project, url,
                                    GH_CIMD_RESOLVE_NONE, NULL, NULL, on_resolved, &results[i]);
  for (guint i = 0; i < G_N_ELEMENTS (results); i++)
    {
      g_assert_true (gh_test_wait_for (&results[i].done, 10000));
      g_assert_no_error (results[i].error);
      assert_fails (results[i].report, "url.address");
      gh_cimd_report_unref (results[i].report);
    }
  g_assert_cmpuint (gh_cimd_resolver_get_fetch_count (fixture->resolver), ==, 0);
  g_assert_cmpuint (fixture->server->requests, ==, 0);
}

static void
test_bad_url_never_fetched (Fixture       *fixture,
                            gconstpointer  data)
{
  guint port = fixture->server->port;
  g_autofree char *fragment = g_strdup_printf ("https://localhost:%u/client.json#x", port);
  g_autofree char *dots = g_strdup_printf ("https://localhost:%u/a/%%2e%%2e/client.json", port);
  g_autofree char *root = g_strdup_printf ("https://localhost:%u/", port);
  g_autofree char *userinfo = g_strdup_printf ("https://me@localhost:%u/client.json", port);
  const char *urls[] = { fragment, dots, root, userinfo };

  good_route (fixture, "/client.json", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      g_autoptr(GhCimdReport) report = resolve_full (fixture, fixture->project, urls[i],
                                                     GH_CIMD_RESOLVE_NONE, NULL);

      g_assert_cmpint (gh_cimd_report_get_verdict (report), ==, GH_CIMD_FAIL);
      g_assert_true (g_str_has_prefix (gh_cimd_report_get_failure_id (report), "url."));
    }
  g_assert_cmpuint (fixture->server->requests, ==, 0);
}

/* --- JWK Sets at a jwks_uri ------------------------------------------------------------- */

typedef struct
{
  JsonObject *jwks;
  gboolean from_cache;
  GError *error;
  gboolean done;
} JwksFetch;

static void
on_jwks_fetched (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  JwksFetch *fetch = user_data;

  fetch->jwks = gh_cimd_resolver_fetch_jwks_finish (GH_CIMD_RESOLVER (source), result,
                                                    &fetch->from_cache, &fetch->error);
  fetch->done = TRUE;
}

/* Fetches @url; returns the set, or NULL with *@error. */
static JsonObject *
fetch_jwks (Fixture             *fixture,
            const char          *url,
            GhCimdResolveFlags   flags,
            gboolean            *from_cache,
            GError             **error)
{
  JwksFetch fetch = { 0 };

  gh_cimd_resolver_fetch_jwks_async (fixture->resolver, fixture->project, url, flags, NULL,
                                     on_jwks_fetched, &fetch);
  g_assert_true (gh_test_wait_for (&fetch.done, 10000));
  g_assert_true ((fetch.jwks == NULL) != (fetch.error == NULL));
  if (from_cache != NULL)
    *from_cache = fetch.from_cache;
  if (fetch.error != NULL)
    g_propagate_error (error, fetch.error);
  return fetch.jwks;
}

/* A JWK Set of @n public keys (each a fresh ES256 key with its kid). */
static char *
jwks_text (guint n)
{
  g_autoptr(JsonObject) jwks = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  JsonArray *keys = json_array_new ();

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GhJwk) key = gh_jwk_generate (GH_JWS_ALG_ES256, &error);
      JsonObject *jwk;

      g_assert_no_error (error);
      jwk = gh_jwk_to_public_json (key);
      json_object_set_string_member (jwk, "kid", gh_jwk_get_kid (key));
      json_array_add_object_element (keys, jwk);
    }
  json_object_set_array_member (jwks, "keys", keys);
  json_node_set_object (node, jwks);
  return json_to_string (node, FALSE);
}

/* Over https with the test CA: the set, then the cache, then a forced refetch. */
static void
test_jwks_fetch (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *url = url_for (fixture, "/jwks.json");
  g_autofree char *body = jwks_text (2);
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) second = NULL;
  g_autoptr(JsonObject) forced = NULL;
  g_autoptr(GError) error = NULL;
  gboolean from_cache = TRUE;
  GhTestRoute *r;

  r = gh_test_web_route (fixture->server, "/jwks.json", 200, "application/jwk-set+json", body,
                         "Cache-Control", "max-age=600", NULL);
  first = fetch_jwks (fixture, url, GH_CIMD_RESOLVE_NONE, &from_cache, &error);
  g_assert_no_error (error);
  g_assert_false (from_cache);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (first, "keys")), ==, 2);
  g_assert_cmpuint (r->count, ==, 1);

  second = fetch_jwks (fixture, url, GH_CIMD_RESOLVE_NONE, &from_cache, &error);
  g_assert_no_error (error);
  g_assert_true (from_cache);
  g_assert_cmpuint (r->count, ==, 1);

  forced = fetch_jwks (fixture, url, GH_CIMD_RESOLVE_FORCE_REFRESH, &from_cache, &error);
  g_assert_no_error (error);
  g_assert_false (from_cache);
  g_assert_cmpuint (r->count, ==, 2);
  g_assert_cmpuint (gh_cimd_resolver_get_fetch_count (fixture->resolver), ==, 2);

  /* The rules apply on every use: without the loopback opt-in the cached set is refused. */
  fixture->project->settings->allow_loopback_cimd = FALSE;
  g_assert_null (fetch_jwks (fixture, url, GH_CIMD_RESOLVE_NONE, NULL, &error));
  g_assert_error (error, GH_CIMD_RESOLVER_ERROR, GH_CIMD_RESOLVER_ERROR_REFUSED);
  g_assert_nonnull (strstr (error->message, "(rule url.address)"));
  g_assert_cmpuint (r->count, ==, 2);
}

/* TLS verifies the certificate against the URL's host through the pinned address. */
static void
test_jwks_tls_name_mismatch (Fixture       *fixture,
                             gconstpointer  data)
{
  GhTestWeb *other = gh_test_web_new (wrong_name_cert);
  g_autofree char *url = g_strdup_printf ("https://localhost:%u/jwks.json", other->port);
  g_autoptr(GError) error = NULL;

  g_assert_null (fetch_jwks (fixture, url, GH_CIMD_RESOLVE_NONE, NULL, &error));
  g_assert_error (error, GH_CIMD_RESOLVER_ERROR, GH_CIMD_RESOLVER_ERROR_REFUSED);
  g_assert_nonnull (strstr (error->message, "(rule fetch.tls)"));
  g_assert_cmpuint (other->requests, ==, 0);
  gh_test_web_free (other);
}

static void
test_jwks_refused (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *good = jwks_text (1);
  g_autofree char *target = url_for (fixture, "/jwks-good.json");
  g_autofree char *oversized = NULL;
  g_autofree char *large = NULL;
  const char *private_key = "{\"keys\": [{\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": \"a\", "
                            "\"y\": \"b\", \"d\": \"secret\"}]}";
  const char *symmetric = "{\"keys\": [{\"kty\": \"oct\", \"k\": \"c2VjcmV0\"}]}";
  struct {
    const char *path;
    guint status;
    const char *content_type;
    const char *body;
    const char *rule;
  } rows[] = {
    { "/jwks-404.json", 404, "application/json", good, "http.status" },
    { "/jwks-html.json", 200, "text/html", good, "http.content_type" },
    { "/jwks-plain.json", 200, "text/plain", good, "http.content_type" },
    { "/jwks-moved.json", 302, NULL, NULL, "http.redirect" },
    { "/jwks-private.json", 200, "application/json", private_key, "jwks.keys" },
    { "/jwks-symmetric.json", 200, "application/json", symmetric, "jwks.keys" },
    { "/jwks-empty.json", 200, "application/json", "{\"keys\": []}", "jwks.keys" },
    { "/jwks-nokeys.json", 200, "application/json", "{\"x\": 1}", "jwks.keys" },
    { "/jwks-array.json", 200, "application/json", "[]", "jwks.json" },
    { "/jwks-dup.json", 200, "application/json", "{\"keys\": [], \"keys\": []}", "jwks.json" },
    { "/jwks-big.json", 200, "application/json", NULL, "body.size" },
  };

  /* Over the larger of cimd_max_bytes (5 KiB) and 16 KiB. */
  oversized = g_strnfill (17 * 1024, ' ');
  oversized[0] = '{';
  rows[G_N_ELEMENTS (rows) - 1].body = oversized;
  gh_test_web_route (fixture->server, "/jwks-good.json", 200, "application/json", good, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *url = url_for (fixture, rows[i].path);
      g_autofree char *rule = g_strdup_printf ("(rule %s)", rows[i].rule);
      GhTestRoute *r;

      g_test_message ("%s", rows[i].path);
      if (rows[i].status == 302)
        r = gh_test_web_route (fixture->server, rows[i].path, 302, NULL, NULL, "Location", target,
                               NULL);
      else
        r = gh_test_web_route (fixture->server, rows[i].path, rows[i].status,
                               rows[i].content_type, rows[i].body, NULL);
      /* Twice: a failure is never cached. */
      for (guint j = 0; j < 2; j++)
        {
          g_autoptr(GError) error = NULL;

          g_assert_null (fetch_jwks (fixture, url, GH_CIMD_RESOLVE_NONE, NULL, &error));
          g_assert_error (error, GH_CIMD_RESOLVER_ERROR, GH_CIMD_RESOLVER_ERROR_REFUSED);
          if (strstr (error->message, rule) == NULL)
            g_error ("“%s” does not name %s", error->message, rule);
        }
      g_assert_cmpuint (r->count, ==, 2);
    }
  /* The redirect was not followed. */
  g_assert_cmpuint (gh_test_web_hits (fixture->server, "/jwks-good.json"), ==, 0);

  /* 10 KiB is more than cimd_max_bytes but within a JWK Set's cap. */
  {
    g_autofree char *url = url_for (fixture, "/jwks-large.json");
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) jwks = NULL;
    g_autoptr(GString) text = g_string_new (good);

    g_string_truncate (text, text->len - 1);
    g_string_append (text, ", \"x_padding\": \"");
    while (text->len < 10 * 1024)
      g_string_append_c (text, 'x');
    g_string_append (text, "\"}");
    large = g_string_free (g_steal_pointer (&text), FALSE);
    g_assert_cmpint (strlen (large), >, fixture->project->settings->cimd_max_bytes);
    gh_test_web_route (fixture->server, "/jwks-large.json", 200, "application/json", large, NULL);
    jwks = fetch_jwks (fixture, url, GH_CIMD_RESOLVE_NONE, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (jwks);
  }
}

/* no-store: used once, never served from the cache. */
static void
test_jwks_no_store (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *url = url_for (fixture, "/jwks-nostore.json");
  g_autofree char *body = jwks_text (1);
  GhTestRoute *r = gh_test_web_route (fixture->server, "/jwks-nostore.json", 200,
                                      "application/json", body, "Cache-Control", "no-store",
                                      NULL);

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) jwks = NULL;
      gboolean from_cache = TRUE;

      jwks = fetch_jwks (fixture, url, GH_CIMD_RESOLVE_NONE, &from_cache, &error);
      g_assert_no_error (error);
      g_assert_false (from_cache);
    }
  g_assert_cmpuint (r->count, ==, 2);
}

/* Without the loopback opt-in: refused before connecting, in every notation and through DNS. */
static void
test_jwks_loopback_refused (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GResolver) previous = g_resolver_get_default ();
  g_autoptr(GResolver) fake = g_object_new (test_resolver_get_type (), NULL);
  g_autofree char *body = jwks_text (1);
  guint port = fixture->server->port;
  struct {
    char *url;
    const char *rule;
  } rows[] = {
    { g_strdup_printf ("https://127.0.0.1:%u/jwks.json", port), "url.address" },
    { g_strdup_printf ("https://0x7f.1:%u/jwks.json", port), "url.address" },
    { g_strdup_printf ("http://127.0.0.1:%u/jwks.json", port), "url.scheme" },
    { g_strdup_printf ("https://rebind.test:%u/jwks.json", port), "address.special" },
    { g_strdup_printf ("https://metadata.test:%u/jwks.json", port), "address.special" },
  };

  fixture->project->settings->allow_loopback_cimd = FALSE;
  gh_test_web_route (fixture->server, "/jwks.json", 200, "application/json", body, NULL);
  g_resolver_set_default (fake);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *rule = g_strdup_printf ("(rule %s)", rows[i].rule);

      g_test_message ("%s", rows[i].url);
      g_assert_null (fetch_jwks (fixture, rows[i].url, GH_CIMD_RESOLVE_NONE, NULL, &error));
      g_assert_error (error, GH_CIMD_RESOLVER_ERROR, GH_CIMD_RESOLVER_ERROR_REFUSED);
      if (strstr (error->message, rule) == NULL)
        g_error ("“%s” does not name %s", error->message, rule);
      g_free (rows[i].url);
    }
  g_resolver_set_default (previous);
  g_assert_cmpuint (fixture->server->requests, ==, 0);
  g_assert_cmpuint (gh_cimd_resolver_get_fetch_count (fixture->resolver), ==, 0);
}

/* Concurrent fetches of one set share one request. */
static void
test_jwks_single_flight (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *url = url_for (fixture, "/jwks-busy.json");
  g_autofree char *body = jwks_text (1);
  JwksFetch fetches[10] = { { 0 } };
  GhTestRoute *r = gh_test_web_route (fixture->server, "/jwks-busy.json", 200,
                                      "application/json", body, NULL);

  r->mode = GH_TEST_ROUTE_DELAY;
  for (guint i = 0; i < G_N_ELEMENTS (fetches); i++)
    gh_cimd_resolver_fetch_jwks_async (fixture->resolver, fixture->project, url,
                                       GH_CIMD_RESOLVE_NONE, NULL, on_jwks_fetched, &fetches[i]);
  for (guint i = 0; i < G_N_ELEMENTS (fetches); i++)
    {
      g_assert_true (gh_test_wait_for (&fetches[i].done, 10000));
      g_assert_no_error (fetches[i].error);
      g_assert_nonnull (fetches[i].jwks);
      json_object_unref (fetches[i].jwks);
    }
  g_assert_cmpuint (r->count, ==, 1);
  g_assert_cmpuint (gh_cimd_resolver_get_fetch_count (fixture->resolver), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  int result;

  g_test_init (&argc, &argv, NULL);
  certificates = gh_test_certificates_new ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/server/cimd/fetch/valid-document", test_valid_document);
  ADD ("/server/cimd/fetch/tls-name-mismatch", test_tls_name_mismatch);
  ADD ("/server/cimd/fetch/plain-http-loopback", test_plain_http_loopback);
  ADD ("/server/cimd/fetch/bad-answers", test_bad_answers);
  ADD ("/server/cimd/fetch/client-name-absent", test_client_name_absent);
  ADD ("/server/cimd/fetch/same-origin-jwks-uri", test_same_origin_jwks_uri);
  ADD ("/server/cimd/fetch/redirect-not-followed", test_redirect_not_followed);
  ADD ("/server/cimd/fetch/body-too-large", test_body_too_large);
  ADD ("/server/cimd/fetch/endless-and-slow-bodies", test_endless_and_slow_bodies);
  ADD ("/server/cimd/fetch/bad-url-never-fetched", test_bad_url_never_fetched);
  ADD ("/server/cimd/ssrf/loopback-refused", test_loopback_refused);
  ADD ("/server/cimd/cache/cache-control", test_cache_control);
  ADD ("/server/cimd/cache/expires", test_expires);
  ADD ("/server/cimd/cache/no-store", test_no_store);
  ADD ("/server/cimd/cache/no-cache-revalidates", test_no_cache_revalidates);
  ADD ("/server/cimd/cache/failures-never-cached", test_failures_never_cached);
  ADD ("/server/cimd/cache/document-change-drops-consents", test_document_change_drops_consents);
  ADD ("/server/cimd/concurrency/single-flight", test_single_flight);
  ADD ("/server/cimd/concurrency/single-flight-refused", test_single_flight_refused);
  ADD ("/server/cimd/concurrency/limit", test_concurrency_limit);
  ADD ("/server/cimd/jwks/fetch", test_jwks_fetch);
  ADD ("/server/cimd/jwks/tls-name-mismatch", test_jwks_tls_name_mismatch);
  ADD ("/server/cimd/jwks/refused", test_jwks_refused);
  ADD ("/server/cimd/jwks/no-store", test_jwks_no_store);
  ADD ("/server/cimd/jwks/loopback-refused", test_jwks_loopback_refused);
  ADD ("/server/cimd/jwks/single-flight", test_jwks_single_flight);

  result = g_test_run ();

  g_clear_pointer (&certificates, gh_test_certificates_free);
  return result;
}
