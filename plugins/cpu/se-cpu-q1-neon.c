/* SPDX-License-Identifier: Apache-2.0
 *
 * AArch64 NEON half of the Q1_0 lookup-table kernel (NEON is part of the AArch64
 * base, so no flags and no feature check). It reads the packed layout the AVX2 kernel
 * reads: per 32-row tile and block of 128 columns, 16 vectors of 32 sign bytes. A
 * tile is two 16-byte row halves; per sign byte, `tbl` (vqtbl1q_u8, the 16-byte table
 * lookup that pshufb is on x86) gives 16 rows' lookups of one 5-bit table half, added
 * as bytes over 8 groups, then joined into uint16 block sums (lo + 32 hi) with one
 * widening add and one widening multiply-add. The block sums are exactly the scalar
 * kernel's integers and the float work is the same fused multiply-add per row and
 * block, so every row gets the scalar kernel's bits. Prefill runs two tokens per
 * pass: a tile's nibble indices serve both.
 *
 * The dot-product extension does not help here: the lookups are the work, and
 * sdot/udot sum neighbouring bytes, which are different rows in this layout.
 */
#include "config.h"

#include <arm_neon.h>
#include <string.h>

#include "se-cpu-q1.h"

#define TILE_BLOCK_BYTES (16 * SE_Q1_TILE_ROWS + 2 * SE_Q1_TILE_ROWS)
#define MAX_TOKENS 2
#define ALWAYS_INLINE inline __attribute__ ((always_inline))
/* the token and vector loops must become straight code, their arrays registers */
#define UNROLL _Pragma ("GCC unroll 16")

/* The uint16 block sums of one tile (block at @tb) for @nt tokens whose tables of the
 * block start at tables[t]: s[t][i] holds rows 8i .. 8i + 7 as int16. Each 5-bit
 * half is at most 31, so 8 groups add up in a byte; the biased sum of 32 groups is at
 * most 32 * 1020 and fits a uint16 before the bias (32 * 512) is taken off. */
static ALWAYS_INLINE void
tile_block_sums (const guint8        *tb,
                 const guint8 *const *tables,
                 int                  nt,
                 int16x8_t            s[][4])
{
  const uint8x16_t mask = vdupq_n_u8 (0x0f);
  const uint8x16_t by32 = vdupq_n_u8 (32);
  uint16x8_t u[MAX_TOKENS][4];

  UNROLL
  for (int t = 0; t < nt; t++)
    UNROLL
    for (int i = 0; i < 4; i++)
      u[t][i] = vdupq_n_u16 (0);
  for (int q = 0; q < 16; q += 4)
    {
      uint8x16_t lo[MAX_TOKENS][2], hi[MAX_TOKENS][2];

      UNROLL
      for (int t = 0; t < nt; t++)
        UNROLL
        for (int h = 0; h < 2; h++)
          lo[t][h] = hi[t][h] = vdupq_n_u8 (0);
      UNROLL
      for (int m = q; m < q + 4; m++)
        {
          /* rows 0-15 and 16-31 of sign byte m: nibble 0 is group 2m, nibble 1 2m + 1 */
          uint8x16x2_t v = vld1q_u8_x2 (tb + m * SE_Q1_TILE_ROWS);
          uint8x16_t i0[2] = { vandq_u8 (v.val[0], mask), vandq_u8 (v.val[1], mask) };
          uint8x16_t i1[2] = { vshrq_n_u8 (v.val[0], 4), vshrq_n_u8 (v.val[1], 4) };

          UNROLL
          for (int t = 0; t < nt; t++)
            {
              /* lo (2m), hi (2m), lo (2m + 1), hi (2m + 1): 64 contiguous bytes */
              uint8x16x4_t g = vld1q_u8_x4 (tables[t] + (2 * m) * 32);

              UNROLL
              for (int h = 0; h < 2; h++)
                {
                  lo[t][h] = vaddq_u8 (lo[t][h], vqtbl1q_u8 (g.val[0], i0[h]));
                  hi[t][h] = vaddq_u8 (hi[t][h], vqtbl1q_u8 (g.val[1], i0[h]));
                  lo[t][h] = vaddq_u8 (lo[t][h], vqtbl1q_u8 (g.val[2], i1[h]));
                  hi[t][h] = vaddq_u8 (hi[t][h], vqtbl1q_u8 (g.val[3], i1[h]));
                }
            }
        }
      UNROLL
      for (int t = 0; t < nt; t++)
        UNROLL
        for (int h = 0; h < 2; h++)
          {
            uint16x8_t a = vaddw_u8 (u[t][2 * h], vget_low_u8 (lo[t][h]));
            uint16x8_t b = vaddw_high_u8 (u[t][2 * h + 1], lo[t][h]);

            u[t][2 * h] = vmlal_u8 (a, vget_low_u8 (hi[t][h]), vget_low_u8 (by32));
            u[t][2 * h + 1] = vmlal_high_u8 (b, hi[t][h], by32);
          }
    }
  UNROLL
  for (int t = 0; t < nt; t++)
    UNROLL
    for (int i = 0; i < 4; i++)
      s[t][i] = vreinterpretq_s16_u16 (vsubq_u16 (u[t][i],
                                                  vdupq_n_u16 (32 * SE_Q1_TABLE_BIAS)));
}

