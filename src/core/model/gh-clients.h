/* gh-clients.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-audit.h"
#include "gh-client.h"
#include "gh-projects.h"
#include "gh-store.h"

G_BEGIN_DECLS

#define GH_TYPE_CLIENTS (gh_clients_get_type ())

G_DECLARE_FINAL_TYPE (GhClients, gh_clients, GH, CLIENTS, GObject)

typedef struct _GhCimdResolver GhCimdResolver;

GhClients *gh_clients_new          (GhStore          *store,
                                    GhAudit          *audit);
/* Registers a client from metadata already checked by gh_client_metadata_validate(),
 * inside the caller's transaction when one is open.
 * @client_id NULL generates "client_<24 hex>". A confidential client gets a new secret,
 * returned once in *@out_secret and stored only as a hash. */
GhClient  *gh_clients_create       (GhClients        *self,
                                    const GhProject  *project,
                                    const char       *client_id,
                                    GhClientSource    source,
                                    JsonObject       *metadata,
                                    char            **out_secret,
                                    const char       *actor,
                                    GError          **error);
/* Where URL client ids (CIMD) come from when no client row has them: the resolver's cache. */
void       gh_clients_set_cimd_resolver (GhClients     *self,
                                         GhCimdResolver *resolver);
/* NULL with GH_STORE_ERROR_NOT_FOUND when the project has no such client. A URL client id
 * without a row (not imported) is the last good document the CIMD resolver cached. */
GhClient  *gh_clients_get          (GhClients        *self,
                                    gint64            project_id,
                                    const char       *client_id,
                                    GError          **error);
/* Whether a row exists (an administrator's, DCR's, or an imported CIMD client). */
gboolean   gh_clients_is_registered (GhClients       *self,
                                     gint64           project_id,
                                     const char      *client_id);
GPtrArray *gh_clients_list         (GhClients        *self,
                                    gint64            project_id,
                                    GError          **error);
/* URL clients (CIMD) resolved at /authorize and not imported: the last good document of each
 * in the CIMD cache, as clients with id 0, created_at and updated_at the time it was fetched. */
GPtrArray *gh_clients_list_fetched_cimd (GhClients   *self,
                                         gint64       project_id,
                                         GError     **error);
/* Deletes the client and what it was granted, and keeps its tombstone (name, when, @actor). */
gboolean   gh_clients_delete       (GhClients        *self,
                                    const GhProject  *project,
                                    const char       *client_id,
                                    const char       *actor,
                                    GError          **error);
/* client.unknown's explain object (gh-explain.h) for @client_id, which @project does not
 * have: its "resolution" is "never_registered", "deleted" (with "deleted_at", ISO 8601,
 * "deleted_by" and "client_name": the newest tombstone gh_clients_delete() left) or
 * "other_project" (with "project", the slug of a project that has it). */
JsonObject *gh_clients_explain_unknown (GhClients       *self,
                                        const GhProject *project,
                                        const char      *client_id);
/* The project's deleted clients, newest first: objects with "client_id", "client_name",
 * "deleted_at" (seconds) and "deleted_by". */
GPtrArray *gh_clients_list_tombstones  (GhClients       *self,
                                        gint64           project_id,
                                        GError         **error);
/* RFC 7592: the registration access token's hash and the IAT pins kept for updates. */
gboolean   gh_clients_set_registration (GhClients     *self,
                                        gint64         project_id,
                                        const char    *client_id,
                                        const char    *token_hash,
                                        JsonObject    *pins,
                                        GError       **error);
/* The registration token hash of a DCR client (NOT_FOUND for any other client). */
char      *gh_clients_get_registration (GhClients     *self,
                                        gint64         project_id,
                                        const char    *client_id,
                                        JsonObject   **out_pins,
                                        GError       **error);
gboolean   gh_clients_update_metadata  (GhClients       *self,
                                        const GhProject *project,
                                        const char      *client_id,
                                        JsonObject      *metadata,
                                        const char      *actor,
                                        GError         **error);
/* Forgets every user's consent to this client: they are asked again. */
gboolean   gh_clients_drop_consents    (GhClients       *self,
                                        gint64           project_id,
                                        const char      *client_id,
                                        GError         **error);
/* Constant-time check of a presented client secret against the stored hash. */
gboolean   gh_client_check_secret  (const GhClient   *client,
                                    const char       *secret);

G_END_DECLS
