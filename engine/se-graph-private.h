/* SPDX-License-Identifier: Apache-2.0
 *
 * Builds and frees the forward graph of a model (se-graph.c); private to the engine.
 */
#pragma once

#include "sprig/se-arch.h"
#include "sprig/se-gguf.h"
#include "sprig/se-graph.h"

G_BEGIN_DECLS

SeGraph *_se_graph_build (const SeHParams *hp,
                          const SeGguf    *gguf,
                          GError         **error);
void     _se_graph_free  (SeGraph         *graph);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeGraph, _se_graph_free)

G_END_DECLS
