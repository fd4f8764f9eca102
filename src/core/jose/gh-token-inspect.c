/* gh-token-inspect.c — a JWT taken apart for a person: header and claims with their meaning,
 * and a verdict on each of signature (with the key's state), typ, iss, aud, exp, nbf, iat, scope
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-jose"

#include "config.h"

#include <string.h>

#include "gh-base64url.h"
#include "gh-json.h"
#include "gh-jws.h"
#include "gh-token-inspect.h"

/* What each header parameter and claim means, in the words the console shows. */
static const struct {
  const char *where;
  const char *name;
  const char *meaning;
  const char *spec;
} meanings[] = {
  { "header", "alg", "the signature algorithm; the key decides it, never the token",
    "RFC 7515 §4.1.1; RFC 8725 §3.1" },
  { "header", "kid", "which of the issuer's keys signed it (look it up in the JWKS)",
    "RFC 7515 §4.1.4" },
  { "header", "typ", "the kind of token: at+jwt for an access token", "RFC 9068 §2.1" },
  { "header", "cty", "the content type of a nested token", "RFC 7515 §4.1.10" },
  { "header", "jku", "a URL of keys; never trusted by this server", "RFC 7515 §4.1.2" },
  { "header", "jwk", "a key inside the token; never trusted by this server", "RFC 7515 §4.1.3" },
  { "header", "crit", "extensions the reader must understand; none is", "RFC 7515 §4.1.11" },
  { "claims", "iss", "issuer: the authorization server that issued the token",
    "RFC 7519 §4.1.1" },
  { "claims", "sub", "subject: the user the token speaks for", "RFC 7519 §4.1.2" },
  { "claims", "aud", "audience: the resource server (MCP server) that may accept it",
    "RFC 7519 §4.1.3; RFC 8707" },
  { "claims", "exp", "expiry: refused at and after this time", "RFC 7519 §4.1.4" },
  { "claims", "nbf", "not before: refused until this time", "RFC 7519 §4.1.5" },
  { "claims", "iat", "issued at", "RFC 7519 §4.1.6" },
  { "claims", "jti", "the token's id: this server records it, to revoke the token",
    "RFC 7519 §4.1.7" },
  { "claims", "client_id", "the client the token was issued to", "RFC 9068 §2.2" },
  { "claims", "scope", "the scopes granted, space-separated", "RFC 9068 §2.2.3" },
  { "claims", "auth_time", "when the user signed in", "RFC 9068 §2.2.1" },
  { "claims", "nonce", "the nonce the client sent to /authorize (ID tokens)",
    "OpenID Connect Core §2" },
  { "claims", "at_hash", "the left half of the access token's SHA-256 (ID tokens)",
    "OpenID Connect Core §3.1.3.6" },
  { "claims", "azp", "authorized party: the client an ID token was issued to",
    "OpenID Connect Core §2" },
  { "claims", "name", "the user's full name", "OpenID Connect Core §5.1" },
  { "claims", "preferred_username", "the user's short name", "OpenID Connect Core §5.1" },
  { "claims", "email", "the user's e-mail address", "OpenID Connect Core §5.1" },
  { "claims", "email_verified", "whether the e-mail address was verified",
    "OpenID Connect Core §5.1" },
  { "claims", "cnf", "the key the token is bound to (DPoP, mTLS)", "RFC 7800" },
  { "claims", "act", "the party acting for the subject (token exchange)", "RFC 8693 §4.1" },
};

/* Time claims: their notes say how far from now they are. */
static const char * const time_claims[] = { "exp", "nbf", "iat", "auth_time", NULL };

JsonObject *
gh_token_check_new (const char *result,
                    const char *message_format,
                    ...)
{
  JsonObject *check = json_object_new ();
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, message_format);
  message = g_strdup_vprintf (message_format, args);
  va_end (args);
  json_object_set_string_member (check, "result", result);
  json_object_set_string_member (check, "message", message);
  return check;
}

static guint
count_dots (const char *token)
{
  guint dots = 0;

  for (const char *p = token; *p != '\0'; p++)
    dots += *p == '.';
  return dots;
}

gboolean
gh_token_inspect_is_jwt_shaped (const char *token)
{
  guint dots = count_dots (token);

  return (dots == 2 || dots == 4) && token[0] != '.';
}

