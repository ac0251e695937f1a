/* SPDX-License-Identifier: Apache-2.0
 *
 * AVX2 + F16C half of the Q1_0 lookup-table kernel (compiled with -mavx2 -mfma
 * -mf16c; call it only when the CPU has them). For one 32-row tile and one block of
 * 128 columns it loads 16 vectors of sign bytes and splits each into two nibble index
 * vectors; per token, one pshufb per 5-bit table half and group gives 32 rows' byte
 * lookups, added as bytes over 8 groups, then widened and joined (lo + 32 hi) by one
 * unpack and one maddubs per half tile. The int16 block sums are scaled by
 * d_row * a_block into float accumulators. Prefill runs the same code for two tiles x
 * two tokens at once: a loaded table serves both tiles, a tile's loads and nibble
 * indices serve both tokens, the float work is per token in the same order, so every
 * token gets the bits of a decode.
 */
#include "config.h"

#include <immintrin.h>
#include <string.h>

#include "se-cpu-q1.h"

#define TILE_BLOCK_BYTES (16 * SE_Q1_TILE_ROWS + 2 * SE_Q1_TILE_ROWS)
#define MAX_TOKENS 2      /* byte sums of 2 tokens x 2 tiles + indices fill 16 registers */
#define MAX_TILES 2
#define ALWAYS_INLINE inline __attribute__ ((always_inline))
/* the token and vector loops must become straight code, their arrays registers */
#define UNROLL _Pragma ("GCC unroll 16")

static ALWAYS_INLINE __m256i
table (const guint8 *t)
{
  return _mm256_broadcastsi128_si256 (_mm_load_si128 ((const __m128i *) t));
}

/* The two nibble index vectors of 32 sign bytes (one byte per row of a tile). */
static ALWAYS_INLINE void
nibbles (const guint8 *v32,
         __m256i      *i0,
         __m256i      *i1)
{
  const __m256i mask = _mm256_set1_epi8 (0x0f);
  __m256i v = _mm256_load_si256 ((const __m256i *) v32);

  *i0 = _mm256_and_si256 (v, mask);
  *i1 = _mm256_and_si256 (_mm256_srli_epi16 (v, 4), mask);
}

/* acc[h] += the byte lookups of @table at tile h's indices */
static ALWAYS_INLINE void
lookup_tiles (__m256i       *acc,
              __m256i        table,
              const __m256i *idx,
              int            nh)
{
  UNROLL
  for (int h = 0; h < nh; h++)
    acc[h] = _mm256_add_epi8 (acc[h], _mm256_shuffle_epi8 (table, idx[h]));
}

/* The block sums of @nh tiles (1 or 2; tile h's block starts at tb[h]) for @nt tokens
 * (1 or 2) whose tables for this block start at tables[t]: s[t][h][0] gets rows
 * [0-7 | 16-23] of tile h, s[t][h][1] rows [8-15 | 24-31] (unpack works within lanes).
 * A loaded table serves both tiles and a tile's nibble indices serve both tokens:
 * loads, not shuffles, bound the one-tile, one-token loop. Each 5-bit half is at
 * most 31, so 8 groups add up in a byte; the biased block sum is at most 32 * 1020,
 * so it fits an int16 that starts at -bias. */
