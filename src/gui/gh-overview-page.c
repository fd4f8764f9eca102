/* gh-overview-page.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "gh-overview-page.h"
#include "gh-property-row.h"

/* The server's state and the addresses an MCP client needs. The state comes from the
 * embedded server; the issuer and endpoints from the discovery document, over HTTP. */
struct _GhOverviewPage
{
  AdwBin            parent_instance;

  GhEmbeddedServer *server;
  GhServerClient   *client;
  GCancellable     *discovery_cancellable;
  char             *issuer;
  char             *discovery_url;
  char             *jwks_uri;

  /* Template widgets */
  GhPropertyRow    *data_dir_row;
  AdwActionRow     *discovery_error_row;
  GhPropertyRow    *discovery_row;
  GtkSpinner       *discovery_spinner;
  AdwStatusPage    *failed_page;
  GhPropertyRow    *issuer_row;
  GhPropertyRow    *jwks_row;
  AdwActionRow     *port_notice_row;
  GhPropertyRow    *port_row;
  GhPropertyRow    *secrets_row;
  GtkStack         *state_stack;

  guint             busy : 1;
};

G_DEFINE_FINAL_TYPE (GhOverviewPage, gh_overview_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_BUSY,
  PROP_CLIENT,
  PROP_SERVER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update_busy (GhOverviewPage *self)
{
  GhEmbeddedServerState state = GH_EMBEDDED_SERVER_STATE_STOPPED;
  gboolean busy;

  if (self->server != NULL)
    state = gh_embedded_server_get_state (self->server);

  /* Settled once the user sees either the failure or the addresses (or why they are missing). */
  if (state == GH_EMBEDDED_SERVER_STATE_FAILED)
    busy = FALSE;
  else if (state == GH_EMBEDDED_SERVER_STATE_RUNNING)
    busy = self->client == NULL || self->discovery_cancellable != NULL;
  else
    busy = TRUE;

  if (self->busy == busy)
    return;

  self->busy = busy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
show_discovery (GhOverviewPage *self,
                const char     *error_message)
{
  gboolean loading = self->discovery_cancellable != NULL;
  gboolean loaded = !loading && error_message == NULL && self->issuer != NULL;

  gtk_spinner_set_spinning (self->discovery_spinner, loading);
  gtk_widget_set_visible (GTK_WIDGET (self->discovery_spinner), loading);

  gh_property_row_set_value (self->issuer_row, self->issuer);
  gh_property_row_set_value (self->discovery_row, self->discovery_url);
  gh_property_row_set_value (self->jwks_row, self->jwks_uri);

  gtk_widget_set_visible (GTK_WIDGET (self->issuer_row), loaded);
  gtk_widget_set_visible (GTK_WIDGET (self->discovery_row), loaded);
  gtk_widget_set_visible (GTK_WIDGET (self->jwks_row), loaded && self->jwks_uri != NULL);

  gtk_widget_set_visible (GTK_WIDGET (self->discovery_error_row), error_message != NULL);
  adw_action_row_set_subtitle (self->discovery_error_row, error_message ? error_message : "");

  update_busy (self);
}

static void
clear_discovery (GhOverviewPage *self)
{
  g_cancellable_cancel (self->discovery_cancellable);
  g_clear_object (&self->discovery_cancellable);
  g_clear_pointer (&self->issuer, g_free);
  g_clear_pointer (&self->discovery_url, g_free);
  g_clear_pointer (&self->jwks_uri, g_free);
}

/* The member's value if it is a string; documents from a server are not trusted to be. */
static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;

  return json_node_get_string (node);
}

static void
fetch_discovery_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GhServerClient *client = GH_SERVER_CLIENT (object);
  g_autoptr (GhOverviewPage) self = user_data;
  g_autoptr (JsonObject) document = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *mismatch = NULL;
  const char *issuer;

  document = gh_server_client_fetch_discovery_finish (client, result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->discovery_cancellable);

  if (document == NULL)
    {
      show_discovery (self, error->message);
      return;
    }

  issuer = string_member (document, "issuer");
  if (issuer == NULL || *issuer == '\0')
    {
      show_discovery (self, _("The discovery document names no issuer"));
      return;
    }

  /* RFC 8414 section 3.3: clients reject a document whose issuer is not the one asked for. */
  if (!g_str_equal (issuer, gh_server_client_get_base_url (client)))
    {
      mismatch = g_strdup_printf (_("The discovery document names the issuer “%s” instead of "
                                    "“%s”, so clients will reject it"),
                                  issuer, gh_server_client_get_base_url (client));
      show_discovery (self, mismatch);
      return;
    }

  self->issuer = g_strdup (issuer);
  self->discovery_url = gh_server_client_dup_discovery_url (client);
  self->jwks_uri = g_strdup (string_member (document, "jwks_uri"));

  show_discovery (self, NULL);
}

