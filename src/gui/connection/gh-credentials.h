/* gh-credentials.h — remote servers' admin tokens in the Secret Service, and recent servers
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The admin token for the server at @url, kept in the Secret Service (libsecret, our own
 * schema keyed by the URL): never in GSettings nor in a file of ours. */
void      gh_credentials_store_async   (const char           *url,
                                        const char           *token,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
gboolean  gh_credentials_store_finish  (GAsyncResult         *result,
                                        GError              **error);
/* The stored token, or %NULL (none stored: no error). */
void      gh_credentials_lookup_async  (const char           *url,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
char     *gh_credentials_lookup_finish (GAsyncResult         *result,
                                        GError              **error);
/* Forgets the token stored for @url (if any). */
void      gh_credentials_clear_async   (const char           *url,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
gboolean  gh_credentials_clear_finish  (GAsyncResult         *result,
                                        GError              **error);

/* Puts @url first in the recent-connections setting (URLs only, most recent first). */
void      gh_credentials_add_recent    (const char           *url);

G_END_DECLS
