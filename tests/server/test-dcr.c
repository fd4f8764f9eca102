/* test-dcr.c — Dynamic Client Registration (RFC 7591), its management (RFC 7592) and
 * Initial Access Tokens, over a real server on 127.0.0.1, port 0. One test per row of
 * SECURITY.md's /register table, and the flows real clients run.
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-json.h"
#include "gh-server.h"
#include "gh-test-util.h"
#include "gh-time.h"

#define N_PARALLEL 20

/* RFC 7636 Appendix B. */
#define VERIFIER "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

/* RFC 7517 Appendix A.1 and A.2: an EC key, public and then with its private part. */
#define EC_PUBLIC_JWK "{\"kty\":\"EC\",\"crv\":\"P-256\"," \
                      "\"x\":\"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4\"," \
                      "\"y\":\"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM\",\"kid\":\"1\"}"
#define EC_PRIVATE_JWK "{\"kty\":\"EC\",\"crv\":\"P-256\"," \
                       "\"x\":\"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4\"," \
                       "\"y\":\"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM\"," \
                       "\"d\":\"870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE\",\"kid\":\"1\"}"

/* Fragments of the metadata tables. */
#define LOOPBACK_CB "\"redirect_uris\": [\"http://127.0.0.1/cb\"]"
#define APP_CB "\"redirect_uris\": [\"https://app.example.test/cb\"]"
#define PRIVATE_KEY_JWT "\"token_endpoint_auth_method\": \"private_key_jwt\""

#define PUBLIC_LOOPBACK "{\"redirect_uris\":[\"http://127.0.0.1/callback\"]," \
                        "\"token_endpoint_auth_method\":\"none\"}"

typedef GhTestServer Fixture;

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  gh_test_server_setup (fixture, data);
  /* A second project with production defaults (DCR disabled, no custom schemes). */
  gh_test_server_add_project (fixture, "acme", "ACME", GH_SETTINGS_PROFILE_PRODUCTION);
}

/* ---- HTTP -------------------------------------------------------------------------- */

/* @target: a path below the root issuer, or an absolute URL. @headers: name, value pairs,
 * NULL-terminated (a NULL name ends the list early, so optional headers can be left out). */
static GhTestResponse *
http (Fixture            *fixture,
      const char         *method,
      const char         *target,
      const char * const *headers,
      const char         *content_type,
      const char         *body,
      GhTestHttpFlags     flags)
{
  g_autofree char *url = target[0] == '/' ? g_strconcat (fixture->issuer, target, NULL)
                                          : g_strdup (target);
  g_autoptr(GBytes) bytes = body != NULL ? g_bytes_new (body, strlen (body)) : NULL;

  return gh_test_http_full (fixture->session, method, url, headers, content_type, bytes, flags);
}

static char *
bearer (const char *token)
{
  return token != NULL ? g_strconcat ("Bearer ", token, NULL) : NULL;
}

/* POST {issuer}/register; @issuer_path is "" for the default project, "/p/acme" for acme. */
static GhTestResponse *
post_register_as (Fixture    *fixture,
                  const char *issuer_path,
                  const char *iat,
                  const char *content_type,
                  const char *body)
{
  g_autofree char *path = g_strconcat (issuer_path, "/register", NULL);
  g_autofree char *authorization = bearer (iat);
  const char * const headers[] = { authorization != NULL ? "Authorization" : NULL, authorization,
                                   NULL };

  return http (fixture, "POST", path, headers, content_type, body, 0);
}

static GhTestResponse *
post_register (Fixture    *fixture,
               const char *issuer_path,
               const char *iat,
               const char *body)
{
  return post_register_as (fixture, issuer_path, iat, "application/json", body);
}

/* GET/PUT/DELETE on a registration_client_uri, with the registration access token. */
static GhTestResponse *
manage (Fixture    *fixture,
        const char *method,
        const char *client_uri,
        const char *token,
        const char *body)
{
  g_autofree char *authorization = bearer (token);
  const char * const headers[] = { authorization != NULL ? "Authorization" : NULL, authorization,
                                   NULL };

  return http (fixture, method, client_uri, headers, "application/json", body, 0);
}

/* ---- assertions -------------------------------------------------------------------- */

static const char *
member (JsonObject *doc,
        const char *name)
{
  return json_object_get_string_member_with_default (doc, name, NULL);
}

static const char *
member_or_empty (JsonObject *doc,
                 const char *name)
{
  return json_object_get_string_member_with_default (doc, name, "");
}

static void
show_body (GhTestResponse *response)
{
  gsize size;
  const char *data = g_bytes_get_data (response->body, &size);

  g_test_message ("HTTP %u: %.*s", response->status, (int) MIN (size, 500),
                  data != NULL ? data : "");
}

/* A JSON error body with @code and a non-empty description, under @status. */
static void
assert_oauth_error (GhTestResponse *response,
                    guint           status,
                    const char     *code)
{
  g_autoptr(JsonObject) doc = NULL;

  if (response->status != status)
    show_body (response);
  g_assert_cmpuint (response->status, ==, status);
  g_assert_cmpstr (gh_test_response_header (response, "Content-Type"), ==, "application/json");
  doc = gh_test_response_json (response);
  g_assert_cmpstr (json_object_get_string_member_with_default (doc, "error", NULL), ==, code);
  g_assert_cmpuint (strlen (member_or_empty (doc, "error_description")), >, 0);
}

/* RFC 6750 §3: a 401 from a bearer-protected endpoint says how to authenticate; with
 * @error_code when a token was presented, without any error when none was. */
static void
assert_bearer_challenge (Fixture        *fixture,
                         GhTestResponse *response,
                         const char     *issuer_path,
                         const char     *error_code)
{
  const char *challenge = gh_test_response_header (response, "WWW-Authenticate");
  g_autofree char *realm = g_strdup_printf ("Bearer realm=\"%s%s\"", fixture->issuer, issuer_path);

  g_assert_nonnull (challenge);
  g_assert_true (g_str_has_prefix (challenge, realm));
  if (error_code == NULL)
    {
      g_assert_cmpstr (challenge, ==, realm);
      g_assert_null (strstr (challenge, "error"));
    }
  else
    {
      g_autofree char *expected = g_strdup_printf ("error=\"%s\"", error_code);
      g_assert_nonnull (strstr (challenge, expected));
    }
}

static void
assert_invalid_token (Fixture        *fixture,
                      GhTestResponse *response,
                      const char     *issuer_path)
{
  assert_oauth_error (response, 401, "invalid_token");
  assert_bearer_challenge (fixture, response, issuer_path, "invalid_token");
}

static gboolean
is_generated_client_id (const char *client_id)
{
  if (client_id == NULL || !g_str_has_prefix (client_id, "client_") || strlen (client_id) != 31)
    return FALSE;
  for (const char *p = client_id + 7; *p; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

/* A 201 RFC 7591 client information response; returns its body. */
static JsonObject *
assert_registered (GhTestResponse *response)
{
  JsonObject *doc;
  const char *client_id;

  if (response->status != 201)
    show_body (response);
  g_assert_cmpuint (response->status, ==, 201);
  g_assert_cmpstr (gh_test_response_header (response, "Content-Type"), ==, "application/json");
  g_assert_cmpstr (gh_test_response_header (response, "Cache-Control"), ==, "no-store");
  doc = gh_test_response_json (response);
  client_id = json_object_get_string_member_with_default (doc, "client_id", NULL);
  g_assert_true (is_generated_client_id (client_id));
  g_assert_cmpint (json_object_get_int_member_with_default (doc, "client_id_issued_at", 0), >,
                   1700000000);
  g_assert_cmpuint (strlen (member_or_empty (doc, "registration_access_token")), >=, 32);
  g_assert_true (json_object_has_member (doc, "registration_client_uri"));
  return doc;
}

/* ---- the domain, directly ---------------------------------------------------------- */

static char *
object_to_string (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  return json_to_string (node, FALSE);
}

static GhProject *
get_project (Fixture    *fixture,
             const char *slug)
{
  g_autoptr(GError) error = NULL;
  GhProject *project = gh_projects_get (gh_server_get_projects (fixture->server), slug, &error);

  g_assert_no_error (error);
  return project;
}

/* What `PATCH /admin/v1/projects/SLUG` does. */
static void
set_settings (Fixture    *fixture,
              const char *slug,
              const char *patch_json)
{
  g_autoptr(JsonObject) patch = gh_test_parse_object (patch_json);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) changes = NULL;

  changes = gh_projects_update_settings (gh_server_get_projects (fixture->server), slug, patch,
                                         "test", &error);
  g_assert_no_error (error);
}

/* What `gatehouse-server iat issue` does; returns the token, *@out_id its id. */
static char *
issue_iat (Fixture     *fixture,
           const char  *slug,
           gint64       max_uses,
           const char  *pins_json,
           char       **out_id)
{
  g_autoptr(GhProject) project = get_project (fixture, slug);
  g_autoptr(JsonObject) pins = pins_json != NULL ? gh_test_parse_object (pins_json) : NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GhIat) iat = NULL;
  char *token = NULL;

  iat = gh_iats_issue (gh_server_get_iats (fixture->server), project, "test", max_uses, 0, pins,
                       "test", &token, &error);
  g_assert_no_error (error);
  g_assert_nonnull (iat);
  g_assert_true (g_str_has_prefix (token, "iatk_"));
  g_assert_cmpuint (strlen (token), ==, 5 + 43);
  if (out_id != NULL)
    *out_id = g_strdup (iat->id);
  return token;
}

/* The IAT's use count as `iat list` shows it. */
static gint64
iat_uses (Fixture    *fixture,
          const char *slug,
          const char *id)
{
  g_autoptr(GhProject) project = get_project (fixture, slug);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = gh_iats_list (gh_server_get_iats (fixture->server), project->id,
                                            &error);

  g_assert_no_error (error);
  for (guint i = 0; i < list->len; i++)
    {
      GhIat *iat = g_ptr_array_index (list, i);

      if (g_str_equal (iat->id, id))
        return iat->uses;
    }
  g_assert_not_reached ();
}

/* The newest event of @type: its details, and its client_id and actor columns. */
static JsonObject *
last_event (Fixture     *fixture,
            const char  *type,
            char       **out_client_id,
            char       **out_actor)
{
  return gh_test_last_audit (gh_server_get_store (fixture->server), type, out_client_id,
                             out_actor);
}

static gboolean
client_exists (Fixture    *fixture,
               const char *slug,
               const char *client_id)
{
  g_autoptr(GhProject) project = get_project (fixture, slug);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhClient) client = gh_clients_get (gh_server_get_clients (fixture->server), project->id,
                                               client_id, &error);

  if (client == NULL)
    g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND);
  return client != NULL;
}

/* ---- the authorization code flow a registered client runs ------------------------------ */

static char *
s256 (const char *verifier)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;
  char *encoded;
  char *end;

  g_checksum_update (checksum, (const guchar *) verifier, strlen (verifier));
  g_checksum_get_digest (checksum, digest, &length);
  encoded = g_base64_encode (digest, length);
  g_strdelimit (encoded, "+", '-');
  g_strdelimit (encoded, "/", '_');
  if ((end = strchr (encoded, '=')) != NULL)
    *end = '\0';
  return encoded;
}

/* The project's dev user signs in and consents on their own (auto_approve_user). */
static void
auto_approve (Fixture    *fixture,
              const char *slug)
{
  g_autoptr(GhProject) project = get_project (fixture, slug);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhUser) user = gh_users_get (gh_server_get_users (fixture->server), project->id, "dev",
                                         &error);

  g_assert_no_error (error);
  set_settings (fixture, slug, "{\"auto_approve_user\": \"dev\"}");
}

