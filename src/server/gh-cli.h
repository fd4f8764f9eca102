/* gh-cli.h — what every gatehouse-server command shares: options, opening, printing
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gh-server.h"

G_BEGIN_DECLS

/* Exit statuses: 0 done, 1 failed (EXIT_FAILURE), 2 refused what the command line said. */
#define GH_CLI_EXIT_USAGE 2

typedef struct _GhCli GhCli;

/* Removes the thing of the project that cli->argv[1] names (client delete, user remove,
 * resource remove, iat revoke). */
typedef gboolean (*GhCliRemoveFunc) (GhCli   *cli,
                                     GError **error);

typedef enum
{
  GH_CLI_NONE = 0,
  /* Open the data directory (and the --project, when the command takes it) before run();
   * a command that checks more of its command line first calls gh_cli_open() itself. */
  GH_CLI_OPEN = 1 << 0,
} GhCliFlags;

/* One command: how it is listed, parsed and run. */
typedef struct
{
  const char   *name;        /* "project set" */
  const char   *arguments;   /* after the name in its --help: "SLUG KEY=VALUE..." */
  const char   *usage;       /* after the name in the command list; NULL: @arguments */
  const char   *summary;     /* its line in the command list */
  const char   *help;        /* the summary of its --help */
  /* Option groups in --help order: the first before --data-dir and --secrets, the others
   * after them (gh_cli_project_options, gh_cli_json_options or the command's own). */
  const GOptionEntry *options[3];
  /* How many arguments it takes (@max_args -1: any number), checked unless @args_text is
   * NULL; the usage error then says "NAME takes ARGS_TEXT". */
  int           min_args;
  int           max_args;
  const char   *args_text;
  GhCliFlags    flags;
  /* The text after the options in --help; NULL for none. */
  char       *(*describe) (void);
  int         (*run)      (GhCli *cli);
  /* Instead of @run, for a removal: @remove, then "@removed NAME" is printed. */
  GhCliRemoveFunc remove;
  const char     *removed;
} GhCliCommand;

/* A command being run. */
struct _GhCli
{
  const GhCliCommand *command;
  GOptionContext     *context;  /* for gh_cli_usage_error() */
  int                 argc;
  char              **argv;     /* argv[0] is the command's name, then its arguments */
  gboolean            json;     /* --json */
  GhServer           *server;   /* once opened */
  GhProject          *project;  /* once opened, for a command that takes --project */
};

extern const GOptionEntry gh_cli_project_options[];
extern const GOptionEntry gh_cli_json_options[];

/* Parses the command line (argv[0] the command's name), checks the number of arguments,
 * opens what GH_CLI_OPEN asks for and runs the command. Returns the exit status. */
int         gh_cli_run                (const GhCliCommand  *command,
                                       int                  argc,
                                       char               **argv);

/* Prints "gatehouse-server: MESSAGE", then @context's help unless it is NULL; returns
 * GH_CLI_EXIT_USAGE. */
int         gh_cli_usage_error        (GOptionContext      *context,
                                       const char          *format,
                                       ...) G_GNUC_PRINTF (2, 3);
/* Prints @error; returns EXIT_FAILURE. */
int         gh_cli_fail               (const GError        *error);
/* gh_cli_fail(), but GH_CLI_EXIT_USAGE when @error refuses a value given on the command line
 * (a malformed URI, a setting out of range) rather than reporting a failure. */
int         gh_cli_fail_arguments     (const GError        *error);

/* --data-dir, else $GATEHOUSE_DATA_DIR, else $XDG_DATA_HOME/gatehouse. */
char       *gh_cli_resolve_data_dir   (void);
GhServer   *gh_cli_open_server        (GhSettingsProfile    profile,
                                       GError             **error);
/* Opens the data directory into @cli->server and, for a command that takes --project, finds
 * the project into @cli->project; prints why and returns FALSE when it cannot. */
gboolean    gh_cli_open               (GhCli               *cli);

void        gh_cli_print_json         (JsonObject          *object);
typedef JsonObject *(*GhCliToJson) (gpointer item,
                                    gpointer user_data);
/* Prints @object (NULL: an empty one) with one more member, @member: [@to_json (item,
 * @user_data) for each of @items]. */
void        gh_cli_print_json_list    (JsonObject          *object,
                                       const char          *member,
                                       GPtrArray           *items,
                                       GhCliToJson          to_json,
                                       gpointer             user_data);
/* One row of a table: each cell padded to its width in @widths (0-terminated), one space
 * between, then one more cell as it is. */
void        gh_cli_print_row          (const int           *widths,
                                       ...);

/* "2026-01-31 12:00:00Z"; "-" for 0. */
char       *gh_cli_format_time        (gint64               unix_seconds);
/* "5 min", "1 h 30 min", "45 s": a span in words, to the second. */
char       *gh_cli_format_duration    (gint64               seconds);

/* The commands, one file a group (gh-cli-<group>.c). */
extern const GhCliCommand gh_cli_serve;
extern const GhCliCommand gh_cli_status;
extern const GhCliCommand gh_cli_project_list;
extern const GhCliCommand gh_cli_project_show;
extern const GhCliCommand gh_cli_project_create;
extern const GhCliCommand gh_cli_project_set;
extern const GhCliCommand gh_cli_keys_list;
extern const GhCliCommand gh_cli_keys_rotate;
extern const GhCliCommand gh_cli_client_create;
extern const GhCliCommand gh_cli_client_list;
extern const GhCliCommand gh_cli_client_show;
extern const GhCliCommand gh_cli_client_delete;
extern const GhCliCommand gh_cli_user_add;
extern const GhCliCommand gh_cli_user_list;
extern const GhCliCommand gh_cli_user_remove;
extern const GhCliCommand gh_cli_resource_add;
extern const GhCliCommand gh_cli_resource_list;
extern const GhCliCommand gh_cli_resource_remove;
extern const GhCliCommand gh_cli_iat_issue;
extern const GhCliCommand gh_cli_iat_list;
extern const GhCliCommand gh_cli_iat_revoke;
extern const GhCliCommand gh_cli_cimd_resolve;
extern const GhCliCommand gh_cli_cimd_import;
extern const GhCliCommand gh_cli_cimd_refresh;
extern const GhCliCommand gh_cli_admin_token_create;
extern const GhCliCommand gh_cli_admin_token_list;
extern const GhCliCommand gh_cli_admin_token_revoke;

G_END_DECLS
