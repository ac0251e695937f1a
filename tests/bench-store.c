/* SPDX-License-Identifier: Apache-2.0
 *
 * Store benchmark (meson benchmark, never part of the test run): fills a database with
 * 10,000 conversations and 1,000,000 messages in one transaction, then times opening,
 * listing the 50 most recent conversations, full-text searches and streamed chunks.
 * It prints numbers; it asserts nothing about time. SPRIG_BENCH_SCALE=0.1 makes it small.
 */
#include "config.h"

#include <stdlib.h>

#include "store/store-test-util.h"

static const char *const syllables[] = {
  "ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "pe", "da", "gu", "ho", "ji", "ze", "wa",
  "qui", "ster", "bren", "mont", "ax", "el", "or", "un", "is", "at",
};

static void
append_word (GString *text,
             GRand   *rand)
{
  int n = g_rand_int_range (rand, 1, 4);

  for (int i = 0; i < n; i++)
    g_string_append (text, syllables[g_rand_int_range (rand, 0, G_N_ELEMENTS (syllables))]);
}

static void
make_content (GString *text,
              GRand   *rand,
              guint    index)
{
  int words = g_rand_int_range (rand, 6, 22);

  g_string_truncate (text, 0);
  for (int i = 0; i < words; i++)
    {
      if (i > 0)
        g_string_append_c (text, ' ');
      append_word (text, rand);
    }
  /* Rare needles with known counts: 100 and 1,000 hits in a million messages. */
  if (index % 10000 == 17)
    g_string_append (text, " 我们讨论了智慧密度。");
  if (index % 1000 == 3)
    g_string_append (text, " l'efficacité");
}

static void
exec_or_die (sqlite3    *db,
             const char *sql)
{
  char *msg = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    g_error ("%s: %s", sql, msg);
}

static void
restore_triggers (sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;

  sqlite3_prepare_v2 (db, "SELECT sql FROM saved_triggers", -1, &stmt, NULL);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    exec_or_die (db, (const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
}

static void
fill (const char *path,
      guint       conversations,
      guint       per_conversation)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(GString) text = g_string_new (NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *conv_stmt = NULL, *msg_stmt = NULL, *leaf_stmt = NULL;
  gint64 now = g_get_real_time () - (gint64) conversations * per_conversation * 1000;
  guint index = 0;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  /* Bulk load: index the text once at the end instead of row by row (the triggers come
   * back unchanged afterwards). */
  exec_or_die (db, "PRAGMA synchronous = OFF; PRAGMA cache_size = -524288;"
                   "CREATE TEMP TABLE saved_triggers AS SELECT sql FROM sqlite_schema "
                   "  WHERE type = 'trigger' AND name LIKE 'messages_fts_%';"
                   "DROP TRIGGER messages_fts_insert; DROP TRIGGER messages_fts_delete;"
                   "DROP TRIGGER messages_fts_update; BEGIN");
  sqlite3_prepare_v2 (db, "INSERT INTO conversations (title, created_at, updated_at, pinned, "
                          "model_id) VALUES (?1, ?2, ?2, ?3, 'qwen3-0.6b')", -1, &conv_stmt, NULL);
  sqlite3_prepare_v2 (db, "INSERT INTO messages (conversation_id, parent_id, role, content, "
                          "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)", -1,
                      &msg_stmt, NULL);
  sqlite3_prepare_v2 (db, "UPDATE conversations SET active_leaf_id = ?2, updated_at = ?3 "
                          "WHERE id = ?1", -1, &leaf_stmt, NULL);
  for (guint c = 0; c < conversations; c++)
    {
      gint64 conv_id, parent = 0;

      g_string_printf (text, "Conversation %u about ", c);
      append_word (text, rand);
      sqlite3_bind_text (conv_stmt, 1, text->str, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (conv_stmt, 2, now);
      sqlite3_bind_int (conv_stmt, 3, c % 500 == 0);
      g_assert_cmpint (sqlite3_step (conv_stmt), ==, SQLITE_DONE);
      sqlite3_reset (conv_stmt);
      conv_id = sqlite3_last_insert_rowid (db);
      for (guint m = 0; m < per_conversation; m++, index++)
        {
          make_content (text, rand, index);
          sqlite3_bind_int64 (msg_stmt, 1, conv_id);
          if (parent != 0)
            sqlite3_bind_int64 (msg_stmt, 2, parent);
          else
            sqlite3_bind_null (msg_stmt, 2);
          sqlite3_bind_text (msg_stmt, 3, m % 2 ? "assistant" : "user", -1, SQLITE_STATIC);
          sqlite3_bind_text (msg_stmt, 4, text->str, (int) text->len, SQLITE_TRANSIENT);
          sqlite3_bind_int64 (msg_stmt, 5, now += 1000);
          g_assert_cmpint (sqlite3_step (msg_stmt), ==, SQLITE_DONE);
          sqlite3_reset (msg_stmt);
          parent = sqlite3_last_insert_rowid (db);
        }
      sqlite3_bind_int64 (leaf_stmt, 1, conv_id);
      sqlite3_bind_int64 (leaf_stmt, 2, parent);
      sqlite3_bind_int64 (leaf_stmt, 3, now);
      g_assert_cmpint (sqlite3_step (leaf_stmt), ==, SQLITE_DONE);
      sqlite3_reset (leaf_stmt);
    }
  exec_or_die (db, "INSERT INTO messages_fts (messages_fts) VALUES ('rebuild'); COMMIT;");
  restore_triggers (db);
  exec_or_die (db, "PRAGMA wal_checkpoint (TRUNCATE)");
  sqlite3_finalize (conv_stmt);
  sqlite3_finalize (msg_stmt);
  sqlite3_finalize (leaf_stmt);
  sqlite3_close (db);
}

static int
cmp_double (gconstpointer a,
            gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
report (const char *what,
        GArray     *ms)
{
  g_array_sort (ms, cmp_double);
  g_print ("%-44s median %8.3f ms   min %8.3f   p95 %8.3f   max %8.3f   (n=%u)\n", what,
           g_array_index (ms, double, ms->len / 2), g_array_index (ms, double, 0),
           g_array_index (ms, double, ms->len * 95 / 100), g_array_index (ms, double, ms->len - 1),
           ms->len);
}

static double
ms_since (gint64 start)
{
  return (double) (g_get_monotonic_time () - start) / 1000.0;
}

static void
bench_open (const char *path)
{
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));

  for (int i = 0; i < 7; i++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(SprigStore) store = store_test_new_open (path);
      double t = ms_since (start);

      g_assert_false (sprig_store_is_read_only (store));
      g_array_append_val (ms, t);
    }
  report ("open the store (new + open_async)", ms);
}

static void
bench_list (SprigStore *store)
{
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));

  for (int i = 0; i < 30; i++)
    {
      g_autoptr(GAsyncResult) res = NULL;
      g_autoptr(GPtrArray) list = NULL;
      GAsyncResult *slot = NULL;
      gint64 start = g_get_monotonic_time ();
      double t;

      sprig_store_list_conversations_async (store, SPRIG_LIST_DEFAULT, 0, 50, NULL,
                                            store_test_cb, &slot);
      res = store_test_wait (&slot);
      list = sprig_store_list_conversations_finish (store, res, NULL);
      t = ms_since (start);
      g_assert_cmpuint (list->len, ==, 50);
      g_array_append_val (ms, t);
    }
  report ("list the 50 most recent conversations", ms);
}

