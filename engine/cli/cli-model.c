/* SPDX-License-Identifier: Apache-2.0
 *
 * Opens a model file for the CLI: GGUF, hyper-parameters and tensor shapes checked
 * against the architecture, tokenizer, chat template (named by the tokenizer's
 * BOS/EOS pieces). Each failure is prefixed with the file name.
 */
#include "config.h"

#include "sprig/se-error.h"
#include "cli-model.h"

static char *
token_text (SeTokenizer *tok,
            gint32       id)
{
  gsize len = 0;
  const char *piece;

  if (id < 0)
    return NULL;
  piece = se_tokenizer_token_to_piece (tok, id, &len);
  return piece ? g_strndup (piece, len) : NULL;
}

gboolean
cli_model_open (CliModel   *model,
                const char *path,
                GError    **error)
{
  const char *source = NULL;
  g_autofree char *bos = NULL, *eos = NULL;

  memset (model, 0, sizeof *model);
  model->gguf = se_gguf_open (path, error);
  if (model->gguf == NULL
      || !se_hparams_from_gguf (model->gguf, &model->hp, error)
      || !se_arch_check_tensors (&model->hp, model->gguf, error))
    goto fail;
  model->tokenizer = se_tokenizer_new_from_gguf (model->gguf, error);
  if (model->tokenizer == NULL)
    goto fail;
  if (se_gguf_has_key (model->gguf, "tokenizer.chat_template")
      && !se_gguf_get_string (model->gguf, "tokenizer.chat_template", &source, NULL, error))
    goto fail;
  bos = token_text (model->tokenizer, se_tokenizer_get_bos (model->tokenizer));
  eos = token_text (model->tokenizer, se_tokenizer_get_eos (model->tokenizer));
  model->chat_template = se_chat_template_new (source, bos, eos, error);
  if (model->chat_template == NULL)
    goto fail;
  return TRUE;

fail:
  g_prefix_error (error, "%s: ", path);
  cli_model_clear (model);
  return FALSE;
}

void
cli_model_clear (CliModel *model)
{
  g_clear_pointer (&model->chat_template, se_chat_template_free);
  g_clear_pointer (&model->tokenizer, se_tokenizer_unref);
  g_clear_pointer (&model->gguf, se_gguf_free);
}
