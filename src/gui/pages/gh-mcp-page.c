/* gh-mcp-page.c — the MCP page: MCP, CIMD and DCR mode, who can complete a flow, redirect
 * policy, token lifetimes and the discovery probe matrix
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <glib/gi18n.h>

#include "gh-admin-json.h"
#include "gh-explain-card.h"
#include "gh-format.h"
#include "gh-mcp-page.h"
#include "gh-property-row.h"

/* Everything on this page is a project setting (GET and PATCH of the project), the server's
 * judgement of those settings per client family (GET .../compat, with the fixes it offers,
 * POST .../fixes) or the requests clients made to well-known paths (GET .../discovery/hits).
 * A change is a PATCH; what the server answers (the cascade included) is what the page shows
 * next. Events of the project re-read what they can have changed, in place. */

#define N_HITS_SHOWN     8     /* per well-known form */
#define HITS_POLL_S      10    /* discovery hits are no audit events: read them again */
#define REFRESH_DELAY_MS 300   /* events in a burst refresh once */

typedef enum
{
  REFRESH_HITS     = 1 << 0,
  REFRESH_SETTINGS = 1 << 1,  /* the project and compat */
} RefreshFlags;

/* A setting with a spin button and its Apply button. */
typedef struct
{
  const char    *key;
  GtkSpinButton *spin;
  GtkButton     *apply;
} SpinSetting;

enum { SPIN_ACCESS, SPIN_REFRESH, SPIN_CODE, SPIN_GRACE, N_SPINS };

struct _GhMcpPage
{
  GhPage               parent_instance;

  JsonObject          *settings;       /* the project's, as last read */
  char                *issuer;
  char                *loaded_project; /* the slug the page shows, once loaded */
  JsonObject          *compat;
  JsonArray           *hits;
  GPtrArray           *cascade;        /* JsonObject changes the card lists */
  GHashTable          *expanded;       /* row names of expanded expander rows */
  SpinSetting          spins[N_SPINS];
  guint                pending;        /* loads of this reload round still out */
  guint                refresh_source;
  guint                poll_source;
  RefreshFlags         refresh_flags;
  guint                updating;       /* > 0 while settings are written into controls */
  gboolean             round_failed;

  /* Template widgets */
  GtkListBox          *cascade_list;
  AdwPreferencesGroup *cascade_group;
  AdwActionRow        *cascade_row;
  AdwActionRow        *cimd_row;
  GtkSwitch           *cimd_switch;
  GtkListBox          *compat_list;
  GhPropertyRow       *curl_row;
  AdwComboRow         *dcr_row;
  AdwStatusPage       *error_page;
  AdwPreferencesGroup *lifetimes_group;
  AdwActionRow        *lifetimes_error_row;
  AdwActionRow        *mcp_error_row;
  GtkSwitch           *mcp_switch;
  GtkListBox          *policy_list;
  GtkListBox          *probe_list;
  AdwEntryRow         *scheme_entry;
  GtkLabel            *scheme_hint;
  GtkStack            *stack;
};

G_DEFINE_FINAL_TYPE (GhMcpPage, gh_mcp_page, GH_TYPE_PAGE)

static const char * const dcr_modes[] = { "disabled", "initial_access_token", "open" };

static void load_settings (GhMcpPage *self);
static void load_compat   (GhMcpPage *self);
static void load_hits     (GhMcpPage *self);

/* ---- helpers ---------------------------------------------------------------------- */

static void
clear_list (GtkListBox *list,
            GtkWidget  *keep)
{
  GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (list));

  while (child != NULL)
    {
      GtkWidget *next = gtk_widget_get_next_sibling (child);

      if (child != keep)
        gtk_list_box_remove (list, child);
      child = next;
    }
}

/* An icon and a word: what a verdict means never rests on colour alone. */
static GtkWidget *
verdict_badge (const char *icon_name,
               const char *word,
               const char *css_class)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *image = gtk_image_new_from_icon_name (icon_name);
  GtkWidget *label = gtk_label_new (word);

  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (image), GTK_ACCESSIBLE_PROPERTY_LABEL, word,
                                  -1);
  gtk_widget_set_size_request (label, 76, -1);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_box_append (GTK_BOX (box), image);
  gtk_box_append (GTK_BOX (box), label);
  if (css_class != NULL)
    gtk_widget_add_css_class (box, css_class);
  return box;
}

/* "2 min ago" for a time in µs since the epoch; the full time goes in a tooltip. */
static char *
relative_time (gint64 time_us)
{
  return gh_format_relative (time_us, g_get_real_time (), FALSE);
}

/* A row under an expander row, made from one item (a requirement, a hit). */
typedef GtkWidget *(*RowFunc) (GhMcpPage  *self,
                               const char *family,
                               JsonObject *item);

typedef struct
{
  RowFunc    func;
  char      *family;
  GPtrArray *items;   /* JsonObject */
} LazyRows;

static void
lazy_rows_free (LazyRows *lazy)
{
  g_free (lazy->family);
  g_ptr_array_unref (lazy->items);
  g_free (lazy);
}

/* The rows under an expander are made when it first opens: a page of a few dozen rows
 * rebuilt on every event would keep the main loop busy for nothing. */
static void
fill_expander (GhMcpPage      *self,
               AdwExpanderRow *row)
{
  LazyRows *lazy = g_object_steal_data (G_OBJECT (row), "lazy-rows");

  if (lazy == NULL)
    return;
  for (guint i = 0; i < lazy->items->len; i++)
    adw_expander_row_add_row (row, lazy->func (self, lazy->family,
                                               g_ptr_array_index (lazy->items, i)));
  lazy_rows_free (lazy);
}

static void
remember_expanded (AdwExpanderRow *row,
                   GParamSpec     *pspec,
                   GhMcpPage      *self)
{
  const char *name = gtk_widget_get_name (GTK_WIDGET (row));

  if (adw_expander_row_get_expanded (row))
    {
      g_hash_table_add (self->expanded, g_strdup (name));
      fill_expander (self, row);
    }
  else
    g_hash_table_remove (self->expanded, name);
}

/* An expander row that stays open when the page rebuilds it; @items (JsonObject) become its
 * rows through @func once it opens. */
