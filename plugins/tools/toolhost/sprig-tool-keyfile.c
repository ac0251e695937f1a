/* SPDX-License-Identifier: Apache-2.0
 *
 * Reading tool plugin key files (NAME.plugin): GKeyFile only, never GModule, so listing
 * plugins in Preferences cannot run a plugin's code. Every bad file is an error that
 * names the file and the key, so the user can tell which plugin is broken and why.
 */
#include "config.h"

#include <string.h>

#include "sprig-tool-keyfile.h"

static const char *const known_permissions[] = {
  "network", "files-read", "files-write", "clock", "process", NULL
};

gboolean
sprig_tool_permission_is_known (const char *permission)
{
  return permission != NULL && g_strv_contains (known_permissions, permission);
}

void
sprig_tool_plugin_info_free (SprigToolPluginInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->id);
  g_free (info->path);
  g_free (info->name);
  g_free (info->description);
  g_free (info->module_path);
  g_strfreev (info->permissions);
  g_free (info);
}

static gboolean
prefix_error (GError    **error,
              const char *path)
{
  g_prefix_error (error, "Tool plugin file %s: ", path);
  return FALSE;
}

static gboolean
read_module (GKeyFile            *kf,
             SprigToolPluginInfo *info,
             GError             **error)
{
  g_autofree char *module = g_key_file_get_string (kf, SPRIG_TOOL_KEY_FILE_GROUP, "Module",
                                                   error);
  g_autofree char *dir = NULL;

  if (module == NULL)
    return FALSE;
  if (*module == '\0' || strchr (module, '/') != NULL || g_str_equal (module, ".")
      || g_str_equal (module, ".."))
    return g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                        "Key file key “Module” must name a file next to the key file, "
                        "not “%s”", module), FALSE;
  if (!g_str_has_suffix (module, "." G_MODULE_SUFFIX))
    {
      char *with_suffix = g_strconcat (module, "." G_MODULE_SUFFIX, NULL);

      g_free (module);
      module = with_suffix;
    }
  dir = g_path_get_dirname (info->path);
  info->module_path = g_build_filename (dir, module, NULL);
  return TRUE;
}

static gboolean
read_permissions (GKeyFile            *kf,
                  SprigToolPluginInfo *info,
                  GError             **error)
{
  g_autoptr(GError) local = NULL;

  info->permissions = g_key_file_get_string_list (kf, SPRIG_TOOL_KEY_FILE_GROUP, "Permissions",
                                                  NULL, &local);
  if (info->permissions == NULL)
    {
      if (!g_error_matches (local, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND))
        return g_propagate_error (error, g_steal_pointer (&local)), FALSE;
      info->permissions = g_new0 (char *, 1);
    }
  for (guint i = 0; info->permissions[i] != NULL; i++)
    if (!sprig_tool_permission_is_known (info->permissions[i]))
      {
        g_autofree char *known = g_strjoinv (", ", (char **) known_permissions);

        return g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                            "Key file key “Permissions” holds the unknown permission “%s” "
                            "(known: %s)", info->permissions[i], known), FALSE;
      }
  return TRUE;
}

static gboolean
read_keys (GKeyFile            *kf,
           SprigToolPluginInfo *info,
           GError             **error)
{
  g_autoptr(GError) local = NULL;

  if (!g_key_file_has_group (kf, SPRIG_TOOL_KEY_FILE_GROUP))
    return g_set_error (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
                        "Key file has no group “%s”", SPRIG_TOOL_KEY_FILE_GROUP), FALSE;
  if ((info->name = g_key_file_get_locale_string (kf, SPRIG_TOOL_KEY_FILE_GROUP, "Name", NULL,
                                                  error)) == NULL
      || (info->description = g_key_file_get_locale_string (kf, SPRIG_TOOL_KEY_FILE_GROUP,
                                                            "Description", NULL,
                                                            error)) == NULL
      || !read_module (kf, info, error))
    return FALSE;
  info->read_only = g_key_file_get_boolean (kf, SPRIG_TOOL_KEY_FILE_GROUP, "ReadOnly", &local);
  if (local != NULL && !g_error_matches (local, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND))
    return g_propagate_error (error, g_steal_pointer (&local)), FALSE;
  return read_permissions (kf, info, error);
}

