/* SPDX-License-Identifier: Apache-2.0
 *
 * read_file under Xvfb: the test answers the file dialog the tool shows (without a
 * portal, GTK's own GtkFileChooserDialog) and checks what the model would read: a UTF-8
 * file with its header line; a binary file, one over the size limit, no file at all, and
 * a call cancelled while the dialog is open (the dialog goes away).
 */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#include "sprig-read-file-tool.h"
#include "sprig-test-ui.h"

typedef struct
{
  char *dir;
  GtkWindow *parent;
  GAsyncResult *result;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = g_dir_make_tmp ("sprig-read-file-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->parent = GTK_WINDOW (gtk_window_new ());
  gtk_window_present (f->parent);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->result);
  gtk_window_destroy (f->parent);
  sprig_test_spin (50);
  sprig_test_remove_tree (f->dir);
  g_free (f->dir);
}

static gboolean
chooser_shown (gpointer data)
{
  return sprig_test_find_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG) != NULL;
}

static gboolean
chooser_gone (gpointer data)
{
  return sprig_test_find_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG) == NULL;
}

static GtkWindow *
wait_for_chooser (void)
{
  sprig_test_wait_for (chooser_shown, NULL, "the file dialog");
  return sprig_test_find_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG);
}

static gboolean
chooser_has_file (gpointer data)
{
  g_autoptr(GFile) file = gtk_file_chooser_get_file (data);

  return file != NULL;
}

/* Runs the tool, answers its dialog with @path (NULL: Cancel), returns its result. */
static char *
run_and_answer (Fixture     *f,
                const char  *arguments,
                const char  *path,
                GError     **error)
{
  GtkWindow *dialog;

  g_clear_object (&f->result);
  sprig_read_file_tool_run_async (f->parent, arguments, NULL, sprig_test_result_cb, &f->result);
  dialog = wait_for_chooser ();
  if (path != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_path (path);
      g_autoptr(GError) local = NULL;

      g_assert_true (gtk_file_chooser_set_file (GTK_FILE_CHOOSER (dialog), file, &local));
      g_assert_no_error (local);
      /* the chooser selects the file once its folder is loaded */
      sprig_test_wait_for (chooser_has_file, dialog, "the file to be selected");
      gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
    }
  else
    gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  f->result = sprig_test_await_result (&f->result);
  return sprig_read_file_tool_run_finish (f->result, error);
}

static void
test_definition (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *def, *params, *purpose;

  g_assert_true (json_parser_load_from_data (parser, sprig_read_file_tool_get_definition (), -1,
                                             &error));
  g_assert_no_error (error);
  def = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (def, "name"), ==, "read_file");
  g_assert_nonnull (strstr (json_object_get_string_member (def, "description"), "dialog"));
  params = json_object_get_object_member (def, "parameters");
  g_assert_false (json_object_get_boolean_member (params, "additionalProperties"));
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (params,
                                                                                "required"), 0),
                   ==, "purpose");
  purpose = json_object_get_object_member (json_object_get_object_member (params, "properties"),
                                           "purpose");
  g_assert_cmpstr (json_object_get_string_member (purpose, "type"), ==, "string");
  g_assert_cmpint (json_object_get_int_member (purpose, "maxLength"), ==, 200);
}

static void
test_reads_text (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "notes-été.txt", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *content = g_strnfill (1200, 'x');
  g_autofree char *expected = NULL;
  GtkWindow *dialog;

  memcpy (content, "Réunion: 智慧密度\n", strlen ("Réunion: 智慧密度\n"));
  g_assert_true (g_file_set_contents (path, content, -1, NULL));
  sprig_read_file_tool_run_async (f->parent, "{\"purpose\": \"the meeting notes\"}", NULL,
                                  sprig_test_result_cb, &f->result);
  dialog = wait_for_chooser ();
  /* the purpose is in the title, the dialog sits over the chat */
  g_assert_nonnull (strstr (gtk_window_get_title (dialog), "the meeting notes"));
  g_assert_true (gtk_window_get_transient_for (dialog) == f->parent);
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  f->result = sprig_test_await_result (&f->result);

  text = run_and_answer (f, "{\"purpose\": \"the meeting notes\"}", path, &error);
  g_assert_no_error (error);
  expected = g_strdup_printf ("File: notes-été.txt (1,200 bytes)\n\n%s", content);
  g_assert_cmpstr (text, ==, expected);
  /* the model learns the name, never the folder */
  g_assert_null (strstr (text, f->dir));
  sprig_test_wait_for (chooser_gone, NULL, "the file dialog to close");
}

