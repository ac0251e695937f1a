/* SPDX-License-Identifier: Apache-2.0
 *
 * One source, several test modules: compiled with different TEST_MODULE_* defines
 * it becomes a good plugin, one with a wrong ABI version, one whose interface is too
 * small, one of another kind, and one that exports no entry symbol at all.
 */
#include <stdio.h>

#include "sprig/se-plugin.h"

#ifndef TEST_MODULE_NO_ENTRY
SE_PLUGIN_EXPORT const SePluginHeader *sprig_plugin_entry (void);
#endif
SE_PLUGIN_EXPORT int test_module_marker (void);

static int
test_probe (char *reason,
            gsize reason_size)
{
#ifdef TEST_MODULE_CANNOT_RUN
  snprintf (reason, reason_size, "needs hardware this machine lacks");
  return 0;
#else
  return 42;
#endif
}

#ifndef TEST_MODULE_ABI
#define TEST_MODULE_ABI SE_PLUGIN_ABI_VERSION
#endif
#ifndef TEST_MODULE_SIZE
#define TEST_MODULE_SIZE sizeof (SePluginHeader)
#endif
#ifndef TEST_MODULE_KIND
#define TEST_MODULE_KIND SE_PLUGIN_KIND_BACKEND
#endif
#ifndef TEST_MODULE_NAME
#define TEST_MODULE_NAME "test"
#endif

static const SePluginHeader header = {
  .abi_version = TEST_MODULE_ABI,
  .struct_size = TEST_MODULE_SIZE,
  .kind = TEST_MODULE_KIND,
  .name = TEST_MODULE_NAME,
  .description = "test module",
  .probe = test_probe,
};

#ifndef TEST_MODULE_NO_ENTRY
const SePluginHeader *
sprig_plugin_entry (void)
{
  return &header;
}
#endif

/* Referenced so that the NO_ENTRY variant still has something exported. */
int
test_module_marker (void)
{
  return header.abi_version == 0;
}
