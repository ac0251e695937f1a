/* SPDX-License-Identifier: Apache-2.0
 *
 * The constrained-decoding token filter. Idle until the model samples <tool_call>
 * (outside <think>), it then only lets through tokens whose bytes the call matcher
 * accepts, and finally </tool_call>. The sampler asks check() about the token it drew
 * and calls filter() to mask the vocabulary only when check() refused; filter() walks
 * the normal tokens in byte order, sharing the matcher states of common prefixes and
 * skipping every token that starts with a refused prefix, so a mask costs about one
 * pass over an array, not one matcher run per token.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "sprig/se-error.h"
#include "se-tools-private.h"

struct _SeToolVocab
{
  gint ref;
  SeTokenizer *tok;
  gsize n_vocab;
  gint32 call_open, call_close, think_open, think_close;
  guint8 *normal;          /* per id: a normal (or byte) token the JSON may contain */
  const guint8 **bytes;    /* per id */
  guint16 *lens;
  guint64 *plain_at;       /* per id: bit k: bytes[k..] are whole plain string chars */
  /* the normal tokens in byte order, and per sorted position what the walk reads, so
   * that it reads memory in order */
  gint32 *sorted;
  guint16 *lcp;            /* common prefix with the previous sorted token */
  const guint8 **s_bytes;
  guint16 *s_lens;
  guint64 *s_plain;
  guint group[257];        /* sorted positions of the tokens starting with each byte */
  guint n_sorted;
  guint max_len;
};

static int
compare_bytes (const void *a,
               const void *b,
               void       *data)
{
  SeToolVocab *v = data;
  gint32 x = *(const gint32 *) a, y = *(const gint32 *) b;
  int c = memcmp (v->bytes[x], v->bytes[y], MIN (v->lens[x], v->lens[y]));

  if (c != 0)
    return c;
  if (v->lens[x] != v->lens[y])
    return v->lens[x] < v->lens[y] ? -1 : 1;
  return (x > y) - (x < y);
}

/* Length of the plain string character (no quote, backslash or control byte; valid
 * UTF-8) at @p, or 0. */
static guint
plain_char (const guint8 *p,
            gsize         n)
{
  const char *end = NULL;
  gunichar c;
  guint len;

  if (p[0] < 0x80)
    return p[0] >= 0x20 && p[0] != '"' && p[0] != '\\' ? 1 : 0;
  len = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 0;
  if (len == 0 || len > n || !g_utf8_validate ((const char *) p, len, &end))
    return 0;
  c = g_utf8_get_char ((const char *) p);
  return c >= 0x80 ? len : 0;
}

static guint64
plain_suffixes (const guint8 *b,
                guint         len)
{
  gboolean ok[65];
  guint64 bits = 0;

  if (len > 63)
    return 0;
  ok[len] = TRUE;
  for (guint k = len; k-- > 0;)
    {
      ok[k] = FALSE;
      for (guint c = 1; c <= 4 && k + c <= len; c++)
        if (ok[k + c] && plain_char (b + k, c) == c)
          ok[k] = TRUE;
      if (ok[k])
        bits |= G_GUINT64_CONSTANT (1) << k;
    }
  return bits | (G_GUINT64_CONSTANT (1) << len);
}

