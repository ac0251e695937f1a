/* SPDX-License-Identifier: Apache-2.0
 *
 * The chat app end to end under Xvfb, with a tiny model made by `sprig-cli mkmodel` (its
 * text is nonsense): send a message and watch the reply stream into the list and the
 * store, stop a reply, rename and pin, delete and undo, close while generating, restart
 * and find everything again. Records the longest main-loop stall while a reply streams
 * and saves screenshots of the main states into the build folder.
 */
#include "config.h"

#include <stdlib.h>
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

static SprigWindow *
window (void)
{
  return SPRIG_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (the_app)));
}

static gboolean
chat_view_mapped (gpointer data)
{
  GtkWidget *view = sprig_test_find_widget (GTK_WIDGET (window ()), SPRIG_TYPE_CHAT_VIEW);

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
  GtkWidget *view = sprig_test_find_widget (GTK_WIDGET (win), SPRIG_TYPE_CHAT_VIEW);
  GtkWidget *text_view = sprig_test_find_widget (view, GTK_TYPE_TEXT_VIEW);

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
  SprigSidebar *sidebar = SPRIG_SIDEBAR (sprig_test_find_widget (GTK_WIDGET (win), SPRIG_TYPE_SIDEBAR));
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
} Meter;

static gboolean
meter_tick_cb (gpointer data)
{
  Meter *m = data;
  gint64 now = g_get_monotonic_time ();

  if (m->last != 0)
    m->longest = MAX (m->longest, now - m->last);
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
  row = sprig_test_find_widget (GTK_WIDGET (win), SPRIG_TYPE_MESSAGE_ROW);
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
  GtkWidget *view = sprig_test_find_widget (GTK_WIDGET (win), SPRIG_TYPE_CHAT_VIEW);
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
  SprigSidebar *sidebar = SPRIG_SIDEBAR (sprig_test_find_widget (GTK_WIDGET (win), SPRIG_TYPE_SIDEBAR));
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
  SprigSidebar *sidebar = SPRIG_SIDEBAR (sprig_test_find_widget (GTK_WIDGET (win), SPRIG_TYPE_SIDEBAR));
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
  SprigSidebar *sidebar = SPRIG_SIDEBAR (sprig_test_find_widget (GTK_WIDGET (win), SPRIG_TYPE_SIDEBAR));
  GtkWidget *list_view = sprig_test_find_widget (GTK_WIDGET (sidebar), GTK_TYPE_LIST_VIEW);
  GListModel *shown = G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list_view)));
  guint position = 0;

  sprig_test_wait_for (conversation_listed, GINT_TO_POINTER (id), "the conversation in the sidebar");
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
  sprig_test_wait_for (conversation_listed, GINT_TO_POINTER (first_conversation), "the first conversation");
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

  sprig_store_create_conversation_async (store, conv, NULL, sprig_test_store_result_cb, &result);
  id = sprig_test_await_id (store, &result, sprig_store_create_conversation_finish);
  user->conversation_id = id;
  sprig_store_append_message_async (store, user, NULL, sprig_test_store_result_cb, &result);
  assistant->parent_id = sprig_test_await_id (store, &result, sprig_store_append_message_finish);
  assistant->conversation_id = id;
  sprig_store_append_message_async (store, assistant, NULL, sprig_test_store_result_cb, &result);
  g_assert_cmpint (sprig_test_await_id (store, &result, sprig_store_append_message_finish), >, 0);
  return id;
}

static void
test_screenshots (void)
{
  SprigWindow *win = open_window ();
  AdwStyleManager *style = adw_style_manager_get_default ();
  SprigSidebar *sidebar = SPRIG_SIDEBAR (sprig_test_find_widget (GTK_WIDGET (win), SPRIG_TYPE_SIDEBAR));
  gint64 id = add_markdown_conversation (sprig_window_get_store (win));
  GtkWidget *code;

  sprig_sidebar_refresh (sidebar);
  activate_conversation (win, id);
  /* the model's "no chat template" toast goes after 8 s; keep it out of the pictures */
  sprig_test_spin (8500);
  sprig_test_wait_for (messages_loaded, GUINT_TO_POINTER (2), "the Markdown conversation");
  sprig_test_spin (300);
  code = sprig_test_find_widget (GTK_WIDGET (win), g_type_from_name ("SprigCodeBlock"));
  g_assert_nonnull (code);
  g_assert_nonnull (sprig_test_find_widget (GTK_WIDGET (win), GTK_TYPE_GRID));
  g_assert_nonnull (sprig_test_find_widget (GTK_WIDGET (win), GTK_TYPE_EXPANDER));
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
  g_test_add_func ("/sprig/app/chat/screenshots", test_screenshots);
  ret = g_test_run ();
  if (longest_stall_ms > 0)
    g_print ("# longest main-loop stall while a reply streamed: %.1f ms\n", longest_stall_ms);

  {
    GList *windows = gtk_application_get_windows (GTK_APPLICATION (the_app));

    while (windows != NULL)
      {
        gtk_window_destroy (windows->data);
        windows = gtk_application_get_windows (GTK_APPLICATION (the_app));
      }
    sprig_test_spin (100);
  }
  g_clear_object (&the_app);
  g_clear_object (&settings);
  sprig_test_spin (100);
  g_free (model_path);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmpdir);

    (void) system (cmd);
  }
  g_free (tmpdir);
  return ret;
}