/* acc + isum * (d * a) for 4 rows, as fmaf ((float) isum, d * a, acc) */
static ALWAYS_INLINE float32x4_t
scale_rows (int16x4_t   isum,
            float32x4_t d,
            float32x4_t a,
            float32x4_t acc)
{
  float32x4_t sums = vcvtq_f32_s32 (vmovl_s16 (isum));

  return vfmaq_f32 (acc, sums, vmulq_f32 (d, a));
}

/* The next pass's tile-blocks (the layout is linear in the order a decode reads it),
 * a share of one tile-block per block of this pass, as the AVX2 kernel does. */
static ALWAYS_INLINE void
prefetch_next (const guint8 *pass,
               gint64        chunk_len,
               gint64        j)
{
  const guint8 *p = pass + (gsize) (chunk_len + j) * TILE_BLOCK_BYTES;

  UNROLL
  for (int k = 0; k < TILE_BLOCK_BYTES; k += 64)
    __builtin_prefetch (p + k, 0, 3);
}

/* One tile over the blocks [c0, c0 + chunk_len) of a chunk (layout at @tb) for @nt
 * tokens: float accumulators start at 0 for the first chunk and are carried in y
 * between chunks, as in the scalar kernel. */
static ALWAYS_INLINE void
tile_chunk (const guint8  *tb,
            gint64         c0,
            gint64         chunk_len,
            const SeQ1Act *acts,
            int            nt,
            float         *y,
            gint64         y_stride)
{
  float32x4_t acc[MAX_TOKENS][8];

  UNROLL
  for (int t = 0; t < nt; t++)
    UNROLL
    for (int i = 0; i < 8; i++)
      acc[t][i] = c0 == 0 ? vdupq_n_f32 (0.0f) : vld1q_f32 (y + t * y_stride + 4 * i);
  for (gint64 b = c0; b < c0 + chunk_len; b++, tb += TILE_BLOCK_BYTES)
    {
      const guint8 *tables[MAX_TOKENS];
      const guint16 *scales = (const guint16 *) (tb + 16 * SE_Q1_TILE_ROWS);
      int16x8_t s[MAX_TOKENS][4];
      float32x4_t d[8];

      prefetch_next (tb - (b - c0) * TILE_BLOCK_BYTES, chunk_len, b - c0);
      UNROLL
      for (int t = 0; t < nt; t++)
        tables[t] = acts[t].tables + b * 32 * 32;
      tile_block_sums (tb, tables, nt, s);
      UNROLL
      for (int i = 0; i < 8; i++)
        d[i] = vcvt_f32_f16 (vreinterpret_f16_u16 (vld1_u16 (scales + 4 * i)));
      UNROLL
      for (int t = 0; t < nt; t++)
        {
          float32x4_t a = vdupq_n_f32 (acts[t].scales[b]);

          UNROLL
          for (int i = 0; i < 4; i++)
            {
              acc[t][2 * i] = scale_rows (vget_low_s16 (s[t][i]), d[2 * i], a, acc[t][2 * i]);
              acc[t][2 * i + 1] = scale_rows (vget_high_s16 (s[t][i]), d[2 * i + 1], a,
                                              acc[t][2 * i + 1]);
            }
        }
    }
  UNROLL
  for (int t = 0; t < nt; t++)
    UNROLL
    for (int i = 0; i < 8; i++)
      vst1q_f32 (y + t * y_stride + 4 * i, acc[t][i]);
}

/* Chunk [c0, c0 + chunk_len) of the tiles [t0, t1) of one group (layout at @group)
 * for @nt tokens; y points at the group's first row. */
static ALWAYS_INLINE void
group_chunk (const guint8  *group,
             gint64         in_group,
             gint64         t0,
             gint64         t1,
             gint64         c0,
             gint64         chunk_len,
             const SeQ1Act *acts,
             int            nt,
             float         *y,
             gint64         y_stride)
{
  const guint8 *chunk = group + (gsize) (c0 * in_group) * TILE_BLOCK_BYTES;

  for (gint64 tile = t0; tile < t1; tile++)
    tile_chunk (chunk + (gsize) (tile * chunk_len) * TILE_BLOCK_BYTES, c0, chunk_len, acts, nt,
                y + tile * SE_Q1_TILE_ROWS, y_stride);
}

