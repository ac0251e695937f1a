/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SPRIG_TYPE_MODEL_PICKER (sprig_model_picker_get_type ())

G_DECLARE_FINAL_TYPE (SprigModelPicker, sprig_model_picker, SPRIG, MODEL_PICKER, GtkWidget)

GtkWidget  *sprig_model_picker_new            (void);
/* The models to offer: SprigModelInfo as SprigModelManager lists them (NULL: none). */
void        sprig_model_picker_set_models     (SprigModelPicker *self,
                                               GPtrArray        *models);
/* The model shown as current (listed even when it lives outside the folder). */
void        sprig_model_picker_set_current    (SprigModelPicker *self,
                                               const char       *path);
const char *sprig_model_picker_get_current    (SprigModelPicker *self);
/* The menu: one section of models (action picker.model, the path as target), then
 * "Open GGUF File…" (win.open-model) and "Manage Models…" (win.models). */
GMenuModel *sprig_model_picker_get_menu_model (SprigModelPicker *self);

G_END_DECLS
