/* gh-audit-model.c — a project's audit events as a sparse list model: the server's count of
 * rows, each page read by position when the view comes to it
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <string.h>

#include "gh-audit-model.h"

#define PAGE_SIZE GH_AUDIT_MODEL_PAGE_SIZE
#define MAX_PAGES GH_AUDIT_MODEL_MAX_PAGES
/* Page reads on their way at once, and pages asked for and waiting (the newest first: the
 * ones the view asked for last are where it is now). */
#define MAX_READING 2
#define MAX_WANTED 4
/* Live events on top beyond this many whole pages join the body (see fold_head()). */
#define HEAD_FOLD PAGE_SIZE
/* After a failed read, the next one waits for the view to ask again this much later. */
#define RETRY_USEC (3 * G_USEC_PER_SEC)
/* Live events held while the first page is on its way. */
#define MAX_EARLY 10000

struct _GhAuditGap
{
  GObject parent_instance;
  gint64  first_missed_id;
};

G_DEFINE_FINAL_TYPE (GhAuditGap, gh_audit_gap, G_TYPE_OBJECT)

static void
gh_audit_gap_class_init (GhAuditGapClass *klass)
{
}

static void
gh_audit_gap_init (GhAuditGap *self)
{
}

gint64
gh_audit_gap_get_first_missed_id (GhAuditGap *self)
{
  g_return_val_if_fail (GH_IS_AUDIT_GAP (self), 0);

  return self->first_missed_id;
}

struct _GhAuditPending
{
  GObject           parent_instance;

  GHashTable       *rows;      /* the model's table it is in (not owned), or NULL */
  guint             position;  /* in the model's body */
  GhAuditEventItem *event;     /* once its page came */
};

G_DEFINE_FINAL_TYPE (GhAuditPending, gh_audit_pending, G_TYPE_OBJECT)

static void
gh_audit_pending_finalize (GObject *object)
{
  GhAuditPending *self = (GhAuditPending *)object;

  if (self->rows != NULL &&
      g_hash_table_lookup (self->rows, GUINT_TO_POINTER (self->position)) == self)
    g_hash_table_remove (self->rows, GUINT_TO_POINTER (self->position));
  g_clear_object (&self->event);

  G_OBJECT_CLASS (gh_audit_pending_parent_class)->finalize (object);
}

static void
gh_audit_pending_class_init (GhAuditPendingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = gh_audit_pending_finalize;
}

static void
gh_audit_pending_init (GhAuditPending *self)
{
}

GhAuditEventItem *
gh_audit_pending_get_event (GhAuditPending *self)
{
  g_return_val_if_fail (GH_IS_AUDIT_PENDING (self), NULL);

  return self->event;
}

GhAuditEventItem *
gh_audit_model_item_get_event (gpointer item)
{
  if (GH_IS_AUDIT_EVENT_ITEM (item))
    return item;
  if (GH_IS_AUDIT_PENDING (item))
    return GH_AUDIT_PENDING (item)->event;
  return NULL;
}

/* One page of the body: events newest first, and when the view last asked for it. */
typedef struct
{
  GPtrArray *events;  /* GhAuditEventItem */
  guint64    used;
} Page;

static void
page_free (Page *page)
{
  g_ptr_array_unref (page->events);
  g_free (page);
}

/* The rows are a dense head (live events and gap rows, newest first) over a sparse body: the
 * @body_count events below @anchor when the reset read the first page, in pages of PAGE_SIZE
 * by position, of which at most MAX_PAGES are held. A page is read by keyset from a neighbour
 * held, otherwise by its position (offset) below the anchor. */
struct _GhAuditModel
{
  GObject        parent_instance;

