/* SPDX-License-Identifier: Apache-2.0
 *
 * read_file: the model asks for a file and says why; the user picks one in a file
 * dialog (or none), and the app reads it off the main thread and hands the model its
 * text. The model never names a path, so it can read nothing the user did not choose.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "sprig-read-file-tool.h"

/* Longer purposes are cut in the dialog's title (the schema allows 200 characters). */
#define TITLE_PURPOSE_CHARS 80

static const char definition[] =
  "{\"name\": \"" SPRIG_READ_FILE_TOOL_NAME "\", "
  "\"description\": \"Reads a text file that the user chooses. The user picks the file in a "
  "file dialog when this tool runs; you cannot name a path or a file. Say in purpose what you "
  "need the file for, so the user can pick the right one. The result starts with the file's "
  "name and size, then its text. Files that are not text, or larger than 4 MiB, are refused, "
  "and the user may choose no file.\", "
  "\"parameters\": {\"type\": \"object\", \"properties\": {\"purpose\": {\"type\": \"string\", "
  "\"maxLength\": 200, \"description\": \"What you need the file for, shown to the user in the "
  "file dialog, e.g. \\\"the meeting notes to summarize\\\"\"}}, \"required\": [\"purpose\"], "
  "\"additionalProperties\": false}}";

typedef struct
{
  GtkWindow *parent;
#if GTK_CHECK_VERSION (4, 10, 0)
  GtkFileDialog *dialog;
#else
  GtkFileChooserNative *native;
  GSource *cancel_source;
#endif
  GFile *file;
  char *display_name;
} ReadFile;

#if !GTK_CHECK_VERSION (4, 10, 0)
static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

/* Later, out of the signal emission that may still be using it. */
static gboolean
destroy_native_cb (gpointer data)
{
  gtk_native_dialog_destroy (data);
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

static void
drop_native (ReadFile *rf)
{
  gtk_native_dialog_hide (GTK_NATIVE_DIALOG (rf->native));
  g_idle_add (destroy_native_cb, g_steal_pointer (&rf->native));
}
#endif

static void
read_file_free (ReadFile *rf)
{
  g_clear_object (&rf->parent);
#if GTK_CHECK_VERSION (4, 10, 0)
  g_clear_object (&rf->dialog);
#else
  clear_source (&rf->cancel_source);
  if (rf->native != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (rf->native));
  g_clear_object (&rf->native);
#endif
  g_clear_object (&rf->file);
  g_free (rf->display_name);
  g_free (rf);
}

const char *
sprig_read_file_tool_get_definition (void)
{
  return definition;
}

/* The purpose from @arguments, or NULL when there is none worth showing. */
static char *
parse_purpose (const char *arguments)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonNode *member;
  g_autofree char *purpose = NULL;

  if (arguments == NULL || !json_parser_load_from_data (parser, arguments, -1, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  member = json_object_get_member (json_node_get_object (root), "purpose");
  if (member == NULL || !JSON_NODE_HOLDS_VALUE (member)
      || json_node_get_value_type (member) != G_TYPE_STRING)
    return NULL;
  /* one line in a title: newlines and tabs become spaces */
  purpose = g_strstrip (g_strdelimit (g_strdup (json_node_get_string (member)), "\r\n\t", ' '));
  if (purpose[0] == '\0')
    return NULL;
  if (g_utf8_strlen (purpose, -1) > TITLE_PURPOSE_CHARS)
    {
      const char *end = g_utf8_offset_to_pointer (purpose, TITLE_PURPOSE_CHARS - 1);
      g_autofree char *head = g_strndup (purpose, end - purpose);

      return g_strconcat (head, "…", NULL);
    }
  return g_steal_pointer (&purpose);
}

static char *
dialog_title (const char *arguments)
{
  g_autofree char *purpose = parse_purpose (arguments);

  if (purpose == NULL)
    return g_strdup (_("Choose a File for the Assistant"));
  /* Translators: %s is what the assistant says it needs the file for */
  return g_strdup_printf (_("Choose a File for the Assistant: %s"), purpose);
}

/* "1,234,567": the result is read by the model, so it is not localized. */
static char *
group_digits (guint64 n)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GUINT64_FORMAT, n);
  GString *out = g_string_new (NULL);
  gsize len = strlen (digits);

  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, digits[i]);
    }
  return g_string_free (out, FALSE);
}

/* Error and result texts reach the model as the tool's answer (and the tool card), so
 * they are plain English like the tool loop's own ("The user denied this tool call."). */
static gboolean
too_large (GTask      *task,
           const char *name,
           guint64     size)
{
  g_autofree char *bytes = group_digits (size);

  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "“%s” is %s bytes; read_file reads files of at most %u bytes.",
                           name, bytes, (guint) SPRIG_READ_FILE_MAX_BYTES);
  return TRUE;
}

