/* SPDX-License-Identifier: Apache-2.0
 *
 * The architecture table: GGUF metadata keys of the hyper-parameters and the tensor
 * names and shapes of qwen3 (Bonsai), llama and bitnet (b1.58-2B-4T). Names follow
 * llama.cpp's GGUF conventions so real files load; shapes are ggml order, ne[0] the
 * row length (the input dimension of a linear layer).
 */
#include "config.h"

#include "sprig/se-arch.h"
#include "sprig/se-error.h"

static const char *const arch_names[] = {
  [SE_ARCH_QWEN3] = "qwen3",
  [SE_ARCH_LLAMA] = "llama",
  [SE_ARCH_BITNET] = "bitnet",
};

const char *
se_arch_name (SeArch arch)
{
  g_return_val_if_fail (arch < G_N_ELEMENTS (arch_names), NULL);
  return arch_names[arch];
}

gboolean
se_arch_from_name (const char *name,
                   SeArch     *out,
                   GError    **error)
{
  for (gsize i = 0; i < G_N_ELEMENTS (arch_names); i++)
    if (g_strcmp0 (name, arch_names[i]) == 0)
      {
        *out = (SeArch) i;
        return TRUE;
      }
  g_set_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED,
               "general.architecture: “%s” is not an architecture Sprig can run "
               "(supported: qwen3, llama, bitnet)", name ? name : "(none)");
  return FALSE;
}

static gboolean
get_u32 (const SeGguf *gguf,
         const char   *arch,
         const char   *suffix,
         guint32      *out,
         GError      **error)
{
  g_autofree char *key = g_strconcat (arch, ".", suffix, NULL);
  guint64 v;

  if (!se_gguf_get_uint (gguf, key, &v, error))
    return FALSE;
  if (v == 0 || v > G_MAXINT32)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID, "%s: %" G_GUINT64_FORMAT
                   " is out of range", key, v);
      return FALSE;
    }
  *out = (guint32) v;
  return TRUE;
}

static gboolean
get_f32 (const SeGguf *gguf,
         const char   *arch,
         const char   *suffix,
         float         fallback,
         float        *out,
         GError      **error)
{
  g_autofree char *key = g_strconcat (arch, ".", suffix, NULL);

  if (!se_gguf_has_key (gguf, key))
    {
      *out = fallback;
      return TRUE;
    }
  return se_gguf_get_f32 (gguf, key, out, error);
}

/* Reads every hyper-parameter from metadata. Optional keys get llama.cpp's defaults
 * (key_length = n_embd / n_head, head_count_kv = head_count, rope base 10000). */
gboolean
se_hparams_from_gguf (const SeGguf *gguf,
                      SeHParams    *hp,
                      GError      **error)
{
  const char *arch = NULL;
  g_autofree char *kv_key = NULL, *kl_key = NULL;
  const SeGgufTensor *embd;

  memset (hp, 0, sizeof *hp);
  if (!se_gguf_get_string (gguf, "general.architecture", &arch, NULL, error)
      || !se_arch_from_name (arch, &hp->arch, error)
      || !get_u32 (gguf, arch, "block_count", &hp->n_layer, error)
      || !get_u32 (gguf, arch, "embedding_length", &hp->n_embd, error)
      || !get_u32 (gguf, arch, "feed_forward_length", &hp->n_ff, error)
      || !get_u32 (gguf, arch, "attention.head_count", &hp->n_head, error)
      || !get_u32 (gguf, arch, "context_length", &hp->n_ctx_train, error)
      || !get_f32 (gguf, arch, "rope.freq_base", 10000.0f, &hp->rope_freq_base, error)
      || !get_f32 (gguf, arch, "attention.layer_norm_rms_epsilon", 1e-5f, &hp->norm_eps, error))
    return FALSE;

  kv_key = g_strconcat (arch, ".attention.head_count_kv", NULL);
  hp->n_head_kv = hp->n_head;
  if (se_gguf_has_key (gguf, kv_key) && !get_u32 (gguf, arch, "attention.head_count_kv",
                                                  &hp->n_head_kv, error))
    return FALSE;
  kl_key = g_strconcat (arch, ".attention.key_length", NULL);
  hp->head_dim = hp->n_embd / hp->n_head;
  if (se_gguf_has_key (gguf, kl_key) && !get_u32 (gguf, arch, "attention.key_length",
                                                  &hp->head_dim, error))
    return FALSE;

  embd = se_gguf_find_tensor (gguf, "token_embd.weight");
  if (embd == NULL)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_NOT_FOUND, "tensor “token_embd.weight” is missing");
      return FALSE;
    }
  hp->n_vocab = (guint32) MIN (embd->ne[1], G_MAXUINT32);
  hp->tied_output = se_gguf_find_tensor (gguf, "output.weight") == NULL;
  return se_hparams_validate (hp, error);
}

