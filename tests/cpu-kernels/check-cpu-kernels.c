/* SPDX-License-Identifier: Apache-2.0
 *
 * A GLib-free check of the CPU backend's SIMD kernels against its portable ones,
 * built from the kernel sources with the tiny GLib shim next to it, so that it can be
 * cross-compiled statically for aarch64 and run under qemu-user (run-qemu.sh), or
 * built natively on x86. Every kernel must give the portable kernel's bytes and bits:
 * Q1_0 tables and products (random shapes, odd tile and block counts, Bonsai's widths,
 * batches of tokens, split row ranges, output strides), TQ2_0 activations and dots,
 * and the fp16 attention kernels. Exits 0 when all agree, 1 on the first mismatches.
 *
 *   check-cpu-kernels [--quick] [--seed N]
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__aarch64__)
#include <sys/auxv.h>
#include <asm/hwcap.h>
#endif

#include "sprig/se-types.h"
#include "se-cpu-float.h"
#include "se-cpu-q1.h"
#include "se-cpu-tq.h"

/* ---- what the shim and the kernel files need from GLib and the engine ---- */

void
shim_fail (const char *expr,
           const char *file,
           int         line)
{
  fprintf (stderr, "%s:%d: assertion failed: %s\n", file, line, expr);
  abort ();
}

gpointer
shim_malloc (gsize n,
             int   zero)
{
  gpointer p = zero ? calloc (1, n ? n : 1) : malloc (n ? n : 1);

  if (p == NULL)
    abort ();
  return p;
}

gpointer
shim_aligned_alloc (gsize n_blocks,
                    gsize block_size,
                    gsize alignment,
                    int   zero)
{
  gsize n = n_blocks * block_size;
  gpointer p = NULL;

  if (posix_memalign (&p, alignment, n ? n : 1) != 0)
    abort ();
  if (zero)
    memset (p, 0, n);
  return p;
}

/* The compiler's IEEE half type: an oracle independent of the engine's software
 * conversions (exact one way, round to nearest even the other). */
float
se_fp16_to_fp32 (guint16 h)
{
  _Float16 f;

  memcpy (&f, &h, 2);
  return (float) f;
}

guint16
se_fp32_to_fp16 (float f)
{
  _Float16 h = (_Float16) f;
  guint16 bits;

  memcpy (&bits, &h, 2);
  return bits;
}

/* ---- the kernels under test ---- */

typedef struct
{
  const char *name;
  void  (*q1_prepare)   (SeQ1Act *act, const float *x);
  void  (*q1_matvec)    (const SeQ1Packed *w, const SeQ1Act *act, float *y, gint64 r0,
                         gint64 r1);
  void  (*q1_matmul)    (const SeQ1Packed *w, const SeQ1Act *acts, guint n_tokens, float *y,
                         gint64 y_stride, gint64 r0, gint64 r1);
  void  (*tq_prepare)   (SeTqAct *act, const float *x);
  float (*tq2_dot)      (const guint8 *row, const SeTqAct *act);
  float (*dot_f16)      (const float *q, const guint16 *k, guint n);
  void  (*dot_f16_rows) (const float *q, const guint16 *k, gsize stride, guint n_rows,
                         guint n, float *out);
  void  (*axpy_f16)     (float *y, float a, const guint16 *v, guint n);
  void  (*wsum_f16)     (float *y, const float *p, const guint16 *v, gsize stride,
                         guint n_rows, guint n);
  void  (*f32_to_f16)   (guint16 *dst, const float *src, gsize n);
} Variant;

#if defined(__aarch64__)
static const Variant variants[] = {
  { "neon", se_q1_act_prepare_neon, se_q1_matvec_neon, se_q1_matmul_neon,
    se_tq_act_prepare_neon, se_tq2_dot_neon, _se_cpu_dot_f16_neon, _se_cpu_dot_f16_rows_neon,
    _se_cpu_axpy_f16_neon, _se_cpu_wsum_f16_neon, _se_cpu_f32_to_f16_neon },
  /* the dot-product extension changes the TQ2_0 dot only */
  { "neon-dotprod", se_q1_act_prepare_neon, se_q1_matvec_neon, se_q1_matmul_neon,
    se_tq_act_prepare_neon, se_tq2_dot_dotprod, NULL, NULL, NULL, NULL, NULL },
};

