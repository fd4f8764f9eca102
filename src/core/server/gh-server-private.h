/* gh-server-private.h — what the server's files share: GhServer's fields, the request the
 * router hands a handler, and the handlers
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-authorization.h"
#include "gh-cimd-resolver.h"
#include "gh-clients.h"
#include "gh-error.h"
#include "gh-paused-request.h"
#include "gh-registration.h"
#include "gh-resources.h"
#include "gh-router.h"
#include "gh-server.h"
#include "gh-tokens.h"
#include "gh-users.h"

G_BEGIN_DECLS

/* The router keeps the verified admin token's id on an admin request's message under this key
 * (g_object_set_data), so that an answer given after a pause can name it. */
#define GH_ADMIN_TOKEN_ID_KEY "gh-admin-token-id"

/* Request bodies the handlers read are small forms; a larger one is refused (413). */
#define GH_MAX_FORM_BYTES (64 * 1024)

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
  GhAdminTokens *admin_tokens;
  GhRegistration *registration;
  GhCimdResolver *cimd_resolver;

  /* Discovery documents and the JWKS, serialized, while nothing changed (gh-discovery.c). */
  GHashTable *responses;
  GhStoreStamp responses_stamp;

  SoupServer *soup_server;
  GTlsCertificate *tls_certificate;  /* what it serves HTTPS with, or NULL */
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

/* One request, after the router found its route (and, when the route needs it, its
 * project). */
struct _GhRequest
{
  GhServer          *server;
  SoupServerMessage *msg;
  const char        *slug;
  GhProject         *project;
  char              *issuer;
  const char        *path;    /* below the issuer */
  const char        *bearer;  /* the Bearer token, for routes authenticated by one */
  GhAdminToken      *admin_token;  /* the verified admin token, for admin routes */
};

void     _gh_request_clear          (GhRequest         *request);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GhRequest, _gh_request_clear)
/* Looks up @request->slug's project and its issuer; answers 404 (or the store's error)
 * itself when it cannot. */
gboolean _gh_request_load_project   (GhRequest         *request);
/* The address the request came from: refusals are rate-limited per source in the audit. */
const char *_gh_request_peer        (GhRequest         *request);
/* Its User-Agent, or NULL: recorded with the peer on every event that has a source. */
const char *_gh_request_user_agent  (GhRequest         *request);
/* The absolute URL of @path below the request's issuer. */
char    *_gh_request_endpoint_url   (GhRequest         *request,
                                     const char        *path);
/* Pauses @request while something is fetched: see GhPausedRequest. Takes @form and @data. */
GhPausedRequest *_gh_request_pause  (GhRequest         *request,
                                     GhForm            *form,
                                     gpointer           data,
                                     GDestroyNotify     data_free);
/* Fills @request (cleared) from @paused, the project looked up again; FALSE and @error when
 * it cannot be (@request->project is then NULL, the rest is filled). */
gboolean _gh_request_resume         (GhRequest         *request,
                                     GhPausedRequest   *paused,
                                     GError           **error);

/* A cookie name unique to this server (cookies ignore ports, servers on one host do not). */
char    *_gh_server_cookie_name     (GhServer          *self,
                                     const char        *name);

/* The soup handlers: the early one refuses what must not be read (gh-server-admission.c);
 * the other routes the request (gh-router.c). */
void _gh_server_admit    (SoupServer        *soup_server,
                          SoupServerMessage *msg,
                          const char        *path,
                          GHashTable        *query,
                          gpointer           user_data);
/* Answers @code's refusal and closes the connection after it; @early: from the early
 * handler, without reading the body. */
void _gh_server_refuse_early (GhServer          *self,
                              SoupServerMessage *msg,
                              GhOAuthError       code,
                              const char        *description,
                              gboolean           early);
void _gh_server_dispatch (SoupServer        *soup_server,
                          SoupServerMessage *msg,
                          const char        *path,
                          GHashTable        *query,
                          gpointer           user_data);

/* Sends @description as a 404 not_found, with CORS. */
void _gh_server_send_not_found (SoupServerMessage *msg,
                                const char        *description);

