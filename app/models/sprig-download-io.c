/* SPDX-License-Identifier: Apache-2.0
 *
 * The part file of a SprigDownload, always on worker threads: opening and re-hashing it
 * to resume, writing and hashing each chunk, and at the end the SHA-256 check, the
 * engine's validation and the installation into the models folder. Only one of these
 * runs at a time for a download, so the file descriptor and checksum need no lock.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "sprig-download-private.h"

#define REHASH_CHUNK (1024 * 1024)

static gboolean
check_space (SprigDownload *self,
             guint64        part_size,
             GError       **error)
{
  g_autoptr(GFile) dir = g_file_new_for_path (self->dir);
  g_autoptr(GFileInfo) info = NULL;
  guint64 need, free_bytes;

  if (self->expected_size == 0)
    return TRUE;
  info = g_file_query_filesystem_info (dir, G_FILE_ATTRIBUTE_FILESYSTEM_FREE, NULL, NULL);
  if (info == NULL || !g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE))
    return TRUE;
  need = self->expected_size - MIN (part_size, self->expected_size) + self->disk_margin;
  free_bytes = g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE);
  if (free_bytes >= need)
    return TRUE;
  {
    g_autofree char *need_text = g_format_size (need);
    g_autofree char *free_text = g_format_size (free_bytes);

    g_set_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_NO_SPACE,
                 _("Not enough free disk space: the download needs %s, only %s are free."),
                 need_text, free_text);
  }
  return FALSE;
}

/* Hashes what an earlier run left in the part file, so the final SHA-256 covers it. */
static gboolean
rehash_part (SprigDownload *self,
             guint64        size,
             GCancellable  *cancellable,
             GError       **error)
{
  g_autofree char *buf = g_malloc (REHASH_CHUNK);
  guint64 done = 0;

  while (done < size)
    {
      gssize n = pread (self->fd, buf, (gsize) MIN (REHASH_CHUNK, size - done), (off_t) done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          g_propagate_error (error, _sprig_models_errno_error (n < 0 ? errno : EIO, SPRIG_FILE_OP_READ,
                                                               self->part_path));
          return FALSE;
        }
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      g_checksum_update (self->sha, (const guchar *) buf, n);
      done += (guint64) n;
    }
  return TRUE;
}

static gboolean
open_part (SprigDownload *self,
           guint64       *size,
           GError       **error)
{
  GStatBuf st;

  self->fd = g_open (self->part_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (self->fd < 0)
    {
      g_propagate_error (error,
                         _sprig_models_errno_error (errno, SPRIG_FILE_OP_CREATE, self->part_path));
      return FALSE;
    }
  if (flock (self->fd, LOCK_EX | LOCK_NB) != 0)
    {
      g_set_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_FAILED,
                   _("“%s” is already being downloaded."), self->file_name);
      return FALSE;
    }
  if (fstat (self->fd, &st) != 0)
    {
      g_propagate_error (error,
                         _sprig_models_errno_error (errno, SPRIG_FILE_OP_READ, self->part_path));
      return FALSE;
    }
  *size = (guint64) st.st_size;
  /* Longer than the file can be: it holds something else; start over. */
  if (self->expected_size > 0 && *size > self->expected_size)
    {
      if (ftruncate (self->fd, 0) != 0)
        {
          g_propagate_error (error,
                             _sprig_models_errno_error (errno, SPRIG_FILE_OP_WRITE, self->part_path));
          return FALSE;
        }
      *size = 0;
    }
  return TRUE;
}

static void
prepare_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  SprigDownload *self = source;
  GError *error = NULL;
  guint64 size = 0;

  g_clear_pointer (&self->sha, g_checksum_free);
  self->sha = g_checksum_new (G_CHECKSUM_SHA256);
  if (self->fd >= 0)
    {
      close (self->fd);
      self->fd = -1;
    }
  if (!_sprig_model_ensure_dir (self->dir, &error) || !open_part (self, &size, &error)
      || !check_space (self, size, &error) || !rehash_part (self, size, cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_int (task, (gssize) size);
}

static void
prepare_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  SprigDownload *self = SPRIG_DOWNLOAD (source);
  GError *error = NULL;
  gssize size = g_task_propagate_int (G_TASK (result), &error);

  _sprig_download_prepare_done (self, size < 0 ? 0 : (guint64) size, error);
}

void
_sprig_download_prepare (SprigDownload *self)
{
  g_autoptr(GTask) task = g_task_new (self, self->attempt_cancel, prepare_cb, NULL);

  g_task_set_check_cancellable (task, FALSE);
  g_task_run_in_thread (task, prepare_thread);
}

void
_sprig_download_prepare_done (SprigDownload *self,
                              guint64        part_size,
                              GError        *error)
{
  if (self->stop == STOP_CANCEL)
    {
      g_clear_error (&error);
      _sprig_download_discard (self, TRUE, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                                _("The download was cancelled.")));
      return;
    }
  if (error != NULL)
    {
      _sprig_download_discard (self, FALSE, error);
      return;
    }
  self->bytes_done = part_size;
  self->truncate_next = FALSE;
  _sprig_download_progress (self, TRUE);
  if (self->pause_requested)
    _sprig_download_set_state (self, SPRIG_DOWNLOAD_PAUSED);
  else
    _sprig_download_start_attempt (self);
}

typedef struct
{
  GBytes *chunk;
  guint64 offset;
  gboolean truncate;
} WriteJob;

