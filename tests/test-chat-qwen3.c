/* SPDX-License-Identifier: Apache-2.0
 *
 * Conformance test for chat templates: every conversation of tests/chat-cases.json is
 * rendered by an independent reference (@huggingface/jinja on the real Qwen3 template
 * and the Llama 3 / BitNet texts, through tests/reference/render-template.mjs, run once
 * with node) and by se_chat_template_render, and the two must agree byte for byte.
 * A missing node or npm package is a failure, never a skip.
 */
#include "sprig/se-chat.h"
#include "sprig/se-error.h"
#include "sprig/se-json.h"

#include <string.h>

static SeJsonNode *cases_doc;
static SeJsonNode *reference_doc;
static char *reference_failure;

static const char *
member_string (const SeJsonNode *obj, const char *name)
{
  SeJsonNode *v = se_json_node_get_member (obj, name);

  if (v == NULL || se_json_node_get_node_type (v) != SE_JSON_STRING)
    return NULL;
  return se_json_node_get_string (v, NULL);
}

static gboolean
member_bool (const SeJsonNode *obj, const char *name, gboolean fallback)
{
  SeJsonNode *v = se_json_node_get_member (obj, name);

  if (v == NULL || se_json_node_get_node_type (v) != SE_JSON_BOOL)
    return fallback;
  return se_json_node_get_bool (v);
}

/* Runs node once for all cases; a failure is remembered and reported by each test. */
static void
run_reference (const char *cases_path)
{
  g_autofree char *mjs = g_test_build_filename (G_TEST_DIST, "reference", "render-template.mjs", NULL);
  const char *argv[] = { "node", mjs, cases_path, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (g_getenv ("SPRIG_NPM_DIR") == NULL)
    {
      reference_failure = g_strdup ("SPRIG_NPM_DIR is not set; run through meson test");
      return;
    }
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                     &out, &err, &status, &error)
      || !g_spawn_check_wait_status (status, &error))
    {
      reference_failure = g_strdup_printf ("running the node reference failed: %s\n%s",
                                           error->message, err ? err : "");
      return;
    }
  reference_doc = se_json_parse (out, -1, &error);
  if (reference_doc == NULL)
    reference_failure = g_strdup_printf ("reference output is not JSON: %s", error->message);
}

typedef struct
{
  GPtrArray *keep;      /* strings the messages point into */
  GArray *messages;     /* SeChatMessage */
  GPtrArray *tools;     /* char *, NULL-terminated view not needed */
} Conversation;