/* The cache of serialized discovery documents and JWKS (gh-discovery.c). */
GHashTable *_gh_discovery_cache_new (void);
/* Records @msg as a discovery hit once answered when @path is a well-known one (gh-flows.h);
 * hits are written within a second, or at once by _gh_discovery_flush_hits(). */
void _gh_discovery_watch_hit  (GhServer          *self,
                               SoupServerMessage *msg,
                               const char        *path);
void _gh_discovery_flush_hits (GhServer          *self);

/* The handlers, one file per group. */
void _gh_server_handle_issuer_root        (GhRequest *request);  /* gh-discovery.c */
void _gh_server_handle_oauth_metadata     (GhRequest *request);  /* gh-discovery.c */
void _gh_server_handle_openid_configuration (GhRequest *request);
void _gh_server_handle_jwks               (GhRequest *request);
void _gh_server_handle_authorize          (GhRequest *request);  /* gh-server-authorize.c */
void _gh_server_handle_login              (GhRequest *request);
void _gh_server_handle_consent            (GhRequest *request);
void _gh_server_handle_token              (GhRequest *request);  /* gh-server-token.c */
void _gh_server_handle_revoke             (GhRequest *request);
void _gh_server_handle_introspect         (GhRequest *request);
void _gh_server_handle_userinfo           (GhRequest *request);
void _gh_server_handle_register           (GhRequest *request);  /* gh-server-dcr.c */
void _gh_server_handle_client_configuration (GhRequest *request);
void _gh_admin_handle_server              (GhRequest *request);  /* gh-admin-routes.c */
void _gh_admin_handle_event_types         (GhRequest *request);  /* gh-admin-routes.c */
void _gh_admin_handle_projects            (GhRequest *request);
void _gh_admin_handle_project             (GhRequest *request);
void _gh_admin_handle_admin_tokens        (GhRequest *request);
void _gh_admin_handle_admin_token         (GhRequest *request);
void _gh_admin_handle_audit               (GhRequest *request);
void _gh_admin_handle_audit_count         (GhRequest *request);
void _gh_admin_handle_iats                (GhRequest *request);  /* gh-admin-project-routes.c */
void _gh_admin_handle_iat                 (GhRequest *request);
void _gh_admin_handle_users               (GhRequest *request);
void _gh_admin_handle_user                (GhRequest *request);
void _gh_admin_handle_resources           (GhRequest *request);
void _gh_admin_handle_resource            (GhRequest *request);
void _gh_admin_handle_keys                (GhRequest *request);
void _gh_admin_handle_keys_rotate         (GhRequest *request);
void _gh_admin_handle_fixes               (GhRequest *request);  /* gh-admin-fixes.c */
void _gh_admin_handle_refresh_families    (GhRequest *request);  /* gh-admin-inspect.c */
void _gh_admin_handle_refresh_family      (GhRequest *request);
void _gh_admin_handle_token_inspect       (GhRequest *request);
void _gh_admin_handle_access_token        (GhRequest *request);
void _gh_admin_handle_refresh_family_revoke (GhRequest *request);
void _gh_admin_handle_compat              (GhRequest *request);

void _gh_admin_handle_openapi             (GhRequest *request);  /* gh-admin-openapi.c */
void _gh_admin_handle_audit_export        (GhRequest *request);  /* gh-admin-export.c */
void _gh_admin_handle_flows               (GhRequest *request);  /* gh-admin-flows.c */
void _gh_admin_handle_flow                (GhRequest *request);
void _gh_admin_handle_discovery_hits      (GhRequest *request);
void _gh_admin_handle_clients             (GhRequest *request);  /* gh-admin-clients.c */
void _gh_admin_handle_client              (GhRequest *request);
void _gh_admin_handle_client_import       (GhRequest *request);
void _gh_admin_handle_cimd_resolve        (GhRequest *request);
void _gh_admin_handle_events              (GhRequest *request);  /* gh-admin-events.c */
void _gh_admin_handle_summary             (GhRequest *request);  /* gh-admin-summary.c */
/* Ends every event stream (gh_server_stop()). */
void _gh_admin_events_close_all           (GhServer  *server);

G_END_DECLS
