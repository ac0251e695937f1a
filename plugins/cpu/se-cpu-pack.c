/* SPDX-License-Identifier: Apache-2.0
 *
 * Load-time re-packing of the Q1_0 weights that matmul and logits ops read, on all
 * threads of the pool, with progress reports. Packing must not double memory: once a
 * matrix is packed, the whole pages of its range in the read-only file mapping are
 * dropped with MADV_DONTNEED (clean shared pages: the kernel re-reads them from the
 * file if anything touches them again), and later reads go to the packed copy.
 */
#include "config.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sprig/se-error.h"
#include "se-cpu-private.h"

#define HUGE_PAGE (2u << 20)
#define TILES_PER_ITEM 16

/* One anonymous arena for all packed weights, aligned to 2 MiB so transparent huge
 * pages can back it (the kernel's linear streams walk fewer TLB entries); one arena,
 * not one mapping per matrix, so that rounding up to huge pages wastes 2 MiB at most. */
static guint8 *
big_alloc (gsize  n_bytes,
           gsize *alloc_bytes)
{
  gsize size = (n_bytes + 4095) & ~(gsize) 4095;
  guint8 *p = mmap (NULL, size + HUGE_PAGE, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  guint8 *aligned;

  if (p == MAP_FAILED)
    return NULL;
  aligned = (guint8 *) (((guintptr) p + HUGE_PAGE - 1) & ~(guintptr) (HUGE_PAGE - 1));
  if (aligned > p)
    munmap (p, (gsize) (aligned - p));
  munmap (aligned + size, (gsize) (p + HUGE_PAGE - aligned));
#ifdef MADV_HUGEPAGE
  madvise (aligned, size, MADV_HUGEPAGE);
#endif
  *alloc_bytes = size;
  return aligned;
}

/* Drops the whole pages of [data, data + n) from this process's view of the file. */
static void
drop_file_pages (const void *data,
                 gsize       n)
{
  guintptr page = (guintptr) sysconf (_SC_PAGESIZE);
  guintptr start = ((guintptr) data + page - 1) & ~(page - 1);
  guintptr end = ((guintptr) data + n) & ~(page - 1);

  if (end > start)
    madvise ((void *) start, end - start, MADV_DONTNEED);
}

static gboolean
wants_packing (const SeGraph *g,
               gint           index)
{
  const SeGraphTensor *t = se_graph_tensor (g, index);

  if (t->kind != SE_GRAPH_TENSOR_WEIGHT || t->type != SE_TYPE_Q1_0)
    return FALSE;
  if (t->ne1 < SE_Q1_TILE_ROWS || t->ne0 % 128 != 0)
    return FALSE;
  for (guint i = 0; i < g->ops->len; i++)
    {
      const SeOp *op = se_graph_op (g, i);

      if ((op->kind == SE_OP_MATMUL || op->kind == SE_OP_LOGITS) && op->src[1] == index)
        return TRUE;
    }
  return FALSE;
}

typedef struct
{
  SeQ1Packed *packed;
  const void *src;
} PackJob;

static void
pack_item (gpointer data,
           guint    item,
           guint    ith)
{
  PackJob *job = data;
  gint64 row0 = (gint64) item * TILES_PER_ITEM * SE_Q1_TILE_ROWS;
  gint64 row1 = MIN (row0 + TILES_PER_ITEM * SE_Q1_TILE_ROWS, job->packed->n_rows);

  se_q1_pack_rows (job->packed, job->src, row0, row1);
}

/* Bytes the packed copy of @t takes in the arena (page-aligned slots). */
static gsize
slot_size (const SeGraphTensor *t)
{
  gsize n = se_q1_packed_size (t->ne1 / SE_Q1_TILE_ROWS * SE_Q1_TILE_ROWS, t->ne0);

  return (n + 4095) & ~(gsize) 4095;
}

static void
pack_one (SeBackendCtx        *ctx,
          const SeGraphTensor *t,
          SeCpuWeight         *w,
          guint8              *slot)
{
  gint64 n_rows = t->ne1 / SE_Q1_TILE_ROWS * SE_Q1_TILE_ROWS;
  gsize n_tiles = (gsize) (n_rows / SE_Q1_TILE_ROWS);
  PackJob job = { &w->packed, t->data };

  w->packed.n_rows = n_rows;
  w->packed.n_cols = t->ne0;
  w->packed.n_bytes = se_q1_packed_size (n_rows, t->ne0);
  w->packed.data = slot;
  se_cpu_pool_parallel (ctx->pool, (guint) ((n_tiles + TILES_PER_ITEM - 1) / TILES_PER_ITEM),
                        pack_item, &job);
  drop_file_pages (t->data, (gsize) n_rows * (t->n_bytes / (gsize) t->ne1));
}

gboolean
_se_cpu_pack_weights (SeBackendCtx          *ctx,
                      const SeBackendParams *params,
                      GError               **error)
{
  const SeGraph *g = ctx->graph;
  gsize total = 0, done = 0, arena = 0;

  ctx->weights = g_new0 (SeCpuWeight *, g->tensors->len);
  for (guint i = 0; i < g->tensors->len; i++)
    if (wants_packing (g, (gint) i))
      {
        ctx->weights[i] = g_new0 (SeCpuWeight, 1);
        total += se_graph_tensor (g, (gint) i)->n_bytes;
        arena += slot_size (se_graph_tensor (g, (gint) i));
      }
  if (arena > 0 && (ctx->arena = big_alloc (arena, &ctx->arena_bytes)) == NULL)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_FAILED,
                   "Not enough memory to re-pack the Q1_0 weights (%zu MiB)", arena >> 20);
      return FALSE;
    }
  arena = 0;
  for (guint i = 0; i < g->tensors->len; i++)
    {
      const SeGraphTensor *t = se_graph_tensor (g, (gint) i);

      if (ctx->weights[i] == NULL)
        continue;
      pack_one (ctx, t, ctx->weights[i], ctx->arena + arena);
      arena += slot_size (t);
      done += t->n_bytes;
      if (params->progress != NULL)
        params->progress ((double) done / (double) total, params->progress_data);
    }
  /* The norm weights are read on every token, a few KiB each between the matrices: on
   * a file system with large page-cache folios a fault there maps the whole folio
   * around it, matrices already packed and dropped included (74 MB of a 234 MB
   * Bonsai-1.7B-shaped file stayed resident that way, Linux 6.18, ext4). Copied, the
   * file is not touched after loading. */
  ctx->norms = g_new0 (float *, g->tensors->len);
  for (guint i = 0; i < g->ops->len; i++)
    {
      const SeOp *op = se_graph_op (g, i);
      const SeGraphTensor *t;

      if (op->kind != SE_OP_RMS_NORM || op->src[1] < 0 || ctx->norms[op->src[1]] != NULL)
        continue;
      t = se_graph_tensor (g, op->src[1]);
      if (t->kind != SE_GRAPH_TENSOR_WEIGHT || t->type != SE_TYPE_F32)
        continue;
      ctx->norms[op->src[1]] = g_memdup2 (t->data, t->n_bytes);
      drop_file_pages (t->data, t->n_bytes);
    }
  if (params->progress != NULL && total == 0)
    params->progress (1.0, params->progress_data);
  return TRUE;
}

void
_se_cpu_weights_free (SeBackendCtx *ctx)
{
  for (guint i = 0; ctx->norms != NULL && i < ctx->graph->tensors->len; i++)
    g_free (ctx->norms[i]);
  g_clear_pointer (&ctx->norms, g_free);
  if (ctx->weights == NULL)
    return;
  for (guint i = 0; i < ctx->graph->tensors->len; i++)
    g_free (ctx->weights[i]);
  g_clear_pointer (&ctx->weights, g_free);
  if (ctx->arena != NULL)
    munmap (ctx->arena, ctx->arena_bytes);
  ctx->arena = NULL;
}
