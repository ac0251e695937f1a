/* SPDX-License-Identifier: Apache-2.0
 *
 * The tool settings without a display (memory GSettings backend): MCP servers written
 * and read back, entries without a command skipped, the digest approval is keyed by
 * (stable, and different for any change to any argument), approvals, plugins turned on
 * and off, and command lines that a shell splits back into the same argv.
 */
#include "config.h"

#include <string.h>

#include "sprig-tool-settings.h"

static GSettings *
new_settings (void)
{
  GSettings *settings = g_settings_new (APP_ID);

  g_settings_reset (settings, "mcp-servers");
  g_settings_reset (settings, "mcp-approved-commands");
  g_settings_reset (settings, "enabled-tool-plugins");
  return settings;
}

static SprigMcpServerSpec *
spec_of (const char *name,
         const char *first,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  va_list args;

  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  return sprig_mcp_server_spec_new (name, (const char *const *) argv->pdata, TRUE);
}

static void
test_servers_round_trip (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  g_autoptr(GPtrArray) servers = g_ptr_array_new_with_free_func (
    (GDestroyNotify) sprig_mcp_server_spec_free);
  g_autoptr(GPtrArray) read = NULL;

  g_ptr_array_add (servers, spec_of ("Files", "npx", "-y", "@mcp/server-filesystem",
                                     "/home/me/My Documents", NULL));
  g_ptr_array_add (servers, spec_of ("Wetter ☀", "uvx", "weather", NULL));
  ((SprigMcpServerSpec *) servers->pdata[1])->enabled = FALSE;
  g_ptr_array_add (servers, spec_of ("Local", "/opt/bin/srv", "", "--x=1", NULL));
  sprig_tool_settings_set_servers (settings, servers);

  read = sprig_tool_settings_get_servers (settings);
  g_assert_cmpuint (read->len, ==, 3);
  for (guint i = 0; i < read->len; i++)
    {
      const SprigMcpServerSpec *a = servers->pdata[i], *b = read->pdata[i];

      g_assert_cmpstr (a->name, ==, b->name);
      g_assert_true (g_strv_equal ((const char *const *) a->argv, (const char *const *) b->argv));
      g_assert_cmpint (a->enabled, ==, b->enabled);
    }
  g_assert_false (((SprigMcpServerSpec *) read->pdata[1])->enabled);
  g_assert_cmpstr (((SprigMcpServerSpec *) read->pdata[2])->argv[1], ==, "");

  /* and back to none */
  g_ptr_array_set_size (servers, 0);
  sprig_tool_settings_set_servers (settings, servers);
  g_clear_pointer (&read, g_ptr_array_unref);
  read = sprig_tool_settings_get_servers (settings);
  g_assert_cmpuint (read->len, ==, 0);
}

static void
test_empty_argv_skipped (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  g_autoptr(GPtrArray) read = NULL;
  g_autoptr(GPtrArray) servers = g_ptr_array_new_with_free_func (
    (GDestroyNotify) sprig_mcp_server_spec_free);
  g_autoptr(GVariant) written = NULL;
  SprigMcpServerSpec *empty;

  /* written by hand (dconf-editor) with nothing to start */
  g_settings_set_value (settings, "mcp-servers",
                        g_variant_new_parsed ("[('none', @as [], true), "
                                              "('ok', ['srv', '--stdio'], true), "
                                              "('also none', @as [], false)]"));
  read = sprig_tool_settings_get_servers (settings);
  g_assert_cmpuint (read->len, ==, 1);
  g_assert_cmpstr (((SprigMcpServerSpec *) read->pdata[0])->name, ==, "ok");
  g_assert_cmpstr (((SprigMcpServerSpec *) read->pdata[0])->argv[1], ==, "--stdio");

  /* a spec whose argv was emptied is not written */
  g_ptr_array_add (servers, spec_of ("first", "a", NULL));
  empty = spec_of ("emptied", "b", NULL);
  g_clear_pointer (&empty->argv[0], g_free);
  g_ptr_array_add (servers, empty);
  sprig_tool_settings_set_servers (settings, servers);
  written = g_settings_get_value (settings, "mcp-servers");
  g_assert_cmpuint (g_variant_n_children (written), ==, 1);
}

