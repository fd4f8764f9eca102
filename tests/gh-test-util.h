/* gh-test-util.h — helpers shared by the test programs
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A fresh temporary directory; gh_test_remove_tree() deletes it and everything in it. */
char    *gh_test_make_tmp_dir  (const char *name);
void     gh_test_remove_tree   (const char *path);

/* Iterates the default main context until *@flag is TRUE or @timeout_ms passes. */
gboolean gh_test_wait_for      (const gboolean *flag,
                                guint           timeout_ms);

G_END_DECLS
