/* SPDX-License-Identifier: Apache-2.0
 *
 * Runs SeEngine requests from the CLI: the engine's events arrive on this thread's
 * default main context, which is iterated until the request's DONE or ERROR, so the CLI
 * exercises the same asynchronous API as the app.
 */
#include "config.h"

#include "sprig/se-error.h"
#include "cli-run.h"

GOptionEntry *
cli_gen_options_entries (CliGenOptions *opts,
                         gint           default_n_predict)
{
  const GOptionEntry entries[] = {
    { "n-predict", 'n', 0, G_OPTION_ARG_INT, &opts->n_predict, "Tokens to generate at most (0: until the context is full)", "N" },
    { "temp", 0, 0, G_OPTION_ARG_DOUBLE, &opts->temp, "Temperature (0: greedy)", "X" },
    { "top-k", 0, 0, G_OPTION_ARG_INT, &opts->top_k, "Top-k (0: off)", "K" },
    { "top-p", 0, 0, G_OPTION_ARG_DOUBLE, &opts->top_p, "Top-p (1: off)", "P" },
    { "min-p", 0, 0, G_OPTION_ARG_DOUBLE, &opts->min_p, "Min-p (0: off)", "M" },
    { "repeat-penalty", 0, 0, G_OPTION_ARG_DOUBLE, &opts->repeat_penalty, "Repetition penalty (1: off)", "X" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &opts->seed, "Sampling seed (-1: random)", "S" },
    { "ctx", 'c', 0, G_OPTION_ARG_INT, &opts->n_ctx, "Context size (0: 4096, capped by the model)", "N" },
    { "backend", 0, 0, G_OPTION_ARG_STRING, &opts->backend, "reference, cpu, vulkan", "NAME" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &opts->threads, "Backend threads", "N" },
    { NULL }
  };
  SeSamplingParams defaults = SE_SAMPLING_PARAMS_INIT;

  memset (opts, 0, sizeof *opts);
  opts->temp = defaults.temperature;
  opts->top_k = defaults.top_k;
  opts->top_p = defaults.top_p;
  opts->min_p = defaults.min_p;
  opts->repeat_penalty = defaults.repeat_penalty;
  opts->seed = -1;
  opts->n_predict = default_n_predict;
  return g_memdup2 (entries, sizeof entries);
}

void
cli_gen_options_clear (CliGenOptions *opts)
{
  g_clear_pointer (&opts->backend, g_free);
}

gboolean
cli_gen_options_check (const CliGenOptions *opts,
                       GError             **error)
{
  if (opts->n_predict < 0 || opts->n_ctx < 0 || opts->threads < 0 || opts->temp < 0
      || opts->top_p <= 0 || opts->min_p < 0 || opts->min_p > 1 || opts->repeat_penalty <= 0
      || opts->seed < -1)
    {
      g_set_error_literal (error, SE_ERROR, SE_ERROR_INVALID,
                           "a count, temperature, probability or penalty is out of range");
      return FALSE;
    }
  return TRUE;
}

void
cli_gen_options_apply (const CliGenOptions *opts,
                       SeGenerateRequest   *request)
{
  request->sampling.temperature = (float) opts->temp;
  request->sampling.top_k = opts->top_k;
  request->sampling.top_p = (float) opts->top_p;
  request->sampling.min_p = (float) opts->min_p;
  request->sampling.repeat_penalty = (float) opts->repeat_penalty;
  request->sampling.seed = opts->seed < 0 ? SE_SEED_RANDOM : (guint64) opts->seed;
  request->max_tokens = (guint) opts->n_predict;
}

typedef struct
{
  gboolean done;
  GError *error;
  FILE *stream;
  CliReply *reply;
} Wait;

static void
wait_event (SeEngine      *engine,
            const SeEvent *e,
            gpointer       user_data)
{
  Wait *w = user_data;

  switch (e->kind)
    {
    case SE_EVENT_TOKENS:
      if (w->stream != NULL)
        {
          fwrite (e->text, 1, e->text_len, w->stream);
          fflush (w->stream);
        }
      if (w->reply != NULL)
        {
          g_string_append_len (w->reply->text, e->text, (gssize) e->text_len);
          g_array_append_vals (w->reply->ids, e->tokens, e->n_tokens);
        }
      break;
    case SE_EVENT_DONE:
      if (w->reply != NULL && e->stats != NULL)
        w->reply->stats = *e->stats;
      /* what a user should know about the model that just loaded */
      if (e->model != NULL && e->model->backend_warning != NULL)
        g_printerr ("sprig-cli: %s\n", e->model->backend_warning);
      if (e->model != NULL && e->model->chat_warning != NULL)
        g_printerr ("sprig-cli: %s\n", e->model->chat_warning);
      w->done = TRUE;
      break;
    case SE_EVENT_ERROR:
      w->error = g_error_copy (e->error);
      w->done = TRUE;
      break;
    default:
      break;
    }
}

static gboolean
wait_done (SeEngine *engine,
           Wait     *w,
           GError  **error)
{
  while (!w->done)
    g_main_context_iteration (se_engine_get_context (engine), TRUE);
  if (w->error != NULL)
    {
      g_propagate_error (error, w->error);
      return FALSE;
    }
  return TRUE;
}

gboolean
cli_engine_load (SeEngine            *engine,
                 const char          *path,
                 const CliGenOptions *opts,
                 GError             **error)
{
  SeModelParams params = { opts->backend, (guint) opts->threads };
  Wait w = { 0 };

  se_engine_load (engine, path, &params, (guint) opts->n_ctx, wait_event, &w, NULL);
  return wait_done (engine, &w, error);
}

gboolean
cli_engine_generate (SeEngine                *engine,
                     const SeGenerateRequest *request,
                     FILE                    *stream,
                     CliReply                *reply,
                     GError                 **error)
{
  Wait w = { FALSE, NULL, stream, reply };

  se_engine_generate (engine, request, wait_event, &w, NULL);
  return wait_done (engine, &w, error);
}

void
cli_reply_init (CliReply *reply)
{
  memset (reply, 0, sizeof *reply);
  reply->text = g_string_new (NULL);
  reply->ids = g_array_new (FALSE, FALSE, sizeof (gint32));
}

void
cli_reply_clear (CliReply *reply)
{
  if (reply->text != NULL)
    g_string_free (reply->text, TRUE);
  g_clear_pointer (&reply->ids, g_array_unref);
}

char *
cli_stats_line (const SeGenerateStats *s)
{
  return g_strdup_printf ("[prompt: %u tokens, %u evaluated, %.1f tok/s | generated: %u tokens, "
                          "%.1f tok/s | stop: %s]", s->prompt_tokens, s->prompt_evaluated,
                          s->prompt_tok_s, s->gen_tokens, s->gen_tok_s,
                          se_stop_reason_to_string (s->stop));
}
