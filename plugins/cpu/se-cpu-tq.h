/* SPDX-License-Identifier: Apache-2.0
 *
 * Integer-activation kernels for BitNet's ternary TQ2_0 weights: activations are
 * quantized once per token to int8 per block of 128 (half a weight block), and a row's
 * dot product is formed from exact integer sums (maddubs of the 2-bit codes q with the
 * int8 activations, minus the activations' sum for w = q - 1) in eight lanes, each
 * lane scaled per block into a float accumulator, the lanes reduced in a fixed order.
 * The portable and AVX2 versions do exactly that arithmetic and agree bit for bit.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SE_TQ_BLOCK 256      /* weights per TQ2_0 block */
#define SE_TQ_ACT_BLOCK 128  /* activations per int8 scale */
#define SE_TQ_LANES 8

/* One activation row, quantized for the TQ2_0 kernels. Lane l of a block of 128 holds
 * the columns whose offset in their group of 32 is 4l .. 4l + 3 (the int32 lane AVX2's
 * madd forms them in). Scales per 128 rather than per 256: the tiny bitnet model's
 * logits against numpy went from 2.6% to 2.45% rel-RMSE (bound 3%). */
typedef struct
{
  gint64 n_cols;          /* a multiple of SE_TQ_BLOCK */
  gint8 *q;               /* [n_cols], 32-byte aligned */
  float *scales;          /* [n_cols / 128]: amax / 127 */
  gint32 *lane_sums;      /* [n_cols / 128][8]: sum of the lane's q */
} SeTqAct;

void     se_tq_act_init         (SeTqAct       *act,
                                 gint64         n_cols);
void     se_tq_act_clear        (SeTqAct       *act);
/* Quantizes @x (n_cols floats); the AVX2 version writes the same bytes. */
void     se_tq_act_prepare      (SeTqAct       *act,
                                 const float   *x);
void     se_tq_act_prepare_avx2 (SeTqAct       *act,
                                 const float   *x);

/* One GGUF TQ2_0 row (n_cols / 256 blocks of 64 code bytes + fp16 d) against @act. */
float    se_tq2_dot_scalar      (const guint8  *row,
                                 const SeTqAct *act);
float    se_tq2_dot_avx2        (const guint8  *row,
                                 const SeTqAct *act);
/* AVX-512F + BW, and with VNNI (only call them when the CPU has them): the same bits */
float    se_tq2_dot_avx512      (const guint8  *row,
                                 const SeTqAct *act);
float    se_tq2_dot_avx512vnni  (const guint8  *row,
                                 const SeTqAct *act);

/* AArch64: NEON, and NEON with the dot-product extension (call it only when the CPU
 * has it, HWCAP_ASIMDDP); the same bytes and bits as the portable versions. */
void     se_tq_act_prepare_neon (SeTqAct       *act,
                                 const float   *x);
float    se_tq2_dot_neon        (const guint8  *row,
                                 const SeTqAct *act);
float    se_tq2_dot_dotprod     (const guint8  *row,
                                 const SeTqAct *act);

G_END_DECLS
