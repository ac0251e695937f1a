/* SPDX-License-Identifier: Apache-2.0
 *
 * Builds an immutable SeTokenizer from plain vocabulary arrays, validating every token,
 * type and merge, and drives encoding: added tokens are matched in the raw text first,
 * the text between them is normalised, pre-tokenized and BPE-encoded.
 */
#include "config.h"

#include <string.h>

#include "sprig/se-error.h"
#include "se-tokenizer-private.h"

static guint32
text_hash (const char *s,
           gsize       len)
{
  guint32 h = 2166136261u;

  for (gsize i = 0; i < len; i++)
    h = (h ^ (guchar) s[i]) * 16777619u;
  return h;
}

gint32
_se_tokenizer_lookup (const SeTokenizer *tok,
                      const char        *text,
                      gsize              len)
{
  guint32 h = text_hash (text, len) & tok->tok_hash_mask;

  for (; tok->tok_hash[h] != 0; h = (h + 1) & tok->tok_hash_mask)
    {
      gint32 id = (gint32) tok->tok_hash[h] - 1;

      if (tok->text_len[id] == len && memcmp (tok->text + tok->text_off[id], text, len) == 0)
        return id;
    }
  return -1;
}

static void
hash_insert (SeTokenizer *tok,
             gint32       id)
{
  const char *s = tok->text + tok->text_off[id];
  guint32 h = text_hash (s, tok->text_len[id]) & tok->tok_hash_mask;

  /* The first of two equal token texts keeps the name. */
  if (_se_tokenizer_lookup (tok, s, tok->text_len[id]) >= 0)
    return;
  while (tok->tok_hash[h] != 0)
    h = (h + 1) & tok->tok_hash_mask;
  tok->tok_hash[h] = (guint32) id + 1;
}

static gboolean
check_spec_header (const SeTokenizerSpec *spec,
                   SePreType             *type,
                   gboolean              *nfc,
                   gboolean              *ignore_merges,
                   GError               **error)
{
  if (g_strcmp0 (spec->model, "gpt2") != 0)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED,
                   "Tokenizer model “%s” is not supported; only “gpt2” (byte-level BPE) is",
                   spec->model ? spec->model : "(none)");
      return FALSE;
    }
  if (!_se_pre_type_from_name (spec->pre, type, nfc, ignore_merges))
    {
      g_set_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED,
                   "Pre-tokenizer “%s” is not supported (known: qwen2, llama-bpe)",
                   spec->pre ? spec->pre : "(none)");
      return FALSE;
    }
  if (spec->n_tokens == 0 || spec->n_tokens >= G_MAXINT32 || spec->tokens == NULL
      || (spec->n_merges > 0 && spec->merges == NULL))
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "Vocabulary of %" G_GSIZE_FORMAT " tokens is empty, too large or missing",
                   spec->n_tokens);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_token (const SeTokenizerSpec *spec,
             gsize                  i,
             gsize                 *len,
             GError               **error)
{
  const char *s = spec->tokens[i];
  gint32 type = spec->token_types ? spec->token_types[i] : SE_TOKEN_TYPE_NORMAL;

  *len = s == NULL ? 0 : spec->token_lens ? spec->token_lens[i] : strlen (s);
  if (s == NULL || !g_utf8_validate_len (s, *len, NULL))
    {
      g_set_error (error, SE_ERROR, SE_ERROR_TOKENIZER,
                   "Token %" G_GSIZE_FORMAT " is missing or not valid UTF-8", i);
      return FALSE;
    }
  if (type < SE_TOKEN_TYPE_UNDEFINED || type > SE_TOKEN_TYPE_BYTE)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "Token %" G_GSIZE_FORMAT " “%s” has unknown type %d", i, s, type);
      return FALSE;
    }
  return TRUE;
}

/* The bytes a token stands for: GPT-2 byte-level decoding for ordinary tokens, the text
 * itself for control, user-defined and unused ones, one byte for <0xAB> byte tokens. */
