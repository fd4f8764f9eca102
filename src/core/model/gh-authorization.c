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
#include "gh-explain.h"
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
  g_clear_pointer (&params->request, json_object_unref);
  g_free (params);
}

GhFlowStep *
gh_flow_step_new (gint64 started_at)
{
  GhFlowStep *step = g_new0 (GhFlowStep, 1);

  step->started_at = started_at;
  step->params = json_object_new ();
  return step;
}

void
gh_flow_step_free (GhFlowStep *step)
{
  if (step == NULL)
    return;
  g_clear_pointer (&step->params, json_object_unref);
  g_free (step->flow_id);
  g_free (step);
}

static JsonObject *
step_json (gint64        started_at,
           JsonObject   *params,
           guint         status,
           const GError *error)
{
  JsonObject *step = json_object_new ();

  json_object_set_int_member (step, "started_at", started_at);
  /* Shared, not copied: the audit log writes a bounded copy of the details. */
  json_object_set_object_member (step, "params",
                                 params != NULL ? json_object_ref (params) : json_object_new ());
  json_object_set_int_member (step, "status", status);
  if (error != NULL)
    json_object_set_string_member (step, "error",
                                   gh_oauth_error_code_string (gh_oauth_error_from_gerror (error)));
  else
    json_object_set_null_member (step, "error");
  return step;
}

JsonObject *
gh_flow_step_to_json (const GhFlowStep *step,
                      guint             status,
                      const GError     *error)
{
  g_return_val_if_fail (step != NULL, NULL);

  return step_json (step->started_at, step->params, status, error);
}

/* The step of an event about @params. */
static JsonObject *
params_step (const GhAuthParams *params,
             guint               status,
             const GError       *error)
{
  return step_json (params->started_at != 0 ? params->started_at : g_get_real_time (),
                    params->request, status, error);
}

static guint
redirect_status (const GhAuthParams *params)
{
  return params->redirect_status != 0 ? params->redirect_status : 302;
}

gboolean
gh_oauth_refuse_with (GError       **error,
                      GhOAuthError   code,
                      JsonObject    *explain)
{
  g_autoptr(JsonObject) owned = explain;
  g_autofree char *message = g_strdup (json_object_get_string_member (explain, "message"));

  return gh_oauth_refuse_explained (error, code, g_steal_pointer (&owned), "%s", message);
}

gboolean
gh_oauth_refuse_rule (GError       **error,
                      GhOAuthError   code,
                      const char    *rule,
                      const char    *hint,
                      const char    *format,
                      ...)
{
  g_autofree char *message = NULL;
  JsonObject *explain;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  explain = gh_explain_new (rule, "%s", message);
  gh_explain_set_hint (explain, hint);
  return gh_oauth_refuse_with (error, code, explain);
}

/* The parameters of an authorization request as sent, for its step: never a secret (the
 * code_challenge is one's hash, left out too; state and nonce only as present or not). */
