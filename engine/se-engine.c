/* SPDX-License-Identifier: Apache-2.0
 *
 * SeEngine as the caller sees it: submitting requests (each one deep-copied, so the
 * caller's data may go away at once), cancelling them, and a dispose that cancels
 * everything, joins the worker and drops undelivered events, so no callback runs after it.
 */
#include "config.h"

#include "se-engine-private.h"

G_DEFINE_FINAL_TYPE (SeEngine, se_engine, G_TYPE_OBJECT)

/* Pushed to the front of the queue to stop the worker. */
SeRequest _se_engine_quit;

void
se_generate_request_init (SeGenerateRequest *request)
{
  g_return_if_fail (request != NULL);
  memset (request, 0, sizeof *request);
  se_sampling_params_init (&request->sampling);
}

void
_se_request_free (SeRequest *req)
{
  if (req->destroy != NULL)
    req->destroy (req->user_data);
  if (req->filter_destroy != NULL)
    req->filter_destroy (req->filter_data);
  g_clear_object (&req->cancellable);
  g_clear_pointer (&req->owned, g_ptr_array_unref);
  g_strfreev (req->stop);
  g_free (req);
}

static void
se_engine_dispose (GObject *object)
{
  SeEngine *self = SE_ENGINE (object);

  if (self->thread != NULL)
    {
      GHashTableIter iter;
      gpointer req;

      g_mutex_lock (&self->lock);
      g_hash_table_iter_init (&iter, self->live);
      while (g_hash_table_iter_next (&iter, NULL, &req))
        g_cancellable_cancel (((SeRequest *) req)->cancellable);
      g_mutex_unlock (&self->lock);
      g_async_queue_push_front (self->queue, &_se_engine_quit);
      g_thread_join (g_steal_pointer (&self->thread));
    }
  _se_engine_events_clear (self);
  /* requests never served or never finished: their user data is freed here, silently */
  if (self->live != NULL)
    g_hash_table_remove_all (self->live);
  G_OBJECT_CLASS (se_engine_parent_class)->dispose (object);
}

static void
se_engine_finalize (GObject *object)
{
  SeEngine *self = SE_ENGINE (object);

  g_clear_pointer (&self->live, g_hash_table_unref);
  g_clear_pointer (&self->queue, g_async_queue_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (se_engine_parent_class)->finalize (object);
}

static void
se_engine_class_init (SeEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = se_engine_dispose;
  object_class->finalize = se_engine_finalize;
}

static void
se_engine_init (SeEngine *self)
{
  g_mutex_init (&self->lock);
  self->context = g_main_context_ref_thread_default ();
  self->live = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) _se_request_free);
  self->queue = g_async_queue_new ();
  _se_engine_events_init (self);
  self->thread = g_thread_new ("sprig-engine", _se_engine_worker, self);
}

/**
 * se_engine_new:
 *
 * Creates an engine whose events are delivered on the thread-default GMainContext of
 * the calling thread. Dispose it on that thread.
 */
SeEngine *
se_engine_new (void)
{
  return g_object_new (SE_TYPE_ENGINE, NULL);
}

GMainContext *
se_engine_get_context (SeEngine *engine)
{
  g_return_val_if_fail (SE_IS_ENGINE (engine), NULL);
  return engine->context;
}

static SeRequest *
request_new (SeRequestKind  kind,
             SeEventFunc    func,
             gpointer       user_data,
             GDestroyNotify destroy)
{
  SeRequest *req = g_new0 (SeRequest, 1);

  req->kind = kind;
  req->cancellable = g_cancellable_new ();
  req->func = func;
  req->user_data = user_data;
  req->destroy = destroy;
  req->owned = g_ptr_array_new_with_free_func (g_free);
  return req;
}

/* A copy of @s that lives as long as @req. */
static char *
keep (SeRequest  *req,
      const char *s)
{
  char *copy = g_strdup (s);

  if (copy != NULL)
    g_ptr_array_add (req->owned, copy);
  return copy;
}

static gpointer
keep_mem (SeRequest     *req,
          gconstpointer  mem,
          gsize          size)
{
  gpointer copy = size > 0 ? g_memdup2 (mem, size) : NULL;

  if (copy != NULL)
    g_ptr_array_add (req->owned, copy);
  return copy;
}

static guint
submit (SeEngine  *self,
        SeRequest *req)
{
  g_mutex_lock (&self->lock);
  do
    req->id = ++self->next_id;
  while (req->id == 0);
  g_hash_table_insert (self->live, GUINT_TO_POINTER (req->id), req);
  g_mutex_unlock (&self->lock);
  g_async_queue_push (self->queue, req);
  return req->id;
}

