/* SPDX-License-Identifier: Apache-2.0
 *
 * Chat template detection, input validation and the simple families (ChatML, Llama 3,
 * BitNet). Detection looks for markers that only one family's template contains; a
 * template nobody recognises is rendered as ChatML and says so in a warning.
 */
#include "config.h"

#include "se-chat-private.h"
#include "sprig/se-error.h"
#include "sprig/se-json.h"

#include <glib/gi18n-lib.h>
#include <string.h>


static const char *const known_roles[] = { "system", "user", "assistant", "tool" };

const char *
se_chat_template_family_name (SeChatFamily family)
{
  switch (family)
    {
    case SE_CHAT_FAMILY_CHATML: return "chatml";
    case SE_CHAT_FAMILY_QWEN3: return "qwen3";
    case SE_CHAT_FAMILY_LLAMA3: return "llama3";
    case SE_CHAT_FAMILY_BITNET: return "bitnet";
    default: return "unknown";
    }
}

static gboolean
has (const char *source, const char *marker)
{
  return strstr (source, marker) != NULL;
}

/* Picks the family and, when the match is not exact, the warning the user sees. */
static SeChatFamily
detect_family (const char *source, const char **warning)
{
  *warning = NULL;
  if (source == NULL || *source == '\0')
    {
      *warning = N_("The model has no chat template; using the ChatML format, which may not "
                    "be what it was trained on.");
      return SE_CHAT_FAMILY_CHATML;
    }
  if (has (source, "<|im_start|>") && has (source, "<tool_call>")
      && (has (source, "enable_thinking") || has (source, "reasoning_content")))
    return SE_CHAT_FAMILY_QWEN3;
  if (has (source, "<|eot_id|>") && has (source, "'Assistant: '")
      && !has (source, "<|start_header_id|>"))
    return SE_CHAT_FAMILY_BITNET;
  if (has (source, "BITNETAssistant"))
    {
      *warning = N_("The model file carries a known broken BitNet chat template; using the "
                    "BitNet b1.58 2B4T template instead.");
      return SE_CHAT_FAMILY_BITNET;
    }
  if (has (source, "<|start_header_id|>") && has (source, "<|end_header_id|>")
      && has (source, "<|eot_id|>"))
    {
      if (has (source, "tools") || has (source, "Cutting Knowledge Date"))
        *warning = N_("The model's chat template is a newer Llama 3 variant; using the "
                      "Llama 3 format without its tool and date additions.");
      return SE_CHAT_FAMILY_LLAMA3;
    }
  if (has (source, "<|im_start|>") && has (source, "<|im_end|>"))
    {
      if (has (source, "tool") || has (source, "think"))
        *warning = N_("The model's chat template is a ChatML variant Sprig does not know; "
                      "using plain ChatML without its additions.");
      return SE_CHAT_FAMILY_CHATML;
    }
  *warning = N_("The model's chat template is not one Sprig knows; using the ChatML "
                "format, which may not be what the model was trained on.");
  return SE_CHAT_FAMILY_CHATML;
}

static gboolean
check_utf8 (const char *what, const char *value, GError **error)
{
  if (value == NULL || g_utf8_validate (value, -1, NULL))
    return TRUE;
  g_set_error (error, SE_ERROR, SE_ERROR_TEMPLATE, "The %s is not valid UTF-8", what);
  return FALSE;
}

SeChatTemplate *
se_chat_template_new (const char *source,
                      const char *bos_token,
                      const char *eos_token,
                      GError    **error)
{
  SeChatTemplate *tmpl;
  const char *warning;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_utf8 ("chat template", source, error)
      || !check_utf8 ("BOS token", bos_token, error)
      || !check_utf8 ("EOS token", eos_token, error))
    return NULL;

  tmpl = g_new0 (SeChatTemplate, 1);
  tmpl->family = detect_family (source, &warning);
  tmpl->warning = warning ? g_strdup (_(warning)) : NULL;
  tmpl->bos_token = g_strdup (bos_token ? bos_token : "");
  tmpl->eos_token = g_strdup (eos_token ? eos_token : "");
  return tmpl;
}

