/* gh-page.c — a page of the window, bound to a connection and a project
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <glib/gi18n.h>

#include "gh-page.h"

/* What every page of the window has: the connection and project it reads from, the title,
 * icon and badge the window lists it under, the widgets it adds to the header bar, whether it
 * is still waiting for the server, and its admin calls in flight. */
typedef struct
{
  GhConnection   *connection;
  char           *project;
  char           *title;
  char           *icon_name;
  GtkWidget      *header_start;
  GtkWidget      *header_end;
  GtkSearchBar   *search_bar;        /* gh_page_add_search()'s, a child of the page */
  GtkWidget      *search_entry;
  GCancellable   *load_cancellable;  /* this reload round's */
  GCancellable   *call_cancellable;  /* the page's lifetime */
  GhAdminClient  *events_client;     /* whose ::event the event vfunc is given */
  guint           reload_idle;
  guint           badge;
  gboolean        badge_alert;
  gboolean        busy;
} GhPagePrivate;

G_DEFINE_TYPE_WITH_PRIVATE (GhPage, gh_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_BADGE,
  PROP_BUSY,
  PROP_CONNECTION,
  PROP_ICON_NAME,
  PROP_PROJECT,
  PROP_TITLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* g_set_str () is GLib 2.76. */
static gboolean
replace_string (char       **field,
                const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (value);

  return TRUE;
}

static gboolean
reload_idle_cb (gpointer user_data)
{
  GhPage *self = GH_PAGE (user_data);
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  priv->reload_idle = 0;
  gh_page_reload (self);

  return G_SOURCE_REMOVE;
}

/* Coalesced: a connection and a project set one after the other load once. */
static void
schedule_reload (GhPage *self)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  if (priv->connection == NULL ||
      gh_connection_get_state (priv->connection) != GH_CONNECTION_STATE_READY)
    {
      g_cancellable_cancel (priv->load_cancellable);
      return;
    }

  /* At the default priority, not an idle one: while frames take longer than their interval
   * (software GL under load), a frame is always due and idle sources never run. */
  if (priv->reload_idle == 0)
    priv->reload_idle = g_idle_add_full (G_PRIORITY_DEFAULT, reload_idle_cb, self, NULL);
}

static void
event_cb (GhPage           *self,
          GhAuditEventItem *event)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);
  const char *project = gh_audit_event_item_get_project (event);

  if (project == NULL || g_strcmp0 (project, priv->project) == 0)
    GH_PAGE_GET_CLASS (self)->event (self, event);
}

/* Follows the event stream of the connection's admin client as it is now (it is made anew
 * when the connection reconnects or its credential changes), or of none. */
static void
follow_events (GhPage        *self,
               GhAdminClient *client)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  if (GH_PAGE_GET_CLASS (self)->event == NULL || client == priv->events_client)
    return;
  if (priv->events_client != NULL)
    g_signal_handlers_disconnect_by_func (priv->events_client, event_cb, self);
  g_set_object (&priv->events_client, client);
  if (client != NULL)
    g_signal_connect_object (client, "event", G_CALLBACK (event_cb), self, G_CONNECT_SWAPPED);
}

static void
connection_state_cb (GhPage *self)
{
  schedule_reload (self);
}

static void
gh_page_constructed (GObject *object)
{
  GhPage *self = (GhPage *)object;
  GhPageClass *klass = GH_PAGE_GET_CLASS (self);

  G_OBJECT_CLASS (gh_page_parent_class)->constructed (object);

  if (klass->page_name != NULL)
    gtk_widget_set_name (GTK_WIDGET (self), klass->page_name);
  if (gh_page_get_title (self) == NULL)
    gh_page_set_title (self, gh_page_class_get_title (klass));
  if (gh_page_get_icon_name (self) == NULL)
    gh_page_set_icon_name (self, klass->page_icon_name);
}

/* No answer on its way reaches the page any more (nor a reload to come). */
static void
drop_answers (GhPagePrivate *priv)
{
  g_clear_handle_id (&priv->reload_idle, g_source_remove);
  g_cancellable_cancel (priv->load_cancellable);
  g_cancellable_cancel (priv->call_cancellable);
  g_clear_object (&priv->load_cancellable);
  g_clear_object (&priv->call_cancellable);
}

