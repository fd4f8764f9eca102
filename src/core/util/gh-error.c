/* gh-error.c — the error table: each domain's errors as an `error` string and HTTP status
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-util"

#include "config.h"

#include <gio/gio.h>

#include "gh-error.h"
#include "gh-explain.h"
#include "gh-project-settings.h"
#include "gh-secret-store.h"
#include "gh-store.h"
#include "gh-text.h"

/* An extended domain: a refusal may carry its explain object (gh-explain.h) to whoever
 * records the audit event, however far up it is propagated. */
typedef struct
{
  JsonObject *explain;
} GhOAuthErrorPrivate;

static void
gh_oauth_error_private_init (GhOAuthErrorPrivate *priv)
{
  priv->explain = NULL;
}

static void
gh_oauth_error_private_copy (const GhOAuthErrorPrivate *src,
                             GhOAuthErrorPrivate       *dest)
{
  dest->explain = src->explain != NULL ? json_object_ref (src->explain) : NULL;
}

static void
gh_oauth_error_private_clear (GhOAuthErrorPrivate *priv)
{
  g_clear_pointer (&priv->explain, json_object_unref);
}

G_DEFINE_EXTENDED_ERROR (GhOAuthError, gh_oauth_error)

/* What each code is on the wire. A status libsoup has no phrase for carries its own. */
static const struct {
  GhOAuthError code;
  const char *string;
  guint status;
  const char *reason;
} error_table[] = {
  { GH_OAUTH_ERROR_INVALID_REQUEST, "invalid_request", 400 },
  { GH_OAUTH_ERROR_INVALID_CLIENT, "invalid_client", 401 },
  { GH_OAUTH_ERROR_INVALID_GRANT, "invalid_grant", 400 },
  { GH_OAUTH_ERROR_UNAUTHORIZED_CLIENT, "unauthorized_client", 400 },
  { GH_OAUTH_ERROR_UNSUPPORTED_GRANT_TYPE, "unsupported_grant_type", 400 },
  { GH_OAUTH_ERROR_INVALID_SCOPE, "invalid_scope", 400 },
  { GH_OAUTH_ERROR_ACCESS_DENIED, "access_denied", 403 },
  { GH_OAUTH_ERROR_UNSUPPORTED_RESPONSE_TYPE, "unsupported_response_type", 400 },
  { GH_OAUTH_ERROR_SERVER_ERROR, "server_error", 500 },
  { GH_OAUTH_ERROR_TEMPORARILY_UNAVAILABLE, "temporarily_unavailable", 503 },
  { GH_OAUTH_ERROR_INVALID_TARGET, "invalid_target", 400 },
  { GH_OAUTH_ERROR_INVALID_TOKEN, "invalid_token", 401 },
  { GH_OAUTH_ERROR_INSUFFICIENT_SCOPE, "insufficient_scope", 403 },
  { GH_OAUTH_ERROR_INVALID_REDIRECT_URI, "invalid_redirect_uri", 400 },
  { GH_OAUTH_ERROR_INVALID_CLIENT_METADATA, "invalid_client_metadata", 400 },
  { GH_OAUTH_ERROR_LOGIN_REQUIRED, "login_required", 400 },
  { GH_OAUTH_ERROR_CONSENT_REQUIRED, "consent_required", 400 },
  { GH_OAUTH_ERROR_INTERACTION_REQUIRED, "interaction_required", 400 },
  { GH_OAUTH_ERROR_NOT_FOUND, "not_found", 404 },
  { GH_OAUTH_ERROR_METHOD_NOT_ALLOWED, "method_not_allowed", 405 },
  { GH_OAUTH_ERROR_PAYLOAD_TOO_LARGE, "payload_too_large", 413 },
  { GH_OAUTH_ERROR_FORBIDDEN, "forbidden", 403 },
  { GH_OAUTH_ERROR_CONFLICT, "conflict", 409 },
  { GH_OAUTH_ERROR_TOO_MANY_REQUESTS, "too_many_requests", 429 },
  { GH_OAUTH_ERROR_REQUEST_TIMEOUT, "invalid_request", 408 },
  { GH_OAUTH_ERROR_URI_TOO_LONG, "invalid_request", 414 },
  { GH_OAUTH_ERROR_HEADERS_TOO_LARGE, "invalid_request", 431, "Request Header Fields Too Large" },
  { GH_OAUTH_ERROR_LENGTH_REQUIRED, "invalid_request", 411 },
  { GH_OAUTH_ERROR_TRANSFER_CODING, "invalid_request", 501 },
};

/* The other domains' errors that are refusals, not failures, and how they are answered.
 * Domains are matched by quark. Anything not here is an internal failure: server_error. */
