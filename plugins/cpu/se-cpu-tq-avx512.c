/* SPDX-License-Identifier: Apache-2.0
 *
 * AVX-512BW half of the TQ2_0 integer-activation kernel (compiled with -mavx512f
 * -mavx512bw and the AVX2 flags; call it only when the CPU has them), with a VNNI
 * variant (vpdpbusd: unsigned codes x int8 activations, four products into an int32
 * lane in one instruction). One ZMM holds the codes of two planes of a half block
 * (2 x 32 columns) against 64 consecutive activations; the two planes' int32 lanes
 * are added into the eight lanes of the AVX2 kernel, and the float work is the AVX2
 * kernel's, so all agree bit for bit with the portable version.
 */
#include "config.h"

/* GCC 12's avx512fintrin.h warns about its own _mm512_undefined_* in the 256-bit
 * inserts, extracts and broadcasts (GCC bug 105593, fixed in GCC 13) */
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>
#include <string.h>

#include "se-cpu-tq.h"

#define TQ2_BLOCK_BYTES 66
#define PREFETCH_BLOCKS 32
#define ALWAYS_INLINE inline __attribute__ ((always_inline))
#define VNNI __attribute__ ((target ("avx512vnni")))

/* The codes of planes (n, n + 1) of 32 code bytes broadcast to both halves of @v2,
 * for n = 0 (shift counts 0 | 2) or n = 2 (4 | 6) */
static ALWAYS_INLINE __m512i
plane_pair (__m512i v2,
            int     n)
{
  const __m512i s01 = _mm512_inserti64x4 (_mm512_set1_epi16 (0), _mm256_set1_epi16 (2), 1);
  const __m512i s23 = _mm512_inserti64x4 (_mm512_set1_epi16 (4), _mm256_set1_epi16 (6), 1);

  return _mm512_and_si512 (_mm512_srlv_epi16 (v2, n == 0 ? s01 : s23), _mm512_set1_epi8 (3));
}

/* The eight int32 lanes of the planes' lanes added: lanes l and l + 8 */
static ALWAYS_INLINE __m256i
fold (__m512i lanes16)
{
  return _mm256_add_epi32 (_mm512_castsi512_si256 (lanes16),
                           _mm512_extracti64x4_epi64 (lanes16, 1));
}

static ALWAYS_INLINE __m256i
half_lanes (const guint8 *c,
            const gint8  *q)
{
  __m512i v2 = _mm512_broadcast_i64x4 (_mm256_loadu_si256 ((const __m256i *) c));
  /* codes <= 3, |q| <= 127: two planes' pair sums stay within +-1524 */
  __m512i s16 = _mm512_add_epi16 (_mm512_maddubs_epi16 (plane_pair (v2, 0),
                                                        _mm512_loadu_si512 (q)),
                                  _mm512_maddubs_epi16 (plane_pair (v2, 2),
                                                        _mm512_loadu_si512 (q + 64)));

  return fold (_mm512_madd_epi16 (s16, _mm512_set1_epi16 (1)));
}

static ALWAYS_INLINE VNNI __m256i
half_lanes_vnni (const guint8 *c,
                 const gint8  *q)
{
  __m512i v2 = _mm512_broadcast_i64x4 (_mm256_loadu_si256 ((const __m256i *) c));
  __m512i l = _mm512_dpbusd_epi32 (_mm512_setzero_si512 (), plane_pair (v2, 0),
                                   _mm512_loadu_si512 (q));

  l = _mm512_dpbusd_epi32 (l, plane_pair (v2, 2), _mm512_loadu_si512 (q + 64));
  return fold (l);
}

/* The row's lanes from @half_lanes, scaled and reduced as the AVX2 kernel does. A
 * macro: GCC inlines the VNNI half only into a function built for VNNI. */
#define TQ2_DOT(row, act, half_lanes_fn)                                                  \
  do                                                                                     \
    {                                                                                    \
      __m256 acc = _mm256_setzero_ps ();                                                 \
      float l[SE_TQ_LANES];                                                              \
                                                                                         \
      for (gint64 b = 0; b < (act)->n_cols / SE_TQ_BLOCK; b++)                           \
        {                                                                                \
          const guint8 *blk = (row) + b * TQ2_BLOCK_BYTES;                               \
          float d = block_scale (blk);                                                   \
                                                                                         \
          for (int c = 0; c < 2; c++)                                                    \
            {                                                                            \
              gint64 half = 2 * b + c;                                                   \
              __m256i sums = _mm256_loadu_si256 ((const __m256i *) ((act)->lane_sums     \
                                                                    + half * SE_TQ_LANES)); \
              __m256i isum = _mm256_sub_epi32 (half_lanes_fn (blk + 32 * c, (act)->q     \
                                                              + half * SE_TQ_ACT_BLOCK), \
                                               sums);                                    \
                                                                                         \
              acc = _mm256_fmadd_ps (_mm256_cvtepi32_ps (isum),                          \
                                     _mm256_set1_ps (d * (act)->scales[half]), acc);     \
            }                                                                            \
        }                                                                                \
      _mm256_storeu_ps (l, acc);                                                         \
      return ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]));          \
    }                                                                                    \
  while (0)

/* The block's scale d; prefetches ~2 KiB ahead, as the AVX2 kernel does */
static ALWAYS_INLINE float
block_scale (const guint8 *blk)
{
  guint16 d16;

  _mm_prefetch ((const char *) blk + PREFETCH_BLOCKS * TQ2_BLOCK_BYTES, _MM_HINT_T0);
  _mm_prefetch ((const char *) blk + PREFETCH_BLOCKS * TQ2_BLOCK_BYTES + 64, _MM_HINT_T0);
  memcpy (&d16, blk + 64, 2);
  return _cvtsh_ss (d16);
}

float
se_tq2_dot_avx512 (const guint8  *row,
                   const SeTqAct *act)
{
  TQ2_DOT (row, act, half_lanes);
}

VNNI float
se_tq2_dot_avx512vnni (const guint8  *row,
                       const SeTqAct *act)
{
  TQ2_DOT (row, act, half_lanes_vnni);
}
