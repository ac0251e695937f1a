/* SPDX-License-Identifier: Apache-2.0
 *
 * Opens a GGUF model for the CLI subcommands: the file, its hyper-parameters, its
 * tokenizer and its chat template, each step a clear error.
 */
#pragma once

#include "sprig/se-arch.h"
#include "sprig/se-chat.h"
#include "sprig/se-gguf.h"
#include "sprig/se-tokenizer.h"

G_BEGIN_DECLS

typedef struct
{
  SeGguf *gguf;
  SeHParams hp;
  SeTokenizer *tokenizer;
  SeChatTemplate *chat_template;
} CliModel;

gboolean cli_model_open  (CliModel   *model,
                          const char *path,
                          GError    **error);
void     cli_model_clear (CliModel   *model);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CliModel, cli_model_clear)

G_END_DECLS
