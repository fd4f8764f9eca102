/* gh-tokens.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-oauth"

#include "config.h"

#include <string.h>

#include "gh-authorization.h"
#include "gh-base64url.h"
#include "gh-crypto.h"
#include "gh-error.h"
#include "gh-explain.h"
#include "gh-json.h"
#include "gh-jws.h"
#include "gh-scopes.h"
#include "gh-time.h"
#include "gh-tokens.h"

#define TOKEN_HINT "An access token is checked for its signature, type, issuer, expiry, " \
                   "audience and revocation: the client refreshes it or signs in again"

/* Clock skew tolerated on iat. */
#define SKEW_SECONDS 60

struct _GhTokens
{
  GObject parent_instance;

  GhStore *store;
  GhAudit *audit;
  GhSigningKeys *keys;
  GhUsers *users;
  GhResources *resources;
  /* Access tokens already verified: SHA-256 of the token -> its claims. Any write to the
   * store (a revocation, a new resource) drops them all. */
  GHashTable *verified;
  GhStoreStamp verified_stamp;
};

/* Tokens remembered at most; past that the table starts afresh. */
#define MAX_VERIFIED 4096

G_DEFINE_FINAL_TYPE (GhTokens, gh_tokens, G_TYPE_OBJECT)

static void
gh_tokens_dispose (GObject *object)
{
  GhTokens *self = (GhTokens *) object;

  g_clear_object (&self->store);
  g_clear_object (&self->audit);
  g_clear_object (&self->keys);
  g_clear_object (&self->users);
  g_clear_object (&self->resources);
  g_clear_pointer (&self->verified, g_hash_table_unref);

  G_OBJECT_CLASS (gh_tokens_parent_class)->dispose (object);
}

static void
gh_tokens_class_init (GhTokensClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = gh_tokens_dispose;
}

static void
gh_tokens_init (GhTokens *self)
{
  self->verified = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) json_object_unref);
}

GhTokens *
gh_tokens_new (GhStore       *store,
               GhAudit       *audit,
               GhSigningKeys *keys,
               GhUsers       *users,
               GhResources   *resources)
{
  GhTokens *self = g_object_new (GH_TYPE_TOKENS, NULL);

  self->store = g_object_ref (store);
  self->audit = g_object_ref (audit);
  self->keys = g_object_ref (keys);
  self->users = g_object_ref (users);
  self->resources = g_object_ref (resources);
  return self;
}

void
gh_tokens_record_refusal (GhTokens         *self,
                          const GhProject  *project,
                          const char       *client_id,
                          const char       *grant_type,
                          const char       *source,
                          const char       *user_agent,
                          const GhFlowStep *step,
                          const GError     *error)
{
  g_autoptr(JsonObject) details = gh_audit_refusal_details (error);

  if (grant_type != NULL)
    json_object_set_string_member (details, "grant_type", grant_type);
  if (step != NULL)
    json_object_set_object_member (details, "step",
                                   gh_flow_step_to_json (step, gh_error_http_status (error),
                                                         error));
  gh_audit_record_event (self->audit, &(GhAuditEvent) {
                         .project_id = project->id, .project_slug = project->slug,
                         .type = GH_AUDIT_EVENT_TOKEN_REFUSED, .outcome = GH_AUDIT_FAILURE,
                         .actor = client_id, .client_id = client_id,
                         .flow_id = step != NULL ? step->flow_id : NULL, .details = details,
                         .source = source, .user_agent = user_agent }, NULL);
}

void
gh_tokens_fill_step (GhFlowStep *step,
                     GhForm     *form)
{
  static const char * const named[] = { "grant_type", "redirect_uri", "scope" };

  g_return_if_fail (step != NULL);

  for (guint i = 0; i < G_N_ELEMENTS (named); i++)
    {
      const char *value = gh_form_get (form, named[i]);

      if (value != NULL)
        json_object_set_string_member (step->params, named[i], value);
      else
        json_object_set_null_member (step->params, named[i]);
    }
  json_object_set_array_member (step->params, "resource",
                                gh_json_array_from_strv ((char **) gh_form_get_all (form,
                                                                                    "resource")));
  json_object_set_string_member (step->params, "code_verifier",
                                 gh_form_get (form, "code_verifier") != NULL ? "not checked"
                                                                              : "absent");
}

/* The step of a token request for @client's event: the caller's, or a new one. */
static GhFlowStep *
own_step (GhFlowStep     *step,
          GhFlowStep    **owned,
          const GhClient *client,
          GhForm         *form)
{
  if (step == NULL)
    {
      step = *owned = gh_flow_step_new (g_get_real_time ());
      gh_tokens_fill_step (step, form);
    }
  if (!json_object_has_member (step->params, "client_auth_method"))
    json_object_set_string_member (step->params, "client_auth_method",
                                   gh_client_auth_method_to_string (client->auth_method));
  return step;
}

