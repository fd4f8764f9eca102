/* gh-project-settings.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-model"

#include "config.h"

#include <string.h>

#include "gh-json.h"
#include "gh-project-settings.h"

G_DEFINE_QUARK (gh-settings-error-quark, gh_settings_error)

G_DEFINE_BOXED_TYPE (GhProjectSettings, gh_project_settings,
                     gh_project_settings_copy, gh_project_settings_free)

typedef enum
{
  KIND_BOOL,
  KIND_INT,
  KIND_DCR_MODE,
  KIND_RESOURCE_POLICY,
  KIND_SCHEMES,
  KIND_DOMAINS,
  KIND_USERNAME,
} KeyKind;

typedef struct
{
  const char *name;
  KeyKind kind;
  gsize offset;
  gint64 min;
  gint64 max;
  const char *description;
} KeyInfo;

#define FIELD(f) G_STRUCT_OFFSET (GhProjectSettings, f)

/* Sorted by name: the order `project show` prints and updates report. */
static const KeyInfo key_table[] = {
  { "access_token_ttl", KIND_INT, FIELD (access_token_ttl), 60, 86400,
    "access token lifetime in seconds (60..86400)" },
  { "allow_free_form_login", KIND_BOOL, FIELD (allow_free_form_login), 0, 0,
    "the login page also takes any user name, creating that dev user (true|false)" },
  { "allow_loopback_cimd", KIND_BOOL, FIELD (allow_loopback_cimd), 0, 0,
    "fetch CIMD documents from loopback hosts, over http too (true|false)" },
  { "auto_approve_user", KIND_USERNAME, FIELD (auto_approve_user), 0, 64,
    "a dev user logged in and consenting without pages, or empty" },
  { "cimd_allowed_domains", KIND_DOMAINS, FIELD (cimd_allowed_domains), 0, 0,
    "hosts CIMD documents may come from (host, .host or *.host, comma-separated; empty = any)" },
  { "cimd_blocked_domains", KIND_DOMAINS, FIELD (cimd_blocked_domains), 0, 0,
    "hosts CIMD documents may never come from (host, .host or *.host, comma-separated)" },
  { "cimd_cache_default_s", KIND_INT, FIELD (cimd_cache_default_s), 0, 604800,
    "CIMD cache lifetime without cache headers, in seconds" },
  { "cimd_cache_max_s", KIND_INT, FIELD (cimd_cache_max_s), 0, 604800,
    "longest CIMD cache lifetime, in seconds" },
  { "cimd_cache_min_s", KIND_INT, FIELD (cimd_cache_min_s), 0, 604800,
    "shortest CIMD cache lifetime, in seconds" },
  { "cimd_enabled", KIND_BOOL, FIELD (cimd_enabled), 0, 0,
    "accept https URL client ids (Client ID Metadata Documents) (true|false)" },
  { "cimd_max_bytes", KIND_INT, FIELD (cimd_max_bytes), 256, 1048576,
    "largest CIMD document read, in bytes (256..1048576)" },
  { "cimd_timeout_ms", KIND_INT, FIELD (cimd_timeout_ms), 100, 30000,
    "deadline for a whole CIMD fetch, in milliseconds (100..30000)" },
  { "code_ttl", KIND_INT, FIELD (code_ttl), 5, 60,
    "authorization code lifetime in seconds (5..60)" },
  { "dcr_mode", KIND_DCR_MODE, FIELD (dcr_mode), 0, 0,
    "dynamic client registration: disabled | initial_access_token | open" },
  { "dcr_rate_limit", KIND_INT, FIELD (dcr_rate_limit), 1, 100000,
    "registrations per minute per source address in open mode" },
  { "mcp_enabled", KIND_BOOL, FIELD (mcp_enabled), 0, 0,
    "MCP mode; turning it on also turns on CIMD and, if DCR is disabled, IAT-gated DCR" },
  { "redirect_schemes", KIND_SCHEMES, FIELD (redirect_schemes), 0, 0,
    "custom URI schemes allowed in redirect URIs (comma-separated)" },
  { "refresh_grace_seconds", KIND_INT, FIELD (refresh_grace_seconds), 0, 300,
    "seconds a rotated refresh token may still be used once (0..300)" },
  { "refresh_token_ttl", KIND_INT, FIELD (refresh_token_ttl), 300, 31536000,
    "refresh token lifetime in seconds (300..31536000)" },
  { "resource_policy", KIND_RESOURCE_POLICY, FIELD (resource_policy), 0, 0,
    "open (any absolute resource is accepted and recorded) | listed (unknown -> invalid_target)" },
};

