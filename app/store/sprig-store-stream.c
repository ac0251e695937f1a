/* SPDX-License-Identifier: Apache-2.0
 *
 * Streamed replies: the reply row exists (status `streaming`) before the first token, the
 * UI thread only appends to an in-memory buffer, and the worker commits the buffer at
 * most once per commit interval and once more at the end, so a crash costs at most the
 * last interval of text. A failed commit keeps the text buffered and retries.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sprig-store-private.h"

void
_sprig_stream_buf_free (SprigStreamBuf *buf)
{
  g_string_free (buf->content, TRUE);
  g_string_free (buf->reasoning, TRUE);
  g_clear_error (&buf->error);
  g_free (buf);
}

static gboolean
buf_dirty (const SprigStreamBuf *buf)
{
  return buf->content->len > 0 || buf->reasoning->len > 0;
}

gboolean
_sprig_store_op_begin_reply (SprigStoreDb *db,
                             gpointer      data,
                             gpointer     *result,
                             GError      **error)
{
  SprigStoreArgs *args = data;
  g_autoptr(SprigMessage) msg = sprig_message_new (SPRIG_MESSAGE_ROLE_ASSISTANT, "");
  SprigStreamBuf *buf;
  gint64 id = 0;

  msg->conversation_id = args->id;
  msg->parent_id = args->id2;
  msg->status = SPRIG_MESSAGE_STATUS_STREAMING;
  msg->model_id = g_strdup (args->text);
  if (!_sprig_store_db_require_open (db, TRUE, error) ||
      !_sprig_store_db_begin (db, error))
    return FALSE;
  if (!_sprig_store_insert_message (db, msg, &id, error))
    goto fail;
  {
    g_autoptr(SprigStmt) stmt = _sprig_store_db_prepare (db,
      "UPDATE conversations SET active_leaf_id = ?2, updated_at = max(updated_at, ?3) "
      "WHERE id = ?1", error);

    if (stmt == NULL)
      goto fail;
    sqlite3_bind_int64 (stmt, 1, args->id);
    sqlite3_bind_int64 (stmt, 2, id);
    sqlite3_bind_int64 (stmt, 3, g_get_real_time ());
    if (!_sprig_store_db_run (db, stmt, error))
      goto fail;
  }
  if (!_sprig_store_db_commit (db, error))
    return FALSE;

  buf = g_new0 (SprigStreamBuf, 1);
  buf->message_id = id;
  buf->content = g_string_new (NULL);
  buf->reasoning = g_string_new (NULL);
  buf->last_commit = g_get_monotonic_time ();
  g_mutex_lock (&db->streams_lock);
  g_hash_table_replace (db->streams, &buf->message_id, buf);
  g_mutex_unlock (&db->streams_lock);
  *result = _sprig_box_int64 (id);
  return TRUE;

fail:
  _sprig_store_db_rollback (db);
  return FALSE;
}

static gboolean
commit_text (SprigStoreDb *db,
             gint64        message_id,
             const char   *content,
             const char   *reasoning,
             GError      **error)
{
  g_autoptr(SprigStmt) stmt = NULL;

  if (*content == '\0' && *reasoning == '\0')
    return TRUE;
  stmt = _sprig_store_db_prepare (db,
    "UPDATE messages SET content = content || ?2, reasoning = reasoning || ?3, "
    "updated_at = ?4 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_id);
  _sprig_stmt_bind_text (stmt, 2, content);
  _sprig_stmt_bind_text (stmt, 3, reasoning);
  sqlite3_bind_int64 (stmt, 4, g_get_real_time ());
  return _sprig_store_db_run (db, stmt, error);
}

/* Takes the buffered text of @message_id; NULL when there is no such stream. */
static SprigStreamBuf *
take_pending (SprigStoreDb *db,
              gint64        message_id)
{
  SprigStreamBuf *buf, *taken = NULL;

  g_mutex_lock (&db->streams_lock);
  buf = g_hash_table_lookup (db->streams, &message_id);
  if (buf != NULL)
    {
      taken = g_new0 (SprigStreamBuf, 1);
      taken->message_id = message_id;
      taken->content = g_steal_pointer (&buf->content);
      taken->reasoning = g_steal_pointer (&buf->reasoning);
      buf->content = g_string_new (NULL);
      buf->reasoning = g_string_new (NULL);
    }
  g_mutex_unlock (&db->streams_lock);
  return taken;
}

