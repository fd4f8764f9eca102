/* gh-client-auth.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-oauth"

#include "config.h"

#include <string.h>

#include "gh-base64url.h"
#include "gh-authorization.h"
#include "gh-cimd-policy.h"
#include "gh-client-auth.h"
#include "gh-error.h"
#include "gh-explain.h"
#include "gh-http-auth.h"
#include "gh-json.h"
#include "gh-jws.h"
#include "gh-time.h"

#define AUTH_FAILED_HINT "The client's credentials did not prove who it is: check its secret, " \
                         "or its assertion's keys, iss, sub, aud, exp and jti (RFC 7523 §3)"

/* Longest lifetime accepted for a client assertion, and the clock skew tolerated. */
#define MAX_ASSERTION_LIFETIME 3600
#define SKEW_SECONDS 60

static GhClient *
find_client (GhClients        *clients,
             const GhProject  *project,
             const char       *client_id,
             GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  GhClient *client = gh_clients_get (clients, project->id, client_id, &local_error);

  if (client == NULL)
    {
      if (g_error_matches (local_error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND))
        return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_CLIENT,
                                          gh_clients_explain_unknown (clients, project,
                                                                      client_id),
                                          "The client “%s” is not registered "
                                          "in this project", client_id), NULL;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  /* A project that turned CIMD off accepts no URL client any more, cached or imported. */
  if (client->source == GH_CLIENT_SOURCE_CIMD && !project->settings->cimd_enabled)
    {
      JsonObject *explain = gh_explain_new ("cimd.project.cimd_enabled",
                                            "The client is a Client ID Metadata Document, and "
                                            "this project no longer accepts those");

      gh_client_free (client);
      gh_explain_set_actual (explain, client_id);
      gh_explain_set_hint (explain, "cimd_enabled was turned off after this client signed in");
      gh_explain_set_fix (explain, "set_setting", "key", "cimd_enabled", "value", "true", NULL);
      return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_CLIENT, explain,
                                        "The client “%s” is a Client ID Metadata "
                                        "Document, and this project no longer accepts "
                                        "those (cimd_enabled is off)", client_id), NULL;
    }
  return client;
}

static GhClient *
check_method (GhClient            *client,
              GhClientAuthMethod   used,
              GError             **error)
{
  g_autoptr(GhClient) owned = client;
  const char *registered = gh_client_auth_method_to_string (client->auth_method);
  const char *presented = gh_client_auth_method_to_string (used);

  if ((client->source == GH_CLIENT_SOURCE_CIMD &&
       (used == GH_CLIENT_AUTH_SECRET_BASIC || used == GH_CLIENT_AUTH_SECRET_POST)) ||
      client->auth_method != used)
    {
      gboolean cimd_secret = client->source == GH_CLIENT_SOURCE_CIMD &&
                             client->auth_method == used;
      JsonObject *explain = gh_explain_new ("client.auth_method_mismatch",
                                            "The client registered %s and authenticated with %s",
                                            registered, presented);

      gh_explain_set_expected (explain, registered);
      gh_explain_set_actual (explain, presented);
      json_object_set_string_member (explain, "registered", registered);
      json_object_set_string_member (explain, "presented", presented);
      gh_explain_set_hint (explain, cimd_secret || client->source == GH_CLIENT_SOURCE_CIMD
                           ? "A client identified by a metadata document has no shared "
                             "secret: it authenticates with none or private_key_jwt"
                           : "A client authenticates only with the token_endpoint_auth_method "
                             "it registered");
      if (client->source == GH_CLIENT_SOURCE_CIMD &&
          (used == GH_CLIENT_AUTH_SECRET_BASIC || used == GH_CLIENT_AUTH_SECRET_POST))
        return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_CLIENT, explain,
                                          "A client identified by a metadata "
                                          "document cannot use a shared secret"), NULL;
      return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_CLIENT, explain,
                                        "The client registered token_endpoint_auth_method "
                                        "%s but authenticated with %s", registered,
                                        presented), NULL;
    }
  return g_steal_pointer (&owned);
}

typedef struct
{
  JsonArray *keys;
} KeySet;

