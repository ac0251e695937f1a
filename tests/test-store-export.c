/* SPDX-License-Identifier: Apache-2.0
 *
 * Export and import: JSON export → import into an empty store → export again gives the
 * same conversations; Markdown shows the active branch; bad import files (truncated,
 * wrong types, dangling parents, newer format) are refused and add nothing.
 */
#include "config.h"

#include <json-glib/json-glib.h>

#include "store/store-test-util.h"

static gint64
export_all (SprigStore *store,
            const char *dir,
            GError    **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (dir);
  g_autoptr(GAsyncResult) res = NULL;
  GAsyncResult *slot = NULL;

  sprig_store_export_all_async (store, file, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  return sprig_store_export_all_finish (store, res, error);
}

static gint64
import_file (SprigStore *store,
             const char *path,
             GError    **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GAsyncResult) res = NULL;
  GAsyncResult *slot = NULL;

  sprig_store_import_async (store, file, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  return sprig_store_import_finish (store, res, error);
}

static void
fill_store (SprigStore *store)
{
  gint64 zh = store_test_create_conversation (store, "中文对话");
  gint64 fr = store_test_create_conversation (store, "Recette française");
  gint64 gone = store_test_create_conversation (store, "Deleted");
  g_autoptr(SprigConversation) conv = sprig_store_get_conversation_sync (store, fr, NULL);
  g_autoptr(SprigToolCall) call = sprig_tool_call_new ("c1", "get_time", "{\"tz\":\"CET\"}");
  g_autoptr(SprigToolCall) unknown = sprig_tool_call_new ("c0", "clock", "{}");
  g_autoptr(GAsyncResult) res = NULL;
  GAsyncResult *slot = NULL;
  gint64 q, a1, reply;

  call->status = g_strdup ("done");

  q = store_test_append (store, zh, 0, SPRIG_MESSAGE_ROLE_USER, "什么是智慧密度？");
  a1 = store_test_append (store, zh, q, SPRIG_MESSAGE_ROLE_ASSISTANT, "第一个回答");
  store_test_append (store, zh, q, SPRIG_MESSAGE_ROLE_ASSISTANT, "第二个回答");
  sprig_store_set_active_leaf_async (store, zh, a1, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  g_assert_true (sprig_store_set_active_leaf_finish (store, res, NULL));
  g_clear_object (&res);

  conv->pinned = TRUE;
  conv->system_prompt = g_strdup ("Réponds en français.");
  conv->sampling_json = g_strdup ("{\"temperature\":0.6,\"top_k\":20}");
  sprig_store_update_conversation_async (store, conv, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  g_assert_true (sprig_store_update_conversation_finish (store, res, NULL));
  g_clear_object (&res);
  q = store_test_append (store, fr, 0, SPRIG_MESSAGE_ROLE_USER, "L'efficacité ?");
  reply = store_test_begin_reply (store, fr, q);
  g_assert_true (sprig_store_stream_append (store, reply, "Très \"bonne\"\n", "hmm", NULL));
  sprig_store_add_tool_call_async (store, reply, call, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  g_assert_cmpint (sprig_store_add_tool_call_finish (store, res, NULL), >, 0);
  g_clear_object (&res);
  /* A call whose status is unknown (stored before v4) exports null and comes back NULL. */
  sprig_store_add_tool_call_async (store, reply, unknown, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  g_assert_cmpint (sprig_store_add_tool_call_finish (store, res, NULL), >, 0);
  g_clear_object (&res);
  g_assert_true (store_test_finish_reply (store, reply, SPRIG_MESSAGE_STATUS_COMPLETE, NULL));

  store_test_append (store, gone, 0, SPRIG_MESSAGE_ROLE_USER, "not exported");
  sprig_store_delete_conversation_async (store, gone, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  g_assert_true (sprig_store_delete_conversation_finish (store, res, NULL));
}

/* The reply of "Recette française" in @store, with the calls fill_store() gave it. */
static void
assert_tool_statuses (SprigStore *store)
{
  g_autoptr(GPtrArray) msgs = NULL;
  SprigMessage *reply;

  for (gint64 id = 1; id < 10 && msgs == NULL; id++)
    {
      g_autoptr(SprigConversation) conv = sprig_store_get_conversation_sync (store, id, NULL);

      if (conv != NULL && g_str_equal (conv->title, "Recette française"))
        msgs = sprig_store_list_messages_sync (store, id, NULL);
    }
  g_assert_nonnull (msgs);
  reply = msgs->pdata[msgs->len - 1];
  g_assert_cmpuint (reply->tool_calls->len, ==, 2);
  g_assert_cmpstr (((SprigToolCall *) reply->tool_calls->pdata[0])->status, ==, "done");
  g_assert_null (((SprigToolCall *) reply->tool_calls->pdata[1])->status);
}

/* The conversations array of an export, without the export time. */
static JsonNode *
load_conversations (const char *path)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;

  g_assert_true (json_parser_load_from_file (parser, path, &error));
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (root, "format"), ==, "sprig-conversations");
  g_assert_cmpint (json_object_get_int_member (root, "version"), ==, 1);
  return json_node_copy (json_object_get_member (root, "conversations"));
}

static void
test_round_trip (void)
{
  g_autofree char *dir = store_test_mkdtemp ();
  g_autofree char *path_a = g_build_filename (dir, "a.db", NULL);
  g_autofree char *path_b = g_build_filename (dir, "b.db", NULL);
  g_autofree char *out_a = g_build_filename (dir, "out-a", NULL);
  g_autofree char *out_b = g_build_filename (dir, "out-b", NULL);
  g_autofree char *json_a = g_build_filename (out_a, "conversations.json", NULL);
  g_autofree char *json_b = g_build_filename (out_b, "conversations.json", NULL);
  g_autofree char *md = g_build_filename (out_a, "markdown", "000001-中文对话.md", NULL);
  g_autofree char *md_text = NULL;
  g_autoptr(SprigStore) a = store_test_new_open (path_a);
  g_autoptr(SprigStore) b = store_test_new_open (path_b);
  g_autoptr(JsonNode) conv_a = NULL;
  g_autoptr(JsonNode) conv_b = NULL;
  g_autoptr(GError) error = NULL;

  /* Something in b first, so that imported ids differ from exported ones. */
  store_test_create_conversation (b, "Already here");
  fill_store (a);
  g_assert_cmpint (export_all (a, out_a, &error), ==, 2);
  g_assert_no_error (error);
  g_assert_cmpint (import_file (b, json_a, &error), ==, 2);
  g_assert_no_error (error);
  g_assert_cmpint (sprig_store_count_messages_sync (b, NULL), ==, 5);
  assert_tool_statuses (b);

  /* b has one more conversation: drop it from b's export before comparing. */
  g_assert_cmpint (export_all (b, out_b, &error), ==, 3);
  conv_a = load_conversations (json_a);
  conv_b = load_conversations (json_b);
  json_array_remove_element (json_node_get_array (conv_b), 0);
  if (!json_node_equal (conv_a, conv_b))
    {
      g_autofree char *ta = json_to_string (conv_a, TRUE);
      g_autofree char *tb = json_to_string (conv_b, TRUE);

      g_assert_cmpstr (ta, ==, tb);
    }

  /* Markdown: the active branch only. */
  g_assert_true (g_file_get_contents (md, &md_text, NULL, &error));
  g_assert_nonnull (strstr (md_text, "# 中文对话"));
  g_assert_nonnull (strstr (md_text, "第一个回答"));
  g_assert_null (strstr (md_text, "第二个回答"));
  g_assert_finalize_object (g_steal_pointer (&a));
  g_assert_finalize_object (g_steal_pointer (&b));
  store_test_rmdir (dir);
}

static void
test_export_one (void)
{
  g_autofree char *dir = store_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "a.db", NULL);
  g_autofree char *md_path = g_build_filename (dir, "one.md", NULL);
  g_autofree char *json_path = g_build_filename (dir, "one.json", NULL);
  g_autoptr(SprigStore) store = store_test_new_open (path);
  g_autoptr(GFile) md_file = g_file_new_for_path (md_path);
  g_autoptr(GFile) json_file = g_file_new_for_path (json_path);
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) convs = NULL;
  g_autofree char *md = NULL;
  GAsyncResult *slot = NULL;

  fill_store (store);
  sprig_store_export_conversation_async (store, 2, SPRIG_EXPORT_MARKDOWN, md_file, NULL,
                                         store_test_cb, &slot);
  res = store_test_wait (&slot);
  g_assert_true (sprig_store_export_conversation_finish (store, res, &error));
  g_assert_no_error (error);
  g_clear_object (&res);
  g_assert_true (g_file_get_contents (md_path, &md, NULL, NULL));
  g_assert_true (g_str_has_prefix (md, "# Recette française\n"));
  g_assert_nonnull (strstr (md, "> Réponds en français."));
  g_assert_nonnull (strstr (md, "## Assistant\n\n<details><summary>Reasoning</summary>\n\nhmm"));
  g_assert_nonnull (strstr (md, "`get_time` (done)"));
  g_assert_nonnull (strstr (md, "`clock`\n"));

  sprig_store_export_conversation_async (store, 2, SPRIG_EXPORT_JSON, json_file, NULL,
                                         store_test_cb, &slot);
  res = store_test_wait (&slot);
  g_assert_true (sprig_store_export_conversation_finish (store, res, &error));
  g_clear_object (&res);
  convs = load_conversations (json_path);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (convs)), ==, 1);

  sprig_store_export_conversation_async (store, 99, SPRIG_EXPORT_JSON, json_file, NULL,
                                         store_test_cb, &slot);
  res = store_test_wait (&slot);
  g_assert_false (sprig_store_export_conversation_finish (store, res, &error));
  g_assert_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_NOT_FOUND);
  g_clear_object (&res);
  g_assert_finalize_object (g_steal_pointer (&store));
  store_test_rmdir (dir);
}

