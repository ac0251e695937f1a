/* SPDX-License-Identifier: Apache-2.0
 *
 * sprig-toolhost: runs sprig-tool.h plugins in a process of their own and serves them
 * over MCP (JSON-RPC 2.0, one message per line on stdin/stdout), so a plugin that
 * crashes or hangs takes down only this process. Plugins come from the command line
 * (.so files or .plugin key files) or --plugin-dir folders of key files; one that fails
 * to load is reported (stderr and the initialize result's _meta) and the others served.
 * Calls run on worker threads through the tool registry; a call the client cancels
 * that does not return within the grace period makes the host exit, because a thread
 * cannot be stopped any other way.
 *
 *   sprig-toolhost [--call-timeout MS] [--cancel-grace MS] [--plugin-dir DIR]… [PLUGIN]…
 */
#include "config.h"

#include <gio/gunixinputstream.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "se-tools-private.h"
#include "sprig-jsonrpc.h"
#include "sprig-tool-keyfile.h"

#define LOAD_ERRORS_META "io.github.sprigchat/loadErrors"
#define PLUGIN_META "io.github.sprigchat/plugin"
#define EXIT_HUNG_TOOL 70

static const char *const protocol_versions[] = { "2025-11-25", "2025-06-18", NULL };

typedef struct
{
  SeToolRegistry *registry;
  GPtrArray *load_errors;     /* char* */
  GPtrArray *plugin_ids;      /* char*, one per tool of the registry, in its order */
  GMainLoop *loop;
  GDataInputStream *in;
  int out_fd;
  gboolean initialize_done;
  gboolean input_closed;
  guint cancel_grace_ms;
  GHashTable *running;        /* id text → Run */
} Host;

typedef struct
{
  Host *host;
  char *id;
  char *tool;
  GCancellable *cancellable;
  gboolean cancelled;         /* by the client: no answer is sent */
} Run;

static void
run_free (Run *run)
{
  g_free (run->id);
  g_free (run->tool);
  g_clear_object (&run->cancellable);
  g_free (run);
}

static void
host_send (Host *host,
           char *line)
{
  gsize len = strlen (line), done = 0;

  while (done < len)
    {
      gssize n = write (host->out_fd, line + done, len - done);

      if (n < 0)
        {
          /* the client is gone: nothing left to serve */
          g_printerr ("sprig-toolhost: cannot write to the client: %s\n", g_strerror (errno));
          _exit (0);
        }
      done += (gsize) n;
    }
  g_free (line);
}

static void
send_error (Host       *host,
            const char *id,
            int         code,
            const char *message)
{
  host_send (host, sprig_jsonrpc_error_line (id, code, message));
}

static void
maybe_quit (Host *host)
{
  if (host->input_closed && g_hash_table_size (host->running) == 0)
    g_main_loop_quit (host->loop);
}

/* Worker thread: the plugin's invoke() returned. */
static void
call_returned (GCancellable *call_cancellable,
               gpointer      user_data)
{
  if (call_cancellable != NULL)
    g_object_set_data (G_OBJECT (call_cancellable), "sprig-returned", GINT_TO_POINTER (1));
}

static gboolean
watchdog_cb (gpointer user_data)
{
  GCancellable *c = user_data;

  if (g_object_get_data (G_OBJECT (c), "sprig-returned") == NULL)
    {
      g_printerr ("sprig-toolhost: tool “%s” did not stop after it was cancelled; exiting\n",
                  (const char *) g_object_get_data (G_OBJECT (c), "sprig-tool"));
      _exit (EXIT_HUNG_TOOL);
    }
  return G_SOURCE_REMOVE;
}

static gboolean
quit_now_cb (gpointer user_data)
{
  _exit (0);
}

static void
run_cancel (Host *host,
            Run  *run)
{
  if (run->cancelled)
    return;
  run->cancelled = TRUE;
  g_object_set_data_full (G_OBJECT (run->cancellable), "sprig-tool", g_strdup (run->tool),
                          g_free);
  g_cancellable_cancel (run->cancellable);
  g_timeout_add_full (G_PRIORITY_DEFAULT, host->cancel_grace_ms, watchdog_cb,
                      g_object_ref (run->cancellable), g_object_unref);
}

static void
append_text_result (GString    *out,
                    const char *text,
                    gboolean    is_error)
{
  g_string_append (out, "{\"content\":[{\"type\":\"text\",");
  sprig_json_append_member_string (out, "text", text);
  g_string_append_printf (out, "}],\"isError\":%s}", is_error ? "true" : "false");
}

