/* gh-server-token.c — the endpoints a program calls with its credentials: /token, /revoke,
 * /introspect (client authentication) and /userinfo (an access token)
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-oauth"

#include "config.h"

#include "gh-cimd-resolver.h"
#include "gh-client-auth.h"
#include "gh-error.h"
#include "gh-http-auth.h"
#include "gh-http.h"
#include "gh-paused-request.h"
#include "gh-server-private.h"

/* Token-style endpoints: JSON errors, 401 for client authentication with the challenge. */
static void
send_token_error (GhRequest    *request,
                  const GError *error,
                  gboolean      used_basic)
{
  /* RFC 6749 §5.2: 401 and the scheme the client tried. */
  if (used_basic && gh_oauth_error_from_gerror (error) == GH_OAUTH_ERROR_INVALID_CLIENT)
    gh_http_auth_challenge (request->msg, "Basic", request->issuer, NULL);
  gh_http_allow_cors (request->msg);
  gh_http_send_error (request->msg, error);
}

/* What /token, /revoke and /introspect do once their client is authenticated: @client and
 * @form are borrowed. */
typedef void (*ClientRequestFunc) (GhRequest *request,
                                   GhClient  *client,
                                   GhForm    *form,
                                   gboolean   used_basic);

/* Authentication has failed: the event and the answer. */
static void
refuse_client (GhRequest    *request,
               GhForm       *form,
               const GError *error,
               gboolean      used_basic)
{
  gh_tokens_record_refusal (request->server->tokens, request->project,
                            gh_form_get (form, "client_id"), gh_form_get (form, "grant_type"),
                            _gh_request_peer (request), _gh_request_user_agent (request),
                            error);
  send_token_error (request, error, used_basic);
}

/* A private_key_jwt client's JWK Set being fetched from its jwks_uri while the request waits
 * (paused), as /authorize waits for a metadata document: the paused request's data. */
typedef struct
{
  char *jwks_uri;
  ClientRequestFunc next;
  gboolean refetched;
} KeyFetch;

static void
key_fetch_free (KeyFetch *fetch)
{
  g_free (fetch->jwks_uri);
  g_free (fetch);
}

static void client_keys_fetched (GObject      *source,
                                 GAsyncResult *result,
                                 gpointer      user_data);

static void
key_fetch_start (GhPausedRequest    *paused,
                 const GhProject    *project,
                 GhCimdResolveFlags  flags)
{
  KeyFetch *fetch = paused->data;

  gh_cimd_resolver_fetch_jwks_async (GH_SERVER (paused->owner)->cimd_resolver, project,
                                     fetch->jwks_uri, flags, paused->cancellable,
                                     client_keys_fetched, paused);
}

static void
client_keys_fetched (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GhPausedRequest *paused = user_data;
  KeyFetch *fetch = paused->data;
  g_autoptr(JsonObject) jwks = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) project_error = NULL;
  g_autoptr(GhClient) client = NULL;
  g_autofree char *url = NULL;
  g_auto(GhRequest) request = { 0 };
  gboolean from_cache = FALSE;
  gboolean unknown_key = FALSE;
  gboolean used_basic = FALSE;

  jwks = gh_cimd_resolver_fetch_jwks_finish (GH_CIMD_RESOLVER (source), result, &from_cache,
                                             &error);
  if (gh_paused_request_abandoned (paused))
    return;

  if (!_gh_request_resume (&request, paused, &project_error))
    {
      send_token_error (&request, project_error, FALSE);
      goto done;
    }
  if (jwks == NULL)
    {
      g_autoptr(GError) refusal = g_error_new (GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_CLIENT,
                                               "The client's public keys at its jwks_uri %s "
                                               "could not be used: %s", fetch->jwks_uri,
                                               error->message);

      refuse_client (&request, paused->form, refusal, FALSE);
      goto done;
    }

  url = _gh_request_endpoint_url (&request, request.path);
  client = gh_client_authenticate_with_jwks (request.server->clients, request.server->store,
                                             request.project, request.issuer, url,
                                             soup_server_message_get_request_headers (paused->msg),
                                             paused->form, jwks, &unknown_key, &used_basic,
                                             &error);
  if (client == NULL && unknown_key && from_cache && !fetch->refetched)
    {
      /* No key for the assertion's kid in a cached set: the client may have rotated its
       * keys since. Fetch the set again, once, before refusing. */
      fetch->refetched = TRUE;
      key_fetch_start (paused, request.project, GH_CIMD_RESOLVE_FORCE_REFRESH);
      return;
    }
  if (client == NULL)
    refuse_client (&request, paused->form, error, used_basic);
  else
    fetch->next (&request, client, paused->form, used_basic);

