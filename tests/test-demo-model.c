/* SPDX-License-Identifier: Apache-2.0
 *
 * What the shipped demo model (data/models/sprig-demo.gguf) does at temperature 0, through
 * the engine's own chat template with the calculator and clock tools and thinking off, as
 * the app would run it: "What is 417 * 23?" calls the calculator with both numbers, a tool
 * result of 9591 comes back in the answer, "Hello" gets a greeting, and a time question
 * calls the clock. The tool-call text is parsed here, not by the tools plugin.
 */
#include "config.h"

#include <string.h>

#include "sprig/se-generate.h"
#include "sprig/se-json.h"
#include "sprig/se-model.h"

/* The tool definitions the model was trained with (tools/train/demo_data.py). */
static const char *const tools[] = {
  "{\"type\": \"function\", \"function\": {\"name\": \"calculator\", \"description\": "
  "\"Evaluate an arithmetic expression and return the result.\", \"parameters\": {\"type\": "
  "\"object\", \"properties\": {\"expression\": {\"type\": \"string\", \"description\": "
  "\"The expression, for example 417 * 23\"}}, \"required\": [\"expression\"]}}}",
  "{\"type\": \"function\", \"function\": {\"name\": \"clock\", \"description\": \"Get the "
  "current local date, time and weekday.\", \"parameters\": {\"type\": \"object\", "
  "\"properties\": {}}}}",
};

static SeModel *demo_model;

/* A reply that does not do what the model was trained to do fails the test (the reply is
 * in the log). */
static void
expect (gboolean ok, const char *what)
{
  if (!ok)
    g_test_fail_printf ("%s", what);
}

/* Failures of the engine itself, not of the model's replies, end the run. */
static void
check (const GError *error)
{
  if (error != NULL)
    g_error ("%s", error->message);
}

static void
append_text (gint32 token, const char *text, gsize len, gpointer user_data)
{
  g_string_append_len (user_data, text, (gssize) len);
}

/* The reply to @messages, greedy, with both tools offered and thinking off. */
static char *
reply (const SeChatMessage *messages,
       gsize                n_messages)
{
  SeChatOptions options = { TRUE, FALSE, tools, G_N_ELEMENTS (tools) };
  SeGenerateLimits limits = { 96, NULL, FALSE };
  g_autoptr(GError) error = NULL;
  g_autoptr(SeSession) session = NULL;
  g_autoptr(SeSampler) sampler = NULL;
  g_autofree char *prompt = NULL;
  g_autofree gint32 *ids = NULL;
  GString *text = g_string_new (NULL);
  SeSamplingParams params;
  SeGenerateStats stats;
  gsize n_ids = 0;

  prompt = se_chat_template_render (se_model_get_chat_template (demo_model), messages,
                                    n_messages, &options, &error);
  check (error);
  ids = se_tokenizer_encode (se_model_get_tokenizer (demo_model), prompt, -1,
                             SE_TOKENIZE_PARSE_SPECIAL, &n_ids, &error);
  check (error);
  session = se_session_new (demo_model, 1024, &error);
  check (error);
  se_sampling_params_init (&params);
  params.temperature = 0.0f;
  params.repeat_penalty = 1.0f;
  sampler = se_sampler_new (&params, se_model_get_hparams (demo_model)->n_vocab);
  se_generate (session, ids, (guint) n_ids, sampler, &limits, append_text, text, &stats, NULL,
               &error);
  check (error);
  g_test_message ("reply to “%s”: %s", messages[0].content, text->str);
  return g_string_free (text, FALSE);
}

/* The JSON object of the first <tool_call> block of @text; NULL (the test failed) when
 * there is none or it does not parse. */
static SeJsonNode *
tool_call (const char *text)
{
  const char *start = strstr (text, "<tool_call>\n"), *end = NULL;
  g_autoptr(GError) error = NULL;
  SeJsonNode *call;

  if (start != NULL)
    end = strstr (start += strlen ("<tool_call>\n"), "\n</tool_call>");
  if (end == NULL)
    {
      g_test_fail_printf ("no <tool_call> block in “%s”", text);
      return NULL;
    }
  call = se_json_parse (start, end - start, &error);
  if (call == NULL || se_json_node_get_node_type (call) != SE_JSON_OBJECT)
    {
      g_test_fail_printf ("the tool call “%.*s” is not a JSON object: %s", (int) (end - start),
                          start, error ? error->message : "wrong type");
      g_clear_pointer (&call, se_json_node_free);
    }
  return call;
}