static AdwExpanderRow *
expander_row_new (GhMcpPage  *self,
                  const char *name,
                  RowFunc     func,
                  const char *family,
                  GPtrArray  *items)
{
  AdwExpanderRow *row = ADW_EXPANDER_ROW (adw_expander_row_new ());
  LazyRows *lazy = g_new0 (LazyRows, 1);

  lazy->func = func;
  lazy->family = g_strdup (family);
  lazy->items = g_ptr_array_ref (items);
  g_object_set_data_full (G_OBJECT (row), "lazy-rows", lazy, (GDestroyNotify) lazy_rows_free);

  gtk_widget_set_name (GTK_WIDGET (row), name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  g_signal_connect_object (row, "notify::expanded", G_CALLBACK (remember_expanded), self, 0);
  if (g_hash_table_contains (self->expanded, name))
    adw_expander_row_set_expanded (row, TRUE);
  return row;
}

static GtkWidget *
plain_row_new (const char *title,
               const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  return row;
}

/* ---- busy and the reload round ---------------------------------------------------- */

static void
load_done (GhMcpPage *self)
{
  /* An answer let through by a connection change, after its round was counted: ignored. */
  if (self->pending == 0 || --self->pending > 0)
    return;

  if (!self->round_failed)
    {
      g_free (self->loaded_project);
      self->loaded_project = g_strdup (gh_page_get_project (GH_PAGE (self)));
      gtk_stack_set_visible_child_name (self->stack, "content");
    }
  gh_page_set_busy (GH_PAGE (self), FALSE);
}

/* ---- settings into controls ------------------------------------------------------- */

static const char *
dcr_mode_sentence (const char *mode)
{
  if (g_strcmp0 (mode, "open") == 0)
    return _("Any client may register itself, limited per address. Every shipping MCP client "
             "can use this.");
  if (g_strcmp0 (mode, "initial_access_token") == 0)
    return _("A client registers only with an initial access token you issued. Shipping MCP "
             "clients — Claude Code, Cursor, VS Code — cannot send one, so this mode shuts them "
             "out unless they use CIMD.");
  return _("No client can register itself: only clients created here and, with CIMD on, "
           "clients identified by their document can sign in.");
}

static gboolean
spin_edited (GhMcpPage   *self,
             SpinSetting *spin)
{
  return (gint64) gtk_spin_button_get_value (spin->spin) !=
         gh_json_int_or (self->settings, spin->key, -1);
}

static void
update_spin_apply (GhMcpPage   *self,
                   SpinSetting *spin)
{
  gboolean edited = spin_edited (self, spin);

  gtk_widget_set_sensitive (GTK_WIDGET (spin->apply), edited);
  if (edited)
    gtk_widget_add_css_class (GTK_WIDGET (spin->apply), "suggested-action");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (spin->apply), "suggested-action");
}

static void
scheme_remove_clicked_cb (GtkButton *button,
                          GhMcpPage *self);

static void
show_schemes (GhMcpPage *self)
{
  JsonArray *schemes = gh_json_array (self->settings, "redirect_schemes");
  guint n = schemes != NULL ? json_array_get_length (schemes) : 0;
  GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->policy_list));

  /* Every row but the loopback rule and the entry is a scheme's. */
  while (child != NULL)
    {
      GtkWidget *next = gtk_widget_get_next_sibling (child);

      if (g_str_has_prefix (gtk_widget_get_name (child), "scheme-row-"))
        gtk_list_box_remove (self->policy_list, child);
      child = next;
    }

  for (guint i = 0; i < n; i++)
    {
      const char *scheme = json_array_get_string_element (schemes, i);
      g_autofree char *name = g_strconcat ("scheme-row-", scheme, NULL);
      g_autofree char *button_name = g_strconcat ("scheme-remove-", scheme, NULL);
      g_autofree char *title = g_strdup_printf ("%s://", scheme);
      g_autofree char *tooltip = g_strdup_printf (_("Remove the “%s” scheme"), scheme);
      GtkWidget *row = plain_row_new (title, _("Allowed as a custom scheme"));
      GtkWidget *button = gtk_button_new_from_icon_name ("user-trash-symbolic");

      gtk_widget_set_name (row, name);
      gtk_widget_set_name (button, button_name);
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (button, tooltip);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      tooltip, -1);
      gtk_widget_add_css_class (button, "flat");
      g_object_set_data_full (G_OBJECT (button), "scheme", g_strdup (scheme), g_free);
      g_signal_connect_object (button, "clicked", G_CALLBACK (scheme_remove_clicked_cb), self,
                               0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      gtk_list_box_insert (self->policy_list, row, 1 + i);
    }
}

static void
show_curl (GhMcpPage *self)
{
  g_autofree char *curl = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *base = NULL;

  if (self->issuer == NULL || (uri = g_uri_parse (self->issuer, G_URI_FLAGS_NONE, NULL)) == NULL)
    {
      gh_property_row_set_value (self->curl_row, NULL);
      return;
    }

  /* The reference guide's step 2: the members an MCP client decides by. */
  base = g_uri_join (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                     g_uri_get_port (uri), "", NULL, NULL);
  curl = g_strdup_printf ("curl -s %s/.well-known/oauth-authorization-server%s | jq '{"
                          "registration_endpoint, client_id_metadata_document_supported, "
                          "mcp_authorization_supported}'",
                          base, g_uri_get_path (uri));
  gh_property_row_set_value (self->curl_row, curl);
}

static void
show_settings (GhMcpPage *self)
{
  const char *mode = gh_json_string (self->settings, "dcr_mode");

  self->updating++;

  gtk_switch_set_active (self->mcp_switch, gh_json_bool (self->settings, "mcp_enabled"));
  gtk_switch_set_state (self->mcp_switch, gh_json_bool (self->settings, "mcp_enabled"));
  gtk_switch_set_active (self->cimd_switch, gh_json_bool (self->settings, "cimd_enabled"));
  gtk_switch_set_state (self->cimd_switch, gh_json_bool (self->settings, "cimd_enabled"));
  for (guint i = 0; i < G_N_ELEMENTS (dcr_modes); i++)
    if (g_strcmp0 (mode, dcr_modes[i]) == 0)
      adw_combo_row_set_selected (self->dcr_row, i);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->dcr_row), dcr_mode_sentence (mode));

  /* A value the user changed and has not applied stays; Apply still says it differs. */
  for (guint i = 0; i < N_SPINS; i++)
    if (!gtk_widget_get_sensitive (GTK_WIDGET (self->spins[i].apply)))
      gtk_spin_button_set_value (self->spins[i].spin,
                                 gh_json_int_or (self->settings, self->spins[i].key, 0));
  for (guint i = 0; i < N_SPINS; i++)
    update_spin_apply (self, &self->spins[i]);

  show_schemes (self);
  show_curl (self);

  self->updating--;
}

/* ---- the cascade ------------------------------------------------------------------ */

static GtkWidget *
change_row_new (JsonObject *change)
{
  const char *old_value = gh_json_string (change, "old");
  const char *new_value = gh_json_string (change, "new");
  g_autofree char *shown = g_strdup_printf ("%s → %s",
                                            old_value && *old_value ? old_value : _("(empty)"),
                                            new_value && *new_value ? new_value : _("(empty)"));
  g_autofree char *why = g_strdup_printf (_("Because %s changed"),
                                          gh_json_string (change, "cascade_from"));
  GtkWidget *row = plain_row_new (gh_json_string (change, "key"), why);
  GtkWidget *label = gtk_label_new (shown);

  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 1);
  gtk_widget_add_css_class (label, "monospace");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
  return row;
}

