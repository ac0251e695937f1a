/* SPDX-License-Identifier: Apache-2.0
 *
 * Vocabulary helpers of `sprig-cli mkmodel`: the built-in byte-level vocabulary of
 * tiny test models (256 byte tokens plus the architecture's control tokens, no
 * merges), the chat template of a tokenizer_config.json, and the GGUF tokenizer keys.
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "sprig/se-error.h"
#include "sprig/se-tokenizer.h"
#include "cli-vocab.h"

/* GPT-2's byte-to-unicode map: printable Latin-1 bytes stand for themselves, the
 * others are moved to U+0100 and up, in byte order. */
static gunichar
byte_to_unichar (guint b)
{
  guint shifted = 0;

  if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174)
    return b;
  for (guint c = 0; c < b; c++)
    if (!((c >= 33 && c <= 126) || (c >= 161 && c <= 172) || c >= 174))
      shifted++;
  return 256 + shifted;
}

static void
add_token (SeHfVocab  *vocab,
           char       *text,
           SeTokenType type)
{
  gint32 t = type;

  g_ptr_array_add (vocab->tokens, text);
  g_array_append_val (vocab->token_types, t);
}

void
cli_vocab_builtin (SeHfVocab *vocab,
                   SeArch     arch)
{
  static const char *const chatml[] = {
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>",
    "<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>",
  };
  static const char *const llama3[] = {
    "<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
    "<|eot_id|>",
  };
  gboolean is_qwen = arch == SE_ARCH_QWEN3;
  const char *const *specials = is_qwen ? chatml : llama3;
  gsize n_specials = is_qwen ? G_N_ELEMENTS (chatml) : G_N_ELEMENTS (llama3);

  memset (vocab, 0, sizeof *vocab);
  vocab->model = g_strdup ("gpt2");
  vocab->pre = g_strdup (is_qwen ? "qwen2" : "llama-bpe");
  vocab->tokens = g_ptr_array_new_with_free_func (g_free);
  vocab->token_types = g_array_new (FALSE, FALSE, sizeof (gint32));
  vocab->merges = g_ptr_array_new_with_free_func (g_free);
  for (guint b = 0; b < 256; b++)
    {
      char buf[8] = { 0 };

      g_unichar_to_utf8 (byte_to_unichar (b), buf);
      add_token (vocab, g_strdup (buf), SE_TOKEN_TYPE_NORMAL);
    }
  for (gsize i = 0; i < n_specials; i++)
    add_token (vocab, g_strdup (specials[i]), SE_TOKEN_TYPE_CONTROL);
  /* Qwen: eos <|im_end|>, pad <|endoftext|>, no bos. Llama 3: bos, eos <|eot_id|>. */
  vocab->bos_id = is_qwen ? -1 : 256;
  vocab->eos_id = is_qwen ? 256 + 2 : 256 + 4;
  vocab->pad_id = is_qwen ? 256 : -1;
  vocab->add_bos = !is_qwen;
}

/* The chat_template of the tokenizer_config.json next to @tokenizer_json, or NULL
 * (no error) when there is none. */
char *
cli_vocab_read_chat_template (const char *tokenizer_json,
                              GError    **error)
{
  g_autofree char *dir = g_path_get_dirname (tokenizer_json);
  g_autofree char *path = g_build_filename (dir, "tokenizer_config.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root, *tmpl;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return NULL;
  if (!json_parser_load_from_file (parser, path, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root)
      || !json_object_has_member (json_node_get_object (root), "chat_template"))
    return NULL;
  tmpl = json_object_get_member (json_node_get_object (root), "chat_template");
  if (!JSON_NODE_HOLDS_VALUE (tmpl) || json_node_get_value_type (tmpl) != G_TYPE_STRING)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "%s: chat_template is not a string", path);
      return NULL;
    }
  return g_strdup (json_node_get_string (tmpl));
}

void
cli_vocab_to_gguf (const SeHfVocab *vocab,
                   const char      *chat_template,
                   SeGgufWriter    *w)
{
  se_gguf_writer_set_string (w, "tokenizer.ggml.model", vocab->model);
  se_gguf_writer_set_string (w, "tokenizer.ggml.pre", vocab->pre);
  se_gguf_writer_set_array_strings (w, "tokenizer.ggml.tokens",
                                    (const char *const *) vocab->tokens->pdata,
                                    vocab->tokens->len);
  se_gguf_writer_set_array_i32 (w, "tokenizer.ggml.token_type",
                                (const gint32 *) vocab->token_types->data,
                                vocab->token_types->len);
  se_gguf_writer_set_array_strings (w, "tokenizer.ggml.merges",
                                    (const char *const *) vocab->merges->pdata,
                                    vocab->merges->len);
  if (vocab->bos_id >= 0)
    se_gguf_writer_set_u32 (w, "tokenizer.ggml.bos_token_id", vocab->bos_id);
  if (vocab->eos_id >= 0)
    se_gguf_writer_set_u32 (w, "tokenizer.ggml.eos_token_id", vocab->eos_id);
  if (vocab->pad_id >= 0)
    se_gguf_writer_set_u32 (w, "tokenizer.ggml.padding_token_id", vocab->pad_id);
  se_gguf_writer_set_bool (w, "tokenizer.ggml.add_bos_token", vocab->add_bos);
  if (chat_template != NULL)
    se_gguf_writer_set_string (w, "tokenizer.chat_template", chat_template);
}
