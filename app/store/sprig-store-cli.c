/* SPDX-License-Identifier: Apache-2.0
 *
 * The store behind `sprig --export-all DIR` and `sprig --import FILE`: opens the store,
 * runs one call through its async API on a private main context, and reports on the
 * terminal. GLib only, so the app and the tests call the very same code.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sprig-store.h"

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_for (GMainContext  *context,
          GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (context, TRUE);
  return g_steal_pointer (slot);
}

static gboolean
open_store (SprigStore   *store,
            GMainContext *context,
            GError      **error)
{
  g_autoptr(GAsyncResult) res = NULL;
  GAsyncResult *slot = NULL;

  sprig_store_open_async (store, NULL, done_cb, &slot);
  res = wait_for (context, &slot);
  if (!sprig_store_open_finish (store, res, error))
    return FALSE;
  if (sprig_store_get_recovered_path (store) != NULL)
    g_printerr (_("The conversation database was damaged. It was kept as “%s” and a new, "
                  "empty one was started.\n"), sprig_store_get_recovered_path (store));
  return TRUE;
}

static gint64
run_command (SprigStore      *store,
             GMainContext    *context,
             SprigStoreCommand command,
             GFile           *file,
             GError         **error)
{
  g_autoptr(GAsyncResult) res = NULL;
  GAsyncResult *slot = NULL;

  if (!open_store (store, context, error))
    return -1;
  if (command == SPRIG_STORE_COMMAND_EXPORT_ALL)
    {
      sprig_store_export_all_async (store, file, NULL, done_cb, &slot);
      res = wait_for (context, &slot);
      return sprig_store_export_all_finish (store, res, error);
    }
  sprig_store_import_async (store, file, NULL, done_cb, &slot);
  res = wait_for (context, &slot);
  return sprig_store_import_finish (store, res, error);
}

/**
 * sprig_store_run_command:
 * @db_path: (nullable): the database, or %NULL for the default one
 * @command: what to do
 * @argument: the export folder or the file to import
 *
 * Returns: an exit status for the process: 0 on success, 1 with a message on stderr.
 */
int
sprig_store_run_command (const char        *db_path,
                         SprigStoreCommand  command,
                         const char        *argument)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (argument);
  g_autoptr(SprigStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *shown = g_file_get_parse_name (file);
  gint64 count;

  g_return_val_if_fail (argument != NULL, 1);
  g_main_context_push_thread_default (context);
  store = sprig_store_new (db_path);
  count = run_command (store, context, command, file, &error);
  g_clear_object (&store);
  g_main_context_pop_thread_default (context);

  if (count < 0)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  if (command == SPRIG_STORE_COMMAND_EXPORT_ALL)
    g_print (g_dngettext (GETTEXT_PACKAGE, "Exported %d conversation to %s\n",
                          "Exported %d conversations to %s\n", (gulong) count),
             (int) count, shown);
  else
    g_print (g_dngettext (GETTEXT_PACKAGE, "Imported %d conversation from %s\n",
                          "Imported %d conversations from %s\n", (gulong) count),
             (int) count, shown);
  return 0;
}
