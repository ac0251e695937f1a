/* SPDX-License-Identifier: Apache-2.0
 *
 * The Chat Settings dialog: one conversation's system prompt and generation settings,
 * shown as the defaults from GSettings overridden by what the conversation stored.
 * Saving hands back a copy of the conversation whose sampling_json holds only what
 * differs from the defaults, so a later change of a default still reaches every chat
 * that did not set that value itself. The caller decides where the copy goes.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sprig-chat-settings.h"
#include "sprig-conversation-settings.h"
#include "sprig-setting-row.h"

struct _SprigConversationSettings
{
  AdwWindow parent_instance;

  AdwPreferencesGroup *sampling_group;
  GtkTextView *prompt_view;

  SprigChatSettings defaults;
  SprigConversation *conv;
  SprigConversationSettingsFunc done;
  gpointer user_data;
  GDestroyNotify destroy;
};

G_DEFINE_FINAL_TYPE (SprigConversationSettings, sprig_conversation_settings, ADW_TYPE_WINDOW)

static void
show_settings (SprigConversationSettings *self,
               const SprigChatSettings   *s)
{
  g_autoptr(GPtrArray) rows = sprig_setting_rows_find (self->sampling_group);

  for (guint i = 0; i < rows->len; i++)
    {
      GtkWidget *row = rows->pdata[i];
      const SprigChatSettingKey *key = sprig_setting_row_get_key (row);

      sprig_setting_row_set_value (row, sprig_chat_settings_get_value (s, key));
    }
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->prompt_view),
                            s->system_prompt != NULL ? s->system_prompt : "", -1);
}

static void
read_settings (SprigConversationSettings *self,
               SprigChatSettings         *s)
{
  g_autoptr(GPtrArray) rows = sprig_setting_rows_find (self->sampling_group);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->prompt_view);
  GtkTextIter start, end;

  sprig_chat_settings_copy (s, &self->defaults);
  for (guint i = 0; i < rows->len; i++)
    sprig_chat_settings_set_value (s, sprig_setting_row_get_key (rows->pdata[i]),
                                   sprig_setting_row_get_value (rows->pdata[i]));
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  g_free (s->system_prompt);
  s->system_prompt = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
save_cb (GtkWidget  *widget,
         const char *action_name,
         GVariant   *parameter)
{
  SprigConversationSettings *self = SPRIG_CONVERSATION_SETTINGS (widget);
  g_auto(SprigChatSettings) s = { 0 };
  g_autoptr(SprigConversation) edited = sprig_conversation_copy (self->conv);
  const char *default_prompt = self->defaults.system_prompt ? self->defaults.system_prompt : "";

  read_settings (self, &s);
  g_free (edited->sampling_json);
  edited->sampling_json = sprig_chat_settings_to_json (&s, &self->defaults);
  /* The default prompt is not copied in, so that changing the default reaches this chat. */
  g_free (edited->system_prompt);
  edited->system_prompt = g_str_equal (s.system_prompt, default_prompt)
                          ? NULL : g_strdup (s.system_prompt);
  if (self->done != NULL
      && (g_strcmp0 (edited->sampling_json, self->conv->sampling_json) != 0
          || g_strcmp0 (edited->system_prompt, self->conv->system_prompt) != 0))
    self->done (edited, self->user_data);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
reset_cb (GtkWidget  *widget,
          const char *action_name,
          GVariant   *parameter)
{
  SprigConversationSettings *self = SPRIG_CONVERSATION_SETTINGS (widget);

  show_settings (self, &self->defaults);
}

static void
sprig_conversation_settings_dispose (GObject *object)
{
  SprigConversationSettings *self = SPRIG_CONVERSATION_SETTINGS (object);

  if (self->destroy != NULL)
    g_clear_pointer (&self->user_data, self->destroy);
  self->done = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), SPRIG_TYPE_CONVERSATION_SETTINGS);
  g_clear_pointer (&self->conv, sprig_conversation_free);
  sprig_chat_settings_clear (&self->defaults);

  G_OBJECT_CLASS (sprig_conversation_settings_parent_class)->dispose (object);
}

static void
sprig_conversation_settings_class_init (SprigConversationSettingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sprig_conversation_settings_dispose;

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/sprigchat/Sprig/sprig-conversation-settings.ui");
  gtk_widget_class_bind_template_child (widget_class, SprigConversationSettings, sampling_group);
  gtk_widget_class_bind_template_child (widget_class, SprigConversationSettings, prompt_view);
  gtk_widget_class_install_action (widget_class, "settings.save", NULL, save_cb);
  gtk_widget_class_install_action (widget_class, "settings.reset", NULL, reset_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
sprig_conversation_settings_init (SprigConversationSettings *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  sprig_setting_rows_add_all (self->sampling_group, NULL);
}

static void
set_thinking_supported (SprigConversationSettings *self,
                        gboolean                   supported)
{
  g_autoptr(GPtrArray) rows = sprig_setting_rows_find (self->sampling_group);

  for (guint i = 0; i < rows->len; i++)
    {
      GtkWidget *row = rows->pdata[i];

      if (g_str_equal (sprig_setting_row_get_key (row)->json_key, "enable_thinking") && !supported)
        {
          gtk_widget_set_sensitive (row, FALSE);
          adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                       _("The model open now cannot think before it answers"));
        }
    }
}

/* Whether the model open now has a tool-call format; without one the Tools switch has
 * no effect, and says why. */
void
sprig_conversation_settings_set_tools_supported (SprigConversationSettings *self,
                                                 gboolean                   supported)
{
  g_autoptr(GPtrArray) rows = sprig_setting_rows_find (self->sampling_group);

  g_return_if_fail (SPRIG_IS_CONVERSATION_SETTINGS (self));

  for (guint i = 0; i < rows->len; i++)
    {
      GtkWidget *row = rows->pdata[i];

      if (g_str_equal (sprig_setting_row_get_key (row)->json_key, "tools") && !supported)
        {
          gtk_widget_set_sensitive (row, FALSE);
          adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                       _("The model open now has no tool-call format"));
        }
    }
}

SprigConversationSettings *
sprig_conversation_settings_present (GtkWidget                     *parent,
                                     GSettings                     *settings,
                                     const SprigConversation       *conv,
                                     gboolean                       thinking_supported,
                                     SprigConversationSettingsFunc  done,
                                     gpointer                       user_data,
                                     GDestroyNotify                 destroy)
{
  SprigConversationSettings *self;
  g_auto(SprigChatSettings) effective = { 0 };
  g_autoptr(GError) error = NULL;
  GtkRoot *root;

  g_return_val_if_fail (parent == NULL || GTK_IS_WIDGET (parent), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);
  g_return_val_if_fail (conv != NULL, NULL);

  root = parent != NULL ? gtk_widget_get_root (parent) : NULL;
  self = g_object_new (SPRIG_TYPE_CONVERSATION_SETTINGS,
                       "transient-for", GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, NULL);
  self->conv = sprig_conversation_copy (conv);
  self->done = done;
  self->user_data = user_data;
  self->destroy = destroy;
  sprig_chat_settings_init_defaults (&self->defaults, settings);
  sprig_chat_settings_copy (&effective, &self->defaults);
  /* Values that do not fit are shown as the defaults; saving writes valid JSON back. */
  if (!sprig_chat_settings_apply_conversation (&effective, conv, &error))
    g_debug ("Conversation %" G_GINT64_FORMAT ": %s", conv->id, error->message);
  show_settings (self, &effective);
  set_thinking_supported (self, thinking_supported);
  gtk_window_present (GTK_WINDOW (self));
  return self;
}
