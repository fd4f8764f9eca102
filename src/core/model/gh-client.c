/* gh-client.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-model"

#include "config.h"

#include <string.h>

#include "gh-client.h"
#include "gh-error.h"
#include "gh-explain.h"
#include "gh-json.h"

static const char * const source_names[] = { "admin", "dcr", "cimd" };
static const char * const auth_method_names[] = {
  "none", "client_secret_basic", "client_secret_post", "private_key_jwt",
};

/* Schemes that never redirect back to an app: a browser runs or fetches them. */
static const char * const dangerous_schemes[] = {
  "javascript", "data", "file", "vbscript", "about", "blob", "ftp", "ws", "wss",
};

void
gh_client_free (GhClient *client)
{
  if (client == NULL)
    return;
  g_free (client->client_id);
  g_free (client->client_name);
  g_strfreev (client->redirect_uris);
  g_strfreev (client->grant_types);
  g_free (client->scope);
  g_free (client->application_type);
  g_clear_pointer (&client->metadata, json_object_unref);
  g_free (client->secret_hash);
  g_free (client);
}

gboolean
gh_client_is_confidential (const GhClient *client)
{
  return client->auth_method != GH_CLIENT_AUTH_NONE;
}

gboolean
gh_client_has_grant_type (const GhClient *client,
                          const char     *grant_type)
{
  return client->grant_types != NULL &&
         g_strv_contains ((const char * const *) client->grant_types, grant_type);
}

JsonObject *
gh_client_to_json (const GhClient *client,
                   const char     *secret)
{
  g_autoptr(GList) members = NULL;
  JsonObject *object;

  g_return_val_if_fail (client != NULL, NULL);

  members = json_object_get_members (client->metadata);
  object = json_object_new ();
  json_object_set_string_member (object, "client_id", client->client_id);
  if (secret != NULL)
    json_object_set_string_member (object, "client_secret", secret);
  json_object_set_int_member (object, "client_id_issued_at", client->created_at);
  if (secret != NULL)
    json_object_set_int_member (object, "client_secret_expires_at", 0);
  for (const GList *l = members; l != NULL; l = l->next)
    json_object_set_member (object, l->data,
                            json_node_copy (json_object_get_member (client->metadata, l->data)));
  json_object_set_string_member (object, "source", gh_client_source_to_string (client->source));
  return object;
}

const char *
gh_client_source_to_string (GhClientSource source)
{
  g_return_val_if_fail (source <= GH_CLIENT_SOURCE_CIMD, NULL);
  return source_names[source];
}

gboolean
gh_client_source_from_string (const char     *text,
                              GhClientSource *source)
{
  for (guint i = 0; i < G_N_ELEMENTS (source_names); i++)
    if (g_strcmp0 (text, source_names[i]) == 0)
      return *source = (GhClientSource) i, TRUE;
  return FALSE;
}

const char *
gh_client_auth_method_to_string (GhClientAuthMethod method)
{
  g_return_val_if_fail (method <= GH_CLIENT_AUTH_PRIVATE_KEY_JWT, NULL);
  return auth_method_names[method];
}

gboolean
gh_client_auth_method_from_string (const char         *text,
                                   GhClientAuthMethod *method)
{
  for (guint i = 0; i < G_N_ELEMENTS (auth_method_names); i++)
    if (g_strcmp0 (text, auth_method_names[i]) == 0)
      return *method = (GhClientAuthMethod) i, TRUE;
  return FALSE;
}

static char **
string_array_member (JsonObject *object,
                     const char *member)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (object != NULL && json_object_has_member (object, member) &&
      JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, member)))
    {
      JsonArray *array = json_object_get_array_member (object, member);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *node = json_array_get_element (array, i);
          if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
            g_strv_builder_add (builder, json_node_get_string (node));
        }
    }
  return g_strv_builder_end (builder);
}