SprigToolPluginInfo *
sprig_tool_plugin_info_load (const char *path,
                             GError    **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(SprigToolPluginInfo) info = NULL;
  g_autofree char *base = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, error))
    return prefix_error (error, path), NULL;
  info = g_new0 (SprigToolPluginInfo, 1);
  if (g_path_is_absolute (path))
    info->path = g_strdup (path);
  else
    {
      g_autofree char *cwd = g_get_current_dir ();

      info->path = g_build_filename (cwd, path, NULL);
    }
  base = g_path_get_basename (path);
  info->id = g_str_has_suffix (base, SPRIG_TOOL_KEY_FILE_SUFFIX)
             ? g_strndup (base, strlen (base) - strlen (SPRIG_TOOL_KEY_FILE_SUFFIX))
             : g_strdup (base);
  if (!read_keys (kf, info, error))
    return prefix_error (error, path), NULL;
  return g_steal_pointer (&info);
}

static int
compare_ids (gconstpointer a,
             gconstpointer b)
{
  return strcmp ((*(SprigToolPluginInfo *const *) a)->id,
                 (*(SprigToolPluginInfo *const *) b)->id);
}

static void
scan_dir (const char *dir,
          GPtrArray  *infos,
          GHashTable *seen,
          GPtrArray  *errors)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *entry;

  if (d == NULL)
    return;
  while ((entry = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autoptr(GError) error = NULL;
      SprigToolPluginInfo *info;

      if (!g_str_has_suffix (entry, SPRIG_TOOL_KEY_FILE_SUFFIX))
        continue;
      path = g_build_filename (dir, entry, NULL);
      if ((info = sprig_tool_plugin_info_load (path, &error)) == NULL)
        {
          if (errors != NULL)
            g_ptr_array_add (errors, g_steal_pointer (&error));
          continue;
        }
      if (g_hash_table_contains (seen, info->id))
        {
          sprig_tool_plugin_info_free (info);
          continue;
        }
      g_hash_table_add (seen, g_strdup (info->id));
      g_ptr_array_add (infos, info);
    }
}

GPtrArray *
sprig_tool_plugin_info_scan (const char *const *dirs,
                             GPtrArray        **errors)
{
  GPtrArray *infos = g_ptr_array_new_with_free_func ((GDestroyNotify) sprig_tool_plugin_info_free);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (errors != NULL)
    *errors = g_ptr_array_new_with_free_func ((GDestroyNotify) g_error_free);
  for (guint i = 0; dirs != NULL && dirs[i] != NULL; i++)
    scan_dir (dirs[i], infos, seen, errors ? *errors : NULL);
  g_ptr_array_sort (infos, compare_ids);
  return infos;
}

char **
sprig_tool_plugin_builtin_dirs (void)
{
  const char *path = g_getenv ("SPRIG_BUILTIN_TOOL_PATH");

  /* Uninstalled builds keep each built-in in a folder of its own. */
  if (path != NULL && *path != '\0')
    return g_strsplit (path, G_SEARCHPATH_SEPARATOR_S, -1);
  return g_strsplit (SPRIG_TOOLDIR, G_SEARCHPATH_SEPARATOR_S, 2);
}

char **
sprig_tool_plugin_dirs (void)
{
  GPtrArray *dirs = g_ptr_array_new ();
  g_auto(GStrv) builtin = sprig_tool_plugin_builtin_dirs ();

  /* Built-ins first: the scan keeps the first folder's plugin for an id found twice,
   * so a plugin the user drops in as "calculator" can never stand in for the built-in
   * (whose id is on by default) without being switched on itself. */
  for (guint i = 0; builtin[i] != NULL; i++)
    if (builtin[i][0] != '\0')
      g_ptr_array_add (dirs, g_strdup (builtin[i]));
  g_ptr_array_add (dirs, g_build_filename (g_get_user_data_dir (), "sprig", "tools", NULL));
  if (g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS))
    g_ptr_array_add (dirs, g_strdup ("/app/lib/sprig/tools"));
  g_ptr_array_add (dirs, NULL);
  return (char **) g_ptr_array_free (dirs, FALSE);
}
