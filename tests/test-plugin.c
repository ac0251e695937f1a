/* SPDX-License-Identifier: Apache-2.0
 *
 * Tests the GModule plugin loader: a good module loads and probes, and every kind of
 * bad module (no entry symbol, wrong ABI version, short interface, wrong kind, not a
 * module at all) is refused with a message that names the problem. Also loads the
 * real CPU plugin and checks its feature report against /proc/cpuinfo.
 */
#include "config.h"

#include <gmodule.h>
#include <glib/gstdio.h>

#include "sprig/se-error.h"
#include "sprig/se-plugin-loader.h"

static char *
module_path (const char *name)
{
  g_autofree char *file = g_strconcat (name, ".", G_MODULE_SUFFIX, NULL);

  return g_test_build_filename (G_TEST_BUILT, "plugins", file, NULL);
}

static void
test_load_good (void)
{
  g_autofree char *path = module_path ("test-plugin-good");
  g_autoptr(GError) error = NULL;
  g_autoptr(SePlugin) plugin = NULL;
  g_autofree char *reason = NULL;

  plugin = se_plugin_open (path, SE_PLUGIN_KIND_BACKEND, 0, &error);
  g_assert_no_error (error);
  g_assert_nonnull (plugin);
  g_assert_cmpstr (se_plugin_get_name (plugin), ==, "test");
  g_assert_cmpstr (se_plugin_get_path (plugin), ==, path);
  g_assert_cmpint (se_plugin_get_header (plugin)->abi_version, ==, SE_PLUGIN_ABI_VERSION);
  g_assert_cmpint (se_plugin_probe (plugin, &reason), ==, 42);
  g_assert_null (reason);
}

static void
test_probe_refuses (void)
{
  g_autofree char *path = module_path ("test-plugin-cannot-run");
  g_autoptr(GError) error = NULL;
  g_autoptr(SePlugin) plugin = NULL;
  g_autofree char *reason = NULL;

  plugin = se_plugin_open (path, SE_PLUGIN_KIND_BACKEND, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (se_plugin_probe (plugin, &reason), <=, 0);
  g_assert_cmpstr (reason, ==, "needs hardware this machine lacks");
}

static void
assert_refused_code (const char  *name,
                     SePluginKind kind,
                     gsize        min_size,
                     int          code,
                     const char  *expected_fragment)
{
  g_autofree char *path = module_path (name);
  g_autoptr(GError) error = NULL;
  g_autoptr(SePlugin) plugin = NULL;

  plugin = se_plugin_open (path, kind, min_size, &error);
  g_assert_null (plugin);
  g_assert_error (error, SE_ERROR, code);
  if (strstr (error->message, expected_fragment) == NULL)
    g_error ("message \"%s\" lacks \"%s\"", error->message, expected_fragment);
  g_assert_nonnull (strstr (error->message, path));
}

static void
assert_refused (const char  *name,
                SePluginKind kind,
                gsize        min_size,
                const char  *expected_fragment)
{
  assert_refused_code (name, kind, min_size, SE_ERROR_PLUGIN, expected_fragment);
}

static void
test_refuse_no_entry (void)
{
  assert_refused ("test-plugin-no-entry", SE_PLUGIN_KIND_BACKEND, 0,
                  "does not export the entry symbol sprig_plugin_entry()");
}

static void
test_refuse_wrong_abi (void)
{
  assert_refused ("test-plugin-wrong-abi", SE_PLUGIN_KIND_BACKEND, 0,
                  "built for plugin ABI version 999, this Sprig needs version 1");
}

static void
test_refuse_short_struct (void)
{
  /* The module's header claims 8 bytes, less than the header itself. */
  assert_refused ("test-plugin-short", SE_PLUGIN_KIND_BACKEND, 0, "interface of 8 bytes");
  /* A good module is refused when the caller needs a larger interface than it has. */
  assert_refused ("test-plugin-good", SE_PLUGIN_KIND_BACKEND, 4096, "at least 4096 are needed");
}

static void
test_refuse_wrong_kind (void)
{
  assert_refused_code ("test-plugin-good", SE_PLUGIN_KIND_TOOLS, 0, SE_ERROR_WRONG_TYPE,
                       "expected kind 2");
}

static void
test_refuse_not_a_module (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sprig-plugin-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "junk." G_MODULE_SUFFIX, NULL);
  SePlugin *plugin;

  g_file_set_contents (path, "this is not an ELF file", -1, &error);
  g_assert_no_error (error);
  plugin = se_plugin_open (path, SE_PLUGIN_KIND_BACKEND, 0, &error);
  g_assert_null (plugin);
  g_assert_error (error, SE_ERROR, SE_ERROR_PLUGIN);
  g_assert_nonnull (strstr (error->message, "Could not load plugin"));
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_scan (void)
{
  g_autofree char *dir = g_test_build_filename (G_TEST_BUILT, "plugins", NULL);
  g_autoptr(GPtrArray) refusals = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) plugins = NULL;
  guint n_test = 0;

  g_setenv ("SPRIG_PLUGIN_PATH", dir, TRUE);
  plugins = se_plugin_scan (SE_PLUGIN_KIND_BACKEND, 0, refusals);
  g_unsetenv ("SPRIG_PLUGIN_PATH");

  /* good and cannot-run share the name "test": only the first one found is kept */
  for (guint i = 0; i < plugins->len; i++)
    n_test += g_str_equal (se_plugin_get_name (g_ptr_array_index (plugins, i)), "test");
  g_assert_cmpuint (n_test, ==, 1);
  /* no-entry, wrong-abi and short are refused with reasons; the tools-kind module is
   * simply not a backend and is skipped without a refusal. */
  g_assert_cmpuint (refusals->len, ==, 3);
}

