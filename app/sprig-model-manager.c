/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigModelManager is what the window, the welcome page, the model picker and the Models
 * window share about models: the library's listing (kept fresh from its "changed" signal
 * and a folder monitor), the part files of unfinished downloads, the catalog with the
 * entry that fits this machine, the downloads the user started (one per catalog entry,
 * kept after a failure so it can be retried) and the copies in progress. All of it is
 * asynchronous; this object only keeps the results and announces changes.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include <sprig/se-backend.h>
#include <sprig/se-plugin-loader.h>

#include "sprig-model-manager.h"

#define REFRESH_DELAY_MS 200

struct _SprigModelManager
{
  GObject parent_instance;

  SprigModelLibrary *library;
  GFileMonitor *monitor;
  GCancellable *cancellable;
  GPtrArray *models;           /* SprigModelInfo; NULL until listed */
  GPtrArray *new_models;       /* listed, waiting for the part files to be listed too */
  GPtrArray *parts;            /* SprigModelPart */
  GPtrArray *catalog;          /* SprigCatalogEntry */
  char *catalog_error;
  guint64 ram;
  guint64 vram;      /* a usable GPU's own memory (Vulkan), 0 when there is none */
  GHashTable *downloads;       /* entry id -> SprigDownload */
  GPtrArray *imports;          /* SprigModelImport */
  guint refresh_source;
  gboolean listing;
  gboolean list_again;
};

G_DEFINE_FINAL_TYPE (SprigModelManager, sprig_model_manager, G_TYPE_OBJECT)

enum
{
  SIGNAL_MODELS_CHANGED,
  SIGNAL_DOWNLOADS_CHANGED,
  SIGNAL_IMPORTS_CHANGED,
  SIGNAL_MODEL_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- listing ---- */

static void list_now (SprigModelManager *self);

static void
parts_listed_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SprigModelManager) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) parts = sprig_model_library_list_parts_finish (SPRIG_MODEL_LIBRARY (source),
                                                                      result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (parts != NULL)
    {
      g_clear_pointer (&self->parts, g_ptr_array_unref);
      self->parts = g_steal_pointer (&parts);
    }
  /* Both lists change together, and with the signal. */
  g_clear_pointer (&self->models, g_ptr_array_unref);
  self->models = g_steal_pointer (&self->new_models);
  self->listing = FALSE;
  g_signal_emit (self, signals[SIGNAL_MODELS_CHANGED], 0);
  if (self->list_again)
    list_now (self);
}

static void
listed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(SprigModelManager) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) models = sprig_model_library_list_finish (SPRIG_MODEL_LIBRARY (source),
                                                                 result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (models == NULL)
    {
      g_warning ("Cannot list the models folder: %s", error->message);
      models = g_ptr_array_new_with_free_func ((GDestroyNotify) sprig_model_info_free);
    }
  g_clear_pointer (&self->new_models, g_ptr_array_unref);
  self->new_models = g_steal_pointer (&models);
  sprig_model_library_list_parts_async (self->library, self->cancellable, parts_listed_cb,
                                        g_object_ref (self));
}

static void
list_now (SprigModelManager *self)
{
  self->list_again = self->listing;
  if (self->listing)
    return;
  self->listing = TRUE;
  sprig_model_library_list_async (self->library, self->cancellable, listed_cb, g_object_ref (self));
}

static gboolean
refresh_timeout_cb (gpointer data)
{
  SprigModelManager *self = data;

  self->refresh_source = 0;
  list_now (self);
  return G_SOURCE_REMOVE;
}

/* Bursts of events (a file being copied in by hand) fold into one listing. */
void
sprig_model_manager_refresh (SprigModelManager *self)
{
  g_return_if_fail (SPRIG_IS_MODEL_MANAGER (self));

  if (self->refresh_source == 0)
    self->refresh_source = g_timeout_add (REFRESH_DELAY_MS, refresh_timeout_cb, self);
}

static void
folder_changed_cb (SprigModelManager *self,
                   GFile             *file,
                   GFile             *other,
                   GFileMonitorEvent  event)
{
  switch (event)
    {
    case G_FILE_MONITOR_EVENT_CREATED:
    case G_FILE_MONITOR_EVENT_DELETED:
    case G_FILE_MONITOR_EVENT_MOVED_IN:
    case G_FILE_MONITOR_EVENT_MOVED_OUT:
    case G_FILE_MONITOR_EVENT_RENAMED:
      sprig_model_manager_refresh (self);
      break;
    default:
      break;
    }
}

