/* gh-users-page.c — the project's development users and the auto-approve user
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "gh-user-dialog.h"
#include "gh-users-page.h"

/* The users of GET .../users, each with Edit and Remove, an Add button in the header, and the
 * project's auto_approve_user (GET and PATCH of the project) as a choice among them. Every
 * change goes to the server and the page reads the list again from its answer. */
struct _GhUsersPage
{
  GhPage               parent_instance;

  GPtrArray           *users;          /* JsonObject, as the server lists them */
  GPtrArray           *choices;        /* char *: the auto-approve row's users, "" first */
  char                *auto_approve;   /* the project's setting; NULL until read */
  char                *target;         /* "user:NAME" opened, until the list shows it */
  GtkWidget           *add_button;     /* in the window's header */
  guint                event_reload;   /* a reload after users changed elsewhere */
  gboolean             users_loaded;
  gboolean             project_loaded;
  gboolean             filling;        /* the combo row is being filled, not chosen */
  char                *search;         /* the search entry's text, case-folded; NULL: none */

  /* Template widgets */
  AdwComboRow         *auto_approve_row;
  AdwStatusPage       *error_page;
  AdwStatusPage       *no_results_page;
  GtkSearchBar        *search_bar;
  GtkSearchEntry      *search_entry;
  GtkStack            *stack;
  GtkListBox          *user_list;
  AdwPreferencesGroup *users_group;
};

G_DEFINE_FINAL_TYPE (GhUsersPage, gh_users_page, GH_TYPE_PAGE)

/* A string member, "" when absent or not a string. */
#define string_member(object, member) \
  json_object_get_string_member_with_default ((object), (member), "")

/* "Ada Lovelace · ada@example.com · claims: groups, locale" */
static char *
user_summary (JsonObject *user)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  JsonNode *claims = json_object_get_member (user, "claims");
  g_autoptr(GList) names = NULL;

  if (*string_member (user, "name") != '\0')
    g_ptr_array_add (parts, g_strdup (string_member (user, "name")));
  if (*string_member (user, "email") != '\0')
    g_ptr_array_add (parts, g_strdup (string_member (user, "email")));
  if (claims != NULL && JSON_NODE_HOLDS_OBJECT (claims))
    names = json_object_get_members (json_node_get_object (claims));
  if (names != NULL)
    {
      g_autoptr(GString) list = g_string_new (NULL);

      for (const GList *l = names; l != NULL; l = l->next)
        g_string_append_printf (list, "%s%s", list->len > 0 ? ", " : "", (char *) l->data);
      g_ptr_array_add (parts, g_strdup_printf (_("claims: %s"), list->str));
    }
  else
    {
      g_ptr_array_add (parts, g_strdup (_("no extra claims")));
    }
  g_ptr_array_add (parts, NULL);

  return g_strjoinv (" · ", (char **) parts->pdata);
}

/* What a search finds @user by: the user name, name and email the row shows, case-folded. */
static char *
user_search_text (JsonObject *user)
{
  g_autofree char *text = g_strjoin ("\n", string_member (user, "username"),
                                     string_member (user, "name"),
                                     string_member (user, "email"), NULL);

  return g_utf8_casefold (text, -1);
}

static gboolean
user_matches (GhUsersPage *self,
              const char  *text)
{
  return self->search == NULL || (text != NULL && strstr (text, self->search) != NULL);
}

static gboolean
filter_row (GtkListBoxRow *row,
            gpointer       user_data)
{
  return user_matches (user_data, g_object_get_data (G_OBJECT (row), "gh-search"));
}

static void
edit_clicked_cb (GtkButton   *button,
                 GhUsersPage *self);
static void
remove_clicked_cb (GtkButton   *button,
                   GhUsersPage *self);

static GtkWidget *
icon_button (const char *name,
             const char *icon_name,
             const char *label)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon_name);

  gtk_widget_set_name (button, name);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  -1);
  gtk_widget_add_css_class (button, "flat");
  return button;
}

