/* SPDX-License-Identifier: Apache-2.0
 *
 * Tool calls in the app, end to end: the demo model (trained to call `calculator` for
 * arithmetic) runs in a real window with the real tools plugin, tool host and built-in
 * calculator. A call waits for the user; Deny reaches the model as a refusal; Allow
 * Once runs it once; Stop while a card waits ends the turn; the conversation's Tools
 * switch keeps the tools out of the prompt; read-only built-ins run unasked only when
 * Preferences says so; Always Allow persists across a restart of the window, and a
 * tool whose definition changed asks again.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "sprig-application.h"
#include "sprig-chat-view.h"
#include "sprig-message-item.h"
#include "sprig-test-ui.h"
#include "sprig-tool-card.h"
#include "sprig-window.h"

#define QUESTION "What is 417 * 23?"

static SprigApplication *the_app;
static char *tmpdir;

static SprigWindow *
window (void)
{
  return SPRIG_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (the_app)));
}

static gboolean
chat_shown (gpointer data)
{
  GtkWidget *view;

  if (window () == NULL)
    return FALSE;
  view = sprig_test_find_type (GTK_WIDGET (window ()), SPRIG_TYPE_CHAT_VIEW);
  return view != NULL && gtk_widget_get_mapped (view);
}

static SprigChat *
start_window (void)
{
  SprigChat *chat;

  g_application_activate (G_APPLICATION (the_app));
  sprig_test_wait_for (chat_shown, NULL, "the demo model to load");
  chat = sprig_window_get_chat (window ());
  sprig_chat_set_max_tokens (chat, 96);
  return chat;
}

static void
new_chat (void)
{
  gtk_widget_activate_action (GTK_WIDGET (window ()), "win.new-chat", NULL);
  sprig_test_spin (50);
}

static gboolean
not_generating (gpointer chat)
{
  return !sprig_chat_get_generating (chat);
}

/* The card of the first tool message shown, or NULL. */
static SprigToolCallItem *
first_call (SprigChat *chat)
{
  GListModel *messages = sprig_chat_get_messages (chat);

  for (guint i = 0; i < g_list_model_get_n_items (messages); i++)
    {
      g_autoptr(SprigMessageItem) item = g_list_model_get_item (messages, i);

      if (sprig_message_item_get_role (item) == SPRIG_MESSAGE_ROLE_TOOL &&
          sprig_message_item_get_tool_call (item) != NULL)
        return sprig_message_item_get_tool_call (item);
    }
  return NULL;
}

static gboolean
call_in_state (gpointer data)
{
  SprigChat *chat = data;
  SprigToolCallItem *call = first_call (chat);
  SprigToolCallState wanted = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (chat), "wanted"));

  return call != NULL && sprig_tool_call_item_get_state (call) == wanted;
}

static SprigToolCallItem *
wait_for_call (SprigChat          *chat,
               SprigToolCallState  state,
               const char         *what)
{
  g_object_set_data (G_OBJECT (chat), "wanted", GINT_TO_POINTER (state));
  sprig_test_wait_for (call_in_state, chat, what);
  return first_call (chat);
}

/* Records every state a call passes through. */
static void
state_seen_cb (SprigToolCallItem *call,
               GParamSpec        *pspec,
               GString           *seen)
{
  g_string_append_printf (seen, "%s ",
                          sprig_tool_call_state_to_string (sprig_tool_call_item_get_state (call)));
}

/* Watches every call that joins the chat from now on (they join QUEUED). */
static void
items_changed_cb (GListModel *messages,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GString    *seen)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(SprigMessageItem) item = g_list_model_get_item (messages, i);
      SprigToolCallItem *call = sprig_message_item_get_tool_call (item);

      if (call != NULL && sprig_tool_call_item_get_state (call) == SPRIG_TOOL_CALL_QUEUED)
        g_signal_connect (call, "notify::state", G_CALLBACK (state_seen_cb), seen);
    }
}

static gulong
watch_calls (SprigChat *chat,
             GString   *seen)
{
  return g_signal_connect (sprig_chat_get_messages (chat), "items-changed",
                           G_CALLBACK (items_changed_cb), seen);
}

