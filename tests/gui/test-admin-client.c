/* test-admin-client.c — GhAdminClient against a real gatehouse-server: typed answers, the
 * server's refusals as GErrors, and the event stream across a restart of the server
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gh-admin-client.h"
#include "gh-test-process.h"

typedef struct
{
  char          *tmp;
  char          *dir;
  char          *token;
  GhTestProcess *server;
  GhAdminClient *client;
} Fixture;

static char *
create_token (const char *dir)
{
  g_autofree char *out = NULL;

  g_assert_cmpint (GH_TEST_CLI (gh_test_server_binary (), dir, &out, "admin-token", "create",
                                "--label", "test"), ==, 0);
  g_strstrip (out);
  g_assert_true (g_str_has_prefix (out, "ghat_"));
  return g_steal_pointer (&out);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->tmp = g_dir_make_tmp ("gatehouse-admin-client-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->dir = g_build_filename (fixture->tmp, "data", NULL);
  fixture->token = create_token (fixture->dir);
  fixture->server = gh_test_process_start (gh_test_server_binary (), fixture->dir, "server");
  fixture->client = gh_admin_client_new (fixture->server->base, fixture->token);
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  const char *argv[] = { "rm", "-rf", fixture->tmp, NULL };

  g_clear_object (&fixture->client);
  if (fixture->server != NULL)
    gh_test_process_stop_clean (fixture->server);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                NULL);
  g_free (fixture->tmp);
  g_free (fixture->dir);
  g_free (fixture->token);
}

static gboolean
has_result (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

/* Runs the async call started with store_result and &result, returns its result. */
static GAsyncResult *
await (GAsyncResult **result)
{
  g_assert_true (gh_test_wait_until (has_result, result, 15000));
  return *result;
}

#define CALL(start, ...) \
  G_STMT_START { \
    g_clear_object (&result); \
    start (fixture->client, __VA_ARGS__, NULL, store_result, &result); \
    await (&result); \
  } G_STMT_END

