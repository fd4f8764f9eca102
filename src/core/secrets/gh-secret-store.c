/* gh-secret-store.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-secrets"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

/* The D-Bus path API (secret-paths.h) reports locked state straight from the service, where
 * cached SecretItem proxies can be stale; it has been unchanged since libsecret 0.11. */
#define SECRET_API_SUBJECT_TO_CHANGE
#include <libsecret/secret.h>

#include "gh-secret-store-private.h"
#include "gh-secret-store.h"

#define SECRETS_FILE_NAME     "secrets.ini"
#define SECRETS_LOCK_NAME     "secrets.ini.lock"
#define SECRETS_GROUP         "secrets"
#define SECRET_SERVICE_NAME   "org.freedesktop.secrets"
#define COLLECTION_INTERFACE  "org.freedesktop.Secret.Collection"
#define ITEM_LABEL_PROPERTY   "org.freedesktop.Secret.Item.Label"
#define ITEM_ATTRS_PROPERTY   "org.freedesktop.Secret.Item.Attributes"

#define NAME_MAX_LENGTH       128
#define LABEL_MAX_LENGTH      256
#define SECRET_MAX_LENGTH     (64 * 1024)
#define FILE_MAX_LENGTH       (4 * 1024 * 1024)
#define DEFAULT_TIMEOUT_MS    5000
#define PROBE_TIMEOUT_MS      2000
#define FILE_LOCK_TIMEOUT_MS  5000

G_DEFINE_QUARK (gh-secret-error-quark, gh_secret_error)

static const SecretSchema gh_secret_schema = {
  "dev.gatehouse.Gatehouse.Secret",
  SECRET_SCHEMA_NONE,
  {
    { "instance", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "name", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
};

/* A string holding secret material: wiped before it is freed. */
typedef char SecretText;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SecretText, secret_password_free)

/* What a store is bound to; immutable and shared with the workers of async calls. */
typedef struct
{
  GhSecretBackend  backend;
  char            *instance;
  char            *file_path;
  char            *lock_path;
} SecretConfig;

typedef enum
{
  SECRET_OP_LOOKUP,
  SECRET_OP_STORE,
  SECRET_OP_DELETE,
} SecretOpKind;

/* One call, complete: a worker thread reads nothing else. */
typedef struct
{
  SecretOpKind  kind;
  SecretConfig *config;
  guint         timeout_ms;
  char         *name;
  char         *label;
  char         *secret;
} SecretOp;

struct _GhSecretStore
{
  GObject       parent_instance;

  SecretConfig *config;
  char         *description;
  guint         timeout_ms;
};

G_DEFINE_FINAL_TYPE (GhSecretStore, gh_secret_store, G_TYPE_OBJECT)

static void
secret_config_clear (gpointer data)
{
  SecretConfig *config = data;

  g_free (config->instance);
  g_free (config->file_path);
  g_free (config->lock_path);
}

static SecretConfig *
secret_config_new (GhSecretBackend  backend,
                   const char      *instance)
{
  SecretConfig *config = g_atomic_rc_box_new0 (SecretConfig);

  config->backend = backend;
  config->instance = g_strdup (instance);
  config->file_path = g_build_filename (instance, SECRETS_FILE_NAME, NULL);
  config->lock_path = g_build_filename (instance, SECRETS_LOCK_NAME, NULL);

  return config;
}

static void
secret_config_unref (SecretConfig *config)
{
  g_atomic_rc_box_release_full (config, secret_config_clear);
}

static void
secret_op_free (SecretOp *op)
{
  g_clear_pointer (&op->config, secret_config_unref);
  g_clear_pointer (&op->name, g_free);
  g_clear_pointer (&op->label, g_free);
  g_clear_pointer (&op->secret, secret_password_free);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SecretOp, secret_op_free)

/* Validation */

static gboolean
name_char_is_valid (char c)
{
  return g_ascii_isalnum (c) || strchr ("._:@/-", c) != NULL;
}

gboolean
gh_secret_store_name_is_valid (const char *name)
{
  gsize len;

  if (name == NULL || !g_ascii_isalnum (name[0]))
    return FALSE;

  len = strlen (name);
  if (len > NAME_MAX_LENGTH)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    if (!name_char_is_valid (name[i]))
      return FALSE;

  return TRUE;
}

static gboolean
validate_name (const char  *name,
               GError     **error)
{
  g_autofree char *escaped = NULL;

  if (gh_secret_store_name_is_valid (name))
    return TRUE;

  if (name == NULL)
    {
      g_set_error_literal (error, GH_SECRET_ERROR, GH_SECRET_ERROR_INVALID,
                           "No secret name given");
      return FALSE;
    }

  escaped = g_strescape (name, NULL);
  g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_INVALID,
               "Invalid secret name “%.*s”: use 1 to %d characters from "
               "A-Z a-z 0-9 . _ : @ / -, starting with a letter or digit",
               NAME_MAX_LENGTH + 8, escaped, NAME_MAX_LENGTH);
  return FALSE;
}

