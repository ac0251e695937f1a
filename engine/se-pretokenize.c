/* SPDX-License-Identifier: Apache-2.0
 *
 * Hand-written scanners for the split regexes of byte-level BPE vocabularies, classed by
 * GLib's Unicode tables instead of a regex library. Each alternative of the regex is one
 * small function tried in the regex's order, so leftmost-first semantics, the greedy
 * quantifiers and the `\s+(?!\S)` look-ahead are reproduced exactly.
 */
#include "config.h"

#include <string.h>

#include "se-tokenizer-private.h"

/* Character classes. CR and LF are also whitespace; OTHER is \S minus \p{L} and \p{N}. */
enum
{
  CLS_OTHER  = 0,
  CLS_LETTER = 1 << 0,
  CLS_NUMBER = 1 << 1,
  CLS_SPACE  = 1 << 2,
  CLS_CRLF   = 1 << 3,
};

typedef struct
{
  const char    *text;
  const guint8  *cls;
  const guint32 *off;   /* byte offset of each character, off[n] = length */
  gsize          n;
  guint          max_digits;
} Scan;

gboolean
_se_pre_type_from_name (const char *name,
                        SePreType  *type,
                        gboolean   *nfc,
                        gboolean   *ignore_merges)
{
  /* The names llama.cpp maps to these two regexes (llama-vocab.cpp). */
  static const char *const qwen2[] = { "qwen2", "deepseek-r1-qwen", NULL };
  static const char *const llama3[] = { "llama-bpe", "llama3", "llama-v3", NULL };

  if (name != NULL && g_strv_contains (qwen2, name))
    {
      *type = SE_PRE_QWEN2;
      *nfc = TRUE;
      *ignore_merges = FALSE;
      return TRUE;
    }
  if (name != NULL && g_strv_contains (llama3, name))
    {
      *type = SE_PRE_LLAMA3;
      *nfc = FALSE;
      *ignore_merges = TRUE;
      return TRUE;
    }
  return FALSE;
}

static gboolean
is_unicode_space (gunichar c)
{
  /* Unicode White_Space, as \s in Rust's regex and Oniguruma. */
  switch (c)
    {
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
    case 0x202F: case 0x205F: case 0x3000:
      return TRUE;
    default:
      return c >= 0x2000 && c <= 0x200A;
    }
}

static guint8
classify (gunichar c)
{
  if (c < 0x80)
    {
      if (g_ascii_isalpha (c))
        return CLS_LETTER;
      if (g_ascii_isdigit (c))
        return CLS_NUMBER;
      if (c == '\r' || c == '\n')
        return CLS_SPACE | CLS_CRLF;
      if (c == ' ' || c == '\t' || c == '\v' || c == '\f')
        return CLS_SPACE;
      return CLS_OTHER;
    }
  if (is_unicode_space (c))
    return CLS_SPACE;
  switch (g_unichar_type (c))
    {
    case G_UNICODE_UPPERCASE_LETTER:
    case G_UNICODE_LOWERCASE_LETTER:
    case G_UNICODE_TITLECASE_LETTER:
    case G_UNICODE_MODIFIER_LETTER:
    case G_UNICODE_OTHER_LETTER:
      return CLS_LETTER;
    case G_UNICODE_DECIMAL_NUMBER:
    case G_UNICODE_LETTER_NUMBER:
    case G_UNICODE_OTHER_NUMBER:
      return CLS_NUMBER;
    default:
      return CLS_OTHER;
    }
}

/* (?i:'s|'t|'re|'ve|'m|'ll|'d), ASCII case-insensitive. Returns the end or 0. */
static gsize
match_contraction (const Scan *s,
                   gsize       i)
{
  char c1, c2;

  if (s->text[s->off[i]] != '\'' || i + 1 >= s->n)
    return 0;
  c1 = g_ascii_tolower (s->text[s->off[i + 1]]);
  if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd')
    return i + 2;
  if (i + 2 >= s->n)
    return 0;
  c2 = g_ascii_tolower (s->text[s->off[i + 2]]);
  if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l'))
    return i + 3;
  return 0;
}

