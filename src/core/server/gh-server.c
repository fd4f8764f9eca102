/* gh-server.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-server"

#include "config.h"

#include <string.h>

#include "gh-discovery.h"
#include "gh-error.h"
#include "gh-http.h"
#include "gh-pages.h"
#include "gh-server-private.h"
#include "gh-server-record.h"
#include "gh-server.h"
#include "gh-time.h"

struct _GhServer
{
  GObject parent_instance;

  char *data_dir;
  GhSettingsProfile profile;
  GhStore *store;
  GhAudit *audit;
  GhProjects *projects;
  GhSecretStore *secrets;
  GhSigningKeys *signing_keys;
  GhClients *clients;
  GhUsers *users;
  GhResources *resources;
  GhAuthorization *authorization;
  GhTokens *tokens;
  GhIats *iats;
  GhRegistration *registration;
  GhCimdResolver *cimd_resolver;

  /* Discovery documents and the JWKS, serialized, while nothing changed. */
  GHashTable *responses;  /* key -> CachedResponse */
  GhStoreStamp responses_stamp;

  SoupServer *soup_server;
  GhConnections *connections;
  GhServerLimits requested_limits;
  GhServerLimits limits;  /* requested_limits with the defaults filled in */
  gboolean limits_set;
  char *issuer_base;
  char *listen_url;
  char *signing_error;
  gint64 started_at;
  guint16 port;
};

G_DEFINE_FINAL_TYPE (GhServer, gh_server, G_TYPE_OBJECT)

typedef struct
{
  char *body;
  char *etag;
  gint64 valid_until;  /* unix seconds; G_MAXINT64: until the store changes */
} CachedResponse;

static void
cached_response_free (CachedResponse *cached)
{
  g_free (cached->body);
  g_free (cached->etag);
  g_free (cached);
}

typedef void (*GhRouteHandler) (GhRequest *request);

typedef struct
{
  const char *path;          /* below the project's issuer; a trailing '/' matches a prefix */
  const char *methods;       /* for Allow and CORS preflights */
  GhRouteHandler handler;
  const char *metadata_name; /* advertised in discovery under this name, or NULL */
  gboolean project_unused;   /* the handler needs the project to exist, not its settings */
} GhRoute;

static void handle_jwks (GhRequest *request);

/* Every endpoint a project serves. Discovery lists exactly these, so an endpoint appears
 * in metadata when, and only when, it is served. */
static const GhRoute routes[] = {
  { "/authorize", "GET, POST", _gh_server_handle_authorize, "authorization_endpoint" },
  { "/consent", "GET, POST", _gh_server_handle_consent, NULL },
  { "/introspect", "POST, OPTIONS", _gh_server_handle_introspect, "introspection_endpoint" },
  { "/jwks", "GET, HEAD, OPTIONS", handle_jwks, "jwks_uri", TRUE },
  { "/login", "GET, POST", _gh_server_handle_login, NULL },
  { "/register", "POST, OPTIONS", _gh_server_handle_register, "registration_endpoint" },
  { "/register/", "GET, PUT, DELETE, OPTIONS", _gh_server_handle_client_configuration, NULL },
  { "/revoke", "POST, OPTIONS", _gh_server_handle_revoke, "revocation_endpoint" },
  { "/token", "POST, OPTIONS", _gh_server_handle_token, "token_endpoint" },
  { "/userinfo", "GET, POST, OPTIONS", _gh_server_handle_userinfo, "userinfo_endpoint" },
};

static const char * const well_known_names[] = {
  "oauth-authorization-server",
  "openid-configuration",
};

static void
gh_server_dispose (GObject *object)
{
  GhServer *self = (GhServer *) object;

  gh_server_stop (self);
  g_clear_object (&self->connections);
  g_clear_object (&self->soup_server);
  g_clear_object (&self->cimd_resolver);
  g_clear_object (&self->registration);
  g_clear_object (&self->iats);
  g_clear_object (&self->tokens);
  g_clear_object (&self->authorization);
  g_clear_object (&self->resources);
  g_clear_object (&self->users);
  g_clear_object (&self->clients);
  g_clear_object (&self->signing_keys);
  g_clear_object (&self->secrets);
  g_clear_object (&self->projects);
  g_clear_object (&self->audit);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (gh_server_parent_class)->dispose (object);
}

