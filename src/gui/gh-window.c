/* gh-window.c — the console's window: sidebar of pages, connection chip, project switcher
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <glib/gi18n.h>

#include "gh-audit-page.h"
#include "gh-cimd-page.h"
#include "gh-clients-page.h"
#include "gh-flows-page.h"
#include "gh-connect-window.h"
#include "gh-credentials.h"
#include "gh-iats-page.h"
#include "gh-keys-page.h"
#include "gh-mcp-page.h"
#include "gh-overview-page.h"
#include "gh-token-checker-page.h"
#include "gh-users-page.h"
#include "gh-window.h"

struct _GhWindow
{
  AdwApplicationWindow  parent_instance;

  GSettings            *settings;
  GhConnection         *connection;
  GhConnection         *embedded;       /* the embedded server's, when the window had it */
  GhEmbeddedServer     *port_server;    /* whose port notice we follow */
  GCancellable         *projects_cancellable;
  GtkStringList        *project_names;  /* what the switcher shows ... */
  GPtrArray            *project_slugs;  /* ... and the slugs, in the same order */
  char                 *project;
  gboolean              updating_projects;
  gboolean              projects_listed;  /* for this connection, or why not shown */
  gboolean              keep_size;      /* a size given on the command line: not saved */
  gboolean              pages_scheduled; /* the pages not shown yet are being built */
  guint                 build_tick;     /* builds them one a frame */

  /* Template widgets */
  GtkStack             *header_end_stack;
  GtkStack             *header_start_stack;
  GtkImage             *connection_icon;
  GtkMenuButton        *connection_button;
  GtkLabel             *connection_label;
  GtkStack             *content_stack;
  AdwWindowTitle       *content_title;
  GtkBox               *content_pane;
  AdwLeaflet           *leaflet;
  GtkStack             *pages;
  GtkDropDown          *project_dropdown;
  GtkButton            *offline_button;
  AdwStatusPage        *offline_page;
  GtkSpinner           *offline_spinner;
  GMenu                *recent_connections_menu;
  GtkButton            *retry_button;
  GtkListBox           *sidebar;
  AdwToastOverlay      *toast_overlay;
};

G_DEFINE_FINAL_TYPE (GhWindow, gh_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_BUSY,
  PROP_CONNECTION,
  PROP_PROJECT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  FIRST_FRAME,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The window's pages, in the order the sidebar lists them (Alt+1… follows it); each is
 * bound to the window's connection and project. */
static GType
(*const page_types[]) (void) = {
  gh_overview_page_get_type,
  gh_flows_page_get_type,
  gh_mcp_page_get_type,
  gh_cimd_page_get_type,
  gh_iats_page_get_type,
  gh_clients_page_get_type,
  gh_users_page_get_type,
  gh_keys_page_get_type,
  gh_audit_page_get_type,
  gh_token_checker_page_get_type,
};

/* Page i's class, from which the sidebar lists it before it is built. */
static GhPageClass *
page_class (guint i)
{
  static GhPageClass *classes[G_N_ELEMENTS (page_types)];

  if (classes[i] == NULL)
    {
      classes[i] = g_type_class_ref (page_types[i] ());
      /* Every page names itself in class_init (gh_page_class_set_info). */
      g_assert (gh_page_class_get_name (classes[i]) != NULL);
    }

  return classes[i];
}

static int
page_index (const char *name)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (page_types); i++)
    if (g_strcmp0 (gh_page_class_get_name (page_class (i)), name) == 0)
      return i;

  return -1;
}

static void
port_notice_changed_cb (GhWindow *self)
{
  g_autofree char *title = NULL;

  if (self->port_server == NULL || gh_embedded_server_get_port_notice (self->port_server) == NULL)
    return;

  title = g_strdup_printf (_("The server now uses port %u"),
                           gh_embedded_server_get_port (self->port_server));
  gh_window_show_toast (self, title);
}

static void
page_busy_changed_cb (GhWindow *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

/* ---- the connection chip ----------------------------------------------------------- */

/* "127.0.0.1:8444" or "auth.example.com" from a base URL. */
static char *
host_of (const char *base_url)
{
  g_autoptr(GUri) uri = NULL;

  if (base_url == NULL || (uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, NULL)) == NULL)
    return g_strdup (base_url != NULL ? base_url : "");

  if (g_uri_get_port (uri) > 0)
    return g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri));

  return g_strdup (g_uri_get_host (uri));
}