/* The messages after the question: reply with the call, the tool result, the answer. */
static void
assert_round_trip (SprigChat          *chat,
                   SprigToolCallState  state)
{
  GListModel *messages = sprig_chat_get_messages (chat);
  g_autoptr(SprigMessageItem) question = g_list_model_get_item (messages, 0);
  g_autoptr(SprigMessageItem) asked = g_list_model_get_item (messages, 1);
  g_autoptr(SprigMessageItem) result = g_list_model_get_item (messages, 2);
  g_autoptr(SprigMessageItem) answer = g_list_model_get_item (messages, 3);
  GPtrArray *calls = sprig_message_item_get_tool_calls (asked);

  g_assert_cmpuint (g_list_model_get_n_items (messages), ==, 4);
  g_assert_cmpstr (sprig_message_item_get_content (question), ==, QUESTION);
  g_assert_nonnull (calls);
  g_assert_cmpuint (calls->len, ==, 1);
  g_assert_cmpstr (sprig_tool_call_item_get_name (g_ptr_array_index (calls, 0)), ==, "calculator");
  /* the model's call is a card, not text in the answer */
  g_assert_null (strstr (sprig_message_item_get_content (asked), "<tool_call>"));
  g_assert_cmpint (sprig_message_item_get_role (result), ==, SPRIG_MESSAGE_ROLE_TOOL);
  g_assert_true (sprig_message_item_get_tool_call (result) == g_ptr_array_index (calls, 0));
  g_assert_cmpint (sprig_tool_call_item_get_state (g_ptr_array_index (calls, 0)), ==, state);
  g_assert_cmpint (sprig_message_item_get_role (answer), ==, SPRIG_MESSAGE_ROLE_ASSISTANT);
  g_assert_cmpint (sprig_message_item_get_status (answer), ==, SPRIG_MESSAGE_STATUS_COMPLETE);
  /* each message answers the one before: the answer was generated after the result */
  g_assert_cmpint (sprig_message_item_get_parent_id (answer), ==,
                   sprig_message_item_get_id (result));
  g_assert_cmpint (sprig_message_item_get_parent_id (result), ==,
                   sprig_message_item_get_id (asked));
  g_test_message ("answer: %s", sprig_message_item_get_content (answer));
}

/* What the store keeps of the conversation: the tool message and the call's status. */
static void
assert_stored (SprigChat  *chat,
               const char *status,
               const char *content)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = sprig_store_list_messages_sync (sprig_window_get_store (window ()),
                                                             sprig_chat_get_conversation_id (chat),
                                                             &error);
  gboolean found_call = FALSE, found_result = FALSE;

  g_assert_no_error (error);
  for (guint i = 0; i < all->len; i++)
    {
      SprigMessage *msg = g_ptr_array_index (all, i);

      for (guint j = 0; j < msg->tool_calls->len; j++)
        {
          SprigToolCall *call = g_ptr_array_index (msg->tool_calls, j);

          g_assert_cmpstr (call->name, ==, "calculator");
          g_assert_cmpstr (call->status, ==, status);
          found_call = TRUE;
        }
      if (msg->role == SPRIG_MESSAGE_ROLE_TOOL)
        {
          if (content != NULL)
            g_assert_cmpstr (msg->content, ==, content);
          found_result = TRUE;
        }
    }
  g_assert_true (found_call);
  g_assert_true (found_result);
}

static gboolean
is_deny_button (GtkWidget     *widget,
                gconstpointer  data)
{
  return GTK_IS_BUTTON (widget) && gtk_widget_is_drawable (widget) &&
         g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), "_Deny") == 0;
}

