/* SPDX-License-Identifier: Apache-2.0
 *
 * Tool calls within a turn. Before each reply the toolbox is brought up to date and,
 * when the conversation allows tools and the model has a tool-call format, the reply is
 * offered the tools: the prompt lists them and the engine's sampler only lets a valid
 * call through once the model writes <tool_call>. The streaming parser takes the calls
 * out of the reply (the text goes on to the chat as before); each call becomes a card.
 *
 * When the reply is stored, its calls run as one round of the tool loop (rounds,
 * repeats, the Stop button) through the gate, which asks the user where it must. Each
 * result becomes a role "tool" message under the reply, shown as its card, and the next
 * reply is generated under the last result — with tools while the loop allows more
 * rounds, without them for a final answer.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sprig-chat-private.h"
#include "sprig-chat-settings.h"

static const SeToolsIface *
tools_iface (SprigChat *self)
{
  return self->toolbox != NULL ? sprig_toolbox_get_iface (self->toolbox) : NULL;
}

/* Everything of the last reply and round; the loop lives for the whole turn. */
static void
clear_reply (SprigChat *self)
{
  const SeToolsIface *tools = tools_iface (self);

  if (self->parser != NULL)
    tools->parser_free (self->parser);
  self->parser = NULL;
  g_clear_pointer (&self->offer, sprig_tool_offer_unref);
  g_clear_pointer (&self->round_calls, g_ptr_array_unref);
  g_clear_pointer (&self->round_msgs, g_ptr_array_unref);
  self->round_store_pending = 0;
}

void
_sprig_chat_tools_clear (SprigChat *self)
{
  const SeToolsIface *tools = tools_iface (self);

  clear_reply (self);
  if (self->tool_loop != NULL)
    tools->loop_free (self->tool_loop);
  self->tool_loop = NULL;
  g_clear_object (&self->tool_cancellable);
}

void
_sprig_chat_tools_begin_turn (SprigChat *self)
{
  const SeToolsIface *tools = tools_iface (self);
  SeToolLoopParams params = SE_TOOL_LOOP_PARAMS_INIT;

  _sprig_chat_tools_clear (self);
  self->tools_more = TRUE;
  if (tools == NULL)
    return;
  sprig_toolbox_reset (self->toolbox);
  if (self->settings != NULL)
    params.max_rounds = (guint) g_settings_get_int (self->settings, "tool-max-rounds");
  /* The user may think as long as they like before answering a card: the time limit is
   * the toolbox's, on the tool's own run, not the loop's. */
  params.timeout_ms = G_MAXUINT;
  self->tool_loop = tools->loop_new (&sprig_tool_gate_runner, self->gate, &params);
  tools->loop_begin_turn (self->tool_loop);
  self->tool_cancellable = g_cancellable_new ();
}

void
_sprig_chat_tools_stop (SprigChat *self)
{
  if (self->tool_cancellable != NULL)
    g_cancellable_cancel (self->tool_cancellable);
}

static gboolean
tools_wanted (SprigChat *self)
{
  g_auto(SprigChatSettings) settings = { 0 };

  if (self->tool_loop == NULL || !self->tools_more)
    return FALSE;
  sprig_chat_settings_init_defaults (&settings, self->settings);
  sprig_chat_settings_apply_conversation (&settings, sprig_chat_get_conversation (self), NULL);
  return settings.tools_enabled;
}

static void
offer_ready_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SprigChat) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SprigToolOffer) offer = sprig_toolbox_ensure_finish (SPRIG_TOOLBOX (source), result,
                                                                  &error);
  const char *unavailable = offer != NULL ? sprig_tool_offer_get_unavailable (offer)
                                          : error->message;

  if (self->reply == NULL)
    return;   /* the turn ended meanwhile */
  if (unavailable != NULL)
    {
      /* Said once, not before every reply: "this model has no tool calls" */
      if (offer == NULL || sprig_tool_offer_get_n_tools (offer) > 0)
        if (g_strcmp0 (unavailable, self->unavailable_shown) != 0)
          {
            g_autofree char *msg = g_strdup_printf (_("Tools are off for this reply: %s"),
                                                    unavailable);

            g_free (self->unavailable_shown);
            self->unavailable_shown = g_strdup (unavailable);
            _sprig_chat_emit_notice (self, msg);
          }
    }
  else
    self->offer = g_steal_pointer (&offer);
  _sprig_chat_generate (self);
}

