/* gh-connect-window.c — connect to a remote Gatehouse server: address, admin token, trust
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <glib/gi18n.h>

#include "gh-connect-window.h"
#include "gh-credentials.h"
#include "gh-property-row.h"
#include "gh-trust.h"

/* Connecting is a GhConnection of its own, probed (STARTING) until READY or FAILED: the
 * window's pages only move to it once it answered. */
struct _GhConnectWindow
{
  AdwWindow         parent_instance;

  GtkWidget        *certificate_group;
  GtkWidget        *connect_button;
  GtkWidget        *error_box;
  GtkLabel         *error_label;
  GhPropertyRow    *fingerprint_row;
  GhPropertyRow    *issuer_row;
  GhPropertyRow    *not_after_row;
  GhPropertyRow    *not_before_row;
  GhPropertyRow    *problems_row;
  GtkSwitch        *remember_switch;
  GtkScrolledWindow *scrolled_window;
  GtkSpinner       *spinner;
  GhPropertyRow    *subject_row;
  AdwEntryRow      *token_row;
  AdwEntryRow      *url_row;

  GhConnection     *connection;    /* being tried */
  GTlsCertificate  *certificate;   /* refused, shown, for "Trust This Certificate" */
  char             *address;       /* its host:port */
  GCancellable     *cancellable;   /* the keyring */
  guint             scroll_frames;
};

G_DEFINE_FINAL_TYPE (GhConnectWindow, gh_connect_window, ADW_TYPE_WINDOW)

enum
{
  SIGNAL_CONNECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
set_busy (GhConnectWindow *self,
          gboolean         busy)
{
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->url_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->token_row), !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "connect.connect", !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "connect.trust",
                                 !busy && self->certificate != NULL);
}

static void
show_error (GhConnectWindow *self,
            const char      *message)
{
  gtk_label_set_label (self->error_label, message);
  gtk_widget_set_visible (self->error_box, message != NULL);
}

static void
drop_connection (GhConnectWindow *self)
{
  if (self->connection == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->connection, self);
  g_clear_object (&self->connection);
}

static char *
format_time (GDateTime *time)
{
  g_autoptr(GDateTime) utc = NULL;

  if (time == NULL)
    return g_strdup (_("Not given"));
  utc = g_date_time_to_utc (time);
  return g_date_time_format (utc, "%Y-%m-%d %H:%M:%S UTC");
}

#define CERTIFICATE_HEIGHT 560
#define SCROLL_FRAMES 60

/* Once laid out (a few frames after the window grew): the error and the certificate's details
 * in view, up to its Trust button. */
static gboolean
scroll_to_certificate_cb (GtkWidget     *widget,
                          GdkFrameClock *frame_clock,
                          gpointer       user_data)
{
  GhConnectWindow *self = GH_CONNECT_WINDOW (widget);
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scrolled_window);
  GtkWidget *content = gtk_scrolled_window_get_child (self->scrolled_window);
  graphene_point_t point;
  double target;

  if (!gtk_widget_get_visible (self->certificate_group) || ++self->scroll_frames > SCROLL_FRAMES ||
      !gtk_widget_compute_point (self->error_box, content, &GRAPHENE_POINT_INIT (0, 0), &point))
    return G_SOURCE_REMOVE;
  target = MIN (point.y - 12,
                gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment));
  gtk_adjustment_set_value (adjustment, target);

  /* Until the new rows count in the scrolled height */
  return gtk_widget_get_height (self->certificate_group) > 0 && target >= point.y - 12
         ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void
