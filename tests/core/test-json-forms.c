/* test-json-forms.c — the JSON form of each domain type, as the CLI and the admin API print it
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-crypto.h"
#include "gh-json.h"
#include "gh-test-util.h"
#include "gh-time.h"

typedef GhTestServices Fixture;

/* Asserts that @object has exactly the members @expected names, in that order (the CLI's
 * output is byte for byte stable), each "name:T" with T the type: s string, i integer,
 * b boolean, o object, a array, n null. */
static void
assert_members (JsonObject         *object,
                const char * const *expected)
{
  g_autoptr(GList) members = json_object_get_members (object);
  const GList *l = members;
  guint i;

  for (i = 0; expected[i] != NULL; i++, l = l->next)
    {
      const char *colon = strrchr (expected[i], ':');
      g_autofree char *name = g_strndup (expected[i], colon - expected[i]);
      JsonNode *node;

      g_assert_nonnull (l);
      g_assert_cmpstr (l->data, ==, name);
      node = json_object_get_member (object, name);
      switch (colon[1])
        {
        case 's':
          g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_STRING);
          break;
        case 'i':
          g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_INT64);
          break;
        case 'b':
          g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_BOOLEAN);
          break;
        case 'o':
          g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
          break;
        case 'a':
          g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
          break;
        case 'n':
          g_assert_true (JSON_NODE_HOLDS_NULL (node));
          break;
        default:
          g_assert_not_reached ();
        }
    }
  g_assert_null (l);
}

static char *
to_text (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  return gh_json_to_string (node, FALSE);
}

static void
test_project (Fixture       *f,
              gconstpointer  data)
{
  static const char * const running[] = {
    "slug:s", "display_name:s", "profile:s", "issuer:s", "server_running:b", "issuer_path:s",
    "created_at:i", "settings:o", NULL,
  };
  static const char * const unknown[] = {
    "slug:s", "display_name:s", "profile:s", "issuer:n", "server_running:b", "issuer_path:s",
    "created_at:i", "settings:o", NULL,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GhProject) acme = gh_projects_create (f->projects, "acme", "ACME Corp",
                                                  GH_SETTINGS_PROFILE_PRODUCTION, "test", &error);
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonObject) fallback = NULL;
  g_autofree char *path = NULL;
  JsonObject *settings;

  g_assert_no_error (error);
  object = gh_project_to_json (acme, "https://as.example/p/acme", TRUE);
  assert_members (object, running);
  g_assert_cmpstr (json_object_get_string_member (object, "slug"), ==, "acme");
  g_assert_cmpstr (json_object_get_string_member (object, "display_name"), ==, "ACME Corp");
  g_assert_cmpstr (json_object_get_string_member (object, "profile"), ==, "production");
  g_assert_cmpstr (json_object_get_string_member (object, "issuer"), ==,
                   "https://as.example/p/acme");
  g_assert_true (json_object_get_boolean_member (object, "server_running"));
  g_assert_cmpstr (json_object_get_string_member (object, "issuer_path"), ==, "/p/acme");
  g_assert_cmpint (json_object_get_int_member (object, "created_at"), ==, acme->created_at);
  settings = json_object_get_object_member (object, "settings");
  g_assert_false (json_object_get_boolean_member (settings, "mcp_enabled"));
  g_assert_cmpstr (json_object_get_string_member (settings, "dcr_mode"), ==, "disabled");

  /* No server known: the issuer is null; the default project's path is the root. */
  fallback = gh_project_to_json (f->project, NULL, FALSE);
  assert_members (fallback, unknown);
  g_assert_false (json_object_get_boolean_member (fallback, "server_running"));
  g_assert_cmpstr (json_object_get_string_member (fallback, "issuer_path"), ==, "");
  path = gh_project_dup_issuer_path (f->project);
  g_assert_cmpstr (path, ==, "");
}

