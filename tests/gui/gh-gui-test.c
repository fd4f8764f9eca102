/* gh-gui-test.c — the console's window against a real gatehouse-server, for page tests
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gh-gui-test.h"
#include "gh-renderer.h"

static char crash_pid[24];

/* A crash (or a failed assertion's abort) prints every thread's stack into the test's log:
 * gdb attaches to this process and prints them, then the signal does what it would have done.
 * A rare failure in CI then says where it was. Only async-signal-safe calls here. */
static void
crash_cb (int signum)
{
  pid_t child = fork ();

  if (child == 0)
    {
      dup2 (STDERR_FILENO, STDOUT_FILENO);
      execlp ("gdb", "gdb", "-nx", "-batch", "-p", crash_pid, "-ex", "thread apply all bt 40",
              (char *) NULL);
      _exit (127);
    }
  if (child > 0)
    waitpid (child, NULL, 0);
  raise (signum);
}

static void
print_stacks_on_crash (void)
{
  struct sigaction action = { 0 };
  /* Under AddressSanitizer a fault is its own report, with the stack */
#ifdef __SANITIZE_ADDRESS__
  const int signals[] = { SIGABRT, SIGTRAP };
#else
  const int signals[] = { SIGABRT, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGILL };
#endif

  if (g_getenv ("GATEHOUSE_TEST_NO_STACKS") != NULL)
    return;
  g_snprintf (crash_pid, sizeof crash_pid, "%ld", (long) getpid ());
  /* Where Yama restricts ptrace to ancestors, this process lets its child attach */
  prctl (PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
  action.sa_handler = crash_cb;
  action.sa_flags = SA_RESETHAND | SA_NODEFER;
  sigemptyset (&action.sa_mask);
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    sigaction (signals[i], &action, NULL);
}

void
gh_gui_test_init (int    *argc,
                  char ***argv)
{
  gtk_test_init (argc, argv, NULL);
  print_stacks_on_crash ();
  /* The renderer the app would choose on this display (gh_application_startup()) */
  gh_renderer_choose (gdk_display_get_default (), NULL);
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
}

static char *
create_token (const char *dir)
{
  g_autofree char *out = NULL;

  g_assert_cmpint (GH_TEST_CLI (gh_test_server_binary (), dir, &out, "admin-token", "create",
                                "--label", "console test"), ==, 0);
  g_strstrip (out);
  g_assert_true (g_str_has_prefix (out, "ghat_"));

  return g_steal_pointer (&out);
}

static gboolean
window_ready (gpointer data)
{
  GhGuiTest *test = data;

  return gtk_widget_get_mapped (GTK_WIDGET (test->window)) && !gh_window_get_busy (test->window);
}

GhGuiTest *
gh_gui_test_new (void)
{
  g_autoptr(GError) error = NULL;
  GhGuiTest *test = g_new0 (GhGuiTest, 1);

  test->tmp = g_dir_make_tmp ("gatehouse-console-XXXXXX", &error);
  g_assert_no_error (error);
  test->dir = g_build_filename (test->tmp, "data", NULL);
  test->token = create_token (test->dir);
  test->server = gh_test_process_start (gh_test_server_binary (), test->dir, "server");
  test->port = test->server->port;
  test->connection = gh_connection_new_remote (test->server->base, test->token);
  test->window = g_object_ref_sink (gh_window_new (NULL, test->connection));
  gtk_window_set_default_size (GTK_WINDOW (test->window), 1280, 800);
  gtk_window_present (GTK_WINDOW (test->window));
  g_assert_true (gh_gui_test_wait (window_ready, test));

  return test;
}

void
gh_gui_test_free (GhGuiTest *test)
{
  const char *argv[] = { "rm", "-rf", test->tmp, NULL };

  /* NULL: the test closed it */
  if (test->window != NULL)
    {
      gtk_window_destroy (GTK_WINDOW (test->window));
      /* Let the pages' cancelled calls come back before the server goes. */
      gh_gui_test_run_for (50);
      g_assert_finalize_object (test->window);
    }
  g_clear_object (&test->connection);
  g_clear_object (&test->admin);
  if (test->server != NULL)
    gh_test_process_stop_clean (test->server);
  g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                NULL);
  g_free (test->token);
  g_free (test->dir);
  g_free (test->tmp);
  g_free (test);
}

