/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigMessageRow draws one message of the chat list: the user's words in a bubble on
 * the right, the assistant's reply on the left with its reasoning folded away and a
 * small stats line, and under each a row of actions (branch arrows, copy, edit or
 * regenerate, delete) that activate the chat view's "chat.*" actions with the message id.
 *
 * A role "tool" message is not a bubble: it shows its call as a SprigToolCard.
 *
 * A streaming reply is rendered block by block: the complete Markdown blocks before the
 * last blank line are rendered once and kept, and only the last, still growing block is
 * rendered again with each batch, so a long reply costs the same per token as a short
 * one. The finished reply is rendered once more as a whole.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sprig-markdown.h"
#include "sprig-message-row.h"
#include "sprig-tool-card.h"

struct _SprigMessageRow
{
  GtkWidget parent_instance;

  GtkBox *column;
  GtkBox *bubble;
  GtkExpander *think_expander;
  GtkLabel *think_label;
  GtkBox *body;
  GtkLabel *stats_label;
  GtkBox *editor;
  GtkTextView *editor_text;
  GtkButton *edit_cancel_button;
  GtkButton *edit_send_button;
  GtkBox *actions;
  GtkBox *branch_box;
  GtkButton *branch_previous;
  GtkLabel *branch_label;
  GtkButton *branch_next;
  GtkButton *copy_button;
  GtkButton *edit_button;
  GtkButton *regenerate_button;
  GtkButton *delete_button;

  SprigMessageItem *item;
  SprigToolCard *tool_card;    /* made for the first tool message this row shows */
  SprigToolCallItem *stand_in; /* the card's call for a tool message stored without one */
  GtkLabel *plain_label;       /* the body of user text, or of a reply not yet started */
  gboolean rendered;           /* the body holds the Markdown of a finished reply */
  gboolean streaming;          /* the body holds stable blocks and a tail */
  gsize stable_len;            /* bytes of the content rendered as stable blocks */
  GtkWidget *tail;             /* the rendering of the last block, or NULL */
  guint n_renders;             /* Markdown renderings so far (tests read it) */
  gulong handlers[5];
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

/* How many Markdown renderings this row has made: the streaming tests use it. */
guint
_sprig_message_row_get_n_renders (SprigMessageRow *self)
{
  return self->n_renders;
}

static void
clear_body (SprigMessageRow *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->body))) != NULL)
    gtk_box_remove (self->body, child);
  self->plain_label = NULL;
  self->rendered = FALSE;
  self->streaming = FALSE;
  self->stable_len = 0;
  self->tail = NULL;
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
is_blank (const char *text,
          gssize      len)
{
  for (const char *p = text; len < 0 ? *p != '\0' : p < text + len; p++)
    if (!g_ascii_isspace (*p))
      return FALSE;
  return TRUE;
}

static GtkWidget *
render (SprigMessageRow *self,
        const char      *text,
        gsize            len)
{
  g_autofree char *chunk = g_strndup (text, len);

  self->n_renders++;
  return sprig_markdown_render (chunk);
}

/* A growing reply: new complete blocks are rendered once and kept; the last block is
 * rendered again. */
static void
update_streaming (SprigMessageRow *self,
                  const char      *content)
{
  gsize len = strlen (content);
  gsize stable = sprig_markdown_stable_prefix (content, len);

  if (!self->streaming)
    {
      clear_body (self);
      self->streaming = TRUE;
    }
  if (self->tail != NULL)
    {
      gtk_box_remove (self->body, self->tail);
      self->tail = NULL;
    }
  if (stable > self->stable_len)
    {
      if (!is_blank (content + self->stable_len, stable - self->stable_len))
        gtk_box_append (self->body, render (self, content + self->stable_len,
                                            stable - self->stable_len));
      self->stable_len = stable;
    }
  if (!is_blank (content + self->stable_len, len - self->stable_len))
    {
      self->tail = render (self, content + self->stable_len, len - self->stable_len);
      gtk_box_append (self->body, self->tail);
    }
}

static gboolean
is_tool (SprigMessageRow *self)
{
  return self->item != NULL && sprig_message_item_get_role (self->item) == SPRIG_MESSAGE_ROLE_TOOL;
}

/* The bubble is left out for tool messages, while the inline editor is open, and for a
 * reply that only made tool calls and has nothing else to show. */
