/* SPDX-License-Identifier: Apache-2.0
 *
 * Entry point and ABI v1 function table of the Vulkan backend plugin. init opens the
 * device, builds the pipelines, allocates the activation buffers and uploads every
 * weight once; kv_new makes a device-resident fp16 cache (per layer) with its rope
 * table and the scratch of split attention; compute writes pos0 and the tokens to the
 * host buffer, submits the recorded pass for this shape and copies back only the logits
 * rows asked for.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gio/gio.h>
#include <gmodule.h>

#include "se-vk-private.h"

SE_PLUGIN_EXPORT const SePluginHeader *sprig_plugin_entry (void);
/* For the tests: validation-layer errors and warnings seen by this process. */
SE_PLUGIN_EXPORT guint sprig_vulkan_validation_messages (void);

guint
sprig_vulkan_validation_messages (void)
{
  return _se_vk_validation_count ();
}

/* GModule calls this when it opens the plugin: the plugin stays loaded for the rest of
 * the process, since the process's VkInstance (se-vk-device.c) lives here. */
SE_PLUGIN_EXPORT const gchar *g_module_check_init (GModule *module);

const gchar *
g_module_check_init (GModule *module)
{
  g_module_make_resident (module);
  return NULL;
}

static void
vk_free (SeBackendCtx *ctx)
{
  const SeGraph *g = ctx->graph;

  if (ctx->profile)
    _se_vk_profile_print (ctx);
  if (ctx->dev.device != VK_NULL_HANDLE)
    {
      vkDeviceWaitIdle (ctx->dev.device);
      for (guint i = 0; ctx->bufs != NULL && i < g->tensors->len; i++)
        _se_vk_buffer_free (ctx, &ctx->bufs[i]);
      _se_vk_buffer_free (ctx, &ctx->host);
      _se_vk_buffer_free (ctx, &ctx->logits);
      _se_vk_buffer_free (ctx, &ctx->readback);
      _se_vk_buffer_free (ctx, &ctx->dummy);
      _se_vk_pipelines_free (ctx);
      if (ctx->fence != VK_NULL_HANDLE)
        vkDestroyFence (ctx->dev.device, ctx->fence, NULL);
      if (ctx->cmd_pool != VK_NULL_HANDLE)
        vkDestroyCommandPool (ctx->dev.device, ctx->cmd_pool, NULL);
    }
  _se_vk_device_close (&ctx->dev);
  g_free (ctx->bufs);
  g_free (ctx->fuse);
  g_free (ctx->prof_op_ns);
  g_free (ctx->scale_off);
  g_free (ctx);
}

