/* gh-gui-test.h — the console's window against a real gatehouse-server, for page tests
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "gh-connection.h"
#include "gh-page.h"
#include "gh-test-process.h"
#include "gh-window.h"

G_BEGIN_DECLS

/* Every wait of a page test: long, for a loaded machine and AddressSanitizer. */
#define GH_GUI_TEST_TIMEOUT_MS 20000

/* A `gatehouse-server serve` (production profile, file secrets) in a temporary data folder,
 * an admin token made for it with the CLI, and the real GhWindow connected to it as a remote
 * server: exactly what a user's console does, through the admin API only. */
typedef struct
{
  char          *tmp;         /* removed by gh_gui_test_free () */
  char          *dir;         /* the server's data folder */
  char          *token;       /* an admin token ("ghat_…") */
  GhTestProcess *server;
  GhConnection  *connection;
  GhWindow      *window;      /* presented, mapped, overview settled */
  guint16        port;        /* the server's, kept across gh_gui_test_restart_server () */
  GhAdminClient *admin;       /* gh_gui_test_admin ()'s, one for each run of the server */
} GhGuiTest;

/* gtk_test_init (), adw_init (), no animations. */
void        gh_gui_test_init         (int          *argc,
                                      char       ***argv);
GhGuiTest  *gh_gui_test_new          (void);
/* Closes the window, stops the server (asserting a clean exit), removes the folder. */
void        gh_gui_test_free         (GhGuiTest    *test);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhGuiTest, gh_gui_test_free)

/* Stops the server (asserting a clean exit), the window left as it is: it sees the server
 * gone. test->server is NULL until gh_gui_test_start_server (). */
void        gh_gui_test_stop_server  (GhGuiTest    *test);
/* Starts it again on the same data folder and the same port: the window's connection (and its
 * live stream) comes back by itself. */
void        gh_gui_test_start_server (GhGuiTest    *test);

/* Shows the page of that name and waits until it is no longer busy (asserts both). */
GhPage     *gh_gui_test_show_page    (GhGuiTest    *test,
                                      const char   *name);
/* Iterates the main context until @done (@data) or the timeout; returns @done (@data). */
gboolean    gh_gui_test_wait         (gboolean    (*done) (gpointer data),
                                      gpointer      data);
/* Until @widget (or a widget named @name under it) is not busy: gh_page_get_busy (). */
gboolean    gh_gui_test_wait_settled (GhPage       *page);
/* Runs the main context for @ms (let a frame or two happen). */
void        gh_gui_test_run_for      (guint         ms);

/* The first widget named @name (gtk_widget_set_name / "name" in the .ui) under @root, or
 * NULL; _get asserts it exists. */
GtkWidget  *gh_gui_test_find         (GtkWidget    *root,
                                      const char   *name);
GtkWidget  *gh_gui_test_get          (GtkWidget    *root,
                                      const char   *name);
/* A toplevel window other than the test's, whose name is @name (dialogs), or NULL. */
GtkWidget  *gh_gui_test_find_window  (const char   *name);
/* A mapped label under @root whose text is exactly @text / contains @part. */
gboolean    gh_gui_test_label_shown  (GtkWidget    *root,
                                      const char   *text);
gboolean    gh_gui_test_text_shown   (GtkWidget    *root,
                                      const char   *part);
/* Every mapped label's text under @root, one per line (for assertion messages). */
char       *gh_gui_test_dump_labels  (GtkWidget    *root);
/* "clicked" on a button, as a user's click does it (at once). */
void        gh_gui_test_click        (GtkWidget    *button);
/* Types @text into the search entry named @entry_name under @root (the window), then waits
 * until exactly the widgets named in @shown (NULL-terminated) of those named in @all are
 * mapped; FALSE (after a message naming what shows) if that never happens. */
gboolean    gh_gui_test_search       (GtkWidget    *root,
                                      const char   *entry_name,
                                      const char   *text,
                                      const char  **all,
                                      const char  **shown);
/* The text on the clipboard of @widget's display. */
char       *gh_gui_test_clipboard    (GtkWidget    *widget);

/* An admin API call from the test itself (set-up, or checking what the window did), through
 * a GhAdminClient of its own; @body is JSON text or NULL. Asserts success; the answer. */
JsonObject *gh_gui_test_admin        (GhGuiTest    *test,
                                      const char   *method,
                                      const char   *path,
                                      const char   *body);
/* The same, expecting a refusal: the error (a GH_ADMIN_CLIENT_ERROR). */
GError     *gh_gui_test_admin_error  (GhGuiTest    *test,
                                      const char   *method,
                                      const char   *path,
                                      const char   *body);

/* The S256 PKCE code challenge of @verifier (RFC 7636 §4.2): what a test's client sends. */
char       *gh_gui_test_pkce_challenge (const char *verifier);

G_END_DECLS
