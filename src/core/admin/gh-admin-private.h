/* gh-admin-private.h — what the admin API's handler files share (gh-admin-util.c)
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-audit-query.h"
#include "gh-paused-request.h"
#include "gh-server-private.h"

G_BEGIN_DECLS

/* Who the audit says acted, for every change made through the admin API. */
#define GH_ADMIN_ACTOR "admin-api"

/* Admin answers are never cached, and carry no CORS: the router checked the token. */
void        _gh_admin_send_json     (GhRequest           *request,
                                     guint                status,
                                     JsonObject          *object);
/* The error table's status, error and error_description for @error. */
void        _gh_admin_send_error    (GhRequest           *request,
                                     const GError        *error);
/* What an admin request paused for a fetch or a worker answers when it is refused: one
 * admin.request_refused event, as _gh_admin_send_error() records, then the error (or, for
 * an answer of its own, only the event). */
void        _gh_admin_send_paused_error     (GhPausedRequest *paused,
                                             const GError    *error);
void        _gh_admin_record_paused_refusal (GhPausedRequest *paused,
                                             const GError    *error);
void        _gh_admin_refuse        (GhRequest           *request,
                                     GhOAuthError         code,
                                     const char          *description);
/* The last segment of the path: {slug} or {id}. */
const char *_gh_admin_path_argument (GhRequest           *request);
/* The body as a JSON object ({} when there is none); with @fields (NULL-terminated), every
 * member must be one of them: an unknown one is refused, never ignored. NULL with
 * INVALID_REQUEST naming what is wrong. */
JsonObject *_gh_admin_read_body     (GhRequest           *request,
                                     const char * const  *fields,
                                     GError             **error);
/* The query string's parameters (name -> value; an empty table when there is none); with
 * @names (NULL-terminated), every parameter must be one of them. NULL with INVALID_REQUEST
 * when it does not parse, a parameter is repeated or unknown. */
GHashTable *_gh_admin_read_query    (GhRequest           *request,
                                     const char * const  *names,
                                     GError             **error);
/* Member @name of @object as a string: *@out is NULL when it is absent; FALSE with @error
 * when it is there but not a string. */
gboolean    _gh_admin_get_optional_string (JsonObject    *object,
                                           const char    *name,
                                           const char   **out,
                                           GError       **error);
/* The project @slug; answers 404 itself (and returns NULL) when there is none. */
GhProject  *_gh_admin_load_project_named  (GhRequest     *request,
                                           const char    *slug);

/* gh-admin-project-routes.c */
/* The project of the path's {slug} (/admin/v1/projects/{slug}/...); answers 404 itself (and
 * returns NULL) when there is none. */
GhProject  *_gh_admin_load_path_project   (GhRequest     *request);
/* 204 without a body: what a removal answers. */
void        _gh_admin_send_no_content     (GhRequest     *request);
/* Member @name of @object as a whole number in @min..@max, *@out untouched when absent; FALSE
 * with INVALID_REQUEST when it is there but not such a number. */
gboolean    _gh_admin_get_optional_int    (JsonObject    *object,
                                           const char    *name,
                                           gint64         min,
                                           gint64         max,
                                           gint64        *out,
                                           GError       **error);
/* gh_resource_to_json() with the "id" DELETE .../resources/{id} takes. */
JsonObject *_gh_admin_resource_to_json    (const GhResource *resource);
/* DELETE /admin/v1/projects/{slug} (the router's row is gh-admin-routes.c's). */
void        _gh_admin_delete_project      (GhRequest     *request,
                                           GhProject     *project);

/* The {slug} of a path /admin/v1/projects/{slug}/...; a copy. */
char       *_gh_admin_path_slug           (GhRequest     *request);
/* _gh_admin_read_query() without a list of names, answering its 400 itself (and returning
 * NULL) when the query does not parse or names a parameter twice. */
GHashTable *_gh_admin_query_params        (GhRequest     *request);
/* Fills @query from the audit route's parameters in @params (filters, cursors, limit), which
 * it points into; FALSE with INVALID_REQUEST naming an unknown parameter or a bad value. */
gboolean    _gh_admin_read_audit_query    (GHashTable    *params,
                                           GhAuditQuery  *query,
                                           GError       **error);
/* A CIMD client's document fetched again (gh-admin-clients.c): each member @now changes, adds
 * or drops against @before, as {member, old, new} (null where absent), by member name. */
JsonArray  *_gh_admin_metadata_changes      (JsonObject      *before,
                                             JsonObject      *now);
/* Does one of @changes touch what users consented to (redirect_uris, jwks, jwks_uri)? */
gboolean    _gh_admin_changes_reset_consent (JsonArray       *changes);
/* Stores @document as imported client @client_id's metadata (oauth_client.updated, actor
 * admin-api), and forgets the users' consents to it when @reset_consents. */
gboolean    _gh_admin_store_refreshed       (GhServer        *server,
                                             const GhProject *project,
                                             const char      *client_id,
                                             JsonObject      *document,
                                             gboolean         reset_consents,
                                             GError         **error);

/* gh-admin-flows.c: the callback of a worker's read (gh_audit_read_async () giving a
 * JsonObject) for a paused admin request (@user_data): the answer as it is, or the refusal. */
void        _gh_admin_send_read_answer      (GObject         *source,
                                             GAsyncResult    *result,
                                             gpointer         user_data);

G_END_DECLS
