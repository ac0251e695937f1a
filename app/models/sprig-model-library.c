/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigModelLibrary: listing, deleting and validating the models in the models folder,
 * each on a GTask worker thread. Import lives in sprig-model-import.c.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "sprig-models-private.h"

struct _SprigModelLibrary
{
  GObject parent_instance;
  char *dir;
  GPtrArray *search_dirs;   /* read-only folders listed after dir */
  GMainContext *context;
};

G_DEFINE_FINAL_TYPE (SprigModelLibrary, sprig_model_library, G_TYPE_OBJECT)

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
sprig_model_library_finalize (GObject *object)
{
  SprigModelLibrary *self = SPRIG_MODEL_LIBRARY (object);

  g_clear_pointer (&self->dir, g_free);
  g_clear_pointer (&self->search_dirs, g_ptr_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  G_OBJECT_CLASS (sprig_model_library_parent_class)->finalize (object);
}

static void
sprig_model_library_class_init (SprigModelLibraryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sprig_model_library_finalize;

  /* Something was added to or removed from the folder by this library or a download. */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                          G_TYPE_NONE, 0);
}

static void
sprig_model_library_init (SprigModelLibrary *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->search_dirs = g_ptr_array_new_with_free_func (g_free);
}

char *
sprig_model_library_default_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "sprig", "models", NULL);
}

SprigModelLibrary *
sprig_model_library_new (const char *dir)
{
  SprigModelLibrary *self = g_object_new (SPRIG_TYPE_MODEL_LIBRARY, NULL);

  self->dir = dir ? g_strdup (dir) : sprig_model_library_default_dir ();
  return self;
}

const char *
sprig_model_library_get_dir (SprigModelLibrary *self)
{
  g_return_val_if_fail (SPRIG_IS_MODEL_LIBRARY (self), NULL);
  return self->dir;
}

void
sprig_model_library_add_search_dir (SprigModelLibrary *self,
                                    const char        *dir)
{
  g_return_if_fail (SPRIG_IS_MODEL_LIBRARY (self));
  g_return_if_fail (dir != NULL);
  g_ptr_array_add (self->search_dirs, g_strdup (dir));
}

static gboolean
emit_changed_cb (gpointer data)
{
  g_signal_emit (data, signals[SIGNAL_CHANGED], 0);
  return G_SOURCE_REMOVE;
}

void
sprig_model_library_emit_changed (SprigModelLibrary *self)
{
  g_return_if_fail (SPRIG_IS_MODEL_LIBRARY (self));
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, emit_changed_cb,
                              g_object_ref (self), g_object_unref);
}

static gint
compare_infos (gconstpointer a,
               gconstpointer b)
{
  const SprigModelInfo *ia = *(SprigModelInfo *const *) a;
  const SprigModelInfo *ib = *(SprigModelInfo *const *) b;
  gint c = g_utf8_collate (ia->display_name, ib->display_name);

  return c != 0 ? c : strcmp (ia->file_name, ib->file_name);
}

/* Appends the usable-looking *.gguf of @dir_path to @models. */
static gboolean
list_dir (const char   *dir_path,
          gboolean      read_only,
          GPtrArray    *models,
          GCancellable *cancellable,
          GError      **error)
{
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, read_only ? NULL : error);
  const char *name;

  if (dir == NULL)
    return read_only;  /* a missing shipped folder is no error */
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autoptr(GError) local = NULL;
      SprigModelInfo *info;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (name[0] == '.' || !g_str_has_suffix (name, ".gguf"))
        continue;
      path = g_build_filename (dir_path, name, NULL);
      if ((info = sprig_model_info_read (path, &local)) == NULL)
        {
          g_debug ("Not listing %s: %s", path, local->message);  /* deleted meanwhile */
          continue;
        }
      info->read_only = read_only;
      g_ptr_array_add (models, info);
    }
  return TRUE;
}

typedef struct
{
  char *dir;
  GStrv search_dirs;
} ListData;

