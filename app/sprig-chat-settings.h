/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <gio/gio.h>
#include <sprig/se-sampler.h>

#include "sprig-store.h"

G_BEGIN_DECLS

typedef struct
{
  double   temperature;      /* 0: greedy */
  double   top_p;            /* 1: off */
  int      top_k;            /* 0: off */
  double   min_p;            /* 0: off */
  double   repeat_penalty;   /* 1: off */
  gint64   seed;             /* -1: random */
  guint    context_length;   /* 0: the model's whole context */
  gboolean enable_thinking;  /* Qwen3 <think> on/off */
  gboolean tools_enabled;    /* the assistant may call tools (each call still asks) */
  char    *system_prompt;    /* NULL or "": none */
} SprigChatSettings;

typedef enum
{
  SPRIG_CHAT_SETTING_DOUBLE,
  SPRIG_CHAT_SETTING_INT,     /* int field, GSettings "i" */
  SPRIG_CHAT_SETTING_UINT,    /* guint field, GSettings "i" */
  SPRIG_CHAT_SETTING_INT64,   /* gint64 field, GSettings "x" */
  SPRIG_CHAT_SETTING_BOOL,
} SprigChatSettingType;

/* One setting a conversation can override: its JSON name, its GSettings key, where it
 * lives in SprigChatSettings, the values it may take and its built-in default. */
typedef struct
{
  const char           *json_key;
  const char           *settings_key;
  SprigChatSettingType  type;
  gsize                 offset;
  double                min;
  double                max;
  double                fallback;
} SprigChatSettingKey;

const SprigChatSettingKey *sprig_chat_settings_get_keys   (guint                    *n_keys);
const SprigChatSettingKey *sprig_chat_settings_find_key   (const char               *json_key);
double     sprig_chat_settings_get_value          (const SprigChatSettings  *s,
                                                   const SprigChatSettingKey *key);
void       sprig_chat_settings_set_value          (SprigChatSettings        *s,
                                                   const SprigChatSettingKey *key,
                                                   double                    value);

/* Fills @s (uninitialised memory is fine) from @settings, or the built-in defaults
 * when @settings is NULL. */
void       sprig_chat_settings_init_defaults      (SprigChatSettings        *s,
                                                   GSettings                *settings);
/* Applies @conv's system prompt (when non-NULL) and the overrides in its sampling_json.
 * Unknown keys are ignored; a key of the wrong type or out of range is skipped and
 * reported in @error, the valid ones are applied all the same. */
gboolean   sprig_chat_settings_apply_conversation (SprigChatSettings        *s,
                                                   const SprigConversation  *conv,
                                                   GError                  **error);
/* A JSON object of the keys whose values differ from @defaults, NULL when none do. */
char      *sprig_chat_settings_to_json            (const SprigChatSettings  *s,
                                                   const SprigChatSettings  *defaults);
void       sprig_chat_settings_to_sampling        (const SprigChatSettings  *s,
                                                   SeSamplingParams         *params);
/* The n_ctx to pass to se_engine_load (): 0 asks for the model's whole context. */
guint      sprig_chat_settings_get_engine_n_ctx   (const SprigChatSettings  *s);
void       sprig_chat_settings_copy               (SprigChatSettings        *dest,
                                                   const SprigChatSettings  *src);
void       sprig_chat_settings_clear              (SprigChatSettings        *s);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SprigChatSettings, sprig_chat_settings_clear)

G_END_DECLS