JsonObject *
gh_authorization_request_snapshot (GhForm *form)
{
  static const char * const named[] = {
    "client_id", "redirect_uri", "scope", "response_type", "code_challenge_method", "prompt",
  };
  JsonObject *object = json_object_new ();

  for (guint i = 0; i < G_N_ELEMENTS (named); i++)
    {
      const char *value = gh_form_get (form, named[i]);

      if (value != NULL)
        json_object_set_string_member (object, named[i], value);
      else
        json_object_set_null_member (object, named[i]);
    }
  json_object_set_array_member (object, "resource",
                                gh_json_array_from_strv ((char **) gh_form_get_all (form,
                                                                                    "resource")));
  json_object_set_boolean_member (object, "state_present", gh_form_get (form, "state") != NULL);
  json_object_set_boolean_member (object, "nonce_present", gh_form_get (form, "nonce") != NULL);
  return object;
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

/* Every scope the listed resources of @resources define, and the standard ones. */
static JsonNode *
defined_scopes_node (GPtrArray *resources)
{
  static const char * const standard[] = { "openid", "profile", "email", "offline_access" };
  JsonArray *array = json_array_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < G_N_ELEMENTS (standard); i++)
    if (g_hash_table_add (seen, (gpointer) standard[i]))
      json_array_add_string_element (array, standard[i]);
  for (guint i = 0; resources != NULL && i < resources->len; i++)
    {
      GhResource *resource = g_ptr_array_index (resources, i);

      for (guint j = 0; resource->scopes != NULL && resource->scopes[j] != NULL; j++)
        if (g_hash_table_add (seen, resource->scopes[j]))
          json_array_add_string_element (array, resource->scopes[j]);
    }
  return json_node_init_array (json_node_alloc (), array);
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
        return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_SCOPE, "scope.unknown",
                                     "A scope is a token of visible ASCII characters; scopes are "
                                     "separated by single spaces",
                                     "A requested scope is not a valid scope token (RFC 6749 "
                                     "section 3.3: visible ASCII characters except the double "
                                     "quote and the backslash)");
      if (g_str_equal (scope, "offline_access"))
        {
          g_strv_builder_add (granted, scope);
          continue;
        }
      if (!gh_scope_is_standard (scope) && params->resources[0] == NULL)
        {
          if (requested == NULL)
            continue;  /* a registered default that no named resource defines */
          {
            JsonObject *explain = gh_explain_new ("resource.missing",
                                                  "The client sent no resource, and the scope "
                                                  "'%s' is defined only by a resource", scope);

            gh_explain_set_expected (explain, "resource=<the MCP server's URL>");
            gh_explain_set_hint (explain, "The client sent no resource parameter (RFC 8707): "
                                 "MCP clients must name the MCP server they want a token for");
            return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_SCOPE, explain,
                                              "The scope '%s' is not a standard scope, and the "
                                              "request names no resource that could define it "
                                              "(add resource=...)", scope);
          }
        }
      else if (!gh_scope_is_standard (scope) && !defined_by_resources (resources, scope))
        {
          g_autofree char *uris = g_strjoinv (", ", params->resources);
          g_autofree char *printable = gh_scopes_printable (uris);

          JsonObject *explain;

          if (requested == NULL)
            continue;
          explain = gh_explain_new ("scope.unknown", "The scope '%s' is not defined by any "
                                    "resource the request names (%s)", scope, printable);
          gh_explain_take_expected (explain, defined_scopes_node (resources));
          gh_explain_set_actual (explain, scope);
          gh_explain_set_hint (explain, "A scope is known when it is standard (openid, profile, "
                               "email, offline_access) or a resource the request names defines "
                               "it");
          return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_SCOPE, explain,
                                            "The scope '%s' is not defined by any resource the "
                                            "request names (%s)", scope, printable);
        }
      if (client_scopes != NULL &&
          !g_strv_contains ((const char * const *) client_scopes, scope))
        {
          g_autofree char *printable = gh_scopes_printable (params->client->scope);

          JsonObject *explain = gh_explain_new ("scope.not_allowed", "The scope '%s' is not "
                                                "among the scopes this client registered (%s)",
                                                scope, printable);

          gh_explain_take_expected (explain, json_node_init_array (json_node_alloc (),
                                                                   gh_json_array_from_strv (
                                                                     client_scopes)));
          gh_explain_set_actual (explain, scope);
          gh_explain_set_hint (explain, "A client that registered a scope may ask only within "
                               "it; update its registration to widen it");
          return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_SCOPE, explain,
                                            "The scope '%s' is not among the scopes this client "
                                            "registered (%s)", scope, printable);
        }
      g_strv_builder_add (granted, scope);
    }
  params->scopes = g_strv_builder_end (granted);
  return TRUE;
}

/* The listed resource @uri differs from only by a trailing slash, or NULL. */
static GhResource *
find_slash_twin (GhResources  *resources,
                 gint64        project_id,
                 const char   *uri)
{
  g_autofree char *twin = g_str_has_suffix (uri, "/") ? g_strndup (uri, strlen (uri) - 1)
                                                      : g_strconcat (uri, "/", NULL);
  GhResource *resource = gh_resources_find (resources, project_id, twin, NULL);

  if (resource != NULL && !gh_resource_is_listed (resource))
    g_clear_pointer (&resource, gh_resource_free);
  return resource;
}

