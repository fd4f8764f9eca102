/* test-settings.c — project settings: defaults, validation, the MCP cascade, persistence
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-projects.h"
#include "gh-users.h"
#include "gh-test-util.h"

/* DESIGN.md's table, both profiles. */
static void
test_defaults (void)
{
  static const struct {
    const char *key;
    const char *development;
    const char *production;
  } rows[] = {
    { "mcp_enabled", "true", "false" },
    { "cimd_enabled", "true", "false" },
    { "dcr_mode", "open", "disabled" },
    { "dcr_rate_limit", "60", "10" },
    { "access_token_ttl", "3600", "900" },
    { "refresh_token_ttl", "2592000", "1209600" },
    { "code_ttl", "60", "60" },
    { "refresh_grace_seconds", "0", "0" },
    { "redirect_schemes", "cursor,vscode,windsurf,claude", "" },
    { "resource_policy", "open", "listed" },
    { "allow_loopback_cimd", "true", "false" },
    { "allow_free_form_login", "true", "false" },
    { "cimd_allowed_domains", "", "" },
    { "cimd_blocked_domains", "", "" },
    { "cimd_max_bytes", "5120", "5120" },
    { "cimd_timeout_ms", "5000", "5000" },
    { "cimd_cache_min_s", "60", "60" },
    { "cimd_cache_max_s", "86400", "86400" },
    { "cimd_cache_default_s", "3600", "3600" },
    { "auto_approve_user", "", "" },
  };
  g_autoptr(GhProjectSettings) dev = gh_project_settings_new (GH_SETTINGS_PROFILE_DEVELOPMENT);
  g_autoptr(GhProjectSettings) prod = gh_project_settings_new (GH_SETTINGS_PROFILE_PRODUCTION);

  g_assert_cmpuint (g_strv_length ((char **) gh_project_settings_list_keys ()), ==,
                    G_N_ELEMENTS (rows));
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *d = gh_project_settings_get (dev, rows[i].key);
      g_autofree char *p = gh_project_settings_get (prod, rows[i].key);

      g_test_message ("%s", rows[i].key);
      g_assert_true (gh_project_settings_has_key (rows[i].key));
      g_assert_nonnull (gh_project_settings_describe_key (rows[i].key));
      g_assert_cmpstr (d, ==, rows[i].development);
      g_assert_cmpstr (p, ==, rows[i].production);
    }
  g_assert_true (gh_project_settings_check (dev, NULL));
  g_assert_true (gh_project_settings_check (prod, NULL));
}