static char *
cascade_title (GhMcpPage *self)
{
  const char *cause = self->cascade->len > 0
                      ? gh_json_string (g_ptr_array_index (self->cascade, 0), "cascade_from")
                      : NULL;

  if (g_strcmp0 (cause, "mcp_enabled") == 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "Turning on MCP changed %u other setting",
                                         "Turning on MCP changed %u other settings",
                                         self->cascade->len), self->cascade->len);
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u more setting changed with it",
                                       "%u more settings changed with it",
                                       self->cascade->len), self->cascade->len);
}

static void
present_cascade (GhMcpPage *self)
{
  g_autofree char *heading = cascade_title (self);
  GtkWidget *list = gtk_list_box_new ();
  AdwMessageDialog *dialog;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  for (guint i = 0; i < self->cascade->len; i++)
    gtk_list_box_append (GTK_LIST_BOX (list), change_row_new (g_ptr_array_index (self->cascade,
                                                                                 i)));

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root)
                                                                            : NULL,
                                                       heading,
                                                       _("The server changed these settings "
                                                         "along with the one you set, so that "
                                                         "MCP clients have a way in.")));
  gtk_widget_set_name (GTK_WIDGET (dialog), "cascade-dialog");
  adw_message_dialog_set_extra_child (dialog, list);
  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
show_cascade (GhMcpPage *self)
{
  g_autofree char *title = NULL;

  clear_list (self->cascade_list, GTK_WIDGET (self->cascade_row));
  gtk_widget_set_visible (GTK_WIDGET (self->cascade_group), self->cascade->len > 0);
  if (self->cascade->len == 0)
    return;

  title = cascade_title (self);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->cascade_row), title);
  for (guint i = 0; i < self->cascade->len; i++)
    gtk_list_box_append (self->cascade_list,
                         change_row_new (g_ptr_array_index (self->cascade, i)));
}

/* The changes of a PATCH or a fix that the server made by itself. */
static void
take_cascade (GhMcpPage  *self,
              JsonObject *answer)
{
  JsonArray *changes = gh_json_array (answer, "changes");
  g_autofree char *toast_title = NULL;
  AdwToast *toast;
  guint n = 0;

  for (guint i = 0; changes != NULL && i < json_array_get_length (changes); i++)
    {
      JsonObject *change = json_array_get_object_element (changes, i);

      if (change != NULL && gh_json_string (change, "cascade_from") != NULL)
        {
          if (n++ == 0)
            g_ptr_array_set_size (self->cascade, 0);
          g_ptr_array_add (self->cascade, json_object_ref (change));
        }
    }
  if (n == 0)
    return;

  show_cascade (self);

  toast_title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u setting changed",
                                              "%u settings changed", n), n);
  toast = adw_toast_new (toast_title);
  adw_toast_set_button_label (toast, _("_Details"));
  adw_toast_set_timeout (toast, 10);
  g_signal_connect_object (toast, "button-clicked", G_CALLBACK (present_cascade), self,
                           G_CONNECT_SWAPPED);
  gh_page_add_toast (GH_PAGE (self), toast);
}

static void
dismiss_cascade_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  GhMcpPage *self = GH_MCP_PAGE (widget);

  g_ptr_array_set_size (self->cascade, 0);
  show_cascade (self);
}

/* ---- changing settings ------------------------------------------------------------ */

static void
show_patch_error (GhMcpPage    *self,
                  AdwActionRow *row,
                  const GError *error)
{
  gtk_widget_set_visible (GTK_WIDGET (self->mcp_error_row), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->lifetimes_error_row), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->scheme_hint), FALSE);
  if (error == NULL)
    return;

  if (row == NULL)
    {
      gtk_label_set_text (self->scheme_hint, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->scheme_hint), TRUE);
      return;
    }
  adw_action_row_set_subtitle (row, error->message);
  gtk_widget_set_visible (GTK_WIDGET (row), TRUE);
}

static void
patch_cb (GhPage       *page,
          JsonObject   *answer,
          const GError *error,
          gpointer      user_data)
{
  GhMcpPage *self = GH_MCP_PAGE (page);
  AdwActionRow *error_row = user_data;
  JsonObject *project = gh_json_object (answer, "project");

  show_patch_error (self, error_row, error);
  if (error == NULL && gh_json_object (project, "settings") != NULL)
    {
      g_clear_pointer (&self->settings, json_object_unref);
      self->settings = json_object_ref (gh_json_object (project, "settings"));
      take_cascade (self, answer);
      if (error_row == NULL)
        gtk_editable_set_text (GTK_EDITABLE (self->scheme_entry), "");
    }
  /* Refused, the controls go back to what the server has. */
  show_settings (self);
  load_compat (self);
}

/* @error_row: where a refusal is shown (NULL: under the scheme entry). */
static void
patch_settings (GhMcpPage    *self,
                JsonObject   *settings,
                AdwActionRow *error_row)
{
  g_autofree char *path = gh_page_project_path (GH_PAGE (self), NULL);

  gh_page_call (GH_PAGE (self), "PATCH", path, settings, patch_cb, error_row);
}

static gboolean
switch_state_set_cb (GtkSwitch *widget,
                     gboolean   state,
                     GhMcpPage *self)
{
  g_autoptr(JsonObject) body = NULL;

  if (self->updating > 0)
    return FALSE;

  /* The switch shows the new position; its state follows once the server agrees. */
  body = json_object_new ();
  json_object_set_boolean_member (body, widget == self->mcp_switch ? "mcp_enabled"
                                                                   : "cimd_enabled", state);
  patch_settings (self, body, self->mcp_error_row);
  return TRUE;
}

static void
dcr_selected_cb (GhMcpPage *self)
{
  g_autoptr(JsonObject) body = NULL;
  guint selected = adw_combo_row_get_selected (self->dcr_row);

  if (self->updating > 0 || selected >= G_N_ELEMENTS (dcr_modes))
    return;

  adw_action_row_set_subtitle (ADW_ACTION_ROW (self->dcr_row),
                               dcr_mode_sentence (dcr_modes[selected]));
  if (g_strcmp0 (gh_json_string (self->settings, "dcr_mode"), dcr_modes[selected]) == 0)
    return;

  body = json_object_new ();
  json_object_set_string_member (body, "dcr_mode", dcr_modes[selected]);
  patch_settings (self, body, self->mcp_error_row);
}

