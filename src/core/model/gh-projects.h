/* gh-projects.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-audit.h"
#include "gh-project-settings.h"
#include "gh-store.h"

G_BEGIN_DECLS

#define GH_DEFAULT_PROJECT "default"

/* One issuer. The default project is served at the root issuer, others at /p/{slug}. */
typedef struct
{
  gint64             id;
  char              *slug;
  char              *display_name;
  GhSettingsProfile  profile;
  gint64             created_at;   /* unix seconds */
  GhProjectSettings *settings;
} GhProject;

GhProject *gh_project_copy (const GhProject *project);
void       gh_project_free (GhProject *project);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhProject, gh_project_free)

/* The issuer's path below the root issuer: "" for the default project, else "/p/{slug}". */
char       *gh_project_dup_issuer_path (const GhProject *project);
/* slug, display_name, profile, issuer (@issuer: the URL a server serves the project at, or
 * NULL: null), server_running (whether that server runs now), issuer_path, created_at and
 * settings (gh_project_settings_to_json()). */
JsonObject *gh_project_to_json         (const GhProject *project,
                                        const char      *issuer,
                                        gboolean         server_running);

#define GH_TYPE_PROJECTS (gh_projects_get_type ())

G_DECLARE_FINAL_TYPE (GhProjects, gh_projects, GH, PROJECTS, GObject)

GhProjects *gh_projects_new              (GhStore            *store,
                                          GhAudit            *audit);
/* Creates the default project with @profile's settings if it does not exist yet. */
gboolean    gh_projects_ensure_default   (GhProjects         *self,
                                          GhSettingsProfile   profile,
                                          GError            **error);
gboolean    gh_projects_check_slug       (const char         *slug,
                                          GError            **error);
/* NULL with GH_STORE_ERROR_NOT_FOUND when there is no such project. */
GhProject  *gh_projects_get              (GhProjects         *self,
                                          const char         *slug,
                                          GError            **error);
/* Whether @slug names a project, without copying it (from the cache when it can). */
gboolean    gh_projects_exists           (GhProjects         *self,
                                          const char         *slug);
GPtrArray  *gh_projects_list             (GhProjects         *self,
                                          GError            **error);
GhProject  *gh_projects_create           (GhProjects         *self,
                                          const char         *slug,
                                          const char         *display_name,
                                          GhSettingsProfile   profile,
                                          const char         *actor,
                                          GError            **error);
/* Applies @patch (see gh_project_settings_update) and stores the result with its audit
 * event in one transaction. Returns the changes, cascaded ones included. */
GPtrArray  *gh_projects_update_settings  (GhProjects         *self,
                                          const char         *slug,
                                          JsonObject         *patch,
                                          const char         *actor,
                                          GError            **error);

/* Deletes project @slug with everything in it (clients, users, resources, IATs, tokens,
 * consents, settings; ON DELETE CASCADE) and records project.deleted with the slug and no
 * project id (its events stay, with the slug). The default project is never deleted
 * (GH_STORE_ERROR_CONSTRAINT); GH_STORE_ERROR_NOT_FOUND when there is no such project.
 * *@out_removed (optional) receives what went: {"clients": N, "users": N, ...}. */
gboolean    gh_projects_delete           (GhProjects         *self,
                                          const char         *slug,
                                          const char         *actor,
                                          JsonObject        **out_removed,
                                          GError            **error);
/* The longest access token lifetime of any project: how long a retired key must stay
 * published. -1 with @error. */
gint64      gh_projects_max_access_token_ttl (GhProjects     *self,
                                              GError        **error);

G_END_DECLS
