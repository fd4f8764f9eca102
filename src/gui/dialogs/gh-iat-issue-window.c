/* gh-iat-issue-window.c — GhIatIssueWindow: issue an initial access token, then show it once
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <glib/gi18n.h>

#include "gh-iat-issue-window.h"

/* A form (label, expiry, uses, pins) that turns into the result: the raw token and a command
 * that registers a client with it. The token lives in this window only while it is open:
 * closing it empties the labels and clears the string, and closing before anything was copied
 * asks first. */
struct _GhIatIssueWindow
{
  AdwWindow      parent_instance;

  GhAdminClient *client;
  GCancellable  *cancellable;
  char          *iats_path;
  char          *registration_endpoint;
  char          *token;    /* the raw token, while the result shows */
  char          *command;  /* the registration command, which holds it too */
  gboolean       copied;
  gboolean       confirmed;

  /* Template widgets */
  AdwComboRow   *app_type_row;
  AdwComboRow   *auth_row;
  GtkButton     *cancel_button;
  GtkLabel      *command_description;
  GtkLabel      *command_label;
  GtkButton     *done_button;
  AdwComboRow   *expiry_row;
  GtkButton     *issue_button;
  AdwEntryRow   *label_row;
  GtkLabel      *note_label;
  AdwEntryRow   *prefix_row;
  AdwEntryRow   *scope_row;
  GtkSpinner    *spinner;
  GtkStack      *stack;
  AdwToastOverlay *toast_overlay;
  GtkLabel      *token_label;
  GtkSpinButton *uses_spin;
  AdwWindowTitle *window_title;
};

G_DEFINE_FINAL_TYPE (GhIatIssueWindow, gh_iat_issue_window, ADW_TYPE_WINDOW)

enum {
  ISSUED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The expiry choices of expiry_row, in seconds (0: never). */
static const gint64 expiry_seconds[] = { 3600, 86400, 7 * 86400, 30 * 86400, 0 };
/* auth_row's and app_type_row's choices (NULL: not pinned). */
static const char * const auth_methods[] = {
  NULL, "none", "client_secret_basic", "client_secret_post",
};
static const char * const app_types[] = { NULL, "native", "web" };

/* Overwrites @string before freeing it: a token must not linger in freed memory. */
static void
scrub_string (char **string)
{
  if (*string == NULL)
    return;
  for (volatile char *p = *string; *p != '\0'; p++)
    *p = '\0';
  g_clear_pointer (string, g_free);
}

static void
forget_token (GhIatIssueWindow *self)
{
  gtk_label_set_label (self->token_label, "");
  gtk_label_set_label (self->command_label, "");
  scrub_string (&self->token);
  scrub_string (&self->command);
}

static char *
shell_quote (const char *text)
{
  g_autoptr(GString) quoted = g_string_new ("'");

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '\'')
        g_string_append (quoted, "'\\''");
      else
        g_string_append_c (quoted, *p);
    }
  g_string_append_c (quoted, '\'');
  return g_string_free (g_steal_pointer (&quoted), FALSE);
}

static const char *
pinned_string (JsonObject *pinned,
               const char *member)
{
  JsonNode *node = pinned != NULL ? json_object_get_member (pinned, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* A redirect URI within the first pinned prefix, or a loopback one (any port is allowed for
 * loopback, RFC 8252 section 7.3). */
static char *
redirect_uri_for (JsonObject *pinned)
{
  JsonNode *node = pinned != NULL ? json_object_get_member (pinned, "redirect_uri_prefixes")
                                  : NULL;
  const char *prefix = NULL;
  g_autoptr(GUri) uri = NULL;
  const char *path;

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node) &&
      json_array_get_length (json_node_get_array (node)) > 0)
    prefix = json_array_get_string_element (json_node_get_array (node), 0);
  if (prefix == NULL)
    return g_strdup (g_strcmp0 (pinned_string (pinned, "application_type"), "web") == 0
                     ? "https://client.example/callback" : "http://127.0.0.1:8976/callback");

  uri = g_uri_parse (prefix, G_URI_FLAGS_ENCODED, NULL);
  path = uri != NULL ? g_uri_get_path (uri) : "";
  if (*path == '\0')
    return g_strconcat (prefix, "/callback", NULL);
  if (g_str_has_suffix (path, "/"))
    return g_strconcat (prefix, "callback", NULL);
  return g_strdup (prefix);
}