static void
conversation_clear (Conversation *conv)
{
  g_clear_pointer (&conv->keep, g_ptr_array_unref);
  g_clear_pointer (&conv->messages, g_array_unref);
  g_clear_pointer (&conv->tools, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Conversation, conversation_clear)

static const SeChatToolCall *
convert_tool_calls (Conversation *conv, const SeJsonNode *list, gsize *n_out)
{
  gsize n = se_json_node_get_size (list);
  SeChatToolCall *calls = g_new0 (SeChatToolCall, MAX (n, 1));

  g_ptr_array_add (conv->keep, calls);
  for (gsize j = 0; j < n; j++)
    {
      const SeJsonNode *call = se_json_node_get_element (list, j);
      const SeJsonNode *fn = se_json_node_get_member (call, "function");
      const SeJsonNode *args;
      char *args_text;

      if (fn == NULL)
        fn = call;
      args = se_json_node_get_member (fn, "arguments");
      args_text = se_json_node_to_string (args, SE_JSON_STYLE_COMPACT);
      g_ptr_array_add (conv->keep, args_text);
      calls[j].id = member_string (call, "id");
      calls[j].name = member_string (fn, "name");
      calls[j].arguments = args_text;
    }
  *n_out = n;
  return calls;
}

static void
conversation_init (Conversation *conv, const SeJsonNode *c)
{
  const SeJsonNode *messages = se_json_node_get_member (c, "messages");
  const SeJsonNode *tools = se_json_node_get_member (c, "tools");

  conv->keep = g_ptr_array_new_with_free_func (g_free);
  conv->messages = g_array_new (FALSE, TRUE, sizeof (SeChatMessage));
  conv->tools = g_ptr_array_new_with_free_func (g_free);

  for (gsize i = 0; i < se_json_node_get_size (messages); i++)
    {
      const SeJsonNode *m = se_json_node_get_element (messages, i);
      const SeJsonNode *calls = se_json_node_get_member (m, "tool_calls");
      SeChatMessage msg = { 0 };

      msg.role = member_string (m, "role");
      msg.content = member_string (m, "content");
      msg.reasoning = member_string (m, "reasoning_content");
      if (calls != NULL)
        msg.tool_calls = convert_tool_calls (conv, calls, &msg.n_tool_calls);
      g_array_append_val (conv->messages, msg);
    }
  for (gsize i = 0; tools != NULL && i < se_json_node_get_size (tools); i++)
    g_ptr_array_add (conv->tools,
                     se_json_node_to_string (se_json_node_get_element (tools, i),
                                             SE_JSON_STYLE_COMPACT));
}

/* g_strescape, but UTF-8 text stays readable instead of turning into octal. */
static char *
escape (const char *s)
{
  char high[129];

  for (int i = 0; i < 128; i++)
    high[i] = (char) (0x80 + i);
  high[128] = '\0';
  return g_strescape (s, high);
}

static char *
escape_excerpt (const char *s, gsize from, gsize len)
{
  g_autofree char *part = g_strndup (s + from, MIN (len, strlen (s) - MIN (from, strlen (s))));

  return escape (part);
}

/* Prints where the two renderings part and both texts, one escaped line each. */
static void
report_mismatch (const char *name, const char *expected, const char *actual)
{
  gsize i = 0;
  gsize from;
  g_autofree char *exp_near = NULL, *act_near = NULL, *exp_all = NULL, *act_all = NULL;

  while (expected[i] && expected[i] == actual[i])
    i++;
  from = i > 40 ? i - 40 : 0;
  exp_near = escape_excerpt (expected, from, 80);
  act_near = escape_excerpt (actual, from, 80);
  exp_all = escape (expected);
  act_all = escape (actual);
  g_test_message ("%s: first difference at byte %" G_GSIZE_FORMAT
                  " (reference %" G_GSIZE_FORMAT " bytes, sprig %" G_GSIZE_FORMAT " bytes)\n"
                  "  reference near: %s\n  sprig near:     %s\n"
                  "  reference: %s\n  sprig:     %s",
                  name, i, strlen (expected), strlen (actual), exp_near, act_near,
                  exp_all, act_all);
  g_test_fail ();
}

static const SeJsonNode *
find_result (const char *name)
{
  const SeJsonNode *results = se_json_node_get_member (reference_doc, "results");

  for (gsize i = 0; i < se_json_node_get_size (results); i++)
    {
      const SeJsonNode *r = se_json_node_get_element (results, i);

      if (g_strcmp0 (member_string (r, "name"), name) == 0)
        return r;
    }
  return NULL;
}

static SeChatTemplate *
template_for (const char *family)
{
  const SeJsonNode *t = se_json_node_get_member (se_json_node_get_member (reference_doc, "templates"),
                                                 family);
  g_autoptr(GError) error = NULL;
  SeChatTemplate *tmpl;

  g_assert_nonnull (t);
  tmpl = se_chat_template_new (member_string (t, "source"), member_string (t, "bos_token"),
                               member_string (t, "eos_token"), &error);
  g_assert_no_error (error);
  /* The real template must be recognised as its own family, without a fallback. */
  g_assert_cmpstr (se_chat_template_family_name (se_chat_template_get_family (tmpl)), ==, family);
  g_assert_null (se_chat_template_get_warning (tmpl));
  return tmpl;
}

static void
test_case (gconstpointer data)
{
  const SeJsonNode *c = data;
  const char *name = member_string (c, "name");
  const char *family = member_string (c, "family");
  const SeJsonNode *ref;
  g_auto(Conversation) conv = { 0 };
  g_autoptr(SeChatTemplate) tmpl = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *actual = NULL;
  SeChatOptions opts = SE_CHAT_OPTIONS_INIT;

  if (reference_failure != NULL)
    {
      g_test_fail_printf ("%s", reference_failure);
      return;
    }

  ref = find_result (name);
  g_assert_nonnull (ref);
  if (member_string (ref, "error") != NULL)
    {
      g_test_fail_printf ("%s: the reference could not render it: %s", name,
                          member_string (ref, "error"));
      return;
    }

  tmpl = template_for (family ? family : "qwen3");
  conversation_init (&conv, c);
  opts.add_generation_prompt = member_bool (c, "add_generation_prompt", FALSE);
  opts.enable_thinking = member_bool (c, "enable_thinking", TRUE);
  opts.tools = (const char *const *) conv.tools->pdata;
  opts.n_tools = conv.tools->len;

  actual = se_chat_template_render (tmpl, (SeChatMessage *) conv.messages->data,
                                    conv.messages->len, &opts, &error);
  g_assert_no_error (error);
  if (g_strcmp0 (member_string (ref, "output"), actual) != 0)
    report_mismatch (name, member_string (ref, "output"), actual);
}

static void
test_reference_ran (void)
{
  if (reference_failure != NULL)
    {
      g_test_fail_printf ("%s", reference_failure);
      return;
    }
  g_assert_cmpuint (se_json_node_get_size (se_json_node_get_member (cases_doc, "cases")), >=, 20);
}

int
main (int argc, char *argv[])
{
  g_autofree char *cases_path = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  const SeJsonNode *cases;
  int ret;

  g_test_init (&argc, &argv, NULL);

  cases_path = g_test_build_filename (G_TEST_DIST, "chat-cases.json", NULL);
  g_file_get_contents (cases_path, &text, NULL, &error);
  g_assert_no_error (error);
  cases_doc = se_json_parse (text, -1, &error);
  g_assert_no_error (error);
  run_reference (cases_path);

  g_test_add_func ("/sprig/chat-conformance/reference", test_reference_ran);
  cases = se_json_node_get_member (cases_doc, "cases");
  for (gsize i = 0; i < se_json_node_get_size (cases); i++)
    {
      const SeJsonNode *c = se_json_node_get_element (cases, i);
      g_autofree char *path = g_strdup_printf ("/sprig/chat-conformance/%s",
                                               member_string (c, "name"));

      g_test_add_data_func (path, c, test_case);
    }

  ret = g_test_run ();
  g_clear_pointer (&reference_doc, se_json_node_free);
  g_clear_pointer (&cases_doc, se_json_node_free);
  g_free (reference_failure);
  return ret;
}
