/* gh-clients-page.c — the Clients page: every client of the project, its detail, create,
 * delete, and the tombstones of deleted ones
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "gh-admin-json.h"
#include "gh-client-create-window.h"
#include "gh-clients-page.h"
#include "gh-explain-card.h"
#include "gh-flow-steps.h"
#include "gh-format.h"
#include "gh-property-row.h"

/* One client of the list: the admin API's summary of it. */
#define GH_TYPE_CLIENTS_ITEM (gh_clients_item_get_type ())
G_DECLARE_FINAL_TYPE (GhClientsItem, gh_clients_item, GH, CLIENTS_ITEM, GObject)

struct _GhClientsItem
{
  GObject     parent_instance;
  JsonObject *json;
};

G_DEFINE_FINAL_TYPE (GhClientsItem, gh_clients_item, G_TYPE_OBJECT)

static void
gh_clients_item_finalize (GObject *object)
{
  g_clear_pointer (&GH_CLIENTS_ITEM (object)->json, json_object_unref);

  G_OBJECT_CLASS (gh_clients_item_parent_class)->finalize (object);
}

static void
gh_clients_item_class_init (GhClientsItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gh_clients_item_finalize;
}

static void
gh_clients_item_init (GhClientsItem *self)
{
}

/* The list of the project's clients (GET .../clients?deleted=true, the tombstones with it),
 * searched on the page; the selected client's detail in an end-side flap, read from its own
 * answer, its refusals and registration in the audit log, its recent flows and its refresh
 * families. */
struct _GhClientsPage
{
  GhPage              parent_instance;

  GListStore         *clients;        /* GhClientsItem */
  GtkFilterListModel *filtered;
  GtkCustomFilter    *filter;
  JsonArray          *tombstones;
  char               *search;         /* case-folded, NULL when empty */
  guint               reload_timeout;
  gboolean            list_loading;
  char               *shown_project;  /* whose clients the page shows */

  /* The selected client and what its detail shows, once every part has come back. */
  char               *selected_id;
  guint               detail_serial;
  guint               detail_pending;
  JsonObject         *detail;
  GError             *detail_error;
  JsonArray          *refusals;
  GError             *refusals_error;
  JsonObject         *registration;   /* its oauth_client.registered event, if kept */
  JsonArray          *families;
  GError             *families_error;
  JsonArray          *flows;
  GError             *flows_error;

  GtkToggleButton    *deleted_button;

  /* Template widgets */
  GtkListBox         *client_list;
  GtkLabel           *deleted_description;
  GtkLabel           *deleted_heading;
  GtkBox             *detail_box;
  GtkScrolledWindow  *detail_scroller;
  GtkSpinner         *detail_spinner;
  GtkLabel           *detail_title;
  AdwStatusPage      *empty_page;
  AdwStatusPage      *error_page;
  AdwFlap            *flap;
  AdwStatusPage      *no_results_page;
  GtkSearchBar       *search_bar;
  GtkSearchEntry     *search_entry;
  GtkStack           *state_stack;
  GtkListBox         *tombstone_list;
};

G_DEFINE_FINAL_TYPE (GhClientsPage, gh_clients_page, GH_TYPE_PAGE)

static void load_detail (GhClientsPage *self);

/* ---- values ------------------------------------------------------------------------- */

/* "now", "5 min ago", "3 h ago", "3 Dec" from seconds since the epoch. */
static char *
format_ago (gint64 when)
{
  return gh_format_relative (when * G_USEC_PER_SEC, g_get_real_time (), FALSE);
}

/* "3 Dec 2026, 08:40" in local time. */
static char *
format_date (gint64 when)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (when);
  g_autoptr(GDateTime) local = utc != NULL ? g_date_time_to_local (utc) : NULL;

  if (local == NULL)
    return g_strdup ("");

  return g_date_time_format (local, "%-d %b %Y, %H:%M");
}

static const char *
source_label (const char *source)
{
  if (g_strcmp0 (source, "pre-registered") == 0)
    return _("Pre-registered");
  if (g_strcmp0 (source, "dcr") == 0)
    return _("DCR");
  if (g_strcmp0 (source, "cimd") == 0)
    return _("CIMD");

  return source != NULL ? source : "";
}

static const char *
source_description (const char *source)
{
  if (g_strcmp0 (source, "pre-registered") == 0)
    return _("Pre-registered by an administrator");
  if (g_strcmp0 (source, "dcr") == 0)
    return _("Registered itself (Dynamic Client Registration, RFC 7591)");
  if (g_strcmp0 (source, "cimd") == 0)
    return _("Client ID Metadata Document: its id is the URL of its metadata");

  return source != NULL ? source : "";
}

char *
gh_clients_redirect_rule (const char *redirect_uri)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  g_return_val_if_fail (redirect_uri != NULL, NULL);

  uri = g_uri_parse (redirect_uri, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return g_strdup (_("Exact match"));

  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") == 0 &&
      gh_client_create_is_loopback (g_uri_get_host (uri)))
    return g_strdup (_("Loopback: any port matches (RFC 8252 §7.3), the rest exactly"));
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    return g_strdup_printf (_("Custom scheme “%s”: exact match, if the project allows the "
                              "scheme"), scheme);

  return g_strdup (_("Exact match"));
}

/* What the list shows under a client's name: its CIMD URL, or where it returns to. */
static char *
client_location (JsonObject *client)
{
  JsonArray *uris = gh_json_array (client, "redirect_uris");
  g_autoptr(GUri) uri = NULL;
  const char *first;

  if (g_strcmp0 (gh_json_string (client, "source"), "cimd") == 0)
    return g_strdup (gh_json_string (client, "client_id"));
  if (uris == NULL || json_array_get_length (uris) == 0)
    return g_strdup (_("No redirect URI"));

  first = json_array_get_string_element (uris, 0);
  uri = first != NULL ? g_uri_parse (first, G_URI_FLAGS_NONE, NULL) : NULL;
  if (uri == NULL)
    return g_strdup (first != NULL ? first : "");
  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    return g_strdup_printf ("%s:", g_uri_get_scheme (uri));

  return g_strdup (g_uri_get_host (uri));
}

