/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigToolCard shows one tool call in the chat: what runs (title, source, the tool's
 * real name), its state, the full arguments and, once there is one, the result. While
 * the call waits for the user, the arguments are editable and the card asks: Deny (the
 * default: it has the focus, and Escape anywhere in the card chooses it), Allow Once and
 * Always Allow. Nothing of the arguments is ever shortened: what the user allows is
 * exactly what they can read.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <sprig/se-json.h>

#include "sprig-tool-card.h"
#include "sprig-wrap-box.h"

struct _SprigToolCard
{
  GtkWidget parent_instance;

  GtkBox *card;
  GtkImage *state_icon;
  GtkLabel *title_label;
  GtkLabel *subtitle_label;
  GtkLabel *read_only_label;
  GtkSpinner *spinner;
  GtkLabel *state_label;
  GtkLabel *question_label;
  GtkBox *arguments_box;
  GtkLabel *arguments_label;
  GtkFrame *arguments_frame;
  GtkTextView *arguments_text;
  GtkLabel *error_label;
  GtkBox *edited_box;
  GtkWidget *buttons_box;
  GtkButton *deny_button;
  GtkButton *allow_button;
  GtkButton *always_button;
  GtkExpander *result_expander;
  GtkLabel *result_label;

  SprigToolCallItem *item;
  gulong handlers[2];
  char *pretty;                 /* the arguments as put into the editor */
  const char *state_class;      /* the card's CSS class for the state shown */
  gboolean show_arguments;
  gboolean editing;             /* the arguments are in the text view */
  gboolean arguments_valid;     /* the edited text is a JSON object */
  gboolean focus_pending;       /* Deny takes the focus once the card is mapped */
  guint editor_tick;            /* keeps the editor as tall as its text (see below) */
};

G_DEFINE_FINAL_TYPE (SprigToolCard, sprig_tool_card, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_ITEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Deny takes the focus once per call, so a card bound again after scrolling does not
 * pull the focus back to itself. */
static GQuark focused_quark;

GtkWidget *
sprig_tool_card_new (void)
{
  return g_object_new (SPRIG_TYPE_TOOL_CARD, NULL);
}

SprigToolCallItem *
sprig_tool_card_get_item (SprigToolCard *self)
{
  g_return_val_if_fail (SPRIG_IS_TOOL_CARD (self), NULL);
  return self->item;
}

static gboolean
is_waiting (SprigToolCard *self)
{
  return self->item != NULL &&
         sprig_tool_call_item_get_state (self->item) == SPRIG_TOOL_CALL_WAITING &&
         !sprig_tool_call_item_get_answered (self->item);
}

static char *
dup_buffer_text (SprigToolCard *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->arguments_text);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

char *
sprig_tool_card_dup_arguments_text (SprigToolCard *self)
{
  g_return_val_if_fail (SPRIG_IS_TOOL_CARD (self), NULL);

  if (self->editing)
    return dup_buffer_text (self);
  return g_strdup (gtk_label_get_text (self->arguments_label));
}

static void
update_accessible_label (SprigToolCard *self)
{
  g_autofree char *label = NULL;

  if (self->item == NULL)
    return;
  /* Translators: the accessible name of a tool call's card: the tool's title, its state */
  label = g_strdup_printf (_("Tool call: %s, %s"), sprig_tool_call_item_get_title (self->item),
                           sprig_tool_call_state_to_label (sprig_tool_call_item_get_state (self->item)));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static void
update_header (SprigToolCard *self)
{
  const char *source = sprig_tool_call_item_get_source (self->item);
  const char *name = sprig_tool_call_item_get_name (self->item);
  g_autofree char *subtitle = NULL;

  if (source != NULL && name[0] != '\0')
    /* Translators: a tool call's subtitle: where the tool comes from · its real name */
    subtitle = g_strdup_printf (_("%s · %s"), source, name);
  else
    subtitle = g_strdup (source != NULL ? source : name);
  gtk_label_set_text (self->title_label, sprig_tool_call_item_get_title (self->item));
  gtk_label_set_text (self->subtitle_label, subtitle);
  gtk_widget_set_visible (GTK_WIDGET (self->subtitle_label), subtitle[0] != '\0');
  gtk_widget_set_visible (GTK_WIDGET (self->read_only_label),
                          sprig_tool_call_item_get_read_only (self->item));
  update_accessible_label (self);
}

static void
update_state (SprigToolCard *self)
{
  SprigToolCallState state = sprig_tool_call_item_get_state (self->item);
  gboolean running = state == SPRIG_TOOL_CALL_RUNNING;

  gtk_image_set_from_icon_name (self->state_icon, sprig_tool_call_state_to_icon_name (state));
  gtk_label_set_text (self->state_label, sprig_tool_call_state_to_label (state));
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), running);
  gtk_spinner_set_spinning (self->spinner, running);
  if (self->state_class != NULL)
    gtk_widget_remove_css_class (GTK_WIDGET (self->card), self->state_class);
  self->state_class = sprig_tool_call_state_to_string (state);
  gtk_widget_add_css_class (GTK_WIDGET (self->card), self->state_class);
  update_accessible_label (self);
}