static int
variant_runs (const Variant *v)
{
  if (strcmp (v->name, "neon-dotprod") == 0)
    return (getauxval (AT_HWCAP) & HWCAP_ASIMDDP) != 0;
  return 1;
}
#else
#error "check-cpu-kernels: no SIMD kernels for this architecture"
#endif

/* ---- helpers ---- */

static int failures;
static int quick;
static guint64 rng_state = 0x9e3779b97f4a7c15ull;

static void
fail (const char *fmt,
      ...)
{
  va_list ap;

  if (failures++ < 20)
    {
      va_start (ap, fmt);
      fputs ("FAIL: ", stdout);
      vprintf (fmt, ap);
      fputc ('\n', stdout);
      va_end (ap);
    }
}

static guint64
rng (void)
{
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545f4914f6cdd1dull;
}

static int
rng_int (int lo,
         int hi)
{
  return lo + (int) (rng () % (guint64) (hi - lo));
}

static double
rng_double (double lo,
            double hi)
{
  return lo + (hi - lo) * (double) (rng () >> 11) * 0x1p-53;
}

/* The first differing index of two arrays of @n elements of @size bytes, or -1. */
static gint64
first_diff (const void *a,
            const void *b,
            gint64      n,
            gsize       size)
{
  for (gint64 i = 0; i < n; i++)
    if (memcmp ((const guint8 *) a + i * size, (const guint8 *) b + i * size, size) != 0)
      return i;
  return -1;
}

static void
expect_same (const char *what,
             const void *got,
             const void *want,
             gint64      n,
             gsize       size)
{
  gint64 i = first_diff (got, want, n, size);

  if (i >= 0 && size == 4)
    fail ("%s: element %lld of %lld differs: %.9g (want %.9g)", what, (long long) i,
          (long long) n, ((const float *) got)[i], ((const float *) want)[i]);
  else if (i >= 0)
    fail ("%s: element %lld of %lld differs", what, (long long) i, (long long) n);
}

/* ---- Q1_0 ---- */

static guint8 *
random_q1 (gint64 n_rows,
           gint64 n_cols,
           int    unit_scales)
{
  gsize n_blocks = (gsize) (n_rows * n_cols / 128);
  guint8 *q = malloc (n_blocks * 18);

  for (gsize b = 0; b < n_blocks; b++)
    {
      guint16 d = unit_scales ? 0x3c00 : se_fp32_to_fp16 ((float) rng_double (0.01, 1.0));

      memcpy (q + b * 18, &d, 2);
      for (int i = 0; i < 16; i++)
        q[b * 18 + 2 + i] = (guint8) rng ();
    }
  return q;
}

static void
random_acts (float  *x,
             gint64  n_cols,
             int     unit,
             double  range)
{
  for (gint64 i = 0; i < n_cols; i++)
    x[i] = unit ? (float) rng_int (-127, 128) : (float) rng_double (-range, range);
  if (unit)  /* a 127 per block: scale 1, q = x exactly */
    for (gint64 b = 0; b < n_cols / 128; b++)
      x[b * 128 + rng_int (0, 128)] = 127.0f;
}

/* With unit weight and activation scales the products are integers below 2^24: the
 * portable kernel must give them exactly (a check of the reference itself). */
static void
check_exact (const guint8 *q1,
             const float  *x,
             const float  *y,
             gint64        n_rows,
             gint64        n_cols)
{
  for (gint64 r = 0; r < n_rows; r++)
    {
      gint64 sum = 0;

      for (gint64 c = 0; c < n_cols; c++)
        {
          const guint8 *blk = q1 + (r * (n_cols / 128) + c / 128) * 18;

          sum += ((blk[2 + (c % 128) / 8] >> (c % 8)) & 1 ? 1 : -1) * (gint64) x[c];
        }
      if ((double) y[r] != (double) sum)
        {
          fail ("q1 %lldx%lld: scalar row %lld is %.9g, exact %lld", (long long) n_rows,
                (long long) n_cols, (long long) r, y[r], (long long) sum);
          return;
        }
    }
}

/* One matrix, @n_tokens activation rows: tables and scales, single-token products in
 * two row ranges cut at a random tile, and the batch product with an output stride,
 * against the portable kernels. */