  GPtrArray     *head;        /* GhAuditEventItem or GhAuditGap */
  guint          head_gaps;
  GPtrArray     *early;       /* live events before the first page, in the order they came */
  GHashTable    *pages;       /* page index -> Page */
  GHashTable    *pending;     /* body position -> GhAuditPending handed out and alive (each
                               * removes itself when finalized), filled or not */
  GHashTable    *reading;     /* page index -> page reads on its way */
  GArray        *wanted;      /* page indexes, the last asked for first */
  guint64        clock;       /* ticks at each page asked for */
  guint          last_wanted;
  guint          shifted;     /* pages the body grew on top by (fold_head()) since reset */
  guint          body_count;
  gint64         anchor;      /* the body is below this id (0: the log was empty) */
  gint64         top_id;      /* the newest event's id */

  GhAdminClient *client;
  char          *project;
  char          *type;
  char          *type_prefix;
  char          *outcome;
  char          *client_id;
  char          *user_id;
  char          *flow_id;
  char          *text;
  gint64         from;
  gint64         to;

  guint          page_count;
  gboolean       started;     /* the first page is in */
  gboolean       failed;      /* the first page could not be read */
  gboolean       counting;
  gboolean       loading;
  gboolean       complete;
  GError        *error;
  gint64         error_time;
  GCancellable  *cancellable;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GhAuditModel, gh_audit_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      list_model_iface_init))

