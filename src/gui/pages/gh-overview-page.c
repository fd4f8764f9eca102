/* gh-overview-page.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <glib/gi18n.h>

#include "gh-activity-chart.h"
#include "gh-admin-json.h"
#include "gh-client-family.h"
#include "gh-explain-card.h"
#include "gh-format.h"
#include "gh-keyring.h"
#include "gh-overview-page.h"
#include "gh-property-row.h"

/* The server and the project at a glance. The server's state comes from the connection (the
 * embedded server's start, failure and signing problems with their ways out); what runs, where
 * and since when from GET /admin/v1/server; the project's issuer from the admin API and its
 * endpoints from its discovery document, over HTTP, each with Copy and Copy as curl; the
 * counts, the failures grouped by explain rule and the last hour per minute from
 * GET .../summary, kept current by the window's live event stream. What only the embedded
 * server knows (port, keys, data folder) is shown for it alone. */

/* The count tiles, in the order shown. */
typedef enum
{
  TILE_CLIENTS,
  TILE_TOKENS,
  TILE_IATS,
  TILE_EVENTS,
  TILE_FAILURES,
  N_TILES
} Tile;

static const struct {
  const char *name;     /* the tile button's widget name */
  const char *member;   /* in the summary's "counts" */
  const char *caption;
  const char *tooltip;
} tiles[N_TILES] = {
  { "clients-tile", "clients", N_("Clients"), N_("Show the clients") },
  { "tokens-tile", "active_tokens", N_("Active Tokens"),
    N_("Access tokens neither expired nor revoked; shown under their clients") },
  { "iats-tile", "initial_access_tokens", N_("Initial Access Tokens"),
    N_("Show the initial access tokens") },
  { "events-tile", "events", N_("Events Today"), N_("Show the audit events") },
  { "failures-tile", "failures", N_("Failures Today"), N_("Show the failed events") },
};

/* The endpoint rows with Copy as curl: the name is the action's target. */
typedef enum
{
  ENDPOINT_ISSUER,
  ENDPOINT_DISCOVERY,
  ENDPOINT_OPENID,
  ENDPOINT_JWKS,
  ENDPOINT_AUTHORIZE,
  ENDPOINT_TOKEN,
  ENDPOINT_REGISTRATION,
  N_ENDPOINTS
} Endpoint;

static const char * const endpoint_names[N_ENDPOINTS] = {
  "issuer", "discovery", "openid", "jwks", "authorize", "token", "registration",
};

/* Failures of one explain rule today. */
/* A client id and a User-Agent (either NULL) that sent a group's failures. */
typedef struct
{
  char *client_id;
  char *user_agent;
} Sender;

/* The senders a group holds at most, as the server's summary names them */
#define MAX_SENDERS 10

static void
sender_free (Sender *sender)
{
  g_free (sender->client_id);
  g_free (sender->user_agent);
  g_free (sender);
}

typedef struct
{
  char       *rule;
  gint64      count;
  gint64      last_time;   /* µs */
  char       *client_id;   /* of the newest, or NULL */
  char       *user_agent;
  char       *flow_id;     /* the newest's flow, or NULL: it opens in Live flows */
  gint64      event_id;    /* the newest's event, its step there */
  char       *description; /* the newest's error_description, for a failure without explain */
  JsonObject *explain;     /* the newest's, or NULL */
  GPtrArray  *senders;     /* Sender: who sent them, newest first, each pair once */
  gboolean    senders_more; /* more senders than the list holds */
} Group;

static void
group_free (Group *group)
{
  g_free (group->rule);
  g_free (group->client_id);
  g_free (group->user_agent);
  g_free (group->flow_id);
  g_free (group->description);
  g_clear_pointer (&group->explain, json_object_unref);
  g_clear_pointer (&group->senders, g_ptr_array_unref);
  g_free (group);
}

struct _GhOverviewPage
{
  GhPage            parent_instance;

  GhConnection     *connection;  /* the page's, while it listens to it */
  GhEmbeddedServer *server;      /* the connection's, when embedded */
  GhServerClient   *base_client; /* the connection's */
  GhServerClient   *client;      /* the project's issuer's: the base one, or one of its own */
  GCancellable     *discovery_cancellable;
  GCancellable     *jwks_cancellable;
  GCancellable     *keyring_cancellable;
  char             *issuer;
  char             *discovery_url;
  char             *endpoints[N_ENDPOINTS];
  char             *dcr_mode;    /* the project's, for the registration command */
  int               n_published_keys;  /* -1: not known */

  /* The admin API's part: the loads of this round still out, and whether one is due */
  guint             loads;
  gboolean          awaiting_reload;
  gboolean          summary_loading;
  GPtrArray        *held_events;   /* GhAuditEventItem: came while the summary was read */
  gint64            last_event_id; /* the newest the counts hold */
  gint64            since;         /* µs: the start of today the counts hold */
  gint64            counts[N_TILES];
  gboolean          have_counts;
  GPtrArray        *groups;        /* Group, newest first */
  guint             refresh_id;    /* a summary read due after an event that changes counts */
  guint             show_id;       /* counts and attention shown again after live events */
  gboolean          show_pending;  /* and what came while the page was hidden, once shown */

  gint64            uptime_s;      /* as the server said it ... */
  gint64            uptime_at;     /* ... at this monotonic time (µs); 0: unknown */
  guint             tick_id;
  guint             ticks;

  GtkLabel         *tile_values[N_TILES];
  GtkWidget        *tile_buttons[N_TILES];

