/* SPDX-License-Identifier: Apache-2.0
 *
 * Tool plugins written against sprig-tool.h, loaded in this process: the built-ins and
 * the tests' plugins. Loading checks the plugin's ABI major and struct sizes before it
 * reads a field and refuses a mismatch with a sentence naming it. The registry is also
 * a SeToolRunnerIface: a call is validated against the tool's schema and runs on a
 * worker thread, so a slow tool never blocks the main loop. Plugins stay resident
 * because a timed-out call may still be running in one.
 */
#include "config.h"

#include <gmodule.h>
#include <string.h>

#include "sprig/se-error.h"
#include "se-tools-private.h"
#include "se-tool-schema.h"
#include "sprig-tool.h"

typedef struct
{
  const SprigToolInfo *info;
  SeToolSchema *schema;
  char *definition;
} Tool;

struct _SeToolRegistry
{
  GPtrArray *tools;   /* Tool */
  gint64 call_timeout_us;             /* sets SprigToolCall.deadline_us; 0: none */
  SeToolReturnNotify return_notify;   /* the tool host's watchdog */
  gpointer return_notify_data;
};

static void
tool_free (Tool *t)
{
  if (t == NULL)
    return;
  _se_tool_schema_free (t->schema);
  g_free (t->definition);
  g_free (t);
}

SeToolRegistry *
_se_tool_registry_new (void)
{
  SeToolRegistry *reg = g_new0 (SeToolRegistry, 1);

  reg->tools = g_ptr_array_new_with_free_func ((GDestroyNotify) tool_free);
  return reg;
}

void
_se_tool_registry_free (SeToolRegistry *registry)
{
  if (registry == NULL)
    return;
  g_ptr_array_unref (registry->tools);
  g_free (registry);
}

static Tool *
find_tool (SeToolRegistry *reg,
           const char     *name)
{
  for (guint i = 0; i < reg->tools->len; i++)
    {
      Tool *t = g_ptr_array_index (reg->tools, i);

      if (g_str_equal (t->info->name, name))
        return t;
    }
  return NULL;
}

static gboolean
check_plugin (const SprigToolPlugin *plugin,
              const char            *path,
              GError               **error)
{
  if (plugin == NULL)
    return g_set_error (error, SE_ERROR, SE_ERROR_PLUGIN,
                        "Tool plugin %s returned nothing from %s()", path,
                        SPRIG_TOOL_ENTRY_SYMBOL), FALSE;
  if (plugin->abi_major != SPRIG_TOOL_ABI_MAJOR)
    return g_set_error (error, SE_ERROR, SE_ERROR_PLUGIN,
                        "Tool plugin %s was built for tool ABI %u, this Sprig needs ABI %u",
                        path, plugin->abi_major, SPRIG_TOOL_ABI_MAJOR), FALSE;
  if (plugin->struct_size < sizeof (SprigToolPlugin) || plugin->info_size < sizeof (SprigToolInfo))
    return g_set_error (error, SE_ERROR, SE_ERROR_PLUGIN,
                        "Tool plugin %s has structs of %u and %u bytes, at least %zu and %zu "
                        "are needed", path, plugin->struct_size, plugin->info_size,
                        sizeof (SprigToolPlugin), sizeof (SprigToolInfo)), FALSE;
  if (plugin->n_tools == 0 || plugin->n_tools > 64 || plugin->tools == NULL)
    return g_set_error (error, SE_ERROR, SE_ERROR_PLUGIN,
                        "Tool plugin %s declares no tools (or more than 64)", path), FALSE;
  return TRUE;
}

static char *
make_definition (const SprigToolInfo *info,
                 const SeJsonNode    *params)
{
  GString *out = g_string_new ("{\"type\": \"function\", \"function\": {\"name\": ");
  g_autofree char *schema = se_json_node_to_string (params, SE_JSON_STYLE_TOJSON);

  se_json_append_string (out, info->name, strlen (info->name));
  g_string_append (out, ", \"description\": ");
  se_json_append_string (out, info->description ? info->description : "",
                         info->description ? strlen (info->description) : 0);
  g_string_append_printf (out, ", \"parameters\": %s}}", schema);
  return g_string_free (out, FALSE);
}