static void
set_error (SprigToolCard *self,
           const char    *error)
{
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), error != NULL);
  gtk_label_set_text (self->error_label, error != NULL ? error : "");
}

static void
update_actions (SprigToolCard *self)
{
  gboolean waiting = is_waiting (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tool-card.deny", waiting);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tool-card.allow-once",
                                 waiting && self->arguments_valid);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "tool-card.always-allow",
                                 waiting && self->arguments_valid &&
                                 sprig_tool_call_item_get_can_always_allow (self->item));
}

/* The edited text must stay a JSON object: anything else cannot be allowed. */
static void
arguments_edited_cb (SprigToolCard *self)
{
  g_autofree char *text = NULL;
  g_autoptr(SeJsonNode) root = NULL;

  if (!self->editing)
    return;
  text = dup_buffer_text (self);
  root = se_json_parse (text, -1, NULL);
  self->arguments_valid = root != NULL && se_json_node_get_node_type (root) == SE_JSON_OBJECT;
  set_error (self, self->arguments_valid ? NULL : _("The arguments must be a JSON object"));
  update_actions (self);
}

/* Not undoable: Ctrl+Z must not take the editor back to an empty text. */
static void
set_buffer_text (SprigToolCard *self,
                 const char    *text)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->arguments_text);

  gtk_text_buffer_begin_irreversible_action (buffer);
  gtk_text_buffer_set_text (buffer, text, -1);
  gtk_text_buffer_end_irreversible_action (buffer);
}

static void
update_arguments (SprigToolCard *self)
{
  g_autofree char *pretty = sprig_tool_call_item_dup_pretty_arguments (self->item);
  g_autofree char *shown = NULL;

  gtk_label_set_text (self->arguments_label, pretty);
  if (self->editing)
    {
      /* New arguments from the item replace the editor's text only when the user has
       * not changed it. */
      shown = dup_buffer_text (self);
      if (g_strcmp0 (shown, self->pretty) != 0)
        return;
      g_free (self->pretty);
      self->pretty = g_strdup (pretty);
      set_buffer_text (self, pretty);
    }
}

/* GtkTextView measures its height from the text as wrapped at its last width and does
 * not ask for a new size when a narrower window wraps it into more lines, so the last
 * lines of the arguments would be cut off. While the editor is shown, each frame
 * checks that it is as tall as its text. */
static gboolean
editor_tick_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       data)
{
  int height;

  gtk_widget_measure (widget, GTK_ORIENTATION_VERTICAL, -1, &height, NULL, NULL, NULL);
  if (height != gtk_widget_get_height (widget))
    gtk_widget_queue_resize (widget);
  return G_SOURCE_CONTINUE;
}

static void
set_editing (SprigToolCard *self,
             gboolean       editing)
{
  if (self->editing == editing)
    return;
  self->editing = editing;
  if (editing)
    {
      g_free (self->pretty);
      self->pretty = sprig_tool_call_item_dup_pretty_arguments (self->item);
      set_buffer_text (self, self->pretty);
      arguments_edited_cb (self);
    }
  else
    {
      g_clear_pointer (&self->pretty, g_free);
      self->arguments_valid = TRUE;
      set_error (self, NULL);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->arguments_frame), editing);
  gtk_widget_set_visible (GTK_WIDGET (self->arguments_label), !editing);
  if (editing && self->editor_tick == 0)
    self->editor_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self->arguments_text),
                                                      editor_tick_cb, NULL, NULL);
  else if (!editing && self->editor_tick != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self->arguments_text), self->editor_tick);
      self->editor_tick = 0;
    }
}

static void
grab_deny_focus (SprigToolCard *self)
{
  self->focus_pending = FALSE;
  if (!is_waiting (self) || g_object_get_qdata (G_OBJECT (self->item), focused_quark) != NULL)
    return;
  if (gtk_widget_grab_focus (GTK_WIDGET (self->deny_button)))
    g_object_set_qdata (G_OBJECT (self->item), focused_quark, GINT_TO_POINTER (TRUE));
}