  /* Template widgets */
  AdwPreferencesGroup *activity_group;
  GtkListBox       *attention_list;
  AdwPreferencesGroup *attention_group;
  GhPropertyRow    *authorize_row;
  GhActivityChart  *chart;
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
  GhPropertyRow    *listen_row;
  GhPropertyRow    *openid_row;
  AdwActionRow     *port_notice_row;
  GhPropertyRow    *port_row;
  GhPropertyRow    *registration_row;
  GhPropertyRow    *secrets_row;
  AdwPreferencesGroup *server_group;
  AdwActionRow     *signing_error_row;
  AdwPreferencesGroup *signing_group;
  AdwStatusPage    *starting_page;
  GhPropertyRow    *state_row;
  GtkStack         *state_stack;
  AdwPreferencesGroup *summary_error_group;
  AdwActionRow     *summary_error_row;
  AdwPreferencesGroup *summary_group;
  GtkSpinner       *summary_spinner;
  GtkBox           *tiles_box;
  GhPropertyRow    *tls_row;
  GhPropertyRow    *token_row;
  GhPropertyRow    *uptime_row;
  GhPropertyRow    *version_row;
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
           self->jwks_cancellable != NULL || self->awaiting_reload || self->loads > 0;
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
                             : self->server != NULL
                             ? _("Running, reachable only from this computer")
                             : _("Running"));

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

/* The endpoint rows, in the order of Endpoint. */
static GhPropertyRow *
endpoint_row (GhOverviewPage *self,
              Endpoint        endpoint)
{
  GhPropertyRow *rows[N_ENDPOINTS] = {
    self->issuer_row, self->discovery_row, self->openid_row, self->jwks_row,
    self->authorize_row, self->token_row, self->registration_row,
  };

  return rows[endpoint];
}

static void
show_discovery (GhOverviewPage *self,
                const char     *error_message)
{
  gboolean loading = self->discovery_cancellable != NULL;
  gboolean loaded = !loading && error_message == NULL && self->issuer != NULL;

  gtk_spinner_set_spinning (self->discovery_spinner, loading);
  gtk_widget_set_visible (GTK_WIDGET (self->discovery_spinner), loading);

  for (guint i = 0; i < N_ENDPOINTS; i++)
    {
      GhPropertyRow *row = endpoint_row (self, i);

      gh_property_row_set_value (row, self->endpoints[i]);
      gtk_widget_set_visible (GTK_WIDGET (row), loaded && self->endpoints[i] != NULL);
    }
  /* A project that takes no registrations says so where the endpoint would be. */
  if (loaded && self->endpoints[ENDPOINT_REGISTRATION] == NULL)
    {
      gh_property_row_set_value (self->registration_row,
                                 _("None: dynamic client registration is disabled in this "
                                   "project"));
      gtk_widget_set_visible (GTK_WIDGET (self->registration_row), TRUE);
    }
  gh_property_row_set_copyable (self->registration_row,
                                self->endpoints[ENDPOINT_REGISTRATION] != NULL);

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
  for (guint i = 0; i < N_ENDPOINTS; i++)
    g_clear_pointer (&self->endpoints[i], g_free);
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

/* The OpenID Connect form of an RFC 8414 discovery URL: the same place, the other name (a
 * path issuer's path inserted after it, as Gatehouse serves both). */
static char *
openid_url (const char *discovery_url)
{
  const char *name = "/.well-known/oauth-authorization-server";
  const char *at = strstr (discovery_url, name);

  if (at == NULL)
    return NULL;

  return g_strdup_printf ("%.*s/.well-known/openid-configuration%s",
                          (int) (at - discovery_url), discovery_url, at + strlen (name));
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

  issuer = gh_json_string (document, "issuer");
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
  self->endpoints[ENDPOINT_ISSUER] = g_strdup (issuer);
  self->endpoints[ENDPOINT_DISCOVERY] = g_strdup (self->discovery_url);
  self->endpoints[ENDPOINT_OPENID] = openid_url (self->discovery_url);
  self->endpoints[ENDPOINT_JWKS] = g_strdup (gh_json_string (document, "jwks_uri"));
  self->endpoints[ENDPOINT_AUTHORIZE] =
    g_strdup (gh_json_string (document, "authorization_endpoint"));
  self->endpoints[ENDPOINT_TOKEN] = g_strdup (gh_json_string (document, "token_endpoint"));
  self->endpoints[ENDPOINT_REGISTRATION] =
    g_strdup (gh_json_string (document, "registration_endpoint"));

  if (self->endpoints[ENDPOINT_JWKS] != NULL)
    {
      self->jwks_cancellable = g_cancellable_new ();
      gh_server_client_fetch_jwks_async (client, self->endpoints[ENDPOINT_JWKS],
                                         self->jwks_cancellable, fetch_jwks_cb,
                                         g_object_ref (self));
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

  gtk_widget_set_visible (GTK_WIDGET (self->port_row), self->server != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->data_dir_row), self->server != NULL);

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
  /* A remote server says where its keys are through the admin API (show_server ()). */
  if (self->server == NULL && gh_property_row_get_value (self->secrets_row) == NULL)
    gtk_widget_set_visible (GTK_WIDGET (self->secrets_row), FALSE);
  else
    gtk_widget_set_visible (GTK_WIDGET (self->secrets_row), TRUE);

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
                             ? _("Stopping the Server…")
                             : self->server == NULL ? _("Connecting to the Server…")
                             : _("Starting the Server…"));
  /* A remote server does not start here: it answers or not */
  adw_status_page_set_title (self->failed_page, self->server == NULL
                                                ? _("The Server Cannot Be Reached")
                                                : _("The Server Could Not Start"));

  show_embedded (self);

  /* The page reads the discovery document through the client whenever there is a new one
   * (the project's issuer may then give it another: project_loaded ()). */
  if (g_set_object (&self->base_client, client))
    {
      g_set_object (&self->client, client);
      self->awaiting_reload = client != NULL;
      reload_discovery (self);
    }

  update_signing (self);
  gtk_stack_set_visible_child_name (self->state_stack, page);
  update_busy (self);
}

/* ---- what the admin API says: the server, the project, the summary --------------------- */

