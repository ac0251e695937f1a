/* SPDX-License-Identifier: Apache-2.0
 *
 * Matrix products of the CPU backend. Q1_0 weights: each token's activations are
 * quantized and turned into lookup tables once, then the packed lookup-table kernel
 * runs over blocks of rows sized for L2, every token of a group of SE_CPU_ACT_BATCH
 * per block (a prefill re-reads each weight block from cache, not from memory); rows
 * past the last full tile use the same tables on the GGUF layout. TQ2_0 weights
 * take int8 activations too (se-cpu-tq.h). Other types dequantize each row once and
 * dot it with every token of the batch.
 */
#include "config.h"

#include "sprig/se-types.h"
#include "se-cpu-private.h"

/* Packed bytes of one row block that should stay in L2 while a token group runs. */
#define GENERIC_ROWS_PER_ITEM 16

typedef struct
{
  SeBackendCtx *ctx;
  const SeGraphTensor *w;
  const SeQ1Packed *packed;    /* NULL: every row reads the GGUF layout */
  const float *src;
  gint64 src_stride;
  float *dst;
  gint64 dst_stride;
  guint n_tokens;
  gint64 rows_per_item;        /* packed rows per item, a multiple of 32 */
  guint n_packed_items;
} MatmulJob;

static void
act_item (gpointer data,
          guint    item,
          guint    ith)
{
  MatmulJob *job = data;

  job->ctx->k->q1_act_prepare (&job->ctx->act[item], job->src + item * job->src_stride);
}

/* Tables for the tokens of @job, unless they hold exactly these rows already (Q, K and
 * V, gate and up read the same input). */
static void
prepare_acts (MatmulJob *job)
{
  SeBackendCtx *ctx = job->ctx;

  if (ctx->act_src == job->src && ctx->act_n == job->n_tokens
      && ctx->act_stride == job->src_stride && ctx->act_cols == job->w->ne0)
    return;
  for (guint t = 0; t < job->n_tokens; t++)
    ctx->act[t].n_cols = job->w->ne0;
  se_cpu_pool_parallel (ctx->pool, job->n_tokens, act_item, job);
  ctx->act_src = job->src;
  ctx->act_n = job->n_tokens;
  ctx->act_stride = job->src_stride;
  ctx->act_cols = job->w->ne0;
}

static void
q1_item (gpointer data,
         guint    item,
         guint    ith)
{
  MatmulJob *job = data;
  const SeCpuKernels *k = job->ctx->k;
  gint64 row_bytes = (gint64) (job->w->n_bytes / (gsize) job->w->ne1);

  if (item < job->n_packed_items)
    {
      gint64 r0 = item * job->rows_per_item;
      gint64 r1 = MIN (r0 + job->rows_per_item, job->packed->n_rows);

      k->q1_matmul (job->packed, job->ctx->act, job->n_tokens, job->dst, job->dst_stride, r0, r1);
      return;
    }
  /* the rows no full tile holds: one item for all of them */
  for (gint64 r = job->packed ? job->packed->n_rows : 0; r < job->w->ne1; r++)
    {
      const guint8 *row = (const guint8 *) job->w->data + r * row_bytes;

      for (guint t = 0; t < job->n_tokens; t++)
        job->dst[t * job->dst_stride + r] = _se_cpu_q1_row_dot (row, &job->ctx->act[t]);
    }
}

static void
plan_q1 (MatmulJob *job)
{
  guint nth = job->ctx->n_threads;
  gint64 n_tiles, per_block, n_items;

  job->n_packed_items = 0;
  if (job->packed == NULL)
    return;
  n_tiles = job->packed->n_rows / SE_Q1_TILE_ROWS;
  /* whole groups of the packed layout read one stretch of memory each; small matrices
   * are cut finer so that every thread gets work */
  per_block = se_q1_group_tiles (job->w->ne0);
  n_items = (n_tiles + per_block - 1) / per_block;
  if (n_items < 4 * (gint64) nth)
    per_block = MAX (1, (n_tiles + 4 * nth - 1) / (4 * nth));
  /* a batch reads each token's tables once per item: fewer, larger items (a chunk of
   * columns of an item's rows still fits L2) */
  else if (job->n_tokens > 1)
    per_block = MAX (per_block, (n_tiles + 2 * nth - 1) / (2 * nth));
  job->rows_per_item = per_block * SE_Q1_TILE_ROWS;
  job->n_packed_items = (guint) ((n_tiles + per_block - 1) / per_block);
}

