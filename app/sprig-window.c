/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigWindow is the main window: the conversation sidebar and the chat view side by
 * side (sprig-window-layout.c lays them out). It owns the store, the engine and the one
 * SprigChat shown. Switching conversations, starting a new chat, deleting all chats or
 * closing the window while a reply is generated stops it first, and waits for the
 * partial reply to be saved (never blocking the main loop). Model loading lives in
 * sprig-window-model.c.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sprig-conversation-item.h"
#include "sprig-window-private.h"

G_DEFINE_FINAL_TYPE (SprigWindow, sprig_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SHOW_SIDEBAR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

SprigWindow *
sprig_window_new (SprigApplication *application)
{
  g_return_val_if_fail (SPRIG_IS_APPLICATION (application), NULL);

  return g_object_new (SPRIG_TYPE_WINDOW, "application", application, NULL);
}

SprigChat *
sprig_window_get_chat (SprigWindow *self)
{
  g_return_val_if_fail (SPRIG_IS_WINDOW (self), NULL);
  return self->chat;
}

SprigStore *
sprig_window_get_store (SprigWindow *self)
{
  g_return_val_if_fail (SPRIG_IS_WINDOW (self), NULL);
  return self->store;
}

void
_sprig_window_toast (SprigWindow *self,
                     const char  *message)
{
  g_autofree char *escaped = g_markup_escape_text (message, -1);
  AdwToast *toast = adw_toast_new (escaped);

  adw_toast_set_timeout (toast, 8);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* The header shows the conversation's title; the model picker beside it names the model. */
void
_sprig_window_update_title (SprigWindow *self)
{
  GListModel *model = sprig_sidebar_get_model (self->sidebar);
  gint64 id = sprig_chat_get_conversation_id (self->chat);
  const char *title = _("New Chat");

  for (guint i = 0, n = g_list_model_get_n_items (model); id > 0 && i < n; i++)
    {
      g_autoptr(SprigConversationItem) item = g_list_model_get_item (model, i);

      if (sprig_conversation_item_get_id (item) == id)
        {
          adw_window_title_set_title (self->content_title, sprig_conversation_item_get_title (item));
          title = NULL;
          break;
        }
    }
  if (title != NULL)
    adw_window_title_set_title (self->content_title, title);
}

static void
show_pending_conversation (SprigWindow *self)
{
  sprig_chat_set_conversation (self->chat, self->pending_conversation);
  if (self->pending_reveal > 0)
    sprig_chat_reveal_message (self->chat, self->pending_reveal);
  self->pending_reveal = 0;
  sprig_sidebar_select (self->sidebar, self->pending_conversation);
  _sprig_window_update_title (self);
  if (self->pending_conversation == 0 || self->model_name != NULL)
    sprig_chat_view_focus_composer (self->chat_view);
}

static void
stopped_for_switch_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(SprigWindow) self = user_data;

  sprig_chat_stop_finish (SPRIG_CHAT (source), result, NULL);
  if (!self->closing)
    show_pending_conversation (self);
}

/* Shows a conversation (0: a new chat). A reply being generated is stopped and saved
 * first: Sprig generates for the conversation on screen only. */
static void
show_conversation (SprigWindow *self,
                   gint64       id)
{
  self->pending_conversation = id;
  _sprig_window_conversation_chosen (self);
  if (!sprig_chat_get_generating (self->chat))
    {
      if (id == 0 || id != sprig_chat_get_conversation_id (self->chat))
        show_pending_conversation (self);
      return;
    }
  sprig_chat_stop_async (self->chat, stopped_for_switch_cb, g_object_ref (self));
}

static void
conversation_activated_cb (SprigWindow *self,
                           gint64       id)
{
  show_conversation (self, id);
}

/* A search hit opens its conversation on the branch that holds the message, scrolled to
 * it (a title hit, message 0, opens the conversation at its end). */
static void
search_hit_activated_cb (SprigWindow *self,
                         gint64       conversation_id,
                         gint64       message_id)
{
  if (conversation_id == sprig_chat_get_conversation_id (self->chat) &&
      !sprig_chat_get_generating (self->chat))
    {
      sprig_chat_reveal_message (self->chat, message_id);
      _sprig_window_conversation_chosen (self);
      return;
    }
  self->pending_reveal = message_id;
  show_conversation (self, conversation_id);
}

static void
conversation_deleted_cb (SprigWindow *self,
                         gint64       id,
                         const char  *title)
{
  /* Toast titles are Pango markup in libadwaita 1.2. */
  g_autofree char *escaped = g_markup_escape_text (title, -1);
  g_autofree char *message = g_strdup_printf (_("“%s” deleted"), escaped);
  AdwToast *toast = adw_toast_new (message);

  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_action_name (toast, "win.undo-delete");
  adw_toast_set_action_target_value (toast, g_variant_new_int64 (id));
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
  if (id == sprig_chat_get_conversation_id (self->chat))
    show_conversation (self, 0);
}

static void
error_cb (SprigWindow *self,
          const char  *message)
{
  _sprig_window_toast (self, message);
}

static void
chat_conversation_changed_cb (SprigWindow *self)
{
  gint64 id = sprig_chat_get_conversation_id (self->chat);

  /* A new chat got its id from the store: list it and mark it. */
  self->pending_conversation = id;
  sprig_sidebar_select (self->sidebar, id);
  sprig_sidebar_refresh (self->sidebar);
}

static void
chat_generating_changed_cb (SprigWindow *self)
{
  /* A finished turn moved the conversation to the top. */
  if (!sprig_chat_get_generating (self->chat))
    sprig_sidebar_refresh (self->sidebar);
}

static void
store_opened_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SprigWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  SprigStore *store = SPRIG_STORE (source);

  if (!sprig_store_open_finish (store, result, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Conversations cannot be saved: %s"),
                                                  error->message);

      _sprig_window_toast (self, message);
      return;
    }
  if (sprig_store_get_recovered_path (store) != NULL)
    {
      g_autofree char *message =
        g_strdup_printf (_("The conversation database was damaged and a new one was started; "
                           "the old file is kept as %s"), sprig_store_get_recovered_path (store));

      _sprig_window_toast (self, message);
    }
  sprig_sidebar_refresh (self->sidebar);
}

