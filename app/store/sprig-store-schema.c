/* SPDX-License-Identifier: Apache-2.0
 *
 * Opens the database file and brings its schema to SPRIG_STORE_SCHEMA_VERSION: a newer
 * file is refused untouched, an older one is copied to a backup and migrated one step per
 * transaction, and a damaged one is moved aside (never deleted) for a fresh start.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "sprig-store-private.h"

/* Step N (index N-1) takes a database from user_version N-1 to N. Never edit a step that
 * has shipped: add a new one, and a tests/store/vN.sql fixture for it. */
static const char schema_v1[] =
  "CREATE TABLE conversations ("
  "  id INTEGER PRIMARY KEY,"
  "  title TEXT NOT NULL DEFAULT '',"
  "  created_at INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL,"
  "  pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),"
  "  archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),"
  "  deleted_at INTEGER,"
  "  model_id TEXT,"
  "  system_prompt TEXT,"
  "  sampling TEXT CHECK (sampling IS NULL OR json_valid(sampling)),"
  "  active_leaf_id INTEGER"
  ");"
  "CREATE INDEX conversations_recent"
  "  ON conversations (archived, pinned DESC, updated_at DESC, id DESC)"
  "  WHERE deleted_at IS NULL;"
  "CREATE INDEX conversations_deleted ON conversations (deleted_at)"
  "  WHERE deleted_at IS NOT NULL;"
  "CREATE TABLE messages ("
  "  id INTEGER PRIMARY KEY,"
  "  conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,"
  "  parent_id INTEGER REFERENCES messages (id) ON DELETE CASCADE,"
  "  role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),"
  "  status TEXT NOT NULL DEFAULT 'complete'"
  "    CHECK (status IN ('complete', 'streaming', 'interrupted', 'error')),"
  "  content TEXT NOT NULL DEFAULT '',"
  "  reasoning TEXT NOT NULL DEFAULT '',"
  "  error TEXT,"
  "  model_id TEXT,"
  "  created_at INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL,"
  "  prompt_tokens INTEGER NOT NULL DEFAULT 0,"
  "  completion_tokens INTEGER NOT NULL DEFAULT 0,"
  "  prompt_per_second REAL NOT NULL DEFAULT 0,"
  "  tokens_per_second REAL NOT NULL DEFAULT 0"
  ");"
  "CREATE INDEX messages_conversation ON messages (conversation_id, id);"
  "CREATE INDEX messages_parent ON messages (parent_id);"
  "CREATE INDEX messages_streaming ON messages (id) WHERE status = 'streaming';"
  /* Reserved for file and image attachments; nothing writes it yet. */
  "CREATE TABLE attachments ("
  "  id INTEGER PRIMARY KEY,"
  "  message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,"
  "  name TEXT NOT NULL,"
  "  mime_type TEXT NOT NULL,"
  "  data BLOB,"
  "  created_at INTEGER NOT NULL"
  ");"
  "CREATE INDEX attachments_message ON attachments (message_id);";

/* v2: tool calls and permissions, and trigram full-text indexes built from existing rows. */
static const char schema_v2[] =
  "CREATE TABLE tool_calls ("
  "  id INTEGER PRIMARY KEY,"
  "  message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,"
  "  position INTEGER NOT NULL,"
  "  call_id TEXT,"
  "  name TEXT NOT NULL,"
  "  arguments TEXT NOT NULL DEFAULT '{}',"
  "  result TEXT,"
  "  is_error INTEGER NOT NULL DEFAULT 0 CHECK (is_error IN (0, 1)),"
  "  created_at INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL,"
  "  UNIQUE (message_id, position)"
  ");"
  "CREATE TABLE tool_permissions ("
  "  tool_id TEXT NOT NULL,"
  "  definition_hash TEXT NOT NULL,"
  "  decision TEXT NOT NULL CHECK (decision IN ('allow', 'deny')),"
  "  decided_at INTEGER NOT NULL,"
  "  PRIMARY KEY (tool_id, definition_hash)"
  ") WITHOUT ROWID;"
  "CREATE VIRTUAL TABLE messages_fts USING fts5 ("
  "  content, content = 'messages', content_rowid = 'id', tokenize = 'trigram');"
  "CREATE VIRTUAL TABLE conversations_fts USING fts5 ("
  "  title, content = 'conversations', content_rowid = 'id', tokenize = 'trigram');"
  "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN"
  "  INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);"
  "END;"
  "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN"
  "  INSERT INTO messages_fts (messages_fts, rowid, content)"
  "    VALUES ('delete', old.id, old.content);"
  "END;"
  "CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN"
  "  INSERT INTO messages_fts (messages_fts, rowid, content)"
  "    VALUES ('delete', old.id, old.content);"
  "  INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);"
  "END;"
  "CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations BEGIN"
  "  INSERT INTO conversations_fts (rowid, title) VALUES (new.id, new.title);"
  "END;"
  "CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations BEGIN"
  "  INSERT INTO conversations_fts (conversations_fts, rowid, title)"
  "    VALUES ('delete', old.id, old.title);"
  "END;"
  "CREATE TRIGGER conversations_fts_update AFTER UPDATE OF title ON conversations BEGIN"
  "  INSERT INTO conversations_fts (conversations_fts, rowid, title)"
  "    VALUES ('delete', old.id, old.title);"
  "  INSERT INTO conversations_fts (rowid, title) VALUES (new.id, new.title);"
  "END;"
  "INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');"
  "INSERT INTO conversations_fts (conversations_fts) VALUES ('rebuild');";

