/* gh-secret-store.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "gh-types.h"

G_BEGIN_DECLS

#define GH_SECRET_ERROR (gh_secret_error_quark ())

/* Every code means "no secret for you": callers fail closed (gh-error.c maps the domain to
 * temporarily_unavailable / 503). */
typedef enum
{
  /* A Secret Service exists but is locked, refused, timed out or failed. */
  GH_SECRET_ERROR_UNAVAILABLE,
  /* I/O and file problems (unreadable, corrupt, too open a mode, lock held too long). */
  GH_SECRET_ERROR_FAILED,
  /* A bad name, label or secret. */
  GH_SECRET_ERROR_INVALID,
} GhSecretError;

GQuark gh_secret_error_quark (void);

#define GH_TYPE_SECRET_STORE (gh_secret_store_get_type ())

G_DECLARE_FINAL_TYPE (GhSecretStore, gh_secret_store, GH, SECRET_STORE, GObject)

/* Names: 1 to 128 characters from [A-Za-z0-9._:@/-], starting with a letter or digit,
 * e.g. "admin-token", "signing-key:2026-01-abc", "remote/host.example". */
gboolean         gh_secret_store_name_is_valid (const char           *name);

/* AUTO picks the Secret Service when org.freedesktop.secrets is owned or D-Bus-activatable
 * on the session bus (never starting a bus), else the file `secrets.ini` in @data_dir.
 * @data_dir is created (mode 0700) when missing. */
GhSecretStore   *gh_secret_store_new          (GhSecretBackend       backend,
                                               const char           *data_dir,
                                               GError              **error);
/* The backend in use, never AUTO. */
GhSecretBackend  gh_secret_store_get_backend  (GhSecretStore        *self);
/* Human words for the start-up log and the GUI, e.g. "Secret Service (org.freedesktop.secrets)". */
const char      *gh_secret_store_describe     (GhSecretStore        *self);
/* The absolute, canonical data dir: the "instance" the secrets belong to. */
const char      *gh_secret_store_get_instance (GhSecretStore        *self);

/* Returns the secret, or NULL: without @error set it is not stored, with it the lookup failed.
 * Free the result with secret_password_free() or g_free(). */
char            *gh_secret_store_lookup       (GhSecretStore        *self,
                                               const char           *name,
                                               GError              **error);
/* Stores @secret (UTF-8) under @name, replacing any previous value. @label, shown by keyring
 * managers, may be NULL. */
gboolean         gh_secret_store_store        (GhSecretStore        *self,
                                               const char           *name,
                                               const char           *label,
                                               const char           *secret,
                                               GError              **error);
/* Deleting a secret that is not stored succeeds. */
gboolean         gh_secret_store_delete       (GhSecretStore        *self,
                                               const char           *name,
                                               GError              **error);

void             gh_secret_store_lookup_async  (GhSecretStore       *self,
                                                const char          *name,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
char            *gh_secret_store_lookup_finish (GhSecretStore       *self,
                                                GAsyncResult        *result,
                                                GError             **error);
void             gh_secret_store_store_async   (GhSecretStore       *self,
                                                const char          *name,
                                                const char          *label,
                                                const char          *secret,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean         gh_secret_store_store_finish  (GhSecretStore       *self,
                                                GAsyncResult        *result,
                                                GError             **error);
void             gh_secret_store_delete_async  (GhSecretStore       *self,
                                                const char          *name,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean         gh_secret_store_delete_finish (GhSecretStore       *self,
                                                GAsyncResult        *result,
                                                GError             **error);

G_END_DECLS
