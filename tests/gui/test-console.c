/* test-console.c — the console's shell: sidebar, pages, project switcher, connection chip
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include "gh-explain-card.h"
#include "gh-gui-test.h"
#include "gh-renderer.h"

static gboolean
projects_listed (gpointer data)
{
  GhGuiTest *test = data;
  GtkDropDown *dropdown = GTK_DROP_DOWN (gh_gui_test_get (GTK_WIDGET (test->window),
                                                          "project-dropdown"));

  return g_list_model_get_n_items (gtk_drop_down_get_model (dropdown)) == 2;
}

/* Every page is listed in the sidebar in order, each opens by name, and the project switcher
 * lists the server's projects and moves every page to the one picked. */
static void
test_shell_pages_and_projects (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_autoptr(JsonObject) created = NULL;
  g_auto(GStrv) names = gh_window_list_pages (test->window);
  g_autofree char *chip = NULL;
  GtkWidget *window = GTK_WIDGET (test->window);
  GtkDropDown *dropdown;

  g_assert_cmpstr (names[0], ==, "overview");
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *row = g_strconcat ("sidebar-", names[i], NULL);
      GhPage *page;

      g_assert_true (GTK_IS_LIST_BOX_ROW (gh_gui_test_get (window, row)));
      page = gh_gui_test_show_page (test, names[i]);
      g_assert_cmpstr (gh_page_get_project (page), ==, "default");
      /* The header names the page. */
      g_assert_true (gh_gui_test_label_shown (window, gh_page_get_title (page)));
    }
  g_assert_false (gh_window_show_page (test->window, "no-such-page"));

  /* "Remote · 127.0.0.1:PORT" */
  chip = g_strdup_printf ("Remote · 127.0.0.1:%u", test->server->port);
  g_assert_true (gh_gui_test_label_shown (window, chip));
  g_assert_false (gtk_widget_get_visible (gh_gui_test_get (window, "retry-button")));

  created = gh_gui_test_admin (test, "POST", "/projects",
                               "{\"slug\": \"team\", \"display_name\": \"Team Server\"}");
  /* The switcher reads the projects when the connection is ready: reconnect to read again. */
  {
    g_autoptr(GhConnection) again = gh_connection_new_remote (test->server->base, test->token);

    gh_window_set_connection (test->window, again);
    g_assert_true (gh_gui_test_wait (projects_listed, test));
    gh_window_set_connection (test->window, test->connection);
  }

  dropdown = GTK_DROP_DOWN (gh_gui_test_get (window, "project-dropdown"));
  g_assert_cmpstr (gtk_string_list_get_string (GTK_STRING_LIST (gtk_drop_down_get_model (dropdown)),
                                               1), ==, "Team Server");
  gtk_drop_down_set_selected (dropdown, 1);
  g_assert_cmpstr (gh_window_get_project (test->window), ==, "team");
  for (guint i = 0; names[i] != NULL; i++)
    g_assert_cmpstr (gh_page_get_project (gh_window_get_page (test->window, names[i])), ==,
                     "team");
}

/* Alt+N opens the Nth page: the window action the accelerators are bound to. */
static void
test_shell_show_page_action (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_auto(GStrv) names = gh_window_list_pages (test->window);
  const char *last = names[g_strv_length (names) - 1];

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (test->window), "win.show-page", "s",
                                             last));
  g_assert_true (gh_window_get_visible_page (test->window) ==
                 gh_window_get_page (test->window, last));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (test->window), "win.open", "(ss)",
                                             "overview", ""));
  g_assert_true (gh_window_get_visible_page (test->window) ==
                 gh_window_get_page (test->window, "overview"));
}

/* @widget's controls lie inside @clip (window coordinates) horizontally, and so do those of
 * every scrolled child inside its own viewport; a control outside is one a user cannot see
 * whole. Returns the first offender's description, or NULL. */