/* The first listing creates the folder; the monitor follows once it exists. */
static void
watch_folder (SprigModelManager *self)
{
  g_autoptr(GFile) folder = g_file_new_for_path (sprig_model_library_get_dir (self->library));

  self->monitor = g_file_monitor_directory (folder, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);
  if (self->monitor != NULL)
    g_signal_connect_object (self->monitor, "changed", G_CALLBACK (folder_changed_cb), self,
                             G_CONNECT_SWAPPED);
}

static void
first_listing_cb (SprigModelManager *self)
{
  g_signal_handlers_disconnect_by_func (self, first_listing_cb, NULL);
  if (self->monitor == NULL)
    watch_folder (self);
}

GPtrArray *
sprig_model_manager_get_models (SprigModelManager *self)
{
  g_return_val_if_fail (SPRIG_IS_MODEL_MANAGER (self), NULL);
  return self->models;
}

const SprigModelInfo *
sprig_model_manager_find_model (SprigModelManager *self,
                                const char        *file_name)
{
  g_return_val_if_fail (SPRIG_IS_MODEL_MANAGER (self), NULL);

  for (guint i = 0; self->models != NULL && i < self->models->len; i++)
    {
      const SprigModelInfo *info = g_ptr_array_index (self->models, i);

      if (!info->read_only && g_strcmp0 (info->file_name, file_name) == 0)
        return info;
    }
  return NULL;
}

/* The folder of the models that ship with the app; SPRIG_SHIPPED_MODELS_DIR replaces it
 * (uninstalled runs and tests). */
static const char *
shipped_models_dir (void)
{
  const char *dir = g_getenv ("SPRIG_SHIPPED_MODELS_DIR");

  return dir != NULL && dir[0] != '\0' ? dir : SPRIG_MODELS_DATADIR;
}

/* The demo model's path when the app ships one, NULL otherwise. */
char *
sprig_model_manager_get_demo_path (void)
{
  g_autofree char *path = g_build_filename (shipped_models_dir (), SPRIG_DEMO_MODEL_FILE, NULL);

  return g_file_test (path, G_FILE_TEST_IS_REGULAR) ? g_steal_pointer (&path) : NULL;
}

gboolean
sprig_model_manager_is_demo_path (const char *path)
{
  g_autofree char *demo = sprig_model_manager_get_demo_path ();

  return demo != NULL && path != NULL && g_str_equal (demo, path);
}

char *
sprig_model_manager_model_label (const SprigModelInfo *info)
{
  g_return_val_if_fail (info != NULL, NULL);

  if (info->read_only && g_str_equal (info->file_name, SPRIG_DEMO_MODEL_FILE))
    return g_strdup (_("Demo (tiny)"));
  if (g_str_has_suffix (info->file_name, ".gguf"))
    return g_strndup (info->file_name, strlen (info->file_name) - strlen (".gguf"));
  return g_strdup (info->file_name);
}

SprigModelLibrary *
sprig_model_manager_get_library (SprigModelManager *self)
{
  g_return_val_if_fail (SPRIG_IS_MODEL_MANAGER (self), NULL);
  return self->library;
}

/* ---- catalog ---- */

GPtrArray *
sprig_model_manager_get_catalog (SprigModelManager *self)
{
  g_return_val_if_fail (SPRIG_IS_MODEL_MANAGER (self), NULL);
  return self->catalog;
}

const char *
sprig_model_manager_get_catalog_error (SprigModelManager *self)
{
  g_return_val_if_fail (SPRIG_IS_MODEL_MANAGER (self), NULL);
  return self->catalog_error;
}

const SprigCatalogEntry *
sprig_model_manager_get_recommended (SprigModelManager *self)
{
  g_return_val_if_fail (SPRIG_IS_MODEL_MANAGER (self), NULL);
  return sprig_model_catalog_recommend (self->catalog, self->ram, self->vram);
}

gboolean
sprig_model_manager_entry_fits (SprigModelManager       *self,
                                const SprigCatalogEntry *entry)
{
  g_return_val_if_fail (SPRIG_IS_MODEL_MANAGER (self), FALSE);
  return self->ram == 0 || sprig_catalog_entry_fits (entry, self->ram, self->vram);
}