/* Part @index (0-based, dot-separated) of @token, decoded as a JSON object. */
static JsonObject *
decode_json_part (const char  *token,
                  guint        index,
                  GError     **error)
{
  const char *start = token;
  const char *end;
  g_autofree guint8 *bytes = NULL;
  gsize len;

  for (guint i = 0; i < index; i++)
    start = strchr (start, '.') + 1;
  end = strchr (start, '.');
  if (end == NULL)
    end = start + strlen (start);
  bytes = gh_base64url_decode_len (start, (gsize) (end - start), &len, error);
  if (bytes == NULL)
    return NULL;
  return gh_json_parse_object_strict ((const char *) bytes, len, error);
}

static void
add_notes (JsonArray  *notes,
           const char *where,
           JsonObject *object,
           gint64      now)
{
  g_autoptr(GList) members = json_object_get_members (object);

  for (const GList *l = members; l != NULL; l = l->next)
    {
      JsonObject *note = json_object_new ();
      const char *name = l->data;
      gint64 value;

      json_object_set_string_member (note, "where", where);
      json_object_set_string_member (note, "name", name);
      json_object_set_string_member (note, "meaning", "not a registered name: no meaning known");
      json_object_set_null_member (note, "spec");
      for (guint i = 0; i < G_N_ELEMENTS (meanings); i++)
        if (g_str_equal (meanings[i].where, where) && g_str_equal (meanings[i].name, name))
          {
            json_object_set_string_member (note, "meaning", meanings[i].meaning);
            json_object_set_string_member (note, "spec", meanings[i].spec);
          }
      if (g_str_equal (where, "claims") && g_strv_contains (time_claims, name) &&
          gh_json_get_int (object, name, &value))
        json_object_set_int_member (note, "seconds_from_now", value - now);
      json_array_add_object_element (notes, note);
    }
}

GPtrArray *
gh_token_inspect_audiences (JsonObject *claims)
{
  JsonNode *aud = json_object_get_member (claims, "aud");
  GPtrArray *values;

  if (aud == NULL)
    return NULL;
  values = g_ptr_array_new ();
  if (JSON_NODE_HOLDS_VALUE (aud) && json_node_get_value_type (aud) == G_TYPE_STRING)
    g_ptr_array_add (values, (gpointer) json_node_get_string (aud));
  else if (JSON_NODE_HOLDS_ARRAY (aud))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (aud)); i++)
      {
        const char *value = gh_json_array_get_string (json_node_get_array (aud), i);

        if (value == NULL)
          return g_ptr_array_unref (values), NULL;
        g_ptr_array_add (values, (gpointer) value);
      }
  if (values->len == 0)
    return g_ptr_array_unref (values), NULL;
  return values;
}

gboolean
gh_token_inspect_differ_by_slash (const char *a,
                                  const char *b)
{
  gsize la = strlen (a);
  gsize lb = strlen (b);

  if (la == lb + 1)
    return a[la - 1] == '/' && strncmp (a, b, lb) == 0;
  if (lb == la + 1)
    return b[lb - 1] == '/' && strncmp (a, b, la) == 0;
  return FALSE;
}

static void
set_compared (JsonObject *check,
              const char *expected,
              const char *actual)
{
  if (expected != NULL)
    json_object_set_string_member (check, "expected", expected);
  else
    json_object_set_null_member (check, "expected");
  if (actual != NULL)
    json_object_set_string_member (check, "actual", actual);
  else
    json_object_set_null_member (check, "actual");
}

