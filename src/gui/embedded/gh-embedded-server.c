/* gh-embedded-server.c — the server inside the app, on its own thread
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-embedded"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>

#include "gh-admin-tokens.h"
#include "gh-embedded-server.h"
#include "gh-keyring.h"
#include "gh-server.h"

/* The authorization server that runs inside the app, on loopback. This object only starts
 * and stops it and says where it listens, where it keeps its keys and whether it could sign;
 * everything else goes over HTTP.
 *
 * Threads: the object lives on its owner's thread (the GTK main thread) and notifies there.
 * The server (the store and its migrations, the Secret Service, SQLite, every request) lives
 * on a thread of its own, "gatehouse-server", whose own GMainContext is its thread-default
 * context from the start to the end. The two share only a Runner: what the start needs,
 * copied before the thread starts, and what it found, handed back as a StartResult. */

typedef struct
{
  gatomicrefcount  ref_count;
  GThread         *thread;
  GMainContext    *context;        /* the server thread's */
  GMainLoop       *loop;
  GMainContext    *owner_context;  /* where results go back to */
  GWeakRef         owner;

  /* Read-only once the thread runs. */
  char            *data_dir;
  GhSecretBackend  backend;
  guint16          saved_port;

  /* The server thread's own. */
  GhServer        *server;
} Runner;

/* What the server thread found when it started, for the owner's thread. */
typedef struct
{
  Runner           *runner;
  GError           *error;
  char             *base_url;
  char             *port_notice;
  char             *signing_error;
  GhSigningProblem  signing_problem;
  GhEmbeddedSecrets backend;
  guint16           port;
  char             *admin_token;
} StartResult;

struct _GhEmbeddedServer
{
  GObject                parent_instance;

  GSettings             *settings;
  Runner                *runner;            /* while a server thread exists */
  char                  *data_dir;
  char                  *base_url;
  char                  *secrets;
  char                  *error_message;
  char                  *port_notice;
  char                  *signing_error;
  guint                  port;
  GhEmbeddedServerState  state;
  GhEmbeddedSecrets      backend;           /* in use while running: keyring or file */
  GhEmbeddedSecrets      backend_override;  /* --secrets, for this run */
  gboolean               has_backend_override;
  gboolean               start_when_stopped;
  GhSigningProblem       signing_problem;
  char                  *admin_token;       /* the app's own, while running */
  guint                  hold_count;        /* gh_embedded_server_hold () */
  StartResult           *held_result;       /* a start that finished while held */
};

