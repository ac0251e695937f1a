/* SPDX-License-Identifier: Apache-2.0
 *
 * Chat templates: turns a conversation into the exact prompt text a model was trained
 * on. The family (Qwen3, Llama 3, BitNet, ChatML) is detected from the GGUF's
 * tokenizer.chat_template and rendered natively, byte for byte as the Jinja template
 * would; an unknown template falls back to ChatML with a warning for the user.
 */
#pragma once

#include <glib.h>

#include "sprig/se-tokenizer.h"

G_BEGIN_DECLS

typedef struct
{
  const char *id;         /* may be NULL; no supported template prints it */
  const char *name;
  /* JSON text of the arguments value. An object (the usual case) is printed with
   * Jinja's tojson; a JSON string is printed as its raw contents, as templates do
   * when arguments arrive as an OpenAI-style string. NULL means {}. */
  const char *arguments;
} SeChatToolCall;

typedef struct
{
  const char *role;       /* "system", "user", "assistant", "tool" */
  const char *content;    /* may be NULL, rendered as "" */
  const char *reasoning;  /* assistant reasoning_content, may be NULL */
  const SeChatToolCall *tool_calls;
  gsize n_tool_calls;
} SeChatMessage;

typedef struct
{
  gboolean add_generation_prompt;
  gboolean enable_thinking;   /* default TRUE, as the Qwen3 template */
  const char *const *tools;   /* JSON text of each tool ({"type":"function","function":{...}}) */
  gsize n_tools;
} SeChatOptions;

#define SE_CHAT_OPTIONS_INIT { TRUE, TRUE, NULL, 0 }

typedef enum
{
  SE_CHAT_FAMILY_CHATML,
  SE_CHAT_FAMILY_QWEN3,
  SE_CHAT_FAMILY_LLAMA3,
  SE_CHAT_FAMILY_BITNET,
} SeChatFamily;

typedef struct _SeChatTemplate SeChatTemplate;

SeChatTemplate *se_chat_template_new            (const char            *source,
                                                 const char            *bos_token,
                                                 const char            *eos_token,
                                                 GError               **error);
void            se_chat_template_free           (SeChatTemplate        *tmpl);
SeChatFamily    se_chat_template_get_family     (const SeChatTemplate  *tmpl);
const char     *se_chat_template_family_name    (SeChatFamily           family);
const char     *se_chat_template_get_warning    (const SeChatTemplate  *tmpl);
gboolean        se_chat_template_supports_tools (const SeChatTemplate  *tmpl);
const char     *se_chat_template_get_eos_token  (const SeChatTemplate  *tmpl);
char           *se_chat_template_render         (const SeChatTemplate  *tmpl,
                                                 const SeChatMessage   *messages,
                                                 gsize                  n_messages,
                                                 const SeChatOptions   *options,
                                                 GError               **error);

/* As se_chat_template_render(), and appends to @literal (a GArray of SeTextSpan, in
 * order) every stretch of the prompt that came from the caller's strings rather than the
 * template's markup: contents, reasoning, tool definitions, call names and arguments,
 * tool results. Encode the prompt with se_tokenizer_encode_spans_append() and those
 * spans, and no message can close its turn or fake a tool response by containing
 * `<|im_end|>` or `</tool_response>` text. */
char           *se_chat_template_render_spans   (const SeChatTemplate  *tmpl,
                                                 const SeChatMessage   *messages,
                                                 gsize                  n_messages,
                                                 const SeChatOptions   *options,
                                                 GArray                *literal,
                                                 GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeChatTemplate, se_chat_template_free)

G_END_DECLS