SeToolVocab *
_se_tool_vocab_new (SeTokenizer *tok,
                    GError     **error)
{
  SeToolVocab *v;

  g_return_val_if_fail (tok != NULL, NULL);

  v = g_new0 (SeToolVocab, 1);
  v->ref = 1;
  v->tok = se_tokenizer_ref (tok);
  v->n_vocab = se_tokenizer_get_n_vocab (tok);
  v->call_open = se_tokenizer_find_token (tok, "<tool_call>");
  v->call_close = se_tokenizer_find_token (tok, "</tool_call>");
  v->think_open = se_tokenizer_find_token (tok, "<think>");
  v->think_close = se_tokenizer_find_token (tok, "</think>");
  if (v->call_open < 0 || v->call_close < 0)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED,
                   "The vocabulary has no <tool_call> and </tool_call> tokens");
      _se_tool_vocab_unref (v);
      return NULL;
    }
  v->normal = g_new0 (guint8, v->n_vocab);
  v->bytes = g_new0 (const guint8 *, v->n_vocab);
  v->lens = g_new0 (guint16, v->n_vocab);
  v->plain_at = g_new0 (guint64, v->n_vocab);
  v->sorted = g_new (gint32, v->n_vocab);
  for (gsize id = 0; id < v->n_vocab; id++)
    {
      SeTokenType type = se_tokenizer_get_token_type (tok, (gint32) id);
      gsize len = 0;
      const char *piece = se_tokenizer_token_to_piece (tok, (gint32) id, &len);

      if ((type != SE_TOKEN_TYPE_NORMAL && type != SE_TOKEN_TYPE_BYTE) || len == 0
          || len > G_MAXUINT16 || piece == NULL)
        continue;
      v->normal[id] = 1;
      v->bytes[id] = (const guint8 *) piece;
      v->lens[id] = (guint16) len;
      v->plain_at[id] = plain_suffixes (v->bytes[id], v->lens[id]);
      v->sorted[v->n_sorted++] = (gint32) id;
      v->max_len = MAX (v->max_len, (guint) len);
    }
  g_qsort_with_data (v->sorted, v->n_sorted, sizeof (gint32), compare_bytes, v);
  v->lcp = g_new0 (guint16, MAX (v->n_sorted, 1));
  for (guint i = 1; i < v->n_sorted; i++)
    {
      gint32 a = v->sorted[i - 1], b = v->sorted[i];
      guint n = MIN (v->lens[a], v->lens[b]), k = 0;

      while (k < n && v->bytes[a][k] == v->bytes[b][k])
        k++;
      v->lcp[i] = (guint16) k;
    }
  v->s_bytes = g_new (const guint8 *, MAX (v->n_sorted, 1));
  v->s_lens = g_new (guint16, MAX (v->n_sorted, 1));
  v->s_plain = g_new (guint64, MAX (v->n_sorted, 1));
  for (guint i = 0; i < v->n_sorted; i++)
    {
      v->s_bytes[i] = v->bytes[v->sorted[i]];
      v->s_lens[i] = v->lens[v->sorted[i]];
      v->s_plain[i] = v->plain_at[v->sorted[i]];
    }
  for (guint b = 0, i = 0; b <= 256; b++)
    {
      while (i < v->n_sorted && v->s_bytes[i][0] < b)
        i++;
      v->group[b] = i;
    }
  return v;
}

SeToolVocab *
_se_tool_vocab_ref (SeToolVocab *vocab)
{
  g_atomic_int_inc (&vocab->ref);
  return vocab;
}

void
_se_tool_vocab_unref (SeToolVocab *v)
{
  if (v == NULL || !g_atomic_int_dec_and_test (&v->ref))
    return;
  se_tokenizer_unref (v->tok);
  g_free (v->normal);
  g_free (v->bytes);
  g_free (v->lens);
  g_free (v->plain_at);
  g_free (v->sorted);
  g_free (v->lcp);
  g_free (v->s_bytes);
  g_free (v->s_lens);
  g_free (v->s_plain);
  g_free (v);
}

gint32
_se_tool_vocab_get_call_open (SeToolVocab *vocab)
{
  return vocab->call_open;
}

gint32
_se_tool_vocab_get_call_close (SeToolVocab *vocab)
{
  return vocab->call_close;
}

typedef enum { IDLE, THINKING, CALL } Mode;

struct _SeToolConstraint
{
  SeToolVocab *vocab;
  SeToolSet *tools;
  Mode mode;
  guint calls;
  SeToolMatcher m;
  SeToolMatcher probe;
  SeToolMatcher *states;   /* max_len + 1, for the vocabulary walk */
  guint8 *allowed;         /* n_vocab, all zero between masks */
};

SeToolConstraint *
_se_tool_constraint_new (SeToolVocab *vocab,
                         SeToolSet   *tools)
{
  SeToolConstraint *c;

  g_return_val_if_fail (vocab != NULL && tools != NULL, NULL);

  c = g_new0 (SeToolConstraint, 1);
  c->vocab = _se_tool_vocab_ref (vocab);
  c->tools = _se_tool_set_ref (tools);
  c->states = g_new (SeToolMatcher, vocab->max_len + 1);
  c->allowed = g_new0 (guint8, vocab->n_vocab);
  return c;
}

void
_se_tool_constraint_free (SeToolConstraint *c)
{
  if (c == NULL)
    return;
  _se_tool_vocab_unref (c->vocab);
  _se_tool_set_unref (c->tools);
  g_free (c->states);
  g_free (c->allowed);
  g_free (c);
}

gboolean
_se_tool_constraint_in_call (SeToolConstraint *c)
{
  return c->mode == CALL;
}

guint
_se_tool_constraint_get_n_calls (SeToolConstraint *c)
{
  return c->calls;
}

