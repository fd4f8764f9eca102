/* gh-discovery.c — the metadata documents (RFC 8414, OpenID Connect Discovery) and the
 * JWKS: built, cached while nothing changes, served; and the issuer's page for a browser
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-server"

#include "config.h"

#include <string.h>

#include "gh-discovery.h"
#include "gh-flows.h"
#include "gh-http.h"
#include "gh-pages.h"
#include "gh-router.h"
#include "gh-server-private.h"
#include "gh-time.h"

static JsonArray *
string_array (const char * const *items)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; items != NULL && items[i] != NULL; i++)
    json_array_add_string_element (array, items[i]);
  return array;
}

JsonObject *
gh_discovery_build (const GhProject    *project,
                    const char         *issuer,
                    GhDiscoveryKind     kind,
                    JsonObject         *endpoints,
                    const char * const *signing_algs,
                    const char * const *resource_scopes,
                    gboolean            cimd_available)
{
  static const char * const response_types[] = { "code", NULL };
  static const char * const response_modes[] = { "query", NULL };
  static const char * const grant_types[] = { "authorization_code", "refresh_token", NULL };
  static const char * const challenge_methods[] = { "S256", NULL };
  static const char * const scopes[] = { "openid", "profile", "email", "offline_access", NULL };
  static const char * const subject_types[] = { "public", NULL };
  const GhProjectSettings *settings;
  JsonObject *doc;
  g_autoptr(GList) names = NULL;

  g_return_val_if_fail (project != NULL, NULL);
  g_return_val_if_fail (issuer != NULL, NULL);
  g_return_val_if_fail (endpoints != NULL, NULL);

  settings = project->settings;
  doc = json_object_new ();

  json_object_set_string_member (doc, "issuer", issuer);

  names = json_object_get_members (endpoints);
  for (const GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;

      /* DCR off means no registration endpoint at all (clients then try CIMD or give up). */
      if (g_str_equal (name, "registration_endpoint") &&
          settings->dcr_mode == GH_DCR_MODE_DISABLED)
        continue;
      json_object_set_string_member (doc, name, json_object_get_string_member (endpoints, name));
    }

  json_object_set_array_member (doc, "response_types_supported", string_array (response_types));
  json_object_set_array_member (doc, "response_modes_supported", string_array (response_modes));
  json_object_set_array_member (doc, "grant_types_supported", string_array (grant_types));
  json_object_set_array_member (doc, "code_challenge_methods_supported",
                                string_array (challenge_methods));
  {
    JsonArray *supported = string_array (scopes);

    for (guint i = 0; resource_scopes != NULL && resource_scopes[i] != NULL; i++)
      if (!g_strv_contains (scopes, resource_scopes[i]))
        json_array_add_string_element (supported, resource_scopes[i]);
    json_object_set_array_member (doc, "scopes_supported", supported);
  }
  json_object_set_boolean_member (doc, "authorization_response_iss_parameter_supported", TRUE);

  if (json_object_has_member (endpoints, "token_endpoint"))
    {
      static const char * const auth_methods[] = {
        "none", "client_secret_basic", "client_secret_post", "private_key_jwt", NULL,
      };
      json_object_set_array_member (doc, "token_endpoint_auth_methods_supported",
                                    string_array (auth_methods));
      json_object_set_array_member (doc, "token_endpoint_auth_signing_alg_values_supported",
                                    string_array ((const char * const[]) { "ES256", "RS256",
                                                  NULL }));
    }

  if (json_object_has_member (endpoints, "revocation_endpoint"))
    json_object_set_array_member (doc, "revocation_endpoint_auth_methods_supported",
                                  string_array ((const char * const[]) {
                                    "none", "client_secret_basic", "client_secret_post",
                                    "private_key_jwt", NULL }));
  if (json_object_has_member (endpoints, "introspection_endpoint"))
    json_object_set_array_member (doc, "introspection_endpoint_auth_methods_supported",
                                  string_array ((const char * const[]) {
                                    "client_secret_basic", "client_secret_post",
                                    "private_key_jwt", NULL }));

  if (kind == GH_DISCOVERY_OIDC || json_object_has_member (endpoints, "userinfo_endpoint"))
    {
      json_object_set_array_member (doc, "subject_types_supported", string_array (subject_types));
      json_object_set_array_member (doc, "id_token_signing_alg_values_supported",
                                    string_array (signing_algs));
      json_object_set_array_member (doc, "claims_supported",
                                    string_array ((const char * const[]) {
                                      "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce",
                                      "at_hash", "azp", "name", "preferred_username", "email",
                                      "email_verified", NULL }));
    }

  /* Clients pick CIMD from this flag alone: it is true only when a URL client_id works. */
  json_object_set_boolean_member (doc, "client_id_metadata_document_supported",
                                  settings->cimd_enabled && cimd_available);
  if (settings->mcp_enabled)
    json_object_set_boolean_member (doc, "mcp_authorization_supported", TRUE);

  return doc;
}

