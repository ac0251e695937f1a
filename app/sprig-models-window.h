/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <adwaita.h>

#include "sprig-model-manager.h"

G_BEGIN_DECLS

#define SPRIG_TYPE_MODELS_WINDOW (sprig_models_window_get_type ())

G_DECLARE_FINAL_TYPE (SprigModelsWindow, sprig_models_window, SPRIG, MODELS_WINDOW,
                      AdwPreferencesWindow)

GtkWidget *sprig_models_window_new (GtkWindow         *parent,
                                    SprigModelManager *manager);

G_END_DECLS
