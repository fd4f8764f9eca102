/* gh-authorization.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-oauth"

#include "config.h"

#include <string.h>

#include "gh-authorization.h"
#include "gh-cimd-policy.h"
#include "gh-crypto.h"
#include "gh-error.h"
#include "gh-json.h"
#include "gh-scopes.h"
#include "gh-time.h"

#define REQUEST_LIFETIME (10 * 60)
#define SESSION_LIFETIME (12 * 60 * 60)

struct _GhAuthorization
{
  GObject parent_instance;

  GhStore *store;
  GhAudit *audit;
  GhClients *clients;
  GhUsers *users;
  GhResources *resources;
};

G_DEFINE_FINAL_TYPE (GhAuthorization, gh_authorization, G_TYPE_OBJECT)

void
gh_auth_params_free (GhAuthParams *params)
{
  if (params == NULL)
    return;
  g_free (params->flow_id);
  g_free (params->client_id);
  g_clear_pointer (&params->client, gh_client_free);
  g_free (params->redirect_uri);
  g_free (params->state);
  g_strfreev (params->scopes);
  g_strfreev (params->resources);
  g_free (params->code_challenge);
  g_free (params->nonce);
  g_free (params);
}

void
gh_auth_request_free (GhAuthRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->id);
  g_free (request->csrf_token);
  g_clear_pointer (&request->params, gh_auth_params_free);
  g_free (request);
}

static void
gh_authorization_dispose (GObject *object)
{
  GhAuthorization *self = (GhAuthorization *) object;

  g_clear_object (&self->store);
  g_clear_object (&self->audit);
  g_clear_object (&self->clients);
  g_clear_object (&self->users);
  g_clear_object (&self->resources);

  G_OBJECT_CLASS (gh_authorization_parent_class)->dispose (object);
}

static void
gh_authorization_class_init (GhAuthorizationClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = gh_authorization_dispose;
}

static void
gh_authorization_init (GhAuthorization *self)
{
}

GhAuthorization *
gh_authorization_new (GhStore     *store,
                      GhAudit     *audit,
                      GhClients   *clients,
                      GhUsers     *users,
                      GhResources *resources)
{
  GhAuthorization *self = g_object_new (GH_TYPE_AUTHORIZATION, NULL);

  self->store = g_object_ref (store);
  self->audit = g_object_ref (audit);
  self->clients = g_object_ref (clients);
  self->users = g_object_ref (users);
  self->resources = g_object_ref (resources);
  return self;
}

char *
gh_authorization_new_flow_id (void)
{
  g_autofree char *random = gh_random_token (12);

  return g_strconcat ("flow_", random, NULL);
}

/* RFC 7636 §4.2: the S256 challenge is BASE64URL(SHA256(verifier)): 43 characters. */
static gboolean
is_s256_challenge (const char *challenge)
{
  if (strlen (challenge) != 43)
    return FALSE;
  for (const char *p = challenge; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

static char **
split_words (const char *text)
{
  g_auto(GStrv) words = g_strsplit (text != NULL ? text : "", " ", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; words[i] != NULL; i++)
    if (*words[i] != '\0' && g_hash_table_add (seen, words[i]))
      g_strv_builder_add (builder, words[i]);
  return g_strv_builder_end (builder);
}

/* Whether one of the resources the request names defines @scope: a listed resource by its
 * scopes; one not listed (accepted under resource_policy=open, recorded or not) accepts any
 * scope, and defines none: a token for it carries the granted scopes that no listed resource
 * of the request defines. */
static gboolean
defined_by_resources (GPtrArray  *resources,
                      const char *scope)
{
  for (guint i = 0; i < resources->len; i++)
    {
      GhResource *resource = g_ptr_array_index (resources, i);

      if (!gh_resource_is_listed (resource))
        return TRUE;
      if (g_strv_contains ((const char * const *) resource->scopes, scope))
        return TRUE;
    }
  return FALSE;
}

/* The scope rule, once the resources are known: a scope is granted only if it is standard
 * or defined by a resource the request names, and, when the client registered a scope,
 * within it. One exception: offline_access, which MCP clients add on their own (mcp-remote
 * does; MCP 2026-07-28 lets a client ask for it when discovery lists it). Without a scope
 * parameter, the registered scopes that pass are the default. error_description never
 * echoes an invalid token and stays within RFC 6749 §4.1.2.1's characters. */
static gboolean
check_scopes (GhAuthorization  *self,
              const GhProject  *project,
              GhAuthParams     *params,
              const char       *requested,
              GError          **error)
{
  g_auto(GStrv) client_scopes = params->client->scope != NULL ? split_words (params->client->scope)
                                                             : NULL;
  g_autoptr(GPtrArray) resources = NULL;
  g_autoptr(GStrvBuilder) granted = g_strv_builder_new ();
  g_auto(GStrv) asked = NULL;

  resources = gh_resources_find_named (self->resources, project->id,
                                       (const char * const *) params->resources, error);
  if (resources == NULL)
    return FALSE;

  asked = split_words (requested != NULL ? requested : params->client->scope);
  for (guint i = 0; asked[i] != NULL; i++)
    {
      const char *scope = asked[i];

      if (!gh_scope_is_token (scope))
        return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_SCOPE,
                                "A requested scope is not a valid scope token (RFC 6749 section "
                                "3.3: visible ASCII characters except the double quote and the "
                                "backslash)");
      if (g_str_equal (scope, "offline_access"))
        {
          g_strv_builder_add (granted, scope);
          continue;
        }
      if (!gh_scope_is_standard (scope) && params->resources[0] == NULL)
        {
          if (requested == NULL)
            continue;  /* a registered default that no named resource defines */
          return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_SCOPE,
                                  "The scope '%s' is not a standard scope, and the request names "
                                  "no resource that could define it (add resource=...)", scope);
        }
      else if (!gh_scope_is_standard (scope) && !defined_by_resources (resources, scope))
        {
          g_autofree char *uris = g_strjoinv (", ", params->resources);
          g_autofree char *printable = gh_scopes_printable (uris);

          if (requested == NULL)
            continue;
          return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_SCOPE,
                                  "The scope '%s' is not defined by any resource the request "
                                  "names (%s)", scope, printable);
        }
      if (client_scopes != NULL &&
          !g_strv_contains ((const char * const *) client_scopes, scope))
        {
          g_autofree char *printable = gh_scopes_printable (params->client->scope);

          return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_SCOPE,
                                  "The scope '%s' is not among the scopes this client registered "
                                  "(%s)", scope, printable);
        }
      g_strv_builder_add (granted, scope);
    }
  params->scopes = g_strv_builder_end (granted);
  return TRUE;
}

