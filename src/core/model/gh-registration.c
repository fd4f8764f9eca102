/* gh-registration.c — Dynamic Client Registration (RFC 7591) and its management (RFC 7592)
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
#include "gh-explain.h"
#include "gh-registration.h"

#define RATE_WINDOW_USEC (60 * G_USEC_PER_SEC)

struct _GhRegistration
{
  GObject parent_instance;

  GhStore *store;
  GhAudit *audit;
  GhClients *clients;
  GhIats *iats;
  GHashTable *recent; /* "project-id peer" -> GQueue of registration times (open mode) */
  gint64 last_sweep;
};

G_DEFINE_FINAL_TYPE (GhRegistration, gh_registration, G_TYPE_OBJECT)

/* Members a client may not choose: the server issues them. */
static const char * const server_members[] = {
  "client_id", "client_secret", "client_id_issued_at", "client_secret_expires_at",
  "registration_access_token", "registration_client_uri",
};

static void
queue_free (gpointer data)
{
  g_queue_free_full (data, g_free);
}

static void
gh_registration_dispose (GObject *object)
{
  GhRegistration *self = (GhRegistration *) object;

  g_clear_object (&self->store);
  g_clear_object (&self->audit);
  g_clear_object (&self->clients);
  g_clear_object (&self->iats);
  g_clear_pointer (&self->recent, g_hash_table_unref);

  G_OBJECT_CLASS (gh_registration_parent_class)->dispose (object);
}

static void
gh_registration_class_init (GhRegistrationClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = gh_registration_dispose;
}

static void
gh_registration_init (GhRegistration *self)
{
  self->recent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, queue_free);
}

GhRegistration *
gh_registration_new (GhStore   *store,
                     GhAudit   *audit,
                     GhClients *clients,
                     GhIats    *iats)
{
  GhRegistration *self = g_object_new (GH_TYPE_REGISTRATION, NULL);

  self->store = g_object_ref (store);
  self->audit = g_object_ref (audit);
  self->clients = g_object_ref (clients);
  self->iats = g_object_ref (iats);
  return self;
}

static void
record_refusal (GhRegistration  *self,
                const GhProject *project,
                const char      *type,
                const char      *client_id,
                const char      *peer,
                const char      *user_agent,
                const GError    *error)
{
  g_autoptr(JsonObject) details = gh_audit_refusal_details (error);
  JsonObject *explain = gh_error_get_explain (error);
  const char *rule = explain != NULL ? json_object_get_string_member (explain, "rule") : NULL;

  /* A registration refused for its initial access token says which way: iat.rejected. (An
   * RFC 7592 update that breaks its pins stays a management refusal.) */
  if (g_str_equal (type, GH_AUDIT_EVENT_CLIENT_REGISTRATION_REFUSED) && rule != NULL &&
      g_str_has_prefix (rule, "iat."))
    {
      type = GH_AUDIT_EVENT_IAT_REJECTED;
      json_object_set_string_member (details, "reason", rule + strlen ("iat."));
      if (json_object_has_member (explain, "iat_id"))
        json_object_set_member (details, "iat_id",
                                json_node_copy (json_object_get_member (explain, "iat_id")));
    }
  gh_audit_record_event (self->audit, &(GhAuditEvent) {
                         .project_id = project->id, .project_slug = project->slug,
                         .type = type, .outcome = GH_AUDIT_FAILURE, .actor = "dcr",
                         .client_id = client_id, .details = details, .source = peer,
                         .user_agent = user_agent }, NULL);
}

void
gh_registration_record_refusal (GhRegistration  *self,
                                const GhProject *project,
                                const char      *peer,
                                const char      *user_agent,
                                const GError    *error)
{
  record_refusal (self, project, GH_AUDIT_EVENT_CLIENT_REGISTRATION_REFUSED, NULL, peer,
                  user_agent, error);
}

void
gh_registration_record_management_refusal (GhRegistration  *self,
                                           const GhProject *project,
                                           const char      *client_id,
                                           const char      *peer,
                                           const char      *user_agent,
                                           const GError    *error)
{
  record_refusal (self, project, GH_AUDIT_EVENT_CLIENT_MANAGEMENT_REFUSED, client_id, peer,
                  user_agent, error);
}