static void
write_job_free (WriteJob *job)
{
  g_bytes_unref (job->chunk);
  g_free (job);
}

static void
write_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  SprigDownload *self = source;
  WriteJob *job = task_data;
  gsize len = 0, done = 0;
  const guint8 *data = g_bytes_get_data (job->chunk, &len);

  if (job->truncate)
    {
      if (ftruncate (self->fd, 0) != 0)
        {
          g_task_return_error (task,
                               _sprig_models_errno_error (errno, SPRIG_FILE_OP_WRITE, self->part_path));
          return;
        }
      g_checksum_reset (self->sha);
    }
  while (done < len)
    {
      gssize n = pwrite (self->fd, data + done, len - done, (off_t) (job->offset + done));

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          g_task_return_error (task,
                               _sprig_models_errno_error (errno, SPRIG_FILE_OP_WRITE, self->part_path));
          return;
        }
      done += (gsize) n;
    }
  g_checksum_update (self->sha, data, (gssize) len);
  g_task_return_boolean (task, TRUE);
}

static void
write_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  WriteJob *job = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  g_task_propagate_boolean (G_TASK (result), &error);
  _sprig_download_write_done (SPRIG_DOWNLOAD (source), g_bytes_get_size (job->chunk), error);
}

void
_sprig_download_write (SprigDownload *self,
                       GBytes        *chunk)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, write_cb, NULL);
  WriteJob *job = g_new0 (WriteJob, 1);

  job->chunk = g_bytes_ref (chunk);
  job->offset = self->bytes_done;
  job->truncate = self->truncate_next;
  self->truncate_next = FALSE;
  self->write_busy = TRUE;
  g_task_set_task_data (task, job, (GDestroyNotify) write_job_free);
  g_task_run_in_thread (task, write_thread);
}

static void
close_part (SprigDownload *self)
{
  if (self->fd >= 0)
    close (self->fd);
  self->fd = -1;
}

static gboolean
verify (SprigDownload *self,
        const char    *digest,
        GCancellable  *cancellable,
        GError       **error)
{
  const char *expected = self->expected_sha256 ? self->expected_sha256 : self->server_sha256;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (expected != NULL && g_strcmp0 (digest, expected) != 0)
    {
      g_set_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_CHECKSUM,
                   _("The downloaded file of “%s” is damaged: its SHA-256 checksum does not "
                     "match the published one. It was deleted; please download it again."),
                   self->file_name);
      return FALSE;
    }
  return sprig_model_validate (self->part_path, error);
}

static void
finalize_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  SprigDownload *self = source;
  g_autofree char *digest = g_strdup (g_checksum_get_string (self->sha));
  g_autofree char *path = NULL;
  SprigModelSidecar sidecar = { 0 };
  GError *error = NULL;
  SprigModelInfo *info;

  if (fsync (self->fd) != 0)
    error = _sprig_models_errno_error (errno, SPRIG_FILE_OP_WRITE, self->part_path);
  close_part (self);
  if (error != NULL || !verify (self, digest, cancellable, &error))
    {
      g_unlink (self->part_path);
      g_task_return_error (task, error);
      return;
    }
  sidecar.source = self->url;
  sidecar.sha256 = digest;
  sidecar.verified = self->expected_sha256 != NULL || self->server_sha256 != NULL;
  sidecar.added = g_get_real_time () / G_USEC_PER_SEC;
  path = _sprig_model_install (self->dir, self->part_path, self->file_name, &sidecar, &error);
  if (path == NULL || (info = sprig_model_info_read (path, &error)) == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, info, (GDestroyNotify) sprig_model_info_free);
}

static void
finalize_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  SprigDownload *self = SPRIG_DOWNLOAD (source);
  GError *error = NULL;
  SprigModelInfo *info = g_task_propagate_pointer (G_TASK (result), &error);

  if (info != NULL)
    _sprig_download_return_info (self, info);
  else
    _sprig_download_return_error (self, error);
}

void
_sprig_download_finalize_file (SprigDownload *self)
{
  g_autoptr(GTask) task = g_task_new (self, self->attempt_cancel, finalize_cb, NULL);

  g_task_set_check_cancellable (task, FALSE);
  g_task_run_in_thread (task, finalize_thread);
}

typedef struct
{
  gboolean delete_part;
  GError *error;
} DiscardJob;

static void
discard_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  SprigDownload *self = source;
  DiscardJob *job = task_data;

  close_part (self);
  if (job->delete_part)
    g_unlink (self->part_path);
  g_task_return_boolean (task, TRUE);
}

static void
discard_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  DiscardJob *job = g_task_get_task_data (G_TASK (result));

  _sprig_download_return_error (SPRIG_DOWNLOAD (source), g_steal_pointer (&job->error));
}

static void
discard_job_free (DiscardJob *job)
{
  g_clear_error (&job->error);
  g_free (job);
}

/* Ends the run with @error after closing (and maybe deleting) the part file. */
void
_sprig_download_discard (SprigDownload *self,
                         gboolean       delete_part,
                         GError        *error)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, discard_cb, NULL);
  DiscardJob *job = g_new0 (DiscardJob, 1);

  self->ending = TRUE;
  job->delete_part = delete_part;
  job->error = error;
  g_task_set_task_data (task, job, (GDestroyNotify) discard_job_free);
  g_task_run_in_thread (task, discard_thread);
}
