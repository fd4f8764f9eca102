/* gh-paused-request.h — a request that waits, paused, for a fetch before it is answered
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "gh-form.h"

G_BEGIN_DECLS

/* What a handler keeps of a request while something it needs is fetched (a client's
 * metadata document, a JWK Set): the message, paused; where the router sent it; its form;
 * a cancellable that is cancelled when the peer leaves; and the handler's own @data. */
typedef struct
{
  GObject           *owner;      /* the server (a reference) */
  SoupServerMessage *msg;
  char              *slug;       /* the project the router found */
  char              *issuer;
  char              *path;       /* below the issuer */
  GhForm            *form;
  GCancellable      *cancellable;
  gpointer           data;
  GDestroyNotify     data_free;
  /*< private >*/
  gpointer           peer;
} GhPausedRequest;

/* Pauses @msg and watches its peer: while a message is paused libsoup reads nothing from
 * its connection and so would not see the peer leave. Takes @form and @data. */
GhPausedRequest *gh_paused_request_new       (GObject           *owner,
                                              SoupServerMessage *msg,
                                              const char        *slug,
                                              const char        *issuer,
                                              const char        *path,
                                              GhForm            *form,
                                              gpointer           data,
                                              GDestroyNotify     data_free);
/* When the fetch ends: TRUE when the peer left meanwhile. @paused is then freed and its
 * message released (nobody will read its answer); the caller stops there. */
gboolean         gh_paused_request_abandoned (GhPausedRequest   *paused);
/* Sends the answer the handler set on the message and frees @paused. */
void             gh_paused_request_resume    (GhPausedRequest   *paused);

G_END_DECLS
