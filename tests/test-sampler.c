/* SPDX-License-Identifier: Apache-2.0
 *
 * Tests of the sampler chain without a model: greedy argmax and its ties, penalties
 * computed by hand, seeded repeatability, the tail cut of top-k/top-p/min-p checked by
 * exact membership over many draws, the token filter and a fully masked vocabulary.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "sprig/se-error.h"
#include "sprig/se-sampler.h"
#include "sprig/se-tokenizer.h"

static SeSamplingParams
params_greedy (void)
{
  SeSamplingParams p = SE_SAMPLING_PARAMS_INIT;

  p.temperature = 0.0f;
  return p;
}

static SeSamplingParams
params_plain (float temperature,
              guint64 seed)
{
  SeSamplingParams p = SE_SAMPLING_PARAMS_INIT;

  /* every cut off: the full softmax */
  p.temperature = temperature;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  p.seed = seed;
  return p;
}

static gint32
sample (SeSampler   *s,
        const float *logits)
{
  g_autoptr(GError) error = NULL;
  gint32 id = se_sampler_sample (s, logits, &error);

  g_assert_no_error (error);
  g_assert_cmpint (id, >=, 0);
  return id;
}

static void
test_defaults (void)
{
  SeSamplingParams p;

  se_sampling_params_init (&p);
  g_assert_cmpfloat (p.temperature, ==, 0.8f);
  g_assert_cmpint (p.top_k, ==, 40);
  g_assert_cmpfloat (p.top_p, ==, 0.95f);
  g_assert_cmpfloat (p.min_p, ==, 0.05f);
  g_assert_cmpfloat (p.repeat_penalty, ==, 1.0f);
  g_assert_cmpuint (p.penalty_last_n, ==, 64);
}

static void
test_greedy (void)
{
  SeSamplingParams p = params_greedy ();
  g_autoptr(SeSampler) s = se_sampler_new (&p, 8);
  const float logits[8] = { 0.1f, -2.0f, 3.5f, 1.0f, 3.49f, -INFINITY, 0.0f, 2.0f };
  const float ties[8] = { 0.0f, 1.0f, 4.0f, 4.0f, -1.0f, 4.0f, 0.0f, 0.0f };

  for (guint i = 0; i < 20; i++)
    g_assert_cmpint (sample (s, logits), ==, 2);
  for (guint i = 0; i < 20; i++)
    g_assert_cmpint (sample (s, ties), ==, 2);  /* lowest id of the tied */
}

static gint32
penalised_pick (const float  *logits,
                gsize         n_vocab,
                const gint32 *history,
                gsize         n_history,
                float         repeat,
                float         frequency,
                float         presence,
                guint         window)
{
  SeSamplingParams p = params_greedy ();
  g_autoptr(SeSampler) s = NULL;

  p.repeat_penalty = repeat;
  p.frequency_penalty = frequency;
  p.presence_penalty = presence;
  p.penalty_last_n = window;
  s = se_sampler_new (&p, n_vocab);
  se_sampler_add_history (s, history, n_history);
  return sample (s, logits);
}

static void
test_penalties (void)
{
  const float logits[3] = { 3.0f, 2.5f, 2.0f };
  const float negative[2] = { -1.0f, -1.1f };
  const gint32 history[] = { 0, 0, 1 };

  /* no penalty: 0 */
  g_assert_cmpint (penalised_pick (logits, 3, history, 3, 1.0f, 0.0f, 0.0f, 64), ==, 0);
  /* 3.0/1.4 = 2.14 stays above 2.0 */
  g_assert_cmpint (penalised_pick (logits, 3, history, 3, 1.4f, 0.0f, 0.0f, 64), ==, 0);
  /* 3.0/1.6 = 1.875 and 2.5/1.6 = 1.5625 both fall below 2.0 */
  g_assert_cmpint (penalised_pick (logits, 3, history, 3, 1.6f, 0.0f, 0.0f, 64), ==, 2);
  /* 3.0 - 2*0.3 - 0.1 = 2.3 > 2.5 - 0.3 - 0.1 = 2.1 > 2.0 */
  g_assert_cmpint (penalised_pick (logits, 3, history, 3, 1.0f, 0.3f, 0.1f, 64), ==, 0);
  /* 3.0 - 2*0.5 - 0.1 = 1.9, 2.5 - 0.5 - 0.1 = 1.9: 2.0 wins */
  g_assert_cmpint (penalised_pick (logits, 3, history, 3, 1.0f, 0.5f, 0.1f, 64), ==, 2);
  /* a window of 2 sees {0, 1} once each: 3.0 - 0.6 = 2.4 wins */
  g_assert_cmpint (penalised_pick (logits, 3, history, 3, 1.0f, 0.5f, 0.1f, 2), ==, 0);
  /* window 0 turns penalties off */
  g_assert_cmpint (penalised_pick (logits, 3, history, 3, 5.0f, 0.0f, 0.0f, 0), ==, 0);
  /* a negative logit is multiplied: -1.0 * 1.2 = -1.2 < -1.1 */
  g_assert_cmpint (penalised_pick (negative, 2, history, 1, 1.2f, 0.0f, 0.0f, 64), ==, 1);
  g_assert_cmpint (penalised_pick (negative, 2, history, 1, 1.05f, 0.0f, 0.0f, 64), ==, 0);
}