G_DEFINE_FINAL_TYPE (GhEmbeddedServer, gh_embedded_server, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (GhEmbeddedServerState, gh_embedded_server_state,
  G_DEFINE_ENUM_VALUE (GH_EMBEDDED_SERVER_STATE_STOPPED, "stopped"),
  G_DEFINE_ENUM_VALUE (GH_EMBEDDED_SERVER_STATE_STARTING, "starting"),
  G_DEFINE_ENUM_VALUE (GH_EMBEDDED_SERVER_STATE_RUNNING, "running"),
  G_DEFINE_ENUM_VALUE (GH_EMBEDDED_SERVER_STATE_FAILED, "failed"),
  G_DEFINE_ENUM_VALUE (GH_EMBEDDED_SERVER_STATE_STOPPING, "stopping"))

/* The setting's values are core's, without core's header in the public one. */
G_STATIC_ASSERT ((int) GH_EMBEDDED_SECRETS_AUTO == (int) GH_SECRET_BACKEND_AUTO);
G_STATIC_ASSERT ((int) GH_EMBEDDED_SECRETS_KEYRING == (int) GH_SECRET_BACKEND_KEYRING);
G_STATIC_ASSERT ((int) GH_EMBEDDED_SECRETS_FILE == (int) GH_SECRET_BACKEND_FILE);

G_DEFINE_ENUM_TYPE (GhSigningProblem, gh_signing_problem,
  G_DEFINE_ENUM_VALUE (GH_SIGNING_PROBLEM_NONE, "none"),
  G_DEFINE_ENUM_VALUE (GH_SIGNING_PROBLEM_NO_KEYRING, "no-keyring"),
  G_DEFINE_ENUM_VALUE (GH_SIGNING_PROBLEM_KEYRING_LOCKED, "keyring-locked"),
  G_DEFINE_ENUM_VALUE (GH_SIGNING_PROBLEM_FAILED, "failed"))

enum {
  PROP_0,
  PROP_BASE_URL,
  PROP_DATA_DIR,
  PROP_ERROR_MESSAGE,
  PROP_PORT,
  PROP_PORT_NOTICE,
  PROP_SECRETS,
  PROP_SETTINGS,
  PROP_SIGNING_ERROR,
  PROP_SIGNING_PROBLEM,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_string (GhEmbeddedServer *self,
            char            **field,
            const char       *value,
            guint             prop_id)
{
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
set_port (GhEmbeddedServer *self,
          guint             port)
{
  if (self->port == port)
    return;

  self->port = port;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
}

static void
set_signing (GhEmbeddedServer *self,
             GhSigningProblem  problem,
             const char       *message)
{
  set_string (self, &self->signing_error, message, PROP_SIGNING_ERROR);
  if (self->signing_problem == problem)
    return;

  self->signing_problem = problem;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGNING_PROBLEM]);
}

static void
set_state (GhEmbeddedServer      *self,
           GhEmbeddedServerState  state)
{
  if (self->state == state)
    return;

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
fail (GhEmbeddedServer *self,
      const GError     *error)
{
  g_object_freeze_notify (G_OBJECT (self));
  set_string (self, &self->error_message, error->message, PROP_ERROR_MESSAGE);
  set_string (self, &self->base_url, NULL, PROP_BASE_URL);
  set_signing (self, GH_SIGNING_PROBLEM_NONE, NULL);
  set_port (self, 0);
  set_state (self, GH_EMBEDDED_SERVER_STATE_FAILED);
  g_object_thaw_notify (G_OBJECT (self));
}

static Runner *
runner_ref (Runner *runner)
{
  g_atomic_ref_count_inc (&runner->ref_count);

  return runner;
}

static void
runner_unref (Runner *runner)
{
  if (!g_atomic_ref_count_dec (&runner->ref_count))
    return;

  g_assert (runner->server == NULL);
  g_assert (runner->thread == NULL);
  g_weak_ref_clear (&runner->owner);
  g_main_loop_unref (runner->loop);
  g_main_context_unref (runner->context);
  g_main_context_unref (runner->owner_context);
  g_free (runner->data_dir);
  g_free (runner);
}

static void
start_result_free (StartResult *result)
{
  runner_unref (result->runner);
  g_clear_error (&result->error);
  g_free (result->base_url);
  g_free (result->port_notice);
  g_free (result->signing_error);
  g_free (result->admin_token);
  g_free (result);
}

static gboolean
listen_on (GhServer  *server,
           guint      port,
           GError   **error)
{
  g_autofree char *address = g_strdup_printf ("127.0.0.1:%u", port);

  return gh_server_listen (server, address, NULL, error);
}

/* Where the keys are, in the user's words rather than D-Bus names. */
static const char *
describe_backend (GhEmbeddedSecrets backend)
{
  return backend == GH_EMBEDDED_SECRETS_KEYRING ? _("GNOME Keyring")
                                                : _("A file in the data folder");
}

/* Why the server cannot sign, in words, and which way out fits: the keyring's own state when
 * the keys go there, else what the server said. Asks the Secret Service: server thread. */
static GhSigningProblem
diagnose_signing (GhEmbeddedSecrets   backend,
                  const char         *server_error,
                  char              **message)
{
  g_autoptr(GError) error = NULL;

  if (backend == GH_EMBEDDED_SECRETS_KEYRING)
    {
      switch (gh_keyring_get_state (&error))
        {
        case GH_KEYRING_STATE_NO_DEFAULT:
          *message = g_strdup (_("GNOME Keyring has no default keyring to keep the signing key "
                                 "in."));
          return GH_SIGNING_PROBLEM_NO_KEYRING;

        case GH_KEYRING_STATE_LOCKED:
          *message = g_strdup (_("GNOME Keyring is locked, so the signing key cannot be read."));
          return GH_SIGNING_PROBLEM_KEYRING_LOCKED;

        case GH_KEYRING_STATE_UNKNOWN:
        case GH_KEYRING_STATE_READY:
        default:
          break;
        }

      *message = g_strdup_printf (_("The signing key could not be kept in or read from GNOME "
                                    "Keyring: %s."), server_error);
      return GH_SIGNING_PROBLEM_FAILED;
    }

  *message = g_strdup_printf (_("The signing key could not be kept in or read from the file in "
                                "the data folder: %s."), server_error);
  return GH_SIGNING_PROBLEM_FAILED;
}

/* The app's admin token: its name in the secret store, and its label. */
#define ADMIN_TOKEN_SECRET "admin-token:gatehouse-app"
#define ADMIN_TOKEN_LABEL "Gatehouse app"
#define ADMIN_TOKEN_ACTOR "app"
/* When the secret store cannot keep it, a token made for one run expires after a day. */
#define UNKEPT_TOKEN_EXPIRES_IN 86400

/* Server thread: the token the app talks to its own server with, through the admin API as a
 * remote console does. The one kept in the secret store while it still verifies; else a new
 * one, made as `admin-token create` makes them, kept, and the app's older tokens revoked. NULL
 * (and a warning) when none can be made. */
static char *
ensure_admin_token (GhServer *server)
{
  GhSecretStore *secrets = gh_server_get_secret_store (server);
  GhAdminTokens *tokens = gh_server_get_admin_tokens (server);
  g_autoptr(GError) lookup_error = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *kept = gh_secret_store_lookup (secrets, ADMIN_TOKEN_SECRET, &lookup_error);
  g_autoptr(GhAdminToken) created = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  char *token = NULL;

  if (kept != NULL)
    {
      g_autoptr(GhAdminToken) verified = gh_admin_tokens_verify (tokens, kept, NULL, NULL, NULL);

      if (verified != NULL)
        return g_steal_pointer (&kept);
    }
  created = gh_admin_tokens_create (tokens, ADMIN_TOKEN_LABEL,
                                    lookup_error != NULL ? UNKEPT_TOKEN_EXPIRES_IN : 0,
                                    ADMIN_TOKEN_ACTOR, &token, &error);
  if (created == NULL)
    {
      g_warning ("Cannot create the app's admin token: %s", error->message);
      return NULL;
    }
  if (lookup_error != NULL ||
      !gh_secret_store_store (secrets, ADMIN_TOKEN_SECRET, _("Gatehouse admin token"), token,
                              &error))
    {
      g_warning ("Cannot keep the app's admin token (%s): it lasts one day",
                 lookup_error != NULL ? lookup_error->message : error->message);
      return token;
    }
  /* The tokens it made before and lost are of no use any more */
  listed = gh_admin_tokens_list (tokens, NULL);
  for (guint i = 0; listed != NULL && i < listed->len; i++)
    {
      GhAdminToken *other = g_ptr_array_index (listed, i);

      if (g_strcmp0 (other->label, ADMIN_TOKEN_LABEL) == 0 && other->revoked_at == 0 &&
          !g_str_equal (other->id, created->id))
        gh_admin_tokens_revoke (tokens, other->id, ADMIN_TOKEN_ACTOR, NULL);
    }
  return token;
}

/* Server thread: the data folder, the store (migrations), the keys, the listening socket. */
static StartResult *
start_server (Runner *runner)
{
  StartResult *result = g_new0 (StartResult, 1);
  g_autoptr(GError) saved_port_error = NULL;
  g_autoptr(GhServer) server = NULL;
  guint16 port;

  result->runner = runner_ref (runner);

  if (g_mkdir_with_parents (runner->data_dir, 0700) != 0)
    {
      int errsv = errno;

      g_set_error (&result->error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("Could not create the data folder %s: %s"),
                   runner->data_dir, g_strerror (errsv));
      return result;
    }

  server = gh_server_new (runner->data_dir, runner->backend, GH_SETTINGS_PROFILE_DEVELOPMENT,
                          &result->error);
  if (server == NULL)
    return result;

  /* Keep the port across runs so MCP clients keep a working issuer URL; if another program
   * took it meanwhile, take any free port rather than not starting at all. */
  if (runner->saved_port == 0 || !listen_on (server, runner->saved_port, &saved_port_error))
    {
      if (!listen_on (server, 0, &result->error))
        return result;
    }

  port = gh_server_get_port (server);
  if (saved_port_error != NULL)
    result->port_notice = g_strdup_printf (_("Port %u could not be used (%s). MCP clients set "
                                              "up with the old address need the new one."),
                                           runner->saved_port, saved_port_error->message);

  result->backend = gh_secret_store_get_backend (gh_server_get_secret_store (server))
                    == GH_SECRET_BACKEND_KEYRING ? GH_EMBEDDED_SECRETS_KEYRING
                                                 : GH_EMBEDDED_SECRETS_FILE;
  if (gh_server_get_signing_error (server) != NULL)
    result->signing_problem = diagnose_signing (result->backend,
                                                gh_server_get_signing_error (server),
                                                &result->signing_error);
  result->base_url = g_strdup (gh_server_get_issuer_base (server));
  result->port = port;
  result->admin_token = ensure_admin_token (server);
  runner->server = g_steal_pointer (&server);

  return result;
}

static gboolean start_finished_cb  (gpointer user_data);
static gboolean thread_finished_cb (gpointer user_data);

/* Hands @function (@data) to the owner's thread. */
static void
send_to_owner (Runner         *runner,
               GSourceFunc     function,
               gpointer        data,
               GDestroyNotify  destroy)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, function, data, destroy);
  g_source_set_static_name (source, "[gatehouse] embedded server result");
  g_source_attach (source, runner->owner_context);
}

