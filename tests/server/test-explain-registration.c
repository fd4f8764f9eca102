/* test-explain-registration.c — every explain rule of registration, initial access tokens, CIMD
 * resolution and admin authentication, each produced by a real refused request
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One row per rule: a fresh server, the request it refuses, then the refusal's audit event,
 * whose details.explain must name the rule, carry its key members and its fix. CIMD documents
 * come from a web host on 127.0.0.1 (the development profile allows loopback documents).
 */

#include "config.h"

#include <string.h>

#include "gh-admin-events.h"
#include "gh-admin-tokens.h"
#include "gh-cimd-resolver.h"
#include "gh-explain.h"
#include "gh-json.h"
#include "gh-test-tls.h"
#include "gh-test-util.h"
#include "gh-test-web.h"

#define CALLBACK "http://127.0.0.1:4567/callback"
#define GOOD_METADATA "{\"redirect_uris\": [\"" CALLBACK "\"], " \
                      "\"token_endpoint_auth_method\": \"none\"}"

typedef struct
{
  GhTestServer ts;
  GhTestWeb *web;      /* CIMD documents, over http on 127.0.0.1 */
  char *base;          /* its http://127.0.0.1:port */
  char *flow_url;      /* the client_id URL the last /authorize sent */
  char *admin_token_id;  /* the id of the admin token the last refused admin call sent */
} Fixture;

/* A name resolver for the tests: "private.test" is 10.0.0.1, every other name is unknown. */
typedef struct
{
  GResolver parent_instance;
} FakeResolver;

typedef GResolverClass FakeResolverClass;

static GType fake_resolver_get_type (void);
G_DEFINE_TYPE (FakeResolver, fake_resolver, G_TYPE_RESOLVER)

static void
fake_lookup_async (GResolver           *resolver,
                   const char          *hostname,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);

  if (g_str_equal (hostname, "private.test"))
    g_task_return_pointer (task, g_list_prepend (NULL, g_inet_address_new_from_string ("10.0.0.1")),
                           (GDestroyNotify) g_resolver_free_addresses);
  else
    g_task_return_new_error (task, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                             "%s is not a name of this test", hostname);
}

static GList *
fake_lookup_finish (GResolver     *resolver,
                    GAsyncResult  *result,
                    GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
fake_resolver_class_init (FakeResolverClass *klass)
{
  klass->lookup_by_name_async = fake_lookup_async;
  klass->lookup_by_name_finish = fake_lookup_finish;
}

static void
fake_resolver_init (FakeResolver *self)
{
}

/* --- requests ---------------------------------------------------------------------------- */

/* The last pair of a header list: Authorization: @value, or the list's end when @value is
 * NULL. */
#define AUTHORIZATION(value) (value) != NULL ? "Authorization" : NULL, (value)

/* POST /register with @body; @bearer NULL sends no Authorization header. */
static void
post_register (Fixture    *f,
               const char *bearer,
               const char *body)
{
  g_autofree char *authorization = bearer != NULL ? g_strconcat ("Bearer ", bearer, NULL) : NULL;
  g_autoptr(GhTestResponse) response =
    gh_test_server_request (&f->ts, f->ts.session, "POST", "/register",
                            GH_TEST_PAIRS ("User-Agent", "explain-test/1",
                                           AUTHORIZATION (authorization)),
                            "application/json", body);

  g_assert_cmpuint (response->status, >=, 400);
}

static void
set (Fixture    *f,
     const char *key,
     const char *value)
{
  gh_test_server_set (&f->ts, key, value);
}

/* An IAT of the default project: its token; *@out_id its id. */
static char *
issue_iat (Fixture     *f,
           gint64       max_uses,
           const char  *pinned_json,
           char       **out_id)
{
  g_autoptr(GhProject) project = gh_test_server_project (&f->ts);
  g_autoptr(JsonObject) pinned = pinned_json != NULL ? gh_test_parse_object (pinned_json) : NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GhIat) iat = NULL;
  char *token = NULL;

  set (f, "dcr_mode", "initial_access_token");
  iat = gh_iats_issue (gh_server_get_iats (f->ts.server), project, "explain", max_uses, 0, pinned,
                       "test", &token, &error);
  g_assert_no_error (error);
  if (out_id != NULL)
    *out_id = g_strdup (iat->id);
  return token;
}

static void
run_sql (Fixture    *f,
         const char *sql,
         const char *id)
{
  GhStore *store = gh_server_get_store (f->ts.server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStmt) stmt = gh_store_prepare (store, sql, &error);

  g_assert_no_error (error);
  gh_stmt_bind_text (stmt, 1, id);
  g_assert_true (gh_store_step (store, stmt, NULL, &error));
  g_assert_no_error (error);
}

/* Registers a client openly; returns its registration response. */
static JsonObject *
register_client (Fixture *f)
{
  g_autoptr(GhTestResponse) response =
    gh_test_server_request (&f->ts, f->ts.session, "POST", "/register", NULL,
                            "application/json", GOOD_METADATA);

  g_assert_cmpuint (response->status, ==, 201);
  return gh_test_response_json (response);
}

/* /authorize with the URL client id @url (kept as f->flow_url). */
static void
authorize (Fixture    *f,
           const char *url)
{
  g_autofree char *verifier = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *query = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GhTestResponse) response = NULL;

  gh_test_pkce_pair (&verifier, &challenge);
  query = gh_test_form_encode (GH_TEST_PAIRS ("response_type", "code", "client_id", url,
                                              "redirect_uri", CALLBACK,
                                              "code_challenge", challenge,
                                              "code_challenge_method", "S256",
                                              "state", "s"));
  path = g_strconcat ("/authorize?", query, NULL);
  response = gh_test_server_request (&f->ts, f->ts.session, "GET", path,
                                     GH_TEST_PAIRS ("User-Agent", "explain-test/1"), NULL, NULL);
  g_assert_cmpuint (response->status, >=, 400);
  g_free (f->flow_url);
  f->flow_url = g_strdup (url);
}

/* Publishes @body at @path (status, content type, then header pairs) and authorizes with it. */
static void
authorize_document (Fixture    *f,
                    const char *path,
                    guint       status,
                    const char *content_type,
                    const char *body,
                    ...) G_GNUC_NULL_TERMINATED;

static void
authorize_document (Fixture    *f,
                    const char *path,
                    guint       status,
                    const char *content_type,
                    const char *body,
                    ...)
{
  g_autofree char *url = g_strconcat (f->base, path, NULL);
  va_list headers;

  va_start (headers, body);
  gh_test_web_route_valist (f->web, path, status, content_type, body, headers);
  va_end (headers);
  authorize (f, url);
}

/* A document for f->base/client.json with @members (JSON members, with a leading comma) after
 * its client_id, or with only @members when @own_client_id is FALSE. */
static void
authorize_members (Fixture    *f,
                   gboolean    own_client_id,
                   const char *members)
{
  g_autofree char *url = g_strconcat (f->base, "/client.json", NULL);
  g_autofree char *body = own_client_id ?
    g_strdup_printf ("{\"client_id\": \"%s\"%s}", url, members) :
    g_strdup_printf ("{%s}", members);

  authorize_document (f, "/client.json", 200, "application/json", body, NULL);
}

#define DOC_REDIRECTS ", \"redirect_uris\": [\"" CALLBACK "\"]"

/* --- the rows ---------------------------------------------------------------------------- */

static void
run_dcr_disabled (Fixture *f)
{
  set (f, "dcr_mode", "disabled");
  post_register (f, NULL, GOOD_METADATA);
}

static void
run_iat_missing (Fixture *f)
{
  g_autofree char *token = issue_iat (f, 1, NULL, NULL);

  post_register (f, NULL, GOOD_METADATA);
}

