/* gh-user-dialog.c — add or edit a development user: name, email and claims as checked JSON
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "gh-user-dialog.h"

/* One form for both: a new user (user name, display name, email, claims) or an existing one
 * (the same without the user name, which the API cannot change). The claims are JSON in a
 * monospace view, parsed on every change: where and why it is not a JSON object shows under
 * it, and Save stays off until it is one. The dialog builds the request; the page sends it
 * ("save") and closes the dialog, or hands back the server's reason. */
struct _GhUserDialog
{
  AdwWindow      parent_instance;

  char          *username;     /* NULL: a new user */
  gboolean       saving;

  AdwPreferencesGroup *identity_group;
  AdwEntryRow   *username_row;
  AdwEntryRow   *name_row;
  AdwEntryRow   *email_row;
  GtkTextView   *claims_view;
  GtkLabel      *claims_status;
  GtkLabel      *server_error;
  GtkButton     *save_button;
};

G_DEFINE_FINAL_TYPE (GhUserDialog, gh_user_dialog, ADW_TYPE_WINDOW)

/* A string member, "" when absent or not a string. */
#define string_member(object, member) \
  json_object_get_string_member_with_default ((object), (member), "")

enum {
  SAVE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

gboolean
gh_user_dialog_parse_claims (const char  *text,
                             JsonObject **claims,
                             char       **reason)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *stripped = g_strstrip (g_strdup (text ? text : ""));
  JsonNode *root;

  if (*stripped == '\0')
    {
      if (claims != NULL)
        *claims = json_object_new ();
      return TRUE;
    }

  if (!json_parser_load_from_data (parser, text, -1, &error))
    {
      unsigned line = 0;
      unsigned column = 0;
      int consumed = 0;

      /* json-glib says "<data>:LINE:COLUMN: Parse error: WHY". */
      if (sscanf (error->message, "<data>:%u:%u: %n", &line, &column, &consumed) == 2 &&
          consumed > 0)
        {
          const char *why = error->message + consumed;

          g_auto(GStrv) quoted = NULL;
          g_autofree char *plain = NULL;

          if (g_str_has_prefix (why, "Parse error: "))
            why += strlen ("Parse error: ");
          /* json-glib quotes as `x' */
          quoted = g_strsplit_set (why, "`'", -1);
          plain = g_strjoinv ("“", quoted);
          for (char *open = strstr (plain, "“"), *next; open != NULL; open = next)
            {
              next = strstr (open + strlen ("“"), "“");
              if (next == NULL)
                break;
              memcpy (next, "”", strlen ("”"));
              next = strstr (next + strlen ("”"), "“");
            }
          if (reason != NULL)
            *reason = g_strdup_printf (_("Line %u, column %u: %s"), line, column, plain);
        }
      else if (reason != NULL)
        {
          *reason = g_strdup (error->message);
        }
      return FALSE;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      if (reason != NULL)
        *reason = g_strdup (_("The claims must be a JSON object: { \"claim\": value, … }"));
      return FALSE;
    }

  if (claims != NULL)
    *claims = json_node_dup_object (root);
  return TRUE;
}

static char *
claims_text (GhUserDialog *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->claims_view);
  GtkTextIter start;
  GtkTextIter end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static gboolean
username_valid (GhUserDialog *self)
{
  g_autofree char *name = NULL;

  if (self->username != NULL)
    return TRUE;
  name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->username_row))));
  return *name != '\0';
}

/* Parsed on every change: the reason shown, Save off while the form cannot be sent. */
static void
update (GhUserDialog *self)
{
  g_autofree char *text = claims_text (self);
  g_autofree char *reason = NULL;
  gboolean valid = gh_user_dialog_parse_claims (text, NULL, &reason);

  gtk_label_set_text (self->claims_status,
                      valid ? _("Valid JSON object") : reason);
  if (valid)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->claims_status), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->claims_status), "dim-label");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->claims_status), "dim-label");
      gtk_widget_add_css_class (GTK_WIDGET (self->claims_status), "error");
    }

  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button),
                            valid && username_valid (self) && !self->saving);
}

