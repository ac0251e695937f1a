/* SPDX-License-Identifier: Apache-2.0
 *
 * The Chat Settings button of SprigWindow: shows SprigConversationSettings for the
 * conversation on screen and hands what the user saved to SprigChat, which uses it from
 * the next turn on and stores it (a chat not stored yet is created with it). A
 * conversation that asks for more context than the model has makes the window load the
 * model again.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sprig-conversation-settings.h"
#include "sprig-window-private.h"

/* The conversation on screen may ask for more context than the model has. */
static void
settings_changed_cb (SprigWindow *self)
{
  g_auto(SprigChatSettings) effective = { 0 };

  sprig_chat_get_effective_settings (self->chat, &effective);
  _sprig_window_set_chat_context (self, &effective);
}

static void
settings_done_cb (const SprigConversation *edited,
                  gpointer                 user_data)
{
  SprigWindow *self = user_data;

  if (!self->closing)
    sprig_chat_update_settings (self->chat, edited);
}

void
_sprig_window_show_chat_settings (SprigWindow *self)
{
  g_autoptr(SprigConversation) conv = sprig_conversation_copy (sprig_chat_get_conversation (self->chat));

  SprigConversationSettings *dialog;

  dialog = sprig_conversation_settings_present (GTK_WIDGET (self), self->settings, conv,
                                                _sprig_window_get_thinking_supported (self),
                                                settings_done_cb, g_object_ref (self),
                                                g_object_unref);
  /* Tool calls are the Qwen3 (Hermes) format, as thinking is. */
  sprig_conversation_settings_set_tools_supported (dialog,
                                                   _sprig_window_get_thinking_supported (self));
}

static void
chat_settings_action_cb (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  _sprig_window_show_chat_settings (SPRIG_WINDOW (widget));
}

void
_sprig_window_class_init_settings (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.chat-settings", NULL,
                                   chat_settings_action_cb);
}

void
_sprig_window_init_settings (SprigWindow *self)
{
  sprig_chat_set_settings (self->chat, self->settings);
  g_signal_connect_object (self->chat, "settings-changed", G_CALLBACK (settings_changed_cb), self,
                           G_CONNECT_SWAPPED);
}