/* resource_policy=listed, and @canonical is not listed: resource.trailing_slash when a slash
 * is all that differs from one that is, else resource.unknown. */
static gboolean
refuse_unknown_resource (GhAuthorization  *self,
                         const GhProject  *project,
                         const char       *canonical,
                         const char       *printable,
                         GError          **error)
{
  g_autoptr(GhResource) twin = find_slash_twin (self->resources, project->id, canonical);
  g_autoptr(GPtrArray) listed = NULL;
  JsonObject *explain;

  if (twin != NULL)
    {
      explain = gh_explain_new ("resource.trailing_slash", "The resource '%s' differs from "
                                "'%s', which this project serves, only by a trailing slash",
                                canonical, twin->uri);
      gh_explain_set_expected (explain, twin->uri);
      gh_explain_set_actual (explain, canonical);
      gh_explain_set_hint (explain, "Resource URIs are compared byte for byte: the client and "
                           "the MCP server's metadata must agree on the trailing slash");
      return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_TARGET, explain,
                                        "The resource '%s' is not one this project serves "
                                        "(resource_policy is listed); '%s' is, with or without "
                                        "its trailing slash only", printable, twin->uri);
    }
  explain = gh_explain_new ("resource.unknown", "The resource '%s' is not one this project "
                            "serves (resource_policy is listed)", canonical);
  listed = gh_resources_list (self->resources, project->id, NULL);
  {
    JsonArray *uris = json_array_new ();

    for (guint i = 0; listed != NULL && i < listed->len; i++)
      if (gh_resource_is_listed (g_ptr_array_index (listed, i)))
        json_array_add_string_element (uris, ((GhResource *) g_ptr_array_index (listed, i))->uri);
    gh_explain_take_expected (explain, json_node_init_array (json_node_alloc (), uris));
  }
  gh_explain_set_actual (explain, canonical);
  gh_explain_set_hint (explain, "Add the MCP server's URL as a resource of this project, or set "
                       "resource_policy to open");
  gh_explain_set_fix (explain, "add_resource", "resource", canonical, NULL);
  return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_TARGET, explain,
                                    "The resource '%s' is not one this project serves "
                                    "(resource_policy is listed)", printable);
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
            return refuse_unknown_resource (self, project, canonical, printable, error);
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
        return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_REQUEST, "request.invalid",
                                     "prompt takes none, login, consent or select_account",
                                     "prompt “%s” is not supported "
                                     "(none, login, consent, select_account)",
                                     values[i]);
    }
  if (params->prompt_none && g_strv_length (values) > 1)
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_REQUEST, "request.invalid",
                                 "prompt=none asks for no page at all: it stands alone",
                                 "prompt=none cannot be combined with other values");
  return TRUE;
}

/* The scheme of @uri, lowercase, or NULL. */
static char *
scheme_of (const char *uri)
{
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED, NULL);

  return parsed != NULL ? g_ascii_strdown (g_uri_get_scheme (parsed), -1) : NULL;
}

static gboolean
is_custom_scheme (const char *scheme)
{
  return scheme != NULL && !g_str_equal (scheme, "http") && !g_str_equal (scheme, "https");
}

/* A registered redirect URI still has to pass the project's rules as they are now: an
 * administrator may have removed its custom scheme from redirect_schemes since. */
