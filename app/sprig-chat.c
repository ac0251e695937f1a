/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigChat runs one conversation: it loads the active branch from the store into a list
 * of SprigMessageItems and drives a turn. The user's message is committed before the
 * engine starts; the reply is created `streaming`, fed to the store's stream buffer batch
 * by batch and finished with its stats (or `interrupted` when stopped). Nothing here
 * waits: every step is a callback of the store or the engine.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "sprig-chat.h"
#include "sprig-message-item.h"

#define TITLE_CHARS 48

struct _SprigChat
{
  GObject parent_instance;

  SprigStore *store;
  SeEngine *engine;
  GListStore *messages;
  GCancellable *load_cancellable;
  char *model_id;
  guint max_tokens;

  gint64 conversation_id;
  gint64 leaf_id;

  gboolean generating;
  gboolean stop_requested;
  SprigMessageItem *user_item;   /* the turn's user message until it is committed */
  SprigMessageItem *reply;       /* the turn's reply */
  guint request;                 /* the engine's id for the running generation */
  GPtrArray *stop_tasks;         /* GTasks that wait for the turn to end */
};

G_DEFINE_FINAL_TYPE (SprigChat, sprig_chat, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONVERSATION_ID,
  PROP_GENERATING,
  N_PROPS
};

enum {
  SIGNAL_ERROR,
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

static void
thread_loaded_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(SprigChat) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) thread = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  thread = sprig_store_load_thread_finish (SPRIG_STORE (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (thread == NULL)
    {
      g_signal_emit (self, signals[SIGNAL_ERROR], 0, error->message);
      return;
    }
  for (guint i = 0; i < thread->len; i++)
    {
      const SprigMessage *msg = g_ptr_array_index (thread, i);

      g_ptr_array_add (items, sprig_message_item_new_from_message (msg));
      self->leaf_id = msg->id;
    }
  g_list_store_splice (self->messages, 0, g_list_model_get_n_items (G_LIST_MODEL (self->messages)),
                       items->pdata, items->len);
}

/* Shows conversation @conversation_id (0: a new, empty chat). Not while generating. */
void
sprig_chat_set_conversation (SprigChat *self,
                             gint64     conversation_id)
{
  g_return_if_fail (SPRIG_IS_CHAT (self));
  g_return_if_fail (!self->generating);

  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_list_store_remove_all (self->messages);
  self->leaf_id = 0;
  set_conversation_id (self, conversation_id);
  if (conversation_id <= 0)
    return;
  self->load_cancellable = g_cancellable_new ();
  sprig_store_load_thread_async (self->store, conversation_id, self->load_cancellable,
                                 thread_loaded_cb, g_object_ref (self));
}

/* The turn is over: the reply is stored with its final status. */
static void
end_turn (SprigChat *self)
{
  g_autoptr(GPtrArray) tasks = g_steal_pointer (&self->stop_tasks);

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
  end_turn (self);
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
  end_turn (self);
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

static void
on_tokens (SprigChat     *self,
           const SeEvent *event)
{
  g_autofree char *content = NULL;
  g_autofree char *reasoning = NULL;
  g_autoptr(GError) error = NULL;

  sprig_message_item_append_raw (self->reply, event->text, event->text_len, &content, &reasoning);
  if ((content != NULL || reasoning != NULL) &&
      !sprig_store_stream_append (self->store, sprig_message_item_get_id (self->reply),
                                  content, reasoning, &error))
    g_warning ("Reply not saved yet: %s", error->message);  /* retried by the store */
}

static void
on_done (SprigChat     *self,
         const SeEvent *event)
{
  SprigReplyStats stats = { 0 };
  SprigMessageStatus status = SPRIG_MESSAGE_STATUS_COMPLETE;

  if (event->stats != NULL)
    {
      stats.prompt_tokens = (int) event->stats->prompt_tokens;
      stats.completion_tokens = (int) event->stats->gen_tokens;
      stats.prompt_per_second = event->stats->prompt_tok_s;
      stats.tokens_per_second = event->stats->gen_tok_s;
      if (event->stats->stop == SE_STOP_CANCELLED)
        status = SPRIG_MESSAGE_STATUS_INTERRUPTED;
    }
  sprig_message_item_set_stats (self->reply, &stats);
  sprig_message_item_set_status (self->reply, status);
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

static const char *
role_name (SprigMessageRole role)
{
  return sprig_message_role_to_string (role);
}

/* Renders the conversation up to (not including) the reply for the chat template. */
static void
start_generation (SprigChat *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->messages));
  g_autofree SeChatMessage *messages = g_new0 (SeChatMessage, MAX (n, 1));
  SeGenerateRequest request;
  gsize n_messages = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SprigMessageItem) item = g_list_model_get_item (G_LIST_MODEL (self->messages), i);

      if (item == self->reply || sprig_message_item_get_status (item) == SPRIG_MESSAGE_STATUS_ERROR)
        continue;
      messages[n_messages].role = role_name (sprig_message_item_get_role (item));
      messages[n_messages].content = sprig_message_item_get_content (item);
      messages[n_messages].reasoning = sprig_message_item_get_reasoning (item);
      n_messages++;
    }
  se_generate_request_init (&request);
  request.messages = messages;
  request.n_messages = n_messages;
  request.max_tokens = self->max_tokens;
  request.truncate_prompt = TRUE;
  self->request = se_engine_generate (self->engine, &request, engine_event_cb,
                                      g_object_ref (self), g_object_unref);
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
  sprig_message_item_set_id (self->reply, id);
  self->leaf_id = id;
  if (self->stop_requested)
    {
      sprig_message_item_set_status (self->reply, SPRIG_MESSAGE_STATUS_INTERRUPTED);
      finish_reply (self, SPRIG_MESSAGE_STATUS_INTERRUPTED, NULL, NULL);
      return;
    }
  start_generation (self);
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
  sprig_message_item_set_id (self->user_item, id);
  self->leaf_id = id;
  sprig_store_begin_reply_async (self->store, self->conversation_id, id, self->model_id, NULL,
                                 reply_begun_cb, g_object_ref (self));
}

