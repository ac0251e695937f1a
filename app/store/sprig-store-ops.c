/* SPDX-License-Identifier: Apache-2.0
 *
 * The worker's side of the conversation and message calls: each function runs on the
 * store thread, uses cached statements, and keeps every multi-row change inside one
 * transaction so that a crash leaves either all of it or none.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sprig-store-private.h"

const char _sprig_store_conversation_columns[] =
  "id, title, created_at, updated_at, pinned, archived, deleted_at, model_id, system_prompt, "
  "sampling, active_leaf_id";

#define MESSAGE_COLUMNS \
  "id, conversation_id, parent_id, role, status, content, reasoning, error, model_id, " \
  "created_at, updated_at, prompt_tokens, completion_tokens, prompt_per_second, " \
  "tokens_per_second, first_token_ms, backend"

typedef enum
{
  MISSING_CONVERSATION,
  MISSING_MESSAGE,
  MISSING_PARENT,
  MISSING_TOOL_CALL,
} Missing;

/* Whole sentences, so that a translation can inflect each noun. */
static gboolean
not_found (Missing   what,
           gint64    id,
           GError  **error)
{
  long long n = (long long) id;

  switch (what)
    {
    case MISSING_CONVERSATION:
      g_set_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_NOT_FOUND,
                   _("There is no conversation with id %lld."), n);
      break;
    case MISSING_MESSAGE:
      g_set_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_NOT_FOUND,
                   _("There is no message with id %lld."), n);
      break;
    case MISSING_PARENT:
      g_set_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_NOT_FOUND,
                   _("There is no parent message with id %lld in this conversation."), n);
      break;
    case MISSING_TOOL_CALL:
    default:
      g_set_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_NOT_FOUND,
                   _("There is no tool call with id %lld."), n);
      break;
    }
  return FALSE;
}

static gboolean
invalid_status (const char *status,
                GError    **error)
{
  g_set_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_INVALID,
               _("“%s” is not a tool call status."), status);
  return FALSE;
}

SprigConversation *
_sprig_store_read_conversation (SprigStmt *stmt)
{
  SprigConversation *conv = sprig_conversation_new ();

  conv->id = sqlite3_column_int64 (stmt, 0);
  conv->title = _sprig_stmt_dup_text (stmt, 1);
  conv->created_at = sqlite3_column_int64 (stmt, 2);
  conv->updated_at = sqlite3_column_int64 (stmt, 3);
  conv->pinned = sqlite3_column_int (stmt, 4) != 0;
  conv->archived = sqlite3_column_int (stmt, 5) != 0;
  conv->deleted_at = sqlite3_column_int64 (stmt, 6);
  conv->model_id = _sprig_stmt_dup_text (stmt, 7);
  conv->system_prompt = _sprig_stmt_dup_text (stmt, 8);
  conv->sampling_json = _sprig_stmt_dup_text (stmt, 9);
  conv->active_leaf_id = sqlite3_column_int64 (stmt, 10);
  return conv;
}

static SprigMessage *
read_message (SprigStmt *stmt)
{
  SprigMessage *msg = sprig_message_new (SPRIG_MESSAGE_ROLE_USER, NULL);

  msg->id = sqlite3_column_int64 (stmt, 0);
  msg->conversation_id = sqlite3_column_int64 (stmt, 1);
  msg->parent_id = sqlite3_column_int64 (stmt, 2);
  sprig_message_role_from_string ((const char *) sqlite3_column_text (stmt, 3), &msg->role);
  sprig_message_status_from_string ((const char *) sqlite3_column_text (stmt, 4), &msg->status);
  g_free (msg->content);
  msg->content = _sprig_stmt_dup_text (stmt, 5);
  g_free (msg->reasoning);
  msg->reasoning = _sprig_stmt_dup_text (stmt, 6);
  msg->error = _sprig_stmt_dup_text (stmt, 7);
  msg->model_id = _sprig_stmt_dup_text (stmt, 8);
  msg->created_at = sqlite3_column_int64 (stmt, 9);
  msg->updated_at = sqlite3_column_int64 (stmt, 10);
  msg->prompt_tokens = sqlite3_column_int (stmt, 11);
  msg->completion_tokens = sqlite3_column_int (stmt, 12);
  msg->prompt_per_second = sqlite3_column_double (stmt, 13);
  msg->tokens_per_second = sqlite3_column_double (stmt, 14);
  msg->first_token_ms = sqlite3_column_double (stmt, 15);
  msg->backend = _sprig_stmt_dup_text (stmt, 16);
  return msg;
}

