/* gh-application.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gh-connection.h"

G_BEGIN_DECLS

#define GH_TYPE_APPLICATION (gh_application_get_type ())

G_DECLARE_FINAL_TYPE (GhApplication, gh_application, GH, APPLICATION, AdwApplication)

GhApplication    *gh_application_new             (void);
GhEmbeddedServer *gh_application_get_server      (GhApplication *self);
int               gh_application_get_exit_status (GhApplication *self);

G_END_DECLS
