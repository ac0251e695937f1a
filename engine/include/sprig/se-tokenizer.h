/* SPDX-License-Identifier: Apache-2.0
 *
 * Byte-level BPE tokenizer as GGUF's `tokenizer.ggml.model = gpt2` describes it: added
 * tokens matched first, then a pre-tokenizer chosen by `tokenizer.ggml.pre`, then BPE by
 * merge rank. A tokenizer is immutable once built and may be used from many threads.
 */
#pragma once

#include <glib.h>

#include "sprig/se-gguf.h"

G_BEGIN_DECLS

typedef struct _SeTokenizer SeTokenizer;
typedef struct _SeDetokenizer SeDetokenizer;

/* Values of tokenizer.ggml.token_type. */
typedef enum
{
  SE_TOKEN_TYPE_UNDEFINED    = 0,
  SE_TOKEN_TYPE_NORMAL       = 1,
  SE_TOKEN_TYPE_UNKNOWN      = 2,
  SE_TOKEN_TYPE_CONTROL      = 3,
  SE_TOKEN_TYPE_USER_DEFINED = 4,
  SE_TOKEN_TYPE_UNUSED       = 5,
  SE_TOKEN_TYPE_BYTE         = 6,
} SeTokenType;

typedef enum
{
  SE_TOKENIZE_NONE          = 0,
  /* Match control tokens (`<|im_start|>`) in the text. Without it, text typed by a user
   * never becomes a control token; user-defined tokens are matched either way. */
  SE_TOKENIZE_PARSE_SPECIAL = 1 << 0,
  /* Prepend BOS when the vocabulary has one and asks for it (add_bos). */
  SE_TOKENIZE_ADD_BOS       = 1 << 1,
} SeTokenizeFlags;

/* A byte range of a text: [offset, offset + length). */
typedef struct
{
  gsize offset;
  gsize length;
} SeTextSpan;

typedef struct
{
  const char        *model;        /* tokenizer.ggml.model, must be "gpt2" */
  const char        *pre;          /* tokenizer.ggml.pre: "qwen2", "llama-bpe", ... */
  gsize              n_tokens;
  const char *const *tokens;       /* id-indexed, GPT-2 byte-level unicode form */
  const gsize       *token_lens;   /* may be NULL: strlen */
  const gint32      *token_types;  /* may be NULL: all SE_TOKEN_TYPE_NORMAL */
  gsize              n_merges;
  const char *const *merges;       /* "a b"; rank = index */
  const gsize       *merge_lens;   /* may be NULL: strlen */
  gint32             bos_id;       /* -1 = none */
  gint32             eos_id;
  gint32             pad_id;
  gboolean           add_bos;
} SeTokenizerSpec;

SeTokenizer *se_tokenizer_new             (const SeTokenizerSpec *spec,
                                           GError               **error);
/* Reads tokenizer.ggml.{model,pre,tokens,token_type,merges,bos_token_id,eos_token_id,
 * padding_token_id,add_bos_token}. The tokenizer copies what it needs from @gguf. */
SeTokenizer *se_tokenizer_new_from_gguf   (SeGguf                *gguf,
                                           GError               **error);
SeTokenizer *se_tokenizer_ref             (SeTokenizer           *tok);
void         se_tokenizer_unref           (SeTokenizer           *tok);

gsize        se_tokenizer_get_n_vocab     (SeTokenizer           *tok);
gint32       se_tokenizer_get_bos         (SeTokenizer           *tok);
gint32       se_tokenizer_get_eos         (SeTokenizer           *tok);
gint32       se_tokenizer_get_pad         (SeTokenizer           *tok);
gboolean     se_tokenizer_get_add_bos     (SeTokenizer           *tok);
const char  *se_tokenizer_get_pre         (SeTokenizer           *tok);
SeTokenType  se_tokenizer_get_token_type  (SeTokenizer           *tok,
                                           gint32                 id);
gboolean     se_tokenizer_is_control      (SeTokenizer           *tok,
                                           gint32                 id);
gboolean     se_tokenizer_is_eog          (SeTokenizer           *tok,
                                           gint32                 id);
/* The id of the token whose vocabulary text is exactly @text, or -1. */
gint32       se_tokenizer_find_token      (SeTokenizer           *tok,
                                           const char            *text);
/* The raw bytes a token stands for (byte-level decoded for normal tokens, the text itself
 * for control and user-defined ones). Owned by @tok; not NUL-terminated in general. */
const char  *se_tokenizer_token_to_piece  (SeTokenizer           *tok,
                                           gint32                 id,
                                           gsize                 *len);

/* Encodes valid UTF-8 (@len -1: NUL-terminated). Returns a g_malloc'ed array of
 * *@n_tokens ids, or NULL with @error set (invalid UTF-8 is SE_ERROR_INVALID). */
gint32      *se_tokenizer_encode          (SeTokenizer           *tok,
                                           const char            *text,
                                           gssize                 len,
                                           SeTokenizeFlags        flags,
                                           gsize                 *n_tokens,
                                           GError               **error);
/* As se_tokenizer_encode(), appending to a GArray of gint32. */
gboolean     se_tokenizer_encode_append   (SeTokenizer           *tok,
                                           const char            *text,
                                           gssize                 len,
                                           SeTokenizeFlags        flags,
                                           GArray                *out,
                                           GError               **error);
/* As se_tokenizer_encode_append(), but inside the @n_literal spans of @text (sorted by
 * offset, not overlapping) no added token is matched, control or user-defined: message
 * contents that a chat template wraps in its markup stay text however they look
 * (`<|im_end|>` typed by a user or returned by a tool is encoded as ordinary tokens). The
 * text is still split and merged as one piece, so text without such strings gets exactly
 * the ids se_tokenizer_encode_append() gives. */
gboolean     se_tokenizer_encode_spans_append (SeTokenizer       *tok,
                                           const char            *text,
                                           gssize                 len,
                                           SeTokenizeFlags        flags,
                                           const SeTextSpan      *literal,
                                           gsize                  n_literal,
                                           GArray                *out,
                                           GError               **error);
/* The pre-tokens of @text (NFC-normalised first where the pre-tokenizer asks for it), as a
 * NULL-terminated array. No added-token matching. For tests and debugging. */
char       **se_tokenizer_pretokenize     (SeTokenizer           *tok,
                                           const char            *text,
                                           gssize                 len,
                                           GError               **error);

/* Concatenated raw bytes of @ids (NUL-terminated; may hold partial UTF-8 if the ids cut a
 * character). Control and unused tokens only appear with @render_special. */
char        *se_tokenizer_decode          (SeTokenizer           *tok,
                                           const gint32          *ids,
                                           gsize                  n_ids,
                                           gboolean               render_special,
                                           gsize                 *len);

/* Streaming detokenizer: push() appends only complete UTF-8 characters to @out, keeping
 * a character split across tokens until its last byte arrives; flush() turns leftovers
 * into U+FFFD. Invalid bytes become U+FFFD at once. One per stream, not thread-safe. */
SeDetokenizer *se_detokenizer_new         (SeTokenizer           *tok,
                                           gboolean               render_special);
void           se_detokenizer_free        (SeDetokenizer         *detok);
void           se_detokenizer_push        (SeDetokenizer         *detok,
                                           gint32                 id,
                                           GString               *out);
void           se_detokenizer_flush       (SeDetokenizer         *detok,
                                           GString               *out);
void           se_detokenizer_reset       (SeDetokenizer         *detok);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeTokenizer, se_tokenizer_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeDetokenizer, se_detokenizer_free)

G_END_DECLS