static const char *
client_title (JsonObject *client)
{
  const char *name = gh_json_string (client, "client_name");

  return name != NULL && *name != '\0' ? name : gh_json_string (client, "client_id");
}

/* Does @client's name, id, CIMD URL or a redirect URI hold the (folded) search text? */
static gboolean
client_matches (JsonObject *client,
                const char *folded)
{
  const char *texts[] = { gh_json_string (client, "client_name"),
                          gh_json_string (client, "client_id") };
  JsonArray *uris = gh_json_array (client, "redirect_uris");

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autofree char *text = texts[i] != NULL ? g_utf8_casefold (texts[i], -1) : NULL;

      if (text != NULL && strstr (text, folded) != NULL)
        return TRUE;
    }
  for (guint i = 0; uris != NULL && i < json_array_get_length (uris); i++)
    {
      const char *uri = json_array_get_string_element (uris, i);
      g_autofree char *text = uri != NULL ? g_utf8_casefold (uri, -1) : NULL;

      if (text != NULL && strstr (text, folded) != NULL)
        return TRUE;
    }

  return FALSE;
}

static gboolean
filter_func (gpointer item,
             gpointer user_data)
{
  GhClientsPage *self = GH_CLIENTS_PAGE (user_data);

  return self->search == NULL || client_matches (GH_CLIENTS_ITEM (item)->json, self->search);
}

/* ---- the list ----------------------------------------------------------------------- */

static GtkWidget *
badge_new (const char *text,
           const char *tooltip)
{
  GtkWidget *badge = gtk_label_new (text);

  gtk_widget_add_css_class (badge, "badge");
  gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
  if (tooltip != NULL)
    gtk_widget_set_tooltip_text (badge, tooltip);

  return badge;
}

static GtkWidget *
create_client_row (gpointer item,
                   gpointer user_data)
{
  JsonObject *client = GH_CLIENTS_ITEM (item)->json;
  const char *source = gh_json_string (client, "source");
  gint64 last_seen = gh_json_int (client, "last_seen_at");
  gint64 failures = gh_json_int (client, "failures_24h");
  g_autofree char *location = client_location (client);
  g_autofree char *seen = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *name = g_strconcat ("client-row:", gh_json_string (client, "client_id"), NULL);
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *badge;

  if (last_seen > 0)
    {
      g_autofree char *ago = format_ago (last_seen);

      /* "Last seen 5 min ago" */
      seen = g_strdup_printf (_("Last seen %s"), ago);
    }
  else
    seen = g_strdup (_("Never seen"));
  /* "127.0.0.1 · Last seen 5 min ago" */
  subtitle = g_strdup_printf (_("%s · %s"), location, seen);

  gtk_widget_set_name (row, name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), client_title (client));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);

  badge = badge_new (source_label (source), source_description (source));
  gtk_widget_set_size_request (badge, 112, -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), badge);

  if (failures > 0)
    {
      g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                            "%d failure in 24 h",
                                                            "%d failures in 24 h", failures),
                                               (int) failures);
      GtkWidget *label = gtk_label_new (text);

      gtk_widget_add_css_class (label, "error");
      gtk_widget_add_css_class (label, "caption");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
    }
  adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                             gtk_image_new_from_icon_name ("go-next-symbolic"));

  return row;
}

static GtkWidget *
info_row_new (const char *title,
              const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

  return row;
}

static void
remove_all_rows (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static void
update_tombstones (GhClientsPage *self)
{
  gboolean shown = gtk_toggle_button_get_active (self->deleted_button);
  guint n_shown = 0;

  remove_all_rows (self->tombstone_list);
  gtk_widget_set_visible (GTK_WIDGET (self->deleted_heading), shown);
  gtk_widget_set_visible (GTK_WIDGET (self->deleted_description), shown);
  gtk_widget_set_visible (GTK_WIDGET (self->tombstone_list), shown);
  if (!shown)
    return;

  for (guint i = 0; self->tombstones != NULL && i < json_array_get_length (self->tombstones); i++)
    {
      JsonObject *tombstone = json_array_get_object_element (self->tombstones, i);
      const char *client_id = gh_json_string (tombstone, "client_id");
      const char *client_name = gh_json_string (tombstone, "client_name");
      const char *by = gh_json_string (tombstone, "deleted_by");
      g_autofree char *date = format_date (gh_json_int (tombstone, "deleted_at"));
      g_autofree char *when = NULL;
      g_autofree char *row_name = g_strconcat ("tombstone-row:", client_id, NULL);
      GtkWidget *row;

      if (self->search != NULL && !client_matches (tombstone, self->search))
        continue;

      /* "Deleted 3 Dec 2026, 08:40 by admin-api" */
      when = g_strdup_printf (_("Deleted %s by %s"), date, by != NULL ? by : _("someone"));
      row = info_row_new (client_name != NULL && *client_name != '\0' ? client_name : client_id,
                          NULL);
      gtk_widget_set_name (row, row_name);
      {
        g_autofree char *subtitle = client_name != NULL ? g_strdup_printf ("%s\n%s", client_id,
                                                                           when)
                                                        : g_strdup (when);

        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      }
      adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name ("user-trash-symbolic"));
      gtk_list_box_append (self->tombstone_list, row);
      n_shown++;
    }

  if (n_shown == 0)
    gtk_list_box_append (self->tombstone_list,
                         info_row_new (self->search != NULL ? _("No matching deleted clients")
                                                            : _("No deleted clients"), NULL));
}

static void
update_list_visibility (GhClientsPage *self)
{
  guint total = g_list_model_get_n_items (G_LIST_MODEL (self->clients));
  guint shown = g_list_model_get_n_items (G_LIST_MODEL (self->filtered));

  gtk_widget_set_visible (GTK_WIDGET (self->empty_page), total == 0);
  gtk_widget_set_visible (GTK_WIDGET (self->no_results_page), total > 0 && shown == 0);
  gtk_widget_set_visible (GTK_WIDGET (self->client_list), shown > 0);
}

static void
update_busy (GhClientsPage *self)
{
  gh_page_set_busy (GH_PAGE (self), self->list_loading || self->detail_pending > 0);
}

