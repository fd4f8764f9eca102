/* gh-admin-project-routes.c — admin handlers for what a project holds (IATs, users, resources),
 * project deletion, and the signing keys
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-admin"

#include "config.h"

#include <string.h>

#include "gh-admin-private.h"
#include "gh-error.h"
#include "gh-http.h"
#include "gh-json.h"
#include "gh-time.h"

#define PROJECTS_PREFIX "/admin/v1/projects/"

/* The project named by the path's {slug} (/admin/v1/projects/{slug}/...); answers 404 itself
 * when there is none. */
GhProject *
_gh_admin_load_path_project (GhRequest *request)
{
  const char *start = request->path + strlen (PROJECTS_PREFIX);
  const char *end = strchr (start, '/');
  g_autofree char *slug = end != NULL ? g_strndup (start, end - start) : g_strdup (start);

  return _gh_admin_load_project_named (request, slug);
}

/* 204, no body: what a removal answers. */
void
_gh_admin_send_no_content (GhRequest *request)
{
  gh_http_set_no_store (request->msg);
  soup_server_message_set_status (request->msg, SOUP_STATUS_NO_CONTENT, NULL);
}

/* Member @name of @body as a whole number in @min..@max, left as it is when absent; FALSE
 * with INVALID_REQUEST otherwise. */
gboolean
_gh_admin_get_optional_int (JsonObject  *body,
                            const char  *name,
                            gint64       min,
                            gint64       max,
                            gint64      *out,
                            GError     **error)
{
  gint64 value;

  if (!json_object_has_member (body, name))
    return TRUE;
  if (!gh_json_get_int (body, name, &value) || value < min || value > max)
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                            "“%s” must be a whole number from %" G_GINT64_FORMAT " to %"
                            G_GINT64_FORMAT, name, min, max);
  *out = value;
  return TRUE;
}

/* Member @name of @body as an object (a borrowed reference), NULL when absent; FALSE with
 * INVALID_REQUEST when it is something else. */
static gboolean
get_optional_object (JsonObject   *body,
                     const char   *name,
                     JsonObject  **out,
                     GError      **error)
{
  JsonNode *node = json_object_get_member (body, name);

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST, "“%s” must be a JSON object",
                            name);
  *out = json_node_get_object (node);
  return TRUE;
}

/* {"@member": [each of @items as @to_json gives it]} */
static void
send_list (GhRequest  *request,
           const char *member,
           GPtrArray  *items,
           JsonObject *(*to_json) (gconstpointer item, gint64 now))
{
  g_autoptr(JsonObject) object = json_object_new ();
  JsonArray *array = json_array_sized_new (items->len);
  gint64 now = gh_now_seconds ();

  for (guint i = 0; i < items->len; i++)
    json_array_add_object_element (array, to_json (g_ptr_array_index (items, i), now));
  json_object_set_array_member (object, member, array);
  _gh_admin_send_json (request, SOUP_STATUS_OK, object);
}

/* DELETE /admin/v1/projects/{slug}: the project and everything in it; never the default. */
void
_gh_admin_delete_project (GhRequest *request,
                          GhProject *project)
{
  g_autoptr(JsonObject) removed = NULL;
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GError) error = NULL;

  if (!gh_projects_delete (request->server->projects, project->slug, GH_ADMIN_ACTOR, &removed,
                           &error))
    {
      _gh_admin_send_error (request, error);
      return;
    }
  json_object_set_string_member (object, "deleted", project->slug);
  json_object_set_object_member (object, "removed", g_steal_pointer (&removed));
  _gh_admin_send_json (request, SOUP_STATUS_OK, object);
}

/* Initial Access Tokens */

static JsonObject *
iat_to_json (gconstpointer item,
             gint64        now)
{
  return gh_iat_to_json (item, now);
}

