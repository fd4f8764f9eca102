/* gh-client-create-window.c — the window that creates a pre-registered client and shows its
 * secret once
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "gh-client-create-window.h"
#include "gh-property-row.h"

/* A form (name, redirect URIs one per row, each checked as it is typed, public or
 * confidential) that turns, once the server made the client, into its id and, for a
 * confidential client, the secret: shown here once, never again. */
struct _GhClientCreateWindow
{
  AdwWindow       parent_instance;

  GhAdminClient  *client;
  char           *path;
  GCancellable   *cancellable;
  GPtrArray      *uri_rows;        /* AdwEntryRow */
  char           *secret;

  GtkWidget      *stack;
  GtkWidget      *cancel_button;
  GtkWidget      *create_button;
  GtkWidget      *done_button;
  GtkWidget      *spinner;
  GtkWidget      *name_row;
  GtkWidget      *uris_group;
  GtkWidget      *uri_error_label;
  GtkWidget      *confidential_check;
  GtkWidget      *error_label;
  GtkWidget      *id_row;
  GtkWidget      *secret_group;
  GtkWidget      *secret_label;
};

G_DEFINE_FINAL_TYPE (GhClientCreateWindow, gh_client_create_window, ADW_TYPE_WINDOW)

enum {
  CREATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

gboolean
gh_client_create_is_loopback (const char *host)
{
  return host != NULL && (g_str_equal (host, "127.0.0.1") || g_str_equal (host, "::1") ||
                          g_str_equal (host, "[::1]") ||
                          g_ascii_strcasecmp (host, "localhost") == 0);
}

char *
gh_client_create_check_redirect_uri (const char *text)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  g_return_val_if_fail (text != NULL, NULL);

  uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return g_strdup (_("Not an absolute URI (scheme:…)"));
  if (g_uri_get_fragment (uri) != NULL)
    return g_strdup (_("A redirect URI has no fragment (RFC 6749 §3.1.2)"));

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") == 0)
    {
      if (!gh_client_create_is_loopback (g_uri_get_host (uri)))
        return g_strdup (_("http only on a loopback address (127.0.0.1, [::1], localhost); "
                           "use https"));
    }
  else if (g_ascii_strcasecmp (scheme, "https") == 0)
    {
      if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
        return g_strdup (_("An https URI needs a host"));
    }
  else if (g_ascii_strcasecmp (scheme, "javascript") == 0 ||
           g_ascii_strcasecmp (scheme, "data") == 0 ||
           g_ascii_strcasecmp (scheme, "file") == 0)
    return g_strdup_printf (_("The “%s” scheme is never allowed"), scheme);

  return NULL;
}

/* Create is possible with at least one redirect URI and every filled row valid; the first
 * problem is shown under the rows. */
static void
validate (GhClientCreateWindow *self)
{
  g_autofree char *problem = NULL;
  guint n_valid = 0;

  for (guint i = 0; i < self->uri_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->uri_rows, i);
      const char *text = gtk_editable_get_text (GTK_EDITABLE (row));
      g_autofree char *why = NULL;

      if (text == NULL || *text == '\0')
        {
          gtk_widget_remove_css_class (row, "error");
          continue;
        }
      why = gh_client_create_check_redirect_uri (text);
      if (why == NULL)
        {
          gtk_widget_remove_css_class (row, "error");
          n_valid++;
          continue;
        }
      gtk_widget_add_css_class (row, "error");
      if (problem == NULL)
        /* "Row 2: http only on a loopback address…" */
        problem = g_strdup_printf (_("Row %u: %s"), i + 1, why);
    }

  gtk_label_set_text (GTK_LABEL (self->uri_error_label), problem != NULL ? problem : "");
  gtk_widget_set_visible (self->uri_error_label, problem != NULL);
  gtk_widget_set_sensitive (self->create_button,
                            problem == NULL && n_valid > 0 && self->cancellable == NULL);
}

static void
remove_uri_clicked_cb (GtkButton            *button,
                       GhClientCreateWindow *self)
{
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (button), ADW_TYPE_ENTRY_ROW);

  if (row == NULL || self->uri_rows->len <= 1)
    {
      if (row != NULL)
        gtk_editable_set_text (GTK_EDITABLE (row), "");
      return;
    }

  g_ptr_array_remove (self->uri_rows, row);
  adw_preferences_group_remove (ADW_PREFERENCES_GROUP (self->uris_group), row);
  for (guint i = 0; i < self->uri_rows->len; i++)
    {
      g_autofree char *title = g_strdup_printf (_("Redirect URI %u"), i + 1);

      adw_preferences_row_set_title (g_ptr_array_index (self->uri_rows, i), title);
    }
  validate (self);
}

