/* SPDX-License-Identifier: Apache-2.0
 *
 * Tests of the Vulkan backend plugin on whatever Vulkan device the environment gives
 * (Mesa lavapipe in CI: meson sets VK_ICD_FILENAMES and SPRIG_VULKAN_ALLOW_CPU=1),
 * with the Khronos validation layer on and every validation message counted as a
 * failure. Single ops on random shapes (hand-built graphs read out through an identity
 * LOGITS), whole tiny models of every weight type against the reference backend
 * (logits, argmax, greedy tokens, prefill + decode = one prefill), the probe's
 * refusals, cancellation and bad calls. Without any Vulkan device: a TAP skip (77
 * outside TAP), never a silent pass.
 */
#include "config.h"

#include "sprig-test-model.h"

#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gmodule.h>

#include "sprig/se-backend.h"
#include "sprig/se-error.h"
#include "sprig/se-model.h"
#include "sprig/se-plugin-loader.h"
#include "sprig/se-types.h"

static char *tmpdir;
static SePlugin *plugin;
static const SeBackendIface *vk;
static guint (*validation_messages) (void);

static double
rel_rmse (const float *want,
          const float *got,
          gsize        n)
{
  double num = 0.0, den = 0.0;

  for (gsize i = 0; i < n; i++)
    {
      num += ((double) want[i] - got[i]) * ((double) want[i] - got[i]);
      den += (double) want[i] * want[i];
    }
  return den > 0.0 ? sqrt (num / den) : sqrt (num);
}

static void
assert_no_validation_messages (void)
{
  g_assert_cmpuint (validation_messages (), ==, 0);
}

/* ---- single ops: hand-built graphs ---- */

typedef struct
{
  SeGraph g;
  GPtrArray *blobs;       /* weight data */
} TestGraph;

static void
test_graph_free (TestGraph *t)
{
  g_ptr_array_unref (t->g.names);
  g_array_unref (t->g.tensors);
  g_array_unref (t->g.ops);
  g_ptr_array_unref (t->blobs);
  g_free (t);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestGraph, test_graph_free)

static TestGraph *
test_graph_new (void)
{
  TestGraph *t = g_new0 (TestGraph, 1);

  t->g.names = g_ptr_array_new_with_free_func (g_free);
  t->g.tensors = g_array_new (FALSE, TRUE, sizeof (SeGraphTensor));
  t->g.ops = g_array_new (FALSE, TRUE, sizeof (SeOp));
  t->blobs = g_ptr_array_new_with_free_func (g_free);
  t->g.n_layer = 1;
  t->g.n_kv_width = 2;  /* the reference refuses an empty cache */
  return t;
}

static gint
add_tensor (TestGraph    *t,
            SeGraphTensor tensor)
{
  char *name = g_strdup_printf ("t%u", t->g.tensors->len);

  g_ptr_array_add (t->g.names, name);
  tensor.name = name;
  g_array_append_val (t->g.tensors, tensor);
  if (tensor.kind == SE_GRAPH_TENSOR_ACT)
    t->g.max_act_width = MAX (t->g.max_act_width, (guint) tensor.ne0);
  return (gint) t->g.tensors->len - 1;
}

static gint
add_act (TestGraph *t,
         gint64     width)
{
  return add_tensor (t, (SeGraphTensor) { .kind = SE_GRAPH_TENSOR_ACT, .type = SE_TYPE_F32,
                                          .ne0 = width, .ne1 = 1 });
}

/* A weight of @type from @values ([rows][cols] floats, quantized here). */
static gint
add_weight (TestGraph   *t,
            SeType       type,
            const float *values,
            gint64       rows,
            gint64       cols)
{
  gsize row_size = se_type_row_size (type, cols, NULL);
  guint8 *data = g_malloc (row_size * rows);

  for (gint64 r = 0; r < rows; r++)
    if (type == SE_TYPE_F32)
      memcpy (data + r * row_size, values + r * cols, cols * 4);
    else
      se_quantize_row (type, values + r * cols, data + r * row_size, cols);
  g_ptr_array_add (t->blobs, data);
  return add_tensor (t, (SeGraphTensor) { .kind = SE_GRAPH_TENSOR_WEIGHT, .type = type,
                                          .ne0 = cols, .ne1 = rows, .data = data,
                                          .n_bytes = row_size * rows });
}

