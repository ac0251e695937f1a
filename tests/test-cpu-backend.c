/* SPDX-License-Identifier: Apache-2.0
 *
 * Tests of the CPU backend plugin: its kernels one by one against exact integer and
 * float computations (Q1_0 lookup tables, rows past the last tile, packed-row
 * unpacking, fp16 attention kernels, the thread pool), and whole tiny models of every
 * weight type against the reference backend: logits, argmax, greedy decoding, and
 * bit-equality across thread counts and instruction sets. Also ISA refusal,
 * cancellation between ops and the dropped pages of the file mapping.
 */
#include "config.h"

#include "sprig-test-model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gmodule.h>

#include "sprig/se-error.h"
#include "sprig/se-model.h"
#include "sprig/se-plugin-loader.h"
#include "sprig/se-types.h"
#include "se-cpu-private.h"

static char *tmpdir;

/* The kernel tables this build and CPU run: scalar first, then every SIMD one
 * (AVX2, AVX-512, NEON). Returns how many. */
static guint
test_isas (const SeCpuKernels *isas[4])
{
  const SeCpuKernels *simd[] = {
    _se_cpu_kernels_avx2 (), _se_cpu_kernels_avx512 (), _se_cpu_kernels_neon (),
  };
  guint n = 0;

  isas[n++] = _se_cpu_kernels_scalar ();
  for (gsize i = 0; i < G_N_ELEMENTS (simd); i++)
    if (simd[i] != NULL)
      isas[n++] = simd[i];
  return n;
}

/* ---- Q1_0 kernels ---- */

/* A random GGUF Q1_0 matrix: random sign bytes, scales in [0.01, 1) or exactly 1. */
static guint8 *
random_q1 (GRand  *rand,
           gint64  n_rows,
           gint64  n_cols,
           gboolean unit_scales)
{
  gsize n_blocks = (gsize) (n_rows * n_cols / 128);
  guint8 *q = g_malloc (n_blocks * 18);

  for (gsize b = 0; b < n_blocks; b++)
    {
      float d32 = (float) g_rand_double_range (rand, 0.01, 1.0);
      guint16 d = unit_scales ? 0x3c00 : se_fp32_to_fp16 (d32);

      memcpy (q + b * 18, &d, 2);
      for (gint i = 0; i < 16; i++)
        q[b * 18 + 2 + i] = (guint8) g_rand_int_range (rand, 0, 256);
    }
  return q;
}

static gint
sign_of (const guint8 *q1,
         gint64        n_cols,
         gint64        r,
         gint64        c)
{
  const guint8 *blk = q1 + (r * (n_cols / 128) + c / 128) * 18;

  return (blk[2 + (c % 128) / 8] >> (c % 8)) & 1 ? 1 : -1;
}

/* Entry @n of a group's table: the biased sum split in 5-bit halves. */
static gint
table_entry (const guint8 *t,
             guint         n)
{
  g_assert_cmpuint (t[n], <, 32);
  g_assert_cmpuint (t[16 + n], <, 32);
  return t[n] + 32 * t[16 + n] - SE_Q1_TABLE_BIAS;
}

/* The int8 value of column @c, read back from its group's table: entry 15 is
 * q0+q1+q2+q3, and flipping bit k subtracts 2 q_k. */
static gint
act_q (const SeQ1Act *act,
       gint64         c)
{
  const guint8 *t = act->tables + (c / 4) * 32;
  gint k = (gint) (c % 4);

  return (table_entry (t, 15) - table_entry (t, 15 ^ (1 << k))) / 2;
}

/* The activations are int8 per block, scaled by a_b = amax / 127, to half a step. */
static void
check_act (const SeQ1Act *act,
           const float   *x)
{
  for (gint64 b = 0; b < act->n_cols / 128; b++)
    {
      float amax = 0.0f;
      gint qmax = 0;

      for (gint i = 0; i < 128; i++)
        amax = MAX (amax, fabsf (x[b * 128 + i]));
      g_assert_cmpfloat_with_epsilon (act->scales[b], amax / 127.0f, amax * 1e-6f);
      for (gint i = 0; i < 128; i++)
        {
          gint q = act_q (act, b * 128 + i);

          g_assert_cmpint (ABS (q), <=, 127);
          qmax = MAX (qmax, ABS (q));
          g_assert_cmpfloat (fabsf (q * act->scales[b] - x[b * 128 + i]), <=,
                             act->scales[b] * 0.5001f);
        }
      g_assert_cmpint (qmax, ==, 127);
    }
}

/* y = sum_b d_b a_b sum_i s_i q_i, in double from the integers. */
static void
exact_q1 (const guint8  *q1,
          const SeQ1Act *act,
          gint64         n_rows,
          double        *y,
          double        *mag)
{
  gint64 n_cols = act->n_cols;

  for (gint64 r = 0; r < n_rows; r++)
    {
      y[r] = mag[r] = 0.0;
      for (gint64 b = 0; b < n_cols / 128; b++)
        {
          guint16 d16;
          gint64 isum = 0;
          double term;

          memcpy (&d16, q1 + (r * (n_cols / 128) + b) * 18, 2);
          for (gint64 c = b * 128; c < (b + 1) * 128; c++)
            isum += sign_of (q1, n_cols, r, c) * act_q (act, c);
          term = (double) se_fp16_to_fp32 (d16) * act->scales[b] * (double) isum;
          y[r] += term;
          mag[r] += fabs (term);
        }
    }
}

/* Runs the packed kernels (every ISA) on rows [0, n_rows / 32 * 32), in two ranges,
 * and the GGUF-layout helper on the rest; all must agree with each other bit for bit
 * and with the exact sums to float rounding. */