static void
test_penalty_accept (void)
{
  SeSamplingParams p = params_greedy ();
  g_autoptr(SeSampler) s = NULL;
  const float logits[3] = { 3.0f, 2.5f, 2.0f };

  /* accepted tokens feed the window: greedy with a strong presence penalty cycles */
  p.presence_penalty = 2.0f;
  p.penalty_last_n = 2;
  s = se_sampler_new (&p, 3);
  for (guint i = 0; i < 6; i++)
    {
      gint32 id = sample (s, logits);

      g_assert_cmpint (id, ==, (gint32) (i % 3));
      se_sampler_accept (s, id);
    }
  se_sampler_reset (s);
  g_assert_cmpint (sample (s, logits), ==, 0);
}

static void
test_top_k_one_is_greedy (void)
{
  SeSamplingParams p = params_plain (1.5f, 99);
  g_autoptr(SeSampler) s = NULL;
  float logits[300];

  for (guint i = 0; i < G_N_ELEMENTS (logits); i++)
    logits[i] = sinf ((float) i * 0.37f) * 2.0f;
  logits[217] = 2.2f;
  p.top_k = 1;
  s = se_sampler_new (&p, G_N_ELEMENTS (logits));
  for (guint i = 0; i < 200; i++)
    g_assert_cmpint (sample (s, logits), ==, 217);
}

static void
draw (guint64      seed,
      gint32      *out,
      guint        n,
      const float *logits,
      gsize        n_vocab)
{
  SeSamplingParams p = params_plain (1.0f, seed);
  g_autoptr(SeSampler) s = se_sampler_new (&p, n_vocab);

  for (guint i = 0; i < n; i++)
    out[i] = sample (s, logits);
}

static void
test_seed (void)
{
  float flat[16] = { 0 };
  gint32 a[64], b[64], c[64];
  /* all weights are exactly 1: the draws depend on the RNG alone, on every platform;
   * expected from an independent Python splitmix64 + xoshiro256** */
  static const gint32 expected[8] = { 0, 13, 11, 13, 1, 14, 7, 3 };

  draw (1234, a, 64, flat, 16);
  draw (1234, b, 64, flat, 16);
  draw (1235, c, 64, flat, 16);
  g_assert_cmpmem (a, sizeof a, b, sizeof b);
  g_assert_true (memcmp (a, c, sizeof a) != 0);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_test_message ("draw %u: %d", i, a[i]);
  g_assert_cmpmem (a, sizeof expected, expected, sizeof expected);
}

/* Draws @n tokens and returns a bitmask of those seen (vocabularies of <= 32). */
static guint32
seen_mask (SeSamplingParams *p,
           const float      *logits,
           gsize             n_vocab,
           guint             n)
{
  g_autoptr(SeSampler) s = se_sampler_new (p, n_vocab);
  guint32 mask = 0;

  for (guint i = 0; i < n; i++)
    mask |= 1u << sample (s, logits);
  return mask;
}

static void
test_tail_cuts (void)
{
  /* probabilities 0.5, 0.3, 0.15, 0.05 */
  const float logits[4] = { logf (0.5f), logf (0.3f), logf (0.15f), logf (0.05f) };
  SeSamplingParams p = params_plain (1.0f, 7);

  g_assert_cmphex (seen_mask (&p, logits, 4, 3000), ==, 0xf);
  p.top_p = 0.7f;   /* 0.5 < 0.7 <= 0.8 */
  g_assert_cmphex (seen_mask (&p, logits, 4, 3000), ==, 0x3);
  p.top_p = 0.9f;   /* 0.8 < 0.9 <= 0.95 */
  g_assert_cmphex (seen_mask (&p, logits, 4, 3000), ==, 0x7);
  p.top_p = 1.0f;
  p.min_p = 0.2f;   /* keeps p >= 0.1 */
  g_assert_cmphex (seen_mask (&p, logits, 4, 3000), ==, 0x7);
  p.min_p = 0.7f;   /* keeps p >= 0.35 */
  g_assert_cmphex (seen_mask (&p, logits, 4, 3000), ==, 0x1);
  p.min_p = 0.0f;
  p.top_k = 2;
  g_assert_cmphex (seen_mask (&p, logits, 4, 3000), ==, 0x3);
  /* the cuts apply before the temperature: a hot sampler still never leaves them */
  p.temperature = 50.0f;
  g_assert_cmphex (seen_mask (&p, logits, 4, 3000), ==, 0x3);
}

