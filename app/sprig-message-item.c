/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigMessageItem is one message of the chat view's list model. A streaming reply grows
 * through sprig_message_item_append_raw(), which splits a leading <think>…</think> block
 * off as reasoning and hands back only what is new, for the store's stream buffer.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sprig-message-item.h"

#define THINK_OPEN "<think>"
#define THINK_CLOSE "</think>"

struct _SprigMessageItem
{
  GObject parent_instance;

  gint64 id;
  gint64 parent_id;
  gint64 updated_at;
  SprigMessageRole role;
  SprigMessageStatus status;
  GString *raw;        /* the model's text as it came, tags included */
  GString *content;
  GString *reasoning;
  char *error;
  char *model_id;
  char *backend;
  SprigReplyStats stats;   /* stats.backend points at backend */
  gboolean has_stats;
  guint branch_index;      /* among the replies to the same message, from 0 */
  guint n_branches;
  SprigToolCallItem *tool_call;   /* role tool: the call it answers */
  GPtrArray *tool_calls;          /* role assistant: the calls it made */
};

G_DEFINE_FINAL_TYPE (SprigMessageItem, sprig_message_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATUS,
  PROP_CONTENT,
  PROP_REASONING,
  PROP_STATS,
  PROP_BRANCH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

SprigMessageItem *
sprig_message_item_new (SprigMessageRole  role,
                        const char       *content)
{
  SprigMessageItem *self = g_object_new (SPRIG_TYPE_MESSAGE_ITEM, NULL);

  self->role = role;
  if (content != NULL)
    {
      g_string_assign (self->content, content);
      g_string_assign (self->raw, content);
    }
  return self;
}

/* Replaces the text, as it is (a tool result: no thinking to split off). */
void
sprig_message_item_set_content (SprigMessageItem *self,
                                const char       *content)
{
  g_return_if_fail (SPRIG_IS_MESSAGE_ITEM (self));

  g_string_assign (self->content, content != NULL ? content : "");
  g_string_assign (self->raw, self->content->str);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTENT]);
}

static SprigToolCallItem *
tool_call_item_from_store (const SprigToolCall *call)
{
  SprigToolCallItem *item = sprig_tool_call_item_new (call->name, call->arguments);
  SprigToolCallState state;

  /* Rows from before schema v4 have no status: what they hold says enough. */
  if (!sprig_tool_call_state_from_string (call->status, &state))
    state = call->result == NULL ? SPRIG_TOOL_CALL_CANCELLED
            : call->is_error ? SPRIG_TOOL_CALL_FAILED : SPRIG_TOOL_CALL_DONE;
  sprig_tool_call_item_set_result (item, state, call->result);
  sprig_tool_call_item_set_store_id (item, call->id);
  return item;
}

SprigMessageItem *
sprig_message_item_new_from_message (const SprigMessage *msg)
{
  SprigMessageItem *self;

  g_return_val_if_fail (msg != NULL, NULL);

  self = sprig_message_item_new (msg->role, msg->content);
  self->id = msg->id;
  self->parent_id = msg->parent_id;
  self->updated_at = msg->updated_at;
  self->status = msg->status;
  self->error = g_strdup (msg->error);
  self->model_id = g_strdup (msg->model_id);
  self->backend = g_strdup (msg->backend);
  if (msg->reasoning != NULL)
    g_string_assign (self->reasoning, msg->reasoning);
  if (msg->role == SPRIG_MESSAGE_ROLE_ASSISTANT && msg->completion_tokens > 0)
    {
      self->stats.prompt_tokens = msg->prompt_tokens;
      self->stats.completion_tokens = msg->completion_tokens;
      self->stats.prompt_per_second = msg->prompt_per_second;
      self->stats.tokens_per_second = msg->tokens_per_second;
      self->stats.first_token_ms = msg->first_token_ms;
      self->stats.backend = self->backend;
      self->has_stats = TRUE;
    }
  for (guint i = 0; msg->tool_calls != NULL && i < msg->tool_calls->len; i++)
    {
      g_autoptr(SprigToolCallItem) call =
        tool_call_item_from_store (g_ptr_array_index (msg->tool_calls, i));

      sprig_message_item_add_tool_call (self, call);
    }
  return self;
}

gint64
sprig_message_item_get_id (SprigMessageItem *self)
{
  g_return_val_if_fail (SPRIG_IS_MESSAGE_ITEM (self), 0);
  return self->id;
}