static float *
random_floats (GRand *rand,
               gsize  n,
               double scale)
{
  float *x = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    x[i] = (float) g_rand_double_range (rand, -scale, scale);
  return x;
}

static void
emit (TestGraph *t,
      SeOp       op)
{
  g_array_append_val (t->g.ops, op);
}

/* x = EMBED(random [n_vocab][width]); the caller adds ops. */
static gint
start_graph (TestGraph *t,
             GRand     *rand,
             guint      n_vocab,
             gint64     width)
{
  g_autofree float *table = random_floats (rand, (gsize) n_vocab * width, 2.0);
  gint x = add_act (t, width);

  t->g.n_vocab = n_vocab;
  t->g.input_embd = add_weight (t, SE_TYPE_F32, table, n_vocab, width);
  emit (t, (SeOp) { .kind = SE_OP_EMBED, .dst = x, .src = { t->g.input_embd, -1, -1 } });
  return x;
}

/* LOGITS through an identity matrix: the logits are @act itself (n_vocab = width). */
static void
finish_graph (TestGraph *t,
              gint       act)
{
  gint64 w = se_graph_tensor (&t->g, act)->ne0;
  g_autofree float *eye = g_new0 (float, w * w);

  g_assert_cmpint (w, ==, t->g.n_vocab);
  for (gint64 i = 0; i < w; i++)
    eye[i * w + i] = 1.0f;
  emit (t, (SeOp) { .kind = SE_OP_LOGITS, .dst = -1,
                    .src = { act, add_weight (t, SE_TYPE_F32, eye, w, w), -1 } });
}

/* Runs @calls (n_tokens each, consecutive positions) on both backends with a cache of
 * @n_ctx; compares every call's logits (all rows) within @tol rel-RMSE. Returns the
 * worst. */
static double
run_both_ctx (const SeGraph *g,
              const guint   *calls,
              guint          n_calls,
              guint          n_ctx,
              double         tol)
{
  const SeBackendIface *ref = se_backend_reference ();
  SeBackendParams params = { .max_tokens = 80 };
  g_autoptr(GError) error = NULL;
  SeBackendCtx *a, *b;
  SeBackendKv *ka, *kb;
  guint pos = 0;
  double worst = 0.0;

  for (guint c = 0; c < n_calls; c++)
    params.max_tokens = MAX (params.max_tokens, calls[c]);
  a = vk->init (g, &params, &error);
  g_assert_no_error (error);
  b = ref->init (g, &params, &error);
  g_assert_no_error (error);
  ka = vk->kv_new (a, n_ctx, &error);
  g_assert_no_error (error);
  kb = ref->kv_new (b, n_ctx, &error);
  g_assert_no_error (error);
  for (guint c = 0; c < n_calls; c++)
    {
      guint n = calls[c];
      g_autofree gint32 *tokens = g_new (gint32, n);
      g_autofree float *want = g_new (float, (gsize) n * g->n_vocab);
      g_autofree float *got = g_new (float, (gsize) n * g->n_vocab);
      double err;

      for (guint i = 0; i < n; i++)
        tokens[i] = (gint32) ((pos + i) * 7 % g->n_vocab);
      g_assert_true (ref->compute (b, kb, tokens, n, pos, TRUE, want, NULL, &error));
      g_assert_true (vk->compute (a, ka, tokens, n, pos, TRUE, got, NULL, &error));
      g_assert_no_error (error);
      err = rel_rmse (want, got, (gsize) n * g->n_vocab);
      worst = MAX (worst, err);
      g_assert_cmpfloat (err, <=, tol);
      pos += n;
    }
  vk->kv_free (a, ka);
  ref->kv_free (b, kb);
  vk->free (a);
  ref->free (b);
  assert_no_validation_messages ();
  return worst;
}

static double
run_both (const SeGraph *g,
          const guint   *calls,
          guint          n_calls,
          double         tol)
{
  return run_both_ctx (g, calls, n_calls, 160, tol);
}

static const guint op_calls[] = { 13, 1, 9, 1 };
/* more tokens than one matmul.comp tile (64), then decode steps (matvec.comp) */
static const guint long_calls[] = { 70, 1, 2, 3 };

typedef struct
{
  SeType type;
  gint64 rows, cols;
} MatmulCase;