static ALWAYS_INLINE void
tile_block_sums (const guint8 *const *tb,
                 int                  nh,
                 const guint8 *const *tables,
                 int                  nt,
                 __m256i              s[][MAX_TILES][2])
{
  const __m256i join = _mm256_set1_epi16 (1 | 32 << 8);  /* lo * 1 + hi * 32 */

  UNROLL
  for (int t = 0; t < nt; t++)
    UNROLL
    for (int h = 0; h < nh; h++)
      s[t][h][0] = s[t][h][1] = _mm256_set1_epi16 (-32 * SE_Q1_TABLE_BIAS);
  for (int q = 0; q < 16; q += 4)
    {
      __m256i lo[MAX_TOKENS][MAX_TILES], hi[MAX_TOKENS][MAX_TILES];

      UNROLL
      for (int t = 0; t < nt; t++)
        UNROLL
        for (int h = 0; h < nh; h++)
          lo[t][h] = hi[t][h] = _mm256_setzero_si256 ();
      for (int m = q; m < q + 4; m++)
        {
          __m256i i0[MAX_TILES], i1[MAX_TILES];

          /* one token: indices made as used; two: made once for both */
          UNROLL
          for (int h = 0; h < nh && nt > 1; h++)
            nibbles (tb[h] + m * SE_Q1_TILE_ROWS, &i0[h], &i1[h]);
          UNROLL
          for (int t = 0; t < nt; t++)
            {
              const guint8 *g = tables[t] + (2 * m) * 32;

              if (nt == 1)
                UNROLL
                for (int h = 0; h < nh; h++)
                  nibbles (tb[h] + m * SE_Q1_TILE_ROWS, &i0[h], &i1[h]);
              /* each table is used by every tile as soon as it is loaded: few live
               * registers, so the byte sums of two tokens x two tiles stay in them */
              lookup_tiles (&lo[t][0], table (g), i0, nh);
              lookup_tiles (&hi[t][0], table (g + 16), i0, nh);
              lookup_tiles (&lo[t][0], table (g + 32), i1, nh);
              lookup_tiles (&hi[t][0], table (g + 48), i1, nh);
            }
        }
      UNROLL
      for (int t = 0; t < nt; t++)
        UNROLL
        for (int h = 0; h < nh; h++)
          {
            __m256i a = _mm256_maddubs_epi16 (_mm256_unpacklo_epi8 (lo[t][h], hi[t][h]), join);
            __m256i b = _mm256_maddubs_epi16 (_mm256_unpackhi_epi8 (lo[t][h], hi[t][h]), join);

            s[t][h][0] = _mm256_add_epi16 (s[t][h][0], a);
            s[t][h][1] = _mm256_add_epi16 (s[t][h][1], b);
          }
    }
}

/* acc + isum * (d * a) for 8 rows: int16 sums, the rows' float scales, the block's. */
static ALWAYS_INLINE __m256
scale_rows (__m128i isum,
            __m256  d,
            __m256  a,
            __m256  acc)
{
  __m256 sums = _mm256_cvtepi32_ps (_mm256_cvtepi16_epi32 (isum));

  return _mm256_fmadd_ps (sums, _mm256_mul_ps (d, a), acc);
}

/* The hardware prefetcher alone leaves the kernel at ~18 GB/s on two cores: asking
 * for the data of the next pass (the next tiles of the chunk, or the next chunk or
 * group: the layout is linear in the order a decode reads it) reaches the machine's
 * read bandwidth (measured on a 2-core EPYC). A pass of @nh tiles over @chunk_len
 * blocks prefetches, at its block @j, @nh tile-blocks of the next pass. */
static ALWAYS_INLINE void
prefetch_next (const guint8 *pass,
               int           nh,
               gint64        chunk_len,
               gint64        j)
{
  /* next pass: nh * chunk_len tile-blocks, a share of nh per block of this one */
  const guint8 *p = pass + (gsize) (nh * chunk_len + nh * j) * TILE_BLOCK_BYTES;
  UNROLL
  for (int k = 0; k < nh * TILE_BLOCK_BYTES; k += 64)
    _mm_prefetch ((const char *) p + k, _MM_HINT_T0);
}

