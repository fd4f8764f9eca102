/* gh-client.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "gh-project-settings.h"

G_BEGIN_DECLS

typedef enum
{
  GH_CLIENT_SOURCE_ADMIN,
  GH_CLIENT_SOURCE_DCR,
  GH_CLIENT_SOURCE_CIMD,
} GhClientSource;

typedef enum
{
  GH_CLIENT_AUTH_NONE,
  GH_CLIENT_AUTH_SECRET_BASIC,
  GH_CLIENT_AUTH_SECRET_POST,
  GH_CLIENT_AUTH_PRIVATE_KEY_JWT,
} GhClientAuthMethod;

/* A registered client: the columns the server decides on, and its metadata as registered. */
typedef struct
{
  gint64              id;
  gint64              project_id;
  char               *client_id;
  GhClientSource      source;
  GhClientAuthMethod  auth_method;
  char               *client_name;
  char              **redirect_uris;
  char              **grant_types;
  char               *scope;            /* allowed scopes, space-separated; NULL: the project's */
  char               *application_type; /* "web" or "native" */
  JsonObject         *metadata;         /* RFC 7591 metadata, defaults filled in */
  char               *secret_hash;      /* confidential clients */
  gint64              created_at;
  gint64              updated_at;
} GhClient;

void        gh_client_free                 (GhClient           *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhClient, gh_client_free)

gboolean    gh_client_is_confidential      (const GhClient     *client);
gboolean    gh_client_has_grant_type       (const GhClient     *client,
                                            const char         *grant_type);
/* client_id, client_id_issued_at, the metadata members and source; never the stored hash.
 * @secret, the plain secret gh_clients_create() just made (shown once), adds client_secret
 * and client_secret_expires_at; NULL otherwise. */
JsonObject *gh_client_to_json              (const GhClient     *client,
                                            const char         *secret);
/* Builds a client from stored or validated metadata (redirect_uris, grant_types, ...). */
GhClient   *gh_client_new_from_metadata    (const char         *client_id,
                                            GhClientSource      source,
                                            JsonObject         *metadata);

const char *gh_client_source_to_string     (GhClientSource      source);
/* Where @client comes from, in words for a list: "pre-registered", "dcr", "cimd (imported)"
 * or "cimd (fetched)". */
const char *gh_client_get_origin           (const GhClient     *client);
gboolean    gh_client_source_from_string   (const char         *text,
                                            GhClientSource     *source);
const char *gh_client_auth_method_to_string (GhClientAuthMethod method);
gboolean    gh_client_auth_method_from_string (const char      *text,
                                            GhClientAuthMethod *method);

/* Checks RFC 7591 metadata against the project's rules and fills in the defaults
 * (grant_types, response_types, token_endpoint_auth_method, application_type).
 * Errors are GH_OAUTH_ERROR_INVALID_REDIRECT_URI or _INVALID_CLIENT_METADATA. */
JsonObject *gh_client_metadata_validate    (JsonObject               *metadata,
                                            const GhProjectSettings  *settings,
                                            const char               *default_auth_method,
                                            GError                  **error);
/* One redirect URI: https, http on a loopback host, or an allowed custom scheme; no
 * fragment, no userinfo, no scheme a browser would run. */
gboolean    gh_redirect_uri_check          (const char               *uri,
                                            const GhProjectSettings  *settings,
                                            GError                  **error);
/* Does @requested match @registered: byte for byte, or for http on a loopback host any
 * port (RFC 8252 §7.3)? */
gboolean    gh_redirect_uri_matches        (const char               *registered,
                                            const char               *requested);
gboolean    gh_uri_is_loopback_http        (const char               *uri);
/* A client_id an administrator may choose: 1..128 of [A-Za-z0-9._~:-], not a URL. */
gboolean    gh_client_id_check             (const char               *client_id,
                                            GError                  **error);

G_END_DECLS
