/* gh-token-records.c — what the store keeps of the tokens a project issued, read back for the
 * admin API: refresh families and their lineage, an access token's record compared with what
 * its flow asked for, a refresh token or code found by its hash
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-oauth"

#include "config.h"

#include <string.h>

#include "gh-crypto.h"
#include "gh-json.h"
#include "gh-time.h"
#include "gh-token-inspect.h"
#include "gh-token-records.h"

/* Column @column of @stmt as member @name: its integer, or null. */
static void
set_int_column (JsonObject *object,
                const char *name,
                GhStmt     *stmt,
                int         column)
{
  if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
    json_object_set_null_member (object, name);
  else
    json_object_set_int_member (object, name, sqlite3_column_int64 (stmt, column));
}

static void
set_text_column (JsonObject *object,
                 const char *name,
                 GhStmt     *stmt,
                 int         column)
{
  const char *text = gh_stmt_column_text (stmt, column);

  if (text == NULL)
    json_object_set_null_member (object, name);
  else
    json_object_set_string_member (object, name, text);
}

/* A JSON array of strings stored as text, as an array member. */
static void
set_strv_column (JsonObject *object,
                 const char *name,
                 GhStmt     *stmt,
                 int         column)
{
  g_auto(GStrv) values = gh_strv_from_json_text (gh_stmt_column_text (stmt, column));

  json_object_set_array_member (object, name, gh_json_array_from_strv (values));
}

/* revoked, when the family is; else active while one of its tokens can still be used. */
static const char *
family_state (gboolean revoked,
              gint64   usable_tokens)
{
  if (revoked)
    return "revoked";
  return usable_tokens > 0 ? "active" : "expired";
}

/* One refresh token of a family: revoked (with its family), rotated (used), expired or
 * active. */
static const char *
generation_state (gboolean family_revoked,
                  gboolean rotated,
                  gint64   expires_at,
                  gint64   now)
{
  if (family_revoked)
    return "revoked";
  if (rotated)
    return "rotated";
  return expires_at <= now ? "expired" : "active";
}

/* A replay of a rotated generation: when, how long after its rotation, the window it was
 * judged against, and what the server did. */
static JsonObject *
replay_to_json (const char *kind,
                gint64      at_us,
                gint64      rotated_at_us,
                gint64      grace_seconds,
                const char *outcome)
{
  JsonObject *replay = json_object_new ();

  json_object_set_string_member (replay, "kind", kind);
  json_object_set_int_member (replay, "at_us", at_us);
  if (rotated_at_us > 0)
    json_object_set_int_member (replay, "ms_after_rotation", (at_us - rotated_at_us) / 1000);
  else
    json_object_set_null_member (replay, "ms_after_rotation");
  json_object_set_int_member (replay, "grace_window_ms", grace_seconds * 1000);
  json_object_set_string_member (replay, "outcome", outcome);
  return replay;
}

