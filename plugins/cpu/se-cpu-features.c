/* SPDX-License-Identifier: Apache-2.0
 *
 * CPU feature detection for the CPU backend. On x86 the OS must also have enabled
 * the register state (XGETBV) before AVX or AVX-512 count as present; a CPU that
 * has the instructions but an OS that does not save the registers gets neither.
 */
#include "se-cpu-features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static guint64
read_xcr0 (void)
{
  guint32 eax, edx;

  __asm__ volatile ("xgetbv" : "=a" (eax), "=d" (edx) : "c" (0));
  return ((guint64) edx << 32) | eax;
}

SeCpuFeatures
se_cpu_features_detect (void)
{
  unsigned int eax, ebx, ecx, edx;
  SeCpuFeatures f = 0;
  guint64 xcr0 = 0;

  if (!__get_cpuid (1, &eax, &ebx, &ecx, &edx))
    return 0;
  if (ecx & bit_SSE3)
    f |= SE_CPU_HAS_SSE3;
  if (ecx & bit_SSSE3)
    f |= SE_CPU_HAS_SSSE3;
  if (ecx & bit_OSXSAVE)
    xcr0 = read_xcr0 ();
  /* XMM and YMM state enabled by the OS */
  if ((ecx & bit_AVX) && (xcr0 & 0x6) == 0x6)
    {
      f |= SE_CPU_HAS_AVX;
      if (ecx & bit_FMA)
        f |= SE_CPU_HAS_FMA;
      if (ecx & bit_F16C)
        f |= SE_CPU_HAS_F16C;
    }
  if (__get_cpuid_count (7, 0, &eax, &ebx, &ecx, &edx))
    {
      if ((f & SE_CPU_HAS_AVX) && (ebx & bit_AVX2))
        f |= SE_CPU_HAS_AVX2;
      /* opmask, upper ZMM and ZMM16-31 state enabled by the OS */
      if ((f & SE_CPU_HAS_AVX) && (xcr0 & 0xe0) == 0xe0 && (ebx & bit_AVX512F))
        {
          f |= SE_CPU_HAS_AVX512F;
          if (ebx & bit_AVX512BW)
            f |= SE_CPU_HAS_AVX512BW;
          if (ecx & bit_AVX512VNNI)
            f |= SE_CPU_HAS_AVX512VNNI;
        }
    }
  return f;
}

#elif defined(__aarch64__)
#include <sys/auxv.h>
#include <asm/hwcap.h>

SeCpuFeatures
se_cpu_features_detect (void)
{
  unsigned long hw = getauxval (AT_HWCAP);
  SeCpuFeatures f = SE_CPU_HAS_NEON; /* mandatory on AArch64 */

  if (hw & HWCAP_ASIMDDP)
    f |= SE_CPU_HAS_DOTPROD;
  return f;
}

#else

SeCpuFeatures
se_cpu_features_detect (void)
{
  return 0;
}

#endif

/* A space-separated list in /proc/cpuinfo spelling ("avx2 fma f16c"), or "none". */
char *
se_cpu_features_to_string (SeCpuFeatures features)
{
  static const struct { SeCpuFeatures bit; const char *name; } names[] = {
    { SE_CPU_HAS_SSE3, "pni" }, { SE_CPU_HAS_SSSE3, "ssse3" }, { SE_CPU_HAS_AVX, "avx" },
    { SE_CPU_HAS_AVX2, "avx2" }, { SE_CPU_HAS_FMA, "fma" }, { SE_CPU_HAS_F16C, "f16c" },
    { SE_CPU_HAS_AVX512F, "avx512f" }, { SE_CPU_HAS_AVX512BW, "avx512bw" },
    { SE_CPU_HAS_AVX512VNNI, "avx512_vnni" }, { SE_CPU_HAS_NEON, "asimd" },
    { SE_CPU_HAS_DOTPROD, "asimddp" },
  };
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    if (features & names[i].bit)
      g_string_append_printf (s, "%s%s", s->len ? " " : "", names[i].name);
  if (s->len == 0)
    g_string_append (s, "none");
  return g_string_free (s, FALSE);
}
