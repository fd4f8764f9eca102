/* gh-admin-client.h — GhAdminClient: the admin API (/admin/v1) of a Gatehouse server, typed,
 * async, with the live event stream
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* ---- errors ----------------------------------------------------------------------- */

/* What the server refused, from its HTTP status; the message is the server's
 * error_description, and gh_admin_client_error_get_oauth_error() its "error" code. */
#define GH_ADMIN_CLIENT_ERROR (gh_admin_client_error_quark ())

typedef enum
{
  GH_ADMIN_CLIENT_ERROR_FAILED,             /* any other status */
  GH_ADMIN_CLIENT_ERROR_INVALID_REQUEST,    /* 400 */
  GH_ADMIN_CLIENT_ERROR_UNAUTHORIZED,       /* 401: no, a wrong, an expired or revoked token */
  GH_ADMIN_CLIENT_ERROR_FORBIDDEN,          /* 403 */
  GH_ADMIN_CLIENT_ERROR_NOT_FOUND,          /* 404 */
  GH_ADMIN_CLIENT_ERROR_CONFLICT,           /* 409 */
  GH_ADMIN_CLIENT_ERROR_TOO_MANY_REQUESTS,  /* 429 */
  GH_ADMIN_CLIENT_ERROR_SERVER_ERROR,       /* 500 and other 5xx */
  GH_ADMIN_CLIENT_ERROR_UNAVAILABLE,        /* 503 */
  GH_ADMIN_CLIENT_ERROR_INVALID_RESPONSE,   /* an answer that is not the JSON expected */
} GhAdminClientError;

GQuark      gh_admin_client_error_quark          (void);
/* The OAuth-style "error" code the server gave ("invalid_request", "not_found", ...), or NULL
 * (not a GH_ADMIN_CLIENT_ERROR, or the answer had none). */
const char *gh_admin_client_error_get_oauth_error (const GError *error);
/* The HTTP status of the answer behind @error, or 0. */
guint       gh_admin_client_error_get_status      (const GError *error);

/* ---- what the server answers ------------------------------------------------------ */

/* GET /admin/v1/server */
typedef struct
{
  char    *version;
  gint64   started_at;      /* unix seconds */
  gint64   uptime_s;
  GStrv    listen_urls;
  char    *issuer_base;
  gboolean tls;
  char    *secret_backend;
  GStrv    key_ids;         /* the published signing keys */
} GhAdminServerInfo;

void gh_admin_server_info_free (GhAdminServerInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhAdminServerInfo, gh_admin_server_info_free)

/* A project, as GET /admin/v1/projects/{slug} shows it. */
typedef struct
{
  char       *slug;
  char       *display_name;
  char       *profile;      /* "development" or "production" */
  char       *issuer;
  gint64      created_at;   /* unix seconds */
  JsonObject *settings;     /* key -> value, as the server shows them */
} GhAdminProject;

void gh_admin_project_free (GhAdminProject *project);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhAdminProject, gh_admin_project_free)

/* One setting a PATCH changed; @cascade_from names the setting whose change caused it. */
typedef struct
{
  char *key;
  char *old_value;
  char *new_value;
  char *cascade_from;       /* NULL when the PATCH asked for it */
} GhAdminSettingChange;

void gh_admin_setting_change_free (GhAdminSettingChange *change);

/* PATCH /admin/v1/projects/{slug}: every change, the cascade's included, and the project. */
typedef struct
{
  GPtrArray      *changes;  /* GhAdminSettingChange */
  GhAdminProject *project;
} GhAdminProjectPatch;

void gh_admin_project_patch_free (GhAdminProjectPatch *patch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhAdminProjectPatch, gh_admin_project_patch_free)

/* One audit event (a page's, or the stream's). */
#define GH_TYPE_AUDIT_EVENT_ITEM (gh_audit_event_item_get_type ())
G_DECLARE_FINAL_TYPE (GhAuditEventItem, gh_audit_event_item, GH, AUDIT_EVENT_ITEM, GObject)