static void
test_op_matmul (void)
{
  static const MatmulCase cases[] = {
    { SE_TYPE_Q1_0, 37, 384 }, { SE_TYPE_Q1_0, 300, 1152 }, { SE_TYPE_Q8_0, 70, 96 },
    { SE_TYPE_TQ1_0, 45, 512 }, { SE_TYPE_TQ2_0, 45, 768 }, { SE_TYPE_F16, 33, 100 },
    { SE_TYPE_BF16, 64, 333 }, { SE_TYPE_F32, 129, 17 }, { SE_TYPE_F32, 5, 2100 },
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const MatmulCase *c = &cases[i];
      g_autoptr(TestGraph) t = test_graph_new ();
      gint x = start_graph (t, rand, (guint) c->rows, c->cols), y = add_act (t, c->rows);
      g_autofree float *w = random_floats (rand, (gsize) c->rows * c->cols, 1.0);
      double err;

      emit (t, (SeOp) { .kind = SE_OP_MATMUL, .dst = y,
                        .src = { x, add_weight (t, c->type, w, c->rows, c->cols), -1 } });
      finish_graph (t, y);
      err = run_both (&t->g, op_calls, G_N_ELEMENTS (op_calls), 1e-5);
      err = MAX (err, run_both (&t->g, long_calls, G_N_ELEMENTS (long_calls), 1e-5));
      g_test_message ("matmul %s [%" G_GINT64_FORMAT "][%" G_GINT64_FORMAT "]: rel-RMSE %.2g",
                      se_type_name (c->type), c->rows, c->cols, err);
    }
}

static void
test_op_rms_norm (void)
{
  static const gint64 shapes[][2] = { { 384, 384 }, { 384, 128 }, { 200, 40 }, { 96, 96 } };
  g_autoptr(GRand) rand = g_rand_new_with_seed (12);

  for (gsize i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      g_autoptr(TestGraph) t = test_graph_new ();
      gint64 width = shapes[i][0], group = shapes[i][1];
      gint x = start_graph (t, rand, (guint) width, width), y = add_act (t, width);
      g_autofree float *gamma = random_floats (rand, group, 1.5);

      emit (t, (SeOp) { .kind = SE_OP_RMS_NORM, .dst = y,
                        .src = { x, add_weight (t, SE_TYPE_F32, gamma, 1, group), -1 },
                        .p.norm = { 1e-5f, group } });
      /* in place too, as qwen3's per-head norms run */
      emit (t, (SeOp) { .kind = SE_OP_RMS_NORM, .dst = y,
                        .src = { y, add_weight (t, SE_TYPE_F32, gamma, 1, group), -1 },
                        .p.norm = { 1e-6f, group } });
      finish_graph (t, y);
      run_both (&t->g, op_calls, G_N_ELEMENTS (op_calls), 1e-5);
    }
}

static void
test_op_rope (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (13);

  for (gint mode = SE_ROPE_NORMAL; mode <= SE_ROPE_NEOX; mode++)
    {
      g_autoptr(TestGraph) t = test_graph_new ();
      guint n_head = 3, hd = 64;
      gint x = start_graph (t, rand, n_head * hd, n_head * hd), y = add_act (t, n_head * hd);

      emit (t, (SeOp) { .kind = SE_OP_ROPE, .dst = y, .src = { x, -1, -1 },
                        .p.rope = { n_head, hd, 1e4f, mode } });
      emit (t, (SeOp) { .kind = SE_OP_ROPE, .dst = y, .src = { y, -1, -1 },
                        .p.rope = { n_head, hd, 1e4f, mode } });
      finish_graph (t, y);
      run_both (&t->g, op_calls, G_N_ELEMENTS (op_calls), 1e-5);
    }
}

/* Short calls, then a prefill of many tokens (one split per token) and calls that fill
 * the cache past 700 keys, then decode steps (the keys split over many workgroups,
 * some of them past a token's last key). */
static const guint attn_calls[] = { 13, 1, 9, 1, 200, 160, 160, 160, 1, 1, 7, 1, 1 };

/* GQA attention over a cache filled by several calls: groups of 1 to 10 query heads
 * (more than one workgroup's 8), head_dim 48 to 256. */
