/* test-fuzz.c — a seeded fuzz smoke test against a real gatehouse-server built with ASan + UBSan
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Valid requests to every endpoint, built from live state (codes, tokens, a registration, login
 * and consent pages), then mutated as a hostile client would: flipped bytes, truncations, huge
 * values, duplicated and missing parameters, odd percent-encodings, control characters,
 * invalid UTF-8, wrong methods and content types, broken JSON, forged JWTs and Basic
 * credentials. What must hold: no 5xx, every JSON answer parses as strict UTF-8 JSON, the
 * server never stops answering, and it exits cleanly with no sanitizer report.
 *
 * GATEHOUSE_FUZZ_SEED picks the seed (printed either way), GATEHOUSE_FUZZ_SECONDS the budget
 * (default 40), GATEHOUSE_FUZZ_REQUESTS a number of requests instead (with the seed, the same
 * requests again), GATEHOUSE_SERVER_ASAN the server (default $GATEHOUSE_SERVER).
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "gh-base64url.h"
#include "gh-crypto.h"
#include "gh-test-process.h"
#include "gh-test-util.h"

#define VERIFIER "fuzz-verifier-0123456789-0123456789-0123456789-abcdef"
#define CB "http://127.0.0.1/cb"
#define RESOURCE "http://127.0.0.1:3000/mcp"
#define MAX_REPORTED 15

typedef struct
{
  char *name;
  GString *value;
} Pair;

static void
pair_free (gpointer data)
{
  Pair *pair = data;

  g_free (pair->name);
  g_string_free (pair->value, TRUE);
  g_free (pair);
}

typedef struct
{
  const char *endpoint;  /* for the report */
  char       *method;
  GString    *path;
  GPtrArray  *query;     /* Pair */
  GPtrArray  *headers;   /* Pair */
  char       *content_type;
  GPtrArray  *form;      /* Pair, or NULL */
  GString    *body;      /* when form is NULL: the body as is (JSON), or NULL */
  gboolean    raw_encoding;  /* query and form written without percent-encoding */
  guint       flip_bytes;    /* bytes flipped in the serialized request */
} Req;

static void
req_free (Req *req)
{
  g_free (req->method);
  g_string_free (req->path, TRUE);
  g_ptr_array_unref (req->query);
  g_ptr_array_unref (req->headers);
  g_free (req->content_type);
  g_clear_pointer (&req->form, g_ptr_array_unref);
  if (req->body != NULL)
    g_string_free (req->body, TRUE);
  g_free (req);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Req, req_free)

static Req *
req_new (const char *endpoint,
         const char *method,
         const char *path)
{
  Req *req = g_new0 (Req, 1);

  req->endpoint = endpoint;
  req->method = g_strdup (method);
  req->path = g_string_new (path);
  req->query = g_ptr_array_new_with_free_func (pair_free);
  req->headers = g_ptr_array_new_with_free_func (pair_free);
  return req;
}

static void
add_pair (GPtrArray  *pairs,
          const char *name,
          const char *value)
{
  Pair *pair;

  if (value == NULL)
    return;
  pair = g_new0 (Pair, 1);
  pair->name = g_strdup (name);
  pair->value = g_string_new (value);
  g_ptr_array_add (pairs, pair);
}

static void
set_form (Req *req)
{
  req->form = g_ptr_array_new_with_free_func (pair_free);
  req->content_type = g_strdup ("application/x-www-form-urlencoded");
}

typedef struct
{
  GhTestProcess *server;
  GhTestProcess *framing;  /* the second server: requests whose framing may be broken */
  GRand *rand;
  char *dir;
  char *secret;          /* of the confidential client "conf" */
  char *challenge;
  char *access_token;    /* from /p/acme */
  char *refresh_token;
  char *id_token;
  char *reg_client_id;
  char *reg_token;
  char *cookie;
  char *login_request;
  char *login_csrf;
  char *consent_request;
  char *consent_csrf;
  guint requests;
  guint by_class[6];
  guint no_answer;
  guint half_closed;
  guint json_answers;
  guint failures;
  GString *report;
} Fuzz;

/* ---- plain (unmutated) requests that gather live state ---- */

static GhRawResponse *
plain_get (Fuzz       *fuzz,
           const char *path_and_query,
           const char *cookie)
{
  g_autofree char *request =
    g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n%s%s%sConnection: close\r\n\r\n",
                     path_and_query, fuzz->server->port, cookie ? "Cookie: " : "",
                     cookie ? cookie : "", cookie ? "\r\n" : "");

  return gh_test_raw_http (fuzz->server->port, request, strlen (request), 10000);
}

static char *
query_value (const char *url,
             const char *name)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED_QUERY, NULL);
  g_autoptr(GHashTable) params = NULL;

  if (uri == NULL || g_uri_get_query (uri) == NULL)
    return NULL;
  params = g_uri_parse_params (g_uri_get_query (uri), -1, "&", G_URI_PARAMS_WWW_FORM, NULL);
  return params ? g_strdup (g_hash_table_lookup (params, name)) : NULL;
}

static char *
authorize_query (Fuzz       *fuzz,
                 const char *client_id)
{
  return gh_test_form_encode (GH_TEST_PAIRS ("response_type", "code", "client_id", client_id,
                                             "redirect_uri", CB,
                                             "code_challenge", fuzz->challenge,
                                             "code_challenge_method", "S256", "state", "st",
                                             "scope", "openid profile email mcp:tools",
                                             "resource", RESOURCE, "nonce", "n0"));
}

/* A fresh code of "app" from /p/acme, where dev is signed in and consents by itself. */
static char *
fresh_code (Fuzz *fuzz)
{
  g_autofree char *query = authorize_query (fuzz, "app");
  g_autofree char *path = g_strconcat ("/p/acme/authorize?", query, NULL);
  g_autoptr(GhRawResponse) response = plain_get (fuzz, path, NULL);
  g_autofree char *location = gh_raw_response_header (response, "Location");

  if (location == NULL)
    g_error ("No code from /p/acme/authorize: %u\n%s", response->status,
             response->head ? response->head : "");
  return query_value (location, "code");
}

