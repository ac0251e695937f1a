/* SPDX-License-Identifier: Apache-2.0
 *
 * Shared pieces of the chat template module: the template object, the Python-style
 * string helpers the Jinja templates rely on, and the per-family renderers.
 */
#pragma once

#include "sprig/se-chat.h"
#include "sprig/se-tokenizer.h"

G_BEGIN_DECLS

struct _SeChatTemplate
{
  SeChatFamily family;
  char *warning;
  char *bos_token;
  char *eos_token;
};

/* Python's str.strip('\n') family, and str.strip() with Python's whitespace set. */
void     _se_chat_append_lstrip_nl (GString *out, const char *s, gsize len);
void     _se_chat_append_strip_nl  (GString *out, const char *s, gsize len);
void     _se_chat_append_trim      (GString *out, const char *s);

/* Records out[start, out->len) as message text in @lit (SeTextSpan; may be NULL), so the
 * engine encodes it without matching special tokens. */
void     _se_chat_mark_literal     (GArray *lit, GString *out, gsize start);

gboolean _se_chat_append_tojson    (GString *out, const char *json, gboolean raw_strings,
                                    GError **error);

char    *_se_chat_render_qwen3     (const SeChatMessage *messages, gsize n,
                                    const SeChatOptions *options, GArray *lit,
                                    GError **error);

G_END_DECLS