static void
test_waits_then_deny (void)
{
  SprigChat *chat = start_window ();
  SprigToolCallItem *call;
  GtkWidget *card, *deny;

  new_chat ();
  sprig_chat_send (chat, QUESTION);
  call = wait_for_call (chat, SPRIG_TOOL_CALL_WAITING, "the calculator call to ask");
  g_assert_cmpstr (sprig_tool_call_item_get_name (call), ==, "calculator");
  g_assert_cmpstr (sprig_tool_call_item_get_title (call), ==, "Calculator");
  g_assert_true (sprig_tool_call_item_get_read_only (call));
  /* nothing runs while the user has not answered */
  sprig_test_spin (500);
  g_assert_cmpint (sprig_tool_call_item_get_state (call), ==, SPRIG_TOOL_CALL_WAITING);
  g_assert_true (sprig_chat_get_generating (chat));

  card = sprig_test_find_type (GTK_WIDGET (window ()), SPRIG_TYPE_TOOL_CARD);
  g_assert_nonnull (card);
  sprig_test_screenshot (GTK_WIDGET (window ()), "tools-waiting");
  deny = sprig_test_find (card, is_deny_button, NULL);
  g_assert_nonnull (deny);
  g_signal_emit_by_name (deny, "clicked");

  sprig_test_wait_for (not_generating, chat, "the answer after the refusal");
  assert_round_trip (chat, SPRIG_TOOL_CALL_DENIED);
  g_assert_cmpstr (sprig_tool_call_item_get_result (call), ==, "The user denied this tool call.");
  assert_stored (chat, "denied", "The user denied this tool call.");
  sprig_test_screenshot (GTK_WIDGET (window ()), "tools-denied");
}

static void
test_allow_once (void)
{
  SprigChat *chat = sprig_window_get_chat (window ());
  SprigToolCallItem *call;

  new_chat ();
  sprig_chat_send (chat, QUESTION);
  call = wait_for_call (chat, SPRIG_TOOL_CALL_WAITING, "the calculator call to ask");
  g_assert_true (sprig_tool_call_item_answer (call, SPRIG_TOOL_ANSWER_ALLOW_ONCE, NULL));
  sprig_test_wait_for (not_generating, chat, "the answer after the result");
  assert_round_trip (chat, SPRIG_TOOL_CALL_DONE);
  /* the calculator's own answer to the numbers the model copied from the question */
  g_assert_nonnull (strstr (sprig_tool_call_item_get_result (call), "\"result\""));
  g_assert_nonnull (strstr (sprig_tool_call_item_get_result (call), "9591"));
  assert_stored (chat, "done", sprig_tool_call_item_get_result (call));
  sprig_test_screenshot (GTK_WIDGET (window ()), "tools-done");

  /* once is once: the next call asks again */
  new_chat ();
  sprig_chat_send (chat, QUESTION);
  call = wait_for_call (chat, SPRIG_TOOL_CALL_WAITING, "the second call to ask again");
  g_assert_true (sprig_tool_call_item_answer (call, SPRIG_TOOL_ANSWER_DENY, NULL));
  sprig_test_wait_for (not_generating, chat, "the turn to end");
}

static void
test_edited_arguments (void)
{
  SprigChat *chat = sprig_window_get_chat (window ());
  SprigToolCallItem *call;

  new_chat ();
  sprig_chat_send (chat, QUESTION);
  call = wait_for_call (chat, SPRIG_TOOL_CALL_WAITING, "the calculator call to ask");
  g_assert_false (sprig_tool_call_item_answer (call, SPRIG_TOOL_ANSWER_ALLOW_ONCE, "[1]"));
  /* other numbers than the question's (the model copies those): what runs is the edit */
  g_assert_true (sprig_tool_call_item_answer (call, SPRIG_TOOL_ANSWER_ALLOW_ONCE,
                                              "{\n  \"expression\": \"400 * 23\"\n}"));
  sprig_test_wait_for (not_generating, chat, "the answer after the edited call");
  assert_round_trip (chat, SPRIG_TOOL_CALL_DONE);
  g_assert_true (sprig_tool_call_item_get_edited (call));
  g_assert_cmpstr (sprig_tool_call_item_get_arguments (call), ==, "{\"expression\":\"400 * 23\"}");
  /* the model is told what really ran, and gets that product */
  g_assert_nonnull (strstr (sprig_tool_call_item_get_result (call), "changed the arguments"));
  g_assert_nonnull (strstr (sprig_tool_call_item_get_result (call), "9200"));
}