static char *
find_clipped (GtkWidget             *widget,
              GtkWidget             *window,
              const graphene_rect_t *clip)
{
  graphene_rect_t bounds;
  graphene_rect_t inner = *clip;

  if (!gtk_widget_get_mapped (widget) || !gtk_widget_compute_bounds (widget, window, &bounds))
    return NULL;

  if ((GTK_IS_BUTTON (widget) || GTK_IS_LABEL (widget) || GTK_IS_EDITABLE (widget) ||
       GTK_IS_SWITCH (widget) || GTK_IS_DROP_DOWN (widget)) &&
      bounds.size.width > 0 &&
      (bounds.origin.x < clip->origin.x - 0.5 ||
       bounds.origin.x + bounds.size.width > clip->origin.x + clip->size.width + 0.5))
    return g_strdup_printf ("%s “%s” at x %.0f, width %.0f, outside %.0f…%.0f",
                            G_OBJECT_TYPE_NAME (widget),
                            GTK_IS_LABEL (widget) ? gtk_label_get_text (GTK_LABEL (widget))
                                                  : gtk_widget_get_name (widget),
                            bounds.origin.x, bounds.size.width, clip->origin.x,
                            clip->origin.x + clip->size.width);

  if (GTK_IS_SCROLLED_WINDOW (widget) || GTK_IS_VIEWPORT (widget))
    graphene_rect_intersection (clip, &bounds, &inner);

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      char *found = find_clipped (child, window, &inner);

      if (found != NULL)
        return found;
    }

  return NULL;
}

static gboolean
window_narrow (gpointer data)
{
  return gtk_widget_get_width (GTK_WIDGET (data)) <= 800;
}

/* At 800x600 every page shows its controls whole (the sidebar beside it, not folded). */
static void
test_shell_fits_800x600 (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_auto(GStrv) names = gh_window_list_pages (test->window);
  GtkWidget *window = GTK_WIDGET (test->window);

  gtk_window_set_default_size (GTK_WINDOW (window), 800, 600);
  /* The window takes the size in a frame or two, later while pages are still loading. */
  gh_gui_test_wait (window_narrow, window);
  gh_gui_test_run_for (300);
  g_assert_cmpint (gtk_widget_get_width (window), <=, 800);
  g_assert_false (adw_leaflet_get_folded (ADW_LEAFLET (gh_gui_test_get (window, "leaflet"))));

  for (guint i = 0; names[i] != NULL; i++)
    {
      graphene_rect_t all = GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (window),
                                                gtk_widget_get_height (window));
      g_autofree char *clipped = NULL;

      gh_gui_test_show_page (test, names[i]);
      gh_gui_test_run_for (200);
      clipped = find_clipped (window, window, &all);
      if (clipped != NULL)
        g_error ("page %s at 800x600: %s", names[i], clipped);
    }
}

static gboolean
connection_failed (gpointer data)
{
  return gh_connection_get_state (GH_CONNECTION (data)) == GH_CONNECTION_STATE_FAILED;
}

/* A server that cannot be reached: every page but the overview says so in place, with the
 * reason and Try Again, instead of waiting for ever; the overview shows its own state. */
static void
test_shell_offline_pages (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GhConnection) nowhere = NULL;
  g_autofree char *url = NULL;
  GtkWidget *window = GTK_WIDGET (test->window);
  guint16 port;

  /* A port that was free a moment ago: nothing listens there. */
  port = g_socket_listener_add_any_inet_port (listener, NULL, NULL);
  g_socket_listener_close (listener);
  url = g_strdup_printf ("http://127.0.0.1:%u", port);
  nowhere = gh_connection_new_remote (url, test->token);
  gh_window_set_connection (test->window, nowhere);
  g_assert_true (gh_gui_test_wait (connection_failed, nowhere));

  g_assert_true (gh_window_show_page (test->window, "users"));
  gh_gui_test_run_for (100);
  g_assert_true (gtk_widget_get_mapped (gh_gui_test_get (window, "offline-page")));
  g_assert_true (gh_gui_test_label_shown (window, "The Server Cannot Be Reached"));
  g_assert_true (gh_gui_test_label_shown (window,
                                          gh_connection_get_error_message (nowhere)));
  g_assert_true (gtk_widget_get_mapped (gh_gui_test_get (window, "offline-button")));
  g_assert_false (gh_window_get_busy (test->window));

  g_assert_true (gh_window_show_page (test->window, "overview"));
  gh_gui_test_run_for (100);
  g_assert_false (gtk_widget_get_mapped (gh_gui_test_get (window, "offline-page")));

  /* Back on a server that answers: the page itself. */
  gh_window_set_connection (test->window, test->connection);
  gh_gui_test_show_page (test, "users");
  g_assert_false (gtk_widget_get_mapped (gh_gui_test_get (window, "offline-page")));
}

/* TRUE when @widget shows text of its own (a label or an inscription with text somewhere
 * inside it). */