static void
check_q1_shape (GRand   *rand,
                gint64   n_rows,
                gint64   n_cols,
                gboolean unit)
{
  g_autofree guint8 *q1 = random_q1 (rand, n_rows, n_cols, unit);
  g_autofree float *x = g_new (float, n_cols);
  g_autofree float *y = g_new0 (float, n_rows), *y2 = g_new0 (float, n_rows);
  g_autofree double *want = g_new (double, n_rows), *mag = g_new (double, n_rows);
  gint64 n_packed = n_rows / 32 * 32, split = n_packed / 64 * 32;
  SeQ1Packed packed = { n_packed, n_cols, NULL, se_q1_packed_size (n_packed, n_cols) };
  const SeCpuKernels *isas[4];
  guint n_isas = test_isas (isas);
  SeQ1Act act, act2;

  for (gint64 i = 0; i < n_cols; i++)
    x[i] = unit ? (float) g_rand_int_range (rand, -127, 128)
                : (float) g_rand_double_range (rand, -3, 3);
  if (unit)
    for (gint64 b = 0; b < n_cols / 128; b++)
      x[b * 128 + g_rand_int_range (rand, 0, 128)] = 127.0f;  /* a_b = 1: q = x exactly */
  packed.data = g_aligned_alloc0 (MAX (packed.n_bytes, 1), 1, 64);
  se_q1_pack_rows (&packed, q1, 0, n_packed);
  se_q1_act_init (&act, n_cols);
  se_q1_act_init (&act2, n_cols);
  se_q1_act_prepare (&act, x);
  check_act (&act, x);
  exact_q1 (q1, &act, n_rows, want, mag);
  for (guint k = 0; k < n_isas; k++)
    {
      isas[k]->q1_act_prepare (&act2, x);
      g_assert_cmpmem (act2.tables, n_cols / 4 * 32, act.tables, n_cols / 4 * 32);
      g_assert_cmpmem (act2.scales, n_cols / 128 * 4, act.scales, n_cols / 128 * 4);
      isas[k]->q1_matmul (&packed, &act2, 1, y2, 0, 0, split);
      isas[k]->q1_matmul (&packed, &act2, 1, y2, 0, split, n_packed);
      for (gint64 r = n_packed; r < n_rows; r++)
        y2[r] = _se_cpu_q1_row_dot (q1 + r * (n_cols / 128) * 18, &act2);
      if (k == 0)
        memcpy (y, y2, sizeof (float) * n_rows);
      g_assert_cmpmem (y2, n_rows * 4, y, n_rows * 4);
    }
  for (gint64 r = 0; r < n_rows; r++)
    {
      if (unit)  /* integers below 2^24: the float sum is exact */
        g_assert_cmpfloat (y[r], ==, want[r]);
      g_assert_cmpfloat (fabs (y[r] - want[r]), <=, 1e-6 * mag[r] + 1e-30);
      /* the GGUF-layout helper gives the packed rows' bits too */
      if (r < n_packed)
        g_assert_cmpfloat (_se_cpu_q1_row_dot (q1 + r * (n_cols / 128) * 18, &act), ==, y[r]);
    }
  se_q1_act_clear (&act);
  se_q1_act_clear (&act2);
  g_aligned_free (packed.data);
}

static void
test_q1_kernel (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  static const gint64 rows[] = { 32, 64, 96, 160, 256 };
  static const gint64 cols[] = { 128, 384, 1024, 1152 };

  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    for (gsize j = 0; j < G_N_ELEMENTS (cols); j++)
      {
        check_q1_shape (rand, rows[i], cols[j], FALSE);
        check_q1_shape (rand, rows[i], cols[j], TRUE);
      }
}

/* Rows that are not a multiple of 32: the last rows go through the GGUF-layout path. */
static void
test_q1_odd_rows (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  static const gint64 rows[] = { 1, 31, 37, 70, 255 };

  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      check_q1_shape (rand, rows[i], 256, FALSE);
      check_q1_shape (rand, rows[i], 1152, TRUE);
    }
}

/* Packed rows read back give what the reference dequantizer reads from the file; and
 * a matrix of several tile groups (the last one partial) gives the same products in
 * the portable and SIMD kernels, whatever row range a thread is handed. */
static void
check_q1_unpack_shape (GRand *rand,
                       gint64 n_rows,
                       gint64 n_cols)
{
  g_autofree guint8 *q1 = random_q1 (rand, n_rows, n_cols, FALSE);
  g_autofree float *want = g_new (float, n_cols), *got = g_new (float, n_cols);
  g_autofree float *x = g_new (float, n_cols);
  g_autofree float *ys = g_new0 (float, n_rows), *yv = g_new0 (float, n_rows);
  SeQ1Packed packed = { n_rows, n_cols, NULL, se_q1_packed_size (n_rows, n_cols) };
  gint64 cut = (n_rows / 2 + 31) / 32 * 32 - 32;
  const SeCpuKernels *isas[4];
  guint n_isas = test_isas (isas);
  SeQ1Act act;

  packed.data = g_aligned_alloc (packed.n_bytes, 1, 64);
  se_q1_pack_rows (&packed, q1, 0, n_rows);
  for (gint64 r = 0; r < n_rows; r++)
    {
      se_dequantize_row (SE_TYPE_Q1_0, q1 + r * (n_cols / 128) * 18, want, n_cols);
      se_q1_unpack_row (&packed, r, got);
      g_assert_cmpmem (got, n_cols * 4, want, n_cols * 4);
    }
  for (gint64 i = 0; i < n_cols; i++)
    x[i] = (float) g_rand_double_range (rand, -2, 2);
  se_q1_act_init (&act, n_cols);
  se_q1_act_prepare (&act, x);
  se_q1_matvec_scalar (&packed, &act, ys, 0, n_rows);
  for (guint k = 1; k < n_isas; k++)
    {
      memset (yv, 0, sizeof (float) * n_rows);
      isas[k]->q1_matmul (&packed, &act, 1, yv, 0, 0, cut);
      isas[k]->q1_matmul (&packed, &act, 1, yv, 0, cut, n_rows);
      g_assert_cmpmem (ys, n_rows * 4, yv, n_rows * 4);
    }
  se_q1_act_clear (&act);
  g_aligned_free (packed.data);
}

static void
test_q1_unpack (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  gint64 group_rows = se_q1_group_tiles (128) * SE_Q1_TILE_ROWS;

  check_q1_unpack_shape (rand, 96, 1152);
  /* two and a half groups of tiles */
  check_q1_unpack_shape (rand, group_rows * 2 + group_rows / 2 / 32 * 32, 128);
  check_q1_unpack_shape (rand, se_q1_group_tiles (1024) * SE_Q1_TILE_ROWS * 3 + 64, 1024);
}

/* A batch of tokens through q1_matmul gives, token by token, the bits of the
 * single-token product (scalar kernel), on every ISA, whatever the token count (whole
 * and partial groups of four), row range or output stride; padding stays untouched. */