static const char *
string_member (JsonObject *object,
               const char *member)
{
  JsonNode *node;

  if (object == NULL || !json_object_has_member (object, member))
    return NULL;
  node = json_object_get_member (object, member);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

GhClient *
gh_client_new_from_metadata (const char     *client_id,
                             GhClientSource  source,
                             JsonObject     *metadata)
{
  GhClient *client;

  g_return_val_if_fail (client_id != NULL, NULL);
  g_return_val_if_fail (metadata != NULL, NULL);

  client = g_new0 (GhClient, 1);
  client->client_id = g_strdup (client_id);
  client->source = source;
  if (!gh_client_auth_method_from_string (string_member (metadata, "token_endpoint_auth_method"),
                                          &client->auth_method))
    client->auth_method = GH_CLIENT_AUTH_NONE;
  client->client_name = g_strdup (string_member (metadata, "client_name"));
  client->redirect_uris = string_array_member (metadata, "redirect_uris");
  client->grant_types = string_array_member (metadata, "grant_types");
  client->scope = g_strdup (string_member (metadata, "scope"));
  client->application_type = g_strdup (string_member (metadata, "application_type"));
  client->metadata = json_object_ref (metadata);
  return client;
}

static gboolean
is_loopback_host (const char *host)
{
  if (host == NULL)
    return FALSE;
  return g_ascii_strcasecmp (host, "localhost") == 0 ||
         g_str_equal (host, "127.0.0.1") ||
         g_str_equal (host, "::1") ||
         g_str_equal (host, "[::1]");
}

gboolean
gh_uri_is_loopback_http (const char *uri)
{
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED, NULL);

  return parsed != NULL && g_strcmp0 (g_uri_get_scheme (parsed), "http") == 0 &&
         is_loopback_host (g_uri_get_host (parsed));
}

/* Refuses @uri for @reason: rule redirect_uri.invalid, or redirect_uri.scheme_not_allowed with
 * the fix that allows @custom_scheme. The explain's "reason" member is @reason. */
static gboolean
refuse_redirect_uri (GError                  **error,
                     const char               *uri,
                     const char               *reason,
                     const char               *custom_scheme,
                     const GhProjectSettings  *settings)
{
  JsonObject *explain;

  if (error == NULL)
    return FALSE;
  if (custom_scheme != NULL)
    {
      JsonArray *allowed = json_array_new ();

      explain = gh_explain_new ("redirect_uri.scheme_not_allowed",
                                "The custom scheme “%s” is not in the project's "
                                "redirect_schemes", custom_scheme);
      for (guint i = 0; settings != NULL && settings->redirect_schemes != NULL &&
           settings->redirect_schemes[i] != NULL; i++)
        json_array_add_string_element (allowed, settings->redirect_schemes[i]);
      gh_explain_take_expected (explain, json_node_init_array (json_node_alloc (), allowed));
      json_array_unref (allowed);
      gh_explain_set_hint (explain, "Desktop clients such as Cursor return to an app scheme "
                                    "(cursor://); the project must list it in "
                                    "redirect_schemes");
      gh_explain_set_fix (explain, "allow_redirect_scheme", "scheme", custom_scheme, NULL);
    }
  else
    {
      explain = gh_explain_new ("redirect_uri.invalid", "The redirect URI %s", reason);
      gh_explain_set_expected (explain, "an absolute https URI, http on 127.0.0.1, [::1] or "
                                        "localhost, or an allowed custom scheme; no fragment, "
                                        "no user information");
    }
  gh_explain_set_actual (explain, uri);
  json_object_set_string_member (explain, "reason", reason);
  return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_REDIRECT_URI, explain,
                                    "Redirect URI “%s” %s", uri, reason);
}

static gboolean
redirect_error (GError     **error,
                const char  *uri,
                const char  *reason)
{
  return refuse_redirect_uri (error, uri, reason, NULL, NULL);
}