static void
run_iat_unknown (Fixture *f)
{
  g_autofree char *token = issue_iat (f, 1, NULL, NULL);

  post_register (f, "iatk_not-one-of-ours", GOOD_METADATA);
}

/* Registers with an IAT after @sql ran on its row. */
static void
register_with_changed_iat (Fixture    *f,
                           const char *sql)
{
  g_autofree char *id = NULL;
  g_autofree char *token = issue_iat (f, 1, NULL, &id);

  run_sql (f, sql, id);
  post_register (f, token, GOOD_METADATA);
}

static void
run_iat_expired (Fixture *f)
{
  register_with_changed_iat (f, "UPDATE initial_access_tokens SET expires_at = 1 WHERE id = ?");
}

/* A registration with the IAT @token that succeeds: its registration response. */
static JsonObject *
register_with_iat (Fixture    *f,
                   const char *token)
{
  g_autofree char *authorization = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(GhTestResponse) response =
    gh_test_server_request (&f->ts, f->ts.session, "POST", "/register",
                            GH_TEST_PAIRS ("Authorization", authorization),
                            "application/json", GOOD_METADATA);

  g_assert_cmpuint (response->status, ==, 201);
  return gh_test_response_json (response);
}

static void
run_iat_exhausted (Fixture *f)
{
  g_autofree char *token = issue_iat (f, 1, NULL, NULL);
  g_autoptr(JsonObject) first = register_with_iat (f, token);

  post_register (f, token, GOOD_METADATA);
}

static void
run_iat_revoked (Fixture *f)
{
  register_with_changed_iat (f, "UPDATE initial_access_tokens SET revoked_at = 1 WHERE id = ?");
}

static void
run_iat_pin_mismatch (Fixture *f)
{
  g_autofree char *token = issue_iat (f, 1, "{\"scope\": \"read\"}", NULL);

  post_register (f, token, "{\"redirect_uris\": [\"" CALLBACK "\"], \"scope\": \"read write\"}");
}

static void
run_metadata_invalid (Fixture *f)
{
  post_register (f, NULL, "{\"redirect_uris\": [\"" CALLBACK "\"], "
                          "\"grant_types\": [\"password\"]}");
}

static void
run_metadata_not_json (Fixture *f)
{
  post_register (f, NULL, "<html>no</html>");
}

static void
run_scheme_not_allowed (Fixture *f)
{
  set (f, "redirect_schemes", "vscode");
  post_register (f, NULL, "{\"redirect_uris\": [\"" CALLBACK "\", \"cursor://anysphere/cb\"]}");
}

static void
run_redirect_invalid (Fixture *f)
{
  post_register (f, NULL, "{\"redirect_uris\": [\"https://app.example/cb#frag\"]}");
}

static void
run_rate_limited (Fixture *f)
{
  g_autoptr(JsonObject) first = NULL;

  set (f, "dcr_rate_limit", "1");
  first = register_client (f);
  post_register (f, NULL, GOOD_METADATA);
}

static void
run_token_in_query (Fixture *f)
{
  g_autofree char *token = issue_iat (f, 1, NULL, NULL);
  g_autofree char *path = g_strconcat ("/register?access_token=", token, NULL);
  g_autoptr(GhTestResponse) response =
    gh_test_server_request (&f->ts, f->ts.session, "POST", path, NULL, "application/json",
                            GOOD_METADATA);

  g_assert_cmpuint (response->status, ==, 401);
}

/* RFC 7592: GET or PUT /register/{id}, with @token (NULL: none). */
static void
manage (Fixture    *f,
        const char *method,
        const char *client_id,
        const char *token,
        const char *body)
{
  g_autofree char *path = g_strconcat ("/register/", client_id, NULL);
  g_autofree char *authorization = token != NULL ? g_strconcat ("Bearer ", token, NULL) : NULL;
  g_autoptr(GhTestResponse) response =
    gh_test_server_request (&f->ts, f->ts.session, method, path,
                            GH_TEST_PAIRS ("User-Agent", "explain-test/1",
                                           AUTHORIZATION (authorization)),
                            body != NULL ? "application/json" : NULL, body);

  g_assert_cmpuint (response->status, >=, 400);
}

static void
run_management_missing (Fixture *f)
{
  g_autoptr(JsonObject) client = register_client (f);

  manage (f, "GET", json_object_get_string_member (client, "client_id"), NULL, NULL);
}

static void
run_management_wrong_token (Fixture *f)
{
  g_autoptr(JsonObject) client = register_client (f);

  manage (f, "GET", json_object_get_string_member (client, "client_id"), "not-the-token", NULL);
}

static void
run_management_update (Fixture *f)
{
  g_autoptr(JsonObject) client = register_client (f);
  const char *id = json_object_get_string_member (client, "client_id");
  g_autofree char *body = g_strdup_printf ("{\"client_id\": \"%s\", \"redirect_uris\": "
                                           "[\"" CALLBACK "\"], \"token_endpoint_auth_method\": "
                                           "\"client_secret_post\"}", id);

  manage (f, "PUT", id,
          json_object_get_string_member (client, "registration_access_token"), body);
}

/* An update breaking what the IAT of the registration pinned. */
static void
run_management_pins (Fixture *f)
{
  g_autofree char *token = issue_iat (f, 1, "{\"scope\": \"read\"}", NULL);
  g_autoptr(JsonObject) client = register_with_iat (f, token);
  const char *id = json_object_get_string_member (client, "client_id");
  g_autofree char *body = NULL;

  body = g_strdup_printf ("{\"client_id\": \"%s\", \"redirect_uris\": [\"" CALLBACK "\"], "
                          "\"scope\": \"write\"}", id);
  manage (f, "PUT", id,
          json_object_get_string_member (client, "registration_access_token"), body);
}

/* CIMD */

/* The server's resolver, called as the CLI preview and the admin API call it, for a request
 * from 127.0.0.1. */