static gboolean
check_redirect_still_allowed (const GhProject  *project,
                              const char       *redirect_uri,
                              GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *scheme = NULL;
  JsonObject *explain;

  if (gh_redirect_uri_check (redirect_uri, project->settings, &local_error))
    return TRUE;
  scheme = scheme_of (redirect_uri);
  /* Did the project's setting refuse it, and would allowing the scheme be enough? */
  if (is_custom_scheme (scheme) &&
      (project->settings->redirect_schemes == NULL ||
       !g_strv_contains ((const char * const *) project->settings->redirect_schemes, scheme)))
    {
      g_autofree char *allowed = project->settings->redirect_schemes != NULL
                                 ? g_strjoinv (" ", project->settings->redirect_schemes)
                                 : g_strdup ("");
      g_autoptr(GhProjectSettings) widened = gh_project_settings_copy (project->settings);
      g_auto(GStrv) old = widened->redirect_schemes;
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

      if (old != NULL)
        g_strv_builder_addv (builder, (const char **) old);
      g_strv_builder_add (builder, scheme);
      widened->redirect_schemes = g_strv_builder_end (builder);
      if (gh_redirect_uri_check (redirect_uri, widened, NULL))
        {
          explain = gh_explain_new ("redirect_uri.scheme_not_allowed",
                                    "The redirect URI's custom scheme “%s” is not in the "
                                    "project's redirect_schemes", scheme);
          gh_explain_set_expected (explain, allowed);
          gh_explain_set_actual (explain, scheme);
          gh_explain_set_hint (explain, "The client registered this URI, but the project's "
                               "redirect_schemes no longer allows its scheme");
          gh_explain_set_fix (explain, "allow_redirect_scheme", "scheme", scheme, NULL);
          return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_REQUEST, explain,
                                            "%s; it was registered, but this project no longer "
                                            "allows it", local_error->message);
        }
    }
  explain = gh_explain_new ("redirect_uri.invalid", "%s", local_error->message);
  gh_explain_set_actual (explain, redirect_uri);
  gh_explain_set_hint (explain, "The registered redirect URI no longer passes this project's "
                       "rules; register a valid one");
  return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_REQUEST, explain,
                                    "%s; it was registered, but this project no longer allows "
                                    "it", local_error->message);
}

typedef enum
{
  COMPONENT_SCHEME,
  COMPONENT_HOST,
  COMPONENT_PORT,
  COMPONENT_PATH,
  COMPONENT_QUERY,
  COMPONENT_NONE,
} Component;

static const char * const component_names[] = {
  "scheme", "host", "port", "path", "query", "none",
};

/* The first component of @requested that differs from @registered, and so how many of the
 * leading ones agree. The port of an http loopback URI is not compared (RFC 8252 §7.3). */
static Component
first_difference (const char *registered,
                  const char *requested,
                  gboolean   *loopback_rule)
{
  g_autoptr(GUri) a = g_uri_parse (registered, G_URI_FLAGS_ENCODED, NULL);
  g_autoptr(GUri) b = g_uri_parse (requested, G_URI_FLAGS_ENCODED, NULL);

  *loopback_rule = gh_uri_is_loopback_http (registered);
  if (a == NULL || b == NULL ||
      g_ascii_strcasecmp (g_uri_get_scheme (a), g_uri_get_scheme (b)) != 0)
    return COMPONENT_SCHEME;
  if (g_ascii_strcasecmp (g_uri_get_host (a) != NULL ? g_uri_get_host (a) : "",
                          g_uri_get_host (b) != NULL ? g_uri_get_host (b) : "") != 0)
    return COMPONENT_HOST;
  if (!(*loopback_rule && gh_uri_is_loopback_http (requested)) &&
      g_uri_get_port (a) != g_uri_get_port (b))
    return COMPONENT_PORT;
  if (g_strcmp0 (g_uri_get_path (a), g_uri_get_path (b)) != 0)
    return COMPONENT_PATH;
  if (g_strcmp0 (g_uri_get_query (a), g_uri_get_query (b)) != 0)
    return COMPONENT_QUERY;
  return COMPONENT_NONE;
}

static const char *
mismatch_hint (Component   component,
               const char *registered,
               gboolean    loopback_rule)
{
  switch (component)
    {
    case COMPONENT_SCHEME:
      return "The scheme differs: https, http and a custom scheme never match each other";
    case COMPONENT_HOST:
      return loopback_rule
             ? "localhost, 127.0.0.1 and [::1] are different hosts: register the one the "
               "client calls back on"
             : "The host differs from the registered one";
    case COMPONENT_PORT:
      return "Only http redirect URIs on 127.0.0.1, [::1] or localhost match any port (RFC "
             "8252 §7.3); any other must repeat the registered port";
    case COMPONENT_PATH:
      return "The path differs; it is compared byte for byte (case and a trailing slash count)";
    case COMPONENT_QUERY:
    case COMPONENT_NONE:
    default:
      return "The query differs; it is compared byte for byte";
    }
}

