/* SPDX-License-Identifier: Apache-2.0
 *
 * The CPU backend's persistent thread pool: n - 1 workers started once, plus the
 * calling thread as worker 0. A parallel call hands out item numbers from a shared
 * counter; idle workers spin briefly on a generation word and then sleep on it
 * (futex on Linux), so back-to-back ops pay no thread creation and little wake-up.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SeCpuPool SeCpuPool;

/* Runs item @item of a parallel call on thread @ith (0 = the caller). */
typedef void (*SeCpuItemFunc) (gpointer data,
                               guint    item,
                               guint    ith);

SeCpuPool *se_cpu_pool_new      (guint          n_threads,
                                 GError       **error);
void       se_cpu_pool_free     (SeCpuPool     *pool);
guint      se_cpu_pool_size     (SeCpuPool     *pool);
/* Calls @func for every item in [0, n_items) on any of the pool's threads and returns
 * when all are done. Items are independent: which thread runs one never changes its
 * result. One or zero items, or a pool of one thread, run on the caller alone. */
void       se_cpu_pool_parallel (SeCpuPool     *pool,
                                 guint          n_items,
                                 SeCpuItemFunc  func,
                                 gpointer       data);

G_END_DECLS