static void
list_data_free (ListData *data)
{
  g_free (data->dir);
  g_strfreev (data->search_dirs);
  g_free (data);
}

static GPtrArray *
list_sync (ListData     *data,
           GCancellable *cancellable,
           GError      **error)
{
  g_autoptr(GPtrArray) models = g_ptr_array_new_with_free_func ((GDestroyNotify) sprig_model_info_free);
  g_autoptr(GPtrArray) shipped = g_ptr_array_new_with_free_func ((GDestroyNotify) sprig_model_info_free);

  if (!_sprig_model_ensure_dir (data->dir, error)
      || !list_dir (data->dir, FALSE, models, cancellable, error))
    return NULL;
  for (guint i = 0; data->search_dirs[i] != NULL; i++)
    if (!list_dir (data->search_dirs[i], TRUE, shipped, cancellable, error))
      return NULL;
  /* The shipped models come after the user's, each group sorted. */
  g_ptr_array_sort (models, compare_infos);
  g_ptr_array_sort (shipped, compare_infos);
  g_ptr_array_extend_and_steal (models, g_steal_pointer (&shipped));
  return g_steal_pointer (&models);
}

static void
list_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  GPtrArray *models = list_sync (task_data, cancellable, &error);

  if (models == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, models, (GDestroyNotify) g_ptr_array_unref);
}

void
sprig_model_library_list_async (SprigModelLibrary  *self,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SPRIG_IS_MODEL_LIBRARY (self));
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sprig_model_library_list_async);
  {
    ListData *data = g_new0 (ListData, 1);

    data->dir = g_strdup (self->dir);
    g_ptr_array_add (self->search_dirs, NULL);
    data->search_dirs = g_strdupv ((char **) self->search_dirs->pdata);
    g_ptr_array_remove_index (self->search_dirs, self->search_dirs->len - 1);
    g_task_set_task_data (task, data, (GDestroyNotify) list_data_free);
  }
  g_task_run_in_thread (task, list_thread);
}

GPtrArray *
sprig_model_library_list_finish (SprigModelLibrary *self,
                                 GAsyncResult      *result,
                                 GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sprig_model_library_list_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

guint64
sprig_model_list_total_size (GPtrArray *models)
{
  guint64 total = 0;

  g_return_val_if_fail (models != NULL, 0);
  for (guint i = 0; i < models->len; i++)
    {
      const SprigModelInfo *info = g_ptr_array_index (models, i);

      if (!info->is_symlink)
        total += info->file_size;
    }
  return total;
}

/* ---- part files of unfinished downloads ---- */

void
sprig_model_part_free (SprigModelPart *part)
{
  if (part == NULL)
    return;
  g_free (part->file_name);
  g_free (part->path);
  g_free (part);
}

static gint
compare_parts (gconstpointer a,
               gconstpointer b)
{
  return strcmp ((*(SprigModelPart *const *) a)->file_name,
                 (*(SprigModelPart *const *) b)->file_name);
}

/* NAME.gguf.part, where NAME.gguf is a name a model may have; an import's
 * NAME.gguf.import-XXXXXX.part does not end in ".gguf" once ".part" is cut. */
static SprigModelPart *
read_part (const char *dir,
           const char *name)
{
  g_autofree char *file_name = NULL;
  g_autofree char *path = NULL;
  GStatBuf st;
  SprigModelPart *part;

  if (!g_str_has_suffix (name, ".gguf" SPRIG_MODEL_PART_SUFFIX))
    return NULL;
  file_name = g_strndup (name, strlen (name) - strlen (SPRIG_MODEL_PART_SUFFIX));
  path = g_build_filename (dir, name, NULL);
  if (!_sprig_model_check_file_name (file_name, NULL) || g_lstat (path, &st) != 0
      || !S_ISREG (st.st_mode))
    return NULL;
  part = g_new0 (SprigModelPart, 1);
  part->file_name = g_steal_pointer (&file_name);
  part->path = g_steal_pointer (&path);
  part->size = (guint64) st.st_size;
  return part;
}

/* Runs @thread on a worker with a copy of @arg as the task data. */
static void
run_with_string (SprigModelLibrary  *self,
                 const char         *arg,
                 GTaskThreadFunc     thread,
                 gpointer            source_tag,
                 GCancellable       *cancellable,
                 GAsyncReadyCallback callback,
                 gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, g_strdup (arg), g_free);
  g_task_run_in_thread (task, thread);
}

