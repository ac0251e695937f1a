/* SPDX-License-Identifier: Apache-2.0
 *
 * The settings one reply is generated with: the defaults from GSettings, overridden by
 * the conversation's own system prompt and sampling JSON, turned into the engine's
 * SeSamplingParams. Pure logic (GIO, json-glib), no widgets, so it is tested without a
 * display. One table names every setting; the preferences, the conversation dialog
 * and the JSON all go through it.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "sprig-chat-settings.h"

#define KEY(json, gkey, type, field, lo, hi, def) \
  { json, gkey, SPRIG_CHAT_SETTING_##type, G_STRUCT_OFFSET (SprigChatSettings, field), lo, hi, def }

/* Built-in defaults are Qwen3's recommendation for thinking mode; the schema says the
 * same (test-chat-settings checks that the two agree). */
static const SprigChatSettingKey keys[] = {
  KEY ("temperature", "temperature", DOUBLE, temperature, 0, 2, 0.6),
  KEY ("top_p", "top-p", DOUBLE, top_p, 0, 1, 0.95),
  KEY ("top_k", "top-k", INT, top_k, 0, 1000, 20),
  KEY ("min_p", "min-p", DOUBLE, min_p, 0, 1, 0),
  KEY ("repeat_penalty", "repeat-penalty", DOUBLE, repeat_penalty, 1, 2, 1),
  KEY ("seed", "seed", INT64, seed, -1, (double) G_MAXINT64, -1),
  KEY ("context_length", "context-length", UINT, context_length, 0, 1048576, 4096),
  KEY ("enable_thinking", "enable-thinking", BOOL, enable_thinking, 0, 1, 1),
  KEY ("tools", "tools-enabled", BOOL, tools_enabled, 0, 1, 1),
};

const SprigChatSettingKey *
sprig_chat_settings_get_keys (guint *n_keys)
{
  *n_keys = G_N_ELEMENTS (keys);
  return keys;
}

const SprigChatSettingKey *
sprig_chat_settings_find_key (const char *json_key)
{
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (g_str_equal (keys[i].json_key, json_key))
      return &keys[i];
  return NULL;
}

#define FIELD(s, key, type) (*(type *) G_STRUCT_MEMBER_P ((s), (key)->offset))

/* Integer settings go through gint64 so that a seed keeps all its bits. */
static gint64
get_integer (const SprigChatSettings   *s,
             const SprigChatSettingKey *key)
{
  switch (key->type)
    {
    case SPRIG_CHAT_SETTING_INT:
      return FIELD (s, key, int);
    case SPRIG_CHAT_SETTING_UINT:
      return FIELD (s, key, guint);
    case SPRIG_CHAT_SETTING_INT64:
      return FIELD (s, key, gint64);
    case SPRIG_CHAT_SETTING_BOOL:
      return FIELD (s, key, gboolean) ? 1 : 0;
    case SPRIG_CHAT_SETTING_DOUBLE:
    default:
      g_return_val_if_reached (0);
    }
}

static void
set_integer (SprigChatSettings         *s,
             const SprigChatSettingKey *key,
             gint64                     value)
{
  switch (key->type)
    {
    case SPRIG_CHAT_SETTING_INT:
      FIELD (s, key, int) = (int) value;
      break;
    case SPRIG_CHAT_SETTING_UINT:
      FIELD (s, key, guint) = (guint) value;
      break;
    case SPRIG_CHAT_SETTING_INT64:
      FIELD (s, key, gint64) = value;
      break;
    case SPRIG_CHAT_SETTING_BOOL:
      FIELD (s, key, gboolean) = value != 0;
      break;
    case SPRIG_CHAT_SETTING_DOUBLE:
    default:
      g_return_if_reached ();
    }
}

double
sprig_chat_settings_get_value (const SprigChatSettings   *s,
                               const SprigChatSettingKey *key)
{
  if (key->type == SPRIG_CHAT_SETTING_DOUBLE)
    return FIELD (s, key, double);
  return (double) get_integer (s, key);
}

