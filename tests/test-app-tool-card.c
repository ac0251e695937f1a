/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigToolCard under Xvfb: the card of one tool call in each state, its full and
 * pretty-printed arguments, editing them while the call waits (a text that is not a
 * JSON object cannot be allowed), the answers (buttons and Escape), the result
 * expander, and tool messages in SprigMessageRow and in a SprigChatView's list. Saves
 * screenshots of waiting and finished cards, light and dark.
 */
#include "config.h"

#include <adwaita.h>
#include <gtksourceview/gtksource.h>
#include <string.h>

#include "sprig-chat-view.h"
#include "sprig-message-item.h"
#include "sprig-message-row.h"
#include "sprig-test-ui.h"
#include "sprig-tool-card.h"

/* ---- helpers ---- */

typedef struct
{
  guint n;
  int answer;
  char *arguments;
} Answers;

static void
answered_cb (SprigToolCallItem *item,
             int                answer,
             const char        *arguments,
             Answers           *answers)
{
  answers->n++;
  answers->answer = answer;
  g_free (answers->arguments);
  answers->arguments = g_strdup (arguments);
}

static SprigToolCallItem *
calculator_call (const char         *arguments,
                 SprigToolCallState  state)
{
  SprigToolCallItem *item = sprig_tool_call_item_new ("calculator", arguments);

  sprig_tool_call_item_set_title (item, "Calculator");
  sprig_tool_call_item_set_source (item, "Built-in tool");
  sprig_tool_call_item_set_read_only (item, TRUE);
  sprig_tool_call_item_set_state (item, state);
  return item;
}

static gboolean
is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (widget);
}

static gboolean
is_allocated (gpointer widget)
{
  return gtk_widget_get_mapped (widget) && gtk_widget_get_height (widget) > 0;
}

/* A window holding one card for @item; the window owns the card. */
static SprigToolCard *
show_card (SprigToolCallItem *item,
           GtkWindow        **window)
{
  GtkWidget *card = sprig_tool_card_new ();

  *window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (*window, 640, 480);
  gtk_widget_set_margin_start (card, 16);
  gtk_widget_set_margin_end (card, 16);
  gtk_widget_set_margin_top (card, 16);
  gtk_widget_set_valign (card, GTK_ALIGN_START);
  gtk_window_set_child (*window, card);
  sprig_tool_card_set_item (SPRIG_TOOL_CARD (card), item);
  gtk_window_present (*window);
  sprig_test_wait_for (is_allocated, card, "the card to show");
  return SPRIG_TOOL_CARD (card);
}

static void
close_window (GtkWindow *window)
{
  gtk_window_destroy (window);
  sprig_test_spin (50);
}

static gboolean
has_action (GtkWidget     *widget,
            gconstpointer  action)
{
  return GTK_IS_BUTTON (widget) &&
         g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), action) == 0;
}

static GtkWidget *
button (SprigToolCard *card,
        const char    *action)
{
  GtkWidget *found = sprig_test_find (GTK_WIDGET (card), has_action, action);

  g_assert_nonnull (found);
  return found;
}

static gboolean
has_class (GtkWidget     *widget,
           gconstpointer  css_class)
{
  return gtk_widget_has_css_class (widget, css_class);
}

static GtkWidget *
styled (GtkWidget  *root,
        const char *css_class)
{
  GtkWidget *found = sprig_test_find (root, has_class, css_class);

  g_assert_nonnull (found);
  return found;
}

static gboolean
label_has_text (GtkWidget     *widget,
                gconstpointer  text)
{
  return GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0;
}

/* The label showing @text, or NULL. */
static GtkWidget *
label_with_text (GtkWidget  *root,
                 const char *text)
{
  return sprig_test_find (root, label_has_text, text);
}

/* Visible and every ancestor visible: what the user sees. */
static gboolean
shown (GtkWidget *widget)
{
  return widget != NULL && gtk_widget_is_visible (widget);
}

static GtkTextView *
editor (SprigToolCard *card)
{
  return GTK_TEXT_VIEW (sprig_test_find_type (GTK_WIDGET (card), GTK_TYPE_TEXT_VIEW));
}

static void
edit (SprigToolCard *card,
      const char    *text)
{
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (editor (card)), text, -1);
}

static gboolean
press_escape (SprigToolCard *card)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (card));
  gboolean handled = FALSE;
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) c = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (c))
        {
          n++;
          g_signal_emit_by_name (c, "key-pressed", GDK_KEY_Escape, 9, 0, &handled);
        }
    }
  g_assert_cmpuint (n, ==, 1);
  return handled;
}

static char *
string_of (char c,
           gsize n)
{
  char *s = g_malloc (n + 1);

  memset (s, c, n);
  s[n] = '\0';
  return s;
}

/* ---- tests ---- */