void
sprig_message_item_set_id (SprigMessageItem *self,
                           gint64            id)
{
  g_return_if_fail (SPRIG_IS_MESSAGE_ITEM (self));
  self->id = id;
}

gint64
sprig_message_item_get_parent_id (SprigMessageItem *self)
{
  g_return_val_if_fail (SPRIG_IS_MESSAGE_ITEM (self), 0);
  return self->parent_id;
}

void
sprig_message_item_set_parent_id (SprigMessageItem *self,
                                  gint64            parent_id)
{
  g_return_if_fail (SPRIG_IS_MESSAGE_ITEM (self));
  self->parent_id = parent_id;
}

/* When the message last changed (microseconds; 0 for one not stored yet): the newest
 * branch is the one shown after its sibling is deleted. */
gint64
sprig_message_item_get_updated_at (SprigMessageItem *self)
{
  g_return_val_if_fail (SPRIG_IS_MESSAGE_ITEM (self), 0);
  return self->updated_at;
}

void
sprig_message_item_touch (SprigMessageItem *self)
{
  g_return_if_fail (SPRIG_IS_MESSAGE_ITEM (self));
  self->updated_at = g_get_real_time ();
}

/* The model file and the engine backend that write this reply. */
void
sprig_message_item_set_origin (SprigMessageItem *self,
                               const char       *model_id,
                               const char       *backend)
{
  g_return_if_fail (SPRIG_IS_MESSAGE_ITEM (self));
  g_free (self->model_id);
  self->model_id = g_strdup (model_id);
  g_free (self->backend);
  self->backend = g_strdup (backend);
  self->stats.backend = self->backend;
}

/* Which of @n_branches sibling messages (the answers to one question, or the versions of
 * an edited question) this is, from 0. */
void
sprig_message_item_set_branch (SprigMessageItem *self,
                               guint             index,
                               guint             n_branches)
{
  g_return_if_fail (SPRIG_IS_MESSAGE_ITEM (self));

  if (self->branch_index == index && self->n_branches == n_branches)
    return;
  self->branch_index = index;
  self->n_branches = n_branches;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BRANCH]);
}

guint
sprig_message_item_get_branch_index (SprigMessageItem *self)
{
  g_return_val_if_fail (SPRIG_IS_MESSAGE_ITEM (self), 0);
  return self->branch_index;
}

guint
sprig_message_item_get_n_branches (SprigMessageItem *self)
{
  g_return_val_if_fail (SPRIG_IS_MESSAGE_ITEM (self), 0);
  return MAX (self->n_branches, 1);
}

SprigMessageRole
sprig_message_item_get_role (SprigMessageItem *self)
{
  g_return_val_if_fail (SPRIG_IS_MESSAGE_ITEM (self), SPRIG_MESSAGE_ROLE_USER);
  return self->role;
}

SprigMessageStatus
sprig_message_item_get_status (SprigMessageItem *self)
{
  g_return_val_if_fail (SPRIG_IS_MESSAGE_ITEM (self), SPRIG_MESSAGE_STATUS_COMPLETE);
  return self->status;
}

