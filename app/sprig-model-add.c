/* SPDX-License-Identifier: Apache-2.0
 *
 * Adding a GGUF file to the models folder, from "Add GGUF File…" or a file dropped on the
 * window: the library validates it on a worker thread with the engine's own checks; a
 * refused file is explained with the engine's reason; an accepted one is copied or linked
 * as the user chooses, the copy's progress shown by the Models window. Also the GGUF file
 * dialog shared with "Open GGUF File…".
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "sprig-model-add.h"

/* ---- the file dialog ---- */

typedef struct
{
  SprigFileChosenFunc callback;
  gpointer user_data;
} Chooser;

static void
chooser_done (Chooser *chooser,
              GFile   *file)
{
  if (file != NULL)
    chooser->callback (file, chooser->user_data);
  g_clear_object (&chooser->user_data);
  g_free (chooser);
}

static Chooser *
chooser_new (SprigFileChosenFunc callback,
             gpointer            user_data)
{
  Chooser *chooser = g_new0 (Chooser, 1);

  chooser->callback = callback;
  chooser->user_data = g_object_ref (user_data);
  return chooser;
}

static GtkFileFilter *
gguf_filter (void)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("GGUF Models"));
  gtk_file_filter_add_pattern (filter, "*.gguf");
  gtk_file_filter_add_pattern (filter, "*.GGUF");
  return filter;
}

#if GTK_CHECK_VERSION (4, 10, 0)
static void
file_dialog_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GFile) file = gtk_file_dialog_open_finish (GTK_FILE_DIALOG (source), result, NULL);

  chooser_done (user_data, file);
}

void
sprig_choose_gguf_file (GtkWindow           *parent,
                        const char          *title,
                        const char          *accept_label,
                        SprigFileChosenFunc  callback,
                        gpointer             user_data)
{
  g_autoptr(GtkFileDialog) dialog = gtk_file_dialog_new ();
  g_autoptr(GListStore) filters = g_list_store_new (GTK_TYPE_FILE_FILTER);
  g_autoptr(GtkFileFilter) filter = gguf_filter ();
  Chooser *chooser = chooser_new (callback, user_data);

  g_list_store_append (filters, filter);
  gtk_file_dialog_set_title (dialog, title);
  gtk_file_dialog_set_accept_label (dialog, accept_label);
  gtk_file_dialog_set_filters (dialog, G_LIST_MODEL (filters));
  gtk_file_dialog_set_default_filter (dialog, filter);
  gtk_file_dialog_open (dialog, parent, NULL, file_dialog_cb, chooser);
}
#else
static void
file_chooser_response_cb (GtkNativeDialog *native,
                          int              response,
                          Chooser         *chooser)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
  gtk_native_dialog_destroy (native);
  g_object_unref (native);
  chooser_done (chooser, file);
}

void
sprig_choose_gguf_file (GtkWindow           *parent,
                        const char          *title,
                        const char          *accept_label,
                        SprigFileChosenFunc  callback,
                        gpointer             user_data)
{
  g_autoptr(GtkFileFilter) filter = gguf_filter ();
  GtkFileChooserNative *native;
  Chooser *chooser = chooser_new (callback, user_data);

  native = gtk_file_chooser_native_new (title, parent, GTK_FILE_CHOOSER_ACTION_OPEN, accept_label,
                                        _("_Cancel"));
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  g_signal_connect (native, "response", G_CALLBACK (file_chooser_response_cb), chooser);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}
#endif

/* ---- validate, ask, import ---- */

typedef struct
{
  SprigModelManager *manager;
  GtkWindow *parent;     /* weak */
  char *path;
  char *name;
} Add;

static void
add_free (Add *add)
{
  g_clear_object (&add->manager);
  g_clear_weak_pointer (&add->parent);
  g_free (add->path);
  g_free (add->name);
  g_free (add);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Add, add_free)