static void
call_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Run *run = user_data;
  Host *host = run->host;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = _se_tool_registry_runner.run_finish (host->registry, result, &error);

  if (!run->cancelled)   /* a cancelled request gets no answer (MCP cancellation) */
    {
      GString *out = g_string_new (NULL);

      append_text_result (out, text ? text : error->message, text == NULL);
      host_send (host, sprig_jsonrpc_result_line (run->id, out->str));
      g_string_free (out, TRUE);
    }
  g_hash_table_remove (host->running, run->id);
  maybe_quit (host);
}

static void
handle_call (Host                      *host,
             const SprigJsonRpcMessage *msg)
{
  const char *name = sprig_json_get_string (msg->params, "name");
  SeJsonNode *args = msg->params ? se_json_node_get_member (msg->params, "arguments") : NULL;
  g_autofree char *args_text = NULL;
  Run *run;

  g_autofree char *unknown = NULL;

  if (name == NULL || (args != NULL && se_json_node_get_node_type (args) != SE_JSON_OBJECT))
    {
      send_error (host, msg->id, SPRIG_JSONRPC_INVALID_PARAMS,
                  "tools/call needs a string “name” and an object “arguments”");
      return;
    }
  if (!_se_tool_registry_has_tool (host->registry, name))
    {
      unknown = g_strdup_printf ("Unknown tool: %s", name);
      send_error (host, msg->id, SPRIG_JSONRPC_INVALID_PARAMS, unknown);
      return;
    }
  if (g_hash_table_contains (host->running, msg->id))
    {
      send_error (host, msg->id, SPRIG_JSONRPC_INVALID_REQUEST,
                  "a request with this id is still running");
      return;
    }
  args_text = args ? se_json_node_to_string (args, SE_JSON_STYLE_COMPACT) : g_strdup ("{}");
  run = g_new0 (Run, 1);
  run->host = host;
  run->id = g_strdup (msg->id);
  run->tool = g_strdup (name);
  run->cancellable = g_cancellable_new ();
  g_hash_table_insert (host->running, run->id, run);
  _se_tool_registry_runner.run_async (host->registry, name, args_text, run->cancellable,
                                      call_done, run);
}

static void
handle_list (Host                      *host,
             const SprigJsonRpcMessage *msg)
{
  GString *out = g_string_new ("{\"tools\":[");

  if (msg->params != NULL && se_json_node_get_member (msg->params, "cursor") != NULL)
    {
      g_string_free (out, TRUE);
      send_error (host, msg->id, SPRIG_JSONRPC_INVALID_PARAMS, "Invalid cursor");
      return;
    }
  for (guint i = 0; i < _se_tool_registry_get_n_tools (host->registry); i++)
    {
      const SprigToolInfo *info = _se_tool_registry_get_info (host->registry, i);
      g_autoptr(SeJsonNode) schema = se_json_parse (info->parameters, -1, NULL);
      g_autofree char *schema_text = se_json_node_to_string (schema, SE_JSON_STYLE_COMPACT);

      g_string_append (out, i > 0 ? ",{" : "{");
      sprig_json_append_member_string (out, "name", info->name);
      g_string_append_c (out, ',');
      sprig_json_append_member_string (out, "description", info->description);
      g_string_append_printf (out, ",\"inputSchema\":%s,\"annotations\":{\"readOnlyHint\":%s},",
                              schema_text,
                              (info->flags & SPRIG_TOOL_READ_ONLY) ? "true" : "false");
      /* which plugin serves the tool, so the app can tie it to the key file it enabled */
      g_string_append (out, "\"_meta\":{");
      sprig_json_append_member_string (out, PLUGIN_META, g_ptr_array_index (host->plugin_ids, i));
      g_string_append (out, "}}");
    }
  g_string_append (out, "]}");
  host_send (host, sprig_jsonrpc_result_line (msg->id, out->str));
  g_string_free (out, TRUE);
}