/* redirect_uri.mismatch, naming the first differing component of the closest registered
 * URI and the rule that compared it. */
static gboolean
refuse_mismatch (const GhAuthParams  *params,
                 const char          *redirect_uri,
                 GError             **error)
{
  char **registered = params->client->redirect_uris;
  g_autofree char *joined = g_strjoinv (", ", registered);
  g_autofree char *hint = NULL;
  Component best = COMPONENT_SCHEME;
  const char *closest = registered[0];
  gboolean best_loopback = FALSE;
  JsonObject *explain;

  for (guint i = 0; registered[i] != NULL; i++)
    {
      gboolean loopback;
      Component component = first_difference (registered[i], redirect_uri, &loopback);

      if (i == 0 || component > best)
        {
          best = component;
          closest = registered[i];
          best_loopback = loopback;
        }
    }

  explain = gh_explain_new ("redirect_uri.mismatch",
                            "The redirect_uri differs from every registered one; from the "
                            "closest, %s, in its %s", closest, component_names[best]);
  gh_explain_take_expected (explain,
                            json_node_init_array (json_node_alloc (),
                                                  gh_json_array_from_strv (registered)));
  gh_explain_set_actual (explain, redirect_uri);
  json_object_set_string_member (explain, "component", component_names[best]);
  json_object_set_string_member (explain, "closest", closest);
  json_object_set_string_member (explain, "match_rule",
                                 best_loopback ? "loopback_any_port" : "exact");
  hint = g_strdup_printf ("The client registered %s. %s", closest,
                          mismatch_hint (best, closest, best_loopback));
  gh_explain_set_hint (explain, hint);
  if (params->client->source == GH_CLIENT_SOURCE_CIMD)
    gh_explain_set_fix (explain, "refresh_client", "client_id", params->client_id, NULL);
  else
    gh_explain_set_fix (explain, "add_redirect_uri", "client_id", params->client_id,
                        "redirect_uri", redirect_uri, NULL);
  return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_REQUEST, explain,
                                    "The redirect_uri “%s” is not registered for this client "
                                    "(registered: %s). It must match exactly, except the port "
                                    "of http loopback URIs", redirect_uri, joined);
}

