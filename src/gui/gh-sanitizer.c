/* gh-sanitizer.c — what LeakSanitizer must see to tell other libraries' one-time allocations
 * from ours
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
 *
 * Mesa's DRI driver (Debian 12's 22.3.6-1+deb12u2) keeps 128 bytes from its one-time
 * initialisation, when GTK opens the display and asks for EGL; Mesa unloads the driver before
 * the leak check, so the report names no file ("<unknown module>") and no suppression can
 * match it. The driver is loaded here first, never to be unloaded: the report then names it,
 * and tests/lsan.supp suppresses allocations of the driver's file.
 */

#include "config.h"

#include <dlfcn.h>
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

/* Every DRI driver of Mesa is one file under several names: loading one loads them all. */
__attribute__((constructor)) static void
keep_gl_driver_loaded (void)
{
  const char *dirs[] = { g_getenv ("LIBGL_DRIVERS_PATH"), GH_SYSTEM_DRI_DIR, "/usr/lib64/dri",
                         "/usr/lib/dri" };

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = NULL;

      if (dirs[i] == NULL)
        continue;
      path = g_build_filename (dirs[i], "swrast_dri.so", NULL);
      if (dlopen (path, RTLD_LAZY | RTLD_NODELETE) != NULL)
        return;
    }
}

#endif
