/* gh-embedded-server.h — the server inside the app, on its own thread
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  GH_EMBEDDED_SERVER_STATE_STOPPED,
  GH_EMBEDDED_SERVER_STATE_STARTING,
  GH_EMBEDDED_SERVER_STATE_RUNNING,
  GH_EMBEDDED_SERVER_STATE_FAILED,
  GH_EMBEDDED_SERVER_STATE_STOPPING,
} GhEmbeddedServerState;

#define GH_TYPE_EMBEDDED_SERVER_STATE (gh_embedded_server_state_get_type ())
GType gh_embedded_server_state_get_type (void);

/* Why a running server cannot sign tokens (its /jwks is then empty or /token answers 503). */
typedef enum
{
  GH_SIGNING_PROBLEM_NONE,
  GH_SIGNING_PROBLEM_NO_KEYRING,      /* the Secret Service has no default keyring */
  GH_SIGNING_PROBLEM_KEYRING_LOCKED,
  GH_SIGNING_PROBLEM_FAILED,          /* anything else; the message says what */
} GhSigningProblem;

#define GH_TYPE_SIGNING_PROBLEM (gh_signing_problem_get_type ())
GType gh_signing_problem_get_type (void);

/* Where the keys go: the values of the "secrets" setting and of gatehouse --secrets. */
typedef enum
{
  GH_EMBEDDED_SECRETS_AUTO,     /* GNOME Keyring when the Secret Service runs, else the file */
  GH_EMBEDDED_SECRETS_KEYRING,
  GH_EMBEDDED_SECRETS_FILE,     /* secrets.ini in the data folder */
} GhEmbeddedSecrets;

#define GH_TYPE_EMBEDDED_SERVER (gh_embedded_server_get_type ())

G_DECLARE_FINAL_TYPE (GhEmbeddedServer, gh_embedded_server, GH, EMBEDDED_SERVER, GObject)

/* @settings holds the "server-port" and "secrets" keys (dev.gatehouse.Gatehouse). The object
 * lives on the thread that made it and notifies there; the server runs on a thread of its own
 * with its own GMainContext. */
GhEmbeddedServer      *gh_embedded_server_new               (const char        *data_dir,
                                                             GSettings         *settings);
/* Async: "starting" at once, then "running" or "failed" (error-message says why). */
void                   gh_embedded_server_start             (GhEmbeddedServer  *self);
/* Async: "stopping" at once, then "stopped" once the thread has closed the server. */
void                   gh_embedded_server_stop              (GhEmbeddedServer  *self);
/* Stops and waits for the server's thread to end: for the application's shutdown. */
void                   gh_embedded_server_stop_and_wait     (GhEmbeddedServer  *self);
/* Until the last release, a start that finished stays "starting" (its result kept). */
void                   gh_embedded_server_hold              (GhEmbeddedServer  *self);
void                   gh_embedded_server_release           (GhEmbeddedServer  *self);
/* Stop, then start again once stopped. */
void                   gh_embedded_server_restart           (GhEmbeddedServer  *self);
GhEmbeddedServerState  gh_embedded_server_get_state         (GhEmbeddedServer  *self);
const char            *gh_embedded_server_get_data_dir      (GhEmbeddedServer  *self);
const char            *gh_embedded_server_get_base_url      (GhEmbeddedServer  *self);
guint                  gh_embedded_server_get_port          (GhEmbeddedServer  *self);
const char            *gh_embedded_server_get_secrets       (GhEmbeddedServer  *self);
const char            *gh_embedded_server_get_error_message (GhEmbeddedServer  *self);
const char            *gh_embedded_server_get_port_notice   (GhEmbeddedServer  *self);
void                   gh_embedded_server_set_secret_backend (GhEmbeddedServer *self,
                                                              GhEmbeddedSecrets backend);
GhEmbeddedSecrets      gh_embedded_server_get_secret_backend (GhEmbeddedServer *self);
GhSigningProblem       gh_embedded_server_get_signing_problem (GhEmbeddedServer *self);
const char            *gh_embedded_server_get_signing_error (GhEmbeddedServer  *self);
/* The admin token the app made for itself (kept in the secret store, reused while it
 * verifies): the connection's credential while running; NULL otherwise. */
const char            *gh_embedded_server_get_admin_token   (GhEmbeddedServer  *self);
void                   gh_embedded_server_use_file_secrets  (GhEmbeddedServer  *self);

G_END_DECLS