/* "2 h 13 min 5 s": a duration to the second, largest units first, at most three. */
static char *
format_duration (gint64 seconds)
{
  g_autoptr(GString) text = g_string_new (NULL);
  gint64 days = seconds / 86400;
  gint64 hours = seconds / 3600 % 24;
  gint64 minutes = seconds / 60 % 60;
  guint parts = 0;

  seconds %= 60;
  if (days > 0 && parts++ < 3)
    /* Translators: days of uptime */
    g_string_append_printf (text, _("%" G_GINT64_FORMAT " d "), days);
  if ((hours > 0 || parts > 0) && parts++ < 3)
    /* Translators: hours of uptime */
    g_string_append_printf (text, _("%" G_GINT64_FORMAT " h "), hours);
  if ((minutes > 0 || parts > 0) && parts++ < 3)
    /* Translators: minutes of uptime */
    g_string_append_printf (text, _("%" G_GINT64_FORMAT " min "), minutes);
  if (parts < 3)
    /* Translators: seconds of uptime */
    g_string_append_printf (text, _("%" G_GINT64_FORMAT " s"), seconds);

  return g_strchomp (g_string_free (g_steal_pointer (&text), FALSE));
}

static void
show_uptime (GhOverviewPage *self)
{
  g_autofree char *text = NULL;
  gint64 seconds;

  if (self->uptime_at == 0)
    return;
  seconds = self->uptime_s + (g_get_monotonic_time () - self->uptime_at) / G_USEC_PER_SEC;
  text = format_duration (MAX (seconds, 0));
  gh_property_row_set_value (self->uptime_row, text);
}

/* GET /admin/v1/server: what runs, where, since when, with TLS or not, keys kept where. */
static void
show_server (GhOverviewPage *self,
             JsonObject     *server)
{
  g_autoptr(GString) listen = g_string_new (NULL);
  g_autofree char *tls = NULL;
  JsonObject *certificate = gh_json_object (server, "tls_certificate");
  JsonNode *urls = server != NULL ? json_object_get_member (server, "listen_urls") : NULL;
  const char *version = gh_json_string (server, "version");
  const char *backend = gh_json_string (server, "secret_backend");
  const char *subject = gh_json_string (certificate, "subject");

  if (urls != NULL && JSON_NODE_HOLDS_ARRAY (urls))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (urls)); i++)
      {
        const char *url = json_array_get_string_element (json_node_get_array (urls), i);

        if (url == NULL)
          continue;
        if (listen->len > 0)
          g_string_append_c (listen, '\n');
        g_string_append (listen, url);
      }

  if (server == NULL)
    tls = NULL;
  else if (!json_object_get_boolean_member_with_default (server, "tls", FALSE))
    tls = g_strdup (_("No: plain HTTP"));
  else if (subject != NULL)
    /* Translators: %s is a certificate's subject, e.g. "CN=auth.example.com" */
    tls = g_strdup_printf (_("Yes, certificate %s"), subject);
  else
    tls = g_strdup (_("Yes"));

  self->uptime_at = server != NULL ? g_get_monotonic_time () : 0;
  self->uptime_s = gh_json_int (server, "uptime_s");
  show_uptime (self);

  gh_property_row_set_value (self->version_row, version);
  gh_property_row_set_value (self->listen_row, listen->len > 0 ? listen->str : NULL);
  gh_property_row_set_value (self->tls_row, tls);
  gtk_widget_set_visible (GTK_WIDGET (self->uptime_row), self->uptime_at != 0);
  gtk_widget_set_visible (GTK_WIDGET (self->version_row), version != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->listen_row), listen->len > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->tls_row), tls != NULL);

  /* The embedded server says it in words of its own (show_embedded ()). */
  if (self->server == NULL)
    {
      gh_property_row_set_value (self->secrets_row, backend);
      gtk_widget_set_visible (GTK_WIDGET (self->secrets_row), backend != NULL);
    }
}

/* The family of client a User-Agent names, for "3× … — Claude Code"; else its product. */
static char *
client_family (const char *user_agent,
               const char *client_id)
{
  const char *family = gh_client_family (client_id, user_agent);
  gsize product;

  if (family != NULL)
    return g_strdup (family);
  if (user_agent == NULL || *user_agent == '\0')
    return g_strdup (client_id != NULL ? client_id : _("an unknown client"));

  product = strcspn (user_agent, "/ (");
  return g_strndup (user_agent, product > 0 ? product : strlen (user_agent));
}

/* A sender of a group's failures, once: @newest first, else last (the server lists them
 * newest first); past MAX_SENDERS, only "more". */
static void
group_add_sender (Group      *group,
                  const char *client_id,
                  const char *user_agent,
                  gboolean    newest)
{
  Sender *sender;

  for (guint i = 0; i < group->senders->len; i++)
    {
      sender = g_ptr_array_index (group->senders, i);
      if (g_strcmp0 (sender->client_id, client_id) == 0 &&
          g_strcmp0 (sender->user_agent, user_agent) == 0)
        {
          if (newest && i > 0)
            g_ptr_array_insert (group->senders, 0, g_ptr_array_steal_index (group->senders, i));
          return;
        }
    }
  if (group->senders->len >= MAX_SENDERS)
    {
      group->senders_more = TRUE;
      return;
    }
  sender = g_new0 (Sender, 1);
  sender->client_id = g_strdup (client_id);
  sender->user_agent = g_strdup (user_agent);
  g_ptr_array_insert (group->senders, newest ? 0 : -1, sender);
}

/* Who sent a group's failures, by client family: "Claude Code", "Cursor and Claude Code",
 * "Cursor, Claude Code and 2 others"; "Claude Code, …" when not all of them are known. An
 * event with no User-Agent (a refresh token's replay, found by the server) is not another
 * sender when the same client is named by its User-Agent elsewhere. */
