/* SPDX-License-Identifier: Apache-2.0
 *
 * Shared state of the CPU backend: the context one model's graph runs in, the
 * per-ISA kernel table chosen at init, and the functions the plugin's files call in
 * each other. Kernels in the table either agree bit for bit across ISAs (Q1_0,
 * attention, fp16 conversion) or are documented as ISA-dependent (dot_f32).
 */
#pragma once

#include <glib.h>

#include "sprig/se-backend.h"
#include "se-cpu-features.h"
#include "se-cpu-float.h"
#include "se-cpu-pool.h"
#include "se-cpu-q1.h"
#include "se-cpu-tq.h"

G_BEGIN_DECLS

/* Tokens whose activation tables one Q1_0 matmul prepares at once: a prefill re-reads
 * the weights once per group, not once per token. */
#define SE_CPU_ACT_BATCH 32
/* Most MATMULs of one input that run as one parallel call (Q, K, V) */
#define SE_CPU_MAX_FUSED 4

typedef enum
{
  SE_CPU_ISA_SCALAR,
  SE_CPU_ISA_AVX2,
  SE_CPU_ISA_AVX512,
  SE_CPU_ISA_NEON,
} SeCpuIsa;

typedef struct
{
  SeCpuIsa isa;
  const char *name;
  void  (*q1_act_prepare) (SeQ1Act *act, const float *x);
  /* y[t * y_stride + r] = W[r] . x_t, bit-identical to one token at a time */
  void  (*q1_matmul)      (const SeQ1Packed *w, const SeQ1Act *acts, guint n_tokens,
                           float *y, gint64 y_stride, gint64 row0, gint64 row1);
  void  (*tq_act_prepare) (SeTqAct *act, const float *x);
  /* one TQ2_0 row against prepared activations, the same bits on every ISA */
  float (*tq2_dot)        (const guint8 *row, const SeTqAct *act);
  /* sum a[i] b[i]; the order of additions is ISA-dependent */
  float (*dot_f32)        (const float *a, const float *b, gint64 n);
  /* sum q[i] k[i] in 8 lanes (lane i % 8, fused multiply-add), lanes reduced as
   * ((l0+l4)+(l2+l6))+((l1+l5)+(l3+l7)): the same bits on every ISA */
  float (*dot_f16)        (const float *q, const guint16 *k, guint n);
  /* out[r] = dot_f16 (q, k + r * stride, n) for r < n_rows <= 4, the same bits */
  void  (*dot_f16_rows)   (const float *q, const guint16 *k, gsize stride, guint n_rows,
                           guint n, float *out);
  /* y[i] = fmaf (a, v[i], y[i]) */
  void  (*axpy_f16)       (float *y, float a, const guint16 *v, guint n);
  /* axpy_f16 (y, p[j], v + j * stride, n) for j < n_rows, the same bits */
  void  (*wsum_f16)       (float *y, const float *p, const guint16 *v, gsize stride,
                           guint n_rows, guint n);
  /* round to nearest even, as se_fp32_to_fp16 */
  void  (*f32_to_f16)     (guint16 *dst, const float *src, gsize n);
  /* _se_cpu_softmax_scalar: x[j] = exp (x[j] * scale - max), returns the sum; the same
   * bits on every ISA */
  float (*softmax)        (float *x, guint n, float scale);
} SeCpuKernels;

/* A Q1_0 weight re-packed for the lookup-table kernel. Rows [0, packed.n_rows) live
 * in @packed (their pages of the file mapping are dropped); the remaining n_rows % 32
 * rows are read from the mapping. */
typedef struct
{
  SeQ1Packed packed;        /* data points into the context's arena */
} SeCpuWeight;

