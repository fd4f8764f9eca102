/* gh-server-authorize.c — the browser's part of a sign-in: /authorize, /login, /consent
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-oauth"

#include "config.h"

#include <string.h>

#include "gh-cimd-policy.h"
#include "gh-cimd-resolver.h"
#include "gh-client-auth.h"
#include "gh-crypto.h"
#include "gh-error.h"
#include "gh-explain.h"
#include "gh-http.h"
#include "gh-pages.h"
#include "gh-paused-request.h"
#include "gh-scopes.h"
#include "gh-server-private.h"
#include "gh-text.h"
#include "gh-time.h"

/* An error that cannot go back to the client: a page for a browser, JSON for a program,
 * with the status of the error table. */
static void
send_page_error (GhRequest    *request,
                 const GError *error)
{
  gh_page_send_refusal (request->msg, error,
                        gh_error_page_status (error) == SOUP_STATUS_FORBIDDEN
                        ? "Request refused" : "This sign-in cannot go on");
}

/* After a POST, 303 makes the browser GET the target and never resend the form. */
static guint
redirect_status (SoupServerMessage *msg)
{
  return gh_http_method_is (msg, "POST") ? SOUP_STATUS_SEE_OTHER : SOUP_STATUS_FOUND;
}

static void
redirect (SoupServerMessage *msg,
          const char        *url)
{
  guint status = redirect_status (msg);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (headers, "Location", url);
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "Referrer-Policy", "no-referrer");
  soup_server_message_set_status (msg, status, NULL);
}

static char *
get_cookie (GhRequest  *request,
            const char *name)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (request->msg);
  const char *header = soup_message_headers_get_one (headers, "Cookie");
  g_autofree char *full_name = _gh_server_cookie_name (request->server, name);
  GHashTable *cookies;
  char *value;

  if (header == NULL)
    return NULL;
  cookies = soup_header_parse_semi_param_list (header);
  value = g_strdup (g_hash_table_lookup (cookies, full_name));
  soup_header_free_param_list (cookies);
  return value;
}

static void
set_cookie (GhRequest  *request,
            const char *name,
            const char *value)
{
  g_autofree char *full_name = _gh_server_cookie_name (request->server, name);
  g_autofree char *header = NULL;
  gboolean secure = g_str_has_prefix (request->issuer, "https:");

  header = g_strdup_printf ("%s=%s; Path=/; HttpOnly; SameSite=Lax%s", full_name, value,
                            secure ? "; Secure" : "");
  soup_message_headers_append (soup_server_message_get_response_headers (request->msg),
                               "Set-Cookie", header);
}

static char *
session_cookie_name (GhRequest *request)
{
  return g_strconcat ("session_", request->project->slug, NULL);
}

/* Sends the browser back to the client with a code, or with the error. */
static void
finish_with_code (GhRequest          *request,
                  const GhAuthParams *params,
                  const GhUser       *user,
                  gint64              auth_time,
                  GhConsent           consent,
                  const char         *request_id)
{
  GhAuthorization *authorization = request->server->authorization;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  g_autofree char *url = NULL;

  code = gh_authorization_issue_code (authorization, request->project, params, user, auth_time,
                                      consent, request_id, &error);
  if (code == NULL)
    {
      gh_authorization_record_refusal (authorization, request->project, params,
                                       _gh_request_peer (request),
                                       _gh_request_user_agent (request), error, TRUE);
      url = gh_authorization_build_redirect (params, request->issuer, NULL, error);
    }
  else
    url = gh_authorization_build_redirect (params, request->issuer, code, NULL);
  redirect (request->msg, url);
}

static void
finish_with_error (GhRequest          *request,
                   const GhAuthParams *params,
                   GError             *error)
{
  GhAuthorization *authorization = request->server->authorization;
  g_autofree char *url = NULL;

  gh_authorization_record_refusal (authorization, request->project, params,
                                   _gh_request_peer (request), _gh_request_user_agent (request),
                                   error, TRUE);
  url = gh_authorization_build_redirect (params, request->issuer, NULL, error);
  redirect (request->msg, url);
}

