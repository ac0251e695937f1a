/* SPDX-License-Identifier: Apache-2.0
 *
 * What the CPU this process runs on can do, read once with cpuid (x86) or
 * getauxval (ARM). The CPU backend picks its kernels from this; SPRIG_CPU_ISA can
 * lower the choice for testing (scalar, avx2, avx512, neon).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  SE_CPU_HAS_SSE3     = 1 << 0,
  SE_CPU_HAS_SSSE3    = 1 << 1,
  SE_CPU_HAS_AVX      = 1 << 2,
  SE_CPU_HAS_AVX2     = 1 << 3,
  SE_CPU_HAS_FMA      = 1 << 4,
  SE_CPU_HAS_F16C     = 1 << 5,
  SE_CPU_HAS_AVX512F  = 1 << 6,
  SE_CPU_HAS_AVX512BW = 1 << 7,
  SE_CPU_HAS_AVX512VNNI = 1 << 8,
  SE_CPU_HAS_NEON     = 1 << 9,
  SE_CPU_HAS_DOTPROD  = 1 << 10,
} SeCpuFeatures;

SeCpuFeatures se_cpu_features_detect   (void);
char         *se_cpu_features_to_string (SeCpuFeatures features);

G_END_DECLS
