/* gh-router.c — the route table, and what happens between a request's arrival and its
 * handler: the route, the method, the project
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-server"

#include "config.h"

#include <string.h>

#include "gh-error.h"
#include "gh-http-auth.h"
#include "gh-http.h"
#include "gh-router.h"
#include "gh-server-private.h"

#define DISCOVERY_METHODS "GET, HEAD, OPTIONS"
/* The realm of the admin API's Bearer challenge. */
#define ADMIN_REALM "gatehouse-admin"

/* Every path the server answers. Discovery lists the project routes that have a metadata
 * name, so an endpoint appears in metadata when, and only when, it is served. */
static const GhRoute routes[] = {
  { GH_ROUTE_WELL_KNOWN, "oauth-authorization-server", FALSE, DISCOVERY_METHODS,
    GH_ROUTE_AUTH_NONE, GH_ROUTE_NEEDS_PROJECT, _gh_server_handle_oauth_metadata },
  { GH_ROUTE_WELL_KNOWN, "openid-configuration", FALSE, DISCOVERY_METHODS,
    GH_ROUTE_AUTH_NONE, GH_ROUTE_NEEDS_PROJECT, _gh_server_handle_openid_configuration },
  /* The issuer's own URL: a page for a browser, 404 for a program. */
  { GH_ROUTE_PROJECT, "/", FALSE, NULL,
    GH_ROUTE_AUTH_NONE, GH_ROUTE_NEEDS_NOTHING, _gh_server_handle_issuer_root },
  { GH_ROUTE_PROJECT, "/authorize", FALSE, "GET, POST",
    GH_ROUTE_AUTH_NONE, GH_ROUTE_NEEDS_PROJECT, _gh_server_handle_authorize,
    "authorization_endpoint" },
  { GH_ROUTE_PROJECT, "/consent", FALSE, "GET, POST",
    GH_ROUTE_AUTH_BROWSER, GH_ROUTE_NEEDS_PROJECT, _gh_server_handle_consent },
  { GH_ROUTE_PROJECT, "/introspect", FALSE, "POST, OPTIONS",
    GH_ROUTE_AUTH_CLIENT, GH_ROUTE_NEEDS_PROJECT, _gh_server_handle_introspect,
    "introspection_endpoint" },
  /* The instance's key set, published below every issuer. */
  { GH_ROUTE_PROJECT, "/jwks", FALSE, "GET, HEAD, OPTIONS",
    GH_ROUTE_AUTH_NONE, GH_ROUTE_NEEDS_PROJECT_EXISTS, _gh_server_handle_jwks, "jwks_uri" },
  { GH_ROUTE_PROJECT, "/login", FALSE, "GET, POST",
    GH_ROUTE_AUTH_BROWSER, GH_ROUTE_NEEDS_PROJECT, _gh_server_handle_login },
  { GH_ROUTE_PROJECT, "/register", FALSE, "POST, OPTIONS",
    GH_ROUTE_AUTH_INITIAL_ACCESS_TOKEN, GH_ROUTE_NEEDS_PROJECT, _gh_server_handle_register,
    "registration_endpoint" },
  { GH_ROUTE_PROJECT, "/register/", TRUE, "GET, PUT, DELETE, OPTIONS",
    GH_ROUTE_AUTH_REGISTRATION_TOKEN, GH_ROUTE_NEEDS_PROJECT,
    _gh_server_handle_client_configuration },
  { GH_ROUTE_PROJECT, "/revoke", FALSE, "POST, OPTIONS",
    GH_ROUTE_AUTH_CLIENT, GH_ROUTE_NEEDS_PROJECT, _gh_server_handle_revoke,
    "revocation_endpoint" },
  { GH_ROUTE_PROJECT, "/token", FALSE, "POST, OPTIONS",
    GH_ROUTE_AUTH_CLIENT, GH_ROUTE_NEEDS_PROJECT, _gh_server_handle_token, "token_endpoint" },
  { GH_ROUTE_PROJECT, "/userinfo", FALSE, "GET, POST, OPTIONS",
    GH_ROUTE_AUTH_ACCESS_TOKEN, GH_ROUTE_NEEDS_PROJECT, _gh_server_handle_userinfo,
    "userinfo_endpoint" },
  /* The admin API (src/core/admin/): JSON, an admin token, no CORS. */
  { GH_ROUTE_SERVER, "/admin/v1/server", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_server },
  { GH_ROUTE_SERVER, "/admin/v1/event-types", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_event_types },
  { GH_ROUTE_SERVER, "/admin/v1/projects", FALSE, "GET, POST",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_projects },
  { GH_ROUTE_SERVER, "/admin/v1/projects/", TRUE, "GET, PATCH, DELETE",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_project },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/audit", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_audit },
  { GH_ROUTE_SERVER, "/admin/v1/admin-tokens", FALSE, "GET, POST",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_admin_tokens },
  { GH_ROUTE_SERVER, "/admin/v1/admin-tokens/", TRUE, "DELETE",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_admin_token },
  /* What a project holds, the signing keys, fixes (gh-admin-project-routes.c,
   * gh-admin-fixes.c) */
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/iats", FALSE, "GET, POST",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_iats },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/iats/*", FALSE, "DELETE",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_iat },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/users", FALSE, "GET, POST",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_users },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/users/*", FALSE, "PATCH, DELETE",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_user },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/resources", FALSE, "GET, POST",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_resources },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/resources/*", FALSE, "DELETE",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_resource },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/fixes", FALSE, "POST",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_fixes },
  { GH_ROUTE_SERVER, "/admin/v1/keys", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_keys },
  { GH_ROUTE_SERVER, "/admin/v1/keys/rotate", FALSE, "POST",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_keys_rotate },
  /* The API's description, the audit export (gh-admin-openapi.c, gh-admin-export.c) */
  { GH_ROUTE_SERVER, "/admin/v1/openapi.json", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_openapi },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/audit/export", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_audit_export },

  /* Refresh families, token inspection, client compatibility (gh-admin-inspect.c) */
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/refresh-families", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_refresh_families },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/refresh-families/*", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_refresh_family },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/tokens/inspect", FALSE, "POST",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_token_inspect },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/compat", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_compat },
  /* A token as recorded, revoking a family (gh-admin-inspect.c): the Live flows' Tokens tab */
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/tokens/*", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_access_token },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/refresh-families/*/revoke", FALSE, "POST",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_refresh_family_revoke },
  /* Flows and discovery hits (gh-admin-flows.c) */
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/flows", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_flows },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/flows/*", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_flow },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/discovery/hits", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_discovery_hits },
  /* Clients and CIMD (gh-admin-clients.c). A client id may be a URL: "**" takes it whole,
   * with ".../refresh" (POST) after it; import comes before the row it would match. */
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/clients", FALSE, "GET, POST",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_clients },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/clients/import", FALSE, "POST",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_client_import },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/clients/**", FALSE, "GET, POST, DELETE",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_client },
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/cimd/resolve", FALSE, "POST",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_cimd_resolve },
  /* Live events: a WebSocket or Server-Sent Events (gh-admin-events.c). */
  { GH_ROUTE_SERVER, "/admin/v1/events", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_events },
  /* What the console's Overview counts and groups (gh-admin-summary.c). */
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/summary", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_summary },
  /* How many events an audit filter keeps: an export's progress (gh-admin-routes.c). */
  { GH_ROUTE_SERVER, "/admin/v1/projects/*/audit/count", FALSE, "GET",
    GH_ROUTE_AUTH_ADMIN, GH_ROUTE_NEEDS_NOTHING, _gh_admin_handle_audit_count },
};

