/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <adwaita.h>

#include "sprig-application.h"
#include "sprig-chat.h"
#include "sprig-store.h"

G_BEGIN_DECLS

#define SPRIG_TYPE_WINDOW (sprig_window_get_type ())

G_DECLARE_FINAL_TYPE (SprigWindow, sprig_window, SPRIG, WINDOW, AdwApplicationWindow)

SprigWindow *sprig_window_new        (SprigApplication *application);
SprigChat   *sprig_window_get_chat   (SprigWindow      *self);
SprigStore  *sprig_window_get_store  (SprigWindow      *self);
void         sprig_window_load_model (SprigWindow      *self,
                                      const char       *path);

G_END_DECLS
