/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "sprig-tool-gate"

#include "config.h"

#include <glib/gi18n.h>

#include "sprig-tool-gate.h"

struct _SprigToolGate
{
  SprigToolbox *toolbox;
  SprigStore *store;
  GSettings *settings;
  GtkWindow *parent;          /* weak */
  SprigToolOffer *offer;
  GPtrArray *items;           /* this round's cards, in call order */
};

/* One call on its way through the gate. */
typedef struct
{
  SprigToolGate *gate;
  SprigToolCallItem *item;
  const SprigToolboxTool *tool;   /* owned by offer */
  SprigToolOffer *offer;
  GCancellable *cancellable;
  gulong cancelled_id;
  gulong answered_id;
} Call;

static void
call_free (gpointer data)
{
  Call *call = data;

  if (call->answered_id != 0)
    g_signal_handler_disconnect (call->item, call->answered_id);
  if (call->cancelled_id != 0)
    g_cancellable_disconnect (call->cancellable, call->cancelled_id);
  g_clear_object (&call->item);
  g_clear_object (&call->cancellable);
  g_clear_pointer (&call->offer, sprig_tool_offer_unref);
  g_free (call);
}

SprigToolGate *
sprig_tool_gate_new (SprigToolbox *toolbox,
                     SprigStore   *store,
                     GSettings    *settings)
{
  SprigToolGate *gate = g_new0 (SprigToolGate, 1);

  gate->toolbox = g_object_ref (toolbox);
  gate->store = g_object_ref (store);
  gate->settings = settings != NULL ? g_object_ref (settings) : NULL;
  gate->items = g_ptr_array_new_with_free_func (g_object_unref);
  return gate;
}

void
sprig_tool_gate_free (SprigToolGate *gate)
{
  if (gate == NULL)
    return;
  g_clear_weak_pointer (&gate->parent);
  g_clear_pointer (&gate->offer, sprig_tool_offer_unref);
  g_ptr_array_unref (gate->items);
  g_object_unref (gate->toolbox);
  g_object_unref (gate->store);
  g_clear_object (&gate->settings);
  g_free (gate);
}

void
sprig_tool_gate_set_settings (SprigToolGate *gate,
                              GSettings     *settings)
{
  g_set_object (&gate->settings, settings);
}

void
sprig_tool_gate_set_parent (SprigToolGate *gate,
                            GtkWindow     *parent)
{
  g_set_weak_pointer (&gate->parent, parent);
}

void
sprig_tool_gate_begin_round (SprigToolGate  *gate,
                             SprigToolOffer *offer,
                             GPtrArray      *items)
{
  g_clear_pointer (&gate->offer, sprig_tool_offer_unref);
  gate->offer = offer != NULL ? sprig_tool_offer_ref (offer) : NULL;
  g_ptr_array_set_size (gate->items, 0);
  for (guint i = 0; i < items->len; i++)
    g_ptr_array_add (gate->items, g_object_ref (g_ptr_array_index (items, i)));
}

/* The round's next card for @name that has not started: the loop runs calls in order
 * and skips repeats, so the first queued one with that name is this call. */
static SprigToolCallItem *
take_item (SprigToolGate *gate,
           const char    *name)
{
  for (guint i = 0; i < gate->items->len; i++)
    {
      SprigToolCallItem *item = g_ptr_array_index (gate->items, i);

      if (sprig_tool_call_item_get_state (item) == SPRIG_TOOL_CALL_QUEUED &&
          g_str_equal (sprig_tool_call_item_get_name (item), name))
        return item;
    }
  return NULL;
}

static void
tool_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = sprig_toolbox_call_finish (SPRIG_TOOLBOX (source), result, &error);

  if (text == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (sprig_tool_call_item_get_edited (call->item))
    {
      /* The model reads what really ran, not what it asked for. */
      char *noted = g_strdup_printf ("[The user changed the arguments before the tool ran. "
                                     "It ran with: %s]\n\n%s",
                                     sprig_tool_call_item_get_arguments (call->item), text);

      g_task_return_pointer (task, noted, g_free);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&text), g_free);
}

static void
run_tool (GTask      *task,
          const char *arguments)
{
  Call *call = g_task_get_task_data (task);

  sprig_tool_call_item_set_state (call->item, SPRIG_TOOL_CALL_RUNNING);
  sprig_toolbox_call_async (call->gate->toolbox, call->offer, call->tool, arguments,
                            call->gate->parent, call->cancellable, tool_done_cb, task);
}

static void
permission_saved_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!sprig_store_set_tool_permission_finish (SPRIG_STORE (source), result, &error))
    g_warning ("“Always allow” was not saved: %s", error->message);
}

