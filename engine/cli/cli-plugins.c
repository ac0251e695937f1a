/* SPDX-License-Identifier: Apache-2.0
 *
 * `sprig-cli plugins`: shows every plugin module on the search path, its probe score
 * on this machine, and every module that was refused with the reason, so a user can
 * see why a backend is not used.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sprig/se-backend.h"
#include "sprig/se-json.h"
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
      else if (kind == SE_PLUGIN_KIND_BACKEND)
        {
          char device[256];
          guint64 memory = 0;

          if (se_backend_query_device ((const SeBackendIface *) se_plugin_get_header (p), device,
                                       sizeof device, &memory))
            printf ("           device: %s, %" G_GUINT64_FORMAT " MiB of its own memory\n",
                    device, memory >> 20);
        }
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

/* `sprig-cli info --backends`: each backend that could run a model here, with the device it
 * would use and that device's own memory (0: it shares the computer's), as text or JSON. */
int
sprig_cli_info_backends (gboolean as_json)
{
  g_autoptr(GPtrArray) plugins = se_plugin_scan (SE_PLUGIN_KIND_BACKEND, 0, NULL);
  GString *json = g_string_new ("[");

  g_ptr_array_set_free_func (plugins, (GDestroyNotify) se_plugin_free);
  for (guint i = 0; i <= plugins->len; i++)
    {
      /* the built-in reference backend comes last: it always runs */
      SePlugin *p = i < plugins->len ? g_ptr_array_index (plugins, i) : NULL;
      const SeBackendIface *iface = p != NULL ? (const SeBackendIface *) se_plugin_get_header (p)
                                              : se_backend_reference ();
      g_autofree char *reason = NULL;
      int score = p != NULL ? se_plugin_probe (p, &reason) : 1;
      char device[256] = "";
      guint64 memory = 0;
      gboolean has_device = score > 0 && se_backend_query_device (iface, device, sizeof device,
                                                                   &memory);

      if (as_json)
        {
          if (i > 0)
            g_string_append (json, ",");
          g_string_append (json, "\n  {\"name\": ");
          se_json_append_string (json, iface->base.name, strlen (iface->base.name));
          g_string_append_printf (json, ", \"usable\": %s, \"description\": ",
                                  score > 0 ? "true" : "false");
          se_json_append_string (json, iface->base.description,
                                 strlen (iface->base.description));
          g_string_append (json, ", \"device\": ");
          if (has_device)
            se_json_append_string (json, device, strlen (device));
          else
            g_string_append (json, "null");
          g_string_append_printf (json, ", \"device_memory\": %" G_GUINT64_FORMAT
                                  ", \"reason\": ", memory);
          if (reason != NULL)
            se_json_append_string (json, reason, strlen (reason));
          else
            g_string_append (json, "null");
          g_string_append (json, "}");
          continue;
        }
      printf ("%-10s %s\n", iface->base.name, iface->base.description);
      if (score <= 0)
        printf ("           cannot run here: %s\n", reason != NULL ? reason : "no reason given");
      else if (has_device)
        printf ("           device: %s; own memory: %" G_GUINT64_FORMAT " MiB%s\n", device,
                memory >> 20, memory == 0 ? " (shares the computer's memory)" : "");
      else
        printf ("           runs on the processor\n");
    }
  if (as_json)
    printf ("%s\n]\n", json->str);
  g_string_free (json, TRUE);
  return 0;
}
