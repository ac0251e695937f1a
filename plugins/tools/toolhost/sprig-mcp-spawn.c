/* SPDX-License-Identifier: Apache-2.0
 *
 * How MCP servers are started: the argv of sprig-toolhost for a set of plugins, and the
 * flatpak-spawn wrapping inside a Flatpak (--sandbox for the app's own tool host,
 * --host for commands the user installed). See docs/tools.md, "Flatpak".
 */
#include "config.h"

#include "sprig-mcp-client.h"

gboolean
sprig_mcp_in_flatpak (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}

char **
sprig_mcp_wrap_argv (const char *const *argv,
                     SprigMcpSpawn      how,
                     gboolean           allow_network,
                     const char *const *expose_ro)
{
  GPtrArray *out = g_ptr_array_new ();

  g_return_val_if_fail (argv != NULL, NULL);

  if (how != SPRIG_MCP_SPAWN_DIRECT)
    {
      g_ptr_array_add (out, g_strdup ("flatpak-spawn"));
      /* the server dies with the app's bus connection, never outlives it */
      g_ptr_array_add (out, g_strdup ("--watch-bus"));
      g_ptr_array_add (out, g_strdup (how == SPRIG_MCP_SPAWN_HOST ? "--host" : "--sandbox"));
      if (how == SPRIG_MCP_SPAWN_SANDBOX && !allow_network)
        g_ptr_array_add (out, g_strdup ("--no-network"));
      for (guint i = 0; how == SPRIG_MCP_SPAWN_SANDBOX && expose_ro && expose_ro[i]; i++)
        g_ptr_array_add (out, g_strconcat ("--sandbox-expose-path-ro=", expose_ro[i], NULL));
    }
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (out, g_strdup (argv[i]));
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

SprigMcpClient *
sprig_mcp_client_new_toolhost (const char *const *plugins,
                               gboolean           allow_network)
{
  const char *host = g_getenv ("SPRIG_TOOLHOST");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) wrapped = NULL;

  g_ptr_array_add (argv, (char *) (host && *host ? host : SPRIG_TOOLHOST_PATH));
  for (guint i = 0; plugins != NULL && plugins[i] != NULL; i++)
    {
      g_ptr_array_add (argv, (char *) plugins[i]);
      g_ptr_array_add (dirs, g_path_get_dirname (plugins[i]));
    }
  g_ptr_array_add (argv, NULL);
  g_ptr_array_add (dirs, NULL);
  wrapped = sprig_mcp_wrap_argv ((const char *const *) argv->pdata,
                                 sprig_mcp_in_flatpak () ? SPRIG_MCP_SPAWN_SANDBOX
                                                         : SPRIG_MCP_SPAWN_DIRECT,
                                 allow_network, (const char *const *) dirs->pdata);
  return sprig_mcp_client_new ((const char *const *) wrapped);
}

SprigMcpClient *
sprig_mcp_client_new_user_server (const char *const *argv)
{
  /* Commands the user installed (npx, uvx, their binaries) exist only outside the
   * sandbox. */
  g_auto(GStrv) wrapped = sprig_mcp_wrap_argv (argv,
                                               sprig_mcp_in_flatpak () ? SPRIG_MCP_SPAWN_HOST
                                                                       : SPRIG_MCP_SPAWN_DIRECT,
                                               TRUE, NULL);

  return sprig_mcp_client_new ((const char *const *) wrapped);
}