static void
answered_cb (SprigToolCallItem *item,
             int                answer,
             const char        *arguments,
             gpointer           user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);

  g_signal_handler_disconnect (item, call->answered_id);
  call->answered_id = 0;
  if (call->cancelled_id != 0)
    {
      g_cancellable_disconnect (call->cancellable, call->cancelled_id);
      call->cancelled_id = 0;
    }
  switch (answer)
    {
    case SPRIG_TOOL_ANSWER_ALWAYS_ALLOW:
      sprig_store_set_tool_permission_async (call->gate->store, call->tool->identity,
                                             call->tool->digest, SPRIG_TOOL_DECISION_ALLOW,
                                             NULL, permission_saved_cb, NULL);
      G_GNUC_FALLTHROUGH;
    case SPRIG_TOOL_ANSWER_ALLOW_ONCE:
      run_tool (task, arguments);   /* takes the handler's reference */
      break;
    case SPRIG_TOOL_ANSWER_DENY:
    default:
      sprig_tool_call_item_set_state (item, SPRIG_TOOL_CALL_DENIED);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                               "The user denied this tool call.");
      g_object_unref (task);
    }
}

static gboolean
finish_cancelled (gpointer user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);

  if (call->cancelled_id != 0)
    {
      g_cancellable_disconnect (call->cancellable, call->cancelled_id);
      call->cancelled_id = 0;
    }
  g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
}

/* Stop pressed while the card waits: the loop has answered the model already. */
static void
waiting_cancelled_cb (GCancellable *cancellable,
                      gpointer      user_data)
{
  GTask *task = user_data;
  Call *call = g_task_get_task_data (task);

  if (call->answered_id == 0)
    return;
  g_signal_handler_disconnect (call->item, call->answered_id);
  call->answered_id = 0;
  sprig_tool_call_item_set_state (call->item, SPRIG_TOOL_CALL_CANCELLED);
  /* Not from inside g_cancellable_cancel (): a handler cannot disconnect itself. The
   * answered handler's reference moves to the idle. */
  g_idle_add_full (G_PRIORITY_DEFAULT, finish_cancelled, task, g_object_unref);
}

static void
ask (GTask *task)   /* borrows @task */
{
  Call *call = g_task_get_task_data (task);

  sprig_tool_call_item_set_state (call->item, SPRIG_TOOL_CALL_WAITING);
  call->answered_id = g_signal_connect (call->item, "answered", G_CALLBACK (answered_cb),
                                        g_object_ref (task));
  if (call->cancellable != NULL)
    call->cancelled_id = g_cancellable_connect (call->cancellable,
                                                G_CALLBACK (waiting_cancelled_cb),
                                                g_object_ref (task), g_object_unref);
}

static void
permission_read_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  SprigToolDecision decision;

  decision = sprig_store_get_tool_permission_finish (SPRIG_STORE (source), result, &error);
  if (g_task_return_error_if_cancelled (task))
    return;
  if (error != NULL)
    g_warning ("Tool permission not read, asking: %s", error->message);
  if (error == NULL && decision == SPRIG_TOOL_DECISION_ALLOW)
    {
      Call *call = g_task_get_task_data (task);

      run_tool (g_object_ref (task), sprig_tool_call_item_get_arguments (call->item));
      return;
    }
  ask (task);
}

static void
gate_run_async (gpointer             runner,
                const char          *name,
                const char          *arguments,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  SprigToolGate *gate = runner;
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  SprigToolCallItem *item = take_item (gate, name);
  const SprigToolboxTool *tool = gate->offer != NULL ? sprig_tool_offer_lookup (gate->offer, name)
                                                     : NULL;
  Call *call;

  g_task_set_source_tag (task, gate_run_async);
  if (item == NULL || tool == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               "The tool “%s” is not available.", name);
      return;
    }
  call = g_new0 (Call, 1);
  call->gate = gate;
  call->item = g_object_ref (item);
  call->tool = tool;
  call->offer = sprig_tool_offer_ref (gate->offer);
  call->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  g_task_set_task_data (task, call, call_free);
  sprig_toolbox_describe (tool, item);

  if (tool->kind == SPRIG_TOOL_KIND_APP)
    {
      ask (task);   /* the file dialog is the question: no permission to keep */
      return;
    }
  if (tool->kind == SPRIG_TOOL_KIND_BUILTIN && tool->read_only && gate->settings != NULL &&
      g_settings_get_boolean (gate->settings, "run-read-only-tools"))
    {
      run_tool (g_steal_pointer (&task), arguments);
      return;
    }
  sprig_store_get_tool_permission_async (gate->store, tool->identity, tool->digest, cancellable,
                                         permission_read_cb, g_steal_pointer (&task));
}

static char *
gate_run_finish (gpointer       runner,
                 GAsyncResult  *result,
                 GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

const SeToolRunnerIface sprig_tool_gate_runner = {
  .run_async = gate_run_async,
  .run_finish = gate_run_finish,
};
