/* gh-authorization.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-audit.h"
#include "gh-clients.h"
#include "gh-error.h"
#include "gh-http.h"
#include "gh-resources.h"
#include "gh-store.h"
#include "gh-users.h"

G_BEGIN_DECLS

/* A checked authorization request. After a refusal it holds what is known so far: when
 * redirect_uri is set the refusal goes back to the client, otherwise to the browser. */
typedef struct
{
  char      *flow_id;
  char      *client_id;
  GhClient  *client;
  char      *redirect_uri;
  gboolean   redirect_uri_given;
  char      *state;
  char     **scopes;
  char     **resources;
  char      *code_challenge;
  char      *nonce;
  gboolean   prompt_none;
  gboolean   prompt_login;
  gboolean   prompt_consent;
  gint64     max_age;        /* seconds a sign-in may be old; -1 when not asked */
  /* The flow step's snapshot (gh_flow_step_to_json()): the parameters as sent, secrets left
   * out; kept with a pending request. */
  JsonObject *request;
  gint64     started_at;     /* µs when the HTTP request of this step began */
  guint      redirect_status; /* 302 or 303: how the browser is sent back (0: 302) */
} GhAuthParams;

void gh_auth_params_free (GhAuthParams *params);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhAuthParams, gh_auth_params_free)

/* One step of a flow as its events record it, in their details' "step":
 * {"started_at": µs, "params": {...}, "status": HTTP status, "error": OAuth error or null}.
 * "params" never holds a secret (no code, token, verifier, client secret or password). */
typedef struct
{
  gint64      started_at;
  JsonObject *params;        /* owned */
  char       *flow_id;       /* the flow, once the request names one (a code, a refresh token) */
} GhFlowStep;

GhFlowStep *gh_flow_step_new     (gint64            started_at);
void        gh_flow_step_free    (GhFlowStep       *step);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhFlowStep, gh_flow_step_free)
/* The "step" object; @error NULL: no error. */
JsonObject *gh_flow_step_to_json (const GhFlowStep *step,
                                  guint             status,
                                  const GError     *error);

/* Refusals with their explain object (gh-explain.h): the error's message is the explain's
 * "message". gh_oauth_refuse_with() takes @explain; both return FALSE. */
gboolean    gh_oauth_refuse_with (GError          **error,
                                  GhOAuthError      code,
                                  JsonObject       *explain);
gboolean    gh_oauth_refuse_rule (GError          **error,
                                  GhOAuthError      code,
                                  const char       *rule,
                                  const char       *hint,
                                  const char       *format,
                                  ...) G_GNUC_PRINTF (5, 6);

/* A request waiting for the login or consent page. */
typedef struct
{
  char         *id;
  char         *csrf_token;
  GhAuthParams *params;
  gint64        user_id;    /* 0 until someone logged in */
  gint64        auth_time;
} GhAuthRequest;

void gh_auth_request_free (GhAuthRequest *request);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhAuthRequest, gh_auth_request_free)

#define GH_TYPE_AUTHORIZATION (gh_authorization_get_type ())

G_DECLARE_FINAL_TYPE (GhAuthorization, gh_authorization, GH, AUTHORIZATION, GObject)

GhAuthorization *gh_authorization_new          (GhStore          *store,
                                                GhAudit          *audit,
                                                GhClients        *clients,
                                                GhUsers          *users,
                                                GhResources      *resources);
char            *gh_authorization_new_flow_id  (void);
/* An authorization request's parameters as sent, for its flow step ("params"): never a
 * secret (no code_challenge; state and nonce only as present or not). */
JsonObject      *gh_authorization_request_snapshot (GhForm       *form);
/* Checks /authorize's parameters in the order SECURITY.md gives. @resolved_client (taken)
 * is the client a URL client_id's metadata document describes, freshly resolved; NULL for
 * registered clients. @flow_id continues a flow started before (the CIMD fetch), or NULL for
 * a new one. Always returns the params; on refusal @error is set too. */
GhAuthParams    *gh_authorization_check        (GhAuthorization  *self,
                                                const GhProject  *project,
                                                GhForm           *form,
                                                GhClient         *resolved_client,
                                                const char       *flow_id,
                                                GError          **error);
