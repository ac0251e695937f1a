/* SPDX-License-Identifier: Apache-2.0
 *
 * Records one forward pass of the graph into command buffers: a descriptor set per op
 * (made once per KV cache, since attention and rope bind the cache's buffers), one
 * dispatch per op (two for attention: store K/V, then attend), a barrier only where an
 * op touches a buffer an earlier op of the same barrier interval wrote (or writes one
 * it read), and the logits copied to the host-visible read-back buffer. pos0 and the
 * token ids live in the host buffer, so one recording serves every position of a shape.
 */
#include "config.h"

#include <string.h>

#include "se-vk-private.h"

typedef struct
{
  SeBackendCtx *ctx;
  SeBackendKv *kv;
  VkCommandBuffer cmd;
  guint8 *state;             /* per resource: 1 written, 2 read since the last barrier */
  guint n;
  gboolean all_logits;
  gboolean tiled;            /* matmuls go to matmul.comp, not matvec.comp */
  VkPipeline bound;
} Rec;

enum { WRITTEN = 1, READ = 2 };

static const VkDescriptorBufferInfo *
buf_info (const SeVkBuffer       *b,
          VkDescriptorBufferInfo *out)
{
  *out = (VkDescriptorBufferInfo) { b->buf, 0, VK_WHOLE_SIZE };
  return out;
}

/* The buffers op @i binds, by binding; NULL = the dummy buffer. */
static void
op_buffers (SeBackendCtx      *ctx,
            SeBackendKv       *kv,
            guint              i,
            const SeVkBuffer **b)
{
  const SeOp *op = se_graph_op (ctx->graph, i);

  memset (b, 0, sizeof (SeVkBuffer *) * SE_VK_N_BINDINGS);
  b[SE_VK_BIND_HOST] = &ctx->host;
  if (op->kind == SE_OP_EMBED)
    b[SE_VK_BIND_SRC1] = &ctx->bufs[op->src[0]];
  else
    for (guint s = 0; s < 3; s++)
      if (op->src[s] >= 0)
        b[SE_VK_BIND_SRC0 + s] = &ctx->bufs[op->src[s]];
  b[SE_VK_BIND_DST] = op->dst >= 0 ? &ctx->bufs[op->dst] : &ctx->logits;
  if (ctx->fuse[i] & SE_VK_FUSE_ADD)
    b[SE_VK_BIND_DST] = &ctx->bufs[se_graph_op (ctx->graph, i + 1)->dst];
  if (ctx->fuse[i] & SE_VK_FUSE_SWIGLU)
    b[SE_VK_BIND_SRC2] = &ctx->bufs[se_graph_op (ctx->graph, i - 1)->src[1]];
  if (ctx->fuse[i] & SE_VK_FUSE_ROPE)
    b[SE_VK_BIND_AUX0] = &kv->rope;
  if (op->kind == SE_OP_ROPE)
    b[SE_VK_BIND_AUX0] = &kv->rope;
  if (op->kind == SE_OP_ATTENTION)
    {
      b[SE_VK_BIND_AUX0] = &kv->k[op->p.attn.layer];
      b[SE_VK_BIND_AUX1] = &kv->v[op->p.attn.layer];
      if (kv->partials.buf != VK_NULL_HANDLE)
        b[SE_VK_BIND_AUX2] = &kv->partials;
    }
}

static gboolean
reads (const SeOp *op,
       gint        t)
{
  if (op->kind == SE_OP_EMBED)
    return FALSE;
  return op->src[0] == t || op->src[1] == t || op->src[2] == t;
}

/* The first op from @from on that reads or writes activation @t, or -1. */
static gint
next_use (const SeGraph *g,
          gint           t,
          guint          from)
{
  for (guint j = from; j < g->ops->len; j++)
    {
      const SeOp *op = se_graph_op (g, j);

      if (reads (op, t) || op->dst == t)
        return (gint) j;
    }
  return -1;
}

/* Whether activation @t is read by op @from or a later one before anything writes it. */
static gboolean
read_later (const SeGraph *g,
            gint           t,
            guint          from)
{
  gint j = next_use (g, t, from);

  return j >= 0 && reads (se_graph_op (g, (guint) j), t);
}