static gboolean
validate_text (const char  *what,
               const char  *text,
               gsize        max_length,
               GError     **error)
{
  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_INVALID,
                   "The %s is not valid UTF-8", what);
      return FALSE;
    }

  if (strlen (text) > max_length)
    {
      g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_INVALID,
                   "The %s is longer than %" G_GSIZE_FORMAT " bytes", what, max_length);
      return FALSE;
    }

  return TRUE;
}

static SecretOp *
secret_op_new (GhSecretStore  *self,
               SecretOpKind    kind,
               const char     *name,
               const char     *label,
               const char     *secret,
               GError        **error)
{
  SecretOp *op;

  if (!validate_name (name, error))
    return NULL;

  if (kind == SECRET_OP_STORE)
    {
      if (label != NULL && !validate_text ("label", label, LABEL_MAX_LENGTH, error))
        return NULL;

      if (secret == NULL || secret[0] == '\0')
        {
          g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_INVALID,
                       "No value given for the secret “%s” (use delete to remove it)", name);
          return NULL;
        }

      if (!validate_text ("secret", secret, SECRET_MAX_LENGTH, error))
        return NULL;
    }

  op = g_new0 (SecretOp, 1);
  op->kind = kind;
  op->config = g_atomic_rc_box_acquire (self->config);
  op->timeout_ms = self->timeout_ms;
  op->name = g_strdup (name);
  if (kind == SECRET_OP_STORE)
    {
      op->label = label != NULL
        ? g_strdup (label)
        : g_strdup_printf ("Gatehouse secret “%s” (%s)", name, self->config->instance);
      op->secret = g_strdup (secret);
    }

  return op;
}

/* Deadline: a watchdog thread cancels the operation's cancellable when time is up, so neither a
 * stuck Secret Service nor an unlock prompt can hold a caller for long. */

typedef struct
{
  GMutex        mutex;
  GCond         cond;
  gint64        end_time;
  gboolean      finished;
  gboolean      expired;
  GCancellable *cancellable;
  GCancellable *outer;
  gulong        outer_handler;
  GThread      *thread;
} Deadline;

static gpointer
deadline_watch (gpointer data)
{
  Deadline *deadline = data;

  g_mutex_lock (&deadline->mutex);
  while (!deadline->finished)
    {
      if (!g_cond_wait_until (&deadline->cond, &deadline->mutex, deadline->end_time))
        {
          if (!deadline->finished)
            {
              deadline->expired = TRUE;
              g_cancellable_cancel (deadline->cancellable);
            }
          break;
        }
    }
  g_mutex_unlock (&deadline->mutex);

  return NULL;
}

static void
forward_cancel (GCancellable *outer,
                gpointer      user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static void
deadline_start (Deadline     *deadline,
                guint         timeout_ms,
                GCancellable *outer)
{
  memset (deadline, 0, sizeof *deadline);
  g_mutex_init (&deadline->mutex);
  g_cond_init (&deadline->cond);
  deadline->end_time = g_get_monotonic_time () + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;
  deadline->cancellable = g_cancellable_new ();

  if (outer != NULL)
    {
      deadline->outer = g_object_ref (outer);
      deadline->outer_handler = g_cancellable_connect (outer, G_CALLBACK (forward_cancel),
                                                       deadline->cancellable, NULL);
    }

  deadline->thread = g_thread_new ("gh-secret-deadline", deadline_watch, deadline);
}

/* Returns whether the deadline passed before the operation finished. */
static gboolean
deadline_finish (Deadline *deadline)
{
  gboolean expired;

  g_mutex_lock (&deadline->mutex);
  deadline->finished = TRUE;
  g_cond_signal (&deadline->cond);
  g_mutex_unlock (&deadline->mutex);

  g_thread_join (deadline->thread);
  expired = deadline->expired;

  if (deadline->outer != NULL)
    g_cancellable_disconnect (deadline->outer, deadline->outer_handler);
  g_clear_object (&deadline->outer);
  g_clear_object (&deadline->cancellable);
  g_cond_clear (&deadline->cond);
  g_mutex_clear (&deadline->mutex);

  return expired;
}

/* Data directory and Secret Service discovery */

static char *
prepare_data_dir (const char  *data_dir,
                  GError     **error)
{
  g_autofree char *resolved = NULL;
  int saved_errno;

  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    {
      saved_errno = errno;
      g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                   "Could not create the data directory %s: %s",
                   data_dir, g_strerror (saved_errno));
      return NULL;
    }

  /* Canonical, so two spellings of one directory share secrets and two directories never do. */
  resolved = realpath (data_dir, NULL);
  if (resolved == NULL)
    {
      saved_errno = errno;
      g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                   "Could not resolve the data directory %s: %s",
                   data_dir, g_strerror (saved_errno));
      return NULL;
    }

  return g_steal_pointer (&resolved);
}

/* The session bus address as GDBus would find it, minus the X11 autolaunch fallback, which
 * would start a bus where there is none. */