/* RFC 7636 §4.1: 43 to 128 unreserved characters. */
static gboolean
is_code_verifier (const char *verifier)
{
  gsize len = strlen (verifier);

  if (len < 43 || len > 128)
    return FALSE;
  for (const char *p = verifier; *p; p++)
    if (!g_ascii_isalnum (*p) && strchr ("-._~", *p) == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
scope_has (char      **scopes,
           const char *scope)
{
  return scopes != NULL && g_strv_contains ((const char * const *) scopes, scope);
}

static char *
sign_jwt (GhTokens    *self,
          const char  *typ,
          JsonObject  *claims,
          char       **kid,
          GError     **error)
{
  g_autoptr(GhJwk) key = gh_signing_keys_get_signing_key (self->keys, error);
  g_autoptr(JsonObject) header = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(GBytes) payload = NULL;
  char *text;

  if (key == NULL)
    return NULL;
  if (kid != NULL)
    *kid = g_strdup (gh_jwk_get_kid (key));
  json_object_set_string_member (header, "typ", typ);
  json_node_set_object (node, claims);
  text = gh_json_to_string (node, FALSE);
  payload = g_bytes_new_take (text, strlen (text));
  return gh_jws_sign_compact (key, header, payload, error);
}

/* at_hash (OIDC Core §3.1.3.6): the left half of the SHA-256 of the access token. */
static char *
compute_at_hash (const char *access_token)
{
  guint8 digest[32];

  gh_sha256 (access_token, strlen (access_token), digest);
  return gh_base64url_encode (digest, 16);
}

static void
add_user_claims (JsonObject   *claims,
                 const GhUser *user,
                 char        **scopes)
{
  if (scope_has (scopes, "profile"))
    {
      g_autoptr(GList) members = json_object_get_members (user->claims);

      json_object_set_string_member (claims, "preferred_username", user->username);
      if (*user->name != '\0')
        json_object_set_string_member (claims, "name", user->name);
      for (const GList *l = members; l != NULL; l = l->next)
        if (!json_object_has_member (claims, l->data))
          json_object_set_member (claims, l->data,
                                  json_node_copy (json_object_get_member (user->claims, l->data)));
    }
  if (scope_has (scopes, "email") && *user->email != '\0')
    {
      json_object_set_string_member (claims, "email", user->email);
      json_object_set_boolean_member (claims, "email_verified", TRUE);
    }
}

typedef struct
{
  const GhProject *project;
  const char *issuer;
  const GhClient *client;
  const GhUser *user;
  char **scopes;
  char **audience;
  const char *family_id;  /* NULL: no refresh token */
  char **family_resources;
  const char *code_hash;
  const char *nonce;
  const char *flow_id;
  gint64 auth_time;
  gint64 generation;       /* of the refresh token issued: 1 for a code's */
  const GhFlowStep *step;
  /* What the token request asked for, kept for token inspection (admin API) */
  const char * const *requested_resources;
  const char *requested_scope;
  const char *parent_hash;  /* the refresh token presented, or NULL */
} Grant;

/* Mints the token response inside the caller's transaction. */
static JsonObject *
issue (GhTokens     *self,
       const Grant  *grant,
       GError      **error)
{
  g_autoptr(JsonObject) claims = json_object_new ();
  g_autoptr(JsonObject) response = json_object_new ();
  g_autoptr(GhStmt) stmt = NULL;
  g_autofree char *jti = gh_random_token (16);
  g_autofree char *access_token = NULL;
  g_autofree char *kid = NULL;
  g_autofree char *scope = g_strjoinv (" ", grant->scopes);
  gint64 now = gh_now_seconds ();
  gint64 ttl = grant->project->settings->access_token_ttl;

  json_object_set_string_member (claims, "iss", grant->issuer);
  json_object_set_string_member (claims, "sub", grant->user->username);
  if (g_strv_length (grant->audience) == 1)
    json_object_set_string_member (claims, "aud", grant->audience[0]);
  else
    json_object_set_array_member (claims, "aud", gh_json_array_from_strv (grant->audience));
  json_object_set_string_member (claims, "client_id", grant->client->client_id);
  json_object_set_string_member (claims, "scope", scope);
  json_object_set_int_member (claims, "iat", now);
  json_object_set_int_member (claims, "exp", now + ttl);
  json_object_set_string_member (claims, "jti", jti);
  json_object_set_int_member (claims, "auth_time", grant->auth_time);

  access_token = sign_jwt (self, "at+jwt", claims, &kid, error);
  if (access_token == NULL)
    return NULL;

  stmt = gh_store_prepare (self->store,
                           "INSERT INTO access_tokens (jti, project_id, client_id, family_id, "
                           "code_hash, issued_at, expires_at, requested_resources, "
                           "requested_scope) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_text (stmt, 1, jti);
  gh_stmt_bind_int64 (stmt, 2, grant->project->id);
  gh_stmt_bind_text (stmt, 3, grant->client->client_id);
  gh_stmt_bind_text (stmt, 4, grant->family_id);
  gh_stmt_bind_text (stmt, 5, grant->code_hash);
  gh_stmt_bind_int64 (stmt, 6, now);
  gh_stmt_bind_int64 (stmt, 7, now + ttl);
  if (grant->requested_resources != NULL && grant->requested_resources[0] != NULL)
    {
      g_autofree char *resources = gh_json_text_from_strv ((char **) grant->requested_resources);

      gh_stmt_bind_text (stmt, 8, resources);
    }
  gh_stmt_bind_text (stmt, 9, grant->requested_scope);
  if (!gh_store_step (self->store, stmt, NULL, error))
    return NULL;

  json_object_set_string_member (response, "access_token", access_token);
  json_object_set_string_member (response, "token_type", "Bearer");
  json_object_set_int_member (response, "expires_in", ttl);
  json_object_set_string_member (response, "scope", scope);

  if (grant->family_id != NULL)
    {
      g_autofree char *refresh_token = gh_random_token (32);
      g_autofree char *refresh_hash = gh_sha256_base64url (refresh_token);
      g_autoptr(GhStmt) insert = gh_store_prepare (self->store,
                                                   "INSERT INTO refresh_tokens "
                                                   "(token_hash, family_id, created_at, "
                                                   "expires_at, issued_from, generation) "
                                                   "VALUES (?, ?, ?, ?, ?, ?)",
                                                   error);

      if (insert == NULL)
        return NULL;
      gh_stmt_bind_text (insert, 1, refresh_hash);
      gh_stmt_bind_text (insert, 2, grant->family_id);
      gh_stmt_bind_int64 (insert, 3, now);
      gh_stmt_bind_int64 (insert, 4, now + grant->project->settings->refresh_token_ttl);
      gh_stmt_bind_text (insert, 5, grant->parent_hash);
      gh_stmt_bind_int64 (insert, 6, MAX (grant->generation, 1));
      if (!gh_store_step (self->store, insert, NULL, error))
        return NULL;
      json_object_set_string_member (response, "refresh_token", refresh_token);
    }

  if (scope_has (grant->scopes, "openid"))
    {
      g_autoptr(JsonObject) id_claims = json_object_new ();
      g_autofree char *at_hash = compute_at_hash (access_token);
      g_autofree char *id_token = NULL;

      json_object_set_string_member (id_claims, "iss", grant->issuer);
      json_object_set_string_member (id_claims, "sub", grant->user->username);
      json_object_set_string_member (id_claims, "aud", grant->client->client_id);
      json_object_set_string_member (id_claims, "azp", grant->client->client_id);
      json_object_set_int_member (id_claims, "iat", now);
      json_object_set_int_member (id_claims, "exp", now + ttl);
      json_object_set_int_member (id_claims, "auth_time", grant->auth_time);
      if (grant->nonce != NULL)
        json_object_set_string_member (id_claims, "nonce", grant->nonce);
      json_object_set_string_member (id_claims, "at_hash", at_hash);
      add_user_claims (id_claims, grant->user, grant->scopes);
      id_token = sign_jwt (self, "JWT", id_claims, NULL, error);
      if (id_token == NULL)
        return NULL;
      json_object_set_string_member (response, "id_token", id_token);
    }

  {
    g_autoptr(JsonObject) details = json_object_new ();

    json_object_set_string_member (details, "jti", jti);
    json_object_set_array_member (details, "aud", gh_json_array_from_strv (grant->audience));
    json_object_set_string_member (details, "scope", scope);
    json_object_set_string_member (details, "kid", kid);
    json_object_set_boolean_member (details, "refresh_token", grant->family_id != NULL);
    json_object_set_boolean_member (details, "id_token", scope_has (grant->scopes, "openid"));
    if (grant->family_id != NULL)
      json_object_set_int_member (details, "generation", MAX (grant->generation, 1));
    if (grant->step != NULL)
      json_object_set_object_member (details, "step",
                                     gh_flow_step_to_json (grant->step, 200, NULL));
    gh_audit_record_event (self->audit, &(GhAuditEvent) {
                           .project_id = grant->project->id,
                           .project_slug = grant->project->slug,
                           .type = grant->code_hash != NULL ? GH_AUDIT_EVENT_TOKEN_ISSUED
                                                            : GH_AUDIT_EVENT_TOKEN_REFRESHED,
                           .outcome = GH_AUDIT_SUCCESS, .actor = grant->client->client_id,
                           .client_id = grant->client->client_id,
                           .user_id = grant->user->username, .flow_id = grant->flow_id,
                           .details = details }, error);
    if (error != NULL && *error != NULL)
      return NULL;
  }

  return g_steal_pointer (&response);
}

/* resource.not_granted, or resource.trailing_slash when a slash is all that differs from a
 * granted one. */
static gboolean
refuse_not_granted (char       **granted,
                    const char  *resource,
                    GError     **error)
{
  JsonObject *explain;

  for (guint i = 0; granted != NULL && granted[i] != NULL; i++)
    {
      gsize a = strlen (granted[i]), b = strlen (resource);

      if ((a == b + 1 && granted[i][b] == '/' && strncmp (granted[i], resource, b) == 0) ||
          (b == a + 1 && resource[a] == '/' && strncmp (granted[i], resource, a) == 0))
        {
          explain = gh_explain_new ("resource.trailing_slash", "The resource “%s” differs from "
                                    "the granted “%s” only by a trailing slash", resource,
                                    granted[i]);
          gh_explain_set_expected (explain, granted[i]);
          gh_explain_set_actual (explain, resource);
          gh_explain_set_hint (explain, "Resource URIs are compared byte for byte: send the "
                               "resource exactly as at /authorize");
          return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_TARGET, explain,
                                            "The resource “%s” was not granted to this "
                                            "authorization", resource);
        }
    }
  explain = gh_explain_new ("resource.not_granted", "The resource “%s” was not granted to "
                            "this authorization", resource);
  gh_explain_take_expected (explain, json_node_init_array (json_node_alloc (),
                                                           gh_json_array_from_strv (granted)));
  gh_explain_set_actual (explain, resource);
  gh_explain_set_hint (explain, "A token request may only name a resource the authorization "
                       "request named: send the same resource at /authorize and /token");
  return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_TARGET, explain,
                                    "The resource “%s” was not granted to this authorization",
                                    resource);
}

/* The audience: that of the one resource the token request names (it must be granted), else
 * of the one granted, else the project's default audience, its issuer. A resource's audience
 * is its URI unless an administrator gave it another (resource add --audience).
 *
 * Also returns in @token_scopes those of @scopes the chosen resource allows: the standard
 * ones and those it defines; for one not listed, those no listed granted resource defines. A
 * token for one of several granted resources carries no scope another one defined. */
static char **
choose_audience (GhTokens           *self,
                 const GhProject    *project,
                 const char         *issuer,
                 char              **granted,
                 const char * const *requested,
                 char              **scopes,
                 char             ***token_scopes,
                 GError            **error)
{
  g_autofree char *resource = NULL;
  g_autoptr(GPtrArray) named = NULL;
  const GhResource *target = NULL;
  const char *audience[2] = { NULL, NULL };

  if (requested != NULL && requested[0] != NULL)
    {
      /* SPEC-NOTES.md: several resources are granted, but tokens are asked for one at a time,
       * so that no access token is accepted by two resource servers. */
      if (requested[1] != NULL)
        return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_TARGET, "request.invalid",
                                     "One token is for one resource server: ask for each "
                                     "resource in a token request of its own",
                                     "Name one resource per token request; ask again for each "
                                     "other one"), NULL;
      resource = gh_resource_canonicalize (requested[0], error);
      if (resource == NULL)
        return NULL;
      if (!scope_has (granted, resource))
        return refuse_not_granted (granted, resource, error), NULL;
    }
  else if (granted != NULL && granted[0] != NULL)
    {
      /* None named: the one granted; with several, the client must say which. */
      if (granted[1] != NULL)
        {
          JsonObject *explain = gh_explain_new ("resource.missing", "The client sent no "
                                                "resource, and several were granted");

          gh_explain_take_expected (explain, json_node_init_array (json_node_alloc (),
                                                                   gh_json_array_from_strv (
                                                                     granted)));
          gh_explain_set_hint (explain, "The client sent no resource: with several granted, "
                               "the token request names the one the token is for");
          return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_TARGET, explain,
                                            "Several resources were granted; name the one "
                                            "this token is for (resource)"), NULL;
        }
      resource = g_strdup (granted[0]);
    }

  if (resource == NULL)
    audience[0] = issuer;
  else
    {
      named = gh_resources_find_named (self->resources, project->id,
                                       (const char * const *) granted, error);
      if (named == NULL)
        return NULL;
      for (guint i = 0; i < named->len && target == NULL; i++)
        if (g_str_equal (((GhResource *) g_ptr_array_index (named, i))->uri, resource))
          target = g_ptr_array_index (named, i);
      g_assert (target != NULL);
      audience[0] = target->audience;
    }
  /* One no longer in the store (removed since) defines nothing: the standard scopes only. */
  *token_scopes = gh_scopes_for_resource ((const char * const *) scopes, named,
                                          target != NULL && target->id != 0 ? target : NULL);
  return g_strdupv ((char **) audience);
}