static const char *key_names[G_N_ELEMENTS (key_table) + 1];


static const char * const dcr_mode_names[] = { "disabled", "initial_access_token", "open" };
static const char * const resource_policy_names[] = { "open", "listed" };

/* Schemes that must never serve as a custom redirect scheme. */
static const char * const forbidden_schemes[] = {
  "http", "https", "javascript", "data", "file", "vbscript", "about", "blob", "ftp", "ws", "wss",
};

#define FIELD_PTR(self, info, type) ((type *) (gpointer) (((guint8 *) (self)) + (info)->offset))

static const KeyInfo *
lookup_key (const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (key_table); i++)
    if (g_strcmp0 (key_table[i].name, key) == 0)
      return &key_table[i];
  return NULL;
}

static const KeyInfo *
lookup_key_or_error (const char  *key,
                     GError     **error)
{
  const KeyInfo *info = lookup_key (key);

  if (info == NULL)
    {
      g_autofree char *known = g_strjoinv (", ", (char **) gh_project_settings_list_keys ());
      g_set_error (error, GH_SETTINGS_ERROR, GH_SETTINGS_ERROR_UNKNOWN_KEY,
                   "Unknown setting “%s”; known settings: %s", key, known);
    }
  return info;
}

GhProjectSettings *
gh_project_settings_new (GhSettingsProfile profile)
{
  GhProjectSettings *self = g_new0 (GhProjectSettings, 1);
  gboolean dev = (profile == GH_SETTINGS_PROFILE_DEVELOPMENT);

  self->mcp_enabled = dev;
  self->cimd_enabled = dev;
  self->dcr_mode = dev ? GH_DCR_MODE_OPEN : GH_DCR_MODE_DISABLED;
  self->dcr_rate_limit = dev ? 60 : 10;
  self->access_token_ttl = dev ? 3600 : 900;
  self->refresh_token_ttl = dev ? 2592000 : 1209600;
  self->code_ttl = 60;
  self->refresh_grace_seconds = 0;
  if (dev)
    self->redirect_schemes = g_strsplit ("cursor,vscode,windsurf,claude", ",", -1);
  else
    self->redirect_schemes = g_new0 (char *, 1);
  self->resource_policy = dev ? GH_RESOURCE_POLICY_OPEN : GH_RESOURCE_POLICY_LISTED;
  self->allow_loopback_cimd = dev;
  self->allow_free_form_login = dev;
  self->cimd_allowed_domains = g_new0 (char *, 1);
  self->cimd_blocked_domains = g_new0 (char *, 1);
  self->cimd_max_bytes = 5120;
  self->cimd_timeout_ms = 5000;
  self->cimd_cache_min_s = 60;
  self->cimd_cache_max_s = 86400;
  self->cimd_cache_default_s = 3600;
  self->auto_approve_user = g_strdup ("");

  return self;
}

GhProjectSettings *
gh_project_settings_copy (const GhProjectSettings *self)
{
  GhProjectSettings *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_memdup2 (self, sizeof *self);
  copy->redirect_schemes = g_strdupv (self->redirect_schemes);
  copy->cimd_allowed_domains = g_strdupv (self->cimd_allowed_domains);
  copy->cimd_blocked_domains = g_strdupv (self->cimd_blocked_domains);
  copy->auto_approve_user = g_strdup (self->auto_approve_user);
  return copy;
}

void
gh_project_settings_free (GhProjectSettings *self)
{
  if (self == NULL)
    return;
  g_strfreev (self->redirect_schemes);
  g_strfreev (self->cimd_allowed_domains);
  g_strfreev (self->cimd_blocked_domains);
  g_free (self->auto_approve_user);
  g_free (self);
}

const char * const *
gh_project_settings_list_keys (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      for (guint i = 0; i < G_N_ELEMENTS (key_table); i++)
        key_names[i] = key_table[i].name;
      g_once_init_leave (&initialized, 1);
    }
  return key_names;
}

gboolean
gh_project_settings_has_key (const char *key)
{
  return lookup_key (key) != NULL;
}

const char *
gh_project_settings_describe_key (const char *key)
{
  const KeyInfo *info = lookup_key (key);

  return info != NULL ? info->description : NULL;
}

static gboolean
invalid (GError     **error,
         const char  *key,
         const char  *value,
         const char  *format,
         ...) G_GNUC_PRINTF (4, 5);