static void
sync_bubble (SprigMessageRow *self)
{
  gboolean visible = !gtk_widget_get_visible (GTK_WIDGET (self->editor)) && !is_tool (self) &&
                     (gtk_widget_get_visible (GTK_WIDGET (self->body)) ||
                      gtk_widget_get_visible (GTK_WIDGET (self->think_expander)) ||
                      gtk_widget_get_visible (GTK_WIDGET (self->stats_label)));

  gtk_widget_set_visible (GTK_WIDGET (self->bubble), visible);
}

/* A tool message stored before its call was (or whose call is lost) still shows its
 * result, in a card of its own. */
static SprigToolCallItem *
stand_in_call (SprigMessageRow *self)
{
  if (self->stand_in == NULL)
    {
      self->stand_in = sprig_tool_call_item_new ("", NULL);
      sprig_tool_call_item_set_title (self->stand_in, _("Tool result"));
    }
  sprig_tool_call_item_set_result (self->stand_in, SPRIG_TOOL_CALL_DONE,
                                   sprig_message_item_get_content (self->item));
  return self->stand_in;
}

static void
update_tool_card (SprigMessageRow *self)
{
  SprigToolCallItem *call = NULL;

  if (is_tool (self))
    {
      if (self->tool_card == NULL)
        {
          self->tool_card = SPRIG_TOOL_CARD (sprig_tool_card_new ());
          gtk_box_prepend (self->column, GTK_WIDGET (self->tool_card));
        }
      call = sprig_message_item_get_tool_call (self->item);
      sprig_tool_card_set_show_arguments (self->tool_card, call != NULL);
      if (call == NULL)
        call = stand_in_call (self);
    }
  if (self->tool_card != NULL)
    {
      sprig_tool_card_set_item (self->tool_card, call);
      gtk_widget_set_visible (GTK_WIDGET (self->tool_card), call != NULL);
    }
}

static gboolean
made_tool_calls (SprigMessageRow *self)
{
  GPtrArray *calls = sprig_message_item_get_tool_calls (self->item);

  return calls != NULL && calls->len > 0;
}

static void
update_body (SprigMessageRow *self)
{
  const char *content = sprig_message_item_get_content (self->item);
  SprigMessageStatus status = sprig_message_item_get_status (self->item);
  gboolean only_calls;

  if (is_tool (self))
    {
      update_tool_card (self);
      sync_bubble (self);
      return;
    }
  if (sprig_message_item_get_role (self->item) != SPRIG_MESSAGE_ROLE_ASSISTANT)
    {
      show_plain (self, content);
      return;
    }
  /* A reply that only called tools has no words: its calls' cards say what it did. */
  only_calls = is_blank (content, -1) && made_tool_calls (self);
  gtk_widget_set_visible (GTK_WIDGET (self->body), !only_calls);
  sync_bubble (self);
  if (only_calls)
    {
      clear_body (self);
      return;
    }
  if (status == SPRIG_MESSAGE_STATUS_STREAMING)
    {
      /* An empty reply shows an ellipsis until its first words arrive. */
      if (is_blank (content, -1))
        show_plain (self, "…");
      else
        update_streaming (self, content);
      return;
    }
  if (self->rendered)
    return;
  clear_body (self);
  if (is_blank (content, -1))
    {
      GtkWidget *label = gtk_label_new (_("The model wrote no text"));

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_widget_add_css_class (label, "sprig-empty-reply");
      gtk_box_append (self->body, label);
    }
  else
    gtk_box_append (self->body, render (self, content, strlen (content)));
  self->rendered = TRUE;
}

static void
update_reasoning (SprigMessageRow *self)
{
  const char *reasoning = sprig_message_item_get_reasoning (self->item);
  g_autofree char *title = NULL;
  glong chars = g_utf8_strlen (reasoning, -1);

  /* Qwen3 answers without thinking as an empty <think>\n\n</think>: nothing to show */
  gtk_widget_set_visible (GTK_WIDGET (self->think_expander), !is_blank (reasoning, -1));
  sync_bubble (self);
  if (is_blank (reasoning, -1))
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
  sync_bubble (self);
}