static char *
authorize_url (Fixture    *fixture,
               const char *client_id,
               const char *redirect_uri)
{
  g_autofree char *challenge = s256 (VERIFIER);
  g_autofree char *query = soup_form_encode ("response_type", "code", "client_id", client_id,
                                             "redirect_uri", redirect_uri,
                                             "code_challenge", challenge,
                                             "code_challenge_method", "S256",
                                             "state", "st-42", NULL);

  return g_strconcat (fixture->issuer, "/authorize?", query, NULL);
}

/* GET /authorize (redirects not followed), then POST /token; with @secret the client
 * authenticates with HTTP Basic, else as a public client. Returns the token response. */
static JsonObject *
complete_code_flow (Fixture    *fixture,
                    const char *client_id,
                    const char *redirect_uri,
                    const char *secret)
{
  g_autofree char *url = authorize_url (fixture, client_id, redirect_uri);
  g_autoptr(GhTestResponse) authorize = NULL;
  g_autoptr(GhTestResponse) token = NULL;
  g_autoptr(GUri) location = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *form = NULL;
  g_autofree char *basic = NULL;
  g_autofree char *prefix = g_strconcat (redirect_uri, "?", NULL);
  JsonObject *doc;

  authorize = http (fixture, "GET", url, NULL, NULL, NULL, GH_TEST_HTTP_NO_REDIRECT);
  if (authorize->status != 302)
    show_body (authorize);
  g_assert_cmpuint (authorize->status, ==, 302);
  g_assert_true (g_str_has_prefix (gh_test_response_header (authorize, "Location"), prefix));
  location = g_uri_parse (gh_test_response_header (authorize, "Location"), G_URI_FLAGS_ENCODED,
                          &error);
  g_assert_no_error (error);
  params = g_uri_parse_params (g_uri_get_query (location), -1, "&", G_URI_PARAMS_NONE, &error);
  g_assert_no_error (error);
  g_assert_null (g_hash_table_lookup (params, "error"));
  g_assert_cmpstr (g_hash_table_lookup (params, "state"), ==, "st-42");
  g_assert_cmpstr (g_hash_table_lookup (params, "iss"), ==, fixture->issuer);
  g_assert_nonnull (g_hash_table_lookup (params, "code"));

  if (secret != NULL)
    {
      g_autofree char *credentials = g_strconcat (client_id, ":", secret, NULL);
      g_autofree char *encoded = g_base64_encode ((const guchar *) credentials,
                                                  strlen (credentials));

      basic = g_strconcat ("Basic ", encoded, NULL);
      form = soup_form_encode ("grant_type", "authorization_code",
                               "code", g_hash_table_lookup (params, "code"),
                               "redirect_uri", redirect_uri, "code_verifier", VERIFIER, NULL);
    }
  else
    form = soup_form_encode ("grant_type", "authorization_code",
                             "code", g_hash_table_lookup (params, "code"),
                             "redirect_uri", redirect_uri, "code_verifier", VERIFIER,
                             "client_id", client_id, NULL);
  {
    const char * const headers[] = { basic != NULL ? "Authorization" : NULL, basic, NULL };
    token = http (fixture, "POST", "/token", headers, "application/x-www-form-urlencoded", form, 0);
  }
  if (token->status != 200)
    show_body (token);
  g_assert_cmpuint (token->status, ==, 200);
  g_assert_cmpstr (gh_test_response_header (token, "Cache-Control"), ==, "no-store");
  doc = gh_test_response_json (token);
  g_assert_cmpuint (strlen (member (doc, "access_token")), >, 0);
  g_assert_cmpint (g_ascii_strcasecmp (member (doc, "token_type"), "Bearer"), ==, 0);
  return doc;
}

/* POST /token with a code that does not exist: 400 invalid_grant when the client
 * authenticated, 401 invalid_client when it did not. */
static GhTestResponse *
token_with_basic (Fixture    *fixture,
                  const char *client_id,
                  const char *secret)
{
  g_autofree char *credentials = g_strconcat (client_id, ":", secret, NULL);
  g_autofree char *encoded = g_base64_encode ((const guchar *) credentials, strlen (credentials));
  g_autofree char *basic = g_strconcat ("Basic ", encoded, NULL);
  const char * const headers[] = { "Authorization", basic, NULL };
  g_autofree char *form = soup_form_encode ("grant_type", "authorization_code",
                                            "code", "no-such-code",
                                            "redirect_uri", "http://127.0.0.1/callback",
                                            "code_verifier", VERIFIER, NULL);

  return http (fixture, "POST", "/token", headers, "application/x-www-form-urlencoded", form, 0);
}

/* ---- dcr_mode and discovery -------------------------------------------------------- */

static gboolean
discovery_lists_registration (Fixture    *fixture,
                              const char *issuer_path,
                              char      **out_endpoint)
{
  static const char * const forms[] = { "/.well-known/oauth-authorization-server",
                                        "/.well-known/openid-configuration" };
  gboolean listed = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (forms); i++)
    {
      g_autofree char *path = g_strconcat (forms[i], issuer_path, NULL);
      g_autoptr(GhTestResponse) response = http (fixture, "GET", path, NULL, NULL, NULL, 0);
      g_autoptr(JsonObject) doc = NULL;

      g_assert_cmpuint (response->status, ==, 200);
      doc = gh_test_response_json (response);
      /* Both documents agree. */
      if (i > 0)
        g_assert_cmpint (listed, ==, json_object_has_member (doc, "registration_endpoint"));
      listed = json_object_has_member (doc, "registration_endpoint");
      if (listed && out_endpoint != NULL)
        {
          g_free (*out_endpoint);
          *out_endpoint = g_strdup (member (doc, "registration_endpoint"));
        }
    }
  return listed;
}

static void
test_disabled (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *iat_id = NULL;
  g_autofree char *iat = issue_iat (fixture, "acme", 5, NULL, &iat_id);
  static const struct { const char *content_type; const char *body; } rows[] = {
    { "application/json", PUBLIC_LOOPBACK },
    { "application/json", "{}" },
    { "application/json", "not json" },
    { "text/plain", PUBLIC_LOOPBACK },
  };

  /* acme has production defaults: dcr_mode is disabled. */
  g_assert_false (discovery_lists_registration (fixture, "/p/acme", NULL));

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    for (guint with_iat = 0; with_iat < 2; with_iat++)
      {
        g_autoptr(GhTestResponse) response = NULL;
        g_autoptr(JsonObject) doc = NULL;

        g_test_message ("row %u, %s", i, with_iat ? "with an IAT" : "without an IAT");
        response = post_register_as (fixture, "/p/acme", with_iat ? iat : NULL,
                                     rows[i].content_type, rows[i].body);
        /* Whatever the body: the endpoint is off, and says so. */
        assert_oauth_error (response, 403, "forbidden");
        doc = gh_test_response_json (response);
        g_assert_nonnull (strstr (member (doc, "error_description"), "dcr_mode"));
        g_assert_null (gh_test_response_header (response, "WWW-Authenticate"));
      }
  /* Nothing was registered and the IAT was not spent. */
  g_assert_cmpint (iat_uses (fixture, "acme", iat_id), ==, 0);
  g_assert_cmpint (gh_test_server_count_audit (fixture, "oauth_client.registered"), ==, 0);
}