static gboolean
check_resources (GhAuthorization  *self,
                 const GhProject  *project,
                 GhAuthParams     *params,
                 GhForm           *form,
                 GError          **error)
{
  const char * const *values = gh_form_get_all (form, "resource");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; values[i] != NULL; i++)
    {
      g_autofree char *canonical = gh_resource_canonicalize (values[i], error);

      if (canonical == NULL)
        return FALSE;
      if (project->settings->resource_policy == GH_RESOURCE_POLICY_LISTED)
        {
          g_autoptr(GError) local_error = NULL;
          g_autoptr(GhResource) resource = gh_resources_find (self->resources, project->id,
                                                              canonical, &local_error);
          g_autofree char *printable = gh_scopes_printable (canonical);

          /* One recorded under open is not listed until an administrator adds it. */
          if (resource == NULL && !g_error_matches (local_error, GH_STORE_ERROR,
                                                    GH_STORE_ERROR_NOT_FOUND))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          if (resource == NULL || !gh_resource_is_listed (resource))
            return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_TARGET,
                                    "The resource '%s' is not one this project serves "
                                    "(resource_policy is listed)", printable);
        }
      if (g_hash_table_add (seen, g_strdup (canonical)))
        g_strv_builder_add (builder, canonical);
    }
  params->resources = g_strv_builder_end (builder);
  return TRUE;
}

static gboolean
check_prompt (GhAuthParams  *params,
              const char    *prompt,
              GError       **error)
{
  g_auto(GStrv) values = split_words (prompt);

  for (guint i = 0; values[i] != NULL; i++)
    {
      if (g_str_equal (values[i], "none"))
        params->prompt_none = TRUE;
      else if (g_str_equal (values[i], "login"))
        params->prompt_login = TRUE;
      else if (g_str_equal (values[i], "consent"))
        params->prompt_consent = TRUE;
      else if (g_str_equal (values[i], "select_account"))
        params->prompt_login = TRUE;  /* the login page is where a user is chosen */
      else
        return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                                "prompt “%s” is not supported "
                                "(none, login, consent, select_account)",
                                values[i]);
    }
  if (params->prompt_none && g_strv_length (values) > 1)
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                            "prompt=none cannot be combined with other values");
  return TRUE;
}

/* A registered redirect URI still has to pass the project's rules as they are now: an
 * administrator may have removed its custom scheme from redirect_schemes since. */
static gboolean
check_redirect_still_allowed (const GhProject  *project,
                              const char       *redirect_uri,
                              GError          **error)
{
  g_autoptr(GError) local_error = NULL;

  if (gh_redirect_uri_check (redirect_uri, project->settings, &local_error))
    return TRUE;
  return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                          "%s; it was registered, but this project no longer allows it",
                          local_error->message);
}