static void
gh_server_finalize (GObject *object)
{
  GhServer *self = (GhServer *) object;

  g_clear_pointer (&self->data_dir, g_free);
  g_clear_pointer (&self->issuer_base, g_free);
  g_clear_pointer (&self->listen_url, g_free);
  g_clear_pointer (&self->signing_error, g_free);
  g_clear_pointer (&self->responses, g_hash_table_unref);

  G_OBJECT_CLASS (gh_server_parent_class)->finalize (object);
}

static void
gh_server_class_init (GhServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gh_server_dispose;
  object_class->finalize = gh_server_finalize;
}

static void
gh_server_init (GhServer *self)
{
  self->responses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) cached_response_free);
  gh_server_limits_resolve (&self->limits, 1024);
}

/* A cached response for @key, dropped when anything was written or its time has come. */
static CachedResponse *
lookup_response (GhServer   *self,
                 const char *key)
{
  GhStoreStamp stamp = gh_store_get_stamp (self->store);
  CachedResponse *cached;

  if (!gh_store_stamp_equal (&stamp, &self->responses_stamp))
    {
      g_hash_table_remove_all (self->responses);
      self->responses_stamp = stamp;
      return NULL;
    }
  cached = g_hash_table_lookup (self->responses, key);
  if (cached != NULL && cached->valid_until <= gh_now_seconds ())
    {
      g_hash_table_remove (self->responses, key);
      return NULL;
    }
  return cached;
}

/* Keeps @object's response for @key; NULL when the stamp cannot vouch for it (a write was
 * under way), and the caller then sends @object itself. */
static CachedResponse *
keep_response (GhServer   *self,
               const char *key,
               JsonObject *object,
               gint64      valid_until)
{
  CachedResponse *cached;

  if (self->responses_stamp.data_version < 0)
    return NULL;
  cached = g_new0 (CachedResponse, 1);
  cached->body = gh_http_json_body (object, &cached->etag);
  cached->valid_until = valid_until;
  g_hash_table_replace (self->responses, g_strdup (key), cached);
  return cached;
}

GhServer *
gh_server_new (const char         *data_dir,
               GhSecretBackend     backend,
               GhSettingsProfile   profile,
               GError            **error)
{
  g_autoptr(GhServer) self = NULL;

  g_return_val_if_fail (data_dir != NULL, NULL);

  self = g_object_new (GH_TYPE_SERVER, NULL);
  self->profile = profile;

  self->store = gh_store_open (data_dir, error);
  if (self->store == NULL)
    return NULL;
  self->data_dir = g_strdup (gh_store_get_data_dir (self->store));

  self->audit = gh_audit_new (self->store);
  self->projects = gh_projects_new (self->store, self->audit);
  if (!gh_projects_ensure_default (self->projects, profile, error))
    return NULL;

  self->secrets = gh_secret_store_new (backend, self->data_dir, error);
  if (self->secrets == NULL)
    return NULL;
  self->signing_keys = gh_signing_keys_new (self->store, self->secrets, self->audit);
  self->clients = gh_clients_new (self->store, self->audit);
  self->users = gh_users_new (self->store, self->audit);
  self->resources = gh_resources_new (self->store, self->audit);
  self->authorization = gh_authorization_new (self->store, self->audit, self->clients, self->users,
                                              self->resources);
  self->tokens = gh_tokens_new (self->store, self->audit, self->signing_keys, self->users,
                                self->resources);
  self->iats = gh_iats_new (self->store, self->audit);
  self->registration = gh_registration_new (self->store, self->audit, self->clients, self->iats);
  self->cimd_resolver = gh_cimd_resolver_new (self->store, self->audit, NULL);
  gh_clients_set_cimd_resolver (self->clients, self->cimd_resolver);

  return g_steal_pointer (&self);
}

char *
gh_server_build_issuer (GhServer   *self,
                        const char *slug)
{
  const char *base;

  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  g_return_val_if_fail (slug != NULL, NULL);

  base = gh_server_get_issuer_base (self);
  if (base == NULL)
    return NULL;
  if (g_str_equal (slug, GH_DEFAULT_PROJECT))
    return g_strdup (base);
  return g_strconcat (base, "/p/", slug, NULL);
}