show_certificate (GhConnectWindow      *self,
                  GTlsCertificate      *certificate,
                  GTlsCertificateFlags  errors)
{
  g_autoptr(GDateTime) not_before = NULL;
  g_autoptr(GDateTime) not_after = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *issuer = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *problems = NULL;

  g_set_object (&self->certificate, certificate);
  gtk_widget_set_visible (self->certificate_group, certificate != NULL);
  if (certificate == NULL)
    return;

  subject = g_tls_certificate_get_subject_name (certificate);
  issuer = g_tls_certificate_get_issuer_name (certificate);
  not_before = g_tls_certificate_get_not_valid_before (certificate);
  not_after = g_tls_certificate_get_not_valid_after (certificate);
  before = format_time (not_before);
  after = format_time (not_after);
  fingerprint = gh_certificate_dup_fingerprint (certificate);
  problems = gh_certificate_describe_errors (errors);

  gh_property_row_set_value (self->problems_row, problems);
  gh_property_row_set_value (self->subject_row, subject != NULL ? subject : _("Not given"));
  gh_property_row_set_value (self->issuer_row, issuer != NULL ? issuer : _("Not given"));
  gh_property_row_set_value (self->not_before_row, before);
  gh_property_row_set_value (self->not_after_row, after);
  gh_property_row_set_value (self->fingerprint_row, fingerprint);

  /* Room for the details (the window took its natural height for the form alone) */
  if (gtk_widget_get_height (GTK_WIDGET (self)) < CERTIFICATE_HEIGHT)
    gtk_window_set_default_size (GTK_WINDOW (self), gtk_widget_get_width (GTK_WIDGET (self)),
                                 CERTIFICATE_HEIGHT);
  self->scroll_frames = 0;
  gtk_widget_add_tick_callback (GTK_WIDGET (self), scroll_to_certificate_cb, NULL, NULL);
}

static void
finish (GhConnectWindow *self,
        const char      *warning)
{
  g_autoptr(GhConnection) connection = g_object_ref (self->connection);

  gh_credentials_add_recent (gh_connection_get_remote_url (connection));
  drop_connection (self);
  set_busy (self, FALSE);
  g_signal_emit (self, signals[SIGNAL_CONNECTED], 0, connection);
  if (warning != NULL)
    {
      GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

      if (parent != NULL)
        gtk_widget_activate_action (GTK_WIDGET (parent), "win.show-toast", "s", warning);
    }
  gtk_window_close (GTK_WINDOW (self));
}

static void
token_stored_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GhConnectWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;

  if (!gh_credentials_store_finish (result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->connection == NULL)
        return;
      warning = g_strdup_printf (_("Connected, but the token could not be kept in the "
                                   "keyring: %s"), error->message);
    }
  finish (self, warning);
}

static void
token_cleared_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* Nothing was stored, or it is gone: either way not kept */
  if (!gh_credentials_clear_finish (result, &error))
    g_debug ("Forgetting a token: %s", error->message);
}

static void
connection_state_cb (GhConnectWindow *self)
{
  GTlsCertificateFlags errors = 0;
  GTlsCertificate *certificate;

  switch (gh_connection_get_state (self->connection))
    {
    case GH_CONNECTION_STATE_READY:
      if (gtk_switch_get_active (self->remember_switch))
        gh_credentials_store_async (gh_connection_get_remote_url (self->connection),
                                    gh_connection_get_credential (self->connection),
                                    self->cancellable, token_stored_cb,
                                    g_object_ref (self));
      else
        {
          /* Not to be remembered: a token kept before for this server goes */
          gh_credentials_clear_async (gh_connection_get_remote_url (self->connection), NULL,
                                      token_cleared_cb, NULL);
          finish (self, NULL);
        }
      break;

    case GH_CONNECTION_STATE_FAILED:
      certificate = gh_connection_get_peer_certificate (self->connection, &errors);
      if (certificate != NULL)
        {
          /* Its problems in words are in the certificate's group, below */
          g_autofree char *message =
            g_strdup_printf (_("Certificate problem: this computer does not trust the "
                               "certificate of %s."), self->address);

          show_error (self, message);
        }
      else
        show_error (self, gh_connection_get_error_message (self->connection));
      show_certificate (self, certificate, errors);
      drop_connection (self);
      set_busy (self, FALSE);
      break;

    case GH_CONNECTION_STATE_STARTING:
    case GH_CONNECTION_STATE_STOPPED:
    case GH_CONNECTION_STATE_STOPPING:
    default:
      break;
    }
}

static void
connect_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  GhConnectWindow *self = GH_CONNECT_WINDOW (widget);
  g_autofree char *url =
    g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->url_row))));
  g_autofree char *token =
    g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->token_row))));
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;

  if (self->connection != NULL)
    return;

  while (g_str_has_suffix (url, "/"))
    url[strlen (url) - 1] = '\0';
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0))
    {
      show_error (self, _("Enter the server's address, starting with https:// or http://, "
                          "for example https://gatehouse.example.com:8443."));
      gtk_widget_grab_focus (GTK_WIDGET (self->url_row));
      return;
    }
  if (*token == '\0')
    {
      show_error (self, _("Enter an admin token of that server."));
      gtk_widget_grab_focus (GTK_WIDGET (self->token_row));
      return;
    }

  g_free (self->address);
  self->address = gh_trust_dup_address (url);
  show_error (self, NULL);
  show_certificate (self, NULL, 0);
  self->connection = gh_connection_new_remote (url, token);
  g_signal_connect_object (self->connection, "notify::state",
                           G_CALLBACK (connection_state_cb), self, G_CONNECT_SWAPPED);
  set_busy (self, TRUE);
  connection_state_cb (self);
}

