/* gh-credentials.c — remote servers' admin tokens in the Secret Service, and recent servers
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "gh-credentials.h"

#define MAX_RECENT 8

static const SecretSchema *
token_schema (void)
{
  static const SecretSchema schema = {
    "dev.gatehouse.Gatehouse.RemoteAdminToken", SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
    0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  };

  return &schema;
}

static void
stored_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (secret_password_store_finish (result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
gh_credentials_store_async (const char          *url,
                            const char          *token,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char *label = g_strdup_printf (_("Gatehouse admin token for %s"), url);

  g_task_set_source_tag (task, gh_credentials_store_async);
  secret_password_store (token_schema (), SECRET_COLLECTION_DEFAULT, label, token,
                         cancellable, stored_cb, task,
                         "server", url,
                         NULL);
}

gboolean
gh_credentials_store_finish (GAsyncResult  *result,
                             GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
looked_up_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *token = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, token, (GDestroyNotify) secret_password_free);
}

void
gh_credentials_lookup_async (const char          *url,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, gh_credentials_lookup_async);
  secret_password_lookup (token_schema (), cancellable, looked_up_cb, task,
                          "server", url,
                          NULL);
}

char *
gh_credentials_lookup_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  char *token = g_task_propagate_pointer (G_TASK (result), &local_error);
  char *copy;

  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  /* Ours from here on, freed with g_free () like any string */
  copy = g_strdup (token);
  secret_password_free (token);
  return copy;
}

static void
cleared_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  secret_password_clear_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
gh_credentials_clear_async (const char          *url,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, gh_credentials_clear_async);
  secret_password_clear (token_schema (), cancellable, cleared_cb, task,
                         "server", url,
                         NULL);
}

gboolean
gh_credentials_clear_finish (GAsyncResult  *result,
                             GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
gh_credentials_add_recent (const char *url)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_auto(GStrv) recent = g_settings_get_strv (settings, "recent-connections");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) updated = NULL;
  guint count = 1;

  g_return_if_fail (url != NULL);

  g_strv_builder_add (builder, url);
  for (guint i = 0; recent[i] != NULL && count < MAX_RECENT; i++)
    {
      if (g_str_equal (recent[i], url))
        continue;
      g_strv_builder_add (builder, recent[i]);
      count++;
    }
  updated = g_strv_builder_end (builder);
  g_settings_set_strv (settings, "recent-connections", (const char * const *) updated);
}
