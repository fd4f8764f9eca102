/* test-cimd-flow.c — authorization with Client ID Metadata Document clients, end to end
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The documents come from a server on 127.0.0.1 (http is allowed for loopback hosts when
 * the project opts in with allow_loopback_cimd, as development projects do).
 */

#include "config.h"

#include <string.h>

#include "gh-test-util.h"
#include "gh-test-web.h"

#define CALLBACK "http://127.0.0.1/callback"

typedef struct
{
  GhTestServer ts;
  GhTestWeb *documents;  /* document requests under /held/ answered only when the test says */
  char *documents_base;
} Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  gh_test_server_setup (&fixture->ts, data);
  fixture->documents = gh_test_web_new (NULL);
  fixture->documents_base = g_strdup_printf ("http://127.0.0.1:%u", fixture->documents->port);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_pointer (&fixture->documents, gh_test_web_free);
  g_free (fixture->documents_base);
  gh_test_server_teardown (&fixture->ts, data);
}

/* Publishes a document at @path whose client_id is its own URL (or @client_id); returns the URL. */
static char *
publish (Fixture    *fixture,
         const char *path,
         const char *client_id,
         const char *client_name,
         const char *redirect_uri)
{
  g_autofree char *url = g_strconcat (fixture->documents_base, path, NULL);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  GhTestRoute *route;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "client_id");
  json_builder_add_string_value (builder, client_id != NULL ? client_id : url);
  json_builder_set_member_name (builder, "client_name");
  json_builder_add_string_value (builder, client_name);
  json_builder_set_member_name (builder, "redirect_uris");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, redirect_uri);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "grant_types");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, "authorization_code");
  json_builder_add_string_value (builder, "refresh_token");
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "token_endpoint_auth_method");
  json_builder_add_string_value (builder, "none");
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = json_to_string (root, FALSE);
  route = gh_test_web_route (fixture->documents, path, 200, "application/json", text,
                             "Cache-Control", "max-age=600", NULL);
  if (g_str_has_prefix (path, "/held/"))
    route->mode = GH_TEST_ROUTE_HELD;
  return g_steal_pointer (&url);
}

static guint
hits (Fixture    *fixture,
      const char *path)
{
  return gh_test_web_hits (fixture->documents, path);
}

static char *
authorize_path (const char *client_id,
                const char *challenge,
                const char *state)
{
  g_autofree char *query =
    gh_test_form_encode (GH_TEST_PAIRS ("response_type", "code",
                                        "client_id", client_id,
                                        "redirect_uri", "http://127.0.0.1:4567/callback",
                                        "code_challenge", challenge,
                                        "code_challenge_method", "S256",
                                        "scope", "openid",
                                        "state", state));
  return g_strconcat ("/authorize?", query, NULL);
}