void
se_chat_template_free (SeChatTemplate *tmpl)
{
  if (tmpl == NULL)
    return;
  g_free (tmpl->warning);
  g_free (tmpl->bos_token);
  g_free (tmpl->eos_token);
  g_free (tmpl);
}

SeChatFamily
se_chat_template_get_family (const SeChatTemplate *tmpl)
{
  g_return_val_if_fail (tmpl != NULL, SE_CHAT_FAMILY_CHATML);
  return tmpl->family;
}

const char *
se_chat_template_get_warning (const SeChatTemplate *tmpl)
{
  g_return_val_if_fail (tmpl != NULL, NULL);
  return tmpl->warning;
}

gboolean
se_chat_template_supports_tools (const SeChatTemplate *tmpl)
{
  g_return_val_if_fail (tmpl != NULL, FALSE);
  return tmpl->family == SE_CHAT_FAMILY_QWEN3;
}

const char *
se_chat_template_get_eos_token (const SeChatTemplate *tmpl)
{
  g_return_val_if_fail (tmpl != NULL, NULL);
  return tmpl->eos_token;
}

static gboolean
validate_tool_calls (const SeChatMessage *msg, gsize index, gboolean tools_ok, GError **error)
{
  if (msg->n_tool_calls > 0 && !tools_ok)
    return g_set_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED,
                        "Message %" G_GSIZE_FORMAT " has tool calls, but this chat template "
                        "does not support tools", index), FALSE;
  if (msg->n_tool_calls > 0 && strcmp (msg->role, "assistant") != 0)
    return g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                        "Message %" G_GSIZE_FORMAT " has tool calls, but only assistant "
                        "messages can", index), FALSE;
  for (gsize j = 0; j < msg->n_tool_calls; j++)
    {
      const SeChatToolCall *call = &msg->tool_calls[j];
      g_autoptr(SeJsonNode) args = NULL;
      g_autoptr(GError) local = NULL;

      if (call->name == NULL || !g_utf8_validate (call->name, -1, NULL))
        return g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                            "Tool call %" G_GSIZE_FORMAT " of message %" G_GSIZE_FORMAT
                            " has no valid name", j, index), FALSE;
      if (call->arguments == NULL)
        continue;
      args = se_json_parse (call->arguments, -1, &local);
      if (args == NULL)
        return g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                            "Tool call %" G_GSIZE_FORMAT " (“%s”) of message %" G_GSIZE_FORMAT
                            " has invalid arguments: %s", j, call->name, index,
                            local->message), FALSE;
    }
  return TRUE;
}

static gboolean
validate_message (const SeChatMessage *msg, gsize index, gboolean tools_ok, GError **error)
{
  gboolean known = FALSE;

  for (guint r = 0; msg->role != NULL && r < G_N_ELEMENTS (known_roles); r++)
    known |= strcmp (msg->role, known_roles[r]) == 0;
  if (!known)
    return g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                        "Message %" G_GSIZE_FORMAT " has unknown role “%s”", index,
                        msg->role ? msg->role : "(null)"), FALSE;
  if ((msg->content && !g_utf8_validate (msg->content, -1, NULL))
      || (msg->reasoning && !g_utf8_validate (msg->reasoning, -1, NULL)))
    return g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                        "Message %" G_GSIZE_FORMAT " is not valid UTF-8", index), FALSE;
  return validate_tool_calls (msg, index, tools_ok, error);
}

static gboolean
validate (const SeChatTemplate *tmpl,
          const SeChatMessage  *messages,
          gsize                 n,
          const SeChatOptions  *options,
          GError              **error)
{
  gboolean tools_ok = se_chat_template_supports_tools (tmpl);

  if (options->n_tools > 0 && !tools_ok)
    return g_set_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED,
                        "The %s chat template does not support tools",
                        se_chat_template_family_name (tmpl->family)), FALSE;
  for (gsize i = 0; i < options->n_tools; i++)
    {
      g_autoptr(SeJsonNode) tool = NULL;
      g_autoptr(GError) local = NULL;

      if (options->tools[i] == NULL
          || (tool = se_json_parse (options->tools[i], -1, &local)) == NULL)
        return g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                            "Tool definition %" G_GSIZE_FORMAT " is not valid JSON: %s", i,
                            local ? local->message : "missing"), FALSE;
    }
  for (gsize i = 0; i < n; i++)
    if (!validate_message (&messages[i], i, tools_ok, error))
      return FALSE;
  return TRUE;
}

