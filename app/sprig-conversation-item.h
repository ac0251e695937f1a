/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <gio/gio.h>

#include "sprig-store.h"

G_BEGIN_DECLS

#define SPRIG_TYPE_CONVERSATION_ITEM (sprig_conversation_item_get_type ())

G_DECLARE_FINAL_TYPE (SprigConversationItem, sprig_conversation_item, SPRIG, CONVERSATION_ITEM,
                      GObject)

SprigConversationItem   *sprig_conversation_item_new          (const SprigConversation *conv);
const SprigConversation *sprig_conversation_item_get_conversation (SprigConversationItem *self);
gint64                   sprig_conversation_item_get_id       (SprigConversationItem *self);
const char              *sprig_conversation_item_get_title    (SprigConversationItem *self);
void                     sprig_conversation_item_set_title    (SprigConversationItem *self,
                                                               const char            *title);
gboolean                 sprig_conversation_item_get_pinned   (SprigConversationItem *self);
void                     sprig_conversation_item_set_pinned   (SprigConversationItem *self,
                                                               gboolean               pinned);

G_END_DECLS
