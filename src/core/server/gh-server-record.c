/* gh-server-record.c — server.d/<pid>.json: which servers listen on a data directory, and where
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-server"

#include "config.h"

#include "gh-server-record.h"
#include "gh-time.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

void
gh_server_record_free (GhServerRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->url);
  g_free (record->issuer_base);
  g_free (record);
}

/* What tells this process from a later one that reuses its pid: the boot and the process's
 * start time in clock ticks since boot (Linux /proc; empty elsewhere, then the pid alone). */
static char *
process_identity (gint64 pid)
{
  g_autofree char *stat_path = g_strdup_printf ("/proc/%" G_GINT64_FORMAT "/stat", pid);
  g_autofree char *stat = NULL;
  g_autofree char *boot = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after;

  if (!g_file_get_contents (stat_path, &stat, NULL, NULL) ||
      !g_file_get_contents ("/proc/sys/kernel/random/boot_id", &boot, NULL, NULL))
    return g_strdup ("");
  /* "pid (comm) state ppid ...": comm may hold spaces and parentheses; field 22 is the start
   * time, the 20th after the last ')'. */
  after = strrchr (stat, ')');
  if (after == NULL)
    return g_strdup ("");
  fields = g_strsplit (after + 1, " ", 0);
  if (g_strv_length (fields) < 21)
    return g_strdup ("");
  return g_strdup_printf ("%s/%s", g_strstrip (boot), fields[20]);
}

static gboolean
process_alive (gint64      pid,
               const char *identity)
{
  g_autofree char *now = NULL;

  if (pid <= 0 || pid > G_MAXINT)
    return FALSE;
  if (kill ((pid_t) pid, 0) != 0 && errno != EPERM)
    return FALSE;
  if (identity == NULL || *identity == '\0')
    return TRUE;
  now = process_identity (pid);
  return *now == '\0' || g_str_equal (now, identity);
}

#define RECORD_DIR "server.d"
#define LEGACY_FILE "server.json"  /* one file for all servers, before server.d */

static char *
record_path (const char *data_dir,
             gint64      pid)
{
  g_autofree char *name = g_strdup_printf ("%" G_GINT64_FORMAT ".json", pid);

  return g_build_filename (data_dir, RECORD_DIR, name, NULL);
}

static gboolean
save (const char  *path,
      JsonObject  *object,
      GError     **error)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;

  json_node_set_object (node, object);
  text = json_to_string (node, TRUE);
  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

static JsonObject *
load (const char  *path,
      GError     **error)
{
  g_autofree char *text = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  if (!json_parser_load_from_data (parser, text, -1, error))
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s is not a JSON object", path);
      return NULL;
    }
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static GhServerRecord *
record_from_json (JsonObject  *object,
                  const char  *path,
                  GError     **error)
{
  g_autoptr(GhServerRecord) record = NULL;
  const char *url = json_object_get_string_member_with_default (object, "url", NULL);

  if (url == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s names no url", path);
      return NULL;
    }
  record = g_new0 (GhServerRecord, 1);
  record->url = g_strdup (url);
  record->issuer_base = g_strdup (json_object_get_string_member_with_default (object,
                                                                              "issuer_base",
                                                                              url));
  record->pid = json_object_get_int_member_with_default (object, "pid", 0);
  record->started_at = json_object_get_int_member_with_default (object, "started_at", 0);
  record->stopped_at = json_object_get_int_member_with_default (object, "stopped_at", 0);
  if (record->stopped_at == 0)
    {
      record->running = process_alive (record->pid,
                                       json_object_get_string_member_with_default (object,
                                                                                   "process",
                                                                                   NULL));
      record->stale = !record->running;
    }
  return g_steal_pointer (&record);
}

/* Running servers first, the one started last first; then the past ones, the one that
 * stopped (or, after a crash, started) last first. */
static int
compare_records (gconstpointer a,
                 gconstpointer b)
{
  const GhServerRecord *x = *(GhServerRecord * const *) a;
  const GhServerRecord *y = *(GhServerRecord * const *) b;
  gint64 x_when = x->stopped_at != 0 ? x->stopped_at : x->started_at;
  gint64 y_when = y->stopped_at != 0 ? y->stopped_at : y->started_at;

  if (x->running != y->running)
    return x->running ? -1 : 1;
  if (x_when != y_when)
    return x_when > y_when ? -1 : 1;
  return x->pid > y->pid ? -1 : x->pid < y->pid ? 1 : 0;
}

/* Every record in @data_dir with its path, in no order; a record that cannot be read (being
 * replaced, damaged) is left out. */
