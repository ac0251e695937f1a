/* SPDX-License-Identifier: Apache-2.0
 *
 * The tool loop and tool plugins: repeated calls stopped, the round limit, timeouts,
 * cancellation and the output cap with a runner written here; then the tool-calling
 * plugin opened through the engine's plugin loader, running the built-in calculator and
 * clock and the example plugin (built with pkg-config against the uninstalled
 * sprig-tool.pc), and a plugin of the wrong ABI refused with a reason.
 */
#include "config.h"

#include <string.h>

#include "sprig/se-error.h"
#include "sprig/se-plugin-loader.h"
#include "se-tools-private.h"

/* A runner that answers from a table, counts calls and can hold calls back. */
typedef struct
{
  guint calls;
  gboolean hang;
  gsize output_size;
  GPtrArray *held;   /* GTask, answered at the end */
} FakeRunner;

static void
fake_run_async (gpointer             runner,
                const char          *name,
                const char          *arguments,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  FakeRunner *f = runner;
  GTask *task = g_task_new (NULL, NULL, callback, user_data);

  f->calls++;
  if (f->hang)
    {
      g_ptr_array_add (f->held, task);  /* a tool that ignores cancellation */
      return;
    }
  if (g_str_equal (name, "deny"))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, "no");
  else if (f->output_size > 0)
    g_task_return_pointer (task, g_strnfill (f->output_size, 'x'), g_free);
  else
    g_task_return_pointer (task, g_strdup_printf ("{\"echo\": %s}", arguments), g_free);
  g_object_unref (task);
}

static char *
fake_run_finish (gpointer      runner,
                 GAsyncResult *result,
                 GError      **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static const SeToolRunnerIface fake_iface = { fake_run_async, fake_run_finish };

typedef struct
{
  GPtrArray *results;
  gboolean more;
  gboolean done;
} Outcome;

static void
round_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  gpointer *pair = user_data;
  Outcome *o = pair[1];
  g_autoptr(GError) error = NULL;

  o->results = _se_tool_loop_run_finish (pair[0], result, &o->more, &error);
  g_assert_no_error (error);
  o->done = TRUE;
}

static Outcome
run_round (SeToolLoop           *loop,
           const SeChatToolCall *calls,
           gsize                 n,
           GCancellable         *cancellable)
{
  Outcome o = { NULL, FALSE, FALSE };
  gpointer pair[2] = { loop, &o };

  _se_tool_loop_run_async (loop, calls, n, cancellable, round_done, pair);
  while (!o.done)
    g_main_context_iteration (NULL, TRUE);
  return o;
}

static SeToolStatus
status_of (Outcome *o,
           guint    i)
{
  return ((SeToolResult *) g_ptr_array_index (o->results, i))->status;
}

static const char *
content_of (Outcome *o,
            guint    i)
{
  return ((SeToolResult *) g_ptr_array_index (o->results, i))->content;
}

static void
test_repeats (void)
{
  FakeRunner f = { 0 };
  g_autoptr(SeToolLoop) loop = _se_tool_loop_new (&fake_iface, &f, NULL);
  SeChatToolCall a = { NULL, "calc", "{\"x\": 1, \"y\": [1, 2]}" };
  SeChatToolCall a_again = { NULL, "calc", "{\"y\":[1,2.0],\"x\":1}" };   /* same, reordered */
  SeChatToolCall b = { NULL, "calc", "{\"x\": 2}" };
  SeChatToolCall two[] = { a_again, b };
  Outcome o;

  _se_tool_loop_begin_turn (loop);
  o = run_round (loop, &a, 1, NULL);
  g_assert_cmpint (status_of (&o, 0), ==, SE_TOOL_STATUS_OK);
  g_assert_true (o.more);
  g_ptr_array_unref (o.results);

  /* one repeat and one new call: the new one runs, the loop goes on */
  o = run_round (loop, two, 2, NULL);
  g_assert_cmpint (status_of (&o, 0), ==, SE_TOOL_STATUS_REPEATED);
  g_assert_cmpint (status_of (&o, 1), ==, SE_TOOL_STATUS_OK);
  g_assert_true (o.more);
  g_assert_cmpuint (f.calls, ==, 2);
  g_ptr_array_unref (o.results);

  /* nothing but a repeat: stopped, no tools offered any more */
  o = run_round (loop, &b, 1, NULL);
  g_assert_cmpint (status_of (&o, 0), ==, SE_TOOL_STATUS_REPEATED);
  g_assert_false (o.more);
  g_assert_false (_se_tool_loop_tools_allowed (loop));
  g_assert_cmpuint (f.calls, ==, 2);
  g_ptr_array_unref (o.results);

  /* a new user message starts afresh */
  _se_tool_loop_begin_turn (loop);
  g_assert_true (_se_tool_loop_tools_allowed (loop));
  o = run_round (loop, &b, 1, NULL);
  g_assert_cmpint (status_of (&o, 0), ==, SE_TOOL_STATUS_OK);
  g_ptr_array_unref (o.results);
}