static gboolean
invalid (GError     **error,
         const char  *key,
         const char  *value,
         const char  *format,
         ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, GH_SETTINGS_ERROR, GH_SETTINGS_ERROR_INVALID_VALUE,
               "Invalid value “%s” for %s: %s", value, key, reason);
  return FALSE;
}

static gboolean
parse_bool (const char *text,
            gboolean   *out)
{
  static const char * const yes[] = { "true", "yes", "on", "1" };
  static const char * const no[] = { "false", "no", "off", "0" };

  for (guint i = 0; i < G_N_ELEMENTS (yes); i++)
    {
      if (g_ascii_strcasecmp (text, yes[i]) == 0)
        return *out = TRUE, TRUE;
      if (g_ascii_strcasecmp (text, no[i]) == 0)
        return *out = FALSE, TRUE;
    }
  return FALSE;
}

static gboolean
parse_enum (const char         *text,
            const char * const *names,
            guint               n_names,
            int                *out)
{
  for (guint i = 0; i < n_names; i++)
    if (g_strcmp0 (text, names[i]) == 0)
      return *out = (int) i, TRUE;
  return FALSE;
}

/* RFC 3986 scheme syntax, lowercase, and not a scheme a browser would run or fetch. */
static gboolean
check_scheme (const char  *scheme,
              const char **reason)
{
  if (!g_ascii_isalpha (scheme[0]))
    return *reason = "a scheme starts with a letter", FALSE;
  for (const char *p = scheme; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '+' && *p != '-' && *p != '.')
      return *reason = "a scheme holds only letters, digits, '+', '-' and '.'", FALSE;
  if (strlen (scheme) > 64)
    return *reason = "a scheme is at most 64 characters", FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (forbidden_schemes); i++)
    if (g_strcmp0 (scheme, forbidden_schemes[i]) == 0)
      return *reason = "http(s) and schemes a browser runs or fetches "
                       "cannot be custom redirect schemes", FALSE;
  return TRUE;
}

/* host, .host (the host and its subdomains) or *.host (subdomains only), DNS syntax. */
static gboolean
check_domain (const char  *entry,
              const char **reason)
{
  const char *host = entry;
  g_auto(GStrv) labels = NULL;

  if (g_str_has_prefix (host, "*."))
    host += 2;
  else if (host[0] == '.')
    host += 1;

  if (*host == '\0' || strlen (host) > 253)
    return *reason = "a host name is 1 to 253 characters", FALSE;
  if (strpbrk (host, "*/:@?#[] ") != NULL)
    return *reason = "write a bare host name (no scheme, port, path or inner wildcard)", FALSE;

  labels = g_strsplit (host, ".", -1);
  for (guint i = 0; labels[i] != NULL; i++)
    {
      gsize len = strlen (labels[i]);

      if (len == 0 || len > 63)
        return *reason = "each dot-separated label is 1 to 63 characters", FALSE;
      if (labels[i][0] == '-' || labels[i][len - 1] == '-')
        return *reason = "a label cannot start or end with '-'", FALSE;
      for (const char *p = labels[i]; *p; p++)
        if (!g_ascii_isalnum (*p) && *p != '-')
          return *reason = "labels hold only letters, digits and '-'", FALSE;
    }
  return TRUE;
}

static gboolean
parse_list (const KeyInfo  *info,
            const char     *text,
            char         ***out,
            GError        **error)
{
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *item = g_ascii_strdown (g_strstrip (parts[i]), -1);
      const char *reason = NULL;
      gboolean ok;

      if (*item == '\0')
        continue;
      if (info->kind == KIND_SCHEMES)
        {
          /* "cursor:" and "cursor://" are common ways to write a scheme. */
          char *colon = strchr (item, ':');
          if (colon != NULL && (colon[1] == '\0' || g_str_equal (colon + 1, "//")))
            *colon = '\0';
          ok = check_scheme (item, &reason);
        }
      else
        ok = check_domain (item, &reason);

      if (!ok)
        return invalid (error, info->name, text, "“%s”: %s", item, reason);

      if (!g_ptr_array_find_with_equal_func (items, item, g_str_equal, NULL))
        g_ptr_array_add (items, g_steal_pointer (&item));
    }

  g_ptr_array_add (items, NULL);
  *out = (char **) g_ptr_array_free (g_steal_pointer (&items), FALSE);
  return TRUE;
}