static void
test_setting_change (Fixture       *f,
                     gconstpointer  data)
{
  static const char * const explicit[] = { "key:s", "old:s", "new:s", NULL };
  static const char * const cascaded[] = { "key:s", "old:s", "new:s", "cascade_from:s", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GhProject) acme = gh_projects_create (f->projects, "acme", NULL,
                                                  GH_SETTINGS_PROFILE_PRODUCTION, "test", &error);
  g_autoptr(JsonObject) patch = gh_test_parse_object ("{\"mcp_enabled\": \"true\"}");
  g_autoptr(GPtrArray) changes = NULL;
  guint n_cascaded = 0;

  g_assert_no_error (error);
  changes = gh_projects_update_settings (f->projects, "acme", patch, "test", &error);
  g_assert_no_error (error);
  /* mcp_enabled, and what it turned on: cimd_enabled, dcr_mode. */
  g_assert_cmpuint (changes->len, ==, 3);
  for (guint i = 0; i < changes->len; i++)
    {
      GhSettingChange *change = g_ptr_array_index (changes, i);
      g_autoptr(JsonObject) object = gh_setting_change_to_json (change);

      g_assert_cmpstr (json_object_get_string_member (object, "key"), ==, change->key);
      g_assert_cmpstr (json_object_get_string_member (object, "old"), ==, change->old_value);
      g_assert_cmpstr (json_object_get_string_member (object, "new"), ==, change->new_value);
      if (g_str_equal (change->key, "mcp_enabled"))
        {
          assert_members (object, explicit);
          g_assert_cmpstr (json_object_get_string_member (object, "old"), ==, "false");
          g_assert_cmpstr (json_object_get_string_member (object, "new"), ==, "true");
        }
      else
        {
          assert_members (object, cascaded);
          g_assert_cmpstr (json_object_get_string_member (object, "cascade_from"), ==,
                           "mcp_enabled");
          n_cascaded++;
        }
    }
  g_assert_cmpuint (n_cascaded, ==, 2);
}

static void
test_client (Fixture       *f,
             gconstpointer  data)
{
  static const char * const with_secret[] = {
    "client_id", "client_secret", "client_id_issued_at", "client_secret_expires_at", NULL,
  };
  g_autofree char *secret = NULL;
  g_autoptr(GhClient) client = gh_test_services_add_client (
    f, "conf", "{\"redirect_uris\": [\"https://app.example/cb\"], \"client_name\": \"Conf\", "
    "\"token_endpoint_auth_method\": \"client_secret_basic\"}", &secret);
  g_autoptr(JsonObject) listed = gh_client_to_json (client, NULL);
  g_autoptr(JsonObject) created = gh_client_to_json (client, secret);
  g_autoptr(GList) metadata = json_object_get_members (client->metadata);
  g_autoptr(GList) members = json_object_get_members (listed);
  g_autofree char *text = to_text (listed);
  const GList *l;
  guint i;

  g_assert_nonnull (secret);
  g_assert_nonnull (client->secret_hash);

  /* client_id, client_id_issued_at, the metadata in its order, source. */
  g_assert_cmpuint (g_list_length (members), ==, 2 + g_list_length (metadata) + 1);
  g_assert_cmpstr (members->data, ==, "client_id");
  g_assert_cmpstr (members->next->data, ==, "client_id_issued_at");
  for (l = metadata, i = 2; l != NULL; l = l->next, i++)
    g_assert_cmpstr (g_list_nth_data (members, i), ==, l->data);
  g_assert_cmpstr (g_list_last (members)->data, ==, "source");
  g_assert_cmpstr (json_object_get_string_member (listed, "client_id"), ==, "conf");
  g_assert_cmpint (json_object_get_int_member (listed, "client_id_issued_at"), ==,
                   client->created_at);
  g_assert_cmpstr (json_object_get_string_member (listed, "client_name"), ==, "Conf");
  g_assert_cmpstr (json_object_get_string_member (listed, "source"), ==, "admin");
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_object_get_member (listed, "redirect_uris")));

  /* Listed: neither the secret nor its stored hash, under any name. */
  g_assert_false (json_object_has_member (listed, "client_secret"));
  g_assert_false (json_object_has_member (listed, "client_secret_expires_at"));
  g_assert_null (strstr (text, secret));
  g_assert_null (strstr (text, client->secret_hash));
  g_assert_null (strstr (text, "secret_hash"));

  /* Just created: the secret, once, and that it does not expire; still never the hash. */
  g_clear_pointer (&members, g_list_free);
  members = json_object_get_members (created);
  for (l = members, i = 0; with_secret[i] != NULL; l = l->next, i++)
    g_assert_cmpstr (l->data, ==, with_secret[i]);
  g_clear_pointer (&text, g_free);
  text = to_text (created);
  g_assert_cmpstr (json_object_get_string_member (created, "client_secret"), ==, secret);
  g_assert_cmpint (json_object_get_int_member (created, "client_secret_expires_at"), ==, 0);
  g_assert_null (strstr (text, client->secret_hash));
}

