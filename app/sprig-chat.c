/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigChat runs one conversation. It loads the conversation's whole message tree from
 * the store and shows one branch of it (the active leaf and its ancestors) as a list of
 * SprigMessageItems; editing a question or regenerating an answer adds a sibling, and
 * the branch arrows walk between siblings. A turn commits the user's message before the
 * engine starts; the reply is created `streaming`, fed to the store's stream buffer batch
 * by batch and finished with its stats (or `interrupted` when stopped). Deleting a
 * message hides it at once and deletes it in the store only when the deletion is
 * committed (after the undo toast), so an undo never has to rebuild anything. Nothing
 * here waits: every step is a callback of the store or the engine.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sprig-chat-private.h"
#include "sprig-chat-settings.h"
#include "sprig-message-item.h"

#define TITLE_CHARS 48

G_DEFINE_FINAL_TYPE (SprigChat, sprig_chat, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONVERSATION_ID,
  PROP_GENERATING,
  N_PROPS
};

enum {
  SIGNAL_ERROR,
  SIGNAL_SETTINGS_CHANGED,
  SIGNAL_REVEAL_MESSAGE,
  SIGNAL_NOTICE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

SprigChat *
sprig_chat_new (SprigStore *store,
                SeEngine   *engine)
{
  SprigChat *self;

  g_return_val_if_fail (SPRIG_IS_STORE (store), NULL);
  g_return_val_if_fail (SE_IS_ENGINE (engine), NULL);

  self = g_object_new (SPRIG_TYPE_CHAT, NULL);
  self->store = g_object_ref (store);
  self->engine = g_object_ref (engine);
  return self;
}

GListModel *
sprig_chat_get_messages (SprigChat *self)
{
  g_return_val_if_fail (SPRIG_IS_CHAT (self), NULL);
  return G_LIST_MODEL (self->messages);
}

gint64
sprig_chat_get_conversation_id (SprigChat *self)
{
  g_return_val_if_fail (SPRIG_IS_CHAT (self), 0);
  return self->conversation_id;
}

gboolean
sprig_chat_get_generating (SprigChat *self)
{
  g_return_val_if_fail (SPRIG_IS_CHAT (self), FALSE);
  return self->generating;
}

void
sprig_chat_set_model_id (SprigChat  *self,
                         const char *model_id)
{
  g_return_if_fail (SPRIG_IS_CHAT (self));
  g_free (self->model_id);
  self->model_id = g_strdup (model_id);
}

/* The engine backend that runs the model ("cpu", "vulkan", ...), shown with each reply. */
void
sprig_chat_set_backend (SprigChat  *self,
                        const char *backend)
{
  g_return_if_fail (SPRIG_IS_CHAT (self));
  g_free (self->backend);
  self->backend = g_strdup (backend);
}

/* Preferences' defaults, which a conversation's own settings override. */
/* The tools replies may call, and the window their file dialogs open over. */
void
sprig_chat_set_toolbox (SprigChat    *self,
                        SprigToolbox *toolbox,
                        GtkWindow    *parent)
{
  g_return_if_fail (SPRIG_IS_CHAT (self));
  g_return_if_fail (!self->generating);

  g_clear_pointer (&self->gate, sprig_tool_gate_free);
  g_set_object (&self->toolbox, toolbox);
  if (toolbox != NULL)
    {
      self->gate = sprig_tool_gate_new (toolbox, self->store, self->settings);
      sprig_tool_gate_set_parent (self->gate, parent);
    }
}

/* The file of the loaded model: its vocabulary is indexed for constrained tool calls. */
void
sprig_chat_set_model_path (SprigChat  *self,
                           const char *path)
{
  g_return_if_fail (SPRIG_IS_CHAT (self));
  g_free (self->model_path);
  self->model_path = g_strdup (path);
}

void
sprig_chat_set_settings (SprigChat *self,
                         GSettings *settings)
{
  g_return_if_fail (SPRIG_IS_CHAT (self));
  g_set_object (&self->settings, settings);
  if (self->gate != NULL)
    sprig_tool_gate_set_settings (self->gate, settings);
}

/* What the next turn will use: Preferences' defaults with the conversation's overrides.
 * Overrides that do not parse are left out (and reported through "error" when used). */
void
sprig_chat_get_effective_settings (SprigChat         *self,
                                   SprigChatSettings *out)
{
  g_return_if_fail (SPRIG_IS_CHAT (self));
  g_return_if_fail (out != NULL);

  sprig_chat_settings_init_defaults (out, self->settings);
  sprig_chat_settings_apply_conversation (out, self->conversation, NULL);
}

/* The conversation's settings (system prompt, sampling JSON); for a chat that is not
 * stored yet, those it will be created with. Never NULL. */
const SprigConversation *
sprig_chat_get_conversation (SprigChat *self)
{
  g_return_val_if_fail (SPRIG_IS_CHAT (self), NULL);
  return self->conversation;
}

/* 0: until the model ends its turn or the context is full. */
void
sprig_chat_set_max_tokens (SprigChat *self,
                           guint      max_tokens)
{
  g_return_if_fail (SPRIG_IS_CHAT (self));
  self->max_tokens = max_tokens;
}

static void
set_conversation_id (SprigChat *self,
                     gint64     id)
{
  if (self->conversation_id == id)
    return;
  self->conversation_id = id;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONVERSATION_ID]);
}