static void
append_piece (const SeTokenizer *tok,
              gsize              id,
              GString           *pieces)
{
  const char *s = tok->text + tok->text_off[id];
  const char *end = s + tok->text_len[id];
  guint byte;

  switch (tok->types[id])
    {
    case SE_TOKEN_TYPE_CONTROL:
    case SE_TOKEN_TYPE_USER_DEFINED:
    case SE_TOKEN_TYPE_UNUSED:
      g_string_append_len (pieces, s, end - s);
      return;
    case SE_TOKEN_TYPE_BYTE:
      if (end - s == 6 && g_str_has_prefix (s, "<0x") && s[5] == '>'
          && g_ascii_isxdigit (s[3]) && g_ascii_isxdigit (s[4]))
        {
          byte = g_ascii_xdigit_value (s[3]) * 16 + g_ascii_xdigit_value (s[4]);
          g_string_append_c (pieces, (char) byte);
          return;
        }
      break;
    default:
      break;
    }
  for (; s < end; s = g_utf8_next_char (s))
    {
      gunichar c = g_utf8_get_char (s);

      if (c < G_N_ELEMENTS (tok->cp_to_byte) && tok->cp_to_byte[c] >= 0)
        g_string_append_c (pieces, (char) tok->cp_to_byte[c]);
      else
        g_string_append_len (pieces, s, g_utf8_next_char (s) - s);
    }
}

static gboolean
load_tokens (SeTokenizer           *tok,
             const SeTokenizerSpec *spec,
             GError               **error)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GString) pieces = g_string_new (NULL);
  gsize n = spec->n_tokens, size = 16;

  tok->text_off = g_new (guint32, n);
  tok->text_len = g_new (guint32, n);
  tok->types = g_new (guint8, n);
  for (gsize i = 0; i < n; i++)
    {
      gsize len;

      if (!check_token (spec, i, &len, error))
        return FALSE;
      if (text->len + len + 1 >= G_MAXUINT32)
        {
          g_set_error (error, SE_ERROR, SE_ERROR_INVALID, "Vocabulary text is over 4 GiB");
          return FALSE;
        }
      tok->text_off[i] = (guint32) text->len;
      tok->text_len[i] = (guint32) len;
      tok->types[i] = spec->token_types ? (guint8) spec->token_types[i] : SE_TOKEN_TYPE_NORMAL;
      g_string_append_len (text, spec->tokens[i], len);
      g_string_append_c (text, '\0');
    }
  tok->n_vocab = n;
  tok->text = g_string_free (g_steal_pointer (&text), FALSE);

  while (size < n * 2)
    size <<= 1;
  tok->tok_hash = g_new0 (guint32, size);
  tok->tok_hash_mask = (guint32) (size - 1);
  tok->piece_off = g_new (guint32, n);
  tok->piece_len = g_new (guint32, n);
  for (gsize i = 0; i < n; i++)
    {
      hash_insert (tok, (gint32) i);
      tok->piece_off[i] = (guint32) pieces->len;
      append_piece (tok, i, pieces);
      tok->piece_len[i] = (guint32) (pieces->len - tok->piece_off[i]);
    }
  tok->piece = g_string_free (g_steal_pointer (&pieces), FALSE);
  return TRUE;
}

static gboolean
load_byte_tokens (SeTokenizer *tok,
                  GError     **error)
{
  for (guint b = 0; b < 256; b++)
    {
      char buf[8];
      gint len = g_unichar_to_utf8 (tok->byte_to_cp[b], buf);

      buf[len] = '\0';
      tok->byte_id[b] = _se_tokenizer_lookup (tok, buf, len);
      if (tok->byte_id[b] < 0)
        {
          g_set_error (error, SE_ERROR, SE_ERROR_TOKENIZER,
                       "The vocabulary has no token “%s” for byte 0x%02X", buf, b);
          return FALSE;
        }
    }
  return TRUE;
}

static int
compare_added (gconstpointer a,
               gconstpointer b)
{
  const SeAddedToken *x = a, *y = b;
  guchar fx = (guchar) x->text[0], fy = (guchar) y->text[0];

  if (fx != fy)
    return fx < fy ? -1 : 1;
  if (x->len != y->len)
    return x->len > y->len ? -1 : 1;  /* longest match wins */
  return x->id < y->id ? -1 : x->id > y->id;
}

static void
load_added_tokens (SeTokenizer *tok)
{
  GArray *added = g_array_new (FALSE, FALSE, sizeof (SeAddedToken));
  guint k = 0;

  for (gsize i = 0; i < tok->n_vocab; i++)
    {
      SeAddedToken a = { (gint32) i, tok->text_len[i], tok->text + tok->text_off[i] };

      if ((tok->types[i] == SE_TOKEN_TYPE_CONTROL || tok->types[i] == SE_TOKEN_TYPE_USER_DEFINED)
          && a.len > 0)
        g_array_append_val (added, a);
    }
  g_array_sort (added, compare_added);
  tok->n_added = added->len;
  tok->added = (SeAddedToken *) (void *) g_array_free (added, FALSE);
  for (guint b = 0; b <= 256; b++)
    {
      while (k < tok->n_added && (guchar) tok->added[k].text[0] < b)
        k++;
      tok->added_start[b] = k;
    }
}

