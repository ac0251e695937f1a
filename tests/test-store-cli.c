/* SPDX-License-Identifier: Apache-2.0
 *
 * The command-line entry of the store (`sprig --export-all DIR`, `sprig --import FILE`),
 * run in subprocesses so that its terminal output and exit status can be checked.
 */
#include "config.h"

#include "store/store-test-util.h"

static void
test_export_then_import (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *db_a = NULL, *db_b = NULL, *out = NULL, *json = NULL;
  g_autoptr(SprigStore) store = NULL;

  if (g_test_subprocess ())
    {
      const char *cmd = g_getenv ("SPRIG_TEST_CLI");

      if (g_str_equal (cmd, "export"))
        exit (sprig_store_run_command (g_getenv ("SPRIG_TEST_DB"), SPRIG_STORE_COMMAND_EXPORT_ALL,
                                       g_getenv ("SPRIG_TEST_ARG")));
      exit (sprig_store_run_command (g_getenv ("SPRIG_TEST_DB"), SPRIG_STORE_COMMAND_IMPORT,
                                     g_getenv ("SPRIG_TEST_ARG")));
    }
  dir = store_test_mkdtemp ();
  db_a = g_build_filename (dir, "a.db", NULL);
  db_b = g_build_filename (dir, "b.db", NULL);
  out = g_build_filename (dir, "export", NULL);
  json = g_build_filename (out, "conversations.json", NULL);
  store = store_test_new_open (db_a);
  store_test_append (store, store_test_create_conversation (store, "One"), 0,
                     SPRIG_MESSAGE_ROLE_USER, "hello");
  store_test_create_conversation (store, "Two");
  g_assert_finalize_object (g_steal_pointer (&store));

  g_setenv ("SPRIG_TEST_CLI", "export", TRUE);
  g_setenv ("SPRIG_TEST_DB", db_a, TRUE);
  g_setenv ("SPRIG_TEST_ARG", out, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("Exported 2 conversations to *");
  g_assert_true (g_file_test (json, G_FILE_TEST_IS_REGULAR));

  g_setenv ("SPRIG_TEST_CLI", "import", TRUE);
  g_setenv ("SPRIG_TEST_DB", db_b, TRUE);
  g_setenv ("SPRIG_TEST_ARG", json, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("Imported 2 conversations from *");
  store = store_test_new_open (db_b);
  g_assert_cmpint (sprig_store_count_messages_sync (store, NULL), ==, 1);
  g_assert_finalize_object (g_steal_pointer (&store));

  /* A missing file: exit status 1 and a message on stderr. */
  g_setenv ("SPRIG_TEST_ARG", "/nonexistent/export.json", TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*export.json*");
  store_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sprig/store/cli-export-import", test_export_then_import);

  return g_test_run ();
}
