/* gh-renderer.h — which of GTK's renderers draws the windows: cairo when OpenGL is Mesa's
 * software rasterizer
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Before the first window is realized: when the user has not chosen a renderer
 * (GSK_RENDERER) and @display's OpenGL is drawn by the CPU (Mesa's llvmpipe, softpipe or
 * swrast: a virtual machine, Xvfb, a remote X display), asks GTK for its cairo renderer. TRUE
 * when it did. @gl_renderer (or NULL) is set to OpenGL's GL_RENDERER when it was asked. */
gboolean gh_renderer_choose (GdkDisplay  *display,
                             char       **gl_renderer);

G_END_DECLS