static void
test_op_attention (void)
{
  static const guint shapes[][3] = {
    { 4, 4, 64 }, { 4, 2, 128 }, { 8, 2, 64 }, { 8, 2, 128 }, { 3, 1, 48 }, { 2, 2, 256 },
    { 10, 1, 64 },
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (14);

  for (gsize i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      g_autoptr(TestGraph) t = test_graph_new ();
      guint n_head = shapes[i][0], n_kv = shapes[i][1], hd = shapes[i][2];
      gint64 qw = n_head * hd, kvw = n_kv * hd;
      gint q = start_graph (t, rand, (guint) qw, qw);
      gint k = add_act (t, kvw), v = add_act (t, kvw), out = add_act (t, qw);
      g_autofree float *wk = random_floats (rand, kvw * qw, 0.2);
      g_autofree float *wv = random_floats (rand, kvw * qw, 0.2);

      t->g.n_kv_width = (guint) kvw;
      emit (t, (SeOp) { .kind = SE_OP_MATMUL, .dst = k,
                        .src = { q, add_weight (t, SE_TYPE_F32, wk, kvw, qw), -1 } });
      emit (t, (SeOp) { .kind = SE_OP_MATMUL, .dst = v,
                        .src = { q, add_weight (t, SE_TYPE_F32, wv, kvw, qw), -1 } });
      emit (t, (SeOp) { .kind = SE_OP_ATTENTION, .dst = out, .src = { q, k, v },
                        .p.attn = { 0, n_head, n_kv, hd, (float) (1.0 / sqrt (hd)) } });
      finish_graph (t, out);
      /* K and V come from matmuls that sum in another order than the reference's, so now
       * and then an element's fp16 rounding in the cache moves by one half-precision step
       * (2^-11 = 4.9e-4 relative): measured up to 1.2e-4 rel-RMSE at the output, bounded
       * by that step. A wrong score, mask or combine is off by far more. */
      g_test_message ("attention %u/%u heads, head dim %u: rel-RMSE %.2g (short), %.2g (long)",
                      n_head, n_kv, hd, run_both (&t->g, op_calls, G_N_ELEMENTS (op_calls), 4.9e-4),
                      run_both_ctx (&t->g, attn_calls, G_N_ELEMENTS (attn_calls), 768, 4.9e-4));
    }
}

static void
test_op_elementwise (void)
{
  static const SeOpKind kinds[] = { SE_OP_ADD, SE_OP_SWIGLU, SE_OP_RELU2_GLU };
  g_autoptr(GRand) rand = g_rand_new_with_seed (15);

  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr(TestGraph) t = test_graph_new ();
      gint64 width = 333;
      gint x = start_graph (t, rand, (guint) width, width), y = add_act (t, width);
      g_autofree float *w = random_floats (rand, width * width, 0.2);

      emit (t, (SeOp) { .kind = SE_OP_MATMUL, .dst = y,
                        .src = { x, add_weight (t, SE_TYPE_F32, w, width, width), -1 } });
      emit (t, (SeOp) { .kind = kinds[i], .dst = x, .src = { x, y, -1 } });
      finish_graph (t, x);
      run_both (&t->g, op_calls, G_N_ELEMENTS (op_calls), 1e-5);
    }
}

/* ---- whole models ---- */

