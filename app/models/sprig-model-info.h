/* SPDX-License-Identifier: Apache-2.0
 *
 * What one model file is: its metadata read with the engine's GGUF reader, where it came
 * from (the NAME.gguf.json sidecar), and whether the engine accepts it. Everything here
 * is synchronous file I/O: call it from a worker thread (the library and download do).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SPRIG_TYPE_MODEL_INFO (sprig_model_info_get_type ())

typedef struct
{
  char    *path;            /* absolute path of the .gguf */
  char    *file_name;       /* its base name, the key for delete */
  guint64  file_size;       /* bytes (of the target, for a symbolic link) */
  char    *display_name;    /* general.name, else the file name without .gguf */
  char    *architecture;    /* general.architecture, e.g. "qwen3"; NULL if unreadable */
  guint64  n_params;        /* sum of the element counts of all tensors */
  char    *quantization;    /* the tensor type holding most weights, e.g. "Q1_0" */
  guint32  context_length;  /* <arch>.context_length, 0 when missing */
  char    *source;          /* download URL or original path (sidecar); NULL if unknown */
  char    *sha256;          /* lower-case hex (sidecar); NULL if unknown */
  gboolean verified;        /* the SHA-256 was checked against a published value */
  gint64   added;           /* Unix seconds (sidecar, else the file's mtime) */
  gboolean is_symlink;      /* imported as a link to a file elsewhere */
  char    *error;           /* NULL when usable; else why the engine refuses the file */
  gboolean read_only;       /* found in a read-only search folder (shipped with the app) */
} SprigModelInfo;

GType           sprig_model_info_get_type   (void) G_GNUC_CONST;
SprigModelInfo *sprig_model_info_copy       (const SprigModelInfo *info);
void            sprig_model_info_free       (SprigModelInfo       *info);

/* Reads the metadata of @path and its sidecar. Fails only when the file cannot be
 * stat'ed; a file the engine refuses comes back with ->error set (structure checks only:
 * header, architecture, tensor types and shapes; the tokenizer is not loaded). */
SprigModelInfo *sprig_model_info_read       (const char           *path,
                                             GError              **error);

/* The full acceptance check a candidate file must pass before it enters the models
 * folder: GGUF header, a supported architecture with all its tensors in supported types,
 * and a tokenizer that loads. Fails with SPRIG_MODELS_ERROR_INVALID_MODEL carrying the
 * engine's reason. Takes as long as loading the vocabulary (a fraction of a second). */
gboolean        sprig_model_validate        (const char           *path,
                                             GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SprigModelInfo, sprig_model_info_free)

G_END_DECLS