static void
test_stop_while_waiting (void)
{
  SprigChat *chat = sprig_window_get_chat (window ());
  SprigToolCallItem *call;
  GListModel *messages = sprig_chat_get_messages (chat);

  new_chat ();
  sprig_chat_send (chat, QUESTION);
  call = wait_for_call (chat, SPRIG_TOOL_CALL_WAITING, "the calculator call to ask");
  sprig_chat_stop (chat);
  sprig_test_wait_for (not_generating, chat, "the turn to stop");
  g_assert_cmpint (sprig_tool_call_item_get_state (call), ==, SPRIG_TOOL_CALL_CANCELLED);
  /* question, reply with the call, its (cancelled) result; no answer after it */
  g_assert_cmpuint (g_list_model_get_n_items (messages), ==, 3);
  /* a late click changes nothing */
  g_assert_false (sprig_tool_call_item_answer (call, SPRIG_TOOL_ANSWER_ALLOW_ONCE, NULL));
  assert_stored (chat, "cancelled", NULL);
}

static void
test_tools_off_for_conversation (void)
{
  SprigChat *chat = sprig_window_get_chat (window ());
  g_autoptr(SprigConversation) edited = NULL;
  GListModel *messages = sprig_chat_get_messages (chat);

  new_chat ();
  edited = sprig_conversation_copy (sprig_chat_get_conversation (chat));
  g_free (edited->sampling_json);
  edited->sampling_json = g_strdup ("{\"tools\": false}");
  sprig_chat_update_settings (chat, edited);
  sprig_chat_send (chat, QUESTION);
  sprig_test_wait_for (not_generating, chat, "the answer without tools");
  /* no tools in the prompt: no call runs, whatever the model writes */
  g_assert_null (first_call (chat));
  g_assert_cmpuint (g_list_model_get_n_items (messages), ==, 2);
}

static void
test_read_only_builtin_unasked (void)
{
  SprigChat *chat = sprig_window_get_chat (window ());
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GString) seen = g_string_new (NULL);
  gulong id;

  g_settings_set_boolean (settings, "run-read-only-tools", TRUE);
  new_chat ();
  id = watch_calls (chat, seen);
  sprig_chat_send (chat, QUESTION);
  sprig_test_wait_for (not_generating, chat, "the answer");
  g_signal_handler_disconnect (sprig_chat_get_messages (chat), id);
  g_assert_cmpstr (seen->str, ==, "running done ");
  assert_round_trip (chat, SPRIG_TOOL_CALL_DONE);
  g_settings_reset (settings, "run-read-only-tools");
}

/* Permissions are keyed by the definition's digest: an "Always Allow" given for another
 * version of the calculator does not cover this one. */
static void
test_changed_definition_asks (void)
{
  SprigChat *chat = sprig_window_get_chat (window ());
  SprigStore *store = sprig_window_get_store (window ());
  g_autoptr(GAsyncResult) res = NULL;
  SprigToolCallItem *call;

  sprig_store_set_tool_permission_async (store, "builtin:calculator",
                                         "0000000000000000000000000000000000000000000000000000000000000000",
                                         SPRIG_TOOL_DECISION_ALLOW, NULL, sprig_test_result_cb, &res);
  sprig_test_await_result (&res);
  new_chat ();
  sprig_chat_send (chat, QUESTION);
  call = wait_for_call (chat, SPRIG_TOOL_CALL_WAITING, "the call to ask despite an old permission");
  g_assert_true (sprig_tool_call_item_answer (call, SPRIG_TOOL_ANSWER_DENY, NULL));
  sprig_test_wait_for (not_generating, chat, "the turn to end");
}

