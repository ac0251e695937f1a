/* SPDX-License-Identifier: Apache-2.0
 *
 * The engine's worker thread. It alone touches the model and its session (and so the KV
 * cache), serving requests one at a time in the order they were submitted, and reports
 * through the event queue. It never calls the caller's event functions itself.
 */
#include "config.h"

#include <string.h>

#include "sprig/se-error.h"
#include "se-engine-private.h"

typedef struct
{
  SeEngine *self;
  SeRequest *req;
  SeGenerateStats *stats;
  gint64 start_us;
} TokenSink;

static void
post_error (SeEngine  *self,
            SeRequest *req,
            GError    *error)
{
  SeQueuedEvent *ev = _se_queued_event_new (SE_EVENT_ERROR, req);

  ev->error = error;
  _se_engine_post (self, ev, TRUE);
}

static void
post_cancelled (SeEngine  *self,
                SeRequest *req)
{
  post_error (self, req, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled"));
}

static void
post_done_stats (SeEngine              *self,
                 SeRequest             *req,
                 const SeGenerateStats *stats)
{
  SeQueuedEvent *ev = _se_queued_event_new (SE_EVENT_DONE, req);

  ev->has_stats = TRUE;
  ev->stats = *stats;
  _se_engine_post (self, ev, TRUE);
}

static void
progress_cb (double   fraction,
             gpointer user_data)
{
  TokenSink *sink = user_data;
  SeQueuedEvent *ev = _se_queued_event_new (SE_EVENT_PROGRESS, sink->req);

  ev->progress = CLAMP (fraction, 0.0, 1.0);
  _se_engine_post (sink->self, ev, FALSE);
}

static SeModelInfo *
model_info (SeModel   *model,
            SeSession *session)
{
  SeModelInfo *info = g_new0 (SeModelInfo, 1);
  SeChatTemplate *tmpl = se_model_get_chat_template (model);

  info->path = g_strdup (se_model_get_path (model));
  info->backend = g_strdup (se_model_get_backend_name (model));
  info->backend_description = g_strdup (se_model_get_backend_description (model));
  info->backend_warning = g_strdup (se_model_get_backend_warning (model));
  info->chat_family = g_strdup (se_chat_template_family_name (se_chat_template_get_family (tmpl)));
  info->chat_warning = g_strdup (se_chat_template_get_warning (tmpl));
  info->n_ctx = se_session_get_n_ctx (session);
  info->n_vocab = se_model_get_graph (model)->n_vocab;
  info->weight_bytes = se_model_get_weight_bytes (model);
  return info;
}

/* The current model stays loaded and usable until the new one has loaded. */
static void
serve_load (SeEngine  *self,
            SeRequest *req)
{
  TokenSink sink = { self, req, NULL, 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(SeModel) model = NULL;
  g_autoptr(SeSession) session = NULL;
  SeQueuedEvent *ev;

  model = se_model_load (req->path, &req->model_params, progress_cb, &sink, &error);
  if (model != NULL)
    session = se_session_new (model, req->n_ctx, &error);
  if (session == NULL)
    {
      post_error (self, req, g_steal_pointer (&error));
      return;
    }
  /* loading cannot be interrupted, but its result can be refused */
  if (g_cancellable_is_cancelled (req->cancellable))
    {
      post_cancelled (self, req);
      return;
    }
  g_clear_pointer (&self->session, se_session_free);
  g_clear_pointer (&self->model, se_model_unref);
  self->model = g_steal_pointer (&model);
  self->session = g_steal_pointer (&session);
  ev = _se_queued_event_new (SE_EVENT_DONE, req);
  ev->model = model_info (self->model, self->session);
  _se_engine_post (self, ev, TRUE);
}

static gboolean
require_model (SeEngine  *self,
               SeRequest *req)
{
  if (self->model != NULL)
    return TRUE;
  post_error (self, req, g_error_new_literal (SE_ERROR, SE_ERROR_FAILED, "No model is loaded"));
  return FALSE;
}

static void
serve_tokenize (SeEngine  *self,
                SeRequest *req)
{
  GError *error = NULL;
  SeQueuedEvent *ev;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));

  if (!require_model (self, req))
    return;
  if (!se_tokenizer_encode_append (se_model_get_tokenizer (self->model), req->text, -1,
                                   req->flags, ids, &error))
    {
      post_error (self, req, error);
      return;
    }
  ev = _se_queued_event_new (SE_EVENT_DONE, req);
  ev->tokens = g_steal_pointer (&ids);
  _se_engine_post (self, ev, TRUE);
}

