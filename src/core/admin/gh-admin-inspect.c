/* gh-admin-inspect.c — the admin routes that look into a project's tokens and clients: refresh
 * families and their lineage, token inspection, and which client families can get in
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-admin"

#include "config.h"

#include <string.h>

#include "gh-admin-private.h"
#include "gh-admin-tokens.h"
#include "gh-compat.h"
#include "gh-iats.h"
#include "gh-json.h"
#include "gh-jws.h"
#include "gh-time.h"
#include "gh-token-inspect.h"
#include "gh-token-records.h"
#include "gh-tokens.h"

/* Families a list holds unless told otherwise. */
#define DEFAULT_FAMILY_LIMIT 50

/* Segment @index of @request's path ("/admin/v1/projects/{slug}/..." : the slug is 4). */
static char *
path_segment (GhRequest *request,
              guint      index)
{
  g_auto(GStrv) segments = g_strsplit (request->path, "/", -1);

  return index < g_strv_length (segments) ? g_strdup (segments[index]) : NULL;
}

/* The project the path names (its fourth segment); answers 404 itself when there is none. */
static GhProject *
load_path_project (GhRequest *request)
{
  g_autofree char *slug = path_segment (request, 4);

  return _gh_admin_load_project_named (request, slug);
}

/* @answer (taken) with 200, or @error when it is NULL. */
static void
send_answer (GhRequest    *request,
             JsonObject   *answer,
             const GError *error)
{
  if (answer == NULL)
    {
      _gh_admin_send_error (request, error);
      return;
    }
  _gh_admin_send_json (request, SOUP_STATUS_OK, answer);
  json_object_unref (answer);
}

/* GET /admin/v1/projects/{slug}/refresh-families?client_id=&user_id=&flow_id=&limit=: the
 * project's refresh families, newest first. */
void
_gh_admin_handle_refresh_families (GhRequest *request)
{
  static const char * const names[] = { "client_id", "user_id", "flow_id", "limit", NULL };
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GHashTable) params = NULL;
  JsonObject *answer;
  g_autoptr(GError) error = NULL;
  const char *limit_text;
  guint64 limit = DEFAULT_FAMILY_LIMIT;

  project = load_path_project (request);
  if (project == NULL)
    return;
  params = _gh_admin_read_query (request, names, &error);
  if (params == NULL)
    {
      _gh_admin_send_error (request, error);
      return;
    }
  limit_text = g_hash_table_lookup (params, "limit");
  if (limit_text != NULL &&
      !g_ascii_string_to_unsigned (limit_text, 10, 1, GH_TOKEN_RECORDS_MAX_LIMIT, &limit, NULL))
    {
      gh_oauth_refuse (&error, GH_OAUTH_ERROR_INVALID_REQUEST, "“limit” must be a whole number "
                       "from 1 to %d", GH_TOKEN_RECORDS_MAX_LIMIT);
      _gh_admin_send_error (request, error);
      return;
    }
  answer = gh_token_records_list_families (request->server->store, project,
                                           g_hash_table_lookup (params, "client_id"),
                                           g_hash_table_lookup (params, "user_id"),
                                           g_hash_table_lookup (params, "flow_id"),
                                           (guint) limit, &error);
  send_answer (request, answer, error);
}

/* GET /admin/v1/projects/{slug}/refresh-families/{id}: one family and its lineage. */
void
_gh_admin_handle_refresh_family (GhRequest *request)
{
  static const char * const no_names[] = { NULL };
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *family = NULL;

  project = load_path_project (request);
  if (project == NULL)
    return;
  params = _gh_admin_read_query (request, no_names, &error);
  if (params != NULL)
    family = gh_token_records_family (request->server->store, project,
                                      _gh_admin_path_argument (request), &error);
  send_answer (request, family, error);
}

/* The audiences of @project's tokens: its issuer, and each resource's audience and URI. */
static GStrv
project_audiences (GhRequest       *request,
                   const GhProject *project,
                   const char      *issuer,
                   GError         **error)
{
  g_autoptr(GPtrArray) resources = gh_resources_list (request->server->resources, project->id,
                                                      error);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (resources == NULL)
    return NULL;
  g_strv_builder_add (builder, issuer);
  for (guint i = 0; i < resources->len; i++)
    {
      GhResource *resource = g_ptr_array_index (resources, i);

      g_strv_builder_add (builder, resource->audience);
      g_strv_builder_add (builder, resource->uri);
    }
  return g_strv_builder_end (builder);
}