static void
check_q1_shape (gint64 n_rows,
                gint64 n_cols,
                guint  n_tokens,
                int    unit)
{
  guint8 *q1 = random_q1 (n_rows, n_cols, unit);
  SeQ1Packed packed = { n_rows, n_cols, NULL, se_q1_packed_size (n_rows, n_cols) };
  gint64 stride = n_rows + 3, cut = rng_int (0, (int) (n_rows / 32) + 1) * 32;
  gsize n_y = (gsize) stride * n_tokens;
  float *x = malloc (sizeof (float) * n_cols);
  float *want = malloc (sizeof (float) * n_y), *got = malloc (sizeof (float) * n_y);
  SeQ1Act *acts = calloc (n_tokens, sizeof (SeQ1Act)), act2;
  char what[160];

  packed.data = shim_aligned_alloc (packed.n_bytes, 1, 64, 1);
  se_q1_pack_rows (&packed, q1, 0, n_rows);
  se_q1_act_init (&act2, n_cols);
  for (gsize i = 0; i < n_y; i++)
    want[i] = -1.0f;
  for (guint t = 0; t < n_tokens; t++)
    {
      random_acts (x, n_cols, unit, 2.0 * (t + 1));
      se_q1_act_init (&acts[t], n_cols);
      se_q1_act_prepare (&acts[t], x);
      se_q1_matvec_scalar (&packed, &acts[t], want + t * stride, 0, n_rows);
      if (unit && t == 0)
        check_exact (q1, x, want, n_rows, n_cols);
      for (gsize k = 0; k < G_N_ELEMENTS (variants); k++)
        {
          const Variant *v = &variants[k];

          if (!variant_runs (v))
            continue;
          v->q1_prepare (&act2, x);
          snprintf (what, sizeof what, "%s q1 tables %lld cols", v->name, (long long) n_cols);
          expect_same (what, act2.tables, acts[t].tables, n_cols / 4 * 32, 1);
          expect_same (what, act2.scales, acts[t].scales, n_cols / 128, 4);
          if (t > 0)
            continue;
          for (gsize i = 0; i < (gsize) n_rows; i++)
            got[i] = -1.0f;
          v->q1_matvec (&packed, &act2, got, 0, cut);
          v->q1_matvec (&packed, &act2, got, cut, n_rows);
          snprintf (what, sizeof what, "%s q1 matvec %lldx%lld cut %lld", v->name,
                    (long long) n_rows, (long long) n_cols, (long long) cut);
          expect_same (what, got, want, n_rows, 4);
        }
    }
  for (gsize k = 0; k < G_N_ELEMENTS (variants) && n_tokens > 1; k++)
    {
      const Variant *v = &variants[k];

      if (!variant_runs (v))
        continue;
      for (gsize i = 0; i < n_y; i++)
        got[i] = -1.0f;
      v->q1_matmul (&packed, acts, n_tokens, got, stride, 0, cut);
      v->q1_matmul (&packed, acts, n_tokens, got, stride, cut, n_rows);
      snprintf (what, sizeof what, "%s q1 matmul %lldx%lld, %u tokens, cut %lld", v->name,
                (long long) n_rows, (long long) n_cols, n_tokens, (long long) cut);
      expect_same (what, got, want, (gint64) n_y, 4);
    }
  for (guint t = 0; t < n_tokens; t++)
    se_q1_act_clear (&acts[t]);
  se_q1_act_clear (&act2);
  free (packed.data);
  free (acts);
  free (want);
  free (got);
  free (x);
  free (q1);
}

