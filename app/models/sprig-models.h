/* SPDX-License-Identifier: Apache-2.0
 *
 * Sprig's model handling without any UI: the models folder (listing, import, delete,
 * validation through the engine's own checks), the built-in catalog of known-good
 * models and resumable, verified downloads. GLib, GIO, json-glib and libsoup only.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SPRIG_MODELS_ERROR (sprig_models_error_quark ())

/* Every failure a user may see; messages are full sentences meant to be shown. */
typedef enum
{
  SPRIG_MODELS_ERROR_FAILED,
  SPRIG_MODELS_ERROR_INVALID_MODEL,  /* the engine refused the file; its reason follows */
  SPRIG_MODELS_ERROR_CHECKSUM,       /* SHA-256 mismatch: the part file was deleted */
  SPRIG_MODELS_ERROR_NO_SPACE,       /* not enough free disk space to start or go on */
  SPRIG_MODELS_ERROR_NETWORK,        /* connection failed, dropped or stalled (after retries) */
  SPRIG_MODELS_ERROR_HTTP,           /* the server answered with an error status */
  SPRIG_MODELS_ERROR_SIZE,           /* the server sent another length than expected */
  SPRIG_MODELS_ERROR_NOT_FOUND,
  SPRIG_MODELS_ERROR_CATALOG,        /* the built-in catalog could not be read */
} SprigModelsError;

GQuark sprig_models_error_quark (void);

/* Progress of a copy or download, called on the caller's main context: bytes done and the
 * total (0 when unknown). At most about ten times a second, and once at the end. */
typedef void (*SprigModelsProgressFunc) (guint64  done,
                                         guint64  total,
                                         gpointer user_data);

G_END_DECLS

#include "sprig-model-info.h"
#include "sprig-model-library.h"
#include "sprig-model-catalog.h"
#include "sprig-download.h"