static void
test_discovery_follows_mode (Fixture       *fixture,
                             gconstpointer  data)
{
  static const struct { const char *patch; gboolean listed; } rows[] = {
    { "{\"dcr_mode\": \"open\"}", TRUE },
    { "{\"dcr_mode\": \"initial_access_token\"}", TRUE },
    { "{\"dcr_mode\": \"disabled\"}", FALSE },
    { "{\"dcr_mode\": \"open\"}", TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    for (guint p = 0; p < 2; p++)
      {
        const char *slug = p == 0 ? "default" : "acme";
        const char *issuer_path = p == 0 ? "" : "/p/acme";
        g_autofree char *endpoint = NULL;
        g_autofree char *expected = g_strconcat (fixture->issuer, issuer_path, "/register", NULL);

        g_test_message ("%s %s", slug, rows[i].patch);
        set_settings (fixture, slug, rows[i].patch);
        g_assert_cmpint (discovery_lists_registration (fixture, issuer_path, &endpoint), ==,
                         rows[i].listed);
        if (rows[i].listed)
          g_assert_cmpstr (endpoint, ==, expected);
      }
}

/* ---- Initial Access Tokens --------------------------------------------------------- */

static void
test_iat_missing (Fixture       *fixture,
                  gconstpointer  data)
{
  static const struct {
    const char *authorization;
    const char *content_type;
    const char *body;
  } rows[] = {
    { NULL, "application/json", PUBLIC_LOOPBACK },
    { "Basic Y2xpZW50OnNlY3JldA==", "application/json", PUBLIC_LOOPBACK },
    { "Bearer", "application/json", PUBLIC_LOOPBACK },
    { "Bearer ", "application/json", PUBLIC_LOOPBACK },
    /* Authentication comes before the body is looked at. */
    { NULL, "application/json", "not json" },
    { NULL, "text/plain", PUBLIC_LOOPBACK },
  };

  set_settings (fixture, "default", "{\"dcr_mode\": \"initial_access_token\"}");
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      const char * const headers[] = { rows[i].authorization != NULL ? "Authorization" : NULL,
                                       rows[i].authorization, NULL };
      g_autoptr(GhTestResponse) response = NULL;

      g_test_message ("row %u", i);
      response = http (fixture, "POST", "/register", headers, rows[i].content_type, rows[i].body,
                       0);
      g_assert_cmpuint (response->status, ==, 401);
      assert_bearer_challenge (fixture, response, "", NULL);
    }
  g_assert_cmpint (gh_test_server_count_audit (fixture, "oauth_client.registered"), ==, 0);
}

typedef enum
{
  IAT_UNKNOWN,
  IAT_NOT_AN_IAT,
  IAT_EXPIRED,
  IAT_REVOKED,
  IAT_USED_UP,
  IAT_OTHER_PROJECT,
} IatCase;

static void
expire_iat (Fixture    *fixture,
            const char *id)
{
  GhStore *store = gh_server_get_store (fixture->server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStmt) stmt = gh_store_prepare (store,
                                             "UPDATE initial_access_tokens SET expires_at = ? "
                                             "WHERE id = ?", &error);

  g_assert_no_error (error);
  gh_stmt_bind_int64 (stmt, 1, gh_now_seconds () - 1);
  gh_stmt_bind_text (stmt, 2, id);
  g_assert_true (gh_store_step (store, stmt, NULL, &error));
  g_assert_cmpint (gh_store_changes (store), ==, 1);
}

static void
test_iat_refused (Fixture       *fixture,
                  gconstpointer  data)
{
  static const char * const names[] = {
    "unknown", "not an IAT", "expired", "revoked", "past its max uses", "another project's",
  };

  set_settings (fixture, "default", "{\"dcr_mode\": \"initial_access_token\"}");
  set_settings (fixture, "acme", "{\"dcr_mode\": \"initial_access_token\"}");

  for (IatCase c = IAT_UNKNOWN; c <= IAT_OTHER_PROJECT; c++)
    {
      g_autofree char *id = NULL;
      g_autofree char *token = NULL;
      g_autoptr(GhTestResponse) response = NULL;
      g_autoptr(GhProject) project = get_project (fixture, "default");
      g_autoptr(GError) error = NULL;
      gint64 registered;

      g_test_message ("IAT %s", names[c]);
      switch (c)
        {
        case IAT_UNKNOWN:
          token = g_strconcat ("iatk_", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL);
          break;
        case IAT_NOT_AN_IAT:
          token = g_strdup ("some-other-bearer-token");
          break;
        case IAT_EXPIRED:
          token = issue_iat (fixture, "default", 5, NULL, &id);
          expire_iat (fixture, id);
          break;
        case IAT_REVOKED:
          token = issue_iat (fixture, "default", 5, NULL, &id);
          g_assert_true (gh_iats_revoke (gh_server_get_iats (fixture->server), project, id, "test",
                                         &error));
          g_assert_no_error (error);
          break;
        case IAT_USED_UP:
          {
            g_autoptr(GhTestResponse) first = NULL;
            g_autoptr(JsonObject) doc = NULL;

            token = issue_iat (fixture, "default", 1, NULL, &id);
            first = post_register (fixture, "", token, PUBLIC_LOOPBACK);
            doc = assert_registered (first);
            g_assert_cmpint (iat_uses (fixture, "default", id), ==, 1);
          }
          break;
        case IAT_OTHER_PROJECT:
          token = issue_iat (fixture, "acme", 5, NULL, &id);
          break;
        default:
          g_assert_not_reached ();
        }

      registered = gh_test_server_count_audit (fixture, "oauth_client.registered");
      response = post_register (fixture, "", token, PUBLIC_LOOPBACK);
      assert_invalid_token (fixture, response, "");
      g_assert_cmpint (gh_test_server_count_audit (fixture, "oauth_client.registered"), ==,
                       registered);
      if (id != NULL)
        g_assert_cmpint (iat_uses (fixture, c == IAT_OTHER_PROJECT ? "acme" : "default", id), ==,
                         c == IAT_USED_UP ? 1 : 0);
    }
}

/* RFC 6750 §2.3 is not offered: a token in a URL ends up in logs and history. */
static void
test_iat_in_query (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *id = NULL;
  g_autofree char *token = NULL;
  g_autofree char *authorization = NULL;

  set_settings (fixture, "default", "{\"dcr_mode\": \"initial_access_token\"}");
  token = issue_iat (fixture, "default", 1, NULL, &id);
  authorization = bearer (token);

  for (guint with_header = 0; with_header < 2; with_header++)
    {
      g_autofree char *path = g_strconcat ("/register?access_token=", token, NULL);
      const char * const headers[] = { with_header ? "Authorization" : NULL, authorization, NULL };
      g_autoptr(GhTestResponse) response = http (fixture, "POST", path, headers, "application/json",
                                                 PUBLIC_LOOPBACK, 0);

      g_test_message ("%s", with_header ? "query and header" : "query only");
      assert_invalid_token (fixture, response, "");
      /* The use is not counted, nothing is registered. */
      g_assert_cmpint (iat_uses (fixture, "default", id), ==, 0);
      g_assert_cmpint (gh_test_server_count_audit (fixture, "iat.used"), ==, 0);
      g_assert_cmpint (gh_test_server_count_audit (fixture, "oauth_client.registered"), ==, 0);
    }

  /* The token itself is still good, in the header. */
  {
    g_autoptr(GhTestResponse) response = post_register (fixture, "", token, PUBLIC_LOOPBACK);
    g_autoptr(JsonObject) doc = assert_registered (response);

    g_assert_cmpint (iat_uses (fixture, "default", id), ==, 1);
  }
}

static void
test_iat_max_uses_parallel (Fixture       *fixture,
                            gconstpointer  data)
{
  /* Enough connections that parallel requests really arrive in parallel. */
  g_autoptr(SoupSession) session = soup_session_new_with_options ("max-conns", 64,
                                                                  "max-conns-per-host", 32, NULL);
  g_autofree char *id = NULL;
  g_autofree char *token = NULL;
  g_autofree char *authorization = NULL;
  g_autofree char *url = g_strconcat (fixture->issuer, "/register", NULL);
  g_autoptr(GHashTable) client_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) responses = NULL;
  guint created = 0, refused = 0;

  set_settings (fixture, "default", "{\"dcr_mode\": \"initial_access_token\"}");
  token = issue_iat (fixture, "default", 5, NULL, &id);
  authorization = bearer (token);

  /* All 20 are in flight before the first answer is read. */
  responses = gh_test_http_parallel (session, N_PARALLEL, "POST", url,
                                     GH_TEST_PAIRS ("Authorization", authorization),
                                     "application/json", PUBLIC_LOOPBACK);

  for (guint i = 0; i < N_PARALLEL; i++)
    {
      GhTestResponse *response = g_ptr_array_index (responses, i);

      if (response->status == 201)
        {
          g_autoptr(JsonObject) doc = assert_registered (response);

          g_assert_true (g_hash_table_add (client_ids, g_strdup (member (doc, "client_id"))));
          created++;
        }
      else
        {
          assert_invalid_token (fixture, response, "");
          refused++;
        }
    }

  g_assert_cmpuint (created, ==, 5);
  g_assert_cmpuint (refused, ==, N_PARALLEL - 5);
  g_assert_cmpint (iat_uses (fixture, "default", id), ==, 5);
  g_assert_cmpint (gh_test_server_count_audit (fixture, "iat.used"), ==, 5);
  g_assert_cmpint (gh_test_server_count_audit (fixture, "oauth_client.registered"), ==, 5);
  /* Refused for their initial access token: iat.rejected, each saying it was used up. */
  g_assert_cmpint (gh_test_server_count_audit (fixture, "iat.rejected"), ==, N_PARALLEL - 5);
  g_assert_cmpint (gh_test_server_count_audit (fixture, "oauth_client.registration_refused"), ==,
                   0);
  {
    g_autoptr(JsonObject) rejected = last_event (fixture, "iat.rejected", NULL, NULL);

    g_assert_cmpstr (member (rejected, "reason"), ==, "exhausted");
    g_assert_cmpstr (member (rejected, "iat_id"), ==, id);
  }
}

/* The use counts only when the registration commits. */
static void
test_iat_refusal_keeps_use (Fixture       *fixture,
                            gconstpointer  data)
{
  static const struct {
    const char *content_type;
    const char *body;
    guint status;
    const char *error;
  } rows[] = {
    { "application/json", "{\"redirect_uris\":[\"https://app.example.test/cb#frag\"]}", 400,
      "invalid_redirect_uri" },
    { "application/json", "{" LOOPBACK_CB ", \"grant_types\":[\"password\"]}",
      400, "invalid_client_metadata" },
    { "application/json", "{" LOOPBACK_CB ", "
                          "\"token_endpoint_auth_method\":\"client_secret_basic\"}",
      400, "invalid_client_metadata" }, /* contradicts the pin */
    { "application/json", "not json", 400, "invalid_client_metadata" },
    { "text/plain", PUBLIC_LOOPBACK, 400, "invalid_client_metadata" },
  };
  g_autofree char *id = NULL;
  g_autofree char *token = NULL;

  set_settings (fixture, "default", "{\"dcr_mode\": \"initial_access_token\"}");
  token = issue_iat (fixture, "default", 1, "{\"token_endpoint_auth_method\": \"none\"}", &id);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GhTestResponse) response = NULL;

      g_test_message ("row %u", i);
      response = post_register_as (fixture, "", token, rows[i].content_type, rows[i].body);
      assert_oauth_error (response, rows[i].status, rows[i].error);
      g_assert_cmpint (iat_uses (fixture, "default", id), ==, 0);
    }
  g_assert_cmpint (gh_test_server_count_audit (fixture, "iat.used"), ==, 0);

  /* Its one use is still there, and then gone. */
  {
    g_autoptr(GhTestResponse) ok = post_register (fixture, "", token, PUBLIC_LOOPBACK);
    g_autoptr(GhTestResponse) again = NULL;
    g_autoptr(JsonObject) doc = assert_registered (ok);

    g_assert_cmpint (iat_uses (fixture, "default", id), ==, 1);
    again = post_register (fixture, "", token, PUBLIC_LOOPBACK);
    assert_invalid_token (fixture, again, "");
  }
}

static void
test_iat_pin_auth_method (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *id = NULL;
  g_autofree char *token = NULL;

  set_settings (fixture, "default", "{\"dcr_mode\": \"initial_access_token\"}");
  token = issue_iat (fixture, "default", 10,
                     "{\"token_endpoint_auth_method\": \"none\", \"application_type\": \"native\"}",
                     &id);

  /* Without the member, the pinned value fills in (not RFC 7591's client_secret_basic). */
  {
    g_autoptr(GhTestResponse) response = post_register (fixture, "", token, "{" LOOPBACK_CB "}");
    g_autoptr(JsonObject) doc = assert_registered (response);

    g_assert_cmpstr (member (doc, "token_endpoint_auth_method"), ==, "none");
    g_assert_cmpstr (member (doc, "application_type"), ==, "native");
    g_assert_false (json_object_has_member (doc, "client_secret"));
    g_assert_false (json_object_has_member (doc, "client_secret_expires_at"));
  }
  /* The same value spelled out is fine. */
  {
    g_autoptr(GhTestResponse) response = post_register (fixture, "", token, PUBLIC_LOOPBACK);
    g_autoptr(JsonObject) doc = assert_registered (response);

    g_assert_false (json_object_has_member (doc, "client_secret"));
  }

  /* Contradicting a pin is refused, and costs no use. */
  for (const char * const *body = (const char * const[]) {
         "{" LOOPBACK_CB ", \"token_endpoint_auth_method\":\"client_secret_basic\"}",
         "{" LOOPBACK_CB ", \"token_endpoint_auth_method\":\"client_secret_post\"}",
         "{" LOOPBACK_CB ", \"token_endpoint_auth_method\":null}",
         "{" LOOPBACK_CB ", \"token_endpoint_auth_method\":\"none\","
         "\"application_type\":\"web\"}",
         NULL }; *body != NULL; body++)
    {
      g_autoptr(GhTestResponse) response = post_register (fixture, "", token, *body);

      g_test_message ("%s", *body);
      assert_oauth_error (response, 400, "invalid_client_metadata");
    }
  g_assert_cmpint (iat_uses (fixture, "default", id), ==, 2);
}

static void
test_iat_pin_scope (Fixture       *fixture,
                    gconstpointer  data)
{
  static const struct { const char *scope; const char *granted; } rows[] = {
    { NULL, "mcp:read mcp:write" },     /* the ceiling fills in */
    { "mcp:read", "mcp:read" },
    { "mcp:write mcp:read", "mcp:write mcp:read" },
    { "mcp:read mcp:admin", NULL },    /* beyond the ceiling */
    { "mcp:admin", NULL },
    { "mcp", NULL },                    /* a prefix of an allowed scope is not it */
  };
  static const char * const wrong_types[] = {
    "{" LOOPBACK_CB ", \"scope\": [\"mcp:read\"]}",
    "{" LOOPBACK_CB ", \"scope\": {\"mcp:read\": true}}",
    "{" LOOPBACK_CB ", \"scope\": 42}",
    "{" LOOPBACK_CB ", \"scope\": null}",
  };
  g_autofree char *token = NULL;

  set_settings (fixture, "default", "{\"dcr_mode\": \"initial_access_token\"}");
  token = issue_iat (fixture, "default", 10, "{\"scope\": \"mcp:read mcp:write\"}", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(JsonObject) body = gh_test_parse_object (PUBLIC_LOOPBACK);
      g_autofree char *text = NULL;
      g_autoptr(GhTestResponse) response = NULL;

      if (rows[i].scope != NULL)
        json_object_set_string_member (body, "scope", rows[i].scope);
      text = object_to_string (body);
      g_test_message ("%s", text);
      response = post_register (fixture, "", token, text);
      if (rows[i].granted != NULL)
        {
          g_autoptr(JsonObject) doc = assert_registered (response);
          g_assert_cmpstr (member (doc, "scope"), ==, rows[i].granted);
        }
      else
        assert_oauth_error (response, 400, "invalid_client_metadata");
    }

  /* A scope that is not a string is refused, not taken for "no scope". */
  for (guint i = 0; i < G_N_ELEMENTS (wrong_types); i++)
    {
      g_autoptr(GhTestResponse) response = post_register (fixture, "", token, wrong_types[i]);

      g_test_message ("%s", wrong_types[i]);
      assert_oauth_error (response, 400, "invalid_client_metadata");
    }
}

