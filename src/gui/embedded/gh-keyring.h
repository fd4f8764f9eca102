/* gh-keyring.h — the default keyring's state, and creating or unlocking it
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The user's default keyring in the Secret Service (GNOME Keyring), as far as keeping
 * Gatehouse's signing key there goes. */
typedef enum
{
  GH_KEYRING_STATE_UNKNOWN,     /* the Secret Service could not be asked */
  GH_KEYRING_STATE_NO_DEFAULT,  /* no default keyring to store anything in */
  GH_KEYRING_STATE_LOCKED,      /* a default keyring, locked */
  GH_KEYRING_STATE_READY,       /* a default keyring, unlocked */
} GhKeyringState;

GhKeyringState gh_keyring_get_state       (GError              **error);
/* Creates the default keyring, or unlocks it: the Secret Service asks the user for a
 * password in its own dialog. Finishes TRUE once the default keyring is unlocked. */
void           gh_keyring_set_up_async    (GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean       gh_keyring_set_up_finish   (GAsyncResult         *result,
                                           GError              **error);

G_END_DECLS