static void
gh_page_dispose (GObject *object)
{
  GhPage *self = (GhPage *)object;
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  drop_answers (priv);
  if (priv->connection != NULL)
    g_signal_handlers_disconnect_by_func (priv->connection, connection_state_cb, self);
  g_clear_object (&priv->connection);
  follow_events (self, NULL);
  g_clear_object (&priv->header_start);
  g_clear_object (&priv->header_end);
  priv->search_bar = NULL;
  priv->search_entry = NULL;

  G_OBJECT_CLASS (gh_page_parent_class)->dispose (object);
}

static void
gh_page_finalize (GObject *object)
{
  GhPage *self = (GhPage *)object;
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_clear_pointer (&priv->project, g_free);
  g_clear_pointer (&priv->title, g_free);
  g_clear_pointer (&priv->icon_name, g_free);

  G_OBJECT_CLASS (gh_page_parent_class)->finalize (object);
}

static void
gh_page_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  GhPage *self = GH_PAGE (object);

  switch (prop_id)
    {
    case PROP_BADGE:
      g_value_set_uint (value, gh_page_get_badge (self));
      break;

    case PROP_BUSY:
      g_value_set_boolean (value, gh_page_get_busy (self));
      break;

    case PROP_CONNECTION:
      g_value_set_object (value, gh_page_get_connection (self));
      break;

    case PROP_ICON_NAME:
      g_value_set_string (value, gh_page_get_icon_name (self));
      break;

    case PROP_PROJECT:
      g_value_set_string (value, gh_page_get_project (self));
      break;

    case PROP_TITLE:
      g_value_set_string (value, gh_page_get_title (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_page_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  GhPage *self = GH_PAGE (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      gh_page_set_connection (self, g_value_get_object (value));
      break;

    case PROP_ICON_NAME:
      gh_page_set_icon_name (self, g_value_get_string (value));
      break;

    case PROP_PROJECT:
      gh_page_set_project (self, g_value_get_string (value));
      break;

    case PROP_TITLE:
      gh_page_set_title (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* Ctrl+F on a page with gh_page_add_search(): its bar opens, the entry focused. */
static gboolean
gh_page_real_start_search (GhPage *self)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  if (priv->search_bar == NULL)
    return FALSE;

  gtk_search_bar_set_search_mode (priv->search_bar, TRUE);
  gtk_widget_grab_focus (priv->search_entry);

  return TRUE;
}

/* Out of its window (the window closed): the answers on their way are for no one, and a call
 * in flight would keep the page, its widgets and its connection alive until the server
 * answers (or forever, from a server that stopped answering). Cancelled; new ones for a page
 * put in a window again. */
static void
gh_page_unroot (GtkWidget *widget)
{
  GhPage *self = GH_PAGE (widget);
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  drop_answers (priv);
  priv->load_cancellable = g_cancellable_new ();
  priv->call_cancellable = g_cancellable_new ();

  GTK_WIDGET_CLASS (gh_page_parent_class)->unroot (widget);
}

static void
gh_page_class_init (GhPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->unroot = gh_page_unroot;
  object_class->constructed = gh_page_constructed;
  object_class->dispose = gh_page_dispose;
  object_class->finalize = gh_page_finalize;
  object_class->get_property = gh_page_get_property;
  object_class->set_property = gh_page_set_property;
  klass->start_search = gh_page_real_start_search;

  /* The count the sidebar shows (gh_page_set_badge() sets it with its alert flag). */
  properties[PROP_BADGE] =
    g_param_spec_uint ("badge", NULL, NULL,
                       0, G_MAXUINT, 0,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* TRUE until the user sees what the page shows settled (or why it cannot be shown). */
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL,
                          TRUE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL,
                         GH_TYPE_CONNECTION,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_ICON_NAME] =
    g_param_spec_string ("icon-name", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_PROJECT] =
    g_param_spec_string ("project", NULL, NULL,
                         "default",
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gh_page_init (GhPage *self)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  priv->busy = TRUE;
  priv->project = g_strdup ("default");
  priv->load_cancellable = g_cancellable_new ();
  priv->call_cancellable = g_cancellable_new ();
  priv->header_start = g_object_ref_sink (gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6));
  priv->header_end = g_object_ref_sink (gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6));
}

void
gh_page_class_set_info (GhPageClass *klass,
                        const char  *name,
                        const char  *title,
                        const char  *icon_name)
{
  g_return_if_fail (GH_IS_PAGE_CLASS (klass));
  g_return_if_fail (name != NULL && title != NULL);

  /* @title untranslated (N_()): class_init may run before the locale is set. */
  klass->page_name = g_intern_string (name);
  klass->page_title = g_intern_string (title);
  klass->page_icon_name = g_intern_string (icon_name);
}

const char *
gh_page_class_get_name (GhPageClass *klass)
{
  g_return_val_if_fail (GH_IS_PAGE_CLASS (klass), NULL);

  return klass->page_name;
}

const char *
gh_page_class_get_title (GhPageClass *klass)
{
  g_return_val_if_fail (GH_IS_PAGE_CLASS (klass), NULL);

  return klass->page_title != NULL ? g_dgettext (GETTEXT_PACKAGE, klass->page_title) : NULL;
}

const char *
gh_page_class_get_icon_name (GhPageClass *klass)
{
  g_return_val_if_fail (GH_IS_PAGE_CLASS (klass), NULL);

  return klass->page_icon_name;
}

GhConnection *
gh_page_get_connection (GhPage *self)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_return_val_if_fail (GH_IS_PAGE (self), NULL);

  return priv->connection;
}

void
gh_page_set_connection (GhPage       *self,
                        GhConnection *connection)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);
  g_autoptr(GhConnection) previous = NULL;

  g_return_if_fail (GH_IS_PAGE (self));
  g_return_if_fail (!connection || GH_IS_CONNECTION (connection));

  if (priv->connection == connection)
    return;

  previous = g_steal_pointer (&priv->connection);
  if (previous != NULL)
    g_signal_handlers_disconnect_by_func (previous, connection_state_cb, self);
  follow_events (self, NULL);
  priv->connection = connection ? g_object_ref (connection) : NULL;
  if (priv->connection != NULL)
    g_signal_connect_object (priv->connection, "notify::state",
                             G_CALLBACK (connection_state_cb), self, G_CONNECT_SWAPPED);

  if (GH_PAGE_GET_CLASS (self)->connection_changed != NULL)
    GH_PAGE_GET_CLASS (self)->connection_changed (self, previous);

  schedule_reload (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTION]);
}