static void
test_header (void)
{
  g_autoptr(SprigToolCallItem) item = calculator_call ("{\"expression\":\"2+2\"}",
                                                       SPRIG_TOOL_CALL_DONE);
  GtkWindow *window;
  SprigToolCard *card = show_card (item, &window);

  g_assert_true (shown (label_with_text (GTK_WIDGET (card), "Calculator")));
  g_assert_true (shown (label_with_text (GTK_WIDGET (card), "Built-in tool · calculator")));
  g_assert_true (shown (label_with_text (GTK_WIDGET (card), "Read-only")));
  g_assert_true (shown (label_with_text (GTK_WIDGET (card), "Done")));
  g_assert_true (gtk_widget_has_css_class (styled (GTK_WIDGET (card), "tool-card"), "done"));
  gtk_test_accessible_assert_property (card, GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Tool call: Calculator, Done");
  /* nothing to answer when done */
  g_assert_false (shown (button (card, "tool-card.deny")));
  g_assert_false (shown (GTK_WIDGET (editor (card))));

  sprig_tool_call_item_set_read_only (item, FALSE);
  sprig_tool_call_item_set_title (item, "Sums");
  g_assert_false (shown (label_with_text (GTK_WIDGET (card), "Read-only")));
  g_assert_true (shown (label_with_text (GTK_WIDGET (card), "Sums")));
  gtk_test_accessible_assert_property (card, GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Tool call: Sums, Done");
  close_window (window);
}

static void
test_full_arguments (void)
{
  g_autofree char *longest = string_of ('x', 5000);
  g_autofree char *args = g_strdup_printf ("{\"text\":\"%s\",\"n\":[1,2],\"o\":{}}", longest);
  g_autoptr(SprigToolCallItem) item = calculator_call (args, SPRIG_TOOL_CALL_DONE);
  g_autofree char *expected = g_strdup_printf ("{\n  \"text\": \"%s\",\n  \"n\": [\n    1,\n"
                                               "    2\n  ],\n  \"o\": {}\n}", longest);
  g_autofree char *shown_text = NULL;
  g_autofree char *edited_text = NULL;
  GtkWindow *window;
  SprigToolCard *card = show_card (item, &window);
  GtkWidget *label = styled (GTK_WIDGET (card), "tool-card-arguments");
  int short_height;

  /* the whole text, pretty-printed, selectable, wrapping, in a monospace font */
  shown_text = sprig_tool_card_dup_arguments_text (card);
  g_assert_cmpstr (shown_text, ==, expected);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==, expected);
  g_assert_true (shown (label));
  g_assert_true (gtk_label_get_selectable (GTK_LABEL (label)));
  g_assert_true (gtk_label_get_wrap (GTK_LABEL (label)));
  g_assert_cmpint (gtk_label_get_ellipsize (GTK_LABEL (label)), ==, PANGO_ELLIPSIZE_NONE);
  g_assert_cmpint (gtk_label_get_lines (GTK_LABEL (label)), ==, -1);
  g_assert_true (gtk_widget_has_css_class (label, "monospace"));
  /* it wraps instead of being cut: the card is as wide as the window and very tall */
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (card)), <=, 640);
  g_assert_cmpint (gtk_widget_get_height (label), >, 400);

  /* while it waits, the editor holds the same full text */
  sprig_tool_call_item_set_state (item, SPRIG_TOOL_CALL_WAITING);
  g_assert_true (shown (GTK_WIDGET (editor (card))));
  g_assert_false (shown (label));
  g_assert_true (gtk_text_view_get_monospace (editor (card)));
  g_assert_true (gtk_text_view_get_editable (editor (card)));
  edited_text = sprig_tool_card_dup_arguments_text (card);
  g_assert_cmpstr (edited_text, ==, expected);
  sprig_test_screenshot (GTK_WIDGET (card), "tool-card-long-arguments");
  close_window (window);

  /* a short call makes a short card */
  {
    g_autoptr(SprigToolCallItem) small = calculator_call ("{\"expression\":\"1\"}",
                                                          SPRIG_TOOL_CALL_DONE);

    card = show_card (small, &window);
    short_height = gtk_widget_get_height (styled (GTK_WIDGET (card), "tool-card-arguments"));
    g_assert_cmpint (short_height, <, 100);
    close_window (window);
  }
}

static void
test_not_json (void)
{
  g_autoptr(SprigToolCallItem) item = calculator_call ("{\"a\": tru", SPRIG_TOOL_CALL_DONE);
  g_autofree char *text = NULL;
  GtkWindow *window;
  SprigToolCard *card = show_card (item, &window);

  /* arguments that do not parse are shown as they are */
  text = sprig_tool_card_dup_arguments_text (card);
  g_assert_cmpstr (text, ==, "{\"a\": tru");
  close_window (window);
}

static gboolean same_row (GtkWidget *a, GtkWidget *b);