static void
test_iat_pin_redirect_prefixes (Fixture       *fixture,
                                gconstpointer  data)
{
  static const struct { const char *uris; const char *error; } rows[] = {
    { "[\"https://app.example.test/cb\"]", NULL },
    { "[\"https://app.example.test/cb\", \"https://tools.example.test/oauth\"]", NULL },
    { "[\"https://evil.example.test/cb\"]", "invalid_redirect_uri" },
    { "[\"https://app.example.test.evil.example/cb\"]", "invalid_redirect_uri" },
    { "[\"https://app.example.test/cb\", \"https://evil.example.test/cb\"]",
      "invalid_redirect_uri" },
    { "[\"http://app.example.test/cb\"]", "invalid_redirect_uri" },
    /* Not a list of strings: refused as it is without a pin. */
    { "[{\"uri\": \"https://app.example.test/cb\"}]", "invalid_client_metadata" },
    { "[[\"https://app.example.test/cb\"]]", "invalid_client_metadata" },
    { "[42]", "invalid_client_metadata" },
    { "[null]", "invalid_client_metadata" },
    { "\"https://app.example.test/cb\"", "invalid_client_metadata" },
  };
  g_autofree char *token = NULL;
  g_autofree char *client_id = NULL;
  g_autofree char *client_uri = NULL;
  g_autofree char *registration_token = NULL;

  set_settings (fixture, "default", "{\"dcr_mode\": \"initial_access_token\"}");
  token = issue_iat (fixture, "default", 10,
                     "{\"redirect_uri_prefixes\": [\"https://app.example.test/\", "
                     "\"https://tools.example.test/\"], \"token_endpoint_auth_method\": \"none\"}",
                     NULL);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"redirect_uris\": %s}", rows[i].uris);
      g_autoptr(GhTestResponse) response = post_register (fixture, "", token, body);

      g_test_message ("%s", body);
      if (rows[i].error == NULL)
        {
          g_autoptr(JsonObject) doc = assert_registered (response);

          if (client_id == NULL)
            {
              client_id = g_strdup (member (doc, "client_id"));
              client_uri = g_strdup (member (doc, "registration_client_uri"));
              registration_token = g_strdup (member (doc, "registration_access_token"));
            }
        }
      else
        assert_oauth_error (response, 400, rows[i].error);
    }

  /* Prefixes compare as URIs: a host is not extended by text, a path continues at a '/'. */
  {
    static const struct { const char *uri; gboolean ok; } loose[] = {
      { "https://app2.example.test/cb", TRUE },
      { "https://app2.example.test.evil.example/cb", FALSE },
      { "https://app2.example.test:8443/cb", FALSE },
      { "https://pathy.example.test/oauth/cb", TRUE },
      { "https://pathy.example.test/oauth", TRUE },
      { "https://pathy.example.test/oauthx/cb", FALSE },
    };
    g_autofree char *loose_token = issue_iat (fixture, "default", 10,
                                              "{\"redirect_uri_prefixes\": "
                                              "[\"https://app2.example.test\", "
                                              "\"https://pathy.example.test/oauth\"], "
                                              "\"token_endpoint_auth_method\": \"none\"}", NULL);

    for (guint i = 0; i < G_N_ELEMENTS (loose); i++)
      {
        g_autofree char *body = g_strdup_printf ("{\"redirect_uris\": [\"%s\"]}", loose[i].uri);
        g_autoptr(GhTestResponse) response = post_register (fixture, "", loose_token, body);

        g_test_message ("%s", body);
        if (loose[i].ok)
          {
            g_autoptr(JsonObject) doc = assert_registered (response);
          }
        else
          assert_oauth_error (response, 400, "invalid_redirect_uri");
      }
  }

  /* The pins hold for RFC 7592 updates too, also after the token rotated on a read. */
  {
    g_autoptr(GhTestResponse) read = manage (fixture, "GET", client_uri, registration_token, NULL);
    g_autoptr(JsonObject) doc = NULL;
    g_autoptr(JsonObject) update = json_object_new ();
    g_autoptr(JsonArray) uris = json_array_new ();
    g_autofree char *text = NULL;
    g_autoptr(GhTestResponse) response = NULL;

    g_assert_cmpuint (read->status, ==, 200);
    doc = gh_test_response_json (read);
    json_object_set_string_member (update, "client_id", client_id);
    json_array_add_string_element (uris, "https://evil.example.test/cb");
    json_object_set_array_member (update, "redirect_uris", json_array_ref (uris));
    text = object_to_string (update);
    response = manage (fixture, "PUT", client_uri, member (doc, "registration_access_token"), text);
    assert_oauth_error (response, 400, "invalid_redirect_uri");
  }
}

/* An Authio-style registration: an admin hands the IAT to the client out of band; the
 * client registers as a public web client, then runs the code flow with PKCE. */
static void
test_iat_authio (Fixture       *fixture,
                 gconstpointer  data)
{
  const char *body = "{\"redirect_uris\": [\"https://authio.example.test/oauth/callback\"], "
                     "\"client_name\": \"Authio\", \"token_endpoint_auth_method\": \"none\", "
                     "\"application_type\": \"web\"}";
  gint64 before = gh_now_seconds ();
  g_autofree char *id = NULL;
  g_autofree char *token = NULL;
  g_autofree char *client_uri = NULL;
  g_autoptr(GhTestResponse) response = NULL;
  g_autoptr(JsonObject) doc = NULL;
  g_autoptr(JsonObject) tokens = NULL;
  g_autofree char *challenge = NULL;
  const char *client_id;

  set_settings (fixture, "default", "{\"dcr_mode\": \"initial_access_token\"}");
  token = issue_iat (fixture, "default", 1, NULL, &id);
  response = post_register (fixture, "", token, body);
  doc = assert_registered (response);

  client_id = member (doc, "client_id");
  g_assert_false (g_str_has_prefix (client_id, "https://"));
  g_assert_cmpint (json_object_get_int_member (doc, "client_id_issued_at"), >=, before);
  g_assert_cmpint (json_object_get_int_member (doc, "client_id_issued_at"), <=,
                   gh_now_seconds ());
  client_uri = g_strconcat (fixture->issuer, "/register/", client_id, NULL);
  g_assert_cmpstr (member (doc, "registration_client_uri"), ==, client_uri);
  g_assert_false (json_object_has_member (doc, "client_secret"));
  g_assert_false (json_object_has_member (doc, "client_secret_expires_at"));
  /* The metadata as registered, defaults filled in. */
  g_assert_cmpstr (member (doc, "client_name"), ==, "Authio");
  g_assert_cmpstr (member (doc, "token_endpoint_auth_method"), ==, "none");
  g_assert_cmpstr (member (doc, "application_type"), ==, "web");
  g_assert_true (gh_test_json_array_has (doc, "redirect_uris",
                                         "https://authio.example.test/oauth/callback"));
  g_assert_true (gh_test_json_array_has (doc, "grant_types", "authorization_code"));
  g_assert_true (gh_test_json_array_has (doc, "response_types", "code"));
  g_assert_cmpint (iat_uses (fixture, "default", id), ==, 1);

  auto_approve (fixture, "default");
  challenge = s256 (VERIFIER);
  g_assert_cmpstr (challenge, ==, CHALLENGE);
  tokens = complete_code_flow (fixture, client_id, "https://authio.example.test/oauth/callback",
                               NULL);
}

/* ---- client metadata --------------------------------------------------------------- */

/* Registers @body in the default (development, open) project and expects a refusal. */
static void
assert_refused_rows (Fixture            *fixture,
                     const char * const *bodies,
                     guint               status,
                     const char         *error)
{
  gint64 registered = gh_test_server_count_audit (fixture, "oauth_client.registered");

  for (guint i = 0; bodies[i] != NULL; i++)
    {
      g_autoptr(GhTestResponse) response = post_register (fixture, "", NULL, bodies[i]);

      g_test_message ("%s", bodies[i]);
      assert_oauth_error (response, status, error);
    }
  g_assert_cmpint (gh_test_server_count_audit (fixture, "oauth_client.registered"), ==, registered);
}

static void
test_metadata_redirect_uris (Fixture       *fixture,
                             gconstpointer  data)
{
  static const char * const bodies[] = {
    "{}",
    "{\"client_name\": \"no redirect\"}",
    "{\"redirect_uris\": []}",
    "{\"redirect_uris\": [\"http://app.example.test/cb\"]}",
    "{\"redirect_uris\": [\"HTTP://app.example.test/cb\"]}",
    "{\"redirect_uris\": [\"http://localhost.evil.example/cb\"]}",
    "{\"redirect_uris\": [\"http://127.0.0.1.nip.io/cb\"]}",
    "{\"redirect_uris\": [\"https://app.example.test/cb#section\"]}",
    "{\"redirect_uris\": [\"https://app.example.test/cb#\"]}",
    "{\"redirect_uris\": [\"http://127.0.0.1/cb#x\"]}",
    "{\"redirect_uris\": [\"javascript:alert(1)\"]}",
    "{\"redirect_uris\": [\"JavaScript:alert(document.cookie)//\"]}",
    "{\"redirect_uris\": [\"data:text/html,<script>alert(1)</script>\"]}",
    "{\"redirect_uris\": [\"file:///etc/passwd\"]}",
    "{\"redirect_uris\": [\"https://app.example.test/cb\", \"javascript:alert(1)\"]}",
    "{\"redirect_uris\": [\"/relative/cb\"]}",
    NULL,
  };

  assert_refused_rows (fixture, bodies, 400, "invalid_redirect_uri");
}

static void
test_metadata_custom_scheme (Fixture       *fixture,
                             gconstpointer  data)
{
  const char *cursor = "{\"redirect_uris\": [\"cursor://anysphere.cursor-mcp/oauth/callback\"], "
                       "\"client_name\": \"Cursor\", \"token_endpoint_auth_method\": \"none\"}";

  /* The development project allows cursor, vscode, windsurf, claude. */
  {
    g_autoptr(GhTestResponse) response = post_register (fixture, "", NULL, cursor);
    g_autoptr(JsonObject) doc = assert_registered (response);

    g_assert_cmpstr (member (doc, "application_type"), ==, "native");
  }
  {
    const char * const bodies[] = {
      "{\"redirect_uris\": [\"evilapp://callback\"]}",
      "{\"redirect_uris\": [\"com.example.app:/oauth2redirect\"]}",
      NULL,
    };
    assert_refused_rows (fixture, bodies, 400, "invalid_redirect_uri");
  }

  /* A production project starts with no custom scheme at all. */
  set_settings (fixture, "acme", "{\"dcr_mode\": \"open\"}");
  {
    g_autoptr(GhTestResponse) response = post_register (fixture, "/p/acme", NULL, cursor);
    assert_oauth_error (response, 400, "invalid_redirect_uri");
  }
  /* Until the admin allows it. */
  set_settings (fixture, "acme", "{\"redirect_schemes\": [\"cursor\"]}");
  {
    g_autoptr(GhTestResponse) response = post_register (fixture, "/p/acme", NULL, cursor);
    g_autoptr(JsonObject) doc = assert_registered (response);
  }
}