typedef enum
{
  REVOKE_CODE,    /* everything issued from one authorization code */
  REVOKE_FAMILY,  /* one refresh-token family and its access tokens */
} RevokeScope;

static gboolean
revoke_by (GhTokens     *self,
           RevokeScope   scope,
           const char   *value,
           const char   *reason,
           GError      **error)
{
  static const char * const families_sql[] = {
    [REVOKE_CODE] = "UPDATE refresh_families SET revoked_at = ?1, revoked_reason = ?2 "
                    "WHERE code_hash = ?3 AND revoked_at IS NULL",
    [REVOKE_FAMILY] = "UPDATE refresh_families SET revoked_at = ?1, revoked_reason = ?2 "
                      "WHERE id = ?3 AND revoked_at IS NULL",
  };
  static const char * const tokens_sql[] = {
    [REVOKE_CODE] = "UPDATE access_tokens SET revoked_at = ?1 WHERE revoked_at IS NULL AND "
                    "(code_hash = ?3 OR family_id IN (SELECT id FROM refresh_families "
                    "WHERE code_hash = ?3))",
    [REVOKE_FAMILY] = "UPDATE access_tokens SET revoked_at = ?1 WHERE revoked_at IS NULL AND "
                      "family_id = ?3",
  };
  gint64 now = gh_now_seconds ();

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GhStmt) stmt = gh_store_prepare (self->store,
                                                 i == 0 ? families_sql[scope] : tokens_sql[scope],
                                                 error);
      if (stmt == NULL)
        return FALSE;
      gh_stmt_bind_int64 (stmt, 1, now);
      if (i == 0)
        gh_stmt_bind_text (stmt, 2, reason);
      gh_stmt_bind_text (stmt, 3, value);
      if (!gh_store_step (self->store, stmt, NULL, error))
        return FALSE;
    }
  return TRUE;
}

