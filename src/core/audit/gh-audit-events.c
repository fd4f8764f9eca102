/* gh-audit-events.c — the registry of audit event types: name, category, description
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-audit"

#include "config.h"

#include "gh-audit-events.h"

/* By category, in the order of GhAuditCategory; the README's table lists them in this
 * order with these words. */
static const GhAuditEventType event_types[] = {
  { GH_AUDIT_EVENT_PROJECT_CREATED, GH_AUDIT_CATEGORY_PROJECT,
    "a project was created, with its settings profile and display name" },
  { GH_AUDIT_EVENT_PROJECT_SETTINGS_CHANGED, GH_AUDIT_CATEGORY_PROJECT,
    "project settings changed: each old and new value, and what a cascade changed" },
  { GH_AUDIT_EVENT_PROJECT_DELETED, GH_AUDIT_CATEGORY_PROJECT,
    "a project was deleted with everything in it: how many of each went (no project id)" },
  { GH_AUDIT_EVENT_CLIENT_REGISTERED, GH_AUDIT_CATEGORY_CLIENT,
    "a client was registered (by an admin, by DCR or from a CIMD document)" },
  { GH_AUDIT_EVENT_CLIENT_UPDATED, GH_AUDIT_CATEGORY_CLIENT,
    "a client's metadata was replaced (RFC 7592 or the CLI)" },
  { GH_AUDIT_EVENT_CLIENT_DELETED, GH_AUDIT_CATEGORY_CLIENT,
    "a client was deleted; its consents, codes and tokens went with it" },
  { GH_AUDIT_EVENT_CLIENT_REGISTRATION_REFUSED, GH_AUDIT_CATEGORY_CLIENT,
    "a dynamic registration request was refused (rate-limited per source)" },
  { GH_AUDIT_EVENT_CLIENT_MANAGEMENT_REFUSED, GH_AUDIT_CATEGORY_CLIENT,
    "an RFC 7592 read, update or delete was refused (rate-limited per source)" },
  { GH_AUDIT_EVENT_CIMD_FETCHED, GH_AUDIT_CATEGORY_CIMD,
    "a client ID metadata document was fetched (or served from the cache) and passed: "
    "status, bytes, cache hit, miss or revalidated, TTL and why" },
  { GH_AUDIT_EVENT_CIMD_CHANGED, GH_AUDIT_CATEGORY_CIMD,
    "a CIMD client's redirect URIs or keys changed; its consents were dropped" },
  { GH_AUDIT_EVENT_CIMD_FETCH_FAILED, GH_AUDIT_CATEGORY_CIMD,
    "a client ID metadata document failed a check: which one, and why (rate-limited per "
    "source)" },
  { GH_AUDIT_EVENT_USER_CREATED, GH_AUDIT_CATEGORY_USER,
    "a user was created" },
  { GH_AUDIT_EVENT_USER_UPDATED, GH_AUDIT_CATEGORY_USER,
    "a user's name, email or claims changed: the members set" },
  { GH_AUDIT_EVENT_USER_REMOVED, GH_AUDIT_CATEGORY_USER,
    "a user was removed" },
  { GH_AUDIT_EVENT_RESOURCE_ADDED, GH_AUDIT_CATEGORY_RESOURCE,
    "a resource was added by an admin, or recorded when first asked for (open policy)" },
  { GH_AUDIT_EVENT_RESOURCE_SCOPES_WIDENED, GH_AUDIT_CATEGORY_RESOURCE,
    "a recorded resource gained scopes a client asked for (open policy)" },
  { GH_AUDIT_EVENT_RESOURCE_REMOVED, GH_AUDIT_CATEGORY_RESOURCE,
    "a resource was removed" },
  { GH_AUDIT_EVENT_IAT_ISSUED, GH_AUDIT_CATEGORY_IAT,
    "an initial access token was issued: label, uses, lifetime, pinned metadata" },
  { GH_AUDIT_EVENT_IAT_REVOKED, GH_AUDIT_CATEGORY_IAT,
    "an initial access token was revoked" },
  { GH_AUDIT_EVENT_IAT_USED, GH_AUDIT_CATEGORY_IAT,
    "a registration used an initial access token: uses so far and left" },
  { GH_AUDIT_EVENT_IAT_REJECTED, GH_AUDIT_CATEGORY_IAT,
    "a registration was refused for its initial access token: missing header, unknown, "
    "expired, revoked, used up or pinned metadata differs (rate-limited per source)" },
  { GH_AUDIT_EVENT_AUTHORIZATION_STARTED, GH_AUDIT_CATEGORY_AUTHORIZATION,
    "an authorization request passed its checks and a flow began: its parsed parameters" },
  { GH_AUDIT_EVENT_USER_LOGGED_IN, GH_AUDIT_CATEGORY_AUTHORIZATION,
    "a user logged in to the development login during a flow" },
  { GH_AUDIT_EVENT_CONSENT_GRANTED, GH_AUDIT_CATEGORY_AUTHORIZATION,
    "the user granted consent: the scopes and resources granted" },
  { GH_AUDIT_EVENT_CODE_ISSUED, GH_AUDIT_CATEGORY_AUTHORIZATION,
    "an authorization code was issued: scopes, resources, where the consent came from" },
  { GH_AUDIT_EVENT_AUTHORIZATION_DENIED, GH_AUDIT_CATEGORY_AUTHORIZATION,
    "the user refused consent: the scopes and resources asked for" },
  { GH_AUDIT_EVENT_AUTHORIZATION_REFUSED, GH_AUDIT_CATEGORY_AUTHORIZATION,
    "an authorization request was refused, redirected or shown as a page "
    "(rate-limited per source)" },
  { GH_AUDIT_EVENT_TOKEN_ISSUED, GH_AUDIT_CATEGORY_TOKEN,
    "tokens were issued for an authorization code" },
  { GH_AUDIT_EVENT_TOKEN_REFRESHED, GH_AUDIT_CATEGORY_TOKEN,
    "tokens were issued for a refresh token, which was rotated" },
  { GH_AUDIT_EVENT_TOKEN_REFUSED, GH_AUDIT_CATEGORY_TOKEN,
    "a token request was refused (rate-limited per source)" },
  { GH_AUDIT_EVENT_TOKEN_REVOKED, GH_AUDIT_CATEGORY_TOKEN,
    "a client revoked an access token or a refresh token's family (RFC 7009), or an "
    "administrator revoked a family" },
  { GH_AUDIT_EVENT_TOKEN_INTROSPECTED, GH_AUDIT_CATEGORY_TOKEN,
    "a token was introspected (RFC 7662): by which client, and whether it was active" },
  { GH_AUDIT_EVENT_CODE_REPLAYED, GH_AUDIT_CATEGORY_TOKEN,
    "an authorization code was used twice; the tokens issued from it were revoked" },
  { GH_AUDIT_EVENT_REFRESH_TOKEN_REUSE_DETECTED, GH_AUDIT_CATEGORY_TOKEN,
    "a rotated refresh token was used again; its whole family was revoked" },
  { GH_AUDIT_EVENT_KEY_CREATED, GH_AUDIT_CATEGORY_KEY,
    "a signing key was created (the first one, or by a rotation)" },
  { GH_AUDIT_EVENT_KEY_ROTATED, GH_AUDIT_CATEGORY_KEY,
    "signing keys were rotated: the new key, and the one it retired" },
  { GH_AUDIT_EVENT_REFUSALS_SUPPRESSED, GH_AUDIT_CATEGORY_AUDIT,
    "refusal events over one source's limit were counted, not written: how many, of "
    "which types" },
  { GH_AUDIT_EVENT_ADMIN_TOKEN_CREATED, GH_AUDIT_CATEGORY_ADMIN,
    "an admin API token was created: its id, label and lifetime (never the token)" },
  { GH_AUDIT_EVENT_ADMIN_TOKEN_REVOKED, GH_AUDIT_CATEGORY_ADMIN,
    "an admin API token was revoked" },
  { GH_AUDIT_EVENT_ADMIN_AUTH_FAILED, GH_AUDIT_CATEGORY_ADMIN,
    "an admin API request was refused: no, an unknown, an expired or a revoked token, or "
    "too many failures from its address (rate-limited per source)" },
  { GH_AUDIT_EVENT_ADMIN_REQUEST_REFUSED, GH_AUDIT_CATEGORY_ADMIN,
    "an authenticated admin API call was refused (bad body or query, unknown project or "
    "object, conflict, unavailable): its method, path, admin token id and explain" },
};

