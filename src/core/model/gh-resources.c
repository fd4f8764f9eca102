/* gh-resources.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-model"

#include "config.h"

#include <string.h>

#include "gh-error.h"
#include "gh-explain.h"
#include "gh-json.h"
#include "gh-resources.h"
#include "gh-scopes.h"
#include "gh-time.h"

struct _GhResources
{
  GObject parent_instance;

  GhStore *store;
  GhAudit *audit;
};

G_DEFINE_FINAL_TYPE (GhResources, gh_resources, G_TYPE_OBJECT)

void
gh_resource_free (GhResource *resource)
{
  if (resource == NULL)
    return;
  g_free (resource->uri);
  g_free (resource->display_name);
  g_strfreev (resource->scopes);
  g_free (resource->audience);
  g_free (resource);
}

JsonObject *
gh_resource_to_json (const GhResource *resource)
{
  JsonObject *object;
  JsonArray *scopes;

  g_return_val_if_fail (resource != NULL, NULL);

  object = json_object_new ();
  scopes = json_array_new ();
  for (guint i = 0; resource->scopes != NULL && resource->scopes[i] != NULL; i++)
    json_array_add_string_element (scopes, resource->scopes[i]);
  json_object_set_string_member (object, "uri", resource->uri);
  json_object_set_string_member (object, "display_name", resource->display_name);
  json_object_set_array_member (object, "scopes", scopes);
  json_object_set_string_member (object, "audience", resource->audience);
  json_object_set_boolean_member (object, "recorded", resource->recorded);
  json_object_set_int_member (object, "created_at", resource->created_at);
  return object;
}

static void
gh_resources_dispose (GObject *object)
{
  GhResources *self = (GhResources *) object;

  g_clear_object (&self->store);
  g_clear_object (&self->audit);

  G_OBJECT_CLASS (gh_resources_parent_class)->dispose (object);
}

static void
gh_resources_class_init (GhResourcesClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = gh_resources_dispose;
}

static void
gh_resources_init (GhResources *self)
{
}

GhResources *
gh_resources_new (GhStore *store,
                  GhAudit *audit)
{
  GhResources *self;

  g_return_val_if_fail (GH_IS_STORE (store), NULL);
  g_return_val_if_fail (GH_IS_AUDIT (audit), NULL);

  self = g_object_new (GH_TYPE_RESOURCES, NULL);
  self->store = g_object_ref (store);
  self->audit = g_object_ref (audit);
  return self;
}

static gboolean
target_error (GError     **error,
              const char  *uri,
              const char  *reason)
{
  g_autoptr(JsonObject) explain = gh_explain_new ("resource.invalid", "The resource “%s” %s",
                                                  uri, reason);

  gh_explain_set_actual (explain, uri);
  gh_explain_set_hint (explain, "A resource is the MCP server's absolute URL (https://host/path), "
                       "without a fragment");
  return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_TARGET,
                                    g_steal_pointer (&explain), "The resource “%s” %s", uri,
                                    reason);
}

char *
gh_resource_canonicalize (const char  *uri,
                          GError     **error)
{
  g_autoptr(GUri) parsed = NULL;
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;
  const char *rest;

  g_return_val_if_fail (uri != NULL, NULL);

  if (*uri == '\0' || strlen (uri) > 2048)
    return target_error (error, uri, "must be 1 to 2048 characters"), NULL;
  for (const char *p = uri; *p; p++)
    if ((guchar) *p <= 0x20 || (guchar) *p >= 0x7f)
      return target_error (error, uri, "contains spaces or characters outside ASCII"), NULL;
  if (strchr (uri, '#') != NULL)
    return target_error (error, uri, "has a fragment (RFC 8707 §2)"), NULL;
  parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED, NULL);
  if (parsed == NULL || g_uri_get_host (parsed) == NULL || *g_uri_get_host (parsed) == '\0')
    return target_error (error, uri, "is not an absolute URI with a host (RFC 8707 §2)"), NULL;
  if (g_uri_get_userinfo (parsed) != NULL)
    return target_error (error, uri, "has user information"), NULL;

  /* Only the scheme and the host are case-insensitive; the rest stays byte for byte, as the
   * resource server compares its own URI with `aud`. */
  scheme = g_ascii_strdown (g_uri_get_scheme (parsed), -1);
  rest = strstr (uri, "://");
  if (rest == NULL)
    return target_error (error, uri, "is not a hierarchical URI"), NULL;
  rest += 3;
  {
    const char *host_end = rest;
    while (*host_end != '\0' && *host_end != '/' && *host_end != '?' && *host_end != ':' &&
           *host_end != '#')
      {
        if (*host_end == '[')
          {
            const char *close = strchr (host_end, ']');
            if (close == NULL)
              return target_error (error, uri, "is not a valid URI"), NULL;
            host_end = close;
          }
        host_end++;
      }
    host = g_ascii_strdown (rest, host_end - rest);
    return g_strconcat (scheme, "://", host, host_end, NULL);
  }
}