/* Up to the redirect URI, a refusal cannot go back to the client: the caller shows it. */
static gboolean
check_client_and_redirect (GhAuthorization  *self,
                           const GhProject  *project,
                           GhForm           *form,
                           GhClient         *resolved_client,
                           GhAuthParams     *params,
                           GError          **error)
{
  g_autoptr(GhClient) resolved = resolved_client;
  g_autoptr(GError) local_error = NULL;
  const char *client_id = gh_form_get (form, "client_id");
  const char *redirect_uri = gh_form_get (form, "redirect_uri");
  guint n_redirect_uris;

  if (client_id == NULL || *client_id == '\0')
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST, "The request has no client_id");
  if (gh_form_count (form, "client_id") > 1)
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                            "client_id is given more than once");
  params->client_id = g_strdup (client_id);

  if (gh_cimd_is_url_client_id (client_id) && !project->settings->cimd_enabled)
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_CLIENT,
                            "The client_id “%s” is a URL (a Client ID Metadata Document), and "
                            "this project does not accept those (cimd_enabled is off)", client_id);

  if (resolved != NULL)
    params->client = g_steal_pointer (&resolved);
  else
    params->client = gh_clients_get (self->clients, project->id, client_id, &local_error);
  if (params->client == NULL)
    {
      if (g_error_matches (local_error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND))
        return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_CLIENT,
                                "The client “%s” is not registered in this project", client_id);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (gh_form_count (form, "redirect_uri") > 1)
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                            "redirect_uri is given more than once");
  n_redirect_uris = g_strv_length (params->client->redirect_uris);
  if (redirect_uri == NULL)
    {
      if (n_redirect_uris != 1)
        return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                                "The request has no redirect_uri, and the client registered %u, so "
                                "which one is meant is unclear", n_redirect_uris);
      if (!check_redirect_still_allowed (project, params->client->redirect_uris[0], error))
        return FALSE;
      params->redirect_uri = g_strdup (params->client->redirect_uris[0]);
      return TRUE;
    }

  for (guint i = 0; i < n_redirect_uris; i++)
    if (gh_redirect_uri_matches (params->client->redirect_uris[i], redirect_uri))
      {
        if (!check_redirect_still_allowed (project, redirect_uri, error))
          return FALSE;
        params->redirect_uri = g_strdup (redirect_uri);
        params->redirect_uri_given = TRUE;
        return TRUE;
      }

  {
    g_autofree char *registered = g_strjoinv (", ", params->client->redirect_uris);
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                            "The redirect_uri “%s” is not registered "
                            "for this client (registered: %s). It must match "
                            "exactly, except the port of http loopback URIs",
                            redirect_uri, registered);
  }
}

GhAuthParams *
gh_authorization_check (GhAuthorization  *self,
                        const GhProject  *project,
                        GhForm           *form,
                        GhClient         *resolved_client,
                        const char       *flow_id,
                        GError          **error)
{
  static const char * const may_repeat[] = { "resource", NULL };
  g_autoptr(GhAuthParams) params = g_new0 (GhAuthParams, 1);
  const char *repeated;
  const char *value;

  g_return_val_if_fail (GH_IS_AUTHORIZATION (self), NULL);

  params->flow_id = flow_id != NULL ? g_strdup (flow_id) : gh_authorization_new_flow_id ();
  params->max_age = -1;

  if (!check_client_and_redirect (self, project, form, resolved_client, params, error))
    {
      /* Not validated: never redirect there. */
      g_clear_pointer (&params->redirect_uri, g_free);
      return g_steal_pointer (&params);
    }

  /* From here on refusals go back to the client's redirect URI. */
  if (gh_form_count (form, "state") == 1)
    params->state = g_strdup (gh_form_get (form, "state"));

  if ((repeated = gh_form_find_repeated (form, may_repeat)) != NULL)
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST, "%s is given more than once",
                            repeated),
           g_steal_pointer (&params);

  if (gh_form_get (form, "request") != NULL || gh_form_get (form, "request_uri") != NULL)
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                            "Request objects (request, request_uri) are not supported"),
           g_steal_pointer (&params);

  value = gh_form_get (form, "response_type");
  if (value == NULL)
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST, "response_type is missing"),
           g_steal_pointer (&params);
  if (!g_str_equal (value, "code"))
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_UNSUPPORTED_RESPONSE_TYPE,
                            "response_type “%s” is not supported; use code", value),
           g_steal_pointer (&params);
  if (!gh_client_has_grant_type (params->client, "authorization_code"))
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_UNAUTHORIZED_CLIENT,
                            "This client did not register the authorization_code grant"),
           g_steal_pointer (&params);

  value = gh_form_get (form, "response_mode");
  if (value != NULL && !g_str_equal (value, "query"))
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                            "response_mode “%s” is not supported; use query", value),
           g_steal_pointer (&params);

  value = gh_form_get (form, "code_challenge");
  if (value == NULL)
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                            "code_challenge is missing: PKCE with S256 is required"),
           g_steal_pointer (&params);
  if (g_strcmp0 (gh_form_get (form, "code_challenge_method"), "S256") != 0)
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                            "code_challenge_method must be S256 "
                            "(plain and an absent method are refused)"),
           g_steal_pointer (&params);
  if (!is_s256_challenge (value))
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                            "code_challenge must be 43 base64url characters (an S256 hash)"),
           g_steal_pointer (&params);
  params->code_challenge = g_strdup (value);

  /* The resources first: which scopes exist depends on them. */
  if (!check_resources (self, project, params, form, error) ||
      !check_scopes (self, project, params, gh_form_get (form, "scope"), error) ||
      !check_prompt (params, gh_form_get (form, "prompt"), error))
    return g_steal_pointer (&params);

  /* OIDC Core §3.1.2.1: a sign-in older than max_age seconds is done again. */
  value = gh_form_get (form, "max_age");
  if (value != NULL &&
      !g_ascii_string_to_signed (value, 10, 0, G_MAXINT32, &params->max_age, NULL))
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                            "max_age must be a whole number of seconds"),
           g_steal_pointer (&params);

  value = gh_form_get (form, "nonce");
  if (value != NULL && strlen (value) > 512)
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                            "nonce is longer than 512 characters"),
           g_steal_pointer (&params);
  params->nonce = g_strdup (value);

  return g_steal_pointer (&params);
}

