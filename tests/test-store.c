/* SPDX-License-Identifier: Apache-2.0
 *
 * Tests of SprigStore's calls: conversations, the message tree, streamed replies, soft
 * delete, full-text search (CJK and accents), tool calls and permissions, and the rule
 * that SQLite only runs on the worker thread. Failure modes live in test-store-errors.c.
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "store/store-test-util.h"

typedef struct
{
  char       *dir;
  char       *path;
  SprigStore *store;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->dir = store_test_mkdtemp ();
  f->path = g_build_filename (f->dir, "nested", "sprig.db", NULL);
  f->store = store_test_new_open (f->path);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_assert_finalize_object (f->store);
  store_test_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static GPtrArray *
list_conversations (SprigStore     *store,
                    SprigListFlags  flags)
{
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GPtrArray *list;

  sprig_store_list_conversations_async (store, flags, 0, 50, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  list = sprig_store_list_conversations_finish (store, res, &error);
  g_assert_no_error (error);
  return list;
}

static GPtrArray *
load_thread (SprigStore *store,
             gint64      conversation_id)
{
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GPtrArray *thread;

  sprig_store_load_thread_async (store, conversation_id, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  thread = sprig_store_load_thread_finish (store, res, &error);
  g_assert_no_error (error);
  return thread;
}

static gboolean
update_conversation (SprigStore              *store,
                     const SprigConversation *conv,
                     GError                 **error)
{
  g_autoptr(GAsyncResult) res = NULL;
  GAsyncResult *slot = NULL;

  sprig_store_update_conversation_async (store, conv, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  return sprig_store_update_conversation_finish (store, res, error);
}

static void
test_open_creates (Fixture       *f,
                   gconstpointer  data)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_true (g_file_test (f->path, G_FILE_TEST_IS_REGULAR));
  g_assert_null (sprig_store_get_recovered_path (f->store));
  g_assert_false (sprig_store_is_read_only (f->store));
  g_assert_cmpstr (sprig_store_get_path (f->store), ==, f->path);
  g_clear_object (&f->store);

  /* The pragmas that persist in the file: the schema version and WAL. */
  g_assert_cmpint (sqlite3_open_v2 (f->path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, SPRIG_STORE_SCHEMA_VERSION);
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "wal");
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  f->store = store_test_new_open (f->path);
}

static void
test_conversations (Fixture       *f,
                    gconstpointer  data)
{
  gint64 a = store_test_create_conversation (f->store, "First");
  gint64 b = store_test_create_conversation (f->store, "Second");
  gint64 c = store_test_create_conversation (f->store, "Third");
  g_autoptr(SprigConversation) conv = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GPtrArray) archived = NULL;
  g_autoptr(GError) error = NULL;

  store_test_append (f->store, a, 0, SPRIG_MESSAGE_ROLE_USER, "bump a");

  conv = sprig_store_get_conversation_sync (f->store, b, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (conv->title, ==, "Second");
  g_assert_cmpstr (conv->model_id, ==, "qwen3-0.6b");
  g_free (conv->title);
  conv->title = g_strdup ("Second, renamed");
  conv->pinned = TRUE;
  conv->sampling_json = g_strdup ("{\"temperature\":0.7,\"top_p\":0.9}");
  g_assert_true (update_conversation (f->store, conv, &error));
  g_assert_no_error (error);
  g_clear_pointer (&conv, sprig_conversation_free);

  conv = sprig_store_get_conversation_sync (f->store, c, &error);
  conv->archived = TRUE;
  g_assert_true (update_conversation (f->store, conv, &error));

  /* Pinned first, then most recently updated; archived ones apart. */
  list = list_conversations (f->store, SPRIG_LIST_DEFAULT);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpint (((SprigConversation *) list->pdata[0])->id, ==, b);
  g_assert_cmpstr (((SprigConversation *) list->pdata[0])->title, ==, "Second, renamed");
  g_assert_cmpstr (((SprigConversation *) list->pdata[0])->sampling_json, ==,
                   "{\"temperature\":0.7,\"top_p\":0.9}");
  g_assert_cmpint (((SprigConversation *) list->pdata[1])->id, ==, a);
  archived = list_conversations (f->store, SPRIG_LIST_ARCHIVED);
  g_assert_cmpuint (archived->len, ==, 1);
  g_assert_cmpint (((SprigConversation *) archived->pdata[0])->id, ==, c);

  /* Sampling settings must be a JSON object; a missing conversation is NOT_FOUND. */
  g_free (conv->sampling_json);
  conv->sampling_json = g_strdup ("{temperature");
  g_assert_false (update_conversation (f->store, conv, &error));
  g_assert_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_INVALID);
  g_clear_error (&error);
  conv->id = 9999;
  g_assert_false (update_conversation (f->store, conv, &error));
  g_assert_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_NOT_FOUND);
}

