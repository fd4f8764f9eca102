/* gh-users.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-audit.h"
#include "gh-projects.h"
#include "gh-store.h"

G_BEGIN_DECLS

/* A development user: who logs in on the login page, and the claims tokens carry. */
typedef struct
{
  gint64      id;
  gint64      project_id;
  char       *username;  /* the `sub` of its tokens */
  char       *name;
  char       *email;
  JsonObject *claims;    /* extra claims for ID tokens and /userinfo */
  gint64      created_at;
} GhUser;

void gh_user_free (GhUser *user);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhUser, gh_user_free)

/* username, name, email, claims (the extra claims) and created_at. */
JsonObject *gh_user_to_json (const GhUser *user);

#define GH_TYPE_USERS (gh_users_get_type ())

G_DECLARE_FINAL_TYPE (GhUsers, gh_users, GH, USERS, GObject)

GhUsers   *gh_users_new            (GhStore         *store,
                                    GhAudit         *audit);
gboolean   gh_users_check_username (const char      *username,
                                    GError         **error);
/* Adds a user; runs inside the caller's transaction when one is open. */
GhUser    *gh_users_add            (GhUsers         *self,
                                    const GhProject *project,
                                    const char      *username,
                                    const char      *name,
                                    const char      *email,
                                    JsonObject      *claims,
                                    const char      *actor,
                                    GError         **error);
GhUser    *gh_users_get            (GhUsers         *self,
                                    gint64           project_id,
                                    const char      *username,
                                    GError         **error);
GhUser    *gh_users_get_by_id      (GhUsers         *self,
                                    gint64           user_id,
                                    GError         **error);
GPtrArray *gh_users_list           (GhUsers         *self,
                                    gint64           project_id,
                                    GError         **error);
/* Sets what is not NULL of @name, @email and @claims (which replace the extra claims whole),
 * with a user.updated event naming the members set; GH_STORE_ERROR_NOT_FOUND when there is
 * no such user. Returns the user as it is now. */
GhUser    *gh_users_update         (GhUsers         *self,
                                    const GhProject *project,
                                    const char      *username,
                                    const char      *name,
                                    const char      *email,
                                    JsonObject      *claims,
                                    const char      *actor,
                                    GError         **error);
gboolean   gh_users_remove         (GhUsers         *self,
                                    const GhProject *project,
                                    const char      *username,
                                    const char      *actor,
                                    GError         **error);

G_END_DECLS
