/* SPDX-License-Identifier: Apache-2.0
 *
 * The built-in calculator tool, a sprig-tool.h plugin like any third party's: reads
 * {"expression": "..."} and answers {"result": <number>} or an error sentence.
 */
#include "config.h"

#include <string.h>

#include "sprig/se-json.h"
#include "sprig-tool.h"
#include "se-calc.h"

static int
calculate (SprigToolCall *call)
{
  g_autoptr(SeJsonNode) args = se_json_parse (call->arguments, -1, NULL);
  SeJsonNode *expr = args ? se_json_node_get_member (args, "expression") : NULL;
  g_autofree char *error = NULL, *number = NULL, *text = NULL;
  SeCalcValue value;

  if (expr == NULL || se_json_node_get_node_type (expr) != SE_JSON_STRING)
    {
      call->set_error (call, "expected {\"expression\": \"...\"}");
      return 1;
    }
  if (!se_calc_eval (se_json_node_get_string (expr, NULL), &value, &error))
    {
      call->set_error (call, error);
      return 1;
    }
  number = se_calc_format (&value);
  text = g_strdup_printf ("{\"result\": %s}", number);
  call->set_result (call, text, strlen (text));
  return 0;
}

static const SprigToolInfo tools[] = {
  {
    .name = "calculator",
    .description = "Evaluates an arithmetic expression exactly: + - * / % ^, parentheses, "
                   "sqrt sin cos tan log ln exp abs floor ceil round, pi, e.",
    .parameters = "{\"type\": \"object\", \"properties\": {\"expression\": {\"type\": \"string\", "
                  "\"description\": \"for example (2 + 3) * 4 ^ 2\"}}, "
                  "\"required\": [\"expression\"], \"additionalProperties\": false}",
    .flags = SPRIG_TOOL_READ_ONLY,
    .permissions = NULL,
    .invoke = calculate,
  },
};

static const SprigToolPlugin plugin = SPRIG_TOOL_PLUGIN_INIT ("calculator",
                                                              "A safe arithmetic calculator",
                                                              tools);

SPRIG_TOOL_EXPORT const SprigToolPlugin *sprig_tool_plugin_entry (void);

const SprigToolPlugin *
sprig_tool_plugin_entry (void)
{
  return &plugin;
}
