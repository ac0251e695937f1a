/* SPDX-License-Identifier: Apache-2.0
 *
 * The plain records the store hands out (conversations, messages, tool calls, search
 * hits): allocation, copying and freeing, and the fixed strings that name roles and
 * statuses in the database and in exports.
 */
#include "config.h"

#include "sprig-store-private.h"

static const char *const role_names[] = { "system", "user", "assistant", "tool" };
static const char *const status_names[] = { "complete", "streaming", "interrupted", "error" };

SprigConversation *
sprig_conversation_new (void)
{
  return g_new0 (SprigConversation, 1);
}

SprigConversation *
sprig_conversation_copy (const SprigConversation *conv)
{
  SprigConversation *copy;

  g_return_val_if_fail (conv != NULL, NULL);
  copy = g_memdup2 (conv, sizeof *conv);
  copy->title = g_strdup (conv->title);
  copy->model_id = g_strdup (conv->model_id);
  copy->system_prompt = g_strdup (conv->system_prompt);
  copy->sampling_json = g_strdup (conv->sampling_json);
  return copy;
}

void
sprig_conversation_free (SprigConversation *conv)
{
  if (conv == NULL)
    return;
  g_free (conv->title);
  g_free (conv->model_id);
  g_free (conv->system_prompt);
  g_free (conv->sampling_json);
  g_free (conv);
}

SprigMessage *
sprig_message_new (SprigMessageRole role,
                   const char      *content)
{
  SprigMessage *msg = g_new0 (SprigMessage, 1);

  msg->role = role;
  msg->status = SPRIG_MESSAGE_STATUS_COMPLETE;
  msg->content = g_strdup (content != NULL ? content : "");
  msg->reasoning = g_strdup ("");
  msg->tool_calls = g_ptr_array_new_with_free_func ((GDestroyNotify) sprig_tool_call_free);
  return msg;
}

void
sprig_message_free (SprigMessage *msg)
{
  if (msg == NULL)
    return;
  g_free (msg->content);
  g_free (msg->reasoning);
  g_free (msg->error);
  g_free (msg->model_id);
  g_free (msg->backend);
  g_clear_pointer (&msg->tool_calls, g_ptr_array_unref);
  g_free (msg);
}

SprigToolCall *
sprig_tool_call_new (const char *call_id,
                     const char *name,
                     const char *arguments)
{
  SprigToolCall *call = g_new0 (SprigToolCall, 1);

  call->call_id = g_strdup (call_id);
  call->name = g_strdup (name);
  call->arguments = g_strdup (arguments != NULL ? arguments : "{}");
  return call;
}

void
sprig_tool_call_free (SprigToolCall *call)
{
  if (call == NULL)
    return;
  g_free (call->call_id);
  g_free (call->name);
  g_free (call->arguments);
  g_free (call->result);
  g_free (call->status);
  g_free (call);
}

/* The ids of SprigToolCallState (app/sprig-tool-call-item.c); the store stays GLib-only,
 * so it keeps its own copy, and the v4 CHECK constraint holds the same list. */
gboolean
sprig_tool_call_status_is_valid (const char *status)
{
  static const char *const valid[] = {
    "queued", "waiting", "running", "done", "failed", "denied", "cancelled", "skipped",
  };

  if (status == NULL)
    return TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    if (g_str_equal (status, valid[i]))
      return TRUE;
  return FALSE;
}

void
sprig_search_hit_free (SprigSearchHit *hit)
{
  if (hit == NULL)
    return;
  g_free (hit->title);
  g_free (hit->snippet);
  g_free (hit);
}

const char *
sprig_message_role_to_string (SprigMessageRole role)
{
  g_return_val_if_fail ((guint) role < G_N_ELEMENTS (role_names), NULL);
  return role_names[role];
}

gboolean
sprig_message_role_from_string (const char       *str,
                                SprigMessageRole *role)
{
  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (role_names); i++)
    if (g_str_equal (str, role_names[i]))
      {
        *role = (SprigMessageRole) i;
        return TRUE;
      }
  return FALSE;
}

const char *
sprig_message_status_to_string (SprigMessageStatus status)
{
  g_return_val_if_fail ((guint) status < G_N_ELEMENTS (status_names), NULL);
  return status_names[status];
}

gboolean
sprig_message_status_from_string (const char         *str,
                                  SprigMessageStatus *status)
{
  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (status_names); i++)
    if (g_str_equal (str, status_names[i]))
      {
        *status = (SprigMessageStatus) i;
        return TRUE;
      }
  return FALSE;
}

/* ISO 8601 in UTC with microseconds, so that export → import keeps times exactly. */
char *
_sprig_store_format_time (gint64 usec)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autofree char *seconds = NULL;

  usec = MAX (usec, 0);
  dt = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);
  if (dt == NULL)
    return g_strdup ("1970-01-01T00:00:00.000000Z");
  seconds = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
  return g_strdup_printf ("%s.%06dZ", seconds, (int) (usec % G_USEC_PER_SEC));
}

gboolean
_sprig_store_parse_time (const char *text,
                         gint64     *usec)
{
  g_autoptr(GDateTime) dt = NULL;

  if (text == NULL)
    return FALSE;
  dt = g_date_time_new_from_iso8601 (text, NULL);
  if (dt == NULL)
    return FALSE;
  *usec = g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
  return TRUE;
}