static void
bench_search (SprigStore *store,
              const char *query)
{
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *label = NULL;
  guint hits_len = 0;

  for (int i = 0; i < 9; i++)
    {
      g_autoptr(GAsyncResult) res = NULL;
      g_autoptr(GPtrArray) hits = NULL;
      GAsyncResult *slot = NULL;
      gint64 start = g_get_monotonic_time ();
      double t;

      sprig_store_search_async (store, query, 50, NULL, store_test_cb, &slot);
      res = store_test_wait (&slot);
      hits = sprig_store_search_finish (store, res, NULL);
      t = ms_since (start);
      hits_len = hits->len;
      g_array_append_val (ms, t);
    }
  label = g_strdup_printf ("search “%s” (%u hits shown)", query, hits_len);
  report (label, ms);
}

static void
bench_stream (SprigStore *store)
{
  g_autoptr(GArray) handed = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) committed = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) appended = g_array_new (FALSE, FALSE, sizeof (double));
  gint64 conv = store_test_create_conversation (store, "Benchmark stream");
  gint64 user = 0, reply;

  for (int i = 0; i < 50; i++)
    {
      gint64 start = g_get_monotonic_time ();
      double t;

      user = store_test_append (store, conv, user, SPRIG_MESSAGE_ROLE_USER, "a user message");
      t = ms_since (start);
      g_array_append_val (appended, t);
    }
  reply = store_test_begin_reply (store, conv, user);
  sprig_store_set_commit_interval (store, 60 * 1000);
  for (int i = 0; i < 300; i++)
    {
      gint64 start = g_get_monotonic_time ();
      double t;

      g_assert_true (sprig_store_stream_append (store, reply, " a streamed chunk of text", NULL,
                                                NULL));
      t = ms_since (start);
      g_array_append_val (handed, t);
      /* The commit the worker makes once per interval, forced and waited for. */
      start = g_get_monotonic_time ();
      g_assert_true (_sprig_store_flush_sync (store, NULL));
      t = ms_since (start);
      g_array_append_val (committed, t);
    }
  report ("append a user message (committed)", appended);
  report ("stream a chunk: stream_append call", handed);
  report ("stream a chunk: commit to disk (flush_sync)", committed);
  g_assert_true (store_test_finish_reply (store, reply, SPRIG_MESSAGE_STATUS_COMPLETE, NULL));
}

int
main (int   argc,
      char *argv[])
{
  const char *scale_env = g_getenv ("SPRIG_BENCH_SCALE");
  double scale = scale_env != NULL ? g_ascii_strtod (scale_env, NULL) : 1.0;
  guint conversations = (guint) (10000 * scale);
  const char *keep = g_getenv ("SPRIG_BENCH_DB");  /* reuse (or keep) a filled database */
  g_autofree char *dir = store_test_mkdtemp ();
  g_autofree char *path = g_build_filename (keep != NULL ? keep : dir, "sprig.db", NULL);
  g_autoptr(SprigStore) store = NULL;
  gint64 start;
  GStatBuf st;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      store = store_test_new_open (path);
      g_clear_object (&store);
      start = g_get_monotonic_time ();
      fill (path, conversations, 100);
      g_stat (path, &st);
      g_print ("filled %u conversations, %u messages in %.1f s (%.0f MB)\n", conversations,
               conversations * 100, ms_since (start) / 1000, (double) st.st_size / 1e6);
    }

  bench_open (path);
  store = store_test_new_open (path);
  bench_list (store);
  bench_search (store, "智慧密度");
  bench_search (store, "efficacité");
  bench_search (store, "brenmont quister");
  bench_search (store, "Conversation 4242");
  bench_stream (store);
  g_assert_finalize_object (g_steal_pointer (&store));
  store_test_rmdir (dir);
  return 0;
}
