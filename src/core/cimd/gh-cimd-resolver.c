/* gh-cimd-resolver.c — resolves Client ID Metadata Documents and JWK Sets for callers
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-cimd"

#include "config.h"

#include <string.h>

#include "gh-cimd-policy.h"
#include "gh-cimd-resolver-private.h"
#include "gh-cimd-resolver.h"
#include "gh-time.h"

G_DEFINE_QUARK (gh-cimd-resolver-error-quark, gh_cimd_resolver_error)

/* A forced refetch within this many seconds of the previous forced one uses the cached set:
 * a key rotation is seen at once, but a stream of made-up kids cannot make us fetch a
 * client's URL again and again. */
#define JWKS_REFETCH_COOLDOWN_S 30

/* One caller waiting for a resolution. */
typedef struct
{
  gint64 project_id;
  char *project_slug;
  char *flow_id;
  GhCimdReport *policy;  /* a preview's: what the project's settings decide */
} Waiter;

static void
waiter_free (Waiter *waiter)
{
  g_clear_pointer (&waiter->policy, gh_cimd_report_unref);
  g_free (waiter->project_slug);
  g_free (waiter->flow_id);
  g_free (waiter);
}

/* What a JWK Set fetch hands its callers. */
typedef struct
{
  JsonObject *jwks;
  gboolean from_cache;
} JwksResult;

static void
jwks_result_free (JwksResult *result)
{
  g_clear_pointer (&result->jwks, json_object_unref);
  g_free (result);
}

G_DEFINE_FINAL_TYPE (GhCimdResolver, gh_cimd_resolver, G_TYPE_OBJECT)

/* --- completion --------------------------------------------------------------------------- */

static void
record_failure (GhCimdResolver  *self,
                Waiter          *waiter,
                GhCimdReport    *report,
                GError         **error)
{
  g_autoptr(JsonObject) details = json_object_new ();

  json_object_set_string_member (details, "check", gh_cimd_report_get_failure_id (report));
  json_object_set_string_member (details, "message", gh_cimd_report_get_failure (report));
  json_object_set_string_member (details, "verdict",
                                 gh_cimd_status_to_string (gh_cimd_report_get_verdict (report)));

  gh_audit_record_event (self->audit, &(GhAuditEvent) {
                         .project_id = waiter->project_id,
                         .project_slug = waiter->project_slug,
                         .type = GH_AUDIT_EVENT_CIMD_FETCH_FAILED, .outcome = GH_AUDIT_FAILURE,
                         .actor = "server", .client_id = gh_cimd_report_get_client_id (report),
                         .flow_id = waiter->flow_id, .details = details }, error);
}

void
_gh_cimd_resolver_complete_task (GhCimdResolver *self,
                                 GTask          *task,
                                 GhCimdReport   *report,
                                 const GError   *internal_error)
{
  Waiter *waiter = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (internal_error != NULL)
    {
      g_task_return_error (task, g_error_copy (internal_error));
      return;
    }
  if (waiter->policy != NULL)
    {
      /* A preview's report is its own: it lists what did not run, and records nothing. */
      const char *failed = gh_cimd_report_get_failure_id (report);
      g_autofree char *reason = NULL;

      if (failed != NULL)
        reason = g_strdup_printf ("Not run: the resolution stopped at %s", failed);
      else
        reason = g_strdup ("Not run: the document came from the cache (bypass_cache fetches "
                           "it)");
      gh_cimd_report_add_skipped (report, reason);
      gh_cimd_report_append_checks (report, waiter->policy);
    }
  else if (gh_cimd_report_get_verdict (report) == GH_CIMD_FAIL)
    record_failure (self, waiter, report, &error);
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (!g_task_return_error_if_cancelled (task))
    g_task_return_pointer (task, gh_cimd_report_ref (report),
                           (GDestroyNotify) gh_cimd_report_unref);
}

/* A JWK Set fetch's answer: the set, or an error naming the rule that refused it. */
void
_gh_cimd_resolver_complete_jwks_task (GTask        *task,
                                      GhCimdReport *report,
                                      JsonObject   *jwks,
                                      gboolean      from_cache,
                                      const GError *internal_error)
{
  JwksResult *result;

  if (g_task_return_error_if_cancelled (task))
    return;
  if (internal_error != NULL)
    {
      g_task_return_error (task, g_error_copy (internal_error));
      return;
    }
  if (jwks == NULL)
    {
      const char *failure = gh_cimd_report_get_failure (report);
      const char *id = gh_cimd_report_get_failure_id (report);

      g_task_return_new_error (task, GH_CIMD_RESOLVER_ERROR, GH_CIMD_RESOLVER_ERROR_REFUSED,
                               "%s (rule %s)",
                               failure != NULL ? failure : "The JWK Set was not accepted",
                               id != NULL ? id : "unknown");
      return;
    }
  result = g_new0 (JwksResult, 1);
  result->jwks = json_object_ref (jwks);
  result->from_cache = from_cache;
  g_task_return_pointer (task, result, (GDestroyNotify) jwks_result_free);
}

