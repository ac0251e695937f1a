/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigSidebar lists the conversations of the store, pinned first, then newest first (the
 * store's order), and owns what is done to them from the list: pin, inline rename, and
 * soft delete, announced with "conversation-deleted" so the window can offer Undo. It
 * never selects on its own: the window tells it which conversation is shown.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "sprig-conversation-item.h"
#include "sprig-conversation-row.h"
#include "sprig-sidebar.h"

#define LIST_LIMIT 1000

struct _SprigSidebar
{
  GtkWidget parent_instance;

  GtkStack *stack;
  GtkListView *list_view;

  SprigStore *store;
  GListStore *conversations;
  GtkSingleSelection *selection;
  GCancellable *refresh_cancellable;
  gint64 selected_id;
};

G_DEFINE_FINAL_TYPE (SprigSidebar, sprig_sidebar, GTK_TYPE_WIDGET)

enum {
  SIGNAL_ACTIVATED,
  SIGNAL_DELETED,
  SIGNAL_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

GListModel *
sprig_sidebar_get_model (SprigSidebar *self)
{
  g_return_val_if_fail (SPRIG_IS_SIDEBAR (self), NULL);
  return G_LIST_MODEL (self->conversations);
}

static SprigConversationItem *
find_item (SprigSidebar *self,
           gint64        id,
           guint        *position)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->conversations));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SprigConversationItem) item =
        g_list_model_get_item (G_LIST_MODEL (self->conversations), i);

      if (sprig_conversation_item_get_id (item) == id)
        {
          if (position != NULL)
            *position = i;
          return item;  /* the list keeps a reference */
        }
    }
  return NULL;
}

static void
sync_selection (SprigSidebar *self)
{
  guint position = GTK_INVALID_LIST_POSITION;

  if (self->selected_id > 0)
    find_item (self, self->selected_id, &position);
  gtk_single_selection_set_selected (self->selection, position);
}

/* Selects the conversation the window shows (0: none); emits nothing. */
void
sprig_sidebar_select (SprigSidebar *self,
                      gint64        conversation_id)
{
  g_return_if_fail (SPRIG_IS_SIDEBAR (self));
  self->selected_id = conversation_id;
  sync_selection (self);
}

static void
report_error (SprigSidebar *self,
              const GError *error)
{
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_signal_emit (self, signals[SIGNAL_ERROR], 0, error->message);
}

static void
listed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(SprigSidebar) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  list = sprig_store_list_conversations_finish (SPRIG_STORE (source), result, &error);
  if (list == NULL)
    {
      report_error (self, error);
      return;
    }
  for (guint i = 0; i < list->len; i++)
    g_ptr_array_add (items, sprig_conversation_item_new (g_ptr_array_index (list, i)));
  g_list_store_splice (self->conversations, 0,
                       g_list_model_get_n_items (G_LIST_MODEL (self->conversations)),
                       items->pdata, items->len);
  sync_selection (self);
  gtk_stack_set_visible_child_name (self->stack, items->len > 0 ? "list" : "empty");
}

/* Reloads the list from the store; a refresh still running is dropped. */
void
sprig_sidebar_refresh (SprigSidebar *self)
{
  g_return_if_fail (SPRIG_IS_SIDEBAR (self));

  if (self->store == NULL)
    return;
  g_cancellable_cancel (self->refresh_cancellable);
  g_clear_object (&self->refresh_cancellable);
  self->refresh_cancellable = g_cancellable_new ();
  sprig_store_list_conversations_async (self->store, SPRIG_LIST_DEFAULT, 0, LIST_LIMIT,
                                        self->refresh_cancellable, listed_cb,
                                        g_object_ref (self));
}

void
sprig_sidebar_set_store (SprigSidebar *self,
                         SprigStore   *store)
{
  g_return_if_fail (SPRIG_IS_SIDEBAR (self));

  if (!g_set_object (&self->store, store))
    return;
  g_list_store_remove_all (self->conversations);
  sprig_sidebar_refresh (self);
}

static void
updated_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SprigSidebar) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!sprig_store_update_conversation_finish (SPRIG_STORE (source), result, &error))
    report_error (self, error);
  sprig_sidebar_refresh (self);
}

static void
update_conversation (SprigSidebar          *self,
                     SprigConversationItem *item)
{
  sprig_store_update_conversation_async (self->store,
                                         sprig_conversation_item_get_conversation (item), NULL,
                                         updated_cb, g_object_ref (self));
}

static void
pin_action_cb (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SprigSidebar *self = SPRIG_SIDEBAR (widget);
  SprigConversationItem *item = find_item (self, g_variant_get_int64 (parameter), NULL);

  if (item == NULL)
    return;
  sprig_conversation_item_set_pinned (item, !sprig_conversation_item_get_pinned (item));
  update_conversation (self, item);
}

typedef struct
{
  SprigSidebar *self;
  gint64 id;
  char *title;
} DeleteData;

static void
delete_data_free (DeleteData *data)
{
  g_object_unref (data->self);
  g_free (data->title);
  g_free (data);
}

static void
deleted_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  DeleteData *data = user_data;
  g_autoptr(GError) error = NULL;

  if (!sprig_store_delete_conversation_finish (SPRIG_STORE (source), result, &error))
    report_error (data->self, error);
  else
    g_signal_emit (data->self, signals[SIGNAL_DELETED], 0, data->id, data->title);
  sprig_sidebar_refresh (data->self);
  delete_data_free (data);
}