static GtkWidget *
user_row (GhUsersPage *self,
          JsonObject  *user)
{
  const char *username = string_member (user, "username");
  g_autofree char *summary = user_summary (user);
  g_autofree char *row_name = g_strconcat ("user-", username, NULL);
  g_autofree char *edit_name = g_strconcat ("edit-", username, NULL);
  g_autofree char *remove_name = g_strconcat ("remove-", username, NULL);
  g_autofree char *edit_label = g_strdup_printf (_("Edit %s"), username);
  g_autofree char *remove_label = g_strdup_printf (_("Remove %s"), username);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *edit = icon_button (edit_name, "document-edit-symbolic", edit_label);
  GtkWidget *remove = icon_button (remove_name, "user-trash-symbolic", remove_label);

  gtk_widget_set_name (row, row_name);
  g_object_set_data_full (G_OBJECT (row), "gh-search", user_search_text (user), g_free);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), username);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), summary);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                             gtk_image_new_from_icon_name ("avatar-default-symbolic"));

  if (g_strcmp0 (self->auto_approve, username) == 0)
    {
      GtkWidget *badge = gtk_label_new (_("Auto-approve"));

      gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (badge, _("Flows sign in as this user without asking"));
      gtk_widget_add_css_class (badge, "badge");
      gtk_widget_add_css_class (badge, "warning");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), badge);
    }

  g_object_set_data_full (G_OBJECT (edit), "user", json_object_ref (user),
                          (GDestroyNotify) json_object_unref);
  g_object_set_data_full (G_OBJECT (remove), "user", json_object_ref (user),
                          (GDestroyNotify) json_object_unref);
  g_signal_connect_object (edit, "clicked", G_CALLBACK (edit_clicked_cb), self, 0);
  g_signal_connect_object (remove, "clicked", G_CALLBACK (remove_clicked_cb), self, 0);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), edit);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), edit);

  return row;
}

/* The user another page opened ("user:NAME"): its row focused, once the list shows it.
 * "filter:TEXT" opens the search with TEXT. */
static void
focus_target (GhUsersPage *self)
{
  g_autofree char *row_name = NULL;

  if (self->target == NULL || !self->users_loaded || !self->project_loaded)
    return;

  row_name = g_strconcat ("user-", self->target + strlen ("user:"), NULL);
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->user_list));
       row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (g_str_equal (gtk_widget_get_name (row), row_name))
      {
        gtk_widget_grab_focus (row);
        break;
      }
  g_clear_pointer (&self->target, g_free);
}

static void
gh_users_page_open_target (GhPage     *page,
                           const char *target)
{
  GhUsersPage *self = GH_USERS_PAGE (page);

  if (g_str_has_prefix (target, "filter:"))
    {
      gh_page_search (page, target + strlen ("filter:"));
      return;
    }
  if (!g_str_has_prefix (target, "user:"))
    return;
  g_free (self->target);
  self->target = g_strdup (target);
  focus_target (self);
}

/* The list, the empty state, or (no user matching the search) a status page that says so. */
static void
show_list (GhUsersPage *self)
{
  guint n_shown = 0;

  for (guint i = 0; i < self->users->len; i++)
    {
      g_autofree char *text = user_search_text (g_ptr_array_index (self->users, i));

      n_shown += user_matches (self, text);
    }

  if (self->users->len == 0)
    gtk_stack_set_visible_child_name (self->stack, "empty");
  else
    gh_page_show_search_result (GH_PAGE (self), self->stack, n_shown, self->no_results_page,
                                _("No users match “%s”"));
}

/* The list, the empty state and the auto-approve choice, once both answers are in. */
static void
show_users (GhUsersPage *self)
{
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  GtkWidget *child;
  guint selected = 0;

  if (!self->users_loaded || !self->project_loaded)
    return;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->user_list))) != NULL)
    gtk_list_box_remove (self->user_list, child);

  g_ptr_array_set_size (self->choices, 0);
  g_ptr_array_add (self->choices, g_strdup (""));
  gtk_string_list_append (labels, _("Nobody — ask for consent"));

  for (guint i = 0; i < self->users->len; i++)
    {
      JsonObject *user = g_ptr_array_index (self->users, i);
      const char *username = string_member (user, "username");

      gtk_list_box_append (self->user_list, user_row (self, user));
      g_ptr_array_add (self->choices, g_strdup (username));
      gtk_string_list_append (labels, username);
      if (g_strcmp0 (self->auto_approve, username) == 0)
        selected = self->choices->len - 1;
    }

  self->filling = TRUE;
  adw_combo_row_set_model (self->auto_approve_row, G_LIST_MODEL (labels));
  adw_combo_row_set_selected (self->auto_approve_row, selected);
  self->filling = FALSE;

  show_list (self);
  gh_page_set_busy (GH_PAGE (self), FALSE);
  focus_target (self);
}

