/* gh-cimd-resolver-private.h — for tests
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-cimd-resolver.h"

G_BEGIN_DECLS

/* How long after a forced JWKS refetch another one waits (default 30 s); tests shorten it
 * to stand for time passing. */
void _gh_cimd_resolver_set_jwks_refetch_cooldown (GhCimdResolver *self,
                                                  gint64          seconds);

G_END_DECLS