static void
list_parts_thread (GTask        *task,
                   gpointer      source,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func ((GDestroyNotify) sprig_model_part_free);
  g_autoptr(GDir) dir = NULL;
  GError *error = NULL;
  const char *name;

  if (!_sprig_model_ensure_dir (task_data, &error)
      || (dir = g_dir_open (task_data, 0, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      SprigModelPart *part = read_part (task_data, name);

      if (part != NULL)
        g_ptr_array_add (parts, part);
    }
  g_ptr_array_sort (parts, compare_parts);
  g_task_return_pointer (task, g_steal_pointer (&parts), (GDestroyNotify) g_ptr_array_unref);
}

void
sprig_model_library_list_parts_async (SprigModelLibrary  *self,
                                      GCancellable       *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer            user_data)
{
  g_return_if_fail (SPRIG_IS_MODEL_LIBRARY (self));
  run_with_string (self, self->dir, list_parts_thread, sprig_model_library_list_parts_async,
                   cancellable, callback, user_data);
}

GPtrArray *
sprig_model_library_list_parts_finish (SprigModelLibrary *self,
                                       GAsyncResult      *result,
                                       GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result))
                        == sprig_model_library_list_parts_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static gboolean
unlink_model (const char *dir,
              const char *file_name,
              GError    **error)
{
  g_autofree char *path = NULL;
  g_autofree char *sidecar = NULL;
  int saved;

  if (!_sprig_model_check_file_name (file_name, error))
    return FALSE;
  path = g_build_filename (dir, file_name, NULL);
  sidecar = g_strconcat (path, SPRIG_MODEL_SIDECAR_SUFFIX, NULL);
  if (g_unlink (path) != 0)
    {
      saved = errno;
      g_set_error (error, SPRIG_MODELS_ERROR,
                   saved == ENOENT ? SPRIG_MODELS_ERROR_NOT_FOUND : SPRIG_MODELS_ERROR_FAILED,
                   _("Could not delete the model “%s”: %s"), file_name, g_strerror (saved));
      return FALSE;
    }
  if (g_unlink (sidecar) != 0 && errno != ENOENT)
    g_warning ("Could not delete %s: %s", sidecar, g_strerror (errno));
  return TRUE;
}

static void
delete_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  SprigModelLibrary *self = source;
  GError *error = NULL;

  if (!unlink_model (self->dir, task_data, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  sprig_model_library_emit_changed (self);
  g_task_return_boolean (task, TRUE);
}

void
sprig_model_library_delete_async (SprigModelLibrary  *self,
                                  const char         *file_name,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  g_return_if_fail (SPRIG_IS_MODEL_LIBRARY (self));
  g_return_if_fail (file_name != NULL);
  run_with_string (self, file_name, delete_thread, sprig_model_library_delete_async,
                   cancellable, callback, user_data);
}

gboolean
sprig_model_library_delete_finish (SprigModelLibrary *self,
                                   GAsyncResult      *result,
                                   GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
validate_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  GError *error = NULL;

  if (sprig_model_validate (task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
sprig_model_library_validate_async (SprigModelLibrary  *self,
                                    const char         *path,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data)
{
  g_return_if_fail (SPRIG_IS_MODEL_LIBRARY (self));
  g_return_if_fail (path != NULL);
  run_with_string (self, path, validate_thread, sprig_model_library_validate_async,
                   cancellable, callback, user_data);
}

gboolean
sprig_model_library_validate_finish (SprigModelLibrary *self,
                                     GAsyncResult      *result,
                                     GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