static void
check_q1_batch_shape (GRand *rand,
                      gint64 n_rows,
                      gint64 n_cols,
                      guint  n_tokens)
{
  g_autofree guint8 *q1 = random_q1 (rand, n_rows, n_cols, FALSE);
  gint64 stride = n_rows + 5, cut = g_rand_int_range (rand, 0, (gint32) (n_rows / 32) + 1) * 32;
  gsize n_y = (gsize) stride * n_tokens;
  g_autofree float *x = g_new (float, n_cols);
  g_autofree float *want = g_new (float, n_y), *got = g_new (float, n_y);
  g_autofree SeQ1Act *acts = g_new0 (SeQ1Act, n_tokens);
  const SeCpuKernels *isas[4];
  guint n_isas = test_isas (isas);
  SeQ1Packed packed = { n_rows, n_cols, NULL, se_q1_packed_size (n_rows, n_cols) };

  packed.data = g_aligned_alloc (packed.n_bytes, 1, 64);
  se_q1_pack_rows (&packed, q1, 0, n_rows);
  for (guint t = 0; t < n_tokens; t++)
    {
      for (gint64 i = 0; i < n_cols; i++)
        x[i] = (float) g_rand_double_range (rand, -2, 2) * (float) (t + 1);
      se_q1_act_init (&acts[t], n_cols);
      se_q1_act_prepare (&acts[t], x);
    }
  for (gsize i = 0; i < n_y; i++)
    want[i] = -1.0f;
  for (guint t = 0; t < n_tokens; t++)
    se_q1_matvec_scalar (&packed, &acts[t], want + t * stride, 0, n_rows);
  for (guint k = 0; k < n_isas; k++)
    {
      for (gsize i = 0; i < n_y; i++)
        got[i] = -1.0f;
      isas[k]->q1_matmul (&packed, acts, n_tokens, got, stride, 0, cut);
      isas[k]->q1_matmul (&packed, acts, n_tokens, got, stride, cut, n_rows);
      g_assert_cmpmem (got, n_y * 4, want, n_y * 4);
    }
  for (guint t = 0; t < n_tokens; t++)
    se_q1_act_clear (&acts[t]);
  g_aligned_free (packed.data);
}

static void
test_q1_batch (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (13);
  static const guint tokens[] = { 2, 3, 4, 5, 7, 8, 9, 32 };
  gint64 group_rows = se_q1_group_tiles (2048) * SE_Q1_TILE_ROWS;

  for (gsize i = 0; i < G_N_ELEMENTS (tokens); i++)
    {
      check_q1_batch_shape (rand, 64, 1152, tokens[i]);
      check_q1_batch_shape (rand, 96, 640, tokens[i]);
    }
  /* Bonsai's widths; several tile groups, the last one partial */
  check_q1_batch_shape (rand, group_rows * 2 + 64, 2048, 6);
  check_q1_batch_shape (rand, 160, 6144, 5);
}

/* ---- TQ2_0 kernels ---- */

/* A random GGUF TQ2_0 row: codes 0..2 (and, rarely, 3, which dequantizes to 2 d). */
static void
random_tq2_row (GRand  *rand,
                guint8 *row,
                gint64  n_cols)
{
  for (gint64 b = 0; b < n_cols / 256; b++)
    {
      guint8 *blk = row + b * 66;
      guint16 d = se_fp32_to_fp16 ((float) g_rand_double_range (rand, 0.01, 1.0));

      for (gint i = 0; i < 64; i++)
        {
          blk[i] = 0;
          for (gint n = 0; n < 4; n++)
            blk[i] |= (guint8) ((g_rand_int_range (rand, 0, 100) == 0 ? 3
                                 : g_rand_int_range (rand, 0, 3)) << (2 * n));
        }
      memcpy (blk + 64, &d, 2);
    }
}

/* Prepared activations and row dots agree bit for bit between ISAs; the dot equals
 * the exact sum over the int8 activations to float rounding, and the reference's
 * dequantize-and-dot within the error of int8 activations. */
static void
check_tq2_shape (GRand *rand,
                 gint64 n_cols)
{
  gsize row_bytes = (gsize) n_cols / 256 * 66;
  g_autofree guint8 *row = g_malloc (row_bytes);
  g_autofree float *x = g_new (float, n_cols), *w = g_new (float, n_cols);
  const SeCpuKernels *isas[4];
  guint n_isas = test_isas (isas);
  SeTqAct act, act2;
  double exact = 0.0, mag = 0.0, ref = 0.0, ref_mag = 0.0;
  float got;

  se_tq_act_init (&act, n_cols);
  se_tq_act_init (&act2, n_cols);
  for (gint rep = 0; rep < 20; rep++)
    {
      random_tq2_row (rand, row, n_cols);
      for (gint64 i = 0; i < n_cols; i++)
        x[i] = (float) g_rand_double_range (rand, -3, 3);
      se_tq_act_prepare (&act, x);
      got = se_tq2_dot_scalar (row, &act);
      se_dequantize_row (SE_TYPE_TQ2_0, row, w, n_cols);
      exact = mag = ref = ref_mag = 0.0;
      for (gint64 i = 0; i < n_cols; i++)
        {
          double a = act.q[i] * (double) act.scales[i / 128];

          exact += (double) w[i] * a;
          mag += fabs ((double) w[i] * a);
          ref += (double) w[i] * x[i];
          ref_mag += fabs ((double) w[i] * x[i]);
        }
      g_assert_cmpfloat (fabs (got - exact), <=, 1e-6 * mag + 1e-30);
      g_assert_cmpfloat (fabs (got - ref), <=, 0.01 * ref_mag);
      for (guint k = 1; k < n_isas; k++)
        {
          isas[k]->tq_act_prepare (&act2, x);
          g_assert_cmpmem (act2.q, n_cols, act.q, n_cols);
          g_assert_cmpmem (act2.scales, n_cols / 128 * 4, act.scales, n_cols / 128 * 4);
          g_assert_cmpmem (act2.lane_sums, n_cols / 128 * 32, act.lane_sums, n_cols / 128 * 32);
          g_assert_cmpfloat (isas[k]->tq2_dot (row, &act2), ==, got);
        }
    }
  se_tq_act_clear (&act);
  se_tq_act_clear (&act2);
}

static void
test_tq2_kernel (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (17);
  static const gint64 cols[] = { 256, 512, 2560, 6912 };

  for (gsize i = 0; i < G_N_ELEMENTS (cols); i++)
    check_tq2_shape (rand, cols[i]);
}

/* ---- the ISAs a machine may lack ---- */