static void
test_waiting (void)
{
  g_autoptr(SprigToolCallItem) item = calculator_call ("{\"expression\":\"2+2\"}",
                                                       SPRIG_TOOL_CALL_WAITING);
  GtkWindow *window;
  SprigToolCard *card = show_card (item, &window);
  GtkWidget *deny = button (card, "tool-card.deny");
  GtkWidget *allow = button (card, "tool-card.allow-once");
  GtkWidget *always = button (card, "tool-card.always-allow");

  g_assert_true (shown (label_with_text (GTK_WIDGET (card), "Run this tool?")));
  g_assert_true (shown (label_with_text (GTK_WIDGET (card), "Waiting for you")));
  g_assert_true (gtk_widget_has_css_class (styled (GTK_WIDGET (card), "tool-card"), "waiting"));
  g_assert_true (shown (deny) && shown (allow) && shown (always));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (deny)), ==, "_Deny");
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (allow)), ==, "Allow _Once");
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (always)), ==, "_Always Allow");
  g_assert_true (gtk_button_get_use_underline (GTK_BUTTON (allow)));
  g_assert_nonnull (gtk_widget_get_tooltip_text (deny));
  g_assert_nonnull (gtk_widget_get_tooltip_text (allow));
  g_assert_nonnull (gtk_widget_get_tooltip_text (always));
  /* Deny is the default: it has the keyboard focus */
  g_assert_true (gtk_window_get_focus (window) == deny);
  g_assert_true (gtk_widget_is_sensitive (allow) && gtk_widget_is_sensitive (always));
  g_assert_false (shown (styled (GTK_WIDGET (card), "tool-card-error")));
  gtk_test_accessible_assert_property (card, GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Tool call: Calculator, Waiting for you");
  /* wide enough: one row, Deny first */
  g_assert_true (same_row (deny, allow) && same_row (allow, always));
  close_window (window);
}

static gboolean
bounds (GtkWidget       *widget,
        graphene_rect_t *out)
{
  return gtk_widget_compute_bounds (widget, GTK_WIDGET (gtk_widget_get_root (widget)), out);
}

static gboolean
same_row (GtkWidget *a,
          GtkWidget *b)
{
  graphene_rect_t ra, rb;

  g_assert_true (bounds (a, &ra) && bounds (b, &rb));
  return ra.origin.y == rb.origin.y && ra.origin.x + ra.size.width < rb.origin.x;
}

/* Too narrow for the three buttons side by side: they are stacked, each whole. */
static void
test_narrow (void)
{
  g_autoptr(SprigToolCallItem) item = calculator_call ("{\"expression\":\"2+2\"}",
                                                       SPRIG_TOOL_CALL_WAITING);
  GtkWindow *window;
  SprigToolCard *card = show_card (item, &window);
  GtkWidget *deny = button (card, "tool-card.deny");
  GtkWidget *allow = button (card, "tool-card.allow-once");
  GtkWidget *always = button (card, "tool-card.always-allow");
  graphene_rect_t rd, ra, rw;
  int width;

  gtk_window_set_default_size (window, 300, 480);
  sprig_test_spin (300);
  width = gtk_widget_get_width (GTK_WIDGET (window));
  g_assert_cmpint (width, <=, 320);
  g_assert_true (bounds (deny, &rd) && bounds (allow, &ra) && bounds (always, &rw));
  g_assert_cmpfloat (rd.origin.y + rd.size.height, <=, ra.origin.y);
  g_assert_cmpfloat (ra.origin.y + ra.size.height, <=, rw.origin.y);
  g_assert_cmpfloat (rd.size.width, ==, ra.size.width);
  g_assert_cmpfloat (rd.size.width, ==, rw.size.width);
  g_assert_cmpfloat (rd.origin.x + rd.size.width, <=, width);
  close_window (window);
}

/* The editor stays as tall as its text when a narrower window wraps it into more lines
 * (GtkTextView alone keeps its old height and cuts the last lines off). */
static void
test_narrow_editor (void)
{
  g_autoptr(SprigToolCallItem) item = calculator_call (
    "{\"title\":\"Shopping\",\"text\":\"Milk, eggs, bread and the rest of the list that goes "
    "on and on so that it has to wrap over several lines of the card\",\"tags\":[\"home\"]}",
    SPRIG_TOOL_CALL_WAITING);
  GtkWindow *window;
  SprigToolCard *card = show_card (item, &window);
  GtkTextView *view = editor (card);
  GtkTextIter end;
  GdkRectangle last, visible;

  gtk_window_set_default_size (window, 360, 480);
  sprig_test_spin (500);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), ==, 360);
  gtk_text_buffer_get_end_iter (gtk_text_view_get_buffer (view), &end);
  gtk_text_view_get_iter_location (view, &end, &last);
  gtk_text_view_get_visible_rect (view, &visible);
  g_assert_cmpint (last.y + last.height, <=, visible.y + visible.height);
  sprig_test_screenshot (GTK_WIDGET (card), "tool-card-narrow-editor");
  close_window (window);
}