/* prompt=none, and a page would be needed: @code says which. */
static void
finish_interaction_required (GhRequest          *request,
                             const GhAuthParams *params,
                             GhOAuthError        code,
                             const char         *description)
{
  g_autoptr(GError) error = NULL;
  JsonObject *explain = gh_explain_new ("prompt.interaction_required", "%s", description);

  gh_explain_set_expected (explain, code == GH_OAUTH_ERROR_LOGIN_REQUIRED
                                    ? "a signed-in user" : "a stored consent");
  gh_explain_set_hint (explain, code == GH_OAUTH_ERROR_LOGIN_REQUIRED
                       ? "prompt=none works only while the browser has a sign-in session; the "
                         "client retries without prompt=none"
                       : "prompt=none works only once the user has allowed these scopes and "
                         "resources; the client retries without prompt=none");
  gh_oauth_refuse_explained (&error, code, explain, "%s", description);
  finish_with_error (request, params, error);
}

static void
record_started (GhRequest          *request,
                const GhAuthParams *params,
                guint               status)
{
  gh_authorization_record_started (request->server->authorization, request->project, params,
                                   _gh_request_peer (request), _gh_request_user_agent (request),
                                   status);
}

/* /authorize once the client is known: @resolved (taken) is a URL client's document;
 * @started_at the µs the request began. */
static void
authorize_continue (GhRequest  *request,
                    GhForm     *form,
                    GhClient   *resolved,
                    const char *flow_id,
                    gint64      started_at)
{
  GhServer *server = request->server;
  GhAuthorization *authorization = server->authorization;
  GhUsers *users = gh_server_get_users (server);
  const GhProjectSettings *settings = request->project->settings;
  g_autoptr(GhAuthParams) params = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GhUser) user = NULL;
  g_autofree char *session_name = NULL;
  g_autofree char *session = NULL;
  g_autofree char *browser = NULL;
  g_autoptr(GhAuthRequest) pending = NULL;
  g_autofree char *target = NULL;
  gint64 auth_time = 0;

  params = gh_authorization_check (authorization, request->project, form, resolved, flow_id,
                                   &error);
  params->started_at = started_at;
  params->redirect_status = redirect_status (request->msg);
  if (error != NULL)
    {
      gh_authorization_record_refusal (authorization, request->project, params,
                                       _gh_request_peer (request),
                                       _gh_request_user_agent (request), error,
                                       params->redirect_uri != NULL);
      if (params->redirect_uri == NULL)
        send_page_error (request, error);
      else
        {
          g_autofree char *url = gh_authorization_build_redirect (params, request->issuer, NULL,
                                                                  error);
          redirect (request->msg, url);
        }
      return;
    }

  /* A developer's CI: sign in and consent for the configured user, no page. */
  if (*settings->auto_approve_user != '\0')
    {
      user = gh_users_get (users, request->project->id, settings->auto_approve_user, NULL);
      record_started (request, params, params->redirect_status);
      if (user == NULL)
        {
          g_autoptr(GError) misconfigured = g_error_new (GH_OAUTH_ERROR,
                                                         GH_OAUTH_ERROR_SERVER_ERROR,
                                                         "auto_approve_user names “%s”, who is "
                                                         "not a user of this project",
                                                         settings->auto_approve_user);
          finish_with_error (request, params, misconfigured);
          return;
        }
      finish_with_code (request, params, user, gh_now_seconds (), GH_CONSENT_AUTO_APPROVED, NULL);
      return;
    }

  session_name = session_cookie_name (request);
  session = get_cookie (request, session_name);
  user = gh_authorization_session_user (authorization, request->project, session, &auth_time);
  if (user != NULL && params->max_age >= 0 && gh_now_seconds () - auth_time > params->max_age)
    g_clear_pointer (&user, gh_user_free);  /* too old a sign-in: as if there were none */

  if (params->prompt_none)
    {
      record_started (request, params, params->redirect_status);
      if (user == NULL)
        finish_interaction_required (request, params, GH_OAUTH_ERROR_LOGIN_REQUIRED,
                                     "prompt=none, and nobody is signed in");
      else if (!gh_authorization_has_consent (authorization, request->project, user, params))
        finish_interaction_required (request, params, GH_OAUTH_ERROR_CONSENT_REQUIRED,
                                     "prompt=none, and the user has not allowed this yet");
      else
        finish_with_code (request, params, user, auth_time, GH_CONSENT_STORED, NULL);
      return;
    }

  if (user != NULL && !params->prompt_login && !params->prompt_consent &&
      gh_authorization_has_consent (authorization, request->project, user, params))
    {
      record_started (request, params, params->redirect_status);
      finish_with_code (request, params, user, auth_time, GH_CONSENT_STORED, NULL);
      return;
    }

  /* A page is needed: keep the request, bound to this browser. */
  browser = get_cookie (request, "browser");
  if (browser == NULL)
    {
      browser = gh_random_token (24);
      set_cookie (request, "browser", browser);
    }
  pending = gh_authorization_save_request (authorization, request->project, params, browser,
                                           &error);
  if (pending == NULL)
    {
      send_page_error (request, error);
      return;
    }
  if (user != NULL && !params->prompt_login)
    {
      if (!gh_authorization_set_request_user (authorization, pending, user, auth_time, &error))
        {
          send_page_error (request, error);
          return;
        }
      target = g_strdup_printf ("%s/consent?request=%s", request->issuer, pending->id);
    }
  else
    target = g_strdup_printf ("%s/login?request=%s", request->issuer, pending->id);

  record_started (request, params, SOUP_STATUS_SEE_OTHER);
  soup_message_headers_replace (soup_server_message_get_response_headers (request->msg),
                                "Location", target);
  soup_message_headers_replace (soup_server_message_get_response_headers (request->msg),
                                "Cache-Control", "no-store");
  soup_server_message_set_status (request->msg, SOUP_STATUS_SEE_OTHER, NULL);
}

