/* gh-util-error.c — the error domain of the decoders in util/
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-util"

#include "config.h"

#include "gh-util-error.h"

G_DEFINE_QUARK (gh-util-error-quark, gh_util_error)