void
sprig_chat_settings_set_value (SprigChatSettings         *s,
                               const SprigChatSettingKey *key,
                               double                     value)
{
  value = CLAMP (value, key->min, key->max);
  if (key->type == SPRIG_CHAT_SETTING_DOUBLE)
    FIELD (s, key, double) = value;
  else if (value >= (double) G_MAXINT64)
    set_integer (s, key, G_MAXINT64);
  else
    set_integer (s, key, (gint64) round (value));
}

static void
set_from_gsettings (SprigChatSettings         *s,
                    const SprigChatSettingKey *key,
                    GSettings                 *settings)
{
  switch (key->type)
    {
    case SPRIG_CHAT_SETTING_DOUBLE:
      FIELD (s, key, double) = g_settings_get_double (settings, key->settings_key);
      break;
    case SPRIG_CHAT_SETTING_INT:
    case SPRIG_CHAT_SETTING_UINT:
      set_integer (s, key, MAX (g_settings_get_int (settings, key->settings_key), 0));
      break;
    case SPRIG_CHAT_SETTING_INT64:
      set_integer (s, key, g_settings_get_int64 (settings, key->settings_key));
      break;
    case SPRIG_CHAT_SETTING_BOOL:
    default:
      set_integer (s, key, g_settings_get_boolean (settings, key->settings_key));
      break;
    }
}

void
sprig_chat_settings_init_defaults (SprigChatSettings *s,
                                   GSettings         *settings)
{
  g_return_if_fail (s != NULL);
  g_return_if_fail (settings == NULL || G_IS_SETTINGS (settings));

  memset (s, 0, sizeof *s);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      if (settings != NULL)
        set_from_gsettings (s, &keys[i], settings);
      else
        sprig_chat_settings_set_value (s, &keys[i], keys[i].fallback);
    }
  if (settings != NULL)
    s->system_prompt = g_settings_get_string (settings, "system-prompt");
}

/* Checks one JSON member against its key and stores it; FALSE when it is unusable. */
static gboolean
apply_member (SprigChatSettings         *s,
              const SprigChatSettingKey *key,
              JsonNode                  *node)
{
  GType type = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  double number;

  if (key->type == SPRIG_CHAT_SETTING_BOOL)
    {
      if (type != G_TYPE_BOOLEAN)
        return FALSE;
      set_integer (s, key, json_node_get_boolean (node));
      return TRUE;
    }
  if (type == G_TYPE_INT64)
    {
      gint64 value = json_node_get_int (node);

      if ((double) value < key->min || (double) value > key->max)
        return FALSE;
      if (key->type == SPRIG_CHAT_SETTING_DOUBLE)
        FIELD (s, key, double) = (double) value;
      else
        set_integer (s, key, value);
      return TRUE;
    }
  if (type != G_TYPE_DOUBLE || key->type != SPRIG_CHAT_SETTING_DOUBLE)
    return FALSE;
  number = json_node_get_double (node);
  if (!isfinite (number) || number < key->min || number > key->max)
    return FALSE;
  FIELD (s, key, double) = number;
  return TRUE;
}

static void
append_problem (GString                   *out,
                const SprigChatSettingKey *key)
{
  if (out->len > 0)
    g_string_append (out, "; ");
  if (key->type == SPRIG_CHAT_SETTING_BOOL)
    /* Translators: the first %s is a setting's name, as in “enable_thinking” */
    g_string_append_printf (out, _("%s must be true or false"), key->json_key);
  else if (key->type == SPRIG_CHAT_SETTING_DOUBLE)
    g_string_append_printf (out, _("%s must be a number from %g to %g"), key->json_key,
                            key->min, key->max);
  else
    {
      gint64 max = key->max >= (double) G_MAXINT64 ? G_MAXINT64 : (gint64) key->max;
      g_autofree char *lo = g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) key->min);
      g_autofree char *hi = g_strdup_printf ("%" G_GINT64_FORMAT, max);

      g_string_append_printf (out, _("%s must be a whole number from %s to %s"), key->json_key,
                              lo, hi);
    }
}

