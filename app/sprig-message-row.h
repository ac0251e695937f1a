/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <gtk/gtk.h>

#include "sprig-message-item.h"

G_BEGIN_DECLS

#define SPRIG_TYPE_MESSAGE_ROW (sprig_message_row_get_type ())

G_DECLARE_FINAL_TYPE (SprigMessageRow, sprig_message_row, SPRIG, MESSAGE_ROW, GtkWidget)

GtkWidget        *sprig_message_row_new      (void);
SprigMessageItem *sprig_message_row_get_item (SprigMessageRow  *self);
void              sprig_message_row_set_item (SprigMessageRow  *self,
                                              SprigMessageItem *item);
void              sprig_message_row_start_edit (SprigMessageRow *self);

/* For tests. */
guint             _sprig_message_row_get_n_renders (SprigMessageRow *self);

G_END_DECLS
