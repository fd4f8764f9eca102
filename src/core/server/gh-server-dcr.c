/* gh-server-dcr.c — the registration endpoints: /register (RFC 7591) and
 * /register/{client_id} (RFC 7592)
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-dcr"

#include "config.h"

#include <string.h>

#include "gh-error.h"
#include "gh-explain.h"
#include "gh-http-auth.h"
#include "gh-http.h"
#include "gh-json.h"
#include "gh-server-private.h"

/* Client metadata is small; a larger body is refused (413). */
#define MAX_METADATA_BYTES (16 * 1024)

static void
send_error (GhRequest    *request,
            const GError *error,
            gboolean      token_sent)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (request->msg);
  GhOAuthError code = gh_oauth_error_from_gerror (error);

  /* RFC 6750 §3: no error code when no token was sent at all. */
  if (code == GH_OAUTH_ERROR_INVALID_TOKEN)
    gh_http_auth_challenge (request->msg, "Bearer", request->issuer, token_sent ? error : NULL);
  else if (code == GH_OAUTH_ERROR_TOO_MANY_REQUESTS)
    soup_message_headers_replace (headers, "Retry-After", "60");
  gh_http_send_error (request->msg, error);
}

/* A JSON object body; else INVALID_CLIENT_METADATA, or PAYLOAD_TOO_LARGE (413). */
static JsonObject *
read_metadata (GhRequest  *request,
               GError    **error)
{
  SoupMessageBody *body = soup_server_message_get_request_body (request->msg);
  const char *content_type = soup_message_headers_get_content_type (
    soup_server_message_get_request_headers (request->msg), NULL);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonObject *metadata;

  if (g_strcmp0 (content_type, "application/json") != 0)
    {
      JsonObject *explain = gh_explain_new ("metadata.invalid", "The body is not sent as "
                                            "application/json");

      gh_explain_set_expected (explain, "Content-Type: application/json");
      gh_explain_set_actual (explain, content_type != NULL ? content_type : "(none)");
      json_object_set_null_member (explain, "member");
      gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_CLIENT_METADATA, explain,
                                 "The body must be client metadata as application/json");
      return NULL;
    }
  if (body->length > MAX_METADATA_BYTES)
    {
      JsonObject *explain = gh_explain_new ("request.invalid", "The body is larger than "
                                            "16 KiB");
      g_autofree char *actual = g_strdup_printf ("%" G_GINT64_FORMAT " bytes", body->length);

      gh_explain_set_expected (explain, "at most 16384 bytes");
      gh_explain_set_actual (explain, actual);
      gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_PAYLOAD_TOO_LARGE, explain,
                                 "Client metadata is limited to 16 KiB");
      return NULL;
    }
  bytes = soup_message_body_flatten (body);
  /* Strict: one object, no duplicate member, bounded depth. */
  metadata = gh_json_parse_object_strict (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                          &local_error);
  if (metadata == NULL)
    {
      JsonObject *explain = gh_explain_new ("metadata.invalid", "The body is not a JSON "
                                            "object: %s", local_error->message);
      g_autofree char *start = g_utf8_make_valid (g_bytes_get_data (bytes, NULL),
                                                  MIN (g_bytes_get_size (bytes), 64));

      gh_explain_set_expected (explain, "one JSON object, no member repeated");
      gh_explain_set_actual (explain, start);
      json_object_set_null_member (explain, "member");
      gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_CLIENT_METADATA, explain,
                                 "The body is not a JSON object: %s", local_error->message);
    }
  return metadata;
}

static gboolean
query_has_token (SoupServerMessage *msg)
{
  const char *query = g_uri_get_query (soup_server_message_get_uri (msg));
  g_autoptr(GhForm) form = NULL;

  if (query == NULL)
    return FALSE;
  form = gh_form_parse (query, strlen (query), NULL);
  return form == NULL || gh_form_get (form, "access_token") != NULL;
}

