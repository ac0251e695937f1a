/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <adwaita.h>

#include "sprig-application.h"

G_BEGIN_DECLS

#define SPRIG_TYPE_WINDOW (sprig_window_get_type ())

G_DECLARE_FINAL_TYPE (SprigWindow, sprig_window, SPRIG, WINDOW, AdwApplicationWindow)

SprigWindow *sprig_window_new (SprigApplication *application);

G_END_DECLS