static void
test_metadata_types (Fixture       *fixture,
                     gconstpointer  data)
{
  static const char * const bodies[] = {
    "{" LOOPBACK_CB ", \"grant_types\": [\"refresh_token\"]}",
    "{" LOOPBACK_CB ", \"response_types\": [\"token\"]}",
    "{" LOOPBACK_CB ", \"response_types\": [\"code\", \"token\"]}",
    "{" LOOPBACK_CB ", \"response_types\": []}",
    "{" LOOPBACK_CB ", \"grant_types\": [\"password\"]}",
    "{" LOOPBACK_CB ", \"grant_types\": [\"authorization_code\", \"implicit\"]}",
    "{" LOOPBACK_CB ", \"grant_types\": [\"client_credentials\"]}",
    "{" LOOPBACK_CB ", \"grant_types\": []}",
    "{" LOOPBACK_CB ", \"grant_types\": \"authorization_code\"}",
    "{" LOOPBACK_CB ", \"token_endpoint_auth_method\": \"client_secret_jwt\"}",
    "{" LOOPBACK_CB ", \"token_endpoint_auth_method\": \"tls_client_auth\"}",
    "{" LOOPBACK_CB ", \"token_endpoint_auth_method\": \"NONE\"}",
    "{" LOOPBACK_CB ", \"token_endpoint_auth_method\": 1}",
    "{" LOOPBACK_CB ", \"application_type\": \"desktop\"}",
    NULL,
  };

  assert_refused_rows (fixture, bodies, 400, "invalid_client_metadata");

  /* The consistent combination is accepted. */
  {
    g_autoptr(GhTestResponse) response = post_register (
      fixture, "", NULL,
      "{" LOOPBACK_CB ", \"token_endpoint_auth_method\": \"none\", "
      "\"grant_types\": [\"authorization_code\", \"refresh_token\"], "
      "\"response_types\": [\"code\"]}");
    g_autoptr(JsonObject) doc = assert_registered (response);

    g_assert_true (gh_test_json_array_has (doc, "grant_types", "refresh_token"));
  }
}

static void
test_metadata_private_key_jwt (Fixture       *fixture,
                               gconstpointer  data)
{
  static const char * const bodies[] = {
    "{" APP_CB ", " PRIVATE_KEY_JWT "}",
    "{" APP_CB ", " PRIVATE_KEY_JWT ", "
    "\"jwks\": {\"keys\": [" EC_PRIVATE_JWK "]}}",
    "{" APP_CB ", " PRIVATE_KEY_JWT ", "
    "\"jwks\": {\"keys\": [{\"kty\": \"oct\", \"k\": \"c2VjcmV0\"}]}}",
    "{" APP_CB ", " PRIVATE_KEY_JWT ", "
    "\"jwks\": {\"keys\": [" EC_PUBLIC_JWK "]}, \"jwks_uri\": \"https://app.example.test/jwks\"}",
    "{" APP_CB ", " PRIVATE_KEY_JWT ", "
    "\"jwks\": {\"keys\": []}}",
    "{" APP_CB ", " PRIVATE_KEY_JWT ", "
    "\"jwks_uri\": \"http://app.example.test/jwks\"}",
    /* A private key is refused whatever the auth method. */
    "{" APP_CB ", \"token_endpoint_auth_method\": \"none\", "
    "\"jwks\": {\"keys\": [" EC_PRIVATE_JWK "]}}",
    NULL,
  };

  assert_refused_rows (fixture, bodies, 400, "invalid_client_metadata");

  for (const char * const *body = (const char * const[]) {
         "{" APP_CB ", " PRIVATE_KEY_JWT ", \"jwks\": {\"keys\": [" EC_PUBLIC_JWK "]}}",
         "{" APP_CB ", " PRIVATE_KEY_JWT ", \"jwks_uri\": \"https://app.example.test/jwks\"}",
         NULL }; *body != NULL; body++)
    {
      g_autoptr(GhTestResponse) response = post_register (fixture, "", NULL, *body);
      g_autoptr(JsonObject) doc = assert_registered (response);

      g_assert_cmpstr (member (doc, "token_endpoint_auth_method"), ==, "private_key_jwt");
      g_assert_false (json_object_has_member (doc, "client_secret"));
    }
}

static void
test_metadata_chosen_credentials (Fixture       *fixture,
                                  gconstpointer  data)
{
  static const char * const chosen_ids[] = {
    "https://evil.example.test/client.json",
    "client_000000000000000000000000",
    "my-client",
  };

  for (guint i = 0; i < G_N_ELEMENTS (chosen_ids); i++)
    {
      g_autoptr(JsonObject) body = gh_test_parse_object (
        "{\"redirect_uris\": [\"http://127.0.0.1/callback\"], "
        "\"client_secret\": \"chosen-secret-0123456789\", \"client_secret_expires_at\": 1, "
        "\"client_id_issued_at\": 1, \"registration_access_token\": \"chosen-token\", "
        "\"registration_client_uri\": \"https://evil.example.test/\"}");
      g_autofree char *text = NULL;
      g_autoptr(GhTestResponse) response = NULL;
      g_autoptr(GhTestResponse) chosen = NULL;
      g_autoptr(GhTestResponse) issued = NULL;
      g_autoptr(GhTestResponse) read = NULL;
      g_autoptr(JsonObject) doc = NULL;
      g_autofree char *client_uri = NULL;
      const char *client_id;

      json_object_set_string_member (body, "client_id", chosen_ids[i]);
      text = object_to_string (body);
      g_test_message ("%s", text);
      response = post_register (fixture, "", NULL, text);
      doc = assert_registered (response);

      client_id = member (doc, "client_id");
      g_assert_cmpstr (client_id, !=, chosen_ids[i]);
      g_assert_false (g_str_has_prefix (client_id, "https://"));
      g_assert_false (g_str_has_prefix (client_id, "http://"));
      g_assert_false (client_exists (fixture, "default", chosen_ids[i]));
      g_assert_cmpint (json_object_get_int_member (doc, "client_id_issued_at"), >, 1);
      g_assert_cmpint (json_object_get_int_member (doc, "client_secret_expires_at"), ==, 0);
      g_assert_cmpstr (member (doc, "client_secret"), !=, "chosen-secret-0123456789");
      g_assert_cmpstr (member (doc, "registration_access_token"), !=, "chosen-token");
      client_uri = g_strconcat (fixture->issuer, "/register/", client_id, NULL);
      g_assert_cmpstr (member (doc, "registration_client_uri"), ==, client_uri);

      /* The chosen secret does not authenticate; the issued one does. */
      chosen = token_with_basic (fixture, client_id, "chosen-secret-0123456789");
      assert_oauth_error (chosen, 401, "invalid_client");
      issued = token_with_basic (fixture, client_id, member (doc, "client_secret"));
      assert_oauth_error (issued, 400, "invalid_grant");
      /* Nor does the chosen registration access token manage the client. */
      read = manage (fixture, "GET", client_uri, "chosen-token", NULL);
      assert_invalid_token (fixture, read, "");
    }
}

static char *
nested (guint levels)
{
  GString *text = g_string_new ("{" LOOPBACK_CB ", "
                                "\"token_endpoint_auth_method\": \"none\", \"x_nested\": ");

  for (guint i = 0; i < levels; i++)
    g_string_append_c (text, '[');
  g_string_append_c (text, '1');
  for (guint i = 0; i < levels; i++)
    g_string_append_c (text, ']');
  g_string_append_c (text, '}');
  return g_string_free (text, FALSE);
}

static char *
padded (gsize total)
{
  const char *head = "{" LOOPBACK_CB ", "
                     "\"token_endpoint_auth_method\": \"none\", \"x_padding\": \"";
  GString *text = g_string_new (head);

  while (text->len < total - 2)
    g_string_append_c (text, 'a');
  g_string_append (text, "\"}");
  g_assert_cmpuint (text->len, ==, total);
  return g_string_free (text, FALSE);
}

static void
test_metadata_body (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autofree char *deep = nested (32);      /* 33 levels with the outer object */
  g_autofree char *deeper = nested (200);
  g_autofree char *at_limit = nested (31);  /* 32 levels */
  g_autofree char *large = padded (16 * 1024 + 1);
  g_autofree char *huge = padded (256 * 1024);
  g_autofree char *fits = padded (16 * 1024);
  const struct { const char *content_type; const char *body; } rows[] = {
    { "application/json", "not json" },
    { "application/json", "" },
    { "application/json", "[]" },
    { "application/json", "[" PUBLIC_LOOPBACK "]" },
    { "application/json", "\"redirect_uris\"" },
    { "application/json", "null" },
    { "application/json", PUBLIC_LOOPBACK " {}" },
    { "application/json", "{\"redirect_uris\": [\"http://127.0.0.1/a\"], "
                          "\"redirect_uris\": [\"http://127.0.0.1/b\"]}" },
    { "application/json", "{\"redirect_uris\": [\"http://127.0.0.1/a\"], "
                          "\"jwks\": {\"keys\": [{\"kty\": \"EC\", \"kty\": \"oct\"}]}}" },
    { "application/json", "{\"redirect_uris\": [\"http://127.0.0.1/a\"], /* comment */ \"x\": 1}" },
    { "application/json", "{'redirect_uris': ['http://127.0.0.1/a']}" },
    { "application/json", deep },
    { "application/json", deeper },
    { "text/plain", PUBLIC_LOOPBACK },
    { "application/x-www-form-urlencoded", PUBLIC_LOOPBACK },
    { "application/jsonx", PUBLIC_LOOPBACK },
    { NULL, PUBLIC_LOOPBACK },
  };
  gint64 registered = gh_test_server_count_audit (fixture, "oauth_client.registered");

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GhTestResponse) response = NULL;

      g_test_message ("row %u: %s %.60s", i, rows[i].content_type, rows[i].body);
      response = post_register_as (fixture, "", NULL, rows[i].content_type, rows[i].body);
      assert_oauth_error (response, 400, "invalid_client_metadata");
    }

  for (const char * const *body = (const char * const[]) { large, huge, NULL }; *body != NULL;
       body++)
    {
      g_autoptr(GhTestResponse) response = post_register (fixture, "", NULL, *body);
      assert_oauth_error (response, 413, "payload_too_large");
    }
  g_assert_cmpint (gh_test_server_count_audit (fixture, "oauth_client.registered"), ==, registered);

  /* At the limits, and with a charset parameter, it is still accepted. */
  for (const char * const *body = (const char * const[]) { at_limit, fits, NULL }; *body != NULL;
       body++)
    {
      g_autoptr(GhTestResponse) response = post_register (fixture, "", NULL, *body);
      g_autoptr(JsonObject) doc = assert_registered (response);
    }
  {
    g_autoptr(GhTestResponse) response = post_register_as (fixture, "", NULL,
                                                           "application/json; charset=utf-8",
                                                           PUBLIC_LOOPBACK);
    g_autoptr(JsonObject) doc = assert_registered (response);
  }
}

/* Issue 9: json-glib wrote U+001F unescaped, so a client_name holding it got a 201 whose body
 * no strict reader parses. Text members refuse control characters; other members keep
 * them, escaped. */
