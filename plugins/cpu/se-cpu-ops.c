/* SPDX-License-Identifier: Apache-2.0
 *
 * The CPU backend's ops other than matrix products: embedding lookup (from the packed
 * copy when the mapping's pages were dropped), grouped RMSNorm, RoPE from a per-call
 * table of angles, attention over the fp16 KV cache split by heads and tokens, and the
 * element-wise ops. Norm, RoPE and element-wise ops do the reference's arithmetic;
 * all of them give the same bits on every ISA and thread count.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "sprig/se-types.h"
#include "se-cpu-private.h"

/* Below this many floats an op runs on the calling thread: waking the pool costs more. */
#define SMALL_OP 16384
/* SwiGLU's expf costs about as much as this many additions: a decode's 6144-wide
 * SwiGLU is split between threads (measured: ~30 us per layer on one thread). */
#define EXP_COST 8

typedef struct
{
  SeBackendCtx *ctx;
  const SeOp *op;
  gint w_index;
  const gint32 *tokens;
  const float *a;
  const float *b;
  float *dst;
  gint64 width;
  gsize n;
  guint n_tokens;
  guint pos0;
  SeBackendKv *kv;
} OpJob;

static guint
n_items_for (SeBackendCtx *ctx,
             gsize         n_floats,
             guint         n_rows)
{
  return n_floats < SMALL_OP ? 1 : MIN (n_rows, 4 * ctx->n_threads);
}

/* Item @item of @n_items covers rows [*r0, *r1) of @n_rows. */
static void
item_range (guint  item,
            guint  n_items,
            guint  n_rows,
            guint *r0,
            guint *r1)
{
  *r0 = (guint) ((guint64) n_rows * item / n_items);
  *r1 = (guint) ((guint64) n_rows * (item + 1) / n_items);
}

static void
embed_item (gpointer data,
            guint    item,
            guint    ith)
{
  OpJob *job = data;
  const SeGraphTensor *w = se_graph_tensor (job->ctx->graph, job->w_index);
  SeCpuWeight *cw = job->ctx->weights[job->w_index];
  gint64 r = job->tokens[item];
  float *y = job->dst + item * w->ne0;

  if (cw != NULL && r < cw->packed.n_rows)
    se_q1_unpack_row (&cw->packed, r, y);
  else
    se_dequantize_row (w->type,
                       (const guint8 *) w->data + (gsize) r * (w->n_bytes / (gsize) w->ne1),
                       y, w->ne0);
}

void
_se_cpu_op_embed (SeBackendCtx *ctx,
                  gint          w_index,
                  const gint32 *tokens,
                  float        *dst,
                  guint         n_tokens)
{
  OpJob job = { .ctx = ctx, .w_index = w_index, .tokens = tokens, .dst = dst };

  se_cpu_pool_parallel (ctx->pool, n_tokens, embed_item, &job);
}

static void
rms_norm_item (gpointer data,
               guint    item,
               guint    ith)
{
  OpJob *job = data;
  gint64 group = job->op->p.norm.group;
  const float *gamma = job->ctx->norms != NULL && job->ctx->norms[job->op->src[1]] != NULL
                       ? job->ctx->norms[job->op->src[1]]
                       : se_graph_tensor (job->ctx->graph, job->op->src[1])->data;
  guint t0, t1;

  item_range (item, n_items_for (job->ctx, job->n, job->n_tokens), job->n_tokens, &t0, &t1);
  for (gsize at = (gsize) t0 * job->width; at < (gsize) t1 * job->width; at += group)
    {
      const float *x = job->a + at;
      float *y = job->dst + at;
      double ss = 0.0, scale;

      for (gint64 i = 0; i < group; i++)
        ss += (double) x[i] * x[i];
      scale = 1.0 / sqrt (ss / (double) group + job->op->p.norm.eps);
      for (gint64 i = 0; i < group; i++)
        y[i] = (float) (x[i] * scale * gamma[i]);
    }
}

void
_se_cpu_op_rms_norm (SeBackendCtx *ctx,
                     const SeOp   *op,
                     const float  *src,
                     float        *dst,
                     gint64        width,
                     guint         n_tokens)
{
  OpJob job = { .ctx = ctx, .op = op, .a = src, .dst = dst, .width = width,
                .n = (gsize) width * n_tokens, .n_tokens = n_tokens };

  se_cpu_pool_parallel (ctx->pool, n_items_for (ctx, job.n, n_tokens), rms_norm_item, &job);
}

/* cos and sin of (pos0 + t) * base^(-2i / dim), computed as the reference does, once
 * per call for all layers. */