/* @member's value when it is a JSON string; NULL when absent or of another type. */
static const char *
string_member (JsonObject *object,
               const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* Open mode: at most dcr_rate_limit registrations a minute from one address. */
static gboolean
within_rate_limit (GhRegistration  *self,
                   const GhProject *project,
                   const char      *peer,
                   GError         **error)
{
  g_autofree char *key = g_strdup_printf ("%" G_GINT64_FORMAT " %s", project->id,
                                          peer != NULL ? peer : "?");
  gint64 now = g_get_monotonic_time ();
  GQueue *times;

  /* Addresses quiet for a whole window are forgotten, so the table stays small. */
  if (now - self->last_sweep > RATE_WINDOW_USEC)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->recent);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          GQueue *queue = value;
          if (g_queue_is_empty (queue) ||
              now - *(gint64 *) g_queue_peek_tail (queue) > RATE_WINDOW_USEC)
            g_hash_table_iter_remove (&iter);
        }
      self->last_sweep = now;
    }

  times = g_hash_table_lookup (self->recent, key);

  if (times == NULL)
    {
      times = g_queue_new ();
      g_hash_table_insert (self->recent, g_steal_pointer (&key), times);
    }
  while (!g_queue_is_empty (times) &&
         now - *(gint64 *) g_queue_peek_head (times) > RATE_WINDOW_USEC)
    g_free (g_queue_pop_head (times));
  if ((gint64) g_queue_get_length (times) >= project->settings->dcr_rate_limit)
    {
      g_autofree char *expected = g_strdup_printf ("at most %" G_GINT64_FORMAT " a minute "
                                                   "(dcr_rate_limit)",
                                                   project->settings->dcr_rate_limit);
      JsonObject *explain = gh_explain_new ("request.rate_limited",
                                            "Too many registrations from this address");

      gh_explain_set_expected (explain, expected);
      json_object_set_int_member (explain, "actual", g_queue_get_length (times) + 1);
      gh_explain_set_hint (explain, "Each start of some MCP clients registers a new client; "
                                    "the limit counts registrations per source address");
      return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_TOO_MANY_REQUESTS, explain,
                                        "More than %" G_GINT64_FORMAT " registrations a minute "
                                        "from this address (dcr_rate_limit); try again later",
                                        project->settings->dcr_rate_limit);
    }
  g_queue_push_tail (times, g_memdup2 (&now, sizeof now));
  return TRUE;
}

/* Is @uri under @prefix as a URI, not just as text: the same scheme, host and port, and a
 * path that is the prefix's or continues it after a '/'. ("https://app.example" must not
 * admit "https://app.example.evil.net".) */
static gboolean
uri_within_prefix (const char *uri,
                   const char *prefix)
{
  g_autoptr(GUri) a = g_uri_parse (uri, G_URI_FLAGS_ENCODED, NULL);
  g_autoptr(GUri) b = g_uri_parse (prefix, G_URI_FLAGS_ENCODED, NULL);
  const char *path;
  const char *prefix_path;
  gsize length;

  if (a == NULL || b == NULL || !g_str_has_prefix (uri, prefix))
    return FALSE;
  if (g_ascii_strcasecmp (g_uri_get_scheme (a), g_uri_get_scheme (b)) != 0 ||
      g_ascii_strcasecmp (g_uri_get_host (a) != NULL ? g_uri_get_host (a) : "",
                          g_uri_get_host (b) != NULL ? g_uri_get_host (b) : "") != 0 ||
      g_uri_get_port (a) != g_uri_get_port (b) || g_uri_get_userinfo (a) != NULL)
    return FALSE;
  path = g_uri_get_path (a);
  prefix_path = g_uri_get_path (b);
  length = strlen (prefix_path);
  if (length == 0 || g_str_equal (prefix_path, "/"))
    return TRUE;
  return g_str_equal (path, prefix_path) ||
         (g_str_has_prefix (path, prefix_path) &&
          (prefix_path[length - 1] == '/' || path[length] == '/'));
}

/* A registration that does not respect what its IAT (@iat_id, NULL on update) pins. */
static gboolean
pin_mismatch (GError      **error,
              GhOAuthError  code,
              const char   *iat_id,
              const char   *member,
              JsonNode     *expected,
              const char   *actual,
              const char   *format,
              ...) G_GNUC_PRINTF (7, 8);