#define GOOD_MESSAGE \
  "{\"id\":1,\"parent\":null,\"role\":\"user\",\"status\":\"complete\",\"content\":\"hi\"," \
  "\"created_at\":\"2024-01-01T00:00:00Z\",\"updated_at\":\"2024-01-01T00:00:00Z\"}"
#define CONV(title, messages) \
  "{\"title\":" title ",\"created_at\":\"2024-01-01T00:00:00Z\"," \
  "\"updated_at\":\"2024-01-01T00:00:00Z\",\"messages\":[" messages "]}"
#define DOC(version, convs) \
  "{\"format\":\"sprig-conversations\",\"version\":" version ",\"conversations\":[" convs "]}"

static const struct
{
  const char *name;
  const char *text;
  int         code;
} bad_imports[] = {
  { "empty", "", SPRIG_STORE_ERROR_INVALID },
  { "truncated", DOC ("1", CONV ("\"a\"", GOOD_MESSAGE)) "xx", SPRIG_STORE_ERROR_INVALID },
  { "cut", "{\"format\":\"sprig-conversations\",\"version\":1,\"conv", SPRIG_STORE_ERROR_INVALID },
  { "array root", "[1,2]", SPRIG_STORE_ERROR_INVALID },
  { "other format", "{\"format\":\"chatgpt\",\"version\":1,\"conversations\":[]}",
    SPRIG_STORE_ERROR_INVALID },
  { "newer", DOC ("7", ""), SPRIG_STORE_ERROR_TOO_NEW },
  { "version string", DOC ("\"1\"", ""), SPRIG_STORE_ERROR_INVALID },
  { "title number", DOC ("1", CONV ("42", GOOD_MESSAGE)), SPRIG_STORE_ERROR_INVALID },
  { "bad time", DOC ("1", "{\"title\":\"a\",\"created_at\":\"yesterday\","
                          "\"updated_at\":\"2024-01-01T00:00:00Z\",\"messages\":[]}"),
    SPRIG_STORE_ERROR_INVALID },
  { "no messages", DOC ("1", "{\"title\":\"a\",\"created_at\":\"2024-01-01T00:00:00Z\","
                             "\"updated_at\":\"2024-01-01T00:00:00Z\"}"),
    SPRIG_STORE_ERROR_INVALID },
  { "forward parent", DOC ("1", CONV ("\"a\"",
      "{\"id\":1,\"parent\":2,\"role\":\"user\",\"status\":\"complete\",\"content\":\"x\","
      "\"created_at\":\"2024-01-01T00:00:00Z\",\"updated_at\":\"2024-01-01T00:00:00Z\"}")),
    SPRIG_STORE_ERROR_INVALID },
  { "bad role", DOC ("1", CONV ("\"a\"",
      "{\"id\":1,\"parent\":null,\"role\":\"wizard\",\"status\":\"complete\",\"content\":\"x\","
      "\"created_at\":\"2024-01-01T00:00:00Z\",\"updated_at\":\"2024-01-01T00:00:00Z\"}")),
    SPRIG_STORE_ERROR_INVALID },
  { "duplicate id", DOC ("1", CONV ("\"a\"", GOOD_MESSAGE "," GOOD_MESSAGE)),
    SPRIG_STORE_ERROR_INVALID },
  { "bad tool status", DOC ("1", CONV ("\"a\"",
      "{\"id\":1,\"parent\":null,\"role\":\"assistant\",\"status\":\"complete\",\"content\":\"x\","
      "\"tool_calls\":[{\"name\":\"clock\",\"arguments\":\"{}\",\"status\":\"exploded\"}],"
      "\"created_at\":\"2024-01-01T00:00:00Z\",\"updated_at\":\"2024-01-01T00:00:00Z\"}")),
    SPRIG_STORE_ERROR_INVALID },
  { "tool status number", DOC ("1", CONV ("\"a\"",
      "{\"id\":1,\"parent\":null,\"role\":\"assistant\",\"status\":\"complete\",\"content\":\"x\","
      "\"tool_calls\":[{\"name\":\"clock\",\"arguments\":\"{}\",\"status\":3}],"
      "\"created_at\":\"2024-01-01T00:00:00Z\",\"updated_at\":\"2024-01-01T00:00:00Z\"}")),
    SPRIG_STORE_ERROR_INVALID },
  { "huge tokens", DOC ("1", CONV ("\"a\"",
      "{\"id\":1,\"parent\":null,\"role\":\"user\",\"status\":\"complete\",\"content\":\"x\","
      "\"tokens\":{\"prompt\":99999999999},"
      "\"created_at\":\"2024-01-01T00:00:00Z\",\"updated_at\":\"2024-01-01T00:00:00Z\"}")),
    SPRIG_STORE_ERROR_INVALID },
  /* The first conversation is fine, the second is not: neither may be imported. */
  { "good then bad", DOC ("1", CONV ("\"good\"", GOOD_MESSAGE) "," CONV ("null", "")),
    SPRIG_STORE_ERROR_INVALID },
};

static void
test_bad_imports (void)
{
  g_autofree char *dir = store_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "a.db", NULL);
  g_autofree char *file = g_build_filename (dir, "import.json", NULL);
  g_autoptr(SprigStore) store = store_test_new_open (path);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (file, DOC ("1", CONV ("\"ok\"", GOOD_MESSAGE)), -1, NULL));
  g_assert_cmpint (import_file (store, file, &error), ==, 1);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (bad_imports); i++)
    {
      g_test_message ("bad import: %s", bad_imports[i].name);
      g_assert_true (g_file_set_contents (file, bad_imports[i].text, -1, NULL));
      g_assert_cmpint (import_file (store, file, &error), ==, -1);
      g_assert_error (error, SPRIG_STORE_ERROR, bad_imports[i].code);
      g_test_message ("  %s", error->message);
      g_clear_error (&error);
      g_assert_cmpint (sprig_store_count_messages_sync (store, NULL), ==, 1);
    }
  g_assert_finalize_object (g_steal_pointer (&store));
  store_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sprig/store/export-import-round-trip", test_round_trip);
  g_test_add_func ("/sprig/store/export-one", test_export_one);
  g_test_add_func ("/sprig/store/import-bad-files", test_bad_imports);

  return g_test_run ();
}
