/* SPDX-License-Identifier: Apache-2.0
 *
 * The chat app end to end under Xvfb, with a tiny model made by `sprig-cli mkmodel` (its
 * text is nonsense): send a message and watch the reply stream into the list and the
 * store, stop a reply, rename and pin, delete and undo, close while generating, restart
 * and find everything again. Records the longest main-loop stall while a reply streams
 * and saves screenshots of the main states into the build folder.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "sprig-application.h"
#include "sprig-chat-view.h"
#include "sprig-conversation-item.h"
#include "sprig-message-item.h"
#include "sprig-message-row.h"
#include "sprig-sidebar.h"
#include "sprig-test-ui.h"
#include "sprig-window.h"

static SprigApplication *the_app;
static char *tmpdir;
static char *model_path;
static gint64 first_conversation;
static double longest_stall_ms;

/* ---- helpers ---- */

static GtkWidget *
find_styled (GtkWidget  *root,
             GType       type,
             const char *css_class)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) && gtk_widget_has_css_class (root, css_class))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_styled (c, type, css_class);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static SprigWindow *
window (void)
{
  return SPRIG_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (the_app)));
}

static gboolean
chat_view_mapped (gpointer data)
{
  GtkWidget *view = sprig_test_find_type (GTK_WIDGET (window ()), SPRIG_TYPE_CHAT_VIEW);

  return view != NULL && gtk_widget_get_mapped (view);
}

static SprigWindow *
open_window (void)
{
  g_application_activate (G_APPLICATION (the_app));
  sprig_test_wait_for (chat_view_mapped, NULL, "the model to load");
  return window ();
}

static gboolean
not_generating (gpointer chat)
{
  return !sprig_chat_get_generating (chat);
}

static SprigMessageItem *
message_at (SprigChat *chat,
            guint      i)
{
  GListModel *messages = sprig_chat_get_messages (chat);
  g_autoptr(SprigMessageItem) item = g_list_model_get_item (messages, i);

  return item;  /* the list keeps it */
}

static SprigMessageItem *
last_message (SprigChat *chat)
{
  guint n = g_list_model_get_n_items (sprig_chat_get_messages (chat));

  g_assert_cmpuint (n, >, 0);
  return message_at (chat, n - 1);
}

static void
send_text (SprigWindow *win,
           const char  *text)
{
  GtkWidget *view = sprig_test_find_type (GTK_WIDGET (win), SPRIG_TYPE_CHAT_VIEW);
  GtkWidget *text_view = find_styled (view, GTK_TYPE_TEXT_VIEW, "sprig-composer-text");

  g_assert_nonnull (text_view);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (text_view)), text, -1);
  g_assert_true (gtk_widget_activate_action (view, "chat.send", NULL));
}

static gboolean
reply_has_text (gpointer chat)
{
  SprigMessageItem *last = last_message (chat);

  return sprig_message_item_get_role (last) == SPRIG_MESSAGE_ROLE_ASSISTANT &&
         sprig_message_item_get_content (last)[0] != '\0';
}

static SprigConversationItem *
sidebar_item (SprigWindow *win,
              gint64       id,
              guint       *position)
{
  SprigSidebar *sidebar =
    SPRIG_SIDEBAR (sprig_test_find_type (GTK_WIDGET (win), SPRIG_TYPE_SIDEBAR));
  GListModel *model = sprig_sidebar_get_model (sidebar);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(SprigConversationItem) item = g_list_model_get_item (model, i);

      if (sprig_conversation_item_get_id (item) == id)
        {
          if (position != NULL)
            *position = i;
          return item;
        }
    }
  return NULL;
}

static void
screenshot (const char *name)
{
  sprig_test_screenshot (GTK_WIDGET (window ()), name);
}

/* ---- stall meter: a 1 ms high-priority timer; the longest gap between its runs ---- */

typedef struct
{
  gint64 last;
  gint64 longest;
  guint over_16ms;    /* gaps longer than a frame at 60 Hz */
  guint over_50ms;
  guint ticks;
} Meter;

static gboolean
meter_tick_cb (gpointer data)
{
  Meter *m = data;
  gint64 now = g_get_monotonic_time ();

  if (m->last != 0)
    {
      m->longest = MAX (m->longest, now - m->last);
      m->over_16ms += now - m->last > 16000;
      m->over_50ms += now - m->last > 50000;
    }
  m->ticks++;
  m->last = now;
  return G_SOURCE_CONTINUE;
}

/* ---- tests ---- */