static void
set_active_leaf (SprigStore *store,
                 gint64      conversation_id,
                 gint64      message_id,
                 GError    **error)
{
  g_autoptr(GAsyncResult) res = NULL;
  GAsyncResult *slot = NULL;

  sprig_store_set_active_leaf_async (store, conversation_id, message_id, NULL, store_test_cb,
                                     &slot);
  res = store_test_wait (&slot);
  sprig_store_set_active_leaf_finish (store, res, error);
}

static void
assert_thread (SprigStore  *store,
               gint64       conversation_id,
               const char **expected)
{
  g_autoptr(GPtrArray) thread = load_thread (store, conversation_id);

  g_assert_cmpuint (thread->len, ==, g_strv_length ((char **) expected));
  for (guint i = 0; i < thread->len; i++)
    g_assert_cmpstr (((SprigMessage *) thread->pdata[i])->content, ==, expected[i]);
}

static void
test_message_tree (Fixture       *f,
                   gconstpointer  data)
{
  gint64 conv = store_test_create_conversation (f->store, "Tree");
  gint64 other = store_test_create_conversation (f->store, "Other");
  gint64 q1 = store_test_append (f->store, conv, 0, SPRIG_MESSAGE_ROLE_USER, "question");
  gint64 a1 = store_test_append (f->store, conv, q1, SPRIG_MESSAGE_ROLE_ASSISTANT, "answer one");
  const char *first[] = { "question", "answer one", NULL };
  const char *second[] = { "question", "answer two", NULL };
  const char *edited[] = { "edited question", NULL };
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;
  gint64 a2, q2;

  assert_thread (f->store, conv, first);
  /* Regenerating makes a sibling of the first answer, and the new one is shown. */
  a2 = store_test_append (f->store, conv, q1, SPRIG_MESSAGE_ROLE_ASSISTANT, "answer two");
  assert_thread (f->store, conv, second);
  /* Editing the question makes a sibling root. */
  q2 = store_test_append (f->store, conv, 0, SPRIG_MESSAGE_ROLE_USER, "edited question");
  assert_thread (f->store, conv, edited);
  set_active_leaf (f->store, conv, a1, &error);
  g_assert_no_error (error);
  assert_thread (f->store, conv, first);
  set_active_leaf (f->store, other, a1, &error);
  g_assert_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  all = sprig_store_list_messages_sync (f->store, conv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 4);
  g_assert_cmpint (((SprigMessage *) all->pdata[2])->id, ==, a2);
  g_assert_cmpint (((SprigMessage *) all->pdata[2])->parent_id, ==, q1);
  g_assert_cmpint (((SprigMessage *) all->pdata[3])->id, ==, q2);
  g_assert_cmpint (((SprigMessage *) all->pdata[3])->parent_id, ==, 0);

  /* A parent from another conversation, or no conversation at all, is refused. */
  g_assert_cmpint (store_test_append_full (f->store, other, a1, SPRIG_MESSAGE_ROLE_USER, "x",
                                           &error), ==, -1);
  g_assert_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (store_test_append_full (f->store, 4242, 0, SPRIG_MESSAGE_ROLE_USER, "x",
                                           &error), ==, -1);
  g_assert_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_NOT_FOUND);
}

