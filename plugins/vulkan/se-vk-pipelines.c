/* SPDX-License-Identifier: Apache-2.0
 *
 * The compute pipelines of the Vulkan backend, made once per context from the
 * embedded SPIR-V: one descriptor set layout of SE_VK_N_BINDINGS storage buffers and
 * one push-constant range shared by all of them, so that any op's set fits any
 * pipeline. Only the per-type pipelines of weight types the graph holds are built.
 *
 * A pipeline cache kept in $XDG_CACHE_HOME/sprig/ (one file per device, named by its
 * pipelineCacheUUID, which changes with the driver) saves compiling the shaders again at
 * the next model load. The driver checks the data it is given and ignores what does not
 * fit; a file that cannot be read or written only costs that speed.
 * SPRIG_VULKAN_PIPELINE_CACHE=0 turns it off.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "se-vk-private.h"

#define MAX_CACHE_BYTES (64 * 1024 * 1024)

static char *
cache_path (const SeBackendCtx *ctx)
{
  const guint8 *uuid = ctx->dev.props.pipelineCacheUUID;
  const char *env = g_getenv ("SPRIG_VULKAN_PIPELINE_CACHE");
  g_autofree char *hex = NULL;
  g_autofree char *name = NULL;

  if (env != NULL && g_str_equal (env, "0"))
    return NULL;
  hex = g_strdup_printf ("%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x",
                         uuid[0], uuid[1], uuid[2], uuid[3], uuid[4], uuid[5], uuid[6],
                         uuid[7], uuid[8], uuid[9], uuid[10], uuid[11], uuid[12], uuid[13],
                         uuid[14], uuid[15]);
  name = g_strdup_printf ("vulkan-pipelines-%04x-%04x-%s.bin", ctx->dev.props.vendorID,
                          ctx->dev.props.deviceID, hex);
  return g_build_filename (g_get_user_cache_dir (), "sprig", name, NULL);
}

/* The cache, filled from the file when there is a usable one; never fails. */
static void
open_cache (SeBackendCtx *ctx,
            const char   *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  VkPipelineCacheCreateInfo info = { .sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO };

  if (path != NULL && g_file_get_contents (path, &data, &len, NULL) && len <= MAX_CACHE_BYTES)
    {
      info.initialDataSize = len;
      info.pInitialData = data;
    }
  if (vkCreatePipelineCache (ctx->dev.device, &info, NULL, &ctx->pipeline_cache) == VK_SUCCESS)
    return;
  info.initialDataSize = 0;
  info.pInitialData = NULL;
  if (vkCreatePipelineCache (ctx->dev.device, &info, NULL, &ctx->pipeline_cache) != VK_SUCCESS)
    ctx->pipeline_cache = VK_NULL_HANDLE;
}

/* Writes the cache when it holds more than the file (written aside, then renamed). */
static void
save_cache (SeBackendCtx *ctx,
            const char   *path)
{
  g_autofree char *dir = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;
  GStatBuf st;

  if (path == NULL || ctx->pipeline_cache == VK_NULL_HANDLE ||
      vkGetPipelineCacheData (ctx->dev.device, ctx->pipeline_cache, &len, NULL) != VK_SUCCESS ||
      len == 0 || len > MAX_CACHE_BYTES)
    return;
  if (g_stat (path, &st) == 0 && (gsize) st.st_size >= len)
    return;
  data = g_malloc (len);
  if (vkGetPipelineCacheData (ctx->dev.device, ctx->pipeline_cache, &len, data) != VK_SUCCESS)
    return;
  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) == 0)
    g_file_set_contents (path, data, (gssize) len, NULL);
}

static gboolean
make_layout (SeBackendCtx *ctx,
             GError      **error)
{
  VkDescriptorSetLayoutBinding bindings[SE_VK_N_BINDINGS];
  VkDescriptorSetLayoutCreateInfo sl = {
    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
    .bindingCount = SE_VK_N_BINDINGS,
    .pBindings = bindings,
  };
  VkPushConstantRange push = { VK_SHADER_STAGE_COMPUTE_BIT, 0, SE_VK_PUSH_WORDS * 4 };
  VkPipelineLayoutCreateInfo pl = {
    .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
    .setLayoutCount = 1,
    .pSetLayouts = &ctx->set_layout,
    .pushConstantRangeCount = 1,
    .pPushConstantRanges = &push,
  };

  for (guint i = 0; i < SE_VK_N_BINDINGS; i++)
    bindings[i] = (VkDescriptorSetLayoutBinding) {
      .binding = i,
      .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
      .descriptorCount = 1,
      .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
    };
  return _se_vk_check (vkCreateDescriptorSetLayout (ctx->dev.device, &sl, NULL, &ctx->set_layout),
                       "vkCreateDescriptorSetLayout", error)
         && _se_vk_check (vkCreatePipelineLayout (ctx->dev.device, &pl, NULL, &ctx->layout),
                          "vkCreatePipelineLayout", error);
}

