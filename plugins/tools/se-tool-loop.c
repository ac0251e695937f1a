/* SPDX-License-Identifier: Apache-2.0
 *
 * The tool loop's policy: one round is the calls of one model reply; a user message
 * gets at most max_rounds of them; a call identical to an earlier one of the same turn
 * (same name, same canonical arguments) is not run again, and a round of nothing but
 * repeats ends the loop. Each call runs through the runner (the app's: confirmation and
 * the tool host; or the in-process registry) with a timeout and the caller's
 * cancellable, one call at a time in the model's order, and its output is capped before
 * it goes back to the model.
 */
#include "config.h"

#include <string.h>

#include "se-tools-private.h"
#include "se-tool-schema.h"

struct _SeToolLoop
{
  const SeToolRunnerIface *runner;
  gpointer runner_data;
  SeToolLoopParams params;
  guint rounds;
  gboolean stopped;
  GHashTable *seen;   /* name + '\n' + canonical arguments */
};

typedef struct
{
  SeToolLoop *loop;
  SeChatToolCall *calls;
  gsize n_calls;
  gsize next;
  GPtrArray *results;
  GCancellable *cancellable;
  GMainContext *context;
} Round;

typedef struct
{
  gint ref;
  GTask *task;          /* the round's */
  SeToolResult *result;
  GCancellable *cancel; /* this call's: the round's cancellable or the timeout */
  gulong cancel_id;
  GSource *timeout;
  gboolean finished;
} Run;

static void run_next (GTask *task);

void
_se_tool_result_free (SeToolResult *result)
{
  if (result == NULL)
    return;
  g_free (result->name);
  g_free (result->arguments);
  g_free (result->content);
  g_free (result);
}

char *
_se_tool_truncate_output (const char *text,
                          gsize       max,
                          gboolean   *truncated)
{
  gsize len = strlen (text), cut = max;
  const char *end;

  *truncated = len > max;
  if (len <= max)
    return g_strdup (text);
  /* back to a character boundary */
  while (cut > 0 && ((guchar) text[cut] & 0xc0) == 0x80)
    cut--;
  if (!g_utf8_validate_len (text, cut, &end))
    cut = end - text;
  return g_strdup_printf ("%.*s\n[Output truncated: the first %" G_GSIZE_FORMAT " of %"
                          G_GSIZE_FORMAT " bytes are shown.]", (int) cut, text, cut, len);
}

SeToolLoop *
_se_tool_loop_new (const SeToolRunnerIface *runner,
                   gpointer                 runner_data,
                   const SeToolLoopParams  *params)
{
  static const SeToolLoopParams defaults = SE_TOOL_LOOP_PARAMS_INIT;
  SeToolLoop *loop;

  g_return_val_if_fail (runner != NULL && runner->run_async && runner->run_finish, NULL);

  loop = g_new0 (SeToolLoop, 1);
  loop->runner = runner;
  loop->runner_data = runner_data;
  loop->params = params ? *params : defaults;
  if (loop->params.max_rounds == 0)
    loop->params.max_rounds = defaults.max_rounds;
  if (loop->params.timeout_ms == 0)
    loop->params.timeout_ms = defaults.timeout_ms;
  if (loop->params.max_output == 0)
    loop->params.max_output = defaults.max_output;
  loop->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return loop;
}

void
_se_tool_loop_free (SeToolLoop *loop)
{
  if (loop == NULL)
    return;
  g_hash_table_unref (loop->seen);
  g_free (loop);
}

void
_se_tool_loop_begin_turn (SeToolLoop *loop)
{
  g_return_if_fail (loop != NULL);
  loop->rounds = 0;
  loop->stopped = FALSE;
  g_hash_table_remove_all (loop->seen);
}

gboolean
_se_tool_loop_tools_allowed (SeToolLoop *loop)
{
  g_return_val_if_fail (loop != NULL, FALSE);
  return !loop->stopped && loop->rounds < loop->params.max_rounds;
}

static void
round_free (Round *r)
{
  for (gsize i = 0; i < r->n_calls; i++)
    {
      g_free ((char *) r->calls[i].name);
      g_free ((char *) r->calls[i].arguments);
    }
  g_free (r->calls);
  g_ptr_array_unref (r->results);
  g_clear_object (&r->cancellable);
  g_main_context_unref (r->context);
  g_free (r);
}

