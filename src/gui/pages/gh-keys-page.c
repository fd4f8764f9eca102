/* gh-keys-page.c — the signing keys, their states, and rotation
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <glib/gi18n.h>

#include "gh-format.h"
#include "gh-keys-page.h"

/* GET /admin/v1/keys: one expander row per key (the server's, shared by every project) with
 * its phase as a badge, its algorithm, when it was made, signs, stops signing and leaves the
 * key set, and the tokens it can still verify; Rotate (POST /admin/v1/keys/rotate) after a
 * confirmation that says what happens to the tokens the current key signed. The page reads
 * the keys again when the next change of phase is due. */
struct _GhKeysPage
{
  GhPage         parent_instance;

  GtkWidget     *rotate_button;  /* in the window's header */
  guint          phase_timeout;  /* reloads when the next key's phase changes */

  /* Template widgets */
  AdwStatusPage *error_page;
  GtkListBox    *key_list;
  GtkStack      *stack;
};

G_DEFINE_FINAL_TYPE (GhKeysPage, gh_keys_page, GH_TYPE_PAGE)

/* A string member, "" when absent or not a string. */
#define string_member(object, member) \
  json_object_get_string_member_with_default ((object), (member), "")

/* How many seconds a rotation waits before the new key signs (the API's default), so that
 * clients caching the key set fetch it first. */
#define ROTATE_DELAY_S 300

static gint64
now_s (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* 0 when absent or null. */
static gint64
member_time (JsonObject *object,
             const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return 0;
  return json_node_get_int (node);
}

/* "3 min ago", "in 5 min", "now", "3 Dec", from seconds since the epoch. */
static char *
format_relative (gint64 when,
                 gint64 now)
{
  return gh_format_relative (when * G_USEC_PER_SEC, now * G_USEC_PER_SEC, FALSE);
}

static char *
format_absolute (gint64 when)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (when);

  return time ? g_date_time_format (time, "%Y-%m-%d %H:%M:%S %Z") : g_strdup ("");
}

/* A child row: @title, and a value with its absolute time (when @when) in the tooltip. */
static GtkWidget *
detail_row (const char *name,
            const char *title,
            const char *value,
            gint64      when)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *label = gtk_label_new (value);

  gtk_widget_set_name (row, name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  /* Short values on one line; a sentence wraps. */
  gtk_label_set_wrap (GTK_LABEL (label), g_utf8_strlen (value, -1) > 30);
  gtk_label_set_xalign (GTK_LABEL (label), 1);
  gtk_label_set_justify (GTK_LABEL (label), GTK_JUSTIFY_RIGHT);
  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_width_chars (GTK_LABEL (label), MIN (g_utf8_strlen (value, -1), 30));
  gtk_label_set_max_width_chars (GTK_LABEL (label), 40);
  gtk_widget_add_css_class (label, "dim-label");
  if (when > 0)
    {
      g_autofree char *absolute = format_absolute (when);

      gtk_widget_set_tooltip_text (label, absolute);
    }
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
  return row;
}

static GtkWidget *
time_row (const char *name,
          const char *title,
          gint64      when,
          gint64      now,
          const char *unset)
{
  g_autofree char *relative = when > 0 ? format_relative (when, now) : NULL;

  return detail_row (name, title, relative ? relative : unset, when);
}

