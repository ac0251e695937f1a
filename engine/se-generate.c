/* SPDX-License-Identifier: Apache-2.0
 *
 * The generation loop on one session. It owns the streaming text: whole UTF-8 characters
 * from the detokenizer, minus any tail that could still grow into a stop string, so a
 * stop string never reaches the caller, not even in part.
 */
#include "config.h"

#include <string.h>

#include "sprig/se-error.h"
#include "sprig/se-generate.h"

typedef struct
{
  SeSession *session;
  SeTokenizer *tok;
  SeSampler *sampler;
  const SeGenerateLimits *limits;
  SeTokenFunc func;
  gpointer user_data;
  SeGenerateStats *stats;
  GCancellable *cancellable;
  SeDetokenizer *detok;
  GString *pending;       /* text not yet handed out */
  gint64 start_us;
} Gen;

/* The context this generation may fill: the session's, or less when the limits say so. */
guint
se_generate_effective_n_ctx (SeSession              *session,
                             const SeGenerateLimits *limits)
{
  guint n_ctx = se_session_get_n_ctx (session);

  return limits != NULL && limits->n_ctx > 0 ? MIN (n_ctx, limits->n_ctx) : n_ctx;
}

guint
se_generate_prompt_budget (guint n_ctx,
                           guint max_tokens)
{
  guint reserve = MIN (max_tokens ? max_tokens : n_ctx / 4, n_ctx / 2);

  return n_ctx - reserve;
}

const char *
se_stop_reason_to_string (SeStopReason reason)
{
  switch (reason)
    {
    case SE_STOP_EOS: return "eos";
    case SE_STOP_LENGTH: return "length";
    case SE_STOP_STRING: return "stop";
    case SE_STOP_CONTEXT: return "context";
    case SE_STOP_CANCELLED: return "cancelled";
    default: return "unknown";
    }
}

