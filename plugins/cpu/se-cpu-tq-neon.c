/* SPDX-License-Identifier: Apache-2.0
 *
 * AArch64 NEON half of the TQ2_0 integer-activation kernel. Per half block of 128
 * columns: two loads of 16 code bytes, four shifts and masks give the 2-bit codes of
 * 4 x 32 consecutive columns, multiplied with their int8 activations into eight int32
 * lanes of four consecutive columns each (lane l: offsets 4l .. 4l + 3 of a group of
 * 32, the lanes of the portable version). Plain NEON widens the products with
 * multiply-accumulate into int16 and adds pairs twice; the dot-product extension does
 * the same in one sdot per 16 columns. The lanes minus the activations' lane sums are
 * scaled by d * a_half into float lanes, reduced as the portable version does, so all
 * three agree bit for bit.
 */
#include "config.h"

#include <arm_neon.h>
#include <string.h>

#include "se-cpu-q1.h"
#include "se-cpu-tq.h"

#define TQ2_BLOCK_BYTES 66
#define ALWAYS_INLINE inline __attribute__ ((always_inline))
#define DOTPROD __attribute__ ((target ("arch=armv8.2-a+dotprod")))
/* ~2 KiB ahead, as the AVX2 kernel prefetches */
#define PREFETCH_BLOCKS 32

/* The 2-bit codes of plane n (bits 2n) of 16 code bytes @v, for the shifts 0, 2, 4, 6 */
static ALWAYS_INLINE int8x16_t
codes (uint8x16_t v,
       int        n)
{
  const uint8x16_t three = vdupq_n_u8 (3);

  switch (n)
    {
    case 0: return vreinterpretq_s8_u8 (vandq_u8 (v, three));
    case 1: return vreinterpretq_s8_u8 (vandq_u8 (vshrq_n_u8 (v, 2), three));
    case 2: return vreinterpretq_s8_u8 (vandq_u8 (vshrq_n_u8 (v, 4), three));
    default: return vreinterpretq_s8_u8 (vshrq_n_u8 (v, 6));
    }
}

/* Lanes 0-3 (*l0) and 4-7 (*l1) of one half block: codes at @c (32 bytes), its 128
 * activations at @q. Codes <= 3 and |q| <= 127: 4 planes x 2 products stay within
 * int16 (3048). */
static ALWAYS_INLINE void
half_lanes_neon (const guint8 *c,
                 const gint8  *q,
                 int32x4_t    *l0,
                 int32x4_t    *l1)
{
  uint8x16_t v0 = vld1q_u8 (c), v1 = vld1q_u8 (c + 16);
  int16x8_t p[4] = { vdupq_n_s16 (0), vdupq_n_s16 (0), vdupq_n_s16 (0), vdupq_n_s16 (0) };

  for (int n = 0; n < 4; n++)
    {
      int8x16_t c0 = codes (v0, n), c1 = codes (v1, n);
      int8x16_t q0 = vld1q_s8 (q + 32 * n), q1 = vld1q_s8 (q + 32 * n + 16);

      p[0] = vmlal_s8 (p[0], vget_low_s8 (c0), vget_low_s8 (q0));
      p[1] = vmlal_high_s8 (p[1], c0, q0);
      p[2] = vmlal_s8 (p[2], vget_low_s8 (c1), vget_low_s8 (q1));
      p[3] = vmlal_high_s8 (p[3], c1, q1);
    }
  /* pairs, then pairs of pairs: sums of 4 consecutive columns */
  *l0 = vpaddq_s32 (vpaddlq_s16 (p[0]), vpaddlq_s16 (p[1]));
  *l1 = vpaddq_s32 (vpaddlq_s16 (p[2]), vpaddlq_s16 (p[3]));
}

static ALWAYS_INLINE DOTPROD void
half_lanes_dotprod (const guint8 *c,
                    const gint8  *q,
                    int32x4_t    *l0,
                    int32x4_t    *l1)
{
  uint8x16_t v0 = vld1q_u8 (c), v1 = vld1q_u8 (c + 16);
  int32x4_t a = vdupq_n_s32 (0), b = vdupq_n_s32 (0);

  for (int n = 0; n < 4; n++)
    {
      a = vdotq_s32 (a, codes (v0, n), vld1q_s8 (q + 32 * n));
      b = vdotq_s32 (b, codes (v1, n), vld1q_s8 (q + 32 * n + 16));
    }
  *l0 = a;
  *l1 = b;
}

