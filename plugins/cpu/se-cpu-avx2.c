/* SPDX-License-Identifier: Apache-2.0
 *
 * AVX2 + FMA + F16C kernels of the CPU backend other than Q1_0 (compiled with
 * -mavx2 -mfma -mf16c; called only when the CPU has them). The fp16 attention kernels
 * keep the lane and rounding rules of their portable twins in se-cpu-kernels.c, so a
 * model gives the same bits with SPRIG_CPU_ISA=scalar and avx2.
 */
#include "config.h"

#include <immintrin.h>
#include <math.h>

#include "sprig/se-types.h"
#include "se-cpu-private.h"

static inline float
hsum (__m256 v)
{
  /* _se_cpu_reduce8's tree, ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)), in
   * registers: the same additions in the same order, so the same bits, without the
   * store and the call per row (attention reduces one per key). */
  __m128 s = _mm_add_ps (_mm256_castps256_ps128 (v), _mm256_extractf128_ps (v, 1));
  __m128 t = _mm_add_ps (s, _mm_movehl_ps (s, s));

  return _mm_cvtss_f32 (_mm_add_ss (t, _mm_shuffle_ps (t, t, 1)));
}

float
_se_cpu_dot_f32_avx2 (const float *a,
                      const float *b,
                      gint64       n)
{
  __m256 acc0 = _mm256_setzero_ps (), acc1 = _mm256_setzero_ps ();
  __m256 acc2 = _mm256_setzero_ps (), acc3 = _mm256_setzero_ps ();
  gint64 i = 0;
  float tail = 0.0f;

  for (; i + 32 <= n; i += 32)
    {
      acc0 = _mm256_fmadd_ps (_mm256_loadu_ps (a + i), _mm256_loadu_ps (b + i), acc0);
      acc1 = _mm256_fmadd_ps (_mm256_loadu_ps (a + i + 8), _mm256_loadu_ps (b + i + 8), acc1);
      acc2 = _mm256_fmadd_ps (_mm256_loadu_ps (a + i + 16), _mm256_loadu_ps (b + i + 16), acc2);
      acc3 = _mm256_fmadd_ps (_mm256_loadu_ps (a + i + 24), _mm256_loadu_ps (b + i + 24), acc3);
    }
  for (; i + 8 <= n; i += 8)
    acc0 = _mm256_fmadd_ps (_mm256_loadu_ps (a + i), _mm256_loadu_ps (b + i), acc0);
  for (; i < n; i++)
    tail += a[i] * b[i];
  acc0 = _mm256_add_ps (_mm256_add_ps (acc0, acc1), _mm256_add_ps (acc2, acc3));
  return hsum (acc0) + tail;
}

float
_se_cpu_dot_f16_avx2 (const float   *q,
                      const guint16 *k,
                      guint          n)
{
  __m256 acc = _mm256_setzero_ps ();
  float lanes[8];
  guint i = 0;

  for (; i + 8 <= n; i += 8)
    {
      __m256 kf = _mm256_cvtph_ps (_mm_loadu_si128 ((const __m128i *) (k + i)));

      acc = _mm256_fmadd_ps (_mm256_loadu_ps (q + i), kf, acc);
    }
  _mm256_storeu_ps (lanes, acc);
  for (; i < n; i++)
    lanes[i % 8] = fmaf (q[i], _cvtsh_ss (k[i]), lanes[i % 8]);
  return _se_cpu_reduce8 (lanes);
}

/* dot_f16 of @q with @n_rows (<= 4) rows k + r * stride: the same lanes and order per
 * row, but the rows' fused multiply-add chains interleave, so four rows cost about what
 * one does (one chain is bound by the FMA latency, not by memory). */
void
_se_cpu_dot_f16_rows_avx2 (const float   *q,
                           const guint16 *k,
                           gsize          stride,
                           guint          n_rows,
                           guint          n,
                           float         *out)
{
  __m256 acc[4] = { _mm256_setzero_ps (), _mm256_setzero_ps (), _mm256_setzero_ps (),
                    _mm256_setzero_ps () };
  guint i = 0;

  if (n_rows != 4 || n % 8 != 0)
    {
      for (guint r = 0; r < n_rows; r++)
        out[r] = _se_cpu_dot_f16_avx2 (q, k + r * stride, n);
      return;
    }
  for (; i < n; i += 8)
    {
      __m256 x = _mm256_loadu_ps (q + i);

      for (int r = 0; r < 4; r++)
        {
          const guint16 *kr = k + r * stride + i;

          _mm_prefetch ((const char *) (kr + 512), _MM_HINT_T0);
          acc[r] = _mm256_fmadd_ps (x, _mm256_cvtph_ps (_mm_loadu_si128 ((const __m128i *) kr)),
                                    acc[r]);
        }
    }
  for (int r = 0; r < 4; r++)
    out[r] = hsum (acc[r]);
}

/* axpy_f16 (y, p[j], v + j * stride, n) for j = 0 .. n_rows - 1, in that order for
 * every element, so the same bits; 64 elements of y stay in registers over all rows
 * instead of being loaded and stored once per row. */
