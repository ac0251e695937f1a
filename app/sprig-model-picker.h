/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SPRIG_TYPE_MODEL_PICKER (sprig_model_picker_get_type ())

G_DECLARE_FINAL_TYPE (SprigModelPicker, sprig_model_picker, SPRIG, MODEL_PICKER, GtkWidget)

/* The folder Sprig looks for models in: $XDG_DATA_HOME/sprig/models. */
char       *sprig_model_picker_default_folder (void);

GtkWidget  *sprig_model_picker_new            (void);
/* Lists the *.gguf files of @folder and follows its changes; NULL stops. */
void        sprig_model_picker_set_folder     (SprigModelPicker *self,
                                               GFile            *folder);
GFile      *sprig_model_picker_get_folder     (SprigModelPicker *self);
/* The model shown as current (listed even when it lives outside the folder). */
void        sprig_model_picker_set_current    (SprigModelPicker *self,
                                               const char       *path);
const char *sprig_model_picker_get_current    (SprigModelPicker *self);
/* The menu: one section of models (action picker.model, the path as target), then
 * "Open GGUF File…" (win.open-model). */
GMenuModel *sprig_model_picker_get_menu_model (SprigModelPicker *self);

G_END_DECLS