static void
test_edit_invalid (void)
{
  g_autoptr(SprigToolCallItem) item = calculator_call ("{\"expression\":\"2+2\"}",
                                                       SPRIG_TOOL_CALL_WAITING);
  Answers answers = { 0 };
  const char *bad[] = { "[1, 2]", "{\"expression\": ", "", "\"text\"", "{} {}", "null" };
  GtkWindow *window;
  SprigToolCard *card = show_card (item, &window);
  GtkWidget *deny = button (card, "tool-card.deny");
  GtkWidget *allow = button (card, "tool-card.allow-once");
  GtkWidget *always = button (card, "tool-card.always-allow");
  GtkWidget *error = styled (GTK_WIDGET (card), "tool-card-error");

  g_signal_connect (item, "answered", G_CALLBACK (answered_cb), &answers);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      edit (card, bad[i]);
      g_assert_false (gtk_widget_is_sensitive (allow));
      g_assert_false (gtk_widget_is_sensitive (always));
      g_assert_true (gtk_widget_is_sensitive (deny));
      g_assert_true (shown (error));
      g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (error)), ==,
                       "The arguments must be a JSON object");
      /* the action refuses too, not only the button */
      gtk_widget_activate_action (GTK_WIDGET (card), "tool-card.allow-once", NULL);
      g_assert_cmpuint (answers.n, ==, 0);
    }
  edit (card, "{\"expression\": \"3 * 3\"}");
  g_assert_true (gtk_widget_is_sensitive (allow));
  g_assert_false (shown (error));
  close_window (window);
  g_free (answers.arguments);
}

static void
test_edit_allow_once (void)
{
  g_autoptr(SprigToolCallItem) item = calculator_call ("{\"expression\":\"2+2\"}",
                                                       SPRIG_TOOL_CALL_WAITING);
  Answers answers = { 0 };
  g_autofree char *text = NULL;
  GtkWindow *window;
  SprigToolCard *card = show_card (item, &window);

  g_signal_connect (item, "answered", G_CALLBACK (answered_cb), &answers);
  g_assert_false (shown (label_with_text (GTK_WIDGET (card), "Edited by you")));
  edit (card, "{\n  \"expression\": \"3 * 3\",\n  \"precise\": true\n}");
  g_signal_emit_by_name (button (card, "tool-card.allow-once"), "clicked");

  g_assert_cmpuint (answers.n, ==, 1);
  g_assert_cmpint (answers.answer, ==, SPRIG_TOOL_ANSWER_ALLOW_ONCE);
  g_assert_cmpstr (answers.arguments, ==, "{\"expression\":\"3 * 3\",\"precise\":true}");
  g_assert_true (sprig_tool_call_item_get_edited (item));
  /* answered: read-only again, the edit is said, nothing more to answer */
  g_assert_false (shown (GTK_WIDGET (editor (card))));
  g_assert_false (shown (button (card, "tool-card.deny")));
  g_assert_false (shown (label_with_text (GTK_WIDGET (card), "Run this tool?")));
  g_assert_true (shown (label_with_text (GTK_WIDGET (card), "Edited by you")));
  text = sprig_tool_card_dup_arguments_text (card);
  g_assert_cmpstr (text, ==, "{\n  \"expression\": \"3 * 3\",\n  \"precise\": true\n}");
  /* a second answer (Escape) does nothing */
  g_assert_false (press_escape (card));
  g_assert_cmpuint (answers.n, ==, 1);

  sprig_tool_call_item_set_state (item, SPRIG_TOOL_CALL_RUNNING);
  g_assert_true (shown (label_with_text (GTK_WIDGET (card), "Edited by you")));
  close_window (window);
  g_free (answers.arguments);
}

static void
test_allow_unchanged (void)
{
  SprigToolAnswer kinds[] = { SPRIG_TOOL_ANSWER_ALLOW_ONCE, SPRIG_TOOL_ANSWER_ALWAYS_ALLOW };
  const char *actions[] = { "tool-card.allow-once", "tool-card.always-allow" };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr(SprigToolCallItem) item = calculator_call ("{\"expression\":\"2+2\"}",
                                                           SPRIG_TOOL_CALL_WAITING);
      Answers answers = { 0 };
      GtkWindow *window;
      SprigToolCard *card = show_card (item, &window);

      g_signal_connect (item, "answered", G_CALLBACK (answered_cb), &answers);
      /* re-indented is no edit */
      edit (card, "{\"expression\":    \"2+2\"}");
      g_signal_emit_by_name (button (card, actions[i]), "clicked");
      g_assert_cmpuint (answers.n, ==, 1);
      g_assert_cmpint (answers.answer, ==, kinds[i]);
      g_assert_cmpstr (answers.arguments, ==, "{\"expression\":\"2+2\"}");
      g_assert_false (sprig_tool_call_item_get_edited (item));
      g_assert_false (shown (label_with_text (GTK_WIDGET (card), "Edited by you")));
      close_window (window);
      g_free (answers.arguments);
    }
}

