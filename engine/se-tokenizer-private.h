/* SPDX-License-Identifier: Apache-2.0
 *
 * Internals shared by the tokenizer's files: the immutable SeTokenizer layout, the
 * pre-tokenizer scanners (se-pretokenize.c), the BPE merge table and merge loop
 * (se-bpe.c) and the decoder (se-detokenize.c).
 */
#pragma once

#include "sprig/se-tokenizer.h"

G_BEGIN_DECLS

typedef enum
{
  SE_PRE_QWEN2,   /* \p{N} one at a time, NFC first */
  SE_PRE_LLAMA3,  /* \p{N}{1,3}, no normalisation, whole-word lookup before merges */
} SePreType;

typedef struct
{
  guint64 key;    /* left id << 32 | right id; G_MAXUINT64 = empty slot */
  guint32 rank;
  gint32  result;
} SeMergeSlot;

typedef struct
{
  gint32  id;
  guint32 len;
  const char *text;  /* points into SeTokenizer.text */
} SeAddedToken;

struct _SeTokenizer
{
  gint         ref_count;
  char        *pre_name;
  SePreType    pre;
  gboolean     nfc;
  gboolean     ignore_merges;

  gsize        n_vocab;
  char        *text;        /* every token's vocabulary text, NUL-separated */
  guint32     *text_off;
  guint32     *text_len;
  char        *piece;       /* every token's decoded bytes */
  guint32     *piece_off;
  guint32     *piece_len;
  guint8      *types;

  guint32     *tok_hash;    /* open addressing over text: id + 1, 0 = empty */
  guint32      tok_hash_mask;
  SeMergeSlot *merge_hash;
  guint32      merge_hash_mask;
  gsize        n_merges;

  gint32       byte_id[256];      /* id of the single-byte token for each byte */
  guint16      byte_to_cp[256];   /* GPT-2 bytes_to_unicode */
  gint16       cp_to_byte[324];   /* its inverse; -1 = not a byte-level code point */

  SeAddedToken *added;            /* control + user-defined, longest first per first byte */
  gsize         n_added;
  guint32       added_start[257]; /* added[added_start[b] .. added_start[b+1]) start with b */

  gint32       bos_id;
  gint32       eos_id;
  gint32       pad_id;
  gboolean     add_bos;
};

/* Per-call scratch space, so that a shared tokenizer needs no locks. */
typedef struct
{
  GArray *syms;    /* SeBpeSym */
  GArray *heap;    /* SeBpeMerge */
  GString *buf;
} SeBpeScratch;

/* se-pretokenize.c */
gboolean _se_pre_type_from_name (const char  *name,
                                 SePreType   *type,
                                 gboolean    *nfc,
                                 gboolean    *ignore_merges);
/* Appends the end offset (in bytes, relative to @text) of each pre-token of @text, which
 * must be valid UTF-8, to @ends (an array of gsize). */
void     _se_pretokenize        (SePreType    type,
                                 const char  *text,
                                 gsize        len,
                                 GArray      *ends);

/* se-bpe.c */
void     _se_byte_level_init    (SeTokenizer *tok);
gboolean _se_bpe_load_merges    (SeTokenizer           *tok,
                                 const SeTokenizerSpec *spec,
                                 GError               **error);
void     _se_bpe_scratch_init   (SeBpeScratch *scratch);
void     _se_bpe_scratch_clear  (SeBpeScratch *scratch);
/* Appends the ids of one pre-token of raw bytes to @out. */
void     _se_bpe_encode_word    (const SeTokenizer *tok,
                                 const guint8      *word,
                                 gsize              len,
                                 SeBpeScratch      *scratch,
                                 GArray            *out);

/* se-tokenizer.c */
gint32   _se_tokenizer_lookup   (const SeTokenizer *tok,
                                 const char        *text,
                                 gsize              len);

G_END_DECLS
