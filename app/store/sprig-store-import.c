/* SPDX-License-Identifier: Apache-2.0
 *
 * Import of the JSON export format (docs/store.md): the whole file is validated while it
 * is written inside one transaction, so a bad file adds nothing. Conversations get new
 * ids; message ids in the file only link parents and the active leaf.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "sprig-store-private.h"

#define MAX_IMPORT_VERSION 1

static gboolean
invalid (GError    **error,
         const char *where,
         const char *what)
{
  g_set_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_INVALID,
               _("This is not a valid Sprig export: %s %s."), where, what);
  return FALSE;
}

static gboolean
get_member (JsonObject  *obj,
            const char  *name,
            GType        type,
            gboolean     nullable,
            JsonNode   **node,
            GError     **error)
{
  JsonNode *member = json_object_get_member (obj, name);

  if (member == NULL || JSON_NODE_HOLDS_NULL (member))
    {
      *node = NULL;
      return nullable || invalid (error, name, _("is missing"));
    }
  if ((type == JSON_TYPE_OBJECT && !JSON_NODE_HOLDS_OBJECT (member)) ||
      (type == JSON_TYPE_ARRAY && !JSON_NODE_HOLDS_ARRAY (member)))
    return invalid (error, name, _("has the wrong type"));
  if (type != JSON_TYPE_OBJECT && type != JSON_TYPE_ARRAY &&
      (!JSON_NODE_HOLDS_VALUE (member) ||
       (json_node_get_value_type (member) != type &&
        !(type == G_TYPE_DOUBLE && json_node_get_value_type (member) == G_TYPE_INT64))))
    return invalid (error, name, _("has the wrong type"));
  *node = member;
  return TRUE;
}

static gboolean
get_string (JsonObject *obj,
            const char *name,
            gboolean    nullable,
            char      **out,
            GError    **error)
{
  JsonNode *node;

  if (!get_member (obj, name, G_TYPE_STRING, nullable, &node, error))
    return FALSE;
  g_free (*out);
  *out = node != NULL ? g_strdup (json_node_get_string (node)) : NULL;
  return TRUE;
}

static gboolean
get_int (JsonObject *obj,
         const char *name,
         gboolean    nullable,
         gint64      min,
         gint64     *out,
         GError    **error)
{
  JsonNode *node;

  if (!get_member (obj, name, G_TYPE_INT64, nullable, &node, error))
    return FALSE;
  *out = node != NULL ? json_node_get_int (node) : 0;
  if (node != NULL && (*out < min || *out > G_MAXINT32))
    return invalid (error, name, _("is out of range"));
  return TRUE;
}

static gboolean
get_bool (JsonObject *obj,
          const char *name,
          gboolean   *out,
          GError    **error)
{
  JsonNode *node;

  if (!get_member (obj, name, G_TYPE_BOOLEAN, TRUE, &node, error))
    return FALSE;
  *out = node != NULL && json_node_get_boolean (node);
  return TRUE;
}

static gboolean
get_time (JsonObject *obj,
          const char *name,
          gint64     *out,
          GError    **error)
{
  g_autofree char *text = NULL;

  if (!get_string (obj, name, FALSE, &text, error))
    return FALSE;
  if (!_sprig_store_parse_time (text, out))
    return invalid (error, name, _("is not an ISO 8601 time"));
  return TRUE;
}

static gboolean
get_double (JsonObject *obj,
            const char *name,
            double     *out,
            GError    **error)
{
  JsonNode *node;

  if (!get_member (obj, name, G_TYPE_DOUBLE, TRUE, &node, error))
    return FALSE;
  *out = node != NULL ? json_node_get_double (node) : 0;
  return TRUE;
}

static gboolean
read_tool_calls (JsonObject   *obj,
                 SprigMessage *msg,
                 GError      **error)
{
  JsonNode *node;
  JsonArray *array;

  if (!get_member (obj, "tool_calls", JSON_TYPE_ARRAY, TRUE, &node, error))
    return FALSE;
  array = node != NULL ? json_node_get_array (node) : NULL;
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      g_autoptr(SprigToolCall) call = sprig_tool_call_new (NULL, NULL, NULL);
      JsonObject *cobj;

      if (!JSON_NODE_HOLDS_OBJECT (item))
        return invalid (error, "tool_calls", _("holds something that is not an object"));
      cobj = json_node_get_object (item);
      if (!get_string (cobj, "call_id", TRUE, &call->call_id, error) ||
          !get_string (cobj, "name", FALSE, &call->name, error) ||
          !get_string (cobj, "arguments", FALSE, &call->arguments, error) ||
          !get_string (cobj, "result", TRUE, &call->result, error) ||
          !get_bool (cobj, "is_error", &call->is_error, error) ||
          !get_string (cobj, "status", TRUE, &call->status, error))
        return FALSE;
      if (!sprig_tool_call_status_is_valid (call->status))
        return invalid (error, "status", _("is not a tool call status"));
      g_ptr_array_add (msg->tool_calls, g_steal_pointer (&call));
    }
  return TRUE;
}

static gboolean
read_counters (JsonObject   *obj,
               SprigMessage *msg,
               GError      **error)
{
  JsonNode *tokens, *speed;
  gint64 prompt = 0, completion = 0;

  if (!get_member (obj, "tokens", JSON_TYPE_OBJECT, TRUE, &tokens, error) ||
      !get_member (obj, "speed", JSON_TYPE_OBJECT, TRUE, &speed, error))
    return FALSE;
  if (tokens != NULL &&
      (!get_int (json_node_get_object (tokens), "prompt", TRUE, 0, &prompt, error) ||
       !get_int (json_node_get_object (tokens), "completion", TRUE, 0, &completion, error)))
    return FALSE;
  msg->prompt_tokens = (int) prompt;
  msg->completion_tokens = (int) completion;
  return speed == NULL ||
         (get_double (json_node_get_object (speed), "prompt_per_second",
                      &msg->prompt_per_second, error) &&
          get_double (json_node_get_object (speed), "tokens_per_second",
                      &msg->tokens_per_second, error) &&
          get_double (json_node_get_object (speed), "first_token_ms",
                      &msg->first_token_ms, error));
}

static SprigMessage *
read_message (JsonNode *node,
              gint64   *file_id,
              gint64   *file_parent,
              GError  **error)
{
  g_autoptr(SprigMessage) msg = sprig_message_new (SPRIG_MESSAGE_ROLE_USER, NULL);
  g_autofree char *role = NULL, *status = NULL;
  JsonObject *obj;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, "messages", _("holds something that is not an object")), NULL;
  obj = json_node_get_object (node);
  if (!get_int (obj, "id", FALSE, 1, file_id, error) ||
      !get_int (obj, "parent", TRUE, 1, file_parent, error) ||
      !get_string (obj, "role", FALSE, &role, error) ||
      !get_string (obj, "status", FALSE, &status, error) ||
      !get_string (obj, "content", FALSE, &msg->content, error) ||
      !get_string (obj, "reasoning", TRUE, &msg->reasoning, error) ||
      !get_string (obj, "error", TRUE, &msg->error, error) ||
      !get_string (obj, "model_id", TRUE, &msg->model_id, error) ||
      !get_string (obj, "backend", TRUE, &msg->backend, error) ||
      !get_time (obj, "created_at", &msg->created_at, error) ||
      !get_time (obj, "updated_at", &msg->updated_at, error) ||
      !read_counters (obj, msg, error) || !read_tool_calls (obj, msg, error))
    return NULL;
  if (!sprig_message_role_from_string (role, &msg->role))
    return invalid (error, "role", _("is not system, user, assistant or tool")), NULL;
  if (!sprig_message_status_from_string (status, &msg->status))
    return invalid (error, "status", _("is not a known message status")), NULL;
  /* Nothing imported is still streaming. */
  if (msg->status == SPRIG_MESSAGE_STATUS_STREAMING)
    msg->status = SPRIG_MESSAGE_STATUS_INTERRUPTED;
  if (msg->reasoning == NULL)
    msg->reasoning = g_strdup ("");
  return g_steal_pointer (&msg);
}