static void
update_question (SprigToolCard *self)
{
  gboolean waiting = is_waiting (self);
  gboolean picks_file = sprig_tool_call_item_get_picks_file (self->item);

  set_editing (self, waiting && self->show_arguments);
  gtk_widget_set_visible (GTK_WIDGET (self->question_label), waiting);
  gtk_label_set_text (self->question_label,
                      picks_file ? _("The assistant asks to read a file you choose")
                                 : _("Run this tool?"));
  gtk_widget_set_visible (self->buttons_box, waiting);
  gtk_button_set_label (self->allow_button, picks_file ? _("_Choose File…") : _("Allow _Once"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->allow_button),
                               picks_file ? _("Choose the file the tool may read")
                                          : _("Run the tool this time only"));
  gtk_widget_set_visible (GTK_WIDGET (self->always_button),
                          sprig_tool_call_item_get_can_always_allow (self->item));
  gtk_widget_set_visible (GTK_WIDGET (self->edited_box),
                          !waiting && sprig_tool_call_item_get_edited (self->item));
  update_actions (self);
  if (waiting)
    {
      if (gtk_widget_get_mapped (GTK_WIDGET (self)))
        grab_deny_focus (self);
      else
        self->focus_pending = TRUE;
    }
}

static void
update_result (SprigToolCard *self)
{
  const char *result = sprig_tool_call_item_get_result (self->item);
  gboolean failed = sprig_tool_call_item_get_state (self->item) == SPRIG_TOOL_CALL_FAILED;

  gtk_widget_set_visible (GTK_WIDGET (self->result_expander), result != NULL);
  gtk_label_set_text (self->result_label, result != NULL ? result : "");
  if (failed)
    gtk_widget_add_css_class (GTK_WIDGET (self->result_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->result_label), "error");
}

/* Results are folded away: the reply that follows says what matters, and a result can
 * be 16 KiB. A failure is the exception: its message is short and is the one thing
 * the user needs to understand what went wrong. A denied call's result only repeats
 * the user's own decision, so it stays folded too. */
static void
expand_for_state (SprigToolCard *self)
{
  gtk_expander_set_expanded (self->result_expander,
                             sprig_tool_call_item_get_state (self->item) ==
                             SPRIG_TOOL_CALL_FAILED);
}

static void
item_notify_cb (SprigToolCard *self,
                GParamSpec    *pspec)
{
  const char *name = pspec->name;

  if (g_str_equal (name, "state"))
    {
      update_state (self);
      update_question (self);
      update_result (self);
      expand_for_state (self);
    }
  else if (g_str_equal (name, "result"))
    update_result (self);
  else if (g_str_equal (name, "arguments"))
    update_arguments (self);
  else if (g_str_equal (name, "title") || g_str_equal (name, "source") ||
           g_str_equal (name, "read-only"))
    update_header (self);
  else
    update_question (self);
}

static void
item_answered_cb (SprigToolCard *self)
{
  update_question (self);
}

static void
disconnect_item (SprigToolCard *self)
{
  if (self->item == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (self->handlers); i++)
    g_clear_signal_handler (&self->handlers[i], self->item);
  g_clear_object (&self->item);
}

void
sprig_tool_card_set_item (SprigToolCard     *self,
                          SprigToolCallItem *item)
{
  g_return_if_fail (SPRIG_IS_TOOL_CARD (self));
  g_return_if_fail (item == NULL || SPRIG_IS_TOOL_CALL_ITEM (item));

  if (self->item == item)
    return;
  disconnect_item (self);
  set_editing (self, FALSE);
  self->focus_pending = FALSE;
  if (item != NULL)
    {
      self->item = g_object_ref (item);
      self->handlers[0] = g_signal_connect_swapped (item, "notify", G_CALLBACK (item_notify_cb),
                                                    self);
      self->handlers[1] = g_signal_connect_swapped (item, "answered",
                                                    G_CALLBACK (item_answered_cb), self);
      update_header (self);
      update_state (self);
      update_arguments (self);
      update_question (self);
      update_result (self);
      expand_for_state (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}

void
sprig_tool_card_set_show_arguments (SprigToolCard *self,
                                    gboolean       show)
{
  g_return_if_fail (SPRIG_IS_TOOL_CARD (self));

  show = !!show;
  if (self->show_arguments == show)
    return;
  self->show_arguments = show;
  gtk_widget_set_visible (GTK_WIDGET (self->arguments_box), show);
  if (self->item != NULL)
    update_question (self);
}

static void
answer (SprigToolCard   *self,
        SprigToolAnswer  answer)
{
  g_autofree char *edited = NULL;

  if (!is_waiting (self))
    return;
  if (self->editing && answer != SPRIG_TOOL_ANSWER_DENY)
    {
      edited = dup_buffer_text (self);
      if (g_strcmp0 (edited, self->pretty) == 0)
        g_clear_pointer (&edited, g_free);
    }
  sprig_tool_call_item_answer (self->item, answer, edited);
}

static void
deny_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  answer (SPRIG_TOOL_CARD (widget), SPRIG_TOOL_ANSWER_DENY);
}

static void
allow_once_action_cb (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  answer (SPRIG_TOOL_CARD (widget), SPRIG_TOOL_ANSWER_ALLOW_ONCE);
}

static void
always_allow_action_cb (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  answer (SPRIG_TOOL_CARD (widget), SPRIG_TOOL_ANSWER_ALWAYS_ALLOW);
}

/* Escape anywhere in a waiting card denies; captured, so the text view and the chat
 * view's own Escape (stop) never see it first. */
static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                SprigToolCard         *self)
{
  if (keyval != GDK_KEY_Escape || (state & gtk_accelerator_get_default_mod_mask ()) != 0 ||
      !is_waiting (self))
    return GDK_EVENT_PROPAGATE;
  answer (self, SPRIG_TOOL_ANSWER_DENY);
  return GDK_EVENT_STOP;
}