static void
request_clear (GhRequest *request)
{
  g_clear_pointer (&request->project, gh_project_free);
  g_clear_pointer (&request->issuer, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GhRequest, request_clear)

static void
send_not_found (SoupServerMessage *msg,
                const char        *description)
{
  gh_http_allow_cors (msg);
  gh_http_send_oauth_error (msg, GH_OAUTH_ERROR_NOT_FOUND, description);
}

/* Finds @slug's project; answers 404 itself when there is none. */
static gboolean
request_init (GhRequest         *request,
              GhServer          *self,
              SoupServerMessage *msg,
              const char        *slug)
{
  g_autoptr(GError) error = NULL;

  request->server = self;
  request->msg = msg;
  request->project = gh_projects_get (self->projects, slug, &error);
  if (request->project == NULL)
    {
      if (g_error_matches (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND))
        send_not_found (msg, error->message);
      else
        gh_http_send_error (msg, error);
      return FALSE;
    }
  request->issuer = gh_server_build_issuer (self, slug);
  return TRUE;
}

static JsonObject *
collect_endpoints (GhRequest *request)
{
  JsonObject *endpoints = json_object_new ();

  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    if (routes[i].metadata_name != NULL)
      {
        g_autofree char *url = g_strconcat (request->issuer, routes[i].path, NULL);
        json_object_set_string_member (endpoints, routes[i].metadata_name, url);
      }
  return endpoints;
}

static char **
collect_signing_algs (GhServer *self)
{
  g_autoptr(GPtrArray) keys = gh_signing_keys_list (self->signing_keys, NULL);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  gboolean have[3] = { FALSE, };

  /* Every algorithm a published key signs with; ES256 when there is no key yet. */
  for (guint i = 0; keys != NULL && i < keys->len; i++)
    {
      GhSigningKeyInfo *info = g_ptr_array_index (keys, i);
      if (info->alg == GH_JWS_ALG_ES256 || info->alg == GH_JWS_ALG_RS256)
        have[info->alg] = TRUE;
    }
  if (have[GH_JWS_ALG_ES256] || !have[GH_JWS_ALG_RS256])
    g_strv_builder_add (builder, "ES256");
  if (have[GH_JWS_ALG_RS256])
    g_strv_builder_add (builder, "RS256");
  return g_strv_builder_end (builder);
}

static void
handle_discovery (GhRequest       *request,
                  GhDiscoveryKind  kind)
{
  GhServer *self = request->server;
  g_autofree char *key = g_strdup_printf ("discovery %d %s %s", kind, request->project->slug,
                                          request->issuer);
  CachedResponse *cached = lookup_response (self, key);

  if (cached == NULL)
    {
      g_autoptr(JsonObject) endpoints = collect_endpoints (request);
      g_auto(GStrv) algs = collect_signing_algs (self);
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) scopes = gh_resources_list_scopes (self->resources, request->project->id,
                                                       &error);
      g_autoptr(JsonObject) doc = NULL;

      /* A store error is answered as one, and nothing is cached. */
      if (scopes == NULL)
        {
          gh_http_allow_cors (request->msg);
          gh_http_send_error (request->msg, error);
          return;
        }

      doc = gh_discovery_build (request->project, request->issuer, kind, endpoints,
                                (const char * const *) algs, (const char * const *) scopes, TRUE);
      cached = keep_response (self, key, doc, G_MAXINT64);
      if (cached == NULL)
        {
          gh_http_allow_cors (request->msg);
          gh_http_send_json (request->msg, SOUP_STATUS_OK, doc, "no-cache");
          return;
        }
    }
  gh_http_allow_cors (request->msg);
  /* Settings change at run time (the MCP toggle): revalidate every time, cheaply. */
  gh_http_send_json_body (request->msg, SOUP_STATUS_OK, cached->body, cached->etag, "no-cache");
}

