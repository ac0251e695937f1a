/* SPDX-License-Identifier: Apache-2.0
 *
 * Connection-level helpers of the store: cached prepared statements, stepping, small
 * transactions, and the mapping of every SQLite return code onto a SprigStoreError a
 * user can read. Each helper asserts that it runs on the store's worker thread.
 */
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>

#include "sprig-store-private.h"

void
_sprig_store_db_assert_worker (SprigStoreDb *db)
{
  /* The one rule of the store: SQLite is only ever touched from its worker thread. */
  g_assert (db != NULL);
  g_assert (db->thread == g_thread_self ());
}

void
_sprig_stmt_release (SprigStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

static int
error_code_for (SprigStoreDb *db,
                int           rc)
{
  switch (rc & 0xff)
    {
    case SQLITE_FULL:
      return SPRIG_STORE_ERROR_FULL;
    case SQLITE_READONLY:
      return SPRIG_STORE_ERROR_READ_ONLY;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return SPRIG_STORE_ERROR_CORRUPT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return SPRIG_STORE_ERROR_BUSY;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
      return SPRIG_STORE_ERROR_INVALID;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      if (db->sql != NULL && sqlite3_system_errno (db->sql) == ENOSPC)
        return SPRIG_STORE_ERROR_FULL;
      if (db->sql != NULL && (sqlite3_system_errno (db->sql) == EACCES ||
                              sqlite3_system_errno (db->sql) == EROFS))
        return SPRIG_STORE_ERROR_READ_ONLY;
      return SPRIG_STORE_ERROR_FAILED;
    default:
      return SPRIG_STORE_ERROR_FAILED;
    }
}

/* Always returns FALSE so that callers can `return _sprig_store_db_error (...)`. */
gboolean
_sprig_store_db_error (SprigStoreDb *db,
                       int           rc,
                       const char   *what,
                       GError      **error)
{
  int code = error_code_for (db, rc);
  const char *detail = db->sql != NULL ? sqlite3_errmsg (db->sql) : sqlite3_errstr (rc);

  switch (code)
    {
    case SPRIG_STORE_ERROR_FULL:
      g_set_error (error, SPRIG_STORE_ERROR, code,
                   _("The disk is full: the change could not be saved to “%s”. Free some "
                     "space and try again; nothing saved before was lost."),
                   db->path);
      break;
    case SPRIG_STORE_ERROR_READ_ONLY:
      g_set_error (error, SPRIG_STORE_ERROR, code,
                   _("The conversation database “%s” is read-only: the change could not be "
                     "saved. Conversations can still be read and exported."),
                   db->path);
      break;
    case SPRIG_STORE_ERROR_CORRUPT:
      g_set_error (error, SPRIG_STORE_ERROR, code,
                   _("The conversation database “%s” is damaged (%s while %s)."),
                   db->path, detail, what);
      break;
    case SPRIG_STORE_ERROR_BUSY:
      g_set_error (error, SPRIG_STORE_ERROR, code,
                   _("The conversation database “%s” is locked by another program (%s)."),
                   db->path, what);
      break;
    default:
      g_set_error (error, SPRIG_STORE_ERROR, code, _("Could not %s in “%s”: %s"), what,
                   db->path, detail);
      break;
    }
  return FALSE;
}

gboolean
_sprig_store_db_require_open (SprigStoreDb *db,
                              gboolean      for_write,
                              GError      **error)
{
  _sprig_store_db_assert_worker (db);
  if (db->sql == NULL)
    {
      g_set_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_CLOSED,
                   _("The conversation database is not open."));
      return FALSE;
    }
  if (for_write && db->read_only)
    return _sprig_store_db_error (db, SQLITE_READONLY, _("the change"), error);
  return TRUE;
}

SprigStmt *
_sprig_store_db_prepare (SprigStoreDb *db,
                         const char   *sql,
                         GError      **error)
{
  sqlite3_stmt *stmt;
  int rc;

  _sprig_store_db_assert_worker (db);
  stmt = g_hash_table_lookup (db->stmts, sql);
  if (stmt != NULL)
    return stmt;

  rc = sqlite3_prepare_v3 (db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      _sprig_store_db_error (db, rc, _("prepare a query"), error);
      return NULL;
    }
  g_hash_table_insert (db->stmts, g_strdup (sql), stmt);
  return stmt;
}