static void
show_message (GtkWindow  *parent,
              const char *heading,
              const char *body)
{
  GtkWidget *dialog = adw_message_dialog_new (parent, heading, body);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
imported_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(Add) add = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SprigModelInfo) info = sprig_model_manager_import_finish (SPRIG_MODEL_MANAGER (source),
                                                                      result, &error);

  /* Success is announced by the manager's "model-added"; a failure here is rare (the disk
   * filled up, the file went away) and needs reading. */
  if (info == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_message (add->parent, _("Could Not Add Model"), error->message);
}

static void
mode_chosen_cb (AdwMessageDialog *dialog,
                const char       *response,
                Add              *add)
{
  SprigModelImportMode mode;

  if (g_str_equal (response, "copy"))
    mode = SPRIG_MODEL_IMPORT_COPY;
  else if (g_str_equal (response, "link"))
    mode = SPRIG_MODEL_IMPORT_SYMLINK;
  else
    {
      add_free (add);
      return;
    }
  sprig_model_manager_import_async (add->manager, add->path, mode, imported_cb, add);
}

static void
ask_mode (Add *add)
{
  g_autoptr(GFile) file = g_file_new_for_path (add->path);
  g_autoptr(GFileInfo) info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE,
                                                 G_FILE_QUERY_INFO_NONE, NULL, NULL);
  g_autofree char *size = g_format_size (info != NULL ? (guint64) g_file_info_get_size (info) : 0);
  g_autofree char *heading = g_strdup_printf (_("Add “%s”?"), add->name);
  g_autofree char *body =
    g_strdup_printf (_("Copy the model into Sprig’s models folder, using %s more disk space, "
                       "or link to it where it is: moving or deleting the original then "
                       "breaks the link."), size);
  GtkWidget *dialog = adw_message_dialog_new (add->parent, heading, body);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "link", _("_Link"), "copy", _("C_opy"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "copy",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "copy");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (mode_chosen_cb), add);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The file is small I/O (header, tensor table, vocabulary); the query above is a stat. */
static void
validated_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Add) add = user_data;
  g_autoptr(GError) error = NULL;

  if (!sprig_model_library_validate_finish (SPRIG_MODEL_LIBRARY (source), result, &error))
    {
      show_message (add->parent, _("Cannot Add Model"), error->message);
      return;
    }
  ask_mode (g_steal_pointer (&add));
}

void
sprig_model_add_file (SprigModelManager *manager,
                      GtkWindow         *parent,
                      GFile             *file)
{
  Add *add;

  g_return_if_fail (SPRIG_IS_MODEL_MANAGER (manager));
  g_return_if_fail (G_IS_FILE (file));

  if (g_file_peek_path (file) == NULL)
    {
      show_message (parent, _("Cannot Add Model"),
                    _("Only files on this computer can be added as models."));
      return;
    }
  add = g_new0 (Add, 1);
  add->manager = g_object_ref (manager);
  g_set_weak_pointer (&add->parent, parent);
  add->path = g_file_get_path (file);
  add->name = g_file_get_basename (file);
  sprig_model_library_validate_async (sprig_model_manager_get_library (manager), add->path, NULL,
                                      validated_cb, add);
}

static void
add_chosen_cb (GFile    *file,
               gpointer  user_data)
{
  GtkWindow *parent = user_data;

  sprig_model_add_file (g_object_get_data (G_OBJECT (parent), "sprig-model-manager"), parent,
                        file);
}

void
sprig_model_add_choose (SprigModelManager *manager,
                        GtkWindow         *parent)
{
  g_return_if_fail (SPRIG_IS_MODEL_MANAGER (manager));
  g_return_if_fail (GTK_IS_WINDOW (parent));

  g_object_set_data_full (G_OBJECT (parent), "sprig-model-manager", g_object_ref (manager),
                          g_object_unref);
  sprig_choose_gguf_file (parent, _("Add Model"), _("_Add"), add_chosen_cb, parent);
}