static void
test_send_streams (void)
{
  SprigWindow *win = open_window ();
  SprigChat *chat = sprig_window_get_chat (win);
  SprigStore *store = sprig_window_get_store (win);
  Meter meter = { 0 };
  g_autoptr(GPtrArray) stored = NULL;
  g_autoptr(GError) error = NULL;
  SprigMessageItem *reply;
  GtkWidget *row;
  const SprigMessage *msg;
  guint tick;

  screenshot ("new-chat");
  tick = g_timeout_add_full (G_PRIORITY_HIGH, 1, meter_tick_cb, &meter, NULL);
  send_text (win, "Hello, who are you?");
  g_assert_true (sprig_chat_get_generating (chat));
  sprig_test_wait_for (reply_has_text, chat, "streamed text");
  /* the text is on screen while the reply still streams */
  g_assert_true (sprig_chat_get_generating (chat));
  reply = last_message (chat);
  g_assert_cmpint (sprig_message_item_get_status (reply), ==, SPRIG_MESSAGE_STATUS_STREAMING);
  row = sprig_test_find_type (GTK_WIDGET (win), SPRIG_TYPE_MESSAGE_ROW);
  g_assert_nonnull (row);
  sprig_test_wait_for (not_generating, chat, "the reply to finish");
  g_source_remove (tick);
  longest_stall_ms = meter.longest / 1000.0;
  g_test_message ("longest main-loop stall while streaming: %.1f ms", longest_stall_ms);
  g_assert_cmpfloat (longest_stall_ms, <, 250.0);

  g_assert_cmpint (sprig_message_item_get_status (reply), ==, SPRIG_MESSAGE_STATUS_COMPLETE);
  g_assert_nonnull (sprig_message_item_get_stats (reply));
  first_conversation = sprig_chat_get_conversation_id (chat);
  g_assert_cmpint (first_conversation, >, 0);

  stored = sprig_store_list_messages_sync (store, first_conversation, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stored->len, ==, 2);
  msg = g_ptr_array_index (stored, 0);
  g_assert_cmpint (msg->role, ==, SPRIG_MESSAGE_ROLE_USER);
  g_assert_cmpstr (msg->content, ==, "Hello, who are you?");
  msg = g_ptr_array_index (stored, 1);
  g_assert_cmpint (msg->role, ==, SPRIG_MESSAGE_ROLE_ASSISTANT);
  g_assert_cmpint (msg->status, ==, SPRIG_MESSAGE_STATUS_COMPLETE);
  g_assert_cmpstr (msg->content, ==, sprig_message_item_get_content (reply));
  g_assert_cmpint (msg->completion_tokens, >, 0);
  g_assert_cmpfloat (msg->tokens_per_second, >, 0);

  /* the sidebar lists it under the first message's words */
  g_assert_nonnull (sidebar_item (win, first_conversation, NULL));
  g_assert_cmpstr (sprig_conversation_item_get_title (sidebar_item (win, first_conversation, NULL)),
                   ==, "Hello, who are you?");
}

static void
test_stop_keeps_partial (void)
{
  SprigWindow *win = open_window ();
  SprigChat *chat = sprig_window_get_chat (win);
  GtkWidget *view = sprig_test_find_type (GTK_WIDGET (win), SPRIG_TYPE_CHAT_VIEW);
  g_autoptr(SprigMessage) stored = NULL;
  g_autoptr(GError) error = NULL;
  SprigMessageItem *reply = NULL;

  sprig_chat_set_max_tokens (chat, 0);  /* until the context is full: long enough to stop */
  for (int attempt = 0; attempt < 5; attempt++)
    {
      send_text (win, "Tell me a long story.");
      sprig_test_wait_for (reply_has_text, chat, "streamed text");
      if (!sprig_chat_get_generating (chat))
        continue;  /* the model ended its turn at once; try again */
      reply = last_message (chat);
      screenshot ("streaming");
      g_assert_true (gtk_widget_activate_action (view, "chat.stop", NULL));
      sprig_test_wait_for (not_generating, chat, "the stop");
      break;
    }
  g_assert_nonnull (reply);
  g_assert_cmpint (sprig_message_item_get_status (reply), ==, SPRIG_MESSAGE_STATUS_INTERRUPTED);
  stored = sprig_store_get_message_sync (sprig_window_get_store (win),
                                         sprig_message_item_get_id (reply), &error);
  g_assert_no_error (error);
  g_assert_cmpint (stored->status, ==, SPRIG_MESSAGE_STATUS_INTERRUPTED);
  g_assert_cmpstr (stored->content, ==, sprig_message_item_get_content (reply));
  g_assert_cmpstr (stored->content, !=, "");
  sprig_chat_set_max_tokens (chat, 200);
}

static void
test_rename_and_pin (void)
{
  SprigWindow *win = open_window ();
  SprigSidebar *sidebar =
    SPRIG_SIDEBAR (sprig_test_find_type (GTK_WIDGET (win), SPRIG_TYPE_SIDEBAR));
  SprigStore *store = sprig_window_get_store (win);
  g_autoptr(SprigConversation) conv = NULL;
  GtkWidget *entry;
  guint position = G_MAXUINT;

  sprig_sidebar_start_rename (sidebar, first_conversation);
  entry = gtk_window_get_focus (GTK_WINDOW (win));
  entry = entry != NULL ? gtk_widget_get_ancestor (entry, GTK_TYPE_ENTRY) : NULL;
  g_assert_nonnull (entry);
  gtk_editable_set_text (GTK_EDITABLE (entry), "  Greetings  ");
  g_signal_emit_by_name (entry, "activate");
  sprig_test_spin (200);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (sidebar), "sidebar.pin", "x",
                                             first_conversation));
  sprig_test_spin (300);
  conv = sprig_store_get_conversation_sync (store, first_conversation, NULL);
  g_assert_cmpstr (conv->title, ==, "Greetings");
  g_assert_true (conv->pinned);
  g_assert_nonnull (sidebar_item (win, first_conversation, &position));
  g_assert_cmpuint (position, ==, 0);  /* pinned on top, though it is the oldest */
}

static gboolean
conversation_listed (gpointer data)
{
  return sidebar_item (window (), GPOINTER_TO_INT (data), NULL) != NULL;
}

static gboolean
conversation_unlisted (gpointer data)
{
  return !conversation_listed (data);
}

