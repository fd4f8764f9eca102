/* gh-iats-page.c — GhIatsPage: the project's initial access tokens, their rejected uses
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "gh-explain-card.h"
#include "gh-format.h"
#include "gh-iat-issue-window.h"
#include "gh-iats-page.h"

/* The tokens of GET …/iats, each with a live countdown to its expiry, and the registrations
 * refused for their token (the iat.rejected events of GET …/audit) under the token they named,
 * or in a group of their own when they named none: "no Authorization header" is why shipping
 * MCP clients cannot register in initial_access_token mode. The event stream's iat.* events
 * of the project reload it. The badge counts the active tokens. */
struct _GhIatsPage
{
  GhPage         parent_instance;

  JsonArray     *iats;
  GPtrArray     *rejected;       /* GhAuditEventItem, newest first */
  char          *issuer;
  char          *dcr_mode;
  GError        *load_error;
  guint          pending;        /* loads of this round not answered yet */
  GPtrArray     *rows;           /* the rows added to the groups, to remove them */
  GHashTable    *expanded;       /* the names of the token rows the user expanded */
  GPtrArray     *countdowns;     /* Countdown */
  guint          tick_id;
  guint          refresh_id;
  GtkWidget     *issue_button;
  char          *search;         /* the search entry's text, case-folded; NULL when empty */
  gboolean       listed;         /* the list is what the page shows (not empty or an error) */

  /* Template widgets */
  GtkLabel      *empty_mode_label;
  AdwStatusPage *error_page;
  AdwPreferencesGroup *mode_group;
  AdwActionRow  *mode_row;
  AdwStatusPage *no_results_page;
  AdwPreferencesGroup *orphans_group;
  GtkSearchBar  *search_bar;
  GtkSearchEntry *search_entry;
  GtkStack      *stack;
  AdwPreferencesGroup *tokens_group;
};

G_DEFINE_FINAL_TYPE (GhIatsPage, gh_iats_page, GH_TYPE_PAGE)

/* A token's rows whose text follows the clock. */
typedef struct
{
  AdwExpanderRow *row;
  AdwActionRow   *expires_row;
  gint64          expires_at;  /* unix seconds; 0: never */
  gint64          last_used_at;  /* unix seconds; 0: never */
  char           *state;
  char           *uses;        /* "2 of 3 uses left" */
  guint           n_rejected;
} Countdown;

static void
countdown_free (Countdown *countdown)
{
  g_object_unref (countdown->row);
  g_object_unref (countdown->expires_row);
  g_free (countdown->state);
  g_free (countdown->uses);
  g_free (countdown);
}

static char *
format_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (unix_seconds);

  return time != NULL ? g_date_time_format (time, "%Y-%m-%d %H:%M:%S") : g_strdup ("?");
}

static char *
format_duration (gint64 seconds)
{
  if (seconds >= 86400)
    return g_strdup_printf (_("%d d %d h"), (int) (seconds / 86400),
                            (int) (seconds % 86400 / 3600));
  if (seconds >= 3600)
    return g_strdup_printf (_("%d h %02d min %02d s"), (int) (seconds / 3600),
                            (int) (seconds % 3600 / 60), (int) (seconds % 60));
  if (seconds >= 60)
    return g_strdup_printf (_("%d min %02d s"), (int) (seconds / 60), (int) (seconds % 60));
  return g_strdup_printf (_("%d s"), (int) seconds);
}

/* "used 3 min ago", "not used yet"; "last used 3 Dec" once it is a day old. */
static char *
last_used_text (gint64 last_used_at,
                gint64 now)
{
  g_autofree char *when = NULL;

  if (last_used_at == 0)
    return g_strdup (_("not used yet"));
  if (now - last_used_at < 60)
    return g_strdup (_("used just now"));
  when = gh_format_relative (last_used_at * G_USEC_PER_SEC, now * G_USEC_PER_SEC, FALSE);
  /* Translators: "used 3 min ago"; a day later "last used 3 Dec" */
  return now - last_used_at < 86400 ? g_strdup_printf (_("used %s"), when)
                                    : g_strdup_printf (_("last used %s"), when);
}