static void
spin_changed_cb (GhMcpPage *self)
{
  if (self->updating > 0)
    return;
  for (guint i = 0; i < N_SPINS; i++)
    update_spin_apply (self, &self->spins[i]);
}

static void
spin_apply_clicked_cb (GtkWidget *widget,
                       GhMcpPage *self)
{
  for (guint i = 0; i < N_SPINS; i++)
    {
      SpinSetting *spin = &self->spins[i];
      g_autoptr(JsonObject) body = NULL;

      if (widget != GTK_WIDGET (spin->apply) && widget != GTK_WIDGET (spin->spin))
        continue;
      gtk_spin_button_update (spin->spin);
      body = json_object_new ();
      json_object_set_int_member (body, spin->key, gtk_spin_button_get_value (spin->spin));
      patch_settings (self, body, self->lifetimes_error_row);
    }
}

/* RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), and not the web's own. The server
 * refuses more (javascript, data, ...) and says why, under the entry. */
static const char *
scheme_problem (const char *scheme)
{
  static const char * const refused[] = { "http", "https", NULL };

  if (*scheme == '\0')
    return _("Type a scheme, such as cursor");
  if (strstr (scheme, ":") != NULL || strstr (scheme, "/") != NULL)
    return _("Type the scheme alone, without “://”");
  if (!g_ascii_isalpha (scheme[0]))
    return _("A scheme starts with a letter");
  for (const char *p = scheme; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '+' && *p != '-' && *p != '.')
      return _("A scheme has only letters, digits, “+”, “-” and “.”");
  if (g_strv_contains (refused, scheme))
    return _("http and https URIs follow their own rules: this is for custom schemes");
  return NULL;
}

static char *
entry_scheme (GhMcpPage *self)
{
  g_autofree char *text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->scheme_entry)));

  return g_ascii_strdown (g_strstrip (text), -1);
}

static void
scheme_changed_cb (GhMcpPage *self)
{
  g_autofree char *scheme = entry_scheme (self);
  const char *problem = *scheme != '\0' ? scheme_problem (scheme) : NULL;

  if (problem != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->scheme_entry), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->scheme_entry), "error");
  gtk_label_set_text (self->scheme_hint, problem ? problem : "");
  gtk_widget_set_visible (GTK_WIDGET (self->scheme_hint), problem != NULL);
}

static void
patch_schemes (GhMcpPage  *self,
               const char *add,
               const char *remove)
{
  JsonArray *schemes = gh_json_array (self->settings, "redirect_schemes");
  g_autoptr(JsonObject) body = json_object_new ();
  JsonArray *next = json_array_new ();

  for (guint i = 0; schemes != NULL && i < json_array_get_length (schemes); i++)
    {
      const char *scheme = json_array_get_string_element (schemes, i);

      if (g_strcmp0 (scheme, remove) != 0 && g_strcmp0 (scheme, add) != 0)
        json_array_add_string_element (next, scheme);
    }
  if (add != NULL)
    json_array_add_string_element (next, add);
  json_object_set_array_member (body, "redirect_schemes", next);
  patch_settings (self, body, NULL);
}

static void
scheme_apply_cb (GhMcpPage *self)
{
  g_autofree char *scheme = entry_scheme (self);
  const char *problem = scheme_problem (scheme);

  if (problem != NULL)
    {
      gtk_label_set_text (self->scheme_hint, problem);
      gtk_widget_set_visible (GTK_WIDGET (self->scheme_hint), TRUE);
      return;
    }
  patch_schemes (self, scheme, NULL);
}

static void
scheme_remove_clicked_cb (GtkButton *button,
                          GhMcpPage *self)
{
  patch_schemes (self, NULL, g_object_get_data (G_OBJECT (button), "scheme"));
}

/* ---- fixes ------------------------------------------------------------------------ */

typedef struct
{
  GPtrArray *fixes;   /* JsonObject, still to apply */
  GtkWidget *button;
} FixRun;

static void
fix_run_free (FixRun *run)
{
  g_ptr_array_unref (run->fixes);
  g_object_unref (run->button);
  g_free (run);
}

static void apply_next_fix (GhMcpPage *self,
                            FixRun    *run);

static void
fix_cb (GhPage       *page,
        JsonObject   *answer,
        const GError *error,
        gpointer      user_data)
{
  GhMcpPage *self = GH_MCP_PAGE (page);
  FixRun *run = user_data;

  if (error != NULL)
    {
      gh_page_show_error (page, _("Could not apply the fix"), error);
      gtk_widget_set_sensitive (run->button, TRUE);
      fix_run_free (run);
      load_settings (self);
      return;
    }

  take_cascade (self, answer);
  if (gh_json_string (answer, "message") != NULL && run->fixes->len == 0)
    gh_page_show_toast (page, gh_json_string (answer, "message"));
  apply_next_fix (self, run);
}

/* One POST .../fixes after the other (a family may need two), then the page reads again. */
static void
apply_next_fix (GhMcpPage *self,
                FixRun    *run)
{
  g_autofree char *path = NULL;
  g_autoptr(JsonObject) fix = NULL;

  if (run->fixes->len == 0)
    {
      gtk_widget_set_sensitive (run->button, TRUE);
      fix_run_free (run);
      load_settings (self);
      return;
    }

  fix = g_ptr_array_steal_index (run->fixes, 0);
  path = gh_page_project_path (GH_PAGE (self), "/fixes");
  gh_page_call (GH_PAGE (self), "POST", path, fix, fix_cb, run);
}

static void
fix_clicked_cb (GtkButton *button,
                GhMcpPage *self)
{
  JsonArray *fixes = g_object_get_data (G_OBJECT (button), "fixes");
  FixRun *run = g_new0 (FixRun, 1);

  run->fixes = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  for (guint i = 0; i < json_array_get_length (fixes); i++)
    if (json_array_get_object_element (fixes, i) != NULL)
      g_ptr_array_add (run->fixes, json_object_ref (json_array_get_object_element (fixes, i)));
  run->button = g_object_ref (GTK_WIDGET (button));
  gtk_widget_set_sensitive (run->button, FALSE);
  apply_next_fix (self, run);
}

static GtkWidget *
fix_button_new (JsonArray  *fixes,
                gboolean    specific,
                const char *name,
                GhMcpPage  *self)
{
  g_autoptr(GString) tooltip = g_string_new (NULL);
  g_autofree char *label = NULL;
  GtkWidget *button;
  guint n = json_array_get_length (fixes);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *one = gh_explain_fix_label (json_array_get_object_element (fixes, i));

      g_string_append_printf (tooltip, "%s%s", i > 0 ? "\n" : "", one);
    }
  /* A requirement's button says what it does; a family's, that it fixes all it can (the
   * tooltip and the accessible description list the changes). */
  label = specific ? gh_explain_fix_label (json_array_get_object_element (fixes, 0))
                   : g_strdup (_("Fix"));
  /* No mnemonic: setting names have underscores, and there is a Fix button per family. */
  button = gtk_button_new_with_label (label);
  gtk_widget_set_name (button, name);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, tooltip->str);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  tooltip->str, -1);
  if (!specific)
    gtk_widget_add_css_class (button, "suggested-action");
  g_object_set_data_full (G_OBJECT (button), "fixes", json_array_ref (fixes),
                          (GDestroyNotify) json_array_unref);
  g_signal_connect_object (button, "clicked", G_CALLBACK (fix_clicked_cb), self, 0);
  return button;
}