/* What the shaders assume of the graph; anything else is refused up front. */
static gboolean
check_graph (SeBackendCtx *ctx,
             GError      **error)
{
  const SeGraph *g = ctx->graph;

  for (guint i = 0; i < g->ops->len; i++)
    {
      const SeOp *op = se_graph_op (g, i);
      const char *why = NULL;

      if (op->kind == SE_OP_ROPE)
        {
          if (ctx->rope_dim != 0 && (ctx->rope_dim != op->p.rope.head_dim
                                     || ctx->rope_base != op->p.rope.freq_base))
            why = "rope ops with different head sizes or bases";
          else if (se_graph_tensor (g, op->dst)->ne0 != op->p.rope.n_head * op->p.rope.head_dim)
            why = "a rope over part of a row";
          ctx->rope_dim = op->p.rope.head_dim;
          ctx->rope_base = op->p.rope.freq_base;
        }
      if (op->kind == SE_OP_ATTENTION
          && (op->p.attn.head_dim > 256 || op->p.attn.head_dim % 2 != 0 || g->n_kv_width % 2 != 0))
        why = "a head size above 256 or odd";
      if (op->kind == SE_OP_RMS_NORM && se_graph_tensor (g, op->src[1])->type != SE_TYPE_F32)
        why = "a norm weight that is not F32";
      if (op->kind == SE_OP_MATMUL && op->dst == op->src[0])
        why = "a matmul in place";
      if (why != NULL)
        {
          g_set_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED,
                       "Vulkan backend: the graph has %s (op %u, %s)", why, i,
                       se_op_name (op->kind));
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
alloc_buffers (SeBackendCtx *ctx,
               GError      **error)
{
  const SeGraph *g = ctx->graph;
  gsize row_bytes = (gsize) g->n_vocab * 4;
  VkDeviceSize limit = ctx->dev.props.limits.maxStorageBufferRange;

  ctx->logit_rows = (guint) CLAMP (limit / row_bytes, 1, ctx->max_tokens);
  if (!_se_vk_buffer_new (ctx, &ctx->host, 16 + 4 * (gsize) ctx->max_tokens, TRUE, error)
      || !_se_vk_buffer_new (ctx, &ctx->dummy, 16, FALSE, error)
      || !_se_vk_buffer_new (ctx, &ctx->logits, ctx->logit_rows * row_bytes, FALSE, error)
      || !_se_vk_buffer_new (ctx, &ctx->readback, row_bytes, TRUE, error))
    return FALSE;
  ctx->readback_rows = 1;
  for (guint i = 0; i < g->tensors->len; i++)
    {
      const SeGraphTensor *t = se_graph_tensor (g, (gint) i);

      if (t->kind == SE_GRAPH_TENSOR_ACT
          && !_se_vk_buffer_new (ctx, &ctx->bufs[i], (gsize) t->ne0 * ctx->max_tokens * 4, FALSE,
                                 error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
setup (SeBackendCtx          *ctx,
       const SeBackendParams *params,
       GError               **error)
{
  VkCommandPoolCreateInfo pi = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
    .queueFamilyIndex = ctx->dev.queue_family,
  };
  VkFenceCreateInfo fi = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };

  return _se_vk_check (vkCreateCommandPool (ctx->dev.device, &pi, NULL, &ctx->cmd_pool),
                       "vkCreateCommandPool", error)
         && _se_vk_check (vkCreateFence (ctx->dev.device, &fi, NULL, &ctx->fence),
                          "vkCreateFence", error)
         && _se_vk_pipelines_new (ctx, error)
         && alloc_buffers (ctx, error)
         && _se_vk_upload_weights (ctx, params, error);
}

static SeBackendCtx *
vk_init (const SeGraph         *graph,
         const SeBackendParams *params,
         GError               **error)
{
  SeBackendCtx *ctx = g_new0 (SeBackendCtx, 1);
  gboolean validation = g_strcmp0 (g_getenv ("SPRIG_VULKAN_VALIDATION"), "1") == 0;

  ctx->graph = graph;
  {
    const char *profile = g_getenv ("SPRIG_VULKAN_PROFILE");

    ctx->profile = profile != NULL ? (guint) MIN (g_ascii_strtoull (profile, NULL, 10), 2) : 0;
    if (ctx->profile == 2)
      ctx->prof_op_ns = g_new0 (double, graph->ops->len);
  }
  ctx->max_tokens = MAX (params->max_tokens, 1);
  ctx->bufs = g_new0 (SeVkBuffer, graph->tensors->len);
  ctx->scale_off = g_new0 (guint32, graph->tensors->len);
  ctx->fuse = g_new0 (guint8, graph->ops->len);
  if (g_strcmp0 (g_getenv ("SPRIG_VULKAN_NO_FUSION"), "1") != 0)
    _se_vk_plan_fusions (ctx);
  if (!check_graph (ctx, error)
      || !_se_vk_device_open (&ctx->dev, validation, error)
      || !setup (ctx, params, error))
    {
      vk_free (ctx);
      return NULL;
    }
  _se_vk_describe (&ctx->dev, ctx->description, sizeof ctx->description);
  return ctx;
}

static void
vk_kv_free (SeBackendCtx *ctx,
            SeBackendKv  *kv)
{
  for (guint i = 0; i < SE_VK_N_PROGRAMS; i++)
    _se_vk_program_clear (ctx, &kv->programs[i]);
  if (kv->pool != VK_NULL_HANDLE)
    vkDestroyDescriptorPool (ctx->dev.device, kv->pool, NULL);
  for (guint l = 0; l < ctx->graph->n_layer; l++)
    {
      _se_vk_buffer_free (ctx, &kv->k[l]);
      _se_vk_buffer_free (ctx, &kv->v[l]);
    }
  _se_vk_buffer_free (ctx, &kv->rope);
  _se_vk_buffer_free (ctx, &kv->partials);
  g_free (kv->k);
  g_free (kv->v);
  g_free (kv->sets);
  g_free (kv);
}

/* cos and sin of every position and pair, in double as the reference computes them. */
static gboolean
fill_rope (SeBackendCtx *ctx,
           SeBackendKv  *kv,
           GError      **error)
{
  guint half = MAX (ctx->rope_dim / 2, 1);
  gsize n = (gsize) kv->n_ctx * half * 2;
  g_autofree float *cs = g_try_new (float, n);

  if (cs == NULL)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_FAILED, "Not enough memory for the rope table");
      return FALSE;
    }
  for (guint p = 0; p < kv->n_ctx; p++)
    for (guint i = 0; i < half; i++)
      {
        double theta = ctx->rope_dim == 0 ? 0.0
          : (double) p * pow (ctx->rope_base, -2.0 * i / (double) ctx->rope_dim);

        cs[((gsize) p * half + i) * 2] = (float) cos (theta);
        cs[((gsize) p * half + i) * 2 + 1] = (float) sin (theta);
      }
  return _se_vk_buffer_new (ctx, &kv->rope, n * 4, FALSE, error)
         && _se_vk_fill (ctx, &kv->rope, cs, n * 4, error);
}

/* Zeroes the cache, as the reference's is, so that no stale row is ever NaN. */
static gboolean
clear_cache (SeBackendCtx *ctx,
             SeBackendKv  *kv,
             GError      **error)
{
  VkCommandBufferAllocateInfo ai = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
    .commandPool = ctx->cmd_pool,
    .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
    .commandBufferCount = 1,
  };
  VkCommandBufferBeginInfo bi = { .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO };
  VkCommandBuffer cmd;
  gboolean ok;

  if (!_se_vk_check (vkAllocateCommandBuffers (ctx->dev.device, &ai, &cmd),
                     "vkAllocateCommandBuffers", error))
    return FALSE;
  vkBeginCommandBuffer (cmd, &bi);
  for (guint l = 0; l < ctx->graph->n_layer; l++)
    {
      vkCmdFillBuffer (cmd, kv->k[l].buf, 0, VK_WHOLE_SIZE, 0);
      vkCmdFillBuffer (cmd, kv->v[l].buf, 0, VK_WHOLE_SIZE, 0);
    }
  vkEndCommandBuffer (cmd);
  ok = _se_vk_submit_wait (ctx, cmd, error);
  vkFreeCommandBuffers (ctx->dev.device, ctx->cmd_pool, 1, &cmd);
  return ok;
}

static SeBackendKv *
vk_kv_new (SeBackendCtx *ctx,
           guint         n_ctx,
           GError      **error)
{
  const SeGraph *g = ctx->graph;
  SeBackendKv *kv = g_new0 (SeBackendKv, 1);
  gsize layer_bytes = (gsize) MAX (n_ctx, 1) * g->n_kv_width * 2;
  gsize partial_bytes = _se_vk_attn_partials_size (ctx, n_ctx);
  gboolean ok = layer_bytes <= ctx->dev.props.limits.maxStorageBufferRange;

  kv->n_ctx = n_ctx;
  kv->k = g_new0 (SeVkBuffer, g->n_layer);
  kv->v = g_new0 (SeVkBuffer, g->n_layer);
  if (!ok)
    g_set_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED,
                 "Vulkan backend: a KV cache of %u tokens needs %zu MiB per layer, more than "
                 "the device's storage buffer limit", n_ctx, layer_bytes >> 20);
  for (guint l = 0; ok && l < g->n_layer; l++)
    ok = _se_vk_buffer_new (ctx, &kv->k[l], layer_bytes, FALSE, error)
         && _se_vk_buffer_new (ctx, &kv->v[l], layer_bytes, FALSE, error);
  if (ok && partial_bytes > 0)
    ok = _se_vk_buffer_new (ctx, &kv->partials, partial_bytes, FALSE, error);
  if (ok)
    ok = clear_cache (ctx, kv, error) && fill_rope (ctx, kv, error)
         && _se_vk_kv_bind (ctx, kv, error);
  if (!ok)
    {
      g_prefix_error (error, "KV cache of %u tokens: ", n_ctx);
      vk_kv_free (ctx, kv);
      return NULL;
    }
  return kv;
}