JsonObject *
gh_tokens_exchange_code (GhTokens         *self,
                         const GhProject  *project,
                         const char       *issuer,
                         const GhClient   *client,
                         GhForm           *form,
                         GhFlowStep       *step,
                         GError          **error)
{
  g_autoptr(GhFlowStep) owned_step = NULL;
  const char *code = gh_form_get (form, "code");
  const char *verifier = gh_form_get (form, "code_verifier");
  const char *redirect_uri = gh_form_get (form, "redirect_uri");
  g_autofree char *code_hash = NULL;
  g_autofree char *flow_id = NULL;
  g_autofree char *stored_redirect = NULL;
  g_autofree char *challenge = NULL;
  g_autofree char *nonce = NULL;
  g_auto(GStrv) scopes = NULL;
  g_auto(GStrv) granted = NULL;
  g_auto(GStrv) audience = NULL;
  g_auto(GStrv) token_scopes = NULL;
  g_autofree char *family_id = NULL;
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(GhUser) user = NULL;
  g_autoptr(JsonObject) response = NULL;
  gboolean row, redirect_given, verifier_matches = FALSE;
  gint64 user_id, auth_time, expires_at, now = gh_now_seconds ();

  step = own_step (step, &owned_step, client, form);
  if (code == NULL || *code == '\0')
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_REQUEST, "request.invalid",
                                 "grant_type=authorization_code sends the code from the "
                                 "redirect", "code is missing"), NULL;
  if (verifier != NULL && !is_code_verifier (verifier))
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_REQUEST, "pkce.verifier_invalid",
                                 "The verifier is the random string the challenge was made "
                                 "from, not the challenge",
                                 "code_verifier must be 43 to 128 "
                                 "characters of A-Z a-z 0-9 - . _ ~"), NULL;

  code_hash = gh_sha256_base64url (code);

  /* The writer lock first: of N parallel redemptions exactly one sees the code unused. */
  if (!gh_store_begin (self->store, error))
    return NULL;

  stmt = gh_store_prepare (self->store,
                           "SELECT flow_id, client_id, user_id, redirect_uri, redirect_uri_given, "
                           "code_challenge, scopes, resources, nonce, auth_time, expires_at, "
                           "used_at FROM authorization_codes "
                           "WHERE code_hash = ? AND project_id = ?",
                           error);
  if (stmt == NULL)
    goto fail;
  gh_stmt_bind_text (stmt, 1, code_hash);
  gh_stmt_bind_int64 (stmt, 2, project->id);
  if (!gh_store_step (self->store, stmt, &row, error))
    goto fail;
  if (!row)
    {
      gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_GRANT, "code.unknown",
                            "A code is known only to the server (and project) that issued it; "
                            "a copy cut short or from another server is unknown",
                            "The authorization code is unknown");
      goto fail;
    }

  flow_id = g_strdup (gh_stmt_column_text (stmt, 0));
  g_free (step->flow_id);
  step->flow_id = g_strdup (flow_id);
  challenge = g_strdup (gh_stmt_column_text (stmt, 5));
  if (verifier != NULL)
    {
      guint8 digest[32];
      g_autofree char *computed = NULL;

      gh_sha256 (verifier, strlen (verifier), digest);
      computed = gh_base64url_encode (digest, sizeof digest);
      verifier_matches = gh_constant_time_equal (computed, challenge);
      json_object_set_string_member (step->params, "code_verifier",
                                     verifier_matches ? "matches" : "does not match");
    }
  if (sqlite3_column_type (stmt, 11) != SQLITE_NULL)
    {
      g_autoptr(JsonObject) details = NULL;
      g_autoptr(GError) replayed = NULL;
      gint64 used_at = sqlite3_column_int64 (stmt, 11);

      /* RFC 6749 §4.1.2: a code used twice revokes everything issued from it. */
      gh_stmt_reset (g_steal_pointer (&stmt));
      {
        JsonObject *explain = gh_explain_new ("code.replayed", "The authorization code was "
                                              "already used; the tokens issued from it are "
                                              "revoked");
        json_object_set_int_member (explain, "used_at", used_at);
        gh_explain_set_hint (explain, "A code is single use: a client that retries its token "
                             "request, or a copy of the code used elsewhere, replays it");
        gh_oauth_refuse_explained (&replayed, GH_OAUTH_ERROR_INVALID_GRANT, explain,
                                   "The authorization code was already used; "
                                   "the tokens issued from it are revoked");
      }
      if (!revoke_by (self, REVOKE_CODE, code_hash, "code_replayed", error))
        goto fail;
      details = gh_audit_refusal_details (replayed);
      json_object_set_object_member (details, "step",
                                     gh_flow_step_to_json (step, gh_error_http_status (replayed),
                                                           replayed));
      json_object_set_string_member (details, "presented_by", client->client_id);
      gh_audit_record_event (self->audit, &(GhAuditEvent) {
                             .project_id = project->id, .project_slug = project->slug,
                             .type = GH_AUDIT_EVENT_CODE_REPLAYED, .outcome = GH_AUDIT_FAILURE,
                             .actor = client->client_id, .client_id = client->client_id,
                             .flow_id = flow_id, .details = details }, error);
      if (error != NULL && *error != NULL)
        goto fail;
      if (!gh_store_commit (self->store, error))
        return NULL;
      g_propagate_error (error, g_steal_pointer (&replayed));
      return NULL;
    }

  if (g_strcmp0 (gh_stmt_column_text (stmt, 1), client->client_id) != 0)
    {
      JsonObject *explain = gh_explain_new ("code.client_differs", "The authorization code "
                                            "was issued to another client");

      gh_explain_set_expected (explain, gh_stmt_column_text (stmt, 1));
      gh_explain_set_actual (explain, client->client_id);
      gh_explain_set_hint (explain, "The token request must come from the client that asked "
                           "for the code");
      gh_oauth_refuse_with (error, GH_OAUTH_ERROR_INVALID_GRANT, explain);
      goto fail;
    }
  expires_at = sqlite3_column_int64 (stmt, 10);
  if (expires_at <= now)
    {
      JsonObject *explain = gh_explain_new ("code.expired", "The authorization code has "
                                            "expired");

      json_object_set_int_member (explain, "expired_seconds_ago", now - expires_at);
      json_object_set_int_member (explain, "code_ttl", project->settings->code_ttl);
      gh_explain_set_hint (explain, "A code lives code_ttl seconds: the client took too long "
                           "between the redirect and its token request");
      gh_oauth_refuse_with (error, GH_OAUTH_ERROR_INVALID_GRANT, explain);
      goto fail;
    }

  stored_redirect = g_strdup (gh_stmt_column_text (stmt, 3));
  redirect_given = sqlite3_column_int (stmt, 4) != 0;
  if ((redirect_given || redirect_uri != NULL) && g_strcmp0 (redirect_uri, stored_redirect) != 0)
    {
      JsonObject *explain = gh_explain_new ("code.redirect_uri_differs", "The token request's "
                                            "redirect_uri differs from the one sent to "
                                            "/authorize");

      gh_explain_set_expected (explain, stored_redirect);
      gh_explain_set_actual (explain, redirect_uri);
      gh_explain_set_hint (explain, redirect_uri == NULL
                           ? "The authorization request named a redirect_uri: the token "
                             "request repeats it"
                           : "The token request repeats the exact redirect_uri of the "
                             "authorization request, port included, byte for byte");
      gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_GRANT, explain,
                                 "redirect_uri must be the one sent to /authorize "
                                 "(%s), byte for byte", stored_redirect);
      goto fail;
    }

  if (verifier == NULL)
    {
      gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_GRANT, "pkce.verifier_missing",
                            "The authorization request sent a code_challenge: the token "
                            "request sends its code_verifier",
                            "code_verifier is missing (PKCE)");
      goto fail;
    }
  if (!verifier_matches)
    {
      gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_GRANT, "pkce.verifier_mismatch",
                            "The client sent the verifier of another authorization request, "
                            "or its challenge was not BASE64URL(SHA-256(verifier))",
                            "code_verifier does not match the code_challenge (S256)");
      goto fail;
    }

  user_id = sqlite3_column_int64 (stmt, 2);
  scopes = gh_strv_from_json_text (gh_stmt_column_text (stmt, 6));
  granted = gh_strv_from_json_text (gh_stmt_column_text (stmt, 7));
  nonce = g_strdup (gh_stmt_column_text (stmt, 8));
  auth_time = sqlite3_column_int64 (stmt, 9);
  gh_stmt_reset (g_steal_pointer (&stmt));

  audience = choose_audience (self, project, issuer, granted, gh_form_get_all (form, "resource"),
                              scopes, &token_scopes, error);
  if (audience == NULL)
    goto fail;

  {
    g_autoptr(GhStmt) used = gh_store_prepare (self->store,
                                               "UPDATE authorization_codes SET used_at = ? "
                                               "WHERE code_hash = ?", error);
    if (used == NULL)
      goto fail;
    gh_stmt_bind_int64 (used, 1, now);
    gh_stmt_bind_text (used, 2, code_hash);
    if (!gh_store_step (self->store, used, NULL, error))
      goto fail;
  }

  user = gh_users_get_by_id (self->users, user_id, error);
  if (user == NULL)
    goto fail;

  if (gh_client_has_grant_type (client, "refresh_token"))
    {
      g_autoptr(GhStmt) family = NULL;
      g_autofree char *scopes_text = gh_json_text_from_strv (scopes);
      g_autofree char *resources_text = gh_json_text_from_strv (granted);

      family_id = gh_random_token (16);
      family = gh_store_prepare (self->store,
                                 "INSERT INTO refresh_families (id, project_id, flow_id, "
                                 "client_id, user_id, code_hash, scopes, resources, "
                                 "auth_time, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 error);
      if (family == NULL)
        goto fail;
      gh_stmt_bind_text (family, 1, family_id);
      gh_stmt_bind_int64 (family, 2, project->id);
      gh_stmt_bind_text (family, 3, flow_id);
      gh_stmt_bind_text (family, 4, client->client_id);
      gh_stmt_bind_int64 (family, 5, user_id);
      gh_stmt_bind_text (family, 6, code_hash);
      gh_stmt_bind_text (family, 7, scopes_text);
      gh_stmt_bind_text (family, 8, resources_text);
      gh_stmt_bind_int64 (family, 9, auth_time);
      gh_stmt_bind_int64 (family, 10, now);
      if (!gh_store_step (self->store, family, NULL, error))
        goto fail;
    }

  {
    Grant grant = {
      .project = project, .issuer = issuer, .client = client, .user = user,
      .scopes = token_scopes,
      .audience = audience, .family_id = family_id, .family_resources = granted,
      .code_hash = code_hash, .nonce = nonce, .flow_id = flow_id, .auth_time = auth_time,
      .generation = 1, .step = step,
      .requested_resources = gh_form_get_all (form, "resource"),
      .requested_scope = gh_form_get (form, "scope"),
    };
    response = issue (self, &grant, error);
    if (response == NULL)
      goto fail;
  }

  if (!gh_store_commit (self->store, error))
    return NULL;
  return g_steal_pointer (&response);

fail:
  gh_stmt_reset (g_steal_pointer (&stmt));
  gh_store_rollback (self->store);
  return NULL;
}