static void
set_generating (SprigChat *self,
                gboolean   generating)
{
  if (self->generating == generating)
    return;
  self->generating = generating;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GENERATING]);
}

/* The tree. */

static GPtrArray *
children_of (SprigChat *self,
             gint64     parent_id)
{
  return g_hash_table_lookup (self->children, &parent_id);
}

static SprigMessageItem *
lookup_item (SprigChat *self,
             gint64     id)
{
  return id > 0 ? g_hash_table_lookup (self->items, &id) : NULL;
}

static void
add_node (SprigChat        *self,
          SprigMessageItem *item)
{
  gint64 parent_id = sprig_message_item_get_parent_id (item);
  GPtrArray *siblings = children_of (self, parent_id);

  g_hash_table_insert (self->items, g_memdup2 (&(gint64) { sprig_message_item_get_id (item) },
                                               sizeof (gint64)),
                       g_object_ref (item));
  if (siblings == NULL)
    {
      siblings = g_ptr_array_new ();
      g_hash_table_insert (self->children, g_memdup2 (&parent_id, sizeof parent_id), siblings);
    }
  g_ptr_array_add (siblings, item);
}

static void
remove_subtree (SprigChat *self,
                gint64     id)
{
  g_autoptr(SprigMessageItem) item = NULL;
  GPtrArray *siblings;
  GPtrArray *kids;
  gint64 parent_id;

  if (!g_hash_table_steal_extended (self->items, &id, NULL, (gpointer *) &item))
    return;
  kids = children_of (self, id);
  while (kids != NULL && kids->len > 0)
    {
      remove_subtree (self, sprig_message_item_get_id (g_ptr_array_index (kids, kids->len - 1)));
      kids = children_of (self, id);
    }
  g_hash_table_remove (self->children, &id);
  parent_id = sprig_message_item_get_parent_id (item);
  siblings = children_of (self, parent_id);
  if (siblings != NULL)
    g_ptr_array_remove (siblings, item);
}

/* Siblings the user can see: those not waiting to be deleted. */
static void
visible_siblings (SprigChat        *self,
                  SprigMessageItem *item,
                  guint            *index,
                  guint            *n)
{
  GPtrArray *siblings = children_of (self, sprig_message_item_get_parent_id (item));

  *index = 0;
  *n = 0;
  for (guint i = 0; siblings != NULL && i < siblings->len; i++)
    {
      SprigMessageItem *sibling = g_ptr_array_index (siblings, i);

      if (sprig_message_item_get_id (sibling) == self->pending_delete)
        continue;
      if (sibling == item)
        *index = *n;
      (*n)++;
    }
}

static void
refresh_branch (SprigChat        *self,
                SprigMessageItem *item)
{
  guint index, n;

  visible_siblings (self, item, &index, &n);
  sprig_message_item_set_branch (item, index, n);
}

/* The leaf reached from @start (0: from the first messages) by following the most
 * recently changed visible child, as the store does after a deletion. */
static gint64
newest_leaf (SprigChat *self,
             gint64     start)
{
  gint64 leaf = start;

  for (;;)
    {
      GPtrArray *kids = children_of (self, leaf);
      SprigMessageItem *best = NULL;

      for (guint i = 0; kids != NULL && i < kids->len; i++)
        {
          SprigMessageItem *kid = g_ptr_array_index (kids, i);

          if (sprig_message_item_get_id (kid) == self->pending_delete)
            continue;
          if (best == NULL ||
              sprig_message_item_get_updated_at (kid) >= sprig_message_item_get_updated_at (best))
            best = kid;
        }
      if (best == NULL)
        return leaf;
      leaf = sprig_message_item_get_id (best);
    }
}

/* Shows the branch that ends at @leaf_id, keeping the items it shares with the one shown
 * (their rows are not rebuilt). */
static void
show_leaf (SprigChat *self,
           gint64     leaf_id)
{
  g_autoptr(GPtrArray) path = g_ptr_array_new ();
  GListModel *model = G_LIST_MODEL (self->messages);
  guint n_shown = g_list_model_get_n_items (model);
  guint keep = 0;

  for (SprigMessageItem *item = lookup_item (self, leaf_id); item != NULL;
       item = lookup_item (self, sprig_message_item_get_parent_id (item)))
    g_ptr_array_insert (path, 0, item);
  for (guint i = 0; i < path->len; i++)
    refresh_branch (self, g_ptr_array_index (path, i));
  while (keep < MIN (n_shown, path->len))
    {
      g_autoptr(SprigMessageItem) shown = g_list_model_get_item (model, keep);

      if (shown != g_ptr_array_index (path, keep))
        break;
      keep++;
    }
  g_list_store_splice (self->messages, keep, n_shown - keep, path->pdata + keep, path->len - keep);
  self->leaf_id = leaf_id;
}

/* Shows the branch that holds @id (switching to it if needed) and asks the view to
 * scroll there. */
static void
reveal (SprigChat *self,
        gint64     id)
{
  SprigMessageItem *item = lookup_item (self, id);
  guint position;

  if (item == NULL)
    return;
  if (!g_list_store_find (self->messages, item, &position))
    {
      gint64 leaf = newest_leaf (self, id);

      show_leaf (self, leaf);
      sprig_store_set_active_leaf_async (self->store, self->conversation_id, leaf, NULL, NULL,
                                         NULL);
      if (!g_list_store_find (self->messages, item, &position))
        return;
    }
  g_signal_emit (self, signals[SIGNAL_REVEAL_MESSAGE], 0, position);
}

