/* SPDX-License-Identifier: Apache-2.0
 *
 * Export of conversations: the documented JSON format (docs/store.md, the whole message
 * tree, read back by sprig-store-import.c) and Markdown for people (the active branch).
 * Files are written atomically, so an interrupted export never leaves half a file.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "sprig-store-private.h"

#define EXPORT_FORMAT  "sprig-conversations"
#define EXPORT_VERSION 1

static void
add_time (JsonBuilder *builder,
          const char  *name,
          gint64       usec)
{
  g_autofree char *text = _sprig_store_format_time (usec);

  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, text);
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

static void
add_tool_calls (JsonBuilder        *builder,
                const SprigMessage *msg)
{
  json_builder_set_member_name (builder, "tool_calls");
  json_builder_begin_array (builder);
  for (guint i = 0; i < msg->tool_calls->len; i++)
    {
      const SprigToolCall *call = g_ptr_array_index (msg->tool_calls, i);

      json_builder_begin_object (builder);
      add_string (builder, "call_id", call->call_id);
      add_string (builder, "name", call->name);
      add_string (builder, "arguments", call->arguments);
      add_string (builder, "result", call->result);
      json_builder_set_member_name (builder, "is_error");
      json_builder_add_boolean_value (builder, call->is_error);
      add_string (builder, "status", call->status);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

/* Message ids in the file are 1-based positions in the conversation, not database ids. */
static void
add_message (JsonBuilder        *builder,
             const SprigMessage *msg,
             GHashTable         *positions)
{
  gint64 parent = msg->parent_id != 0
                  ? GPOINTER_TO_INT (g_hash_table_lookup (positions, &msg->parent_id)) : 0;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, GPOINTER_TO_INT (g_hash_table_lookup (positions,
                                                                             &msg->id)));
  json_builder_set_member_name (builder, "parent");
  if (parent > 0)
    json_builder_add_int_value (builder, parent);
  else
    json_builder_add_null_value (builder);
  add_string (builder, "role", sprig_message_role_to_string (msg->role));
  add_string (builder, "status", sprig_message_status_to_string (msg->status));
  add_string (builder, "content", msg->content);
  add_string (builder, "reasoning", msg->reasoning);
  add_string (builder, "error", msg->error);
  add_string (builder, "model_id", msg->model_id);
  add_string (builder, "backend", msg->backend);
  add_time (builder, "created_at", msg->created_at);
  add_time (builder, "updated_at", msg->updated_at);
  json_builder_set_member_name (builder, "tokens");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "prompt");
  json_builder_add_int_value (builder, msg->prompt_tokens);
  json_builder_set_member_name (builder, "completion");
  json_builder_add_int_value (builder, msg->completion_tokens);
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "speed");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "prompt_per_second");
  json_builder_add_double_value (builder, msg->prompt_per_second);
  json_builder_set_member_name (builder, "tokens_per_second");
  json_builder_add_double_value (builder, msg->tokens_per_second);
  json_builder_set_member_name (builder, "first_token_ms");
  json_builder_add_double_value (builder, msg->first_token_ms);
  json_builder_end_object (builder);
  add_tool_calls (builder, msg);
  json_builder_end_object (builder);
}

static void
add_sampling (JsonBuilder *builder,
              const char  *sampling_json)
{
  g_autoptr(JsonNode) node = sampling_json != NULL ? json_from_string (sampling_json, NULL)
                                                   : NULL;

  json_builder_set_member_name (builder, "sampling");
  if (node != NULL)
    json_builder_add_value (builder, g_steal_pointer (&node));
  else
    json_builder_add_null_value (builder);
}