static void
check_q1 (void)
{
  static const gint64 rows[] = { 32, 96, 160, 256 };
  static const gint64 cols[] = { 128, 384, 640, 1152 };
  static const guint tokens[] = { 2, 3, 4, 5, 8, 32 };
  /* Bonsai's widths, with rows that end in a partial group of tiles */
  static const struct { gint64 rows, cols; guint tokens; } bonsai[] = {
    { 37 * 32, 2048, 5 }, { 13 * 32, 4096, 3 }, { 11 * 32, 6144, 4 }, { 5 * 32, 12288, 2 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    for (gsize j = 0; j < G_N_ELEMENTS (cols); j++)
      {
        check_q1_shape (rows[i], cols[j], 1, 0);
        check_q1_shape (rows[i], cols[j], 1, 1);
      }
  for (gsize i = 0; i < G_N_ELEMENTS (tokens); i++)
    {
      check_q1_shape (64, 1152, tokens[i], 0);
      check_q1_shape (96, 640, tokens[i], 0);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bonsai); i++)
    {
      if (quick && bonsai[i].cols > 4096)
        continue;
      check_q1_shape (bonsai[i].rows, bonsai[i].cols, 1, 0);
      check_q1_shape (bonsai[i].rows, bonsai[i].cols, bonsai[i].tokens, 0);
    }
  check_q1_shape (3 * 32, 2048, 1, 1);
  /* random shapes: any tile count, any block count (chunks and groups cut anywhere) */
  for (int i = 0; i < (quick ? 10 : 60); i++)
    check_q1_shape (32 * rng_int (1, 24), 128 * rng_int (1, 40), (guint) rng_int (1, 34), 0);
}

/* ---- TQ2_0 ---- */

static void
random_tq2_row (guint8 *row,
                gint64  n_cols)
{
  for (gint64 b = 0; b < n_cols / 256; b++)
    {
      guint8 *blk = row + b * 66;
      guint16 d = se_fp32_to_fp16 ((float) rng_double (0.01, 1.0));

      for (int i = 0; i < 64; i++)
        {
          blk[i] = 0;
          for (int n = 0; n < 4; n++)  /* codes 0..2, rarely 3 */
            blk[i] |= (guint8) ((rng_int (0, 100) == 0 ? 3 : rng_int (0, 3)) << (2 * n));
        }
      memcpy (blk + 64, &d, 2);
    }
}

static void
check_tq2_shape (gint64 n_cols)
{
  guint8 *row = malloc ((gsize) n_cols / 256 * 66);
  float *x = malloc (sizeof (float) * n_cols);
  SeTqAct act, act2;
  char what[128];

  se_tq_act_init (&act, n_cols);
  se_tq_act_init (&act2, n_cols);
  for (int rep = 0; rep < 20; rep++)
    {
      double exact = 0.0, mag = 0.0;
      float want;

      random_tq2_row (row, n_cols);
      for (gint64 i = 0; i < n_cols; i++)
        x[i] = (float) rng_double (-3, 3);
      se_tq_act_prepare (&act, x);
      want = se_tq2_dot_scalar (row, &act);
      /* the reference against the integers it is made of, to float rounding */
      for (gint64 i = 0; i < n_cols; i++)
        {
          const guint8 *blk = row + i / 256 * 66;
          gint64 j = i % 256, c = j / 128, n = (j % 128) / 32, m = j % 32;
          guint16 d16;
          double w, a = act.q[i] * (double) act.scales[i / 128];

          memcpy (&d16, blk + 64, 2);
          w = (double) (((blk[32 * c + m] >> (2 * n)) & 3) - 1) * se_fp16_to_fp32 (d16);
          exact += w * a;
          mag += fabs (w * a);
        }
      if (fabs (want - exact) > 1e-6 * mag + 1e-30)
        fail ("tq2 %lld cols: scalar %.9g, exact %.9g", (long long) n_cols, want, exact);
      for (gsize k = 0; k < G_N_ELEMENTS (variants); k++)
        {
          const Variant *v = &variants[k];
          float got;

          if (!variant_runs (v))
            continue;
          v->tq_prepare (&act2, x);
          snprintf (what, sizeof what, "%s tq2 activations %lld cols", v->name,
                    (long long) n_cols);
          expect_same (what, act2.q, act.q, n_cols, 1);
          expect_same (what, act2.scales, act.scales, n_cols / 128, 4);
          expect_same (what, act2.lane_sums, act.lane_sums, n_cols / 128 * 8, 4);
          got = v->tq2_dot (row, &act2);
          snprintf (what, sizeof what, "%s tq2 dot %lld cols", v->name, (long long) n_cols);
          expect_same (what, &got, &want, 1, 4);
        }
    }
  se_tq_act_clear (&act);
  se_tq_act_clear (&act2);
  free (row);
  free (x);
}

static void
check_tq2 (void)
{
  static const gint64 cols[] = { 256, 512, 2560, 6912 };

  for (gsize i = 0; i < G_N_ELEMENTS (cols); i++)
    check_tq2_shape (cols[i]);
}

/* ---- fp16 attention kernels ---- */

static void
check_f16_variant (const Variant *v,
                   guint          n)
{
  float q[160], src[160], y1[160], y2[160], r1[4], r2[4];
  guint16 h1[160], h2[160];
  double want = 0.0, mag = 0.0;
  char what[96];
  float a, b;

  for (guint i = 0; i < n + 24; i++)
    {
      q[i] = (float) rng_double (-4, 4);
      src[i] = (float) (rng_double (-2, 2) * pow (10, rng_int (-9, 5)));
      y1[i] = y2[i] = (float) rng_double (-1, 1);
      h1[i] = se_fp32_to_fp16 ((float) rng_double (-2, 2));
    }
  snprintf (what, sizeof what, "%s f32_to_f16 n=%u", v->name, n);
  _se_cpu_f32_to_f16_scalar (h2, src, n);
  for (guint i = 0; i < n; i++)
    if (h2[i] != se_fp32_to_fp16 (src[i]))
      fail ("scalar f32_to_f16 of %.9g: %04x, want %04x", src[i], h2[i],
            se_fp32_to_fp16 (src[i]));
  v->f32_to_f16 (h2, src, n);
  for (guint i = 0; i < n; i++)
    if (h2[i] != se_fp32_to_fp16 (src[i]))
      {
        fail ("%s: %.9g gave %04x, want %04x", what, src[i], h2[i], se_fp32_to_fp16 (src[i]));
        break;
      }
  for (guint i = 0; i < n; i++)
    {
      want += (double) q[i] * se_fp16_to_fp32 (h1[i]);
      mag += fabs ((double) q[i] * se_fp16_to_fp32 (h1[i]));
    }
  a = _se_cpu_dot_f16_scalar (q, h1, n);
  if (fabs (a - want) > 1e-6 * mag)
    fail ("scalar dot_f16 n=%u: %.9g, exact %.9g", n, a, want);
  b = v->dot_f16 (q, h1, n);
  snprintf (what, sizeof what, "%s dot_f16 n=%u", v->name, n);
  expect_same (what, &b, &a, 1, 4);
  /* four rows, overlapping (stride 8), each the bits of dot_f16 */
  _se_cpu_dot_f16_rows_scalar (q, h1, 8, 4, n, r1);
  v->dot_f16_rows (q, h1, 8, 4, n, r2);
  snprintf (what, sizeof what, "%s dot_f16_rows n=%u", v->name, n);
  expect_same (what, r2, r1, 4, 4);
  for (int r = 0; r < 4; r++)
    if (r1[r] != _se_cpu_dot_f16_scalar (q, h1 + 8 * r, n))
      fail ("scalar dot_f16_rows n=%u row %d", n, r);
  _se_cpu_axpy_f16_scalar (y1, q[0], h1, n);
  v->axpy_f16 (y2, q[0], h1, n);
  snprintf (what, sizeof what, "%s axpy_f16 n=%u", v->name, n);
  expect_same (what, y2, y1, n, 4);
  /* a weighted sum of 3 rows (stride 1: overlapping) */
  _se_cpu_wsum_f16_scalar (y1, q + 1, h1 + 1, 1, 3, n);
  v->wsum_f16 (y2, q + 1, h1 + 1, 1, 3, n);
  snprintf (what, sizeof what, "%s wsum_f16 n=%u", v->name, n);
  expect_same (what, y2, y1, n, 4);
}

static void
check_f16 (void)
{
  static const guint lens[] = { 1, 7, 8, 9, 64, 100, 128, 136 };

  for (gsize k = 0; k < G_N_ELEMENTS (variants); k++)
    if (variant_runs (&variants[k]) && variants[k].dot_f16 != NULL)
      for (gsize l = 0; l < G_N_ELEMENTS (lens); l++)
        for (int rep = 0; rep < 30; rep++)
          check_f16_variant (&variants[k], lens[l]);
}

int
main (int    argc,
      char **argv)
{
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--quick") == 0)
      quick = 1;
    else if (strcmp (argv[i], "--seed") == 0 && i + 1 < argc)
      rng_state = strtoull (argv[++i], NULL, 0) | 1;
  for (gsize k = 0; k < G_N_ELEMENTS (variants); k++)
    printf ("# %s: %s\n", variants[k].name,
            variant_runs (&variants[k]) ? "checked" : "skipped (CPU lacks it)");
  check_q1 ();
  printf ("# q1: %s\n", failures ? "FAILED" : "ok");
  check_tq2 ();
  printf ("# tq2: %s\n", failures ? "FAILED" : "ok");
  check_f16 ();
  printf ("# f16: %s\n", failures ? "FAILED" : "ok");
  if (failures)
    printf ("%d mismatches\n", failures);
  return failures ? 1 : 0;
}