void
sprig_message_item_set_status (SprigMessageItem   *self,
                               SprigMessageStatus  status)
{
  g_return_if_fail (SPRIG_IS_MESSAGE_ITEM (self));

  if (self->status == status)
    return;
  self->status = status;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

const char *
sprig_message_item_get_content (SprigMessageItem *self)
{
  g_return_val_if_fail (SPRIG_IS_MESSAGE_ITEM (self), NULL);
  return self->content->str;
}

const char *
sprig_message_item_get_reasoning (SprigMessageItem *self)
{
  g_return_val_if_fail (SPRIG_IS_MESSAGE_ITEM (self), NULL);
  return self->reasoning->str;
}

/* Length of the longest suffix of @s (of @len bytes) that is a proper prefix of @tag. */
static gsize
partial_tag_suffix (const char *s,
                    gsize       len,
                    const char *tag)
{
  gsize tag_len = strlen (tag);

  for (gsize n = MIN (len, tag_len - 1); n > 0; n--)
    if (strncmp (s + len - n, tag, n) == 0)
      return n;
  return 0;
}

/* Splits the raw text into reasoning and content; reasoning is a <think> block that opens
 * the reply (Qwen3 writes it as its first token). Both only ever grow by appending, so
 * the caller can hand the store the difference. Text that may still become a tag is
 * held back until it is known. */
static void
split_raw (const char *raw,
           GString    *content,
           GString    *reasoning)
{
  const char *s = raw;
  gsize len = strlen (s);

  g_string_truncate (content, 0);
  g_string_truncate (reasoning, 0);
  if (len < strlen (THINK_OPEN) && strncmp (s, THINK_OPEN, len) == 0)
    return;
  if (strncmp (s, THINK_OPEN, strlen (THINK_OPEN)) != 0)
    {
      g_string_assign (content, raw);
      return;
    }
  s += strlen (THINK_OPEN);
  {
    const char *end = strstr (s, THINK_CLOSE);

    if (end == NULL)
      {
        len = strlen (s);
        g_string_append_len (reasoning, s, len - partial_tag_suffix (s, len, THINK_CLOSE));
        return;
      }
    g_string_append_len (reasoning, s, end - s);
    s = end + strlen (THINK_CLOSE);
    while (g_ascii_isspace (*s))
      s++;
    g_string_append (content, s);
  }
}

/**
 * sprig_message_item_append_raw:
 * @content_delta: (out) (optional): the text added to the content, or %NULL if none
 * @reasoning_delta: (out) (optional): the text added to the reasoning, or %NULL if none
 *
 * Appends a batch of generated text and notifies what changed.
 */
void
sprig_message_item_append_raw (SprigMessageItem  *self,
                               const char        *text,
                               gsize              len,
                               char             **content_delta,
                               char             **reasoning_delta)
{
  gsize old_content, old_reasoning;

  g_return_if_fail (SPRIG_IS_MESSAGE_ITEM (self));

  old_content = self->content->len;
  old_reasoning = self->reasoning->len;
  g_string_append_len (self->raw, text, len);
  split_raw (self->raw->str, self->content, self->reasoning);
  if (content_delta != NULL)
    *content_delta = self->content->len > old_content
                     ? g_strdup (self->content->str + old_content) : NULL;
  if (reasoning_delta != NULL)
    *reasoning_delta = self->reasoning->len > old_reasoning
                       ? g_strdup (self->reasoning->str + old_reasoning) : NULL;
  if (self->reasoning->len != old_reasoning)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REASONING]);
  if (self->content->len != old_content)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTENT]);
}

void
sprig_message_item_set_stats (SprigMessageItem      *self,
                              const SprigReplyStats *stats)
{
  g_return_if_fail (SPRIG_IS_MESSAGE_ITEM (self));
  g_return_if_fail (stats != NULL);

  self->stats = *stats;
  if (stats->backend != NULL && g_strcmp0 (stats->backend, self->backend) != 0)
    {
      g_free (self->backend);
      self->backend = g_strdup (stats->backend);
    }
  self->stats.backend = self->backend;
  self->has_stats = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATS]);
}

const SprigReplyStats *
sprig_message_item_get_stats (SprigMessageItem *self)
{
  g_return_val_if_fail (SPRIG_IS_MESSAGE_ITEM (self), NULL);
  return self->has_stats ? &self->stats : NULL;
}

