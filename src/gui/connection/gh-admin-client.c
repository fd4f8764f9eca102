/* gh-admin-client.c — GhAdminClient: the admin API (/admin/v1) of a Gatehouse server, typed,
 * async, with the live event stream
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <string.h>

#include "gh-admin-client.h"
#include "gh-admin-json.h"

#define REQUEST_TIMEOUT_SECONDS 30
#define FIRST_RETRY_MS 250
#define MAX_RETRY_MS (30 * 1000)

/* ---- errors ----------------------------------------------------------------------- */

typedef struct
{
  char  *oauth_error;
  guint  status;
} GhAdminClientErrorPrivate;

static void
gh_admin_client_error_private_init (GhAdminClientErrorPrivate *priv)
{
}

static void
gh_admin_client_error_private_copy (const GhAdminClientErrorPrivate *src,
                                    GhAdminClientErrorPrivate       *dest)
{
  dest->oauth_error = g_strdup (src->oauth_error);
  dest->status = src->status;
}

static void
gh_admin_client_error_private_clear (GhAdminClientErrorPrivate *priv)
{
  g_clear_pointer (&priv->oauth_error, g_free);
}

G_DEFINE_EXTENDED_ERROR (GhAdminClientError, gh_admin_client_error)

const char *
gh_admin_client_error_get_oauth_error (const GError *error)
{
  GhAdminClientErrorPrivate *priv;

  if (error == NULL || error->domain != GH_ADMIN_CLIENT_ERROR)
    return NULL;
  priv = gh_admin_client_error_get_private (error);
  return priv != NULL ? priv->oauth_error : NULL;
}

guint
gh_admin_client_error_get_status (const GError *error)
{
  GhAdminClientErrorPrivate *priv;

  if (error == NULL || error->domain != GH_ADMIN_CLIENT_ERROR)
    return 0;
  priv = gh_admin_client_error_get_private (error);
  return priv != NULL ? priv->status : 0;
}

static GhAdminClientError
code_from_status (guint status)
{
  switch (status)
    {
    case 400:
      return GH_ADMIN_CLIENT_ERROR_INVALID_REQUEST;
    case 401:
      return GH_ADMIN_CLIENT_ERROR_UNAUTHORIZED;
    case 403:
      return GH_ADMIN_CLIENT_ERROR_FORBIDDEN;
    case 404:
      return GH_ADMIN_CLIENT_ERROR_NOT_FOUND;
    case 409:
      return GH_ADMIN_CLIENT_ERROR_CONFLICT;
    case 429:
      return GH_ADMIN_CLIENT_ERROR_TOO_MANY_REQUESTS;
    case 503:
      return GH_ADMIN_CLIENT_ERROR_UNAVAILABLE;
    default:
      return status >= 500 ? GH_ADMIN_CLIENT_ERROR_SERVER_ERROR : GH_ADMIN_CLIENT_ERROR_FAILED;
    }
}

static GError *
invalid_response (const char *what)
{
  return g_error_new (GH_ADMIN_CLIENT_ERROR, GH_ADMIN_CLIENT_ERROR_INVALID_RESPONSE,
                      _("The server's answer is not what the admin API sends: %s"), what);
}

/* ---- JSON ------------------------------------------------------------------------- */

static GStrv
strv_member (JsonObject *object,
             const char *name)
{
  JsonNode *node = json_object_get_member (object, name);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING)
            g_strv_builder_add (builder, json_node_get_string (item));
        }
    }
  return g_strv_builder_end (builder);
}

/* ---- answers ---------------------------------------------------------------------- */

void
gh_admin_server_info_free (GhAdminServerInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->version);
  g_strfreev (info->listen_urls);
  g_free (info->issuer_base);
  g_free (info->secret_backend);
  g_strfreev (info->key_ids);
  g_free (info);
}

static gpointer
server_info_from_json (JsonObject  *object,
                       GError     **error)
{
  GhAdminServerInfo *info;

  if (gh_json_string (object, "version") == NULL)
    {
      g_propagate_error (error, invalid_response ("no server version"));
      return NULL;
    }
  info = g_new0 (GhAdminServerInfo, 1);
  info->version = g_strdup (gh_json_string (object, "version"));
  info->started_at = gh_json_int (object, "started_at");
  info->uptime_s = gh_json_int (object, "uptime_s");
  info->listen_urls = strv_member (object, "listen_urls");
  info->issuer_base = g_strdup (gh_json_string (object, "issuer_base"));
  info->tls = json_object_get_boolean_member_with_default (object, "tls", FALSE);
  info->secret_backend = g_strdup (gh_json_string (object, "secret_backend"));
  info->key_ids = strv_member (object, "key_ids");
  return info;
}

