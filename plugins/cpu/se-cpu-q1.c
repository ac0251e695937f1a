/* SPDX-License-Identifier: Apache-2.0
 *
 * Portable half of the Q1_0 lookup-table kernel: re-packing GGUF Q1_0 rows into the
 * tile layout of se-cpu-q1.h, quantizing an activation row to int8 and building its
 * lookup tables, and plain C products over the packed layout that do exactly the
 * integer and float operations of the AVX2 kernels, in the same order (the integer
 * block sums are exact, however they are added up).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "sprig/se-types.h"
#include "se-cpu-q1.h"

#define BLOCK_BYTES 18        /* GGUF Q1_0: fp16 d + 16 sign bytes per 128 weights */
#define TILE_BLOCK_BYTES (16 * SE_Q1_TILE_ROWS + 2 * SE_Q1_TILE_ROWS)

gsize
se_q1_packed_size (gint64 n_rows,
                   gint64 n_cols)
{
  return (gsize) (n_rows / SE_Q1_TILE_ROWS) * (gsize) (n_cols / 128) * TILE_BLOCK_BYTES;
}

gint64
se_q1_group_tiles (gint64 n_cols)
{
  return MAX (1, SE_Q1_GROUP_BYTES / ((n_cols / 128) * TILE_BLOCK_BYTES));
}

/* Offset of (tile, block) in the packed buffer: groups of tiles, chunks of blocks
 * within a group, tiles within a chunk, blocks within a tile. */
static inline gsize
tile_block_offset (gint64 n_tiles,
                   gint64 n_blocks,
                   gint64 tile,
                   gint64 block)
{
  gint64 group_tiles = se_q1_group_tiles (n_blocks * 128);
  gint64 group = tile / group_tiles;
  gint64 tiles_in_group = MIN (group_tiles, n_tiles - group * group_tiles);
  gint64 chunk_start = block / SE_Q1_CHUNK_BLOCKS * SE_Q1_CHUNK_BLOCKS;
  gint64 chunk_len = MIN (SE_Q1_CHUNK_BLOCKS, n_blocks - chunk_start);

  return (gsize) (group * group_tiles * n_blocks + chunk_start * tiles_in_group
                  + (tile - group * group_tiles) * chunk_len + (block - chunk_start))
         * TILE_BLOCK_BYTES;
}

void
se_q1_pack_rows (SeQ1Packed *packed,
                 const void *q1_data,
                 gint64      row0,
                 gint64      row1)
{
  gint64 n_tiles = packed->n_rows / SE_Q1_TILE_ROWS, n_blocks = packed->n_cols / 128;
  const guint8 *src = q1_data;

  g_return_if_fail (row0 % SE_Q1_TILE_ROWS == 0 && row1 % SE_Q1_TILE_ROWS == 0);
  for (gint64 tile = row0 / SE_Q1_TILE_ROWS; tile < row1 / SE_Q1_TILE_ROWS; tile++)
    for (gint64 b = 0; b < n_blocks; b++)
      {
        guint8 *dst = packed->data + tile_block_offset (n_tiles, n_blocks, tile, b);
        guint16 *scales = (guint16 *) (dst + 16 * SE_Q1_TILE_ROWS);

        for (gint p = 0; p < SE_Q1_TILE_ROWS; p++)
          {
            const guint8 *blk = src + ((tile * SE_Q1_TILE_ROWS + p) * n_blocks + b) * BLOCK_BYTES;

            memcpy (&scales[p], blk, 2);
            for (gint m = 0; m < 16; m++)
              dst[m * SE_Q1_TILE_ROWS + p] = blk[2 + m];
          }
      }
}

void
se_q1_unpack_row (const SeQ1Packed *w,
                  gint64            r,
                  float            *dst)
{
  gint64 n_tiles = w->n_rows / SE_Q1_TILE_ROWS, n_blocks = w->n_cols / 128;
  gint64 p = r % SE_Q1_TILE_ROWS;

  for (gint64 b = 0; b < n_blocks; b++)
    {
      const guint8 *tb = w->data + tile_block_offset (n_tiles, n_blocks, r / SE_Q1_TILE_ROWS, b);
      guint16 d16;
      float d;

      memcpy (&d16, tb + 16 * SE_Q1_TILE_ROWS + 2 * p, 2);
      d = se_fp16_to_fp32 (d16);
      for (gint j = 0; j < 128; j++)
        dst[b * 128 + j] = (tb[(j / 8) * SE_Q1_TILE_ROWS + p] >> (j % 8)) & 1 ? d : -d;
    }
}