/* What the store knows of a JWT with @claims: issued here (jti), revoked; and whether this
 * server's own verification (/introspect, /userinfo) accepts @token (NULL: its value is not
 * at hand, and the verdict of the checks from the record stands for it). */
static gboolean
add_issued_here (GhRequest       *request,
                 const GhProject *project,
                 const char      *issuer,
                 const char      *token,
                 JsonObject      *report,
                 GError         **error)
{
  JsonObject *checks = json_object_get_object_member (report, "checks");
  JsonObject *claims = json_object_get_member (report, "claims") != NULL &&
                       JSON_NODE_HOLDS_OBJECT (json_object_get_member (report, "claims")) ?
                       json_object_get_object_member (report, "claims") : NULL;
  const char *jti = claims != NULL ? gh_json_get_string (claims, "jti") : NULL;
  g_autoptr(JsonObject) record = NULL;
  g_autoptr(JsonObject) accepted = json_object_new ();
  g_autoptr(JsonObject) verified = NULL;
  g_autoptr(GError) refusal = NULL;

  if (jti != NULL)
    {
      record = gh_token_records_access_token (request->server->store, project, issuer, jti,
                                              claims, error);
      if (record == NULL && error != NULL && *error != NULL)
        return FALSE;
    }
  if (record != NULL)
    {
      JsonObject *family = json_object_get_member (record, "family") != NULL &&
                           !json_object_get_null_member (record, "family") ?
                           json_object_get_object_member (record, "family") : NULL;
      JsonObject *revocation;

      if (!json_object_get_boolean_member (record, "revoked"))
        revocation = gh_token_check_new ("pass", "Not revoked");
      else if (family != NULL && !json_object_get_null_member (family, "revoked_at"))
        revocation = gh_token_check_new ("fail", "Revoked with its refresh family (%s)",
                                         gh_json_get_string (family, "revoked_reason"));
      else
        revocation = gh_token_check_new ("fail", "Revoked");
      json_object_set_object_member (checks, "issued_here",
                                     gh_token_check_new ("pass", "Issued by this project to "
                                                         "client %s",
                                                         gh_json_get_string (record,
                                                                             "client_id")));
      json_object_set_object_member (checks, "revocation", revocation);
      json_object_set_object_member (report, "issued_here", json_object_ref (record));
    }
  else
    {
      JsonObject *check;

      if (claims == NULL)
        check = gh_token_check_new ("skip", "No claims to look up");
      else if (jti == NULL)
        check = gh_token_check_new ("fail", "No jti: this project's tokens always carry one");
      else if (g_strcmp0 (gh_json_get_string (claims, "iss"), issuer) == 0)
        check = gh_token_check_new ("fail", "This project issued no token with this jti");
      else
        check = gh_token_check_new ("skip", "Not issued by this project (iss is another "
                                    "issuer)");
      json_object_set_object_member (checks, "issued_here", check);
      json_object_set_null_member (report, "issued_here");
    }

  if (token == NULL)
    {
      gh_token_inspect_conclude (report);
      json_object_set_boolean_member (accepted, "accepted",
                                      g_str_equal (gh_json_get_string (report, "verdict"),
                                                   "valid"));
      json_object_set_string_member (accepted, "reason", "Judged from the token's record: its "
                                     "key published, not expired, not revoked");
      json_object_set_object_member (report, "accepted_by_this_server",
                                     g_steal_pointer (&accepted));
      return TRUE;
    }
  verified = gh_tokens_verify_access_token (request->server->tokens, project, issuer, token,
                                            &refusal);
  json_object_set_boolean_member (accepted, "accepted", verified != NULL);
  if (refusal != NULL)
    json_object_set_string_member (accepted, "reason", refusal->message);
  else
    json_object_set_null_member (accepted, "reason");
  json_object_set_object_member (report, "accepted_by_this_server",
                                 g_steal_pointer (&accepted));
  gh_token_inspect_conclude (report);
  return TRUE;
}

/* What a token that is no JWT is: a refresh token or code of this server (by its hash), a
 * token recognised by its prefix, or nothing of this server. */
