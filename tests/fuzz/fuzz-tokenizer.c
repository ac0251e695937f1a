/* SPDX-License-Identifier: Apache-2.0
 *
 * libFuzzer target for the tokenizer: encodes arbitrary bytes with two small built-in
 * vocabularies (qwen2 with NFC, llama-bpe without) and checks that invalid UTF-8 is a
 * clean error and that valid text decodes, whole or streamed, back to itself.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sprig/se-error.h"
#include "sprig/se-tokenizer.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static gunichar
byte_cp (guint b)
{
  guint n = 0;

  for (guint i = 0; i < b; i++)
    if (!((i >= 33 && i <= 126) || (i >= 161 && i <= 172) || i >= 174))
      n++;
  if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174)
    return b;
  return 256 + n;
}

static char *
bl (const char *raw)
{
  GString *s = g_string_new (NULL);

  for (const guchar *p = (const guchar *) raw; *p; p++)
    g_string_append_unichar (s, byte_cp (*p));
  return g_string_free (s, FALSE);
}

static SeTokenizer *
build (const char *pre,
       gboolean    user_defined)
{
  static const char *const merges[][2] = {
    { " ", "t" }, { "h", "e" }, { " t", "he" }, { "i", "n" }, { " ", " " }, { "  ", "  " },
    { "\n", "\n" }, { "1", "2" }, { "12", "3" }, { "\xC3", "\xA9" }, { "\xE4", "\xB8" },
    { "a", "a" }, { "aa", "aa" }, { "'", "s" },
  };
  g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) m = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) types = g_array_new (FALSE, FALSE, sizeof (gint32));
  SeTokenizerSpec spec = { .model = "gpt2", .pre = pre, .bos_id = -1, .eos_id = -1,
                           .pad_id = -1 };
  gint32 t = SE_TOKEN_TYPE_NORMAL;

  for (guint b = 0; b < 256; b++)
    {
      char buf[8] = { 0 };

      g_unichar_to_utf8 (byte_cp (b), buf);
      g_ptr_array_add (tokens, g_strdup (buf));
      g_array_append_val (types, t);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (merges); i++)
    {
      g_autofree char *a = bl (merges[i][0]), *b = bl (merges[i][1]);

      g_ptr_array_add (tokens, g_strconcat (a, b, NULL));
      g_array_append_val (types, t);
      g_ptr_array_add (m, g_strconcat (a, " ", b, NULL));
    }
  t = SE_TOKEN_TYPE_CONTROL;
  g_ptr_array_add (tokens, g_strdup ("<|im_start|>"));
  g_array_append_val (types, t);
  g_ptr_array_add (tokens, g_strdup ("<|im_end|>"));
  g_array_append_val (types, t);
  t = user_defined ? SE_TOKEN_TYPE_USER_DEFINED : SE_TOKEN_TYPE_CONTROL;
  g_ptr_array_add (tokens, g_strdup ("<think>"));
  g_array_append_val (types, t);
  g_ptr_array_add (tokens, g_strdup ("<|im"));
  g_array_append_val (types, t);

  spec.n_tokens = tokens->len;
  spec.tokens = (const char *const *) tokens->pdata;
  spec.token_types = (const gint32 *) (void *) types->data;
  spec.n_merges = m->len;
  spec.merges = (const char *const *) m->pdata;
  return se_tokenizer_new (&spec, NULL);
}

static void
check_decodes (SeTokenizer    *tok,
               const char     *text,
               gsize           len,
               SeTokenizeFlags flags,
               const char     *expected,
               gsize           expected_len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SeDetokenizer) detok = se_detokenizer_new (tok, TRUE);
  g_autoptr(GString) streamed = g_string_new (NULL);
  g_autofree gint32 *ids = NULL;
  g_autofree char *back = NULL;
  gsize n = 0, back_len = 0;

  ids = se_tokenizer_encode (tok, text, len, flags, &n, &error);
  if (ids == NULL)
    abort ();
  back = se_tokenizer_decode (tok, ids, n, TRUE, &back_len);
  if (expected != NULL && (back_len != expected_len || memcmp (back, expected, back_len) != 0))
    abort ();
  for (gsize i = 0; i < n; i++)
    se_detokenizer_push (detok, ids[i], streamed);
  se_detokenizer_flush (detok, streamed);
  if (streamed->len != back_len || memcmp (streamed->str, back, back_len) != 0)
    abort ();
}

static gboolean
valid_utf8 (const char *text,
            gsize       len)
{
  const char *p = text, *end = text + len, *bad;

  while (!g_utf8_validate_len (p, end - p, &bad))
    {
      if (*bad != '\0')
        return FALSE;
      p = bad + 1;
    }
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static SeTokenizer *qwen, *llama;
  const char *text = (const char *) data + 1;
  gsize len;
  SeTokenizeFlags flags;

  if (qwen == NULL)
    {
      qwen = build ("qwen2", FALSE);
      llama = build ("llama-bpe", TRUE);
    }
  if (size == 0)
    return 0;
  flags = data[0] & 1 ? SE_TOKENIZE_PARSE_SPECIAL : 0;
  len = size - 1;

  if (!valid_utf8 (text, len))
    {
      g_autoptr(GError) error = NULL;
      gsize n = 0;

      if (se_tokenizer_encode (qwen, text, len, flags, &n, &error) != NULL
          || !g_error_matches (error, SE_ERROR, SE_ERROR_INVALID))
        abort ();
      return 0;
    }
  /* llama-bpe does not normalise: every byte comes back. */
  check_decodes (llama, text, len, flags, text, len);
  /* qwen2 normalises to NFC; without PARSE_SPECIAL no added token splits the text, so
   * the result is the NFC of the whole input (g_utf8_normalize stops at U+0000). */
  if (memchr (text, '\0', len) == NULL && !(flags & SE_TOKENIZE_PARSE_SPECIAL))
    {
      g_autofree char *nfc = g_utf8_normalize (text, len, G_NORMALIZE_NFC);

      check_decodes (qwen, text, len, flags, nfc, strlen (nfc));
    }
  else
    check_decodes (qwen, text, len, flags, NULL, 0);
  return 0;
}