static void
resolve_directly (Fixture    *f,
                  const char *url)
{
  g_autoptr(GhProject) project = gh_test_server_project (&f->ts);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GhCimdReport) report = NULL;
  g_autoptr(GError) error = NULL;
  GhCimdResolver *resolver = gh_server_get_cimd_resolver (f->ts.server);

  g_free (f->flow_url);
  f->flow_url = g_strdup (url);
  gh_cimd_resolver_resolve_from_async (resolver, project, url, GH_CIMD_RESOLVE_NONE,
                                       "flow-direct", "127.0.0.1", "explain-test/1", NULL,
                                       gh_test_async_ready, &result);
  report = gh_cimd_resolver_resolve_finish (resolver, gh_test_async_wait (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpint (gh_cimd_report_get_verdict (report), ==, GH_CIMD_FAIL);
}

static void
run_cimd_enabled (Fixture *f)
{
  g_autofree char *url = g_strconcat (f->base, "/client.json", NULL);

  /* /authorize treats a URL client id as unknown in such a project; the resolver refuses it. */
  set (f, "cimd_enabled", "false");
  resolve_directly (f, url);
}

static void run_url_syntax (Fixture *f) { authorize (f, "https://exa mple.com/c.json"); }
static void run_url_scheme (Fixture *f) { authorize (f, "http://example.com/c.json"); }
static void run_url_userinfo (Fixture *f) { authorize (f, "https://me@example.com/c.json"); }
static void run_url_fragment (Fixture *f) { authorize (f, "https://example.com/c.json#x"); }
static void run_url_host (Fixture *f) { authorize (f, "https://999.1.1.1/c.json"); }
static void run_url_port (Fixture *f) { authorize (f, "https://example.com:0/c.json"); }
static void run_url_path (Fixture *f) { authorize (f, "https://example.com/"); }
static void run_url_dots (Fixture *f) { authorize (f, "https://example.com/a/../c.json"); }
static void run_url_address (Fixture *f) { authorize (f, "https://10.1.2.3/c.json"); }

static void
run_url_domain (Fixture *f)
{
  set (f, "cimd_blocked_domains", "example.com");
  authorize (f, "https://example.com/c.json");
}

/* @url, resolved by the fake resolver. */
static void
authorize_with_fake_names (Fixture    *f,
                           const char *url)
{
  g_autoptr(GResolver) previous = g_resolver_get_default ();
  g_autoptr(GResolver) fake = g_object_new (fake_resolver_get_type (), NULL);

  g_resolver_set_default (fake);
  authorize (f, url);
  g_resolver_set_default (previous);
}

static void
run_dns_resolve (Fixture *f)
{
  authorize_with_fake_names (f, "https://nowhere.test/c.json");
}

static void
run_address_special (Fixture *f)
{
  authorize_with_fake_names (f, "https://private.test/c.json");
}

static void
run_fetch_deadline (Fixture *f)
{
  g_autofree char *url = g_strconcat (f->base, "/slow.json", NULL);
  GhTestRoute *route = gh_test_web_route (f->web, "/slow.json", 200, "application/json",
                                          "{\"client_id\": \"x\"}", NULL);

  route->mode = GH_TEST_ROUTE_SLOW;
  set (f, "cimd_timeout_ms", "300");
  authorize (f, url);
}

static void
run_fetch_tls (Fixture *f)
{
  g_autoptr(GhTestCertificates) certificates = gh_test_certificates_new ();
  GhTestWeb *https = gh_test_web_new (certificates->localhost);
  g_autofree char *url = g_strdup_printf ("https://localhost:%u/client.json", https->port);

  /* The server trusts the system's CAs, not the test's. */
  authorize (f, url);
  gh_test_web_free (https);
}

static void
run_fetch_network (Fixture *f)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *url = NULL;

  /* A port that was free a moment ago, and that nothing listens on. */
  g_assert_true (g_socket_bind (socket, any, TRUE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  url = g_strdup_printf ("http://127.0.0.1:%u/client.json",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (socket, NULL);
  authorize (f, url);
}

static void
run_http_redirect (Fixture *f)
{
  authorize_document (f, "/moved.json", 302, NULL, NULL,
                      "Location", "https://elsewhere.example/client.json", NULL);
}

static void
run_http_status (Fixture *f)
{
  authorize_document (f, "/missing.json", 404, "text/plain", "not found", NULL);
}

static void
run_http_content_type (Fixture *f)
{
  authorize_document (f, "/page.json", 200, "text/html", "<!DOCTYPE html><p>Sign in</p>", NULL);
}

static void
run_body_size (Fixture *f)
{
  g_autofree char *big = g_strnfill (6000, ' ');

  big[0] = '{';
  authorize_document (f, "/big.json", 200, "application/json", big, NULL);
}

static void
run_document_json (Fixture *f)
{
  authorize_document (f, "/html.json", 200, "application/json",
                      "<!DOCTYPE html><html><body>Log in</body></html>", NULL);
}

static void
run_document_client_id (Fixture *f)
{
  g_autofree char *members = g_strdup_printf ("\"client_id\": \"%s/client.json/\"" DOC_REDIRECTS,
                                              f->base);

  authorize_members (f, FALSE, members);
}

static void
run_document_redirect_uris (Fixture *f)
{
  authorize_members (f, TRUE, ", \"client_name\": \"Tool\"");
}

static void
run_document_client_name (Fixture *f)
{
  authorize_members (f, TRUE, DOC_REDIRECTS ", \"client_name\": \"\"");
}

static void
run_document_client_secret (Fixture *f)
{
  authorize_members (f, TRUE, DOC_REDIRECTS ", \"client_secret\": \"s3cret\"");
}

static void
run_document_auth_method (Fixture *f)
{
  authorize_members (f, TRUE, DOC_REDIRECTS
                     ", \"token_endpoint_auth_method\": \"client_secret_basic\"");
}

static void
run_document_jwks (Fixture *f)
{
  authorize_members (f, TRUE, DOC_REDIRECTS
                     ", \"jwks\": {\"keys\": [{\"kty\": \"oct\", \"k\": \"c2VjcmV0\"}]}");
}

static void
run_document_jwks_uri (Fixture *f)
{
  authorize_members (f, TRUE, DOC_REDIRECTS
                     ", \"jwks_uri\": \"https://keys.example/jwks.json\"");
}

static void
run_document_metadata (Fixture *f)
{
  authorize_members (f, TRUE, DOC_REDIRECTS ", \"grant_types\": [\"password\"]");
}

/* Admin authentication */

static void
admin_request (Fixture    *f,
               const char *token)
{
  g_autofree char *url = g_strconcat (f->ts.issuer, "/admin/v1/server", NULL);
  g_autofree char *authorization = token != NULL ? g_strconcat ("Bearer ", token, NULL) : NULL;
  g_autoptr(GhTestResponse) response =
    gh_test_http (f->ts.session, "GET", url,
                  GH_TEST_PAIRS ("User-Agent", "explain-test/1", AUTHORIZATION (authorization)),
                  NULL, NULL);

  g_assert_cmpuint (response->status, >=, 400);
}

/* An admin token, then @sql run on its row. */
static char *
admin_token (Fixture    *f,
             const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhAdminToken) token = NULL;
  char *secret = NULL;

  token = gh_admin_tokens_create (gh_server_get_admin_tokens (f->ts.server), "explain", 0, "test",
                                  &secret, &error);
  g_assert_no_error (error);
  run_sql (f, sql, token->id);
  return secret;
}

static void run_admin_missing (Fixture *f) { admin_request (f, NULL); }
static void run_admin_unknown (Fixture *f) { admin_request (f, "ghat_not-one-of-ours"); }

static void
run_admin_expired (Fixture *f)
{
  g_autofree char *token = admin_token (f, "UPDATE admin_tokens SET expires_at = 1 WHERE id = ?");

  admin_request (f, token);
}

static void
run_admin_revoked (Fixture *f)
{
  g_autofree char *token = admin_token (f, "UPDATE admin_tokens SET revoked_at = 1 WHERE id = ?");

  admin_request (f, token);
}

static void
run_admin_rate_limited (Fixture *f)
{
  gh_admin_tokens_set_failure_limit (gh_server_get_admin_tokens (f->ts.server), 2);
  admin_request (f, "ghat_wrong");
  admin_request (f, "ghat_wrong");
  admin_request (f, "ghat_wrong");
}

/* Refused admin calls, each made with a valid admin token of its own */

static void
admin_call (Fixture            *f,
            const char         *method,
            const char         *path,
            const char         *body,
            guint               status,
            const char * const *headers)
{
  g_autofree char *url = g_strconcat (f->ts.issuer, path, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhAdminToken) token = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *authorization = NULL;
  g_autoptr(GhTestResponse) response = NULL;

  token = gh_admin_tokens_create (gh_server_get_admin_tokens (f->ts.server), "refused-calls", 0,
                                  "test", &secret, &error);
  g_assert_no_error (error);
  if (headers == NULL)
    {
      g_free (f->admin_token_id);
      f->admin_token_id = g_strdup (token->id);
    }
  authorization = g_strconcat ("Bearer ", secret, NULL);
  response = gh_test_http (f->ts.session, method, url,
                           headers != NULL ? headers
                                           : GH_TEST_PAIRS ("User-Agent", "explain-test/1",
                                                            "Authorization", authorization),
                           body != NULL ? "application/json" : NULL, body);
  g_assert_cmpuint (response->status, ==, status);
}

static void
run_admin_unknown_member (Fixture *f)
{
  admin_call (f, "POST", "/admin/v1/projects",
              "{\"slug\": \"p2\", \"secret\": \"do-not-echo\"}", 400, NULL);
}

static void
run_admin_unknown_parameter (Fixture *f)
{
  admin_call (f, "GET", "/admin/v1/projects/default/clients?bogus=1", NULL, 400, NULL);
}

static void
run_admin_repeated_parameter (Fixture *f)
{
  admin_call (f, "GET", "/admin/v1/projects/default/audit?limit=1&limit=2", NULL, 400, NULL);
}

static void
run_admin_bad_audit_query (Fixture *f)
{
  admin_call (f, "GET", "/admin/v1/projects/default/audit/export?limit=none", NULL, 400, NULL);
}

static void
run_admin_bad_events (Fixture *f)
{
  admin_call (f, "GET", "/admin/v1/events", NULL, 400, NULL);
}

static void
run_admin_no_project (Fixture *f)
{
  admin_call (f, "GET", "/admin/v1/projects/nowhere/users", NULL, 404, NULL);
}

static void
run_admin_no_object (Fixture *f)
{
  admin_call (f, "DELETE", "/admin/v1/projects/default/iats/iat_none", NULL, 404, NULL);
}

#define TWICE "{\"client_id\": \"twice\", \"redirect_uris\": [\"http://127.0.0.1/callback\"]}"

static void
run_admin_conflict (Fixture *f)
{
  admin_call (f, "POST", "/admin/v1/projects/default/clients", TWICE, 201, NULL);
  admin_call (f, "POST", "/admin/v1/projects/default/clients", TWICE, 409, NULL);
}

/* An import waits for its document's fetch: the refusal is answered after the pause, and its
 * event still names the call and its token; a refused document is explained by its report. */
static void
run_admin_import_refused (Fixture *f)
{
  g_autofree char *body = g_strdup_printf ("{\"url\": \"%s/page.json\"}", f->base);

  gh_test_web_route (f->web, "/page.json", 200, "text/html", "<!DOCTYPE html><p>Sign in</p>",
                     NULL);
  admin_call (f, "POST", "/admin/v1/projects/default/clients/import", body, 400, NULL);
}

static void
run_admin_import_twice (Fixture *f)
{
  g_autofree char *url = g_strconcat (f->base, "/client.json", NULL);
  g_autofree char *document = g_strdup_printf ("{\"client_id\": \"%s\"" DOC_REDIRECTS "}", url);
  g_autofree char *body = g_strdup_printf ("{\"url\": \"%s\"}", url);

  gh_test_web_route (f->web, "/client.json", 200, "application/json", document, NULL);
  admin_call (f, "POST", "/admin/v1/projects/default/clients/import", body, 201, NULL);
  admin_call (f, "POST", "/admin/v1/projects/default/clients/import", body, 409, NULL);
}

/* GH_ADMIN_EVENTS_MAX_STREAMS event streams open, then one more. */
static void
run_admin_unavailable (Fixture *f)
{
  g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhAdminToken) token = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *authorization = NULL;
  g_autofree char *request = NULL;

  token = gh_admin_tokens_create (gh_server_get_admin_tokens (f->ts.server), "streams", 0,
                                  "test", &secret, &error);
  g_assert_no_error (error);
  f->admin_token_id = g_strdup (token->id);
  authorization = g_strconcat ("Bearer ", secret, NULL);
  request = g_strdup_printf ("GET /admin/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             "Authorization: %s\r\nAccept: text/event-stream\r\n\r\n",
                             authorization);
  for (guint i = 0; i < GH_ADMIN_EVENTS_MAX_STREAMS; i++)
    {
      g_autoptr(GSocketClient) client = g_socket_client_new ();
      g_autoptr(GSocketConnection) connection = NULL;
      GString *head = g_string_new (NULL);
      gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
      GSocket *socket;

      connection = g_socket_client_connect_to_host (client, "127.0.0.1",
                                                    gh_server_get_port (f->ts.server), NULL,
                                                    &error);
      g_assert_no_error (error);
      socket = g_socket_connection_get_socket (connection);
      g_assert_cmpint (g_socket_send (socket, request, strlen (request), NULL, &error), ==,
                       (gssize) strlen (request));
      g_socket_set_blocking (socket, FALSE);
      while (strstr (head->str, "\r\n\r\n") == NULL)
        {
          char c;

          g_assert_cmpint (g_get_monotonic_time (), <, deadline);
          if (g_socket_receive (socket, &c, 1, NULL, NULL) == 1)
            g_string_append_c (head, c);
          else
            g_main_context_iteration (NULL, FALSE);
        }
      g_assert_true (g_str_has_prefix (head->str, "HTTP/1.1 200 "));
      g_string_free (head, TRUE);
      g_ptr_array_add (sockets, g_steal_pointer (&connection));
    }
  admin_call (f, "GET", "/admin/v1/events", NULL, 503,
              GH_TEST_PAIRS ("User-Agent", "explain-test/1", "Authorization", authorization,
                             "Accept", "text/event-stream"));
}

/* --- extra checks ------------------------------------------------------------------------ */

static const char *
str (JsonObject *object,
     const char *member)
{
  g_assert_true (json_object_has_member (object, member));
  return json_object_get_string_member (object, member);
}

static void
check_scheme_verdicts (Fixture    *f,
                       JsonObject *explain)
{
  JsonArray *verdicts = json_object_get_array_member (explain, "actual");
  JsonObject *first = json_array_get_object_element (verdicts, 0);
  JsonObject *second = json_array_get_object_element (verdicts, 1);

  /* Every submitted URI has its verdict, the accepted one too. */
  g_assert_cmpuint (json_array_get_length (verdicts), ==, 2);
  g_assert_cmpstr (str (first, "uri"), ==, CALLBACK);
  g_assert_cmpstr (str (first, "verdict"), ==, "accepted");
  g_assert_cmpstr (str (second, "uri"), ==, "cursor://anysphere/cb");
  g_assert_cmpstr (str (second, "verdict"), ==, "refused");
  g_assert_nonnull (strstr (str (second, "reason"), "cursor"));
  g_assert_true (gh_test_json_array_has (explain, "expected", "vscode"));
}

static void
check_metadata_actual (Fixture    *f,
                       JsonObject *explain)
{
  g_assert_true (gh_test_json_array_has (explain, "actual", "password"));
  g_assert_nonnull (str (explain, "expected"));
}

static void
check_iat_id_known (Fixture    *f,
                    JsonObject *explain)
{
  g_assert_true (g_str_has_prefix (str (explain, "iat_id"), "iat_"));
}

static void
check_iat_missing (Fixture    *f,
                   JsonObject *explain)
{
  /* Said plainly: MCP clients cannot send one. */
  g_assert_nonnull (strstr (str (explain, "hint"), "cannot send"));
  g_assert_true (json_object_get_null_member (explain, "iat_id"));
}

static JsonObject *
evidence (JsonObject *explain)
{
  g_assert_true (json_object_has_member (explain, "evidence"));
  return json_object_get_object_member (explain, "evidence");
}

static void
check_html_sniff (Fixture    *f,
                  JsonObject *explain)
{
  g_assert_cmpstr (str (evidence (explain), "sniff"), ==, "HTML page");
  g_assert_true (g_str_has_prefix (str (evidence (explain), "excerpt"), "<!DOCTYPE html>"));
  g_assert_cmpstr (str (explain, "actual"), ==, "HTML page");
}

static void
check_content_type (Fixture    *f,
                    JsonObject *explain)
{
  g_assert_cmpstr (str (explain, "actual"), ==, "text/html");
  g_assert_cmpstr (str (evidence (explain), "status_line"), ==, "200 OK");
}

static void
check_status_line (Fixture    *f,
                   JsonObject *explain)
{
  g_assert_cmpstr (str (explain, "actual"), ==, "404 Not Found");
}

static void
check_location (Fixture    *f,
                JsonObject *explain)
{
  g_assert_cmpstr (str (evidence (explain), "location"), ==,
                   "https://elsewhere.example/client.json");
  g_assert_nonnull (strstr (str (explain, "actual"), "302"));
}

static void
check_client_id_diff (Fixture    *f,
                      JsonObject *explain)
{
  g_assert_cmpstr (str (explain, "expected"), ==, f->flow_url);
  g_assert_true (g_str_has_suffix (str (explain, "actual"), "/client.json/"));
  g_assert_cmpint (json_object_get_int_member (evidence (explain), "differs_at"), ==,
                   strlen (f->flow_url));
}

static void
check_size (Fixture    *f,
            JsonObject *explain)
{
  /* Reading stopped one byte past cimd_max_bytes (5120 in this profile). */
  g_assert_cmpint (json_object_get_int_member (evidence (explain), "bytes"), ==, 5121);
  g_assert_nonnull (strstr (str (explain, "actual"), "5120"));
}

static void
check_special_address (Fixture    *f,
                       JsonObject *explain)
{
  JsonArray *actual = json_object_get_array_member (explain, "actual");

  g_assert_cmpstr (json_array_get_string_element (actual, 0), ==, "10.0.0.1");
}

static void
check_admin_token_id (Fixture    *f,
                      JsonObject *explain)
{
  g_assert_true (g_str_has_prefix (str (explain, "admin_token_id"), "adm_"));
}

/* The refused admin call's event: its path, method, actor, project and the token's id
 * (the id of the token the call sent, never the token). */
static void
check_refused_call (Fixture    *f,
                    JsonObject *explain)
{
  GhStore *store = gh_server_get_store (f->ts.server);
  g_autoptr(JsonObject) event = gh_test_server_last_audit (&f->ts, "admin.request_refused");
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStmt) stmt = gh_store_prepare (store, "SELECT actor, project_slug, source, "
                                             "user_agent FROM audit_events WHERE type = ? "
                                             "ORDER BY id DESC LIMIT 1", &error);
  g_autofree char *dump = NULL;
  const char *path = str (event, "path");
  gboolean row = FALSE;

  g_assert_no_error (error);
  gh_stmt_bind_text (stmt, 1, "admin.request_refused");
  g_assert_true (gh_store_step (store, stmt, &row, &error));
  g_assert_true (row);
  g_assert_cmpstr (gh_stmt_column_text (stmt, 0), ==, "admin-api");
  g_assert_cmpstr (gh_stmt_column_text (stmt, 2), ==, "127.0.0.1");
  g_assert_cmpstr (gh_stmt_column_text (stmt, 3), ==, "explain-test/1");
  g_assert_true (g_str_has_prefix (str (event, "admin_token_id"), "adm_"));
  g_assert_cmpstr (str (event, "admin_token_id"), ==, f->admin_token_id);
  g_assert_true (g_str_has_prefix (path, "/admin/v1/"));
  g_assert_nonnull (str (event, "method"));
  g_assert_nonnull (str (event, "error"));
  /* The project when the path names an existing one. */
  if (g_str_has_prefix (path, "/admin/v1/projects/default/"))
    g_assert_cmpstr (gh_stmt_column_text (stmt, 1), ==, "default");
  else
    g_assert_null (gh_stmt_column_text (stmt, 1));
  /* Never a body value, never a token. */
  dump = gh_json_object_to_string (event, FALSE);
  g_assert_null (strstr (dump, "do-not-echo"));
  g_assert_null (strstr (dump, "ghat_"));
  g_assert_nonnull (explain);
}