void
se_q1_act_init (SeQ1Act *act,
                gint64   n_cols)
{
  act->n_cols = n_cols;
  act->tables = g_aligned_alloc (n_cols / 4, 32, 64);
  act->scales = g_new (float, n_cols / 128);
  act->q = g_new (gint8, n_cols);
}

void
se_q1_act_clear (SeQ1Act *act)
{
  g_clear_pointer (&act->tables, g_aligned_free);
  g_clear_pointer (&act->scales, g_free);
  g_clear_pointer (&act->q, g_free);
}

static void
build_tables (guint8       *tables,
              const gint8  *q,
              gint64        n_groups)
{
  for (gint64 g = 0; g < n_groups; g++)
    {
      guint8 *lo = tables + g * 32, *hi = lo + 16;

      for (guint n = 0; n < 16; n++)
        {
          gint u = SE_Q1_TABLE_BIAS;

          for (guint k = 0; k < 4; k++)
            u += (n >> k) & 1 ? q[4 * g + k] : -q[4 * g + k];
          lo[n] = (guint8) (u & 31);
          hi[n] = (guint8) (u >> 5);
        }
    }
}

void
se_q1_act_prepare (SeQ1Act     *act,
                   const float *x)
{
  gint8 *q = act->q;

  for (gint64 b = 0; b < act->n_cols / 128; b++)
    {
      const float *xb = x + b * 128;
      float amax = 0.0f, inv;

      for (gint i = 0; i < 128; i++)
        amax = MAX (amax, fabsf (xb[i]));
      act->scales[b] = amax / 127.0f;
      inv = amax > 0.0f ? 127.0f / amax : 0.0f;
      for (gint i = 0; i < 128; i++)
        q[b * 128 + i] = (gint8) CLAMP (lrintf (xb[i] * inv), -127, 127);
    }
  build_tables (act->tables, q, act->n_cols / 4);
}

static inline gint
lookup (const guint8 *table,
        guint         nibble)
{
  return table[nibble] + 32 * table[16 + nibble] - SE_Q1_TABLE_BIAS;
}

/* The integer sum of one row of a tile over one block (|sum| <= 128 * 128). */
static gint32
block_isum (const guint8 *tb,
            const guint8 *tables,
            gint          p)
{
  gint32 sum = 0;

  for (gint m = 0; m < 16; m++)
    {
      guint8 byte = tb[m * SE_Q1_TILE_ROWS + p];

      sum += lookup (tables + (2 * m) * 32, byte & 0x0f);
      sum += lookup (tables + (2 * m + 1) * 32, byte >> 4);
    }
  return sum;
}

void
se_q1_matvec_scalar (const SeQ1Packed *w,
                     const SeQ1Act    *act,
                     float            *y,
                     gint64            row0,
                     gint64            row1)
{
  gint64 n_tiles = w->n_rows / SE_Q1_TILE_ROWS, n_blocks = w->n_cols / 128;

  for (gint64 tile = row0 / SE_Q1_TILE_ROWS; tile < row1 / SE_Q1_TILE_ROWS; tile++)
    for (gint p = 0; p < SE_Q1_TILE_ROWS; p++)
      {
        float acc = 0.0f;

        for (gint64 b = 0; b < n_blocks; b++)
          {
            const guint8 *tb = w->data + tile_block_offset (n_tiles, n_blocks, tile, b);
            guint16 d16;
            float scale;

            memcpy (&d16, tb + 16 * SE_Q1_TILE_ROWS + 2 * p, 2);
            scale = se_fp16_to_fp32 (d16) * act->scales[b];
            acc = fmaf ((float) block_isum (tb, act->tables + b * 32 * 32, p), scale, acc);
          }
        y[tile * SE_Q1_TILE_ROWS + p] = acc;
      }
}

void
se_q1_matmul_scalar (const SeQ1Packed *w,
                     const SeQ1Act    *acts,
                     guint             n_tokens,
                     float            *y,
                     gint64            y_stride,
                     gint64            row0,
                     gint64            row1)
{
  for (guint t = 0; t < n_tokens; t++)
    se_q1_matvec_scalar (w, &acts[t], y + t * y_stride, row0, row1);
}
