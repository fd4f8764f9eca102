/* gh-form.h — application/x-www-form-urlencoded parameters
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* application/x-www-form-urlencoded parameters (a query string or a form body), keeping
 * repeated names: OAuth refuses most parameters sent twice. */
typedef struct _GhForm GhForm;

GhForm     *gh_form_parse          (const char   *text,
                                    gsize         length,
                                    GError      **error);
void        gh_form_free           (GhForm       *form);
/* The first value of @name, or NULL. */
const char *gh_form_get            (GhForm       *form,
                                    const char   *name);
guint       gh_form_count          (GhForm       *form,
                                    const char   *name);
/* Every value of @name, in order (NULL-terminated, owned by @form; never NULL). */
const char * const *gh_form_get_all (GhForm      *form,
                                    const char   *name);
/* The first name that appears more than once, other than those in @allowed; NULL if none. */
/* Each name's first value, as a new table (name -> value, both copies). */
GHashTable *gh_form_to_table       (GhForm       *form);
const char *gh_form_find_repeated  (GhForm       *form,
                                    const char * const *allowed);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhForm, gh_form_free)

G_END_DECLS