static GtkWidget *
add_uri_row (GhClientCreateWindow *self)
{
  g_autofree char *title = g_strdup_printf (_("Redirect URI %u"), self->uri_rows->len + 1);
  g_autofree char *name = g_strdup_printf ("client-redirect-entry-%u", self->uri_rows->len);
  GtkWidget *row = adw_entry_row_new ();
  GtkWidget *remove = gtk_button_new_from_icon_name ("list-remove-symbolic");

  gtk_widget_set_name (row, name);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  gtk_widget_set_tooltip_text (remove, _("Remove This Redirect URI"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Remove This Redirect URI"), -1);
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "flat");
  g_signal_connect_object (remove, "clicked", G_CALLBACK (remove_uri_clicked_cb), self, 0);
  adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), remove);
  g_signal_connect_object (row, "changed", G_CALLBACK (validate), self, G_CONNECT_SWAPPED);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->uris_group), row);
  g_ptr_array_add (self->uri_rows, row);

  return row;
}

static void
add_uri_clicked_cb (GhClientCreateWindow *self)
{
  gtk_widget_grab_focus (add_uri_row (self));
  validate (self);
}

static void
copy_clicked_cb (GhClientCreateWindow *self)
{
  if (self->secret == NULL)
    return;

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), self->secret);
  gtk_button_set_label (GTK_BUTTON (g_object_get_data (G_OBJECT (self), "copy-button")),
                        _("Copied"));
}

static void
created_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  GhClientCreateWindow *self = user_data;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  const char *client_id;

  answer = gh_admin_client_request_json_finish (GH_ADMIN_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_object_unref (self);
      return;
    }

  g_clear_object (&self->cancellable);
  gtk_spinner_set_spinning (GTK_SPINNER (self->spinner), FALSE);
  gtk_widget_set_visible (self->spinner, FALSE);

  client_id = answer != NULL && json_object_has_member (answer, "client_id")
                ? json_object_get_string_member (answer, "client_id") : NULL;
  if (client_id == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The server did not create the client: %s"),
                                                  error != NULL ? error->message
                                                                : _("no client_id"));

      gtk_label_set_text (GTK_LABEL (self->error_label), message);
      gtk_widget_set_visible (self->error_label, TRUE);
      validate (self);
      g_object_unref (self);
      return;
    }

  if (json_object_has_member (answer, "client_secret") &&
      !json_object_get_null_member (answer, "client_secret"))
    self->secret = g_strdup (json_object_get_string_member (answer, "client_secret"));

  gh_property_row_set_value (GH_PROPERTY_ROW (self->id_row), client_id);
  gtk_label_set_text (GTK_LABEL (self->secret_label), self->secret != NULL ? self->secret : "");
  gtk_widget_set_visible (self->secret_group, self->secret != NULL);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "result");
  gtk_widget_set_visible (self->cancel_button, FALSE);
  gtk_widget_set_visible (self->create_button, FALSE);
  gtk_widget_set_visible (self->done_button, TRUE);
  gtk_window_set_default_widget (GTK_WINDOW (self), self->done_button);
  gtk_window_set_title (GTK_WINDOW (self), _("Client Created"));

  g_signal_emit (self, signals[CREATED], 0, client_id);
  g_object_unref (self);
}

static void
create_clicked_cb (GhClientCreateWindow *self)
{
  g_autoptr(JsonObject) body = json_object_new ();
  JsonArray *uris = json_array_new ();
  const char *name = gtk_editable_get_text (GTK_EDITABLE (self->name_row));
  gboolean confidential = gtk_check_button_get_active (GTK_CHECK_BUTTON (self->confidential_check));

  if (self->cancellable != NULL || !gtk_widget_get_sensitive (self->create_button))
    {
      json_array_unref (uris);
      return;
    }

  for (guint i = 0; i < self->uri_rows->len; i++)
    {
      const char *text = gtk_editable_get_text (g_ptr_array_index (self->uri_rows, i));

      if (text != NULL && *text != '\0')
        json_array_add_string_element (uris, text);
    }
  if (name != NULL && *name != '\0')
    json_object_set_string_member (body, "client_name", name);
  json_object_set_array_member (body, "redirect_uris", uris);
  json_object_set_string_member (body, "token_endpoint_auth_method",
                                 confidential ? "client_secret_basic" : "none");

  gtk_widget_set_visible (self->error_label, FALSE);
  gtk_widget_set_visible (self->spinner, TRUE);
  gtk_spinner_set_spinning (GTK_SPINNER (self->spinner), TRUE);
  self->cancellable = g_cancellable_new ();
  gtk_widget_set_sensitive (self->create_button, FALSE);
  gh_admin_client_request_json_async (self->client, "POST", self->path, body, self->cancellable,
                                      created_cb, g_object_ref (self));
}

