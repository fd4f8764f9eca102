/* test-discovery.c — discovery documents and JWKS over a real server on 127.0.0.1, port 0
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "gh-discovery.h"
#include "gh-json.h"
#include "gh-server.h"
#include "gh-test-util.h"

typedef GhTestServer Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  gh_test_server_setup (fixture, data);
  g_assert_cmpuint (gh_server_get_port (fixture->server), >, 0);
  /* A second project with production defaults, as `project create acme` makes it. */
  gh_test_server_add_project (fixture, "acme", "ACME", GH_SETTINGS_PROFILE_PRODUCTION);
}

static GhTestResponse *
get (Fixture            *fixture,
     const char         *path,
     const char * const *headers)
{
  g_autofree char *url = g_strconcat (fixture->issuer, path, NULL);
  return gh_test_http (fixture->session, "GET", url, headers, NULL, NULL);
}

/* What every metadata document must carry (SPEC-NOTES.md, "Discovery"). */
static void
assert_common_metadata (JsonObject *doc,
                        const char *issuer)
{
  g_autofree char *jwks_uri = g_strconcat (issuer, "/jwks", NULL);
  JsonArray *methods;

  g_assert_cmpstr (json_object_get_string_member (doc, "issuer"), ==, issuer);
  g_assert_cmpstr (json_object_get_string_member (doc, "jwks_uri"), ==, jwks_uri);
  methods = json_object_get_array_member (doc, "code_challenge_methods_supported");
  g_assert_cmpuint (json_array_get_length (methods), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (methods, 0), ==, "S256");
  g_assert_true (json_object_get_boolean_member (doc,
                                                 "authorization_response_iss_parameter_supported"));
  g_assert_true (gh_test_json_array_has (doc, "response_types_supported", "code"));
  g_assert_false (gh_test_json_array_has (doc, "response_types_supported", "token"));
  g_assert_true (gh_test_json_array_has (doc, "grant_types_supported", "authorization_code"));
  g_assert_true (gh_test_json_array_has (doc, "grant_types_supported", "refresh_token"));
  g_assert_false (gh_test_json_array_has (doc, "grant_types_supported", "password"));
  g_assert_false (gh_test_json_array_has (doc, "grant_types_supported", "implicit"));
  g_assert_true (gh_test_json_array_has (doc, "scopes_supported", "openid"));
  g_assert_true (json_object_has_member (doc, "client_id_metadata_document_supported"));
}

static void
test_default_oauth (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GhTestResponse) response = get (fixture, "/.well-known/oauth-authorization-server",
                                             NULL);
  g_autoptr(JsonObject) doc = NULL;
  g_autofree char *expected_base = g_strdup_printf ("http://127.0.0.1:%u",
                                                    gh_server_get_port (fixture->server));

  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpstr (gh_test_response_header (response, "Content-Type"), ==, "application/json");
  doc = gh_test_response_json (response);
  g_assert_cmpstr (fixture->issuer, ==, expected_base);
  assert_common_metadata (doc, expected_base);

  /* Development defaults: MCP and CIMD on. */
  g_assert_true (json_object_get_boolean_member (doc, "client_id_metadata_document_supported"));
  g_assert_true (json_object_get_boolean_member (doc, "mcp_authorization_supported"));

  /* Every endpoint the server serves, at the issuer; DCR is open by development default. */
  for (const char * const *row = (const char * const[]) {
         "authorization_endpoint", "/authorize", "token_endpoint", "/token",
         "revocation_endpoint", "/revoke", "introspection_endpoint", "/introspect",
         "userinfo_endpoint", "/userinfo", "registration_endpoint", "/register", NULL };
       *row != NULL; row += 2)
    {
      g_autofree char *url = g_strconcat (expected_base, row[1], NULL);
      g_assert_cmpstr (json_object_get_string_member (doc, row[0]), ==, url);
    }
  /* Some clients use CIMD only when "none" is listed. */
  g_assert_true (gh_test_json_array_has (doc, "token_endpoint_auth_methods_supported", "none"));
  g_assert_true (gh_test_json_array_has (doc, "token_endpoint_auth_methods_supported",
                                         "private_key_jwt"));
}

