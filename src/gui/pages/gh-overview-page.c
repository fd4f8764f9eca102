/* gh-overview-page.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <glib/gi18n.h>

#include "gh-keyring.h"
#include "gh-overview-page.h"
#include "gh-property-row.h"

/* The server's state and the addresses an MCP client needs. The state comes from the
 * connection; the issuer and endpoints from the discovery document, over HTTP, and whether
 * tokens can be signed from both: a key set with no key (over HTTP), or the reason the
 * embedded server gives. What only the embedded server knows (port, keys, data folder) is
 * shown for it alone. */
struct _GhOverviewPage
{
  GhPage            parent_instance;

  GhConnection     *connection;  /* the page's, while it listens to it */
  GhEmbeddedServer *server;      /* the connection's, when embedded */
  GhServerClient   *client;
  GCancellable     *discovery_cancellable;
  GCancellable     *jwks_cancellable;
  GCancellable     *keyring_cancellable;
  char             *issuer;
  char             *discovery_url;
  char             *jwks_uri;
  int               n_published_keys;  /* -1: not known */

  /* Template widgets */
  GhPropertyRow    *data_dir_row;
  AdwActionRow     *discovery_error_row;
  GtkButton        *file_button;
  AdwActionRow     *file_row;
  GtkButton        *fix_button;
  AdwActionRow     *fix_row;
  GhPropertyRow    *discovery_row;
  GtkSpinner       *discovery_spinner;
  AdwStatusPage    *failed_page;
  GhPropertyRow    *issuer_row;
  GhPropertyRow    *jwks_row;
  AdwActionRow     *port_notice_row;
  GhPropertyRow    *port_row;
  GhPropertyRow    *secrets_row;
  AdwPreferencesGroup *server_group;
  AdwActionRow     *signing_error_row;
  AdwPreferencesGroup *signing_group;
  AdwStatusPage    *starting_page;
  GhPropertyRow    *state_row;
  GtkStack         *state_stack;
};

G_DEFINE_FINAL_TYPE (GhOverviewPage, gh_overview_page, GH_TYPE_PAGE)

static GhConnectionState
connection_state (GhOverviewPage *self)
{
  return self->connection ? gh_connection_get_state (self->connection)
                          : GH_CONNECTION_STATE_STOPPED;
}

static void
update_busy (GhOverviewPage *self)
{
  GhConnectionState state = connection_state (self);
  gboolean busy;

  /* Settled once the user sees either the failure or the addresses (or why they are missing). */
  if (state == GH_CONNECTION_STATE_FAILED ||
      (state == GH_CONNECTION_STATE_STOPPED && self->server != NULL))
    busy = FALSE;
  else if (state == GH_CONNECTION_STATE_READY)
    busy = self->client == NULL || self->discovery_cancellable != NULL ||
           self->jwks_cancellable != NULL;
  else
    busy = TRUE;

  gh_page_set_busy (GH_PAGE (self), busy);
}

/* Signing unavailable, why, and the ways out that fit: create or unlock the keyring, try
 * again, or (only while no key exists that a switch would lose) keep the key in a file. */
static void
update_signing (GhOverviewPage *self)
{
  g_autofree char *reason = NULL;
  GhSigningProblem problem = GH_SIGNING_PROBLEM_NONE;
  GhEmbeddedSecrets backend = GH_EMBEDDED_SECRETS_FILE;
  const char *server_reason = NULL;
  gboolean running = connection_state (self) == GH_CONNECTION_STATE_READY;
  gboolean unavailable;
  gboolean setting_up = self->keyring_cancellable != NULL;

  if (self->server != NULL)
    {
      problem = gh_embedded_server_get_signing_problem (self->server);
      server_reason = gh_embedded_server_get_signing_error (self->server);
      backend = gh_embedded_server_get_secret_backend (self->server);
    }

  unavailable = server_reason != NULL || self->n_published_keys == 0;
  reason = g_strdup_printf ("%s %s",
                            server_reason ? server_reason
                                          : _("The server publishes no signing key."),
                            _("MCP clients can find this server but get no tokens until this is "
                              "fixed."));

  gh_property_row_set_value (self->state_row,
                             unavailable ? _("Running, but it cannot sign tokens")
                                         : _("Running, reachable only from this computer"));

  gtk_widget_set_visible (GTK_WIDGET (self->signing_group), running && unavailable);
  adw_action_row_set_subtitle (self->signing_error_row, unavailable ? reason : "");

  switch (problem)
    {
    case GH_SIGNING_PROBLEM_NO_KEYRING:
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->fix_row),
                                     _("Create a Default Keyring"));
      adw_action_row_set_subtitle (self->fix_row,
                                   _("GNOME Keyring asks for a password for it. With your login "
                                     "password, it is unlocked whenever you log in."));
      gtk_button_set_label (self->fix_button, _("_Create Keyring…"));
      break;

    case GH_SIGNING_PROBLEM_KEYRING_LOCKED:
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->fix_row),
                                     _("Unlock GNOME Keyring"));
      adw_action_row_set_subtitle (self->fix_row, _("GNOME Keyring asks for its password."));
      gtk_button_set_label (self->fix_button, _("_Unlock…"));
      break;

    case GH_SIGNING_PROBLEM_NONE:
    case GH_SIGNING_PROBLEM_FAILED:
    default:
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->fix_row),
                                     _("Try Again"));
      adw_action_row_set_subtitle (self->fix_row,
                                   _("Restart the server, which reads the signing key again."));
      gtk_button_set_label (self->fix_button, _("_Try Again"));
      break;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->fix_row), self->server != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->fix_button), !setting_up);

  /* A key that exists lives where the server looked for it: moving to a file would lose it. */
  gtk_widget_set_visible (GTK_WIDGET (self->file_row),
                          self->server != NULL && backend != GH_EMBEDDED_SECRETS_FILE &&
                          self->n_published_keys == 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->file_button), !setting_up);
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

  update_signing (self);
  update_busy (self);
}