static char *
senders_text (Group *group)
{
  g_autoptr(GHashTable) named = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; group->senders != NULL && i < group->senders->len; i++)
    {
      Sender *sender = g_ptr_array_index (group->senders, i);

      if (sender->client_id != NULL && sender->user_agent != NULL)
        g_hash_table_add (named, sender->client_id);
    }
  for (guint i = 0; group->senders != NULL && i < group->senders->len; i++)
    {
      Sender *sender = g_ptr_array_index (group->senders, i);
      g_autofree char *family = NULL;

      if (sender->user_agent == NULL && sender->client_id != NULL &&
          g_hash_table_contains (named, sender->client_id))
        continue;
      family = client_family (sender->user_agent, sender->client_id);
      if (!g_ptr_array_find_with_equal_func (names, family, g_str_equal, NULL))
        g_ptr_array_add (names, g_steal_pointer (&family));
    }

  if (names->len == 0)
    return client_family (group->user_agent, group->client_id);
  if (group->senders_more)
    /* Translators: the newest senders of failures, when there are more */
    return names->len == 1 ? g_strdup_printf (_("%s, …"), (char *) names->pdata[0])
                           : g_strdup_printf (_("%s, %s, …"), (char *) names->pdata[0],
                                              (char *) names->pdata[1]);
  if (names->len == 1)
    return g_strdup (names->pdata[0]);
  if (names->len == 2)
    /* Translators: two client families, "Cursor and Claude Code" */
    return g_strdup_printf (_("%s and %s"), (char *) names->pdata[0],
                            (char *) names->pdata[1]);
  /* Translators: "Cursor, Claude Code and 2 others" */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s, %s and %u other",
                                       "%s, %s and %u others", names->len - 2),
                          (char *) names->pdata[0], (char *) names->pdata[1],
                          names->len - 2);
}

static void
explain_clicked_cb (GtkButton      *button,
                    GhOverviewPage *self)
{
  Group *group = g_object_get_data (G_OBJECT (button), "gh-group");

  if (group == NULL)
    return;

  /* A failure of a flow opens that flow at its failing step, the Explain card in it. */
  if (group->flow_id != NULL)
    {
      g_autofree char *target = g_strdup_printf ("flow:%s step:%" G_GINT64_FORMAT,
                                                 group->flow_id, group->event_id);

      gh_page_open (GH_PAGE (self), "flows", target);
      return;
    }
  if (group->explain == NULL)
    return;

  gh_explain_card_present (GTK_WIDGET (self), group->explain,
                           gh_page_get_admin_client (GH_PAGE (self)),
                           gh_page_get_project (GH_PAGE (self)));
}

static GtkWidget *
attention_row_new (GhOverviewPage *self,
                   Group          *group)
{
  g_autofree char *name = g_strconcat ("attention-", group->rule, NULL);
  g_autofree char *who = senders_text (group);
  g_autofree char *rule = gh_format_rule_words (group->rule, NULL);
  g_autofree char *title = NULL;
  g_autofree char *when = gh_format_relative (group->last_time, g_get_real_time (), FALSE);
  const char *message = gh_json_string (group->explain, "message");
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *time_label = gtk_label_new (when);
  GtkWidget *icon = gtk_image_new_from_icon_name ("dialog-error-symbolic");

  /* Translators: "3× redirect URI mismatch — Claude Code" */
  title = g_strdup_printf (_("%" G_GINT64_FORMAT "× %s — %s"), group->count, rule, who);
  gtk_widget_set_name (row, name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                               message != NULL ? message
                               : group->description != NULL ? group->description : "");
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);

  gtk_widget_add_css_class (icon, "error");
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Failure"), -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);

  gtk_widget_set_name (time_label, "attention-time");
  gtk_widget_add_css_class (time_label, "dim-label");
  gtk_widget_add_css_class (time_label, "caption");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), time_label);

  if (group->flow_id != NULL || group->explain != NULL)
    {
      GtkWidget *button = gtk_button_new_with_mnemonic (group->flow_id != NULL ? _("_Open Flow")
                                                                              : _("_Explain"));

      gtk_widget_set_name (button, group->flow_id != NULL ? "open-flow-button"
                                                          : "explain-button");
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (button, group->flow_id != NULL
                                   ? _("The flow in Live flows, at its failing step with "
                                       "the Explain card")
                                   : _("Why it was refused, and the fix"));
      g_object_set_data (G_OBJECT (button), "gh-group", group);
      g_signal_connect_object (button, "clicked", G_CALLBACK (explain_clicked_cb), self, 0);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);
    }

  return row;
}

static void
show_attention (GhOverviewPage *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->attention_list))) != NULL)
    gtk_list_box_remove (self->attention_list, child);

  for (guint i = 0; i < self->groups->len; i++)
    gtk_list_box_append (self->attention_list,
                         attention_row_new (self, g_ptr_array_index (self->groups, i)));

  if (self->groups->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *icon = gtk_image_new_from_icon_name ("emblem-ok-symbolic");

      gtk_widget_set_name (row, "attention-none");
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No failures today"));
      gtk_widget_add_css_class (icon, "success");
      gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Nothing failed"), -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      gtk_list_box_append (self->attention_list, row);
    }
}

static void
show_counts (GhOverviewPage *self)
{
  for (guint i = 0; i < N_TILES; i++)
    {
      g_autofree char *value = NULL;

      if (self->have_counts)
        value = g_strdup_printf ("%" G_GINT64_FORMAT, self->counts[i]);
      gtk_label_set_label (self->tile_values[i], value != NULL ? value : "–");
    }
  /* Red while something failed today */
  if (self->have_counts && self->counts[TILE_FAILURES] > 0)
    gtk_widget_add_css_class (GTK_WIDGET (self->tile_values[TILE_FAILURES]), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->tile_values[TILE_FAILURES]), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->summary_group),
                          self->have_counts || self->summary_loading);
  gh_page_set_badge (GH_PAGE (self), self->have_counts ? self->counts[TILE_FAILURES] : 0, TRUE);
}

