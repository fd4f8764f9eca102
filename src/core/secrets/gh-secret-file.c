/* gh-secret-file.c — the file backend of GhSecretStore: secrets.ini, mode 0600, locked writes
 *
 * Copyright 2026 The Gatehouse developers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "gatehouse-secrets"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <libsecret/secret.h>

#include "gh-secret-store-private.h"

#define SECRETS_GROUP         "secrets"

#define FILE_MAX_LENGTH       (4 * 1024 * 1024)

#define FILE_LOCK_TIMEOUT_MS  5000

/* A string holding secret material: wiped before it is freed. */
typedef char SecretText;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SecretText, secret_password_free)

static gboolean
read_all (int      fd,
          char    *buffer,
          gsize    size,
          gsize   *out_len)
{
  gsize len = 0;

  while (len < size)
    {
      gssize n = read (fd, buffer + len, size - len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return FALSE;
      if (n == 0)
        break;
      len += n;
    }

  *out_len = len;
  return TRUE;
}

/* Loads secrets.ini into @key_file (left empty when there is no file yet). The checks run on
 * the open descriptor, so the file checked is the file read. */
static gboolean
file_load (const GhSecretConfig  *config,
           GKeyFile              *key_file,
           GError               **error)
{
  g_autoptr(SecretText) contents = NULL;
  g_autoptr(GError) local_error = NULL;
  struct stat st;
  gsize len = 0;
  int saved_errno;
  int fd;

  fd = g_open (config->file_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0);
  if (fd < 0)
    {
      saved_errno = errno;
      if (saved_errno == ENOENT)
        return TRUE;
      if (saved_errno == ELOOP)
        g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                     "refusing to use %s: it is a symbolic link; replace it with the file itself "
                     "(mode 0600)", config->file_path);
      else
        g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                     "could not open %s: %s", config->file_path, g_strerror (saved_errno));
      return FALSE;
    }

  if (fstat (fd, &st) != 0)
    {
      saved_errno = errno;
      g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                   "could not check %s: %s", config->file_path, g_strerror (saved_errno));
      close (fd);
      return FALSE;
    }

  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                   "refusing to use %s: it is not a regular file", config->file_path);
      close (fd);
      return FALSE;
    }

  if (st.st_uid != geteuid ())
    {
      g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                   "refusing to use %s: it belongs to uid %u, not to the user running Gatehouse "
                   "(uid %u)", config->file_path, (guint) st.st_uid, (guint) geteuid ());
      close (fd);
      return FALSE;
    }

  if ((st.st_mode & 0077) != 0)
    {
      g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                   "refusing to use %s: its mode is %04o, so other users may read it; "
                   "run “chmod 600 %s” (and treat the secrets in it as exposed)",
                   config->file_path, (guint) (st.st_mode & 07777), config->file_path);
      close (fd);
      return FALSE;
    }

  if (st.st_size > FILE_MAX_LENGTH)
    {
      g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                   "refusing to use %s: it is larger than %d bytes",
                   config->file_path, FILE_MAX_LENGTH);
      close (fd);
      return FALSE;
    }

  contents = g_malloc0 (st.st_size + 1);
  if (!read_all (fd, contents, st.st_size, &len))
    {
      saved_errno = errno;
      g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                   "could not read %s: %s", config->file_path, g_strerror (saved_errno));
      close (fd);
      return FALSE;
    }
  close (fd);

  if (!g_key_file_load_from_data (key_file, contents, len, G_KEY_FILE_KEEP_COMMENTS, &local_error))
    {
      g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                   "%s is damaged (%s); fix or remove it", config->file_path,
                   local_error->message);
      return FALSE;
    }

  return TRUE;
}

static gboolean
file_save (const GhSecretConfig  *config,
           GKeyFile              *key_file,
           GError               **error)
{
  g_autoptr(SecretText) contents = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize len;

  contents = g_key_file_to_data (key_file, &len, NULL);

  /* A temporary file created 0600, then renamed: readers see the old or the new file. */
  if (!g_file_set_contents_full (config->file_path, contents, len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &local_error))
    {
      g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                   "could not write %s: %s", config->file_path, local_error->message);
      return FALSE;
    }

  return TRUE;
}

/* Takes the advisory lock that serialises writers, in this process and others. Returns the
 * descriptor to close() to release it, or -1. */
static int
file_lock (const GhSecretConfig  *config,
           GError               **error)
{
  gint64 give_up = g_get_monotonic_time () + FILE_LOCK_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;
  int saved_errno;
  int fd;

  fd = g_open (config->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
  if (fd < 0)
    {
      saved_errno = errno;
      g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                   "could not open the lock file %s: %s",
                   config->lock_path, g_strerror (saved_errno));
      return -1;
    }

  while (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      saved_errno = errno;
      if (saved_errno == EINTR)
        continue;
      if (saved_errno != EWOULDBLOCK)
        {
          g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                       "could not lock %s: %s", config->lock_path, g_strerror (saved_errno));
          close (fd);
          return -1;
        }
      if (g_get_monotonic_time () > give_up)
        {
          g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                       "another process has held %s for over %d s",
                       config->lock_path, FILE_LOCK_TIMEOUT_MS / 1000);
          close (fd);
          return -1;
        }
      g_usleep (10 * G_TIME_SPAN_MILLISECOND);
    }

  return fd;
}

gboolean
_gh_secret_file_lookup (const GhSecretOp  *op,
                        char             **out_secret,
                        GError           **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  char *value;

  if (!file_load (op->config, key_file, error))
    return FALSE;

  value = g_key_file_get_string (key_file, SECRETS_GROUP, op->name, &local_error);
  if (value == NULL &&
      !g_error_matches (local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND) &&
      !g_error_matches (local_error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND))
    {
      g_set_error (error, GH_SECRET_ERROR, GH_SECRET_ERROR_FAILED,
                   "%s is damaged (%s); fix or remove it", op->config->file_path,
                   local_error->message);
      return FALSE;
    }

  *out_secret = value;
  return TRUE;
}

gboolean
_gh_secret_file_update (const GhSecretOp  *op,
                        GError           **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  gboolean ok = FALSE;
  int lock_fd;

  lock_fd = file_lock (op->config, error);
  if (lock_fd < 0)
    return FALSE;

  /* Re-read under the lock so that another writer's change is kept, not overwritten. */
  if (file_load (op->config, key_file, error))
    {
      if (op->kind == GH_SECRET_OP_STORE)
        {
          g_key_file_set_string (key_file, SECRETS_GROUP, op->name, op->secret);
          ok = file_save (op->config, key_file, error);
        }
      else if (!g_key_file_has_key (key_file, SECRETS_GROUP, op->name, NULL))
        {
          ok = TRUE;
        }
      else
        {
          g_key_file_remove_key (key_file, SECRETS_GROUP, op->name, NULL);
          ok = file_save (op->config, key_file, error);
        }
    }

  close (lock_fd);

  return ok;
}