struct _SeBackendCtx
{
  const SeGraph *graph;
  const SeCpuKernels *k;
  SeCpuPool *pool;
  guint n_threads;
  guint max_tokens;
  float **acts;              /* per tensor: [max_tokens][ne0] activations, else NULL */
  SeCpuWeight **weights;     /* per tensor: packed Q1_0 weight, else NULL */
  float **norms;             /* per tensor: an own copy of an RMSNorm weight, else NULL */
  guint8 *arena;             /* all packed weights */
  gsize arena_bytes;
  float **rows;              /* per thread: one dequantized weight row */
  float **scores;            /* per thread: (n_scores + 1) × max_group attention scores */
  gsize n_scores;
  guint max_group;           /* the most query heads that share one KV head (GQA) */
  SeQ1Act act[SE_CPU_ACT_BATCH];
  SeTqAct tq_act[SE_CPU_ACT_BATCH];   /* TQ2_0 activations, prepared per matmul */
  gint64 act_cols;
  const float *act_src;      /* what act[0 .. act_n) hold, to skip re-preparing */
  gint64 act_stride;
  guint act_n;
  double *rope_cs;           /* [n_tokens][half][2] cos, sin for the current call */
  guint rope_pos0, rope_n, rope_dim;
  float rope_base;
  char description[64];
};

struct _SeBackendKv
{
  guint n_ctx;
  guint16 *k;                /* [n_layer][n_ctx][n_kv_width] fp16 */
  guint16 *v;
};

/* se-cpu-kernels.c */
gboolean            _se_cpu_kernels_select   (const char     *isa_env,
                                              SeCpuFeatures   features,
                                              const SeCpuKernels **out,
                                              GError        **error);
const SeCpuKernels *_se_cpu_kernels_scalar   (void);
const SeCpuKernels *_se_cpu_kernels_avx2     (void);
const SeCpuKernels *_se_cpu_kernels_avx512   (void);
const SeCpuKernels *_se_cpu_kernels_neon     (void);
float               _se_cpu_q1_row_dot       (const guint8   *row,
                                              const SeQ1Act  *act);

/* se-cpu-pack.c */
gboolean            _se_cpu_pack_weights     (SeBackendCtx          *ctx,
                                              const SeBackendParams *params,
                                              GError               **error);
void                _se_cpu_weights_free     (SeBackendCtx          *ctx);

/* se-cpu-matmul.c */
void                _se_cpu_matmul           (SeBackendCtx        *ctx,
                                              gint                 w_index,
                                              const float         *src,
                                              gint64               src_stride,
                                              float               *dst,
                                              gint64               dst_stride,
                                              guint                n_tokens);

guint               _se_cpu_matmul_fusable   (SeBackendCtx        *ctx,
                                              guint                op_index);
void                _se_cpu_matmul_fused     (SeBackendCtx        *ctx,
                                              const SeOp * const  *ops,
                                              guint                n,
                                              guint                n_tokens);

/* se-cpu-ops.c */
void                _se_cpu_op_embed         (SeBackendCtx        *ctx,
                                              gint                 w_index,
                                              const gint32        *tokens,
                                              float               *dst,
                                              guint                n_tokens);
void                _se_cpu_op_rms_norm      (SeBackendCtx        *ctx,
                                              const SeOp          *op,
                                              const float         *src,
                                              float               *dst,
                                              gint64               width,
                                              guint                n_tokens);
void                _se_cpu_op_rope          (SeBackendCtx        *ctx,
                                              const SeOp          *op,
                                              float               *x,
                                              gint64               width,
                                              guint                n_tokens,
                                              guint                pos0);
void                _se_cpu_op_attention     (SeBackendCtx        *ctx,
                                              const SeOp          *op,
                                              SeBackendKv         *kv,
                                              const float * const  qkv[3],
                                              float               *out,
                                              guint                n_tokens,
                                              guint                pos0);
void                _se_cpu_op_elementwise   (SeBackendCtx        *ctx,
                                              SeOpKind             kind,
                                              const float         *a,
                                              const float         *b,
                                              float               *dst,
                                              gsize                n);

G_END_DECLS