/* The client's key for an assertion: the one whose "kid" member matches, or its only key. */
static GhJwk *
client_key_lookup (const char *kid,
                   GhJwsAlg    alg,
                   gpointer    user_data)
{
  KeySet *set = user_data;
  guint n = json_array_get_length (set->keys);

  for (guint i = 0; i < n; i++)
    {
      JsonObject *jwk = json_array_get_object_element (set->keys, i);
      const char *key_kid;

      if (jwk == NULL)
        continue;
      key_kid = gh_json_get_string (jwk, "kid");
      if ((kid != NULL && g_strcmp0 (kid, key_kid) == 0) || (kid == NULL && n == 1))
        {
          g_autoptr(GError) error = NULL;
          GhJwk *key = gh_jwk_new_from_json (jwk, &error);

          if (key != NULL && gh_jwk_get_alg (key) == alg)
            return key;
          g_clear_object (&key);
        }
    }
  return NULL;
}

static gboolean
audience_matches (JsonNode   *aud,
                  const char *issuer,
                  const char *endpoint_url)
{
  if (aud == NULL)
    return FALSE;
  if (JSON_NODE_HOLDS_VALUE (aud) && json_node_get_value_type (aud) == G_TYPE_STRING)
    return g_str_equal (json_node_get_string (aud), endpoint_url) ||
           g_str_equal (json_node_get_string (aud), issuer);
  if (JSON_NODE_HOLDS_ARRAY (aud))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (aud)); i++)
      {
        const char *value = gh_json_array_get_string (json_node_get_array (aud), i);
        if (g_strcmp0 (value, endpoint_url) == 0 || g_strcmp0 (value, issuer) == 0)
          return TRUE;
      }
  return FALSE;
}

/* The client a client_assertion names (its sub), once it is known to use private_key_jwt. */
static GhClient *
assertion_client (GhClients        *clients,
                  const GhProject  *project,
                  GhForm           *form,
                  GError          **error)
{
  const char *assertion = gh_form_get (form, "client_assertion");
  const char *form_client_id = gh_form_get (form, "client_id");
  g_auto(GStrv) parts = NULL;
  g_autofree guint8 *payload_bytes = NULL;
  g_autoptr(JsonObject) unverified = NULL;
  g_autoptr(GhClient) client = NULL;
  const char *sub;
  gsize length;

  if (g_strcmp0 (gh_form_get (form, "client_assertion_type"), GH_CLIENT_ASSERTION_TYPE_JWT) != 0)
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_REQUEST, "request.invalid",
                                 "RFC 7523 §2.2 names the one assertion type",
                                 "client_assertion_type must be " GH_CLIENT_ASSERTION_TYPE_JWT),
           NULL;

  /* Which client? Read sub before verifying, then verify with that client's keys. */
  parts = g_strsplit (assertion, ".", 4);
  if (g_strv_length (parts) != 3 ||
      (payload_bytes = gh_base64url_decode (parts[1], &length, NULL)) == NULL ||
      (unverified = gh_json_parse_object_strict ((const char *) payload_bytes, length,
                                                 NULL)) == NULL)
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_CLIENT,
                                 "client.auth_failed", AUTH_FAILED_HINT,
                                 "client_assertion is not a JWT"), NULL;
  sub = gh_json_get_string (unverified, "sub");
  if (sub == NULL)
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_CLIENT,
                                 "client.auth_failed", AUTH_FAILED_HINT,
                                 "client_assertion has no sub"), NULL;
  if (form_client_id != NULL && !g_str_equal (form_client_id, sub))
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_CLIENT,
                                 "client.auth_failed", AUTH_FAILED_HINT,
                                 "client_id and the client_assertion's sub differ"), NULL;

  client = find_client (clients, project, sub, error);
  if (client == NULL)
    return NULL;
  return check_method (g_steal_pointer (&client), GH_CLIENT_AUTH_PRIVATE_KEY_JWT, error);
}

/* The jwks_uri of a private_key_jwt client without inline keys. A URL client_id (CIMD) must
 * publish its keys on its own origin; any other client may name any https URL (the fetch's
 * URL rules decide the rest). */