void
gh_gui_test_stop_server (GhGuiTest *test)
{
  g_assert_nonnull (test->server);
  /* The next run of the server gets a client of its own */
  g_clear_object (&test->admin);
  gh_test_process_stop_clean (g_steal_pointer (&test->server));
}

void
gh_gui_test_start_server (GhGuiTest *test)
{
  g_assert_null (test->server);
  test->server = gh_test_process_start_on (gh_test_server_binary (), test->dir, "server",
                                           test->port);
  g_assert_cmpuint (test->server->port, ==, test->port);
}

typedef struct
{
  gboolean (*done) (gpointer data);
  gpointer   data;
} Wait;

static gboolean
wait_done (gpointer data)
{
  Wait *wait = data;

  return wait->done (wait->data);
}

static gboolean
wake_up_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
gh_gui_test_wait (gboolean (*done) (gpointer data),
                  gpointer   data)
{
  Wait wait = { done, data };
  guint wake_up = g_timeout_add (10, wake_up_cb, NULL);
  gboolean result;

  result = gh_test_wait_until (wait_done, &wait, GH_GUI_TEST_TIMEOUT_MS);
  g_source_remove (wake_up);

  return result;
}

static gboolean
page_settled (gpointer data)
{
  return !gh_page_get_busy (GH_PAGE (data));
}

gboolean
gh_gui_test_wait_settled (GhPage *page)
{
  return gh_gui_test_wait (page_settled, page);
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

void
gh_gui_test_run_for (guint ms)
{
  guint wake_up = g_timeout_add (10, wake_up_cb, NULL);

  gh_test_wait_until (never, NULL, ms);
  g_source_remove (wake_up);
}

GhPage *
gh_gui_test_show_page (GhGuiTest  *test,
                       const char *name)
{
  GhPage *page;

  g_assert_true (gh_window_show_page (test->window, name));
  page = gh_window_get_page (test->window, name);
  g_assert_nonnull (page);
  g_assert_true (gh_window_get_visible_page (test->window) == page);
  if (!gh_gui_test_wait_settled (page))
    {
      g_autofree char *labels = gh_gui_test_dump_labels (GTK_WIDGET (page));

      g_error ("the page “%s” is still busy; it shows:\n%s", name, labels);
    }

  return page;
}

GtkWidget *
gh_gui_test_find (GtkWidget  *root,
                  const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = gh_gui_test_find (child, name);

      if (found != NULL)
        return found;
    }

  return NULL;
}

GtkWidget *
gh_gui_test_get (GtkWidget  *root,
                 const char *name)
{
  GtkWidget *widget = gh_gui_test_find (root, name);

  if (widget == NULL)
    g_error ("no widget named “%s” under %s", name, G_OBJECT_TYPE_NAME (root));

  return widget;
}

GtkWidget *
gh_gui_test_find_window (const char *name)
{
  /* (transfer none): GTK's own list */
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (g_strcmp0 (gtk_widget_get_name (window), name) == 0 && gtk_widget_get_visible (window))
        return window;
    }

  return NULL;
}

static gboolean
label_matches (GtkWidget  *root,
               const char *text,
               gboolean    exact)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_mapped (root))
    {
      const char *shown = gtk_label_get_text (GTK_LABEL (root));

      if (exact ? g_strcmp0 (shown, text) == 0 : strstr (shown, text) != NULL)
        return TRUE;
    }
  if (GTK_IS_EDITABLE (root) && gtk_widget_get_mapped (root) && !exact &&
      strstr (gtk_editable_get_text (GTK_EDITABLE (root)), text) != NULL)
    return TRUE;

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (label_matches (child, text, exact))
      return TRUE;

  return FALSE;
}

gboolean
gh_gui_test_label_shown (GtkWidget  *root,
                         const char *text)
{
  return label_matches (root, text, TRUE);
}

gboolean
gh_gui_test_text_shown (GtkWidget  *root,
                        const char *part)
{
  return label_matches (root, part, FALSE);
}

static void
dump_labels (GtkWidget *root,
             GString   *out)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_mapped (root))
    g_string_append_printf (out, "  %s\n", gtk_label_get_text (GTK_LABEL (root)));

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    dump_labels (child, out);
}

char *
gh_gui_test_dump_labels (GtkWidget *root)
{
  GString *out = g_string_new (NULL);

  dump_labels (root, out);

  return g_string_free (out, FALSE);
}