static void
test_default_oidc (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GhTestResponse) response = get (fixture, "/.well-known/openid-configuration", NULL);
  g_autoptr(JsonObject) doc = NULL;

  g_assert_cmpuint (response->status, ==, 200);
  doc = gh_test_response_json (response);
  assert_common_metadata (doc, fixture->issuer);
  g_assert_true (gh_test_json_array_has (doc, "subject_types_supported", "public"));
  g_assert_true (gh_test_json_array_has (doc, "id_token_signing_alg_values_supported", "ES256"));
  g_assert_false (gh_test_json_array_has (doc, "id_token_signing_alg_values_supported", "none"));
}

/* SPEC-NOTES.md: the three forms clients try for an issuer with a path, all with an issuer
 * byte-equal to the one the client derived. */
static void
test_project_three_forms (Fixture       *fixture,
                          gconstpointer  data)
{
  static const char * const paths[] = {
    "/.well-known/oauth-authorization-server/p/acme",
    "/.well-known/openid-configuration/p/acme",
    "/p/acme/.well-known/openid-configuration",
    "/p/acme/.well-known/oauth-authorization-server",
  };
  g_autofree char *issuer = g_strconcat (fixture->issuer, "/p/acme", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(GhTestResponse) response = get (fixture, paths[i], NULL);
      g_autoptr(JsonObject) doc = NULL;

      g_test_message ("%s", paths[i]);
      g_assert_cmpuint (response->status, ==, 200);
      doc = gh_test_response_json (response);
      assert_common_metadata (doc, issuer);
      /* acme has production defaults: CIMD and MCP off, no DCR. */
      g_assert_false (json_object_get_boolean_member (doc,
                                                      "client_id_metadata_document_supported"));
      g_assert_false (json_object_has_member (doc, "mcp_authorization_supported"));
      g_assert_false (json_object_has_member (doc, "registration_endpoint"));
    }
}

/* A change made through another connection (the CLI) shows at the next request. */
static void
test_settings_follow (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStore) store = gh_store_open (fixture->dir, &error);
  g_autoptr(GhAudit) audit = gh_audit_new (store);
  g_autoptr(GhProjects) cli = gh_projects_new (store, audit);
  g_autoptr(JsonObject) patch = json_object_new ();
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(GhTestResponse) response = NULL;
  g_autoptr(JsonObject) doc = NULL;

  json_object_set_string_member (patch, "mcp_enabled", "true");
  changes = gh_projects_update_settings (cli, "acme", patch, "cli", &error);
  g_assert_no_error (error);

  response = get (fixture, "/.well-known/oauth-authorization-server/p/acme", NULL);
  g_assert_cmpuint (response->status, ==, 200);
  doc = gh_test_response_json (response);
  g_assert_true (json_object_get_boolean_member (doc, "mcp_authorization_supported"));
  g_assert_true (json_object_has_member (doc, "registration_endpoint"));
}

static void
test_cors (Fixture       *fixture,
           gconstpointer  data)
{
  static const char * const origin[] = { "Origin", "http://localhost:6274", NULL };
  static const char * const paths[] = {
    "/.well-known/oauth-authorization-server",
    "/.well-known/openid-configuration/p/acme",
    "/jwks",
    "/p/acme/jwks",
  };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *url = g_strconcat (fixture->issuer, paths[i], NULL);
      g_autoptr(GhTestResponse) response = get (fixture, paths[i], origin);
      g_autoptr(GhTestResponse) preflight = NULL;
      static const char * const preflight_headers[] = {
        "Origin", "http://localhost:6274",
        "Access-Control-Request-Method", "GET",
        "Access-Control-Request-Headers", "mcp-protocol-version",
        NULL,
      };

      g_test_message ("%s", paths[i]);
      g_assert_cmpuint (response->status, ==, 200);
      g_assert_cmpstr (gh_test_response_header (response, "Access-Control-Allow-Origin"), ==, "*");

      preflight = gh_test_http (fixture->session, "OPTIONS", url, preflight_headers, NULL, NULL);
      g_assert_cmpuint (preflight->status, ==, 204);
      g_assert_cmpstr (gh_test_response_header (preflight, "Access-Control-Allow-Origin"), ==, "*");
      g_assert_nonnull (strstr (gh_test_response_header (preflight, "Access-Control-Allow-Methods"),
                                "GET"));
      {
        g_autofree char *allowed =
          g_ascii_strdown (gh_test_response_header (preflight, "Access-Control-Allow-Headers"), -1);
        g_assert_nonnull (strstr (allowed, "mcp-protocol-version"));
      }
    }
}

