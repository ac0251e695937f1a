/* SPDX-License-Identifier: Apache-2.0
 *
 * `sprig-cli perplexity MODEL FILE`: the model's perplexity on a text file, the number
 * a training framework reports, so that the two can be compared. The file is tokenized
 * with special tokens parsed (no BOS added), cut into consecutive chunks of --chunk
 * tokens (a shorter tail is dropped), and every chunk is evaluated from an empty cache;
 * every token but a chunk's first is scored. Perplexity = exp(mean negative log-likelihood).
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>

#include "sprig/se-error.h"
#include "sprig/se-model.h"
#include "sprig-cli.h"

/* -log softmax(@logits)[@target], in double. */
static double
token_nll (const float *logits,
           gsize        n_vocab,
           gint32       target)
{
  double max = logits[0], sum = 0.0;

  for (gsize i = 1; i < n_vocab; i++)
    max = MAX (max, logits[i]);
  for (gsize i = 0; i < n_vocab; i++)
    sum += exp ((double) logits[i] - max);
  return log (sum) + max - (double) logits[target];
}

/* Adds the NLL of tokens 1..n-1 of one chunk, evaluated in a fresh session. */
static gboolean
score_chunk (SeModel      *model,
             const gint32 *tokens,
             guint         n,
             double       *nll,
             GError      **error)
{
  g_autoptr(SeSession) session = se_session_new (model, n, error);
  gsize n_vocab = se_model_get_hparams (model)->n_vocab;
  guint n_eval = 0;

  if (session == NULL
      || !se_session_prefill (session, tokens, n, TRUE, &n_eval, NULL, error))
    return FALSE;
  g_assert (n_eval == n);
  for (guint i = 0; i + 1 < n; i++)
    *nll += token_nll (se_session_get_logits (session, i), n_vocab, tokens[i + 1]);
  return TRUE;
}

static void
print_json (gsize n_tokens, guint chunks, guint chunk, guint64 scored, double nll)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *out = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "tokens");
  json_builder_add_int_value (b, (gint64) n_tokens);
  json_builder_set_member_name (b, "chunk");
  json_builder_add_int_value (b, chunk);
  json_builder_set_member_name (b, "chunks");
  json_builder_add_int_value (b, chunks);
  json_builder_set_member_name (b, "scored");
  json_builder_add_int_value (b, (gint64) scored);
  json_builder_set_member_name (b, "nll");
  json_builder_add_double_value (b, nll);
  json_builder_set_member_name (b, "perplexity");
  json_builder_add_double_value (b, exp (nll));
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  out = json_generator_to_data (gen, NULL);
  printf ("%s\n", out);
}

int
sprig_cli_perplexity (int argc,
                      char **argv)
{
  g_autofree char *backend = NULL, *text = NULL;
  gint threads = 0, chunk = 512, max_chunks = 0;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "chunk", 0, 0, G_OPTION_ARG_INT, &chunk, "Tokens per chunk (default 512)", "N" },
    { "chunks", 0, 0, G_OPTION_ARG_INT, &max_chunks, "Score at most N chunks (0: all)", "N" },
    { "backend", 0, 0, G_OPTION_ARG_STRING, &backend, "reference, cpu, vulkan", "NAME" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Backend threads", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("MODEL FILE - perplexity on a text file");
  g_autoptr(GError) error = NULL;
  g_autoptr(SeModel) model = NULL;
  g_autofree gint32 *ids = NULL;
  SeModelParams params = { 0 };
  gsize len = 0, n_ids = 0;
  guint n_chunks;
  double nll = 0.0;
  guint64 scored;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return sprig_cli_fail ("perplexity", "%s", error->message);
  if (argc != 3 || chunk < 2 || max_chunks < 0 || threads < 0)
    return sprig_cli_fail ("perplexity", "expected a model file and a text file "
                           "(--chunk at least 2)");
  params.backend = backend;
  params.n_threads = (guint) threads;
  if (!g_file_get_contents (argv[2], &text, &len, &error)
      || (model = se_model_load (argv[1], &params, NULL, NULL, &error)) == NULL
      || (ids = se_tokenizer_encode (se_model_get_tokenizer (model), text, (gssize) len,
                                     SE_TOKENIZE_PARSE_SPECIAL, &n_ids, &error)) == NULL)
    return sprig_cli_fail ("perplexity", "%s", error->message);
  n_chunks = (guint) (n_ids / (gsize) chunk);
  if (max_chunks > 0)
    n_chunks = MIN (n_chunks, (guint) max_chunks);
  if (n_chunks == 0)
    return sprig_cli_fail ("perplexity", "%s has %" G_GSIZE_FORMAT " tokens, fewer than one "
                           "chunk of %d", argv[2], n_ids, chunk);
  for (guint c = 0; c < n_chunks; c++)
    if (!score_chunk (model, ids + (gsize) c * chunk, (guint) chunk, &nll, &error))
      return sprig_cli_fail ("perplexity", "%s", error->message);
  scored = (guint64) n_chunks * (guint64) (chunk - 1);
  nll /= (double) scored;
  if (json)
    print_json (n_ids, n_chunks, (guint) chunk, scored, nll);
  else
    printf ("perplexity %.4f (mean NLL %.6f) over %" G_GUINT64_FORMAT " tokens in %u chunks "
            "of %d\n", exp (nll), nll, scored, n_chunks, chunk);
  return 0;
}