static void
test_delete_and_undo (void)
{
  SprigWindow *win = open_window ();
  SprigSidebar *sidebar =
    SPRIG_SIDEBAR (sprig_test_find_type (GTK_WIDGET (win), SPRIG_TYPE_SIDEBAR));
  SprigChat *chat = sprig_window_get_chat (win);
  g_autoptr(SprigConversation) conv = NULL;
  gint64 id = sprig_chat_get_conversation_id (chat);

  g_assert_cmpint (id, >, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (sidebar), "sidebar.delete", "x", id));
  sprig_test_wait_for (conversation_unlisted, GINT_TO_POINTER (id), "the conversation to go");
  sprig_test_spin (200);
  /* the chat on screen was the deleted one: a new chat replaces it */
  g_assert_cmpint (sprig_chat_get_conversation_id (chat), ==, 0);
  conv = sprig_store_get_conversation_sync (sprig_window_get_store (win), id, NULL);
  g_assert_nonnull (conv);
  g_assert_cmpint (conv->deleted_at, >, 0);
  screenshot ("deleted-toast");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.undo-delete", "x", id));
  sprig_test_wait_for (conversation_listed, GINT_TO_POINTER (id), "the conversation to come back");
  g_clear_pointer (&conv, sprig_conversation_free);
  conv = sprig_store_get_conversation_sync (sprig_window_get_store (win), id, NULL);
  g_assert_cmpint (conv->deleted_at, ==, 0);
}

static gboolean
no_windows (gpointer data)
{
  return gtk_application_get_windows (GTK_APPLICATION (the_app)) == NULL;
}

static void
activate_conversation (SprigWindow *win,
                       gint64       id)
{
  SprigSidebar *sidebar =
    SPRIG_SIDEBAR (sprig_test_find_type (GTK_WIDGET (win), SPRIG_TYPE_SIDEBAR));
  GtkWidget *list_view = sprig_test_find_type (GTK_WIDGET (sidebar), GTK_TYPE_LIST_VIEW);
  GListModel *shown = G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list_view)));
  guint position = 0;

  sprig_test_wait_for (conversation_listed, GINT_TO_POINTER (id),
                       "the conversation in the sidebar");
  /* the list view shows day headings too: find the item's row among them */
  while (position < g_list_model_get_n_items (shown))
    {
      g_autoptr(GObject) item = g_list_model_get_item (shown, position);

      if (item == G_OBJECT (sidebar_item (win, id, NULL)))
        break;
      position++;
    }
  g_signal_emit_by_name (list_view, "activate", position);
}

static gboolean
messages_loaded (gpointer n)
{
  return g_list_model_get_n_items (sprig_chat_get_messages (sprig_window_get_chat (window ())))
         == GPOINTER_TO_UINT (n);
}

static void
test_close_while_generating (void)
{
  SprigWindow *win = open_window ();
  SprigChat *chat = sprig_window_get_chat (win);
  gint64 id;
  SprigMessageItem *reply;
  g_autofree char *partial = NULL;
  g_autoptr(GPtrArray) stored = NULL;
  const SprigMessage *last;

  gtk_widget_activate_action (GTK_WIDGET (win), "win.new-chat", NULL);
  sprig_test_spin (100);
  sprig_chat_set_max_tokens (chat, 0);
  send_text (win, "Write until I leave.");
  sprig_test_wait_for (reply_has_text, chat, "streamed text");
  g_assert_true (sprig_chat_get_generating (chat));
  id = sprig_chat_get_conversation_id (chat);
  reply = g_object_ref (last_message (chat));
  gtk_window_close (GTK_WINDOW (win));
  sprig_test_wait_for (no_windows, NULL, "the window to close");
  partial = g_strdup (sprig_message_item_get_content (reply));
  g_assert_cmpint (sprig_message_item_get_status (reply), ==, SPRIG_MESSAGE_STATUS_INTERRUPTED);
  g_object_unref (reply);

  /* "restart": a new window with its own store and engine on the same data folder */
  win = open_window ();
  activate_conversation (win, id);
  sprig_test_wait_for (messages_loaded, GUINT_TO_POINTER (2), "the conversation to load");
  last = NULL;
  stored = sprig_store_list_messages_sync (sprig_window_get_store (win), id, NULL);
  g_assert_cmpuint (stored->len, ==, 2);
  last = g_ptr_array_index (stored, 1);
  g_assert_cmpint (last->status, ==, SPRIG_MESSAGE_STATUS_INTERRUPTED);
  g_assert_cmpstr (last->content, ==, partial);
  g_assert_cmpstr (sprig_message_item_get_content (last_message (sprig_window_get_chat (win))), ==,
                   partial);
}

static void
test_restart_finds_conversation (void)
{
  SprigWindow *win = open_window ();
  SprigChat *chat;
  SprigConversationItem *item;

  gtk_window_close (GTK_WINDOW (win));
  sprig_test_wait_for (no_windows, NULL, "the window to close");
  win = open_window ();
  sprig_test_wait_for (conversation_listed, GINT_TO_POINTER (first_conversation),
                       "the first conversation");
  item = sidebar_item (win, first_conversation, NULL);
  g_assert_cmpstr (sprig_conversation_item_get_title (item), ==, "Greetings");
  g_assert_true (sprig_conversation_item_get_pinned (item));
  activate_conversation (win, first_conversation);
  chat = sprig_window_get_chat (win);
  /* first turn, the stopped turn */
  sprig_test_wait_for (messages_loaded, GUINT_TO_POINTER (4), "the conversation to load");
  g_assert_cmpstr (sprig_message_item_get_content (message_at (chat, 0)), ==,
                   "Hello, who are you?");
  g_assert_cmpint (sprig_message_item_get_status (message_at (chat, 3)), ==,
                   SPRIG_MESSAGE_STATUS_INTERRUPTED);
  screenshot ("chat");
}

