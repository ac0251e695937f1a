/* SPDX-License-Identifier: Apache-2.0
 *
 * The tool preferences in GSettings: the MCP servers the user added, the commands they
 * agreed to start (keyed by a digest of the exact argv, so that any change asks again)
 * and which tool plugins are on. Only GLib/GIO, so the unit test needs no display.
 */
#include "config.h"

#include <string.h>

#include "sprig-tool-settings.h"

#define SERVERS_KEY  "mcp-servers"
#define APPROVED_KEY "mcp-approved-commands"
#define PLUGINS_KEY  "enabled-tool-plugins"

SprigMcpServerSpec *
sprig_mcp_server_spec_new (const char        *name,
                           const char *const *argv,
                           gboolean           enabled)
{
  SprigMcpServerSpec *spec;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);

  spec = g_new0 (SprigMcpServerSpec, 1);
  spec->name = g_strdup (name);
  spec->argv = g_strdupv ((char **) argv);
  spec->enabled = !!enabled;
  return spec;
}

void
sprig_mcp_server_spec_free (SprigMcpServerSpec *spec)
{
  if (spec == NULL)
    return;
  g_free (spec->name);
  g_strfreev (spec->argv);
  g_free (spec);
}

/* Characters no POSIX shell treats specially anywhere in a word. */
static gboolean
needs_quoting (const char *arg)
{
  static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                             "0123456789@%+=:,./_-";

  return *arg == '\0' || arg[strspn (arg, safe)] != '\0';
}

char *
sprig_mcp_server_spec_dup_command_line (const SprigMcpServerSpec *spec)
{
  GString *line = g_string_new (NULL);

  g_return_val_if_fail (spec != NULL && spec->argv != NULL, NULL);

  for (guint i = 0; spec->argv[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (line, ' ');
      if (needs_quoting (spec->argv[i]))
        {
          g_autofree char *quoted = g_shell_quote (spec->argv[i]);

          g_string_append (line, quoted);
        }
      else
        g_string_append (line, spec->argv[i]);
    }
  return g_string_free (line, FALSE);
}

char *
sprig_mcp_server_spec_dup_digest (const SprigMcpServerSpec *spec)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  g_return_val_if_fail (spec != NULL && spec->argv != NULL, NULL);

  /* The NUL after each argument keeps ["ab", "c"] and ["a", "bc"] apart. */
  for (guint i = 0; spec->argv[i] != NULL; i++)
    g_checksum_update (sum, (const guchar *) spec->argv[i], strlen (spec->argv[i]) + 1);
  return g_strdup (g_checksum_get_string (sum));
}

GPtrArray *
sprig_tool_settings_get_servers (GSettings *settings)
{
  GPtrArray *servers = g_ptr_array_new_with_free_func ((GDestroyNotify) sprig_mcp_server_spec_free);
  g_autoptr(GVariant) value = NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), servers);

  value = g_settings_get_value (settings, SERVERS_KEY);
  for (gsize i = 0; i < g_variant_n_children (value); i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (value, i);
      g_autofree const char **argv = NULL;
      const char *name;
      gboolean enabled;

      g_variant_get (child, "(&s^a&sb)", &name, &argv, &enabled);
      if (argv == NULL || argv[0] == NULL)
        continue;  /* nothing to start: written by hand or by an older version */
      g_ptr_array_add (servers, sprig_mcp_server_spec_new (name, argv, enabled));
    }
  return servers;
}

void
sprig_tool_settings_set_servers (GSettings *settings,
                                 GPtrArray *servers)
{
  GVariantBuilder builder;

  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (servers != NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sasb)"));
  for (guint i = 0; i < servers->len; i++)
    {
      const SprigMcpServerSpec *spec = g_ptr_array_index (servers, i);

      if (spec->argv == NULL || spec->argv[0] == NULL)
        continue;
      g_variant_builder_add (&builder, "(s^asb)", spec->name, spec->argv, spec->enabled);
    }
  g_settings_set_value (settings, SERVERS_KEY, g_variant_builder_end (&builder));
}

gboolean
sprig_tool_settings_server_is_approved (GSettings                *settings,
                                        const SprigMcpServerSpec *spec)
{
  g_auto(GStrv) approved = NULL;
  g_autofree char *digest = NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), FALSE);
  g_return_val_if_fail (spec != NULL, FALSE);

  approved = g_settings_get_strv (settings, APPROVED_KEY);
  digest = sprig_mcp_server_spec_dup_digest (spec);
  return g_strv_contains ((const char *const *) approved, digest);
}

/* Adds @item to the string list @key holds, or takes every copy of it out. */
static void
set_membership (GSettings  *settings,
                const char *key,
                const char *item,
                gboolean    member)
{
  g_auto(GStrv) old = g_settings_get_strv (settings, key);
  g_autoptr(GPtrArray) new = g_ptr_array_new ();

  if (g_strv_contains ((const char *const *) old, item) == !!member)
    return;  /* no write, so no "changed" signal for nothing */
  for (guint i = 0; old[i] != NULL; i++)
    if (!g_str_equal (old[i], item))
      g_ptr_array_add (new, old[i]);
  if (member)
    g_ptr_array_add (new, (gpointer) item);
  g_ptr_array_add (new, NULL);
  g_settings_set_strv (settings, key, (const char *const *) new->pdata);
}

void
sprig_tool_settings_set_server_approved (GSettings                *settings,
                                         const SprigMcpServerSpec *spec,
                                         gboolean                  approved)
{
  g_autofree char *digest = NULL;

  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (spec != NULL);

  digest = sprig_mcp_server_spec_dup_digest (spec);
  set_membership (settings, APPROVED_KEY, digest, approved);
}

gboolean
sprig_tool_settings_get_plugin_enabled (GSettings  *settings,
                                        const char *plugin_id)
{
  g_auto(GStrv) enabled = NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), FALSE);
  g_return_val_if_fail (plugin_id != NULL, FALSE);

  enabled = g_settings_get_strv (settings, PLUGINS_KEY);
  return g_strv_contains ((const char *const *) enabled, plugin_id);
}

void
sprig_tool_settings_set_plugin_enabled (GSettings  *settings,
                                        const char *plugin_id,
                                        gboolean    enabled)
{
  g_return_if_fail (G_IS_SETTINGS (settings));
  g_return_if_fail (plugin_id != NULL);

  set_membership (settings, PLUGINS_KEY, plugin_id, enabled);
}