static void
reload_discovery (GhOverviewPage *self)
{
  clear_discovery (self);

  if (self->client != NULL)
    {
      self->discovery_cancellable = g_cancellable_new ();
      gh_server_client_fetch_discovery_async (self->client,
                                              self->discovery_cancellable,
                                              fetch_discovery_cb,
                                              g_object_ref (self));
    }

  show_discovery (self, NULL);
}

/* "~/.local/share/gatehouse" rather than the home folder spelled out. */
static char *
display_path (const char *path)
{
  const char *home = g_get_home_dir ();
  gsize home_len = strlen (home);

  if (home_len > 1 && g_str_has_prefix (path, home) && path[home_len] == G_DIR_SEPARATOR)
    return g_strconcat ("~", path + home_len, NULL);

  return g_strdup (path);
}

static void
server_changed_cb (GhOverviewPage *self)
{
  g_autofree char *port = NULL;
  g_autofree char *error_markup = NULL;
  g_autofree char *data_dir = NULL;
  const char *notice;
  const char *page = "starting";

  if (self->server == NULL)
    {
      gtk_stack_set_visible_child_name (self->state_stack, page);
      update_busy (self);
      return;
    }

  switch (gh_embedded_server_get_state (self->server))
    {
    case GH_EMBEDDED_SERVER_STATE_STOPPED:
    case GH_EMBEDDED_SERVER_STATE_STARTING:
      page = "starting";
      break;

    case GH_EMBEDDED_SERVER_STATE_RUNNING:
      page = "running";
      break;

    case GH_EMBEDDED_SERVER_STATE_FAILED:
      page = "failed";
      break;
    }

  port = g_strdup_printf ("%u", gh_embedded_server_get_port (self->server));
  gh_property_row_set_value (self->port_row, port);

  notice = gh_embedded_server_get_port_notice (self->server);
  adw_action_row_set_subtitle (self->port_notice_row, notice ? notice : "");
  gtk_widget_set_visible (GTK_WIDGET (self->port_notice_row), notice != NULL);

  gh_property_row_set_value (self->secrets_row, gh_embedded_server_get_secrets (self->server));
  data_dir = display_path (gh_embedded_server_get_data_dir (self->server));
  gh_property_row_set_value (self->data_dir_row, data_dir);
  /* The description is markup; the error is plain text (paths, addresses). */
  error_markup = g_markup_escape_text (gh_embedded_server_get_error_message (self->server) ?: "",
                                       -1);
  adw_status_page_set_description (self->failed_page, error_markup);

  gtk_stack_set_visible_child_name (self->state_stack, page);
  update_busy (self);
}

static void
reload_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  reload_discovery (GH_OVERVIEW_PAGE (widget));
}

static void
start_server_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  GhOverviewPage *self = GH_OVERVIEW_PAGE (widget);

  if (self->server != NULL)
    gh_embedded_server_start (self->server);
}

