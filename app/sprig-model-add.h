/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <gtk/gtk.h>

#include "sprig-model-manager.h"

G_BEGIN_DECLS

typedef void (*SprigFileChosenFunc) (GFile    *file,
                                     gpointer  user_data);

/* Asks for a GGUF file (GtkFileDialog from GTK 4.10, a GtkFileChooserNative before);
 * @callback runs only when one was chosen. @user_data is a GObject, kept meanwhile. */
void sprig_choose_gguf_file    (GtkWindow           *parent,
                                const char          *title,
                                const char          *accept_label,
                                SprigFileChosenFunc  callback,
                                gpointer             user_data);

/* Adds @file to the models folder: the library validates it (a refusal is shown with the
 * engine's reason), then the user chooses Copy or Link, then it is imported with its
 * progress in the manager. Dialogs are transient for @parent. */
void sprig_model_add_file      (SprigModelManager   *manager,
                                GtkWindow           *parent,
                                GFile               *file);
/* "Add GGUF File…": the file dialog, then sprig_model_add_file(). */
void sprig_model_add_choose    (SprigModelManager   *manager,
                                GtkWindow           *parent);

G_END_DECLS