void
gh_authorization_record_refusal (GhAuthorization    *self,
                                 const GhProject    *project,
                                 const GhAuthParams *params,
                                 const char         *source,
                                 const char         *user_agent,
                                 const GError       *error,
                                 gboolean            redirected)
{
  g_autoptr(JsonObject) details = NULL;

  g_return_if_fail (!redirected || params->redirect_uri != NULL);

  details = gh_audit_refusal_details (error);
  json_object_set_boolean_member (details, "redirected", redirected);
  if (redirected)
    json_object_set_string_member (details, "redirect_uri", params->redirect_uri);
  gh_audit_record_event (self->audit, &(GhAuditEvent) {
                         .project_id = project->id, .project_slug = project->slug,
                         .type = GH_AUDIT_EVENT_AUTHORIZATION_REFUSED,
                         .outcome = GH_AUDIT_FAILURE, .actor = "server",
                         .client_id = params->client_id, .flow_id = params->flow_id,
                         .details = details, .source = source, .user_agent = user_agent },
                         NULL);
}

static JsonObject *
params_to_json (const GhAuthParams *params)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "flow_id", params->flow_id);
  json_object_set_string_member (object, "client_id", params->client_id);
  json_object_set_string_member (object, "redirect_uri", params->redirect_uri);
  json_object_set_boolean_member (object, "redirect_uri_given", params->redirect_uri_given);
  if (params->state != NULL)
    json_object_set_string_member (object, "state", params->state);
  json_object_set_array_member (object, "scopes", gh_json_array_from_strv (params->scopes));
  json_object_set_array_member (object, "resources", gh_json_array_from_strv (params->resources));
  json_object_set_string_member (object, "code_challenge", params->code_challenge);
  if (params->nonce != NULL)
    json_object_set_string_member (object, "nonce", params->nonce);
  json_object_set_boolean_member (object, "prompt_none", params->prompt_none);
  json_object_set_boolean_member (object, "prompt_login", params->prompt_login);
  json_object_set_boolean_member (object, "prompt_consent", params->prompt_consent);
  return object;
}

static char **
member_strv (JsonObject *object,
             const char *member)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  JsonArray *array = json_object_get_array_member (object, member);

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    g_strv_builder_add (builder, json_array_get_string_element (array, i));
  return g_strv_builder_end (builder);
}

static GhAuthParams *
params_from_json (JsonObject *object)
{
  GhAuthParams *params = g_new0 (GhAuthParams, 1);

  params->flow_id = g_strdup (json_object_get_string_member (object, "flow_id"));
  params->client_id = g_strdup (json_object_get_string_member (object, "client_id"));
  params->redirect_uri = g_strdup (json_object_get_string_member (object, "redirect_uri"));
  params->redirect_uri_given = json_object_get_boolean_member (object, "redirect_uri_given");
  params->state = g_strdup (json_object_get_string_member_with_default (object, "state", NULL));
  params->scopes = member_strv (object, "scopes");
  params->resources = member_strv (object, "resources");
  params->code_challenge = g_strdup (json_object_get_string_member (object, "code_challenge"));
  params->nonce = g_strdup (json_object_get_string_member_with_default (object, "nonce", NULL));
  params->prompt_none = json_object_get_boolean_member (object, "prompt_none");
  params->prompt_login = json_object_get_boolean_member (object, "prompt_login");
  params->prompt_consent = json_object_get_boolean_member (object, "prompt_consent");
  params->max_age = -1;  /* applied at /authorize; the pages that follow sign in afresh */
  return params;
}

