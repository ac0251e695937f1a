/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <gtk/gtk.h>

#include "sprig-chat.h"

G_BEGIN_DECLS

#define SPRIG_TYPE_CHAT_VIEW (sprig_chat_view_get_type ())

G_DECLARE_FINAL_TYPE (SprigChatView, sprig_chat_view, SPRIG, CHAT_VIEW, GtkWidget)

void       sprig_chat_view_set_chat       (SprigChatView *self,
                                           SprigChat     *chat);
void       sprig_chat_view_focus_composer (SprigChatView *self);

G_END_DECLS
