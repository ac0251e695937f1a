/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigChatView shows a SprigChat: a virtualised GtkListView of its messages that keeps
 * to the bottom while a reply streams (unless the user scrolled up), and the composer.
 * Enter or Ctrl+Enter sends, Shift+Enter starts a new line; while a reply is generated
 * the Send button becomes Stop, and Escape stops too. The per-message actions of the rows
 * (copy, edit, regenerate, branch arrows, delete with undo) are this widget's "chat.*"
 * actions, disabled while a reply is generated.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "sprig-chat-view.h"
#include "sprig-message-item.h"
#include "sprig-message-row.h"

/* Within this many pixels of the end counts as "at the bottom". */
#define BOTTOM_SLACK 48.0

struct _SprigChatView
{
  GtkWidget parent_instance;

  GtkStack *view_stack;
  GtkScrolledWindow *scroller;
  GtkListView *list_view;
  GtkTextView *text_view;
  GtkButton *send_button;

  SprigChat *chat;
  gulong handlers[3];
  gboolean stick_to_bottom;
};

G_DEFINE_FINAL_TYPE (SprigChatView, sprig_chat_view, GTK_TYPE_WIDGET)

/* Actions on one message, with its id; none runs while a reply is generated. */
static const char *const message_actions[] = {
  "chat.regenerate", "chat.edit-message", "chat.delete-message",
  "chat.previous-branch", "chat.next-branch",
};

static void
update_actions (SprigChatView *self)
{
  gboolean generating = self->chat != NULL && sprig_chat_get_generating (self->chat);
  const char *label = generating ? _("Stop") : _("Send");

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.send", self->chat != NULL && !generating);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.stop", generating);
  for (guint i = 0; i < G_N_ELEMENTS (message_actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (self), message_actions[i],
                                   self->chat != NULL && !generating);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->send_button),
                                  generating ? "chat.stop" : "chat.send");
  gtk_button_set_icon_name (self->send_button,
                            generating ? "media-playback-stop-symbolic" : "go-up-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->send_button), label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->send_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  if (generating)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->send_button), "suggested-action");
      gtk_widget_add_css_class (GTK_WIDGET (self->send_button), "destructive-action");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->send_button), "destructive-action");
      gtk_widget_add_css_class (GTK_WIDGET (self->send_button), "suggested-action");
    }
}

static void
update_page (SprigChatView *self)
{
  gboolean empty = self->chat == NULL ||
                   g_list_model_get_n_items (sprig_chat_get_messages (self->chat)) == 0;

  gtk_stack_set_visible_child_name (self->view_stack, empty ? "empty" : "messages");
}

static void
scroll_to_end (SprigChatView *self)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->scroller);

  gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj));
}

static void
upper_changed_cb (SprigChatView *self)
{
  if (self->stick_to_bottom)
    scroll_to_end (self);
}

static void
value_changed_cb (GtkAdjustment *adj,
                  SprigChatView *self)
{
  double end = gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj);

  self->stick_to_bottom = gtk_adjustment_get_value (adj) >= end - BOTTOM_SLACK;
}

static void
items_changed_cb (SprigChatView *self)
{
  update_page (self);
}

static void
send_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SprigChatView *self = SPRIG_CHAT_VIEW (widget);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  if (self->chat == NULL || sprig_chat_get_generating (self->chat))
    return;
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  g_strstrip (text);
  if (text[0] == '\0')
    return;
  gtk_text_buffer_set_text (buffer, "", 0);
  self->stick_to_bottom = TRUE;
  sprig_chat_send (self->chat, text);
}

static void
stop_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SprigChatView *self = SPRIG_CHAT_VIEW (widget);

  if (self->chat != NULL)
    sprig_chat_stop (self->chat);
}

static SprigMessageItem *
find_item (SprigChatView *self,
           gint64         id)
{
  GListModel *model = sprig_chat_get_messages (self->chat);

  for (guint i = 0, n = g_list_model_get_n_items (model); i < n; i++)
    {
      g_autoptr(SprigMessageItem) item = g_list_model_get_item (model, i);

      if (sprig_message_item_get_id (item) == id)
        return g_steal_pointer (&item);
    }
  return NULL;
}