/* A CIMD client completes a PKCE flow: the loopback redirect with any port, the token. */
static void
test_pkce_flow (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *client_id = publish (fixture, "/clients/tool.json", NULL, "Tool", CALLBACK);
  g_autofree char *verifier = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *code = NULL;
  g_autoptr(GhTestResponse) response = NULL;
  g_autoptr(JsonObject) tokens = NULL;

  gh_test_server_set (&fixture->ts, "auto_approve_user", "dev");
  gh_test_pkce_pair (&verifier, &challenge);
  code = gh_test_server_authorize_code (&fixture->ts, fixture->ts.session,
                                        "http://127.0.0.1:4567/callback",
                                        GH_TEST_PAIRS ("response_type", "code",
                                                       "client_id", client_id,
                                                       "redirect_uri",
                                                       "http://127.0.0.1:4567/callback",
                                                       "code_challenge", challenge,
                                                       "code_challenge_method", "S256",
                                                       "scope", "openid"));
  g_assert_cmpuint (hits (fixture, "/clients/tool.json"), ==, 1);

  response = gh_test_server_post_form (&fixture->ts, "/token",
                                       GH_TEST_PAIRS ("grant_type", "authorization_code",
                                                      "client_id", client_id, "code", code,
                                                      "code_verifier", verifier,
                                                      "redirect_uri",
                                                      "http://127.0.0.1:4567/callback"),
                                       NULL);
  g_assert_cmpuint (response->status, ==, 200);
  tokens = gh_test_response_json (response);
  g_assert_true (json_object_has_member (tokens, "access_token"));
  g_assert_true (json_object_has_member (tokens, "id_token"));
  g_assert_true (json_object_has_member (tokens, "refresh_token"));

  /* The refresh finds the client in the cache: no new fetch. */
  {
    g_autoptr(GhTestResponse) refreshed =
      gh_test_server_post_form (&fixture->ts, "/token",
                                GH_TEST_PAIRS ("grant_type", "refresh_token",
                                               "client_id", client_id,
                                               "refresh_token",
                                               json_object_get_string_member (tokens,
                                                                              "refresh_token")),
                                NULL);
    g_assert_cmpuint (refreshed->status, ==, 200);
  }
  g_assert_cmpuint (hits (fixture, "/clients/tool.json"), ==, 1);

  /* CIMD turned off: the cached client is refused at the token endpoint too. */
  gh_test_server_set (&fixture->ts, "cimd_enabled", "false");
  {
    g_autoptr(GhTestResponse) off =
      gh_test_server_post_form (&fixture->ts, "/token",
                                GH_TEST_PAIRS ("grant_type", "refresh_token",
                                               "client_id", client_id,
                                               "refresh_token",
                                               json_object_get_string_member (tokens,
                                                                              "refresh_token")),
                                NULL);
    g_assert_cmpuint (off->status, ==, 401);
  }
  gh_test_server_set (&fixture->ts, "cimd_enabled", "true");

  /* A CIMD client has no secret to present. */
  {
    g_autofree char *basic = gh_test_basic_auth (client_id, "guess");
    g_autoptr(GhTestResponse) secret =
      gh_test_server_post_form (&fixture->ts, "/token",
                                GH_TEST_PAIRS ("grant_type", "refresh_token",
                                               "refresh_token", "x"),
                                GH_TEST_PAIRS ("Authorization", basic));
    g_assert_cmpuint (secret->status, ==, 401);
  }
}

typedef struct
{
  guint done;
  guint redirects;
} Parallel;

static void
parallel_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Parallel *parallel = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
  const char *location = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                       "Location");

  if (soup_message_get_status (msg) == 302 && location != NULL &&
      strstr (location, "code=") != NULL)
    parallel->redirects++;
  parallel->done++;
}

/* Single-flight: 20 concurrent authorizations with one uncached document, one fetch. */
static void
test_single_flight (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *client_id = publish (fixture, "/clients/busy.json", NULL, "Busy", CALLBACK);
  g_autofree char *verifier = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *path = NULL;
  g_autofree char *url = NULL;
  g_autoptr(SoupSession) session = NULL;
  Parallel parallel = { 0 };

  gh_test_server_set (&fixture->ts, "auto_approve_user", "dev");
  gh_test_pkce_pair (&verifier, &challenge);
  path = authorize_path (client_id, challenge, "s");
  url = g_strconcat (fixture->ts.issuer, path, NULL);
  /* Enough connections that the 20 really are in flight together. */
  session = soup_session_new_with_options ("max-conns", 32, "max-conns-per-host", 32, NULL);
  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);

      soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
      soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL,
                                        parallel_done, &parallel);
    }
  while (parallel.done < 20)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (parallel.redirects, ==, 20);
  g_assert_cmpuint (hits (fixture, "/clients/busy.json"), ==, 1);
}

