/* gh-admin-fixes.c — POST /admin/v1/projects/{slug}/fixes: one fix action of an explain object
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-admin"

#include "config.h"

#include <string.h>

#include "gh-admin-private.h"
#include "gh-cimd-resolver.h"
#include "gh-error.h"
#include "gh-explain.h"
#include "gh-http.h"
#include "gh-json.h"
#include "gh-paused-request.h"

/* Each action is applied through the model function the CLI uses for the same change, so
 * its audit event (actor GH_ADMIN_ACTOR) and its cascade are the same. The answer says what
 * changed: {"action", "changed": bool, "message", and the action's own members}. */

static JsonObject *
answer_new (const char *action,
            gboolean    changed,
            const char *message)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "action", action);
  json_object_set_boolean_member (object, "changed", changed);
  json_object_set_string_member (object, "message", message);
  return object;
}

/* A settings patch of one key, with the changes it made (its cascade's included). */
static JsonObject *
apply_setting (GhRequest        *request,
               const GhProject  *project,
               const char       *action,
               const char       *key,
               const char       *value,
               GError          **error)
{
  g_autoptr(JsonObject) patch = json_object_new ();
  g_autoptr(GPtrArray) changes = NULL;
  g_autofree char *message = NULL;
  JsonObject *object;
  JsonArray *array;

  json_object_set_string_member (patch, key, value);
  changes = gh_projects_update_settings (request->server->projects, project->slug, patch,
                                         GH_ADMIN_ACTOR, error);
  if (changes == NULL)
    return NULL;
  message = changes->len > 0 ? g_strdup_printf ("Set %s to %s", key, value)
                             : g_strdup_printf ("%s was already %s", key, value);
  object = answer_new (action, changes->len > 0, message);
  array = json_array_sized_new (changes->len);
  for (guint i = 0; i < changes->len; i++)
    json_array_add_object_element (array,
                                   gh_setting_change_to_json (g_ptr_array_index (changes, i)));
  json_object_set_array_member (object, "changes", array);
  return object;
}

static JsonObject *
allow_redirect_scheme (GhRequest        *request,
                       const GhProject  *project,
                       JsonObject       *fix,
                       GError          **error)
{
  const char *scheme = gh_json_get_string (fix, "scheme");
  char **schemes = project->settings->redirect_schemes;
  g_autofree char *joined = NULL;
  g_autofree char *value = NULL;

  if (schemes != NULL && g_strv_contains ((const char * const *) schemes, scheme))
    {
      g_autofree char *message = g_strdup_printf ("%s is already in redirect_schemes", scheme);
      JsonObject *object = answer_new ("allow_redirect_scheme", FALSE, message);

      json_object_set_array_member (object, "changes", json_array_new ());
      return object;
    }
  joined = schemes != NULL ? g_strjoinv (",", schemes) : g_strdup ("");
  value = *joined != '\0' ? g_strconcat (joined, ",", scheme, NULL) : g_strdup (scheme);
  return apply_setting (request, project, "allow_redirect_scheme", "redirect_schemes", value,
                        error);
}

static JsonObject *
set_setting (GhRequest        *request,
             const GhProject  *project,
             JsonObject       *fix,
             GError          **error)
{
  return apply_setting (request, project, "set_setting", gh_json_get_string (fix, "key"),
                        gh_json_get_string (fix, "value"), error);
}

static JsonObject *
add_resource (GhRequest        *request,
              const GhProject  *project,
              JsonObject       *fix,
              GError          **error)
{
  GhResources *resources = request->server->resources;
  const char *uri = gh_json_get_string (fix, "resource");
  g_autoptr(GhResource) resource = NULL;
  g_autofree char *message = NULL;
  gboolean changed = TRUE;
  JsonObject *object;

  /* Listed already by an administrator: nothing to do. A recorded one is adopted. */
  resource = gh_resources_find (resources, project->id, uri, NULL);
  if (resource != NULL && !resource->recorded)
    changed = FALSE;
  else
    {
      g_clear_pointer (&resource, gh_resource_free);
      resource = gh_resources_add (resources, project, uri, NULL, NULL, NULL, GH_ADMIN_ACTOR,
                                   error);
      if (resource == NULL)
        return NULL;
    }
  message = g_strdup_printf (changed ? "Listed the resource %s" : "%s is listed already",
                             resource->uri);
  object = answer_new ("add_resource", changed, message);
  json_object_set_object_member (object, "resource", _gh_admin_resource_to_json (resource));
  return object;
}

/* The client @client_id of @project as registered here (an administrator's or a DCR client):
 * 404 when there is none, 409 for a CIMD client (its document is the authority). */
static GhClient *
get_registered_client (GhRequest        *request,
                       const GhProject  *project,
                       const char       *client_id,
                       GError          **error)
{
  g_autoptr(GhClient) client = gh_clients_get (request->server->clients, project->id,
                                               client_id, error);

  if (client == NULL)
    return NULL;
  if (client->source == GH_CLIENT_SOURCE_CIMD)
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_CONFLICT,
                            "%s is a CIMD client: its redirect URIs are its metadata "
                            "document's (fix the document, then refresh_client)",
                            client_id), NULL;
  return g_steal_pointer (&client);
}

