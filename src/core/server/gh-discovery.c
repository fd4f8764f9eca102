/* gh-discovery.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-server"

#include "config.h"

#include "gh-discovery.h"

static JsonArray *
string_array (const char * const *items)
{
  JsonArray *array = json_array_new ();

  for (guint i = 0; items != NULL && items[i] != NULL; i++)
    json_array_add_string_element (array, items[i]);
  return array;
}

JsonObject *
gh_discovery_build (const GhProject    *project,
                    const char         *issuer,
                    GhDiscoveryKind     kind,
                    JsonObject         *endpoints,
                    const char * const *signing_algs,
                    const char * const *resource_scopes,
                    gboolean            cimd_available)
{
  static const char * const response_types[] = { "code", NULL };
  static const char * const response_modes[] = { "query", NULL };
  static const char * const grant_types[] = { "authorization_code", "refresh_token", NULL };
  static const char * const challenge_methods[] = { "S256", NULL };
  static const char * const scopes[] = { "openid", "profile", "email", "offline_access", NULL };
  static const char * const subject_types[] = { "public", NULL };
  const GhProjectSettings *settings;
  JsonObject *doc;
  g_autoptr(GList) names = NULL;

  g_return_val_if_fail (project != NULL, NULL);
  g_return_val_if_fail (issuer != NULL, NULL);
  g_return_val_if_fail (endpoints != NULL, NULL);

  settings = project->settings;
  doc = json_object_new ();

  json_object_set_string_member (doc, "issuer", issuer);

  names = json_object_get_members (endpoints);
  for (const GList *l = names; l != NULL; l = l->next)
    {
      const char *name = l->data;

      /* DCR off means no registration endpoint at all (clients then try CIMD or give up). */
      if (g_str_equal (name, "registration_endpoint") &&
          settings->dcr_mode == GH_DCR_MODE_DISABLED)
        continue;
      json_object_set_string_member (doc, name, json_object_get_string_member (endpoints, name));
    }

  json_object_set_array_member (doc, "response_types_supported", string_array (response_types));
  json_object_set_array_member (doc, "response_modes_supported", string_array (response_modes));
  json_object_set_array_member (doc, "grant_types_supported", string_array (grant_types));
  json_object_set_array_member (doc, "code_challenge_methods_supported",
                                string_array (challenge_methods));
  {
    JsonArray *supported = string_array (scopes);

    for (guint i = 0; resource_scopes != NULL && resource_scopes[i] != NULL; i++)
      if (!g_strv_contains (scopes, resource_scopes[i]))
        json_array_add_string_element (supported, resource_scopes[i]);
    json_object_set_array_member (doc, "scopes_supported", supported);
  }
  json_object_set_boolean_member (doc, "authorization_response_iss_parameter_supported", TRUE);

  if (json_object_has_member (endpoints, "token_endpoint"))
    {
      static const char * const auth_methods[] = {
        "none", "client_secret_basic", "client_secret_post", "private_key_jwt", NULL,
      };
      json_object_set_array_member (doc, "token_endpoint_auth_methods_supported",
                                    string_array (auth_methods));
      json_object_set_array_member (doc, "token_endpoint_auth_signing_alg_values_supported",
                                    string_array ((const char * const[]) { "ES256", "RS256",
                                                  NULL }));
    }

  if (json_object_has_member (endpoints, "revocation_endpoint"))
    json_object_set_array_member (doc, "revocation_endpoint_auth_methods_supported",
                                  string_array ((const char * const[]) { "none",
                                                "client_secret_basic",
                                                                         "client_secret_post",
                                                                         "private_key_jwt", NULL }));
  if (json_object_has_member (endpoints, "introspection_endpoint"))
    json_object_set_array_member (doc, "introspection_endpoint_auth_methods_supported",
                                  string_array ((const char * const[]) { "client_secret_basic",
                                                                         "client_secret_post",
                                                                         "private_key_jwt", NULL }));

  if (kind == GH_DISCOVERY_OIDC || json_object_has_member (endpoints, "userinfo_endpoint"))
    {
      json_object_set_array_member (doc, "subject_types_supported", string_array (subject_types));
      json_object_set_array_member (doc, "id_token_signing_alg_values_supported",
                                    string_array (signing_algs));
      json_object_set_array_member (doc, "claims_supported",
                                    string_array ((const char * const[]) {
                                      "iss", "sub", "aud", "exp", "iat", "auth_time", "nonce",
                                      "at_hash", "azp", "name", "preferred_username", "email",
                                      "email_verified", NULL }));
    }

  /* Clients pick CIMD from this flag alone: it is true only when a URL client_id works. */
  json_object_set_boolean_member (doc, "client_id_metadata_document_supported",
                                  settings->cimd_enabled && cimd_available);
  if (settings->mcp_enabled)
    json_object_set_boolean_member (doc, "mcp_authorization_supported", TRUE);

  return doc;
}