static void
matmul_q1 (MatmulJob *job)
{
  SeBackendCtx *ctx = job->ctx;
  gboolean has_rest;
  guint n = job->n_tokens;

  plan_q1 (job);
  has_rest = job->w->ne1 > (job->packed ? job->packed->n_rows : 0);
  for (guint t0 = 0; t0 < n; t0 += SE_CPU_ACT_BATCH)
    {
      MatmulJob part = *job;

      part.src = job->src + t0 * job->src_stride;
      part.dst = job->dst + t0 * job->dst_stride;
      part.n_tokens = MIN (SE_CPU_ACT_BATCH, n - t0);
      prepare_acts (&part);
      se_cpu_pool_parallel (ctx->pool, part.n_packed_items + (has_rest ? 1 : 0), q1_item, &part);
    }
}

/* TQ2_0: activations quantized once per token (SeTqAct), rows split in items of about
 * 64 KiB of weights; a batch dots each row with every token while it is in L1. */
static void
tq_act_item (gpointer data,
             guint    item,
             guint    ith)
{
  MatmulJob *job = data;
  SeTqAct *act = &job->ctx->tq_act[item];

  act->n_cols = job->w->ne0;
  job->ctx->k->tq_act_prepare (act, job->src + item * job->src_stride);
}

static void
tq2_item (gpointer data,
          guint    item,
          guint    ith)
{
  MatmulJob *job = data;
  const SeGraphTensor *w = job->w;
  gsize row_bytes = w->n_bytes / (gsize) w->ne1;
  gint64 r0 = (gint64) item * job->rows_per_item;
  gint64 r1 = MIN (r0 + job->rows_per_item, w->ne1);

  for (gint64 r = r0; r < r1; r++)
    {
      const guint8 *row = (const guint8 *) w->data + (gsize) r * row_bytes;

      for (guint t = 0; t < job->n_tokens; t++)
        job->dst[t * job->dst_stride + r] = job->ctx->k->tq2_dot (row, &job->ctx->tq_act[t]);
    }
}

static void
matmul_tq2 (MatmulJob *job)
{
  SeBackendCtx *ctx = job->ctx;
  gint64 row_bytes = (gint64) (job->w->n_bytes / (gsize) job->w->ne1);
  gint64 min_items = 4 * (gint64) ctx->n_threads;
  guint n = job->n_tokens;

  job->rows_per_item = MAX (1, MIN (65536 / row_bytes, (job->w->ne1 + min_items - 1) / min_items));
  for (guint t0 = 0; t0 < n; t0 += SE_CPU_ACT_BATCH)
    {
      MatmulJob part = *job;

      part.src = job->src + t0 * job->src_stride;
      part.dst = job->dst + t0 * job->dst_stride;
      part.n_tokens = MIN (SE_CPU_ACT_BATCH, n - t0);
      se_cpu_pool_parallel (ctx->pool, part.n_tokens, tq_act_item, &part);
      se_cpu_pool_parallel (ctx->pool,
                            (guint) ((job->w->ne1 + job->rows_per_item - 1) / job->rows_per_item),
                            tq2_item, &part);
    }
}

static void
generic_item (gpointer data,
              guint    item,
              guint    ith)
{
  MatmulJob *job = data;
  const SeGraphTensor *w = job->w;
  gsize row_bytes = w->n_bytes / (gsize) w->ne1;
  gint64 r1 = MIN ((gint64) (item + 1) * GENERIC_ROWS_PER_ITEM, w->ne1);

  /* F16 rows (BitNet's tied embeddings: the largest matrix it reads) are dotted in
   * place, four at a time, by the attention's fp16 kernel: the same bits on every ISA */
  if (w->type == SE_TYPE_F16)
    {
      for (gint64 r = (gint64) item * GENERIC_ROWS_PER_ITEM; r < r1; r += 4)
        for (guint t = 0; t < job->n_tokens; t++)
          {
            float out[4];
            guint n_rows = (guint) MIN (4, r1 - r);

            job->ctx->k->dot_f16_rows (job->src + t * job->src_stride,
                                       (const guint16 *) ((const guint8 *) w->data + r * row_bytes),
                                       row_bytes / 2, n_rows, (guint) w->ne0, out);
            for (guint i = 0; i < n_rows; i++)
              job->dst[t * job->dst_stride + r + i] = out[i];
          }
      return;
    }
  for (gint64 r = (gint64) item * GENERIC_ROWS_PER_ITEM; r < r1; r++)
    {
      const void *raw = (const guint8 *) w->data + (gsize) r * row_bytes;
      const float *row = raw;

      if (w->type != SE_TYPE_F32)
        {
          se_dequantize_row (w->type, raw, job->ctx->rows[ith], w->ne0);
          row = job->ctx->rows[ith];
        }
      for (guint t = 0; t < job->n_tokens; t++)
        job->dst[t * job->dst_stride + r] =
          job->ctx->k->dot_f32 (row, job->src + t * job->src_stride, w->ne0);
    }
}