/* NULL with @error when @object is not an event. */
GhAuditEventItem *gh_audit_event_item_new_from_json (JsonObject       *object,
                                                     GError          **error);
gint64      gh_audit_event_item_get_id          (GhAuditEventItem *self);
gint64      gh_audit_event_item_get_time        (GhAuditEventItem *self);  /* µs */
const char *gh_audit_event_item_get_project     (GhAuditEventItem *self);  /* slug or NULL */
const char *gh_audit_event_item_get_event_type  (GhAuditEventItem *self);
const char *gh_audit_event_item_get_category    (GhAuditEventItem *self);
const char *gh_audit_event_item_get_outcome     (GhAuditEventItem *self);
const char *gh_audit_event_item_get_actor       (GhAuditEventItem *self);
const char *gh_audit_event_item_get_client_id   (GhAuditEventItem *self);
const char *gh_audit_event_item_get_user_id     (GhAuditEventItem *self);
const char *gh_audit_event_item_get_flow_id     (GhAuditEventItem *self);
const char *gh_audit_event_item_get_source      (GhAuditEventItem *self);
const char *gh_audit_event_item_get_user_agent  (GhAuditEventItem *self);
JsonObject *gh_audit_event_item_get_details     (GhAuditEventItem *self);
/* The refusal's explain object ({rule, message, expected, actual, spec, hint, fix}), or
 * NULL. */
JsonObject *gh_audit_event_item_get_explain     (GhAuditEventItem *self);

/* A page of GET /admin/v1/projects/{slug}/audit, newest first. */
typedef struct
{
  GPtrArray *events;  /* GhAuditEventItem */
  gint64     older;   /* pass as before for the older page; 0: none */
  gint64     newer;   /* pass as after for the newer page; 0: none */
} GhAdminAuditPage;

void gh_admin_audit_page_free (GhAdminAuditPage *page);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhAdminAuditPage, gh_admin_audit_page_free)

/* The audit filters (README, "Admin API"): NULL / 0 is no condition. */
typedef struct
{
  const char *type;
  const char *type_prefix;
  const char *outcome;
  const char *client_id;
  const char *user_id;
  const char *flow_id;
  const char *source;
  const char *text;
  gint64      from;    /* µs, inclusive */
  gint64      to;      /* µs, exclusive */
  gint64      before;
  gint64      after;
  guint       limit;
  guint       offset;  /* skip this many matching events first (not with @after) */
} GhAdminAuditQuery;

/* ---- the client ------------------------------------------------------------------- */

typedef enum
{
  GH_ADMIN_STREAM_STOPPED,
  GH_ADMIN_STREAM_CONNECTING,
  GH_ADMIN_STREAM_CONNECTED,     /* live only (@after -1): once the server said where it
                                  * starts (its "ready" message), the cursor for a reconnection */
  GH_ADMIN_STREAM_RECONNECTING,  /* lost: trying again, from the last event it had */
} GhAdminStreamState;

#define GH_TYPE_ADMIN_CLIENT (gh_admin_client_get_type ())

G_DECLARE_FINAL_TYPE (GhAdminClient, gh_admin_client, GH, ADMIN_CLIENT, GObject)

/* @base_url: the server's root ("http://127.0.0.1:41234"); @token: an admin token. */
GhAdminClient *gh_admin_client_new            (const char     *base_url,
                                               const char     *token);
const char    *gh_admin_client_get_base_url   (GhAdminClient  *self);
/* The trust for https (calls and the event stream alike); %NULL: the system's. */
void           gh_admin_client_set_tls_database (GhAdminClient *self,
                                                 GTlsDatabase  *database);

/* Any admin route: @method on /admin/v1@path ("/projects/team/iats"), @body (may be NULL) as
 * JSON. The answer's object; an empty one for 204. */