const char *
gh_page_get_project (GhPage *self)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_return_val_if_fail (GH_IS_PAGE (self), NULL);

  return priv->project;
}

void
gh_page_set_project (GhPage     *self,
                     const char *project)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_return_if_fail (GH_IS_PAGE (self));
  g_return_if_fail (project != NULL && *project != '\0');

  if (!replace_string (&priv->project, project))
    return;

  schedule_reload (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROJECT]);
}

const char *
gh_page_get_title (GhPage *self)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_return_val_if_fail (GH_IS_PAGE (self), NULL);

  return priv->title;
}

void
gh_page_set_title (GhPage     *self,
                   const char *title)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_return_if_fail (GH_IS_PAGE (self));

  if (replace_string (&priv->title, title))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

const char *
gh_page_get_icon_name (GhPage *self)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_return_val_if_fail (GH_IS_PAGE (self), NULL);

  return priv->icon_name;
}

void
gh_page_set_icon_name (GhPage     *self,
                       const char *icon_name)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_return_if_fail (GH_IS_PAGE (self));

  if (replace_string (&priv->icon_name, icon_name))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ICON_NAME]);
}

gboolean
gh_page_get_busy (GhPage *self)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_return_val_if_fail (GH_IS_PAGE (self), TRUE);

  return priv->busy;
}

/* For subclasses: notifies only on change. */
void
gh_page_set_busy (GhPage   *self,
                  gboolean  busy)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_return_if_fail (GH_IS_PAGE (self));

  busy = !!busy;
  if (priv->busy == busy)
    return;

  priv->busy = busy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

guint
gh_page_get_badge (GhPage *self)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_return_val_if_fail (GH_IS_PAGE (self), 0);

  return priv->badge;
}

gboolean
gh_page_get_badge_alert (GhPage *self)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_return_val_if_fail (GH_IS_PAGE (self), FALSE);

  return priv->badge_alert;
}

