/* SPDX-License-Identifier: Apache-2.0
 *
 * bench-decode: a stand-in for `sprig-cli bench` until it lands. Loads a model with a
 * named backend, times a prefill of --pp tokens and --tg single-token decodes, and
 * prints the fields `sprig-cli bench --json` will print, plus load time and RSS
 * (VmHWM, VmRSS) from /proc/self/status. Built by tools/bench-cpu.sh.
 * Usage: bench-decode MODEL [--pp N] [--tg N] [--threads N] [--backend NAME]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sprig/se-model.h"

static long
status_kb (const char *key)
{
  g_autofree char *status = NULL;
  const char *at;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL)
      || (at = strstr (status, key)) == NULL)
    return -1;
  return strtol (at + strlen (key) + 1, NULL, 10);
}

static void
fail (GError *error)
{
  fprintf (stderr, "bench-decode: %s\n", error->message);
  exit (1);
}

int
main (int argc, char **argv)
{
  const char *path = NULL, *backend = "cpu";
  guint pp = 128, tg = 64, threads = 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(SeModel) m = NULL;
  g_autoptr(SeSession) s = NULL;
  g_autofree gint32 *tokens = NULL;
  gint64 t0, t1, t2, t3;

  for (int i = 1; i < argc; i++)
    if (!strcmp (argv[i], "--pp") && i + 1 < argc)
      pp = (guint) atoi (argv[++i]);
    else if (!strcmp (argv[i], "--tg") && i + 1 < argc)
      tg = (guint) atoi (argv[++i]);
    else if (!strcmp (argv[i], "--threads") && i + 1 < argc)
      threads = (guint) atoi (argv[++i]);
    else if (!strcmp (argv[i], "--backend") && i + 1 < argc)
      backend = argv[++i];
    else
      path = argv[i];
  if (path == NULL || pp == 0)
    {
      fprintf (stderr, "usage: bench-decode MODEL [--pp N] [--tg N] [--threads N] "
               "[--backend NAME]\n");
      return 2;
    }
  t0 = g_get_monotonic_time ();
  m = se_model_load (path, &(SeModelParams) { .backend = backend, .n_threads = threads },
                     NULL, NULL, &error);
  if (m == NULL)
    fail (error);
  t1 = g_get_monotonic_time ();
  if ((s = se_session_new (m, pp + tg + 1, &error)) == NULL)
    fail (error);
  tokens = g_new (gint32, pp);
  for (guint i = 0; i < pp; i++)
    tokens[i] = (gint32) ((i * 7919 + 13) % 50000);
  if (!se_session_prefill (s, tokens, pp, FALSE, NULL, NULL, &error))
    fail (error);
  t2 = g_get_monotonic_time ();
  for (guint i = 0; i < tg; i++)
    if (!se_session_decode (s, (gint32) ((i * 104729 + 7) % 50000), NULL, &error))
      fail (error);
  t3 = g_get_monotonic_time ();
  printf ("{\"backend\": \"%s\", \"description\": \"%s\", \"threads\": %u, "
          "\"model_bytes\": %" G_GUINT64_FORMAT ", \"load_s\": %.2f, \"pp\": %u, "
          "\"pp_tok_s\": %.2f, \"tg\": %u, \"tg_tok_s\": %.2f, \"vm_hwm_kb\": %ld, "
          "\"vm_rss_kb\": %ld, \"kv_bytes\": %" G_GUINT64_FORMAT "}\n",
          se_model_get_backend_name (m), se_model_get_backend_description (m), threads,
          se_model_get_weight_bytes (m), (t1 - t0) / 1e6, pp, pp / ((t2 - t1) / 1e6), tg,
          tg ? tg / ((t3 - t2) / 1e6) : 0.0, status_kb ("VmHWM:"), status_kb ("VmRSS:"),
          se_session_get_kv_bytes (s));
  return 0;
}