/* A URL client_id's metadata document has been fetched while the browser waited (the
 * request paused; its data is the flow id). */
/* A /authorize request paused while its client's document is fetched: the paused data. */
typedef struct
{
  char *flow_id;
  gint64 started_at;
} AuthorizeWait;

static void
authorize_wait_free (AuthorizeWait *wait)
{
  g_free (wait->flow_id);
  g_free (wait);
}

static void
client_document_resolved (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  GhPausedRequest *paused = user_data;
  AuthorizeWait *wait = paused->data;
  const char *flow_id = wait->flow_id;
  g_autoptr(GhCimdReport) report = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) project_error = NULL;
  g_auto(GhRequest) request = { 0 };

  report = gh_cimd_resolver_resolve_finish (GH_CIMD_RESOLVER (source), result, &error);
  if (gh_paused_request_abandoned (paused))
    return;

  if (!_gh_request_resume (&request, paused, &project_error))
    send_page_error (&request, project_error);
  else if (report == NULL)
    send_page_error (&request, error);
  else if (gh_cimd_report_get_verdict (report) == GH_CIMD_FAIL)
    {
      g_autoptr(GError) refusal = NULL;
      g_autofree char *rule = g_strconcat ("cimd.", gh_cimd_report_get_failure_id (report), NULL);
      GhAuthParams params = { 0 };

      refusal = g_error_new (GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_CLIENT,
                             "The client's metadata document at %s was not accepted: %s",
                             gh_cimd_report_get_client_id (report),
                             gh_cimd_report_get_failure (report));
      /* The resolver's first failing check is the rule (the full report is the admin API's) */
      if (gh_explain_rule_lookup (rule) != NULL)
        {
          JsonObject *explain = gh_explain_new (rule, "%s", gh_cimd_report_get_failure (report));

          gh_explain_set_actual (explain, gh_cimd_report_get_client_id (report));
          gh_explain_set_hint (explain, "The client's metadata document failed a check: the "
                               "CIMD preview shows every check with its evidence");
          gh_error_set_explain (refusal, explain);
        }
      /* Like every refused /authorize: one event, besides the resolver's own fetch event. */
      params.client_id = (char *) gh_cimd_report_get_client_id (report);
      params.flow_id = (char *) flow_id;
      params.started_at = wait->started_at;
      params.request = gh_authorization_request_snapshot (paused->form);
      gh_authorization_record_refusal (request.server->authorization, request.project,
                                       &params, _gh_request_peer (&request),
                                       _gh_request_user_agent (&request), refusal, FALSE);
      g_clear_pointer (&params.request, json_object_unref);
      send_page_error (&request, refusal);
    }
  else
    {
      GhClient *client = gh_client_new_from_metadata (gh_cimd_report_get_client_id (report),
                                                      GH_CLIENT_SOURCE_CIMD,
                                                      gh_cimd_report_get_document (report));
      client->project_id = request.project->id;
      authorize_continue (&request, paused->form, client, flow_id, wait->started_at);
    }

  /* The request is cleared before the message is let go. */
  _gh_request_clear (&request);
  gh_paused_request_resume (paused);
}