/* Before a reply: the tools it may call, then the generation. */
void
_sprig_chat_tools_prepare (SprigChat *self)
{
  clear_reply (self);
  if (!tools_wanted (self))
    {
      _sprig_chat_generate (self);
      return;
    }
  sprig_toolbox_ensure_async (self->toolbox, self->model_path, NULL, offer_ready_cb,
                              g_object_ref (self));
}

static void
take_segments (SprigChat *self,
               GPtrArray *segments)
{
  for (guint i = 0; i < segments->len; i++)
    {
      SeToolSegment *seg = g_ptr_array_index (segments, i);

      if (seg->kind == SE_TOOL_SEGMENT_TEXT)
        _sprig_chat_append_text (self, seg->text, strlen (seg->text));
      else
        {
          g_autoptr(SprigToolCallItem) call = sprig_tool_call_item_new (seg->name,
                                                                        seg->arguments);

          sprig_toolbox_describe (sprig_tool_offer_lookup (self->offer, seg->name), call);
          sprig_message_item_add_tool_call (self->reply, call);
          if (self->round_calls == NULL)
            self->round_calls = g_ptr_array_new_with_free_func (g_object_unref);
          g_ptr_array_add (self->round_calls, g_object_ref (call));
        }
    }
  g_ptr_array_set_size (segments, 0);
}

void
_sprig_chat_tools_feed (SprigChat  *self,
                        const char *text,
                        gsize       len)
{
  const SeToolsIface *tools = tools_iface (self);
  g_autoptr(GPtrArray) segments = g_ptr_array_new_with_free_func ((GDestroyNotify) tools->segment_free);

  tools->parser_feed (self->parser, text, len, segments);
  take_segments (self, segments);
}

static void
call_added_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(SprigToolCallItem) call = user_data;
  g_autoptr(GError) error = NULL;
  gint64 id = sprig_store_add_tool_call_finish (SPRIG_STORE (source), result, &error);

  if (id < 0)
    g_warning ("Tool call not saved: %s", error->message);
  else
    sprig_tool_call_item_set_store_id (call, id);
}

/* The reply is complete: what the parser held back, and the calls into the store (queued
 * before the reply's own finish, so they are there when it completes). */
void
_sprig_chat_tools_end_reply (SprigChat *self)
{
  const SeToolsIface *tools = tools_iface (self);
  g_autoptr(GPtrArray) segments = NULL;

  if (self->parser == NULL)
    return;
  segments = g_ptr_array_new_with_free_func ((GDestroyNotify) tools->segment_free);
  tools->parser_finish (self->parser, segments);
  take_segments (self, segments);
  for (guint i = 0; self->round_calls != NULL && i < self->round_calls->len; i++)
    {
      SprigToolCallItem *call = g_ptr_array_index (self->round_calls, i);
      g_autofree char *call_id = g_strdup_printf ("call_%u", i);
      g_autoptr(SprigToolCall) row = sprig_tool_call_new (call_id, sprig_tool_call_item_get_name (call),
                                                          sprig_tool_call_item_get_arguments (call));

      row->status = g_strdup (sprig_tool_call_state_to_string (SPRIG_TOOL_CALL_QUEUED));
      sprig_store_add_tool_call_async (self->store, sprig_message_item_get_id (self->reply), row,
                                       NULL, call_added_cb, g_object_ref (call));
    }
}