/* "Expires in 5 h 03 min 12 s", "Expired 2 min 10 s ago", "Never expires". */
static char *
expiry_text (gint64 expires_at,
             gint64 now)
{
  g_autofree char *duration = NULL;

  if (expires_at == 0)
    return g_strdup (_("Never expires"));
  if (expires_at > now)
    {
      duration = format_duration (expires_at - now);
      return g_strdup_printf (_("Expires in %s"), duration);
    }
  duration = format_duration (now - expires_at);
  return g_strdup_printf (_("Expired %s ago"), duration);
}

static void schedule_refresh (GhIatsPage *self);
static void issue_clicked_cb (GhIatsPage *self);

static void
update_countdown (Countdown *countdown,
                  gint64     now)
{
  g_autofree char *expiry = expiry_text (countdown->expires_at, now);
  g_autofree char *used = last_used_text (countdown->last_used_at, now);
  g_autofree char *summary = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *when = NULL;
  g_autofree char *detail = NULL;

  if (countdown->n_rejected > 0)
    summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s · %s · %u rejected use",
                                            "%s · %s · %u rejected uses",
                                            countdown->n_rejected),
                               countdown->uses, used, countdown->n_rejected);
  else
    summary = g_strdup_printf ("%s · %s", countdown->uses, used);
  if (g_str_equal (countdown->state, "revoked"))
    subtitle = g_strdup_printf (_("Revoked · %s"), summary);
  else
    subtitle = g_strdup_printf ("%s · %s", expiry, summary);
  adw_expander_row_set_subtitle (countdown->row, subtitle);

  if (countdown->expires_at == 0)
    detail = g_strdup (_("Never"));
  else
    {
      g_autofree char *duration = format_duration (ABS (countdown->expires_at - now));

      when = format_time (countdown->expires_at);
      detail = countdown->expires_at > now ? g_strdup_printf (_("In %s (%s)"), duration, when)
                                           : g_strdup_printf (_("%s ago (%s)"), duration, when);
    }
  adw_action_row_set_subtitle (countdown->expires_row, detail);
}

static gboolean
tick_cb (gpointer user_data)
{
  GhIatsPage *self = GH_IATS_PAGE (user_data);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  for (guint i = 0; i < self->countdowns->len; i++)
    {
      Countdown *countdown = g_ptr_array_index (self->countdowns, i);

      update_countdown (countdown, now);
      /* The server calls it expired now: read its state again (for a few seconds only: a
       * remote server's clock may be behind). */
      if (g_str_equal (countdown->state, "active") && countdown->expires_at != 0 &&
          countdown->expires_at <= now && countdown->expires_at > now - 5)
        schedule_refresh (self);
    }
  return G_SOURCE_CONTINUE;
}

static void
clear_rows (GhIatsPage *self)
{
  g_hash_table_remove_all (self->expanded);
  for (guint i = 0; i < self->rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->rows, i);
      GtkWidget *group = gtk_widget_get_ancestor (row, ADW_TYPE_PREFERENCES_GROUP);

      /* A reload keeps them open. */
      if (ADW_IS_EXPANDER_ROW (row) && adw_expander_row_get_expanded (ADW_EXPANDER_ROW (row)))
        g_hash_table_add (self->expanded, g_strdup (gtk_widget_get_name (row)));
      if (group != NULL)
        adw_preferences_group_remove (ADW_PREFERENCES_GROUP (group), row);
    }
  g_ptr_array_set_size (self->rows, 0);
  g_ptr_array_set_size (self->countdowns, 0);
}

/* What a search finds @row by (the texts it shows, case-folded), NULL-terminated. */
static void
set_search_text (GtkWidget  *row,
                 const char *first,
                 ...)
{
  g_autoptr(GString) text = g_string_new (NULL);
  va_list args;

  va_start (args, first);
  for (const char *part = first; part != NULL; part = va_arg (args, const char *))
    g_string_append_printf (text, "%s\n", part);
  va_end (args);
  g_object_set_data_full (G_OBJECT (row), "gh-search", g_utf8_casefold (text->str, -1), g_free);
}

static void
add_row (GhIatsPage          *self,
         AdwPreferencesGroup *group,
         GtkWidget           *row)
{
  adw_preferences_group_add (group, row);
  g_ptr_array_add (self->rows, g_object_ref (row));
}

static GtkWidget *
detail_row (const char *title,
            const char *value)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value);
  return row;
}

