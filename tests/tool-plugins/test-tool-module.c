/* SPDX-License-Identifier: Apache-2.0
 *
 * A sprig-tool.h plugin for the loader tests, built with different defines: a wrong
 * ABI major (TEST_TOOL_ABI), or a tool that sleeps until cancelled (TEST_TOOL_SLOW).
 */
#include <string.h>
#include <unistd.h>

#include "sprig-tool.h"

#ifndef TEST_TOOL_ABI
#define TEST_TOOL_ABI SPRIG_TOOL_ABI_MAJOR
#endif

static int
invoke (SprigToolCall *call)
{
#ifdef TEST_TOOL_SLOW
  while (!call->is_cancelled (call))
    usleep (1000);
  call->set_error (call, "cancelled");
  return 1;
#else
  call->set_result (call, "{\"ok\": true}", strlen ("{\"ok\": true}"));
  return 0;
#endif
}

static const SprigToolInfo tools[] = {
  { TEST_TOOL_NAME, "A test tool", "{\"type\": \"object\", \"properties\": {}}",
    SPRIG_TOOL_READ_ONLY, NULL, invoke },
};

static const SprigToolPlugin plugin = {
  TEST_TOOL_ABI, sizeof (SprigToolPlugin), sizeof (SprigToolInfo), 1, "test", "Test", tools
};

SPRIG_TOOL_EXPORT const SprigToolPlugin *sprig_tool_plugin_entry (void);

const SprigToolPlugin *
sprig_tool_plugin_entry (void)
{
  return &plugin;
}