static void
list_loaded_cb (GhPage       *page,
                JsonObject   *answer,
                const GError *error,
                gpointer      user_data)
{
  GhClientsPage *self = GH_CLIENTS_PAGE (page);
  JsonArray *clients = gh_json_array (answer, "clients");
  JsonArray *tombstones = gh_json_array (answer, "tombstones");
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  self->list_loading = FALSE;

  if (error != NULL || clients == NULL)
    {
      adw_status_page_set_description (self->error_page,
                                       error != NULL ? error->message
                                                     : _("The server’s answer has no clients"));
      gtk_stack_set_visible_child_name (self->state_stack, "error");
      gh_page_set_badge (page, 0, FALSE);
      update_busy (self);
      return;
    }

  for (guint i = 0; i < json_array_get_length (clients); i++)
    {
      JsonObject *client = json_array_get_object_element (clients, i);
      GhClientsItem *item;

      if (client == NULL || gh_json_string (client, "client_id") == NULL)
        continue;
      item = g_object_new (GH_TYPE_CLIENTS_ITEM, NULL);
      item->json = json_object_ref (client);
      g_ptr_array_add (items, item);
    }
  g_list_store_splice (self->clients, 0, g_list_model_get_n_items (G_LIST_MODEL (self->clients)),
                       items->pdata, items->len);

  g_clear_pointer (&self->tombstones, json_array_unref);
  if (tombstones != NULL)
    self->tombstones = json_array_ref (tombstones);

  update_tombstones (self);
  update_list_visibility (self);
  gh_page_set_badge (page, items->len, FALSE);
  gtk_stack_set_visible_child_name (self->state_stack, "content");
  update_busy (self);
}

static void
load_list (GhClientsPage *self)
{
  g_autofree char *path = gh_page_project_path (GH_PAGE (self), "/clients?deleted=true");

  self->list_loading = TRUE;
  update_busy (self);
  gh_page_load (GH_PAGE (self), "GET", path, NULL, list_loaded_cb, NULL);
}

/* ---- the detail --------------------------------------------------------------------- */

static void
clear_detail_data (GhClientsPage *self)
{
  g_clear_pointer (&self->detail, json_object_unref);
  g_clear_error (&self->detail_error);
  g_clear_pointer (&self->refusals, json_array_unref);
  g_clear_error (&self->refusals_error);
  g_clear_pointer (&self->registration, json_object_unref);
  g_clear_pointer (&self->families, json_array_unref);
  g_clear_error (&self->families_error);
  g_clear_pointer (&self->flows, json_array_unref);
  g_clear_error (&self->flows_error);
}

static void
clear_detail_box (GhClientsPage *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->detail_box))) != NULL)
    gtk_box_remove (self->detail_box, child);
}

static GtkWidget *
group_new (GhClientsPage *self,
           const char    *name,
           const char    *title,
           const char    *description)
{
  GtkWidget *group = adw_preferences_group_new ();

  gtk_widget_set_name (group, name);
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);
  if (description != NULL)
    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), description);
  gtk_box_append (self->detail_box, group);

  return group;
}

static void
add_property (GtkWidget  *group,
              const char *name,
              const char *title,
              const char *value,
              gboolean    copyable)
{
  GtkWidget *row;

  if (value == NULL || *value == '\0')
    return;

  row = g_object_new (GH_TYPE_PROPERTY_ROW,
                      "name", name,
                      "title", title,
                      "value", value,
                      "copyable", copyable,
                      NULL);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
}

static char *
join_array (JsonArray  *array,
            const char *separator)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) strv = NULL;

  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    if (json_array_get_string_element (array, i) != NULL)
      g_strv_builder_add (builder, json_array_get_string_element (array, i));
  strv = g_strv_builder_end (builder);

  return g_strjoinv (separator, strv);
}

static void
explain_clicked_cb (GtkButton     *button,
                    GhClientsPage *self)
{
  JsonObject *explain = g_object_get_data (G_OBJECT (button), "explain");

  gh_explain_card_present (GTK_WIDGET (button), explain,
                           gh_page_get_admin_client (GH_PAGE (self)),
                           gh_page_get_project (GH_PAGE (self)));
}

static void
add_refusals (GhClientsPage *self)
{
  GtkWidget *group = group_new (self, "client-refusals-group", _("Recent Refusals"),
                                _("Requests the server refused for this client, newest first"));
  guint n = self->refusals != NULL ? json_array_get_length (self->refusals) : 0;

  if (self->refusals_error != NULL)
    {
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                                 info_row_new (_("Could not read the audit log"),
                                               self->refusals_error->message));
      return;
    }
  if (n == 0)
    {
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                                 info_row_new (_("No refusals recorded"), NULL));
      return;
    }

  for (guint i = 0; i < n; i++)
    {
      JsonObject *event = json_array_get_object_element (self->refusals, i);
      JsonObject *details = gh_json_object (event, "details");
      JsonObject *explain = gh_json_object (details, "explain");
      const char *message = gh_json_string (explain, "message");
      const char *type = gh_json_string (event, "type");
      g_autofree char *ago = format_ago (gh_json_int (event, "time") / G_USEC_PER_SEC);
      g_autofree char *subtitle = NULL;
      GtkWidget *icon;
      GtkWidget *row;

      /* "5 min ago · authorization.refused · redirect_uri.mismatch" */
      subtitle = explain != NULL && gh_json_string (explain, "rule") != NULL
                   ? g_strdup_printf (_("%s · %s · %s"), ago, type,
                                      gh_json_string (explain, "rule"))
                   : g_strdup_printf (_("%s · %s"), ago, type);
      row = info_row_new (message != NULL ? message : type, subtitle);
      gtk_widget_set_name (row, "client-refusal-row");
      icon = gtk_image_new_from_icon_name ("dialog-error-symbolic");
      gtk_widget_add_css_class (icon, "error");
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      if (explain != NULL)
        {
          GtkWidget *button = gtk_button_new_with_mnemonic (_("_Explain"));

          gtk_widget_set_name (button, "client-explain-button");
          gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
          gtk_widget_set_tooltip_text (button, _("Why the server refused it, and the fix"));
          g_object_set_data_full (G_OBJECT (button), "explain", json_object_ref (explain),
                                  (GDestroyNotify) json_object_unref);
          g_signal_connect_object (button, "clicked", G_CALLBACK (explain_clicked_cb), self, 0);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
        }
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
    }
}