/* The badge: the key's phase as a verifier would want it said. */
static GtkWidget *
phase_badge (JsonObject *key)
{
  const char *phase = string_member (key, "phase");
  const char *state = string_member (key, "state");
  const char *text = phase;
  const char *style = NULL;
  const char *tooltip = NULL;
  GtkWidget *badge;

  if (g_str_equal (phase, "signing"))
    {
      text = _("Active");
      style = "success";
      tooltip = _("Signs the tokens issued now");
    }
  else if (g_str_equal (phase, "next"))
    {
      text = _("Next");
      style = "accent";
      tooltip = _("Published; signs from the time shown");
    }
  else if (g_str_equal (phase, "retired") && !g_str_equal (state, "retired"))
    {
      text = _("Retiring");
      style = "warning";
      tooltip = _("No longer signs; published while a token it signed can be used");
    }
  else if (g_str_equal (phase, "unused"))
    {
      text = _("Unused");
      tooltip = _("Replaced before it ever signed");
    }
  else if (g_str_equal (phase, "retired") || g_str_equal (phase, "expired"))
    {
      text = _("Retired");
      tooltip = _("Gone from the key set: tokens it signed no longer verify");
    }

  badge = gtk_label_new (text);
  gtk_widget_set_name (badge, "key-state");
  gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (badge, "badge");
  if (style != NULL)
    gtk_widget_add_css_class (badge, style);
  else
    gtk_widget_add_css_class (badge, "dim-label");
  gtk_widget_set_tooltip_text (badge, tooltip);
  return badge;
}

/* What tokens it still verifies, from "verifies". */
static char *
verifies_text (JsonObject *key,
               gint64      now)
{
  JsonNode *node = json_object_get_member (key, "verifies");
  const char *phase = string_member (key, "phase");
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *until = NULL;
  JsonObject *verifies;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return g_strdup (g_str_equal (phase, "next") ? _("None yet: it has not signed")
                                                 : _("No token"));

  verifies = json_node_get_object (node);
  from = format_absolute (member_time (verifies, "signed_from"));
  if (member_time (verifies, "signed_until") > 0)
    to = format_absolute (member_time (verifies, "signed_until"));
  if (member_time (verifies, "until") > 0)
    until = format_relative (member_time (verifies, "until"), now);

  if (to == NULL)
    return g_strdup_printf (_("Every token it signs from %s on, as long as it is the active "
                              "key"), from);
  if (until == NULL)
    return g_strdup_printf (_("Tokens signed from %s to %s"), from, to);
  return g_strdup_printf (_("Tokens signed from %s to %s, until it leaves the key set %s"),
                          from, to, until);
}

static GtkWidget *
key_row (JsonObject *key,
         gint64      now)
{
  const char *kid = string_member (key, "kid");
  const char *alg = string_member (key, "alg");
  const char *phase = string_member (key, "phase");
  gint64 active_from = member_time (key, "active_from");
  gint64 retired_at = member_time (key, "retired_at");
  gint64 expires_at = member_time (key, "expires_at");
  g_autofree char *row_name = g_strconcat ("key-", kid, NULL);
  g_autofree char *when = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *verifies = verifies_text (key, now);
  GtkWidget *row = adw_expander_row_new ();

  gtk_widget_set_name (row, row_name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), kid);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (row), phase_badge (key));

  if (g_str_equal (phase, "signing"))
    {
      when = format_relative (active_from, now);
      subtitle = g_strdup_printf (_("%s · signing since %s"), alg, when);
    }
  else if (g_str_equal (phase, "next"))
    {
      when = format_relative (active_from, now);
      subtitle = g_strdup_printf (_("%s · signs %s"), alg, when);
    }
  else if (retired_at > 0)
    {
      when = format_relative (retired_at, now);
      subtitle = g_strdup_printf (_("%s · stopped signing %s"), alg, when);
    }
  else
    {
      subtitle = g_strdup (alg);
    }
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), g_str_equal (phase, "signing"));

  adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                            detail_row ("algorithm", _("Algorithm"), alg, 0));
  adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                            time_row ("created", _("Created"), member_time (key, "created_at"),
                                      now, ""));
  adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                            time_row ("activates", _("Signs From"), active_from, now, ""));
  adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                            time_row ("retires", _("Stops Signing"), retired_at, now,
                                      _("When the next key starts signing")));
  if (expires_at > 0)
    adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                              time_row ("expires", _("Leaves the Key Set"), expires_at, now,
                                        ""));
  adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                            detail_row ("verifies", _("Verifies"), verifies, 0));

  return row;
}

