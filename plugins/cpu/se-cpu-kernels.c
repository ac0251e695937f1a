/* SPDX-License-Identifier: Apache-2.0
 *
 * The CPU backend's kernel tables and their portable C members: the scalar ISA, the
 * choice between ISAs (SPRIG_CPU_ISA), and the Q1_0 helpers that read the GGUF layout
 * (rows past the last full 32-row tile) or the packed one (embedding lookups of a
 * packed tied matrix) with exactly the arithmetic of the lead's packed kernel.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "sprig/se-error.h"
#include "sprig/se-types.h"
#include "se-cpu-private.h"

/* fp16 -> fp32 is exact, so a table gives the very bits F16C gives. Static storage,
 * so that it goes away with the module when the plugin is unloaded. */
static float *
half_table (void)
{
  static float table[65536];
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      for (guint i = 0; i < 65536; i++)
        table[i] = se_fp16_to_fp32 ((guint16) i);
      g_once_init_leave (&once, 1);
    }
  return table;
}

float
_se_cpu_reduce8 (const float *l)
{
  return ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]));
}

static float
dot_f32_scalar (const float *a,
                const float *b,
                gint64       n)
{
  float lanes[8] = { 0 };
  gint64 i = 0;

  for (; i + 8 <= n; i += 8)
    for (gint l = 0; l < 8; l++)
      lanes[l] += a[i + l] * b[i + l];
  for (; i < n; i++)
    lanes[i % 8] += a[i] * b[i];
  return _se_cpu_reduce8 (lanes);
}

static float
dot_f16_scalar (const float   *q,
                const guint16 *k,
                guint          n)
{
  const float *h = half_table ();
  float lanes[8] = { 0 };

  for (guint i = 0; i < n; i++)
    lanes[i % 8] = fmaf (q[i], h[k[i]], lanes[i % 8]);
  return _se_cpu_reduce8 (lanes);
}

static void
dot_f16_rows_scalar (const float   *q,
                     const guint16 *k,
                     gsize          stride,
                     guint          n_rows,
                     guint          n,
                     float         *out)
{
  for (guint r = 0; r < n_rows; r++)
    out[r] = dot_f16_scalar (q, k + r * stride, n);
}

static void
axpy_f16_scalar (float         *y,
                 float          a,
                 const guint16 *v,
                 guint          n)
{
  const float *h = half_table ();

  for (guint i = 0; i < n; i++)
    y[i] = fmaf (a, h[v[i]], y[i]);
}

static void
wsum_f16_scalar (float         *y,
                 const float   *p,
                 const guint16 *v,
                 gsize          stride,
                 guint          n_rows,
                 guint          n)
{
  for (guint j = 0; j < n_rows; j++)
    axpy_f16_scalar (y, p[j], v + j * stride, n);
}

static void
f32_to_f16_scalar (guint16     *dst,
                   const float *src,
                   gsize        n)
{
  for (gsize i = 0; i < n; i++)
    dst[i] = se_fp32_to_fp16 (src[i]);
}

static const SeCpuKernels scalar_kernels = {
  .isa = SE_CPU_ISA_SCALAR,
  .name = "scalar",
  .q1_act_prepare = se_q1_act_prepare,
  .q1_matmul = se_q1_matmul_scalar,
  .tq_act_prepare = se_tq_act_prepare,
  .tq2_dot = se_tq2_dot_scalar,
  .dot_f32 = dot_f32_scalar,
  .dot_f16 = dot_f16_scalar,
  .dot_f16_rows = dot_f16_rows_scalar,
  .axpy_f16 = axpy_f16_scalar,
  .wsum_f16 = wsum_f16_scalar,
  .f32_to_f16 = f32_to_f16_scalar,
};

const SeCpuKernels *
_se_cpu_kernels_scalar (void)
{
  half_table ();
  return &scalar_kernels;
}