static const char *
reason_text (const char *reason)
{
  if (g_strcmp0 (reason, "missing") == 0)
    return _("No Authorization header");
  if (g_strcmp0 (reason, "unknown") == 0)
    return _("A token this project never issued");
  if (g_strcmp0 (reason, "expired") == 0)
    return _("The token had expired");
  if (g_strcmp0 (reason, "revoked") == 0)
    return _("The token was revoked");
  if (g_strcmp0 (reason, "exhausted") == 0)
    return _("The token had no uses left");
  if (g_strcmp0 (reason, "pin_mismatch") == 0)
    return _("Metadata outside what the token pins");
  return reason != NULL ? reason : _("Refused");
}

static const char *
event_reason (GhAuditEventItem *event)
{
  JsonObject *details = gh_audit_event_item_get_details (event);

  return details != NULL ? json_object_get_string_member_with_default (details, "reason", NULL)
                         : NULL;
}

/* The token id the event names, or NULL (no header, an unknown token). */
static const char *
event_iat_id (GhAuditEventItem *event)
{
  JsonObject *details = gh_audit_event_item_get_details (event);
  JsonNode *node = details != NULL ? json_object_get_member (details, "iat_id") : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static void
explain_clicked_cb (GtkButton  *button,
                    GhIatsPage *self)
{
  GhAuditEventItem *event = g_object_get_data (G_OBJECT (button), "event");
  JsonObject *explain = gh_audit_event_item_get_explain (event);

  if (explain != NULL)
    gh_explain_card_present (GTK_WIDGET (self), explain,
                             gh_page_get_admin_client (GH_PAGE (self)),
                             gh_page_get_project (GH_PAGE (self)));
}

/* A refused registration: why, when, from where and which program. */
static GtkWidget *
rejected_row (GhIatsPage       *self,
              GhAuditEventItem *event)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *time = format_time (gh_audit_event_item_get_time (event) / G_USEC_PER_SEC);
  const char *source = gh_audit_event_item_get_source (event);
  const char *user_agent = gh_audit_event_item_get_user_agent (event);
  g_autofree char *subtitle = NULL;
  JsonObject *explain = gh_audit_event_item_get_explain (event);
  const char *message = explain != NULL
    ? json_object_get_string_member_with_default (explain, "message", NULL) : NULL;

  subtitle = g_strdup_printf (_("%s · from %s · %s"), time,
                              source != NULL ? source : _("unknown address"),
                              user_agent != NULL ? user_agent : _("no User-Agent"));
  gtk_widget_set_name (row, "rejected-row");
  {
    GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-warning-symbolic");

    gtk_widget_add_css_class (icon, "error");
    gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    _("Refused"), -1);
    adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  }
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), reason_text (event_reason (event)));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);
  set_search_text (row, reason_text (event_reason (event)), subtitle, NULL);
  if (message != NULL)
    gtk_widget_set_tooltip_text (row, message);

  if (explain != NULL)
    {
      GtkWidget *button = gtk_button_new_with_mnemonic (_("_Explain"));

      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (button, _("Why it was refused, and how to fix it"));
      g_object_set_data_full (G_OBJECT (button), "event", g_object_ref (event), g_object_unref);
      g_signal_connect_object (button, "clicked", G_CALLBACK (explain_clicked_cb), self, 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
    }
  return row;
}

static void
revoke_cb (GhPage       *page,
           JsonObject   *answer,
           const GError *error,
           gpointer      user_data)
{
  if (answer == NULL)
    {
      gh_page_show_error (page, _("Could not revoke the token"), error);
      return;
    }
  gh_page_show_toast (page, _("Token revoked"));
  gh_page_reload (page);
}

static void
revoke_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    GhIatsPage       *self)
{
  const char *id = g_object_get_data (G_OBJECT (dialog), "iat-id");
  g_autofree char *escaped = NULL;
  g_autofree char *suffix = NULL;
  g_autofree char *path = NULL;

  if (g_strcmp0 (response, "revoke") != 0 || id == NULL)
    return;
  escaped = g_uri_escape_string (id, NULL, FALSE);
  suffix = g_strconcat ("/iats/", escaped, NULL);
  path = gh_page_project_path (GH_PAGE (self), suffix);
  gh_page_call (GH_PAGE (self), "DELETE", path, NULL, revoke_cb, NULL);
}

