/* SPDX-License-Identifier: Apache-2.0
 *
 * Buffers of the Vulkan backend and the one-time weight upload. Every weight tensor gets
 * its own device-local buffer, filled through a host-visible staging buffer in chunks
 * (with progress): float types as in the file, block types re-packed so that the
 * shaders read whole aligned words: all blocks' payloads first, then all fp16 scales.
 */
#include "config.h"

#include <string.h>

#include "se-vk-private.h"

#define STAGING_BYTES (16u << 20)

/* Block layout of a re-packed type: bytes per block in the file, where its fp16 scale
 * sits in it, and its payload (the rest, a whole number of words). */
typedef struct
{
  SeType type;
  guint block_bytes;
  guint d_offset;
  guint payload_offset;
  guint payload_bytes;
} BlockLayout;

static const BlockLayout block_layouts[] = {
  { SE_TYPE_Q1_0, 18, 0, 2, 16 },
  { SE_TYPE_Q8_0, 34, 0, 2, 32 },
  { SE_TYPE_TQ1_0, 54, 52, 0, 52 },
  { SE_TYPE_TQ2_0, 66, 64, 0, 64 },
};

static const BlockLayout *
block_layout (SeType type)
{
  for (gsize i = 0; i < G_N_ELEMENTS (block_layouts); i++)
    if (block_layouts[i].type == type)
      return &block_layouts[i];
  return NULL;
}

int
_se_vk_type_slot (SeType type)
{
  static const SeType slots[SE_VK_N_TYPES] = { SE_TYPE_F32, SE_TYPE_F16, SE_TYPE_BF16,
                                               SE_TYPE_Q8_0, SE_TYPE_Q1_0, SE_TYPE_TQ1_0,
                                               SE_TYPE_TQ2_0 };

  for (int i = 0; i < SE_VK_N_TYPES; i++)
    if (slots[i] == type)
      return i;
  return -1;
}

static gint
find_memory_type (const SeVkDevice     *dev,
                  guint32               bits,
                  VkMemoryPropertyFlags want,
                  VkMemoryPropertyFlags nice)
{
  gint fallback = -1;

  for (guint32 i = 0; i < dev->mem_props.memoryTypeCount; i++)
    {
      VkMemoryPropertyFlags f = dev->mem_props.memoryTypes[i].propertyFlags;

      if (!(bits & (1u << i)) || (f & want) != want)
        continue;
      if ((f & nice) == nice)
        return (gint) i;
      if (fallback < 0)
        fallback = (gint) i;
    }
  return fallback;
}

gboolean
_se_vk_buffer_new (SeBackendCtx *ctx,
                   SeVkBuffer   *b,
                   VkDeviceSize  size,
                   gboolean      host_visible,
                   GError      **error)
{
  VkDevice d = ctx->dev.device;
  VkBufferCreateInfo info = {
    .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
    .size = MAX (size, 16),
    .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT
             | VK_BUFFER_USAGE_TRANSFER_DST_BIT,
  };
  VkMemoryRequirements req;
  VkMemoryPropertyFlags want = host_visible
    ? VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT
    : VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
  VkMemoryAllocateInfo alloc = { .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO };
  gint type;

  memset (b, 0, sizeof *b);
  if (!_se_vk_check (vkCreateBuffer (d, &info, NULL, &b->buf), "vkCreateBuffer", error))
    return FALSE;
  vkGetBufferMemoryRequirements (d, b->buf, &req);
  type = find_memory_type (&ctx->dev, req.memoryTypeBits, want,
                           host_visible ? VK_MEMORY_PROPERTY_HOST_CACHED_BIT : 0);
  if (type < 0)
    type = find_memory_type (&ctx->dev, req.memoryTypeBits, host_visible ? want : 0, 0);
  alloc.allocationSize = req.size;
  alloc.memoryTypeIndex = (guint32) MAX (type, 0);
  b->size = info.size;
  if (type < 0
      || !_se_vk_check (vkAllocateMemory (d, &alloc, NULL, &b->mem), "allocating a buffer", error)
      || !_se_vk_check (vkBindBufferMemory (d, b->buf, b->mem, 0), "vkBindBufferMemory", error)
      || (host_visible
          && !_se_vk_check (vkMapMemory (d, b->mem, 0, VK_WHOLE_SIZE, 0, &b->map), "vkMapMemory",
                            error)))
    {
      if (type < 0)
        g_set_error (error, SE_ERROR, SE_ERROR_FAILED, "Vulkan: no suitable memory type");
      _se_vk_buffer_free (ctx, b);
      return FALSE;
    }
  return TRUE;
}