#ifdef SE_CPU_HAVE_AVX2
static const SeCpuKernels avx2_kernels = {
  .isa = SE_CPU_ISA_AVX2,
  .name = "avx2",
  .q1_act_prepare = se_q1_act_prepare_avx2,
  .q1_matmul = se_q1_matmul_avx2,
  .tq_act_prepare = se_tq_act_prepare_avx2,
  .tq2_dot = se_tq2_dot_avx2,
  .dot_f32 = _se_cpu_dot_f32_avx2,
  .dot_f16 = _se_cpu_dot_f16_avx2,
  .dot_f16_rows = _se_cpu_dot_f16_rows_avx2,
  .axpy_f16 = _se_cpu_axpy_f16_avx2,
  .wsum_f16 = _se_cpu_wsum_f16_avx2,
  .f32_to_f16 = _se_cpu_f32_to_f16_avx2,
};
#endif

/* NULL when this build or this CPU cannot run the AVX2 kernels. */
const SeCpuKernels *
_se_cpu_kernels_avx2 (void)
{
#ifdef SE_CPU_HAVE_AVX2
  SeCpuFeatures need = SE_CPU_HAS_AVX2 | SE_CPU_HAS_FMA | SE_CPU_HAS_F16C;

  if ((se_cpu_features_detect () & need) == need)
    return &avx2_kernels;
#endif
  return NULL;
}

/* @isa_env: the value of SPRIG_CPU_ISA, or NULL for the best this CPU runs. */
gboolean
_se_cpu_kernels_select (const char          *isa_env,
                        SeCpuFeatures        features,
                        const SeCpuKernels **out,
                        GError             **error)
{
  SeCpuFeatures avx2 = SE_CPU_HAS_AVX2 | SE_CPU_HAS_FMA | SE_CPU_HAS_F16C;
  gboolean have_avx2 = _se_cpu_kernels_avx2 () != NULL && (features & avx2) == avx2;

  if (isa_env == NULL || *isa_env == '\0')
    *out = have_avx2 ? _se_cpu_kernels_avx2 () : _se_cpu_kernels_scalar ();
  else if (g_str_equal (isa_env, "scalar"))
    *out = _se_cpu_kernels_scalar ();
  else if (g_str_equal (isa_env, "avx2") && have_avx2)
    *out = _se_cpu_kernels_avx2 ();
  else if (g_str_equal (isa_env, "avx2"))
    {
      g_set_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED,
                   "SPRIG_CPU_ISA=avx2, but this %s AVX2, FMA and F16C",
                   _se_cpu_kernels_avx2 () == NULL ? "build or CPU lacks" : "CPU lacks");
      return FALSE;
    }
  else if (g_str_equal (isa_env, "avx512") || g_str_equal (isa_env, "neon"))
    {
      g_set_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED,
                   "SPRIG_CPU_ISA=%s: this build has no %s kernels yet (scalar, avx2)",
                   isa_env, isa_env);
      return FALSE;
    }
  else
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "SPRIG_CPU_ISA=%s is not a known instruction set (scalar, avx2)", isa_env);
      return FALSE;
    }
  return TRUE;
}

/* One GGUF Q1_0 row (n_cols / 128 blocks of fp16 d + 16 sign bytes) against prepared
 * activations. Group g of a block is nibble g % 2 of sign byte g / 2, which is the
 * index into the group's table; the block's int16 sum, its float scale d * a and the
 * fused accumulation are those of se_q1_matvec_scalar, so the result is the same bits
 * the packed kernel gives for the row. */
float
_se_cpu_q1_row_dot (const guint8  *row,
                    const SeQ1Act *act)
{
  gint64 n_blocks = act->n_cols / 128;
  float acc = 0.0f;

  for (gint64 b = 0; b < n_blocks; b++)
    {
      const guint8 *blk = row + b * 18;
      const guint8 *tables = act->tables + b * 32 * 32;
      guint16 d16;
      gint32 sum = 0;

      for (gint m = 0; m < 16; m++)
        {
          const guint8 *lo = tables + (2 * m) * 32, *hi = lo + 32;
          guint byte = blk[2 + m];

          sum += lo[byte & 15] + 32 * lo[16 + (byte & 15)] - SE_Q1_TABLE_BIAS;
          sum += hi[byte >> 4] + 32 * hi[16 + (byte >> 4)] - SE_Q1_TABLE_BIAS;
        }
      memcpy (&d16, blk, 2);
      acc = fmaf ((float) sum, se_fp16_to_fp32 (d16) * act->scales[b], acc);
    }
  return acc;
}