static char *
session_bus_address (void)
{
  const char *address = g_getenv ("DBUS_SESSION_BUS_ADDRESS");
  const char *runtime_dir = g_getenv ("XDG_RUNTIME_DIR");
  g_autofree char *socket_path = NULL;
  g_autofree char *escaped = NULL;
  GStatBuf st;

  if (address != NULL && address[0] != '\0')
    return g_strdup (address);

  if (runtime_dir == NULL || runtime_dir[0] == '\0')
    return NULL;

  socket_path = g_build_filename (runtime_dir, "bus", NULL);
  if (g_lstat (socket_path, &st) != 0 || !S_ISSOCK (st.st_mode))
    return NULL;

  escaped = g_dbus_address_escape_value (socket_path);
  return g_strconcat ("unix:path=", escaped, NULL);
}

static gboolean
strv_contains_name (GVariant   *names,
                    const char *name)
{
  GVariantIter iter;
  const char *item;

  g_variant_iter_init (&iter, names);
  while (g_variant_iter_next (&iter, "&s", &item))
    if (g_str_equal (item, name))
      return TRUE;

  return FALSE;
}

static GVariant *
call_bus_driver (GDBusConnection  *connection,
                 const char       *method,
                 GVariant         *parameters,
                 const char       *reply_type,
                 GCancellable     *cancellable,
                 GError          **error)
{
  return g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                      "org.freedesktop.DBus", method, parameters,
                                      G_VARIANT_TYPE (reply_type), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                      PROBE_TIMEOUT_MS, cancellable, error);
}

/* Whether org.freedesktop.secrets is owned or D-Bus-activatable on the session bus, asked over
 * a private connection that starts nothing. @detail says how it is reachable, or why not. */
static gboolean
probe_secret_service (char **detail)
{
  GDBusConnectionFlags flags = G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                               G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION;
  g_autofree char *address = session_bus_address ();
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) names = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean owned = FALSE;
  gboolean activatable = FALSE;
  gboolean expired;
  Deadline deadline;

  if (address == NULL)
    {
      *detail = g_strdup ("no D-Bus session bus");
      return FALSE;
    }

  deadline_start (&deadline, PROBE_TIMEOUT_MS, NULL);

  connection = g_dbus_connection_new_for_address_sync (address, flags, NULL, deadline.cancellable,
                                                       &local_error);
  if (connection != NULL)
    reply = call_bus_driver (connection, "NameHasOwner", g_variant_new ("(s)", SECRET_SERVICE_NAME),
                             "(b)", deadline.cancellable, &local_error);
  if (reply != NULL)
    g_variant_get (reply, "(b)", &owned);

  if (reply != NULL && !owned)
    {
      g_clear_pointer (&reply, g_variant_unref);
      reply = call_bus_driver (connection, "ListActivatableNames", NULL, "(as)",
                               deadline.cancellable, &local_error);
      if (reply != NULL)
        {
          names = g_variant_get_child_value (reply, 0);
          activatable = strv_contains_name (names, SECRET_SERVICE_NAME);
        }
    }

  expired = deadline_finish (&deadline);

  if (connection != NULL)
    g_dbus_connection_close (connection, NULL, NULL, NULL);

  if (owned)
    *detail = g_strdup ("running");
  else if (activatable)
    *detail = g_strdup ("started on demand");
  else if (local_error != NULL)
    *detail = g_strdup_printf ("the D-Bus session bus did not answer (%s)",
                               expired ? "timed out" : local_error->message);
  else
    *detail = g_strdup (SECRET_SERVICE_NAME " is neither running nor activatable on the "
                        "D-Bus session bus");

  return owned || activatable;
}

/* Keyring backend. Every call runs under a Deadline and never asks the service to unlock
 * anything: a locked keyring is reported, not prompted for. */

static GHashTable *
keyring_attributes (const SecretOp *op)
{
  return secret_attributes_build (&gh_secret_schema,
                                  "instance", op->config->instance,
                                  "name", op->name,
                                  NULL);
}

static GHashTable *
keyring_item_properties (const SecretOp *op)
{
  GHashTable *properties;
  GVariantBuilder builder;

  properties = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                      (GDestroyNotify) g_variant_unref);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  g_variant_builder_add (&builder, "{ss}", "xdg:schema", gh_secret_schema.name);
  g_variant_builder_add (&builder, "{ss}", "instance", op->config->instance);
  g_variant_builder_add (&builder, "{ss}", "name", op->name);

  g_hash_table_insert (properties, (gpointer) ITEM_ATTRS_PROPERTY,
                       g_variant_ref_sink (g_variant_builder_end (&builder)));
  g_hash_table_insert (properties, (gpointer) ITEM_LABEL_PROPERTY,
                       g_variant_ref_sink (g_variant_new_string (op->label)));

  return properties;
}

/* Reads the collection's Locked property from the service itself (a cached proxy can miss a
 * lock made by another client) and fails with a clear message when it is locked. */