static void
test_deny (void)
{
  g_autoptr(SprigToolCallItem) item = calculator_call ("{\"expression\":\"2+2\"}",
                                                       SPRIG_TOOL_CALL_WAITING);
  g_autoptr(SprigToolCallItem) other = calculator_call ("{\"expression\":\"1\"}",
                                                        SPRIG_TOOL_CALL_WAITING);
  Answers answers = { 0 };
  GtkWindow *window;
  SprigToolCard *card = show_card (item, &window);

  g_signal_connect (item, "answered", G_CALLBACK (answered_cb), &answers);
  /* Escape while the focus is in the editor, after an edit: denied, edits dropped */
  gtk_widget_grab_focus (GTK_WIDGET (editor (card)));
  edit (card, "{\"expression\": \"rm -rf\"}");
  g_assert_true (press_escape (card));
  g_assert_cmpuint (answers.n, ==, 1);
  g_assert_cmpint (answers.answer, ==, SPRIG_TOOL_ANSWER_DENY);
  g_assert_cmpstr (answers.arguments, ==, "{\"expression\":\"2+2\"}");
  g_assert_false (sprig_tool_call_item_get_edited (item));
  /* not waiting any more: Escape goes on to the chat view (Stop) */
  g_assert_false (press_escape (card));
  g_assert_cmpuint (answers.n, ==, 1);

  /* the Deny button, on another call in the same card */
  g_clear_pointer (&answers.arguments, g_free);
  answers.n = 0;
  g_signal_connect (other, "answered", G_CALLBACK (answered_cb), &answers);
  sprig_tool_card_set_item (card, other);
  g_signal_emit_by_name (button (card, "tool-card.deny"), "clicked");
  g_assert_cmpuint (answers.n, ==, 1);
  g_assert_cmpint (answers.answer, ==, SPRIG_TOOL_ANSWER_DENY);
  close_window (window);
  g_free (answers.arguments);
}

static void
test_buttons_by_kind (void)
{
  g_autoptr(SprigToolCallItem) item = calculator_call ("{}", SPRIG_TOOL_CALL_WAITING);
  GtkWindow *window;
  SprigToolCard *card;

  sprig_tool_call_item_set_can_always_allow (item, FALSE);
  card = show_card (item, &window);
  g_assert_false (shown (button (card, "tool-card.always-allow")));
  g_assert_false (gtk_widget_is_sensitive (button (card, "tool-card.always-allow")));
  g_assert_true (shown (button (card, "tool-card.allow-once")));

  sprig_tool_call_item_set_picks_file (item, TRUE);
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (button (card, "tool-card.allow-once"))), ==,
                   "_Choose File…");
  g_assert_true (shown (label_with_text (GTK_WIDGET (card),
                                         "The assistant asks to read a file you choose")));
  g_assert_false (shown (label_with_text (GTK_WIDGET (card), "Run this tool?")));

  sprig_tool_call_item_set_can_always_allow (item, TRUE);
  g_assert_true (shown (button (card, "tool-card.always-allow")));
  g_assert_true (gtk_widget_is_sensitive (button (card, "tool-card.always-allow")));
  close_window (window);
}

/* The focus widget of its window (Xvfb has no window manager to make windows active,
 * so has-focus itself may never turn on). */
static gboolean
has_focus (gpointer widget)
{
  return gtk_root_get_focus (gtk_widget_get_root (widget)) == widget;
}

static void
test_state_changes (void)
{
  g_autoptr(SprigToolCallItem) item = calculator_call ("{\"expression\":\"2+2\"}",
                                                       SPRIG_TOOL_CALL_QUEUED);
  GtkWindow *window;
  SprigToolCard *card = show_card (item, &window);
  GtkWidget *spinner = sprig_test_find_type (GTK_WIDGET (card), GTK_TYPE_SPINNER);
  GtkWidget *expander = sprig_test_find_type (GTK_WIDGET (card), GTK_TYPE_EXPANDER);
  GtkWidget *result = gtk_expander_get_child (GTK_EXPANDER (expander));
  GtkWidget *deny = button (card, "tool-card.deny");

  g_assert_true (shown (label_with_text (GTK_WIDGET (card), "Queued")));
  g_assert_false (shown (deny));
  g_assert_false (shown (expander));

  /* starts waiting while shown: Deny takes the focus */
  gtk_window_set_focus (window, NULL);
  sprig_tool_call_item_set_state (item, SPRIG_TOOL_CALL_WAITING);
  g_assert_true (shown (deny));
  sprig_test_wait_for (has_focus, deny, "Deny to take the focus");
  g_assert_true (sprig_tool_call_item_answer (item, SPRIG_TOOL_ANSWER_ALLOW_ONCE, NULL));

  sprig_tool_call_item_set_state (item, SPRIG_TOOL_CALL_RUNNING);
  g_assert_true (shown (label_with_text (GTK_WIDGET (card), "Running")));
  g_assert_true (shown (spinner));
  g_assert_true (gtk_spinner_get_spinning (GTK_SPINNER (spinner)));
  gtk_test_accessible_assert_property (card, GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Tool call: Calculator, Running");

  sprig_tool_call_item_set_result (item, SPRIG_TOOL_CALL_DONE, "{\"result\": 4}");
  g_assert_true (shown (label_with_text (GTK_WIDGET (card), "Done")));
  g_assert_false (shown (spinner));
  g_assert_true (shown (expander));
  /* a result is folded away by default */
  g_assert_false (gtk_expander_get_expanded (GTK_EXPANDER (expander)));
  g_assert_false (gtk_widget_get_mapped (result));
  g_assert_true (gtk_widget_has_css_class (result, "tool-card-result"));
  g_assert_cmpstr (gtk_expander_get_label (GTK_EXPANDER (expander)), ==, "_Result");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (result)), ==, "{\"result\": 4}");
  g_assert_true (gtk_label_get_selectable (GTK_LABEL (result)));
  g_assert_true (gtk_label_get_wrap (GTK_LABEL (result)));
  g_assert_false (gtk_widget_has_css_class (result, "error"));
  gtk_expander_set_expanded (GTK_EXPANDER (expander), TRUE);
  g_assert_true (gtk_widget_get_mapped (result));

  sprig_tool_call_item_set_result (item, SPRIG_TOOL_CALL_FAILED, "Error: division by zero");
  g_assert_true (shown (label_with_text (GTK_WIDGET (card), "Failed")));
  g_assert_true (gtk_expander_get_expanded (GTK_EXPANDER (expander)));
  g_assert_true (gtk_widget_has_css_class (result, "error"));
  g_assert_true (gtk_widget_has_css_class (styled (GTK_WIDGET (card), "tool-card"), "failed"));
  g_assert_false (gtk_widget_has_css_class (styled (GTK_WIDGET (card), "tool-card"), "done"));
  close_window (window);
}