static void
gh_client_create_window_dispose (GObject *object)
{
  GhClientCreateWindow *self = (GhClientCreateWindow *)object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  g_clear_pointer (&self->uri_rows, g_ptr_array_unref);

  G_OBJECT_CLASS (gh_client_create_window_parent_class)->dispose (object);
}

static void
gh_client_create_window_finalize (GObject *object)
{
  GhClientCreateWindow *self = (GhClientCreateWindow *)object;

  g_clear_pointer (&self->path, g_free);
  if (self->secret != NULL)
    memset (self->secret, 0, strlen (self->secret));
  g_clear_pointer (&self->secret, g_free);

  G_OBJECT_CLASS (gh_client_create_window_parent_class)->finalize (object);
}

static void
gh_client_create_window_class_init (GhClientCreateWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gh_client_create_window_dispose;
  object_class->finalize = gh_client_create_window_finalize;

  /* The server made the client (its client_id). */
  signals[CREATED] =
    g_signal_new ("created", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static GtkWidget *
type_row_new (const char *title,
              const char *subtitle,
              GtkWidget  *check)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                  row, NULL, -1);

  return row;
}

static GtkWidget *
form_new (GhClientCreateWindow *self)
{
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *group;
  GtkWidget *add;
  GtkWidget *public_check;

  group = adw_preferences_group_new ();
  self->name_row = adw_entry_row_new ();
  gtk_widget_set_name (self->name_row, "client-name-entry");
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->name_row), _("Name"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), self->name_row);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));

  self->uris_group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self->uris_group),
                                   _("Redirect URIs"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self->uris_group),
                                         _("One per row: https, http on a loopback address, or "
                                           "a custom scheme the project allows"));
  add = gtk_button_new_from_icon_name ("list-add-symbolic");
  gtk_widget_set_name (add, "client-add-redirect-button");
  gtk_widget_set_valign (add, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (add, "flat");
  gtk_widget_set_tooltip_text (add, _("Add a Redirect URI"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (add), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Add a Redirect URI"), -1);
  g_signal_connect_object (add, "clicked", G_CALLBACK (add_uri_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  adw_preferences_group_set_header_suffix (ADW_PREFERENCES_GROUP (self->uris_group), add);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (self->uris_group));
  add_uri_row (self);

  group = adw_preferences_group_new ();
  self->uri_error_label = gtk_label_new (NULL);
  gtk_widget_set_name (self->uri_error_label, "client-redirect-error");
  gtk_label_set_wrap (GTK_LABEL (self->uri_error_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->uri_error_label), 0);
  gtk_widget_add_css_class (self->uri_error_label, "error");
  gtk_widget_set_visible (self->uri_error_label, FALSE);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), self->uri_error_label);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));

  group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Type"));
  public_check = gtk_check_button_new ();
  gtk_widget_set_name (public_check, "client-public-check");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (public_check), TRUE);
  self->confidential_check = gtk_check_button_new ();
  gtk_widget_set_name (self->confidential_check, "client-confidential-check");
  gtk_check_button_set_group (GTK_CHECK_BUTTON (self->confidential_check),
                              GTK_CHECK_BUTTON (public_check));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                             type_row_new (_("Public"),
                                           _("An app on the user’s device (an MCP client, a "
                                             "command line tool): no secret, PKCE protects "
                                             "the code"), public_check));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                             type_row_new (_("Confidential"),
                                           _("A server-side app that can keep a secret: it "
                                             "gets a client secret"),
                                           self->confidential_check));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));

  group = adw_preferences_group_new ();
  self->error_label = gtk_label_new (NULL);
  gtk_widget_set_name (self->error_label, "client-create-error");
  gtk_label_set_wrap (GTK_LABEL (self->error_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->error_label), 0);
  gtk_label_set_selectable (GTK_LABEL (self->error_label), TRUE);
  gtk_widget_add_css_class (self->error_label, "error");
  gtk_widget_set_visible (self->error_label, FALSE);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), self->error_label);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));

  return page;
}