static SprigMessageRow *
row_for (SprigWindow      *win,
         SprigMessageItem *item);

static gboolean
branch_count_is (gpointer data)
{
  SprigChat *chat = sprig_window_get_chat (window ());

  return !sprig_chat_get_generating (chat) &&
         sprig_message_item_get_n_branches (last_message (chat)) == GPOINTER_TO_UINT (data);
}

/* Regenerate makes a second answer; the arrows walk between the two, in the store too. */
static void
test_regenerate_and_branches (void)
{
  SprigWindow *win = open_window ();
  SprigChat *chat = sprig_window_get_chat (win);
  SprigStore *store = sprig_window_get_store (win);
  GtkWidget *view = sprig_test_find_type (GTK_WIDGET (win), SPRIG_TYPE_CHAT_VIEW);
  g_autoptr(SprigConversation) conv = NULL;
  g_autoptr(GPtrArray) stored = NULL;
  g_autofree char *first_text = NULL;
  g_autofree char *stats = NULL;
  gint64 question, first, second;

  gtk_widget_activate_action (GTK_WIDGET (win), "win.new-chat", NULL);
  sprig_test_spin (100);
  send_text (win, "Name three colours.");
  sprig_test_wait_for (not_generating, chat, "the first answer");
  g_assert_cmpuint (g_list_model_get_n_items (sprig_chat_get_messages (chat)), ==, 2);
  question = sprig_message_item_get_id (message_at (chat, 0));
  first = sprig_message_item_get_id (last_message (chat));
  first_text = g_strdup (sprig_message_item_get_content (last_message (chat)));
  g_assert_cmpuint (sprig_message_item_get_n_branches (last_message (chat)), ==, 1);

  /* the stats line names the speed, the first token's delay, the model and the backend */
  stats = sprig_message_item_dup_stats_text (last_message (chat));
  g_test_message ("stats: %s", stats);
  g_assert_nonnull (strstr (stats, "tokens/s"));
  g_assert_nonnull (strstr (stats, "first token in"));
  g_assert_nonnull (strstr (stats, "tiny.gguf"));

  g_assert_true (gtk_widget_activate_action (view, "chat.regenerate", "x", first));
  g_assert_true (sprig_chat_get_generating (chat));
  sprig_test_wait_for (branch_count_is, GUINT_TO_POINTER (2), "the second answer");
  g_assert_cmpuint (g_list_model_get_n_items (sprig_chat_get_messages (chat)), ==, 2);
  second = sprig_message_item_get_id (last_message (chat));
  g_assert_cmpint (second, !=, first);
  g_assert_cmpuint (sprig_message_item_get_branch_index (last_message (chat)), ==, 1);
  g_assert_cmpint (sprig_message_item_get_parent_id (last_message (chat)), ==, question);
  stored = sprig_store_list_messages_sync (store, sprig_chat_get_conversation_id (chat), NULL);
  g_assert_cmpuint (stored->len, ==, 3);
  g_assert_cmpint (((SprigMessage *) stored->pdata[2])->parent_id, ==, question);
  screenshot ("branches");

  /* back to the first answer: shown, and remembered by the store */
  g_assert_true (gtk_widget_activate_action (view, "chat.previous-branch", "x", second));
  sprig_test_spin (200);
  g_assert_cmpint (sprig_message_item_get_id (last_message (chat)), ==, first);
  g_assert_cmpstr (sprig_message_item_get_content (last_message (chat)), ==, first_text);
  g_assert_cmpuint (sprig_message_item_get_branch_index (last_message (chat)), ==, 0);
  conv = sprig_store_get_conversation_sync (store, sprig_chat_get_conversation_id (chat), NULL);
  g_assert_cmpint (conv->active_leaf_id, ==, first);
  /* the row's arrows: "previous" is off on the first version, "next" goes forward */
  {
    SprigMessageRow *row = row_for (win, last_message (chat));
    GtkWidget *label = NULL;

    g_assert_nonnull (row);
    label = find_styled (GTK_WIDGET (row), GTK_TYPE_LABEL, "numeric");
    g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==, "1/2");
  }
  g_assert_true (gtk_widget_activate_action (view, "chat.next-branch", "x", first));
  sprig_test_spin (100);
  g_assert_cmpint (sprig_message_item_get_id (last_message (chat)), ==, second);
}

static SprigMessageRow *
row_for (SprigWindow      *win,
         SprigMessageItem *item)
{
  GtkWidget *view = sprig_test_find_type (GTK_WIDGET (win), SPRIG_TYPE_CHAT_VIEW);
  GtkWidget *list = sprig_test_find_type (view, GTK_TYPE_LIST_VIEW);

  for (GtkWidget *c = gtk_widget_get_first_child (list); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *row = sprig_test_find_type (c, SPRIG_TYPE_MESSAGE_ROW);

      if (row != NULL && sprig_message_row_get_item (SPRIG_MESSAGE_ROW (row)) == item)
        return SPRIG_MESSAGE_ROW (row);
    }
  return NULL;
}