static gboolean
add_conversation (SprigStoreDb            *db,
                  JsonBuilder             *builder,
                  const SprigConversation *conv,
                  GError                 **error)
{
  g_autoptr(GPtrArray) messages =
    g_ptr_array_new_with_free_func ((GDestroyNotify) sprig_message_free);
  g_autoptr(GHashTable) positions = g_hash_table_new (g_int64_hash, g_int64_equal);
  gint64 leaf;

  if (!_sprig_store_load_messages (db, conv->id, messages, error))
    return FALSE;
  for (guint i = 0; i < messages->len; i++)
    {
      SprigMessage *msg = g_ptr_array_index (messages, i);

      g_hash_table_insert (positions, &msg->id, GINT_TO_POINTER (i + 1));
    }

  json_builder_begin_object (builder);
  add_string (builder, "title", conv->title);
  add_time (builder, "created_at", conv->created_at);
  add_time (builder, "updated_at", conv->updated_at);
  json_builder_set_member_name (builder, "pinned");
  json_builder_add_boolean_value (builder, conv->pinned);
  json_builder_set_member_name (builder, "archived");
  json_builder_add_boolean_value (builder, conv->archived);
  add_string (builder, "model_id", conv->model_id);
  add_string (builder, "system_prompt", conv->system_prompt);
  add_sampling (builder, conv->sampling_json);
  leaf = GPOINTER_TO_INT (g_hash_table_lookup (positions, &conv->active_leaf_id));
  json_builder_set_member_name (builder, "active_leaf");
  if (leaf > 0)
    json_builder_add_int_value (builder, leaf);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "messages");
  json_builder_begin_array (builder);
  for (guint i = 0; i < messages->len; i++)
    add_message (builder, g_ptr_array_index (messages, i), positions);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return TRUE;
}

static JsonBuilder *
begin_document (void)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  add_string (builder, "format", EXPORT_FORMAT);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, EXPORT_VERSION);
  add_time (builder, "exported_at", g_get_real_time ());
  add_string (builder, "generator", "Sprig " PACKAGE_VERSION);
  json_builder_set_member_name (builder, "conversations");
  json_builder_begin_array (builder);
  return builder;
}

static gboolean
write_document (JsonBuilder *builder,
                GFile       *file,
                GError     **error)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  gsize len;

  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, &len);
  return g_file_replace_contents (file, text, len, NULL, FALSE, G_FILE_CREATE_NONE, NULL,
                                  NULL, error);
}

static gboolean
read_conversation (SprigStoreDb       *db,
                   gint64              id,
                   SprigConversation **conv,
                   GError            **error)
{
  SprigStoreArgs args = { .id = id };

  return _sprig_store_op_get_conversation (db, &args, (gpointer *) conv, error);
}

static void
append_markdown_message (GString            *md,
                         const SprigMessage *msg)
{
  static const char *const headings[] = { N_("System"), N_("User"), N_("Assistant"), N_("Tool") };

  g_string_append_printf (md, "## %s\n\n", _(headings[msg->role]));
  if (msg->reasoning != NULL && msg->reasoning[0] != '\0')
    g_string_append_printf (md, "<details><summary>%s</summary>\n\n%s\n\n</details>\n\n",
                            _("Reasoning"), msg->reasoning);
  for (guint i = 0; i < msg->tool_calls->len; i++)
    {
      const SprigToolCall *call = g_ptr_array_index (msg->tool_calls, i);

      g_string_append_printf (md, "**%s** `%s`", _("Tool call"), call->name);
      if (call->status != NULL)
        g_string_append_printf (md, " (%s)", call->status);
      g_string_append_printf (md, "\n\n```json\n%s\n```\n\n", call->arguments);
      if (call->result != NULL)
        g_string_append_printf (md, "```\n%s\n```\n\n", call->result);
    }
  g_string_append_printf (md, "%s\n\n", msg->content);
  if (msg->status == SPRIG_MESSAGE_STATUS_INTERRUPTED)
    g_string_append_printf (md, "_%s_\n\n", _("(reply interrupted)"));
  else if (msg->status == SPRIG_MESSAGE_STATUS_ERROR)
    g_string_append_printf (md, "_%s: %s_\n\n", _("Error"), msg->error ? msg->error : "");
}

static char *
conversation_markdown (SprigStoreDb            *db,
                       const SprigConversation *conv,
                       GError                 **error)
{
  SprigStoreArgs args = { .id = conv->id };
  g_autoptr(GPtrArray) thread = NULL;
  g_autoptr(GString) md = g_string_new (NULL);
  g_autofree char *created = _sprig_store_format_time (conv->created_at);

  if (!_sprig_store_op_load_thread (db, &args, (gpointer *) &thread, error))
    return NULL;
  g_string_append_printf (md, "# %s\n\n", conv->title[0] ? conv->title : _("Untitled"));
  g_string_append_printf (md, "_%s: %s", _("Created"), created);
  if (conv->model_id != NULL)
    g_string_append_printf (md, " · %s: %s", _("Model"), conv->model_id);
  g_string_append (md, "_\n\n");
  if (conv->system_prompt != NULL && conv->system_prompt[0] != '\0')
    g_string_append_printf (md, "> %s\n\n", conv->system_prompt);
  for (guint i = 0; i < thread->len; i++)
    append_markdown_message (md, g_ptr_array_index (thread, i));
  return g_string_free (g_steal_pointer (&md), FALSE);
}