void
gh_admin_project_free (GhAdminProject *project)
{
  if (project == NULL)
    return;
  g_free (project->slug);
  g_free (project->display_name);
  g_free (project->profile);
  g_free (project->issuer);
  g_clear_pointer (&project->settings, json_object_unref);
  g_free (project);
}

static gpointer
project_from_json (JsonObject  *object,
                   GError     **error)
{
  GhAdminProject *project;
  JsonObject *settings = gh_json_object (object, "settings");

  if (gh_json_string (object, "slug") == NULL)
    {
      g_propagate_error (error, invalid_response ("a project without a slug"));
      return NULL;
    }
  project = g_new0 (GhAdminProject, 1);
  project->slug = g_strdup (gh_json_string (object, "slug"));
  project->display_name = g_strdup (gh_json_string (object, "display_name"));
  project->profile = g_strdup (gh_json_string (object, "profile"));
  project->issuer = g_strdup (gh_json_string (object, "issuer"));
  project->created_at = gh_json_int (object, "created_at");
  project->settings = settings != NULL ? json_object_ref (settings) : json_object_new ();
  return project;
}

static gpointer
projects_from_json (JsonObject  *object,
                    GError     **error)
{
  JsonNode *node = json_object_get_member (object, "projects");
  g_autoptr(GPtrArray) projects = g_ptr_array_new_with_free_func (
    (GDestroyNotify) gh_admin_project_free);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_propagate_error (error, invalid_response ("no project list"));
      return NULL;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      GhAdminProject *project;

      if (!JSON_NODE_HOLDS_OBJECT (item))
        {
          g_propagate_error (error, invalid_response ("a project that is not an object"));
          return NULL;
        }
      project = project_from_json (json_node_get_object (item), error);
      if (project == NULL)
        return NULL;
      g_ptr_array_add (projects, project);
    }
  return g_steal_pointer (&projects);
}

void
gh_admin_setting_change_free (GhAdminSettingChange *change)
{
  if (change == NULL)
    return;
  g_free (change->key);
  g_free (change->old_value);
  g_free (change->new_value);
  g_free (change->cascade_from);
  g_free (change);
}

void
gh_admin_project_patch_free (GhAdminProjectPatch *patch)
{
  if (patch == NULL)
    return;
  g_clear_pointer (&patch->changes, g_ptr_array_unref);
  g_clear_pointer (&patch->project, gh_admin_project_free);
  g_free (patch);
}

static gpointer
patch_from_json (JsonObject  *object,
                 GError     **error)
{
  g_autoptr(GhAdminProjectPatch) patch = g_new0 (GhAdminProjectPatch, 1);
  JsonNode *changes = json_object_get_member (object, "changes");
  JsonObject *project = gh_json_object (object, "project");

  if (changes == NULL || !JSON_NODE_HOLDS_ARRAY (changes) || project == NULL)
    {
      g_propagate_error (error, invalid_response ("no changes or no project"));
      return NULL;
    }
  patch->changes = g_ptr_array_new_with_free_func ((GDestroyNotify) gh_admin_setting_change_free);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (changes)); i++)
    {
      JsonNode *item = json_array_get_element (json_node_get_array (changes), i);
      GhAdminSettingChange *change;

      if (!JSON_NODE_HOLDS_OBJECT (item))
        continue;
      change = g_new0 (GhAdminSettingChange, 1);
      change->key = g_strdup (gh_json_string (json_node_get_object (item), "key"));
      change->old_value = g_strdup (gh_json_string (json_node_get_object (item), "old"));
      change->new_value = g_strdup (gh_json_string (json_node_get_object (item), "new"));
      change->cascade_from = g_strdup (gh_json_string (json_node_get_object (item),
                                                      "cascade_from"));
      g_ptr_array_add (patch->changes, change);
    }
  patch->project = project_from_json (project, error);
  if (patch->project == NULL)
    return NULL;
  return g_steal_pointer (&patch);
}

/* ---- GhAuditEventItem --------------------------------------------------------------- */

struct _GhAuditEventItem
{
  GObject     parent_instance;

  gint64      id;
  gint64      time;
  char       *project;
  char       *type;
  char       *category;
  char       *outcome;
  char       *actor;
  char       *client_id;
  char       *user_id;
  char       *flow_id;
  char       *source;
  char       *user_agent;
  JsonObject *details;
};

G_DEFINE_FINAL_TYPE (GhAuditEventItem, gh_audit_event_item, G_TYPE_OBJECT)