/* The given redirect_uri is not one at all: redirect_uri.invalid. */
static gboolean
check_redirect_syntax (const char  *redirect_uri,
                       GError     **error)
{
  g_autoptr(GUri) parsed = NULL;
  const char *reason = NULL;

  if (strchr (redirect_uri, '#') != NULL)
    reason = "has a fragment";
  else if ((parsed = g_uri_parse (redirect_uri, G_URI_FLAGS_ENCODED, NULL)) == NULL)
    reason = "is not an absolute URI";
  if (reason == NULL)
    return TRUE;
  {
    JsonObject *explain = gh_explain_new ("redirect_uri.invalid", "The redirect_uri %s",
                                          reason);

    gh_explain_set_actual (explain, redirect_uri);
    gh_explain_set_hint (explain, "A redirect URI is absolute (scheme://host/path) and never "
                         "carries a fragment (#...)");
    return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_REQUEST, explain,
                                      "The redirect_uri “%s” %s", redirect_uri, reason);
  }
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
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_REQUEST, "request.invalid",
                                 "Every authorization request names its client (client_id)",
                                 "The request has no client_id");
  if (gh_form_count (form, "client_id") > 1)
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_REQUEST, "request.invalid",
                                 "Each parameter is sent once (RFC 6749 §3.1)",
                                 "client_id is given more than once");
  params->client_id = g_strdup (client_id);

  if (gh_cimd_is_url_client_id (client_id) && !project->settings->cimd_enabled)
    {
      JsonObject *explain = gh_explain_new ("cimd.project.cimd_enabled",
                                            "The client_id is a URL (a Client ID Metadata "
                                            "Document), and this project does not accept those");

      gh_explain_set_actual (explain, client_id);
      gh_explain_set_hint (explain, "Turn cimd_enabled on to accept clients identified by a "
                           "metadata document URL");
      gh_explain_set_fix (explain, "set_setting", "key", "cimd_enabled", "value", "true", NULL);
      return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_CLIENT, explain,
                                        "The client_id “%s” is a URL (a Client ID Metadata "
                                        "Document), and this project does not accept those "
                                        "(cimd_enabled is off)", client_id);
    }

  if (resolved != NULL)
    params->client = g_steal_pointer (&resolved);
  else
    params->client = gh_clients_get (self->clients, project->id, client_id, &local_error);
  if (params->client == NULL)
    {
      if (g_error_matches (local_error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND))
        return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_CLIENT,
                                          gh_clients_explain_unknown (self->clients, project,
                                                                      client_id),
                                          "The client “%s” is not registered in this project",
                                          client_id);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (gh_form_count (form, "redirect_uri") > 1)
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_REQUEST, "request.invalid",
                                 "Each parameter is sent once (RFC 6749 §3.1)",
                                 "redirect_uri is given more than once");
  n_redirect_uris = g_strv_length (params->client->redirect_uris);
  if (redirect_uri == NULL)
    {
      if (n_redirect_uris != 1)
        {
          JsonObject *explain = gh_explain_new ("redirect_uri.missing",
                                                "The request has no redirect_uri, and the client "
                                                "registered %u", n_redirect_uris);

          gh_explain_take_expected (explain,
                                    json_node_init_array (json_node_alloc (),
                                                          gh_json_array_from_strv (
                                                            params->client->redirect_uris)));
          gh_explain_set_hint (explain, "Send redirect_uri: it may be left out only when the "
                               "client registered exactly one");
          return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_REQUEST, explain,
                                            "The request has no redirect_uri, and the client "
                                            "registered %u, so which one is meant is unclear",
                                            n_redirect_uris);
        }
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

  if (!check_redirect_syntax (redirect_uri, error))
    return FALSE;
  return refuse_mismatch (params, redirect_uri, error);
}

#define REFUSE(code, rule, hint, ...) \
  return gh_oauth_refuse_rule (error, code, rule, hint, __VA_ARGS__), g_steal_pointer (&params)

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
  params->request = gh_authorization_request_snapshot (form);
  params->started_at = g_get_real_time ();

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
    REFUSE (GH_OAUTH_ERROR_INVALID_REQUEST, "request.invalid",
            "Each parameter but resource is sent once (RFC 6749 §3.1)",
            "%s is given more than once", repeated);

  if (gh_form_get (form, "request") != NULL || gh_form_get (form, "request_uri") != NULL)
    REFUSE (GH_OAUTH_ERROR_INVALID_REQUEST, "request.invalid",
            "Send the parameters themselves, not a request object (RFC 9101)",
            "Request objects (request, request_uri) are not supported");

  value = gh_form_get (form, "response_type");
  if (value == NULL)
    REFUSE (GH_OAUTH_ERROR_INVALID_REQUEST, "request.invalid",
            "An authorization request sends response_type=code",
            "response_type is missing");
  if (!g_str_equal (value, "code"))
    REFUSE (GH_OAUTH_ERROR_UNSUPPORTED_RESPONSE_TYPE, "response_type.unsupported",
            "OAuth 2.1 has only the code flow: the implicit and hybrid flows are gone",
            "response_type “%s” is not supported; use code", value);
  if (!gh_client_has_grant_type (params->client, "authorization_code"))
    {
      JsonObject *explain = gh_explain_new ("client.grant_type_not_allowed",
                                            "This client did not register the "
                                            "authorization_code grant");

      gh_explain_take_expected (explain,
                                json_node_init_array (json_node_alloc (),
                                                      gh_json_array_from_strv (
                                                        params->client->grant_types)));
      gh_explain_set_actual (explain, "authorization_code");
      gh_explain_set_hint (explain, "The client's registration lists its grant_types; "
                           "authorization_code is needed for /authorize");
      gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_UNAUTHORIZED_CLIENT, explain,
                                 "This client did not register the authorization_code grant");
      return g_steal_pointer (&params);
    }

  value = gh_form_get (form, "response_mode");
  if (value != NULL && !g_str_equal (value, "query"))
    REFUSE (GH_OAUTH_ERROR_INVALID_REQUEST, "request.invalid",
            "Only response_mode=query is served",
            "response_mode “%s” is not supported; use query", value);

  value = gh_form_get (form, "code_challenge");
  if (value == NULL)
    REFUSE (GH_OAUTH_ERROR_INVALID_REQUEST, "pkce.missing",
            "Every client uses PKCE: send code_challenge and code_challenge_method=S256",
            "code_challenge is missing: PKCE with S256 is required");
  if (g_strcmp0 (gh_form_get (form, "code_challenge_method"), "S256") != 0)
    {
      JsonObject *explain = gh_explain_new ("pkce.method_not_supported",
                                            "code_challenge_method must be S256");

      gh_explain_set_expected (explain, "S256");
      gh_explain_set_actual (explain, gh_form_get (form, "code_challenge_method"));
      gh_explain_set_hint (explain, "plain and an absent method are refused: send "
                           "code_challenge_method=S256");
      gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_REQUEST, explain,
                                 "code_challenge_method must be S256 "
                                 "(plain and an absent method are refused)");
      return g_steal_pointer (&params);
    }
  if (!is_s256_challenge (value))
    REFUSE (GH_OAUTH_ERROR_INVALID_REQUEST, "pkce.challenge_invalid",
            "The challenge is BASE64URL(SHA-256(verifier)) without padding: 43 characters",
            "code_challenge must be 43 base64url characters (an S256 hash)");
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
    REFUSE (GH_OAUTH_ERROR_INVALID_REQUEST, "request.invalid",
            "max_age is a whole number of seconds (OpenID Connect Core §3.1.2.1)",
            "max_age must be a whole number of seconds");

  value = gh_form_get (form, "nonce");
  if (value != NULL && strlen (value) > 512)
    REFUSE (GH_OAUTH_ERROR_INVALID_REQUEST, "request.invalid",
            "A nonce is a short random value",
            "nonce is longer than 512 characters");
  params->nonce = g_strdup (value);

  return g_steal_pointer (&params);
}

