/* SPDX-License-Identifier: Apache-2.0
 *
 * The public _async/_finish pairs of SprigStore and its synchronous test reads: each
 * packs its arguments, checks them, and queues the matching worker operation from
 * sprig-store-ops.c and friends.
 */
#include "config.h"

#include "sprig-store-private.h"

static SprigToolCall *
copy_tool_call (const SprigToolCall *call)
{
  SprigToolCall *copy = sprig_tool_call_new (call->call_id, call->name, call->arguments);

  copy->id = call->id;
  copy->result = g_strdup (call->result);
  copy->is_error = call->is_error;
  copy->status = g_strdup (call->status);
  return copy;
}

static SprigMessage *
copy_message (const SprigMessage *msg)
{
  SprigMessage *copy = sprig_message_new (msg->role, msg->content);

  copy->conversation_id = msg->conversation_id;
  copy->parent_id = msg->parent_id;
  copy->status = msg->status;
  g_free (copy->reasoning);
  copy->reasoning = g_strdup (msg->reasoning != NULL ? msg->reasoning : "");
  copy->error = g_strdup (msg->error);
  copy->model_id = g_strdup (msg->model_id);
  copy->created_at = msg->created_at;
  copy->updated_at = msg->updated_at;
  copy->prompt_tokens = msg->prompt_tokens;
  copy->completion_tokens = msg->completion_tokens;
  copy->prompt_per_second = msg->prompt_per_second;
  copy->tokens_per_second = msg->tokens_per_second;
  copy->first_token_ms = msg->first_token_ms;
  copy->backend = g_strdup (msg->backend);
  for (guint i = 0; msg->tool_calls != NULL && i < msg->tool_calls->len; i++)
    g_ptr_array_add (copy->tool_calls, copy_tool_call (g_ptr_array_index (msg->tool_calls, i)));
  return copy;
}

void
sprig_store_create_conversation_async (SprigStore              *self,
                                       const SprigConversation *conv,
                                       GCancellable            *cancellable,
                                       GAsyncReadyCallback      callback,
                                       gpointer                 user_data)
{
  SprigStoreArgs *args;

  g_return_if_fail (SPRIG_IS_STORE (self));
  g_return_if_fail (conv != NULL);
  args = _sprig_store_args_new ();
  args->conv = sprig_conversation_copy (conv);
  _sprig_store_queue (self, _sprig_store_op_create_conversation, args,
                      SPRIG_STORE_RESULT_INT, NULL,
                      sprig_store_create_conversation_async, cancellable, callback, user_data);
}

gint64
sprig_store_create_conversation_finish (SprigStore    *self,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  return _sprig_store_finish_int (self, result, sprig_store_create_conversation_async, error);
}

void
sprig_store_update_conversation_async (SprigStore              *self,
                                       const SprigConversation *conv,
                                       GCancellable            *cancellable,
                                       GAsyncReadyCallback      callback,
                                       gpointer                 user_data)
{
  SprigStoreArgs *args;

  g_return_if_fail (SPRIG_IS_STORE (self));
  g_return_if_fail (conv != NULL);
  args = _sprig_store_args_new ();
  args->conv = sprig_conversation_copy (conv);
  _sprig_store_queue (self, _sprig_store_op_update_conversation, args,
                      SPRIG_STORE_RESULT_BOOLEAN, NULL,
                      sprig_store_update_conversation_async, cancellable, callback, user_data);
}

gboolean
sprig_store_update_conversation_finish (SprigStore    *self,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  return _sprig_store_finish_boolean (self, result, sprig_store_update_conversation_async, error);
}

void
sprig_store_get_conversation_async (SprigStore          *self,
                                    gint64               conversation_id,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  SprigStoreArgs *args;

  g_return_if_fail (SPRIG_IS_STORE (self));
  args = _sprig_store_args_new ();
  args->id = conversation_id;
  _sprig_store_queue (self, _sprig_store_op_get_conversation, args,
                      SPRIG_STORE_RESULT_POINTER, (GDestroyNotify) sprig_conversation_free,
                      sprig_store_get_conversation_async, cancellable, callback, user_data);
}

SprigConversation *
sprig_store_get_conversation_finish (SprigStore    *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return _sprig_store_finish_pointer (self, result, sprig_store_get_conversation_async, error);
}