static gboolean
keyring_check_collection_unlocked (SecretService  *service,
                                   const char     *collection_path,
                                   GCancellable   *cancellable,
                                   GError        **error)
{
  GDBusProxy *proxy = G_DBUS_PROXY (service);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) properties = NULL;
  g_autofree char *fallback = NULL;
  gboolean locked = FALSE;
  const char *label = NULL;

  reply = g_dbus_connection_call_sync (g_dbus_proxy_get_connection (proxy),
                                       g_dbus_proxy_get_name (proxy), collection_path,
                                       "org.freedesktop.DBus.Properties", "GetAll",
                                       g_variant_new ("(s)", COLLECTION_INTERFACE),
                                       G_VARIANT_TYPE ("(a{sv})"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                       -1, cancellable, error);
  if (reply == NULL)
    return FALSE;

  properties = g_variant_get_child_value (reply, 0);
  g_variant_lookup (properties, "Locked", "b", &locked);
  if (!locked)
    return TRUE;

  g_variant_lookup (properties, "Label", "&s", &label);
  if (label == NULL || label[0] == '\0')
    label = fallback = g_path_get_basename (collection_path);

  g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_UNAVAILABLE,
               "the Secret Service keyring “%s” is locked; unlock it (for example by logging "
               "in to the desktop, or with Seahorse) and try again", label);
  return FALSE;
}

/* The default collection's path, checked to be unlocked; NULL without error when the service
 * has no default collection. */
static gboolean
keyring_get_default_collection (SecretService  *service,
                                GCancellable   *cancellable,
                                char          **out_path,
                                GError        **error)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) local_error = NULL;

  path = secret_service_read_alias_dbus_path_sync (service, "default", cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (path != NULL && !keyring_check_collection_unlocked (service, path, cancellable, error))
    return FALSE;

  *out_path = g_steal_pointer (&path);
  return TRUE;
}

static gboolean
keyring_lookup (const SecretOp  *op,
                SecretService   *service,
                GCancellable    *cancellable,
                char           **out_secret,
                GError         **error)
{
  g_autoptr(GHashTable) attributes = keyring_attributes (op);
  g_autoptr(SecretValue) value = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) unlocked = NULL;
  g_auto(GStrv) locked = NULL;
  g_autofree char *default_path = NULL;
  g_autofree char *collection_path = NULL;
  const char *text;

  if (!secret_service_search_for_dbus_paths_sync (service, &gh_secret_schema, attributes,
                                                  cancellable, &unlocked, &locked, error))
    return FALSE;

  if (unlocked != NULL && unlocked[0] != NULL)
    {
      value = secret_service_get_secret_for_dbus_path_sync (service, unlocked[0], cancellable,
                                                            &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (value == NULL)
        {
          /* The service answers without a secret when the item got locked meanwhile. */
          collection_path = g_path_get_dirname (unlocked[0]);
          if (!keyring_check_collection_unlocked (service, collection_path, cancellable, error))
            return FALSE;
          g_set_error_literal (error, GH_SECRET_ERROR, GH_SECRET_ERROR_UNAVAILABLE,
                               "the Secret Service returned no value");
          return FALSE;
        }

      text = secret_value_get_text (value);
      if (text == NULL)
        {
          g_set_error_literal (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                               "the stored value is not text");
          return FALSE;
        }

      *out_secret = g_strdup (text);
      return TRUE;
    }

  if (locked != NULL && locked[0] != NULL)
    {
      collection_path = g_path_get_dirname (locked[0]);
      if (!keyring_check_collection_unlocked (service, collection_path, cancellable, error))
        return FALSE;
      g_set_error_literal (error, GH_SECRET_ERROR, GH_SECRET_ERROR_UNAVAILABLE,
                           "the secret is in a locked Secret Service keyring");
      return FALSE;
    }

  /* Not found. A locked default keyring might still hold it: fail closed rather than say
   * "not stored", which could make a caller generate a new signing key or admin token. */
  if (!keyring_get_default_collection (service, cancellable, &default_path, error))
    return FALSE;

  *out_secret = NULL;
  return TRUE;
}

/* Deletes the unlocked items matching @op except @keep and counts the matches. Without @keep
 * (a plain delete) a locked match is an error, since it cannot be deleted. */
static gboolean
keyring_delete_matches (const SecretOp  *op,
                        SecretService   *service,
                        const char      *keep,
                        GCancellable    *cancellable,
                        guint           *n_found,
                        GError         **error)
{
  g_autoptr(GHashTable) attributes = keyring_attributes (op);
  g_auto(GStrv) unlocked = NULL;
  g_auto(GStrv) locked = NULL;
  g_autofree char *collection_path = NULL;

  *n_found = 0;

  if (!secret_service_search_for_dbus_paths_sync (service, &gh_secret_schema, attributes,
                                                  cancellable, &unlocked, &locked, error))
    return FALSE;

  if (keep == NULL && locked != NULL && locked[0] != NULL)
    {
      collection_path = g_path_get_dirname (locked[0]);
      if (!keyring_check_collection_unlocked (service, collection_path, cancellable, error))
        return FALSE;
      g_set_error_literal (error, GH_SECRET_ERROR, GH_SECRET_ERROR_UNAVAILABLE,
                           "the secret is in a locked Secret Service keyring");
      return FALSE;
    }

  for (guint i = 0; unlocked != NULL && unlocked[i] != NULL; i++)
    {
      (*n_found)++;
      if (g_strcmp0 (unlocked[i], keep) == 0)
        continue;
      if (!secret_service_delete_item_dbus_path_sync (service, unlocked[i], cancellable, error))
        return FALSE;
    }

  return TRUE;
}

