/* SPDX-License-Identifier: Apache-2.0
 *
 * SeEngine: the asynchronous engine. Requests (load, unload, generate, tokenize) go into
 * a queue that one worker thread serves in order; their events come back on the
 * GMainContext that was thread-default when the engine was created, token events batched
 * so that the main loop wakes at most about 60 times a second. See docs/engine.md.
 */
#pragma once

#include <gio/gio.h>

#include "sprig/se-chat.h"
#include "sprig/se-generate.h"
#include "sprig/se-model.h"
#include "sprig/se-sampler.h"
#include "sprig/se-tokenizer.h"

G_BEGIN_DECLS

#define SE_TYPE_ENGINE (se_engine_get_type ())
G_DECLARE_FINAL_TYPE (SeEngine, se_engine, SE, ENGINE, GObject)

/* Token events of one request are held back until this long after the previous dispatch
 * of the engine's events. */
#define SE_ENGINE_BATCH_INTERVAL_US 16000

typedef enum
{
  SE_REQUEST_LOAD,
  SE_REQUEST_UNLOAD,
  SE_REQUEST_GENERATE,
  SE_REQUEST_TOKENIZE,
} SeRequestKind;

typedef enum
{
  SE_EVENT_PROGRESS,   /* load: fraction of the weights prepared */
  SE_EVENT_TOKENS,     /* generate: a batch of new tokens and their text */
  SE_EVENT_DONE,       /* the request finished (a cancelled generate is DONE too) */
  SE_EVENT_ERROR,      /* the request failed; nothing follows */
} SeEventKind;

typedef struct
{
  char *path;
  char *backend;              /* name of the backend that runs it */
  char *backend_description;
  char *backend_warning;      /* NULL, or why a better backend could not start */
  char *chat_family;          /* "chatml", "qwen3", ... */
  char *chat_warning;         /* NULL, or why the template is a guess */
  guint n_ctx;                /* the session's context */
  gsize n_vocab;
  guint64 weight_bytes;
} SeModelInfo;

typedef struct
{
  SeEventKind kind;
  SeRequestKind request_kind;
  guint request;                 /* the id se_engine_*() returned */
  double progress;               /* PROGRESS: 0 to 1 */
  const char *text;              /* TOKENS: new text, valid UTF-8, NUL-terminated */
  gsize text_len;
  const gint32 *tokens;          /* TOKENS: new ids; DONE of tokenize: all ids */
  gsize n_tokens;
  const SeGenerateStats *stats;  /* TOKENS: so far; DONE of generate: final */
  const SeModelInfo *model;      /* DONE of load */
  const GError *error;           /* ERROR */
} SeEvent;

/* Called on the engine's GMainContext, never after the engine is disposed. Every request
 * gets exactly one DONE or ERROR, its last event. */
typedef void (*SeEventFunc) (SeEngine      *engine,
                             const SeEvent *event,
                             gpointer       user_data);

typedef struct
{
  /* Exactly one prompt source: */
  const SeChatMessage *messages;       /* rendered with the model's chat template */
  gsize n_messages;
  const SeChatOptions *chat_options;   /* NULL: SE_CHAT_OPTIONS_INIT */
  const char *text;                    /* raw text: special tokens parsed, BOS added */
  const gint32 *tokens;                /* raw token ids */
  gsize n_tokens;

  SeSamplingParams sampling;
  guint max_tokens;                    /* 0: until the context is full */
  const char *const *stop;             /* NULL-terminated; may be NULL */
  gboolean truncate_prompt;            /* see SeGenerateLimits; FALSE: too long = error */
  guint n_ctx;                         /* 0: the session's; less: see SeGenerateLimits */

  /* Optional constrained sampling: @filter and @accept run on the worker thread,
   * @filter_destroy on the engine's thread when the request is finished. */
  SeTokenFilterFunc filter;
  SeTokenAcceptFunc accept;
  gpointer filter_data;
  GDestroyNotify filter_destroy;
  /* Optional fast path of @filter (see SeTokenCheckFunc), on the worker thread too. */
  SeTokenCheckFunc check;
} SeGenerateRequest;

/* Default sampling, no prompt. */
void      se_generate_request_init (SeGenerateRequest       *request);

SeEngine *se_engine_new            (void);
GMainContext *
          se_engine_get_context    (SeEngine                *engine);

/* Loads @path, replacing the current model once the requests before it are done (a load
 * submitted while generating waits its turn). PROGRESS events, then DONE with a
 * SeModelInfo, or ERROR. @n_ctx 0: SE_DEFAULT_CONTEXT. */
guint     se_engine_load           (SeEngine                *engine,
                                    const char              *path,
                                    const SeModelParams     *params,
                                    guint                    n_ctx,
                                    SeEventFunc              func,
                                    gpointer                 user_data,
                                    GDestroyNotify           destroy);
guint     se_engine_unload         (SeEngine                *engine,
                                    SeEventFunc              func,
                                    gpointer                 user_data,
                                    GDestroyNotify           destroy);
/* Copies everything in @request. TOKENS events, then DONE with the stats. The session's
 * cache keeps its longest prefix shared with the new prompt. */
guint     se_engine_generate       (SeEngine                *engine,
                                    const SeGenerateRequest *request,
                                    SeEventFunc              func,
                                    gpointer                 user_data,
                                    GDestroyNotify           destroy);
guint     se_engine_tokenize       (SeEngine                *engine,
                                    const char              *text,
                                    SeTokenizeFlags          flags,
                                    SeEventFunc              func,
                                    gpointer                 user_data,
                                    GDestroyNotify           destroy);
/* Cancels request @id (0: every request), from any thread. A running generation stops
 * within one backend op and ends with DONE, stop SE_STOP_CANCELLED; any other cancelled
 * request ends with ERROR G_IO_ERROR_CANCELLED. Unknown or finished ids are ignored. */
void      se_engine_cancel         (SeEngine                *engine,
                                    guint                    id);

G_END_DECLS
