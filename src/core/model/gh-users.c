/* gh-users.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-model"

#include "config.h"

#include <string.h>

#include "gh-error.h"
#include "gh-json.h"
#include "gh-time.h"
#include "gh-users.h"

struct _GhUsers
{
  GObject parent_instance;

  GhStore *store;
  GhAudit *audit;
};

G_DEFINE_FINAL_TYPE (GhUsers, gh_users, G_TYPE_OBJECT)

/* Claims a user's extra claims may not override: the server sets them. */
static const char * const reserved_claims[] = {
  "iss", "sub", "aud", "exp", "iat", "nbf", "jti", "auth_time", "nonce", "at_hash", "azp",
  "client_id", "scope", "acr", "amr", "sid", "cnf",
};

void
gh_user_free (GhUser *user)
{
  if (user == NULL)
    return;
  g_free (user->username);
  g_free (user->name);
  g_free (user->email);
  g_clear_pointer (&user->claims, json_object_unref);
  g_free (user);
}

JsonObject *
gh_user_to_json (const GhUser *user)
{
  JsonObject *object;

  g_return_val_if_fail (user != NULL, NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "username", user->username);
  json_object_set_string_member (object, "name", user->name);
  json_object_set_string_member (object, "email", user->email);
  json_object_set_object_member (object, "claims", json_object_ref (user->claims));
  json_object_set_int_member (object, "created_at", user->created_at);
  return object;
}

static void
gh_users_dispose (GObject *object)
{
  GhUsers *self = (GhUsers *) object;

  g_clear_object (&self->store);
  g_clear_object (&self->audit);

  G_OBJECT_CLASS (gh_users_parent_class)->dispose (object);
}

static void
gh_users_class_init (GhUsersClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = gh_users_dispose;
}

static void
gh_users_init (GhUsers *self)
{
}

GhUsers *
gh_users_new (GhStore *store,
              GhAudit *audit)
{
  GhUsers *self;

  g_return_val_if_fail (GH_IS_STORE (store), NULL);
  g_return_val_if_fail (GH_IS_AUDIT (audit), NULL);

  self = g_object_new (GH_TYPE_USERS, NULL);
  self->store = g_object_ref (store);
  self->audit = g_object_ref (audit);
  return self;
}

gboolean
gh_users_check_username (const char  *username,
                         GError     **error)
{
  gsize len = username != NULL ? strlen (username) : 0;

  if (len == 0 || len > 64)
    goto bad;
  for (const char *p = username; *p; p++)
    if (!g_ascii_isalnum (*p) && strchr ("._-@", *p) == NULL)
      goto bad;
  return TRUE;

bad:
  g_set_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_REQUEST,
               "A user name is 1 to 64 of the characters A-Z a-z 0-9 . _ - @");
  return FALSE;
}

static GhUser *
user_from_row (GhStmt *stmt)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  GhUser *user = g_new0 (GhUser, 1);

  user->id = sqlite3_column_int64 (stmt, 0);
  user->project_id = sqlite3_column_int64 (stmt, 1);
  user->username = g_strdup (gh_stmt_column_text (stmt, 2));
  user->name = g_strdup (gh_stmt_column_text (stmt, 3));
  user->email = g_strdup (gh_stmt_column_text (stmt, 4));
  if (json_parser_load_from_data (parser, gh_stmt_column_text (stmt, 5), -1, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    user->claims = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
  else
    user->claims = json_object_new ();
  user->created_at = sqlite3_column_int64 (stmt, 6);
  return user;
}

#define USER_COLUMNS "id, project_id, username, name, email, claims, created_at"

static GhUser *
get_one (GhUsers     *self,
         const char  *sql,
         gint64       number,
         const char  *text,
         GError     **error)
{
  g_autoptr(GhStmt) stmt = gh_store_prepare (self->store, sql, error);
  gboolean row;

  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_int64 (stmt, 1, number);
  if (text != NULL)
    gh_stmt_bind_text (stmt, 2, text);
  if (!gh_store_step (self->store, stmt, &row, error))
    return NULL;
  if (!row)
    {
      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND, "There is no user “%s”",
                   text != NULL ? text : "with this id");
      return NULL;
    }
  return user_from_row (stmt);
}

GhUser *
gh_users_get (GhUsers     *self,
              gint64       project_id,
              const char  *username,
              GError     **error)
{
  g_return_val_if_fail (GH_IS_USERS (self), NULL);
  g_return_val_if_fail (username != NULL, NULL);

  return get_one (self, "SELECT " USER_COLUMNS " FROM users WHERE project_id = ? AND username = ?",
                  project_id, username, error);
}

