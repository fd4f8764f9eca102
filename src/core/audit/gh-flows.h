/* gh-flows.h — flow summaries kept beside the audit log, discovery hits, and the admin API's
 * reads of both off the request thread
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-audit.h"

G_BEGIN_DECLS

/* Where a flow stands, after each of its events (gh_flow_next_state()). */
typedef enum
{
  GH_FLOW_STATE_NONE,       /* not a state: a flow without events yet */
  GH_FLOW_STATE_RUNNING,
  GH_FLOW_STATE_CODE,       /* a code was issued and not yet exchanged */
  GH_FLOW_STATE_SUCCEEDED,
  GH_FLOW_STATE_FAILED,
  GH_FLOW_STATE_DENIED,
} GhFlowState;

const char *gh_flow_state_to_string   (GhFlowState   state);
/* FALSE when @text names no state ("none" is none). */
gboolean    gh_flow_state_from_string (const char   *text,
                                       GhFlowState  *state);

/* The state machine (README, "Flows"). A flow is in @state (NONE before its first event), its
 * last error so far of type @last_error_type (or NULL); an event of @type with @outcome
 * arrives. Returns the state after it, and in *@is_error whether the event is the flow's new
 * last error:
 *   - denied stays denied, and failed stays failed once its last error is code.replayed or
 *     refresh_token.reuse_detected (what the flow obtained is revoked): those end a flow;
 *   - authorization.denied: denied;
 *   - code.replayed, refresh_token.reuse_detected, and any failure (authorization.refused,
 *     token.refused, oauth_client.cimd_fetch_failed, ...): failed;
 *   - code.issued: code; token.issued and token.refreshed: succeeded (a later success after
 *     an ordinary refusal counts: the client got there);
 *   - anything else (authorization.started, user.logged_in, consent.granted, a CIMD fetch,
 *     token.revoked, ...): running for a new flow, else the state is kept.
 * An error is a failure outcome, authorization.denied, code.replayed or
 * refresh_token.reuse_detected. */
GhFlowState gh_flow_next_state        (GhFlowState     state,
                                       const char     *last_error_type,
                                       const char     *type,
                                       GhAuditOutcome  outcome,
                                       gboolean       *is_error);

/* Updates the summary of the flow of the stored event @event_id (which has a flow id) in the
 * caller's transaction: gh_audit_record() calls it, so an event and its flow commit together.
 * Creates the flow at its first event (project, client, source and User-Agent of that event),
 * takes the user once one is known, counts the step, moves the state. */
gboolean    gh_flows_record_event     (GhStore        *store,
                                       gint64          event_id,
                                       const char     *type,
                                       GhAuditOutcome  outcome,
                                       GError        **error);

/* The discovery hits kept at most. */
#define GH_DISCOVERY_HITS_MAX 10000
/* A probable hit of a flow came at most this long before the flow started (µs). */
#define GH_FLOW_PROBABLE_WINDOW (60 * G_USEC_PER_SEC)
/* The events one flow's detail shows at most (the oldest). */
#define GH_FLOW_MAX_STEPS 1000
/* The steps each flow of a list gives (the oldest): what a row's dots show. */
#define GH_FLOW_LIST_STEPS 16
/* The probable hits one flow's detail shows at most (the newest). */
#define GH_FLOW_MAX_PROBABLE_HITS 100
/* A flow's client registered within this long before the flow began: the registration is
 * shown before the flow's steps ("registration" of a flow's read) */
#define GH_FLOW_REGISTRATION_WINDOW (10 * 60 * G_USEC_PER_SEC)

/* One request to a well-known path, as it was answered. Strings may be NULL but @path and
 * @method; they are cut like audit columns. */
typedef struct
{
  gint64      time;             /* µs since the epoch, when the request arrived */
  const char *project_slug;     /* the project the path names, or NULL; kept when it exists */
  const char *path;
  const char *method;
  guint       status;
  const char *origin;
  const char *request_method;   /* a preflight's Access-Control-Request-Method */
  const char *request_headers;  /* and Access-Control-Request-Headers */
  const char *user_agent;
  const char *source;
} GhDiscoveryHit;

gboolean    gh_flows_record_hit       (GhStore               *store,
                                       const GhDiscoveryHit  *hit,
                                       GError               **error);

/* Removes, in the caller's transaction, at most @limit flows whose last event is gone (older
 * than the oldest event left) and at most @limit discovery hits beyond the newest
 * GH_DISCOVERY_HITS_MAX or older than @oldest (µs; 0: no age limit). gh_audit_prune_step()
 * calls it. Returns how many rows went, or -1 with @error. */
gint        gh_flows_prune            (GhStore   *store,
                                       guint      limit,
                                       gint64     oldest,
                                       GError   **error);

/* What the admin API reads. */
typedef enum
{
  GH_FLOWS_QUERY_LIST,  /* a page of a project's flows */
  GH_FLOWS_QUERY_FLOW,  /* one flow: its summary, steps and probable discovery hits */
  GH_FLOWS_QUERY_HITS,  /* a page of a project's discovery hits */
} GhFlowsQueryKind;

#define GH_FLOWS_QUERY_DEFAULT_LIMIT 50
#define GH_FLOWS_QUERY_MAX_LIMIT 200

/* Every filter is optional (NULL / 0: none). Pages come newest first; @before (older) and
 * @after (newer) are cursors from an earlier page of the same filter: a flow's "seq" or a
 * hit's "id". At most one of them. */
typedef struct
{
  GhFlowsQueryKind kind;
  gint64           project_id;   /* required */
  const char      *flow_id;      /* FLOW: required */
  const char      *state;        /* LIST: a state's name */
  const char      *client_id;    /* LIST */
  const char      *user_id;      /* LIST */
  const char      *source;       /* HITS: the address, exactly */
  const char      *user_agent;   /* HITS: exactly */
  guint            status;       /* HITS: the HTTP status, 100 to 599 */
  gint64           since;        /* HITS: µs since the epoch, inclusive */
  gint64           before;
  gint64           after;
  guint            limit;        /* 0: GH_FLOWS_QUERY_DEFAULT_LIMIT; at most
                                  * GH_FLOWS_QUERY_MAX_LIMIT (a larger one is refused) */
} GhFlowsQuery;

/* FALSE with G_IO_ERROR_INVALID_ARGUMENT when @query cannot run. */
gboolean    gh_flows_query_check      (const GhFlowsQuery  *query,
                                       GError             **error);
/* The admin API's answer (README, "Flows and discovery hits"), read on a read-only connection
 * of @store's in the calling thread; a flow that is not there is GH_STORE_ERROR_NOT_FOUND. */
JsonObject *gh_flows_query            (GhStore             *store,
                                       const GhFlowsQuery  *query,
                                       GCancellable        *cancellable,
                                       GError             **error);
/* The same in a worker thread (@query is copied); @callback runs in the caller's
 * thread-default main context. */
void        gh_flows_query_async      (GhStore             *store,
                                       const GhFlowsQuery  *query,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
JsonObject *gh_flows_query_finish     (GAsyncResult        *result,
                                       GError             **error);

G_END_DECLS