static void
trust_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  GhConnectWindow *self = GH_CONNECT_WINDOW (widget);

  if (self->certificate == NULL || self->address == NULL)
    return;

  gh_trust_remember (self->address, self->certificate);
  gtk_widget_activate_action (widget, "connect.connect", NULL);
}

/* Another address: the certificate shown (and its Trust button) was that of the last one. */
static void
url_changed_cb (GhConnectWindow *self)
{
  if (self->certificate == NULL || self->connection != NULL)
    return;
  show_certificate (self, NULL, 0);
  show_error (self, NULL);
  set_busy (self, FALSE);
}

static void
gh_connect_window_dispose (GObject *object)
{
  GhConnectWindow *self = GH_CONNECT_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  drop_connection (self);
  g_clear_object (&self->certificate);
  gtk_widget_dispose_template (GTK_WIDGET (self), GH_TYPE_CONNECT_WINDOW);

  G_OBJECT_CLASS (gh_connect_window_parent_class)->dispose (object);
}

static void
gh_connect_window_finalize (GObject *object)
{
  GhConnectWindow *self = GH_CONNECT_WINDOW (object);

  g_free (self->address);

  G_OBJECT_CLASS (gh_connect_window_parent_class)->finalize (object);
}

static void
gh_connect_window_class_init (GhConnectWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = gh_connect_window_dispose;
  object_class->finalize = gh_connect_window_finalize;

  signals[SIGNAL_CONNECTED] =
    g_signal_new ("connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, GH_TYPE_CONNECTION);

  g_type_ensure (GH_TYPE_PROPERTY_ROW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/gatehouse/Gatehouse/dialogs/"
                                               "gh-connect-window.ui");
  gtk_widget_class_bind_template_child (widget_class, GhConnectWindow, certificate_group);
  gtk_widget_class_bind_template_child (widget_class, GhConnectWindow, connect_button);
  gtk_widget_class_bind_template_child (widget_class, GhConnectWindow, error_box);
  gtk_widget_class_bind_template_child (widget_class, GhConnectWindow, error_label);
  gtk_widget_class_bind_template_child (widget_class, GhConnectWindow, fingerprint_row);
  gtk_widget_class_bind_template_child (widget_class, GhConnectWindow, issuer_row);
  gtk_widget_class_bind_template_child (widget_class, GhConnectWindow, not_after_row);
  gtk_widget_class_bind_template_child (widget_class, GhConnectWindow, not_before_row);
  gtk_widget_class_bind_template_child (widget_class, GhConnectWindow, problems_row);
  gtk_widget_class_bind_template_child (widget_class, GhConnectWindow, remember_switch);
  gtk_widget_class_bind_template_child (widget_class, GhConnectWindow, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, GhConnectWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, GhConnectWindow, subject_row);
  gtk_widget_class_bind_template_child (widget_class, GhConnectWindow, token_row);
  gtk_widget_class_bind_template_child (widget_class, GhConnectWindow, url_row);

  gtk_widget_class_install_action (widget_class, "connect.connect", NULL, connect_action);
  gtk_widget_class_install_action (widget_class, "connect.trust", NULL, trust_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
gh_connect_window_init (GhConnectWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  g_signal_connect_object (self->url_row, "changed", G_CALLBACK (url_changed_cb), self,
                           G_CONNECT_SWAPPED);
  set_busy (self, FALSE);
}

GhConnectWindow *
gh_connect_window_new (GtkWindow *parent)
{
  g_return_val_if_fail (!parent || GTK_IS_WINDOW (parent), NULL);

  return g_object_new (GH_TYPE_CONNECT_WINDOW,
                       "transient-for", parent,
                       NULL);
}

void
gh_connect_window_set_url (GhConnectWindow *self,
                           const char      *url)
{
  g_return_if_fail (GH_IS_CONNECT_WINDOW (self));

  gtk_editable_set_text (GTK_EDITABLE (self->url_row), url != NULL ? url : "");
  if (url != NULL)
    gtk_widget_grab_focus (GTK_WIDGET (self->token_row));
}