static GhResource *
resource_from_row (GhStmt *stmt)
{
  GhResource *resource = g_new0 (GhResource, 1);
  const char *scopes = gh_stmt_column_text (stmt, 4);

  resource->id = sqlite3_column_int64 (stmt, 0);
  resource->project_id = sqlite3_column_int64 (stmt, 1);
  resource->uri = g_strdup (gh_stmt_column_text (stmt, 2));
  resource->display_name = g_strdup (gh_stmt_column_text (stmt, 3));
  resource->scopes = *scopes != '\0' ? g_strsplit (scopes, " ", -1) : g_new0 (char *, 1);
  resource->audience = g_strdup (gh_stmt_column_text (stmt, 5));
  resource->recorded = g_strcmp0 (gh_stmt_column_text (stmt, 6), "recorded") == 0;
  resource->created_at = sqlite3_column_int64 (stmt, 7);
  return resource;
}

#define RESOURCE_COLUMNS "id, project_id, uri, display_name, scopes, audience, source, created_at"

GhResource *
gh_resources_find (GhResources  *self,
                   gint64        project_id,
                   const char   *uri,
                   GError      **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  g_autofree char *canonical = NULL;
  gboolean row;

  g_return_val_if_fail (GH_IS_RESOURCES (self), NULL);

  canonical = gh_resource_canonicalize (uri, error);
  if (canonical == NULL)
    return NULL;
  stmt = gh_store_prepare (self->store,
                           "SELECT " RESOURCE_COLUMNS " FROM resources "
                           "WHERE project_id = ? AND uri = ?",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_int64 (stmt, 1, project_id);
  gh_stmt_bind_text (stmt, 2, canonical);
  if (!gh_store_step (self->store, stmt, &row, error))
    return NULL;
  if (!row)
    {
      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND,
                   "The resource “%s” is not one this project serves", canonical);
      return NULL;
    }
  return resource_from_row (stmt);
}

GPtrArray *
gh_resources_find_named (GhResources        *self,
                         gint64              project_id,
                         const char * const *uris,
                         GError            **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) gh_resource_free);

  g_return_val_if_fail (GH_IS_RESOURCES (self), NULL);

  for (guint i = 0; uris != NULL && uris[i] != NULL; i++)
    {
      g_autoptr(GError) local_error = NULL;
      GhResource *resource = gh_resources_find (self, project_id, uris[i], &local_error);

      if (resource == NULL)
        {
          if (!g_error_matches (local_error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
          resource = g_new0 (GhResource, 1);
          resource->project_id = project_id;
          resource->uri = g_strdup (uris[i]);
          resource->display_name = g_strdup (uris[i]);
          resource->scopes = g_new0 (char *, 1);
          resource->audience = g_strdup (uris[i]);
        }
      g_ptr_array_add (list, resource);
    }
  return g_steal_pointer (&list);
}

GPtrArray *
gh_resources_list (GhResources  *self,
                   gint64        project_id,
                   GError      **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) gh_resource_free);
  g_autoptr(GhStmt) stmt = NULL;
  gboolean row;

  g_return_val_if_fail (GH_IS_RESOURCES (self), NULL);

  stmt = gh_store_prepare (self->store,
                           "SELECT " RESOURCE_COLUMNS " FROM resources "
                           "WHERE project_id = ? ORDER BY uri",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_int64 (stmt, 1, project_id);
  for (;;)
    {
      if (!gh_store_step (self->store, stmt, &row, error))
        return NULL;
      if (!row)
        break;
      g_ptr_array_add (list, resource_from_row (stmt));
    }
  return g_steal_pointer (&list);
}