static void
revoke_clicked_cb (GtkButton  *button,
                   GhIatsPage *self)
{
  const char *id = g_object_get_data (G_OBJECT (button), "iat-id");
  const char *label = g_object_get_data (G_OBJECT (button), "iat-label");
  g_autofree char *heading = g_strdup_printf (_("Revoke “%s”?"), label);
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  AdwMessageDialog *dialog;

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (
      GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading,
      _("Registrations with this token are refused from now on. The clients it already "
        "registered keep working.")));
  gtk_widget_set_name (GTK_WIDGET (dialog), "iat-revoke-dialog");
  g_object_set_data_full (G_OBJECT (dialog), "iat-id", g_strdup (id), g_free);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "revoke", _("_Revoke"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "revoke", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (revoke_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static GtkWidget *
state_badge (const char *state)
{
  GtkWidget *badge;
  const char *text = state;
  const char *style = NULL;

  if (g_strcmp0 (state, "active") == 0)
    text = _("Active"), style = "success";
  else if (g_strcmp0 (state, "expired") == 0)
    text = _("Expired"), style = "dim-label";
  else if (g_strcmp0 (state, "exhausted") == 0)
    text = _("Used Up"), style = "warning";
  else if (g_strcmp0 (state, "revoked") == 0)
    text = _("Revoked"), style = "error";

  badge = gtk_label_new (text);
  gtk_widget_set_name (badge, "state-badge");
  gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (badge, "badge");
  if (style != NULL)
    gtk_widget_add_css_class (badge, style);
  return badge;
}

static char *
pins_text (JsonObject *pinned)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GList) members = pinned != NULL ? json_object_get_members (pinned) : NULL;

  for (const GList *l = members; l != NULL; l = l->next)
    {
      g_autoptr(JsonGenerator) generator = json_generator_new ();
      JsonNode *node = json_object_get_member (pinned, l->data);
      g_autofree char *value = NULL;

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        value = g_strdup (json_node_get_string (node));
      else
        {
          json_generator_set_root (generator, node);
          value = json_generator_to_data (generator, NULL);
        }
      if (text->len > 0)
        g_string_append (text, "\n");
      g_string_append_printf (text, "%s = %s", (const char *) l->data, value);
    }
  if (text->len == 0)
    return g_strdup (_("Nothing pinned: any metadata the project allows"));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static GtkWidget *
token_row (GhIatsPage *self,
           JsonObject *iat,
           GPtrArray  *rejected)
{
  const char *id = json_object_get_string_member_with_default (iat, "id", "");
  const char *label = json_object_get_string_member_with_default (iat, "label", NULL);
  const char *state = json_object_get_string_member_with_default (iat, "state", "");
  gint64 max_uses = json_object_get_int_member_with_default (iat, "max_uses", 0);
  gint64 uses = json_object_get_int_member_with_default (iat, "uses", 0);
  gint64 uses_left = json_object_get_int_member_with_default (iat, "uses_left", 0);
  gint64 created_at = json_object_get_int_member_with_default (iat, "created_at", 0);
  gint64 last_used_at = json_object_get_int_member_with_default (iat, "last_used_at", 0);
  JsonObject *pinned = json_object_get_object_member (iat, "pinned");
  g_autofree char *name = g_strconcat ("iat-row-", id, NULL);
  g_autofree char *title = label != NULL && *label != '\0' ? g_strdup (label)
                                                             : g_strdup_printf (_("Token %s"), id);
  g_autofree char *created = format_time (created_at);
  g_autofree char *last_used = last_used_at != 0 ? format_time (last_used_at)
                                                 : g_strdup (_("Never"));
  g_autofree char *uses_text = NULL;
  g_autofree char *pins = pins_text (pinned);
  g_autofree char *revoke_label = NULL;
  GtkWidget *row = adw_expander_row_new ();
  GtkWidget *expires_row = detail_row (_("Expires"), "");
  GtkWidget *badge = state_badge (state);
  Countdown *countdown;

  gtk_widget_set_name (row, name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row),
                                 g_hash_table_contains (self->expanded, name));

  adw_expander_row_add_action (ADW_EXPANDER_ROW (row), badge);
  /* Found by its title, id and status, as the API ("exhausted") and the badge ("Used Up")
   * say it. */
  set_search_text (row, title, id, state, gtk_label_get_text (GTK_LABEL (badge)), NULL);
  if (!g_str_equal (state, "revoked"))
    {
      GtkWidget *button = gtk_button_new_from_icon_name ("user-trash-symbolic");

      revoke_label = g_strdup_printf (_("Revoke “%s”"), title);
      gtk_widget_set_name (button, "revoke-button");
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_tooltip_text (button, _("Revoke"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      revoke_label, -1);
      g_object_set_data_full (G_OBJECT (button), "iat-id", g_strdup (id), g_free);
      g_object_set_data_full (G_OBJECT (button), "iat-label", g_strdup (title), g_free);
      g_signal_connect_object (button, "clicked", G_CALLBACK (revoke_clicked_cb), self, 0);
      adw_expander_row_add_action (ADW_EXPANDER_ROW (row), button);
    }

  uses_text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d of %d use left",
                                            "%d of %d uses left", uses_left),
                               (int) uses_left, (int) max_uses);
  adw_expander_row_add_row (ADW_EXPANDER_ROW (row), detail_row (_("Created"), created));
  adw_expander_row_add_row (ADW_EXPANDER_ROW (row), expires_row);
  {
    g_autofree char *used = g_strdup_printf (_("%d used · %s"), (int) uses, uses_text);

    adw_expander_row_add_row (ADW_EXPANDER_ROW (row), detail_row (_("Uses"), used));
  }
  adw_expander_row_add_row (ADW_EXPANDER_ROW (row), detail_row (_("Last Used"), last_used));
  adw_expander_row_add_row (ADW_EXPANDER_ROW (row), detail_row (_("Pinned Metadata"), pins));

  {
    g_autofree char *count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                           "%u registration refused for it",
                                                           "%u registrations refused for it",
                                                           rejected->len), rejected->len);

    adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                              detail_row (_("Rejected Uses"),
                                          rejected->len > 0 ? count : _("None")));
  }
  for (guint i = 0; i < rejected->len; i++)
    adw_expander_row_add_row (ADW_EXPANDER_ROW (row),
                              rejected_row (self, g_ptr_array_index (rejected, i)));

  countdown = g_new0 (Countdown, 1);
  countdown->row = g_object_ref (ADW_EXPANDER_ROW (row));
  countdown->expires_row = g_object_ref (ADW_ACTION_ROW (expires_row));
  countdown->expires_at = json_object_get_int_member_with_default (iat, "expires_at", 0);
  countdown->last_used_at = last_used_at;
  countdown->state = g_strdup (state);
  countdown->uses = g_strdup (uses_text);
  countdown->n_rejected = rejected->len;
  g_ptr_array_add (self->countdowns, countdown);
  update_countdown (countdown, g_get_real_time () / G_USEC_PER_SEC);
  return row;
}