done:
  _gh_request_clear (&request);
  gh_paused_request_resume (paused);
}

/* The common start of /token, /revoke and /introspect: a form body, no query, no repeated
 * parameter, an authenticated client; then @next. A private_key_jwt client whose keys are
 * at a jwks_uri is authenticated once the set is fetched, the request paused meanwhile; every
 * other request runs through at once. */
static void
begin_client_request (GhRequest         *request,
                      ClientRequestFunc  next)
{
  g_autoptr(GhForm) form = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GhClient) client = NULL;
  g_autofree char *url = _gh_request_endpoint_url (request, request->path);
  g_autofree char *jwks_uri = NULL;
  const char *query = g_uri_get_query (soup_server_message_get_uri (request->msg));
  const char *repeated;
  gboolean used_basic = FALSE;
  SoupMessageHeaders *headers;

  gh_http_allow_cors (request->msg);
  gh_http_set_no_store (request->msg);

  if (query != NULL && *query != '\0')
    {
      error = g_error_new_literal (GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_REQUEST,
                                   "Parameters in the query string are not accepted here: send "
                                   "them, and credentials above all, in the form body");
      gh_tokens_record_refusal (request->server->tokens, request->project, NULL,
                                NULL, _gh_request_peer (request), _gh_request_user_agent (request),
                                error);
      send_token_error (request, error, FALSE);
      return;
    }
  form = gh_http_read_form_body (request->msg, GH_MAX_FORM_BYTES);
  if (form == NULL)
    return;
  if ((repeated = gh_form_find_repeated (form, (const char * const[]) { "resource",
                                         NULL })) != NULL)
    {
      error = g_error_new (GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_REQUEST,
                           "%s is given more than once", repeated);
      send_token_error (request, error, FALSE);
      return;
    }

  headers = soup_server_message_get_request_headers (request->msg);
  jwks_uri = gh_client_auth_jwks_uri_to_fetch (request->server->clients,
                                               request->project, headers, form);
  if (jwks_uri != NULL)
    {
      KeyFetch *fetch = g_new0 (KeyFetch, 1);
      GhPausedRequest *paused;

      fetch->jwks_uri = g_steal_pointer (&jwks_uri);
      fetch->next = next;
      paused = _gh_request_pause (request, g_steal_pointer (&form), fetch,
                                  (GDestroyNotify) key_fetch_free);
      key_fetch_start (paused, request->project, GH_CIMD_RESOLVE_NONE);
      return;
    }

  client = gh_client_authenticate (request->server->clients,
                                   request->server->store, request->project,
                                   request->issuer, url, headers, form, &used_basic, &error);
  if (client == NULL)
    {
      refuse_client (request, form, error, used_basic);
      return;
    }
  next (request, client, form, used_basic);
}

static void
token_authenticated (GhRequest *request,
                     GhClient  *client,
                     GhForm    *form,
                     gboolean   used_basic)
{
  GhTokens *tokens = request->server->tokens;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) response = NULL;
  const char *grant_type;

  grant_type = gh_form_get (form, "grant_type");
  if (grant_type == NULL)
    error = g_error_new_literal (GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_REQUEST,
                                 "grant_type is missing");
  else if (!g_str_equal (grant_type, "authorization_code") && !g_str_equal (grant_type,
                                                                            "refresh_token"))
    error = g_error_new (GH_OAUTH_ERROR, GH_OAUTH_ERROR_UNSUPPORTED_GRANT_TYPE,
                         "grant_type “%s” is not supported (authorization_code, refresh_token)",
                         grant_type);
  else if (!gh_client_has_grant_type (client, grant_type))
    error = g_error_new (GH_OAUTH_ERROR, GH_OAUTH_ERROR_UNAUTHORIZED_CLIENT,
                         "This client did not register the %s grant", grant_type);
  else if (g_str_equal (grant_type, "authorization_code"))
    response = gh_tokens_exchange_code (tokens, request->project, request->issuer, client, form,
                                        &error);
  else
    response = gh_tokens_refresh (tokens, request->project, request->issuer, client, form, &error);

  if (response == NULL)
    {
      gh_tokens_record_refusal (tokens, request->project, client->client_id, grant_type,
                                _gh_request_peer (request), _gh_request_user_agent (request),
                                error);
      send_token_error (request, error, used_basic);
      return;
    }
  gh_http_send_json (request->msg, SOUP_STATUS_OK, response, NULL);
}