void
sprig_store_list_conversations_async (SprigStore          *self,
                                      SprigListFlags       flags,
                                      guint                offset,
                                      guint                limit,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  SprigStoreArgs *args;

  g_return_if_fail (SPRIG_IS_STORE (self));
  args = _sprig_store_args_new ();
  args->kind = flags;
  args->id = offset;
  args->num = limit;
  _sprig_store_queue (self, _sprig_store_op_list_conversations, args,
                      SPRIG_STORE_RESULT_POINTER, (GDestroyNotify) g_ptr_array_unref,
                      sprig_store_list_conversations_async, cancellable, callback, user_data);
}

GPtrArray *
sprig_store_list_conversations_finish (SprigStore    *self,
                                       GAsyncResult  *result,
                                       GError       **error)
{
  return _sprig_store_finish_pointer (self, result, sprig_store_list_conversations_async, error);
}

void
sprig_store_delete_conversation_async (SprigStore          *self,
                                       gint64               conversation_id,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  SprigStoreArgs *args;

  g_return_if_fail (SPRIG_IS_STORE (self));
  args = _sprig_store_args_new ();
  args->id = conversation_id;
  _sprig_store_queue (self, _sprig_store_op_delete_conversation, args,
                      SPRIG_STORE_RESULT_BOOLEAN, NULL,
                      sprig_store_delete_conversation_async, cancellable, callback, user_data);
}

gboolean
sprig_store_delete_conversation_finish (SprigStore    *self,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  return _sprig_store_finish_boolean (self, result, sprig_store_delete_conversation_async, error);
}

void
sprig_store_restore_conversation_async (SprigStore          *self,
                                        gint64               conversation_id,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  SprigStoreArgs *args;

  g_return_if_fail (SPRIG_IS_STORE (self));
  args = _sprig_store_args_new ();
  args->id = conversation_id;
  _sprig_store_queue (self, _sprig_store_op_restore_conversation, args,
                      SPRIG_STORE_RESULT_BOOLEAN, NULL,
                      sprig_store_restore_conversation_async, cancellable, callback, user_data);
}

gboolean
sprig_store_restore_conversation_finish (SprigStore    *self,
                                         GAsyncResult  *result,
                                         GError       **error)
{
  return _sprig_store_finish_boolean (self, result, sprig_store_restore_conversation_async, error);
}

void
sprig_store_delete_all_async (SprigStore          *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  SprigStoreArgs *args;

  g_return_if_fail (SPRIG_IS_STORE (self));
  args = _sprig_store_args_new ();
  _sprig_store_queue (self, _sprig_store_op_delete_all, args,
                      SPRIG_STORE_RESULT_INT, NULL,
                      sprig_store_delete_all_async, cancellable, callback, user_data);
}

gint64
sprig_store_delete_all_finish (SprigStore    *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  return _sprig_store_finish_int (self, result, sprig_store_delete_all_async, error);
}

void
sprig_store_purge_deleted_async (SprigStore          *self,
                                 gint64               deleted_before,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  SprigStoreArgs *args;

  g_return_if_fail (SPRIG_IS_STORE (self));
  args = _sprig_store_args_new ();
  args->num = deleted_before;
  _sprig_store_queue (self, _sprig_store_op_purge_deleted, args,
                      SPRIG_STORE_RESULT_INT, NULL,
                      sprig_store_purge_deleted_async, cancellable, callback, user_data);
}

gint64
sprig_store_purge_deleted_finish (SprigStore    *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return _sprig_store_finish_int (self, result, sprig_store_purge_deleted_async, error);
}

void
sprig_store_append_message_async (SprigStore          *self,
                                  const SprigMessage  *msg,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  SprigStoreArgs *args;

  g_return_if_fail (SPRIG_IS_STORE (self));
  g_return_if_fail (msg != NULL);
  args = _sprig_store_args_new ();
  args->msg = copy_message (msg);
  _sprig_store_queue (self, _sprig_store_op_append_message, args,
                      SPRIG_STORE_RESULT_INT, NULL,
                      sprig_store_append_message_async, cancellable, callback, user_data);
}

gint64
sprig_store_append_message_finish (SprigStore    *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  return _sprig_store_finish_int (self, result, sprig_store_append_message_async, error);
}

void
sprig_store_load_thread_async (SprigStore          *self,
                               gint64               conversation_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  SprigStoreArgs *args;

  g_return_if_fail (SPRIG_IS_STORE (self));
  args = _sprig_store_args_new ();
  args->id = conversation_id;
  _sprig_store_queue (self, _sprig_store_op_load_thread, args,
                      SPRIG_STORE_RESULT_POINTER, (GDestroyNotify) g_ptr_array_unref,
                      sprig_store_load_thread_async, cancellable, callback, user_data);
}

