/* SPDX-License-Identifier: Apache-2.0
 *
 * libFuzzer target for JSON-RPC lines as MCP carries them: the input is cut at newlines
 * and each line is classified by sprig_jsonrpc_parse(), answered the way sprig-toolhost
 * answers (the error for a bad line, a result and "Method not found" for a request), and
 * fed to the MCP client's line handler through a stand-in server (one client per input,
 * so a notifications/tools/list_changed and the answers to its tools/list all count).
 * Nothing may crash, and every line either side produces must be one valid UTF-8 JSON
 * object on one line with "jsonrpc":"2.0" and, for an answer, the id it answers.
 *
 * With SPRIG_FUZZ_SEED_DIR set, first writes a seed corpus of typical and bad lines.
 */
#include <stdint.h>
#include <string.h>

#include "sprig-jsonrpc.h"
#include "sprig-mcp-client-private.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* One line that someone sends: one JSON-RPC object, its id @id (JSON text) when given. */
static void
check_line (const char *line,
            gsize       len,
            const char *id)
{
  g_autoptr(SeJsonNode) node = NULL;
  g_autoptr(GError) error = NULL;
  SeJsonNode *member;

  g_assert (g_utf8_validate_len (line, len, NULL));
  g_assert (memchr (line, '\n', len) == NULL && memchr (line, '\r', len) == NULL);
  node = se_json_parse (line, len, &error);
  g_assert_no_error (error);
  g_assert (se_json_node_get_node_type (node) == SE_JSON_OBJECT);
  g_assert_cmpstr (sprig_json_get_string (node, "jsonrpc"), ==, "2.0");
  if (id != NULL)
    {
      g_autofree char *text = NULL;

      member = se_json_node_get_member (node, "id");
      g_assert (member != NULL);
      text = se_json_node_to_string (member, SE_JSON_STYLE_COMPACT);
      g_assert_cmpstr (text, ==, id);
    }
}

/* Text made of lines each ending in '\n', as the writers return them. */
static void
check_lines (const char *text,
             const char *id)
{
  const char *start = text;
  const char *nl;

  while ((nl = strchr (start, '\n')) != NULL)
    {
      check_line (start, nl - start, id);
      start = nl + 1;
    }
  g_assert (*start == '\0');
}

static void
check_answer (char       *line,
              const char *id)
{
  gsize len = strlen (line);

  g_assert (len > 0 && line[len - 1] == '\n');
  check_line (line, len - 1, id);
  g_free (line);
}

static void
answer_as_the_host (const char *line,
                    gsize       len)
{
  SprigJsonRpcMessage msg;
  g_autoptr(GError) error = NULL;

  if (!sprig_jsonrpc_parse (line, len, &msg, &error))
    {
      g_assert (error->domain == SPRIG_JSONRPC_ERROR);
      g_assert (error->code == SPRIG_JSONRPC_PARSE_ERROR
                || error->code == SPRIG_JSONRPC_INVALID_REQUEST);
      g_assert (msg.id == NULL || error->code == SPRIG_JSONRPC_INVALID_REQUEST);
      check_answer (sprig_jsonrpc_error_line (msg.id, error->code, error->message),
                    msg.id ? msg.id : "null");
      sprig_jsonrpc_message_clear (&msg);
      return;
    }
  g_assert (se_json_node_get_node_type (msg.root) == SE_JSON_OBJECT);
  switch (msg.kind)
    {
    case SPRIG_JSONRPC_REQUEST:
      {
        g_autofree char *m = g_strdup_printf ("Method not found: %s", msg.method);
        g_autofree char *params = NULL;

        g_assert (msg.id != NULL && msg.method != NULL);
        check_answer (sprig_jsonrpc_result_line (msg.id, "{}"), msg.id);
        check_answer (sprig_jsonrpc_error_line (msg.id, SPRIG_JSONRPC_METHOD_NOT_FOUND, m), msg.id);
        if (msg.params != NULL)
          params = se_json_node_to_string (msg.params, SE_JSON_STYLE_COMPACT);
        check_answer (sprig_jsonrpc_request_line (7, msg.method, params), "7");
      }
      break;
    case SPRIG_JSONRPC_NOTIFICATION:
      g_assert (msg.id == NULL && msg.method != NULL);
      check_answer (sprig_jsonrpc_notification_line (msg.method, NULL), NULL);
      break;
    case SPRIG_JSONRPC_RESPONSE:
      g_assert (msg.id != NULL && msg.method == NULL);
      g_assert ((msg.result == NULL) != (msg.error == NULL));
      break;
    default:
      g_assert_not_reached ();
    }
  sprig_jsonrpc_message_clear (&msg);
}

