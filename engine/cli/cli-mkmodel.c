/* SPDX-License-Identifier: Apache-2.0
 *
 * `sprig-cli mkmodel`: writes a model of any shape with seeded random weights. Every
 * test model of the project comes from here, at tiny shapes, made at test time; big
 * shapes (Bonsai 8B) serve the benchmarks. The tensor list comes from se-arch.c, the
 * bytes from the engine's quantizers and GGUF writer, so nothing here knows a format.
 * With --weights-from the weights are trained ones (tools/train/), written only if the
 * chosen type holds them exactly.
 */
#include "config.h"

#include <stdio.h>
#include <math.h>
#include <stdlib.h>

#include "sprig/se-arch.h"
#include "sprig/se-error.h"
#include "sprig/se-gguf.h"
#include "sprig/se-types.h"
#include "cli-vocab.h"
#include "cli-weights.h"
#include "sprig-cli.h"

typedef struct
{
  const char *name;
  SeHParams hp;
} ShapePreset;

/* n_vocab 0 means "from the vocabulary". Published shapes: see shared REFERENCES. */
static const ShapePreset presets[] = {
  { "tiny", { .n_layer = 2, .n_embd = 256, .n_head = 4, .n_head_kv = 2, .head_dim = 64,
              .n_ff = 512, .n_ctx_train = 512, .rope_freq_base = 1e6f, .norm_eps = 1e-6f,
              .tied_output = TRUE } },
  { "bonsai-1.7b", { .n_layer = 28, .n_embd = 2048, .n_head = 16, .n_head_kv = 8,
                     .head_dim = 128, .n_ff = 6144, .n_vocab = 151936, .n_ctx_train = 32768,
                     .rope_freq_base = 1e6f, .norm_eps = 1e-6f, .tied_output = TRUE } },
  { "bonsai-4b", { .n_layer = 36, .n_embd = 2560, .n_head = 32, .n_head_kv = 8,
                   .head_dim = 128, .n_ff = 9728, .n_vocab = 151936, .n_ctx_train = 32768,
                   .rope_freq_base = 1e6f, .norm_eps = 1e-6f, .tied_output = TRUE } },
  { "bonsai-8b", { .n_layer = 36, .n_embd = 4096, .n_head = 32, .n_head_kv = 8,
                   .head_dim = 128, .n_ff = 12288, .n_vocab = 151936, .n_ctx_train = 32768,
                   .rope_freq_base = 1e6f, .norm_eps = 1e-6f, .tied_output = FALSE } },
  { "bitnet-2b", { .n_layer = 30, .n_embd = 2560, .n_head = 20, .n_head_kv = 5,
                   .head_dim = 128, .n_ff = 6912, .n_vocab = 128256, .n_ctx_train = 4096,
                   .rope_freq_base = 5e5f, .norm_eps = 1e-5f, .tied_output = TRUE } },
};

static gboolean
parse_u32 (const char *key,
           const char *value,
           guint32    *out,
           GError    **error)
{
  guint64 v;

  if (!g_ascii_string_to_unsigned (value, 10, 1, G_MAXINT32, &v, NULL))
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID, "--shape: %s=%s is not a positive integer",
                   key, value);
      return FALSE;
    }
  *out = (guint32) v;
  return TRUE;
}

static gboolean
parse_float (const char *key,
             const char *value,
             float      *out,
             GError    **error)
{
  char *end = NULL;
  double v = g_ascii_strtod (value, &end);

  if (end == value || *end != '\0' || !(v > 0.0))
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID, "--shape: %s=%s is not a positive number",
                   key, value);
      return FALSE;
    }
  *out = (float) v;
  return TRUE;
}