/* The kernels of one ISA against the portable ones on Bonsai's widths: run where the
 * CPU has the ISA (the tests above then include it too), skipped with a message
 * elsewhere. Built for aarch64, NEON runs here natively; on x86 machines,
 * tests/cpu-kernels/ checks it under qemu instead. */
static void
test_isa_kernels (gconstpointer data)
{
  const char *isa = data;
  const SeCpuKernels *k = g_str_equal (isa, "avx512") ? _se_cpu_kernels_avx512 ()
                                                      : _se_cpu_kernels_neon ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (19);
  g_autofree char *features = se_cpu_features_to_string (se_cpu_features_detect ());

  if (k == NULL)
    {
      g_autofree char *msg = g_strdup_printf ("no %s kernels in this build or CPU (%s)", isa,
                                              features);

      g_test_skip (msg);
      return;
    }
  g_test_message ("%s kernels: %s (CPU: %s)", isa, k->name, features);
  check_q1_shape (rand, 37 * 32, 2048, FALSE);
  check_q1_shape (rand, 13 * 32 + 5, 4096, FALSE);
  check_q1_shape (rand, 96, 1152, TRUE);
  check_q1_batch_shape (rand, 11 * 32, 6144, 7);
  check_q1_batch_shape (rand, 5 * 32, 12288, 3);
  check_tq2_shape (rand, 2560);
  check_tq2_shape (rand, 6912);
}

/* ---- fp16 attention kernels ---- */

/* The attention's softmax: every ISA gives the portable bits, and the exponential is
 * within 4e-7 (relative) of expf; arguments far below the maximum give 0. */
static void
test_softmax (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (9);
  const SeCpuKernels *isas[4];
  guint n_isas = test_isas (isas);
  static const guint lens[] = { 1, 3, 8, 9, 63, 64, 65, 200, 2049 };
  double worst = 0.0;

  for (gsize l = 0; l < G_N_ELEMENTS (lens); l++)
    for (guint rep = 0; rep < 20; rep++)
      {
        guint n = lens[l];
        g_autofree float *in = g_new (float, n), *want = g_new (float, n);
        float spread = rep < 10 ? 10.0f : 300.0f, scale = 0.088388f, max = -INFINITY;
        float sum_ref;

        for (guint j = 0; j < n; j++)
          in[j] = (float) g_rand_double_range (rand, -spread, spread);
        memcpy (want, in, n * sizeof (float));
        sum_ref = _se_cpu_softmax_scalar (want, n, scale);
        for (guint j = 0; j < n; j++)
          max = MAX (max, in[j] * scale);
        for (guint j = 0; j < n; j++)
          {
            float arg = in[j] * scale - max;   /* what the kernel exponentiates */
            double exact = exp ((double) arg);

            if (exact < 1e-37)
              g_assert_cmpfloat (want[j], <=, 1.2e-38f);
            else
              worst = MAX (worst, fabs (want[j] - exact) / exact);
          }
        for (guint k = 0; k < n_isas; k++)
          {
            g_autofree float *got = g_memdup2 (in, n * sizeof (float));
            float sum = isas[k]->softmax (got, n, scale);

            g_assert_cmpmem (got, n * sizeof (float), want, n * sizeof (float));
            g_assert_cmpfloat (sum, ==, sum_ref);
          }
      }
  g_test_message ("softmax exp: worst relative error %.3g", worst);
  g_assert_cmpfloat (worst, <=, 4e-7);
}

static void
test_f16_kernels (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  const SeCpuKernels *isas[4], *s = _se_cpu_kernels_scalar (), *v;
  static const guint lens[] = { 1, 7, 8, 64, 100, 128 };
  float q[128], src[128], y1[128], y2[128];
  guint16 h1[128], h2[128];
  guint n_isas = test_isas (isas);

  /* AVX-512 uses AVX2's float kernels: the last table has the newest of this CPU */
  v = isas[n_isas - 1];
  if (n_isas == 1)
    {
      g_test_skip ("no SIMD kernels on this machine");
      return;
    }
  for (gsize l = 0; l < G_N_ELEMENTS (lens); l++)
    for (gint rep = 0; rep < 50; rep++)
      {
        guint n = lens[l];
        double want = 0.0, mag = 0.0;

        for (guint i = 0; i < n; i++)
          {
            q[i] = (float) g_rand_double_range (rand, -4, 4);
            src[i] = (float) (g_rand_double_range (rand, -2, 2)
                              * pow (10, g_rand_int_range (rand, -9, 5)));
            y1[i] = y2[i] = (float) g_rand_double_range (rand, -1, 1);
          }
        s->f32_to_f16 (h1, src, n);
        v->f32_to_f16 (h2, src, n);
        for (guint i = 0; i < n; i++)
          g_assert_cmpuint (h2[i], ==, se_fp32_to_fp16 (src[i]));
        g_assert_cmpmem (h1, n * 2, h2, n * 2);
        for (guint i = 0; i < n; i++)
          h1[i] = se_fp32_to_fp16 ((float) g_rand_double_range (rand, -2, 2));
        for (guint i = 0; i < n; i++)
          {
            want += (double) q[i] * se_fp16_to_fp32 (h1[i]);
            mag += fabs ((double) q[i] * se_fp16_to_fp32 (h1[i]));
          }
        g_assert_cmpfloat (s->dot_f16 (q, h1, n), ==, v->dot_f16 (q, h1, n));
        /* four rows at once: each the bits of dot_f16 (rows overlap: stride 8) */
        if (n >= 32)
          {
            float r1[4], r2[4];

            s->dot_f16_rows (q, h1, 8, 4, n - 24, r1);
            v->dot_f16_rows (q, h1, 8, 4, n - 24, r2);
            for (gint r = 0; r < 4; r++)
              {
                g_assert_cmpfloat (r1[r], ==, s->dot_f16 (q, h1 + 8 * r, n - 24));
                g_assert_cmpfloat (r2[r], ==, r1[r]);
              }
          }
        g_assert_cmpfloat (fabs (s->dot_f16 (q, h1, n) - want), <=, 1e-6 * mag);
        s->axpy_f16 (y1, q[0], h1, n);
        v->axpy_f16 (y2, q[0], h1, n);
        g_assert_cmpmem (y1, n * 4, y2, n * 4);
        /* a weighted sum of rows (stride 1: overlapping) is axpy row after row */
        if (n > 4)
          {
            v->axpy_f16 (y2, q[1], h1 + 1, n - 4);
            v->axpy_f16 (y2, q[2], h1 + 2, n - 4);
            s->wsum_f16 (y1, q + 1, h1 + 1, 1, 2, n - 4);
            g_assert_cmpmem (y1, n * 4, y2, n * 4);
            v->wsum_f16 (y1, q + 1, h1 + 1, 1, 2, n - 4);
            s->wsum_f16 (y2, q + 1, h1 + 1, 1, 2, n - 4);
            g_assert_cmpmem (y1, n * 4, y2, n * 4);
          }
      }
}