/* ---- downloads ---- */

SprigDownload *
sprig_model_manager_get_download (SprigModelManager *self,
                                  const char        *entry_id)
{
  g_return_val_if_fail (SPRIG_IS_MODEL_MANAGER (self), NULL);
  return g_hash_table_lookup (self->downloads, entry_id);
}

guint64
sprig_model_manager_get_part_size (SprigModelManager *self,
                                   const char        *entry_id)
{
  const SprigCatalogEntry *entry;

  g_return_val_if_fail (SPRIG_IS_MODEL_MANAGER (self), 0);
  entry = sprig_model_catalog_find (self->catalog, entry_id);
  for (guint i = 0; entry != NULL && self->parts != NULL && i < self->parts->len; i++)
    {
      const SprigModelPart *part = g_ptr_array_index (self->parts, i);

      if (g_str_equal (part->file_name, entry->file_name))
        return part->size;
    }
  return 0;
}

static void
download_state_cb (SprigDownload     *download,
                   GParamSpec        *pspec,
                   SprigModelManager *self)
{
  const char *id = g_object_get_data (G_OBJECT (download), "sprig-entry-id");

  g_signal_emit (self, signals[SIGNAL_DOWNLOADS_CHANGED], 0, id);
}

static void
download_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SprigModelManager) self = user_data;
  SprigDownload *download = SPRIG_DOWNLOAD (source);
  g_autofree char *id = g_strdup (g_object_get_data (source, "sprig-entry-id"));
  g_autoptr(GError) error = NULL;
  g_autoptr(SprigModelInfo) info = sprig_download_run_finish (download, result, &error);

  /* A failed download stays, showing its error and Retry; the others are over. */
  if (info != NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_signal_handlers_disconnect_by_func (download, download_state_cb, self);
      g_hash_table_remove (self->downloads, id);
    }
  else
    g_debug ("Download of %s failed: %s", id, error->message);
  list_now (self);
  g_signal_emit (self, signals[SIGNAL_DOWNLOADS_CHANGED], 0, id);
  if (info != NULL)
    g_signal_emit (self, signals[SIGNAL_MODEL_ADDED], 0, info);
}

void
sprig_model_manager_download (SprigModelManager *self,
                              const char        *entry_id)
{
  const SprigCatalogEntry *entry;
  SprigDownload *download;

  g_return_if_fail (SPRIG_IS_MODEL_MANAGER (self));
  entry = sprig_model_catalog_find (self->catalog, entry_id);
  g_return_if_fail (entry != NULL);

  download = g_hash_table_lookup (self->downloads, entry_id);
  if (download == NULL)
    {
      download = sprig_download_new_for_entry (self->library, entry);
      g_object_set_data_full (G_OBJECT (download), "sprig-entry-id", g_strdup (entry_id), g_free);
      g_hash_table_insert (self->downloads, g_strdup (entry_id), download);
      g_signal_connect (download, "notify::state", G_CALLBACK (download_state_cb), self);
    }
  else if (sprig_download_get_state (download) != SPRIG_DOWNLOAD_FAILED)
    return;  /* already running */
  sprig_download_run_async (download, NULL, download_done_cb, g_object_ref (self));
  g_signal_emit (self, signals[SIGNAL_DOWNLOADS_CHANGED], 0, entry_id);
}

static void
part_deleted_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SprigModelManager) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_delete_finish (G_FILE (source), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    g_warning ("Could not delete %s: %s", g_file_peek_path (G_FILE (source)), error->message);
  list_now (self);
}

/* A running download is cancelled (it deletes its part file); a failed one, or a part file
 * left by an earlier run, is dropped here. */