void
_gh_server_handle_register (GhRequest *request)
{
  GhRegistration *registration = request->server->registration;
  g_autoptr(JsonObject) metadata = NULL;
  g_autoptr(JsonObject) response = NULL;
  g_autoptr(GError) error = NULL;
  const char *peer = _gh_request_peer (request);
  const char *user_agent = _gh_request_user_agent (request);
  const char *bearer = request->bearer;
  gboolean token_in_query = query_has_token (request->msg);

  gh_http_allow_cors (request->msg);
  gh_http_set_no_store (request->msg);

  /* DCR off, or no usable token: said before the body is looked at. */
  if (!gh_registration_check_access (registration, request->project, bearer, token_in_query,
                                     &error))
    {
      gh_registration_record_refusal (registration, request->project, peer, user_agent,
                                      error);
      send_error (request, error, bearer != NULL || token_in_query);
      return;
    }

  metadata = read_metadata (request, &error);
  if (metadata != NULL)
    response = gh_registration_register (registration, request->project, request->issuer,
                                         metadata, bearer, peer, user_agent, &error);
  if (response == NULL)
    {
      gh_registration_record_refusal (registration, request->project, peer, user_agent,
                                      error);
      send_error (request, error, bearer != NULL);
      return;
    }
  gh_http_send_json (request->msg, SOUP_STATUS_CREATED, response, NULL);
}

/* An RFC 7592 request refused: its event (a failure of the server itself is logged, not
 * recorded as a refusal), then the answer. */
static void
refuse_management (GhRequest    *request,
                   const char   *client_id,
                   const GError *error,
                   gboolean      token_sent)
{
  if (!gh_error_is_internal (error))
    gh_registration_record_management_refusal (request->server->registration, request->project,
                                               client_id, _gh_request_peer (request),
                                               _gh_request_user_agent (request), error);
  send_error (request, error, token_sent);
}

void
_gh_server_handle_client_configuration (GhRequest *request)
{
  GhRegistration *registration = request->server->registration;
  const char *client_id = request->path + strlen ("/register/");
  const char *bearer = request->bearer;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) response = NULL;

  gh_http_allow_cors (request->msg);
  gh_http_set_no_store (request->msg);

  /* The token first: a stranger learns nothing from how the body would have been judged. */
  if (bearer == NULL)
    {
      JsonObject *explain = gh_explain_new ("client.auth_missing", "The request has no "
                                            "registration access token");

      gh_explain_set_expected (explain, "Authorization: Bearer <registration_access_token>");
      gh_explain_set_actual (explain, "no Authorization header");
      gh_explain_set_hint (explain, "The registration answer's registration_access_token "
                                    "manages the client (RFC 7592)");
      gh_oauth_refuse_explained (&error, GH_OAUTH_ERROR_INVALID_TOKEN, explain,
                                 "The registration access token is required "
                                 "(Authorization: Bearer)");
    }
  else
    gh_registration_check_management (registration, request->project, client_id, bearer, &error);
  if (error != NULL)
    {
      refuse_management (request, client_id, error, bearer != NULL);
      return;
    }

  if (gh_http_method_is (request->msg, "DELETE"))
    {
      if (!gh_registration_delete (registration, request->project, client_id, bearer, &error))
        {
          refuse_management (request, client_id, error, TRUE);
          return;
        }
      soup_server_message_set_status (request->msg, SOUP_STATUS_NO_CONTENT, NULL);
      return;
    }

  if (gh_http_method_is (request->msg, "PUT"))
    {
      g_autoptr(JsonObject) metadata = read_metadata (request, &error);

      if (metadata != NULL)
        response = gh_registration_update (registration, request->project, request->issuer,
                                           client_id, bearer, metadata, &error);
    }
  else
    response = gh_registration_read (registration, request->project, request->issuer, client_id,
                                     bearer, &error);

  if (response == NULL)
    {
      refuse_management (request, client_id, error, TRUE);
      return;
    }
  gh_http_send_json (request->msg, SOUP_STATUS_OK, response, NULL);
}