static void
handle_jwks (GhRequest *request)
{
  GhServer *self = request->server;
  CachedResponse *cached = lookup_response (self, "jwks");
  g_autoptr(GError) error = NULL;

  gh_http_allow_cors (request->msg);
  if (cached == NULL)
    {
      g_autoptr(JsonObject) jwks = gh_signing_keys_get_jwks (self->signing_keys, &error);

      if (jwks == NULL)
        {
          gh_http_send_error (request->msg, error);
          return;
        }
      /* The set changes by itself when a retired key expires. */
      cached = keep_response (self, "jwks", jwks, gh_signing_keys_next_change (self->signing_keys));
      if (cached == NULL)
        {
          gh_http_send_json (request->msg, SOUP_STATUS_OK, jwks, "public, max-age=60");
          return;
        }
    }
  /* Short enough that a rotated key (published before it signs) is seen in time. */
  gh_http_send_json_body (request->msg, SOUP_STATUS_OK, cached->body, cached->etag,
                          "public, max-age=60");
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

/* Answers OPTIONS and refused methods; TRUE when the handler should run. */
static gboolean
check_method (SoupServerMessage *msg,
              const char        *methods)
{
  if (gh_http_method_is (msg, "OPTIONS"))
    {
      gh_http_answer_preflight (msg, methods);
      return FALSE;
    }
  if (!method_allowed (msg, methods))
    {
      g_autofree char *description = g_strdup_printf ("Use %s", methods);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Allow", methods);
      gh_http_allow_cors (msg);
      gh_http_send_oauth_error (msg, GH_OAUTH_ERROR_METHOD_NOT_ALLOWED, description);
      return FALSE;
    }
  return TRUE;
}

static int
well_known_kind (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (well_known_names); i++)
    if (g_str_equal (name, well_known_names[i]))
      return (int) i;
  return -1;
}

static void
serve_discovery (GhServer          *self,
                 SoupServerMessage *msg,
                 const char        *slug,
                 int                kind)
{
  g_auto(GhRequest) request = { 0 };

  if (!check_method (msg, "GET, HEAD, OPTIONS"))
    return;
  if (!request_init (&request, self, msg, slug))
    return;
  handle_discovery (&request, kind == 0 ? GH_DISCOVERY_OAUTH : GH_DISCOVERY_OIDC);
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

/* A browser opening the issuer's URL gets a page naming the issuer and where programs find
 * its metadata; a program keeps the JSON 404 (no endpoint is there). */
static void
serve_issuer_root (GhServer          *self,
                   SoupServerMessage *msg,
                   const char        *slug)
{
  g_auto(GhRequest) request = { 0 };
  g_autofree char *oauth_metadata = NULL;
  g_autofree char *openid_configuration = NULL;
  g_autofree char *jwks = NULL;
  g_autofree char *nonce = NULL;
  const char *issuer_path;

  soup_message_headers_append (soup_server_message_get_response_headers (msg), "Vary", "Accept");
  if (!gh_http_accepts_html (msg) ||
      !(gh_http_method_is (msg, "GET") || gh_http_method_is (msg, "HEAD")))
    {
      send_not_found (msg, "No such endpoint");
      return;
    }
  if (!request_init (&request, self, msg, slug))
    return;
  issuer_path = request.issuer + strlen (gh_server_get_issuer_base (self));
  oauth_metadata = g_strconcat (gh_server_get_issuer_base (self),
                                "/.well-known/oauth-authorization-server", issuer_path, NULL);
  openid_configuration = g_strconcat (request.issuer, "/.well-known/openid-configuration", NULL);
  jwks = g_strconcat (request.issuer, "/jwks", NULL);
  nonce = gh_page_new_nonce ();
  gh_page_send (msg, SOUP_STATUS_OK,
                gh_page_issuer (request.project->display_name, request.issuer, oauth_metadata,
                                openid_configuration, jwks, nonce),
                nonce);
}

static void
route_request (GhServer          *self,
               SoupServerMessage *msg,
               const char        *path)
{
  g_autofree char *slug = NULL;
  const char *rest;

  /* RFC 8414 path insertion: /.well-known/{name}{issuer path}. */
  if (g_str_has_prefix (path, "/.well-known/"))
    {
      const char *name_start = path + strlen ("/.well-known/");
      const char *name_end = find_slash (name_start);
      g_autofree char *name = g_strndup (name_start, name_end - name_start);
      int kind = well_known_kind (name);

      if (kind < 0)
        {
          send_not_found (msg, "No such well-known document");
          return;
        }
      slug = slug_from_issuer_path (name_end);
      if (slug == NULL || (g_str_equal (slug, GH_DEFAULT_PROJECT) && *name_end != '\0'))
        {
          send_not_found (msg, "No issuer at this path");
          return;
        }
      serve_discovery (self, msg, slug, kind);
      return;
    }

  if (g_str_has_prefix (path, "/p/"))
    {
      const char *slug_start = path + 3;
      const char *slug_end = find_slash (slug_start);

      slug = g_strndup (slug_start, slug_end - slug_start);
      rest = slug_end;
      if (g_str_equal (slug, GH_DEFAULT_PROJECT))
        {
          send_not_found (msg, "The default project is served at the root issuer");
          return;
        }
      if (!gh_projects_check_slug (slug, NULL))
        {
          send_not_found (msg, "No such project");
          return;
        }
    }
  else
    {
      slug = g_strdup (GH_DEFAULT_PROJECT);
      rest = path;
    }

  if (*rest == '\0' || g_str_equal (rest, "/"))
    {
      serve_issuer_root (self, msg, slug);
      return;
    }

  /* The path-appended form OIDC Discovery defines (and some clients try for RFC 8414). */
  if (g_str_has_prefix (rest, "/.well-known/"))
    {
      int kind = well_known_kind (rest + strlen ("/.well-known/"));

      if (kind < 0)
        {
          send_not_found (msg, "No such well-known document");
          return;
        }
      serve_discovery (self, msg, slug, kind);
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      g_auto(GhRequest) request = { 0 };
      gsize length = strlen (routes[i].path);

      if (routes[i].path[length - 1] == '/'
          ? !(g_str_has_prefix (rest, routes[i].path) && rest[length] != '\0' &&
              strchr (rest + length, '/') == NULL)
          : !g_str_equal (rest, routes[i].path))
        continue;
      request.path = rest;
      if (!check_method (msg, routes[i].methods))
        return;
      if (routes[i].project_unused)
        {
          /* The JWKS is the instance's: no need to copy the project for each request. */
          if (!gh_projects_exists (self->projects, slug))
            {
              g_autofree char *description = g_strdup_printf ("There is no project “%s”", slug);
              send_not_found (msg, description);
              return;
            }
          request.server = self;
          request.msg = msg;
          request.issuer = gh_server_build_issuer (self, slug);
        }
      else if (!request_init (&request, self, msg, slug))
        return;
      routes[i].handler (&request);
      return;
    }

  send_not_found (msg, "No such endpoint");
}

/* Request bodies are small forms and JSON documents. Refused here, before libsoup reads a
 * byte of the body: a client must not make the server hold any amount of memory. */
#define MAX_REQUEST_BODY (64 * 1024)
/* The request target and the header section. libsoup itself closes the connection, without
 * an answer, on a request head over 100 KiB. */
#define MAX_REQUEST_URI (8 * 1024)
#define MAX_REQUEST_HEADERS (32 * 1024)
#define STATUS_HEADER_FIELDS_TOO_LARGE 431

static void
add_header_size (const char *name,
                 const char *value,
                 gpointer    user_data)
{
  gsize *size = user_data;

  *size += strlen (name) + strlen (value) + 4;
}

/* Content-Length as RFC 9112 §6.3 has it: digits only; a repeated header (libsoup joins the
 * values with ", ") must repeat the same number. FALSE for anything else: a sign, a space
 * inside, differing values. *@too_large when the number does not fit in 64 bits. */
static gboolean
parse_content_length (const char *value,
                      guint64    *out_length,
                      gboolean   *too_large)
{
  g_auto(GStrv) parts = g_strsplit (value, ",", -1);

  *too_large = FALSE;
  *out_length = 0;
  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *part = g_strstrip (parts[i]);
      guint64 length = 0;

      if (*part == '\0')
        return FALSE;
      for (const char *p = part; *p != '\0'; p++)
        {
          if (!g_ascii_isdigit (*p))
            return FALSE;
          if (length > (G_MAXUINT64 - (guint64) (*p - '0')) / 10)
            *too_large = TRUE;
          else
            length = length * 10 + (guint64) (*p - '0');
        }
      if (i > 0 && length != *out_length)
        return FALSE;
      *out_length = length;
    }
  return parts[0] != NULL;
}

