/* gh-server-record.c — server.json: which server listens on a data directory, and where
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gh-server-record.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define RECORD_FILE "server.json"

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

static char *
record_path (const char *data_dir)
{
  return g_build_filename (data_dir, RECORD_FILE, NULL);
}

static gboolean
save (const char  *data_dir,
      JsonObject  *object,
      GError     **error)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *path = record_path (data_dir);
  g_autofree char *text = NULL;

  json_node_set_object (node, object);
  text = json_to_string (node, TRUE);
  return g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

static JsonObject *
load (const char  *data_dir,
      GError     **error)
{
  g_autofree char *path = record_path (data_dir);
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

gboolean
gh_server_record_write (const char  *data_dir,
                        const char  *url,
                        const char  *issuer_base,
                        gint64       started_at,
                        GError     **error)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autofree char *identity = process_identity (getpid ());

  g_return_val_if_fail (data_dir != NULL, FALSE);
  g_return_val_if_fail (url != NULL, FALSE);

  json_object_set_string_member (object, "url", url);
  json_object_set_string_member (object, "issuer_base", issuer_base != NULL ? issuer_base : url);
  json_object_set_int_member (object, "pid", getpid ());
  json_object_set_string_member (object, "process", identity);
  json_object_set_int_member (object, "started_at", started_at);
  json_object_set_string_member (object, "version", PACKAGE_VERSION);
  return save (data_dir, object, error);
}

void
gh_server_record_stop (const char *data_dir,
                       const char *url)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (data_dir != NULL);

  object = load (data_dir, NULL);
  /* Another server may have taken the data directory over since: its record stays. */
  if (object == NULL ||
      json_object_get_int_member_with_default (object, "pid", 0) != getpid () ||
      g_strcmp0 (json_object_get_string_member_with_default (object, "url", NULL), url) != 0 ||
      json_object_has_member (object, "stopped_at"))
    return;
  json_object_set_int_member (object, "stopped_at", g_get_real_time () / G_USEC_PER_SEC);
  if (!save (data_dir, object, &error))
    g_message ("Could not record the stop in %s: %s", data_dir, error->message);
}

GhServerRecord *
gh_server_record_read (const char  *data_dir,
                       GError     **error)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GhServerRecord) record = NULL;
  const char *url;

  g_return_val_if_fail (data_dir != NULL, NULL);

  object = load (data_dir, error);
  if (object == NULL)
    return NULL;
  url = json_object_get_string_member_with_default (object, "url", NULL);
  if (url == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s/" RECORD_FILE " names no url",
                   data_dir);
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