static char *
digest_of (const SprigMcpServerSpec *spec)
{
  return sprig_mcp_server_spec_dup_digest (spec);
}

static void
test_digest (void)
{
  g_autoptr(SprigMcpServerSpec) base = spec_of ("Files", "npx", "-y", "server", NULL);
  g_autoptr(SprigMcpServerSpec) renamed = spec_of ("Other name", "npx", "-y", "server", NULL);
  g_autofree char *digest = digest_of (base);
  g_autofree char *again = digest_of (base);
  g_autofree char *renamed_digest = NULL;
  SprigMcpServerSpec *changed[] = {
    spec_of ("Files", "npx", "-y", "server2", NULL),
    spec_of ("Files", "npx", "-Y", "server", NULL),
    spec_of ("Files", "npx ", "-y", "server", NULL),
    spec_of ("Files", "npx", "-y", "server", "", NULL),
    spec_of ("Files", "npx", "-y", NULL),
    spec_of ("Files", "npx", "-yserver", NULL),
    spec_of ("Files", "npx", "-ys", "erver", NULL),
    spec_of ("Files", "-y", "npx", "server", NULL),
  };

  /* sha256 ("npx\0-y\0server\0"), by Python's hashlib */
  g_assert_cmpstr (digest, ==,
                   "dca17564755a5fd6f91acbfcbbc7ff9be59d6740424f590109407d88493b2452");
  g_assert_cmpstr (digest, ==, again);
  g_assert_cmpuint (strlen (digest), ==, 64);
  /* the name and the switch are not part of what is approved */
  renamed->enabled = FALSE;
  renamed_digest = digest_of (renamed);
  g_assert_cmpstr (digest, ==, renamed_digest);

  for (guint i = 0; i < G_N_ELEMENTS (changed); i++)
    {
      g_autofree char *other = digest_of (changed[i]);

      g_assert_cmpstr (digest, !=, other);
      for (guint j = 0; j < i; j++)
        {
          g_autofree char *earlier = digest_of (changed[j]);

          g_assert_cmpstr (earlier, !=, other);
        }
    }
  for (guint i = 0; i < G_N_ELEMENTS (changed); i++)
    sprig_mcp_server_spec_free (changed[i]);
}

static void
count_changes (GSettings  *settings,
               const char *key,
               gpointer    counter)
{
  (*(guint *) counter)++;
}

static void
test_approval (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  g_autoptr(SprigMcpServerSpec) spec = spec_of ("Files", "npx", "-y", "server", NULL);
  g_autoptr(SprigMcpServerSpec) same = spec_of ("Renamed", "npx", "-y", "server", NULL);
  g_autoptr(SprigMcpServerSpec) edited = spec_of ("Files", "npx", "-y", "server@2", NULL);
  g_auto(GStrv) approved = NULL;
  g_autofree char *digest = digest_of (spec);
  guint changes = 0;

  g_assert_false (sprig_tool_settings_server_is_approved (settings, spec));
  sprig_tool_settings_set_server_approved (settings, spec, TRUE);
  g_assert_true (sprig_tool_settings_server_is_approved (settings, spec));
  /* keyed by the command, not the name */
  g_assert_true (sprig_tool_settings_server_is_approved (settings, same));
  /* an edited command asks again */
  g_assert_false (sprig_tool_settings_server_is_approved (settings, edited));

  /* stored as the digest, once */
  g_signal_connect (settings, "changed::mcp-approved-commands", G_CALLBACK (count_changes),
                    &changes);
  sprig_tool_settings_set_server_approved (settings, same, TRUE);
  g_assert_cmpuint (changes, ==, 0);
  approved = g_settings_get_strv (settings, "mcp-approved-commands");
  g_assert_cmpuint (g_strv_length (approved), ==, 1);
  g_assert_cmpstr (approved[0], ==, digest);

  sprig_tool_settings_set_server_approved (settings, edited, TRUE);
  sprig_tool_settings_set_server_approved (settings, spec, FALSE);
  g_assert_cmpuint (changes, ==, 2);
  g_assert_false (sprig_tool_settings_server_is_approved (settings, spec));
  g_assert_true (sprig_tool_settings_server_is_approved (settings, edited));
  sprig_tool_settings_set_server_approved (settings, spec, FALSE);
  g_assert_cmpuint (changes, ==, 2);
}