static gboolean
pin_mismatch (GError      **error,
              GhOAuthError  code,
              const char   *iat_id,
              const char   *member,
              JsonNode     *expected,
              const char   *actual,
              const char   *format,
              ...)
{
  g_autofree char *message = NULL;
  JsonObject *explain;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (error == NULL)
    {
      json_node_unref (expected);
      return FALSE;
    }
  explain = gh_explain_new ("iat.pin_mismatch", "%s", message);
  gh_explain_take_expected (explain, expected);
  gh_explain_set_actual (explain, actual);
  json_object_set_string_member (explain, "member", member);
  if (iat_id != NULL)
    json_object_set_string_member (explain, "iat_id", iat_id);
  else
    json_object_set_null_member (explain, "iat_id");
  return gh_oauth_refuse_explained (error, code, explain, "%s", message);
}

static JsonNode *
string_node (const char *text)
{
  return json_node_init_string (json_node_alloc (), text);
}

/* What the IAT fixed: a registration respects it, or gets it filled in. */
static gboolean
apply_pins (JsonObject  *metadata,
            JsonObject  *pinned,
            const char  *iat_id,
            GError     **error)
{
  static const char * const exact[] = { "token_endpoint_auth_method", "application_type" };

  for (guint i = 0; i < G_N_ELEMENTS (exact); i++)
    {
      const char *pin = string_member (pinned, exact[i]);
      JsonNode *given = json_object_get_member (metadata, exact[i]);

      if (pin == NULL)
        continue;
      if (given != NULL && (!JSON_NODE_HOLDS_VALUE (given) ||
                            json_node_get_value_type (given) != G_TYPE_STRING ||
                            !g_str_equal (json_node_get_string (given), pin)))
        return pin_mismatch (error, GH_OAUTH_ERROR_INVALID_CLIENT_METADATA, iat_id, exact[i],
                             string_node (pin), string_member (metadata, exact[i]),
                             "The initial access token pins %s to “%s”", exact[i], pin);
      json_object_set_string_member (metadata, exact[i], pin);
    }

  if (string_member (pinned, "scope") != NULL)
    {
      const char *ceiling = string_member (pinned, "scope");
      const char *scope = string_member (metadata, "scope");

      /* A scope that is not a string is left for validation to refuse. */
      if (!json_object_has_member (metadata, "scope"))
        json_object_set_string_member (metadata, "scope", ceiling);
      else if (scope != NULL)
        {
          g_auto(GStrv) allowed = g_strsplit (ceiling, " ", -1);
          g_auto(GStrv) asked = g_strsplit (scope, " ", -1);

          for (guint i = 0; asked[i] != NULL; i++)
            if (*asked[i] != '\0' && !g_strv_contains ((const char * const *) allowed, asked[i]))
              return pin_mismatch (error, GH_OAUTH_ERROR_INVALID_CLIENT_METADATA, iat_id,
                                   "scope", string_node (ceiling), scope,
                                   "The scope “%s” is beyond what the initial access token "
                                   "allows (%s)", asked[i], ceiling);
        }
    }

  if (json_object_has_member (pinned, "redirect_uri_prefixes") &&
      json_object_has_member (metadata, "redirect_uris") &&
      JSON_NODE_HOLDS_ARRAY (json_object_get_member (metadata, "redirect_uris")))
    {
      JsonArray *prefixes = json_object_get_array_member (pinned, "redirect_uri_prefixes");
      JsonArray *uris = json_object_get_array_member (metadata, "redirect_uris");

      for (guint i = 0; i < json_array_get_length (uris); i++)
        {
          JsonNode *item = json_array_get_element (uris, i);
          const char *uri;
          gboolean ok = FALSE;

          /* An entry that is not a string is left for validation to refuse. */
          if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
            continue;
          uri = json_node_get_string (item);
          for (guint j = 0; j < json_array_get_length (prefixes); j++)
            if (uri_within_prefix (uri, json_array_get_string_element (prefixes, j)))
              ok = TRUE;
          if (!ok)
            return pin_mismatch (error, GH_OAUTH_ERROR_INVALID_REDIRECT_URI, iat_id,
                                 "redirect_uris",
                                 json_node_copy (json_object_get_member (pinned,
                                                                         "redirect_uri_prefixes")),
                                 uri,
                                 "The redirect URI “%s” is outside the prefixes the initial "
                                 "access token allows", uri);
        }
    }
  return TRUE;
}