gboolean
gh_redirect_uri_check (const char               *uri,
                       const GhProjectSettings  *settings,
                       GError                  **error)
{
  g_autoptr(GUri) parsed = NULL;
  g_autofree char *scheme = NULL;

  g_return_val_if_fail (uri != NULL, FALSE);

  if (*uri == '\0' || strlen (uri) > 2048)
    return redirect_error (error, uri, "must be 1 to 2048 characters");
  for (const char *p = uri; *p; p++)
    if ((guchar) *p <= 0x20 || (guchar) *p >= 0x7f)
      return redirect_error (error, uri, "contains spaces or characters outside ASCII");
  if (strchr (uri, '#') != NULL)
    return redirect_error (error, uri, "has a fragment");

  parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED, NULL);
  if (parsed == NULL)
    return redirect_error (error, uri, "is not an absolute URI");
  scheme = g_ascii_strdown (g_uri_get_scheme (parsed), -1);

  for (guint i = 0; i < G_N_ELEMENTS (dangerous_schemes); i++)
    if (g_str_equal (scheme, dangerous_schemes[i]))
      return redirect_error (error, uri, "uses a scheme a browser would run or fetch");
  if (g_uri_get_userinfo (parsed) != NULL)
    return redirect_error (error, uri, "has user information");

  if (g_str_equal (scheme, "https"))
    {
      if (g_uri_get_host (parsed) == NULL || *g_uri_get_host (parsed) == '\0')
        return redirect_error (error, uri, "has no host");
      return TRUE;
    }
  if (g_str_equal (scheme, "http"))
    {
      if (!is_loopback_host (g_uri_get_host (parsed)))
        return redirect_error (error, uri,
                               "uses http on a host other than 127.0.0.1, [::1] or localhost");
      return TRUE;
    }

  if (settings == NULL || settings->redirect_schemes == NULL ||
      !g_strv_contains ((const char * const *) settings->redirect_schemes, scheme))
    {
      g_autofree char *reason = g_strdup_printf ("uses the custom scheme “%s”, which this "
                                                 "project does not allow (setting "
                                                 "redirect_schemes)", scheme);
      return refuse_redirect_uri (error, uri, reason, scheme, settings);
    }
  return TRUE;
}

gboolean
gh_redirect_uri_matches (const char *registered,
                         const char *requested)
{
  g_autoptr(GUri) a = NULL;
  g_autoptr(GUri) b = NULL;

  if (registered == NULL || requested == NULL)
    return FALSE;
  if (g_str_equal (registered, requested))
    return TRUE;

  /* RFC 8252 §7.3: a native app's loopback redirect may come back on any port. Everything
   * else (host as written, path, query) must still be identical. */
  if (!gh_uri_is_loopback_http (registered) || !gh_uri_is_loopback_http (requested))
    return FALSE;
  a = g_uri_parse (registered, G_URI_FLAGS_ENCODED, NULL);
  b = g_uri_parse (requested, G_URI_FLAGS_ENCODED, NULL);
  return g_strcmp0 (g_uri_get_scheme (a), g_uri_get_scheme (b)) == 0 &&
         g_strcmp0 (g_uri_get_host (a), g_uri_get_host (b)) == 0 &&
         g_strcmp0 (g_uri_get_path (a), g_uri_get_path (b)) == 0 &&
         g_strcmp0 (g_uri_get_query (a), g_uri_get_query (b)) == 0 &&
         g_uri_get_userinfo (b) == NULL;
}

gboolean
gh_client_id_check (const char  *client_id,
                    GError     **error)
{
  gsize len = client_id != NULL ? strlen (client_id) : 0;

  if (len == 0 || len > 128)
    goto bad;
  if (g_ascii_strncasecmp (client_id, "http:", 5) == 0 ||
      g_ascii_strncasecmp (client_id, "https:", 6) == 0)
    {
      g_set_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_CLIENT_METADATA,
                   "A client_id that is a URL names a Client ID Metadata Document; "
                   "choose another id");
      return FALSE;
    }
  for (const char *p = client_id; *p; p++)
    if (!g_ascii_isalnum (*p) && strchr ("._~:-", *p) == NULL)
      goto bad;
  return TRUE;

bad:
  g_set_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_CLIENT_METADATA,
               "A client_id is 1 to 128 of the characters A-Z a-z 0-9 . _ ~ : -");
  return FALSE;
}

/* Refuses @metadata for its @member: metadata.invalid, with "member", what was @expected and
 * the member as it came ("actual"; null when absent). */
static gboolean
metadata_error (GError     **error,
                JsonObject  *metadata,
                const char  *member,
                const char  *expected,
                const char  *format,
                ...) G_GNUC_PRINTF (5, 6);