static void
drain_context (GMainContext *context)
{
  while (g_main_context_pending (context))
    g_main_context_iteration (context, FALSE);
}

static gpointer
server_thread (gpointer data)
{
  Runner *runner = data;
  StartResult *result;
  gboolean started;

  g_main_context_push_thread_default (runner->context);

  result = start_server (runner);
  started = result->error == NULL;
  send_to_owner (runner, start_finished_cb, result, (GDestroyNotify) start_result_free);

  /* A stop asked for meanwhile is an idle on this context: the loop ends at once then. */
  if (started)
    g_main_loop_run (runner->loop);

  if (runner->server != NULL)
    {
      gh_server_stop (runner->server);
      g_clear_object (&runner->server);
    }
  drain_context (runner->context);
  g_main_context_pop_thread_default (runner->context);

  send_to_owner (runner, thread_finished_cb, runner_ref (runner),
                 (GDestroyNotify) runner_unref);
  runner_unref (runner);

  return NULL;
}

static gboolean
quit_loop_cb (gpointer user_data)
{
  Runner *runner = user_data;

  g_main_loop_quit (runner->loop);

  return G_SOURCE_REMOVE;
}

/* Owner's thread: asks the server thread to stop; the loop ends whenever it runs. */
static void
request_stop (Runner *runner)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_callback (source, quit_loop_cb, runner_ref (runner),
                         (GDestroyNotify) runner_unref);
  g_source_set_static_name (source, "[gatehouse] stop the embedded server");
  g_source_attach (source, runner->context);
}

