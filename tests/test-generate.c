/* SPDX-License-Identifier: Apache-2.0
 *
 * Tests of the synchronous generation loop on a tiny model from `sprig-cli mkmodel`:
 * greedy repeatability, stop strings (never emitted, not even in part), the length and
 * context limits, end of generation, cancellation and prefix reuse in the stats.
 */
#include "config.h"

#include "sprig-test-model.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "sprig/se-error.h"
#include "sprig/se-generate.h"

static char *tmpdir;
static char *model_path;

static SeModel *
load_tiny (void)
{
  g_autoptr(GError) error = NULL;
  SeModelParams params = { .backend = "reference" };
  SeModel *model;

  if (model_path == NULL)
    model_path = sprig_test_make_model (tmpdir, "tiny.gguf",
                                        (const char *const[]) { "--shape", "tiny", NULL });
  model = se_model_load (model_path, &params, NULL, NULL, &error);
  g_assert_no_error (error);
  return model;
}

/* Only lowercase ASCII letters and the space: valid text that re-tokenizes to itself. */
static gboolean
letters_only (gpointer user_data,
              float   *logits,
              gsize    n_vocab)
{
  for (gsize i = 0; i < n_vocab; i++)
    if (!(i == ' ' || (i >= 'a' && i <= 'z')))
      logits[i] = -INFINITY;
  return TRUE;
}

static gboolean
eos_only (gpointer user_data,
          float   *logits,
          gsize    n_vocab)
{
  gint32 eos = GPOINTER_TO_INT (user_data);

  for (gsize i = 0; i < n_vocab; i++)
    if ((gint32) i != eos)
      logits[i] = -INFINITY;
  return TRUE;
}

typedef struct
{
  GString *text;
  GArray *ids;
  guint calls;
  GCancellable *cancel_after_3;
} Sink;

static void
sink_token (gint32      token,
            const char *text,
            gsize       len,
            gpointer    user_data)
{
  Sink *sink = user_data;

  g_assert_true (g_utf8_validate (text, (gssize) len, NULL));
  g_string_append_len (sink->text, text, (gssize) len);
  if (token >= 0)
    g_array_append_val (sink->ids, token);
  if (++sink->calls == 3 && sink->cancel_after_3 != NULL)
    g_cancellable_cancel (sink->cancel_after_3);
}

static void
sink_init (Sink *sink)
{
  sink->text = g_string_new (NULL);
  sink->ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  sink->calls = 0;
  sink->cancel_after_3 = NULL;
}

static void
sink_clear (Sink *sink)
{
  g_string_free (sink->text, TRUE);
  g_array_unref (sink->ids);
}

static const gint32 prompt[] = { 'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd' };

/* Letters only, on a fresh session; greedy unless @temperature > 0. */
static gboolean
run_sampled (SeModel                *model,
             float                   temperature,
             float                   frequency_penalty,
             guint                   n_ctx,
             const SeGenerateLimits *limits,
             Sink                   *sink,
             SeGenerateStats        *stats,
             GCancellable           *cancellable,
             GError                **error)
{
  SeSamplingParams p = SE_SAMPLING_PARAMS_INIT;
  g_autoptr(SeSampler) sampler = NULL;
  g_autoptr(SeSession) session = se_session_new (model, n_ctx, error);

  p.temperature = temperature;
  p.frequency_penalty = frequency_penalty;
  p.top_k = 0;
  p.min_p = 0.0f;
  p.seed = 2024;
  sampler = se_sampler_new (&p, se_model_get_graph (model)->n_vocab);
  se_sampler_set_filter (sampler, letters_only, NULL, NULL, NULL);
  return se_generate (session, prompt, G_N_ELEMENTS (prompt), sampler, limits, sink_token,
                      sink, stats, cancellable, error);
}

static gboolean
run (SeModel                *model,
     guint                   n_ctx,
     const SeGenerateLimits *limits,
     Sink                   *sink,
     SeGenerateStats        *stats,
     GCancellable           *cancellable,
     GError                **error)
{
  SeSamplingParams p = SE_SAMPLING_PARAMS_INIT;
  g_autoptr(SeSampler) sampler = NULL;
  g_autoptr(SeSession) session = se_session_new (model, n_ctx, error);

  p.temperature = 0.0f;
  sampler = se_sampler_new (&p, se_model_get_graph (model)->n_vocab);
  se_sampler_set_filter (sampler, letters_only, NULL, NULL, NULL);
  return se_generate (session, prompt, G_N_ELEMENTS (prompt), sampler, limits, sink_token,
                      sink, stats, cancellable, error);
}

