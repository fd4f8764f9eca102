/* gh-secret-store-private.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-secret-store.h"

G_BEGIN_DECLS

/* Bounds each Secret Service operation (default 5 s); tests shorten it. Call it before the
 * first operation. */
void _gh_secret_store_set_timeout (GhSecretStore *self,
                                   guint          timeout_ms);

G_END_DECLS