static void
update_connection_chip (GhWindow *self)
{
  GhConnectionState state = gh_connection_get_state (self->connection);
  gboolean embedded = gh_connection_get_kind (self->connection) == GH_CONNECTION_KIND_EMBEDDED;
  g_autofree char *host = host_of (gh_connection_get_base_url (self->connection));
  g_autofree char *label = NULL;
  g_autofree char *tooltip = NULL;
  const char *icon = embedded ? "computer-symbolic" : "network-server-symbolic";

  switch (state)
    {
    case GH_CONNECTION_STATE_READY:
      /* "Embedded · 127.0.0.1:8444", "Remote · auth.example.com" */
      label = g_strdup_printf (embedded ? _("Embedded · %s") : _("Remote · %s"), host);
      tooltip = g_strdup_printf (_("Connected to %s"),
                                 gh_connection_get_base_url (self->connection));
      break;

    case GH_CONNECTION_STATE_STARTING:
      label = g_strdup (embedded ? _("Embedded · starting…") : _("Remote · connecting…"));
      break;

    case GH_CONNECTION_STATE_FAILED:
      label = g_strdup (embedded ? _("Embedded · not running") : _("Remote · unreachable"));
      tooltip = g_strdup (gh_connection_get_error_message (self->connection));
      icon = "dialog-error-symbolic";
      break;

    case GH_CONNECTION_STATE_STOPPING:
    case GH_CONNECTION_STATE_STOPPED:
    default:
      label = g_strdup (embedded ? _("Embedded · stopped") : _("Remote · disconnected"));
      break;
    }

  gtk_label_set_label (self->connection_label, label);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->connection_button),
                               tooltip != NULL ? tooltip : label);
  gtk_image_set_from_icon_name (self->connection_icon, icon);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->connection_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);

  if (state == GH_CONNECTION_STATE_FAILED)
    gtk_widget_add_css_class (GTK_WIDGET (self->connection_button), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->connection_button), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->retry_button), state == GH_CONNECTION_STATE_FAILED);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.connect-embedded",
                                 self->embedded != NULL && self->connection != self->embedded);
}

/* TRUE when the visible page cannot show anything yet: no server to read from, and the page
 * is not the overview, which shows the connection's state itself. */
static gboolean
offline_shown (GhWindow *self)
{
  GhPage *page = gh_window_get_visible_page (self);

  return self->connection != NULL &&
         gh_connection_get_state (self->connection) != GH_CONNECTION_STATE_READY &&
         page != NULL && g_strcmp0 (gtk_widget_get_name (GTK_WIDGET (page)), "overview") != 0;
}

static void
update_offline (GhWindow *self)
{
  gboolean embedded;
  const char *title = NULL;
  const char *description = NULL;
  const char *button = NULL;
  gboolean waiting = FALSE;

  if (!offline_shown (self))
    {
      gtk_stack_set_visible_child_name (self->content_stack, "pages");
      return;
    }

  embedded = gh_connection_get_kind (self->connection) == GH_CONNECTION_KIND_EMBEDDED;
  switch (gh_connection_get_state (self->connection))
    {
    case GH_CONNECTION_STATE_STARTING:
      title = embedded ? _("Starting the Server…") : _("Connecting to the Server…");
      waiting = TRUE;
      break;

    case GH_CONNECTION_STATE_STOPPING:
      title = _("Stopping the Server…");
      waiting = TRUE;
      break;

    case GH_CONNECTION_STATE_FAILED:
      title = embedded ? _("The Server Could Not Start") : _("The Server Cannot Be Reached");
      description = gh_connection_get_error_message (self->connection);
      button = _("_Try Again");
      break;

    case GH_CONNECTION_STATE_STOPPED:
    case GH_CONNECTION_STATE_READY:
    default:
      title = _("The Server Is Not Running");
      description = embedded ? _("Start it to see and change what it holds.") : NULL;
      button = embedded ? _("_Start Server") : _("_Try Again");
      break;
    }

  adw_status_page_set_title (self->offline_page, title);
  adw_status_page_set_description (self->offline_page, description);
  adw_status_page_set_icon_name (self->offline_page,
                                 waiting ? NULL : "network-offline-symbolic");
  gtk_widget_set_visible (GTK_WIDGET (self->offline_spinner), waiting);
  gtk_spinner_set_spinning (self->offline_spinner, waiting);
  gtk_widget_set_visible (GTK_WIDGET (self->offline_button), button != NULL);
  if (button != NULL)
    gtk_button_set_label (self->offline_button, button);
  gtk_stack_set_visible_child_name (self->content_stack, "offline");
}

/* ---- projects ---------------------------------------------------------------------- */