GhAuthRequest *
gh_authorization_save_request (GhAuthorization    *self,
                               const GhProject    *project,
                               const GhAuthParams *params,
                               const char         *browser_secret,
                               GError            **error)
{
  g_autoptr(GhAuthRequest) request = g_new0 (GhAuthRequest, 1);
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(GhStmt) stmt = NULL;
  g_autofree char *params_text = NULL;
  g_autofree char *browser_hash = gh_sha256_base64url (browser_secret);
  gint64 now = gh_now_seconds ();

  request->id = gh_random_token (24);
  request->csrf_token = gh_random_token (24);
  json_node_take_object (node, params_to_json (params));
  params_text = gh_json_to_string (node, FALSE);

  if (!gh_store_begin (self->store, error))
    return NULL;
  /* Old pending requests go when new ones come. */
  {
    g_autoptr(GhStmt) purge = gh_store_prepare (self->store,
                                                "DELETE FROM authorization_requests "
                                                "WHERE expires_at < ?",
                                                error);
    if (purge == NULL)
      goto fail;
    gh_stmt_bind_int64 (purge, 1, now);
    if (!gh_store_step (self->store, purge, NULL, error))
      goto fail;
  }
  stmt = gh_store_prepare (self->store,
                           "INSERT INTO authorization_requests (id, project_id, "
                           "flow_id, client_id, params, browser_hash, csrf_token, "
                           "created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           error);
  if (stmt == NULL)
    goto fail;
  gh_stmt_bind_text (stmt, 1, request->id);
  gh_stmt_bind_int64 (stmt, 2, project->id);
  gh_stmt_bind_text (stmt, 3, params->flow_id);
  gh_stmt_bind_text (stmt, 4, params->client_id);
  gh_stmt_bind_text (stmt, 5, params_text);
  gh_stmt_bind_text (stmt, 6, browser_hash);
  gh_stmt_bind_text (stmt, 7, request->csrf_token);
  gh_stmt_bind_int64 (stmt, 8, now);
  gh_stmt_bind_int64 (stmt, 9, now + REQUEST_LIFETIME);
  if (!gh_store_step (self->store, stmt, NULL, error))
    goto fail;
  if (!gh_store_commit (self->store, error))
    return NULL;
  return g_steal_pointer (&request);

fail:
  gh_store_rollback (self->store);
  return NULL;
}

GhAuthRequest *
gh_authorization_load_request (GhAuthorization  *self,
                               const GhProject  *project,
                               const char       *request_id,
                               const char       *browser_secret,
                               GError          **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(GhAuthRequest) request = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *browser_hash = NULL;
  gboolean row;

  if (request_id == NULL)
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                            "The sign-in request is missing"), NULL;

  stmt = gh_store_prepare (self->store,
                           "SELECT id, params, browser_hash, csrf_token, user_id, auth_time, "
                           "expires_at FROM authorization_requests WHERE id = ? AND project_id = ?",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_text (stmt, 1, request_id);
  gh_stmt_bind_int64 (stmt, 2, project->id);
  if (!gh_store_step (self->store, stmt, &row, error))
    return NULL;
  if (!row || sqlite3_column_int64 (stmt, 6) < gh_now_seconds ())
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                            "This sign-in request is unknown, finished or "
                            "expired; start again from the application"), NULL;

  /* Bound to the browser that started it: a link sent to someone else does nothing. */
  browser_hash = browser_secret != NULL ? gh_sha256_base64url (browser_secret) : NULL;
  if (!gh_constant_time_equal (browser_hash, gh_stmt_column_text (stmt, 2)))
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_FORBIDDEN,
                            "This sign-in request was started in another browser (or its "
                            "cookie was blocked); start again from the application"), NULL;

  if (!json_parser_load_from_data (parser, gh_stmt_column_text (stmt, 1), -1, error))
    return NULL;

  request = g_new0 (GhAuthRequest, 1);
  request->id = g_strdup (gh_stmt_column_text (stmt, 0));
  request->csrf_token = g_strdup (gh_stmt_column_text (stmt, 3));
  request->user_id = sqlite3_column_int64 (stmt, 4);
  request->auth_time = sqlite3_column_int64 (stmt, 5);
  request->params = params_from_json (json_node_get_object (json_parser_get_root (parser)));
  gh_stmt_reset (g_steal_pointer (&stmt));

  request->params->client = gh_clients_get (self->clients, project->id, request->params->client_id,
                                            error);
  if (request->params->client == NULL)
    return NULL;
  return g_steal_pointer (&request);
}

gboolean
gh_authorization_set_request_user (GhAuthorization  *self,
                                   GhAuthRequest    *request,
                                   const GhUser     *user,
                                   gint64            auth_time,
                                   GError          **error)
{
  g_autoptr(GhStmt) stmt = gh_store_prepare (self->store,
                                             "UPDATE authorization_requests SET user_id = ?, "
                                             "auth_time = ? WHERE id = ?",
                                             error);

  if (stmt == NULL)
    return FALSE;
  gh_stmt_bind_int64 (stmt, 1, user->id);
  gh_stmt_bind_int64 (stmt, 2, auth_time);
  gh_stmt_bind_text (stmt, 3, request->id);
  if (!gh_store_step (self->store, stmt, NULL, error))
    return FALSE;
  request->user_id = user->id;
  request->auth_time = auth_time;
  return TRUE;
}

