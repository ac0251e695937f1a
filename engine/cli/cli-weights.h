/* SPDX-License-Identifier: Apache-2.0
 *
 * Float32 tensors from a safetensors file: how the demo model's training script
 * (tools/train/) hands its weights to `sprig-cli mkmodel --weights-from`, so that the
 * GGUF is written by the engine's own quantizers and writer.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CliWeights CliWeights;

CliWeights *cli_weights_open     (const char *path,
                                  GError    **error);
void        cli_weights_free     (CliWeights *weights);
guint       cli_weights_get_count (CliWeights *weights);
/* A copy of tensor @name, which must be F32 of shape [@ne1, @ne0] (PyTorch order),
 * or [@ne0] when @ne1 is 0. g_free() it. */
float      *cli_weights_get      (CliWeights *weights,
                                  const char *name,
                                  gint64      ne0,
                                  gint64      ne1,
                                  GError    **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliWeights, cli_weights_free)

G_END_DECLS