/* Editing the question through its row asks the new words as a sibling and answers. */
static void
test_edit_question (void)
{
  SprigWindow *win = open_window ();
  SprigChat *chat = sprig_window_get_chat (win);
  SprigMessageItem *question = message_at (chat, 0);
  SprigMessageRow *row = row_for (win, question);
  GtkWidget *editor, *send;
  g_autoptr(GPtrArray) stored = NULL;
  gint64 old_id = sprig_message_item_get_id (question);
  guint roots = 0;

  g_assert_nonnull (row);
  sprig_message_row_start_edit (row);
  editor = find_styled (GTK_WIDGET (row), GTK_TYPE_TEXT_VIEW, "sprig-editor-text");
  g_assert_true (gtk_widget_get_visible (gtk_widget_get_parent (editor)));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (editor)),
                            "Name four colours.", -1);
  send = find_styled (GTK_WIDGET (row), GTK_TYPE_BUTTON, "suggested-action");
  g_signal_emit_by_name (send, "clicked");
  g_assert_true (sprig_chat_get_generating (chat));
  sprig_test_wait_for (not_generating, chat, "the answer to the edited question");

  g_assert_cmpuint (g_list_model_get_n_items (sprig_chat_get_messages (chat)), ==, 2);
  g_assert_cmpstr (sprig_message_item_get_content (message_at (chat, 0)), ==,
                   "Name four colours.");
  g_assert_cmpint (sprig_message_item_get_id (message_at (chat, 0)), !=, old_id);
  g_assert_cmpuint (sprig_message_item_get_n_branches (message_at (chat, 0)), ==, 2);
  g_assert_cmpuint (sprig_message_item_get_branch_index (message_at (chat, 0)), ==, 1);
  stored = sprig_store_list_messages_sync (sprig_window_get_store (win),
                                           sprig_chat_get_conversation_id (chat), NULL);
  for (guint i = 0; i < stored->len; i++)
    roots += ((SprigMessage *) stored->pdata[i])->parent_id == 0;
  g_assert_cmpuint (stored->len, ==, 5);
  g_assert_cmpuint (roots, ==, 2);

  /* the old question, with both its answers, is one arrow away */
  g_assert_true (sprig_chat_show_branch (chat, sprig_message_item_get_id (message_at (chat, 0)),
                                         -1));
  g_assert_cmpint (sprig_message_item_get_id (message_at (chat, 0)), ==, old_id);
  g_assert_cmpuint (sprig_message_item_get_n_branches (last_message (chat)), ==, 2);
}

/* Delete hides at once; undo brings it back; the store deletes only on commit. */
static void
test_delete_message (void)
{
  SprigWindow *win = open_window ();
  SprigChat *chat = sprig_window_get_chat (win);
  SprigStore *store = sprig_window_get_store (win);
  GtkWidget *view = sprig_test_find_type (GTK_WIDGET (win), SPRIG_TYPE_CHAT_VIEW);
  gint64 conv = sprig_chat_get_conversation_id (chat);
  SprigMessageItem *reply = last_message (chat);
  gint64 reply_id = sprig_message_item_get_id (reply);
  g_autoptr(GPtrArray) stored = NULL;
  g_autoptr(SprigMessage) gone = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (sprig_message_item_get_n_branches (reply), ==, 2);
  g_assert_true (gtk_widget_activate_action (view, "chat.delete-message", "x", reply_id));
  /* the sibling answer takes its place, now the only one */
  g_assert_cmpint (sprig_message_item_get_id (last_message (chat)), !=, reply_id);
  g_assert_cmpuint (sprig_message_item_get_n_branches (last_message (chat)), ==, 1);
  screenshot ("message-deleted");
  sprig_chat_undo_delete (chat);
  g_assert_cmpint (sprig_message_item_get_id (last_message (chat)), ==, reply_id);
  g_assert_cmpuint (sprig_message_item_get_n_branches (last_message (chat)), ==, 2);
  stored = sprig_store_list_messages_sync (store, conv, NULL);
  g_assert_cmpuint (stored->len, ==, 5);
  g_clear_pointer (&stored, g_ptr_array_unref);

  g_assert_true (gtk_widget_activate_action (view, "chat.delete-message", "x", reply_id));
  sprig_chat_commit_delete (chat);
  sprig_test_spin (200);
  gone = sprig_store_get_message_sync (store, reply_id, &error);
  g_assert_null (gone);
  g_assert_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_NOT_FOUND);
  stored = sprig_store_list_messages_sync (store, conv, NULL);
  g_assert_cmpuint (stored->len, ==, 4);
}

/* The second turn of a conversation reuses the first turn's cache: only the new words
 * are evaluated. */
static void
test_second_turn_reuses_cache (void)
{
  SprigWindow *win = open_window ();
  SprigChat *chat = sprig_window_get_chat (win);
  const SprigReplyStats *stats;
  guint evaluated;

  /* short replies, so that two turns fit the tiny model's 512 tokens untruncated */
  gtk_widget_activate_action (GTK_WIDGET (win), "win.new-chat", NULL);
  sprig_test_spin (100);
  sprig_chat_set_max_tokens (chat, 24);
  send_text (win, "And one more?");
  sprig_test_wait_for (not_generating, chat, "a turn");
  send_text (win, "The last one?");
  sprig_test_wait_for (not_generating, chat, "the next turn");
  stats = sprig_message_item_get_stats (last_message (chat));
  g_assert_nonnull (stats);
  evaluated = sprig_chat_get_last_prompt_evaluated (chat);
  g_test_message ("second turn: %d prompt tokens, %u evaluated", stats->prompt_tokens, evaluated);
  g_assert_cmpuint (evaluated, >, 0);
  g_assert_cmpuint (evaluated * 2, <, (guint) stats->prompt_tokens);
  sprig_chat_set_max_tokens (chat, 200);
}

static void
count_notice_cb (SprigChat  *chat,
                 const char *notice,
                 gpointer    data)
{
  g_test_message ("notice: %s", notice);
  (*(guint *) data)++;
}