void
_gh_server_handle_authorize (GhRequest *request)
{
  g_autoptr(GhForm) form = NULL;
  gint64 started_at = g_get_real_time ();
  const char *client_id;
  GhPausedRequest *paused;
  AuthorizeWait *wait;

  form = gh_http_method_is (request->msg, "POST") ? gh_http_read_form_body (request->msg,
                                                                            GH_MAX_FORM_BYTES)
                                                  : gh_http_read_query (request->msg);
  if (form == NULL)
    return;

  /* A URL client_id that no administrator imported: fetch its metadata document first. */
  client_id = gh_form_get (form, "client_id");
  if (gh_form_count (form, "client_id") != 1 || !gh_cimd_is_url_client_id (client_id) ||
      !request->project->settings->cimd_enabled ||
      gh_clients_is_registered (request->server->clients, request->project->id, client_id))
    {
      authorize_continue (request, form, NULL, NULL, started_at);
      return;
    }

  wait = g_new0 (AuthorizeWait, 1);
  wait->flow_id = gh_authorization_new_flow_id ();
  wait->started_at = started_at;
  paused = _gh_request_pause (request, g_steal_pointer (&form), wait,
                              (GDestroyNotify) authorize_wait_free);
  gh_cimd_resolver_resolve_async (request->server->cimd_resolver, request->project,
                                  client_id, GH_CIMD_RESOLVE_NONE, wait->flow_id,
                                  paused->cancellable, client_document_resolved, paused);
}

/* The origin (scheme://host[:port]) of @url. */
static char *
origin_of (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return NULL;
  if (g_uri_get_port (uri) > 0)
    return g_strdup_printf ("%s://%s:%d", g_uri_get_scheme (uri), g_uri_get_host (uri),
                            g_uri_get_port (uri));
  return g_strdup_printf ("%s://%s", g_uri_get_scheme (uri), g_uri_get_host (uri));
}

/* A page's POST must come from a page of this issuer, with the token it was given.
 *
 * The pages send Referrer-Policy: same-origin, so a browser names their origin in the Origin
 * of their own form posts (under no-referrer, the Fetch standard makes it "null", which
 * refused every sign-in from a real browser). A named Origin other than the issuer's, or a
 * browser saying the form came from another site (Sec-Fetch-Site, which a page cannot hide or
 * change), is refused outright. "Origin: null" says nothing about who sent the form (a page
 * with no-referrer or in a sandbox sends it, on any site), so it passes only when the browser
 * also says same-origin or none (a user's own navigation). The SameSite=Lax cookie does not
 * help here: for a loopback issuer every other 127.0.0.1 port is the same site, and cookies
 * are not port-scoped; only Sec-Fetch-Site and the anti-forgery token below, which only a
 * page of this server ever showed, tell another loopback port's page from ours. */
