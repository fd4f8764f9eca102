/* gh-projects.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-model"

#include "config.h"

#include <string.h>

#include "gh-projects.h"
#include "gh-time.h"

struct _GhProjects
{
  GObject parent_instance;

  GhStore *store;
  GhAudit *audit;
  GHashTable *cache;       /* slug -> GhProject, valid while the store's stamp is cache_stamp */
  GhStoreStamp cache_stamp;
};

G_DEFINE_FINAL_TYPE (GhProjects, gh_projects, G_TYPE_OBJECT)

void
gh_project_free (GhProject *project)
{
  if (project == NULL)
    return;
  g_free (project->slug);
  g_free (project->display_name);
  g_clear_pointer (&project->settings, gh_project_settings_free);
  g_free (project);
}

static void
gh_projects_dispose (GObject *object)
{
  GhProjects *self = (GhProjects *) object;

  g_clear_object (&self->store);
  g_clear_object (&self->audit);
  g_clear_pointer (&self->cache, g_hash_table_unref);

  G_OBJECT_CLASS (gh_projects_parent_class)->dispose (object);
}

static void
gh_projects_class_init (GhProjectsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gh_projects_dispose;
}

static void
gh_projects_init (GhProjects *self)
{
  self->cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) gh_project_free);
}

GhProject *
gh_project_copy (const GhProject *project)
{
  GhProject *copy;

  g_return_val_if_fail (project != NULL, NULL);

  copy = g_memdup2 (project, sizeof *project);
  copy->slug = g_strdup (project->slug);
  copy->display_name = g_strdup (project->display_name);
  copy->settings = gh_project_settings_copy (project->settings);
  return copy;
}

char *
gh_project_dup_issuer_path (const GhProject *project)
{
  g_return_val_if_fail (project != NULL, NULL);

  if (g_str_equal (project->slug, GH_DEFAULT_PROJECT))
    return g_strdup ("");
  return g_strconcat ("/p/", project->slug, NULL);
}

JsonObject *
gh_project_to_json (const GhProject *project,
                    const char      *issuer,
                    gboolean         server_running)
{
  JsonObject *object;
  g_autofree char *path = NULL;

  g_return_val_if_fail (project != NULL, NULL);

  object = json_object_new ();
  path = gh_project_dup_issuer_path (project);
  json_object_set_string_member (object, "slug", project->slug);
  json_object_set_string_member (object, "display_name", project->display_name);
  json_object_set_string_member (object, "profile",
                                 gh_settings_profile_to_string (project->profile));
  json_object_set_string_member (object, "issuer", issuer);
  json_object_set_boolean_member (object, "server_running", server_running);
  json_object_set_string_member (object, "issuer_path", path);
  json_object_set_int_member (object, "created_at", project->created_at);
  json_object_set_object_member (object, "settings",
                                 gh_project_settings_to_json (project->settings));
  return object;
}

GhProjects *
gh_projects_new (GhStore *store,
                 GhAudit *audit)
{
  GhProjects *self;

  g_return_val_if_fail (GH_IS_STORE (store), NULL);
  g_return_val_if_fail (GH_IS_AUDIT (audit), NULL);

  self = g_object_new (GH_TYPE_PROJECTS, NULL);
  self->store = g_object_ref (store);
  self->audit = g_object_ref (audit);
  return self;
}

