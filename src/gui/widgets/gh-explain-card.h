/* gh-explain-card.h — GhExplainCard: why the server refused something, and the fix
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "gh-admin-client.h"

G_BEGIN_DECLS

#define GH_TYPE_EXPLAIN_CARD (gh_explain_card_get_type ())

G_DECLARE_FINAL_TYPE (GhExplainCard, gh_explain_card, GH, EXPLAIN_CARD, AdwBin)

GtkWidget  *gh_explain_card_new         (void);
/* An explain object of the admin API ({rule, message, expected, actual, spec, hint, fix, …}).
 */
void        gh_explain_card_set_explain (GhExplainCard *self,
                                         JsonObject    *explain);
JsonObject *gh_explain_card_get_explain (GhExplainCard *self);
/* Where the Fix button performs its fix (POST /projects/@project/fixes); without a client
 * the card offers none. ::fixed is emitted with the server's answer once it is applied. */
void        gh_explain_card_set_target  (GhExplainCard *self,
                                         GhAdminClient *client,
                                         const char    *project);
/* The Fix button's label for a fix object ("Allow the “cursor” Scheme"). */
char       *gh_explain_fix_label        (JsonObject    *fix);

/* Pango markup of @value with the span where it differs from @other marked (common prefix
 * and suffix left plain); @differs set to whether there is such a span. */
char       *gh_explain_diff_markup      (const char    *value,
                                         const char    *other,
                                         gboolean      *differs);

/* A modal window over @parent's window showing one card (Overview's "Needs attention",
 * a client's refusals). */
GtkWindow  *gh_explain_card_present     (GtkWidget     *parent,
                                         JsonObject    *explain,
                                         GhAdminClient *client,
                                         const char    *project);

G_END_DECLS