static void
test_metadata_control_characters (Fixture       *fixture,
                                  gconstpointer  data)
{
  static const char * const bodies[] = {
    "{" LOOPBACK_CB ", \"client_name\": \"Evil\\u001fClient\"}",
    "{" LOOPBACK_CB ", \"client_name\": \"line\\nbreak\"}",
    "{" LOOPBACK_CB ", \"client_name\": \"del\\u007f\"}",
    "{" LOOPBACK_CB ", \"client_name\": \"c1\\u009b[31m\"}",
    "{" LOOPBACK_CB ", \"client_name#ja\": \"\\u001b[2J\"}",
    "{" LOOPBACK_CB ", \"client_uri\": \"https://app.example.test/\\u0001\"}",
    "{" LOOPBACK_CB ", \"logo_uri\": \"https://app.example.test/\\t\"}",
    "{" LOOPBACK_CB ", \"tos_uri\": \"https://app.example.test/\\u001f\"}",
    "{" LOOPBACK_CB ", \"policy_uri\": \"https://app.example.test/\\r\"}",
    "{" LOOPBACK_CB ", \"software_id\": \"id\\u0007\"}",
    "{" LOOPBACK_CB ", \"software_version\": \"1.0\\u001f\"}",
    "{" LOOPBACK_CB ", \"contacts\": [\"ops@example.test\", \"a\\u001fb@example.test\"]}",
    "{" LOOPBACK_CB ", \"scope\": \"openid\\u001fprofile\"}",
    NULL,
  };

  assert_refused_rows (fixture, bodies, 400, "invalid_client_metadata");
  {
    g_autoptr(GhTestResponse) response = post_register (
      fixture, "", NULL, "{\"redirect_uris\": [\"http://127.0.0.1/cb\\u001f\"]}");
    assert_oauth_error (response, 400, "invalid_redirect_uri");
  }

  /* Text that is not a control character is kept, and a member of our own choosing keeps
   * its control character escaped: every answer parses with a strict reader. */
  {
    g_autoptr(GhTestResponse) response = post_register (
      fixture, "", NULL,
      "{" LOOPBACK_CB ", \"token_endpoint_auth_method\": \"none\", "
      "\"client_name\": \"Caf\\u00e9 \\u2603\", \"x_note\": \"a\\u001fb\\u2028c\"}");
    g_autoptr(JsonObject) doc = assert_registered (response);
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) strict = NULL;
    gsize size;
    const char *body = g_bytes_get_data (response->body, &size);

    strict = gh_json_parse_object_strict (body, size, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (member (strict, "client_name"), ==, "Caf\xc3\xa9 \xe2\x98\x83");
    g_assert_cmpstr (member (strict, "x_note"), ==, "a\x1f" "b\xe2\x80\xa8" "c");
  }
}

/* RFC 7591 §2: without token_endpoint_auth_method the client is client_secret_basic. */
static void
test_metadata_default_secret_basic (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(GhTestResponse) response = post_register (
    fixture, "", NULL,
    "{\"redirect_uris\": [\"http://127.0.0.1/callback\"], \"client_name\": \"CI\"}");
  g_autoptr(JsonObject) doc = assert_registered (response);
  g_autoptr(JsonObject) tokens = NULL;
  g_autoptr(GhTestResponse) wrong = NULL;
  const char *client_id = member (doc, "client_id");
  const char *secret = member (doc, "client_secret");

  g_assert_cmpstr (member (doc, "token_endpoint_auth_method"), ==, "client_secret_basic");
  g_assert_nonnull (secret);
  g_assert_cmpuint (strlen (secret), >=, 32);
  g_assert_true (json_object_has_member (doc, "client_secret_expires_at"));
  g_assert_cmpint (json_object_get_int_member (doc, "client_secret_expires_at"), ==, 0);

  auto_approve (fixture, "default");
  tokens = complete_code_flow (fixture, client_id, "http://127.0.0.1/callback", secret);

  wrong = token_with_basic (fixture, client_id, "not-the-secret");
  assert_oauth_error (wrong, 401, "invalid_client");
  g_assert_true (g_str_has_prefix (gh_test_response_header (wrong, "WWW-Authenticate"), "Basic"));
}

static void
test_metadata_application_type (Fixture       *fixture,
                                gconstpointer  data)
{
  static const struct { const char *uris; const char *given; const char *expected; } rows[] = {
    { "[\"http://127.0.0.1:33418/callback\"]", NULL, "native" },
    { "[\"http://localhost/callback\"]", NULL, "native" },
    { "[\"http://[::1]:8080/callback\"]", NULL, "native" },
    { "[\"cursor://anysphere.cursor-mcp/oauth/callback\"]", NULL, "native" },
    { "[\"http://127.0.0.1/cb\", \"vscode://vscode.github-authentication/did-authenticate\"]", NULL,
      "native" },
    { "[\"https://app.example.test/cb\"]", NULL, "web" },
    { "[\"http://127.0.0.1:33418\", \"https://vscode.dev/redirect\"]", NULL, "web" },
    /* What the client says wins. */
    { "[\"https://app.example.test/cb\"]", "native", "native" },
    { "[\"http://127.0.0.1/cb\"]", "web", "web" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *body = NULL;
      g_autoptr(GhTestResponse) response = NULL;
      g_autoptr(JsonObject) doc = NULL;

      if (rows[i].given != NULL)
        body = g_strdup_printf ("{\"redirect_uris\": %s, \"token_endpoint_auth_method\": \"none\", "
                                "\"application_type\": \"%s\"}", rows[i].uris, rows[i].given);
      else
        body = g_strdup_printf ("{\"redirect_uris\": %s, \"token_endpoint_auth_method\": \"none\"}",
                                rows[i].uris);
      g_test_message ("%s", body);
      response = post_register (fixture, "", NULL, body);
      doc = assert_registered (response);
      g_assert_cmpstr (member (doc, "application_type"), ==, rows[i].expected);
    }
}

/* ---- open mode --------------------------------------------------------------------- */

static void
test_open_rate_limit (Fixture       *fixture,
                      gconstpointer  data)
{
  set_settings (fixture, "default", "{\"dcr_rate_limit\": 3}");

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GhTestResponse) response = post_register (fixture, "", NULL, PUBLIC_LOOPBACK);
      g_autoptr(JsonObject) doc = assert_registered (response);
    }
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GhTestResponse) response = post_register (fixture, "", NULL, PUBLIC_LOOPBACK);
      const char *retry_after;

      assert_oauth_error (response, 429, "too_many_requests");
      retry_after = gh_test_response_header (response, "Retry-After");
      g_assert_nonnull (retry_after);
      g_assert_cmpint (g_ascii_strtoll (retry_after, NULL, 10), >, 0);
      g_assert_cmpint (g_ascii_strtoll (retry_after, NULL, 10), <=, 60);
    }
  g_assert_cmpint (gh_test_server_count_audit (fixture, "oauth_client.registered"), ==, 3);

  /* The limit is per project. */
  set_settings (fixture, "acme", "{\"dcr_mode\": \"open\", \"dcr_rate_limit\": 3}");
  {
    g_autoptr(GhTestResponse) response = post_register (fixture, "/p/acme", NULL, PUBLIC_LOOPBACK);
    g_autoptr(JsonObject) doc = assert_registered (response);
  }
}

/* ---- RFC 7592 ---------------------------------------------------------------------- */

typedef struct
{
  char *client_id;
  char *client_uri;
  char *token;
} Registered;

static void
registered_clear (Registered *registered)
{
  g_clear_pointer (&registered->client_id, g_free);
  g_clear_pointer (&registered->client_uri, g_free);
  g_clear_pointer (&registered->token, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Registered, registered_clear)

static void
register_public (Fixture    *fixture,
                 const char *redirect_uri,
                 Registered *out)
{
  g_autofree char *body = g_strdup_printf ("{\"redirect_uris\": [\"%s\"], "
                                           "\"token_endpoint_auth_method\": \"none\", "
                                           "\"client_name\": \"Managed\"}", redirect_uri);
  g_autoptr(GhTestResponse) response = post_register (fixture, "", NULL, body);
  g_autoptr(JsonObject) doc = assert_registered (response);

  out->client_id = g_strdup (member (doc, "client_id"));
  out->client_uri = g_strdup (member (doc, "registration_client_uri"));
  out->token = g_strdup (member (doc, "registration_access_token"));
}

static char *
update_body (const char *client_id,
             const char *redirect_uri,
             const char *auth_method)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonArray) uris = json_array_new ();

  if (client_id != NULL)
    json_object_set_string_member (body, "client_id", client_id);
  json_array_add_string_element (uris, redirect_uri);
  json_object_set_array_member (body, "redirect_uris", json_array_ref (uris));
  if (auth_method != NULL)
    json_object_set_string_member (body, "token_endpoint_auth_method", auth_method);
  json_object_set_string_member (body, "client_name", "Managed");
  return object_to_string (body);
}

static void
test_management_auth (Fixture       *fixture,
                      gconstpointer  data)
{
  g_auto(Registered) a = { 0 };
  g_auto(Registered) b = { 0 };
  g_autofree char *body = NULL;
  g_autofree char *unknown_uri = g_strconcat (fixture->issuer,
                                              "/register/client_ffffffffffffffffffffffff", NULL);

  register_public (fixture, "http://127.0.0.1/a", &a);
  register_public (fixture, "http://127.0.0.1/b", &b);
  body = update_body (a.client_id, "http://127.0.0.1/changed", NULL);

  for (const char * const *method = (const char * const[]) { "GET", "PUT", "DELETE", NULL };
       *method != NULL; method++)
    {
      const char *put_body = g_str_equal (*method, "PUT") ? body : NULL;
      g_autoptr(GhTestResponse) none = manage (fixture, *method, a.client_uri, NULL, put_body);
      g_autoptr(GhTestResponse) other = manage (fixture, *method, a.client_uri, b.token, put_body);
      g_autoptr(GhTestResponse) garbage = manage (fixture, *method, a.client_uri, "garbage",
                                                  put_body);
      g_autoptr(GhTestResponse) unknown = manage (fixture, *method, unknown_uri, a.token, put_body);

      g_test_message ("%s", *method);
      g_assert_cmpuint (none->status, ==, 401);
      assert_bearer_challenge (fixture, none, "", NULL);
      /* Another client's valid registration access token is no good here. */
      assert_invalid_token (fixture, other, "");
      assert_invalid_token (fixture, garbage, "");
      assert_invalid_token (fixture, unknown, "");
    }

  /* The token is judged before the body: a stranger's bad body still gets 401, and every
   * refused attempt is on record. */
  {
    g_autoptr(GhTestResponse) bad_body = manage (fixture, "PUT", a.client_uri, "garbage",
                                                 "not json");

    assert_invalid_token (fixture, bad_body, "");
    g_assert_cmpint (gh_test_server_count_audit (fixture, "oauth_client.management_refused"), >=,
                     13);
  }

  /* Nothing changed: a still exists, with its redirect URI, and its token still works. */
  {
    g_autoptr(GhTestResponse) read = manage (fixture, "GET", a.client_uri, a.token, NULL);
    g_autoptr(JsonObject) doc = NULL;

    g_assert_cmpuint (read->status, ==, 200);
    doc = gh_test_response_json (read);
    g_assert_true (gh_test_json_array_has (doc, "redirect_uris", "http://127.0.0.1/a"));
  }
  g_assert_true (client_exists (fixture, "default", b.client_id));

  /* An admin-created client has no registration to manage. */
  {
    g_autoptr(GhProject) project = get_project (fixture, "default");
    g_autoptr(JsonObject) metadata = gh_test_parse_object (PUBLIC_LOOPBACK);
    g_autoptr(GError) error = NULL;
    g_autoptr(GhClient) admin = gh_clients_create (gh_server_get_clients (fixture->server), project,
                                                   "admin-client", GH_CLIENT_SOURCE_ADMIN, metadata,
                                                   NULL, "test", &error);
    g_autofree char *uri = g_strconcat (fixture->issuer, "/register/admin-client", NULL);
    g_autoptr(GhTestResponse) response = NULL;

    g_assert_no_error (error);
    response = manage (fixture, "DELETE", uri, a.token, NULL);
    assert_invalid_token (fixture, response, "");
    g_assert_true (client_exists (fixture, "default", "admin-client"));
  }
}

