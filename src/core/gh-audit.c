/* gh-audit.c
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gh-audit.h"
#include "gh-util.h"

struct _GhAudit
{
  GObject parent_instance;

  GhStore *store;
};

G_DEFINE_FINAL_TYPE (GhAudit, gh_audit, G_TYPE_OBJECT)

static void
gh_audit_dispose (GObject *object)
{
  GhAudit *self = (GhAudit *) object;

  g_clear_object (&self->store);

  G_OBJECT_CLASS (gh_audit_parent_class)->dispose (object);
}

static void
gh_audit_class_init (GhAuditClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gh_audit_dispose;
}

static void
gh_audit_init (GhAudit *self)
{
}

GhAudit *
gh_audit_new (GhStore *store)
{
  GhAudit *self;

  g_return_val_if_fail (GH_IS_STORE (store), NULL);

  self = g_object_new (GH_TYPE_AUDIT, NULL);
  self->store = g_object_ref (store);
  return self;
}

const char *
gh_audit_outcome_to_string (GhAuditOutcome outcome)
{
  switch (outcome)
    {
    case GH_AUDIT_SUCCESS:
      return "success";
    case GH_AUDIT_FAILURE:
      return "failure";
    case GH_AUDIT_INFO:
    default:
      return "info";
    }
}

gint64
gh_audit_record (GhAudit             *self,
                 const GhAuditEvent  *event,
                 GError             **error)
{
  g_autoptr(GhStmt) stmt = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *details = NULL;
  gboolean own_transaction;
  gint64 id;

  g_return_val_if_fail (GH_IS_AUDIT (self), 0);
  g_return_val_if_fail (event != NULL && event->type != NULL, 0);

  node = json_node_new (JSON_NODE_OBJECT);
  if (event->details != NULL)
    json_node_set_object (node, event->details);
  else
    json_node_take_object (node, json_object_new ());
  details = gh_json_to_string (node, FALSE);

  own_transaction = !gh_store_in_transaction (self->store);
  if (own_transaction && !gh_store_begin (self->store, error))
    return 0;

  stmt = gh_store_prepare (self->store,
                           "INSERT INTO audit_events (time, project_id, project_slug, type, "
                           "outcome, actor, client_id, user_id, flow_id, details) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           error);
  if (stmt == NULL)
    goto fail;

  gh_stmt_bind_int64 (stmt, 1, g_get_real_time ());
  if (event->project_id > 0)
    gh_stmt_bind_int64 (stmt, 2, event->project_id);
  gh_stmt_bind_text (stmt, 3, event->project_slug);
  gh_stmt_bind_text (stmt, 4, event->type);
  gh_stmt_bind_text (stmt, 5, gh_audit_outcome_to_string (event->outcome));
  gh_stmt_bind_text (stmt, 6, event->actor);
  gh_stmt_bind_text (stmt, 7, event->client_id);
  gh_stmt_bind_text (stmt, 8, event->user_id);
  gh_stmt_bind_text (stmt, 9, event->flow_id);
  gh_stmt_bind_text (stmt, 10, details);

  if (!gh_store_step (self->store, stmt, NULL, error))
    goto fail;
  id = gh_store_last_insert_rowid (self->store);

  if (own_transaction && !gh_store_commit (self->store, error))
    return 0;
  return id;

fail:
  if (own_transaction)
    gh_store_rollback (self->store);
  return 0;
}
