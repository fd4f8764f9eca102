/* gh-page.h — a page of the window, bound to a connection and a project
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "gh-connection.h"

G_BEGIN_DECLS

#define GH_TYPE_PAGE (gh_page_get_type ())

G_DECLARE_DERIVABLE_TYPE (GhPage, gh_page, GH, PAGE, AdwBin)

struct _GhPageClass
{
  AdwBinClass parent_class;

  /* The page is bound to another connection (or none): re-read what it shows. */
  void     (*connection_changed) (GhPage       *self,
                                  GhConnection *previous);
  /* The connection is ready (again), or the project changed while it is: (re)load what the
   * page shows through gh_page_load(). Loads of the previous round are cancelled first. */
  void     (*reload)             (GhPage       *self);
  /* Ctrl+F: show and focus the page's search; FALSE when the page has none. */
  gboolean (*start_search)       (GhPage       *self);
  /* Opened from another page with a target the page defines ("client:client_1f…"). */
  void     (*open_target)        (GhPage       *self,
                                  const char   *target);
  /* A live event of the page's project (or of none) from the connection's event stream,
   * which the window runs. Followed from the page's first reload on. */
  void     (*event)              (GhPage           *self,
                                  GhAuditEventItem *event);

  /*< private >*/
  const char *page_name;
  const char *page_title;
  const char *page_icon_name;
};

/* In class_init: the page's name (--page, win.show-page), and the title (marked with N_(),
 * translated when read) and icon the window's sidebar lists it under before the page is
 * built. Instances take them as their widget name, title and icon-name. */
void           gh_page_class_set_info      (GhPageClass  *klass,
                                            const char   *name,
                                            const char   *title,
                                            const char   *icon_name);
const char    *gh_page_class_get_name      (GhPageClass  *klass);
const char    *gh_page_class_get_title     (GhPageClass  *klass);
const char    *gh_page_class_get_icon_name (GhPageClass  *klass);

GhConnection  *gh_page_get_connection    (GhPage       *self);
void           gh_page_set_connection    (GhPage       *self,
                                          GhConnection *connection);
/* The slug of the project the page shows ("default" until the window picks one). */
const char    *gh_page_get_project       (GhPage       *self);
void           gh_page_set_project       (GhPage       *self,
                                          const char   *project);
const char    *gh_page_get_title         (GhPage       *self);
void           gh_page_set_title         (GhPage       *self,
                                          const char   *title);
const char    *gh_page_get_icon_name     (GhPage       *self);
void           gh_page_set_icon_name     (GhPage       *self,
                                          const char   *icon_name);
/* TRUE while the page still waits for what it shows (screenshots and tests wait on it). */
gboolean       gh_page_get_busy          (GhPage       *self);
void           gh_page_set_busy          (GhPage       *self,
                                          gboolean      busy);
/* The count the sidebar shows beside the page's title (0: none); @alert draws it red. */
guint          gh_page_get_badge         (GhPage       *self);
gboolean       gh_page_get_badge_alert   (GhPage       *self);
void           gh_page_set_badge         (GhPage       *self,
                                          guint         count,
                                          gboolean      alert);

/* Widgets the window's content header bar shows while the page is visible (add them in
 * init; connect their signals to the page, not actions: they are not inside the page). */
void           gh_page_add_header_widget (GhPage       *self,
                                          GtkWidget    *widget,
                                          GtkPackType   pack_type);
GtkWidget     *gh_page_get_header_box    (GhPage       *self,
                                          GtkPackType   pack_type);
/* The page's search (call it in init with template children): a toggle button named
 * @button_name in the header (@tooltip its tooltip and accessible label) and Ctrl+F (unless
 * the class has its own start_search) open @bar with @entry focused; Escape or the button
 * closes it and empties @entry. The page filters on @entry's ::search-changed. */
void           gh_page_add_search        (GhPage         *self,
                                          GtkSearchBar   *bar,
                                          GtkSearchEntry *entry,
                                          const char     *button_name,
                                          const char     *tooltip);
/* Opens the page's search with @text in it, filtered at once ("filter:TEXT" targets). */
void           gh_page_search            (GhPage         *self,
                                          const char     *text);
/* The search entry's text, case-folded; NULL when it is empty (or the page has no search). */
char          *gh_page_dup_search        (GhPage         *self);
/* After filtering: @stack shows its "list" page, or, when @n_shown is 0, its "no-results"
 * page @no_results with @format (one %s: the entry's text) as its description. */
void           gh_page_show_search_result (GhPage        *self,
                                           GtkStack      *stack,
                                           guint          n_shown,
                                           AdwStatusPage *no_results,
                                           const char    *format);

/* The admin API of the page's connection; NULL unless the connection is ready. */
GhAdminClient *gh_page_get_admin_client  (GhPage       *self);
/* "/projects/<slug>" + @suffix (may be NULL), the slug escaped, for gh_page_load() / _call(). */
char          *gh_page_project_path      (GhPage       *self,
                                          const char   *suffix);

/* An admin API answer (@answer NULL and @error set when refused or failed). Never called
 * after the call was cancelled (a later reload, the page disposed). */
typedef void (*GhPageAnswerFunc) (GhPage       *self,
                                  JsonObject   *answer,
                                  const GError *error,
                                  gpointer      user_data);

/* @method on /admin/v1@path with @body (may be NULL). A load belongs to the current reload
 * round: the next reload, another project or connection cancels it. */
void           gh_page_load              (GhPage          *self,
                                          const char      *method,
                                          const char      *path,
                                          JsonObject      *body,
                                          GhPageAnswerFunc callback,
                                          gpointer         user_data);
/* The same for what the user asked for (create, delete, fix): only disposing the page cancels
 * it, so its answer is always shown. */
void           gh_page_call              (GhPage          *self,
                                          const char      *method,
                                          const char      *path,
                                          JsonObject      *body,
                                          GhPageAnswerFunc callback,
                                          gpointer         user_data);
/* Runs the reload vfunc now (a Reload button), cancelling the loads in flight. */
void           gh_page_reload            (GhPage       *self);

/* A toast in the window; an error toast names what failed and the server's reason. */
void           gh_page_show_toast        (GhPage       *self,
                                          const char   *title);
/* A toast with a button or a timeout of its own. */
void           gh_page_add_toast         (GhPage       *self,
                                          AdwToast     *toast);
void           gh_page_show_error        (GhPage       *self,
                                          const char   *what,
                                          const GError *error);
/* Shows another page of the window (by name), with a target for its open_target. */
void           gh_page_open              (GhPage       *self,
                                          const char   *page_name,
                                          const char   *target);

G_END_DECLS