static gboolean
keyring_store (const SecretOp  *op,
               SecretService   *service,
               GCancellable    *cancellable,
               GError         **error)
{
  g_autoptr(GHashTable) properties = NULL;
  g_autoptr(SecretValue) value = NULL;
  g_autofree char *collection_path = NULL;
  g_autofree char *item_path = NULL;
  guint n_found;

  /* Writing to a locked collection would ask the service for an unlock prompt. */
  if (!keyring_get_default_collection (service, cancellable, &collection_path, error))
    return FALSE;

  if (collection_path == NULL)
    {
      g_set_error_literal (error, GH_SECRET_ERROR, GH_SECRET_ERROR_UNAVAILABLE,
                           "the Secret Service has no default keyring to store secrets in; "
                           "create one (for example with Seahorse) or use the file backend");
      return FALSE;
    }

  properties = keyring_item_properties (op);
  value = secret_value_new (op->secret, -1, "text/plain");
  item_path = secret_service_create_item_dbus_path_sync (service, collection_path, properties,
                                                         value, SECRET_ITEM_CREATE_REPLACE,
                                                         cancellable, error);
  if (item_path == NULL)
    return FALSE;

  /* Copies left in another keyring (a former default) must not shadow the new value. */
  return keyring_delete_matches (op, service, item_path, cancellable, &n_found, error);
}

static gboolean
keyring_delete (const SecretOp  *op,
                SecretService   *service,
                GCancellable    *cancellable,
                GError         **error)
{
  g_autofree char *default_path = NULL;
  guint n_found;

  if (!keyring_delete_matches (op, service, NULL, cancellable, &n_found, error))
    return FALSE;

  /* Nothing found: as in lookup, a locked default keyring means we cannot tell. */
  if (n_found == 0)
    return keyring_get_default_collection (service, cancellable, &default_path, error);

  return TRUE;
}

/* Turns what libsecret and GDBus report into GH_SECRET_ERROR_UNAVAILABLE (a caller's own
 * cancellation stays G_IO_ERROR_CANCELLED). */
static void
keyring_propagate_error (GError       **error,
                         GError        *local_error,
                         gboolean       expired,
                         guint          timeout_ms)
{
  g_autoptr(GError) owned = local_error;

  if (owned->domain == GH_SECRET_ERROR)
    {
      g_propagate_error (error, g_steal_pointer (&owned));
      return;
    }

  if (expired)
    {
      g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_UNAVAILABLE,
                   "the Secret Service did not answer within %g s (it may be stuck or waiting "
                   "for an unlock prompt)", timeout_ms / 1000.0);
      return;
    }

  if (g_error_matches (owned, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_steal_pointer (&owned));
      return;
    }

  if (g_dbus_error_is_remote_error (owned))
    g_dbus_error_strip_remote_error (owned);

  if (g_error_matches (owned, SECRET_ERROR, SECRET_ERROR_IS_LOCKED))
    g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_UNAVAILABLE,
                 "the Secret Service keyring is locked (%s)", owned->message);
  else if (g_error_matches (owned, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
           g_error_matches (owned, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
           (owned->domain == G_DBUS_ERROR && owned->code >= G_DBUS_ERROR_SPAWN_EXEC_FAILED &&
            owned->code <= G_DBUS_ERROR_SPAWN_NO_MEMORY))
    g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_UNAVAILABLE,
                 "the Secret Service is not running (%s)", owned->message);
  else if (g_error_matches (owned, G_DBUS_ERROR, G_DBUS_ERROR_TIMEOUT) ||
           g_error_matches (owned, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY) ||
           g_error_matches (owned, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_UNAVAILABLE,
                 "the Secret Service did not answer (%s)", owned->message);
  else
    g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_UNAVAILABLE,
                 "the Secret Service failed: %s", owned->message);
}

static gboolean
keyring_run (const SecretOp  *op,
             GCancellable    *cancellable,
             char           **out_secret,
             GError         **error)
{
  g_autoptr(SecretService) service = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean expired;
  gboolean ok = FALSE;
  Deadline deadline;

  deadline_start (&deadline, op->timeout_ms, cancellable);

  service = secret_service_get_sync (SECRET_SERVICE_OPEN_SESSION, deadline.cancellable,
                                     &local_error);
  if (service != NULL)
    {
      switch (op->kind)
        {
        case SECRET_OP_LOOKUP:
          ok = keyring_lookup (op, service, deadline.cancellable, out_secret, &local_error);
          break;
        case SECRET_OP_STORE:
          ok = keyring_store (op, service, deadline.cancellable, &local_error);
          break;
        case SECRET_OP_DELETE:
          ok = keyring_delete (op, service, deadline.cancellable, &local_error);
          break;
        default:
          g_assert_not_reached ();
        }
    }

  expired = deadline_finish (&deadline);

  if (!ok)
    {
      g_assert (local_error != NULL);
      keyring_propagate_error (error, g_steal_pointer (&local_error), expired, op->timeout_ms);
    }

  return ok;
}