/* SeTokenCheckFunc */
gboolean
_se_tool_constraint_check (gpointer data,
                           gint32   token)
{
  SeToolConstraint *c = data;
  SeToolVocab *v = c->vocab;

  if (c->mode != CALL)
    return TRUE;
  if (token < 0 || (gsize) token >= v->n_vocab)
    return FALSE;
  if (token == v->call_close)
    return _se_tool_matcher_is_complete (&c->m);
  if (!v->normal[token])
    return FALSE;
  _se_tool_matcher_copy (&c->probe, &c->m);
  return _se_tool_matcher_feed_bytes (&c->probe, (const char *) v->bytes[token], v->lens[token]);
}

/* Whether the token at sorted position @i is allowed; @valid and @rej carry what the
 * previous token's walk left in c->states. */
static gboolean
walk_one (SeToolConstraint *c,
          guint             i,
          guint            *valid,
          guint            *rej)
{
  SeToolVocab *v = c->vocab;
  const guint8 *b = v->s_bytes[i];
  guint len = v->s_lens[i], l = v->lcp[i];
  guint64 plain = v->s_plain[i];
  guint k;

  if (*rej != G_MAXUINT && l > *rej)
    return FALSE;  /* starts with the prefix just refused */
  *rej = G_MAXUINT;
  for (k = MIN (l, *valid); k < len; k++)
    {
      if (k < 64 && (plain >> k & 1) && _se_tool_matcher_in_plain_string (&c->states[k], len - k))
        break;
      _se_tool_matcher_copy (&c->states[k + 1], &c->states[k]);
      if (!_se_tool_matcher_feed (&c->states[k + 1], b[k]))
        {
          *valid = k;
          *rej = k;
          return FALSE;
        }
    }
  *valid = k;
  return TRUE;
}

/* SeTokenFilterFunc. Tokens are walked by first byte: a byte the matcher refuses rules
 * out its whole group at once. Allowed ids are marked in c->allowed, then one pass in id
 * order masks the rest. */
gboolean
_se_tool_constraint_filter (gpointer data,
                            float   *logits,
                            gsize    n_vocab)
{
  SeToolConstraint *c = data;
  SeToolVocab *v = c->vocab;
  guint n_ok = 0;
  gsize n = MIN (n_vocab, v->n_vocab);

  if (c->mode != CALL)
    return TRUE;
  _se_tool_matcher_copy (&c->states[0], &c->m);
  for (guint b = 0; b < 256; b++)
    {
      guint valid = 0, rej = G_MAXUINT;

      if (v->group[b] == v->group[b + 1])
        continue;
      _se_tool_matcher_copy (&c->states[1], &c->m);
      if (!_se_tool_matcher_feed (&c->states[1], (guint8) b))
        continue;
      for (guint i = v->group[b]; i < v->group[b + 1]; i++)
        if (walk_one (c, i, &valid, &rej))
          c->allowed[v->sorted[i]] = 1;
    }
  if (_se_tool_matcher_is_complete (&c->m))
    c->allowed[v->call_close] = 1;
  for (gsize id = 0; id < n; id++)
    {
      if (!c->allowed[id])
        logits[id] = -INFINITY;
      else if (logits[id] > -INFINITY)
        n_ok++;
      c->allowed[id] = 0;
    }
  for (gsize id = n; id < n_vocab; id++)
    logits[id] = -INFINITY;
  return n_ok > 0;
}

/* SeTokenAcceptFunc */
void
_se_tool_constraint_accept (gpointer data,
                            gint32   token)
{
  SeToolConstraint *c = data;
  SeToolVocab *v = c->vocab;

  switch (c->mode)
    {
    case IDLE:
      if (token == v->think_open)
        c->mode = THINKING;
      else if (token == v->call_open)
        {
          c->mode = CALL;
          _se_tool_matcher_init (&c->m, _se_tool_set_get_grammar (c->tools));
        }
      break;
    case THINKING:
      if (token == v->think_close)
        c->mode = IDLE;
      break;
    case CALL:
      if (token == v->call_close)
        {
          c->calls++;
          c->mode = IDLE;
        }
      else if (token < 0 || (gsize) token >= v->n_vocab || !v->normal[token]
               || !_se_tool_matcher_feed_bytes (&c->m, (const char *) v->bytes[token],
                                                v->lens[token]))
        c->mode = IDLE;  /* sampled without the filter: leave it to the parser */
      break;
    default:
      break;
    }
}