/* --- the table --------------------------------------------------------------------------- */

typedef struct
{
  const char *name;
  const char *rule;
  const char *event;          /* the type whose newest event carries the explain */
  void (*run) (Fixture *f);
  const char *fix_action;     /* NULL: the fix must be null */
  const char *fix_member;     /* one member of the fix, and its value */
  const char *fix_value;
  const char *member;         /* a member of the explain, and its value (NULL: not checked) */
  const char *value;
  void (*check) (Fixture *f, JsonObject *explain);
  guint earlier;              /* events of the same type the row's request comes after */
} Row;

#define REFUSED "oauth_client.registration_refused"
#define REJECTED "iat.rejected"
#define MANAGEMENT "oauth_client.management_refused"
#define CIMD "oauth_client.cimd_fetch_failed"
#define ADMIN "admin.auth_failed"
#define ADMIN_REFUSED "admin.request_refused"

static const Row rows[] = {
  /* Registration */
  { "dcr-disabled", "dcr.disabled", REFUSED, run_dcr_disabled,
    "set_setting", "key", "dcr_mode", "actual", "dcr_mode disabled", NULL },
  { "iat-missing", "iat.missing", REJECTED, run_iat_missing,
    "set_setting", "value", "open", "actual", "no Authorization header", check_iat_missing },
  { "iat-unknown", "iat.unknown", REJECTED, run_iat_unknown, NULL, NULL, NULL, NULL, NULL,
    NULL },
  { "iat-expired", "iat.expired", REJECTED, run_iat_expired, NULL, NULL, NULL, NULL, NULL,
    check_iat_id_known },
  { "iat-exhausted", "iat.exhausted", REJECTED, run_iat_exhausted, NULL, NULL, NULL,
    "expected", "fewer than 1 uses", check_iat_id_known },
  { "iat-revoked", "iat.revoked", REJECTED, run_iat_revoked, NULL, NULL, NULL, NULL, NULL,
    check_iat_id_known },
  { "iat-pin-mismatch", "iat.pin_mismatch", REJECTED, run_iat_pin_mismatch, NULL, NULL, NULL,
    "member", "scope", check_iat_id_known },
  { "metadata-invalid", "metadata.invalid", REFUSED, run_metadata_invalid, NULL, NULL, NULL,
    "member", "grant_types", check_metadata_actual },
  { "metadata-not-json", "metadata.invalid", REFUSED, run_metadata_not_json, NULL, NULL, NULL,
    "actual", "<html>no</html>", NULL },
  { "metadata-update", "metadata.invalid", MANAGEMENT, run_management_update, NULL, NULL, NULL,
    "expected", "none", NULL },
  { "iat-pin-update", "iat.pin_mismatch", MANAGEMENT, run_management_pins, NULL, NULL, NULL,
    "actual", "write", NULL },
  /* Rules of other areas that these endpoints produce */
  { "scheme-not-allowed", "redirect_uri.scheme_not_allowed", REFUSED, run_scheme_not_allowed,
    "allow_redirect_scheme", "scheme", "cursor", "member", "redirect_uris",
    check_scheme_verdicts },
  { "redirect-invalid", "redirect_uri.invalid", REFUSED, run_redirect_invalid, NULL, NULL, NULL,
    "member", "redirect_uris", NULL },
  { "rate-limited", "request.rate_limited", REFUSED, run_rate_limited, NULL, NULL, NULL,
    "expected", "at most 1 a minute (dcr_rate_limit)", NULL },
  { "token-in-query", "request.invalid", REFUSED, run_token_in_query, NULL, NULL, NULL,
    "actual", "?access_token= in the URL", NULL },
  { "management-missing", "client.auth_missing", MANAGEMENT, run_management_missing,
    NULL, NULL, NULL, "actual", "no Authorization header", NULL },
  { "management-wrong-token", "client.auth_failed", MANAGEMENT, run_management_wrong_token,
    NULL, NULL, NULL, "actual", "another token", NULL },

  /* Client ID metadata documents */
  { "cimd-enabled", "cimd.project.cimd_enabled", CIMD, run_cimd_enabled,
    "set_setting", "key", "cimd_enabled", "actual", "cimd_enabled off", NULL },
  { "url-syntax", "cimd.url.syntax", CIMD, run_url_syntax, NULL, NULL, NULL, NULL, NULL, NULL },
  { "url-scheme", "cimd.url.scheme", CIMD, run_url_scheme, NULL, NULL, NULL,
    "actual", "http://example.com/c.json", NULL },
  { "url-userinfo", "cimd.url.userinfo", CIMD, run_url_userinfo, NULL, NULL, NULL, NULL, NULL,
    NULL },
  { "url-fragment", "cimd.url.fragment", CIMD, run_url_fragment, NULL, NULL, NULL, NULL, NULL,
    NULL },
  { "url-host", "cimd.url.host", CIMD, run_url_host, NULL, NULL, NULL, NULL, NULL, NULL },
  { "url-port", "cimd.url.port", CIMD, run_url_port, NULL, NULL, NULL, NULL, NULL, NULL },
  { "url-path", "cimd.url.path", CIMD, run_url_path, NULL, NULL, NULL, NULL, NULL, NULL },
  { "url-dot-segments", "cimd.url.dot_segments", CIMD, run_url_dots, NULL, NULL, NULL, NULL,
    NULL, NULL },
  { "url-domain", "cimd.url.domain", CIMD, run_url_domain, NULL, NULL, NULL, NULL, NULL, NULL },
  { "url-address", "cimd.url.address", CIMD, run_url_address, NULL, NULL, NULL, NULL, NULL,
    NULL },
  { "dns-resolve", "cimd.dns.resolve", CIMD, run_dns_resolve, NULL, NULL, NULL, NULL, NULL,
    NULL },
  { "address-special", "cimd.address.special", CIMD, run_address_special, NULL, NULL, NULL,
    NULL, NULL, check_special_address },
  { "fetch-deadline", "cimd.fetch.deadline", CIMD, run_fetch_deadline, NULL, NULL, NULL, NULL,
    NULL, NULL },
  { "fetch-tls", "cimd.fetch.tls", CIMD, run_fetch_tls, NULL, NULL, NULL, NULL, NULL, NULL },
  { "fetch-network", "cimd.fetch.network", CIMD, run_fetch_network, NULL, NULL, NULL, NULL, NULL,
    NULL },
  { "http-redirect", "cimd.http.redirect", CIMD, run_http_redirect, NULL, NULL, NULL, NULL, NULL,
    check_location },
  { "http-status", "cimd.http.status", CIMD, run_http_status, NULL, NULL, NULL,
    "expected", "200 OK", check_status_line },
  { "http-content-type", "cimd.http.content_type", CIMD, run_http_content_type, NULL, NULL, NULL,
    NULL, NULL, check_content_type },
  { "body-size", "cimd.body.size", CIMD, run_body_size, NULL, NULL, NULL, NULL, NULL,
    check_size },
  { "document-json", "cimd.document.json", CIMD, run_document_json, NULL, NULL, NULL, NULL, NULL,
    check_html_sniff },
  { "document-client-id", "cimd.document.client_id", CIMD, run_document_client_id,
    NULL, NULL, NULL, NULL, NULL, check_client_id_diff },
  { "document-redirect-uris", "cimd.document.redirect_uris", CIMD, run_document_redirect_uris,
    NULL, NULL, NULL, "actual", "(absent)", NULL },
  { "document-client-name", "cimd.document.client_name", CIMD, run_document_client_name,
    NULL, NULL, NULL, "actual", "", NULL },
  { "document-client-secret", "cimd.document.client_secret", CIMD, run_document_client_secret,
    NULL, NULL, NULL, "actual", "client_secret present (not repeated here)", NULL },
  { "document-auth-method", "cimd.document.token_endpoint_auth_method", CIMD,
    run_document_auth_method, NULL, NULL, NULL, "actual", "client_secret_basic", NULL },
  { "document-jwks", "cimd.document.jwks", CIMD, run_document_jwks, NULL, NULL, NULL, NULL,
    NULL, NULL },
  { "document-jwks-uri", "cimd.document.jwks_uri", CIMD, run_document_jwks_uri, NULL, NULL, NULL,
    "actual", "https://keys.example/jwks.json", NULL },
  { "document-metadata", "cimd.document.metadata", CIMD, run_document_metadata, NULL, NULL, NULL,
    NULL, NULL, NULL },

  /* The admin API */
  { "admin-missing", "admin.token_missing", ADMIN, run_admin_missing, NULL, NULL, NULL, NULL,
    NULL, NULL },
  { "admin-unknown", "admin.token_unknown", ADMIN, run_admin_unknown, NULL, NULL, NULL, NULL,
    NULL, NULL },
  { "admin-expired", "admin.token_expired", ADMIN, run_admin_expired, NULL, NULL, NULL, NULL,
    NULL, check_admin_token_id },
  { "admin-revoked", "admin.token_revoked", ADMIN, run_admin_revoked, NULL, NULL, NULL, NULL,
    NULL, check_admin_token_id },
  { "admin-rate-limited", "admin.rate_limited", ADMIN, run_admin_rate_limited, NULL, NULL, NULL,
    NULL, NULL, NULL, 2 },
  { "admin-unknown-member", "admin.invalid_request", ADMIN_REFUSED, run_admin_unknown_member,
    NULL, NULL, NULL, "member", "secret", check_refused_call },
  { "admin-unknown-parameter", "admin.invalid_request", ADMIN_REFUSED,
    run_admin_unknown_parameter, NULL, NULL, NULL, "parameter", "bogus", check_refused_call },
  { "admin-repeated-parameter", "admin.invalid_request", ADMIN_REFUSED,
    run_admin_repeated_parameter, NULL, NULL, NULL, "parameter", "limit", check_refused_call },
  { "admin-bad-audit-query", "admin.invalid_request", ADMIN_REFUSED, run_admin_bad_audit_query,
    NULL, NULL, NULL, "actual", "GET /admin/v1/projects/default/audit/export",
    check_refused_call },
  { "admin-bad-events", "admin.invalid_request", ADMIN_REFUSED, run_admin_bad_events,
    NULL, NULL, NULL, "actual", "GET /admin/v1/events", check_refused_call },
  { "admin-no-project", "admin.not_found", ADMIN_REFUSED, run_admin_no_project, NULL, NULL,
    NULL, "actual", "project “nowhere”", check_refused_call },
  { "admin-no-object", "admin.not_found", ADMIN_REFUSED, run_admin_no_object, NULL, NULL, NULL,
    "actual", "DELETE /admin/v1/projects/default/iats/iat_none", check_refused_call },
  { "admin-conflict", "admin.conflict", ADMIN_REFUSED, run_admin_conflict, NULL, NULL, NULL,
    "actual", "POST /admin/v1/projects/default/clients", check_refused_call },
  { "admin-unavailable", "admin.unavailable", ADMIN_REFUSED, run_admin_unavailable, NULL, NULL,
    NULL, "actual", "GET /admin/v1/events", check_refused_call },
  { "admin-import-refused", "cimd.http.content_type", ADMIN_REFUSED, run_admin_import_refused,
    NULL, NULL, NULL, NULL, NULL, check_refused_call },
  { "admin-import-twice", "admin.conflict", ADMIN_REFUSED, run_admin_import_twice, NULL, NULL,
    NULL, "actual", "POST /admin/v1/projects/default/clients/import", check_refused_call },
};

