/* SPDX-License-Identifier: Apache-2.0
 *
 * `sprig-cli plugins`: shows every plugin module on the search path, its probe score
 * on this machine, and every module that was refused with the reason, so a user can
 * see why a backend is not used.
 */
#include "config.h"

#include <stdio.h>

#include "sprig/se-plugin-loader.h"
#include "sprig-cli.h"

static void
list_kind (SePluginKind kind,
           const char  *label)
{
  g_autoptr(GPtrArray) refusals = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) plugins = se_plugin_scan (kind, 0, refusals);

  printf ("%s:\n", label);
  if (plugins->len == 0)
    printf ("  (none)\n");
  for (guint i = 0; i < plugins->len; i++)
    {
      SePlugin *p = g_ptr_array_index (plugins, i);
      g_autofree char *reason = NULL;
      int score = se_plugin_probe (p, &reason);

      printf ("  %-8s score %-4d %s\n           %s\n", se_plugin_get_name (p), score,
              se_plugin_get_header (p)->description, se_plugin_get_path (p));
      if (reason != NULL)
        printf ("           cannot run here: %s\n", reason);
    }
  for (guint i = 0; i < refusals->len; i++)
    printf ("  refused: %s\n", (char *) g_ptr_array_index (refusals, i));
}

int
sprig_cli_plugins (int argc,
                   char **argv)
{
  g_auto(GStrv) dirs = NULL;
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- list plugins");
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return sprig_cli_fail ("plugins", "%s", error->message);

  dirs = se_plugin_search_path ();
  printf ("Search path:\n");
  for (guint i = 0; dirs[i] != NULL; i++)
    printf ("  %s\n", dirs[i]);
  list_kind (SE_PLUGIN_KIND_BACKEND, "Backends");
  list_kind (SE_PLUGIN_KIND_TOOLS, "Tool plugins");
  return 0;
}