/* Several packed Q1_0 matrices that read the same input (Q, K and V; gate and up) in
 * one parallel call: one table preparation, one wake-up and one wait instead of one
 * per matrix, and the threads balance over all their rows. */
#define MAX_FUSED SE_CPU_MAX_FUSED

typedef struct
{
  MatmulJob parts[MAX_FUSED];
  guint n_parts;
  guint first_item[MAX_FUSED + 1];
} FusedJob;

static void
fused_item (gpointer data,
            guint    item,
            guint    ith)
{
  FusedJob *f = data;
  guint k = 0;

  while (item >= f->first_item[k + 1])
    k++;
  q1_item (&f->parts[k], item - f->first_item[k], ith);
}

/* Whether ops [i, i + n) of the graph can run as one fused call: MATMULs of packed
 * Q1_0 weights without rows past the last tile, all reading the same source. */
guint
_se_cpu_matmul_fusable (SeBackendCtx *ctx,
                        guint         i)
{
  const SeGraph *g = ctx->graph;
  const SeOp *first = se_graph_op (g, i);
  guint n = 0;

  while (i + n < g->ops->len && n < MAX_FUSED)
    {
      const SeOp *op = se_graph_op (g, i + n);
      const SeCpuWeight *w = op->src[1] >= 0 ? ctx->weights[op->src[1]] : NULL;

      if (op->kind != SE_OP_MATMUL || op->src[0] != first->src[0] || w == NULL
          || w->packed.n_rows != se_graph_tensor (g, op->src[1])->ne1
          || (n > 0 && se_graph_tensor (g, op->src[1])->ne0
                         != se_graph_tensor (g, first->src[1])->ne0)
          || op->dst == first->src[0])
        break;
      n++;
    }
  return n;
}

/* Runs the @n fusable MATMUL ops @ops (see _se_cpu_matmul_fusable) on @n_tokens. */
void
_se_cpu_matmul_fused (SeBackendCtx      *ctx,
                      const SeOp *const *ops,
                      guint              n,
                      guint              n_tokens)
{
  const SeGraph *g = ctx->graph;
  FusedJob f = { .n_parts = n };

  g_return_if_fail (n > 0 && n <= MAX_FUSED);
  for (guint t0 = 0; t0 < n_tokens; t0 += SE_CPU_ACT_BATCH)
    {
      guint nt = MIN (SE_CPU_ACT_BATCH, n_tokens - t0);

      for (guint k = 0; k < n; k++)
        {
          const SeGraphTensor *w = se_graph_tensor (g, ops[k]->src[1]);
          gint64 src_w = se_graph_tensor (g, ops[k]->src[0])->ne0;
          gint64 dst_w = se_graph_tensor (g, ops[k]->dst)->ne0;
          MatmulJob *job = &f.parts[k];

          *job = (MatmulJob) {
            .ctx = ctx, .w = w, .packed = &ctx->weights[ops[k]->src[1]]->packed,
            .src = ctx->acts[ops[k]->src[0]] + t0 * src_w, .src_stride = src_w,
            .dst = ctx->acts[ops[k]->dst] + t0 * dst_w, .dst_stride = dst_w, .n_tokens = nt,
          };
          plan_q1 (job);
          f.first_item[k + 1] = f.first_item[k] + job->n_packed_items;
        }
      prepare_acts (&f.parts[0]);
      se_cpu_pool_parallel (ctx->pool, f.first_item[n], fused_item, &f);
    }
}

/* dst[t][r] = W[r] . src[t] for t < n_tokens and every row r of weight @w_index. */
void
_se_cpu_matmul (SeBackendCtx *ctx,
                gint          w_index,
                const float  *src,
                gint64        src_stride,
                float        *dst,
                gint64        dst_stride,
                guint         n_tokens)
{
  const SeGraphTensor *w = se_graph_tensor (ctx->graph, w_index);
  MatmulJob job = {
    .ctx = ctx, .w = w, .src = src, .src_stride = src_stride, .dst = dst,
    .dst_stride = dst_stride, .n_tokens = n_tokens,
  };

  if (w->type == SE_TYPE_Q1_0)
    {
      job.packed = ctx->weights[w_index] ? &ctx->weights[w_index]->packed : NULL;
      matmul_q1 (&job);
      return;
    }
  if (w->type == SE_TYPE_TQ2_0 && w->ne0 % SE_TQ_BLOCK == 0 && ctx->tq_act[0].q != NULL)
    {
      matmul_tq2 (&job);
      return;
    }
  se_cpu_pool_parallel (ctx->pool,
                        (guint) ((w->ne1 + GENERIC_ROWS_PER_ITEM - 1) / GENERIC_ROWS_PER_ITEM),
                        generic_item, &job);
}