static void
issue_iat (GhRequest *request,
           GhProject *project)
{
  static const char * const fields[] = { "label", "max_uses", "expires_in", "pinned", NULL };
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GhIat) iat = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  JsonObject *pinned;
  const char *label;
  /* The CLI's defaults: one registration, within a day. */
  gint64 max_uses = 1;
  gint64 expires_in = 86400;

  body = _gh_admin_read_body (request, fields, &error);
  if (body == NULL ||
      !_gh_admin_get_optional_string (body, "label", &label, &error) ||
      !_gh_admin_get_optional_int (body, "max_uses", 1, 1000000, &max_uses, &error) ||
      !_gh_admin_get_optional_int (body, "expires_in", 0, 366 * 86400, &expires_in, &error) ||
      !get_optional_object (body, "pinned", &pinned, &error))
    {
      _gh_admin_send_error (request, error);
      return;
    }
  iat = gh_iats_issue (request->server->iats, project, label, max_uses, expires_in, pinned,
                       GH_ADMIN_ACTOR, &token, &error);
  if (iat == NULL)
    {
      _gh_admin_send_error (request, error);
      return;
    }
  /* The only answer that ever carries the token: it is stored hashed. */
  json_object_set_string_member (object, "token", token);
  json_object_set_object_member (object, "initial_access_token",
                                 gh_iat_to_json (iat, gh_now_seconds ()));
  if (project->settings->dcr_mode != GH_DCR_MODE_INITIAL_ACCESS_TOKEN)
    {
      g_autofree char *note = g_strdup_printf ("dcr_mode is %s: the token is used only when "
                                               "dcr_mode is initial_access_token",
                                               gh_dcr_mode_to_string (project->settings->dcr_mode));
      json_object_set_string_member (object, "note", note);
    }
  _gh_admin_send_json (request, SOUP_STATUS_CREATED, object);
}

/* GET|POST /admin/v1/projects/{slug}/iats */
void
_gh_admin_handle_iats (GhRequest *request)
{
  g_autoptr(GhProject) project = _gh_admin_load_path_project (request);
  g_autoptr(GPtrArray) iats = NULL;
  g_autoptr(GError) error = NULL;

  if (project == NULL)
    return;
  if (gh_http_method_is (request->msg, "POST"))
    {
      issue_iat (request, project);
      return;
    }
  iats = gh_iats_list (request->server->iats, project->id, &error);
  if (iats == NULL)
    _gh_admin_send_error (request, error);
  else
    send_list (request, "initial_access_tokens", iats, iat_to_json);
}

/* DELETE /admin/v1/projects/{slug}/iats/{id}: revokes; 404 when there is no unrevoked one. */
void
_gh_admin_handle_iat (GhRequest *request)
{
  g_autoptr(GhProject) project = _gh_admin_load_path_project (request);
  g_autoptr(GError) error = NULL;

  if (project == NULL)
    return;
  if (!gh_iats_revoke (request->server->iats, project, _gh_admin_path_argument (request),
                       GH_ADMIN_ACTOR, &error))
    _gh_admin_send_error (request, error);
  else
    _gh_admin_send_no_content (request);
}

/* Users: development users have no password (the login page takes a user name), so there is
 * none to set, return or hash; a "password" member is refused like any unknown one. */

static JsonObject *
user_to_json (gconstpointer item,
              gint64        now)
{
  return gh_user_to_json (item);
}

/* name, email and claims of @body; FALSE with INVALID_REQUEST when one has the wrong type. */
static gboolean
read_user_fields (JsonObject   *body,
                  const char  **name,
                  const char  **email,
                  JsonObject  **claims,
                  GError      **error)
{
  return _gh_admin_get_optional_string (body, "name", name, error) &&
         _gh_admin_get_optional_string (body, "email", email, error) &&
         get_optional_object (body, "claims", claims, error);
}

static void
add_user (GhRequest *request,
          GhProject *project)
{
  static const char * const fields[] = { "username", "name", "email", "claims", NULL };
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GhUser) user = NULL;
  g_autoptr(GError) error = NULL;
  const char *username, *name, *email;
  JsonObject *claims;

  body = _gh_admin_read_body (request, fields, &error);
  if (body == NULL ||
      !_gh_admin_get_optional_string (body, "username", &username, &error) ||
      !read_user_fields (body, &name, &email, &claims, &error))
    {
      _gh_admin_send_error (request, error);
      return;
    }
  if (username == NULL)
    {
      _gh_admin_refuse (request, GH_OAUTH_ERROR_INVALID_REQUEST, "“username” is required");
      return;
    }
  user = gh_users_add (request->server->users, project, username, name, email, claims,
                       GH_ADMIN_ACTOR, &error);
  if (user == NULL)
    {
      _gh_admin_send_error (request, error);
      return;
    }
  object = gh_user_to_json (user);
  _gh_admin_send_json (request, SOUP_STATUS_CREATED, object);
}

