/* SPDX-License-Identifier: Apache-2.0
 *
 * Portable float kernels of the CPU backend: the scalar ISA's members of the kernel
 * table, and the definition of the bits the AVX2 and NEON fp16 kernels must give
 * (8 fused multiply-add lanes, lane i % 8, the fixed reduction of _se_cpu_reduce8).
 */
#include "config.h"

#include <math.h>

#include "sprig/se-types.h"
#include "se-cpu-float.h"

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

float
_se_cpu_dot_f32_scalar (const float *a,
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

float
_se_cpu_dot_f16_scalar (const float   *q,
                        const guint16 *k,
                        guint          n)
{
  const float *h = half_table ();
  float lanes[8] = { 0 };

  for (guint i = 0; i < n; i++)
    lanes[i % 8] = fmaf (q[i], h[k[i]], lanes[i % 8]);
  return _se_cpu_reduce8 (lanes);
}

void
_se_cpu_dot_f16_rows_scalar (const float   *q,
                             const guint16 *k,
                             gsize          stride,
                             guint          n_rows,
                             guint          n,
                             float         *out)
{
  for (guint r = 0; r < n_rows; r++)
    out[r] = _se_cpu_dot_f16_scalar (q, k + r * stride, n);
}

void
_se_cpu_axpy_f16_scalar (float         *y,
                         float          a,
                         const guint16 *v,
                         guint          n)
{
  const float *h = half_table ();

  for (guint i = 0; i < n; i++)
    y[i] = fmaf (a, h[v[i]], y[i]);
}

void
_se_cpu_wsum_f16_scalar (float         *y,
                         const float   *p,
                         const guint16 *v,
                         gsize          stride,
                         guint          n_rows,
                         guint          n)
{
  for (guint j = 0; j < n_rows; j++)
    _se_cpu_axpy_f16_scalar (y, p[j], v + j * stride, n);
}

void
_se_cpu_f32_to_f16_scalar (guint16     *dst,
                           const float *src,
                           gsize        n)
{
  for (gsize i = 0; i < n; i++)
    dst[i] = se_fp32_to_fp16 (src[i]);
}

/* Separate multiplications and additions, never fused: the vector versions do the same
 * operations lane by lane. */
SE_CPU_NO_CONTRACT_BEGIN

float
_se_cpu_exp_neg (float x)
{
  SE_CPU_NO_CONTRACT
  float n, r, p;
  union { guint32 u; float f; } scale;

  if (!(x >= SE_CPU_EXP_MIN))
    return 0.0f;
  n = floorf (x * SE_CPU_LOG2E + 0.5f);
  r = x - n * SE_CPU_LN2_HI;
  r = r - n * SE_CPU_LN2_LO;
  p = SE_CPU_EXP_P0;
  p = p * r + SE_CPU_EXP_P1;
  p = p * r + SE_CPU_EXP_P2;
  p = p * r + SE_CPU_EXP_P3;
  p = p * r + SE_CPU_EXP_P4;
  p = p * r + SE_CPU_EXP_P5;
  p = p * (r * r) + r;
  p = p + 1.0f;
  scale.u = (guint32) ((gint32) n + 127) << 23;
  return p * scale.f;
}

float
_se_cpu_softmax_scalar (float *x,
                        guint  n,
                        float  scale)
{
  SE_CPU_NO_CONTRACT
  float max = -INFINITY, lanes[8] = { 0 };

  for (guint j = 0; j < n; j++)
    {
      x[j] *= scale;
      max = MAX (max, x[j]);
    }
  for (guint j = 0; j < n; j++)
    {
      x[j] = _se_cpu_exp_neg (x[j] - max);
      lanes[j % 8] += x[j];
    }
  return _se_cpu_reduce8 (lanes);
}

SE_CPU_NO_CONTRACT_END
