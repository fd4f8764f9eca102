/* gh-secret-store.c — where secrets live: one API over the Secret Service and a key file
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-secrets"

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libsecret/secret.h>

#include "gh-secret-store-private.h"
#include "gh-secret-store.h"

#define SECRETS_FILE_NAME     "secrets.ini"
#define SECRETS_LOCK_NAME     "secrets.ini.lock"

#define NAME_MAX_LENGTH       128
#define LABEL_MAX_LENGTH      256
#define SECRET_MAX_LENGTH     (64 * 1024)

#define DEFAULT_TIMEOUT_MS    5000

G_DEFINE_QUARK (gh-secret-error-quark, gh_secret_error)

G_DEFINE_FINAL_TYPE (GhSecretStore, gh_secret_store, G_TYPE_OBJECT)

static void
secret_config_clear (gpointer data)
{
  GhSecretConfig *config = data;

  g_free (config->instance);
  g_free (config->file_path);
  g_free (config->lock_path);
}

static GhSecretConfig *
secret_config_new (GhSecretBackend  backend,
                   const char      *instance)
{
  GhSecretConfig *config = g_atomic_rc_box_new0 (GhSecretConfig);

  config->backend = backend;
  config->instance = g_strdup (instance);
  config->file_path = g_build_filename (instance, SECRETS_FILE_NAME, NULL);
  config->lock_path = g_build_filename (instance, SECRETS_LOCK_NAME, NULL);

  return config;
}

static void
secret_config_unref (GhSecretConfig *config)
{
  g_atomic_rc_box_release_full (config, secret_config_clear);
}

static void
secret_op_free (GhSecretOp *op)
{
  g_clear_pointer (&op->config, secret_config_unref);
  g_clear_pointer (&op->name, g_free);
  g_clear_pointer (&op->label, g_free);
  g_clear_pointer (&op->secret, secret_password_free);
  g_free (op);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhSecretOp, secret_op_free)

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

static GhSecretOp *
secret_op_new (GhSecretStore   *self,
               GhSecretOpKind   kind,
               const char      *name,
               const char      *label,
               const char      *secret,
               GError         **error)
{
  GhSecretOp *op;

  if (!validate_name (name, error))
    return NULL;

  if (kind == GH_SECRET_OP_STORE)
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

  op = g_new0 (GhSecretOp, 1);
  op->kind = kind;
  op->config = g_atomic_rc_box_acquire (self->config);
  op->timeout_ms = self->timeout_ms;
  op->name = g_strdup (name);
  if (kind == GH_SECRET_OP_STORE)
    {
      op->label = label != NULL
        ? g_strdup (label)
        : g_strdup_printf ("Gatehouse secret “%s” (%s)", name, self->config->instance);
      op->secret = g_strdup (secret);
    }

  return op;
}

/* The data directory */

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

/* Operations */

static gboolean
secret_op_run (const GhSecretOp  *op,
               GCancellable      *cancellable,
               char             **out_secret,
               GError           **error)
{
  gboolean ok;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    ok = FALSE;
  else if (op->config->backend == GH_SECRET_BACKEND_KEYRING)
    ok = _gh_secret_keyring_run (op, cancellable, out_secret, error);
  else if (op->kind == GH_SECRET_OP_LOOKUP)
    ok = _gh_secret_file_lookup (op, out_secret, error);
  else
    ok = _gh_secret_file_update (op, error);

  if (!ok)
    {
      switch (op->kind)
        {
        case GH_SECRET_OP_LOOKUP:
          g_prefix_error (error, "Could not read the secret “%s”: ", op->name);
          break;
        case GH_SECRET_OP_STORE:
          g_prefix_error (error, "Could not store the secret “%s”: ", op->name);
          break;
        case GH_SECRET_OP_DELETE:
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
  const GhSecretOp *op = task_data;
  g_autoptr(GError) error = NULL;
  char *secret = NULL;

  if (!secret_op_run (op, cancellable, &secret, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else if (op->kind == GH_SECRET_OP_LOOKUP)
    g_task_return_pointer (task, secret, (GDestroyNotify) secret_password_free);
  else
    g_task_return_boolean (task, TRUE);
}

static void
secret_op_start (GhSecretStore       *self,
                 GhSecretOpKind       kind,
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
  GhSecretOp *op;

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
      reachable = _gh_secret_keyring_probe (&detail);
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
      if (!_gh_secret_keyring_probe (&detail))
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
  g_autoptr(GhSecretOp) op = NULL;
  char *secret = NULL;

  g_return_val_if_fail (GH_IS_SECRET_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  op = secret_op_new (self, GH_SECRET_OP_LOOKUP, name, NULL, NULL, error);
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
  g_autoptr(GhSecretOp) op = NULL;

  g_return_val_if_fail (GH_IS_SECRET_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  op = secret_op_new (self, GH_SECRET_OP_STORE, name, label, secret, error);

  return op != NULL && secret_op_run (op, NULL, NULL, error);
}

gboolean
gh_secret_store_delete (GhSecretStore  *self,
                        const char     *name,
                        GError        **error)
{
  g_autoptr(GhSecretOp) op = NULL;

  g_return_val_if_fail (GH_IS_SECRET_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  op = secret_op_new (self, GH_SECRET_OP_DELETE, name, NULL, NULL, error);

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

  secret_op_start (self, GH_SECRET_OP_LOOKUP, name, NULL, NULL, cancellable, callback, user_data,
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

  secret_op_start (self, GH_SECRET_OP_STORE, name, label, secret, cancellable, callback, user_data,
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

  secret_op_start (self, GH_SECRET_OP_DELETE, name, NULL, NULL, cancellable, callback, user_data,
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
