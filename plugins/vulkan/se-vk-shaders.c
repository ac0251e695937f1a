/* SPDX-License-Identifier: Apache-2.0
 *
 * The plugin's shaders as SPIR-V words: glslc -mfmt=num writes each compiled shader as
 * a comma-separated list of numbers (plugins/vulkan/meson.build), included here into
 * arrays. The per-type matmul, matvec and embed shaders are one source each, compiled
 * with -DWT.
 */
#include "se-vk-private.h"

#define SPV(a) { a, sizeof a }
static const guint32 spv_matmul_f32[] = {
#include "matmul-f32.spv.inc"
};
static const guint32 spv_matmul_f16[] = {
#include "matmul-f16.spv.inc"
};
static const guint32 spv_matmul_bf16[] = {
#include "matmul-bf16.spv.inc"
};
static const guint32 spv_matmul_q8_0[] = {
#include "matmul-q8_0.spv.inc"
};
static const guint32 spv_matmul_q1_0[] = {
#include "matmul-q1_0.spv.inc"
};
static const guint32 spv_matmul_tq1_0[] = {
#include "matmul-tq1_0.spv.inc"
};
static const guint32 spv_matmul_tq2_0[] = {
#include "matmul-tq2_0.spv.inc"
};
static const guint32 spv_matvec_f32[] = {
#include "matvec-f32.spv.inc"
};
static const guint32 spv_matvec_f16[] = {
#include "matvec-f16.spv.inc"
};
static const guint32 spv_matvec_bf16[] = {
#include "matvec-bf16.spv.inc"
};
static const guint32 spv_matvec_q8_0[] = {
#include "matvec-q8_0.spv.inc"
};
static const guint32 spv_matvec_q1_0[] = {
#include "matvec-q1_0.spv.inc"
};
static const guint32 spv_matvec_tq1_0[] = {
#include "matvec-tq1_0.spv.inc"
};
static const guint32 spv_matvec_tq2_0[] = {
#include "matvec-tq2_0.spv.inc"
};
static const guint32 spv_embed_f32[] = {
#include "embed-f32.spv.inc"
};
static const guint32 spv_embed_f16[] = {
#include "embed-f16.spv.inc"
};
static const guint32 spv_embed_bf16[] = {
#include "embed-bf16.spv.inc"
};
static const guint32 spv_embed_q8_0[] = {
#include "embed-q8_0.spv.inc"
};
static const guint32 spv_embed_q1_0[] = {
#include "embed-q1_0.spv.inc"
};
static const guint32 spv_embed_tq1_0[] = {
#include "embed-tq1_0.spv.inc"
};
static const guint32 spv_embed_tq2_0[] = {
#include "embed-tq2_0.spv.inc"
};
static const guint32 spv_rms_norm[] = {
#include "rms-norm.spv.inc"
};
static const guint32 spv_rope[] = {
#include "rope.spv.inc"
};
static const guint32 spv_kv_store[] = {
#include "kv-store.spv.inc"
};
static const guint32 spv_attention[] = {
#include "attention.spv.inc"
};
static const guint32 spv_attention_combine[] = {
#include "attention-combine.spv.inc"
};
static const guint32 spv_elementwise[] = {
#include "elementwise.spv.inc"
};

const SeVkSpirv _se_vk_spv_matmul[SE_VK_N_TYPES] = {
  SPV (spv_matmul_f32),
  SPV (spv_matmul_f16),
  SPV (spv_matmul_bf16),
  SPV (spv_matmul_q8_0),
  SPV (spv_matmul_q1_0),
  SPV (spv_matmul_tq1_0),
  SPV (spv_matmul_tq2_0),
};

const SeVkSpirv _se_vk_spv_matvec[SE_VK_N_TYPES] = {
  SPV (spv_matvec_f32),
  SPV (spv_matvec_f16),
  SPV (spv_matvec_bf16),
  SPV (spv_matvec_q8_0),
  SPV (spv_matvec_q1_0),
  SPV (spv_matvec_tq1_0),
  SPV (spv_matvec_tq2_0),
};

const SeVkSpirv _se_vk_spv_embed[SE_VK_N_TYPES] = {
  SPV (spv_embed_f32),
  SPV (spv_embed_f16),
  SPV (spv_embed_bf16),
  SPV (spv_embed_q8_0),
  SPV (spv_embed_q1_0),
  SPV (spv_embed_tq1_0),
  SPV (spv_embed_tq2_0),
};

const SeVkSpirv _se_vk_spv_pipes[SE_VK_N_PIPES] = {
  [SE_VK_PIPE_RMS_NORM] = SPV (spv_rms_norm),
  [SE_VK_PIPE_ROPE] = SPV (spv_rope),
  [SE_VK_PIPE_KV_STORE] = SPV (spv_kv_store),
  [SE_VK_PIPE_ATTENTION] = SPV (spv_attention),
  [SE_VK_PIPE_ATTN_COMBINE] = SPV (spv_attention_combine),
  [SE_VK_PIPE_ELEMENTWISE] = SPV (spv_elementwise),
};
