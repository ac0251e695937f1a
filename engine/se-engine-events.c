/* SPDX-License-Identifier: Apache-2.0
 *
 * The event queue from the worker to the engine's GMainContext. One GSource drains it;
 * posting only moves that source's ready time, so token events arriving faster than
 * SE_ENGINE_BATCH_INTERVAL_US merge into one event and wake the main loop once, while DONE
 * and ERROR (and whatever tokens precede them, in order) are dispatched at once.
 */
#include "config.h"

#include "se-engine-private.h"

typedef struct
{
  GSource base;
  SeEngine *engine;
} EngineSource;

SeQueuedEvent *
_se_queued_event_new (SeEventKind  kind,
                      SeRequest   *req)
{
  SeQueuedEvent *ev = g_new0 (SeQueuedEvent, 1);

  ev->kind = kind;
  ev->req = req;
  ev->final = kind == SE_EVENT_DONE || kind == SE_EVENT_ERROR;
  return ev;
}

void
_se_model_info_free (SeModelInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->path);
  g_free (info->backend);
  g_free (info->backend_description);
  g_free (info->backend_warning);
  g_free (info->chat_family);
  g_free (info->chat_warning);
  g_free (info);
}

void
_se_queued_event_free (SeQueuedEvent *ev)
{
  if (ev->text != NULL)
    g_string_free (ev->text, TRUE);
  g_clear_pointer (&ev->tokens, g_array_unref);
  g_clear_pointer (&ev->model, _se_model_info_free);
  g_clear_error (&ev->error);
  g_free (ev);
}

/* Folds @ev into the queue's last event when both are batches of the same request. */
static gboolean
merge (SeQueuedEvent *tail,
       SeQueuedEvent *ev)
{
  if (tail == NULL || tail->req != ev->req || tail->kind != ev->kind)
    return FALSE;
  if (ev->kind == SE_EVENT_PROGRESS)
    {
      tail->progress = ev->progress;
      return TRUE;
    }
  if (ev->kind != SE_EVENT_TOKENS)
    return FALSE;
  g_string_append_len (tail->text, ev->text->str, (gssize) ev->text->len);
  g_array_append_vals (tail->tokens, ev->tokens->data, ev->tokens->len);
  tail->stats = ev->stats;
  return TRUE;
}

void
_se_engine_post (SeEngine      *self,
                 SeQueuedEvent *ev,
                 gboolean       urgent)
{
  gint64 want;

  g_mutex_lock (&self->lock);
  if (merge (g_queue_peek_tail (&self->events), ev))
    _se_queued_event_free (ev);
  else
    g_queue_push_tail (&self->events, ev);
  want = urgent ? 0 : self->last_dispatch_us + SE_ENGINE_BATCH_INTERVAL_US;
  if (self->scheduled_us < 0 || want < self->scheduled_us)
    {
      self->scheduled_us = want;
      g_source_set_ready_time (self->source, want);
    }
  g_mutex_unlock (&self->lock);
}

static void
deliver (SeEngine      *self,
         SeQueuedEvent *ev)
{
  SeRequest *req = ev->req;
  SeEvent e = {
    .kind = ev->kind,
    .request_kind = req->kind,
    .request = req->id,
    .progress = ev->progress,
    .text = ev->text ? ev->text->str : NULL,
    .text_len = ev->text ? ev->text->len : 0,
    .tokens = ev->tokens ? (const gint32 *) ev->tokens->data : NULL,
    .n_tokens = ev->tokens ? ev->tokens->len : 0,
    .stats = ev->has_stats ? &ev->stats : NULL,
    .model = ev->model,
    .error = ev->error,
  };

  if (req->func != NULL)
    req->func (self, &e, req->user_data);
}

static void
finish_request (SeEngine  *self,
                SeRequest *req)
{
  g_mutex_lock (&self->lock);
  g_hash_table_steal (self->live, GUINT_TO_POINTER (req->id));
  g_mutex_unlock (&self->lock);
  _se_request_free (req);
}

/* Runs on the engine's context. The batch is taken whole, so a fast worker cannot keep
 * one dispatch going; a callback may dispose the engine, which @destroyed reports. */
static gboolean
engine_source_dispatch (GSource     *source,
                        GSourceFunc  callback,
                        gpointer     user_data)
{
  SeEngine *self = ((EngineSource *) source)->engine;
  gboolean destroyed = FALSE;
  GQueue batch = G_QUEUE_INIT;
  SeQueuedEvent *ev;

  g_mutex_lock (&self->lock);
  batch = self->events;
  g_queue_init (&self->events);
  self->scheduled_us = -1;
  g_source_set_ready_time (source, -1);
  self->last_dispatch_us = g_get_monotonic_time ();
  self->n_dispatches++;
  self->dispatch_destroyed = &destroyed;
  g_mutex_unlock (&self->lock);

  while ((ev = g_queue_pop_head (&batch)) != NULL)
    {
      if (!destroyed)
        {
          deliver (self, ev);
          if (!destroyed && ev->final)
            finish_request (self, ev->req);
        }
      _se_queued_event_free (ev);
    }
  if (!destroyed)
    self->dispatch_destroyed = NULL;
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs engine_source_funcs = {
  .dispatch = engine_source_dispatch,
};

void
_se_engine_events_init (SeEngine *self)
{
  EngineSource *source;

  g_queue_init (&self->events);
  self->scheduled_us = -1;
  self->last_dispatch_us = 0;
  source = (EngineSource *) g_source_new (&engine_source_funcs, sizeof (EngineSource));
  source->engine = self;
  g_source_set_name ((GSource *) source, "SeEngine events");
  g_source_set_ready_time ((GSource *) source, -1);
  g_source_attach ((GSource *) source, self->context);
  self->source = (GSource *) source;
}

/* After the worker is joined: drops the source and every undelivered event. */
void
_se_engine_events_clear (SeEngine *self)
{
  if (self->dispatch_destroyed != NULL)
    {
      *self->dispatch_destroyed = TRUE;
      self->dispatch_destroyed = NULL;
    }
  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_clear_pointer (&self->source, g_source_unref);
    }
  g_queue_clear_full (&self->events, (GDestroyNotify) _se_queued_event_free);
}
