/* SPDX-License-Identifier: Apache-2.0
 *
 * The MCP client against sprig-toolhost and against mcp-test-server.py: handshake and
 * version negotiation, tools/list (with pages), calls, errors, cancellation, the output
 * cap, and what happens when the server crashes, hangs or exits: the call fails with
 * "The tool host stopped: …", the next call starts a new process and works, and
 * restarts stop after the limit. Also the client as the tool loop's runner.
 */
#include "config.h"

#include <string.h>

#include "se-tools-private.h"
#include "sprig-mcp-client-private.h"

/* Under AddressSanitizer the host reports the SIGSEGV itself, then exits with status 1 or,
 * with ASAN_OPTIONS=abort_on_error=1 (as CI runs it), dies of SIGABRT. */
#ifdef __SANITIZE_ADDRESS__
#define CRASH_MESSAGE "The tool host stopped: it "
#else
#define CRASH_MESSAGE "The tool host stopped: it crashed (signal 11"
#endif

typedef struct
{
  gboolean done;
  gboolean ok;
  char *text;
  GError *error;
} Outcome;

static void
outcome_clear (Outcome *o)
{
  g_free (o->text);
  g_clear_error (&o->error);
  memset (o, 0, sizeof *o);
}

static void
wait_for (Outcome *o)
{
  while (!o->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
started_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Outcome *o = user_data;

  o->ok = sprig_mcp_client_start_finish (SPRIG_MCP_CLIENT (source), result, &o->error);
  o->done = TRUE;
}

static void
called_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Outcome *o = user_data;

  o->text = sprig_mcp_client_call_tool_finish (SPRIG_MCP_CLIENT (source), result, &o->error);
  o->ok = o->text != NULL;
  o->done = TRUE;
}

static Outcome
start (SprigMcpClient *client)
{
  Outcome o = { 0 };

  sprig_mcp_client_start_async (client, NULL, started_cb, &o);
  wait_for (&o);
  return o;
}

static Outcome
call (SprigMcpClient *client,
      const char     *name,
      const char     *arguments,
      GCancellable   *cancellable)
{
  Outcome o = { 0 };

  sprig_mcp_client_call_tool_async (client, name, arguments, cancellable, called_cb, &o);
  wait_for (&o);
  return o;
}

/* Stops the client's server and lets its exit be seen, so no process outlives a test. */
static void
finish_client (SprigMcpClient *client)
{
  g_autoptr(GMainContext) ctx = g_main_context_ref_thread_default ();
  gint64 end = g_get_monotonic_time () + G_USEC_PER_SEC / 10;

  sprig_mcp_client_stop (client);
  g_object_unref (client);
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (ctx, FALSE), g_usleep (1000);
}

static const char *
env (const char *name)
{
  const char *value = g_getenv (name);

  g_assert_nonnull (value);
  return value;
}

static SprigMcpClient *
toolhost_client (const char *grace_ms,
                 ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  va_list ap;
  const char *plugin;

  g_ptr_array_add (argv, (char *) env ("SPRIG_TOOLHOST"));
  g_ptr_array_add (argv, (char *) "--cancel-grace");
  g_ptr_array_add (argv, (char *) grace_ms);
  va_start (ap, grace_ms);
  while ((plugin = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) env (plugin));
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  return sprig_mcp_client_new ((const char *const *) argv->pdata);
}

