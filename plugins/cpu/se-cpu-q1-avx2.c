/* SPDX-License-Identifier: Apache-2.0
 *
 * AVX2 + F16C half of the Q1_0 lookup-table kernel (compiled with -mavx2 -mfma
 * -mf16c; call it only when the CPU has them). For one 32-row tile and one block of
 * 128 columns it loads 16 vectors of sign bytes, splits each into two nibble index
 * vectors and looks both up in the 16-entry int16 tables of their column groups (low
 * and high bytes, one pshufb each), widening to int16 by interleaving; per block the
 * int16 sums are scaled by d_row * a_block into float accumulators.
 */
#include "config.h"

#include <immintrin.h>
#include <string.h>

#include "se-cpu-q1.h"

#define TILE_BLOCK_BYTES (16 * SE_Q1_TILE_ROWS + 2 * SE_Q1_TILE_ROWS)

static inline __m256i
table (const guint8 *t)
{
  return _mm256_broadcastsi128_si256 (_mm_load_si128 ((const __m128i *) t));
}

/* s0 gets rows [0-7 | 16-23], s1 rows [8-15 | 24-31] (unpack works within lanes). */
static inline void
lookup_group (const guint8 *t,
              __m256i       idx,
              __m256i      *s0,
              __m256i      *s1)
{
  __m256i lo = _mm256_shuffle_epi8 (table (t), idx);
  __m256i hi = _mm256_shuffle_epi8 (table (t + 16), idx);

  *s0 = _mm256_add_epi16 (*s0, _mm256_unpacklo_epi8 (lo, hi));
  *s1 = _mm256_add_epi16 (*s1, _mm256_unpackhi_epi8 (lo, hi));
}

/* acc + isum * (d * a) for 8 rows: int16 sums, fp16 row scales, the block's scale. */
static inline __m256
scale_rows (__m128i isum,
            __m128i d16,
            __m256  a,
            __m256  acc)
{
  __m256 sums = _mm256_cvtepi32_ps (_mm256_cvtepi16_epi32 (isum));

  return _mm256_fmadd_ps (sums, _mm256_mul_ps (_mm256_cvtph_ps (d16), a), acc);
}

static inline void
tile_block (const guint8 *tb,
            const guint8 *tables,
            float         a,
            __m256       *acc)
{
  const __m256i mask = _mm256_set1_epi8 (0x0f);
  __m256i s0 = _mm256_setzero_si256 (), s1 = _mm256_setzero_si256 ();
  __m256 scale = _mm256_set1_ps (a);
  __m128i d0 = _mm_loadu_si128 ((const __m128i *) (tb + 16 * SE_Q1_TILE_ROWS));
  __m128i d1 = _mm_loadu_si128 ((const __m128i *) (tb + 16 * SE_Q1_TILE_ROWS + 16));
  __m128i d2 = _mm_loadu_si128 ((const __m128i *) (tb + 16 * SE_Q1_TILE_ROWS + 32));
  __m128i d3 = _mm_loadu_si128 ((const __m128i *) (tb + 16 * SE_Q1_TILE_ROWS + 48));

  for (int m = 0; m < 16; m++)
    {
      __m256i v = _mm256_load_si256 ((const __m256i *) (tb + m * SE_Q1_TILE_ROWS));

      lookup_group (tables + (2 * m) * 32, _mm256_and_si256 (v, mask), &s0, &s1);
      lookup_group (tables + (2 * m + 1) * 32,
                    _mm256_and_si256 (_mm256_srli_epi16 (v, 4), mask), &s0, &s1);
    }
  /* rows 0-7, 8-15, 16-23, 24-31 */
  acc[0] = scale_rows (_mm256_castsi256_si128 (s0), d0, scale, acc[0]);
  acc[1] = scale_rows (_mm256_castsi256_si128 (s1), d1, scale, acc[1]);
  acc[2] = scale_rows (_mm256_extracti128_si256 (s0, 1), d2, scale, acc[2]);
  acc[3] = scale_rows (_mm256_extracti128_si256 (s1, 1), d3, scale, acc[3]);
}

