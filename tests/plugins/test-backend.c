/* SPDX-License-Identifier: Apache-2.0
 *
 * A backend plugin for the loader tests: the full ABI v1 table, delegating every call
 * to the engine's reference backend, under its own name and a higher score. It shows
 * that a plugin found on SPRIG_PLUGIN_PATH is chosen by score and can be forced or
 * bypassed by name. Built with TEST_BACKEND_FAIL_INIT it scores higher still but its
 * init fails, like a GPU backend without memory, to test the fallback.
 */
#include "sprig/se-backend.h"
#include "sprig/se-error.h"

#ifndef TEST_BACKEND_NAME
#define TEST_BACKEND_NAME "testbackend"
#define TEST_BACKEND_SCORE 50
#endif

SE_PLUGIN_EXPORT const SePluginHeader *sprig_plugin_entry (void);

static int
test_backend_probe (char *reason,
                    gsize reason_size)
{
  return TEST_BACKEND_SCORE;
}

#ifdef TEST_BACKEND_FAIL_INIT
static SeBackendCtx *
failing_init (const SeGraph         *graph,
              const SeBackendParams *params,
              GError               **error)
{
  g_set_error (error, SE_ERROR, SE_ERROR_FAILED, "out of device memory");
  return NULL;
}
#endif

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
  iface.base.name = TEST_BACKEND_NAME;
#ifdef TEST_BACKEND_FAIL_INIT
  iface.init = failing_init;
#endif
  iface.base.description = "Test backend plugin";
  iface.base.probe = test_backend_probe;
  iface.describe = test_backend_describe;
  return &iface.base;
}
