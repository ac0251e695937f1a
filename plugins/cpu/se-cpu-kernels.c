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

static const SeCpuKernels scalar_kernels = {
  .isa = SE_CPU_ISA_SCALAR,
  .name = "scalar",
  .q1_act_prepare = se_q1_act_prepare,
  .q1_matmul = se_q1_matmul_scalar,
  .tq_act_prepare = se_tq_act_prepare,
  .tq2_dot = se_tq2_dot_scalar,
  .dot_f32 = _se_cpu_dot_f32_scalar,
  .dot_f16 = _se_cpu_dot_f16_scalar,
  .dot_f16_rows = _se_cpu_dot_f16_rows_scalar,
  .axpy_f16 = _se_cpu_axpy_f16_scalar,
  .wsum_f16 = _se_cpu_wsum_f16_scalar,
  .f32_to_f16 = _se_cpu_f32_to_f16_scalar,
  .softmax = _se_cpu_softmax_scalar,
};

const SeCpuKernels *
_se_cpu_kernels_scalar (void)
{
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
  .softmax = _se_cpu_softmax_avx2,
};
#endif

#ifdef SE_CPU_HAVE_AVX512
/* AVX-512 changes the Q1_0 products and the TQ2_0 dot; the tables, the activations
 * and the float kernels are AVX2's (every AVX-512 CPU has AVX2, FMA and F16C). */
#define AVX512_KERNELS(tq2_dot_fn, isa_name)        \
  {                                                 \
    .isa = SE_CPU_ISA_AVX512,                       \
    .name = isa_name,                               \
    .q1_act_prepare = se_q1_act_prepare_avx2,       \
    .q1_matmul = se_q1_matmul_avx512,               \
    .tq_act_prepare = se_tq_act_prepare_avx2,       \
    .tq2_dot = tq2_dot_fn,                          \
    .dot_f32 = _se_cpu_dot_f32_avx2,                \
    .dot_f16 = _se_cpu_dot_f16_avx2,                \
    .dot_f16_rows = _se_cpu_dot_f16_rows_avx2,      \
    .axpy_f16 = _se_cpu_axpy_f16_avx2,              \
    .wsum_f16 = _se_cpu_wsum_f16_avx2,              \
    .f32_to_f16 = _se_cpu_f32_to_f16_avx2,          \
    .softmax = _se_cpu_softmax_avx2,                \
  }
static const SeCpuKernels avx512_kernels = AVX512_KERNELS (se_tq2_dot_avx512, "avx512");
static const SeCpuKernels avx512_vnni_kernels = AVX512_KERNELS (se_tq2_dot_avx512vnni,
                                                                "avx512+vnni");
#endif

#ifdef SE_CPU_HAVE_NEON
/* The dot-product extension changes the TQ2_0 dot only */
#define NEON_KERNELS(tq2_dot_fn, isa_name)          \
  {                                                 \
    .isa = SE_CPU_ISA_NEON,                         \
    .name = isa_name,                               \
    .q1_act_prepare = se_q1_act_prepare_neon,       \
    .q1_matmul = se_q1_matmul_neon,                 \
    .tq_act_prepare = se_tq_act_prepare_neon,       \
    .tq2_dot = tq2_dot_fn,                          \
    .dot_f32 = _se_cpu_dot_f32_neon,                \
    .dot_f16 = _se_cpu_dot_f16_neon,                \
    .dot_f16_rows = _se_cpu_dot_f16_rows_neon,      \
    .axpy_f16 = _se_cpu_axpy_f16_neon,              \
    .wsum_f16 = _se_cpu_wsum_f16_neon,              \
    .f32_to_f16 = _se_cpu_f32_to_f16_neon,          \
    .softmax = _se_cpu_softmax_scalar,              \
  }
static const SeCpuKernels neon_kernels = NEON_KERNELS (se_tq2_dot_neon, "neon");
static const SeCpuKernels neon_dotprod_kernels = NEON_KERNELS (se_tq2_dot_dotprod,
                                                               "neon+dotprod");
#endif

#define NEED_AVX2 (SE_CPU_HAS_AVX2 | SE_CPU_HAS_FMA | SE_CPU_HAS_F16C)
#define NEED_AVX512 (NEED_AVX2 | SE_CPU_HAS_AVX512F | SE_CPU_HAS_AVX512BW)

/* The kernels of @isa for a CPU with @features, or NULL when this build or that CPU
 * cannot run them. */
