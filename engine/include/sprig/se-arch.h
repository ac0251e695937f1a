/* SPDX-License-Identifier: Apache-2.0
 *
 * Model architectures as GGUF describes them: the hyper-parameters read from
 * `<arch>.*` metadata and the list of tensors (names and shapes) each architecture
 * has. The model loader, `sprig-cli mkmodel` and the tests all use this one table, so
 * a tensor name or shape is written down exactly once.
 */
#pragma once

#include <glib.h>

#include "sprig/se-gguf.h"

G_BEGIN_DECLS

typedef enum
{
  SE_ARCH_QWEN3,
  SE_ARCH_LLAMA,
  SE_ARCH_BITNET,
} SeArch;

typedef struct
{
  SeArch arch;
  guint32 n_layer;
  guint32 n_embd;
  guint32 n_head;
  guint32 n_head_kv;
  guint32 head_dim;       /* attention.key_length (= value_length) */
  guint32 n_ff;
  guint32 n_vocab;        /* rows of token_embd */
  guint32 n_ctx_train;    /* context_length */
  float rope_freq_base;
  float norm_eps;         /* attention.layer_norm_rms_epsilon */
  gboolean tied_output;   /* no output.weight: the LM head is token_embd */
} SeHParams;

/* What a tensor is for; decides its type when a model is written. */
typedef enum
{
  SE_TENSOR_ROLE_EMBEDDING,
  SE_TENSOR_ROLE_OUTPUT,
  SE_TENSOR_ROLE_LINEAR,
  SE_TENSOR_ROLE_NORM,
} SeTensorRole;

typedef struct
{
  char *name;
  guint32 n_dims;
  gint64 ne[2];
  SeTensorRole role;
} SeTensorSpec;

const char *se_arch_name            (SeArch            arch);
gboolean    se_arch_from_name       (const char       *name,
                                     SeArch           *out,
                                     GError          **error);

gboolean    se_hparams_from_gguf    (const SeGguf     *gguf,
                                     SeHParams        *hp,
                                     GError          **error);
gboolean    se_hparams_validate     (const SeHParams  *hp,
                                     GError          **error);
void        se_hparams_to_gguf      (const SeHParams  *hp,
                                     SeGgufWriter     *writer);

GArray     *se_arch_tensor_specs    (const SeHParams  *hp);
gboolean    se_arch_check_tensors   (const SeHParams  *hp,
                                     const SeGguf     *gguf,
                                     GError          **error);

G_END_DECLS
