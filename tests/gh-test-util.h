/* gh-test-util.h — helpers shared by the test programs
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "gh-authorization.h"
#include "gh-http.h"
#include "gh-iats.h"
#include "gh-registration.h"
#include "gh-secret-store.h"
#include "gh-server.h"
#include "gh-tokens.h"

G_BEGIN_DECLS

/* A fresh temporary directory; gh_test_remove_tree() deletes it and everything in it. */
char    *gh_test_make_tmp_dir  (const char *name);
void     gh_test_remove_tree   (const char *path);

/* A fresh temporary directory for each test, removed after it; usable as a g_test_add()
 * fixture. */
typedef struct
{
  char *dir;
} GhTestDir;

void     gh_test_dir_setup     (GhTestDir     *fixture,
                                gconstpointer  data);
void     gh_test_dir_teardown  (GhTestDir     *fixture,
                                gconstpointer  data);

/* Iterates the default main context until *@flag is TRUE or @timeout_ms passes. */
gboolean gh_test_wait_for      (const gboolean *flag,
                                guint           timeout_ms);

/* A data directory for the secret store that does not exist yet (two levels below a fresh
 * temporary directory, so the store creates both) and where its key file would be; usable as
 * a g_test_add() fixture. */
typedef struct
{
  char *tmp_dir;
  char *data_dir;
  char *file_path;
} GhTestSecretDir;

void     gh_test_secret_dir_setup    (GhTestSecretDir *fixture,
                                      gconstpointer    data);
void     gh_test_secret_dir_teardown (GhTestSecretDir *fixture,
                                      gconstpointer    data);

/* A GAsyncReadyCallback that keeps the result in the GAsyncResult * at @user_data, and the wait
 * (on the default main context) until it is there; the result is the caller's. */
void          gh_test_async_ready  (GObject        *source,
                                    GAsyncResult   *result,
                                    gpointer        user_data);
GAsyncResult *gh_test_async_wait   (GAsyncResult  **slot);

/* The secret store's synchronous calls, asserted to succeed: the value under @name is
 * @expected (NULL: none); @secret is stored under @name. */
void     gh_test_assert_secret (GhSecretStore  *store,
                                const char     *name,
                                const char     *expected);
void     gh_test_store_secret  (GhSecretStore  *store,
                                const char     *name,
                                const char     *secret);

/* g_test_expect_message() for structured logging (G_LOG_USE_STRUCTURED), which GLib's own
 * does not see: the next message of @log_domain at @log_level matching @pattern is swallowed
 * instead of written (and, with G_DEBUG=fatal-warnings, instead of aborting). */
void     gh_test_expect_message          (const char     *log_domain,
                                          GLogLevelFlags  log_level,
                                          const char     *pattern);
/* Fails the test when an expected message has not been seen. */
void     gh_test_assert_expected_messages (void);

/* One HTTP exchange, run on the default main context (the server under test shares it). */
typedef struct
{
  guint               status;
  SoupMessageHeaders *headers;
  GBytes             *body;
} GhTestResponse;

void            gh_test_response_free   (GhTestResponse *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhTestResponse, gh_test_response_free)

/* @request_headers: NULL-terminated name, value pairs; @content_type/@body may be NULL. */
GhTestResponse *gh_test_http            (SoupSession        *session,
                                         const char         *method,
                                         const char         *url,
                                         const char * const *request_headers,
                                         const char         *content_type,
                                         const char         *body);
typedef enum
{
  GH_TEST_HTTP_DEFAULT = 0,
  GH_TEST_HTTP_NO_REDIRECT = 1 << 0,  /* see a 3xx itself (SOUP_MESSAGE_NO_REDIRECT) */
} GhTestHttpFlags;

/* gh_test_http() with @flags; @body may hold any bytes (NULL: no body). */
GhTestResponse *gh_test_http_full       (SoupSession        *session,
                                         const char         *method,
                                         const char         *url,
                                         const char * const *request_headers,
                                         const char         *content_type,
                                         GBytes             *body,
                                         GhTestHttpFlags     flags);