static JsonObject *
add_redirect_uri (GhRequest        *request,
                  const GhProject  *project,
                  JsonObject       *fix,
                  GError          **error)
{
  const char *client_id = gh_json_get_string (fix, "client_id");
  const char *redirect_uri = gh_json_get_string (fix, "redirect_uri");
  g_autoptr(GhClient) client = NULL;
  g_autoptr(GhClient) updated = NULL;
  g_autoptr(JsonObject) metadata = NULL;
  g_autoptr(JsonObject) validated = NULL;
  g_autofree char *message = NULL;
  g_autofree char *text = NULL;
  const char *method;
  gboolean changed;
  JsonObject *object;
  JsonNode *uris;

  client = get_registered_client (request, project, client_id, error);
  if (client == NULL)
    return NULL;
  changed = !g_strv_contains ((const char * const *) client->redirect_uris, redirect_uri);
  if (changed)
    {
      /* The metadata as registered, with one more URI, checked as a registration is. */
      text = gh_json_object_to_string (client->metadata, FALSE);
      metadata = gh_json_parse_object_strict (text, strlen (text), error);
      if (metadata == NULL)
        return NULL;
      uris = json_object_get_member (metadata, "redirect_uris");
      if (uris == NULL || !JSON_NODE_HOLDS_ARRAY (uris))
        json_object_set_array_member (metadata, "redirect_uris", json_array_new ());
      json_array_add_string_element (json_object_get_array_member (metadata, "redirect_uris"),
                                     redirect_uri);
      method = gh_client_auth_method_to_string (client->auth_method);
      validated = gh_client_metadata_validate (metadata, project->settings, method, error);
      if (validated == NULL ||
          !gh_clients_update_metadata (request->server->clients, project, client_id, validated,
                                       GH_ADMIN_ACTOR, error))
        return NULL;
    }
  updated = gh_clients_get (request->server->clients, project->id, client_id, error);
  if (updated == NULL)
    return NULL;
  message = g_strdup_printf (changed ? "Added %s to the redirect URIs of %s"
                                     : "%s is a redirect URI of %s already",
                             redirect_uri, client_id);
  object = answer_new ("add_redirect_uri", changed, message);
  json_object_set_object_member (object, "client", gh_client_to_json (updated, NULL));
  return object;
}

/* refresh_client: the document fetched again through the CIMD resolver (the resolver's cache
 * records oauth_client.cimd_fetched, or cimd_changed with the consents it dropped); an
 * imported client's stored metadata is replaced with it too (oauth_client.updated), as
 * `cimd refresh` does. */
typedef struct
{
  GhProject *project;
  GhClient  *before;
  gboolean   imported;
} Refreshing;

static void
refreshing_free (gpointer data)
{
  Refreshing *refreshing = data;

  gh_project_free (refreshing->project);
  gh_client_free (refreshing->before);
  g_free (refreshing);
}

static JsonObject *
finish_refresh (GhServer      *server,
                Refreshing    *refreshing,
                GhCimdReport  *report,
                GError       **error)
{
  const char *client_id = refreshing->before->client_id;
  JsonObject *document;
  g_autoptr(JsonArray) changes = NULL;
  g_autoptr(JsonArray) changed = NULL;
  g_autofree char *message = NULL;
  gboolean consents_reset;
  JsonObject *object;

  if (gh_cimd_report_get_verdict (report) == GH_CIMD_FAIL)
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_CONFLICT,
                            "The document of %s failed the check %s: %s; the stored copy is kept",
                            client_id, gh_cimd_report_get_failure_id (report),
                            gh_cimd_report_get_failure (report)), NULL;
  document = gh_cimd_report_get_document (report);
  changes = _gh_admin_metadata_changes (refreshing->before->metadata, document);
  consents_reset = _gh_admin_changes_reset_consent (changes);
  if (refreshing->imported && json_array_get_length (changes) > 0 &&
      !_gh_admin_store_refreshed (server, refreshing->project, client_id, document,
                                  consents_reset, error))
    return NULL;
  changed = json_array_new ();
  for (guint i = 0; i < json_array_get_length (changes); i++)
    json_array_add_string_element (changed, json_object_get_string_member (
                                              json_array_get_object_element (changes, i),
                                              "member"));
  message = json_array_get_length (changed) == 0
              ? g_strdup_printf ("The document of %s did not change", client_id)
              : g_strdup_printf ("Fetched the document of %s again: %u members changed%s",
                                 client_id, json_array_get_length (changed),
                                 consents_reset ? "; users will be asked to consent again" : "");
  object = answer_new ("refresh_client", json_array_get_length (changed) > 0, message);
  json_object_set_array_member (object, "changed_members", g_steal_pointer (&changed));
  json_object_set_boolean_member (object, "consents_reset", consents_reset);
  json_object_set_boolean_member (object, "imported", refreshing->imported);
  json_object_set_object_member (object, "report", gh_cimd_report_to_json (report));
  return object;
}