static gboolean
apply_shape_item (SeHParams  *hp,
                  const char *key,
                  const char *value,
                  GError    **error)
{
  static const struct { const char *key; gsize offset; } u32_keys[] = {
    { "layers", G_STRUCT_OFFSET (SeHParams, n_layer) },
    { "embd", G_STRUCT_OFFSET (SeHParams, n_embd) },
    { "heads", G_STRUCT_OFFSET (SeHParams, n_head) },
    { "kv-heads", G_STRUCT_OFFSET (SeHParams, n_head_kv) },
    { "head-dim", G_STRUCT_OFFSET (SeHParams, head_dim) },
    { "ff", G_STRUCT_OFFSET (SeHParams, n_ff) },
    { "vocab", G_STRUCT_OFFSET (SeHParams, n_vocab) },
    { "ctx", G_STRUCT_OFFSET (SeHParams, n_ctx_train) },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (u32_keys); i++)
    if (g_str_equal (key, u32_keys[i].key))
      return parse_u32 (key, value, G_STRUCT_MEMBER_P (hp, u32_keys[i].offset), error);
  if (g_str_equal (key, "rope-base"))
    return parse_float (key, value, &hp->rope_freq_base, error);
  if (g_str_equal (key, "eps"))
    return parse_float (key, value, &hp->norm_eps, error);
  if (g_str_equal (key, "tied"))
    {
      hp->tied_output = g_str_equal (value, "1") || g_str_equal (value, "true");
      return TRUE;
    }
  g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
               "--shape: unknown key “%s” (layers, embd, heads, kv-heads, head-dim, ff, vocab, "
               "ctx, rope-base, eps, tied)", key);
  return FALSE;
}

/* SPEC is "PRESET[,key=value...]" or "key=value,..." on top of "tiny". */
static gboolean
parse_shape (const char *spec,
             SeHParams  *hp,
             GError    **error)
{
  g_auto(GStrv) items = g_strsplit (spec ? spec : "tiny", ",", -1);
  guint first = 0;

  *hp = presets[0].hp;
  for (gsize i = 0; items[0] != NULL && i < G_N_ELEMENTS (presets); i++)
    if (g_str_equal (items[0], presets[i].name))
      {
        *hp = presets[i].hp;
        first = 1;
      }
  for (guint i = first; items[i] != NULL; i++)
    {
      char *eq = strchr (items[i], '=');

      if (eq == NULL)
        {
          g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                       "--shape: “%s” is neither a preset (tiny, bonsai-1.7b, bonsai-4b, "
                       "bonsai-8b, bitnet-2b) nor key=value", items[i]);
          return FALSE;
        }
      *eq = '\0';
      if (!apply_shape_item (hp, items[i], eq + 1, error))
        return FALSE;
    }
  return TRUE;
}

/* xoshiro256** seeded by splitmix64: fast enough to fill an 8B-shaped model. */
typedef struct { guint64 s[4]; } Rng;

static guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += 0x9e3779b97f4a7c15ull);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static void
rng_init (Rng *r, guint64 seed)
{
  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix64 (&seed);
}

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

static inline guint64
rng_next (Rng *r)
{
  guint64 result = rotl (r->s[1] * 5, 7) * 9, t = r->s[1] << 17;

  r->s[2] ^= r->s[0];
  r->s[3] ^= r->s[1];
  r->s[1] ^= r->s[2];
  r->s[0] ^= r->s[3];
  r->s[2] ^= t;
  r->s[3] = rotl (r->s[3], 45);
  return result;
}

/* Uniform in [-a, a). */
static inline float
rng_uniform (Rng *r, float a)
{
  return a * (float) ((double) (rng_next (r) >> 11) * 0x1.0p-52 - 1.0);
}

static SeType
type_for_role (SeTensorRole role,
               SeType       weight_type)
{
  if (role == SE_TENSOR_ROLE_NORM)
    return SE_TYPE_F32;
  /* llama.cpp keeps BitNet's embedding in F16: ternary types need 256-wide rows and
   * the embedding is looked up, not multiplied. */
  if (role == SE_TENSOR_ROLE_EMBEDDING
      && (weight_type == SE_TYPE_TQ1_0 || weight_type == SE_TYPE_TQ2_0))
    return SE_TYPE_F16;
  return weight_type;
}

/* Linear weights ~ U(-a, a) with a = sqrt(3 / fan_in) (unit output variance); norms
 * near 1 so that the models are not degenerate. */
