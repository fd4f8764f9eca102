/* gh-types.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Which defaults new projects get (DESIGN.md, "Project settings"). */
typedef enum
{
  GH_SETTINGS_PROFILE_DEVELOPMENT,
  GH_SETTINGS_PROFILE_PRODUCTION,
} GhSettingsProfile;

/* Where secrets live. AUTO picks the Secret Service when one is reachable, else the file. */
typedef enum
{
  GH_SECRET_BACKEND_AUTO,
  GH_SECRET_BACKEND_KEYRING,
  GH_SECRET_BACKEND_FILE,
} GhSecretBackend;

G_END_DECLS