static void
select_project_in_dropdown (GhWindow *self)
{
  for (guint i = 0; i < self->project_slugs->len; i++)
    if (g_str_equal (g_ptr_array_index (self->project_slugs, i), self->project))
      {
        self->updating_projects = TRUE;
        gtk_drop_down_set_selected (self->project_dropdown, i);
        self->updating_projects = FALSE;
        return;
      }
}

static void
projects_listed_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GhWindow) self = user_data;
  g_autoptr(GPtrArray) projects = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  const char *wanted;
  gboolean found = FALSE;

  projects = gh_admin_client_list_projects_finish (GH_ADMIN_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->projects_listed = TRUE;
  page_busy_changed_cb (self);
  if (projects == NULL)
    {
      g_autofree char *title = g_strdup_printf (_("Could not list the projects: %s"),
                                                error->message);

      gh_window_show_toast (self, title);
      return;
    }

  g_ptr_array_set_size (self->project_slugs, 0);
  for (guint i = 0; i < projects->len; i++)
    {
      GhAdminProject *project = g_ptr_array_index (projects, i);

      g_ptr_array_add (self->project_slugs, g_strdup (project->slug));
      g_ptr_array_add (names, project->display_name != NULL && *project->display_name != '\0'
                              ? project->display_name : project->slug);
      found |= g_str_equal (project->slug, self->project);
    }
  g_ptr_array_add (names, NULL);

  self->updating_projects = TRUE;
  gtk_string_list_splice (self->project_names, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->project_names)),
                          (const char * const *)names->pdata);
  self->updating_projects = FALSE;
  gtk_widget_set_visible (GTK_WIDGET (self->project_dropdown), projects->len > 0);

  /* The remembered project is gone on this server: its default one. */
  wanted = found ? self->project : "default";
  gh_window_set_project (self, wanted);
  select_project_in_dropdown (self);
}

static void
reload_projects (GhWindow *self)
{
  GhAdminClient *client = gh_connection_get_admin_client (self->connection);

  g_cancellable_cancel (self->projects_cancellable);
  g_clear_object (&self->projects_cancellable);
  self->projects_listed = FALSE;

  if (client == NULL)
    return;

  self->projects_cancellable = g_cancellable_new ();
  gh_admin_client_list_projects_async (client, self->projects_cancellable,
                                       projects_listed_cb, g_object_ref (self));
}

static void
project_selected_cb (GhWindow *self)
{
  guint selected = gtk_drop_down_get_selected (self->project_dropdown);

  if (self->updating_projects || selected >= self->project_slugs->len)
    return;

  gh_window_set_project (self, g_ptr_array_index (self->project_slugs, selected));
}

static void
connection_state_cb (GhWindow *self)
{
  GhAdminClient *client = gh_connection_get_admin_client (self->connection);

  update_connection_chip (self);
  update_offline (self);
  if (gh_connection_get_state (self->connection) != GH_CONNECTION_STATE_READY)
    {
      page_busy_changed_cb (self);
      return;
    }

  reload_projects (self);
  page_busy_changed_cb (self);
  /* One live stream per server, every project's events: pages listen to the admin client's
   * ::event and keep their project's. */
  if (client != NULL && gh_admin_client_get_stream_state (client) == GH_ADMIN_STREAM_STOPPED)
    gh_admin_client_start_events (client, NULL, NULL, -1);
}

/* ---- pages and the sidebar --------------------------------------------------------- */

static void
page_badge_changed_cb (GhPage    *page,
                       GParamSpec *pspec,
                       GtkLabel  *badge)
{
  guint count = gh_page_get_badge (page);
  g_autofree char *text = g_strdup_printf ("%u", count);

  gtk_label_set_label (badge, text);
  gtk_widget_set_visible (GTK_WIDGET (badge), count > 0);
  if (gh_page_get_badge_alert (page))
    gtk_widget_add_css_class (GTK_WIDGET (badge), "alert");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (badge), "alert");
}

/* The row of page i, listed from its class: the page itself may not be built yet. */
static GtkWidget *
sidebar_row_new (guint i)
{
  GhPageClass *klass = page_class (i);
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *icon = gtk_image_new_from_icon_name (gh_page_class_get_icon_name (klass));
  GtkWidget *label = gtk_label_new (gh_page_class_get_title (klass));
  GtkWidget *badge = gtk_label_new (NULL);
  g_autofree char *name = g_strconcat ("sidebar-", gh_page_class_get_name (klass), NULL);

  gtk_widget_set_name (row, name);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_set_name (badge, "badge");
  gtk_widget_add_css_class (badge, "badge");
  gtk_widget_add_css_class (badge, "numeric");
  gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
  gtk_widget_set_visible (badge, FALSE);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), badge);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  gh_page_class_get_title (klass), -1);
  g_object_set_data (G_OBJECT (row), "gh-page-name", (gpointer)gh_page_class_get_name (klass));
  g_object_set_data (G_OBJECT (row), "gh-badge", badge);

  return row;
}

