/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define SPRIG_TYPE_PREFERENCES_WINDOW (sprig_preferences_window_get_type ())

G_DECLARE_FINAL_TYPE (SprigPreferencesWindow, sprig_preferences_window, SPRIG, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

GtkWidget *sprig_preferences_window_new (GtkWindow *parent);

G_END_DECLS
