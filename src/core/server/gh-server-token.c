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
#include "gh-explain.h"
#include "gh-http-auth.h"
#include "gh-http.h"
#include "gh-json.h"
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

/* What /token, /revoke and /introspect do once their client is authenticated: @client,
 * @form and @step (the request's, for its events) are borrowed. */
typedef void (*ClientRequestFunc) (GhRequest  *request,
                                   GhClient   *client,
                                   GhForm     *form,
                                   GhFlowStep *step,
                                   gboolean    used_basic);

/* The event of a refused request and the answer. */
static void
refuse (GhRequest        *request,
        const char       *client_id,
        GhForm           *form,
        const GhFlowStep *step,
        const GError     *error,
        gboolean          used_basic)
{
  gh_tokens_record_refusal (request->server->tokens, request->project, client_id,
                            form != NULL ? gh_form_get (form, "grant_type") : NULL,
                            _gh_request_peer (request), _gh_request_user_agent (request),
                            step, error);
  send_token_error (request, error, used_basic);
}

/* Authentication has failed: the event and the answer. */
static void
refuse_client (GhRequest        *request,
               GhForm           *form,
               const GhFlowStep *step,
               const GError     *error,
               gboolean          used_basic)
{
  refuse (request, gh_form_get (form, "client_id"), form, step, error, used_basic);
}

/* A private_key_jwt client's JWK Set being fetched from its jwks_uri while the request waits
 * (paused), as /authorize waits for a metadata document: the paused request's data. */
typedef struct
{
  char *jwks_uri;
  ClientRequestFunc next;
  GhFlowStep *step;
  gboolean refetched;
} KeyFetch;

static void
key_fetch_free (KeyFetch *fetch)
{
  g_free (fetch->jwks_uri);
  gh_flow_step_free (fetch->step);
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
      g_autoptr(GError) refusal = NULL;
      JsonObject *explain = gh_explain_new ("client.auth_failed", "The client's public keys "
                                            "at its jwks_uri could not be used");

      gh_explain_set_actual (explain, fetch->jwks_uri);
      gh_explain_set_hint (explain, "The jwks_uri must answer a JSON Web Key Set over https "
                           "with a key for the assertion");
      json_object_set_string_member (explain, "fetch_error", error->message);
      gh_oauth_refuse_explained (&refusal, GH_OAUTH_ERROR_INVALID_CLIENT, explain,
                                 "The client's public keys at its jwks_uri %s could not be "
                                 "used: %s", fetch->jwks_uri, error->message);
      refuse_client (&request, paused->form, fetch->step, refusal, FALSE);
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
    refuse_client (&request, paused->form, fetch->step, error, used_basic);
  else
    fetch->next (&request, client, paused->form, fetch->step, used_basic);

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
  g_autoptr(GhFlowStep) step = gh_flow_step_new (g_get_real_time ());
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
      gh_oauth_refuse_rule (&error, GH_OAUTH_ERROR_INVALID_REQUEST, "request.invalid",
                            "Token, revocation and introspection requests are POSTed forms "
                            "(RFC 6749 §3.2)",
                            "Parameters in the query string are not accepted here: send "
                            "them, and credentials above all, in the form body");
      refuse (request, NULL, NULL, step, error, FALSE);
      return;
    }
  form = gh_http_read_form_body (request->msg, GH_MAX_FORM_BYTES);
  if (form == NULL)
    return;
  headers = soup_server_message_get_request_headers (request->msg);
  gh_tokens_fill_step (step, form);
  json_object_set_string_member (step->params, "client_auth_method",
                                 gh_client_auth_presented_method (headers, form));
  if ((repeated = gh_form_find_repeated (form, (const char * const[]) { "resource",
                                         NULL })) != NULL)
    {
      gh_oauth_refuse_rule (&error, GH_OAUTH_ERROR_INVALID_REQUEST, "request.invalid",
                            "Each parameter but resource is sent once (RFC 6749 §3.2)",
                            "%s is given more than once", repeated);
      refuse_client (request, form, step, error, FALSE);
      return;
    }

  jwks_uri = gh_client_auth_jwks_uri_to_fetch (request->server->clients,
                                               request->project, headers, form);
  if (jwks_uri != NULL)
    {
      KeyFetch *fetch = g_new0 (KeyFetch, 1);
      GhPausedRequest *paused;

      fetch->jwks_uri = g_steal_pointer (&jwks_uri);
      fetch->next = next;
      fetch->step = g_steal_pointer (&step);
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
      refuse_client (request, form, step, error, used_basic);
      return;
    }
  next (request, client, form, step, used_basic);
}

