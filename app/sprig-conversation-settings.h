/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <adwaita.h>

#include "sprig-store.h"

G_BEGIN_DECLS

#define SPRIG_TYPE_CONVERSATION_SETTINGS (sprig_conversation_settings_get_type ())

G_DECLARE_FINAL_TYPE (SprigConversationSettings, sprig_conversation_settings, SPRIG,
                      CONVERSATION_SETTINGS, AdwWindow)

/* Called once, when the user saves changes: @edited is a copy of the conversation with
 * system_prompt (NULL: the default) and sampling_json (NULL: all defaults) updated. */
typedef void (*SprigConversationSettingsFunc) (const SprigConversation *edited,
                                               gpointer                 user_data);

/* Shows the chat settings of @conv (which may not be saved yet) over @parent's window.
 * Cancel and Escape discard; @destroy runs on @user_data when the dialog is gone. */
SprigConversationSettings *
sprig_conversation_settings_present (GtkWidget                     *parent,
                                     GSettings                     *settings,
                                     const SprigConversation       *conv,
                                     gboolean                       thinking_supported,
                                     SprigConversationSettingsFunc  done,
                                     gpointer                       user_data,
                                     GDestroyNotify                 destroy);

void sprig_conversation_settings_set_tools_supported (SprigConversationSettings *self,
                                                      gboolean                   supported);

G_END_DECLS