/* The rows the search text is in, the others hidden; a group without one hidden; nothing
 * found: a status page that says so. Without a search, every row. */
static void
apply_search (GhIatsPage *self)
{
  guint n_tokens = 0;
  guint n_orphans = 0;

  for (guint i = 0; i < self->rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->rows, i);
      const char *text = g_object_get_data (G_OBJECT (row), "gh-search");
      gboolean shown = self->search == NULL ||
                       (text != NULL && strstr (text, self->search) != NULL);

      gtk_widget_set_visible (row, shown);
      if (shown && gtk_widget_get_ancestor (row, ADW_TYPE_PREFERENCES_GROUP) ==
                   GTK_WIDGET (self->orphans_group))
        n_orphans++;
      else if (shown)
        n_tokens++;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->tokens_group), n_tokens > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->orphans_group), n_orphans > 0);

  if (self->listed)
    gh_page_show_search_result (GH_PAGE (self), self->stack, n_tokens + n_orphans,
                                self->no_results_page, _("No tokens match “%s”"));
}

static void
search_changed_cb (GhIatsPage *self)
{
  g_free (self->search);
  self->search = gh_page_dup_search (GH_PAGE (self));
  apply_search (self);
}

/* One plain sentence when the project's registration does not ask for these tokens. */
static const char *
mode_sentence (const char *dcr_mode)
{
  if (g_strcmp0 (dcr_mode, "open") == 0)
    return _("Registration is open in this project (dcr_mode “open”): clients register without "
             "a token, so these tokens are not asked for. Set dcr_mode to "
             "“initial_access_token” on the MCP page to require one.");
  if (g_strcmp0 (dcr_mode, "disabled") == 0)
    return _("Registration is off in this project (dcr_mode “disabled”): nobody registers, with "
             "or without a token. Set dcr_mode to “initial_access_token” on the MCP page to "
             "let these tokens register clients.");
  return NULL;
}