static void
changed_cb (GhUserDialog *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->server_error), FALSE);
  update (self);
}

static void
save_clicked_cb (GhUserDialog *self)
{
  g_autoptr(JsonObject) body = gh_user_dialog_dup_body (self);

  if (body == NULL || self->saving)
    return;
  g_signal_emit (self, signals[SAVE], 0, body);
}

static void
gh_user_dialog_finalize (GObject *object)
{
  GhUserDialog *self = (GhUserDialog *)object;

  g_clear_pointer (&self->username, g_free);

  G_OBJECT_CLASS (gh_user_dialog_parent_class)->finalize (object);
}

static void
gh_user_dialog_class_init (GhUserDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = gh_user_dialog_finalize;

  /* Save was clicked on a valid form: @body is the request to send. */
  signals[SAVE] = g_signal_new ("save",
                                G_TYPE_FROM_CLASS (klass),
                                G_SIGNAL_RUN_LAST,
                                0, NULL, NULL, NULL,
                                G_TYPE_NONE, 1, JSON_TYPE_OBJECT);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static GtkWidget *
entry_row (const char *name,
           const char *title)
{
  GtkWidget *row = adw_entry_row_new ();

  gtk_widget_set_name (row, name);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  return row;
}

static GtkWidget *
caption_label (const char *name)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_widget_set_name (label, name);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (label, "caption");
  return label;
}

static void
gh_user_dialog_init (GhUserDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *cancel = gtk_button_new_with_mnemonic (_("_Cancel"));
  GtkWidget *save = gtk_button_new_with_mnemonic (_("_Save"));
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *identity = adw_preferences_group_new ();
  GtkWidget *claims = adw_preferences_group_new ();
  GtkWidget *frame = gtk_frame_new (NULL);
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *view = gtk_text_view_new ();

  gtk_window_set_modal (GTK_WINDOW (self), TRUE);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (self), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (self), 560, 560);
  gtk_widget_set_name (GTK_WIDGET (self), "user-dialog");

  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  gtk_widget_set_name (cancel, "cancel-button");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (cancel), "window.close");
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), cancel);
  gtk_widget_set_name (save, "save-button");
  gtk_widget_add_css_class (save, "suggested-action");
  g_signal_connect_object (save, "clicked", G_CALLBACK (save_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), save);
  self->save_button = GTK_BUTTON (save);
  gtk_box_append (GTK_BOX (box), header);

  self->username_row = ADW_ENTRY_ROW (entry_row ("username-row", _("User Name")));
  self->name_row = ADW_ENTRY_ROW (entry_row ("name-row", _("Display Name")));
  self->email_row = ADW_ENTRY_ROW (entry_row ("email-row", _("Email")));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (identity), GTK_WIDGET (self->username_row));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (identity), GTK_WIDGET (self->name_row));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (identity), GTK_WIDGET (self->email_row));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (identity));
  self->identity_group = ADW_PREFERENCES_GROUP (identity);

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (claims), _("Claims"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (claims),
                                         _("Extra claims of this user’s ID tokens and UserInfo, "
                                           "as one JSON object. The server sets sub, iss, aud "
                                           "and the times itself."));
  gtk_widget_set_name (view, "claims-view");
  gtk_text_view_set_monospace (GTK_TEXT_VIEW (view), TRUE);
  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (view), 8);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (view), 8);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 8);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (view), 8);
  gtk_accessible_update_property (GTK_ACCESSIBLE (view),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Claims as JSON"),
                                  -1);
  self->claims_view = GTK_TEXT_VIEW (view);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), view);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scrolled), 160);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_frame_set_child (GTK_FRAME (frame), scrolled);
  gtk_widget_add_css_class (frame, "view");
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (claims), frame);

  self->claims_status = GTK_LABEL (caption_label ("claims-status"));
  gtk_widget_set_margin_top (GTK_WIDGET (self->claims_status), 6);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (claims), GTK_WIDGET (self->claims_status));

  self->server_error = GTK_LABEL (caption_label ("server-error"));
  gtk_widget_add_css_class (GTK_WIDGET (self->server_error), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->server_error), FALSE);
  gtk_widget_set_margin_top (GTK_WIDGET (self->server_error), 6);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (claims), GTK_WIDGET (self->server_error));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (claims));

  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (box), page);
  adw_window_set_content (ADW_WINDOW (self), box);

  g_signal_connect_object (gtk_text_view_get_buffer (self->claims_view), "changed",
                           G_CALLBACK (changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->username_row, "changed", G_CALLBACK (changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->name_row, "changed", G_CALLBACK (changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->email_row, "changed", G_CALLBACK (changed_cb), self,
                           G_CONNECT_SWAPPED);
}

GtkWidget *
gh_user_dialog_new (GtkWindow  *parent,
                    JsonObject *user)
{
  GhUserDialog *self = g_object_new (GH_TYPE_USER_DIALOG,
                                     "transient-for", parent,
                                     NULL);
  g_autofree char *claims = NULL;
  g_autofree char *title = NULL;

  if (user != NULL)
    {
      JsonNode *node = json_object_get_member (user, "claims");

      self->username = g_strdup (string_member (user, "username"));
      title = g_strdup_printf (_("Edit %s"), self->username);
      gtk_window_set_title (GTK_WINDOW (self), title);
      gtk_widget_set_visible (GTK_WIDGET (self->username_row), FALSE);
      gtk_editable_set_text (GTK_EDITABLE (self->name_row), string_member (user, "name"));
      gtk_editable_set_text (GTK_EDITABLE (self->email_row), string_member (user, "email"));
      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node) &&
          json_object_get_size (json_node_get_object (node)) > 0)
        claims = json_to_string (node, TRUE);
    }
  else
    {
      gtk_window_set_title (GTK_WINDOW (self), _("New User"));
      adw_preferences_group_set_description (self->identity_group,
                                             _("The user name is what they type on the login "
                                               "page and the subject of their tokens; it "
                                               "cannot be changed later."));
      gtk_button_set_use_underline (self->save_button, TRUE);
      gtk_button_set_label (self->save_button, _("_Add"));
    }

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->claims_view),
                            claims ? claims : "{\n}", -1);
  update (self);

  return GTK_WIDGET (self);
}