static SprigMcpClient *
server_client (const char *first_arg,
               ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  va_list ap;
  const char *arg;

  g_ptr_array_add (argv, (char *) env ("PYTHON3"));
  g_ptr_array_add (argv, (char *) env ("SPRIG_TEST_MCP_SERVER"));
  va_start (ap, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  return sprig_mcp_client_new ((const char *const *) argv->pdata);
}

static SprigMcpTool *
find_tool (SprigMcpClient *client,
           const char     *name)
{
  GPtrArray *tools = sprig_mcp_client_get_tools (client);

  for (guint i = 0; i < tools->len; i++)
    if (g_str_equal (((SprigMcpTool *) g_ptr_array_index (tools, i))->name, name))
      return g_ptr_array_index (tools, i);
  return NULL;
}

static void
test_toolhost_calculator (void)
{
  SprigMcpClient *client = toolhost_client ("2000", "SPRIG_TEST_CALCULATOR_TOOL",
                                            "SPRIG_TEST_WRONG_ABI_TOOL", NULL);
  g_autoptr(GPtrArray) defs = NULL;
  Outcome o = start (client);
  SprigMcpTool *calc;
  gint64 t0;

  g_assert_no_error (o.error);
  g_assert_cmpstr (sprig_mcp_client_get_protocol_version (client), ==, "2025-11-25");
  g_assert_cmpstr (sprig_mcp_client_get_server_name (client), ==, "sprig-toolhost");
  /* the wrong-ABI plugin is reported, the calculator still served */
  g_assert_cmpuint (g_strv_length ((char **) sprig_mcp_client_get_load_errors (client)), ==, 1);
  g_assert_nonnull (strstr (sprig_mcp_client_get_load_errors (client)[0], "tool ABI 99"));
  g_assert_cmpuint (sprig_mcp_client_get_tools (client)->len, ==, 1);
  calc = find_tool (client, "calculator");
  g_assert_nonnull (calc);
  g_assert_true (calc->read_only);
  g_assert_cmpstr (calc->plugin_id, ==, "calculator");
  g_assert_nonnull (strstr (calc->input_schema, "\"expression\""));
  defs = sprig_mcp_client_get_definitions (client);
  g_assert_cmpuint (defs->len, ==, 1);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (defs, 0),
                                   "{\"type\": \"function\", \"function\": {\"name\":\"calculator\""));
  outcome_clear (&o);

  t0 = g_get_monotonic_time ();
  o = call (client, "calculator", "{\"expression\": \"2^62 + (3 * 4)\"}", NULL);
  g_test_message ("calculator round trip: %.2f ms", (g_get_monotonic_time () - t0) / 1000.0);
  g_assert_no_error (o.error);
  g_assert_cmpstr (o.text, ==, "{\"result\": 4611686018427387916}");
  outcome_clear (&o);

  /* arguments that break the schema: the tool's error, for the model to correct */
  o = call (client, "calculator", "{\"expr\": \"1\"}", NULL);
  g_assert_error (o.error, SPRIG_MCP_ERROR, SPRIG_MCP_ERROR_TOOL);
  g_assert_nonnull (strstr (o.error->message, "invalid arguments"));
  outcome_clear (&o);
  o = call (client, "nope", "{}", NULL);
  g_assert_error (o.error, SPRIG_MCP_ERROR, SPRIG_MCP_ERROR_REMOTE);
  g_assert_cmpstr (o.error->message, ==, "Unknown tool: nope");
  outcome_clear (&o);
  g_assert_cmpuint (sprig_mcp_client_get_n_starts (client), ==, 1);
  finish_client (client);
}

static void
test_crash_restarts (void)
{
  SprigMcpClient *client = toolhost_client ("2000", "SPRIG_TEST_CALCULATOR_TOOL",
                                            "SPRIG_TEST_CRASH_TOOL", NULL);
  Outcome o = call (client, "crash", "{}", NULL);

  g_assert_error (o.error, SPRIG_MCP_ERROR, SPRIG_MCP_ERROR_STOPPED);
  g_assert_true (g_str_has_prefix (o.error->message, CRASH_MESSAGE));
  outcome_clear (&o);
  o = call (client, "calculator", "{\"expression\": \"6*7\"}", NULL);
  g_assert_no_error (o.error);
  g_assert_cmpstr (o.text, ==, "{\"result\": 42}");
  outcome_clear (&o);
  g_assert_cmpuint (sprig_mcp_client_get_n_starts (client), ==, 2);
  finish_client (client);
}