static void
show_tokens (GhIatsPage *self)
{
  g_autoptr(GHashTable) by_iat = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                        (GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GPtrArray) orphans = g_ptr_array_new ();
  g_autoptr(GPtrArray) none = g_ptr_array_new ();
  guint n_iats = self->iats != NULL ? json_array_get_length (self->iats) : 0;
  guint n_active = 0;
  const char *sentence = mode_sentence (self->dcr_mode);

  clear_rows (self);

  for (guint i = 0; i < n_iats; i++)
    {
      JsonObject *iat = json_array_get_object_element (self->iats, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (iat, "state", ""),
                     "active") == 0)
        n_active++;
      g_hash_table_insert (by_iat,
                           (gpointer) json_object_get_string_member_with_default (iat, "id", ""),
                           g_ptr_array_new ());
    }
  for (guint i = 0; self->rejected != NULL && i < self->rejected->len; i++)
    {
      GhAuditEventItem *event = g_ptr_array_index (self->rejected, i);
      const char *iat_id = event_iat_id (event);
      GPtrArray *list = iat_id != NULL ? g_hash_table_lookup (by_iat, iat_id) : NULL;

      g_ptr_array_add (list != NULL ? list : orphans, event);
    }

  gh_page_set_badge (GH_PAGE (self), n_active, FALSE);

  if (n_iats == 0 && orphans->len == 0)
    {
      gtk_label_set_label (self->empty_mode_label, sentence != NULL ? sentence : "");
      gtk_widget_set_visible (GTK_WIDGET (self->empty_mode_label), sentence != NULL);
      gtk_stack_set_visible_child_name (self->stack, "empty");
      self->listed = FALSE;
      return;
    }

  gtk_widget_set_visible (GTK_WIDGET (self->mode_group), sentence != NULL);
  adw_action_row_set_subtitle (self->mode_row, sentence != NULL ? sentence : "");

  /* Newest first. */
  for (guint i = n_iats; i > 0; i--)
    {
      JsonObject *iat = json_array_get_object_element (self->iats, i - 1);
      GPtrArray *list = g_hash_table_lookup (
          by_iat, json_object_get_string_member_with_default (iat, "id", ""));

      add_row (self, self->tokens_group, token_row (self, iat, list != NULL ? list : none));
    }
  if (n_iats == 0)
    {
      GtkWidget *row = detail_row (_("No tokens yet"),
                                   _("Issue one for each client that should register"));
      GtkWidget *button = gtk_button_new_with_mnemonic (_("_Issue Token…"));

      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      g_signal_connect_object (button, "clicked", G_CALLBACK (issue_clicked_cb), self,
                               G_CONNECT_SWAPPED);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      add_row (self, self->tokens_group, row);
    }

  for (guint i = 0; i < orphans->len; i++)
    add_row (self, self->orphans_group, rejected_row (self, g_ptr_array_index (orphans, i)));

  self->listed = TRUE;
  apply_search (self);
}