/* The group of @rule taken out of the list (put it back in front), or a new one. */
static Group *
take_group (GhOverviewPage *self,
            const char     *rule)
{
  Group *group;

  for (guint i = 0; i < self->groups->len; i++)
    {
      group = g_ptr_array_index (self->groups, i);
      if (g_strcmp0 (group->rule, rule) == 0)
        return g_ptr_array_steal_index (self->groups, i);
    }

  group = g_new0 (Group, 1);
  group->rule = g_strdup (rule);
  group->senders = g_ptr_array_new_with_free_func ((GDestroyNotify) sender_free);
  return group;
}

/* The newest failure of @group, from an event's members. */
static void
group_set_last (Group      *group,
                gint64      time,
                const char *client_id,
                const char *user_agent,
                const char *flow_id,
                gint64      event_id,
                JsonObject *details)
{
  JsonObject *explain = gh_json_object (details, "explain");

  group->last_time = time;
  g_free (group->flow_id);
  group->flow_id = g_strdup (flow_id);
  group->event_id = event_id;
  g_free (group->client_id);
  group->client_id = g_strdup (client_id);
  g_free (group->user_agent);
  group->user_agent = g_strdup (user_agent);
  g_free (group->description);
  group->description = g_strdup (gh_json_string (details, "error_description"));
  g_clear_pointer (&group->explain, json_object_unref);
  group->explain = explain != NULL ? json_object_ref (explain) : NULL;
}

static void load_summary (GhOverviewPage *self);

static gboolean
refresh_cb (gpointer user_data)
{
  GhOverviewPage *self = user_data;

  self->refresh_id = 0;
  if (!self->summary_loading)
    load_summary (self);
  return G_SOURCE_REMOVE;
}

/* One event of the project's, past what the counts hold: counted, charted, grouped. */
static void
apply_event (GhOverviewPage   *self,
             GhAuditEventItem *item)
{
  const char *type = gh_audit_event_item_get_event_type (item);
  gboolean failure = g_strcmp0 (gh_audit_event_item_get_outcome (item), "failure") == 0;
  gint64 time = gh_audit_event_item_get_time (item);

  if (gh_audit_event_item_get_id (item) <= self->last_event_id)
    return;
  self->last_event_id = gh_audit_event_item_get_id (item);

  gh_activity_chart_add_event (self->chart, time, failure);
  if (time < self->since)
    return;

  self->counts[TILE_EVENTS]++;
  if (failure)
    {
      JsonObject *explain = gh_audit_event_item_get_explain (item);
      const char *rule = gh_json_string (explain, "rule");
      Group *group;

      if (rule == NULL)
        rule = type;
      self->counts[TILE_FAILURES]++;
      group = take_group (self, rule);
      group->count++;
      group_add_sender (group, gh_audit_event_item_get_client_id (item),
                        gh_audit_event_item_get_user_agent (item), TRUE);
      group_set_last (group, time, gh_audit_event_item_get_client_id (item),
                      gh_audit_event_item_get_user_agent (item),
                      gh_audit_event_item_get_flow_id (item), gh_audit_event_item_get_id (item),
                      gh_audit_event_item_get_details (item));
      g_ptr_array_insert (self->groups, 0, group);
    }

  /* Clients, tokens and IATs: their counts are read again, once things are quiet. */
  if (type != NULL &&
      (g_str_has_prefix (type, "oauth_client.") || g_str_has_prefix (type, "token.") ||
       g_str_has_prefix (type, "refresh_token.") || g_str_has_prefix (type, "iat.") ||
       g_str_has_prefix (type, "code.")))
    {
      g_clear_handle_id (&self->refresh_id, g_source_remove);
      self->refresh_id = g_timeout_add (500, refresh_cb, self);
    }
}

static gboolean
show_events_cb (gpointer user_data)
{
  GhOverviewPage *self = GH_OVERVIEW_PAGE (user_data);

  self->show_id = 0;
  /* Hidden: only the sidebar's count, the rest once the page is shown again. Every change of
   * a hidden page is measured in the shown page's next frame (the window's page stack is
   * homogeneous): at 1 000 events a second that was most of another page's frame. */
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      self->show_pending = TRUE;
      gh_page_set_badge (GH_PAGE (self), self->have_counts ? self->counts[TILE_FAILURES] : 0,
                         TRUE);
      return G_SOURCE_REMOVE;
    }
  show_counts (self);
  show_attention (self);

  return G_SOURCE_REMOVE;
}

static void
mapped_cb (GhOverviewPage *self)
{
  if (!self->show_pending)
    return;
  self->show_pending = FALSE;
  show_counts (self);
  show_attention (self);
}

static void
gh_overview_page_event (GhPage           *page,
                        GhAuditEventItem *item)
{
  GhOverviewPage *self = GH_OVERVIEW_PAGE (page);

  /* The summary being read may hold it already: decided once it is there. */
  if (self->summary_loading)
    {
      g_ptr_array_add (self->held_events, g_object_ref (item));
      return;
    }
  if (!self->have_counts)
    return;

  apply_event (self, item);
  /* Shown once for the events of a frame, not at each (bench/console.sh: rebuilding the
   * attention list at every event held the window at a few hundred events a second). */
  if (self->show_id == 0)
    self->show_id = g_timeout_add (16, show_events_cb, self);
}

static void
load_done (GhOverviewPage *self)
{
  if (self->loads > 0)
    self->loads--;
  update_busy (self);
}

/* The start of today, here: what "today" counts from. */
static gint64
start_of_today (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) midnight =
    g_date_time_new_local (g_date_time_get_year (now), g_date_time_get_month (now),
                           g_date_time_get_day_of_month (now), 0, 0, 0);

  return g_date_time_to_unix (midnight) * G_USEC_PER_SEC;
}

