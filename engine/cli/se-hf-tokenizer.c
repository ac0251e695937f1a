/* SPDX-License-Identifier: Apache-2.0
 *
 * Converts a Hugging Face tokenizer.json into GGUF-style vocabulary arrays: id-indexed
 * tokens with types (added special tokens become control, the rest user-defined), merges
 * as "a b" strings, the pre-tokenizer name recognised from its split regex, and the
 * BOS/EOS/padding ids from tokenizer_config.json.
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "sprig/se-error.h"
#include "se-hf-tokenizer.h"

static const char qwen2_regex[] =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
  "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
static const char llama3_regex[] =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
  "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/* Parses @path, reporting failures in SE_ERROR. */
static gboolean
parse_file (JsonParser  *parser,
            const char  *path,
            GError     **error)
{
  g_autoptr(GError) local = NULL;

  if (json_parser_load_from_mapped_file (parser, path, &local))
    return TRUE;
  g_set_error (error, SE_ERROR,
               local->domain == G_FILE_ERROR ? SE_ERROR_IO : SE_ERROR_INVALID,
               "%s: %s", path, local->message);
  return FALSE;
}

void
se_hf_vocab_clear (SeHfVocab *vocab)
{
  g_clear_pointer (&vocab->model, g_free);
  g_clear_pointer (&vocab->pre, g_free);
  g_clear_pointer (&vocab->tokens, g_ptr_array_unref);
  g_clear_pointer (&vocab->token_types, g_array_unref);
  g_clear_pointer (&vocab->merges, g_ptr_array_unref);
}

void
se_hf_vocab_to_spec (const SeHfVocab *vocab,
                     SeTokenizerSpec *spec)
{
  memset (spec, 0, sizeof *spec);
  spec->model = vocab->model;
  spec->pre = vocab->pre;
  spec->n_tokens = vocab->tokens->len;
  spec->tokens = (const char *const *) vocab->tokens->pdata;
  spec->token_types = (const gint32 *) (void *) vocab->token_types->data;
  spec->n_merges = vocab->merges->len;
  spec->merges = (const char *const *) vocab->merges->pdata;
  spec->bos_id = vocab->bos_id;
  spec->eos_id = vocab->eos_id;
  spec->pad_id = vocab->pad_id;
  spec->add_bos = vocab->add_bos;
}

static JsonObject *
get_object (JsonObject  *obj,
            const char  *member,
            GError     **error)
{
  JsonNode *node = json_object_get_member (obj, member);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "tokenizer.json: “%s” is missing or not an object", member);
      return NULL;
    }
  return json_node_get_object (node);
}

/* The pre-tokenizer's Split regex, at the top or inside a Sequence. */
static const char *
find_split_regex (JsonObject *pre)
{
  const char *type = json_object_get_string_member_with_default (pre, "type", "");

  if (g_str_equal (type, "Split") && json_object_has_member (pre, "pattern"))
    {
      JsonObject *pattern = json_object_get_object_member (pre, "pattern");

      return pattern ? json_object_get_string_member_with_default (pattern, "Regex", NULL) : NULL;
    }
  if (g_str_equal (type, "Sequence") && json_object_has_member (pre, "pretokenizers"))
    {
      JsonArray *seq = json_object_get_array_member (pre, "pretokenizers");

      for (guint i = 0; seq != NULL && i < json_array_get_length (seq); i++)
        {
          JsonObject *child = json_array_get_object_element (seq, i);
          const char *found = child ? find_split_regex (child) : NULL;

          if (found != NULL)
            return found;
        }
    }
  return NULL;
}

static gboolean
detect_pre (JsonObject  *root,
            SeHfVocab   *out,
            GError     **error)
{
  JsonObject *pre = get_object (root, "pre_tokenizer", error);
  const char *regex = pre ? find_split_regex (pre) : NULL;

  if (pre == NULL)
    return FALSE;
  if (g_strcmp0 (regex, qwen2_regex) == 0)
    out->pre = g_strdup ("qwen2");
  else if (g_strcmp0 (regex, llama3_regex) == 0)
    out->pre = g_strdup ("llama-bpe");
  else
    {
      g_set_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED,
                   "tokenizer.json: pre-tokenizer split pattern “%s” is not one Sprig knows",
                   regex ? regex : "(none)");
      return FALSE;
    }
  return TRUE;
}