static void
test_streaming (Fixture       *f,
                gconstpointer  data)
{
  gint64 conv = store_test_create_conversation (f->store, "Stream");
  gint64 q = store_test_append (f->store, conv, 0, SPRIG_MESSAGE_ROLE_USER, "tell me");
  gint64 reply = store_test_begin_reply (f->store, conv, q);
  g_autoptr(SprigMessage) msg = NULL;
  g_autoptr(GError) error = NULL;

  /* A long interval, so that only the explicit flush and the finish commit. */
  sprig_store_set_commit_interval (f->store, 60 * 1000);
  msg = sprig_store_get_message_sync (f->store, reply, &error);
  g_assert_no_error (error);
  g_assert_cmpint (msg->status, ==, SPRIG_MESSAGE_STATUS_STREAMING);
  g_assert_cmpstr (msg->content, ==, "");
  g_clear_pointer (&msg, sprig_message_free);

  g_assert_true (sprig_store_stream_append (f->store, reply, "Hello", "thinking", &error));
  g_assert_true (sprig_store_stream_append (f->store, reply, ", world", NULL, &error));
  g_assert_true (_sprig_store_flush_sync (f->store, &error));
  g_assert_no_error (error);
  msg = sprig_store_get_message_sync (f->store, reply, &error);
  g_assert_cmpstr (msg->content, ==, "Hello, world");
  g_assert_cmpstr (msg->reasoning, ==, "thinking");
  g_assert_cmpint (msg->status, ==, SPRIG_MESSAGE_STATUS_STREAMING);
  g_clear_pointer (&msg, sprig_message_free);

  g_assert_true (sprig_store_stream_append (f->store, reply, "!", NULL, &error));
  g_assert_true (store_test_finish_reply (f->store, reply, SPRIG_MESSAGE_STATUS_COMPLETE, &error));
  g_assert_no_error (error);
  msg = sprig_store_get_message_sync (f->store, reply, &error);
  g_assert_cmpstr (msg->content, ==, "Hello, world!");
  g_assert_cmpint (msg->status, ==, SPRIG_MESSAGE_STATUS_COMPLETE);
  g_assert_cmpint (msg->prompt_tokens, ==, 12);
  g_assert_cmpint (msg->completion_tokens, ==, 34);
  g_assert_cmpfloat (msg->tokens_per_second, ==, 25.25);
  g_assert_cmpfloat (msg->first_token_ms, ==, 84.5);
  g_assert_cmpstr (msg->backend, ==, "cpu");
  g_assert_cmpstr (msg->model_id, ==, "qwen3-0.6b");

  /* Once finished, the reply no longer takes text. */
  g_assert_false (sprig_store_stream_append (f->store, reply, "late", NULL, &error));
  g_assert_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_INVALID);
}

static void
test_streaming_interval (Fixture       *f,
                         gconstpointer  data)
{
  gint64 conv = store_test_create_conversation (f->store, "Interval");
  gint64 reply = store_test_begin_reply (f->store, conv, 0);
  g_autoptr(SprigMessage) msg = NULL;
  g_autoptr(GError) error = NULL;

  /* The worker commits on its own once the interval has passed; poll until it has. */
  sprig_store_set_commit_interval (f->store, 20);
  g_assert_true (sprig_store_stream_append (f->store, reply, "tick", NULL, &error));
  for (int i = 0; i < 500; i++)
    {
      g_clear_pointer (&msg, sprig_message_free);
      msg = sprig_store_get_message_sync (f->store, reply, &error);
      g_assert_no_error (error);
      if (g_str_equal (msg->content, "tick"))
        break;
      g_usleep (10 * 1000);
    }
  g_assert_cmpstr (msg->content, ==, "tick");
}

static void
test_interrupted_on_open (Fixture       *f,
                          gconstpointer  data)
{
  gint64 conv = store_test_create_conversation (f->store, "Interrupted");
  gint64 reply = store_test_begin_reply (f->store, conv, 0);
  g_autoptr(SprigMessage) msg = NULL;
  g_autoptr(GError) error = NULL;

  sprig_store_set_commit_interval (f->store, 60 * 1000);
  g_assert_true (sprig_store_stream_append (f->store, reply, "partial text", NULL, &error));
  /* Closing never finishes the reply, but still commits what was buffered. */
  g_assert_finalize_object (f->store);
  f->store = store_test_new_open (f->path);
  msg = sprig_store_get_message_sync (f->store, reply, &error);
  g_assert_no_error (error);
  g_assert_cmpint (msg->status, ==, SPRIG_MESSAGE_STATUS_INTERRUPTED);
  g_assert_cmpstr (msg->content, ==, "partial text");
}

