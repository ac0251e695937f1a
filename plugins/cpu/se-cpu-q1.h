/* SPDX-License-Identifier: Apache-2.0
 *
 * The Q1_0 kernels of the CPU backend: weights re-packed once at load into 32-row
 * tiles whose sign bits a `pshufb` turns into lookups of precomputed activation
 * partial sums (T-MAC style), so the inner loop does a few vector ops per 32 bytes of
 * weights. Decode runs the matrix-vector product at memory bandwidth; prefill runs
 * the same arithmetic for two tokens x two tiles per pass, so each loaded tile and
 * its nibble indices serve two tokens and each loaded table two tiles.
 *
 * Layout of a packed matrix (n_rows a multiple of 32, n_cols a multiple of 128): tiles
 * come in groups of se_q1_group_tiles (n_cols) tiles (about SE_Q1_GROUP_BYTES, the
 * unit of work a thread takes); within a group, for each chunk of SE_Q1_CHUNK_BLOCKS
 * column blocks, for each tile, for each block of the chunk: 16 vectors of 32 bytes
 * (vector m, byte p = sign byte m of row p of the tile, i.e. the nibbles of column
 * groups 2m and 2m + 1), then the 32 fp16 scales of the tile's rows. A group streams
 * linearly, in exactly the order the kernel reads it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SE_Q1_TILE_ROWS    32
#define SE_Q1_CHUNK_BLOCKS 4     /* 512 columns: the tables of a few tokens fit in L1 */
#define SE_Q1_GROUP_BYTES  (160 * 1024)

typedef struct
{
  gint64 n_rows;
  gint64 n_cols;
  guint8 *data;           /* 64-byte aligned, se_q1_packed_size() bytes */
  gsize n_bytes;
} SeQ1Packed;

/* The lookup tables of one activation row: per group of 4 columns, the 16 signed
 * sums t = ±q0 ±q1 ±q2 ±q3 of the int8-quantized activations, biased to
 * u = t + SE_Q1_TABLE_BIAS (0 .. 1020) and split into a 16-byte table of u & 31 and
 * one of u >> 5; plus one float scale per block of 128 columns. Five-bit halves let
 * the kernel add the lookups of eight groups as bytes before it widens them. */
#define SE_Q1_TABLE_BIAS 512

typedef struct
{
  gint64 n_cols;
  guint8 *tables;         /* [n_cols / 4][2][16], 32-byte aligned */
  float *scales;          /* [n_cols / 128] */
  gint8 *q;               /* [n_cols] int8 activations (scratch of the scalar prepare) */
} SeQ1Act;

gsize    se_q1_packed_size   (gint64          n_rows,
                              gint64          n_cols);
/* Tiles per group: row ranges that start and end on group boundaries read one
 * contiguous stretch of memory. */
gint64   se_q1_group_tiles   (gint64          n_cols);
/* Re-packs rows [row0, row1) of a GGUF Q1_0 matrix (row0, row1 multiples of 32). */
void     se_q1_pack_rows     (SeQ1Packed     *packed,
                              const void     *q1_data,
                              gint64          row0,
                              gint64          row1);

/* Row @r of a packed matrix back to floats (±d): embedding lookups of a packed tied
 * matrix, whose mapped pages were dropped. */
void     se_q1_unpack_row    (const SeQ1Packed *w,
                              gint64            r,
                              float            *dst);

void     se_q1_act_init      (SeQ1Act        *act,
                              gint64          n_cols);
void     se_q1_act_clear     (SeQ1Act        *act);
/* Quantizes @x (n_cols floats) to int8 per block of 128 and builds the tables. The
 * AVX2 version produces the same bytes (call it when the CPU has AVX2). */
void     se_q1_act_prepare   (SeQ1Act        *act,
                              const float    *x);
void     se_q1_act_prepare_avx2 (SeQ1Act     *act,
                                 const float *x);

/* y[r] = W[r] . x for r in [row0, row1), multiples of 32. Portable C version, and the
 * AVX2 one (only call when the CPU has AVX2 and F16C). Both compute exactly the same
 * integer sums, so they agree bit for bit. */
void     se_q1_matvec_scalar (const SeQ1Packed *w,
                              const SeQ1Act    *act,
                              float            *y,
                              gint64            row0,
                              gint64            row1);
void     se_q1_matvec_avx2   (const SeQ1Packed *w,
                              const SeQ1Act    *act,
                              float            *y,
                              gint64            row0,
                              gint64            row1);
/* y[t * y_stride + r] = W[r] . x_t for the @n_tokens prepared rows @acts and r in
 * [row0, row1): for every token exactly the bits of the matrix-vector product. The
 * AVX2 version walks each chunk of columns once per two tokens. */
void     se_q1_matmul_scalar (const SeQ1Packed *w,
                              const SeQ1Act    *acts,
                              guint             n_tokens,
                              float            *y,
                              gint64            y_stride,
                              gint64            row0,
                              gint64            row1);
void     se_q1_matmul_avx2   (const SeQ1Packed *w,
                              const SeQ1Act    *acts,
                              guint             n_tokens,
                              float            *y,
                              gint64            y_stride,
                              gint64            row0,
                              gint64            row1);

/* AVX-512F + BW versions (se-cpu-q1-avx512.c; only call them when the CPU has them
 * and the OS saves the ZMM state): the same bits. */
void     se_q1_matvec_avx512 (const SeQ1Packed *w,
                              const SeQ1Act    *act,
                              float            *y,
                              gint64            row0,
                              gint64            row1);
void     se_q1_matmul_avx512 (const SeQ1Packed *w,
                              const SeQ1Act    *acts,
                              guint             n_tokens,
                              float            *y,
                              gint64            y_stride,
                              gint64            row0,
                              gint64            row1);

/* AArch64 NEON versions (se-cpu-q1-neon.c), the same bytes and bits as the portable
 * ones; _se_cpu_quantize_128_neon quantizes one block of 128 floats as the portable
 * preparation does and returns its scale (the TQ2_0 preparation shares it). */
void     se_q1_act_prepare_neon (SeQ1Act     *act,
                                 const float *x);
void     se_q1_matvec_neon   (const SeQ1Packed *w,
                              const SeQ1Act    *act,
                              float            *y,
                              gint64            row0,
                              gint64            row1);
void     se_q1_matmul_neon   (const SeQ1Packed *w,
                              const SeQ1Act    *acts,
                              guint             n_tokens,
                              float            *y,
                              gint64            y_stride,
                              gint64            row0,
                              gint64            row1);
float    _se_cpu_quantize_128_neon (const float *x,
                                    gint8       *q);

G_END_DECLS