/* A chat longer than the tiny model's 512 tokens: the oldest messages are left out of
 * the prompt, and the user is told. */
static void
test_long_chat_is_told (void)
{
  SprigWindow *win = open_window ();
  SprigChat *chat = sprig_window_get_chat (win);
  guint notices = 0;
  gulong handler;
  int turns = 0;

  gtk_widget_activate_action (GTK_WIDGET (win), "win.new-chat", NULL);
  sprig_test_spin (100);
  sprig_chat_set_max_tokens (chat, 150);
  handler = g_signal_connect (chat, "notice", G_CALLBACK (count_notice_cb), &notices);
  while (notices == 0 && turns < 8)
    {
      send_text (win, "Tell me more, at length.");
      sprig_test_wait_for (not_generating, chat, "a turn");
      turns++;
    }
  g_signal_handler_disconnect (chat, handler);
  g_test_message ("told after %d turns", turns);
  g_assert_cmpuint (notices, ==, 1);
  g_assert_cmpint (turns, >=, 2);
  sprig_chat_set_max_tokens (chat, 200);
}

/* Enter sends, Shift+Enter is a new line (the composer's key handler, as a key press). */
static void
test_composer_keys (void)
{
  SprigWindow *win = open_window ();
  SprigChat *chat = sprig_window_get_chat (win);
  GtkWidget *view = sprig_test_find_type (GTK_WIDGET (win), SPRIG_TYPE_CHAT_VIEW);
  GtkWidget *text_view = find_styled (view, GTK_TYPE_TEXT_VIEW, "sprig-composer-text");
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (text_view));
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (text_view);
  GtkEventController *keys = NULL;
  guint n = g_list_model_get_n_items (sprig_chat_get_messages (chat));
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers) && keys == NULL; i++)
    {
      g_autoptr(GtkEventController) c = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (c) &&
          gtk_event_controller_get_propagation_phase (c) == GTK_PHASE_CAPTURE)
        keys = c;
    }
  g_assert_nonnull (keys);
  gtk_text_buffer_set_text (buffer, "Keys?", -1);
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_Return, 0, GDK_SHIFT_MASK, &handled);
  g_assert_false (handled);
  g_assert_false (sprig_chat_get_generating (chat));
  g_signal_emit_by_name (keys, "key-pressed", GDK_KEY_Return, 0, 0, &handled);
  g_assert_true (handled);
  g_assert_true (sprig_chat_get_generating (chat));
  g_assert_cmpuint (g_list_model_get_n_items (sprig_chat_get_messages (chat)), ==, n + 2);
  sprig_test_wait_for (not_generating, chat, "the reply");
  g_assert_cmpstr (sprig_message_item_get_content (message_at (chat, n)), ==, "Keys?");
}

/* A conversation with Markdown, written through the store, for the screenshots. */
static gint64
add_markdown_conversation (SprigStore *store)
{
  static const char *reply =
    "<think>The user wants a C example and a comparison of the models.</think>\n\n"
    "Here is a **minimal** program in C; `puts` adds the newline:\n\n"
    "```c\n#include <stdio.h>\n\nint\nmain (void)\n{\n  puts (\"Hello from Sprig\");\n"
    "  return 0;\n}\n```\n\n"
    "| Model | Parameters | Bits per weight |\n|---|---|---|\n"
    "| Bonsai 8B | 8 billion | 1 |\n| Bonsai 1.7B | 1.7 billion | 1 |\n\n"
    "- Runs *offline*, on this computer\n- Streams the reply token by token\n\n"
    "> Nothing you write leaves it.";
  g_autoptr(SprigConversation) conv = sprig_conversation_new ();
  g_autoptr(SprigMessage) user = NULL;
  g_autoptr(SprigMessage) assistant = NULL;
  g_autoptr(SprigMessageItem) split = sprig_message_item_new (SPRIG_MESSAGE_ROLE_ASSISTANT, NULL);
  GAsyncResult *result = NULL;
  gint64 id;

  sprig_message_item_append_raw (split, reply, strlen (reply), NULL, NULL);
  user = sprig_message_new (SPRIG_MESSAGE_ROLE_USER,
                            "Show me hello world in C, and compare the Bonsai models.");
  assistant = sprig_message_new (SPRIG_MESSAGE_ROLE_ASSISTANT,
                                 sprig_message_item_get_content (split));
  assistant->reasoning = g_strdup (sprig_message_item_get_reasoning (split));
  assistant->completion_tokens = 96;
  assistant->tokens_per_second = 41.7;
  conv->title = g_strdup ("Hello world in C");

  sprig_store_create_conversation_async (store, conv, NULL, sprig_test_result_cb, &result);
  id = sprig_test_await_id (store, &result, sprig_store_create_conversation_finish);
  user->conversation_id = id;
  sprig_store_append_message_async (store, user, NULL, sprig_test_result_cb, &result);
  assistant->parent_id = sprig_test_await_id (store, &result, sprig_store_append_message_finish);
  assistant->conversation_id = id;
  sprig_store_append_message_async (store, assistant, NULL, sprig_test_result_cb, &result);
  g_assert_cmpint (sprig_test_await_id (store, &result, sprig_store_append_message_finish), >, 0);
  return id;
}