static void
summary_loaded_cb (GhPage       *page,
                   JsonObject   *answer,
                   const GError *error,
                   gpointer      user_data)
{
  GhOverviewPage *self = GH_OVERVIEW_PAGE (page);
  JsonObject *counts = gh_json_object (answer, "counts");
  JsonObject *minutes = gh_json_object (answer, "per_minute");
  JsonNode *groups = answer != NULL ? json_object_get_member (answer, "failures_by_rule")
                                    : NULL;
  g_autoptr(GPtrArray) held = g_steal_pointer (&self->held_events);

  self->held_events = g_ptr_array_new_with_free_func (g_object_unref);
  self->summary_loading = FALSE;
  gtk_spinner_set_spinning (self->summary_spinner, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->summary_spinner), FALSE);

  gtk_widget_set_visible (GTK_WIDGET (self->summary_error_group), error != NULL);
  if (error != NULL)
    {
      adw_action_row_set_subtitle (self->summary_error_row, error->message);
      self->have_counts = FALSE;
      show_counts (self);
      gtk_widget_set_visible (GTK_WIDGET (self->activity_group), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->attention_group), FALSE);
      load_done (self);
      return;
    }

  self->have_counts = TRUE;
  self->last_event_id = gh_json_int (answer, "last_event_id");
  for (guint i = 0; i < N_TILES; i++)
    self->counts[i] = gh_json_int (counts, tiles[i].member);

  g_ptr_array_set_size (self->groups, 0);
  if (groups != NULL && JSON_NODE_HOLDS_ARRAY (groups))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (groups)); i++)
      {
        JsonObject *object = json_array_get_object_element (json_node_get_array (groups), i);
        JsonObject *event = gh_json_object (object, "last_event");
        Group *group = g_new0 (Group, 1);
        JsonArray *senders = gh_json_array (object, "senders");

        group->rule = g_strdup (gh_json_string (object, "rule"));
        group->count = gh_json_int (object, "count");
        group->senders = g_ptr_array_new_with_free_func ((GDestroyNotify) sender_free);
        for (guint j = 0; senders != NULL && j < json_array_get_length (senders); j++)
          {
            JsonObject *sender = json_array_get_object_element (senders, j);

            group_add_sender (group, gh_json_string (sender, "client_id"),
                              gh_json_string (sender, "user_agent"), FALSE);
          }
        group->senders_more = group->senders_more || gh_json_bool (object, "senders_more");
        group_set_last (group, gh_json_int (object, "last_time"),
                        gh_json_string (event, "client_id"), gh_json_string (event, "user_agent"),
                        gh_json_string (event, "flow_id"), gh_json_int (event, "id"),
                        gh_json_object (event, "details"));
        g_ptr_array_add (self->groups, group);
      }

  if (minutes != NULL)
    {
      JsonNode *events = json_object_get_member (minutes, "events");
      JsonNode *failures = json_object_get_member (minutes, "failures");
      gint64 series[2][GH_ACTIVITY_CHART_MINUTES] = { { 0 } };
      guint n = 0;

      if (events != NULL && failures != NULL && JSON_NODE_HOLDS_ARRAY (events) &&
          JSON_NODE_HOLDS_ARRAY (failures))
        {
          JsonArray *e = json_node_get_array (events);
          JsonArray *f = json_node_get_array (failures);

          n = MIN (MIN (json_array_get_length (e), json_array_get_length (f)),
                   GH_ACTIVITY_CHART_MINUTES);
          for (guint i = 0; i < n; i++)
            {
              series[0][i] = json_array_get_int_element (e, i);
              series[1][i] = json_array_get_int_element (f, i);
            }
        }
      gh_activity_chart_set_minutes (self->chart, gh_json_int (minutes, "start"), series[0],
                                     series[1], n);
      gh_activity_chart_advance (self->chart, g_get_real_time ());
    }

  /* What the stream brought while the server read */
  for (guint i = 0; i < held->len; i++)
    apply_event (self, g_ptr_array_index (held, i));

  gtk_widget_set_visible (GTK_WIDGET (self->activity_group), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->attention_group), TRUE);
  show_counts (self);
  show_attention (self);
  load_done (self);
}

static void
load_summary (GhOverviewPage *self)
{
  g_autofree char *suffix = NULL;
  g_autofree char *path = NULL;

  self->since = start_of_today ();
  suffix = g_strdup_printf ("/summary?since=%" G_GINT64_FORMAT, self->since);
  path = gh_page_project_path (GH_PAGE (self), suffix);
  self->summary_loading = TRUE;
  self->loads++;
  gtk_spinner_set_spinning (self->summary_spinner, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->summary_spinner), TRUE);
  gh_page_load (GH_PAGE (self), "GET", path, NULL, summary_loaded_cb, NULL);
}

static void
server_loaded_cb (GhPage       *page,
                  JsonObject   *answer,
                  const GError *error,
                  gpointer      user_data)
{
  GhOverviewPage *self = GH_OVERVIEW_PAGE (page);

  if (error != NULL)
    g_debug ("Could not read the server's description: %s", error->message);
  show_server (self, answer);
  load_done (self);
}

/* The project's issuer: its endpoints come from its own discovery document. */
static void
project_loaded_cb (GhPage       *page,
                   JsonObject   *answer,
                   const GError *error,
                   gpointer      user_data)
{
  GhOverviewPage *self = GH_OVERVIEW_PAGE (page);
  const char *issuer = gh_json_string (answer, "issuer");
  g_autoptr(GhServerClient) client = NULL;

  g_free (self->dcr_mode);
  self->dcr_mode = g_strdup (gh_json_string (gh_json_object (answer, "settings"), "dcr_mode"));

  /* Without the admin API, the connection's address is the issuer the page can read. */
  if (issuer == NULL || self->base_client == NULL ||
      g_str_equal (issuer, gh_server_client_get_base_url (self->base_client)))
    client = self->base_client != NULL ? g_object_ref (self->base_client) : NULL;
  else if (self->client != NULL &&
           g_str_equal (issuer, gh_server_client_get_base_url (self->client)))
    client = g_object_ref (self->client);
  else
    client = gh_connection_new_server_client (self->connection, issuer);

  if (g_set_object (&self->client, client))
    reload_discovery (self);

  load_done (self);
}