static const char *
content_of (const SeChatMessage *msg)
{
  return msg->content ? msg->content : "";
}

/* Generic ChatML: every turn as <|im_start|>role\n...<|im_end|>\n. */
static char *
render_chatml (const SeChatMessage *messages, gsize n, const SeChatOptions *options,
               GArray *lit)
{
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i < n; i++)
    {
      gsize start;

      g_string_append_printf (out, "<|im_start|>%s\n", messages[i].role);
      start = out->len;
      g_string_append (out, content_of (&messages[i]));
      _se_chat_mark_literal (lit, out, start);
      g_string_append (out, "<|im_end|>\n");
    }
  if (options->add_generation_prompt)
    g_string_append (out, "<|im_start|>assistant\n");
  return g_string_free (out, FALSE);
}

/* Llama-3-8B-Instruct: bos, then header, trimmed content, <|eot_id|> per turn. */
static char *
render_llama3 (const SeChatTemplate *tmpl, const SeChatMessage *messages, gsize n,
               const SeChatOptions *options, GArray *lit)
{
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i < n; i++)
    {
      gsize start;

      if (i == 0)
        g_string_append (out, tmpl->bos_token);
      g_string_append_printf (out, "<|start_header_id|>%s<|end_header_id|>\n\n",
                              messages[i].role);
      start = out->len;
      _se_chat_append_trim (out, content_of (&messages[i]));
      _se_chat_mark_literal (lit, out, start);
      g_string_append (out, "<|eot_id|>");
    }
  if (options->add_generation_prompt)
    g_string_append (out, "<|start_header_id|>assistant<|end_header_id|>\n\n");
  return g_string_free (out, FALSE);
}

/* BitNet b1.58 2B4T: "Role: " + trimmed content + <|eot_id|>, bos before the first. */
static char *
render_bitnet (const SeChatTemplate *tmpl, const SeChatMessage *messages, gsize n,
               const SeChatOptions *options, GArray *lit)
{
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i < n; i++)
    {
      const char *role = messages[i].role;
      gsize start;

      if (i == 0)
        g_string_append (out, tmpl->bos_token);
      /* Jinja's capitalize; roles are validated lowercase ASCII. */
      g_string_append_c (out, g_ascii_toupper (role[0]));
      g_string_append (out, role + 1);
      g_string_append (out, ": ");
      start = out->len;
      _se_chat_append_trim (out, content_of (&messages[i]));
      _se_chat_mark_literal (lit, out, start);
      g_string_append (out, "<|eot_id|>");
    }
  if (options->add_generation_prompt)
    g_string_append (out, "Assistant: ");
  return g_string_free (out, FALSE);
}

char *
se_chat_template_render (const SeChatTemplate *tmpl,
                         const SeChatMessage  *messages,
                         gsize                 n_messages,
                         const SeChatOptions  *options,
                         GError              **error)
{
  return se_chat_template_render_spans (tmpl, messages, n_messages, options, NULL, error);
}

char *
se_chat_template_render_spans (const SeChatTemplate *tmpl,
                               const SeChatMessage  *messages,
                               gsize                 n_messages,
                               const SeChatOptions  *options,
                               GArray               *literal,
                               GError              **error)
{
  static const SeChatOptions defaults = SE_CHAT_OPTIONS_INIT;

  g_return_val_if_fail (tmpl != NULL, NULL);
  g_return_val_if_fail (messages != NULL || n_messages == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    options = &defaults;
  if (!validate (tmpl, messages, n_messages, options, error))
    return NULL;

  switch (tmpl->family)
    {
    case SE_CHAT_FAMILY_QWEN3:
      return _se_chat_render_qwen3 (messages, n_messages, options, literal, error);
    case SE_CHAT_FAMILY_LLAMA3:
      return render_llama3 (tmpl, messages, n_messages, options, literal);
    case SE_CHAT_FAMILY_BITNET:
      return render_bitnet (tmpl, messages, n_messages, options, literal);
    case SE_CHAT_FAMILY_CHATML:
    default:
      return render_chatml (messages, n_messages, options, literal);
    }
}