static GtkListBoxRow *
sidebar_row_of (GhWindow   *self,
                const char *name)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->sidebar));
       row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (GTK_IS_LIST_BOX_ROW (row) &&
        g_strcmp0 (g_object_get_data (G_OBJECT (row), "gh-page-name"), name) == 0)
      return GTK_LIST_BOX_ROW (row);

  return NULL;
}

/* Page i, built now if it was not yet: bound to the window's connection and project, its
 * header widgets in the header stacks, its badge in its sidebar row. */
static GhPage *
ensure_page (GhWindow *self,
             guint     i)
{
  const char *name = gh_page_class_get_name (page_class (i));
  GtkWidget *child = gtk_stack_get_child_by_name (self->pages, name);
  GtkListBoxRow *row;
  GtkStackPage *stack_page;
  GhPage *page;

  if (child != NULL)
    return GH_PAGE (child);

  page = g_object_new (page_types[i] (),
                       "connection", self->connection,
                       "project", self->project,
                       NULL);
  stack_page = gtk_stack_add_titled (self->pages, GTK_WIDGET (page), name,
                                     gh_page_get_title (page));
  gtk_stack_page_set_icon_name (stack_page, gh_page_get_icon_name (page));
  gtk_stack_add_named (self->header_start_stack,
                       gh_page_get_header_box (page, GTK_PACK_START), name);
  gtk_stack_add_named (self->header_end_stack,
                       gh_page_get_header_box (page, GTK_PACK_END), name);

  row = sidebar_row_of (self, name);
  if (row != NULL)
    {
      GtkLabel *badge = g_object_get_data (G_OBJECT (row), "gh-badge");

      g_signal_connect_object (page, "notify::badge", G_CALLBACK (page_badge_changed_cb),
                               badge, 0);
      page_badge_changed_cb (page, NULL, badge);
    }
  g_signal_connect_object (page, "notify::busy",
                           G_CALLBACK (page_busy_changed_cb), self, G_CONNECT_SWAPPED);

  return page;
}

/* After the first frame, the pages not shown yet, one a frame (a tick callback: an idle
 * source would never run while frames take longer than their interval): their loads (and
 * sidebar badges) start as soon as they are built. */
static gboolean
build_next_page_cb (GtkWidget     *widget,
                    GdkFrameClock *clock,
                    gpointer       user_data)
{
  GhWindow *self = GH_WINDOW (widget);

  for (guint i = 0; i < G_N_ELEMENTS (page_types); i++)
    if (gtk_stack_get_child_by_name (self->pages, gh_page_class_get_name (page_class (i))) ==
        NULL)
      {
        ensure_page (self, i);
        return G_SOURCE_CONTINUE;
      }

  self->build_tick = 0;
  /* Every page is there: gh_window_get_all_settled() may be TRUE now */
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);

  return G_SOURCE_REMOVE;
}

/* The shortcuts window (win.show-help-overlay): 5 to 10 ms of building, after the first frame. */
static void
set_up_help_overlay (GhWindow *self)
{
  g_autoptr(GtkBuilder) builder = NULL;
  GObject *overlay;

  if (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (self)) != NULL)
    return;

  builder = gtk_builder_new_from_resource ("/dev/gatehouse/Gatehouse/gh-shortcuts-window.ui");
  overlay = gtk_builder_get_object (builder, "help_overlay");
  gtk_application_window_set_help_overlay (GTK_APPLICATION_WINDOW (self),
                                           GTK_SHORTCUTS_WINDOW (overlay));
}

static void
first_paint_cb (GdkFrameClock *clock,
                GhWindow      *self)
{
  g_signal_handlers_disconnect_by_func (clock, first_paint_cb, self);
  g_signal_emit (self, signals[FIRST_FRAME], 0);
  set_up_help_overlay (self);
  if (self->build_tick == 0)
    self->build_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), build_next_page_cb,
                                                     NULL, NULL);
}

static void
window_realized_cb (GhWindow *self)
{
  if (self->pages_scheduled)
    return;

  self->pages_scheduled = TRUE;
  g_signal_connect_object (gtk_widget_get_frame_clock (GTK_WIDGET (self)), "after-paint",
                           G_CALLBACK (first_paint_cb), self, G_CONNECT_AFTER);
}