/* Answers @code's error and closes the connection after it; from the early handler, without
 * reading the body. */
static void
refuse_early (GhServer          *self,
              SoupServerMessage *msg,
              int                code,
              guint              status,
              const char        *description,
              gboolean           early)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Connection", "close");
  gh_http_allow_cors (msg);
  gh_http_send_oauth_error (msg, code, description);
  if (status != 0)
    soup_server_message_set_status (msg, status,
                                    status == STATUS_HEADER_FIELDS_TOO_LARGE
                                    ? "Request Header Fields Too Large" : NULL);
  if (early && self->connections != NULL)
    gh_connections_answer_and_close (self->connections, msg);
}

static void
early_callback (SoupServer        *soup_server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  GhServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  GUri *uri = soup_server_message_get_uri (msg);
  const char *uri_query = g_uri_get_query (uri);
  const char *transfer_encoding = soup_message_headers_get_list (headers, "Transfer-Encoding");
  const char *content_length = soup_message_headers_get_list (headers, "Content-Length");
  gsize header_size = 0;

  if (self->connections != NULL && gh_connections_timed_out (self->connections, msg))
    {
      refuse_early (self, msg, GH_OAUTH_ERROR_INVALID_REQUEST, SOUP_STATUS_REQUEST_TIMEOUT,
                    "The request did not arrive in time", TRUE);
      return;
    }
  if (strlen (g_uri_get_path (uri)) + (uri_query != NULL ? strlen (uri_query) + 1 : 0) >
      MAX_REQUEST_URI)
    {
      refuse_early (self, msg, GH_OAUTH_ERROR_INVALID_REQUEST, SOUP_STATUS_REQUEST_URI_TOO_LONG,
                    "The request URI is longer than 8 KiB", TRUE);
      return;
    }
  soup_message_headers_foreach (headers, add_header_size, &header_size);
  if (header_size > MAX_REQUEST_HEADERS)
    {
      refuse_early (self, msg, GH_OAUTH_ERROR_INVALID_REQUEST, STATUS_HEADER_FIELDS_TOO_LARGE,
                    "The request headers are larger than 32 KiB", TRUE);
      return;
    }

  /* Only two ways to send a body: none at all, or a valid Content-Length. libsoup reads a
   * negative or huge length (its signed -1) to the end of the stream. */
  if (transfer_encoding != NULL)
    {
      if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CHUNKED)
        refuse_early (self, msg, GH_OAUTH_ERROR_INVALID_REQUEST, SOUP_STATUS_LENGTH_REQUIRED,
                      "Send the body with a Content-Length", TRUE);
      else
        refuse_early (self, msg, GH_OAUTH_ERROR_INVALID_REQUEST, SOUP_STATUS_NOT_IMPLEMENTED,
                      "Send the body with a Content-Length, without a Transfer-Encoding", TRUE);
      return;
    }
  if (content_length != NULL)
    {
      guint64 length;
      gboolean too_large;

      if (!parse_content_length (content_length, &length, &too_large))
        refuse_early (self, msg, GH_OAUTH_ERROR_INVALID_REQUEST, SOUP_STATUS_BAD_REQUEST,
                      "The Content-Length is not a number of bytes", TRUE);
      else if (too_large || length > MAX_REQUEST_BODY)
        refuse_early (self, msg, GH_OAUTH_ERROR_PAYLOAD_TOO_LARGE, 0,
                      "The request body is larger than 64 KiB", TRUE);
    }
}