static JsonObject *
parse_object (GBytes *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize length = 0;
  const char *data = g_bytes_get_data (body, &length);

  if (!json_parser_load_from_data (parser, data, length, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
refresh_tokens (Fuzz *fuzz)
{
  g_autofree char *code = fresh_code (fuzz);
  g_autofree char *body = gh_test_form_encode (GH_TEST_PAIRS ("grant_type", "authorization_code",
                                                              "client_id", "app", "code", code,
                                                              "code_verifier", VERIFIER,
                                                              "redirect_uri", CB,
                                                              "resource", RESOURCE));
  g_autoptr(GhRawResponse) response = gh_test_raw_post_form (fuzz->server->port,
                                                             "/p/acme/token", body);
  g_autoptr(JsonObject) tokens = NULL;

  g_assert_cmpuint (response->status, ==, 200);
  tokens = parse_object (response->body);
  g_assert_nonnull (tokens);
  g_free (fuzz->access_token);
  g_free (fuzz->refresh_token);
  g_free (fuzz->id_token);
  fuzz->access_token = g_strdup (json_object_get_string_member (tokens, "access_token"));
  fuzz->refresh_token = g_strdup (json_object_get_string_member (tokens, "refresh_token"));
  fuzz->id_token = g_strdup (json_object_get_string_member (tokens, "id_token"));
}

static char *
csrf_of (GBytes *page)
{
  g_autofree char *text = g_strndup (g_bytes_get_data (page, NULL), g_bytes_get_size (page));
  const char *at = strstr (text, "name=\"csrf_token\" value=\"");

  if (at == NULL)
    return NULL;
  at += strlen ("name=\"csrf_token\" value=\"");
  return g_strndup (at, strcspn (at, "\""));
}

/* A login page (and, signed in, a consent page) of the default project for a fresh browser. */
static void
refresh_pages (Fuzz *fuzz)
{
  g_autofree char *query = authorize_query (fuzz, "app");
  g_autofree char *path = g_strconcat ("/authorize?", query, NULL);
  g_autoptr(GhRawResponse) start = plain_get (fuzz, path, NULL);
  g_autofree char *set_cookie = gh_raw_response_header (start, "Set-Cookie");
  g_autofree char *location = gh_raw_response_header (start, "Location");
  g_autoptr(GhRawResponse) login_page = NULL;
  g_autoptr(GhRawResponse) login = NULL;
  g_autoptr(GhRawResponse) consent_page = NULL;
  g_autofree char *login_path = NULL;
  g_autofree char *form = NULL;
  g_autofree char *consent_location = NULL;
  g_autofree char *consent_path = NULL;
  g_autofree char *request = NULL;

  g_assert_nonnull (set_cookie);
  g_assert_nonnull (location);
  g_free (fuzz->cookie);
  fuzz->cookie = g_strndup (set_cookie, strcspn (set_cookie, ";"));
  g_free (fuzz->login_request);
  fuzz->login_request = query_value (location, "request");
  login_path = g_strconcat ("/login?request=", fuzz->login_request, NULL);
  login_page = plain_get (fuzz, login_path, fuzz->cookie);
  g_free (fuzz->login_csrf);
  fuzz->login_csrf = csrf_of (login_page->body);
  g_assert_nonnull (fuzz->login_csrf);

  /* Signed in with another request from the same start, for a consent page. */
  form = gh_test_form_encode (GH_TEST_PAIRS ("request", fuzz->login_request,
                                             "csrf_token", fuzz->login_csrf,
                                             "username", "dev"));
  request = g_strdup_printf ("POST /login HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nOrigin: %s\r\n"
                             "Cookie: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                             "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                             fuzz->server->port, fuzz->server->base, fuzz->cookie,
                             strlen (form), form);
  login = gh_test_raw_http (fuzz->server->port, request, strlen (request), 10000);
  consent_location = gh_raw_response_header (login, "Location");
  g_free (fuzz->consent_request);
  g_free (fuzz->consent_csrf);
  fuzz->consent_request = consent_location ? query_value (consent_location, "request") : NULL;
  fuzz->consent_csrf = NULL;
  if (fuzz->consent_request != NULL)
    {
      consent_path = g_strconcat ("/consent?request=", fuzz->consent_request, NULL);
      consent_page = plain_get (fuzz, consent_path, fuzz->cookie);
      fuzz->consent_csrf = csrf_of (consent_page->body);
    }
  /* The login request was used: a new one for the login form. */
  {
    g_autoptr(GhRawResponse) again = plain_get (fuzz, path, fuzz->cookie);
    g_autofree char *again_location = gh_raw_response_header (again, "Location");
    g_autoptr(GhRawResponse) page = NULL;

    if (again_location != NULL && strstr (again_location, "/login?") != NULL)
      {
        g_free (fuzz->login_request);
        fuzz->login_request = query_value (again_location, "request");
        g_free (login_path);
        login_path = g_strconcat ("/login?request=", fuzz->login_request, NULL);
        page = plain_get (fuzz, login_path, fuzz->cookie);
        g_free (fuzz->login_csrf);
        fuzz->login_csrf = csrf_of (page->body);
      }
  }
}

static void
refresh_registration (Fuzz *fuzz)
{
  const char *json = "{\"redirect_uris\":[\"" CB "\"],\"client_name\":\"Fuzzed\","
                     "\"token_endpoint_auth_method\":\"client_secret_basic\"}";
  g_autofree char *request =
    g_strdup_printf ("POST /register HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n%s", fuzz->server->port, strlen (json), json);
  g_autoptr(GhRawResponse) response = gh_test_raw_http (fuzz->server->port, request,
                                                        strlen (request), 10000);
  g_autoptr(JsonObject) client = NULL;

  g_assert_cmpuint (response->status, ==, 201);
  client = parse_object (response->body);
  g_assert_nonnull (client);
  g_free (fuzz->reg_client_id);
  g_free (fuzz->reg_token);
  fuzz->reg_client_id = g_strdup (json_object_get_string_member (client, "client_id"));
  fuzz->reg_token = g_strdup (json_object_get_string_member (client,
                                                             "registration_access_token"));
}

/* ---- mutations ---- */

static const char * const nasty[] = {
  "\x00", "\x01", "\x1f", "\x7f", "\r\n", "\n", "\t", "\xff", "\xfe\xff", "\xc3\x28",
  "\xed\xa0\x80", "\xc0\xaf", "\xf4\x90\x80\x80", "\xe2\x80\xae", "\xef\xbb\xbf", "é", "%",
  "%zz", "%00", "%1f", "%ff", "%C0%AF", "+", "&", "=", ";", "\"", "'", "\\", "\\u001f",
  "\\ud800", "<script>", "../", "//", "?", "#", " ", "*", "{", "[", "null", "-1",
  "99999999999999999999", "1e999", "%%", "a=b&c", "%0d%0a",
};

static const char * const content_types[] = {
  "application/json", "text/plain", "multipart/form-data; boundary=x",
  "application/x-www-form-urlencoded; charset=utf-16",
  "application/x-www-form-urlencoded;charset=\xff", "application/jwt", "",
  "application/x-www-form-urlencoded, application/json", "application/json; charset=latin1",
  "*/*", "application/x-www-form-urlencoded\x1f",
};

static const char * const methods[] = {
  "GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "CONNECT", "get",
  "P\xc3\xb6ST",
};

static guint
pick (Fuzz *fuzz,
      guint n)
{
  return (guint) g_rand_int_range (fuzz->rand, 0, (gint32) n);
}

static gboolean
chance (Fuzz *fuzz,
        guint percent)
{
  return pick (fuzz, 100) < percent;
}

static void
mutate_string (Fuzz    *fuzz,
               GString *s)
{
  guint at = s->len ? pick (fuzz, s->len + 1) : 0;

  switch (pick (fuzz, 8))
    {
    case 0: /* a flipped bit */
      if (s->len > 0)
        s->str[pick (fuzz, s->len)] ^= (char) (1 << pick (fuzz, 8));
      else
        g_string_append_c (s, (char) pick (fuzz, 256));
      break;
    case 1: /* cut */
      g_string_truncate (s, at);
      break;
    case 2: /* huge: mostly above what any field should hold, sometimes above the body cap */
      {
        guint target = (const guint[]) { 300, 2000, 9000, 30000, 70000 }[pick (fuzz, 5)];
        g_autofree char *seed = g_strdup (s->len ? s->str : "A");
        gsize seed_len = s->len ? s->len : 1;

        if (target == 70000 && !chance (fuzz, 20))
          target = 9000;
        while (s->len < target)
          g_string_append_len (s, seed, seed_len);
      }
      break;
    case 3: /* emptied */
      g_string_truncate (s, 0);
      break;
    default: /* something nasty inserted */
      {
        const char *what = nasty[pick (fuzz, G_N_ELEMENTS (nasty))];

        g_string_insert_len (s, at, what, what[0] == '\0' ? 1 : (gssize) strlen (what));
      }
      break;
    }
}

static GPtrArray *
pick_pairs (Fuzz *fuzz,
            Req  *req)
{
  GPtrArray *candidates[3] = { req->query, req->form, req->headers };
  guint i = pick (fuzz, 3);

  for (guint tries = 0; tries < 3; tries++, i = (i + 1) % 3)
    if (candidates[i] != NULL && candidates[i]->len > 0)
      return candidates[i];
  return NULL;
}

static void
mutate_jwt (Fuzz    *fuzz,
            GString *jwt)
{
  static const char * const headers[] = {
    "{\"alg\":\"none\"}", "{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}",
    "{\"alg\":\"ES256\",\"kid\":\"../../etc/passwd\"}", "{\"alg\":\"ES256\",\"kid\":\"\\u0000\"}",
    "{\"alg\":\"RS256\",\"crit\":[\"x\"]}", "{\"alg\":\"ES256\",\"alg\":\"none\"}", "[]", "{",
    "{\"alg\":\"ES256\",\"jwk\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"\",\"y\":\"\"}}",
    "{\"alg\":\"ES256\",\"kid\":\"\xff\xfe\"}", "{\"alg\":1e999}",
  };
  g_auto(GStrv) parts = g_strsplit (jwt->str, ".", -1);
  guint n = g_strv_length (parts);

  switch (pick (fuzz, 5))
    {
    case 0: /* a new header */
      if (n >= 1)
        {
          const char *header = headers[pick (fuzz, G_N_ELEMENTS (headers))];
          g_free (parts[0]);
          parts[0] = gh_base64url_encode ((const guint8 *) header, strlen (header));
        }
      break;
    case 1: /* a payload that is not what it should be */
      if (n >= 2)
        {
          const char *payload = (const char *[]) {
            "{\"sub\":\"dev\",\"exp\":99999999999,\"iss\":\"x\"}", "not json", "{\"exp\":-1}",
            "{\"aud\":[[[[]]]],\"exp\":\"soon\"}", "\xff\xff",
            "{\"sub\":\"a\x1f\"}" }[pick (fuzz, 6)];
          g_free (parts[1]);
          parts[1] = gh_base64url_encode ((const guint8 *) payload, strlen (payload));
        }
      break;
    case 2: /* a segment more or less */
      g_string_append (jwt, chance (fuzz, 50) ? ".x" : "");
      if (chance (fuzz, 50) && strrchr (jwt->str, '.') != NULL)
        g_string_truncate (jwt, strrchr (jwt->str, '.') - jwt->str);
      return;
    default:
      mutate_string (fuzz, jwt);
      return;
    }
  g_string_assign (jwt, "");
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (jwt, '.');
      g_string_append (jwt, parts[i]);
    }
}

static void
mutate_authorization (Fuzz    *fuzz,
                      GString *value)
{
  if (g_str_has_prefix (value->str, "Basic "))
    {
      gsize length = 0;
      g_autofree guchar *decoded = g_base64_decode (value->str + 6, &length);
      g_autoptr(GString) credentials = g_string_new_len ((const char *) decoded, length);
      g_autofree char *encoded = NULL;

      switch (pick (fuzz, 4))
        {
        case 0:
          g_string_assign (value, (const char *[]) { "Basic", "Basic ", "Basic !!!!", "Basic ====",
                                                     "basic Y29uZjo=", "Basic Og==",
                                                     "Basic Y29uZg==",
                                                     "Basic \xff" }[pick (fuzz, 8)]);
          return;
        case 1:
          {
            char *colon = strchr (credentials->str, ':');
            if (colon != NULL)
              *colon = chance (fuzz, 50) ? '\x1f' : '%';
          }
          break;
        default:
          mutate_string (fuzz, credentials);
          break;
        }
      encoded = g_base64_encode ((const guchar *) credentials->str, credentials->len);
      g_string_printf (value, "Basic %s", encoded);
    }
  else if (g_str_has_prefix (value->str, "Bearer "))
    {
      g_autoptr(GString) token = g_string_new (value->str + 7);

      if (chance (fuzz, 20))
        {
          g_string_assign (value, (const char *[]) { "Bearer", "Bearer ", "Bearer  a", "bearer x",
                                                     "Bearer a b", "Bearer \xff",
                                                     "DPoP abc", "Bearer ====" }[pick (fuzz, 8)]);
          return;
        }
      mutate_jwt (fuzz, token);
      g_string_printf (value, "Bearer %s", token->str);
    }
  else
    mutate_string (fuzz, value);
}

static void
mutate_json (Fuzz    *fuzz,
             GString *json)
{
  static const char * const values[] = {
    "null", "1", "-1", "1e999", "true", "[]", "{}", "\"\"", "[null]", "{\"a\":{}}",
    "\"\\u0000\"", "\"\\ud800\"", "\"\x1f\"", "\"\xff\"", "\"\\u001f\"", "[[[[[[[[[[]]]]]]]]]]",
    "\"http://127.0.0.1/cb#frag\"", "\"javascript:alert(1)\"", "[\"" CB "\",\"" CB "\"]",
    "\"https://example.com/\"", "\"private_key_jwt\"", "\"client_secret_post\"",
  };
  char *colon;

  switch (pick (fuzz, 6))
    {
    case 0: /* a member's value replaced */
    case 1:
      colon = strchr (json->str + pick (fuzz, json->len), ':');
      if (colon == NULL)
        colon = strchr (json->str, ':');
      if (colon != NULL)
        {
          gsize start = colon - json->str + 1;
          gsize end = start;
          int depth = 0;
          gboolean in_string = FALSE;

          /* to the end of the value: the next , or } at this depth */
          for (; end < json->len; end++)
            {
              char c = json->str[end];
              if (in_string)
                {
                  if (c == '\\')
                    end++;
                  else if (c == '"')
                    in_string = FALSE;
                }
              else if (c == '"')
                in_string = TRUE;
              else if (c == '[' || c == '{')
                depth++;
              else if ((c == ']' || c == '}') && depth-- == 0)
                break;
              else if (c == ',' && depth == 0)
                break;
            }
          g_string_erase (json, start, end - start);
          g_string_insert (json, start, values[pick (fuzz, G_N_ELEMENTS (values))]);
        }
      break;
    case 2: /* a member added twice, or one the server issues */
      if (json->len > 1 && json->str[0] == '{')
        g_string_insert (json, 1, (const char *[]) {
          "\"client_name\":\"a\",\"client_name\":\"b\",", "\"client_id\":\"mine\",",
          "\"client_secret\":\"s\",", "\"jwks\":{\"keys\":[{}]},", "\"\":0,",
          "\"scope\":\"openid openid\",", "\"grant_types\":[\"implicit\"],",
          "\"client_name#fr\":\"\\u001f\\u007f\\u0080\"," }[pick (fuzz, 8)]);
      break;
    case 3: /* deep nesting */
      {
        guint depth = (const guint[]) { 100, 1000, 5000 }[pick (fuzz, 3)];
        g_autoptr(GString) deep = g_string_new ("{\"redirect_uris\":");
        for (guint i = 0; i < depth; i++)
          g_string_append_c (deep, '[');
        for (guint i = 0; i < depth; i++)
          g_string_append_c (deep, ']');
        g_string_append_c (deep, '}');
        g_string_assign (json, deep->str);
      }
      break;
    default:
      mutate_string (fuzz, json);
      break;
    }
}

static void
mutate (Fuzz *fuzz,
        Req  *req)
{
  GPtrArray *pairs;
  Pair *pair;

  switch (pick (fuzz, 14))
    {
    case 0: case 1: case 2: case 3: /* a value */
      pairs = pick_pairs (fuzz, req);
      if (pairs == NULL)
        break;
      pair = g_ptr_array_index (pairs, pick (fuzz, pairs->len));
      if (g_ascii_strcasecmp (pair->name, "Authorization") == 0 ||
          g_str_equal (pair->name, "client_assertion") ||
          (g_str_equal (pair->name, "token") && chance (fuzz, 50)))
        {
          if (g_str_equal (pair->name, "Authorization"))
            mutate_authorization (fuzz, pair->value);
          else
            mutate_jwt (fuzz, pair->value);
        }
      else
        mutate_string (fuzz, pair->value);
      break;
    case 4: /* a parameter twice */
      pairs = pick_pairs (fuzz, req);
      if (pairs != NULL)
        {
          Pair *copy = g_ptr_array_index (pairs, pick (fuzz, pairs->len));
          add_pair (pairs, copy->name, chance (fuzz, 50) ? copy->value->str : "other");
        }
      break;
    case 5: /* a parameter less */
      pairs = pick_pairs (fuzz, req);
      if (pairs != NULL)
        g_ptr_array_remove_index (pairs, pick (fuzz, pairs->len));
      break;
    case 6: /* a name mangled */
      pairs = pick_pairs (fuzz, req);
      if (pairs != NULL)
        {
          g_autoptr(GString) name = NULL;
          pair = g_ptr_array_index (pairs, pick (fuzz, pairs->len));
          name = g_string_new (pair->name);
          mutate_string (fuzz, name);
          g_free (pair->name);
          pair->name = g_strdup (name->str);
        }
      break;
    case 7: /* no percent-encoding */
      req->raw_encoding = TRUE;
      break;
    case 8: /* another content type */
      g_free (req->content_type);
      req->content_type = chance (fuzz, 15) ? NULL :
        g_strdup (content_types[pick (fuzz, G_N_ELEMENTS (content_types))]);
      break;
    case 9: /* another method */
      g_free (req->method);
      req->method = g_strdup (methods[pick (fuzz, G_N_ELEMENTS (methods))]);
      break;
    case 10: /* the JSON body */
      if (req->body != NULL && req->form == NULL)
        mutate_json (fuzz, req->body);
      else if (req->form != NULL && chance (fuzz, 30))
        {
          /* a JSON body where a form was expected */
          g_clear_pointer (&req->form, g_ptr_array_unref);
          req->body = g_string_new ("{\"grant_type\":\"authorization_code\",\"code\":[1]}");
        }
      break;
    case 11: /* the path */
      if (chance (fuzz, 40) && strstr (req->path->str, "/p/acme") != NULL)
        {
          gsize at = strstr (req->path->str, "/p/acme") - req->path->str;
          const char *slug = (const char *[]) {
            "/p/ACME", "/p/acme%2f..", "/p/\xff", "/p/%ff%fe", "/p/a%1fb", "/p/", "/p//acme",
            "/p/acme/p/acme", "/p/%00", "/p/nope", "/p/acme;x", "/p/.." }[pick (fuzz, 12)];
          g_string_erase (req->path, at, strlen ("/p/acme"));
          g_string_insert (req->path, at, slug);
        }
      else
        mutate_string (fuzz, req->path);
      break;
    case 12: /* raw bytes of the request */
      req->flip_bytes = 1 + pick (fuzz, 4);
      break;
    default: /* an odd header */
      add_pair (req->headers, (const char *[]) { "Origin", "Cookie", "If-None-Match", "Accept",
                                                 "Content-Encoding", "Expect", "Host",
                                                 "Transfer-Encoding",
                                                 "X-Forwarded-For" }[pick (fuzz, 9)],
                (const char *[]) { "null", "\xff\xfe", "*", "gzip", "100-continue",
                                   "evil.example", "identity", "http://evil.example",
                                   "a=\x1f; b=%ff" }[pick (fuzz, 9)]);
      break;
    }
}

/* ---- the requests, valid before mutation ---- */

static const char *
prefix (Fuzz *fuzz)
{
  return chance (fuzz, 50) ? "/p/acme" : "";
}

static Req *
build (Fuzz *fuzz)
{
  const char *p = prefix (fuzz);
  g_autofree char *path = NULL;
  g_autofree char *basic = gh_test_basic_auth ("conf", fuzz->secret);
  g_autofree char *bearer = g_strconcat ("Bearer ", fuzz->access_token, NULL);
  Req *req = NULL;

#define PATH(suffix) (g_free (path), path = g_strconcat (p, suffix, NULL))
  switch (pick (fuzz, 17))
    {
    case 0: case 1: /* /authorize */
      req = req_new ("authorize", chance (fuzz, 70) ? "GET" : "POST", PATH ("/authorize"));
      {
        GPtrArray *pairs = req->query;
        if (g_str_equal (req->method, "POST"))
          {
            set_form (req);
            pairs = req->form;
          }
        add_pair (pairs, "response_type", "code");
        add_pair (pairs, "client_id",
                  chance (fuzz, 90) ? "app" : "https://127.0.0.1:1/client.json");
        add_pair (pairs, "redirect_uri", CB);
        add_pair (pairs, "code_challenge", fuzz->challenge);
        add_pair (pairs, "code_challenge_method", "S256");
        add_pair (pairs, "state", "xyz");
        add_pair (pairs, "scope", "openid profile mcp:tools");
        add_pair (pairs, "resource", RESOURCE);
        add_pair (pairs, "nonce", "n-0S6_WzA2Mj");
        if (chance (fuzz, 30))
          add_pair (pairs, "prompt", (const char *[]) { "none", "login", "consent",
                                                        "select_account" }[pick (fuzz, 4)]);
        if (chance (fuzz, 20))
          add_pair (pairs, "max_age", "0");
      }
      if (chance (fuzz, 50))
        add_pair (req->headers, "Cookie", fuzz->cookie);
      break;
    case 2: /* the login form */
      req = req_new ("login", "POST", "/login");
      set_form (req);
      add_pair (req->form, "request", fuzz->login_request);
      add_pair (req->form, "csrf_token", fuzz->login_csrf);
      add_pair (req->form, "username", "dev");
      add_pair (req->headers, "Origin", fuzz->server->base);
      add_pair (req->headers, "Cookie", fuzz->cookie);
      break;
    case 3: /* the consent form */
      req = req_new ("consent", "POST", "/consent");
      set_form (req);
      add_pair (req->form, "request", fuzz->consent_request ? fuzz->consent_request : "x");
      add_pair (req->form, "csrf_token", fuzz->consent_csrf ? fuzz->consent_csrf : "x");
      add_pair (req->form, "decision", chance (fuzz, 50) ? "allow" : "deny");
      add_pair (req->headers, "Origin", fuzz->server->base);
      add_pair (req->headers, "Cookie", fuzz->cookie);
      break;
    case 4: /* the pages */
      req = req_new ("pages", "GET", chance (fuzz, 50) ? "/login" : "/consent");
      add_pair (req->query, "request", chance (fuzz, 50) ? fuzz->login_request
                                                         : fuzz->consent_request);
      add_pair (req->headers, "Cookie", fuzz->cookie);
      break;
    case 5: /* /token, authorization_code with a fresh code */
      {
        g_autofree char *code = fresh_code (fuzz);
        req = req_new ("token-code", "POST", "/p/acme/token");
        set_form (req);
        add_pair (req->form, "grant_type", "authorization_code");
        add_pair (req->form, "client_id", "app");
        add_pair (req->form, "code", code);
        add_pair (req->form, "code_verifier", VERIFIER);
        add_pair (req->form, "redirect_uri", CB);
        add_pair (req->form, "resource", RESOURCE);
      }
      break;
    case 6: /* /token, refresh_token */
      req = req_new ("token-refresh", "POST", "/p/acme/token");
      set_form (req);
      add_pair (req->form, "grant_type", "refresh_token");
      add_pair (req->form, "client_id", "app");
      add_pair (req->form, "refresh_token", fuzz->refresh_token);
      add_pair (req->form, "scope", "openid");
      break;
    case 7: /* /token with client credentials: Basic, in the form, or a client assertion */
      req = req_new ("token-client-auth", "POST", "/token");
      set_form (req);
      add_pair (req->form, "grant_type", "refresh_token");
      add_pair (req->form, "refresh_token", "rt_unknown");
      switch (pick (fuzz, 3))
        {
        case 0:
          add_pair (req->headers, "Authorization", basic);
          break;
        case 1:
          add_pair (req->form, "client_id", "conf");
          add_pair (req->form, "client_secret", fuzz->secret);
          break;
        default:
          add_pair (req->form, "client_id", "conf");
          add_pair (req->form, "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
          add_pair (req->form, "client_assertion", fuzz->id_token);
          break;
        }
      break;
    case 8: case 9: /* /register */
      req = req_new ("register", "POST", PATH ("/register"));
      req->content_type = g_strdup ("application/json");
      req->body = g_string_new ((const char *[]) {
        "{\"redirect_uris\":[\"" CB "\"],\"client_name\":\"Fuzz\"}",
        "{\"redirect_uris\":[\"" CB "\"],\"token_endpoint_auth_method\":\"client_secret_post\","
        "\"grant_types\":[\"authorization_code\",\"refresh_token\"],\"scope\":\"openid\"}",
        "{\"redirect_uris\":[\"" CB "\"],\"token_endpoint_auth_method\":\"none\","
        "\"client_uri\":\"https://example.com\",\"logo_uri\":\"https://example.com/l.png\","
        "\"contacts\":[\"a@example.com\"],\"software_id\":\"s\",\"software_version\":\"1\"}",
        "{\"redirect_uris\":[\"" CB "\"],\"token_endpoint_auth_method\":\"private_key_jwt\","
        "\"jwks\":{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\","
        "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
        "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}}",
      }[pick (fuzz, 4)]);
      break;
    case 10: /* /register/{id} */
      {
        const char *method = (const char *[]) { "GET", "PUT", "DELETE" }[pick (fuzz, 3)];
        g_autofree char *reg_path = g_strconcat ("/register/", fuzz->reg_client_id, NULL);
        g_autofree char *auth = g_strconcat ("Bearer ", fuzz->reg_token, NULL);

        req = req_new ("register-id", method, reg_path);
        add_pair (req->headers, "Authorization", auth);
        if (g_str_equal (method, "PUT"))
          {
            req->content_type = g_strdup ("application/json");
            req->body = g_string_new (NULL);
            g_string_printf (req->body, "{\"client_id\":\"%s\",\"redirect_uris\":[\"" CB "\"],"
                             "\"client_name\":\"Renamed\","
                             "\"token_endpoint_auth_method\":\"client_secret_basic\"}",
                             fuzz->reg_client_id);
          }
      }
      break;
    case 11: /* /revoke */
      req = req_new ("revoke", "POST", "/revoke");
      set_form (req);
      add_pair (req->form, "token", chance (fuzz, 50) ? "rt_not_a_token" : fuzz->access_token);
      add_pair (req->form, "token_type_hint", chance (fuzz, 50) ? "refresh_token"
                                                                  : "access_token");
      add_pair (req->headers, "Authorization", basic);
      break;
    case 12: /* /introspect */
      req = req_new ("introspect", "POST", "/introspect");
      set_form (req);
      add_pair (req->form, "token", chance (fuzz, 80) ? fuzz->access_token : fuzz->id_token);
      add_pair (req->headers, "Authorization", basic);
      break;
    case 13: /* /userinfo */
      req = req_new ("userinfo", chance (fuzz, 70) ? "GET" : "POST", "/p/acme/userinfo");
      add_pair (req->headers, "Authorization", bearer);
      if (g_str_equal (req->method, "POST"))
        {
          set_form (req);
          add_pair (req->form, "x", "y");
        }
      break;
    case 14: case 15: /* discovery, every form */
      req = req_new ("discovery", chance (fuzz, 85) ? "GET" : "OPTIONS",
                     (const char *[]) {
                       "/.well-known/oauth-authorization-server",
                       "/.well-known/openid-configuration",
                       "/.well-known/oauth-authorization-server/p/acme",
                       "/.well-known/openid-configuration/p/acme",
                       "/p/acme/.well-known/openid-configuration",
                       "/p/acme/.well-known/oauth-authorization-server",
                     }[pick (fuzz, 6)]);
      add_pair (req->headers, "Origin", "https://client.example");
      if (chance (fuzz, 30))
        add_pair (req->headers, "If-None-Match", "\"abc\"");
      if (g_str_equal (req->method, "OPTIONS"))
        add_pair (req->headers, "Access-Control-Request-Method", "GET");
      break;
    default: /* /jwks */
      req = req_new ("jwks", chance (fuzz, 80) ? "GET" : "HEAD", PATH ("/jwks"));
      break;
    }
#undef PATH
  return req;
}

static void
append_encoded (GString    *out,
                GPtrArray  *pairs,
                gboolean    raw)
{
  for (guint i = 0; i < pairs->len; i++)
    {
      Pair *pair = g_ptr_array_index (pairs, i);

      if (i > 0)
        g_string_append_c (out, '&');
      if (raw)
        {
          g_string_append (out, pair->name);
          g_string_append_c (out, '=');
          g_string_append_len (out, pair->value->str, pair->value->len);
        }
      else
        {
          g_autofree char *name = g_uri_escape_string (pair->name, NULL, FALSE);
          g_autofree char *value = g_uri_escape_bytes ((const guint8 *) pair->value->str,
                                                       pair->value->len, NULL);
          g_string_append (out, name);
          g_string_append_c (out, '=');
          g_string_append (out, value);
        }
    }
}

static GString *
serialize (Fuzz *fuzz,
           Req  *req)
{
  GString *out = g_string_new (NULL);
  g_autoptr(GString) body = g_string_new (NULL);

  if (req->form != NULL)
    append_encoded (body, req->form, req->raw_encoding);
  else if (req->body != NULL)
    g_string_append_len (body, req->body->str, req->body->len);

  g_string_append_printf (out, "%s ", req->method);
  g_string_append_len (out, req->path->str, req->path->len);
  if (req->query->len > 0)
    {
      g_string_append_c (out, '?');
      append_encoded (out, req->query, req->raw_encoding);
    }
  g_string_append_printf (out, " HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n", fuzz->server->port);
  for (guint i = 0; i < req->headers->len; i++)
    {
      Pair *header = g_ptr_array_index (req->headers, i);

      g_string_append_printf (out, "%s: ", header->name);
      g_string_append_len (out, header->value->str, header->value->len);
      g_string_append (out, "\r\n");
    }
  if (req->content_type != NULL)
    g_string_append_printf (out, "Content-Type: %s\r\n", req->content_type);
  if (body->len > 0 || req->form != NULL || req->body != NULL)
    g_string_append_printf (out, "Content-Length: %zu\r\n", body->len);
  g_string_append (out, "Connection: close\r\n\r\n");
  g_string_append_len (out, body->str, body->len);

  for (guint i = 0; i < req->flip_bytes && out->len > 0; i++)
    out->str[pick (fuzz, out->len)] ^= (char) (1 << pick (fuzz, 8));
  return out;
}

/* ---- the checks ---- */

static char *
printable (const char *data,
           gsize       length,
           gsize       max)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (gsize i = 0; i < length && i < max; i++)
    {
      guchar c = data[i];

      if (c == '\n')
        g_string_append (out, "\\n\n    ");
      else if (c >= 0x20 && c < 0x7f && c != '\\')
        g_string_append_c (out, c);
      else
        g_string_append_printf (out, "\\x%02x", c);
    }
  if (length > max)
    g_string_append_printf (out, "... (%zu bytes)", length);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
failure (Fuzz          *fuzz,
         const char    *what,
         Req           *req,
         GString       *request,
         GhRawResponse *response)
{
  fuzz->failures++;
  if (fuzz->failures > MAX_REPORTED)
    return;
  {
    g_autofree char *sent = printable (request->str, request->len, 1200);
    gsize length = 0;
    const char *body = response->body ? g_bytes_get_data (response->body, &length) : "";
    g_autofree char *answer = printable (body, length, 600);

    g_string_append_printf (fuzz->report, "\n--- %s (%s, request %u)\n    %s\n  -> %u\n    %s\n",
                            what, req->endpoint, fuzz->requests, sent, response->status,
                            answer);
  }
}

static gboolean
has_transfer_encoding (GString *request)
{
  g_autofree char *head = g_ascii_strdown (request->str, MIN (request->len, 65536));

  return strstr (head, "\ntransfer-encoding") != NULL;
}

static gboolean
has_unknown_transfer_coding (GString *request)
{
  g_autofree char *head = g_ascii_strdown (request->str, MIN (request->len, 65536));
  const char *end = strstr (head, "\r\n\r\n");
  const char *at = strstr (head, "\r\ntransfer-encoding:");

  return at != NULL && (end == NULL || at < end) &&
    !g_str_has_prefix (at + strlen ("\r\ntransfer-encoding:") +
                       strspn (at + strlen ("\r\ntransfer-encoding:"), " "), "chunked\r\n");
}

static gboolean
server_alive (GhTestProcess *server)
{
  const char *request = "GET /jwks HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  g_autoptr(GhRawResponse) response = gh_test_raw_http (server->port, request, strlen (request),
                                                        10000);

  return response->status == 200;
}

static void
check (Fuzz          *fuzz,
       GhTestProcess *target,
       Req           *req,
       GString       *request,
       GhRawResponse *response)
{
  g_autofree char *type = gh_raw_response_header (response, "Content-Type");

  fuzz->by_class[MIN (response->status / 100, 5)]++;
  fuzz->half_closed += response->half_closed;

  if (response->timed_out)
    failure (fuzz, "no answer within 10 s", req, request, response);
  if (response->status == 0)
    {
      fuzz->no_answer++;
      if (!server_alive (target))
        {
          g_autofree char *err = gh_test_process_stderr (target);

          failure (fuzz, "the server stopped answering", req, request, response);
          g_error ("The server died after request %u (seed in the log).%s\nServer stderr:\n%s",
                   fuzz->requests, fuzz->report->str, err);
        }
    }
  /* RFC 9112 §6.1: a transfer coding the server does not know is a 501, which libsoup sends
   * before the request reaches Gatehouse. Any other 5xx is the application's. */
  if (response->status >= 500 &&
      !(response->status == 501 && has_unknown_transfer_coding (request)))
    failure (fuzz, "a 5xx", req, request, response);
  if (type != NULL && !g_str_equal (req->method, "HEAD") && response->status != 204 &&
      response->status != 304 &&
      (g_str_has_prefix (type, "application/json") || strstr (type, "+json") != NULL))
    {
      gsize length = 0;
      const char *body = g_bytes_get_data (response->body, &length);
      g_autofree char *why = NULL;

      fuzz->json_answers++;
      if (!gh_test_json_is_strict (body, length, &why))
        {
          g_autofree char *what = g_strdup_printf ("JSON that does not parse: %s", why);
          failure (fuzz, what, req, request, response);
        }
    }
}

/* A registration answer carries the next registration_access_token. */
static void
follow (Fuzz          *fuzz,
        Req           *req,
        GhRawResponse *response)
{
  g_autoptr(JsonObject) object = NULL;

  if (g_str_equal (req->endpoint, "register-id") && response->status == 200 &&
      (object = parse_object (response->body)) != NULL &&
      json_object_has_member (object, "registration_access_token"))
    {
      g_free (fuzz->reg_token);
      fuzz->reg_token = g_strdup (json_object_get_string_member (object,
                                                                 "registration_access_token"));
    }
  else if (g_str_equal (req->endpoint, "register-id") &&
           (response->status == 204 || response->status == 401))
    refresh_registration (fuzz);
  else if (g_str_equal (req->endpoint, "token-refresh") && response->status != 0 &&
           chance (fuzz, 25))
    refresh_tokens (fuzz);
  else if ((g_str_equal (req->endpoint, "login") || g_str_equal (req->endpoint, "consent")) &&
           chance (fuzz, 30))
    refresh_pages (fuzz);
}

static void
setup_data (Fuzz       *fuzz,
            const char *binary)
{
  const char *dir = fuzz->dir;
  g_autofree char *out = NULL;
  const char *secret;

  g_assert_cmpint (GH_TEST_CLI (binary, dir, NULL, "project", "set", "default", "dcr_mode=open",
                                "dcr_rate_limit=100000", "refresh_grace_seconds=0"), ==, 0);
  g_assert_cmpint (GH_TEST_CLI (binary, dir, NULL, "project", "create", "acme", "--dev"), ==, 0);
  for (guint i = 0; i < 2; i++)
    {
      const char *project = i == 0 ? "default" : "acme";

      g_assert_cmpint (GH_TEST_CLI (binary, dir, NULL, "resource", "add", RESOURCE, "--scopes",
                                    "mcp:tools", "-p", project), ==, 0);
      g_assert_cmpint (GH_TEST_CLI (binary, dir, NULL, "client", "create", "--client-id", "app",
                                    "--name", "App", "--redirect-uri", CB, "--scope",
                                    "openid profile email mcp:tools", "-p", project), ==, 0);
    }
  g_assert_cmpint (GH_TEST_CLI (binary, dir, NULL, "project", "set", "acme",
                                "auto_approve_user=dev", "dcr_rate_limit=100000"), ==, 0);
  g_assert_cmpint (GH_TEST_CLI (binary, dir, &out, "client", "create", "--client-id", "conf",
                                "--auth-method", "client_secret_basic", "--redirect-uri", CB,
                                "--scope", "openid mcp:tools"), ==, 0);
  secret = strstr (out, "client_secret: ");
  g_assert_nonnull (secret);
  secret += strlen ("client_secret: ");
  fuzz->secret = g_strndup (secret, strcspn (secret, "\n"));
}

static void
test_fuzz (void)
{
  const char *binary = g_getenv ("GATEHOUSE_SERVER_ASAN");
  const char *seed_text = g_getenv ("GATEHOUSE_FUZZ_SEED");
  const char *seconds_text = g_getenv ("GATEHOUSE_FUZZ_SECONDS");
  const char *requests_text = g_getenv ("GATEHOUSE_FUZZ_REQUESTS");
  guint max_requests = requests_text ? (guint) g_ascii_strtoull (requests_text, NULL, 10)
                                     : G_MAXUINT;
  guint32 seed = seed_text ? (guint32) g_ascii_strtoull (seed_text, NULL, 10) : 20261202;
  gint64 budget = (seconds_text ? g_ascii_strtoll (seconds_text, NULL, 10) : 40) * G_USEC_PER_SEC;
  g_autofree char *base = gh_test_make_tmp_dir ("fuzz");
  guint8 digest[32];
  gint64 start;
  Fuzz fuzz = { 0 };

  if (binary == NULL || *binary == '\0')
    binary = gh_test_server_binary ();
  g_test_message ("seed %u (GATEHOUSE_FUZZ_SEED=%u repeats this run), %" G_GINT64_FORMAT
                  " s, server %s", seed, seed, budget / G_USEC_PER_SEC, binary);
  g_printerr ("# fuzz seed %u\n", seed);
  fuzz.rand = g_rand_new_with_seed (seed);
  fuzz.report = g_string_new (NULL);
  fuzz.dir = g_build_filename (base, "data", NULL);
  gh_sha256 (VERIFIER, strlen (VERIFIER), digest);
  fuzz.challenge = gh_base64url_encode (digest, sizeof digest);

  setup_data (&fuzz, binary);
  fuzz.server = gh_test_process_start (binary, fuzz.dir, "fuzz-server");
  /* libsoup 3.2 leaks the path of each request it refuses for its framing (tests/lsan.supp):
   * such requests go to a second server on the same data directory whose allocations keep
   * their whole stack, so that the suppression names libsoup's function and nothing else. */
  fuzz.framing = gh_test_process_start_with_env (binary, fuzz.dir, "fuzz-framing-server",
                                                 (const char * const[]) {
                                                   "ASAN_OPTIONS=detect_leaks=1:"
                                                   "fast_unwind_on_malloc=0", NULL });
  refresh_tokens (&fuzz);
  refresh_pages (&fuzz);
  refresh_registration (&fuzz);

  start = g_get_monotonic_time ();
  while (g_get_monotonic_time () - start < budget && fuzz.requests < max_requests)
    {
      g_autoptr(Req) req = build (&fuzz);
      g_autoptr(GString) request = NULL;
      g_autoptr(GhRawResponse) response = NULL;
      GhTestProcess *target;
      guint mutations = chance (&fuzz, 8) ? 0 : 1 + pick (&fuzz, 3);

      for (guint i = 0; i < mutations; i++)
        mutate (&fuzz, req);
      request = serialize (&fuzz, req);
      fuzz.requests++;
      target = req->flip_bytes > 0 || has_transfer_encoding (request) ? fuzz.framing
                                                                        : fuzz.server;
      response = gh_test_raw_http (target->port, request->str, request->len, 10000);
      check (&fuzz, target, req, request, response);
      follow (&fuzz, req, response);
    }

  g_test_message ("%u requests: %u 2xx, %u 3xx, %u 4xx, %u 5xx, %u closed without an answer, "
                  "%u answered only once the client stopped sending; %u JSON answers",
                  fuzz.requests, fuzz.by_class[2], fuzz.by_class[3], fuzz.by_class[4],
                  fuzz.by_class[5], fuzz.no_answer, fuzz.half_closed, fuzz.json_answers);
  g_printerr ("# %u requests (GATEHOUSE_FUZZ_REQUESTS=%u repeats exactly these)\n",
              fuzz.requests, fuzz.requests);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *err = NULL;
      int status = gh_test_process_stop (i == 0 ? fuzz.server : fuzz.framing, &err);

      if (status != 0 || strstr (err, "Sanitizer") != NULL ||
          strstr (err, "runtime error") != NULL)
        {
          fuzz.failures++;
          g_string_append_printf (fuzz.report, "\n--- the %s did not exit cleanly (wait status "
                                  "%d) or reported a sanitizer error; its stderr:\n%s",
                                  i == 0 ? "server" : "framing server", status, err);
        }
    }
  if (fuzz.failures > 0)
    {
      gh_test_remove_tree (base);
      g_error ("%u checks failed in %u requests (seed %u; the first %u shown):%s",
               fuzz.failures, fuzz.requests, seed, MIN (fuzz.failures, MAX_REPORTED + 1),
               fuzz.report->str);
    }
  g_assert_cmpuint (fuzz.requests, >, 500);

  g_rand_free (fuzz.rand);
  g_string_free (fuzz.report, TRUE);
  g_free (fuzz.dir);
  g_free (fuzz.secret);
  g_free (fuzz.challenge);
  g_free (fuzz.access_token);
  g_free (fuzz.refresh_token);
  g_free (fuzz.id_token);
  g_free (fuzz.reg_client_id);
  g_free (fuzz.reg_token);
  g_free (fuzz.cookie);
  g_free (fuzz.login_request);
  g_free (fuzz.login_csrf);
  g_free (fuzz.consent_request);
  g_free (fuzz.consent_csrf);
  gh_test_remove_tree (base);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/server/fuzz/smoke", test_fuzz);
  return g_test_run ();
}