/* --- the public API ----------------------------------------------------------------------- */

GhCimdResolver *
gh_cimd_resolver_new (GhStore      *store,
                      GhAudit      *audit,
                      GTlsDatabase *tls_database)
{
  GhCimdResolver *self;

  g_return_val_if_fail (GH_IS_STORE (store), NULL);
  g_return_val_if_fail (GH_IS_AUDIT (audit), NULL);
  g_return_val_if_fail (tls_database == NULL || G_IS_TLS_DATABASE (tls_database), NULL);

  self = g_object_new (GH_TYPE_CIMD_RESOLVER, NULL);
  self->store = g_object_ref (store);
  self->audit = g_object_ref (audit);
  if (tls_database != NULL)
    self->tls_database = g_object_ref (tls_database);
  return self;
}

static void
serve_from_cache (GhCimdResolver          *self,
                  GTask                   *task,
                  GhCimdReport            *report,
                  const char              *url,
                  const GhProjectSettings *settings,
                  GhCimdCacheEntry        *cached)
{
  g_autoptr(JsonObject) metadata = NULL;
  gint64 now = gh_now_seconds ();

  /* Checked again: the project's rules may have changed since it was cached. */
  metadata = gh_cimd_check_document (cached->document, strlen (cached->document), url, settings,
                                     report);
  gh_cimd_report_set_cache_validators (report, cached->fetched_at, cached->etag,
                                       cached->last_modified);
  if (metadata != NULL)
    gh_cimd_report_set_cache (report, "hit", MAX (0, cached->expires_at - now), cached->ttl_why,
                              cached->expires_at);
  else
    gh_cimd_report_set_cache (report, "hit", MAX (0, cached->expires_at - now),
                              "the cached document no longer passes the project's rules",
                              cached->expires_at);
  _gh_cimd_resolver_complete_task (self, task, report, NULL);
}

/* The URL rules, then a fresh cached copy, else a fetch (under @key) for @task. Takes @task,
 * @report and @key. */
static void
resolve_url (GhCimdResolver     *self,
             GTask              *task,
             GhCimdReport       *report,
             const GhProject    *project,
             const char         *client_id_url,
             GhCimdResolveFlags  flags,
             char               *key)
{
  g_autoptr(GTask) owned_task = task;
  g_autoptr(GhCimdReport) owned_report = report;
  g_autofree char *owned_key = key;
  g_autoptr(GhCimdCacheEntry) cached = NULL;
  g_autoptr(GError) error = NULL;

  if (!gh_cimd_check_url (client_id_url, project->settings, report) ||
      !_gh_cimd_cache_load (self, project->id, client_id_url, &cached, &error))
    {
      _gh_cimd_resolver_complete_task (self, task, report, error);
      return;
    }
  if (cached != NULL && !cached->no_store && !(flags & GH_CIMD_RESOLVE_FORCE_REFRESH) &&
      gh_now_seconds () < cached->expires_at)
    {
      serve_from_cache (self, task, report, client_id_url, project->settings, cached);
      return;
    }
  _gh_cimd_flight_launch (self, GH_CIMD_FLIGHT_DOCUMENT, g_steal_pointer (&owned_key), project,
                          client_id_url, flags, project->settings->cimd_max_bytes,
                          g_steal_pointer (&owned_report), g_steal_pointer (&cached),
                          g_steal_pointer (&owned_task));
}

/* A caller's task (finished by gh_cimd_resolver_resolve_finish()) and its waiter. */
static GTask *
new_resolution (GhCimdResolver      *self,
                const GhProject     *project,
                const char          *flow_id,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Waiter *waiter = g_new0 (Waiter, 1);

  g_task_set_source_tag (task, gh_cimd_resolver_resolve_async);
  waiter->project_id = project->id;
  waiter->project_slug = g_strdup (project->slug);
  waiter->flow_id = g_strdup (flow_id);
  g_task_set_task_data (task, waiter, (GDestroyNotify) waiter_free);
  return task;
}