static gboolean
add_tools (SeToolRegistry        *reg,
           const SprigToolPlugin *plugin,
           const char            *path,
           GError               **error)
{
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func ((GDestroyNotify) tool_free);

  for (guint i = 0; i < plugin->n_tools; i++)
    {
      const SprigToolInfo *info = (const SprigToolInfo *) (const void *)
        ((const guint8 *) plugin->tools + (gsize) i * plugin->info_size);
      g_autoptr(SeJsonNode) params = NULL;
      g_autoptr(GError) local = NULL;
      Tool *t;

      if (info->name == NULL || info->parameters == NULL || info->invoke == NULL)
        return g_set_error (error, SE_ERROR, SE_ERROR_PLUGIN,
                            "Tool %u of plugin %s has no name, schema or function", i, path),
               FALSE;
      if (find_tool (reg, info->name) != NULL)
        return g_set_error (error, SE_ERROR, SE_ERROR_PLUGIN,
                            "Tool plugin %s defines “%s”, which is already loaded", path,
                            info->name), FALSE;
      t = g_new0 (Tool, 1);
      t->info = info;
      g_ptr_array_add (added, t);
      if ((params = se_json_parse (info->parameters, -1, &local)) == NULL
          || (t->schema = _se_tool_schema_compile (params, &local)) == NULL)
        return g_set_error (error, SE_ERROR, SE_ERROR_PLUGIN,
                            "Tool “%s” of plugin %s has a bad parameter schema: %s", info->name,
                            path, local->message), FALSE;
      t->definition = make_definition (info, params);
    }
  for (guint i = 0; i < added->len; i++)
    g_ptr_array_add (reg->tools, g_steal_pointer (&added->pdata[i]));
  return TRUE;
}

gboolean
_se_tool_registry_load (SeToolRegistry *registry,
                        const char     *path,
                        GError        **error)
{
  GModule *module;
  SprigToolEntryFunc entry = NULL;
  const SprigToolPlugin *plugin;

  g_return_val_if_fail (registry != NULL && path != NULL, FALSE);

  module = g_module_open (path, G_MODULE_BIND_LOCAL | G_MODULE_BIND_LAZY);
  if (module == NULL)
    return g_set_error (error, SE_ERROR, SE_ERROR_PLUGIN, "Could not load tool plugin %s: %s",
                        path, g_module_error ()), FALSE;
  if (!g_module_symbol (module, SPRIG_TOOL_ENTRY_SYMBOL, (gpointer *) &entry) || entry == NULL)
    {
      g_set_error (error, SE_ERROR, SE_ERROR_PLUGIN,
                   "Tool plugin %s does not export %s()", path, SPRIG_TOOL_ENTRY_SYMBOL);
      g_module_close (module);
      return FALSE;
    }
  plugin = entry ();
  if (!check_plugin (plugin, path, error) || !add_tools (registry, plugin, path, error))
    {
      g_module_close (module);
      return FALSE;
    }
  g_module_make_resident (module);
  return TRUE;
}

GPtrArray *
_se_tool_registry_get_definitions (SeToolRegistry *registry)
{
  GPtrArray *defs = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < registry->tools->len; i++)
    g_ptr_array_add (defs, g_strdup (((Tool *) g_ptr_array_index (registry->tools, i))->definition));
  return defs;
}

guint
_se_tool_registry_get_n_tools (SeToolRegistry *registry)
{
  return registry->tools->len;
}

const SprigToolInfo *
_se_tool_registry_get_info (SeToolRegistry *registry,
                            guint           index)
{
  g_return_val_if_fail (index < registry->tools->len, NULL);
  return ((Tool *) g_ptr_array_index (registry->tools, index))->info;
}

