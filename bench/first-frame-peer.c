/* first-frame-peer.c — the toolkit's floor for bench/console.sh: a minimal libadwaita window
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Not a test: the peer of the console's cold start. An AdwApplication whose window has a
 * header bar and a status page, the size the benchmark gives the app; at the first frame its
 * frame clock finished painting it prints "first-frame MONOTONIC_USEC", exactly as
 * `gatehouse` does with GATEHOUSE_FIRST_FRAME set, and quits.
 */

#define G_LOG_DOMAIN "gatehouse-bench"

#include "config.h"

#include <stdio.h>

#include <adwaita.h>

static void
painted_cb (GdkFrameClock  *frame_clock,
            GApplication   *app)
{
  g_print ("first-frame %" G_GINT64_FORMAT "\n", g_get_monotonic_time ());
  fflush (stdout);
  g_signal_handlers_disconnect_by_func (frame_clock, painted_cb, app);
  g_application_quit (app);
}

static void
realized_cb (GtkWidget    *window,
             GApplication *app)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint", G_CALLBACK (painted_cb),
                    app);
}

static void
activate_cb (GApplication *app)
{
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (app));
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *status = adw_status_page_new ();

  adw_status_page_set_title (ADW_STATUS_PAGE (status), "First frame");
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (status), "applications-system-symbolic");
  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  gtk_widget_set_vexpand (status, TRUE);
  gtk_box_append (GTK_BOX (box), status);
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), box);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  g_signal_connect_after (window, "realize", G_CALLBACK (realized_cb), app);
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AdwApplication) app = adw_application_new ("dev.gatehouse.BenchPeer",
                                                        G_APPLICATION_NON_UNIQUE);

  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