static gboolean
check_username (const char  *name,
                const char **reason)
{
  if (strlen (name) > 64)
    return *reason = "a user name is at most 64 characters", FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '-' && *p != '@')
      return *reason = "a user name holds only letters, digits and . _ - @", FALSE;
  return TRUE;
}

gboolean
gh_project_settings_set (GhProjectSettings  *self,
                         const char         *key,
                         const char         *value,
                         GError            **error)
{
  const KeyInfo *info;
  const char *reason = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  if (!(info = lookup_key_or_error (key, error)))
    return FALSE;

  switch (info->kind)
    {
    case KIND_BOOL:
      if (!parse_bool (value, FIELD_PTR (self, info, gboolean)))
        return invalid (error, key, value, "expected true or false");
      return TRUE;

    case KIND_INT:
      {
        gint64 number;
        g_autoptr(GError) local_error = NULL;

        if (!g_ascii_string_to_signed (value, 10, info->min, info->max, &number, &local_error))
          return invalid (error, key, value, "expected a whole number from %" G_GINT64_FORMAT
                          " to %" G_GINT64_FORMAT, info->min, info->max);
        *FIELD_PTR (self, info, gint64) = number;
        return TRUE;
      }

    case KIND_DCR_MODE:
      {
        int mode;
        if (!parse_enum (value, dcr_mode_names, G_N_ELEMENTS (dcr_mode_names), &mode))
          return invalid (error, key, value, "expected disabled, initial_access_token or open");
        *FIELD_PTR (self, info, GhDcrMode) = (GhDcrMode) mode;
        return TRUE;
      }

    case KIND_RESOURCE_POLICY:
      {
        int policy;
        if (!parse_enum (value, resource_policy_names, G_N_ELEMENTS (resource_policy_names),
                         &policy))
          return invalid (error, key, value, "expected open or listed");
        *FIELD_PTR (self, info, GhResourcePolicy) = (GhResourcePolicy) policy;
        return TRUE;
      }

    case KIND_SCHEMES:
    case KIND_DOMAINS:
      {
        char **list = NULL;
        char ***field = FIELD_PTR (self, info, char **);

        if (!parse_list (info, value, &list, error))
          return FALSE;
        g_strfreev (*field);
        *field = list;
        return TRUE;
      }

    case KIND_USERNAME:
      {
        char **field = FIELD_PTR (self, info, char *);
        g_autofree char *name = g_strstrip (g_strdup (value));

        if (!check_username (name, &reason))
          return invalid (error, key, value, "%s", reason);
        g_free (*field);
        *field = g_steal_pointer (&name);
        return TRUE;
      }

    default:
      g_assert_not_reached ();
    }
}

gboolean
gh_project_settings_set_json (GhProjectSettings  *self,
                              const char         *key,
                              JsonNode           *value,
                              GError            **error)
{
  const KeyInfo *info;
  GType type;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  if (!(info = lookup_key_or_error (key, error)))
    return FALSE;
  if (value == NULL || JSON_NODE_HOLDS_NULL (value) || JSON_NODE_HOLDS_OBJECT (value))
    return invalid (error, key, value == NULL || JSON_NODE_HOLDS_NULL (value) ? "null" : "{…}",
                    "expected a %s",
                    info->kind == KIND_BOOL ? "boolean" :
                    info->kind == KIND_INT ? "number" :
                    info->kind == KIND_SCHEMES || info->kind == KIND_DOMAINS ? "list of strings" :
                    "string");

  if (JSON_NODE_HOLDS_ARRAY (value))
    {
      JsonArray *array = json_node_get_array (value);
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_auto(GStrv) items = NULL;
      g_autofree char *joined = NULL;

      if (info->kind != KIND_SCHEMES && info->kind != KIND_DOMAINS)
        return invalid (error, key, "[…]", "a list is not accepted here");
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *item = json_array_get_element (array, i);
          const char *text;

          if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
            return invalid (error, key, "[…]", "every list item is a string");
          text = json_node_get_string (item);
          if (strchr (text, ',') != NULL)
            return invalid (error, key, text, "an item cannot contain ','");
          g_strv_builder_add (builder, text);
        }
      items = g_strv_builder_end (builder);
      joined = g_strjoinv (",", items);
      return gh_project_settings_set (self, key, joined, error);
    }

  type = json_node_get_value_type (value);
  if (type == G_TYPE_STRING)
    return gh_project_settings_set (self, key, json_node_get_string (value), error);

  if (type == G_TYPE_BOOLEAN && info->kind == KIND_BOOL)
    return gh_project_settings_set (self, key,
                                    json_node_get_boolean (value) ? "true" : "false", error);

  if (type == G_TYPE_INT64 && info->kind == KIND_INT)
    {
      char text[32];
      g_snprintf (text, sizeof text, "%" G_GINT64_FORMAT, json_node_get_int (value));
      return gh_project_settings_set (self, key, text, error);
    }

  {
    g_autofree char *shown = gh_json_to_string (value, FALSE);
    return invalid (error, key, shown, "expected a %s",
                    info->kind == KIND_BOOL ? "boolean" :
                    info->kind == KIND_INT ? "whole number" :
                    info->kind == KIND_SCHEMES || info->kind == KIND_DOMAINS ? "list of strings" :
                    "string");
  }
}