/* ---- who can complete a flow ------------------------------------------------------ */

static GtkWidget *
result_badge (const char *result)
{
  if (g_strcmp0 (result, "pass") == 0 || g_strcmp0 (result, "ok") == 0)
    return verdict_badge ("emblem-ok-symbolic", _("Works"), "success");
  if (g_strcmp0 (result, "warn") == 0 || g_strcmp0 (result, "warning") == 0)
    return verdict_badge ("dialog-warning-symbolic", _("Warning"), "warning");
  if (g_strcmp0 (result, "fail") == 0 || g_strcmp0 (result, "blocked") == 0)
    return verdict_badge ("action-unavailable-symbolic", _("Blocked"), "error");
  return verdict_badge ("dialog-question-symbolic", _("Unknown"), "dim-label");
}

static GtkWidget *
requirement_row_new (GhMcpPage  *self,
                     const char *family,
                     JsonObject *requirement)
{
  const char *result = gh_json_string (requirement, "result");
  JsonArray *uris = gh_json_array (requirement, "uris");
  g_autoptr(GString) subtitle = g_string_new (gh_json_string (requirement, "message"));
  GtkWidget *row;

  /* Each redirect URI the client uses, with its own verdict. */
  for (guint i = 0; uris != NULL && i < json_array_get_length (uris); i++)
    {
      JsonObject *uri = json_array_get_object_element (uris, i);

      g_string_append_printf (subtitle, "\n%s %s — %s",
                              g_strcmp0 (gh_json_string (uri, "result"), "pass") == 0 ? "✓"
                                                                                     : "✗",
                              gh_json_string (uri, "uri"), gh_json_string (uri, "message"));
    }

  row = plain_row_new (gh_json_string (requirement, "title"), subtitle->str);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), result_badge (result));
  if (gh_json_string (requirement, "source") != NULL)
    gtk_widget_set_tooltip_text (row, gh_json_string (requirement, "source"));

  if (gh_json_object (requirement, "fix") != NULL &&
      (g_strcmp0 (result, "fail") == 0 || g_strcmp0 (result, "warn") == 0))
    {
      g_autoptr(JsonArray) one = json_array_new ();
      g_autofree char *name = g_strdup_printf ("compat-fix-%s-%s", family,
                                               gh_json_string (requirement, "id"));

      json_array_add_object_element (one, json_object_ref (gh_json_object (requirement, "fix")));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), fix_button_new (one, TRUE, name, self));
    }
  return row;
}

static void
show_compat (GhMcpPage    *self,
             const GError *error)
{
  JsonArray *clients = gh_json_array (self->compat, "clients");
  g_autoptr(GPtrArray) items = NULL;

  clear_list (self->compat_list, NULL);

  if (error != NULL)
    {
      GtkWidget *row = plain_row_new (_("Could Not Judge the Clients"), error->message);

      gtk_widget_set_name (row, "compat-error-row");
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), result_badge ("fail"));
      gtk_list_box_append (self->compat_list, row);
      return;
    }

  for (guint i = 0; clients != NULL && i < json_array_get_length (clients); i++)
    {
      JsonObject *client = json_array_get_object_element (clients, i);
      const char *family = gh_json_string (client, "family");
      JsonArray *requirements = gh_json_array (client, "requirements");
      JsonArray *fixes = gh_json_array (client, "fixes");
      g_autofree char *name = g_strconcat ("compat-", family, NULL);
      g_autofree char *fix_name = g_strconcat ("compat-fix-", family, NULL);
      AdwExpanderRow *row;

      if (family == NULL)
        continue;
      g_clear_pointer (&items, g_ptr_array_unref);
      items = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
      for (guint j = 0; requirements != NULL && j < json_array_get_length (requirements); j++)
        g_ptr_array_add (items, json_object_ref (json_array_get_object_element (requirements,
                                                                                j)));
      row = expander_row_new (self, name, requirement_row_new, family, items);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), gh_json_string (client, "name"));
      adw_expander_row_set_subtitle (row, gh_json_string (client, "summary"));
      adw_expander_row_add_prefix (row, result_badge (gh_json_string (client, "verdict")));
      if (fixes != NULL && json_array_get_length (fixes) > 0)
        adw_expander_row_add_action (row, fix_button_new (fixes, FALSE, fix_name, self));
      gtk_list_box_append (self->compat_list, GTK_WIDGET (row));
    }
}

/* ---- the discovery probe matrix --------------------------------------------------- */

typedef struct
{
  char       *path;
  const char *label;
  gboolean    served;
} ProbeForm;

static GtkWidget *
hit_row_new (GhMcpPage  *self,
             const char *family,
             JsonObject *hit)
{
  gint64 status = gh_json_int_or (hit, "status", 0);
  gint64 time_us = gh_json_int_or (hit, "time", 0);
  const char *user_agent = gh_json_string (hit, "user_agent");
  const char *origin = gh_json_string (hit, "origin");
  g_autofree char *when = relative_time (time_us);
  g_autoptr(GDateTime) local = g_date_time_new_from_unix_local (time_us / G_USEC_PER_SEC);
  g_autofree char *absolute = local ? g_date_time_format (local, "%Y-%m-%d %H:%M:%S") : NULL;
  g_autofree char *status_text = g_strdup_printf ("%" G_GINT64_FORMAT, status);
  g_autofree char *title = g_strdup_printf ("%s · %s", gh_json_string (hit, "method"), when);
  g_autoptr(GString) subtitle = g_string_new (user_agent ? user_agent : _("No User-Agent"));
  GtkWidget *row;

  if (origin != NULL)
    {
      g_autofree char *from = g_strdup_printf (_("Origin %s"), origin);

      g_string_append_printf (subtitle, " · %s", from);
    }
  g_string_append_printf (subtitle, " · %s", gh_json_string (hit, "source"));
  row = plain_row_new (title, subtitle->str);

  /* A refused probe is red, with an icon and the status for those who cannot tell. */
  gtk_widget_set_tooltip_text (row, absolute);
  if (status >= 400)
    {
      gtk_widget_add_css_class (row, "error");
      adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                                 verdict_badge ("dialog-error-symbolic", status_text, "error"));
    }
  else
    adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                               verdict_badge ("emblem-ok-symbolic", status_text, "success"));
  return row;
}