static SeModel *
load (const char *path,
      const char *backend)
{
  g_autoptr(GError) error = NULL;
  SeModelParams params = { .backend = backend };
  SeModel *model = se_model_load (path, &params, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (se_model_get_backend_name (model), ==, backend);
  return model;
}

#define PROMPT_LEN 32
#define N_GREEDY 16
#define SPLIT 20

static void
prompt (guint   n_vocab,
        gint32 *out)
{
  for (guint i = 0; i < PROMPT_LEN; i++)
    out[i] = (gint32) ((i * 37 + 11) % n_vocab);
}

static float *
all_logits (SeModel      *m,
            const gint32 *tokens,
            guint         n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SeSession) s = se_session_new (m, 64, &error);
  guint n_vocab = se_model_get_graph (m)->n_vocab;
  float *out = g_new (float, (gsize) n * n_vocab);

  g_assert_no_error (error);
  g_assert_true (se_session_prefill (s, tokens, n, TRUE, NULL, NULL, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    memcpy (out + (gsize) i * n_vocab, se_session_get_logits (s, i), n_vocab * sizeof (float));
  return out;
}

static guint
argmax (const float *x,
        guint        n)
{
  guint best = 0;

  for (guint i = 1; i < n; i++)
    if (x[i] > x[best])
      best = i;
  return best;
}

static void
greedy (SeModel *m,
        gint32  *seq)
{
  static const gint32 start[] = { 3, 1, 4, 1, 5, 9, 2, 6 };
  g_autoptr(GError) error = NULL;
  g_autoptr(SeSession) s = se_session_new (m, 64, &error);
  guint n_vocab = se_model_get_graph (m)->n_vocab;

  memcpy (seq, start, sizeof start);
  g_assert_true (se_session_prefill (s, seq, 8, FALSE, NULL, NULL, &error));
  for (guint i = 0; i < N_GREEDY; i++)
    {
      seq[8 + i] = (gint32) argmax (se_session_get_logits (s, 0), n_vocab);
      g_assert_true (se_session_decode (s, seq[8 + i], NULL, &error));
    }
  g_assert_no_error (error);
}

/* The shaders dequantize exactly and accumulate in float: float rounding only. */
#define MODEL_MAX_REL_RMSE 1e-4

/* The first SPLIT tokens in one prefill, then one decode step per token: every step's
 * logits equal the one-prefill row of the same position (to rounding: a call that
 * needs one logits row computes it with matvec.comp, one that needs all with the tiled
 * matmul.comp, which sum in another order; decode steps use matvec.comp throughout. The
 * differences are float rounding, bounded like the backend-vs-reference error). */
static void
check_decode_equals_prefill (SeModel      *m,
                             const gint32 *tokens,
                             const float  *one_prefill)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SeSession) s = se_session_new (m, 64, &error);
  guint n_vocab = se_model_get_graph (m)->n_vocab;

  g_assert_true (se_session_prefill (s, tokens, SPLIT, FALSE, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (rel_rmse (one_prefill + (gsize) (SPLIT - 1) * n_vocab,
                               se_session_get_logits (s, 0), n_vocab), <=, MODEL_MAX_REL_RMSE);
  for (guint i = SPLIT; i < PROMPT_LEN; i++)
    {
      g_assert_true (se_session_decode (s, tokens[i], NULL, &error));
      g_assert_cmpfloat (rel_rmse (one_prefill + (gsize) i * n_vocab, se_session_get_logits (s, 0),
                                   n_vocab), <=, MODEL_MAX_REL_RMSE);
    }
}

typedef struct
{
  const char *name;
  const char *args[8];
} ModelCase;

static const ModelCase model_cases[] = {
  { "qwen3-q1_0-tied", { NULL } },
  { "qwen3-q1_0-untied", { "--shape", "tiny,tied=0", NULL } },
  { "qwen3-q1_0-odd", { "--shape", "embd=384,ff=640,heads=3,kv-heads=1,head-dim=128,vocab=300",
                        NULL } },
  { "llama-f32", { "--arch", "llama", "--type", "f32", NULL } },
  { "llama-q8_0", { "--arch", "llama", "--type", "q8_0", NULL } },
  { "qwen3-f16", { "--type", "f16", NULL } },
  { "qwen3-bf16", { "--type", "bf16", NULL } },
  { "bitnet-tq1_0", { "--arch", "bitnet", "--type", "tq1_0", NULL } },
  { "bitnet-tq2_0", { "--arch", "bitnet", "--type", "tq2_0", NULL } },
};

static void
test_model (gconstpointer data)
{
  const ModelCase *c = data;
  g_autofree char *file = g_strconcat (c->name, ".gguf", NULL);
  g_autofree char *path = sprig_test_make_model (tmpdir, file, c->args);
  g_autoptr(SeModel) ref = load (path, "reference");
  g_autoptr(SeModel) gpu = load (path, "vulkan");
  guint n_vocab = se_model_get_graph (ref)->n_vocab;
  gint32 tokens[PROMPT_LEN], seq_ref[8 + N_GREEDY], seq_gpu[8 + N_GREEDY];
  g_autofree float *want = NULL, *got = NULL;
  double err;

  prompt (n_vocab, tokens);
  want = all_logits (ref, tokens, PROMPT_LEN);
  got = all_logits (gpu, tokens, PROMPT_LEN);
  err = rel_rmse (want, got, (gsize) PROMPT_LEN * n_vocab);
  g_test_message ("%s: rel-RMSE %.3g (%s)", c->name, err, se_model_get_backend_description (gpu));
  g_assert_cmpfloat (err, <=, MODEL_MAX_REL_RMSE);
  for (guint t = 0; t < PROMPT_LEN; t++)
    g_assert_cmpuint (argmax (got + (gsize) t * n_vocab, n_vocab), ==,
                      argmax (want + (gsize) t * n_vocab, n_vocab));
  greedy (ref, seq_ref);
  greedy (gpu, seq_gpu);
  g_assert_cmpmem (seq_gpu, sizeof seq_gpu, seq_ref, sizeof seq_ref);
  check_decode_equals_prefill (gpu, tokens, got);
  assert_no_validation_messages ();
}

/* ---- the plugin's edges ---- */

static void
set_env (const char *name,
         const char *value)
{
  if (value != NULL)
    g_setenv (name, value, TRUE);
  else
    g_unsetenv (name);
}

/* The device the backend would use, asked without preparing a model: named, typed, and
 * with memory of its own only for a discrete GPU; none when the probe refuses. An older
 * plugin whose table ends before query_device is simply not asked. */
static void
test_query_device (void)
{
  g_autofree char *device = g_strdup (g_getenv ("SPRIG_VULKAN_DEVICE"));
  char description[256] = "x";
  guint64 memory = 1;
  SeBackendIface old = *vk;

  g_assert_true (se_backend_query_device (vk, description, sizeof description, &memory));
  g_test_message ("device: %s, %" G_GUINT64_FORMAT " bytes of its own", description, memory);
  g_assert_nonnull (strstr (description, " ("));
  if (strstr (description, "(CPU)") != NULL || strstr (description, "integrated") != NULL)
    g_assert_cmpuint (memory, ==, 0);
  g_setenv ("SPRIG_VULKAN_DEVICE", "no-such-gpu", TRUE);
  g_assert_false (se_backend_query_device (vk, description, sizeof description, &memory));
  g_assert_cmpstr (description, ==, "");
  g_assert_cmpuint (memory, ==, 0);
  set_env ("SPRIG_VULKAN_DEVICE", device);

  old.base.struct_size = G_STRUCT_OFFSET (SeBackendIface, query_device);
  memory = 1;
  g_assert_false (se_backend_query_device (&old, description, sizeof description, &memory));
  g_assert_cmpuint (memory, ==, 0);
}

/* Without SPRIG_VULKAN_ALLOW_CPU a CPU device is not offered; a device name that
 * matches nothing is refused; both with a reason. */
static void
test_probe (void)
{
  g_autofree char *allow = g_strdup (g_getenv ("SPRIG_VULKAN_ALLOW_CPU"));
  g_autofree char *device = g_strdup (g_getenv ("SPRIG_VULKAN_DEVICE"));
  char reason[256] = "";
  int score = vk->base.probe (reason, sizeof reason);
  gboolean is_cpu;

  g_assert_cmpint (score, >, 0);
  is_cpu = score == 5;
  g_unsetenv ("SPRIG_VULKAN_ALLOW_CPU");
  g_unsetenv ("SPRIG_VULKAN_DEVICE");
  score = vk->base.probe (reason, sizeof reason);
  if (is_cpu)
    {
      g_test_message ("without SPRIG_VULKAN_ALLOW_CPU: %d, %s", score, reason);
      g_assert_cmpint (score, <=, 0);
      g_assert_nonnull (strstr (reason, "SPRIG_VULKAN_ALLOW_CPU"));
    }
  g_setenv ("SPRIG_VULKAN_DEVICE", "no-such-gpu", TRUE);
  reason[0] = '\0';
  g_assert_cmpint (vk->base.probe (reason, sizeof reason), <=, 0);
  g_assert_nonnull (strstr (reason, "SPRIG_VULKAN_DEVICE"));
  set_env ("SPRIG_VULKAN_ALLOW_CPU", allow);
  set_env ("SPRIG_VULKAN_DEVICE", device);
}

/* A missing ICD is a probe refusal with a reason, not a crash. In a child process that
 * has made no Vulkan instance yet (the plugin keeps the process's first one). */
static void
test_no_icd (void)
{
  char reason[256] = "";

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      g_test_trap_assert_stdout ("*no ICD: no Vulkan driver*");
      return;
    }
  g_setenv ("VK_ICD_FILENAMES", "/nonexistent/icd.json", TRUE);
  g_setenv ("VK_DRIVER_FILES", "/nonexistent/icd.json", TRUE);
  g_assert_cmpint (vk->base.probe (reason, sizeof reason), <=, 0);
  printf ("no ICD: %s\n", reason);
  g_assert_cmpstr (reason, !=, "");
}

static void
progress_cb (double   fraction,
             gpointer data)
{
  double *last = data;

  g_assert_cmpfloat (fraction, >=, *last);
  g_assert_cmpfloat (fraction, <=, 1.0);
  *last = fraction;
}

/* Progress reaches 1; a set cancel flag stops compute(); a bad token or a batch past
 * the context is refused like the reference refuses it; then it runs normally. */
static double
init_ms (const SeGraph *g)
{
  SeBackendParams params = { .max_tokens = 8 };
  g_autoptr(GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  SeBackendCtx *ctx = vk->init (g, &params, &error);
  double ms = (g_get_monotonic_time () - t0) / 1000.0;

  g_assert_no_error (error);
  vk->free (ctx);
  return ms;
}

/* The pipeline cache: written at the first model load, read at the next, one file per
 * device in XDG_CACHE_HOME/sprig; SPRIG_VULKAN_PIPELINE_CACHE=0 leaves no file. */
static void
test_pipeline_cache (void)
{
  g_autofree char *path = sprig_test_make_model (tmpdir, "qwen3-q1_0-cache.gguf", NULL);
  g_autoptr(SeModel) ref = load (path, "reference");
  const SeGraph *g = se_model_get_graph (ref);
  g_autofree char *cache_home = g_build_filename (tmpdir, "cache", NULL);
  g_autofree char *dir = g_build_filename (cache_home, "sprig", NULL);
  g_autoptr(GDir) listing = NULL;
  g_autofree char *file = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;
  double cold, warm;

  g_assert_cmpstr (g_get_user_cache_dir (), ==, cache_home);  /* set in main () */
  g_setenv ("SPRIG_VULKAN_PIPELINE_CACHE", "0", TRUE);
  init_ms (g);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_unsetenv ("SPRIG_VULKAN_PIPELINE_CACHE");

  cold = init_ms (g);
  listing = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (listing);
  file = g_build_filename (dir, g_dir_read_name (listing), NULL);
  g_assert_true (g_str_has_prefix (strrchr (file, '/') + 1, "vulkan-pipelines-"));
  g_assert_true (g_file_get_contents (file, &data, &len, NULL));
  /* at least the header (16 bytes + the UUID); lavapipe keeps no binaries in it, GPU
   * drivers do */
  g_assert_cmpuint (len, >=, 32);
  warm = init_ms (g);
  g_test_message ("backend init: %.1f ms without the pipeline cache file, %.1f ms with it "
                  "(%" G_GSIZE_FORMAT " bytes)", cold, warm, len);
  /* a damaged file is ignored by the driver, never a failure */
  g_assert_true (g_file_set_contents (file, "not a pipeline cache", -1, NULL));
  init_ms (g);
}

static void
test_direct (void)
{
  g_autofree char *path = sprig_test_make_model (tmpdir, "qwen3-q1_0-tied.gguf", NULL);
  g_autoptr(SeModel) ref = load (path, "reference");
  const SeGraph *g = se_model_get_graph (ref);
  SeBackendParams params = { .max_tokens = 8, .progress = progress_cb };
  g_autoptr(GError) error = NULL;
  g_autofree float *a = g_new (float, 4 * g->n_vocab);
  const gint32 tokens[] = { 5, 6, 7, 8 };
  gint cancel = 1;
  double last = 0.0;
  SeBackendCtx *ctx;
  SeBackendKv *kv;

  params.progress_data = &last;
  ctx = vk->init (g, &params, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (last, ==, 1.0);
  g_assert_true (g_str_has_prefix (vk->describe (ctx), "vulkan "));
  if (strstr (vk->describe (ctx), "validation on") == NULL)
    g_test_fail_printf ("validation layer not active (install vulkan-validationlayers): %s",
                        vk->describe (ctx));
  kv = vk->kv_new (ctx, 16, &error);
  g_assert_no_error (error);
  g_assert_false (vk->compute (ctx, kv, tokens, 4, 0, TRUE, a, &cancel, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (vk->compute (ctx, kv, (const gint32[]) { 1 << 20 }, 1, 0, FALSE, a, NULL,
                               &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (vk->compute (ctx, kv, tokens, 4, 14, FALSE, a, NULL, &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_INVALID);
  g_clear_error (&error);
  cancel = 0;
  g_assert_true (vk->compute (ctx, kv, tokens, 4, 0, TRUE, a, &cancel, &error));
  g_assert_no_error (error);
  g_assert_true (isfinite (a[0]));
  vk->kv_free (ctx, kv);
  vk->free (ctx);
  assert_no_validation_messages ();
}

/* The Vulkan loader opens and closes the driver and layer libraries with every
 * instance; a library closed before exit leaves LeakSanitizer stacks it cannot name,
 * so tests/vulkan-lsan.supp could not suppress Mesa's own leaks. Pinning them (when
 * present) keeps their frames nameable. */
static void
pin_vulkan_libraries (void)
{
  static const char *const libs[] = { "libvulkan_lvp.so", "libVkLayer_khronos_validation.so" };

  for (gsize i = 0; i < G_N_ELEMENTS (libs); i++)
    dlopen (libs[i], RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
}

static gboolean
open_plugin (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("SPRIG_TEST_VULKAN_PLUGIN_DIR"),
                                            "sprig-vulkan." G_MODULE_SUFFIX, NULL);
  g_autoptr(GError) error = NULL;
  GModule *module;

  plugin = se_plugin_open (path, SE_PLUGIN_KIND_BACKEND, sizeof (SeBackendIface), &error);
  g_assert_no_error (error);
  vk = (const SeBackendIface *) se_plugin_get_header (plugin);
  g_assert_cmpstr (vk->base.name, ==, "vulkan");
  module = g_module_open (path, G_MODULE_BIND_LOCAL);
  g_assert_nonnull (module);
  g_assert_true (g_module_symbol (module, "sprig_vulkan_validation_messages",
                                  (gpointer *) &validation_messages));
  return TRUE;
}

int
main (int argc, char **argv)
{
  char reason[256] = "";
  gboolean tap = FALSE;
  int ret;

  for (int i = 1; i < argc; i++)
    tap |= g_str_equal (argv[i], "--tap");
  g_test_init (&argc, &argv, NULL);
  g_setenv ("SPRIG_PLUGIN_PATH", g_getenv ("SPRIG_TEST_VULKAN_PLUGIN_DIR"), TRUE);
  g_setenv ("SPRIG_VULKAN_VALIDATION", "1", TRUE);
  pin_vulkan_libraries ();
  open_plugin ();
  /* (test_no_icd's child probes with no driver itself) */
  if (!g_test_subprocess () && vk->base.probe (reason, sizeof reason) <= 0)
    {
      /* meson's TAP parser reads a plan of 0 with SKIP as a skip (and a non-zero exit
       * as an error); run by hand it is the usual skip status, 77 */
      fprintf (stderr, "skipped: no Vulkan device (%s)\n", reason);
      if (!tap)
        return 77;
      printf ("1..0 # SKIP skipped: no Vulkan device (%s)\n", reason);
      return 0;
    }
  tmpdir = g_dir_make_tmp ("sprig-vulkan-XXXXXX", NULL);
  {
    /* before GLib reads it: the pipeline cache test owns this folder */
    g_autofree char *cache = g_build_filename (tmpdir, "cache", NULL);

    g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  }
  g_test_add_func ("/sprig/plugins/vulkan/probe", test_probe);
  g_test_add_func ("/sprig/plugins/vulkan/query-device", test_query_device);
  g_test_add_func ("/sprig/plugins/vulkan/pipeline-cache", test_pipeline_cache);
  g_test_add_func ("/sprig/plugins/vulkan/no-icd", test_no_icd);
  g_test_add_func ("/sprig/plugins/vulkan/direct", test_direct);
  g_test_add_func ("/sprig/plugins/vulkan/op/matmul", test_op_matmul);
  g_test_add_func ("/sprig/plugins/vulkan/op/rms-norm", test_op_rms_norm);
  g_test_add_func ("/sprig/plugins/vulkan/op/rope", test_op_rope);
  g_test_add_func ("/sprig/plugins/vulkan/op/attention", test_op_attention);
  g_test_add_func ("/sprig/plugins/vulkan/op/elementwise", test_op_elementwise);
  for (gsize i = 0; i < G_N_ELEMENTS (model_cases); i++)
    {
      g_autofree char *name = g_strconcat ("/sprig/plugins/vulkan/model/", model_cases[i].name,
                                           NULL);

      g_test_add_data_func (name, &model_cases[i], test_model);
    }
  ret = g_test_run ();
  g_assert_cmpuint (validation_messages (), ==, 0);
  {
    g_autoptr(GDir) dir = g_dir_open (tmpdir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *p = g_build_filename (tmpdir, name, NULL);
        g_unlink (p);
      }
  }
  g_rmdir (tmpdir);
  g_free (tmpdir);
  se_plugin_free (plugin);
  return ret;
}