/* The consent page names who published the document and warns about loopback-only clients. */
static void
test_consent_shows_publisher (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *client_id = publish (fixture, "/clients/desk.json", NULL, "Desk <b>tool</b>",
                                        CALLBACK);
  g_autofree char *verifier = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *path = NULL;
  g_autofree char *host = g_strdup (fixture->documents_base + strlen ("http://"));
  g_autoptr(GhTestResponse) authorize = NULL;
  g_autoptr(GhTestResponse) login = NULL;
  g_autoptr(GhTestResponse) consent = NULL;
  g_autofree char *login_html = NULL;
  g_autofree char *consent_html = NULL;
  g_autofree char *csrf = NULL;
  g_autofree char *request_id = NULL;
  const char *location;

  gh_test_pkce_pair (&verifier, &challenge);
  path = authorize_path (client_id, challenge, "s");
  authorize = gh_test_server_request (&fixture->ts, fixture->ts.browser, "GET", path,
                                      NULL, NULL, NULL);
  g_assert_cmpuint (authorize->status, ==, 303);
  location = gh_test_response_header (authorize, "Location");
  g_assert_nonnull (strstr (location, "/login?request="));
  request_id = g_strdup (strstr (location, "request=") + strlen ("request="));

  login = gh_test_http_full (fixture->ts.browser, "GET", location, NULL, NULL, NULL,
                             GH_TEST_HTTP_NO_REDIRECT);
  login_html = gh_test_response_text (login);
  g_assert_nonnull (strstr (login_html, "Published by"));
  g_assert_nonnull (strstr (login_html, host));
  {
    const char *value = strstr (login_html, "name=\"csrf_token\" value=\"") +
                        strlen ("name=\"csrf_token\" value=\"");
    csrf = g_strndup (value, strchr (value, '"') - value);
  }

  {
    g_autofree char *origin = g_strdup (fixture->ts.issuer);
    g_autofree char *login_url = g_strconcat (fixture->ts.issuer, "/login", NULL);
    g_autofree char *form = gh_test_form_encode (GH_TEST_PAIRS ("request", request_id,
                                                                "csrf_token", csrf,
                                                                "username", "dev"));
    g_autoptr(GBytes) body = g_bytes_new (form, strlen (form));
    g_autoptr(GhTestResponse) posted = gh_test_http_full (fixture->ts.browser, "POST", login_url,
                                                          GH_TEST_PAIRS ("Origin", origin),
                                                          "application/x-www-form-urlencoded",
                                                          body, GH_TEST_HTTP_NO_REDIRECT);

    g_assert_cmpuint (posted->status, ==, 303);
    consent = gh_test_http_full (fixture->ts.browser, "GET",
                                 gh_test_response_header (posted, "Location"), NULL, NULL, NULL,
                                 GH_TEST_HTTP_NO_REDIRECT);
  }
  g_assert_cmpuint (consent->status, ==, 200);
  consent_html = gh_test_response_text (consent);
  g_assert_nonnull (strstr (consent_html, "Published by"));
  g_assert_nonnull (strstr (consent_html, host));
  g_assert_null (strstr (consent_html, "<b>tool</b>"));
  g_assert_nonnull (strstr (consent_html, "returns only to programs on this computer"));
}

/* A document that fails a rule: a page that says which, and the events. */
static void
test_refused_document (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autofree char *client_id = NULL;
  g_autofree char *verifier = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GhTestResponse) response = NULL;
  g_autofree char *text = NULL;

  client_id = g_strconcat (fixture->documents_base, "/clients/liar.json", NULL);
  g_free (publish (fixture, "/clients/liar.json", "https://someone-else.example/client.json",
                   "Liar", CALLBACK));
  gh_test_pkce_pair (&verifier, &challenge);
  path = authorize_path (client_id, challenge, "s");
  response = gh_test_server_request (&fixture->ts, fixture->ts.session, "GET", path,
                                     NULL, NULL, NULL);

  /* Never redirected anywhere the document names. */
  g_assert_cmpuint (response->status, ==, 400);
  g_assert_null (gh_test_response_header (response, "Location"));
  text = gh_test_response_text (response);
  g_assert_nonnull (strstr (text, "client_id"));
  g_assert_cmpuint (gh_test_server_count_audit (&fixture->ts, "oauth_client.cimd_fetch_failed"),
                    ==, 1);
  g_assert_cmpuint (gh_test_server_count_audit (&fixture->ts, "authorization.refused"), ==, 1);
  /* The refusal's explain is the resolver's first failing check */
  {
    g_autoptr(JsonObject) refused = gh_test_server_last_audit (&fixture->ts,
                                                               "authorization.refused");
    JsonObject *explain = json_object_get_object_member (refused, "explain");

    g_assert_nonnull (explain);
    g_assert_cmpstr (json_object_get_string_member (explain, "rule"), ==,
                     "cimd.document.client_id");
    g_assert_cmpstr (json_object_get_string_member (refused, "@flow_id"), !=, NULL);
  }

  /* Failures are not cached: the next try fetches again. */
  g_clear_pointer (&response, gh_test_response_free);
  response = gh_test_server_request (&fixture->ts, fixture->ts.session, "GET", path,
                                     NULL, NULL, NULL);
  g_assert_cmpuint (response->status, ==, 400);
  g_assert_cmpuint (hits (fixture, "/clients/liar.json"), ==, 2);
}