void
_se_vk_plan_fusions (SeBackendCtx *ctx)
{
  const SeGraph *g = ctx->graph;

  for (guint i = 0; i < g->ops->len; i++)
    {
      const SeOp *op = se_graph_op (g, i);
      const SeOp *next = i + 1 < g->ops->len ? se_graph_op (g, i + 1) : NULL;
      const SeOp *prev = i > 0 ? se_graph_op (g, i - 1) : NULL;

      if (op->kind == SE_OP_RMS_NORM && op->dst == op->src[0])
        {
          /* t = norm(t) per head; t = rope(t)  ->  one pass per head */
          gint j = next_use (g, op->dst, i + 1);
          const SeOp *rope = j >= 0 ? se_graph_op (g, (guint) j) : NULL;

          if (rope != NULL && rope->kind == SE_OP_ROPE && rope->dst == op->dst
              && rope->src[0] == op->dst && op->p.norm.group == rope->p.rope.head_dim
              && !(ctx->fuse[j] & SE_VK_FUSE_SKIP))
            {
              ctx->fuse[i] |= SE_VK_FUSE_ROPE;
              ctx->fuse[j] |= SE_VK_FUSE_SKIP;
            }
          continue;
        }
      if (op->kind != SE_OP_MATMUL || (ctx->fuse[i] & SE_VK_FUSE_SKIP))
        continue;
      /* h = W . a; x = x + h  ->  x += W . a, when nothing else reads h */
      if (next != NULL && next->kind == SE_OP_ADD && next->dst != op->dst
          && next->dst != op->src[0]
          && ((next->src[0] == next->dst && next->src[1] == op->dst)
              || (next->src[1] == next->dst && next->src[0] == op->dst))
          && !read_later (g, op->dst, i + 2))
        {
          ctx->fuse[i] |= SE_VK_FUSE_ADD;
          ctx->fuse[i + 1] |= SE_VK_FUSE_SKIP;
        }
      /* g = silu(g) * u; h = W . g  ->  h = W . (silu(g) * u), when nothing else reads
       * the gated g (the ungated one stays in the buffer) */
      if (prev != NULL && prev->kind == SE_OP_SWIGLU && prev->dst == prev->src[0]
          && op->src[0] == prev->dst && prev->src[1] != prev->dst && op->dst != prev->src[1]
          && !(ctx->fuse[i - 1] & SE_VK_FUSE_SKIP) && !read_later (g, prev->dst, i + 1))
        {
          ctx->fuse[i] |= SE_VK_FUSE_SWIGLU;
          ctx->fuse[i - 1] |= SE_VK_FUSE_SKIP;
        }
    }
}

/* A descriptor set per op of the graph, bound to this cache's buffers. */
gboolean
_se_vk_kv_bind (SeBackendCtx *ctx,
                SeBackendKv  *kv,
                GError      **error)
{
  guint n_ops = ctx->graph->ops->len;
  VkDescriptorPoolSize size = { VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, n_ops * SE_VK_N_BINDINGS };
  VkDescriptorPoolCreateInfo pi = {
    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
    .maxSets = n_ops,
    .poolSizeCount = 1,
    .pPoolSizes = &size,
  };
  g_autofree VkDescriptorSetLayout *layouts = g_new (VkDescriptorSetLayout, n_ops);
  VkDescriptorSetAllocateInfo ai = {
    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
    .descriptorSetCount = n_ops,
    .pSetLayouts = layouts,
  };

  for (guint i = 0; i < n_ops; i++)
    layouts[i] = ctx->set_layout;
  if (!_se_vk_check (vkCreateDescriptorPool (ctx->dev.device, &pi, NULL, &kv->pool),
                     "vkCreateDescriptorPool", error))
    return FALSE;
  ai.descriptorPool = kv->pool;
  kv->sets = g_new0 (VkDescriptorSet, n_ops);
  if (!_se_vk_check (vkAllocateDescriptorSets (ctx->dev.device, &ai, kv->sets),
                     "vkAllocateDescriptorSets", error))
    return FALSE;
  for (guint i = 0; i < n_ops; i++)
    {
      const SeVkBuffer *b[SE_VK_N_BINDINGS];
      VkDescriptorBufferInfo infos[SE_VK_N_BINDINGS];
      VkWriteDescriptorSet writes[SE_VK_N_BINDINGS];

      op_buffers (ctx, kv, i, b);
      for (guint k = 0; k < SE_VK_N_BINDINGS; k++)
        writes[k] = (VkWriteDescriptorSet) {
          .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
          .dstSet = kv->sets[i],
          .dstBinding = k,
          .descriptorCount = 1,
          .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
          .pBufferInfo = buf_info (b[k] != NULL ? b[k] : &ctx->dummy, &infos[k]),
        };
      vkUpdateDescriptorSets (ctx->dev.device, SE_VK_N_BINDINGS, writes, 0, NULL);
    }
  return TRUE;
}

