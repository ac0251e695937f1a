/* SPDX-License-Identifier: Apache-2.0
 *
 * Tool plugin key files, read without loading code: the built-ins' and the example's,
 * one whose module aborts when loaded (this process survives reading it), and every
 * kind of bad file, each an error naming the file and the key. Then scanning folders.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "sprig-tool-keyfile.h"

static char *tmp_dir;

static char *
write_key_file (const char *name,
                const char *content)
{
  char *path = g_build_filename (tmp_dir, name, NULL);

  g_assert_true (g_file_set_contents (path, content, -1, NULL));
  return path;
}

static void
test_builtins (void)
{
  g_autofree char *calc_dir = g_path_get_dirname (g_getenv ("SPRIG_TEST_CALCULATOR_TOOL"));
  g_autofree char *clock_dir = g_path_get_dirname (g_getenv ("SPRIG_TEST_CLOCK_TOOL"));
  g_autofree char *calc_path = g_build_filename (calc_dir, "calculator.plugin", NULL);
  g_autofree char *clock_path = g_build_filename (clock_dir, "clock.plugin", NULL);
  g_autofree char *example = g_test_build_filename (G_TEST_DIST, "..", "plugins", "tools",
                                                    "examples", "word-count.plugin", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(SprigToolPluginInfo) calc = sprig_tool_plugin_info_load (calc_path, &error);
  g_autoptr(SprigToolPluginInfo) clock = NULL, wc = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (calc->id, ==, "calculator");
  g_assert_cmpstr (calc->name, ==, "Calculator");
  g_assert_true (g_str_has_prefix (calc->description, "Evaluates arithmetic"));
  g_assert_cmpstr (calc->module_path, ==, g_getenv ("SPRIG_TEST_CALCULATOR_TOOL"));
  g_assert_true (calc->read_only);
  g_assert_cmpuint (g_strv_length (calc->permissions), ==, 0);
  clock = sprig_tool_plugin_info_load (clock_path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (clock->module_path, ==, g_getenv ("SPRIG_TEST_CLOCK_TOOL"));
  g_assert_cmpuint (g_strv_length (clock->permissions), ==, 1);
  g_assert_cmpstr (clock->permissions[0], ==, "clock");
  wc = sprig_tool_plugin_info_load (example, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wc->id, ==, "word-count");
  g_assert_true (g_str_has_suffix (wc->module_path, "/examples/word-count.so"));
}

/* test-toolhost's abort-module-aborts shows that loading this module aborts. */
static void
test_no_code_loaded (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SprigToolPluginInfo) info =
    sprig_tool_plugin_info_load (g_getenv ("SPRIG_TEST_ABORT_KEY_FILE"), &error);

  g_assert_no_error (error);
  g_assert_cmpstr (info->name, ==, "Abort on load");
  g_assert_false (info->read_only);
  g_assert_cmpuint (g_strv_length (info->permissions), ==, 2);
  g_assert_cmpstr (info->permissions[1], ==, "files-write");
  g_assert_true (g_file_test (info->module_path, G_FILE_TEST_IS_REGULAR));
}