const GhRoute *
gh_router_get_routes (guint *n_routes)
{
  *n_routes = G_N_ELEMENTS (routes);
  return routes;
}

void
gh_route_match_clear (GhRouteMatch *match)
{
  g_clear_pointer (&match->slug, g_free);
  match->route = NULL;
}

/* The next '/' in @s, or its end. */
static const char *
find_slash (const char *s)
{
  const char *slash = strchr (s, '/');
  return slash != NULL ? slash : s + strlen (s);
}

/* "/p/{slug}" -> slug; "" -> the default project; anything else, a slug that breaks the
 * slug rules included (it would be reflected in the 404), -> NULL. */
static char *
slug_from_issuer_path (const char *path)
{
  const char *slug;

  if (*path == '\0')
    return g_strdup (GH_DEFAULT_PROJECT);
  if (!g_str_has_prefix (path, "/p/"))
    return NULL;
  slug = path + 3;
  if (!gh_projects_check_slug (slug, NULL))
    return NULL;
  return g_strdup (slug);
}

/* @pattern with each '*' standing for one non-empty segment, and a final "**" for the
 * non-empty rest, slashes and all (a client id that is a URL). */
static gboolean
path_matches_pattern (const char *pattern,
                      const char *path)
{
  for (; *pattern != '\0'; pattern++)
    {
      if (g_str_equal (pattern, "**"))
        return *path != '\0';
      if (*pattern != '*')
        {
          if (*path++ != *pattern)
            return FALSE;
          continue;
        }
      if (*path == '\0' || *path == '/')
        return FALSE;
      path = find_slash (path);
    }
  return *path == '\0';
}