enum {
  PROP_0,
  PROP_LOADING,
  PROP_COMPLETE,
  PROP_PAGE_COUNT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void want_page (GhAuditModel *self,
                       guint         index);

static GType
get_item_type (GListModel *model)
{
  return G_TYPE_OBJECT;
}

static guint
get_n_items (GListModel *model)
{
  GhAuditModel *self = GH_AUDIT_MODEL (model);

  return self->head->len + self->body_count;
}

/* A row on its way at @position of the body, kept in the table until it is finalized. */
static gpointer
pending_new (GhAuditModel *self,
             guint         position)
{
  GhAuditPending *pending = g_object_new (GH_TYPE_AUDIT_PENDING, NULL);

  pending->rows = self->pending;
  pending->position = position;
  g_hash_table_insert (self->pending, GUINT_TO_POINTER (position), pending);
  return pending;
}

/* The rows handed out forget the table (a reset: their positions mean nothing any more). */
static void
forget_pending (GhAuditModel *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    GH_AUDIT_PENDING (value)->rows = NULL;
  g_hash_table_remove_all (self->pending);
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  GhAuditModel *self = GH_AUDIT_MODEL (model);
  GhAuditPending *pending;
  guint index, row;
  Page *page;

  if (position < self->head->len)
    return g_object_ref (g_ptr_array_index (self->head, position));
  position -= self->head->len;
  if (position >= self->body_count)
    return NULL;

  index = position / PAGE_SIZE;
  row = position % PAGE_SIZE;
  page = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (index));
  pending = g_hash_table_lookup (self->pending, GUINT_TO_POINTER (position));
  if (page == NULL)
    {
      /* Its page is read: the row comes with it, filled in place */
      if (pending == NULL || pending->event == NULL)
        want_page (self, index);
      return pending != NULL ? g_object_ref (pending) : pending_new (self, position);
    }
  page->used = ++self->clock;
  self->last_wanted = index;
  /* The row's item as the view has it (see GhAuditPending) */
  if (pending != NULL)
    return g_object_ref (pending);
  if (row >= page->events->len)
    return g_object_new (GH_TYPE_AUDIT_PENDING, NULL);  /* events gone since (retention) */
  return g_object_ref (g_ptr_array_index (page->events, row));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
update_loading (GhAuditModel *self)
{
  gboolean loading = !self->started || self->counting ||
                     g_hash_table_size (self->reading) > 0;

  if (self->client == NULL || self->failed)
    loading = FALSE;
  if (self->loading == loading)
    return;
  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
set_error (GhAuditModel *self,
           GError       *error)
{
  g_clear_error (&self->error);
  self->error = error;
  self->error_time = error != NULL ? g_get_monotonic_time () : 0;
}

/* The query of the filters, with no cursor. */
static GhAdminAuditQuery
filters_query (GhAuditModel *self)
{
  return (GhAdminAuditQuery) {
    .type = self->type,
    .type_prefix = self->type_prefix,
    .outcome = self->outcome,
    .client_id = self->client_id,
    .user_id = self->user_id,
    .flow_id = self->flow_id,
    .text = self->text,
    .from = self->from,
    .to = self->to,
    .limit = PAGE_SIZE,
  };
}

/* ---- keeping few pages ---------------------------------------------------------------- */

static guint
distance (guint a,
          guint b)
{
  return a > b ? a - b : b - a;
}

/* At most MAX_PAGES: those farthest from where the view asked last go (their rows are out of
 * view: the view asks again, and reads them again, if it comes back). */
static void
drop_far_pages (GhAuditModel *self)
{
  while (g_hash_table_size (self->pages) > MAX_PAGES)
    {
      GHashTableIter iter;
      gpointer key, value;
      guint farthest = 0, far = 0;
      gboolean found = FALSE;

      g_hash_table_iter_init (&iter, self->pages);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          guint index = GPOINTER_TO_UINT (key);
          guint d = distance (index, self->last_wanted);

          if (!found || d > far)
            {
              farthest = index;
              far = d;
              found = TRUE;
            }
        }
      g_hash_table_remove (self->pages, GUINT_TO_POINTER (farthest));
    }
}

/* ---- reading pages -------------------------------------------------------------------- */

/* One page read on its way: where it goes once the body may have grown on top. */
typedef struct
{
  GhAuditModel *self;
  guint         index;
  guint         shifted;
} Read;

static void dispatch (GhAuditModel *self);

static void
page_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Read *read = user_data;
  g_autoptr(GhAuditModel) self = read->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GhAdminAuditPage) answer = NULL;
  guint index = read->index;
  guint reading;
  Page *page;

  answer = gh_admin_client_get_audit_finish (GH_ADMIN_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || read->shifted > self->shifted)
    {
      g_free (read);
      return;
    }
  /* The body grew on top meanwhile: the page is that much lower */
  index += self->shifted - read->shifted;
  g_free (read);
  reading = GPOINTER_TO_UINT (g_hash_table_lookup (self->reading, GUINT_TO_POINTER (index)));
  if (reading <= 1)
    g_hash_table_remove (self->reading, GUINT_TO_POINTER (index));
  else
    g_hash_table_insert (self->reading, GUINT_TO_POINTER (index), GUINT_TO_POINTER (reading - 1));

  if (answer == NULL)
    {
      set_error (self, g_steal_pointer (&error));
      update_loading (self);
      return;
    }
  set_error (self, NULL);
  if (!g_hash_table_contains (self->pages, GUINT_TO_POINTER (index)) &&
      (gsize) index * PAGE_SIZE < self->body_count)
    {
      guint n = MIN (PAGE_SIZE, self->body_count - index * PAGE_SIZE);

      page = g_new0 (Page, 1);
      page->events = g_ptr_array_ref (answer->events);
      page->used = ++self->clock;
      g_hash_table_insert (self->pages, GUINT_TO_POINTER (index), page);
      self->page_count++;
      drop_far_pages (self);
      /* The rows on their way are filled in place: the items changed below are the same
       * objects for them as the view holds. */
      for (guint row = 0; row < n && row < page->events->len; row++)
        {
          GhAuditPending *pending =
            g_hash_table_lookup (self->pending, GUINT_TO_POINTER (index * PAGE_SIZE + row));

          if (pending != NULL && pending->event == NULL)
            pending->event = g_object_ref (g_ptr_array_index (page->events, row));
        }
      g_list_model_items_changed (G_LIST_MODEL (self), self->head->len + index * PAGE_SIZE, n, n);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAGE_COUNT]);
    }
  dispatch (self);
  update_loading (self);
}

/* Reads page @index: the page below a neighbour held (before its last id), the page above one
 * (after its first id: the nearest newer ones, which are the page as it is full), or by its
 * position below the anchor. */
