/* SPDX-License-Identifier: Apache-2.0
 *
 * The sampler chain, in llama.cpp's order: penalties, the token filter, then either
 * greedy argmax or top-k, top-p and min-p on the untempered distribution followed by a
 * temperature softmax. The RNG is xoshiro256** seeded through splitmix64, never g_random,
 * so a seed names the same token sequence on every platform.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "sprig/se-error.h"
#include "sprig/se-sampler.h"

typedef struct
{
  gint32 id;
  float logit;
} Candidate;

struct _SeSampler
{
  SeSamplingParams params;
  gsize n_vocab;
  guint64 seed;
  guint64 rng[4];

  /* penalty window: ring buffer of the last penalty_last_n accepted tokens */
  gint32 *window;
  guint window_len;
  guint window_head;
  guint32 *counts;      /* n_vocab, all zero between steps */

  SeTokenFilterFunc filter;
  SeTokenCheckFunc check;
  SeTokenAcceptFunc accept;
  gpointer filter_data;
  GDestroyNotify filter_destroy;

  float *work;          /* n_vocab: the logits being transformed */
  Candidate *cand;      /* n_vocab */
};

void
se_sampling_params_init (SeSamplingParams *params)
{
  static const SeSamplingParams defaults = SE_SAMPLING_PARAMS_INIT;

  g_return_if_fail (params != NULL);
  *params = defaults;
}