static gboolean
check_post (GhRequest           *request,
            GhForm              *form,
            const GhAuthRequest *pending)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (request->msg);
  const char *origin = soup_message_headers_get_one (headers, "Origin");
  const char *fetch_site = soup_message_headers_get_one (headers, "Sec-Fetch-Site");
  g_autofree char *expected = origin_of (request->issuer);
  g_autoptr(GError) error = NULL;

  if (origin != NULL && !g_str_equal (origin, "null") && g_strcmp0 (origin, expected) != 0)
    error = g_error_new (GH_OAUTH_ERROR, GH_OAUTH_ERROR_FORBIDDEN,
                         "The form was sent from another site (%s)", origin);
  else if (g_strcmp0 (origin, "null") == 0 &&
           (fetch_site == NULL || (g_ascii_strcasecmp (fetch_site, "same-origin") != 0 &&
                                   g_ascii_strcasecmp (fetch_site, "none") != 0)))
    error = g_error_new_literal (GH_OAUTH_ERROR, GH_OAUTH_ERROR_FORBIDDEN,
                                 "The form was sent from a page that hides its origin, and the "
                                 "browser does not say it came from this site");
  else if (fetch_site != NULL &&
           (g_ascii_strcasecmp (fetch_site, "cross-site") == 0 ||
            g_ascii_strcasecmp (fetch_site, "same-site") == 0))
    error = g_error_new (GH_OAUTH_ERROR, GH_OAUTH_ERROR_FORBIDDEN,
                         "The form was sent from another site (the browser says %s)",
                         fetch_site);
  else if (!gh_constant_time_equal (gh_form_get (form, "csrf_token"), pending->csrf_token))
    error = g_error_new_literal (GH_OAUTH_ERROR, GH_OAUTH_ERROR_FORBIDDEN,
                                 "The form's anti-forgery token is missing or wrong");
  if (error == NULL)
    return TRUE;
  {
    JsonObject *explain = gh_explain_new ("request.invalid", "%s", error->message);

    gh_explain_set_hint (explain, "The login and consent forms are posted only by this "
                         "server's own pages, with the token they were given");
    gh_error_set_explain (error, explain);
  }
  /* Shown as a page: the client is not told. */
  gh_authorization_record_refusal (request->server->authorization, request->project,
                                   pending->params, _gh_request_peer (request),
                                   _gh_request_user_agent (request), error, FALSE);
  send_page_error (request, error);
  return FALSE;
}

/* The pending request named by the form or the query, for this browser; answers itself
 * when there is none. */
static GhAuthRequest *
load_pending (GhRequest  *request,
              GhForm     *form)
{
  g_autofree char *browser = get_cookie (request, "browser");
  g_autoptr(GError) error = NULL;
  GhAuthRequest *pending;

  pending = gh_authorization_load_request (request->server->authorization,
                                           request->project, gh_form_get (form, "request"), browser,
                                           &error);
  if (pending == NULL)
    {
      GhAuthParams unknown = { 0 };

      /* A request from another browser, or one that is over: on record, then refused. */
      gh_authorization_record_refusal (request->server->authorization,
                                       request->project, &unknown, _gh_request_peer (request),
                                       _gh_request_user_agent (request), error, FALSE);
      send_page_error (request, error);
    }
  return pending;
}

static char *
host_of (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  const char *host;

  if (uri == NULL)
    return NULL;
  host = g_uri_get_host (uri);
  if (host == NULL || *host == '\0')
    return g_strdup_printf ("the app that handles %s: links", g_uri_get_scheme (uri));
  /* Internationalized names are shown in their ASCII form, where look-alikes stand out. */
  {
    g_autofree char *ascii = g_hostname_to_ascii (host);
    if (g_uri_get_port (uri) > 0)
      return g_strdup_printf ("%s:%d", ascii != NULL ? ascii : host, g_uri_get_port (uri));
    return g_strdup (ascii != NULL ? ascii : host);
  }
}