static gboolean
has_text (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget) && *gtk_label_get_text (GTK_LABEL (widget)) != '\0')
    return TRUE;
  if (GTK_IS_INSCRIPTION (widget) &&
      g_strcmp0 (gtk_inscription_get_text (GTK_INSCRIPTION (widget)), "") > 0)
    return TRUE;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (has_text (child))
      return TRUE;

  return FALSE;
}

/* The first mapped, sensitive button under @widget that has neither text nor a tooltip:
 * nothing a screen reader (or a user wondering what an icon does) could be told. GTK's own
 * composite widgets (window controls, drop-downs, spin buttons, expander arrows) name theirs;
 * an insensitive one can do nothing (the Audit list's flow cell of an event without a flow). */
static GtkWidget *
find_unnamed_button (GtkWidget *widget)
{
  if (!gtk_widget_get_mapped (widget) || !gtk_widget_get_sensitive (widget) ||
      GTK_IS_WINDOW_CONTROLS (widget) || GTK_IS_DROP_DOWN (widget) || GTK_IS_SPIN_BUTTON (widget) ||
      GTK_IS_POPOVER (widget) || ADW_IS_EXPANDER_ROW (widget))
    return NULL;

  /* A menu button's own toggle button inside it is the menu button's. */
  if (GTK_IS_BUTTON (widget) || GTK_IS_MENU_BUTTON (widget))
    return !has_text (widget) && gtk_widget_get_tooltip_text (widget) == NULL ? widget : NULL;

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_unnamed_button (child);

      if (found != NULL)
        return found;
    }

  return NULL;
}

/* Every button of every page says what it does, in words or a tooltip. */
static void
test_shell_buttons_named (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_auto(GStrv) names = gh_window_list_pages (test->window);

  for (guint i = 0; names[i] != NULL; i++)
    {
      GtkWidget *unnamed;

      gh_gui_test_show_page (test, names[i]);
      gh_gui_test_run_for (100);
      unnamed = find_unnamed_button (GTK_WIDGET (test->window));
      if (unnamed != NULL)
        g_error ("page %s: a %s named “%s” has neither text nor a tooltip", names[i],
                 G_OBJECT_TYPE_NAME (unnamed), gtk_widget_get_name (unnamed));
    }
}

/* The explain card marks where the two values differ, and nothing else. */
static void
test_explain_diff_markup (void)
{
  gboolean differs = FALSE;
  g_autofree char *port = NULL;
  g_autofree char *slash = NULL;
  g_autofree char *same = NULL;
  g_autofree char *escaped = NULL;

  port = gh_explain_diff_markup ("http://127.0.0.1:58135/callback",
                                 "http://127.0.0.1/callback", &differs);
  g_assert_true (differs);
  g_assert_nonnull (strstr (port, ">:58135</span>/callback"));
  g_assert_true (g_str_has_prefix (port, "http://127.0.0.1<span"));

  slash = gh_explain_diff_markup ("https://mcp.example.com/mcp/", "https://mcp.example.com/mcp",
                                  &differs);
  g_assert_true (differs);
  g_assert_true (g_str_has_suffix (slash, ">/</span>"));

  same = gh_explain_diff_markup ("abc", "abc", &differs);
  g_assert_false (differs);
  g_assert_cmpstr (same, ==, "abc");

  escaped = gh_explain_diff_markup ("a<b", "a>b", &differs);
  g_assert_true (differs);
  g_assert_nonnull (strstr (escaped, "&lt;"));
}

static gboolean
clients_badge_shown (gpointer data)
{
  GtkWidget *badge = data;

  return gtk_widget_get_visible (badge) &&
         g_strcmp0 (gtk_label_get_label (GTK_LABEL (badge)), "1") == 0;
}

/* The window builds the pages not shown after its first frame: every page has its sidebar row
 * from the start, and a page's badge comes without the user opening it. */
static void
test_shell_badge_before_opening (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  g_autoptr(JsonObject) created = NULL;
  g_auto(GStrv) names = gh_window_list_pages (test->window);
  GtkWidget *window = GTK_WIDGET (test->window);
  GtkWidget *row;

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *name = g_strconcat ("sidebar-", names[i], NULL);

      g_assert_nonnull (gh_gui_test_get (window, name));
    }
  created = gh_gui_test_admin (test, "POST", "/projects/default/clients",
                               "{\"client_id\": \"badge\", \"redirect_uris\": "
                               "[\"https://app.example/cb\"]}");
  row = gh_gui_test_get (window, "sidebar-clients");
  g_assert_true (gh_gui_test_wait (clients_badge_shown, gh_gui_test_get (row, "badge")));
  g_assert_cmpstr (gtk_widget_get_name (GTK_WIDGET (gh_window_get_visible_page (test->window))),
                   ==, "overview");
}

