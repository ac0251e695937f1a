/* SPDX-License-Identifier: Apache-2.0
 *
 * The synchronous generation loop: prefill a prompt into a session (re-using the cached
 * prefix), then sample, emit and decode one token at a time until end of generation, a
 * stop string, the length limit, the end of the context or cancellation.
 */
#pragma once

#include <gio/gio.h>

#include "sprig/se-model.h"
#include "sprig/se-sampler.h"

G_BEGIN_DECLS

typedef enum
{
  SE_STOP_EOS,        /* the model ended its turn (an end-of-generation token) */
  SE_STOP_LENGTH,     /* max_tokens were generated */
  SE_STOP_STRING,     /* a stop string appeared; it is not part of the text */
  SE_STOP_CONTEXT,    /* the session's context is full */
  SE_STOP_CANCELLED,  /* the GCancellable was cancelled */
} SeStopReason;

typedef struct
{
  guint max_tokens;           /* 0: until the context is full */
  const char *const *stop;    /* NULL-terminated stop strings; may be NULL */
  /* A prompt that leaves less than max_tokens (or a quarter of the context when
   * max_tokens is 0; at most half of it) free in the context: FALSE fails with
   * SE_ERROR_INVALID, TRUE drops its oldest tokens to make room and reports how many
   * in SeGenerateStats.prompt_truncated, so the caller can tell the user. */
  gboolean truncate_prompt;
  /* A context smaller than the session's for this request (0: the session's): the
   * prompt budget and SE_STOP_CONTEXT count against it. Lets one conversation use less
   * context than the model was loaded with, without loading it again. */
  guint n_ctx;
} SeGenerateLimits;

typedef struct
{
  guint prompt_tokens;        /* tokens of the prompt */
  guint prompt_evaluated;     /* of those, evaluated (the rest came from the cache) */
  guint prompt_truncated;     /* oldest prompt tokens dropped (truncate_prompt) */
  guint messages_dropped;     /* oldest chat messages left out to fit (SeEngine) */
  double prompt_ms;
  double prompt_tok_s;        /* prompt_evaluated / prompt time */
  guint gen_tokens;           /* tokens generated, the end-of-generation one excluded */
  double gen_ms;
  double gen_tok_s;
  SeStopReason stop;
} SeGenerateStats;

/* One generated token and the text it completes. @text is valid UTF-8 (possibly empty:
 * a character may wait for its next byte, or text that could begin a stop string is held
 * back); @token is -1 for the text released when generation ends. */
typedef void (*SeTokenFunc) (gint32      token,
                             const char *text,
                             gsize       text_len,
                             gpointer    user_data);

/* How many prompt tokens fit a context of @n_ctx with room for the reply, as
 * truncate_prompt counts it. */
guint se_generate_prompt_budget   (guint                   n_ctx,
                                   guint                   max_tokens);
guint se_generate_effective_n_ctx (SeSession              *session,
                                   const SeGenerateLimits *limits);

/* "eos", "length", "stop", "context", "cancelled". */
const char *se_stop_reason_to_string (SeStopReason reason);

/* Runs generation on @session. The prompt goes into @sampler's penalty window; every
 * sampled token is accepted by it. Cancellation is not an error: it returns TRUE with
 * stats->stop = SE_STOP_CANCELLED, the cache holding what was evaluated. A prompt longer
 * than the context, a sampling or backend failure is FALSE with @error set; @stats then
 * holds what was done. */
gboolean    se_generate              (SeSession              *session,
                                      const gint32           *prompt,
                                      guint                   n_prompt,
                                      SeSampler              *sampler,
                                      const SeGenerateLimits *limits,
                                      SeTokenFunc             func,
                                      gpointer                user_data,
                                      SeGenerateStats        *stats,
                                      GCancellable           *cancellable,
                                      GError                **error);

G_END_DECLS