char *
gh_iat_issue_window_build_command (const char *registration_endpoint,
                                   const char *token,
                                   const char *label,
                                   JsonObject *pinned)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *redirect_uri = redirect_uri_for (pinned);
  g_autofree char *body = NULL;
  g_autofree char *quoted_body = NULL;
  g_autofree char *quoted_endpoint = shell_quote (registration_endpoint);
  g_autofree char *header = g_strdup_printf ("Authorization: Bearer %s", token);
  g_autofree char *quoted_header = shell_quote (header);
  const char *method = pinned_string (pinned, "token_endpoint_auth_method");
  const char *app_type = pinned_string (pinned, "application_type");
  const char *scope = pinned_string (pinned, "scope");
  char *command;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "client_name");
  json_builder_add_string_value (builder, label != NULL && *label != '\0' ? label
                                                                          : "MCP client");
  json_builder_set_member_name (builder, "redirect_uris");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, redirect_uri);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "token_endpoint_auth_method");
  json_builder_add_string_value (builder, method != NULL ? method : "none");
  if (app_type != NULL)
    {
      json_builder_set_member_name (builder, "application_type");
      json_builder_add_string_value (builder, app_type);
    }
  if (scope != NULL)
    {
      json_builder_set_member_name (builder, "scope");
      json_builder_add_string_value (builder, scope);
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  body = json_generator_to_data (generator, NULL);
  quoted_body = shell_quote (body);

  /* One option a line, as a shell reads it pasted. */
  command = g_strdup_printf ("curl -s -X POST %s \\\n  -H %s \\\n"
                             "  -H 'Content-Type: application/json' \\\n  -d %s",
                             quoted_endpoint, quoted_header, quoted_body);
  /* The header held the token too. */
  scrub_string (&header);
  for (volatile char *p = quoted_header; *p != '\0'; p++)
    *p = '\0';
  return command;
}

static void
show_toast (GhIatIssueWindow *self,
            const char       *title)
{
  AdwToast *toast = adw_toast_new (title);

  adw_toast_set_timeout (toast, 3);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

static void
set_busy (GhIatIssueWindow *self,
          gboolean          busy)
{
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->issue_button), !busy);
  gtk_widget_set_sensitive (gtk_stack_get_child_by_name (self->stack, "form"), !busy);
}

static void
show_result (GhIatIssueWindow *self,
             JsonObject       *iat,
             const char       *note)
{
  JsonObject *pinned = json_object_get_object_member (iat, "pinned");
  const char *label = json_object_get_string_member_with_default (iat, "label", NULL);
  g_autofree char *description = NULL;

  self->command = gh_iat_issue_window_build_command (self->registration_endpoint, self->token,
                                                    label, pinned);
  description = g_strdup_printf (_("Run this in a terminal: it registers a client at %s with "
                                   "a redirect URI and metadata within what the token pins."),
                                 self->registration_endpoint);
  gtk_label_set_label (self->command_description, description);
  gtk_label_set_label (self->token_label, self->token);
  gtk_label_set_label (self->command_label, self->command);
  gtk_label_set_label (self->note_label, note != NULL ? note : "");
  gtk_widget_set_visible (GTK_WIDGET (self->note_label), note != NULL);

  adw_window_title_set_title (self->window_title, _("Token Issued"));
  adw_window_title_set_subtitle (self->window_title, label != NULL ? label : "");
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->issue_button), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->done_button), TRUE);
  gtk_stack_set_visible_child_name (self->stack, "result");
  gtk_widget_grab_focus (GTK_WIDGET (self->done_button));
}

static void
issue_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GhIatIssueWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = NULL;
  JsonObject *iat;
  const char *token;

  answer = gh_admin_client_request_json_finish (GH_ADMIN_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  if (answer == NULL)
    {
      g_autofree char *title = g_strdup_printf (_("Could not issue the token: %s"),
                                                error->message);
      show_toast (self, title);
      return;
    }

  token = json_object_get_string_member_with_default (answer, "token", NULL);
  iat = json_object_get_object_member (answer, "initial_access_token");
  if (token == NULL || iat == NULL)
    {
      show_toast (self, _("Could not issue the token: the server's answer has no token"));
      return;
    }
  self->token = g_strdup (token);
  /* The answer's copy goes too. */
  for (volatile char *p = (char *) token; *p != '\0'; p++)
    *p = '\0';

  show_result (self, iat, json_object_get_string_member_with_default (answer, "note", NULL));
  g_signal_emit (self, signals[ISSUED], 0, iat);
}