static void
add_probe_row (GhMcpPage       *self,
               const ProbeForm *form,
               guint            index,
               GPtrArray       *hits)
{
  g_autofree char *name = g_strdup_printf ("probe-%u", index);
  g_autoptr(GPtrArray) shown = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  AdwExpanderRow *row;
  g_autofree char *count = NULL;
  guint refused = 0;
  GtkWidget *count_label;

  for (guint i = 0; i < hits->len; i++)
    if (gh_json_int_or (g_ptr_array_index (hits, i), "status", 0) >= 400)
      refused++;

  for (guint i = 0; i < hits->len && i < N_HITS_SHOWN; i++)
    g_ptr_array_add (shown, json_object_ref (g_ptr_array_index (hits, i)));
  row = expander_row_new (self, name, hit_row_new, NULL, shown);

  if (hits->len == 0)
    count = g_strdup (_("No requests"));
  else if (refused > 0)
    count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u request, %u refused",
                                          "%u requests, %u refused", hits->len),
                             hits->len, refused);
  else
    count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u request", "%u requests",
                                          hits->len), hits->len);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), form->path);
  adw_expander_row_set_subtitle (row, form->label);
  adw_expander_row_add_prefix (row, form->served
                                    ? verdict_badge ("emblem-ok-symbolic", _("Served"),
                                                     "success")
                                    : verdict_badge ("action-unavailable-symbolic",
                                                     _("Not served"), "error"));
  count_label = gtk_label_new (count);
  gtk_widget_add_css_class (count_label, refused > 0 ? "error" : "dim-label");
  gtk_widget_add_css_class (count_label, "caption");
  adw_expander_row_add_action (row, count_label);
  adw_expander_row_set_enable_expansion (row, hits->len > 0);

  gtk_list_box_append (self->probe_list, GTK_WIDGET (row));
}

static const char *
unserved_label (const char *path)
{
  if (strstr (path, "/oauth-protected-resource") != NULL)
    return _("Protected resource metadata (RFC 9728): the MCP server publishes it, not the "
             "authorization server");
  return _("Not a document this server publishes");
}

static void
show_hits (GhMcpPage    *self,
           const GError *error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GPtrArray) forms = g_ptr_array_new ();
  g_autoptr(GHashTable) by_path = NULL;
  g_autoptr(GPtrArray) others = g_ptr_array_new_with_free_func (g_free);
  ProbeForm known[4];
  const char *ipath;
  guint n_known = 0;

  clear_list (self->probe_list, NULL);

  if (error != NULL)
    {
      GtkWidget *row = plain_row_new (_("Could Not Read the Discovery Requests"),
                                      error->message);

      gtk_widget_set_name (row, "probe-error-row");
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), result_badge ("fail"));
      gtk_list_box_append (self->probe_list, row);
      return;
    }
  if (self->issuer == NULL || (uri = g_uri_parse (self->issuer, G_URI_FLAGS_NONE, NULL)) == NULL)
    return;

  /* The forms the router serves (README, "Endpoints"): RFC 8414 inserts the issuer's path
   * after the well-known name; OIDC Discovery appends the name to the issuer. */
  ipath = g_uri_get_path (uri);
  known[n_known++] = (ProbeForm) {
    g_strconcat ("/.well-known/oauth-authorization-server", ipath, NULL),
    *ipath ? _("Authorization server metadata, RFC 8414 (path inserted)")
           : _("Authorization server metadata, RFC 8414"), TRUE };
  known[n_known++] = (ProbeForm) {
    g_strconcat (ipath, "/.well-known/openid-configuration", NULL),
    _("OpenID Connect Discovery"), TRUE };
  if (*ipath != '\0')
    {
      known[n_known++] = (ProbeForm) {
        g_strconcat (ipath, "/.well-known/oauth-authorization-server", NULL),
        _("Authorization server metadata, path appended (some clients try it)"), TRUE };
      known[n_known++] = (ProbeForm) {
        g_strconcat ("/.well-known/openid-configuration", ipath, NULL),
        _("OpenID configuration, path inserted as in RFC 8414"), TRUE };
    }

  by_path = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                   (GDestroyNotify) g_ptr_array_unref);
  for (guint i = 0; i < n_known; i++)
    g_hash_table_insert (by_path, known[i].path, g_ptr_array_new ());

  /* Newest first, as the server lists them; paths no form names get rows of their own. */
  for (guint i = 0; self->hits != NULL && i < json_array_get_length (self->hits); i++)
    {
      JsonObject *hit = json_array_get_object_element (self->hits, i);
      const char *path = gh_json_string (hit, "path");
      GPtrArray *list;

      if (path == NULL)
        continue;
      list = g_hash_table_lookup (by_path, path);
      if (list == NULL)
        {
          char *copy = g_strdup (path);

          g_ptr_array_add (others, copy);
          list = g_ptr_array_new ();
          g_hash_table_insert (by_path, copy, list);
        }
      g_ptr_array_add (list, hit);
    }

  for (guint i = 0; i < n_known; i++)
    add_probe_row (self, &known[i], i, g_hash_table_lookup (by_path, known[i].path));
  for (guint i = 0; i < others->len; i++)
    {
      const char *path = g_ptr_array_index (others, i);
      GPtrArray *list = g_hash_table_lookup (by_path, path);
      gboolean served = FALSE;
      ProbeForm form;

      for (guint j = 0; j < list->len; j++)
        if (gh_json_int_or (g_ptr_array_index (list, j), "status", 0) < 400)
          served = TRUE;
      form = (ProbeForm) { (char *) path, unserved_label (path), served };
      add_probe_row (self, &form, n_known + i, list);
    }

  for (guint i = 0; i < n_known; i++)
    g_free (known[i].path);
}

/* ---- loading ---------------------------------------------------------------------- */

static void
settings_cb (GhPage       *page,
             JsonObject   *answer,
             const GError *error,
             gpointer      user_data)
{
  GhMcpPage *self = GH_MCP_PAGE (page);
  gboolean in_round = GPOINTER_TO_INT (user_data);
  JsonObject *settings = gh_json_object (answer, "settings");

  if (error != NULL || settings == NULL)
    {
      if (in_round)
        {
          g_autofree char *markup = g_markup_escape_text (error ? error->message
                                                                : _("The answer had no settings"),
                                                          -1);

          adw_status_page_set_description (self->error_page, markup);
          gtk_stack_set_visible_child_name (self->stack, "error");
          self->round_failed = TRUE;
          load_done (self);
        }
      return;
    }

  g_clear_pointer (&self->settings, json_object_unref);
  self->settings = json_object_ref (settings);
  g_free (self->issuer);
  self->issuer = g_strdup (gh_json_string (answer, "issuer"));
  show_settings (self);
  show_hits (self, NULL);
  if (in_round)
    load_done (self);
}