static void
test_hang_times_out (void)
{
  SprigMcpClient *client = toolhost_client ("60000", "SPRIG_TEST_CALCULATOR_TOOL",
                                            "SPRIG_TEST_HANG_TOOL", NULL);
  Outcome o;

  sprig_mcp_client_set_call_timeout (client, 300);
  o = call (client, "hang", "{}", NULL);
  g_assert_error (o.error, SPRIG_MCP_ERROR, SPRIG_MCP_ERROR_TIMEOUT);
  g_assert_true (g_str_has_prefix (o.error->message, "The tool host stopped: the call got no "
                                                     "answer within 1 s"));
  outcome_clear (&o);
  o = call (client, "calculator", "{\"expression\": \"1+1\"}", NULL);
  g_assert_no_error (o.error);
  g_assert_cmpstr (o.text, ==, "{\"result\": 2}");
  outcome_clear (&o);
  g_assert_cmpuint (sprig_mcp_client_get_n_starts (client), ==, 2);
  finish_client (client);
}

static gboolean
cancel_cb (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

/* A cancelled call that never returns: the host exits after its grace period (it
 * cannot stop the thread), the client sees it stop and starts a new one. */
static void
test_hang_cancelled_host_exits (void)
{
  SprigMcpClient *client = toolhost_client ("200", "SPRIG_TEST_CALCULATOR_TOOL",
                                            "SPRIG_TEST_HANG_TOOL", NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Outcome o = start (client);
  Outcome late = { 0 };

  outcome_clear (&o);
  g_timeout_add (50, cancel_cb, cancellable);
  o = call (client, "hang", "{}", cancellable);
  g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  outcome_clear (&o);
  /* a call made now is answered by the old host, or fails when it exits... */
  sprig_mcp_client_call_tool_async (client, "calculator", "{\"expression\": \"2\"}", NULL,
                                    called_cb, &late);
  wait_for (&late);
  outcome_clear (&late);
  /* ...and once the watchdog has fired, the next call runs in a new host */
  while (sprig_mcp_client_get_n_starts (client) == 1)
    {
      o = call (client, "calculator", "{\"expression\": \"3\"}", NULL);
      if (o.error != NULL)
        g_assert_true (g_str_has_prefix (o.error->message, "The tool host stopped: it exited "
                                                           "with status 70"));
      outcome_clear (&o);
      g_usleep (20000);
    }
  o = call (client, "calculator", "{\"expression\": \"3\"}", NULL);
  g_assert_cmpstr (o.text, ==, "{\"result\": 3}");
  outcome_clear (&o);
  finish_client (client);
}

static void
test_huge_output_capped (void)
{
  SprigMcpClient *client = toolhost_client ("2000", "SPRIG_TEST_HUGE_TOOL", NULL);
  Outcome o = call (client, "huge", "{}", NULL);

  g_assert_no_error (o.error);
  g_assert_true (g_str_has_prefix (o.text, "xxxxxxxx"));
  g_assert_true (g_str_has_suffix (o.text, "\n[Output truncated: the first 16384 of 1048576 "
                                           "bytes are shown.]"));
  g_assert_cmpuint (strspn (o.text, "x"), ==, 16384);
  outcome_clear (&o);
  finish_client (client);
}

static void
test_negotiation (void)
{
  struct { const char *args[3]; const char *version; } cases[] = {
    { { NULL }, "2025-11-25" },
    { { "--versions", "2025-06-18", NULL }, "2025-06-18" },
    { { "--versions", "2025-06-18,2025-11-25", NULL }, "2025-11-25" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      SprigMcpClient *client = server_client (cases[i].args[0], cases[i].args[1], NULL);
      Outcome o = start (client);

      g_assert_no_error (o.error);
      g_assert_cmpstr (sprig_mcp_client_get_protocol_version (client), ==, cases[i].version);
      g_assert_cmpstr (sprig_mcp_client_get_server_name (client), ==, "mcp-test-server");
      outcome_clear (&o);
      o = call (client, "echo", "{\"text\": \"hi\\nthere\"}", NULL);
      g_assert_cmpstr (o.text, ==, "{\"text\": \"hi\\nthere\"}");
      outcome_clear (&o);
      finish_client (client);
    }
}

static void
test_unsupported_version (void)
{
  SprigMcpClient *client = server_client ("--answer", "2024-11-05", NULL);
  Outcome o = start (client);

  g_assert_error (o.error, SPRIG_MCP_ERROR, SPRIG_MCP_ERROR_PROTOCOL);
  g_assert_cmpstr (o.error->message, ==, "it speaks MCP protocol version 2024-11-05; Sprig "
                                         "speaks 2025-11-25 and 2025-06-18");
  outcome_clear (&o);
  finish_client (client);
}

static void
test_server_features (void)
{
  SprigMcpClient *client = server_client ("--paginate", "--noise", "--ping", NULL);
  Outcome o = start (client);

  g_assert_no_error (o.error);
  outcome_clear (&o);
  /* both pages, the junk line ignored */
  g_assert_cmpuint (sprig_mcp_client_get_tools (client)->len, ==, 6);
  g_assert_true (find_tool (client, "echo")->read_only);
  g_assert_false (find_tool (client, "fail")->read_only);
  g_assert_null (find_tool (client, "echo")->plugin_id);   /* the server does not say */
  o = call (client, "pinged", "{}", NULL);
  g_assert_cmpstr (o.text, ==, "true");
  outcome_clear (&o);
  o = call (client, "fail", "{}", NULL);
  g_assert_error (o.error, SPRIG_MCP_ERROR, SPRIG_MCP_ERROR_TOOL);
  g_assert_cmpstr (o.error->message, ==, "it failed on purpose");
  outcome_clear (&o);
  o = call (client, "echo", "[1]", NULL);
  g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  outcome_clear (&o);
  finish_client (client);
}

static void
count_cb (SprigMcpClient *client,
          guint          *count)
{
  (*count)++;
}

/* notifications/tools/list_changed: the client lists again (both pages), calls go on
 * while that list is held back by the server, and "tools-changed" comes once the new
 * list is in. */
static void
test_list_changed (void)
{
  SprigMcpClient *client = server_client ("--list-changed", "--paginate", NULL);
  g_autoptr(GPtrArray) before = NULL;
  guint changed = 0;
  Outcome o = start (client);

  g_assert_no_error (o.error);
  outcome_clear (&o);
  g_signal_connect (client, "tools-changed", G_CALLBACK (count_cb), &changed);
  before = g_ptr_array_ref (sprig_mcp_client_get_tools (client));
  g_assert_cmpuint (before->len, ==, 8);
  g_assert_nonnull (find_tool (client, "fail"));
  g_assert_null (find_tool (client, "added"));

  /* the notification comes before this answer, so the new tools/list is on its way */
  o = call (client, "change", "{}", NULL);
  g_assert_cmpstr (o.text, ==, "changed");
  outcome_clear (&o);
  o = call (client, "echo", "{\"text\": \"meanwhile\"}", NULL);
  g_assert_cmpstr (o.text, ==, "{\"text\": \"meanwhile\"}");
  outcome_clear (&o);
  g_assert_cmpuint (changed, ==, 0);
  g_assert_true (sprig_mcp_client_get_tools (client) == before);

  o = call (client, "release", "{}", NULL);
  g_assert_cmpstr (o.text, ==, "released");
  outcome_clear (&o);
  while (changed == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (changed, ==, 1);
  g_assert_cmpuint (sprig_mcp_client_get_tools (client)->len, ==, 8);
  g_assert_null (find_tool (client, "fail"));
  g_assert_nonnull (find_tool (client, "added"));
  g_assert_cmpstr (find_tool (client, "added")->plugin_id, ==, "later");
  /* a reference taken before still holds the old list */
  g_assert_cmpuint (before->len, ==, 8);
  g_assert_cmpuint (sprig_mcp_client_get_n_starts (client), ==, 1);
  o = call (client, "echo", "{}", NULL);
  g_assert_cmpstr (o.text, ==, "{}");
  outcome_clear (&o);
  g_assert_cmpuint (changed, ==, 1);
  finish_client (client);
}

static char *
feed (SprigMcpClient *client,
      const char     *line)
{
  return _sprig_mcp_client_feed_line_for_test (client, line, strlen (line));
}

#define LIST_CHANGED "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/list_changed\"}"
#define LIST_ANSWER(id, tools) "{\"jsonrpc\":\"2.0\",\"id\":" id ",\"result\":{\"tools\":" tools "}}"
#define TOOL_A "{\"name\":\"a\",\"inputSchema\":{\"type\":\"object\"}}"

/* The same, line by line: a bad answer keeps the tools, notifications during a list
 * ask for one more list, and only a complete list changes the tools. */
static void
test_list_changed_lines (void)
{
  SprigMcpClient *client = _sprig_mcp_client_new_for_test ();
  guint changed = 0;
  char *sent;

  g_signal_connect (client, "tools-changed", G_CALLBACK (count_cb), &changed);
  sent = feed (client, LIST_CHANGED);
  g_assert_cmpstr (sent, ==, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}\n");
  g_free (sent);
  sent = feed (client, LIST_CHANGED);   /* one list at a time */
  g_assert_cmpstr (sent, ==, "");
  g_free (sent);
  /* a malformed answer: no change, and the held notification lists again */
  sent = feed (client, LIST_ANSWER ("1", "[{\"name\":\"nameless schema\"}]"));
  g_assert_cmpstr (sent, ==, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}\n");
  g_free (sent);
  g_assert_cmpuint (changed, ==, 0);
  g_assert_cmpuint (sprig_mcp_client_get_tools (client)->len, ==, 0);
  /* an answer to no request is ignored */
  g_free (feed (client, LIST_ANSWER ("7", "[" TOOL_A "]")));
  g_assert_cmpuint (changed, ==, 0);
  g_free (feed (client, LIST_ANSWER ("2", "[" TOOL_A "]")));
  g_assert_cmpuint (changed, ==, 1);
  g_assert_cmpuint (sprig_mcp_client_get_tools (client)->len, ==, 1);
  g_assert_null (find_tool (client, "a")->plugin_id);
  /* an error answer keeps the tools */
  g_free (feed (client, LIST_CHANGED));
  g_free (feed (client, "{\"jsonrpc\":\"2.0\",\"id\":3,\"error\":{\"code\":-1,\"message\":\"no\"}}"));
  g_assert_cmpuint (changed, ==, 1);
  g_assert_nonnull (find_tool (client, "a"));
  /* the server's requests are still answered */
  sent = feed (client, "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"ping\"}");
  g_assert_cmpstr (sent, ==, "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"result\":{}}\n");
  g_free (sent);
  g_assert_finalize_object (client);
}

static void
test_cancel_notifies (void)
{
  SprigMcpClient *client = server_client (NULL, NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Outcome o = start (client);

  outcome_clear (&o);
  g_timeout_add (50, cancel_cb, cancellable);
  o = call (client, "sleep", "{}", cancellable);
  g_assert_error (o.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  outcome_clear (&o);
  /* the server heard about it: request 3 was the call (1 was initialize, 2 tools/list) */
  o = call (client, "cancelled", "{}", NULL);
  g_assert_cmpstr (o.text, ==, "3");
  outcome_clear (&o);
  finish_client (client);
}

static void
test_exit_and_restart_limit (void)
{
  SprigMcpClient *client = server_client (NULL, NULL);
  Outcome o;

  sprig_mcp_client_set_restart_policy (client, 2, 10);
  for (guint i = 0; i < 3; i++)
    {
      o = call (client, "exit", "{}", NULL);
      g_assert_error (o.error, SPRIG_MCP_ERROR, SPRIG_MCP_ERROR_STOPPED);
      g_assert_cmpstr (o.error->message, ==, "The tool host stopped: it exited with status 3");
      outcome_clear (&o);
    }
  o = call (client, "echo", "{}", NULL);
  g_assert_error (o.error, SPRIG_MCP_ERROR, SPRIG_MCP_ERROR_GAVE_UP);
  outcome_clear (&o);
  g_assert_cmpuint (sprig_mcp_client_get_n_starts (client), ==, 3);
  sprig_mcp_client_reset (client);
  o = call (client, "echo", "{}", NULL);
  g_assert_cmpstr (o.text, ==, "{}");
  outcome_clear (&o);
  finish_client (client);
}

static void
test_spawn_fails (void)
{
  const char *argv[] = { "/nonexistent/mcp-server", NULL };
  SprigMcpClient *client = sprig_mcp_client_new (argv);
  Outcome o = call (client, "x", "{}", NULL);

  g_assert_error (o.error, SPRIG_MCP_ERROR, SPRIG_MCP_ERROR_STOPPED);
  g_assert_true (g_str_has_prefix (o.error->message, "The tool host stopped: "));
  outcome_clear (&o);
  g_assert_cmpuint (sprig_mcp_client_get_n_starts (client), ==, 0);
  finish_client (client);
}

static void
loop_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  gpointer *pair = user_data;
  gboolean more;

  pair[1] = _se_tool_loop_run_finish (pair[0], result, &more, NULL);
}

/* The client as the loop's runner: a crash is an ERROR result the model reads, and
 * the chat goes on with the next call. */
static void
test_loop_runner (void)
{
  SprigMcpClient *client = toolhost_client ("2000", "SPRIG_TEST_CALCULATOR_TOOL",
                                            "SPRIG_TEST_CRASH_TOOL", NULL);
  g_autoptr(SeToolLoop) loop = _se_tool_loop_new (&sprig_mcp_client_runner, client, NULL);
  SeChatToolCall calls[] = {
    { NULL, "calculator", "{\"expression\": \"1+2\"}" },
    { NULL, "crash", "{}" },
    { NULL, "calculator", "{\"expression\": \"2+2\"}" },
  };
  gpointer pair[2] = { loop, NULL };
  g_autoptr(GPtrArray) results = NULL;
  SeToolResult *r;

  _se_tool_loop_begin_turn (loop);
  _se_tool_loop_run_async (loop, calls, G_N_ELEMENTS (calls), NULL, loop_done, pair);
  while (pair[1] == NULL)
    g_main_context_iteration (NULL, TRUE);
  results = pair[1];
  g_assert_cmpuint (results->len, ==, 3);
  r = g_ptr_array_index (results, 0);
  g_assert_cmpint (r->status, ==, SE_TOOL_STATUS_OK);
  g_assert_cmpstr (r->content, ==, "{\"result\": 3}");
  r = g_ptr_array_index (results, 1);
  g_assert_cmpint (r->status, ==, SE_TOOL_STATUS_ERROR);
  g_assert_true (g_str_has_prefix (r->content, "Error: " CRASH_MESSAGE));
  r = g_ptr_array_index (results, 2);
  g_assert_cmpint (r->status, ==, SE_TOOL_STATUS_OK);
  g_assert_cmpstr (r->content, ==, "{\"result\": 4}");
  finish_client (client);
}

/* `meson test --benchmark mcp-client -v`: the handshake (spawn, initialize, tools/list)
 * and the round trip of a calculator call, from the client's side. */
static void
test_latency (void)
{
  const guint n_starts = 20, n_calls = 500;
  double start_ms = 0, call_ms;
  gint64 t0;

  if (!g_test_perf ())
    {
      g_test_skip ("a benchmark: run with -m perf");
      return;
    }
  for (guint i = 0; i < n_starts; i++)
    {
      SprigMcpClient *client = toolhost_client ("2000", "SPRIG_TEST_CALCULATOR_TOOL",
                                                "SPRIG_TEST_CLOCK_TOOL", NULL);
      Outcome o;

      t0 = g_get_monotonic_time ();
      o = start (client);
      start_ms += (g_get_monotonic_time () - t0) / 1000.0;
      g_assert_no_error (o.error);
      outcome_clear (&o);
      if (i == n_starts - 1)
        {
          t0 = g_get_monotonic_time ();
          for (guint j = 0; j < n_calls; j++)
            {
              o = call (client, "calculator", "{\"expression\": \"(2 + 3) * 4 ^ 2\"}", NULL);
              g_assert_cmpstr (o.text, ==, "{\"result\": 80}");
              outcome_clear (&o);
            }
          call_ms = (g_get_monotonic_time () - t0) / 1000.0 / n_calls;
          g_test_minimized_result (call_ms, "calculator call round trip: %.3f ms", call_ms);
        }
      finish_client (client);
    }
  g_test_minimized_result (start_ms / n_starts, "start (spawn + initialize + tools/list): %.2f ms",
                           start_ms / n_starts);
}

static void
test_wrap_argv (void)
{
  const char *argv[] = { "/app/libexec/sprig-toolhost", "a.so", NULL };
  const char *expose[] = { "/home/u/.local/share/sprig/tools", NULL };
  g_auto(GStrv) direct = sprig_mcp_wrap_argv (argv, SPRIG_MCP_SPAWN_DIRECT, FALSE, expose);
  g_auto(GStrv) sandbox = sprig_mcp_wrap_argv (argv, SPRIG_MCP_SPAWN_SANDBOX, FALSE, expose);
  g_auto(GStrv) host = sprig_mcp_wrap_argv (argv, SPRIG_MCP_SPAWN_HOST, TRUE, expose);
  g_autofree char *d = g_strjoinv (" ", direct), *s = g_strjoinv (" ", sandbox);
  g_autofree char *h = g_strjoinv (" ", host);

  g_assert_cmpstr (d, ==, "/app/libexec/sprig-toolhost a.so");
  g_assert_cmpstr (s, ==, "flatpak-spawn --watch-bus --sandbox --no-network "
                          "--sandbox-expose-path-ro=/home/u/.local/share/sprig/tools "
                          "/app/libexec/sprig-toolhost a.so");
  g_assert_cmpstr (h, ==, "flatpak-spawn --watch-bus --host /app/libexec/sprig-toolhost a.so");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sprig/mcp/toolhost/calculator", test_toolhost_calculator);
  g_test_add_func ("/sprig/mcp/toolhost/crash-restarts", test_crash_restarts);
  g_test_add_func ("/sprig/mcp/toolhost/hang-times-out", test_hang_times_out);
  g_test_add_func ("/sprig/mcp/toolhost/hang-cancelled-host-exits", test_hang_cancelled_host_exits);
  g_test_add_func ("/sprig/mcp/toolhost/huge-output-capped", test_huge_output_capped);
  g_test_add_func ("/sprig/mcp/toolhost/loop-runner", test_loop_runner);
  g_test_add_func ("/sprig/mcp/server/negotiation", test_negotiation);
  g_test_add_func ("/sprig/mcp/server/unsupported-version", test_unsupported_version);
  g_test_add_func ("/sprig/mcp/server/pages-noise-ping-errors", test_server_features);
  g_test_add_func ("/sprig/mcp/server/list-changed", test_list_changed);
  g_test_add_func ("/sprig/mcp/list-changed-lines", test_list_changed_lines);
  g_test_add_func ("/sprig/mcp/server/cancel-notifies", test_cancel_notifies);
  g_test_add_func ("/sprig/mcp/server/exit-and-restart-limit", test_exit_and_restart_limit);
  g_test_add_func ("/sprig/mcp/server/spawn-fails", test_spawn_fails);
  g_test_add_func ("/sprig/mcp/wrap-argv", test_wrap_argv);
  g_test_add_func ("/sprig/mcp/toolhost/latency", test_latency);
  return g_test_run ();
}