/**
 * sprig_chat_reveal_message:
 * @message_id: a message of the conversation shown (or being loaded)
 *
 * Shows the branch that holds @message_id and emits ::reveal-message with its position,
 * once the conversation is loaded: for a search hit. Not while generating.
 */
void
sprig_chat_reveal_message (SprigChat *self,
                           gint64     message_id)
{
  g_return_if_fail (SPRIG_IS_CHAT (self));

  if (self->generating)
    return;
  if (!self->loaded)
    {
      self->reveal_id = message_id;
      return;
    }
  reveal (self, message_id);
}

SprigMessageItem *
_sprig_chat_lookup (SprigChat *self,
                    gint64     id)
{
  return lookup_item (self, id);
}

void
_sprig_chat_emit_error (SprigChat  *self,
                        const char *message)
{
  g_signal_emit (self, signals[SIGNAL_ERROR], 0, message);
}

void
_sprig_chat_emit_notice (SprigChat  *self,
                         const char *message)
{
  g_signal_emit (self, signals[SIGNAL_NOTICE], 0, message);
}

static void
clear_tree (SprigChat *self)
{
  g_list_store_remove_all (self->messages);
  g_hash_table_remove_all (self->children);
  g_hash_table_remove_all (self->items);
  self->leaf_id = 0;
  self->pending_delete = 0;
  self->reveal_id = 0;
  self->loaded = FALSE;
}

static void
messages_loaded_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(SprigChat) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = NULL;
  gint64 leaf;

  all = sprig_store_list_messages_finish (SPRIG_STORE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (all == NULL)
    {
      g_signal_emit (self, signals[SIGNAL_ERROR], 0, error->message);
      return;
    }
  for (guint i = 0; i < all->len; i++)
    {
      g_autoptr(SprigMessageItem) item = sprig_message_item_new_from_message (all->pdata[i]);

      add_node (self, item);
    }
  _sprig_chat_tools_link (self);
  leaf = self->conversation->active_leaf_id;
  if (lookup_item (self, leaf) == NULL)
    leaf = newest_leaf (self, 0);
  show_leaf (self, leaf);
  self->loaded = TRUE;
  if (self->reveal_id != 0)
    {
      reveal (self, self->reveal_id);
      self->reveal_id = 0;
    }
}

static void
conversation_loaded_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(SprigChat) self = user_data;
  g_autoptr(GError) error = NULL;
  SprigConversation *conv;

  conv = sprig_store_get_conversation_finish (SPRIG_STORE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (conv == NULL)
    {
      g_signal_emit (self, signals[SIGNAL_ERROR], 0, error->message);
      return;
    }
  sprig_conversation_free (self->conversation);
  self->conversation = conv;
  g_signal_emit (self, signals[SIGNAL_SETTINGS_CHANGED], 0);
  sprig_store_list_messages_async (self->store, self->conversation_id, self->load_cancellable,
                                   messages_loaded_cb, g_object_ref (self));
}

static void commit_delete (SprigChat *self);

/* Shows conversation @conversation_id (0: a new, empty chat). Not while generating. */
void
sprig_chat_set_conversation (SprigChat *self,
                             gint64     conversation_id)
{
  g_return_if_fail (SPRIG_IS_CHAT (self));
  g_return_if_fail (!self->generating);

  commit_delete (self);
  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  clear_tree (self);
  g_clear_pointer (&self->conversation, sprig_conversation_free);
  self->conversation = sprig_conversation_new ();
  set_conversation_id (self, conversation_id);
  if (conversation_id <= 0)
    {
      g_signal_emit (self, signals[SIGNAL_SETTINGS_CHANGED], 0);
      return;
    }
  self->conversation->id = conversation_id;
  self->load_cancellable = g_cancellable_new ();
  sprig_store_get_conversation_async (self->store, conversation_id, self->load_cancellable,
                                      conversation_loaded_cb, g_object_ref (self));
}

/* The turn is over: the reply is stored with its final status. */
void
_sprig_chat_end_turn (SprigChat *self)
{
  g_autoptr(GPtrArray) tasks = g_steal_pointer (&self->stop_tasks);

  _sprig_chat_tools_clear (self);
  self->request = 0;
  g_clear_object (&self->reply);
  g_clear_object (&self->user_item);
  self->stop_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  set_generating (self, FALSE);
  for (guint i = 0; i < tasks->len; i++)
    g_task_return_boolean (g_ptr_array_index (tasks, i), TRUE);
}

static void
fail_turn (SprigChat  *self,
           const char *message)
{
  if (self->reply != NULL)
    sprig_message_item_set_error (self->reply, message);
  g_signal_emit (self, signals[SIGNAL_ERROR], 0, message);
  _sprig_chat_end_turn (self);
}

static void
reply_finished_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(SprigChat) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!sprig_store_finish_reply_finish (SPRIG_STORE (source), result, &error))
    {
      g_signal_emit (self, signals[SIGNAL_ERROR], 0, error->message);
      if (self->reply != NULL)
        sprig_message_item_set_error (self->reply, error->message);
    }
  else if (_sprig_chat_tools_run_round (self))
    return;   /* the reply called tools: their results come next, then a new reply */
  _sprig_chat_end_turn (self);
}

