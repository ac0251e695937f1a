/* SPDX-License-Identifier: Apache-2.0
 *
 * Backend plugin ABI, version 1 (SE_PLUGIN_ABI_VERSION). A backend module exports
 * sprig_plugin_entry() returning an SeBackendIface whose header has kind
 * SE_PLUGIN_KIND_BACKEND and struct_size = sizeof (SeBackendIface). The engine's
 * built-in scalar reference backend implements the same interface.
 *
 * Threading: the engine calls one context from one thread at a time. A backend may use
 * threads of its own inside compute().
 */
#pragma once

#include <glib.h>

#include "sprig/se-graph.h"
#include "sprig/se-plugin.h"

G_BEGIN_DECLS

typedef struct _SeBackendCtx SeBackendCtx;
typedef struct _SeBackendKv SeBackendKv;

typedef struct
{
  guint n_threads;           /* 0 = the backend decides */
  guint max_tokens;          /* most tokens one compute() call may carry */
  /* Called while weights are prepared (uploaded, repacked): fraction in [0, 1]. */
  void (*progress) (double fraction, gpointer user_data);
  gpointer progress_data;
} SeBackendParams;

typedef struct
{
  SePluginHeader base;

  /* Prepares to run @graph. Weight data stays valid while the context lives. */
  SeBackendCtx *(*init) (const SeGraph         *graph,
                         const SeBackendParams *params,
                         GError               **error);
  void          (*free) (SeBackendCtx *ctx);

  /* One KV cache (float16 K and V, n_layer x n_ctx x graph->n_kv_width each). */
  SeBackendKv  *(*kv_new)  (SeBackendCtx *ctx,
                            guint         n_ctx,
                            GError      **error);
  void          (*kv_free) (SeBackendCtx *ctx,
                            SeBackendKv  *kv);

  /* Runs the graph for tokens[0 .. n_tokens) at positions pos0 .. pos0 + n_tokens - 1
   * (pos0 + n_tokens <= n_ctx of @kv). Writes logits (n_vocab floats per row) for every
   * token when @all_logits, else for the last token only. Checks *@cancel (atomically)
   * between ops and fails with G_IO_ERROR_CANCELLED when it is set. */
  gboolean      (*compute) (SeBackendCtx *ctx,
                            SeBackendKv  *kv,
                            const gint32 *tokens,
                            guint         n_tokens,
                            guint         pos0,
                            gboolean      all_logits,
                            float        *logits,
                            const gint   *cancel,
                            GError      **error);

  /* A line for users: device, ISA, threads ("scalar reference, 1 thread"). */
  const char   *(*describe) (SeBackendCtx *ctx);

  /* Optional, and only there when base.struct_size covers it (call it through
   * se_backend_query_device ()): the device this backend would pick, without preparing a
   * model — a line for users and the memory of its own it has (0: it shares the
   * computer's memory, as a CPU or an integrated GPU does). FALSE when there is none. */
  gboolean      (*query_device) (char    *description,
                                 gsize    description_size,
                                 guint64 *device_memory);
} SeBackendIface;

/* Calls @iface's query_device when the plugin has one (older plugins end before it). */
gboolean se_backend_query_device (const SeBackendIface *iface,
                                  char                 *description,
                                  gsize                 description_size,
                                  guint64              *device_memory);

/* The engine's own scalar backend: the oracle for every other one and the fallback. */
const SeBackendIface *se_backend_reference (void);

/* Helpers for backends. se_backend_check_call() validates the arguments of compute()
 * (batch size, positions inside the context, token ids inside the vocabulary) with the
 * error every backend reports; se_backend_host_kv_alloc() allocates zeroed float16 K and
 * V arrays of n_layer x n_ctx x n_kv_width in host memory, or fails with a message that
 * says how much memory was asked for. */
gboolean se_backend_check_call    (const SeGraph *graph,
                                   guint          max_tokens,
                                   guint          n_ctx,
                                   const gint32  *tokens,
                                   guint          n_tokens,
                                   guint          pos0,
                                   GError       **error);
gboolean se_backend_host_kv_alloc (const SeGraph *graph,
                                   guint          n_ctx,
                                   guint16      **k,
                                   guint16      **v,
                                   GError       **error);

G_END_DECLS