/* ---- thread pool ---- */

typedef struct
{
  gint *hits;
  gint threads_seen[8];
} PoolJob;

static void
pool_item (gpointer data,
           guint    item,
           guint    ith)
{
  PoolJob *job = data;

  g_atomic_int_inc (&job->hits[item]);
  g_atomic_int_set (&job->threads_seen[ith], 1);
}

/* Every item runs exactly once, back to back and after the workers fell asleep. */
static void
test_pool (void)
{
  g_autoptr(GError) error = NULL;
  SeCpuPool *pool = se_cpu_pool_new (3, &error);
  gint hits[97];
  PoolJob job = { hits };

  g_assert_no_error (error);
  g_assert_cmpuint (se_cpu_pool_size (pool), ==, 3);
  for (gint round = 0; round < 2000; round++)
    {
      guint n = 1 + (guint) round % G_N_ELEMENTS (hits);

      memset (hits, 0, sizeof hits);
      se_cpu_pool_parallel (pool, n, pool_item, &job);
      for (guint i = 0; i < G_N_ELEMENTS (hits); i++)
        g_assert_cmpint (hits[i], ==, i < n ? 1 : 0);
      if (round % 500 == 499)
        g_usleep (20000);  /* past the spin: the next call must wake sleepers */
    }
  g_assert_cmpint (job.threads_seen[0], ==, 1);
  se_cpu_pool_free (pool);
}

/* ---- whole models ---- */

static SeModel *
load (const char *path,
      const char *backend,
      guint       n_threads,
      const char *isa)
{
  g_autoptr(GError) error = NULL;
  SeModelParams params = { .backend = backend, .n_threads = n_threads };
  SeModel *model;

  if (isa != NULL)
    setenv ("SPRIG_CPU_ISA", isa, 1);
  model = se_model_load (path, &params, NULL, NULL, &error);
  unsetenv ("SPRIG_CPU_ISA");
  g_assert_no_error (error);
  g_assert_cmpstr (se_model_get_backend_name (model), ==, backend);
  return model;
}

#define PROMPT_LEN 32
#define N_GREEDY 16
static const gint32 greedy_prompt[] = { 3, 1, 4, 1, 5, 9, 2, 6 };

/* All logits of @tokens: [n][n_vocab]. */
static float *
all_logits (SeModel      *m,
            const gint32 *tokens,
            guint         n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SeSession) s = se_session_new (m, 64, &error);
  guint n_vocab = se_model_get_graph (m)->n_vocab;
  float *out = g_new (float, (gsize) n * n_vocab);

  g_assert_no_error (error);
  g_assert_true (se_session_prefill (s, tokens, n, TRUE, NULL, NULL, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    memcpy (out + (gsize) i * n_vocab, se_session_get_logits (s, i), n_vocab * sizeof (float));
  return out;
}

static float *
prompt_logits (SeModel *m)
{
  guint n_vocab = se_model_get_graph (m)->n_vocab;
  gint32 prompt[PROMPT_LEN];

  for (guint i = 0; i < PROMPT_LEN; i++)
    prompt[i] = (gint32) ((i * 37 + 11) % n_vocab);
  return all_logits (m, prompt, PROMPT_LEN);
}

static guint
argmax (const float *x,
        guint        n)
{
  guint best = 0;

  for (guint i = 1; i < n; i++)
    if (x[i] > x[best])
      best = i;
  return best;
}

/* The prompt followed by the greedy choices of @m: [8 + N_GREEDY]. */
static void
greedy (SeModel *m,
        gint32  *seq)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SeSession) s = se_session_new (m, 64, &error);
  guint n_vocab = se_model_get_graph (m)->n_vocab, n0 = G_N_ELEMENTS (greedy_prompt);

  memcpy (seq, greedy_prompt, sizeof greedy_prompt);
  g_assert_true (se_session_prefill (s, seq, n0, FALSE, NULL, NULL, &error));
  for (guint i = 0; i < N_GREEDY; i++)
    {
      seq[n0 + i] = (gint32) argmax (se_session_get_logits (s, 0), n_vocab);
      g_assert_true (se_session_decode (s, seq[n0 + i], NULL, &error));
    }
  g_assert_no_error (error);
}

typedef struct
{
  const char *name;
  const char *args[8];
  double max_rel_rmse;
} ModelCase;

static const ModelCase model_cases[] = {
  { "qwen3-q1_0-tied", { NULL }, 0.03 },
  { "qwen3-q1_0-untied", { "--shape", "tiny,tied=0", NULL }, 0.03 },
  { "qwen3-q1_0-odd", { "--shape", "embd=384,ff=640,heads=3,kv-heads=1,head-dim=128,vocab=300",
                        NULL }, 0.03 },
  { "llama-f32", { "--arch", "llama", "--type", "f32", NULL }, 1e-4 },
  { "llama-q8_0", { "--arch", "llama", "--type", "q8_0", NULL }, 1e-4 },
  { "qwen3-f16", { "--type", "f16", NULL }, 1e-4 },
  { "qwen3-bf16", { "--type", "bf16", NULL }, 1e-4 },
  { "bitnet-tq1_0", { "--arch", "bitnet", "--type", "tq1_0", NULL }, 1e-4 },
  /* int8 activations, as for Q1_0 */
  { "bitnet-tq2_0", { "--arch", "bitnet", "--type", "tq2_0", NULL }, 0.03 },
};

static double
rel_rmse (const float *a,
          const float *b,
          gsize        n)
{
  double num = 0.0, den = 0.0;

  for (gsize i = 0; i < n; i++)
    {
      num += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
      den += (double) a[i] * a[i];
    }
  return sqrt (num / den);
}

/* Whether the CPU backend's choice @got is the reference's: its argmax, or, when the
 * backend quantizes activations (Q1_0), a token whose reference logit is within @tol
 * of the maximum (random tiny models have near-ties closer than the ~1.5% error).
 * Returns whether the choice was exactly the argmax. */