/* A browser opening an issuer's URL gets a page naming it and where programs find it; a
 * program keeps the JSON 404. */
static void
test_issuer_page (Fixture       *fixture,
                  gconstpointer  data)
{
  static const char * const html[] = {
    "Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", NULL,
  };
  static const char * const json[] = { "Accept", "application/json", NULL };
  const struct {
    const char *path;
    const char *issuer_path;
    const char *name;
  } rows[] = {
    { "/", "", "Default" },
    { "/p/acme", "/p/acme", "ACME" },
    { "/p/acme/", "/p/acme", "ACME" },
    { "/p/tricky", "/p/tricky", "&lt;b&gt;Tricky &amp; Co&lt;/b&gt;" },
  };
  g_autoptr(GhProject) tricky = NULL;
  g_autoptr(GError) error = NULL;

  tricky = gh_projects_create (gh_server_get_projects (fixture->server), "tricky",
                               "<b>Tricky & Co</b>", GH_SETTINGS_PROFILE_PRODUCTION, "test",
                               &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GhTestResponse) page = get (fixture, rows[i].path, html);
      g_autoptr(GhTestResponse) no_accept = get (fixture, rows[i].path, NULL);
      g_autoptr(GhTestResponse) as_json = get (fixture, rows[i].path, json);
      g_autofree char *text = NULL;
      g_autofree char *issuer = g_strconcat (fixture->issuer, rows[i].issuer_path, NULL);
      g_autofree char *oauth = g_strconcat (fixture->issuer,
                                            "/.well-known/oauth-authorization-server",
                                            rows[i].issuer_path, NULL);
      g_autofree char *oidc = g_strconcat (issuer, "/.well-known/openid-configuration", NULL);
      g_autofree char *jwks = g_strconcat (issuer, "/jwks", NULL);
      g_autofree char *issuer_dd = g_strdup_printf ("<dd>%s</dd>", issuer);
      g_autofree char *oauth_link = g_strdup_printf ("<a href=\"%s\">", oauth);
      g_autofree char *oidc_link = g_strdup_printf ("<a href=\"%s\">", oidc);
      g_autofree char *jwks_link = g_strdup_printf ("<a href=\"%s\">", jwks);
      g_autofree char *title = g_strdup_printf ("<h1>%s</h1>", rows[i].name);
      const char *csp;

      g_test_message ("%s", rows[i].path);
      g_assert_cmpuint (page->status, ==, 200);
      g_assert_cmpstr (gh_test_response_header (page, "Content-Type"), ==,
                       "text/html; charset=utf-8");
      csp = gh_test_response_header (page, "Content-Security-Policy");
      g_assert_nonnull (csp);
      g_assert_nonnull (strstr (csp, "default-src 'none'"));
      g_assert_nonnull (strstr (csp, "frame-ancestors 'none'"));
      g_assert_cmpstr (gh_test_response_header (page, "X-Frame-Options"), ==, "DENY");
      g_assert_nonnull (strstr (gh_test_response_header (page, "Vary"), "Accept"));
      text = gh_test_response_text (page);
      g_assert_nonnull (strstr (text, title));
      g_assert_nonnull (strstr (text, issuer_dd));
      g_assert_nonnull (strstr (text, oauth_link));
      g_assert_nonnull (strstr (text, oidc_link));
      g_assert_nonnull (strstr (text, jwks_link));
      g_assert_null (strstr (text, "<b>"));

      /* The links lead where they say. */
      if (i == 1)
        {
          g_autoptr(GhTestResponse) metadata = gh_test_http (fixture->session, "GET", oauth, NULL,
                                                             NULL, NULL);
          g_autoptr(JsonObject) doc = NULL;

          g_assert_cmpuint (metadata->status, ==, 200);
          doc = gh_test_response_json (metadata);
          g_assert_cmpstr (json_object_get_string_member (doc, "issuer"), ==, issuer);
          g_assert_cmpstr (json_object_get_string_member (doc, "jwks_uri"), ==, jwks);
        }

      for (guint j = 0; j < 2; j++)
        {
          GhTestResponse *response = j == 0 ? no_accept : as_json;
          g_autoptr(JsonObject) doc = NULL;

          g_assert_cmpuint (response->status, ==, 404);
          g_assert_cmpstr (gh_test_response_header (response, "Content-Type"), ==,
                           "application/json");
          g_assert_nonnull (strstr (gh_test_response_header (response, "Vary"), "Accept"));
          doc = gh_test_response_json (response);
          g_assert_cmpstr (json_object_get_string_member (doc, "error"), ==, "not_found");
        }
    }

  /* A browser that says it takes no HTML (q=0) gets JSON. */
  {
    static const char * const no_html[] = {
      "Accept", "text/html;q=0, application/json", NULL,
    };
    g_autoptr(GhTestResponse) refused = get (fixture, "/", no_html);

    g_assert_cmpuint (refused->status, ==, 404);
    g_assert_cmpstr (gh_test_response_header (refused, "Content-Type"), ==, "application/json");
  }

  /* Not for another method, nor for a project that does not exist. */
  {
    g_autofree char *url = g_strconcat (fixture->issuer, "/", NULL);
    g_autoptr(GhTestResponse) post = gh_test_http (fixture->session, "POST", url, html,
                                                   "application/x-www-form-urlencoded", "a=b");
    g_autoptr(GhTestResponse) nope = get (fixture, "/p/nope", html);

    g_assert_cmpuint (post->status, ==, 404);
    g_assert_cmpuint (nope->status, ==, 404);
  }
}