static void
visible_page_changed_cb (GhWindow *self)
{
  GhPage *page = gh_window_get_visible_page (self);
  const char *name;

  if (page == NULL)
    return;

  name = gtk_widget_get_name (GTK_WIDGET (page));
  gtk_stack_set_visible_child_name (self->header_start_stack, name);
  gtk_stack_set_visible_child_name (self->header_end_stack, name);
  adw_window_title_set_title (self->content_title, gh_page_get_title (page));
  update_offline (self);

  gtk_list_box_select_row (self->sidebar, sidebar_row_of (self, name));

  page_busy_changed_cb (self);
}

static void
sidebar_row_activated_cb (GhWindow      *self,
                          GtkListBoxRow *row)
{
  gh_window_show_page (self, g_object_get_data (G_OBJECT (row), "gh-page-name"));
}

/* ---- actions ----------------------------------------------------------------------- */

static void
show_toast_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  gh_window_show_toast (GH_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
show_page_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  gh_window_show_page (GH_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  GhWindow *self = GH_WINDOW (widget);
  const char *name;
  const char *target;
  GhPage *page;

  g_variant_get (parameter, "(&s&s)", &name, &target);
  if (!gh_window_show_page (self, name))
    return;

  page = gh_window_get_page (self, name);
  if (*target != '\0' && GH_PAGE_GET_CLASS (page)->open_target != NULL)
    GH_PAGE_GET_CLASS (page)->open_target (page, target);
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  GhPage *page = gh_window_get_visible_page (GH_WINDOW (widget));

  if (page != NULL && GH_PAGE_GET_CLASS (page)->start_search != NULL)
    GH_PAGE_GET_CLASS (page)->start_search (page);
}

static void
go_back_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  adw_leaflet_navigate (GH_WINDOW (widget)->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

/* ---- connecting: Retry, a remote server, recent servers ---------------------------- */

static void
retry_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  GhWindow *self = GH_WINDOW (widget);

  /* The embedded server starts again; a remote one is asked again */
  gh_connection_retry (self->connection);
}

static void
connect_window_connected_cb (GhWindow     *self,
                             GhConnection *connection)
{
  gh_window_set_connection (self, connection);
}

static void
present_connect_window (GhWindow   *self,
                        const char *url)
{
  GhConnectWindow *window = gh_connect_window_new (GTK_WINDOW (self));

  g_signal_connect_object (window, "connected", G_CALLBACK (connect_window_connected_cb), self,
                           G_CONNECT_SWAPPED);
  gh_connect_window_set_url (window, url);
  gtk_window_present (GTK_WINDOW (window));
}

static void
connect_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  present_connect_window (GH_WINDOW (widget), NULL);
}

typedef struct
{
  GhWindow *self;
  char     *url;
} RecentLookup;

static void
recent_lookup_free (RecentLookup *lookup)
{
  g_object_unref (lookup->self);
  g_free (lookup->url);
  g_free (lookup);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RecentLookup, recent_lookup_free)

static void
recent_token_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(RecentLookup) lookup = user_data;
  GhWindow *self = lookup->self;
  const char *url = lookup->url;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = gh_credentials_lookup_finish (result, &error);
  g_autoptr(GhConnection) connection = NULL;

  if (token == NULL)
    {
      /* Not remembered (or the keyring would not say): ask for it */
      if (error != NULL)
        g_debug ("No stored token for %s: %s", url, error->message);
      present_connect_window (self, url);
      return;
    }
  connection = gh_connection_new_remote (url, token);
  gh_credentials_add_recent (url);
  gh_window_set_connection (self, connection);
}

/* A recent server, with the token the keyring keeps for it. */
static void
connect_recent_action (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  RecentLookup *lookup = g_new0 (RecentLookup, 1);

  lookup->self = g_object_ref (GH_WINDOW (widget));
  lookup->url = g_variant_dup_string (parameter, NULL);
  gh_credentials_lookup_async (lookup->url, NULL, recent_token_cb, lookup);
}

static void
recent_connections_changed_cb (GhWindow *self)
{
  g_auto(GStrv) recent = g_settings_get_strv (self->settings, "recent-connections");

  g_menu_remove_all (self->recent_connections_menu);
  for (guint i = 0; recent[i] != NULL; i++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (recent[i], NULL);

      g_menu_item_set_action_and_target (item, "win.connect-recent", "s", recent[i]);
      g_menu_append_item (self->recent_connections_menu, item);
    }
}

static void
connect_embedded_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  GhWindow *self = GH_WINDOW (widget);

  if (self->embedded != NULL)
    gh_window_set_connection (self, self->embedded);
}

/* ---- the window -------------------------------------------------------------------- */