/* Runs @sql, which sets a time in µs (?1) on the refresh token @token_hash (?2): the family's
 * lineage (admin API) shows when a token was used again. */
static gboolean
mark_refresh_token (GhTokens    *self,
                    const char  *sql,
                    const char  *token_hash,
                    GError     **error)
{
  g_autoptr(GhStmt) stmt = gh_store_prepare (self->store, sql, error);

  if (stmt == NULL)
    return FALSE;
  gh_stmt_bind_int64 (stmt, 1, g_get_real_time ());
  gh_stmt_bind_text (stmt, 2, token_hash);
  return gh_store_step (self->store, stmt, NULL, error);
}

JsonObject *
gh_tokens_refresh (GhTokens         *self,
                   const GhProject  *project,
                   const char       *issuer,
                   const GhClient   *client,
                   GhForm           *form,
                   GhFlowStep       *step,
                   GError          **error)
{
  g_autoptr(GhFlowStep) owned_step = NULL;
  const char *refresh_token = gh_form_get (form, "refresh_token");
  const char *scope = gh_form_get (form, "scope");
  g_autofree char *token_hash = NULL;
  g_autofree char *family_id = NULL;
  g_autofree char *flow_id = NULL;
  g_auto(GStrv) family_scopes = NULL;
  g_auto(GStrv) granted = NULL;
  g_auto(GStrv) scopes = NULL;
  g_auto(GStrv) audience = NULL;
  g_auto(GStrv) token_scopes = NULL;
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(GhUser) user = NULL;
  g_autoptr(JsonObject) response = NULL;
  gint64 user_id, auth_time, generation, latest_generation, now = gh_now_seconds ();
  gboolean row;

  step = own_step (step, &owned_step, client, form);
  if (refresh_token == NULL || *refresh_token == '\0')
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_REQUEST, "request.invalid",
                                 "grant_type=refresh_token sends the refresh token",
                                 "refresh_token is missing"), NULL;
  token_hash = gh_sha256_base64url (refresh_token);

  if (!gh_store_begin (self->store, error))
    return NULL;

  stmt = gh_store_prepare (self->store,
                           "SELECT f.id, f.client_id, f.user_id, f.scopes, f.resources, "
                           "f.auth_time, f.revoked_at, t.expires_at, t.rotated_at, t.grace_used, "
                           "f.flow_id, coalesce (t.generation, 1), t.rotated_at_us, "
                           "f.revoked_reason, (SELECT coalesce (max (generation), 1) "
                           "FROM refresh_tokens WHERE family_id = f.id) "
                           "FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id "
                           "WHERE t.token_hash = ? AND f.project_id = ?",
                           error);
  if (stmt == NULL)
    goto fail;
  gh_stmt_bind_text (stmt, 1, token_hash);
  gh_stmt_bind_int64 (stmt, 2, project->id);
  if (!gh_store_step (self->store, stmt, &row, error))
    goto fail;
  if (!row)
    {
      gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_GRANT, "refresh.unknown",
                            "The client holds a refresh token from another server, project or "
                            "data folder; it must sign in again",
                            "The refresh token is unknown");
      goto fail;
    }
  family_id = g_strdup (gh_stmt_column_text (stmt, 0));
  flow_id = g_strdup (gh_stmt_column_text (stmt, 10));
  g_free (step->flow_id);
  step->flow_id = g_strdup (flow_id);
  generation = sqlite3_column_int64 (stmt, 11);
  latest_generation = sqlite3_column_int64 (stmt, 14);
  json_object_set_int_member (step->params, "generation", generation);
  if (g_strcmp0 (gh_stmt_column_text (stmt, 1), client->client_id) != 0)
    {
      JsonObject *explain = gh_explain_new ("refresh.client_differs", "The refresh token was "
                                            "issued to another client");

      gh_explain_set_expected (explain, gh_stmt_column_text (stmt, 1));
      gh_explain_set_actual (explain, client->client_id);
      gh_explain_set_hint (explain, "A refresh token is bound to the client it was issued to");
      gh_oauth_refuse_with (error, GH_OAUTH_ERROR_INVALID_GRANT, explain);
      goto fail;
    }
  if (sqlite3_column_type (stmt, 6) != SQLITE_NULL)
    {
      JsonObject *explain = gh_explain_new ("refresh.revoked", "The refresh token has been "
                                            "revoked");

      json_object_set_string_member (explain, "reason", gh_stmt_column_text (stmt, 13));
      json_object_set_int_member (explain, "revoked_at", sqlite3_column_int64 (stmt, 6));
      gh_explain_set_hint (explain, "Its family was revoked (by the client, a reuse, a code "
                           "replay or the client's deletion): the user signs in again");
      gh_oauth_refuse_with (error, GH_OAUTH_ERROR_INVALID_GRANT, explain);
      goto fail;
    }
  if (sqlite3_column_int64 (stmt, 7) <= now)
    {
      JsonObject *explain = gh_explain_new ("refresh.expired", "The refresh token has expired");

      json_object_set_int_member (explain, "expired_seconds_ago",
                                  now - sqlite3_column_int64 (stmt, 7));
      gh_explain_set_hint (explain, "A refresh token lives refresh_token_ttl seconds: the user "
                           "signs in again");
      gh_oauth_refuse_with (error, GH_OAUTH_ERROR_INVALID_GRANT, explain);
      goto fail;
    }

  if (sqlite3_column_type (stmt, 8) != SQLITE_NULL)
    {
      gint64 rotated_at = sqlite3_column_int64 (stmt, 8);
      gint64 rotated_at_us = sqlite3_column_type (stmt, 12) != SQLITE_NULL
                             ? sqlite3_column_int64 (stmt, 12) : rotated_at * G_USEC_PER_SEC;
      gboolean grace_used = sqlite3_column_int (stmt, 9) != 0;
      gint64 grace = project->settings->refresh_grace_seconds;

      gh_stmt_reset (g_steal_pointer (&stmt));
      if (grace > 0 && now - rotated_at <= grace && !grace_used)
        {
          /* A client refreshing twice at once: the second use passes, once, in the window. */
          if (!mark_refresh_token (self, "UPDATE refresh_tokens SET grace_used = 1, "
                                   "grace_used_at_us = ? WHERE token_hash = ?", token_hash,
                                   error))
            goto fail;
        }
      else
        {
          g_autoptr(JsonObject) details = NULL;
          g_autoptr(GError) reused = NULL;
          gint64 ms = (g_get_real_time () - rotated_at_us) / 1000;
          JsonObject *explain = gh_explain_new ("refresh.reuse", "The refresh token of "
                                                "generation %" G_GINT64_FORMAT " was used again "
                                                "%" G_GINT64_FORMAT " ms after its rotation "
                                                "(grace window %" G_GINT64_FORMAT " ms)%s",
                                                generation, ms, grace * 1000,
                                                grace_used ? ", and the window was used once "
                                                             "already" : "");

          json_object_set_int_member (explain, "generation", generation);
          json_object_set_int_member (explain, "latest_generation", latest_generation);
          json_object_set_int_member (explain, "ms_since_rotation", MAX (ms, 0));
          json_object_set_int_member (explain, "grace_ms", grace * 1000);
          json_object_set_boolean_member (explain, "grace_used", grace_used);
          json_object_set_string_member (explain, "family", family_id);
          gh_explain_set_hint (explain, grace == 0
                               ? "Two refreshes with one token (a client refreshing "
                                 "concurrently) revoke the family; refresh_grace_seconds "
                                 "allows one reuse in a window"
                               : "The token was used again after the grace window, or twice "
                                 "in it: someone holds a copy, or the client refreshes "
                                 "concurrently");
          if (grace == 0)
            gh_explain_set_fix (explain, "set_setting", "key", "refresh_grace_seconds",
                                "value", "5", NULL);
          gh_oauth_refuse_explained (&reused, GH_OAUTH_ERROR_INVALID_GRANT, explain,
                                     "The refresh token was already used (rotated); "
                                     "every token of its family is revoked");

          /* Reuse of a rotated token: someone holds a copy. The whole family goes; its lineage
           * shows which generation was replayed, and when. */
          if (!revoke_by (self, REVOKE_FAMILY, family_id, "refresh_token_reused", error) ||
              !mark_refresh_token (self, "UPDATE refresh_tokens SET reused_at_us = ? "
                                   "WHERE token_hash = ?", token_hash, error))
            goto fail;
          details = gh_audit_refusal_details (reused);
          json_object_set_object_member (details, "step",
                                         gh_flow_step_to_json (step,
                                                               gh_error_http_status (reused),
                                                               reused));
          json_object_set_int_member (details, "generation", generation);
          json_object_set_string_member (details, "family", family_id);
          json_object_set_int_member (details, "rotated_seconds_ago", now - rotated_at);
          json_object_set_int_member (details, "grace_seconds", grace);
          gh_audit_record_event (self->audit, &(GhAuditEvent) {
                                 .project_id = project->id, .project_slug = project->slug,
                                 .type = GH_AUDIT_EVENT_REFRESH_TOKEN_REUSE_DETECTED,
                                 .outcome = GH_AUDIT_FAILURE, .actor = client->client_id,
                                 .client_id = client->client_id, .flow_id = flow_id,
                                 .details = details }, error);
          if (error != NULL && *error != NULL)
            goto fail;
          if (!gh_store_commit (self->store, error))
            return NULL;
          g_propagate_error (error, g_steal_pointer (&reused));
          return NULL;
        }
      /* The columns are read again below. */
      stmt = gh_store_prepare (self->store,
                               "SELECT f.id, f.client_id, f.user_id, f.scopes, f.resources, "
                               "f.auth_time FROM refresh_families f WHERE f.id = ?", error);
      if (stmt == NULL)
        goto fail;
      gh_stmt_bind_text (stmt, 1, family_id);
      if (!gh_store_step (self->store, stmt, &row, error) || !row)
        goto fail;
    }
  else
    {
      g_autoptr(GhStmt) rotate = gh_store_prepare (self->store,
                                                   "UPDATE refresh_tokens SET rotated_at = ?, "
                                                   "rotated_at_us = ? WHERE token_hash = ?",
                                                   error);
      if (rotate == NULL)
        goto fail;
      gh_stmt_bind_int64 (rotate, 1, now);
      gh_stmt_bind_int64 (rotate, 2, g_get_real_time ());
      gh_stmt_bind_text (rotate, 3, token_hash);
      if (!gh_store_step (self->store, rotate, NULL, error))
        goto fail;
    }

  user_id = sqlite3_column_int64 (stmt, 2);
  family_scopes = gh_strv_from_json_text (gh_stmt_column_text (stmt, 3));
  granted = gh_strv_from_json_text (gh_stmt_column_text (stmt, 4));
  auth_time = sqlite3_column_int64 (stmt, 5);
  gh_stmt_reset (g_steal_pointer (&stmt));

  /* Narrowing only (RFC 6749 §6). */
  if (scope != NULL)
    {
      g_auto(GStrv) requested = g_strsplit (scope, " ", -1);
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      for (guint i = 0; requested[i] != NULL; i++)
        {
          if (*requested[i] == '\0')
            continue;
          if (!scope_has (family_scopes, requested[i]))
            {
              JsonObject *explain = gh_explain_new ("refresh.scope_widened", "The scope “%s” "
                                                    "was not granted; a refresh can only "
                                                    "narrow the scope", requested[i]);

              gh_explain_take_expected (explain,
                                        json_node_init_array (json_node_alloc (),
                                                              gh_json_array_from_strv (
                                                                family_scopes)));
              gh_explain_set_actual (explain, requested[i]);
              gh_explain_set_hint (explain, "A wider scope needs a new authorization request");
              gh_oauth_refuse_with (error, GH_OAUTH_ERROR_INVALID_SCOPE, explain);
              goto fail;
            }
          g_strv_builder_add (builder, requested[i]);
        }
      scopes = g_strv_builder_end (builder);
    }
  else
    scopes = g_strdupv (family_scopes);

  audience = choose_audience (self, project, issuer, granted, gh_form_get_all (form, "resource"),
                              scopes, &token_scopes, error);
  if (audience == NULL)
    goto fail;

  user = gh_users_get_by_id (self->users, user_id, error);
  if (user == NULL)
    goto fail;

  {
    Grant grant = {
      .project = project, .issuer = issuer, .client = client, .user = user,
      .scopes = token_scopes,
      .audience = audience, .family_id = family_id, .family_resources = granted,
      .code_hash = NULL, .nonce = NULL, .flow_id = flow_id, .auth_time = auth_time,
      .generation = latest_generation + 1, .step = step,
      .requested_resources = gh_form_get_all (form, "resource"), .requested_scope = scope,
      .parent_hash = token_hash,
    };
    response = issue (self, &grant, error);
    if (response == NULL)
      goto fail;
  }

  if (!gh_store_commit (self->store, error))
    return NULL;
  return g_steal_pointer (&response);