static JsonObject *
inspect_opaque (GhRequest        *request,
                const GhProject  *project,
                const char       *token,
                GError          **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonObject *report;

  report = gh_token_records_find_secret (request->server->store, project, token, &local_error);
  if (report != NULL)
    return report;
  if (local_error != NULL)
    return g_propagate_error (error, g_steal_pointer (&local_error)), NULL;
  report = json_object_new ();
  if (g_str_has_prefix (token, GH_ADMIN_TOKEN_PREFIX))
    {
      json_object_set_string_member (report, "kind", "admin_token");
      json_object_set_string_member (report, "summary", "Has the form of an admin token "
                                     "(" GH_ADMIN_TOKEN_PREFIX "...): list admin tokens with "
                                     "GET /admin/v1/admin-tokens; this route does not look "
                                     "them up");
    }
  else if (g_str_has_prefix (token, GH_IAT_PREFIX))
    {
      json_object_set_string_member (report, "kind", "initial_access_token");
      json_object_set_string_member (report, "summary", "Has the form of an initial access "
                                     "token (" GH_IAT_PREFIX "...), which only /register "
                                     "takes; this route does not look them up");
    }
  else
    {
      json_object_set_string_member (report, "kind", "unknown");
      json_object_set_string_member (report, "summary", "Not a token of this server: no JWT, "
                                     "and no refresh token or authorization code it issued "
                                     "has this value");
    }
  return report;
}

static JsonObject *
inspect (GhRequest        *request,
         const GhProject  *project,
         const char       *token,
         const char       *resource,
         GError          **error)
{
  g_autofree char *issuer = gh_server_build_issuer (request->server, project->slug);
  g_auto(GStrv) audiences = NULL;
  g_autoptr(JsonObject) report = NULL;

  if (*token == '\0')
    {
      report = json_object_new ();
      json_object_set_string_member (report, "kind", "malformed");
      json_object_set_string_member (report, "summary", "The token is empty");
    }
  else if (!gh_token_inspect_is_jwt_shaped (token))
    report = inspect_opaque (request, project, token, error);
  else if ((audiences = project_audiences (request, project, issuer, error)) != NULL)
    {
      report = gh_token_inspect_jwt (token, request->server->signing_keys, issuer, resource,
                                     (const char * const *) audiences, gh_now_seconds ());
      if (!add_issued_here (request, project, issuer, token, report, error))
        return NULL;
    }
  if (report == NULL)
    return NULL;
  /* The token itself is never repeated, logged or stored: only its length. */
  json_object_set_int_member (report, "length", strlen (token));
  if (resource != NULL)
    json_object_set_string_member (report, "resource", resource);
  else
    json_object_set_null_member (report, "resource");
  return g_steal_pointer (&report);
}

/* The key that signed at @when by the key schedule (NULL when none did): for a token whose
 * event predates the recorded kid. */
static const GhSigningKeyInfo *
key_signing_at (GPtrArray *infos,
                gint64     when)
{
  for (guint i = 0; infos != NULL && i < infos->len; i++)
    {
      const GhSigningKeyInfo *info = g_ptr_array_index (infos, i);

      if (info->active_from <= when && (info->retired_at == 0 || info->retired_at > when))
        return info;
    }
  return NULL;
}

/* The report on access token @jti of @project from what the server recorded when it signed it
 * (never its value): as inspect () for a JWT, every check that needs no signature bytes, and
 * "recorded" saying where each part comes from. 404 (NULL with NOT_FOUND) for an unknown jti. */
static JsonObject *
inspect_recorded (GhRequest        *request,
                  const GhProject  *project,
                  const char       *jti,
                  const char       *resource,
                  GError          **error)
{
  g_autofree char *issuer = gh_server_build_issuer (request->server, project->slug);
  g_auto(GStrv) audiences = NULL;
  g_autoptr(JsonObject) recorded = NULL;
  g_autoptr(JsonObject) header = json_object_new ();
  g_autoptr(GPtrArray) infos = NULL;
  g_autoptr(JsonObject) report = NULL;
  JsonObject *claims;
  const GhSigningKeyInfo *info = NULL;
  const char *kid;
  gint64 iat = 0;

  recorded = gh_token_records_access_token_claims (request->server->store, project, issuer,
                                                   jti, error);
  if (recorded == NULL)
    {
      if (error == NULL || *error == NULL)
        gh_oauth_refuse (error, GH_OAUTH_ERROR_NOT_FOUND, "This project issued no access "
                         "token with this jti");
      return NULL;
    }
  audiences = project_audiences (request, project, issuer, error);
  if (audiences == NULL)
    return NULL;
  claims = json_object_get_object_member (recorded, "claims");
  gh_json_get_int (claims, "iat", &iat);
  infos = gh_signing_keys_list (request->server->signing_keys, NULL);
  kid = gh_json_get_string (recorded, "kid");
  for (guint i = 0; kid != NULL && infos != NULL && i < infos->len && info == NULL; i++)
    if (g_str_equal (((GhSigningKeyInfo *) g_ptr_array_index (infos, i))->kid, kid))
      info = g_ptr_array_index (infos, i);
  if (kid != NULL)
    json_object_set_string_member (recorded, "kid_source", "event");
  else if ((info = key_signing_at (infos, iat)) != NULL)
    {
      kid = info->kid;
      json_object_set_string_member (recorded, "kid_source", "key_schedule");
    }
  else
    json_object_set_null_member (recorded, "kid_source");
  if (info != NULL)
    json_object_set_string_member (header, "alg", gh_jws_alg_to_string (info->alg));
  if (kid != NULL)
    json_object_set_string_member (header, "kid", kid);
  json_object_set_string_member (header, "typ", "at+jwt");

  report = gh_token_inspect_claims (header, claims, request->server->signing_keys, issuer,
                                    resource, (const char * const *) audiences,
                                    gh_now_seconds ());
  if (!add_issued_here (request, project, issuer, NULL, report, error))
    return NULL;
  json_object_remove_member (recorded, "claims");
  json_object_set_object_member (report, "recorded", g_steal_pointer (&recorded));
  json_object_set_string_member (report, "jti", jti);
  json_object_set_null_member (report, "length");
  if (resource != NULL)
    json_object_set_string_member (report, "resource", resource);
  else
    json_object_set_null_member (report, "resource");
  return g_steal_pointer (&report);
}

