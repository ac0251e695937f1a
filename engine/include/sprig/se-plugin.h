/* SPDX-License-Identifier: Apache-2.0
 *
 * The ABI every Sprig plugin module shares. A plugin exports one symbol,
 * SE_PLUGIN_ENTRY_SYMBOL, returning a pointer to a static struct that starts with
 * SePluginHeader; the kind-specific interface (backend, tools) follows the header in
 * the same struct. The loader checks the ABI version and struct size before it
 * touches anything else, so an old or foreign module is refused, never called.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SE_PLUGIN_ABI_VERSION 1
#define SE_PLUGIN_ENTRY_SYMBOL "sprig_plugin_entry"

typedef enum
{
  SE_PLUGIN_KIND_BACKEND = 1,
  SE_PLUGIN_KIND_TOOLS = 2,
} SePluginKind;

typedef struct
{
  guint32 abi_version;   /* SE_PLUGIN_ABI_VERSION the module was built against */
  guint32 struct_size;   /* sizeof the whole kind-specific struct, header included */
  guint32 kind;          /* SePluginKind */
  guint32 reserved;
  const char *name;      /* short, unique: "cpu", "vulkan", "tools" */
  const char *description;
  /* Says whether the plugin can run on this machine: a score > 0 (higher is better) or
   * <= 0 with a reason written to @reason (NUL-terminated, at most @reason_size bytes). */
  int (*probe) (char *reason, gsize reason_size);
} SePluginHeader;

typedef const SePluginHeader *(*SePluginEntryFunc) (void);

#define SE_PLUGIN_EXPORT __attribute__ ((visibility ("default")))

G_END_DECLS