static gboolean
phase_timeout_cb (gpointer user_data)
{
  GhKeysPage *self = GH_KEYS_PAGE (user_data);

  self->phase_timeout = 0;
  gh_page_reload (GH_PAGE (self));
  return G_SOURCE_REMOVE;
}

static void
show_keys (GhKeysPage *self,
           JsonArray  *keys)
{
  gint64 now = now_s ();
  gint64 next_change = 0;
  GtkWidget *child;
  guint shown = 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->key_list))) != NULL)
    gtk_list_box_remove (self->key_list, child);

  for (guint i = 0; keys != NULL && i < json_array_get_length (keys); i++)
    {
      JsonNode *node = json_array_get_element (keys, i);
      JsonObject *key;
      const char *members[] = { "active_from", "retired_at", "expires_at" };

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      key = json_node_get_object (node);
      gtk_list_box_append (self->key_list, key_row (key, now));
      shown++;

      for (guint m = 0; m < G_N_ELEMENTS (members); m++)
        {
          gint64 when = member_time (key, members[m]);

          if (when > now && (next_change == 0 || when < next_change))
            next_change = when;
        }
    }

  g_clear_handle_id (&self->phase_timeout, g_source_remove);
  if (next_change > 0 && next_change - now < G_MAXUINT / 2)
    self->phase_timeout = g_timeout_add_seconds (next_change - now + 1, phase_timeout_cb, self);

  gtk_stack_set_visible_child_name (self->stack, shown > 0 ? "list" : "empty");
  gh_page_set_busy (GH_PAGE (self), FALSE);
}

static void
keys_loaded_cb (GhPage       *page,
                JsonObject   *answer,
                const GError *error,
                gpointer      user_data)
{
  GhKeysPage *self = GH_KEYS_PAGE (page);
  JsonNode *keys = answer ? json_object_get_member (answer, "keys") : NULL;

  if (error != NULL)
    {
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      gh_page_set_busy (page, FALSE);
      return;
    }

  show_keys (self, keys != NULL && JSON_NODE_HOLDS_ARRAY (keys) ? json_node_get_array (keys)
                                                               : NULL);
}

/* A rotation elsewhere (the CLI, another console): read again. Key events belong to no
 * project: GhPage gives the page those too. */
static void
gh_keys_page_event (GhPage           *page,
                    GhAuditEventItem *event)
{
  GhKeysPage *self = GH_KEYS_PAGE (page);

  if (!g_str_has_prefix (gh_audit_event_item_get_event_type (event), "key."))
    return;
  g_clear_handle_id (&self->phase_timeout, g_source_remove);
  self->phase_timeout = g_timeout_add (250, phase_timeout_cb, self);
}

static void
gh_keys_page_reload (GhPage *page)
{
  GhKeysPage *self = GH_KEYS_PAGE (page);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "error") == 0)
    gtk_stack_set_visible_child_name (self->stack, "loading");
  gh_page_set_busy (page, TRUE);
  gh_page_load (page, "GET", "/keys", NULL, keys_loaded_cb, NULL);
}

/* ---- rotate ------------------------------------------------------------------------ */

static void
rotated_cb (GhPage       *page,
            JsonObject   *answer,
            const GError *error,
            gpointer      user_data)
{
  GhKeysPage *self = GH_KEYS_PAGE (page);
  JsonNode *keys = NULL;
  g_autofree char *title = NULL;
  const char *active = NULL;
  gint64 now = now_s ();
  gint64 active_from;

  gtk_widget_set_sensitive (self->rotate_button, TRUE);
  if (error != NULL)
    {
      gh_page_show_error (page, _("Could not rotate the signing key"), error);
      return;
    }

  /* The answer carries the keys as they are now. */
  keys = json_object_get_member (answer, "keys");
  if (keys != NULL && JSON_NODE_HOLDS_ARRAY (keys))
    {
      JsonArray *array = json_node_get_array (keys);

      show_keys (self, array);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *node = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_OBJECT (node) &&
              g_str_equal (string_member (json_node_get_object (node), "phase"), "signing"))
            active = string_member (json_node_get_object (node), "kid");
        }
    }

  active_from = member_time (answer, "active_from");
  if (active_from <= now || active == NULL)
    {
      title = g_strdup_printf (_("Key %s is active now"), string_member (answer, "kid"));
    }
  else
    {
      g_autofree char *when = format_relative (active_from, now);

      title = g_strdup_printf (_("Key %s stays active; %s signs %s"), active,
                               string_member (answer, "kid"), when);
    }
  gh_page_show_toast (page, title);
}