char *
gh_authorization_create_session (GhAuthorization  *self,
                                 const GhProject  *project,
                                 const GhUser     *user,
                                 gint64           *auth_time,
                                 GError          **error)
{
  g_autofree char *secret = gh_random_token (32);
  g_autofree char *hash = gh_sha256_base64url (secret);
  g_autoptr(GhStmt) stmt = NULL;
  gint64 now = gh_now_seconds ();

  stmt = gh_store_prepare (self->store,
                           "INSERT INTO sessions (id_hash, project_id, user_id, "
                           "auth_time, expires_at) VALUES (?, ?, ?, ?, ?)",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_text (stmt, 1, hash);
  gh_stmt_bind_int64 (stmt, 2, project->id);
  gh_stmt_bind_int64 (stmt, 3, user->id);
  gh_stmt_bind_int64 (stmt, 4, now);
  gh_stmt_bind_int64 (stmt, 5, now + SESSION_LIFETIME);
  if (!gh_store_step (self->store, stmt, NULL, error))
    return NULL;
  *auth_time = now;
  return g_steal_pointer (&secret);
}

GhUser *
gh_authorization_session_user (GhAuthorization  *self,
                               const GhProject  *project,
                               const char       *session_secret,
                               gint64           *auth_time)
{
  g_autofree char *hash = NULL;
  g_autoptr(GhStmt) stmt = NULL;
  gint64 user_id;
  gboolean row;

  if (session_secret == NULL)
    return NULL;
  hash = gh_sha256_base64url (session_secret);
  stmt = gh_store_prepare (self->store,
                           "SELECT user_id, auth_time FROM sessions "
                           "WHERE id_hash = ? AND project_id = ? AND expires_at > ?",
                           NULL);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_text (stmt, 1, hash);
  gh_stmt_bind_int64 (stmt, 2, project->id);
  gh_stmt_bind_int64 (stmt, 3, gh_now_seconds ());
  if (!gh_store_step (self->store, stmt, &row, NULL) || !row)
    return NULL;
  user_id = sqlite3_column_int64 (stmt, 0);
  *auth_time = sqlite3_column_int64 (stmt, 1);
  gh_stmt_reset (g_steal_pointer (&stmt));
  return gh_users_get_by_id (self->users, user_id, NULL);
}

static gboolean
strv_subset (char **items,
             char **of)
{
  for (guint i = 0; items != NULL && items[i] != NULL; i++)
    if (of == NULL || !g_strv_contains ((const char * const *) of, items[i]))
      return FALSE;
  return TRUE;
}

gboolean
gh_authorization_has_consent (GhAuthorization    *self,
                              const GhProject    *project,
                              const GhUser       *user,
                              const GhAuthParams *params)
{
  g_autoptr(GhStmt) stmt = NULL;
  g_auto(GStrv) scopes = NULL;
  g_auto(GStrv) resources = NULL;
  gboolean row;

  stmt = gh_store_prepare (self->store,
                           "SELECT scopes, resources FROM consents "
                           "WHERE project_id = ? AND user_id = ? AND client_id = ?",
                           NULL);
  if (stmt == NULL)
    return FALSE;
  gh_stmt_bind_int64 (stmt, 1, project->id);
  gh_stmt_bind_int64 (stmt, 2, user->id);
  gh_stmt_bind_text (stmt, 3, params->client_id);
  if (!gh_store_step (self->store, stmt, &row, NULL) || !row)
    return FALSE;
  scopes = gh_strv_from_json_text (gh_stmt_column_text (stmt, 0));
  resources = gh_strv_from_json_text (gh_stmt_column_text (stmt, 1));
  return strv_subset (params->scopes, scopes) && strv_subset (params->resources, resources);
}

static char **
strv_union (const char * const *a,
            char              **b)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; a != NULL && a[i] != NULL; i++)
    if (g_hash_table_add (seen, (gpointer) a[i]))
      g_strv_builder_add (builder, a[i]);
  for (guint i = 0; b != NULL && b[i] != NULL; i++)
    if (g_hash_table_add (seen, b[i]))
      g_strv_builder_add (builder, b[i]);
  return g_strv_builder_end (builder);
}