/* Puts text that could not be committed back in front of what arrived since. */
static void
give_back (SprigStoreDb   *db,
           SprigStreamBuf *taken,
           const GError   *error)
{
  SprigStreamBuf *buf;

  g_mutex_lock (&db->streams_lock);
  buf = g_hash_table_lookup (db->streams, &taken->message_id);
  if (buf != NULL)
    {
      g_string_prepend_len (buf->content, taken->content->str, taken->content->len);
      g_string_prepend_len (buf->reasoning, taken->reasoning->str, taken->reasoning->len);
      buf->last_commit = g_get_monotonic_time ();
      g_clear_error (&buf->error);
      if (error != NULL)
        buf->error = g_error_copy (error);
    }
  g_mutex_unlock (&db->streams_lock);
}

static gboolean
flush_one (SprigStoreDb *db,
           gint64        message_id,
           GError      **error)
{
  SprigStreamBuf *taken = take_pending (db, message_id);
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  if (taken == NULL)
    return TRUE;
  ok = commit_text (db, message_id, taken->content->str, taken->reasoning->str, &local_error);
  if (ok)
    {
      /* Nothing to give back: only refresh the clock and clear an old error. */
      g_string_truncate (taken->content, 0);
      g_string_truncate (taken->reasoning, 0);
    }
  give_back (db, taken, local_error);
  _sprig_stream_buf_free (taken);
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return ok;
}

gint64
_sprig_store_streams_next_deadline (SprigStoreDb *db)
{
  gint64 interval = (gint64) g_atomic_int_get (&db->commit_interval_ms) * 1000;
  gint64 deadline = -1;
  GHashTableIter iter;
  SprigStreamBuf *buf;

  g_mutex_lock (&db->streams_lock);
  g_hash_table_iter_init (&iter, db->streams);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &buf))
    if (buf_dirty (buf) && (deadline < 0 || buf->last_commit + interval < deadline))
      deadline = buf->last_commit + interval;
  g_mutex_unlock (&db->streams_lock);
  return deadline;
}

static gboolean
flush_streams (SprigStoreDb *db,
               gboolean      all,
               GError      **error)
{
  gint64 interval = (gint64) g_atomic_int_get (&db->commit_interval_ms) * 1000;
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GArray) due = g_array_new (FALSE, FALSE, sizeof (gint64));
  GHashTableIter iter;
  SprigStreamBuf *buf;
  gboolean ok = TRUE;

  _sprig_store_db_assert_worker (db);
  if (db->sql == NULL || db->read_only)
    return TRUE;
  g_mutex_lock (&db->streams_lock);
  g_hash_table_iter_init (&iter, db->streams);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &buf))
    if (buf_dirty (buf) && (all || now >= buf->last_commit + interval))
      g_array_append_val (due, buf->message_id);
  g_mutex_unlock (&db->streams_lock);

  for (guint i = 0; i < due->len; i++)
    if (!flush_one (db, g_array_index (due, gint64, i), ok ? error : NULL))
      ok = FALSE;
  return ok;
}

void
_sprig_store_streams_flush_due (SprigStoreDb *db,
                                gboolean      all)
{
  /* Failures are kept on each buffer and reported by the next stream_append. */
  flush_streams (db, all, NULL);
}

gboolean
_sprig_store_op_flush (SprigStoreDb *db,
                       gpointer      data,
                       gpointer     *result,
                       GError      **error)
{
  return _sprig_store_db_require_open (db, TRUE, error) && flush_streams (db, TRUE, error);
}