gboolean
gh_projects_check_slug (const char  *slug,
                        GError     **error)
{
  gsize len = slug != NULL ? strlen (slug) : 0;

  if (len == 0 || len > 63)
    goto bad;
  if (!g_ascii_islower (slug[0]) && !g_ascii_isdigit (slug[0]))
    goto bad;
  if (slug[len - 1] == '-')
    goto bad;
  for (const char *p = slug; *p; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-')
      goto bad;
  return TRUE;

bad:
  g_set_error (error, GH_SETTINGS_ERROR, GH_SETTINGS_ERROR_INVALID_VALUE,
               "Invalid project slug “%s”: use 1 to 63 lowercase letters, digits and '-', "
               "starting with a letter or digit and not ending with '-'",
               slug != NULL ? slug : "");
  return FALSE;
}

static GhProject *
load_project (GhProjects  *self,
              const char  *slug,
              GError     **error)
{
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(GhStmt) settings_stmt = NULL;
  gboolean row;

  stmt = gh_store_prepare (self->store,
                           "SELECT id, slug, display_name, profile, created_at "
                           "FROM projects WHERE slug = ?",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_text (stmt, 1, slug);
  if (!gh_store_step (self->store, stmt, &row, error))
    return NULL;
  if (!row)
    {
      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND,
                   "There is no project “%s”", slug);
      return NULL;
    }

  project = g_new0 (GhProject, 1);
  project->id = sqlite3_column_int64 (stmt, 0);
  project->slug = g_strdup (gh_stmt_column_text (stmt, 1));
  project->display_name = g_strdup (gh_stmt_column_text (stmt, 2));
  if (!gh_settings_profile_from_string (gh_stmt_column_text (stmt, 3), &project->profile))
    project->profile = GH_SETTINGS_PROFILE_PRODUCTION;
  project->created_at = sqlite3_column_int64 (stmt, 4);
  gh_stmt_reset (g_steal_pointer (&stmt));

  /* Start from the profile's defaults so a key added by a later migration has a value. */
  project->settings = gh_project_settings_new (project->profile);

  settings_stmt = gh_store_prepare (self->store,
                                    "SELECT key, value FROM project_settings WHERE project_id = ?",
                                    error);
  if (settings_stmt == NULL)
    return NULL;
  gh_stmt_bind_int64 (settings_stmt, 1, project->id);
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      const char *key;

      if (!gh_store_step (self->store, settings_stmt, &row, error))
        return NULL;
      if (!row)
        break;
      key = gh_stmt_column_text (settings_stmt, 0);
      if (!gh_project_settings_set (project->settings, key,
                                    gh_stmt_column_text (settings_stmt, 1), &local_error))
        g_warning ("Project %s: ignoring stored setting %s: %s",
                   project->slug, key, local_error->message);
    }

  return g_steal_pointer (&project);
}

GhProject *
gh_projects_get (GhProjects  *self,
                 const char  *slug,
                 GError     **error)
{
  GhStoreStamp stamp;
  GhProject *cached;
  GhProject *project;

  g_return_val_if_fail (GH_IS_PROJECTS (self), NULL);
  g_return_val_if_fail (slug != NULL, NULL);

  /* Every request reads its project: from memory while nothing was written anywhere. */
  stamp = gh_store_get_stamp (self->store);
  if (!gh_store_stamp_equal (&stamp, &self->cache_stamp))
    {
      g_hash_table_remove_all (self->cache);
      self->cache_stamp = stamp;
    }
  cached = g_hash_table_lookup (self->cache, slug);
  if (cached != NULL)
    return gh_project_copy (cached);

  project = load_project (self, slug, error);
  if (project != NULL && stamp.data_version >= 0)
    g_hash_table_insert (self->cache, g_strdup (slug), gh_project_copy (project));
  return project;
}

gboolean
gh_projects_exists (GhProjects *self,
                    const char *slug)
{
  GhStoreStamp stamp;
  g_autoptr(GhProject) project = NULL;

  g_return_val_if_fail (GH_IS_PROJECTS (self), FALSE);

  stamp = gh_store_get_stamp (self->store);
  if (gh_store_stamp_equal (&stamp, &self->cache_stamp) &&
      g_hash_table_contains (self->cache, slug))
    return TRUE;
  project = gh_projects_get (self, slug, NULL);
  return project != NULL;
}

GPtrArray *
gh_projects_list (GhProjects  *self,
                  GError     **error)
{
  g_autoptr(GPtrArray) slugs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) projects = g_ptr_array_new_with_free_func ((GDestroyNotify) gh_project_free);
  g_autoptr(GhStmt) stmt = NULL;
  gboolean row;

  g_return_val_if_fail (GH_IS_PROJECTS (self), NULL);

  /* The default project first, then by slug. */
  stmt = gh_store_prepare (self->store,
                           "SELECT slug FROM projects ORDER BY slug != 'default', slug",
                           error);
  if (stmt == NULL)
    return NULL;
  for (;;)
    {
      if (!gh_store_step (self->store, stmt, &row, error))
        return NULL;
      if (!row)
        break;
      g_ptr_array_add (slugs, g_strdup (gh_stmt_column_text (stmt, 0)));
    }
  gh_stmt_reset (g_steal_pointer (&stmt));

  for (guint i = 0; i < slugs->len; i++)
    {
      GhProject *project = load_project (self, g_ptr_array_index (slugs, i), error);

      if (project == NULL)
        return NULL;
      g_ptr_array_add (projects, project);
    }
  return g_steal_pointer (&projects);
}

