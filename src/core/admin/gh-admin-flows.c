/* gh-admin-flows.c — the admin API's flows and discovery hits: a project's flows, one flow with
 * its steps and probable discovery hits, a project's discovery hits
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-admin"

#include "config.h"

#include <string.h>

#include "gh-admin-private.h"
#include "gh-flows.h"
#include "gh-http.h"
#include "gh-paused-request.h"

/* The query parameters of these routes: which reads take each, and where it goes. */
static const struct {
  const char *name;
  guint       kinds;    /* a bit per GhFlowsQueryKind */
  gboolean    number;
  gsize       offset;
  gint64      min;
  gint64      max;
} parameters[] = {
#define LIST (1 << GH_FLOWS_QUERY_LIST)
#define HITS (1 << GH_FLOWS_QUERY_HITS)
  { "state", LIST, FALSE, G_STRUCT_OFFSET (GhFlowsQuery, state), 0, 0 },
  { "client_id", LIST, FALSE, G_STRUCT_OFFSET (GhFlowsQuery, client_id), 0, 0 },
  { "user_id", LIST, FALSE, G_STRUCT_OFFSET (GhFlowsQuery, user_id), 0, 0 },
  { "source", HITS, FALSE, G_STRUCT_OFFSET (GhFlowsQuery, source), 0, 0 },
  { "user_agent", HITS, FALSE, G_STRUCT_OFFSET (GhFlowsQuery, user_agent), 0, 0 },
  { "since", HITS, TRUE, G_STRUCT_OFFSET (GhFlowsQuery, since), 0, G_MAXINT64 },
  { "before", LIST | HITS, TRUE, G_STRUCT_OFFSET (GhFlowsQuery, before), 1, G_MAXINT64 },
  { "after", LIST | HITS, TRUE, G_STRUCT_OFFSET (GhFlowsQuery, after), 1, G_MAXINT64 },
#undef LIST
#undef HITS
};

/* Fills @query (of its kind) from the request's query string, which it points into through
 * @params; FALSE with INVALID_REQUEST naming an unknown, repeated or malformed parameter. */
static gboolean
read_query (GhRequest     *request,
            GHashTable   **params,
            GhFlowsQuery  *query,
            GError       **error)
{
  GHashTableIter iter;
  const char *name;
  const char *value;

  *params = _gh_admin_read_query (request, NULL, error);
  if (*params == NULL)
    return FALSE;
  g_hash_table_iter_init (&iter, *params);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, (gpointer *) &value))
    {
      gboolean known = FALSE;
      gint64 number;

      if (query->kind != GH_FLOWS_QUERY_FLOW && g_str_equal (name, "limit"))
        {
          if (!g_ascii_string_to_signed (value, 10, 1, GH_FLOWS_QUERY_MAX_LIMIT, &number, NULL))
            return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                                    "“limit” must be a whole number from 1 to %d",
                                    GH_FLOWS_QUERY_MAX_LIMIT);
          query->limit = number;
          continue;
        }
      if (query->kind == GH_FLOWS_QUERY_HITS && g_str_equal (name, "status"))
        {
          if (!g_ascii_string_to_signed (value, 10, 100, 599, &number, NULL))
            return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                                    "“status” must be an HTTP status, 100 to 599");
          query->status = number;
          continue;
        }
      for (guint i = 0; !known && i < G_N_ELEMENTS (parameters); i++)
        {
          if (!(parameters[i].kinds & (1u << query->kind)) ||
              !g_str_equal (name, parameters[i].name))
            continue;
          known = TRUE;
          if (!parameters[i].number)
            G_STRUCT_MEMBER (const char *, query, parameters[i].offset) = value;
          else if (g_ascii_string_to_signed (value, 10, parameters[i].min, parameters[i].max,
                                             &number, NULL))
            G_STRUCT_MEMBER (gint64, query, parameters[i].offset) = number;
          else
            return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                                    "“%s” must be a whole number of at least %" G_GINT64_FORMAT,
                                    name, parameters[i].min);
        }
      if (!known)
        return gh_oauth_refuse (error, GH_OAUTH_ERROR_INVALID_REQUEST,
                                "Unknown query parameter “%s”", name);
    }
  return gh_flows_query_check (query, error);
}

/* Sends what a worker read (gh_audit_read_async () giving a JsonObject) to the paused
 * request, or the refusal. */
void
_gh_admin_send_read_answer (GObject      *source,
                            GAsyncResult *result,
                            gpointer      user_data)
{
  GhPausedRequest *paused = user_data;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;

  answer = gh_audit_read_finish (result, &error);
  if (gh_paused_request_abandoned (paused))
    return;
  gh_http_set_no_store (paused->msg);
  if (answer == NULL)
    _gh_admin_send_paused_error (paused, error);
  else
    gh_http_send_json (paused->msg, SOUP_STATUS_OK, answer, NULL);
  gh_paused_request_resume (paused);
}

/* The {slug} of /admin/v1/projects/{slug}/... */
static char *
path_slug (GhRequest *request)
{
  const char *start = request->path + strlen ("/admin/v1/projects/");

  return g_strndup (start, strchr (start, '/') - start);
}

/* Reads @kind for the project of the path; the request waits, paused, while a worker thread
 * reads through a read-only connection: OAuth traffic never waits for it. */
static void
handle (GhRequest        *request,
        GhFlowsQueryKind  kind,
        const char       *flow_id)
{
  g_autofree char *slug = path_slug (request);
  g_autoptr(GhProject) project = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GError) error = NULL;
  GhFlowsQuery query = { .kind = kind, .flow_id = flow_id };
  GhPausedRequest *paused;

  project = _gh_admin_load_project_named (request, slug);
  if (project == NULL)
    return;
  query.project_id = project->id;
  if (!read_query (request, &params, &query, &error))
    {
      _gh_admin_send_error (request, error);
      return;
    }
  /* What the reader sees: every hit answered until now */
  _gh_discovery_flush_hits (request->server);
  paused = gh_paused_request_new (G_OBJECT (request->server), request->msg, slug, NULL,
                                  request->path, NULL, NULL, NULL);
  gh_flows_query_async (request->server->store, &query, paused->cancellable,
                        _gh_admin_send_read_answer, paused);
}

/* GET /admin/v1/projects/{slug}/flows: a page of the project's flows, newest first. */
void
_gh_admin_handle_flows (GhRequest *request)
{
  handle (request, GH_FLOWS_QUERY_LIST, NULL);
}

/* GET /admin/v1/projects/{slug}/flows/{id}: one flow, its steps and probable hits. */
void
_gh_admin_handle_flow (GhRequest *request)
{
  handle (request, GH_FLOWS_QUERY_FLOW, _gh_admin_path_argument (request));
}

/* GET /admin/v1/projects/{slug}/discovery/hits: a page of the project's discovery hits. */
void
_gh_admin_handle_discovery_hits (GhRequest *request)
{
  handle (request, GH_FLOWS_QUERY_HITS, NULL);
}