void
sprig_model_manager_cancel_download (SprigModelManager *self,
                                     const char        *entry_id)
{
  SprigDownload *download;
  const SprigCatalogEntry *entry;
  g_autoptr(GFile) part = NULL;
  g_autofree char *name = NULL;

  g_return_if_fail (SPRIG_IS_MODEL_MANAGER (self));
  download = g_hash_table_lookup (self->downloads, entry_id);
  if (download != NULL && sprig_download_get_state (download) != SPRIG_DOWNLOAD_FAILED)
    {
      sprig_download_cancel (download);
      return;
    }
  if (download != NULL)
    {
      g_signal_handlers_disconnect_by_func (download, download_state_cb, self);
      g_hash_table_remove (self->downloads, entry_id);
      g_signal_emit (self, signals[SIGNAL_DOWNLOADS_CHANGED], 0, entry_id);
    }
  entry = sprig_model_catalog_find (self->catalog, entry_id);
  g_return_if_fail (entry != NULL);
  name = g_strconcat (entry->file_name, ".part", NULL);
  part = g_file_new_build_filename (sprig_model_library_get_dir (self->library), name, NULL);
  g_file_delete_async (part, G_PRIORITY_DEFAULT, NULL, part_deleted_cb, g_object_ref (self));
}

/* ---- imports ---- */

static void
import_free (SprigModelImport *import)
{
  g_free (import->name);
  g_free (import);
}

GPtrArray *
sprig_model_manager_get_imports (SprigModelManager *self)
{
  g_return_val_if_fail (SPRIG_IS_MODEL_MANAGER (self), NULL);
  return self->imports;
}

typedef struct
{
  SprigModelManager *self;   /* weak: the import ends before the manager in practice */
  SprigModelImport *import;
} ImportProgress;

static void
import_progress_cb (guint64  done,
                    guint64  total,
                    gpointer data)
{
  ImportProgress *progress = data;

  progress->import->done = done;
  progress->import->total = total;
  g_signal_emit (progress->self, signals[SIGNAL_IMPORTS_CHANGED], 0);
}

static void
imported_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SprigModelManager *self = g_task_get_source_object (task);
  SprigModelImport *import = g_task_get_task_data (task);
  GError *error = NULL;
  SprigModelInfo *info = sprig_model_library_import_finish (SPRIG_MODEL_LIBRARY (source), result,
                                                            &error);

  g_ptr_array_remove (self->imports, import);
  g_signal_emit (self, signals[SIGNAL_IMPORTS_CHANGED], 0);
  if (info == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  list_now (self);
  g_signal_emit (self, signals[SIGNAL_MODEL_ADDED], 0, info);
  g_task_return_pointer (task, info, (GDestroyNotify) sprig_model_info_free);
}

void
sprig_model_manager_import_async (SprigModelManager   *self,
                                  const char          *path,
                                  SprigModelImportMode mode,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task;
  SprigModelImport *import;
  ImportProgress *progress;

  g_return_if_fail (SPRIG_IS_MODEL_MANAGER (self));
  g_return_if_fail (path != NULL);

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, sprig_model_manager_import_async);
  import = g_new0 (SprigModelImport, 1);
  import->name = g_path_get_basename (path);
  g_ptr_array_add (self->imports, import);
  /* The array owns the import; the task only points at it. */
  g_task_set_task_data (task, import, NULL);
  progress = g_new0 (ImportProgress, 1);
  progress->self = self;
  progress->import = import;
  g_signal_emit (self, signals[SIGNAL_IMPORTS_CHANGED], 0);
  sprig_model_library_import_async (self->library, path, mode, import_progress_cb, progress,
                                    g_free, self->cancellable, imported_cb, task);
}

SprigModelInfo *
sprig_model_manager_import_finish (SprigModelManager *self,
                                   GAsyncResult      *result,
                                   GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- object ---- */

static void
sprig_model_manager_dispose (GObject *object)
{
  SprigModelManager *self = SPRIG_MODEL_MANAGER (object);
  GHashTableIter iter;
  gpointer download;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  if (self->monitor != NULL)
    g_file_monitor_cancel (self->monitor);
  g_clear_object (&self->monitor);
  /* A running download keeps its part file for the next start. */
  g_hash_table_iter_init (&iter, self->downloads);
  while (g_hash_table_iter_next (&iter, NULL, &download))
    {
      g_signal_handlers_disconnect_by_func (download, download_state_cb, self);
      sprig_download_pause (download);
    }
  g_hash_table_remove_all (self->downloads);
  if (self->library != NULL)
    g_signal_handlers_disconnect_by_data (self->library, self);

  G_OBJECT_CLASS (sprig_model_manager_parent_class)->dispose (object);
}

static void
sprig_model_manager_finalize (GObject *object)
{
  SprigModelManager *self = SPRIG_MODEL_MANAGER (object);

  g_clear_object (&self->library);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->models, g_ptr_array_unref);
  g_clear_pointer (&self->new_models, g_ptr_array_unref);
  g_clear_pointer (&self->parts, g_ptr_array_unref);
  g_clear_pointer (&self->catalog, g_ptr_array_unref);
  g_clear_pointer (&self->catalog_error, g_free);
  g_clear_pointer (&self->downloads, g_hash_table_unref);
  g_clear_pointer (&self->imports, g_ptr_array_unref);

  G_OBJECT_CLASS (sprig_model_manager_parent_class)->finalize (object);
}