static SeToolResult *
result_new (const SeChatToolCall *call,
            SeToolStatus          status,
            const char           *content)
{
  SeToolResult *res = g_new0 (SeToolResult, 1);

  res->name = g_strdup (call->name);
  res->arguments = g_strdup (call->arguments ? call->arguments : "{}");
  res->status = status;
  res->content = g_strdup (content);
  return res;
}

static char *
call_key (const SeChatToolCall *call)
{
  g_autoptr(SeJsonNode) args = se_json_parse (call->arguments ? call->arguments : "{}", -1,
                                              NULL);
  g_autofree char *canon = args ? _se_tool_json_canonical (args) : g_strdup (call->arguments);

  return g_strconcat (call->name, "\n", canon, NULL);
}

static Run *
run_ref (Run *run)
{
  g_atomic_int_inc (&run->ref);
  return run;
}

static void
run_unref (Run *run)
{
  if (!g_atomic_int_dec_and_test (&run->ref))
    return;
  _se_tool_result_free (run->result);
  g_clear_object (&run->cancel);
  g_clear_object (&run->task);
  g_free (run);
}

/* Ends a call once, whichever of result, timeout or cancellation comes first. */
static void
run_finish_with (Run         *run,
                 SeToolStatus status,
                 const char  *content)
{
  Round *r = g_task_get_task_data (run->task);
  gboolean truncated = FALSE;

  if (run->finished)
    return;
  run->finished = TRUE;
  if (run->timeout != NULL)
    {
      g_source_destroy (run->timeout);
      g_clear_pointer (&run->timeout, g_source_unref);
    }
  if (run->cancel_id != 0)
    g_cancellable_disconnect (r->cancellable, run->cancel_id);
  run->cancel_id = 0;
  run->result->status = status;
  run->result->content = _se_tool_truncate_output (content, r->loop->params.max_output,
                                                   &truncated);
  run->result->truncated = truncated;
  g_ptr_array_add (r->results, g_steal_pointer (&run->result));
  g_cancellable_cancel (run->cancel);  /* a timed-out call should stop working */
  run_next (run->task);
}

static void
runner_done (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Run *run = user_data;
  Round *r = g_task_get_task_data (run->task);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = r->loop->runner->run_finish (r->loop->runner_data, result, &error);

  if (text != NULL)
    run_finish_with (run, SE_TOOL_STATUS_OK, text);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
    run_finish_with (run, SE_TOOL_STATUS_DENIED, "The user denied this tool call.");
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    run_finish_with (run, SE_TOOL_STATUS_CANCELLED, "The tool call was cancelled.");
  else
    {
      g_autofree char *msg = g_strdup_printf ("Error: %s", error ? error->message : "no result");

      run_finish_with (run, SE_TOOL_STATUS_ERROR, msg);
    }
  run_unref (run);
}

static gboolean
timeout_cb (gpointer user_data)
{
  Run *run = user_data;
  Round *r = g_task_get_task_data (run->task);
  g_autofree char *msg = g_strdup_printf ("Error: the tool did not answer within %u s.",
                                          (r->loop->params.timeout_ms + 999) / 1000);

  run_finish_with (run, SE_TOOL_STATUS_TIMEOUT, msg);
  return G_SOURCE_REMOVE;
}

static gboolean
cancelled_idle (gpointer user_data)
{
  run_finish_with (user_data, SE_TOOL_STATUS_CANCELLED, "The tool call was cancelled.");
  return G_SOURCE_REMOVE;
}

static void
round_cancelled (GCancellable *cancellable,
                 gpointer      user_data)
{
  Run *run = user_data;
  Round *r = g_task_get_task_data (run->task);

  GSource *idle = g_idle_source_new ();

  /* may run on any thread, and must not disconnect itself: finish from an idle */
  g_source_set_callback (idle, cancelled_idle, run_ref (run), (GDestroyNotify) run_unref);
  g_source_attach (idle, r->context);
  g_source_unref (idle);
}

