/* gh-keyring.c — the default keyring's state, and creating or unlocking it
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-embedded"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "gh-keyring.h"

/* Why the embedded server cannot keep its signing key in the keyring, and the way out: the
 * Secret Service's own dialogs create or unlock the default keyring. The server itself never
 * prompts (it fails closed); only this, on the user's click, does. */

static SecretCollection *
get_default_collection (SecretService  **out_service,
                        GCancellable    *cancellable,
                        GError         **error)
{
  g_autoptr(SecretService) service = NULL;
  SecretCollection *collection;

  service = secret_service_get_sync (SECRET_SERVICE_NONE, cancellable, error);
  if (service == NULL)
    return NULL;

  collection = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT,
                                                 SECRET_COLLECTION_NONE, cancellable, error);
  if (out_service != NULL)
    *out_service = g_steal_pointer (&service);

  return collection;
}

GhKeyringState
gh_keyring_get_state (GError **error)
{
  g_autoptr(SecretCollection) collection = NULL;
  g_autoptr(GError) local_error = NULL;

  collection = get_default_collection (NULL, NULL, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return GH_KEYRING_STATE_UNKNOWN;
    }

  if (collection == NULL)
    return GH_KEYRING_STATE_NO_DEFAULT;

  return secret_collection_get_locked (collection) ? GH_KEYRING_STATE_LOCKED
                                                   : GH_KEYRING_STATE_READY;
}

static void
store_result_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  *slot = g_object_ref (result);
}

/* Waits for an async libsecret call started on @context. */
static GAsyncResult *
wait_for_result (GMainContext  *context,
                 GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (context, TRUE);

  return *slot;
}

static void
drain_context (GMainContext *context)
{
  while (g_main_context_pending (context))
    g_main_context_iteration (context, FALSE);
}

static void
set_up_in_context (GTask        *task,
                   GMainContext *context,
                   GCancellable *cancellable);

/* The calls that may prompt run async on this thread's own main context, drained before it is
 * dropped: their _sync forms run on a private context that libsecret drops at once, before the
 * prompt's D-Bus proxy frees its signal subscriptions from an idle on it, so every prompt
 * leaked two GWeakRefs (GDBusProxy, GLib 2.74). */
static void
set_up_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GMainContext *context = g_main_context_new ();

  g_main_context_push_thread_default (context);
  set_up_in_context (task, context, cancellable);
  drain_context (context);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
}

static void
set_up_in_context (GTask        *task,
                   GMainContext *context,
                   GCancellable *cancellable)
{
  g_autoptr(SecretService) service = NULL;
  g_autoptr(SecretCollection) collection = NULL;
  g_autoptr(GError) error = NULL;

  collection = get_default_collection (&service, cancellable, &error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (collection == NULL)
    {
      /* "Login": GNOME unlocks the keyring of that name at log-in when its password is the
       * user's. The service asks for the new keyring's password itself. */
      g_autoptr(GAsyncResult) created = NULL;

      secret_collection_create (service, _("Login"), SECRET_COLLECTION_DEFAULT,
                                SECRET_COLLECTION_CREATE_NONE, cancellable, store_result_cb,
                                &created);
      collection = secret_collection_create_finish (wait_for_result (context, &created), &error);
      if (collection == NULL)
        {
          /* libsecret reports a closed or failed dialog as a collection "at path /". */
          if (error != NULL)
            g_debug ("Creating the default keyring failed: %s", error->message);
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_task_return_error (task, g_steal_pointer (&error));
          else
            g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                                     _("GNOME Keyring did not create a keyring (its password "
                                       "dialog was closed or could not be shown)"));
          return;
        }
    }

  if (secret_collection_get_locked (collection))
    {
      g_autolist(GObject) unlocked = NULL;
      GList *objects = g_list_append (NULL, collection);
      g_autoptr(GAsyncResult) done = NULL;
      int n_unlocked;

      secret_service_unlock (service, objects, cancellable, store_result_cb, &done);
      n_unlocked = secret_service_unlock_finish (service, wait_for_result (context, &done),
                                                 &unlocked, &error);
      g_list_free (objects);
      if (n_unlocked <= 0)
        {
          if (error != NULL)
            g_debug ("Unlocking the default keyring failed: %s", error->message);
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_task_return_error (task, g_steal_pointer (&error));
          else
            g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                                     _("GNOME Keyring was not unlocked (its password dialog "
                                       "was closed or could not be shown)"));
          return;
        }
    }

  g_task_return_boolean (task, TRUE);
}

void
gh_keyring_set_up_async (GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, gh_keyring_set_up_async);
  g_task_run_in_thread (task, set_up_thread);
}

gboolean
gh_keyring_set_up_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
