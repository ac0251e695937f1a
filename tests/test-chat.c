/* SPDX-License-Identifier: Apache-2.0
 *
 * Unit tests for chat templates: family detection from template sources (real ones
 * from tests/reference/templates and the npm Qwen3 package are covered by the
 * conformance test), input validation errors, and the ChatML, Llama 3 and BitNet
 * renderers on hand-checked conversations.
 */
#include "sprig/se-chat.h"
#include "sprig/se-error.h"

#include <string.h>

#define QWEN3_MARKERS \
  "{%- if tools %}<|im_start|>system # Tools <tool_call>{%- endif %}" \
  "{%- if enable_thinking is defined and enable_thinking is false %}<think>{%- endif %}" \
  "<|im_end|>"

static SeChatTemplate *
template_new (const char *source)
{
  g_autoptr(GError) error = NULL;
  SeChatTemplate *tmpl = se_chat_template_new (source, "<|begin_of_text|>", "<|eot_id|>", &error);

  g_assert_no_error (error);
  g_assert_nonnull (tmpl);
  return tmpl;
}

static char *
read_template (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "reference", "templates", name, NULL);
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static void
assert_family (const char *source, SeChatFamily family, gboolean warns)
{
  g_autoptr(SeChatTemplate) tmpl = template_new (source);

  g_assert_cmpstr (se_chat_template_family_name (se_chat_template_get_family (tmpl)), ==,
                   se_chat_template_family_name (family));
  if (warns)
    {
      g_assert_nonnull (se_chat_template_get_warning (tmpl));
      g_assert_cmpuint (strlen (se_chat_template_get_warning (tmpl)), >, 20);
    }
  else
    g_assert_null (se_chat_template_get_warning (tmpl));
}

static void
test_detect (void)
{
  g_autofree char *llama3 = read_template ("llama3-8b-instruct.jinja");
  g_autofree char *bitnet = read_template ("bitnet-b1.58-2b-4t.jinja");

  assert_family (QWEN3_MARKERS, SE_CHAT_FAMILY_QWEN3, FALSE);
  assert_family (llama3, SE_CHAT_FAMILY_LLAMA3, FALSE);
  assert_family (bitnet, SE_CHAT_FAMILY_BITNET, FALSE);
  assert_family ("{% for m in messages %}{{'<|im_start|>' + m['role'] + '\\n' + m['content']"
                 " + '<|im_end|>\\n'}}{% endfor %}", SE_CHAT_FAMILY_CHATML, FALSE);
  /* Known families with parts Sprig does not render say so. */
  assert_family ("{{ bos_token }}Human: {{ m }}BITNETAssistant: ", SE_CHAT_FAMILY_BITNET, TRUE);
  assert_family ("<|start_header_id|>system<|end_header_id|>Cutting Knowledge Date<|eot_id|>",
                 SE_CHAT_FAMILY_LLAMA3, TRUE);
  assert_family ("<|im_start|>system <tool_call> You are Qwen<|im_end|>", SE_CHAT_FAMILY_CHATML, TRUE);
  /* Unknown or missing templates fall back to ChatML, never silently. */
  assert_family (NULL, SE_CHAT_FAMILY_CHATML, TRUE);
  assert_family ("", SE_CHAT_FAMILY_CHATML, TRUE);
  assert_family ("{{ bos_token }}[INST] {{ messages[0].content }} [/INST]", SE_CHAT_FAMILY_CHATML, TRUE);

  g_assert_cmpstr (se_chat_template_family_name (SE_CHAT_FAMILY_QWEN3), ==, "qwen3");
  g_assert_cmpstr (se_chat_template_family_name (SE_CHAT_FAMILY_BITNET), ==, "bitnet");
}

static void
test_supports_tools (void)
{
  g_autoptr(SeChatTemplate) qwen = template_new (QWEN3_MARKERS);
  g_autoptr(SeChatTemplate) chatml = template_new (NULL);

  g_assert_true (se_chat_template_supports_tools (qwen));
  g_assert_false (se_chat_template_supports_tools (chatml));
  g_assert_cmpstr (se_chat_template_get_eos_token (qwen), ==, "<|eot_id|>");
}

static void
test_bad_template_utf8 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SeChatTemplate) tmpl = se_chat_template_new ("<|im_start|>\xff", NULL, NULL, &error);

  g_assert_null (tmpl);
  g_assert_error (error, SE_ERROR, SE_ERROR_TEMPLATE);
}

static void
assert_render_error (SeChatTemplate *tmpl, const SeChatMessage *msgs, gsize n,
                     const SeChatOptions *opts, int code, const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = se_chat_template_render (tmpl, msgs, n, opts, &error);

  g_assert_null (out);
  g_assert_error (error, SE_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, needle));
}