static JsonObject *
copy_without_server_members (JsonObject *metadata)
{
  g_autoptr(GList) members = json_object_get_members (metadata);
  JsonObject *copy = json_object_new ();

  for (const GList *l = members; l != NULL; l = l->next)
    if (!g_strv_contains (server_members, l->data))
      json_object_set_member (copy, l->data,
                              json_node_copy (json_object_get_member (metadata, l->data)));
  return copy;
}

/* The client information response (RFC 7591 §3.2.1, RFC 7592 §3). */
static JsonObject *
client_information (const GhClient *client,
                    const char     *issuer,
                    const char     *secret,
                    const char     *registration_token)
{
  g_autoptr(GList) members = json_object_get_members (client->metadata);
  g_autofree char *uri = g_strconcat (issuer, "/register/", client->client_id, NULL);
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "client_id", client->client_id);
  json_object_set_int_member (object, "client_id_issued_at", client->created_at);
  if (secret != NULL)
    {
      json_object_set_string_member (object, "client_secret", secret);
      json_object_set_int_member (object, "client_secret_expires_at", 0);
    }
  for (const GList *l = members; l != NULL; l = l->next)
    json_object_set_member (object, l->data,
                            json_node_copy (json_object_get_member (client->metadata, l->data)));
  json_object_set_string_member (object, "registration_access_token", registration_token);
  json_object_set_string_member (object, "registration_client_uri", uri);
  return object;
}

gboolean
gh_registration_check_access (GhRegistration  *self,
                              const GhProject *project,
                              const char      *bearer,
                              gboolean         token_in_query,
                              GError         **error)
{
  g_return_val_if_fail (GH_IS_REGISTRATION (self), FALSE);

  if (project->settings->dcr_mode == GH_DCR_MODE_DISABLED)
    {
      JsonObject *explain = gh_explain_new ("dcr.disabled", "Dynamic client registration is "
                                            "disabled in project %s", project->slug);

      gh_explain_set_expected (explain, "dcr_mode open or initial_access_token");
      gh_explain_set_actual (explain, "dcr_mode disabled");
      gh_explain_set_hint (explain, "MCP clients such as Claude Code, Cursor and the MCP "
                                    "Inspector register themselves at /register before they "
                                    "authorize; without it they need a pre-registered client "
                                    "id or a client ID metadata document");
      gh_explain_set_fix (explain, "set_setting", "key", "dcr_mode", "value", "open", NULL);
      return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_FORBIDDEN, explain,
                                        "Dynamic client registration is disabled for this "
                                        "project (dcr_mode is disabled)");
    }
  /* RFC 6750 §2.3 is not offered: a token in a URL ends up in logs. */
  if (token_in_query)
    {
      JsonObject *explain = gh_explain_new ("request.invalid", "The initial access token was "
                                            "sent in the URL");

      gh_explain_set_expected (explain, "Authorization: Bearer iatk_...");
      gh_explain_set_actual (explain, "?access_token= in the URL");
      gh_explain_set_hint (explain, "A token in a URL ends up in logs and histories");
      return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_TOKEN, explain,
                                        "Send the initial access token in the Authorization "
                                        "header, never in the URL");
    }
  if (project->settings->dcr_mode == GH_DCR_MODE_INITIAL_ACCESS_TOKEN && bearer == NULL)
    {
      JsonObject *explain = gh_explain_new ("iat.missing", "The registration request has no "
                                            "Authorization header, and project %s registers "
                                            "clients only with an initial access token",
                                            project->slug);

      gh_explain_set_expected (explain, "Authorization: Bearer iatk_...");
      gh_explain_set_actual (explain, "no Authorization header");
      json_object_set_null_member (explain, "iat_id");
      gh_explain_set_hint (explain, "Shipping MCP clients (Claude Code, Cursor, VS Code, the MCP "
                                    "Inspector) cannot send an initial access token: they "
                                    "register with no Authorization header at all. For them, "
                                    "set dcr_mode to open, or give them a pre-registered "
                                    "client id or a client ID metadata document");
      gh_explain_set_fix (explain, "set_setting", "key", "dcr_mode", "value", "open", NULL);
      return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_TOKEN, explain,
                                        "This project registers clients only with an initial "
                                        "access token, sent as Authorization: Bearer iatk_..."
                                        " (MCP clients cannot send one)");
    }
  return TRUE;
}