static void
test_round_limit (void)
{
  FakeRunner f = { 0 };
  SeToolLoopParams params = SE_TOOL_LOOP_PARAMS_INIT;
  g_autoptr(SeToolLoop) loop = NULL;
  Outcome o;

  params.max_rounds = 3;
  loop = _se_tool_loop_new (&fake_iface, &f, &params);
  _se_tool_loop_begin_turn (loop);
  for (guint r = 0; r < 3; r++)
    {
      g_autofree char *args = g_strdup_printf ("{\"n\": %u}", r);
      SeChatToolCall call = { NULL, "calc", args };

      o = run_round (loop, &call, 1, NULL);
      g_assert_cmpint (status_of (&o, 0), ==, SE_TOOL_STATUS_OK);
      g_assert_true (o.more == (r < 2));
      g_ptr_array_unref (o.results);
    }
  {
    SeChatToolCall call = { NULL, "calc", "{\"n\": 99}" };

    o = run_round (loop, &call, 1, NULL);
    g_assert_cmpint (status_of (&o, 0), ==, SE_TOOL_STATUS_LIMIT);
    g_assert_false (o.more);
    g_assert_nonnull (strstr (content_of (&o, 0), "limit of 3 tool rounds"));
    g_ptr_array_unref (o.results);
  }
  g_assert_cmpuint (f.calls, ==, 3);
}

static void
test_timeout_cancel_cap_deny (void)
{
  FakeRunner f = { 0 };
  SeToolLoopParams params = SE_TOOL_LOOP_PARAMS_INIT;
  g_autoptr(SeToolLoop) loop = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  SeChatToolCall call = { NULL, "calc", "{}" };
  SeChatToolCall deny = { NULL, "deny", "{}" };
  Outcome o;
  gint64 t0;

  f.held = g_ptr_array_new ();
  params.timeout_ms = 50;
  loop = _se_tool_loop_new (&fake_iface, &f, &params);

  f.hang = TRUE;
  t0 = g_get_monotonic_time ();
  o = run_round (loop, &call, 1, NULL);
  g_assert_cmpint (status_of (&o, 0), ==, SE_TOOL_STATUS_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 10 * G_USEC_PER_SEC);
  g_ptr_array_unref (o.results);

  _se_tool_loop_begin_turn (loop);
  g_cancellable_cancel (cancellable);
  o = run_round (loop, &call, 1, cancellable);
  g_assert_cmpint (status_of (&o, 0), ==, SE_TOOL_STATUS_CANCELLED);
  g_assert_false (o.more);
  g_ptr_array_unref (o.results);

  f.hang = FALSE;
  f.output_size = 100000;
  _se_tool_loop_begin_turn (loop);
  o = run_round (loop, &call, 1, NULL);
  g_assert_cmpint (status_of (&o, 0), ==, SE_TOOL_STATUS_OK);
  g_assert_true (((SeToolResult *) g_ptr_array_index (o.results, 0))->truncated);
  g_assert_cmpuint (strlen (content_of (&o, 0)), <, 16 * 1024 + 200);
  g_assert_nonnull (strstr (content_of (&o, 0), "[Output truncated: the first 16384 of 100000"));
  g_ptr_array_unref (o.results);

  o = run_round (loop, &deny, 1, NULL);
  g_assert_cmpint (status_of (&o, 0), ==, SE_TOOL_STATUS_DENIED);
  g_ptr_array_unref (o.results);

  /* the hung call answers late: ignored, nothing leaks */
  for (guint i = 0; i < f.held->len; i++)
    {
      GTask *task = g_ptr_array_index (f.held, i);

      g_task_return_pointer (task, g_strdup ("late"), g_free);
      g_object_unref (task);
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_ptr_array_unref (f.held);
}

static void
test_truncate_utf8 (void)
{
  gboolean cut;
  g_autofree char *t = _se_tool_truncate_output ("aéé", 2, &cut);

  g_assert_true (cut);
  g_assert_true (g_str_has_prefix (t, "a\n[Output truncated"));
}

static const SeToolsIface *
open_tools_plugin (SePlugin **plugin)
{
  g_autoptr(GError) error = NULL;

  *plugin = se_plugin_open (g_getenv ("SPRIG_TEST_TOOLS_PLUGIN"), SE_PLUGIN_KIND_TOOLS,
                            sizeof (SeToolsIface), &error);
  g_assert_no_error (error);
  return (const SeToolsIface *) (const void *) se_plugin_get_header (*plugin);
}

/* Runs one call through the plugin's loop with its registry as the runner. */
static char *
run_via_plugin (const SeToolsIface *iface,
                SeToolRegistry     *reg,
                const char         *name,
                const char         *arguments,
                SeToolStatus       *status)
{
  SeToolLoop *loop = iface->loop_new (iface->registry_runner, reg, NULL);
  SeChatToolCall call = { NULL, name, arguments };
  Outcome o;
  char *content;

  iface->loop_begin_turn (loop);
  o = run_round (loop, &call, 1, NULL);
  *status = status_of (&o, 0);
  content = g_strdup (content_of (&o, 0));
  g_ptr_array_unref (o.results);
  iface->loop_free (loop);
  return content;
}

static void
test_plugins (void)
{
  g_autoptr(SePlugin) plugin = NULL;
  const SeToolsIface *iface = open_tools_plugin (&plugin);
  SeToolRegistry *reg = iface->registry_new ();
  const char *calc = g_getenv ("SPRIG_TEST_CALCULATOR_TOOL");
  const char *clock = g_getenv ("SPRIG_TEST_CLOCK_TOOL");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) defs = NULL;
  g_autoptr(SeToolSet) set = NULL;
  g_autofree char *r1 = NULL, *r2 = NULL, *r3 = NULL, *r4 = NULL, *r5 = NULL;
  SeToolStatus st;

  g_assert_cmpstr (se_plugin_get_name (plugin), ==, "tools");
  g_assert_true (iface->registry_load (reg, calc, &error));
  g_assert_no_error (error);
  g_assert_true (iface->registry_load (reg, clock, &error));
  g_assert_true (iface->registry_load (reg, g_getenv ("SPRIG_TEST_EXAMPLE_TOOL"), &error));
  g_assert_no_error (error);
  /* loading the same tool twice is refused */
  g_assert_false (iface->registry_load (reg, calc, &error));
  g_assert_nonnull (strstr (error->message, "already loaded"));
  g_clear_error (&error);

  defs = iface->registry_get_definitions (reg);
  g_assert_cmpuint (defs->len, ==, 3);
  set = iface->tool_set_new ((const char *const *) defs->pdata, defs->len, &error);
  g_assert_no_error (error);

  r1 = run_via_plugin (iface, reg, "calculator", "{\"expression\": \"2^62 + (3 - 1) * 5\"}", &st);
  g_assert_cmpint (st, ==, SE_TOOL_STATUS_OK);
  g_assert_cmpstr (r1, ==, "{\"result\": 4611686018427387914}");
  r2 = run_via_plugin (iface, reg, "calculator", "{\"expression\": \"1/0\"}", &st);
  g_assert_cmpint (st, ==, SE_TOOL_STATUS_ERROR);
  g_assert_cmpstr (r2, ==, "Error: division by zero");
  r3 = run_via_plugin (iface, reg, "clock", "{\"timezone\": \"UTC\"}", &st);
  g_assert_cmpint (st, ==, SE_TOOL_STATUS_OK);
  g_assert_nonnull (strstr (r3, "\"timezone\": \"UTC\""));
  r4 = run_via_plugin (iface, reg, "word_count", "{\"text\": \"one two  three\"}", &st);
  g_assert_cmpint (st, ==, SE_TOOL_STATUS_OK);
  g_assert_cmpstr (r4, ==, "{\"words\": 3}");
  /* arguments are checked against the schema before a plugin sees them */
  r5 = run_via_plugin (iface, reg, "word_count", "{\"text\": 5}", &st);
  g_assert_cmpint (st, ==, SE_TOOL_STATUS_ERROR);
  g_assert_nonnull (strstr (r5, "invalid arguments"));
  iface->registry_free (reg);
}