/* A preflight may ask for any request header: the answer carries "*" and never credentials,
 * so the headers asked for are allowed (a browser client adding its own is not blocked). */
static void
test_cors_any_header (Fixture       *fixture,
                      gconstpointer  data)
{
  static const char * const paths[] = {
    "/.well-known/oauth-authorization-server",
    "/p/acme/.well-known/openid-configuration",
    "/jwks",
    "/token",
    "/register",
    "/revoke",
    "/introspect",
    "/userinfo",
  };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *url = g_strconcat (fixture->issuer, paths[i], NULL);
      const char *method = i < 3 ? "GET" : "POST";
      const char * const asks[] = {
        "Origin", "http://localhost:6274",
        "Access-Control-Request-Method", method,
        "Access-Control-Request-Headers", "X-Custom-Thing, DPoP",
        NULL,
      };
      /* As Chromium sends it: lower case, no spaces. */
      const char * const chromium[] = {
        "Origin", "http://localhost:6274",
        "Access-Control-Request-Method", method,
        "Access-Control-Request-Headers",
        "authorization,content-type,mcp-protocol-version,x-custom-thing",
        NULL,
      };
      g_autoptr(GhTestResponse) preflight = gh_test_http (fixture->session, "OPTIONS", url, asks,
                                                          NULL, NULL);
      g_autoptr(GhTestResponse) second = gh_test_http (fixture->session, "OPTIONS", url, chromium,
                                                       NULL, NULL);
      g_autofree char *allowed = NULL;
      g_autofree char *allowed_second = NULL;

      g_test_message ("%s", paths[i]);
      g_assert_cmpuint (preflight->status, ==, 204);
      g_assert_cmpstr (gh_test_response_header (preflight, "Access-Control-Allow-Origin"), ==, "*");
      g_assert_null (gh_test_response_header (preflight, "Access-Control-Allow-Credentials"));
      g_assert_nonnull (strstr (gh_test_response_header (preflight, "Access-Control-Allow-Methods"),
                                method));
      allowed = g_ascii_strdown (gh_test_response_header (preflight,
                                                          "Access-Control-Allow-Headers"), -1);
      g_assert_cmpstr (allowed, ==, "x-custom-thing, dpop");
      g_assert_nonnull (strstr (gh_test_response_header (preflight, "Vary"),
                                "Access-Control-Request-Headers"));

      g_assert_cmpuint (second->status, ==, 204);
      allowed_second = g_ascii_strdown (gh_test_response_header (second,
                                                                 "Access-Control-Allow-Headers"),
                                        -1);
      g_assert_cmpstr (allowed_second, ==,
                       "authorization, content-type, mcp-protocol-version, x-custom-thing");
    }

  /* What is not a list of header names is not echoed back. */
  {
    g_autofree char *url = g_strconcat (fixture->issuer, "/token", NULL);
    const char * const bad[] = {
      "Origin", "http://localhost:6274",
      "Access-Control-Request-Method", "POST",
      "Access-Control-Request-Headers", "x-ok, <script>, \"quoted\"",
      NULL,
    };
    g_autoptr(GhTestResponse) preflight = gh_test_http (fixture->session, "OPTIONS", url, bad,
                                                        NULL, NULL);
    const char *allowed;

    g_assert_cmpuint (preflight->status, ==, 204);
    allowed = gh_test_response_header (preflight, "Access-Control-Allow-Headers");
    g_assert_null (strstr (allowed, "script"));
    g_assert_null (strstr (allowed, "x-ok"));
    g_assert_nonnull (strstr (allowed, "Authorization"));
  }
}