static gboolean
path_matches (const GhRoute *route,
              const char    *path)
{
  gsize length = strlen (route->path);

  if (strchr (route->path, '*') != NULL)
    return path_matches_pattern (route->path, path);
  if (!route->prefix)
    return g_str_equal (path, route->path);
  return g_str_has_prefix (path, route->path) && path[length] != '\0' &&
         strchr (path + length, '/') == NULL;
}

static const GhRoute *
find_route (const GhRoute *table,
            guint          n_routes,
            GhRouteKind    kind,
            const char    *path)
{
  for (guint i = 0; i < n_routes; i++)
    if (table[i].kind == kind && path_matches (&table[i], path))
      return &table[i];
  return NULL;
}

static gboolean
refuse (GhRouteMatch *match,
        const char   *refusal)
{
  g_clear_pointer (&match->slug, g_free);
  match->route = NULL;
  match->refusal = refusal;
  return FALSE;
}

gboolean
gh_router_match (const GhRoute *table,
                 guint          n_routes,
                 const char    *path,
                 GhRouteMatch  *match)
{
  const char *rest;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (match != NULL, FALSE);

  memset (match, 0, sizeof *match);
  match->path = path;

  /* The instance's own routes come first: no project is looked for there. */
  if ((match->route = find_route (table, n_routes, GH_ROUTE_SERVER, path)) != NULL)
    return TRUE;

  /* RFC 8414 path insertion: /.well-known/{name}{issuer path}. */
  if (g_str_has_prefix (path, "/.well-known/"))
    {
      const char *name_start = path + strlen ("/.well-known/");
      const char *name_end = find_slash (name_start);
      g_autofree char *name = g_strndup (name_start, name_end - name_start);

      match->route = find_route (table, n_routes, GH_ROUTE_WELL_KNOWN, name);
      if (match->route == NULL)
        return refuse (match, "No such well-known document");
      match->slug = slug_from_issuer_path (name_end);
      if (match->slug == NULL ||
          (g_str_equal (match->slug, GH_DEFAULT_PROJECT) && *name_end != '\0'))
        return refuse (match, "No issuer at this path");
      return TRUE;
    }

  if (g_str_has_prefix (path, "/p/"))
    {
      const char *slug_start = path + 3;
      const char *slug_end = find_slash (slug_start);

      match->slug = g_strndup (slug_start, slug_end - slug_start);
      rest = slug_end;
      if (g_str_equal (match->slug, GH_DEFAULT_PROJECT))
        return refuse (match, "The default project is served at the root issuer");
      if (!gh_projects_check_slug (match->slug, NULL))
        return refuse (match, "No such project");
    }
  else
    {
      match->slug = g_strdup (GH_DEFAULT_PROJECT);
      rest = path;
    }
  match->path = rest;

  /* The path-appended form OIDC Discovery defines (and some clients try for RFC 8414). */
  if (g_str_has_prefix (rest, "/.well-known/"))
    {
      match->route = find_route (table, n_routes, GH_ROUTE_WELL_KNOWN,
                                 rest + strlen ("/.well-known/"));
      return match->route != NULL ? TRUE : refuse (match, "No such well-known document");
    }

  match->route = find_route (table, n_routes, GH_ROUTE_PROJECT, *rest == '\0' ? "/" : rest);
  return match->route != NULL ? TRUE : refuse (match, "No such endpoint");
}