static void
test_screenshots (void)
{
  SprigWindow *win = open_window ();
  AdwStyleManager *style = adw_style_manager_get_default ();
  SprigSidebar *sidebar =
    SPRIG_SIDEBAR (sprig_test_find_type (GTK_WIDGET (win), SPRIG_TYPE_SIDEBAR));
  gint64 id = add_markdown_conversation (sprig_window_get_store (win));
  GtkWidget *code;

  sprig_sidebar_refresh (sidebar);
  activate_conversation (win, id);
  /* the model's "no chat template" toast goes after 8 s; keep it out of the pictures */
  sprig_test_spin (8500);
  sprig_test_wait_for (messages_loaded, GUINT_TO_POINTER (2), "the Markdown conversation");
  sprig_test_spin (300);
  code = sprig_test_find_type (GTK_WIDGET (win), g_type_from_name ("SprigCodeBlock"));
  g_assert_nonnull (code);
  g_assert_nonnull (sprig_test_find_type (GTK_WIDGET (win), GTK_TYPE_GRID));
  g_assert_nonnull (sprig_test_find_type (GTK_WIDGET (win), GTK_TYPE_EXPANDER));
  screenshot ("markdown");

  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  screenshot ("markdown-dark");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);

  gtk_window_set_default_size (GTK_WINDOW (win), 400, 720);
  sprig_test_spin (300);
  screenshot ("narrow");
  gtk_widget_activate_action (GTK_WIDGET (win), "win.show-sidebar", NULL);
  screenshot ("narrow-sidebar");
  gtk_window_set_default_size (GTK_WINDOW (win), 960, 720);
}

/* Every icon-only button under @root that is shown has a tooltip; counts them. */
static guint
check_icon_buttons (GtkWidget *root,
                    GString   *missing)
{
  guint n = 0;
  const char *icon = NULL;

  if (!gtk_widget_get_visible (root))
    return 0;
  if (GTK_IS_BUTTON (root) && gtk_button_get_label (GTK_BUTTON (root)) == NULL)
    icon = gtk_button_get_icon_name (GTK_BUTTON (root));
  else if (GTK_IS_MENU_BUTTON (root) && gtk_menu_button_get_label (GTK_MENU_BUTTON (root)) == NULL)
    icon = gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (root));
  if (icon != NULL)
    {
      n++;
      if (gtk_widget_get_tooltip_text (root) == NULL)
        g_string_append_printf (missing, " %s(%s)", G_OBJECT_TYPE_NAME (root), icon);
    }
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    n += check_icon_buttons (c, missing);
  return n;
}

static void
test_icon_buttons_explained (void)
{
  SprigWindow *win = open_window ();
  g_autoptr(GString) missing = g_string_new (NULL);
  guint n = check_icon_buttons (GTK_WIDGET (win), missing);

  g_test_message ("%u icon-only buttons shown", n);
  g_assert_cmpuint (n, >, 10);
  g_assert_cmpstr (missing->str, ==, "");
}

static guint
count_rows (GtkWidget *root)
{
  guint n = SPRIG_IS_MESSAGE_ROW (root) ? 1 : 0;

  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    n += count_rows (c);
  return n;
}

typedef struct
{
  GtkAdjustment *adj;
  int step;
  int n_steps;
} Scroll;