static void
server_callback (SoupServer        *soup_server,
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
      refuse_early (self, msg, GH_OAUTH_ERROR_INVALID_REQUEST, SOUP_STATUS_REQUEST_TIMEOUT,
                    "The request did not arrive in time", FALSE);
      return;
    }
  route_request (self, msg, path);
}

static GInetSocketAddress *
parse_listen_address (const char  *address,
                      GError     **error)
{
  g_autoptr(GSocketConnectable) connectable = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  const char *host;
  guint16 port;

  connectable = g_network_address_parse (address, 0, error);
  if (connectable == NULL)
    return NULL;
  host = g_network_address_get_hostname (G_NETWORK_ADDRESS (connectable));
  port = g_network_address_get_port (G_NETWORK_ADDRESS (connectable));

  if (g_str_equal (host, "localhost"))
    host = "127.0.0.1";
  inet = g_inet_address_new_from_string (host);
  if (inet == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Listen on an IP address (such as 127.0.0.1:0), not “%s”", address);
      return NULL;
    }
  if (!g_strrstr (address, ":"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Give a port in the listen address “%s” (0 picks a free one)", address);
      return NULL;
    }
  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (inet, port));
}

/* server.d/<pid>.json tells `gatehouse-server status` and the CLI where this server listens. */
static void
record_listening (GhServer *self)
{
  g_autoptr(GError) error = NULL;

  if (!gh_server_record_write (self->data_dir, self->listen_url, gh_server_get_issuer_base (self),
                               self->started_at, &error))
    g_message ("Could not record the listening address in %s: %s", self->data_dir,
               error->message);
}