/* The generations of @family_id in the order issued, and "reuse" on @family. */
static gboolean
add_generations (GhStore          *store,
                 const GhProject  *project,
                 const char       *family_id,
                 gboolean          revoked,
                 JsonObject       *family,
                 gint64           *usable,
                 GError          **error)
{
  g_autoptr(GHashTable) numbers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GhStmt) stmt = NULL;
  JsonArray *generations = json_array_new ();
  gint64 grace = project->settings->refresh_grace_seconds;
  gint64 now = gh_now_seconds ();
  gboolean ok, row;

  json_object_set_array_member (family, "generations", generations);
  json_object_set_null_member (family, "reuse");
  stmt = gh_store_prepare (store,
                           "SELECT token_hash, issued_from, created_at, expires_at, rotated_at, "
                           "rotated_at_us, grace_used, grace_used_at_us, reused_at_us "
                           "FROM refresh_tokens WHERE family_id = ? ORDER BY rowid",
                           error);
  if (stmt == NULL)
    return FALSE;
  gh_stmt_bind_text (stmt, 1, family_id);
  while ((ok = gh_store_step (store, stmt, &row, error)) && row)
    {
      JsonObject *generation = json_object_new ();
      JsonArray *replays = json_array_new ();
      guint number = json_array_get_length (generations) + 1;
      const char *parent = gh_stmt_column_text (stmt, 1);
      gboolean rotated = sqlite3_column_type (stmt, 4) != SQLITE_NULL;
      gint64 rotated_at_us = sqlite3_column_int64 (stmt, 5);
      const char *state = generation_state (revoked, rotated, sqlite3_column_int64 (stmt, 3),
                                            now);

      g_hash_table_insert (numbers, g_strdup (gh_stmt_column_text (stmt, 0)),
                           GUINT_TO_POINTER (number));
      json_object_set_int_member (generation, "generation", number);
      if (parent != NULL && g_hash_table_contains (numbers, parent))
        json_object_set_int_member (generation, "issued_from",
                                    GPOINTER_TO_UINT (g_hash_table_lookup (numbers, parent)));
      else
        json_object_set_null_member (generation, "issued_from");
      set_int_column (generation, "created_at", stmt, 2);
      set_int_column (generation, "expires_at", stmt, 3);
      json_object_set_string_member (generation, "state", state);
      json_object_set_boolean_member (generation, "used", rotated);
      set_int_column (generation, "rotated_at", stmt, 4);
      set_int_column (generation, "rotated_at_us", stmt, 5);
      json_object_set_boolean_member (generation, "grace_used", sqlite3_column_int (stmt, 6));
      if (sqlite3_column_type (stmt, 7) != SQLITE_NULL)
        json_array_add_object_element (replays,
                                       replay_to_json ("grace", sqlite3_column_int64 (stmt, 7),
                                                       rotated_at_us, grace,
                                                       "accepted once, inside the grace "
                                                       "window"));
      if (sqlite3_column_type (stmt, 8) != SQLITE_NULL)
        {
          const char *outcome = "reuse detected: the family was revoked";
          JsonObject *reuse = replay_to_json ("reuse", sqlite3_column_int64 (stmt, 8),
                                              rotated_at_us, grace, outcome);
          JsonObject *replay = replay_to_json ("reuse", sqlite3_column_int64 (stmt, 8),
                                               rotated_at_us, grace, outcome);
          g_autofree char *message = NULL;

          json_array_add_object_element (replays, replay);
          json_object_set_int_member (reuse, "generation", number);
          if (json_object_get_null_member (replay, "ms_after_rotation"))
            message = g_strdup_printf ("Generation %u was used again after its rotation, "
                                       "outside the %" G_GINT64_FORMAT " s grace window: the "
                                       "family was revoked", number, grace);
          else
            message = g_strdup_printf ("Generation %u was used again %" G_GINT64_FORMAT " ms "
                                       "after its rotation, outside the %" G_GINT64_FORMAT
                                       " ms grace window: the family was revoked", number,
                                       json_object_get_int_member (replay, "ms_after_rotation"),
                                       grace * 1000);
          json_object_set_string_member (reuse, "message", message);
          json_object_set_object_member (family, "reuse", reuse);
        }
      json_object_set_array_member (generation, "replays", replays);
      json_array_add_object_element (generations, generation);
      *usable += g_str_equal (state, "active");
    }
  return ok;
}

static gboolean
add_access_tokens (GhStore     *store,
                   const char  *family_id,
                   JsonObject  *family,
                   GError     **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  JsonArray *tokens = json_array_new ();
  gint64 now = gh_now_seconds ();
  gboolean ok, row;

  json_object_set_array_member (family, "access_tokens", tokens);
  stmt = gh_store_prepare (store,
                           "SELECT jti, issued_at, expires_at, revoked_at FROM access_tokens "
                           "WHERE family_id = ? ORDER BY rowid", error);
  if (stmt == NULL)
    return FALSE;
  gh_stmt_bind_text (stmt, 1, family_id);
  while ((ok = gh_store_step (store, stmt, &row, error)) && row)
    {
      JsonObject *token = json_object_new ();
      gboolean revoked = sqlite3_column_type (stmt, 3) != SQLITE_NULL;

      set_text_column (token, "jti", stmt, 0);
      set_int_column (token, "issued_at", stmt, 1);
      set_int_column (token, "expires_at", stmt, 2);
      json_object_set_boolean_member (token, "revoked", revoked);
      set_int_column (token, "revoked_at", stmt, 3);
      json_object_set_string_member (token, "state",
                                     revoked ? "revoked" :
                                     sqlite3_column_int64 (stmt, 2) <= now ? "expired" :
                                     "active");
      json_array_add_object_element (tokens, token);
    }
  return ok;
}