static const struct {
  GQuark (*domain) (void);
  int code;  /* -1: every code of the domain */
  GhOAuthError answer;
} domain_table[] = {
  { gh_store_error_quark, GH_STORE_ERROR_NOT_FOUND, GH_OAUTH_ERROR_NOT_FOUND },
  { gh_store_error_quark, GH_STORE_ERROR_CONSTRAINT, GH_OAUTH_ERROR_CONFLICT },
  { gh_settings_error_quark, GH_SETTINGS_ERROR_UNKNOWN_KEY, GH_OAUTH_ERROR_INVALID_REQUEST },
  { gh_settings_error_quark, GH_SETTINGS_ERROR_INVALID_VALUE, GH_OAUTH_ERROR_INVALID_REQUEST },
  { gh_settings_error_quark, GH_SETTINGS_ERROR_INCONSISTENT, GH_OAUTH_ERROR_INVALID_REQUEST },
  /* A query that cannot be run (gh_audit_query_check()). */
  { g_io_error_quark, G_IO_ERROR_INVALID_ARGUMENT, GH_OAUTH_ERROR_INVALID_REQUEST },
  /* No secret, no signing: fail closed, and say it may pass (a locked keyring). */
  { gh_secret_error_quark, -1, GH_OAUTH_ERROR_TEMPORARILY_UNAVAILABLE },
};

const char *
gh_oauth_error_code_string (GhOAuthError code)
{
  for (guint i = 0; i < G_N_ELEMENTS (error_table); i++)
    if (error_table[i].code == code)
      return error_table[i].string;
  return "server_error";
}

guint
gh_oauth_error_http_status (GhOAuthError code)
{
  for (guint i = 0; i < G_N_ELEMENTS (error_table); i++)
    if (error_table[i].code == code)
      return error_table[i].status;
  return 500;
}

const char *
gh_oauth_error_http_reason (GhOAuthError code)
{
  for (guint i = 0; i < G_N_ELEMENTS (error_table); i++)
    if (error_table[i].code == code)
      return error_table[i].reason;
  return NULL;
}

GhOAuthError
gh_oauth_error_from_gerror (const GError *error)
{
  if (error == NULL)
    return GH_OAUTH_ERROR_SERVER_ERROR;
  if (error->domain == GH_OAUTH_ERROR)
    return (GhOAuthError) error->code;
  for (guint i = 0; i < G_N_ELEMENTS (domain_table); i++)
    if (error->domain == domain_table[i].domain () &&
        (domain_table[i].code == -1 || domain_table[i].code == error->code))
      return domain_table[i].answer;
  return GH_OAUTH_ERROR_SERVER_ERROR;
}

const char *
gh_error_code_string (const GError *error)
{
  return gh_oauth_error_code_string (gh_oauth_error_from_gerror (error));
}

guint
gh_error_http_status (const GError *error)
{
  return gh_oauth_error_http_status (gh_oauth_error_from_gerror (error));
}

guint
gh_error_page_status (const GError *error)
{
  guint status = gh_error_http_status (error);

  return status == 401 ? 400 : status;
}

gboolean
gh_error_is_internal (const GError *error)
{
  return gh_oauth_error_from_gerror (error) == GH_OAUTH_ERROR_SERVER_ERROR;
}

gboolean
gh_oauth_refuse (GError     **error,
                 GhOAuthError code,
                 const char  *format,
                 ...)
{
  va_list args;

  va_start (args, format);
  if (error != NULL)
    {
      g_autofree char *message = g_strdup_vprintf (format, args);
      g_autofree char *cut = gh_text_cut (message, GH_REFLECT_MAX_DESCRIPTION);

      /* The message repeats what the client sent: bounded, UTF-8, said when cut */
      *error = g_error_new_literal (GH_OAUTH_ERROR, code, cut);
    }
  va_end (args);
  return FALSE;
}

gboolean
gh_oauth_refuse_explained (GError     **error,
                           GhOAuthError code,
                           JsonObject  *explain,
                           const char  *format,
                           ...)
{
  g_autoptr(JsonObject) owned = explain;
  va_list args;

  va_start (args, format);
  if (error != NULL)
    {
      g_autofree char *message = g_strdup_vprintf (format, args);
      g_autofree char *cut = gh_text_cut (message, GH_REFLECT_MAX_DESCRIPTION);

      *error = g_error_new_literal (GH_OAUTH_ERROR, code, cut);
      gh_error_set_explain (*error, g_steal_pointer (&owned));
    }
  va_end (args);
  return FALSE;
}

void
gh_error_set_explain (GError     *error,
                      JsonObject *explain)
{
  g_autoptr(JsonObject) owned = explain;
  GhOAuthErrorPrivate *priv;

  g_return_if_fail (error != NULL);

  if (error->domain != GH_OAUTH_ERROR)
    {
      g_critical ("Only a GH_OAUTH_ERROR carries an explain object (not %s)",
                  g_quark_to_string (error->domain));
      return;
    }
  priv = gh_oauth_error_get_private (error);
  g_clear_pointer (&priv->explain, json_object_unref);
  priv->explain = g_steal_pointer (&owned);
}

JsonObject *
gh_error_get_explain (const GError *error)
{
  if (error == NULL || error->domain != GH_OAUTH_ERROR)
    return NULL;
  return gh_oauth_error_get_private (error)->explain;
}