static gboolean
check_choice (const float *want,
              guint        n_vocab,
              guint        got,
              double       tol)
{
  guint best = argmax (want, n_vocab);

  if (got == best)
    return TRUE;
  g_test_message ("picked %u (reference logit %g), reference argmax %u (%g), tolerance %g",
                  got, want[got], best, want[best], tol);
  g_assert_cmpfloat (want[best] - want[got], <=, tol);
  return FALSE;
}

static double
rms_diff (const float *a,
          const float *b,
          gsize        n)
{
  double num = 0.0;

  for (gsize i = 0; i < n; i++)
    num += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
  return sqrt (num / (double) n);
}

/* Logits of a 32-token prompt and 16 greedy tokens against the reference. */
static void
compare_with_reference (const ModelCase *c,
                        SeModel         *ref,
                        SeModel         *cpu,
                        const float     *want,
                        const float     *got)
{
  gboolean quantized = c->max_rel_rmse > 1e-3;
  gsize n = (gsize) PROMPT_LEN * se_model_get_graph (ref)->n_vocab;
  double tol = quantized ? 4.0 * rms_diff (want, got, n) : 0.0;
  guint n_vocab = se_model_get_graph (ref)->n_vocab, n0 = G_N_ELEMENTS (greedy_prompt);
  guint exact = 0, same_steps = 0;
  gint32 seq_ref[8 + N_GREEDY], seq_cpu[8 + N_GREEDY];
  g_autofree float *forced = NULL;
  double err = rel_rmse (want, got, n);

  g_test_message ("%s: rel-RMSE %.3g (%s)", c->name, err, se_model_get_backend_description (cpu));
  g_assert_cmpfloat (err, <=, c->max_rel_rmse);
  for (guint t = 0; t < PROMPT_LEN; t++)
    exact += check_choice (want + (gsize) t * n_vocab, n_vocab,
                           argmax (got + (gsize) t * n_vocab, n_vocab), tol);
  /* greedy: every choice of the CPU backend checked against the reference's logits
   * after the same tokens (teacher forcing), so one near-tie does not void the rest */
  greedy (ref, seq_ref);
  greedy (cpu, seq_cpu);
  forced = all_logits (ref, seq_cpu, n0 + N_GREEDY - 1);
  for (guint i = 0; i < N_GREEDY; i++)
    {
      const float *w = forced + (gsize) (n0 - 1 + i) * n_vocab;

      if (i == same_steps && seq_cpu[n0 + i] == seq_ref[n0 + i])
        same_steps++;
      check_choice (w, n_vocab, (guint) seq_cpu[n0 + i], tol);
    }
  g_test_message ("%s: argmax equal at %u of %u positions; greedy equal for %u of %u tokens",
                  c->name, exact, PROMPT_LEN, same_steps, N_GREEDY);
  if (!quantized)
    g_assert_cmpuint (same_steps, ==, N_GREEDY);
  g_assert_cmpuint (exact, >=, PROMPT_LEN * 3 / 4);
}

static void
test_model (gconstpointer data)
{
  const ModelCase *c = data;
  g_autofree char *file = g_strconcat (c->name, ".gguf", NULL);
  g_autofree char *path = sprig_test_make_model (tmpdir, file, c->args);
  g_autoptr(SeModel) ref = load (path, "reference", 0, NULL);
  g_autoptr(SeModel) one = load (path, "cpu", 1, NULL);
  g_autoptr(SeModel) two = load (path, "cpu", 2, NULL);
  gsize n = (gsize) PROMPT_LEN * se_model_get_graph (ref)->n_vocab;
  g_autofree float *want = prompt_logits (ref);
  g_autofree float *got1 = prompt_logits (one), *got2 = prompt_logits (two);

  g_assert_true (g_str_has_suffix (se_model_get_backend_description (one), ", 1 thread"));
  g_assert_true (g_str_has_suffix (se_model_get_backend_description (two), ", 2 threads"));
  compare_with_reference (c, ref, two, want, got2);
  g_assert_cmpmem (got1, n * 4, got2, n * 4);
  if (strstr (c->name, "-q1_0") != NULL || strstr (c->name, "-tq2_0") != NULL)
    {
      g_autoptr(SeModel) scalar = load (path, "cpu", 2, "scalar");
      g_autofree float *a = prompt_logits (scalar);
      const SeCpuKernels *isas[4];
      guint n_isas = test_isas (isas);

      g_assert_cmpstr (se_model_get_backend_description (scalar), ==, "cpu scalar, 2 threads");
      g_assert_cmpmem (a, n * 4, got2, n * 4);
      /* every SIMD ISA gives the scalar bits (avx2+vnni: SPRIG_CPU_ISA=avx2, and so on) */
      for (guint k = 1; k < n_isas; k++)
        {
          g_auto(GStrv) env = g_strsplit (isas[k]->name, "+", 2);
          g_autoptr(SeModel) simd = load (path, "cpu", 1, env[0]);
          g_autofree float *b = prompt_logits (simd);
          g_autofree char *want_desc = g_strdup_printf ("cpu %s, 1 thread", isas[k]->name);

          g_assert_cmpstr (se_model_get_backend_description (simd), ==, want_desc);
          g_assert_cmpmem (b, n * 4, got2, n * 4);
        }
    }
}

/* Attention past one block of keys (the CPU backend reads K and V in blocks of 64 keys
 * and runs all query heads of a KV head together): 150 prompt tokens then 20 decode
 * steps, on models with 2 and 4 query heads per KV head. F32 weights keep the reference
 * comparison tight; 1 and 2 threads, and scalar and SIMD attention, agree bit for bit,
 * and decoding after a prefill gives the bits of one longer prefill. */
#define LONG_PROMPT 150
#define LONG_STEPS 20

static float *
long_logits (SeModel      *m,
             const gint32 *tokens,
             guint         n_prefill,
             guint         n_decode)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SeSession) s = se_session_new (m, 256, &error);
  guint n_vocab = se_model_get_graph (m)->n_vocab;
  float *out = g_new (float, (gsize) (n_prefill + n_decode) * n_vocab);

  g_assert_no_error (error);
  g_assert_true (se_session_prefill (s, tokens, n_prefill, TRUE, NULL, NULL, &error));
  for (guint i = 0; i < n_prefill; i++)
    memcpy (out + (gsize) i * n_vocab, se_session_get_logits (s, i), n_vocab * sizeof (float));
  for (guint i = 0; i < n_decode; i++)
    {
      g_assert_true (se_session_decode (s, tokens[n_prefill + i], NULL, &error));
      memcpy (out + (gsize) (n_prefill + i) * n_vocab, se_session_get_logits (s, 0),
              n_vocab * sizeof (float));
    }
  g_assert_no_error (error);
  return out;
}