static gboolean
load_tool_calls (SprigStoreDb *db,
                 SprigMessage *msg,
                 GError      **error)
{
  g_autoptr(SprigStmt) stmt = _sprig_store_db_prepare (db,
    "SELECT id, call_id, name, arguments, result, is_error, status FROM tool_calls "
    "WHERE message_id = ?1 ORDER BY position", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, msg->id);
  while ((rc = _sprig_store_db_step (db, stmt, error)) == SQLITE_ROW)
    {
      SprigToolCall *call = sprig_tool_call_new (NULL, NULL, NULL);

      call->id = sqlite3_column_int64 (stmt, 0);
      call->call_id = _sprig_stmt_dup_text (stmt, 1);
      call->name = _sprig_stmt_dup_text (stmt, 2);
      g_free (call->arguments);
      call->arguments = _sprig_stmt_dup_text (stmt, 3);
      call->result = _sprig_stmt_dup_text (stmt, 4);
      call->is_error = sqlite3_column_int (stmt, 5) != 0;
      call->status = _sprig_stmt_dup_text (stmt, 6);
      g_ptr_array_add (msg->tool_calls, call);
    }
  return rc == SQLITE_DONE;
}

/* Rows of @stmt into @messages, each with its tool calls. */
static gboolean
collect_messages (SprigStoreDb *db,
                  SprigStmt    *stmt,
                  GPtrArray    *messages,
                  GError      **error)
{
  guint first = messages->len;
  int rc;

  while ((rc = _sprig_store_db_step (db, stmt, error)) == SQLITE_ROW)
    g_ptr_array_add (messages, read_message (stmt));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return FALSE;
  for (guint i = first; i < messages->len; i++)
    if (!load_tool_calls (db, g_ptr_array_index (messages, i), error))
      return FALSE;
  return TRUE;
}

gboolean
_sprig_store_load_messages (SprigStoreDb *db,
                            gint64        conversation_id,
                            GPtrArray    *messages,
                            GError      **error)
{
  g_autoptr(SprigStmt) stmt = _sprig_store_db_prepare (db,
    "SELECT " MESSAGE_COLUMNS " FROM messages WHERE conversation_id = ?1 ORDER BY id", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, conversation_id);
  return collect_messages (db, stmt, messages, error);
}

static GPtrArray *
new_message_array (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) sprig_message_free);
}

gboolean
_sprig_store_op_create_conversation (SprigStoreDb *db,
                                     gpointer      data,
                                     gpointer     *result,
                                     GError      **error)
{
  SprigStoreArgs *args = data;
  const SprigConversation *conv = args->conv;
  gint64 now = g_get_real_time ();
  g_autoptr(SprigStmt) stmt = NULL;

  if (!_sprig_store_db_require_open (db, TRUE, error))
    return FALSE;
  stmt = _sprig_store_db_prepare (db,
    "INSERT INTO conversations (title, created_at, updated_at, pinned, archived, model_id, "
    "system_prompt, sampling) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", error);
  if (stmt == NULL)
    return FALSE;
  _sprig_stmt_bind_text (stmt, 1, conv->title != NULL ? conv->title : "");
  sqlite3_bind_int64 (stmt, 2, conv->created_at > 0 ? conv->created_at : now);
  sqlite3_bind_int64 (stmt, 3, conv->updated_at > 0 ? conv->updated_at : now);
  sqlite3_bind_int (stmt, 4, conv->pinned ? 1 : 0);
  sqlite3_bind_int (stmt, 5, conv->archived ? 1 : 0);
  _sprig_stmt_bind_text (stmt, 6, conv->model_id);
  _sprig_stmt_bind_text (stmt, 7, conv->system_prompt);
  _sprig_stmt_bind_text (stmt, 8, conv->sampling_json);
  if (!_sprig_store_db_run (db, stmt, error))
    return FALSE;
  *result = _sprig_box_int64 (sqlite3_last_insert_rowid (db->sql));
  return TRUE;
}