static gboolean
gh_window_close_request (GtkWindow *window)
{
  GhWindow *self = GH_WINDOW (window);
  int width;
  int height;

  if (self->keep_size)
    return GTK_WINDOW_CLASS (gh_window_parent_class)->close_request (window);

  /* The default size follows the user's resizes but not maximizing. */
  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));

  return GTK_WINDOW_CLASS (gh_window_parent_class)->close_request (window);
}

static void
gh_window_constructed (GObject *object)
{
  GhWindow *self = (GhWindow *)object;
  GtkApplication *application;
  GhConnection *connection;

  G_OBJECT_CLASS (gh_window_parent_class)->constructed (object);

  g_assert (GH_IS_CONNECTION (self->connection));

  /* Every page in the sidebar; only the first one built before the first frame. */
  for (guint i = 0; i < G_N_ELEMENTS (page_types); i++)
    gtk_list_box_append (self->sidebar, sidebar_row_new (i));
  ensure_page (self, 0);
  g_signal_connect_object (self->pages, "notify::visible-child",
                           G_CALLBACK (visible_page_changed_cb), self, G_CONNECT_SWAPPED);
  visible_page_changed_cb (self);
  g_signal_connect (self, "realize", G_CALLBACK (window_realized_cb), NULL);

  /* Alt+1… for the first nine pages, in the sidebar's order. */
  application = gtk_window_get_application (GTK_WINDOW (self));
  for (guint i = 0; application != NULL && i < MIN (9, G_N_ELEMENTS (page_types)); i++)
    {
      g_autofree char *action = g_strdup_printf ("win.show-page('%s')",
                                                 gh_page_class_get_name (page_class (i)));
      g_autofree char *accel = g_strdup_printf ("<Alt>%u", i + 1);
      const char *accels[] = { accel, NULL };

      gtk_application_set_accels_for_action (application, action, accels);
    }

  /* Pages follow the connection set from here on; bind the first one. */
  connection = g_steal_pointer (&self->connection);
  gh_window_set_connection (self, connection);
  g_object_unref (connection);
}

static void
gh_window_dispose (GObject *object)
{
  GhWindow *self = (GhWindow *)object;

  if (self->build_tick != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->build_tick);
  self->build_tick = 0;
  g_cancellable_cancel (self->projects_cancellable);
  g_clear_object (&self->projects_cancellable);
  if (self->connection != NULL && gh_connection_get_admin_client (self->connection) != NULL)
    gh_admin_client_stop_events (gh_connection_get_admin_client (self->connection));
  /* A page's load in flight holds the page until its callback runs, which may be never once
   * the application has quit: unbound now, the page cancels its loads and lets the connection
   * (and an embedded server) go. */
  if (self->pages != NULL)
    for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->pages)); child != NULL;
         child = gtk_widget_get_next_sibling (child))
      gh_page_set_connection (GH_PAGE (child), NULL);

  gtk_widget_dispose_template (GTK_WIDGET (self), GH_TYPE_WINDOW);

  g_clear_object (&self->connection);
  g_clear_object (&self->embedded);
  g_clear_object (&self->port_server);
  g_clear_object (&self->project_names);
  g_clear_pointer (&self->project_slugs, g_ptr_array_unref);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (gh_window_parent_class)->dispose (object);
}

static void
gh_window_finalize (GObject *object)
{
  GhWindow *self = (GhWindow *)object;

  g_clear_pointer (&self->project, g_free);

  G_OBJECT_CLASS (gh_window_parent_class)->finalize (object);
}