static void
test_top_k_selection (void)
{
  float logits[1000];
  SeSamplingParams p = params_plain (1.0f, 3);
  g_autoptr(SeSampler) s = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);

  /* a large vocabulary: the top 5 of shuffled values are ids 100..104 */
  for (guint i = 0; i < G_N_ELEMENTS (logits); i++)
    logits[i] = (float) ((i * 7919) % 997) / 1000.0f;
  for (guint i = 0; i < 5; i++)
    logits[100 + i] = 5.0f + 0.01f * i;
  p.top_k = 5;
  s = se_sampler_new (&p, G_N_ELEMENTS (logits));
  for (guint i = 0; i < 2000; i++)
    {
      gint32 id = sample (s, logits);

      g_assert_cmpint (id, >=, 100);
      g_assert_cmpint (id, <, 105);
      g_hash_table_add (seen, GINT_TO_POINTER (id));
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 5);
}

#define N_DIGIT_VOCAB 260

/* The 256 byte tokens (GPT-2 byte-level form), then "23", "b4", "56", "8z". */
static SeTokenizer *
digit_vocab (void)
{
  static const char *const extra[] = { "23", "b4", "56", "8z" };
  g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  SeTokenizerSpec spec = {
    .model = "gpt2", .pre = "qwen2", .bos_id = -1, .eos_id = -1, .pad_id = -1,
  };
  SeTokenizer *tok;
  guint n = 0;

  for (guint b = 0; b < 256; b++)
    {
      gboolean printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
      gunichar c = printable ? b : 256 + n++;
      char buf[8] = { 0 };

      g_unichar_to_utf8 (c, buf);
      g_ptr_array_add (tokens, g_strdup (buf));
    }
  for (guint i = 0; i < G_N_ELEMENTS (extra); i++)
    g_ptr_array_add (tokens, g_strdup (extra[i]));
  spec.n_tokens = tokens->len;
  spec.tokens = (const char *const *) tokens->pdata;
  tok = se_tokenizer_new (&spec, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (se_tokenizer_get_n_vocab (tok), ==, N_DIGIT_VOCAB);
  return tok;
}

typedef struct
{
  SeTokenizer *tok;
  guint n_filtered;
  guint n_accepted;
} DigitFilter;

static gboolean
is_digits (SeTokenizer *tok,
           gint32       id)
{
  gsize len = 0;
  const char *piece = se_tokenizer_token_to_piece (tok, id, &len);

  if (piece == NULL || len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (piece[i]))
      return FALSE;
  return TRUE;
}

static gboolean
digit_filter (gpointer user_data,
              float   *logits,
              gsize    n_vocab)
{
  DigitFilter *f = user_data;

  f->n_filtered++;
  for (gsize i = 0; i < n_vocab; i++)
    if (!is_digits (f->tok, (gint32) i))
      logits[i] = -INFINITY;
  return TRUE;
}

static void
digit_accept (gpointer user_data,
              gint32   token)
{
  ((DigitFilter *) user_data)->n_accepted++;
}

static gboolean
digit_check (gpointer user_data,
             gint32   token)
{
  return is_digits (((DigitFilter *) user_data)->tok, token);
}

/* With a check function the filter runs only when the drawn token is refused, and the
 * tokens are still only digits; at temperature 0 they are the ones masking gives. */
static void
test_filter_check_first (void)
{
  g_autoptr(SeTokenizer) tok = digit_vocab ();
  float logits[N_DIGIT_VOCAB] = { 0 };
  DigitFilter f = { tok, 0, 0 };
  SeSamplingParams p = params_plain (0.0f, 11);
  g_autoptr(SeSampler) s = se_sampler_new (&p, N_DIGIT_VOCAB);

  se_sampler_set_filter (s, digit_filter, digit_accept, &f, NULL);
  se_sampler_set_check (s, digit_check);
  logits['7'] = 9.0f;   /* a digit is the best token: no mask */
  for (guint i = 0; i < 10; i++)
    g_assert_cmpint (sample (s, logits), ==, '7');
  g_assert_cmpuint (f.n_filtered, ==, 0);
  logits['a'] = 10.0f;  /* now a letter is: masked, then the best digit */
  for (guint i = 0; i < 10; i++)
    g_assert_cmpint (sample (s, logits), ==, '7');
  g_assert_cmpuint (f.n_filtered, ==, 10);

  p = params_plain (1.0f, 3);
  se_sampler_free (g_steal_pointer (&s));
  s = se_sampler_new (&p, N_DIGIT_VOCAB);
  se_sampler_set_filter (s, digit_filter, digit_accept, &f, NULL);
  se_sampler_set_check (s, digit_check);
  for (guint i = 0; i < 500; i++)
    g_assert_true (is_digits (tok, sample (s, logits)));
}

static void
test_filter_digits (void)
{
  g_autoptr(SeTokenizer) tok = digit_vocab ();
  float logits[N_DIGIT_VOCAB] = { 0 };
  DigitFilter f = { tok, 0, 0 };
  const float temps[] = { 0.0f, 0.7f, 5.0f };

  /* "a", "b4" and "8z" are the most likely by far; "1" is the best digit token */
  logits['a'] = 9.0f;
  logits[257] = 8.0f;
  logits[259] = 7.0f;
  logits['1'] = 0.5f;
  for (gsize t = 0; t < G_N_ELEMENTS (temps); t++)
    {
      SeSamplingParams p = params_plain (temps[t], 11);
      g_autoptr(SeSampler) s = se_sampler_new (&p, N_DIGIT_VOCAB);
      g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);

      se_sampler_set_filter (s, digit_filter, digit_accept, &f, NULL);
      for (guint i = 0; i < 1000; i++)
        {
          gint32 id = sample (s, logits);

          g_assert_true (is_digits (tok, id));
          se_sampler_accept (s, id);
          g_hash_table_add (seen, GINT_TO_POINTER (id));
        }
      if (temps[t] == 0.0f)
        {
          g_assert_cmpuint (g_hash_table_size (seen), ==, 1);
          g_assert_true (g_hash_table_contains (seen, GINT_TO_POINTER ('1')));
        }
      else  /* "0".."9", "23" and "56" */
        g_assert_cmpuint (g_hash_table_size (seen), ==, 12);
    }
  g_assert_cmpuint (f.n_filtered, ==, 3000);
  g_assert_cmpuint (f.n_accepted, ==, 3000);
}