/* Rules of these areas with no row: a connection to an address that was not checked cannot
 * happen (the fetch connects only to the checked, pinned addresses; the check stays as a
 * guard), and a JWK Set's failures refuse a /token request, whose event the token endpoint
 * records (test_jwks_explain checks that the resolver's refusal carries the explain). */
static const char * const not_in_table[] = {
  "cimd.network.peer", "cimd.jwks.json", "cimd.jwks.keys",
};

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  gh_test_server_setup (&f->ts, data);
  /* Each row fails a few times from 127.0.0.1: the limit has a row of its own. */
  gh_admin_tokens_set_failure_limit (gh_server_get_admin_tokens (f->ts.server), 0);
  f->web = gh_test_web_new (NULL);
  f->base = g_strdup_printf ("http://127.0.0.1:%u", f->web->port);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->web, gh_test_web_free);
  g_clear_pointer (&f->base, g_free);
  g_clear_pointer (&f->flow_url, g_free);
  g_clear_pointer (&f->admin_token_id, g_free);
  gh_test_server_teardown (&f->ts, data);
}

static void
test_row (Fixture       *f,
          gconstpointer  data)
{
  const Row *row = data;
  guint before = gh_test_server_count_audit (&f->ts, row->event);
  g_autoptr(JsonObject) event = NULL;
  JsonObject *explain;
  JsonNode *fix;

  row->run (f);
  /* One refusal, one event. */
  g_assert_cmpuint (gh_test_server_count_audit (&f->ts, row->event), ==,
                    before + row->earlier + 1);
  event = gh_test_server_last_audit (&f->ts, row->event);
  g_assert_cmpstr (json_object_get_string_member (event, "@outcome"), ==, "failure");
  g_assert_true (json_object_has_member (event, "explain"));
  explain = json_object_get_object_member (event, "explain");
  g_assert_cmpstr (str (explain, "rule"), ==, row->rule);
  g_assert_nonnull (gh_explain_rule_lookup (row->rule));
  g_assert_cmpstr (str (explain, "message"), !=, "");
  for (const char * const *member = (const char * const[]) { "expected", "actual", "spec",
         "hint", "fix", NULL }; *member != NULL; member++)
    g_assert_true (json_object_has_member (explain, *member));
  if (row->member != NULL)
    g_assert_cmpstr (str (explain, row->member), ==, row->value);

  fix = json_object_get_member (explain, "fix");
  if (row->fix_action == NULL)
    g_assert_true (JSON_NODE_HOLDS_NULL (fix));
  else
    {
      g_assert_true (JSON_NODE_HOLDS_OBJECT (fix));
      g_assert_cmpstr (str (json_node_get_object (fix), "action"), ==, row->fix_action);
      g_assert_cmpstr (str (json_node_get_object (fix), row->fix_member), ==, row->fix_value);
    }

  /* A refused /authorize's fetch belongs to its flow and its source. */
  if (g_str_equal (row->event, CIMD))
    {
      g_assert_cmpstr (str (event, "@client_id"), ==, f->flow_url);
      g_assert_nonnull (str (event, "@flow_id"));
      g_assert_cmpstr (str (event, "source_address"), ==, "127.0.0.1");
      g_assert_cmpstr (str (event, "check"), ==, row->rule + strlen ("cimd."));
    }
  /* ... and the /authorize it refused says the same, evidence included. */
  if (g_str_equal (row->event, CIMD) && !g_str_equal (str (event, "@flow_id"), "flow-direct"))
    {
      g_autoptr(JsonObject) refused = gh_test_server_last_audit (&f->ts, "authorization.refused");
      JsonObject *refused_explain = json_object_get_object_member (refused, "explain");

      g_assert_cmpstr (str (refused, "@flow_id"), ==, str (event, "@flow_id"));
      g_assert_cmpstr (str (refused_explain, "rule"), ==, row->rule);
      g_assert_cmpstr (str (evidence (refused_explain), "url"), ==, f->flow_url);
    }
  if (g_str_equal (row->event, REJECTED))
    g_assert_cmpstr (str (event, "reason"), ==, row->rule + strlen ("iat."));
  if (row->check != NULL)
    row->check (f, explain);
}

