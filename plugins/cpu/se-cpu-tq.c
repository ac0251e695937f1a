/* SPDX-License-Identifier: Apache-2.0
 *
 * Portable half of the TQ2_0 integer-activation kernel: int8 quantization of an
 * activation row per block of 128 with its per-lane sums, and the row dot product
 * with exactly the integer lanes, float operations and lane reduction of the AVX2
 * version (se-cpu-tq-avx2.c).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "sprig/se-types.h"
#include "se-cpu-tq.h"

#define TQ2_BLOCK_BYTES 66    /* 64 bytes of 2-bit codes, fp16 d */

void
se_tq_act_init (SeTqAct *act,
                gint64   n_cols)
{
  act->n_cols = n_cols;
  act->q = g_aligned_alloc (MAX (n_cols, 1), 1, 32);
  act->scales = g_new (float, MAX (n_cols / SE_TQ_ACT_BLOCK, 1));
  act->lane_sums = g_new (gint32, MAX (n_cols / SE_TQ_ACT_BLOCK, 1) * SE_TQ_LANES);
}

void
se_tq_act_clear (SeTqAct *act)
{
  g_clear_pointer (&act->q, g_aligned_free);
  g_clear_pointer (&act->scales, g_free);
  g_clear_pointer (&act->lane_sums, g_free);
}

void
se_tq_act_prepare (SeTqAct     *act,
                   const float *x)
{
  for (gint64 b = 0; b < act->n_cols / SE_TQ_ACT_BLOCK; b++)
    {
      const float *xb = x + b * SE_TQ_ACT_BLOCK;
      gint8 *q = act->q + b * SE_TQ_ACT_BLOCK;
      gint32 *lanes = act->lane_sums + b * SE_TQ_LANES;
      float amax = 0.0f, inv;

      for (gint i = 0; i < SE_TQ_ACT_BLOCK; i++)
        amax = MAX (amax, fabsf (xb[i]));
      act->scales[b] = amax / 127.0f;
      inv = amax > 0.0f ? 127.0f / amax : 0.0f;
      memset (lanes, 0, sizeof (gint32) * SE_TQ_LANES);
      for (gint i = 0; i < SE_TQ_ACT_BLOCK; i++)
        {
          q[i] = (gint8) CLAMP (lrintf (xb[i] * inv), -127, 127);
          lanes[(i % 32) / 4] += q[i];
        }
    }
}

/* Byte 32c + m of a block's codes, bits 2n, hold column 128c + 32n + m: half c of the
 * block has its own activation scale. */
float
se_tq2_dot_scalar (const guint8  *row,
                   const SeTqAct *act)
{
  float lanes[SE_TQ_LANES] = { 0 };

  for (gint64 b = 0; b < act->n_cols / SE_TQ_BLOCK; b++)
    {
      const guint8 *blk = row + b * TQ2_BLOCK_BYTES;
      guint16 d16;
      float d;

      memcpy (&d16, blk + 64, 2);
      d = se_fp16_to_fp32 (d16);
      for (guint c = 0; c < 2; c++)
        {
          gint64 half = 2 * b + c;
          const gint8 *q = act->q + half * SE_TQ_ACT_BLOCK;
          gint32 isum[SE_TQ_LANES] = { 0 };
          float scale = d * act->scales[half];

          for (guint n = 0; n < 4; n++)
            for (guint m = 0; m < 32; m++)
              isum[m / 4] += ((blk[32 * c + m] >> (2 * n)) & 3) * q[32 * n + m];
          for (guint l = 0; l < SE_TQ_LANES; l++)
            lanes[l] = fmaf ((float) (isum[l] - act->lane_sums[half * SE_TQ_LANES + l]), scale,
                             lanes[l]);
        }
    }
  return ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6]))
         + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
}
