/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigConversationItem wraps one SprigConversation from the store for the sidebar's list
 * model: the title and the pinned flag are properties so that rows follow a rename or a
 * pin without the list being rebuilt.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sprig-conversation-item.h"

struct _SprigConversationItem
{
  GObject parent_instance;

  SprigConversation *conv;
};

G_DEFINE_FINAL_TYPE (SprigConversationItem, sprig_conversation_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TITLE,
  PROP_PINNED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

SprigConversationItem *
sprig_conversation_item_new (const SprigConversation *conv)
{
  SprigConversationItem *self;

  g_return_val_if_fail (conv != NULL, NULL);

  self = g_object_new (SPRIG_TYPE_CONVERSATION_ITEM, NULL);
  self->conv = sprig_conversation_copy (conv);
  return self;
}

const SprigConversation *
sprig_conversation_item_get_conversation (SprigConversationItem *self)
{
  g_return_val_if_fail (SPRIG_IS_CONVERSATION_ITEM (self), NULL);
  return self->conv;
}

gint64
sprig_conversation_item_get_id (SprigConversationItem *self)
{
  g_return_val_if_fail (SPRIG_IS_CONVERSATION_ITEM (self), 0);
  return self->conv->id;
}

/* An untitled conversation shows as "New Chat". */
const char *
sprig_conversation_item_get_title (SprigConversationItem *self)
{
  g_return_val_if_fail (SPRIG_IS_CONVERSATION_ITEM (self), NULL);
  if (self->conv->title == NULL || self->conv->title[0] == '\0')
    return _("New Chat");
  return self->conv->title;
}

void
sprig_conversation_item_set_title (SprigConversationItem *self,
                                   const char            *title)
{
  g_return_if_fail (SPRIG_IS_CONVERSATION_ITEM (self));

  if (g_strcmp0 (self->conv->title, title) == 0)
    return;
  g_free (self->conv->title);
  self->conv->title = g_strdup (title);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

gboolean
sprig_conversation_item_get_pinned (SprigConversationItem *self)
{
  g_return_val_if_fail (SPRIG_IS_CONVERSATION_ITEM (self), FALSE);
  return self->conv->pinned;
}

void
sprig_conversation_item_set_pinned (SprigConversationItem *self,
                                    gboolean               pinned)
{
  g_return_if_fail (SPRIG_IS_CONVERSATION_ITEM (self));

  pinned = !!pinned;
  if (self->conv->pinned == pinned)
    return;
  self->conv->pinned = pinned;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PINNED]);
}

static void
sprig_conversation_item_finalize (GObject *object)
{
  SprigConversationItem *self = SPRIG_CONVERSATION_ITEM (object);

  g_clear_pointer (&self->conv, sprig_conversation_free);
  G_OBJECT_CLASS (sprig_conversation_item_parent_class)->finalize (object);
}

static void
sprig_conversation_item_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  SprigConversationItem *self = SPRIG_CONVERSATION_ITEM (object);

  switch (prop_id)
    {
    case PROP_TITLE:
      g_value_set_string (value, sprig_conversation_item_get_title (self));
      break;
    case PROP_PINNED:
      g_value_set_boolean (value, self->conv->pinned);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sprig_conversation_item_class_init (SprigConversationItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sprig_conversation_item_finalize;
  object_class->get_property = sprig_conversation_item_get_property;

  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PINNED] =
    g_param_spec_boolean ("pinned", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sprig_conversation_item_init (SprigConversationItem *self)
{
}
