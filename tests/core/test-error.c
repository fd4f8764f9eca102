/* test-error.c — the error table: every domain's errors as an `error` string and an HTTP
 * status
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>

#include "gh-error.h"
#include "gh-project-settings.h"
#include "gh-secret-store.h"
#include "gh-store.h"

static GQuark
oauth_domain (void)
{
  return GH_OAUTH_ERROR;
}

static GQuark
store_domain (void)
{
  return GH_STORE_ERROR;
}

static GQuark
settings_domain (void)
{
  return GH_SETTINGS_ERROR;
}

static GQuark
secret_domain (void)
{
  return GH_SECRET_ERROR;
}

static GQuark
io_domain (void)
{
  return G_IO_ERROR;
}

static const struct {
  GQuark (*domain) (void);
  int code;
  const char *string;
  guint status;
  guint page_status;
  gboolean internal;
} rows[] = {
  /* OAuth: RFC 6749 §5.2, RFC 6750 §3, RFC 7591 §3.2.2 and HTTP's own. */
  { oauth_domain, GH_OAUTH_ERROR_INVALID_REQUEST, "invalid_request", 400, 400 },
  { oauth_domain, GH_OAUTH_ERROR_INVALID_CLIENT, "invalid_client", 401, 400 },
  { oauth_domain, GH_OAUTH_ERROR_INVALID_GRANT, "invalid_grant", 400, 400 },
  { oauth_domain, GH_OAUTH_ERROR_UNAUTHORIZED_CLIENT, "unauthorized_client", 400, 400 },
  { oauth_domain, GH_OAUTH_ERROR_UNSUPPORTED_GRANT_TYPE, "unsupported_grant_type", 400, 400 },
  { oauth_domain, GH_OAUTH_ERROR_INVALID_SCOPE, "invalid_scope", 400, 400 },
  { oauth_domain, GH_OAUTH_ERROR_ACCESS_DENIED, "access_denied", 403, 403 },
  { oauth_domain, GH_OAUTH_ERROR_UNSUPPORTED_RESPONSE_TYPE, "unsupported_response_type", 400,
    400 },
  { oauth_domain, GH_OAUTH_ERROR_SERVER_ERROR, "server_error", 500, 500, TRUE },
  { oauth_domain, GH_OAUTH_ERROR_TEMPORARILY_UNAVAILABLE, "temporarily_unavailable", 503, 503 },
  { oauth_domain, GH_OAUTH_ERROR_INVALID_TARGET, "invalid_target", 400, 400 },
  { oauth_domain, GH_OAUTH_ERROR_INVALID_TOKEN, "invalid_token", 401, 400 },
  { oauth_domain, GH_OAUTH_ERROR_INSUFFICIENT_SCOPE, "insufficient_scope", 403, 403 },
  { oauth_domain, GH_OAUTH_ERROR_INVALID_REDIRECT_URI, "invalid_redirect_uri", 400, 400 },
  { oauth_domain, GH_OAUTH_ERROR_INVALID_CLIENT_METADATA, "invalid_client_metadata", 400, 400 },
  { oauth_domain, GH_OAUTH_ERROR_LOGIN_REQUIRED, "login_required", 400, 400 },
  { oauth_domain, GH_OAUTH_ERROR_CONSENT_REQUIRED, "consent_required", 400, 400 },
  { oauth_domain, GH_OAUTH_ERROR_INTERACTION_REQUIRED, "interaction_required", 400, 400 },
  { oauth_domain, GH_OAUTH_ERROR_NOT_FOUND, "not_found", 404, 404 },
  { oauth_domain, GH_OAUTH_ERROR_METHOD_NOT_ALLOWED, "method_not_allowed", 405, 405 },
  { oauth_domain, GH_OAUTH_ERROR_PAYLOAD_TOO_LARGE, "payload_too_large", 413, 413 },
  { oauth_domain, GH_OAUTH_ERROR_FORBIDDEN, "forbidden", 403, 403 },
  { oauth_domain, GH_OAUTH_ERROR_CONFLICT, "conflict", 409, 409 },
  { oauth_domain, GH_OAUTH_ERROR_TOO_MANY_REQUESTS, "too_many_requests", 429, 429 },
  { oauth_domain, GH_OAUTH_ERROR_REQUEST_TIMEOUT, "invalid_request", 408, 408 },
  { oauth_domain, GH_OAUTH_ERROR_URI_TOO_LONG, "invalid_request", 414, 414 },
  { oauth_domain, GH_OAUTH_ERROR_HEADERS_TOO_LARGE, "invalid_request", 431, 431 },
  { oauth_domain, GH_OAUTH_ERROR_LENGTH_REQUIRED, "invalid_request", 411, 411 },
  { oauth_domain, GH_OAUTH_ERROR_TRANSFER_CODING, "invalid_request", 501, 501 },
  /* The store: a missing row and a broken constraint are refusals; the rest are failures. */
  { store_domain, GH_STORE_ERROR_NOT_FOUND, "not_found", 404, 404 },
  { store_domain, GH_STORE_ERROR_CONSTRAINT, "conflict", 409, 409 },
  { store_domain, GH_STORE_ERROR_FAILED, "server_error", 500, 500, TRUE },
  { store_domain, GH_STORE_ERROR_BUSY, "server_error", 500, 500, TRUE },
  { store_domain, GH_STORE_ERROR_TOO_NEW, "server_error", 500, 500, TRUE },
  { store_domain, GH_STORE_ERROR_READ_ONLY, "server_error", 500, 500, TRUE },
  /* Settings validation: the request is wrong. */
  { settings_domain, GH_SETTINGS_ERROR_UNKNOWN_KEY, "invalid_request", 400, 400 },
  { settings_domain, GH_SETTINGS_ERROR_INVALID_VALUE, "invalid_request", 400, 400 },
  { settings_domain, GH_SETTINGS_ERROR_INCONSISTENT, "invalid_request", 400, 400 },
  /* The secret store: fail closed, and say it may pass. */
  { secret_domain, GH_SECRET_ERROR_UNAVAILABLE, "temporarily_unavailable", 503, 503 },
  { secret_domain, GH_SECRET_ERROR_FAILED, "temporarily_unavailable", 503, 503 },
  { secret_domain, GH_SECRET_ERROR_INVALID, "temporarily_unavailable", 503, 503 },
  /* Any other domain is an internal failure. */
  { io_domain, G_IO_ERROR_NOT_FOUND, "server_error", 500, 500, TRUE },
  { io_domain, G_IO_ERROR_FAILED, "server_error", 500, 500, TRUE },
};