static void
save_window_state (SprigWindow *self)
{
  int width, height;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
}

static void
stopped_for_close_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(SprigWindow) self = user_data;

  sprig_chat_stop_finish (SPRIG_CHAT (source), result, NULL);
  gtk_window_destroy (GTK_WINDOW (self));
}

/* Closing while a reply is generated hides the window, stops the reply and closes once
 * the partial reply is saved. */
static gboolean
sprig_window_close_request (GtkWindow *window)
{
  SprigWindow *self = SPRIG_WINDOW (window);

  if (!self->closing)
    save_window_state (self);
  if (self->chat != NULL)
    sprig_chat_commit_delete (self->chat);
  if (self->chat != NULL && sprig_chat_get_generating (self->chat))
    {
      if (!self->closing)
        {
          self->closing = TRUE;
          gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
          sprig_chat_stop_async (self->chat, stopped_for_close_cb, g_object_ref (self));
        }
      return TRUE;
    }
  return GTK_WINDOW_CLASS (sprig_window_parent_class)->close_request (window);
}

static void
new_chat_action_cb (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  show_conversation (SPRIG_WINDOW (widget), 0);
}

static void
open_model_action_cb (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  _sprig_window_open_model (SPRIG_WINDOW (widget));
}

static void
undo_delete_action_cb (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  sprig_sidebar_restore (SPRIG_WINDOW (widget)->sidebar, g_variant_get_int64 (parameter));
}

static void
search_action_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SprigWindow *self = SPRIG_WINDOW (widget);

  _sprig_window_set_show_sidebar (self, TRUE);
  sprig_sidebar_start_search (self->sidebar);
}

static void
deleted_all_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SprigWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 n = sprig_store_delete_all_finish (SPRIG_STORE (source), result, &error);

  if (n < 0)
    {
      g_autofree char *message = g_strdup_printf (_("Could not delete the chats: %s"),
                                                  error->message);

      _sprig_window_toast (self, message);
    }
  else
    {
      g_autofree char *message = g_strdup_printf (ngettext ("%d chat deleted",
                                                            "%d chats deleted", (gulong) n),
                                                  (int) n);

      _sprig_window_toast (self, message);
    }
  sprig_sidebar_refresh (self->sidebar);
}

static void delete_all_chats (SprigWindow *self);

static void
stopped_for_delete_all_cb (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  g_autoptr(SprigWindow) self = user_data;

  sprig_chat_stop_finish (SPRIG_CHAT (source), result, NULL);
  if (!self->closing)
    delete_all_chats (self);
}

/* A reply being generated is stopped and saved first, then a new chat replaces the one
 * shown, then the store deletes (softly, as one statement). */
