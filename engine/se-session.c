/* SPDX-License-Identifier: Apache-2.0
 *
 * SeSession: one conversation's KV cache and the tokens it holds. Prefill keeps the
 * longest prefix shared with what is cached, so a follow-up turn pays only for its new
 * tokens; evaluation goes to the backend in batches of at most SE_MAX_BATCH tokens.
 * Sessions of one model share its backend context: use them from one thread at a time.
 */
#include "config.h"

#include "sprig/se-error.h"
#include "se-session-private.h"

struct _SeSession
{
  SeModel *model;
  const SeBackendIface *iface;
  SeBackendCtx *ctx;
  SeBackendKv *kv;
  guint n_ctx;
  GArray *tokens;           /* gint32: what the cache holds */
  float *logits;            /* [n_logit_rows][n_vocab] */
  gsize logits_capacity;    /* rows */
  guint n_logit_rows;
  gint cancel_flag;
};

SeSession *
se_session_new (SeModel *model,
                guint    n_ctx,
                GError **error)
{
  const SeHParams *hp;
  SeSession *s;

  g_return_val_if_fail (model != NULL, NULL);

  hp = se_model_get_hparams (model);
  if (n_ctx == 0)
    n_ctx = SE_DEFAULT_CONTEXT;
  n_ctx = MIN (n_ctx, hp->n_ctx_train);
  s = g_new0 (SeSession, 1);
  s->model = se_model_ref (model);
  _se_model_get_backend (model, &s->iface, &s->ctx);
  s->n_ctx = n_ctx;
  s->tokens = g_array_new (FALSE, FALSE, sizeof (gint32));
  s->kv = s->iface->kv_new (s->ctx, n_ctx, error);
  if (s->kv == NULL)
    {
      se_session_free (s);
      return NULL;
    }
  return s;
}

void
se_session_free (SeSession *s)
{
  if (s == NULL)
    return;
  if (s->kv != NULL)
    s->iface->kv_free (s->ctx, s->kv);
  g_clear_pointer (&s->tokens, g_array_unref);
  g_free (s->logits);
  se_model_unref (s->model);
  g_free (s);
}

SeModel *
se_session_get_model (SeSession *session)
{
  return session->model;
}

guint
se_session_get_n_ctx (SeSession *session)
{
  return session->n_ctx;
}

/* K and V, float16, every layer and position. */
guint64
se_session_get_kv_bytes (SeSession *session)
{
  const SeGraph *g = se_model_get_graph (session->model);

  return 2ull * 2ull * g->n_layer * session->n_ctx * g->n_kv_width;
}

const gint32 *
se_session_get_tokens (SeSession *session,
                       guint     *n_tokens)
{
  if (n_tokens != NULL)
    *n_tokens = session->tokens->len;
  return (const gint32 *) session->tokens->data;
}

static void
cancelled_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  g_atomic_int_set ((gint *) user_data, 1);
}

static float *
logits_rows (SeSession *s,
             guint      rows)
{
  gsize n_vocab = se_model_get_graph (s->model)->n_vocab;

  if (s->logits_capacity < rows)
    {
      g_free (s->logits);
      s->logits = g_new (float, (gsize) rows * n_vocab);
      s->logits_capacity = rows;
    }
  s->n_logit_rows = rows;
  return s->logits;
}

/* Evaluates tokens[from .. n) in batches; on failure the cache keeps what was done. */
static gboolean
evaluate (SeSession    *s,
          const gint32 *tokens,
          guint         from,
          guint         n,
          gboolean      all_logits,
          GError      **error)
{
  gsize n_vocab = se_model_get_graph (s->model)->n_vocab;
  float *out = logits_rows (s, all_logits ? n - from : 1);

  for (guint pos = from; pos < n;)
    {
      guint batch = MIN (n - pos, SE_MAX_BATCH);

      if (!s->iface->compute (s->ctx, s->kv, tokens + pos, batch, pos, all_logits, out,
                              &s->cancel_flag, error))
        return FALSE;
      g_array_append_vals (s->tokens, tokens + pos, batch);
      if (all_logits)
        out += (gsize) batch * n_vocab;
      pos += batch;
    }
  return TRUE;
}

gboolean
se_session_prefill (SeSession    *s,
                    const gint32 *tokens,
                    guint         n_tokens,
                    gboolean      all_logits,
                    guint        *n_evaluated,
                    GCancellable *cancellable,
                    GError      **error)
{
  guint keep = 0;
  gulong handler = 0;
  gboolean ok;

  g_return_val_if_fail (s != NULL, FALSE);
  g_return_val_if_fail (tokens != NULL || n_tokens == 0, FALSE);

  if (n_tokens == 0 || n_tokens > s->n_ctx)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID,
                   "The prompt has %u tokens; this session holds 1 to %u", n_tokens, s->n_ctx);
      return FALSE;
    }
  while (keep < n_tokens && keep < s->tokens->len
         && g_array_index (s->tokens, gint32, keep) == tokens[keep])
    keep++;
  /* the last token is always evaluated: its logits are what the caller wants */
  keep = MIN (keep, n_tokens - 1);
  g_array_set_size (s->tokens, keep);

  g_atomic_int_set (&s->cancel_flag, 0);
  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb), &s->cancel_flag, NULL);
  ok = evaluate (s, tokens, keep, n_tokens, all_logits, error);
  if (cancellable != NULL)
    g_cancellable_disconnect (cancellable, handler);
  if (n_evaluated != NULL)
    *n_evaluated = s->tokens->len - keep;
  return ok;
}

gboolean
se_session_decode (SeSession    *s,
                   gint32        token,
                   GCancellable *cancellable,
                   GError      **error)
{
  g_autoptr(GArray) all = NULL;

  g_return_val_if_fail (s != NULL, FALSE);

  if (s->tokens->len >= s->n_ctx)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_INVALID, "The context of %u tokens is full",
                   s->n_ctx);
      return FALSE;
    }
  all = g_array_copy (s->tokens);
  g_array_append_val (all, token);
  return se_session_prefill (s, (const gint32 *) all->data, all->len, FALSE, NULL,
                             cancellable, error);
}

const float *
se_session_get_logits (SeSession *session,
                       guint      row)
{
  g_return_val_if_fail (row < session->n_logit_rows, NULL);
  return session->logits + (gsize) row * se_model_get_graph (session->model)->n_vocab;
}

guint
se_session_get_n_logit_rows (SeSession *session)
{
  return session->n_logit_rows;
}