fail:
  gh_stmt_reset (g_steal_pointer (&stmt));
  gh_store_rollback (self->store);
  return NULL;
}

static GhJwk *
lookup_key (const char *kid,
            GhJwsAlg    alg,
            gpointer    user_data)
{
  GhTokens *self = user_data;

  return gh_signing_keys_lookup (self->keys, kid);
}

static gboolean
audience_acceptable (GhTokens         *self,
                     const GhProject  *project,
                     const char       *issuer,
                     JsonNode         *aud)
{
  g_autoptr(GPtrArray) resources = NULL;
  g_autoptr(GPtrArray) values = g_ptr_array_new ();

  if (aud == NULL)
    return FALSE;
  if (JSON_NODE_HOLDS_VALUE (aud) && json_node_get_value_type (aud) == G_TYPE_STRING)
    g_ptr_array_add (values, (gpointer) json_node_get_string (aud));
  else if (JSON_NODE_HOLDS_ARRAY (aud))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (aud)); i++)
      {
        JsonNode *item = json_array_get_element (json_node_get_array (aud), i);
        if (JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING)
          g_ptr_array_add (values, (gpointer) json_node_get_string (item));
      }

  resources = gh_resources_list (self->resources, project->id, NULL);
  for (guint i = 0; i < values->len; i++)
    {
      const char *value = g_ptr_array_index (values, i);

      if (g_str_equal (value, issuer))
        return TRUE;
      for (guint j = 0; resources != NULL && j < resources->len; j++)
        {
          GhResource *resource = g_ptr_array_index (resources, j);
          if (g_str_equal (value, resource->audience) || g_str_equal (value, resource->uri))
            return TRUE;
        }
    }
  return FALSE;
}