static gboolean
set_token (SeHfVocab   *out,
           gint64       id,
           const char  *text,
           gint32       type,
           GError     **error)
{
  if (id < 0 || id >= G_MAXINT32)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "tokenizer.json: token “%s” has impossible id %" G_GINT64_FORMAT, text, id);
      return FALSE;
    }
  if ((guint) id >= out->tokens->len)
    {
      g_ptr_array_set_size (out->tokens, (guint) id + 1);
      g_array_set_size (out->token_types, (guint) id + 1);
    }
  g_free (out->tokens->pdata[id]);
  out->tokens->pdata[id] = g_strdup (text);
  g_array_index (out->token_types, gint32, id) = type;
  return TRUE;
}

static gboolean
load_vocab (JsonObject  *model,
            SeHfVocab   *out,
            GError     **error)
{
  JsonObject *vocab = get_object (model, "vocab", error);
  g_autoptr(GList) names = NULL;

  if (vocab == NULL)
    return FALSE;
  names = json_object_get_members (vocab);
  for (GList *l = names; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (vocab, l->data);

      if (json_node_get_value_type (node) != G_TYPE_INT64)
        {
          g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                       "tokenizer.json: vocabulary entry “%s” has no integer id",
                       (const char *) l->data);
          return FALSE;
        }
      if (!set_token (out, json_node_get_int (node), l->data, SE_TOKEN_TYPE_NORMAL, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
load_added (JsonObject  *root,
            SeHfVocab   *out,
            GError     **error)
{
  JsonArray *added;

  if (!json_object_has_member (root, "added_tokens"))
    return TRUE;
  added = json_object_get_array_member (root, "added_tokens");
  for (guint i = 0; added != NULL && i < json_array_get_length (added); i++)
    {
      JsonObject *a = json_array_get_object_element (added, i);
      const char *content = a ? json_object_get_string_member_with_default (a, "content", NULL)
                              : NULL;
      gboolean special;
      gint32 type;

      if (content == NULL || !json_object_has_member (a, "id"))
        {
          g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                       "tokenizer.json: added token %u has no content or id", i);
          return FALSE;
        }
      /* llama.cpp's converter also makes "<|...|>" tokens control even when the file
       * does not mark them special (Qwen's <|fim_prefix|>); mirror what GGUFs hold. */
      special = json_object_get_boolean_member_with_default (a, "special", FALSE)
                || (g_str_has_prefix (content, "<|") && g_str_has_suffix (content, "|>"));
      type = special ? SE_TOKEN_TYPE_CONTROL : SE_TOKEN_TYPE_USER_DEFINED;
      if (!set_token (out, json_object_get_int_member (a, "id"), content, type, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
load_merges (JsonObject  *model,
             SeHfVocab   *out,
             GError     **error)
{
  JsonArray *merges = json_object_has_member (model, "merges")
                      ? json_object_get_array_member (model, "merges") : NULL;

  for (guint i = 0; merges != NULL && i < json_array_get_length (merges); i++)
    {
      JsonNode *node = json_array_get_element (merges, i);
      JsonArray *pair;

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        {
          g_ptr_array_add (out->merges, g_strdup (json_node_get_string (node)));
          continue;
        }
      pair = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
      if (pair == NULL || json_array_get_length (pair) != 2
          || json_array_get_string_element (pair, 0) == NULL
          || json_array_get_string_element (pair, 1) == NULL)
        {
          g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                       "tokenizer.json: merge %u is neither \"a b\" nor [a, b]", i);
          return FALSE;
        }
      g_ptr_array_add (out->merges, g_strconcat (json_array_get_string_element (pair, 0), " ",
                                                 json_array_get_string_element (pair, 1),
                                                 NULL));
    }
  return TRUE;
}

void
se_hf_vocab_pad (SeHfVocab *out,
                 guint      pad_to)
{
  if (pad_to > out->tokens->len)
    {
      g_ptr_array_set_size (out->tokens, pad_to);
      g_array_set_size (out->token_types, pad_to);
    }
  for (guint i = 0; i < out->tokens->len; i++)
    if (out->tokens->pdata[i] == NULL)
      {
        out->tokens->pdata[i] = g_strdup_printf ("[PAD%u]", i);
        g_array_index (out->token_types, gint32, i) = SE_TOKEN_TYPE_UNUSED;
      }
}

/* A tokenizer_config.json token: a string, or an object with "content". */
static gint32
config_token (JsonObject *config,
              const char *member,
              GHashTable *ids)
{
  JsonNode *node = json_object_get_member (config, member);
  const char *text = NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return -1;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    text = json_node_get_string (node);
  else if (JSON_NODE_HOLDS_OBJECT (node))
    text = json_object_get_string_member_with_default (json_node_get_object (node), "content",
                                                       NULL);
  if (text == NULL || !g_hash_table_contains (ids, text))
    return -1;
  return GPOINTER_TO_INT (g_hash_table_lookup (ids, text));
}

static gboolean
load_config (const char  *tokenizer_json,
             SeHfVocab   *out,
             GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (tokenizer_json);
  g_autofree char *path = g_build_filename (dir, "tokenizer_config.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  JsonNode *root;
  JsonObject *config;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  if (!parse_file (parser, path, error))
    return FALSE;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID, "%s is not a JSON object", path);
      return FALSE;
    }
  config = json_node_get_object (root);
  for (guint i = out->tokens->len; i-- > 0;)
    g_hash_table_insert (ids, out->tokens->pdata[i], GINT_TO_POINTER (i));
  out->bos_id = config_token (config, "bos_token", ids);
  out->eos_id = config_token (config, "eos_token", ids);
  out->pad_id = config_token (config, "pad_token", ids);
  out->add_bos = json_object_get_boolean_member_with_default (config, "add_bos_token", FALSE)
                 && out->bos_id >= 0;
  return TRUE;
}

static gboolean
load_root (JsonObject  *root,
           guint        pad_to,
           SeHfVocab   *out,
           GError     **error)
{
  JsonObject *model = get_object (root, "model", error);

  if (model == NULL)
    return FALSE;
  if (g_strcmp0 (json_object_get_string_member_with_default (model, "type", ""), "BPE") != 0)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_UNSUPPORTED,
                   "tokenizer.json: model type “%s” is not BPE",
                   json_object_get_string_member_with_default (model, "type", "(none)"));
      return FALSE;
    }
  if (!detect_pre (root, out, error) || !load_vocab (model, out, error)
      || !load_added (root, out, error) || !load_merges (model, out, error))
    return FALSE;
  se_hf_vocab_pad (out, pad_to);
  return TRUE;
}

gboolean
se_hf_vocab_load (const char  *tokenizer_json,
                  guint        pad_to,
                  SeHfVocab   *out,
                  GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  g_return_val_if_fail (tokenizer_json != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  memset (out, 0, sizeof *out);
  out->model = g_strdup ("gpt2");
  out->tokens = g_ptr_array_new_with_free_func (g_free);
  out->token_types = g_array_new (FALSE, TRUE, sizeof (gint32));
  out->merges = g_ptr_array_new_with_free_func (g_free);
  out->bos_id = out->eos_id = out->pad_id = -1;

  if (!parse_file (parser, tokenizer_json, error))
    goto fail;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID, "%s is not a JSON object", tokenizer_json);
      goto fail;
    }
  if (!load_root (json_node_get_object (root), pad_to, out, error)
      || !load_config (tokenizer_json, out, error))
    goto fail;
  return TRUE;

fail:
  se_hf_vocab_clear (out);
  return FALSE;
}