static JsonObject *
check_signature (const char    *token,
                 GhSigningKeys *keys,
                 JsonObject    *header,
                 gint64         now)
{
  const char *alg = gh_json_get_string (header, "alg");
  const char *kid = gh_json_get_string (header, "kid");
  g_autoptr(GPtrArray) infos = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GhJwk) key = NULL;
  const GhSigningKeyInfo *info = NULL;
  JsonObject *check;
  const char *status;
  const char *phase;

  if (alg == NULL)
    check = gh_token_check_new ("fail", "The header has no “alg”");
  else if (g_ascii_strcasecmp (alg, "none") == 0)
    check = gh_token_check_new ("fail", "The token is unsigned (alg “none”): never accepted");
  else if (gh_jws_alg_from_string (alg) == GH_JWS_ALG_INVALID)
    check = gh_token_check_new ("fail", "alg “%s” is not one this server signs with "
                                "(ES256, RS256)", alg);
  else if (kid == NULL)
    check = gh_token_check_new ("fail", "The header names no key (“kid”): this server's "
                                "tokens always do");
  else
    check = NULL;
  if (check != NULL)
    {
      json_object_set_string_member (check, "key_state", kid != NULL ? "unknown" : "none");
      return check;
    }

  infos = gh_signing_keys_list (keys, &error);
  for (guint i = 0; infos != NULL && i < infos->len && info == NULL; i++)
    if (g_str_equal (((GhSigningKeyInfo *) g_ptr_array_index (infos, i))->kid, kid))
      info = g_ptr_array_index (infos, i);
  if (infos == NULL)
    check = gh_token_check_new ("skip", "The signing keys could not be read: %s",
                                error->message);
  else if (info == NULL)
    check = gh_token_check_new ("fail", "No key of this server has kid “%s”: the token was "
                                "signed elsewhere, or by a key since removed", kid);
  if (check != NULL)
    {
      json_object_set_string_member (check, "key_state", "unknown");
      json_object_set_null_member (check, "key");
      return check;
    }

  /* Only a published key verifies: what a resource server reading the JWKS can do. The key's
   * state as a verifier sees it (active, published, retired), and its phase as `keys list`
   * says it (signing, next, unused, retired, expired). */
  status = gh_signing_key_info_get_status (info);
  phase = gh_signing_key_info_get_state (info, now);
  key = gh_signing_keys_lookup (keys, kid);
  if (key == NULL)
    check = gh_token_check_new ("fail", "Key %s is retired (%s): no longer published, so no "
                                "resource server can verify this token", kid, phase);
  else if (token == NULL)
    check = gh_token_check_new ("skip", "Not checked: the server keeps no token's value, so "
                                "its signature bytes are not here; key %s (%s, %s) is published: "
                                "a resource server reading the JWKS can verify what it signed",
                                kid, status, phase);
  else if (gh_jws_verify_compact_with_key (token, key, NULL, NULL, &error))
    check = gh_token_check_new ("pass", "Signed by key %s (%s, %s)", kid, status, phase);
  else if (g_error_matches (error, GH_JOSE_ERROR, GH_JOSE_ERROR_BAD_SIGNATURE))
    check = gh_token_check_new ("fail", "The signature does not verify with key %s: the token "
                                "was altered, or signed by another key with this kid", kid);
  else
    check = gh_token_check_new ("fail", "The signature does not verify with key %s: %s", kid,
                                error->message);
  json_object_set_string_member (check, "key_state", key == NULL ? "retired" : status);
  json_object_set_string_member (check, "key_phase", phase);
  json_object_set_object_member (check, "key", gh_signing_key_info_to_json (info, now));
  return check;
}

static JsonObject *
check_typ (JsonObject  *header,
           JsonObject  *claims,
           const char **token_type)
{
  const char *typ = gh_json_get_string (header, "typ");

  *token_type = "unknown";
  if (typ != NULL && (g_ascii_strcasecmp (typ, "at+jwt") == 0 ||
                      g_ascii_strcasecmp (typ, "application/at+jwt") == 0))
    {
      *token_type = "access_token";
      return gh_token_check_new ("pass", "An access token (typ “%s”)", typ);
    }
  if (claims != NULL && (json_object_has_member (claims, "at_hash") ||
                         json_object_has_member (claims, "nonce") ||
                         json_object_has_member (claims, "azp")))
    {
      *token_type = "id_token";
      return gh_token_check_new ("fail", "An ID token, not an access token: it tells the client "
                                 "who signed in, and a resource server must refuse it");
    }
  if (typ == NULL)
    return gh_token_check_new ("fail", "No “typ”: an access token says at+jwt (RFC 9068)");
  return gh_token_check_new ("fail", "typ is “%s”, not at+jwt: not an access token", typ);
}