/* "Succeeded", "Failed at Token: redirect_uri differs ...", "Waiting for the code exchange". */
static char *
flow_title (JsonObject *flow)
{
  const char *state = gh_json_string (flow, "state");
  JsonObject *last_error = gh_json_object (flow, "last_error");

  if (g_strcmp0 (state, "failed") == 0 || g_strcmp0 (state, "denied") == 0)
    {
      JsonObject *explain = gh_json_object (last_error, "explain");
      const char *reason = gh_json_string (explain, "message");
      const char *at = gh_flow_step_title (gh_json_string (last_error, "type"));

      if (reason == NULL)
        reason = gh_json_string (last_error, "error_description");
      if (reason == NULL)
        reason = gh_json_string (last_error, "error");
      if (g_strcmp0 (state, "denied") == 0)
        return g_strdup_printf (_("Denied by the user at %s"), at);
      /* Translators: "Failed at Token: redirect_uri differs from the one bound to the code" */
      return reason != NULL ? g_strdup_printf (_("Failed at %s: %s"), at, reason)
                            : g_strdup_printf (_("Failed at %s"), at);
    }
  if (g_strcmp0 (state, "succeeded") == 0)
    return g_strdup (_("Succeeded"));
  if (g_strcmp0 (state, "code") == 0)
    return g_strdup (_("Code issued, not exchanged yet"));

  return g_strdup (_("Running"));
}

static void
flow_row_activated_cb (AdwActionRow  *row,
                       GhClientsPage *self)
{
  const char *target = g_object_get_data (G_OBJECT (row), "gh-flow-target");

  gh_page_open (GH_PAGE (self), "flows", target);
}

/* The client's newest flows; each opens in Live flows, a failed one at its failing step. */
static void
add_flows (GhClientsPage *self)
{
  GtkWidget *group = group_new (self, "client-flows-group", _("Recent Flows"),
                                _("Its authorization flows, newest first"));
  guint n = self->flows != NULL ? json_array_get_length (self->flows) : 0;

  if (self->flows_error != NULL)
    {
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                                 info_row_new (_("Could not read the flows"),
                                               self->flows_error->message));
      return;
    }
  if (n == 0)
    {
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                                 info_row_new (_("No flows recorded"), NULL));
      return;
    }

  for (guint i = 0; i < n; i++)
    {
      JsonObject *flow = json_array_get_object_element (self->flows, i);
      const char *state = gh_json_string (flow, "state");
      const char *user = gh_json_string (flow, "user_id");
      JsonObject *last_error = gh_json_object (flow, "last_error");
      GhFlowStepStatus status = gh_flow_state_status (state);
      g_autofree char *title = flow_title (flow);
      g_autofree char *ago = format_ago (gh_json_int (flow, "updated_at") / G_USEC_PER_SEC);
      g_autofree char *duration = gh_format_duration (gh_json_int (flow, "duration_us"));
      g_autofree char *subtitle = NULL;
      g_autofree char *target = NULL;
      GtkWidget *icon;
      GtkWidget *row;
      guint steps = (guint) gh_json_int (flow, "steps");
      /* A flow that ended without one has no user, not "yet" */
      const char *who = user != NULL ? user
        : status == GH_FLOW_STEP_FAILED ? _("no user") : _("no user yet");

      /* "alice · 5 min ago · 6 steps in 1.2 s"; a flow of one moment has no duration */
      if (gh_json_int (flow, "duration_us") > 0)
        subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s · %s · %u step in %s",
                                                 "%s · %s · %u steps in %s", steps),
                                    who, ago, steps, duration);
      else
        subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s · %s · %u step",
                                                 "%s · %s · %u steps", steps),
                                    who, ago, steps);
      row = info_row_new (title, subtitle);
      gtk_widget_set_name (row, "client-flow-row");
      icon = gtk_image_new_from_icon_name (status == GH_FLOW_STEP_FAILED
                                             ? "dialog-error-symbolic"
                                             : status == GH_FLOW_STEP_OK
                                               ? "emblem-ok-symbolic"
                                               : "content-loading-symbolic");
      gtk_widget_add_css_class (icon, gh_flow_step_status_class (status));
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                 gtk_image_new_from_icon_name ("go-next-symbolic"));
      if (status == GH_FLOW_STEP_FAILED && gh_json_int (last_error, "event_id") > 0)
        target = g_strdup_printf ("flow:%s step:%" G_GINT64_FORMAT, gh_json_string (flow, "id"),
                                  gh_json_int (last_error, "event_id"));
      else
        target = g_strconcat ("flow:", gh_json_string (flow, "id"), NULL);
      g_object_set_data_full (G_OBJECT (row), "gh-flow-target", g_steal_pointer (&target),
                              g_free);
      gtk_widget_set_tooltip_text (row, _("Open this flow in Live Flows"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_signal_connect_object (row, "activated", G_CALLBACK (flow_row_activated_cb), self, 0);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
    }
}

static const char *
family_state_label (const char *state)
{
  if (g_strcmp0 (state, "active") == 0)
    return _("Active");
  if (g_strcmp0 (state, "revoked") == 0)
    return _("Revoked");
  if (g_strcmp0 (state, "expired") == 0)
    return _("Expired");

  return state != NULL ? state : "";
}

