/* SPDX-License-Identifier: Apache-2.0
 *
 * Turns an architecture's hyper-parameters into the op list of one forward pass. This
 * is the only place that knows how qwen3, llama and bitnet blocks are wired; backends
 * only execute ops. Activations live in a handful of slots reused by every layer.
 */
#include "config.h"

#include <math.h>

#include "sprig/se-error.h"
#include "se-graph-private.h"

/* Activation slots, in tensor-table order after the weights are added lazily. */
typedef struct
{
  SeGraph *g;
  const SeGguf *gguf;
  const SeHParams *hp;
  gint x, h, q, k, v, attn, gate, up;
} Builder;

static const char *const op_names[] = {
  [SE_OP_EMBED] = "embed", [SE_OP_RMS_NORM] = "rms_norm", [SE_OP_MATMUL] = "matmul",
  [SE_OP_ROPE] = "rope", [SE_OP_ATTENTION] = "attention", [SE_OP_SWIGLU] = "swiglu",
  [SE_OP_RELU2_GLU] = "relu2_glu", [SE_OP_ADD] = "add", [SE_OP_LOGITS] = "logits",
};

const char *
se_op_name (SeOpKind kind)
{
  return kind < G_N_ELEMENTS (op_names) ? op_names[kind] : "unknown";
}

static gint
add_act (Builder    *b,
         const char *name,
         gint64      width)
{
  SeGraphTensor t = { .kind = SE_GRAPH_TENSOR_ACT, .type = SE_TYPE_F32, .ne0 = width, .ne1 = 1 };
  char *owned = g_strdup (name);

  g_ptr_array_add (b->g->names, owned);
  t.name = owned;
  g_array_append_val (b->g->tensors, t);
  b->g->max_act_width = MAX (b->g->max_act_width, (guint) width);
  return (gint) b->g->tensors->len - 1;
}

static gint
add_weight (Builder    *b,
            const char *name)
{
  const SeGgufTensor *gt = se_gguf_find_tensor (b->gguf, name);
  SeGraphTensor t = { .kind = SE_GRAPH_TENSOR_WEIGHT };
  char *owned;

  /* se_arch_check_tensors ran before: every name of the architecture exists. */
  g_assert (gt != NULL);
  owned = g_strdup (name);
  g_ptr_array_add (b->g->names, owned);
  t.name = owned;
  t.type = gt->type;
  t.ne0 = gt->ne[0];
  t.ne1 = gt->ne[1];
  t.data = gt->data;
  t.n_bytes = gt->n_bytes;
  g_array_append_val (b->g->tensors, t);
  return (gint) b->g->tensors->len - 1;
}

static gint
layer_weight (Builder    *b,
              guint       il,
              const char *what)
{
  g_autofree char *name = g_strdup_printf ("blk.%u.%s.weight", il, what);

  return add_weight (b, name);
}

static void
emit (Builder *b,
      SeOp     op)
{
  g_array_append_val (b->g->ops, op);
}

static void
norm (Builder *b,
      gint     dst,
      gint     src,
      gint     weight,
      gint64   group)
{
  emit (b, (SeOp) { .kind = SE_OP_RMS_NORM, .dst = dst, .src = { src, weight, -1 },
                    .p.norm = { b->hp->norm_eps, group } });
}

static void
matmul (Builder *b,
        gint     dst,
        gint     src,
        gint     weight)
{
  emit (b, (SeOp) { .kind = SE_OP_MATMUL, .dst = dst, .src = { src, weight, -1 } });
}

static void
binary (Builder *b,
        SeOpKind kind,
        gint     dst,
        gint     a,
        gint     c)
{
  emit (b, (SeOp) { .kind = kind, .dst = dst, .src = { a, c, -1 } });
}