static void
test_greedy_repeatable (void)
{
  g_autoptr(SeModel) model = load_tiny ();
  g_autoptr(GError) error = NULL;
  SeGenerateLimits limits = { 40, NULL };
  SeGenerateStats a, b;
  Sink sa, sb;

  sink_init (&sa);
  sink_init (&sb);
  /* greedy, with a penalty so that random weights do not repeat one letter */
  g_assert_true (run_sampled (model, 0.0f, 4.0f, 128, &limits, &sa, &a, NULL, &error));
  g_assert_true (run_sampled (model, 0.0f, 4.0f, 128, &limits, &sb, &b, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (a.stop, ==, SE_STOP_LENGTH);
  g_assert_cmpstr (se_stop_reason_to_string (a.stop), ==, "length");
  g_assert_cmpuint (a.gen_tokens, ==, 40);
  g_assert_cmpuint (a.prompt_tokens, ==, G_N_ELEMENTS (prompt));
  g_assert_cmpuint (a.prompt_evaluated, ==, G_N_ELEMENTS (prompt));
  g_assert_cmpuint (sa.ids->len, ==, 40);
  g_assert_cmpuint (sa.text->len, ==, 40);  /* one letter per token */
  g_assert_cmpstr (sa.text->str, ==, sb.text->str);
  g_assert_cmpmem (sa.ids->data, 40 * 4, sb.ids->data, 40 * 4);
  g_test_message ("greedy: “%s”", sa.text->str);
  sink_clear (&sa);
  sink_clear (&sb);
}

static void
test_stop_string (void)
{
  g_autoptr(SeModel) model = load_tiny ();
  g_autoptr(GError) error = NULL;
  SeGenerateLimits limits = { 30, NULL };
  SeGenerateStats stats;
  g_autofree char *stop = NULL;
  const char *stops[3] = { "never-there", NULL, NULL };
  gsize at;
  Sink full, cut;

  sink_init (&full);
  sink_init (&cut);
  /* seeded sampling: repeatable, and more varied than greedy on random weights */
  g_assert_true (run_sampled (model, 8.0f, 4.0f, 128, &limits, &full, &stats, NULL, &error));
  g_test_message ("sampled: “%s”", full.text->str);
  g_assert_cmpuint (full.text->len, ==, 30);
  /* a 3-letter stop string from the middle, cut where it first appears */
  stop = g_strndup (full.text->str + 12, 3);
  at = (gsize) (strstr (full.text->str, stop) - full.text->str);
  stops[1] = stop;
  limits.stop = stops;
  g_assert_true (run_sampled (model, 8.0f, 4.0f, 128, &limits, &cut, &stats, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.stop, ==, SE_STOP_STRING);
  g_assert_cmpstr (se_stop_reason_to_string (stats.stop), ==, "stop");
  g_assert_cmpuint (at, >, 0);
  g_assert_cmpuint (cut.text->len, ==, at);
  g_assert_true (strncmp (cut.text->str, full.text->str, at) == 0);
  /* the tokens of the stop string were generated, their text never emitted */
  g_assert_cmpuint (stats.gen_tokens, ==, at + 3);
  g_assert_cmpuint (cut.ids->len, ==, at + 3);
  sink_clear (&full);
  sink_clear (&cut);
}

static void
test_context_end (void)
{
  g_autoptr(SeModel) model = load_tiny ();
  g_autoptr(GError) error = NULL;
  SeGenerateLimits limits = { 0, NULL };
  SeGenerateStats stats;
  Sink sink;

  sink_init (&sink);
  /* 11 prompt tokens in a context of 16: the 6th generated token fills it, the 7th is
   * sampled from the last position and ends generation */
  g_assert_true (run (model, 16, &limits, &sink, &stats, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.stop, ==, SE_STOP_CONTEXT);
  g_assert_cmpstr (se_stop_reason_to_string (stats.stop), ==, "context");
  g_assert_cmpuint (stats.gen_tokens, ==, 16 - 11 + 1);

  /* a prompt that cannot fit is an error, not a crash */
  g_assert_false (run (model, 8, &limits, &sink, &stats, NULL, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_INVALID);
  g_clear_error (&error);

  /* ... unless the caller asks for truncation: with max_tokens 3 in a context of 8, the
   * 11-token prompt keeps its last 5 tokens and says it dropped 6 */
  limits.max_tokens = 3;
  limits.truncate_prompt = TRUE;
  g_assert_true (run (model, 8, &limits, &sink, &stats, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.prompt_truncated, ==, 6);
  g_assert_cmpuint (stats.prompt_tokens, ==, 5);
  g_assert_cmpuint (stats.gen_tokens, ==, 3);
  g_assert_cmpuint (stats.stop, ==, SE_STOP_LENGTH);
  sink_clear (&sink);
}

static void
test_eos (void)
{
  g_autoptr(SeModel) model = load_tiny ();
  g_autoptr(GError) error = NULL;
  g_autoptr(SeSession) session = se_session_new (model, 64, &error);
  SeSamplingParams p = SE_SAMPLING_PARAMS_INIT;
  g_autoptr(SeSampler) sampler = se_sampler_new (&p, se_model_get_graph (model)->n_vocab);
  SeTokenizer *tok = se_model_get_tokenizer (model);
  gint32 im_end = se_tokenizer_find_token (tok, "<|im_end|>");
  SeGenerateStats stats;
  Sink sink;

  g_assert_cmpint (im_end, >=, 0);
  g_assert_true (se_tokenizer_is_eog (tok, im_end));
  sink_init (&sink);
  se_sampler_set_filter (sampler, eos_only, NULL, GINT_TO_POINTER (im_end), NULL);
  g_assert_true (se_generate (session, prompt, G_N_ELEMENTS (prompt), sampler, NULL,
                              sink_token, &sink, &stats, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.stop, ==, SE_STOP_EOS);
  g_assert_cmpstr (se_stop_reason_to_string (stats.stop), ==, "eos");
  g_assert_cmpuint (stats.gen_tokens, ==, 0);
  g_assert_cmpuint (sink.calls, ==, 0);
  sink_clear (&sink);
}

static void
test_cancel (void)
{
  g_autoptr(SeModel) model = load_tiny ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) before = g_cancellable_new ();
  g_autoptr(GCancellable) during = g_cancellable_new ();
  SeGenerateLimits limits = { 50, NULL };
  SeGenerateStats stats;
  Sink sink;

  sink_init (&sink);
  g_cancellable_cancel (before);
  g_assert_true (run (model, 64, &limits, &sink, &stats, before, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.stop, ==, SE_STOP_CANCELLED);
  g_assert_cmpstr (se_stop_reason_to_string (stats.stop), ==, "cancelled");
  g_assert_cmpuint (stats.gen_tokens, ==, 0);
  g_assert_cmpuint (stats.prompt_evaluated, ==, 0);
  sink_clear (&sink);

  sink_init (&sink);
  sink.cancel_after_3 = during;
  g_assert_true (run (model, 64, &limits, &sink, &stats, during, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (stats.stop, ==, SE_STOP_CANCELLED);
  g_assert_cmpuint (stats.gen_tokens, ==, 3);
  sink_clear (&sink);
}

static void
test_prefix_reuse (void)
{
  g_autoptr(SeModel) model = load_tiny ();
  g_autoptr(GError) error = NULL;
  g_autoptr(SeSession) session = se_session_new (model, 128, &error);
  SeSamplingParams p = SE_SAMPLING_PARAMS_INIT;
  g_autoptr(SeSampler) sampler = NULL;
  SeGenerateLimits limits = { 8, NULL };
  SeGenerateStats stats;
  g_autoptr(GArray) turn2 = g_array_new (FALSE, FALSE, sizeof (gint32));
  const gint32 more[] = { '\n', 'o', 'k' };
  Sink sink;

  p.temperature = 0.0f;
  sampler = se_sampler_new (&p, se_model_get_graph (model)->n_vocab);
  se_sampler_set_filter (sampler, letters_only, NULL, NULL, NULL);
  sink_init (&sink);
  g_assert_true (se_generate (session, prompt, G_N_ELEMENTS (prompt), sampler, &limits,
                              sink_token, &sink, &stats, NULL, &error));
  g_assert_cmpuint (stats.prompt_evaluated, ==, G_N_ELEMENTS (prompt));
  /* the next prompt: the first turn, its reply, and three new tokens */
  g_array_append_vals (turn2, prompt, G_N_ELEMENTS (prompt));
  g_array_append_vals (turn2, sink.ids->data, sink.ids->len);
  g_array_append_vals (turn2, more, G_N_ELEMENTS (more));
  g_assert_true (se_generate (session, (const gint32 *) turn2->data, turn2->len, sampler,
                              &limits, NULL, NULL, &stats, NULL, &error));
  g_assert_no_error (error);
  /* the new tokens, and the last reply token that was sampled but never decoded */
  g_assert_cmpuint (stats.prompt_tokens, ==, turn2->len);
  g_assert_cmpuint (stats.prompt_evaluated, ==, G_N_ELEMENTS (more) + 1);
  sink_clear (&sink);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("sprig-generate-XXXXXX", NULL);
  g_test_add_func ("/sprig/engine/generate/greedy-repeatable", test_greedy_repeatable);
  g_test_add_func ("/sprig/engine/generate/stop-string", test_stop_string);
  g_test_add_func ("/sprig/engine/generate/context-end", test_context_end);
  g_test_add_func ("/sprig/engine/generate/eos", test_eos);
  g_test_add_func ("/sprig/engine/generate/cancel", test_cancel);
  g_test_add_func ("/sprig/engine/generate/prefix-reuse", test_prefix_reuse);
  ret = g_test_run ();
  if (model_path != NULL)
    g_unlink (model_path);
  g_rmdir (tmpdir);
  g_free (model_path);
  g_free (tmpdir);
  return ret;
}