void
_se_vk_buffer_free (SeBackendCtx *ctx,
                    SeVkBuffer   *b)
{
  if (b->buf != VK_NULL_HANDLE)
    vkDestroyBuffer (ctx->dev.device, b->buf, NULL);
  if (b->mem != VK_NULL_HANDLE)
    vkFreeMemory (ctx->dev.device, b->mem, NULL);
  memset (b, 0, sizeof *b);
}

gboolean
_se_vk_submit_wait (SeBackendCtx   *ctx,
                    VkCommandBuffer cmd,
                    GError        **error)
{
  VkSubmitInfo submit = {
    .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
    .commandBufferCount = 1,
    .pCommandBuffers = &cmd,
  };
  VkResult res;

  vkResetFences (ctx->dev.device, 1, &ctx->fence);
  res = vkQueueSubmit (ctx->dev.queue, 1, &submit, ctx->fence);
  if (res == VK_SUCCESS)
    res = vkWaitForFences (ctx->dev.device, 1, &ctx->fence, VK_TRUE, UINT64_MAX);
  if (res == VK_ERROR_DEVICE_LOST)
    ctx->lost = TRUE;
  return _se_vk_check (res, "running commands", error);
}

/* Copies @regions of @staging into @dst, one submission, and waits. */
static gboolean
copy_regions (SeBackendCtx       *ctx,
              VkBuffer            staging,
              VkBuffer            dst,
              const VkBufferCopy *regions,
              guint               n_regions,
              GError            **error)
{
  VkCommandBufferAllocateInfo ai = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
    .commandPool = ctx->cmd_pool,
    .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
    .commandBufferCount = 1,
  };
  VkCommandBufferBeginInfo bi = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
    .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
  };
  VkCommandBuffer cmd;
  gboolean ok;

  if (!_se_vk_check (vkAllocateCommandBuffers (ctx->dev.device, &ai, &cmd),
                     "vkAllocateCommandBuffers", error))
    return FALSE;
  vkBeginCommandBuffer (cmd, &bi);
  vkCmdCopyBuffer (cmd, staging, dst, n_regions, regions);
  vkEndCommandBuffer (cmd);
  ok = _se_vk_submit_wait (ctx, cmd, error);
  vkFreeCommandBuffers (ctx->dev.device, ctx->cmd_pool, 1, &cmd);
  return ok;
}

gboolean
_se_vk_fill (SeBackendCtx *ctx,
             SeVkBuffer   *dst,
             const void   *data,
             gsize         size,
             GError      **error)
{
  SeVkBuffer staging;
  VkBufferCopy region = { 0, 0, size };
  gboolean ok;

  if (!_se_vk_buffer_new (ctx, &staging, size, TRUE, error))
    return FALSE;
  memcpy (staging.map, data, size);
  ok = copy_regions (ctx, staging.buf, dst->buf, &region, 1, error);
  _se_vk_buffer_free (ctx, &staging);
  return ok;
}

typedef struct
{
  SeBackendCtx *ctx;
  SeVkBuffer staging;
  const SeBackendParams *params;
  guint64 done, total;
} Upload;

static void
report (Upload *up,
        gsize   n)
{
  up->done += n;
  if (up->params->progress != NULL)
    up->params->progress (up->total ? (double) up->done / (double) up->total : 1.0,
                          up->params->progress_data);
}

/* Block types: chunks of whole blocks, payloads then scales in the staging buffer. */
static gboolean
upload_blocks (Upload              *up,
               const SeGraphTensor *t,
               const BlockLayout   *l,
               SeVkBuffer          *dst,
               guint32              scale_off,
               GError             **error)
{
  gsize n_blocks = t->n_bytes / l->block_bytes;
  gsize per_chunk = STAGING_BYTES / (l->payload_bytes + 2);
  guint8 *st = up->staging.map;

  for (gsize b0 = 0; b0 < n_blocks; b0 += per_chunk)
    {
      gsize n = MIN (per_chunk, n_blocks - b0);
      const guint8 *src = (const guint8 *) t->data + b0 * l->block_bytes;
      VkBufferCopy regions[2] = {
        { 0, b0 * l->payload_bytes, n * l->payload_bytes },
        { n * l->payload_bytes, (gsize) scale_off * 4 + b0 * 2, n * 2 },
      };

      for (gsize i = 0; i < n; i++)
        {
          memcpy (st + i * l->payload_bytes, src + i * l->block_bytes + l->payload_offset,
                  l->payload_bytes);
          memcpy (st + n * l->payload_bytes + i * 2, src + i * l->block_bytes + l->d_offset, 2);
        }
      if (!copy_regions (up->ctx, up->staging.buf, dst->buf, regions, 2, error))
        return FALSE;
      report (up, n * l->block_bytes);
    }
  return TRUE;
}