static void
test_iat (Fixture       *f,
          gconstpointer  data)
{
  static const char * const fresh[] = {
    "id:s", "label:s", "max_uses:i", "uses:i", "uses_left:i", "created_at:i", "expires_at:i",
    "revoked:b", "usable:b", "state:s", "pinned:o", NULL,
  };
  static const char * const used_forever[] = {
    "id:s", "label:s", "max_uses:i", "uses:i", "uses_left:i", "created_at:i",
    "last_used_at:i", "revoked:b", "usable:b", "state:s", "pinned:o", NULL,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) pins = gh_test_parse_object ("{\"application_type\": \"web\"}");
  g_autofree char *token = NULL;
  g_autofree char *forever_token = NULL;
  g_autofree char *hash = NULL;
  g_autoptr(GhIat) iat = gh_iats_issue (f->iats, f->project, "ci", 3, 3600, pins, "test",
                                        &token, &error);
  g_autoptr(GhIat) forever = NULL;
  g_autoptr(GhIat) used = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonObject) later = NULL;
  g_autofree char *text = NULL;
  gint64 now = gh_now_seconds ();

  g_assert_no_error (error);
  object = gh_iat_to_json (iat, now);
  assert_members (object, fresh);
  g_assert_cmpstr (json_object_get_string_member (object, "id"), ==, iat->id);
  g_assert_cmpstr (json_object_get_string_member (object, "label"), ==, "ci");
  g_assert_cmpint (json_object_get_int_member (object, "max_uses"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (object, "uses"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (object, "uses_left"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (object, "expires_at"), ==, iat->expires_at);
  g_assert_false (json_object_get_boolean_member (object, "revoked"));
  g_assert_true (json_object_get_boolean_member (object, "usable"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (object,
                                                                                 "pinned"),
                                                  "application_type"), ==, "web");
  /* Usable is at the time asked about. */
  later = gh_iat_to_json (iat, iat->expires_at);
  g_assert_false (json_object_get_boolean_member (later, "usable"));

  /* Never the token, nor the hash the store keeps of it. */
  text = to_text (object);
  hash = gh_sha256_base64url (token);
  g_assert_null (strstr (text, token));
  g_assert_null (strstr (text, token + strlen (GH_IAT_PREFIX)));
  g_assert_null (strstr (text, hash));

  /* One that never expires and was used: last_used_at instead of expires_at. */
  forever = gh_iats_issue (f->iats, f->project, NULL, 1, 0, NULL, "test", &forever_token,
                           &error);
  g_assert_no_error (error);
  g_assert_true (gh_store_begin (f->store, NULL));
  used = gh_iats_use (f->iats, f->project, forever_token, &error);
  g_assert_no_error (error);
  g_assert_true (gh_store_commit (f->store, NULL));
  g_clear_pointer (&object, json_object_unref);
  object = gh_iat_to_json (used, now);
  assert_members (object, used_forever);
  g_assert_cmpint (json_object_get_int_member (object, "uses_left"), ==, 0);
  g_assert_false (json_object_get_boolean_member (object, "usable"));
  g_clear_pointer (&text, g_free);
  text = to_text (object);
  g_assert_null (strstr (text, forever_token + strlen (GH_IAT_PREFIX)));
}

static void
test_user (Fixture       *f,
           gconstpointer  data)
{
  static const char * const expected[] = {
    "username:s", "name:s", "email:s", "claims:o", "created_at:i", NULL,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) claims = gh_test_parse_object ("{\"team\": \"blue\"}");
  g_autoptr(GhUser) user = gh_users_add (f->users, f->project, "bob", "Bob", "bob@example.com",
                                         claims, "test", &error);
  g_autoptr(JsonObject) object = NULL;

  g_assert_no_error (error);
  object = gh_user_to_json (user);
  assert_members (object, expected);
  g_assert_cmpstr (json_object_get_string_member (object, "username"), ==, "bob");
  g_assert_cmpstr (json_object_get_string_member (object, "name"), ==, "Bob");
  g_assert_cmpstr (json_object_get_string_member (object, "email"), ==, "bob@example.com");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (object,
                                                                                 "claims"),
                                                  "team"), ==, "blue");
  g_assert_cmpint (json_object_get_int_member (object, "created_at"), ==, user->created_at);
}

static void
test_resource (Fixture       *f,
               gconstpointer  data)
{
  static const char * const expected[] = {
    "uri:s", "display_name:s", "scopes:a", "audience:s", "recorded:b", "created_at:i", NULL,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GhResource) resource = gh_resources_add (f->resources, f->project,
                                                     "HTTPS://MCP.Example/Tools", "Tools",
                                                     "mcp:tools mcp:read", "aud-1", "test",
                                                     &error);
  g_autoptr(JsonObject) object = NULL;
  JsonArray *scopes;

  g_assert_no_error (error);
  object = gh_resource_to_json (resource);
  assert_members (object, expected);
  g_assert_cmpstr (json_object_get_string_member (object, "uri"), ==,
                   "https://mcp.example/Tools");
  g_assert_cmpstr (json_object_get_string_member (object, "display_name"), ==, "Tools");
  scopes = json_object_get_array_member (object, "scopes");
  g_assert_cmpuint (json_array_get_length (scopes), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (scopes, 0), ==, "mcp:tools");
  g_assert_cmpstr (json_array_get_string_element (scopes, 1), ==, "mcp:read");
  g_assert_cmpstr (json_object_get_string_member (object, "audience"), ==, "aud-1");
  g_assert_false (json_object_get_boolean_member (object, "recorded"));
  g_assert_cmpint (json_object_get_int_member (object, "created_at"), ==, resource->created_at);
}

