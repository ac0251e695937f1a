/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigChatSettings without a display: defaults from GSettings and the built-in table
 * (and that the two agree with the schema), a conversation's overrides, bad sampling
 * JSON of every kind, the JSON written back and the engine's sampling parameters.
 */
#include "config.h"

#include <string.h>

#include "sprig-chat-settings.h"

static void
assert_same (const SprigChatSettings *a,
             const SprigChatSettings *b)
{
  g_assert_cmpfloat (a->temperature, ==, b->temperature);
  g_assert_cmpfloat (a->top_p, ==, b->top_p);
  g_assert_cmpint (a->top_k, ==, b->top_k);
  g_assert_cmpfloat (a->min_p, ==, b->min_p);
  g_assert_cmpfloat (a->repeat_penalty, ==, b->repeat_penalty);
  g_assert_cmpint (a->seed, ==, b->seed);
  g_assert_cmpuint (a->context_length, ==, b->context_length);
  g_assert_cmpint (a->enable_thinking, ==, b->enable_thinking);
}

static double
variant_number (GVariant *v)
{
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE))
    return g_variant_get_double (v);
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT32))
    return g_variant_get_int32 (v);
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
    return (double) g_variant_get_int64 (v);
  g_assert_true (g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN));
  return g_variant_get_boolean (v);
}

/* The table's defaults and ranges are the schema's. */
static void
test_table_matches_schema (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GSettingsSchema) schema = NULL;
  const SprigChatSettingKey *keys;
  guint n;

  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = sprig_chat_settings_get_keys (&n);
  g_assert_cmpuint (n, ==, 9);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GSettingsSchemaKey) key = g_settings_schema_get_key (schema, keys[i].settings_key);
      g_autoptr(GVariant) def = g_settings_schema_key_get_default_value (key);
      g_autoptr(GVariant) range = g_settings_schema_key_get_range (key);
      const char *kind;
      g_autoptr(GVariant) bounds = NULL;

      g_test_message ("key %s", keys[i].settings_key);
      g_assert_cmpfloat (variant_number (def), ==, keys[i].fallback);
      g_variant_get (range, "(&sv)", &kind, &bounds);
      if (keys[i].type == SPRIG_CHAT_SETTING_BOOL)
        continue;
      g_assert_cmpstr (kind, ==, "range");
      g_assert_cmpfloat (variant_number (g_variant_get_child_value (bounds, 0)), ==, keys[i].min);
      g_assert_cmpfloat (variant_number (g_variant_get_child_value (bounds, 1)), ==, keys[i].max);
    }
  g_assert_true (sprig_chat_settings_find_key ("top_k") == &keys[2]);
  g_assert_null (sprig_chat_settings_find_key ("top-k"));
}

static void
test_defaults (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_auto(SprigChatSettings) builtin = { 0 };
  g_auto(SprigChatSettings) from_settings = { 0 };
  g_auto(SprigChatSettings) changed = { 0 };

  sprig_chat_settings_init_defaults (&builtin, NULL);
  g_assert_cmpfloat (builtin.temperature, ==, 0.6);
  g_assert_cmpfloat (builtin.top_p, ==, 0.95);
  g_assert_cmpint (builtin.top_k, ==, 20);
  g_assert_cmpint (builtin.seed, ==, -1);
  g_assert_cmpuint (builtin.context_length, ==, 4096);
  g_assert_true (builtin.enable_thinking);
  g_assert_null (builtin.system_prompt);

  sprig_chat_settings_init_defaults (&from_settings, settings);
  assert_same (&builtin, &from_settings);
  g_assert_cmpstr (from_settings.system_prompt, ==, "");

  g_settings_set_double (settings, "temperature", 1.25);
  g_settings_set_int (settings, "top-k", 0);
  g_settings_set_int64 (settings, "seed", G_GINT64_CONSTANT (9007199254740993));
  g_settings_set_int (settings, "context-length", 0);
  g_settings_set_boolean (settings, "enable-thinking", FALSE);
  g_settings_set_string (settings, "system-prompt", "Be brief.");
  sprig_chat_settings_init_defaults (&changed, settings);
  g_assert_cmpfloat (changed.temperature, ==, 1.25);
  g_assert_cmpint (changed.top_k, ==, 0);
  g_assert_cmpint (changed.seed, ==, G_GINT64_CONSTANT (9007199254740993));
  g_assert_cmpuint (changed.context_length, ==, 0);
  g_assert_false (changed.enable_thinking);
  g_assert_cmpstr (changed.system_prompt, ==, "Be brief.");
  g_settings_reset (settings, "temperature");
  g_settings_reset (settings, "top-k");
  g_settings_reset (settings, "seed");
  g_settings_reset (settings, "context-length");
  g_settings_reset (settings, "enable-thinking");
  g_settings_reset (settings, "system-prompt");
}