static gboolean
remember_consent (GhAuthorization    *self,
                  const GhProject    *project,
                  const GhAuthParams *params,
                  const GhUser       *user,
                  GError            **error)
{
  g_autoptr(GhStmt) read = NULL;
  g_autoptr(GhStmt) write = NULL;
  g_auto(GStrv) old_scopes = NULL;
  g_auto(GStrv) old_resources = NULL;
  g_auto(GStrv) scopes = NULL;
  g_auto(GStrv) resources = NULL;
  g_autofree char *scopes_text = NULL;
  g_autofree char *resources_text = NULL;
  gboolean row;

  read = gh_store_prepare (self->store,
                           "SELECT scopes, resources FROM consents "
                           "WHERE project_id = ? AND user_id = ? AND client_id = ?",
                           error);
  if (read == NULL)
    return FALSE;
  gh_stmt_bind_int64 (read, 1, project->id);
  gh_stmt_bind_int64 (read, 2, user->id);
  gh_stmt_bind_text (read, 3, params->client_id);
  if (!gh_store_step (self->store, read, &row, error))
    return FALSE;
  if (row)
    {
      old_scopes = gh_strv_from_json_text (gh_stmt_column_text (read, 0));
      old_resources = gh_strv_from_json_text (gh_stmt_column_text (read, 1));
    }
  gh_stmt_reset (g_steal_pointer (&read));

  scopes = strv_union ((const char * const *) old_scopes, params->scopes);
  resources = strv_union ((const char * const *) old_resources, params->resources);
  scopes_text = gh_json_text_from_strv (scopes);
  resources_text = gh_json_text_from_strv (resources);

  write = gh_store_prepare (self->store,
                            "INSERT INTO consents (project_id, user_id, client_id, "
                            "scopes, resources, created_at) VALUES (?, ?, ?, ?, ?, ?) "
                            "ON CONFLICT (project_id, user_id, client_id) DO UPDATE SET "
                            "scopes = excluded.scopes, resources = excluded.resources",
                            error);
  if (write == NULL)
    return FALSE;
  gh_stmt_bind_int64 (write, 1, project->id);
  gh_stmt_bind_int64 (write, 2, user->id);
  gh_stmt_bind_text (write, 3, params->client_id);
  gh_stmt_bind_text (write, 4, scopes_text);
  gh_stmt_bind_text (write, 5, resources_text);
  gh_stmt_bind_int64 (write, 6, gh_now_seconds ());
  return gh_store_step (self->store, write, NULL, error);
}

