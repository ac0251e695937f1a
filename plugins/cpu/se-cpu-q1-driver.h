/* SPDX-License-Identifier: Apache-2.0
 *
 * The walk over a packed Q1_0 matrix that every SIMD kernel shares: group by group and
 * chunk of columns by chunk, so that the packed data is read as one linear stream (a
 * decode), or chunk by chunk with every pair of tokens over a chunk's weights of the
 * whole row range while they are in cache (a batch). Included by se-cpu-q1-avx2.c,
 * -avx512.c and -neon.c after they define, with their own instructions:
 *
 *   TILE_BLOCK_BYTES, MAX_TOKENS, ALWAYS_INLINE and
 *   static ALWAYS_INLINE void group_chunk (const guint8 *group, gint64 in_group,
 *                                          gint64 t0, gint64 t1, gint64 c0,
 *                                          gint64 chunk_len, const SeQ1Act *acts,
 *                                          int nt, float *y, gint64 y_stride);
 *
 * (chunk [c0, c0 + chunk_len) of the tiles [t0, t1) of one group for @nt tokens, y at
 * the group's first row). Not a public header: its functions are static.
 */
#pragma once

/* Where the tiles of group @g start, how many it has, and the part [*t0, *t1) of
 * them (group-relative) that lies in the tile range [tile0, tile1). */
static inline const guint8 *
q1_group_range (const SeQ1Packed *w,
                gint64            g,
                gint64            tile0,
                gint64            tile1,
                gint64           *in_group,
                gint64           *t0,
                gint64           *t1)
{
  gint64 n_tiles = w->n_rows / SE_Q1_TILE_ROWS, n_blocks = w->n_cols / 128;
  gint64 group_tiles = se_q1_group_tiles (w->n_cols), first = g * group_tiles;

  *in_group = MIN (group_tiles, n_tiles - first);
  *t0 = MAX (tile0, first) - first;
  *t1 = MIN (tile1, first + *in_group) - first;
  return w->data + (gsize) (first * n_blocks) * TILE_BLOCK_BYTES;
}

/* y[r] = W[r] . x for r in [row0, row1): group by group, chunk by chunk. */
static ALWAYS_INLINE void
q1_drive_matvec (const SeQ1Packed *w,
                 const SeQ1Act    *act,
                 float            *y,
                 gint64            row0,
                 gint64            row1)
{
  gint64 n_blocks = w->n_cols / 128, group_tiles = se_q1_group_tiles (w->n_cols);
  gint64 tile0 = row0 / SE_Q1_TILE_ROWS, tile1 = row1 / SE_Q1_TILE_ROWS;

  for (gint64 g = tile0 / group_tiles; g * group_tiles < tile1; g++)
    {
      gint64 in_group, t0, t1;
      const guint8 *group = q1_group_range (w, g, tile0, tile1, &in_group, &t0, &t1);

      for (gint64 c0 = 0; c0 < n_blocks; c0 += SE_Q1_CHUNK_BLOCKS)
        group_chunk (group, in_group, t0, t1, c0, MIN (SE_Q1_CHUNK_BLOCKS, n_blocks - c0),
                     act, 1, y + g * group_tiles * SE_Q1_TILE_ROWS, 0);
    }
}

/* One chunk of columns for tokens [0, nt) of @acts over every group of the range. */
static ALWAYS_INLINE void
q1_drive_chunk (const SeQ1Packed *w,
                gint64            c0,
                const SeQ1Act    *acts,
                int               nt,
                float            *y,
                gint64            y_stride,
                gint64            tile0,
                gint64            tile1)
{
  gint64 n_blocks = w->n_cols / 128, group_tiles = se_q1_group_tiles (w->n_cols);

  for (gint64 g = tile0 / group_tiles; g * group_tiles < tile1; g++)
    {
      gint64 in_group, t0, t1;
      const guint8 *group = q1_group_range (w, g, tile0, tile1, &in_group, &t0, &t1);

      group_chunk (group, in_group, t0, t1, c0, MIN (SE_Q1_CHUNK_BLOCKS, n_blocks - c0), acts,
                   nt, y + g * group_tiles * SE_Q1_TILE_ROWS, y_stride);
    }
}

/* y[t * y_stride + r] = W[r] . x_t for @n_tokens >= 2 tokens: chunk by chunk of columns,
 * so that a chunk's weights of the whole row range stay in cache while every pair of
 * tokens runs over them with its tables in L1. */
static ALWAYS_INLINE void
q1_drive_matmul (const SeQ1Packed *w,
                 const SeQ1Act    *acts,
                 guint             n_tokens,
                 float            *y,
                 gint64            y_stride,
                 gint64            row0,
                 gint64            row1)
{
  gint64 tile0 = row0 / SE_Q1_TILE_ROWS, tile1 = row1 / SE_Q1_TILE_ROWS;

  for (gint64 c0 = 0; c0 < w->n_cols / 128; c0 += SE_Q1_CHUNK_BLOCKS)
    for (guint t = 0; t < n_tokens; t += MAX_TOKENS)
      {
        const SeQ1Act *a = acts + t;
        float *yt = y + t * y_stride;

        if (n_tokens - t >= 2)
          q1_drive_chunk (w, c0, a, 2, yt, y_stride, tile0, tile1);
        else
          q1_drive_chunk (w, c0, a, 1, yt, y_stride, tile0, tile1);
      }
}
