/* SPDX-License-Identifier: Apache-2.0
 *
 * AVX2 half of the TQ2_0 integer-activation kernel (compiled with -mavx2 -mfma
 * -mf16c; call it only when the CPU has them). Per half block of 128 columns: one load
 * of 32 code bytes, four shifts and masks give the 2-bit codes of 4 x 32 consecutive
 * columns, one maddubs each with their int8 activations, int16 sums widened once into
 * eight int32 lanes; the lanes minus the activations' lane sums are scaled by
 * d * a_half into float lanes, reduced at the end as the portable version does.
 */
#include "config.h"

#include <immintrin.h>
#include <string.h>

#include "sprig/se-types.h"
#include "se-cpu-tq.h"

#define TQ2_BLOCK_BYTES 66
#define UNROLL _Pragma ("GCC unroll 8")
/* Rows follow each other in the file: prefetching ~2 KiB ahead (measured: 4 blocks
 * 11.7 GB/s on one core, 24 blocks 13.7) runs into the next row as well. */
#define PREFETCH_BLOCKS 32

/* codes(v >> shift) x the 32 activations at @q, as 16 int16 pair sums */
static inline __attribute__ ((always_inline)) __m256i
plane (__m256i      v,
       const int    shift,
       const gint8 *q)
{
  __m256i codes = _mm256_and_si256 (_mm256_srli_epi16 (v, shift), _mm256_set1_epi8 (3));

  return _mm256_maddubs_epi16 (codes, _mm256_load_si256 ((const __m256i *) q));
}

float
se_tq2_dot_avx2 (const guint8  *row,
                 const SeTqAct *act)
{
  const __m256i ones = _mm256_set1_epi16 (1);
  __m256 acc = _mm256_setzero_ps ();
  float l[SE_TQ_LANES];

  for (gint64 b = 0; b < act->n_cols / SE_TQ_BLOCK; b++)
    {
      const guint8 *blk = row + b * TQ2_BLOCK_BYTES;
      guint16 d16;
      float d;

      _mm_prefetch ((const char *) blk + PREFETCH_BLOCKS * TQ2_BLOCK_BYTES, _MM_HINT_T0);
      _mm_prefetch ((const char *) blk + PREFETCH_BLOCKS * TQ2_BLOCK_BYTES + 64, _MM_HINT_T0);
      memcpy (&d16, blk + 64, 2);
      d = _cvtsh_ss (d16);
      /* half c: codes <= 3, |q| <= 127, so 4 pair sums stay within +-3048 */
      UNROLL
      for (int c = 0; c < 2; c++)
        {
          gint64 half = 2 * b + c;
          const gint8 *q = act->q + half * SE_TQ_ACT_BLOCK;
          __m256i v = _mm256_loadu_si256 ((const __m256i *) (blk + 32 * c));
          __m256i s16 = plane (v, 0, q);
          __m256i isum;

          s16 = _mm256_add_epi16 (s16, plane (v, 2, q + 32));
          s16 = _mm256_add_epi16 (s16, plane (v, 4, q + 64));
          s16 = _mm256_add_epi16 (s16, plane (v, 6, q + 96));
          isum = _mm256_sub_epi32 (_mm256_madd_epi16 (s16, ones),
                                   _mm256_loadu_si256 ((const __m256i *) (act->lane_sums
                                                                          + half * SE_TQ_LANES)));
          acc = _mm256_fmadd_ps (_mm256_cvtepi32_ps (isum),
                                 _mm256_set1_ps (d * act->scales[half]), acc);
        }
    }
  _mm256_storeu_ps (l, acc);
  return ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]));
}

void
se_tq_act_prepare_avx2 (SeTqAct     *act,
                        const float *x)
{
  const __m256 sign = _mm256_set1_ps (-0.0f);
  const __m256i ones8 = _mm256_set1_epi8 (1), ones16 = _mm256_set1_epi16 (1);

  for (gint64 b = 0; b < act->n_cols / SE_TQ_ACT_BLOCK; b++)
    {
      const float *xb = x + b * SE_TQ_ACT_BLOCK;
      gint8 *q = act->q + b * SE_TQ_ACT_BLOCK;
      __m256 vmax = _mm256_setzero_ps ();
      __m256i lanes = _mm256_setzero_si256 ();
      __m128 m4;
      float amax, inv;

      for (int i = 0; i < SE_TQ_ACT_BLOCK; i += 8)
        vmax = _mm256_max_ps (vmax, _mm256_andnot_ps (sign, _mm256_loadu_ps (xb + i)));
      m4 = _mm_max_ps (_mm256_castps256_ps128 (vmax), _mm256_extractf128_ps (vmax, 1));
      m4 = _mm_max_ps (m4, _mm_movehl_ps (m4, m4));
      m4 = _mm_max_ss (m4, _mm_movehdup_ps (m4));
      amax = _mm_cvtss_f32 (m4);
      act->scales[b] = amax / 127.0f;
      inv = amax > 0.0f ? 127.0f / amax : 0.0f;
      for (int i = 0; i < SE_TQ_ACT_BLOCK; i += 32)
        {
          __m256 vi = _mm256_set1_ps (inv);
          __m256i a = _mm256_cvtps_epi32 (_mm256_mul_ps (_mm256_loadu_ps (xb + i), vi));
          __m256i b8 = _mm256_cvtps_epi32 (_mm256_mul_ps (_mm256_loadu_ps (xb + i + 8), vi));
          __m256i c = _mm256_cvtps_epi32 (_mm256_mul_ps (_mm256_loadu_ps (xb + i + 16), vi));
          __m256i d = _mm256_cvtps_epi32 (_mm256_mul_ps (_mm256_loadu_ps (xb + i + 24), vi));
          __m256i v = _mm256_packs_epi16 (_mm256_packs_epi32 (a, b8), _mm256_packs_epi32 (c, d));

          /* packs interleaves the 128-bit lanes: restore element order; -128 only from
           * NaN, clamped as the portable version does */
          v = _mm256_permutevar8x32_epi32 (v, _mm256_setr_epi32 (0, 4, 1, 5, 2, 6, 3, 7));
          v = _mm256_max_epi8 (v, _mm256_set1_epi8 (-127));
          _mm256_store_si256 ((__m256i *) (q + i), v);
          lanes = _mm256_add_epi32 (lanes, _mm256_madd_epi16 (_mm256_maddubs_epi16 (ones8, v),
                                                              ones16));
        }
      _mm256_storeu_si256 ((__m256i *) (act->lane_sums + b * SE_TQ_LANES), lanes);
    }
}