GhUser *
gh_users_get_by_id (GhUsers  *self,
                    gint64    user_id,
                    GError  **error)
{
  g_return_val_if_fail (GH_IS_USERS (self), NULL);

  return get_one (self, "SELECT " USER_COLUMNS " FROM users WHERE id = ?", user_id, NULL, error);
}

GPtrArray *
gh_users_list (GhUsers  *self,
               gint64    project_id,
               GError  **error)
{
  g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func ((GDestroyNotify) gh_user_free);
  g_autoptr(GhStmt) stmt = NULL;
  gboolean row;

  g_return_val_if_fail (GH_IS_USERS (self), NULL);

  stmt = gh_store_prepare (self->store,
                           "SELECT " USER_COLUMNS " FROM users "
                           "WHERE project_id = ? ORDER BY username",
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
      g_ptr_array_add (users, user_from_row (stmt));
    }
  return g_steal_pointer (&users);
}

/* Extra claims may not be ones the server sets. */
static gboolean
check_claims (JsonObject  *claims,
              GError     **error)
{
  for (guint i = 0; claims != NULL && i < G_N_ELEMENTS (reserved_claims); i++)
    if (json_object_has_member (claims, reserved_claims[i]))
      {
        g_set_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_REQUEST,
                     "The claim “%s” is set by the server and cannot be a user claim",
                     reserved_claims[i]);
        return FALSE;
      }
  return TRUE;
}

/* @claims as stored: "{}" when NULL. */
static char *
claims_to_string (JsonObject *claims)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  if (claims != NULL)
    json_node_set_object (node, claims);
  else
    json_node_take_object (node, json_object_new ());
  return gh_json_to_string (node, FALSE);
}

GhUser *
gh_users_add (GhUsers         *self,
              const GhProject *project,
              const char      *username,
              const char      *name,
              const char      *email,
              JsonObject      *claims,
              const char      *actor,
              GError         **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(JsonObject) details = json_object_new ();
  g_autofree char *claims_text = NULL;
  gboolean own_transaction;

  g_return_val_if_fail (GH_IS_USERS (self), NULL);
  g_return_val_if_fail (project != NULL, NULL);

  if (!gh_users_check_username (username, error) || !check_claims (claims, error))
    return NULL;
  claims_text = claims_to_string (claims);

  own_transaction = !gh_store_in_transaction (self->store);
  if (own_transaction && !gh_store_begin (self->store, error))
    return NULL;

  stmt = gh_store_prepare (self->store,
                           "INSERT INTO users (project_id, username, name, "
                           "email, claims, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                           error);
  if (stmt == NULL)
    goto fail;
  gh_stmt_bind_int64 (stmt, 1, project->id);
  gh_stmt_bind_text (stmt, 2, username);
  gh_stmt_bind_text (stmt, 3, name != NULL ? name : "");
  gh_stmt_bind_text (stmt, 4, email != NULL ? email : "");
  gh_stmt_bind_text (stmt, 5, claims_text);
  gh_stmt_bind_int64 (stmt, 6, gh_now_seconds ());
  if (!gh_store_step (self->store, stmt, NULL, error))
    {
      if (error != NULL && g_error_matches (*error, GH_STORE_ERROR, GH_STORE_ERROR_CONSTRAINT))
        {
          g_clear_error (error);
          g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_CONSTRAINT,
                       "A user “%s” already exists in project %s", username, project->slug);
        }
      goto fail;
    }

  json_object_set_string_member (details, "username", username);
  if (!gh_audit_record_event (self->audit, &(GhAuditEvent) {
                              .project_id = project->id, .project_slug = project->slug,
                              .type = GH_AUDIT_EVENT_USER_CREATED, .outcome = GH_AUDIT_SUCCESS,
                              .actor = actor, .user_id = username, .details = details }, error))
    goto fail;

  if (own_transaction && !gh_store_commit (self->store, error))
    return NULL;
  return gh_users_get (self, project->id, username, error);

fail:
  if (own_transaction)
    gh_store_rollback (self->store);
  return NULL;
}