/* Returns SQLITE_ROW or SQLITE_DONE, or -1 with @error set. */
int
_sprig_store_db_step (SprigStoreDb *db,
                      SprigStmt    *stmt,
                      GError      **error)
{
  int rc;

  _sprig_store_db_assert_worker (db);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    return rc;
  _sprig_store_db_error (db, rc, _("run a query"), error);
  return -1;
}

/* Steps a statement that returns no rows to its end. */
gboolean
_sprig_store_db_run (SprigStoreDb *db,
                     SprigStmt    *stmt,
                     GError      **error)
{
  int rc;

  _sprig_store_db_assert_worker (db);
  while ((rc = _sprig_store_db_step (db, stmt, error)) == SQLITE_ROW)
    ;
  sqlite3_reset (stmt);
  return rc == SQLITE_DONE;
}

gboolean
_sprig_store_db_exec (SprigStoreDb *db,
                      const char   *sql,
                      GError      **error)
{
  char *msg = NULL;
  int rc;

  _sprig_store_db_assert_worker (db);
  rc = sqlite3_exec (db->sql, sql, NULL, NULL, &msg);
  sqlite3_free (msg);
  if (rc != SQLITE_OK)
    return _sprig_store_db_error (db, rc, _("update the database"), error);
  return TRUE;
}

gboolean
_sprig_store_db_query_int (SprigStoreDb *db,
                           const char   *sql,
                           gint64       *value,
                           GError      **error)
{
  g_autoptr(SprigStmt) stmt = _sprig_store_db_prepare (db, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = _sprig_store_db_step (db, stmt, error);
  if (rc < 0)
    return FALSE;
  *value = rc == SQLITE_ROW ? sqlite3_column_int64 (stmt, 0) : 0;
  return TRUE;
}

gboolean
_sprig_store_db_begin (SprigStoreDb *db,
                       GError      **error)
{
  /* IMMEDIATE takes the write lock up front, so a busy database fails here, not halfway. */
  g_autoptr(SprigStmt) stmt = _sprig_store_db_prepare (db, "BEGIN IMMEDIATE", error);

  return stmt != NULL && _sprig_store_db_run (db, stmt, error);
}

gboolean
_sprig_store_db_commit (SprigStoreDb *db,
                        GError      **error)
{
  g_autoptr(SprigStmt) stmt = _sprig_store_db_prepare (db, "COMMIT", error);

  if (stmt != NULL && _sprig_store_db_run (db, stmt, error))
    return TRUE;
  _sprig_store_db_rollback (db);
  return FALSE;
}

void
_sprig_store_db_rollback (SprigStoreDb *db)
{
  _sprig_store_db_assert_worker (db);
  if (!sqlite3_get_autocommit (db->sql))
    sqlite3_exec (db->sql, "ROLLBACK", NULL, NULL, NULL);
}

void
_sprig_store_db_close (SprigStoreDb *db)
{
  _sprig_store_db_assert_worker (db);
  /* Finalize every cached statement first, or sqlite3_close() refuses. */
  g_hash_table_remove_all (db->stmts);
  if (db->sql != NULL)
    {
      int rc = sqlite3_close (db->sql);

      if (rc != SQLITE_OK)
        g_critical ("sqlite3_close: %s", sqlite3_errstr (rc));
      db->sql = NULL;
    }
}

void
_sprig_stmt_bind_text (SprigStmt  *stmt,
                       int         idx,
                       const char *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, idx);
  else
    sqlite3_bind_text (stmt, idx, text, -1, SQLITE_TRANSIENT);
}

char *
_sprig_stmt_dup_text (SprigStmt *stmt,
                      int        col)
{
  const unsigned char *text = sqlite3_column_text (stmt, col);

  return text != NULL ? g_strdup ((const char *) text) : NULL;
}