static gboolean
import_messages (SprigStoreDb *db,
                 JsonArray    *array,
                 gint64        conversation_id,
                 GHashTable   *ids,
                 GError      **error)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      gint64 file_id = 0, file_parent = 0, id = 0;
      g_autoptr(SprigMessage) msg = read_message (json_array_get_element (array, i), &file_id,
                                                  &file_parent, error);
      gint64 *key;

      if (msg == NULL)
        return FALSE;
      if (g_hash_table_contains (ids, &file_id))
        return invalid (error, "id", _("appears twice in a conversation"));
      if (file_parent != 0 && !g_hash_table_contains (ids, &file_parent))
        return invalid (error, "parent", _("does not name an earlier message"));
      msg->conversation_id = conversation_id;
      msg->parent_id = file_parent != 0 ? *(gint64 *) g_hash_table_lookup (ids, &file_parent) : 0;
      if (!_sprig_store_insert_message (db, msg, &id, error))
        return FALSE;
      key = g_new (gint64, 2);
      key[0] = file_id;
      key[1] = id;
      g_hash_table_insert (ids, key, key + 1);
    }
  return TRUE;
}

static gboolean
read_conversation_fields (JsonObject        *obj,
                          SprigConversation *conv,
                          GError           **error)
{
  JsonNode *sampling;

  if (!get_string (obj, "title", FALSE, &conv->title, error) ||
      !get_time (obj, "created_at", &conv->created_at, error) ||
      !get_time (obj, "updated_at", &conv->updated_at, error) ||
      !get_bool (obj, "pinned", &conv->pinned, error) ||
      !get_bool (obj, "archived", &conv->archived, error) ||
      !get_string (obj, "model_id", TRUE, &conv->model_id, error) ||
      !get_string (obj, "system_prompt", TRUE, &conv->system_prompt, error) ||
      !get_member (obj, "sampling", JSON_TYPE_OBJECT, TRUE, &sampling, error))
    return FALSE;
  conv->sampling_json = sampling != NULL ? json_to_string (sampling, FALSE) : NULL;
  return TRUE;
}

