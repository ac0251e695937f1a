/* SPDX-License-Identifier: Apache-2.0
 *
 * Entry point and ABI v1 function table of the CPU backend plugin: init picks the
 * kernels (CPU features, SPRIG_CPU_ISA), starts the thread pool and re-packs the Q1_0
 * weights; compute walks the graph's ops with the same checks and cancellation points
 * as the reference backend. The probe scores higher the more SIMD the CPU has.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <gio/gio.h>

#include "sprig/se-error.h"
#include "se-cpu-private.h"

SE_PLUGIN_EXPORT const SePluginHeader *sprig_plugin_entry (void);

static char description[160];

static void
cpu_free (SeBackendCtx *ctx)
{
  se_cpu_pool_free (ctx->pool);
  _se_cpu_weights_free (ctx);
  for (guint i = 0; ctx->acts != NULL && i < ctx->graph->tensors->len; i++)
    g_free (ctx->acts[i]);
  g_free (ctx->acts);
  for (guint i = 0; i < ctx->n_threads; i++)
    {
      g_free (ctx->rows ? ctx->rows[i] : NULL);
      g_free (ctx->scores ? ctx->scores[i] : NULL);
    }
  g_free (ctx->rows);
  g_free (ctx->scores);
  for (guint i = 0; i < SE_CPU_ACT_BATCH; i++)
    {
      if (ctx->act[i].tables != NULL)
        se_q1_act_clear (&ctx->act[i]);
      if (ctx->tq_act[i].q != NULL)
        se_tq_act_clear (&ctx->tq_act[i]);
    }
  g_free (ctx->rope_cs);
  g_free (ctx);
}

static void
alloc_buffers (SeBackendCtx *ctx)
{
  const SeGraph *g = ctx->graph;
  gint64 max_row = 1, max_q1 = 0, max_tq = 0;

  ctx->acts = g_new0 (float *, g->tensors->len);
  for (guint i = 0; i < g->tensors->len; i++)
    {
      const SeGraphTensor *t = se_graph_tensor (g, (gint) i);

      /* untouched pages cost no memory: a decode only ever writes row 0 */
      if (t->kind == SE_GRAPH_TENSOR_ACT)
        ctx->acts[i] = g_new (float, (gsize) t->ne0 * ctx->max_tokens);
      else
        max_row = MAX (max_row, t->ne0);
      if (t->kind == SE_GRAPH_TENSOR_WEIGHT && t->type == SE_TYPE_Q1_0)
        max_q1 = MAX (max_q1, t->ne0);
      if (t->kind == SE_GRAPH_TENSOR_WEIGHT && t->type == SE_TYPE_TQ2_0)
        max_tq = MAX (max_tq, t->ne0);
    }
  ctx->max_group = 1;
  for (guint i = 0; i < ctx->graph->ops->len; i++)
    {
      const SeOp *op = &g_array_index (ctx->graph->ops, SeOp, i);

      if (op->kind == SE_OP_ATTENTION && op->p.attn.n_head_kv > 0)
        ctx->max_group = MAX (ctx->max_group, op->p.attn.n_head / op->p.attn.n_head_kv);
    }
  ctx->rows = g_new0 (float *, ctx->n_threads);
  ctx->scores = g_new0 (float *, ctx->n_threads);
  for (guint i = 0; i < ctx->n_threads; i++)
    ctx->rows[i] = g_new (float, max_row);
  for (guint i = 0; i < SE_CPU_ACT_BATCH; i++)
    {
      if (max_q1 > 0)
        se_q1_act_init (&ctx->act[i], max_q1);
      if (max_tq > 0)
        se_tq_act_init (&ctx->tq_act[i], max_tq);
    }
}

static SeBackendCtx *
cpu_init (const SeGraph         *graph,
          const SeBackendParams *params,
          GError               **error)
{
  SeBackendCtx *ctx;
  const SeCpuKernels *k;

  if (!_se_cpu_kernels_select (g_getenv ("SPRIG_CPU_ISA"), se_cpu_features_detect (), &k, error))
    return NULL;
  ctx = g_new0 (SeBackendCtx, 1);
  ctx->graph = graph;
  ctx->k = k;
  ctx->max_tokens = MAX (params->max_tokens, 1);
  ctx->n_threads = params->n_threads > 0 ? params->n_threads : g_get_num_processors ();
  ctx->pool = se_cpu_pool_new (ctx->n_threads, error);
  if (ctx->pool == NULL)
    {
      ctx->n_threads = 0;
      cpu_free (ctx);
      return NULL;
    }
  alloc_buffers (ctx);
  if (!_se_cpu_pack_weights (ctx, params, error))
    {
      cpu_free (ctx);
      return NULL;
    }
  g_snprintf (ctx->description, sizeof ctx->description, "cpu %s, %u thread%s", k->name,
              ctx->n_threads, ctx->n_threads == 1 ? "" : "s");
  return ctx;
}

static SeBackendKv *
cpu_kv_new (SeBackendCtx *ctx,
            guint         n_ctx,
            GError      **error)
{
  SeBackendKv *kv = g_new0 (SeBackendKv, 1);

  kv->n_ctx = n_ctx;
  if (!se_backend_host_kv_alloc (ctx->graph, n_ctx, &kv->k, &kv->v, error))
    g_clear_pointer (&kv, g_free);
  return kv;
}