static void
rope_table (SeBackendCtx *ctx,
            const SeOp   *op,
            guint         n_tokens,
            guint         pos0)
{
  guint hd = op->p.rope.head_dim, half = hd / 2;

  if (ctx->rope_cs != NULL && ctx->rope_pos0 == pos0 && ctx->rope_n == n_tokens
      && ctx->rope_dim == hd && ctx->rope_base == op->p.rope.freq_base)
    return;
  ctx->rope_cs = g_renew (double, ctx->rope_cs, (gsize) n_tokens * half * 2);
  for (guint i = 0; i < half; i++)
    {
      double freq = pow ((double) op->p.rope.freq_base, -2.0 * i / (double) hd);

      for (guint t = 0; t < n_tokens; t++)
        {
          double theta = (double) (pos0 + t) * freq;

          ctx->rope_cs[((gsize) t * half + i) * 2] = cos (theta);
          ctx->rope_cs[((gsize) t * half + i) * 2 + 1] = sin (theta);
        }
    }
  ctx->rope_pos0 = pos0;
  ctx->rope_n = n_tokens;
  ctx->rope_dim = hd;
  ctx->rope_base = op->p.rope.freq_base;
}

static void
rope_item (gpointer data,
           guint    item,
           guint    ith)
{
  OpJob *job = data;
  const SeOp *op = job->op;
  guint hd = op->p.rope.head_dim, half = hd / 2;
  gboolean neox = op->p.rope.mode == SE_ROPE_NEOX;
  guint t0, t1;

  item_range (item, n_items_for (job->ctx, job->n, job->n_tokens), job->n_tokens, &t0, &t1);
  for (guint t = t0; t < t1; t++)
    for (guint h = 0; h < op->p.rope.n_head; h++)
      {
        float *head = job->dst + t * job->width + (gsize) h * hd;
        const double *cs = job->ctx->rope_cs + (gsize) t * half * 2;

        for (guint i = 0; i < half; i++)
          {
            guint a = neox ? i : 2 * i, b = neox ? i + half : 2 * i + 1;
            double x0 = head[a], x1 = head[b];

            head[a] = (float) (x0 * cs[2 * i] - x1 * cs[2 * i + 1]);
            head[b] = (float) (x0 * cs[2 * i + 1] + x1 * cs[2 * i]);
          }
      }
}

void
_se_cpu_op_rope (SeBackendCtx *ctx,
                 const SeOp   *op,
                 float        *x,
                 gint64        width,
                 guint         n_tokens,
                 guint         pos0)
{
  OpJob job = { .ctx = ctx, .op = op, .dst = x, .width = width,
                .n = (gsize) width * n_tokens, .n_tokens = n_tokens };

  rope_table (ctx, op, n_tokens, pos0);
  se_cpu_pool_parallel (ctx->pool, n_items_for (ctx, job.n, n_tokens), rope_item, &job);
}

/* Keys per block: one KV head's K (or V) rows of a block, 16 KiB at head_dim 128, stay
 * in L1 while every query head of its group reads them. */
#define KEY_BLOCK 64

/* The query heads of one token that share KV head @item % n_head_kv (GQA), against the
 * cache rows 0 .. pos0 + t. K and V are read from memory once for the whole group
 * instead of once per query head (a 1.7B model has 2 query heads per KV head, an 8B
 * one 4), block by block. Each head still gets exactly the arithmetic of a head on its
 * own: scores are independent per key, and wsum_f16 continues the output's sums key by
 * key from what is in @out, so splitting the keys into blocks changes no bits. */