static void
gh_audit_event_item_finalize (GObject *object)
{
  GhAuditEventItem *self = (GhAuditEventItem *) object;

  g_free (self->project);
  g_free (self->type);
  g_free (self->category);
  g_free (self->outcome);
  g_free (self->actor);
  g_free (self->client_id);
  g_free (self->user_id);
  g_free (self->flow_id);
  g_free (self->source);
  g_free (self->user_agent);
  g_clear_pointer (&self->details, json_object_unref);

  G_OBJECT_CLASS (gh_audit_event_item_parent_class)->finalize (object);
}

static void
gh_audit_event_item_class_init (GhAuditEventItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gh_audit_event_item_finalize;
}

static void
gh_audit_event_item_init (GhAuditEventItem *self)
{
}

GhAuditEventItem *
gh_audit_event_item_new_from_json (JsonObject  *object,
                                   GError     **error)
{
  GhAuditEventItem *self;
  JsonObject *details;

  g_return_val_if_fail (object != NULL, NULL);

  if (gh_json_int (object, "id") <= 0 || gh_json_string (object, "type") == NULL)
    {
      g_propagate_error (error, invalid_response ("an event without an id or a type"));
      return NULL;
    }
  self = g_object_new (GH_TYPE_AUDIT_EVENT_ITEM, NULL);
  self->id = gh_json_int (object, "id");
  self->time = gh_json_int (object, "time");
  self->project = g_strdup (gh_json_string (object, "project_slug"));
  self->type = g_strdup (gh_json_string (object, "type"));
  self->category = g_strdup (gh_json_string (object, "category"));
  self->outcome = g_strdup (gh_json_string (object, "outcome"));
  self->actor = g_strdup (gh_json_string (object, "actor"));
  self->client_id = g_strdup (gh_json_string (object, "client_id"));
  self->user_id = g_strdup (gh_json_string (object, "user_id"));
  self->flow_id = g_strdup (gh_json_string (object, "flow_id"));
  self->source = g_strdup (gh_json_string (object, "source"));
  self->user_agent = g_strdup (gh_json_string (object, "user_agent"));
  details = gh_json_object (object, "details");
  self->details = details != NULL ? json_object_ref (details) : json_object_new ();
  return self;
}

#define ITEM_GETTER(type, name, field, none) \
  type \
  gh_audit_event_item_get_##name (GhAuditEventItem *self) \
  { \
    g_return_val_if_fail (GH_IS_AUDIT_EVENT_ITEM (self), none); \
    return self->field; \
  }

ITEM_GETTER (gint64, id, id, 0)
ITEM_GETTER (gint64, time, time, 0)
ITEM_GETTER (const char *, project, project, NULL)
ITEM_GETTER (const char *, event_type, type, NULL)
ITEM_GETTER (const char *, category, category, NULL)
ITEM_GETTER (const char *, outcome, outcome, NULL)
ITEM_GETTER (const char *, actor, actor, NULL)
ITEM_GETTER (const char *, client_id, client_id, NULL)
ITEM_GETTER (const char *, user_id, user_id, NULL)
ITEM_GETTER (const char *, flow_id, flow_id, NULL)
ITEM_GETTER (const char *, source, source, NULL)
ITEM_GETTER (const char *, user_agent, user_agent, NULL)
ITEM_GETTER (JsonObject *, details, details, NULL)

JsonObject *
gh_audit_event_item_get_explain (GhAuditEventItem *self)
{
  g_return_val_if_fail (GH_IS_AUDIT_EVENT_ITEM (self), NULL);

  return gh_json_object (self->details, "explain");
}

void
gh_admin_audit_page_free (GhAdminAuditPage *page)
{
  if (page == NULL)
    return;
  g_clear_pointer (&page->events, g_ptr_array_unref);
  g_free (page);
}

static gpointer
audit_page_from_json (JsonObject  *object,
                      GError     **error)
{
  g_autoptr(GhAdminAuditPage) page = g_new0 (GhAdminAuditPage, 1);
  JsonNode *events = json_object_get_member (object, "events");

  if (events == NULL || !JSON_NODE_HOLDS_ARRAY (events))
    {
      g_propagate_error (error, invalid_response ("no event list"));
      return NULL;
    }
  page->events = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (events)); i++)
    {
      JsonNode *item = json_array_get_element (json_node_get_array (events), i);
      GhAuditEventItem *event;

      if (!JSON_NODE_HOLDS_OBJECT (item))
        {
          g_propagate_error (error, invalid_response ("an event that is not an object"));
          return NULL;
        }
      event = gh_audit_event_item_new_from_json (json_node_get_object (item), error);
      if (event == NULL)
        return NULL;
      g_ptr_array_add (page->events, event);
    }
  page->older = gh_json_int (object, "older");
  page->newer = gh_json_int (object, "newer");
  return g_steal_pointer (&page);
}

/* ---- the client ------------------------------------------------------------------- */

struct _GhAdminClient
{
  GObject             parent_instance;