static void
read_page (GhAuditModel *self,
           guint         index)
{
  GhAdminAuditQuery query = filters_query (self);
  Page *above = index > 0 ? g_hash_table_lookup (self->pages, GUINT_TO_POINTER (index - 1))
                          : NULL;
  Page *below = g_hash_table_lookup (self->pages, GUINT_TO_POINTER (index + 1));
  Read *read = g_new0 (Read, 1);
  guint reading;

  if (above != NULL && above->events->len == PAGE_SIZE)
    query.before = gh_audit_event_item_get_id (g_ptr_array_index (above->events,
                                                                  PAGE_SIZE - 1));
  else if (below != NULL && below->events->len > 0)
    query.after = gh_audit_event_item_get_id (g_ptr_array_index (below->events, 0));
  else
    {
      query.before = self->anchor;
      query.offset = index * PAGE_SIZE;
    }
  read->self = g_object_ref (self);
  read->index = index;
  read->shifted = self->shifted;
  reading = GPOINTER_TO_UINT (g_hash_table_lookup (self->reading, GUINT_TO_POINTER (index)));
  g_hash_table_insert (self->reading, GUINT_TO_POINTER (index), GUINT_TO_POINTER (reading + 1));
  gh_admin_client_get_audit_async (self->client, self->project, &query, self->cancellable,
                                   page_read_cb, read);
}

/* Starts reads of the pages asked for last, a few at a time. */
static void
dispatch (GhAuditModel *self)
{
  while (self->wanted->len > 0 && g_hash_table_size (self->reading) < MAX_READING)
    {
      guint index = g_array_index (self->wanted, guint, 0);

      g_array_remove_index (self->wanted, 0);
      if (g_hash_table_contains (self->pages, GUINT_TO_POINTER (index)) ||
          g_hash_table_contains (self->reading, GUINT_TO_POINTER (index)))
        continue;
      read_page (self, index);
    }
  update_loading (self);
}

static void
want_page (GhAuditModel *self,
           guint         index)
{
  self->last_wanted = index;
  if (self->client == NULL || !self->complete ||
      g_hash_table_contains (self->reading, GUINT_TO_POINTER (index)))
    return;
  /* A read failed a moment ago: not again for every row the view binds */
  if (self->error != NULL && g_get_monotonic_time () - self->error_time < RETRY_USEC)
    return;
  for (guint i = 0; i < self->wanted->len; i++)
    if (g_array_index (self->wanted, guint, i) == index)
      {
        g_array_remove_index (self->wanted, i);
        break;
      }
  g_array_prepend_val (self->wanted, index);
  if (self->wanted->len > MAX_WANTED)
    g_array_set_size (self->wanted, MAX_WANTED);
  dispatch (self);
}

/* ---- the first page and the count ----------------------------------------------------- */

static void
set_complete (GhAuditModel *self,
              guint         count)
{
  guint held = self->body_count;

  self->complete = TRUE;
  self->body_count = MAX (count, held);
  if (self->body_count > held)
    g_list_model_items_changed (G_LIST_MODEL (self), self->head->len + held, 0,
                                self->body_count - held);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPLETE]);
}

static void
counted_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GhAuditModel) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 count;

  count = gh_admin_client_count_audit_finish (GH_ADMIN_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->counting = FALSE;
  if (count < 0)
    set_error (self, g_steal_pointer (&error));
  else
    set_complete (self, (guint) MIN (count, G_MAXUINT - MAX_EARLY));
  dispatch (self);
  update_loading (self);
}

static void prepend_events (GhAuditModel *self,
                            GPtrArray    *events);

