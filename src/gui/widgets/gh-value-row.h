/* gh-value-row.h — a row of a caption over a selectable, wrapped value
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* An AdwPreferencesRow showing @caption (dim, small) over @value, selectable and wrapped
 * (libadwaita 1.2 has no selectable subtitle): Pango markup when @markup, else text; in
 * monospace when @mono. With a @name, the row is named @name and the value's label
 * "@name-value". The value is labelled by the caption for assistive technologies. */
GtkWidget *gh_value_row_new (const char *name,
                             const char *caption,
                             const char *value,
                             gboolean    markup,
                             gboolean    mono);

G_END_DECLS