void
gh_page_set_badge (GhPage   *self,
                   guint     count,
                   gboolean  alert)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_return_if_fail (GH_IS_PAGE (self));

  alert = !!alert;
  if (priv->badge == count && priv->badge_alert == alert)
    return;

  priv->badge = count;
  priv->badge_alert = alert;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BADGE]);
}

void
gh_page_add_header_widget (GhPage      *self,
                           GtkWidget   *widget,
                           GtkPackType  pack_type)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_return_if_fail (GH_IS_PAGE (self));
  g_return_if_fail (GTK_IS_WIDGET (widget));

  if (pack_type == GTK_PACK_START)
    gtk_box_append (GTK_BOX (priv->header_start), widget);
  else
    gtk_box_prepend (GTK_BOX (priv->header_end), widget);
}

void
gh_page_add_search (GhPage         *self,
                    GtkSearchBar   *bar,
                    GtkSearchEntry *entry,
                    const char     *button_name,
                    const char     *tooltip)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);
  GtkWidget *button = gtk_toggle_button_new ();

  g_return_if_fail (GH_IS_PAGE (self));
  g_return_if_fail (GTK_IS_SEARCH_BAR (bar) && GTK_IS_SEARCH_ENTRY (entry));
  g_return_if_fail (priv->search_bar == NULL);

  priv->search_bar = bar;
  priv->search_entry = GTK_WIDGET (entry);
  /* Escape in the entry closes the bar; closed (so, too, by the button), the entry is
   * emptied, which shows everything again. */
  gtk_search_bar_connect_entry (bar, GTK_EDITABLE (entry));

  gtk_widget_set_name (button, button_name);
  gtk_button_set_icon_name (GTK_BUTTON (button), "system-search-symbolic");
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  tooltip, -1);
  g_object_bind_property (button, "active", bar, "search-mode-enabled",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  gh_page_add_header_widget (self, button, GTK_PACK_END);
}

void
gh_page_search (GhPage     *self,
                const char *text)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_return_if_fail (GH_IS_PAGE (self));
  g_return_if_fail (priv->search_bar != NULL);

  gtk_search_bar_set_search_mode (priv->search_bar, TRUE);
  gtk_editable_set_text (GTK_EDITABLE (priv->search_entry), text);
  /* Now, not after the entry's typing delay. */
  g_signal_emit_by_name (priv->search_entry, "search-changed");
}

char *
gh_page_dup_search (GhPage *self)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);
  const char *text;

  g_return_val_if_fail (GH_IS_PAGE (self), NULL);

  if (priv->search_entry == NULL)
    return NULL;
  text = gtk_editable_get_text (GTK_EDITABLE (priv->search_entry));
  return *text != '\0' ? g_utf8_casefold (text, -1) : NULL;
}

void
gh_page_show_search_result (GhPage        *self,
                            GtkStack      *stack,
                            guint          n_shown,
                            AdwStatusPage *no_results,
                            const char    *format)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);
  g_autofree char *description = NULL;

  g_return_if_fail (GH_IS_PAGE (self));
  g_return_if_fail (priv->search_entry != NULL);

  if (n_shown > 0)
    {
      gtk_stack_set_visible_child_name (stack, "list");
      return;
    }
  description = g_strdup_printf (format,
                                 gtk_editable_get_text (GTK_EDITABLE (priv->search_entry)));
  adw_status_page_set_description (no_results, description);
  gtk_stack_set_visible_child_name (stack, "no-results");
}

GtkWidget *
gh_page_get_header_box (GhPage      *self,
                        GtkPackType  pack_type)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_return_val_if_fail (GH_IS_PAGE (self), NULL);

  return pack_type == GTK_PACK_START ? priv->header_start : priv->header_end;
}

GhAdminClient *
gh_page_get_admin_client (GhPage *self)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_return_val_if_fail (GH_IS_PAGE (self), NULL);

  if (priv->connection == NULL)
    return NULL;

  return gh_connection_get_admin_client (priv->connection);
}

char *
gh_page_project_path (GhPage     *self,
                      const char *suffix)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);
  g_autofree char *slug = NULL;

  g_return_val_if_fail (GH_IS_PAGE (self), NULL);

  slug = g_uri_escape_string (priv->project, NULL, FALSE);

  return g_strconcat ("/projects/", slug, suffix, NULL);
}