static void
test_caching (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GhTestResponse) first = get (fixture, "/.well-known/oauth-authorization-server", NULL);
  g_autoptr(GhTestResponse) again = NULL;
  g_autoptr(GhTestResponse) jwks = NULL;
  g_autoptr(GhTestResponse) jwks_again = NULL;
  const char *etag = gh_test_response_header (first, "ETag");
  const char *jwks_etag;

  g_assert_cmpstr (gh_test_response_header (first, "Cache-Control"), ==, "no-cache");
  g_assert_nonnull (etag);
  g_assert_true (etag[0] == '"');

  {
    const char * const headers[] = { "If-None-Match", etag, NULL };
    again = get (fixture, "/.well-known/oauth-authorization-server", headers);
  }
  g_assert_cmpuint (again->status, ==, 304);
  g_assert_cmpuint (g_bytes_get_size (again->body), ==, 0);

  jwks = get (fixture, "/jwks", NULL);
  g_assert_nonnull (strstr (gh_test_response_header (jwks, "Cache-Control"), "max-age="));
  jwks_etag = gh_test_response_header (jwks, "ETag");
  g_assert_nonnull (jwks_etag);
  {
    g_autofree char *weak = g_strconcat ("W/", jwks_etag, NULL);
    const char * const headers[] = { "If-None-Match", weak, NULL };
    jwks_again = get (fixture, "/jwks", headers);
  }
  g_assert_cmpuint (jwks_again->status, ==, 304);
}

static void
test_not_found (Fixture       *fixture,
                gconstpointer  data)
{
  static const char * const paths[] = {
    "/.well-known/oauth-authorization-server/p/nope",
    "/p/nope/.well-known/openid-configuration",
    "/p/nope/jwks",
    "/p/default/jwks",
    "/.well-known/oauth-authorization-server/p/default",
    "/.well-known/oauth-authorization-server/p/acme/extra",
    "/.well-known/oauth-authorization-server/other",
    "/.well-known/unknown-document",
    "/p/acme/.well-known/unknown-document",
    "/p/ACME/jwks",
    "/nothing-here",
    "/jwks/",
  };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(GhTestResponse) response = get (fixture, paths[i], NULL);
      g_autoptr(JsonObject) doc = NULL;

      g_test_message ("%s", paths[i]);
      g_assert_cmpuint (response->status, ==, 404);
      g_assert_cmpstr (gh_test_response_header (response, "Content-Type"), ==, "application/json");
      doc = gh_test_response_json (response);
      g_assert_cmpstr (json_object_get_string_member (doc, "error"), ==, "not_found");
      g_assert_true (json_object_has_member (doc, "error_description"));
    }
}

/* ---- raw HTTP: bytes no HTTP library would send ----------------------------------- */

typedef struct
{
  guint16 port;
  const char *request;
  GString *reply;
  gboolean done;
} RawExchange;