static gboolean
scroll_step_cb (gpointer data)
{
  Scroll *s = data;

  /* upwards a third of a screen per frame: a quick fling, about 20 screens a second */
  s->step++;
  gtk_adjustment_set_value (s->adj, gtk_adjustment_get_value (s->adj)
                                    - gtk_adjustment_get_page_size (s->adj) / 3);
  return s->step < s->n_steps ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
scroll_done (gpointer data)
{
  Scroll *s = data;

  return s->step >= s->n_steps;
}

/* 2,000 messages: the list builds rows only around what is on screen, and flinging through
 * all of it never stalls the main loop long. */
static void
test_long_conversation (void)
{
  SprigWindow *win = open_window ();
  SprigStore *store = sprig_window_get_store (win);
  SprigSidebar *sidebar =
    SPRIG_SIDEBAR (sprig_test_find_type (GTK_WIDGET (win), SPRIG_TYPE_SIDEBAR));
  GtkWidget *view = sprig_test_find_type (GTK_WIDGET (win), SPRIG_TYPE_CHAT_VIEW);
  GtkWidget *scroller = gtk_widget_get_ancestor (sprig_test_find_type (view, GTK_TYPE_LIST_VIEW),
                                                 GTK_TYPE_SCROLLED_WINDOW);
  g_autoptr(SprigConversation) conv = sprig_conversation_new ();
  GAsyncResult *result = NULL;
  Meter meter = { 0 };
  Scroll scroll = { 0 };
  gint64 id, parent = 0, start, early = 0;
  double load_ms;
  guint tick, rows;

  conv->title = g_strdup ("Two thousand messages");
  sprig_store_create_conversation_async (store, conv, NULL, sprig_test_result_cb, &result);
  id = sprig_test_await_id (store, &result, sprig_store_create_conversation_finish);
  for (int i = 0; i < 2000; i++)
    {
      g_autofree char *text = g_strdup_printf (i % 2 == 0 ? "Question %d: what comes next?"
                                               : "Answer %d. Here is a *short* reply with "
                                                 "`code` and a second sentence to wrap.", i);
      g_autoptr(SprigMessage) msg = sprig_message_new (i % 2 == 0 ? SPRIG_MESSAGE_ROLE_USER
                                                                  : SPRIG_MESSAGE_ROLE_ASSISTANT,
                                                       text);

      msg->conversation_id = id;
      msg->parent_id = parent;
      sprig_store_append_message_async (store, msg, NULL, sprig_test_result_cb, &result);
      parent = sprig_test_await_id (store, &result, sprig_store_append_message_finish);
      if (i == 20)
        early = parent;
    }
  sprig_sidebar_refresh (sidebar);
  start = g_get_monotonic_time ();
  activate_conversation (win, id);
  sprig_test_wait_for (messages_loaded, GUINT_TO_POINTER (2000), "2,000 messages");
  load_ms = (g_get_monotonic_time () - start) / 1000.0;
  sprig_test_spin (300);
  rows = count_rows (view);
  g_test_message ("2,000 messages: loaded in %.0f ms, %u rows built", load_ms, rows);
  g_assert_cmpuint (rows, <, 300);  /* GTK 4.8 keeps about 200 around the view */

  scroll.adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  scroll.n_steps = 300;
  gtk_adjustment_set_value (scroll.adj, gtk_adjustment_get_upper (scroll.adj));
  sprig_test_spin (100);
  tick = g_timeout_add_full (G_PRIORITY_HIGH, 1, meter_tick_cb, &meter, NULL);
  g_timeout_add (16, scroll_step_cb, &scroll);
  sprig_test_wait_for (scroll_done, &scroll, "the scroll to the top");
  sprig_test_spin (100);
  g_source_remove (tick);
  g_test_message ("scrolling 100 screens of 2,000 messages: longest main-loop stall %.1f ms, "
                  "%u gaps over 16 ms, %u over 50 ms, %u ticks",
                  meter.longest / 1000.0, meter.over_16ms, meter.over_50ms, meter.ticks);
  g_assert_cmpfloat (meter.longest / 1000.0, <, 250.0);
  g_assert_cmpuint (count_rows (view), <, 300);
  screenshot ("long-conversation-scrolled");

  /* a search hit far from the end scrolls there */
  gtk_adjustment_set_value (scroll.adj, gtk_adjustment_get_upper (scroll.adj));
  sprig_test_spin (200);
  g_assert_cmpfloat (gtk_adjustment_get_value (scroll.adj), >, gtk_adjustment_get_upper (scroll.adj) / 2);
  g_signal_emit_by_name (sidebar, "search-hit-activated", id, early);
  sprig_test_spin (500);
  g_test_message ("revealed message 20 of 2,000: scrolled to %.0f of %.0f px",
                  gtk_adjustment_get_value (scroll.adj), gtk_adjustment_get_upper (scroll.adj));
  g_assert_cmpfloat (gtk_adjustment_get_value (scroll.adj), <, gtk_adjustment_get_upper (scroll.adj) / 20);
}

static char *
make_model (void)
{
  const char *argv[] = { g_getenv ("SPRIG_CLI"), "mkmodel", NULL, "--shape", "tiny", NULL };
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (tmpdir, "tiny.gguf", NULL);
  gint status = 0;

  g_assert_nonnull (argv[0]);
  argv[2] = path;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status,
                &error);
  g_assert_no_error (error);
  g_spawn_check_wait_status (status, &error);
  g_assert_no_error (error);
  return path;
}

int
main (int argc, char **argv)
{
  g_autoptr(GSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  int ret;

  /* A data folder of our own, set before GLib reads it: the store lives there. */
  tmpdir = g_dir_make_tmp ("sprig-app-chat-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("XDG_DATA_HOME", tmpdir, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  model_path = make_model ();
  settings = g_settings_new (APP_ID);
  g_settings_set_string (settings, "model-path", model_path);
  g_settings_set_int (settings, "max-reply-tokens", 200);

  the_app = sprig_application_new (APP_ID);
  g_application_register (G_APPLICATION (the_app), NULL, &error);
  g_assert_no_error (error);

  /* In order: each test goes on from the state the one before left. */
  g_test_add_func ("/sprig/app/chat/send-streams", test_send_streams);
  g_test_add_func ("/sprig/app/chat/stop-keeps-partial", test_stop_keeps_partial);
  g_test_add_func ("/sprig/app/chat/rename-and-pin", test_rename_and_pin);
  g_test_add_func ("/sprig/app/chat/delete-and-undo", test_delete_and_undo);
  g_test_add_func ("/sprig/app/chat/close-while-generating", test_close_while_generating);
  g_test_add_func ("/sprig/app/chat/restart-finds-conversation", test_restart_finds_conversation);
  g_test_add_func ("/sprig/app/chat/regenerate-and-branches", test_regenerate_and_branches);
  g_test_add_func ("/sprig/app/chat/edit-question", test_edit_question);
  g_test_add_func ("/sprig/app/chat/delete-message", test_delete_message);
  g_test_add_func ("/sprig/app/chat/second-turn-reuses-cache", test_second_turn_reuses_cache);
  g_test_add_func ("/sprig/app/chat/composer-keys", test_composer_keys);
  g_test_add_func ("/sprig/app/chat/long-chat-is-told", test_long_chat_is_told);
  g_test_add_func ("/sprig/app/chat/screenshots", test_screenshots);
  g_test_add_func ("/sprig/app/chat/long-conversation", test_long_conversation);
  g_test_add_func ("/sprig/app/chat/icon-buttons-explained", test_icon_buttons_explained);
  ret = g_test_run ();
  if (longest_stall_ms > 0)
    g_print ("# longest main-loop stall while a reply streamed: %.1f ms\n", longest_stall_ms);

  sprig_test_destroy_windows (GTK_APPLICATION (the_app));
  g_clear_object (&the_app);
  g_clear_object (&settings);
  sprig_test_spin (100);
  g_free (model_path);
  sprig_test_remove_tree (tmpdir);
  g_free (tmpdir);
  return ret;
}