static void
clear_discovery (GhOverviewPage *self)
{
  g_cancellable_cancel (self->discovery_cancellable);
  g_clear_object (&self->discovery_cancellable);
  g_cancellable_cancel (self->jwks_cancellable);
  g_clear_object (&self->jwks_cancellable);
  self->n_published_keys = -1;
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
fetch_jwks_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GhServerClient *client = GH_SERVER_CLIENT (object);
  g_autoptr(GhOverviewPage) self = user_data;
  g_autoptr(JsonObject) jwks = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *keys;

  jwks = gh_server_client_fetch_jwks_finish (client, result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_object (&self->jwks_cancellable);

  /* An unreadable key set says nothing about signing: the addresses are what matter here. */
  keys = jwks != NULL ? json_object_get_member (jwks, "keys") : NULL;
  if (keys != NULL && JSON_NODE_HOLDS_ARRAY (keys))
    self->n_published_keys = json_array_get_length (json_node_get_array (keys));
  else if (error != NULL)
    g_debug ("Could not read the key set: %s", error->message);

  show_discovery (self, NULL);
}

static void
fetch_discovery_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GhServerClient *client = GH_SERVER_CLIENT (object);
  g_autoptr(GhOverviewPage) self = user_data;
  g_autoptr(JsonObject) document = NULL;
  g_autoptr(GError) error = NULL;
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

  if (self->jwks_uri != NULL)
    {
      self->jwks_cancellable = g_cancellable_new ();
      gh_server_client_fetch_jwks_async (client, self->jwks_uri, self->jwks_cancellable,
                                         fetch_jwks_cb, g_object_ref (self));
    }

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

/* What only the embedded server knows, and its start-up failure. */
static void
show_embedded (GhOverviewPage *self)
{
  g_autofree char *port = NULL;
  g_autofree char *error_markup = NULL;
  g_autofree char *data_dir = NULL;
  const char *notice = NULL;
  const char *error_message = NULL;

  gtk_widget_set_visible (GTK_WIDGET (self->server_group), self->server != NULL);

  if (self->server != NULL)
    {
      port = g_strdup_printf ("%u", gh_embedded_server_get_port (self->server));
      notice = gh_embedded_server_get_port_notice (self->server);
      data_dir = display_path (gh_embedded_server_get_data_dir (self->server));
      gh_property_row_set_value (self->secrets_row,
                                 gh_embedded_server_get_secrets (self->server));
    }
  gh_property_row_set_value (self->port_row, port);
  gh_property_row_set_value (self->data_dir_row, data_dir);

  adw_action_row_set_subtitle (self->port_notice_row, notice ? notice : "");
  gtk_widget_set_visible (GTK_WIDGET (self->port_notice_row), notice != NULL);

  /* The description is markup; the error is plain text (paths, addresses). */
  if (self->connection != NULL)
    error_message = gh_connection_get_error_message (self->connection);
  error_markup = g_markup_escape_text (error_message ? error_message : "", -1);
  adw_status_page_set_description (self->failed_page, error_markup);
}

static void
connection_changed_cb (GhOverviewPage *self)
{
  GhServerClient *client = NULL;
  const char *page = "starting";

  switch (connection_state (self))
    {
    case GH_CONNECTION_STATE_STOPPED:
      /* The embedded server waits for Start (the "start-server" preference is off). */
      page = self->server != NULL ? "stopped" : "starting";
      break;

    case GH_CONNECTION_STATE_STARTING:
    case GH_CONNECTION_STATE_STOPPING:
      page = "starting";
      break;

    case GH_CONNECTION_STATE_READY:
      page = "running";
      client = gh_connection_get_client (self->connection);
      break;

    case GH_CONNECTION_STATE_FAILED:
      page = "failed";
      break;
    }

  adw_status_page_set_title (self->starting_page,
                             connection_state (self) == GH_CONNECTION_STATE_STOPPING
                             ? _("Stopping the Server…") : _("Starting the Server…"));

  show_embedded (self);

  /* The page reads the discovery document through the client whenever there is a new one. */
  if (g_set_object (&self->client, client))
    reload_discovery (self);

  update_signing (self);
  gtk_stack_set_visible_child_name (self->state_stack, page);
  update_busy (self);
}

static void
set_up_keyring_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GhOverviewPage) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean cancelled_here = g_cancellable_is_cancelled (self->keyring_cancellable);

  g_clear_object (&self->keyring_cancellable);

  if (gh_keyring_set_up_finish (result, &error))
    {
      if (self->server != NULL)
        gh_embedded_server_restart (self->server);
      return;
    }

  update_signing (self);
  if (cancelled_here)
    return;

  gtk_widget_activate_action (GTK_WIDGET (self), "win.show-toast", "s", error->message);
}