void        gh_admin_client_request_json_async  (GhAdminClient        *self,
                                                 const char           *method,
                                                 const char           *path,
                                                 JsonObject           *body,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
JsonObject *gh_admin_client_request_json_finish (GhAdminClient        *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);

void               gh_admin_client_get_server_async   (GhAdminClient        *self,
                                                       GCancellable         *cancellable,
                                                       GAsyncReadyCallback   callback,
                                                       gpointer              user_data);
GhAdminServerInfo *gh_admin_client_get_server_finish  (GhAdminClient        *self,
                                                       GAsyncResult         *result,
                                                       GError              **error);

/* A GPtrArray of GhAdminProject. */
void        gh_admin_client_list_projects_async  (GhAdminClient        *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GPtrArray  *gh_admin_client_list_projects_finish (GhAdminClient        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

void            gh_admin_client_get_project_async  (GhAdminClient        *self,
                                                    const char           *slug,
                                                    GCancellable         *cancellable,
                                                    GAsyncReadyCallback   callback,
                                                    gpointer              user_data);
GhAdminProject *gh_admin_client_get_project_finish (GhAdminClient        *self,
                                                    GAsyncResult         *result,
                                                    GError              **error);

/* @settings: setting keys and their new values, all applied or none. */
void                 gh_admin_client_patch_project_async  (GhAdminClient        *self,
                                                           const char           *slug,
                                                           JsonObject           *settings,
                                                           GCancellable         *cancellable,
                                                           GAsyncReadyCallback   callback,
                                                           gpointer              user_data);
GhAdminProjectPatch *gh_admin_client_patch_project_finish (GhAdminClient        *self,
                                                           GAsyncResult         *result,
                                                           GError              **error);

/* @query may be NULL (the newest page). */
void              gh_admin_client_get_audit_async  (GhAdminClient            *self,
                                                    const char               *slug,
                                                    const GhAdminAuditQuery  *query,
                                                    GCancellable             *cancellable,
                                                    GAsyncReadyCallback       callback,
                                                    gpointer                  user_data);
GhAdminAuditPage *gh_admin_client_get_audit_finish (GhAdminClient            *self,
                                                    GAsyncResult             *result,
                                                    GError                  **error);

/* GET .../audit/count with @query's conditions and its "before": how many events they keep. */
void              gh_admin_client_count_audit_async  (GhAdminClient            *self,
                                                      const char               *slug,
                                                      const GhAdminAuditQuery  *query,
                                                      GCancellable             *cancellable,
                                                      GAsyncReadyCallback       callback,
                                                      gpointer                  user_data);
/* -1 with @error when it could not be counted. */
gint64            gh_admin_client_count_audit_finish (GhAdminClient            *self,
                                                      GAsyncResult             *result,
                                                      GError                  **error);

/* GET .../audit/export?format=@format ("jsonl" or "csv") with @query's conditions (its
 * cursor and limit are not sent): the answer's body, to read as it comes. */
void          gh_admin_client_export_audit_async  (GhAdminClient            *self,
                                                   const char               *slug,
                                                   const GhAdminAuditQuery  *query,
                                                   const char               *format,
                                                   GCancellable             *cancellable,
                                                   GAsyncReadyCallback       callback,
                                                   gpointer                  user_data);
GInputStream *gh_admin_client_export_audit_finish (GhAdminClient            *self,
                                                   GAsyncResult             *result,
                                                   GError                  **error);

/* The live event stream (GET /admin/v1/events over a WebSocket): ::event for each event as
 * it commits, ::gap when the server dropped the client for falling behind, ::stream-state
 * as it connects, is lost and comes back. Lost, it reconnects by itself (after 0.25 s, then
 * twice as long each time up to 30 s) from the last event it had, so nothing is missed.
 * @project and @type_prefix filter (NULL: all); @after: replay the stored events past this id
 * first (-1: only new ones). Starting again replaces the previous stream. */
void               gh_admin_client_start_events     (GhAdminClient  *self,
                                                     const char     *project,
                                                     const char     *type_prefix,
                                                     gint64          after);
void               gh_admin_client_stop_events      (GhAdminClient  *self);
GhAdminStreamState gh_admin_client_get_stream_state (GhAdminClient  *self);
/* The id of the last event the stream delivered (0: none yet). */
gint64             gh_admin_client_get_events_cursor (GhAdminClient *self);

G_END_DECLS
