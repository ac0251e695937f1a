/* SPDX-License-Identifier: Apache-2.0
 *
 * A backend plugin for the loader tests: the full ABI v1 table, delegating every call
 * to the engine's reference backend, under its own name and a higher score. It shows
 * that a plugin found on SPRIG_PLUGIN_PATH is chosen by score and can be forced or
 * bypassed by name.
 */
#include "sprig/se-backend.h"

SE_PLUGIN_EXPORT const SePluginHeader *sprig_plugin_entry (void);

static int
test_backend_probe (char *reason,
                    gsize reason_size)
{
  return 50;
}

static const char *
test_backend_describe (SeBackendCtx *ctx)
{
  return "test backend (reference arithmetic)";
}

static SeBackendIface iface;

const SePluginHeader *
sprig_plugin_entry (void)
{
  const SeBackendIface *ref = se_backend_reference ();

  iface = *ref;
  iface.base.name = "testbackend";
  iface.base.description = "Test backend plugin";
  iface.base.probe = test_backend_probe;
  iface.describe = test_backend_describe;
  return &iface.base;
}
