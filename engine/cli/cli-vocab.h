/* SPDX-License-Identifier: Apache-2.0
 *
 * The vocabulary `sprig-cli mkmodel` writes into a model: a Hugging Face
 * tokenizer.json (loaded by se-hf-tokenizer.c, with the chat template of the
 * tokenizer_config.json beside it) or a built-in byte-level vocabulary for tiny test
 * models.
 */
#pragma once

#include <glib.h>

#include "sprig/se-arch.h"
#include "sprig/se-gguf.h"
#include "se-hf-tokenizer.h"

G_BEGIN_DECLS

void     cli_vocab_builtin             (SeHfVocab       *vocab,
                                        SeArch           arch);
char    *cli_vocab_read_chat_template  (const char      *tokenizer_json,
                                        GError         **error);
void     cli_vocab_to_gguf             (const SeHfVocab *vocab,
                                        const char      *chat_template,
                                        SeGgufWriter    *writer);


G_END_DECLS
