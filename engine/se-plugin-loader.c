/* SPDX-License-Identifier: Apache-2.0
 *
 * Opens plugin modules with GModule and decides whether to trust them. The checks
 * run in an order that never calls into a module before its ABI is known to match:
 * entry symbol, then header version, kind and size. Scanning walks the install
 * dir and then every directory of SPRIG_PLUGIN_PATH.
 */
#include "config.h"

#include <gmodule.h>

#include "sprig/se-error.h"
#include "sprig/se-plugin-loader.h"

struct _SePlugin
{
  GModule *module;
  char *path;
  const SePluginHeader *header;
};

static gboolean
check_header (const SePluginHeader *header,
              const char           *path,
              SePluginKind          kind,
              gsize                 min_struct_size,
              GError              **error)
{
  if (header == NULL)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_PLUGIN,
                   "Plugin %s returned no interface from %s()", path, SE_PLUGIN_ENTRY_SYMBOL);
      return FALSE;
    }
  if (header->abi_version != SE_PLUGIN_ABI_VERSION)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_PLUGIN,
                   "Plugin %s was built for plugin ABI version %u, this Sprig needs version %u",
                   path, header->abi_version, SE_PLUGIN_ABI_VERSION);
      return FALSE;
    }
  if (header->kind != (guint32) kind)
    {
      /* Not a refusal: scanning opens every module once per kind it looks for. */
      g_set_error (error, SE_ERROR, SE_ERROR_WRONG_TYPE,
                   "Plugin %s is of kind %u, expected kind %u", path, header->kind, kind);
      return FALSE;
    }
  if (header->struct_size < sizeof (SePluginHeader) || header->struct_size < min_struct_size)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_PLUGIN,
                   "Plugin %s has an interface of %u bytes, at least %zu are needed",
                   path, header->struct_size, MAX (min_struct_size, sizeof (SePluginHeader)));
      return FALSE;
    }
  if (header->name == NULL || header->name[0] == '\0' || header->probe == NULL)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_PLUGIN,
                   "Plugin %s has no name or no probe function", path);
      return FALSE;
    }
  return TRUE;
}

SePlugin *
se_plugin_open (const char  *path,
                SePluginKind kind,
                gsize        min_struct_size,
                GError     **error)
{
  GModule *module;
  SePluginEntryFunc entry = NULL;
  const SePluginHeader *header;
  SePlugin *plugin;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Local binding: two plugins may export the same helper names. (No g_autoptr for
   * GModule before GLib 2.76, hence the explicit closes below.) */
  module = g_module_open (path, G_MODULE_BIND_LOCAL | G_MODULE_BIND_LAZY);
  if (module == NULL)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_PLUGIN,
                   "Could not load plugin %s: %s", path, g_module_error ());
      return NULL;
    }
  if (!g_module_symbol (module, SE_PLUGIN_ENTRY_SYMBOL, (gpointer *) &entry) || entry == NULL)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_PLUGIN,
                   "Plugin %s does not export the entry symbol %s()", path,
                   SE_PLUGIN_ENTRY_SYMBOL);
      g_module_close (module);
      return NULL;
    }
  header = entry ();
  if (!check_header (header, path, kind, min_struct_size, error))
    {
      g_module_close (module);
      return NULL;
    }

  plugin = g_new0 (SePlugin, 1);
  plugin->module = module;
  plugin->path = g_strdup (path);
  plugin->header = header;
  return plugin;
}

void
se_plugin_free (SePlugin *plugin)
{
  if (plugin == NULL)
    return;
  g_clear_pointer (&plugin->module, g_module_close);
  g_free (plugin->path);
  g_free (plugin);
}

const SePluginHeader *
se_plugin_get_header (SePlugin *plugin)
{
  g_return_val_if_fail (plugin != NULL, NULL);
  return plugin->header;
}

const char *
se_plugin_get_name (SePlugin *plugin)
{
  g_return_val_if_fail (plugin != NULL, NULL);
  return plugin->header->name;
}

const char *
se_plugin_get_path (SePlugin *plugin)
{
  g_return_val_if_fail (plugin != NULL, NULL);
  return plugin->path;
}

/* Returns the plugin's score; when it is <= 0, @reason (if not NULL) receives why. */
int
se_plugin_probe (SePlugin *plugin,
                 char    **reason)
{
  char buf[256] = "";
  int score;

  g_return_val_if_fail (plugin != NULL, -1);

  score = plugin->header->probe (buf, sizeof buf);
  buf[sizeof buf - 1] = '\0';
  if (reason != NULL)
    *reason = score > 0 ? NULL : g_strdup (buf[0] ? buf : "no reason given");
  return score;
}

/* The directories searched for plugins, in order: the install dir, then each
 * directory of SPRIG_PLUGIN_PATH (colon separated). */
char **
se_plugin_search_path (void)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  const char *env = g_getenv ("SPRIG_PLUGIN_PATH");

  g_strv_builder_add (builder, SPRIG_PLUGINDIR);
  if (env != NULL)
    {
      g_auto(GStrv) dirs = g_strsplit (env, G_SEARCHPATH_SEPARATOR_S, -1);

      for (guint i = 0; dirs[i] != NULL; i++)
        if (dirs[i][0] != '\0')
          g_strv_builder_add (builder, dirs[i]);
    }
  return g_strv_builder_end (builder);
}

static void
scan_dir (const char  *dir,
          SePluginKind kind,
          gsize        min_struct_size,
          GPtrArray   *plugins,
          GPtrArray   *refusals)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autoptr(GError) error = NULL;
      SePlugin *plugin;

      if (!g_str_has_suffix (name, "." G_MODULE_SUFFIX))
        continue;
      path = g_build_filename (dir, name, NULL);
      plugin = se_plugin_open (path, kind, min_struct_size, &error);
      if (plugin != NULL)
        g_ptr_array_add (plugins, plugin);
      else if (g_error_matches (error, SE_ERROR, SE_ERROR_WRONG_TYPE))
        continue;
      else if (refusals != NULL)
        g_ptr_array_add (refusals, g_strdup (error->message));
      else
        g_debug ("%s", error->message);
    }
}

/* Opens every module of @kind found on the search path. A module whose name was
 * already accepted from an earlier directory is skipped, so the install dir wins.
 * Refusal messages are appended to @refusals (a GPtrArray of strings) when given. */
GPtrArray *
se_plugin_scan (SePluginKind kind,
                gsize        min_struct_size,
                GPtrArray   *refusals)
{
  g_auto(GStrv) dirs = se_plugin_search_path ();
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) se_plugin_free);
  GPtrArray *plugins = g_ptr_array_new_with_free_func ((GDestroyNotify) se_plugin_free);

  for (guint i = 0; dirs[i] != NULL; i++)
    scan_dir (dirs[i], kind, min_struct_size, found, refusals);

  for (guint i = 0; i < found->len; i++)
    {
      SePlugin *p = g_ptr_array_index (found, i);
      gboolean dup = FALSE;

      for (guint j = 0; j < plugins->len && !dup; j++)
        dup = g_str_equal (se_plugin_get_name (g_ptr_array_index (plugins, j)),
                           se_plugin_get_name (p));
      if (dup)
        continue;
      g_ptr_array_add (plugins, g_steal_pointer (&found->pdata[i]));
    }
  return plugins;
}