static void
delete_action_cb (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SprigSidebar *self = SPRIG_SIDEBAR (widget);
  guint position;
  SprigConversationItem *item = find_item (self, g_variant_get_int64 (parameter), &position);
  DeleteData *data;

  if (item == NULL)
    return;
  data = g_new0 (DeleteData, 1);
  data->self = g_object_ref (self);
  data->id = sprig_conversation_item_get_id (item);
  data->title = g_strdup (sprig_conversation_item_get_title (item));
  /* Gone from the list at once; the store follows on its thread. */
  g_list_store_remove (self->conversations, position);
  sprig_store_delete_conversation_async (self->store, data->id, NULL, deleted_cb, data);
}

static void
restored_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(SprigSidebar) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!sprig_store_restore_conversation_finish (SPRIG_STORE (source), result, &error))
    report_error (self, error);
  sprig_sidebar_refresh (self);
}

/* Undoes a delete. */
void
sprig_sidebar_restore (SprigSidebar *self,
                       gint64        conversation_id)
{
  g_return_if_fail (SPRIG_IS_SIDEBAR (self));
  g_return_if_fail (self->store != NULL);

  sprig_store_restore_conversation_async (self->store, conversation_id, NULL, restored_cb,
                                          g_object_ref (self));
}

static void
row_renamed_cb (SprigConversationRow *row,
                const char           *title,
                SprigSidebar         *self)
{
  SprigConversationItem *item = sprig_conversation_row_get_item (row);

  if (item == NULL || g_strcmp0 (title, sprig_conversation_item_get_title (item)) == 0)
    return;
  sprig_conversation_item_set_title (item, title);
  update_conversation (self, item);
}

static SprigConversationRow *
find_row (GtkWidget *widget,
          gint64     id)
{
  if (SPRIG_IS_CONVERSATION_ROW (widget))
    {
      SprigConversationItem *item = sprig_conversation_row_get_item (SPRIG_CONVERSATION_ROW (widget));

      return item != NULL && sprig_conversation_item_get_id (item) == id
             ? SPRIG_CONVERSATION_ROW (widget) : NULL;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      SprigConversationRow *row = find_row (c, id);

      if (row != NULL)
        return row;
    }
  return NULL;
}

/* Starts the inline rename of a conversation whose row is on screen. */
void
sprig_sidebar_start_rename (SprigSidebar *self,
                            gint64        conversation_id)
{
  SprigConversationRow *row;

  g_return_if_fail (SPRIG_IS_SIDEBAR (self));

  row = find_row (GTK_WIDGET (self->list_view), conversation_id);
  if (row != NULL)
    sprig_conversation_row_start_rename (row);
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              SprigSidebar             *self)
{
  GtkWidget *row = sprig_conversation_row_new ();

  g_signal_connect_object (row, "renamed", G_CALLBACK (row_renamed_cb), self, 0);
  gtk_list_item_set_child (list_item, row);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             SprigSidebar             *self)
{
  sprig_conversation_row_set_item (SPRIG_CONVERSATION_ROW (gtk_list_item_get_child (list_item)),
                                   gtk_list_item_get_item (list_item));
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               SprigSidebar             *self)
{
  sprig_conversation_row_set_item (SPRIG_CONVERSATION_ROW (gtk_list_item_get_child (list_item)),
                                   NULL);
}

static void
list_activate_cb (GtkListView  *list_view,
                  guint         position,
                  SprigSidebar *self)
{
  g_autoptr(SprigConversationItem) item =
    g_list_model_get_item (G_LIST_MODEL (self->conversations), position);

  if (item != NULL)
    g_signal_emit (self, signals[SIGNAL_ACTIVATED], 0, sprig_conversation_item_get_id (item));
}

static void
sprig_sidebar_dispose (GObject *object)
{
  SprigSidebar *self = SPRIG_SIDEBAR (object);
  GtkWidget *child;

  g_cancellable_cancel (self->refresh_cancellable);
  g_clear_object (&self->refresh_cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), SPRIG_TYPE_SIDEBAR);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->selection);
  g_clear_object (&self->conversations);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (sprig_sidebar_parent_class)->dispose (object);
}

static void
sprig_sidebar_class_init (SprigSidebarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sprig_sidebar_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sprigchat/Sprig/sprig-sidebar.ui");
  gtk_widget_class_bind_template_child (widget_class, SprigSidebar, stack);
  gtk_widget_class_bind_template_child (widget_class, SprigSidebar, list_view);
  gtk_widget_class_install_action (widget_class, "sidebar.pin", "x", pin_action_cb);
  gtk_widget_class_install_action (widget_class, "sidebar.delete", "x", delete_action_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  signals[SIGNAL_ACTIVATED] =
    g_signal_new ("conversation-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  /* id and title of a conversation the store has just soft-deleted */
  signals[SIGNAL_DELETED] =
    g_signal_new ("conversation-deleted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_STRING);
  signals[SIGNAL_ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
sprig_sidebar_init (SprigSidebar *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  self->conversations = g_list_store_new (SPRIG_TYPE_CONVERSATION_ITEM);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->conversations)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);
  g_signal_connect (self->list_view, "activate", G_CALLBACK (list_activate_cb), self);
  gtk_stack_set_visible_child_name (self->stack, "empty");
}