guint
se_engine_load (SeEngine            *engine,
                const char          *path,
                const SeModelParams *params,
                guint                n_ctx,
                SeEventFunc          func,
                gpointer             user_data,
                GDestroyNotify       destroy)
{
  SeRequest *req;

  g_return_val_if_fail (SE_IS_ENGINE (engine), 0);
  g_return_val_if_fail (path != NULL, 0);

  req = request_new (SE_REQUEST_LOAD, func, user_data, destroy);
  req->path = keep (req, path);
  if (params != NULL)
    {
      req->model_params = *params;
      req->model_params.backend = keep (req, params->backend);
    }
  req->n_ctx = n_ctx;
  return submit (engine, req);
}

guint
se_engine_unload (SeEngine       *engine,
                  SeEventFunc     func,
                  gpointer        user_data,
                  GDestroyNotify  destroy)
{
  g_return_val_if_fail (SE_IS_ENGINE (engine), 0);
  return submit (engine, request_new (SE_REQUEST_UNLOAD, func, user_data, destroy));
}

guint
se_engine_tokenize (SeEngine        *engine,
                    const char      *text,
                    SeTokenizeFlags  flags,
                    SeEventFunc      func,
                    gpointer         user_data,
                    GDestroyNotify   destroy)
{
  SeRequest *req;

  g_return_val_if_fail (SE_IS_ENGINE (engine), 0);
  g_return_val_if_fail (text != NULL, 0);

  req = request_new (SE_REQUEST_TOKENIZE, func, user_data, destroy);
  req->text = keep (req, text);
  req->flags = flags;
  return submit (engine, req);
}

static void
copy_messages (SeRequest           *req,
               const SeChatMessage *messages,
               gsize                n)
{
  req->messages = keep_mem (req, messages, n * sizeof *messages);
  req->n_messages = n;
  for (gsize i = 0; i < n; i++)
    {
      SeChatMessage *m = &req->messages[i];
      SeChatToolCall *calls = keep_mem (req, m->tool_calls, m->n_tool_calls * sizeof *calls);

      m->role = keep (req, m->role);
      m->content = keep (req, m->content);
      m->reasoning = keep (req, m->reasoning);
      for (gsize j = 0; j < m->n_tool_calls; j++)
        {
          calls[j].id = keep (req, calls[j].id);
          calls[j].name = keep (req, calls[j].name);
          calls[j].arguments = keep (req, calls[j].arguments);
        }
      m->tool_calls = calls;
    }
}

static void
copy_chat_options (SeRequest           *req,
                   const SeChatOptions *options)
{
  static const SeChatOptions defaults = SE_CHAT_OPTIONS_INIT;
  const char **tools;

  req->chat_options = options ? *options : defaults;
  if (req->chat_options.n_tools == 0)
    return;
  tools = keep_mem (req, req->chat_options.tools, req->chat_options.n_tools * sizeof (char *));
  for (gsize i = 0; i < req->chat_options.n_tools; i++)
    tools[i] = keep (req, tools[i]);
  req->chat_options.tools = tools;
}

guint
se_engine_generate (SeEngine                *engine,
                    const SeGenerateRequest *request,
                    SeEventFunc              func,
                    gpointer                 user_data,
                    GDestroyNotify           destroy)
{
  SeRequest *req;

  g_return_val_if_fail (SE_IS_ENGINE (engine), 0);
  g_return_val_if_fail (request != NULL, 0);
  g_return_val_if_fail ((request->messages != NULL) + (request->text != NULL)
                        + (request->tokens != NULL) == 1, 0);

  req = request_new (SE_REQUEST_GENERATE, func, user_data, destroy);
  if (request->messages != NULL)
    {
      copy_messages (req, request->messages, request->n_messages);
      copy_chat_options (req, request->chat_options);
    }
  req->text = keep (req, request->text);
  req->tokens = keep_mem (req, request->tokens, request->n_tokens * sizeof (gint32));
  req->n_tokens = request->tokens ? request->n_tokens : 0;
  req->sampling = request->sampling;
  req->max_tokens = request->max_tokens;
  req->truncate_prompt = request->truncate_prompt;
  req->gen_n_ctx = request->n_ctx;
  req->stop = g_strdupv ((char **) request->stop);
  req->filter = request->filter;
  req->accept = request->accept;
  req->filter_data = request->filter_data;
  req->filter_destroy = request->filter_destroy;
  req->check = request->check;
  return submit (engine, req);
}

void
se_engine_cancel (SeEngine *engine,
                  guint     id)
{
  g_return_if_fail (SE_IS_ENGINE (engine));

  g_mutex_lock (&engine->lock);
  if (id == 0)
    {
      GHashTableIter iter;
      gpointer req;

      g_hash_table_iter_init (&iter, engine->live);
      while (g_hash_table_iter_next (&iter, NULL, &req))
        g_cancellable_cancel (((SeRequest *) req)->cancellable);
    }
  else
    {
      SeRequest *req = g_hash_table_lookup (engine->live, GUINT_TO_POINTER (id));

      if (req != NULL)
        g_cancellable_cancel (req->cancellable);
    }
  g_mutex_unlock (&engine->lock);
}
