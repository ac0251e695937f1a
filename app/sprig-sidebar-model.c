/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigSidebarModel shows a list of SprigConversationItems (pinned first, then newest
 * first) with a SprigSidebarHeader before each day group, because GTK 4.8 list views
 * have no sections. It follows every change of the list it wraps, reports only the span
 * that changed so rows keep their focus and scroll position, and regroups when the
 * local date moves on (checked each minute, which also notices a resume from suspend).
 */
#include "config.h"

#include "sprig-conversation-group.h"
#include "sprig-conversation-item.h"
#include "sprig-sidebar-model.h"

#define REGROUP_CHECK_SECONDS 60

struct _SprigSidebarHeader
{
  GObject parent_instance;

  char *label;
};

G_DEFINE_FINAL_TYPE (SprigSidebarHeader, sprig_sidebar_header, G_TYPE_OBJECT)

static SprigSidebarHeader *
sprig_sidebar_header_new (char *label)
{
  SprigSidebarHeader *self = g_object_new (SPRIG_TYPE_SIDEBAR_HEADER, NULL);

  self->label = label;
  return self;
}

const char *
sprig_sidebar_header_get_label (SprigSidebarHeader *self)
{
  g_return_val_if_fail (SPRIG_IS_SIDEBAR_HEADER (self), NULL);
  return self->label;
}

static void
sprig_sidebar_header_finalize (GObject *object)
{
  g_free (SPRIG_SIDEBAR_HEADER (object)->label);
  G_OBJECT_CLASS (sprig_sidebar_header_parent_class)->finalize (object);
}

static void
sprig_sidebar_header_class_init (SprigSidebarHeaderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sprig_sidebar_header_finalize;
}

static void
sprig_sidebar_header_init (SprigSidebarHeader *self)
{
}

struct _SprigSidebarModel
{
  GObject parent_instance;

  GListModel *conversations;
  GPtrArray *items;   /* headers and conversation items, as shown */
  guint32 day;        /* the local date the groups were made for (Julian day) */
  guint regroup_source;
};

static void sprig_sidebar_model_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SprigSidebarModel, sprig_sidebar_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      sprig_sidebar_model_list_model_init))

static GType
sprig_sidebar_model_get_item_type (GListModel *model)
{
  return G_TYPE_OBJECT;
}

static guint
sprig_sidebar_model_get_n_items (GListModel *model)
{
  return SPRIG_SIDEBAR_MODEL (model)->items->len;
}

static gpointer
sprig_sidebar_model_get_item (GListModel *model,
                              guint       position)
{
  SprigSidebarModel *self = SPRIG_SIDEBAR_MODEL (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
sprig_sidebar_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = sprig_sidebar_model_get_item_type;
  iface->get_n_items = sprig_sidebar_model_get_n_items;
  iface->get_item = sprig_sidebar_model_get_item;
}

/* The position of @item (a conversation item or a header), or GTK_INVALID_LIST_POSITION
 * (G_MAXUINT) when it is not shown. */
guint
sprig_sidebar_model_get_position (SprigSidebarModel *self,
                                  gpointer           item)
{
  guint position;

  g_return_val_if_fail (SPRIG_IS_SIDEBAR_MODEL (self), G_MAXUINT);

  if (item == NULL || !g_ptr_array_find (self->items, item, &position))
    return G_MAXUINT;
  return position;
}

static guint32
today (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDate) date = g_date_new ();
  int year, month, day;

  g_date_time_get_ymd (now, &year, &month, &day);
  g_date_set_dmy (date, (GDateDay) day, (GDateMonth) month, (GDateYear) year);
  return g_date_get_julian (date);
}

static char *
item_group_label (SprigConversationItem *item,
                  gint64                 now,
                  GTimeZone             *tz)
{
  const SprigConversation *conv = sprig_conversation_item_get_conversation (item);
  char *label = NULL;

  if (conv->pinned)
    return sprig_conversation_group_pinned_label ();
  sprig_conversation_group_for_time (now, conv->updated_at, tz, &label);
  return label;
}