void
gh_cimd_resolver_resolve_async (GhCimdResolver      *self,
                                const GhProject     *project,
                                const char          *client_id_url,
                                GhCimdResolveFlags   flags,
                                const char          *flow_id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GhCimdReport) report = NULL;
  g_autofree char *key = NULL;
  GhCimdFlight *flight;

  g_return_if_fail (GH_IS_CIMD_RESOLVER (self));
  g_return_if_fail (project != NULL && project->settings != NULL);
  g_return_if_fail (client_id_url != NULL);

  task = new_resolution (self, project, flow_id, cancellable, callback, user_data);

  /* Join a fetch of the same URL for the same project already on its way. */
  key = g_strdup_printf ("%" G_GINT64_FORMAT " %s", project->id, client_id_url);
  flight = g_hash_table_lookup (self->flights, key);
  if (flight != NULL)
    {
      g_ptr_array_add (flight->waiters, g_steal_pointer (&task));
      return;
    }

  report = gh_cimd_report_new (client_id_url);
  if (!project->settings->cimd_enabled)
    {
      gh_cimd_report_add_check (report, "project.cimd_enabled", GH_CIMD_FAIL,
                                "Project %s does not accept URL client ids (cimd_enabled is off)",
                                project->slug);
      _gh_cimd_resolver_complete_task (self, task, report, NULL);
      return;
    }
  resolve_url (self, g_steal_pointer (&task), g_steal_pointer (&report), project, client_id_url,
               flags, g_steal_pointer (&key));
}

void
gh_cimd_resolver_preview_async (GhCimdResolver      *self,
                                const GhProject     *project,
                                const char          *client_id_url,
                                gboolean             bypass_cache,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GhProject) preview = NULL;
  g_autofree char *key = NULL;
  Waiter *waiter;

  g_return_if_fail (GH_IS_CIMD_RESOLVER (self));
  g_return_if_fail (project != NULL && project->settings != NULL);
  g_return_if_fail (client_id_url != NULL);

  task = new_resolution (self, project, NULL, cancellable, callback, user_data);
  waiter = g_task_get_task_data (task);
  waiter->policy = gh_cimd_report_new (client_id_url);
  gh_cimd_check_project_policy (client_id_url, project->slug, project->settings, waiter->policy);

  preview = gh_project_copy (project);
  gh_project_settings_free (preview->settings);
  preview->settings = gh_cimd_preview_settings (project->settings);

  /* A flight of its own, under a key no other caller looks for. */
  key = g_strdup_printf ("preview %p", (gpointer) task);
  resolve_url (self, g_steal_pointer (&task), gh_cimd_report_new (client_id_url), preview,
               client_id_url,
               GH_CIMD_RESOLVE_PREVIEW | (bypass_cache ? GH_CIMD_RESOLVE_FORCE_REFRESH : 0),
               g_steal_pointer (&key));
}

