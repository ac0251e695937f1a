/* SPDX-License-Identifier: Apache-2.0
 *
 * One forward pass as a list of ops over a small table of tensors, built once per
 * model from its hyper-parameters (se-graph.c). Backends execute this list; they never
 * know which architecture it came from. Weight tensors point into the model file's
 * mapping; activation tensors are float32 buffers of [n_tokens][ne0] that the backend
 * allocates and that many layers reuse (the residual stream `x` is one tensor).
 */
#pragma once

#include <glib.h>

#include "sprig/se-types.h"

G_BEGIN_DECLS

typedef enum
{
  SE_GRAPH_TENSOR_WEIGHT,   /* [ne1 rows][ne0] of `type`, read-only, in the model file */
  SE_GRAPH_TENSOR_ACT,      /* [n_tokens][ne0] float32, owned by the backend */
} SeGraphTensorKind;

typedef struct
{
  const char *name;
  SeGraphTensorKind kind;
  SeType type;              /* SE_TYPE_F32 for activations */
  gint64 ne0;               /* row length */
  gint64 ne1;               /* weights: number of rows; activations: 1 */
  const void *data;         /* weights only */
  gsize n_bytes;            /* weights only */
} SeGraphTensor;

typedef enum
{
  /* dst[t] = dequantized row tokens[t] of weight src0 */
  SE_OP_EMBED,
  /* dst = src0 / sqrt(mean(src0^2) + eps) * src1, normalising each group of `group`
   * elements of a row on its own (group = ne0 for a plain RMSNorm, head_dim for the
   * per-head Q/K norms of qwen3); src1 is an F32 weight of `group` elements */
  SE_OP_RMS_NORM,
  /* dst[t][r] = sum_i W[r][i] * src0[t][i], W = weight src1 of [ne1][ne0] */
  SE_OP_MATMUL,
  /* rotates each head of src0 by its position pos0 + t; dst may equal src0 */
  SE_OP_ROPE,
  /* q = src0, k = src1, v = src2 (one row per token): stores k and v in the KV cache of
   * `layer` at positions pos0 + t, then causal attention of every query head over the
   * cache rows 0 .. pos0 + t (GQA: head h reads kv head h / (n_head / n_head_kv)) */
  SE_OP_ATTENTION,
  /* dst = silu(src0) * src1; dst may equal src0 */
  SE_OP_SWIGLU,
  /* dst = max(src0, 0)^2 * src1 (BitNet's gated squared ReLU); dst may equal src0 */
  SE_OP_RELU2_GLU,
  /* dst = src0 + src1; dst may equal src0 */
  SE_OP_ADD,
  /* like MATMUL, but only for the rows the caller wants logits of (all, or the last),
   * written to the caller's logits buffer instead of an activation */
  SE_OP_LOGITS,
} SeOpKind;

typedef enum
{
  SE_ROPE_NORMAL,  /* rotate pairs (2i, 2i+1): llama, bitnet */
  SE_ROPE_NEOX,    /* rotate pairs (i, i + n/2): qwen3 */
} SeRopeMode;

typedef struct
{
  SeOpKind kind;
  gint dst;        /* tensor index; -1 for SE_OP_LOGITS */
  gint src[3];     /* tensor indices; -1 when unused */
  union
  {
    struct { float eps; gint64 group; } norm;
    struct { guint n_head; guint head_dim; float freq_base; SeRopeMode mode; } rope;
    struct { guint layer; guint n_head; guint n_head_kv; guint head_dim; float scale; } attn;
  } p;
} SeOp;

typedef struct
{
  GPtrArray *names;        /* owns the tensor names */
  GArray *tensors;         /* SeGraphTensor */
  GArray *ops;             /* SeOp */
  gint input_embd;         /* index of the token embedding weight */
  guint n_layer;
  guint n_kv_width;        /* n_head_kv * head_dim: one K or V row per layer and position */
  guint n_vocab;
  guint max_act_width;     /* widest activation row, for sizing buffers */
} SeGraph;

static inline const SeGraphTensor *
se_graph_tensor (const SeGraph *g,
                 gint           i)
{
  return &g_array_index (g->tensors, SeGraphTensor, i);
}

static inline const SeOp *
se_graph_op (const SeGraph *g,
             guint          i)
{
  return &g_array_index (g->ops, SeOp, i);
}

const char *se_op_name (SeOpKind kind);

G_END_DECLS