static gboolean
set_final_status (SprigStoreDb   *db,
                  SprigStoreArgs *args,
                  GError        **error)
{
  g_autoptr(SprigStmt) stmt = _sprig_store_db_prepare (db,
    "UPDATE messages SET status = ?2, error = ?3, prompt_tokens = ?4, completion_tokens = ?5, "
    "prompt_per_second = ?6, tokens_per_second = ?7, updated_at = ?8, first_token_ms = ?9, "
    "backend = coalesce(?10, backend) WHERE id = ?1", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, args->id);
  _sprig_stmt_bind_text (stmt, 2, sprig_message_status_to_string (args->kind));
  _sprig_stmt_bind_text (stmt, 3, args->text);
  sqlite3_bind_int (stmt, 4, args->stats.prompt_tokens);
  sqlite3_bind_int (stmt, 5, args->stats.completion_tokens);
  sqlite3_bind_double (stmt, 6, args->stats.prompt_per_second);
  sqlite3_bind_double (stmt, 7, args->stats.tokens_per_second);
  sqlite3_bind_int64 (stmt, 8, g_get_real_time ());
  sqlite3_bind_double (stmt, 9, args->stats.first_token_ms);
  _sprig_stmt_bind_text (stmt, 10, args->text2);
  if (!_sprig_store_db_run (db, stmt, error))
    return FALSE;
  if (sqlite3_changes (db->sql) == 0)
    {
      g_set_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_NOT_FOUND,
                   _("There is no message with id %lld."), (long long) args->id);
      return FALSE;
    }
  return TRUE;
}

/* The last text and the final status land in one transaction. */
gboolean
_sprig_store_op_finish_reply (SprigStoreDb *db,
                              gpointer      data,
                              gpointer     *result,
                              GError      **error)
{
  SprigStoreArgs *args = data;
  SprigStreamBuf *taken;
  g_autoptr(GError) local_error = NULL;
  gboolean ok;

  if (!_sprig_store_db_require_open (db, TRUE, error) || !_sprig_store_db_begin (db, error))
    return FALSE;
  taken = take_pending (db, args->id);
  ok = (taken == NULL ||
        commit_text (db, args->id, taken->content->str, taken->reasoning->str, &local_error)) &&
       set_final_status (db, args, &local_error) &&
       _sprig_store_db_commit (db, &local_error);
  if (!ok)
    {
      _sprig_store_db_rollback (db);
      if (taken != NULL)
        give_back (db, taken, local_error);
    }
  else
    {
      g_mutex_lock (&db->streams_lock);
      g_hash_table_remove (db->streams, &args->id);
      g_mutex_unlock (&db->streams_lock);
    }
  g_clear_pointer (&taken, _sprig_stream_buf_free);
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return ok;
}

gboolean
sprig_store_stream_append (SprigStore  *self,
                           gint64       message_id,
                           const char  *content,
                           const char  *reasoning,
                           GError     **error)
{
  SprigStoreDb *db;
  SprigStreamBuf *buf;
  gboolean was_clean, ok = TRUE;

  g_return_val_if_fail (SPRIG_IS_STORE (self), FALSE);
  db = _sprig_store_get_db (self);
  g_mutex_lock (&db->streams_lock);
  buf = g_hash_table_lookup (db->streams, &message_id);
  if (buf == NULL)
    {
      g_mutex_unlock (&db->streams_lock);
      g_set_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_INVALID,
                   _("Message %lld is not a streaming reply."), (long long) message_id);
      return FALSE;
    }
  was_clean = !buf_dirty (buf);
  if (content != NULL)
    g_string_append (buf->content, content);
  if (reasoning != NULL)
    g_string_append (buf->reasoning, reasoning);
  if (buf->error != NULL)
    {
      g_propagate_error (error, g_error_copy (buf->error));
      ok = FALSE;
    }
  g_mutex_unlock (&db->streams_lock);
  if (was_clean)
    _sprig_store_wake (self);
  return ok;
}