/* Renders @messages[0, n) with the model's template and appends their tokens to @ids. */
static gboolean
encode_messages (SeEngine            *self,
                 SeRequest           *req,
                 const SeChatMessage *messages,
                 gsize                n,
                 GArray              *ids,
                 GError             **error)
{
  g_autoptr(GArray) literal = g_array_new (FALSE, FALSE, sizeof (SeTextSpan));
  g_autofree char *rendered = NULL;

  /* The template's markup is parsed for special tokens, the message texts never. */
  rendered = se_chat_template_render_spans (se_model_get_chat_template (self->model), messages,
                                            n, &req->chat_options, literal, error);
  g_array_set_size (ids, 0);
  return rendered != NULL &&
         se_tokenizer_encode_spans_append (se_model_get_tokenizer (self->model), rendered, -1,
                                           SE_TOKENIZE_PARSE_SPECIAL,
                                           (const SeTextSpan *) (void *) literal->data,
                                           literal->len, ids, error);
}

/* A conversation too long for the context loses its oldest messages, whole, after the
 * system message (so the prompt keeps the template's structure, and a cached prefix
 * stays valid until the next drop); it starts again at a user message. Only when the
 * system message and the last message alone do not fit does se_generate() cut tokens. */
static gboolean
encode_conversation (SeEngine  *self,
                     SeRequest *req,
                     GArray    *ids,
                     guint     *dropped,
                     GError   **error)
{
  const SeChatMessage *all = req->messages;
  gsize n = req->n_messages;
  gsize first = n > 0 && g_strcmp0 (all[0].role, "system") == 0 ? 1 : 0;
  SeGenerateLimits limits = { req->max_tokens, NULL, TRUE, req->gen_n_ctx };
  guint budget = se_generate_prompt_budget (se_generate_effective_n_ctx (self->session, &limits),
                                            req->max_tokens);
  g_autofree SeChatMessage *kept = g_new0 (SeChatMessage, MAX (n, 1));
  gsize start = first;

  *dropped = 0;
  if (!encode_messages (self, req, all, n, ids, error))
    return FALSE;
  if (!req->truncate_prompt || ids->len <= budget)
    return TRUE;
  memcpy (kept, all, first * sizeof *all);
  while (n - start > 1)
    {
      start++;
      while (n - start > 1 && g_strcmp0 (all[start].role, "user") != 0)
        start++;
      memcpy (kept + first, all + start, (n - start) * sizeof *all);
      if (!encode_messages (self, req, kept, first + n - start, ids, error))
        return FALSE;
      *dropped = start - first;
      if (ids->len <= budget)
        break;
    }
  return TRUE;
}

/* The prompt of a generate request as token ids. */
static GArray *
prompt_tokens (SeEngine  *self,
               SeRequest *req,
               guint     *messages_dropped,
               GError   **error)
{
  SeTokenizer *tok = se_model_get_tokenizer (self->model);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));

  *messages_dropped = 0;
  if (req->tokens != NULL)
    g_array_append_vals (ids, req->tokens, req->n_tokens);
  else if (req->messages != NULL)
    {
      if (!encode_conversation (self, req, ids, messages_dropped, error))
        return NULL;
    }
  else if (!se_tokenizer_encode_append (tok, req->text, -1,
                                        SE_TOKENIZE_PARSE_SPECIAL | SE_TOKENIZE_ADD_BOS, ids,
                                        error))
    return NULL;
  if (ids->len == 0)
    {
      g_set_error_literal (error, SE_ERROR, SE_ERROR_INVALID, "The prompt is empty");
      return NULL;
    }
  return g_steal_pointer (&ids);
}