static void
contents_loaded (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ReadFile *rf = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  g_autofree char *bytes = NULL;
  gsize len = 0;

  if (!g_file_load_contents_finish (G_FILE (source), result, &data, &len, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* it may have grown since it was measured */
  if (len > SPRIG_READ_FILE_MAX_BYTES)
    {
      too_large (task, rf->display_name, len);
      return;
    }
  if (memchr (data, '\0', len) != NULL || !g_utf8_validate_len (data, len, NULL))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "“%s” is not a text file.", rf->display_name);
      return;
    }
  /* Only the file's name, not its path: the model does not need to learn how the
   * user's folders are laid out. */
  bytes = group_digits (len);
  g_task_return_pointer (task, g_strdup_printf ("File: %s (%s bytes)\n\n%.*s", rf->display_name,
                                                bytes, (int) len, data), g_free);
}

static void
info_queried (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ReadFile *rf = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInfo) info = g_file_query_info_finish (G_FILE (source), result, &error);
  GCancellable *cancellable;

  if (info == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  rf->display_name = g_strdup (g_file_info_get_display_name (info));
  /* a device or a pipe has no size to check and might never end */
  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                               "“%s” is not a regular file.", rf->display_name);
      return;
    }
  if ((guint64) g_file_info_get_size (info) > SPRIG_READ_FILE_MAX_BYTES)
    {
      too_large (task, rf->display_name, (guint64) g_file_info_get_size (info));
      return;
    }
  cancellable = g_task_get_cancellable (task);
  g_file_load_contents_async (rf->file, cancellable, contents_loaded, g_steal_pointer (&task));
}

/* The user chose @file (NULL: none). */
static void
file_chosen (GTask *task,
             GFile *file)
{
  ReadFile *rf = g_task_get_task_data (task);

  if (file == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                               "The user chose no file.");
      g_object_unref (task);
      return;
    }
  rf->file = g_object_ref (file);
  g_file_query_info_async (file,
                           G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME ","
                           G_FILE_ATTRIBUTE_STANDARD_SIZE "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                           G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT,
                           g_task_get_cancellable (task), info_queried, task);
}

static void
return_cancelled (GTask *task)
{
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           "The tool call was cancelled.");
  g_object_unref (task);
}

#if GTK_CHECK_VERSION (4, 10, 0)

static void
dialog_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GTask *task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = gtk_file_dialog_open_finish (GTK_FILE_DIALOG (source), result, &error);

  if (g_task_get_cancellable (task) != NULL
      && g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    return_cancelled (task);
  else
    file_chosen (task, file);
}

static void
show_dialog (GTask      *task,
             const char *title)
{
  ReadFile *rf = g_task_get_task_data (task);

  rf->dialog = gtk_file_dialog_new ();
  gtk_file_dialog_set_title (rf->dialog, title);
  gtk_file_dialog_set_accept_label (rf->dialog, _("_Read"));
  gtk_file_dialog_set_modal (rf->dialog, TRUE);
  gtk_file_dialog_open (rf->dialog, rf->parent, g_task_get_cancellable (task), dialog_done, task);
}

#else  /* GTK 4.8: GtkFileChooserNative, a GtkFileChooserDialog where there is no portal */

static void
native_response (GtkNativeDialog *native,
                 int              response,
                 gpointer         user_data)
{
  GTask *task = user_data;
  ReadFile *rf = g_task_get_task_data (task);
  g_autoptr(GFile) file = NULL;

  clear_source (&rf->cancel_source);
  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
  g_signal_handlers_disconnect_by_func (native, native_response, task);
  drop_native (rf);
  file_chosen (task, file);
}

static gboolean
native_cancelled (GCancellable *cancellable,
                  gpointer      user_data)
{
  GTask *task = user_data;
  ReadFile *rf = g_task_get_task_data (task);

  g_clear_pointer (&rf->cancel_source, g_source_unref);   /* this source is ending */
  g_signal_handlers_disconnect_by_func (rf->native, native_response, task);
  drop_native (rf);
  return_cancelled (task);
  return G_SOURCE_REMOVE;
}

static void
show_dialog (GTask      *task,
             const char *title)
{
  ReadFile *rf = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  rf->native = gtk_file_chooser_native_new (title, rf->parent, GTK_FILE_CHOOSER_ACTION_OPEN,
                                            _("_Read"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (rf->native), TRUE);
  g_signal_connect (rf->native, "response", G_CALLBACK (native_response), task);
  if (cancellable != NULL)
    {
      /* dispatched on this (the main) context whichever thread cancels */
      rf->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (rf->cancel_source, G_SOURCE_FUNC (native_cancelled), task, NULL);
      g_source_attach (rf->cancel_source, g_main_context_get_thread_default ());
    }
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (rf->native));
}

#endif

void
sprig_read_file_tool_run_async (GtkWindow           *parent,
                                const char          *arguments,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task;
  ReadFile *rf;
  g_autofree char *title = NULL;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sprig_read_file_tool_run_async);
  rf = g_new0 (ReadFile, 1);
  rf->parent = parent ? g_object_ref (parent) : NULL;
  g_task_set_task_data (task, rf, (GDestroyNotify) read_file_free);
  if (g_cancellable_is_cancelled (cancellable))
    {
      return_cancelled (task);
      return;
    }
  title = dialog_title (arguments);
  show_dialog (task, title);   /* the task's reference goes with the dialog */
}

char *
sprig_read_file_tool_run_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sprig_read_file_tool_run_async,
                        NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