static void
test_search_path (void)
{
  g_auto(GStrv) dirs = NULL;

  g_setenv ("SPRIG_PLUGIN_PATH", "/a:/b::/c", TRUE);
  dirs = se_plugin_search_path ();
  g_unsetenv ("SPRIG_PLUGIN_PATH");
  g_assert_cmpuint (g_strv_length (dirs), ==, 4);
  g_assert_cmpstr (dirs[0], ==, SPRIG_PLUGINDIR);
  g_assert_cmpstr (dirs[1], ==, "/a");
  g_assert_cmpstr (dirs[3], ==, "/c");
}

static gboolean
cpuinfo_has_flag (const char *flag)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/cpuinfo", &text, NULL, NULL))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "flags") || g_str_has_prefix (lines[i], "Features"))
      {
        g_auto(GStrv) words = g_strsplit_set (strchr (lines[i], ':') + 1, " \t", -1);

        return g_strv_contains ((const char *const *) words, flag);
      }
  return FALSE;
}

static void
test_cpu_plugin (void)
{
  const char *dir = g_getenv ("SPRIG_TEST_CPU_PLUGIN_DIR");
  g_autofree char *path = g_build_filename (dir, "sprig-cpu." G_MODULE_SUFFIX, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(SePlugin) plugin = NULL;
  const char *desc;

  plugin = se_plugin_open (path, SE_PLUGIN_KIND_BACKEND, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (se_plugin_get_name (plugin), ==, "cpu");
  g_assert_cmpint (se_plugin_probe (plugin, NULL), >, 0);
  desc = se_plugin_get_header (plugin)->description;
  g_test_message ("%s", desc);
  /* The plugin's cpuid reading must agree with the kernel's. */
  for (const char *const *f = (const char *const[]) { "avx2", "fma", "f16c", "avx512f", NULL };
       *f != NULL; f++)
    {
      g_autofree char *word = g_strconcat (" ", *f, NULL);
      gboolean reported = strstr (desc, word) != NULL || strstr (desc, *f) == desc;

      g_assert_cmpint (reported, ==, cpuinfo_has_flag (*f));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sprig/plugins/load-good", test_load_good);
  g_test_add_func ("/sprig/plugins/probe-refuses", test_probe_refuses);
  g_test_add_func ("/sprig/plugins/refuse-no-entry", test_refuse_no_entry);
  g_test_add_func ("/sprig/plugins/refuse-wrong-abi", test_refuse_wrong_abi);
  g_test_add_func ("/sprig/plugins/refuse-short-struct", test_refuse_short_struct);
  g_test_add_func ("/sprig/plugins/refuse-wrong-kind", test_refuse_wrong_kind);
  g_test_add_func ("/sprig/plugins/refuse-not-a-module", test_refuse_not_a_module);
  g_test_add_func ("/sprig/plugins/scan", test_scan);
  g_test_add_func ("/sprig/plugins/search-path", test_search_path);
  g_test_add_func ("/sprig/plugins/cpu-plugin", test_cpu_plugin);
  return g_test_run ();
}
