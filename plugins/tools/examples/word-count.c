/* SPDX-License-Identifier: Apache-2.0
 *
 * An example Sprig tool plugin: counts the words of a text. Built against nothing but
 * the installed sprig-tool.h (and json-glib to read its arguments):
 *
 *   cc -shared -fPIC -o word-count.so word-count.c \
 *      $(pkg-config --cflags --libs sprig-tool json-glib-1.0)
 */
#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>
#include <sprig-tool.h>

static int
count_words (SprigToolCall *call)
{
  JsonParser *parser = json_parser_new ();
  JsonNode *root;
  const char *text;
  unsigned long words = 0;
  int in_word = 0;
  char result[64];

  if (!json_parser_load_from_data (parser, call->arguments, -1, NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root)
      || (text = json_object_get_string_member_with_default (json_node_get_object (root),
                                                             "text", NULL)) == NULL)
    {
      call->set_error (call, "expected {\"text\": \"...\"}");
      g_object_unref (parser);
      return 1;
    }
  for (const char *p = text; *p; p++)
    {
      int space = *p == ' ' || *p == '\n' || *p == '\t' || *p == '\r';

      if (!space && !in_word)
        words++;
      in_word = !space;
      if (call->is_cancelled (call))
        break;
    }
  snprintf (result, sizeof result, "{\"words\": %lu}", words);
  call->set_result (call, result, strlen (result));
  g_object_unref (parser);
  return 0;
}

static const SprigToolInfo tools[] = {
  {
    .name = "word_count",
    .description = "Counts the words of a text.",
    .parameters = "{\"type\": \"object\", \"properties\": {\"text\": {\"type\": \"string\"}}, "
                  "\"required\": [\"text\"], \"additionalProperties\": false}",
    .flags = SPRIG_TOOL_READ_ONLY,
    .permissions = NULL,
    .invoke = count_words,
  },
};

static const SprigToolPlugin plugin = SPRIG_TOOL_PLUGIN_INIT ("word-count",
                                                              "Example: counts words", tools);

SPRIG_TOOL_EXPORT const SprigToolPlugin *sprig_tool_plugin_entry (void);

const SprigToolPlugin *
sprig_tool_plugin_entry (void)
{
  return &plugin;
}