GhUser *
gh_users_update (GhUsers         *self,
                 const GhProject *project,
                 const char      *username,
                 const char      *name,
                 const char      *email,
                 JsonObject      *claims,
                 const char      *actor,
                 GError         **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(JsonObject) details = json_object_new ();
  g_autofree char *claims_text = NULL;
  JsonArray *changed = json_array_new ();

  g_return_val_if_fail (GH_IS_USERS (self), NULL);
  g_return_val_if_fail (project != NULL, NULL);
  g_return_val_if_fail (username != NULL, NULL);

  json_object_set_string_member (details, "username", username);
  json_object_set_array_member (details, "changed", changed);
  if (!check_claims (claims, error))
    return NULL;
  if (claims != NULL)
    claims_text = claims_to_string (claims);

  if (!gh_store_begin (self->store, error))
    return NULL;
  stmt = gh_store_prepare (self->store,
                           "UPDATE users SET name = coalesce (?, name), "
                           "email = coalesce (?, email), claims = coalesce (?, claims) "
                           "WHERE project_id = ? AND username = ?",
                           error);
  if (stmt == NULL)
    goto fail;
  gh_stmt_bind_text (stmt, 1, name);
  gh_stmt_bind_text (stmt, 2, email);
  gh_stmt_bind_text (stmt, 3, claims_text);
  gh_stmt_bind_int64 (stmt, 4, project->id);
  gh_stmt_bind_text (stmt, 5, username);
  if (!gh_store_step (self->store, stmt, NULL, error))
    goto fail;
  if (gh_store_changes (self->store) == 0)
    {
      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND,
                   "There is no user “%s” in project %s", username, project->slug);
      goto fail;
    }
  if (name != NULL)
    json_array_add_string_element (changed, "name");
  if (email != NULL)
    json_array_add_string_element (changed, "email");
  if (claims != NULL)
    json_array_add_string_element (changed, "claims");
  if (!gh_audit_record_event (self->audit, &(GhAuditEvent) {
                              .project_id = project->id, .project_slug = project->slug,
                              .type = GH_AUDIT_EVENT_USER_UPDATED, .outcome = GH_AUDIT_SUCCESS,
                              .actor = actor, .user_id = username, .details = details }, error))
    goto fail;
  if (!gh_store_commit (self->store, error))
    return NULL;
  return gh_users_get (self, project->id, username, error);

fail:
  gh_store_rollback (self->store);
  return NULL;
}

gboolean
gh_users_remove (GhUsers         *self,
                 const GhProject *project,
                 const char      *username,
                 const char      *actor,
                 GError         **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  gboolean in_use = FALSE;

  g_return_val_if_fail (GH_IS_USERS (self), FALSE);

  if (!gh_store_begin (self->store, error))
    return FALSE;

  /* The user auto-approval signs in stays: removing it would turn every headless flow into
   * a server_error. The administrator changes the setting first (a decision, audited). */
  stmt = gh_store_prepare (self->store,
                           "SELECT 1 FROM project_settings WHERE project_id = ? "
                           "AND key = 'auto_approve_user' AND value = ?", error);
  if (stmt == NULL)
    goto fail;
  gh_stmt_bind_int64 (stmt, 1, project->id);
  gh_stmt_bind_text (stmt, 2, username);
  if (!gh_store_step (self->store, stmt, &in_use, error))
    goto fail;
  g_clear_pointer (&stmt, gh_stmt_reset);
  if (in_use)
    {
      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_CONSTRAINT,
                   "The user “%s” is project %s’s auto_approve_user; set auto_approve_user "
                   "to another user or to nothing first", username, project->slug);
      goto fail;
    }

  /* Sessions, consents, codes and refresh families go with the user (ON DELETE CASCADE). */
  stmt = gh_store_prepare (self->store, "DELETE FROM users WHERE project_id = ? AND username = ?",
                           error);
  if (stmt == NULL)
    goto fail;
  gh_stmt_bind_int64 (stmt, 1, project->id);
  gh_stmt_bind_text (stmt, 2, username);
  if (!gh_store_step (self->store, stmt, NULL, error))
    goto fail;
  if (gh_store_changes (self->store) == 0)
    {
      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND,
                   "There is no user “%s” in project %s", username, project->slug);
      goto fail;
    }

  if (!gh_audit_record_event (self->audit, &(GhAuditEvent) {
                              .project_id = project->id, .project_slug = project->slug,
                              .type = GH_AUDIT_EVENT_USER_REMOVED, .outcome = GH_AUDIT_SUCCESS,
                              .actor = actor, .user_id = username }, error))
    goto fail;
  return gh_store_commit (self->store, error);

fail:
  gh_store_rollback (self->store);
  return FALSE;
}