/* One of the round's three loads answered: once all have, show them (or the first error). */
static void
load_done (GhIatsPage   *self,
           const GError *error)
{
  if (error != NULL && self->load_error == NULL)
    self->load_error = g_error_copy (error);
  if (self->pending > 0 && --self->pending > 0)
    return;

  if (self->load_error != NULL)
    {
      adw_status_page_set_description (self->error_page, self->load_error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      self->listed = FALSE;
    }
  else
    show_tokens (self);
  gh_page_set_busy (GH_PAGE (self), FALSE);
}

static void
project_cb (GhPage       *page,
            JsonObject   *answer,
            const GError *error,
            gpointer      user_data)
{
  GhIatsPage *self = GH_IATS_PAGE (page);

  if (answer != NULL)
    {
      JsonObject *settings = json_object_get_object_member (answer, "settings");

      g_free (self->issuer);
      self->issuer = g_strdup (json_object_get_string_member_with_default (answer, "issuer",
                                                                           NULL));
      g_free (self->dcr_mode);
      self->dcr_mode = settings != NULL
        ? g_strdup (json_object_get_string_member_with_default (settings, "dcr_mode", NULL))
        : NULL;
    }
  load_done (self, error);
}

static void
iats_cb (GhPage       *page,
         JsonObject   *answer,
         const GError *error,
         gpointer      user_data)
{
  GhIatsPage *self = GH_IATS_PAGE (page);

  g_clear_pointer (&self->iats, json_array_unref);
  if (answer != NULL && json_object_has_member (answer, "initial_access_tokens"))
    self->iats = json_array_ref (json_object_get_array_member (answer,
                                                               "initial_access_tokens"));
  load_done (self, error);
}

static void
rejected_cb (GhPage       *page,
             JsonObject   *answer,
             const GError *error,
             gpointer      user_data)
{
  GhIatsPage *self = GH_IATS_PAGE (page);
  JsonArray *events = answer != NULL && json_object_has_member (answer, "events")
    ? json_object_get_array_member (answer, "events") : NULL;

  g_ptr_array_set_size (self->rejected, 0);
  for (guint i = 0; events != NULL && i < json_array_get_length (events); i++)
    {
      GhAuditEventItem *event =
        gh_audit_event_item_new_from_json (json_array_get_object_element (events, i), NULL);

      if (event != NULL)
        g_ptr_array_add (self->rejected, event);
    }
  load_done (self, error);
}

static gboolean
refresh_cb (gpointer user_data)
{
  GhIatsPage *self = GH_IATS_PAGE (user_data);

  self->refresh_id = 0;
  gh_page_reload (GH_PAGE (self));
  return G_SOURCE_REMOVE;
}

/* Coalesced: a burst of events reloads once. */
static void
schedule_refresh (GhIatsPage *self)
{
  if (self->refresh_id == 0)
    self->refresh_id = g_timeout_add (250, refresh_cb, self);
}

static void
gh_iats_page_event (GhPage           *page,
                    GhAuditEventItem *event)
{
  GhIatsPage *self = GH_IATS_PAGE (page);

  if (g_str_has_prefix (gh_audit_event_item_get_event_type (event), "iat.") ||
      g_str_equal (gh_audit_event_item_get_event_type (event), "project.settings_changed"))
    schedule_refresh (self);
}

static void
gh_iats_page_reload (GhPage *page)
{
  GhIatsPage *self = GH_IATS_PAGE (page);
  g_autofree char *project_path = gh_page_project_path (page, NULL);
  g_autofree char *iats_path = gh_page_project_path (page, "/iats");
  g_autofree char *audit_path = gh_page_project_path (page,
                                                      "/audit?type=iat.rejected&limit=200");
  const char *visible = gtk_stack_get_visible_child_name (self->stack);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_error (&self->load_error);
  /* What shows stays while it is read again; another project starts from the spinner. */
  if (g_strcmp0 (visible, "error") == 0)
    gtk_stack_set_visible_child_name (self->stack, "loading");
  gh_page_set_busy (page, TRUE);
  self->pending = 3;
  gh_page_load (page, "GET", project_path, NULL, project_cb, NULL);
  gh_page_load (page, "GET", iats_path, NULL, iats_cb, NULL);
  gh_page_load (page, "GET", audit_path, NULL, rejected_cb, NULL);
}

static void
project_changed_cb (GhIatsPage *self)
{
  clear_rows (self);
  gh_page_set_badge (GH_PAGE (self), 0, FALSE);
  gtk_stack_set_visible_child_name (self->stack, "loading");
  self->listed = FALSE;
}

static void
issued_cb (GhIatsPage *self)
{
  gh_page_reload (GH_PAGE (self));
}

static void
issue_clicked_cb (GhIatsPage *self)
{
  GhAdminClient *client = gh_page_get_admin_client (GH_PAGE (self));
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *path = gh_page_project_path (GH_PAGE (self), "/iats");
  g_autofree char *endpoint = NULL;
  GhIatIssueWindow *window;

  if (client == NULL || self->issuer == NULL)
    {
      gh_page_show_toast (GH_PAGE (self), _("Not connected to a server yet"));
      return;
    }
  /* README, "Endpoints (relative to an issuer)". */
  endpoint = g_strconcat (self->issuer, "/register", NULL);
  window = gh_iat_issue_window_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, client,
                                    path, endpoint);
  g_signal_connect_object (window, "issued", G_CALLBACK (issued_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (window));
}

/* "filter:TEXT" opens the search with TEXT. */
static void
gh_iats_page_open_target (GhPage     *page,
                          const char *target)
{
  if (g_str_has_prefix (target, "filter:"))
    gh_page_search (page, target + strlen ("filter:"));
}

static void
retry_clicked_cb (GhIatsPage *self)
{
  gh_page_reload (GH_PAGE (self));
}

static void
gh_iats_page_dispose (GObject *object)
{
  GhIatsPage *self = GH_IATS_PAGE (object);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (self->rows != NULL)
    clear_rows (self);

  G_OBJECT_CLASS (gh_iats_page_parent_class)->dispose (object);
}

static void
gh_iats_page_finalize (GObject *object)
{
  GhIatsPage *self = GH_IATS_PAGE (object);

  g_clear_pointer (&self->iats, json_array_unref);
  g_clear_pointer (&self->rejected, g_ptr_array_unref);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->countdowns, g_ptr_array_unref);
  g_clear_pointer (&self->expanded, g_hash_table_unref);
  g_clear_error (&self->load_error);
  g_free (self->issuer);
  g_free (self->dcr_mode);
  g_free (self->search);

  G_OBJECT_CLASS (gh_iats_page_parent_class)->finalize (object);
}

