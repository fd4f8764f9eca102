/* gh-renderer.c — which of GTK's renderers draws the windows: cairo when OpenGL is Mesa's
 * software rasterizer
 *
 * GTK 4.8 draws with OpenGL whenever the display has it, a software one included. With
 * llvmpipe every frame is a full redraw of the window by the CPU (about 90 ms for a 1280x800
 * window of the console on two cores), and the first frame waits for its shaders to be
 * compiled; the cairo renderer redraws only what changed. GTK itself stopped using its GPU
 * renderers on llvmpipe in 4.14; this does the same on 4.8. bench/console.sh measures both.
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <epoxy/gl.h>

#include "gh-renderer.h"

/* What Mesa's CPU rasterizers call themselves in GL_RENDERER ("llvmpipe (LLVM 15.0.6, 256
 * bits)", "softpipe", "Software Rasterizer" for swrast). */
static gboolean
is_software (const char *renderer)
{
  static const char * const names[] = { "llvmpipe", "softpipe", "swrast", "Software Rasterizer" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (strstr (renderer, names[i]) != NULL)
      return TRUE;
  return FALSE;
}

gboolean
gh_renderer_choose (GdkDisplay  *display,
                    char       **gl_renderer)
{
  g_autoptr(GdkGLContext) context = NULL;
  g_autoptr(GError) error = NULL;
  const char *renderer;
  gboolean software;

  g_return_val_if_fail (GDK_IS_DISPLAY (display), FALSE);

  /* The user's choice (GSK_RENDERER=gl, =cairo, ...) stands. */
  if (g_getenv ("GSK_RENDERER") != NULL)
    return FALSE;
  /* No OpenGL at all: GTK draws with cairo by itself. */
  if (!gdk_display_prepare_gl (display, &error))
    return FALSE;
  context = gdk_display_create_gl_context (display, &error);
  if (context == NULL || !gdk_gl_context_realize (context, &error))
    {
      g_debug ("No OpenGL context to ask for its renderer: %s", error->message);
      return FALSE;
    }
  gdk_gl_context_make_current (context);
  renderer = (const char *) glGetString (GL_RENDERER);
  software = renderer != NULL && is_software (renderer);
  g_debug ("OpenGL renderer: %s", renderer != NULL ? renderer : "(none)");
  if (gl_renderer != NULL)
    *gl_renderer = g_strdup (renderer);
  gdk_gl_context_clear_current ();
  if (!software)
    return FALSE;

  /* Read by GTK when it makes the first window's renderer, and never again. */
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  return TRUE;
}