static gboolean
import_conversation (SprigStoreDb *db,
                     JsonNode     *node,
                     GError      **error)
{
  g_autoptr(SprigConversation) conv = sprig_conversation_new ();
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autofree gint64 *new_id = NULL;
  SprigStoreArgs args = { 0 };
  JsonNode *messages;
  JsonObject *obj;
  gint64 leaf = 0;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, "conversations", _("holds something that is not an object"));
  obj = json_node_get_object (node);
  if (!read_conversation_fields (obj, conv, error) ||
      !get_int (obj, "active_leaf", TRUE, 1, &leaf, error) ||
      !get_member (obj, "messages", JSON_TYPE_ARRAY, FALSE, &messages, error))
    return FALSE;
  args.conv = conv;
  if (!_sprig_store_op_create_conversation (db, &args, (gpointer *) &new_id, error) ||
      !import_messages (db, json_node_get_array (messages), *new_id, ids, error))
    return FALSE;
  if (leaf != 0 && !g_hash_table_contains (ids, &leaf))
    return invalid (error, "active_leaf", _("does not name a message"));
  if (leaf != 0)
    {
      g_autoptr(SprigStmt) stmt = _sprig_store_db_prepare (db,
        "UPDATE conversations SET active_leaf_id = ?2 WHERE id = ?1", error);

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, *new_id);
      sqlite3_bind_int64 (stmt, 2, *(gint64 *) g_hash_table_lookup (ids, &leaf));
      return _sprig_store_db_run (db, stmt, error);
    }
  return TRUE;
}

static JsonArray *
check_header (JsonNode *root,
              GError  **error)
{
  g_autofree char *format = NULL;
  JsonNode *list;
  gint64 version = 0;
  JsonObject *obj;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return invalid (error, _("the file"), _("does not hold a JSON object")), NULL;
  obj = json_node_get_object (root);
  if (!get_string (obj, "format", FALSE, &format, error) ||
      !get_int (obj, "version", FALSE, 1, &version, error))
    return NULL;
  if (!g_str_equal (format, "sprig-conversations"))
    return invalid (error, "format", _("is not “sprig-conversations”")), NULL;
  if (version > MAX_IMPORT_VERSION)
    {
      g_set_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_TOO_NEW,
                   _("This export was written by a newer Sprig (format version %d); update "
                     "Sprig to import it."), (int) version);
      return NULL;
    }
  if (!get_member (obj, "conversations", JSON_TYPE_ARRAY, FALSE, &list, error))
    return NULL;
  return json_node_get_array (list);
}

gboolean
_sprig_store_op_import (SprigStoreDb *db,
                        gpointer      data,
                        gpointer     *result,
                        GError      **error)
{
  SprigStoreArgs *args = data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonArray *list;
  gsize len;

  if (!_sprig_store_db_require_open (db, TRUE, error) ||
      !g_file_load_contents (args->file, NULL, &text, &len, NULL, error))
    return FALSE;
  if (!json_parser_load_from_data (parser, text, (gssize) len, &local_error))
    return invalid (error, _("the file"), local_error->message);
  list = check_header (json_parser_get_root (parser), error);
  if (list == NULL || !_sprig_store_db_begin (db, error))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (list); i++)
    if (!import_conversation (db, json_array_get_element (list, i), error))
      {
        _sprig_store_db_rollback (db);
        g_prefix_error (error, _("Conversation %u: "), i + 1);
        return FALSE;
      }
  if (!_sprig_store_db_commit (db, error))
    return FALSE;
  *result = _sprig_box_int64 (json_array_get_length (list));
  return TRUE;
}