static void
fix_signing_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  GhOverviewPage *self = GH_OVERVIEW_PAGE (widget);
  GhSigningProblem problem;

  if (self->server == NULL || self->keyring_cancellable != NULL)
    return;

  problem = gh_embedded_server_get_signing_problem (self->server);
  if (problem != GH_SIGNING_PROBLEM_NO_KEYRING && problem != GH_SIGNING_PROBLEM_KEYRING_LOCKED)
    {
      gh_embedded_server_restart (self->server);
      return;
    }

  /* GNOME Keyring shows its own password dialog; the server restarts once it is unlocked. */
  self->keyring_cancellable = g_cancellable_new ();
  gh_keyring_set_up_async (self->keyring_cancellable, set_up_keyring_cb, g_object_ref (self));
  update_signing (self);
}

static void
use_file_secrets_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  GhOverviewPage *self = GH_OVERVIEW_PAGE (widget);

  if (self->server != NULL)
    gh_embedded_server_use_file_secrets (self->server);
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
unbind (GhOverviewPage *self)
{
  if (self->connection != NULL)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  if (self->server != NULL)
    g_signal_handlers_disconnect_by_data (self->server, self);
  g_clear_object (&self->connection);
  g_clear_object (&self->server);
}

static void
gh_overview_page_dispose (GObject *object)
{
  GhOverviewPage *self = (GhOverviewPage *)object;

  clear_discovery (self);
  g_cancellable_cancel (self->keyring_cancellable);
  unbind (self);
  g_clear_object (&self->client);

  /* AdwBin unparents its child itself: let it, before the template drops its references. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), GH_TYPE_OVERVIEW_PAGE);

  G_OBJECT_CLASS (gh_overview_page_parent_class)->dispose (object);
}

static void
gh_overview_page_connection_changed (GhPage       *page,
                                     GhConnection *previous)
{
  GhOverviewPage *self = GH_OVERVIEW_PAGE (page);
  GhConnection *connection = gh_page_get_connection (page);

  unbind (self);

  if (connection != NULL)
    {
      self->connection = g_object_ref (connection);
      g_signal_connect_object (connection, "notify", G_CALLBACK (connection_changed_cb), self,
                               G_CONNECT_SWAPPED);
      self->server = gh_connection_get_embedded_server (connection);
      if (self->server != NULL)
        {
          g_object_ref (self->server);
          g_signal_connect_object (self->server, "notify", G_CALLBACK (connection_changed_cb),
                                   self, G_CONNECT_SWAPPED);
        }
    }

  connection_changed_cb (self);
}

static void
gh_overview_page_class_init (GhOverviewPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GhPageClass *page_class = GH_PAGE_CLASS (klass);

  object_class->dispose = gh_overview_page_dispose;

  /* Busy until the user sees the server's state settled: running with its addresses (or the
   * reason they are missing), or failed. */
  page_class->connection_changed = gh_overview_page_connection_changed;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/gatehouse/Gatehouse/pages/"
                                               "gh-overview-page.ui");
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, data_dir_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, discovery_error_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, file_button);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, file_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, fix_button);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, fix_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, discovery_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, discovery_spinner);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, failed_page);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, issuer_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, jwks_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, port_notice_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, port_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, secrets_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, server_group);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, signing_error_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, signing_group);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, starting_page);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, state_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, state_stack);

  gtk_widget_class_install_action (widget_class, "overview.reload", NULL, reload_action);
  gtk_widget_class_install_action (widget_class, "overview.start-server", NULL,
                                   start_server_action);
  gtk_widget_class_install_action (widget_class, "overview.fix-signing", NULL,
                                   fix_signing_action);
  gtk_widget_class_install_action (widget_class, "overview.use-file-secrets", NULL,
                                   use_file_secrets_action);
}

static void
gh_overview_page_init (GhOverviewPage *self)
{
  self->n_published_keys = -1;

  g_type_ensure (GH_TYPE_PROPERTY_ROW);
  gtk_widget_init_template (GTK_WIDGET (self));

  connection_changed_cb (self);
}