static void
test_errors (void)
{
  g_autoptr(SeChatTemplate) qwen = template_new (QWEN3_MARKERS);
  g_autoptr(SeChatTemplate) llama = NULL;
  g_autofree char *llama_src = read_template ("llama3-8b-instruct.jinja");
  const SeChatToolCall bad_args[] = { { "c1", "get_weather", "{\"city\": \"Paris\"" } };
  const SeChatToolCall good_args[] = { { "c1", "get_weather", "{\"city\": \"Paris\"}" } };
  const SeChatMessage unknown_role[] = { { "user", "hi" }, { "robot", "beep" } };
  const SeChatMessage null_role[] = { { NULL, "hi" } };
  const SeChatMessage invalid_args[] = {
    { "user", "weather?" }, { "assistant", "ok" }, { "assistant", "", NULL, bad_args, 1 },
  };
  const SeChatMessage user_calls[] = { { "user", "x", NULL, good_args, 1 } };
  const SeChatMessage assistant_calls[] = { { "assistant", "", NULL, good_args, 1 } };
  const SeChatMessage bad_utf8[] = { { "user", "\xc3(" } };
  const char *bad_tool[] = { "{\"type\": \"function\",}" };
  const char *good_tool[] = { "{\"type\": \"function\", \"function\": {\"name\": \"f\"}}" };
  SeChatOptions opts = SE_CHAT_OPTIONS_INIT;

  llama = template_new (llama_src);
  assert_render_error (qwen, unknown_role, 2, NULL, SE_ERROR_INVALID, "Message 1 has unknown role");
  assert_render_error (qwen, null_role, 1, NULL, SE_ERROR_INVALID, "Message 0");
  assert_render_error (qwen, invalid_args, 3, NULL, SE_ERROR_INVALID, "of message 2");
  assert_render_error (qwen, user_calls, 1, NULL, SE_ERROR_INVALID, "only assistant");
  assert_render_error (qwen, bad_utf8, 1, NULL, SE_ERROR_INVALID, "UTF-8");
  assert_render_error (llama, assistant_calls, 1, NULL, SE_ERROR_UNSUPPORTED, "tool");

  opts.tools = bad_tool;
  opts.n_tools = 1;
  assert_render_error (qwen, unknown_role, 1, &opts, SE_ERROR_INVALID, "Tool definition 0");
  opts.tools = good_tool;
  assert_render_error (llama, unknown_role, 1, &opts, SE_ERROR_UNSUPPORTED, "llama3");
}

static void
assert_render (SeChatTemplate *tmpl, const SeChatMessage *msgs, gsize n,
               const SeChatOptions *opts, const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = se_chat_template_render (tmpl, msgs, n, opts, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, expected);
}

static void
test_chatml_fallback (void)
{
  g_autoptr(SeChatTemplate) tmpl = template_new ("{{ unknown }}");
  const SeChatMessage msgs[] = {
    { "system", "Be brief." }, { "user", " Hi \n" }, { "assistant", NULL }, { "tool", "42" },
  };
  SeChatOptions opts = SE_CHAT_OPTIONS_INIT;

  assert_render (tmpl, msgs, 4, &opts,
                 "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n Hi \n<|im_end|>\n"
                 "<|im_start|>assistant\n<|im_end|>\n<|im_start|>tool\n42<|im_end|>\n"
                 "<|im_start|>assistant\n");
  opts.add_generation_prompt = FALSE;
  assert_render (tmpl, msgs, 1, &opts, "<|im_start|>system\nBe brief.<|im_end|>\n");
  assert_render (tmpl, NULL, 0, NULL, "<|im_start|>assistant\n");
}

static void
test_llama3_and_bitnet (void)
{
  g_autofree char *llama_src = read_template ("llama3-8b-instruct.jinja");
  g_autofree char *bitnet_src = read_template ("bitnet-b1.58-2b-4t.jinja");
  g_autoptr(SeChatTemplate) llama = template_new (llama_src);
  g_autoptr(SeChatTemplate) bitnet = template_new (bitnet_src);
  /* Python's strip() also removes U+001C and U+3000, and keeps inner spaces. */
  const SeChatMessage msgs[] = {
    { "system", "\n Be brief. \t" }, { "user", "\x1c" "a  b\xe3\x80\x80" },
  };
  SeChatOptions opts = SE_CHAT_OPTIONS_INIT;

  assert_render (llama, msgs, 2, &opts,
                 "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                 "<|start_header_id|>user<|end_header_id|>\n\na  b<|eot_id|>"
                 "<|start_header_id|>assistant<|end_header_id|>\n\n");
  assert_render (bitnet, msgs, 2, &opts,
                 "<|begin_of_text|>System: Be brief.<|eot_id|>User: a  b<|eot_id|>Assistant: ");
}

static void
test_qwen3_basics (void)
{
  g_autoptr(SeChatTemplate) tmpl = template_new (QWEN3_MARKERS);
  const SeChatToolCall calls[] = {
    { NULL, "f", "\"{\\\"x\\\":1}\"" },  /* arguments as a string: printed raw */
    { NULL, "g", NULL },
  };
  const SeChatMessage msgs[] = {
    { "user", "go" }, { "assistant", NULL, "plan", calls, 2 },
  };
  SeChatOptions opts = { .add_generation_prompt = TRUE, .enable_thinking = FALSE };

  assert_render (tmpl, msgs, 1, &opts,
                 "<|im_start|>user\ngo<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
  opts.add_generation_prompt = FALSE;
  assert_render (tmpl, msgs, 2, &opts,
                 "<|im_start|>user\ngo<|im_end|>\n<|im_start|>assistant\n<think>\nplan\n</think>\n\n"
                 "<tool_call>\n{\"name\": \"f\", \"arguments\": {\"x\":1}}\n</tool_call>\n"
                 "<tool_call>\n{\"name\": \"g\", \"arguments\": {}}\n</tool_call><|im_end|>\n");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sprig/chat/detect", test_detect);
  g_test_add_func ("/sprig/chat/supports-tools", test_supports_tools);
  g_test_add_func ("/sprig/chat/bad-template-utf8", test_bad_template_utf8);
  g_test_add_func ("/sprig/chat/errors", test_errors);
  g_test_add_func ("/sprig/chat/chatml-fallback", test_chatml_fallback);
  g_test_add_func ("/sprig/chat/llama3-and-bitnet", test_llama3_and_bitnet);
  g_test_add_func ("/sprig/chat/qwen3-basics", test_qwen3_basics);

  return g_test_run ();
}