/* File backend */

static gboolean
read_all (int      fd,
          char    *buffer,
          gsize    size,
          gsize   *out_len)
{
  gsize len = 0;

  while (len < size)
    {
      gssize n = read (fd, buffer + len, size - len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return FALSE;
      if (n == 0)
        break;
      len += n;
    }

  *out_len = len;
  return TRUE;
}

/* Loads secrets.ini into @key_file (left empty when there is no file yet). The checks run on
 * the open descriptor, so the file checked is the file read. */
static gboolean
file_load (const SecretConfig  *config,
           GKeyFile            *key_file,
           GError             **error)
{
  g_autoptr(SecretText) contents = NULL;
  g_autoptr(GError) local_error = NULL;
  struct stat st;
  gsize len = 0;
  int saved_errno;
  int fd;

  fd = g_open (config->file_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0);
  if (fd < 0)
    {
      saved_errno = errno;
      if (saved_errno == ENOENT)
        return TRUE;
      if (saved_errno == ELOOP)
        g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                     "refusing to use %s: it is a symbolic link; replace it with the file itself "
                     "(mode 0600)", config->file_path);
      else
        g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                     "could not open %s: %s", config->file_path, g_strerror (saved_errno));
      return FALSE;
    }

  if (fstat (fd, &st) != 0)
    {
      saved_errno = errno;
      g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                   "could not check %s: %s", config->file_path, g_strerror (saved_errno));
      close (fd);
      return FALSE;
    }

  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                   "refusing to use %s: it is not a regular file", config->file_path);
      close (fd);
      return FALSE;
    }

  if (st.st_uid != geteuid ())
    {
      g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                   "refusing to use %s: it belongs to uid %u, not to the user running Gatehouse "
                   "(uid %u)", config->file_path, (guint) st.st_uid, (guint) geteuid ());
      close (fd);
      return FALSE;
    }

  if ((st.st_mode & 0077) != 0)
    {
      g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                   "refusing to use %s: its mode is %04o, so other users may read it; "
                   "run “chmod 600 %s” (and treat the secrets in it as exposed)",
                   config->file_path, (guint) (st.st_mode & 07777), config->file_path);
      close (fd);
      return FALSE;
    }

  if (st.st_size > FILE_MAX_LENGTH)
    {
      g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                   "refusing to use %s: it is larger than %d bytes",
                   config->file_path, FILE_MAX_LENGTH);
      close (fd);
      return FALSE;
    }

  contents = g_malloc0 (st.st_size + 1);
  if (!read_all (fd, contents, st.st_size, &len))
    {
      saved_errno = errno;
      g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                   "could not read %s: %s", config->file_path, g_strerror (saved_errno));
      close (fd);
      return FALSE;
    }
  close (fd);

  if (!g_key_file_load_from_data (key_file, contents, len, G_KEY_FILE_KEEP_COMMENTS, &local_error))
    {
      g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                   "%s is damaged (%s); fix or remove it", config->file_path,
                   local_error->message);
      return FALSE;
    }

  return TRUE;
}

static gboolean
file_save (const SecretConfig  *config,
           GKeyFile            *key_file,
           GError             **error)
{
  g_autoptr(SecretText) contents = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize len;

  contents = g_key_file_to_data (key_file, &len, NULL);

  /* A temporary file created 0600, then renamed: readers see the old or the new file. */
  if (!g_file_set_contents_full (config->file_path, contents, len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &local_error))
    {
      g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                   "could not write %s: %s", config->file_path, local_error->message);
      return FALSE;
    }

  return TRUE;
}

/* Takes the advisory lock that serialises writers, in this process and others. Returns the
 * descriptor to close() to release it, or -1. */
static int
file_lock (const SecretConfig  *config,
           GError             **error)
{
  gint64 give_up = g_get_monotonic_time () + FILE_LOCK_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;
  int saved_errno;
  int fd;

  fd = g_open (config->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
  if (fd < 0)
    {
      saved_errno = errno;
      g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                   "could not open the lock file %s: %s",
                   config->lock_path, g_strerror (saved_errno));
      return -1;
    }

  while (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      saved_errno = errno;
      if (saved_errno == EINTR)
        continue;
      if (saved_errno != EWOULDBLOCK)
        {
          g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                       "could not lock %s: %s", config->lock_path, g_strerror (saved_errno));
          close (fd);
          return -1;
        }
      if (g_get_monotonic_time () > give_up)
        {
          g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                       "another process has held %s for over %d s",
                       config->lock_path, FILE_LOCK_TIMEOUT_MS / 1000);
          close (fd);
          return -1;
        }
      g_usleep (10 * G_TIME_SPAN_MILLISECOND);
    }

  return fd;
}