static gboolean
help_overlay_set (gpointer data)
{
  return gtk_application_window_get_help_overlay (data) != NULL;
}

/* The shortcuts window is set after the window's first frame (not built with the window, as
 * GtkApplication would from gtk/help-overlay.ui); win.show-help-overlay shows it. */
static void
test_shell_shortcuts_window (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  GtkShortcutsWindow *overlay;

  g_assert_true (gh_gui_test_wait (help_overlay_set, test->window));
  overlay = gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (test->window));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (overlay)));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (test->window), "win.show-help-overlay",
                                             NULL));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (overlay)));
  gtk_window_close (GTK_WINDOW (overlay));
}

static void
never_answered_cb (GhPage       *page,
                   JsonObject   *answer,
                   const GError *error,
                   gpointer      user_data)
{
  g_error ("a page out of its window got an answer");
}

/* A window closed while a page waits for a server that stopped answering: the page's calls
 * are cancelled and it goes with the window at once, not when (if ever) the server answers. */
static void
test_shell_closed_while_waiting (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  GhPage *page = gh_gui_test_show_page (test, "keys");
  GPid pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (test->server->process), NULL,
                                     10);
  gpointer alive = page;

  g_object_add_weak_pointer (G_OBJECT (page), &alive);
  g_assert_cmpint (kill (pid, SIGSTOP), ==, 0);
  gh_page_load (page, "GET", "/keys", NULL, never_answered_cb, NULL);
  gh_page_call (page, "GET", "/keys", NULL, never_answered_cb, NULL);
  gh_gui_test_run_for (100);

  gtk_window_destroy (GTK_WINDOW (test->window));
  g_assert_finalize_object (g_steal_pointer (&test->window));
  gh_gui_test_run_for (200);
  g_assert_null (alive);

  g_assert_cmpint (kill (pid, SIGCONT), ==, 0);
}

/* On a display whose OpenGL is a software rasterizer (Xvfb's is llvmpipe) the window draws
 * with cairo; a renderer the user chose stands. */
static void
test_shell_renderer (void)
{
  g_autoptr(GhGuiTest) test = gh_gui_test_new ();
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (test->window));
  g_autofree char *gl = NULL;
  g_autofree char *gl_again = NULL;
  gboolean software;

  /* What gh_gui_test_init() chose, as the app does at its start */
  g_unsetenv ("GSK_RENDERER");
  software = gh_renderer_choose (gdk_display_get_default (), &gl);
  g_test_message ("OpenGL: %s", gl != NULL ? gl : "none");
  g_assert_cmpint (software, ==, gl != NULL && (strstr (gl, "llvmpipe") != NULL ||
                                                strstr (gl, "softpipe") != NULL));
  if (software)
    {
      g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, "cairo");
      g_assert_true (GSK_IS_CAIRO_RENDERER (renderer));
    }
  else
    g_assert_false (GSK_IS_CAIRO_RENDERER (renderer));

  g_setenv ("GSK_RENDERER", "gl", TRUE);
  g_assert_false (gh_renderer_choose (gdk_display_get_default (), &gl_again));
  g_assert_null (gl_again);
  g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, "gl");
  if (software)
    g_setenv ("GSK_RENDERER", "cairo", TRUE);
  else
    g_unsetenv ("GSK_RENDERER");
}

int
main (int   argc,
      char *argv[])
{
  gh_gui_test_init (&argc, &argv);

  g_test_add_func ("/gui/console/explain-diff-markup", test_explain_diff_markup);
  g_test_add_func ("/gui/console/pages-and-projects", test_shell_pages_and_projects);
  g_test_add_func ("/gui/console/show-page-action", test_shell_show_page_action);
  g_test_add_func ("/gui/console/fits-800x600", test_shell_fits_800x600);
  g_test_add_func ("/gui/console/offline-pages", test_shell_offline_pages);
  g_test_add_func ("/gui/console/buttons-named", test_shell_buttons_named);
  g_test_add_func ("/gui/console/badge-before-opening", test_shell_badge_before_opening);
  g_test_add_func ("/gui/console/shortcuts-window", test_shell_shortcuts_window);
  g_test_add_func ("/gui/console/renderer", test_shell_renderer);
  g_test_add_func ("/gui/console/closed-while-waiting", test_shell_closed_while_waiting);

  return g_test_run ();
}
