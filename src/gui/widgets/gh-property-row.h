/* gh-property-row.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define GH_TYPE_PROPERTY_ROW (gh_property_row_get_type ())

G_DECLARE_FINAL_TYPE (GhPropertyRow, gh_property_row, GH, PROPERTY_ROW, AdwPreferencesRow)

const char *gh_property_row_get_value    (GhPropertyRow *self);
void        gh_property_row_set_value    (GhPropertyRow *self,
                                          const char    *value);
gboolean    gh_property_row_get_copyable (GhPropertyRow *self);
void        gh_property_row_set_copyable (GhPropertyRow *self,
                                          gboolean       copyable);
/* Adds @widget (a button, usually) after the value, before the copy button. */
void        gh_property_row_add_suffix   (GhPropertyRow *self,
                                          GtkWidget     *widget);

G_END_DECLS
