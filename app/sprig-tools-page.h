/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define SPRIG_TYPE_TOOLS_PAGE (sprig_tools_page_get_type ())

G_DECLARE_FINAL_TYPE (SprigToolsPage, sprig_tools_page, SPRIG, TOOLS_PAGE, AdwPreferencesPage)

GtkWidget *sprig_tools_page_new             (void);
/* The folders tool plugins are listed from, in search order, the last one holding the
 * built-ins (by default sprig_tool_plugin_dirs ()); lists them again. */
void       sprig_tools_page_set_plugin_dirs (SprigToolsPage     *self,
                                             const char *const  *dirs);
/* Whether the last listing of the plugin folders has finished. */
gboolean   sprig_tools_page_get_scanned     (SprigToolsPage     *self);

G_END_DECLS