char **
gh_resources_list_scopes (GhResources  *self,
                          gint64        project_id,
                          GError      **error)
{
  g_autoptr(GPtrArray) list = gh_resources_list (self, project_id, error);
  g_autoptr(GStrvBuilder) builder = NULL;
  g_autoptr(GHashTable) seen = NULL;

  if (list == NULL)
    return NULL;
  builder = g_strv_builder_new ();
  seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < list->len; i++)
    {
      GhResource *resource = g_ptr_array_index (list, i);

      if (resource->recorded)
        continue;
      for (guint j = 0; resource->scopes[j] != NULL; j++)
        if (g_hash_table_add (seen, resource->scopes[j]))
          g_strv_builder_add (builder, resource->scopes[j]);
    }
  return g_strv_builder_end (builder);
}

static gboolean
check_scopes (const char  *scopes,
              GError     **error)
{
  for (const char *p = scopes; p != NULL && *p; p++)
    if (*p != ' ' && (*p < 0x21 || *p > 0x7e || *p == '"' || *p == '\\'))
      {
        g_set_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_REQUEST,
                     "Scopes are space-separated tokens of visible ASCII characters");
        return FALSE;
      }
  return TRUE;
}

static GhResource *
insert (GhResources      *self,
        const GhProject  *project,
        const char       *canonical,
        const char       *display_name,
        const char       *scopes,
        const char       *audience,
        const char       *source,
        const char       *actor,
        GError          **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(JsonObject) details = json_object_new ();
  g_auto(GStrv) words = g_strsplit (scopes != NULL ? scopes : "", " ", -1);
  g_autofree char *normalized = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) list = NULL;

  for (guint i = 0; words[i] != NULL; i++)
    if (*words[i] != '\0')
      g_strv_builder_add (builder, words[i]);
  list = g_strv_builder_end (builder);
  normalized = g_strjoinv (" ", list);

  stmt = gh_store_prepare (self->store,
                           "INSERT INTO resources (project_id, uri, display_name, scopes, "
                           "audience, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_int64 (stmt, 1, project->id);
  gh_stmt_bind_text (stmt, 2, canonical);
  gh_stmt_bind_text (stmt, 3,
                     display_name != NULL && *display_name != '\0' ? display_name : canonical);
  gh_stmt_bind_text (stmt, 4, normalized);
  gh_stmt_bind_text (stmt, 5, audience != NULL && *audience != '\0' ? audience : canonical);
  gh_stmt_bind_text (stmt, 6, source);
  gh_stmt_bind_int64 (stmt, 7, gh_now_seconds ());
  if (!gh_store_step (self->store, stmt, NULL, error))
    {
      if (error != NULL && g_error_matches (*error, GH_STORE_ERROR, GH_STORE_ERROR_CONSTRAINT))
        {
          g_clear_error (error);
          g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_CONSTRAINT,
                       "The resource “%s” already exists in "
                       "project %s", canonical, project->slug);
        }
      return NULL;
    }

  json_object_set_string_member (details, "uri", canonical);
  json_object_set_string_member (details, "source", source);
  if (!gh_audit_record_event (self->audit, &(GhAuditEvent) {
                              .project_id = project->id, .project_slug = project->slug,
                              .type = GH_AUDIT_EVENT_RESOURCE_ADDED, .outcome = GH_AUDIT_SUCCESS,
                              .actor = actor, .details = details }, error))
    return NULL;

  return gh_resources_find (self, project->id, canonical, error);
}

static char *
normalize_scopes (const char *scopes)
{
  g_auto(GStrv) words = g_strsplit (scopes != NULL ? scopes : "", " ", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) list = NULL;

  for (guint i = 0; words[i] != NULL; i++)
    if (*words[i] != '\0')
      g_strv_builder_add (builder, words[i]);
  list = g_strv_builder_end (builder);
  return g_strjoinv (" ", list);
}

