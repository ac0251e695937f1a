/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <gio/gio.h>
#include <sprig/se-engine.h>

#include "sprig-chat-settings.h"
#include "sprig-store.h"
#include "sprig-toolbox.h"

G_BEGIN_DECLS

#define SPRIG_TYPE_CHAT (sprig_chat_get_type ())

G_DECLARE_FINAL_TYPE (SprigChat, sprig_chat, SPRIG, CHAT, GObject)

SprigChat  *sprig_chat_new                  (SprigStore          *store,
                                             SeEngine            *engine);
GListModel *sprig_chat_get_messages         (SprigChat           *self);
gint64      sprig_chat_get_conversation_id  (SprigChat           *self);
void        sprig_chat_set_conversation     (SprigChat           *self,
                                             gint64               conversation_id);
gboolean    sprig_chat_get_generating       (SprigChat           *self);
void        sprig_chat_set_model_id         (SprigChat           *self,
                                             const char          *model_id);
void        sprig_chat_set_backend          (SprigChat           *self,
                                             const char          *backend);
const SprigConversation *
            sprig_chat_get_conversation     (SprigChat           *self);
void        sprig_chat_set_toolbox          (SprigChat           *self,
                                             SprigToolbox        *toolbox,
                                             GtkWindow           *parent);
void        sprig_chat_set_model_path       (SprigChat           *self,
                                             const char          *path);
void        sprig_chat_set_settings         (SprigChat           *self,
                                             GSettings           *settings);
void        sprig_chat_get_effective_settings (SprigChat         *self,
                                               SprigChatSettings *out);
void        sprig_chat_update_settings      (SprigChat               *self,
                                             const SprigConversation *edited);
void        sprig_chat_set_max_tokens       (SprigChat           *self,
                                             guint                max_tokens);
void        sprig_chat_send                 (SprigChat           *self,
                                             const char          *text);
void        sprig_chat_reveal_message       (SprigChat           *self,
                                             gint64               message_id);
gboolean    sprig_chat_regenerate           (SprigChat           *self,
                                             gint64               message_id);
gboolean    sprig_chat_edit                 (SprigChat           *self,
                                             gint64               message_id,
                                             const char          *text);
gboolean    sprig_chat_show_branch          (SprigChat           *self,
                                             gint64               message_id,
                                             int                  delta);
gboolean    sprig_chat_delete               (SprigChat           *self,
                                             gint64               message_id);
void        sprig_chat_undo_delete          (SprigChat           *self);
void        sprig_chat_commit_delete        (SprigChat           *self);
guint       sprig_chat_get_last_prompt_evaluated (SprigChat      *self);
void        sprig_chat_stop                 (SprigChat           *self);
void        sprig_chat_stop_async           (SprigChat           *self,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean    sprig_chat_stop_finish          (SprigChat           *self,
                                             GAsyncResult        *result,
                                             GError             **error);

G_END_DECLS