static void
test_refuses_binary (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *nul = g_build_filename (f->dir, "image.png", NULL);
  g_autofree char *latin1 = g_build_filename (f->dir, "latin1.txt", NULL);
  g_autoptr(GError) error = NULL;
  char *text;

  g_assert_true (g_file_set_contents (nul, "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, NULL));
  g_assert_true (g_file_set_contents (latin1, "caf\xe9\n", -1, NULL));
  /* no purpose at all: a generic title, and the call still works */
  text = run_and_answer (f, "{}", nul, &error);
  g_assert_null (text);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_cmpstr (error->message, ==, "“image.png” is not a text file.");
  g_clear_error (&error);
  text = run_and_answer (f, "not json", latin1, &error);
  g_assert_null (text);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

static void
test_refuses_large (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "huge.log", NULL);
  g_autofree char *limit = g_build_filename (f->dir, "limit.log", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  int fd;

  /* sparse files: sizes without the disk space */
  fd = g_open (path, O_CREAT | O_WRONLY, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, SPRIG_READ_FILE_MAX_BYTES + 1), ==, 0);
  close (fd);
  g_assert_null (run_and_answer (f, "{\"purpose\": \"logs\"}", path, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "“huge.log” is 4,194,305 bytes; read_file reads files of "
                                       "at most 4194304 bytes.");
  g_clear_error (&error);

  /* exactly the limit is read (as NULs, which are refused: but after reading) */
  fd = g_open (limit, O_CREAT | O_WRONLY, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, SPRIG_READ_FILE_MAX_BYTES), ==, 0);
  close (fd);
  text = run_and_answer (f, "{\"purpose\": \"logs\"}", limit, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

static void
test_no_file (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (run_and_answer (f, "{\"purpose\": \"anything\"}", NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
  g_assert_cmpstr (error->message, ==, "The user chose no file.");
  sprig_test_wait_for (chooser_gone, NULL, "the file dialog to close");
}

static void
test_cancelled (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  sprig_read_file_tool_run_async (f->parent, "{\"purpose\": \"anything\"}", cancellable,
                                  sprig_test_result_cb, &f->result);
  wait_for_chooser ();
  g_cancellable_cancel (cancellable);
  f->result = sprig_test_await_result (&f->result);
  g_assert_null (sprig_read_file_tool_run_finish (f->result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  sprig_test_wait_for (chooser_gone, NULL, "the file dialog to close");
  g_clear_error (&error);
  g_clear_object (&f->result);

  /* already cancelled: no dialog at all */
  sprig_read_file_tool_run_async (f->parent, "{}", cancellable, sprig_test_result_cb, &f->result);
  f->result = sprig_test_await_result (&f->result);
  g_assert_null (sprig_read_file_tool_run_finish (f->result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (sprig_test_find_toplevel (GTK_TYPE_FILE_CHOOSER_DIALOG));
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sprig/app/read-file/definition", test_definition);
#define ADD(path, func) \
  g_test_add ("/sprig/app/read-file/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("reads-text", test_reads_text);
  ADD ("refuses-binary", test_refuses_binary);
  ADD ("refuses-large", test_refuses_large);
  ADD ("no-file", test_no_file);
  ADD ("cancelled", test_cancelled);
#undef ADD
  return g_test_run ();
}