static void
first_page_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GhAuditModel) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GhAdminAuditPage) answer = NULL;
  g_autoptr(GPtrArray) early = NULL;
  GhAdminAuditQuery query;
  Page *page;

  answer = gh_admin_client_get_audit_finish (GH_ADMIN_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (answer == NULL)
    {
      set_error (self, g_steal_pointer (&error));
      self->failed = TRUE;
      update_loading (self);
      return;
    }

  self->started = TRUE;
  self->page_count = 1;
  if (answer->events->len > 0)
    {
      self->top_id = gh_audit_event_item_get_id (g_ptr_array_index (answer->events, 0));
      self->anchor = self->top_id + 1;
      page = g_new0 (Page, 1);
      page->events = g_ptr_array_ref (answer->events);
      page->used = ++self->clock;
      g_hash_table_insert (self->pages, GUINT_TO_POINTER (0), page);
      self->body_count = answer->events->len;
      g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, self->body_count);
    }
  if (answer->older == 0)
    set_complete (self, self->body_count);
  else
    {
      /* How many the filters keep below the anchor: the rows of the body */
      query = filters_query (self);
      query.before = self->anchor;
      self->counting = TRUE;
      gh_admin_client_count_audit_async (self->client, self->project, &query, self->cancellable,
                                         counted_cb, g_object_ref (self));
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAGE_COUNT]);
  /* What the stream brought meanwhile, above what the page has */
  early = g_steal_pointer (&self->early);
  self->early = g_ptr_array_new_with_free_func (g_object_unref);
  if (early->len > 0)
    prepend_events (self, early);
  update_loading (self);
}

void
gh_audit_model_reset (GhAuditModel            *self,
                      GhAdminClient           *client,
                      const char              *project,
                      const GhAdminAuditQuery *query)
{
  GhAdminAuditQuery first;
  guint removed;

  g_return_if_fail (GH_IS_AUDIT_MODEL (self));
  g_return_if_fail (query != NULL);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  g_set_object (&self->client, client);
  g_free (self->project);
  self->project = g_strdup (project);
  g_free (self->type);
  self->type = g_strdup (query->type);
  g_free (self->type_prefix);
  self->type_prefix = g_strdup (query->type_prefix);
  g_free (self->outcome);
  self->outcome = g_strdup (query->outcome);
  g_free (self->client_id);
  self->client_id = g_strdup (query->client_id);
  g_free (self->user_id);
  self->user_id = g_strdup (query->user_id);
  g_free (self->flow_id);
  self->flow_id = g_strdup (query->flow_id);
  g_free (self->text);
  self->text = g_strdup (query->text);
  self->from = query->from;
  self->to = query->to;

  removed = get_n_items (G_LIST_MODEL (self));
  g_ptr_array_set_size (self->head, 0);
  g_ptr_array_set_size (self->early, 0);
  g_hash_table_remove_all (self->pages);
  g_hash_table_remove_all (self->reading);
  forget_pending (self);
  g_array_set_size (self->wanted, 0);
  self->head_gaps = 0;
  self->body_count = 0;
  self->anchor = 0;
  self->top_id = 0;
  self->shifted = 0;
  self->last_wanted = 0;
  self->page_count = 0;
  self->started = FALSE;
  self->failed = FALSE;
  self->counting = FALSE;
  self->complete = FALSE;
  set_error (self, NULL);
  if (removed > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAGE_COUNT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPLETE]);

  if (client == NULL || project == NULL)
    {
      g_clear_object (&self->client);
      update_loading (self);
      return;
    }
  first = filters_query (self);
  gh_admin_client_get_audit_async (self->client, self->project, &first, self->cancellable,
                                   first_page_cb, g_object_ref (self));
  update_loading (self);
}

/* ---- the live head -------------------------------------------------------------------- */

/* The oldest events of the head, below every gap row, join the body as whole pages on top of
 * it (the anchor moves up to them): the head stays short, and the pages they make are held
 * like any other, the farthest dropped. No row changes. */