static void
handle_initialize (Host                      *host,
                   const SprigJsonRpcMessage *msg)
{
  const char *asked = sprig_json_get_string (msg->params, "protocolVersion");
  const char *version = protocol_versions[0];
  GString *out;

  if (asked == NULL || host->initialize_done)
    {
      send_error (host, msg->id,
                  asked ? SPRIG_JSONRPC_INVALID_REQUEST : SPRIG_JSONRPC_INVALID_PARAMS,
                  asked ? "already initialized" : "initialize needs a string “protocolVersion”");
      return;
    }
  if (g_strv_contains (protocol_versions, asked))
    version = asked;
  host->initialize_done = TRUE;
  out = g_string_new ("{");
  sprig_json_append_member_string (out, "protocolVersion", version);
  g_string_append (out, ",\"capabilities\":{\"tools\":{\"listChanged\":false}},"
                        "\"serverInfo\":{\"name\":\"sprig-toolhost\",");
  sprig_json_append_member_string (out, "version", PACKAGE_VERSION);
  g_string_append (out, "},\"_meta\":{\"" LOAD_ERRORS_META "\":[");
  for (guint i = 0; i < host->load_errors->len; i++)
    {
      const char *e = g_ptr_array_index (host->load_errors, i);

      if (i > 0)
        g_string_append_c (out, ',');
      se_json_append_string (out, e, strlen (e));
    }
  g_string_append (out, "]}}");
  host_send (host, sprig_jsonrpc_result_line (msg->id, out->str));
  g_string_free (out, TRUE);
}

static void
handle_notification (Host                      *host,
                     const SprigJsonRpcMessage *msg)
{
  SeJsonNode *id;
  g_autofree char *id_text = NULL;
  Run *run;

  if (!g_str_equal (msg->method, "notifications/cancelled") || msg->params == NULL
      || (id = se_json_node_get_member (msg->params, "requestId")) == NULL)
    return;   /* notifications/initialized and anything unknown need nothing */
  id_text = se_json_node_to_string (id, SE_JSON_STYLE_COMPACT);
  if ((run = g_hash_table_lookup (host->running, id_text)) != NULL)
    run_cancel (host, run);
}

static void
handle_line (Host       *host,
             const char *line,
             gsize       len)
{
  SprigJsonRpcMessage msg;
  g_autoptr(GError) error = NULL;

  if (!sprig_jsonrpc_parse (line, len, &msg, &error))
    send_error (host, msg.id, error->code, error->message);
  else if (msg.kind == SPRIG_JSONRPC_NOTIFICATION)
    handle_notification (host, &msg);
  else if (msg.kind == SPRIG_JSONRPC_RESPONSE)
    ;   /* this server sends no requests, so there is nothing to match */
  else if (g_str_equal (msg.method, "ping"))
    host_send (host, sprig_jsonrpc_result_line (msg.id, "{}"));
  else if (g_str_equal (msg.method, "initialize"))
    handle_initialize (host, &msg);
  else if (!host->initialize_done)
    send_error (host, msg.id, SPRIG_JSONRPC_INVALID_REQUEST,
                "the session is not initialized: send initialize first");
  else if (g_str_equal (msg.method, "tools/list"))
    handle_list (host, &msg);
  else if (g_str_equal (msg.method, "tools/call"))
    handle_call (host, &msg);
  else
    {
      g_autofree char *m = g_strdup_printf ("Method not found: %s", msg.method);

      send_error (host, msg.id, SPRIG_JSONRPC_METHOD_NOT_FOUND, m);
    }
  sprig_jsonrpc_message_clear (&msg);
}

static void
read_line_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Host *host = user_data;
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (host->in, result, &len,
                                                                     &error);

  if (line == NULL && error != NULL && g_error_matches (error, G_CONVERT_ERROR,
                                                        G_CONVERT_ERROR_ILLEGAL_SEQUENCE))
    send_error (host, NULL, SPRIG_JSONRPC_PARSE_ERROR, "Parse error: the line is not UTF-8");
  else if (line == NULL)
    {
      /* the client closed stdin: answer what runs, but not for longer than the grace */
      host->input_closed = TRUE;
      maybe_quit (host);
      g_timeout_add (host->cancel_grace_ms, quit_now_cb, host);
      return;
    }
  else
    {
      if (len > 0 && line[len - 1] == '\r')
        line[--len] = '\0';
      if (len > 0)
        handle_line (host, line, len);
    }
  g_data_input_stream_read_line_async (host->in, G_PRIORITY_DEFAULT, NULL, read_line_cb, host);
}

static void
load_error (Host       *host,
            const char *message)
{
  g_printerr ("sprig-toolhost: %s\n", message);
  g_ptr_array_add (host->load_errors, g_strdup (message));
}

