/* SPDX-License-Identifier: Apache-2.0
 *
 * Turns token ids back into bytes: whole-sequence decoding, and a streaming decoder that
 * only hands complete UTF-8 characters to the caller, holding back a character whose
 * bytes are split across tokens until it is whole.
 */
#include "config.h"

#include <string.h>

#include "se-tokenizer-private.h"

#define REPLACEMENT "\xEF\xBF\xBD"

struct _SeDetokenizer
{
  SeTokenizer *tok;
  gboolean     render_special;
  guint8       pending[4];
  guint        n_pending;
  GString     *buf;
};

static gboolean
is_rendered (const SeTokenizer *tok,
             gint32             id,
             gboolean           render_special)
{
  if (id < 0 || (gsize) id >= tok->n_vocab)
    return FALSE;
  switch (tok->types[id])
    {
    case SE_TOKEN_TYPE_CONTROL:
    case SE_TOKEN_TYPE_UNUSED:
    case SE_TOKEN_TYPE_UNKNOWN:
      return render_special;
    default:
      return TRUE;
    }
}

char *
se_tokenizer_decode (SeTokenizer  *tok,
                     const gint32 *ids,
                     gsize         n_ids,
                     gboolean      render_special,
                     gsize        *len)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (tok != NULL, NULL);
  g_return_val_if_fail (ids != NULL || n_ids == 0, NULL);

  for (gsize i = 0; i < n_ids; i++)
    if (is_rendered (tok, ids[i], render_special))
      g_string_append_len (out, tok->piece + tok->piece_off[ids[i]], tok->piece_len[ids[i]]);
  if (len)
    *len = out->len;
  return g_string_free (out, FALSE);
}

/* Length of the well-formed character at @p (1-4), 0 when @p[0..n) is a valid but
 * unfinished start of one, or minus the number of bytes that can never be part of one. */
static int
utf8_sequence (const guint8 *p,
               gsize         n)
{
  guint8 b = p[0], lo = 0x80, hi = 0xBF;
  int need;

  if (b < 0x80)
    return 1;
  if (b < 0xC2 || b > 0xF4)
    return -1;
  need = b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
  if (b == 0xE0)
    lo = 0xA0;
  else if (b == 0xED)
    hi = 0x9F;
  else if (b == 0xF0)
    lo = 0x90;
  else if (b == 0xF4)
    hi = 0x8F;
  for (int i = 1; i < need; i++)
    {
      guint8 c;

      if ((gsize) i >= n)
        return 0;
      c = p[i];
      if (i == 1 ? (c < lo || c > hi) : (c < 0x80 || c > 0xBF))
        return -i;
    }
  return need;
}

SeDetokenizer *
se_detokenizer_new (SeTokenizer *tok,
                    gboolean     render_special)
{
  SeDetokenizer *detok;

  g_return_val_if_fail (tok != NULL, NULL);

  detok = g_new0 (SeDetokenizer, 1);
  detok->tok = se_tokenizer_ref (tok);
  detok->render_special = render_special;
  detok->buf = g_string_new (NULL);
  return detok;
}

void
se_detokenizer_free (SeDetokenizer *detok)
{
  if (detok == NULL)
    return;
  se_tokenizer_unref (detok->tok);
  g_string_free (detok->buf, TRUE);
  g_free (detok);
}

void
se_detokenizer_reset (SeDetokenizer *detok)
{
  g_return_if_fail (detok != NULL);
  detok->n_pending = 0;
}

void
se_detokenizer_push (SeDetokenizer *detok,
                     gint32         id,
                     GString       *out)
{
  const SeTokenizer *tok;
  const guint8 *p;
  gsize n, i = 0, run = 0;

  g_return_if_fail (detok != NULL);
  g_return_if_fail (out != NULL);

  tok = detok->tok;
  if (!is_rendered (tok, id, detok->render_special))
    return;
  g_string_truncate (detok->buf, 0);
  g_string_append_len (detok->buf, (const char *) detok->pending, detok->n_pending);
  g_string_append_len (detok->buf, tok->piece + tok->piece_off[id], tok->piece_len[id]);
  detok->n_pending = 0;
  p = (const guint8 *) detok->buf->str;
  n = detok->buf->len;

  while (i < n)
    {
      int r = utf8_sequence (p + i, n - i);

      if (r > 0)
        {
          i += r;
          continue;
        }
      g_string_append_len (out, (const char *) p + run, i - run);
      if (r == 0)
        {
          detok->n_pending = n - i;
          memcpy (detok->pending, p + i, n - i);
          return;
        }
      g_string_append (out, REPLACEMENT);
      i += -r;
      run = i;
    }
  g_string_append_len (out, (const char *) p + run, i - run);
}

void
se_detokenizer_flush (SeDetokenizer *detok,
                      GString       *out)
{
  g_return_if_fail (detok != NULL);
  g_return_if_fail (out != NULL);

  if (detok->n_pending > 0)
    g_string_append (out, REPLACEMENT);
  detok->n_pending = 0;
}