static void
add_families (GhClientsPage *self)
{
  GtkWidget *group = group_new (self, "client-families-group", _("Token Families"),
                                _("Each sign-in starts a family of refresh tokens; every "
                                  "refresh is a new generation"));
  guint n = self->families != NULL ? json_array_get_length (self->families) : 0;

  if (self->families_error != NULL)
    {
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                                 info_row_new (_("Could not read the token families"),
                                               self->families_error->message));
      return;
    }
  if (n == 0)
    {
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                                 info_row_new (_("No refresh tokens issued"), NULL));
      return;
    }

  for (guint i = 0; i < n; i++)
    {
      JsonObject *family = json_array_get_object_element (self->families, i);
      const char *state = gh_json_string (family, "state");
      const char *reason = gh_json_string (family, "revoked_reason");
      g_autofree char *ago = format_ago (gh_json_int (family, "created_at"));
      g_autofree char *title = NULL;
      g_autofree char *subtitle = NULL;
      GtkWidget *row;

      /* "Generation 3 · Revoked" */
      title = g_strdup_printf (_("Generation %d · %s"), (int) gh_json_int (family, "generations"),
                               family_state_label (state));
      /* "User alice · started 5 min ago · revoked: reuse_detected" */
      if (reason != NULL)
        subtitle = g_strdup_printf (_("User %s · started %s · revoked: %s"),
                                    gh_json_string (family, "user_id"), ago, reason);
      else
        subtitle = g_strdup_printf (_("User %s · started %s"),
                                    gh_json_string (family, "user_id"), ago);
      row = info_row_new (title, subtitle);
      gtk_widget_set_name (row, "client-family-row");
      if (g_strcmp0 (state, "revoked") == 0)
        gtk_widget_add_css_class (row, "error");
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
    }
}

static void
cimd_report_clicked_cb (GhClientsPage *self)
{
  g_autofree char *target = g_strconcat ("url:", self->selected_id, NULL);

  gh_page_open (GH_PAGE (self), "cimd", target);
}

static void
cimd_refresh_clicked_cb (GhClientsPage *self)
{
  g_autofree char *target = g_strconcat ("refresh:", self->selected_id, NULL);

  gh_page_open (GH_PAGE (self), "cimd", target);
}

static GtkWidget *
button_row_new (const char *name,
                const char *title,
                const char *subtitle,
                const char *label,
                GCallback   callback,
                gpointer    self)
{
  GtkWidget *row = info_row_new (title, subtitle);
  GtkWidget *button = gtk_button_new_with_mnemonic (label);

  gtk_widget_set_name (button, name);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  g_signal_connect_object (button, "clicked", callback, self, G_CONNECT_SWAPPED);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);

  return row;
}

static void
delete_done_cb (GhPage       *page,
                JsonObject   *answer,
                const GError *error,
                gpointer      user_data)
{
  GhClientsPage *self = GH_CLIENTS_PAGE (page);
  g_autofree char *client_id = user_data;
  g_autofree char *title = NULL;

  if (error != NULL)
    {
      gh_page_show_error (page, _("Could not delete the client"), error);
      return;
    }

  /* "Client “backend” deleted" */
  title = g_strdup_printf (_("Client “%s” deleted"), client_id);
  gh_page_show_toast (page, title);
  if (g_strcmp0 (self->selected_id, client_id) == 0)
    {
      g_clear_pointer (&self->selected_id, g_free);
      adw_flap_set_reveal_flap (self->flap, FALSE);
    }
  gh_page_reload (page);
}

static void
delete_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    GhClientsPage    *self)
{
  const char *client_id = g_object_get_data (G_OBJECT (dialog), "client-id");
  g_autofree char *escaped = NULL;
  g_autofree char *suffix = NULL;
  g_autofree char *path = NULL;

  if (g_strcmp0 (response, "delete") != 0 || client_id == NULL)
    return;

  escaped = g_uri_escape_string (client_id, NULL, FALSE);
  suffix = g_strconcat ("/clients/", escaped, NULL);
  path = gh_page_project_path (GH_PAGE (self), suffix);
  gh_page_call (GH_PAGE (self), "DELETE", path, NULL, delete_done_cb, g_strdup (client_id));
}