static JsonObject *
build_request (GhIatIssueWindow *self,
               GError          **error)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonObject) pinned = json_object_new ();
  g_autofree char *label = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (
                                                   self->label_row))));
  g_autofree char *scope = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (
                                                   self->scope_row))));
  g_autofree char *prefix = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (
                                                    self->prefix_row))));
  guint expiry = adw_combo_row_get_selected (self->expiry_row);
  guint auth = adw_combo_row_get_selected (self->auth_row);
  guint app_type = adw_combo_row_get_selected (self->app_type_row);

  if (*prefix != '\0')
    {
      g_autoptr(GUri) uri = g_uri_parse (prefix, G_URI_FLAGS_ENCODED, NULL);
      JsonArray *prefixes;

      if (uri == NULL || g_uri_get_host (uri) == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("The redirect URI prefix is not an absolute URI"));
          return NULL;
        }
      prefixes = json_array_new ();
      json_array_add_string_element (prefixes, prefix);
      json_object_set_array_member (pinned, "redirect_uri_prefixes", prefixes);
    }
  if (*label != '\0')
    json_object_set_string_member (body, "label", label);
  json_object_set_int_member (body, "max_uses", gtk_spin_button_get_value_as_int (self->uses_spin));
  if (expiry < G_N_ELEMENTS (expiry_seconds))
    json_object_set_int_member (body, "expires_in", expiry_seconds[expiry]);
  if (auth < G_N_ELEMENTS (auth_methods) && auth_methods[auth] != NULL)
    json_object_set_string_member (pinned, "token_endpoint_auth_method", auth_methods[auth]);
  if (app_type < G_N_ELEMENTS (app_types) && app_types[app_type] != NULL)
    json_object_set_string_member (pinned, "application_type", app_types[app_type]);
  if (*scope != '\0')
    json_object_set_string_member (pinned, "scope", scope);
  json_object_set_object_member (body, "pinned", g_steal_pointer (&pinned));
  return g_steal_pointer (&body);
}

static void
issue_clicked_cb (GhIatIssueWindow *self)
{
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;

  if (self->token != NULL)
    return;
  body = build_request (self, &error);
  if (body == NULL)
    {
      show_toast (self, error->message);
      return;
    }
  set_busy (self, TRUE);
  gh_admin_client_request_json_async (self->client, "POST", self->iats_path, body,
                                      self->cancellable, issue_cb, g_object_ref (self));
}

static void
cancel_clicked_cb (GhIatIssueWindow *self)
{
  gtk_window_close (GTK_WINDOW (self));
}

static void
copy_text (GhIatIssueWindow *self,
           const char       *text,
           const char       *toast)
{
  if (text == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
  self->copied = TRUE;
  show_toast (self, toast);
}

static void
copy_token_clicked_cb (GhIatIssueWindow *self)
{
  copy_text (self, self->token, _("Token copied"));
}

static void
copy_command_clicked_cb (GhIatIssueWindow *self)
{
  copy_text (self, self->command, _("Command copied"));
}

static gboolean
close_idle_cb (gpointer user_data)
{
  gtk_window_close (GTK_WINDOW (user_data));
  return G_SOURCE_REMOVE;
}

static void
close_dialog_response_cb (AdwMessageDialog *dialog,
                          const char       *response,
                          GhIatIssueWindow *self)
{
  if (g_strcmp0 (response, "close") != 0)
    return;
  self->confirmed = TRUE;
  /* Once the dialog, transient for this window, has closed itself. */
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, close_idle_cb, g_object_ref (self), g_object_unref);
}

static gboolean
gh_iat_issue_window_close_request (GtkWindow *window)
{
  GhIatIssueWindow *self = GH_IAT_ISSUE_WINDOW (window);
  AdwMessageDialog *dialog;

  if (self->token != NULL && !self->copied && !self->confirmed)
    {
      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (
          window, _("Close Without Copying?"),
          _("The token has not been copied. Once this window closes, nobody can see it again: "
            "you would have to issue another one.")));
      gtk_widget_set_name (GTK_WIDGET (dialog), "iat-close-dialog");
      adw_message_dialog_add_responses (dialog, "cancel", _("_Keep Open"),
                                        "close", _("_Close"), NULL);
      adw_message_dialog_set_response_appearance (dialog, "close",
                                                  ADW_RESPONSE_DESTRUCTIVE);
      adw_message_dialog_set_default_response (dialog, "cancel");
      adw_message_dialog_set_close_response (dialog, "cancel");
      g_signal_connect_object (dialog, "response", G_CALLBACK (close_dialog_response_cb),
                               self, 0);
      gtk_window_present (GTK_WINDOW (dialog));
      return TRUE;
    }

  forget_token (self);
  g_cancellable_cancel (self->cancellable);
  if (GTK_WINDOW_CLASS (gh_iat_issue_window_parent_class)->close_request != NULL)
    return GTK_WINDOW_CLASS (gh_iat_issue_window_parent_class)->close_request (window);
  return FALSE;
}

