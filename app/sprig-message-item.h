/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <gio/gio.h>

#include "sprig-store.h"
#include "sprig-tool-call-item.h"

G_BEGIN_DECLS

#define SPRIG_TYPE_MESSAGE_ITEM (sprig_message_item_get_type ())

G_DECLARE_FINAL_TYPE (SprigMessageItem, sprig_message_item, SPRIG, MESSAGE_ITEM, GObject)

SprigMessageItem  *sprig_message_item_new              (SprigMessageRole    role,
                                                        const char         *content);
SprigMessageItem  *sprig_message_item_new_from_message (const SprigMessage *msg);
gint64             sprig_message_item_get_id           (SprigMessageItem   *self);
void               sprig_message_item_set_id           (SprigMessageItem   *self,
                                                        gint64              id);
gint64             sprig_message_item_get_parent_id    (SprigMessageItem   *self);
void               sprig_message_item_set_parent_id    (SprigMessageItem   *self,
                                                        gint64              parent_id);
gint64             sprig_message_item_get_updated_at   (SprigMessageItem   *self);
void               sprig_message_item_touch            (SprigMessageItem   *self);
void               sprig_message_item_set_origin       (SprigMessageItem   *self,
                                                        const char         *model_id,
                                                        const char         *backend);
void               sprig_message_item_set_branch       (SprigMessageItem   *self,
                                                        guint               index,
                                                        guint               n_branches);
guint              sprig_message_item_get_branch_index (SprigMessageItem   *self);
guint              sprig_message_item_get_n_branches   (SprigMessageItem   *self);
SprigMessageRole   sprig_message_item_get_role         (SprigMessageItem   *self);
SprigMessageStatus sprig_message_item_get_status       (SprigMessageItem   *self);
void               sprig_message_item_set_status       (SprigMessageItem   *self,
                                                        SprigMessageStatus  status);
const char        *sprig_message_item_get_content      (SprigMessageItem   *self);
const char        *sprig_message_item_get_reasoning    (SprigMessageItem   *self);
void               sprig_message_item_set_content      (SprigMessageItem   *self,
                                                        const char         *content);
void               sprig_message_item_append_raw       (SprigMessageItem   *self,
                                                        const char         *text,
                                                        gsize               len,
                                                        char              **content_delta,
                                                        char              **reasoning_delta);
void               sprig_message_item_set_stats        (SprigMessageItem      *self,
                                                        const SprigReplyStats *stats);
const SprigReplyStats *
                   sprig_message_item_get_stats        (SprigMessageItem   *self);
void               sprig_message_item_set_error        (SprigMessageItem   *self,
                                                        const char         *error);
char              *sprig_message_item_dup_stats_text   (SprigMessageItem   *self);
/* A role "tool" message: the call whose result it holds (shown as its card). */
SprigToolCallItem *sprig_message_item_get_tool_call    (SprigMessageItem   *self);
void               sprig_message_item_set_tool_call    (SprigMessageItem   *self,
                                                        SprigToolCallItem  *call);
/* An assistant message: the calls it made, in order (SprigToolCallItem; NULL: none). */
GPtrArray         *sprig_message_item_get_tool_calls   (SprigMessageItem   *self);
void               sprig_message_item_add_tool_call    (SprigMessageItem   *self,
                                                        SprigToolCallItem  *call);

G_END_DECLS