  SoupSession        *session;
  SoupSession        *stream_session;  /* no I/O timeout: a stream may be quiet for long */
  char               *base_url;
  char               *token;

  GhAdminStreamState  stream_state;
  char               *stream_project;
  char               *stream_type_prefix;
  gboolean            stream_resume;   /* pass the cursor as ?after= */
  gint64              cursor;
  GCancellable       *stream_cancellable;
  SoupWebsocketConnection *websocket;
  guint               retry_id;
  guint               retry_ms;
};

G_DEFINE_FINAL_TYPE (GhAdminClient, gh_admin_client, G_TYPE_OBJECT)

enum
{
  SIGNAL_EVENT,
  SIGNAL_GAP,
  SIGNAL_STREAM_STATE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
gh_admin_client_dispose (GObject *object)
{
  GhAdminClient *self = (GhAdminClient *) object;

  gh_admin_client_stop_events (self);
  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);
  if (self->stream_session != NULL)
    soup_session_abort (self->stream_session);
  g_clear_object (&self->stream_session);

  G_OBJECT_CLASS (gh_admin_client_parent_class)->dispose (object);
}

static void
gh_admin_client_finalize (GObject *object)
{
  GhAdminClient *self = (GhAdminClient *) object;

  g_clear_pointer (&self->base_url, g_free);
  g_clear_pointer (&self->token, g_free);
  g_clear_pointer (&self->stream_project, g_free);
  g_clear_pointer (&self->stream_type_prefix, g_free);

  G_OBJECT_CLASS (gh_admin_client_parent_class)->finalize (object);
}

static void
gh_admin_client_class_init (GhAdminClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gh_admin_client_dispose;
  object_class->finalize = gh_admin_client_finalize;

  /* ::event (GhAuditEventItem *event): one event of the stream, in id order, once each. */
  signals[SIGNAL_EVENT] =
    g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, GH_TYPE_AUDIT_EVENT_ITEM);
  /* ::gap (gint64 first_missed_id): the server dropped the stream, too far behind; it
   * reconnects from its cursor and gets the rest from the server's store. */
  signals[SIGNAL_GAP] =
    g_signal_new ("gap", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT64);
  /* ::stream-state (GhAdminStreamState state, as an int): the stream connected, was lost
   * (reconnecting), stopped. */
  signals[SIGNAL_STREAM_STATE] =
    g_signal_new ("stream-state", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_INT);
}

static void
gh_admin_client_init (GhAdminClient *self)
{
  self->session = soup_session_new_with_options ("timeout", REQUEST_TIMEOUT_SECONDS,
                                                 "user-agent", "Gatehouse/" PACKAGE_VERSION,
                                                 NULL);
  self->stream_session = soup_session_new_with_options ("user-agent",
                                                        "Gatehouse/" PACKAGE_VERSION, NULL);
  self->retry_ms = FIRST_RETRY_MS;
}

GhAdminClient *
gh_admin_client_new (const char *base_url,
                     const char *token)
{
  GhAdminClient *self;

  g_return_val_if_fail (base_url != NULL, NULL);

  self = g_object_new (GH_TYPE_ADMIN_CLIENT, NULL);
  self->base_url = g_strdup (base_url);
  /* The API is below the root: "http://host:port/" and "http://host:port" alike */
  while (g_str_has_suffix (self->base_url, "/"))
    self->base_url[strlen (self->base_url) - 1] = '\0';
  self->token = g_strdup (token);
  return self;
}

const char *
gh_admin_client_get_base_url (GhAdminClient *self)
{
  g_return_val_if_fail (GH_IS_ADMIN_CLIENT (self), NULL);

  return self->base_url;
}

void
gh_admin_client_set_tls_database (GhAdminClient *self,
                                  GTlsDatabase  *database)
{
  g_return_if_fail (GH_IS_ADMIN_CLIENT (self));
  g_return_if_fail (!database || G_IS_TLS_DATABASE (database));

  soup_session_set_tls_database (self->session, database);
  soup_session_set_tls_database (self->stream_session, database);
}

static void
set_authorization (GhAdminClient *self,
                   SoupMessage   *message)
{
  if (self->token != NULL)
    {
      g_autofree char *authorization = g_strconcat ("Bearer ", self->token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (message),
                                    "Authorization", authorization);
    }
}

/* What a typed call makes of the answer's object. */
typedef struct
{
  gpointer       (*convert) (JsonObject *object, GError **error);
  GDestroyNotify free;
} Typed;

static const Typed typed_server = { server_info_from_json,
                                    (GDestroyNotify) gh_admin_server_info_free };
static const Typed typed_projects = { projects_from_json, (GDestroyNotify) g_ptr_array_unref };
static const Typed typed_project = { project_from_json, (GDestroyNotify) gh_admin_project_free };
static const Typed typed_patch = { patch_from_json,
                                   (GDestroyNotify) gh_admin_project_patch_free };