static void
test_result_expander (void)
{
  SprigToolCallState states[] = { SPRIG_TOOL_CALL_DONE, SPRIG_TOOL_CALL_FAILED,
                                  SPRIG_TOOL_CALL_DENIED, SPRIG_TOOL_CALL_CANCELLED,
                                  SPRIG_TOOL_CALL_SKIPPED };

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    {
      g_autoptr(SprigToolCallItem) item = calculator_call ("{}", SPRIG_TOOL_CALL_QUEUED);
      GtkWindow *window;
      SprigToolCard *card;
      GtkWidget *expander;

      sprig_tool_call_item_set_result (item, states[i], "the result");
      card = show_card (item, &window);
      expander = sprig_test_find_type (GTK_WIDGET (card), GTK_TYPE_EXPANDER);
      g_assert_true (shown (expander));
      g_assert_cmpint (gtk_expander_get_expanded (GTK_EXPANDER (expander)), ==,
                       states[i] == SPRIG_TOOL_CALL_FAILED);
      g_assert_true (shown (label_with_text (GTK_WIDGET (card),
                                             sprig_tool_call_state_to_label (states[i]))));
      close_window (window);
    }
}

static void
test_finalize (void)
{
  g_autoptr(SprigToolCallItem) item = calculator_call ("{}", SPRIG_TOOL_CALL_WAITING);
  GtkWidget *card = g_object_ref_sink (sprig_tool_card_new ());

  sprig_tool_card_set_item (SPRIG_TOOL_CARD (card), item);
  g_assert_true (sprig_tool_card_get_item (SPRIG_TOOL_CARD (card)) == item);
  g_assert_finalize_object (card);
  /* the card let go of the item and its signals */
  sprig_tool_call_item_set_state (item, SPRIG_TOOL_CALL_DONE);
  g_assert_cmpuint (G_OBJECT (item)->ref_count, ==, 1);
}

/* ---- in the chat ---- */