/* v3: when the first token of a reply came, and which backend computed it. */
static const char schema_v3[] =
  "ALTER TABLE messages ADD COLUMN first_token_ms REAL NOT NULL DEFAULT 0;"
  "ALTER TABLE messages ADD COLUMN backend TEXT;";

/* v4: the state a tool call's card showed last (SprigToolCall.status); NULL for calls
 * stored before, which the UI shows as unknown. */
static const char schema_v4[] =
  "ALTER TABLE tool_calls ADD COLUMN status TEXT CHECK (status IS NULL OR status IN ("
  "  'queued', 'waiting', 'running', 'done', 'failed', 'denied', 'cancelled', 'skipped'));";

const char *const _sprig_store_schema_steps[] = {
  schema_v1, schema_v2, schema_v3, schema_v4, NULL
};

G_STATIC_ASSERT (G_N_ELEMENTS (_sprig_store_schema_steps) == SPRIG_STORE_SCHEMA_VERSION + 1);

static gboolean
migrate_step (SprigStoreDb *db,
              int           to_version,
              GError      **error)
{
  g_autofree char *set_version = NULL;
  gint64 current = 0;

  if (!_sprig_store_db_begin (db, error))
    return FALSE;
  /* Another process may have migrated while we waited for the write lock. */
  if (!_sprig_store_db_query_int (db, "PRAGMA user_version", &current, error))
    goto fail;
  if (current >= to_version)
    return _sprig_store_db_commit (db, error);

  set_version = g_strdup_printf ("PRAGMA user_version = %d", to_version);
  if (!_sprig_store_db_exec (db, _sprig_store_schema_steps[to_version - 1], error) ||
      !_sprig_store_db_exec (db, set_version, error))
    goto fail;
  return _sprig_store_db_commit (db, error);

fail:
  _sprig_store_db_rollback (db);
  g_prefix_error (error, _("Upgrading the conversation database to version %d failed: "),
                  to_version);
  return FALSE;
}

/* A consistent copy (WAL included) through SQLite's backup API, written to a temporary
 * name and renamed so that a crash never leaves a half backup under the real name. */
