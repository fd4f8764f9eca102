/* gh-registration.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-audit.h"
#include "gh-clients.h"
#include "gh-iats.h"
#include "gh-store.h"

G_BEGIN_DECLS

#define GH_TYPE_REGISTRATION (gh_registration_get_type ())

G_DECLARE_FINAL_TYPE (GhRegistration, gh_registration, GH, REGISTRATION, GObject)

GhRegistration *gh_registration_new      (GhStore          *store,
                                          GhAudit          *audit,
                                          GhClients        *clients,
                                          GhIats           *iats);
/* The gate, checked before the body is read: GH_OAUTH_ERROR_FORBIDDEN when DCR is off,
 * _INVALID_TOKEN for a token in the URL (@token_in_query) or no IAT where one is needed. */
gboolean        gh_registration_check_access (GhRegistration *self,
                                          const GhProject  *project,
                                          const char       *bearer,
                                          gboolean          token_in_query,
                                          GError          **error);
/* RFC 7591 registration under the project's dcr_mode. @bearer is the Authorization header's
 * token (NULL when none); @peer the source address for the open-mode rate limit, and with
 * @user_agent the request's in the oauth_client.registered event. Returns the 201 body.
 * Errors: GH_OAUTH_ERROR_FORBIDDEN (DCR off), _INVALID_TOKEN (401), _TOO_MANY_REQUESTS,
 * _INVALID_REDIRECT_URI, _INVALID_CLIENT_METADATA; every refusal carries its explain
 * (gh-explain.h), an IAT refusal's with the member "iat_id". */
JsonObject     *gh_registration_register (GhRegistration   *self,
                                          const GhProject  *project,
                                          const char       *issuer,
                                          JsonObject       *metadata,
                                          const char       *bearer,
                                          const char       *peer,
                                          const char       *user_agent,
                                          GError          **error);
/* RFC 7592, with the registration access token as @bearer. Read and update answer with a
 * new registration access token (the old one stops working): only its hash is kept. */
/* Is @bearer the registration access token of @client_id? (INVALID_TOKEN otherwise) */
gboolean        gh_registration_check_management (GhRegistration *self,
                                          const GhProject  *project,
                                          const char       *client_id,
                                          const char       *bearer,
                                          GError          **error);
JsonObject     *gh_registration_read     (GhRegistration   *self,
                                          const GhProject  *project,
                                          const char       *issuer,
                                          const char       *client_id,
                                          const char       *bearer,
                                          GError          **error);
JsonObject     *gh_registration_update   (GhRegistration   *self,
                                          const GhProject  *project,
                                          const char       *issuer,
                                          const char       *client_id,
                                          const char       *bearer,
                                          JsonObject       *metadata,
                                          GError          **error);
gboolean        gh_registration_delete   (GhRegistration   *self,
                                          const GhProject  *project,
                                          const char       *client_id,
                                          const char       *bearer,
                                          GError          **error);
void            gh_registration_record_management_refusal (GhRegistration *self,
                                          const GhProject  *project,
                                          const char       *client_id,
                                          const char       *peer,
                                          const char       *user_agent,
                                          const GError     *error);
/* The refusal's audit event: iat.rejected (details "reason": missing, unknown, expired,
 * revoked, exhausted or pin_mismatch, and "iat_id" when known) when @error's explain is an
 * iat.* rule, else oauth_client.registration_refused; rate-limited per source. */
void            gh_registration_record_refusal (GhRegistration *self,
                                          const GhProject  *project,
                                          const char       *peer,
                                          const char       *user_agent,
                                          const GError     *error);

G_END_DECLS