/* RFC 9068 §2.2: the claims every access token carries. */
static JsonObject *
check_required (JsonObject *claims)
{
  static const char * const required[] = {
    "iss", "exp", "aud", "sub", "client_id", "iat", "jti",
  };
  g_autoptr(GPtrArray) missing = g_ptr_array_new ();
  JsonArray *array = json_array_new ();
  JsonObject *check;

  for (guint i = 0; i < G_N_ELEMENTS (required); i++)
    if (!json_object_has_member (claims, required[i]))
      {
        g_ptr_array_add (missing, (gpointer) required[i]);
        json_array_add_string_element (array, required[i]);
      }
  g_ptr_array_add (missing, NULL);
  if (missing->len == 1)
    check = gh_token_check_new ("pass", "Every claim RFC 9068 requires is there");
  else
    {
      g_autofree char *names = g_strjoinv (", ", (char **) missing->pdata);

      check = gh_token_check_new ("fail", "Missing: %s (RFC 9068 §2.2)", names);
    }
  json_object_set_array_member (check, "missing", array);
  return check;
}

static JsonObject *
check_iss (JsonObject *claims,
           const char *issuer)
{
  const char *iss = gh_json_get_string (claims, "iss");
  JsonObject *check;

  if (iss == NULL)
    check = gh_token_check_new ("fail", "No “iss” string");
  else if (g_str_equal (iss, issuer))
    check = gh_token_check_new ("pass", "iss is this project's issuer, byte for byte");
  else if (gh_token_inspect_differ_by_slash (iss, issuer))
    check = gh_token_check_new ("fail", "iss differs from this project's issuer only by a "
                                "trailing slash; issuers are compared exactly");
  else
    check = gh_token_check_new ("fail", "iss is not this project's issuer");
  set_compared (check, issuer, iss);
  return check;
}

static JsonObject *
check_aud (JsonObject         *claims,
           const char         *issuer,
           const char         *resource,
           const char * const *audiences)
{
  g_autoptr(GPtrArray) values = gh_token_inspect_audiences (claims);
  JsonArray *actual = json_array_new ();
  JsonObject *check = NULL;

  for (guint i = 0; values != NULL && i < values->len; i++)
    json_array_add_string_element (actual, g_ptr_array_index (values, i));

  if (values == NULL)
    check = gh_token_check_new ("fail", "No “aud” (a string or an array of strings)");
  else if (resource != NULL)
    {
      for (guint i = 0; check == NULL && i < values->len; i++)
        if (g_str_equal (g_ptr_array_index (values, i), resource))
          check = gh_token_check_new ("pass", "aud is the resource, byte for byte");
      for (guint i = 0; check == NULL && i < values->len; i++)
        if (gh_token_inspect_differ_by_slash (g_ptr_array_index (values, i), resource))
          {
            const char *aud = g_ptr_array_index (values, i);

            check = gh_token_check_new ("fail", "aud differs from the resource only by a "
                                        "trailing slash (%s has it): a resource server "
                                        "compares them exactly",
                                        strlen (aud) > strlen (resource) ? "aud" : "resource");
            json_object_set_boolean_member (check, "trailing_slash", TRUE);
          }
      for (guint i = 0; check == NULL && i < values->len; i++)
        if (g_ascii_strcasecmp (g_ptr_array_index (values, i), resource) == 0)
          check = gh_token_check_new ("fail", "aud differs from the resource only in letter "
                                      "case; a resource server compares them exactly");
      if (check == NULL && g_strv_contains (audiences, g_ptr_array_index (values, 0)))
        check = gh_token_check_new ("fail", "aud is another audience of this project, not this "
                                    "resource: the token was asked for another resource%s",
                                    g_str_equal (g_ptr_array_index (values, 0), issuer) ?
                                    " (the issuer: the client sent no resource)" : "");
      if (check == NULL)
        check = gh_token_check_new ("fail", "aud is not the resource");
    }
  else
    {
      for (guint i = 0; check == NULL && i < values->len; i++)
        if (g_str_equal (g_ptr_array_index (values, i), issuer))
          check = gh_token_check_new ("warn", "aud is the issuer, the audience of a token asked "
                                      "for no resource: an MCP server that checks aud refuses "
                                      "it (the client sent no resource)");
      for (guint i = 0; check == NULL && i < values->len; i++)
        if (g_strv_contains (audiences, g_ptr_array_index (values, i)))
          check = gh_token_check_new ("pass", "aud is an audience of this project (give "
                                      "“resource” to compare it with an MCP server's URL)");
      if (check == NULL)
        check = gh_token_check_new ("fail", "aud is no audience of this project");
    }
  if (!json_object_has_member (check, "trailing_slash"))
    json_object_set_boolean_member (check, "trailing_slash", FALSE);
  if (resource != NULL)
    json_object_set_string_member (check, "expected", resource);
  else
    json_object_set_null_member (check, "expected");
  json_object_set_array_member (check, "actual", actual);
  return check;
}