static void
test_attention_long (gconstpointer data)
{
  const char *shape = data;
  g_autofree char *file = g_strdup_printf ("attn-%s.gguf", strstr (shape, "heads=") + 6);
  const char *args[] = { "--type", "f32", "--shape", shape, NULL };
  g_autofree char *path = NULL;
  g_autoptr(SeModel) ref = NULL, one = NULL, two = NULL, scalar = NULL;
  gint32 tokens[LONG_PROMPT + LONG_STEPS];
  guint n_vocab, n = LONG_PROMPT + LONG_STEPS;
  g_autofree float *want = NULL, *got1 = NULL, *got2 = NULL, *got_s = NULL, *whole = NULL;
  gsize bytes;
  double err;

  g_strdelimit (file, ",=", '-');
  path = sprig_test_make_model (tmpdir, file, args);
  ref = load (path, "reference", 0, NULL);
  one = load (path, "cpu", 1, NULL);
  two = load (path, "cpu", 2, NULL);
  scalar = load (path, "cpu", 2, "scalar");
  n_vocab = se_model_get_graph (ref)->n_vocab;
  bytes = (gsize) n * n_vocab * sizeof (float);
  for (guint i = 0; i < n; i++)
    tokens[i] = (gint32) ((i * 53 + 7) % n_vocab);
  want = long_logits (ref, tokens, LONG_PROMPT, LONG_STEPS);
  got1 = long_logits (one, tokens, LONG_PROMPT, LONG_STEPS);
  got2 = long_logits (two, tokens, LONG_PROMPT, LONG_STEPS);
  got_s = long_logits (scalar, tokens, LONG_PROMPT, LONG_STEPS);
  whole = long_logits (two, tokens, n, 0);
  err = rel_rmse (want, got2, (gsize) n * n_vocab);
  g_test_message ("%s: rel-RMSE %.3g over %u positions", shape, err, n);
  g_assert_cmpfloat (err, <=, 1e-4);
  for (guint t = 0; t < n; t++)
    g_assert_cmpuint (argmax (got2 + (gsize) t * n_vocab, n_vocab), ==,
                      argmax (want + (gsize) t * n_vocab, n_vocab));
  g_assert_cmpmem (got1, bytes, got2, bytes);
  /* F32 matmuls may round differently per ISA: compare the scalar build with itself
   * through the prefill/decode split instead, and the attention through 1 vs 2 threads */
  g_assert_cmpmem (whole + (gsize) LONG_PROMPT * n_vocab, (gsize) LONG_STEPS * n_vocab * 4,
                   got2 + (gsize) LONG_PROMPT * n_vocab, (gsize) LONG_STEPS * n_vocab * 4);
  g_assert_cmpfloat (rel_rmse (want, got_s, (gsize) n * n_vocab), <=, 1e-4);
}

/* ---- the plugin driven directly ---- */

static const SeBackendIface *
open_plugin (SePlugin **plugin)
{
  g_autofree char *path = g_build_filename (g_getenv ("SPRIG_TEST_CPU_PLUGIN_DIR"),
                                            "sprig-cpu." G_MODULE_SUFFIX, NULL);
  g_autoptr(GError) error = NULL;
  const SeBackendIface *iface;

  *plugin = se_plugin_open (path, SE_PLUGIN_KIND_BACKEND, sizeof (SeBackendIface), &error);
  g_assert_no_error (error);
  iface = (const SeBackendIface *) se_plugin_get_header (*plugin);
  g_assert_cmpstr (iface->base.name, ==, "cpu");
  g_assert_cmpuint (iface->base.struct_size, ==, sizeof (SeBackendIface));
  g_assert_cmpint (iface->base.probe (NULL, 0), >, 0);
  return iface;
}

static void
assert_isa_refused (const SeBackendIface *iface,
                    const SeGraph        *graph,
                    const char           *isa,
                    gint                  code)
{
  g_autoptr(GError) error = NULL;
  SeBackendParams params = { .n_threads = 1, .max_tokens = 4 };
  SeBackendCtx *ctx;

  setenv ("SPRIG_CPU_ISA", isa, 1);
  ctx = iface->init (graph, &params, &error);
  unsetenv ("SPRIG_CPU_ISA");
  g_assert_null (ctx);
  g_assert_error (error, SE_ERROR, code);
  g_assert_nonnull (strstr (error->message, isa));
  g_test_message ("SPRIG_CPU_ISA=%s: %s", isa, error->message);
}

static void
test_isa_env (void)
{
  g_autoptr(SePlugin) plugin = NULL;
  const SeBackendIface *iface = open_plugin (&plugin);
  g_autofree char *path = sprig_test_make_model (tmpdir, "qwen3-q1_0-tied.gguf", NULL);
  g_autoptr(SeModel) ref = load (path, "reference", 0, NULL);
  SeBackendParams params = { .n_threads = 1, .max_tokens = 4 };
  SeBackendCtx *ctx;

  assert_isa_refused (iface, se_model_get_graph (ref), "bogus", SE_ERROR_INVALID);
  if (_se_cpu_kernels_avx512 () == NULL)
    assert_isa_refused (iface, se_model_get_graph (ref), "avx512", SE_ERROR_UNSUPPORTED);
  if (_se_cpu_kernels_avx2 () == NULL)
    assert_isa_refused (iface, se_model_get_graph (ref), "avx2", SE_ERROR_UNSUPPORTED);
  if (_se_cpu_kernels_neon () == NULL)
    assert_isa_refused (iface, se_model_get_graph (ref), "neon", SE_ERROR_UNSUPPORTED);
  setenv ("SPRIG_CPU_ISA", "scalar", 1);
  ctx = iface->init (se_model_get_graph (ref), &params, NULL);
  unsetenv ("SPRIG_CPU_ISA");
  g_assert_nonnull (ctx);
  g_assert_cmpstr (iface->describe (ctx), ==, "cpu scalar, 1 thread");
  iface->free (ctx);
}

static void
progress_cb (double   fraction,
             gpointer data)
{
  double *last = data;

  g_assert_cmpfloat (fraction, >=, *last);
  g_assert_cmpfloat (fraction, <=, 1.0);
  *last = fraction;
}

