/* SPDX-License-Identifier: Apache-2.0
 *
 * A sprig-tool.h plugin for the loader and tool host tests, built with different
 * defines: a wrong ABI major (TEST_TOOL_ABI), a tool that sleeps until cancelled
 * (TEST_TOOL_SLOW), one that crashes (TEST_TOOL_CRASH), one that never returns, not even
 * when cancelled (TEST_TOOL_HANG), one with a 1 MiB answer (TEST_TOOL_HUGE), and one
 * that aborts as soon as it is loaded (TEST_TOOL_ABORT_ON_LOAD: proves that reading key
 * files loads no code).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sprig-tool.h"

#ifndef TEST_TOOL_ABI
#define TEST_TOOL_ABI SPRIG_TOOL_ABI_MAJOR
#endif

#ifdef TEST_TOOL_ABORT_ON_LOAD
__attribute__ ((constructor)) static void
abort_on_load (void)
{
  abort ();
}
#endif

static int
invoke (SprigToolCall *call)
{
#if defined(TEST_TOOL_SLOW)
  while (!call->is_cancelled (call))
    usleep (1000);
  call->set_error (call, "cancelled");
  return 1;
#elif defined(TEST_TOOL_CRASH)
  raise (SIGSEGV);
  return 1;
#elif defined(TEST_TOOL_HANG)
  while (call->struct_size > 0)   /* forever, and deaf to cancellation */
    pause ();
  return 1;
#elif defined(TEST_TOOL_HUGE)
  size_t n = 1024 * 1024;
  char *text = malloc (n);

  memset (text, 'x', n);
  call->set_result (call, text, n);
  free (text);
  return 0;
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