static void
test_always_allow_persists (void)
{
  SprigChat *chat = sprig_window_get_chat (window ());
  g_autoptr(GString) seen = g_string_new (NULL);
  SprigToolCallItem *call;
  gulong id;

  new_chat ();
  sprig_chat_send (chat, QUESTION);
  call = wait_for_call (chat, SPRIG_TOOL_CALL_WAITING, "the call to ask");
  g_assert_true (sprig_tool_call_item_answer (call, SPRIG_TOOL_ANSWER_ALWAYS_ALLOW, NULL));
  sprig_test_wait_for (not_generating, chat, "the answer");
  assert_round_trip (chat, SPRIG_TOOL_CALL_DONE);

  /* a restart: a new window with its own store connection, toolbox and tool host */
  sprig_test_destroy_windows (GTK_APPLICATION (the_app));
  chat = start_window ();
  new_chat ();
  id = watch_calls (chat, seen);
  sprig_chat_send (chat, QUESTION);
  sprig_test_wait_for (not_generating, chat, "the answer after the restart");
  g_signal_handler_disconnect (sprig_chat_get_messages (chat), id);
  g_assert_cmpstr (seen->str, ==, "running done ");
  assert_round_trip (chat, SPRIG_TOOL_CALL_DONE);
}

/* A conversation with tool calls reads back from the store with its cards. */
static void
test_reload_shows_cards (void)
{
  SprigChat *chat = sprig_window_get_chat (window ());
  gint64 id = sprig_chat_get_conversation_id (chat);
  GListModel *messages = sprig_chat_get_messages (chat);

  new_chat ();
  sprig_chat_set_conversation (chat, id);
  sprig_test_wait_for ((SprigTestCondition) first_call, chat, "the conversation to load");
  assert_round_trip (chat, SPRIG_TOOL_CALL_DONE);
  g_assert_cmpuint (g_list_model_get_n_items (messages), ==, 4);
  g_assert_nonnull (strstr (sprig_tool_call_item_get_result (first_call (chat)), "\"result\""));
}

static gboolean
no_window (gpointer data)
{
  return gtk_application_get_active_window (GTK_APPLICATION (the_app)) == NULL;
}

/* Closing the window while a card waits: the call is stopped and stored as such, the
 * turn ends, the window goes; the next start shows the conversation as it was left. */
static void
test_close_while_waiting (void)
{
  SprigChat *chat = sprig_window_get_chat (window ());
  g_autoptr(SprigToolCallItem) call = NULL;
  gint64 id;

  new_chat ();
  sprig_chat_send (chat, QUESTION);
  call = g_object_ref (wait_for_call (chat, SPRIG_TOOL_CALL_WAITING, "the call to ask"));
  id = sprig_chat_get_conversation_id (chat);
  g_assert_cmpint (id, >, 0);
  gtk_window_close (GTK_WINDOW (window ()));
  sprig_test_wait_for (no_window, NULL, "the window to close");
  g_assert_cmpint (sprig_tool_call_item_get_state (call), ==, SPRIG_TOOL_CALL_CANCELLED);

  chat = start_window ();
  sprig_chat_set_conversation (chat, id);
  sprig_test_wait_for ((SprigTestCondition) first_call, chat, "the conversation to load");
  g_assert_cmpint (sprig_tool_call_item_get_state (first_call (chat)), ==,
                   SPRIG_TOOL_CALL_CANCELLED);
  g_assert_cmpuint (g_list_model_get_n_items (sprig_chat_get_messages (chat)), ==, 3);
  assert_stored (chat, "cancelled", NULL);
}

/* A plugin the user added whose "calculator" segfaults: only its tool host goes down.
 * The card says so, the model reads it, the chat goes on; the next call starts a new
 * host; the built-ins, in a host of their own, never notice. */