static void
gh_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  GhWindow *self = GH_WINDOW (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, gh_window_get_busy (self));
      break;

    case PROP_CONNECTION:
      g_value_set_object (value, self->connection);
      break;

    case PROP_PROJECT:
      g_value_set_string (value, self->project);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  GhWindow *self = GH_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      if (self->connection == NULL)
        self->connection = g_value_dup_object (value);
      else
        gh_window_set_connection (self, g_value_get_object (value));
      break;

    case PROP_PROJECT:
      gh_window_set_project (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_window_class_init (GhWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = gh_window_constructed;
  object_class->dispose = gh_window_dispose;
  object_class->finalize = gh_window_finalize;
  object_class->get_property = gh_window_get_property;
  object_class->set_property = gh_window_set_property;

  window_class->close_request = gh_window_close_request;

  /* TRUE while the visible page still waits for the server; for screenshots and tests. */
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL,
                          TRUE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* The server every page of this window administers. */
  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL,
                         GH_TYPE_CONNECTION,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS));

  /* The slug of the project every page shows. */
  properties[PROP_PROJECT] =
    g_param_spec_string ("project", NULL, NULL,
                         "default",
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Once, when the window's first frame has been painted (what comes after it: the other
   * pages, the shortcuts window; the application's held server start). */
  signals[FIRST_FRAME] =
    g_signal_new ("first-frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/gatehouse/Gatehouse/gh-window.ui");
  gtk_widget_class_bind_template_child (widget_class, GhWindow, connection_button);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, connection_icon);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, connection_label);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, content_pane);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, header_end_stack);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, header_start_stack);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, pages);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, project_dropdown);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, offline_button);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, offline_page);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, offline_spinner);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, recent_connections_menu);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, retry_button);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, GhWindow, toast_overlay);

  gtk_widget_class_install_action (widget_class, "win.show-toast", "s", show_toast_action);
  gtk_widget_class_install_action (widget_class, "win.show-page", "s", show_page_action);
  gtk_widget_class_install_action (widget_class, "win.open", "(ss)", open_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.go-back", NULL, go_back_action);
  gtk_widget_class_install_action (widget_class, "win.retry", NULL, retry_action);
  gtk_widget_class_install_action (widget_class, "win.connect-embedded", NULL,
                                   connect_embedded_action);
  gtk_widget_class_install_action (widget_class, "win.connect", NULL, connect_action);
  gtk_widget_class_install_action (widget_class, "win.connect-recent", "s",
                                   connect_recent_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK,
                                       "window.close", NULL);
}

static void
gh_window_init (GhWindow *self)
{
  g_autofree char *project = NULL;

  self->project_names = gtk_string_list_new (NULL);
  self->project_slugs = g_ptr_array_new_with_free_func (g_free);

  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  project = g_settings_get_string (self->settings, "project");
  self->project = g_strdup (*project != '\0' ? project : "default");
  g_signal_connect_object (self->settings, "changed::recent-connections",
                           G_CALLBACK (recent_connections_changed_cb), self, G_CONNECT_SWAPPED);
  recent_connections_changed_cb (self);

  gtk_drop_down_set_model (self->project_dropdown, G_LIST_MODEL (self->project_names));
  g_signal_connect_object (self->project_dropdown, "notify::selected",
                           G_CALLBACK (project_selected_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->sidebar, "row-activated",
                           G_CALLBACK (sidebar_row_activated_cb), self, G_CONNECT_SWAPPED);

  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

GhWindow *
gh_window_new (GtkApplication *application,
               GhConnection   *connection)
{
  g_return_val_if_fail (!application || GTK_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (GH_IS_CONNECTION (connection), NULL);

  return g_object_new (GH_TYPE_WINDOW,
                       "application", application,
                       "connection", connection,
                       NULL);
}

/* For --size: this size is the window's now, and not remembered for the next start. */
void
gh_window_set_size (GhWindow *self,
                    int       width,
                    int       height)
{
  g_return_if_fail (GH_IS_WINDOW (self));

  self->keep_size = TRUE;
  gtk_window_unmaximize (GTK_WINDOW (self));
  gtk_window_set_default_size (GTK_WINDOW (self), width, height);
}

GhConnection *
gh_window_get_connection (GhWindow *self)
{
  g_return_val_if_fail (GH_IS_WINDOW (self), NULL);

  return self->connection;
}

void
gh_window_set_connection (GhWindow     *self,
                          GhConnection *connection)
{
  g_autoptr(GhConnection) previous = NULL;

  g_return_if_fail (GH_IS_WINDOW (self));
  g_return_if_fail (GH_IS_CONNECTION (connection));

  if (self->connection == connection)
    return;

  previous = g_steal_pointer (&self->connection);
  if (previous != NULL)
    {
      g_signal_handlers_disconnect_by_func (previous, connection_state_cb, self);
      if (gh_connection_get_admin_client (previous) != NULL)
        gh_admin_client_stop_events (gh_connection_get_admin_client (previous));
    }
  self->connection = g_object_ref (connection);
  if (gh_connection_get_kind (connection) == GH_CONNECTION_KIND_EMBEDDED &&
      self->embedded == NULL)
    self->embedded = g_object_ref (connection);

  if (self->port_server == NULL && gh_connection_get_embedded_server (connection) != NULL)
    {
      self->port_server = g_object_ref (gh_connection_get_embedded_server (connection));
      g_signal_connect_object (self->port_server, "notify::port-notice",
                               G_CALLBACK (port_notice_changed_cb), self, G_CONNECT_SWAPPED);
      port_notice_changed_cb (self);
    }

  g_signal_connect_object (connection, "notify::state",
                           G_CALLBACK (connection_state_cb), self, G_CONNECT_SWAPPED);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->pages));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    gh_page_set_connection (GH_PAGE (child), connection);

  connection_state_cb (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION]);
}

