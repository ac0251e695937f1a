/* SPDX-License-Identifier: Apache-2.0
 *
 * The scalar reference backend: every op in plain C, one thread, weights dequantized
 * row by row with the reference dequantizers, dot products accumulated in double. It
 * is the oracle every faster backend is compared with and the fallback when no plugin
 * can run, so it favours being obviously right over being fast.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gio/gio.h>

#include "sprig/se-backend.h"
#include "sprig/se-error.h"
#include "sprig/se-types.h"

struct _SeBackendCtx
{
  const SeGraph *graph;
  guint max_tokens;
  float **acts;          /* per tensor index: [max_tokens][ne0] for activations, else NULL */
  float *row;            /* one dequantized weight row */
  double *scores;        /* attention scores, grown with the cache */
  gsize n_scores;
  char description[64];
};

struct _SeBackendKv
{
  guint n_ctx;
  guint16 *k;            /* [n_layer][n_ctx][n_kv_width] fp16 */
  guint16 *v;
};

static SeBackendCtx *
ref_init (const SeGraph         *graph,
          const SeBackendParams *params,
          GError               **error)
{
  SeBackendCtx *ctx = g_new0 (SeBackendCtx, 1);
  gint64 max_row = 0;

  ctx->graph = graph;
  ctx->max_tokens = MAX (params->max_tokens, 1);
  ctx->acts = g_new0 (float *, graph->tensors->len);
  for (guint i = 0; i < graph->tensors->len; i++)
    {
      const SeGraphTensor *t = se_graph_tensor (graph, (gint) i);

      if (t->kind == SE_GRAPH_TENSOR_ACT)
        ctx->acts[i] = g_new0 (float, (gsize) t->ne0 * ctx->max_tokens);
      else
        max_row = MAX (max_row, t->ne0);
    }
  ctx->row = g_new (float, max_row);
  g_snprintf (ctx->description, sizeof ctx->description, "scalar reference, 1 thread");
  if (params->progress != NULL)
    params->progress (1.0, params->progress_data);
  return ctx;
}

static void
ref_free (SeBackendCtx *ctx)
{
  for (guint i = 0; i < ctx->graph->tensors->len; i++)
    g_free (ctx->acts[i]);
  g_free (ctx->acts);
  g_free (ctx->row);
  g_free (ctx->scores);
  g_free (ctx);
}

gboolean
se_backend_host_kv_alloc (const SeGraph *graph,
                          guint          n_ctx,
                          guint16      **k,
                          guint16      **v,
                          GError       **error)
{
  gsize n = (gsize) graph->n_layer * n_ctx * graph->n_kv_width;

  *k = g_try_new0 (guint16, n);
  *v = g_try_new0 (guint16, n);
  if (*k == NULL || *v == NULL)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_FAILED,
                   "Not enough memory for a KV cache of %u tokens (%zu MiB)", n_ctx,
                   n * 4 / 1048576);
      g_clear_pointer (k, g_free);
      g_clear_pointer (v, g_free);
      return FALSE;
    }
  return TRUE;
}

gboolean
se_backend_query_device (const SeBackendIface *iface,
                         char                 *description,
                         gsize                 description_size,
                         guint64              *device_memory)
{
  gsize needed = G_STRUCT_OFFSET (SeBackendIface, query_device) + sizeof iface->query_device;

  g_return_val_if_fail (iface != NULL, FALSE);

  if (device_memory != NULL)
    *device_memory = 0;
  if (description != NULL && description_size > 0)
    description[0] = '\0';
  if (iface->base.struct_size < needed || iface->query_device == NULL)
    return FALSE;
  return iface->query_device (description, description_size, device_memory);
}

gboolean
se_backend_check_call (const SeGraph *graph,
                       guint          max_tokens,
                       guint          n_ctx,
                       const gint32  *tokens,
                       guint          n_tokens,
                       guint          pos0,
                       GError       **error)
{
  if (n_tokens == 0 || n_tokens > max_tokens || pos0 + n_tokens > n_ctx)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "cannot evaluate %u tokens at position %u (batch limit %u, context %u)",
                   n_tokens, pos0, max_tokens, n_ctx);
      return FALSE;
    }
  for (guint t = 0; t < n_tokens; t++)
    if (tokens[t] < 0 || (guint) tokens[t] >= graph->n_vocab)
      {
        g_set_error (error, SE_ERROR, SE_ERROR_INVALID, "token id %d is outside the vocabulary",
                     tokens[t]);
        return FALSE;
      }
  return TRUE;
}