#undef REFUSE

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
  json_object_set_object_member (details, "step",
                                 params_step (params, redirected ? redirect_status (params)
                                                                 : gh_error_page_status (error),
                                              error));
  gh_audit_record_event (self->audit, &(GhAuditEvent) {
                         .project_id = project->id, .project_slug = project->slug,
                         .type = GH_AUDIT_EVENT_AUTHORIZATION_REFUSED,
                         .outcome = GH_AUDIT_FAILURE, .actor = "server",
                         .client_id = params->client_id, .flow_id = params->flow_id,
                         .details = details, .source = source, .user_agent = user_agent },
                         NULL);
}

void
gh_authorization_record_started (GhAuthorization    *self,
                                 const GhProject    *project,
                                 const GhAuthParams *params,
                                 const char         *source,
                                 const char         *user_agent,
                                 guint               status)
{
  g_autoptr(JsonObject) details = json_object_new ();

  g_return_if_fail (GH_IS_AUTHORIZATION (self));

  json_object_set_string_member (details, "redirect_uri", params->redirect_uri);
  json_object_set_array_member (details, "scopes", gh_json_array_from_strv (params->scopes));
  json_object_set_array_member (details, "resources", gh_json_array_from_strv (params->resources));
  json_object_set_string_member (details, "client_source",
                                 gh_client_source_to_string (params->client->source));
  json_object_set_object_member (details, "step", params_step (params, status, NULL));
  gh_audit_record_event (self->audit, &(GhAuditEvent) {
                         .project_id = project->id, .project_slug = project->slug,
                         .type = GH_AUDIT_EVENT_AUTHORIZATION_STARTED,
                         .outcome = GH_AUDIT_INFO, .actor = "server",
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
  if (params->request != NULL)
    json_object_set_object_member (object, "request", json_object_ref (params->request));
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
  if (json_object_has_member (object, "request") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, "request")))
    params->request = json_object_ref (json_object_get_object_member (object, "request"));
  params->started_at = g_get_real_time ();
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
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_REQUEST, "request.invalid",
                                 "The login and consent pages are reached from /authorize",
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
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_INVALID_REQUEST, "request.invalid",
                                 "A sign-in request lasts 10 minutes and ends with its answer",
                                 "This sign-in request is unknown, finished or "
                                 "expired; start again from the application"), NULL;

  /* Bound to the browser that started it: a link sent to someone else does nothing. */
  browser_hash = browser_secret != NULL ? gh_sha256_base64url (browser_secret) : NULL;
  if (!gh_constant_time_equal (browser_hash, gh_stmt_column_text (stmt, 2)))
    return gh_oauth_refuse_rule (error, GH_OAUTH_ERROR_FORBIDDEN, "request.invalid",
                                 "A sign-in request is bound to the browser that started it "
                                 "(a cookie)",
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
gh_authorization_log_in (GhAuthorization  *self,
                         const GhProject  *project,
                         GhAuthRequest    *request,
                         const GhUser     *user,
                         const char       *source,
                         const char       *user_agent,
                         gint64           *auth_time,
                         GError          **error)
{
  g_autofree char *session = NULL;
  g_autoptr(JsonObject) details = json_object_new ();

  g_return_val_if_fail (GH_IS_AUTHORIZATION (self), NULL);

  if (!gh_store_begin (self->store, error))
    return NULL;
  session = gh_authorization_create_session (self, project, user, auth_time, error);
  if (session == NULL ||
      !gh_authorization_set_request_user (self, request, user, *auth_time, error))
    goto fail;
  json_object_set_string_member (details, "username", user->username);
  json_object_set_object_member (details, "step",
                                 params_step (request->params, 303, NULL));
  if (!gh_audit_record_event (self->audit, &(GhAuditEvent) {
                              .project_id = project->id, .project_slug = project->slug,
                              .type = GH_AUDIT_EVENT_USER_LOGGED_IN,
                              .outcome = GH_AUDIT_SUCCESS, .actor = user->username,
                              .client_id = request->params->client_id,
                              .user_id = user->username, .flow_id = request->params->flow_id,
                              .details = details, .source = source,
                              .user_agent = user_agent }, error))
    goto fail;
  if (!gh_store_commit (self->store, error))
    return NULL;
  return g_steal_pointer (&session);

fail:
  gh_store_rollback (self->store);
  return NULL;
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

  if (consent == GH_CONSENT_GIVEN)
    {
      g_autoptr(JsonObject) granted = json_object_new ();

      json_object_set_array_member (granted, "scopes", gh_json_array_from_strv (params->scopes));
      json_object_set_array_member (granted, "resources",
                                    gh_json_array_from_strv (params->resources));
      json_object_set_object_member (granted, "step",
                                     params_step (params, redirect_status (params), NULL));
      if (!gh_audit_record_event (self->audit, &(GhAuditEvent) {
                                  .project_id = project->id, .project_slug = project->slug,
                                  .type = GH_AUDIT_EVENT_CONSENT_GRANTED,
                                  .outcome = GH_AUDIT_SUCCESS, .actor = user->username,
                                  .client_id = params->client_id, .user_id = user->username,
                                  .flow_id = params->flow_id, .details = granted }, error))
        goto fail;
    }

  details = json_object_new ();
  json_object_set_string_member (details, "redirect_uri", params->redirect_uri);
  json_object_set_array_member (details, "scopes", gh_json_array_from_strv (params->scopes));
  json_object_set_array_member (details, "resources", gh_json_array_from_strv (params->resources));
  json_object_set_string_member (details, "consent", consent_names[consent]);
  json_object_set_object_member (details, "step",
                                 params_step (params, redirect_status (params), NULL));
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
  g_autoptr(JsonObject) details = NULL;
  g_autoptr(GError) denied = NULL;

  gh_oauth_refuse_rule (&denied, GH_OAUTH_ERROR_ACCESS_DENIED, "consent.denied",
                        "The user pressed Deny on the consent page; the client is told "
                        "access_denied",
                        "The user denied the request");
  details = gh_audit_refusal_details (denied);
  json_object_set_object_member (details, "step",
                                 params_step (params, redirect_status (params), denied));
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
