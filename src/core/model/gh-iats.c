/* gh-iats.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-dcr"

#include "config.h"

#include <string.h>

#include "gh-crypto.h"
#include "gh-error.h"
#include "gh-iats.h"
#include "gh-json.h"
#include "gh-time.h"

struct _GhIats
{
  GObject parent_instance;

  GhStore *store;
  GhAudit *audit;
};

G_DEFINE_FINAL_TYPE (GhIats, gh_iats, G_TYPE_OBJECT)

void
gh_iat_free (GhIat *iat)
{
  if (iat == NULL)
    return;
  g_free (iat->id);
  g_free (iat->label);
  g_clear_pointer (&iat->pinned, json_object_unref);
  g_free (iat);
}

gboolean
gh_iat_is_usable (const GhIat *iat,
                  gint64       now)
{
  return iat->revoked_at == 0 && (iat->expires_at == 0 || iat->expires_at > now) &&
         iat->uses < iat->max_uses;
}

const char *
gh_iat_get_state (const GhIat *iat,
                  gint64       now)
{
  g_return_val_if_fail (iat != NULL, NULL);

  if (iat->revoked_at != 0)
    return "revoked";
  if (iat->expires_at != 0 && iat->expires_at <= now)
    return "expired";
  if (iat->uses >= iat->max_uses)
    return "exhausted";
  return "active";
}

JsonObject *
gh_iat_to_json (const GhIat *iat,
                gint64       now)
{
  JsonObject *object;

  g_return_val_if_fail (iat != NULL, NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "id", iat->id);
  json_object_set_string_member (object, "label", iat->label);
  json_object_set_int_member (object, "max_uses", iat->max_uses);
  json_object_set_int_member (object, "uses", iat->uses);
  json_object_set_int_member (object, "uses_left", iat->max_uses - iat->uses);
  json_object_set_int_member (object, "created_at", iat->created_at);
  if (iat->expires_at != 0)
    json_object_set_int_member (object, "expires_at", iat->expires_at);
  if (iat->last_used_at != 0)
    json_object_set_int_member (object, "last_used_at", iat->last_used_at);
  json_object_set_boolean_member (object, "revoked", iat->revoked_at != 0);
  json_object_set_boolean_member (object, "usable", gh_iat_is_usable (iat, now));
  json_object_set_string_member (object, "state", gh_iat_get_state (iat, now));
  json_object_set_object_member (object, "pinned", json_object_ref (iat->pinned));
  return object;
}

static void
gh_iats_dispose (GObject *object)
{
  GhIats *self = (GhIats *) object;

  g_clear_object (&self->store);
  g_clear_object (&self->audit);

  G_OBJECT_CLASS (gh_iats_parent_class)->dispose (object);
}

static void
gh_iats_class_init (GhIatsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = gh_iats_dispose;
}

static void
gh_iats_init (GhIats *self)
{
}

GhIats *
gh_iats_new (GhStore *store,
             GhAudit *audit)
{
  GhIats *self = g_object_new (GH_TYPE_IATS, NULL);

  self->store = g_object_ref (store);
  self->audit = g_object_ref (audit);
  return self;
}

static gboolean
pin_error (GError     **error,
           const char  *format,
           ...) G_GNUC_PRINTF (2, 3);

static gboolean
pin_error (GError     **error,
           const char  *format,
           ...)
{
  va_list args;

  va_start (args, format);
  if (error != NULL)
    *error = g_error_new_valist (GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_REQUEST, format, args);
  va_end (args);
  return FALSE;
}

static gboolean
is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

gboolean
gh_iats_check_pins (JsonObject  *pinned,
                    GError     **error)
{
  g_autoptr(GList) members = NULL;

  if (pinned == NULL)
    return TRUE;
  members = json_object_get_members (pinned);
  for (const GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      JsonNode *node = json_object_get_member (pinned, key);

      if (g_str_equal (key, "token_endpoint_auth_method"))
        {
          static const char * const methods[] = {
            "none", "client_secret_basic", "client_secret_post", "private_key_jwt", NULL,
          };
          if (!is_string (node) || !g_strv_contains (methods, json_node_get_string (node)))
            return pin_error (error, "token_endpoint_auth_method pins one of none, "
                              "client_secret_basic, client_secret_post, private_key_jwt");
        }
      else if (g_str_equal (key, "application_type"))
        {
          if (!is_string (node) || (!g_str_equal (json_node_get_string (node), "web") &&
                                    !g_str_equal (json_node_get_string (node), "native")))
            return pin_error (error, "application_type pins web or native");
        }
      else if (g_str_equal (key, "scope"))
        {
          if (!is_string (node))
            return pin_error (error, "scope pins a space-separated list of scopes");
        }
      else if (g_str_equal (key, "redirect_uri_prefixes"))
        {
          JsonArray *array;

          if (!JSON_NODE_HOLDS_ARRAY (node) ||
              json_array_get_length (array = json_node_get_array (node)) == 0)
            return pin_error (error, "redirect_uri_prefixes pins a non-empty list of URI prefixes");
          for (guint i = 0; i < json_array_get_length (array); i++)
            if (!is_string (json_array_get_element (array, i)) ||
                *json_array_get_string_element (array, i) == '\0')
              return pin_error (error, "redirect_uri_prefixes pins a list of URI prefixes");
        }
      else
        return pin_error (error, "“%s” cannot be pinned (token_endpoint_auth_method, "
                          "application_type, scope, redirect_uri_prefixes)", key);
    }
  return TRUE;
}

static GhIat *
iat_from_row (GhStmt *stmt)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  GhIat *iat = g_new0 (GhIat, 1);

  iat->id = g_strdup (gh_stmt_column_text (stmt, 0));
  iat->project_id = sqlite3_column_int64 (stmt, 1);
  iat->label = g_strdup (gh_stmt_column_text (stmt, 2));
  if (json_parser_load_from_data (parser, gh_stmt_column_text (stmt, 3), -1, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    iat->pinned = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
  else
    iat->pinned = json_object_new ();
  iat->max_uses = sqlite3_column_int64 (stmt, 4);
  iat->uses = sqlite3_column_int64 (stmt, 5);
  iat->created_at = sqlite3_column_int64 (stmt, 6);
  iat->expires_at = sqlite3_column_int64 (stmt, 7);
  iat->last_used_at = sqlite3_column_int64 (stmt, 8);
  iat->revoked_at = sqlite3_column_int64 (stmt, 9);
  return iat;
}

#define IAT_COLUMNS "id, project_id, label, pinned, max_uses, uses, created_at, expires_at, " \
                    "last_used_at, revoked_at"

GhIat *
gh_iats_issue (GhIats           *self,
               const GhProject  *project,
               const char       *label,
               gint64            max_uses,
               gint64            expires_in,
               JsonObject       *pinned,
               const char       *actor,
               char            **out_token,
               GError          **error)
{
  g_autofree char *secret = gh_random_token (32);
  g_autofree char *token = g_strconcat (GH_IAT_PREFIX, secret, NULL);
  g_autofree char *hash = gh_sha256_base64url (token);
  g_autofree char *random = gh_random_token (9);
  g_autofree char *id = NULL;
  g_autofree char *pinned_text = NULL;
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(JsonObject) details = json_object_new ();
  gint64 now = gh_now_seconds ();
  gboolean row;

  g_return_val_if_fail (GH_IS_IATS (self), NULL);
  g_return_val_if_fail (out_token != NULL, NULL);

  if (max_uses < 1 || max_uses > 1000000)
    return pin_error (error, "max uses must be 1 to 1000000"), NULL;
  if (expires_in < 0 || expires_in > 366 * 86400)
    return pin_error (error, "expiry must be 0 (never) to 31622400 seconds"), NULL;
  if (!gh_iats_check_pins (pinned, error))
    return NULL;

  id = g_strconcat ("iat_", random, NULL);
  if (pinned != NULL)
    json_node_set_object (node, pinned);
  else
    json_node_take_object (node, json_object_new ());
  pinned_text = gh_json_to_string (node, FALSE);

  if (!gh_store_begin (self->store, error))
    return NULL;
  stmt = gh_store_prepare (self->store,
                           "INSERT INTO initial_access_tokens (id, project_id, label, token_hash, "
                           "pinned, max_uses, created_at, expires_at) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           error);
  if (stmt == NULL)
    goto fail;
  gh_stmt_bind_text (stmt, 1, id);
  gh_stmt_bind_int64 (stmt, 2, project->id);
  gh_stmt_bind_text (stmt, 3, label != NULL ? label : "");
  gh_stmt_bind_text (stmt, 4, hash);
  gh_stmt_bind_text (stmt, 5, pinned_text);
  gh_stmt_bind_int64 (stmt, 6, max_uses);
  gh_stmt_bind_int64 (stmt, 7, now);
  if (expires_in > 0)
    gh_stmt_bind_int64 (stmt, 8, now + expires_in);
  if (!gh_store_step (self->store, stmt, NULL, error))
    goto fail;
  gh_stmt_reset (g_steal_pointer (&stmt));

  json_object_set_string_member (details, "iat_id", id);
  json_object_set_string_member (details, "label", label != NULL ? label : "");
  json_object_set_int_member (details, "max_uses", max_uses);
  json_object_set_int_member (details, "expires_in", expires_in);
  json_object_set_member (details, "pinned", json_node_copy (node));
  gh_audit_record_event (self->audit, &(GhAuditEvent) {
                         .project_id = project->id, .project_slug = project->slug,
                         .type = GH_AUDIT_EVENT_IAT_ISSUED, .outcome = GH_AUDIT_SUCCESS,
                         .actor = actor, .details = details }, error);
  if (error != NULL && *error != NULL)
    goto fail;
  if (!gh_store_commit (self->store, error))
    return NULL;

  stmt = gh_store_prepare (self->store,
                           "SELECT " IAT_COLUMNS " FROM initial_access_tokens WHERE id = ?",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_text (stmt, 1, id);
  if (!gh_store_step (self->store, stmt, &row, error) || !row)
    return NULL;
  *out_token = g_steal_pointer (&token);
  return iat_from_row (stmt);

fail:
  gh_store_rollback (self->store);
  return NULL;
}

GPtrArray *
gh_iats_list (GhIats  *self,
              gint64   project_id,
              GError **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) gh_iat_free);
  g_autoptr(GhStmt) stmt = NULL;
  gboolean row;

  stmt = gh_store_prepare (self->store,
                           "SELECT " IAT_COLUMNS " FROM initial_access_tokens WHERE project_id = ? "
                           "ORDER BY created_at, id",
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
      g_ptr_array_add (list, iat_from_row (stmt));
    }
  return g_steal_pointer (&list);
}

gboolean
gh_iats_revoke (GhIats           *self,
                const GhProject  *project,
                const char       *id,
                const char       *actor,
                GError          **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(JsonObject) details = json_object_new ();

  if (!gh_store_begin (self->store, error))
    return FALSE;
  stmt = gh_store_prepare (self->store,
                           "UPDATE initial_access_tokens SET revoked_at = ? "
                           "WHERE id = ? AND project_id = ? AND revoked_at IS NULL",
                           error);
  if (stmt == NULL)
    goto fail;
  gh_stmt_bind_int64 (stmt, 1, gh_now_seconds ());
  gh_stmt_bind_text (stmt, 2, id);
  gh_stmt_bind_int64 (stmt, 3, project->id);
  if (!gh_store_step (self->store, stmt, NULL, error))
    goto fail;
  if (gh_store_changes (self->store) == 0)
    {
      g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND,
                   "There is no unrevoked initial access token “%s” in project %s", id,
                   project->slug);
      goto fail;
    }
  json_object_set_string_member (details, "iat_id", id);
  gh_audit_record_event (self->audit, &(GhAuditEvent) {
                         .project_id = project->id, .project_slug = project->slug,
                         .type = GH_AUDIT_EVENT_IAT_REVOKED, .outcome = GH_AUDIT_SUCCESS,
                         .actor = actor, .details = details }, error);
  if (error != NULL && *error != NULL)
    goto fail;
  return gh_store_commit (self->store, error);

fail:
  gh_store_rollback (self->store);
  return FALSE;
}

GhIat *
gh_iats_use (GhIats           *self,
             const GhProject  *project,
             const char       *token,
             GError          **error)
{
  g_autofree char *hash = NULL;
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(GhIat) iat = NULL;
  g_autoptr(JsonObject) details = json_object_new ();
  gint64 now = gh_now_seconds ();
  gboolean row;

  g_return_val_if_fail (gh_store_in_transaction (self->store), NULL);

  if (token == NULL || !g_str_has_prefix (token, GH_IAT_PREFIX))
    return g_set_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_TOKEN,
                        "The bearer token is not an initial access token (iatk_...)"), NULL;

  hash = gh_sha256_base64url (token);
  stmt = gh_store_prepare (self->store,
                           "SELECT " IAT_COLUMNS " FROM initial_access_tokens "
                           "WHERE token_hash = ? AND project_id = ?",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_text (stmt, 1, hash);
  gh_stmt_bind_int64 (stmt, 2, project->id);
  if (!gh_store_step (self->store, stmt, &row, error))
    return NULL;
  if (!row)
    return g_set_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_TOKEN,
                        "The initial access token is unknown to this project"), NULL;
  iat = iat_from_row (stmt);
  gh_stmt_reset (g_steal_pointer (&stmt));

  if (iat->revoked_at != 0)
    return g_set_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_TOKEN,
                        "The initial access token %s has been revoked", iat->id), NULL;
  if (iat->expires_at != 0 && iat->expires_at <= now)
    return g_set_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_TOKEN,
                        "The initial access token %s has expired", iat->id), NULL;
  if (iat->uses >= iat->max_uses)
    return g_set_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_TOKEN,
                        "The initial access token %s has been used its %" G_GINT64_FORMAT
                        " time(s)", iat->id, iat->max_uses), NULL;

  /* The count moves under the writer lock with the registration: exactly max_uses succeed. */
  stmt = gh_store_prepare (self->store,
                           "UPDATE initial_access_tokens SET uses = uses + 1, last_used_at = ? "
                           "WHERE id = ? AND uses < max_uses",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_int64 (stmt, 1, now);
  gh_stmt_bind_text (stmt, 2, iat->id);
  if (!gh_store_step (self->store, stmt, NULL, error))
    return NULL;
  if (gh_store_changes (self->store) != 1)
    return g_set_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_TOKEN,
                        "The initial access token %s is used up", iat->id), NULL;
  iat->uses++;
  iat->last_used_at = now;

  json_object_set_string_member (details, "iat_id", iat->id);
  json_object_set_int_member (details, "uses", iat->uses);
  json_object_set_int_member (details, "uses_left", iat->max_uses - iat->uses);
  gh_audit_record_event (self->audit, &(GhAuditEvent) {
                         .project_id = project->id, .project_slug = project->slug,
                         .type = GH_AUDIT_EVENT_IAT_USED, .outcome = GH_AUDIT_SUCCESS,
                         .actor = "dcr", .details = details }, error);
  if (error != NULL && *error != NULL)
    return NULL;
  return g_steal_pointer (&iat);
}