static void
cancelled_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                             &error);

  *(gboolean *) user_data = TRUE;
}

/* The browser goes away while /authorize waits for the document: the server drops the work,
 * answers nobody, and goes on serving. */
static void
test_browser_leaves (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *client_id = publish (fixture, "/held/slow.json", NULL, "Slow", CALLBACK);
  g_autofree char *verifier = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *path = NULL;
  g_autofree char *url = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  gboolean done = FALSE;
  guint refused = gh_test_server_count_audit (&fixture->ts, "authorization.refused");

  gh_test_pkce_pair (&verifier, &challenge);
  path = authorize_path (client_id, challenge, "s");
  url = g_strconcat (fixture->ts.issuer, path, NULL);
  msg = soup_message_new ("GET", url);
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, cancellable, cancelled_done,
                                    &done);

  /* Wait until the document request is held, then leave. */
  while (fixture->documents->held->len == 0)
    g_main_context_iteration (NULL, TRUE);
  g_cancellable_cancel (cancellable);
  g_assert_true (gh_test_wait_for (&done, 5000));
  soup_session_abort (session);
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);

  /* Now the document arrives: nobody is waiting, nothing is sent, nothing breaks. */
  soup_server_message_unpause (g_ptr_array_index (fixture->documents->held, 0));
  g_ptr_array_remove_index (fixture->documents->held, 0);
  for (guint i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);

  {
    g_autoptr(GhTestResponse) discovery =
      gh_test_server_request (&fixture->ts, fixture->ts.session,
                              "GET", "/.well-known/openid-configuration",
                              NULL, NULL, NULL);
    g_assert_cmpuint (discovery->status, ==, 200);
  }
  g_assert_cmpuint (gh_test_server_count_audit (&fixture->ts, "authorization.refused"), ==,
                    refused);

  /* The flow went no further: no sign-in request was kept for the page that nobody sees. */
  {
    GhStore *store = gh_server_get_store (fixture->ts.server);
    g_autoptr(GError) error = NULL;
    g_autoptr(GhStmt) stmt = gh_store_prepare (store, "SELECT count(*) FROM authorization_requests",
                                               &error);
    gboolean row;

    g_assert_no_error (error);
    g_assert_true (gh_store_step (store, stmt, &row, &error));
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 0);
  }
}

/* With CIMD off, a URL client_id is refused before any fetch. */
static void
test_cimd_disabled (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *client_id = publish (fixture, "/clients/off.json", NULL, "Off", CALLBACK);
  g_autofree char *verifier = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GhTestResponse) response = NULL;
  g_autoptr(GhTestResponse) discovery = NULL;
  g_autoptr(JsonObject) doc = NULL;

  gh_test_server_set (&fixture->ts, "cimd_enabled", "false");
  gh_test_pkce_pair (&verifier, &challenge);
  path = authorize_path (client_id, challenge, "s");
  response = gh_test_server_request (&fixture->ts, fixture->ts.session, "GET", path,
                                     NULL, NULL, NULL);
  g_assert_cmpuint (response->status, ==, 400);
  g_assert_cmpuint (hits (fixture, "/clients/off.json"), ==, 0);

  discovery = gh_test_server_request (&fixture->ts, fixture->ts.session, "GET",
                                      "/.well-known/oauth-authorization-server", NULL, NULL, NULL);
  doc = gh_test_response_json (discovery);
  g_assert_false (json_object_get_boolean_member (doc, "client_id_metadata_document_supported"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/server/cimd/flow/pkce", test_pkce_flow);
  ADD ("/server/cimd/flow/single-flight", test_single_flight);
  ADD ("/server/cimd/flow/consent-shows-publisher", test_consent_shows_publisher);
  ADD ("/server/cimd/flow/refused-document", test_refused_document);
  ADD ("/server/cimd/flow/disabled", test_cimd_disabled);
  ADD ("/server/cimd/flow/browser-leaves", test_browser_leaves);

  return g_test_run ();
}