/* Every rule of the registration, IAT, CIMD and admin areas has a row (or is named in
 * not_in_table, with the reason). */
static void
test_every_rule_has_a_row (void)
{
  const GhExplainRule *rules;
  guint n;

  rules = gh_explain_rules (&n);
  for (guint i = 0; i < n; i++)
    {
      const char *rule = rules[i].rule;
      gboolean found = g_strv_contains (not_in_table, rule);

      if (!g_str_has_prefix (rule, "dcr.") && !g_str_has_prefix (rule, "iat.") &&
          !g_str_has_prefix (rule, "metadata.") && !g_str_has_prefix (rule, "cimd.") &&
          !g_str_has_prefix (rule, "admin."))
        continue;
      for (guint j = 0; !found && j < G_N_ELEMENTS (rows); j++)
        found = g_str_equal (rows[j].rule, rule);
      if (!found)
        g_error ("The explain rule %s has no row", rule);
    }
}

/* The source and User-Agent columns of the newest event of @type. */
static void
assert_request_columns (Fixture    *f,
                        const char *type,
                        const char *source,
                        const char *user_agent)
{
  GhStore *store = gh_server_get_store (f->ts.server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStmt) stmt = gh_store_prepare (store, "SELECT source, user_agent FROM audit_events "
                                             "WHERE type = ? ORDER BY id DESC LIMIT 1", &error);
  gboolean row = FALSE;

  g_assert_no_error (error);
  gh_stmt_bind_text (stmt, 1, type);
  g_assert_true (gh_store_step (store, stmt, &row, &error));
  g_assert_true (row);
  g_assert_cmpstr (gh_stmt_column_text (stmt, 0), ==, source);
  g_assert_cmpstr (gh_stmt_column_text (stmt, 1), ==, user_agent);
}