static GtkWidget *
result_new (GhClientCreateWindow *self)
{
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *box;
  GtkWidget *copy;
  GtkWidget *warning;

  self->id_row = g_object_new (GH_TYPE_PROPERTY_ROW,
                               "name", "client-created-id-row",
                               "title", _("Client ID"),
                               "copyable", TRUE,
                               NULL);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), self->id_row);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (group));

  self->secret_group = adw_preferences_group_new ();
  gtk_widget_set_name (self->secret_group, "client-secret-group");
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self->secret_group),
                                   _("Client Secret"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self->secret_group),
                                         _("The server keeps only a hash of it: copy it now and "
                                           "keep it where the client can read it"));
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_add_css_class (box, "card");
  warning = gtk_label_new (_("You will not see this secret again"));
  gtk_widget_set_margin_top (warning, 18);
  gtk_widget_add_css_class (warning, "warning");
  gtk_widget_add_css_class (warning, "heading");
  gtk_box_append (GTK_BOX (box), warning);
  self->secret_label = gtk_label_new (NULL);
  gtk_widget_set_name (self->secret_label, "client-secret-label");
  gtk_label_set_selectable (GTK_LABEL (self->secret_label), TRUE);
  gtk_label_set_wrap (GTK_LABEL (self->secret_label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (self->secret_label), PANGO_WRAP_CHAR);
  gtk_widget_set_margin_start (self->secret_label, 18);
  gtk_widget_set_margin_end (self->secret_label, 18);
  gtk_widget_add_css_class (self->secret_label, "monospace");
  gtk_widget_add_css_class (self->secret_label, "title-4");
  gtk_box_append (GTK_BOX (box), self->secret_label);
  copy = gtk_button_new_with_mnemonic (_("_Copy Secret"));
  gtk_widget_set_name (copy, "client-secret-copy-button");
  gtk_widget_set_halign (copy, GTK_ALIGN_CENTER);
  gtk_widget_set_margin_bottom (copy, 18);
  gtk_widget_add_css_class (copy, "pill");
  gtk_widget_add_css_class (copy, "suggested-action");
  g_signal_connect_object (copy, "clicked", G_CALLBACK (copy_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  g_object_set_data (G_OBJECT (self), "copy-button", copy);
  gtk_box_append (GTK_BOX (box), copy);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (self->secret_group), box);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page),
                            ADW_PREFERENCES_GROUP (self->secret_group));

  return page;
}

static void
gh_client_create_window_init (GhClientCreateWindow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();

  self->uri_rows = g_ptr_array_new ();

  gtk_widget_set_name (GTK_WIDGET (self), "client-create-window");
  gtk_window_set_title (GTK_WINDOW (self), _("New Client"));
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (self), 560, 640);
  gtk_window_set_destroy_with_parent (GTK_WINDOW (self), TRUE);

  adw_header_bar_set_show_end_title_buttons (ADW_HEADER_BAR (header), FALSE);
  adw_header_bar_set_show_start_title_buttons (ADW_HEADER_BAR (header), FALSE);
  self->cancel_button = gtk_button_new_with_mnemonic (_("_Cancel"));
  gtk_widget_set_name (self->cancel_button, "client-create-cancel-button");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->cancel_button), "window.close");
  adw_header_bar_pack_start (ADW_HEADER_BAR (header), self->cancel_button);
  self->create_button = gtk_button_new_with_mnemonic (_("C_reate"));
  gtk_widget_set_name (self->create_button, "client-create-button");
  gtk_widget_add_css_class (self->create_button, "suggested-action");
  g_signal_connect_object (self->create_button, "clicked", G_CALLBACK (create_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->create_button);
  self->done_button = gtk_button_new_with_mnemonic (_("_Done"));
  gtk_widget_set_name (self->done_button, "client-create-done-button");
  gtk_widget_add_css_class (self->done_button, "suggested-action");
  gtk_widget_set_visible (self->done_button, FALSE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->done_button), "window.close");
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->done_button);
  self->spinner = gtk_spinner_new ();
  gtk_widget_set_visible (self->spinner, FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->spinner), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Creating the client"), -1);
  adw_header_bar_pack_end (ADW_HEADER_BAR (header), self->spinner);
  gtk_box_append (GTK_BOX (box), header);

  self->stack = gtk_stack_new ();
  gtk_widget_set_vexpand (self->stack, TRUE);
  gtk_stack_set_transition_type (GTK_STACK (self->stack), GTK_STACK_TRANSITION_TYPE_CROSSFADE);
  gtk_stack_add_named (GTK_STACK (self->stack), form_new (self), "form");
  gtk_stack_add_named (GTK_STACK (self->stack), result_new (self), "result");
  gtk_box_append (GTK_BOX (box), self->stack);

  adw_window_set_content (ADW_WINDOW (self), box);
  validate (self);
}

GtkWidget *
gh_client_create_window_new (GtkWindow     *parent,
                             GhAdminClient *client,
                             const char    *path)
{
  GhClientCreateWindow *self;

  g_return_val_if_fail (GH_IS_ADMIN_CLIENT (client), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (GH_TYPE_CLIENT_CREATE_WINDOW,
                       "transient-for", parent,
                       NULL);
  self->client = g_object_ref (client);
  self->path = g_strdup (path);

  return GTK_WIDGET (self);
}