const char *
gh_user_dialog_get_username (GhUserDialog *self)
{
  g_return_val_if_fail (GH_IS_USER_DIALOG (self), NULL);

  return self->username;
}

JsonObject *
gh_user_dialog_dup_body (GhUserDialog *self)
{
  g_autofree char *text = NULL;
  g_autofree char *username = NULL;
  JsonObject *claims = NULL;
  JsonObject *body;

  g_return_val_if_fail (GH_IS_USER_DIALOG (self), NULL);

  text = claims_text (self);
  if (!username_valid (self) || !gh_user_dialog_parse_claims (text, &claims, NULL))
    return NULL;

  body = json_object_new ();
  if (self->username == NULL)
    {
      username = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->username_row))));
      json_object_set_string_member (body, "username", username);
    }
  json_object_set_string_member (body, "name",
                                 gtk_editable_get_text (GTK_EDITABLE (self->name_row)));
  json_object_set_string_member (body, "email",
                                 gtk_editable_get_text (GTK_EDITABLE (self->email_row)));
  json_object_set_object_member (body, "claims", claims);
  return body;
}

void
gh_user_dialog_set_saving (GhUserDialog *self,
                           gboolean      saving)
{
  g_return_if_fail (GH_IS_USER_DIALOG (self));

  self->saving = !!saving;
  update (self);
}

void
gh_user_dialog_show_error (GhUserDialog *self,
                           const char   *message)
{
  g_return_if_fail (GH_IS_USER_DIALOG (self));

  self->saving = FALSE;
  update (self);
  gtk_label_set_text (self->server_error, message);
  gtk_widget_set_visible (GTK_WIDGET (self->server_error), TRUE);
}