/* [^\r\n\p{L}\p{N}]?\p{L}+ */
static gsize
match_word (const Scan *s,
            gsize       i)
{
  gsize j;

  if (s->cls[i] & CLS_LETTER)
    j = i + 1;
  else if (!(s->cls[i] & (CLS_CRLF | CLS_NUMBER)) && i + 1 < s->n
           && (s->cls[i + 1] & CLS_LETTER))
    j = i + 2;
  else
    return 0;
  while (j < s->n && (s->cls[j] & CLS_LETTER))
    j++;
  return j;
}

/* \p{N} or \p{N}{1,3} */
static gsize
match_number (const Scan *s,
              gsize       i)
{
  gsize j = i;

  while (j < s->n && j - i < s->max_digits && (s->cls[j] & CLS_NUMBER))
    j++;
  return j > i ? j : 0;
}

/* " ?[^\s\p{L}\p{N}]+[\r\n]*" */
static gsize
match_punct (const Scan *s,
             gsize       i)
{
  gsize j = i;

  if (s->text[s->off[i]] == ' ' && i + 1 < s->n && s->cls[i + 1] == CLS_OTHER)
    j = i + 1;
  if (s->cls[j] != CLS_OTHER)
    return 0;
  while (j < s->n && s->cls[j] == CLS_OTHER)
    j++;
  while (j < s->n && (s->cls[j] & CLS_CRLF))
    j++;
  return j;
}

/* \s*[\r\n]+ | \s+(?!\S) | \s+ at a whitespace character. */
static gsize
match_space (const Scan *s,
             gsize       i)
{
  gsize j = i, last_crlf = 0;
  gboolean seen_crlf = FALSE;

  while (j < s->n && (s->cls[j] & CLS_SPACE))
    {
      if (s->cls[j] & CLS_CRLF)
        {
          last_crlf = j;
          seen_crlf = TRUE;
        }
      j++;
    }
  if (seen_crlf)
    return last_crlf + 1;   /* \s* backs off to the last line break */
  if (j == s->n || j - i == 1)
    return j;               /* (?!\S) holds at the end; else plain \s+ of one */
  return j - 1;             /* leave the last space to the word that follows */
}

static gsize
match_at (const Scan *s,
          gsize       i)
{
  gsize j;

  if ((j = match_contraction (s, i)) || (j = match_word (s, i)) || (j = match_number (s, i))
      || (j = match_punct (s, i)))
    return j;
  if (s->cls[i] & CLS_SPACE)
    return match_space (s, i);
  return i + 1;  /* unreachable: every character matches an alternative */
}

static gsize
decode_classes (const char *text,
                gsize       len,
                guint8     *cls,
                guint32    *off)
{
  const char *p = text, *end = text + len;
  gsize n = 0;

  while (p < end)
    {
      guchar b = (guchar) *p;

      off[n] = (guint32) (p - text);
      if (b < 0x80)
        {
          cls[n++] = classify (b);
          p++;
          continue;
        }
      cls[n++] = classify (g_utf8_get_char (p));
      p = g_utf8_next_char (p);
    }
  off[n] = (guint32) len;
  return n;
}

void
_se_pretokenize (SePreType   type,
                 const char *text,
                 gsize       len,
                 GArray     *ends)
{
  g_autofree guint8 *cls = NULL;
  g_autofree guint32 *off = NULL;
  Scan s;
  gsize i = 0;

  g_return_if_fail (len < G_MAXUINT32);

  if (len == 0)
    return;
  cls = g_malloc (len + 1);
  off = g_new (guint32, len + 1);
  s.text = text;
  s.cls = cls;
  s.off = off;
  s.n = decode_classes (text, len, cls, off);
  s.max_digits = type == SE_PRE_LLAMA3 ? 3 : 1;

  while (i < s.n)
    {
      gsize j = match_at (&s, i);
      gsize end = off[j];

      g_array_append_val (ends, end);
      i = j;
    }
}