static void
gh_iat_issue_window_dispose (GObject *object)
{
  GhIatIssueWindow *self = GH_IAT_ISSUE_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  forget_token (self);
  g_clear_object (&self->client);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (gh_iat_issue_window_parent_class)->dispose (object);
}

static void
gh_iat_issue_window_finalize (GObject *object)
{
  GhIatIssueWindow *self = GH_IAT_ISSUE_WINDOW (object);

  g_free (self->iats_path);
  g_free (self->registration_endpoint);

  G_OBJECT_CLASS (gh_iat_issue_window_parent_class)->finalize (object);
}

static void
gh_iat_issue_window_class_init (GhIatIssueWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = gh_iat_issue_window_dispose;
  object_class->finalize = gh_iat_issue_window_finalize;
  window_class->close_request = gh_iat_issue_window_close_request;
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);

  /* The issued token's record (never the token): the list can show it. */
  signals[ISSUED] = g_signal_new ("issued", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 1, JSON_TYPE_OBJECT);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/gatehouse/Gatehouse/dialogs/"
                                               "gh-iat-issue-window.ui");
  gtk_widget_class_bind_template_child (widget_class, GhIatIssueWindow, app_type_row);
  gtk_widget_class_bind_template_child (widget_class, GhIatIssueWindow, auth_row);
  gtk_widget_class_bind_template_child (widget_class, GhIatIssueWindow, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, GhIatIssueWindow, command_description);
  gtk_widget_class_bind_template_child (widget_class, GhIatIssueWindow, command_label);
  gtk_widget_class_bind_template_child (widget_class, GhIatIssueWindow, done_button);
  gtk_widget_class_bind_template_child (widget_class, GhIatIssueWindow, expiry_row);
  gtk_widget_class_bind_template_child (widget_class, GhIatIssueWindow, issue_button);
  gtk_widget_class_bind_template_child (widget_class, GhIatIssueWindow, label_row);
  gtk_widget_class_bind_template_child (widget_class, GhIatIssueWindow, note_label);
  gtk_widget_class_bind_template_child (widget_class, GhIatIssueWindow, prefix_row);
  gtk_widget_class_bind_template_child (widget_class, GhIatIssueWindow, scope_row);
  gtk_widget_class_bind_template_child (widget_class, GhIatIssueWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, GhIatIssueWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, GhIatIssueWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, GhIatIssueWindow, token_label);
  gtk_widget_class_bind_template_child (widget_class, GhIatIssueWindow, uses_spin);
  gtk_widget_class_bind_template_child (widget_class, GhIatIssueWindow, window_title);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, copy_command_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, copy_token_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, issue_clicked_cb);
}

static void
gh_iat_issue_window_init (GhIatIssueWindow *self)
{
  PangoAttrList *attributes = pango_attr_list_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  /* Broken across lines, a token or a command must not gain hyphens. */
  pango_attr_list_insert (attributes, pango_attr_insert_hyphens_new (FALSE));
  gtk_label_set_attributes (self->token_label, attributes);
  gtk_label_set_attributes (self->command_label, attributes);
  pango_attr_list_unref (attributes);
  self->cancellable = g_cancellable_new ();
}

GhIatIssueWindow *
gh_iat_issue_window_new (GtkWindow     *parent,
                         GhAdminClient *client,
                         const char    *iats_path,
                         const char    *registration_endpoint)
{
  GhIatIssueWindow *self;

  g_return_val_if_fail (GH_IS_ADMIN_CLIENT (client), NULL);
  g_return_val_if_fail (iats_path != NULL && registration_endpoint != NULL, NULL);

  self = g_object_new (GH_TYPE_IAT_ISSUE_WINDOW, "transient-for", parent, NULL);
  self->client = g_object_ref (client);
  self->iats_path = g_strdup (iats_path);
  self->registration_endpoint = g_strdup (registration_endpoint);
  return self;
}
