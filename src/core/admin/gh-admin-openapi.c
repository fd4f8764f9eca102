/* gh-admin-openapi.c — GET /admin/v1/openapi.json: docs/openapi.json, compiled in
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-admin"

#include "config.h"

#include "gh-admin-private.h"
#include "gh-http.h"

/* gh-admin-resources.c, generated from gh-admin.gresource.xml (c_name gh_admin). */
GResource *gh_admin_get_resource (void);

#define OPENAPI_PATH "/dev/gatehouse/admin/openapi.json"

/* GET /admin/v1/openapi.json: the description of this API, behind an admin token like every
 * other admin route (the rule keeps no exception, and the document lists what the server can
 * do). The test `openapi` checks it against the router's table. */
void
_gh_admin_handle_openapi (GhRequest *request)
{
  g_autoptr(GBytes) document = NULL;
  g_autoptr(GError) error = NULL;

  document = g_resource_lookup_data (gh_admin_get_resource (), OPENAPI_PATH,
                                     G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  /* Compiled in: only a broken build lacks it. */
  g_assert_no_error (error);
  gh_http_set_no_store (request->msg);
  soup_server_message_set_status (request->msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (request->msg, "application/json", SOUP_MEMORY_COPY,
                                    g_bytes_get_data (document, NULL),
                                    g_bytes_get_size (document));
}