static void
fold_head (GhAuditModel *self)
{
  g_autoptr(GHashTable) pages = NULL;
  GHashTableIter iter;
  gpointer key, value;
  guint run = 0, fold, start;

  while (run < self->head->len &&
         GH_IS_AUDIT_EVENT_ITEM (g_ptr_array_index (self->head, self->head->len - 1 - run)))
    run++;
  if (run < HEAD_FOLD || !self->complete)
    return;
  fold = run / PAGE_SIZE;
  start = self->head->len - fold * PAGE_SIZE;

  /* The pages held go @fold lower, the new ones on top */
  pages = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, (GDestroyNotify) page_free);
  g_hash_table_iter_init (&iter, self->pages);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_hash_table_iter_steal (&iter);
      g_hash_table_insert (pages, GUINT_TO_POINTER (GPOINTER_TO_UINT (key) + fold), value);
    }
  g_hash_table_remove_all (self->pages);
  g_hash_table_iter_init (&iter, pages);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_hash_table_iter_steal (&iter);
      g_hash_table_insert (self->pages, key, value);
    }
  for (guint p = 0; p < fold; p++)
    {
      Page *page = g_new0 (Page, 1);

      page->events = g_ptr_array_new_full (PAGE_SIZE, g_object_unref);
      for (guint i = 0; i < PAGE_SIZE; i++)
        g_ptr_array_add (page->events,
                         g_object_ref (g_ptr_array_index (self->head,
                                                          start + p * PAGE_SIZE + i)));
      page->used = ++self->clock;
      g_hash_table_insert (self->pages, GUINT_TO_POINTER (p), page);
    }
  {
    g_autoptr(GHashTable) reading = g_hash_table_new (g_direct_hash, g_direct_equal);

    g_hash_table_iter_init (&iter, self->reading);
    while (g_hash_table_iter_next (&iter, &key, &value))
      g_hash_table_insert (reading, GUINT_TO_POINTER (GPOINTER_TO_UINT (key) + fold), value);
    g_hash_table_remove_all (self->reading);
    g_hash_table_iter_init (&iter, reading);
    while (g_hash_table_iter_next (&iter, &key, &value))
      g_hash_table_insert (self->reading, key, value);
  }
  for (guint i = 0; i < self->wanted->len; i++)
    g_array_index (self->wanted, guint, i) += fold;
  {
    g_autoptr(GHashTable) pending = g_hash_table_new (g_direct_hash, g_direct_equal);

    g_hash_table_iter_init (&iter, self->pending);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      {
        GhAuditPending *row = value;

        row->position += fold * PAGE_SIZE;
        g_hash_table_insert (pending, GUINT_TO_POINTER (row->position), row);
      }
    g_hash_table_remove_all (self->pending);
    g_hash_table_iter_init (&iter, pending);
    while (g_hash_table_iter_next (&iter, &key, &value))
      g_hash_table_insert (self->pending, key, value);
  }

  self->anchor = gh_audit_event_item_get_id (g_ptr_array_index (self->head, start)) + 1;
  self->body_count += fold * PAGE_SIZE;
  self->shifted += fold;
  self->last_wanted = self->last_wanted + fold;
  g_ptr_array_set_size (self->head, start);
  drop_far_pages (self);
}

static void
prepend_events (GhAuditModel *self,
                GPtrArray    *events)
{
  g_autoptr(GPtrArray) fresh = g_ptr_array_sized_new (events->len);
  guint old_len;

  for (guint i = 0; i < events->len; i++)
    {
      GhAuditEventItem *event = g_ptr_array_index (events, i);

      if (gh_audit_event_item_get_id (event) <= self->top_id)
        continue;
      self->top_id = gh_audit_event_item_get_id (event);
      g_ptr_array_add (fresh, g_object_ref (event));
    }
  if (fresh->len == 0)
    return;

  /* Newest first, moving the rows on top once (not once an event) */
  old_len = self->head->len;
  g_ptr_array_set_size (self->head, old_len + fresh->len);
  memmove (self->head->pdata + fresh->len, self->head->pdata, old_len * sizeof (gpointer));
  for (guint i = 0; i < fresh->len; i++)
    self->head->pdata[fresh->len - 1 - i] = fresh->pdata[i];
  g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, fresh->len);
  fold_head (self);
}

void
gh_audit_model_prepend_all (GhAuditModel *self,
                            GPtrArray    *events)
{
  g_return_if_fail (GH_IS_AUDIT_MODEL (self));
  g_return_if_fail (events != NULL);

  if (self->client == NULL)
    return;
  /* Before the first page: above it, if the page does not have them */
  if (!self->started)
    {
      for (guint i = 0; i < events->len && self->early->len < MAX_EARLY; i++)
        g_ptr_array_add (self->early, g_object_ref (g_ptr_array_index (events, i)));
      return;
    }
  prepend_events (self, events);
}

