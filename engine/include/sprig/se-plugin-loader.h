/* SPDX-License-Identifier: Apache-2.0
 *
 * Finds and opens plugin modules with GModule. A module is accepted only when it
 * exports the entry symbol, speaks this engine's ABI version, is of the requested
 * kind and fills a struct at least as large as the caller needs; every refusal is a
 * GError a user can read, and the module is unloaded again.
 */
#pragma once

#include <glib.h>
#include "sprig/se-plugin.h"

G_BEGIN_DECLS

typedef struct _SePlugin SePlugin;

SePlugin              *se_plugin_open          (const char  *path,
                                                SePluginKind kind,
                                                gsize        min_struct_size,
                                                GError     **error);
void                   se_plugin_free          (SePlugin    *plugin);
const SePluginHeader  *se_plugin_get_header    (SePlugin    *plugin);
const char            *se_plugin_get_name      (SePlugin    *plugin);
const char            *se_plugin_get_path      (SePlugin    *plugin);
int                    se_plugin_probe         (SePlugin    *plugin,
                                                char       **reason);

char                 **se_plugin_search_path   (void);
GPtrArray             *se_plugin_scan          (SePluginKind kind,
                                                gsize        min_struct_size,
                                                GPtrArray   *refusals);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SePlugin, se_plugin_free)

G_END_DECLS