static gpointer
raw_exchange_thread (gpointer data)
{
  RawExchange *raw = data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  char buf[4096];
  gssize n;

  connection = g_socket_client_connect_to_host (client, "127.0.0.1", raw->port, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             raw->request, strlen (raw->request), NULL, NULL, &error);
  g_assert_no_error (error);
  while ((n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                   buf, sizeof buf, NULL, NULL)) > 0)
    g_string_append_len (raw->reply, buf, n);
  g_atomic_int_set (&raw->done, TRUE);
  g_main_context_wakeup (NULL);
  return NULL;
}

/* Sends @request as it is and returns the answer's status; *@body gets its body. */
static guint
raw_request (Fixture     *fixture,
             const char  *request,
             char       **body)
{
  RawExchange raw = { gh_server_get_port (fixture->server), request, g_string_new (NULL), FALSE };
  g_autoptr(GThread) thread = g_thread_new ("raw-http", raw_exchange_thread, &raw);
  const char *end;
  guint status = 0;

  g_assert_true (gh_test_wait_for (&raw.done, 10000));
  g_thread_join (g_steal_pointer (&thread));
  g_assert_true (sscanf (raw.reply->str, "HTTP/1.1 %u ", &status) == 1);
  end = strstr (raw.reply->str, "\r\n\r\n");
  g_assert_nonnull (end);
  *body = g_strdup (end + 4);
  g_string_free (raw.reply, TRUE);
  return status;
}

/* Issue 9: the path-insertion form skipped the slug check, so whatever followed /p/ (invalid
 * UTF-8 included) was reflected in the 404. Every form now checks the slug. */
static void
test_slug_checked_on_every_form (Fixture       *fixture,
                                 gconstpointer  data)
{
  static const char * const slugs[] = { "\xff\xfe", "Caf\xc3\xa9", "EVIL", "a%22b", "-x" };

  for (guint i = 0; i < G_N_ELEMENTS (slugs); i++)
    for (const char * const *form = (const char * const[]) {
           "/.well-known/oauth-authorization-server/p/%s",
           "/.well-known/openid-configuration/p/%s",
           "/p/%s/.well-known/openid-configuration",
           "/p/%s/jwks",
           NULL }; *form != NULL; form++)
      {
        g_autofree char *path = g_strdup_printf (*form, slugs[i]);
        g_autofree char *request = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                                    "Connection: close\r\n\r\n", path);
        g_autofree char *body = NULL;
        g_autoptr(JsonObject) doc = NULL;
        g_autoptr(GError) error = NULL;
        guint status;
        const char *description;

        g_autofree char *shown = g_strescape (path, NULL);

        g_test_message ("%s", shown);
        status = raw_request (fixture, request, &body);
        if (status == 400)
          continue; /* libsoup refused the request line itself: nothing reflected either */
        g_assert_cmpuint (status, ==, 404);
        doc = gh_json_parse_object_strict (body, strlen (body), &error);
        g_assert_no_error (error);
        g_assert_cmpstr (json_object_get_string_member (doc, "error"), ==, "not_found");
        description = json_object_get_string_member (doc, "error_description");
        g_assert_null (strstr (description, slugs[i]));
        g_assert_null (strstr (description, "\xef\xbf\xbd"));
      }
}

static void
test_method_not_allowed (Fixture       *fixture,
                         gconstpointer  data)
{
  static const char * const paths[] = { "/.well-known/openid-configuration", "/jwks" };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autofree char *url = g_strconcat (fixture->issuer, paths[i], NULL);
      g_autoptr(GhTestResponse) response = gh_test_http (fixture->session, "POST", url, NULL,
                                                          "application/json", "{}");
      g_autoptr(GhTestResponse) head = gh_test_http (fixture->session, "HEAD", url,
                                                     NULL, NULL, NULL);

      g_assert_cmpuint (response->status, ==, 405);
      g_assert_nonnull (strstr (gh_test_response_header (response, "Allow"), "GET"));
      g_assert_cmpuint (head->status, ==, 200);
    }
}

