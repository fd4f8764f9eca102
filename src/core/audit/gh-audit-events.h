/* gh-audit-events.h — the registry of audit event types: name, category, description
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What an event is about; the coming filters select by it. */
typedef enum
{
  GH_AUDIT_CATEGORY_PROJECT,
  GH_AUDIT_CATEGORY_CLIENT,
  GH_AUDIT_CATEGORY_CIMD,
  GH_AUDIT_CATEGORY_USER,
  GH_AUDIT_CATEGORY_RESOURCE,
  GH_AUDIT_CATEGORY_IAT,
  GH_AUDIT_CATEGORY_AUTHORIZATION,
  GH_AUDIT_CATEGORY_TOKEN,
  GH_AUDIT_CATEGORY_KEY,
  GH_AUDIT_CATEGORY_AUDIT,
  GH_AUDIT_CATEGORY_ADMIN,
  GH_AUDIT_N_CATEGORIES  /* not a category: how many there are */
} GhAuditCategory;

/* The type names code records. Every one is in the registry (gh-audit-events.c), and the
 * README's table of event types is checked against it (tests/core/test-audit.c). */
#define GH_AUDIT_EVENT_PROJECT_CREATED                "project.created"
#define GH_AUDIT_EVENT_PROJECT_SETTINGS_CHANGED       "project.settings_changed"
#define GH_AUDIT_EVENT_PROJECT_DELETED                "project.deleted"
#define GH_AUDIT_EVENT_CLIENT_REGISTERED              "oauth_client.registered"
#define GH_AUDIT_EVENT_CLIENT_UPDATED                 "oauth_client.updated"
#define GH_AUDIT_EVENT_CLIENT_DELETED                 "oauth_client.deleted"
#define GH_AUDIT_EVENT_CLIENT_REGISTRATION_REFUSED    "oauth_client.registration_refused"
#define GH_AUDIT_EVENT_CLIENT_MANAGEMENT_REFUSED      "oauth_client.management_refused"
#define GH_AUDIT_EVENT_CIMD_FETCHED                   "oauth_client.cimd_fetched"
#define GH_AUDIT_EVENT_CIMD_CHANGED                   "oauth_client.cimd_changed"
#define GH_AUDIT_EVENT_CIMD_FETCH_FAILED              "oauth_client.cimd_fetch_failed"
#define GH_AUDIT_EVENT_USER_CREATED                   "user.created"
#define GH_AUDIT_EVENT_USER_UPDATED                   "user.updated"
#define GH_AUDIT_EVENT_USER_REMOVED                   "user.removed"
#define GH_AUDIT_EVENT_RESOURCE_ADDED                 "resource.added"
#define GH_AUDIT_EVENT_RESOURCE_SCOPES_WIDENED        "resource.scopes_widened"
#define GH_AUDIT_EVENT_RESOURCE_REMOVED               "resource.removed"
#define GH_AUDIT_EVENT_IAT_ISSUED                     "iat.issued"
#define GH_AUDIT_EVENT_IAT_REVOKED                    "iat.revoked"
#define GH_AUDIT_EVENT_IAT_USED                       "iat.used"
#define GH_AUDIT_EVENT_IAT_REJECTED                   "iat.rejected"
#define GH_AUDIT_EVENT_AUTHORIZATION_STARTED         "authorization.started"
#define GH_AUDIT_EVENT_USER_LOGGED_IN                 "user.logged_in"
#define GH_AUDIT_EVENT_CONSENT_GRANTED                "consent.granted"
#define GH_AUDIT_EVENT_CODE_ISSUED                    "code.issued"
#define GH_AUDIT_EVENT_AUTHORIZATION_DENIED           "authorization.denied"
#define GH_AUDIT_EVENT_AUTHORIZATION_REFUSED          "authorization.refused"
#define GH_AUDIT_EVENT_TOKEN_ISSUED                   "token.issued"
#define GH_AUDIT_EVENT_TOKEN_REFRESHED                "token.refreshed"
#define GH_AUDIT_EVENT_TOKEN_REFUSED                  "token.refused"
#define GH_AUDIT_EVENT_TOKEN_REVOKED                  "token.revoked"
#define GH_AUDIT_EVENT_TOKEN_INTROSPECTED             "token.introspected"
#define GH_AUDIT_EVENT_CODE_REPLAYED                  "code.replayed"
#define GH_AUDIT_EVENT_REFRESH_TOKEN_REUSE_DETECTED   "refresh_token.reuse_detected"
#define GH_AUDIT_EVENT_KEY_CREATED                    "key.created"
#define GH_AUDIT_EVENT_KEY_ROTATED                    "key.rotated"
#define GH_AUDIT_EVENT_REFUSALS_SUPPRESSED            "audit.refusals_suppressed"
#define GH_AUDIT_EVENT_ADMIN_TOKEN_CREATED            "admin.token_created"
#define GH_AUDIT_EVENT_ADMIN_TOKEN_REVOKED            "admin.token_revoked"
#define GH_AUDIT_EVENT_ADMIN_AUTH_FAILED              "admin.auth_failed"
#define GH_AUDIT_EVENT_ADMIN_REQUEST_REFUSED          "admin.request_refused"

typedef struct
{
  const char      *name;         /* one of the GH_AUDIT_EVENT_* names */
  GhAuditCategory  category;
  const char      *description;  /* one line, as the README's table says it */
} GhAuditEventType;

/* The registered type named @name, or NULL. */
const GhAuditEventType *gh_audit_event_type_lookup (const char *name);
/* Every registered type, by category, @n_types of them. */
const GhAuditEventType *gh_audit_event_types       (guint      *n_types);

const char *gh_audit_category_to_string   (GhAuditCategory  category);
/* FALSE when @text names no category. */
gboolean    gh_audit_category_from_string (const char      *text,
                                           GhAuditCategory *category);

G_END_DECLS