static void
compat_cb (GhPage       *page,
           JsonObject   *answer,
           const GError *error,
           gpointer      user_data)
{
  GhMcpPage *self = GH_MCP_PAGE (page);

  if (error == NULL)
    {
      g_clear_pointer (&self->compat, json_object_unref);
      self->compat = json_object_ref (answer);
    }
  show_compat (self, error);
  if (GPOINTER_TO_INT (user_data))
    load_done (self);
}

static void
hits_cb (GhPage       *page,
         JsonObject   *answer,
         const GError *error,
         gpointer      user_data)
{
  GhMcpPage *self = GH_MCP_PAGE (page);

  if (error == NULL && gh_json_array (answer, "hits") != NULL)
    {
      g_clear_pointer (&self->hits, json_array_unref);
      self->hits = json_array_ref (gh_json_array (answer, "hits"));
    }
  show_hits (self, error);
  if (GPOINTER_TO_INT (user_data))
    load_done (self);
}

static void
load_settings (GhMcpPage *self)
{
  g_autofree char *path = gh_page_project_path (GH_PAGE (self), NULL);

  gh_page_load (GH_PAGE (self), "GET", path, NULL, settings_cb, GINT_TO_POINTER (FALSE));
  load_compat (self);
}

static void
load_compat (GhMcpPage *self)
{
  g_autofree char *path = gh_page_project_path (GH_PAGE (self), "/compat");

  gh_page_load (GH_PAGE (self), "GET", path, NULL, compat_cb, GINT_TO_POINTER (FALSE));
}

static void
load_hits (GhMcpPage *self)
{
  g_autofree char *path = gh_page_project_path (GH_PAGE (self), "/discovery/hits?limit=200");

  gh_page_load (GH_PAGE (self), "GET", path, NULL, hits_cb, GINT_TO_POINTER (FALSE));
}

static gboolean
refresh_cb (gpointer user_data)
{
  GhMcpPage *self = GH_MCP_PAGE (user_data);
  RefreshFlags flags = self->refresh_flags;

  self->refresh_source = 0;
  self->refresh_flags = 0;
  if (gh_page_get_admin_client (GH_PAGE (self)) == NULL || self->pending > 0)
    return G_SOURCE_REMOVE;
  /* Hidden: read once the page is shown again. A hidden page's rows rebuilt at each burst of
   * events are measured in the shown page's frames (the window's page stack is homogeneous) */
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      self->refresh_flags = flags;
      return G_SOURCE_REMOVE;
    }

  if (flags & REFRESH_SETTINGS)
    load_settings (self);
  if (flags & REFRESH_HITS)
    load_hits (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_refresh (GhMcpPage    *self,
                  RefreshFlags  flags)
{
  self->refresh_flags |= flags;
  if (self->refresh_source == 0)
    self->refresh_source = g_timeout_add (REFRESH_DELAY_MS, refresh_cb, self);
}

/* Shown again: what events asked for while it was hidden. */
static void
mapped_cb (GhMcpPage *self)
{
  if (self->refresh_flags != 0)
    schedule_refresh (self, 0);
}

static void
gh_mcp_page_event (GhPage           *page,
                   GhAuditEventItem *event)
{
  GhMcpPage *self = GH_MCP_PAGE (page);
  const char *type = gh_audit_event_item_get_event_type (event);

  /* Settings and resources change what compat says; any step of a client follows (or
   * follows from) its discovery requests. */
  if (g_str_has_prefix (type, "project.") || g_str_has_prefix (type, "resource."))
    schedule_refresh (self, REFRESH_SETTINGS | REFRESH_HITS);
  else
    schedule_refresh (self, REFRESH_HITS);
}

static gboolean
poll_cb (gpointer user_data)
{
  GhMcpPage *self = GH_MCP_PAGE (user_data);

  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    schedule_refresh (self, REFRESH_HITS);
  return G_SOURCE_CONTINUE;
}

static void
gh_mcp_page_reload (GhPage *page)
{
  GhMcpPage *self = GH_MCP_PAGE (page);
  g_autofree char *project_path = gh_page_project_path (page, NULL);
  g_autofree char *compat_path = gh_page_project_path (page, "/compat");
  g_autofree char *hits_path = gh_page_project_path (page, "/discovery/hits?limit=200");

  g_clear_handle_id (&self->refresh_source, g_source_remove);
  self->refresh_flags = 0;

  /* Another project: its settings are not these, nor is the cascade. */
  if (g_strcmp0 (self->loaded_project, gh_page_get_project (page)) != 0)
    {
      g_clear_pointer (&self->loaded_project, g_free);
      g_ptr_array_set_size (self->cascade, 0);
      show_cascade (self);
      gtk_stack_set_visible_child_name (self->stack, "loading");
    }

  gh_page_set_busy (page, TRUE);
  self->pending = 3;
  self->round_failed = FALSE;
  gh_page_load (page, "GET", project_path, NULL, settings_cb, GINT_TO_POINTER (TRUE));
  gh_page_load (page, "GET", compat_path, NULL, compat_cb, GINT_TO_POINTER (TRUE));
  gh_page_load (page, "GET", hits_path, NULL, hits_cb, GINT_TO_POINTER (TRUE));
}

static void
refresh_clicked_cb (GhMcpPage *self)
{
  gh_page_reload (GH_PAGE (self));
}

static void
reload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  gh_page_reload (GH_PAGE (widget));
}

/* ---- the token rows --------------------------------------------------------------- */

static void
add_spin_row (GhMcpPage  *self,
              guint       index,
              const char *key,
              const char *title,
              const char *subtitle,
              double      min,
              double      max,
              double      step)
{
  SpinSetting *spin = &self->spins[index];
  GtkWidget *row = plain_row_new (title, subtitle);
  GtkWidget *button = gtk_spin_button_new_with_range (min, max, step);
  GtkWidget *apply = gtk_button_new_from_icon_name ("object-select-symbolic");
  g_autofree char *spin_name = g_strconcat ("spin-", key, NULL);
  g_autofree char *apply_name = g_strconcat ("apply-", key, NULL);
  g_autofree char *apply_label = g_strdup_printf (_("Apply %s"), title);

  spin->key = key;
  spin->spin = GTK_SPIN_BUTTON (button);
  spin->apply = GTK_BUTTON (apply);

  gtk_widget_set_name (row, key);
  gtk_widget_set_name (button, spin_name);
  gtk_widget_set_name (apply, apply_name);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (apply, GTK_ALIGN_CENTER);
  gtk_spin_button_set_numeric (spin->spin, TRUE);
  gtk_widget_add_css_class (button, "numeric");
  gtk_accessible_update_relation (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                  row, NULL, -1);
  gtk_widget_set_tooltip_text (apply, _("Apply"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (apply), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  apply_label, -1);
  gtk_widget_set_sensitive (apply, FALSE);
  g_signal_connect_object (button, "value-changed", G_CALLBACK (spin_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (apply, "clicked", G_CALLBACK (spin_apply_clicked_cb), self, 0);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), apply);
  adw_preferences_group_add (self->lifetimes_group, row);
}

/* The mode's name whole: the default factory ellipsizes it beside a long sentence. */
static void
mode_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_list_item_set_child (item, label);
}