static void
toast (SprigChatView *self,
       AdwToast      *toast)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
  else
    g_object_unref (g_object_ref_sink (toast));
}

static void
copy_message_cb (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  SprigChatView *self = SPRIG_CHAT_VIEW (widget);
  g_autoptr(SprigMessageItem) item = NULL;
  SprigToolCallItem *call;
  const char *text;

  if (self->chat == NULL || (item = find_item (self, g_variant_get_int64 (parameter))) == NULL)
    return;
  /* A tool message copies what its card shows: the tool's result. */
  call = sprig_message_item_get_tool_call (item);
  text = call != NULL && sprig_tool_call_item_get_result (call) != NULL
         ? sprig_tool_call_item_get_result (call)
         : sprig_message_item_get_content (item);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), text);
  toast (self, adw_toast_new (_("Copied to clipboard")));
}

static void
regenerate_cb (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SprigChatView *self = SPRIG_CHAT_VIEW (widget);

  if (self->chat != NULL && sprig_chat_regenerate (self->chat, g_variant_get_int64 (parameter)))
    self->stick_to_bottom = TRUE;
}

static void
edit_message_cb (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  SprigChatView *self = SPRIG_CHAT_VIEW (widget);
  gint64 id;
  const char *text;

  g_variant_get (parameter, "(x&s)", &id, &text);
  if (self->chat != NULL && sprig_chat_edit (self->chat, id, text))
    self->stick_to_bottom = TRUE;
}

static void
branch_cb (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  SprigChatView *self = SPRIG_CHAT_VIEW (widget);
  int delta = g_str_equal (action_name, "chat.next-branch") ? 1 : -1;

  if (self->chat != NULL)
    sprig_chat_show_branch (self->chat, g_variant_get_int64 (parameter), delta);
}

static void
undo_delete_cb (AdwToast  *toast,
                SprigChat *chat)
{
  sprig_chat_undo_delete (chat);
}

static void
delete_message_cb (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  SprigChatView *self = SPRIG_CHAT_VIEW (widget);
  AdwToast *undo;

  if (self->chat == NULL || !sprig_chat_delete (self->chat, g_variant_get_int64 (parameter)))
    return;
  /* The deletion reaches the store when the toast goes without an undo. */
  undo = adw_toast_new (_("Message deleted"));
  adw_toast_set_button_label (undo, _("_Undo"));
  g_signal_connect_object (undo, "button-clicked", G_CALLBACK (undo_delete_cb), self->chat, 0);
  g_signal_connect_object (undo, "dismissed", G_CALLBACK (sprig_chat_commit_delete), self->chat,
                           G_CONNECT_SWAPPED);
  toast (self, undo);
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                SprigChatView         *self)
{
  if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter && keyval != GDK_KEY_ISO_Enter)
    return GDK_EVENT_PROPAGATE;
  if (state & GDK_SHIFT_MASK)
    return GDK_EVENT_PROPAGATE;  /* a new line */
  gtk_widget_activate_action (GTK_WIDGET (self), "chat.send", NULL);
  return GDK_EVENT_STOP;
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item)
{
  gtk_list_item_set_child (list_item, sprig_message_row_new ());
  gtk_list_item_set_activatable (list_item, FALSE);
  gtk_list_item_set_selectable (list_item, FALSE);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item)
{
  sprig_message_row_set_item (SPRIG_MESSAGE_ROW (gtk_list_item_get_child (list_item)),
                              gtk_list_item_get_item (list_item));
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item)
{
  sprig_message_row_set_item (SPRIG_MESSAGE_ROW (gtk_list_item_get_child (list_item)), NULL);
}

/* A search hit: the list scrolls to the message and stops following the end. */
static void
reveal_message_cb (SprigChatView *self,
                   guint          position)
{
  self->stick_to_bottom = FALSE;
  gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", position);
}