static void
test_management_read (Fixture       *fixture,
                      gconstpointer  data)
{
  g_auto(Registered) a = { 0 };
  g_autofree char *previous = NULL;

  register_public (fixture, "http://127.0.0.1/a", &a);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GhTestResponse) read = manage (fixture, "GET", a.client_uri, a.token, NULL);
      g_autoptr(GhTestResponse) old = NULL;
      g_autoptr(JsonObject) doc = NULL;

      g_assert_cmpuint (read->status, ==, 200);
      g_assert_cmpstr (gh_test_response_header (read, "Cache-Control"), ==, "no-store");
      doc = gh_test_response_json (read);
      g_assert_cmpstr (member (doc, "client_id"), ==, a.client_id);
      g_assert_cmpstr (member (doc, "registration_client_uri"), ==, a.client_uri);
      g_assert_cmpstr (member (doc, "client_name"), ==, "Managed");
      g_assert_true (gh_test_json_array_has (doc, "redirect_uris", "http://127.0.0.1/a"));
      g_assert_false (json_object_has_member (doc, "client_secret"));

      /* A new registration access token; the one just used is dead. */
      g_assert_cmpstr (member (doc, "registration_access_token"), !=, a.token);
      g_free (previous);
      previous = g_steal_pointer (&a.token);
      a.token = g_strdup (member (doc, "registration_access_token"));
      old = manage (fixture, "GET", a.client_uri, previous, NULL);
      assert_invalid_token (fixture, old, "");
    }
}

static void
test_management_update (Fixture       *fixture,
                        gconstpointer  data)
{
  static const struct { const char *json; const char *error; } wrong_types[] = {
    { "{\"client_id\": {\"id\": \"x\"}, " APP_CB "}", "invalid_request" },
    { "{\"client_id\": 7, " APP_CB "}", "invalid_request" },
    { "{\"client_secret\": [\"x\"], " APP_CB "}", "invalid_client_metadata" },
    { "{\"token_endpoint_auth_method\": [\"none\"], " APP_CB "}", "invalid_client_metadata" },
    { "{\"token_endpoint_auth_method\": {}, " APP_CB "}", "invalid_client_metadata" },
    { "{\"token_endpoint_auth_method\": 0, " APP_CB "}", "invalid_client_metadata" },
    { "{\"redirect_uris\": [{\"uri\": \"https://app.example.test/cb\"}]}",
      "invalid_client_metadata" },
  };
  g_auto(Registered) a = { 0 };
  g_auto(Registered) b = { 0 };
  g_autofree char *body = NULL;

  register_public (fixture, "http://127.0.0.1/a", &a);
  register_public (fixture, "http://127.0.0.1/b", &b);

  /* A change of redirect URI applies at the next /authorize. */
  body = update_body (a.client_id, "https://app.example.test/new", NULL);
  {
    g_autoptr(GhTestResponse) response = manage (fixture, "PUT", a.client_uri, a.token, body);
    g_autoptr(GhTestResponse) old = NULL;
    g_autoptr(JsonObject) doc = NULL;

    g_assert_cmpuint (response->status, ==, 200);
    doc = gh_test_response_json (response);
    g_assert_cmpstr (member (doc, "client_id"), ==, a.client_id);
    g_assert_true (gh_test_json_array_has (doc, "redirect_uris", "https://app.example.test/new"));
    g_assert_false (gh_test_json_array_has (doc, "redirect_uris", "http://127.0.0.1/a"));
    g_assert_cmpstr (member (doc, "application_type"), ==, "web");
    g_assert_cmpstr (member (doc, "registration_access_token"), !=, a.token);
    old = manage (fixture, "GET", a.client_uri, a.token, NULL);
    assert_invalid_token (fixture, old, "");
    g_free (a.token);
    a.token = g_strdup (member (doc, "registration_access_token"));
  }
  {
    g_autofree char *old_url = authorize_url (fixture, a.client_id, "http://127.0.0.1/a");
    g_autofree char *new_url = authorize_url (fixture, a.client_id, "https://app.example.test/new");
    g_autoptr(GhTestResponse) old = http (fixture, "GET", old_url, NULL, NULL, NULL,
                                          GH_TEST_HTTP_NO_REDIRECT);
    g_autoptr(GhTestResponse) now = http (fixture, "GET", new_url, NULL, NULL, NULL,
                                          GH_TEST_HTTP_NO_REDIRECT);

    g_assert_cmpuint (old->status, ==, 400);
    g_assert_null (gh_test_response_header (old, "Location"));
    g_assert_cmpuint (now->status, ==, 303); /* on to the login page */
  }

  /* Refused updates change nothing, and the token stays. */
  {
    const struct {
      const char *client_id;
      const char *uri;
      const char *method;
      const char *error;
    } rows[] = {
      { a.client_id, "https://app.example.test/cb#frag", NULL, "invalid_redirect_uri" },
      { a.client_id, "http://app.example.test/cb", NULL, "invalid_redirect_uri" },
      { a.client_id, "javascript:alert(1)", NULL, "invalid_redirect_uri" },
      { a.client_id, "https://app.example.test/cb", "client_secret_basic",
        "invalid_client_metadata" },
      { a.client_id, "https://app.example.test/cb", "private_key_jwt", "invalid_client_metadata" },
      { b.client_id, "https://app.example.test/cb", NULL, "invalid_request" },
      { NULL, "https://app.example.test/cb", NULL, "invalid_request" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
      {
        g_autofree char *text = update_body (rows[i].client_id, rows[i].uri, rows[i].method);
        g_autoptr(GhTestResponse) response = manage (fixture, "PUT", a.client_uri, a.token, text);

        g_test_message ("%s", text);
        assert_oauth_error (response, 400, rows[i].error);
      }
    {
      g_autoptr(GhTestResponse) response = manage (fixture, "PUT", a.client_uri, a.token,
                                                   "not json");
      assert_oauth_error (response, 400, "invalid_client_metadata");
    }
    /* Members of the wrong JSON type. */
    for (guint i = 0; i < G_N_ELEMENTS (wrong_types); i++)
      {
        g_autoptr(JsonObject) body = gh_test_parse_object (wrong_types[i].json);
        g_autofree char *text = NULL;
        g_autoptr(GhTestResponse) response = NULL;

        if (!json_object_has_member (body, "client_id"))
          json_object_set_string_member (body, "client_id", a.client_id);
        text = object_to_string (body);
        g_test_message ("%s", text);
        response = manage (fixture, "PUT", a.client_uri, a.token, text);
        assert_oauth_error (response, 400, wrong_types[i].error);
      }
  }
  {
    g_autoptr(GhTestResponse) read = manage (fixture, "GET", a.client_uri, a.token, NULL);
    g_autoptr(JsonObject) doc = NULL;

    g_assert_cmpuint (read->status, ==, 200);
    doc = gh_test_response_json (read);
    g_assert_true (gh_test_json_array_has (doc, "redirect_uris", "https://app.example.test/new"));
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (doc, "redirect_uris")),
                      ==, 1);
    g_assert_cmpstr (member (doc, "token_endpoint_auth_method"), ==, "none");
  }
  /* b was not touched by a's attempt to rename itself. */
  {
    g_autoptr(GhTestResponse) read = manage (fixture, "GET", b.client_uri, b.token, NULL);
    g_autoptr(JsonObject) doc = NULL;

    g_assert_cmpuint (read->status, ==, 200);
    doc = gh_test_response_json (read);
    g_assert_true (gh_test_json_array_has (doc, "redirect_uris", "http://127.0.0.1/b"));
  }
}

static void
test_management_delete (Fixture       *fixture,
                        gconstpointer  data)
{
  g_auto(Registered) a = { 0 };
  g_autoptr(GhTestResponse) response = NULL;
  g_autoptr(GhTestResponse) read = NULL;
  g_autoptr(GhTestResponse) again = NULL;
  g_autofree char *url = NULL;

  register_public (fixture, "http://127.0.0.1/a", &a);
  response = manage (fixture, "DELETE", a.client_uri, a.token, NULL);
  g_assert_cmpuint (response->status, ==, 204);
  g_assert_cmpuint (g_bytes_get_size (response->body), ==, 0);
  g_assert_false (client_exists (fixture, "default", a.client_id));
  g_assert_cmpint (gh_test_server_count_audit (fixture, "oauth_client.deleted"), ==, 1);

  read = manage (fixture, "GET", a.client_uri, a.token, NULL);
  assert_invalid_token (fixture, read, "");
  again = manage (fixture, "DELETE", a.client_uri, a.token, NULL);
  assert_invalid_token (fixture, again, "");

  /* The client is gone for /authorize: a page, never a redirect. */
  url = authorize_url (fixture, a.client_id, "http://127.0.0.1/a");
  {
    g_autoptr(GhTestResponse) json = http (fixture, "GET", url, NULL, NULL, NULL,
                                           GH_TEST_HTTP_NO_REDIRECT);
    const char * const accept[] = { "Accept", "text/html", NULL };
    g_autoptr(GhTestResponse) page = http (fixture, "GET", url, accept, NULL, NULL,
                                           GH_TEST_HTTP_NO_REDIRECT);

    assert_oauth_error (json, 400, "invalid_client");
    g_assert_null (gh_test_response_header (json, "Location"));
    g_assert_cmpuint (page->status, ==, 400);
    g_assert_null (gh_test_response_header (page, "Location"));
    g_assert_true (g_str_has_prefix (gh_test_response_header (page, "Content-Type"), "text/html"));
  }
}

/* ---- audit ------------------------------------------------------------------------- */

/* Runs @response's refusal and checks it left exactly one registration_refused event
 * carrying @error. */
static void
assert_refusal_recorded (Fixture        *fixture,
                         gint64         *count,
                         GhTestResponse *response,
                         guint           status,
                         const char     *error)
{
  g_autoptr(JsonObject) details = NULL;

  assert_oauth_error (response, status, error);
  g_assert_cmpint (gh_test_server_count_audit (fixture, "oauth_client.registration_refused"), ==,
                   ++*count);
  details = last_event (fixture, "oauth_client.registration_refused", NULL, NULL);
  g_assert_cmpstr (member (details, "error"), ==, error);
  g_assert_cmpstr (member (details, "source_address"), ==, "127.0.0.1");
}