static void
finish_reply (SprigChat             *self,
              SprigMessageStatus     status,
              const SprigReplyStats *stats,
              const char            *error_text)
{
  sprig_store_finish_reply_async (self->store, sprig_message_item_get_id (self->reply), status,
                                  stats, error_text, NULL, reply_finished_cb,
                                  g_object_ref (self));
}

/* Reply text (thinking included) for the reply's item and the store's stream. */
void
_sprig_chat_append_text (SprigChat  *self,
                         const char *text,
                         gsize       len)
{
  g_autofree char *content = NULL;
  g_autofree char *reasoning = NULL;
  g_autoptr(GError) error = NULL;

  sprig_message_item_append_raw (self->reply, text, len, &content, &reasoning);
  if ((content != NULL || reasoning != NULL) &&
      !sprig_store_stream_append (self->store, sprig_message_item_get_id (self->reply),
                                  content, reasoning, &error))
    g_warning ("Reply not saved yet: %s", error->message);  /* retried by the store */
}

static void
on_tokens (SprigChat     *self,
           const SeEvent *event)
{
  if (self->first_token_ms <= 0 && event->n_tokens > 0)
    self->first_token_ms = (g_get_monotonic_time () - self->request_started) / 1000.0;
  /* With tools offered, the parser takes the calls out and passes the text on. */
  if (self->parser != NULL)
    _sprig_chat_tools_feed (self, event->text, event->text_len);
  else
    _sprig_chat_append_text (self, event->text, event->text_len);
}

static void
on_done (SprigChat     *self,
         const SeEvent *event)
{
  SprigReplyStats stats = { 0 };
  SprigMessageStatus status = SPRIG_MESSAGE_STATUS_COMPLETE;

  _sprig_chat_tools_end_reply (self);
  if (event->stats != NULL)
    {
      stats.prompt_tokens = (int) event->stats->prompt_tokens;
      stats.completion_tokens = (int) event->stats->gen_tokens;
      stats.prompt_per_second = event->stats->prompt_tok_s;
      stats.tokens_per_second = event->stats->gen_tok_s;
      stats.first_token_ms = self->first_token_ms;
      stats.backend = self->backend;
      self->last_prompt_evaluated = event->stats->prompt_evaluated;
      if (event->stats->messages_dropped > 0 || event->stats->prompt_truncated > 0)
        {
          /* the user is told when the model no longer sees the start of the chat */
          g_autofree char *notice =
            event->stats->messages_dropped > 0
            ? g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "The oldest message was left out of this reply: the "
                                            "chat is longer than the model’s context.",
                                            "The %u oldest messages were left out of this reply: "
                                            "the chat is longer than the model’s context.",
                                            event->stats->messages_dropped),
                               event->stats->messages_dropped)
            : g_strdup (_("The start of the chat was cut from this reply: it is longer than the "
                          "model’s context."));

          g_signal_emit (self, signals[SIGNAL_NOTICE], 0, notice);
        }
      if (event->stats->stop == SE_STOP_CANCELLED)
        status = SPRIG_MESSAGE_STATUS_INTERRUPTED;
    }
  sprig_message_item_set_stats (self->reply, &stats);
  sprig_message_item_set_status (self->reply, status);
  sprig_message_item_touch (self->reply);
  finish_reply (self, status, &stats, NULL);
}

static void
engine_event_cb (SeEngine      *engine,
                 const SeEvent *event,
                 gpointer       user_data)
{
  SprigChat *self = user_data;

  if (self->reply == NULL || event->request != self->request)
    return;
  switch (event->kind)
    {
    case SE_EVENT_TOKENS:
      on_tokens (self, event);
      break;
    case SE_EVENT_DONE:
      on_done (self, event);
      break;
    case SE_EVENT_ERROR:
      sprig_message_item_set_error (self->reply, event->error->message);
      g_signal_emit (self, signals[SIGNAL_ERROR], 0, event->error->message);
      finish_reply (self, SPRIG_MESSAGE_STATUS_ERROR, NULL, event->error->message);
      break;
    case SE_EVENT_PROGRESS:
    default:
      break;
    }
}

/* The calls @item made, for the template (strings borrowed from the cards). */
static SeChatToolCall *
chat_tool_calls (SprigMessageItem *item,
                 gsize            *n)
{
  GPtrArray *calls = sprig_message_item_get_tool_calls (item);
  SeChatToolCall *out;

  *n = calls != NULL ? calls->len : 0;
  if (*n == 0)
    return NULL;
  out = g_new0 (SeChatToolCall, *n);
  for (guint i = 0; i < calls->len; i++)
    {
      SprigToolCallItem *call = g_ptr_array_index (calls, i);

      out[i].name = sprig_tool_call_item_get_name (call);
      out[i].arguments = sprig_tool_call_item_get_arguments (call);
    }
  return out;
}

/* Renders the branch up to (not including) the reply for the chat template, after the
 * system prompt, with the conversation's sampling, thinking switch and context, and the
 * tools when the reply is offered some. */