/* The client answers a request of the server with one line carrying its id; anything
 * else it may send is its own tools/list request (after list_changed, or the next page). */
static void
feed_the_client (SprigMcpClient *client,
                 const char     *line,
                 gsize           len)
{
  g_autofree char *sent = _sprig_mcp_client_feed_line_for_test (client, line, len);
  GPtrArray *tools;
  SprigJsonRpcMessage msg;

  if (sprig_jsonrpc_parse (line, len, &msg, NULL) && msg.kind == SPRIG_JSONRPC_REQUEST)
    {
      g_assert (strchr (sent, '\n') == sent + strlen (sent) - 1);
      check_lines (sent, msg.id);
    }
  else
    {
      check_lines (sent, NULL);
      for (const char *l = sent; *l != '\0'; l = strchr (l, '\n') + 1)
        g_assert (g_str_has_prefix (l, "{\"jsonrpc\":\"2.0\",\"id\":")
                  && strstr (l, "\"method\":\"tools/list\"") != NULL);
    }
  sprig_jsonrpc_message_clear (&msg);
  tools = sprig_mcp_client_get_tools (client);
  for (guint i = 0; i < tools->len; i++)
    {
      SprigMcpTool *tool = g_ptr_array_index (tools, i);
      g_autoptr(SeJsonNode) schema = se_json_parse (tool->input_schema, -1, NULL);

      g_assert (tool->name != NULL);
      g_assert (schema != NULL && se_json_node_get_node_type (schema) == SE_JSON_OBJECT);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  SprigMcpClient *client = _sprig_mcp_client_new_for_test ();
  const char *text = (const char *) data;
  gsize start = 0;

  for (gsize i = 0; i <= size; i++)
    {
      if (i < size && text[i] != '\n')
        continue;
      if (i > start)
        {
          answer_as_the_host (text + start, i - start);
          feed_the_client (client, text + start, i - start);
        }
      start = i + 1;
    }
  g_object_unref (client);
  return 0;
}

static const char *const seeds[] = {
  "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
  "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"sprig\",\"version\":\"0.1\"}}}\n",
  "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
  "{\"jsonrpc\":\"2.0\",\"id\":\"list\",\"method\":\"tools/list\",\"params\":{\"cursor\":\"p2\"}}\n",
  "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"calculator\","
  "\"arguments\":{\"expression\":\"sqrt(16) + 1\"}}}\r\n",
  "{\"jsonrpc\":\"2.0\",\"id\":\"srv-1\",\"method\":\"ping\"}\n"
  "{\"jsonrpc\":\"2.0\",\"id\":-3.5e2,\"method\":\"sampling/createMessage\",\"params\":[]}\n",
  "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}\n"
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[{\"name\":\"a\",\"description\":\"d\","
  "\"inputSchema\":{\"type\":\"object\"},\"annotations\":{\"readOnlyHint\":true},"
  "\"_meta\":{\"io.github.sprigchat/plugin\":\"calc\"}}],\"nextCursor\":\"x\"}}\n"
  "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[]}}\n",
  "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}\n"
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32603,\"message\":\"busy\"}}\n",
  "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":3,"
  "\"reason\":\"cancelled\"}}\n",
  "{\"jsonrpc\":\"2.0\",\"id\":9,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"5\"}],"
  "\"isError\":false}}\n",
  "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]\n{\"jsonrpc\":\"1.0\",\"id\":1}\n"
  "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}\n{\"jsonrpc\":\"2.0\",\"id\":1,"
  "\"method\":\"m\",\"params\":5}\nnot json\n{\"jsonrpc\":\"2.0\",\"id\":\"\\u0000\","
  "\"method\":\"\\u2028\\ud83d\\ude00\"}\n",
};

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  const char *dir = g_getenv ("SPRIG_FUZZ_SEED_DIR");

  if (dir == NULL)
    return 0;
  g_mkdir_with_parents (dir, 0755);
  for (guint i = 0; i < G_N_ELEMENTS (seeds); i++)
    {
      g_autofree char *name = g_strdup_printf ("seed-%02u.jsonl", i);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (!g_file_set_contents (path, seeds[i], -1, NULL))
        g_error ("cannot write %s", path);
    }
  return 0;
}