static const SeCpuKernels *
kernels_for (SeCpuIsa      isa,
             SeCpuFeatures features)
{
  switch (isa)
    {
    case SE_CPU_ISA_SCALAR:
      return &scalar_kernels;
#ifdef SE_CPU_HAVE_AVX2
    case SE_CPU_ISA_AVX2:
      return (features & NEED_AVX2) == NEED_AVX2 ? &avx2_kernels : NULL;
#endif
#ifdef SE_CPU_HAVE_AVX512
    case SE_CPU_ISA_AVX512:
      if ((features & NEED_AVX512) != NEED_AVX512)
        return NULL;
      return features & SE_CPU_HAS_AVX512VNNI ? &avx512_vnni_kernels : &avx512_kernels;
#endif
#ifdef SE_CPU_HAVE_NEON
    case SE_CPU_ISA_NEON:
      if (!(features & SE_CPU_HAS_NEON))
        return NULL;
      return features & SE_CPU_HAS_DOTPROD ? &neon_dotprod_kernels : &neon_kernels;
#endif
    default:
      return NULL;
    }
}

/* NULL when this build or this CPU cannot run the AVX2 kernels. */
const SeCpuKernels *
_se_cpu_kernels_avx2 (void)
{
  return kernels_for (SE_CPU_ISA_AVX2, se_cpu_features_detect ());
}

/* NULL when this build or this CPU cannot run the AVX-512 kernels (AVX-512F and BW
 * with their registers saved by the OS; VNNI is used where present). */
const SeCpuKernels *
_se_cpu_kernels_avx512 (void)
{
  return kernels_for (SE_CPU_ISA_AVX512, se_cpu_features_detect ());
}

/* NULL when this build has no NEON kernels (not AArch64); dotprod where present. */
const SeCpuKernels *
_se_cpu_kernels_neon (void)
{
  return kernels_for (SE_CPU_ISA_NEON, se_cpu_features_detect ());
}

static const struct
{
  const char *name;
  SeCpuIsa isa;
  const char *needs;
  gboolean in_build;
} isa_names[] = {
  { "scalar", SE_CPU_ISA_SCALAR, "", TRUE },
#ifdef SE_CPU_HAVE_AVX2
  { "avx2", SE_CPU_ISA_AVX2, "AVX2, FMA and F16C", TRUE },
#ifdef SE_CPU_HAVE_AVX512
  { "avx512", SE_CPU_ISA_AVX512, "AVX-512F and BW (with OS support), AVX2, FMA and F16C",
    TRUE },
#else
  { "avx512", SE_CPU_ISA_AVX512, "a compiler that knows AVX-512BW", FALSE },
#endif
  { "neon", SE_CPU_ISA_NEON, "an ARM CPU", FALSE },
#elif defined(SE_CPU_HAVE_NEON)
  { "avx2", SE_CPU_ISA_AVX2, "an x86 CPU", FALSE },
  { "avx512", SE_CPU_ISA_AVX512, "an x86 CPU", FALSE },
  { "neon", SE_CPU_ISA_NEON, "AArch64 Advanced SIMD", TRUE },
#else
  { "avx2", SE_CPU_ISA_AVX2, "an x86 CPU", FALSE },
  { "avx512", SE_CPU_ISA_AVX512, "an x86 CPU", FALSE },
  { "neon", SE_CPU_ISA_NEON, "an AArch64 CPU", FALSE },
#endif
};

/* @isa_env: the value of SPRIG_CPU_ISA, or NULL for the best this CPU runs: AVX-512
 * first where the CPU has it (its kernels passed the tests on an AVX-512 Xeon and
 * prefilled 16% faster there, see docs/cpu-backend.md), then AVX2, NEON, scalar. */
gboolean
_se_cpu_kernels_select (const char          *isa_env,
                        SeCpuFeatures        features,
                        const SeCpuKernels **out,
                        GError             **error)
{
  if (isa_env == NULL || *isa_env == '\0')
    {
      /* the scalar kernels, last, are always there */
      static const SeCpuIsa best[] = { SE_CPU_ISA_AVX512, SE_CPU_ISA_AVX2, SE_CPU_ISA_NEON,
                                       SE_CPU_ISA_SCALAR };

      *out = NULL;
      for (gsize i = 0; *out == NULL; i++)
        *out = kernels_for (best[i], features);
      return TRUE;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (isa_names); i++)
    {
      if (!g_str_equal (isa_env, isa_names[i].name))
        continue;
      *out = kernels_for (isa_names[i].isa, features);
      if (*out != NULL)
        return TRUE;
      if (!isa_names[i].in_build)
        g_set_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED,
                     "SPRIG_CPU_ISA=%s: this build has no %s kernels (they need %s)",
                     isa_env, isa_env, isa_names[i].needs);
      else
        g_set_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED,
                     "SPRIG_CPU_ISA=%s, but this CPU lacks %s", isa_env, isa_names[i].needs);
      return FALSE;
    }
  g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
               "SPRIG_CPU_ISA=%s is not a known instruction set (scalar, avx2, avx512, neon)",
               isa_env);
  return FALSE;
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
