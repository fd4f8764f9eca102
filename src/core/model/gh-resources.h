/* gh-resources.h
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-audit.h"
#include "gh-projects.h"
#include "gh-store.h"

G_BEGIN_DECLS

/* A resource server (an MCP server) tokens are issued for (RFC 8707). */
typedef struct
{
  gint64   id;
  gint64   project_id;
  char    *uri;           /* canonical: scheme and host lowercase, no fragment */
  char    *display_name;
  char   **scopes;        /* scopes it defines */
  char    *audience;      /* the tokens' aud; the URI unless set */
  gboolean recorded;      /* accepted under resource_policy=open, not added by an admin: its
                           * scopes are information only, it defines none */
  gint64   created_at;
} GhResource;

void gh_resource_free (GhResource *resource);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhResource, gh_resource_free)

/* uri, display_name, scopes (a list), audience, recorded (see above) and created_at. */
JsonObject *gh_resource_to_json (const GhResource *resource);

#define GH_TYPE_RESOURCES (gh_resources_get_type ())

G_DECLARE_FINAL_TYPE (GhResources, gh_resources, GH, RESOURCES, GObject)

/* Checks an RFC 8707 resource indicator (absolute, no fragment) and returns its canonical
 * form; GH_OAUTH_ERROR_INVALID_TARGET otherwise. */
char        *gh_resource_canonicalize (const char       *uri,
                                       GError          **error);

GhResources *gh_resources_new         (GhStore          *store,
                                       GhAudit          *audit);
GhResource  *gh_resources_add         (GhResources      *self,
                                       const GhProject  *project,
                                       const char       *uri,
                                       const char       *display_name,
                                       const char       *scopes,
                                       const char       *audience,
                                       const char       *actor,
                                       GError          **error);
/* Under resource_policy=open: records an unknown resource, inside the caller's transaction
 * when one is open, and returns it. A recorded resource defines no scopes: it notes @scopes
 * (those granted for it) as information, at most GH_SCOPES_RECORDED_MAX, with a
 * resource.scopes_widened event naming @client_id and @flow_id when the list grows. An
 * administrator's resource is returned as it is. gh_resources_add() of a recorded URI adopts
 * it: it is listed from then on, with the administrator's scopes. */
GhResource  *gh_resources_record      (GhResources        *self,
                                       const GhProject    *project,
                                       const char         *uri,
                                       const char * const *scopes,
                                       const char         *client_id,
                                       const char         *flow_id,
                                       GError            **error);
GhResource  *gh_resources_find        (GhResources      *self,
                                       gint64            project_id,
                                       const char       *uri,
                                       GError          **error);
/* One resource for each of @uris, in order; one not in the store is a GhResource with id 0
 * (neither listed nor recorded). */
GPtrArray   *gh_resources_find_named  (GhResources        *self,
                                       gint64              project_id,
                                       const char * const *uris,
                                       GError            **error);
GPtrArray   *gh_resources_list        (GhResources      *self,
                                       gint64            project_id,
                                       GError          **error);
gboolean     gh_resources_remove      (GhResources      *self,
                                       const GhProject  *project,
                                       const char       *uri,
                                       const char       *actor,
                                       GError          **error);
/* Every scope the project's listed resources define (an administrator's, not recorded ones). */
char       **gh_resources_list_scopes (GhResources      *self,
                                       gint64            project_id,
                                       GError          **error);

G_END_DECLS