/* Headers are kept when their label stays, so that an unchanged group is no change. */
static GHashTable *
headers_by_label (GPtrArray *items)
{
  GHashTable *headers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);

  for (guint i = 0; i < items->len; i++)
    {
      gpointer item = g_ptr_array_index (items, i);

      if (SPRIG_IS_SIDEBAR_HEADER (item) &&
          !g_hash_table_contains (headers, SPRIG_SIDEBAR_HEADER (item)->label))
        g_hash_table_insert (headers, SPRIG_SIDEBAR_HEADER (item)->label, g_object_ref (item));
    }
  return headers;
}

static GPtrArray *
build_items (SprigSidebarModel *self)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();
  g_autoptr(GHashTable) old_headers = headers_by_label (self->items);
  GPtrArray *items = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *previous = NULL;
  gint64 now = g_get_real_time ();
  guint n = g_list_model_get_n_items (self->conversations);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SprigConversationItem) item = g_list_model_get_item (self->conversations, i);
      g_autofree char *label = item_group_label (item, now, tz);

      if (g_strcmp0 (label, previous) != 0)
        {
          gpointer header = NULL;

          if (!g_hash_table_steal_extended (old_headers, label, NULL, &header))
            header = sprig_sidebar_header_new (g_strdup (label));
          g_ptr_array_add (items, header);
          g_free (previous);
          previous = g_steal_pointer (&label);
        }
      g_ptr_array_add (items, g_steal_pointer (&item));
    }
  return items;
}

static void
rebuild (SprigSidebarModel *self)
{
  g_autoptr(GPtrArray) old = self->items;
  guint prefix = 0, suffix = 0;

  self->day = today ();
  self->items = build_items (self);
  while (prefix < old->len && prefix < self->items->len &&
         old->pdata[prefix] == self->items->pdata[prefix])
    prefix++;
  while (suffix < old->len - prefix && suffix < self->items->len - prefix &&
         old->pdata[old->len - 1 - suffix] == self->items->pdata[self->items->len - 1 - suffix])
    suffix++;
  if (prefix + suffix < old->len || prefix + suffix < self->items->len)
    g_list_model_items_changed (G_LIST_MODEL (self), prefix, old->len - prefix - suffix,
                                self->items->len - prefix - suffix);
}

/* Regroups now, for a change the wrapped list does not announce (a pin, a new day). */
void
sprig_sidebar_model_regroup (SprigSidebarModel *self)
{
  g_return_if_fail (SPRIG_IS_SIDEBAR_MODEL (self));
  rebuild (self);
}

static gboolean
regroup_check_cb (gpointer user_data)
{
  SprigSidebarModel *self = user_data;

  if (today () != self->day)
    rebuild (self);
  return G_SOURCE_CONTINUE;
}

static void
conversations_changed_cb (SprigSidebarModel *self)
{
  rebuild (self);
}

SprigSidebarModel *
sprig_sidebar_model_new (GListModel *conversations)
{
  SprigSidebarModel *self;

  g_return_val_if_fail (G_IS_LIST_MODEL (conversations), NULL);

  self = g_object_new (SPRIG_TYPE_SIDEBAR_MODEL, NULL);
  self->conversations = g_object_ref (conversations);
  g_signal_connect_object (conversations, "items-changed", G_CALLBACK (conversations_changed_cb),
                           self, G_CONNECT_SWAPPED);
  rebuild (self);
  self->regroup_source = g_timeout_add_seconds (REGROUP_CHECK_SECONDS, regroup_check_cb, self);
  return self;
}

static void
sprig_sidebar_model_dispose (GObject *object)
{
  SprigSidebarModel *self = SPRIG_SIDEBAR_MODEL (object);

  g_clear_handle_id (&self->regroup_source, g_source_remove);
  if (self->conversations != NULL)
    g_signal_handlers_disconnect_by_data (self->conversations, self);
  g_clear_object (&self->conversations);
  G_OBJECT_CLASS (sprig_sidebar_model_parent_class)->dispose (object);
}

static void
sprig_sidebar_model_finalize (GObject *object)
{
  g_ptr_array_unref (SPRIG_SIDEBAR_MODEL (object)->items);
  G_OBJECT_CLASS (sprig_sidebar_model_parent_class)->finalize (object);
}

static void
sprig_sidebar_model_class_init (SprigSidebarModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sprig_sidebar_model_dispose;
  object_class->finalize = sprig_sidebar_model_finalize;
}

static void
sprig_sidebar_model_init (SprigSidebarModel *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
}