static guint64
splitmix64 (guint64 *state)
{
  guint64 z = (*state += 0x9e3779b97f4a7c15ull);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static inline guint64
rotl (guint64 x,
      int     k)
{
  return (x << k) | (x >> (64 - k));
}

static guint64
xoshiro_next (guint64 s[4])
{
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

/* Uniform in [0, 1) with 53 random bits. */
static double
rng_uniform (SeSampler *s)
{
  return (double) (xoshiro_next (s->rng) >> 11) * 0x1.0p-53;
}

static void
rng_seed (SeSampler *s)
{
  guint64 state = s->seed;

  for (guint i = 0; i < 4; i++)
    s->rng[i] = splitmix64 (&state);
}

SeSampler *
se_sampler_new (const SeSamplingParams *params,
                gsize                   n_vocab)
{
  SeSampler *s;

  g_return_val_if_fail (n_vocab > 0 && n_vocab <= G_MAXINT32, NULL);

  s = g_new0 (SeSampler, 1);
  if (params != NULL)
    s->params = *params;
  else
    se_sampling_params_init (&s->params);
  s->n_vocab = n_vocab;
  s->seed = s->params.seed;
  if (s->seed == SE_SEED_RANDOM)
    s->seed = ((guint64) g_random_int () << 32 | g_random_int ()) >> 1;
  rng_seed (s);
  if (s->params.penalty_last_n > 0)
    {
      s->window = g_new0 (gint32, s->params.penalty_last_n);
      s->counts = g_new0 (guint32, n_vocab);
    }
  s->work = g_new (float, n_vocab);
  s->cand = g_new (Candidate, n_vocab);
  return s;
}

void
se_sampler_free (SeSampler *sampler)
{
  if (sampler == NULL)
    return;
  se_sampler_set_filter (sampler, NULL, NULL, NULL, NULL);
  g_free (sampler->window);
  g_free (sampler->counts);
  g_free (sampler->work);
  g_free (sampler->cand);
  g_free (sampler);
}

const SeSamplingParams *
se_sampler_get_params (SeSampler *sampler)
{
  g_return_val_if_fail (sampler != NULL, NULL);
  return &sampler->params;
}

guint64
se_sampler_get_seed (SeSampler *sampler)
{
  g_return_val_if_fail (sampler != NULL, 0);
  return sampler->seed;
}

void
se_sampler_set_filter (SeSampler         *sampler,
                       SeTokenFilterFunc  filter,
                       SeTokenAcceptFunc  accept,
                       gpointer           user_data,
                       GDestroyNotify     destroy)
{
  g_return_if_fail (sampler != NULL);

  if (sampler->filter_destroy != NULL)
    sampler->filter_destroy (sampler->filter_data);
  sampler->filter = filter;
  sampler->accept = accept;
  sampler->filter_data = user_data;
  sampler->filter_destroy = destroy;
}

void
se_sampler_set_check (SeSampler        *sampler,
                      SeTokenCheckFunc  check)
{
  g_return_if_fail (sampler != NULL);
  sampler->check = check;
}

void
se_sampler_reset (SeSampler *sampler)
{
  g_return_if_fail (sampler != NULL);
  sampler->window_len = 0;
  sampler->window_head = 0;
  rng_seed (sampler);
}

static void
window_push (SeSampler *s,
             gint32     token)
{
  guint cap = s->params.penalty_last_n;

  if (cap == 0 || token < 0 || (gsize) token >= s->n_vocab)
    return;
  s->window[s->window_head] = token;
  s->window_head = (s->window_head + 1) % cap;
  s->window_len = MIN (s->window_len + 1, cap);
}

void
se_sampler_add_history (SeSampler    *sampler,
                        const gint32 *tokens,
                        gsize         n_tokens)
{
  g_return_if_fail (sampler != NULL);
  g_return_if_fail (tokens != NULL || n_tokens == 0);

  for (gsize i = 0; i < n_tokens; i++)
    window_push (sampler, tokens[i]);
}

void
se_sampler_accept (SeSampler *sampler,
                   gint32     token)
{
  g_return_if_fail (sampler != NULL);

  window_push (sampler, token);
  if (sampler->accept != NULL)
    sampler->accept (sampler->filter_data, token);
}

/* llama.cpp's penalties: a repeated token's logit is divided by repeat_penalty (multiplied
 * when negative), then frequency * count and presence are subtracted. */
static void
apply_penalties (SeSampler *s)
{
  const SeSamplingParams *p = &s->params;

  if (s->window_len == 0
      || (p->repeat_penalty == 1.0f && p->frequency_penalty == 0.0f
          && p->presence_penalty == 0.0f))
    return;
  for (guint i = 0; i < s->window_len; i++)
    s->counts[s->window[i]]++;
  for (guint i = 0; i < s->window_len; i++)
    {
      gint32 id = s->window[i];
      guint32 count = s->counts[id];
      float *l = &s->work[id];

      if (count == 0)
        continue;  /* already done */
      if (p->repeat_penalty != 1.0f && p->repeat_penalty > 0.0f)
        *l = *l <= 0.0f ? *l * p->repeat_penalty : *l / p->repeat_penalty;
      *l -= (float) count * p->frequency_penalty + p->presence_penalty;
      s->counts[id] = 0;
    }
}

static int
candidate_cmp (const void *a,
               const void *b)
{
  const Candidate *x = a, *y = b;

  if (x->logit != y->logit)
    return x->logit > y->logit ? -1 : 1;
  return (x->id > y->id) - (x->id < y->id);
}

static gboolean
candidate_better (const Candidate *x,
                  const Candidate *y)
{
  return candidate_cmp (x, y) < 0;
}

/* Restores the min-heap (worst candidate at the root) below @j. */
static void
sift_down (Candidate *heap,
           gsize      k,
           gsize      j)
{
  for (;;)
    {
      gsize l = 2 * j + 1, r = l + 1, worst = j;
      Candidate tmp;

      if (l < k && candidate_better (&heap[worst], &heap[l]))
        worst = l;
      if (r < k && candidate_better (&heap[worst], &heap[r]))
        worst = r;
      if (worst == j)
        return;
      tmp = heap[j];
      heap[j] = heap[worst];
      heap[worst] = tmp;
      j = worst;
    }
}

/* Moves the @k best of cand[0..n) to the front, sorted; O(n log k) instead of a full
 * sort of a 150k vocabulary. */
static gsize
select_top_k (Candidate *cand,
              gsize      n,
              gsize      k)
{
  for (gsize j = k / 2; j-- > 0;)
    sift_down (cand, k, j);
  for (gsize i = k; i < n; i++)
    if (candidate_better (&cand[i], &cand[0]))
      {
        cand[0] = cand[i];
        sift_down (cand, k, 0);
      }
  qsort (cand, k, sizeof (Candidate), candidate_cmp);
  return k;
}

static gint32
greedy (SeSampler *s)
{
  gint32 best = -1;

  for (gsize i = 0; i < s->n_vocab; i++)
    if (s->work[i] > -INFINITY && (best < 0 || s->work[i] > s->work[best]))
      best = (gint32) i;
  return best;
}

/* Softmax of cand[0..n) (sorted, cand[0] the largest) at temperature @temp into @p;
 * returns the sum of the unnormalised weights. */
static double
weights (const Candidate *cand,
         gsize            n,
         double           temp,
         double          *p)
{
  double sum = 0;

  for (gsize i = 0; i < n; i++)
    sum += p[i] = exp (((double) cand[i].logit - cand[0].logit) / temp);
  return sum;
}

static gsize
top_p_cut (const Candidate *cand,
           gsize            n,
           float            top_p)
{
  g_autofree double *p = NULL;
  double sum, cum = 0;

  if (top_p >= 1.0f || n <= 1)
    return n;
  p = g_new (double, n);
  sum = weights (cand, n, 1.0, p);
  for (gsize i = 0; i < n; i++)
    {
      cum += p[i] / sum;
      if (cum >= top_p)
        return i + 1;
    }
  return n;
}

static gsize
min_p_cut (const Candidate *cand,
           gsize            n,
           float            min_p)
{
  float threshold;
  gsize keep = 1;

  if (min_p <= 0.0f || n <= 1)
    return n;
  threshold = cand[0].logit + logf (min_p);
  while (keep < n && cand[keep].logit >= threshold)
    keep++;
  return keep;
}

static gint32
sample_dist (SeSampler *s)
{
  const SeSamplingParams *p = &s->params;
  g_autofree double *w = NULL;
  gsize n = 0;
  double sum, u;

  for (gsize i = 0; i < s->n_vocab; i++)
    if (s->work[i] > -INFINITY)
      s->cand[n++] = (Candidate) { (gint32) i, s->work[i] };
  if (p->top_k > 0 && (gsize) p->top_k < n)
    n = select_top_k (s->cand, n, (gsize) p->top_k);
  else
    qsort (s->cand, n, sizeof (Candidate), candidate_cmp);
  n = top_p_cut (s->cand, n, p->top_p);
  n = min_p_cut (s->cand, n, p->min_p);

  w = g_new (double, n);
  sum = weights (s->cand, n, p->temperature, w);
  u = rng_uniform (s) * sum;
  for (gsize i = 0; i < n; i++)
    {
      if (u < w[i])
        return s->cand[i].id;
      u -= w[i];
    }
  return s->cand[n - 1].id;  /* rounding at the very end */
}

/* Greedy or a draw from s->work; -1 when every token is masked. */
static gint32
pick (SeSampler *s)
{
  gint32 best;

  for (gsize i = 0; i < s->n_vocab; i++)
    if (isnan (s->work[i]))
      s->work[i] = -INFINITY;
  best = greedy (s);
  if (best < 0 || s->params.temperature <= 0.0f)
    return best;
  return sample_dist (s);
}

gint32
se_sampler_sample (SeSampler   *sampler,
                   const float *logits,
                   GError     **error)
{
  gint32 token;

  g_return_val_if_fail (sampler != NULL, -1);
  g_return_val_if_fail (logits != NULL, -1);

  for (gsize i = 0; i < sampler->n_vocab; i++)
    {
      float l = logits[i];

      /* NaN is masked; +inf would poison the softmax */
      sampler->work[i] = isnan (l) ? -INFINITY : MIN (l, G_MAXFLOAT);
    }
  apply_penalties (sampler);
  if (sampler->filter != NULL && sampler->check != NULL)
    {
      /* sample first; mask the vocabulary only when the filter refuses the token. The
       * penalised logits are kept: sample_dist() reorders only s->cand. */
      token = pick (sampler);
      if (token >= 0 && sampler->check (sampler->filter_data, token))
        return token;
    }
  if (sampler->filter != NULL
      && !sampler->filter (sampler->filter_data, sampler->work, sampler->n_vocab))
    {
      g_set_error (error, SE_ERROR, SE_ERROR_FAILED, "The token filter refused to go on");
      return -1;
    }
  token = pick (sampler);
  if (token < 0)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "No token can be sampled: every one of the %zu is masked",
                   sampler->n_vocab);
      return -1;
    }
  return token;
}