/* A set cancel flag stops compute() between ops; the next call runs normally and
 * agrees with the reference backend on the same graph. */
static void
test_cancel_direct (void)
{
  g_autoptr(SePlugin) plugin = NULL;
  const SeBackendIface *iface = open_plugin (&plugin);
  g_autofree char *path = sprig_test_make_model (tmpdir, "qwen3-f16.gguf",
                                      (const char *const[]) { "--type", "f16", NULL });
  g_autoptr(SeModel) ref = load (path, "reference", 0, NULL);
  const SeBackendIface *r = se_backend_reference ();
  const SeGraph *g = se_model_get_graph (ref);
  SeBackendParams params = { .n_threads = 2, .max_tokens = 8 };
  g_autoptr(GError) error = NULL;
  g_autofree float *a = g_new (float, 4 * g->n_vocab), *b = g_new (float, 4 * g->n_vocab);
  const gint32 tokens[] = { 5, 6, 7, 8 };
  gint cancel = 1;
  double last = 0.0;
  SeBackendCtx *ctx, *rctx;
  SeBackendKv *kv, *rkv;

  params.progress = progress_cb;
  params.progress_data = &last;
  ctx = iface->init (g, &params, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (last, ==, 1.0);
  params.progress = NULL;
  rctx = r->init (g, &params, &error);
  kv = iface->kv_new (ctx, 16, &error);
  rkv = r->kv_new (rctx, 16, &error);
  g_assert_false (iface->compute (ctx, kv, tokens, 4, 0, TRUE, a, &cancel, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  cancel = 0;
  g_assert_true (iface->compute (ctx, kv, tokens, 4, 0, TRUE, a, &cancel, &error));
  g_assert_true (r->compute (rctx, rkv, tokens, 4, 0, TRUE, b, NULL, &error));
  g_assert_cmpfloat (rel_rmse (b, a, 4 * g->n_vocab), <=, 1e-4);
  /* a token outside the vocabulary is refused, as by the reference */
  g_assert_false (iface->compute (ctx, kv, (const gint32[]) { 1 << 20 }, 1, 4, FALSE, a, NULL,
                                  &error));
  g_assert_error (error, SE_ERROR, SE_ERROR_INVALID);
  iface->kv_free (ctx, kv);
  r->kv_free (rctx, rkv);
  iface->free (ctx);
  r->free (rctx);
}

/* Resident bytes of this process's mappings of @path, from /proc/self/smaps. */
static gsize
mapped_rss (const char *path)
{
  g_autofree char *smaps = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean in_file = FALSE;
  gsize kb = 0;

  g_assert_true (g_file_get_contents ("/proc/self/smaps", &smaps, NULL, NULL));
  lines = g_strsplit (smaps, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      gsize v;

      if (g_ascii_isxdigit (lines[i][0]) && strchr (lines[i], '-') != NULL)
        in_file = g_str_has_suffix (lines[i], path);
      else if (in_file && sscanf (lines[i], "Rss: %zu kB", &v) == 1)
        kb += v;
    }
  return kb * 1024;
}

/* Packing drops the packed matrices' pages of the file mapping. */
static void
test_pages_dropped (void)
{
  g_autofree char *path = sprig_test_make_model (tmpdir, "pages.gguf", (const char *const[]) {
    "--shape", "layers=2,embd=1024,ff=4096,heads=8,kv-heads=4,head-dim=128,vocab=2048", NULL });
  g_autoptr(SeModel) m = load (path, "cpu", 2, NULL);
  gsize weights = se_model_get_weight_bytes (m), rss = mapped_rss (path);

  g_test_message ("file mapping resident: %zu of %zu weight bytes", rss, weights);
  g_assert_cmpuint (weights, >, 4u << 20);
  g_assert_cmpuint (rss, <, weights / 8);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("sprig-cpu-XXXXXX", NULL);
  g_setenv ("SPRIG_PLUGIN_PATH", g_getenv ("SPRIG_TEST_CPU_PLUGIN_DIR"), TRUE);
  g_test_add_func ("/sprig/plugins/cpu/q1-kernel", test_q1_kernel);
  g_test_add_func ("/sprig/plugins/cpu/q1-odd-rows", test_q1_odd_rows);
  g_test_add_func ("/sprig/plugins/cpu/q1-unpack", test_q1_unpack);
  g_test_add_func ("/sprig/plugins/cpu/q1-batch", test_q1_batch);
  g_test_add_func ("/sprig/plugins/cpu/tq2-kernel", test_tq2_kernel);
  g_test_add_func ("/sprig/plugins/cpu/f16-kernels", test_f16_kernels);
  g_test_add_func ("/sprig/plugins/cpu/softmax", test_softmax);
  g_test_add_data_func ("/sprig/plugins/cpu/avx512-kernels", "avx512", test_isa_kernels);
  g_test_add_data_func ("/sprig/plugins/cpu/neon-kernels", "neon", test_isa_kernels);
  g_test_add_data_func ("/sprig/plugins/cpu/attention-long/gqa2",
                        "layers=2,embd=256,ff=512,heads=4,kv-heads=2,head-dim=64,vocab=300",
                        test_attention_long);
  g_test_add_data_func ("/sprig/plugins/cpu/attention-long/gqa4",
                        "layers=2,embd=512,ff=512,heads=8,kv-heads=2,head-dim=64,vocab=300",
                        test_attention_long);
  g_test_add_func ("/sprig/plugins/cpu/pool", test_pool);
  g_test_add_func ("/sprig/plugins/cpu/isa-env", test_isa_env);
  g_test_add_func ("/sprig/plugins/cpu/cancel", test_cancel_direct);
  g_test_add_func ("/sprig/plugins/cpu/pages-dropped", test_pages_dropped);
  for (gsize i = 0; i < G_N_ELEMENTS (model_cases); i++)
    {
      g_autofree char *name = g_strconcat ("/sprig/plugins/cpu/model/", model_cases[i].name, NULL);

      g_test_add_data_func (name, &model_cases[i], test_model);
    }
  ret = g_test_run ();
  {
    g_autoptr(GDir) dir = g_dir_open (tmpdir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *p = g_build_filename (tmpdir, name, NULL);
        g_unlink (p);
      }
  }
  g_rmdir (tmpdir);
  g_free (tmpdir);
  return ret;
}