static void
test_jwks (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(GhTestResponse) response = get (fixture, "/jwks", NULL);
  g_autoptr(GhTestResponse) project = get (fixture, "/p/acme/jwks", NULL);
  g_autoptr(JsonObject) doc = NULL;
  JsonArray *keys;
  JsonObject *key;

  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpstr (gh_test_response_header (response, "Content-Type"), ==, "application/json");
  doc = gh_test_response_json (response);
  keys = json_object_get_array_member (doc, "keys");
  g_assert_cmpuint (json_array_get_length (keys), ==, 1);
  key = json_array_get_object_element (keys, 0);
  g_assert_cmpstr (json_object_get_string_member (key, "kty"), ==, "EC");
  g_assert_cmpstr (json_object_get_string_member (key, "crv"), ==, "P-256");
  g_assert_cmpstr (json_object_get_string_member (key, "alg"), ==, "ES256");
  g_assert_cmpstr (json_object_get_string_member (key, "use"), ==, "sig");
  g_assert_true (json_object_has_member (key, "kid"));
  g_assert_false (json_object_has_member (key, "d"));

  /* Every project publishes the instance's keys. */
  g_assert_cmpuint (project->status, ==, 200);
  g_assert_true (g_bytes_equal (response->body, project->body));
}

static void
test_issuer_base (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GhTestResponse) response = NULL;
  g_autoptr(JsonObject) doc = NULL;
  g_autofree char *listen_url = g_strdup (gh_server_get_listen_url (fixture->server));

  /* Behind a proxy: the issuer is the public URL, never with a trailing slash. */
  gh_server_set_issuer_base (fixture->server, "https://auth.example.test/");
  g_assert_cmpstr (gh_server_get_issuer_base (fixture->server), ==, "https://auth.example.test");
  g_assert_cmpstr (gh_server_get_listen_url (fixture->server), ==, listen_url);

  {
    g_autofree char *url = g_strconcat (listen_url, "/.well-known/openid-configuration/p/acme",
                                        NULL);
    response = gh_test_http (fixture->session, "GET", url, NULL, NULL, NULL);
  }
  doc = gh_test_response_json (response);
  g_assert_cmpstr (json_object_get_string_member (doc, "issuer"), ==,
                   "https://auth.example.test/p/acme");
  g_assert_cmpstr (json_object_get_string_member (doc, "jwks_uri"), ==,
                   "https://auth.example.test/p/acme/jwks");
}

static guint
jwks_keys (Fixture *fixture)
{
  g_autoptr(GhTestResponse) response = get (fixture, "/jwks", NULL);
  g_autoptr(JsonObject) doc = gh_test_response_json (response);

  return json_array_get_length (json_object_get_array_member (doc, "keys"));
}

/* A store error while building discovery is answered as one, and nothing is cached: the
 * next request, once the store works, gets the whole document. */
static void
test_discovery_store_error (Fixture       *fixture,
                            gconstpointer  data)
{
  GhStore *store = gh_server_get_store (fixture->server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhProject) project = gh_projects_get (gh_server_get_projects (fixture->server),
                                                  "default", NULL);
  g_autoptr(GhResource) resource = NULL;

  resource = gh_resources_add (gh_server_get_resources (fixture->server), project,
                               "https://mcp.example/mcp", NULL, "files:read", NULL, "test",
                               &error);
  g_assert_no_error (error);
  g_assert_true (gh_store_exec (store, "ALTER TABLE resources RENAME TO resources_away", &error));
  g_assert_no_error (error);
  {
    g_autoptr(GhTestResponse) failed = NULL;
    g_autoptr(JsonObject) doc = NULL;

    gh_test_expect_message ("gatehouse-http", G_LOG_LEVEL_WARNING, "*no such table*");
    failed = get (fixture, "/.well-known/oauth-authorization-server", NULL);
    gh_test_assert_expected_messages ();
    g_assert_cmpuint (failed->status, ==, 500);
    doc = gh_test_response_json (failed);
    g_assert_cmpstr (json_object_get_string_member (doc, "error"), ==, "server_error");
  }
  g_assert_true (gh_store_exec (store, "ALTER TABLE resources_away RENAME TO resources", &error));
  g_assert_no_error (error);
  {
    g_autoptr(GhTestResponse) again = get (fixture, "/.well-known/oauth-authorization-server",
                                           NULL);
    g_autoptr(JsonObject) doc = NULL;

    g_assert_cmpuint (again->status, ==, 200);
    doc = gh_test_response_json (again);
    g_assert_true (gh_test_json_array_has (doc, "scopes_supported", "files:read"));
  }
}