static void
sprig_model_manager_class_init (SprigModelManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sprig_model_manager_dispose;
  object_class->finalize = sprig_model_manager_finalize;

  /* A new listing of the models and part files is there. */
  signals[SIGNAL_MODELS_CHANGED] =
    g_signal_new ("models-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
  /* A catalog entry's download started, changed state, or ended. */
  signals[SIGNAL_DOWNLOADS_CHANGED] =
    g_signal_new ("downloads-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_IMPORTS_CHANGED] =
    g_signal_new ("imports-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
  /* A download or an import installed this model. */
  signals[SIGNAL_MODEL_ADDED] =
    g_signal_new ("model-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, SPRIG_TYPE_MODEL_INFO);
}

/* The memory of a GPU the Vulkan backend can use, found by asking the backend plugins
 * (they open the Vulkan driver, so on a worker thread). */
static void
vram_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  g_autoptr(GPtrArray) plugins = se_plugin_scan (SE_PLUGIN_KIND_BACKEND, 0, NULL);
  guint64 best = 0;

  for (guint i = 0; i < plugins->len; i++)
    {
      SePlugin *plugin = g_ptr_array_index (plugins, i);
      guint64 memory = 0;

      if (se_plugin_probe (plugin, NULL) > 0 &&
          se_backend_query_device ((const SeBackendIface *) se_plugin_get_header (plugin), NULL, 0,
                                   &memory))
        best = MAX (best, memory);
    }
  g_ptr_array_set_free_func (plugins, (GDestroyNotify) se_plugin_free);
  g_task_return_pointer (task, g_memdup2 (&best, sizeof best), g_free);
}

static void
vram_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autofree guint64 *vram = g_task_propagate_pointer (G_TASK (result), NULL);
  SprigModelManager *self;

  if (vram == NULL)
    return;  /* cancelled: the manager is gone */
  self = SPRIG_MODEL_MANAGER (user_data);
  if (*vram == self->vram)
    return;
  self->vram = *vram;
  g_signal_emit (self, signals[SIGNAL_MODELS_CHANGED], 0);  /* what fits may have changed */
}

guint64
sprig_model_manager_get_vram (SprigModelManager *self)
{
  g_return_val_if_fail (SPRIG_IS_MODEL_MANAGER (self), 0);
  return self->vram;
}

static void
sprig_model_manager_init (SprigModelManager *self)
{
  self->cancellable = g_cancellable_new ();
  self->downloads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->imports = g_ptr_array_new_with_free_func ((GDestroyNotify) import_free);
  self->ram = sprig_system_get_total_ram ();
  {
    g_autoptr(GTask) task = g_task_new (NULL, self->cancellable, vram_done_cb, self);

    g_task_set_source_tag (task, vram_thread);
    g_task_run_in_thread (task, vram_thread);
  }
}

SprigModelManager *
sprig_model_manager_new (const char *dir)
{
  SprigModelManager *self = g_object_new (SPRIG_TYPE_MODEL_MANAGER, NULL);
  g_autoptr(GError) error = NULL;

  self->library = sprig_model_library_new (dir);
  sprig_model_library_add_search_dir (self->library, shipped_models_dir ());
  g_signal_connect_object (self->library, "changed", G_CALLBACK (sprig_model_manager_refresh),
                           self, G_CONNECT_SWAPPED);
  self->catalog = sprig_model_catalog_load (&error);
  if (self->catalog == NULL)
    {
      g_warning ("Cannot read the model catalog: %s", error->message);
      self->catalog_error = g_strdup (error->message);
      self->catalog = g_ptr_array_new_with_free_func ((GDestroyNotify) sprig_catalog_entry_free);
    }
  g_signal_connect (self, "models-changed", G_CALLBACK (first_listing_cb), NULL);
  list_now (self);
  return self;
}