static gboolean
metadata_error (GError     **error,
                JsonObject  *metadata,
                const char  *member,
                const char  *expected,
                const char  *format,
                ...)
{
  g_autofree char *message = NULL;
  JsonObject *explain;
  JsonNode *actual = NULL;
  va_list args;

  if (error == NULL)
    return FALSE;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  explain = gh_explain_new ("metadata.invalid", "%s", message);
  gh_explain_set_expected (explain, expected);
  if (metadata != NULL && json_object_has_member (metadata, member))
    actual = json_node_copy (json_object_get_member (metadata, member));
  gh_explain_take_actual (explain, actual);
  json_object_set_string_member (explain, "member", member);
  return gh_oauth_refuse_explained (error, GH_OAUTH_ERROR_INVALID_CLIENT_METADATA, explain,
                                    "%s", message);
}

/* The first control character (Unicode Cc: U+0000..U+001F, U+007F..U+009F) of @text, or 0.
 * RFC 7591's members are human-readable text or URLs: neither holds one, and a consent
 * page, a terminal or a log should never be handed one. */
static gunichar
find_control_character (const char *text)
{
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar u = g_utf8_get_char (p);

      if (u < 0x20 || (u >= 0x7f && u <= 0x9f))
        return u;
    }
  return 0;
}

static gboolean
check_text (JsonObject  *metadata,
            const char  *member,
            const char  *text,
            GError     **error)
{
  gunichar u;

  if (!g_utf8_validate (text, -1, NULL))
    return metadata_error (error, metadata, member, "UTF-8 text", "%s is not UTF-8", member);
  u = find_control_character (text);
  if (u != 0)
    return metadata_error (error, metadata, member, "text without control characters",
                           "%s holds a control character (U+%04X)", member, u);
  return TRUE;
}

/* A member that must be a string when present. */
static gboolean
optional_string (JsonObject  *metadata,
                 const char  *member,
                 gsize        max_length,
                 const char **out,
                 GError     **error)
{
  g_autofree char *expected = g_strdup_printf ("a string of at most %" G_GSIZE_FORMAT
                                               " characters", max_length);
  JsonNode *node;

  *out = NULL;
  if (!json_object_has_member (metadata, member))
    return TRUE;
  node = json_object_get_member (metadata, member);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return metadata_error (error, metadata, member, expected, "%s must be a string", member);
  *out = json_node_get_string (node);
  if (strlen (*out) > max_length)
    return metadata_error (error, metadata, member, expected,
                           "%s is longer than %" G_GSIZE_FORMAT " characters", member,
                           max_length);
  return check_text (metadata, member, *out, error);
}

/* A member that must be an array of strings when present; NULL when absent. */
static gboolean
optional_string_array (JsonObject   *metadata,
                       const char   *member,
                       char       ***out,
                       GError      **error)
{
  static const char expected[] = "an array of at most 64 strings";
  JsonNode *node;
  JsonArray *array;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  *out = NULL;
  if (!json_object_has_member (metadata, member))
    return TRUE;
  node = json_object_get_member (metadata, member);
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return metadata_error (error, metadata, member, expected, "%s must be an array of strings",
                           member);
  array = json_node_get_array (node);
  if (json_array_get_length (array) > 64)
    return metadata_error (error, metadata, member, expected, "%s has more than 64 entries",
                           member);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
        return metadata_error (error, metadata, member, expected,
                               "%s must be an array of strings", member);
      /* A redirect URI is ASCII: gh_redirect_uri_check() refuses the rest, URI by URI. */
      if (!g_str_equal (member, "redirect_uris") &&
          !check_text (metadata, member, json_node_get_string (item), error))
        return FALSE;
      g_strv_builder_add (builder, json_node_get_string (item));
    }
  *out = g_strv_builder_end (builder);
  return TRUE;
}

/* redirect_uris: at least one, each checked. A refusal's explain (the first refused URI's
 * rule and fix) has as "actual" every submitted URI's verdict:
 * [{"uri", "verdict": "accepted" or "refused", "reason"}]. */