static void
search_changed_cb (GhUsersPage *self)
{
  g_free (self->search);
  self->search = gh_page_dup_search (GH_PAGE (self));
  gtk_list_box_invalidate_filter (self->user_list);
  if (self->users_loaded && self->project_loaded)
    show_list (self);
}

static void
show_load_error (GhUsersPage  *self,
                 const GError *error)
{
  adw_status_page_set_description (self->error_page, error->message);
  gtk_stack_set_visible_child_name (self->stack, "error");
  gh_page_set_busy (GH_PAGE (self), FALSE);
}

static void
users_loaded_cb (GhPage       *page,
                 JsonObject   *answer,
                 const GError *error,
                 gpointer      user_data)
{
  GhUsersPage *self = GH_USERS_PAGE (page);
  JsonNode *node = answer ? json_object_get_member (answer, "users") : NULL;

  if (error != NULL)
    {
      show_load_error (self, error);
      return;
    }

  g_ptr_array_set_size (self->users, 0);
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_OBJECT (element))
            g_ptr_array_add (self->users, json_object_ref (json_node_get_object (element)));
        }
    }
  self->users_loaded = TRUE;
  show_users (self);
}

static void
project_loaded_cb (GhPage       *page,
                   JsonObject   *answer,
                   const GError *error,
                   gpointer      user_data)
{
  GhUsersPage *self = GH_USERS_PAGE (page);
  JsonNode *settings = answer ? json_object_get_member (answer, "settings") : NULL;

  if (error != NULL)
    {
      show_load_error (self, error);
      return;
    }

  g_free (self->auto_approve);
  self->auto_approve = g_strdup (settings != NULL && JSON_NODE_HOLDS_OBJECT (settings)
                                 ? string_member (json_node_get_object (settings),
                                                  "auto_approve_user")
                                 : "");
  self->project_loaded = TRUE;
  show_users (self);
}

static gboolean
event_reload_cb (gpointer user_data)
{
  GhUsersPage *self = GH_USERS_PAGE (user_data);

  self->event_reload = 0;
  gh_page_reload (GH_PAGE (self));
  return G_SOURCE_REMOVE;
}

/* Users or the auto-approve user changed elsewhere (the CLI, another console): read again,
 * once for a burst. */
static void
gh_users_page_event (GhPage           *page,
                     GhAuditEventItem *event)
{
  GhUsersPage *self = GH_USERS_PAGE (page);
  const char *type = gh_audit_event_item_get_event_type (event);

  if (!(g_str_equal (type, "user.created") || g_str_equal (type, "user.updated") ||
        g_str_equal (type, "user.removed") || g_str_equal (type, "project.settings_changed")))
    return;
  if (self->event_reload == 0)
    self->event_reload = g_timeout_add (250, event_reload_cb, self);
}

static void
gh_users_page_reload (GhPage *page)
{
  GhUsersPage *self = GH_USERS_PAGE (page);
  g_autofree char *users_path = gh_page_project_path (page, "/users");
  g_autofree char *project_path = gh_page_project_path (page, NULL);

  self->users_loaded = FALSE;
  self->project_loaded = FALSE;
  if (gtk_stack_get_visible_child_name (self->stack) == NULL ||
      g_str_equal (gtk_stack_get_visible_child_name (self->stack), "error"))
    gtk_stack_set_visible_child_name (self->stack, "loading");
  gh_page_set_busy (page, TRUE);
  gh_page_load (page, "GET", users_path, NULL, users_loaded_cb, NULL);
  gh_page_load (page, "GET", project_path, NULL, project_loaded_cb, NULL);
}

/* ---- add and edit ------------------------------------------------------------------ */