static void
barrier (VkCommandBuffer      cmd,
         VkPipelineStageFlags src_stage,
         VkAccessFlags        src_access,
         VkPipelineStageFlags dst_stage,
         VkAccessFlags        dst_access)
{
  VkMemoryBarrier mb = { VK_STRUCTURE_TYPE_MEMORY_BARRIER, NULL, src_access, dst_access };

  vkCmdPipelineBarrier (cmd, src_stage, dst_stage, 0, 1, &mb, 0, NULL, 0, NULL);
}

static void
compute_barrier (Rec *r)
{
  barrier (r->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
           VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
           VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
  memset (r->state, 0, r->ctx->graph->tensors->len + r->ctx->graph->n_layer + 2);
}

/* Resources: activations by tensor index, then one per layer's KV cache, then logits,
 * then attention's partials. */
static void
track (Rec        *r,
        const gint *reads,
        guint       n_reads,
        const gint *writes,
        guint       n_writes)
{
  gboolean hazard = FALSE;

  for (guint i = 0; i < n_reads; i++)
    hazard |= reads[i] >= 0 && (r->state[reads[i]] & WRITTEN);
  for (guint i = 0; i < n_writes; i++)
    hazard |= r->state[writes[i]] != 0;
  if (hazard)
    compute_barrier (r);
  for (guint i = 0; i < n_reads; i++)
    if (reads[i] >= 0)
      r->state[reads[i]] |= READ;
  for (guint i = 0; i < n_writes; i++)
    r->state[writes[i]] |= WRITTEN;
}

static void
dispatch (Rec            *r,
          VkPipeline      pipe,
          guint           op,
          const guint32  *push,
          guint           gx,
          guint           gy,
          guint           gz)
{
  if (r->bound != pipe)
    {
      vkCmdBindPipeline (r->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipe);
      r->bound = pipe;
    }
  vkCmdBindDescriptorSets (r->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, r->ctx->layout, 0, 1,
                           &r->kv->sets[op], 0, NULL);
  vkCmdPushConstants (r->cmd, r->ctx->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0,
                      SE_VK_PUSH_WORDS * 4, push);
  vkCmdDispatch (r->cmd, gx, gy, gz);
}

static guint32
fbits (float f)
{
  guint32 u;

  memcpy (&u, &f, 4);
  return u;
}

/* Lanes per row for matvec.comp: the fewest (a power of two, at least a subgroup) that
 * cover a row's 32-weight units, so that short rows share a workgroup. */
static guint
matvec_lanes (const SeBackendCtx *ctx,
              gint64              ne0)
{
  guint units = (guint) ((ne0 + 31) / 32), ul = SE_VK_MATVEC_WG;

  while (ul / 2 >= units && ul / 2 >= MAX (ctx->dev.subgroup_size, 1u))
    ul /= 2;
  return ul;
}

/* What matmul op @i absorbs in this pass. matmul.comp does not absorb a SwiGLU: it would
 * compute the gate once per 128-row tile instead of once (on an H100 the 8B-shaped
 * prefill ran at 0.67 times the speed with it), so there the SwiGLU op runs itself. */
static guint
matmul_flags (const Rec *r,
              guint      i)
{
  guint f = r->ctx->fuse[i] & (SE_VK_FUSE_ADD | SE_VK_FUSE_SWIGLU);

  return r->tiled ? f & ~(guint) SE_VK_FUSE_SWIGLU : f;
}

/* A matmul of @n token rows of @src (from row @row0) into @dst: matvec.comp for decode
 * (few tokens; every token re-reads the weights), matmul.comp's token tiles otherwise. */
static void
record_matmul (Rec                 *r,
               guint                op,
               const SeGraphTensor *w,
               gint                 w_index,
               gint64               src_width,
               guint                row0,
               guint                n,
               guint                dst_stride)
{
  int slot = _se_vk_type_slot (w->type);
  guint32 push[SE_VK_PUSH_WORDS] = {
    (guint32) w->ne0, (guint32) w->ne1, n, (guint32) (row0 * src_width), (guint32) src_width,
    0, dst_stride, r->ctx->scale_off[w_index], 0,
    matmul_flags (r, op),
  };
  guint groups;

  if (n <= SE_VK_MATVEC_MAX_TOKENS && r->ctx->matvec[slot] != VK_NULL_HANDLE)
    {
      guint ul = matvec_lanes (r->ctx, w->ne0);
      guint rows = SE_VK_MATVEC_ROWS * (SE_VK_MATVEC_WG / ul);

      push[8] = ul;
      groups = (guint) (w->ne1 + rows - 1) / rows;
      dispatch (r, r->ctx->matvec[slot], op, push, MIN (groups, SE_VK_MAX_GROUPS),
                (groups + SE_VK_MAX_GROUPS - 1) / SE_VK_MAX_GROUPS, n);
      return;
    }
  groups = (guint) (w->ne1 + SE_VK_MATMUL_ROWS - 1) / SE_VK_MATMUL_ROWS;
  dispatch (r, r->ctx->matmul[slot][push[9] & SE_VK_FUSE_ADD], op, push,
            MIN (groups, SE_VK_MAX_GROUPS), (groups + SE_VK_MAX_GROUPS - 1) / SE_VK_MAX_GROUPS,
            (n + SE_VK_TILE - 1) / SE_VK_TILE);
}

static void
record_logits (Rec        *r,
               guint       op_index,
               const SeOp *op)
{
  SeBackendCtx *ctx = r->ctx;
  const SeGraphTensor *w = se_graph_tensor (ctx->graph, op->src[1]);
  gint64 width = se_graph_tensor (ctx->graph, op->src[0])->ne0;
  guint rows = r->all_logits ? r->n : 1, first = r->all_logits ? 0 : r->n - 1;
  gsize row_bytes = (gsize) ctx->graph->n_vocab * 4;

  for (guint r0 = 0; r0 < rows; r0 += ctx->logit_rows)
    {
      guint k = MIN (ctx->logit_rows, rows - r0);
      VkBufferCopy region = { 0, r0 * row_bytes, k * row_bytes };

      track (r, (gint[]) { op->src[0] }, 1, NULL, 0);
      if (r0 > 0)  /* the previous pass's copy read the logits buffer */
        barrier (r->cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                 0);
      record_matmul (r, op_index, w, op->src[1], width, first + r0, k, ctx->graph->n_vocab);
      barrier (r->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
               VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_READ_BIT);
      vkCmdCopyBuffer (r->cmd, ctx->logits.buf, ctx->readback.buf, 1, &region);
    }
  barrier (r->cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
           VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
}

/* Workgroups of attention.comp per head and token of a call: enough splits of the keys
 * to fill the device about SE_VK_ATTN_TARGET workgroups wide, fewer for a short cache;
 * one (and no partials) when the tokens alone fill it. Fixed at record time, as the
 * position is not known then; the split size follows the position at run time. */
guint
_se_vk_attn_splits (const SeOp *op,
                    guint       n_ctx,
                    guint       n_tokens)
{
  guint group = op->p.attn.n_head / op->p.attn.n_head_kv;
  guint wgs = op->p.attn.n_head_kv * ((group + SE_VK_ATTN_HEADS - 1) / SE_VK_ATTN_HEADS)
              * MAX (n_tokens, 1);

  return CLAMP (SE_VK_ATTN_TARGET / wgs, 1, MIN (SE_VK_ATTN_MAX_SPLIT, (n_ctx + 63) / 64));
}

/* Bytes of partials the largest call of any attention op writes (0: no call splits). */
gsize
_se_vk_attn_partials_size (const SeBackendCtx *ctx,
                           guint               n_ctx)
{
  const SeGraph *g = ctx->graph;
  gsize most = 0;

  for (guint i = 0; i < g->ops->len; i++)
    {
      const SeOp *op = se_graph_op (g, i);

      if (op->kind != SE_OP_ATTENTION)
        continue;
      for (guint n = 1; n <= ctx->max_tokens; n++)
        {
          guint splits = _se_vk_attn_splits (op, n_ctx, n);

          if (splits > 1)
            most = MAX (most, (gsize) splits * n * op->p.attn.n_head
                              * (op->p.attn.head_dim + 2) * 4);
        }
    }
  return most;
}

/* Three dispatches: store K/V, attend per split, and (with more than one split) merge
 * the splits' partials. */
static void
record_attention (Rec        *r,
                  guint       i,
                  const SeOp *op)
{
  const SeGraph *g = r->ctx->graph;
  gint kv_res = (gint) (g->tensors->len + op->p.attn.layer);
  gint part_res = (gint) (g->tensors->len + g->n_layer + 1);
  guint group = op->p.attn.n_head / op->p.attn.n_head_kv;
  guint n_batch = (group + SE_VK_ATTN_HEADS - 1) / SE_VK_ATTN_HEADS;
  guint splits = _se_vk_attn_splits (op, r->kv->n_ctx, r->n);
  guint32 store[SE_VK_PUSH_WORDS] = { g->n_kv_width, r->n };
  guint32 attend[SE_VK_PUSH_WORDS] = {
    op->p.attn.n_head, op->p.attn.head_dim, group, g->n_kv_width, fbits (op->p.attn.scale),
    r->n, splits, n_batch,
  };
  guint32 combine[SE_VK_PUSH_WORDS] = { op->p.attn.n_head, op->p.attn.head_dim, splits };

  track (r, (gint[]) { op->src[1], op->src[2] }, 2, &kv_res, 1);
  dispatch (r, r->ctx->pipes[SE_VK_PIPE_KV_STORE], i, store,
            (g->n_kv_width / 2 + 63) / 64, r->n, 1);
  track (r, (gint[]) { op->src[0], kv_res }, 2, splits > 1 ? &part_res : &op->dst, 1);
  dispatch (r, r->ctx->pipes[SE_VK_PIPE_ATTENTION], i, attend, op->p.attn.n_head_kv * n_batch,
            r->n, splits);
  if (splits == 1)
    return;
  track (r, &part_res, 1, &op->dst, 1);
  dispatch (r, r->ctx->pipes[SE_VK_PIPE_ATTN_COMBINE], i, combine, op->p.attn.n_head, r->n, 1);
}

static void
record_elementwise (Rec        *r,
                    guint       i,
                    const SeOp *op,
                    guint       width)
{
  guint32 mode = op->kind == SE_OP_ADD ? 0 : op->kind == SE_OP_SWIGLU ? 1 : 2;
  guint32 push[SE_VK_PUSH_WORDS] = { width * r->n, mode };
  guint groups = (width * r->n + 255) / 256;

  dispatch (r, r->ctx->pipes[SE_VK_PIPE_ELEMENTWISE], i, push, MIN (groups, SE_VK_MAX_GROUPS),
            (groups + SE_VK_MAX_GROUPS - 1) / SE_VK_MAX_GROUPS, 1);
}

static void
record_op (Rec  *r,
           guint i)
{
  SeBackendCtx *ctx = r->ctx;
  const SeGraph *g = ctx->graph;
  const SeOp *op = se_graph_op (g, i);
  guint width = op->dst >= 0 ? (guint) se_graph_tensor (g, op->dst)->ne0 : 0;

  if ((ctx->fuse[i] & SE_VK_FUSE_SKIP) && !(r->tiled && op->kind == SE_OP_SWIGLU))
    return;
  if (op->kind == SE_OP_LOGITS || op->kind == SE_OP_ATTENTION)
    {
      if (op->kind == SE_OP_LOGITS)
        record_logits (r, i, op);
      else
        record_attention (r, i, op);
      return;
    }
  if (op->kind == SE_OP_MATMUL && matmul_flags (r, i) != 0)
    {
      guint f = matmul_flags (r, i);
      gint dst = f & SE_VK_FUSE_ADD ? se_graph_op (g, i + 1)->dst : op->dst;
      gint up = f & SE_VK_FUSE_SWIGLU ? se_graph_op (g, i - 1)->src[1] : -1;

      track (r, (gint[]) { op->src[0], up, f & SE_VK_FUSE_ADD ? dst : -1 }, 3, &dst, 1);
      record_matmul (r, i, se_graph_tensor (g, op->src[1]), op->src[1],
                     se_graph_tensor (g, op->src[0])->ne0, 0, r->n,
                     (guint) se_graph_tensor (g, dst)->ne0);
      return;
    }
  track (r, (gint[]) { op->kind == SE_OP_EMBED ? -1 : op->src[0],
                        op->kind == SE_OP_MATMUL || op->kind == SE_OP_RMS_NORM ? -1 : op->src[1] },
          2, &op->dst, 1);
  switch (op->kind)
    {
    case SE_OP_EMBED:
      {
        const SeGraphTensor *w = se_graph_tensor (g, op->src[0]);
        guint32 push[SE_VK_PUSH_WORDS] = { width, r->n, ctx->scale_off[op->src[0]] };

        dispatch (r, ctx->embed[_se_vk_type_slot (w->type)], i, push,
                  ((width + 31) / 32 + 63) / 64, r->n, 1);
        break;
      }
    case SE_OP_RMS_NORM:
      {
        guint32 push[SE_VK_PUSH_WORDS] = { width, (guint32) op->p.norm.group,
                                           fbits (op->p.norm.eps), 0 };

        if (ctx->fuse[i] & SE_VK_FUSE_ROPE)
          {
            gint j = next_use (g, op->dst, i + 1);

            push[3] = se_graph_op (g, (guint) j)->p.rope.mode == SE_ROPE_NEOX ? 2 : 1;
          }

        dispatch (r, ctx->pipes[SE_VK_PIPE_RMS_NORM], i, push,
                  width / (guint) op->p.norm.group, r->n, 1);
        break;
      }
    case SE_OP_MATMUL:
      record_matmul (r, i, se_graph_tensor (g, op->src[1]), op->src[1],
                     se_graph_tensor (g, op->src[0])->ne0, 0, r->n, width);
      break;
    case SE_OP_ROPE:
      {
        guint32 push[SE_VK_PUSH_WORDS] = { width, op->p.rope.n_head, op->p.rope.head_dim,
                                           op->p.rope.mode == SE_ROPE_NEOX, r->n };

        dispatch (r, ctx->pipes[SE_VK_PIPE_ROPE], i, push,
                  (op->p.rope.n_head * (op->p.rope.head_dim / 2) + 63) / 64, r->n, 1);
        break;
      }
    default:
      record_elementwise (r, i, op, width);
      break;
    }
}

void
_se_vk_program_clear (SeBackendCtx *ctx,
                      SeVkProgram  *prog)
{
  if (prog->n_segments > 0)
    vkFreeCommandBuffers (ctx->dev.device, ctx->cmd_pool, prog->n_segments, prog->cmd);
  if (prog->queries != VK_NULL_HANDLE)
    vkDestroyQueryPool (ctx->dev.device, prog->queries, NULL);
  g_free (prog->query_op);
  memset (prog, 0, sizeof *prog);
}

/* Splits long prefills into a few submissions so that cancellation is checked. */
static guint
n_segments (const SeBackendCtx *ctx,
            guint               n_tokens)
{
  return CLAMP (n_tokens / 16, 1, MIN (SE_VK_MAX_SEGMENTS, ctx->graph->ops->len));
}

static gboolean
record (SeBackendCtx *ctx,
        SeBackendKv  *kv,
        SeVkProgram  *prog,
        GError      **error)
{
  const SeGraph *g = ctx->graph;
  g_autofree guint8 *state = g_malloc0 (g->tensors->len + g->n_layer + 2);
  Rec r = { ctx, kv, VK_NULL_HANDLE, state, prog->n_tokens, prog->all_logits,
            prog->n_tokens > SE_VK_MATVEC_MAX_TOKENS || !ctx->dev.subgroup_arith,
            VK_NULL_HANDLE };
  VkCommandBufferAllocateInfo ai = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
    .commandPool = ctx->cmd_pool,
    .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
    .commandBufferCount = n_segments (ctx, prog->n_tokens),
  };
  VkCommandBufferBeginInfo bi = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO };
  guint n_ops = g->ops->len, n_seg = ai.commandBufferCount;

  if (!_se_vk_check (vkAllocateCommandBuffers (ctx->dev.device, &ai, prog->cmd),
                     "vkAllocateCommandBuffers", error))
    return FALSE;
  prog->n_segments = n_seg;
  if (ctx->profile)
    {
      VkQueryPoolCreateInfo qi = {
        .sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
        .queryType = VK_QUERY_TYPE_TIMESTAMP,
        .queryCount = n_ops + n_seg,
      };

      if (!_se_vk_check (vkCreateQueryPool (ctx->dev.device, &qi, NULL, &prog->queries),
                         "vkCreateQueryPool", error))
        return FALSE;
      prog->query_op = g_new (gint, n_ops + n_seg);
    }
  for (guint s = 0; s < n_seg; s++)
    {
      r.cmd = prog->cmd[s];
      r.bound = VK_NULL_HANDLE;
      vkBeginCommandBuffer (r.cmd, &bi);
      /* earlier submissions' shader and upload writes become visible here */
      barrier (r.cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
               VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
               VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
               VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
      memset (state, 0, g->tensors->len + g->n_layer + 2);
      if (prog->queries != VK_NULL_HANDLE)
        {
          guint first = s * n_ops / n_seg + s, count = (s + 1) * n_ops / n_seg - s * n_ops / n_seg + 1;

          vkCmdResetQueryPool (r.cmd, prog->queries, first, count);
          prog->query_op[first] = -1;
          vkCmdWriteTimestamp (r.cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, prog->queries, first);
        }
      for (guint i = s * n_ops / n_seg; i < (s + 1) * n_ops / n_seg; i++)
        {
          record_op (&r, i);
          if (prog->queries != VK_NULL_HANDLE)
            {
              prog->query_op[i + s + 1] = (gint) i;
              vkCmdWriteTimestamp (r.cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, prog->queries,
                                   i + s + 1);
            }
        }
      if (!_se_vk_check (vkEndCommandBuffer (r.cmd), "vkEndCommandBuffer", error))
        return FALSE;
    }
  return TRUE;
}

/* The recorded pass for this shape, from the cache's few slots or recorded now. */
SeVkProgram *
_se_vk_program_get (SeBackendCtx *ctx,
                    SeBackendKv  *kv,
                    guint         n_tokens,
                    gboolean      all_logits,
                    GError      **error)
{
  SeVkProgram *prog;

  all_logits = all_logits && n_tokens > 1;  /* one token: the same rows either way */
  for (guint i = 0; i < SE_VK_N_PROGRAMS; i++)
    {
      prog = &kv->programs[i];
      if (prog->n_tokens == n_tokens && prog->all_logits == all_logits
          && prog->generation == ctx->generation)
        return prog;
    }
  prog = &kv->programs[kv->next_program];
  kv->next_program = (kv->next_program + 1) % SE_VK_N_PROGRAMS;
  _se_vk_program_clear (ctx, prog);
  prog->n_tokens = n_tokens;
  prog->all_logits = all_logits;
  prog->generation = ctx->generation;
  if (!record (ctx, kv, prog, error))
    {
      _se_vk_program_clear (ctx, prog);
      return NULL;
    }
  return prog;
}

/* Adds the last run of @prog to the per-op-kind GPU times (the time from the previous
 * timestamp to the one after each op: waits on barriers count to the op that waits). */
void
_se_vk_profile_collect (SeBackendCtx *ctx,
                        SeVkProgram  *prog)
{
  guint n = ctx->graph->ops->len + prog->n_segments;
  g_autofree guint64 *ts = g_new (guint64, n);
  guint kind = prog->n_tokens <= SE_VK_MATVEC_MAX_TOKENS ? 0 : 1;
  double period = ctx->dev.props.limits.timestampPeriod;

  if (prog->queries == VK_NULL_HANDLE
      || vkGetQueryPoolResults (ctx->dev.device, prog->queries, 0, n, n * sizeof (guint64), ts,
                                sizeof (guint64),
                                VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT) != VK_SUCCESS)
    return;
  for (guint q = 1; q < n; q++)
    if (prog->query_op[q] >= 0)
      {
        double ns = (double) (ts[q] - ts[q - 1]) * period;

        ctx->prof_ns[kind][se_graph_op (ctx->graph, prog->query_op[q])->kind] += ns;
        if (kind == 0 && ctx->prof_op_ns != NULL)
          ctx->prof_op_ns[prog->query_op[q]] += ns;
      }
  ctx->prof_tokens[kind] += prog->n_tokens;
  ctx->prof_calls[kind]++;
}

void
_se_vk_profile_print (SeBackendCtx *ctx)
{
  const SeGraph *g = ctx->graph;
  static const char *const names[] = { "decode", "prefill" };

  for (guint k = 0; k < 2; k++)
    {
      double total = 0.0;
      GString *line;

      if (ctx->prof_calls[k] == 0)
        continue;
      for (guint o = 0; o <= SE_OP_LOGITS; o++)
        total += ctx->prof_ns[k][o];
      line = g_string_new (NULL);
      g_string_append_printf (line, "%s: %u calls, %u tokens, GPU %.3f ms per call:",
                              names[k], ctx->prof_calls[k], ctx->prof_tokens[k],
                              total / 1e6 / ctx->prof_calls[k]);
      for (guint o = 0; o <= SE_OP_LOGITS; o++)
        if (ctx->prof_ns[k][o] > 0.0)
          g_string_append_printf (line, " %s %.3f ms (%.0f%%)", se_op_name ((SeOpKind) o),
                                  ctx->prof_ns[k][o] / 1e6 / ctx->prof_calls[k],
                                  100.0 * ctx->prof_ns[k][o] / total);
      g_printerr ("Vulkan profile: %s\n", line->str);
      g_string_free (line, TRUE);
    }
  /* per op: the first 40 (embedding, the first layer or two) and the last 4; an op
   * that runs with the one before it, without a barrier between, shows the time from
   * that op's end (often ~0) */
  for (guint i = 0; ctx->prof_op_ns != NULL && ctx->prof_calls[0] > 0 && i < g->ops->len; i++)
    {
      const SeOp *op = se_graph_op (g, i);
      char w[64] = "";

      if (i >= 40 && i + 4 < g->ops->len)
        continue;
      if (op->kind == SE_OP_MATMUL || op->kind == SE_OP_LOGITS)
        {
          const SeGraphTensor *t = se_graph_tensor (g, op->src[1]);

          g_snprintf (w, sizeof w, " %s %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT,
                      se_type_name (t->type), t->ne1, t->ne0);
        }
      g_printerr ("Vulkan profile: decode op %u %s%s%s: %.1f us\n", i, se_op_name (op->kind), w,
                  ctx->fuse[i] & SE_VK_FUSE_SKIP ? " (fused)" : "",
                  ctx->prof_op_ns[i] / 1e3 / ctx->prof_calls[0]);
    }
}