JsonObject *
gh_token_records_family (GhStore          *store,
                         const GhProject  *project,
                         const char       *family_id,
                         GError          **error)
{
  g_autoptr(JsonObject) family = json_object_new ();
  g_autoptr(GhStmt) stmt = NULL;
  gint64 usable = 0;
  gboolean revoked;
  gboolean row;

  stmt = gh_store_prepare (store,
                           "SELECT f.id, f.client_id, u.username, f.flow_id, f.scopes, "
                           "f.resources, f.created_at, f.auth_time, f.revoked_at, "
                           "f.revoked_reason FROM refresh_families f "
                           "JOIN users u ON u.id = f.user_id WHERE f.id = ? AND f.project_id = ?",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_text (stmt, 1, family_id);
  gh_stmt_bind_int64 (stmt, 2, project->id);
  if (!gh_store_step (store, stmt, &row, error))
    return NULL;
  if (!row)
    return g_set_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND,
                        "No refresh family with this id in project %s", project->slug), NULL;

  set_text_column (family, "id", stmt, 0);
  set_text_column (family, "client_id", stmt, 1);
  set_text_column (family, "user_id", stmt, 2);
  set_text_column (family, "flow_id", stmt, 3);
  set_strv_column (family, "scopes", stmt, 4);
  set_strv_column (family, "resources", stmt, 5);
  set_int_column (family, "created_at", stmt, 6);
  set_int_column (family, "auth_time", stmt, 7);
  revoked = sqlite3_column_type (stmt, 8) != SQLITE_NULL;
  if (revoked)
    {
      JsonObject *revocation = json_object_new ();

      set_int_column (revocation, "at", stmt, 8);
      set_text_column (revocation, "reason", stmt, 9);
      json_object_set_object_member (family, "revoked", revocation);
    }
  else
    json_object_set_null_member (family, "revoked");
  json_object_set_int_member (family, "refresh_grace_seconds",
                              project->settings->refresh_grace_seconds);
  gh_stmt_reset (g_steal_pointer (&stmt));

  if (!add_generations (store, project, family_id, revoked, family, &usable, error) ||
      !add_access_tokens (store, family_id, family, error))
    return NULL;
  json_object_set_string_member (family, "state", family_state (revoked, usable));
  return g_steal_pointer (&family);
}