static void
token_authenticated (GhRequest  *request,
                     GhClient   *client,
                     GhForm     *form,
                     GhFlowStep *step,
                     gboolean    used_basic)
{
  GhTokens *tokens = request->server->tokens;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) response = NULL;
  const char *grant_type;

  grant_type = gh_form_get (form, "grant_type");
  if (grant_type == NULL)
    gh_oauth_refuse_rule (&error, GH_OAUTH_ERROR_INVALID_REQUEST, "request.invalid",
                          "A token request names its grant_type (RFC 6749 §4.1.3)",
                          "grant_type is missing");
  else if (!g_str_equal (grant_type, "authorization_code") && !g_str_equal (grant_type,
                                                                            "refresh_token"))
    {
      JsonObject *explain = gh_explain_new ("grant_type.unsupported", "grant_type “%s” is not "
                                            "supported", grant_type);

      gh_explain_take_expected (explain, json_node_init_array (json_node_alloc (),
                                                               json_array_new ()));
      json_array_add_string_element (json_node_get_array (json_object_get_member (explain,
                                                                                  "expected")),
                                     "authorization_code");
      json_array_add_string_element (json_node_get_array (json_object_get_member (explain,
                                                                                  "expected")),
                                     "refresh_token");
      gh_explain_set_actual (explain, grant_type);
      gh_explain_set_hint (explain, "This server serves the authorization_code and "
                           "refresh_token grants only");
      gh_oauth_refuse_explained (&error, GH_OAUTH_ERROR_UNSUPPORTED_GRANT_TYPE, explain,
                                 "grant_type “%s” is not supported (authorization_code, "
                                 "refresh_token)", grant_type);
    }
  else if (!gh_client_has_grant_type (client, grant_type))
    {
      JsonObject *explain = gh_explain_new ("client.grant_type_not_allowed", "This client did "
                                            "not register the %s grant", grant_type);

      gh_explain_take_expected (explain, json_node_init_array (json_node_alloc (),
                                                               gh_json_array_from_strv (
                                                                 client->grant_types)));
      gh_explain_set_actual (explain, grant_type);
      gh_explain_set_hint (explain, "A client uses only the grant_types it registered");
      gh_oauth_refuse_explained (&error, GH_OAUTH_ERROR_UNAUTHORIZED_CLIENT, explain,
                                 "This client did not register the %s grant", grant_type);
    }
  else if (g_str_equal (grant_type, "authorization_code"))
    response = gh_tokens_exchange_code (tokens, request->project, request->issuer, client, form,
                                        step, &error);
  else
    response = gh_tokens_refresh (tokens, request->project, request->issuer, client, form, step,
                                  &error);

  if (response == NULL)
    {
      refuse (request, client->client_id, form, step, error, used_basic);
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
require_token (GhRequest  *request,
               GhClient   *client,
               GhForm     *form,
               GhFlowStep *step,
               gboolean    used_basic)
{
  const char *token = gh_form_get (form, "token");
  g_autoptr(GError) error = NULL;

  if (token != NULL && *token != '\0')
    return token;
  gh_oauth_refuse_rule (&error, GH_OAUTH_ERROR_INVALID_REQUEST, "request.invalid",
                        "Revocation and introspection name the token in a token parameter "
                        "(RFC 7009 §2.1, RFC 7662 §2.1)",
                        "token is missing");
  refuse (request, client->client_id, form, step, error, used_basic);
  return NULL;
}

static void
revoke_authenticated (GhRequest  *request,
                      GhClient   *client,
                      GhForm     *form,
                      GhFlowStep *step,
                      gboolean    used_basic)
{
  g_autoptr(GError) error = NULL;
  const char *token;

  if ((token = require_token (request, client, form, step, used_basic)) == NULL)
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
introspect_authenticated (GhRequest  *request,
                          GhClient   *client,
                          GhForm     *form,
                          GhFlowStep *step,
                          gboolean    used_basic)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) result = NULL;
  const char *token;

  if (!gh_client_is_confidential (client))
    {
      JsonObject *explain = gh_explain_new ("client.not_confidential", "Introspection is for "
                                            "confidential clients (resource servers)");

      gh_explain_set_expected (explain, "client_secret_basic, client_secret_post or "
                               "private_key_jwt");
      gh_explain_set_actual (explain, gh_client_auth_method_to_string (client->auth_method));
      gh_explain_set_hint (explain, "Register the resource server as a confidential client to "
                           "introspect; a public client validates tokens with the JWKS");
      gh_oauth_refuse_explained (&error, GH_OAUTH_ERROR_INVALID_CLIENT, explain,
                                 "Introspection is for confidential clients "
                                 "(resource servers)");
      refuse (request, client->client_id, form, step, error, used_basic);
      return;
    }
  if ((token = require_token (request, client, form, step, used_basic)) == NULL)
    return;
  result = gh_tokens_introspect (request->server->tokens, request->project,
                                 request->issuer, client, token, _gh_request_peer (request),
                                 _gh_request_user_agent (request));
  gh_http_send_json (request->msg, SOUP_STATUS_OK, result, NULL);
}

