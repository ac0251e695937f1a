/* SPDX-License-Identifier: Apache-2.0
 *
 * Builds a tokenizer from the `tokenizer.ggml.*` keys of a GGUF file. The GGUF reader
 * has already validated the arrays; this file only maps keys onto SeTokenizerSpec and
 * turns optional keys into their defaults (no BOS, no padding, no merges).
 */
#include "config.h"

#include "sprig/se-error.h"
#include "sprig/se-gguf.h"
#include "sprig/se-tokenizer.h"

static gboolean
get_optional_id (SeGguf      *gguf,
                 const char  *key,
                 gsize        n_tokens,
                 gint32      *out,
                 GError     **error)
{
  guint64 v;

  *out = -1;
  if (!se_gguf_has_key (gguf, key))
    return TRUE;
  if (!se_gguf_get_uint (gguf, key, &v, error))
    return FALSE;
  if (v >= n_tokens)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "%s is %" G_GUINT64_FORMAT ", outside the vocabulary of %" G_GSIZE_FORMAT
                   " tokens", key, v, n_tokens);
      return FALSE;
    }
  *out = (gint32) v;
  return TRUE;
}

static gboolean
get_types (SeGguf          *gguf,
           SeTokenizerSpec *spec,
           GError         **error)
{
  gsize n = 0;

  if (!se_gguf_has_key (gguf, "tokenizer.ggml.token_type"))
    return TRUE;
  if (!se_gguf_get_array_i32 (gguf, "tokenizer.ggml.token_type", &spec->token_types, &n,
                              error))
    return FALSE;
  if (n != spec->n_tokens)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "tokenizer.ggml.token_type has %" G_GSIZE_FORMAT " entries for %"
                   G_GSIZE_FORMAT " tokens", n, spec->n_tokens);
      return FALSE;
    }
  return TRUE;
}

SeTokenizer *
se_tokenizer_new_from_gguf (SeGguf  *gguf,
                            GError **error)
{
  SeTokenizerSpec spec = { 0 };
  g_autofree char *model = NULL, *pre = NULL;
  const char *s;
  gsize len;

  g_return_val_if_fail (gguf != NULL, NULL);

  if (!se_gguf_get_string (gguf, "tokenizer.ggml.model", &s, &len, error))
    return NULL;
  model = g_strndup (s, len);
  if (se_gguf_has_key (gguf, "tokenizer.ggml.pre"))
    {
      if (!se_gguf_get_string (gguf, "tokenizer.ggml.pre", &s, &len, error))
        return NULL;
      pre = g_strndup (s, len);
    }
  spec.model = model;
  spec.pre = pre;
  if (!se_gguf_get_array_strings (gguf, "tokenizer.ggml.tokens", &spec.tokens,
                                  &spec.token_lens, &spec.n_tokens, error)
      || !get_types (gguf, &spec, error))
    return NULL;
  if (se_gguf_has_key (gguf, "tokenizer.ggml.merges")
      && !se_gguf_get_array_strings (gguf, "tokenizer.ggml.merges", &spec.merges,
                                     &spec.merge_lens, &spec.n_merges, error))
    return NULL;
  if (!get_optional_id (gguf, "tokenizer.ggml.bos_token_id", spec.n_tokens, &spec.bos_id, error)
      || !get_optional_id (gguf, "tokenizer.ggml.eos_token_id", spec.n_tokens, &spec.eos_id,
                           error)
      || !get_optional_id (gguf, "tokenizer.ggml.padding_token_id", spec.n_tokens,
                           &spec.pad_id, error))
    return NULL;
  if (se_gguf_has_key (gguf, "tokenizer.ggml.add_bos_token")
      && !se_gguf_get_bool (gguf, "tokenizer.ggml.add_bos_token", &spec.add_bos, error))
    return NULL;
  return se_tokenizer_new (&spec, error);
}
