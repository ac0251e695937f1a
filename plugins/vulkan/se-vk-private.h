/* SPDX-License-Identifier: Apache-2.0
 *
 * Private to the Vulkan backend plugin: the context and KV cache structs, buffers,
 * pipelines and the functions the plugin's files share. se-vk-device.c owns the
 * instance and device, se-vk-memory.c buffers and uploads, se-vk-pipelines.c the
 * shaders, se-vk-record.c the command buffers of one forward pass.
 */
#pragma once

#include <vulkan/vulkan.h>

#include "sprig/se-backend.h"
#include "sprig/se-error.h"

G_BEGIN_DECLS

/* Weight types the shaders read, in the order of the per-type pipelines. */
#define SE_VK_N_TYPES 7
/* Storage buffer bindings of the one descriptor set layout every pipeline shares. */
#define SE_VK_N_BINDINGS 8
#define SE_VK_BIND_SRC0 0
#define SE_VK_BIND_SRC1 1
#define SE_VK_BIND_SRC2 2
#define SE_VK_BIND_DST 3
#define SE_VK_BIND_AUX0 4
#define SE_VK_BIND_AUX1 5
#define SE_VK_BIND_HOST 6
#define SE_VK_BIND_AUX2 7        /* attention's per-split partials */
#define SE_VK_PUSH_WORDS 16
/* matmul.comp's tile: BN tokens x BM rows per workgroup; the 2-D dispatch width. */
#define SE_VK_TILE 64
#define SE_VK_MATMUL_ROWS 128
#define SE_VK_MATMUL_SHARED_BYTES ((32 * (128 + 4) + 32 * (64 + 4)) * 4)
/* matvec.comp: workgroup size and rows per slot; calls of at most this many tokens use it */
#define SE_VK_MATVEC_WG 128u
#define SE_VK_MATVEC_ROWS 8u
#define SE_VK_MATVEC_MAX_TOKENS 2u
#define SE_VK_MAX_GROUPS 65535u
#define SE_VK_MAX_SEGMENTS 8
#define SE_VK_N_PROGRAMS 4
/* Attention splits its keys over up to this many workgroups per head and token
 * (attention.comp), aiming at about SE_VK_ATTN_TARGET workgroups per call. */
#define SE_VK_ATTN_MAX_SPLIT 32u
#define SE_VK_ATTN_TARGET 512u
#define SE_VK_ATTN_HEADS 8u      /* attention.comp GMAX */

typedef enum
{
  SE_VK_PIPE_RMS_NORM,
  SE_VK_PIPE_ROPE,
  SE_VK_PIPE_KV_STORE,
  SE_VK_PIPE_ATTENTION,
  SE_VK_PIPE_ATTN_COMBINE,
  SE_VK_PIPE_ELEMENTWISE,
  SE_VK_N_PIPES,
} SeVkPipe;

/* How the recorder treats an op of the graph (se-vk-record.c plans it once per context):
 * a MATMUL may absorb the ADD after it (accumulating into the add's destination) and
 * the SWIGLU before it (computing silu(gate) * up as it reads its input); a per-head
 * RMS_NORM in place may absorb the ROPE of the same tensor that follows it (Qwen3's
 * q/k norms). The absorbed op is then skipped. Only where the intermediate is read by
 * nothing else. */
typedef enum
{
  SE_VK_FUSE_ADD = 1 << 0,      /* MATMUL: dst += W . x, into the next op's destination */
  SE_VK_FUSE_SWIGLU = 1 << 1,   /* MATMUL: x = silu(src0) * up, up from the previous op */
  SE_VK_FUSE_SKIP = 1 << 2,     /* an op another one does */
  SE_VK_FUSE_ROPE = 1 << 3,     /* RMS_NORM over heads: also rotates them (the next ROPE) */
} SeVkFuse;

typedef struct
{
  VkBuffer buf;
  VkDeviceMemory mem;
  VkDeviceSize size;
  void *map;               /* host-visible buffers only */
} SeVkBuffer;

typedef struct
{
  VkInstance instance;
  VkDebugUtilsMessengerEXT messenger;
  gboolean validation;
  VkPhysicalDevice phys;
  VkPhysicalDeviceProperties props;
  VkPhysicalDeviceMemoryProperties mem_props;
  char driver[VK_MAX_DRIVER_NAME_SIZE + VK_MAX_DRIVER_INFO_SIZE + 4];
  guint queue_family;
  guint subgroup_size;
  gboolean subgroup_arith;   /* subgroupAdd in compute shaders (matvec.comp) */
  VkDevice device;
  VkQueue queue;
} SeVkDevice;

/* One forward pass recorded for a shape: n_segments command buffers, submitted one
 * after the other with a cancellation check in between. */
typedef struct
{
  guint n_tokens;          /* 0 = empty slot */
  gboolean all_logits;
  guint64 generation;      /* ctx->generation it was recorded against */
  guint n_segments;
  VkCommandBuffer cmd[SE_VK_MAX_SEGMENTS];
  VkQueryPool queries;     /* SPRIG_VULKAN_PROFILE=1: a timestamp per op and segment */
  guint n_queries;
  gint *query_op;          /* per query: the op that ends there; -1 = a segment start */
} SeVkProgram;

struct _SeBackendKv
{
  guint n_ctx;
  SeVkBuffer *k;           /* per layer: [n_ctx][n_kv_width] fp16 */
  SeVkBuffer *v;
  SeVkBuffer rope;         /* [n_ctx][head_dim / 2] (cos, sin) */
  SeVkBuffer partials;     /* attention's per-split (max, sum, output); may be absent */
  VkDescriptorPool pool;
  VkDescriptorSet *sets;   /* one per op of the graph */
  SeVkProgram programs[SE_VK_N_PROGRAMS];
  guint next_program;
};