JsonObject *
gh_registration_register (GhRegistration   *self,
                          const GhProject  *project,
                          const char       *issuer,
                          JsonObject       *metadata,
                          const char       *bearer,
                          const char       *peer,
                          const char       *user_agent,
                          GError          **error)
{
  g_autoptr(JsonObject) requested = NULL;
  g_autoptr(JsonObject) validated = NULL;
  g_autoptr(GhIat) iat = NULL;
  g_autoptr(GhClient) client = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *registration_token = gh_random_token (32);
  g_autofree char *registration_hash = gh_sha256_base64url (registration_token);

  g_return_val_if_fail (GH_IS_REGISTRATION (self), NULL);

  if (!gh_registration_check_access (self, project, bearer, FALSE, error))
    return NULL;
  if (project->settings->dcr_mode != GH_DCR_MODE_INITIAL_ACCESS_TOKEN &&
      !within_rate_limit (self, project, peer, error))
    return NULL;

  requested = copy_without_server_members (metadata);

  if (!gh_store_begin (self->store, error))
    return NULL;

  /* The use counts only if the registration commits: a refused one gives it back. */
  if (project->settings->dcr_mode == GH_DCR_MODE_INITIAL_ACCESS_TOKEN)
    {
      iat = gh_iats_use (self->iats, project, bearer, error);
      if (iat == NULL || !apply_pins (requested, iat->pinned, iat->id, error))
        goto fail;
    }

  /* RFC 7591 §2: without a method, the default is client_secret_basic. */
  validated = gh_client_metadata_validate (requested, project->settings, "client_secret_basic",
                                           error);
  if (validated == NULL)
    goto fail;

  client = gh_clients_create_for_request (self->clients, project, NULL, GH_CLIENT_SOURCE_DCR,
                                          validated, &secret, iat != NULL ? iat->id : "dcr",
                                          peer, user_agent, error);
  if (client == NULL ||
      !gh_clients_set_registration (self->clients, project->id, client->client_id,
                                    registration_hash,
                                    iat != NULL ? iat->pinned : NULL, error))
    goto fail;

  if (!gh_store_commit (self->store, error))
    return NULL;
  return client_information (client, issuer, secret, registration_token);

fail:
  gh_store_rollback (self->store);
  return NULL;
}

/* The DCR client @bearer manages; INVALID_TOKEN for a wrong token or no such client. */
static GhClient *
authorize_management (GhRegistration   *self,
                      const GhProject  *project,
                      const char       *client_id,
                      const char       *bearer,
                      JsonObject      **out_pins,
                      GError          **error)
{
  g_autofree char *hash = NULL;
  g_autofree char *presented = NULL;

  hash = gh_clients_get_registration (self->clients, project->id, client_id, out_pins, NULL);
  presented = bearer != NULL ? gh_sha256_base64url (bearer) : NULL;
  if (hash == NULL || !gh_constant_time_equal (hash, presented))
    {
      JsonObject *explain = gh_explain_new ("client.auth_failed", "The registration access "
                                            "token is not the one of client %s", client_id);

      /* Whether the client exists is not said: the token is what proves it. */
      gh_explain_set_expected (explain, "the registration access token of the client's last "
                                        "registration, read or update");
      gh_explain_set_actual (explain, "another token");
      gh_explain_set_hint (explain, "Each read and update answers with a new registration "
                                    "access token; the previous one stops working");
      return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_TOKEN, explain,
                                        "The registration access token is not valid for this "
                                        "client"), NULL;
    }
  return gh_clients_get (self->clients, project->id, client_id, error);
}

static JsonObject *
respond_with_new_token (GhRegistration   *self,
                        const GhProject  *project,
                        const char       *issuer,
                        const GhClient   *client,
                        GError          **error)
{
  g_autofree char *token = gh_random_token (32);
  g_autofree char *hash = gh_sha256_base64url (token);

  if (!gh_clients_set_registration (self->clients, project->id, client->client_id, hash, NULL,
                                    error))
    return NULL;
  return client_information (client, issuer, NULL, token);
}