/* The documents, served: each is kept serialized while nothing changed. */

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

GHashTable *
_gh_discovery_cache_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                (GDestroyNotify) cached_response_free);
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

static JsonObject *
collect_endpoints (GhRequest *request)
{
  JsonObject *endpoints = json_object_new ();

  guint n_routes;
  const GhRoute *routes = gh_router_get_routes (&n_routes);

  for (guint i = 0; i < n_routes; i++)
    if (routes[i].kind == GH_ROUTE_PROJECT && routes[i].metadata_name != NULL)
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

void
_gh_server_handle_jwks (GhRequest *request)
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

void
_gh_server_handle_oauth_metadata (GhRequest *request)
{
  handle_discovery (request, GH_DISCOVERY_OAUTH);
}

void
_gh_server_handle_openid_configuration (GhRequest *request)
{
  handle_discovery (request, GH_DISCOVERY_OIDC);
}

/* A browser opening the issuer's URL gets a page naming the issuer and where programs find
 * its metadata; a program keeps the JSON 404 (no endpoint is there). */
void
_gh_server_handle_issuer_root (GhRequest *request)
{
  GhServer *self = request->server;
  SoupServerMessage *msg = request->msg;
  g_autofree char *oauth_metadata = NULL;
  g_autofree char *openid_configuration = NULL;
  g_autofree char *jwks = NULL;
  g_autofree char *nonce = NULL;
  const char *issuer_path;

  soup_message_headers_append (soup_server_message_get_response_headers (msg), "Vary", "Accept");
  if (!gh_http_accepts_html (msg) ||
      !(gh_http_method_is (msg, "GET") || gh_http_method_is (msg, "HEAD")))
    {
      _gh_server_send_not_found (msg, "No such endpoint");
      return;
    }
  if (!_gh_request_load_project (request))
    return;
  issuer_path = request->issuer + strlen (gh_server_get_issuer_base (self));
  oauth_metadata = g_strconcat (gh_server_get_issuer_base (self),
                                "/.well-known/oauth-authorization-server", issuer_path, NULL);
  openid_configuration = g_strconcat (request->issuer, "/.well-known/openid-configuration", NULL);
  jwks = g_strconcat (request->issuer, "/jwks", NULL);
  nonce = gh_page_new_nonce ();
  gh_page_send (msg, SOUP_STATUS_OK,
                gh_page_issuer (request->project->display_name, request->issuer, oauth_metadata,
                                openid_configuration, jwks, nonce),
                nonce);
}

/* ---- discovery hits ---------------------------------------------------------------- */

/* Hits wait here and are written together, at most a second later: a write changes the
 * store's stamp, which would drop the cached documents above at every well-known request. */
#define HITS_FLUSH_MS 1000
#define HITS_MAX_PENDING 1024
#define HITS_DATA "gh-discovery-hits"

typedef struct
{
  GhStore *store;
  GArray  *pending;   /* GhDiscoveryHit, every string its own */
  guint    flush_id;
} HitBuffer;

static void
hit_clear (GhDiscoveryHit *hit)
{
  g_free ((char *) hit->project_slug);
  g_free ((char *) hit->path);
  g_free ((char *) hit->method);
  g_free ((char *) hit->origin);
  g_free ((char *) hit->request_method);
  g_free ((char *) hit->request_headers);
  g_free ((char *) hit->user_agent);
  g_free ((char *) hit->source);
}

/* Writes the pending hits in one transaction; one that fails is logged and dropped. */
static void
flush_hits (HitBuffer *buffer)
{
  g_autoptr(GError) error = NULL;
  gboolean ok;

  g_clear_handle_id (&buffer->flush_id, gh_source_remove_here);
  if (buffer->pending->len == 0 || gh_store_in_transaction (buffer->store))
    return;
  ok = gh_store_begin (buffer->store, &error);
  for (guint i = 0; ok && i < buffer->pending->len; i++)
    ok = gh_flows_record_hit (buffer->store,
                              &g_array_index (buffer->pending, GhDiscoveryHit, i), &error);
  if (ok)
    ok = gh_store_commit (buffer->store, &error);
  else
    gh_store_rollback (buffer->store);
  if (!ok)
    g_warning ("Cannot record %u discovery hits: %s", buffer->pending->len, error->message);
  g_array_set_size (buffer->pending, 0);
}

static gboolean
flush_due (gpointer data)
{
  HitBuffer *buffer = data;

  buffer->flush_id = 0;
  flush_hits (buffer);
  return G_SOURCE_REMOVE;
}

static void
hit_buffer_free (HitBuffer *buffer)
{
  flush_hits (buffer);
  g_array_unref (buffer->pending);
  g_object_unref (buffer->store);
  g_free (buffer);
}

void
_gh_discovery_flush_hits (GhServer *self)
{
  HitBuffer *buffer = g_object_get_data (G_OBJECT (self), HITS_DATA);

  if (buffer != NULL)
    flush_hits (buffer);
}

/* The project a well-known path is about: the one its "/p/{slug}" names, at its start
 * (appended: /p/{slug}/.well-known/...) or after the document's name (inserted:
 * /.well-known/{name}/p/{slug}); else the root issuer's. NULL when the slug breaks the
 * rules. */
static char *
hit_project_slug (const char *path)
{
  const char *rest = path;
  const char *end;

  if (g_str_has_prefix (path, "/.well-known/"))
    {
      rest = strchr (path + strlen ("/.well-known/"), '/');
      if (rest == NULL)
        rest = "";
    }
  if (!g_str_has_prefix (rest, "/p/"))
    return g_strdup (GH_DEFAULT_PROJECT);
  rest += strlen ("/p/");
  end = strchr (rest, '/');
  {
    g_autofree char *slug = end != NULL ? g_strndup (rest, end - rest) : g_strdup (rest);

    return gh_projects_check_slug (slug, NULL) ? g_steal_pointer (&slug) : NULL;
  }
}

typedef struct
{
  GWeakRef server;
  gint64   time;
} HitWatch;

static void
hit_watch_free (gpointer  data,
                GClosure *closure)
{
  HitWatch *watch = data;

  g_weak_ref_clear (&watch->server);
  g_free (watch);
}

/* Once answered: the request and its status, as a hit. Never an answer of its own. */
static void
hit_finished (SoupServerMessage *msg,
              gpointer           user_data)
{
  HitWatch *watch = user_data;
  g_autoptr(GObject) server = g_weak_ref_get (&watch->server);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));
  HitBuffer *buffer;

  if (server == NULL)
    return;
  buffer = g_object_get_data (server, HITS_DATA);
  g_array_append_val (buffer->pending, ((GhDiscoveryHit) {
    .time = watch->time, .project_slug = hit_project_slug (path), .path = g_strdup (path),
    .method = g_strdup (soup_server_message_get_method (msg)),
    .status = soup_server_message_get_status (msg),
    .origin = g_strdup (soup_message_headers_get_one (headers, "Origin")),
    .request_method = g_strdup (soup_message_headers_get_one (headers,
                                                              "Access-Control-Request-Method")),
    .request_headers = g_strdup (soup_message_headers_get_list (headers,
                                                               "Access-Control-Request-Headers")),
    .user_agent = g_strdup (soup_message_headers_get_one (headers, "User-Agent")),
    .source = g_strdup (soup_server_message_get_remote_host (msg)) }));
  if (buffer->pending->len >= HITS_MAX_PENDING)
    flush_hits (buffer);
  else if (buffer->flush_id == 0)
    buffer->flush_id = gh_timeout_add_here (HITS_FLUSH_MS, flush_due, buffer);
}

void
_gh_discovery_watch_hit (GhServer          *self,
                         SoupServerMessage *msg,
                         const char        *path)
{
  HitWatch *watch;

  if (strstr (path, "/.well-known/") == NULL)
    return;
  if (g_object_get_data (G_OBJECT (self), HITS_DATA) == NULL)
    {
      HitBuffer *buffer = g_new0 (HitBuffer, 1);

      buffer->store = g_object_ref (self->store);
      buffer->pending = g_array_new (FALSE, TRUE, sizeof (GhDiscoveryHit));
      g_array_set_clear_func (buffer->pending, (GDestroyNotify) hit_clear);
      g_object_set_data_full (G_OBJECT (self), HITS_DATA, buffer,
                              (GDestroyNotify) hit_buffer_free);
    }
  watch = g_new0 (HitWatch, 1);
  g_weak_ref_init (&watch->server, self);
  watch->time = g_get_real_time ();
  /* Kept after the answer went out: a hit never delays it, nor changes it */
  g_signal_connect_data (msg, "finished", G_CALLBACK (hit_finished), watch, hit_watch_free, 0);
}
