/* SPDX-License-Identifier: Apache-2.0
 *
 * The compute pipelines of the Vulkan backend, made once per context from the
 * embedded SPIR-V: one descriptor set layout of SE_VK_N_BINDINGS storage buffers and
 * one push-constant range shared by all of them, so that any op's set fits any
 * pipeline. Only the per-type pipelines of weight types the graph holds are built.
 */
#include "config.h"

#include "se-vk-private.h"

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

static gboolean
make_pipeline (SeBackendCtx    *ctx,
               const SeVkSpirv *spv,
               VkPipeline      *out,
               GError         **error)
{
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
    },
    .layout = ctx->layout,
  };
  VkResult res;

  res = vkCreateShaderModule (ctx->dev.device, &mi, NULL, &ci.stage.module);
  if (!_se_vk_check (res, "vkCreateShaderModule", error))
    return FALSE;
  res = vkCreateComputePipelines (ctx->dev.device, VK_NULL_HANDLE, 1, &ci, NULL, out);
  vkDestroyShaderModule (ctx->dev.device, ci.stage.module, NULL);
  return _se_vk_check (res, "vkCreateComputePipelines", error);
}

gboolean
_se_vk_pipelines_new (SeBackendCtx *ctx,
                      GError      **error)
{
  const SeGraph *g = ctx->graph;
  gboolean used[SE_VK_N_TYPES] = { FALSE };

  if (!make_layout (ctx, error))
    return FALSE;
  for (guint i = 0; i < g->tensors->len; i++)
    {
      const SeGraphTensor *t = se_graph_tensor (g, (gint) i);
      int slot = _se_vk_type_slot (t->type);

      if (t->kind == SE_GRAPH_TENSOR_WEIGHT && slot >= 0)
        used[slot] = TRUE;
    }
  for (int s = 0; s < SE_VK_N_TYPES; s++)
    if (used[s]
        && (!make_pipeline (ctx, &_se_vk_spv_matmul[s], &ctx->matmul[s], error)
            || !make_pipeline (ctx, &_se_vk_spv_embed[s], &ctx->embed[s], error)))
      return FALSE;
  for (int p = 0; p < SE_VK_N_PIPES; p++)
    if (!make_pipeline (ctx, &_se_vk_spv_pipes[p], &ctx->pipes[p], error))
      return FALSE;
  return TRUE;
}

void
_se_vk_pipelines_free (SeBackendCtx *ctx)
{
  VkDevice d = ctx->dev.device;

  for (int s = 0; s < SE_VK_N_TYPES; s++)
    {
      if (ctx->matmul[s] != VK_NULL_HANDLE)
        vkDestroyPipeline (d, ctx->matmul[s], NULL);
      if (ctx->embed[s] != VK_NULL_HANDLE)
        vkDestroyPipeline (d, ctx->embed[s], NULL);
    }
  for (int p = 0; p < SE_VK_N_PIPES; p++)
    if (ctx->pipes[p] != VK_NULL_HANDLE)
      vkDestroyPipeline (d, ctx->pipes[p], NULL);
  if (ctx->layout != VK_NULL_HANDLE)
    vkDestroyPipelineLayout (d, ctx->layout, NULL);
  if (ctx->set_layout != VK_NULL_HANDLE)
    vkDestroyDescriptorSetLayout (d, ctx->set_layout, NULL);
}
