/* SPDX-License-Identifier: Apache-2.0
 *
 * Backend selection (se-backend-select.c), private to the engine.
 */
#pragma once

#include "sprig/se-backend.h"
#include "sprig/se-plugin-loader.h"

G_BEGIN_DECLS

typedef struct
{
  const SeBackendIface *iface;
  SePlugin *plugin;          /* NULL for the built-in reference backend */
} SeBackendChoice;

GArray  *_se_backend_candidates (const char *name,
                                 GError    **error);

G_END_DECLS
