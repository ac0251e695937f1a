/* SPDX-License-Identifier: Apache-2.0
 *
 * AArch64 NEON float kernels of the CPU backend: the fp16 attention kernels keep the
 * lane and rounding rules of their portable twins (se-cpu-float.c): eight lanes as
 * two vectors of four, fused multiply-add, the fixed lane reduction, fp16 conversions
 * by the hardware (exact one way, round to nearest even the other, as FPCR is by
 * default), so a model gives the same bits with SPRIG_CPU_ISA=scalar and neon.
 */
#include "config.h"

#include <arm_neon.h>
#include <math.h>

#include "se-cpu-float.h"

#define ALWAYS_INLINE inline __attribute__ ((always_inline))

static ALWAYS_INLINE float
half_to_float (guint16 h)
{
  return vgetq_lane_f32 (vcvt_f32_f16 (vreinterpret_f16_u16 (vdup_n_u16 (h))), 0);
}

/* the 8 fp16 values at @k as floats: lanes 0-3 and 4-7 */
static ALWAYS_INLINE void
load_f16x8 (const guint16 *k,
            float32x4_t   *lo,
            float32x4_t   *hi)
{
  float16x8_t h = vreinterpretq_f16_u16 (vld1q_u16 (k));

  *lo = vcvt_f32_f16 (vget_low_f16 (h));
  *hi = vcvt_high_f32_f16 (h);
}

static ALWAYS_INLINE float
reduce (float32x4_t lo,
        float32x4_t hi)
{
  float lanes[8];

  vst1q_f32 (lanes, lo);
  vst1q_f32 (lanes + 4, hi);
  return _se_cpu_reduce8 (lanes);
}

float
_se_cpu_dot_f32_neon (const float *a,
                      const float *b,
                      gint64       n)
{
  float32x4_t acc[4] = { vdupq_n_f32 (0.0f), vdupq_n_f32 (0.0f), vdupq_n_f32 (0.0f),
                         vdupq_n_f32 (0.0f) };
  gint64 i = 0;
  float tail = 0.0f;

  for (; i + 16 <= n; i += 16)
    for (int k = 0; k < 4; k++)
      acc[k] = vfmaq_f32 (acc[k], vld1q_f32 (a + i + 4 * k), vld1q_f32 (b + i + 4 * k));
  for (; i + 4 <= n; i += 4)
    acc[0] = vfmaq_f32 (acc[0], vld1q_f32 (a + i), vld1q_f32 (b + i));
  for (; i < n; i++)
    tail += a[i] * b[i];
  return vaddvq_f32 (vaddq_f32 (vaddq_f32 (acc[0], acc[1]), vaddq_f32 (acc[2], acc[3]))) + tail;
}

float
_se_cpu_dot_f16_neon (const float   *q,
                      const guint16 *k,
                      guint          n)
{
  float32x4_t acc0 = vdupq_n_f32 (0.0f), acc1 = vdupq_n_f32 (0.0f);
  float lanes[8];
  guint i = 0;

  for (; i + 8 <= n; i += 8)
    {
      float32x4_t lo, hi;

      load_f16x8 (k + i, &lo, &hi);
      acc0 = vfmaq_f32 (acc0, vld1q_f32 (q + i), lo);
      acc1 = vfmaq_f32 (acc1, vld1q_f32 (q + i + 4), hi);
    }
  vst1q_f32 (lanes, acc0);
  vst1q_f32 (lanes + 4, acc1);
  for (; i < n; i++)
    lanes[i % 8] = fmaf (q[i], half_to_float (k[i]), lanes[i % 8]);
  return _se_cpu_reduce8 (lanes);
}

/* dot_f16 of @q with @n_rows (<= 4) rows k + r * stride: the same lanes and order per
 * row, the rows' fused multiply-add chains interleaved (one chain is bound by the FMA
 * latency, not by memory). */