void
_sprig_chat_generate (SprigChat *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->messages));
  g_autofree SeChatMessage *messages = g_new0 (SeChatMessage, n + 1);
  g_autoptr(GPtrArray) call_arrays = g_ptr_array_new_with_free_func (g_free);
  g_auto(SprigChatSettings) settings = { 0 };
  g_autoptr(GError) error = NULL;
  SeChatOptions options = SE_CHAT_OPTIONS_INIT;
  SeGenerateRequest request;
  gsize n_messages = 0;

  if (self->stop_requested)
    {
      /* Stopped while the tools were being prepared: nothing was generated. */
      sprig_message_item_set_status (self->reply, SPRIG_MESSAGE_STATUS_INTERRUPTED);
      finish_reply (self, SPRIG_MESSAGE_STATUS_INTERRUPTED, NULL, NULL);
      return;
    }

  sprig_chat_settings_init_defaults (&settings, self->settings);
  if (!sprig_chat_settings_apply_conversation (&settings, self->conversation, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Some chat settings were ignored: %s"),
                                                  error->message);

      g_signal_emit (self, signals[SIGNAL_ERROR], 0, message);
    }
  if (settings.system_prompt != NULL && settings.system_prompt[0] != '\0')
    {
      messages[0].role = "system";
      messages[0].content = settings.system_prompt;
      n_messages++;
    }
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SprigMessageItem) item = g_list_model_get_item (G_LIST_MODEL (self->messages), i);

      if (item == self->reply || sprig_message_item_get_status (item) == SPRIG_MESSAGE_STATUS_ERROR)
        continue;
      messages[n_messages].role = sprig_message_role_to_string (sprig_message_item_get_role (item));
      messages[n_messages].content = sprig_message_item_get_content (item);
      messages[n_messages].reasoning = sprig_message_item_get_reasoning (item);
      messages[n_messages].tool_calls = chat_tool_calls (item, &messages[n_messages].n_tool_calls);
      if (messages[n_messages].tool_calls != NULL)
        g_ptr_array_add (call_arrays, (gpointer) messages[n_messages].tool_calls);
      n_messages++;
    }
  se_generate_request_init (&request);
  sprig_chat_settings_to_sampling (&settings, &request.sampling);
  options.enable_thinking = settings.enable_thinking;
  request.chat_options = &options;
  request.messages = messages;
  request.n_messages = n_messages;
  request.max_tokens = self->max_tokens;
  request.truncate_prompt = TRUE;
  request.n_ctx = settings.context_length;
  if (self->offer != NULL)
    {
      const SeToolsIface *tools = sprig_toolbox_get_iface (self->toolbox);
      SeToolSet *set = sprig_tool_offer_get_set (self->offer);

      options.tools = tools->tool_set_get_chat_tools (set, &options.n_tools);
      /* After <tool_call>, only a valid call of an offered tool can be sampled. */
      request.filter_data = tools->constraint_new (sprig_tool_offer_get_vocab (self->offer), set);
      request.check = tools->constraint_check;
      request.filter = tools->constraint_filter;
      request.accept = tools->constraint_accept;
      request.filter_destroy = (GDestroyNotify) tools->constraint_free;
      self->parser = tools->parser_new (set);
    }
  self->first_token_ms = 0;
  self->request_started = g_get_monotonic_time ();
  self->request = se_engine_generate (self->engine, &request, engine_event_cb,
                                      g_object_ref (self), g_object_unref);
}

/* A message the store just gave an id joins the tree. */
void
_sprig_chat_stored (SprigChat        *self,
                    SprigMessageItem *item,
                    gint64            id)
{
  sprig_message_item_set_id (item, id);
  sprig_message_item_touch (item);
  add_node (self, item);
  refresh_branch (self, item);
  self->leaf_id = id;
}

static void
reply_begun_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SprigChat) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 id = sprig_store_begin_reply_finish (SPRIG_STORE (source), result, &error);

  if (id < 0)
    {
      fail_turn (self, error->message);
      return;
    }
  _sprig_chat_stored (self, self->reply, id);
  if (self->stop_requested)
    {
      sprig_message_item_set_status (self->reply, SPRIG_MESSAGE_STATUS_INTERRUPTED);
      finish_reply (self, SPRIG_MESSAGE_STATUS_INTERRUPTED, NULL, NULL);
      return;
    }
  _sprig_chat_tools_prepare (self);
}

static void
begin_reply (SprigChat *self)
{
  sprig_store_begin_reply_async (self->store, self->conversation_id,
                                 sprig_message_item_get_parent_id (self->reply), self->model_id,
                                 NULL, reply_begun_cb, g_object_ref (self));
}

/* The next reply of the same turn, under @parent (the last tool result). */
void
_sprig_chat_continue (SprigChat        *self,
                      SprigMessageItem *parent)
{
  g_clear_object (&self->reply);
  self->reply = sprig_message_item_new (SPRIG_MESSAGE_ROLE_ASSISTANT, NULL);
  sprig_message_item_set_status (self->reply, SPRIG_MESSAGE_STATUS_STREAMING);
  sprig_message_item_set_origin (self->reply, self->model_id, self->backend);
  sprig_message_item_set_parent_id (self->reply, sprig_message_item_get_id (parent));
  g_list_store_append (self->messages, self->reply);
  begin_reply (self);
}

static void
user_message_committed_cb (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  g_autoptr(SprigChat) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 id = sprig_store_append_message_finish (SPRIG_STORE (source), result, &error);

  if (id < 0)
    {
      fail_turn (self, error->message);
      return;
    }
  _sprig_chat_stored (self, self->user_item, id);
  sprig_message_item_set_parent_id (self->reply, id);
  begin_reply (self);
}

static void
commit_user_message (SprigChat *self)
{
  g_autoptr(SprigMessage) msg = NULL;

  msg = sprig_message_new (SPRIG_MESSAGE_ROLE_USER,
                           sprig_message_item_get_content (self->user_item));
  msg->conversation_id = self->conversation_id;
  msg->parent_id = sprig_message_item_get_parent_id (self->user_item);
  sprig_store_append_message_async (self->store, msg, NULL, user_message_committed_cb,
                                    g_object_ref (self));
}