static gboolean
write_setting (GhProjects  *self,
               gint64       project_id,
               const char  *key,
               const char  *value,
               GError     **error)
{
  g_autoptr(GhStmt) stmt = NULL;

  stmt = gh_store_prepare (self->store,
                           "INSERT INTO project_settings (project_id, key, value) VALUES (?, ?, ?) "
                           "ON CONFLICT (project_id, key) DO UPDATE SET value = excluded.value",
                           error);
  if (stmt == NULL)
    return FALSE;
  gh_stmt_bind_int64 (stmt, 1, project_id);
  gh_stmt_bind_text (stmt, 2, key);
  gh_stmt_bind_text (stmt, 3, value);
  return gh_store_step (self->store, stmt, NULL, error);
}

static GhProject *
create_in_transaction (GhProjects         *self,
                       const char         *slug,
                       const char         *display_name,
                       GhSettingsProfile   profile,
                       const char         *actor,
                       GError            **error)
{
  g_autoptr(GhProjectSettings) settings = gh_project_settings_new (profile);
  const char * const *keys = gh_project_settings_list_keys ();
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(JsonObject) details = NULL;
  gint64 id;

  stmt = gh_store_prepare (self->store,
                           "INSERT INTO projects (slug, display_name, profile, created_at) "
                           "VALUES (?, ?, ?, ?)",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_text (stmt, 1, slug);
  gh_stmt_bind_text (stmt, 2, display_name);
  gh_stmt_bind_text (stmt, 3, gh_settings_profile_to_string (profile));
  gh_stmt_bind_int64 (stmt, 4, gh_now_seconds ());
  if (!gh_store_step (self->store, stmt, NULL, error))
    {
      if (error != NULL && g_error_matches (*error, GH_STORE_ERROR, GH_STORE_ERROR_CONSTRAINT))
        {
          g_clear_error (error);
          g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_CONSTRAINT,
                       "A project “%s” already exists", slug);
        }
      return NULL;
    }
  id = gh_store_last_insert_rowid (self->store);

  /* Every key is written: a project keeps the values it was created with even if a later
   * release changes a profile's defaults. */
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autofree char *value = gh_project_settings_get (settings, keys[i]);

      if (!write_setting (self, id, keys[i], value, error))
        return NULL;
    }

  /* Every project starts with a user to sign in as. */
  {
    g_autoptr(GhStmt) user = gh_store_prepare (self->store,
                                               "INSERT INTO users (project_id, username, name, "
                                               "email, created_at) VALUES (?, 'dev', 'Developer', "
                                               "'dev@example.com', ?)",
                                               error);
    if (user == NULL)
      return NULL;
    gh_stmt_bind_int64 (user, 1, id);
    gh_stmt_bind_int64 (user, 2, gh_now_seconds ());
    if (!gh_store_step (self->store, user, NULL, error))
      return NULL;
  }

  details = json_object_new ();
  json_object_set_string_member (details, "profile", gh_settings_profile_to_string (profile));
  json_object_set_string_member (details, "display_name", display_name);
  if (!gh_audit_record_event (self->audit, &(GhAuditEvent) {
                              .project_id = id, .project_slug = slug,
                              .type = GH_AUDIT_EVENT_PROJECT_CREATED, .outcome = GH_AUDIT_SUCCESS,
                              .actor = actor, .details = details }, error))
    return NULL;

  return load_project (self, slug, error);
}