/* Actions make sense once the message is stored and, for a reply, finished. */
static void
update_actions (SprigMessageRow *self)
{
  SprigMessageRole role = sprig_message_item_get_role (self->item);
  gboolean settled = sprig_message_item_get_id (self->item) > 0 &&
                     sprig_message_item_get_status (self->item) != SPRIG_MESSAGE_STATUS_STREAMING;
  guint index = sprig_message_item_get_branch_index (self->item);
  guint n = sprig_message_item_get_n_branches (self->item);
  g_autofree char *position = g_strdup_printf ("%u/%u", index + 1, n);
  g_autofree char *description = g_strdup_printf (_("Version %u of %u"), index + 1, n);

  gtk_widget_set_visible (GTK_WIDGET (self->actions), settled);
  gtk_widget_set_visible (GTK_WIDGET (self->edit_button), role == SPRIG_MESSAGE_ROLE_USER);
  gtk_widget_set_visible (GTK_WIDGET (self->regenerate_button),
                          role == SPRIG_MESSAGE_ROLE_ASSISTANT);
  /* A tool result belongs to its call: it has no versions of its own to step through. */
  gtk_widget_set_visible (GTK_WIDGET (self->branch_box), n > 1 && role != SPRIG_MESSAGE_ROLE_TOOL);
  gtk_label_set_text (self->branch_label, position);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->branch_label),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, description, -1);
  gtk_widget_set_sensitive (GTK_WIDGET (self->branch_previous), index > 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->branch_next), index + 1 < n);
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
  update_actions (self);
}

static void
branch_changed_cb (SprigMessageRow *self)
{
  update_actions (self);
}

static void
activate_with_id (SprigMessageRow *self,
                  const char      *action)
{
  if (self->item == NULL || sprig_message_item_get_id (self->item) <= 0)
    return;
  gtk_widget_activate_action (GTK_WIDGET (self), action, "x",
                              sprig_message_item_get_id (self->item));
}

static void
copy_clicked_cb (SprigMessageRow *self)
{
  activate_with_id (self, "chat.copy-message");
}

static void
regenerate_clicked_cb (SprigMessageRow *self)
{
  activate_with_id (self, "chat.regenerate");
}

static void
delete_clicked_cb (SprigMessageRow *self)
{
  activate_with_id (self, "chat.delete-message");
}

static void
previous_clicked_cb (SprigMessageRow *self)
{
  activate_with_id (self, "chat.previous-branch");
}

static void
next_clicked_cb (SprigMessageRow *self)
{
  activate_with_id (self, "chat.next-branch");
}

static void
close_editor (SprigMessageRow *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->editor), FALSE);
  sync_bubble (self);
  if (self->item != NULL)
    update_actions (self);
}

/* Editing a question happens in place: the bubble turns into a text field. */
void
sprig_message_row_start_edit (SprigMessageRow *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->editor_text);

  g_return_if_fail (SPRIG_IS_MESSAGE_ROW (self));

  if (self->item == NULL || sprig_message_item_get_role (self->item) != SPRIG_MESSAGE_ROLE_USER)
    return;
  gtk_text_buffer_set_text (buffer, sprig_message_item_get_content (self->item), -1);
  gtk_widget_set_visible (GTK_WIDGET (self->actions), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->editor), TRUE);
  sync_bubble (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->editor_text));
}

static void
edit_send_cb (SprigMessageRow *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->editor_text);
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  g_strstrip (text);
  if (text[0] == '\0' || self->item == NULL)
    return;
  close_editor (self);
  gtk_widget_activate_action (GTK_WIDGET (self), "chat.edit-message", "(xs)",
                              sprig_message_item_get_id (self->item), text);
}