static gboolean
file_lookup (const SecretOp  *op,
             char           **out_secret,
             GError         **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  char *value;

  if (!file_load (op->config, key_file, error))
    return FALSE;

  value = g_key_file_get_string (key_file, SECRETS_GROUP, op->name, &local_error);
  if (value == NULL &&
      !g_error_matches (local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND) &&
      !g_error_matches (local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND))
    {
      g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                   "%s is damaged (%s); fix or remove it", op->config->file_path,
                   local_error->message);
      return FALSE;
    }

  *out_secret = value;
  return TRUE;
}

static gboolean
file_update (const SecretOp  *op,
             GError         **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  gboolean ok = FALSE;
  int lock_fd;

  lock_fd = file_lock (op->config, error);
  if (lock_fd < 0)
    return FALSE;

  /* Re-read under the lock so that another writer's change is kept, not overwritten. */
  if (file_load (op->config, key_file, error))
    {
      if (op->kind == SECRET_OP_STORE)
        {
          g_key_file_set_string (key_file, SECRETS_GROUP, op->name, op->secret);
          ok = file_save (op->config, key_file, error);
        }
      else if (!g_key_file_has_key (key_file, SECRETS_GROUP, op->name, NULL))
        {
          ok = TRUE;
        }
      else
        {
          g_key_file_remove_key (key_file, SECRETS_GROUP, op->name, NULL);
          ok = file_save (op->config, key_file, error);
        }
    }

  close (lock_fd);

  return ok;
}

/* Operations */

static gboolean
secret_op_run (const SecretOp  *op,
               GCancellable    *cancellable,
               char           **out_secret,
               GError         **error)
{
  gboolean ok;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    ok = FALSE;
  else if (op->config->backend == GH_SECRET_BACKEND_KEYRING)
    ok = keyring_run (op, cancellable, out_secret, error);
  else if (op->kind == SECRET_OP_LOOKUP)
    ok = file_lookup (op, out_secret, error);
  else
    ok = file_update (op, error);

  if (!ok)
    {
      switch (op->kind)
        {
        case SECRET_OP_LOOKUP:
          g_prefix_error (error, "Could not read the secret “%s”: ", op->name);
          break;
        case SECRET_OP_STORE:
          g_prefix_error (error, "Could not store the secret “%s”: ", op->name);
          break;
        case SECRET_OP_DELETE:
          g_prefix_error (error, "Could not delete the secret “%s”: ", op->name);
          break;
        default:
          g_assert_not_reached ();
        }
    }

  return ok;
}

static void
secret_op_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  const SecretOp *op = task_data;
  g_autoptr(GError) error = NULL;
  char *secret = NULL;

  if (!secret_op_run (op, cancellable, &secret, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else if (op->kind == SECRET_OP_LOOKUP)
    g_task_return_pointer (task, secret, (GDestroyNotify) secret_password_free);
  else
    g_task_return_boolean (task, TRUE);
}

static void
secret_op_start (GhSecretStore       *self,
                 SecretOpKind         kind,
                 const char          *name,
                 const char          *label,
                 const char          *secret,
                 GCancellable        *cancellable,
                 GAsyncReadyCallback  callback,
                 gpointer             user_data,
                 gpointer             source_tag)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  SecretOp *op;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);

  op = secret_op_new (self, kind, name, label, secret, &error);
  if (op == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_set_task_data (task, op, (GDestroyNotify) secret_op_free);
  g_task_run_in_thread (task, secret_op_thread);
}

/* GhSecretStore */

static void
gh_secret_store_finalize (GObject *object)
{
  GhSecretStore *self = GH_SECRET_STORE (object);

  g_clear_pointer (&self->config, secret_config_unref);
  g_clear_pointer (&self->description, g_free);

  G_OBJECT_CLASS (gh_secret_store_parent_class)->finalize (object);
}

static void
gh_secret_store_class_init (GhSecretStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = gh_secret_store_finalize;
}

static void
gh_secret_store_init (GhSecretStore *self)
{
  self->timeout_ms = DEFAULT_TIMEOUT_MS;
}