#include "se-cpu-q1-driver.h"

void
se_q1_matvec_neon (const SeQ1Packed *w,
                   const SeQ1Act    *act,
                   float            *y,
                   gint64            row0,
                   gint64            row1)
{
  q1_drive_matvec (w, act, y, row0, row1);
}

void
se_q1_matmul_neon (const SeQ1Packed *w,
                   const SeQ1Act    *acts,
                   guint             n_tokens,
                   float            *y,
                   gint64            y_stride,
                   gint64            row0,
                   gint64            row1)
{
  if (n_tokens == 1)
    q1_drive_matvec (w, acts, y, row0, row1);
  else
    q1_drive_matmul (w, acts, n_tokens, y, y_stride, row0, row1);
}

/* One block of 128 floats to int8 with the scalar rounding: x * (127 / amax) in float,
 * rounded to nearest even (vcvtnq, as lrintf in the default mode), clamped to +-127.
 * Returns the block's scale amax / 127. Shared with the TQ2_0 preparation. */
float
_se_cpu_quantize_128_neon (const float *x,
                           gint8       *q)
{
  float32x4_t vmax = vdupq_n_f32 (0.0f);
  float amax, inv;

  for (int i = 0; i < 128; i += 4)
    vmax = vmaxq_f32 (vmax, vabsq_f32 (vld1q_f32 (x + i)));
  amax = vmaxvq_f32 (vmax);
  inv = amax > 0.0f ? 127.0f / amax : 0.0f;
  for (int i = 0; i < 128; i += 16)
    {
      int16x8_t lo, hi;
      int32x4_t v[4];

      for (int k = 0; k < 4; k++)
        v[k] = vcvtnq_s32_f32 (vmulq_n_f32 (vld1q_f32 (x + i + 4 * k), inv));
      lo = vcombine_s16 (vqmovn_s32 (v[0]), vqmovn_s32 (v[1]));
      hi = vcombine_s16 (vqmovn_s32 (v[2]), vqmovn_s32 (v[3]));
      vst1q_s8 (q + i, vmaxq_s8 (vcombine_s8 (vqmovn_s16 (lo), vqmovn_s16 (hi)),
                                 vdupq_n_s8 (-127)));
    }
  return amax / 127.0f;
}

/* The tables of one group from its 4 int8 activations: entry n is
 * u = bias + sum_k (bit k of n ? +q_k : -q_k), entries 0-7 and 8-15 (bit 3) in two
 * int16 vectors, split into u & 31 and u >> 5 (u <= 1020). */
static ALWAYS_INLINE void
group_tables (const gint8 *q,
              guint8      *out)
{
  static const gint16 s0[8] = { -1, 1, -1, 1, -1, 1, -1, 1 };
  static const gint16 s1[8] = { -1, -1, 1, 1, -1, -1, 1, 1 };
  static const gint16 s2[8] = { -1, -1, -1, -1, 1, 1, 1, 1 };
  int16x8_t base = vdupq_n_s16 (SE_Q1_TABLE_BIAS);
  uint16x8_t u0, u1;

  base = vmlaq_n_s16 (base, vld1q_s16 (s0), q[0]);
  base = vmlaq_n_s16 (base, vld1q_s16 (s1), q[1]);
  base = vmlaq_n_s16 (base, vld1q_s16 (s2), q[2]);
  u0 = vreinterpretq_u16_s16 (vsubq_s16 (base, vdupq_n_s16 (q[3])));
  u1 = vreinterpretq_u16_s16 (vaddq_s16 (base, vdupq_n_s16 (q[3])));
  vst1q_u8 (out, vcombine_u8 (vmovn_u16 (vandq_u16 (u0, vdupq_n_u16 (31))),
                              vmovn_u16 (vandq_u16 (u1, vdupq_n_u16 (31)))));
  vst1q_u8 (out + 16, vcombine_u8 (vshrn_n_u16 (u0, 5), vshrn_n_u16 (u1, 5)));
}

void
se_q1_act_prepare_neon (SeQ1Act     *act,
                        const float *x)
{
  gint8 q[128] __attribute__ ((aligned (16)));

  for (gint64 b = 0; b < act->n_cols / 128; b++)
    {
      act->scales[b] = _se_cpu_quantize_128_neon (x + b * 128, q);
      for (int g = 0; g < 32; g++)
        group_tables (q + 4 * g, act->tables + (b * 32 + g) * 32);
    }
}