void
gh_audit_model_prepend_gap (GhAuditModel *self,
                            gint64        first_missed_id)
{
  GhAuditGap *gap;

  g_return_if_fail (GH_IS_AUDIT_MODEL (self));

  gap = g_object_new (GH_TYPE_AUDIT_GAP, NULL);
  gap->first_missed_id = first_missed_id;
  self->head_gaps++;
  g_ptr_array_insert (self->head, 0, gap);
  g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, 1);
}

gboolean
gh_audit_model_get_loading (GhAuditModel *self)
{
  g_return_val_if_fail (GH_IS_AUDIT_MODEL (self), FALSE);

  return self->loading;
}

gboolean
gh_audit_model_get_complete (GhAuditModel *self)
{
  g_return_val_if_fail (GH_IS_AUDIT_MODEL (self), FALSE);

  return self->complete;
}

guint
gh_audit_model_get_n_events (GhAuditModel *self)
{
  g_return_val_if_fail (GH_IS_AUDIT_MODEL (self), 0);

  return self->head->len - self->head_gaps + self->body_count;
}

guint
gh_audit_model_get_page_count (GhAuditModel *self)
{
  g_return_val_if_fail (GH_IS_AUDIT_MODEL (self), 0);

  return self->page_count;
}

guint
gh_audit_model_get_n_pages_held (GhAuditModel *self)
{
  g_return_val_if_fail (GH_IS_AUDIT_MODEL (self), 0);

  return g_hash_table_size (self->pages);
}

const GError *
gh_audit_model_get_error (GhAuditModel *self)
{
  g_return_val_if_fail (GH_IS_AUDIT_MODEL (self), NULL);

  return self->error;
}

GhAuditModel *
gh_audit_model_new (void)
{
  return g_object_new (GH_TYPE_AUDIT_MODEL, NULL);
}

static void
gh_audit_model_dispose (GObject *object)
{
  GhAuditModel *self = (GhAuditModel *)object;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (gh_audit_model_parent_class)->dispose (object);
}

static void
gh_audit_model_finalize (GObject *object)
{
  GhAuditModel *self = (GhAuditModel *)object;

  g_clear_pointer (&self->head, g_ptr_array_unref);
  g_clear_pointer (&self->early, g_ptr_array_unref);
  g_clear_pointer (&self->pages, g_hash_table_unref);
  forget_pending (self);
  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_clear_pointer (&self->reading, g_hash_table_unref);
  g_clear_pointer (&self->wanted, g_array_unref);
  g_clear_pointer (&self->project, g_free);
  g_clear_pointer (&self->type, g_free);
  g_clear_pointer (&self->type_prefix, g_free);
  g_clear_pointer (&self->outcome, g_free);
  g_clear_pointer (&self->client_id, g_free);
  g_clear_pointer (&self->user_id, g_free);
  g_clear_pointer (&self->flow_id, g_free);
  g_clear_pointer (&self->text, g_free);
  g_clear_error (&self->error);

  G_OBJECT_CLASS (gh_audit_model_parent_class)->finalize (object);
}

static void
gh_audit_model_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  GhAuditModel *self = GH_AUDIT_MODEL (object);

  switch (prop_id)
    {
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    case PROP_COMPLETE:
      g_value_set_boolean (value, self->complete);
      break;
    case PROP_PAGE_COUNT:
      g_value_set_uint (value, self->page_count);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gh_audit_model_class_init (GhAuditModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gh_audit_model_dispose;
  object_class->finalize = gh_audit_model_finalize;
  object_class->get_property = gh_audit_model_get_property;

  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_COMPLETE] =
    g_param_spec_boolean ("complete", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PAGE_COUNT] =
    g_param_spec_uint ("page-count", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
gh_audit_model_init (GhAuditModel *self)
{
  self->head = g_ptr_array_new_with_free_func (g_object_unref);
  self->early = g_ptr_array_new_with_free_func (g_object_unref);
  self->pages = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                       (GDestroyNotify) page_free);
  self->pending = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->reading = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->wanted = g_array_new (FALSE, FALSE, sizeof (guint));
}