/* Relations between hyper-parameters that the forward pass relies on. */
gboolean
se_hparams_validate (const SeHParams *hp,
                     GError         **error)
{
  if (hp->n_layer == 0 || hp->n_embd == 0 || hp->n_head == 0 || hp->n_head_kv == 0
      || hp->head_dim == 0 || hp->n_ff == 0 || hp->n_vocab == 0 || hp->n_ctx_train == 0)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID, "a hyper-parameter is zero");
      return FALSE;
    }
  if (hp->n_head % hp->n_head_kv != 0)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "attention.head_count %u is not a multiple of head_count_kv %u",
                   hp->n_head, hp->n_head_kv);
      return FALSE;
    }
  if (hp->head_dim % 2 != 0 || hp->head_dim > 1024 || hp->n_layer > 1024)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "head dimension %u or block count %u is unsupported", hp->head_dim,
                   hp->n_layer);
      return FALSE;
    }
  if (!(hp->norm_eps > 0.0f && hp->norm_eps < 1.0f) || !(hp->rope_freq_base > 0.0f))
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "rms epsilon %g or rope base %g is out of range", hp->norm_eps,
                   hp->rope_freq_base);
      return FALSE;
    }
  return TRUE;
}

static void
set_u32 (SeGgufWriter *w,
         const char   *arch,
         const char   *suffix,
         guint32       v)
{
  g_autofree char *key = g_strconcat (arch, ".", suffix, NULL);

  se_gguf_writer_set_u32 (w, key, v);
}

static void
set_f32 (SeGgufWriter *w,
         const char   *arch,
         const char   *suffix,
         float         v)
{
  g_autofree char *key = g_strconcat (arch, ".", suffix, NULL);

  se_gguf_writer_set_f32 (w, key, v);
}

void
se_hparams_to_gguf (const SeHParams *hp,
                    SeGgufWriter    *w)
{
  const char *a = se_arch_name (hp->arch);

  se_gguf_writer_set_string (w, "general.architecture", a);
  set_u32 (w, a, "block_count", hp->n_layer);
  set_u32 (w, a, "context_length", hp->n_ctx_train);
  set_u32 (w, a, "embedding_length", hp->n_embd);
  set_u32 (w, a, "feed_forward_length", hp->n_ff);
  set_u32 (w, a, "attention.head_count", hp->n_head);
  set_u32 (w, a, "attention.head_count_kv", hp->n_head_kv);
  set_u32 (w, a, "attention.key_length", hp->head_dim);
  set_u32 (w, a, "attention.value_length", hp->head_dim);
  set_u32 (w, a, "vocab_size", hp->n_vocab);
  set_f32 (w, a, "rope.freq_base", hp->rope_freq_base);
  set_f32 (w, a, "attention.layer_norm_rms_epsilon", hp->norm_eps);
}

static void
add_spec (GArray      *specs,
          SeTensorRole role,
          gint64       ne0,
          gint64       ne1,
          const char  *format,
          ...) G_GNUC_PRINTF (5, 6);

static void
add_spec (GArray      *specs,
          SeTensorRole role,
          gint64       ne0,
          gint64       ne1,
          const char  *format,
          ...)
{
  SeTensorSpec s = { .role = role, .n_dims = ne1 > 0 ? 2 : 1, .ne = { ne0, ne1 > 0 ? ne1 : 1 } };
  va_list args;

  va_start (args, format);
  s.name = g_strdup_vprintf (format, args);
  va_end (args);
  g_array_append_val (specs, s);
}

static void
clear_spec (gpointer data)
{
  g_free (((SeTensorSpec *) data)->name);
}