char *
gh_project_settings_get (const GhProjectSettings *self,
                         const char              *key)
{
  const KeyInfo *info;

  g_return_val_if_fail (self != NULL, NULL);

  if (!(info = lookup_key (key)))
    return NULL;

  switch (info->kind)
    {
    case KIND_BOOL:
      return g_strdup (*FIELD_PTR (self, info, gboolean) ? "true" : "false");
    case KIND_INT:
      return g_strdup_printf ("%" G_GINT64_FORMAT, *FIELD_PTR (self, info, gint64));
    case KIND_DCR_MODE:
      return g_strdup (dcr_mode_names[*FIELD_PTR (self, info, GhDcrMode)]);
    case KIND_RESOURCE_POLICY:
      return g_strdup (resource_policy_names[*FIELD_PTR (self, info, GhResourcePolicy)]);
    case KIND_SCHEMES:
    case KIND_DOMAINS:
      return g_strjoinv (",", *FIELD_PTR (self, info, char **));
    case KIND_USERNAME:
      return g_strdup (*FIELD_PTR (self, info, char *));
    default:
      g_assert_not_reached ();
    }
}

JsonObject *
gh_project_settings_to_json (const GhProjectSettings *self)
{
  JsonObject *object;

  g_return_val_if_fail (self != NULL, NULL);

  object = json_object_new ();
  for (guint i = 0; i < G_N_ELEMENTS (key_table); i++)
    {
      const KeyInfo *info = &key_table[i];

      switch (info->kind)
        {
        case KIND_BOOL:
          json_object_set_boolean_member (object, info->name, *FIELD_PTR (self, info, gboolean));
          break;
        case KIND_INT:
          json_object_set_int_member (object, info->name, *FIELD_PTR (self, info, gint64));
          break;
        case KIND_SCHEMES:
        case KIND_DOMAINS:
          {
            char **list = *FIELD_PTR (self, info, char **);
            JsonArray *array = json_array_new ();

            for (guint j = 0; list[j] != NULL; j++)
              json_array_add_string_element (array, list[j]);
            json_object_set_array_member (object, info->name, array);
            break;
          }
        case KIND_DCR_MODE:
        case KIND_RESOURCE_POLICY:
        case KIND_USERNAME:
        default:
          {
            g_autofree char *text = gh_project_settings_get (self, info->name);
            json_object_set_string_member (object, info->name, text);
            break;
          }
        }
    }
  return object;
}

static gboolean
domain_matches_entry (const char *domain,
                      const char *entry)
{
  return g_ascii_strcasecmp (domain, entry) == 0;
}

gboolean
gh_project_settings_check (const GhProjectSettings  *self,
                           GError                  **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (!(self->cimd_cache_min_s <= self->cimd_cache_default_s &&
        self->cimd_cache_default_s <= self->cimd_cache_max_s))
    {
      g_set_error (error, GH_SETTINGS_ERROR, GH_SETTINGS_ERROR_INCONSISTENT,
                   "CIMD cache bounds out of order: need cimd_cache_min_s (%" G_GINT64_FORMAT
                   ") <= cimd_cache_default_s (%" G_GINT64_FORMAT ") <= cimd_cache_max_s (%"
                   G_GINT64_FORMAT ")",
                   self->cimd_cache_min_s, self->cimd_cache_default_s, self->cimd_cache_max_s);
      return FALSE;
    }

  if (self->refresh_grace_seconds >= self->refresh_token_ttl)
    {
      g_set_error (error, GH_SETTINGS_ERROR, GH_SETTINGS_ERROR_INCONSISTENT,
                   "refresh_grace_seconds (%" G_GINT64_FORMAT ") must be shorter than "
                   "refresh_token_ttl (%" G_GINT64_FORMAT ")",
                   self->refresh_grace_seconds, self->refresh_token_ttl);
      return FALSE;
    }

  for (guint i = 0; self->cimd_allowed_domains[i] != NULL; i++)
    for (guint j = 0; self->cimd_blocked_domains[j] != NULL; j++)
      if (domain_matches_entry (self->cimd_allowed_domains[i], self->cimd_blocked_domains[j]))
        {
          g_set_error (error, GH_SETTINGS_ERROR, GH_SETTINGS_ERROR_INCONSISTENT,
                       "“%s” is in both cimd_allowed_domains and cimd_blocked_domains",
                       self->cimd_allowed_domains[i]);
          return FALSE;
        }

  return TRUE;
}

