/* SPDX-License-Identifier: Apache-2.0
 *
 * `sprig-cli tokenize` and `sprig-cli detokenize`: the model's tokenizer from the
 * command line. `tokenize --json` prints exactly {"tokens":[...]} so that scripts and
 * the conformance tests can compare with reference tokenizers.
 */
#include "config.h"

#include <stdio.h>

#include "cli-model.h"
#include "sprig-cli.h"

static void
print_tokens (SeTokenizer  *tok,
              const gint32 *ids,
              gsize         n,
              gboolean      as_json)
{
  if (as_json)
    {
      GString *s = g_string_new ("{\"tokens\":[");

      for (gsize i = 0; i < n; i++)
        g_string_append_printf (s, "%s%d", i ? "," : "", ids[i]);
      g_string_append (s, "]}");
      printf ("%s\n", s->str);
      g_string_free (s, TRUE);
      return;
    }
  for (gsize i = 0; i < n; i++)
    {
      gsize len = 0;
      const char *piece = se_tokenizer_token_to_piece (tok, ids[i], &len);
      g_autofree char *raw = g_strndup (piece ? piece : "", piece ? len : 0);
      g_autofree char *shown = g_strescape (raw, NULL);

      printf ("%d\t%s\n", ids[i], shown);
    }
}

int
sprig_cli_tokenize (int argc,
                    char **argv)
{
  g_autofree char *text = NULL, *file = NULL, *contents = NULL;
  gboolean special = FALSE, as_json = FALSE;
  GOptionEntry entries[] = {
    { "text", 0, 0, G_OPTION_ARG_STRING, &text, "Text to tokenize", "T" },
    { "file", 0, 0, G_OPTION_ARG_FILENAME, &file, "Tokenize the contents of a file", "F" },
    { "special", 0, 0, G_OPTION_ARG_NONE, &special,
      "Recognise control tokens such as <|im_start|> in the text", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, "Print {\"tokens\":[...]}", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("MODEL - turn text into token ids");
  g_autoptr(GError) error = NULL;
  g_auto(CliModel) model = { 0 };
  g_autofree gint32 *ids = NULL;
  gsize n = 0, len;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return sprig_cli_fail ("tokenize", "%s", error->message);
  if (argc != 2 || (text == NULL) == (file == NULL))
    return sprig_cli_fail ("tokenize", "expected a model file and one of --text or --file");
  if (file != NULL && !g_file_get_contents (file, &contents, &len, &error))
    return sprig_cli_fail ("tokenize", "%s", error->message);
  if (!cli_model_open (&model, argv[1], &error))
    return sprig_cli_fail ("tokenize", "%s", error->message);
  ids = se_tokenizer_encode (model.tokenizer, contents ? contents : text,
                             contents ? (gssize) len : -1,
                             special ? SE_TOKENIZE_PARSE_SPECIAL : SE_TOKENIZE_NONE, &n, &error);
  if (ids == NULL && error != NULL)
    return sprig_cli_fail ("tokenize", "%s", error->message);
  print_tokens (model.tokenizer, ids, n, as_json);
  return 0;
}

static gboolean
parse_ids (const char *list,
           gsize       n_vocab,
           GArray     *out,
           GError    **error)
{
  g_auto(GStrv) items = g_strsplit_set (list, ", ", -1);

  for (guint i = 0; items[i] != NULL; i++)
    {
      guint64 v;
      gint32 id;

      if (items[i][0] == '\0')
        continue;
      if (!g_ascii_string_to_unsigned (items[i], 10, 0, n_vocab - 1, &v, NULL))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "“%s” is not a token id of this model (0 to %zu)", items[i], n_vocab - 1);
          return FALSE;
        }
      id = (gint32) v;
      g_array_append_val (out, id);
    }
  return TRUE;
}

int
sprig_cli_detokenize (int argc,
                      char **argv)
{
  g_autofree char *tokens = NULL, *text = NULL;
  gboolean hide_special = FALSE;
  GOptionEntry entries[] = {
    { "tokens", 0, 0, G_OPTION_ARG_STRING, &tokens, "Comma-separated token ids", "1,2,3" },
    { "hide-special", 0, 0, G_OPTION_ARG_NONE, &hide_special,
      "Leave control tokens out of the text", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("MODEL - turn token ids into text");
  g_autoptr(GError) error = NULL;
  g_auto(CliModel) model = { 0 };
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  gsize len = 0;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return sprig_cli_fail ("detokenize", "%s", error->message);
  if (argc != 2 || tokens == NULL)
    return sprig_cli_fail ("detokenize", "expected a model file and --tokens");
  if (!cli_model_open (&model, argv[1], &error)
      || !parse_ids (tokens, se_tokenizer_get_n_vocab (model.tokenizer), ids, &error))
    return sprig_cli_fail ("detokenize", "%s", error->message);
  text = se_tokenizer_decode (model.tokenizer, (const gint32 *) ids->data, ids->len,
                              !hide_special, &len);
  fwrite (text, 1, len, stdout);
  fputc ('\n', stdout);
  return 0;
}