/* exp, nbf or iat: a whole number of seconds, judged against @now. */
static JsonObject *
check_time (JsonObject *claims,
            const char *name,
            gint64      now)
{
  gboolean present = json_object_has_member (claims, name);
  JsonObject *check;
  gint64 value = 0;

  if (present && !gh_json_get_int (claims, name, &value))
    return gh_token_check_new ("fail", "“%s” is not a whole number of seconds", name);
  if (!present)
    {
      if (g_str_equal (name, "nbf"))
        return gh_token_check_new ("pass", "No nbf: valid from when it was issued (nbf is "
                                   "optional)");
      return gh_token_check_new ("fail", "No “%s” (RFC 9068 §2.2 requires it)", name);
    }
  if (g_str_equal (name, "exp"))
    check = value <= now ?
            gh_token_check_new ("fail", "Expired %" G_GINT64_FORMAT " s ago", now - value) :
            gh_token_check_new ("pass", "Expires in %" G_GINT64_FORMAT " s", value - now);
  else if (value > now + GH_TOKEN_INSPECT_SKEW_SECONDS)
    check = gh_token_check_new ("fail", "%s is %" G_GINT64_FORMAT " s in the future (more than "
                                "the %d s of clock skew allowed)", name, value - now,
                                GH_TOKEN_INSPECT_SKEW_SECONDS);
  else if (g_str_equal (name, "iat"))
    check = gh_token_check_new ("pass", "Issued %" G_GINT64_FORMAT " s ago", now - value);
  else
    check = gh_token_check_new ("pass", "Valid since %" G_GINT64_FORMAT " s", now - value);
  json_object_set_int_member (check, "value", value);
  json_object_set_int_member (check, "seconds_from_now", value - now);
  return check;
}

static JsonObject *
check_scope (JsonObject *claims)
{
  const char *scope = gh_json_get_string (claims, "scope");
  g_auto(GStrv) scopes = NULL;
  JsonArray *array = json_array_new ();
  JsonObject *check;

  if (scope == NULL)
    {
      json_array_unref (array);
      if (json_object_has_member (claims, "scope"))
        return gh_token_check_new ("fail", "“scope” is not a string");
      return gh_token_check_new ("warn", "No scope: a resource server that needs one refuses "
                                 "it with insufficient_scope");
    }
  scopes = g_strsplit (scope, " ", -1);
  for (guint i = 0; scopes[i] != NULL; i++)
    if (*scopes[i] != '\0')
      json_array_add_string_element (array, scopes[i]);
  check = gh_token_check_new ("pass", "%u scope(s) granted", json_array_get_length (array));
  json_object_set_array_member (check, "scopes", array);
  return check;
}

void
gh_token_inspect_conclude (JsonObject *report)
{
  static const char * const checks_in_order[] = {
    "format", "signature", "typ", "required_claims", "iss", "aud", "exp", "nbf", "iat", "scope",
    "issued_here", "revocation",
  };
  JsonObject *checks = json_object_get_object_member (report, "checks");
  JsonObject *failed = NULL;
  const char *failed_name = NULL;

  for (guint i = 0; failed == NULL && i < G_N_ELEMENTS (checks_in_order); i++)
    {
      JsonObject *check = json_object_has_member (checks, checks_in_order[i]) ?
                          json_object_get_object_member (checks, checks_in_order[i]) : NULL;

      if (check != NULL && g_str_equal (gh_json_get_string (check, "result"), "fail"))
        {
          failed = check;
          failed_name = checks_in_order[i];
        }
    }
  json_object_set_string_member (report, "verdict", failed == NULL ? "valid" : "invalid");
  if (failed != NULL)
    {
      g_autofree char *summary = g_strdup_printf ("%s: %s", failed_name,
                                                  gh_json_get_string (failed, "message"));

      json_object_set_string_member (report, "summary", summary);
    }
  else
    json_object_set_string_member (report, "summary", "Every check passes");
}