static SprigToolCallState
state_of (SeToolStatus status)
{
  switch (status)
    {
    case SE_TOOL_STATUS_OK:
      return SPRIG_TOOL_CALL_DONE;
    case SE_TOOL_STATUS_DENIED:
      return SPRIG_TOOL_CALL_DENIED;
    case SE_TOOL_STATUS_CANCELLED:
      return SPRIG_TOOL_CALL_CANCELLED;
    case SE_TOOL_STATUS_REPEATED:
    case SE_TOOL_STATUS_LIMIT:
      return SPRIG_TOOL_CALL_SKIPPED;
    case SE_TOOL_STATUS_ERROR:
    case SE_TOOL_STATUS_TIMEOUT:
    default:
      return SPRIG_TOOL_CALL_FAILED;
    }
}

static void store_next_result (SprigChat *self);

static void
result_saved_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!sprig_store_set_tool_result_finish (SPRIG_STORE (source), result, &error))
    g_warning ("Tool result not saved: %s", error->message);
}

static void
tool_message_stored_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(SprigChat) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 id = sprig_store_append_message_finish (SPRIG_STORE (source), result, &error);
  guint index;
  SprigMessageItem *msg;

  if (self->round_msgs == NULL)
    return;
  index = self->round_msgs->len - self->round_store_pending;
  msg = g_ptr_array_index (self->round_msgs, index);
  if (id < 0)
    {
      /* Without the result stored the next reply would have no parent: stop here. */
      sprig_message_item_set_error (msg, error->message);
      _sprig_chat_emit_error (self, error->message);
      _sprig_chat_end_turn (self);
      return;
    }
  _sprig_chat_stored (self, msg, id);
  self->round_store_pending--;
  store_next_result (self);
}

/* Stores the round's results one by one (each is the parent of the next), then starts
 * the next reply, unless the turn was stopped. */
static void
store_next_result (SprigChat *self)
{
  SprigMessageItem *msg, *prev;
  g_autoptr(SprigMessage) row = NULL;
  guint index;

  if (self->round_store_pending == 0)
    {
      g_autoptr(SprigMessageItem) last =
        g_object_ref (g_ptr_array_index (self->round_msgs, self->round_msgs->len - 1));

      if (self->stop_requested)
        {
          _sprig_chat_end_turn (self);
          return;
        }
      clear_reply (self);   /* this round is stored and done */
      _sprig_chat_continue (self, last);
      return;
    }
  index = self->round_msgs->len - self->round_store_pending;
  msg = g_ptr_array_index (self->round_msgs, index);
  prev = index > 0 ? g_ptr_array_index (self->round_msgs, index - 1) : self->reply;
  row = sprig_message_new (SPRIG_MESSAGE_ROLE_TOOL, sprig_message_item_get_content (msg));
  row->conversation_id = self->conversation_id;
  row->parent_id = sprig_message_item_get_id (prev);
  sprig_message_item_set_parent_id (msg, row->parent_id);
  sprig_store_append_message_async (self->store, row, NULL, tool_message_stored_cb,
                                    g_object_ref (self));
}

