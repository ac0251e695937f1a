/* SPDX-License-Identifier: Apache-2.0
 *
 * Tool plugin key files: NAME.plugin next to NAME.so says what the plugin is and what it
 * needs, so that Preferences can list plugins without loading any of their code.
 *
 *   [Sprig Tool]
 *   Name=Word count
 *   Description=Counts the words of a text
 *   Module=word-count.so
 *   ReadOnly=true
 *   Permissions=files-read;network;
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SPRIG_TOOL_KEY_FILE_GROUP  "Sprig Tool"
#define SPRIG_TOOL_KEY_FILE_SUFFIX ".plugin"

typedef struct
{
  char *id;           /* the key file's name without ".plugin" */
  char *path;         /* the key file */
  char *name;         /* for people */
  char *description;
  char *module_path;  /* absolute: Module, which names a file next to the key file */
  gboolean read_only;
  char **permissions; /* from "network", "files-read", "files-write", "clock", "process" */
} SprigToolPluginInfo;

/* Reads @path. Fails with G_KEY_FILE_ERROR (or G_FILE_ERROR) and a message naming the
 * file and the key for a missing group or key, a value of the wrong type, a Module that
 * is a path rather than a file name, or an unknown permission. Loads no code. */
SprigToolPluginInfo *sprig_tool_plugin_info_load (const char           *path,
                                                  GError              **error);
void                 sprig_tool_plugin_info_free (SprigToolPluginInfo  *info);

/* Every *.plugin in @dirs (missing folders are skipped): the good ones as
 * SprigToolPluginInfo, sorted by id, a plugin id found twice taken from the first
 * folder; each bad file adds a GError to @errors (if not NULL). */
GPtrArray           *sprig_tool_plugin_info_scan (const char *const   *dirs,
                                                  GPtrArray          **errors);

/* Where plugins live, in search order: the built-ins' folders (first, so that their ids
 * cannot be taken over), $XDG_DATA_HOME/sprig/tools, then /app/lib/sprig/tools inside
 * a Flatpak. */
char               **sprig_tool_plugin_dirs      (void);
/* The built-ins' folders: $SPRIG_BUILTIN_TOOL_PATH (a search path; uninstalled builds
 * and tests) or the installed $pkglibdir/tools. The first entries of the list above. */
char               **sprig_tool_plugin_builtin_dirs (void);

/* Whether @permission is one sprig-tool.h defines. */
gboolean             sprig_tool_permission_is_known (const char *permission);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SprigToolPluginInfo, sprig_tool_plugin_info_free)

G_END_DECLS