static gboolean
check_redirect_uris (JsonObject               *metadata,
                     const GhProjectSettings  *settings,
                     char                   ***out,
                     GError                  **error)
{
  g_autoptr(GError) first = NULL;
  g_autoptr(JsonArray) verdicts = json_array_new ();
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) uris = NULL;
  JsonObject *explain;

  if (!optional_string_array (metadata, "redirect_uris", &uris, error))
    return FALSE;
  if (uris == NULL || uris[0] == NULL)
    {
      if (!metadata_error (error, metadata, "redirect_uris", "at least one redirect URI",
                           "redirect_uris must list at least one redirect URI") &&
          error != NULL)
        (*error)->code = GH_OAUTH_ERROR_INVALID_REDIRECT_URI;
      return FALSE;
    }
  for (guint i = 0; uris[i] != NULL; i++)
    {
      g_autoptr(GError) uri_error = NULL;
      JsonObject *verdict = json_object_new ();

      json_object_set_string_member (verdict, "uri", uris[i]);
      if (gh_redirect_uri_check (uris[i], settings, &uri_error))
        {
          json_object_set_string_member (verdict, "verdict", "accepted");
          json_object_set_null_member (verdict, "reason");
        }
      else
        {
          json_object_set_string_member (verdict, "verdict", "refused");
          json_object_set_string_member (verdict, "reason",
                                         json_object_get_string_member (
                                           gh_error_get_explain (uri_error), "reason"));
          if (first == NULL)
            first = g_steal_pointer (&uri_error);
        }
      json_array_add_object_element (verdicts, verdict);
      g_strv_builder_add (builder, uris[i]);
    }
  if (first == NULL)
    {
      *out = g_strv_builder_end (builder);
      return TRUE;
    }
  explain = gh_error_get_explain (first);
  json_object_remove_member (explain, "reason");
  gh_explain_take_actual (explain, json_node_init_array (json_node_alloc (), verdicts));
  json_object_set_string_member (explain, "member", "redirect_uris");
  g_propagate_error (error, g_steal_pointer (&first));
  return FALSE;
}

static gboolean
check_web_uri (JsonObject  *metadata,
               const char  *member,
               const char  *uri,
               GError     **error)
{
  g_autoptr(GUri) parsed = NULL;

  if (uri == NULL)
    return TRUE;
  parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED, NULL);
  if (parsed == NULL || g_uri_get_host (parsed) == NULL ||
      (g_ascii_strcasecmp (g_uri_get_scheme (parsed), "https") != 0 &&
       !gh_uri_is_loopback_http (uri)))
    return metadata_error (error, metadata, member, "an https URL",
                           "%s must be an https URL", member);
  return TRUE;
}

static gboolean
check_scope_syntax (JsonObject  *metadata,
                    const char  *scope,
                    GError     **error)
{
  /* RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), separated by spaces. */
  for (const char *p = scope; *p; p++)
    if (*p != ' ' && (*p < 0x21 || *p > 0x7e || *p == '"' || *p == '\\'))
      return metadata_error (error, metadata, "scope",
                             "space-separated scope tokens (RFC 6749 §3.3)",
                             "scope holds a character scope tokens cannot have");
  return TRUE;
}

static gboolean
check_public_jwks (JsonObject  *metadata,
                   GError     **error)
{
  static const char * const private_members[] = { "d", "p", "q", "dp", "dq", "qi", "k", "oth" };
  static const char expected[] = "a JWK Set of 1 to 16 public keys";
  JsonNode *node = json_object_get_member (metadata, "jwks");
  JsonArray *keys;

  if (!JSON_NODE_HOLDS_OBJECT (node) ||
      !json_object_has_member (json_node_get_object (node), "keys") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_node_get_object (node), "keys")))
    return metadata_error (error, metadata, "jwks", expected,
                           "jwks must be an object with a \"keys\" array");
  keys = json_object_get_array_member (json_node_get_object (node), "keys");
  if (json_array_get_length (keys) == 0 || json_array_get_length (keys) > 16)
    return metadata_error (error, metadata, "jwks", expected, "jwks must hold 1 to 16 keys");
  for (guint i = 0; i < json_array_get_length (keys); i++)
    {
      JsonNode *key = json_array_get_element (keys, i);

      if (!JSON_NODE_HOLDS_OBJECT (key))
        return metadata_error (error, metadata, "jwks", expected,
                               "every entry of jwks.keys must be a JSON Web Key object");
      if (json_object_has_member (json_node_get_object (key), "kid") &&
          gh_json_get_string (json_node_get_object (key), "kid") == NULL)
        return metadata_error (error, metadata, "jwks", expected,
                               "a key's kid must be a string");
      for (guint j = 0; j < G_N_ELEMENTS (private_members); j++)
        if (json_object_has_member (json_node_get_object (key), private_members[j]))
          return metadata_error (error, metadata, "jwks", expected,
                                 "jwks holds a private or symmetric key (member \"%s\"); "
                                 "publish public keys only", private_members[j]);
    }
  return TRUE;
}

