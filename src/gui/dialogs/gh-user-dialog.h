/* gh-user-dialog.h — add or edit a development user: name, email and claims as checked JSON
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define GH_TYPE_USER_DIALOG (gh_user_dialog_get_type ())

G_DECLARE_FINAL_TYPE (GhUserDialog, gh_user_dialog, GH, USER_DIALOG, AdwWindow)

/* @user: the user as the admin API lists it, to edit; NULL to add one. */
GtkWidget  *gh_user_dialog_new          (GtkWindow    *parent,
                                         JsonObject   *user);
/* The user edited, or NULL for a new one. */
const char *gh_user_dialog_get_username (GhUserDialog *self);
/* The body of the POST (a new user) or PATCH (an edit), or NULL while something is invalid. */
JsonObject *gh_user_dialog_dup_body     (GhUserDialog *self);
/* While the server answers: Save insensitive. */
void        gh_user_dialog_set_saving   (GhUserDialog *self,
                                         gboolean      saving);
/* The server refused: its reason under the form, the dialog kept open. */
void        gh_user_dialog_show_error   (GhUserDialog *self,
                                         const char   *message);

/* @text as claims: a JSON object (blank is none). FALSE with a sentence saying where and why
 * it is not one in @reason. */
gboolean    gh_user_dialog_parse_claims (const char   *text,
                                         JsonObject  **claims,
                                         char        **reason);

G_END_DECLS