/* The hardware prefetcher alone leaves the kernel at ~18 GB/s on two cores: asking
 * for the tile-block four ahead in the (linear) group stream reaches ~31 GB/s, the
 * machine's read bandwidth (measured on a 2-core EPYC; 2 to 8 ahead all helped). */
#define PREFETCH_DISTANCE (4 * TILE_BLOCK_BYTES)

static inline void
prefetch_ahead (const guint8 *tb)
{
  for (int k = 0; k < TILE_BLOCK_BYTES; k += 64)
    _mm_prefetch ((const char *) tb + PREFETCH_DISTANCE + k, _MM_HINT_T0);
}

/* Tiles [t0, t1) of one group, whose layout starts at @group. */
static void
matvec_group (const guint8  *group,
              gint64         tiles_in_group,
              gint64         n_blocks,
              gint64         t0,
              gint64         t1,
              const SeQ1Act *act,
              float         *y)
{
  for (gint64 c0 = 0; c0 < n_blocks; c0 += SE_Q1_CHUNK_BLOCKS)
    {
      gint64 chunk_len = MIN (SE_Q1_CHUNK_BLOCKS, n_blocks - c0);
      const guint8 *chunk = group + (gsize) (c0 * tiles_in_group) * TILE_BLOCK_BYTES;

      for (gint64 tile = t0; tile < t1; tile++)
        {
          const guint8 *tb = chunk + (gsize) (tile * chunk_len) * TILE_BLOCK_BYTES;
          float *yt = y + tile * SE_Q1_TILE_ROWS;
          __m256 acc[4];

          for (int i = 0; i < 4; i++)
            acc[i] = c0 == 0 ? _mm256_setzero_ps () : _mm256_loadu_ps (yt + 8 * i);
          for (gint64 b = c0; b < c0 + chunk_len; b++, tb += TILE_BLOCK_BYTES)
            {
              prefetch_ahead (tb);
              tile_block (tb, act->tables + b * 32 * 32, act->scales[b], acc);
            }
          for (int i = 0; i < 4; i++)
            _mm256_storeu_ps (yt + 8 * i, acc[i]);
        }
    }
}

void
se_q1_matvec_avx2 (const SeQ1Packed *w,
                   const SeQ1Act    *act,
                   float            *y,
                   gint64            row0,
                   gint64            row1)
{
  gint64 n_tiles = w->n_rows / SE_Q1_TILE_ROWS, n_blocks = w->n_cols / 128;
  gint64 group_tiles = se_q1_group_tiles (w->n_cols);
  gint64 tile0 = row0 / SE_Q1_TILE_ROWS, tile1 = row1 / SE_Q1_TILE_ROWS;

  for (gint64 g = tile0 / group_tiles; g * group_tiles < tile1; g++)
    {
      gint64 first = g * group_tiles;
      gint64 in_group = MIN (group_tiles, n_tiles - first);

      matvec_group (w->data + (gsize) (first * n_blocks) * TILE_BLOCK_BYTES, in_group, n_blocks,
                    MAX (tile0, first) - first, MIN (tile1, first + in_group) - first, act,
                    y + first * SE_Q1_TILE_ROWS);
    }
}

/* One 128-column block: amax, scale, int8 quantization with the rounding of lrintf
 * (cvtps rounds to nearest even, as lrintf does in the default mode). */