static void
test_typed_calls (Fixture       *fixture,
                  gconstpointer  data)
{
  GAsyncResult *result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GhAdminServerInfo) info = NULL;
  g_autoptr(GPtrArray) projects = NULL;
  g_autoptr(GhAdminProject) project = NULL;
  g_autoptr(GhAdminProjectPatch) patch = NULL;
  g_autoptr(GhAdminAuditPage) page = NULL;
  g_autoptr(GhAdminAuditPage) one = NULL;
  g_autoptr(JsonObject) settings = json_object_new ();
  g_autoptr(JsonObject) tokens = NULL;
  GhAdminAuditQuery query = { .type_prefix = "project.", .limit = 1 };
  gboolean cascaded = FALSE;

  g_clear_object (&result);
  gh_admin_client_get_server_async (fixture->client, NULL, store_result, &result);
  info = gh_admin_client_get_server_finish (fixture->client, await (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (info->version, ==, PACKAGE_VERSION);
  g_assert_true (g_strv_contains ((const char * const *) info->listen_urls,
                                  fixture->server->base));
  g_assert_cmpuint (g_strv_length (info->key_ids), >=, 1);

  g_clear_object (&result);
  gh_admin_client_list_projects_async (fixture->client, NULL, store_result, &result);
  projects = gh_admin_client_list_projects_finish (fixture->client, await (&result), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (projects->len, ==, 1);
  g_assert_cmpstr (((GhAdminProject *) projects->pdata[0])->slug, ==, "default");

  CALL (gh_admin_client_get_project_async, "default");
  project = gh_admin_client_get_project_finish (fixture->client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (project->issuer, ==, fixture->server->base);
  g_assert_true (json_object_has_member (project->settings, "mcp_enabled"));

  json_object_set_boolean_member (settings, "mcp_enabled", TRUE);
  CALL (gh_admin_client_patch_project_async, "default", settings);
  patch = gh_admin_client_patch_project_finish (fixture->client, result, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < patch->changes->len; i++)
    {
      GhAdminSettingChange *change = patch->changes->pdata[i];

      if (g_strcmp0 (change->cascade_from, "mcp_enabled") == 0)
        cascaded = TRUE;
    }
  g_assert_true (cascaded);
  g_assert_cmpstr (patch->project->slug, ==, "default");

  CALL (gh_admin_client_get_audit_async, "default", NULL);
  page = gh_admin_client_get_audit_finish (fixture->client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->events->len, >=, 2);
  g_assert_cmpstr (gh_audit_event_item_get_event_type (page->events->pdata[0]), ==,
                   "project.settings_changed");
  g_assert_cmpstr (gh_audit_event_item_get_outcome (page->events->pdata[0]), ==, "success");
  g_assert_cmpstr (gh_audit_event_item_get_project (page->events->pdata[0]), ==, "default");
  g_assert_nonnull (gh_audit_event_item_get_details (page->events->pdata[0]));

  /* Filters and paging */
  CALL (gh_admin_client_get_audit_async, "default", &query);
  one = gh_admin_client_get_audit_finish (fixture->client, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (one->events->len, ==, 1);
  g_assert_cmpint (one->older, ==, gh_audit_event_item_get_id (one->events->pdata[0]));

  /* Any other route */
  CALL (gh_admin_client_request_json_async, "GET", "/admin-tokens", NULL);
  tokens = gh_admin_client_request_json_finish (fixture->client, result, &error);
  g_assert_no_error (error);
  g_assert_true (json_object_has_member (tokens, "admin_tokens"));
  g_clear_object (&result);
}

/* A refusal is a GH_ADMIN_CLIENT_ERROR whose message is the server's error_description. */
static void
test_errors (Fixture       *fixture,
             gconstpointer  data)
{
  GAsyncResult *result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GhAdminProject) project = NULL;
  g_autoptr(GhAdminProjectPatch) patch = NULL;
  g_autoptr(GhAdminServerInfo) info = NULL;
  g_autoptr(GhAdminClient) wrong = gh_admin_client_new (fixture->server->base,
                                                        "ghat_not-a-token");
  g_autoptr(JsonObject) settings = json_object_new ();

  CALL (gh_admin_client_get_project_async, "nowhere");
  project = gh_admin_client_get_project_finish (fixture->client, result, &error);
  g_assert_null (project);
  g_assert_error (error, GH_ADMIN_CLIENT_ERROR, GH_ADMIN_CLIENT_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "nowhere"));
  g_assert_cmpstr (gh_admin_client_error_get_oauth_error (error), ==, "not_found");
  g_assert_cmpuint (gh_admin_client_error_get_status (error), ==, 404);
  g_clear_error (&error);

  json_object_set_string_member (settings, "colour", "red");
  CALL (gh_admin_client_patch_project_async, "default", settings);
  patch = gh_admin_client_patch_project_finish (fixture->client, result, &error);
  g_assert_null (patch);
  g_assert_error (error, GH_ADMIN_CLIENT_ERROR, GH_ADMIN_CLIENT_ERROR_INVALID_REQUEST);
  g_assert_nonnull (strstr (error->message, "colour"));
  g_clear_error (&error);

  g_clear_object (&result);
  gh_admin_client_get_server_async (wrong, NULL, store_result, &result);
  info = gh_admin_client_get_server_finish (wrong, await (&result), &error);
  g_assert_null (info);
  g_assert_error (error, GH_ADMIN_CLIENT_ERROR, GH_ADMIN_CLIENT_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (gh_admin_client_error_get_oauth_error (error), ==, "invalid_token");
  g_clear_object (&result);
}

typedef struct
{
  GPtrArray         *events;   /* GhAuditEventItem */
  GArray            *states;   /* GhAdminStreamState, as they came */
  GhAdminStreamState state;
  const char        *waited_type;     /* NULL: any */
  const char        *waited_project;  /* NULL: any */
} Stream;

static void
got_event (GhAdminClient    *client,
           GhAuditEventItem *event,
           Stream           *stream)
{
  g_ptr_array_add (stream->events, g_object_ref (event));
}

static void
got_state (GhAdminClient *client,
           int            state,
           Stream        *stream)
{
  stream->state = state;
  g_array_append_val (stream->states, state);
}

static gboolean
has_type (gpointer data)
{
  Stream *stream = data;

  for (guint i = 0; i < stream->events->len; i++)
    {
      GhAuditEventItem *event = stream->events->pdata[i];

      if ((stream->waited_type == NULL ||
           g_str_equal (gh_audit_event_item_get_event_type (event), stream->waited_type)) &&
          (stream->waited_project == NULL ||
           g_strcmp0 (gh_audit_event_item_get_project (event), stream->waited_project) == 0))
        return TRUE;
    }
  return FALSE;
}

static gboolean
is_connected (gpointer data)
{
  return ((Stream *) data)->state == GH_ADMIN_STREAM_CONNECTED;
}

static gboolean
is_reconnecting (gpointer data)
{
  return ((Stream *) data)->state == GH_ADMIN_STREAM_RECONNECTING;
}

static void
wait_for (Stream     *stream,
          const char *type,
          const char *project)
{
  stream->waited_type = type;
  stream->waited_project = project;
  if (!gh_test_wait_until (has_type, stream, 15000))
    g_error ("No %s event of %s came", type ? type : "any", project ? project : "any project");
}

/* The server goes; what the CLI does meanwhile is stored, and comes once the server is back
 * on the same port and the stream reconnected by itself. */
static void
restart_server (Fixture *fixture,
                Stream  *stream)
{
  guint16 port = fixture->server->port;

  gh_test_process_kill (fixture->server);
  fixture->server = NULL;
  g_assert_true (gh_test_wait_until (is_reconnecting, stream, 15000));
  g_assert_cmpint (GH_TEST_CLI (gh_test_server_binary (), fixture->dir, NULL, "user", "add",
                                "carol"), ==, 0);
  fixture->server = gh_test_process_start_on (gh_test_server_binary (), fixture->dir,
                                              "server-again", port);
  wait_for (stream, "user.created", "default");
  g_assert_cmpint (stream->state, ==, GH_ADMIN_STREAM_CONNECTED);
}

/* The stream replays from its cursor, follows live events, and when the server goes away and
 * comes back on the same port it reconnects by itself and gets what happened meanwhile, once. */
static void
test_event_stream (Fixture       *fixture,
                   gconstpointer  data)
{
  Stream stream = { g_ptr_array_new_with_free_func (g_object_unref),
                    g_array_new (FALSE, FALSE, sizeof (GhAdminStreamState)) };
  GAsyncResult *result = NULL;
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonObject) created = NULL;
  g_autoptr(GError) error = NULL;
  gint64 previous = 0;

  g_signal_connect (fixture->client, "event", G_CALLBACK (got_event), &stream);
  g_signal_connect (fixture->client, "stream-state", G_CALLBACK (got_state), &stream);
  gh_admin_client_start_events (fixture->client, NULL, NULL, 0);
  g_assert_cmpint (gh_admin_client_get_stream_state (fixture->client), ==,
                   GH_ADMIN_STREAM_CONNECTING);
  /* Stored: the default project's creation, before the client started */
  wait_for (&stream, "project.created", "default");
  g_assert_true (gh_test_wait_until (is_connected, &stream, 15000));

  /* Live */
  json_object_set_string_member (body, "slug", "team");
  CALL (gh_admin_client_request_json_async, "POST", "/projects", body);
  created = gh_admin_client_request_json_finish (fixture->client, result, &error);
  g_assert_no_error (error);
  wait_for (&stream, "project.created", "team");

  restart_server (fixture, &stream);

  /* And live again */
  g_clear_pointer (&created, json_object_unref);
  json_object_set_string_member (body, "slug", "team2");
  CALL (gh_admin_client_request_json_async, "POST", "/projects", body);
  created = gh_admin_client_request_json_finish (fixture->client, result, &error);
  g_assert_no_error (error);
  wait_for (&stream, "project.created", "team2");

  /* Each event once, in order */
  for (guint i = 0; i < stream.events->len; i++)
    {
      gint64 id = gh_audit_event_item_get_id (stream.events->pdata[i]);

      g_assert_cmpint (id, >, previous);
      previous = id;
    }
  g_assert_cmpint (gh_admin_client_get_events_cursor (fixture->client), ==, previous);
  g_assert_cmpuint (stream.states->len, >=, 4);

  gh_admin_client_stop_events (fixture->client);
  g_assert_cmpint (stream.state, ==, GH_ADMIN_STREAM_STOPPED);
  g_signal_handlers_disconnect_by_data (fixture->client, &stream);
  g_ptr_array_unref (stream.events);
  g_array_unref (stream.states);
  g_clear_object (&result);
}

/* Only new events: none came before the server went away, yet what happened while it was
 * gone comes after the reconnection (the stream's "ready" message gave the cursor). */
static void
test_event_stream_live_only (Fixture       *fixture,
                             gconstpointer  data)
{
  Stream stream = { g_ptr_array_new_with_free_func (g_object_unref),
                    g_array_new (FALSE, FALSE, sizeof (GhAdminStreamState)) };

  g_signal_connect (fixture->client, "event", G_CALLBACK (got_event), &stream);
  g_signal_connect (fixture->client, "stream-state", G_CALLBACK (got_state), &stream);
  gh_admin_client_start_events (fixture->client, "default", NULL, -1);
  g_assert_true (gh_test_wait_until (is_connected, &stream, 15000));
  restart_server (fixture, &stream);
  /* Nothing older than the stream */
  g_assert_cmpuint (stream.events->len, ==, 1);

  g_signal_handlers_disconnect_by_data (fixture->client, &stream);
  g_ptr_array_unref (stream.events);
  g_array_unref (stream.states);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/admin-client/typed-calls", Fixture, NULL, fixture_setup, test_typed_calls,
              fixture_teardown);
  g_test_add ("/admin-client/errors", Fixture, NULL, fixture_setup, test_errors,
              fixture_teardown);
  g_test_add ("/admin-client/event-stream", Fixture, NULL, fixture_setup, test_event_stream,
              fixture_teardown);
  g_test_add ("/admin-client/event-stream-live-only", Fixture, NULL, fixture_setup,
              test_event_stream_live_only, fixture_teardown);

  return g_test_run ();
}