/* Responses are served from memory only while nothing changed: a write by this process,
 * and the mere passing of a retired key's expiry, both show at once. */
static void
test_cached_responses (Fixture       *fixture,
                       gconstpointer  data)
{
  GhSigningKeys *keys = gh_server_get_signing_keys (fixture->server);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) patch = json_object_new ();
  g_autoptr(GPtrArray) changes = NULL;
  g_autofree char *kid = NULL;

  g_assert_cmpuint (jwks_keys (fixture), ==, 1);
  g_assert_cmpuint (jwks_keys (fixture), ==, 1);

  /* Rotate through the server's own connection: the old key stays published for 1 s. */
  kid = gh_signing_keys_rotate (keys, GH_JWS_ALG_ES256, 0, 1, "test", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (jwks_keys (fixture), ==, 2);
  g_usleep (2100 * 1000);
  g_assert_cmpuint (jwks_keys (fixture), ==, 1);

  /* A setting changed by this process shows in discovery at the next request. */
  {
    g_autoptr(GhTestResponse) before =
      get (fixture, "/.well-known/oauth-authorization-server/p/acme", NULL);
    g_autoptr(JsonObject) doc = gh_test_response_json (before);
    g_assert_false (json_object_has_member (doc, "mcp_authorization_supported"));
  }
  json_object_set_boolean_member (patch, "mcp_enabled", TRUE);
  changes = gh_projects_update_settings (gh_server_get_projects (fixture->server), "acme", patch,
                                         "test", &error);
  g_assert_no_error (error);
  {
    g_autoptr(GhTestResponse) after =
      get (fixture, "/.well-known/oauth-authorization-server/p/acme", NULL);
    g_autoptr(JsonObject) doc = gh_test_response_json (after);
    g_assert_true (json_object_get_boolean_member (doc, "mcp_authorization_supported"));
  }
}

/* With a resolver, the flag follows cimd_enabled; without one it is never true. */
static void
test_builder_cimd_flag (void)
{
  static const struct { gboolean enabled, available, advertised; } rows[] = {
    { TRUE, TRUE, TRUE }, { FALSE, TRUE, FALSE }, { TRUE, FALSE, FALSE }, { FALSE, FALSE, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GhProjectSettings) settings =
        gh_project_settings_new (GH_SETTINGS_PROFILE_DEVELOPMENT);
      g_autoptr(JsonObject) endpoints = json_object_new ();
      g_autoptr(JsonObject) doc = NULL;
      GhProject project = { .id = 1, .slug = (char *) "default", .settings = settings };

      settings->cimd_enabled = rows[i].enabled;
      doc = gh_discovery_build (&project, "http://127.0.0.1:1", GH_DISCOVERY_OAUTH, endpoints,
                                (const char * const[]) { "ES256", NULL }, NULL,
                                rows[i].available);
      g_assert_cmpint (json_object_get_boolean_member (doc,
                                                       "client_id_metadata_document_supported"),
                       ==, rows[i].advertised);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, gh_test_server_teardown)

  ADD ("/server/discovery/default/oauth", test_default_oauth);
  ADD ("/server/discovery/default/oidc", test_default_oidc);
  ADD ("/server/discovery/project/three-forms", test_project_three_forms);
  ADD ("/server/discovery/settings-follow-the-store", test_settings_follow);
  ADD ("/server/discovery/cors", test_cors);
  ADD ("/server/discovery/cors-any-header", test_cors_any_header);
  ADD ("/server/discovery/issuer-page", test_issuer_page);
  ADD ("/server/discovery/caching", test_caching);
  ADD ("/server/discovery/not-found", test_not_found);
  ADD ("/server/discovery/slug-checked-on-every-form", test_slug_checked_on_every_form);
  ADD ("/server/discovery/method-not-allowed", test_method_not_allowed);
  ADD ("/server/discovery/issuer-base", test_issuer_base);
  ADD ("/server/jwks", test_jwks);
  ADD ("/server/discovery/cached-responses", test_cached_responses);
  ADD ("/server/discovery/store-error", test_discovery_store_error);
  g_test_add_func ("/server/discovery/builder/cimd-flag", test_builder_cimd_flag);

  return g_test_run ();
}