static void
load_plugin (Host       *host,
             const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SprigToolPluginInfo) info = NULL;
  g_autofree char *id = NULL;
  const char *module = path;
  guint n_before = _se_tool_registry_get_n_tools (host->registry);

  if (g_str_has_suffix (path, SPRIG_TOOL_KEY_FILE_SUFFIX))
    {
      if ((info = sprig_tool_plugin_info_load (path, &error)) == NULL)
        {
          load_error (host, error->message);
          return;
        }
      module = info->module_path;
      id = g_strdup (info->id);
    }
  else
    {
      g_autofree char *base = g_path_get_basename (path);

      id = g_str_has_suffix (base, ".so") ? g_strndup (base, strlen (base) - 3)
                                          : g_steal_pointer (&base);
    }
  if (!_se_tool_registry_load (host->registry, module, &error))
    {
      load_error (host, error->message);
      return;
    }
  /* a module adds all its tools or none, at the end of the registry */
  for (guint i = n_before; i < _se_tool_registry_get_n_tools (host->registry); i++)
    g_ptr_array_add (host->plugin_ids, g_strdup (id));
}

static void
load_dirs (Host              *host,
           const char *const *dirs)
{
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(GPtrArray) infos = sprig_tool_plugin_info_scan (dirs, &errors);

  for (guint i = 0; i < errors->len; i++)
    load_error (host, ((GError *) g_ptr_array_index (errors, i))->message);
  for (guint i = 0; i < infos->len; i++)
    load_plugin (host, ((SprigToolPluginInfo *) g_ptr_array_index (infos, i))->path);
}

/* stdout is the protocol; anything a plugin prints goes to stderr instead. */
static int
take_stdout (void)
{
  int fd = dup (STDOUT_FILENO);

  if (fd < 0 || dup2 (STDERR_FILENO, STDOUT_FILENO) < 0)
    {
      g_printerr ("sprig-toolhost: cannot set up stdout: %s\n", g_strerror (errno));
      exit (1);
    }
  return fd;
}

int
main (int   argc,
      char *argv[])
{
  Host host = { 0 };
  int call_timeout = 30000, grace = 2000;
  g_auto(GStrv) dirs = NULL, plugins = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stdin_stream = NULL;
  g_autoptr(GOptionContext) ctx = g_option_context_new ("[PLUGIN.so|PLUGIN.plugin]…");
  GOptionEntry entries[] = {
    { "plugin-dir", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &dirs,
      "Load every plugin whose key file is in DIR", "DIR" },
    { "call-timeout", 0, 0, G_OPTION_ARG_INT, &call_timeout,
      "The deadline a plugin is given for a call (default 30000)", "MS" },
    { "cancel-grace", 0, 0, G_OPTION_ARG_INT, &grace,
      "Exit when a cancelled call has not returned after MS (default 2000)", "MS" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &plugins, NULL, NULL },
    { NULL }
  };

  g_option_context_set_summary (ctx, "Serves Sprig tool plugins over MCP on stdin/stdout.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("sprig-toolhost: %s\n", error->message);
      return 2;
    }
  signal (SIGPIPE, SIG_IGN);
  host.out_fd = take_stdout ();
  host.cancel_grace_ms = (guint) MAX (grace, 1);
  host.registry = _se_tool_registry_new ();
  _se_tool_registry_set_host_hooks (host.registry, (guint) MAX (call_timeout, 0), call_returned,
                                    NULL);
  host.load_errors = g_ptr_array_new_with_free_func (g_free);
  host.plugin_ids = g_ptr_array_new_with_free_func (g_free);
  host.running = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) run_free);
  if (dirs != NULL)
    load_dirs (&host, (const char *const *) dirs);
  for (guint i = 0; plugins != NULL && plugins[i] != NULL; i++)
    load_plugin (&host, plugins[i]);

  host.loop = g_main_loop_new (NULL, FALSE);
  stdin_stream = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  host.in = g_data_input_stream_new (stdin_stream);
  g_data_input_stream_set_newline_type (host.in, G_DATA_STREAM_NEWLINE_TYPE_LF);
  g_data_input_stream_read_line_async (host.in, G_PRIORITY_DEFAULT, NULL, read_line_cb, &host);
  g_main_loop_run (host.loop);

  /* worker threads may still hold plugin calls; exit without unwinding under them */
  _exit (0);
}
