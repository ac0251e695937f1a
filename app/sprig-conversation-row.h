/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <gtk/gtk.h>

#include "sprig-conversation-item.h"

G_BEGIN_DECLS

#define SPRIG_TYPE_CONVERSATION_ROW (sprig_conversation_row_get_type ())

G_DECLARE_FINAL_TYPE (SprigConversationRow, sprig_conversation_row, SPRIG, CONVERSATION_ROW,
                      GtkWidget)

GtkWidget             *sprig_conversation_row_new          (void);
SprigConversationItem *sprig_conversation_row_get_item     (SprigConversationRow  *self);
void                   sprig_conversation_row_set_item     (SprigConversationRow  *self,
                                                            SprigConversationItem *item);
void                   sprig_conversation_row_start_rename (SprigConversationRow  *self);

G_END_DECLS
