/* SPDX-License-Identifier: Apache-2.0
 *
 * The Qwen3 chat template (Bonsai models), written out in C. It mirrors the Jinja
 * template from Qwen3's tokenizer_config.json step by step: the tools block in the
 * system turn, <tool_call> blocks, tool results merged into one user turn, and
 * reasoning kept only for the assistant turns after the last real user query.
 */
#include "se-chat-private.h"

#include <string.h>

#define TOOLS_HEAD \
  "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n" \
  "You are provided with function signatures within <tools></tools> XML tags:\n<tools>"
#define TOOLS_TAIL \
  "\n</tools>\n\nFor each function call, return a json object with function name and " \
  "arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n" \
  "{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"

static const char *
text_of (const char *s)
{
  return s ? s : "";
}

static gboolean
is_role (const SeChatMessage *msg, const char *role)
{
  return strcmp (msg->role, role) == 0;
}

static void
append_literal (GString *out, GArray *lit, const char *text)
{
  gsize start = out->len;

  g_string_append (out, text);
  _se_chat_mark_literal (lit, out, start);
}

static gboolean
render_system (GString *out, GArray *lit, const SeChatMessage *messages, gsize n,
               const SeChatOptions *options, GError **error)
{
  gboolean first_is_system = n > 0 && is_role (&messages[0], "system");

  if (options->n_tools == 0)
    {
      if (first_is_system)
        {
          g_string_append (out, "<|im_start|>system\n");
          append_literal (out, lit, text_of (messages[0].content));
          g_string_append (out, "<|im_end|>\n");
        }
      return TRUE;
    }

  g_string_append (out, "<|im_start|>system\n");
  if (first_is_system)
    {
      append_literal (out, lit, text_of (messages[0].content));
      g_string_append (out, "\n\n");
    }
  g_string_append (out, TOOLS_HEAD);
  for (gsize i = 0; i < options->n_tools; i++)
    {
      gsize start;

      g_string_append_c (out, '\n');
      start = out->len;
      if (!_se_chat_append_tojson (out, options->tools[i], FALSE, error))
        return FALSE;
      _se_chat_mark_literal (lit, out, start);
    }
  g_string_append (out, TOOLS_TAIL);
  return TRUE;
}

static gboolean
is_tool_response (const char *s)
{
  return g_str_has_prefix (s, "<tool_response>") && g_str_has_suffix (s, "</tool_response>");
}

/* The index of the last user message that is a real query rather than a tool
 * response pasted in by a client; n - 1 when there is none. */
static gsize
last_query_index (const SeChatMessage *messages, gsize n)
{
  for (gsize i = n; i-- > 0;)
    if (is_role (&messages[i], "user") && !is_tool_response (text_of (messages[i].content)))
      return i;
  return n - 1;
}

typedef struct
{
  const char *content;
  gsize content_len;
  const char *reasoning;
  gsize reasoning_len;
} Split;

/* reasoning_content when given, else the <think>...</think> part of the content. */
static void
split_reasoning (const SeChatMessage *msg, Split *s)
{
  const char *content = text_of (msg->content);
  const char *first_end, *last_end, *think;

  s->content = content;
  s->content_len = strlen (content);
  s->reasoning = text_of (msg->reasoning);
  s->reasoning_len = strlen (s->reasoning);
  if (msg->reasoning != NULL || (first_end = strstr (content, "</think>")) == NULL)
    return;

  /* content.split('</think>')[-1].lstrip('\n') */
  last_end = g_strrstr (content, "</think>");
  s->content = last_end + strlen ("</think>");
  while (*s->content == '\n')
    s->content++;
  s->content_len = strlen (s->content);

  /* content.split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n') */
  s->reasoning_len = first_end - content;
  while (s->reasoning_len > 0 && content[s->reasoning_len - 1] == '\n')
    s->reasoning_len--;
  s->reasoning = content;
  think = g_strrstr_len (content, s->reasoning_len, "<think>");
  if (think != NULL)
    {
      s->reasoning_len -= (think + strlen ("<think>")) - content;
      s->reasoning = think + strlen ("<think>");
    }
  while (s->reasoning_len > 0 && *s->reasoning == '\n')
    {
      s->reasoning++;
      s->reasoning_len--;
    }
}

