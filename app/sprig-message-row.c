/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigMessageRow draws one message of the chat list: the user's words in a bubble on
 * the right, the assistant's reply on the left with its reasoning folded away and a
 * small stats line. A streaming reply is plain text (cheap to update every batch); a
 * finished one is rendered from Markdown once.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sprig-markdown.h"
#include "sprig-message-row.h"

struct _SprigMessageRow
{
  GtkWidget parent_instance;

  GtkBox *bubble;
  GtkExpander *think_expander;
  GtkLabel *think_label;
  GtkBox *body;
  GtkLabel *stats_label;

  SprigMessageItem *item;
  GtkLabel *plain_label;       /* the body while streaming, or for user text */
  gboolean rendered;           /* the body holds the Markdown of a finished reply */
  gulong handlers[4];
};

G_DEFINE_FINAL_TYPE (SprigMessageRow, sprig_message_row, GTK_TYPE_WIDGET)

GtkWidget *
sprig_message_row_new (void)
{
  return g_object_new (SPRIG_TYPE_MESSAGE_ROW, NULL);
}

SprigMessageItem *
sprig_message_row_get_item (SprigMessageRow *self)
{
  g_return_val_if_fail (SPRIG_IS_MESSAGE_ROW (self), NULL);
  return self->item;
}

static void
clear_body (SprigMessageRow *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->body))) != NULL)
    gtk_box_remove (self->body, child);
  self->plain_label = NULL;
  self->rendered = FALSE;
}

static void
show_plain (SprigMessageRow *self,
            const char      *text)
{
  if (self->plain_label == NULL)
    {
      clear_body (self);
      self->plain_label = GTK_LABEL (gtk_label_new (NULL));
      gtk_label_set_wrap (self->plain_label, TRUE);
      gtk_label_set_wrap_mode (self->plain_label, PANGO_WRAP_WORD_CHAR);
      gtk_label_set_xalign (self->plain_label, 0);
      gtk_label_set_selectable (self->plain_label, TRUE);
      gtk_widget_set_focusable (GTK_WIDGET (self->plain_label), FALSE);
      gtk_box_append (self->body, GTK_WIDGET (self->plain_label));
    }
  gtk_label_set_text (self->plain_label, text);
}

static gboolean
is_blank (const char *text)
{
  for (; *text != '\0'; text++)
    if (!g_ascii_isspace (*text))
      return FALSE;
  return TRUE;
}

static void
update_body (SprigMessageRow *self)
{
  const char *content = sprig_message_item_get_content (self->item);
  SprigMessageStatus status = sprig_message_item_get_status (self->item);

  if (sprig_message_item_get_role (self->item) != SPRIG_MESSAGE_ROLE_ASSISTANT)
    {
      show_plain (self, content);
      return;
    }
  if (status == SPRIG_MESSAGE_STATUS_STREAMING)
    {
      /* An empty reply shows an ellipsis until its first words arrive. */
      show_plain (self, content[0] != '\0' ? content : "…");
      return;
    }
  if (self->rendered)
    return;
  clear_body (self);
  if (is_blank (content))
    {
      GtkWidget *label = gtk_label_new (_("The model wrote no text"));

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_widget_add_css_class (label, "sprig-empty-reply");
      gtk_box_append (self->body, label);
    }
  else
    gtk_box_append (self->body, sprig_markdown_render (content));
  self->rendered = TRUE;
}

static void
update_reasoning (SprigMessageRow *self)
{
  const char *reasoning = sprig_message_item_get_reasoning (self->item);
  g_autofree char *title = NULL;
  glong chars = g_utf8_strlen (reasoning, -1);

  gtk_widget_set_visible (GTK_WIDGET (self->think_expander), reasoning[0] != '\0');
  if (reasoning[0] == '\0')
    return;
  title = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Reasoning (%ld character)",
                                        "Reasoning (%ld characters)", chars), chars);
  gtk_expander_set_label (self->think_expander, title);
  gtk_label_set_text (self->think_label, reasoning);
}

static void
update_stats (SprigMessageRow *self)
{
  g_autofree char *text = sprig_message_item_dup_stats_text (self->item);

  gtk_widget_set_visible (GTK_WIDGET (self->stats_label), text != NULL);
  gtk_label_set_text (self->stats_label, text != NULL ? text : "");
}

static void
content_changed_cb (SprigMessageRow *self)
{
  update_body (self);
}

static void
reasoning_changed_cb (SprigMessageRow *self)
{
  update_reasoning (self);
}

static void
status_changed_cb (SprigMessageRow *self)
{
  update_body (self);
  update_stats (self);
}

static void
disconnect_item (SprigMessageRow *self)
{
  if (self->item == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (self->handlers); i++)
    g_clear_signal_handler (&self->handlers[i], self->item);
  g_clear_object (&self->item);
}

static void
apply_role (SprigMessageRow  *self,
            SprigMessageRole  role)
{
  gboolean user = role == SPRIG_MESSAGE_ROLE_USER;

  gtk_widget_set_halign (GTK_WIDGET (self->bubble), user ? GTK_ALIGN_END : GTK_ALIGN_FILL);
  if (user)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->bubble), "user");
      gtk_widget_remove_css_class (GTK_WIDGET (self->bubble), "assistant");
    }
  else
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->bubble), "assistant");
      gtk_widget_remove_css_class (GTK_WIDGET (self->bubble), "user");
    }
}

void
sprig_message_row_set_item (SprigMessageRow  *self,
                            SprigMessageItem *item)
{
  g_return_if_fail (SPRIG_IS_MESSAGE_ROW (self));
  g_return_if_fail (item == NULL || SPRIG_IS_MESSAGE_ITEM (item));

  if (self->item == item)
    return;
  disconnect_item (self);
  clear_body (self);
  if (item == NULL)
    return;
  self->item = g_object_ref (item);
  apply_role (self, sprig_message_item_get_role (item));
  self->handlers[0] = g_signal_connect_swapped (item, "notify::content",
                                                G_CALLBACK (content_changed_cb), self);
  self->handlers[1] = g_signal_connect_swapped (item, "notify::reasoning",
                                                G_CALLBACK (reasoning_changed_cb), self);
  self->handlers[2] = g_signal_connect_swapped (item, "notify::status",
                                                G_CALLBACK (status_changed_cb), self);
  self->handlers[3] = g_signal_connect_swapped (item, "notify::stats",
                                                G_CALLBACK (status_changed_cb), self);
  gtk_expander_set_expanded (self->think_expander, FALSE);
  update_body (self);
  update_reasoning (self);
  update_stats (self);
}

static void
sprig_message_row_dispose (GObject *object)
{
  SprigMessageRow *self = SPRIG_MESSAGE_ROW (object);
  GtkWidget *child;

  disconnect_item (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), SPRIG_TYPE_MESSAGE_ROW);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (sprig_message_row_parent_class)->dispose (object);
}

static void
sprig_message_row_class_init (SprigMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sprig_message_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sprigchat/Sprig/sprig-message-row.ui");
  gtk_widget_class_bind_template_child (widget_class, SprigMessageRow, bubble);
  gtk_widget_class_bind_template_child (widget_class, SprigMessageRow, think_expander);
  gtk_widget_class_bind_template_child (widget_class, SprigMessageRow, think_label);
  gtk_widget_class_bind_template_child (widget_class, SprigMessageRow, body);
  gtk_widget_class_bind_template_child (widget_class, SprigMessageRow, stats_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "messagerow");
}

static void
sprig_message_row_init (SprigMessageRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