static void
sprig_tool_card_map (GtkWidget *widget)
{
  SprigToolCard *self = SPRIG_TOOL_CARD (widget);

  GTK_WIDGET_CLASS (sprig_tool_card_parent_class)->map (widget);
  if (self->focus_pending)
    grab_deny_focus (self);
}

static void
sprig_tool_card_dispose (GObject *object)
{
  SprigToolCard *self = SPRIG_TOOL_CARD (object);
  GtkWidget *child;

  disconnect_item (self);
  g_clear_pointer (&self->pretty, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), SPRIG_TYPE_TOOL_CARD);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (sprig_tool_card_parent_class)->dispose (object);
}

static void
sprig_tool_card_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SprigToolCard *self = SPRIG_TOOL_CARD (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      g_value_set_object (value, self->item);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sprig_tool_card_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  SprigToolCard *self = SPRIG_TOOL_CARD (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      sprig_tool_card_set_item (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sprig_tool_card_class_init (SprigToolCardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sprig_tool_card_dispose;
  object_class->get_property = sprig_tool_card_get_property;
  object_class->set_property = sprig_tool_card_set_property;
  widget_class->map = sprig_tool_card_map;

  properties[PROP_ITEM] = g_param_spec_object ("item", NULL, NULL, SPRIG_TYPE_TOOL_CALL_ITEM,
                                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                               G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  focused_quark = g_quark_from_static_string ("sprig-tool-card-focused");

  g_type_ensure (SPRIG_TYPE_WRAP_BOX);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/sprigchat/Sprig/sprig-tool-card.ui");
  gtk_widget_class_bind_template_child (widget_class, SprigToolCard, card);
  gtk_widget_class_bind_template_child (widget_class, SprigToolCard, state_icon);
  gtk_widget_class_bind_template_child (widget_class, SprigToolCard, title_label);
  gtk_widget_class_bind_template_child (widget_class, SprigToolCard, subtitle_label);
  gtk_widget_class_bind_template_child (widget_class, SprigToolCard, read_only_label);
  gtk_widget_class_bind_template_child (widget_class, SprigToolCard, spinner);
  gtk_widget_class_bind_template_child (widget_class, SprigToolCard, state_label);
  gtk_widget_class_bind_template_child (widget_class, SprigToolCard, question_label);
  gtk_widget_class_bind_template_child (widget_class, SprigToolCard, arguments_box);
  gtk_widget_class_bind_template_child (widget_class, SprigToolCard, arguments_label);
  gtk_widget_class_bind_template_child (widget_class, SprigToolCard, arguments_frame);
  gtk_widget_class_bind_template_child (widget_class, SprigToolCard, arguments_text);
  gtk_widget_class_bind_template_child (widget_class, SprigToolCard, error_label);
  gtk_widget_class_bind_template_child (widget_class, SprigToolCard, edited_box);
  gtk_widget_class_bind_template_child (widget_class, SprigToolCard, buttons_box);
  gtk_widget_class_bind_template_child (widget_class, SprigToolCard, deny_button);
  gtk_widget_class_bind_template_child (widget_class, SprigToolCard, allow_button);
  gtk_widget_class_bind_template_child (widget_class, SprigToolCard, always_button);
  gtk_widget_class_bind_template_child (widget_class, SprigToolCard, result_expander);
  gtk_widget_class_bind_template_child (widget_class, SprigToolCard, result_label);

  gtk_widget_class_install_action (widget_class, "tool-card.deny", NULL, deny_action_cb);
  gtk_widget_class_install_action (widget_class, "tool-card.allow-once", NULL,
                                   allow_once_action_cb);
  gtk_widget_class_install_action (widget_class, "tool-card.always-allow", NULL,
                                   always_allow_action_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "toolcard");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
sprig_tool_card_init (SprigToolCard *self)
{
  GtkEventController *keys = gtk_event_controller_key_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->show_arguments = TRUE;
  self->arguments_valid = TRUE;
  g_signal_connect_object (gtk_text_view_get_buffer (self->arguments_text), "changed",
                           G_CALLBACK (arguments_edited_cb), self, G_CONNECT_SWAPPED);
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
  update_actions (self);
}