static SeBackendKv *
ref_kv_new (SeBackendCtx *ctx,
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
ref_kv_free (SeBackendCtx *ctx,
             SeBackendKv  *kv)
{
  g_free (kv->k);
  g_free (kv->v);
  g_free (kv);
}

static const void *
weight_row (const SeGraphTensor *w,
            gint64               r)
{
  return (const guint8 *) w->data + (gsize) r * (w->n_bytes / (gsize) w->ne1);
}

/* dst[t][r] = W[r] . src[t] for t < n_tokens, rows r of W. */
static void
op_matmul (SeBackendCtx        *ctx,
           const SeGraphTensor *w,
           const float         *src,
           gint64               src_stride,
           float               *dst,
           gint64               dst_stride,
           guint                n_tokens)
{
  for (gint64 r = 0; r < w->ne1; r++)
    {
      se_dequantize_row (w->type, weight_row (w, r), ctx->row, w->ne0);
      for (guint t = 0; t < n_tokens; t++)
        {
          const float *x = src + t * src_stride;
          double acc = 0.0;

          for (gint64 i = 0; i < w->ne0; i++)
            acc += (double) ctx->row[i] * x[i];
          dst[t * dst_stride + r] = (float) acc;
        }
    }
}

static void
op_rms_norm (const SeOp          *op,
             const SeGraphTensor *w,
             const float         *src,
             float               *dst,
             gint64               width,
             guint                n_tokens)
{
  gint64 group = op->p.norm.group;

  for (guint t = 0; t < n_tokens; t++)
    for (gint64 g0 = 0; g0 < width; g0 += group)
      {
        const float *x = src + t * width + g0;
        float *y = dst + t * width + g0;
        const float *gamma = w->data;
        double ss = 0.0, scale;

        for (gint64 i = 0; i < group; i++)
          ss += (double) x[i] * x[i];
        scale = 1.0 / sqrt (ss / (double) group + op->p.norm.eps);
        for (gint64 i = 0; i < group; i++)
          y[i] = (float) (x[i] * scale * gamma[i]);
      }
}

static void
op_rope (const SeOp *op,
         float      *x,
         gint64      width,
         guint       n_tokens,
         guint       pos0)
{
  guint hd = op->p.rope.head_dim, half = hd / 2;

  for (guint t = 0; t < n_tokens; t++)
    for (guint h = 0; h < op->p.rope.n_head; h++)
      {
        float *head = x + t * width + (gsize) h * hd;

        for (guint i = 0; i < half; i++)
          {
            double theta = (double) (pos0 + t)
                           * pow ((double) op->p.rope.freq_base, -2.0 * i / (double) hd);
            double c = cos (theta), s = sin (theta);
            guint a = op->p.rope.mode == SE_ROPE_NEOX ? i : 2 * i;
            guint b = op->p.rope.mode == SE_ROPE_NEOX ? i + half : 2 * i + 1;
            double x0 = head[a], x1 = head[b];

            head[a] = (float) (x0 * c - x1 * s);
            head[b] = (float) (x0 * s + x1 * c);
          }
      }
}

static void
store_kv (const SeOp  *op,
          SeBackendKv *kv,
          guint        kv_width,
          const float *k,
          const float *v,
          guint        n_tokens,
          guint        pos0)
{
  gsize layer_off = (gsize) op->p.attn.layer * kv->n_ctx * kv_width;

  for (guint t = 0; t < n_tokens; t++)
    for (guint i = 0; i < kv_width; i++)
      {
        gsize at = layer_off + (gsize) (pos0 + t) * kv_width + i;

        kv->k[at] = se_fp32_to_fp16 (k[t * kv_width + i]);
        kv->v[at] = se_fp32_to_fp16 (v[t * kv_width + i]);
      }
}

static void
op_attention (SeBackendCtx *ctx,
              const SeOp   *op,
              SeBackendKv  *kv,
              const float  *q,
              float        *out,
              guint         n_tokens,
              guint         pos0)
{
  guint hd = op->p.attn.head_dim, kv_width = ctx->graph->n_kv_width;
  guint group = op->p.attn.n_head / op->p.attn.n_head_kv;
  gsize q_width = (gsize) op->p.attn.n_head * hd;
  gsize layer_off = (gsize) op->p.attn.layer * kv->n_ctx * kv_width;

  for (guint t = 0; t < n_tokens; t++)
    for (guint h = 0; h < op->p.attn.n_head; h++)
      {
        const float *qh = q + t * q_width + (gsize) h * hd;
        gsize kv_off = layer_off + (gsize) (h / group) * hd;
        guint n_keys = pos0 + t + 1;
        double max = -INFINITY, sum = 0.0;

        for (guint j = 0; j < n_keys; j++)
          {
            const guint16 *kj = kv->k + kv_off + (gsize) j * kv_width;
            double dot = 0.0;

            for (guint i = 0; i < hd; i++)
              dot += (double) qh[i] * se_fp16_to_fp32 (kj[i]);
            ctx->scores[j] = dot * op->p.attn.scale;
            max = MAX (max, ctx->scores[j]);
          }
        for (guint j = 0; j < n_keys; j++)
          sum += ctx->scores[j] = exp (ctx->scores[j] - max);
        for (guint i = 0; i < hd; i++)
          {
            double acc = 0.0;

            for (guint j = 0; j < n_keys; j++)
              acc += ctx->scores[j] * se_fp16_to_fp32 (kv->v[kv_off + (gsize) j * kv_width + i]);
            out[t * q_width + (gsize) h * hd + i] = (float) (acc / sum);
          }
      }
}

static void
op_elementwise (SeOpKind     kind,
                const float *a,
                const float *b,
                float       *dst,
                gsize        n)
{
  for (gsize i = 0; i < n; i++)
    {
      double x = a[i], y = b[i];

      switch (kind)
        {
        case SE_OP_ADD: dst[i] = (float) (x + y); break;
        case SE_OP_SWIGLU: dst[i] = (float) (x / (1.0 + exp (-x)) * y); break;
        case SE_OP_RELU2_GLU: dst[i] = (float) (x > 0 ? x * x * y : 0.0); break;
        default: g_assert_not_reached ();
        }
    }
}

static void
op_embed (const SeGraphTensor *w,
          const gint32        *tokens,
          float               *dst,
          guint                n_tokens)
{
  for (guint t = 0; t < n_tokens; t++)
    se_dequantize_row (w->type, weight_row (w, tokens[t]), dst + t * w->ne0, w->ne0);
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
  const SeGraphTensor *w1 = op->src[1] >= 0 ? se_graph_tensor (g, op->src[1]) : NULL;
  gint64 width = op->dst >= 0 ? se_graph_tensor (g, op->dst)->ne0 : 0;
  gint64 s0_width = op->src[0] >= 0 ? se_graph_tensor (g, op->src[0])->ne0 : 0;

  switch (op->kind)
    {
    case SE_OP_EMBED:
      op_embed (se_graph_tensor (g, op->src[0]), tokens, dst, n);
      break;
    case SE_OP_RMS_NORM:
      op_rms_norm (op, w1, s0, dst, width, n);
      break;
    case SE_OP_MATMUL:
      op_matmul (ctx, w1, s0, s0_width, dst, width, n);
      break;
    case SE_OP_ROPE:
      if (dst != s0)
        memcpy (dst, s0, sizeof (float) * width * n);
      op_rope (op, dst, width, n, pos0);
      break;
    case SE_OP_ATTENTION:
      store_kv (op, kv, g->n_kv_width, s1, ctx->acts[op->src[2]], n, pos0);
      op_attention (ctx, op, kv, s0, dst, n, pos0);
      break;
    case SE_OP_SWIGLU:
    case SE_OP_RELU2_GLU:
    case SE_OP_ADD:
      op_elementwise (op->kind, s0, s1, dst, (gsize) width * n);
      break;
    case SE_OP_LOGITS:
      if (all_logits)
        op_matmul (ctx, w1, s0, s0_width, logits, w1->ne1, n);
      else
        op_matmul (ctx, w1, s0 + (n - 1) * s0_width, s0_width, logits, w1->ne1, 1);
      break;
    }
}

static gboolean
ref_compute (SeBackendCtx *ctx,
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

  if (!se_backend_check_call (g, ctx->max_tokens, kv->n_ctx, tokens, n_tokens, pos0, error))
    return FALSE;
  if (ctx->n_scores < pos0 + n_tokens)
    {
      ctx->n_scores = kv->n_ctx;
      ctx->scores = g_renew (double, ctx->scores, ctx->n_scores);
    }
  for (guint i = 0; i < g->ops->len; i++)
    {
      if (cancel != NULL && g_atomic_int_get (cancel))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
          return FALSE;
        }
      run_op (ctx, se_graph_op (g, i), kv, tokens, n_tokens, pos0, all_logits, logits);
    }
  return TRUE;
}

static const char *
ref_describe (SeBackendCtx *ctx)
{
  return ctx->description;
}

static int
ref_probe (char *reason,
           gsize reason_size)
{
  return 1; /* runs everywhere, but anything else is faster */
}

static const SeBackendIface reference_iface = {
  .base = {
    .abi_version = SE_PLUGIN_ABI_VERSION,
    .struct_size = sizeof (SeBackendIface),
    .kind = SE_PLUGIN_KIND_BACKEND,
    .name = "reference",
    .description = "Scalar reference backend (built in)",
    .probe = ref_probe,
  },
  .init = ref_init,
  .free = ref_free,
  .kv_new = ref_kv_new,
  .kv_free = ref_kv_free,
  .compute = ref_compute,
  .describe = ref_describe,
};

const SeBackendIface *
se_backend_reference (void)
{
  return &reference_iface;
}