static void
commit_user_message (SprigChat *self)
{
  g_autoptr(SprigMessage) msg = NULL;

  msg = sprig_message_new (SPRIG_MESSAGE_ROLE_USER,
                           sprig_message_item_get_content (self->user_item));
  msg->conversation_id = self->conversation_id;
  msg->parent_id = self->leaf_id;
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

  self->stop_requested = FALSE;
  set_generating (self, TRUE);
  self->user_item = sprig_message_item_new (SPRIG_MESSAGE_ROLE_USER, text);
  self->reply = sprig_message_item_new (SPRIG_MESSAGE_ROLE_ASSISTANT, NULL);
  sprig_message_item_set_status (self->reply, SPRIG_MESSAGE_STATUS_STREAMING);
  g_list_store_append (self->messages, self->user_item);
  g_list_store_append (self->messages, self->reply);
  if (self->conversation_id > 0)
    {
      commit_user_message (self);
      return;
    }
  {
    g_autoptr(SprigConversation) conv = sprig_conversation_new ();

    conv->title = make_title (text);
    conv->model_id = g_strdup (self->model_id);
    sprig_store_create_conversation_async (self->store, conv, NULL, conversation_created_cb,
                                           g_object_ref (self));
  }
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
  G_OBJECT_CLASS (sprig_chat_parent_class)->dispose (object);
}

static void
sprig_chat_finalize (GObject *object)
{
  SprigChat *self = SPRIG_CHAT (object);

  g_clear_object (&self->messages);
  g_clear_object (&self->engine);
  g_clear_object (&self->store);
  g_clear_pointer (&self->stop_tasks, g_ptr_array_unref);
  g_free (self->model_id);
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
}

static void
sprig_chat_init (SprigChat *self)
{
  self->messages = g_list_store_new (SPRIG_TYPE_MESSAGE_ITEM);
  self->stop_tasks = g_ptr_array_new_with_free_func (g_object_unref);
}