/* A registration over HTTP records who asked: the source address and the User-Agent. */
static void
test_registered_from_request (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GhTestResponse) response =
    gh_test_server_request (&f->ts, f->ts.session, "POST", "/register",
                            GH_TEST_PAIRS ("User-Agent", "claude-code/2.0"),
                            "application/json", GOOD_METADATA);

  g_assert_cmpuint (response->status, ==, 201);
  assert_request_columns (f, "oauth_client.registered", "127.0.0.1", "claude-code/2.0");
}

/* A document that passes: oauth_client.cimd_fetched in the authorization's flow, a miss with
 * its status, size and TTL, then a hit from the cache. */
static void
test_cimd_fetched (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *url = g_strconcat (f->base, "/tool.json", NULL);
  g_autofree char *body = g_strdup_printf ("{\"client_id\": \"%s\", \"client_name\": \"Tool\""
                                           DOC_REDIRECTS "}", url);
  g_autoptr(JsonObject) miss = NULL;
  g_autoptr(JsonObject) hit = NULL;
  g_autoptr(GhTestResponse) response = NULL;
  g_autofree char *query = NULL;
  g_autofree char *path = NULL;
  JsonObject *cache;

  gh_test_web_route (f->web, "/tool.json", 200, "application/json", body,
                     "Cache-Control", "max-age=600", NULL);
  query = gh_test_form_encode (GH_TEST_PAIRS ("response_type", "code", "client_id", url,
                                              "redirect_uri", CALLBACK, "code_challenge",
                                              "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                                              "code_challenge_method", "S256"));
  path = g_strconcat ("/authorize?", query, NULL);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GhTestResponse) answer =
        gh_test_server_request (&f->ts, f->ts.session, "GET", path,
                                GH_TEST_PAIRS ("User-Agent", "explain-test/1"), NULL, NULL);

      /* On to the login page: the document was accepted. */
      g_assert_cmpuint (answer->status, ==, 303);
      if (i == 0)
        {
          miss = gh_test_server_last_audit (&f->ts, "oauth_client.cimd_fetched");
          g_assert_cmpuint (gh_test_server_count_audit (&f->ts, "oauth_client.cimd_fetched"), ==,
                            1);
        }
    }
  g_assert_cmpuint (gh_test_server_count_audit (&f->ts, "oauth_client.cimd_fetched"), ==, 2);
  hit = gh_test_server_last_audit (&f->ts, "oauth_client.cimd_fetched");

  g_assert_cmpstr (str (miss, "@client_id"), ==, url);
  g_assert_cmpstr (str (miss, "@outcome"), ==, "success");
  g_assert_nonnull (str (miss, "@flow_id"));
  /* Plain http on 127.0.0.1 passes only with allow_loopback_cimd: a warning. */
  g_assert_cmpstr (str (miss, "verdict"), ==, "warn");
  g_assert_cmpint (json_object_get_int_member (miss, "status"), ==, 200);
  g_assert_cmpint (json_object_get_int_member (miss, "bytes"), ==, strlen (body));
  cache = json_object_get_object_member (miss, "cache");
  g_assert_cmpstr (str (cache, "result"), ==, "miss");
  g_assert_cmpint (json_object_get_int_member (cache, "ttl_s"), ==, 600);
  g_assert_nonnull (strstr (str (cache, "why"), "max-age"));

  /* The second authorization is another flow, served from the cache. */
  g_assert_cmpstr (str (hit, "@flow_id"), !=, str (miss, "@flow_id"));
  g_assert_true (json_object_get_null_member (hit, "status"));
  g_assert_cmpint (json_object_get_int_member (hit, "bytes"), ==, strlen (body));
  g_assert_cmpstr (str (json_object_get_object_member (hit, "cache"), "result"), ==, "hit");
  g_assert_cmpuint (gh_test_web_hits (f->web, "/tool.json"), ==, 1);
  assert_request_columns (f, "oauth_client.cimd_fetched", "127.0.0.1", "explain-test/1");
}

