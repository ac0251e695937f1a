/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <gtk/gtk.h>

#include "sprig-tool-call-item.h"

G_BEGIN_DECLS

#define SPRIG_TYPE_TOOL_CARD (sprig_tool_card_get_type ())

G_DECLARE_FINAL_TYPE (SprigToolCard, sprig_tool_card, SPRIG, TOOL_CARD, GtkWidget)

GtkWidget         *sprig_tool_card_new                (void);
/* The call shown; every property of @item is followed while it is set. */
SprigToolCallItem *sprig_tool_card_get_item           (SprigToolCard     *self);
void               sprig_tool_card_set_item           (SprigToolCard     *self,
                                                       SprigToolCallItem *item);
/* FALSE hides the arguments: a tool message from before calls were stored knows only
 * its result. */
void               sprig_tool_card_set_show_arguments (SprigToolCard     *self,
                                                       gboolean           show);
/* The arguments text as shown, or as edited while the call waits. */
char              *sprig_tool_card_dup_arguments_text (SprigToolCard     *self);

G_END_DECLS