/* `resource add` of a URI recorded under resource_policy=open: the administrator adopts it,
 * and from then on it is listed with the administrator's scopes, not those clients asked
 * for. Returns NULL without @error when there is no recorded resource to adopt. */
static GhResource *
adopt (GhResources      *self,
       const GhProject  *project,
       const char       *canonical,
       const char       *display_name,
       const char       *scopes,
       const char       *audience,
       const char       *actor,
       GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GhResource) recorded = NULL;
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(JsonObject) details = json_object_new ();
  g_autofree char *normalized = normalize_scopes (scopes);

  recorded = gh_resources_find (self, project->id, canonical, &local_error);
  if (recorded == NULL)
    {
      if (!g_error_matches (local_error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND))
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (!recorded->recorded)
    {
      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_CONSTRAINT,
                   "The resource “%s” already exists in project %s", canonical, project->slug);
      return NULL;
    }
  stmt = gh_store_prepare (self->store,
                           "UPDATE resources SET source = 'admin', display_name = ?, scopes = ?, "
                           "audience = ? WHERE id = ?",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_text (stmt, 1,
                     display_name != NULL && *display_name != '\0' ? display_name : canonical);
  gh_stmt_bind_text (stmt, 2, normalized);
  gh_stmt_bind_text (stmt, 3, audience != NULL && *audience != '\0' ? audience : canonical);
  gh_stmt_bind_int64 (stmt, 4, recorded->id);
  if (!gh_store_step (self->store, stmt, NULL, error))
    return NULL;

  json_object_set_string_member (details, "uri", canonical);
  json_object_set_string_member (details, "source", "admin");
  json_object_set_boolean_member (details, "adopted", TRUE);
  json_object_set_array_member (details, "recorded_scopes",
                                gh_json_array_from_strv (recorded->scopes));
  if (!gh_audit_record_event (self->audit, &(GhAuditEvent) {
                              .project_id = project->id, .project_slug = project->slug,
                              .type = GH_AUDIT_EVENT_RESOURCE_ADDED, .outcome = GH_AUDIT_SUCCESS,
                              .actor = actor, .details = details }, error))
    return NULL;
  return gh_resources_find (self, project->id, canonical, error);
}

GhResource *
gh_resources_add (GhResources      *self,
                  const GhProject  *project,
                  const char       *uri,
                  const char       *display_name,
                  const char       *scopes,
                  const char       *audience,
                  const char       *actor,
                  GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *canonical = NULL;
  g_autoptr(GhResource) resource = NULL;

  g_return_val_if_fail (GH_IS_RESOURCES (self), NULL);

  canonical = gh_resource_canonicalize (uri, error);
  if (canonical == NULL || !check_scopes (scopes, error))
    return NULL;

  if (!gh_store_begin (self->store, error))
    return NULL;
  resource = adopt (self, project, canonical, display_name, scopes, audience, actor,
                    &local_error);
  if (resource == NULL && local_error == NULL)
    resource = insert (self, project, canonical, display_name, scopes, audience, "admin", actor,
                       &local_error);
  if (resource == NULL)
    {
      gh_store_rollback (self->store);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (!gh_store_commit (self->store, error))
    return NULL;
  return g_steal_pointer (&resource);
}

/* Of @scopes, those the recorded resource @resource lacks, within GH_SCOPES_RECORDED_MAX in
 * all; NULL when there is none. */
static char **
new_scopes (const GhResource   *resource,
            const char * const *scopes)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  guint room = GH_SCOPES_RECORDED_MAX - MIN (g_strv_length (resource->scopes),
                                             GH_SCOPES_RECORDED_MAX);
  guint n = 0;

  for (guint i = 0; scopes != NULL && scopes[i] != NULL && n < room; i++)
    if (!g_strv_contains ((const char * const *) resource->scopes, scopes[i]))
      {
        g_strv_builder_add (builder, scopes[i]);
        n++;
      }
  if (n == 0)
    return NULL;
  return g_strv_builder_end (builder);
}

