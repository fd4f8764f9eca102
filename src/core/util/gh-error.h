/* gh-error.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

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
} GhOAuthError;

GQuark      gh_oauth_error_quark        (void);
const char *gh_oauth_error_code_string  (GhOAuthError code);
guint       gh_oauth_error_http_status  (GhOAuthError code);
GhOAuthError gh_oauth_error_from_gerror (const GError *error);
/* Sets @error to @code with a message and returns FALSE: `return gh_oauth_refuse (...);`. */
gboolean    gh_oauth_refuse             (GError     **error,
                                         GhOAuthError code,
                                         const char  *format,
                                         ...) G_GNUC_PRINTF (3, 4);

G_END_DECLS
