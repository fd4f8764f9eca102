/* gh-secret-store-private.h — what the secret store's files share, and hooks for tests
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GhSecretStore is one class in three files: gh-secret-store.c (the API: validation, the
 * choice of backend, the worker threads of async calls), gh-secret-keyring.c (the Secret
 * Service) and gh-secret-file.c (secrets.ini). A backend runs one GhSecretOp, on a worker
 * thread, and reads nothing else.
 */

#pragma once

#include "gh-secret-store.h"

G_BEGIN_DECLS

#define SECRET_SERVICE_NAME   "org.freedesktop.secrets"

/* What a store is bound to; immutable and shared with the workers of async calls. */
typedef struct
{
  GhSecretBackend  backend;
  char            *instance;
  char            *file_path;
  char            *lock_path;
} GhSecretConfig;

typedef enum
{
  GH_SECRET_OP_LOOKUP,
  GH_SECRET_OP_STORE,
  GH_SECRET_OP_DELETE,
} GhSecretOpKind;

/* One call, complete: a worker thread reads nothing else. */
typedef struct
{
  GhSecretOpKind  kind;
  GhSecretConfig *config;
  guint           timeout_ms;
  char           *name;
  char           *label;
  char           *secret;
} GhSecretOp;

struct _GhSecretStore
{
  GObject         parent_instance;

  GhSecretConfig *config;
  char           *description;
  guint           timeout_ms;
};

/* --- gh-secret-keyring.c ------------------------------------------------------------------ */

/* Whether org.freedesktop.secrets is owned or D-Bus-activatable on the session bus, asked over
 * a private connection that starts nothing. @detail says how it is reachable, or why not. */
gboolean _gh_secret_keyring_probe (char              **detail);
/* Runs @op against the Secret Service under op->timeout_ms; *@out_secret for a lookup (NULL
 * when there is none). Errors: GH_SECRET_ERROR_UNAVAILABLE, G_IO_ERROR_CANCELLED. */
gboolean _gh_secret_keyring_run   (const GhSecretOp   *op,
                                   GCancellable       *cancellable,
                                   char              **out_secret,
                                   GError            **error);

/* --- gh-secret-file.c --------------------------------------------------------------------- */

/* @op's secret from secrets.ini in *@out_secret (NULL when there is none). */
gboolean _gh_secret_file_lookup   (const GhSecretOp   *op,
                                   char              **out_secret,
                                   GError            **error);
/* Stores or deletes @op's secret in secrets.ini under the writers' lock. */
gboolean _gh_secret_file_update   (const GhSecretOp   *op,
                                   GError            **error);

/* --- gh-secret-store.c: for tests --------------------------------------------------------- */

/* Bounds each Secret Service operation (default 5 s); tests shorten it. Call it before the
 * first operation. */
void     _gh_secret_store_set_timeout (GhSecretStore *self,
                                       guint          timeout_ms);

G_END_DECLS