static void
conversation_created_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(SprigChat) self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 id = sprig_store_create_conversation_finish (SPRIG_STORE (source), result, &error);

  if (id < 0)
    {
      fail_turn (self, error->message);
      return;
    }
  self->conversation->id = id;
  set_conversation_id (self, id);
  commit_user_message (self);
}

/* The first line of the first message, shortened, names a new conversation. */
static char *
make_title (const char *text)
{
  g_autofree char *line = g_strndup (text, strcspn (text, "\n"));
  g_autofree char *stripped = g_strdup (g_strstrip (line));

  if (g_utf8_strlen (stripped, -1) <= TITLE_CHARS)
    return g_steal_pointer (&stripped);
  {
    g_autofree char *start = g_utf8_substring (stripped, 0, TITLE_CHARS - 1);

    return g_strconcat (start, "…", NULL);
  }
}

/* Removes the shown items from @index on; the branch then ends before it. */
static void
truncate_shown (SprigChat *self,
                guint      index)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->messages));

  g_list_store_splice (self->messages, index, n - index, NULL, 0);
}

static gboolean
find_shown (SprigChat  *self,
            gint64      id,
            guint      *index)
{
  SprigMessageItem *item = lookup_item (self, id);

  return item != NULL && g_list_store_find (self->messages, item, index);
}

/* Starts a turn: @reply_parent is the message the reply answers, NULL for a new question
 * (then @text under @parent_id). The reply is begun only after the question is stored. */
static void
start_turn (SprigChat        *self,
            gint64            parent_id,
            const char       *text,
            SprigMessageItem *reply_parent)
{
  commit_delete (self);
  self->stop_requested = FALSE;
  set_generating (self, TRUE);
  _sprig_chat_tools_begin_turn (self);
  self->reply = sprig_message_item_new (SPRIG_MESSAGE_ROLE_ASSISTANT, NULL);
  sprig_message_item_set_status (self->reply, SPRIG_MESSAGE_STATUS_STREAMING);
  sprig_message_item_set_origin (self->reply, self->model_id, self->backend);
  if (reply_parent != NULL)
    {
      sprig_message_item_set_parent_id (self->reply, sprig_message_item_get_id (reply_parent));
      g_list_store_append (self->messages, self->reply);
      begin_reply (self);
      return;
    }
  self->user_item = sprig_message_item_new (SPRIG_MESSAGE_ROLE_USER, text);
  sprig_message_item_set_parent_id (self->user_item, parent_id);
  g_list_store_append (self->messages, self->user_item);
  g_list_store_append (self->messages, self->reply);
  if (self->conversation_id > 0)
    {
      commit_user_message (self);
      return;
    }
  g_free (self->conversation->title);
  self->conversation->title = make_title (text);
  g_free (self->conversation->model_id);
  self->conversation->model_id = g_strdup (self->model_id);
  sprig_store_create_conversation_async (self->store, self->conversation, NULL,
                                         conversation_created_cb, g_object_ref (self));
}

/**
 * sprig_chat_send:
 * @text: what the user wrote
 *
 * Starts a turn: the conversation is created if it is new, the message committed, the
 * reply begun, and only then the engine asked.
 */
void
sprig_chat_send (SprigChat  *self,
                 const char *text)
{
  g_return_if_fail (SPRIG_IS_CHAT (self));
  g_return_if_fail (text != NULL);
  g_return_if_fail (!self->generating);

  start_turn (self, self->leaf_id, text, NULL);
}

typedef struct
{
  char *system_prompt;
  char *sampling_json;
} SettingsEdit;

static void
settings_edit_free (gpointer data)
{
  SettingsEdit *edit = data;

  g_free (edit->system_prompt);
  g_free (edit->sampling_json);
  g_free (edit);
}

static void
apply_edit (SprigConversation  *conv,
            const SettingsEdit *edit)
{
  g_free (conv->system_prompt);
  conv->system_prompt = g_strdup (edit->system_prompt);
  g_free (conv->sampling_json);
  conv->sampling_json = g_strdup (edit->sampling_json);
}

static void
settings_saved_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  SprigChat *self = g_task_get_source_object (task);

  if (!sprig_store_update_conversation_finish (SPRIG_STORE (source), result, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not save the chat settings: %s"),
                                                  error->message);

      g_signal_emit (self, signals[SIGNAL_ERROR], 0, message);
    }
}

/* The stored record is read again right before the write, so that a rename made since
 * the conversation was shown is not overwritten with the old title. */
static void
settings_reread_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(SprigConversation) conv = NULL;
  g_autoptr(GError) error = NULL;
  SprigChat *self = g_task_get_source_object (task);

  conv = sprig_store_get_conversation_finish (SPRIG_STORE (source), result, &error);
  if (conv == NULL)
    {
      g_signal_emit (self, signals[SIGNAL_ERROR], 0, error->message);
      return;
    }
  apply_edit (conv, g_task_get_task_data (task));
  sprig_store_update_conversation_async (SPRIG_STORE (source), conv, NULL, settings_saved_cb,
                                         g_steal_pointer (&task));
}