static void
disconnect_chat (SprigChatView *self)
{
  if (self->chat == NULL)
    return;
  g_clear_signal_handler (&self->handlers[0], self->chat);
  g_clear_signal_handler (&self->handlers[2], self->chat);
  g_clear_signal_handler (&self->handlers[1], sprig_chat_get_messages (self->chat));
  g_clear_object (&self->chat);
}

void
sprig_chat_view_set_chat (SprigChatView *self,
                          SprigChat     *chat)
{
  g_autoptr(GtkNoSelection) selection = NULL;

  g_return_if_fail (SPRIG_IS_CHAT_VIEW (self));
  g_return_if_fail (chat == NULL || SPRIG_IS_CHAT (chat));

  if (self->chat == chat)
    return;
  disconnect_chat (self);
  if (chat != NULL)
    {
      self->chat = g_object_ref (chat);
      self->handlers[0] = g_signal_connect_swapped (chat, "notify::generating",
                                                    G_CALLBACK (update_actions), self);
      self->handlers[2] = g_signal_connect_swapped (chat, "reveal-message",
                                                    G_CALLBACK (reveal_message_cb), self);
      self->handlers[1] = g_signal_connect_swapped (sprig_chat_get_messages (chat), "items-changed",
                                                    G_CALLBACK (items_changed_cb), self);
      selection = gtk_no_selection_new (g_object_ref (sprig_chat_get_messages (chat)));
    }
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  self->stick_to_bottom = TRUE;
  update_actions (self);
  update_page (self);
}

void
sprig_chat_view_focus_composer (SprigChatView *self)
{
  g_return_if_fail (SPRIG_IS_CHAT_VIEW (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
}

static void
sprig_chat_view_dispose (GObject *object)
{
  SprigChatView *self = SPRIG_CHAT_VIEW (object);
  GtkWidget *child;

  disconnect_chat (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), SPRIG_TYPE_CHAT_VIEW);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (sprig_chat_view_parent_class)->dispose (object);
}

static void
sprig_chat_view_class_init (SprigChatViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sprig_chat_view_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sprigchat/Sprig/sprig-chat-view.ui");
  gtk_widget_class_bind_template_child (widget_class, SprigChatView, view_stack);
  gtk_widget_class_bind_template_child (widget_class, SprigChatView, scroller);
  gtk_widget_class_bind_template_child (widget_class, SprigChatView, list_view);
  gtk_widget_class_bind_template_child (widget_class, SprigChatView, text_view);
  gtk_widget_class_bind_template_child (widget_class, SprigChatView, send_button);

  gtk_widget_class_install_action (widget_class, "chat.send", NULL, send_action_cb);
  gtk_widget_class_install_action (widget_class, "chat.stop", NULL, stop_action_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "chat.stop", NULL);
  gtk_widget_class_install_action (widget_class, "chat.copy-message", "x", copy_message_cb);
  gtk_widget_class_install_action (widget_class, "chat.regenerate", "x", regenerate_cb);
  gtk_widget_class_install_action (widget_class, "chat.edit-message", "(xs)", edit_message_cb);
  gtk_widget_class_install_action (widget_class, "chat.delete-message", "x", delete_message_cb);
  gtk_widget_class_install_action (widget_class, "chat.previous-branch", "x", branch_cb);
  gtk_widget_class_install_action (widget_class, "chat.next-branch", "x", branch_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "chatview");
}

static void
sprig_chat_view_init (SprigChatView *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkEventController *keys = gtk_event_controller_key_new ();
  GtkAdjustment *adj;

  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), NULL);
  gtk_list_view_set_factory (self->list_view, factory);

  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->text_view), keys);

  adj = gtk_scrolled_window_get_vadjustment (self->scroller);
  g_signal_connect_object (adj, "notify::upper", G_CALLBACK (upper_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (adj, "value-changed", G_CALLBACK (value_changed_cb), self, 0);
  self->stick_to_bottom = TRUE;
  update_actions (self);
  update_page (self);
}
