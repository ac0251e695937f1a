/* SPDX-License-Identifier: Apache-2.0
 *
 * Test models for every test program that needs one, written by the project's own CLI.
 */
#include "config.h"

#include "sprig-test-model.h"

char *
sprig_test_make_model (const char        *dir,
                       const char        *name,
                       const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);
  const char *cli = g_getenv ("SPRIG_CLI");
  gint status = 0;

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return path;
  g_assert_nonnull (cli);
  g_ptr_array_add (argv, (gpointer) cli);
  g_ptr_array_add (argv, (gpointer) "mkmodel");
  g_ptr_array_add (argv, path);
  for (; args != NULL && *args != NULL; args++)
    g_ptr_array_add (argv, (gpointer) *args);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
  return path;
}