static gboolean
editor_key_pressed_cb (GtkEventControllerKey *controller,
                       guint                  keyval,
                       guint                  keycode,
                       GdkModifierType        state,
                       SprigMessageRow       *self)
{
  if (keyval == GDK_KEY_Escape)
    {
      close_editor (self);
      gtk_widget_grab_focus (GTK_WIDGET (self->edit_button));
      return GDK_EVENT_STOP;
    }
  if ((keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter) && (state & GDK_CONTROL_MASK))
    {
      edit_send_cb (self);
      return GDK_EVENT_STOP;
    }
  return GDK_EVENT_PROPAGATE;
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
  GtkAlign align = user ? GTK_ALIGN_END : GTK_ALIGN_START;

  gtk_widget_set_halign (GTK_WIDGET (self->bubble), user ? GTK_ALIGN_END : GTK_ALIGN_FILL);
  gtk_widget_set_halign (GTK_WIDGET (self->actions), align);
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
  close_editor (self);
  update_tool_card (self);
  if (item == NULL)
    return;
  self->item = g_object_ref (item);
  apply_role (self, sprig_message_item_get_role (item));
  gtk_widget_set_visible (GTK_WIDGET (self->body), TRUE);
  self->handlers[0] = g_signal_connect_swapped (item, "notify::content",
                                                G_CALLBACK (content_changed_cb), self);
  self->handlers[1] = g_signal_connect_swapped (item, "notify::reasoning",
                                                G_CALLBACK (reasoning_changed_cb), self);
  self->handlers[2] = g_signal_connect_swapped (item, "notify::status",
                                                G_CALLBACK (status_changed_cb), self);
  self->handlers[3] = g_signal_connect_swapped (item, "notify::stats",
                                                G_CALLBACK (status_changed_cb), self);
  self->handlers[4] = g_signal_connect_swapped (item, "notify::branch",
                                                G_CALLBACK (branch_changed_cb), self);
  gtk_expander_set_expanded (self->think_expander, FALSE);
  update_body (self);
  update_reasoning (self);
  update_stats (self);
  update_actions (self);
}

static void
sprig_message_row_dispose (GObject *object)
{
  SprigMessageRow *self = SPRIG_MESSAGE_ROW (object);
  GtkWidget *child;

  disconnect_item (self);
  g_clear_object (&self->stand_in);
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
  gtk_widget_class_bind_template_child (widget_class, SprigMessageRow, column);
  gtk_widget_class_bind_template_child (widget_class, SprigMessageRow, bubble);
  gtk_widget_class_bind_template_child (widget_class, SprigMessageRow, think_expander);
  gtk_widget_class_bind_template_child (widget_class, SprigMessageRow, think_label);
  gtk_widget_class_bind_template_child (widget_class, SprigMessageRow, body);
  gtk_widget_class_bind_template_child (widget_class, SprigMessageRow, stats_label);
  gtk_widget_class_bind_template_child (widget_class, SprigMessageRow, editor);
  gtk_widget_class_bind_template_child (widget_class, SprigMessageRow, editor_text);
  gtk_widget_class_bind_template_child (widget_class, SprigMessageRow, edit_cancel_button);
  gtk_widget_class_bind_template_child (widget_class, SprigMessageRow, edit_send_button);
  gtk_widget_class_bind_template_child (widget_class, SprigMessageRow, actions);
  gtk_widget_class_bind_template_child (widget_class, SprigMessageRow, branch_box);
  gtk_widget_class_bind_template_child (widget_class, SprigMessageRow, branch_previous);
  gtk_widget_class_bind_template_child (widget_class, SprigMessageRow, branch_label);
  gtk_widget_class_bind_template_child (widget_class, SprigMessageRow, branch_next);
  gtk_widget_class_bind_template_child (widget_class, SprigMessageRow, copy_button);
  gtk_widget_class_bind_template_child (widget_class, SprigMessageRow, edit_button);
  gtk_widget_class_bind_template_child (widget_class, SprigMessageRow, regenerate_button);
  gtk_widget_class_bind_template_child (widget_class, SprigMessageRow, delete_button);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "messagerow");
}

static void
sprig_message_row_init (SprigMessageRow *self)
{
  GtkEventController *keys = gtk_event_controller_key_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->copy_button, "clicked", G_CALLBACK (copy_clicked_cb), self);
  g_signal_connect_swapped (self->edit_button, "clicked",
                            G_CALLBACK (sprig_message_row_start_edit), self);
  g_signal_connect_swapped (self->regenerate_button, "clicked",
                            G_CALLBACK (regenerate_clicked_cb), self);
  g_signal_connect_swapped (self->delete_button, "clicked", G_CALLBACK (delete_clicked_cb), self);
  g_signal_connect_swapped (self->branch_previous, "clicked",
                            G_CALLBACK (previous_clicked_cb), self);
  g_signal_connect_swapped (self->branch_next, "clicked", G_CALLBACK (next_clicked_cb), self);
  g_signal_connect_swapped (self->edit_cancel_button, "clicked", G_CALLBACK (close_editor), self);
  g_signal_connect_swapped (self->edit_send_button, "clicked", G_CALLBACK (edit_send_cb), self);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (editor_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->editor_text), keys);
}