GhSecretStore *
gh_secret_store_new (GhSecretBackend   backend,
                     const char       *data_dir,
                     GError          **error)
{
  g_autoptr(GhSecretStore) self = NULL;
  g_autofree char *instance = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *file_path = NULL;
  gboolean reachable;

  g_return_val_if_fail (backend == GH_SECRET_BACKEND_AUTO ||
                        backend == GH_SECRET_BACKEND_KEYRING ||
                        backend == GH_SECRET_BACKEND_FILE, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (data_dir == NULL || data_dir[0] == '\0')
    {
      g_set_error_literal (error, GH_SECRET_ERROR, GH_SECRET_ERROR_INVALID,
                           "No data directory given for the secret store");
      return NULL;
    }

  instance = prepare_data_dir (data_dir, error);
  if (instance == NULL)
    return NULL;

  self = g_object_new (GH_TYPE_SECRET_STORE, NULL);
  file_path = g_build_filename (instance, SECRETS_FILE_NAME, NULL);

  switch (backend)
    {
    case GH_SECRET_BACKEND_AUTO:
      reachable = probe_secret_service (&detail);
      if (reachable)
        {
          backend = GH_SECRET_BACKEND_KEYRING;
          self->description = g_strdup_printf ("Secret Service (" SECRET_SERVICE_NAME ", %s)",
                                               detail);
        }
      else
        {
          backend = GH_SECRET_BACKEND_FILE;
          self->description = g_strdup_printf ("file %s (mode 0600; no Secret Service "
                                               "reachable: %s)", file_path, detail);
        }
      break;

    case GH_SECRET_BACKEND_KEYRING:
      if (!probe_secret_service (&detail))
        {
          g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_UNAVAILABLE,
                       "The Secret Service backend was requested but no Secret Service is "
                       "reachable: %s", detail);
          return NULL;
        }
      self->description = g_strdup_printf ("Secret Service (" SECRET_SERVICE_NAME ", %s)",
                                           detail);
      break;

    case GH_SECRET_BACKEND_FILE:
      self->description = g_strdup_printf ("file %s (mode 0600; file backend requested)",
                                           file_path);
      break;

    default:
      g_assert_not_reached ();
    }

  self->config = secret_config_new (backend, instance);

  return g_steal_pointer (&self);
}

GhSecretBackend
gh_secret_store_get_backend (GhSecretStore *self)
{
  g_return_val_if_fail (GH_IS_SECRET_STORE (self), GH_SECRET_BACKEND_FILE);

  return self->config->backend;
}

const char *
gh_secret_store_describe (GhSecretStore *self)
{
  g_return_val_if_fail (GH_IS_SECRET_STORE (self), NULL);

  return self->description;
}

const char *
gh_secret_store_get_instance (GhSecretStore *self)
{
  g_return_val_if_fail (GH_IS_SECRET_STORE (self), NULL);

  return self->config->instance;
}

void
_gh_secret_store_set_timeout (GhSecretStore *self,
                              guint          timeout_ms)
{
  g_return_if_fail (GH_IS_SECRET_STORE (self));
  g_return_if_fail (timeout_ms > 0);

  self->timeout_ms = timeout_ms;
}

char *
gh_secret_store_lookup (GhSecretStore  *self,
                        const char     *name,
                        GError        **error)
{
  g_autoptr(SecretOp) op = NULL;
  char *secret = NULL;

  g_return_val_if_fail (GH_IS_SECRET_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  op = secret_op_new (self, SECRET_OP_LOOKUP, name, NULL, NULL, error);
  if (op == NULL || !secret_op_run (op, NULL, &secret, error))
    return NULL;

  return secret;
}

gboolean
gh_secret_store_store (GhSecretStore  *self,
                       const char     *name,
                       const char     *label,
                       const char     *secret,
                       GError        **error)
{
  g_autoptr(SecretOp) op = NULL;

  g_return_val_if_fail (GH_IS_SECRET_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  op = secret_op_new (self, SECRET_OP_STORE, name, label, secret, error);

  return op != NULL && secret_op_run (op, NULL, NULL, error);
}

gboolean
gh_secret_store_delete (GhSecretStore  *self,
                        const char     *name,
                        GError        **error)
{
  g_autoptr(SecretOp) op = NULL;

  g_return_val_if_fail (GH_IS_SECRET_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  op = secret_op_new (self, SECRET_OP_DELETE, name, NULL, NULL, error);

  return op != NULL && secret_op_run (op, NULL, NULL, error);
}

void
gh_secret_store_lookup_async (GhSecretStore       *self,
                              const char          *name,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (GH_IS_SECRET_STORE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  secret_op_start (self, SECRET_OP_LOOKUP, name, NULL, NULL, cancellable, callback, user_data,
                   gh_secret_store_lookup_async);
}

char *
gh_secret_store_lookup_finish (GhSecretStore  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (GH_IS_SECRET_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gh_secret_store_lookup_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
gh_secret_store_store_async (GhSecretStore       *self,
                             const char          *name,
                             const char          *label,
                             const char          *secret,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (GH_IS_SECRET_STORE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  secret_op_start (self, SECRET_OP_STORE, name, label, secret, cancellable, callback, user_data,
                   gh_secret_store_store_async);
}

gboolean
gh_secret_store_store_finish (GhSecretStore  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (GH_IS_SECRET_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gh_secret_store_store_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
gh_secret_store_delete_async (GhSecretStore       *self,
                              const char          *name,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (GH_IS_SECRET_STORE (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  secret_op_start (self, SECRET_OP_DELETE, name, NULL, NULL, cancellable, callback, user_data,
                   gh_secret_store_delete_async);
}

gboolean
gh_secret_store_delete_finish (GhSecretStore  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (GH_IS_SECRET_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gh_secret_store_delete_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