gboolean
_se_tool_registry_has_tool (SeToolRegistry *registry,
                            const char     *name)
{
  return find_tool (registry, name) != NULL;
}

void
_se_tool_registry_set_host_hooks (SeToolRegistry     *registry,
                                  guint               call_timeout_ms,
                                  SeToolReturnNotify  return_notify,
                                  gpointer            user_data)
{
  registry->call_timeout_us = (gint64) call_timeout_ms * 1000;
  registry->return_notify = return_notify;
  registry->return_notify_data = user_data;
}

/* The host side of one SprigToolCall. */
typedef struct
{
  SprigToolCall call;
  GCancellable *cancellable;
  char *result;
  char *error;
} HostCall;

static int
host_is_cancelled (const SprigToolCall *call)
{
  return g_cancellable_is_cancelled (((const HostCall *) (const void *) call)->cancellable);
}

static void
host_set_result (SprigToolCall *call,
                 const char    *text,
                 size_t         len)
{
  HostCall *hc = (HostCall *) (void *) call;

  g_free (hc->result);
  hc->result = g_utf8_make_valid (text ? text : "", text ? (gssize) len : 0);
}

static void
host_set_error (SprigToolCall *call,
                const char    *message)
{
  HostCall *hc = (HostCall *) (void *) call;

  g_free (hc->error);
  hc->error = g_utf8_make_valid (message ? message : "the tool failed", -1);
}

static void
invoke_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  const SprigToolInfo *info = task_data;
  SeToolRegistry *reg = g_object_get_data (G_OBJECT (task), "registry");
  char *arguments = g_object_get_data (G_OBJECT (task), "arguments");
  gint64 deadline = reg->call_timeout_us > 0 ? g_get_monotonic_time () + reg->call_timeout_us : 0;
  HostCall hc = { { sizeof (SprigToolCall), arguments, deadline, host_is_cancelled,
                    host_set_result, host_set_error, NULL }, cancellable, NULL, NULL };
  int rc = info->invoke (&hc.call);

  if (reg->return_notify != NULL)
    reg->return_notify (cancellable, reg->return_notify_data);

  if (rc == 0 && hc.result != NULL)
    g_task_return_pointer (task, g_steal_pointer (&hc.result), g_free);
  else
    g_task_return_new_error (task, SE_ERROR, SE_ERROR_FAILED, "%s",
                             hc.error ? hc.error : "the tool returned no result");
  g_free (hc.result);
  g_free (hc.error);
}

static void
registry_run_async (gpointer             runner,
                    const char          *name,
                    const char          *arguments,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  SeToolRegistry *reg = runner;
  g_autoptr(GTask) task = NULL;
  g_autoptr(SeJsonNode) args = NULL;
  g_autoptr(GError) error = NULL;
  Tool *t = find_tool (reg, name);

  /* the worker reads the deadline and the return hook from the registry */
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_object_set_data (G_OBJECT (task), "registry", reg);
  if (t == NULL)
    {
      g_task_return_new_error (task, SE_ERROR, SE_ERROR_INVALID, "there is no tool “%s”", name);
      return;
    }
  if ((args = se_json_parse (arguments, -1, &error)) == NULL
      || !_se_tool_schema_validate (t->schema, args, &error))
    {
      g_task_return_new_error (task, SE_ERROR, SE_ERROR_INVALID, "invalid arguments: %s",
                               error->message);
      return;
    }
  g_object_set_data_full (G_OBJECT (task), "arguments", g_strdup (arguments), g_free);
  g_task_set_task_data (task, (gpointer) t->info, NULL);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, invoke_thread);
}

static char *
registry_run_finish (gpointer      runner,
                     GAsyncResult *result,
                     GError      **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

const SeToolRunnerIface _se_tool_registry_runner = {
  registry_run_async,
  registry_run_finish,
};