/* Runs for every generated token: one TOKENS event, merged with the ones still queued. */
static void
token_cb (gint32      token,
          const char *text,
          gsize       text_len,
          gpointer    user_data)
{
  TokenSink *sink = user_data;
  SeQueuedEvent *ev = _se_queued_event_new (SE_EVENT_TOKENS, sink->req);
  double ms = (g_get_monotonic_time () - sink->start_us) / 1000.0 - sink->stats->prompt_ms;

  ev->text = g_string_new_len (text, (gssize) text_len);
  ev->tokens = g_array_new (FALSE, FALSE, sizeof (gint32));
  if (token >= 0)
    g_array_append_val (ev->tokens, token);
  ev->has_stats = TRUE;
  ev->stats = *sink->stats;
  ev->stats.gen_ms = MAX (ms, 0.0);
  ev->stats.gen_tok_s = ms > 0 ? ev->stats.gen_tokens * 1000.0 / ms : 0.0;
  _se_engine_post (sink->self, ev, FALSE);
}

static void
serve_generate (SeEngine  *self,
                SeRequest *req)
{
  SeGenerateStats stats = { 0 };
  TokenSink sink = { self, req, &stats, g_get_monotonic_time () };
  SeGenerateLimits limits = { req->max_tokens, (const char *const *) req->stop,
                              req->truncate_prompt, req->gen_n_ctx };
  g_autoptr(SeSampler) sampler = NULL;
  g_autoptr(GArray) ids = NULL;
  GError *error = NULL;

  if (!require_model (self, req))
    return;
  if ((ids = prompt_tokens (self, req, &stats.messages_dropped, &error)) == NULL)
    {
      post_error (self, req, error);
      return;
    }
  sampler = se_sampler_new (&req->sampling, se_model_get_graph (self->model)->n_vocab);
  /* the request owns the filter's data: it is destroyed on the caller's thread */
  se_sampler_set_filter (sampler, req->filter, req->accept, req->filter_data, NULL);
  se_sampler_set_check (sampler, req->check);
  if (!se_generate (self->session, (const gint32 *) ids->data, ids->len, sampler, &limits,
                    token_cb, &sink, &stats, req->cancellable, &error))
    {
      post_error (self, req, error);
      return;
    }
  post_done_stats (self, req, &stats);
}

static void
serve (SeEngine  *self,
       SeRequest *req)
{
  if (g_cancellable_is_cancelled (req->cancellable))
    {
      SeGenerateStats stats = { .stop = SE_STOP_CANCELLED };

      if (req->kind == SE_REQUEST_GENERATE)
        post_done_stats (self, req, &stats);
      else
        post_cancelled (self, req);
      return;
    }
  switch (req->kind)
    {
    case SE_REQUEST_LOAD:
      serve_load (self, req);
      break;
    case SE_REQUEST_UNLOAD:
      g_clear_pointer (&self->session, se_session_free);
      g_clear_pointer (&self->model, se_model_unref);
      _se_engine_post (self, _se_queued_event_new (SE_EVENT_DONE, req), TRUE);
      break;
    case SE_REQUEST_GENERATE:
      serve_generate (self, req);
      break;
    case SE_REQUEST_TOKENIZE:
      serve_tokenize (self, req);
      break;
    default:
      g_assert_not_reached ();
    }
}

gpointer
_se_engine_worker (gpointer data)
{
  SeEngine *self = data;
  SeRequest *req;

  while ((req = g_async_queue_pop (self->queue)) != &_se_engine_quit)
    serve (self, req);
  g_clear_pointer (&self->session, se_session_free);
  g_clear_pointer (&self->model, se_model_unref);
  return NULL;
}