void
gh_setting_change_free (GhSettingChange *change)
{
  if (change == NULL)
    return;
  g_free (change->key);
  g_free (change->old_value);
  g_free (change->new_value);
  g_free (change->cause);
  g_free (change);
}

JsonObject *
gh_setting_change_to_json (const GhSettingChange *change)
{
  JsonObject *object;

  g_return_val_if_fail (change != NULL, NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "key", change->key);
  json_object_set_string_member (object, "old", change->old_value);
  json_object_set_string_member (object, "new", change->new_value);
  if (change->cause != NULL)
    json_object_set_string_member (object, "cascade_from", change->cause);
  return object;
}

GPtrArray *
gh_project_settings_update (GhProjectSettings  *self,
                            JsonObject         *patch,
                            GError            **error)
{
  g_autoptr(GhProjectSettings) next = NULL;
  g_autoptr(GPtrArray) changes = NULL;
  g_autoptr(GList) members = NULL;
  gboolean enabling_mcp;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (patch != NULL, NULL);

  next = gh_project_settings_copy (self);
  members = json_object_get_members (patch);
  for (const GList *l = members; l != NULL; l = l->next)
    if (!gh_project_settings_set_json (next, l->data,
                                       json_object_get_member (patch, l->data), error))
      return NULL;

  /* The cascade (DESIGN.md): turning MCP on makes sure MCP clients can get in, by CIMD
   * or else by IAT-gated DCR. A key the same update sets explicitly wins over it, and
   * turning MCP off undoes nothing. */
  enabling_mcp = !self->mcp_enabled && next->mcp_enabled;
  if (enabling_mcp)
    {
      if (!json_object_has_member (patch, "cimd_enabled"))
        next->cimd_enabled = TRUE;
      if (!json_object_has_member (patch, "dcr_mode") && next->dcr_mode == GH_DCR_MODE_DISABLED)
        next->dcr_mode = GH_DCR_MODE_INITIAL_ACCESS_TOKEN;
    }

  if (!gh_project_settings_check (next, error))
    return NULL;

  changes = g_ptr_array_new_with_free_func ((GDestroyNotify) gh_setting_change_free);
  for (guint i = 0; i < G_N_ELEMENTS (key_table); i++)
    {
      const char *key = key_table[i].name;
      g_autofree char *before = gh_project_settings_get (self, key);
      g_autofree char *after = gh_project_settings_get (next, key);
      GhSettingChange *change;

      if (g_str_equal (before, after))
        continue;
      change = g_new0 (GhSettingChange, 1);
      change->key = g_strdup (key);
      change->old_value = g_steal_pointer (&before);
      change->new_value = g_steal_pointer (&after);
      if (!json_object_has_member (patch, key))
        change->cause = g_strdup ("mcp_enabled");
      g_ptr_array_add (changes, change);
    }

  /* Commit to @self only now: a refused update leaves it as it was. */
  {
    GhProjectSettings tmp = *self;
    *self = *next;
    *next = tmp;
  }

  return g_steal_pointer (&changes);
}

const char *
gh_dcr_mode_to_string (GhDcrMode mode)
{
  g_return_val_if_fail (mode <= GH_DCR_MODE_OPEN, NULL);
  return dcr_mode_names[mode];
}

const char *
gh_settings_profile_to_string (GhSettingsProfile profile)
{
  return profile == GH_SETTINGS_PROFILE_DEVELOPMENT ? "development" : "production";
}

gboolean
gh_settings_profile_from_string (const char        *text,
                                 GhSettingsProfile *profile)
{
  if (g_strcmp0 (text, "development") == 0)
    return *profile = GH_SETTINGS_PROFILE_DEVELOPMENT, TRUE;
  if (g_strcmp0 (text, "production") == 0)
    return *profile = GH_SETTINGS_PROFILE_PRODUCTION, TRUE;
  return FALSE;
}