static void
rotate_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    GhKeysPage       *self)
{
  g_autoptr(JsonObject) body = NULL;

  if (!g_str_equal (response, "now") && !g_str_equal (response, "later"))
    return;

  body = json_object_new ();
  json_object_set_int_member (body, "activate_after",
                              g_str_equal (response, "now") ? 0 : ROTATE_DELAY_S);
  gtk_widget_set_sensitive (self->rotate_button, FALSE);
  gh_page_call (GH_PAGE (self), "POST", "/keys/rotate", body, rotated_cb, NULL);
}

static void
rotate (GhKeysPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   _("Rotate the Signing Key?"),
                                   _("A new key is published in the key set at once. Tokens "
                                     "the current key signed stay valid until they expire: "
                                     "it stays published as long as one of them can be "
                                     "used, then leaves the key set.\n\n"
                                     "“Rotate in 5 Minutes” lets clients that cache the key "
                                     "set fetch the new key before it signs. “Rotate Now” "
                                     "signs with it at once: a client holding an older copy "
                                     "of the key set cannot verify new tokens until it "
                                     "fetches it again."));
  gtk_widget_set_name (dialog, "rotate-keys-dialog");
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "now", _("Rotate _Now"),
                                    "later", _("_Rotate in 5 Minutes"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "now",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "later",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "later");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (rotate_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
rotate_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  rotate (GH_KEYS_PAGE (widget));
}

static void
reload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  gh_page_reload (GH_PAGE (widget));
}

/* ---- the class --------------------------------------------------------------------- */

static void
gh_keys_page_dispose (GObject *object)
{
  GhKeysPage *self = (GhKeysPage *)object;

  g_clear_handle_id (&self->phase_timeout, g_source_remove);
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), GH_TYPE_KEYS_PAGE);

  G_OBJECT_CLASS (gh_keys_page_parent_class)->dispose (object);
}

static void
gh_keys_page_class_init (GhKeysPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GhPageClass *page_class = GH_PAGE_CLASS (klass);

  object_class->dispose = gh_keys_page_dispose;
  page_class->reload = gh_keys_page_reload;
  page_class->event = gh_keys_page_event;

  gh_page_class_set_info (GH_PAGE_CLASS (klass), "keys", N_("Keys"), "dialog-password-symbolic");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/gatehouse/Gatehouse/pages/gh-keys-page.ui");
  gtk_widget_class_bind_template_child (widget_class, GhKeysPage, error_page);
  gtk_widget_class_bind_template_child (widget_class, GhKeysPage, key_list);
  gtk_widget_class_bind_template_child (widget_class, GhKeysPage, stack);

  gtk_widget_class_install_action (widget_class, "keys.rotate", NULL, rotate_action);
  gtk_widget_class_install_action (widget_class, "keys.reload", NULL, reload_action);
}

static void
gh_keys_page_init (GhKeysPage *self)
{
  GtkWidget *button;

  gtk_widget_init_template (GTK_WIDGET (self));

  button = gtk_button_new_with_mnemonic (_("_Rotate…"));
  gtk_widget_set_name (button, "rotate-button");
  gtk_widget_set_tooltip_text (button, _("Make a new signing key"));
  g_signal_connect_object (button, "clicked", G_CALLBACK (rotate), self, G_CONNECT_SWAPPED);
  gh_page_add_header_widget (GH_PAGE (self), button, GTK_PACK_END);
  self->rotate_button = button;
}
