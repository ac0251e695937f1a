/* SPDX-License-Identifier: Apache-2.0
 *
 * read_file, the built-in tool that lives in the app: it reads a text file that the
 * user picks in a file dialog when the call runs. The model only says what it needs
 * the file for ("purpose"); it can never name a path.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SPRIG_READ_FILE_TOOL_NAME "read_file"
/* Files larger than this are refused before reading (the tool loop caps what the model
 * reads at its own, smaller limit). */
#define SPRIG_READ_FILE_MAX_BYTES (4 * 1024 * 1024)

/* The tool's definition for the model: a JSON function object {name, description,
 * parameters} with one required string argument, "purpose". */
const char *sprig_read_file_tool_get_definition (void);

/* Shows a file dialog over @parent whose title carries the purpose from @arguments,
 * then reads the chosen file off the main thread. The result is the text the model
 * reads: a first line naming the file ("File: notes.txt (1,234 bytes)"), a blank line
 * and the file's text. Errors: G_IO_ERROR_PERMISSION_DENIED when the user closes the
 * dialog without a file ("The user chose no file."), G_IO_ERROR_INVALID_DATA when the
 * file is not UTF-8 text (or holds NUL bytes), G_IO_ERROR_FAILED when it is larger than
 * SPRIG_READ_FILE_MAX_BYTES, G_IO_ERROR_CANCELLED when @cancellable fires (the dialog
 * closes), and the file's own read errors. */
void        sprig_read_file_tool_run_async      (GtkWindow           *parent,
                                                 const char          *arguments,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
char       *sprig_read_file_tool_run_finish     (GAsyncResult        *result,
                                                 GError             **error);

G_END_DECLS
