/* gh-secret-keyring.c — the Secret Service backend of GhSecretStore, every call under a deadline
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-secrets"

#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

/* The D-Bus path API (secret-paths.h) reports locked state straight from the service, where
 * cached SecretItem proxies can be stale; it has been unchanged since libsecret 0.11. */
#define SECRET_API_SUBJECT_TO_CHANGE
#include <libsecret/secret.h>

#include "gh-secret-store-private.h"

#define COLLECTION_INTERFACE  "org.freedesktop.Secret.Collection"
#define ITEM_LABEL_PROPERTY   "org.freedesktop.Secret.Item.Label"
#define ITEM_ATTRS_PROPERTY   "org.freedesktop.Secret.Item.Attributes"

#define PROBE_TIMEOUT_MS      2000

static const SecretSchema gh_secret_schema = {
  "dev.gatehouse.Gatehouse.Secret",
  SECRET_SCHEMA_NONE,
  {
    { "instance", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "name", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  },
};

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

/* Secret Service discovery */

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
gboolean
_gh_secret_keyring_probe (char **detail)
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
keyring_attributes (const GhSecretOp *op)
{
  return secret_attributes_build (&gh_secret_schema,
                                  "instance", op->config->instance,
                                  "name", op->name,
                                  NULL);
}

static GHashTable *
keyring_item_properties (const GhSecretOp *op)
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
keyring_lookup (const GhSecretOp  *op,
                SecretService     *service,
                GCancellable      *cancellable,
                char             **out_secret,
                GError           **error)
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
keyring_delete_matches (const GhSecretOp  *op,
                        SecretService     *service,
                        const char        *keep,
                        GCancellable      *cancellable,
                        guint             *n_found,
                        GError           **error)
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
keyring_store (const GhSecretOp  *op,
               SecretService     *service,
               GCancellable      *cancellable,
               GError           **error)
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
keyring_delete (const GhSecretOp  *op,
                SecretService     *service,
                GCancellable      *cancellable,
                GError           **error)
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

gboolean
_gh_secret_keyring_run (const GhSecretOp  *op,
                        GCancellable      *cancellable,
                        char             **out_secret,
                        GError           **error)
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
        case GH_SECRET_OP_LOOKUP:
          ok = keyring_lookup (op, service, deadline.cancellable, out_secret, &local_error);
          break;
        case GH_SECRET_OP_STORE:
          ok = keyring_store (op, service, deadline.cancellable, &local_error);
          break;
        case GH_SECRET_OP_DELETE:
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