static const char *
client_jwks_uri (GhClient  *client,
                 GError   **error)
{
  JsonNode *node = json_object_get_member (client->metadata, "jwks_uri");
  const char *jwks_uri;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    {
      gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_CLIENT,
                            "client.auth_failed", AUTH_FAILED_HINT,
                            "The client registered no public keys "
                            "(jwks or jwks_uri) for private_key_jwt");
      return NULL;
    }
  jwks_uri = json_node_get_string (node);
  if ((client->source == GH_CLIENT_SOURCE_CIMD || gh_cimd_is_url_client_id (client->client_id)) &&
      !gh_cimd_same_origin (jwks_uri, client->client_id))
    {
      gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_CLIENT,
                            "client.auth_failed", AUTH_FAILED_HINT,
                            "The client's jwks_uri “%s” is not on the origin "
                            "of its client_id; a metadata document's keys must "
                            "come from the same scheme, host and port", jwks_uri);
      return NULL;
    }
  return jwks_uri;
}

static gboolean
has_inline_jwks (GhClient *client)
{
  return json_object_has_member (client->metadata, "jwks") &&
         JSON_NODE_HOLDS_OBJECT (json_object_get_member (client->metadata, "jwks"));
}

static GhClient *
authenticate_assertion (GhClients        *clients,
                        GhStore          *store,
                        const GhProject  *project,
                        const char       *issuer,
                        const char       *endpoint_url,
                        GhForm           *form,
                        JsonObject       *fetched_jwks,
                        gboolean         *unknown_key,
                        GError          **error)
{
  const char *assertion = gh_form_get (form, "client_assertion");
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GhClient) client = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GhStmt) stmt = NULL;
  const char *iss, *jti;
  const char *jwks_uri = NULL;
  JsonNode *keys_node;
  gint64 exp, nbf, now = gh_now_seconds ();
  KeySet set;

  client = assertion_client (clients, project, form, error);
  if (client == NULL)
    return NULL;
  if (has_inline_jwks (client))
    keys_node = json_object_get_member (json_object_get_object_member (client->metadata, "jwks"),
                                        "keys");
  else
    {
      jwks_uri = client_jwks_uri (client, error);
      if (jwks_uri == NULL)
        return NULL;
      if (fetched_jwks == NULL)
        return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_CLIENT,
                                     "client.auth_failed", AUTH_FAILED_HINT,
                                     "The client's keys are published at %s, which was "
                                     "not fetched for this request", jwks_uri), NULL;
      keys_node = json_object_get_member (fetched_jwks, "keys");
    }
  if (keys_node == NULL || !JSON_NODE_HOLDS_ARRAY (keys_node))
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_CLIENT,
                                 "client.auth_failed", AUTH_FAILED_HINT,
                                 "The client's key set has no keys"), NULL;

  set.keys = json_node_get_array (keys_node);
  if (!gh_jws_verify_compact (assertion, client_key_lookup, &set, NULL, &payload, &local_error))
    {
      if (unknown_key != NULL)
        *unknown_key = g_error_matches (local_error, GH_JOSE_ERROR, GH_JOSE_ERROR_UNKNOWN_KEY);
      return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_CLIENT,
                                   "client.auth_failed", AUTH_FAILED_HINT,
                                   "client_assertion does not verify with the client's "
                                   "keys%s%s: %s",
                                   jwks_uri != NULL ? " published at " : "",
                                   jwks_uri != NULL ? jwks_uri : "",
                                   local_error->message), NULL;
    }
  claims = gh_jws_parse_json_object (payload, NULL);

  iss = gh_json_get_string (claims, "iss");
  jti = gh_json_get_string (claims, "jti");
  if (!gh_json_get_int (claims, "exp", &exp))
    exp = 0;
  if (g_strcmp0 (iss, client->client_id) != 0 ||
      g_strcmp0 (gh_json_get_string (claims, "sub"),
                 client->client_id) != 0)
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_CLIENT,
                                 "client.auth_failed", AUTH_FAILED_HINT,
                                 "client_assertion's iss and sub must both be the "
                                 "client_id"), NULL;
  if (!audience_matches (json_object_get_member (claims, "aud"), issuer, endpoint_url))
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_CLIENT,
                                 "client.auth_failed", AUTH_FAILED_HINT,
                                 "client_assertion's aud must name this endpoint (%s) or the "
                                 "issuer",
                                 endpoint_url), NULL;
  if (exp <= now)
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_CLIENT,
                                 "client.auth_failed", AUTH_FAILED_HINT,
                                 "client_assertion has expired"), NULL;
  if (exp > now + MAX_ASSERTION_LIFETIME)
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_CLIENT,
                                 "client.auth_failed", AUTH_FAILED_HINT,
                                 "client_assertion lives longer than %d "
                                 "seconds", MAX_ASSERTION_LIFETIME), NULL;
  if (gh_json_get_int (claims, "nbf", &nbf) && nbf > now + SKEW_SECONDS)
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_CLIENT,
                                 "client.auth_failed", AUTH_FAILED_HINT,
                                 "client_assertion is not valid yet"), NULL;
  if (jti == NULL || *jti == '\0')
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_CLIENT,
                                 "client.auth_failed", AUTH_FAILED_HINT,
                                 "client_assertion has no jti"), NULL;

  /* Single use (RFC 7523 §3): remember each jti until its assertion expires. */
  {
    g_autoptr(GhStmt) purge = gh_store_prepare (store,
                                                "DELETE FROM client_assertions "
                                                "WHERE expires_at < ?",
                                                error);
    if (purge == NULL)
      return NULL;
    gh_stmt_bind_int64 (purge, 1, now);
    if (!gh_store_step (store, purge, NULL, error))
      return NULL;
  }
  stmt = gh_store_prepare (store,
                           "INSERT INTO client_assertions (project_id, client_id, jti, expires_at) "
                           "VALUES (?, ?, ?, ?)",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_int64 (stmt, 1, project->id);
  gh_stmt_bind_text (stmt, 2, client->client_id);
  gh_stmt_bind_text (stmt, 3, jti);
  gh_stmt_bind_int64 (stmt, 4, exp);
  if (!gh_store_step (store, stmt, NULL, &local_error))
    {
      if (g_error_matches (local_error, GH_STORE_ERROR, GH_STORE_ERROR_CONSTRAINT))
        return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_CLIENT,
                                     "client.auth_failed", AUTH_FAILED_HINT,
                                     "client_assertion was already used "
                                     "(its jti was seen before)"), NULL;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return g_steal_pointer (&client);
}