/* Every bad value is refused with a message that names the key; the settings stay as they were. */
static void
test_rejects_bad_values (void)
{
  static const struct {
    const char *key;
    const char *value;
  } rows[] = {
    { "mcp_enabled", "maybe" },
    { "mcp_enabled", "" },
    { "cimd_enabled", "2" },
    { "allow_loopback_cimd", "truee" },
    { "dcr_mode", "closed" },
    { "dcr_mode", "OPEN" },
    { "dcr_mode", "" },
    { "dcr_rate_limit", "0" },
    { "dcr_rate_limit", "-5" },
    { "dcr_rate_limit", "ten" },
    { "access_token_ttl", "59" },
    { "access_token_ttl", "86401" },
    { "access_token_ttl", "3600s" },
    { "access_token_ttl", " 3600" },
    { "access_token_ttl", "0x10" },
    { "access_token_ttl", "99999999999999999999999" },
    { "refresh_token_ttl", "299" },
    { "code_ttl", "61" },
    { "code_ttl", "4" },
    { "refresh_grace_seconds", "-1" },
    { "refresh_grace_seconds", "301" },
    { "resource_policy", "closed" },
    { "redirect_schemes", "https" },
    { "redirect_schemes", "http" },
    { "redirect_schemes", "javascript" },
    { "redirect_schemes", "data" },
    { "redirect_schemes", "file" },
    { "redirect_schemes", "1cursor" },
    { "redirect_schemes", "cur sor" },
    { "redirect_schemes", "cursor,vs_code" },
    { "cimd_allowed_domains", "https://example.com" },
    { "cimd_allowed_domains", "example.com:443" },
    { "cimd_allowed_domains", "example.com/path" },
    { "cimd_allowed_domains", "a.*.example.com" },
    { "cimd_allowed_domains", "-bad.example.com" },
    { "cimd_allowed_domains", "exa_mple.com" },
    { "cimd_blocked_domains", "user@example.com" },
    { "cimd_max_bytes", "100" },
    { "cimd_max_bytes", "2000000" },
    { "cimd_timeout_ms", "50" },
    { "cimd_timeout_ms", "60000" },
    { "cimd_cache_min_s", "-1" },
    { "cimd_cache_max_s", "9999999" },
    { "auto_approve_user", "dev user" },
    { "auto_approve_user", "<script>" },
    { "no_such_key", "1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GhProjectSettings) settings =
        gh_project_settings_new (GH_SETTINGS_PROFILE_DEVELOPMENT);
      g_autoptr(GhProjectSettings) before = gh_project_settings_copy (settings);
      g_autoptr(GError) error = NULL;
      g_autofree char *value_before = NULL;
      g_autofree char *value_after = NULL;

      g_test_message ("%s=%s", rows[i].key, rows[i].value);
      g_assert_false (gh_project_settings_set (settings, rows[i].key, rows[i].value, &error));
      g_assert_nonnull (error);
      g_assert_true (error->domain == GH_SETTINGS_ERROR);
      g_assert_nonnull (strstr (error->message, rows[i].key));
      if (gh_project_settings_has_key (rows[i].key))
        {
          value_before = gh_project_settings_get (before, rows[i].key);
          value_after = gh_project_settings_get (settings, rows[i].key);
          g_assert_cmpstr (value_before, ==, value_after);
        }
    }
}

static void
test_accepts_values (void)
{
  static const struct {
    const char *key;
    const char *value;
    const char *stored;
  } rows[] = {
    { "mcp_enabled", "yes", "true" },
    { "mcp_enabled", "OFF", "false" },
    { "cimd_enabled", "1", "true" },
    { "dcr_mode", "initial_access_token", "initial_access_token" },
    { "access_token_ttl", "60", "60" },
    { "access_token_ttl", "86400", "86400" },
    { "redirect_schemes", "", "" },
    { "redirect_schemes", " Cursor , vscode:,claude://,cursor ", "cursor,vscode,claude" },
    { "redirect_schemes", "com.example.app", "com.example.app" },
    { "cimd_allowed_domains", "Example.COM, .corp.example, *.apps.example",
      "example.com,.corp.example,*.apps.example" },
    { "auto_approve_user", "dev", "dev" },
    { "auto_approve_user", "", "" },
    { "resource_policy", "listed", "listed" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GhProjectSettings) settings =
        gh_project_settings_new (GH_SETTINGS_PROFILE_PRODUCTION);
      g_autoptr(GError) error = NULL;
      g_autofree char *stored = NULL;

      g_test_message ("%s=%s", rows[i].key, rows[i].value);
      g_assert_true (gh_project_settings_set (settings, rows[i].key, rows[i].value, &error));
      g_assert_no_error (error);
      stored = gh_project_settings_get (settings, rows[i].key);
      g_assert_cmpstr (stored, ==, rows[i].stored);
    }
}

static JsonObject *
patch_from (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
test_json_values (void)
{
  g_autoptr(GhProjectSettings) settings = gh_project_settings_new (GH_SETTINGS_PROFILE_PRODUCTION);
  g_autoptr(JsonObject) good = patch_from ("{\"access_token_ttl\": 600, \"cimd_enabled\": true, "
                                           "\"redirect_schemes\": [\"cursor\", \"vscode\"], "
                                           "\"dcr_mode\": \"open\"}");
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(GError) error = NULL;
  static const char * const bad[] = {
    "{\"access_token_ttl\": \"ten\"}",
    "{\"access_token_ttl\": 1.5}",
    "{\"access_token_ttl\": true}",
    "{\"cimd_enabled\": 1}",
    "{\"cimd_enabled\": null}",
    "{\"redirect_schemes\": [1]}",
    "{\"redirect_schemes\": [\"a,b\"]}",
    "{\"redirect_schemes\": {}}",
    "{\"dcr_mode\": [\"open\"]}",
  };

  changes = gh_project_settings_update (settings, good, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (changes->len, ==, 4);
  g_assert_cmpint (settings->access_token_ttl, ==, 600);
  g_assert_cmpstr (settings->redirect_schemes[1], ==, "vscode");

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonObject) patch = patch_from (bad[i]);
      g_autoptr(GPtrArray) none = NULL;

      g_test_message ("%s", bad[i]);
      none = gh_project_settings_update (settings, patch, &error);
      g_assert_null (none);
      g_assert_error (error, GH_SETTINGS_ERROR, GH_SETTINGS_ERROR_INVALID_VALUE);
      g_clear_error (&error);
    }
}

static void
test_inconsistent (void)
{
  static const char * const patches[] = {
    "{\"cimd_cache_min_s\": \"7200\"}",
    "{\"cimd_cache_max_s\": \"100\"}",
    "{\"cimd_cache_default_s\": \"10\"}",
    "{\"cimd_allowed_domains\": \"example.com\", \"cimd_blocked_domains\": \"example.com\"}",
    "{\"refresh_token_ttl\": \"300\", \"refresh_grace_seconds\": \"300\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (patches); i++)
    {
      g_autoptr(GhProjectSettings) settings =
        gh_project_settings_new (GH_SETTINGS_PROFILE_DEVELOPMENT);
      g_autoptr(JsonObject) patch = patch_from (patches[i]);
      g_autoptr(GPtrArray) changes = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", patches[i]);
      changes = gh_project_settings_update (settings, patch, &error);
      g_assert_null (changes);
      g_assert_error (error, GH_SETTINGS_ERROR, GH_SETTINGS_ERROR_INCONSISTENT);
      /* Refused as a whole: nothing of the patch applied. */
      g_assert_cmpint (settings->cimd_cache_min_s, ==, 60);
      g_assert_cmpint (settings->refresh_token_ttl, ==, 2592000);
      g_assert_cmpuint (g_strv_length (settings->cimd_allowed_domains), ==, 0);
    }
}

static GhSettingChange *
find_change (GPtrArray  *changes,
             const char *key)
{
  for (guint i = 0; i < changes->len; i++)
    {
      GhSettingChange *change = g_ptr_array_index (changes, i);
      if (g_str_equal (change->key, key))
        return change;
    }
  return NULL;
}

/* The MCP cascade from every starting state (DESIGN.md, "MCP toggle"). */
static void
test_cascade (void)
{
  static const struct {
    const char *start;          /* patch applied first, from production defaults */
    const char *update;
    gboolean cimd_after;
    const char *dcr_after;
    guint n_changes;
    gboolean cimd_cascaded;
    gboolean dcr_cascaded;
  } rows[] = {
    /* off, CIMD off, DCR disabled: both cascade */
    { "{}", "{\"mcp_enabled\": true}", TRUE, "initial_access_token", 3, TRUE, TRUE },
    /* DCR already open or IAT: it stays */
    { "{\"dcr_mode\": \"open\"}", "{\"mcp_enabled\": true}", TRUE, "open", 2, TRUE, FALSE },
    { "{\"dcr_mode\": \"initial_access_token\"}", "{\"mcp_enabled\": true}", TRUE,
      "initial_access_token", 2, TRUE, FALSE },
    /* CIMD already on: only DCR moves */
    { "{\"cimd_enabled\": true}", "{\"mcp_enabled\": true}", TRUE, "initial_access_token", 2,
      FALSE, TRUE },
    /* a key set in the same update wins over the cascade */
    { "{}", "{\"mcp_enabled\": true, \"dcr_mode\": \"disabled\"}", TRUE, "disabled", 2, TRUE,
      FALSE },
    { "{}", "{\"mcp_enabled\": true, \"cimd_enabled\": false}", FALSE, "initial_access_token", 2,
      FALSE, TRUE },
    /* already on: setting it again cascades nothing */
    { "{\"mcp_enabled\": true, \"cimd_enabled\": false, \"dcr_mode\": \"disabled\"}",
      "{\"mcp_enabled\": true}", FALSE, "disabled", 0, FALSE, FALSE },
    /* turning it off undoes nothing */
    { "{\"mcp_enabled\": true}", "{\"mcp_enabled\": false}", TRUE, "initial_access_token", 1,
      FALSE, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GhProjectSettings) settings =
        gh_project_settings_new (GH_SETTINGS_PROFILE_PRODUCTION);
      g_autoptr(JsonObject) start = patch_from (rows[i].start);
      g_autoptr(JsonObject) update = patch_from (rows[i].update);
      g_autoptr(GPtrArray) first = NULL;
      g_autoptr(GPtrArray) changes = NULL;
      g_autoptr(GError) error = NULL;
      GhSettingChange *change;

      g_test_message ("start %s, update %s", rows[i].start, rows[i].update);
      first = gh_project_settings_update (settings, start, &error);
      g_assert_no_error (error);
      changes = gh_project_settings_update (settings, update, &error);
      g_assert_no_error (error);

      g_assert_cmpint (settings->cimd_enabled, ==, rows[i].cimd_after);
      g_assert_cmpstr (gh_dcr_mode_to_string (settings->dcr_mode), ==, rows[i].dcr_after);
      g_assert_cmpuint (changes->len, ==, rows[i].n_changes);

      change = find_change (changes, "cimd_enabled");
      g_assert_true (rows[i].cimd_cascaded ==
                     (change != NULL && g_strcmp0 (change->cause, "mcp_enabled") == 0));
      change = find_change (changes, "dcr_mode");
      g_assert_true (rows[i].dcr_cascaded ==
                     (change != NULL && g_strcmp0 (change->cause, "mcp_enabled") == 0));
      if (rows[i].dcr_cascaded)
        {
          g_assert_cmpstr (change->old_value, ==, "disabled");
          g_assert_cmpstr (change->new_value, ==, "initial_access_token");
        }
    }
}

/* GhProjects: persistence, the audit row in the same transaction, slugs. */
static void
test_projects_service (void)
{
  g_autofree char *dir = gh_test_make_tmp_dir ("projects");
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStore) store = gh_store_open (dir, &error);
  g_autoptr(GhAudit) audit = gh_audit_new (store);
  g_autoptr(GhProjects) projects = gh_projects_new (store, audit);
  g_autoptr(GhProject) acme = NULL;
  g_autoptr(GhProject) again = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(JsonObject) patch = patch_from ("{\"mcp_enabled\": \"true\"}");
  g_autoptr(JsonObject) bad = patch_from ("{\"code_ttl\": \"600\"}");
  g_autoptr(GhStmt) stmt = NULL;
  gboolean row;

  g_assert_true (gh_projects_ensure_default (projects, GH_SETTINGS_PROFILE_DEVELOPMENT, &error));
  g_assert_no_error (error);
  /* Idempotent; a second call with another profile does not change the first choice. */
  g_assert_true (gh_projects_ensure_default (projects, GH_SETTINGS_PROFILE_PRODUCTION, &error));

  acme = gh_projects_create (projects, "acme", "ACME Corp", GH_SETTINGS_PROFILE_PRODUCTION, "test",
                             &error);
  g_assert_no_error (error);
  g_assert_cmpstr (acme->display_name, ==, "ACME Corp");
  g_assert_false (acme->settings->mcp_enabled);

  g_assert_null (gh_projects_create (projects, "acme", NULL, GH_SETTINGS_PROFILE_PRODUCTION, "test",
                                     &error));
  g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_CONSTRAINT);
  g_clear_error (&error);

  for (const char * const *slug = (const char * const[]) { "", "Acme", "-acme", "acme-", "a b",
                                                          "a/b", "a.b", "ü", NULL };
       *slug; slug++)
    {
      g_assert_false (gh_projects_check_slug (*slug, &error));
      g_assert_error (error, GH_SETTINGS_ERROR, GH_SETTINGS_ERROR_INVALID_VALUE);
      g_clear_error (&error);
    }
  g_assert_true (gh_projects_check_slug ("team-42", NULL));

  list = gh_projects_list (projects, &error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (((GhProject *) g_ptr_array_index (list, 0))->slug, ==, "default");
  g_assert_cmpint (((GhProject *) g_ptr_array_index (list, 0))->profile, ==,
                   GH_SETTINGS_PROFILE_DEVELOPMENT);

  changes = gh_projects_update_settings (projects, "acme", patch, "test", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (changes->len, ==, 3);

  /* A refused update leaves the stored settings alone and writes no event. */
  g_assert_null (gh_projects_update_settings (projects, "acme", bad, "test", &error));
  g_assert_error (error, GH_SETTINGS_ERROR, GH_SETTINGS_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  g_assert_null (gh_projects_update_settings (projects, "nope", patch, "test", &error));
  g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Read back through a second connection, as the CLI and the server do. */
  {
    g_autoptr(GhStore) other_store = gh_store_open (dir, &error);
    g_autoptr(GhAudit) other_audit = gh_audit_new (other_store);
    g_autoptr(GhProjects) other = gh_projects_new (other_store, other_audit);

    again = gh_projects_get (other, "acme", &error);
    g_assert_no_error (error);
    g_assert_true (again->settings->mcp_enabled);
    g_assert_true (again->settings->cimd_enabled);
    g_assert_cmpint (again->settings->dcr_mode, ==, GH_DCR_MODE_INITIAL_ACCESS_TOKEN);
    g_assert_cmpint (again->settings->code_ttl, ==, 60);
  }

  /* One settings event, carrying the cascade. */
  stmt = gh_store_prepare (store, "SELECT count(*), max(details) FROM audit_events "
                           "WHERE type = 'project.settings_changed' "
                           "AND project_slug = 'acme'", &error);
  g_assert_true (gh_store_step (store, stmt, &row, &error));
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 1);
  g_assert_nonnull (strstr (gh_stmt_column_text (stmt, 1), "\"cascade_from\":\"mcp_enabled\""));
  gh_stmt_reset (g_steal_pointer (&stmt));

  g_clear_object (&projects);
  g_clear_object (&audit);
  g_clear_object (&store);
  gh_test_remove_tree (dir);
}

/* Settings that name something are checked when they are set, through the function every
 * writer (the CLI, a future admin API) goes through: a user must exist in the project, a
 * scheme must be a custom one in RFC 3986 syntax, a domain a host name or pattern. */
static void
test_names_checked_when_set (void)
{
  static const struct {
    const char *project;
    const char *key;
    const char *value;
    const char *refused;  /* a part of the message, or NULL when accepted */
  } rows[] = {
    { "default", "auto_approve_user", "dev", NULL },
    { "default", "auto_approve_user", "", NULL },
    { "default", "auto_approve_user", "nobody", "no user “nobody” in project default" },
    { "default", "auto_approve_user", "Dev", "no user “Dev”" },
    /* alice is a user of acme only */
    { "default", "auto_approve_user", "alice", "no user “alice” in project default" },
    { "acme", "auto_approve_user", "alice", NULL },
    { "acme", "auto_approve_user", "dev user", "user name" },
    { "default", "redirect_schemes", "cursor,com.example.app,vscode-insiders", NULL },
    { "default", "redirect_schemes", "https", "http(s)" },
    { "default", "redirect_schemes", "http", "http(s)" },
    { "default", "redirect_schemes", "javascript", "http(s)" },
    { "default", "redirect_schemes", "data", "http(s)" },
    { "default", "redirect_schemes", "file", "http(s)" },
    { "default", "redirect_schemes", "cursor,JavaScript:", "http(s)" },
    { "default", "redirect_schemes", "1app", "starts with a letter" },
    { "default", "redirect_schemes", "my_app", "only letters" },
    { "default", "cimd_allowed_domains", "example.com,.corp.example,*.apps.example", NULL },
    { "default", "cimd_allowed_domains", "https://example.com", "bare host name" },
    { "default", "cimd_allowed_domains", "*", "bare host name" },
    { "default", "cimd_allowed_domains", "a..example", "label" },
    { "default", "cimd_blocked_domains", "evil.example", NULL },
    { "default", "cimd_blocked_domains", "evil.example:443", "bare host name" },
    { "default", "cimd_blocked_domains", "ev!l.example", "letters, digits" },
  };
  g_autofree char *dir = gh_test_make_tmp_dir ("names");
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStore) store = gh_store_open (dir, &error);
  g_autoptr(GhAudit) audit = gh_audit_new (store);
  g_autoptr(GhProjects) projects = gh_projects_new (store, audit);
  g_autoptr(GhUsers) users = gh_users_new (store, audit);
  g_autoptr(GhProject) acme = NULL;
  g_autoptr(GhUser) alice = NULL;

  g_assert_true (gh_projects_ensure_default (projects, GH_SETTINGS_PROFILE_DEVELOPMENT, &error));
  acme = gh_projects_create (projects, "acme", NULL, GH_SETTINGS_PROFILE_PRODUCTION, "test",
                             &error);
  g_assert_no_error (error);
  alice = gh_users_add (users, acme, "alice", NULL, NULL, NULL, "test", &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(JsonObject) patch = json_object_new ();
      g_autoptr(GPtrArray) changes = NULL;
      g_autoptr(GhProject) before = gh_projects_get (projects, rows[i].project, NULL);
      g_autoptr(GhProject) after = NULL;
      g_autofree char *old_value = gh_project_settings_get (before->settings, rows[i].key);
      g_autofree char *new_value = NULL;

      g_test_message ("%s: %s=%s", rows[i].project, rows[i].key, rows[i].value);
      json_object_set_string_member (patch, rows[i].key, rows[i].value);
      changes = gh_projects_update_settings (projects, rows[i].project, patch, "test", &error);
      after = gh_projects_get (projects, rows[i].project, NULL);
      new_value = gh_project_settings_get (after->settings, rows[i].key);
      if (rows[i].refused == NULL)
        {
          g_assert_no_error (error);
          g_assert_nonnull (changes);
        }
      else
        {
          g_assert_null (changes);
          g_assert_error (error, GH_SETTINGS_ERROR, GH_SETTINGS_ERROR_INVALID_VALUE);
          g_assert_nonnull (strstr (error->message, rows[i].refused));
          g_assert_nonnull (strstr (error->message, rows[i].key));
          /* All or nothing: the stored value is the one before. */
          g_assert_cmpstr (new_value, ==, old_value);
          g_clear_error (&error);
        }
    }
}

/* Removing the user auto_approve_user names is refused (the administrator changes the setting
 * first); once the setting names someone else, the user goes. */
static void
test_auto_approve_user_removal (void)
{
  g_autofree char *dir = gh_test_make_tmp_dir ("names");
  g_autoptr(GError) error = NULL;
  g_autoptr(GhStore) store = gh_store_open (dir, &error);
  g_autoptr(GhAudit) audit = gh_audit_new (store);
  g_autoptr(GhProjects) projects = gh_projects_new (store, audit);
  g_autoptr(GhUsers) users = gh_users_new (store, audit);
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GhUser) dev = NULL;
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(JsonObject) set_dev = patch_from ("{\"auto_approve_user\": \"dev\"}");
  g_autoptr(JsonObject) clear = patch_from ("{\"auto_approve_user\": \"\"}");

  g_assert_true (gh_projects_ensure_default (projects, GH_SETTINGS_PROFILE_DEVELOPMENT, &error));
  project = gh_projects_get (projects, "default", &error);
  g_assert_no_error (error);
  changes = gh_projects_update_settings (projects, "default", set_dev, "test", &error);
  g_assert_no_error (error);
  g_clear_pointer (&changes, g_ptr_array_unref);

  g_assert_false (gh_users_remove (users, project, "dev", "test", &error));
  g_assert_error (error, GH_STORE_ERROR, GH_STORE_ERROR_CONSTRAINT);
  g_assert_nonnull (strstr (error->message, "auto_approve_user"));
  g_clear_error (&error);
  dev = gh_users_get (users, project->id, "dev", &error);
  g_assert_nonnull (dev);

  changes = gh_projects_update_settings (projects, "default", clear, "test", &error);
  g_assert_no_error (error);
  g_assert_true (gh_users_remove (users, project, "dev", "test", &error));
  g_assert_no_error (error);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/settings/defaults", test_defaults);
  g_test_add_func ("/core/settings/rejects-bad-values", test_rejects_bad_values);
  g_test_add_func ("/core/settings/accepts-values", test_accepts_values);
  g_test_add_func ("/core/settings/json-values", test_json_values);
  g_test_add_func ("/core/settings/inconsistent", test_inconsistent);
  g_test_add_func ("/core/settings/mcp-cascade", test_cascade);
  g_test_add_func ("/core/projects/service", test_projects_service);
  g_test_add_func ("/core/projects/names-checked-when-set", test_names_checked_when_set);
  g_test_add_func ("/core/projects/auto-approve-user-removal", test_auto_approve_user_removal);

  return g_test_run ();
}