typedef struct
{
  GhPageClient page;
  char *client_host;
  char *redirect_host;
  char *form_action;
} PageClient;

static void
page_client_init (PageClient          *client,
                  GhRequest           *request,
                  const GhAuthRequest *pending,
                  const char          *path)
{
  const GhAuthParams *params = pending->params;

  client->client_host = (g_str_has_prefix (params->client_id, "https://") ||
                         g_str_has_prefix (params->client_id, "http://"))
                        ? host_of (params->client_id) : NULL;
  client->redirect_host = host_of (params->redirect_uri);
  client->form_action = _gh_request_endpoint_url (request, path);
  client->page.project_name = request->project->display_name;
  client->page.client_name = params->client->client_name;
  client->page.client_id = params->client_id;
  client->page.client_host = client->client_host;
  client->page.redirect_host = client->redirect_host;
  client->page.request_id = pending->id;
  client->page.csrf_token = pending->csrf_token;
  client->page.form_action = client->form_action;
}

static void
page_client_clear (PageClient *client)
{
  g_free (client->client_host);
  g_free (client->redirect_host);
  g_free (client->form_action);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PageClient, page_client_clear)

static void
send_login_page (GhRequest           *request,
                 const GhAuthRequest *pending,
                 const GError        *problem)
{
  g_autoptr(GPtrArray) users = gh_users_list (gh_server_get_users (request->server),
                                              request->project->id, NULL);
  g_autoptr(GArray) entries = g_array_new (FALSE, TRUE, sizeof (GhPageUser));
  g_auto(PageClient) client = { 0 };
  g_autofree char *nonce = gh_page_new_nonce ();

  for (guint i = 0; users != NULL && i < users->len; i++)
    {
      GhUser *user = g_ptr_array_index (users, i);
      GhPageUser entry = { user->username, user->name, user->email };
      g_array_append_val (entries, entry);
    }
  page_client_init (&client, request, pending, "/login");
  /* With a problem, the page again with it said, and the error table's status. */
  gh_page_send_form (request->msg,
                     problem != NULL ? gh_error_page_status (problem) : SOUP_STATUS_OK,
                     gh_page_login (&client.page, (GhPageUser *) (gpointer) entries->data,
                                    entries->len, request->project->settings->allow_free_form_login,
                                    problem != NULL ? problem->message : NULL, nonce),
                     nonce, pending->params->redirect_uri);
}