typedef struct
{
  GhPage           *page;
  GCancellable     *cancellable;
  GhPageAnswerFunc  callback;
  gpointer          user_data;
} Call;

static void
call_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Call *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = NULL;

  answer = gh_admin_client_request_json_finish (GH_ADMIN_CLIENT (object), result, &error);

  if (!g_cancellable_is_cancelled (call->cancellable) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    call->callback (call->page, answer, error, call->user_data);

  g_object_unref (call->page);
  g_object_unref (call->cancellable);
  g_free (call);
}

static void
start_call (GhPage           *self,
            GCancellable     *cancellable,
            const char       *method,
            const char       *path,
            JsonObject       *body,
            GhPageAnswerFunc  callback,
            gpointer          user_data)
{
  GhAdminClient *client = gh_page_get_admin_client (self);
  Call *call;

  if (client == NULL)
    {
      g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                                                     _("Not connected to a server"));

      callback (self, NULL, error, user_data);
      return;
    }

  call = g_new0 (Call, 1);
  call->page = g_object_ref (self);
  call->cancellable = g_object_ref (cancellable);
  call->callback = callback;
  call->user_data = user_data;
  gh_admin_client_request_json_async (client, method, path, body, cancellable,
                                      call_done_cb, call);
}

void
gh_page_load (GhPage           *self,
              const char       *method,
              const char       *path,
              JsonObject       *body,
              GhPageAnswerFunc  callback,
              gpointer          user_data)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_return_if_fail (GH_IS_PAGE (self));
  g_return_if_fail (method != NULL && path != NULL && callback != NULL);

  start_call (self, priv->load_cancellable, method, path, body, callback, user_data);
}

void
gh_page_call (GhPage           *self,
              const char       *method,
              const char       *path,
              JsonObject       *body,
              GhPageAnswerFunc  callback,
              gpointer          user_data)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_return_if_fail (GH_IS_PAGE (self));
  g_return_if_fail (method != NULL && path != NULL && callback != NULL);

  start_call (self, priv->call_cancellable, method, path, body, callback, user_data);
}

void
gh_page_reload (GhPage *self)
{
  GhPagePrivate *priv = gh_page_get_instance_private (self);

  g_return_if_fail (GH_IS_PAGE (self));

  g_clear_handle_id (&priv->reload_idle, g_source_remove);
  g_cancellable_cancel (priv->load_cancellable);
  g_clear_object (&priv->load_cancellable);
  priv->load_cancellable = g_cancellable_new ();

  follow_events (self, gh_page_get_admin_client (self));
  if (GH_PAGE_GET_CLASS (self)->reload != NULL)
    GH_PAGE_GET_CLASS (self)->reload (self);
}

void
gh_page_show_toast (GhPage     *self,
                    const char *title)
{
  g_return_if_fail (GH_IS_PAGE (self));
  g_return_if_fail (title != NULL);

  gtk_widget_activate_action (GTK_WIDGET (self), "win.show-toast", "s", title);
}

void
gh_page_add_toast (GhPage   *self,
                   AdwToast *toast)
{
  GtkWidget *overlay;

  g_return_if_fail (GH_IS_PAGE (self));
  g_return_if_fail (ADW_IS_TOAST (toast));

  overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
  else
    g_object_unref (g_object_ref_sink (toast));
}

void
gh_page_show_error (GhPage       *self,
                    const char   *what,
                    const GError *error)
{
  g_autofree char *title = NULL;

  g_return_if_fail (GH_IS_PAGE (self));
  g_return_if_fail (what != NULL && error != NULL);

  /* "Could not revoke the token: the token is already revoked" */
  title = g_strdup_printf (_("%s: %s"), what, error->message);
  gh_page_show_toast (self, title);
}

void
gh_page_open (GhPage     *self,
              const char *page_name,
              const char *target)
{
  g_return_if_fail (GH_IS_PAGE (self));
  g_return_if_fail (page_name != NULL);

  gtk_widget_activate_action (GTK_WIDGET (self), "win.open", "(ss)", page_name,
                              target != NULL ? target : "");
}