static const Typed typed_audit = { audit_page_from_json,
                                   (GDestroyNotify) gh_admin_audit_page_free };

/* The error of a refused call: the server's reason from @object (may be NULL) if it gave
 * one, its status line otherwise. */
static GError *
refusal_new (SoupMessage *message,
             JsonObject  *object)
{
  guint status = soup_message_get_status (message);
  const char *description = object != NULL ?
                            gh_json_string (object, "error_description") : NULL;
  GError *refusal;

  if (description != NULL)
    refusal = g_error_new_literal (GH_ADMIN_CLIENT_ERROR, code_from_status (status),
                                   description);
  else
    refusal = g_error_new (GH_ADMIN_CLIENT_ERROR, code_from_status (status),
                           _("The server answered “%u %s”"), status,
                           soup_message_get_reason_phrase (message));
  gh_admin_client_error_get_private (refusal)->status = status;
  gh_admin_client_error_get_private (refusal)->oauth_error =
    g_strdup (object != NULL ? gh_json_string (object, "error") : NULL);

  return refusal;
}

static void
answered (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  SoupSession *session = SOUP_SESSION (source);
  g_autoptr(GTask) task = user_data;
  const Typed *typed = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (session, result, &error);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(JsonObject) object = NULL;
  SoupMessage *message;
  guint status;

  if (body == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  message = soup_session_get_async_result_message (session, result);
  status = soup_message_get_status (message);
  if (g_bytes_get_size (body) > 0 &&
      json_parser_load_from_data (parser, g_bytes_get_data (body, NULL),
                                  g_bytes_get_size (body), NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    object = json_object_ref (json_node_get_object (json_parser_get_root (parser)));

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_task_return_error (task, refusal_new (message, object));
      return;
    }
  if (object == NULL && status != SOUP_STATUS_NO_CONTENT)
    {
      g_task_return_error (task, invalid_response (_("not a JSON object")));
      return;
    }
  if (object == NULL)
    object = json_object_new ();
  if (typed == NULL)
    {
      g_task_return_pointer (task, g_steal_pointer (&object), (GDestroyNotify) json_object_unref);
      return;
    }
  {
    gpointer converted = typed->convert (object, &error);

    if (converted == NULL)
      g_task_return_error (task, g_steal_pointer (&error));
    else
      g_task_return_pointer (task, converted, typed->free);
  }
}

/* Sends @method /admin/v1@path with @body; the task gets the answer's object, or what
 * @typed makes of it. Takes @task. */
static void
send_request (GhAdminClient *self,
              const char    *method,
              const char    *path,
              JsonObject    *body,
              GTask         *task)
{
  g_autofree char *url = g_strconcat (self->base_url, "/admin/v1", path, NULL);
  g_autoptr(SoupMessage) message = soup_message_new (method, url);

  if (message == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("“%s” is not a valid address"), url);
      g_object_unref (task);
      return;
    }
  soup_message_headers_replace (soup_message_get_request_headers (message), "Accept",
                                "application/json");
  set_authorization (self, message);
  if (body != NULL)
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), body);
      gsize length = 0;
      char *text = json_to_string (node, FALSE);
      g_autoptr(GBytes) bytes = NULL;

      length = strlen (text);
      bytes = g_bytes_new_take (text, length);
      soup_message_set_request_body_from_bytes (message, "application/json", bytes);
    }
  soup_session_send_and_read_async (self->session, message, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), answered, task);
}

static void
typed_request (GhAdminClient       *self,
               const char          *method,
               const char          *path,
               JsonObject          *body,
               const Typed         *typed,
               gpointer             source_tag,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, (gpointer) typed, NULL);
  send_request (self, method, path, body, task);
}

