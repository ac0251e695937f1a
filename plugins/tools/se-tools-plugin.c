/* SPDX-License-Identifier: Apache-2.0
 *
 * The entry point of the tool-calling plugin (kind SE_PLUGIN_KIND_TOOLS): the
 * SeToolsIface table over this folder's modules.
 */
#include "config.h"

#include "se-tools-private.h"

static int
tools_probe (char *reason,
             gsize reason_size)
{
  return 1;   /* plain C, runs anywhere */
}

static const SeToolsIface tools_iface = {
  .base = {
    .abi_version = SE_PLUGIN_ABI_VERSION,
    .struct_size = sizeof (SeToolsIface),
    .kind = SE_PLUGIN_KIND_TOOLS,
    .name = "tools",
    .description = "Tool calling: Qwen3/Hermes tool format, streaming <tool_call> parser, "
                   "constrained JSON calls, loop policy",
    .probe = tools_probe,
  },
  .template_supports_tools = _se_tools_template_supports,
  .tool_set_new = _se_tool_set_new,
  .tool_set_unref = _se_tool_set_unref,
  .tool_set_get_chat_tools = _se_tool_set_get_chat_tools,
  .vocab_new = _se_tool_vocab_new,
  .vocab_unref = _se_tool_vocab_unref,
  .vocab_ref = _se_tool_vocab_ref,
  .constraint_new = _se_tool_constraint_new,
  .constraint_free = _se_tool_constraint_free,
  .constraint_check = _se_tool_constraint_check,
  .constraint_filter = _se_tool_constraint_filter,
  .constraint_accept = _se_tool_constraint_accept,
  .parser_new = _se_tool_parser_new,
  .parser_feed = _se_tool_parser_feed,
  .parser_finish = _se_tool_parser_finish,
  .parser_free = _se_tool_parser_free,
  .segment_free = _se_tool_segment_free,
  .loop_new = _se_tool_loop_new,
  .loop_free = _se_tool_loop_free,
  .loop_begin_turn = _se_tool_loop_begin_turn,
  .loop_tools_allowed = _se_tool_loop_tools_allowed,
  .loop_run_async = _se_tool_loop_run_async,
  .loop_run_finish = _se_tool_loop_run_finish,
  .result_free = _se_tool_result_free,
  .registry_new = _se_tool_registry_new,
  .registry_free = _se_tool_registry_free,
  .registry_load = _se_tool_registry_load,
  .registry_get_definitions = _se_tool_registry_get_definitions,
  .registry_runner = &_se_tool_registry_runner,
};

SE_PLUGIN_EXPORT const SePluginHeader *sprig_plugin_entry (void);

const SePluginHeader *
sprig_plugin_entry (void)
{
  return &tools_iface.base;
}