static gboolean
apply_json (SprigChatSettings  *s,
            const char         *json,
            GError            **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GString) bad = g_string_new (NULL);
  g_autoptr(GList) members = NULL;
  JsonObject *object;

  if (!json_parser_load_from_data (parser, json, -1, error))
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("The chat settings are not a JSON object"));
      return FALSE;
    }
  object = json_node_get_object (json_parser_get_root (parser));
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const SprigChatSettingKey *key = sprig_chat_settings_find_key (l->data);

      if (key == NULL || apply_member (s, key, json_object_get_member (object, l->data)))
        continue;
      append_problem (bad, key);
    }
  if (bad->len == 0)
    return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               _("Some chat settings were ignored: %s"), bad->str);
  return FALSE;
}

gboolean
sprig_chat_settings_apply_conversation (SprigChatSettings        *s,
                                        const SprigConversation  *conv,
                                        GError                  **error)
{
  g_return_val_if_fail (s != NULL, FALSE);
  g_return_val_if_fail (conv != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (conv->system_prompt != NULL)
    {
      g_free (s->system_prompt);
      s->system_prompt = g_strdup (conv->system_prompt);
    }
  if (conv->sampling_json == NULL || conv->sampling_json[0] == '\0')
    return TRUE;
  return apply_json (s, conv->sampling_json, error);
}

static gboolean
same_value (const SprigChatSettings   *a,
            const SprigChatSettings   *b,
            const SprigChatSettingKey *key)
{
  if (key->type == SPRIG_CHAT_SETTING_DOUBLE)
    return fabs (FIELD (a, key, double) - FIELD (b, key, double)) < 1e-9;
  return get_integer (a, key) == get_integer (b, key);
}

char *
sprig_chat_settings_to_json (const SprigChatSettings *s,
                             const SprigChatSettings *defaults)
{
  g_autoptr(GString) json = g_string_new ("{");

  g_return_val_if_fail (s != NULL, NULL);
  g_return_val_if_fail (defaults != NULL, NULL);

  /* Written by hand: json-glib prints doubles with 17 digits (0.59999999999999998). */
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      const SprigChatSettingKey *key = &keys[i];
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      if (same_value (s, defaults, key))
        continue;
      g_string_append_printf (json, "%s\"%s\":", json->len > 1 ? "," : "", key->json_key);
      if (key->type == SPRIG_CHAT_SETTING_DOUBLE)
        g_string_append (json, g_ascii_formatd (buf, sizeof buf, "%.6g", FIELD (s, key, double)));
      else if (key->type == SPRIG_CHAT_SETTING_BOOL)
        g_string_append (json, FIELD (s, key, gboolean) ? "true" : "false");
      else
        g_string_append_printf (json, "%" G_GINT64_FORMAT, get_integer (s, key));
    }
  if (json->len == 1)
    return NULL;
  g_string_append_c (json, '}');
  return g_string_free (g_steal_pointer (&json), FALSE);
}

void
sprig_chat_settings_to_sampling (const SprigChatSettings *s,
                                 SeSamplingParams        *params)
{
  g_return_if_fail (s != NULL);
  g_return_if_fail (params != NULL);

  se_sampling_params_init (params);
  params->temperature = (float) s->temperature;
  params->top_p = (float) s->top_p;
  params->top_k = s->top_k;
  params->min_p = (float) s->min_p;
  params->repeat_penalty = (float) s->repeat_penalty;
  params->seed = s->seed < 0 ? SE_SEED_RANDOM : (guint64) s->seed;
}

guint
sprig_chat_settings_get_engine_n_ctx (const SprigChatSettings *s)
{
  g_return_val_if_fail (s != NULL, 0);

  /* The engine caps n_ctx at the model's training context; its own 0 means 4096. */
  return s->context_length == 0 ? G_MAXUINT : s->context_length;
}

void
sprig_chat_settings_copy (SprigChatSettings       *dest,
                          const SprigChatSettings *src)
{
  g_return_if_fail (dest != NULL);
  g_return_if_fail (src != NULL);

  *dest = *src;
  dest->system_prompt = g_strdup (src->system_prompt);
}

void
sprig_chat_settings_clear (SprigChatSettings *s)
{
  g_return_if_fail (s != NULL);

  g_clear_pointer (&s->system_prompt, g_free);
}