gboolean
_sprig_store_op_update_conversation (SprigStoreDb *db,
                                     gpointer      data,
                                     gpointer     *result,
                                     GError      **error)
{
  SprigStoreArgs *args = data;
  const SprigConversation *conv = args->conv;
  g_autoptr(SprigStmt) stmt = NULL;

  if (!_sprig_store_db_require_open (db, TRUE, error))
    return FALSE;
  stmt = _sprig_store_db_prepare (db,
    "UPDATE conversations SET title = ?2, pinned = ?3, archived = ?4, model_id = ?5, "
    "system_prompt = ?6, sampling = ?7 WHERE id = ?1 AND deleted_at IS NULL", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, conv->id);
  _sprig_stmt_bind_text (stmt, 2, conv->title != NULL ? conv->title : "");
  sqlite3_bind_int (stmt, 3, conv->pinned ? 1 : 0);
  sqlite3_bind_int (stmt, 4, conv->archived ? 1 : 0);
  _sprig_stmt_bind_text (stmt, 5, conv->model_id);
  _sprig_stmt_bind_text (stmt, 6, conv->system_prompt);
  _sprig_stmt_bind_text (stmt, 7, conv->sampling_json);
  if (!_sprig_store_db_run (db, stmt, error))
    return FALSE;
  if (sqlite3_changes (db->sql) == 0)
    return not_found (MISSING_CONVERSATION, conv->id, error);
  return TRUE;
}

