/* SPDX-License-Identifier: Apache-2.0
 *
 * A loaded model: the mapped GGUF file, its hyper-parameters, tokenizer, chat
 * template, forward graph and the backend that runs it; and sessions over it, each with
 * its own KV cache. This is the engine's synchronous core: the worker thread of
 * SeEngine and sprig-cli call it directly, nothing here touches a main loop.
 */
#pragma once

#include <gio/gio.h>

#include "sprig/se-arch.h"
#include "sprig/se-chat.h"
#include "sprig/se-graph.h"
#include "sprig/se-tokenizer.h"

G_BEGIN_DECLS

typedef struct _SeModel SeModel;
typedef struct _SeSession SeSession;

typedef void (*SeProgressFunc) (double fraction, gpointer user_data);

typedef struct
{
  const char *backend;     /* NULL = best available; "reference", "cpu", "vulkan" */
  guint n_threads;         /* 0 = backend default */
} SeModelParams;

#define SE_DEFAULT_CONTEXT 4096
#define SE_MAX_BATCH       256   /* tokens per backend compute() call */

SeModel              *se_model_load               (const char          *path,
                                                   const SeModelParams *params,
                                                   SeProgressFunc       progress,
                                                   gpointer             progress_data,
                                                   GError             **error);
SeModel              *se_model_ref                (SeModel             *model);
void                  se_model_unref              (SeModel             *model);
const SeHParams      *se_model_get_hparams        (SeModel             *model);
SeTokenizer          *se_model_get_tokenizer      (SeModel             *model);
SeChatTemplate       *se_model_get_chat_template  (SeModel             *model);
const SeGraph        *se_model_get_graph          (SeModel             *model);
const char           *se_model_get_backend_name   (SeModel             *model);
const char           *se_model_get_backend_description (SeModel        *model);
const char           *se_model_get_backend_warning (SeModel            *model);
guint64               se_model_get_weight_bytes   (SeModel             *model);
const char           *se_model_get_path           (SeModel             *model);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeModel, se_model_unref)

/* n_ctx 0 = SE_DEFAULT_CONTEXT; capped by the model's training context. */
SeSession            *se_session_new              (SeModel             *model,
                                                   guint                n_ctx,
                                                   GError             **error);
void                  se_session_free             (SeSession           *session);
SeModel              *se_session_get_model        (SeSession           *session);
guint                 se_session_get_n_ctx        (SeSession           *session);
guint64               se_session_get_kv_bytes     (SeSession           *session);
/* The tokens whose keys and values the cache holds, in order. */
const gint32         *se_session_get_tokens       (SeSession           *session,
                                                   guint               *n_tokens);

/* Makes the cache hold exactly @tokens. Only the tokens after the longest prefix
 * shared with what the cache holds are evaluated (at least the last one, so that its
 * logits exist); @n_evaluated says how many. With @all_logits the logits of every
 * evaluated token are kept (se_session_get_logits row i = i-th evaluated token).
 * More than n_ctx tokens is an SE_ERROR_INVALID error. */
gboolean              se_session_prefill          (SeSession           *session,
                                                   const gint32        *tokens,
                                                   guint                n_tokens,
                                                   gboolean             all_logits,
                                                   guint               *n_evaluated,
                                                   GCancellable        *cancellable,
                                                   GError             **error);
/* Appends one token to the cache and evaluates it. */
gboolean              se_session_decode           (SeSession           *session,
                                                   gint32               token,
                                                   GCancellable        *cancellable,
                                                   GError             **error);
/* Logits of the last evaluation: row 0 unless it kept all rows. n_vocab floats. */
const float          *se_session_get_logits       (SeSession           *session,
                                                   guint                row);
guint                 se_session_get_n_logit_rows (SeSession           *session);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeSession, se_session_free)

G_END_DECLS
