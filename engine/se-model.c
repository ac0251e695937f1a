/* SPDX-License-Identifier: Apache-2.0
 *
 * SeModel: everything one model file needs to run, loaded once and shared by its
 * sessions: the mapped GGUF, hyper-parameters, tokenizer, chat template, forward graph
 * and the backend context. Sessions (se-session.c) hold the per-conversation state.
 */
#include "config.h"

#include "sprig/se-error.h"
#include "sprig/se-gguf.h"
#include "sprig/se-model.h"
#include "se-graph-private.h"
#include "se-model-private.h"
#include "se-session-private.h"

struct _SeModel
{
  gint ref_count;
  char *path;
  SeGguf *gguf;
  SeHParams hp;
  SeTokenizer *tokenizer;
  SeChatTemplate *chat_template;
  SeGraph *graph;
  SeBackendChoice backend;
  SeBackendCtx *ctx;
  char *backend_warning;
  guint64 weight_bytes;
};

static char *
piece_text (SeTokenizer *tok,
            gint32       id)
{
  gsize len = 0;
  const char *piece = id >= 0 ? se_tokenizer_token_to_piece (tok, id, &len) : NULL;

  return piece ? g_strndup (piece, len) : NULL;
}

static gboolean
load_text_side (SeModel *m,
                GError **error)
{
  const char *source = NULL;
  g_autofree char *bos = NULL, *eos = NULL;

  m->tokenizer = se_tokenizer_new_from_gguf (m->gguf, error);
  if (m->tokenizer == NULL)
    return FALSE;
  if (se_gguf_has_key (m->gguf, "tokenizer.chat_template")
      && !se_gguf_get_string (m->gguf, "tokenizer.chat_template", &source, NULL, error))
    return FALSE;
  bos = piece_text (m->tokenizer, se_tokenizer_get_bos (m->tokenizer));
  eos = piece_text (m->tokenizer, se_tokenizer_get_eos (m->tokenizer));
  m->chat_template = se_chat_template_new (source, bos, eos, error);
  if (m->chat_template == NULL)
    return FALSE;
  if (se_tokenizer_get_n_vocab (m->tokenizer) > m->hp.n_vocab)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "the vocabulary has %zu tokens but token_embd.weight only %u rows",
                   se_tokenizer_get_n_vocab (m->tokenizer), m->hp.n_vocab);
      return FALSE;
    }
  return TRUE;
}

/* Tries the candidate backends best first. A named backend that fails is an error;
 * otherwise the next one is tried and the reason kept for se_model_get_backend_warning. */
static gboolean
load_backend (SeModel             *m,
              const SeModelParams *params,
              SeProgressFunc       progress,
              gpointer             progress_data,
              GError             **error)
{
  SeBackendParams bp = {
    .n_threads = params ? params->n_threads : 0,
    .max_tokens = SE_MAX_BATCH,
    .progress = progress,
    .progress_data = progress_data,
  };
  const char *name = params ? params->backend : NULL;
  g_autoptr(GArray) candidates = _se_backend_candidates (name, error);
  g_autoptr(GString) failures = g_string_new (NULL);

  if (candidates == NULL)
    return FALSE;
  for (guint i = 0; i < candidates->len && m->ctx == NULL; i++)
    {
      SeBackendChoice *c = &g_array_index (candidates, SeBackendChoice, i);
      g_autoptr(GError) local = NULL;

      m->ctx = c->iface->init (m->graph, &bp, &local);
      if (m->ctx != NULL)
        {
          m->backend = *c;
          c->plugin = NULL;  /* the model owns it now */
          break;
        }
      if (name != NULL)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local), "backend “%s”: ",
                                      c->iface->base.name);
          return FALSE;
        }
      g_message ("The %s backend could not start: %s", c->iface->base.name, local->message);
      g_string_append_printf (failures, "%sThe %s backend could not start (%s)",
                              failures->len ? "; " : "", c->iface->base.name, local->message);
    }
  if (m->ctx == NULL)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_FAILED, "No backend could start: %s",
                   failures->str);
      return FALSE;
    }
  if (failures->len > 0)
    m->backend_warning = g_strdup_printf ("%s; using the %s backend instead.", failures->str,
                                          m->backend.iface->base.name);
  return TRUE;
}

SeModel *
se_model_load (const char          *path,
               const SeModelParams *params,
               SeProgressFunc       progress,
               gpointer             progress_data,
               GError             **error)
{
  g_autoptr(SeModel) m = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  m = g_new0 (SeModel, 1);
  m->ref_count = 1;
  m->path = g_strdup (path);
  if ((m->gguf = se_gguf_open (path, error)) == NULL
      || !se_hparams_from_gguf (m->gguf, &m->hp, error)
      || (m->graph = _se_graph_build (&m->hp, m->gguf, error)) == NULL
      || !load_text_side (m, error)
      || !load_backend (m, params, progress, progress_data, error))
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }
  for (guint i = 0; i < m->graph->tensors->len; i++)
    m->weight_bytes += se_graph_tensor (m->graph, (gint) i)->n_bytes;
  return g_steal_pointer (&m);
}

SeModel *
se_model_ref (SeModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  g_atomic_int_inc (&model->ref_count);
  return model;
}

void
se_model_unref (SeModel *m)
{
  if (m == NULL || !g_atomic_int_dec_and_test (&m->ref_count))
    return;
  if (m->ctx != NULL)
    m->backend.iface->free (m->ctx);
  g_clear_pointer (&m->backend.plugin, se_plugin_free);
  g_clear_pointer (&m->graph, _se_graph_free);
  g_clear_pointer (&m->chat_template, se_chat_template_free);
  g_clear_pointer (&m->tokenizer, se_tokenizer_unref);
  g_clear_pointer (&m->gguf, se_gguf_free);
  g_free (m->backend_warning);
  g_free (m->path);
  g_free (m);
}

const SeHParams *
se_model_get_hparams (SeModel *model)
{
  return &model->hp;
}

SeTokenizer *
se_model_get_tokenizer (SeModel *model)
{
  return model->tokenizer;
}

SeChatTemplate *
se_model_get_chat_template (SeModel *model)
{
  return model->chat_template;
}

const SeGraph *
se_model_get_graph (SeModel *model)
{
  return model->graph;
}

const char *
se_model_get_backend_name (SeModel *model)
{
  return model->backend.iface->base.name;
}

const char *
se_model_get_backend_description (SeModel *model)
{
  return model->backend.iface->describe (model->ctx);
}

/* Why a better backend was not used (it failed to start), or NULL. */
const char *
se_model_get_backend_warning (SeModel *model)
{
  return model->backend_warning;
}

guint64
se_model_get_weight_bytes (SeModel *model)
{
  return model->weight_bytes;
}

const char *
se_model_get_path (SeModel *model)
{
  return model->path;
}

/* For se-session.c: the backend and its context. */
void
_se_model_get_backend (SeModel               *model,
                       const SeBackendIface **iface,
                       SeBackendCtx         **ctx)
{
  *iface = model->backend.iface;
  *ctx = model->ctx;
}
