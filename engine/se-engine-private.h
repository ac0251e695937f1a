/* SPDX-License-Identifier: Apache-2.0
 *
 * What the three parts of SeEngine share: se-engine.c (the object and request
 * submission, on the caller's thread), se-engine-worker.c (the worker thread that owns the
 * model and session) and se-engine-events.c (the batched event queue between them).
 */
#pragma once

#include "sprig/se-engine.h"

G_BEGIN_DECLS

typedef struct _SeRequest SeRequest;

/* A request and its copies of everything the caller passed. Immutable once queued except
 * through its GCancellable; freed on the engine's thread after its last event. */
struct _SeRequest
{
  SeRequestKind kind;
  guint id;
  GCancellable *cancellable;
  SeEventFunc func;
  gpointer user_data;
  GDestroyNotify destroy;
  GPtrArray *owned;               /* g_free'd blocks: strings and arrays below */

  /* load */
  char *path;
  SeModelParams model_params;
  guint n_ctx;
  /* tokenize, and generate from raw text */
  char *text;
  SeTokenizeFlags flags;
  /* generate */
  SeChatMessage *messages;
  gsize n_messages;
  SeChatOptions chat_options;
  gint32 *tokens;
  gsize n_tokens;
  SeSamplingParams sampling;
  guint max_tokens;
  gboolean truncate_prompt;
  guint gen_n_ctx;
  char **stop;
  SeTokenFilterFunc filter;
  SeTokenAcceptFunc accept;
  gpointer filter_data;
  GDestroyNotify filter_destroy;
  SeTokenCheckFunc check;
};

/* An event waiting in the queue; TOKENS and PROGRESS events of one request coalesce. */
typedef struct
{
  SeEventKind kind;
  SeRequest *req;
  gboolean final;
  double progress;
  GString *text;
  GArray *tokens;                 /* gint32 */
  gboolean has_stats;
  SeGenerateStats stats;
  SeModelInfo *model;
  GError *error;
} SeQueuedEvent;

struct _SeEngine
{
  GObject parent_instance;

  GMainContext *context;
  GSource *source;                /* dispatches the queue; ready time set by posts */
  GMutex lock;                    /* guards everything down to next_id */
  GQueue events;                  /* SeQueuedEvent */
  gint64 scheduled_us;            /* the source's ready time, -1 when idle */
  gint64 last_dispatch_us;
  GHashTable *live;               /* id → SeRequest, from submission to last event */
  guint next_id;
  gboolean *dispatch_destroyed;   /* set while dispatching: tells it the engine is gone */
  guint n_dispatches;             /* for tests and stats */

  GAsyncQueue *queue;             /* SeRequest, or the quit marker */
  GThread *thread;

  /* owned by the worker thread */
  SeModel *model;
  SeSession *session;
};

extern SeRequest _se_engine_quit;

void      _se_request_free           (SeRequest          *req);

void      _se_engine_events_init     (SeEngine           *self);
void      _se_engine_events_clear    (SeEngine           *self);
/* Queues @ev (taking it); @urgent events wake the main loop now, others at most every
 * SE_ENGINE_BATCH_INTERVAL_US. */
void      _se_engine_post            (SeEngine           *self,
                                      SeQueuedEvent      *ev,
                                      gboolean            urgent);
SeQueuedEvent *
          _se_queued_event_new       (SeEventKind         kind,
                                      SeRequest          *req);
void      _se_queued_event_free      (SeQueuedEvent      *ev);
void      _se_model_info_free        (SeModelInfo        *info);

gpointer  _se_engine_worker          (gpointer            data);

G_END_DECLS