static void
test_crashing_plugin (void)
{
  SprigChat *chat = sprig_window_get_chat (window ());
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  const char *module = g_getenv ("SPRIG_TEST_CRASH_CALC_TOOL");
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "sprig", "tools", NULL);
  g_autofree char *link = g_build_filename (dir, "crashy.so", NULL);
  g_autofree char *key_file = g_build_filename (dir, "crashy.plugin", NULL);
  const char *enabled[] = { "clock", "crashy", NULL };
  g_autoptr(GError) error = NULL;
  SprigToolCallItem *call;

  g_assert_nonnull (module);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_cmpint (symlink (module, link), ==, 0);
  g_file_set_contents (key_file,
                       "[Sprig Tool]\nName=Crashy\nDescription=Crashes\nModule=crashy.so\n"
                       "ReadOnly=true\nPermissions=\n", -1, &error);
  g_assert_no_error (error);
  /* the built-in calculator off, so that the model's "calculator" is the plugin's */
  g_settings_set_strv (settings, "enabled-tool-plugins", enabled);

  for (guint round = 0; round < 2; round++)
    {
      new_chat ();
      sprig_chat_send (chat, QUESTION);
      call = wait_for_call (chat, SPRIG_TOOL_CALL_WAITING, "the plugin's call to ask");
      g_assert_cmpstr (sprig_tool_call_item_get_source (call), ==, "Plugin “Crashy”");
      g_assert_true (sprig_tool_call_item_answer (call, SPRIG_TOOL_ANSWER_ALLOW_ONCE, NULL));
      sprig_test_wait_for (not_generating, chat, "the answer after the crash");
      g_test_message ("result: %s", sprig_tool_call_item_get_result (call));
      assert_round_trip (chat, SPRIG_TOOL_CALL_FAILED);
      g_assert_nonnull (strstr (sprig_tool_call_item_get_result (call), "crashed"));
      g_assert_nonnull (strstr (sprig_tool_call_item_get_result (call), "Segmentation fault"));
      assert_stored (chat, "failed", NULL);
    }
  sprig_test_screenshot (GTK_WIDGET (window ()), "tools-crashed");

  g_settings_reset (settings, "enabled-tool-plugins");
  g_unlink (key_file);
  g_unlink (link);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data_home = NULL;
  const char *model = g_getenv ("SPRIG_TEST_DEMO_MODEL");
  g_autoptr(GSettings) settings = NULL;
  int ret;

  tmpdir = g_dir_make_tmp ("sprig-app-tools-XXXXXX", &error);
  g_assert_no_error (error);
  data_home = g_build_filename (tmpdir, "data", NULL);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  if (model == NULL || !g_file_test (model, G_FILE_TEST_IS_REGULAR))
    {
      g_test_skip ("the demo model (data/models/sprig-demo.gguf) is not in the tree");
      return 0;
    }
  settings = g_settings_new (APP_ID);
  g_settings_set_string (settings, "model-path", model);
  g_settings_set_double (settings, "temperature", 0.0);  /* greedy: the same call each run */

  the_app = sprig_application_new (APP_ID);
  g_application_register (G_APPLICATION (the_app), NULL, &error);
  g_assert_no_error (error);
  g_test_add_func ("/sprig/app/tools/waits-then-deny", test_waits_then_deny);
  g_test_add_func ("/sprig/app/tools/allow-once", test_allow_once);
  g_test_add_func ("/sprig/app/tools/edited-arguments", test_edited_arguments);
  g_test_add_func ("/sprig/app/tools/stop-while-waiting", test_stop_while_waiting);
  g_test_add_func ("/sprig/app/tools/close-while-waiting", test_close_while_waiting);
  g_test_add_func ("/sprig/app/tools/off-for-conversation", test_tools_off_for_conversation);
  g_test_add_func ("/sprig/app/tools/read-only-builtin-unasked", test_read_only_builtin_unasked);
  g_test_add_func ("/sprig/app/tools/changed-definition-asks", test_changed_definition_asks);
  g_test_add_func ("/sprig/app/tools/always-allow-persists", test_always_allow_persists);
  g_test_add_func ("/sprig/app/tools/reload-shows-cards", test_reload_shows_cards);
  g_test_add_func ("/sprig/app/tools/crashing-plugin", test_crashing_plugin);
  ret = g_test_run ();

  sprig_test_destroy_windows (GTK_APPLICATION (the_app));
  g_clear_object (&the_app);
  sprig_test_remove_tree (tmpdir);
  g_free (tmpdir);
  return ret;
}
