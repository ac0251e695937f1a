/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SPRIG_TYPE_WRAP_BOX (sprig_wrap_box_get_type ())

G_DECLARE_FINAL_TYPE (SprigWrapBox, sprig_wrap_box, SPRIG, WRAP_BOX, GtkWidget)

GtkWidget *sprig_wrap_box_new (void);

G_END_DECLS
