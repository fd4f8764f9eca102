/* gh-server-private.h — what the server's endpoint files share
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-authorization.h"
#include "gh-cimd-resolver.h"
#include "gh-clients.h"
#include "gh-registration.h"
#include "gh-resources.h"
#include "gh-server.h"
#include "gh-tokens.h"
#include "gh-users.h"

G_BEGIN_DECLS

/* One request, after the router found its project. */
typedef struct
{
  GhServer          *server;
  SoupServerMessage *msg;
  GhProject         *project;
  char              *issuer;
  const char        *path;    /* below the issuer */
} GhRequest;

GhAuthorization *_gh_server_get_authorization (GhServer   *self);
GhTokens        *_gh_server_get_tokens        (GhServer   *self);
GhRegistration  *_gh_server_get_registration  (GhServer   *self);
GhCimdResolver  *_gh_server_get_cimd_resolver (GhServer   *self);
/* A cookie name unique to this server (cookies ignore ports, servers on one host do not). */
char            *_gh_server_cookie_name       (GhServer   *self,
                                               const char *name);

void _gh_server_handle_authorize  (GhRequest *request);
void _gh_server_handle_login      (GhRequest *request);
void _gh_server_handle_consent    (GhRequest *request);
void _gh_server_handle_token      (GhRequest *request);
void _gh_server_handle_revoke     (GhRequest *request);
void _gh_server_handle_introspect (GhRequest *request);
void _gh_server_handle_userinfo   (GhRequest *request);
void _gh_server_handle_register   (GhRequest *request);
void _gh_server_handle_client_configuration (GhRequest *request);

G_END_DECLS