static void
mode_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item)
{
  GtkStringObject *mode = gtk_list_item_get_item (item);

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)),
                      gtk_string_object_get_string (mode));
}

/* ---- the class -------------------------------------------------------------------- */

static void
gh_mcp_page_dispose (GObject *object)
{
  GhMcpPage *self = (GhMcpPage *)object;

  g_clear_handle_id (&self->refresh_source, g_source_remove);
  g_clear_handle_id (&self->poll_source, g_source_remove);

  G_OBJECT_CLASS (gh_mcp_page_parent_class)->dispose (object);
}

static void
gh_mcp_page_finalize (GObject *object)
{
  GhMcpPage *self = (GhMcpPage *)object;

  g_clear_pointer (&self->settings, json_object_unref);
  g_clear_pointer (&self->compat, json_object_unref);
  g_clear_pointer (&self->hits, json_array_unref);
  g_clear_pointer (&self->cascade, g_ptr_array_unref);
  g_clear_pointer (&self->expanded, g_hash_table_unref);
  g_free (self->issuer);
  g_free (self->loaded_project);

  G_OBJECT_CLASS (gh_mcp_page_parent_class)->finalize (object);
}

static void
gh_mcp_page_class_init (GhMcpPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GhPageClass *page_class = GH_PAGE_CLASS (klass);

  object_class->dispose = gh_mcp_page_dispose;
  object_class->finalize = gh_mcp_page_finalize;
  page_class->reload = gh_mcp_page_reload;
  page_class->event = gh_mcp_page_event;

  gh_page_class_set_info (GH_PAGE_CLASS (klass), "mcp", N_("MCP"), "network-wired-symbolic");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/gatehouse/Gatehouse/pages/gh-mcp-page.ui");
  gtk_widget_class_bind_template_child (widget_class, GhMcpPage, cascade_group);
  gtk_widget_class_bind_template_child (widget_class, GhMcpPage, cascade_list);
  gtk_widget_class_bind_template_child (widget_class, GhMcpPage, cascade_row);
  gtk_widget_class_bind_template_child (widget_class, GhMcpPage, cimd_row);
  gtk_widget_class_bind_template_child (widget_class, GhMcpPage, cimd_switch);
  gtk_widget_class_bind_template_child (widget_class, GhMcpPage, compat_list);
  gtk_widget_class_bind_template_child (widget_class, GhMcpPage, curl_row);
  gtk_widget_class_bind_template_child (widget_class, GhMcpPage, dcr_row);
  gtk_widget_class_bind_template_child (widget_class, GhMcpPage, error_page);
  gtk_widget_class_bind_template_child (widget_class, GhMcpPage, lifetimes_error_row);
  gtk_widget_class_bind_template_child (widget_class, GhMcpPage, lifetimes_group);
  gtk_widget_class_bind_template_child (widget_class, GhMcpPage, mcp_error_row);
  gtk_widget_class_bind_template_child (widget_class, GhMcpPage, mcp_switch);
  gtk_widget_class_bind_template_child (widget_class, GhMcpPage, policy_list);
  gtk_widget_class_bind_template_child (widget_class, GhMcpPage, probe_list);
  gtk_widget_class_bind_template_child (widget_class, GhMcpPage, scheme_entry);
  gtk_widget_class_bind_template_child (widget_class, GhMcpPage, scheme_hint);
  gtk_widget_class_bind_template_child (widget_class, GhMcpPage, stack);

  gtk_widget_class_install_action (widget_class, "mcp.reload", NULL, reload_action);
  gtk_widget_class_install_action (widget_class, "mcp.dismiss-cascade", NULL,
                                   dismiss_cascade_action);
}

static void
gh_mcp_page_init (GhMcpPage *self)
{
  g_autoptr(GtkListItemFactory) factory = NULL;
  GtkWidget *refresh;

  g_type_ensure (GH_TYPE_PROPERTY_ROW);
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cascade = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  self->expanded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  add_spin_row (self, SPIN_ACCESS, "access_token_ttl", _("Access Token Lifetime"),
                _("60 to 86400 seconds"), 60, 86400, 60);
  add_spin_row (self, SPIN_REFRESH, "refresh_token_ttl", _("Refresh Token Lifetime"),
                _("300 to 31536000 seconds"), 300, 31536000, 3600);
  add_spin_row (self, SPIN_CODE, "code_ttl", _("Authorization Code Lifetime"),
                _("5 to 60 seconds"), 5, 60, 5);
  add_spin_row (self, SPIN_GRACE, "refresh_grace_seconds", _("Refresh Grace Window"),
                _("0 to 300 seconds in which a rotated refresh token works once more, for "
                  "clients that refresh twice at once"), 0, 300, 1);

  g_signal_connect (self, "map", G_CALLBACK (mapped_cb), NULL);
  g_signal_connect_object (self->mcp_switch, "state-set", G_CALLBACK (switch_state_set_cb),
                           self, 0);
  g_signal_connect_object (self->cimd_switch, "state-set", G_CALLBACK (switch_state_set_cb),
                           self, 0);
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (mode_setup_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (mode_bind_cb), NULL);
  adw_combo_row_set_factory (self->dcr_row, factory);
  g_signal_connect_object (self->dcr_row, "notify::selected", G_CALLBACK (dcr_selected_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->scheme_entry, "changed", G_CALLBACK (scheme_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->scheme_entry, "apply", G_CALLBACK (scheme_apply_cb), self,
                           G_CONNECT_SWAPPED);

  refresh = gtk_button_new_from_icon_name ("view-refresh-symbolic");
  gtk_widget_set_name (refresh, "mcp-refresh-button");
  gtk_widget_set_tooltip_text (refresh, _("Read Again"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (refresh), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Read the settings, clients and discovery requests again"),
                                  -1);
  g_signal_connect_object (refresh, "clicked", G_CALLBACK (refresh_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  gh_page_add_header_widget (GH_PAGE (self), refresh, GTK_PACK_END);

  self->poll_source = g_timeout_add_seconds (HITS_POLL_S, poll_cb, self);
}
