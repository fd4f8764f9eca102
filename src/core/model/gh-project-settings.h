/* gh-project-settings.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "gh-types.h"

G_BEGIN_DECLS

#define GH_SETTINGS_ERROR (gh_settings_error_quark ())

typedef enum
{
  GH_SETTINGS_ERROR_UNKNOWN_KEY,
  GH_SETTINGS_ERROR_INVALID_VALUE,
  GH_SETTINGS_ERROR_INCONSISTENT,
} GhSettingsError;

typedef enum
{
  GH_DCR_MODE_DISABLED,
  GH_DCR_MODE_INITIAL_ACCESS_TOKEN,
  GH_DCR_MODE_OPEN,
} GhDcrMode;

typedef enum
{
  GH_RESOURCE_POLICY_OPEN,
  GH_RESOURCE_POLICY_LISTED,
} GhResourcePolicy;

/* A project's settings (DESIGN.md, "Project settings"); the keys are the field names. */
typedef struct
{
  gboolean          mcp_enabled;
  gboolean          cimd_enabled;
  GhDcrMode         dcr_mode;
  gint64            dcr_rate_limit;
  gint64            access_token_ttl;
  gint64            refresh_token_ttl;
  gint64            code_ttl;
  gint64            refresh_grace_seconds;
  char            **redirect_schemes;
  GhResourcePolicy  resource_policy;
  gboolean          allow_loopback_cimd;
  gboolean          allow_free_form_login;
  char            **cimd_allowed_domains;
  char            **cimd_blocked_domains;
  gint64            cimd_max_bytes;
  gint64            cimd_timeout_ms;
  gint64            cimd_cache_min_s;
  gint64            cimd_cache_max_s;
  gint64            cimd_cache_default_s;
  char             *auto_approve_user;
} GhProjectSettings;

/* One setting an update changed; @cause is NULL when the caller set it, else the key whose
 * change cascaded into it ("mcp_enabled"). */
typedef struct
{
  char *key;
  char *old_value;
  char *new_value;
  char *cause;
} GhSettingChange;

#define GH_TYPE_PROJECT_SETTINGS (gh_project_settings_get_type ())

GQuark              gh_settings_error_quark          (void);
GType               gh_project_settings_get_type     (void) G_GNUC_CONST;

GhProjectSettings  *gh_project_settings_new          (GhSettingsProfile         profile);
GhProjectSettings  *gh_project_settings_copy         (const GhProjectSettings  *self);
void                gh_project_settings_free         (GhProjectSettings        *self);

const char * const *gh_project_settings_list_keys    (void);
gboolean            gh_project_settings_has_key      (const char               *key);
const char         *gh_project_settings_describe_key (const char               *key);

/* Sets one key from its text form ("true", "3600", "cursor,vscode"), validating it. */
gboolean            gh_project_settings_set          (GhProjectSettings        *self,
                                                      const char               *key,
                                                      const char               *value,
                                                      GError                  **error);
/* Sets one key from JSON: its typed form, or a string in the text form. */
gboolean            gh_project_settings_set_json     (GhProjectSettings        *self,
                                                      const char               *key,
                                                      JsonNode                 *value,
                                                      GError                  **error);
/* The canonical text form, as stored and as the CLI prints it. */
char               *gh_project_settings_get          (const GhProjectSettings  *self,
                                                      const char               *key);
JsonObject         *gh_project_settings_to_json      (const GhProjectSettings  *self);
/* Rules between keys (cache bounds in order, a domain not both allowed and blocked, ...). */
gboolean            gh_project_settings_check        (const GhProjectSettings  *self,
                                                      GError                  **error);

/* Applies every member of @patch (all or nothing), then the MCP cascade, then the checks.
 * Returns the changes, explicit and cascaded, in key order; NULL with @error on refusal,
 * leaving @self untouched. */
GPtrArray          *gh_project_settings_update       (GhProjectSettings        *self,
                                                      JsonObject               *patch,
                                                      GError                  **error);

void                gh_setting_change_free           (GhSettingChange          *change);
/* key, old and new in the text form; cascade_from, the key whose change caused this one
 * (mcp_enabled turned on), only for a cascaded change. */
JsonObject         *gh_setting_change_to_json        (const GhSettingChange    *change);

const char         *gh_dcr_mode_to_string            (GhDcrMode                 mode);
const char         *gh_settings_profile_to_string    (GhSettingsProfile         profile);
gboolean            gh_settings_profile_from_string  (const char               *text,
                                                      GhSettingsProfile        *profile);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhProjectSettings, gh_project_settings_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhSettingChange, gh_setting_change_free)

G_END_DECLS
