/* SPDX-License-Identifier: Apache-2.0
 *
 * Shared by the files of app/models: the sidecar, atomic no-clobber installation into
 * the models folder, and throttled progress reports hopping to the caller's context.
 */
#pragma once

#include "sprig-models.h"

G_BEGIN_DECLS

#define SPRIG_MODEL_SIDECAR_SUFFIX ".json"
#define SPRIG_MODEL_PART_SUFFIX    ".part"

typedef struct
{
  char    *source;
  char    *sha256;
  gboolean verified;
  gint64   added;
} SprigModelSidecar;

void      _sprig_model_sidecar_clear      (SprigModelSidecar *sidecar);
gboolean  _sprig_model_sidecar_read       (const char        *model_path,
                                           SprigModelSidecar *out,
                                           GError           **error);
gboolean  _sprig_model_sidecar_write      (const char              *model_path,
                                           const SprigModelSidecar *sidecar,
                                           GError                 **error);

/* Refuses names with a path separator, a leading dot or without the .gguf suffix. */
gboolean  _sprig_model_check_file_name    (const char  *file_name,
                                           GError     **error);

/* Moves @part_path (in @dir) to a free name derived from @file_name without ever
 * replacing a file (link + unlink), then writes the sidecar. Returns the new path. */
char     *_sprig_model_install            (const char              *dir,
                                           const char              *part_path,
                                           const char              *file_name,
                                           const SprigModelSidecar *sidecar,
                                           GError                 **error);

/* Creates @dir with mode 0700 if missing. */
gboolean  _sprig_model_ensure_dir         (const char  *dir,
                                           GError     **error);

/* Progress relay: worker threads call _report(); the callback runs on @context, at most
 * every 100 ms, and always for the final report (done == total). */
typedef struct _SprigProgressRelay SprigProgressRelay;

SprigProgressRelay *_sprig_progress_relay_new    (GMainContext           *context,
                                                  SprigModelsProgressFunc func,
                                                  gpointer                user_data,
                                                  GDestroyNotify          destroy);
void                _sprig_progress_relay_report (SprigProgressRelay     *relay,
                                                  guint64                 done,
                                                  guint64                 total,
                                                  gboolean                force);
void                _sprig_progress_relay_free   (SprigProgressRelay     *relay);

/* What failed on a file, for an error a translator can render as a whole sentence. */
typedef enum
{
  SPRIG_FILE_OP_READ,
  SPRIG_FILE_OP_WRITE,
  SPRIG_FILE_OP_CREATE,
  SPRIG_FILE_OP_ADD,     /* importing a model file */
} SprigFileOp;

/* The error for errno @saved while doing @op on @path: SPRIG_MODELS_ERROR_NO_SPACE
 * ("The disk is full: …") for ENOSPC and EDQUOT, else the G_IO_ERROR of the errno with
 * its text. */
GError   *_sprig_models_errno_error       (int          saved,
                                           SprigFileOp  op,
                                           const char  *path);

/* 64 hexadecimal digits (either case)? */
gboolean  _sprig_is_sha256_hex            (const char  *text);

G_END_DECLS
