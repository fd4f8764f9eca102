/* gh-pages.h — the few HTML pages the server shows a person
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* What the login and consent pages show about the client asking. */
typedef struct
{
  const char  *project_name;
  const char  *client_name;       /* as registered (escaped on output); may be NULL */
  const char  *client_id;
  const char  *client_host;       /* host of a URL client_id (CIMD), else NULL */
  const char  *redirect_host;     /* where the browser goes next */
  const char  *request_id;
  const char  *csrf_token;
  const char  *form_action;       /* absolute URL the form posts to */
} GhPageClient;

typedef struct
{
  const char *username;
  const char *name;
  const char *email;
} GhPageUser;

/* One requested scope or resource, with a human explanation. */
typedef struct
{
  const char *value;
  const char *description;
} GhPageItem;

char *gh_page_login    (const GhPageClient *client,
                        const GhPageUser   *users,
                        guint               n_users,
                        gboolean            free_form,
                        const char         *message,
                        const char         *nonce);
char *gh_page_consent  (const GhPageClient *client,
                        const char         *username,
                        const GhPageItem   *scopes,
                        guint               n_scopes,
                        const GhPageItem   *resources,
                        guint               n_resources,
                        const char         *warning,
                        const char         *nonce);
/* What a browser opening an issuer's URL sees: the issuer and where programs find it. */
char *gh_page_issuer   (const char         *project_name,
                        const char         *issuer,
                        const char         *oauth_metadata_url,
                        const char         *openid_configuration_url,
                        const char         *jwks_url,
                        const char         *nonce);
char *gh_page_error    (const char         *title,
                        const char         *message,
                        const char         *detail,
                        const char         *nonce);

/* Sends @html with the page security headers: a CSP allowing only the nonce'd style,
 * form-action 'self', frame-ancestors 'none', X-Frame-Options DENY, no-store,
 * Referrer-Policy same-origin. */
void  gh_page_send     (SoupServerMessage  *msg,
                        guint               status,
                        char               *html,
                        const char         *nonce);
/* gh_page_send() for a page whose form's answer redirects to @redirect_uri (may be NULL):
 * form-action allows this server and @redirect_uri's origin. */
void  gh_page_send_form (SoupServerMessage *msg,
                         guint              status,
                         char              *html,
                         const char        *nonce,
                         const char        *redirect_uri);
/* Sends @error's refusal from a page endpoint with the status gh_error_page_status() gives
 * it: the error page headed by @title for a browser, the JSON error for a program. */
void  gh_page_send_refusal (SoupServerMessage *msg,
                            const GError      *error,
                            const char        *title);
char *gh_page_new_nonce (void);

G_END_DECLS