static gpointer
typed_finish (GhAdminClient  *self,
              GAsyncResult   *result,
              gpointer        source_tag,
              GError        **error)
{
  g_return_val_if_fail (GH_IS_ADMIN_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
gh_admin_client_request_json_async (GhAdminClient       *self,
                                    const char          *method,
                                    const char          *path,
                                    JsonObject          *body,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (GH_IS_ADMIN_CLIENT (self));
  g_return_if_fail (method != NULL && path != NULL && path[0] == '/');

  typed_request (self, method, path, body, NULL, gh_admin_client_request_json_async,
                 cancellable, callback, user_data);
}

JsonObject *
gh_admin_client_request_json_finish (GhAdminClient  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  return typed_finish (self, result, gh_admin_client_request_json_async, error);
}

void
gh_admin_client_get_server_async (GhAdminClient       *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (GH_IS_ADMIN_CLIENT (self));

  typed_request (self, "GET", "/server", NULL, &typed_server, gh_admin_client_get_server_async,
                 cancellable, callback, user_data);
}

GhAdminServerInfo *
gh_admin_client_get_server_finish (GhAdminClient  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  return typed_finish (self, result, gh_admin_client_get_server_async, error);
}

void
gh_admin_client_list_projects_async (GhAdminClient       *self,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (GH_IS_ADMIN_CLIENT (self));

  typed_request (self, "GET", "/projects", NULL, &typed_projects,
                 gh_admin_client_list_projects_async, cancellable, callback, user_data);
}

GPtrArray *
gh_admin_client_list_projects_finish (GhAdminClient  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  return typed_finish (self, result, gh_admin_client_list_projects_async, error);
}

static char *
project_path (const char *slug,
              const char *rest)
{
  g_autofree char *escaped = g_uri_escape_string (slug, NULL, FALSE);

  return g_strconcat ("/projects/", escaped, rest, NULL);
}

void
gh_admin_client_get_project_async (GhAdminClient       *self,
                                   const char          *slug,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (GH_IS_ADMIN_CLIENT (self));
  g_return_if_fail (slug != NULL);

  path = project_path (slug, "");
  typed_request (self, "GET", path, NULL, &typed_project, gh_admin_client_get_project_async,
                 cancellable, callback, user_data);
}

GhAdminProject *
gh_admin_client_get_project_finish (GhAdminClient  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  return typed_finish (self, result, gh_admin_client_get_project_async, error);
}

void
gh_admin_client_patch_project_async (GhAdminClient       *self,
                                     const char          *slug,
                                     JsonObject          *settings,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (GH_IS_ADMIN_CLIENT (self));
  g_return_if_fail (slug != NULL && settings != NULL);

  path = project_path (slug, "");
  typed_request (self, "PATCH", path, settings, &typed_patch,
                 gh_admin_client_patch_project_async, cancellable, callback, user_data);
}

GhAdminProjectPatch *
gh_admin_client_patch_project_finish (GhAdminClient  *self,
                                      GAsyncResult   *result,
                                      GError        **error)
{
  return typed_finish (self, result, gh_admin_client_patch_project_async, error);
}

static void
add_param (GString    *query,
           const char *name,
           const char *value)
{
  g_autofree char *escaped = NULL;

  if (value == NULL)
    return;
  escaped = g_uri_escape_string (value, NULL, FALSE);
  g_string_append_printf (query, "%c%s=%s", query->len == 0 ? '?' : '&', name, escaped);
}

static void
add_number (GString    *query,
            const char *name,
            gint64      value)
{
  g_autofree char *text = NULL;

  if (value == 0)
    return;
  text = g_strdup_printf ("%" G_GINT64_FORMAT, value);
  add_param (query, name, text);
}

/* The conditions of @query (not its cursor or limit). */
static void
add_audit_filters (GString                 *params,
                   const GhAdminAuditQuery *query)
{
  if (query == NULL)
    return;
  add_param (params, "type", query->type);
  add_param (params, "type_prefix", query->type_prefix);
  add_param (params, "outcome", query->outcome);
  add_param (params, "client_id", query->client_id);
  add_param (params, "user_id", query->user_id);
  add_param (params, "flow_id", query->flow_id);
  add_param (params, "source", query->source);
  add_param (params, "text", query->text);
  add_number (params, "from", query->from);
  add_number (params, "to", query->to);
}

/* @slug's @rest ("/audit") with @query's conditions, its "before", and (@paged) its other
 * cursor, limit and offset. */
static char *
audit_path (const char              *slug,
            const char              *rest,
            const GhAdminAuditQuery *query,
            gboolean                 paged)
{
  g_autoptr(GString) params = g_string_new (NULL);
  g_autofree char *path = project_path (slug, rest);

  add_audit_filters (params, query);
  if (query != NULL)
    add_number (params, "before", query->before);
  if (query != NULL && paged)
    {
      add_number (params, "after", query->after);
      add_number (params, "limit", query->limit);
      add_number (params, "offset", query->offset);
    }
  g_string_prepend (params, path);
  return g_string_free (g_steal_pointer (&params), FALSE);
}

void
gh_admin_client_get_audit_async (GhAdminClient           *self,
                                 const char              *slug,
                                 const GhAdminAuditQuery *query,
                                 GCancellable            *cancellable,
                                 GAsyncReadyCallback      callback,
                                 gpointer                 user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (GH_IS_ADMIN_CLIENT (self));
  g_return_if_fail (slug != NULL);

  path = audit_path (slug, "/audit", query, TRUE);
  typed_request (self, "GET", path, NULL, &typed_audit, gh_admin_client_get_audit_async,
                 cancellable, callback, user_data);
}

GhAdminAuditPage *
gh_admin_client_get_audit_finish (GhAdminClient  *self,
                                  GAsyncResult   *result,
                                  GError        **error)
{
  return typed_finish (self, result, gh_admin_client_get_audit_async, error);
}

void
gh_admin_client_count_audit_async (GhAdminClient           *self,
                                   const char              *slug,
                                   const GhAdminAuditQuery *query,
                                   GCancellable            *cancellable,
                                   GAsyncReadyCallback      callback,
                                   gpointer                 user_data)
{
  g_autofree char *path = NULL;

  g_return_if_fail (GH_IS_ADMIN_CLIENT (self));
  g_return_if_fail (slug != NULL);

  path = audit_path (slug, "/audit/count", query, FALSE);
  typed_request (self, "GET", path, NULL, NULL, gh_admin_client_count_audit_async,
                 cancellable, callback, user_data);
}

gint64
gh_admin_client_count_audit_finish (GhAdminClient  *self,
                                    GAsyncResult   *result,
                                    GError        **error)
{
  g_autoptr(JsonObject) answer = typed_finish (self, result, gh_admin_client_count_audit_async,
                                               error);

  if (answer == NULL)
    return -1;
  return json_object_get_int_member_with_default (answer, "count", 0);
}

static void
export_sent (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  SoupSession *session = SOUP_SESSION (source);
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = soup_session_send_finish (session, result, &error);
  SoupMessage *message;

  if (stream == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  message = soup_session_get_async_result_message (session, result);
  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (message)))
    {
      g_task_return_error (task, refusal_new (message, NULL));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&stream), g_object_unref);
}