static void
test_bad_files (void)
{
  struct { const char *content; GQuark domain; int code; const char *says; } cases[] = {
    { "[Other]\nName=x\n", G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND, "Sprig Tool" },
    { "[Sprig Tool]\nDescription=d\nModule=m\n", G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
      "Name" },
    { "[Sprig Tool]\nName=n\nModule=m\n", G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
      "Description" },
    { "[Sprig Tool]\nName=n\nDescription=d\n", G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
      "Module" },
    { "[Sprig Tool]\nName=n\nDescription=d\nModule=m\nReadOnly=maybe\n", G_KEY_FILE_ERROR,
      G_KEY_FILE_ERROR_INVALID_VALUE, "ReadOnly" },
    { "[Sprig Tool]\nName=n\nDescription=d\nModule=m\nReadOnly=yes\n", G_KEY_FILE_ERROR,
      G_KEY_FILE_ERROR_INVALID_VALUE, "ReadOnly" },
    { "[Sprig Tool]\nName=n\nDescription=d\nModule=m\nPermissions=network;root;\n",
      G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "unknown permission" },
    { "[Sprig Tool]\nName=n\nDescription=d\nModule=../evil.so\n", G_KEY_FILE_ERROR,
      G_KEY_FILE_ERROR_INVALID_VALUE, "Module" },
    { "[Sprig Tool]\nName=n\nDescription=d\nModule=/usr/lib/evil.so\n", G_KEY_FILE_ERROR,
      G_KEY_FILE_ERROR_INVALID_VALUE, "Module" },
    { "[Sprig Tool]\nName=n\nDescription=d\nModule=\n", G_KEY_FILE_ERROR,
      G_KEY_FILE_ERROR_INVALID_VALUE, "Module" },
    { "this is not a key file\n", G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "" },
    { "[Sprig Tool]\nName=\xff\xfe\nDescription=d\nModule=m\n", G_KEY_FILE_ERROR,
      G_KEY_FILE_ERROR_UNKNOWN_ENCODING, "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = write_key_file ("bad.plugin", cases[i].content);
      g_autoptr(GError) error = NULL;
      g_autoptr(SprigToolPluginInfo) info = sprig_tool_plugin_info_load (path, &error);

      g_test_message ("case %u: %s", i, error ? error->message : "(no error)");
      g_assert_null (info);
      g_assert_error (error, cases[i].domain, cases[i].code);
      g_assert_true (g_str_has_prefix (error->message, "Tool plugin file "));
      g_assert_nonnull (strstr (error->message, path));
      g_assert_nonnull (strstr (error->message, cases[i].says));
      g_unlink (path);
    }
  {
    g_autofree char *missing = g_build_filename (tmp_dir, "missing.plugin", NULL);
    g_autoptr(GError) error = NULL;

    g_assert_null (sprig_tool_plugin_info_load (missing, &error));
    g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  }
}

static void
test_scan (void)
{
  g_autofree char *sub = g_build_filename (tmp_dir, "second", NULL);
  g_autofree char *a = write_key_file ("b-tool.plugin",
                                       "[Sprig Tool]\nName=B\nDescription=d\nModule=b\n");
  g_autofree char *b = write_key_file ("a-tool.plugin",
                                       "[Sprig Tool]\nName=A\nDescription=d\nModule=a.so\n"
                                       "ReadOnly=true\nPermissions=network\n");
  g_autofree char *c = write_key_file ("broken.plugin", "[Sprig Tool]\n");
  g_autofree char *d = write_key_file ("README", "not a key file");
  g_autofree char *dup = g_build_filename (sub, "a-tool.plugin", NULL);
  g_autofree char *e = g_build_filename (sub, "c-tool.plugin", NULL);
  const char *dirs[] = { tmp_dir, sub, "/nonexistent", NULL };
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(GPtrArray) infos = NULL;
  SprigToolPluginInfo *info;

  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
  g_assert_true (g_file_set_contents (dup, "[Sprig Tool]\nName=A2\nDescription=d\nModule=a\n",
                                      -1, NULL));
  g_assert_true (g_file_set_contents (e, "[Sprig Tool]\nName=C\nDescription=d\nModule=c\n", -1,
                                      NULL));
  infos = sprig_tool_plugin_info_scan (dirs, &errors);
  g_assert_cmpuint (infos->len, ==, 3);
  info = g_ptr_array_index (infos, 0);
  g_assert_cmpstr (info->id, ==, "a-tool");
  g_assert_cmpstr (info->name, ==, "A");   /* the first folder wins */
  g_assert_true (info->read_only);
  g_assert_cmpstr (info->permissions[0], ==, "network");
  g_assert_cmpstr (((SprigToolPluginInfo *) g_ptr_array_index (infos, 1))->id, ==, "b-tool");
  g_assert_cmpstr (((SprigToolPluginInfo *) g_ptr_array_index (infos, 2))->id, ==, "c-tool");
  g_assert_cmpuint (errors->len, ==, 1);
  g_assert_nonnull (strstr (((GError *) g_ptr_array_index (errors, 0))->message, "broken.plugin"));
  for (const char *const *p = (const char *[]) { a, b, c, d, dup, e, NULL }; *p; p++)
    g_unlink (*p);
  g_rmdir (sub);
}

static void
test_dirs (void)
{
  g_auto(GStrv) dirs = sprig_tool_plugin_dirs ();
  g_autofree char *user = g_build_filename (g_get_user_data_dir (), "sprig", "tools", NULL);

  g_auto(GStrv) builtin = sprig_tool_plugin_builtin_dirs ();
  guint n = g_strv_length (builtin);

  /* the built-ins come first, so that a user's plugin cannot take over their ids */
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (dirs[i], ==, builtin[i]);
  g_assert_cmpstr (dirs[n], ==, user);
}

int
main (int   argc,
      char *argv[])
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  tmp_dir = g_dir_make_tmp ("sprig-keyfile-XXXXXX", NULL);
  g_test_add_func ("/sprig/tools/keyfile/builtins", test_builtins);
  g_test_add_func ("/sprig/tools/keyfile/no-code-loaded", test_no_code_loaded);
  g_test_add_func ("/sprig/tools/keyfile/bad-files", test_bad_files);
  g_test_add_func ("/sprig/tools/keyfile/scan", test_scan);
  g_test_add_func ("/sprig/tools/keyfile/dirs", test_dirs);
  rc = g_test_run ();
  g_rmdir (tmp_dir);
  g_free (tmp_dir);
  return rc;
}