/* GET /admin/v1/projects/{slug}/tokens/{jti}?resource=: access token @jti as the server
 * recorded it, with the checks that need no token value. */
void
_gh_admin_handle_access_token (GhRequest *request)
{
  static const char * const names[] = { "resource", NULL };
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *report = NULL;

  project = load_path_project (request);
  if (project == NULL)
    return;
  params = _gh_admin_read_query (request, names, &error);
  if (params != NULL)
    report = inspect_recorded (request, project, _gh_admin_path_argument (request),
                               g_hash_table_lookup (params, "resource"), &error);
  send_answer (request, report, error);
}

/* POST /admin/v1/projects/{slug}/refresh-families/{id}/revoke: revokes the family and its
 * access tokens (token.revoked, once); the family as it is after. */
void
_gh_admin_handle_refresh_family_revoke (GhRequest *request)
{
  static const char * const no_fields[] = { NULL };
  g_autoptr(GhProject) project = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *family_id = path_segment (request, 6);
  JsonObject *family = NULL;

  project = load_path_project (request);
  if (project == NULL)
    return;
  body = _gh_admin_read_body (request, no_fields, &error);
  if (body != NULL &&
      gh_tokens_revoke_family (request->server->tokens, project, family_id, GH_ADMIN_ACTOR,
                               &error))
    family = gh_token_records_family (request->server->store, project, family_id, &error);
  send_answer (request, family, error);
}

/* POST /admin/v1/projects/{slug}/tokens/inspect {"token", "resource"?} or {"jti",
 * "resource"?}: what the token is, and a verdict on every part of it. */
void
_gh_admin_handle_token_inspect (GhRequest *request)
{
  static const char * const fields[] = { "token", "jti", "resource", NULL };
  g_autoptr(GhProject) project = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;
  const char *token;
  const char *jti;
  const char *resource;
  JsonObject *report;

  project = load_path_project (request);
  if (project == NULL)
    return;
  body = _gh_admin_read_body (request, fields, &error);
  if (body == NULL ||
      !_gh_admin_get_optional_string (body, "token", &token, &error) ||
      !_gh_admin_get_optional_string (body, "jti", &jti, &error) ||
      !_gh_admin_get_optional_string (body, "resource", &resource, &error))
    {
      _gh_admin_send_error (request, error);
      return;
    }
  if ((token == NULL) == (jti == NULL))
    {
      _gh_admin_refuse (request, GH_OAUTH_ERROR_INVALID_REQUEST, "Exactly one of “token” and "
                        "“jti” is required");
      return;
    }
  report = jti != NULL ? inspect_recorded (request, project, jti, resource, &error)
                       : inspect (request, project, token, resource, &error);
  send_answer (request, report, error);
}

/* GET /admin/v1/projects/{slug}/compat: can each known client family complete a flow with
 * the project's settings, and what to change when it cannot. */
void
_gh_admin_handle_compat (GhRequest *request)
{
  static const char * const no_names[] = { NULL };
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GPtrArray) resources = NULL;
  g_autoptr(GError) error = NULL;

  project = load_path_project (request);
  if (project == NULL)
    return;
  params = _gh_admin_read_query (request, no_names, &error);
  if (params != NULL)
    resources = gh_resources_list (request->server->resources, project->id, &error);
  send_answer (request, resources != NULL ? gh_compat_evaluate (project, resources->len) : NULL,
               error);
}
