/* gh-audit-model.c — a project's audit events as a list model, read page by page
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-gui"

#include "config.h"

#include <string.h>

#include "gh-audit-model.h"

/* Events per page: a few screens of rows, one request (the most the admin API gives). */
#define PAGE_SIZE 200

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

/* The items in order, the filters of the last reset, and the keyset cursor of the next older
 * page (GET .../audit?before=). Only what was read is held: a page at a time, as the view
 * asks for it. */
struct _GhAuditModel
{
  GObject        parent_instance;

  GPtrArray     *items;       /* GhAuditEventItem or GhAuditGap */
  GPtrArray     *staged;      /* read ahead, joining the items at the end of the run */
  GhAdminClient *client;
  char          *project;
  char          *type_prefix;
  char          *outcome;
  char          *client_id;
  char          *user_id;
  char          *flow_id;
  char          *text;
  gint64         from;
  gint64         to;
  guint          n_gaps;
  gint64         older;       /* the cursor of the next page; 0: none */
  gint64         top_id;      /* the newest event's id */
  guint          page_count;
  guint          ahead;       /* pages still to read after this one, without waiting */
  gboolean       loading;
  gboolean       complete;
  GError        *error;
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

static GType
get_item_type (GListModel *model)
{
  return G_TYPE_OBJECT;
}

static guint
get_n_items (GListModel *model)
{
  return GH_AUDIT_MODEL (model)->items->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  GhAuditModel *self = GH_AUDIT_MODEL (model);

  if (position >= self->items->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
set_loading (GhAuditModel *self,
             gboolean      loading)
{
  if (self->loading == loading)
    return;
  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void read_page (GhAuditModel *self);

/* The events read ahead join the list in one change: one layout of the view for a run of
 * pages, not one for each. */
static void
flush_staged (GhAuditModel *self)
{
  guint position = self->items->len;

  for (guint i = 0; i < self->staged->len; i++)
    g_ptr_array_add (self->items, g_object_ref (g_ptr_array_index (self->staged, i)));
  g_ptr_array_set_size (self->staged, 0);
  if (self->older == 0 && self->page_count > 0 && !self->complete)
    {
      self->complete = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPLETE]);
    }
  if (self->items->len > position)
    g_list_model_items_changed (G_LIST_MODEL (self), position, 0, self->items->len - position);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAGE_COUNT]);
}

static void
page_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GhAuditModel) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GhAdminAuditPage) page = NULL;

  page = gh_admin_client_get_audit_finish (GH_ADMIN_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_clear_error (&self->error);
  if (page == NULL)
    {
      self->error = g_steal_pointer (&error);
      self->ahead = 0;
      flush_staged (self);
      set_loading (self, FALSE);
      return;
    }

  for (guint i = 0; i < page->events->len; i++)
    {
      GhAuditEventItem *event = g_ptr_array_index (page->events, i);

      if (self->top_id == 0)
        self->top_id = gh_audit_event_item_get_id (event);
      g_ptr_array_add (self->staged, g_object_ref (event));
    }
  self->older = page->older;
  self->page_count++;
  if (self->ahead > 0 && self->older != 0)
    {
      /* Read ahead: the next page at once. */
      self->ahead--;
      read_page (self);
      return;
    }
  self->ahead = 0;
  flush_staged (self);
  set_loading (self, FALSE);
}

static void
read_page (GhAuditModel *self)
{
  GhAdminAuditQuery query = {
    .type_prefix = self->type_prefix,
    .outcome = self->outcome,
    .client_id = self->client_id,
    .user_id = self->user_id,
    .flow_id = self->flow_id,
    .text = self->text,
    .from = self->from,
    .to = self->to,
    .before = self->older,
    .limit = PAGE_SIZE,
  };

  set_loading (self, TRUE);
  gh_admin_client_get_audit_async (self->client, self->project, &query, self->cancellable,
                                   page_read_cb, g_object_ref (self));
}

void
gh_audit_model_reset (GhAuditModel            *self,
                      GhAdminClient           *client,
                      const char              *project,
                      const GhAdminAuditQuery *query)
{
  guint removed;

  g_return_if_fail (GH_IS_AUDIT_MODEL (self));
  g_return_if_fail (query != NULL);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  g_set_object (&self->client, client);
  g_free (self->project);
  self->project = g_strdup (project);
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

  self->older = 0;
  self->top_id = 0;
  self->page_count = 0;
  self->ahead = 0;
  self->n_gaps = 0;
  g_clear_error (&self->error);
  self->complete = FALSE;
  removed = self->items->len;
  g_ptr_array_set_size (self->items, 0);
  g_ptr_array_set_size (self->staged, 0);
  if (removed > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAGE_COUNT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPLETE]);

  if (client == NULL || project == NULL)
    {
      set_loading (self, FALSE);
      return;
    }
  read_page (self);
}

void
gh_audit_model_load_more (GhAuditModel *self)
{
  gh_audit_model_read_ahead (self, 1);
}

void
gh_audit_model_read_ahead (GhAuditModel *self,
                           guint         pages)
{
  g_return_if_fail (GH_IS_AUDIT_MODEL (self));

  if (self->complete || self->client == NULL || self->page_count == 0 || self->error != NULL ||
      pages == 0)
    return;
  if (self->loading)
    {
      /* One on its way: the rest after it. */
      self->ahead = MAX (self->ahead, pages - 1);
      return;
    }
  self->ahead = pages - 1;
  read_page (self);
}

void
gh_audit_model_prepend_all (GhAuditModel *self,
                            GPtrArray    *events)
{
  g_autoptr(GPtrArray) fresh = NULL;
  guint old_len;

  g_return_if_fail (GH_IS_AUDIT_MODEL (self));
  g_return_if_fail (events != NULL);

  /* Before the first page the page itself brings them; a replayed one is in already. */
  if (self->page_count == 0)
    return;
  fresh = g_ptr_array_sized_new (events->len);
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

  /* Newest first, moving the rows already read once (not once an event) */
  old_len = self->items->len;
  g_ptr_array_set_size (self->items, old_len + fresh->len);
  memmove (self->items->pdata + fresh->len, self->items->pdata, old_len * sizeof (gpointer));
  for (guint i = 0; i < fresh->len; i++)
    self->items->pdata[fresh->len - 1 - i] = fresh->pdata[i];
  g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, fresh->len);
}

void
gh_audit_model_prepend_gap (GhAuditModel *self,
                            gint64        first_missed_id)
{
  GhAuditGap *gap;

  g_return_if_fail (GH_IS_AUDIT_MODEL (self));

  gap = g_object_new (GH_TYPE_AUDIT_GAP, NULL);
  gap->first_missed_id = first_missed_id;
  self->n_gaps++;
  g_ptr_array_insert (self->items, 0, gap);
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

  return self->items->len - self->n_gaps;
}

guint
gh_audit_model_get_page_count (GhAuditModel *self)
{
  g_return_val_if_fail (GH_IS_AUDIT_MODEL (self), 0);

  return self->page_count;
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

  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->staged, g_ptr_array_unref);
  g_clear_pointer (&self->project, g_free);
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
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->staged = g_ptr_array_new_with_free_func (g_object_unref);
}