const char *
gh_client_auth_presented_method (SoupMessageHeaders *headers,
                                 GhForm             *form)
{
  if (gh_http_auth_has_scheme (soup_message_headers_get_one (headers, "Authorization"), "Basic"))
    return "client_secret_basic";
  if (gh_form_get (form, "client_assertion") != NULL)
    return "private_key_jwt";
  if (gh_form_get (form, "client_secret") != NULL)
    return "client_secret_post";
  return "none";
}

char *
gh_client_auth_jwks_uri_to_fetch (GhClients          *clients,
                                  const GhProject    *project,
                                  SoupMessageHeaders *headers,
                                  GhForm             *form)
{
  g_autoptr(GhClient) client = NULL;
  const char *jwks_uri;

  /* Exactly one method, the assertion; anything else is for gh_client_authenticate(). */
  if (gh_form_get (form, "client_assertion") == NULL ||
      gh_form_get (form, "client_secret") != NULL ||
      soup_message_headers_get_one (headers, "Authorization") != NULL)
    return NULL;
  client = assertion_client (clients, project, form, NULL);
  if (client == NULL || has_inline_jwks (client))
    return NULL;
  jwks_uri = client_jwks_uri (client, NULL);
  return g_strdup (jwks_uri);
}

GhClient *
gh_client_authenticate (GhClients          *clients,
                        GhStore            *store,
                        const GhProject    *project,
                        const char         *issuer,
                        const char         *endpoint_url,
                        SoupMessageHeaders *headers,
                        GhForm             *form,
                        gboolean           *used_basic,
                        GError            **error)
{
  return gh_client_authenticate_with_jwks (clients, store, project, issuer, endpoint_url, headers,
                                           form, NULL, NULL, used_basic, error);
}

