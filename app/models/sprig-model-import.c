/* SPDX-License-Identifier: Apache-2.0
 *
 * Adding a GGUF file from elsewhere to the models folder: validated by the engine's checks
 * first, then copied (streamed into a part file while hashing, so a crash or cancel never
 * leaves a half model under a .gguf name) or linked, then installed under a free name.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "sprig-models-private.h"

#define COPY_CHUNK (1024 * 1024)

typedef struct
{
  char *dir;
  char *source;
  SprigModelImportMode mode;
  SprigProgressRelay *relay;
  char *part_path;
} ImportData;

static void
import_data_free (ImportData *data)
{
  g_free (data->part_path);
  g_free (data->dir);
  g_free (data->source);
  _sprig_progress_relay_free (data->relay);
  g_free (data);
}

static gboolean
set_errno_error (GError      **error,
                 int           saved,
                 SprigFileOp   op,
                 const char   *path)
{
  g_propagate_error (error, _sprig_models_errno_error (saved, op, path));
  return FALSE;
}

/* The name the model gets in the folder: the source's base name, with .gguf added when
 * it lacks it and leading dots dropped so it is never hidden. */
static char *
import_name (const char *source)
{
  g_autofree char *base = g_path_get_basename (source);
  const char *name = base;

  while (*name == '.')
    name++;
  if (*name == '\0')
    name = "model";
  return g_str_has_suffix (name, ".gguf") ? g_strdup (name) : g_strconcat (name, ".gguf", NULL);
}

static char *
part_name (const char *dir,
           const char *file_name)
{
  return g_strdup_printf ("%s" G_DIR_SEPARATOR_S "%s.import-%08x" SPRIG_MODEL_PART_SUFFIX, dir,
                          file_name, g_random_int ());
}