void
_gh_server_send_not_found (SoupServerMessage *msg,
                           const char        *description)
{
  gh_http_allow_cors (msg);
  gh_http_send_oauth_error (msg, GH_OAUTH_ERROR_NOT_FOUND, description);
}

void
_gh_request_clear (GhRequest *request)
{
  g_clear_pointer (&request->project, gh_project_free);
  g_clear_pointer (&request->issuer, g_free);
  g_clear_pointer (&request->admin_token, gh_admin_token_free);
}

gboolean
_gh_request_load_project (GhRequest *request)
{
  g_autoptr(GError) error = NULL;

  request->project = gh_projects_get (request->server->projects, request->slug, &error);
  if (request->project == NULL)
    {
      /* A missing project is a refusal like any 404 (CORS included); a failure is not. */
      if (g_error_matches (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND))
        gh_http_allow_cors (request->msg);
      gh_http_send_error (request->msg, error);
      return FALSE;
    }
  request->issuer = gh_server_build_issuer (request->server, request->slug);
  return TRUE;
}

const char *
_gh_request_peer (GhRequest *request)
{
  return request->msg != NULL ? soup_server_message_get_remote_host (request->msg) : NULL;
}

const char *
_gh_request_user_agent (GhRequest *request)
{
  return request->msg != NULL ?
         soup_message_headers_get_one (soup_server_message_get_request_headers (request->msg),
                                       "User-Agent") : NULL;
}

char *
_gh_request_endpoint_url (GhRequest  *request,
                          const char *path)
{
  return g_strconcat (request->issuer, path, NULL);
}

GhPausedRequest *
_gh_request_pause (GhRequest      *request,
                   GhForm         *form,
                   gpointer        data,
                   GDestroyNotify  data_free)
{
  return gh_paused_request_new (G_OBJECT (request->server), request->msg, request->project->slug,
                                request->issuer, request->path, form, data, data_free);
}

gboolean
_gh_request_resume (GhRequest        *request,
                    GhPausedRequest  *paused,
                    GError          **error)
{
  request->server = GH_SERVER (paused->owner);
  request->msg = paused->msg;
  request->slug = paused->slug;
  request->issuer = g_strdup (paused->issuer);
  request->path = paused->path;
  request->project = gh_projects_get (request->server->projects, paused->slug, error);
  return request->project != NULL;
}

static gboolean
method_allowed (SoupServerMessage *msg,
                const char        *methods)
{
  const char *method = soup_server_message_get_method (msg);
  gsize length = strlen (method);

  /* @methods is "GET, HEAD, OPTIONS": find the method as a whole word, with no allocation. */
  for (const char *p = strstr (methods, method); p != NULL; p = strstr (p + 1, method))
    if ((p == methods || p[-1] == ' ') && (p[length] == '\0' || p[length] == ','))
      return TRUE;
  return FALSE;
}

/* Answers OPTIONS (@cors: as a preflight) and refused methods; TRUE when the handler should
 * run. */
static gboolean
check_method (SoupServerMessage *msg,
              const char        *methods,
              gboolean           cors)
{
  if (cors && gh_http_method_is (msg, "OPTIONS"))
    {
      gh_http_answer_preflight (msg, methods);
      return FALSE;
    }
  if (!method_allowed (msg, methods))
    {
      g_autofree char *description = g_strdup_printf ("Use %s", methods);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Allow", methods);
      if (cors)
        gh_http_allow_cors (msg);
      gh_http_send_oauth_error (msg, GH_OAUTH_ERROR_METHOD_NOT_ALLOWED, description);
      return FALSE;
    }
  return TRUE;
}

/* Checks the admin token of @request; answers 401 (or the store's failure) itself when it
 * does not pass. */
