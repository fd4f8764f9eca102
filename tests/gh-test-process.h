/* gh-test-process.h — a real gatehouse-server process, raw HTTP to it, strict JSON
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The gatehouse-server under test: $GATEHOUSE_SERVER. */
const char *gh_test_server_binary (void);

/* Runs `@binary @args... --data-dir=@dir --secrets=file`; returns its exit status and, when
 * @out is not NULL, its standard output. */
int         gh_test_run_cli       (const char         *binary,
                                   const char         *dir,
                                   const char * const *args,
                                   char              **out);
#define GH_TEST_CLI(binary, dir, out, ...) \
  gh_test_run_cli (binary, dir, (const char * const[]) { __VA_ARGS__, NULL }, out)

/* A GSpawnChildSetupFunc: in the child, a test that fails (and aborts) takes its servers with
 * it. */
void        gh_test_die_with_parent (gpointer user_data);

/* `gatehouse-server serve` on 127.0.0.1 port 0, its standard error written to a file. */
typedef struct
{
  GSubprocess *process;
  char        *base;      /* http://127.0.0.1:PORT */
  guint16      port;
  char        *err_path;  /* its standard error */
} GhTestProcess;

GhTestProcess *gh_test_process_start (const char    *binary,
                                      const char    *dir,
                                      const char    *name);
/* The same with @environment (NULL-terminated NAME=VALUE strings) set for the process. */
GhTestProcess *gh_test_process_start_with_env (const char         *binary,
                                               const char         *dir,
                                               const char         *name,
                                               const char * const *environment);
/* The same on 127.0.0.1:@port (a server started again where it was). */
GhTestProcess *gh_test_process_start_on (const char    *binary,
                                         const char    *dir,
                                         const char    *name,
                                         guint16        port);
/* SIGTERM; returns its wait status (0: exited with 0) and, when @err is not NULL, its
 * standard error; frees. */
int            gh_test_process_stop  (GhTestProcess *process,
                                      char         **err);
/* gh_test_process_stop(), asserting a clean exit (else failing with its standard error). */
void           gh_test_process_stop_clean (GhTestProcess *process);
/* SIGKILL, waits, frees. */
void           gh_test_process_kill  (GhTestProcess *process);
/* The process's standard error so far. */
char          *gh_test_process_stderr (GhTestProcess *process);

/* One request written as raw bytes on a fresh connection (then the writing half is shut), and
 * the answer read to the end. Blocking, usable from any thread. */
typedef struct
{
  guint   status;   /* 0: closed, reset or cut short without a whole answer */
  gboolean timed_out;
  gboolean half_closed;  /* no answer came until the writing half was shut */
  char   *head;     /* status line and headers, NUL-terminated */
  GBytes *body;     /* de-chunked */
} GhRawResponse;

GhRawResponse *gh_test_raw_http        (guint16        port,
                                        const char    *request,
                                        gsize          length,
                                        guint          timeout_ms);
void           gh_raw_response_free    (GhRawResponse *response);
/* A header's value (the first one), or NULL; a copy. */
char          *gh_raw_response_header  (GhRawResponse *response,
                                        const char    *name);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GhRawResponse, gh_raw_response_free)

/* A form POST (application/x-www-form-urlencoded, already encoded @body) as raw bytes. */
GhRawResponse *gh_test_raw_post_form   (guint16        port,
                                        const char    *path,
                                        const char    *body);

/* RFC 8259, strictly: UTF-8, no control character in a string, every escape valid, one value
 * with nothing after it but whitespace. On failure, @why says what and where. */
gboolean       gh_test_json_is_strict  (const char    *text,
                                        gsize          length,
                                        char         **why);

/* Runs the default main context until @done (@data) is TRUE
 * or @timeout_ms passed; returns @done (@data). */
gboolean       gh_test_wait_until      (gboolean     (*done) (gpointer data),
                                        gpointer       data,
                                        guint          timeout_ms);

G_END_DECLS
