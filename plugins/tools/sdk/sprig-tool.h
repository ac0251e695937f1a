/* SPDX-License-Identifier: Apache-2.0
 *
 * sprig-tool.h: the one header a Sprig tool plugin is compiled against (pkg-config
 * module sprig-tool). A plugin is a shared module exporting sprig_tool_plugin_entry(),
 * which returns a static SprigToolPlugin describing its tools. Sprig checks abi_major
 * and struct_size before it reads anything else and refuses a mismatch, naming it.
 *
 * Plain C, no dependencies. Strings are UTF-8. A call gets its arguments as a JSON
 * object text already validated against the tool's schema, and answers through the
 * SprigToolCall it is given; it must not keep that pointer after returning.
 */
#ifndef SPRIG_TOOL_H
#define SPRIG_TOOL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SPRIG_TOOL_ABI_MAJOR 1
#define SPRIG_TOOL_ENTRY_SYMBOL "sprig_tool_plugin_entry"

/* SprigToolInfo.flags */
#define SPRIG_TOOL_READ_ONLY (1u << 0)   /* changes nothing outside the call */

typedef struct SprigToolCall SprigToolCall;

/* Handed to invoke() by the host. */
struct SprigToolCall
{
  uint32_t struct_size;
  const char *arguments;     /* JSON object text */
  /* CLOCK_MONOTONIC microseconds after which the host stops waiting (0: none). A long
   * call should check is_cancelled() often and give up past the deadline. */
  int64_t deadline_us;
  int  (*is_cancelled) (const SprigToolCall *call);
  /* The result for the model: JSON text (or plain text). Called once. */
  void (*set_result)   (SprigToolCall *call, const char *text, size_t len);
  /* Why the call failed, in a sentence the model can act on. */
  void (*set_error)    (SprigToolCall *call, const char *message);
  void *host_data;
};

typedef struct
{
  const char *name;           /* [a-zA-Z0-9_-]{1,64}, unique */
  const char *description;    /* for the model and the user */
  const char *parameters;     /* JSON Schema of the arguments object */
  uint32_t flags;             /* SPRIG_TOOL_READ_ONLY */
  /* What it needs, shown to the user before it is enabled: NULL-terminated, from
   * "network", "files-read", "files-write", "clock", "process"; NULL: nothing. */
  const char *const *permissions;
  /* Runs one call: 0 after set_result(), non-zero after set_error(). May run on any
   * thread, several at once. */
  int (*invoke) (SprigToolCall *call);
} SprigToolInfo;

typedef struct
{
  uint32_t abi_major;         /* SPRIG_TOOL_ABI_MAJOR */
  uint32_t struct_size;       /* sizeof (SprigToolPlugin) */
  uint32_t info_size;         /* sizeof (SprigToolInfo) */
  uint32_t n_tools;
  const char *name;
  const char *description;
  const SprigToolInfo *tools;
} SprigToolPlugin;

#define SPRIG_TOOL_PLUGIN_INIT(plugin_name, plugin_description, tool_array) \
  { SPRIG_TOOL_ABI_MAJOR, sizeof (SprigToolPlugin), sizeof (SprigToolInfo), \
    sizeof (tool_array) / sizeof ((tool_array)[0]), plugin_name, plugin_description, \
    tool_array }

#if defined(_WIN32)
#define SPRIG_TOOL_EXPORT __declspec(dllexport)
#else
#define SPRIG_TOOL_EXPORT __attribute__ ((visibility ("default")))
#endif

typedef const SprigToolPlugin *(*SprigToolEntryFunc) (void);

#ifdef __cplusplus
}
#endif

#endif /* SPRIG_TOOL_H */
