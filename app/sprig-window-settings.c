/* SPDX-License-Identifier: Apache-2.0
 *
 * The Chat Settings button of SprigWindow: reads the conversation on screen from the
 * store, shows SprigConversationSettings and writes what the user saved back. A chat
 * that is not in the store yet keeps its settings here until its first message saves
 * it; choosing another conversation first drops them. (Once SprigChat applies settings
 * itself, this moves there.)
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sprig-conversation-settings.h"
#include "sprig-window-private.h"

static void
updated_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SprigWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!sprig_store_update_conversation_finish (SPRIG_STORE (source), result, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not save the chat settings: %s"),
                                                  error->message);

      _sprig_window_toast (self, message);
    }
}

/* The conversation on screen now asks for its own context, or the default again. */
static void
apply_context (SprigWindow             *self,
               const SprigConversation *conv)
{
  g_auto(SprigChatSettings) effective = { 0 };

  sprig_chat_settings_init_defaults (&effective, self->settings);
  sprig_chat_settings_apply_conversation (&effective, conv, NULL);
  _sprig_window_set_chat_context (self, &effective);
}

static void
save_settings (SprigWindow             *self,
               const SprigConversation *edited)
{
  sprig_store_update_conversation_async (self->store, edited, NULL, updated_cb,
                                         g_object_ref (self));
}

static void
settings_done_cb (const SprigConversation *edited,
                  gpointer                 user_data)
{
  SprigWindow *self = user_data;

  if (edited->id > 0)
    save_settings (self, edited);
  else
    {
      g_clear_pointer (&self->new_chat_settings, sprig_conversation_free);
      self->new_chat_settings = sprig_conversation_copy (edited);
    }
  if (edited->id == sprig_chat_get_conversation_id (self->chat))
    apply_context (self, edited);
}

static void
present (SprigWindow             *self,
         const SprigConversation *conv)
{
  sprig_conversation_settings_present (GTK_WIDGET (self), self->settings, conv,
                                       _sprig_window_get_thinking_supported (self),
                                       settings_done_cb, g_object_ref (self), g_object_unref);
}

static void
got_conversation_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(SprigWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SprigConversation) conv = NULL;

  conv = sprig_store_get_conversation_finish (SPRIG_STORE (source), result, &error);
  if (conv == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not read the chat settings: %s"),
                                                  error->message);

      _sprig_window_toast (self, message);
      return;
    }
  if (!self->closing)
    present (self, conv);
}

void
_sprig_window_show_chat_settings (SprigWindow *self)
{
  gint64 id = sprig_chat_get_conversation_id (self->chat);
  g_autoptr(SprigConversation) conv = NULL;

  if (id > 0)
    {
      sprig_store_get_conversation_async (self->store, id, NULL, got_conversation_cb,
                                          g_object_ref (self));
      return;
    }
  conv = self->new_chat_settings != NULL ? sprig_conversation_copy (self->new_chat_settings)
                                         : sprig_conversation_new ();
  present (self, conv);
}

static gboolean
save_new_chat_settings_cb (gpointer user_data)
{
  SprigWindow *self = user_data;

  self->new_chat_source = 0;
  if (self->new_chat_settings != NULL && self->new_chat_settings->id > 0)
    save_settings (self, self->new_chat_settings);
  g_clear_pointer (&self->new_chat_settings, sprig_conversation_free);
  return G_SOURCE_REMOVE;
}

/* A new chat got its id: it takes the settings saved while it had none. This waits for
 * an idle moment because a conversation chosen in the sidebar changes the id too, and
 * its "conversation-activated" (below) drops the settings before then. */
static void
conversation_id_changed_cb (SprigWindow *self)
{
  gint64 id = sprig_chat_get_conversation_id (self->chat);

  if (self->settings_conversation == 0 && id > 0 && self->new_chat_settings != NULL)
    {
      self->new_chat_settings->id = id;
      if (self->new_chat_source == 0)
        self->new_chat_source = g_idle_add (save_new_chat_settings_cb, self);
    }
  self->settings_conversation = id;
}

static void
conversation_activated_cb (SprigWindow *self)
{
  g_clear_handle_id (&self->new_chat_source, g_source_remove);
  g_clear_pointer (&self->new_chat_settings, sprig_conversation_free);
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
  g_signal_connect_object (self->chat, "notify::conversation-id",
                           G_CALLBACK (conversation_id_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->sidebar, "conversation-activated",
                           G_CALLBACK (conversation_activated_cb), self, G_CONNECT_SWAPPED);
}

void
_sprig_window_dispose_settings (SprigWindow *self)
{
  g_clear_handle_id (&self->new_chat_source, g_source_remove);
  g_clear_pointer (&self->new_chat_settings, sprig_conversation_free);
}