static void
saved_cb (GhPage       *page,
          JsonObject   *answer,
          const GError *error,
          gpointer      user_data)
{
  g_autoptr(GhUserDialog) dialog = user_data;
  g_autofree char *title = NULL;
  const char *username = gh_user_dialog_get_username (dialog);

  if (error != NULL)
    {
      gh_user_dialog_show_error (dialog, error->message);
      return;
    }

  if (username == NULL)
    title = g_strdup_printf (_("Added %s"), string_member (answer, "username"));
  else
    title = g_strdup_printf (_("Saved %s"), username);
  gh_page_show_toast (page, title);
  gtk_window_destroy (GTK_WINDOW (dialog));
  gh_page_reload (page);
}

static void
dialog_save_cb (GhUserDialog *dialog,
                JsonObject   *body,
                GhUsersPage  *self)
{
  const char *username = gh_user_dialog_get_username (dialog);
  g_autofree char *path = NULL;

  if (username != NULL)
    {
      g_autofree char *escaped = g_uri_escape_string (username, NULL, FALSE);
      g_autofree char *suffix = g_strconcat ("/users/", escaped, NULL);

      path = gh_page_project_path (GH_PAGE (self), suffix);
    }
  else
    {
      path = gh_page_project_path (GH_PAGE (self), "/users");
    }

  gh_user_dialog_set_saving (dialog, TRUE);
  gh_page_call (GH_PAGE (self), username ? "PATCH" : "POST", path, body, saved_cb,
                g_object_ref (dialog));
}

static void
open_dialog (GhUsersPage *self,
             JsonObject  *user)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog = gh_user_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                          user);

  g_signal_connect_object (dialog, "save", G_CALLBACK (dialog_save_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
edit_clicked_cb (GtkButton   *button,
                 GhUsersPage *self)
{
  open_dialog (self, g_object_get_data (G_OBJECT (button), "user"));
}

static void
add_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  open_dialog (GH_USERS_PAGE (widget), NULL);
}

static void
add_clicked_cb (GhUsersPage *self)
{
  open_dialog (self, NULL);
}

/* ---- remove ------------------------------------------------------------------------ */

static void
removed_cb (GhPage       *page,
            JsonObject   *answer,
            const GError *error,
            gpointer      user_data)
{
  g_autofree char *username = user_data;
  g_autofree char *title = NULL;

  if (error != NULL)
    {
      g_autofree char *what = g_strdup_printf (_("Could not remove %s"), username);

      gh_page_show_error (page, what, error);
      return;
    }

  title = g_strdup_printf (_("Removed %s"), username);
  gh_page_show_toast (page, title);
  gh_page_reload (page);
}

static void
remove_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    GhUsersPage      *self)
{
  const char *username = g_object_get_data (G_OBJECT (dialog), "username");
  g_autofree char *escaped = NULL;
  g_autofree char *suffix = NULL;
  g_autofree char *path = NULL;

  if (!g_str_equal (response, "remove"))
    return;

  escaped = g_uri_escape_string (username, NULL, FALSE);
  suffix = g_strconcat ("/users/", escaped, NULL);
  path = gh_page_project_path (GH_PAGE (self), suffix);
  gh_page_call (GH_PAGE (self), "DELETE", path, NULL, removed_cb, g_strdup (username));
}