GPtrArray *
sprig_store_load_thread_finish (SprigStore    *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  return _sprig_store_finish_pointer (self, result, sprig_store_load_thread_async, error);
}

void
sprig_store_list_messages_async (SprigStore          *self,
                                 gint64               conversation_id,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  SprigStoreArgs *args;

  g_return_if_fail (SPRIG_IS_STORE (self));
  args = _sprig_store_args_new ();
  args->id = conversation_id;
  _sprig_store_queue (self, _sprig_store_op_list_messages, args,
                      SPRIG_STORE_RESULT_POINTER, (GDestroyNotify) g_ptr_array_unref,
                      sprig_store_list_messages_async, cancellable, callback, user_data);
}

GPtrArray *
sprig_store_list_messages_finish (SprigStore    *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return _sprig_store_finish_pointer (self, result, sprig_store_list_messages_async, error);
}

void
sprig_store_set_active_leaf_async (SprigStore          *self,
                                   gint64               conversation_id,
                                   gint64               message_id,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  SprigStoreArgs *args;

  g_return_if_fail (SPRIG_IS_STORE (self));
  args = _sprig_store_args_new ();
  args->id = conversation_id;
  args->id2 = message_id;
  _sprig_store_queue (self, _sprig_store_op_set_active_leaf, args,
                      SPRIG_STORE_RESULT_BOOLEAN, NULL,
                      sprig_store_set_active_leaf_async, cancellable, callback, user_data);
}

gboolean
sprig_store_set_active_leaf_finish (SprigStore    *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return _sprig_store_finish_boolean (self, result, sprig_store_set_active_leaf_async, error);
}

void
sprig_store_delete_message_async (SprigStore          *self,
                                  gint64               message_id,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  SprigStoreArgs *args;

  g_return_if_fail (SPRIG_IS_STORE (self));
  args = _sprig_store_args_new ();
  args->id = message_id;
  _sprig_store_queue (self, _sprig_store_op_delete_message, args,
                      SPRIG_STORE_RESULT_INT, NULL,
                      sprig_store_delete_message_async, cancellable, callback, user_data);
}

gint64
sprig_store_delete_message_finish (SprigStore    *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  return _sprig_store_finish_int (self, result, sprig_store_delete_message_async, error);
}

void
sprig_store_begin_reply_async (SprigStore          *self,
                               gint64               conversation_id,
                               gint64               parent_id,
                               const char          *model_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  SprigStoreArgs *args;

  g_return_if_fail (SPRIG_IS_STORE (self));
  args = _sprig_store_args_new ();
  args->id = conversation_id;
  args->id2 = parent_id;
  args->text = g_strdup (model_id);
  _sprig_store_queue (self, _sprig_store_op_begin_reply, args,
                      SPRIG_STORE_RESULT_INT, NULL,
                      sprig_store_begin_reply_async, cancellable, callback, user_data);
}

gint64
sprig_store_begin_reply_finish (SprigStore    *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  return _sprig_store_finish_int (self, result, sprig_store_begin_reply_async, error);
}

void
sprig_store_finish_reply_async (SprigStore            *self,
                                gint64                 message_id,
                                SprigMessageStatus     status,
                                const SprigReplyStats *stats,
                                const char            *error_text,
                                GCancellable          *cancellable,
                                GAsyncReadyCallback    callback,
                                gpointer               user_data)
{
  SprigStoreArgs *args;

  g_return_if_fail (SPRIG_IS_STORE (self));
  g_return_if_fail (status != SPRIG_MESSAGE_STATUS_STREAMING);
  args = _sprig_store_args_new ();
  args->id = message_id;
  args->kind = status;
  if (stats != NULL)
    {
      args->stats = *stats;
      args->stats.backend = NULL;
      args->text2 = g_strdup (stats->backend);
    }
  args->text = g_strdup (error_text);
  _sprig_store_queue (self, _sprig_store_op_finish_reply, args,
                      SPRIG_STORE_RESULT_BOOLEAN, NULL,
                      sprig_store_finish_reply_async, cancellable, callback, user_data);
}

gboolean
sprig_store_finish_reply_finish (SprigStore    *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return _sprig_store_finish_boolean (self, result, sprig_store_finish_reply_async, error);
}