static void
build_attention (Builder *b,
                 guint    il)
{
  const SeHParams *hp = b->hp;
  SeRopeMode mode = hp->arch == SE_ARCH_QWEN3 ? SE_ROPE_NEOX : SE_ROPE_NORMAL;

  norm (b, b->h, b->x, layer_weight (b, il, "attn_norm"), hp->n_embd);
  matmul (b, b->q, b->h, layer_weight (b, il, "attn_q"));
  matmul (b, b->k, b->h, layer_weight (b, il, "attn_k"));
  matmul (b, b->v, b->h, layer_weight (b, il, "attn_v"));
  if (hp->arch == SE_ARCH_QWEN3)
    {
      norm (b, b->q, b->q, layer_weight (b, il, "attn_q_norm"), hp->head_dim);
      norm (b, b->k, b->k, layer_weight (b, il, "attn_k_norm"), hp->head_dim);
    }
  emit (b, (SeOp) { .kind = SE_OP_ROPE, .dst = b->q, .src = { b->q, -1, -1 },
                    .p.rope = { hp->n_head, hp->head_dim, hp->rope_freq_base, mode } });
  emit (b, (SeOp) { .kind = SE_OP_ROPE, .dst = b->k, .src = { b->k, -1, -1 },
                    .p.rope = { hp->n_head_kv, hp->head_dim, hp->rope_freq_base, mode } });
  emit (b, (SeOp) { .kind = SE_OP_ATTENTION, .dst = b->attn, .src = { b->q, b->k, b->v },
                    .p.attn = { il, hp->n_head, hp->n_head_kv, hp->head_dim,
                                (float) (1.0 / sqrt ((double) hp->head_dim)) } });
  if (hp->arch == SE_ARCH_BITNET)
    norm (b, b->attn, b->attn, layer_weight (b, il, "attn_sub_norm"),
          (gint64) hp->n_head * hp->head_dim);
  matmul (b, b->h, b->attn, layer_weight (b, il, "attn_output"));
  binary (b, SE_OP_ADD, b->x, b->x, b->h);
}

static void
build_ffn (Builder *b,
           guint    il)
{
  const SeHParams *hp = b->hp;

  norm (b, b->h, b->x, layer_weight (b, il, "ffn_norm"), hp->n_embd);
  matmul (b, b->gate, b->h, layer_weight (b, il, "ffn_gate"));
  matmul (b, b->up, b->h, layer_weight (b, il, "ffn_up"));
  if (hp->arch == SE_ARCH_BITNET)
    {
      binary (b, SE_OP_RELU2_GLU, b->gate, b->gate, b->up);
      norm (b, b->gate, b->gate, layer_weight (b, il, "ffn_sub_norm"), hp->n_ff);
    }
  else
    binary (b, SE_OP_SWIGLU, b->gate, b->gate, b->up);
  matmul (b, b->h, b->gate, layer_weight (b, il, "ffn_down"));
  binary (b, SE_OP_ADD, b->x, b->x, b->h);
}

SeGraph *
_se_graph_build (const SeHParams *hp,
                 const SeGguf    *gguf,
                 GError         **error)
{
  g_autoptr(SeGraph) g = g_new0 (SeGraph, 1);
  Builder b = { .g = g, .gguf = gguf, .hp = hp };
  gint64 q_width = (gint64) hp->n_head * hp->head_dim;
  gint64 kv_width = (gint64) hp->n_head_kv * hp->head_dim;
  gint output;

  if (!se_arch_check_tensors (hp, gguf, error))
    return NULL;
  g->names = g_ptr_array_new_with_free_func (g_free);
  g->tensors = g_array_new (FALSE, TRUE, sizeof (SeGraphTensor));
  g->ops = g_array_new (FALSE, TRUE, sizeof (SeOp));
  g->n_layer = hp->n_layer;
  g->n_kv_width = (guint) kv_width;
  g->n_vocab = hp->n_vocab;

  b.x = add_act (&b, "x", hp->n_embd);
  b.h = add_act (&b, "h", hp->n_embd);
  b.q = add_act (&b, "q", q_width);
  b.k = add_act (&b, "k", kv_width);
  b.v = add_act (&b, "v", kv_width);
  b.attn = add_act (&b, "attn", q_width);
  b.gate = add_act (&b, "gate", hp->n_ff);
  b.up = add_act (&b, "up", hp->n_ff);

  g->input_embd = add_weight (&b, "token_embd.weight");
  emit (&b, (SeOp) { .kind = SE_OP_EMBED, .dst = b.x, .src = { g->input_embd, -1, -1 } });
  for (guint il = 0; il < hp->n_layer; il++)
    {
      build_attention (&b, il);
      build_ffn (&b, il);
    }
  norm (&b, b.h, b.x, add_weight (&b, "output_norm.weight"), hp->n_embd);
  output = hp->tied_output ? g->input_embd : add_weight (&b, "output.weight");
  emit (&b, (SeOp) { .kind = SE_OP_LOGITS, .dst = -1, .src = { b.h, output, -1 } });
  return g_steal_pointer (&g);
}

void
_se_graph_free (SeGraph *graph)
{
  if (graph == NULL)
    return;
  g_clear_pointer (&graph->ops, g_array_unref);
  g_clear_pointer (&graph->tensors, g_array_unref);
  g_clear_pointer (&graph->names, g_ptr_array_unref);
  g_free (graph);
}