struct _SeBackendCtx
{
  const SeGraph *graph;
  guint max_tokens;
  SeVkDevice dev;
  VkCommandPool cmd_pool;
  VkFence fence;
  VkDescriptorSetLayout set_layout;
  VkPipelineLayout layout;
  VkPipelineCache pipeline_cache;  /* kept on disk between runs, see se-vk-pipelines.c */
  VkPipeline matmul[SE_VK_N_TYPES][2];  /* [1]: absorbs the add after it (SE_VK_FUSE_ADD) */
  VkPipeline matvec[SE_VK_N_TYPES];   /* decode; only with subgroup arithmetic */
  VkPipeline embed[SE_VK_N_TYPES];
  VkPipeline pipes[SE_VK_N_PIPES];
  SeVkBuffer *bufs;        /* per tensor: weights (device-local) and activations */
  guint8 *fuse;            /* per op: SeVkFuse flags */
  guint32 *scale_off;      /* per weight tensor: word offset of the block scales */
  SeVkBuffer host;         /* pos0, n_tokens, pad, pad, tokens[max_tokens] */
  SeVkBuffer logits;       /* device-local: logit_rows x n_vocab */
  guint logit_rows;        /* rows one logits pass writes */
  SeVkBuffer readback;     /* host-visible: readback_rows x n_vocab */
  guint readback_rows;
  SeVkBuffer dummy;        /* bound where an op has no buffer */
  guint64 generation;      /* bumped when a buffer programs refer to is replaced */
  gboolean lost;
  guint profile;           /* SPRIG_VULKAN_PROFILE=1: GPU time per op kind, printed at the
                            * end; 2: and per op of the first layers in decode */
  double *prof_op_ns;      /* per op: decode time (profile 2) */
  double prof_ns[2][SE_OP_LOGITS + 1];   /* [decode, prefill][op kind] */
  guint prof_tokens[2];
  guint prof_calls[2];
  double rope_base;        /* every ROPE op of the graph shares these */
  guint rope_dim;
  char description[512];
};

/* se-vk-device.c */
gboolean      _se_vk_device_open        (SeVkDevice       *dev,
                                         gboolean          validation,
                                         GError          **error);
void          _se_vk_device_close       (SeVkDevice       *dev);
int           _se_vk_probe              (char             *reason,
                                         gsize             reason_size);
gboolean      _se_vk_query_device       (char             *description,
                                         gsize             description_size,
                                         guint64          *device_memory);
void          _se_vk_describe           (const SeVkDevice *dev,
                                         char             *out,
                                         gsize             size);
gboolean      _se_vk_check              (VkResult          res,
                                         const char       *what,
                                         GError          **error);
guint         _se_vk_validation_count   (void);

/* se-vk-memory.c */
gboolean      _se_vk_buffer_new         (SeBackendCtx     *ctx,
                                         SeVkBuffer       *b,
                                         VkDeviceSize      size,
                                         gboolean          host_visible,
                                         GError          **error);
void          _se_vk_buffer_free        (SeBackendCtx     *ctx,
                                         SeVkBuffer       *b);
gboolean      _se_vk_upload_weights     (SeBackendCtx     *ctx,
                                         const SeBackendParams *params,
                                         GError          **error);
gboolean      _se_vk_fill               (SeBackendCtx     *ctx,
                                         SeVkBuffer       *dst,
                                         const void       *data,
                                         gsize             size,
                                         GError          **error);
gboolean      _se_vk_submit_wait        (SeBackendCtx     *ctx,
                                         VkCommandBuffer   cmd,
                                         GError          **error);
int           _se_vk_type_slot          (SeType            type);

/* se-vk-pipelines.c */
gboolean      _se_vk_pipelines_new      (SeBackendCtx     *ctx,
                                         GError          **error);
void          _se_vk_pipelines_free     (SeBackendCtx     *ctx);

/* se-vk-record.c */
void          _se_vk_plan_fusions       (SeBackendCtx     *ctx);
gboolean      _se_vk_kv_bind            (SeBackendCtx     *ctx,
                                         SeBackendKv      *kv,
                                         GError          **error);
SeVkProgram  *_se_vk_program_get        (SeBackendCtx     *ctx,
                                         SeBackendKv      *kv,
                                         guint             n_tokens,
                                         gboolean          all_logits,
                                         GError          **error);
void          _se_vk_program_clear      (SeBackendCtx     *ctx,
                                         SeVkProgram      *prog);
void          _se_vk_profile_collect    (SeBackendCtx     *ctx,
                                         SeVkProgram      *prog);
void          _se_vk_profile_print      (SeBackendCtx     *ctx);
guint         _se_vk_attn_splits        (const SeOp       *op,
                                         guint             n_ctx,
                                         guint             n_tokens);
gsize         _se_vk_attn_partials_size (const SeBackendCtx *ctx,
                                         guint             n_ctx);

/* se-vk-shaders.c: SPIR-V compiled from shaders/ at build time */
typedef struct
{
  const guint32 *code;
  gsize n_bytes;
} SeVkSpirv;

extern const SeVkSpirv _se_vk_spv_matmul[SE_VK_N_TYPES];
extern const SeVkSpirv _se_vk_spv_matvec[SE_VK_N_TYPES];
extern const SeVkSpirv _se_vk_spv_embed[SE_VK_N_TYPES];
extern const SeVkSpirv _se_vk_spv_pipes[SE_VK_N_PIPES];

G_END_DECLS