static gboolean
check_special_id (const SeTokenizer *tok,
                  const char        *what,
                  gint32             id,
                  GError           **error)
{
  if (id >= -1 && id < (gint32) tok->n_vocab)
    return TRUE;
  g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
               "%s token id %d is outside the vocabulary of %" G_GSIZE_FORMAT " tokens",
               what, id, tok->n_vocab);
  return FALSE;
}

SeTokenizer *
se_tokenizer_new (const SeTokenizerSpec *spec,
                  GError               **error)
{
  g_autoptr(SeTokenizer) tok = NULL;
  SePreType type;
  gboolean nfc, ignore_merges;

  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_spec_header (spec, &type, &nfc, &ignore_merges, error))
    return NULL;
  tok = g_new0 (SeTokenizer, 1);
  tok->ref_count = 1;
  tok->pre_name = g_strdup (spec->pre);
  tok->pre = type;
  tok->nfc = nfc;
  tok->ignore_merges = ignore_merges;
  _se_byte_level_init (tok);
  if (!load_tokens (tok, spec, error) || !load_byte_tokens (tok, error)
      || !_se_bpe_load_merges (tok, spec, error)
      || !check_special_id (tok, "BOS", spec->bos_id, error)
      || !check_special_id (tok, "EOS", spec->eos_id, error)
      || !check_special_id (tok, "Padding", spec->pad_id, error))
    return NULL;
  load_added_tokens (tok);
  tok->bos_id = spec->bos_id;
  tok->eos_id = spec->eos_id;
  tok->pad_id = spec->pad_id;
  tok->add_bos = spec->add_bos;
  return g_steal_pointer (&tok);
}

SeTokenizer *
se_tokenizer_ref (SeTokenizer *tok)
{
  g_return_val_if_fail (tok != NULL, NULL);
  g_atomic_int_inc (&tok->ref_count);
  return tok;
}

void
se_tokenizer_unref (SeTokenizer *tok)
{
  if (tok == NULL || !g_atomic_int_dec_and_test (&tok->ref_count))
    return;
  g_free (tok->pre_name);
  g_free (tok->text);
  g_free (tok->text_off);
  g_free (tok->text_len);
  g_free (tok->piece);
  g_free (tok->piece_off);
  g_free (tok->piece_len);
  g_free (tok->types);
  g_free (tok->tok_hash);
  g_free (tok->merge_hash);
  g_free (tok->added);
  g_free (tok);
}

gsize
se_tokenizer_get_n_vocab (SeTokenizer *tok)
{
  g_return_val_if_fail (tok != NULL, 0);
  return tok->n_vocab;
}

gint32
se_tokenizer_get_bos (SeTokenizer *tok)
{
  g_return_val_if_fail (tok != NULL, -1);
  return tok->bos_id;
}

gint32
se_tokenizer_get_eos (SeTokenizer *tok)
{
  g_return_val_if_fail (tok != NULL, -1);
  return tok->eos_id;
}

gint32
se_tokenizer_get_pad (SeTokenizer *tok)
{
  g_return_val_if_fail (tok != NULL, -1);
  return tok->pad_id;
}

gboolean
se_tokenizer_get_add_bos (SeTokenizer *tok)
{
  g_return_val_if_fail (tok != NULL, FALSE);
  return tok->add_bos;
}

const char *
se_tokenizer_get_pre (SeTokenizer *tok)
{
  g_return_val_if_fail (tok != NULL, NULL);
  return tok->pre_name;
}

SeTokenType
se_tokenizer_get_token_type (SeTokenizer *tok,
                             gint32       id)
{
  g_return_val_if_fail (tok != NULL, SE_TOKEN_TYPE_UNDEFINED);
  if (id < 0 || (gsize) id >= tok->n_vocab)
    return SE_TOKEN_TYPE_UNDEFINED;
  return tok->types[id];
}

gboolean
se_tokenizer_is_control (SeTokenizer *tok,
                         gint32       id)
{
  return se_tokenizer_get_token_type (tok, id) == SE_TOKEN_TYPE_CONTROL;
}

gboolean
se_tokenizer_is_eog (SeTokenizer *tok,
                     gint32       id)
{
  g_return_val_if_fail (tok != NULL, FALSE);
  /* EOS, and the end-of-text / end-of-turn control tokens chat models stop on. */
  if (id < 0 || (gsize) id >= tok->n_vocab)
    return FALSE;
  if (id == tok->eos_id)
    return TRUE;
  if (tok->types[id] != SE_TOKEN_TYPE_CONTROL)
    return FALSE;
  {
    const char *s = tok->text + tok->text_off[id];
    static const char *const eog[] = { "<|endoftext|>", "<|im_end|>", "<|eot_id|>",
                                       "<|eom_id|>", "<|end_of_text|>", NULL };

    return g_strv_contains (eog, s);
  }
}