static void
attention_item (gpointer data,
                guint    item,
                guint    ith)
{
  OpJob *job = data;
  const SeOp *op = job->op;
  const SeCpuKernels *k = job->ctx->k;
  guint hd = op->p.attn.head_dim, kv_width = job->ctx->graph->n_kv_width;
  guint group = op->p.attn.n_head / op->p.attn.n_head_kv;
  guint t = item / op->p.attn.n_head_kv, kvh = item % op->p.attn.n_head_kv;
  guint n_keys = job->pos0 + t + 1;
  gsize q_width = (gsize) op->p.attn.n_head * hd;
  gsize kv_off = (gsize) op->p.attn.layer * job->kv->n_ctx * kv_width + (gsize) kvh * hd;
  const guint16 *keys = job->kv->k + kv_off;
  const guint16 *values = job->kv->v + kv_off;
  float *scores = job->ctx->scores[ith];
  gsize n_scores = job->ctx->n_scores + 1;   /* a head's scores, then their sum */

  for (guint b = 0; b < n_keys; b += KEY_BLOCK)
    {
      guint end = MIN (n_keys, b + KEY_BLOCK);

      for (guint g = 0; g < group; g++)
        {
          const float *q = job->a + t * q_width + (gsize) (kvh * group + g) * hd;
          float *sc = scores + g * n_scores;

          /* four keys at a time: their multiply-add chains interleave (same bits as one) */
          for (guint j = b; j < end; j += 4)
            k->dot_f16_rows (q, keys + (gsize) j * kv_width, kv_width, MIN (4, end - j), hd,
                             sc + j);
        }
    }
  for (guint g = 0; g < group; g++)
    {
      float *sc = scores + g * n_scores;
      float *out = job->dst + t * q_width + (gsize) (kvh * group + g) * hd;

      sc[n_keys] = k->softmax (sc, n_keys, op->p.attn.scale);   /* the sum, for below */
      memset (out, 0, sizeof (float) * hd);
    }
  for (guint b = 0; b < n_keys; b += KEY_BLOCK)
    {
      guint end = MIN (n_keys, b + KEY_BLOCK);

      for (guint g = 0; g < group; g++)
        k->wsum_f16 (job->dst + t * q_width + (gsize) (kvh * group + g) * hd,
                     scores + g * n_scores + b, values + (gsize) b * kv_width, kv_width,
                     end - b, hd);
    }
  for (guint g = 0; g < group; g++)
    {
      float *out = job->dst + t * q_width + (gsize) (kvh * group + g) * hd;
      float inv = 1.0f / scores[g * n_scores + n_keys];

      for (guint i = 0; i < hd; i++)
        out[i] *= inv;
    }
}

void
_se_cpu_op_attention (SeBackendCtx       *ctx,
                      const SeOp         *op,
                      SeBackendKv        *kv,
                      const float * const qkv[3],
                      float              *out,
                      guint               n_tokens,
                      guint               pos0)
{
  guint kv_width = ctx->graph->n_kv_width;
  gsize at = ((gsize) op->p.attn.layer * kv->n_ctx + pos0) * kv_width;
  OpJob job = { .ctx = ctx, .op = op, .a = qkv[0], .dst = out, .n_tokens = n_tokens,
                .pos0 = pos0, .kv = kv };

  /* rows pos0 .. pos0 + n - 1 of this layer are contiguous */
  ctx->k->f32_to_f16 (kv->k + at, qkv[1], (gsize) n_tokens * kv_width);
  ctx->k->f32_to_f16 (kv->v + at, qkv[2], (gsize) n_tokens * kv_width);
  se_cpu_pool_parallel (ctx->pool, n_tokens * op->p.attn.n_head_kv, attention_item, &job);
}

static guint
elementwise_items (SeBackendCtx *ctx,
                   SeOpKind      kind,
                   gsize         n)
{
  return n_items_for (ctx, kind == SE_OP_SWIGLU ? n * EXP_COST : n, 4 * ctx->n_threads);
}

static void
elementwise_item (gpointer data,
                  guint    item,
                  guint    ith)
{
  OpJob *job = data;
  guint n_items = elementwise_items (job->ctx, job->op->kind, job->n);
  gsize i0 = job->n * item / n_items, i1 = job->n * (item + 1) / n_items;
  const float *a = job->a, *b = job->b;
  float *dst = job->dst;

  switch (job->op->kind)
    {
    case SE_OP_ADD:
      for (gsize i = i0; i < i1; i++)
        dst[i] = (float) ((double) a[i] + (double) b[i]);
      break;
    case SE_OP_SWIGLU:
      for (gsize i = i0; i < i1; i++)
        dst[i] = a[i] / (1.0f + expf (-a[i])) * b[i];
      break;
    case SE_OP_RELU2_GLU:
      for (gsize i = i0; i < i1; i++)
        dst[i] = (float) (a[i] > 0 ? (double) a[i] * a[i] * b[i] : 0.0);
      break;
    default:
      g_assert_not_reached ();
    }
}

void
_se_cpu_op_elementwise (SeBackendCtx *ctx,
                        SeOpKind      kind,
                        const float  *a,
                        const float  *b,
                        float        *dst,
                        gsize         n)
{
  SeOp op = { .kind = kind };
  OpJob job = { .ctx = ctx, .op = &op, .a = a, .b = b, .dst = dst, .n = n };

  se_cpu_pool_parallel (ctx->pool, elementwise_items (ctx, kind, n), elementwise_item, &job);
}