static gboolean
authenticate_admin (GhRequest *request)
{
  g_autoptr(GError) error = NULL;
  const char *bearer = gh_http_auth_get_bearer (request->msg);

  request->admin_token = gh_admin_tokens_verify (request->server->admin_tokens, bearer,
                                                 _gh_request_peer (request),
                                                 _gh_request_user_agent (request), &error);
  if (request->admin_token != NULL)
    {
      /* For an answer given after a pause (gh-admin-private.h) */
      g_object_set_data_full (G_OBJECT (request->msg), GH_ADMIN_TOKEN_ID_KEY,
                              g_strdup (request->admin_token->id), g_free);
      return TRUE;
    }
  /* RFC 6750 §3: no error code when no token was sent at all. */
  if (gh_oauth_error_from_gerror (error) == GH_OAUTH_ERROR_INVALID_TOKEN)
    gh_http_auth_challenge (request->msg, "Bearer", ADMIN_REALM, bearer != NULL ? error : NULL);
  else if (gh_oauth_error_from_gerror (error) == GH_OAUTH_ERROR_TOO_MANY_REQUESTS)
    soup_message_headers_replace (soup_server_message_get_response_headers (request->msg),
                                  "Retry-After", "60");
  gh_http_set_no_store (request->msg);
  gh_http_send_error (request->msg, error);
  return FALSE;
}

static void
route_request (GhServer          *self,
               SoupServerMessage *msg,
               const char        *path)
{
  g_auto(GhRouteMatch) match = { 0 };
  g_auto(GhRequest) request = { 0 };
  const GhRoute *route;

  /* Every request to a well-known path, served or not, is a discovery hit */
  _gh_discovery_watch_hit (self, msg, path);
  if (!gh_router_match (routes, G_N_ELEMENTS (routes), path, &match))
    {
      _gh_server_send_not_found (msg, match.refusal);
      return;
    }
  route = match.route;
  request.server = self;
  request.msg = msg;
  /* Before anything else: a caller without an admin token learns nothing, not even the
   * methods a route takes. */
  if (route->auth == GH_ROUTE_AUTH_ADMIN && !authenticate_admin (&request))
    return;
  if (route->methods != NULL &&
      !check_method (msg, route->methods, route->auth != GH_ROUTE_AUTH_ADMIN))
    return;

  request.slug = match.slug;
  request.path = match.path;
  switch (route->needs)
    {
    case GH_ROUTE_NEEDS_PROJECT:
      if (!_gh_request_load_project (&request))
        return;
      break;
    case GH_ROUTE_NEEDS_PROJECT_EXISTS:
      /* The JWKS is the instance's: no need to copy the project for each request. */
      if (!gh_projects_exists (self->projects, match.slug))
        {
          g_autofree char *description = g_strdup_printf ("There is no project “%s”",
                                                          match.slug);
          _gh_server_send_not_found (msg, description);
          return;
        }
      request.issuer = gh_server_build_issuer (self, match.slug);
      break;
    case GH_ROUTE_NEEDS_NOTHING:
    default:
      break;
    }

  switch (route->auth)
    {
    case GH_ROUTE_AUTH_ACCESS_TOKEN:
    case GH_ROUTE_AUTH_REGISTRATION_TOKEN:
    case GH_ROUTE_AUTH_INITIAL_ACCESS_TOKEN:
      request.bearer = gh_http_auth_get_bearer (msg);
      break;
    case GH_ROUTE_AUTH_NONE:
    case GH_ROUTE_AUTH_BROWSER:
    case GH_ROUTE_AUTH_CLIENT:
    case GH_ROUTE_AUTH_ADMIN:
    default:
      break;
    }
  route->handler (&request);
}

void
_gh_server_dispatch (SoupServer        *soup_server,
                     SoupServerMessage *msg,
                     const char        *path,
                     GHashTable        *query,
                     gpointer           user_data)
{
  GhServer *self = user_data;

  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "X-Content-Type-Options", "nosniff");
  /* The body came in after its deadline: the client was told 408, nothing is done. */
  if (self->connections != NULL && gh_connections_timed_out (self->connections, msg))
    {
      _gh_server_refuse_early (self, msg, GH_OAUTH_ERROR_REQUEST_TIMEOUT,
                               "The request did not arrive in time", FALSE);
      return;
    }
  route_request (self, msg, path);
}