gboolean
gh_server_listen (GhServer         *self,
                  const char       *address,
                  GTlsCertificate  *tls_certificate,
                  GError          **error)
{
  g_autoptr(GInetSocketAddress) socket_address = NULL;
  g_autoptr(GError) key_error = NULL;
  g_autofree char *host = NULL;
  GSList *listeners;
  GInetAddress *inet;

  g_return_val_if_fail (GH_IS_SERVER (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);
  g_return_val_if_fail (self->soup_server == NULL, FALSE);

  socket_address = parse_listen_address (address, error);
  if (socket_address == NULL)
    return FALSE;

  /* Without a usable key the server still starts (discovery works, the GUI can show the
   * problem); everything that signs answers 503 until the secret store is back. */
  g_clear_pointer (&self->signing_error, g_free);
  if (!gh_signing_keys_ensure (self->signing_keys, GH_JWS_ALG_ES256, &key_error))
    {
      g_warning ("Signing is unavailable: %s", key_error->message);
      self->signing_error = g_strdup (key_error->message);
    }

  /* A client reaching the descriptor limit must not stop the listener: the limit as high as
   * allowed, and the connection cap below it. */
  if (!self->limits_set)
    gh_server_set_limits (self, &self->requested_limits);

  /* No versions: they help nobody but someone matching exploits to them. */
  self->soup_server = soup_server_new ("server-header", "Gatehouse",
                                       "tls-certificate", tls_certificate,
                                       NULL);
  soup_server_add_early_handler (self->soup_server, NULL, early_callback, self, NULL);
  soup_server_add_handler (self->soup_server, NULL, server_callback, self, NULL);

  /* Our own socket, for a listen backlog that bursts of clients do not overflow (GSocket's
   * default is 10: the kernel then resets connections). */
  {
    g_autoptr(GSocket) socket = g_socket_new (g_socket_address_get_family (G_SOCKET_ADDRESS (socket_address)),
                                              G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);

    if (socket == NULL ||
        !g_socket_bind (socket, G_SOCKET_ADDRESS (socket_address), TRUE, error))
      {
        g_clear_object (&self->soup_server);
        return FALSE;
      }
    g_socket_set_listen_backlog (socket, 256);
    if (!g_socket_listen (socket, error) ||
        !soup_server_listen_socket (self->soup_server, socket,
                                    tls_certificate != NULL ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
      {
        g_clear_object (&self->soup_server);
        return FALSE;
      }
    self->connections = gh_connections_new (self->soup_server, socket, tls_certificate != NULL,
                                            &self->limits);
  }

  listeners = soup_server_get_listeners (self->soup_server);
  g_assert (listeners != NULL);
  {
    g_autoptr(GSocketAddress) local = g_socket_get_local_address (listeners->data, NULL);
    self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  }
  g_slist_free (listeners);

  inet = g_inet_socket_address_get_address (socket_address);
  host = g_inet_address_to_string (inet);
  g_clear_pointer (&self->listen_url, g_free);
  self->listen_url = g_strdup_printf ("%s://%s%s%s:%u",
                                               tls_certificate != NULL ? "https" : "http",
                                               g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6 ? "[" : "",
                                               host,
                                               g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6 ? "]" : "",
                                               self->port);
  self->started_at = gh_now_seconds ();
  record_listening (self);
  /* Retention: small batches at low priority, never in a request's way */
  gh_audit_start_pruning (self->audit, GH_AUDIT_PRUNE_INTERVAL_MS);
  return TRUE;
}

void
gh_server_stop (GhServer *self)
{
  g_return_if_fail (GH_IS_SERVER (self));

  if (self->soup_server == NULL)
    return;
  gh_audit_stop_pruning (self->audit);
  g_clear_object (&self->connections);
  soup_server_disconnect (self->soup_server);
  g_clear_object (&self->soup_server);
  self->port = 0;
  gh_server_record_stop (self->data_dir, self->listen_url);
}

void
gh_server_set_limits (GhServer             *self,
                      const GhServerLimits *limits)
{
  GhServerLimits resolved;

  g_return_if_fail (GH_IS_SERVER (self));
  g_return_if_fail (limits != NULL);

  resolved = *limits;
  self->requested_limits = *limits;
  gh_server_limits_resolve (&resolved, gh_raise_fd_limit ());
  self->limits = resolved;
  self->limits_set = TRUE;
}

const GhServerLimits *
gh_server_get_limits (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return &self->limits;
}


guint16
gh_server_get_port (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), 0);
  return self->port;
}

const char *
gh_server_get_issuer_base (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->issuer_base != NULL ? self->issuer_base : self->listen_url;
}

const char *
gh_server_get_listen_url (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->listen_url;
}

void
gh_server_set_issuer_base (GhServer   *self,
                           const char *issuer_base)
{
  g_autofree char *copy = NULL;
  gsize len;

  g_return_if_fail (GH_IS_SERVER (self));

  copy = g_strdup (issuer_base);
  /* The issuer never ends in '/': clients compare it byte for byte with what they derive. */
  len = copy != NULL ? strlen (copy) : 0;
  while (len > 0 && copy[len - 1] == '/')
    copy[--len] = '\0';
  g_clear_pointer (&self->issuer_base, g_free);
  self->issuer_base = (copy != NULL && *copy != '\0') ? g_steal_pointer (&copy) : NULL;
  if (self->soup_server != NULL)
    record_listening (self);
}

const char *
gh_server_get_data_dir (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->data_dir;
}

/* Why the server could not sign when it started listening (no key could be made or read),
 * or %NULL when it could. */
const char *
gh_server_get_signing_error (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->signing_error;
}

const char *
gh_server_describe_secrets (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return gh_secret_store_describe (self->secrets);
}


GhStore *
gh_server_get_store (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->store;
}

GhAudit *
gh_server_get_audit (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->audit;
}

GhProjects *
gh_server_get_projects (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->projects;
}

GhSecretStore *
gh_server_get_secret_store (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->secrets;
}

GhSigningKeys *
gh_server_get_signing_keys (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->signing_keys;
}

GhClients *
gh_server_get_clients (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->clients;
}

GhUsers *
gh_server_get_users (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->users;
}

GhResources *
gh_server_get_resources (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->resources;
}

GhAuthorization *
_gh_server_get_authorization (GhServer *self)
{
  return self->authorization;
}

GhTokens *
_gh_server_get_tokens (GhServer *self)
{
  return self->tokens;
}

char *
_gh_server_cookie_name (GhServer   *self,
                        const char *name)
{
  return g_strdup_printf ("gh%u_%s", self->port, name);
}

GhIats *
gh_server_get_iats (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->iats;
}

GhRegistration *
_gh_server_get_registration (GhServer *self)
{
  return self->registration;
}

GhCimdResolver *
_gh_server_get_cimd_resolver (GhServer *self)
{
  return self->cimd_resolver;
}

GhCimdResolver *
gh_server_get_cimd_resolver (GhServer *self)
{
  g_return_val_if_fail (GH_IS_SERVER (self), NULL);
  return self->cimd_resolver;
}

/* The system's trust anchors and @ca_file's, in one database: --ca-file adds, never replaces.
 * The bundle stays in the data directory: the database reads it when it first needs it. */
static GTlsDatabase *
database_with_extra_cas (const char  *data_dir,
                         const char  *ca_file,
                         GError     **error)
{
  static const char * const system_bundles[] = {
    "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt",
  };
  g_autoptr(GString) pem = g_string_new (NULL);
  g_autofree char *extra = NULL;
  g_autofree char *path = g_build_filename (data_dir, "outbound-ca-bundle.pem", NULL);

  if (!g_file_get_contents (ca_file, &extra, NULL, error))
    return NULL;
  if (strstr (extra, "-----BEGIN CERTIFICATE-----") == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s holds no PEM certificate", ca_file);
      return NULL;
    }
  for (guint i = 0; i < G_N_ELEMENTS (system_bundles); i++)
    {
      g_autofree char *bundle = NULL;
      if (g_file_get_contents (system_bundles[i], &bundle, NULL, NULL))
        {
          g_string_append (pem, bundle);
          g_string_append_c (pem, '\n');
          break;
        }
    }
  g_string_append (pem, extra);

  if (!g_file_set_contents_full (path, pem->str, pem->len, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                 error))
    return NULL;
  return g_tls_file_database_new (path, error);
}

gboolean
gh_server_set_outbound_ca_file (GhServer    *self,
                                const char  *ca_file,
                                GError     **error)
{
  g_autoptr(GTlsDatabase) database = NULL;

  g_return_val_if_fail (GH_IS_SERVER (self), FALSE);
  g_return_val_if_fail (ca_file != NULL, FALSE);

  database = database_with_extra_cas (self->data_dir, ca_file, error);
  if (database == NULL)
    return FALSE;
  g_clear_object (&self->cimd_resolver);
  self->cimd_resolver = gh_cimd_resolver_new (self->store, self->audit, database);
  gh_clients_set_cimd_resolver (self->clients, self->cimd_resolver);
  return TRUE;
}