/* Owner's thread: the thread has ended (or is about to); collects it. */
static void
join_runner (GhEmbeddedServer *self)
{
  Runner *runner = g_steal_pointer (&self->runner);

  if (runner == NULL)
    return;

  g_thread_join (g_steal_pointer (&runner->thread));
  /* A stop asked for after the thread's last look would hold the runner from its context. */
  drain_context (runner->context);
  runner_unref (runner);
}

static void
clear_address (GhEmbeddedServer *self)
{
  g_clear_pointer (&self->admin_token, g_free);
  set_string (self, &self->base_url, NULL, PROP_BASE_URL);
  set_signing (self, GH_SIGNING_PROBLEM_NONE, NULL);
  set_port (self, 0);
}

/* Moves @result's findings into a new StartResult; @result keeps only its runner. */
static StartResult *
start_result_steal (StartResult *result)
{
  StartResult *stolen = g_memdup2 (result, sizeof *result);

  memset (result, 0, sizeof *result);
  result->runner = runner_ref (stolen->runner);

  return stolen;
}

/* The start's findings, now "running" or "failed" (the thread may have ended since). */
static void
apply_start_result (GhEmbeddedServer *self,
                    StartResult      *result)
{
  if (result->error != NULL)
    {
      fail (self, result->error);
      return;
    }

  self->backend = result->backend;
  g_free (self->admin_token);
  self->admin_token = g_strdup (result->admin_token);
  if (result->port != result->runner->saved_port)
    g_settings_set (self->settings, "server-port", "q", result->port);

  g_object_freeze_notify (G_OBJECT (self));
  set_string (self, &self->error_message, NULL, PROP_ERROR_MESSAGE);
  set_string (self, &self->port_notice, result->port_notice, PROP_PORT_NOTICE);
  set_string (self, &self->secrets, describe_backend (self->backend), PROP_SECRETS);
  set_signing (self, result->signing_problem, result->signing_error);
  set_string (self, &self->base_url, result->base_url, PROP_BASE_URL);
  set_port (self, result->port);
  set_state (self, GH_EMBEDDED_SERVER_STATE_RUNNING);
  g_object_thaw_notify (G_OBJECT (self));

  g_info ("Embedded server listening on %s", self->base_url);
}