static void
start_call (GTask                *task,
            const SeChatToolCall *call)
{
  Round *r = g_task_get_task_data (task);
  Run *run = g_new0 (Run, 1);

  run->ref = 1;
  run->task = g_object_ref (task);
  run->result = result_new (call, SE_TOOL_STATUS_OK, NULL);
  g_clear_pointer (&run->result->content, g_free);
  run->cancel = g_cancellable_new ();
  run->timeout = g_timeout_source_new (r->loop->params.timeout_ms);
  g_source_set_callback (run->timeout, timeout_cb, run_ref (run), (GDestroyNotify) run_unref);
  g_source_attach (run->timeout, r->context);
  if (r->cancellable != NULL)
    run->cancel_id = g_cancellable_connect (r->cancellable, G_CALLBACK (round_cancelled),
                                            run_ref (run), (GDestroyNotify) run_unref);
  r->loop->runner->run_async (r->loop->runner_data, call->name,
                              call->arguments ? call->arguments : "{}", run->cancel,
                              runner_done, run);
}

static void
run_next (GTask *task)
{
  Round *r = g_task_get_task_data (task);

  while (r->next < r->n_calls)
    {
      const SeChatToolCall *call = &r->calls[r->next++];
      char *key;

      if (r->cancellable != NULL && g_cancellable_is_cancelled (r->cancellable))
        {
          g_ptr_array_add (r->results, result_new (call, SE_TOOL_STATUS_CANCELLED,
                                                   "The tool call was cancelled."));
          continue;
        }
      key = call_key (call);
      if (g_hash_table_contains (r->loop->seen, key))
        {
          g_free (key);
          g_ptr_array_add (r->results,
                           result_new (call, SE_TOOL_STATUS_REPEATED,
                                       "Error: this exact call was already made in this turn "
                                       "and was not run again; use its earlier result."));
          continue;
        }
      g_hash_table_add (r->loop->seen, key);
      start_call (task, call);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
_se_tool_loop_run_async (SeToolLoop           *loop,
                         const SeChatToolCall *calls,
                         gsize                 n_calls,
                         GCancellable         *cancellable,
                         GAsyncReadyCallback   callback,
                         gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  Round *r;

  g_return_if_fail (loop != NULL && (calls != NULL || n_calls == 0));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_source_tag (task, _se_tool_loop_run_async);
  r = g_new0 (Round, 1);
  r->loop = loop;
  r->n_calls = n_calls;
  r->calls = g_new0 (SeChatToolCall, MAX (n_calls, 1));
  for (gsize i = 0; i < n_calls; i++)
    {
      r->calls[i].name = g_strdup (calls[i].name);
      r->calls[i].arguments = g_strdup (calls[i].arguments ? calls[i].arguments : "{}");
    }
  r->results = g_ptr_array_new_with_free_func ((GDestroyNotify) _se_tool_result_free);
  r->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  r->context = g_main_context_ref_thread_default ();
  g_task_set_task_data (task, r, (GDestroyNotify) round_free);

  loop->rounds++;
  if (loop->stopped || loop->rounds > loop->params.max_rounds)
    {
      g_autofree char *msg = g_strdup_printf ("Error: the limit of %u tool rounds for this "
                                              "message was reached; the call was not run. "
                                              "Answer with what you have.",
                                              loop->params.max_rounds);

      loop->stopped = TRUE;
      for (gsize i = 0; i < n_calls; i++)
        g_ptr_array_add (r->results, result_new (&calls[i], SE_TOOL_STATUS_LIMIT, msg));
      r->next = n_calls;
    }
  run_next (task);
}

GPtrArray *
_se_tool_loop_run_finish (SeToolLoop   *loop,
                          GAsyncResult *result,
                          gboolean     *continue_with_tools,
                          GError      **error)
{
  Round *r;
  gboolean progress = FALSE, cancelled = FALSE;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  r = g_task_get_task_data (G_TASK (result));
  for (guint i = 0; i < r->results->len; i++)
    {
      SeToolResult *res = g_ptr_array_index (r->results, i);

      progress |= res->status != SE_TOOL_STATUS_REPEATED && res->status != SE_TOOL_STATUS_LIMIT;
      cancelled |= res->status == SE_TOOL_STATUS_CANCELLED;
    }
  if (!progress && r->n_calls > 0)
    loop->stopped = TRUE;   /* nothing but repeats: the model is going round in circles */
  if (continue_with_tools != NULL)
    *continue_with_tools = !cancelled && _se_tool_loop_tools_allowed (loop);
  return g_ptr_array_ref (r->results);
}
