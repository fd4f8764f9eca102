/* gh-error.h — the error table: what an error of any domain becomes on the wire
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define GH_OAUTH_ERROR (gh_oauth_error_quark ())

/* Every refusal the server sends. The table in gh-error.c maps each code to its
 * OAuth `error` string and HTTP status, so handlers never pick either by hand. */
typedef enum
{
  GH_OAUTH_ERROR_INVALID_REQUEST,
  GH_OAUTH_ERROR_INVALID_CLIENT,
  GH_OAUTH_ERROR_INVALID_GRANT,
  GH_OAUTH_ERROR_UNAUTHORIZED_CLIENT,
  GH_OAUTH_ERROR_UNSUPPORTED_GRANT_TYPE,
  GH_OAUTH_ERROR_INVALID_SCOPE,
  GH_OAUTH_ERROR_ACCESS_DENIED,
  GH_OAUTH_ERROR_UNSUPPORTED_RESPONSE_TYPE,
  GH_OAUTH_ERROR_SERVER_ERROR,
  GH_OAUTH_ERROR_TEMPORARILY_UNAVAILABLE,
  GH_OAUTH_ERROR_INVALID_TARGET,
  GH_OAUTH_ERROR_INVALID_TOKEN,
  GH_OAUTH_ERROR_INSUFFICIENT_SCOPE,
  GH_OAUTH_ERROR_INVALID_REDIRECT_URI,
  GH_OAUTH_ERROR_INVALID_CLIENT_METADATA,
  GH_OAUTH_ERROR_LOGIN_REQUIRED,
  GH_OAUTH_ERROR_CONSENT_REQUIRED,
  GH_OAUTH_ERROR_INTERACTION_REQUIRED,
  GH_OAUTH_ERROR_NOT_FOUND,
  GH_OAUTH_ERROR_METHOD_NOT_ALLOWED,
  GH_OAUTH_ERROR_PAYLOAD_TOO_LARGE,
  GH_OAUTH_ERROR_FORBIDDEN,
  GH_OAUTH_ERROR_CONFLICT,
  GH_OAUTH_ERROR_TOO_MANY_REQUESTS,
  /* Refusals of the request's framing, made before its body is read: all invalid_request,
   * each with the status HTTP has for it. */
  GH_OAUTH_ERROR_REQUEST_TIMEOUT,
  GH_OAUTH_ERROR_URI_TOO_LONG,
  GH_OAUTH_ERROR_HEADERS_TOO_LARGE,
  GH_OAUTH_ERROR_LENGTH_REQUIRED,
  GH_OAUTH_ERROR_TRANSFER_CODING,
} GhOAuthError;

GQuark      gh_oauth_error_quark        (void);
const char *gh_oauth_error_code_string  (GhOAuthError code);
guint       gh_oauth_error_http_status  (GhOAuthError code);
/* The reason phrase to send with @code's status when libsoup knows none, else NULL. */
const char *gh_oauth_error_http_reason  (GhOAuthError code);
/* The code an error of any domain is answered with: its own for GH_OAUTH_ERROR; the table's
 * for the store (NOT_FOUND, CONSTRAINT), settings validation and the secret store (matched by
 * quark); GH_OAUTH_ERROR_SERVER_ERROR for everything else (an internal failure). */
GhOAuthError gh_oauth_error_from_gerror (const GError *error);

/* The `error` string and HTTP status of @error, whatever its domain (as
 * gh_oauth_error_from_gerror() maps it). */
const char *gh_error_code_string        (const GError *error);
guint       gh_error_http_status        (const GError *error);
/* The status of a refusal a page endpoint (/authorize, /login, /consent) shows, to a browser
 * or a program alike: the table's, except that 401 becomes 400, since a page asks for no
 * HTTP authentication that a 401 (and its WWW-Authenticate challenge) would request. */
guint       gh_error_page_status        (const GError *error);
/* Is @error a failure of the server itself (server_error), not a refusal? Such errors are
 * logged in full and described to clients in general terms. */
gboolean    gh_error_is_internal        (const GError *error);

/* Sets @error to @code with a message and returns FALSE: `return gh_oauth_refuse (...);`. */
gboolean    gh_oauth_refuse             (GError     **error,
                                         GhOAuthError code,
                                         const char  *format,
                                         ...) G_GNUC_PRINTF (3, 4);

/* As gh_oauth_refuse(), and the error carries @explain (taken; gh-explain.h), which the audit
 * event of the refusal records (gh_audit_refusal_details()). */
gboolean    gh_oauth_refuse_explained   (GError     **error,
                                         GhOAuthError code,
                                         JsonObject  *explain,
                                         const char  *format,
                                         ...) G_GNUC_PRINTF (4, 5);
/* Attaches @explain (taken) to @error, a GH_OAUTH_ERROR, replacing any it had. An error
 * copied or propagated keeps it. */
void        gh_error_set_explain        (GError       *error,
                                         JsonObject   *explain);
/* @error's explain object (owned by the error), or NULL. */
JsonObject *gh_error_get_explain        (const GError *error);

G_END_DECLS