GhCimdReport *
gh_cimd_resolver_resolve_finish (GhCimdResolver  *self,
                                 GAsyncResult    *result,
                                 GError         **error)
{
  g_return_val_if_fail (GH_IS_CIMD_RESOLVER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gh_cimd_resolver_resolve_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
gh_cimd_resolver_fetch_jwks_async (GhCimdResolver      *self,
                                   const GhProject     *project,
                                   const char          *jwks_uri,
                                   GhCimdResolveFlags   flags,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GhCimdReport) report = NULL;
  g_autofree char *key = NULL;
  GhCimdJwksEntry *entry;
  GhCimdFlight *flight;

  g_return_if_fail (GH_IS_CIMD_RESOLVER (self));
  g_return_if_fail (project != NULL && project->settings != NULL);
  g_return_if_fail (jwks_uri != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gh_cimd_resolver_fetch_jwks_async);

  /* Join a fetch of the same set for the same project already on its way: it is fresh. */
  key = g_strdup_printf ("jwks %" G_GINT64_FORMAT " %s", project->id, jwks_uri);
  flight = g_hash_table_lookup (self->flights, key);
  if (flight != NULL)
    {
      g_ptr_array_add (flight->waiters, g_steal_pointer (&task));
      return;
    }

  /* The URL rules of documents, checked again on every use: the project's rules may have
   * changed since the set was cached. cimd_enabled does not matter: a registered client's
   * jwks_uri is no URL client_id. */
  report = gh_cimd_report_new (jwks_uri);
  if (!gh_cimd_check_url (jwks_uri, project->settings, report))
    {
      _gh_cimd_resolver_complete_jwks_task (task, report, NULL, FALSE, NULL);
      return;
    }

  entry = g_hash_table_lookup (self->jwks_cache, key);
  if (entry != NULL && gh_now_seconds () < entry->expires_at &&
      (!(flags & GH_CIMD_RESOLVE_FORCE_REFRESH) ||
       (entry->forced_at != 0 &&
        gh_now_seconds () - entry->forced_at < self->jwks_refetch_cooldown)))
    {
      _gh_cimd_resolver_complete_jwks_task (task, report, entry->jwks, TRUE, NULL);
      return;
    }
  /* The cooldown starts when a forced fetch starts, whatever comes of it: a failing or slow
   * key server must not be asked again for every made-up kid. */
  if (entry != NULL && (flags & GH_CIMD_RESOLVE_FORCE_REFRESH))
    entry->forced_at = gh_now_seconds ();

  _gh_cimd_flight_launch (self, GH_CIMD_FLIGHT_JWKS, g_steal_pointer (&key), project, jwks_uri,
                          flags,
                          MAX (project->settings->cimd_max_bytes, GH_CIMD_JWKS_MIN_MAX_BYTES),
                          g_steal_pointer (&report), NULL, g_steal_pointer (&task));
}

JsonObject *
gh_cimd_resolver_fetch_jwks_finish (GhCimdResolver  *self,
                                    GAsyncResult    *result,
                                    gboolean        *from_cache,
                                    GError         **error)
{
  JwksResult *jwks_result;
  JsonObject *jwks;

  g_return_val_if_fail (GH_IS_CIMD_RESOLVER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        gh_cimd_resolver_fetch_jwks_async, NULL);

  if (from_cache != NULL)
    *from_cache = FALSE;
  jwks_result = g_task_propagate_pointer (G_TASK (result), error);
  if (jwks_result == NULL)
    return NULL;
  if (from_cache != NULL)
    *from_cache = jwks_result->from_cache;
  jwks = g_steal_pointer (&jwks_result->jwks);
  jwks_result_free (jwks_result);
  return jwks;
}

JsonObject *
gh_cimd_resolver_lookup_cached (GhCimdResolver *self,
                                gint64          project_id,
                                const char     *client_id_url)
{
  g_autoptr(GhCimdCacheEntry) cached = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (GH_IS_CIMD_RESOLVER (self), NULL);
  g_return_val_if_fail (client_id_url != NULL, NULL);

  if (!_gh_cimd_cache_load (self, project_id, client_id_url, &cached, &error))
    {
      g_debug ("Reading the CIMD cache failed: %s", error->message);
      return NULL;
    }
  if (cached == NULL || cached->metadata == NULL)
    return NULL;
  return json_object_ref (cached->metadata);
}

guint
gh_cimd_resolver_get_fetch_count (GhCimdResolver *self)
{
  g_return_val_if_fail (GH_IS_CIMD_RESOLVER (self), 0);
  return self->fetch_count;
}

static void
gh_cimd_resolver_dispose (GObject *object)
{
  GhCimdResolver *self = GH_CIMD_RESOLVER (object);

  /* Flights hold a reference, so none is running here. */
  g_assert (self->active == 0);
  g_clear_object (&self->store);
  g_clear_object (&self->audit);
  g_clear_object (&self->tls_database);

  G_OBJECT_CLASS (gh_cimd_resolver_parent_class)->dispose (object);
}

static void
gh_cimd_resolver_finalize (GObject *object)
{
  GhCimdResolver *self = GH_CIMD_RESOLVER (object);

  g_clear_pointer (&self->flights, g_hash_table_unref);
  g_clear_pointer (&self->jwks_cache, g_hash_table_unref);

  G_OBJECT_CLASS (gh_cimd_resolver_parent_class)->finalize (object);
}

static void
gh_cimd_resolver_class_init (GhCimdResolverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gh_cimd_resolver_dispose;
  object_class->finalize = gh_cimd_resolver_finalize;
}

static void
gh_cimd_resolver_init (GhCimdResolver *self)
{
  self->flights = g_hash_table_new (g_str_hash, g_str_equal);
  self->jwks_refetch_cooldown = JWKS_REFETCH_COOLDOWN_S;
  self->jwks_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) _gh_cimd_jwks_entry_free);
  g_queue_init (&self->pending);
}

void
_gh_cimd_resolver_set_jwks_refetch_cooldown (GhCimdResolver *self,
                                             gint64          seconds)
{
  g_return_if_fail (GH_IS_CIMD_RESOLVER (self));
  self->jwks_refetch_cooldown = seconds;
}
