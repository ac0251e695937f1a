/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigConversationRow is one conversation in the sidebar: its title (renamed inline in
 * an entry: Enter keeps, Escape cancels), a pin mark, and a menu to rename, pin or
 * delete. Pin and delete are the sidebar's actions; a finished rename is the row's
 * "renamed" signal.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sprig-conversation-row.h"

struct _SprigConversationRow
{
  GtkWidget parent_instance;

  GtkImage *pin_icon;
  GtkStack *title_stack;
  GtkLabel *title_label;
  GtkEntry *rename_entry;
  GtkMenuButton *menu_button;

  SprigConversationItem *item;
  gulong handlers[2];
};

G_DEFINE_FINAL_TYPE (SprigConversationRow, sprig_conversation_row, GTK_TYPE_WIDGET)

enum {
  SIGNAL_RENAMED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

GtkWidget *
sprig_conversation_row_new (void)
{
  return g_object_new (SPRIG_TYPE_CONVERSATION_ROW, NULL);
}

SprigConversationItem *
sprig_conversation_row_get_item (SprigConversationRow *self)
{
  g_return_val_if_fail (SPRIG_IS_CONVERSATION_ROW (self), NULL);
  return self->item;
}

static void
update_menu (SprigConversationRow *self)
{
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) section = g_menu_new ();
  gint64 id = sprig_conversation_item_get_id (self->item);
  gboolean pinned = sprig_conversation_item_get_pinned (self->item);
  g_autoptr(GMenuItem) pin = g_menu_item_new (pinned ? _("_Unpin") : _("_Pin"), NULL);
  g_autoptr(GMenuItem) del = g_menu_item_new (_("_Delete"), NULL);

  g_menu_append (menu, _("_Rename…"), "row.rename");
  g_menu_item_set_action_and_target_value (pin, "sidebar.pin", g_variant_new_int64 (id));
  g_menu_append_item (menu, pin);
  g_menu_item_set_action_and_target_value (del, "sidebar.delete", g_variant_new_int64 (id));
  g_menu_append_item (section, del);
  g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
  gtk_menu_button_set_menu_model (self->menu_button, G_MENU_MODEL (menu));
}

static void
update_title (SprigConversationRow *self)
{
  gtk_label_set_text (self->title_label, sprig_conversation_item_get_title (self->item));
}

static void
update_pinned (SprigConversationRow *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->pin_icon),
                          sprig_conversation_item_get_pinned (self->item));
  update_menu (self);
}

static void
stop_editing (SprigConversationRow *self)
{
  gtk_stack_set_visible_child (self->title_stack, GTK_WIDGET (self->title_label));
}

void
sprig_conversation_row_set_item (SprigConversationRow  *self,
                                 SprigConversationItem *item)
{
  g_return_if_fail (SPRIG_IS_CONVERSATION_ROW (self));

  if (self->item == item)
    return;
  if (self->item != NULL)
    {
      g_clear_signal_handler (&self->handlers[0], self->item);
      g_clear_signal_handler (&self->handlers[1], self->item);
      g_clear_object (&self->item);
    }
  stop_editing (self);
  if (item == NULL)
    return;
  self->item = g_object_ref (item);
  self->handlers[0] = g_signal_connect_swapped (item, "notify::title",
                                                G_CALLBACK (update_title), self);
  self->handlers[1] = g_signal_connect_swapped (item, "notify::pinned",
                                                G_CALLBACK (update_pinned), self);
  update_title (self);
  update_pinned (self);
}

void
sprig_conversation_row_start_rename (SprigConversationRow *self)
{
  g_return_if_fail (SPRIG_IS_CONVERSATION_ROW (self));

  if (self->item == NULL)
    return;
  gtk_editable_set_text (GTK_EDITABLE (self->rename_entry),
                         sprig_conversation_item_get_title (self->item));
  gtk_stack_set_visible_child (self->title_stack, GTK_WIDGET (self->rename_entry));
  gtk_widget_grab_focus (GTK_WIDGET (self->rename_entry));
}

static void
rename_action_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  sprig_conversation_row_start_rename (SPRIG_CONVERSATION_ROW (widget));
}

static void
rename_entry_activate_cb (SprigConversationRow *self)
{
  g_autofree char *title = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->rename_entry)));

  stop_editing (self);
  g_strstrip (title);
  if (title[0] != '\0' && self->item != NULL)
    g_signal_emit (self, signals[SIGNAL_RENAMED], 0, title);
}

static gboolean
rename_key_pressed_cb (GtkEventControllerKey *controller,
                       guint                  keyval,
                       guint                  keycode,
                       GdkModifierType        state,
                       SprigConversationRow  *self)
{
  if (keyval != GDK_KEY_Escape)
    return GDK_EVENT_PROPAGATE;
  stop_editing (self);
  return GDK_EVENT_STOP;
}

static void
sprig_conversation_row_dispose (GObject *object)
{
  SprigConversationRow *self = SPRIG_CONVERSATION_ROW (object);
  GtkWidget *child;

  sprig_conversation_row_set_item (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SPRIG_TYPE_CONVERSATION_ROW);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (sprig_conversation_row_parent_class)->dispose (object);
}

static void
sprig_conversation_row_class_init (SprigConversationRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sprig_conversation_row_dispose;

  gtk_widget_class_set_template_from_resource (
    widget_class, "/io/github/sprigchat/Sprig/sprig-conversation-row.ui");
  gtk_widget_class_bind_template_child (widget_class, SprigConversationRow, pin_icon);
  gtk_widget_class_bind_template_child (widget_class, SprigConversationRow, title_stack);
  gtk_widget_class_bind_template_child (widget_class, SprigConversationRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, SprigConversationRow, rename_entry);
  gtk_widget_class_bind_template_child (widget_class, SprigConversationRow, menu_button);
  gtk_widget_class_install_action (widget_class, "row.rename", NULL, rename_action_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F2, 0, "row.rename", NULL);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  /* The new title, already stripped and never empty. */
  signals[SIGNAL_RENAMED] = g_signal_new ("renamed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
sprig_conversation_row_init (SprigConversationRow *self)
{
  GtkEventController *keys = gtk_event_controller_key_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->rename_entry, "activate",
                            G_CALLBACK (rename_entry_activate_cb), self);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (rename_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->rename_entry), keys);
}