const char *
gh_window_get_project (GhWindow *self)
{
  g_return_val_if_fail (GH_IS_WINDOW (self), NULL);

  return self->project;
}

void
gh_window_set_project (GhWindow   *self,
                       const char *project)
{
  g_return_if_fail (GH_IS_WINDOW (self));
  g_return_if_fail (project != NULL && *project != '\0');

  if (g_strcmp0 (self->project, project) == 0)
    return;

  g_free (self->project);
  self->project = g_strdup (project);
  g_settings_set_string (self->settings, "project", project);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->pages));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    gh_page_set_project (GH_PAGE (child), project);

  select_project_in_dropdown (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROJECT]);
}

/* TRUE while what the user looks at still waits for the server: the visible page, the
 * connection, or the project switcher of a server that answers. */
gboolean
gh_window_get_busy (GhWindow *self)
{
  GhPage *page;

  g_return_val_if_fail (GH_IS_WINDOW (self), TRUE);

  page = gh_window_get_visible_page (self);
  if (page == NULL)
    return TRUE;

  /* What the user sees is why there is no server: settled unless it is still on its way. */
  if (offline_shown (self))
    return gh_connection_get_state (self->connection) == GH_CONNECTION_STATE_STARTING ||
           gh_connection_get_state (self->connection) == GH_CONNECTION_STATE_STOPPING;

  if (gh_page_get_busy (page))
    return TRUE;

  if (self->connection == NULL)
    return FALSE;

  /* A page that needs no data at first (CIMD preview) is still not what the user will see
   * once the server is there. */
  switch (gh_connection_get_state (self->connection))
    {
    case GH_CONNECTION_STATE_STARTING:
    case GH_CONNECTION_STATE_STOPPING:
      return TRUE;

    case GH_CONNECTION_STATE_READY:
      return !self->projects_listed;

    case GH_CONNECTION_STATE_STOPPED:
    case GH_CONNECTION_STATE_FAILED:
    default:
      return FALSE;
    }
}

/* TRUE once the window is not busy and every page is built and has read what it shows (the
 * sidebar's badges with it): what a screenshot waits for. */
gboolean
gh_window_get_all_settled (GhWindow *self)
{
  g_return_val_if_fail (GH_IS_WINDOW (self), FALSE);

  if (gh_window_get_busy (self) || self->build_tick != 0)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (page_types); i++)
    {
      GtkWidget *page = gtk_stack_get_child_by_name (self->pages,
                                                     gh_page_class_get_name (page_class (i)));

      if (page == NULL || gh_page_get_busy (GH_PAGE (page)))
        return FALSE;
    }

  return TRUE;
}

GhPage *
gh_window_get_page (GhWindow   *self,
                    const char *name)
{
  int i;

  g_return_val_if_fail (GH_IS_WINDOW (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  i = page_index (name);

  return i >= 0 ? ensure_page (self, i) : NULL;
}

GhPage *
gh_window_get_visible_page (GhWindow *self)
{
  GtkWidget *page;

  g_return_val_if_fail (GH_IS_WINDOW (self), NULL);

  page = gtk_stack_get_visible_child (self->pages);

  return page != NULL ? GH_PAGE (page) : NULL;
}

gboolean
gh_window_show_page (GhWindow   *self,
                     const char *name)
{
  GhPage *page;

  g_return_val_if_fail (GH_IS_WINDOW (self), FALSE);

  if (name == NULL || (page = gh_window_get_page (self, name)) == NULL)
    return FALSE;

  gtk_stack_set_visible_child (self->pages, GTK_WIDGET (page));
  adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->content_pane));

  return TRUE;
}

GStrv
gh_window_list_pages (GhWindow *self)
{
  g_return_val_if_fail (GH_IS_WINDOW (self), NULL);

  return gh_window_list_page_names ();
}

/* The names of the window's pages in the sidebar's order (--page); no window needed. */
GStrv
gh_window_list_page_names (void)
{
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();

  for (guint i = 0; i < G_N_ELEMENTS (page_types); i++)
    g_strv_builder_add (names, gh_page_class_get_name (page_class (i)));

  return g_strv_builder_end (names);
}

void
gh_window_show_toast (GhWindow   *self,
                      const char *title)
{
  g_return_if_fail (GH_IS_WINDOW (self));
  g_return_if_fail (title != NULL);

  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (title));
}

void
gh_window_add_toast (GhWindow *self,
                     AdwToast *toast)
{
  g_return_if_fail (GH_IS_WINDOW (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}
