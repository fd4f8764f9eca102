/* gh-http-auth.h — the Authorization header: Bearer and Basic credentials, and challenges
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Does the Authorization header value @header use @scheme ("Basic", "Bearer"; any case)? */
gboolean    gh_http_auth_has_scheme   (const char         *header,
                                       const char         *scheme);
/* The token of "Authorization: Bearer <token>" (RFC 6750 §2.1), inside the request's
 * headers; NULL when there is no such header, it names another scheme or has no token. */
const char *gh_http_auth_get_bearer   (SoupServerMessage  *msg);
/* client_secret_basic (RFC 6749 §2.3.1): the id and secret of a "Basic" header value, each
 * form-urlencoded before base64. FALSE for anything malformed: not base64, no colon, an
 * empty id, either part not UTF-8. */
gboolean    gh_http_auth_parse_basic  (const char         *header,
                                       char              **out_id,
                                       char              **out_secret);
/* Sets WWW-Authenticate to @scheme's challenge for @realm; with @error, its `error` string
 * and message as error and error_description (RFC 6750 §3: none when no credentials were
 * sent at all). */
void        gh_http_auth_challenge    (SoupServerMessage  *msg,
                                       const char         *scheme,
                                       const char         *realm,
                                       const GError       *error);

G_END_DECLS
