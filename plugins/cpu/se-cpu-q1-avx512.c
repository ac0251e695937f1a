/* SPDX-License-Identifier: Apache-2.0
 *
 * AVX-512BW half of the Q1_0 lookup-table kernel (compiled with -mavx512f -mavx512bw
 * and the AVX2 flags; call it only when the CPU has them and the OS saves the ZMM
 * state). It is the AVX2 kernel at twice the width: one ZMM holds sign byte m of two
 * consecutive tiles of a chunk (64 rows), a 16-byte table broadcast to the four
 * 128-bit lanes serves both tiles, and each vpshufb does 64 rows' lookups. The byte
 * sums, the unpack + maddubs join and the int16 block sums are the AVX2 kernel's per
 * 128-bit lane, so every row gets the same integers and the same fused multiply-add
 * per block: the bits of the portable kernel. Prefill runs two tokens per pass as the
 * AVX2 kernel does; a tile left over in a group runs alone in the lower half.
 */
#include "config.h"

/* GCC 12's avx512fintrin.h warns about its own _mm512_undefined_* in the 256-bit
 * inserts, extracts and broadcasts (GCC bug 105593, fixed in GCC 13) */
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include "se-cpu-q1.h"

#define TILE_BLOCK_BYTES (16 * SE_Q1_TILE_ROWS + 2 * SE_Q1_TILE_ROWS)
#define MAX_TOKENS 2
#define ALWAYS_INLINE inline __attribute__ ((always_inline))
#define UNROLL _Pragma ("GCC unroll 16")

/* Sign byte m of two tiles (@nh = 2) or of one (upper half zero), and its nibbles */
static ALWAYS_INLINE void
nibbles (const guint8 *t0,
         const guint8 *t1,
         int           nh,
         __m512i      *i0,
         __m512i      *i1)
{
  const __m512i mask = _mm512_set1_epi8 (0x0f);
  __m512i v = _mm512_zextsi256_si512 (_mm256_load_si256 ((const __m256i *) t0));

  if (nh > 1)
    v = _mm512_inserti64x4 (v, _mm256_load_si256 ((const __m256i *) t1), 1);
  *i0 = _mm512_and_si512 (v, mask);
  *i1 = _mm512_and_si512 (_mm512_srli_epi16 (v, 4), mask);
}

static ALWAYS_INLINE __m512i
table (const guint8 *t)
{
  return _mm512_broadcast_i32x4 (_mm_load_si128 ((const __m128i *) t));
}

/* The block sums of the tiles at tb[0] (and tb[1]) for @nt tokens, as the AVX2 kernel
 * forms them per 128-bit lane: s[t][0] gets rows [0-7 | 16-23] of tile 0, then of
 * tile 1; s[t][1] rows [8-15 | 24-31]. */
static ALWAYS_INLINE void
tile_block_sums (const guint8 *const *tb,
                 int                  nh,
                 const guint8 *const *tables,
                 int                  nt,
                 __m512i              s[][2])
{
  const __m512i join = _mm512_set1_epi16 (1 | 32 << 8);

  UNROLL
  for (int t = 0; t < nt; t++)
    s[t][0] = s[t][1] = _mm512_set1_epi16 (-32 * SE_Q1_TABLE_BIAS);
  for (int q = 0; q < 16; q += 4)
    {
      __m512i lo[MAX_TOKENS], hi[MAX_TOKENS];

      UNROLL
      for (int t = 0; t < nt; t++)
        lo[t] = hi[t] = _mm512_setzero_si512 ();
      UNROLL
      for (int m = q; m < q + 4; m++)
        {
          __m512i i0, i1;

          nibbles (tb[0] + m * SE_Q1_TILE_ROWS, tb[1] + m * SE_Q1_TILE_ROWS, nh, &i0, &i1);
          UNROLL
          for (int t = 0; t < nt; t++)
            {
              const guint8 *g = tables[t] + (2 * m) * 32;

              lo[t] = _mm512_add_epi8 (lo[t], _mm512_shuffle_epi8 (table (g), i0));
              hi[t] = _mm512_add_epi8 (hi[t], _mm512_shuffle_epi8 (table (g + 16), i0));
              lo[t] = _mm512_add_epi8 (lo[t], _mm512_shuffle_epi8 (table (g + 32), i1));
              hi[t] = _mm512_add_epi8 (hi[t], _mm512_shuffle_epi8 (table (g + 48), i1));
            }
        }
      UNROLL
      for (int t = 0; t < nt; t++)
        {
          __m512i a = _mm512_maddubs_epi16 (_mm512_unpacklo_epi8 (lo[t], hi[t]), join);
          __m512i b = _mm512_maddubs_epi16 (_mm512_unpackhi_epi8 (lo[t], hi[t]), join);

          s[t][0] = _mm512_add_epi16 (s[t][0], a);
          s[t][1] = _mm512_add_epi16 (s[t][1], b);
        }
    }
}

/* 16 rows' fp16 scales, in the order of one tile's half of s[t][k]: rows 8k .. 8k + 7
 * and 16 + 8k .. 16 + 8k + 7. */
static ALWAYS_INLINE __m512
row_scales (const guint8 *scales,
            int           k)
{
  __m256i h = _mm256_castsi128_si256 (_mm_loadu_si128 ((const __m128i *) (scales + 16 * k)));

  h = _mm256_inserti128_si256 (h, _mm_loadu_si128 ((const __m128i *) (scales + 32 + 16 * k)),
                               1);
  return _mm512_cvtph_ps (h);
}