void
_gh_server_handle_token (GhRequest *request)
{
  begin_client_request (request, token_authenticated);
}

/* The token /revoke and /introspect are about; NULL, the request answered, when it is missing. */
static const char *
require_token (GhRequest *request,
               GhForm    *form,
               gboolean   used_basic)
{
  const char *token = gh_form_get (form, "token");
  g_autoptr(GError) error = NULL;

  if (token != NULL && *token != '\0')
    return token;
  error = g_error_new_literal (GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_REQUEST,
                               "token is missing");
  send_token_error (request, error, used_basic);
  return NULL;
}

static void
revoke_authenticated (GhRequest *request,
                      GhClient  *client,
                      GhForm    *form,
                      gboolean   used_basic)
{
  g_autoptr(GError) error = NULL;
  const char *token;

  if ((token = require_token (request, form, used_basic)) == NULL)
    return;
  if (!gh_tokens_revoke (request->server->tokens, request->project, request->issuer,
                         client, token, &error))
    {
      send_token_error (request, error, used_basic);
      return;
    }
  /* RFC 7009 §2.2: 200 whether or not there was such a token. */
  soup_server_message_set_status (request->msg, SOUP_STATUS_OK, NULL);
}

void
_gh_server_handle_revoke (GhRequest *request)
{
  begin_client_request (request, revoke_authenticated);
}

static void
introspect_authenticated (GhRequest *request,
                          GhClient  *client,
                          GhForm    *form,
                          gboolean   used_basic)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) result = NULL;
  const char *token;

  if (!gh_client_is_confidential (client))
    {
      error = g_error_new_literal (GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_CLIENT,
                                   "Introspection is for confidential clients (resource servers)");
      send_token_error (request, error, used_basic);
      return;
    }
  if ((token = require_token (request, form, used_basic)) == NULL)
    return;
  result = gh_tokens_introspect (request->server->tokens, request->project,
                                 request->issuer, token);
  gh_http_send_json (request->msg, SOUP_STATUS_OK, result, NULL);
}

void
_gh_server_handle_introspect (GhRequest *request)
{
  begin_client_request (request, introspect_authenticated);
}

/* RFC 6750 §3: the challenge, with the error's code when a token was sent (@error), and
 * 401 with no body when none was. */
static void
send_bearer_error (GhRequest    *request,
                   const GError *error)
{
  gh_http_auth_challenge (request->msg, "Bearer", request->issuer, error);
  if (error == NULL)
    {
      soup_server_message_set_status (request->msg,
                                      gh_oauth_error_http_status (GH_OAUTH_ERROR_INVALID_TOKEN),
                                      NULL);
      return;
    }
  gh_http_send_error (request->msg, error);
}

void
_gh_server_handle_userinfo (GhRequest *request)
{
  GhTokens *tokens = request->server->tokens;
  g_autoptr(GhForm) form = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autoptr(JsonObject) info = NULL;
  const char *token = request->bearer;  /* the router found it (GH_ROUTE_AUTH_ACCESS_TOKEN) */

  gh_http_allow_cors (request->msg);
  gh_http_set_no_store (request->msg);

  if (gh_http_method_is (request->msg, "POST") &&
      soup_server_message_get_request_body (request->msg)->length > 0)
    {
      form = gh_http_read_form_body (request->msg, GH_MAX_FORM_BYTES);
      if (form == NULL)
        return;
      /* RFC 6750 §2: one way of sending the token, never two. */
      if (token != NULL && gh_form_get (form, "access_token") != NULL)
        {
          error = g_error_new_literal (GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_REQUEST,
                                       "The token is sent twice (header and body); send it once");
          gh_http_send_error (request->msg, error);
          return;
        }
      if (token == NULL)
        token = gh_form_get (form, "access_token");
    }
  if (token == NULL || *token == '\0')
    {
      send_bearer_error (request, NULL);
      return;
    }

  claims = gh_tokens_verify_access_token (tokens, request->project, request->issuer, token, &error);
  if (claims == NULL || !(info = gh_tokens_userinfo (tokens, request->project, claims, &error)))
    {
      send_bearer_error (request, error);
      return;
    }
  gh_http_send_json (request->msg, SOUP_STATUS_OK, info, NULL);
}
