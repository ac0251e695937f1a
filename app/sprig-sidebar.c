/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigSidebar lists the conversations of the store, pinned first, then newest first (the
 * store's order) under day headings, and owns what is done to them from the list: pin,
 * inline rename, and soft delete, announced with "conversation-deleted" so the window can
 * offer Undo. It never selects on its own: the window tells it which conversation is
 * shown. Search lives in sprig-sidebar-search.c.
 */
#include "config.h"

#include "sprig-conversation-item.h"
#include "sprig-conversation-row.h"
#include "sprig-sidebar-private.h"

#define LIST_LIMIT 1000

G_DEFINE_FINAL_TYPE (SprigSidebar, sprig_sidebar, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SEARCH_MODE,
  N_PROPS
};

enum {
  SIGNAL_ACTIVATED,
  SIGNAL_HIT_ACTIVATED,
  SIGNAL_DELETED,
  SIGNAL_ERROR,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* The conversations without headers, in the store's order. */
GListModel *
sprig_sidebar_get_model (SprigSidebar *self)
{
  g_return_val_if_fail (SPRIG_IS_SIDEBAR (self), NULL);
  return G_LIST_MODEL (self->conversations);
}

/* The conversations with their day headers (SprigSidebarHeader), as the list shows them. */
GListModel *
sprig_sidebar_get_grouped_model (SprigSidebar *self)
{
  g_return_val_if_fail (SPRIG_IS_SIDEBAR (self), NULL);
  return G_LIST_MODEL (self->groups);
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
  SprigConversationItem *item = NULL;

  if (self->selected_id > 0)
    item = find_item (self, self->selected_id, NULL);
  gtk_single_selection_set_selected (self->selection,
                                     sprig_sidebar_model_get_position (self->groups, item));
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

void
_sprig_sidebar_report_error (SprigSidebar *self,
                             const GError *error)
{
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_signal_emit (self, signals[SIGNAL_ERROR], 0, error->message);
}

void
_sprig_sidebar_emit_hit (SprigSidebar *self,
                         gint64        conversation_id,
                         gint64        message_id)
{
  g_signal_emit (self, signals[SIGNAL_HIT_ACTIVATED], 0, conversation_id, message_id);
}

/* Search results while a query is answered, else the list or its empty state. Until the
 * first answer to a new query arrives the page stays as it is, so nothing flickers. */
void
_sprig_sidebar_update_page (SprigSidebar *self)
{
  const char *page;

  if (_sprig_sidebar_search_has_query (self))
    {
      if (!self->answered)
        return;
      page = self->n_results > 0 ? "results" : "no-results";
    }
  else
    page = g_list_model_get_n_items (G_LIST_MODEL (self->conversations)) > 0 ? "list" : "empty";
  gtk_stack_set_visible_child_name (self->stack, page);
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
      _sprig_sidebar_report_error (self, error);
      return;
    }
  for (guint i = 0; i < list->len; i++)
    g_ptr_array_add (items, sprig_conversation_item_new (g_ptr_array_index (list, i)));
  g_list_store_splice (self->conversations, 0,
                       g_list_model_get_n_items (G_LIST_MODEL (self->conversations)),
                       items->pdata, items->len);
  sync_selection (self);
  _sprig_sidebar_update_page (self);
  /* hits of a deleted or renamed conversation would be stale */
  if (_sprig_sidebar_search_has_query (self))
    _sprig_sidebar_search_run (self);
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
    _sprig_sidebar_report_error (self, error);
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

/* The store's order: pinned first, then the latest change first. */
static int
compare_items (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  const SprigConversation *ca = sprig_conversation_item_get_conversation ((gpointer) a);
  const SprigConversation *cb = sprig_conversation_item_get_conversation ((gpointer) b);

  if (ca->pinned != cb->pinned)
    return ca->pinned ? -1 : 1;
  if (ca->updated_at != cb->updated_at)
    return ca->updated_at > cb->updated_at ? -1 : 1;
  return ca->id > cb->id ? -1 : ca->id < cb->id;
}

static void
pin_action_cb (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  SprigSidebar *self = SPRIG_SIDEBAR (widget);
  guint position;
  SprigConversationItem *found = find_item (self, g_variant_get_int64 (parameter), &position);
  g_autoptr(SprigConversationItem) item = NULL;

  if (found == NULL)
    return;
  item = g_object_ref (found);
  sprig_conversation_item_set_pinned (item, !sprig_conversation_item_get_pinned (item));
  /* Moved under its new heading at once; the refresh after the store's write agrees. */
  g_list_store_remove (self->conversations, position);
  g_list_store_insert_sorted (self->conversations, item, compare_items, NULL);
  sync_selection (self);
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
    _sprig_sidebar_report_error (data->self, error);
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
  _sprig_sidebar_update_page (self);
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
    _sprig_sidebar_report_error (self, error);
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

/* Headers and conversations share one factory: a recycled list item changes its child
 * when it moves from one kind to the other. */
static void
bind_header (GtkListItem        *list_item,
             SprigSidebarHeader *header)
{
  GtkWidget *label = gtk_list_item_get_child (list_item);

  if (!GTK_IS_LABEL (label))
    {
      label = gtk_label_new (NULL);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_widget_add_css_class (label, "sprig-sidebar-heading");
      gtk_widget_add_css_class (label, "heading");
      gtk_list_item_set_child (list_item, label);
    }
  gtk_label_set_text (GTK_LABEL (label), sprig_sidebar_header_get_label (header));
}

static void
bind_conversation (SprigSidebar          *self,
                   GtkListItem           *list_item,
                   SprigConversationItem *item)
{
  GtkWidget *row = gtk_list_item_get_child (list_item);

  if (!SPRIG_IS_CONVERSATION_ROW (row))
    {
      row = sprig_conversation_row_new ();
      g_signal_connect_object (row, "renamed", G_CALLBACK (row_renamed_cb), self, 0);
      gtk_list_item_set_child (list_item, row);
    }
  sprig_conversation_row_set_item (SPRIG_CONVERSATION_ROW (row), item);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             SprigSidebar             *self)
{
  gpointer item = gtk_list_item_get_item (list_item);
  gboolean is_header = SPRIG_IS_SIDEBAR_HEADER (item);

  gtk_list_item_set_selectable (list_item, !is_header);
  gtk_list_item_set_activatable (list_item, !is_header);
#if GTK_CHECK_VERSION (4, 12, 0)
  gtk_list_item_set_focusable (list_item, !is_header);
#endif
  if (is_header)
    bind_header (list_item, item);
  else
    bind_conversation (self, list_item, item);
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               SprigSidebar             *self)
{
  GtkWidget *child = gtk_list_item_get_child (list_item);

  if (SPRIG_IS_CONVERSATION_ROW (child))
    sprig_conversation_row_set_item (SPRIG_CONVERSATION_ROW (child), NULL);
}

static void
list_activate_cb (GtkListView  *list_view,
                  guint         position,
                  SprigSidebar *self)
{
  g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (self->groups), position);

  if (SPRIG_IS_CONVERSATION_ITEM (item))
    g_signal_emit (self, signals[SIGNAL_ACTIVATED], 0,
                   sprig_conversation_item_get_id (SPRIG_CONVERSATION_ITEM (item)));
}

gboolean
sprig_sidebar_get_search_mode (SprigSidebar *self)
{
  g_return_val_if_fail (SPRIG_IS_SIDEBAR (self), FALSE);
  return gtk_search_bar_get_search_mode (self->search_bar);
}

void
sprig_sidebar_set_search_mode (SprigSidebar *self,
                               gboolean      search_mode)
{
  g_return_if_fail (SPRIG_IS_SIDEBAR (self));
  gtk_search_bar_set_search_mode (self->search_bar, search_mode);
}

static void
search_mode_changed_cb (SprigSidebar *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH_MODE]);
}

static void
sprig_sidebar_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  SprigSidebar *self = SPRIG_SIDEBAR (object);

  switch (prop_id)
    {
    case PROP_SEARCH_MODE:
      g_value_set_boolean (value, sprig_sidebar_get_search_mode (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sprig_sidebar_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  SprigSidebar *self = SPRIG_SIDEBAR (object);

  switch (prop_id)
    {
    case PROP_SEARCH_MODE:
      sprig_sidebar_set_search_mode (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sprig_sidebar_dispose (GObject *object)
{
  SprigSidebar *self = SPRIG_SIDEBAR (object);
  GtkWidget *child;

  g_cancellable_cancel (self->refresh_cancellable);
  g_clear_object (&self->refresh_cancellable);
  _sprig_sidebar_search_dispose (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), SPRIG_TYPE_SIDEBAR);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->selection);
  g_clear_object (&self->groups);
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
  object_class->get_property = sprig_sidebar_get_property;
  object_class->set_property = sprig_sidebar_set_property;

  /* Whether the search bar is open; the list comes back when it closes. */
  properties[PROP_SEARCH_MODE] =
    g_param_spec_boolean ("search-mode", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sprigchat/Sprig/sprig-sidebar.ui");
  gtk_widget_class_bind_template_child (widget_class, SprigSidebar, stack);
  gtk_widget_class_bind_template_child (widget_class, SprigSidebar, list_view);
  gtk_widget_class_bind_template_child (widget_class, SprigSidebar, empty_page);
  gtk_widget_class_install_action (widget_class, "sidebar.pin", "x", pin_action_cb);
  gtk_widget_class_install_action (widget_class, "sidebar.delete", "x", delete_action_cb);
  _sprig_sidebar_search_class_init (widget_class);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  signals[SIGNAL_ACTIVATED] =
    g_signal_new ("conversation-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  /* conversation id and message id (0 for a title) of an activated search hit */
  signals[SIGNAL_HIT_ACTIVATED] =
    g_signal_new ("search-hit-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);
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
  /* the app's own icon: present in every icon theme version */
  adw_status_page_set_icon_name (self->empty_page, APP_ID "-symbolic");

  self->conversations = g_list_store_new (SPRIG_TYPE_CONVERSATION_ITEM);
  self->groups = sprig_sidebar_model_new (G_LIST_MODEL (self->conversations));
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->groups)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);
  g_signal_connect (self->list_view, "activate", G_CALLBACK (list_activate_cb), self);
  g_signal_connect_object (self->search_bar, "notify::search-mode-enabled",
                           G_CALLBACK (search_mode_changed_cb), self, G_CONNECT_SWAPPED);
  _sprig_sidebar_search_init (self);
  gtk_stack_set_visible_child_name (self->stack, "empty");
}