JsonObject *
gh_client_metadata_validate (JsonObject               *metadata,
                             const GhProjectSettings  *settings,
                             const char               *default_auth_method,
                             GError                  **error)
{
  g_autoptr(JsonObject) out = NULL;
  g_auto(GStrv) redirect_uris = NULL;
  g_auto(GStrv) grant_types = NULL;
  g_auto(GStrv) response_types = NULL;
  g_autoptr(GList) members = NULL;
  const char *auth_method_text = NULL;
  const char *application_type = NULL;
  const char *text = NULL;
  GhClientAuthMethod auth_method;
  gboolean all_native = TRUE;
  gboolean has_jwks, has_jwks_uri;

  g_return_val_if_fail (metadata != NULL, NULL);

  /* Copy every member, unknown ones included (RFC 7591 §3.2.1 echoes what was kept). */
  out = json_object_new ();
  members = json_object_get_members (metadata);
  for (const GList *l = members; l != NULL; l = l->next)
    json_object_set_member (out, l->data,
                            json_node_copy (json_object_get_member (metadata, l->data)));

  /* redirect_uris */
  if (!check_redirect_uris (metadata, settings, &redirect_uris, error))
    return NULL;
  for (guint i = 0; redirect_uris[i] != NULL; i++)
    {
      g_autoptr(GUri) parsed = g_uri_parse (redirect_uris[i], G_URI_FLAGS_ENCODED, NULL);

      if (g_ascii_strcasecmp (g_uri_get_scheme (parsed), "https") == 0)
        all_native = FALSE;
    }

  /* grant_types and response_types: only the code flow (and its refresh) exists here. */
  if (!optional_string_array (metadata, "grant_types", &grant_types, error) ||
      !optional_string_array (metadata, "response_types", &response_types, error))
    return NULL;
  if (grant_types == NULL)
    grant_types = g_strsplit ("authorization_code", " ", -1);
  if (response_types == NULL)
    response_types = g_strsplit ("code", " ", -1);
  for (guint i = 0; grant_types[i] != NULL; i++)
    if (!g_str_equal (grant_types[i], "authorization_code") &&
        !g_str_equal (grant_types[i], "refresh_token"))
      return metadata_error (error, metadata, "grant_types",
                             "authorization_code, and optionally refresh_token",
                             "grant type “%s” is not supported (use authorization_code "
                             "and refresh_token)", grant_types[i]), NULL;
  for (guint i = 0; response_types[i] != NULL; i++)
    if (!g_str_equal (response_types[i], "code"))
      return metadata_error (error, metadata, "response_types", "[\"code\"]",
                             "response type “%s” is not supported (only code)",
                             response_types[i]), NULL;
  if (!g_strv_contains ((const char * const *) grant_types, "authorization_code"))
    return metadata_error (error, metadata, "grant_types", "authorization_code among them",
                           "grant_types must include authorization_code"), NULL;
  if (response_types[0] == NULL)
    return metadata_error (error, metadata, "response_types", "[\"code\"]",
                           "response_types must include code, as grant_types has "
                           "authorization_code"), NULL;
  json_object_set_array_member (out, "grant_types", gh_json_array_from_strv (grant_types));
  json_object_set_array_member (out, "response_types", gh_json_array_from_strv (response_types));

  /* token_endpoint_auth_method */
  if (!optional_string (metadata, "token_endpoint_auth_method", 64, &auth_method_text, error))
    return NULL;
  if (auth_method_text == NULL)
    auth_method_text = default_auth_method != NULL ? default_auth_method : "client_secret_basic";
  if (!gh_client_auth_method_from_string (auth_method_text, &auth_method))
    return metadata_error (error, metadata, "token_endpoint_auth_method",
                           "none, client_secret_basic, client_secret_post or private_key_jwt",
                           "token_endpoint_auth_method “%s” is not supported (use none, "
                           "client_secret_basic, client_secret_post or private_key_jwt)",
                           auth_method_text), NULL;
  json_object_set_string_member (out, "token_endpoint_auth_method", auth_method_text);

  has_jwks = json_object_has_member (metadata, "jwks");
  has_jwks_uri = json_object_has_member (metadata, "jwks_uri");
  if (has_jwks && has_jwks_uri)
    return metadata_error (error, metadata, "jwks_uri", "jwks or jwks_uri, not both",
                           "jwks and jwks_uri exclude each other"), NULL;
  if (has_jwks && !check_public_jwks (metadata, error))
    return NULL;
  if (!optional_string (metadata, "jwks_uri", 2048, &text, error) ||
      !check_web_uri (metadata, "jwks_uri", text, error))
    return NULL;
  if (auth_method == GH_CLIENT_AUTH_PRIVATE_KEY_JWT && !has_jwks && !has_jwks_uri)
    return metadata_error (error, metadata, "jwks", "the client's public keys (jwks or jwks_uri)",
                           "private_key_jwt needs the client's public keys in jwks or "
                           "jwks_uri"), NULL;

  /* application_type (OIDC): native for loopback and custom-scheme clients, web otherwise. */
  if (!optional_string (metadata, "application_type", 16, &application_type, error))
    return NULL;
  if (application_type != NULL && !g_str_equal (application_type, "web") &&
      !g_str_equal (application_type, "native"))
    return metadata_error (error, metadata, "application_type", "web or native",
                           "application_type must be web or native"), NULL;
  if (application_type == NULL)
    json_object_set_string_member (out, "application_type", all_native ? "native" : "web");

  /* The human-facing strings and URLs. */
  if (!optional_string (metadata, "client_name", 200, &text, error))
    return NULL;
  if (!optional_string (metadata, "scope", 1000, &text, error) ||
      (text != NULL && !check_scope_syntax (metadata, text, error)))
    return NULL;
  for (const char * const *member = (const char * const[]) { "client_uri", "logo_uri", "tos_uri",
         "policy_uri", NULL }; *member != NULL; member++)
    if (!optional_string (metadata, *member, 2048, &text, error) ||
        !check_web_uri (metadata, *member, text, error))
      return NULL;
  for (const char * const *member = (const char * const[]) { "software_id", "software_version",
         NULL }; *member != NULL; member++)
    if (!optional_string (metadata, *member, 200, &text, error))
      return NULL;
  if (json_object_has_member (metadata, "contacts"))
    {
      g_auto(GStrv) contacts = NULL;
      if (!optional_string_array (metadata, "contacts", &contacts, error))
        return NULL;
    }
  /* Their language-tagged forms (RFC 7591 §2.2: "client_name#ja-Jpan-JP") are kept as they
   * came, so they are held to the same rule. */
  for (const GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      const char *tag = strchr (name, '#');
      g_autofree char *base = tag != NULL ? g_strndup (name, tag - name) : NULL;

      if (base != NULL &&
          g_strv_contains ((const char * const[]) { "client_name", "client_uri", "logo_uri",
                                                     "tos_uri", "policy_uri", NULL }, base) &&
          !optional_string (metadata, name, 2048, &text, error))
        return NULL;
    }

  return g_steal_pointer (&out);
}

/* Where a client comes from, in words: pre-registered (here), dcr (registered itself), cimd
 * (a URL client: imported ahead of time, or fetched at /authorize and kept in the cache). */
const char *
gh_client_get_origin (const GhClient *client)
{
  switch (client->source)
    {
    case GH_CLIENT_SOURCE_ADMIN:
      return "pre-registered";
    case GH_CLIENT_SOURCE_DCR:
      return "dcr";
    case GH_CLIENT_SOURCE_CIMD:
      return client->id != 0 ? "cimd (imported)" : "cimd (fetched)";
    default:
      g_assert_not_reached ();
    }
}
