/* SPDX-License-Identifier: Apache-2.0
 *
 * Token sampling: repetition penalties over a window of accepted tokens, an optional
 * per-step token filter (constrained output), then greedy argmax at temperature 0 or
 * top-k, top-p, min-p and a temperature softmax drawn with the sampler's own seeded RNG,
 * so a seed gives the same tokens on every machine.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A seed that means "pick one": the sampler draws it from the system at creation. */
#define SE_SEED_RANDOM G_MAXUINT64

typedef struct
{
  float   temperature;        /* <= 0: greedy argmax, ties to the lowest id */
  gint    top_k;              /* <= 0: off */
  float   top_p;              /* >= 1: off */
  float   min_p;              /* <= 0: off; relative to the most likely token */
  float   repeat_penalty;     /* 1: off; > 1 discourages repeats */
  float   presence_penalty;   /* 0: off; subtracted once per distinct repeated token */
  float   frequency_penalty;  /* 0: off; subtracted per occurrence */
  guint   penalty_last_n;     /* window of accepted tokens the penalties look at; 0: off */
  guint64 seed;               /* SE_SEED_RANDOM: a random seed */
} SeSamplingParams;

/* llama.cpp's defaults. */
#define SE_SAMPLING_PARAMS_INIT { 0.8f, 40, 0.95f, 0.05f, 1.0f, 0.0f, 0.0f, 64, SE_SEED_RANDOM }

/* Masks @logits in place (set a token's logit to -INFINITY to forbid it). Returning
 * FALSE means the filter cannot go on (its grammar is broken or complete): sampling then
 * fails with SE_ERROR_FAILED. Called on the thread that samples. */
typedef gboolean (*SeTokenFilterFunc) (gpointer  user_data,
                                       float    *logits,
                                       gsize     n_vocab);
/* Told of every token the sampler accepts, so a filter can advance its state. */
typedef void     (*SeTokenAcceptFunc) (gpointer  user_data,
                                       gint32    token);

/* The filter's fast path: says whether @token may follow now, without changing the
 * filter's state. With one set, the sampler draws from the unfiltered logits first and
 * calls the filter (which masks the whole vocabulary) only when the drawn token is
 * refused, then draws again from the masked logits, as llama.cpp does with grammars. At
 * temperature 0 this picks exactly the token masking first would; with a distribution it
 * is the masked distribution (exactly so without top-k/top-p/min-p truncation), and a
 * seed still names one sequence. */
typedef gboolean (*SeTokenCheckFunc)  (gpointer  user_data,
                                       gint32    token);

typedef struct _SeSampler SeSampler;

void       se_sampling_params_init  (SeSamplingParams       *params);

SeSampler *se_sampler_new           (const SeSamplingParams *params,
                                     gsize                   n_vocab);
void       se_sampler_free          (SeSampler              *sampler);
const SeSamplingParams *
           se_sampler_get_params    (SeSampler              *sampler);
/* The seed in use (the drawn one for SE_SEED_RANDOM). */
guint64    se_sampler_get_seed      (SeSampler              *sampler);
/* Replaces the filter; @destroy is called on @user_data when it is replaced or the
 * sampler is freed. Any of the functions may be NULL. */
void       se_sampler_set_filter    (SeSampler              *sampler,
                                     SeTokenFilterFunc       filter,
                                     SeTokenAcceptFunc       accept,
                                     gpointer                user_data,
                                     GDestroyNotify          destroy);
/* Sets the filter's fast path (NULL: the filter masks every step); it gets the
 * filter's @user_data. */
void       se_sampler_set_check     (SeSampler              *sampler,
                                     SeTokenCheckFunc        check);
/* Forgets the penalty window and restarts the RNG from the seed. */
void       se_sampler_reset         (SeSampler              *sampler);
/* Adds tokens to the penalty window only (a prompt), without telling the filter. */
void       se_sampler_add_history   (SeSampler              *sampler,
                                     const gint32           *tokens,
                                     gsize                   n_tokens);
/* Records a sampled token: penalty window and filter. */
void       se_sampler_accept        (SeSampler              *sampler,
                                     gint32                  token);
/* Picks a token from @logits (n_vocab floats, left unchanged). Returns -1 with @error
 * set when no token is possible (every logit masked or not a number). */
gint32     se_sampler_sample        (SeSampler              *sampler,
                                     const float            *logits,
                                     GError                **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeSampler, se_sampler_free)

G_END_DECLS