GhProject *
gh_projects_create (GhProjects         *self,
                    const char         *slug,
                    const char         *display_name,
                    GhSettingsProfile   profile,
                    const char         *actor,
                    GError            **error)
{
  g_autoptr(GhProject) project = NULL;

  g_return_val_if_fail (GH_IS_PROJECTS (self), NULL);

  if (!gh_projects_check_slug (slug, error))
    return NULL;
  if (display_name == NULL || *display_name == '\0')
    display_name = slug;

  if (!gh_store_begin (self->store, error))
    return NULL;
  project = create_in_transaction (self, slug, display_name, profile, actor, error);
  if (project == NULL)
    {
      gh_store_rollback (self->store);
      return NULL;
    }
  if (!gh_store_commit (self->store, error))
    return NULL;
  return g_steal_pointer (&project);
}

gboolean
gh_projects_ensure_default (GhProjects         *self,
                            GhSettingsProfile   profile,
                            GError            **error)
{
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (GH_IS_PROJECTS (self), FALSE);

  project = load_project (self, GH_DEFAULT_PROJECT, &local_error);
  if (project != NULL)
    return TRUE;
  if (!g_error_matches (local_error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  g_clear_error (&local_error);
  project = gh_projects_create (self, GH_DEFAULT_PROJECT, "Default", profile, "server",
                                &local_error);
  /* Another process on the same data dir may have created it first. */
  if (project == NULL &&
      !g_error_matches (local_error, GH_STORE_ERROR, GH_STORE_ERROR_CONSTRAINT))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/* What the settings name must exist when they are set, not fail a flow later: a user that
 * auto_approve_user names must be a user of the project. (Schemes and domains are checked by
 * their syntax in GhProjectSettings.) Only keys the patch sets are checked, so an update of
 * another key never trips over an older value. Runs inside the update's transaction. */
static gboolean
check_names (GhProjects       *self,
             const GhProject  *project,
             JsonObject       *patch,
             GError          **error)
{
  const char *user = project->settings->auto_approve_user;
  g_autoptr(GhStmt) stmt = NULL;
  gboolean row = FALSE;

  if (!json_object_has_member (patch, "auto_approve_user") || *user == '\0')
    return TRUE;

  stmt = gh_store_prepare (self->store,
                           "SELECT 1 FROM users WHERE project_id = ? AND username = ?", error);
  if (stmt == NULL)
    return FALSE;
  gh_stmt_bind_int64 (stmt, 1, project->id);
  gh_stmt_bind_text (stmt, 2, user);
  if (!gh_store_step (self->store, stmt, &row, error))
    return FALSE;
  if (!row)
    {
      g_set_error (error, GH_SETTINGS_ERROR, GH_SETTINGS_ERROR_INVALID_VALUE,
                   "Invalid value “%s” for auto_approve_user: there is no user “%s” in "
                   "project %s; add the user first", user, user, project->slug);
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
gh_projects_update_settings (GhProjects  *self,
                             const char  *slug,
                             JsonObject  *patch,
                             const char  *actor,
                             GError     **error)
{
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(JsonObject) details = NULL;
  JsonArray *changed;

  g_return_val_if_fail (GH_IS_PROJECTS (self), NULL);
  g_return_val_if_fail (slug != NULL, NULL);
  g_return_val_if_fail (patch != NULL, NULL);

  /* Read and write under the writer lock so two updates never interleave. */
  if (!gh_store_begin (self->store, error))
    return NULL;

  project = load_project (self, slug, error);
  if (project == NULL)
    goto fail;

  changes = gh_project_settings_update (project->settings, patch, error);
  if (changes == NULL)
    goto fail;
  if (!check_names (self, project, patch, error))
    goto fail;

  details = json_object_new ();
  changed = json_array_new ();
  for (guint i = 0; i < changes->len; i++)
    {
      GhSettingChange *change = g_ptr_array_index (changes, i);
      g_autofree char *value = gh_project_settings_get (project->settings, change->key);

      if (!write_setting (self, project->id, change->key, value, error))
        {
          json_array_unref (changed);
          goto fail;
        }
      json_array_add_object_element (changed, gh_setting_change_to_json (change));
    }
  json_object_set_array_member (details, "changes", changed);

  if (changes->len > 0)
    {
      if (!gh_audit_record_event (self->audit, &(GhAuditEvent) {
                                  .project_id = project->id, .project_slug = project->slug,
                                  .type = GH_AUDIT_EVENT_PROJECT_SETTINGS_CHANGED,
                                  .outcome = GH_AUDIT_SUCCESS, .actor = actor,
                                  .details = details }, error))
        goto fail;
    }

  if (!gh_store_commit (self->store, error))
    return NULL;
  return g_steal_pointer (&changes);

fail:
  gh_store_rollback (self->store);
  return NULL;
}

/* What a project's deletion takes with it, counted before it goes. */
static const struct {
  const char *name;
  const char *sql;
} project_contents[] = {
  { "clients", "SELECT count(*) FROM clients WHERE project_id = ?" },
  { "users", "SELECT count(*) FROM users WHERE project_id = ?" },
  { "resources", "SELECT count(*) FROM resources WHERE project_id = ?" },
  { "initial_access_tokens", "SELECT count(*) FROM initial_access_tokens WHERE project_id = ?" },
  { "access_tokens", "SELECT count(*) FROM access_tokens WHERE project_id = ?" },
  { "refresh_families", "SELECT count(*) FROM refresh_families WHERE project_id = ?" },
  { "consents", "SELECT count(*) FROM consents WHERE project_id = ?" },
};

static JsonObject *
count_contents (GhProjects  *self,
                gint64       project_id,
                GError     **error)
{
  g_autoptr(JsonObject) counts = json_object_new ();

  for (guint i = 0; i < G_N_ELEMENTS (project_contents); i++)
    {
      g_autoptr(GhStmt) stmt = gh_store_prepare (self->store, project_contents[i].sql, error);
      gboolean row;

      if (stmt == NULL)
        return NULL;
      gh_stmt_bind_int64 (stmt, 1, project_id);
      if (!gh_store_step (self->store, stmt, &row, error))
        return NULL;
      json_object_set_int_member (counts, project_contents[i].name,
                                  sqlite3_column_int64 (stmt, 0));
    }
  return g_steal_pointer (&counts);
}

gboolean
gh_projects_delete (GhProjects   *self,
                    const char   *slug,
                    const char   *actor,
                    JsonObject  **out_removed,
                    GError      **error)
{
  g_autoptr(GhProject) project = NULL;
  g_autoptr(JsonObject) removed = NULL;
  g_autoptr(GhStmt) stmt = NULL;

  g_return_val_if_fail (GH_IS_PROJECTS (self), FALSE);
  g_return_val_if_fail (slug != NULL, FALSE);

  if (g_str_equal (slug, GH_DEFAULT_PROJECT))
    {
      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_CONSTRAINT,
                   "The default project cannot be deleted: it is the one served at the root "
                   "issuer");
      return FALSE;
    }
  if (!gh_store_begin (self->store, error))
    return FALSE;
  project = load_project (self, slug, error);
  if (project == NULL)
    goto fail;
  removed = count_contents (self, project->id, error);
  if (removed == NULL)
    goto fail;
  stmt = gh_store_prepare (self->store, "DELETE FROM projects WHERE id = ?", error);
  if (stmt == NULL)
    goto fail;
  gh_stmt_bind_int64 (stmt, 1, project->id);
  if (!gh_store_step (self->store, stmt, NULL, error))
    goto fail;
  /* The project is gone: its event belongs to none, and says which it was by its slug. */
  if (!gh_audit_record_event (self->audit, &(GhAuditEvent) {
                              .project_slug = project->slug,
                              .type = GH_AUDIT_EVENT_PROJECT_DELETED,
                              .outcome = GH_AUDIT_SUCCESS, .actor = actor,
                              .details = removed }, error))
    goto fail;
  if (!gh_store_commit (self->store, error))
    return FALSE;
  if (out_removed != NULL)
    *out_removed = g_steal_pointer (&removed);
  return TRUE;

fail:
  gh_store_rollback (self->store);
  return FALSE;
}

gint64
gh_projects_max_access_token_ttl (GhProjects  *self,
                                  GError     **error)
{
  g_autoptr(GPtrArray) projects = NULL;
  gint64 longest = 0;

  g_return_val_if_fail (GH_IS_PROJECTS (self), -1);

  projects = gh_projects_list (self, error);
  if (projects == NULL)
    return -1;
  for (guint i = 0; i < projects->len; i++)
    {
      GhProject *project = g_ptr_array_index (projects, i);

      longest = MAX (longest, project->settings->access_token_ttl);
    }
  return longest;
}
