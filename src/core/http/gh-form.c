/* gh-form.c — application/x-www-form-urlencoded parameters, repeated names kept
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-http"

#include "config.h"

#include <string.h>

#include "gh-error.h"
#include "gh-form.h"

struct _GhForm
{
  GPtrArray *names;    /* in order of first appearance */
  GHashTable *values;  /* name -> GPtrArray of values, NULL-terminated */
};

void
gh_form_free (GhForm *form)
{
  if (form == NULL)
    return;
  g_ptr_array_unref (form->names);
  g_hash_table_unref (form->values);
  g_free (form);
}

/* Percent-decoding with '+' as space; NULL for broken escapes or embedded NUL. */
static char *
form_decode (const char *text,
             gsize       length)
{
  g_autofree char *plus = g_strndup (text, length);
  char *decoded;

  for (char *p = plus; *p; p++)
    if (*p == '+')
      *p = ' ';
  decoded = g_uri_unescape_string (plus, NULL);
  if (decoded != NULL && !g_utf8_validate (decoded, -1, NULL))
    g_clear_pointer (&decoded, g_free);
  return decoded;
}

GhForm *
gh_form_parse (const char  *text,
               gsize        length,
               GError     **error)
{
  g_autoptr(GhForm) form = g_new0 (GhForm, 1);
  const char *end = text + length;
  const char *p = text;

  form->names = g_ptr_array_new ();
  form->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_ptr_array_unref);

  while (text != NULL && p < end)
    {
      const char *amp = memchr (p, '&', end - p);
      const char *pair_end = amp != NULL ? amp : end;
      const char *eq = memchr (p, '=', pair_end - p);
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;
      GPtrArray *list;

      if (pair_end > p)
        {
          name = form_decode (p, (eq != NULL ? eq : pair_end) - p);
          value = eq != NULL ? form_decode (eq + 1, pair_end - eq - 1) : g_strdup ("");
          if (name == NULL || value == NULL)
            {
              g_set_error (error, GH_OAUTH_ERROR, GH_OAUTH_ERROR_INVALID_REQUEST,
                           "The parameters are not valid percent-encoded UTF-8");
              return NULL;
            }
          if (*name != '\0')
            {
              list = g_hash_table_lookup (form->values, name);
              if (list == NULL)
                {
                  char *key = g_strdup (name);

                  list = g_ptr_array_new_null_terminated (1, g_free, TRUE);
                  g_hash_table_insert (form->values, key, list);
                  g_ptr_array_add (form->names, key);
                }
              g_ptr_array_add (list, g_steal_pointer (&value));
            }
        }
      if (amp == NULL)
        break;
      p = amp + 1;
    }
  return g_steal_pointer (&form);
}

const char *
gh_form_get (GhForm     *form,
             const char *name)
{
  GPtrArray *list = g_hash_table_lookup (form->values, name);

  return list != NULL ? g_ptr_array_index (list, 0) : NULL;
}

guint
gh_form_count (GhForm     *form,
               const char *name)
{
  GPtrArray *list = g_hash_table_lookup (form->values, name);

  return list != NULL ? list->len : 0;
}

const char * const *
gh_form_get_all (GhForm     *form,
                 const char *name)
{
  static const char * const empty[] = { NULL };
  GPtrArray *list = g_hash_table_lookup (form->values, name);

  return list != NULL ? (const char * const *) list->pdata : empty;
}

GHashTable *
gh_form_to_table (GhForm *form)
{
  GHashTable *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (guint i = 0; i < form->names->len; i++)
    {
      const char *name = g_ptr_array_index (form->names, i);

      g_hash_table_insert (table, g_strdup (name), g_strdup (gh_form_get (form, name)));
    }
  return table;
}

const char *
gh_form_find_repeated (GhForm             *form,
                       const char * const *allowed)
{
  for (guint i = 0; i < form->names->len; i++)
    {
      const char *name = g_ptr_array_index (form->names, i);

      if (gh_form_count (form, name) > 1 &&
          (allowed == NULL || !g_strv_contains (allowed, name)))
        return name;
    }
  return NULL;
}