/**
 * sprig_chat_update_settings:
 * @edited: the conversation with its new system prompt and sampling JSON
 *
 * Takes the system prompt and sampling overrides of @edited for this conversation: at
 * once for the next turn, and into the store (a chat not stored yet is created with
 * them).
 */
void
sprig_chat_update_settings (SprigChat               *self,
                            const SprigConversation *edited)
{
  SettingsEdit *edit;
  GTask *task;

  g_return_if_fail (SPRIG_IS_CHAT (self));
  g_return_if_fail (edited != NULL);

  edit = g_new0 (SettingsEdit, 1);
  edit->system_prompt = g_strdup (edited->system_prompt);
  edit->sampling_json = g_strdup (edited->sampling_json);
  apply_edit (self->conversation, edit);
  g_signal_emit (self, signals[SIGNAL_SETTINGS_CHANGED], 0);
  if (self->conversation_id <= 0)
    {
      settings_edit_free (edit);
      return;
    }
  task = g_task_new (self, NULL, NULL, NULL);
  g_task_set_task_data (task, edit, settings_edit_free);
  sprig_store_get_conversation_async (self->store, self->conversation_id, NULL,
                                      settings_reread_cb, task);
}

/**
 * sprig_chat_regenerate:
 * @message_id: a reply in the branch shown
 *
 * Writes a new answer to the question @message_id answered, as its sibling; the old
 * answer stays one branch arrow away. FALSE if @message_id is not a shown reply.
 */
gboolean
sprig_chat_regenerate (SprigChat *self,
                       gint64     message_id)
{
  SprigMessageItem *item;
  guint index;

  g_return_val_if_fail (SPRIG_IS_CHAT (self), FALSE);

  item = lookup_item (self, message_id);
  if (self->generating || !find_shown (self, message_id, &index) ||
      sprig_message_item_get_role (item) != SPRIG_MESSAGE_ROLE_ASSISTANT || index == 0)
    return FALSE;
  truncate_shown (self, index);
  self->leaf_id = sprig_message_item_get_parent_id (item);
  start_turn (self, 0, NULL, lookup_item (self, self->leaf_id));
  return TRUE;
}

/**
 * sprig_chat_edit:
 * @message_id: a question in the branch shown
 * @text: its new wording
 *
 * Asks @text in place of @message_id, as a sibling of it (a new branch), and answers it.
 */