void
_gh_server_handle_introspect (GhRequest *request)
{
  begin_client_request (request, introspect_authenticated);
}

/* RFC 6750 §3: the challenge, with the error's code when a token was sent (@error), and
 * 401 with no body when none was. Either way, a token.refused event. */
static void
send_bearer_error (GhRequest        *request,
                   const GhFlowStep *step,
                   const GError     *error)
{
  g_autoptr(GError) missing = NULL;

  if (error == NULL)
    gh_oauth_refuse_rule (&missing, GH_OAUTH_ERROR_INVALID_TOKEN, "token.invalid",
                          "Send the access token as Authorization: Bearer (RFC 6750 §2.1)",
                          "No access token was sent to /userinfo");
  gh_tokens_record_refusal (request->server->tokens, request->project, NULL, NULL,
                            _gh_request_peer (request), _gh_request_user_agent (request), step,
                            error != NULL ? error : missing);
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
  g_autoptr(GhFlowStep) step = gh_flow_step_new (g_get_real_time ());

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
          gh_oauth_refuse_rule (&error, GH_OAUTH_ERROR_INVALID_REQUEST, "request.invalid",
                                "RFC 6750 §2: one way of sending the token per request",
                                "The token is sent twice (header and body); send it once");
          gh_tokens_record_refusal (tokens, request->project, NULL, NULL,
                                    _gh_request_peer (request), _gh_request_user_agent (request),
                                    step, error);
          gh_http_send_error (request->msg, error);
          return;
        }
      if (token == NULL)
        token = gh_form_get (form, "access_token");
    }
  if (token == NULL || *token == '\0')
    {
      json_object_set_string_member (step->params, "token_sent_in", "nothing");
      send_bearer_error (request, step, NULL);
      return;
    }

  json_object_set_string_member (step->params, "token_sent_in",
                                 request->bearer != NULL ? "header" : "body");
  claims = gh_tokens_verify_access_token (tokens, request->project, request->issuer, token, &error);
  if (claims == NULL || !(info = gh_tokens_userinfo (tokens, request->project, claims, &error)))
    {
      send_bearer_error (request, step, error);
      return;
    }
  gh_http_send_json (request->msg, SOUP_STATUS_OK, info, NULL);
}