void
_se_cpu_dot_f16_rows_neon (const float   *q,
                           const guint16 *k,
                           gsize          stride,
                           guint          n_rows,
                           guint          n,
                           float         *out)
{
  float32x4_t acc[4][2];

  if (n_rows != 4 || n % 8 != 0)
    {
      for (guint r = 0; r < n_rows; r++)
        out[r] = _se_cpu_dot_f16_neon (q, k + r * stride, n);
      return;
    }
  for (int r = 0; r < 4; r++)
    acc[r][0] = acc[r][1] = vdupq_n_f32 (0.0f);
  for (guint i = 0; i < n; i += 8)
    {
      float32x4_t x0 = vld1q_f32 (q + i), x1 = vld1q_f32 (q + i + 4);

      for (int r = 0; r < 4; r++)
        {
          float32x4_t lo, hi;

          load_f16x8 (k + r * stride + i, &lo, &hi);
          acc[r][0] = vfmaq_f32 (acc[r][0], x0, lo);
          acc[r][1] = vfmaq_f32 (acc[r][1], x1, hi);
        }
    }
  for (int r = 0; r < 4; r++)
    out[r] = reduce (acc[r][0], acc[r][1]);
}

void
_se_cpu_axpy_f16_neon (float         *y,
                       float          a,
                       const guint16 *v,
                       guint          n)
{
  guint i = 0;

  for (; i + 8 <= n; i += 8)
    {
      float32x4_t lo, hi;

      load_f16x8 (v + i, &lo, &hi);
      vst1q_f32 (y + i, vfmaq_n_f32 (vld1q_f32 (y + i), lo, a));
      vst1q_f32 (y + i + 4, vfmaq_n_f32 (vld1q_f32 (y + i + 4), hi, a));
    }
  for (; i < n; i++)
    y[i] = fmaf (a, half_to_float (v[i]), y[i]);
}

/* axpy_f16 (y, p[j], v + j * stride, n) for j = 0 .. n_rows - 1, in that order for
 * every element, so the same bits; 64 elements of y stay in 16 registers over all
 * rows instead of being loaded and stored once per row. */
void
_se_cpu_wsum_f16_neon (float         *y,
                       const float   *p,
                       const guint16 *v,
                       gsize          stride,
                       guint          n_rows,
                       guint          n)
{
  guint i = 0;

  for (; i + 64 <= n; i += 64)
    {
      float32x4_t acc[16];

      for (int k = 0; k < 16; k++)
        acc[k] = vld1q_f32 (y + i + 4 * k);
      for (guint j = 0; j < n_rows; j++)
        {
          const guint16 *vj = v + j * stride + i;

          for (int k = 0; k < 16; k += 2)
            {
              float32x4_t lo, hi;

              load_f16x8 (vj + 4 * k, &lo, &hi);
              acc[k] = vfmaq_n_f32 (acc[k], lo, p[j]);
              acc[k + 1] = vfmaq_n_f32 (acc[k + 1], hi, p[j]);
            }
        }
      for (int k = 0; k < 16; k++)
        vst1q_f32 (y + i + 4 * k, acc[k]);
    }
  if (i < n)
    for (guint j = 0; j < n_rows; j++)
      _se_cpu_axpy_f16_neon (y + i, p[j], v + j * stride + i, n - i);
}

void
_se_cpu_f32_to_f16_neon (guint16     *dst,
                         const float *src,
                         gsize        n)
{
  gsize i = 0;

  for (; i + 8 <= n; i += 8)
    {
      float16x4_t lo = vcvt_f16_f32 (vld1q_f32 (src + i));
      float16x8_t h = vcvt_high_f16_f32 (lo, vld1q_f32 (src + i + 4));

      vst1q_u16 (dst + i, vreinterpretq_u16_f16 (h));
    }
  for (; i < n; i++)
    dst[i] = vget_lane_u16 (vreinterpret_u16_f16 (vcvt_f16_f32 (vdupq_n_f32 (src[i]))), 0);
}
