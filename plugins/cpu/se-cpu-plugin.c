/* SPDX-License-Identifier: Apache-2.0
 *
 * Entry point of the CPU backend plugin. At this stage it answers the probe: it
 * can always run (the scalar path needs nothing), and scores higher when the CPU
 * has the SIMD extensions its fast kernels use. The backend function table joins
 * the header when the backend ABI lands (engine issue "Engine II").
 */
#include <stdio.h>

#include "sprig/se-plugin.h"
#include "se-cpu-features.h"

SE_PLUGIN_EXPORT const SePluginHeader *sprig_plugin_entry (void);

static char description[160];

static int
cpu_probe (char *reason,
           gsize reason_size)
{
  SeCpuFeatures f = se_cpu_features_detect ();

  if (f & (SE_CPU_HAS_AVX512BW | SE_CPU_HAS_DOTPROD))
    return 30;
  if (f & SE_CPU_HAS_AVX2)
    return 20;
  return 10;
}

static const SePluginHeader cpu_plugin = {
  .abi_version = SE_PLUGIN_ABI_VERSION,
  .struct_size = sizeof (SePluginHeader),
  .kind = SE_PLUGIN_KIND_BACKEND,
  .name = "cpu",
  .description = description,
  .probe = cpu_probe,
};

const SePluginHeader *
sprig_plugin_entry (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      g_autofree char *features = se_cpu_features_to_string (se_cpu_features_detect ());

      snprintf (description, sizeof description, "CPU backend (features: %s)", features);
      g_once_init_leave (&once, 1);
    }
  return &cpu_plugin;
}