static gboolean
render_tool_calls (GString *out, GArray *lit, const SeChatMessage *msg, gboolean has_content,
                   GError **error)
{
  for (gsize j = 0; j < msg->n_tool_calls; j++)
    {
      const SeChatToolCall *call = &msg->tool_calls[j];

      if (j > 0 || has_content)
        g_string_append_c (out, '\n');
      gsize start;

      g_string_append (out, "<tool_call>\n{\"name\": \"");
      append_literal (out, lit, call->name);
      g_string_append (out, "\", \"arguments\": ");
      start = out->len;
      if (!_se_chat_append_tojson (out, call->arguments ? call->arguments : "{}", TRUE, error))
        return FALSE;
      _se_chat_mark_literal (lit, out, start);
      g_string_append (out, "}\n</tool_call>");
    }
  return TRUE;
}

static gboolean
render_assistant (GString *out, GArray *lit, const SeChatMessage *messages, gsize n, gsize i,
                  gsize last_query, GError **error)
{
  Split s;
  gsize start;

  split_reasoning (&messages[i], &s);
  g_string_append (out, "<|im_start|>assistant\n");
  if (i > last_query && (i == n - 1 || s.reasoning_len > 0))
    {
      g_string_append (out, "<think>\n");
      start = out->len;
      _se_chat_append_strip_nl (out, s.reasoning, s.reasoning_len);
      _se_chat_mark_literal (lit, out, start);
      g_string_append (out, "\n</think>\n\n");
      start = out->len;
      _se_chat_append_lstrip_nl (out, s.content, s.content_len);
      _se_chat_mark_literal (lit, out, start);
    }
  else
    {
      start = out->len;
      g_string_append_len (out, s.content, s.content_len);
      _se_chat_mark_literal (lit, out, start);
    }

  if (!render_tool_calls (out, lit, &messages[i], s.content_len > 0, error))
    return FALSE;
  g_string_append (out, "<|im_end|>\n");
  return TRUE;
}

static void
render_tool_result (GString *out, GArray *lit, const SeChatMessage *messages, gsize n, gsize i)
{
  if (i == 0 || !is_role (&messages[i - 1], "tool"))
    g_string_append (out, "<|im_start|>user");
  g_string_append (out, "\n<tool_response>\n");
  append_literal (out, lit, text_of (messages[i].content));
  g_string_append (out, "\n</tool_response>");
  if (i == n - 1 || !is_role (&messages[i + 1], "tool"))
    g_string_append (out, "<|im_end|>\n");
}

char *
_se_chat_render_qwen3 (const SeChatMessage *messages, gsize n,
                       const SeChatOptions *options, GArray *lit, GError **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  gsize last_query = n > 0 ? last_query_index (messages, n) : 0;

  if (!render_system (out, lit, messages, n, options, error))
    return NULL;

  for (gsize i = 0; i < n; i++)
    {
      const SeChatMessage *msg = &messages[i];

      if (is_role (msg, "user") || (is_role (msg, "system") && i > 0))
        {
          g_string_append_printf (out, "<|im_start|>%s\n", msg->role);
          append_literal (out, lit, text_of (msg->content));
          g_string_append (out, "<|im_end|>\n");
        }
      else if (is_role (msg, "assistant"))
        {
          if (!render_assistant (out, lit, messages, n, i, last_query, error))
            return NULL;
        }
      else if (is_role (msg, "tool"))
        render_tool_result (out, lit, messages, n, i);
    }

  if (options->add_generation_prompt)
    {
      g_string_append (out, "<|im_start|>assistant\n");
      if (!options->enable_thinking)
        g_string_append (out, "<think>\n\n</think>\n\n");
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}