/* GET|POST /admin/v1/projects/{slug}/users */
void
_gh_admin_handle_users (GhRequest *request)
{
  g_autoptr(GhProject) project = _gh_admin_load_path_project (request);
  g_autoptr(GPtrArray) users = NULL;
  g_autoptr(GError) error = NULL;

  if (project == NULL)
    return;
  if (gh_http_method_is (request->msg, "POST"))
    {
      add_user (request, project);
      return;
    }
  users = gh_users_list (request->server->users, project->id, &error);
  if (users == NULL)
    _gh_admin_send_error (request, error);
  else
    send_list (request, "users", users, user_to_json);
}

static void
update_user (GhRequest  *request,
             GhProject  *project,
             const char *username)
{
  static const char * const fields[] = { "name", "email", "claims", NULL };
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GhUser) user = NULL;
  g_autoptr(GError) error = NULL;
  const char *name, *email;
  JsonObject *claims;

  body = _gh_admin_read_body (request, fields, &error);
  if (body == NULL || !read_user_fields (body, &name, &email, &claims, &error))
    {
      _gh_admin_send_error (request, error);
      return;
    }
  if (json_object_get_size (body) == 0)
    {
      _gh_admin_refuse (request, GH_OAUTH_ERROR_INVALID_REQUEST,
                        "Send at least one of “name”, “email” and “claims”");
      return;
    }
  user = gh_users_update (request->server->users, project, username, name, email, claims,
                          GH_ADMIN_ACTOR, &error);
  if (user == NULL)
    {
      _gh_admin_send_error (request, error);
      return;
    }
  object = gh_user_to_json (user);
  _gh_admin_send_json (request, SOUP_STATUS_OK, object);
}

/* PATCH|DELETE /admin/v1/projects/{slug}/users/{name} */
void
_gh_admin_handle_user (GhRequest *request)
{
  g_autoptr(GhProject) project = _gh_admin_load_path_project (request);
  const char *username = _gh_admin_path_argument (request);
  g_autoptr(GError) error = NULL;

  if (project == NULL)
    return;
  /* A name that breaks the rules is not reflected: it names no user. */
  if (!gh_users_check_username (username, NULL))
    {
      _gh_admin_refuse (request, GH_OAUTH_ERROR_NOT_FOUND, "No such user");
      return;
    }
  if (gh_http_method_is (request->msg, "PATCH"))
    update_user (request, project, username);
  else if (!gh_users_remove (request->server->users, project, username, GH_ADMIN_ACTOR, &error))
    _gh_admin_send_error (request, error);
  else
    _gh_admin_send_no_content (request);
}

/* Resources */

/* The resource's JSON form and its "id", which DELETE .../resources/{id} takes. */
JsonObject *
_gh_admin_resource_to_json (const GhResource *resource)
{
  JsonObject *object = gh_resource_to_json (resource);

  json_object_set_int_member (object, "id", resource->id);
  return object;
}

static JsonObject *
resource_to_json (gconstpointer item,
                  gint64        now)
{
  return _gh_admin_resource_to_json (item);
}

/* "scopes": a list of scope names, as the space-separated text the model takes. */
static gboolean
read_scopes (JsonObject  *body,
             char       **out,
             GError     **error)
{
  JsonNode *node = json_object_get_member (body, "scopes");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) scopes = NULL;
  JsonArray *array;

  *out = NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                            "“scopes” must be a list of scope names");
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      const char *scope = gh_json_array_get_string (array, i);

      if (scope == NULL)
        return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                                "“scopes” must be a list of scope names");
      g_strv_builder_add (builder, scope);
    }
  scopes = g_strv_builder_end (builder);
  *out = g_strjoinv (" ", scopes);
  return TRUE;
}

