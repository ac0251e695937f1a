/* SPDX-License-Identifier: Apache-2.0
 *
 * `sprig-cli logits MODEL --tokens 1,2,3 --out F`: the logits of every position as
 * little-endian float32, row-major [n_tokens][n_vocab] — what the conformance tests
 * compare with the numpy reference. `--batch N` feeds at most N tokens per evaluation,
 * so the KV cache path (prefill, then one token at a time) is checked too.
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>

#include "sprig/se-error.h"
#include "sprig/se-model.h"
#include "sprig-cli.h"

static gboolean
parse_tokens (const char *list,
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
      if (!g_ascii_string_to_unsigned (items[i], 10, 0, G_MAXINT32, &v, error))
        return FALSE;
      id = (gint32) v;
      g_array_append_val (out, id);
    }
  if (out->len == 0)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID, "--tokens lists no token");
      return FALSE;
    }
  return TRUE;
}

/* Evaluates growing prefixes of @tokens, @batch new tokens at a time, and writes the
 * logits of each new token to @out. */
static gboolean
write_logits (SeSession    *session,
              const GArray *tokens,
              guint         batch,
              FILE         *out,
              GError      **error)
{
  gsize n_vocab = se_model_get_graph (se_session_get_model (session))->n_vocab;

  for (guint done = 0; done < tokens->len;)
    {
      guint end = MIN (tokens->len, done + batch), n_eval = 0;

      if (!se_session_prefill (session, (const gint32 *) tokens->data, end, TRUE, &n_eval,
                               NULL, error))
        return FALSE;
      g_assert (n_eval == end - done);
      for (guint r = 0; r < n_eval; r++)
        if (fwrite (se_session_get_logits (session, r), sizeof (float), n_vocab, out) != n_vocab)
          {
            g_set_error (error, SE_ERROR, SE_ERROR_IO, "cannot write the logits: %s",
                         g_strerror (errno));
            return FALSE;
          }
      done = end;
    }
  return TRUE;
}

int
sprig_cli_logits (int argc,
                  char **argv)
{
  g_autofree char *tokens = NULL, *out_path = NULL, *backend = NULL;
  gint threads = 0, batch = SE_MAX_BATCH;
  GOptionEntry entries[] = {
    { "tokens", 0, 0, G_OPTION_ARG_STRING, &tokens, "Comma-separated token ids", "1,2,3" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out_path, "Output file (float32, [n][n_vocab])", "F" },
    { "backend", 0, 0, G_OPTION_ARG_STRING, &backend, "reference, cpu, vulkan", "NAME" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Backend threads", "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &batch, "At most N tokens per evaluation", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("MODEL - write the logits of every position");
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_autoptr(SeModel) model = NULL;
  g_autoptr(SeSession) session = NULL;
  SeModelParams params = { 0 };
  FILE *out;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return sprig_cli_fail ("logits", "%s", error->message);
  if (argc != 2 || tokens == NULL || out_path == NULL || batch < 1 || threads < 0)
    return sprig_cli_fail ("logits", "expected a model file, --tokens and --out");
  params.backend = backend;
  params.n_threads = (guint) threads;
  if (!parse_tokens (tokens, ids, &error)
      || (model = se_model_load (argv[1], &params, NULL, NULL, &error)) == NULL
      || (session = se_session_new (model, MAX (ids->len, 1), &error)) == NULL)
    return sprig_cli_fail ("logits", "%s", error->message);
  if ((out = fopen (out_path, "wb")) == NULL)
    return sprig_cli_fail ("logits", "%s: %s", out_path, g_strerror (errno));
  if (!write_logits (session, ids, (guint) batch, out, &error))
    {
      fclose (out);
      g_unlink (out_path);
      return sprig_cli_fail ("logits", "%s", error->message);
    }
  if (fclose (out) != 0)
    return sprig_cli_fail ("logits", "%s: %s", out_path, g_strerror (errno));
  return 0;
}