static gboolean
end_request (GhAuthorization  *self,
             const char       *request_id,
             GError          **error)
{
  g_autoptr(GhStmt) stmt = NULL;

  if (request_id == NULL)
    return TRUE;
  stmt = gh_store_prepare (self->store, "DELETE FROM authorization_requests WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  gh_stmt_bind_text (stmt, 1, request_id);
  return gh_store_step (self->store, stmt, NULL, error);
}

char *
gh_authorization_issue_code (GhAuthorization    *self,
                             const GhProject    *project,
                             const GhAuthParams *params,
                             const GhUser       *user,
                             gint64              auth_time,
                             GhConsent           consent,
                             const char         *request_id,
                             GError            **error)
{
  static const char * const consent_names[] = { "given", "stored", "auto_approved" };
  g_autofree char *code = gh_random_token (32);
  g_autofree char *code_hash = gh_sha256_base64url (code);
  g_autofree char *scopes_text = gh_json_text_from_strv (params->scopes);
  g_autofree char *resources_text = gh_json_text_from_strv (params->resources);
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(JsonObject) details = NULL;
  g_autoptr(GPtrArray) named = NULL;
  gint64 now = gh_now_seconds ();

  if (!gh_store_begin (self->store, error))
    return NULL;

  /* resource_policy=open: an unknown resource is accepted, and recorded so it shows, with
   * the scopes granted for it: those no listed resource of the request defines. */
  named = gh_resources_find_named (self->resources, project->id,
                                   (const char * const *) params->resources, error);
  if (named == NULL)
    goto fail;
  for (guint i = 0; i < named->len; i++)
    {
      GhResource *target = g_ptr_array_index (named, i);
      g_auto(GStrv) carried = NULL;
      g_autoptr(GStrvBuilder) own_builder = NULL;
      g_auto(GStrv) own_scopes = NULL;
      g_autoptr(GhResource) resource = NULL;

      if (gh_resource_is_listed (target))
        continue;
      carried = gh_scopes_for_resource ((const char * const *) params->scopes, named, target);
      own_builder = g_strv_builder_new ();
      for (guint j = 0; carried[j] != NULL; j++)
        if (!gh_scope_is_standard (carried[j]))
          g_strv_builder_add (own_builder, carried[j]);
      own_scopes = g_strv_builder_end (own_builder);
      resource = gh_resources_record (self->resources, project, target->uri,
                                      (const char * const *) own_scopes, params->client_id,
                                      params->flow_id, error);
      if (resource == NULL)
        goto fail;
    }

  if (consent == GH_CONSENT_GIVEN && !remember_consent (self, project, params, user, error))
    goto fail;

  stmt = gh_store_prepare (self->store,
                           "INSERT INTO authorization_codes (code_hash, project_id, "
                           "flow_id, client_id, user_id, redirect_uri, redirect_uri_given, "
                           "code_challenge, scopes, resources, nonce, auth_time, created_at, "
                           "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           error);
  if (stmt == NULL)
    goto fail;
  gh_stmt_bind_text (stmt, 1, code_hash);
  gh_stmt_bind_int64 (stmt, 2, project->id);
  gh_stmt_bind_text (stmt, 3, params->flow_id);
  gh_stmt_bind_text (stmt, 4, params->client_id);
  gh_stmt_bind_int64 (stmt, 5, user->id);
  gh_stmt_bind_text (stmt, 6, params->redirect_uri);
  gh_stmt_bind_int64 (stmt, 7, params->redirect_uri_given);
  gh_stmt_bind_text (stmt, 8, params->code_challenge);
  gh_stmt_bind_text (stmt, 9, scopes_text);
  gh_stmt_bind_text (stmt, 10, resources_text);
  gh_stmt_bind_text (stmt, 11, params->nonce);
  gh_stmt_bind_int64 (stmt, 12, auth_time);
  gh_stmt_bind_int64 (stmt, 13, now);
  gh_stmt_bind_int64 (stmt, 14, now + project->settings->code_ttl);
  if (!gh_store_step (self->store, stmt, NULL, error))
    goto fail;

  if (!end_request (self, request_id, error))
    goto fail;

  details = json_object_new ();
  json_object_set_string_member (details, "redirect_uri", params->redirect_uri);
  json_object_set_array_member (details, "scopes", gh_json_array_from_strv (params->scopes));
  json_object_set_array_member (details, "resources", gh_json_array_from_strv (params->resources));
  json_object_set_string_member (details, "consent", consent_names[consent]);
  gh_audit_record_event (self->audit, &(GhAuditEvent) {
                         .project_id = project->id, .project_slug = project->slug,
                         .type = GH_AUDIT_EVENT_CODE_ISSUED,
                         .outcome = GH_AUDIT_SUCCESS, .actor = "server",
                         .client_id = params->client_id, .user_id = user->username,
                         .flow_id = params->flow_id, .details = details }, error);
  if (error != NULL && *error != NULL)
    goto fail;

  if (!gh_store_commit (self->store, error))
    return NULL;
  return g_steal_pointer (&code);

fail:
  gh_store_rollback (self->store);
  return NULL;
}

gboolean
gh_authorization_deny (GhAuthorization    *self,
                       const GhProject    *project,
                       const GhAuthParams *params,
                       const GhUser       *user,
                       const char         *request_id,
                       GError            **error)
{
  g_autoptr(JsonObject) details = json_object_new ();

  if (!gh_store_begin (self->store, error))
    return FALSE;
  if (!end_request (self, request_id, error))
    goto fail;
  /* The client is told: access_denied goes back to its redirect URI. */
  json_object_set_string_member (details, "redirect_uri", params->redirect_uri);
  json_object_set_array_member (details, "scopes", gh_json_array_from_strv (params->scopes));
  json_object_set_array_member (details, "resources", gh_json_array_from_strv (params->resources));
  gh_audit_record_event (self->audit, &(GhAuditEvent) {
                         .project_id = project->id, .project_slug = project->slug,
                         .type = GH_AUDIT_EVENT_AUTHORIZATION_DENIED,
                         .outcome = GH_AUDIT_FAILURE, .actor = "server",
                         .client_id = params->client_id,
                         .user_id = user != NULL ? user->username : NULL,
                         .flow_id = params->flow_id, .details = details }, error);
  if (error != NULL && *error != NULL)
    goto fail;
  return gh_store_commit (self->store, error);

fail:
  gh_store_rollback (self->store);
  return FALSE;
}

static void
append_param (GString    *url,
              gboolean   *first,
              const char *name,
              const char *value)
{
  g_autofree char *escaped = g_uri_escape_string (value, NULL, FALSE);

  g_string_append_c (url, *first ? (strchr (url->str, '?') != NULL ? '&' : '?') : '&');
  g_string_append (url, name);
  g_string_append_c (url, '=');
  g_string_append (url, escaped);
  *first = FALSE;
}

char *
gh_authorization_build_redirect (const GhAuthParams *params,
                                 const char         *issuer,
                                 const char         *code,
                                 const GError       *error)
{
  GString *url = g_string_new (params->redirect_uri);
  gboolean first = TRUE;

  if (error != NULL)
    {
      append_param (url, &first, "error",
                    gh_oauth_error_code_string (gh_oauth_error_from_gerror (error)));
      append_param (url, &first, "error_description", error->message);
    }
  else
    append_param (url, &first, "code", code);
  if (params->state != NULL)
    append_param (url, &first, "state", params->state);
  append_param (url, &first, "iss", issuer);
  return g_string_free (url, FALSE);
}