static void
test_slow_plugin_times_out (void)
{
  g_autoptr(SeToolRegistry) reg = _se_tool_registry_new ();
  g_autoptr(GError) error = NULL;
  SeToolLoopParams params = SE_TOOL_LOOP_PARAMS_INIT;
  g_autoptr(SeToolLoop) loop = NULL;
  SeChatToolCall call = { NULL, "slow", "{}" };
  Outcome o;

  g_assert_true (_se_tool_registry_load (reg, g_getenv ("SPRIG_TEST_SLOW_TOOL"), &error));
  g_assert_no_error (error);
  params.timeout_ms = 100;
  loop = _se_tool_loop_new (&_se_tool_registry_runner, reg, &params);
  o = run_round (loop, &call, 1, NULL);
  g_assert_cmpint (status_of (&o, 0), ==, SE_TOOL_STATUS_TIMEOUT);
  g_ptr_array_unref (o.results);
  /* the timeout cancelled the call, so the worker thread ends: let it report */
  g_usleep (50000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
test_wrong_abi (void)
{
  g_autoptr(SeToolRegistry) reg = _se_tool_registry_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (_se_tool_registry_load (reg, g_getenv ("SPRIG_TEST_WRONG_ABI_TOOL"), &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_PLUGIN);
  g_assert_nonnull (strstr (error->message, "built for tool ABI 99, this Sprig needs ABI 1"));
  g_clear_error (&error);
  g_assert_false (_se_tool_registry_load (reg, "/nonexistent/tool.so", &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_PLUGIN);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sprig/tools/loop/repeats", test_repeats);
  g_test_add_func ("/sprig/tools/loop/round-limit", test_round_limit);
  g_test_add_func ("/sprig/tools/loop/timeout-cancel-cap-deny", test_timeout_cancel_cap_deny);
  g_test_add_func ("/sprig/tools/loop/truncate-utf8", test_truncate_utf8);
  g_test_add_func ("/sprig/tools/plugins/builtin-and-example", test_plugins);
  g_test_add_func ("/sprig/tools/plugins/slow-times-out", test_slow_plugin_times_out);
  g_test_add_func ("/sprig/tools/plugins/wrong-abi", test_wrong_abi);
  return g_test_run ();
}