static void
delete_clicked_cb (GhClientsPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *heading = NULL;
  AdwMessageDialog *dialog;

  if (self->detail == NULL)
    return;

  /* "Delete “Claude Code”?" */
  heading = g_strdup_printf (_("Delete “%s”?"), client_title (self->detail));
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root)
                                                                            : NULL,
                                                       heading, NULL));
  gtk_widget_set_name (GTK_WIDGET (dialog), "client-delete-dialog");
  adw_message_dialog_set_body (dialog,
                               _("Its tokens are revoked and its consents and codes removed. "
                                 "The id is kept as a tombstone, so a client that still uses "
                                 "it is told when it was deleted and by whom."));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "delete", _("_Delete"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "delete", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "client-id",
                          g_strdup (gh_json_string (self->detail, "client_id")), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (delete_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
build_detail (GhClientsPage *self)
{
  JsonObject *client = self->detail;
  const char *source;
  const char *client_id;
  JsonArray *uris;
  GtkWidget *group;
  GtkWidget *delete_button;

  clear_detail_box (self);

  if (client == NULL)
    {
      GtkWidget *status = adw_status_page_new ();

      gtk_widget_set_name (status, "client-detail-error");
      adw_status_page_set_icon_name (ADW_STATUS_PAGE (status), "dialog-error-symbolic");
      adw_status_page_set_title (ADW_STATUS_PAGE (status), _("Could Not Load the Client"));
      adw_status_page_set_description (ADW_STATUS_PAGE (status),
                                       self->detail_error != NULL ? self->detail_error->message
                                                                  : NULL);
      gtk_widget_add_css_class (status, "compact");
      gtk_label_set_text (self->detail_title, self->selected_id);
      gtk_box_append (self->detail_box, status);
      return;
    }

  source = gh_json_string (client, "source");
  client_id = gh_json_string (client, "client_id");
  gtk_label_set_text (self->detail_title, client_title (client));

  /* Identity */
  group = group_new (self, "client-identity-group", _("Identity"), NULL);
  add_property (group, "client-id-row", _("Client ID"), client_id, TRUE);
  add_property (group, "client-name-row", _("Name"), gh_json_string (client, "client_name"),
                FALSE);
  add_property (group, "client-source-row", _("Source"), source_description (source), FALSE);
  if (gh_json_int (client, "created_at") > 0)
    {
      g_autofree char *date = format_date (gh_json_int (client, "created_at"));

      add_property (group, "client-created-row", _("Created"), date, FALSE);
    }
  if (self->registration != NULL)
    {
      const char *actor = gh_json_string (self->registration, "actor");
      const char *address = gh_json_string (self->registration, "source");
      g_autofree char *by = NULL;

      /* "admin-api from 127.0.0.1" */
      by = address != NULL ? g_strdup_printf (_("%s from %s"), actor != NULL ? actor : "—",
                                              address)
                           : g_strdup (actor);
      add_property (group, "client-registered-by-row", _("Registered By"), by, FALSE);
      add_property (group, "client-user-agent-row", _("User-Agent"),
                    gh_json_string (self->registration, "user_agent"), FALSE);
    }
  {
    gint64 last_seen = gh_json_int (client, "last_seen_at");
    g_autofree char *seen = last_seen > 0 ? format_date (last_seen) : g_strdup (_("Never"));
    g_autofree char *failures = g_strdup_printf ("%d",
                                                 (int) gh_json_int (client, "failures_24h"));

    add_property (group, "client-last-seen-row", _("Last Token Issued"), seen, FALSE);
    add_property (group, "client-failures-row", _("Failures in 24 Hours"), failures, FALSE);
  }

  /* Redirect URIs, each with how the server matches it */
  group = group_new (self, "client-redirects-group", _("Redirect URIs"),
                     _("Where the server may send the user back, and how a requested URI is "
                       "compared with each"));
  uris = gh_json_array (client, "redirect_uris");
  for (guint i = 0; uris != NULL && i < json_array_get_length (uris); i++)
    {
      const char *uri = json_array_get_string_element (uris, i);
      g_autofree char *rule = uri != NULL ? gh_clients_redirect_rule (uri) : NULL;
      GtkWidget *row;

      if (uri == NULL)
        continue;
      row = info_row_new (uri, rule);
      gtk_widget_set_name (row, "client-redirect-row");
      adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 0);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
    }
  if (uris == NULL || json_array_get_length (uris) == 0)
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                               info_row_new (_("No redirect URI"), NULL));

  /* How it authenticates and what it may ask for */
  group = group_new (self, "client-grants-group", _("Authentication and Grants"), NULL);
  {
    g_autofree char *grants = join_array (gh_json_array (client, "grant_types"), ", ");
    const char *scope = gh_json_string (client, "scope");

    add_property (group, "client-auth-method-row", _("Token Endpoint Authentication"),
                  gh_json_string (client, "token_endpoint_auth_method"), FALSE);
    add_property (group, "client-type-row", _("Type"),
                  json_object_get_boolean_member_with_default (client, "confidential", FALSE)
                    ? _("Confidential: it holds a secret")
                    : _("Public: no secret, PKCE only"), FALSE);
    add_property (group, "client-grants-row", _("Grant Types"), grants, FALSE);
    add_property (group, "client-scope-row", _("Scopes"),
                  scope != NULL ? scope : _("Any scope the project supports"), FALSE);
  }

  add_refusals (self);
  add_flows (self);
  add_families (self);

  if (g_strcmp0 (source, "cimd") == 0)
    {
      group = group_new (self, "client-cimd-group", _("Metadata Document"),
                         _("The client’s id is the URL of its metadata document"));
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                                 button_row_new ("client-cimd-report-button",
                                                 _("CIMD Report"),
                                                 _("Every check on the document, the network "
                                                   "and the cache"),
                                                 _("_Show CIMD Report"),
                                                 G_CALLBACK (cimd_report_clicked_cb), self));
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group),
                                 button_row_new ("client-cimd-refresh-button",
                                                 _("Refresh"),
                                                 _("Fetch the document again and review the "
                                                   "changes before they apply"),
                                                 _("_Refresh from Document…"),
                                                 G_CALLBACK (cimd_refresh_clicked_cb), self));
    }

  delete_button = gtk_button_new_with_mnemonic (_("_Delete Client…"));
  gtk_widget_set_name (delete_button, "client-delete-button");
  gtk_widget_set_halign (delete_button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (delete_button, "destructive-action");
  gtk_widget_add_css_class (delete_button, "pill");
  g_signal_connect_object (delete_button, "clicked", G_CALLBACK (delete_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_box_append (self->detail_box, delete_button);
}

static void
detail_part_done (GhClientsPage *self)
{
  self->detail_pending--;
  if (self->detail_pending == 0)
    {
      gtk_spinner_set_spinning (self->detail_spinner, FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->detail_spinner), FALSE);
      build_detail (self);
    }
  update_busy (self);
}

/* The parts of a client's detail, read at once; a part's answer comes back with the
 * detail's serial and the part in its user data, so that a previous client's is dropped. */
typedef enum
{
  PART_CLIENT,
  PART_REFUSALS,
  PART_REGISTRATION,
  PART_FAMILIES,
  PART_FLOWS,
  N_PARTS
} DetailPart;

static void
detail_loaded_cb (GhPage       *page,
                  JsonObject   *answer,
                  const GError *error,
                  gpointer      user_data)
{
  GhClientsPage *self = GH_CLIENTS_PAGE (page);
  guint data = GPOINTER_TO_UINT (user_data);
  JsonArray *array = NULL;

  if (data / N_PARTS != self->detail_serial)
    return;

  switch ((DetailPart) (data % N_PARTS))
    {
    case PART_CLIENT:
      if (answer != NULL)
        self->detail = json_object_ref (answer);
      else
        self->detail_error = g_error_copy (error);
      break;

    case PART_REFUSALS:
      if ((array = gh_json_array (answer, "events")) != NULL)
        self->refusals = json_array_ref (array);
      else if (error != NULL)
        self->refusals_error = g_error_copy (error);
      break;

    case PART_REGISTRATION:
      /* Optional: an event the log no longer keeps (or could not read) is just not shown. */
      if ((array = gh_json_array (answer, "events")) != NULL &&
          json_array_get_length (array) > 0)
        self->registration = json_object_ref (json_array_get_object_element (array, 0));
      break;

    case PART_FAMILIES:
      if ((array = gh_json_array (answer, "families")) != NULL)
        self->families = json_array_ref (array);
      else if (error != NULL)
        self->families_error = g_error_copy (error);
      break;

    case PART_FLOWS:
      if ((array = gh_json_array (answer, "flows")) != NULL)
        self->flows = json_array_ref (array);
      else if (error != NULL)
        self->flows_error = g_error_copy (error);
      break;

    case N_PARTS:
    default:
      g_assert_not_reached ();
    }

  detail_part_done (self);
}

/* Reads the selected client's detail: itself, its refusals and registration in the audit
 * log, its refresh families and its recent flows; the pane is built once all are back. */
static void
load_detail (GhClientsPage *self)
{
  static const char * const suffixes[N_PARTS] = {
    [PART_CLIENT] = "/clients/%s",
    [PART_REFUSALS] = "/audit?client_id=%s&outcome=failure&limit=20",
    [PART_REGISTRATION] = "/audit?client_id=%s&type=oauth_client.registered&limit=1",
    [PART_FAMILIES] = "/refresh-families?client_id=%s",
    [PART_FLOWS] = "/flows?client_id=%s&limit=10",
  };
  g_autofree char *escaped = NULL;

  if (self->selected_id == NULL)
    return;

  self->detail_serial++;
  clear_detail_data (self);
  self->detail_pending = N_PARTS;
  gtk_widget_set_visible (GTK_WIDGET (self->detail_spinner), TRUE);
  gtk_spinner_set_spinning (self->detail_spinner, TRUE);
  update_busy (self);

  escaped = g_uri_escape_string (self->selected_id, NULL, FALSE);
  for (guint part = 0; part < N_PARTS; part++)
    {
      g_autofree char *suffix = g_strdup_printf (suffixes[part], escaped);
      g_autofree char *path = gh_page_project_path (GH_PAGE (self), suffix);

      gh_page_load (GH_PAGE (self), "GET", path, NULL, detail_loaded_cb,
                    GUINT_TO_POINTER (self->detail_serial * N_PARTS + part));
    }
}

static void
show_client (GhClientsPage *self,
             const char    *client_id)
{
  g_free (self->selected_id);
  self->selected_id = g_strdup (client_id);
  /* The selection belongs to the project shown now. */
  g_free (self->shown_project);
  self->shown_project = g_strdup (gh_page_get_project (GH_PAGE (self)));
  clear_detail_box (self);
  gtk_label_set_text (self->detail_title, client_id);
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->detail_scroller), 0);
  adw_flap_set_reveal_flap (self->flap, TRUE);
  load_detail (self);
}