static gboolean
start_finished_cb (gpointer user_data)
{
  StartResult *result = user_data;
  g_autoptr(GhEmbeddedServer) self = g_weak_ref_get (&result->runner->owner);

  /* A result from a thread this object has already let go of. */
  if (self == NULL || self->runner != result->runner ||
      self->state != GH_EMBEDDED_SERVER_STATE_STARTING)
    return G_SOURCE_REMOVE;

  /* Kept until released; a stop drops it. */
  if (self->hold_count > 0)
    {
      g_clear_pointer (&self->held_result, start_result_free);
      self->held_result = start_result_steal (result);
      return G_SOURCE_REMOVE;
    }

  apply_start_result (self, result);

  return G_SOURCE_REMOVE;
}

static gboolean
thread_finished_cb (gpointer user_data)
{
  Runner *runner = user_data;
  g_autoptr(GhEmbeddedServer) self = g_weak_ref_get (&runner->owner);

  if (self == NULL || self->runner != runner)
    return G_SOURCE_REMOVE;

  join_runner (self);

  if (self->state == GH_EMBEDDED_SERVER_STATE_STOPPING)
    {
      g_info ("Embedded server stopped");
      set_state (self, GH_EMBEDDED_SERVER_STATE_STOPPED);
    }

  if (self->start_when_stopped)
    {
      self->start_when_stopped = FALSE;
      gh_embedded_server_start (self);
    }

  return G_SOURCE_REMOVE;
}

static void
gh_embedded_server_dispose (GObject *object)
{
  GhEmbeddedServer *self = (GhEmbeddedServer *)object;

  gh_embedded_server_stop_and_wait (self);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (gh_embedded_server_parent_class)->dispose (object);
}