static void
gh_overview_page_reload (GhPage *page)
{
  GhOverviewPage *self = GH_OVERVIEW_PAGE (page);
  g_autofree char *project_path = gh_page_project_path (page, NULL);

  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_ptr_array_set_size (self->held_events, 0);
  self->awaiting_reload = FALSE;
  self->have_counts = FALSE;
  self->loads = 2;
  gh_page_load (page, "GET", "/server", NULL, server_loaded_cb, NULL);
  gh_page_load (page, "GET", project_path, NULL, project_loaded_cb, NULL);
  load_summary (self);
  show_counts (self);
  update_busy (self);
}

/* Another project: busy until its reload (an idle away) has read it. */
static void
project_changed_cb (GhOverviewPage *self)
{
  if (connection_state (self) != GH_CONNECTION_STATE_READY)
    return;
  self->awaiting_reload = TRUE;
  update_busy (self);
}

/* Every second: the uptime; every half minute, the "5 minutes ago"; a new day counts anew. */
static gboolean
tick_cb (gpointer user_data)
{
  GhOverviewPage *self = user_data;

  show_uptime (self);
  if (++self->ticks % 30 == 0 && self->have_counts)
    {
      gh_activity_chart_advance (self->chart, g_get_real_time ());
      show_attention (self);
      if (start_of_today () != self->since && !self->summary_loading)
        load_summary (self);
    }
  return G_SOURCE_CONTINUE;
}

/* ---- what the user does ------------------------------------------------------------------ */

/* Focus the failures grouped by rule. */
static void
show_attention_section (GhOverviewPage *self)
{
  GtkWidget *first = gtk_widget_get_first_child (GTK_WIDGET (self->attention_list));

  if (first != NULL)
    gtk_widget_grab_focus (first);
}

static void
tile_clicked_cb (GtkButton      *button,
                 GhOverviewPage *self)
{
  Tile tile = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "gh-tile"));

  switch (tile)
    {
    case TILE_CLIENTS:
    case TILE_TOKENS:
      gh_page_open (GH_PAGE (self), "clients", NULL);
      break;

    case TILE_IATS:
      gh_page_open (GH_PAGE (self), "iats", NULL);
      break;

    case TILE_EVENTS:
      gh_page_open (GH_PAGE (self), "audit", "filter:all");
      break;

    case TILE_FAILURES:
      gh_page_open (GH_PAGE (self), "audit", "filter:outcome=failure");
      break;

    case N_TILES:
    default:
      show_attention_section (self);
      break;
    }
}

static GtkWidget *
tile_new (GhOverviewPage *self,
          Tile            tile)
{
  GtkWidget *button = gtk_button_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *value = gtk_label_new ("–");
  GtkWidget *caption = gtk_label_new (_(tiles[tile].caption));

  gtk_widget_set_name (button, tiles[tile].name);
  gtk_widget_set_tooltip_text (button, _(tiles[tile].tooltip));
  gtk_widget_add_css_class (button, "card");
  gtk_widget_add_css_class (button, "overview-tile");
  gtk_widget_set_name (value, "tile-value");
  gtk_widget_add_css_class (value, "title-1");
  gtk_widget_add_css_class (value, "numeric");
  gtk_label_set_wrap (GTK_LABEL (caption), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (caption), 10);
  gtk_label_set_justify (GTK_LABEL (caption), GTK_JUSTIFY_CENTER);
  gtk_widget_add_css_class (caption, "caption");
  gtk_widget_add_css_class (caption, "dim-label");
  gtk_box_append (GTK_BOX (box), value);
  gtk_box_append (GTK_BOX (box), caption);
  gtk_button_set_child (GTK_BUTTON (button), box);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, value, caption, NULL,
                                  -1);
  g_object_set_data (G_OBJECT (button), "gh-tile", GUINT_TO_POINTER (tile));
  g_signal_connect_object (button, "clicked", G_CALLBACK (tile_clicked_cb), self, 0);

  self->tile_values[tile] = GTK_LABEL (value);
  return button;
}

/* A command a user can paste in a terminal to see what @endpoint answers: a GET for the
 * documents, the authorization request a client's browser makes (where it redirects), a
 * registration, and the token request that exchanges a code; the values a user must fill in
 * are shell variables. */
static char *
curl_command (GhOverviewPage *self,
              Endpoint        endpoint)
{
  g_autofree char *url = g_shell_quote (self->endpoints[endpoint]);
  const char *next = " \\\n  ";

  switch (endpoint)
    {
    case ENDPOINT_AUTHORIZE:
      return g_strconcat ("curl -s -G -o /dev/null -w '%{http_code} %{redirect_url}\\n' ", url,
                          next, "-d response_type=code",
                          next, "--data-urlencode \"client_id=$CLIENT_ID\"",
                          next, "--data-urlencode \"redirect_uri=$REDIRECT_URI\"",
                          next, "--data-urlencode \"code_challenge=$CODE_CHALLENGE\"",
                          next, "-d code_challenge_method=S256",
                          next, "--data-urlencode \"resource=$RESOURCE\"",
                          next, "--data-urlencode \"state=$STATE\"", NULL);

    case ENDPOINT_TOKEN:
      return g_strconcat ("curl -s ", url,
                          next, "-d grant_type=authorization_code",
                          next, "--data-urlencode \"code=$CODE\"",
                          next, "--data-urlencode \"redirect_uri=$REDIRECT_URI\"",
                          next, "--data-urlencode \"client_id=$CLIENT_ID\"",
                          next, "--data-urlencode \"code_verifier=$CODE_VERIFIER\"",
                          next, "--data-urlencode \"resource=$RESOURCE\"", NULL);

    case ENDPOINT_REGISTRATION:
      return g_strconcat ("curl -s ", url,
                          g_strcmp0 (self->dcr_mode, "initial_access_token") == 0
                          ? " \\\n  -H \"Authorization: Bearer $INITIAL_ACCESS_TOKEN\"" : "",
                          next, "-H 'Content-Type: application/json'",
                          next, "-d '{\"client_name\": \"My MCP client\", \"redirect_uris\": "
                          "[\"http://127.0.0.1:33418/callback\"], "
                          "\"token_endpoint_auth_method\": \"none\", "
                          "\"grant_types\": [\"authorization_code\", \"refresh_token\"]}'",
                          NULL);

    case ENDPOINT_ISSUER:
    case ENDPOINT_DISCOVERY:
    case ENDPOINT_OPENID:
    case ENDPOINT_JWKS:
    case N_ENDPOINTS:
    default:
      return g_strconcat ("curl -s ", url, NULL);
    }
}