static void
delete_all_chats (SprigWindow *self)
{
  if (sprig_chat_get_generating (self->chat))
    {
      sprig_chat_stop_async (self->chat, stopped_for_delete_all_cb, g_object_ref (self));
      return;
    }
  show_conversation (self, 0);
  sprig_store_delete_all_async (self->store, NULL, deleted_all_cb, g_object_ref (self));
}

static void
delete_all_response_cb (GObject     *dialog,
                        const char  *response,
                        SprigWindow *self)
{
  if (g_strcmp0 (response, "delete") == 0)
    delete_all_chats (self);
}

#if ADW_CHECK_VERSION (1, 5, 0)
#define CONFIRM_DIALOG(d)          ADW_ALERT_DIALOG (d)
#define confirm_add_responses      adw_alert_dialog_add_responses
#define confirm_set_appearance     adw_alert_dialog_set_response_appearance
#define confirm_set_default        adw_alert_dialog_set_default_response
#define confirm_set_close          adw_alert_dialog_set_close_response
#else
#define CONFIRM_DIALOG(d)          ADW_MESSAGE_DIALOG (d)
#define confirm_add_responses      adw_message_dialog_add_responses
#define confirm_set_appearance     adw_message_dialog_set_response_appearance
#define confirm_set_default        adw_message_dialog_set_default_response
#define confirm_set_close          adw_message_dialog_set_close_response
#endif

/* AdwAlertDialog from libadwaita 1.5, an AdwMessageDialog window before; the same
 * responses either way. */
static void
delete_all_action_cb (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  SprigWindow *self = SPRIG_WINDOW (widget);
  const char *heading = _("Delete All Chats?");
  const char *body = _("All chats, pinned ones included, will be deleted. This cannot be undone.");
#if ADW_CHECK_VERSION (1, 5, 0)
  AdwDialog *dialog = adw_alert_dialog_new (heading, body);
#else
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
#endif

  confirm_add_responses (CONFIRM_DIALOG (dialog), "cancel", _("_Cancel"),
                         "delete", _("_Delete All"), NULL);
  confirm_set_appearance (CONFIRM_DIALOG (dialog), "delete", ADW_RESPONSE_DESTRUCTIVE);
  confirm_set_default (CONFIRM_DIALOG (dialog), "cancel");
  confirm_set_close (CONFIRM_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (delete_all_response_cb), self, 0);
#if ADW_CHECK_VERSION (1, 5, 0)
  adw_dialog_present (dialog, GTK_WIDGET (self));
#else
  gtk_window_present (GTK_WINDOW (dialog));
#endif
}

static void
update_delete_all (SprigWindow *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.delete-all",
                                 g_list_model_get_n_items (sprig_sidebar_get_model (self->sidebar)) > 0);
}