static GPtrArray *
read_records (const char  *data_dir,
              GPtrArray  **paths,
              GError     **error)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                 gh_server_record_free);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *dir_path = g_build_filename (data_dir, RECORD_DIR, NULL);
  g_autofree char *legacy = g_build_filename (data_dir, LEGACY_FILE, NULL);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *name;

  g_ptr_array_add (names, g_steal_pointer (&legacy));
  dir = g_dir_open (dir_path, 0, &local_error);
  if (dir == NULL && !g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".json") && name[0] != '.')
      g_ptr_array_add (names, g_build_filename (dir_path, name, NULL));

  for (guint i = 0; i < names->len; i++)
    {
      const char *path = g_ptr_array_index (names, i);
      g_autoptr(GError) read_error = NULL;
      g_autoptr(JsonObject) object = load (path, &read_error);
      GhServerRecord *record = object != NULL ? record_from_json (object, path, &read_error)
                                              : NULL;

      if (record == NULL)
        {
          if (!g_error_matches (read_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            g_message ("Skipping the server record %s: %s", path, read_error->message);
          g_ptr_array_remove_index (names, i--);
          continue;
        }
      g_ptr_array_add (records, record);
    }
  if (paths != NULL)
    *paths = g_steal_pointer (&names);
  return g_steal_pointer (&records);
}

/* Removes the records of servers that are gone (stopped or crashed), but this process's own:
 * the caller's record is then the newest past one. */
static void
forget_past_servers (const char *data_dir)
{
  g_autoptr(GPtrArray) paths = NULL;
  g_autoptr(GPtrArray) records = read_records (data_dir, &paths, NULL);

  for (guint i = 0; records != NULL && i < records->len; i++)
    {
      GhServerRecord *record = g_ptr_array_index (records, i);

      if (!record->running && record->pid != getpid ())
        g_unlink (g_ptr_array_index (paths, i));
    }
}

gboolean
gh_server_record_write (const char  *data_dir,
                        const char  *url,
                        const char  *issuer_base,
                        gint64       started_at,
                        GError     **error)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autofree char *identity = process_identity (getpid ());
  g_autofree char *dir_path = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (data_dir != NULL, FALSE);
  g_return_val_if_fail (url != NULL, FALSE);

  dir_path = g_build_filename (data_dir, RECORD_DIR, NULL);
  if (g_mkdir_with_parents (dir_path, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "Could not create %s: %s", dir_path, g_strerror (saved_errno));
      return FALSE;
    }
  json_object_set_string_member (object, "url", url);
  json_object_set_string_member (object, "issuer_base", issuer_base != NULL ? issuer_base : url);
  json_object_set_int_member (object, "pid", getpid ());
  json_object_set_string_member (object, "process", identity);
  json_object_set_int_member (object, "started_at", started_at);
  json_object_set_string_member (object, "version", PACKAGE_VERSION);
  path = record_path (data_dir, getpid ());
  if (!save (path, object, error))
    return FALSE;
  forget_past_servers (data_dir);
  return TRUE;
}

void
gh_server_record_stop (const char *data_dir,
                       const char *url)
{
  g_autofree char *path = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (data_dir != NULL);

  /* Only this process writes its own record: no other server can race this edit. */
  path = record_path (data_dir, getpid ());
  object = load (path, NULL);
  if (object == NULL ||
      json_object_get_int_member_with_default (object, "pid", 0) != getpid () ||
      g_strcmp0 (json_object_get_string_member_with_default (object, "url", NULL), url) != 0 ||
      json_object_has_member (object, "stopped_at"))
    return;
  json_object_set_int_member (object, "stopped_at", gh_now_seconds ());
  if (!save (path, object, &error))
    {
      g_message ("Could not record the stop in %s: %s", data_dir, error->message);
      return;
    }
  forget_past_servers (data_dir);
}

GPtrArray *
gh_server_record_read_all (const char  *data_dir,
                           GError     **error)
{
  GPtrArray *records;

  g_return_val_if_fail (data_dir != NULL, NULL);

  records = read_records (data_dir, NULL, error);
  if (records != NULL)
    g_ptr_array_sort (records, compare_records);
  return records;
}

GhServerRecord *
gh_server_record_read (const char  *data_dir,
                       GError     **error)
{
  g_autoptr(GPtrArray) records = NULL;

  g_return_val_if_fail (data_dir != NULL, NULL);

  records = gh_server_record_read_all (data_dir, error);
  if (records == NULL)
    return NULL;
  if (records->len == 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "No server has run on %s",
                   data_dir);
      return NULL;
    }
  return g_ptr_array_steal_index (records, 0);
}

/* A record's members: where it listens, its issuer, pid and start, then its uptime while it
 * runs, or how it stopped. */
void
gh_server_record_add_json_members (JsonObject           *object,
                                   const GhServerRecord *record,
                                   gint64                now)
{
  json_object_set_string_member (object, "url", record->url);
  json_object_set_string_member (object, "issuer", record->issuer_base);
  json_object_set_int_member (object, "pid", record->pid);
  json_object_set_int_member (object, "started_at", record->started_at);
  if (record->running)
    json_object_set_int_member (object, "uptime_s", MAX (now - record->started_at, 0));
  if (record->stopped_at != 0)
    json_object_set_int_member (object, "stopped_at", record->stopped_at);
  if (!record->running)
    json_object_set_boolean_member (object, "stopped_cleanly", record->stopped_at != 0);
}