JsonObject *
gh_tokens_verify_access_token (GhTokens         *self,
                               const GhProject  *project,
                               const char       *issuer,
                               const char       *token,
                               GError          **error)
{
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GhStmt) stmt = NULL;
  g_autofree char *token_hash = NULL;
  const char *typ;
  const char *jti;
  gint64 now = gh_now_seconds ();
  GhStoreStamp stamp;
  JsonObject *cached;
  gboolean row;

  if (token == NULL || *token == '\0')
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_TOKEN, "token.invalid",
                                 TOKEN_HINT, "No token"), NULL;

  /* The same token verified before, with nothing written since: only time can have changed. */
  stamp = gh_store_get_stamp (self->store);
  if (!gh_store_stamp_equal (&stamp, &self->verified_stamp))
    {
      g_hash_table_remove_all (self->verified);
      self->verified_stamp = stamp;
    }
  token_hash = gh_sha256_base64url (token);
  cached = g_hash_table_lookup (self->verified, token_hash);
  if (cached != NULL)
    {
      if (json_object_get_int_member_with_default (cached, "exp", 0) <= now)
        return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_TOKEN, "token.invalid",
                                 TOKEN_HINT, "The token has expired"), NULL;
      if (g_strcmp0 (json_object_get_string_member_with_default (cached, "iss", NULL), issuer) == 0)
        return json_object_ref (cached);
    }

  if (!gh_jws_verify_compact (token, lookup_key, self, &header, &payload, &local_error))
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_TOKEN, "token.invalid",
                                 TOKEN_HINT,
                            "The token's signature does not verify: %s",
                            local_error->message), NULL;

  /* RFC 9068 §4: the type tells an access token from an ID token signed by the same key. */
  typ = json_object_get_string_member_with_default (header, "typ", NULL);
  if (typ == NULL || (g_ascii_strcasecmp (typ, "at+jwt") != 0 &&
                      g_ascii_strcasecmp (typ, "application/at+jwt") != 0))
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_TOKEN, "token.invalid",
                                 TOKEN_HINT, "The token is not an access token "
                            "(typ is not at+jwt)"), NULL;

  claims = gh_jws_parse_json_object (payload, &local_error);
  if (claims == NULL)
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_TOKEN, "token.invalid",
                                 TOKEN_HINT,
                            "The token's claims are not a JSON object"),
           NULL;
  if (g_strcmp0 (json_object_get_string_member_with_default (claims, "iss", NULL), issuer) != 0)
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_TOKEN, "token.invalid",
                                 TOKEN_HINT,
                            "The token was issued by another issuer"),
           NULL;
  if (json_object_get_int_member_with_default (claims, "exp", 0) <= now)
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_TOKEN, "token.invalid",
                                 TOKEN_HINT, "The token has expired"), NULL;
  if (json_object_get_int_member_with_default (claims, "iat", G_MAXINT64) > now + SKEW_SECONDS)
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_TOKEN, "token.invalid",
                                 TOKEN_HINT,
                            "The token was issued in the future"), NULL;
  if (!audience_acceptable (self, project, issuer, json_object_get_member (claims, "aud")))
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_TOKEN, "token.invalid",
                                 TOKEN_HINT,
                            "The token's audience is not a resource of this project"), NULL;

  jti = json_object_get_string_member_with_default (claims, "jti", NULL);
  stmt = gh_store_prepare (self->store,
                           "SELECT t.revoked_at, f.revoked_at FROM access_tokens t "
                           "LEFT JOIN refresh_families f ON f.id = t.family_id "
                           "WHERE t.jti = ? AND t.project_id = ?",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_text (stmt, 1, jti);
  gh_stmt_bind_int64 (stmt, 2, project->id);
  if (!gh_store_step (self->store, stmt, &row, error))
    return NULL;
  if (!row)
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_TOKEN, "token.invalid",
                                 TOKEN_HINT,
                            "The token is unknown to this project"), NULL;
  if (sqlite3_column_type (stmt, 0) != SQLITE_NULL || sqlite3_column_type (stmt, 1) != SQLITE_NULL)
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_TOKEN, "token.invalid",
                                 TOKEN_HINT,
                            "The token has been revoked"), NULL;

  if (stamp.data_version >= 0)
    {
      if (g_hash_table_size (self->verified) >= MAX_VERIFIED)
        g_hash_table_remove_all (self->verified);
      g_hash_table_insert (self->verified, g_steal_pointer (&token_hash), json_object_ref (claims));
    }
  return g_steal_pointer (&claims);
}

static JsonObject *introspect (GhTokens        *self,
                               const GhProject *project,
                               const char      *issuer,
                               const char      *token);

JsonObject *
gh_tokens_introspect (GhTokens         *self,
                      const GhProject  *project,
                      const char       *issuer,
                      const GhClient   *client,
                      const char       *token,
                      const char       *source,
                      const char       *user_agent)
{
  g_autoptr(JsonObject) result = introspect (self, project, issuer, token);
  g_autoptr(JsonObject) details = json_object_new ();
  const char *client_id = client != NULL ? client->client_id : NULL;
  gboolean active = json_object_get_boolean_member (result, "active");

  /* Never the token: whether it was active, its type, and whose it is. */
  json_object_set_boolean_member (details, "active", active);
  json_object_set_string_member (details, "token_type",
                                 json_object_get_string_member_with_default (result, "token_type",
                                                                             NULL));
  if (active)
    {
      json_object_set_string_member (details, "token_client_id",
                                     json_object_get_string_member_with_default (result,
                                                                                 "client_id",
                                                                                 NULL));
      json_object_set_string_member (details, "jti",
                                     json_object_get_string_member_with_default (result, "jti",
                                                                                 NULL));
    }
  gh_audit_record_event (self->audit, &(GhAuditEvent) {
                         .project_id = project->id, .project_slug = project->slug,
                         .type = GH_AUDIT_EVENT_TOKEN_INTROSPECTED, .outcome = GH_AUDIT_INFO,
                         .actor = client_id, .client_id = client_id,
                         .user_id = active ? json_object_get_string_member_with_default (
                                               result, "sub", NULL) : NULL,
                         .details = details, .source = source, .user_agent = user_agent },
                         NULL);
  return g_steal_pointer (&result);
}

static JsonObject *
introspect (GhTokens        *self,
            const GhProject *project,
            const char      *issuer,
            const char      *token)
{
  g_autoptr(JsonObject) result = json_object_new ();
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(GhStmt) stmt = NULL;
  g_autofree char *hash = NULL;
  gboolean row;

  json_object_set_boolean_member (result, "active", FALSE);
  if (token == NULL)
    return g_steal_pointer (&result);

  claims = gh_tokens_verify_access_token (self, project, issuer, token, NULL);
  if (claims != NULL)
    {
      static const char * const members[] = {
        "scope", "client_id", "sub", "aud", "iss", "exp", "iat", "jti", "auth_time",
      };
      json_object_set_boolean_member (result, "active", TRUE);
      for (guint i = 0; i < G_N_ELEMENTS (members); i++)
        if (json_object_has_member (claims, members[i]))
          json_object_set_member (result, members[i],
                                  json_node_copy (json_object_get_member (claims, members[i])));
      json_object_set_string_member (result, "token_type", "Bearer");
      json_object_set_string_member (result, "username",
                                     json_object_get_string_member (claims, "sub"));
      return g_steal_pointer (&result);
    }

  /* A refresh token: active until rotated, revoked or expired. */
  hash = gh_sha256_base64url (token);
  stmt = gh_store_prepare (self->store,
                           "SELECT f.client_id, u.username, f.scopes, t.created_at, t.expires_at "
                           "FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id "
                           "JOIN users u ON u.id = f.user_id "
                           "WHERE t.token_hash = ? AND f.project_id = ? AND f.revoked_at IS NULL "
                           "AND t.rotated_at IS NULL AND t.expires_at > ?",
                           NULL);
  if (stmt == NULL)
    return g_steal_pointer (&result);
  gh_stmt_bind_text (stmt, 1, hash);
  gh_stmt_bind_int64 (stmt, 2, project->id);
  gh_stmt_bind_int64 (stmt, 3, gh_now_seconds ());
  if (gh_store_step (self->store, stmt, &row, NULL) && row)
    {
      g_auto(GStrv) scopes = gh_strv_from_json_text (gh_stmt_column_text (stmt, 2));
      g_autofree char *scope = g_strjoinv (" ", scopes);

      json_object_set_boolean_member (result, "active", TRUE);
      json_object_set_string_member (result, "token_type", "refresh_token");
      json_object_set_string_member (result, "client_id", gh_stmt_column_text (stmt, 0));
      json_object_set_string_member (result, "sub", gh_stmt_column_text (stmt, 1));
      json_object_set_string_member (result, "username", gh_stmt_column_text (stmt, 1));
      json_object_set_string_member (result, "scope", scope);
      json_object_set_string_member (result, "iss", issuer);
      json_object_set_int_member (result, "iat", sqlite3_column_int64 (stmt, 3));
      json_object_set_int_member (result, "exp", sqlite3_column_int64 (stmt, 4));
    }
  return g_steal_pointer (&result);
}