static gboolean
upload_raw (Upload              *up,
            const SeGraphTensor *t,
            SeVkBuffer          *dst,
            GError             **error)
{
  for (gsize off = 0; off < t->n_bytes; off += STAGING_BYTES)
    {
      gsize n = MIN (STAGING_BYTES, t->n_bytes - off);
      VkBufferCopy region = { 0, off, n };

      memcpy (up->staging.map, (const guint8 *) t->data + off, n);
      if (!copy_regions (up->ctx, up->staging.buf, dst->buf, &region, 1, error))
        return FALSE;
      report (up, n);
    }
  return TRUE;
}

/* The size of tensor @t as the shaders read it, and where its scales start (words). */
static gsize
packed_size (const SeGraphTensor *t,
             guint32             *scale_off)
{
  const BlockLayout *l = block_layout (t->type);
  gsize n_blocks;

  *scale_off = 0;
  if (l == NULL)
    return t->n_bytes;
  n_blocks = t->n_bytes / l->block_bytes;
  *scale_off = (guint32) (n_blocks * l->payload_bytes / 4);
  return n_blocks * l->payload_bytes + (n_blocks + 1) / 2 * 4;
}

static gboolean
upload_one (Upload  *up,
            gint     i,
            GError **error)
{
  SeBackendCtx *ctx = up->ctx;
  const SeGraphTensor *t = se_graph_tensor (ctx->graph, i);
  gsize size = packed_size (t, &ctx->scale_off[i]);
  VkDeviceSize limit = ctx->dev.props.limits.maxStorageBufferRange;

  if (_se_vk_type_slot (t->type) < 0)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED,
                   "Vulkan backend: tensor %s has type %s, which it cannot run", t->name,
                   se_type_name (t->type));
      return FALSE;
    }
  if (size > limit)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED,
                   "Vulkan backend: tensor %s (%zu MiB) is larger than the device's storage "
                   "buffer limit (%" G_GUINT64_FORMAT " MiB)", t->name, size >> 20,
                   (guint64) limit >> 20);
      return FALSE;
    }
  if (!_se_vk_buffer_new (ctx, &ctx->bufs[i], size, FALSE, error))
    {
      g_prefix_error (error, "weight %s (%zu MiB): ", t->name, size >> 20);
      return FALSE;
    }
  if (block_layout (t->type) != NULL)
    return upload_blocks (up, t, block_layout (t->type), &ctx->bufs[i], ctx->scale_off[i], error);
  return upload_raw (up, t, &ctx->bufs[i], error);
}

gboolean
_se_vk_upload_weights (SeBackendCtx          *ctx,
                       const SeBackendParams *params,
                       GError               **error)
{
  const SeGraph *g = ctx->graph;
  Upload up = { .ctx = ctx, .params = params };
  gboolean ok = TRUE;

  for (guint i = 0; i < g->tensors->len; i++)
    if (se_graph_tensor (g, (gint) i)->kind == SE_GRAPH_TENSOR_WEIGHT)
      up.total += se_graph_tensor (g, (gint) i)->n_bytes;
  if (!_se_vk_buffer_new (ctx, &up.staging, STAGING_BYTES, TRUE, error))
    return FALSE;
  for (guint i = 0; ok && i < g->tensors->len; i++)
    if (se_graph_tensor (g, (gint) i)->kind == SE_GRAPH_TENSOR_WEIGHT)
      ok = upload_one (&up, (gint) i, error);
  _se_vk_buffer_free (ctx, &up.staging);
  if (ok && params->progress != NULL && up.total == 0)
    params->progress (1.0, params->progress_data);
  return ok;
}