static void
test_signing_key (Fixture       *f,
                  gconstpointer  data)
{
  static const char * const current[] = {
    "kid:s", "alg:s", "created_at:i", "active_from:i", "state:s", "signing:b", "published:b",
    NULL,
  };
  static const char * const replaced[] = {
    "kid:s", "alg:s", "created_at:i", "active_from:i", "retired_at:i", "expires_at:i",
    "state:s", "signing:b", "published:b", NULL,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GhJwk) jwk = gh_signing_keys_get_signing_key (f->keys, &error);
  g_autofree char *pem = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *next_kid = NULL;
  g_autoptr(GPtrArray) keys = NULL;
  gint64 now = gh_now_seconds ();

  g_assert_no_error (error);
  pem = gh_jwk_export_private_pem (jwk, &error);
  g_assert_no_error (error);
  lines = g_strsplit (pem, "\n", -1);

  next_kid = gh_signing_keys_rotate (f->keys, GH_JWS_ALG_RS256, 300, 900, "test", &error);
  g_assert_no_error (error);
  keys = gh_signing_keys_list (f->keys, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (keys->len, ==, 2);
  for (guint i = 0; i < keys->len; i++)
    {
      GhSigningKeyInfo *info = g_ptr_array_index (keys, i);
      g_autoptr(JsonObject) object = gh_signing_key_info_to_json (info, now);
      g_autofree char *text = to_text (object);

      g_assert_cmpstr (json_object_get_string_member (object, "kid"), ==, info->kid);
      g_assert_cmpint (json_object_get_int_member (object, "created_at"), ==, info->created_at);
      g_assert_cmpint (json_object_get_int_member (object, "active_from"), ==,
                       info->active_from);
      g_assert_true (json_object_get_boolean_member (object, "published"));
      if (g_str_equal (info->kid, next_kid))
        {
          assert_members (object, current);
          g_assert_cmpstr (json_object_get_string_member (object, "alg"), ==, "RS256");
          g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, "next");
          g_assert_false (json_object_get_boolean_member (object, "signing"));
        }
      else
        {
          /* The one that signs until the next one does, then stays published. */
          assert_members (object, replaced);
          g_assert_cmpstr (json_object_get_string_member (object, "alg"), ==, "ES256");
          g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, "signing");
          g_assert_true (json_object_get_boolean_member (object, "signing"));
          g_assert_cmpint (json_object_get_int_member (object, "retired_at"), ==,
                           info->retired_at);
          g_assert_cmpint (json_object_get_int_member (object, "expires_at"), ==,
                           info->expires_at);
        }
      /* Never the private part: no line of the key's PEM body. */
      for (guint j = 0; lines[j] != NULL; j++)
        if (strlen (lines[j]) > 16 && !g_str_has_prefix (lines[j], "-----"))
          g_assert_null (strstr (text, lines[j]));
    }

  /* The states by time: next until it signs, then retired for the one it replaced. */
  {
    GhSigningKeyInfo info = { .kid = (char *) "k", .alg = GH_JWS_ALG_ES256, .created_at = 100,
                              .active_from = 200, .published = TRUE };

    g_assert_cmpstr (gh_signing_key_info_get_state (&info, 150), ==, "next");
    g_assert_cmpstr (gh_signing_key_info_get_state (&info, 250), ==, "retired");
    info.signing = TRUE;
    g_assert_cmpstr (gh_signing_key_info_get_state (&info, 250), ==, "signing");
    info.signing = FALSE;
    info.published = FALSE;
    g_assert_cmpstr (gh_signing_key_info_get_state (&info, 250), ==, "expired");
    info.retired_at = 150;
    g_assert_cmpstr (gh_signing_key_info_get_state (&info, 250), ==, "unused");
  }
}

int
main (int    argc,
      char **argv)
{
  static const struct
  {
    const char *path;
    void      (*func) (Fixture *f, gconstpointer data);
  } tests[] = {
    { "/core/json-forms/project", test_project },
    { "/core/json-forms/setting-change", test_setting_change },
    { "/core/json-forms/client", test_client },
    { "/core/json-forms/iat", test_iat },
    { "/core/json-forms/user", test_user },
    { "/core/json-forms/resource", test_resource },
    { "/core/json-forms/signing-key", test_signing_key },
  };

  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (tests); i++)
    g_test_add (tests[i].path, Fixture, NULL, gh_test_services_setup, tests[i].func,
                gh_test_services_teardown);
  return g_test_run ();
}
