/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <gio/gio.h>

#include "sprig-models.h"

G_BEGIN_DECLS

#define SPRIG_TYPE_MODEL_MANAGER (sprig_model_manager_get_type ())

G_DECLARE_FINAL_TYPE (SprigModelManager, sprig_model_manager, SPRIG, MODEL_MANAGER, GObject)

/* The file name of the demo model that may ship in SPRIG_MODELS_DATADIR. */
#define SPRIG_DEMO_MODEL_FILE "sprig-demo.gguf"

/* A copy into the models folder in progress. */
typedef struct
{
  char    *name;          /* the source's base name */
  guint64  done;
  guint64  total;
} SprigModelImport;

/* @dir NULL: the default models folder (plus the app's shipped models, read-only). */
SprigModelManager       *sprig_model_manager_new             (const char        *dir);
SprigModelLibrary       *sprig_model_manager_get_library     (SprigModelManager *self);
/* Re-lists models and part files (the folder is also watched). */
void                     sprig_model_manager_refresh         (SprigModelManager *self);

/* SprigModelInfo: the folder's, then the shipped ones (->read_only), each sorted; NULL
 * until the first listing is done. */
GPtrArray               *sprig_model_manager_get_models      (SprigModelManager *self);
const SprigModelInfo    *sprig_model_manager_find_model      (SprigModelManager *self,
                                                              const char        *file_name);
/* What to call a model in lists: "Demo (tiny)" for the shipped demo, else the file name
 * without .gguf. */
char                    *sprig_model_manager_model_label     (const SprigModelInfo *info);

/* The tiny demo model that ships with the app: its path (NULL when there is none). */
char                    *sprig_model_manager_get_demo_path   (void);
gboolean                 sprig_model_manager_is_demo_path    (const char        *path);
/* The own memory of a GPU the Vulkan backend can use (0: none, or it shares RAM); found
 * on a worker thread after the manager is made ("models-changed" when it changes). */
guint64                  sprig_model_manager_get_vram        (SprigModelManager *self);
/* The catalog (possibly empty) and why it could not be read (NULL when it could). */
GPtrArray               *sprig_model_manager_get_catalog     (SprigModelManager *self);
const char              *sprig_model_manager_get_catalog_error (SprigModelManager *self);
const SprigCatalogEntry *sprig_model_manager_get_recommended (SprigModelManager *self);
gboolean                 sprig_model_manager_entry_fits      (SprigModelManager *self,
                                                              const SprigCatalogEntry *entry);

/* The download of a catalog entry, running, paused or failed; NULL when none. */
SprigDownload           *sprig_model_manager_get_download    (SprigModelManager *self,
                                                              const char        *entry_id);
/* Bytes an earlier run left in the entry's part file (0: none); for "Resume". */
guint64                  sprig_model_manager_get_part_size   (SprigModelManager *self,
                                                              const char        *entry_id);
/* Starts the entry's download, resuming its part file, or runs a failed one again. */
void                     sprig_model_manager_download        (SprigModelManager *self,
                                                              const char        *entry_id);

/* Stops the entry's download and deletes its part file (also a failed run's, or one left
 * by an earlier start of the app). */
void                     sprig_model_manager_cancel_download (SprigModelManager *self,
                                                              const char        *entry_id);

/* Imports @path (validated first by the library) and tracks its progress. */
void                     sprig_model_manager_import_async    (SprigModelManager   *self,
                                                              const char          *path,
                                                              SprigModelImportMode mode,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);
SprigModelInfo          *sprig_model_manager_import_finish   (SprigModelManager   *self,
                                                              GAsyncResult        *result,
                                                              GError             **error);
/* The copies in progress, as SprigModelImport. */
GPtrArray               *sprig_model_manager_get_imports     (SprigModelManager *self);

G_END_DECLS