/* The string member @name of @obj, or "" (the test failed). */
static const char *
member_string (const SeJsonNode *obj, const char *name)
{
  SeJsonNode *m = obj ? se_json_node_get_member (obj, name) : NULL;

  if (m == NULL || se_json_node_get_node_type (m) != SE_JSON_STRING)
    {
      g_test_fail_printf ("the tool call has no string “%s”", name);
      return "";
    }
  return se_json_node_get_string (m, NULL);
}

static void
test_template (void)
{
  SeChatTemplate *tmpl = se_model_get_chat_template (demo_model);

  g_assert_cmpint (se_chat_template_get_family (tmpl), ==, SE_CHAT_FAMILY_QWEN3);
  g_assert_true (se_chat_template_supports_tools (tmpl));
  g_assert_null (se_chat_template_get_warning (tmpl));
}

static void
test_calculator_call (void)
{
  SeChatMessage user = { .role = "user", .content = "What is 417 * 23?" };
  g_autofree char *text = reply (&user, 1);
  g_autoptr(SeJsonNode) call = tool_call (text);

  if (call != NULL)
    g_assert_cmpstr (member_string (call, "name"), ==, "calculator");
}

static void
test_calculator_numbers (void)
{
  SeChatMessage user = { .role = "user", .content = "What is 417 * 23?" };
  g_autofree char *text = reply (&user, 1);
  g_autoptr(SeJsonNode) call = tool_call (text);
  const char *expr;

  if (call == NULL)
    return;
  expr = member_string (se_json_node_get_member (call, "arguments"), "expression");
  expect (strstr (expr, "417") != NULL && strstr (expr, "23") != NULL,
          "the calculator expression names 417 and 23");
}

static void
test_calculator_answer (void)
{
  SeChatToolCall call = { NULL, "calculator", "{\"expression\": \"417 * 23\"}" };
  SeChatMessage messages[] = {
    { .role = "user", .content = "What is 417 * 23?" },
    { .role = "assistant", .content = "", .tool_calls = &call, .n_tool_calls = 1 },
    { .role = "tool", .content = "9591" },
  };
  g_autofree char *text = reply (messages, G_N_ELEMENTS (messages));

  g_assert_null (strstr (text, "<tool_call>"));
  expect (strstr (text, "9591") != NULL, "the answer quotes the tool result 9591");
}

static void
test_greeting (void)
{
  SeChatMessage user = { .role = "user", .content = "Hello" };
  g_autofree char *text = reply (&user, 1);
  g_autofree char *lower = g_ascii_strdown (text, -1);

  g_assert_null (strstr (text, "<tool_call>"));
  g_assert_true (g_str_has_prefix (lower, "hello") || g_str_has_prefix (lower, "hi")
                 || g_str_has_prefix (lower, "hey"));
}

static void
test_clock_call (void)
{
  SeChatMessage user = { .role = "user", .content = "What time is it?" };
  g_autofree char *text = reply (&user, 1);
  g_autoptr(SeJsonNode) call = tool_call (text);

  if (call != NULL)
    g_assert_cmpstr (member_string (call, "name"), ==, "clock");
}

int
main (int argc, char **argv)
{
  const char *path = g_getenv ("SPRIG_DEMO_MODEL");
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  /* Each reply is its own test: one that fails must not hide the others. */
  g_test_set_nonfatal_assertions ();
  g_assert_nonnull (path);
  demo_model = se_model_load (path, &(SeModelParams) { NULL, 0 }, NULL, NULL, &error);
  check (error);
  g_test_message ("backend: %s", se_model_get_backend_name (demo_model));

  g_test_add_func ("/sprig/demo/template", test_template);
  g_test_add_func ("/sprig/demo/calculator-call", test_calculator_call);
  g_test_add_func ("/sprig/demo/calculator-numbers", test_calculator_numbers);
  g_test_add_func ("/sprig/demo/calculator-answer", test_calculator_answer);
  g_test_add_func ("/sprig/demo/greeting", test_greeting);
  g_test_add_func ("/sprig/demo/clock-call", test_clock_call);
  status = g_test_run ();
  se_model_unref (demo_model);
  return status;
}
