/* SPDX-License-Identifier: Apache-2.0
 *
 * sprig-toolhost on the wire: lines in, lines out. The handshake and version
 * negotiation, tools/list and tools/call, and the JSON-RPC error for every kind of bad
 * line; plugins from key files (--plugin-dir), a bad key file reported, and a key file
 * whose module aborts when loaded (the same file the key-file test reads safely).
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sprig-jsonrpc.h"

#define INIT(version) "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":" \
  "{\"protocolVersion\":\"" version "\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\"," \
  "\"version\":\"1\"}}}"

/* Runs the host with @args, feeds it @input, returns its output lines. */
static GPtrArray *
converse (const char *const *args,
          const char         *input,
          int                *status)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) sub = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  char **split;

  g_ptr_array_add (argv, (char *) g_getenv ("SPRIG_TOOLHOST"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  sub = g_subprocess_newv ((const char *const *) argv->pdata,
                           G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                           | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (sub, input, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  *status = g_subprocess_get_status (sub);
  split = g_strsplit (out, "\n", -1);
  for (guint i = 0; split[i] != NULL; i++)
    if (*split[i] != '\0')
      g_ptr_array_add (lines, split[i]);
    else
      g_free (split[i]);
  g_free (split);
  return lines;
}

/* The answer with id @id (JSON text), parsed; fails the test when there is none. */
static SeJsonNode *
answer (GPtrArray  *lines,
        const char *id)
{
  for (guint i = 0; i < lines->len; i++)
    {
      SprigJsonRpcMessage msg;
      g_autoptr(GError) error = NULL;
      const char *line = g_ptr_array_index (lines, i);
      SeJsonNode *root;

      g_assert_true (sprig_jsonrpc_parse (line, strlen (line), &msg, &error));
      g_assert_cmpint (msg.kind, ==, SPRIG_JSONRPC_RESPONSE);
      if (g_str_equal (msg.id, id))
        {
          root = g_steal_pointer (&msg.root);
          sprig_jsonrpc_message_clear (&msg);
          return root;
        }
      sprig_jsonrpc_message_clear (&msg);
    }
  g_error ("no answer with id %s", id);
}

static int
error_code (SeJsonNode *response)
{
  SeJsonNode *error = se_json_node_get_member (response, "error");

  g_assert_nonnull (error);
  return (int) se_json_node_get_number (se_json_node_get_member (error, "code"));
}

static void
test_handshake_list_call (void)
{
  const char *args[] = { g_getenv ("SPRIG_TEST_CALCULATOR_TOOL"), NULL };
  const char *input =
    INIT ("2025-06-18") "\n"
    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
    "{\"jsonrpc\":\"2.0\",\"id\":\"list\",\"method\":\"tools/list\"}\n"
    "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"calculator\","
    "\"arguments\":{\"expression\":\"sqrt(16) + 1\"}}}\r\n"
    "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\",\"params\":{\"name\":\"calculator\","
    "\"arguments\":{\"expression\":\"1/0\"}}}\n"
    "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"ping\"}\n";
  int status;
  g_autoptr(GPtrArray) lines = converse (args, input, &status);
  g_autoptr(SeJsonNode) init = answer (lines, "0");
  g_autoptr(SeJsonNode) list = answer (lines, "\"list\"");
  g_autoptr(SeJsonNode) ok = answer (lines, "7");
  g_autoptr(SeJsonNode) bad = answer (lines, "8");
  g_autoptr(SeJsonNode) ping = answer (lines, "9");
  SeJsonNode *result = se_json_node_get_member (init, "result"), *tool, *content;

  g_assert_cmpint (status, ==, 0);
  g_assert_cmpuint (lines->len, ==, 5);   /* notifications get no answer */
  g_assert_cmpstr (sprig_json_get_string (result, "protocolVersion"), ==, "2025-06-18");
  g_assert_nonnull (se_json_node_get_member (se_json_node_get_member (result, "capabilities"),
                                             "tools"));
  g_assert_cmpstr (sprig_json_get_string (se_json_node_get_member (result, "serverInfo"), "name"),
                   ==, "sprig-toolhost");
  tool = se_json_node_get_element (se_json_node_get_member (se_json_node_get_member (list, "result"),
                                                            "tools"), 0);
  g_assert_cmpstr (sprig_json_get_string (tool, "name"), ==, "calculator");
  g_assert_nonnull (sprig_json_get_string (tool, "description"));
  g_assert_cmpint (se_json_node_get_node_type (se_json_node_get_member (tool, "inputSchema")), ==,
                   SE_JSON_OBJECT);
  g_assert_true (sprig_json_get_bool (se_json_node_get_member (tool, "annotations"),
                                      "readOnlyHint", FALSE));
  /* loaded from a .so: the plugin id is the module's name */
  g_assert_cmpstr (sprig_json_get_string (se_json_node_get_member (tool, "_meta"),
                                          "io.github.sprigchat/plugin"), ==, "calculator");
  result = se_json_node_get_member (ok, "result");
  g_assert_false (sprig_json_get_bool (result, "isError", TRUE));
  content = se_json_node_get_element (se_json_node_get_member (result, "content"), 0);
  g_assert_cmpstr (sprig_json_get_string (content, "type"), ==, "text");
  g_assert_cmpstr (sprig_json_get_string (content, "text"), ==, "{\"result\": 5}");
  result = se_json_node_get_member (bad, "result");
  g_assert_true (sprig_json_get_bool (result, "isError", FALSE));
  g_assert_cmpuint (se_json_node_get_size (se_json_node_get_member (ping, "result")), ==, 0);
}

static void
test_versions (void)
{
  const char *args[] = { NULL };
  struct { const char *asked, *answered; } cases[] = {
    { "2025-11-25", "2025-11-25" },
    { "2025-06-18", "2025-06-18" },
    { "2024-11-05", "2025-11-25" },   /* unknown: the server offers its latest */
    { "2099-01-01", "2025-11-25" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *input = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":"
                                                "\"initialize\",\"params\":{\"protocolVersion\":"
                                                "\"%s\",\"capabilities\":{}}}\n", cases[i].asked);
      int status;
      g_autoptr(GPtrArray) lines = converse (args, input, &status);
      g_autoptr(SeJsonNode) init = answer (lines, "0");

      g_assert_cmpstr (sprig_json_get_string (se_json_node_get_member (init, "result"),
                                              "protocolVersion"), ==, cases[i].answered);
    }
}

static void
test_errors (void)
{
  const char *args[] = { g_getenv ("SPRIG_TEST_CALCULATOR_TOOL"), NULL };
  struct { const char *line; const char *id; int code; } cases[] = {
    { "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}", "1", -32600 },  /* before init */
    { INIT ("2025-11-25"), "0", 0 },
    { INIT ("2025-11-25"), "0", -32600 },                                         /* twice */
    { "not json", "null", -32700 },
    { "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/li", "null", -32700 },    /* truncated */
    { "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"} x", "null", -32700 },   /* trailing */
    { "[{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}]", "null", -32600 },   /* batch */
    { "42", "null", -32600 },
    { "{\"id\":4,\"method\":\"ping\"}", "4", -32600 },                            /* no jsonrpc */
    { "{\"jsonrpc\":\"1.0\",\"id\":5,\"method\":\"ping\"}", "5", -32600 },
    { "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}", "null", -32600 },    /* id type */
    { "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":7}", "6", -32600 },
    { "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\",\"params\":3}", "7", -32600 },
    { "{\"jsonrpc\":\"2.0\",\"id\":8}", "8", -32600 },
    { "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"resources/list\"}", "9", -32601 },
    { "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"tools/call\"}", "10", -32602 },
    { "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"tools/call\",\"params\":{\"name\":5}}", "11",
      -32602 },
    { "{\"jsonrpc\":\"2.0\",\"id\":12,\"method\":\"tools/call\",\"params\":{\"name\":\"calculator\","
      "\"arguments\":[1]}}", "12", -32602 },
    { "{\"jsonrpc\":\"2.0\",\"id\":13,\"method\":\"tools/call\",\"params\":{\"name\":\"rm\"}}",
      "13", -32602 },
    { "{\"jsonrpc\":\"2.0\",\"id\":14,\"method\":\"tools/list\",\"params\":{\"cursor\":\"x\"}}",
      "14", -32602 },
    { "{\"jsonrpc\":\"2.0\",\"id\":\"s\",\"method\":\"ping\"}", "\"s\"", 0 },
  };
  GString *input = g_string_new (NULL);
  g_autoptr(GPtrArray) lines = NULL;
  int status;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_string_append_printf (input, "%s\n", cases[i].line);
  /* also a line that is not UTF-8, and notifications, which get no answer at all */
  g_string_append (input, "{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":\"\xff\"}\n"
                          "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/whatever\"}\n"
                          "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
                          "\"params\":{\"requestId\":1234}}\n");
  lines = converse (args, input->str, &status);
  g_string_free (input, TRUE);
  g_assert_cmpuint (lines->len, ==, G_N_ELEMENTS (cases) + 1);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *line = g_ptr_array_index (lines, i);
      g_autoptr(SeJsonNode) node = se_json_parse (line, -1, NULL);
      g_autofree char *id = se_json_node_to_string (se_json_node_get_member (node, "id"),
                                                    SE_JSON_STYLE_COMPACT);

      g_test_message ("%s → %s", cases[i].line, line);
      g_assert_cmpstr (id, ==, cases[i].id);
      if (cases[i].code == 0)
        g_assert_nonnull (se_json_node_get_member (node, "result"));
      else
        g_assert_cmpint (error_code (node), ==, cases[i].code);
    }
  {
    g_autoptr(SeJsonNode) node = se_json_parse (g_ptr_array_index (lines, G_N_ELEMENTS (cases)),
                                                -1, NULL);

    g_assert_cmpint (error_code (node), ==, -32700);
  }
}

static void
test_plugin_dir (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sprig-toolhost-XXXXXX", NULL);
  g_autofree char *good = g_build_filename (dir, "calc.plugin", NULL);
  g_autofree char *bad = g_build_filename (dir, "broken.plugin", NULL);
  g_autofree char *calc_so = g_path_get_basename (g_getenv ("SPRIG_TEST_CALCULATOR_TOOL"));
  g_autofree char *calc_dir = g_path_get_dirname (g_getenv ("SPRIG_TEST_CALCULATOR_TOOL"));
  g_autofree char *content = NULL;
  const char *args[] = { "--plugin-dir", dir, NULL };
  int status;
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(SeJsonNode) init = NULL, list = NULL;
  SeJsonNode *errors, *tools;
  g_autofree char *link = g_build_filename (dir, calc_so, NULL);
  g_autofree char *target = g_build_filename (calc_dir, calc_so, NULL);

  g_assert_true (symlink (target, link) == 0);
  content = g_strdup ("[Sprig Tool]\nName=Calc\nDescription=d\nModule=calculator\nReadOnly=true\n");
  g_assert_true (g_file_set_contents (good, content, -1, NULL));
  g_assert_true (g_file_set_contents (bad, "[Sprig Tool]\nName=x\n", -1, NULL));
  lines = converse (args, INIT ("2025-11-25") "\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":"
                    "\"tools/list\"}\n", &status);
  init = answer (lines, "0");
  list = answer (lines, "1");
  errors = se_json_node_get_member (se_json_node_get_member (se_json_node_get_member (init, "result"),
                                                             "_meta"),
                                    "io.github.sprigchat/loadErrors");
  g_assert_cmpuint (se_json_node_get_size (errors), ==, 1);
  g_assert_nonnull (strstr (se_json_node_get_string (se_json_node_get_element (errors, 0), NULL),
                            "broken.plugin"));
  tools = se_json_node_get_member (se_json_node_get_member (list, "result"), "tools");
  g_assert_cmpuint (se_json_node_get_size (tools), ==, 1);
  g_assert_cmpstr (sprig_json_get_string (se_json_node_get_element (tools, 0), "name"), ==,
                   "calculator");
  /* loaded through a key file: the plugin id is the key file's */
  g_assert_cmpstr (sprig_json_get_string (se_json_node_get_member (se_json_node_get_element (tools, 0),
                                                                   "_meta"),
                                          "io.github.sprigchat/plugin"), ==, "calc");
  g_unlink (good);
  g_unlink (bad);
  g_unlink (link);
  g_rmdir (dir);
}

/* The abort-on-load module really aborts when loaded, so the key-file test, which
 * reads its key file and survives, shows that reading loads no code. */
static void
test_abort_module_aborts (void)
{
  const char *args[] = { g_getenv ("SPRIG_TEST_ABORT_KEY_FILE"), NULL };
  int status;
  g_autoptr(GPtrArray) lines = converse (args, "", &status);

  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGABRT);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sprig/toolhost/handshake-list-call", test_handshake_list_call);
  g_test_add_func ("/sprig/toolhost/versions", test_versions);
  g_test_add_func ("/sprig/toolhost/errors", test_errors);
  g_test_add_func ("/sprig/toolhost/plugin-dir", test_plugin_dir);
  g_test_add_func ("/sprig/toolhost/abort-module-aborts", test_abort_module_aborts);
  return g_test_run ();
}