static void
round_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(SprigChat) self = user_data;
  const SeToolsIface *tools = tools_iface (self);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) results = NULL;
  gboolean more = FALSE;

  if (self->tool_loop == NULL || self->round_msgs == NULL)
    return;   /* the turn was torn down */
  results = tools->loop_run_finish (self->tool_loop, result, &more, &error);
  if (results == NULL)
    {
      _sprig_chat_emit_error (self, error->message);
      _sprig_chat_end_turn (self);
      return;
    }
  for (guint i = 0; i < self->round_msgs->len; i++)
    {
      SprigMessageItem *msg = g_ptr_array_index (self->round_msgs, i);
      SprigToolCallItem *call = sprig_message_item_get_tool_call (msg);
      const SeToolResult *r = i < results->len ? g_ptr_array_index (results, i) : NULL;
      const char *content = r != NULL ? r->content : "The tool did not run.";
      SprigToolCallState state = r != NULL ? state_of (r->status) : SPRIG_TOOL_CALL_FAILED;

      sprig_tool_call_item_set_result (call, state, content);
      sprig_message_item_set_content (msg, content);
      sprig_message_item_set_status (msg, SPRIG_MESSAGE_STATUS_COMPLETE);
      if (sprig_tool_call_item_get_store_id (call) > 0)
        sprig_store_set_tool_result_async (self->store, sprig_tool_call_item_get_store_id (call),
                                           content, state == SPRIG_TOOL_CALL_FAILED,
                                           sprig_tool_call_state_to_string (state), NULL,
                                           result_saved_cb, NULL);
    }
  self->tools_more = more && tools->loop_tools_allowed (self->tool_loop);
  self->round_store_pending = self->round_msgs->len;
  store_next_result (self);
}

/* After the reply is stored: runs its calls, if it made any. FALSE: nothing to run. */
gboolean
_sprig_chat_tools_run_round (SprigChat *self)
{
  const SeToolsIface *tools = tools_iface (self);
  g_autofree SeChatToolCall *calls = NULL;

  /* A reply that failed midway may hold calls that were never stored: not run. */
  if (self->round_calls == NULL || self->round_calls->len == 0 || self->tool_loop == NULL ||
      sprig_message_item_get_status (self->reply) == SPRIG_MESSAGE_STATUS_ERROR)
    return FALSE;
  calls = g_new0 (SeChatToolCall, self->round_calls->len);
  self->round_msgs = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < self->round_calls->len; i++)
    {
      SprigToolCallItem *call = g_ptr_array_index (self->round_calls, i);
      SprigMessageItem *msg = sprig_message_item_new (SPRIG_MESSAGE_ROLE_TOOL, NULL);

      calls[i].name = sprig_tool_call_item_get_name (call);
      calls[i].arguments = sprig_tool_call_item_get_arguments (call);
      sprig_message_item_set_tool_call (msg, call);
      sprig_message_item_set_status (msg, SPRIG_MESSAGE_STATUS_STREAMING);
      g_ptr_array_add (self->round_msgs, msg);
      g_list_store_append (self->messages, msg);
    }
  sprig_tool_gate_begin_round (self->gate, self->offer, self->round_calls);
  /* A stopped reply's calls do not run: the loop answers each with "cancelled". */
  tools->loop_run_async (self->tool_loop, calls, self->round_calls->len, self->tool_cancellable,
                         round_done_cb, g_object_ref (self));
  return TRUE;
}

/* After loading: each tool result shows the card of the call it answers. The results
 * of one reply follow it in call order, each under the one before. */
void
_sprig_chat_tools_link (SprigChat *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->items);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      SprigMessageItem *msg = value;
      SprigMessageItem *up = msg;
      guint k = 0;
      GPtrArray *calls;

      if (sprig_message_item_get_role (msg) != SPRIG_MESSAGE_ROLE_TOOL)
        continue;
      do
        {
          up = _sprig_chat_lookup (self, sprig_message_item_get_parent_id (up));
          if (up != NULL && sprig_message_item_get_role (up) == SPRIG_MESSAGE_ROLE_TOOL)
            k++;
        }
      while (up != NULL && sprig_message_item_get_role (up) == SPRIG_MESSAGE_ROLE_TOOL);
      if (up == NULL || sprig_message_item_get_role (up) != SPRIG_MESSAGE_ROLE_ASSISTANT)
        continue;
      calls = sprig_message_item_get_tool_calls (up);
      if (calls != NULL && k < calls->len)
        {
          SprigToolCallItem *call = g_ptr_array_index (calls, k);

          if (sprig_tool_call_item_get_title (call) == sprig_tool_call_item_get_name (call))
            sprig_toolbox_describe (NULL, call);
          sprig_message_item_set_tool_call (msg, call);
        }
    }
}