static void
add_resource (GhRequest *request,
              GhProject *project)
{
  static const char * const fields[] = { "uri", "display_name", "scopes", "audience", NULL };
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GhResource) resource = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *scopes = NULL;
  const char *uri, *display_name, *audience;

  body = _gh_admin_read_body (request, fields, &error);
  if (body == NULL ||
      !_gh_admin_get_optional_string (body, "uri", &uri, &error) ||
      !_gh_admin_get_optional_string (body, "display_name", &display_name, &error) ||
      !_gh_admin_get_optional_string (body, "audience", &audience, &error) ||
      !read_scopes (body, &scopes, &error))
    {
      _gh_admin_send_error (request, error);
      return;
    }
  if (uri == NULL)
    {
      _gh_admin_refuse (request, GH_OAUTH_ERROR_INVALID_REQUEST, "“uri” is required");
      return;
    }
  resource = gh_resources_add (request->server->resources, project, uri, display_name, scopes,
                               audience, GH_ADMIN_ACTOR, &error);
  if (resource == NULL)
    {
      _gh_admin_send_error (request, error);
      return;
    }
  object = _gh_admin_resource_to_json (resource);
  _gh_admin_send_json (request, SOUP_STATUS_CREATED, object);
}

/* GET|POST /admin/v1/projects/{slug}/resources */
void
_gh_admin_handle_resources (GhRequest *request)
{
  g_autoptr(GhProject) project = _gh_admin_load_path_project (request);
  g_autoptr(GPtrArray) resources = NULL;
  g_autoptr(GError) error = NULL;

  if (project == NULL)
    return;
  if (gh_http_method_is (request->msg, "POST"))
    {
      add_resource (request, project);
      return;
    }
  resources = gh_resources_list (request->server->resources, project->id, &error);
  if (resources == NULL)
    _gh_admin_send_error (request, error);
  else
    send_list (request, "resources", resources, resource_to_json);
}

/* DELETE /admin/v1/projects/{slug}/resources/{id} */
void
_gh_admin_handle_resource (GhRequest *request)
{
  g_autoptr(GhProject) project = _gh_admin_load_path_project (request);
  g_autoptr(GPtrArray) resources = NULL;
  g_autoptr(GError) error = NULL;
  const GhResource *found = NULL;
  guint64 id;

  if (project == NULL)
    return;
  if (!g_ascii_string_to_unsigned (_gh_admin_path_argument (request), 10, 1, G_MAXINT64, &id,
                                   NULL))
    {
      _gh_admin_refuse (request, GH_OAUTH_ERROR_NOT_FOUND, "No such resource");
      return;
    }
  resources = gh_resources_list (request->server->resources, project->id, &error);
  if (resources == NULL)
    {
      _gh_admin_send_error (request, error);
      return;
    }
  for (guint i = 0; found == NULL && i < resources->len; i++)
    if (((GhResource *) g_ptr_array_index (resources, i))->id == (gint64) id)
      found = g_ptr_array_index (resources, i);
  if (found == NULL)
    _gh_admin_refuse (request, GH_OAUTH_ERROR_NOT_FOUND, "No such resource in this project");
  else if (!gh_resources_remove (request->server->resources, project, found->uri, GH_ADMIN_ACTOR,
                                 &error))
    _gh_admin_send_error (request, error);
  else
    _gh_admin_send_no_content (request);
}

/* Signing keys (the instance's: every project publishes the same JWKS) */

/* The model's form with "state" as a verifier sees the key (active, published, retired), the
 * finer lifecycle as "phase" (signing, next, unused, retired, expired), and "verifies": the
 * tokens it can still verify, those it signed from "signed_from" until "signed_until" (null:
 * still signing), while it stays published ("until"; null: while current); null when it
 * verifies none. */