GhResource *
gh_resources_record (GhResources        *self,
                     const GhProject    *project,
                     const char         *uri,
                     const char * const *scopes,
                     const char         *client_id,
                     const char         *flow_id,
                     GError            **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GhResource) resource = NULL;
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) added = NULL;
  g_auto(GStrv) widened = NULL;
  g_autofree char *joined = NULL;
  g_autoptr(JsonObject) details = NULL;

  g_return_val_if_fail (GH_IS_RESOURCES (self), NULL);

  resource = gh_resources_find (self, project->id, uri, &local_error);
  if (resource == NULL)
    {
      g_autofree char *canonical = NULL;

      if (!g_error_matches (local_error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      canonical = gh_resource_canonicalize (uri, error);
      if (canonical == NULL)
        return NULL;
      resource = insert (self, project, canonical, NULL, NULL, NULL, "recorded", "server", error);
      if (resource == NULL)
        return NULL;
    }

  /* An administrator's resource keeps its scopes. A recorded one notes those granted for
   * it, as information only (it defines none), within a bound, and says when it grows. */
  if (!resource->recorded || (added = new_scopes (resource, scopes)) == NULL)
    return g_steal_pointer (&resource);
  builder = g_strv_builder_new ();
  g_strv_builder_addv (builder, (const char **) resource->scopes);
  g_strv_builder_addv (builder, (const char **) added);
  widened = g_strv_builder_end (builder);
  joined = g_strjoinv (" ", widened);
  stmt = gh_store_prepare (self->store, "UPDATE resources SET scopes = ? WHERE id = ?", error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_text (stmt, 1, joined);
  gh_stmt_bind_int64 (stmt, 2, resource->id);
  if (!gh_store_step (self->store, stmt, NULL, error))
    return NULL;

  details = json_object_new ();
  json_object_set_string_member (details, "uri", resource->uri);
  json_object_set_array_member (details, "added", gh_json_array_from_strv (added));
  json_object_set_array_member (details, "scopes", gh_json_array_from_strv (widened));
  if (!gh_audit_record_event (self->audit, &(GhAuditEvent) {
                              .project_id = project->id, .project_slug = project->slug,
                              .type = GH_AUDIT_EVENT_RESOURCE_SCOPES_WIDENED,
                              .outcome = GH_AUDIT_INFO,
                              .actor = client_id != NULL ? client_id : "server",
                              .client_id = client_id, .flow_id = flow_id,
                              .details = details }, error))
    return NULL;
  return gh_resources_find (self, project->id, resource->uri, error);
}

gboolean
gh_resources_remove (GhResources      *self,
                     const GhProject  *project,
                     const char       *uri,
                     const char       *actor,
                     GError          **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  g_autofree char *canonical = NULL;
  g_autoptr(JsonObject) details = json_object_new ();

  g_return_val_if_fail (GH_IS_RESOURCES (self), FALSE);

  canonical = gh_resource_canonicalize (uri, error);
  if (canonical == NULL || !gh_store_begin (self->store, error))
    return FALSE;
  stmt = gh_store_prepare (self->store, "DELETE FROM resources WHERE project_id = ? AND uri = ?",
                           error);
  if (stmt == NULL)
    goto fail;
  gh_stmt_bind_int64 (stmt, 1, project->id);
  gh_stmt_bind_text (stmt, 2, canonical);
  if (!gh_store_step (self->store, stmt, NULL, error))
    goto fail;
  if (gh_store_changes (self->store) == 0)
    {
      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND,
                   "There is no resource “%s” in project %s", canonical, project->slug);
      goto fail;
    }
  json_object_set_string_member (details, "uri", canonical);
  if (!gh_audit_record_event (self->audit, &(GhAuditEvent) {
                              .project_id = project->id, .project_slug = project->slug,
                              .type = GH_AUDIT_EVENT_RESOURCE_REMOVED, .outcome = GH_AUDIT_SUCCESS,
                              .actor = actor, .details = details }, error))
    goto fail;
  return gh_store_commit (self->store, error);

fail:
  gh_store_rollback (self->store);
  return FALSE;
}