/* y rows [8k, 8k + 8) and [16 + 8k, 16 + 8k + 8) of a tile as one vector, and back */
static ALWAYS_INLINE __m512
load_rows (const float *y,
           int          k)
{
  __m512d lo = _mm512_castpd256_pd512 (_mm256_castps_pd (_mm256_loadu_ps (y + 8 * k)));

  /* 64-bit lane inserts: AVX-512F, where the 32-bit ones need DQ */
  return _mm512_castpd_ps (_mm512_insertf64x4 (lo, _mm256_castps_pd (_mm256_loadu_ps (y + 16
                                                                                  + 8 * k)),
                                               1));
}

static ALWAYS_INLINE void
store_rows (float  *y,
            int     k,
            __m512  v)
{
  _mm256_storeu_ps (y + 8 * k, _mm512_castps512_ps256 (v));
  _mm256_storeu_ps (y + 16 + 8 * k,
                    _mm256_castpd_ps (_mm512_extractf64x4_pd (_mm512_castps_pd (v), 1)));
}

/* Prefetches, at block @j of a pass of @nh tiles, @nh tile-blocks of the next pass */
static ALWAYS_INLINE void
prefetch_next (const guint8 *pass,
               int           nh,
               gint64        chunk_len,
               gint64        j)
{
  const guint8 *p = pass + (gsize) (nh * chunk_len + nh * j) * TILE_BLOCK_BYTES;

  UNROLL
  for (int k = 0; k < nh * TILE_BLOCK_BYTES; k += 64)
    _mm_prefetch ((const char *) p + k, _MM_HINT_T0);
}

/* @nh (1 or 2) consecutive tiles of a chunk over its blocks [c0, c0 + chunk_len) for
 * @nt tokens; float accumulators carried in y between chunks, as in the scalar kernel. */
static ALWAYS_INLINE void
tiles_chunk (const guint8  *tb,
             int            nh,
             gint64         c0,
             gint64         chunk_len,
             const SeQ1Act *acts,
             int            nt,
             float         *y,
             gint64         y_stride)
{
  __m512 acc[MAX_TOKENS][2][2];

  UNROLL
  for (int t = 0; t < nt; t++)
    UNROLL
    for (int h = 0; h < nh; h++)
      UNROLL
      for (int k = 0; k < 2; k++)
        acc[t][h][k] = c0 == 0 ? _mm512_setzero_ps ()
                               : load_rows (y + t * y_stride + 32 * h, k);
  for (gint64 b = c0; b < c0 + chunk_len; b++, tb += TILE_BLOCK_BYTES)
    {
      const guint8 *tables[MAX_TOKENS], *tbh[2] = { tb, tb + chunk_len * TILE_BLOCK_BYTES };
      __m512i s[MAX_TOKENS][2];

      prefetch_next (tb - (b - c0) * TILE_BLOCK_BYTES, nh, chunk_len, b - c0);
      UNROLL
      for (int t = 0; t < nt; t++)
        tables[t] = acts[t].tables + b * 32 * 32;
      tile_block_sums (tbh, nh, tables, nt, s);
      UNROLL
      for (int h = 0; h < nh; h++)
        {
          const guint8 *scales = tbh[h] + 16 * SE_Q1_TILE_ROWS;
          __m512 d[2] = { row_scales (scales, 0), row_scales (scales, 1) };

          UNROLL
          for (int t = 0; t < nt; t++)
            {
              __m512 da = _mm512_mul_ps (d[0], _mm512_set1_ps (acts[t].scales[b]));
              __m512 db = _mm512_mul_ps (d[1], _mm512_set1_ps (acts[t].scales[b]));
              __m512i sa = _mm512_cvtepi16_epi32 (_mm512_extracti64x4_epi64 (s[t][0], 0));
              __m512i sb = _mm512_cvtepi16_epi32 (_mm512_extracti64x4_epi64 (s[t][1], 0));

              if (h == 1)
                {
                  sa = _mm512_cvtepi16_epi32 (_mm512_extracti64x4_epi64 (s[t][0], 1));
                  sb = _mm512_cvtepi16_epi32 (_mm512_extracti64x4_epi64 (s[t][1], 1));
                }
              acc[t][h][0] = _mm512_fmadd_ps (_mm512_cvtepi32_ps (sa), da, acc[t][h][0]);
              acc[t][h][1] = _mm512_fmadd_ps (_mm512_cvtepi32_ps (sb), db, acc[t][h][1]);
            }
        }
    }
  UNROLL
  for (int t = 0; t < nt; t++)
    UNROLL
    for (int h = 0; h < nh; h++)
      UNROLL
      for (int k = 0; k < 2; k++)
        store_rows (y + t * y_stride + 32 * h, k, acc[t][h][k]);
}

/* Chunk [c0, c0 + chunk_len) of the tiles [t0, t1) of one group (layout at @group) for
 * @nt tokens, y at the group's first row: pairs of tiles, the last odd one alone. */
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
  gint64 tile = t0;

  for (; tile + 2 <= t1; tile += 2)
    tiles_chunk (chunk + (gsize) (tile * chunk_len) * TILE_BLOCK_BYTES, 2, c0, chunk_len, acts,
                 nt, y + tile * SE_Q1_TILE_ROWS, y_stride);
  if (tile < t1)
    tiles_chunk (chunk + (gsize) (tile * chunk_len) * TILE_BLOCK_BYTES, 1, c0, chunk_len, acts,
                 nt, y + tile * SE_Q1_TILE_ROWS, y_stride);
}

#include "se-cpu-q1-driver.h"

void
se_q1_matvec_avx512 (const SeQ1Packed *w,
                     const SeQ1Act    *act,
                     float            *y,
                     gint64            row0,
                     gint64            row1)
{
  q1_drive_matvec (w, act, y, row0, row1);
}

void
se_q1_matmul_avx512 (const SeQ1Packed *w,
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
