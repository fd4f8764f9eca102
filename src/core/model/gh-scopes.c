/* gh-scopes.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-model"

#include "config.h"

#include "gh-scopes.h"

static const struct {
  const char *scope;
  const char *description;
} standard_scopes[] = {
  { "openid", "sign you in and learn your user ID" },
  { "profile", "see your name" },
  { "email", "see your email address" },
  { "offline_access", "keep access while you are away (refresh tokens)" },
};

const char *
gh_scope_describe (const char *scope)
{
  for (guint i = 0; i < G_N_ELEMENTS (standard_scopes); i++)
    if (g_strcmp0 (scope, standard_scopes[i].scope) == 0)
      return standard_scopes[i].description;
  return NULL;
}

gboolean
gh_scope_is_standard (const char *scope)
{
  return gh_scope_describe (scope) != NULL;
}

gboolean
gh_scope_is_token (const char *scope)
{
  for (const char *p = scope; *p; p++)
    if (*p < 0x21 || *p > 0x7e || *p == '"' || *p == '\\')
      return FALSE;
  return *scope != '\0';
}

gboolean
gh_resource_is_listed (const GhResource *resource)
{
  return resource->id != 0 && !resource->recorded;
}

static gboolean
defined_by_listed (GPtrArray  *named,
                   const char *scope)
{
  for (guint i = 0; named != NULL && i < named->len; i++)
    {
      const GhResource *resource = g_ptr_array_index (named, i);

      if (gh_resource_is_listed (resource) &&
          g_strv_contains ((const char * const *) resource->scopes, scope))
        return TRUE;
    }
  return FALSE;
}

char **
gh_scopes_for_resource (const char * const *scopes,
                        GPtrArray          *named,
                        const GhResource   *target)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; scopes != NULL && scopes[i] != NULL; i++)
    {
      const char *scope = scopes[i];
      gboolean carried;

      if (gh_scope_is_standard (scope))
        carried = TRUE;
      else if (target == NULL)
        carried = FALSE;
      else if (gh_resource_is_listed (target))
        carried = g_strv_contains ((const char * const *) target->scopes, scope);
      else
        carried = !defined_by_listed (named, scope);
      if (carried)
        g_strv_builder_add (builder, scope);
    }
  return g_strv_builder_end (builder);
}

char *
gh_scopes_printable (const char *text)
{
  char *printable = g_strdup (text != NULL ? text : "");

  for (char *p = printable; *p; p++)
    if ((guchar) *p < 0x20 || (guchar) *p > 0x7e || *p == '"' || *p == '\\')
      *p = '?';
  return printable;
}
