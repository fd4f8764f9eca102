/* gh-sanitizer-glib.c — keeps GLib's first quark block reachable for LeakSanitizer
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Linked only into AddressSanitizer builds (the app and the GUI tests).
 *
 * GLib's constructor allocates its quark table, 2048 entries (16 KiB), and GLib drops that
 * block by design when the 2048th quark is made (gquark.c: "This leaks the old quarks
 * array"). Every GType, property and interned name is a quark, and the console's window with
 * its pages makes more than 2048 of them: so LeakSanitizer would report GLib's block, as a
 * bare "16384 bytes from g_malloc" (GLib has no frame pointers, no suppression can name it).
 * AddressSanitizer calls this hook for every allocation; the 16 KiB blocks made before this
 * program's own constructors run (GLib's libraries are initialised first) are kept here,
 * reachable. Nothing allocated later is touched, so a leak of ours is still reported.
 */

#include "config.h"

#include <glib.h>

#ifdef __SANITIZE_ADDRESS__

static const volatile void *glib_startup_blocks[8];
static gboolean program_started;

void __sanitizer_malloc_hook (const volatile void *ptr,
                              size_t               size);

void
__sanitizer_malloc_hook (const volatile void *ptr,
                         size_t               size)
{
  if (program_started || size != 16384)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (glib_startup_blocks); i++)
    if (glib_startup_blocks[i] == NULL)
      {
        glib_startup_blocks[i] = ptr;
        return;
      }
}

__attribute__((constructor)) static void
mark_program_started (void)
{
  program_started = TRUE;
}

#endif