static void
copy_curl_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  GhOverviewPage *self = GH_OVERVIEW_PAGE (widget);
  const char *name = g_variant_get_string (parameter, NULL);
  g_autofree char *command = NULL;

  for (guint i = 0; i < N_ENDPOINTS; i++)
    if (g_str_equal (name, endpoint_names[i]) && self->endpoints[i] != NULL)
      {
        command = curl_command (self, i);
        gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), command);
        gh_page_show_toast (GH_PAGE (self), _("curl command copied"));
        return;
      }
}

static void
add_curl_button (GhOverviewPage *self,
                 Endpoint        endpoint)
{
  GtkWidget *button = gtk_button_new_from_icon_name ("utilities-terminal-symbolic");

  gtk_widget_set_name (button, "curl-button");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, _("Copy as curl"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Copy as curl"), -1);
  gtk_widget_add_css_class (button, "flat");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "overview.copy-curl");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", endpoint_names[endpoint]);
  g_object_bind_property (endpoint_row (self, endpoint), "copyable", button, "visible",
                          G_BINDING_SYNC_CREATE);
  gh_property_row_add_suffix (endpoint_row (self, endpoint), button);
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
  GhOverviewPage *self = GH_OVERVIEW_PAGE (widget);

  reload_discovery (self);
  if (connection_state (self) == GH_CONNECTION_STATE_READY)
    gh_page_reload (GH_PAGE (self));
}

static void
start_server_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  GhOverviewPage *self = GH_OVERVIEW_PAGE (widget);

  /* Starts the embedded server, or asks the remote one again */
  if (self->connection != NULL)
    gh_connection_retry (self->connection);
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
  g_clear_object (&self->base_client);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_handle_id (&self->show_id, g_source_remove);
  g_clear_pointer (&self->held_events, g_ptr_array_unref);
  g_clear_pointer (&self->groups, g_ptr_array_unref);

  /* AdwBin unparents its child itself: let it, before the template drops its references. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), GH_TYPE_OVERVIEW_PAGE);

  G_OBJECT_CLASS (gh_overview_page_parent_class)->dispose (object);
}

static void
gh_overview_page_finalize (GObject *object)
{
  GhOverviewPage *self = (GhOverviewPage *)object;

  g_free (self->dcr_mode);

  G_OBJECT_CLASS (gh_overview_page_parent_class)->finalize (object);
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
  object_class->finalize = gh_overview_page_finalize;

  /* Busy until the user sees the server's state settled: running with its addresses (or the
   * reason they are missing), or failed. */
  page_class->connection_changed = gh_overview_page_connection_changed;
  page_class->reload = gh_overview_page_reload;
  page_class->event = gh_overview_page_event;

  gh_page_class_set_info (GH_PAGE_CLASS (klass), "overview", N_("Overview"),
                          "network-server-symbolic");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/dev/gatehouse/Gatehouse/pages/"
                                               "gh-overview-page.ui");
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, activity_group);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, attention_group);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, attention_list);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, authorize_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, chart);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, data_dir_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, discovery_error_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, discovery_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, discovery_spinner);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, failed_page);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, file_button);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, file_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, fix_button);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, fix_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, issuer_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, jwks_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, listen_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, openid_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, port_notice_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, port_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, registration_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, secrets_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, server_group);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, signing_error_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, signing_group);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, starting_page);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, state_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, state_stack);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, summary_error_group);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, summary_error_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, summary_group);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, summary_spinner);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, tiles_box);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, tls_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, token_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, uptime_row);
  gtk_widget_class_bind_template_child (widget_class, GhOverviewPage, version_row);

  gtk_widget_class_install_action (widget_class, "overview.reload", NULL, reload_action);
  gtk_widget_class_install_action (widget_class, "overview.start-server", NULL,
                                   start_server_action);
  gtk_widget_class_install_action (widget_class, "overview.fix-signing", NULL,
                                   fix_signing_action);
  gtk_widget_class_install_action (widget_class, "overview.use-file-secrets", NULL,
                                   use_file_secrets_action);
  gtk_widget_class_install_action (widget_class, "overview.copy-curl", "s", copy_curl_action);
}

static void
gh_overview_page_init (GhOverviewPage *self)
{
  self->n_published_keys = -1;
  self->groups = g_ptr_array_new_with_free_func ((GDestroyNotify) group_free);
  self->held_events = g_ptr_array_new_with_free_func (g_object_unref);

  g_type_ensure (GH_TYPE_ACTIVITY_CHART);
  g_type_ensure (GH_TYPE_PROPERTY_ROW);
  gtk_widget_init_template (GTK_WIDGET (self));

  for (guint i = 0; i < N_TILES; i++)
    gtk_box_append (self->tiles_box, tile_new (self, i));
  for (guint i = 0; i < N_ENDPOINTS; i++)
    add_curl_button (self, i);
  show_counts (self);
  show_attention (self);
  gtk_widget_set_visible (GTK_WIDGET (self->summary_spinner), FALSE);
  self->tick_id = g_timeout_add_seconds (1, tick_cb, self);
  g_signal_connect (self, "notify::project", G_CALLBACK (project_changed_cb), NULL);
  g_signal_connect (self, "map", G_CALLBACK (mapped_cb), NULL);

  connection_changed_cb (self);
}