static void
test_audit (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree char *iat_id = NULL;
  g_autofree char *iat = NULL;
  g_autofree char *large = padded (17 * 1024);
  gint64 refused = gh_test_server_count_audit (fixture, "oauth_client.registration_refused");

  g_assert_cmpint (refused, ==, 0);

  /* Open mode: a registration, then refusals of every kind. */
  {
    g_autoptr(GhTestResponse) response = post_register (fixture, "", NULL, PUBLIC_LOOPBACK);
    g_autoptr(JsonObject) doc = assert_registered (response);
    g_autoptr(JsonObject) details = NULL;
    g_autofree char *client_id = NULL;

    g_assert_cmpint (gh_test_server_count_audit (fixture, "oauth_client.registered"), ==, 1);
    details = last_event (fixture, "oauth_client.registered", &client_id, NULL);
    g_assert_cmpstr (client_id, ==, member (doc, "client_id"));
    g_assert_cmpstr (member (details, "source"), ==, "dcr");
  }
  {
    g_autoptr(GhTestResponse) r1 = post_register (fixture, "", NULL,
                                                  "{\"redirect_uris\": [\"javascript:alert(1)\"]}");
    g_autoptr(GhTestResponse) r2 = NULL;
    g_autoptr(GhTestResponse) r3 = NULL;
    g_autoptr(GhTestResponse) r4 = NULL;
    g_autoptr(GhTestResponse) r5 = NULL;

    assert_refusal_recorded (fixture, &refused, r1, 400, "invalid_redirect_uri");
    r2 = post_register (fixture, "", NULL, "{" LOOPBACK_CB ", "
                                           "\"grant_types\": [\"password\"]}");
    assert_refusal_recorded (fixture, &refused, r2, 400, "invalid_client_metadata");
    r3 = post_register (fixture, "", NULL, "not json");
    assert_refusal_recorded (fixture, &refused, r3, 400, "invalid_client_metadata");
    r4 = post_register_as (fixture, "", NULL, "text/plain", PUBLIC_LOOPBACK);
    assert_refusal_recorded (fixture, &refused, r4, 400, "invalid_client_metadata");
    r5 = post_register (fixture, "", NULL, large);
    assert_refusal_recorded (fixture, &refused, r5, 413, "payload_too_large");
  }
  {
    g_autoptr(GhTestResponse) response = NULL;

    set_settings (fixture, "default", "{\"dcr_rate_limit\": 1}");
    response = post_register (fixture, "", NULL, PUBLIC_LOOPBACK);
    assert_refusal_recorded (fixture, &refused, response, 429, "too_many_requests");
  }

  /* IAT mode: the use, and the refusals. */
  set_settings (fixture, "default", "{\"dcr_mode\": \"initial_access_token\"}");
  iat = issue_iat (fixture, "default", 1, NULL, &iat_id);
  {
    g_autoptr(GhTestResponse) response = post_register (fixture, "", iat, PUBLIC_LOOPBACK);
    g_autoptr(JsonObject) doc = assert_registered (response);
    g_autoptr(JsonObject) used = NULL;
    g_autofree char *actor = NULL;

    g_assert_cmpint (gh_test_server_count_audit (fixture, "iat.used"), ==, 1);
    used = last_event (fixture, "iat.used", NULL, NULL);
    g_assert_cmpstr (member (used, "iat_id"), ==, iat_id);
    g_assert_cmpint (json_object_get_int_member (used, "uses"), ==, 1);
    g_assert_cmpint (gh_test_server_count_audit (fixture, "oauth_client.registered"), ==, 2);
    json_object_unref (last_event (fixture, "oauth_client.registered", NULL, &actor));
    g_assert_cmpstr (actor, ==, iat_id);
  }
  {
    g_autofree char *query = g_strconcat ("/register?access_token=", iat, NULL);
    g_autoptr(GhTestResponse) r1 = post_register (fixture, "", NULL, PUBLIC_LOOPBACK);
    g_autoptr(GhTestResponse) r2 = NULL;
    g_autoptr(GhTestResponse) r3 = NULL;

    /* Refused for the initial access token: iat.rejected says which way, not
     * registration_refused. */
    assert_oauth_error (r1, 401, "invalid_token");
    g_assert_cmpint (gh_test_server_count_audit (fixture, "iat.rejected"), ==, 1);
    r2 = post_register (fixture, "", iat, PUBLIC_LOOPBACK); /* used up */
    assert_oauth_error (r2, 401, "invalid_token");
    g_assert_cmpint (gh_test_server_count_audit (fixture, "iat.rejected"), ==, 2);
    {
      g_autoptr(JsonObject) rejected = last_event (fixture, "iat.rejected", NULL, NULL);

      g_assert_cmpstr (member (rejected, "reason"), ==, "exhausted");
      g_assert_cmpstr (member (rejected, "iat_id"), ==, iat_id);
    }
    r3 = http (fixture, "POST", query, NULL, "application/json", PUBLIC_LOOPBACK, 0);
    assert_refusal_recorded (fixture, &refused, r3, 401, "invalid_token");
  }
  g_assert_cmpint (gh_test_server_count_audit (fixture, "iat.used"), ==, 1);

  /* Disabled. */
  set_settings (fixture, "default", "{\"dcr_mode\": \"disabled\"}");
  {
    g_autoptr(GhTestResponse) response = post_register (fixture, "", NULL, PUBLIC_LOOPBACK);
    assert_refusal_recorded (fixture, &refused, response, 403, "forbidden");
  }
  g_assert_cmpint (gh_test_server_count_audit (fixture, "oauth_client.registered"), ==, 2);
}

/* ---- browsers ---------------------------------------------------------------------- */

/* SPEC-NOTES.md: the MCP Inspector registers from a browser page. */
static void
test_cors (Fixture       *fixture,
           gconstpointer  data)
{
  static const char * const preflight_headers[] = {
    "Origin", "http://localhost:6274",
    "Access-Control-Request-Method", "POST",
    "Access-Control-Request-Headers", "authorization, content-type",
    NULL,
  };
  static const char * const origin[] = { "Origin", "http://localhost:6274", NULL };
  g_autoptr(GhTestResponse) preflight = http (fixture, "OPTIONS", "/register", preflight_headers,
                                              NULL, NULL, 0);
  g_autoptr(GhTestResponse) created = http (fixture, "POST", "/register", origin,
                                            "application/json", PUBLIC_LOOPBACK, 0);
  g_autoptr(GhTestResponse) refused = http (fixture, "POST", "/register", origin,
                                            "application/json", "{}", 0);
  g_autoptr(JsonObject) doc = assert_registered (created);
  g_autofree char *allowed = NULL;
  const char *methods;

  g_assert_cmpuint (preflight->status, ==, 204);
  g_assert_cmpstr (gh_test_response_header (preflight, "Access-Control-Allow-Origin"), ==, "*");
  methods = gh_test_response_header (preflight, "Access-Control-Allow-Methods");
  g_assert_nonnull (strstr (methods, "POST"));
  allowed = g_ascii_strdown (gh_test_response_header (preflight, "Access-Control-Allow-Headers"),
                             -1);
  g_assert_nonnull (strstr (allowed, "authorization"));
  g_assert_nonnull (strstr (allowed, "content-type"));

  g_assert_cmpstr (gh_test_response_header (created, "Access-Control-Allow-Origin"), ==, "*");
  assert_oauth_error (refused, 400, "invalid_redirect_uri");
  g_assert_cmpstr (gh_test_response_header (refused, "Access-Control-Allow-Origin"), ==, "*");
  /* A page script reads the challenge of a 401 only when it is exposed. */
  g_assert_nonnull (strstr (gh_test_response_header (created, "Access-Control-Expose-Headers"),
                            "WWW-Authenticate"));

  /* The management endpoint too. */
  {
    static const char * const manage_preflight[] = {
      "Origin", "http://localhost:6274",
      "Access-Control-Request-Method", "PUT",
      NULL,
    };
    g_autoptr(GhTestResponse) response = http (fixture, "OPTIONS",
                                               member (doc, "registration_client_uri"),
                                               manage_preflight, NULL, NULL, 0);

    g_assert_cmpuint (response->status, ==, 204);
    methods = gh_test_response_header (response, "Access-Control-Allow-Methods");
    g_assert_nonnull (strstr (methods, "PUT"));
    g_assert_nonnull (strstr (methods, "DELETE"));
  }
}

/* ---- the MCP toggle ---------------------------------------------------------------- */

static void
test_mcp_cascade (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autofree char *endpoint = NULL;
  g_autofree char *expected = g_strconcat (fixture->issuer, "/p/acme/register", NULL);
  g_autoptr(GhProject) project = NULL;

  /* Production defaults: no DCR, no MCP. */
  g_assert_false (discovery_lists_registration (fixture, "/p/acme", NULL));
  {
    g_autoptr(GhTestResponse) response = post_register (fixture, "/p/acme", NULL, PUBLIC_LOOPBACK);
    assert_oauth_error (response, 403, "forbidden");
  }

  set_settings (fixture, "acme", "{\"mcp_enabled\": true}");
  project = get_project (fixture, "acme");
  g_assert_cmpint (project->settings->dcr_mode, ==, GH_DCR_MODE_INITIAL_ACCESS_TOKEN);
  g_assert_true (project->settings->cimd_enabled);

  g_assert_true (discovery_lists_registration (fixture, "/p/acme", &endpoint));
  g_assert_cmpstr (endpoint, ==, expected);
  {
    g_autoptr(GhTestResponse) response = http (fixture, "GET",
                                               "/.well-known/oauth-authorization-server/p/acme",
                                               NULL, NULL, NULL, 0);
    g_autoptr(JsonObject) doc = gh_test_response_json (response);

    g_assert_true (json_object_get_boolean_member (doc, "mcp_authorization_supported"));
    /* The CIMD flag also depends on a resolver being there; the cascade is the setting. */
    g_assert_true (json_object_has_member (doc, "client_id_metadata_document_supported"));
  }

  /* The endpoint now wants an IAT, and takes one of acme's. */
  {
    g_autoptr(GhTestResponse) response = post_register (fixture, "/p/acme", NULL, PUBLIC_LOOPBACK);
    g_assert_cmpuint (response->status, ==, 401);
    assert_bearer_challenge (fixture, response, "/p/acme", NULL);
  }
  {
    g_autofree char *iat = issue_iat (fixture, "acme", 1, NULL, NULL);
    g_autoptr(GhTestResponse) response = post_register (fixture, "/p/acme", iat, PUBLIC_LOOPBACK);
    g_autoptr(JsonObject) doc = assert_registered (response);
    g_autofree char *uri = g_strconcat (expected, "/", member (doc, "client_id"), NULL);

    g_assert_cmpstr (member (doc, "registration_client_uri"), ==, uri);
  }

  /* Turning MCP off undoes nothing. */
  set_settings (fixture, "acme", "{\"mcp_enabled\": false}");
  g_assert_true (discovery_lists_registration (fixture, "/p/acme", NULL));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, gh_test_server_teardown)

  ADD ("/server/dcr/mode/disabled", test_disabled);
  ADD ("/server/dcr/mode/discovery-follows", test_discovery_follows_mode);
  ADD ("/server/dcr/iat/missing", test_iat_missing);
  ADD ("/server/dcr/iat/refused", test_iat_refused);
  ADD ("/server/dcr/iat/in-query", test_iat_in_query);
  ADD ("/server/dcr/iat/max-uses-parallel", test_iat_max_uses_parallel);
  ADD ("/server/dcr/iat/refusal-keeps-use", test_iat_refusal_keeps_use);
  ADD ("/server/dcr/iat/pin/auth-method", test_iat_pin_auth_method);
  ADD ("/server/dcr/iat/pin/scope", test_iat_pin_scope);
  ADD ("/server/dcr/iat/pin/redirect-uri-prefixes", test_iat_pin_redirect_prefixes);
  ADD ("/server/dcr/iat/authio-flow", test_iat_authio);
  ADD ("/server/dcr/metadata/redirect-uris", test_metadata_redirect_uris);
  ADD ("/server/dcr/metadata/custom-scheme", test_metadata_custom_scheme);
  ADD ("/server/dcr/metadata/grant-response-auth-types", test_metadata_types);
  ADD ("/server/dcr/metadata/private-key-jwt", test_metadata_private_key_jwt);
  ADD ("/server/dcr/metadata/chosen-credentials-ignored", test_metadata_chosen_credentials);
  ADD ("/server/dcr/metadata/body", test_metadata_body);
  ADD ("/server/dcr/metadata/control-characters", test_metadata_control_characters);
  ADD ("/server/dcr/metadata/default-client-secret-basic", test_metadata_default_secret_basic);
  ADD ("/server/dcr/metadata/application-type", test_metadata_application_type);
  ADD ("/server/dcr/open/rate-limit", test_open_rate_limit);
  ADD ("/server/dcr/management/auth", test_management_auth);
  ADD ("/server/dcr/management/read-rotates-token", test_management_read);
  ADD ("/server/dcr/management/update", test_management_update);
  ADD ("/server/dcr/management/delete", test_management_delete);
  ADD ("/server/dcr/audit", test_audit);
  ADD ("/server/dcr/cors", test_cors);
  ADD ("/server/dcr/mcp-cascade", test_mcp_cascade);

  return g_test_run ();
}