gboolean
gh_tokens_revoke (GhTokens         *self,
                  const GhProject  *project,
                  const char       *issuer,
                  const GhClient   *client,
                  const char       *token,
                  GError          **error)
{
  g_autofree char *hash = gh_sha256_base64url (token);
  g_autofree char *family_id = NULL;
  g_autofree char *flow_id = NULL;
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(JsonObject) details = json_object_new ();
  gboolean row;

  if (!gh_store_begin (self->store, error))
    return FALSE;

  stmt = gh_store_prepare (self->store,
                           "SELECT f.id, f.flow_id FROM refresh_tokens t JOIN refresh_families f "
                           "ON f.id = t.family_id WHERE t.token_hash = ? AND f.project_id = ? "
                           "AND f.client_id = ?",
                           error);
  if (stmt == NULL)
    goto fail;
  gh_stmt_bind_text (stmt, 1, hash);
  gh_stmt_bind_int64 (stmt, 2, project->id);
  gh_stmt_bind_text (stmt, 3, client->client_id);
  if (!gh_store_step (self->store, stmt, &row, error))
    goto fail;
  if (row)
    {
      family_id = g_strdup (gh_stmt_column_text (stmt, 0));
      flow_id = g_strdup (gh_stmt_column_text (stmt, 1));
    }
  gh_stmt_reset (g_steal_pointer (&stmt));

  if (family_id != NULL)
    {
      if (!revoke_by (self, REVOKE_FAMILY, family_id, "revoked", error))
        goto fail;
      json_object_set_string_member (details, "token_type", "refresh_token");
      json_object_set_string_member (details, "family", family_id);
    }
  else if (gh_jws_verify_compact (token, lookup_key, self, &header, &payload, NULL))
    {
      g_autoptr(JsonObject) claims = gh_jws_parse_json_object (payload, NULL);
      const char *jti;

      /* Only the client a token was issued to may revoke it; anything else is ignored. */
      if (claims == NULL ||
          g_strcmp0 (json_object_get_string_member_with_default (claims, "client_id", NULL),
                     client->client_id) != 0 ||
          (jti = json_object_get_string_member_with_default (claims, "jti", NULL)) == NULL)
        goto done;
      stmt = gh_store_prepare (self->store,
                               "UPDATE access_tokens SET revoked_at = ? WHERE jti = ? "
                               "AND project_id = ? AND revoked_at IS NULL", error);
      if (stmt == NULL)
        goto fail;
      gh_stmt_bind_int64 (stmt, 1, gh_now_seconds ());
      gh_stmt_bind_text (stmt, 2, jti);
      gh_stmt_bind_int64 (stmt, 3, project->id);
      if (!gh_store_step (self->store, stmt, NULL, error))
        goto fail;
      json_object_set_string_member (details, "token_type", "access_token");
      json_object_set_string_member (details, "jti", jti);
    }
  else
    goto done;

  gh_audit_record_event (self->audit, &(GhAuditEvent) {
                         .project_id = project->id, .project_slug = project->slug,
                         .type = GH_AUDIT_EVENT_TOKEN_REVOKED, .outcome = GH_AUDIT_SUCCESS,
                         .actor = client->client_id, .client_id = client->client_id,
                         .flow_id = flow_id, .details = details }, error);
  if (error != NULL && *error != NULL)
    goto fail;

done:
  return gh_store_commit (self->store, error);

fail:
  gh_store_rollback (self->store);
  return FALSE;
}

gboolean
gh_tokens_revoke_family (GhTokens         *self,
                         const GhProject  *project,
                         const char       *family_id,
                         const char       *actor,
                         GError          **error)
{
  g_autoptr(JsonObject) details = json_object_new ();
  g_autoptr(GhStmt) stmt = NULL;
  g_autofree char *client_id = NULL;
  g_autofree char *username = NULL;
  g_autofree char *flow_id = NULL;
  gboolean revoked, row;

  if (!gh_store_begin (self->store, error))
    return FALSE;
  stmt = gh_store_prepare (self->store,
                           "SELECT f.client_id, u.username, f.flow_id, f.revoked_at "
                           "FROM refresh_families f JOIN users u ON u.id = f.user_id "
                           "WHERE f.id = ? AND f.project_id = ?", error);
  if (stmt == NULL)
    goto fail;
  gh_stmt_bind_text (stmt, 1, family_id);
  gh_stmt_bind_int64 (stmt, 2, project->id);
  if (!gh_store_step (self->store, stmt, &row, error))
    goto fail;
  if (!row)
    {
      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND,
                   "No refresh family with this id in project %s", project->slug);
      goto fail;
    }
  client_id = g_strdup (gh_stmt_column_text (stmt, 0));
  username = g_strdup (gh_stmt_column_text (stmt, 1));
  flow_id = g_strdup (gh_stmt_column_text (stmt, 2));
  revoked = sqlite3_column_type (stmt, 3) != SQLITE_NULL;
  gh_stmt_reset (g_steal_pointer (&stmt));
  /* Revoked already (by a reuse, the client, an administrator): nothing changes. */
  if (revoked)
    return gh_store_commit (self->store, error);
  if (!revoke_by (self, REVOKE_FAMILY, family_id, "revoked_by_admin", error))
    goto fail;
  json_object_set_string_member (details, "token_type", "refresh_token");
  json_object_set_string_member (details, "family", family_id);
  json_object_set_string_member (details, "reason", "revoked_by_admin");
  gh_audit_record_event (self->audit, &(GhAuditEvent) {
                         .project_id = project->id, .project_slug = project->slug,
                         .type = GH_AUDIT_EVENT_TOKEN_REVOKED, .outcome = GH_AUDIT_SUCCESS,
                         .actor = actor, .client_id = client_id, .user_id = username,
                         .flow_id = flow_id, .details = details }, error);
  if (error != NULL && *error != NULL)
    goto fail;
  return gh_store_commit (self->store, error);

fail:
  gh_store_rollback (self->store);
  return FALSE;
}

JsonObject *
gh_tokens_userinfo (GhTokens         *self,
                    const GhProject  *project,
                    JsonObject       *access_claims,
                    GError          **error)
{
  g_autoptr(GhUser) user = NULL;
  g_auto(GStrv) scopes = g_strsplit (json_object_get_string_member_with_default (access_claims,
                                                                                "scope", ""),
                                     " ", -1);
  JsonObject *claims;

  if (!scope_has (scopes, "openid"))
    {
      JsonObject *explain = gh_explain_new ("token.insufficient_scope",
                                            "/userinfo needs a token with the openid scope");

      gh_explain_set_expected (explain, "openid");
      gh_explain_set_actual (explain,
                             json_object_get_string_member_with_default (access_claims, "scope",
                                                                         ""));
      gh_explain_set_hint (explain, "Ask for the openid scope at /authorize to call /userinfo");
      return gh_oauth_refuse_with (error, GH_OAUTH_ERROR_INSUFFICIENT_SCOPE, explain), NULL;
    }
  user = gh_users_get (self->users, project->id,
                       json_object_get_string_member (access_claims, "sub"), NULL);
  if (user == NULL)
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_TOKEN, "token.invalid",
                                 TOKEN_HINT,
                            "The token's user no longer exists"), NULL;

  claims = json_object_new ();
  json_object_set_string_member (claims, "sub", user->username);
  add_user_claims (claims, user, scopes);
  return claims;
}