void
sprig_message_item_set_error (SprigMessageItem *self,
                              const char       *error)
{
  g_return_if_fail (SPRIG_IS_MESSAGE_ITEM (self));

  g_free (self->error);
  self->error = g_strdup (error);
  self->status = SPRIG_MESSAGE_STATUS_ERROR;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

static const char *
backend_display_name (const char *backend)
{
  if (g_strcmp0 (backend, "cpu") == 0)
    return _("CPU");
  if (g_strcmp0 (backend, "vulkan") == 0)
    return _("Vulkan");
  if (g_strcmp0 (backend, "reference") == 0)
    return _("Reference");
  return backend;
}

/* The small line under an assistant message: "42 tokens · 31.5 tokens/s · first token in
 * 0.21 s · bonsai-8b.gguf · CPU", or why it stopped early. NULL when there is nothing to
 * say. */
char *
sprig_message_item_dup_stats_text (SprigMessageItem *self)
{
  GString *s;

  g_return_val_if_fail (SPRIG_IS_MESSAGE_ITEM (self), NULL);

  if (self->status == SPRIG_MESSAGE_STATUS_ERROR)
    return g_strdup_printf (_("Failed: %s"), self->error != NULL ? self->error : _("unknown error"));
  if (!self->has_stats && self->status != SPRIG_MESSAGE_STATUS_INTERRUPTED)
    return NULL;
  s = g_string_new (NULL);
  if (self->status == SPRIG_MESSAGE_STATUS_INTERRUPTED)
    g_string_append (s, _("Stopped"));
  if (self->has_stats)
    {
      if (s->len > 0)
        g_string_append (s, " · ");
      g_string_append_printf (s, g_dngettext (GETTEXT_PACKAGE, "%d token", "%d tokens",
                                              self->stats.completion_tokens),
                              self->stats.completion_tokens);
      g_string_append (s, " · ");
      g_string_append_printf (s, _("%.1f tokens/s"), self->stats.tokens_per_second);
      if (self->stats.first_token_ms > 0)
        {
          g_string_append (s, " · ");
          g_string_append_printf (s, _("first token in %.2f s"),
                                  self->stats.first_token_ms / 1000.0);
        }
    }
  if (self->model_id != NULL && s->len > 0)
    g_string_append_printf (s, " · %s", self->model_id);
  if (self->backend != NULL && s->len > 0)
    g_string_append_printf (s, " · %s", backend_display_name (self->backend));
  return g_string_free (s, FALSE);
}

SprigToolCallItem *
sprig_message_item_get_tool_call (SprigMessageItem *self)
{
  g_return_val_if_fail (SPRIG_IS_MESSAGE_ITEM (self), NULL);
  return self->tool_call;
}

void
sprig_message_item_set_tool_call (SprigMessageItem  *self,
                                  SprigToolCallItem *call)
{
  g_return_if_fail (SPRIG_IS_MESSAGE_ITEM (self));
  g_set_object (&self->tool_call, call);
}

GPtrArray *
sprig_message_item_get_tool_calls (SprigMessageItem *self)
{
  g_return_val_if_fail (SPRIG_IS_MESSAGE_ITEM (self), NULL);
  return self->tool_calls;
}

void
sprig_message_item_add_tool_call (SprigMessageItem  *self,
                                  SprigToolCallItem *call)
{
  g_return_if_fail (SPRIG_IS_MESSAGE_ITEM (self));
  g_return_if_fail (SPRIG_IS_TOOL_CALL_ITEM (call));
  if (self->tool_calls == NULL)
    self->tool_calls = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (self->tool_calls, g_object_ref (call));
}

static void
sprig_message_item_finalize (GObject *object)
{
  SprigMessageItem *self = SPRIG_MESSAGE_ITEM (object);

  g_string_free (self->raw, TRUE);
  g_string_free (self->content, TRUE);
  g_string_free (self->reasoning, TRUE);
  g_free (self->error);
  g_free (self->model_id);
  g_free (self->backend);
  g_clear_object (&self->tool_call);
  g_clear_pointer (&self->tool_calls, g_ptr_array_unref);
  G_OBJECT_CLASS (sprig_message_item_parent_class)->finalize (object);
}

static void
sprig_message_item_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  SprigMessageItem *self = SPRIG_MESSAGE_ITEM (object);

  switch (prop_id)
    {
    case PROP_STATUS:
      g_value_set_int (value, self->status);
      break;
    case PROP_CONTENT:
      g_value_set_string (value, self->content->str);
      break;
    case PROP_REASONING:
      g_value_set_string (value, self->reasoning->str);
      break;
    case PROP_STATS:
      g_value_set_boolean (value, self->has_stats);
      break;
    case PROP_BRANCH:
      g_value_set_uint (value, self->branch_index);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sprig_message_item_class_init (SprigMessageItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = sprig_message_item_finalize;
  object_class->get_property = sprig_message_item_get_property;

  properties[PROP_STATUS] = g_param_spec_int ("status", NULL, NULL, 0, G_MAXINT, 0, flags);
  properties[PROP_CONTENT] = g_param_spec_string ("content", NULL, NULL, NULL, flags);
  properties[PROP_REASONING] = g_param_spec_string ("reasoning", NULL, NULL, NULL, flags);
  /* TRUE once the reply has its final numbers */
  properties[PROP_STATS] = g_param_spec_boolean ("stats", NULL, NULL, FALSE, flags);
  /* notified when the branch index or the number of branches changes */
  properties[PROP_BRANCH] = g_param_spec_uint ("branch", NULL, NULL, 0, G_MAXUINT, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
sprig_message_item_init (SprigMessageItem *self)
{
  self->raw = g_string_new (NULL);
  self->content = g_string_new (NULL);
  self->reasoning = g_string_new (NULL);
}