static void
sprig_window_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  SprigWindow *self = SPRIG_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SHOW_SIDEBAR:
      g_value_set_boolean (value, _sprig_window_get_show_sidebar (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sprig_window_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  SprigWindow *self = SPRIG_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SHOW_SIDEBAR:
      _sprig_window_set_show_sidebar (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sprig_window_dispose (GObject *object)
{
  SprigWindow *self = SPRIG_WINDOW (object);

  /* The engine stops at once and runs no callback after this; whatever a reply had
   * streamed is in the store's buffer, committed when the store closes. */
  if (self->engine != NULL)
    g_object_run_dispose (G_OBJECT (self->engine));
  if (self->chat_view != NULL)
    sprig_chat_view_set_chat (self->chat_view, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SPRIG_TYPE_WINDOW);
  if (self->chat != NULL)
    g_signal_handlers_disconnect_by_data (self->chat, self);
  g_clear_object (&self->chat);
  if (self->toolbox != NULL)
    {
      /* The tool host and MCP servers end with the window. */
      g_signal_handlers_disconnect_by_data (self->toolbox, self);
      sprig_toolbox_shutdown (self->toolbox);
    }
  g_clear_object (&self->toolbox);
  g_clear_object (&self->engine);
  g_clear_object (&self->store);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->model_name, g_free);
  _sprig_window_dispose_model (self);

  G_OBJECT_CLASS (sprig_window_parent_class)->dispose (object);
}

static void
install_actions (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.new-chat", NULL, new_chat_action_cb);
  gtk_widget_class_install_action (widget_class, "win.open-model", NULL, open_model_action_cb);
  gtk_widget_class_install_action (widget_class, "win.undo-delete", "x", undo_delete_action_cb);
  gtk_widget_class_install_property_action (widget_class, "win.show-sidebar", "show-sidebar");
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action_cb);
  gtk_widget_class_install_action (widget_class, "win.delete-all", NULL, delete_all_action_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK,
                                       "win.new-chat", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK,
                                       "win.open-model", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK,
                                       "window.close", NULL);
}

static void
sprig_window_class_init (SprigWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = sprig_window_dispose;
  object_class->get_property = sprig_window_get_property;
  object_class->set_property = sprig_window_set_property;
  window_class->close_request = sprig_window_close_request;

  /* Whether the sidebar shows, beside the chat or, when the window is narrow, over it;
   * the stateful action win.show-sidebar toggles it. */
  properties[PROP_SHOW_SIDEBAR] =
    g_param_spec_boolean ("show-sidebar", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (SPRIG_TYPE_SIDEBAR);
  g_type_ensure (SPRIG_TYPE_CHAT_VIEW);
  g_type_ensure (SPRIG_TYPE_MODEL_PICKER);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sprigchat/Sprig/sprig-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SprigWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, SprigWindow, content_title);
  gtk_widget_class_bind_template_child (widget_class, SprigWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, SprigWindow, demo_banner);
  gtk_widget_class_bind_template_child (widget_class, SprigWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, SprigWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, SprigWindow, loading_page);
  gtk_widget_class_bind_template_child (widget_class, SprigWindow, load_progress);
  gtk_widget_class_bind_template_child (widget_class, SprigWindow, chat_view);
  gtk_widget_class_bind_template_child (widget_class, SprigWindow, model_picker);
  _sprig_window_layout_class_init (widget_class);
  install_actions (widget_class);
  _sprig_window_class_init_model (widget_class);
  _sprig_window_class_init_settings (widget_class);
}

static void
setup_chat (SprigWindow *self)
{
  self->store = sprig_store_new (NULL);
  /* Queued first, so every later store call sees the opened database. */
  sprig_store_open_async (self->store, NULL, store_opened_cb, g_object_ref (self));
  self->engine = se_engine_new ();
  self->chat = sprig_chat_new (self->store, self->engine);
  sprig_chat_set_max_tokens (self->chat,
                             (guint) g_settings_get_int (self->settings, "max-reply-tokens"));
  g_signal_connect_swapped (self->chat, "notify::conversation-id",
                            G_CALLBACK (chat_conversation_changed_cb), self);
  g_signal_connect_swapped (self->chat, "notify::generating",
                            G_CALLBACK (chat_generating_changed_cb), self);
  g_signal_connect_swapped (self->chat, "error", G_CALLBACK (error_cb), self);
  g_signal_connect_swapped (self->chat, "notice", G_CALLBACK (_sprig_window_toast), self);
  self->toolbox = sprig_toolbox_new (self->settings);
  g_signal_connect_swapped (self->toolbox, "problem", G_CALLBACK (_sprig_window_toast), self);
  sprig_chat_set_toolbox (self->chat, self->toolbox, GTK_WINDOW (self));
  sprig_chat_view_set_chat (self->chat_view, self->chat);

  sprig_sidebar_set_store (self->sidebar, self->store);
  g_signal_connect_swapped (self->sidebar, "conversation-activated",
                            G_CALLBACK (conversation_activated_cb), self);
  g_signal_connect_swapped (self->sidebar, "search-hit-activated",
                            G_CALLBACK (search_hit_activated_cb), self);
  g_signal_connect_swapped (self->sidebar, "conversation-deleted",
                            G_CALLBACK (conversation_deleted_cb), self);
  g_signal_connect_swapped (self->sidebar, "error", G_CALLBACK (error_cb), self);
  g_signal_connect_object (sprig_sidebar_get_model (self->sidebar), "items-changed",
                           G_CALLBACK (_sprig_window_update_title), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (sprig_sidebar_get_model (self->sidebar), "items-changed",
                           G_CALLBACK (update_delete_all), self, G_CONNECT_SWAPPED);
  update_delete_all (self);
}

static void
sprig_window_init (SprigWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
  _sprig_window_layout_init (self);

  adw_status_page_set_icon_name (self->empty_page, APP_ID "-symbolic");
  adw_status_page_set_icon_name (self->loading_page, APP_ID "-symbolic");
  setup_chat (self);
  _sprig_window_update_title (self);
  _sprig_window_init_settings (self);
  _sprig_window_init_model (self);

#if DEVELOPMENT_BUILD
  gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
#endif
}