static void
test_message_row (void)
{
  g_autoptr(SprigToolCallItem) call = calculator_call ("{\"expression\":\"2+2\"}",
                                                       SPRIG_TOOL_CALL_DONE);
  g_autoptr(SprigMessageItem) tool = sprig_message_item_new (SPRIG_MESSAGE_ROLE_TOOL,
                                                             "{\"result\": 4}");
  g_autoptr(SprigMessageItem) old = sprig_message_item_new (SPRIG_MESSAGE_ROLE_TOOL, "42");
  g_autoptr(SprigMessageItem) caller = sprig_message_item_new (SPRIG_MESSAGE_ROLE_ASSISTANT, "");
  g_autoptr(SprigMessageItem) user = sprig_message_item_new (SPRIG_MESSAGE_ROLE_USER, "Hi");
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  GtkWidget *row = sprig_message_row_new ();
  GtkWidget *card, *bubble;

  sprig_tool_call_item_set_result (call, SPRIG_TOOL_CALL_DONE, "{\"result\": 4}");
  sprig_message_item_set_tool_call (tool, call);
  sprig_message_item_set_status (tool, SPRIG_MESSAGE_STATUS_COMPLETE);
  sprig_message_item_set_id (tool, 5);
  sprig_message_item_set_branch (tool, 0, 2);
  sprig_message_item_set_status (caller, SPRIG_MESSAGE_STATUS_COMPLETE);
  sprig_message_item_add_tool_call (caller, call);
  gtk_window_set_child (window, row);
  gtk_window_present (window);
  sprig_test_wait_for (is_mapped, row, "the row to show");

  sprig_message_row_set_item (SPRIG_MESSAGE_ROW (row), tool);
  card = sprig_test_find_type (row, SPRIG_TYPE_TOOL_CARD);
  bubble = styled (row, "sprig-bubble");
  g_assert_true (shown (card));
  g_assert_true (sprig_tool_card_get_item (SPRIG_TOOL_CARD (card)) == call);
  g_assert_false (shown (bubble));
  g_assert_true (shown (styled (row, "sprig-message-actions")));
  for (GtkWidget *b = gtk_widget_get_first_child (styled (row, "sprig-message-actions")); b;
       b = gtk_widget_get_next_sibling (b))
    {
      const char *tooltip = gtk_widget_get_tooltip_text (b);

      /* copy and delete only: no edit, no regenerate, no branch arrows */
      if (gtk_widget_get_visible (b))
        g_assert_true (g_strcmp0 (tooltip, "Copy") == 0 || g_strcmp0 (tooltip, "Delete") == 0);
    }

  /* a tool message stored without its call: a card of the content */
  sprig_message_row_set_item (SPRIG_MESSAGE_ROW (row), old);
  g_assert_true (sprig_test_find_type (row, SPRIG_TYPE_TOOL_CARD) == card);
  g_assert_true (shown (card));
  g_assert_true (shown (label_with_text (card, "Tool result")));
  g_assert_cmpstr (sprig_tool_call_item_get_result (sprig_tool_card_get_item (SPRIG_TOOL_CARD (card))),
                   ==, "42");
  g_assert_false (shown (styled (card, "tool-card-arguments")));
  g_assert_false (shown (GTK_WIDGET (editor (SPRIG_TOOL_CARD (card)))));

  /* the same row used for a user message: a bubble again, no card */
  sprig_message_row_set_item (SPRIG_MESSAGE_ROW (row), user);
  g_assert_false (shown (card));
  g_assert_true (shown (bubble));
  g_assert_true (shown (label_with_text (row, "Hi")));

  /* a reply that only called tools: no empty bubble */
  sprig_message_row_set_item (SPRIG_MESSAGE_ROW (row), caller);
  g_assert_false (shown (bubble));
  g_assert_null (label_with_text (row, "The model wrote no text"));
  sprig_message_row_set_item (SPRIG_MESSAGE_ROW (row), NULL);
  close_window (window);
}

typedef struct
{
  char *text;
  gboolean done;
} ClipboardRead;

static void
clipboard_read_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  ClipboardRead *read = data;

  read->text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  read->done = TRUE;
}

static gboolean
clipboard_read (gpointer data)
{
  return ((ClipboardRead *) data)->done;
}

typedef struct
{
  GtkWidget *view;
  guint n_cards;
} CardCount;

static gboolean
cards_shown (gpointer data)
{
  CardCount *count = data;
  g_autoptr(GPtrArray) cards = g_ptr_array_new ();
  guint mapped = 0;

  sprig_test_collect (count->view, SPRIG_TYPE_TOOL_CARD, cards);
  for (guint i = 0; i < cards->len; i++)
    mapped += gtk_widget_get_mapped (cards->pdata[i]);
  return mapped == count->n_cards;
}

static SprigMessageItem *
message (SprigMessageRole  role,
         const char       *content,
         gint64            id)
{
  SprigMessageItem *item = sprig_message_item_new (role, content);

  sprig_message_item_set_id (item, id);
  sprig_message_item_set_status (item, SPRIG_MESSAGE_STATUS_COMPLETE);
  return item;
}

static SprigMessageItem *
tool_message (SprigToolCallItem *call,
              gint64             id)
{
  const char *result = sprig_tool_call_item_get_result (call);
  SprigMessageItem *item = message (SPRIG_MESSAGE_ROLE_TOOL, result != NULL ? result : "", id);

  sprig_message_item_set_tool_call (item, call);
  return item;
}

static void
screenshots (GtkWidget  *widget,
             const char *name)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  g_autofree char *light = g_strconcat (name, "-light", NULL);
  g_autofree char *dark = g_strconcat (name, "-dark", NULL);

  sprig_test_screenshot (widget, light);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  sprig_test_screenshot (widget, dark);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
}