static float
quantize_block (const float *x,
                gint8       *q)
{
  const __m256 sign = _mm256_set1_ps (-0.0f);
  __m256 vmax = _mm256_setzero_ps ();
  __m128 m4;
  float amax, inv;

  for (int i = 0; i < 128; i += 8)
    vmax = _mm256_max_ps (vmax, _mm256_andnot_ps (sign, _mm256_loadu_ps (x + i)));
  m4 = _mm_max_ps (_mm256_castps256_ps128 (vmax), _mm256_extractf128_ps (vmax, 1));
  m4 = _mm_max_ps (m4, _mm_movehl_ps (m4, m4));
  m4 = _mm_max_ss (m4, _mm_movehdup_ps (m4));
  amax = _mm_cvtss_f32 (m4);
  inv = amax > 0.0f ? 127.0f / amax : 0.0f;
  for (int i = 0; i < 128; i += 32)
    {
      __m256 vi = _mm256_set1_ps (inv);
      __m256i a = _mm256_cvtps_epi32 (_mm256_mul_ps (_mm256_loadu_ps (x + i), vi));
      __m256i b = _mm256_cvtps_epi32 (_mm256_mul_ps (_mm256_loadu_ps (x + i + 8), vi));
      __m256i c = _mm256_cvtps_epi32 (_mm256_mul_ps (_mm256_loadu_ps (x + i + 16), vi));
      __m256i d = _mm256_cvtps_epi32 (_mm256_mul_ps (_mm256_loadu_ps (x + i + 24), vi));
      __m256i ab = _mm256_packs_epi32 (a, b), cd = _mm256_packs_epi32 (c, d);
      __m256i abcd = _mm256_packs_epi16 (ab, cd);

      /* packs interleaves the 128-bit lanes: restore element order */
      abcd = _mm256_permutevar8x32_epi32 (abcd, _mm256_setr_epi32 (0, 4, 1, 5, 2, 6, 3, 7));
      _mm256_storeu_si256 ((__m256i *) (q + i), abcd);
    }
  return amax / 127.0f;
}

/* Tables of 4 groups from their 16 int8 activations: entry n of a group is
 * sum_k (bit k of n ? +q_k : -q_k), built as sign(q_k) patterns over 16 int16 lanes. */
static void
tables_4_groups (const gint8 *q,
                 guint8      *out)
{
  const __m256i s0 = _mm256_setr_epi16 (-1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1);
  const __m256i s1 = _mm256_setr_epi16 (-1, -1, 1, 1, -1, -1, 1, 1, -1, -1, 1, 1, -1, -1, 1, 1);
  const __m256i s2 = _mm256_setr_epi16 (-1, -1, -1, -1, 1, 1, 1, 1, -1, -1, -1, -1, 1, 1, 1, 1);
  const __m256i s3 = _mm256_setr_epi16 (-1, -1, -1, -1, -1, -1, -1, -1, 1, 1, 1, 1, 1, 1, 1, 1);
  /* even bytes (low halves) to the first 8, odd bytes (high halves) to the last 8 */
  const __m256i split = _mm256_setr_epi8 (0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15,
                                          0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);

  for (int g = 0; g < 4; g++)
    {
      const gint8 *qg = q + 4 * g;
      __m256i t = _mm256_mullo_epi16 (_mm256_set1_epi16 (qg[0]), s0);

      t = _mm256_add_epi16 (t, _mm256_mullo_epi16 (_mm256_set1_epi16 (qg[1]), s1));
      t = _mm256_add_epi16 (t, _mm256_mullo_epi16 (_mm256_set1_epi16 (qg[2]), s2));
      t = _mm256_add_epi16 (t, _mm256_mullo_epi16 (_mm256_set1_epi16 (qg[3]), s3));
      /* bytes: [lo 0-7, hi 0-7 | lo 8-15, hi 8-15] -> [lo 0-15 | hi 0-15] */
      t = _mm256_shuffle_epi8 (t, split);
      t = _mm256_permute4x64_epi64 (t, _MM_SHUFFLE (3, 1, 2, 0));
      _mm256_store_si256 ((__m256i *) (out + g * 32), t);
    }
}

void
se_q1_act_prepare_avx2 (SeQ1Act     *act,
                        const float *x)
{
  gint8 q[128] __attribute__ ((aligned (32)));

  for (gint64 b = 0; b < act->n_cols / 128; b++)
    {
      act->scales[b] = quantize_block (x + b * 128, q);
      for (int g = 0; g < 32; g += 4)
        tables_4_groups (q + 4 * g, act->tables + (b * 32 + g) * 32);
    }
}
