/* SPDX-License-Identifier: Apache-2.0
 *
 * The float kernels of the CPU backend (the attention's fp16 dots and sums, fp16
 * stores, the generic float dot) for every instruction set. The portable versions
 * define the bits: every ISA's fp16 kernels give exactly their results. This header
 * needs nothing but GLib's types, so the kernels can be built into the GLib-free
 * cross test (tests/cpu-kernels/).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)): every ISA's 8-lane reduction */
float _se_cpu_reduce8             (const float *lanes);

/* Code between _BEGIN and _END (and any function body that starts with
 * SE_CPU_NO_CONTRACT, for clang) keeps multiplications and additions separate, never
 * fused: the portable and vector versions of the softmax must round the same way. */
#if defined(__clang__)
#define SE_CPU_NO_CONTRACT _Pragma ("clang fp contract(off)")
#define SE_CPU_NO_CONTRACT_BEGIN
#define SE_CPU_NO_CONTRACT_END
#else
#define SE_CPU_NO_CONTRACT
#define SE_CPU_NO_CONTRACT_BEGIN \
  _Pragma ("GCC push_options") _Pragma ("GCC optimize (\"fp-contract=off\")")
#define SE_CPU_NO_CONTRACT_END _Pragma ("GCC pop_options")
#endif

/* The constants of _se_cpu_exp_neg (Cephes' expf): shared by every ISA's version. */
#define SE_CPU_EXP_MIN  (-87.33654f)         /* ln 2^-126: below, the result is 0 */
#define SE_CPU_LOG2E    1.44269504088896341f
#define SE_CPU_LN2_HI   0.693359375f
#define SE_CPU_LN2_LO   (-2.12194440e-4f)
#define SE_CPU_EXP_P0   1.9875691500e-4f
#define SE_CPU_EXP_P1   1.3981999507e-3f
#define SE_CPU_EXP_P2   8.3334519073e-3f
#define SE_CPU_EXP_P3   4.1665795894e-2f
#define SE_CPU_EXP_P4   1.6666665459e-1f
#define SE_CPU_EXP_P5   5.0000001201e-1f

/* e^x for x <= 0 (softmax arguments): Cody-Waite reduction and a degree-6 polynomial
 * (relative error about 2e-7), as separate IEEE multiplications and additions in this
 * order and never fused, so every ISA's vector version gives these bits; 0 below -87. */
float _se_cpu_exp_neg             (float x);

/* se-cpu-float.c: portable C */
/* x[j] = exp (x[j] * scale - max) for j < n, max over the scaled values; returns their
 * sum, added in 8 lanes (lane j % 8, in order) and reduced as _se_cpu_reduce8. */
float _se_cpu_softmax_scalar      (float *x, guint n, float scale);
float _se_cpu_dot_f32_scalar      (const float *a, const float *b, gint64 n);
float _se_cpu_dot_f16_scalar      (const float *q, const guint16 *k, guint n);
void  _se_cpu_dot_f16_rows_scalar (const float *q, const guint16 *k, gsize stride,
                                   guint n_rows, guint n, float *out);
void  _se_cpu_axpy_f16_scalar     (float *y, float a, const guint16 *v, guint n);
void  _se_cpu_wsum_f16_scalar     (float *y, const float *p, const guint16 *v, gsize stride,
                                   guint n_rows, guint n);
void  _se_cpu_f32_to_f16_scalar   (guint16 *dst, const float *src, gsize n);

/* se-cpu-avx2.c (x86 only) */
float _se_cpu_dot_f32_avx2        (const float *a, const float *b, gint64 n);
float _se_cpu_dot_f16_avx2        (const float *q, const guint16 *k, guint n);
void  _se_cpu_dot_f16_rows_avx2   (const float *q, const guint16 *k, gsize stride,
                                   guint n_rows, guint n, float *out);
void  _se_cpu_axpy_f16_avx2       (float *y, float a, const guint16 *v, guint n);
void  _se_cpu_wsum_f16_avx2       (float *y, const float *p, const guint16 *v,
                                   gsize stride, guint n_rows, guint n);
void  _se_cpu_f32_to_f16_avx2     (guint16 *dst, const float *src, gsize n);
float _se_cpu_softmax_avx2        (float *x, guint n, float scale);

/* se-cpu-neon.c (AArch64 only) */
float _se_cpu_dot_f32_neon        (const float *a, const float *b, gint64 n);
float _se_cpu_dot_f16_neon        (const float *q, const guint16 *k, guint n);
void  _se_cpu_dot_f16_rows_neon   (const float *q, const guint16 *k, gsize stride,
                                   guint n_rows, guint n, float *out);
void  _se_cpu_axpy_f16_neon       (float *y, float a, const guint16 *v, guint n);
void  _se_cpu_wsum_f16_neon       (float *y, const float *p, const guint16 *v,
                                   gsize stride, guint n_rows, guint n);
void  _se_cpu_f32_to_f16_neon     (guint16 *dst, const float *src, gsize n);

G_END_DECLS