JsonObject *
gh_token_records_list_families (GhStore          *store,
                                const GhProject  *project,
                                const char       *client_id,
                                const char       *username,
                                const char       *flow_id,
                                guint             limit,
                                GError          **error)
{
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autoptr(GhStmt) stmt = NULL;
  JsonArray *families = json_array_new ();
  gboolean ok, row;

  json_object_set_array_member (answer, "refresh_families", families);
  stmt = gh_store_prepare (store,
                           "SELECT f.id, f.client_id, u.username, f.flow_id, f.created_at, "
                           "f.revoked_at, f.revoked_reason, "
                           "(SELECT COUNT(*) FROM refresh_tokens t WHERE t.family_id = f.id), "
                           "(SELECT COUNT(*) FROM refresh_tokens t WHERE t.family_id = f.id "
                           "AND t.rotated_at IS NULL AND t.expires_at > ?5) "
                           "FROM refresh_families f JOIN users u ON u.id = f.user_id "
                           "WHERE f.project_id = ?1 AND (?2 IS NULL OR f.client_id = ?2) "
                           "AND (?3 IS NULL OR u.username = ?3) "
                           "AND (?6 IS NULL OR f.flow_id = ?6) "
                           "ORDER BY f.created_at DESC, f.rowid DESC LIMIT ?4",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_int64 (stmt, 1, project->id);
  gh_stmt_bind_text (stmt, 2, client_id);
  gh_stmt_bind_text (stmt, 3, username);
  gh_stmt_bind_int64 (stmt, 4, MIN (limit, GH_TOKEN_RECORDS_MAX_LIMIT));
  gh_stmt_bind_int64 (stmt, 5, gh_now_seconds ());
  gh_stmt_bind_text (stmt, 6, flow_id);
  while ((ok = gh_store_step (store, stmt, &row, error)) && row)
    {
      JsonObject *family = json_object_new ();
      gboolean revoked = sqlite3_column_type (stmt, 5) != SQLITE_NULL;

      set_text_column (family, "id", stmt, 0);
      set_text_column (family, "client_id", stmt, 1);
      set_text_column (family, "user_id", stmt, 2);
      set_text_column (family, "flow_id", stmt, 3);
      set_int_column (family, "created_at", stmt, 4);
      json_object_set_string_member (family, "state",
                                     family_state (revoked, sqlite3_column_int64 (stmt, 8)));
      set_int_column (family, "revoked_at", stmt, 5);
      set_text_column (family, "revoked_reason", stmt, 6);
      set_int_column (family, "generations", stmt, 7);
      json_array_add_object_element (families, family);
    }
  if (!ok)
    return NULL;
  return g_steal_pointer (&answer);
}

/* Whether one of @audiences is in @asked; *@slash_only when one differs from one of them by
 * a trailing slash alone. */
static gboolean
audience_in (GPtrArray  *audiences,
             char      **asked,
             gboolean   *slash_only)
{
  *slash_only = FALSE;
  for (guint i = 0; i < audiences->len; i++)
    for (guint j = 0; asked != NULL && asked[j] != NULL; j++)
      {
        if (g_str_equal (g_ptr_array_index (audiences, i), asked[j]))
          return TRUE;
        *slash_only |= gh_token_inspect_differ_by_slash (g_ptr_array_index (audiences, i),
                                                         asked[j]);
      }
  return FALSE;
}

/* aud against the resources asked for at one step (@step: "/authorize" or "/token"). */
static JsonObject *
compare_audience (GPtrArray   *audiences,
                  char       **asked,
                  const char  *issuer,
                  const char  *step)
{
  gboolean slash_only;
  JsonObject *check;

  if (asked == NULL || asked[0] == NULL)
    {
      gboolean is_issuer = audiences->len == 1 &&
                           g_str_equal (g_ptr_array_index (audiences, 0), issuer);

      check = is_issuer ?
              gh_token_check_new ("warn", "The client sent no resource to %s: aud is the "
                                  "issuer, which an MCP server refuses", step) :
              gh_token_check_new ("pass", "The client sent no resource to %s; aud comes from "
                                  "the one granted earlier", step);
    }
  else if (audience_in (audiences, asked, &slash_only))
    check = gh_token_check_new ("pass", "aud is a resource asked for at %s", step);
  else if (slash_only)
    {
      check = gh_token_check_new ("fail", "aud differs from the resource asked for at %s only "
                                  "by a trailing slash", step);
      json_object_set_boolean_member (check, "trailing_slash", TRUE);
    }
  else
    check = gh_token_check_new ("warn", "aud is none of the resources asked for at %s (a "
                                "resource given another audience by an administrator gives "
                                "that one)", step);
  json_object_set_array_member (check, "asked", gh_json_array_from_strv (asked));
  return check;
}

/* The token's scopes against those asked for: @narrowed (a refresh's scope) or else those of
 * /authorize. */
static JsonObject *
compare_scope (JsonObject  *claims,
               char       **authorized,
               const char  *narrowed)
{
  g_auto(GStrv) granted = g_strsplit (gh_json_get_string (claims, "scope") != NULL ?
                                      gh_json_get_string (claims, "scope") : "", " ", -1);
  g_auto(GStrv) asked = narrowed != NULL ? g_strsplit (narrowed, " ", -1) : g_strdupv (authorized);
  g_autoptr(GStrvBuilder) missing = g_strv_builder_new ();
  g_autoptr(GStrvBuilder) extra = g_strv_builder_new ();
  g_auto(GStrv) missing_v = NULL;
  g_auto(GStrv) extra_v = NULL;
  JsonObject *check;

  for (guint i = 0; asked != NULL && asked[i] != NULL; i++)
    if (*asked[i] != '\0' && !g_strv_contains ((const char * const *) granted, asked[i]))
      g_strv_builder_add (missing, asked[i]);
  for (guint i = 0; granted[i] != NULL; i++)
    if (*granted[i] != '\0' &&
        (asked == NULL || !g_strv_contains ((const char * const *) asked, granted[i])))
      g_strv_builder_add (extra, granted[i]);
  missing_v = g_strv_builder_end (missing);
  extra_v = g_strv_builder_end (extra);
  if (extra_v[0] != NULL)
    check = gh_token_check_new ("fail", "The token carries scopes nobody asked for");
  else if (missing_v[0] != NULL)
    check = gh_token_check_new ("warn", "Some scopes asked for are not in the token (a scope "
                                "another resource defines is left out of this one's tokens)");
  else
    check = gh_token_check_new ("pass", "The token's scopes are those asked for");
  json_object_set_array_member (check, "asked", gh_json_array_from_strv (asked));
  json_object_set_array_member (check, "missing", gh_json_array_from_strv (missing_v));
  json_object_set_array_member (check, "extra", gh_json_array_from_strv (extra_v));
  return check;
}

JsonObject *
gh_token_records_access_token (GhStore          *store,
                               const GhProject  *project,
                               const char       *issuer,
                               const char       *jti,
                               JsonObject       *claims,
                               GError          **error)
{
  g_autoptr(JsonObject) record = json_object_new ();
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(GPtrArray) audiences = gh_token_inspect_audiences (claims);
  g_auto(GStrv) authorized_scopes = NULL;
  g_auto(GStrv) authorized_resources = NULL;
  g_auto(GStrv) token_resources = NULL;
  g_autofree char *requested_scope = NULL;
  g_autoptr(JsonObject) asked = json_object_new ();
  g_autoptr(JsonObject) comparisons = json_object_new ();
  gboolean revoked, family_revoked, has_code, row;
  gint64 now = gh_now_seconds ();

  stmt = gh_store_prepare (store,
                           "SELECT t.jti, t.client_id, COALESCE (c.flow_id, f.flow_id), "
                           "t.issued_at, t.expires_at, t.revoked_at, t.family_id, "
                           "f.revoked_at, f.revoked_reason, "
                           "(SELECT COUNT(*) FROM refresh_tokens r WHERE r.family_id = "
                           "t.family_id AND r.rotated_at IS NULL AND r.expires_at > ?3), "
                           "c.code_hash IS NOT NULL, c.scopes, c.resources, "
                           "t.requested_resources, t.requested_scope "
                           "FROM access_tokens t "
                           "LEFT JOIN refresh_families f ON f.id = t.family_id "
                           "LEFT JOIN authorization_codes c "
                           "ON c.code_hash = COALESCE (t.code_hash, f.code_hash) "
                           "WHERE t.jti = ?1 AND t.project_id = ?2",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_text (stmt, 1, jti);
  gh_stmt_bind_int64 (stmt, 2, project->id);
  gh_stmt_bind_int64 (stmt, 3, now);
  if (!gh_store_step (store, stmt, &row, error) || !row)
    return NULL;
  if (audiences == NULL)
    audiences = g_ptr_array_new ();

  family_revoked = sqlite3_column_type (stmt, 7) != SQLITE_NULL;
  revoked = sqlite3_column_type (stmt, 5) != SQLITE_NULL || family_revoked;
  set_text_column (record, "jti", stmt, 0);
  set_text_column (record, "client_id", stmt, 1);
  set_text_column (record, "flow_id", stmt, 2);
  set_int_column (record, "issued_at", stmt, 3);
  set_int_column (record, "expires_at", stmt, 4);
  json_object_set_boolean_member (record, "revoked", revoked);
  set_int_column (record, "revoked_at", stmt, sqlite3_column_type (stmt, 5) != SQLITE_NULL ? 5 : 7);
  json_object_set_string_member (record, "state",
                                 revoked ? "revoked" :
                                 sqlite3_column_int64 (stmt, 4) <= now ? "expired" : "active");
  if (sqlite3_column_type (stmt, 6) != SQLITE_NULL)
    {
      JsonObject *family = json_object_new ();

      set_text_column (family, "id", stmt, 6);
      json_object_set_string_member (family, "state",
                                     family_state (family_revoked, sqlite3_column_int64 (stmt, 9)));
      set_int_column (family, "revoked_at", stmt, 7);
      set_text_column (family, "revoked_reason", stmt, 8);
      json_object_set_object_member (record, "family", family);
    }
  else
    json_object_set_null_member (record, "family");

  has_code = sqlite3_column_int (stmt, 10) != 0;
  authorized_scopes = gh_strv_from_json_text (gh_stmt_column_text (stmt, 11));
  authorized_resources = gh_strv_from_json_text (gh_stmt_column_text (stmt, 12));
  token_resources = gh_strv_from_json_text (gh_stmt_column_text (stmt, 13));
  requested_scope = g_strdup (gh_stmt_column_text (stmt, 14));
  gh_stmt_reset (g_steal_pointer (&stmt));

  if (has_code)
    {
      JsonObject *authorize = json_object_new ();

      json_object_set_array_member (authorize, "scopes",
                                    gh_json_array_from_strv (authorized_scopes));
      json_object_set_array_member (authorize, "resources",
                                    gh_json_array_from_strv (authorized_resources));
      json_object_set_object_member (asked, "authorize", authorize);
      json_object_set_object_member (comparisons, "aud_vs_authorize",
                                     compare_audience (audiences, authorized_resources, issuer,
                                                       "/authorize"));
      json_object_set_object_member (comparisons, "scope_vs_asked",
                                     compare_scope (claims, authorized_scopes, requested_scope));
    }
  else
    {
      /* The code goes with its client: deleted clients leave their tokens' records. */
      json_object_set_null_member (asked, "authorize");
      json_object_set_object_member (comparisons, "aud_vs_authorize",
                                     gh_token_check_new ("skip", "The authorization request "
                                                         "is no longer recorded"));
    }
  {
    JsonObject *token = json_object_new ();

    json_object_set_array_member (token, "resources", gh_json_array_from_strv (token_resources));
    if (requested_scope != NULL)
      json_object_set_string_member (token, "scope", requested_scope);
    else
      json_object_set_null_member (token, "scope");
    json_object_set_object_member (asked, "token", token);
    json_object_set_object_member (comparisons, "aud_vs_token",
                                   compare_audience (audiences, token_resources, issuer,
                                                     "/token"));
  }
  json_object_set_object_member (record, "asked", g_steal_pointer (&asked));
  json_object_set_object_member (record, "comparisons", g_steal_pointer (&comparisons));
  return g_steal_pointer (&record);
}

/* A token found by its hash, of @kind: the project it belongs to (@stmt's columns 0 and 1, its
 * slug and id) and whether that is @project. */
static JsonObject *
found_new (const char      *kind,
           GhStmt          *stmt,
           const GhProject *project)
{
  JsonObject *found = json_object_new ();

  json_object_set_string_member (found, "kind", kind);
  set_text_column (found, "project", stmt, 0);
  json_object_set_boolean_member (found, "this_project",
                                  sqlite3_column_int64 (stmt, 1) == project->id);
  return found;
}

static JsonObject *
find_refresh_token (GhStore          *store,
                    const GhProject  *project,
                    const char       *hash,
                    GError          **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  JsonObject *found;
  gboolean family_revoked, rotated, row;
  gint64 now = gh_now_seconds ();
  const char *state;

  stmt = gh_store_prepare (store,
                           "SELECT p.slug, p.id, t.family_id, f.client_id, u.username, f.flow_id, "
                           "t.created_at, t.expires_at, t.rotated_at, t.grace_used, "
                           "f.revoked_at, f.revoked_reason, "
                           "(SELECT COUNT(*) FROM refresh_tokens o WHERE o.family_id = "
                           "t.family_id AND o.rowid <= t.rowid) "
                           "FROM refresh_tokens t JOIN refresh_families f ON f.id = t.family_id "
                           "JOIN projects p ON p.id = f.project_id "
                           "JOIN users u ON u.id = f.user_id WHERE t.token_hash = ?",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_text (stmt, 1, hash);
  if (!gh_store_step (store, stmt, &row, error) || !row)
    return NULL;

  family_revoked = sqlite3_column_type (stmt, 10) != SQLITE_NULL;
  rotated = sqlite3_column_type (stmt, 8) != SQLITE_NULL;
  state = generation_state (family_revoked, rotated, sqlite3_column_int64 (stmt, 7), now);
  found = found_new ("refresh_token", stmt, project);
  set_text_column (found, "family_id", stmt, 2);
  set_int_column (found, "generation", stmt, 12);
  set_text_column (found, "client_id", stmt, 3);
  set_text_column (found, "user_id", stmt, 4);
  set_text_column (found, "flow_id", stmt, 5);
  set_int_column (found, "created_at", stmt, 6);
  set_int_column (found, "expires_at", stmt, 7);
  set_int_column (found, "rotated_at", stmt, 8);
  json_object_set_boolean_member (found, "grace_used", sqlite3_column_int (stmt, 9));
  json_object_set_string_member (found, "state", state);
  json_object_set_string_member (found, "family_state",
                                 family_revoked ? "revoked" : "not revoked");
  set_text_column (found, "revoked_reason", stmt, 11);
  {
    g_autofree char *summary =
      g_strdup_printf ("A refresh token of project %s: generation %" G_GINT64_FORMAT
                       " of family %s, %s",
                       gh_stmt_column_text (stmt, 0), (gint64) sqlite3_column_int64 (stmt, 12),
                       gh_stmt_column_text (stmt, 2), state);

    json_object_set_string_member (found, "summary", summary);
  }
  return found;
}

static JsonObject *
find_code (GhStore          *store,
           const GhProject  *project,
           const char       *hash,
           GError          **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  JsonObject *found;
  gint64 now = gh_now_seconds ();
  const char *state;
  gboolean row;

  stmt = gh_store_prepare (store,
                           "SELECT p.slug, p.id, c.client_id, c.flow_id, c.created_at, "
                           "c.expires_at, c.used_at FROM authorization_codes c "
                           "JOIN projects p ON p.id = c.project_id WHERE c.code_hash = ?",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_text (stmt, 1, hash);
  if (!gh_store_step (store, stmt, &row, error) || !row)
    return NULL;

  state = sqlite3_column_type (stmt, 6) != SQLITE_NULL ? "used" :
          sqlite3_column_int64 (stmt, 5) <= now ? "expired" : "unused";
  found = found_new ("authorization_code", stmt, project);
  set_text_column (found, "client_id", stmt, 2);
  set_text_column (found, "flow_id", stmt, 3);
  set_int_column (found, "created_at", stmt, 4);
  set_int_column (found, "expires_at", stmt, 5);
  set_int_column (found, "used_at", stmt, 6);
  json_object_set_string_member (found, "state", state);
  {
    g_autofree char *summary = g_strdup_printf ("An authorization code of project %s, %s",
                                                gh_stmt_column_text (stmt, 0), state);

    json_object_set_string_member (found, "summary", summary);
  }
  return found;
}

JsonObject *
gh_token_records_find_secret (GhStore          *store,
                              const GhProject  *project,
                              const char       *token,
                              GError          **error)
{
  g_autofree char *hash = gh_sha256_base64url (token);
  JsonObject *found;

  found = find_refresh_token (store, project, hash, error);
  if (found != NULL || (error != NULL && *error != NULL))
    return found;
  return find_code (store, project, hash, error);
}

JsonObject *
gh_token_records_access_token_claims (GhStore          *store,
                                      const GhProject  *project,
                                      const char       *issuer,
                                      const char       *jti,
                                      GError          **error)
{
  g_autoptr(JsonObject) recorded = json_object_new ();
  g_autoptr(JsonObject) claims = json_object_new ();
  g_autoptr(JsonObject) details = NULL;
  g_autoptr(GhStmt) stmt = NULL;
  gboolean row;

  /* The token's event is found in its flow's events (indexed by flow) by its jti. */
  stmt = gh_store_prepare (store,
                           "SELECT t.client_id, t.issued_at, t.expires_at, u.username, "
                           "COALESCE (c.auth_time, f.auth_time), e.id, e.type, e.details "
                           "FROM access_tokens t "
                           "LEFT JOIN refresh_families f ON f.id = t.family_id "
                           "LEFT JOIN authorization_codes c "
                           "ON c.code_hash = COALESCE (t.code_hash, f.code_hash) "
                           "LEFT JOIN users u ON u.id = COALESCE (f.user_id, c.user_id) "
                           "LEFT JOIN audit_events e ON e.project_id = t.project_id "
                           "AND e.flow_id = COALESCE (c.flow_id, f.flow_id) "
                           "AND e.type IN ('token.issued', 'token.refreshed') "
                           "AND json_extract (e.details, '$.jti') = t.jti "
                           "WHERE t.jti = ?1 AND t.project_id = ?2 LIMIT 1",
                           error);
  if (stmt == NULL)
    return NULL;
  gh_stmt_bind_text (stmt, 1, jti);
  gh_stmt_bind_int64 (stmt, 2, project->id);
  if (!gh_store_step (store, stmt, &row, error) || !row)
    return NULL;
  if (gh_stmt_column_text (stmt, 7) != NULL)
    details = gh_json_parse_object_strict (gh_stmt_column_text (stmt, 7),
                                           strlen (gh_stmt_column_text (stmt, 7)), NULL);

  /* In the order and form gh_tokens' issue () signs them. */
  json_object_set_string_member (claims, "iss", issuer);
  if (gh_stmt_column_text (stmt, 3) != NULL)
    json_object_set_string_member (claims, "sub", gh_stmt_column_text (stmt, 3));
  if (details != NULL && json_object_get_member (details, "aud") != NULL &&
      JSON_NODE_HOLDS_ARRAY (json_object_get_member (details, "aud")))
    {
      JsonArray *aud = json_object_get_array_member (details, "aud");

      if (json_array_get_length (aud) == 1)
        json_object_set_member (claims, "aud",
                                json_node_copy (json_array_get_element (aud, 0)));
      else
        json_object_set_array_member (claims, "aud", json_array_ref (aud));
    }
  set_text_column (claims, "client_id", stmt, 0);
  if (details != NULL && gh_json_get_string (details, "scope") != NULL)
    json_object_set_string_member (claims, "scope", gh_json_get_string (details, "scope"));
  set_int_column (claims, "iat", stmt, 1);
  set_int_column (claims, "exp", stmt, 2);
  json_object_set_string_member (claims, "jti", jti);
  if (sqlite3_column_type (stmt, 4) != SQLITE_NULL)
    set_int_column (claims, "auth_time", stmt, 4);

  json_object_set_object_member (recorded, "claims", g_steal_pointer (&claims));
  json_object_set_boolean_member (recorded, "complete",
                                  details != NULL && gh_stmt_column_text (stmt, 3) != NULL);
  set_int_column (recorded, "event_id", stmt, 5);
  set_text_column (recorded, "event_type", stmt, 6);
  if (details != NULL && gh_json_get_string (details, "kid") != NULL)
    json_object_set_string_member (recorded, "kid", gh_json_get_string (details, "kid"));
  else
    json_object_set_null_member (recorded, "kid");
  if (details != NULL && json_object_has_member (details, "generation"))
    json_object_set_member (recorded, "generation",
                            json_node_copy (json_object_get_member (details, "generation")));
  else
    json_object_set_null_member (recorded, "generation");
  json_object_set_boolean_member (recorded, "id_token",
                                  details != NULL &&
                                  json_object_get_boolean_member_with_default (details,
                                                                               "id_token",
                                                                               FALSE));
  return g_steal_pointer (&recorded);
}