/* Sends @n copies of one request at once over @session and waits for every answer; returns
 * the GhTestResponses in the order sent. */
GPtrArray      *gh_test_http_parallel   (SoupSession        *session,
                                         guint               n,
                                         const char         *method,
                                         const char         *url,
                                         const char * const *request_headers,
                                         const char         *content_type,
                                         const char         *body);
/* The body parsed as a JSON object (asserts it is one). */
JsonObject     *gh_test_response_json   (GhTestResponse     *response);
const char     *gh_test_response_header (GhTestResponse     *response,
                                         const char         *name);

/* The body as a NUL-terminated string. */
char           *gh_test_response_text   (GhTestResponse     *response);
/* The Location header's query, parsed; asserts the Location is @prefix followed by a query. */
GhForm         *gh_test_response_location_query (GhTestResponse *response,
                                                 const char     *prefix);

/* A NULL-terminated list of name, value pairs, as the helpers below take them. */
#define GH_TEST_PAIRS(...) ((const char * const[]) { __VA_ARGS__, NULL })

/* application/x-www-form-urlencoded from NULL-terminated name, value pairs (a NULL value
 * leaves the pair out). */
char           *gh_test_form_encode     (const char * const *pairs);
/* "Basic ..." for RFC 6749 §2.3.1 client credentials. */
char           *gh_test_basic_auth      (const char         *client_id,
                                         const char         *secret);
/* A fresh PKCE verifier and its S256 challenge. */
void            gh_test_pkce_pair       (char              **verifier,
                                         char              **challenge);

/* A real server on 127.0.0.1, port 0, with the file secret backend and the development
 * profile; usable as a g_test_add() fixture. */
typedef struct
{
  char        *dir;
  GhServer    *server;
  SoupSession *session;  /* a program: no cookies */
  SoupSession *browser;  /* a browser: keeps cookies */
  const char  *issuer;   /* the default project's */
} GhTestServer;

void            gh_test_server_setup    (GhTestServer       *fixture,
                                         gconstpointer       data);
void            gh_test_server_teardown (GhTestServer       *fixture,
                                         gconstpointer       data);
/* Sets one setting of the default project, in its text form. */
void            gh_test_server_set      (GhTestServer       *fixture,
                                         const char         *key,
                                         const char         *value);
GhProject      *gh_test_server_project  (GhTestServer       *fixture);
/* Creates project @slug (display name @display_name) with @profile's defaults, as
 * `project create` does. */
void            gh_test_server_add_project (GhTestServer      *fixture,
                                            const char        *slug,
                                            const char        *display_name,
                                            GhSettingsProfile  profile);
/* Registers @client_id from RFC 7591 metadata in JSON (token_endpoint_auth_method defaults to
 * none); returns the secret of a confidential client, else NULL. */
char           *gh_test_server_add_client (GhTestServer     *fixture,
                                           const char       *client_id,
                                           const char       *metadata_json);
void            gh_test_server_add_user (GhTestServer       *fixture,
                                         const char         *username,
                                         const char         *name,
                                         const char         *email);
void            gh_test_server_add_resource (GhTestServer   *fixture,
                                             const char     *uri,
                                             const char     *scopes);
/* One request to @path (below the issuer, query included), never following redirects. */
GhTestResponse *gh_test_server_request  (GhTestServer       *fixture,
                                         SoupSession        *session,
                                         const char         *method,
                                         const char         *path,
                                         const char * const *request_headers,
                                         const char         *content_type,
                                         const char         *body);
/* POSTs @pairs as a form to @path. */
GhTestResponse *gh_test_server_post_form (GhTestServer      *fixture,
                                          const char        *path,
                                          const char * const *pairs,
                                          const char * const *request_headers);
/* How many audit events of @type the store holds. */
guint           gh_test_server_count_audit (GhTestServer    *fixture,
                                            const char      *type);
/* The details of the last audit event of @type, with its columns as "@client_id",
 * "@user_id", "@flow_id" and "@outcome" (those that are set); fails the test when there is
 * none. */