gboolean
_sprig_store_op_get_conversation (SprigStoreDb *db,
                                  gpointer      data,
                                  gpointer     *result,
                                  GError      **error)
{
  SprigStoreArgs *args = data;
  g_autoptr(SprigStmt) stmt = NULL;
  int rc;

  if (!_sprig_store_db_require_open (db, FALSE, error))
    return FALSE;
  stmt = _sprig_store_db_prepare (db,
    "SELECT id, title, created_at, updated_at, pinned, archived, deleted_at, model_id, "
    "system_prompt, sampling, active_leaf_id FROM conversations WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, args->id);
  rc = _sprig_store_db_step (db, stmt, error);
  if (rc < 0)
    return FALSE;
  if (rc == SQLITE_DONE)
    return not_found (MISSING_CONVERSATION, args->id, error);
  *result = _sprig_store_read_conversation (stmt);
  return TRUE;
}

static const char *
list_query (SprigListFlags flags)
{
  /* Each WHERE matches a partial index exactly, so a page is an index walk. */
  if (flags & SPRIG_LIST_DELETED)
    return "SELECT id, title, created_at, updated_at, pinned, archived, deleted_at, model_id, "
           "system_prompt, sampling, active_leaf_id FROM conversations "
           "WHERE deleted_at IS NOT NULL ORDER BY deleted_at DESC LIMIT ?2 OFFSET ?1";
  return "SELECT id, title, created_at, updated_at, pinned, archived, deleted_at, model_id, "
         "system_prompt, sampling, active_leaf_id FROM conversations "
         "WHERE deleted_at IS NULL AND archived = ?3 "
         "ORDER BY archived, pinned DESC, updated_at DESC, id DESC LIMIT ?2 OFFSET ?1";
}

gboolean
_sprig_store_op_list_conversations (SprigStoreDb *db,
                                    gpointer      data,
                                    gpointer     *result,
                                    GError      **error)
{
  SprigStoreArgs *args = data;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(SprigStmt) stmt = NULL;
  int rc;

  if (!_sprig_store_db_require_open (db, FALSE, error))
    return FALSE;
  stmt = _sprig_store_db_prepare (db, list_query ((SprigListFlags) args->kind), error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, args->id);
  sqlite3_bind_int64 (stmt, 2, args->num);
  if (sqlite3_bind_parameter_count (stmt) >= 3)
    sqlite3_bind_int (stmt, 3, (args->kind & SPRIG_LIST_ARCHIVED) ? 1 : 0);
  list = g_ptr_array_new_with_free_func ((GDestroyNotify) sprig_conversation_free);
  while ((rc = _sprig_store_db_step (db, stmt, error)) == SQLITE_ROW)
    g_ptr_array_add (list, _sprig_store_read_conversation (stmt));
  if (rc != SQLITE_DONE)
    return FALSE;
  *result = g_steal_pointer (&list);
  return TRUE;
}

static gboolean
update_deleted (SprigStoreDb *db,
                const char   *sql,
                gint64        id,
                GError      **error)
{
  g_autoptr(SprigStmt) stmt = NULL;

  if (!_sprig_store_db_require_open (db, TRUE, error))
    return FALSE;
  stmt = _sprig_store_db_prepare (db, sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_bind_parameter_count (stmt) >= 2)
    sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  if (!_sprig_store_db_run (db, stmt, error))
    return FALSE;
  if (sqlite3_changes (db->sql) == 0)
    return not_found (MISSING_CONVERSATION, id, error);
  return TRUE;
}

gboolean
_sprig_store_op_delete_conversation (SprigStoreDb *db,
                                     gpointer      data,
                                     gpointer     *result,
                                     GError      **error)
{
  SprigStoreArgs *args = data;

  return update_deleted (db, "UPDATE conversations SET deleted_at = ?2 "
                             "WHERE id = ?1 AND deleted_at IS NULL", args->id, error);
}

gboolean
_sprig_store_op_restore_conversation (SprigStoreDb *db,
                                      gpointer      data,
                                      gpointer     *result,
                                      GError      **error)
{
  SprigStoreArgs *args = data;

  return update_deleted (db, "UPDATE conversations SET deleted_at = NULL "
                             "WHERE id = ?1 AND deleted_at IS NOT NULL",
                         args->id, error);
}

static gboolean
run_counting (SprigStoreDb *db,
              const char   *sql,
              gint64        param,
              gpointer     *result,
              GError      **error)
{
  g_autoptr(SprigStmt) stmt = NULL;

  if (!_sprig_store_db_require_open (db, TRUE, error))
    return FALSE;
  stmt = _sprig_store_db_prepare (db, sql, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, param);
  if (!_sprig_store_db_run (db, stmt, error))
    return FALSE;
  *result = _sprig_box_int64 (sqlite3_changes64 (db->sql));
  return TRUE;
}

gboolean
_sprig_store_op_delete_all (SprigStoreDb *db,
                            gpointer      data,
                            gpointer     *result,
                            GError      **error)
{
  return run_counting (db, "UPDATE conversations SET deleted_at = ?1 WHERE deleted_at IS NULL",
                       g_get_real_time (), result, error);
}

gboolean
_sprig_store_op_purge_deleted (SprigStoreDb *db,
                               gpointer      data,
                               gpointer     *result,
                               GError      **error)
{
  SprigStoreArgs *args = data;

  /* Messages, tool calls and index rows go with them (ON DELETE CASCADE, triggers). */
  return run_counting (db, "DELETE FROM conversations "
                           "WHERE deleted_at IS NOT NULL AND deleted_at <= ?1",
                       args->num, result, error);
}

/* Checks that @parent_id (if any) is a message of @conversation_id, which must be live. */
static gboolean
check_placement (SprigStoreDb *db,
                 gint64        conversation_id,
                 gint64        parent_id,
                 GError      **error)
{
  g_autoptr(SprigStmt) stmt = _sprig_store_db_prepare (db,
    "SELECT (SELECT deleted_at IS NULL FROM conversations WHERE id = ?1), "
    "       (SELECT conversation_id FROM messages WHERE id = ?2)", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, conversation_id);
  sqlite3_bind_int64 (stmt, 2, parent_id);
  rc = _sprig_store_db_step (db, stmt, error);
  if (rc != SQLITE_ROW)
    return FALSE;
  if (sqlite3_column_type (stmt, 0) == SQLITE_NULL || sqlite3_column_int (stmt, 0) == 0)
    return not_found (MISSING_CONVERSATION, conversation_id, error);
  if (parent_id != 0 && sqlite3_column_int64 (stmt, 1) != conversation_id)
    return not_found (MISSING_PARENT, parent_id, error);
  return TRUE;
}

gboolean
_sprig_store_insert_message (SprigStoreDb       *db,
                             const SprigMessage *msg,
                             gint64             *id,
                             GError            **error)
{
  g_autoptr(SprigStmt) stmt = NULL;
  gint64 now = g_get_real_time ();

  if (!check_placement (db, msg->conversation_id, msg->parent_id, error))
    return FALSE;
  stmt = _sprig_store_db_prepare (db,
    "INSERT INTO messages (conversation_id, parent_id, role, status, content, reasoning, "
    "error, model_id, created_at, updated_at, prompt_tokens, completion_tokens, "
    "prompt_per_second, tokens_per_second, first_token_ms, backend) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, msg->conversation_id);
  if (msg->parent_id != 0)
    sqlite3_bind_int64 (stmt, 2, msg->parent_id);
  _sprig_stmt_bind_text (stmt, 3, sprig_message_role_to_string (msg->role));
  _sprig_stmt_bind_text (stmt, 4, sprig_message_status_to_string (msg->status));
  _sprig_stmt_bind_text (stmt, 5, msg->content != NULL ? msg->content : "");
  _sprig_stmt_bind_text (stmt, 6, msg->reasoning != NULL ? msg->reasoning : "");
  _sprig_stmt_bind_text (stmt, 7, msg->error);
  _sprig_stmt_bind_text (stmt, 8, msg->model_id);
  sqlite3_bind_int64 (stmt, 9, msg->created_at > 0 ? msg->created_at : now);
  sqlite3_bind_int64 (stmt, 10, msg->updated_at > 0 ? msg->updated_at : now);
  sqlite3_bind_int (stmt, 11, msg->prompt_tokens);
  sqlite3_bind_int (stmt, 12, msg->completion_tokens);
  sqlite3_bind_double (stmt, 13, msg->prompt_per_second);
  sqlite3_bind_double (stmt, 14, msg->tokens_per_second);
  sqlite3_bind_double (stmt, 15, msg->first_token_ms);
  _sprig_stmt_bind_text (stmt, 16, msg->backend);
  if (!_sprig_store_db_run (db, stmt, error))
    return FALSE;
  *id = sqlite3_last_insert_rowid (db->sql);
  for (guint i = 0; msg->tool_calls != NULL && i < msg->tool_calls->len; i++)
    if (!_sprig_store_insert_tool_call (db, *id, (int) i, g_ptr_array_index (msg->tool_calls, i),
                                        NULL, error))
      return FALSE;
  return TRUE;
}

static gboolean
set_leaf (SprigStoreDb *db,
          gint64        conversation_id,
          gint64        message_id,
          gboolean      touch,
          GError      **error)
{
  g_autoptr(SprigStmt) stmt = _sprig_store_db_prepare (db,
    "UPDATE conversations SET active_leaf_id = ?2, "
    "updated_at = CASE WHEN ?3 THEN max(updated_at, ?4) ELSE updated_at END WHERE id = ?1",
    error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, conversation_id);
  if (message_id != 0)
    sqlite3_bind_int64 (stmt, 2, message_id);
  sqlite3_bind_int (stmt, 3, touch);
  sqlite3_bind_int64 (stmt, 4, g_get_real_time ());
  return _sprig_store_db_run (db, stmt, error);
}

gboolean
_sprig_store_op_append_message (SprigStoreDb *db,
                                gpointer      data,
                                gpointer     *result,
                                GError      **error)
{
  SprigStoreArgs *args = data;
  gint64 id = 0;

  if (!_sprig_store_db_require_open (db, TRUE, error) || !_sprig_store_db_begin (db, error))
    return FALSE;
  if (!_sprig_store_insert_message (db, args->msg, &id, error) ||
      !set_leaf (db, args->msg->conversation_id, id, TRUE, error) ||
      !_sprig_store_db_commit (db, error))
    {
      _sprig_store_db_rollback (db);
      return FALSE;
    }
  *result = _sprig_box_int64 (id);
  return TRUE;
}

gboolean
_sprig_store_op_load_thread (SprigStoreDb *db,
                             gpointer      data,
                             gpointer     *result,
                             GError      **error)
{
  SprigStoreArgs *args = data;
  g_autoptr(GPtrArray) messages = new_message_array ();
  g_autoptr(SprigStmt) stmt = NULL;

  if (!_sprig_store_db_require_open (db, FALSE, error))
    return FALSE;
  /* Walks up from the active leaf; the path is the branch the user sees. */
  stmt = _sprig_store_db_prepare (db,
    "WITH RECURSIVE path (id, depth) AS ("
    "  SELECT active_leaf_id, 0 FROM conversations WHERE id = ?1"
    "  UNION ALL"
    "  SELECT m.parent_id, p.depth + 1 FROM messages m JOIN path p ON m.id = p.id"
    "  WHERE m.parent_id IS NOT NULL)"
    "SELECT " MESSAGE_COLUMNS " FROM messages JOIN path USING (id) "
    "WHERE conversation_id = ?1 ORDER BY depth DESC", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, args->id);
  if (!collect_messages (db, stmt, messages, error))
    return FALSE;
  *result = g_steal_pointer (&messages);
  return TRUE;
}

gboolean
_sprig_store_op_list_messages (SprigStoreDb *db,
                               gpointer      data,
                               gpointer     *result,
                               GError      **error)
{
  SprigStoreArgs *args = data;
  g_autoptr(GPtrArray) messages = new_message_array ();

  if (!_sprig_store_db_require_open (db, FALSE, error) ||
      !_sprig_store_load_messages (db, args->id, messages, error))
    return FALSE;
  *result = g_steal_pointer (&messages);
  return TRUE;
}

gboolean
_sprig_store_op_get_message (SprigStoreDb *db,
                             gpointer      data,
                             gpointer     *result,
                             GError      **error)
{
  SprigStoreArgs *args = data;
  g_autoptr(GPtrArray) messages = new_message_array ();
  g_autoptr(SprigStmt) stmt = NULL;

  if (!_sprig_store_db_require_open (db, FALSE, error))
    return FALSE;
  stmt = _sprig_store_db_prepare (db, "SELECT " MESSAGE_COLUMNS " FROM messages WHERE id = ?1",
                                  error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, args->id);
  if (!collect_messages (db, stmt, messages, error))
    return FALSE;
  if (messages->len == 0)
    return not_found (MISSING_MESSAGE, args->id, error);
  *result = g_ptr_array_steal_index (messages, 0);
  return TRUE;
}

gboolean
_sprig_store_op_count_messages (SprigStoreDb *db,
                                gpointer      data,
                                gpointer     *result,
                                GError      **error)
{
  gint64 count = 0;

  if (!_sprig_store_db_require_open (db, FALSE, error) ||
      !_sprig_store_db_query_int (db, "SELECT count(*) FROM messages", &count, error))
    return FALSE;
  *result = _sprig_box_int64 (count);
  return TRUE;
}

gboolean
_sprig_store_op_set_active_leaf (SprigStoreDb *db,
                                 gpointer      data,
                                 gpointer     *result,
                                 GError      **error)
{
  SprigStoreArgs *args = data;

  return _sprig_store_db_require_open (db, TRUE, error) &&
         check_placement (db, args->id, args->id2, error) &&
         (args->id2 != 0 || not_found (MISSING_MESSAGE, 0, error)) &&
         set_leaf (db, args->id, args->id2, FALSE, error);
}

/* The leaf reached from @start (0: the conversation's first messages) by following the
 * most recently updated child at each step; @start itself when it has no children. */
static gboolean
newest_leaf (SprigStoreDb *db,
             gint64        conversation_id,
             gint64        start,
             gint64       *leaf,
             GError      **error)
{
  *leaf = start;
  for (;;)
    {
      g_autoptr(SprigStmt) stmt = _sprig_store_db_prepare (db,
        "SELECT id FROM messages WHERE conversation_id = ?1 AND parent_id IS ?2 "
        "ORDER BY updated_at DESC, id DESC LIMIT 1", error);
      int rc;

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, conversation_id);
      if (*leaf != 0)
        sqlite3_bind_int64 (stmt, 2, *leaf);
      rc = _sprig_store_db_step (db, stmt, error);
      if (rc == SQLITE_DONE)
        return TRUE;
      if (rc != SQLITE_ROW)
        return FALSE;
      *leaf = sqlite3_column_int64 (stmt, 0);
    }
}

/* Deletes a message with every reply below it (the foreign keys cascade). When the
 * conversation showed a message of that subtree, it shows the newest remaining branch
 * under the deleted message's parent instead. Returns the conversation's active leaf. */
static gboolean
delete_message (SprigStoreDb *db,
                gint64        id,
                gint64       *active_leaf,
                GError      **error)
{
  g_autoptr(SprigStmt) find = _sprig_store_db_prepare (db,
    "WITH RECURSIVE up (id) AS ("
    "  SELECT c.active_leaf_id FROM messages m JOIN conversations c"
    "    ON c.id = m.conversation_id WHERE m.id = ?1"
    "  UNION ALL"
    "  SELECT m.parent_id FROM messages m JOIN up ON m.id = up.id"
    "  WHERE m.parent_id IS NOT NULL)"
    "SELECT m.conversation_id, coalesce(m.parent_id, 0),"
    "  (SELECT active_leaf_id FROM conversations WHERE id = m.conversation_id),"
    "  EXISTS (SELECT 1 FROM up WHERE up.id = ?1) "
    "FROM messages m WHERE m.id = ?1", error);
  g_autoptr(SprigStmt) del = NULL;
  gint64 conversation_id, parent_id;
  gboolean shown;
  int rc;

  if (find == NULL)
    return FALSE;
  sqlite3_bind_int64 (find, 1, id);
  rc = _sprig_store_db_step (db, find, error);
  if (rc == SQLITE_DONE)
    return not_found (MISSING_MESSAGE, id, error);
  if (rc != SQLITE_ROW)
    return FALSE;
  conversation_id = sqlite3_column_int64 (find, 0);
  parent_id = sqlite3_column_int64 (find, 1);
  *active_leaf = sqlite3_column_int64 (find, 2);
  shown = sqlite3_column_int (find, 3) != 0;

  del = _sprig_store_db_prepare (db, "DELETE FROM messages WHERE id = ?1", error);
  if (del == NULL)
    return FALSE;
  sqlite3_bind_int64 (del, 1, id);
  if (!_sprig_store_db_run (db, del, error))
    return FALSE;
  if (!shown)
    return TRUE;
  return newest_leaf (db, conversation_id, parent_id, active_leaf, error) &&
         set_leaf (db, conversation_id, *active_leaf, FALSE, error);
}

gboolean
_sprig_store_op_delete_message (SprigStoreDb *db,
                                gpointer      data,
                                gpointer     *result,
                                GError      **error)
{
  SprigStoreArgs *args = data;
  gint64 leaf = 0;

  if (!_sprig_store_db_require_open (db, TRUE, error) || !_sprig_store_db_begin (db, error))
    return FALSE;
  if (!delete_message (db, args->id, &leaf, error) || !_sprig_store_db_commit (db, error))
    {
      _sprig_store_db_rollback (db);
      return FALSE;
    }
  *result = _sprig_box_int64 (leaf);
  return TRUE;
}

gboolean
_sprig_store_insert_tool_call (SprigStoreDb        *db,
                               gint64               message_id,
                               int                  position,
                               const SprigToolCall *call,
                               gint64              *id,
                               GError             **error)
{
  g_autoptr(SprigStmt) stmt = _sprig_store_db_prepare (db,
    "INSERT INTO tool_calls (message_id, position, call_id, name, arguments, result, "
    "is_error, status, created_at, updated_at) VALUES (?1, "
    "  CASE WHEN ?2 >= 0 THEN ?2 ELSE (SELECT coalesce(max(position) + 1, 0) FROM tool_calls "
    "  WHERE message_id = ?1) END, ?3, ?4, ?5, ?6, ?7, ?9, ?8, ?8)", error);

  if (stmt == NULL)
    return FALSE;
  if (!sprig_tool_call_status_is_valid (call->status))
    return invalid_status (call->status, error);
  sqlite3_bind_int64 (stmt, 1, message_id);
  sqlite3_bind_int (stmt, 2, position);
  _sprig_stmt_bind_text (stmt, 3, call->call_id);
  _sprig_stmt_bind_text (stmt, 4, call->name != NULL ? call->name : "");
  _sprig_stmt_bind_text (stmt, 5, call->arguments != NULL ? call->arguments : "{}");
  _sprig_stmt_bind_text (stmt, 6, call->result);
  sqlite3_bind_int (stmt, 7, call->is_error ? 1 : 0);
  sqlite3_bind_int64 (stmt, 8, g_get_real_time ());
  _sprig_stmt_bind_text (stmt, 9, call->status);
  if (!_sprig_store_db_run (db, stmt, error))
    return FALSE;
  if (id != NULL)
    *id = sqlite3_last_insert_rowid (db->sql);
  return TRUE;
}

gboolean
_sprig_store_op_add_tool_call (SprigStoreDb *db,
                               gpointer      data,
                               gpointer     *result,
                               GError      **error)
{
  SprigStoreArgs *args = data;
  gint64 exists = 0;
  gint64 id = 0;
  g_autoptr(SprigStmt) stmt = NULL;

  if (!_sprig_store_db_require_open (db, TRUE, error))
    return FALSE;
  stmt = _sprig_store_db_prepare (db, "SELECT count(*) FROM messages WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, args->id);
  if (_sprig_store_db_step (db, stmt, error) != SQLITE_ROW)
    return FALSE;
  exists = sqlite3_column_int64 (stmt, 0);
  if (exists == 0)
    return not_found (MISSING_MESSAGE, args->id, error);
  if (!_sprig_store_insert_tool_call (db, args->id, -1, args->call, &id, error))
    return FALSE;
  *result = _sprig_box_int64 (id);
  return TRUE;
}

gboolean
_sprig_store_op_set_tool_result (SprigStoreDb *db,
                                 gpointer      data,
                                 gpointer     *result,
                                 GError      **error)
{
  SprigStoreArgs *args = data;
  g_autoptr(SprigStmt) stmt = NULL;

  if (!sprig_tool_call_status_is_valid (args->text2))
    return invalid_status (args->text2, error);
  if (!_sprig_store_db_require_open (db, TRUE, error))
    return FALSE;
  stmt = _sprig_store_db_prepare (db, "UPDATE tool_calls SET result = ?2, is_error = ?3, "
                                      "updated_at = ?4, status = coalesce(?5, status) "
                                      "WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, args->id);
  _sprig_stmt_bind_text (stmt, 2, args->text != NULL ? args->text : "");
  sqlite3_bind_int (stmt, 3, args->num ? 1 : 0);
  sqlite3_bind_int64 (stmt, 4, g_get_real_time ());
  _sprig_stmt_bind_text (stmt, 5, args->text2);
  if (!_sprig_store_db_run (db, stmt, error))
    return FALSE;
  if (sqlite3_changes (db->sql) == 0)
    return not_found (MISSING_TOOL_CALL, args->id, error);
  return TRUE;
}

gboolean
_sprig_store_op_set_tool_permission (SprigStoreDb *db,
                                     gpointer      data,
                                     gpointer     *result,
                                     GError      **error)
{
  SprigStoreArgs *args = data;
  g_autoptr(SprigStmt) stmt = NULL;

  if (!_sprig_store_db_require_open (db, TRUE, error))
    return FALSE;
  /* "Ask" is the absence of a decision. */
  if (args->kind == SPRIG_TOOL_DECISION_ASK)
    stmt = _sprig_store_db_prepare (db, "DELETE FROM tool_permissions WHERE tool_id = ?1 AND "
                                        "definition_hash = ?2", error);
  else
    stmt = _sprig_store_db_prepare (db, "INSERT OR REPLACE INTO tool_permissions (tool_id, "
                                        "definition_hash, decision, decided_at) "
                                        "VALUES (?1, ?2, ?3, ?4)", error);
  if (stmt == NULL)
    return FALSE;
  _sprig_stmt_bind_text (stmt, 1, args->text);
  _sprig_stmt_bind_text (stmt, 2, args->text2);
  if (args->kind != SPRIG_TOOL_DECISION_ASK)
    {
      _sprig_stmt_bind_text (stmt, 3, args->kind == SPRIG_TOOL_DECISION_ALLOW ? "allow" : "deny");
      sqlite3_bind_int64 (stmt, 4, g_get_real_time ());
    }
  return _sprig_store_db_run (db, stmt, error);
}

gboolean
_sprig_store_op_get_tool_permission (SprigStoreDb *db,
                                     gpointer      data,
                                     gpointer     *result,
                                     GError      **error)
{
  SprigStoreArgs *args = data;
  g_autoptr(SprigStmt) stmt = NULL;
  SprigToolDecision decision = SPRIG_TOOL_DECISION_ASK;
  int rc;

  if (!_sprig_store_db_require_open (db, FALSE, error))
    return FALSE;
  stmt = _sprig_store_db_prepare (db, "SELECT decision FROM tool_permissions "
                                      "WHERE tool_id = ?1 AND definition_hash = ?2", error);
  if (stmt == NULL)
    return FALSE;
  _sprig_stmt_bind_text (stmt, 1, args->text);
  _sprig_stmt_bind_text (stmt, 2, args->text2);
  rc = _sprig_store_db_step (db, stmt, error);
  if (rc < 0)
    return FALSE;
  if (rc == SQLITE_ROW)
    decision = g_strcmp0 ((const char *) sqlite3_column_text (stmt, 0), "allow") == 0
               ? SPRIG_TOOL_DECISION_ALLOW : SPRIG_TOOL_DECISION_DENY;
  *result = _sprig_box_int64 (decision);
  return TRUE;
}

gboolean
_sprig_store_op_check_integrity (SprigStoreDb *db,
                                 gpointer      data,
                                 gpointer     *result,
                                 GError      **error)
{
  g_autoptr(SprigStmt) stmt = NULL;
  g_autoptr(GString) problems = g_string_new (NULL);
  int rc;

  if (!_sprig_store_db_require_open (db, FALSE, error))
    return FALSE;
  stmt = _sprig_store_db_prepare (db, "PRAGMA integrity_check", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = _sprig_store_db_step (db, stmt, error)) == SQLITE_ROW)
    {
      const char *line = (const char *) sqlite3_column_text (stmt, 0);

      if (g_strcmp0 (line, "ok") != 0)
        g_string_append_printf (problems, "%s%s", problems->len ? "; " : "", line);
    }
  if (rc != SQLITE_DONE)
    return FALSE;
  if (problems->len > 0)
    {
      g_set_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_CORRUPT,
                   _("The conversation database “%s” is damaged: %s"), db->path, problems->str);
      return FALSE;
    }
  return TRUE;
}