gint32
se_tokenizer_find_token (SeTokenizer *tok,
                         const char  *text)
{
  g_return_val_if_fail (tok != NULL, -1);
  g_return_val_if_fail (text != NULL, -1);
  return _se_tokenizer_lookup (tok, text, strlen (text));
}

const char *
se_tokenizer_token_to_piece (SeTokenizer *tok,
                             gint32       id,
                             gsize       *len)
{
  g_return_val_if_fail (tok != NULL, NULL);
  if (id < 0 || (gsize) id >= tok->n_vocab)
    {
      if (len)
        *len = 0;
      return NULL;
    }
  if (len)
    *len = tok->piece_len[id];
  return tok->piece + tok->piece_off[id];
}

/* NFC of @text, which may hold NUL bytes (g_utf8_normalize() stops at one). */
static char *
normalise_nfc (const char *text,
               gsize       len,
               gsize      *out_len)
{
  GString *out = g_string_sized_new (len + 16);
  const char *p = text, *end = text + len;

  while (p <= end)
    {
      const char *nul = memchr (p, '\0', end - p);
      const char *stop = nul ? nul : end;
      g_autofree char *norm = g_utf8_normalize (p, stop - p, G_NORMALIZE_NFC);

      g_string_append (out, norm);
      if (nul == NULL)
        break;
      g_string_append_c (out, '\0');
      p = nul + 1;
    }
  *out_len = out->len;
  return g_string_free (out, FALSE);
}

/* The segment between added tokens, normalised if the vocabulary asks for NFC, or NULL
 * when it is unchanged. Characters below U+0300 are all NFC-stable (their UTF-8 bytes are
 * below 0xCC), which skips most text. */
static char *
normalise_segment (const SeTokenizer *tok,
                   const char        *text,
                   gsize              len,
                   gsize             *out_len)
{
  if (!tok->nfc)
    return NULL;
  for (gsize i = 0; i < len; i++)
    if ((guchar) text[i] >= 0xCC)
      return normalise_nfc (text, len, out_len);
  return NULL;
}

static void
encode_segment (const SeTokenizer *tok,
                const char        *text,
                gsize              len,
                SeBpeScratch      *scratch,
                GArray            *ends,
                GArray            *out)
{
  gsize norm_len = 0, start = 0;
  g_autofree char *norm = normalise_segment (tok, text, len, &norm_len);

  if (norm != NULL)
    {
      text = norm;
      len = norm_len;
    }
  g_array_set_size (ends, 0);
  _se_pretokenize (tok->pre, text, len, ends);
  for (guint i = 0; i < ends->len; i++)
    {
      gsize end = g_array_index (ends, gsize, i);

      _se_bpe_encode_word (tok, (const guint8 *) text + start, end - start, scratch, out);
      start = end;
    }
}

static const SeAddedToken *
match_added (const SeTokenizer *tok,
             const char        *text,
             gsize              len,
             gboolean           parse_special)
{
  guchar b = (guchar) text[0];

  for (guint k = tok->added_start[b]; k < tok->added_start[b + 1]; k++)
    {
      const SeAddedToken *a = &tok->added[k];

      if (a->len > len || (!parse_special && tok->types[a->id] == SE_TOKEN_TYPE_CONTROL))
        continue;
      if (memcmp (a->text, text, a->len) == 0)
        return a;
    }
  return NULL;
}

/* UTF-8 validation that, unlike g_utf8_validate_len(), accepts U+0000. */
static gboolean
validate_utf8 (const char  *text,
               gsize        len,
               const char **bad)
{
  const char *p = text, *end = text + len;

  while (!g_utf8_validate_len (p, end - p, bad))
    {
      if (**bad != '\0')
        return FALSE;
      p = *bad + 1;
    }
  return TRUE;
}

static gboolean
check_input (const char  *text,
             gsize        len,
             GError     **error)
{
  const char *bad = NULL;

  if (len >= G_MAXUINT32)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "Text of %" G_GSIZE_FORMAT " bytes is too long to tokenize", len);
      return FALSE;
    }
  if (!validate_utf8 (text, len, &bad))
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "Text is not valid UTF-8 at byte %" G_GSIZE_FORMAT " (0x%02X)",
                   (gsize) (bad - text), (guchar) *bad);
      return FALSE;
    }
  return TRUE;
}