static gboolean
write_all (int          fd,
           const char  *buf,
           gsize        len)
{
  while (len > 0)
    {
      gssize n = write (fd, buf, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return FALSE;
      buf += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* Reads @in to the end, hashing, and writing to @out_fd unless it is -1. */
static char *
stream_file (int           in_fd,
             int           out_fd,
             guint64       total,
             ImportData   *data,
             GCancellable *cancellable,
             GError      **error)
{
  g_autoptr(GChecksum) sha = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *buf = g_malloc (COPY_CHUNK);
  guint64 done = 0;

  for (;;)
    {
      gssize n = read (in_fd, buf, COPY_CHUNK);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return set_errno_error (error, errno, SPRIG_FILE_OP_READ, data->source), NULL;
      if (n == 0)
        break;
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      if (out_fd >= 0 && !write_all (out_fd, buf, (gsize) n))
        return set_errno_error (error, errno, SPRIG_FILE_OP_WRITE, data->part_path), NULL;
      g_checksum_update (sha, (const guchar *) buf, n);
      done += (guint64) n;
      _sprig_progress_relay_report (data->relay, done, total, FALSE);
    }
  if (out_fd >= 0 && fsync (out_fd) != 0)
    return set_errno_error (error, errno, SPRIG_FILE_OP_WRITE, data->part_path), NULL;
  _sprig_progress_relay_report (data->relay, done, total, TRUE);
  return g_strdup (g_checksum_get_string (sha));
}

/* Makes data->part_path: a copy, a hard link or a symbolic link to the source. */
static gboolean
make_part (ImportData *data,
           const char *file_name,
           GError    **error)
{
  g_autofree char *abs_source = g_canonicalize_filename (data->source, NULL);
  int rc;

  do
    {
      g_free (data->part_path);
      data->part_path = part_name (data->dir, file_name);
      switch (data->mode)
        {
        case SPRIG_MODEL_IMPORT_HARDLINK:
          rc = link (abs_source, data->part_path);
          break;
        case SPRIG_MODEL_IMPORT_SYMLINK:
          rc = symlink (abs_source, data->part_path);
          break;
        case SPRIG_MODEL_IMPORT_COPY:
        default:
          rc = g_open (data->part_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
          break;
        }
    }
  while (rc < 0 && errno == EEXIST);
  if (rc < 0)
    {
      int saved = errno;

      g_clear_pointer (&data->part_path, g_free);
      if (data->mode == SPRIG_MODEL_IMPORT_HARDLINK && saved == EXDEV)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       _("“%s” is on another file system than the models folder: it cannot "
                         "be linked there; copy it instead."), data->source);
          return FALSE;
        }
      return set_errno_error (error, saved, SPRIG_FILE_OP_ADD, data->source);
    }
  if (data->mode == SPRIG_MODEL_IMPORT_COPY)
    close (rc);
  return TRUE;
}

/* Copies into the part file (or only hashes, for links) and returns the SHA-256. */
static char *
fill_part (ImportData   *data,
           GCancellable *cancellable,
           GError      **error)
{
  int in_fd = g_open (data->source, O_RDONLY | O_CLOEXEC, 0);
  int out_fd = -1;
  GStatBuf st;
  char *sha = NULL;

  if (in_fd < 0)
    return set_errno_error (error, errno, SPRIG_FILE_OP_READ, data->source), NULL;
  if (fstat (in_fd, &st) != 0)
    set_errno_error (error, errno, SPRIG_FILE_OP_READ, data->source);
  else if (data->mode == SPRIG_MODEL_IMPORT_COPY
           && (out_fd = g_open (data->part_path, O_WRONLY | O_TRUNC | O_CLOEXEC, 0)) < 0)
    set_errno_error (error, errno, SPRIG_FILE_OP_WRITE, data->part_path);
  else
    sha = stream_file (in_fd, out_fd, (guint64) st.st_size, data, cancellable, error);
  if (out_fd >= 0 && close (out_fd) != 0 && sha != NULL)
    {
      g_clear_pointer (&sha, g_free);
      set_errno_error (error, errno, SPRIG_FILE_OP_WRITE, data->part_path);
    }
  close (in_fd);
  return sha;
}

static void
import_fail (GTask      *task,
             ImportData *data,
             GError     *error)
{
  if (data->part_path != NULL)
    g_unlink (data->part_path);
  g_clear_pointer (&data->part_path, g_free);
  g_task_return_error (task, error);
}

static void
import_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ImportData *data = task_data;
  g_autofree char *file_name = import_name (data->source);
  g_autofree char *abs_source = g_canonicalize_filename (data->source, NULL);
  g_autofree char *path = NULL;
  g_autofree char *sha = NULL;
  SprigModelSidecar sidecar = { 0 };
  SprigModelInfo *info;
  GError *error = NULL;

  if (!g_file_test (data->source, G_FILE_TEST_IS_REGULAR))
    {
      g_task_return_new_error (task, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_NOT_FOUND,
                               _("“%s” does not exist or is not a file."), data->source);
      return;
    }
  if (!sprig_model_validate (data->source, &error)
      || !_sprig_model_ensure_dir (data->dir, &error)
      || !make_part (data, file_name, &error)
      || (sha = fill_part (data, cancellable, &error)) == NULL)
    {
      import_fail (task, data, error);
      return;
    }
  sidecar.source = abs_source;
  sidecar.sha256 = sha;
  sidecar.added = g_get_real_time () / G_USEC_PER_SEC;
  path = _sprig_model_install (data->dir, data->part_path, file_name, &sidecar, &error);
  if (path == NULL)
    {
      import_fail (task, data, error);
      return;
    }
  g_clear_pointer (&data->part_path, g_free);  /* installed: nothing to remove */
  if ((info = sprig_model_info_read (path, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  sprig_model_library_emit_changed (source_object);
  g_task_return_pointer (task, info, (GDestroyNotify) sprig_model_info_free);
}

void
sprig_model_library_import_async (SprigModelLibrary      *self,
                                  const char             *source_path,
                                  SprigModelImportMode    mode,
                                  SprigModelsProgressFunc progress,
                                  gpointer                progress_data,
                                  GDestroyNotify          progress_destroy,
                                  GCancellable           *cancellable,
                                  GAsyncReadyCallback     callback,
                                  gpointer                user_data)
{
  g_autoptr(GTask) task = NULL;
  ImportData *data;

  g_return_if_fail (SPRIG_IS_MODEL_LIBRARY (self));
  g_return_if_fail (source_path != NULL);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sprig_model_library_import_async);
  data = g_new0 (ImportData, 1);
  data->dir = g_strdup (sprig_model_library_get_dir (self));
  data->source = g_strdup (source_path);
  data->mode = mode;
  data->relay = _sprig_progress_relay_new (g_main_context_get_thread_default (), progress,
                                           progress_data, progress_destroy);
  g_task_set_task_data (task, data, (GDestroyNotify) import_data_free);
  g_task_run_in_thread (task, import_thread);
}

SprigModelInfo *
sprig_model_library_import_finish (SprigModelLibrary *self,
                                   GAsyncResult      *result,
                                   GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