/* @nh tiles (consecutive in a chunk, so tile h's blocks start chunk_len blocks after
 * tile h - 1's) over the blocks [c0, c0 + chunk_len) of a chunk, whose layout starts at
 * @tb, for @nt tokens: float accumulators start at 0 for the first chunk and are
 * carried in y between chunks, as in the scalar kernel. */
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
  __m256 acc[MAX_TOKENS][MAX_TILES][4];

  UNROLL
  for (int t = 0; t < nt; t++)
    UNROLL
    for (int i = 0; i < 4 * nh; i++)
      acc[t][i / 4][i % 4] = c0 == 0 ? _mm256_setzero_ps ()
                                     : _mm256_loadu_ps (y + t * y_stride + 8 * i);
  for (gint64 b = c0; b < c0 + chunk_len; b++, tb += TILE_BLOCK_BYTES)
    {
      const guint8 *tables[MAX_TOKENS], *tbh[MAX_TILES];
      __m256i s[MAX_TOKENS][MAX_TILES][2];

      prefetch_next (tb - (b - c0) * TILE_BLOCK_BYTES, nh, chunk_len, b - c0);
      UNROLL
      for (int h = 0; h < nh; h++)
        tbh[h] = tb + h * chunk_len * TILE_BLOCK_BYTES;
      UNROLL
      for (int t = 0; t < nt; t++)
        tables[t] = acts[t].tables + b * 32 * 32;
      tile_block_sums (tbh, nh, tables, nt, s);
      UNROLL
      for (int h = 0; h < nh; h++)
        {
          const guint8 *scales = tbh[h] + 16 * SE_Q1_TILE_ROWS;
          __m256 d[4];

          UNROLL
          for (int i = 0; i < 4; i++)
            d[i] = _mm256_cvtph_ps (_mm_loadu_si128 ((const __m128i *) (scales + 16 * i)));
          UNROLL
          for (int t = 0; t < nt; t++)
            {
              __m256 a = _mm256_set1_ps (acts[t].scales[b]);
              __m256 *ac = acc[t][h];

              /* rows 0-7, 8-15, 16-23, 24-31 */
              ac[0] = scale_rows (_mm256_castsi256_si128 (s[t][h][0]), d[0], a, ac[0]);
              ac[1] = scale_rows (_mm256_castsi256_si128 (s[t][h][1]), d[1], a, ac[1]);
              ac[2] = scale_rows (_mm256_extracti128_si256 (s[t][h][0], 1), d[2], a, ac[2]);
              ac[3] = scale_rows (_mm256_extracti128_si256 (s[t][h][1], 1), d[3], a, ac[3]);
            }
        }
    }
  UNROLL
  for (int t = 0; t < nt; t++)
    UNROLL
    for (int i = 0; i < 4 * nh; i++)
      _mm256_storeu_ps (y + t * y_stride + 8 * i, acc[t][i / 4][i % 4]);
}

/* Chunk [c0, c0 + chunk_len) of the tiles [t0, t1) of one group, for @nt tokens. */
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

  /* batches: two tiles share each table load and two tokens each index (four tiles
   * spill registers). A decode reads one tile at a time: two streams, although
   * fewer loads in cache, measured slower from memory in a whole model. */
  for (; tile + 2 <= t1 && nt > 1; tile += 2)
    tiles_chunk (chunk + (gsize) (tile * chunk_len) * TILE_BLOCK_BYTES, 2, c0, chunk_len, acts,
                 nt, y + tile * SE_Q1_TILE_ROWS, y_stride);
  for (; tile < t1; tile++)
    tiles_chunk (chunk + (gsize) (tile * chunk_len) * TILE_BLOCK_BYTES, 1, c0, chunk_len, acts,
                 nt, y + tile * SE_Q1_TILE_ROWS, y_stride);
}

#include "se-cpu-q1-driver.h"

void
se_q1_matvec_avx2 (const SeQ1Packed *w,
                   const SeQ1Act    *act,
                   float            *y,
                   gint64            row0,
                   gint64            row1)
{
  q1_drive_matvec (w, act, y, row0, row1);
}

void
se_q1_matmul_avx2 (const SeQ1Packed *w,
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
      /* -128 only from NaN: clamped as the portable version does */
      __m256i abcd = _mm256_max_epi8 (_mm256_packs_epi16 (ab, cd), _mm256_set1_epi8 (-127));

      /* packs interleaves the 128-bit lanes: restore element order */
      abcd = _mm256_permutevar8x32_epi32 (abcd, _mm256_setr_epi32 (0, 4, 1, 5, 2, 6, 3, 7));
      _mm256_storeu_si256 ((__m256i *) (q + i), abcd);
    }
  return amax / 127.0f;
}

/* Tables of 4 groups from their 16 int8 activations: entry n of a group is
 * u = bias + sum_k (bit k of n ? +q_k : -q_k), built as sign(q_k) patterns over 16
 * int16 lanes, then split into u & 31 (low bytes) and u >> 5 (high bytes). */
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
      t = _mm256_add_epi16 (t, _mm256_set1_epi16 (SE_Q1_TABLE_BIAS));
      t = _mm256_or_si256 (_mm256_and_si256 (t, _mm256_set1_epi16 (31)),
                           _mm256_slli_epi16 (_mm256_srli_epi16 (t, 5), 8));
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
