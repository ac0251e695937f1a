/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <adwaita.h>

#include "sprig-model-manager.h"

G_BEGIN_DECLS

#define SPRIG_TYPE_CATALOG_ROW (sprig_catalog_row_get_type ())

G_DECLARE_FINAL_TYPE (SprigCatalogRow, sprig_catalog_row, SPRIG, CATALOG_ROW, AdwPreferencesRow)

/* One catalog entry in the Models window: what it is, whether it fits this computer, and
 * Download (or Resume, or Installed) with the download's progress below. */
GtkWidget  *sprig_catalog_row_new          (SprigModelManager       *manager,
                                            const SprigCatalogEntry *entry);
const char *sprig_catalog_row_get_entry_id (SprigCatalogRow         *self);
/* The size, license, publisher and memory line, e.g. for the welcome page. */
char       *sprig_catalog_entry_describe   (const SprigCatalogEntry *entry);

G_END_DECLS