void
sprig_store_add_tool_call_async (SprigStore          *self,
                                 gint64               message_id,
                                 const SprigToolCall *call,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  SprigStoreArgs *args;

  g_return_if_fail (SPRIG_IS_STORE (self));
  g_return_if_fail (call != NULL && call->name != NULL);
  args = _sprig_store_args_new ();
  args->id = message_id;
  args->call = copy_tool_call (call);
  _sprig_store_queue (self, _sprig_store_op_add_tool_call, args,
                      SPRIG_STORE_RESULT_INT, NULL,
                      sprig_store_add_tool_call_async, cancellable, callback, user_data);
}

gint64
sprig_store_add_tool_call_finish (SprigStore    *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return _sprig_store_finish_int (self, result, sprig_store_add_tool_call_async, error);
}

void
sprig_store_set_tool_result_async (SprigStore          *self,
                                   gint64               tool_call_id,
                                   const char          *result_text,
                                   gboolean             is_error,
                                   const char          *status,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  SprigStoreArgs *args;

  g_return_if_fail (SPRIG_IS_STORE (self));
  args = _sprig_store_args_new ();
  args->id = tool_call_id;
  args->text = g_strdup (result_text);
  args->text2 = g_strdup (status);
  args->num = is_error;
  _sprig_store_queue (self, _sprig_store_op_set_tool_result, args,
                      SPRIG_STORE_RESULT_BOOLEAN, NULL,
                      sprig_store_set_tool_result_async, cancellable, callback, user_data);
}

gboolean
sprig_store_set_tool_result_finish (SprigStore    *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return _sprig_store_finish_boolean (self, result, sprig_store_set_tool_result_async, error);
}

void
sprig_store_set_tool_permission_async (SprigStore          *self,
                                       const char          *tool_id,
                                       const char          *definition_hash,
                                       SprigToolDecision    decision,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  SprigStoreArgs *args;

  g_return_if_fail (SPRIG_IS_STORE (self));
  g_return_if_fail (tool_id != NULL && definition_hash != NULL);
  args = _sprig_store_args_new ();
  args->text = g_strdup (tool_id);
  args->text2 = g_strdup (definition_hash);
  args->kind = decision;
  _sprig_store_queue (self, _sprig_store_op_set_tool_permission, args,
                      SPRIG_STORE_RESULT_BOOLEAN, NULL,
                      sprig_store_set_tool_permission_async, cancellable, callback, user_data);
}

gboolean
sprig_store_set_tool_permission_finish (SprigStore    *self,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  return _sprig_store_finish_boolean (self, result, sprig_store_set_tool_permission_async, error);
}

void
sprig_store_get_tool_permission_async (SprigStore          *self,
                                       const char          *tool_id,
                                       const char          *definition_hash,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  SprigStoreArgs *args;

  g_return_if_fail (SPRIG_IS_STORE (self));
  g_return_if_fail (tool_id != NULL && definition_hash != NULL);
  args = _sprig_store_args_new ();
  args->text = g_strdup (tool_id);
  args->text2 = g_strdup (definition_hash);
  _sprig_store_queue (self, _sprig_store_op_get_tool_permission, args,
                      SPRIG_STORE_RESULT_INT, NULL,
                      sprig_store_get_tool_permission_async, cancellable, callback, user_data);
}

SprigToolDecision
sprig_store_get_tool_permission_finish (SprigStore    *self,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  gint64 value = _sprig_store_finish_int (self, result, sprig_store_get_tool_permission_async,
                                          error);

  return value < 0 ? SPRIG_TOOL_DECISION_ASK : (SprigToolDecision) value;
}

void
sprig_store_search_async (SprigStore          *self,
                          const char          *query,
                          guint                limit,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  SprigStoreArgs *args;

  g_return_if_fail (SPRIG_IS_STORE (self));
  g_return_if_fail (query != NULL);
  args = _sprig_store_args_new ();
  args->text = g_strdup (query);
  args->num = limit > 0 ? limit : 50;
  _sprig_store_queue (self, _sprig_store_op_search, args,
                      SPRIG_STORE_RESULT_POINTER, (GDestroyNotify) g_ptr_array_unref,
                      sprig_store_search_async, cancellable, callback, user_data);
}

GPtrArray *
sprig_store_search_finish (SprigStore    *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return _sprig_store_finish_pointer (self, result, sprig_store_search_async, error);
}