static void
client_activated_cb (GhClientsPage *self,
                     GtkListBoxRow *row)
{
  guint position = gtk_list_box_row_get_index (row);
  g_autoptr(GhClientsItem) item = g_list_model_get_item (G_LIST_MODEL (self->filtered),
                                                         position);

  if (item != NULL)
    show_client (self, gh_json_string (item->json, "client_id"));
}

static void
close_detail_clicked_cb (GhClientsPage *self)
{
  adw_flap_set_reveal_flap (self->flap, FALSE);
}

/* ---- actions ------------------------------------------------------------------------ */

static void
created_cb (GhClientsPage *self,
            const char    *client_id)
{
  gh_page_reload (GH_PAGE (self));
  show_client (self, client_id);
}

static void
create_clicked_cb (GhClientsPage *self)
{
  GhAdminClient *client = gh_page_get_admin_client (GH_PAGE (self));
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *path = gh_page_project_path (GH_PAGE (self), "/clients");
  GtkWidget *window;

  if (client == NULL)
    {
      gh_page_show_toast (GH_PAGE (self), _("Not connected to a server"));
      return;
    }

  window = gh_client_create_window_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        client, path);
  g_signal_connect_object (window, "created", G_CALLBACK (created_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (window));
}

static void
retry_clicked_cb (GhClientsPage *self)
{
  gh_page_reload (GH_PAGE (self));
}

static void
search_changed_cb (GhClientsPage *self)
{
  g_free (self->search);
  self->search = gh_page_dup_search (GH_PAGE (self));

  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_list_visibility (self);
  update_tombstones (self);
}

static void
deleted_toggled_cb (GhClientsPage *self)
{
  update_tombstones (self);
}

/* ---- live events -------------------------------------------------------------------- */

static gboolean
reload_timeout_cb (gpointer user_data)
{
  GhClientsPage *self = GH_CLIENTS_PAGE (user_data);

  self->reload_timeout = 0;
  gh_page_reload (GH_PAGE (self));

  return G_SOURCE_REMOVE;
}

/* A client registered, changed or deleted, or one refused: read the list again (once for a
 * burst of events). */
static void
gh_clients_page_event (GhPage           *page,
                       GhAuditEventItem *event)
{
  GhClientsPage *self = GH_CLIENTS_PAGE (page);
  const char *type = gh_audit_event_item_get_event_type (event);

  if (!g_str_has_prefix (type, "oauth_client.") &&
      !(gh_audit_event_item_get_client_id (event) != NULL &&
        g_strcmp0 (gh_audit_event_item_get_outcome (event), "failure") == 0))
    return;

  if (self->reload_timeout == 0)
    self->reload_timeout = g_timeout_add (1000, reload_timeout_cb, self);
}

/* ---- GhPage ------------------------------------------------------------------------- */

static void
gh_clients_page_reload (GhPage *page)
{
  GhClientsPage *self = GH_CLIENTS_PAGE (page);

  g_clear_handle_id (&self->reload_timeout, g_source_remove);
  /* Another project: its clients are others, the selected one is not among them. */
  if (g_strcmp0 (self->shown_project, gh_page_get_project (page)) != 0)
    {
      g_free (self->shown_project);
      self->shown_project = g_strdup (gh_page_get_project (page));
      g_clear_pointer (&self->selected_id, g_free);
      adw_flap_set_reveal_flap (self->flap, FALSE);
    }
  /* The previous round's loads are cancelled: nothing of them is pending any more. */
  self->detail_pending = 0;
  if (gtk_stack_get_visible_child_name (self->state_stack) != NULL &&
      g_str_equal (gtk_stack_get_visible_child_name (self->state_stack), "error"))
    gtk_stack_set_visible_child_name (self->state_stack, "loading");
  load_list (self);
  if (self->selected_id != NULL && adw_flap_get_reveal_flap (self->flap))
    load_detail (self);
}