/* One row's float lanes from the half-block lanes of @half_lanes, reduced as the
 * portable version does. A macro, not an inline function: GCC inlines the dotprod
 * half only into a function built for the extension, and the outer loop is the same. */
#define TQ2_DOT(row, act, half_lanes)                                                   \
  do                                                                                   \
    {                                                                                  \
      float32x4_t acc0 = vdupq_n_f32 (0.0f), acc1 = vdupq_n_f32 (0.0f);                \
      float l[8];                                                                      \
                                                                                       \
      for (gint64 b = 0; b < (act)->n_cols / SE_TQ_BLOCK; b++)                         \
        {                                                                              \
          const guint8 *blk = (row) + b * TQ2_BLOCK_BYTES;                             \
          float d = block_scale (blk);                                                 \
                                                                                       \
          for (int c = 0; c < 2; c++)                                                  \
            {                                                                          \
              gint64 half = 2 * b + c;                                                 \
              const gint32 *sums = (act)->lane_sums + half * SE_TQ_LANES;              \
              float32x4_t scale = vdupq_n_f32 (d * (act)->scales[half]);               \
              int32x4_t l0, l1;                                                        \
                                                                                       \
              half_lanes (blk + 32 * c, (act)->q + half * SE_TQ_ACT_BLOCK, &l0, &l1);  \
              l0 = vsubq_s32 (l0, vld1q_s32 (sums));                                   \
              l1 = vsubq_s32 (l1, vld1q_s32 (sums + 4));                               \
              acc0 = vfmaq_f32 (acc0, vcvtq_f32_s32 (l0), scale);                      \
              acc1 = vfmaq_f32 (acc1, vcvtq_f32_s32 (l1), scale);                      \
            }                                                                          \
        }                                                                              \
      vst1q_f32 (l, acc0);                                                             \
      vst1q_f32 (l + 4, acc1);                                                         \
      return ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]));        \
    }                                                                                  \
  while (0)

/* The block's scale d; prefetches ~2 KiB ahead (rows follow each other in the file) */
static ALWAYS_INLINE float
block_scale (const guint8 *blk)
{
  __fp16 d16;

  __builtin_prefetch (blk + PREFETCH_BLOCKS * TQ2_BLOCK_BYTES, 0, 3);
  __builtin_prefetch (blk + PREFETCH_BLOCKS * TQ2_BLOCK_BYTES + 64, 0, 3);
  memcpy (&d16, blk + 64, 2);
  return (float) d16;
}

float
se_tq2_dot_neon (const guint8  *row,
                 const SeTqAct *act)
{
  TQ2_DOT (row, act, half_lanes_neon);
}

DOTPROD float
se_tq2_dot_dotprod (const guint8  *row,
                    const SeTqAct *act)
{
  TQ2_DOT (row, act, half_lanes_dotprod);
}

void
se_tq_act_prepare_neon (SeTqAct     *act,
                        const float *x)
{
  for (gint64 b = 0; b < act->n_cols / SE_TQ_ACT_BLOCK; b++)
    {
      gint8 *q = act->q + b * SE_TQ_ACT_BLOCK;
      int32x4_t l0 = vdupq_n_s32 (0), l1 = vdupq_n_s32 (0);

      act->scales[b] = _se_cpu_quantize_128_neon (x + b * SE_TQ_ACT_BLOCK, q);
      /* lane l: the q at offsets 4l .. 4l + 3 of each group of 32 */
      for (int i = 0; i < SE_TQ_ACT_BLOCK; i += 32)
        {
          l0 = vaddq_s32 (l0, vpaddlq_s16 (vpaddlq_s8 (vld1q_s8 (q + i))));
          l1 = vaddq_s32 (l1, vpaddlq_s16 (vpaddlq_s8 (vld1q_s8 (q + i + 16))));
        }
      vst1q_s32 (act->lane_sums + b * SE_TQ_LANES, l0);
      vst1q_s32 (act->lane_sums + b * SE_TQ_LANES + 4, l1);
    }
}