void
sprig_store_export_conversation_async (SprigStore          *self,
                                       gint64               conversation_id,
                                       SprigExportFormat    format,
                                       GFile               *file,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  SprigStoreArgs *args;

  g_return_if_fail (SPRIG_IS_STORE (self));
  g_return_if_fail (G_IS_FILE (file));
  args = _sprig_store_args_new ();
  args->id = conversation_id;
  args->kind = format;
  args->file = g_object_ref (file);
  _sprig_store_queue (self, _sprig_store_op_export_conversation, args,
                      SPRIG_STORE_RESULT_BOOLEAN, NULL,
                      sprig_store_export_conversation_async, cancellable, callback, user_data);
}

gboolean
sprig_store_export_conversation_finish (SprigStore    *self,
                                        GAsyncResult  *result,
                                        GError       **error)
{
  return _sprig_store_finish_boolean (self, result, sprig_store_export_conversation_async, error);
}

void
sprig_store_export_all_async (SprigStore          *self,
                              GFile               *directory,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  SprigStoreArgs *args;

  g_return_if_fail (SPRIG_IS_STORE (self));
  g_return_if_fail (G_IS_FILE (directory));
  args = _sprig_store_args_new ();
  args->file = g_object_ref (directory);
  _sprig_store_queue (self, _sprig_store_op_export_all, args,
                      SPRIG_STORE_RESULT_INT, NULL,
                      sprig_store_export_all_async, cancellable, callback, user_data);
}

gint64
sprig_store_export_all_finish (SprigStore    *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  return _sprig_store_finish_int (self, result, sprig_store_export_all_async, error);
}

void
sprig_store_import_async (SprigStore          *self,
                          GFile               *file,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  SprigStoreArgs *args;

  g_return_if_fail (SPRIG_IS_STORE (self));
  g_return_if_fail (G_IS_FILE (file));
  args = _sprig_store_args_new ();
  args->file = g_object_ref (file);
  _sprig_store_queue (self, _sprig_store_op_import, args,
                      SPRIG_STORE_RESULT_INT, NULL,
                      sprig_store_import_async, cancellable, callback, user_data);
}

gint64
sprig_store_import_finish (SprigStore    *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return _sprig_store_finish_int (self, result, sprig_store_import_async, error);
}

void
sprig_store_check_integrity_async (SprigStore          *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  SprigStoreArgs *args;

  g_return_if_fail (SPRIG_IS_STORE (self));
  args = _sprig_store_args_new ();
  _sprig_store_queue (self, _sprig_store_op_check_integrity, args,
                      SPRIG_STORE_RESULT_BOOLEAN, NULL,
                      sprig_store_check_integrity_async, cancellable, callback, user_data);
}

gboolean
sprig_store_check_integrity_finish (SprigStore    *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return _sprig_store_finish_boolean (self, result, sprig_store_check_integrity_async, error);
}

/* Synchronous reads: the worker still runs them; the caller blocks meanwhile. */

SprigConversation *
sprig_store_get_conversation_sync (SprigStore  *self,
                                   gint64       conversation_id,
                                   GError     **error)
{
  SprigStoreArgs *args = _sprig_store_args_new ();
  gpointer result = NULL;

  g_return_val_if_fail (SPRIG_IS_STORE (self), NULL);
  args->id = conversation_id;
  _sprig_store_run_sync (self, _sprig_store_op_get_conversation, args, &result, error);
  return result;
}

GPtrArray *
sprig_store_list_messages_sync (SprigStore  *self,
                                gint64       conversation_id,
                                GError     **error)
{
  SprigStoreArgs *args = _sprig_store_args_new ();
  gpointer result = NULL;

  g_return_val_if_fail (SPRIG_IS_STORE (self), NULL);
  args->id = conversation_id;
  _sprig_store_run_sync (self, _sprig_store_op_list_messages, args, &result, error);
  return result;
}

SprigMessage *
sprig_store_get_message_sync (SprigStore  *self,
                              gint64       message_id,
                              GError     **error)
{
  SprigStoreArgs *args = _sprig_store_args_new ();
  gpointer result = NULL;

  g_return_val_if_fail (SPRIG_IS_STORE (self), NULL);
  args->id = message_id;
  _sprig_store_run_sync (self, _sprig_store_op_get_message, args, &result, error);
  return result;
}

gint64
sprig_store_count_messages_sync (SprigStore  *self,
                                 GError     **error)
{
  g_autofree gint64 *count = NULL;

  g_return_val_if_fail (SPRIG_IS_STORE (self), -1);
  if (!_sprig_store_run_sync (self, _sprig_store_op_count_messages, NULL, (gpointer *) &count,
                              error))
    return -1;
  return *count;
}