static gboolean
check_call (SeBackendCtx *ctx,
            SeBackendKv  *kv,
            const gint32 *tokens,
            guint         n_tokens,
            guint         pos0,
            GError      **error)
{
  if (!se_backend_check_call (ctx->graph, ctx->max_tokens, kv->n_ctx, tokens, n_tokens, pos0,
                              error))
    return FALSE;
  if (ctx->lost)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_FAILED, "Vulkan: the GPU device was lost");
      return FALSE;
    }
  return TRUE;
}

/* Grows the read-back buffer to @rows rows; recorded passes copy into it, so they are
 * recorded again. */
static gboolean
ensure_readback (SeBackendCtx *ctx,
                 guint         rows,
                 GError      **error)
{
  if (rows <= ctx->readback_rows)
    return TRUE;
  _se_vk_buffer_free (ctx, &ctx->readback);
  ctx->generation++;
  ctx->readback_rows = 0;
  if (!_se_vk_buffer_new (ctx, &ctx->readback, (gsize) rows * ctx->graph->n_vocab * 4, TRUE,
                          error))
    return FALSE;
  ctx->readback_rows = rows;
  return TRUE;
}

static gboolean
cancelled (const gint *cancel,
           GError    **error)
{
  if (cancel == NULL || !g_atomic_int_get (cancel))
    return FALSE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
  return TRUE;
}