void
gh_gui_test_click (GtkWidget *button)
{
  g_assert_true (GTK_IS_BUTTON (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
}

typedef struct
{
  GtkWidget   *root;
  const char **all;
  const char **shown;
} SearchShows;

static gboolean
search_shows (gpointer data)
{
  SearchShows *wait = data;

  for (guint i = 0; wait->all[i] != NULL; i++)
    {
      GtkWidget *widget = gh_gui_test_find (wait->root, wait->all[i]);
      gboolean mapped = widget != NULL && gtk_widget_get_mapped (widget);

      if (mapped != g_strv_contains (wait->shown, wait->all[i]))
        return FALSE;
    }

  return TRUE;
}

gboolean
gh_gui_test_search (GtkWidget   *root,
                    const char  *entry_name,
                    const char  *text,
                    const char **all,
                    const char **shown)
{
  SearchShows wait = { root, all, shown };

  gtk_editable_set_text (GTK_EDITABLE (gh_gui_test_get (root, entry_name)), text);
  if (gh_gui_test_wait (search_shows, &wait))
    return TRUE;

  for (guint i = 0; all[i] != NULL; i++)
    {
      GtkWidget *widget = gh_gui_test_find (root, all[i]);

      g_test_message ("“%s”: %s %s", text, all[i],
                      widget != NULL && gtk_widget_get_mapped (widget) ? "shown" : "not shown");
    }
  return FALSE;
}

typedef struct
{
  char     *text;
  gboolean  done;
} ClipboardRead;

static void
clipboard_read_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  ClipboardRead *read = user_data;

  read->text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (object), result, NULL);
  read->done = TRUE;
}

static gboolean
clipboard_read_done (gpointer data)
{
  return ((ClipboardRead *)data)->done;
}

char *
gh_gui_test_clipboard (GtkWidget *widget)
{
  ClipboardRead read = { NULL, FALSE };

  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (widget), NULL, clipboard_read_cb,
                                 &read);
  g_assert_true (gh_gui_test_wait (clipboard_read_done, &read));

  return read.text;
}

typedef struct
{
  JsonObject *answer;
  GError     *error;
  gboolean    done;
} AdminCall;

static void
admin_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  AdminCall *call = user_data;

  call->answer = gh_admin_client_request_json_finish (GH_ADMIN_CLIENT (object), result,
                                                      &call->error);
  call->done = TRUE;
}

static gboolean
admin_call_done (gpointer data)
{
  return ((AdminCall *)data)->done;
}

static void
admin_call (GhGuiTest  *test,
            const char *method,
            const char *path,
            const char *body,
            AdminCall  *call)
{
  g_autoptr(JsonNode) node = NULL;

  /* One client (its connections kept) for every call: a wait that asks the server at each
   * turn of its loop would otherwise open a connection each, up to the server's limit for
   * one address ("Too many connections") */
  if (test->admin == NULL)
    test->admin = gh_admin_client_new (test->server->base, test->token);

  if (body != NULL)
    {
      g_autoptr(GError) error = NULL;

      node = json_from_string (body, &error);
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
    }

  gh_admin_client_request_json_async (test->admin, method, path,
                                      node != NULL ? json_node_get_object (node) : NULL,
                                      NULL, admin_done_cb, call);
  g_assert_true (gh_gui_test_wait (admin_call_done, call));
}

JsonObject *
gh_gui_test_admin (GhGuiTest  *test,
                   const char *method,
                   const char *path,
                   const char *body)
{
  AdminCall call = { NULL, NULL, FALSE };

  admin_call (test, method, path, body, &call);
  if (call.error != NULL)
    g_error ("%s %s: %s", method, path, call.error->message);

  return call.answer;
}

GError *
gh_gui_test_admin_error (GhGuiTest  *test,
                         const char *method,
                         const char *path,
                         const char *body)
{
  AdminCall call = { NULL, NULL, FALSE };

  admin_call (test, method, path, body, &call);
  g_assert_null (call.answer);
  g_assert_nonnull (call.error);

  return call.error;
}

char *
gh_gui_test_pkce_challenge (const char *verifier)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;
  char *text;

  g_checksum_update (checksum, (const guchar *) verifier, -1);
  g_checksum_get_digest (checksum, digest, &length);
  text = g_base64_encode (digest, length);
  g_strdelimit (text, "+", '-');
  g_strdelimit (text, "/", '_');
  text[strcspn (text, "=")] = '\0';
  return text;
}