static void
remove_clicked_cb (GtkButton   *button,
                   GhUsersPage *self)
{
  JsonObject *user = g_object_get_data (G_OBJECT (button), "user");
  const char *username = string_member (user, "username");
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *heading = g_strdup_printf (_("Remove %s?"), username);
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading,
                                   _("Their sign-in sessions, consents and tokens are removed "
                                     "with them: clients holding those tokens must sign in "
                                     "again as someone else."));
  gtk_widget_set_name (dialog, "remove-user-dialog");
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "remove", _("_Remove"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "username", g_strdup (username), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (remove_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- auto-approve ------------------------------------------------------------------ */

static void
auto_approve_patched_cb (GhPage       *page,
                         JsonObject   *answer,
                         const GError *error,
                         gpointer      user_data)
{
  g_autofree char *username = user_data;
  g_autofree char *title = NULL;

  if (error != NULL)
    gh_page_show_error (page, _("Could not change the auto-approve user"), error);
  else if (*username == '\0')
    gh_page_show_toast (page, _("Flows ask for sign-in and consent again"));
  else
    {
      title = g_strdup_printf (_("Flows now sign in as %s without asking"), username);
      gh_page_show_toast (page, title);
    }

  /* The badge moves, or the choice goes back to what the server kept. */
  gh_page_reload (page);
}

static void
auto_approve_selected_cb (GhUsersPage *self)
{
  guint selected = adw_combo_row_get_selected (self->auto_approve_row);
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *path = NULL;
  const char *username;

  if (self->filling || selected >= self->choices->len)
    return;

  username = g_ptr_array_index (self->choices, selected);
  if (g_strcmp0 (username, self->auto_approve) == 0)
    return;

  body = json_object_new ();
  json_object_set_string_member (body, "auto_approve_user", username);
  path = gh_page_project_path (GH_PAGE (self), NULL);
  g_free (self->auto_approve);
  self->auto_approve = g_strdup (username);
  gh_page_call (GH_PAGE (self), "PATCH", path, body, auto_approve_patched_cb,
                g_strdup (username));
}

/* ---- the class --------------------------------------------------------------------- */

static void
reload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  gh_page_reload (GH_PAGE (widget));
}

static void
gh_users_page_dispose (GObject *object)
{
  GhUsersPage *self = (GhUsersPage *)object;

  g_clear_handle_id (&self->event_reload, g_source_remove);
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), GH_TYPE_USERS_PAGE);

  G_OBJECT_CLASS (gh_users_page_parent_class)->dispose (object);
}

static void
gh_users_page_finalize (GObject *object)
{
  GhUsersPage *self = (GhUsersPage *)object;

  g_clear_pointer (&self->users, g_ptr_array_unref);
  g_clear_pointer (&self->choices, g_ptr_array_unref);
  g_clear_pointer (&self->auto_approve, g_free);
  g_clear_pointer (&self->target, g_free);
  g_clear_pointer (&self->search, g_free);

  G_OBJECT_CLASS (gh_users_page_parent_class)->finalize (object);
}

static void
gh_users_page_class_init (GhUsersPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GhPageClass *page_class = GH_PAGE_CLASS (klass);

  object_class->dispose = gh_users_page_dispose;
  object_class->finalize = gh_users_page_finalize;
  page_class->open_target = gh_users_page_open_target;
  page_class->reload = gh_users_page_reload;
  page_class->event = gh_users_page_event;

  gh_page_class_set_info (GH_PAGE_CLASS (klass), "users", N_("Users"), "system-users-symbolic");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/gatehouse/Gatehouse/pages/gh-users-page.ui");
  gtk_widget_class_bind_template_child (widget_class, GhUsersPage, auto_approve_row);
  gtk_widget_class_bind_template_child (widget_class, GhUsersPage, error_page);
  gtk_widget_class_bind_template_child (widget_class, GhUsersPage, no_results_page);
  gtk_widget_class_bind_template_child (widget_class, GhUsersPage, search_bar);
  gtk_widget_class_bind_template_child (widget_class, GhUsersPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, GhUsersPage, stack);
  gtk_widget_class_bind_template_child (widget_class, GhUsersPage, user_list);
  gtk_widget_class_bind_template_child (widget_class, GhUsersPage, users_group);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);

  gtk_widget_class_install_action (widget_class, "users.add", NULL, add_action);
  gtk_widget_class_install_action (widget_class, "users.reload", NULL, reload_action);
}

static void
gh_users_page_init (GhUsersPage *self)
{
  GtkWidget *add;

  self->users = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  self->choices = g_ptr_array_new_with_free_func (g_free);

  gtk_widget_init_template (GTK_WIDGET (self));

  add = gtk_button_new_from_icon_name ("list-add-symbolic");
  gtk_widget_set_name (add, "add-user-button");
  gtk_widget_set_tooltip_text (add, _("Add User"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (add),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Add User"),
                                  -1);
  g_signal_connect_object (add, "clicked", G_CALLBACK (add_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  gh_page_add_header_widget (GH_PAGE (self), add, GTK_PACK_START);
  self->add_button = add;

  gtk_list_box_set_filter_func (self->user_list, filter_row, self, NULL);
  gh_page_add_search (GH_PAGE (self), self->search_bar, self->search_entry, "users-search-button",
                      _("Search Users"));

  g_signal_connect_object (self->auto_approve_row, "notify::selected",
                           G_CALLBACK (auto_approve_selected_cb), self, G_CONNECT_SWAPPED);
}