GhClient *
gh_client_authenticate_with_jwks (GhClients          *clients,
                                  GhStore            *store,
                                  const GhProject    *project,
                                  const char         *issuer,
                                  const char         *endpoint_url,
                                  SoupMessageHeaders *headers,
                                  GhForm             *form,
                                  JsonObject         *fetched_jwks,
                                  gboolean           *unknown_key,
                                  gboolean           *used_basic,
                                  GError            **error)
{
  const char *authorization = soup_message_headers_get_one (headers, "Authorization");
  const char *form_client_id = gh_form_get (form, "client_id");
  const char *form_secret = gh_form_get (form, "client_secret");
  gboolean has_basic = gh_http_auth_has_scheme (authorization, "Basic");
  gboolean has_assertion = gh_form_get (form, "client_assertion") != NULL;
  guint methods = (has_basic ? 1 : 0) + (form_secret != NULL ? 1 : 0) + (has_assertion ? 1 : 0);
  g_autoptr(GhClient) client = NULL;

  *used_basic = has_basic;
  if (unknown_key != NULL)
    *unknown_key = FALSE;

  if (methods > 1)
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_REQUEST, "request.invalid",
                                 "A client authenticates one way per request (RFC 6749 §2.3)",
                                 "The request uses more than one client authentication method"),
           NULL;
  if (authorization != NULL && !has_basic)
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_REQUEST, "request.invalid",
                                 "Client credentials in a header are Basic (RFC 6749 §2.3.1)",
                                 "Only Basic client credentials are accepted "
                                 "in the Authorization header here"), NULL;

  if (has_basic)
    {
      g_autofree char *id = NULL;
      g_autofree char *secret = NULL;

      if (!gh_http_auth_parse_basic (authorization, &id, &secret))
        return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_CLIENT,
                                     "client.auth_failed", AUTH_FAILED_HINT,
                                     "The Basic credentials are malformed"), NULL;
      if (form_client_id != NULL && !g_str_equal (form_client_id, id))
        return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_REQUEST, "request.invalid",
                                     "Send client_id once, or the same in both places",
                                     "client_id differs from the one in the Basic credentials"),
               NULL;
      client = find_client (clients, project, id, error);
      if (client == NULL ||
          !(client = check_method (g_steal_pointer (&client), GH_CLIENT_AUTH_SECRET_BASIC, error)))
        return NULL;
      if (!gh_client_check_secret (client, secret))
        return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_CLIENT,
                                     "client.auth_failed", AUTH_FAILED_HINT,
                                     "The client secret is wrong"), NULL;
      return g_steal_pointer (&client);
    }

  if (has_assertion)
    return authenticate_assertion (clients, store, project, issuer, endpoint_url, form,
                                   fetched_jwks, unknown_key, error);

  if (form_client_id == NULL)
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_CLIENT, "client.auth_missing",
                                 "A public client sends its client_id; a confidential one its "
                                 "credentials",
                                 "The request does not say which client it is (client_id)"),
           NULL;
  client = find_client (clients, project, form_client_id, error);
  if (client == NULL)
    return NULL;

  if (form_secret != NULL)
    {
      if (!(client = check_method (g_steal_pointer (&client), GH_CLIENT_AUTH_SECRET_POST, error)))
        return NULL;
      if (!gh_client_check_secret (client, form_secret))
        return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_CLIENT,
                                     "client.auth_failed", AUTH_FAILED_HINT,
                                     "The client secret is wrong"), NULL;
      return g_steal_pointer (&client);
    }

  if (client->auth_method != GH_CLIENT_AUTH_NONE)
    {
      const char *registered = gh_client_auth_method_to_string (client->auth_method);
      JsonObject *explain = gh_explain_new ("client.auth_missing", "This client must "
                                            "authenticate (it registered %s)", registered);

      gh_explain_set_expected (explain, registered);
      gh_explain_set_actual (explain, "none");
      json_object_set_string_member (explain, "registered", registered);
      json_object_set_string_member (explain, "presented", "none");
      gh_explain_set_hint (explain, "A confidential client sends its secret or assertion with "
                           "every token, revocation and introspection request");
      return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_CLIENT, explain,
                                        "This client must authenticate (it registered %s)",
                                        registered), NULL;
    }
  return g_steal_pointer (&client);
}