void
gh_admin_client_export_audit_async (GhAdminClient           *self,
                                    const char              *slug,
                                    const GhAdminAuditQuery *query,
                                    const char              *format,
                                    GCancellable            *cancellable,
                                    GAsyncReadyCallback      callback,
                                    gpointer                 user_data)
{
  g_autoptr(GString) params = g_string_new (NULL);
  g_autofree char *path = NULL;
  g_autofree char *url = NULL;
  g_autoptr(SoupMessage) message = NULL;
  GTask *task;

  g_return_if_fail (GH_IS_ADMIN_CLIENT (self));
  g_return_if_fail (slug != NULL && format != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gh_admin_client_export_audit_async);
  add_param (params, "format", format);
  add_audit_filters (params, query);
  path = project_path (slug, "/audit/export");
  url = g_strconcat (self->base_url, "/admin/v1", path, params->str, NULL);
  message = soup_message_new ("GET", url);
  if (message == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("“%s” is not a valid address"), url);
      g_object_unref (task);
      return;
    }
  set_authorization (self, message);
  soup_session_send_async (self->session, message, G_PRIORITY_DEFAULT, cancellable,
                           export_sent, task);
}

GInputStream *
gh_admin_client_export_audit_finish (GhAdminClient  *self,
                                     GAsyncResult   *result,
                                     GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- the event stream ------------------------------------------------------------- */

static void stream_connect (GhAdminClient *self);

static void
set_stream_state (GhAdminClient      *self,
                  GhAdminStreamState  state)
{
  if (self->stream_state == state)
    return;
  self->stream_state = state;
  g_signal_emit (self, signals[SIGNAL_STREAM_STATE], 0, (int) state);
}

static void
drop_websocket (GhAdminClient *self)
{
  if (self->websocket == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->websocket, self);
  if (soup_websocket_connection_get_state (self->websocket) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->websocket, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_clear_object (&self->websocket);
}

static gboolean
retry (gpointer user_data)
{
  GhAdminClient *self = user_data;

  self->retry_id = 0;
  stream_connect (self);
  return G_SOURCE_REMOVE;
}

/* Lost: try again later, each time waiting twice as long. */
static void
schedule_retry (GhAdminClient *self)
{
  drop_websocket (self);
  set_stream_state (self, GH_ADMIN_STREAM_RECONNECTING);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  self->retry_id = g_timeout_add (self->retry_ms, retry, self);
  self->retry_ms = MIN (self->retry_ms * 2, MAX_RETRY_MS);
}

static void
stream_message (SoupWebsocketConnection *websocket,
                SoupWebsocketDataType    type,
                GBytes                  *message,
                GhAdminClient           *self)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonObject *object;
  const char *kind;

  if (type != SOUP_WEBSOCKET_DATA_TEXT ||
      !json_parser_load_from_data (parser, g_bytes_get_data (message, NULL),
                                   g_bytes_get_size (message), NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return;
  object = json_node_get_object (json_parser_get_root (parser));
  kind = gh_json_string (object, "type");
  if (g_strcmp0 (kind, "event") == 0 && gh_json_object (object, "event") != NULL)
    {
      g_autoptr(GhAuditEventItem) item =
        gh_audit_event_item_new_from_json (gh_json_object (object, "event"), NULL);

      /* Once each, in order, whatever a reconnection replays */
      if (item == NULL || item->id <= self->cursor)
        return;
      self->cursor = item->id;
      self->stream_resume = TRUE;
      g_signal_emit (self, signals[SIGNAL_EVENT], 0, item);
    }
  else if (g_strcmp0 (kind, "ready") == 0 && !self->stream_resume)
    {
      /* Live only: where the stream began is the cursor to come back with */
      self->cursor = gh_json_int (object, "last_id");
      self->stream_resume = TRUE;
      set_stream_state (self, GH_ADMIN_STREAM_CONNECTED);
    }
  else if (g_strcmp0 (kind, "gap") == 0)
    g_signal_emit (self, signals[SIGNAL_GAP], 0, gh_json_int (object, "first_missed_id"));
}

static void
stream_closed (SoupWebsocketConnection *websocket,
               GhAdminClient           *self)
{
  if (self->stream_state != GH_ADMIN_STREAM_STOPPED)
    schedule_retry (self);
}

static void
stream_connected (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GhAdminClient) self = user_data;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *websocket;

  websocket = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (websocket == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
          self->stream_state != GH_ADMIN_STREAM_STOPPED)
        {
          g_debug ("The event stream cannot connect: %s", error->message);
          schedule_retry (self);
        }
      return;
    }
  if (self->stream_state == GH_ADMIN_STREAM_STOPPED)
    {
      soup_websocket_connection_close (websocket, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_object_unref (websocket);
      return;
    }
  self->websocket = websocket;
  self->retry_ms = FIRST_RETRY_MS;
  g_signal_connect (websocket, "message", G_CALLBACK (stream_message), self);
  g_signal_connect (websocket, "closed", G_CALLBACK (stream_closed), self);
  /* Live only, it is connected once the "ready" message gave it a cursor */
  if (self->stream_resume)
    set_stream_state (self, GH_ADMIN_STREAM_CONNECTED);
}

static void
stream_connect (GhAdminClient *self)
{
  g_autoptr(GString) url = g_string_new (NULL);
  g_autoptr(GString) params = g_string_new (NULL);
  g_autoptr(SoupMessage) message = NULL;

  add_param (params, "project", self->stream_project);
  add_param (params, "type_prefix", self->stream_type_prefix);
  if (self->stream_resume)
    {
      g_autofree char *after = g_strdup_printf ("%" G_GINT64_FORMAT, self->cursor);

      add_param (params, "after", after);
    }
  g_string_append_printf (url, "%s/admin/v1/events%s", self->base_url, params->str);
  message = soup_message_new ("GET", url->str);
  if (message == NULL)
    {
      schedule_retry (self);
      return;
    }
  set_authorization (self, message);
  soup_session_websocket_connect_async (self->stream_session, message, NULL, NULL,
                                        G_PRIORITY_DEFAULT, self->stream_cancellable,
                                        stream_connected, g_object_ref (self));
}

void
gh_admin_client_start_events (GhAdminClient *self,
                              const char    *project,
                              const char    *type_prefix,
                              gint64         after)
{
  g_return_if_fail (GH_IS_ADMIN_CLIENT (self));

  gh_admin_client_stop_events (self);
  g_free (self->stream_project);
  self->stream_project = g_strdup (project);
  g_free (self->stream_type_prefix);
  self->stream_type_prefix = g_strdup (type_prefix);
  self->stream_resume = after >= 0;
  self->cursor = MAX (after, 0);
  self->retry_ms = FIRST_RETRY_MS;
  self->stream_cancellable = g_cancellable_new ();
  set_stream_state (self, GH_ADMIN_STREAM_CONNECTING);
  stream_connect (self);
}

void
gh_admin_client_stop_events (GhAdminClient *self)
{
  g_return_if_fail (GH_IS_ADMIN_CLIENT (self));

  if (self->stream_cancellable != NULL)
    g_cancellable_cancel (self->stream_cancellable);
  g_clear_object (&self->stream_cancellable);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  drop_websocket (self);
  set_stream_state (self, GH_ADMIN_STREAM_STOPPED);
}

GhAdminStreamState
gh_admin_client_get_stream_state (GhAdminClient *self)
{
  g_return_val_if_fail (GH_IS_ADMIN_CLIENT (self), GH_ADMIN_STREAM_STOPPED);

  return self->stream_state;
}

gint64
gh_admin_client_get_events_cursor (GhAdminClient *self)
{
  g_return_val_if_fail (GH_IS_ADMIN_CLIENT (self), 0);

  return self->cursor;
}
