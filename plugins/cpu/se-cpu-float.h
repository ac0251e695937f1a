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

/* se-cpu-float.c: portable C */
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
