/* SPDX-License-Identifier: Apache-2.0
 *
 * Byte-level BPE: the GPT-2 byte-to-code-point map, the merge table (a hash from a pair
 * of token ids to its rank and result) and the merge loop, which always applies the
 * lowest-ranked adjacent pair first, leftmost on ties, through a binary heap.
 */
#include "config.h"

#include <string.h>

#include "sprig/se-error.h"
#include "se-tokenizer-private.h"

typedef struct
{
  gint32 id;     /* -1 once merged into its left neighbour */
  gint32 prev;
  gint32 next;
} SeBpeSym;

typedef struct
{
  guint32 rank;
  gint32  left;
  gint32  right;
  gint32  left_id;
  gint32  right_id;
  gint32  result;
} SeBpeMerge;

void
_se_byte_level_init (SeTokenizer *tok)
{
  guint n = 0;

  for (guint i = 0; i < G_N_ELEMENTS (tok->cp_to_byte); i++)
    tok->cp_to_byte[i] = -1;
  for (guint b = 0; b < 256; b++)
    {
      gboolean printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
      guint cp = printable ? b : 256 + n++;

      tok->byte_to_cp[b] = cp;
      tok->cp_to_byte[cp] = (gint16) b;
    }
}

static inline guint32
pair_hash (guint64 key,
           guint32 mask)
{
  return (guint32) ((key * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15)) >> 32) & mask;
}

static SeMergeSlot *
merge_slot (const SeTokenizer *tok,
            guint64            key)
{
  guint32 h = pair_hash (key, tok->merge_hash_mask);

  while (tok->merge_hash[h].key != G_MAXUINT64 && tok->merge_hash[h].key != key)
    h = (h + 1) & tok->merge_hash_mask;
  return &tok->merge_hash[h];
}

static gint32
lookup_part (const SeTokenizer *tok,
             const char        *s,
             gsize              len,
             gsize              index,
             const char        *merge,
             gsize              merge_len,
             GError           **error)
{
  gint32 id = _se_tokenizer_lookup (tok, s, len);

  if (id < 0)
    {
      g_autofree char *part = g_utf8_make_valid (s, len);
      g_autofree char *shown = g_utf8_make_valid (merge, merge_len);

      g_set_error (error, SE_ERROR, SE_ERROR_TOKENIZER,
                   "Merge %" G_GSIZE_FORMAT " “%s” names “%s”, which is not in the vocabulary",
                   index, shown, part);
    }
  return id;
}

static gboolean
load_one_merge (SeTokenizer *tok,
                const char  *merge,
                gsize        len,
                gsize        index,
                GString     *joined,
                GError     **error)
{
  const char *space = memchr (merge, ' ', len);
  gsize left_len, right_len;
  gint32 a, b, r;
  SeMergeSlot *slot;

  if (space == NULL || space == merge || space == merge + len - 1
      || memchr (space + 1, ' ', merge + len - space - 1) != NULL)
    {
      g_autofree char *shown = g_utf8_make_valid (merge, len);

      g_set_error (error, SE_ERROR, SE_ERROR_TOKENIZER,
                   "Merge %" G_GSIZE_FORMAT " “%s” is not two tokens separated by one space",
                   index, shown);
      return FALSE;
    }
  left_len = space - merge;
  right_len = len - left_len - 1;
  if ((a = lookup_part (tok, merge, left_len, index, merge, len, error)) < 0
      || (b = lookup_part (tok, space + 1, right_len, index, merge, len, error)) < 0)
    return FALSE;
  g_string_truncate (joined, 0);
  g_string_append_len (joined, merge, left_len);
  g_string_append_len (joined, space + 1, right_len);
  if ((r = lookup_part (tok, joined->str, joined->len, index, merge, len, error)) < 0)
    return FALSE;

  /* A repeated pair keeps its last rank, as Hugging Face tokenizers do. */
  slot = merge_slot (tok, ((guint64) a << 32) | (guint32) b);
  slot->key = ((guint64) a << 32) | (guint32) b;
  slot->rank = (guint32) index;
  slot->result = r;
  return TRUE;
}

gboolean
_se_bpe_load_merges (SeTokenizer           *tok,
                     const SeTokenizerSpec *spec,
                     GError               **error)
{
  g_autoptr(GString) joined = g_string_new (NULL);
  gsize size = 16;

  while (size < spec->n_merges * 2)
    size <<= 1;
  tok->merge_hash_mask = (guint32) (size - 1);
  tok->merge_hash = g_new (SeMergeSlot, size);
  for (gsize i = 0; i < size; i++)
    tok->merge_hash[i].key = G_MAXUINT64;
  tok->n_merges = spec->n_merges;

  for (gsize i = 0; i < spec->n_merges; i++)
    {
      const char *merge = spec->merges[i];
      gsize len;

      if (merge == NULL)
        {
          g_set_error (error, SE_ERROR, SE_ERROR_TOKENIZER, "Merge %" G_GSIZE_FORMAT " is missing",
                       i);
          return FALSE;
        }
      len = spec->merge_lens != NULL ? spec->merge_lens[i] : strlen (merge);
      if (!load_one_merge (tok, merge, len, i, joined, error))
        return FALSE;
    }
  return TRUE;
}