static void
gh_iats_page_class_init (GhIatsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GhPageClass *page_class = GH_PAGE_CLASS (klass);

  object_class->dispose = gh_iats_page_dispose;
  object_class->finalize = gh_iats_page_finalize;
  page_class->open_target = gh_iats_page_open_target;
  page_class->reload = gh_iats_page_reload;
  page_class->event = gh_iats_page_event;

  gh_page_class_set_info (GH_PAGE_CLASS (klass), "iats", N_("Initial Access Tokens"),
                          "dialog-password-symbolic");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/gatehouse/Gatehouse/pages/"
                                               "gh-iats-page.ui");
  gtk_widget_class_bind_template_child (widget_class, GhIatsPage, empty_mode_label);
  gtk_widget_class_bind_template_child (widget_class, GhIatsPage, error_page);
  gtk_widget_class_bind_template_child (widget_class, GhIatsPage, mode_group);
  gtk_widget_class_bind_template_child (widget_class, GhIatsPage, mode_row);
  gtk_widget_class_bind_template_child (widget_class, GhIatsPage, no_results_page);
  gtk_widget_class_bind_template_child (widget_class, GhIatsPage, orphans_group);
  gtk_widget_class_bind_template_child (widget_class, GhIatsPage, search_bar);
  gtk_widget_class_bind_template_child (widget_class, GhIatsPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, GhIatsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, GhIatsPage, tokens_group);
  gtk_widget_class_bind_template_callback (widget_class, issue_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, retry_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
}

static void
gh_iats_page_init (GhIatsPage *self)
{
  self->rejected = g_ptr_array_new_with_free_func (g_object_unref);
  self->rows = g_ptr_array_new_with_free_func (g_object_unref);
  self->countdowns = g_ptr_array_new_with_free_func ((GDestroyNotify) countdown_free);
  self->expanded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  self->issue_button = gtk_button_new_with_mnemonic (_("_Issue Token…"));
  gtk_widget_set_name (self->issue_button, "issue-token-button");
  gtk_widget_set_tooltip_text (self->issue_button,
                               _("Issue an initial access token, shown once"));
  g_signal_connect_object (self->issue_button, "clicked", G_CALLBACK (issue_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  gh_page_add_header_widget (GH_PAGE (self), self->issue_button, GTK_PACK_START);
  gh_page_add_search (GH_PAGE (self), self->search_bar, self->search_entry, "iats-search-button",
                      _("Search Tokens"));

  g_signal_connect (self, "notify::project", G_CALLBACK (project_changed_cb), NULL);
  self->tick_id = g_timeout_add_seconds (1, tick_cb, self);
}