JsonObject     *gh_test_server_last_audit (GhTestServer     *fixture,
                                           const char       *type);
/* Runs /authorize with @pairs for @session; asserts a redirect to @redirect_uri with a code
 * and returns the code. */
char           *gh_test_server_authorize_code (GhTestServer *fixture,
                                               SoupSession  *session,
                                               const char   *redirect_uri,
                                               const char * const *pairs);

/* The value of the hidden input @name on the page @html (asserts there is one). */
char           *gh_test_hidden_value    (const char         *html,
                                         const char         *name);

/* A JSON object from @text (asserts it is one). */
JsonObject     *gh_test_parse_object    (const char         *text);

/* Whether @doc's @member is an array holding the string @value. */
gboolean        gh_test_json_array_has  (JsonObject         *doc,
                                         const char         *member,
                                         const char         *value);

/* How many audit events of @type @store holds. */
guint           gh_test_count_audit     (GhStore            *store,
                                         const char         *type);
/* The newest audit event of @type (asserts there is one): its details, and its client_id and
 * actor columns when asked for. */
JsonObject     *gh_test_last_audit      (GhStore            *store,
                                         const char         *type,
                                         char              **out_client_id,
                                         char              **out_actor);

/* The domain services without HTTP, built as the server builds them on a fresh data dir (file
 * secret backend, development profile, an ES256 signing key); usable as a g_test_add()
 * fixture. @project is the default project, reloaded by gh_test_services_set(). */
typedef struct
{
  char            *dir;
  GhStore         *store;
  GhAudit         *audit;
  GhProjects      *projects;
  GhSecretStore   *secrets;
  GhSigningKeys   *keys;
  GhClients       *clients;
  GhUsers         *users;
  GhResources     *resources;
  GhIats          *iats;
  GhAuthorization *authorization;
  GhTokens        *tokens;
  GhRegistration  *registration;
  GhProject       *project;
  const char      *issuer;  /* a made-up one: nothing listens */
  GhClient        *client;  /* with gh_test_services_setup_flow(): "app", public, returning to
                             * GH_TEST_SERVICES_REDIRECT, with both grants */
  GhUser          *user;    /* and "alice" */
} GhTestServices;

#define GH_TEST_SERVICES_REDIRECT "http://127.0.0.1/cb"

void            gh_test_services_setup    (GhTestServices *fixture,
                                           gconstpointer   data);
void            gh_test_services_setup_flow (GhTestServices *fixture,
                                             gconstpointer   data);
void            gh_test_services_teardown (GhTestServices *fixture,
                                           gconstpointer   data);
/* Sets one setting of the default project, in its text form, and reloads @project. */
void            gh_test_services_set      (GhTestServices *fixture,
                                           const char     *key,
                                           const char     *value);
/* A client from RFC 7591 metadata in JSON, made by an administrator; *@out_secret (may be
 * NULL) gets a confidential client's secret. */
GhClient       *gh_test_services_add_client (GhTestServices *fixture,
                                             const char     *client_id,
                                             const char     *metadata_json,
                                             char          **out_secret);
/* The IAT @id of the default project, as `iat list` shows it (asserts there is one). */
GhIat          *gh_test_services_find_iat (GhTestServices *fixture,
                                           const char     *id);
/* A user of the default project. */
GhUser         *gh_test_services_add_user (GhTestServices *fixture,
                                           const char     *username);
/* What /authorize ends with for @user, auto-approved: the checked request (response_type=code,
 * PKCE S256, @scope unless NULL) and a code; *@out_verifier gets the PKCE verifier. */
char           *gh_test_services_issue_code (GhTestServices *fixture,
                                             const char     *client_id,
                                             const char     *redirect_uri,
                                             const char     *scope,
                                             const GhUser   *user,
                                             char          **out_verifier);
/* A form from name, value pairs (see gh_test_form_encode()). */
GhForm         *gh_test_form            (const char * const *pairs);

G_END_DECLS