static void
test_table (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GError) error = g_error_new_literal (rows[i].domain (), rows[i].code, "why");

      g_test_message ("%s %d", g_quark_to_string (error->domain), error->code);
      g_assert_cmpstr (gh_error_code_string (error), ==, rows[i].string);
      g_assert_cmpuint (gh_error_http_status (error), ==, rows[i].status);
      g_assert_cmpuint (gh_error_page_status (error), ==, rows[i].page_status);
      g_assert_cmpint (gh_error_is_internal (error), ==, rows[i].internal);
      g_assert_cmpstr (gh_oauth_error_code_string (gh_oauth_error_from_gerror (error)), ==,
                       rows[i].string);
      g_assert_cmpuint (gh_oauth_error_http_status (gh_oauth_error_from_gerror (error)), ==,
                        rows[i].status);
    }
}

static void
test_no_error (void)
{
  g_assert_cmpint (gh_oauth_error_from_gerror (NULL), ==, GH_OAUTH_ERROR_SERVER_ERROR);
  g_assert_cmpstr (gh_error_code_string (NULL), ==, "server_error");
  g_assert_cmpuint (gh_error_http_status (NULL), ==, 500);
  g_assert_true (gh_error_is_internal (NULL));
}

/* libsoup has no phrase for 431: the table gives it. */
static void
test_reason (void)
{
  g_assert_cmpstr (gh_oauth_error_http_reason (GH_OAUTH_ERROR_HEADERS_TOO_LARGE), ==,
                   "Request Header Fields Too Large");
  g_assert_null (gh_oauth_error_http_reason (GH_OAUTH_ERROR_INVALID_REQUEST));
}

/* The secret store's domain is known by its quark, whatever the quark is called; a domain
 * that only looks like it is not. */
static void
test_secret_by_quark (void)
{
  g_autoptr(GError) secret = g_error_new_literal (gh_secret_error_quark (),
                                                  GH_SECRET_ERROR_UNAVAILABLE, "locked");
  GQuark look_alike_domain = g_quark_from_static_string ("gh-secret-error");
  g_autoptr(GError) look_alike = g_error_new_literal (look_alike_domain,
                                                      GH_SECRET_ERROR_UNAVAILABLE, "locked");
  g_autoptr(GError) other_code = g_error_new_literal (GH_OAUTH_ERROR, GH_SECRET_ERROR_UNAVAILABLE,
                                                      "not a secret error");

  g_assert_cmpint (gh_oauth_error_from_gerror (secret), ==,
                   GH_OAUTH_ERROR_TEMPORARILY_UNAVAILABLE);
  g_assert_cmpint (gh_oauth_error_from_gerror (look_alike), ==, GH_OAUTH_ERROR_SERVER_ERROR);
  /* Code 0 of another domain is that domain's, not the secret store's. */
  g_assert_cmpint (gh_oauth_error_from_gerror (other_code), ==, GH_OAUTH_ERROR_INVALID_REQUEST);
}

static void
test_refuse (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (gh_oauth_refuse (&error, GH_OAUTH_ERROR_INVALID_SCOPE, "no %s", "scope"));
  g_assert_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_SCOPE);
  g_assert_cmpstr (error->message, ==, "no scope");
  g_assert_false (gh_oauth_refuse (NULL, GH_OAUTH_ERROR_INVALID_SCOPE, "ignored"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/error/table", test_table);
  g_test_add_func ("/core/error/no-error", test_no_error);
  g_test_add_func ("/core/error/reason", test_reason);
  g_test_add_func ("/core/error/secret-by-quark", test_secret_by_quark);
  g_test_add_func ("/core/error/refuse", test_refuse);

  return g_test_run ();
}