/* Records the refusal as an audit event; @redirected says whether the client is told (the
 * browser goes back to its redirect URI) or not (the refusal is a page). @source is the peer
 * address (refusals are rate-limited per source), @user_agent its User-Agent or NULL. */
void             gh_authorization_record_refusal (GhAuthorization *self,
                                                const GhProject  *project,
                                                const GhAuthParams *params,
                                                const char       *source,
                                                const char       *user_agent,
                                                const GError     *error,
                                                gboolean          redirected);

/* authorization.started: @params passed their checks and @status (a redirect to the login or
 * consent page, or back to the client) follows. */
void             gh_authorization_record_started (GhAuthorization *self,
                                                const GhProject  *project,
                                                const GhAuthParams *params,
                                                const char       *source,
                                                const char       *user_agent,
                                                guint             status);

/* Keeps @params for the pages, bound to the browser that holds @browser_secret. */
GhAuthRequest   *gh_authorization_save_request (GhAuthorization  *self,
                                                const GhProject  *project,
                                                const GhAuthParams *params,
                                                const char       *browser_secret,
                                                GError          **error);
GhAuthRequest   *gh_authorization_load_request (GhAuthorization  *self,
                                                const GhProject  *project,
                                                const char       *request_id,
                                                const char       *browser_secret,
                                                GError          **error);
gboolean         gh_authorization_set_request_user (GhAuthorization *self,
                                                GhAuthRequest    *request,
                                                const GhUser     *user,
                                                gint64            auth_time,
                                                GError          **error);

/* The development login succeeded: in one transaction, a session for @user (its cookie value
 * returned, *@auth_time set), @request bound to the user, and user.logged_in. */
char            *gh_authorization_log_in       (GhAuthorization  *self,
                                                const GhProject  *project,
                                                GhAuthRequest    *request,
                                                const GhUser     *user,
                                                const char       *source,
                                                const char       *user_agent,
                                                gint64           *auth_time,
                                                GError          **error);

/* Login sessions: a cookie value whose hash the store keeps. */
char            *gh_authorization_create_session (GhAuthorization *self,
                                                const GhProject  *project,
                                                const GhUser     *user,
                                                gint64           *auth_time,
                                                GError          **error);
GhUser          *gh_authorization_session_user (GhAuthorization  *self,
                                                const GhProject  *project,
                                                const char       *session_secret,
                                                gint64           *auth_time);

/* Did @user already allow these scopes and resources to this client? */
gboolean         gh_authorization_has_consent  (GhAuthorization  *self,
                                                const GhProject  *project,
                                                const GhUser     *user,
                                                const GhAuthParams *params);
/* Where the consent behind a code comes from (the code_issued event's "consent"). */
typedef enum
{
  GH_CONSENT_GIVEN,          /* the user allowed it on the consent page: it is stored */
  GH_CONSENT_STORED,         /* a consent the user gave before covers it */
  GH_CONSENT_AUTO_APPROVED,  /* the project's auto_approve_user: nobody was asked */
} GhConsent;

/* Issues the code in one transaction with the consent (stored when @consent is
 * GH_CONSENT_GIVEN), unknown resources recorded under resource_policy=open, its audit
 * event, and the end of @request_id's pending request. Returns the code. */
char            *gh_authorization_issue_code   (GhAuthorization  *self,
                                                const GhProject  *project,
                                                const GhAuthParams *params,
                                                const GhUser     *user,
                                                gint64            auth_time,
                                                GhConsent         consent,
                                                const char       *request_id,
                                                GError          **error);
/* The user said no. */
gboolean         gh_authorization_deny         (GhAuthorization  *self,
                                                const GhProject  *project,
                                                const GhAuthParams *params,
                                                const GhUser     *user,
                                                const char       *request_id,
                                                GError          **error);

/* redirect_uri with error / code, state and iss added to its query (RFC 6749, RFC 9207). */
char            *gh_authorization_build_redirect (const GhAuthParams *params,
                                                const char       *issuer,
                                                const char       *code,
                                                const GError     *error);

G_END_DECLS