static const char * const category_names[] = {
  [GH_AUDIT_CATEGORY_PROJECT] = "project",
  [GH_AUDIT_CATEGORY_CLIENT] = "client",
  [GH_AUDIT_CATEGORY_CIMD] = "cimd",
  [GH_AUDIT_CATEGORY_USER] = "user",
  [GH_AUDIT_CATEGORY_RESOURCE] = "resource",
  [GH_AUDIT_CATEGORY_IAT] = "iat",
  [GH_AUDIT_CATEGORY_AUTHORIZATION] = "authorization",
  [GH_AUDIT_CATEGORY_TOKEN] = "token",
  [GH_AUDIT_CATEGORY_KEY] = "key",
  [GH_AUDIT_CATEGORY_AUDIT] = "audit",
  [GH_AUDIT_CATEGORY_ADMIN] = "admin",
};
G_STATIC_ASSERT (G_N_ELEMENTS (category_names) == GH_AUDIT_N_CATEGORIES);

const GhAuditEventType *
gh_audit_event_type_lookup (const char *name)
{
  if (name == NULL)
    return NULL;
  /* A few dozen names, looked up once per event written */
  for (guint i = 0; i < G_N_ELEMENTS (event_types); i++)
    if (g_str_equal (event_types[i].name, name))
      return &event_types[i];
  return NULL;
}

const GhAuditEventType *
gh_audit_event_types (guint *n_types)
{
  g_return_val_if_fail (n_types != NULL, NULL);

  *n_types = G_N_ELEMENTS (event_types);
  return event_types;
}

const char *
gh_audit_category_to_string (GhAuditCategory category)
{
  g_return_val_if_fail ((guint) category < G_N_ELEMENTS (category_names), NULL);

  return category_names[category];
}

gboolean
gh_audit_category_from_string (const char      *text,
                               GhAuditCategory *category)
{
  g_return_val_if_fail (category != NULL, FALSE);

  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (category_names); i++)
    if (g_str_equal (category_names[i], text))
      {
        *category = (GhAuditCategory) i;
        return TRUE;
      }
  return FALSE;
}