static void
send_consent_page (GhRequest           *request,
                   const GhAuthRequest *pending,
                   const GhUser        *user)
{
  const GhAuthParams *params = pending->params;
  g_autoptr(GArray) scopes = g_array_new (FALSE, TRUE, sizeof (GhPageItem));
  g_autoptr(GArray) resources = g_array_new (FALSE, TRUE, sizeof (GhPageItem));
  /* Only the resources the request names: a scope is described by the one that defines it. */
  g_autoptr(GPtrArray) known = gh_resources_find_named (gh_server_get_resources (request->server),
                                                        request->project->id,
                                                        (const char * const *) params->resources,
                                                        NULL);
  g_auto(PageClient) client = { 0 };
  g_autofree char *nonce = gh_page_new_nonce ();
  g_autofree char *warning = NULL;
  gboolean only_loopback = TRUE;

  for (guint i = 0; params->scopes[i] != NULL; i++)
    {
      GhPageItem item = { params->scopes[i], gh_scope_describe (params->scopes[i]) };

      for (guint j = 0; item.description == NULL && known != NULL && j < known->len; j++)
        {
          GhResource *resource = g_ptr_array_index (known, j);
          if (gh_resource_is_listed (resource) &&
              g_strv_contains ((const char * const *) resource->scopes, params->scopes[i]))
            item.description = resource->display_name;
        }
      if (item.description == NULL)
        item.description = "a permission the client asks for";
      g_array_append_val (scopes, item);
    }
  for (guint i = 0; params->resources[i] != NULL; i++)
    {
      GhPageItem item = { params->resources[i], NULL };

      for (guint j = 0; known != NULL && j < known->len; j++)
        {
          GhResource *resource = g_ptr_array_index (known, j);
          if (g_str_equal (resource->uri, params->resources[i]) && gh_resource_is_listed (resource))
            item.description = resource->display_name;
        }
      if (item.description == NULL)
        item.description = "not registered in this project";
      g_array_append_val (resources, item);
    }

  /* A client published by a URL that only returns to this computer may be anyone's. */
  for (guint i = 0; params->client->redirect_uris[i] != NULL; i++)
    if (!gh_uri_is_loopback_http (params->client->redirect_uris[i]))
      only_loopback = FALSE;
  page_client_init (&client, request, pending, "/consent");
  if (only_loopback && client.client_host != NULL)
    warning = g_strdup_printf ("This client returns only to programs on this computer (%s). "
                               "Anyone can publish a document naming %s: allow it only if you "
                               "started this sign-in yourself.", client.redirect_host,
                               client.client_host);
  else if (only_loopback && params->client->source == GH_CLIENT_SOURCE_DCR)
    warning = g_strdup_printf ("This client registered itself and returns only to programs on "
                               "this computer (%s): its name proves nothing. Allow it only if "
                               "you started this sign-in yourself.", client.redirect_host);

  gh_page_send_form (request->msg, SOUP_STATUS_OK,
                     gh_page_consent (&client.page, user->username,
                                      (GhPageItem *) (gpointer) scopes->data, scopes->len,
                                      (GhPageItem *) (gpointer) resources->data, resources->len,
                                      warning, nonce),
                     nonce, params->redirect_uri);
}

static GhForm *
read_page_form (GhRequest *request)
{
  if (gh_http_method_is (request->msg, "POST"))
    return gh_http_read_form_body (request->msg, GH_MAX_FORM_BYTES);
  return gh_http_read_query (request->msg);
}

/* The login form was refused: the event, and the page again with the problem said. */
static void
login_failed (GhRequest           *request,
              const GhAuthRequest *pending,
              const GError        *error)
{
  gh_authorization_record_refusal (request->server->authorization, request->project,
                                   pending->params, _gh_request_peer (request),
                                   _gh_request_user_agent (request), error, FALSE);
  send_login_page (request, pending, error);
}