static void
refreshed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GhPausedRequest *paused = user_data;
  g_autoptr(GhCimdReport) report = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  report = gh_cimd_resolver_resolve_finish (GH_CIMD_RESOLVER (source), result, &error);
  if (gh_paused_request_abandoned (paused))
    return;
  if (report != NULL)
    object = finish_refresh (GH_SERVER (paused->owner), paused->data, report, &error);
  gh_http_set_no_store (paused->msg);
  if (object == NULL)
    _gh_admin_send_paused_error (paused, error);
  else
    gh_http_send_json (paused->msg, SOUP_STATUS_OK, object, NULL);
  gh_paused_request_resume (paused);
}

/* Starts the fetch; FALSE with @error when the client is no CIMD client of @project. */
static gboolean
refresh_client (GhRequest        *request,
                const GhProject  *project,
                JsonObject       *fix,
                GError          **error)
{
  const char *client_id = gh_json_get_string (fix, "client_id");
  g_autoptr(GhClient) client = NULL;
  Refreshing *refreshing;
  GhPausedRequest *paused;

  client = gh_clients_get (request->server->clients, project->id, client_id, error);
  if (client == NULL)
    return FALSE;
  if (client->source != GH_CLIENT_SOURCE_CIMD)
    return gh_oauth_refuse (error, GH_OAUTH_ERROR_CONFLICT,
                            "%s is registered here, not a CIMD client: there is no document "
                            "to fetch", client_id);
  refreshing = g_new0 (Refreshing, 1);
  refreshing->project = gh_project_copy (project);
  refreshing->imported = gh_clients_is_registered (request->server->clients, project->id,
                                                   client_id);
  refreshing->before = g_steal_pointer (&client);
  paused = gh_paused_request_new (G_OBJECT (request->server), request->msg, project->slug, NULL,
                                  request->path, NULL, refreshing, refreshing_free);
  gh_cimd_resolver_resolve_async (request->server->cimd_resolver, project, client_id,
                                  GH_CIMD_RESOLVE_FORCE_REFRESH, NULL, paused->cancellable,
                                  refreshed, paused);
  return TRUE;
}

/* The fix's members besides "action" must be exactly its action's parameters, each a
 * non-empty string. */
static gboolean
check_fix (JsonObject                *fix,
           const GhExplainFixAction  *action,
           GError                   **error)
{
  g_auto(GStrv) parameters = g_strsplit (action->parameters, ",", -1);
  g_autoptr(GList) members = json_object_get_members (fix);

  for (const GList *l = members; l != NULL; l = l->next)
    if (!g_str_equal (l->data, "action") &&
        !g_strv_contains ((const char * const *) parameters, l->data))
      return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                              "Unknown field “%s” (%s takes %s)", (const char *) l->data,
                              action->action, action->parameters);
  for (guint i = 0; parameters[i] != NULL; i++)
    {
      const char *value = gh_json_get_string (fix, parameters[i]);

      if (value == NULL || *value == '\0')
        return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                                "%s needs “%s”, a non-empty string", action->action,
                                parameters[i]);
    }
  return TRUE;
}

/* POST /admin/v1/projects/{slug}/fixes: the body is a fix object of an explain
 * ({"action": "allow_redirect_scheme", "scheme": "cursor"}); one action is applied. */
void
_gh_admin_handle_fixes (GhRequest *request)
{
  g_autoptr(GhProject) project = _gh_admin_load_path_project (request);
  g_autoptr(JsonObject) fix = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  const GhExplainFixAction *action;
  const char *name;

  if (project == NULL)
    return;
  /* Members are checked against the action's parameters below. */
  fix = _gh_admin_read_body (request, NULL, &error);
  if (fix == NULL || !_gh_admin_get_optional_string (fix, "action", &name, &error))
    goto fail;
  if (name == NULL)
    {
      gh_oauth_refuse (&error, GH_OAUTH_ERROR_INVALID_REQUEST, "“action” is required");
      goto fail;
    }
  action = gh_explain_fix_action_lookup (name);
  if (action == NULL)
    {
      gh_oauth_refuse (&error, GH_OAUTH_ERROR_INVALID_REQUEST, "Unknown fix action “%s”", name);
      goto fail;
    }
  if (!check_fix (fix, action, &error))
    goto fail;

  if (g_str_equal (name, "refresh_client"))
    {
      if (!refresh_client (request, project, fix, &error))
        goto fail;
      return;
    }
  if (g_str_equal (name, "allow_redirect_scheme"))
    object = allow_redirect_scheme (request, project, fix, &error);
  else if (g_str_equal (name, "add_redirect_uri"))
    object = add_redirect_uri (request, project, fix, &error);
  else if (g_str_equal (name, "add_resource"))
    object = add_resource (request, project, fix, &error);
  else if (g_str_equal (name, "set_setting"))
    object = set_setting (request, project, fix, &error);
  else
    g_assert_not_reached ();
  if (object == NULL)
    goto fail;
  _gh_admin_send_json (request, SOUP_STATUS_OK, object);
  return;

fail:
  _gh_admin_send_error (request, error);
}