/* @flags: the value of the shader's specialization constant 0, if it has one */
static gboolean
make_pipeline_full (SeBackendCtx    *ctx,
                    const SeVkSpirv *spv,
                    guint32          flags,
                    VkPipeline      *out,
                    GError         **error)
{
  VkSpecializationMapEntry entry = { 0, 0, sizeof flags };
  VkSpecializationInfo spec = { 1, &entry, sizeof flags, &flags };
  VkShaderModuleCreateInfo mi = {
    .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
    .codeSize = spv->n_bytes,
    .pCode = spv->code,
  };
  VkComputePipelineCreateInfo ci = {
    .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
    .stage = {
      .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
      .stage = VK_SHADER_STAGE_COMPUTE_BIT,
      .pName = "main",
      .pSpecializationInfo = &spec,
    },
    .layout = ctx->layout,
  };
  VkResult res;

  res = vkCreateShaderModule (ctx->dev.device, &mi, NULL, &ci.stage.module);
  if (!_se_vk_check (res, "vkCreateShaderModule", error))
    return FALSE;
  res = vkCreateComputePipelines (ctx->dev.device, ctx->pipeline_cache, 1, &ci, NULL, out);
  vkDestroyShaderModule (ctx->dev.device, ci.stage.module, NULL);
  return _se_vk_check (res, "vkCreateComputePipelines", error);
}

static gboolean
make_pipeline (SeBackendCtx    *ctx,
               const SeVkSpirv *spv,
               VkPipeline      *out,
               GError         **error)
{
  return make_pipeline_full (ctx, spv, 0, out, error);
}

gboolean
_se_vk_pipelines_new (SeBackendCtx *ctx,
                      GError      **error)
{
  const SeGraph *g = ctx->graph;
  gboolean used[SE_VK_N_TYPES] = { FALSE };
  gboolean matmul_used[SE_VK_N_TYPES][2] = { { FALSE } };
  g_autofree char *path = cache_path (ctx);

  if (ctx->dev.props.limits.maxComputeSharedMemorySize < SE_VK_MATMUL_SHARED_BYTES)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED,
                   "Vulkan: %s has %u bytes of compute shared memory; the matrix shaders "
                   "need %u", ctx->dev.props.deviceName,
                   ctx->dev.props.limits.maxComputeSharedMemorySize,
                   (guint) SE_VK_MATMUL_SHARED_BYTES);
      return FALSE;
    }
  if (!make_layout (ctx, error))
    return FALSE;
  open_cache (ctx, path);
  for (guint i = 0; i < g->tensors->len; i++)
    {
      const SeGraphTensor *t = se_graph_tensor (g, (gint) i);
      int slot = _se_vk_type_slot (t->type);

      if (t->kind == SE_GRAPH_TENSOR_WEIGHT && slot >= 0)
        used[slot] = matmul_used[slot][0] = TRUE;
    }
  /* matmul.comp absorbing the add after it, where the fusion plan asks for that (it
   * never absorbs a SwiGLU: se-vk-record.c) */
  for (guint i = 0; i < g->ops->len; i++)
    {
      const SeOp *op = se_graph_op (g, i);
      int slot;

      if (op->kind != SE_OP_MATMUL || (ctx->fuse[i] & (SE_VK_FUSE_SKIP | SE_VK_FUSE_ADD))
          != SE_VK_FUSE_ADD)
        continue;
      slot = _se_vk_type_slot (se_graph_tensor (g, op->src[1])->type);
      if (slot >= 0)
        matmul_used[slot][1] = TRUE;
    }
  for (int s = 0; s < SE_VK_N_TYPES; s++)
    for (guint f = 0; f < 2; f++)
      if (matmul_used[s][f]
          && !make_pipeline_full (ctx, &_se_vk_spv_matmul[s], f, &ctx->matmul[s][f], error))
        return FALSE;
  for (int s = 0; s < SE_VK_N_TYPES; s++)
    if (used[s]
        && (!make_pipeline (ctx, &_se_vk_spv_embed[s], &ctx->embed[s], error)
            || (ctx->dev.subgroup_arith
                && !make_pipeline (ctx, &_se_vk_spv_matvec[s], &ctx->matvec[s], error))))
      return FALSE;
  for (int p = 0; p < SE_VK_N_PIPES; p++)
    if (!make_pipeline (ctx, &_se_vk_spv_pipes[p], &ctx->pipes[p], error))
      return FALSE;
  save_cache (ctx, path);
  return TRUE;
}

void
_se_vk_pipelines_free (SeBackendCtx *ctx)
{
  VkDevice d = ctx->dev.device;

  for (int s = 0; s < SE_VK_N_TYPES; s++)
    {
      for (guint f = 0; f < 2; f++)
        if (ctx->matmul[s][f] != VK_NULL_HANDLE)
          vkDestroyPipeline (d, ctx->matmul[s][f], NULL);
      if (ctx->embed[s] != VK_NULL_HANDLE)
        vkDestroyPipeline (d, ctx->embed[s], NULL);
      if (ctx->matvec[s] != VK_NULL_HANDLE)
        vkDestroyPipeline (d, ctx->matvec[s], NULL);
    }
  for (int p = 0; p < SE_VK_N_PIPES; p++)
    if (ctx->pipes[p] != VK_NULL_HANDLE)
      vkDestroyPipeline (d, ctx->pipes[p], NULL);
  if (ctx->pipeline_cache != VK_NULL_HANDLE)
    vkDestroyPipelineCache (d, ctx->pipeline_cache, NULL);
  if (ctx->layout != VK_NULL_HANDLE)
    vkDestroyPipelineLayout (d, ctx->layout, NULL);
  if (ctx->set_layout != VK_NULL_HANDLE)
    vkDestroyDescriptorSetLayout (d, ctx->set_layout, NULL);
}