static void
test_plugins (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  g_auto(GStrv) list = NULL;
  guint changes = 0;

  /* the schema's default: the built-ins */
  g_assert_true (sprig_tool_settings_get_plugin_enabled (settings, "calculator"));
  g_assert_true (sprig_tool_settings_get_plugin_enabled (settings, "clock"));
  g_assert_true (sprig_tool_settings_get_plugin_enabled (settings, SPRIG_READ_FILE_TOOL_ID));
  g_assert_false (sprig_tool_settings_get_plugin_enabled (settings, "word-count"));

  g_signal_connect (settings, "changed::enabled-tool-plugins", G_CALLBACK (count_changes),
                    &changes);
  sprig_tool_settings_set_plugin_enabled (settings, "word-count", TRUE);
  sprig_tool_settings_set_plugin_enabled (settings, "clock", FALSE);
  g_assert_cmpuint (changes, ==, 2);
  g_assert_true (sprig_tool_settings_get_plugin_enabled (settings, "word-count"));
  g_assert_false (sprig_tool_settings_get_plugin_enabled (settings, "clock"));
  g_assert_true (sprig_tool_settings_get_plugin_enabled (settings, "calculator"));
  /* no duplicates, no writes for nothing */
  sprig_tool_settings_set_plugin_enabled (settings, "word-count", TRUE);
  sprig_tool_settings_set_plugin_enabled (settings, "clock", FALSE);
  g_assert_cmpuint (changes, ==, 2);
  list = g_settings_get_strv (settings, "enabled-tool-plugins");
  g_assert_cmpuint (g_strv_length (list), ==, 3);
  /* a prefix of an id is another id */
  g_assert_false (sprig_tool_settings_get_plugin_enabled (settings, "word"));
}

static void
test_command_line (void)
{
  static const char *const cases[][6] = {
    { "npx", "-y", "@modelcontextprotocol/server-filesystem", "/home/me", NULL },
    { "/opt/My Server/bin/srv", "--name", "it's", NULL },
    { "srv", "", "a\"b", "$HOME", "*.txt", NULL },
    { "srv", "line\nbreak", "tab\there", "back\\slash", NULL },
    { "srv", "~", "a;b", "a|b", "`x`", NULL },
    { "srv", "--opt=a b", "#comment", "ünïcödé", "(x)", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SprigMcpServerSpec) spec = sprig_mcp_server_spec_new ("s", cases[i], TRUE);
      g_autofree char *line = sprig_mcp_server_spec_dup_command_line (spec);
      g_auto(GStrv) parsed = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", line);
      g_assert_true (g_shell_parse_argv (line, NULL, &parsed, &error));
      g_assert_no_error (error);
      g_assert_true (g_strv_equal ((const char *const *) parsed, cases[i]));
    }
  /* plain words stay as they are, so the user reads what they typed */
  {
    g_autoptr(SprigMcpServerSpec) spec = sprig_mcp_server_spec_new ("s", cases[0], TRUE);
    g_autofree char *line = sprig_mcp_server_spec_dup_command_line (spec);

    g_assert_cmpstr (line, ==, "npx -y @modelcontextprotocol/server-filesystem /home/me");
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sprig/tool-settings/servers-round-trip", test_servers_round_trip);
  g_test_add_func ("/sprig/tool-settings/empty-argv-skipped", test_empty_argv_skipped);
  g_test_add_func ("/sprig/tool-settings/digest", test_digest);
  g_test_add_func ("/sprig/tool-settings/approval", test_approval);
  g_test_add_func ("/sprig/tool-settings/plugins", test_plugins);
  g_test_add_func ("/sprig/tool-settings/command-line", test_command_line);
  return g_test_run ();
}