void
_se_cpu_wsum_f16_avx2 (float         *y,
                       const float   *p,
                       const guint16 *v,
                       gsize          stride,
                       guint          n_rows,
                       guint          n)
{
  guint i = 0;

  for (; i + 64 <= n; i += 64)
    {
      __m256 acc[8];

      for (int k = 0; k < 8; k++)
        acc[k] = _mm256_loadu_ps (y + i + 8 * k);
      for (guint j = 0; j < n_rows; j++)
        {
          const guint16 *vj = v + j * stride + i;
          __m256 a = _mm256_set1_ps (p[j]);

          for (int k = 0; k < 8; k++)
            acc[k] = _mm256_fmadd_ps (a, _mm256_cvtph_ps (_mm_loadu_si128 ((const __m128i *)
                                                                            (vj + 8 * k))),
                                      acc[k]);
        }
      for (int k = 0; k < 8; k++)
        _mm256_storeu_ps (y + i + 8 * k, acc[k]);
    }
  if (i < n)
    for (guint j = 0; j < n_rows; j++)
      _se_cpu_axpy_f16_avx2 (y + i, p[j], v + j * stride + i, n - i);
}

void
_se_cpu_axpy_f16_avx2 (float         *y,
                       float          a,
                       const guint16 *v,
                       guint          n)
{
  __m256 va = _mm256_set1_ps (a);
  guint i = 0;

  for (; i + 8 <= n; i += 8)
    {
      __m256 vf = _mm256_cvtph_ps (_mm_loadu_si128 ((const __m128i *) (v + i)));

      _mm256_storeu_ps (y + i, _mm256_fmadd_ps (va, vf, _mm256_loadu_ps (y + i)));
    }
  for (; i < n; i++)
    y[i] = fmaf (a, _cvtsh_ss (v[i]), y[i]);
}

void
_se_cpu_f32_to_f16_avx2 (guint16     *dst,
                         const float *src,
                         gsize        n)
{
  gsize i = 0;

  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128 ((__m128i *) (dst + i),
                      _mm256_cvtps_ph (_mm256_loadu_ps (src + i),
                                       _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  for (; i < n; i++)
    dst[i] = se_fp32_to_fp16 (src[i]);
}

/* _se_cpu_exp_neg and _se_cpu_softmax_scalar eight lanes at a time: the same operations
 * in the same order, never fused (the pragma), so the same bits. */
SE_CPU_NO_CONTRACT_BEGIN

static inline __m256
exp_neg8 (__m256 x)
{
  SE_CPU_NO_CONTRACT
  __m256 keep = _mm256_cmp_ps (x, _mm256_set1_ps (SE_CPU_EXP_MIN), _CMP_GE_OQ);
  __m256 n = _mm256_floor_ps (_mm256_add_ps (_mm256_mul_ps (x, _mm256_set1_ps (SE_CPU_LOG2E)),
                                             _mm256_set1_ps (0.5f)));
  __m256 r = _mm256_sub_ps (x, _mm256_mul_ps (n, _mm256_set1_ps (SE_CPU_LN2_HI)));
  __m256 p = _mm256_set1_ps (SE_CPU_EXP_P0);
  __m256i bits;

  r = _mm256_sub_ps (r, _mm256_mul_ps (n, _mm256_set1_ps (SE_CPU_LN2_LO)));
  p = _mm256_add_ps (_mm256_mul_ps (p, r), _mm256_set1_ps (SE_CPU_EXP_P1));
  p = _mm256_add_ps (_mm256_mul_ps (p, r), _mm256_set1_ps (SE_CPU_EXP_P2));
  p = _mm256_add_ps (_mm256_mul_ps (p, r), _mm256_set1_ps (SE_CPU_EXP_P3));
  p = _mm256_add_ps (_mm256_mul_ps (p, r), _mm256_set1_ps (SE_CPU_EXP_P4));
  p = _mm256_add_ps (_mm256_mul_ps (p, r), _mm256_set1_ps (SE_CPU_EXP_P5));
  p = _mm256_add_ps (_mm256_mul_ps (p, _mm256_mul_ps (r, r)), r);
  p = _mm256_add_ps (p, _mm256_set1_ps (1.0f));
  bits = _mm256_slli_epi32 (_mm256_add_epi32 (_mm256_cvtps_epi32 (n), _mm256_set1_epi32 (127)),
                            23);
  return _mm256_and_ps (_mm256_mul_ps (p, _mm256_castsi256_ps (bits)), keep);
}

float
_se_cpu_softmax_avx2 (float *x,
                      guint  n,
                      float  scale)
{
  SE_CPU_NO_CONTRACT
  __m256 vscale = _mm256_set1_ps (scale), vmax = _mm256_set1_ps (-INFINITY);
  __m256 acc = _mm256_setzero_ps ();
  float lanes[8], maxes[8], max;
  guint j = 0, full = n / 8 * 8;

  for (; j < full; j += 8)
    {
      __m256 v = _mm256_mul_ps (_mm256_loadu_ps (x + j), vscale);

      _mm256_storeu_ps (x + j, v);
      vmax = _mm256_max_ps (vmax, v);
    }
  _mm256_storeu_ps (maxes, vmax);
  max = maxes[0];
  for (int k = 1; k < 8; k++)
    max = MAX (max, maxes[k]);
  for (; j < n; j++)
    {
      x[j] *= scale;
      max = MAX (max, x[j]);
    }
  for (j = 0; j < full; j += 8)
    {
      __m256 e = exp_neg8 (_mm256_sub_ps (_mm256_loadu_ps (x + j), _mm256_set1_ps (max)));

      _mm256_storeu_ps (x + j, e);
      acc = _mm256_add_ps (acc, e);
    }
  _mm256_storeu_ps (lanes, acc);
  for (; j < n; j++)
    {
      x[j] = _se_cpu_exp_neg (x[j] - max);
      lanes[j % 8] += x[j];
    }
  return _se_cpu_reduce8 (lanes);
}

SE_CPU_NO_CONTRACT_END