/* Tool messages in a SprigChat's list show as cards in the chat view, live. */
static void
test_chat_view (void)
{
  g_autofree char *dir = g_dir_make_tmp ("sprig-tool-card-XXXXXX", NULL);
  g_autofree char *db = g_build_filename (dir, "sprig.db", NULL);
  g_autoptr(SprigStore) store = sprig_store_new (db);
  g_autoptr(SeEngine) engine = se_engine_new ();
  g_autoptr(SprigChat) chat = sprig_chat_new (store, engine);
  GListModel *messages = sprig_chat_get_messages (chat);
  g_autoptr(SprigToolCallItem) done = calculator_call ("{\"expression\":\"(17 + 25) * 3\"}",
                                                       SPRIG_TOOL_CALL_RUNNING);
  g_autoptr(SprigToolCallItem) waiting = sprig_tool_call_item_new (
    "write_note", "{\"title\":\"Shopping\",\"text\":\"Milk, eggs, bread and the rest of the "
    "list that goes on and on so that it has to wrap over several lines of the card\","
    "\"tags\":[\"home\",\"weekly\"]}");
  g_autoptr(SprigMessageItem) question = message (SPRIG_MESSAGE_ROLE_USER,
                                                  "What is (17 + 25) × 3? Then note it down.", 1);
  g_autoptr(SprigMessageItem) caller = message (SPRIG_MESSAGE_ROLE_ASSISTANT, "", 2);
  g_autoptr(SprigMessageItem) first = NULL;
  g_autoptr(SprigMessageItem) second = NULL;
  ClipboardRead read = { 0 };
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  GtkWidget *view = g_object_new (SPRIG_TYPE_CHAT_VIEW, NULL);
  CardCount count = { view, 2 };

  g_assert_true (G_IS_LIST_STORE (messages));
  sprig_tool_call_item_set_title (waiting, "Notes");
  sprig_tool_call_item_set_source (waiting, "Plugin “Notes”");
  sprig_tool_call_item_set_state (waiting, SPRIG_TOOL_CALL_QUEUED);
  sprig_message_item_add_tool_call (caller, done);
  sprig_message_item_add_tool_call (caller, waiting);
  first = tool_message (done, 3);
  second = tool_message (waiting, 4);

  gtk_window_set_default_size (window, 720, 900);
  gtk_window_set_child (window, view);
  sprig_chat_view_set_chat (SPRIG_CHAT_VIEW (view), chat);
  gtk_window_present (window);
  g_list_store_append (G_LIST_STORE (messages), question);
  g_list_store_append (G_LIST_STORE (messages), caller);
  g_list_store_append (G_LIST_STORE (messages), first);
  g_list_store_append (G_LIST_STORE (messages), second);
  sprig_test_wait_for (cards_shown, &count, "two tool cards in the chat");

  /* the calls move on while they are shown */
  sprig_tool_call_item_set_result (done, SPRIG_TOOL_CALL_DONE, "{\"result\": 126}");
  sprig_tool_call_item_set_state (waiting, SPRIG_TOOL_CALL_WAITING);
  {
    GtkWidget *deny = NULL;
    g_autoptr(GPtrArray) cards = g_ptr_array_new ();

    sprig_test_collect (view, SPRIG_TYPE_TOOL_CARD, cards);
    for (guint i = 0; i < cards->len; i++)
      if (sprig_tool_card_get_item (cards->pdata[i]) == waiting)
        deny = button (cards->pdata[i], "tool-card.deny");
    g_assert_nonnull (deny);
    sprig_test_wait_for (has_focus, deny, "Deny to take the focus in the chat");
    g_assert_true (shown (label_with_text (view, "Done")));
    g_assert_true (shown (label_with_text (view, "Waiting for you")));
  }
  screenshots (view, "tool-cards");
  gtk_window_set_default_size (window, 360, 900);
  sprig_test_spin (500);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), ==, 360);
  sprig_test_screenshot (view, "tool-cards-narrow");

  /* copying a tool message copies the tool's result */
  g_assert_true (gtk_widget_activate_action (view, "chat.copy-message", "x", (gint64) 3));
  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (view), NULL, clipboard_read_cb, &read);
  sprig_test_wait_for (clipboard_read, &read, "the clipboard");
  g_assert_cmpstr (read.text, ==, "{\"result\": 126}");
  g_free (read.text);

  sprig_chat_view_set_chat (SPRIG_CHAT_VIEW (view), NULL);
  close_window (window);
  sprig_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_autoptr(GtkCssProvider) css = NULL;

  /* GTK's in-process accessibility backend: the accessible labels can be checked, and
   * no AT-SPI bus is involved (its daemon would write into the TAP stream). */
  g_setenv ("GTK_A11Y", "test", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  gtk_source_init ();
  /* the app's style sheet, which AdwApplication would load */
  css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/io/github/sprigchat/Sprig/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  g_test_add_func ("/sprig/app/tool-card/header", test_header);
  g_test_add_func ("/sprig/app/tool-card/full-arguments", test_full_arguments);
  g_test_add_func ("/sprig/app/tool-card/not-json", test_not_json);
  g_test_add_func ("/sprig/app/tool-card/waiting", test_waiting);
  g_test_add_func ("/sprig/app/tool-card/narrow", test_narrow);
  g_test_add_func ("/sprig/app/tool-card/narrow-editor", test_narrow_editor);
  g_test_add_func ("/sprig/app/tool-card/edit-invalid", test_edit_invalid);
  g_test_add_func ("/sprig/app/tool-card/edit-allow-once", test_edit_allow_once);
  g_test_add_func ("/sprig/app/tool-card/allow-unchanged", test_allow_unchanged);
  g_test_add_func ("/sprig/app/tool-card/deny", test_deny);
  g_test_add_func ("/sprig/app/tool-card/buttons-by-kind", test_buttons_by_kind);
  g_test_add_func ("/sprig/app/tool-card/state-changes", test_state_changes);
  g_test_add_func ("/sprig/app/tool-card/result-expander", test_result_expander);
  g_test_add_func ("/sprig/app/tool-card/finalize", test_finalize);
  g_test_add_func ("/sprig/app/tool-card/message-row", test_message_row);
  g_test_add_func ("/sprig/app/tool-card/chat-view", test_chat_view);
  return g_test_run ();
}