/* The notes and checks of a token with @header and @claims (either NULL when it did not
 * parse), into @report; @token NULL when only the header and claims are known. */
static void
add_checks (JsonObject         *report,
            JsonObject         *checks,
            const char         *token,
            JsonObject         *header,
            JsonObject         *claims,
            GhSigningKeys      *keys,
            const char         *issuer,
            const char         *resource,
            const char * const *audiences,
            gint64              now)
{
  JsonArray *notes = json_array_new ();
  const char *token_type = "unknown";

  if (header != NULL)
    {
      add_notes (notes, "header", header, now);
      json_object_set_object_member (report, "header", json_object_ref (header));
    }
  else
    json_object_set_null_member (report, "header");
  if (claims != NULL)
    {
      add_notes (notes, "claims", claims, now);
      json_object_set_object_member (report, "claims", json_object_ref (claims));
      json_object_set_object_member (checks, "signature",
                                     check_signature (token, keys, header, now));
      json_object_set_object_member (checks, "typ", check_typ (header, claims, &token_type));
      json_object_set_object_member (checks, "required_claims", check_required (claims));
      json_object_set_object_member (checks, "iss", check_iss (claims, issuer));
      json_object_set_object_member (checks, "aud",
                                     check_aud (claims, issuer, resource, audiences));
      json_object_set_object_member (checks, "exp", check_time (claims, "exp", now));
      json_object_set_object_member (checks, "nbf", check_time (claims, "nbf", now));
      json_object_set_object_member (checks, "iat", check_time (claims, "iat", now));
      json_object_set_object_member (checks, "scope", check_scope (claims));
    }
  else
    json_object_set_null_member (report, "claims");
  json_object_set_string_member (report, "token_type", token_type);
  json_object_set_array_member (report, "notes", notes);
  json_object_set_object_member (report, "checks", json_object_ref (checks));
  gh_token_inspect_conclude (report);
}

JsonObject *
gh_token_inspect_jwt (const char         *token,
                      GhSigningKeys      *keys,
                      const char         *issuer,
                      const char         *resource,
                      const char * const *audiences,
                      gint64              now)
{
  g_autoptr(JsonObject) report = json_object_new ();
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(JsonObject) checks = json_object_new ();
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (gh_token_inspect_is_jwt_shaped (token), NULL);

  json_object_set_string_member (report, "kind", "jwt");
  json_object_set_null_member (report, "verdict");
  json_object_set_null_member (report, "summary");
  header = decode_json_part (token, 0, &error);
  if (header == NULL)
    json_object_set_object_member (checks, "format",
                                   gh_token_check_new ("fail", "The header is not base64url "
                                                       "JSON: %s", error->message));
  else if (count_dots (token) == 4)
    json_object_set_object_member (checks, "format",
                                   gh_token_check_new ("fail", "An encrypted token (JWE, five "
                                                       "parts): this server issues none"));
  else if ((claims = decode_json_part (token, 1, &error)) == NULL)
    json_object_set_object_member (checks, "format",
                                   gh_token_check_new ("fail", "The payload is not base64url "
                                                       "JSON: %s", error->message));
  else
    json_object_set_object_member (checks, "format",
                                   gh_token_check_new ("pass", "A signed JWT (JWS compact: "
                                                       "header, claims, signature)"));
  add_checks (report, checks, token, header, claims, keys, issuer, resource, audiences, now);
  return g_steal_pointer (&report);
}

JsonObject *
gh_token_inspect_claims (JsonObject         *header,
                         JsonObject         *claims,
                         GhSigningKeys      *keys,
                         const char         *issuer,
                         const char         *resource,
                         const char * const *audiences,
                         gint64              now)
{
  JsonObject *report = json_object_new ();
  g_autoptr(JsonObject) checks = json_object_new ();

  json_object_set_string_member (report, "kind", "jwt");
  json_object_set_object_member (checks, "format",
                                 gh_token_check_new ("skip", "Not checked: the server keeps "
                                                     "no token's value; the header and claims "
                                                     "are those it recorded when it signed"));
  add_checks (report, checks, NULL, header, claims, keys, issuer, resource, audiences, now);
  return report;
}