gboolean
sprig_chat_edit (SprigChat  *self,
                 gint64      message_id,
                 const char *text)
{
  SprigMessageItem *item;
  guint index;

  g_return_val_if_fail (SPRIG_IS_CHAT (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  item = lookup_item (self, message_id);
  if (self->generating || !find_shown (self, message_id, &index) ||
      sprig_message_item_get_role (item) != SPRIG_MESSAGE_ROLE_USER)
    return FALSE;
  self->leaf_id = sprig_message_item_get_parent_id (item);
  truncate_shown (self, index);
  start_turn (self, self->leaf_id, text, NULL);
  return TRUE;
}

/**
 * sprig_chat_show_branch:
 * @message_id: a message in the branch shown
 * @delta: -1 for the previous sibling, +1 for the next
 *
 * Shows the sibling of @message_id and, below it, the branch that was changed last.
 */
gboolean
sprig_chat_show_branch (SprigChat *self,
                        gint64     message_id,
                        int        delta)
{
  SprigMessageItem *item;
  GPtrArray *siblings;
  guint index, target;
  gint64 leaf;

  g_return_val_if_fail (SPRIG_IS_CHAT (self), FALSE);

  item = lookup_item (self, message_id);
  if (self->generating || !find_shown (self, message_id, &index))
    return FALSE;
  siblings = children_of (self, sprig_message_item_get_parent_id (item));
  if (!g_ptr_array_find (siblings, item, &target))
    return FALSE;
  do
    {
      if ((delta < 0 && target == 0) || (delta > 0 && target + 1 >= siblings->len))
        return FALSE;
      target += delta < 0 ? -1 : 1;
    }
  while (sprig_message_item_get_id (g_ptr_array_index (siblings, target)) == self->pending_delete);
  leaf = newest_leaf (self, sprig_message_item_get_id (g_ptr_array_index (siblings, target)));
  show_leaf (self, leaf);
  sprig_store_set_active_leaf_async (self->store, self->conversation_id, leaf, NULL, NULL, NULL);
  return TRUE;
}

static void
message_deleted_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(SprigChat) self = user_data;
  g_autoptr(GError) error = NULL;

  if (sprig_store_delete_message_finish (SPRIG_STORE (source), result, &error) < 0)
    g_signal_emit (self, signals[SIGNAL_ERROR], 0, error->message);
}

/* Deletes the hidden message in the store, and forgets it here. */
static void
commit_delete (SprigChat *self)
{
  gint64 id = self->pending_delete;

  if (id == 0)
    return;
  self->pending_delete = 0;
  remove_subtree (self, id);
  sprig_store_delete_message_async (self->store, id, NULL, message_deleted_cb,
                                    g_object_ref (self));
  /* The store shows the same branch we do, unless updated_at differs: make sure. */
  if (self->leaf_id != self->leaf_before_delete)
    sprig_store_set_active_leaf_async (self->store, self->conversation_id, self->leaf_id,
                                       NULL, NULL, NULL);
  for (guint i = 0, n = g_list_model_get_n_items (G_LIST_MODEL (self->messages)); i < n; i++)
    {
      g_autoptr(SprigMessageItem) item = g_list_model_get_item (G_LIST_MODEL (self->messages), i);

      refresh_branch (self, item);
    }
}

/**
 * sprig_chat_delete:
 * @message_id: a message in the branch shown
 *
 * Hides @message_id and the replies below it; the store deletes them when
 * sprig_chat_commit_delete() is called (or the next turn starts, or another conversation
 * is shown), and sprig_chat_undo_delete() brings them back until then.
 */
gboolean
sprig_chat_delete (SprigChat *self,
                   gint64     message_id)
{
  SprigMessageItem *item;
  guint index;

  g_return_val_if_fail (SPRIG_IS_CHAT (self), FALSE);

  item = lookup_item (self, message_id);
  if (self->generating || !find_shown (self, message_id, &index))
    return FALSE;
  commit_delete (self);
  self->pending_delete = message_id;
  self->leaf_before_delete = self->leaf_id;
  show_leaf (self, newest_leaf (self, sprig_message_item_get_parent_id (item)));
  return TRUE;
}

void
sprig_chat_undo_delete (SprigChat *self)
{
  g_return_if_fail (SPRIG_IS_CHAT (self));

  if (self->pending_delete == 0 || self->generating)
    return;
  self->pending_delete = 0;
  show_leaf (self, self->leaf_before_delete);
}

void
sprig_chat_commit_delete (SprigChat *self)
{
  g_return_if_fail (SPRIG_IS_CHAT (self));
  commit_delete (self);
}

/* Tokens of the last prompt that the engine evaluated (the rest came from its cache). */
guint
sprig_chat_get_last_prompt_evaluated (SprigChat *self)
{
  g_return_val_if_fail (SPRIG_IS_CHAT (self), 0);
  return self->last_prompt_evaluated;
}

/* Stops the running turn; what was generated stays, marked interrupted. */
void
sprig_chat_stop (SprigChat *self)
{
  g_return_if_fail (SPRIG_IS_CHAT (self));

  if (!self->generating)
    return;
  self->stop_requested = TRUE;
  if (self->request != 0)
    se_engine_cancel (self->engine, self->request);
  _sprig_chat_tools_stop (self);
}

/* Stops the running turn and completes once its reply is saved (at once if idle). */
void
sprig_chat_stop_async (SprigChat           *self,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SPRIG_IS_CHAT (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, sprig_chat_stop_async);
  if (!self->generating)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  g_ptr_array_add (self->stop_tasks, g_steal_pointer (&task));
  sprig_chat_stop (self);
}

gboolean
sprig_chat_stop_finish (SprigChat     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
sprig_chat_dispose (GObject *object)
{
  SprigChat *self = SPRIG_CHAT (object);

  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_clear_object (&self->reply);
  g_clear_object (&self->user_item);
  _sprig_chat_tools_clear (self);
  g_clear_pointer (&self->gate, sprig_tool_gate_free);
  g_clear_object (&self->toolbox);
  G_OBJECT_CLASS (sprig_chat_parent_class)->dispose (object);
}

static void
sprig_chat_finalize (GObject *object)
{
  SprigChat *self = SPRIG_CHAT (object);

  g_clear_object (&self->messages);
  g_clear_pointer (&self->children, g_hash_table_unref);
  g_clear_pointer (&self->items, g_hash_table_unref);
  g_clear_pointer (&self->conversation, sprig_conversation_free);
  g_clear_object (&self->engine);
  g_clear_object (&self->settings);
  g_clear_object (&self->store);
  g_clear_pointer (&self->stop_tasks, g_ptr_array_unref);
  g_free (self->model_id);
  g_free (self->backend);
  g_free (self->model_path);
  g_free (self->unavailable_shown);
  G_OBJECT_CLASS (sprig_chat_parent_class)->finalize (object);
}

static void
sprig_chat_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  SprigChat *self = SPRIG_CHAT (object);

  switch (prop_id)
    {
    case PROP_CONVERSATION_ID:
      g_value_set_int64 (value, self->conversation_id);
      break;
    case PROP_GENERATING:
      g_value_set_boolean (value, self->generating);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sprig_chat_class_init (SprigChatClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = sprig_chat_dispose;
  object_class->finalize = sprig_chat_finalize;
  object_class->get_property = sprig_chat_get_property;

  properties[PROP_CONVERSATION_ID] =
    g_param_spec_int64 ("conversation-id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_GENERATING] = g_param_spec_boolean ("generating", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A reason the user should read: a failed turn or a store that refused a write. */
  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* Something the user should know that is not an error (a message to show as is). */
  signals[SIGNAL_NOTICE] = g_signal_new ("notice", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* A message to scroll to (its position in the list): a search hit. */
  signals[SIGNAL_REVEAL_MESSAGE] = g_signal_new ("reveal-message", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                 G_TYPE_NONE, 1, G_TYPE_UINT);
  /* The conversation's settings changed: another conversation, or an edit. */
  signals[SIGNAL_SETTINGS_CHANGED] = g_signal_new ("settings-changed", G_TYPE_FROM_CLASS (klass),
                                                   G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                   G_TYPE_NONE, 0);
}

static void
sprig_chat_init (SprigChat *self)
{
  self->messages = g_list_store_new (SPRIG_TYPE_MESSAGE_ITEM);
  self->items = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  self->children = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                          (GDestroyNotify) g_ptr_array_unref);
  self->conversation = sprig_conversation_new ();
  self->stop_tasks = g_ptr_array_new_with_free_func (g_object_unref);
}