static gboolean
mask_all (gpointer user_data,
          float   *logits,
          gsize    n_vocab)
{
  for (gsize i = 0; i < n_vocab; i++)
    logits[i] = -INFINITY;
  return TRUE;
}

static gboolean
refuse (gpointer user_data,
        float   *logits,
        gsize    n_vocab)
{
  return FALSE;
}

static void
destroy_count (gpointer data)
{
  (*(guint *) data)++;
}

static void
test_all_masked (void)
{
  const float logits[4] = { 1.0f, 2.0f, 3.0f, 4.0f };
  const float nans[4] = { NAN, NAN, -INFINITY, NAN };
  SeSamplingParams p = params_plain (0.8f, 1);
  g_autoptr(SeSampler) s = se_sampler_new (&p, 4);
  g_autoptr(GError) error = NULL;
  guint destroyed = 0;

  se_sampler_set_filter (s, mask_all, NULL, &destroyed, destroy_count);
  g_assert_cmpint (se_sampler_sample (s, logits, &error), ==, -1);
  g_assert_error (error, SE_ERROR, SE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "masked"));
  g_clear_error (&error);

  se_sampler_set_filter (s, refuse, NULL, &destroyed, destroy_count);
  g_assert_cmpuint (destroyed, ==, 1);
  g_assert_cmpint (se_sampler_sample (s, logits, &error), ==, -1);
  g_assert_error (error, SE_ERROR, SE_ERROR_FAILED);
  g_clear_error (&error);

  se_sampler_set_filter (s, NULL, NULL, NULL, NULL);
  g_assert_cmpuint (destroyed, ==, 2);
  g_assert_cmpint (se_sampler_sample (s, nans, &error), ==, -1);
  g_assert_error (error, SE_ERROR, SE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (sample (s, logits), >=, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sprig/engine/sampler/defaults", test_defaults);
  g_test_add_func ("/sprig/engine/sampler/greedy", test_greedy);
  g_test_add_func ("/sprig/engine/sampler/penalties", test_penalties);
  g_test_add_func ("/sprig/engine/sampler/penalty-window", test_penalty_accept);
  g_test_add_func ("/sprig/engine/sampler/top-k-one-is-greedy", test_top_k_one_is_greedy);
  g_test_add_func ("/sprig/engine/sampler/seed", test_seed);
  g_test_add_func ("/sprig/engine/sampler/tail-cuts", test_tail_cuts);
  g_test_add_func ("/sprig/engine/sampler/top-k-selection", test_top_k_selection);
  g_test_add_func ("/sprig/engine/sampler/filter-digits", test_filter_digits);
  g_test_add_func ("/sprig/engine/sampler/filter-check-first", test_filter_check_first);
  g_test_add_func ("/sprig/engine/sampler/all-masked", test_all_masked);
  return g_test_run ();
}