static void
test_apply_conversation (void)
{
  g_autoptr(SprigConversation) conv = sprig_conversation_new ();
  g_auto(SprigChatSettings) s = { 0 };
  g_autoptr(GError) error = NULL;

  sprig_chat_settings_init_defaults (&s, NULL);
  s.system_prompt = g_strdup ("default prompt");

  /* nothing to apply */
  g_assert_true (sprig_chat_settings_apply_conversation (&s, conv, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (s.system_prompt, ==, "default prompt");

  conv->system_prompt = g_strdup ("");
  conv->sampling_json = g_strdup ("{\"temperature\":0, \"top_p\":1, \"top_k\":40, \"min_p\":0.05,"
                                  "\"repeat_penalty\":1.1, \"seed\":9007199254740993,"
                                  "\"context_length\":8192, \"enable_thinking\":false,"
                                  "\"future_key\":[1,2,{\"x\":null}]}");
  g_assert_true (sprig_chat_settings_apply_conversation (&s, conv, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (s.system_prompt, ==, "");  /* "" is the conversation's choice: none */
  g_assert_cmpfloat (s.temperature, ==, 0);
  g_assert_cmpfloat (s.top_p, ==, 1);
  g_assert_cmpint (s.top_k, ==, 40);
  g_assert_cmpfloat (s.min_p, ==, 0.05);
  g_assert_cmpfloat (s.repeat_penalty, ==, 1.1);
  g_assert_cmpint (s.seed, ==, G_GINT64_CONSTANT (9007199254740993));
  g_assert_cmpuint (s.context_length, ==, 8192);
  g_assert_false (s.enable_thinking);
}

/* Wrong types and ranges are reported; the good keys around them still count. */
static void
test_bad_json_values (void)
{
  static const struct { const char *json, *key; } bad[] = {
    { "{\"top_k\":1.5, \"temperature\":0.9}", "top_k" },
    { "{\"top_k\":\"40\", \"temperature\":0.9}", "top_k" },
    { "{\"top_p\":1.01, \"temperature\":0.9}", "top_p" },
    { "{\"temperature\":0.9, \"seed\":-2}", "seed" },
    { "{\"enable_thinking\":1, \"temperature\":0.9}", "enable_thinking" },
    { "{\"temperature\":0.9, \"context_length\":-1}", "context_length" },
    { "{\"repeat_penalty\":null, \"temperature\":0.9}", "repeat_penalty" },
    { "{\"min_p\":{}, \"temperature\":0.9}", "min_p" },
    { "{\"temperature\":0.9, \"top_k\":1e3}", "top_k" },
    { "{\"temperature\":0.9, \"seed\":0.5}", "seed" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(SprigConversation) conv = sprig_conversation_new ();
      g_auto(SprigChatSettings) s = { 0 };
      g_auto(SprigChatSettings) defaults = { 0 };
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", bad[i].json);
      sprig_chat_settings_init_defaults (&s, NULL);
      sprig_chat_settings_init_defaults (&defaults, NULL);
      conv->sampling_json = g_strdup (bad[i].json);
      conv->system_prompt = g_strdup ("applied too");
      g_assert_false (sprig_chat_settings_apply_conversation (&s, conv, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_assert_nonnull (strstr (error->message, bad[i].key));
      g_assert_cmpfloat (s.temperature, ==, 0.9);
      g_assert_cmpint (s.top_k, ==, defaults.top_k);
      g_assert_cmpfloat (s.top_p, ==, defaults.top_p);
      g_assert_cmpint (s.seed, ==, -1);
      g_assert_cmpuint (s.context_length, ==, defaults.context_length);
      g_assert_true (s.enable_thinking);
      g_assert_cmpstr (s.system_prompt, ==, "applied too");
    }
}

static void
test_bad_json_text (void)
{
  static const char *bad[] = {
    "{\"temperature\":", "[0.5]", "0.5", "{\"temperature\":0.5,}", "nonsense", "{\"a\":1",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(SprigConversation) conv = sprig_conversation_new ();
      g_auto(SprigChatSettings) s = { 0 };
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", bad[i]);
      sprig_chat_settings_init_defaults (&s, NULL);
      conv->sampling_json = g_strdup (bad[i]);
      g_assert_false (sprig_chat_settings_apply_conversation (&s, conv, &error));
      g_assert_nonnull (error);
      g_assert_cmpfloat (s.temperature, ==, 0.6);
    }
}

static void
test_to_json (void)
{
  g_auto(SprigChatSettings) defaults = { 0 };
  g_auto(SprigChatSettings) s = { 0 };
  g_auto(SprigChatSettings) back = { 0 };
  g_autoptr(SprigConversation) conv = sprig_conversation_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;

  sprig_chat_settings_init_defaults (&defaults, NULL);
  sprig_chat_settings_copy (&s, &defaults);
  g_assert_null (sprig_chat_settings_to_json (&s, &defaults));

  s.temperature = 0.7;
  s.top_k = 40;
  s.seed = G_GINT64_CONSTANT (9007199254740993);
  s.context_length = 0;
  s.enable_thinking = FALSE;
  s.system_prompt = g_strdup ("not in the JSON");
  json = sprig_chat_settings_to_json (&s, &defaults);
  g_assert_cmpstr (json, ==, "{\"temperature\":0.7,\"top_k\":40,\"seed\":9007199254740993,"
                             "\"context_length\":0,\"enable_thinking\":false}");

  /* and back */
  sprig_chat_settings_copy (&back, &defaults);
  conv->sampling_json = g_steal_pointer (&json);
  g_assert_true (sprig_chat_settings_apply_conversation (&back, conv, &error));
  g_assert_no_error (error);
  assert_same (&s, &back);
}

static void
test_to_sampling (void)
{
  g_auto(SprigChatSettings) s = { 0 };
  SeSamplingParams params;

  sprig_chat_settings_init_defaults (&s, NULL);
  sprig_chat_settings_to_sampling (&s, &params);
  g_assert_cmpfloat (params.temperature, ==, 0.6f);
  g_assert_cmpfloat (params.top_p, ==, 0.95f);
  g_assert_cmpint (params.top_k, ==, 20);
  g_assert_cmpfloat (params.min_p, ==, 0.0f);
  g_assert_cmpfloat (params.repeat_penalty, ==, 1.0f);
  g_assert_true (params.seed == SE_SEED_RANDOM);
  g_assert_cmpuint (params.penalty_last_n, ==, 64);  /* the engine's own default stays */

  s.seed = 0;
  s.temperature = 0;
  s.repeat_penalty = 1.3;
  sprig_chat_settings_to_sampling (&s, &params);
  g_assert_true (params.seed == 0);
  g_assert_cmpfloat (params.temperature, ==, 0.0f);
  g_assert_cmpfloat (params.repeat_penalty, ==, 1.3f);

  g_assert_cmpuint (sprig_chat_settings_get_engine_n_ctx (&s), ==, 4096);
  s.context_length = 0;
  g_assert_cmpuint (sprig_chat_settings_get_engine_n_ctx (&s), ==, G_MAXUINT);
}

static void
test_set_value_clamps (void)
{
  g_auto(SprigChatSettings) s = { 0 };

  sprig_chat_settings_init_defaults (&s, NULL);
  sprig_chat_settings_set_value (&s, sprig_chat_settings_find_key ("top_k"), 1e9);
  g_assert_cmpint (s.top_k, ==, 1000);
  sprig_chat_settings_set_value (&s, sprig_chat_settings_find_key ("top_k"), 39.6);
  g_assert_cmpint (s.top_k, ==, 40);
  sprig_chat_settings_set_value (&s, sprig_chat_settings_find_key ("seed"), -5);
  g_assert_cmpint (s.seed, ==, -1);
  sprig_chat_settings_set_value (&s, sprig_chat_settings_find_key ("enable_thinking"), 0);
  g_assert_false (s.enable_thinking);
  g_assert_cmpfloat (sprig_chat_settings_get_value (&s, sprig_chat_settings_find_key ("top_k")),
                     ==, 40);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sprig/chat-settings/table-matches-schema", test_table_matches_schema);
  g_test_add_func ("/sprig/chat-settings/defaults", test_defaults);
  g_test_add_func ("/sprig/chat-settings/apply-conversation", test_apply_conversation);
  g_test_add_func ("/sprig/chat-settings/bad-json-values", test_bad_json_values);
  g_test_add_func ("/sprig/chat-settings/bad-json-text", test_bad_json_text);
  g_test_add_func ("/sprig/chat-settings/to-json", test_to_json);
  g_test_add_func ("/sprig/chat-settings/to-sampling", test_to_sampling);
  g_test_add_func ("/sprig/chat-settings/set-value-clamps", test_set_value_clamps);
  return g_test_run ();
}
