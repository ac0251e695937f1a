/* SPDX-License-Identifier: Apache-2.0
 *
 * `sprig-cli bench MODEL [--pp N] [--tg N]`: prompt processing and token generation
 * speed, measured like llama-bench on the synchronous core: a prefill of N random tokens
 * in a fresh session, then N single-token decodes in another, after one warm-up.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <stdio.h>

#include "sprig/se-error.h"
#include "sprig/se-model.h"
#include "sprig-cli.h"

typedef struct
{
  double pp_tok_s;
  double tg_tok_s;
} BenchResult;

static void
random_tokens (gint32 *out,
               guint   n,
               gsize   n_vocab)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);

  for (guint i = 0; i < n; i++)
    out[i] = (gint32) g_rand_int_range (rand, 0, (gint32) MIN (n_vocab, 256));
}

static gboolean
bench_pp (SeModel      *model,
          const gint32 *tokens,
          guint         n,
          double       *tok_s,
          GError      **error)
{
  g_autoptr(SeSession) s = se_session_new (model, n, error);
  gint64 t0;

  if (s == NULL)
    return FALSE;
  if (se_session_get_n_ctx (s) < n)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "--pp %u is more than the model's context of %u", n, se_session_get_n_ctx (s));
      return FALSE;
    }
  t0 = g_get_monotonic_time ();
  if (!se_session_prefill (s, tokens, n, FALSE, NULL, NULL, error))
    return FALSE;
  *tok_s = n * 1e6 / MAX (g_get_monotonic_time () - t0, 1);
  return TRUE;
}

/* @n tokens one by one after @depth tokens of context (prefilled, not timed): the
 * attention's share grows with the context, as in a long chat. */
static gboolean
bench_tg (SeModel      *model,
          const gint32 *tokens,
          guint         n,
          guint         depth,
          double       *tok_s,
          GError      **error)
{
  g_autoptr(SeSession) s = se_session_new (model, depth + n, error);
  gint64 t0;

  if (s == NULL)
    return FALSE;
  if (se_session_get_n_ctx (s) < depth + n)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "--depth %u + --tg %u is more than the model's context of %u", depth, n,
                   se_session_get_n_ctx (s));
      return FALSE;
    }
  if (depth > 0 && !se_session_prefill (s, tokens, depth, FALSE, NULL, NULL, error))
    return FALSE;
  t0 = g_get_monotonic_time ();
  if (depth == 0 && !se_session_prefill (s, tokens, 1, FALSE, NULL, NULL, error))
    return FALSE;
  for (guint i = depth == 0 ? 1 : 0; i < n; i++)
    if (!se_session_decode (s, tokens[depth + i], NULL, error))
      return FALSE;
  *tok_s = n * 1e6 / MAX (g_get_monotonic_time () - t0, 1);
  return TRUE;
}

static gboolean
run_bench (SeModel     *model,
           guint        pp,
           guint        tg,
           guint        depth,
           BenchResult *r,
           GError     **error)
{
  guint n = MAX (MAX (pp, tg + depth), 8);
  g_autofree gint32 *tokens = g_new (gint32, n);
  double warm;

  random_tokens (tokens, n, se_model_get_graph (model)->n_vocab);
  if (!bench_pp (model, tokens, 8, &warm, error))
    return FALSE;
  return (pp == 0 || bench_pp (model, tokens, pp, &r->pp_tok_s, error))
         && (tg == 0 || bench_tg (model, tokens, tg, depth, &r->tg_tok_s, error));
}

static void
print_json (SeModel           *model,
            guint              pp,
            guint              tg,
            guint              depth,
            gint               threads,
            const BenchResult *r)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *out = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "pp");
  json_builder_add_int_value (b, pp);
  json_builder_set_member_name (b, "pp_tok_s");
  json_builder_add_double_value (b, r->pp_tok_s);
  json_builder_set_member_name (b, "tg");
  json_builder_add_int_value (b, tg);
  json_builder_set_member_name (b, "depth");
  json_builder_add_int_value (b, depth);
  json_builder_set_member_name (b, "tg_tok_s");
  json_builder_add_double_value (b, r->tg_tok_s);
  json_builder_set_member_name (b, "backend");
  json_builder_add_string_value (b, se_model_get_backend_name (model));
  json_builder_set_member_name (b, "threads");
  json_builder_add_int_value (b, threads);
  json_builder_set_member_name (b, "model_bytes");
  json_builder_add_int_value (b, (gint64) se_model_get_weight_bytes (model));
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  out = json_generator_to_data (gen, NULL);
  printf ("%s\n", out);
}

int
sprig_cli_bench (int argc,
                 char **argv)
{
  g_autofree char *backend = NULL;
  gint pp = 512, tg = 128, depth = 0, threads = 0;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "pp", 0, 0, G_OPTION_ARG_INT, &pp, "Prompt tokens to process (0: skip)", "N" },
    { "tg", 0, 0, G_OPTION_ARG_INT, &tg, "Tokens to generate (0: skip)", "N" },
    { "depth", 0, 0, G_OPTION_ARG_INT, &depth, "Tokens of context before the generated ones",
      "N" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Backend threads (0: its default)", "N" },
    { "backend", 0, 0, G_OPTION_ARG_STRING, &backend, "reference, cpu, vulkan", "NAME" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("MODEL - measure prompt and generation speed");
  g_autoptr(GError) error = NULL;
  g_autoptr(SeModel) model = NULL;
  SeModelParams params = { 0 };
  BenchResult r = { 0 };

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return sprig_cli_fail ("bench", "%s", error->message);
  if (argc != 2 || pp < 0 || tg < 0 || depth < 0 || threads < 0 || pp + tg == 0)
    return sprig_cli_fail ("bench", "expected a model file, --pp and --tg >= 0, not both 0");
  params.backend = backend;
  params.n_threads = (guint) threads;
  if ((model = se_model_load (argv[1], &params, NULL, NULL, &error)) == NULL
      || !run_bench (model, (guint) pp, (guint) tg, (guint) depth, &r, &error))
    return sprig_cli_fail ("bench", "%s", error->message);
  if (json)
    print_json (model, (guint) pp, (guint) tg, (guint) depth, threads, &r);
  else
    {
      g_autofree char *tg_label = depth > 0 ? g_strdup_printf ("tg%d@d%d", tg, depth)
                                            : g_strdup_printf ("tg%d", tg);

      printf ("model:   %s (%.1f MiB of weights)\nbackend: %s\npp%-5d  %10.1f tok/s\n"
              "%-7s  %10.1f tok/s\n",
              se_model_get_path (model), se_model_get_weight_bytes (model) / 1048576.0,
              se_model_get_backend_description (model), pp, r.pp_tok_s, tg_label, r.tg_tok_s);
    }
  return 0;
}