static gboolean
backup_database (SprigStoreDb *db,
                 int           version,
                 GError      **error)
{
  g_autofree char *dest_path = g_strdup_printf ("%s.v%d.bak", db->path, version);
  g_autofree char *tmp_path = g_strdup_printf ("%s.tmp", dest_path);
  sqlite3 *dest = NULL;
  sqlite3_backup *backup;
  int rc;

  _sprig_store_db_assert_worker (db);
  rc = sqlite3_open_v2 (tmp_path, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc == SQLITE_OK)
    {
      backup = sqlite3_backup_init (dest, "main", db->sql, "main");
      if (backup != NULL)
        {
          rc = sqlite3_backup_step (backup, -1);
          sqlite3_backup_finish (backup);
          rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        }
      else
        rc = sqlite3_errcode (dest);
    }
  sqlite3_close (dest);

  if (rc != SQLITE_OK || g_rename (tmp_path, dest_path) != 0)
    {
      g_unlink (tmp_path);
      g_set_error (error, SPRIG_STORE_ERROR,
                   rc == SQLITE_FULL ? SPRIG_STORE_ERROR_FULL : SPRIG_STORE_ERROR_FAILED,
                   _("Could not back up “%s” to “%s” before upgrading it (%s); the database "
                     "was left as it was."),
                   db->path, dest_path,
                   rc != SQLITE_OK ? sqlite3_errstr (rc) : g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

gboolean
_sprig_store_schema_migrate (SprigStoreDb *db,
                             int           from_version,
                             GError      **error)
{
  if (from_version >= 1 && !backup_database (db, from_version, error))
    return FALSE;
  for (int v = from_version + 1; v <= SPRIG_STORE_SCHEMA_VERSION; v++)
    if (!migrate_step (db, v, error))
      return FALSE;
  return TRUE;
}

static gboolean
open_connection (SprigStoreDb *db,
         GError      **error)
{
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
              SQLITE_OPEN_EXRESCODE;
  int rc;

  rc = sqlite3_open_v2 (db->path, &db->sql, flags, NULL);
  if (rc != SQLITE_OK)
    {
      _sprig_store_db_error (db, rc, _("open the conversation database"), error);
      sqlite3_close (db->sql);
      db->sql = NULL;
      return FALSE;
    }
  sqlite3_busy_timeout (db->sql, 5000);
  sqlite3_extended_result_codes (db->sql, 1);
  db->read_only = sqlite3_db_readonly (db->sql, "main") == 1;
  return TRUE;
}

static gboolean
set_pragmas (SprigStoreDb *db,
             GError      **error)
{
  g_autoptr(SprigStmt) stmt = NULL;
  const char *mode;

  if (!db->read_only)
    {
      stmt = _sprig_store_db_prepare (db, "PRAGMA journal_mode = WAL", error);
      if (stmt == NULL || _sprig_store_db_step (db, stmt, error) != SQLITE_ROW)
        return FALSE;
      mode = (const char *) sqlite3_column_text (stmt, 0);
      if (g_strcmp0 (mode, "wal") != 0)
        return _sprig_store_db_error (db, SQLITE_CANTOPEN, _("switch to write-ahead logging"),
                                      error);
    }
  return _sprig_store_db_exec (db, "PRAGMA synchronous = NORMAL;"
                                   "PRAGMA foreign_keys = ON;", error);
}

/* Reads the version and makes SQLite parse the whole schema, which is where a damaged
 * header or schema page shows itself. */
static gboolean
read_version (SprigStoreDb *db,
              gint64       *version,
              GError      **error)
{
  gint64 count;

  return _sprig_store_db_query_int (db, "PRAGMA user_version", version, error) &&
         _sprig_store_db_query_int (db, "SELECT count(*) FROM sqlite_schema", &count, error);
}

static gboolean
upgrade_and_recover (SprigStoreDb *db,
                     gint64        version,
                     GError      **error)
{
  if (version < SPRIG_STORE_SCHEMA_VERSION)
    {
      if (db->read_only)
        return _sprig_store_db_error (db, SQLITE_READONLY, _("the upgraded schema"), error);
      if (!_sprig_store_schema_migrate (db, (int) version, error))
        return FALSE;
    }
  if (db->read_only)
    return TRUE;
  /* Replies that were streaming when the last process stopped will never finish. */
  return _sprig_store_db_exec (db, "UPDATE messages SET status = 'interrupted' "
                                   "WHERE status = 'streaming'", error);
}

static gboolean
open_once (SprigStoreDb *db,
           GError      **error)
{
  gint64 version = 0;

  if (!open_connection (db, error) || !read_version (db, &version, error) ||
      !_sprig_store_search_register (db, error))
    return FALSE;
  if (version > SPRIG_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_TOO_NEW,
                   _("The conversation database “%s” was written by a newer version of Sprig "
                     "(schema %d; this version knows up to %d). It was left untouched: "
                     "update Sprig to open it."),
                   db->path, (int) version, SPRIG_STORE_SCHEMA_VERSION);
      return FALSE;
    }
  return set_pragmas (db, error) && upgrade_and_recover (db, version, error);
}

static char *
move_aside (const char *path,
            GError    **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *dest = g_strdup_printf ("%s.corrupt-%s", path, stamp);
  static const char *const suffixes[] = { "-wal", "-shm" };

  for (int n = 2; g_file_test (dest, G_FILE_TEST_EXISTS); n++)
    {
      g_free (dest);
      dest = g_strdup_printf ("%s.corrupt-%s-%d", path, stamp, n);
    }
  if (g_rename (path, dest) != 0)
    {
      int saved = errno;

      g_set_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_CORRUPT,
                   _("The conversation database “%s” is damaged and could not be moved "
                     "aside: %s"), path, g_strerror (saved));
      return NULL;
    }
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *from = g_strconcat (path, suffixes[i], NULL);
      g_autofree char *to = g_strconcat (dest, suffixes[i], NULL);

      if (g_file_test (from, G_FILE_TEST_EXISTS))
        g_rename (from, to);
    }
  return g_steal_pointer (&dest);
}

gboolean
_sprig_store_schema_open (SprigStoreDb *db,
                          GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *dir = g_path_get_dirname (db->path);

  _sprig_store_db_assert_worker (db);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_FAILED,
                   _("Could not create the folder “%s”: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  if (open_once (db, &local_error))
    return TRUE;
  _sprig_store_db_close (db);
  if (!g_error_matches (local_error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_CORRUPT))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  /* Keep the damaged file for recovery tools and start over; the app tells the user. */
  g_debug ("%s", local_error->message);
  db->recovered_path = move_aside (db->path, error);
  if (db->recovered_path == NULL)
    return FALSE;
  if (open_once (db, error))
    return TRUE;
  _sprig_store_db_close (db);
  return FALSE;
}