static void
cpu_kv_free (SeBackendCtx *ctx,
             SeBackendKv  *kv)
{
  g_free (kv->k);
  g_free (kv->v);
  g_free (kv);
}

static void
run_op (SeBackendCtx *ctx,
        const SeOp   *op,
        SeBackendKv  *kv,
        const gint32 *tokens,
        guint         n,
        guint         pos0,
        gboolean      all_logits,
        float        *logits)
{
  const SeGraph *g = ctx->graph;
  float *dst = op->dst >= 0 ? ctx->acts[op->dst] : NULL;
  float *s0 = op->src[0] >= 0 ? ctx->acts[op->src[0]] : NULL;
  float *s1 = op->src[1] >= 0 ? ctx->acts[op->src[1]] : NULL;
  gint64 width = op->dst >= 0 ? se_graph_tensor (g, op->dst)->ne0 : 0;
  gint64 s0_width = op->src[0] >= 0 ? se_graph_tensor (g, op->src[0])->ne0 : 0;

  switch (op->kind)
    {
    case SE_OP_EMBED:
      _se_cpu_op_embed (ctx, op->src[0], tokens, dst, n);
      break;
    case SE_OP_RMS_NORM:
      _se_cpu_op_rms_norm (ctx, op, s0, dst, width, n);
      break;
    case SE_OP_MATMUL:
      _se_cpu_matmul (ctx, op->src[1], s0, s0_width, dst, width, n);
      break;
    case SE_OP_ROPE:
      if (dst != s0)
        memcpy (dst, s0, sizeof (float) * width * n);
      _se_cpu_op_rope (ctx, op, dst, width, n, pos0);
      break;
    case SE_OP_ATTENTION:
      _se_cpu_op_attention (ctx, op, kv, (const float *const[3]) { s0, s1, ctx->acts[op->src[2]] },
                            dst, n, pos0);
      break;
    case SE_OP_SWIGLU:
    case SE_OP_RELU2_GLU:
    case SE_OP_ADD:
      _se_cpu_op_elementwise (ctx, op->kind, s0, s1, dst, (gsize) width * n);
      break;
    case SE_OP_LOGITS:
      if (all_logits)
        _se_cpu_matmul (ctx, op->src[1], s0, s0_width, logits, g->n_vocab, n);
      else
        _se_cpu_matmul (ctx, op->src[1], s0 + (n - 1) * s0_width, s0_width, logits, g->n_vocab, 1);
      break;
    }
  /* the prepared activation tables are stale once their rows are overwritten */
  if (dst != NULL && ctx->act_src >= dst
      && ctx->act_src < dst + (gsize) width * ctx->max_tokens)
    ctx->act_src = NULL;
}

static gboolean
cpu_compute (SeBackendCtx *ctx,
             SeBackendKv  *kv,
             const gint32 *tokens,
             guint         n_tokens,
             guint         pos0,
             gboolean      all_logits,
             float        *logits,
             const gint   *cancel,
             GError      **error)
{
  const SeGraph *g = ctx->graph;

  if (!se_backend_check_call (ctx->graph, ctx->max_tokens, kv->n_ctx, tokens, n_tokens, pos0,
                              error))
    return FALSE;
  if (ctx->n_scores < pos0 + n_tokens)
    {
      ctx->n_scores = kv->n_ctx;
      for (guint i = 0; i < ctx->n_threads; i++)
        ctx->scores[i] = g_renew (float, ctx->scores[i], (ctx->n_scores + 1) * ctx->max_group);
    }
  ctx->act_src = NULL;
  for (guint i = 0, n = 1; i < g->ops->len; i += n)
    {
      if (cancel != NULL && g_atomic_int_get (cancel))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
          return FALSE;
        }
      n = _se_cpu_matmul_fusable (ctx, i);
      if (n >= 2)
        {
          const SeOp *ops[SE_CPU_MAX_FUSED];

          for (guint k = 0; k < n; k++)
            ops[k] = se_graph_op (g, i + k);
          _se_cpu_matmul_fused (ctx, ops, n, n_tokens);
        }
      else
        {
          n = 1;
          run_op (ctx, se_graph_op (g, i), kv, tokens, n_tokens, pos0, all_logits, logits);
        }
    }
  return TRUE;
}

static const char *
cpu_describe (SeBackendCtx *ctx)
{
  return ctx->description;
}

static int
cpu_probe (char *reason,
           gsize reason_size)
{
  SeCpuFeatures f = se_cpu_features_detect ();

  if (f & (SE_CPU_HAS_AVX512BW | SE_CPU_HAS_DOTPROD))
    return 30;
  if (f & SE_CPU_HAS_AVX2)
    return 20;
  return 10;
}

static const SeBackendIface cpu_iface = {
  .base = {
    .abi_version = SE_PLUGIN_ABI_VERSION,
    .struct_size = sizeof (SeBackendIface),
    .kind = SE_PLUGIN_KIND_BACKEND,
    .name = "cpu",
    .description = description,
    .probe = cpu_probe,
  },
  .init = cpu_init,
  .free = cpu_free,
  .kv_new = cpu_kv_new,
  .kv_free = cpu_kv_free,
  .compute = cpu_compute,
  .describe = cpu_describe,
};

const SePluginHeader *
sprig_plugin_entry (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      g_autofree char *features = se_cpu_features_to_string (se_cpu_features_detect ());

      snprintf (description, sizeof description, "CPU backend (features: %s)", features);
      g_once_init_leave (&once, 1);
    }
  return &cpu_iface.base;
}