static JsonObject *
key_to_json (gconstpointer item,
             gint64        now)
{
  const GhSigningKeyInfo *info = item;
  JsonObject *object = gh_signing_key_info_to_json (info, now);
  const char *phase = gh_signing_key_info_get_state (info, now);
  JsonObject *verifies;

  json_object_set_string_member (object, "phase", phase);
  json_object_set_string_member (object, "state", gh_signing_key_info_get_status (info));
  if (!json_object_has_member (object, "retired_at"))
    json_object_set_null_member (object, "retired_at");
  if (!info->published || g_str_equal (phase, "unused") || g_str_equal (phase, "next"))
    {
      json_object_set_null_member (object, "verifies");
      return object;
    }
  verifies = json_object_new ();
  json_object_set_int_member (verifies, "signed_from", info->active_from);
  if (info->retired_at != 0)
    json_object_set_int_member (verifies, "signed_until", info->retired_at);
  else
    json_object_set_null_member (verifies, "signed_until");
  if (info->expires_at != 0)
    json_object_set_int_member (verifies, "until", info->expires_at);
  else
    json_object_set_null_member (verifies, "until");
  json_object_set_object_member (object, "verifies", verifies);
  return object;
}

/* GET /admin/v1/keys */
void
_gh_admin_handle_keys (GhRequest *request)
{
  g_autoptr(GPtrArray) keys = NULL;
  g_autoptr(GError) error = NULL;

  keys = gh_signing_keys_list (request->server->signing_keys, &error);
  if (keys == NULL)
    _gh_admin_send_error (request, error);
  else
    send_list (request, "keys", keys, key_to_json);
}

/* POST /admin/v1/keys/rotate {alg?, activate_after?}: a new key, published now, signing after
 * activate_after seconds (300 by default, as the CLI); the keys it replaces stay published as
 * long as a token they signed can live. */
void
_gh_admin_handle_keys_rotate (GhRequest *request)
{
  static const char * const fields[] = { "alg", "activate_after", NULL };
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GPtrArray) keys = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *kid = NULL;
  JsonArray *retired = json_array_new ();
  JsonArray *list;
  GhJwsAlg alg = GH_JWS_ALG_ES256;
  gint64 activate_after = 300;
  gint64 longest;
  const char *alg_name;

  body = _gh_admin_read_body (request, fields, &error);
  if (body == NULL ||
      !_gh_admin_get_optional_string (body, "alg", &alg_name, &error) ||
      !_gh_admin_get_optional_int (body, "activate_after", 0, 30 * 86400, &activate_after,
                                   &error))
    goto fail;
  if (alg_name != NULL && (alg = gh_jws_alg_from_string (alg_name)) == GH_JWS_ALG_INVALID)
    {
      gh_oauth_refuse (&error, GH_OAUTH_ERROR_INVALID_REQUEST, "“alg” is ES256 or RS256");
      goto fail;
    }
  longest = gh_projects_max_access_token_ttl (request->server->projects, &error);
  if (longest < 0)
    goto fail;
  kid = gh_signing_keys_rotate (request->server->signing_keys, alg, activate_after, longest,
                                GH_ADMIN_ACTOR, &error);
  if (kid == NULL || (keys = gh_signing_keys_list (request->server->signing_keys, &error)) == NULL)
    goto fail;

  list = json_array_sized_new (keys->len);
  for (guint i = 0; i < keys->len; i++)
    {
      GhSigningKeyInfo *info = g_ptr_array_index (keys, i);

      if (g_str_equal (info->kid, kid))
        json_object_set_int_member (object, "active_from", info->active_from);
      json_array_add_object_element (list, key_to_json (info, gh_now_seconds ()));
    }
  /* Retired by this rotation: those that stop signing when the new key starts. */
  for (guint i = 0; i < keys->len; i++)
    {
      GhSigningKeyInfo *info = g_ptr_array_index (keys, i);

      if (!g_str_equal (info->kid, kid) &&
          info->retired_at == json_object_get_int_member (object, "active_from"))
        json_array_add_string_element (retired, info->kid);
    }
  json_object_set_string_member (object, "kid", kid);
  json_object_set_array_member (object, "retired_kids", g_steal_pointer (&retired));
  json_object_set_array_member (object, "keys", list);
  _gh_admin_send_json (request, SOUP_STATUS_CREATED, object);
  return;

fail:
  if (retired != NULL)
    json_array_unref (retired);
  _gh_admin_send_error (request, error);
}