static void
gh_overview_page_dispose (GObject *object)
{
  GhOverviewPage *self = (GhOverviewPage *)object;

  clear_discovery (self);
  if (self->server != NULL)
    g_signal_handlers_disconnect_by_data (self->server, self);
  g_clear_object (&self->server);
  g_clear_object (&self->client);

  /* AdwBin unparents its child itself: let it, before the template drops its references. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), GH_TYPE_OVERVIEW_PAGE);

  G_OBJECT_CLASS (gh_overview_page_parent_class)->dispose (object);
}

static void
gh_overview_page_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  GhOverviewPage *self = GH_OVERVIEW_PAGE (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;

    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;

    case PROP_SERVER:
      g_value_set_object (value, self->server);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_overview_page_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  GhOverviewPage *self = GH_OVERVIEW_PAGE (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      gh_overview_page_set_client (self, g_value_get_object (value));
      break;

    case PROP_SERVER:
      gh_overview_page_set_server (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_overview_page_class_init (GhOverviewPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gh_overview_page_dispose;
  object_class->get_property = gh_overview_page_get_property;
  object_class->set_property = gh_overview_page_set_property;

  /* TRUE until the user sees the server's state settled: running with its addresses
   * (or the reason they are missing), or failed. */
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL,
                          TRUE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL,
                         GH_TYPE_SERVER_CLIENT,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_SERVER] =
    g_param_spec_object ("server", NULL, NULL,
                         GH_TYPE_EMBEDDED_SERVER,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/gatehouse/Gatehouse/ui/gh-overview-page.ui");
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, data_dir_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, discovery_error_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, discovery_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, discovery_spinner);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, failed_page);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, issuer_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, jwks_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, port_notice_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, port_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, secrets_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, state_stack);

  gtk_widget_class_install_action (widget_class, "overview.reload", NULL, reload_action);
  gtk_widget_class_install_action (widget_class, "overview.start-server", NULL,
                                   start_server_action);
}

static void
gh_overview_page_init (GhOverviewPage *self)
{
  self->busy = TRUE;

  g_type_ensure (GH_TYPE_PROPERTY_ROW);
  gtk_widget_init_template (GTK_WIDGET (self));

  show_discovery (self, NULL);
}

GhEmbeddedServer *
gh_overview_page_get_server (GhOverviewPage *self)
{
  g_return_val_if_fail (GH_IS_OVERVIEW_PAGE (self), NULL);

  return self->server;
}

void
gh_overview_page_set_server (GhOverviewPage   *self,
                             GhEmbeddedServer *server)
{
  g_return_if_fail (GH_IS_OVERVIEW_PAGE (self));
  g_return_if_fail (!server || GH_IS_EMBEDDED_SERVER (server));

  if (self->server == server)
    return;

  if (self->server != NULL)
    g_signal_handlers_disconnect_by_data (self->server, self);

  g_set_object (&self->server, server);

  if (server != NULL)
    g_signal_connect_object (server, "notify", G_CALLBACK (server_changed_cb), self,
                             G_CONNECT_SWAPPED);

  server_changed_cb (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER]);
}

GhServerClient *
gh_overview_page_get_client (GhOverviewPage *self)
{
  g_return_val_if_fail (GH_IS_OVERVIEW_PAGE (self), NULL);

  return self->client;
}

/* The page reads the discovery document through @client whenever it is set. */
void
gh_overview_page_set_client (GhOverviewPage *self,
                             GhServerClient *client)
{
  g_return_if_fail (GH_IS_OVERVIEW_PAGE (self));
  g_return_if_fail (!client || GH_IS_SERVER_CLIENT (client));

  if (!g_set_object (&self->client, client))
    return;

  reload_discovery (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT]);
}

gboolean
gh_overview_page_get_busy (GhOverviewPage *self)
{
  g_return_val_if_fail (GH_IS_OVERVIEW_PAGE (self), TRUE);

  return self->busy;
}