static gboolean
add_random_tensor (SeGgufWriter       *w,
                   const SeTensorSpec *s,
                   SeType              type,
                   Rng                *rng,
                   GError            **error)
{
  gsize row_bytes = se_type_row_size (type, s->ne[0], error);
  g_autofree float *row = NULL;
  g_autofree guint8 *data = NULL;
  float a = s->role == SE_TENSOR_ROLE_EMBEDDING ? 1.0f : sqrtf (3.0f / (float) s->ne[0]);

  if (row_bytes == 0)
    {
      g_prefix_error (error, "tensor “%s”: ", s->name);
      return FALSE;
    }
  row = g_new (float, s->ne[0]);
  data = g_malloc (row_bytes * s->ne[1]);
  for (gint64 r = 0; r < s->ne[1]; r++)
    {
      for (gint64 i = 0; i < s->ne[0]; i++)
        row[i] = s->role == SE_TENSOR_ROLE_NORM ? 1.0f + rng_uniform (rng, 0.2f)
                                                : rng_uniform (rng, a);
      se_quantize_row (type, row, data + r * row_bytes, s->ne[0]);
    }
  return se_gguf_writer_add_tensor (w, s->name, type, s->n_dims, s->ne, data,
                                    row_bytes * s->ne[1], error);
}

/* Quantizes trained weights and refuses any that the type would change: the file must
 * compute exactly what was trained. */
static gboolean
add_trained_tensor (SeGgufWriter       *w,
                    const SeTensorSpec *s,
                    SeType              type,
                    CliWeights         *weights,
                    GError            **error)
{
  gsize row_bytes = se_type_row_size (type, s->ne[0], error);
  g_autofree float *src = NULL, *back = NULL;
  g_autofree guint8 *data = NULL;

  if (row_bytes == 0)
    {
      g_prefix_error (error, "tensor “%s”: ", s->name);
      return FALSE;
    }
  src = cli_weights_get (weights, s->name, s->ne[0], s->n_dims == 2 ? s->ne[1] : 0, error);
  if (src == NULL)
    return FALSE;
  data = g_malloc (row_bytes * s->ne[1]);
  back = g_new (float, s->ne[0]);
  for (gint64 r = 0; r < s->ne[1]; r++)
    {
      const float *row = src + r * s->ne[0];

      se_quantize_row (type, row, data + r * row_bytes, s->ne[0]);
      se_dequantize_row (type, data + r * row_bytes, back, s->ne[0]);
      if (memcmp (row, back, s->ne[0] * sizeof (float)) != 0)
        {
          g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                       "tensor “%s” row %" G_GINT64_FORMAT " is not exactly representable as %s",
                       s->name, r, se_type_name (type));
          return FALSE;
        }
    }
  return se_gguf_writer_add_tensor (w, s->name, type, s->n_dims, s->ne, data,
                                    row_bytes * s->ne[1], error);
}

static gboolean
write_model (const char      *out,
             SeHParams       *hp,
             SeType           weight_type,
             const SeHfVocab *vocab,
             const char      *chat_template,
             guint64          seed,
             const char      *name,
             CliWeights      *weights,
             GError         **error)
{
  g_autoptr(SeGgufWriter) w = se_gguf_writer_new ();
  g_autoptr(GArray) specs = NULL;
  Rng rng;

  if (!se_hparams_validate (hp, error))
    return FALSE;
  se_hparams_to_gguf (hp, w);
  se_gguf_writer_set_string (w, "general.name", name);
  se_gguf_writer_set_string (w, "general.type", "model");
  se_gguf_writer_set_u32 (w, "general.file_type", weight_type);
  cli_vocab_to_gguf (vocab, chat_template, w);

  rng_init (&rng, seed);
  specs = se_arch_tensor_specs (hp);
  if (weights != NULL && cli_weights_get_count (weights) != specs->len)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "--weights-from holds %u tensors, the shape needs %u",
                   cli_weights_get_count (weights), specs->len);
      return FALSE;
    }
  for (guint i = 0; i < specs->len; i++)
    {
      const SeTensorSpec *s = &g_array_index (specs, SeTensorSpec, i);
      SeType type = type_for_role (s->role, weight_type);

      if (weights != NULL ? !add_trained_tensor (w, s, type, weights, error)
                          : !add_random_tensor (w, s, type, &rng, error))
        return FALSE;
    }
  return se_gguf_writer_write_file (w, out, error);
}