static gboolean
is_cancelled (GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* Length of the longest suffix of @text that is a proper prefix of a stop string. */
static gsize
held_tail (const GString     *text,
           const char *const *stop)
{
  gsize hold = 0;

  for (; stop != NULL && *stop != NULL; stop++)
    {
      gsize n = strlen (*stop);

      for (gsize k = MIN (n - (n > 0), text->len); k > hold; k--)
        if (memcmp (text->str + text->len - k, *stop, k) == 0)
          {
            hold = k;
            break;
          }
    }
  return hold;
}

/* Where the earliest stop string starts in @text, or -1. */
static gssize
find_stop (const GString     *text,
           const char *const *stop)
{
  gssize best = -1;

  for (; stop != NULL && *stop != NULL; stop++)
    {
      const char *hit;

      if (**stop == '\0')
        continue;
      hit = g_strstr_len (text->str, (gssize) text->len, *stop);
      if (hit != NULL && (best < 0 || hit - text->str < best))
        best = hit - text->str;
    }
  return best;
}

static void
emit (Gen        *g,
      gint32      token,
      gsize       len)
{
  if (g->func != NULL)
    g->func (token, g->pending->str, len, g->user_data);
  g_string_erase (g->pending, 0, (gssize) len);
}

/* Takes a sampled token's text; TRUE when a stop string ended generation. */
static gboolean
push_text (Gen    *g,
           gint32  token)
{
  const char *const *stop = g->limits ? g->limits->stop : NULL;
  gssize at;

  se_detokenizer_push (g->detok, token, g->pending);
  at = find_stop (g->pending, stop);
  if (at >= 0)
    {
      g_string_truncate (g->pending, (gsize) at);
      emit (g, token, g->pending->len);
      return TRUE;
    }
  emit (g, token, g->pending->len - held_tail (g->pending, stop));
  return FALSE;
}

static void
finish (Gen         *g,
        SeStopReason reason)
{
  double ms = (g_get_monotonic_time () - g->start_us) / 1000.0;

  if (reason != SE_STOP_STRING)
    {
      se_detokenizer_flush (g->detok, g->pending);
      if (g->pending->len > 0)
        emit (g, -1, g->pending->len);
    }
  g->stats->stop = reason;
  g->stats->gen_ms = ms;
  g->stats->gen_tok_s = ms > 0 ? g->stats->gen_tokens * 1000.0 / ms : 0;
}

static gboolean
prefill (Gen          *g,
         const gint32 *prompt,
         guint         n_prompt,
         GError      **error)
{
  gint64 t0 = g_get_monotonic_time ();
  guint n_eval = 0;
  gboolean ok;

  g->stats->prompt_tokens = n_prompt;
  ok = se_session_prefill (g->session, prompt, n_prompt, FALSE, &n_eval, g->cancellable, error);
  g->stats->prompt_evaluated = n_eval;
  g->stats->prompt_ms = (g_get_monotonic_time () - t0) / 1000.0;
  if (g->stats->prompt_ms > 0)
    g->stats->prompt_tok_s = n_eval * 1000.0 / g->stats->prompt_ms;
  return ok;
}

/* One step: sample from the current logits, emit, decode. Returns FALSE to stop, with
 * *@reason set, or with @error set on failure. */
static gboolean
step (Gen          *g,
      SeStopReason *reason,
      GError      **error)
{
  const float *logits = se_session_get_logits (g->session, 0);
  gint32 token;
  guint n_cached = 0;
  guint max = g->limits ? g->limits->max_tokens : 0;
  g_autoptr(GError) local = NULL;

  if (g_cancellable_is_cancelled (g->cancellable))
    return *reason = SE_STOP_CANCELLED, FALSE;
  token = se_sampler_sample (g->sampler, logits, error);
  if (token < 0)
    return FALSE;
  se_sampler_accept (g->sampler, token);
  if (se_tokenizer_is_eog (g->tok, token))
    return *reason = SE_STOP_EOS, FALSE;
  g->stats->gen_tokens++;
  if (push_text (g, token))
    return *reason = SE_STOP_STRING, FALSE;
  if (max > 0 && g->stats->gen_tokens >= max)
    return *reason = SE_STOP_LENGTH, FALSE;
  se_session_get_tokens (g->session, &n_cached);
  if (n_cached >= se_generate_effective_n_ctx (g->session, g->limits))
    return *reason = SE_STOP_CONTEXT, FALSE;
  if (!se_session_decode (g->session, token, g->cancellable, &local))
    {
      if (is_cancelled (local))
        return *reason = SE_STOP_CANCELLED, FALSE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  return TRUE;
}

gboolean
se_generate (SeSession              *session,
             const gint32           *prompt,
             guint                   n_prompt,
             SeSampler              *sampler,
             const SeGenerateLimits *limits,
             SeTokenFunc             func,
             gpointer                user_data,
             SeGenerateStats        *stats,
             GCancellable           *cancellable,
             GError                **error)
{
  SeGenerateStats local_stats = { 0 };
  g_autoptr(SeDetokenizer) detok = NULL;
  g_autoptr(GString) pending = g_string_new (NULL);
  g_autoptr(GError) prefill_error = NULL;
  g_autoptr(GError) step_error = NULL;
  SeStopReason reason = SE_STOP_EOS;
  Gen g = {
    session, se_model_get_tokenizer (se_session_get_model (session)), sampler, limits,
    func, user_data, stats ? stats : &local_stats, cancellable, NULL, pending, 0
  };

  g_return_val_if_fail (session != NULL && sampler != NULL, FALSE);
  g_return_val_if_fail (prompt != NULL || n_prompt == 0, FALSE);

  {
    guint dropped = g.stats->messages_dropped;  /* counted by the caller, if any */

    memset (g.stats, 0, sizeof *g.stats);
    g.stats->messages_dropped = dropped;
  }
  if (limits != NULL && limits->truncate_prompt)
    {
      guint budget = se_generate_prompt_budget (se_generate_effective_n_ctx (session, limits),
                                                limits->max_tokens);

      if (n_prompt > budget)
        {
          g.stats->prompt_truncated = n_prompt - budget;
          prompt += g.stats->prompt_truncated;
          n_prompt = budget;
        }
    }
  g.detok = detok = se_detokenizer_new (g.tok, FALSE);
  se_sampler_add_history (sampler, prompt, n_prompt);
  if (!prefill (&g, prompt, n_prompt, &prefill_error))
    {
      g.start_us = g_get_monotonic_time ();
      if (!is_cancelled (prefill_error))
        {
          g_propagate_error (error, g_steal_pointer (&prefill_error));
          return FALSE;
        }
      finish (&g, SE_STOP_CANCELLED);
      return TRUE;
    }
  g.start_us = g_get_monotonic_time ();
  while (step (&g, &reason, &step_error))
    ;
  if (step_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&step_error));
      return FALSE;
    }
  finish (&g, reason);
  return TRUE;
}