static gboolean
write_markdown (SprigStoreDb            *db,
                const SprigConversation *conv,
                GFile                   *file,
                GError                 **error)
{
  g_autofree char *md = conversation_markdown (db, conv, error);

  return md != NULL && g_file_replace_contents (file, md, strlen (md), NULL, FALSE,
                                                G_FILE_CREATE_NONE, NULL, NULL, error);
}

gboolean
_sprig_store_op_export_conversation (SprigStoreDb *db,
                                     gpointer      data,
                                     gpointer     *result,
                                     GError      **error)
{
  SprigStoreArgs *args = data;
  g_autoptr(SprigConversation) conv = NULL;
  g_autoptr(JsonBuilder) builder = NULL;

  if (!_sprig_store_db_require_open (db, FALSE, error) ||
      !read_conversation (db, args->id, &conv, error))
    return FALSE;
  if (args->kind == SPRIG_EXPORT_MARKDOWN)
    return write_markdown (db, conv, args->file, error);
  builder = begin_document ();
  return add_conversation (db, builder, conv, error) && write_document (builder, args->file, error);
}

static char *
markdown_name (const SprigConversation *conv)
{
  g_autoptr(GString) name = g_string_new (NULL);
  guint chars = 0;

  g_string_append_printf (name, "%06" G_GINT64_FORMAT "-", conv->id);
  for (const char *p = conv->title; *p != '\0' && chars < 48; p = g_utf8_next_char (p), chars++)
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isalnum (c))
        g_string_append_unichar (name, g_unichar_tolower (c));
      else if (name->str[name->len - 1] != '-')
        g_string_append_c (name, '-');
    }
  g_string_append (name, ".md");
  return g_string_free (g_steal_pointer (&name), FALSE);
}

static gboolean
export_all_rows (SprigStoreDb *db,
                 JsonBuilder  *builder,
                 GFile        *md_dir,
                 gint64       *count,
                 GError      **error)
{
  g_autoptr(GPtrArray) list =
    g_ptr_array_new_with_free_func ((GDestroyNotify) sprig_conversation_free);
  g_autoptr(SprigStmt) stmt = _sprig_store_db_prepare (db,
    "SELECT id, title, created_at, updated_at, pinned, archived, deleted_at, model_id, "
    "system_prompt, sampling, active_leaf_id FROM conversations WHERE deleted_at IS NULL "
    "ORDER BY id", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = _sprig_store_db_step (db, stmt, error)) == SQLITE_ROW)
    g_ptr_array_add (list, _sprig_store_read_conversation (stmt));
  if (rc != SQLITE_DONE)
    return FALSE;
  for (guint i = 0; i < list->len; i++)
    {
      const SprigConversation *conv = g_ptr_array_index (list, i);
      g_autofree char *name = markdown_name (conv);
      g_autoptr(GFile) md_file = g_file_get_child (md_dir, name);

      if (!add_conversation (db, builder, conv, error) ||
          !write_markdown (db, conv, md_file, error))
        return FALSE;
    }
  *count = list->len;
  return TRUE;
}

/* DIR/conversations.json with everything, and DIR/markdown/<id>-<title>.md per chat. */
gboolean
_sprig_store_op_export_all (SprigStoreDb *db,
                            gpointer      data,
                            gpointer     *result,
                            GError      **error)
{
  SprigStoreArgs *args = data;
  g_autoptr(GFile) md_dir = g_file_get_child (args->file, "markdown");
  g_autoptr(GFile) json_file = g_file_get_child (args->file, "conversations.json");
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(GError) local_error = NULL;
  gint64 count = 0;

  if (!_sprig_store_db_require_open (db, FALSE, error))
    return FALSE;
  if (!g_file_make_directory_with_parents (md_dir, NULL, &local_error) &&
      !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  builder = begin_document ();
  /* One read transaction: the JSON and the Markdown files show the same moment. */
  if (!_sprig_store_db_exec (db, "BEGIN", error))
    return FALSE;
  if (!export_all_rows (db, builder, md_dir, &count, error))
    {
      _sprig_store_db_rollback (db);
      return FALSE;
    }
  _sprig_store_db_rollback (db);
  if (!write_document (builder, json_file, error))
    return FALSE;
  *result = _sprig_box_int64 (count);
  return TRUE;
}