static gboolean
vk_compute (SeBackendCtx *ctx,
            SeBackendKv  *kv,
            const gint32 *tokens,
            guint         n_tokens,
            guint         pos0,
            gboolean      all_logits,
            float        *logits,
            const gint   *cancel,
            GError      **error)
{
  guint rows = all_logits ? n_tokens : 1;
  guint32 *host = ctx->host.map;
  SeVkProgram *prog;

  if (!check_call (ctx, kv, tokens, n_tokens, pos0, error) || cancelled (cancel, error)
      || !ensure_readback (ctx, rows, error))
    return FALSE;
  host[0] = pos0;
  host[1] = n_tokens;
  memcpy (host + 4, tokens, n_tokens * sizeof (gint32));
  prog = _se_vk_program_get (ctx, kv, n_tokens, all_logits, error);
  if (prog == NULL)
    return FALSE;
  for (guint s = 0; s < prog->n_segments; s++)
    if ((s > 0 && cancelled (cancel, error)) || !_se_vk_submit_wait (ctx, prog->cmd[s], error))
      return FALSE;
  if (ctx->profile)
    _se_vk_profile_collect (ctx, prog);
  memcpy (logits, ctx->readback.map, (gsize) rows * ctx->graph->n_vocab * sizeof (float));
  return TRUE;
}

static const char *
vk_describe (SeBackendCtx *ctx)
{
  return ctx->description;
}

static int
vk_probe (char *reason,
          gsize reason_size)
{
  return _se_vk_probe (reason, reason_size);
}

static const SeBackendIface vulkan_iface = {
  .base = {
    .abi_version = SE_PLUGIN_ABI_VERSION,
    .struct_size = sizeof (SeBackendIface),
    .kind = SE_PLUGIN_KIND_BACKEND,
    .name = "vulkan",
    .description = "Vulkan compute backend (SPIR-V shaders)",
    .probe = vk_probe,
  },
  .init = vk_init,
  .free = vk_free,
  .kv_new = vk_kv_new,
  .kv_free = vk_kv_free,
  .compute = vk_compute,
  .describe = vk_describe,
  .query_device = _se_vk_query_device,
};

const SePluginHeader *
sprig_plugin_entry (void)
{
  return &vulkan_iface.base;
}