void
_gh_server_handle_login (GhRequest *request)
{
  GhAuthorization *authorization = request->server->authorization;
  GhUsers *users = gh_server_get_users (request->server);
  g_autoptr(GhForm) form = read_page_form (request);
  g_autoptr(GhAuthRequest) pending = NULL;
  g_autoptr(GhUser) user = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *session = NULL;
  g_autofree char *session_name = NULL;
  g_autofree char *target = NULL;
  const char *username;
  gint64 auth_time, started_at = g_get_real_time ();

  if (form == NULL || (pending = load_pending (request, form)) == NULL)
    return;
  if (!gh_http_method_is (request->msg, "POST"))
    {
      send_login_page (request, pending, NULL);
      return;
    }
  if (!check_post (request, form, pending))
    return;
  pending->params->started_at = started_at;
  pending->params->redirect_status = redirect_status (request->msg);

  username = gh_form_get (form, "username");
  if (username == NULL || *username == '\0')
    {
      gh_oauth_refuse_rule (&error, GH_OAUTH_ERROR_INVALID_REQUEST, "login.failed",
                            "The login form was sent without a user name",
                            "Choose a user to sign in as.");
      login_failed (request, pending, error);
      return;
    }
  user = gh_users_get (users, request->project->id, username, NULL);
  if (user == NULL && request->project->settings->allow_free_form_login)
    {
      user = gh_users_add (users, request->project, username, NULL, NULL, NULL, "login", &error);
      if (user == NULL)
        {
          if (!gh_error_is_internal (error) && gh_error_get_explain (error) == NULL &&
              error->domain == GH_OAUTH_ERROR)
            gh_error_set_explain (error, gh_explain_new ("login.failed", "%s", error->message));
          login_failed (request, pending, error);
          return;
        }
    }
  if (user == NULL)
    {
      JsonObject *explain = gh_explain_new ("login.failed", "There is no user “%s” in this "
                                            "project", username);

      gh_explain_set_actual (explain, username);
      gh_explain_set_hint (explain, "Add the user (gatehouse-server user add) or turn on "
                           "allow_free_form_login");
      gh_oauth_refuse_explained (&error, GH_OAUTH_ERROR_INVALID_REQUEST, explain,
                                 "There is no such user in this project.");
      login_failed (request, pending, error);
      return;
    }

  session = gh_authorization_log_in (authorization, request->project, pending, user,
                                     _gh_request_peer (request), _gh_request_user_agent (request),
                                     &auth_time, &error);
  if (session == NULL)
    {
      send_page_error (request, error);
      return;
    }
  session_name = session_cookie_name (request);
  set_cookie (request, session_name, session);

  if (!pending->params->prompt_consent &&
      gh_authorization_has_consent (authorization, request->project, user, pending->params))
    {
      finish_with_code (request, pending->params, user, auth_time, GH_CONSENT_STORED,
                        pending->id);
      return;
    }
  target = g_strdup_printf ("%s/consent?request=%s", request->issuer, pending->id);
  redirect (request->msg, target);
}

void
_gh_server_handle_consent (GhRequest *request)
{
  GhAuthorization *authorization = request->server->authorization;
  g_autoptr(GhForm) form = read_page_form (request);
  g_autoptr(GhAuthRequest) pending = NULL;
  g_autoptr(GhUser) user = NULL;
  g_autoptr(GError) error = NULL;
  gint64 started_at = g_get_real_time ();
  const char *decision;

  if (form == NULL || (pending = load_pending (request, form)) == NULL)
    return;
  if (pending->user_id == 0 ||
      (user = gh_users_get_by_id (gh_server_get_users (request->server), pending->user_id,
                                  NULL)) == NULL)
    {
      g_autofree char *target = g_strdup_printf ("%s/login?request=%s", request->issuer,
                                                 pending->id);
      redirect (request->msg, target);
      return;
    }
  if (!gh_http_method_is (request->msg, "POST"))
    {
      send_consent_page (request, pending, user);
      return;
    }
  if (!check_post (request, form, pending))
    return;
  pending->params->started_at = started_at;
  pending->params->redirect_status = redirect_status (request->msg);

  decision = gh_form_get (form, "decision");
  if (g_strcmp0 (decision, "allow") == 0)
    {
      finish_with_code (request, pending->params, user, pending->auth_time, GH_CONSENT_GIVEN,
                        pending->id);
      return;
    }
  if (g_strcmp0 (decision, "deny") == 0)
    {
      g_autoptr(GError) denied = g_error_new_literal (GH_OAUTH_ERROR, GH_OAUTH_ERROR_ACCESS_DENIED,
                                                      "The user denied the request");
      g_autofree char *url = NULL;

      if (!gh_authorization_deny (authorization, request->project, pending->params, user,
                                  pending->id, &error))
        {
          send_page_error (request, error);
          return;
        }
      url = gh_authorization_build_redirect (pending->params, request->issuer, NULL, denied);
      redirect (request->msg, url);
      return;
    }
  gh_oauth_refuse_rule (&error, GH_OAUTH_ERROR_INVALID_REQUEST, "request.invalid",
                        "The consent form sends decision=allow or decision=deny",
                        "The form has no decision (allow or deny)");
  gh_authorization_record_refusal (authorization, request->project, pending->params,
                                   _gh_request_peer (request), _gh_request_user_agent (request),
                                   error, FALSE);
  send_page_error (request, error);
}