static gint64
run_int_call (SprigStore *store,
              void (*start) (SprigStore *, GCancellable *, GAsyncReadyCallback, gpointer),
              gint64 (*finish) (SprigStore *, GAsyncResult *, GError **))
{
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  gint64 value;

  start (store, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  value = finish (store, res, &error);
  g_assert_no_error (error);
  return value;
}

static void
test_soft_delete (Fixture       *f,
                  gconstpointer  data)
{
  gint64 a = store_test_create_conversation (f->store, "Keep me");
  gint64 b = store_test_create_conversation (f->store, "Delete me");
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  gint64 purged;

  store_test_append (f->store, a, 0, SPRIG_MESSAGE_ROLE_USER, "kept");
  store_test_append (f->store, b, 0, SPRIG_MESSAGE_ROLE_USER, "doomed");
  sprig_store_delete_conversation_async (f->store, b, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  g_assert_true (sprig_store_delete_conversation_finish (f->store, res, &error));
  g_clear_object (&res);
  list = list_conversations (f->store, SPRIG_LIST_DEFAULT);
  g_assert_cmpuint (list->len, ==, 1);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = list_conversations (f->store, SPRIG_LIST_DELETED);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpint (((SprigConversation *) list->pdata[0])->deleted_at, >, 0);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* Undo. */
  sprig_store_restore_conversation_async (f->store, b, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  g_assert_true (sprig_store_restore_conversation_finish (f->store, res, &error));
  g_clear_object (&res);
  list = list_conversations (f->store, SPRIG_LIST_DEFAULT);
  g_assert_cmpuint (list->len, ==, 2);

  /* Delete all is soft too; purge then removes the rows and their messages. */
  g_assert_cmpint (run_int_call (f->store, sprig_store_delete_all_async,
                                 sprig_store_delete_all_finish), ==, 2);
  g_assert_cmpint (sprig_store_count_messages_sync (f->store, NULL), ==, 2);
  sprig_store_purge_deleted_async (f->store, g_get_real_time (), NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  purged = sprig_store_purge_deleted_finish (f->store, res, &error);
  g_assert_no_error (error);
  g_assert_cmpint (purged, ==, 2);
  g_assert_cmpint (sprig_store_count_messages_sync (f->store, NULL), ==, 0);
}

static GPtrArray *
search (SprigStore *store,
        const char *query)
{
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  GPtrArray *hits;

  sprig_store_search_async (store, query, 20, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  hits = sprig_store_search_finish (store, res, &error);
  g_assert_no_error (error);
  return hits;
}

static void
assert_search (SprigStore *store,
               const char *query,
               guint       expected_hits,
               gint64      first_message)
{
  g_autoptr(GPtrArray) hits = search (store, query);

  g_test_message ("search “%s”: %u hits", query, hits->len);
  g_assert_cmpuint (hits->len, ==, expected_hits);
  if (expected_hits > 0)
    g_assert_cmpint (((SprigSearchHit *) hits->pdata[0])->message_id, ==, first_message);
}

static gint64
delete_message (SprigStore *store,
                gint64      message_id,
                GError    **error)
{
  g_autoptr(GAsyncResult) res = NULL;
  GAsyncResult *slot = NULL;

  sprig_store_delete_message_async (store, message_id, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  return sprig_store_delete_message_finish (store, res, error);
}

static void
test_delete_message (Fixture       *f,
                     gconstpointer  data)
{
  gint64 conv = store_test_create_conversation (f->store, "Prune");
  gint64 q1 = store_test_append (f->store, conv, 0, SPRIG_MESSAGE_ROLE_USER, "question");
  gint64 a1 = store_test_append (f->store, conv, q1, SPRIG_MESSAGE_ROLE_ASSISTANT, "unloved");
  gint64 a2 = store_test_append (f->store, conv, q1, SPRIG_MESSAGE_ROLE_ASSISTANT, "kept");
  gint64 q3 = store_test_append (f->store, conv, a2, SPRIG_MESSAGE_ROLE_USER, "follow-up");
  gint64 a3 = store_test_append (f->store, conv, q3, SPRIG_MESSAGE_ROLE_ASSISTANT, "deep");
  const char *full[] = { "question", "kept", "follow-up", "deep", NULL };
  const char *pruned[] = { "question", "kept", NULL };
  const char *none[] = { NULL };
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GError) error = NULL;

  /* A branch the conversation does not show goes; the shown one stays, and so does the
   * index: the deleted text is no longer found. */
  assert_thread (f->store, conv, full);
  g_assert_cmpint (delete_message (f->store, a1, &error), ==, a3);
  g_assert_no_error (error);
  assert_thread (f->store, conv, full);
  assert_search (f->store, "unloved", 0, 0);

  /* Deleting inside the shown branch takes its replies along and shows what is left. */
  g_assert_cmpint (delete_message (f->store, q3, &error), ==, a2);
  assert_thread (f->store, conv, pruned);
  all = sprig_store_list_messages_sync (f->store, conv, &error);
  g_assert_cmpuint (all->len, ==, 2);
  g_clear_pointer (&all, g_ptr_array_unref);
  g_assert_null (sprig_store_get_message_sync (f->store, a3, &error));
  g_assert_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* The first message: the conversation is empty, but still there. */
  g_assert_cmpint (delete_message (f->store, q1, &error), ==, 0);
  g_assert_no_error (error);
  assert_thread (f->store, conv, none);
  all = sprig_store_list_messages_sync (f->store, conv, &error);
  g_assert_cmpuint (all->len, ==, 0);
  g_assert_cmpint (delete_message (f->store, q1, &error), ==, -1);
  g_assert_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_NOT_FOUND);
}

static void
test_search (Fixture       *f,
             gconstpointer  data)
{
  gint64 zh = store_test_create_conversation (f->store, "中文对话");
  gint64 fr = store_test_create_conversation (f->store, "Recette française");
  gint64 m_zh = store_test_append (f->store, zh, 0, SPRIG_MESSAGE_ROLE_USER,
                                   "我们讨论了智慧密度的概念和它的意义。");
  gint64 m_fr = store_test_append (f->store, fr, 0, SPRIG_MESSAGE_ROLE_ASSISTANT,
                                   "L'efficacité de cette méthode est prouvée.");
  g_autoptr(GPtrArray) hits = NULL;

  assert_search (f->store, "智慧密度", 1, m_zh);
  assert_search (f->store, "efficacité", 1, m_fr);
  assert_search (f->store, "ficacit", 1, m_fr);
  assert_search (f->store, "EFFICACITÉ", 1, m_fr);
  assert_search (f->store, "méthode prouvée", 1, m_fr);
  assert_search (f->store, "méthode absente", 0, 0);
  assert_search (f->store, "智慧", 1, m_zh);  /* shorter than a trigram: LIKE fallback */
  assert_search (f->store, "\"quoted AND (syntax", 0, 0);
  assert_search (f->store, "   ", 0, 0);

  /* Titles come first, with a message id of 0; snippets carry match markers. */
  hits = search (f->store, "française");
  g_assert_cmpuint (hits->len, ==, 1);
  g_assert_cmpint (((SprigSearchHit *) hits->pdata[0])->conversation_id, ==, fr);
  g_assert_cmpint (((SprigSearchHit *) hits->pdata[0])->message_id, ==, 0);
  g_assert_cmpstr (((SprigSearchHit *) hits->pdata[0])->snippet, ==,
                   "Recette " SPRIG_STORE_MATCH_START "française" SPRIG_STORE_MATCH_END);
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = search (f->store, "密度");
  g_assert_nonnull (strstr (((SprigSearchHit *) hits->pdata[0])->snippet, "智慧密度"));
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = search (f->store, "智慧密度");
  g_assert_nonnull (strstr (((SprigSearchHit *) hits->pdata[0])->snippet,
                            SPRIG_STORE_MATCH_START "智慧密度" SPRIG_STORE_MATCH_END));
}

static void
test_search_follows_edits (Fixture       *f,
                           gconstpointer  data)
{
  gint64 conv = store_test_create_conversation (f->store, "Edits");
  gint64 reply = store_test_begin_reply (f->store, conv, 0);
  g_autoptr(GAsyncResult) res = NULL;
  GAsyncResult *slot = NULL;

  /* Streamed text is indexed as it is committed, and deleted chats drop out. */
  g_assert_true (sprig_store_stream_append (f->store, reply, "photosynthesis", NULL, NULL));
  g_assert_true (_sprig_store_flush_sync (f->store, NULL));
  assert_search (f->store, "synthesis", 1, reply);
  g_assert_true (store_test_finish_reply (f->store, reply, SPRIG_MESSAGE_STATUS_COMPLETE, NULL));
  sprig_store_delete_conversation_async (f->store, conv, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  g_assert_true (sprig_store_delete_conversation_finish (f->store, res, NULL));
  assert_search (f->store, "synthesis", 0, 0);
}

static void
test_tools (Fixture       *f,
            gconstpointer  data)
{
  gint64 conv = store_test_create_conversation (f->store, "Tools");
  gint64 reply = store_test_append (f->store, conv, 0, SPRIG_MESSAGE_ROLE_ASSISTANT, "");
  g_autoptr(SprigToolCall) call = sprig_tool_call_new ("call-1", "get_time", "{\"tz\":\"UTC\"}");
  g_autoptr(SprigMessage) msg = NULL;
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  SprigToolCall *loaded;
  gint64 call_id;

  call->status = g_strdup ("running");
  sprig_store_add_tool_call_async (f->store, reply, call, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  call_id = sprig_store_add_tool_call_finish (f->store, res, &error);
  g_assert_no_error (error);
  g_clear_object (&res);
  msg = sprig_store_get_message_sync (f->store, reply, &error);
  g_assert_cmpstr (((SprigToolCall *) msg->tool_calls->pdata[0])->status, ==, "running");
  g_assert_null (((SprigToolCall *) msg->tool_calls->pdata[0])->result);
  g_clear_pointer (&msg, sprig_message_free);

  sprig_store_set_tool_result_async (f->store, call_id, "12:00", FALSE, "done", NULL,
                                     store_test_cb, &slot);
  res = store_test_wait (&slot);
  g_assert_true (sprig_store_set_tool_result_finish (f->store, res, &error));
  g_clear_object (&res);

  msg = sprig_store_get_message_sync (f->store, reply, &error);
  g_assert_cmpuint (msg->tool_calls->len, ==, 1);
  loaded = msg->tool_calls->pdata[0];
  g_assert_cmpint (loaded->id, ==, call_id);
  g_assert_cmpstr (loaded->name, ==, "get_time");
  g_assert_cmpstr (loaded->arguments, ==, "{\"tz\":\"UTC\"}");
  g_assert_cmpstr (loaded->result, ==, "12:00");
  g_assert_false (loaded->is_error);
  g_assert_cmpstr (loaded->status, ==, "done");
  g_clear_pointer (&msg, sprig_message_free);

  /* NULL keeps the stored status; an unknown one is refused and changes nothing. */
  sprig_store_set_tool_result_async (f->store, call_id, "12:01", TRUE, NULL, NULL,
                                     store_test_cb, &slot);
  res = store_test_wait (&slot);
  g_assert_true (sprig_store_set_tool_result_finish (f->store, res, &error));
  g_clear_object (&res);
  sprig_store_set_tool_result_async (f->store, call_id, "oops", FALSE, "exploded", NULL,
                                     store_test_cb, &slot);
  res = store_test_wait (&slot);
  g_assert_false (sprig_store_set_tool_result_finish (f->store, res, &error));
  g_assert_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_object (&res);
  msg = sprig_store_get_message_sync (f->store, reply, &error);
  loaded = msg->tool_calls->pdata[0];
  g_assert_cmpstr (loaded->result, ==, "12:01");
  g_assert_true (loaded->is_error);
  g_assert_cmpstr (loaded->status, ==, "done");

  g_free (call->status);
  call->status = g_strdup ("Done");
  sprig_store_add_tool_call_async (f->store, reply, call, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  g_assert_cmpint (sprig_store_add_tool_call_finish (f->store, res, &error), ==, -1);
  g_assert_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_object (&res);
  g_clear_pointer (&call->status, g_free);

  sprig_store_add_tool_call_async (f->store, 777, call, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  g_assert_cmpint (sprig_store_add_tool_call_finish (f->store, res, &error), ==, -1);
  g_assert_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_NOT_FOUND);
}

static SprigToolDecision
get_permission (SprigStore *store,
                const char *tool,
                const char *hash)
{
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;
  SprigToolDecision decision;

  sprig_store_get_tool_permission_async (store, tool, hash, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  decision = sprig_store_get_tool_permission_finish (store, res, &error);
  g_assert_no_error (error);
  return decision;
}

static void
set_permission (SprigStore       *store,
                const char       *tool,
                const char       *hash,
                SprigToolDecision decision)
{
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  sprig_store_set_tool_permission_async (store, tool, hash, decision, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  g_assert_true (sprig_store_set_tool_permission_finish (store, res, &error));
  g_assert_no_error (error);
}

static void
test_tool_permissions (Fixture       *f,
                       gconstpointer  data)
{
  g_assert_cmpint (get_permission (f->store, "shell", "h1"), ==, SPRIG_TOOL_DECISION_ASK);
  set_permission (f->store, "shell", "h1", SPRIG_TOOL_DECISION_ALLOW);
  set_permission (f->store, "web", "h1", SPRIG_TOOL_DECISION_DENY);
  g_assert_cmpint (get_permission (f->store, "shell", "h1"), ==, SPRIG_TOOL_DECISION_ALLOW);
  g_assert_cmpint (get_permission (f->store, "web", "h1"), ==, SPRIG_TOOL_DECISION_DENY);
  /* A changed definition (new hash) asks again. */
  g_assert_cmpint (get_permission (f->store, "shell", "h2"), ==, SPRIG_TOOL_DECISION_ASK);
  set_permission (f->store, "shell", "h1", SPRIG_TOOL_DECISION_ASK);
  g_assert_cmpint (get_permission (f->store, "shell", "h1"), ==, SPRIG_TOOL_DECISION_ASK);
}

static void
test_worker_thread_only (Fixture       *f,
                         gconstpointer  data)
{
  guint on = 0, off = 0;
  gint64 conv, reply;
  g_autoptr(GPtrArray) hits = NULL;

  _sprig_store_set_thread_audit (f->store, TRUE);
  conv = store_test_create_conversation (f->store, "Audit");
  store_test_append (f->store, conv, 0, SPRIG_MESSAGE_ROLE_USER, "audited");
  reply = store_test_begin_reply (f->store, conv, 0);
  g_assert_true (sprig_store_stream_append (f->store, reply, "chunk", NULL, NULL));
  g_assert_true (store_test_finish_reply (f->store, reply, SPRIG_MESSAGE_STATUS_COMPLETE, NULL));
  hits = search (f->store, "audited");
  g_assert_cmpuint (hits->len, ==, 1);
  _sprig_store_get_thread_audit (f->store, &on, &off);
  g_test_message ("statements on the worker: %u, elsewhere: %u", on, off);
  g_assert_cmpuint (on, >=, 6);
  g_assert_cmpuint (off, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/sprig/store/open-creates", test_open_creates);
  ADD ("/sprig/store/conversations", test_conversations);
  ADD ("/sprig/store/message-tree", test_message_tree);
  ADD ("/sprig/store/delete-message", test_delete_message);
  ADD ("/sprig/store/streaming", test_streaming);
  ADD ("/sprig/store/streaming-interval", test_streaming_interval);
  ADD ("/sprig/store/interrupted-on-open", test_interrupted_on_open);
  ADD ("/sprig/store/soft-delete", test_soft_delete);
  ADD ("/sprig/store/search", test_search);
  ADD ("/sprig/store/search-follows-edits", test_search_follows_edits);
  ADD ("/sprig/store/tool-calls", test_tools);
  ADD ("/sprig/store/tool-permissions", test_tool_permissions);
  ADD ("/sprig/store/worker-thread-only", test_worker_thread_only);
#undef ADD

  return g_test_run ();
}
