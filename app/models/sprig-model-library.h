/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigModelLibrary: the models folder, $XDG_DATA_HOME/sprig/models/. Every call that
 * touches the disk is an _async/_finish pair running on a worker thread; "changed" is
 * emitted on the library's main context after anything was added or removed.
 */
#pragma once

#include <gio/gio.h>

#include "sprig-models.h"

G_BEGIN_DECLS

#define SPRIG_TYPE_MODEL_LIBRARY (sprig_model_library_get_type ())
G_DECLARE_FINAL_TYPE (SprigModelLibrary, sprig_model_library, SPRIG, MODEL_LIBRARY, GObject)

typedef enum
{
  SPRIG_MODEL_IMPORT_COPY,      /* streamed copy into NAME.gguf.*.part, renamed at the end */
  SPRIG_MODEL_IMPORT_HARDLINK,  /* same file system only */
  SPRIG_MODEL_IMPORT_SYMLINK,   /* the model stays where it is; moving it breaks the link */
} SprigModelImportMode;

/* The default folder (g_get_user_data_dir ()/sprig/models), newly allocated. */
char              *sprig_model_library_default_dir   (void);

/* @dir NULL: the default folder. It is created (mode 0700) by the first operation. */
SprigModelLibrary *sprig_model_library_new           (const char           *dir);
const char        *sprig_model_library_get_dir       (SprigModelLibrary    *self);
/* Adds a folder whose *.gguf are listed too, after the models folder's, with ->read_only
 * set (models shipped with the app: pkgdatadir/models). It may be missing; nothing in it
 * is ever written or deleted. */
void               sprig_model_library_add_search_dir (SprigModelLibrary   *self,
                                                       const char          *dir);

/* Every *.gguf in the folder, sorted by display name, as SprigModelInfo (unusable files
 * included, with ->error set). Part files and sidecars are not listed. */
void               sprig_model_library_list_async    (SprigModelLibrary    *self,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
GPtrArray         *sprig_model_library_list_finish   (SprigModelLibrary    *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);
/* Disk use of a list from list_finish (links count as 0: they use no space here). */
guint64            sprig_model_list_total_size       (GPtrArray            *models);

/* A download left unfinished in the models folder: NAME.gguf.part (import copies'
 * part files are not listed). A SprigDownload for the same file name resumes it. */
typedef struct
{
  char    *file_name;       /* the model's name once finished: "Bonsai-1.7B-Q1_0.gguf" */
  char    *path;            /* the part file */
  guint64  size;            /* bytes already downloaded */
} SprigModelPart;

void               sprig_model_part_free              (SprigModelPart      *part);

/* The part files of unfinished downloads, sorted by file name. */
void               sprig_model_library_list_parts_async  (SprigModelLibrary  *self,
                                                          GCancellable       *cancellable,
                                                          GAsyncReadyCallback callback,
                                                          gpointer            user_data);
GPtrArray         *sprig_model_library_list_parts_finish (SprigModelLibrary  *self,
                                                          GAsyncResult       *result,
                                                          GError            **error);

/* Removes @file_name (a base name as listed) and its sidecar. */
void               sprig_model_library_delete_async  (SprigModelLibrary    *self,
                                                      const char           *file_name,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
gboolean           sprig_model_library_delete_finish (SprigModelLibrary    *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

/* sprig_model_validate() on a worker thread. */
void               sprig_model_library_validate_async (SprigModelLibrary   *self,
                                                       const char          *path,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean           sprig_model_library_validate_finish (SprigModelLibrary  *self,
                                                        GAsyncResult       *result,
                                                        GError            **error);

/* Validates @source_path, then copies or links it into the folder under its own name
 * (" (2)" added when taken) and writes the sidecar (original path, SHA-256, date).
 * @progress (may be NULL) sees the bytes copied and hashed. Cancelling a copy removes its
 * part file. Returns the new model's SprigModelInfo. */
void               sprig_model_library_import_async  (SprigModelLibrary    *self,
                                                      const char           *source_path,
                                                      SprigModelImportMode  mode,
                                                      SprigModelsProgressFunc progress,
                                                      gpointer              progress_data,
                                                      GDestroyNotify        progress_destroy,
                                                      GCancellable         *cancellable,
                                                      GAsyncReadyCallback   callback,
                                                      gpointer              user_data);
SprigModelInfo    *sprig_model_library_import_finish (SprigModelLibrary    *self,
                                                      GAsyncResult         *result,
                                                      GError              **error);

/* For SprigDownload and the import code: emits "changed" on the library's context. */
void               sprig_model_library_emit_changed  (SprigModelLibrary    *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SprigModelPart, sprig_model_part_free)

G_END_DECLS