/* The vocabulary decides n_vocab unless the shape asks for more rows (padding, as
 * Qwen3 GGUFs pad 151669 tokens to 151936). */
static gboolean
load_vocab (const char *tokenizer_json,
            SeHParams  *hp,
            SeHfVocab  *vocab,
            char      **chat_template,
            GError    **error)
{
  if (tokenizer_json == NULL)
    cli_vocab_builtin (vocab, hp->arch);
  else if (!se_hf_vocab_load (tokenizer_json, 0, vocab, error))
    return FALSE;
  if (hp->n_vocab < vocab->tokens->len)
    hp->n_vocab = vocab->tokens->len;
  se_hf_vocab_pad (vocab, hp->n_vocab);
  if (tokenizer_json != NULL)
    {
      g_autoptr(GError) local = NULL;

      *chat_template = cli_vocab_read_chat_template (tokenizer_json, &local);
      if (local != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
    }
  return TRUE;
}

int
sprig_cli_mkmodel (int argc,
                   char **argv)
{
  g_autofree char *arch = NULL, *shape = NULL, *vocab_from = NULL, *type = NULL, *name = NULL;
  g_autofree char *weights_from = NULL;
  g_autoptr(CliWeights) weights = NULL;
  gint64 seed = 1;
  GOptionEntry entries[] = {
    { "arch", 0, 0, G_OPTION_ARG_STRING, &arch, "qwen3 (default), llama or bitnet", "ARCH" },
    { "shape", 0, 0, G_OPTION_ARG_STRING, &shape,
      "PRESET[,key=value…]: tiny (default), bonsai-1.7b, bonsai-4b, bonsai-8b, bitnet-2b; "
      "keys layers, embd, heads, kv-heads, head-dim, ff, vocab, ctx, rope-base, eps, tied", "SPEC" },
    { "vocab-from", 0, 0, G_OPTION_ARG_FILENAME, &vocab_from,
      "Take the vocabulary from a Hugging Face tokenizer.json", "FILE" },
    { "type", 0, 0, G_OPTION_ARG_STRING, &type,
      "Weight type: q1_0 (default), tq1_0, tq2_0, q8_0, f16, bf16, f32", "TYPE" },
    { "weights-from", 0, 0, G_OPTION_ARG_FILENAME, &weights_from,
      "Take the weights from a float32 safetensors file (llama.cpp tensor names) instead of "
      "random ones; each must be exactly representable in its type", "FILE" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed (default 1)", "S" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name, "general.name", "NAME" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("OUT.gguf - write a model with random weights");
  g_autoptr(GError) error = NULL;
  g_auto(SeHfVocab) vocab = { 0 };
  g_autofree char *chat_template = NULL;
  SeType weight_type = SE_TYPE_Q1_0;
  SeHParams hp;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return sprig_cli_fail ("mkmodel", "%s", error->message);
  if (argc != 2)
    return sprig_cli_fail ("mkmodel", "expected exactly one output file");
  if (type != NULL && !se_type_from_name (type, &weight_type))
    return sprig_cli_fail ("mkmodel", "unknown weight type “%s”", type);
  if (!parse_shape (shape, &hp, &error)
      || !se_arch_from_name (arch ? arch : "qwen3", &hp.arch, &error)
      || !se_type_check (weight_type, &error)
      || !load_vocab (vocab_from, &hp, &vocab, &chat_template, &error))
    return sprig_cli_fail ("mkmodel", "%s", error->message);
  if (weights_from != NULL && (weights = cli_weights_open (weights_from, &error)) == NULL)
    return sprig_cli_fail ("mkmodel", "%s", error->message);
  if (!write_model (argv[1], &hp, weight_type, &vocab, chat_template, (guint64) seed,
                    name ? name : "sprig random model", weights, &error))
    return sprig_cli_fail ("mkmodel", "%s", error->message);
  return 0;
}