gboolean
se_tokenizer_encode_append (SeTokenizer     *tok,
                            const char      *text,
                            gssize           len,
                            SeTokenizeFlags  flags,
                            GArray          *out,
                            GError         **error)
{
  return se_tokenizer_encode_spans_append (tok, text, len, flags, NULL, 0, out, error);
}

static gboolean
check_spans (const SeTextSpan *literal,
             gsize             n_literal,
             gsize             n,
             GError          **error)
{
  gsize end = 0;

  for (gsize k = 0; k < n_literal; k++)
    {
      if (literal[k].offset < end || literal[k].offset > n
          || literal[k].length > n - literal[k].offset)
        {
          g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                       "Literal span %" G_GSIZE_FORMAT " is out of order or out of the text",
                       k);
          return FALSE;
        }
      end = literal[k].offset + literal[k].length;
    }
  return TRUE;
}

gboolean
se_tokenizer_encode_spans_append (SeTokenizer      *tok,
                                  const char       *text,
                                  gssize            len,
                                  SeTokenizeFlags   flags,
                                  const SeTextSpan *literal,
                                  gsize             n_literal,
                                  GArray           *out,
                                  GError          **error)
{
  g_autoptr(GArray) ends = NULL;
  SeBpeScratch scratch;
  gsize n, seg = 0, i = 0, k = 0;

  g_return_val_if_fail (tok != NULL, FALSE);
  g_return_val_if_fail (text != NULL || len == 0, FALSE);
  g_return_val_if_fail (literal != NULL || n_literal == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  n = len < 0 ? strlen (text) : (gsize) len;
  if (!check_input (text, n, error) || !check_spans (literal, n_literal, n, error))
    return FALSE;
  if ((flags & SE_TOKENIZE_ADD_BOS) && tok->add_bos && tok->bos_id >= 0)
    g_array_append_val (out, tok->bos_id);

  ends = g_array_new (FALSE, FALSE, sizeof (gsize));
  _se_bpe_scratch_init (&scratch);
  while (i < n)
    {
      const SeAddedToken *a = NULL;
      gsize room = n - i;

      while (k < n_literal && literal[k].offset + literal[k].length <= i)
        k++;
      if (k < n_literal && literal[k].offset <= i)
        {
          /* inside a literal span: nothing is matched until its end */
          i = literal[k].offset + literal[k].length;
          continue;
        }
      if (k < n_literal)
        room = literal[k].offset - i;  /* a match may not reach into the next span */
      if (tok->added_start[(guchar) text[i]] != tok->added_start[(guchar) text[i] + 1])
        a = match_added (tok, text + i, room, (flags & SE_TOKENIZE_PARSE_SPECIAL) != 0);
      if (a == NULL)
        {
          i++;
          continue;
        }
      encode_segment (tok, text + seg, i - seg, &scratch, ends, out);
      g_array_append_val (out, a->id);
      i += a->len;
      seg = i;
    }
  encode_segment (tok, text + seg, n - seg, &scratch, ends, out);
  _se_bpe_scratch_clear (&scratch);
  return TRUE;
}

gint32 *
se_tokenizer_encode (SeTokenizer     *tok,
                     const char      *text,
                     gssize           len,
                     SeTokenizeFlags  flags,
                     gsize           *n_tokens,
                     GError         **error)
{
  g_autoptr(GArray) out = g_array_sized_new (FALSE, FALSE, sizeof (gint32), 16);

  g_return_val_if_fail (n_tokens != NULL, NULL);

  *n_tokens = 0;
  if (!se_tokenizer_encode_append (tok, text, len, flags, out, error))
    return NULL;
  *n_tokens = out->len;
  return (gint32 *) (void *) g_array_free (g_steal_pointer (&out), FALSE);
}

char **
se_tokenizer_pretokenize (SeTokenizer *tok,
                          const char  *text,
                          gssize       len,
                          GError     **error)
{
  g_autoptr(GArray) ends = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autoptr(GPtrArray) pieces = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *norm = NULL;
  gsize n, norm_len = 0, start = 0;

  g_return_val_if_fail (tok != NULL, NULL);
  g_return_val_if_fail (text != NULL || len == 0, NULL);

  n = len < 0 ? strlen (text) : (gsize) len;
  if (!check_input (text, n, error))
    return NULL;
  if ((norm = normalise_segment (tok, text, n, &norm_len)) != NULL)
    {
      text = norm;
      n = norm_len;
    }
  _se_pretokenize (tok->pre, text, n, ends);
  for (guint i = 0; i < ends->len; i++)
    {
      gsize end = g_array_index (ends, gsize, i);

      g_ptr_array_add (pieces, g_strndup (text + start, end - start));
      start = end;
    }
  g_ptr_array_add (pieces, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&pieces), FALSE);
}