gboolean
gh_registration_check_management (GhRegistration   *self,
                                  const GhProject  *project,
                                  const char       *client_id,
                                  const char       *bearer,
                                  GError          **error)
{
  g_autoptr(GhClient) client = authorize_management (self, project, client_id, bearer, NULL, error);

  return client != NULL;
}

JsonObject *
gh_registration_read (GhRegistration   *self,
                      const GhProject  *project,
                      const char       *issuer,
                      const char       *client_id,
                      const char       *bearer,
                      GError          **error)
{
  g_autoptr(GhClient) client = authorize_management (self, project, client_id, bearer, NULL, error);

  if (client == NULL)
    return NULL;
  return respond_with_new_token (self, project, issuer, client, error);
}

/* An RFC 7592 update that would change what cannot change: metadata.invalid. */
static gboolean
update_refused (GError     **error,
                const char  *member,
                const char  *expected,
                const char  *actual,
                const char  *message)
{
  JsonObject *explain = gh_explain_new ("metadata.invalid", "%s", message);

  gh_explain_set_expected (explain, expected);
  gh_explain_set_actual (explain, actual);
  json_object_set_string_member (explain, "member", member);
  return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_CLIENT_METADATA, explain,
                                    "%s", message);
}

JsonObject *
gh_registration_update (GhRegistration   *self,
                        const GhProject  *project,
                        const char       *issuer,
                        const char       *client_id,
                        const char       *bearer,
                        JsonObject       *metadata,
                        GError          **error)
{
  g_autoptr(JsonObject) pins = NULL;
  g_autoptr(GhClient) client = NULL;
  g_autoptr(JsonObject) requested = NULL;
  g_autoptr(JsonObject) validated = NULL;
  g_autoptr(GhClient) updated = NULL;
  const char *body_client_id;
  const char *body_secret;
  const char *method;

  client = authorize_management (self, project, client_id, bearer, &pins, error);
  if (client == NULL)
    return NULL;

  /* RFC 7592 §2.2: the body names the client, and a secret it sends must be its own. */
  body_client_id = string_member (metadata, "client_id");
  if (g_strcmp0 (body_client_id, client_id) != 0)
    {
      JsonObject *explain = gh_explain_new ("request.invalid", "The body's client_id is not "
                                            "the client's");

      gh_explain_set_expected (explain, client_id);
      gh_explain_set_actual (explain, body_client_id);
      json_object_set_string_member (explain, "member", "client_id");
      return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_REQUEST, explain,
                                        "The body's client_id must be the client's (%s)",
                                        client_id), NULL;
    }
  body_secret = string_member (metadata, "client_secret");
  if (json_object_has_member (metadata, "client_secret") &&
      (body_secret == NULL || !gh_client_check_secret (client, body_secret)))
    return update_refused (error, "client_secret", "the client's own secret (or none)",
                           "another value (not repeated here)",
                           "client_secret does not match the client's secret"), NULL;

  requested = copy_without_server_members (metadata);
  method = gh_client_auth_method_to_string (client->auth_method);
  if (json_object_has_member (requested, "token_endpoint_auth_method") &&
      g_strcmp0 (string_member (requested, "token_endpoint_auth_method"), method) != 0)
    return update_refused (error, "token_endpoint_auth_method", method,
                           string_member (requested, "token_endpoint_auth_method"),
                           "token_endpoint_auth_method cannot change "
                           "(register a new client instead)"), NULL;
  json_object_set_string_member (requested, "token_endpoint_auth_method", method);
  if (pins != NULL && !apply_pins (requested, pins, NULL, error))
    return NULL;
  validated = gh_client_metadata_validate (requested, project->settings, method, error);
  if (validated == NULL)
    return NULL;

  if (!gh_clients_update_metadata (self->clients, project, client_id, validated, "dcr", error))
    return NULL;
  updated = gh_clients_get (self->clients, project->id, client_id, error);
  if (updated == NULL)
    return NULL;
  return respond_with_new_token (self, project, issuer, updated, error);
}

gboolean
gh_registration_delete (GhRegistration   *self,
                        const GhProject  *project,
                        const char       *client_id,
                        const char       *bearer,
                        GError          **error)
{
  g_autoptr(GhClient) client = authorize_management (self, project, client_id, bearer, NULL, error);

  if (client == NULL)
    return FALSE;
  return gh_clients_delete (self->clients, project, client_id, "dcr", error);
}
