/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigModelInfo and the checks a model file must pass. Metadata and validation both go
 * through the engine's public API (se_gguf_open, se_hparams_from_gguf,
 * se_arch_check_tensors, se_tokenizer_new_from_gguf), so a file is refused here for
 * exactly the reason the model loader would refuse it, in the engine's words.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "sprig/se-arch.h"
#include "sprig/se-gguf.h"
#include "sprig/se-tokenizer.h"
#include "sprig/se-types.h"
#include "sprig-models-private.h"

G_DEFINE_QUARK (sprig-models-error-quark, sprig_models_error)
G_DEFINE_BOXED_TYPE (SprigModelInfo, sprig_model_info, sprig_model_info_copy,
                     sprig_model_info_free)

SprigModelInfo *
sprig_model_info_copy (const SprigModelInfo *info)
{
  SprigModelInfo *copy = g_new0 (SprigModelInfo, 1);

  *copy = *info;
  copy->path = g_strdup (info->path);
  copy->file_name = g_strdup (info->file_name);
  copy->display_name = g_strdup (info->display_name);
  copy->architecture = g_strdup (info->architecture);
  copy->quantization = g_strdup (info->quantization);
  copy->source = g_strdup (info->source);
  copy->sha256 = g_strdup (info->sha256);
  copy->error = g_strdup (info->error);
  return copy;
}

void
sprig_model_info_free (SprigModelInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->path);
  g_free (info->file_name);
  g_free (info->display_name);
  g_free (info->architecture);
  g_free (info->quantization);
  g_free (info->source);
  g_free (info->sha256);
  g_free (info->error);
  g_free (info);
}

/* Parameter count and the type that holds most of the weights (by element count, so
 * that Q1_0 wins over the F32 norms of a Bonsai file). */
static void
read_tensor_stats (const SeGguf   *gguf,
                   SprigModelInfo *info)
{
  guint64 per_type[SE_TYPE_COUNT] = { 0 };
  gint best = -1;

  for (gsize i = 0; i < se_gguf_get_n_tensors (gguf); i++)
    {
      const SeGgufTensor *t = se_gguf_get_tensor (gguf, i);
      guint64 n = (guint64) t->ne[0] * (guint64) t->ne[1] * (guint64) t->ne[2]
                  * (guint64) t->ne[3];

      info->n_params += n;
      if ((guint) t->type < SE_TYPE_COUNT)
        per_type[t->type] += n;
    }
  for (gint t = 0; t < SE_TYPE_COUNT; t++)
    if (per_type[t] > 0 && (best < 0 || per_type[t] > per_type[best]))
      best = t;
  if (best >= 0)
    info->quantization = g_strdup (se_type_name ((SeType) best));
}

static void
read_metadata (const SeGguf   *gguf,
               SprigModelInfo *info)
{
  const char *arch = NULL, *name = NULL;
  guint64 ctx = 0;

  if (se_gguf_get_string (gguf, "general.architecture", &arch, NULL, NULL))
    {
      g_autofree char *key = g_strconcat (arch, ".context_length", NULL);

      info->architecture = g_strdup (arch);
      if (se_gguf_get_uint (gguf, key, &ctx, NULL))
        info->context_length = (guint32) MIN (ctx, G_MAXUINT32);
    }
  if (se_gguf_get_string (gguf, "general.name", &name, NULL, NULL) && *name != '\0'
      && g_utf8_validate (name, -1, NULL))
    {
      g_free (info->display_name);
      info->display_name = g_strdup (name);
    }
  read_tensor_stats (gguf, info);
}

/* The structure the model loader relies on: a known architecture, sane hyper-parameters
 * and every tensor it needs with the right shape. Tensor types were checked by
 * se_gguf_open already (it refuses a type the engine cannot run). */
static gboolean
check_structure (const SeGguf *gguf,
                 SeHParams    *hp,
                 GError      **error)
{
  return se_hparams_from_gguf (gguf, hp, error) && se_arch_check_tensors (hp, gguf, error);
}

static gboolean
check_tokenizer (SeGguf          *gguf,
                 const SeHParams *hp,
                 GError         **error)
{
  g_autoptr(SeTokenizer) tok = se_tokenizer_new_from_gguf (gguf, error);

  if (tok == NULL)
    return FALSE;
  if (se_tokenizer_get_n_vocab (tok) > hp->n_vocab)
    {
      g_set_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_INVALID_MODEL,
                   "the vocabulary has %zu tokens but token_embd.weight only %u rows",
                   se_tokenizer_get_n_vocab (tok), hp->n_vocab);
      return FALSE;
    }
  return TRUE;
}

static void
set_invalid (GError    **error,
             const char *path,
             GError     *reason)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *prefix = g_strconcat (path, ": ", NULL);
  const char *why = reason->message;

  /* The reader names the file it opened; the message names it once already. */
  if (g_str_has_prefix (why, prefix))
    why += strlen (prefix);
  g_set_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_INVALID_MODEL,
               _("“%s” is not a model Sprig can use: %s%s"), base, why,
               g_str_has_suffix (why, ".") ? "" : ".");
}

gboolean
sprig_model_validate (const char *path,
                      GError    **error)
{
  g_autoptr(SeGguf) gguf = NULL;
  g_autoptr(GError) reason = NULL;
  SeHParams hp;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if ((gguf = se_gguf_open (path, &reason)) == NULL
      || !check_structure (gguf, &hp, &reason)
      || !check_tokenizer (gguf, &hp, &reason))
    {
      set_invalid (error, path, reason);
      return FALSE;
    }
  return TRUE;
}

static void
read_sidecar (SprigModelInfo *info,
              gint64          mtime)
{
  SprigModelSidecar sidecar = { 0 };
  g_autoptr(GError) local = NULL;

  info->added = mtime;
  if (!_sprig_model_sidecar_read (info->path, &sidecar, &local))
    {
      if (!g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_debug ("Ignoring the sidecar of %s: %s", info->path, local->message);
      return;
    }
  info->source = g_steal_pointer (&sidecar.source);
  info->sha256 = g_steal_pointer (&sidecar.sha256);
  info->verified = sidecar.verified;
  if (sidecar.added > 0)
    info->added = sidecar.added;
  _sprig_model_sidecar_clear (&sidecar);
}

SprigModelInfo *
sprig_model_info_read (const char *path,
                       GError    **error)
{
  g_autoptr(SprigModelInfo) info = g_new0 (SprigModelInfo, 1);
  g_autoptr(SeGguf) gguf = NULL;
  g_autoptr(GError) reason = NULL;
  GStatBuf st;
  SeHParams hp;

  g_return_val_if_fail (path != NULL, NULL);

  if (g_stat (path, &st) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _("Could not read “%s”: %s"), path, g_strerror (saved));
      return NULL;
    }
  info->path = g_strdup (path);
  info->file_name = g_path_get_basename (path);
  info->display_name = g_str_has_suffix (info->file_name, ".gguf")
    ? g_strndup (info->file_name, strlen (info->file_name) - 5) : g_strdup (info->file_name);
  info->file_size = (guint64) st.st_size;
  info->is_symlink = g_file_test (path, G_FILE_TEST_IS_SYMLINK);
  read_sidecar (info, (gint64) st.st_mtime);

  if ((gguf = se_gguf_open (path, &reason)) != NULL)
    read_metadata (gguf, info);
  if (gguf == NULL || !check_structure (gguf, &hp, &reason))
    info->error = g_strdup (reason->message);
  return g_steal_pointer (&info);
}
