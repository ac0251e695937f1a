/* SPDX-License-Identifier: Apache-2.0
 *
 * Schema migration tests: every tests/store/vN.sql fixture (a database as an older Sprig
 * left it) is opened by the store, must end up structurally identical to a fresh
 * database, keep its data, and leave a backup; a newer schema is refused untouched.
 */
#include "config.h"

#include "store/store-test-util.h"

static void
load_fixture (const char *db_path,
              int         version,
              const char *extra_sql)
{
  g_autofree char *name = g_strdup_printf ("v%d.sql", version);
  g_autofree char *fixture = g_test_build_filename (G_TEST_DIST, "store", name, NULL);
  g_autofree char *sql = NULL;
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;
  char *msg = NULL;

  g_assert_true (g_file_get_contents (fixture, &sql, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  sqlite3_exec (db, sql, NULL, NULL, &msg);
  g_assert_null (msg);
  if (extra_sql != NULL)
    {
      sqlite3_exec (db, extra_sql, NULL, NULL, &msg);
      g_assert_null (msg);
    }
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

static char *
query_text (const char *db_path,
            const char *sql)
{
  g_autoptr(GString) out = g_string_new (NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      for (int i = 0; i < sqlite3_column_count (stmt); i++)
        g_string_append_printf (out, "%s%s", i ? "|" : "",
                                (const char *) sqlite3_column_text (stmt, i) ?: "NULL");
      g_string_append_c (out, '\n');
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The structure of a database: every schema object with its SQL, and the version. */
static char *
schema_of (const char *db_path)
{
  g_autofree char *objects = query_text (db_path, "SELECT type, name, tbl_name, sql "
                                                  "FROM sqlite_schema ORDER BY type, name");
  g_autofree char *version = query_text (db_path, "PRAGMA user_version");

  return g_strconcat (objects, "user_version=", version, NULL);
}

static char *
fresh_schema (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "fresh.db", NULL);
  g_autoptr(SprigStore) store = store_test_new_open (path);

  g_clear_object (&store);
  return schema_of (path);
}

static void
test_fixtures_cover_every_version (void)
{
  for (int v = 1; v <= SPRIG_STORE_SCHEMA_VERSION; v++)
    {
      g_autofree char *name = g_strdup_printf ("v%d.sql", v);
      g_autofree char *path = g_test_build_filename (G_TEST_DIST, "store", name, NULL);

      g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
    }
}

/* The columns of messages at v1: later steps add more, which the comparisons skip. */
#define V1_COLUMNS \
  "id, conversation_id, parent_id, role, status, content, reasoning, error, model_id, " \
  "created_at, updated_at, prompt_tokens, completion_tokens, prompt_per_second, " \
  "tokens_per_second"

static void
test_migrate_v1_v2 (void)
{
  g_autofree char *dir = store_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "sprig.db", NULL);
  g_autofree char *backup = g_strconcat (path, ".v1.bak", NULL);
  g_autofree char *fresh = fresh_schema (dir);
  g_autofree char *migrated = NULL;
  g_autofree char *before = NULL;
  g_autofree char *kept = NULL;
  g_autoptr(SprigStore) store = NULL;
  g_autoptr(SprigMessage) msg = NULL;
  g_autoptr(GError) error = NULL;

  load_fixture (path, 1, NULL);
  before = query_text (path, "SELECT " V1_COLUMNS " FROM messages ORDER BY id");
  migrated = schema_of (path);
  g_assert_cmpstr (migrated, !=, fresh);
  g_clear_pointer (&migrated, g_free);

  store = store_test_new_open (path);
  msg = sprig_store_get_message_sync (store, 4, &error);
  g_assert_no_error (error);
  /* A reply left streaming by the old version is now interrupted, its text intact. */
  g_assert_cmpint (msg->status, ==, SPRIG_MESSAGE_STATUS_INTERRUPTED);
  g_assert_cmpstr (msg->content, ==, "重新生成的回答");
  g_assert_finalize_object (g_steal_pointer (&store));

  migrated = schema_of (path);
  g_assert_cmpstr (migrated, ==, fresh);

  /* The backup is the untouched v1 file; rows survived, save the recovered status. */
  g_assert_true (g_file_test (backup, G_FILE_TEST_IS_REGULAR));
  kept = query_text (backup, "SELECT " V1_COLUMNS " FROM messages ORDER BY id");
  g_assert_cmpstr (kept, ==, before);
  g_free (kept);
  kept = query_text (backup, "PRAGMA user_version");
  g_assert_cmpstr (kept, ==, "1\n");
  g_free (kept);
  kept = query_text (path, "SELECT " V1_COLUMNS " FROM messages WHERE id != 4 ORDER BY id");
  g_free (before);
  before = query_text (backup, "SELECT " V1_COLUMNS " FROM messages WHERE id != 4 ORDER BY id");
  g_assert_cmpstr (kept, ==, before);
  store_test_rmdir (dir);
}

/* v2 to v3 adds the first-token time and the backend; old replies read as unknown. */
static void
test_migrate_v2_v3 (void)
{
  g_autofree char *dir = store_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "sprig.db", NULL);
  g_autofree char *backup = g_strconcat (path, ".v2.bak", NULL);
  g_autofree char *fresh = fresh_schema (dir);
  g_autofree char *migrated = NULL;
  g_autoptr(SprigStore) store = NULL;
  g_autoptr(SprigMessage) msg = NULL;
  g_autoptr(GError) error = NULL;

  load_fixture (path, 2, NULL);
  store = store_test_new_open (path);
  msg = sprig_store_get_message_sync (store, 6, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (msg->content, ==, "Son efficacité dépend du modèle.");
  g_assert_cmpfloat (msg->tokens_per_second, ==, 30);
  g_assert_cmpfloat (msg->first_token_ms, ==, 0);
  g_assert_null (msg->backend);
  g_assert_cmpuint (msg->tool_calls->len, ==, 1);
  g_assert_finalize_object (g_steal_pointer (&store));
  migrated = schema_of (path);
  g_assert_cmpstr (migrated, ==, fresh);
  g_assert_true (g_file_test (backup, G_FILE_TEST_IS_REGULAR));
  store_test_rmdir (dir);
}

/* v3 to v4 adds a status per tool call: old calls read as unknown (NULL), new ones keep
 * theirs, and the CHECK holds the same list as sprig_tool_call_status_is_valid(). */
static void
test_migrate_v3_v4 (void)
{
  g_autofree char *dir = store_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "sprig.db", NULL);
  g_autofree char *backup = g_strconcat (path, ".v3.bak", NULL);
  g_autofree char *fresh = fresh_schema (dir);
  g_autofree char *migrated = NULL;
  g_autofree char *kept = NULL;
  g_autoptr(SprigStore) store = NULL;
  g_autoptr(SprigMessage) msg = NULL;
  g_autoptr(GError) error = NULL;
  SprigToolCall *call;
  sqlite3 *db = NULL;
  char *err = NULL;

  load_fixture (path, 3, NULL);
  store = store_test_new_open (path);
  msg = sprig_store_get_message_sync (store, 6, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (msg->tool_calls->len, ==, 1);
  call = msg->tool_calls->pdata[0];
  g_assert_cmpstr (call->name, ==, "get_time");
  g_assert_cmpstr (call->result, ==, "12:00");
  g_assert_null (call->status);
  g_assert_cmpfloat (msg->first_token_ms, ==, 84.5);
  g_assert_finalize_object (g_steal_pointer (&store));
  migrated = schema_of (path);
  g_assert_cmpstr (migrated, ==, fresh);
  kept = query_text (backup, "PRAGMA user_version");
  g_assert_cmpstr (kept, ==, "3\n");

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite3_exec (db, "UPDATE tool_calls SET status = 'skipped' WHERE id = 1", NULL, NULL, &err);
  g_assert_null (err);
  sqlite3_exec (db, "UPDATE tool_calls SET status = 'exploded' WHERE id = 1", NULL, NULL, &err);
  g_assert_nonnull (err);
  g_assert_nonnull (strstr (err, "CHECK"));
  sqlite3_free (err);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
  store_test_rmdir (dir);
}

static void
test_migrate_builds_index (void)
{
  g_autofree char *dir = store_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "sprig.db", NULL);
  g_autoptr(SprigStore) store = NULL;
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  /* Rows written before full-text search existed are found after the upgrade. */
  load_fixture (path, 1, NULL);
  store = store_test_new_open (path);
  sprig_store_search_async (store, "智慧密度", 10, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  hits = sprig_store_search_finish (store, res, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 2);
  g_assert_cmpint (((SprigSearchHit *) hits->pdata[0])->conversation_id, ==, 1);
  g_clear_object (&res);
  g_clear_pointer (&hits, g_ptr_array_unref);
  sprig_store_search_async (store, "efficacité", 10, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  hits = sprig_store_search_finish (store, res, &error);
  g_assert_cmpuint (hits->len, ==, 2);
  g_clear_object (&res);
  g_assert_finalize_object (g_steal_pointer (&store));
  store_test_rmdir (dir);
}

static void
test_current_version_untouched (void)
{
  g_autofree char *dir = store_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "sprig.db", NULL);
  g_autofree char *backup = g_strdup_printf ("%s.v%d.bak", path, SPRIG_STORE_SCHEMA_VERSION);
  g_autofree char *fresh = fresh_schema (dir);
  g_autofree char *schema = NULL;
  g_autoptr(SprigStore) store = NULL;
  g_autoptr(SprigMessage) msg = NULL;

  load_fixture (path, SPRIG_STORE_SCHEMA_VERSION, NULL);
  store = store_test_new_open (path);
  msg = sprig_store_get_message_sync (store, 6, NULL);
  g_assert_cmpuint (msg->tool_calls->len, ==, 2);
  g_assert_cmpstr (((SprigToolCall *) msg->tool_calls->pdata[0])->result, ==, "12:00");
  g_assert_cmpstr (((SprigToolCall *) msg->tool_calls->pdata[0])->status, ==, "done");
  g_assert_cmpstr (((SprigToolCall *) msg->tool_calls->pdata[1])->status, ==, "denied");
  g_assert_cmpstr (msg->backend, ==, "cpu");
  g_assert_cmpfloat (msg->first_token_ms, ==, 84.5);
  g_assert_finalize_object (g_steal_pointer (&store));
  schema = schema_of (path);
  g_assert_cmpstr (schema, ==, fresh);
  g_assert_false (g_file_test (backup, G_FILE_TEST_EXISTS));
  store_test_rmdir (dir);
}

static void
test_failed_migration_rolls_back (void)
{
  g_autofree char *dir = store_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "sprig.db", NULL);
  g_autoptr(SprigStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *version = NULL;
  g_autofree char *tables = NULL;

  /* A v1 file with a table in the way of step 2: the step fails as a whole. */
  load_fixture (path, 1, "CREATE TABLE tool_permissions (x);");
  store = sprig_store_new (path);
  g_assert_false (store_test_open (store, &error));
  g_assert_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "version 2"));
  g_assert_finalize_object (g_steal_pointer (&store));
  version = query_text (path, "PRAGMA user_version");
  g_assert_cmpstr (version, ==, "1\n");
  tables = query_text (path, "SELECT count(*) FROM sqlite_schema WHERE name = 'tool_calls'");
  g_assert_cmpstr (tables, ==, "0\n");
  store_test_rmdir (dir);
}

static char *
checksum_file (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
}

static void
test_newer_version_refused (void)
{
  g_autofree char *dir = store_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "sprig.db", NULL);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(SprigStore) store = NULL;
  g_autoptr(GError) error = NULL;

  load_fixture (path, SPRIG_STORE_SCHEMA_VERSION,
                "CREATE TABLE from_the_future (x); PRAGMA user_version = 99;");
  before = checksum_file (path);
  store = sprig_store_new (path);
  g_assert_false (store_test_open (store, &error));
  g_assert_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_TOO_NEW);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "newer version of Sprig"));
  g_assert_finalize_object (g_steal_pointer (&store));

  after = checksum_file (path);
  g_assert_cmpstr (after, ==, before);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
  store_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sprig/store/fixtures-cover-every-version", test_fixtures_cover_every_version);
  g_test_add_func ("/sprig/store/migrate-v1-v2", test_migrate_v1_v2);
  g_test_add_func ("/sprig/store/migrate-v2-v3", test_migrate_v2_v3);
  g_test_add_func ("/sprig/store/migrate-v3-v4", test_migrate_v3_v4);
  g_test_add_func ("/sprig/store/migrate-builds-index", test_migrate_builds_index);
  g_test_add_func ("/sprig/store/current-version-untouched", test_current_version_untouched);
  g_test_add_func ("/sprig/store/failed-migration-rolls-back", test_failed_migration_rolls_back);
  g_test_add_func ("/sprig/store/newer-version-refused", test_newer_version_refused);

  return g_test_run ();
}