void
_se_bpe_scratch_init (SeBpeScratch *scratch)
{
  scratch->syms = g_array_new (FALSE, FALSE, sizeof (SeBpeSym));
  scratch->heap = g_array_new (FALSE, FALSE, sizeof (SeBpeMerge));
  scratch->buf = g_string_new (NULL);
}

void
_se_bpe_scratch_clear (SeBpeScratch *scratch)
{
  g_clear_pointer (&scratch->syms, g_array_unref);
  g_clear_pointer (&scratch->heap, g_array_unref);
  if (scratch->buf != NULL)
    g_string_free (g_steal_pointer (&scratch->buf), TRUE);
}

static inline gboolean
merge_before (const SeBpeMerge *x,
              const SeBpeMerge *y)
{
  return x->rank < y->rank || (x->rank == y->rank && x->left < y->left);
}

static void
heap_push (GArray           *heap,
           const SeBpeMerge *m)
{
  SeBpeMerge *h;
  guint i;

  g_array_append_vals (heap, m, 1);
  h = (SeBpeMerge *) (void *) heap->data;
  for (i = heap->len - 1; i > 0 && merge_before (&h[i], &h[(i - 1) / 2]); i = (i - 1) / 2)
    {
      SeBpeMerge t = h[i];

      h[i] = h[(i - 1) / 2];
      h[(i - 1) / 2] = t;
    }
}

static SeBpeMerge
heap_pop (GArray *heap)
{
  SeBpeMerge *h = (SeBpeMerge *) (void *) heap->data;
  SeBpeMerge top = h[0];
  guint n = heap->len - 1, i = 0;

  h[0] = h[n];
  g_array_set_size (heap, n);
  for (;;)
    {
      guint l = 2 * i + 1, r = l + 1, m = i;
      SeBpeMerge t;

      if (l < n && merge_before (&h[l], &h[m]))
        m = l;
      if (r < n && merge_before (&h[r], &h[m]))
        m = r;
      if (m == i)
        break;
      t = h[i];
      h[i] = h[m];
      h[m] = t;
      i = m;
    }
  return top;
}

static void
push_pair (const SeTokenizer *tok,
           const SeBpeSym    *syms,
           gint32             left,
           gint32             right,
           GArray            *heap)
{
  guint64 key = ((guint64) syms[left].id << 32) | (guint32) syms[right].id;
  const SeMergeSlot *slot = merge_slot (tok, key);
  SeBpeMerge m;

  if (slot->key != key)
    return;
  m.rank = slot->rank;
  m.left = left;
  m.right = right;
  m.left_id = syms[left].id;
  m.right_id = syms[right].id;
  m.result = slot->result;
  heap_push (heap, &m);
}

static gboolean
lookup_whole_word (const SeTokenizer *tok,
                   const guint8      *word,
                   gsize              len,
                   SeBpeScratch      *scratch,
                   GArray            *out)
{
  gint32 id;

  g_string_truncate (scratch->buf, 0);
  for (gsize i = 0; i < len; i++)
    g_string_append_unichar (scratch->buf, tok->byte_to_cp[word[i]]);
  id = _se_tokenizer_lookup (tok, scratch->buf->str, scratch->buf->len);
  if (id < 0)
    return FALSE;
  g_array_append_val (out, id);
  return TRUE;
}

void
_se_bpe_encode_word (const SeTokenizer *tok,
                     const guint8      *word,
                     gsize              len,
                     SeBpeScratch      *scratch,
                     GArray            *out)
{
  SeBpeSym *syms;

  if (len == 1)
    {
      g_array_append_val (out, tok->byte_id[word[0]]);
      return;
    }
  if (len == 0 || (tok->ignore_merges && lookup_whole_word (tok, word, len, scratch, out)))
    return;

  g_array_set_size (scratch->syms, len);
  g_array_set_size (scratch->heap, 0);
  syms = (SeBpeSym *) (void *) scratch->syms->data;
  for (gsize i = 0; i < len; i++)
    {
      syms[i].id = tok->byte_id[word[i]];
      syms[i].prev = (gint32) i - 1;
      syms[i].next = i + 1 < len ? (gint32) i + 1 : -1;
    }
  for (gsize i = 0; i + 1 < len; i++)
    push_pair (tok, syms, (gint32) i, (gint32) i + 1, scratch->heap);

  while (scratch->heap->len > 0)
    {
      SeBpeMerge m = heap_pop (scratch->heap);
      SeBpeSym *l = &syms[m.left], *r = &syms[m.right];

      if (l->id != m.left_id || l->next != m.right || r->id != m.right_id)
        continue;  /* stale: one side was merged since this pair was queued */
      l->id = m.result;
      l->next = r->next;
      if (r->next >= 0)
        syms[r->next].prev = m.left;
      r->id = -1;
      if (l->prev >= 0)
        push_pair (tok, syms, l->prev, m.left, scratch->heap);
      if (l->next >= 0)
        push_pair (tok, syms, m.left, l->next, scratch->heap);
    }
  for (gint32 i = 0; i >= 0; i = syms[i].next)
    g_array_append_val (out, syms[i].id);
}