static void
gh_embedded_server_finalize (GObject *object)
{
  GhEmbeddedServer *self = (GhEmbeddedServer *)object;

  g_clear_pointer (&self->data_dir, g_free);
  g_clear_pointer (&self->base_url, g_free);
  g_clear_pointer (&self->secrets, g_free);
  g_clear_pointer (&self->admin_token, g_free);
  g_clear_pointer (&self->error_message, g_free);
  g_clear_pointer (&self->port_notice, g_free);
  g_clear_pointer (&self->signing_error, g_free);

  G_OBJECT_CLASS (gh_embedded_server_parent_class)->finalize (object);
}

static void
gh_embedded_server_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  GhEmbeddedServer *self = GH_EMBEDDED_SERVER (object);

  switch (prop_id)
    {
    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;

    case PROP_DATA_DIR:
      g_value_set_string (value, self->data_dir);
      break;

    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;

    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;

    case PROP_PORT_NOTICE:
      g_value_set_string (value, self->port_notice);
      break;

    case PROP_SECRETS:
      g_value_set_string (value, self->secrets);
      break;

    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    case PROP_SIGNING_ERROR:
      g_value_set_string (value, self->signing_error);
      break;

    case PROP_SIGNING_PROBLEM:
      g_value_set_enum (value, self->signing_problem);
      break;

    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_embedded_server_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  GhEmbeddedServer *self = GH_EMBEDDED_SERVER (object);

  switch (prop_id)
    {
    case PROP_DATA_DIR:
      self->data_dir = g_value_dup_string (value);
      break;

    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_embedded_server_class_init (GhEmbeddedServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gh_embedded_server_dispose;
  object_class->finalize = gh_embedded_server_finalize;
  object_class->get_property = gh_embedded_server_get_property;
  object_class->set_property = gh_embedded_server_set_property;

  properties[PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_DATA_DIR] =
    g_param_spec_string ("data-dir", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_PORT] =
    g_param_spec_uint ("port", NULL, NULL,
                       0, G_MAXUINT16, 0,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_PORT_NOTICE] =
    g_param_spec_string ("port-notice", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_SECRETS] =
    g_param_spec_string ("secrets", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /* Why the running server cannot sign tokens, in words for the user; %NULL when it can. */
  properties[PROP_SIGNING_ERROR] =
    g_param_spec_string ("signing-error", NULL, NULL,
                         NULL,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_SIGNING_PROBLEM] =
    g_param_spec_enum ("signing-problem", NULL, NULL,
                       GH_TYPE_SIGNING_PROBLEM,
                       GH_SIGNING_PROBLEM_NONE,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL,
                       GH_TYPE_EMBEDDED_SERVER_STATE,
                       GH_EMBEDDED_SERVER_STATE_STOPPED,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gh_embedded_server_init (GhEmbeddedServer *self)
{
}

GhEmbeddedServer *
gh_embedded_server_new (const char *data_dir,
                        GSettings  *settings)
{
  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (GH_TYPE_EMBEDDED_SERVER,
                       "data-dir", data_dir,
                       "settings", settings,
                       NULL);
}

/* Returns at once in the "starting" state; the work runs on the server's own thread, so that
 * the window stays responsive (and paints that state) while the store opens. */
void
gh_embedded_server_start (GhEmbeddedServer *self)
{
  g_autoptr(GError) error = NULL;
  Runner *runner;

  g_return_if_fail (GH_IS_EMBEDDED_SERVER (self));

  if (self->state == GH_EMBEDDED_SERVER_STATE_STOPPING)
    {
      self->start_when_stopped = TRUE;
      return;
    }

  if (self->state == GH_EMBEDDED_SERVER_STATE_STARTING ||
      self->state == GH_EMBEDDED_SERVER_STATE_RUNNING)
    return;

  /* After a failure the old thread has nothing left to do but end. */
  join_runner (self);

  runner = g_new0 (Runner, 1);
  g_atomic_ref_count_init (&runner->ref_count);
  runner->context = g_main_context_new ();
  runner->loop = g_main_loop_new (runner->context, FALSE);
  runner->owner_context = g_main_context_ref_thread_default ();
  g_weak_ref_init (&runner->owner, self);
  runner->data_dir = g_strdup (self->data_dir);
  runner->backend = self->has_backend_override
                    ? (GhSecretBackend) self->backend_override
                    : (GhSecretBackend) g_settings_get_enum (self->settings, "secrets");
  g_settings_get (self->settings, "server-port", "q", &runner->saved_port);
  self->runner = runner;

  g_object_freeze_notify (G_OBJECT (self));
  set_string (self, &self->error_message, NULL, PROP_ERROR_MESSAGE);
  set_state (self, GH_EMBEDDED_SERVER_STATE_STARTING);
  g_object_thaw_notify (G_OBJECT (self));

  runner->thread = g_thread_try_new ("gatehouse-server", server_thread, runner_ref (runner),
                                     &error);
  if (runner->thread == NULL)
    {
      runner_unref (runner);  /* the thread's reference */
      g_clear_pointer (&self->runner, runner_unref);
      fail (self, error);
    }
}

/* What a start finds waits until the last gh_embedded_server_release (): the state stays
 * "starting" meanwhile (a stop still stops). The application holds it until its window's
 * first frame: the server starts beside the toolkit, but what a ready server sets off (every
 * page's loads, and what they show) comes after that frame, not before it. */
void
gh_embedded_server_hold (GhEmbeddedServer *self)
{
  g_return_if_fail (GH_IS_EMBEDDED_SERVER (self));

  self->hold_count++;
}

void
gh_embedded_server_release (GhEmbeddedServer *self)
{
  StartResult *result;

  g_return_if_fail (GH_IS_EMBEDDED_SERVER (self));
  g_return_if_fail (self->hold_count > 0);

  if (--self->hold_count > 0 || self->held_result == NULL)
    return;

  result = g_steal_pointer (&self->held_result);
  apply_start_result (self, result);
  start_result_free (result);
}

/* Returns at once in the "stopping" state; "stopped" follows once the server's thread has
 * closed the server (sockets, database) and ended. */
void
gh_embedded_server_stop (GhEmbeddedServer *self)
{
  g_return_if_fail (GH_IS_EMBEDDED_SERVER (self));

  self->start_when_stopped = FALSE;
  g_clear_pointer (&self->held_result, start_result_free);

  if (self->state == GH_EMBEDDED_SERVER_STATE_STOPPING)
    return;

  g_object_freeze_notify (G_OBJECT (self));
  clear_address (self);
  if (self->runner != NULL && self->state != GH_EMBEDDED_SERVER_STATE_FAILED)
    {
      request_stop (self->runner);
      set_state (self, GH_EMBEDDED_SERVER_STATE_STOPPING);
    }
  else
    {
      set_state (self, GH_EMBEDDED_SERVER_STATE_STOPPED);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

/* The application's shutdown: nothing is left to paint, and the process must not end before
 * the database is closed. */
void
gh_embedded_server_stop_and_wait (GhEmbeddedServer *self)
{
  g_return_if_fail (GH_IS_EMBEDDED_SERVER (self));

  if (self->runner != NULL && self->state != GH_EMBEDDED_SERVER_STATE_FAILED &&
      self->state != GH_EMBEDDED_SERVER_STATE_STOPPING)
    request_stop (self->runner);
  self->start_when_stopped = FALSE;
  g_clear_pointer (&self->held_result, start_result_free);
  join_runner (self);

  g_object_freeze_notify (G_OBJECT (self));
  clear_address (self);
  if (self->state != GH_EMBEDDED_SERVER_STATE_STOPPED)
    g_info ("Embedded server stopped");
  set_state (self, GH_EMBEDDED_SERVER_STATE_STOPPED);
  g_object_thaw_notify (G_OBJECT (self));
}

GhEmbeddedServerState
gh_embedded_server_get_state (GhEmbeddedServer *self)
{
  g_return_val_if_fail (GH_IS_EMBEDDED_SERVER (self), GH_EMBEDDED_SERVER_STATE_STOPPED);

  return self->state;
}

const char *
gh_embedded_server_get_data_dir (GhEmbeddedServer *self)
{
  g_return_val_if_fail (GH_IS_EMBEDDED_SERVER (self), NULL);

  return self->data_dir;
}

/* The issuer the server derives from its listening address, or %NULL when not running. */
const char *
gh_embedded_server_get_base_url (GhEmbeddedServer *self)
{
  g_return_val_if_fail (GH_IS_EMBEDDED_SERVER (self), NULL);

  return self->base_url;
}

guint
gh_embedded_server_get_port (GhEmbeddedServer *self)
{
  g_return_val_if_fail (GH_IS_EMBEDDED_SERVER (self), 0);

  return self->port;
}

const char *
gh_embedded_server_get_secrets (GhEmbeddedServer *self)
{
  g_return_val_if_fail (GH_IS_EMBEDDED_SERVER (self), NULL);

  return self->secrets;
}

const char *
gh_embedded_server_get_error_message (GhEmbeddedServer *self)
{
  g_return_val_if_fail (GH_IS_EMBEDDED_SERVER (self), NULL);

  return self->error_message;
}

/* Set when the saved port was taken and another one was chosen, else %NULL. */
const char *
gh_embedded_server_get_port_notice (GhEmbeddedServer *self)
{
  g_return_val_if_fail (GH_IS_EMBEDDED_SERVER (self), NULL);

  return self->port_notice;
}

/* Where secrets go for this run only (gatehouse --secrets), instead of the "secrets" setting;
 * takes effect at the next start. */
void
gh_embedded_server_set_secret_backend (GhEmbeddedServer  *self,
                                       GhEmbeddedSecrets  backend)
{
  g_return_if_fail (GH_IS_EMBEDDED_SERVER (self));

  self->backend_override = backend;
  self->has_backend_override = TRUE;
}

/* Where the running server keeps its keys (keyring or file); meaningless when not running. */
GhEmbeddedSecrets
gh_embedded_server_get_secret_backend (GhEmbeddedServer *self)
{
  g_return_val_if_fail (GH_IS_EMBEDDED_SERVER (self), GH_EMBEDDED_SECRETS_FILE);

  return self->backend;
}

GhSigningProblem
gh_embedded_server_get_signing_problem (GhEmbeddedServer *self)
{
  g_return_val_if_fail (GH_IS_EMBEDDED_SERVER (self), GH_SIGNING_PROBLEM_NONE);

  return self->signing_problem;
}

/* The running server's admin token for the app itself (the connection's credential), or
 * %NULL. */
const char *
gh_embedded_server_get_admin_token (GhEmbeddedServer *self)
{
  g_return_val_if_fail (GH_IS_EMBEDDED_SERVER (self), NULL);

  return self->admin_token;
}

const char *
gh_embedded_server_get_signing_error (GhEmbeddedServer *self)
{
  g_return_val_if_fail (GH_IS_EMBEDDED_SERVER (self), NULL);

  return self->signing_error;
}

void
gh_embedded_server_restart (GhEmbeddedServer *self)
{
  g_return_if_fail (GH_IS_EMBEDDED_SERVER (self));

  gh_embedded_server_stop (self);
  gh_embedded_server_start (self);
}

/* The user's explicit choice: keys in secrets.ini in the data folder, from now on (the
 * "secrets" setting), and a restart to use it. */
void
gh_embedded_server_use_file_secrets (GhEmbeddedServer *self)
{
  g_return_if_fail (GH_IS_EMBEDDED_SERVER (self));

  g_settings_set_enum (self->settings, "secrets", GH_EMBEDDED_SECRETS_FILE);
  self->has_backend_override = FALSE;
  gh_embedded_server_restart (self);
}
