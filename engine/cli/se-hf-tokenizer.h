/* SPDX-License-Identifier: Apache-2.0
 *
 * Reads a Hugging Face tokenizer.json (and the tokenizer_config.json beside it) into the
 * vocabulary arrays a GGUF file holds, so that the CLI can write them and the tests can
 * build an SeTokenizer from a real vocabulary. Uses json-glib; not part of the engine.
 */
#pragma once

#include <glib.h>

#include "sprig/se-tokenizer.h"

G_BEGIN_DECLS

typedef struct
{
  char      *model;        /* "gpt2" */
  char      *pre;          /* "qwen2", "llama-bpe", detected from the Split pattern */
  GPtrArray *tokens;       /* char *, id-indexed, GPT-2 byte-level form */
  GArray    *token_types;  /* gint32, SeTokenType */
  GPtrArray *merges;       /* char *, "a b", rank order */
  gint32     bos_id;       /* -1 = none */
  gint32     eos_id;
  gint32     pad_id;
  gboolean   add_bos;
} SeHfVocab;

/* Fills @out (which the caller clears with se_hf_vocab_clear()). Ids missing up to
 * @pad_to (0: no padding) become "[PAD{id}]" tokens of type unused, as in Qwen GGUFs. */
gboolean se_hf_vocab_load   (const char      *tokenizer_json,
                             guint            pad_to,
                             SeHfVocab       *out,
                             GError         **error);
void     se_hf_vocab_clear  (SeHfVocab       *vocab);
/* Grows @vocab to @n tokens and fills every hole with "[PAD{id}]" of type unused. */
void     se_hf_vocab_pad    (SeHfVocab       *vocab,
                             guint            n);
/* Points @spec at @vocab's arrays; valid while @vocab is. */
void     se_hf_vocab_to_spec (const SeHfVocab *vocab,
                              SeTokenizerSpec *spec);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SeHfVocab, se_hf_vocab_clear)

G_END_DECLS