/* Failed fetches go through the refusal limiter of their source, like every refusal. */
static void
test_cimd_failures_limited (Fixture       *f,
                            gconstpointer  data)
{
  gh_audit_set_refusal_limit (gh_server_get_audit (f->ts.server), 2);
  for (guint i = 0; i < 4; i++)
    resolve_directly (f, "http://example.com/c.json");
  g_assert_cmpuint (gh_test_server_count_audit (&f->ts, "oauth_client.cimd_fetch_failed"), ==, 2);
  assert_request_columns (f, "oauth_client.cimd_fetch_failed", "127.0.0.1", "explain-test/1");
}

/* A client's JWK Set that the resolver refuses: the refusal carries the explain of the rule,
 * which the request that needed the keys (/token) records. */
static void
test_jwks_explain (Fixture       *f,
                   gconstpointer  data)
{
  const struct
  {
    const char *path;
    const char *body;
    const char *rule;
  } cases[] = {
    { "/keys/empty.json", "{\"keys\": []}", "cimd.jwks.keys" },
    { "/keys/page.json", "<!DOCTYPE html><p>keys</p>", "cimd.jwks.json" },
    { "/keys/secret.json", "{\"keys\": [{\"kty\": \"oct\", \"k\": \"c2VjcmV0\"}]}",
      "cimd.jwks.keys" },
  };
  g_autoptr(GhProject) project = gh_test_server_project (&f->ts);
  GhCimdResolver *resolver = gh_server_get_cimd_resolver (f->ts.server);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *url = g_strconcat (f->base, cases[i].path, NULL);
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(JsonObject) jwks = NULL;
      g_autoptr(GError) error = NULL;
      JsonObject *explain;

      gh_test_web_route (f->web, cases[i].path, 200, "application/json", cases[i].body, NULL);
      gh_cimd_resolver_fetch_jwks_async (resolver, project, url, GH_CIMD_RESOLVE_NONE, NULL,
                                         gh_test_async_ready, &result);
      jwks = gh_cimd_resolver_fetch_jwks_finish (resolver, gh_test_async_wait (&result), NULL,
                                                 &error);
      g_assert_null (jwks);
      g_assert_error (error, GH_CIMD_RESOLVER_ERROR, GH_CIMD_RESOLVER_ERROR_REFUSED);
      explain = gh_cimd_resolver_error_get_explain (error);
      g_assert_nonnull (explain);
      g_assert_cmpstr (str (explain, "rule"), ==, cases[i].rule);
      g_assert_nonnull (gh_explain_rule_lookup (cases[i].rule));
      g_assert_cmpstr (str (evidence (explain), "url"), ==, url);
    }
  g_assert_null (gh_cimd_resolver_error_get_explain (NULL));
}

/* The cimd.* rules are the resolver's checks that can fail, both ways: every check id that
 * src/core/cimd/ can record as FAIL has its rule, and every rule is such a check. The
 * "policy.*" checks are a preview's only (the admin API's cimd/resolve, which refuses
 * nothing): what a project setting would decide, never a refusal's rule. */
static void
test_cimd_rules_match_checks (void)
{
  const char *files[] = { "gh-cimd-policy.c", "gh-cimd-fetch.c", "gh-cimd-resolver.c" };
  g_autoptr(GHashTable) checks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GRegex) regex = NULL;
  const GhExplainRule *rules;
  guint n;

  /* add_check (report, "id", GH_CIMD_FAIL, ...) and fail / refuse_answer (flight, "id", ...) */
  regex = g_regex_new ("(?:add_check\\s*\\([^,]+,\\s*\"([a-z_.]+)\",\\s*GH_CIMD_FAIL)|"
                       "(?:\\b(?:fail|refuse_answer)\\s*\\(flight,\\s*\"([a-z_.]+)\")", 0, 0, NULL);
  g_assert_nonnull (regex);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (GH_TEST_SOURCE_ROOT, "src", "core", "cimd",
                                                files[i], NULL);
      g_autofree char *text = NULL;
      g_autoptr(GMatchInfo) match = NULL;
      g_autoptr(GError) error = NULL;

      g_assert_true (g_file_get_contents (path, &text, NULL, &error));
      g_assert_no_error (error);
      for (g_regex_match (regex, text, 0, &match); g_match_info_matches (match);
           g_match_info_next (match, NULL))
        {
          g_autofree char *a = g_match_info_fetch (match, 1);
          g_autofree char *b = g_match_info_fetch (match, 2);
          g_autofree char *rule = g_strconcat ("cimd.", a != NULL && *a ? a : b, NULL);

          if (g_str_has_prefix (rule, "cimd.policy."))
            continue;
          if (gh_explain_rule_lookup (rule) == NULL)
            g_error ("The check %s can fail but has no explain rule", rule + strlen ("cimd."));
          g_hash_table_add (checks, g_steal_pointer (&rule));
        }
    }
  rules = gh_explain_rules (&n);
  for (guint i = 0; i < n; i++)
    if (g_str_has_prefix (rules[i].rule, "cimd.") && !g_hash_table_contains (checks, rules[i].rule))
      g_error ("The rule %s is no check that can fail", rules[i].rule);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/explain-registration/every-rule-has-a-row",
                   test_every_rule_has_a_row);
  g_test_add_func ("/server/explain-registration/cimd-rules-match-checks",
                   test_cimd_rules_match_checks);
  g_test_add ("/server/explain-registration/jwks", Fixture, NULL,
              fixture_setup, test_jwks_explain, fixture_teardown);
  g_test_add ("/server/explain-registration/registered-from-request", Fixture, NULL,
              fixture_setup, test_registered_from_request, fixture_teardown);
  g_test_add ("/server/explain-registration/cimd-fetched", Fixture, NULL,
              fixture_setup, test_cimd_fetched, fixture_teardown);
  g_test_add ("/server/explain-registration/cimd-failures-limited", Fixture, NULL,
              fixture_setup, test_cimd_failures_limited, fixture_teardown);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *path = g_strconcat ("/server/explain-registration/", rows[i].name, NULL);

      g_test_add (path, Fixture, &rows[i], fixture_setup, test_row, fixture_teardown);
    }
  return g_test_run ();
}