static void
add_layer_specs (GArray          *specs,
                 const SeHParams *hp,
                 guint            il)
{
  gint64 q = (gint64) hp->n_head * hp->head_dim, kv = (gint64) hp->n_head_kv * hp->head_dim;

  add_spec (specs, SE_TENSOR_ROLE_NORM, hp->n_embd, 0, "blk.%u.attn_norm.weight", il);
  add_spec (specs, SE_TENSOR_ROLE_LINEAR, hp->n_embd, q, "blk.%u.attn_q.weight", il);
  add_spec (specs, SE_TENSOR_ROLE_LINEAR, hp->n_embd, kv, "blk.%u.attn_k.weight", il);
  add_spec (specs, SE_TENSOR_ROLE_LINEAR, hp->n_embd, kv, "blk.%u.attn_v.weight", il);
  if (hp->arch == SE_ARCH_QWEN3)
    {
      add_spec (specs, SE_TENSOR_ROLE_NORM, hp->head_dim, 0, "blk.%u.attn_q_norm.weight", il);
      add_spec (specs, SE_TENSOR_ROLE_NORM, hp->head_dim, 0, "blk.%u.attn_k_norm.weight", il);
    }
  if (hp->arch == SE_ARCH_BITNET)
    add_spec (specs, SE_TENSOR_ROLE_NORM, q, 0, "blk.%u.attn_sub_norm.weight", il);
  add_spec (specs, SE_TENSOR_ROLE_LINEAR, q, hp->n_embd, "blk.%u.attn_output.weight", il);
  add_spec (specs, SE_TENSOR_ROLE_NORM, hp->n_embd, 0, "blk.%u.ffn_norm.weight", il);
  add_spec (specs, SE_TENSOR_ROLE_LINEAR, hp->n_embd, hp->n_ff, "blk.%u.ffn_gate.weight", il);
  add_spec (specs, SE_TENSOR_ROLE_LINEAR, hp->n_embd, hp->n_ff, "blk.%u.ffn_up.weight", il);
  if (hp->arch == SE_ARCH_BITNET)
    add_spec (specs, SE_TENSOR_ROLE_NORM, hp->n_ff, 0, "blk.%u.ffn_sub_norm.weight", il);
  add_spec (specs, SE_TENSOR_ROLE_LINEAR, hp->n_ff, hp->n_embd, "blk.%u.ffn_down.weight", il);
}

/* Every tensor the architecture needs, in llama.cpp's file order. Free with
 * g_array_unref. */
GArray *
se_arch_tensor_specs (const SeHParams *hp)
{
  GArray *specs = g_array_new (FALSE, TRUE, sizeof (SeTensorSpec));

  g_array_set_clear_func (specs, clear_spec);
  add_spec (specs, SE_TENSOR_ROLE_EMBEDDING, hp->n_embd, hp->n_vocab, "token_embd.weight");
  for (guint il = 0; il < hp->n_layer; il++)
    add_layer_specs (specs, hp, il);
  add_spec (specs, SE_TENSOR_ROLE_NORM, hp->n_embd, 0, "output_norm.weight");
  if (!hp->tied_output)
    add_spec (specs, SE_TENSOR_ROLE_OUTPUT, hp->n_embd, hp->n_vocab, "output.weight");
  return specs;
}

/* Checks that @gguf has every tensor of the architecture with the expected shape. */
gboolean
se_arch_check_tensors (const SeHParams *hp,
                       const SeGguf    *gguf,
                       GError         **error)
{
  g_autoptr(GArray) specs = se_arch_tensor_specs (hp);

  for (guint i = 0; i < specs->len; i++)
    {
      const SeTensorSpec *s = &g_array_index (specs, SeTensorSpec, i);
      const SeGgufTensor *t = se_gguf_find_tensor (gguf, s->name);

      if (t == NULL)
        {
          g_set_error (error, SE_ERROR, SE_ERROR_NOT_FOUND, "tensor “%s” is missing", s->name);
          return FALSE;
        }
      if (t->ne[0] != s->ne[0] || t->ne[1] != s->ne[1] || t->ne[2] != 1 || t->ne[3] != 1)
        {
          g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                       "tensor “%s” has shape [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                       "], expected [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]",
                       s->name, t->ne[0], t->ne[1], s->ne[0], s->ne[1]);
          return FALSE;
        }
    }
  return TRUE;
}
