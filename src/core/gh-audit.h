/* gh-audit.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "gh-store.h"

G_BEGIN_DECLS

typedef enum
{
  GH_AUDIT_SUCCESS,
  GH_AUDIT_FAILURE,
  GH_AUDIT_INFO,
} GhAuditOutcome;

/* One domain event. Strings may be NULL; @details may be NULL. */
typedef struct
{
  gint64          project_id;    /* 0 when the event belongs to no project */
  const char     *project_slug;
  const char     *type;          /* "project.created", "oauth_client.cimd_fetch_failed", ... */
  GhAuditOutcome  outcome;
  const char     *actor;         /* "cli", "admin-api", "server", a client id, ... */
  const char     *client_id;
  const char     *user_id;
  const char     *flow_id;
  JsonObject     *details;
} GhAuditEvent;

#define GH_TYPE_AUDIT (gh_audit_get_type ())

G_DECLARE_FINAL_TYPE (GhAudit, gh_audit, GH, AUDIT, GObject)

GhAudit *gh_audit_new    (GhStore             *store);
/* The one place domain events are written. Inside the caller's transaction when one is
 * open (the event commits or rolls back with the action), else in a transaction of its own.
 * Returns the event id, or 0 with @error set. */
gint64   gh_audit_record (GhAudit             *self,
                          const GhAuditEvent  *event,
                          GError             **error);

const char *gh_audit_outcome_to_string (GhAuditOutcome outcome);

G_END_DECLS