static void
gh_clients_page_connection_changed (GhPage       *page,
                                    GhConnection *previous)
{
  GhClientsPage *self = GH_CLIENTS_PAGE (page);

  g_clear_pointer (&self->selected_id, g_free);
  adw_flap_set_reveal_flap (self->flap, FALSE);
}

/* "client:<client_id>" shows that client's detail; "filter:<text>" searches the list. */
static void
gh_clients_page_open_target (GhPage     *page,
                             const char *target)
{
  GhClientsPage *self = GH_CLIENTS_PAGE (page);

  if (g_str_has_prefix (target, "client:") && target[strlen ("client:")] != '\0')
    show_client (self, target + strlen ("client:"));
  else if (g_str_has_prefix (target, "filter:"))
    gh_page_search (page, target + strlen ("filter:"));
}

static void
gh_clients_page_dispose (GObject *object)
{
  GhClientsPage *self = (GhClientsPage *)object;

  g_clear_handle_id (&self->reload_timeout, g_source_remove);

  /* AdwBin unparents its child itself: let it, before the template drops its references. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), GH_TYPE_CLIENTS_PAGE);

  g_clear_object (&self->filtered);
  g_clear_object (&self->clients);
  g_clear_pointer (&self->tombstones, json_array_unref);
  clear_detail_data (self);

  G_OBJECT_CLASS (gh_clients_page_parent_class)->dispose (object);
}

static void
gh_clients_page_finalize (GObject *object)
{
  GhClientsPage *self = (GhClientsPage *)object;

  g_clear_pointer (&self->search, g_free);
  g_clear_pointer (&self->selected_id, g_free);
  g_clear_pointer (&self->shown_project, g_free);

  G_OBJECT_CLASS (gh_clients_page_parent_class)->finalize (object);
}

static void
gh_clients_page_class_init (GhClientsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GhPageClass *page_class = GH_PAGE_CLASS (klass);

  object_class->dispose = gh_clients_page_dispose;
  object_class->finalize = gh_clients_page_finalize;

  page_class->reload = gh_clients_page_reload;
  page_class->event = gh_clients_page_event;
  page_class->connection_changed = gh_clients_page_connection_changed;
  page_class->open_target = gh_clients_page_open_target;

  g_type_ensure (GH_TYPE_PROPERTY_ROW);

  gh_page_class_set_info (GH_PAGE_CLASS (klass), "clients", N_("Clients"),
                          "view-app-grid-symbolic");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/gatehouse/Gatehouse/pages/"
                                               "gh-clients-page.ui");
  gtk_widget_class_bind_template_child (widget_class, GhClientsPage, client_list);
  gtk_widget_class_bind_template_child (widget_class, GhClientsPage, deleted_description);
  gtk_widget_class_bind_template_child (widget_class, GhClientsPage, deleted_heading);
  gtk_widget_class_bind_template_child (widget_class, GhClientsPage, detail_box);
  gtk_widget_class_bind_template_child (widget_class, GhClientsPage, detail_scroller);
  gtk_widget_class_bind_template_child (widget_class, GhClientsPage, detail_spinner);
  gtk_widget_class_bind_template_child (widget_class, GhClientsPage, detail_title);
  gtk_widget_class_bind_template_child (widget_class, GhClientsPage, empty_page);
  gtk_widget_class_bind_template_child (widget_class, GhClientsPage, error_page);
  gtk_widget_class_bind_template_child (widget_class, GhClientsPage, flap);
  gtk_widget_class_bind_template_child (widget_class, GhClientsPage, no_results_page);
  gtk_widget_class_bind_template_child (widget_class, GhClientsPage, search_bar);
  gtk_widget_class_bind_template_child (widget_class, GhClientsPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, GhClientsPage, state_stack);
  gtk_widget_class_bind_template_child (widget_class, GhClientsPage, tombstone_list);
  gtk_widget_class_bind_template_callback (widget_class, client_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, close_detail_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, create_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, retry_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
}

static void
gh_clients_page_init (GhClientsPage *self)
{
  GtkWidget *create_button;

  gtk_widget_init_template (GTK_WIDGET (self));

  /* Busy until the first list comes back (a target opened before that does not settle it). */
  self->list_loading = TRUE;
  self->clients = g_list_store_new (GH_TYPE_CLIENTS_ITEM);
  self->filter = gtk_custom_filter_new (filter_func, self, NULL);
  self->filtered = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->clients)),
                                              GTK_FILTER (self->filter));
  gtk_list_box_bind_model (self->client_list, G_LIST_MODEL (self->filtered),
                           create_client_row, NULL, NULL);

  /* Header: new client, show deleted, search (Ctrl+F). */
  create_button = gtk_button_new_from_icon_name ("list-add-symbolic");
  gtk_widget_set_name (create_button, "clients-create-button");
  gtk_widget_set_tooltip_text (create_button, _("New Client…"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (create_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("New Client…"), -1);
  g_signal_connect_object (create_button, "clicked", G_CALLBACK (create_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  gh_page_add_header_widget (GH_PAGE (self), create_button, GTK_PACK_START);

  gh_page_add_search (GH_PAGE (self), self->search_bar, self->search_entry,
                      "clients-search-button", _("Search Clients"));

  self->deleted_button = GTK_TOGGLE_BUTTON (gtk_toggle_button_new_with_mnemonic (
                                              _("Show _Deleted")));
  gtk_widget_set_name (GTK_WIDGET (self->deleted_button), "clients-deleted-button");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->deleted_button),
                               _("List the tombstones of deleted clients"));
  g_signal_connect_object (self->deleted_button, "toggled", G_CALLBACK (deleted_toggled_cb),
                           self, G_CONNECT_SWAPPED);
  gh_page_add_header_widget (GH_PAGE (self), GTK_WIDGET (self->deleted_button), GTK_PACK_END);

  update_tombstones (self);
  update_list_visibility (self);
}
