/* SPDX-License-Identifier: Apache-2.0
 *
 * The MCP client: one server process at a time (Proc), requests matched to answers by
 * id (Pending), callers waiting for the handshake (Waiter). A Proc outlives its place
 * in the client until its exit is seen, so the answers, errors and exit of an old
 * process never touch the next one. Every callback runs on the client's main context.
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include "se-tools-private.h"
#include "sprig-jsonrpc.h"
#include "sprig-mcp-client-private.h"

#define LOAD_ERRORS_META "io.github.sprigchat/loadErrors"
#define PLUGIN_META "io.github.sprigchat/plugin"
#define MAX_LIST_PAGES 64
#define MAX_BACKOFF_MS 30000

G_DEFINE_QUARK (sprig-mcp-error-quark, sprig_mcp_error)

static const char *const protocol_versions[] = { SPRIG_MCP_PROTOCOL_LATEST, "2025-06-18", NULL };

typedef struct _Proc Proc;

struct _SprigMcpClient
{
  GObject parent_instance;

  char **argv;
  GMainContext *context;
  guint call_timeout_ms;
  gsize max_output;
  guint max_restarts;
  guint backoff_ms;

  Proc *proc;             /* the running server, or NULL */
  gboolean ready;         /* handshake and tools/list done */
  GQueue waiters;         /* Waiter: callers waiting for ready */
  GSource *start_delay;   /* the backoff before a restart */
  guint failures;         /* stops in a row without a successful call */
  guint n_starts;
  char *last_stop;
  gint64 next_id;

  GPtrArray *tools;       /* SprigMcpTool */
  GPtrArray *new_tools;   /* while tools/list pages come in */
  GPtrArray *relist_tools;  /* the same for a list after notifications/tools/list_changed */
  gboolean relisting;     /* such a list is under way */
  gboolean relist_again;  /* and another notification came meanwhile */
  char *protocol_version;
  char *server_name;
  GStrv load_errors;
};

G_DEFINE_FINAL_TYPE (SprigMcpClient, sprig_mcp_client, G_TYPE_OBJECT)

enum
{
  TOOLS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _Proc
{
  gint ref;
  SprigMcpClient *client;   /* NULL once the client let go of this process */
  GSubprocess *sub;
  GOutputStream *in;
  GDataInputStream *out;
  GCancellable *io_cancel;
  GQueue writes;            /* char *: lines not yet written */
  char *writing;            /* the line being written */
  gboolean close_when_written;
  GHashTable *pending;      /* gint64 id → Pending */
  char *stop_reason;        /* why we stopped it, when we did */
  gboolean exited;
  GSource *kill_timer;
  GSource *term_timer;
  GString *capture;         /* a test's stand-in process: lines sent land here */
};

typedef enum
{
  REQ_INITIALIZE,
  REQ_LIST,
  REQ_RELIST,               /* tools/list after notifications/tools/list_changed */
  REQ_CALL,
} ReqKind;

typedef struct
{
  Proc *proc;
  gint64 id;
  ReqKind kind;
  GTask *task;              /* REQ_CALL */
  GSource *timeout;
  GCancellable *cancellable;
  gulong cancel_id;
} Pending;

typedef struct
{
  GTask *task;
  char *name;               /* NULL: a start; else a call to send once ready */
  char *arguments;
} Waiter;

static void proc_kill (Proc *proc, const char *reason);
static void client_proc_stopped (SprigMcpClient *client, Proc *proc, const char *reason);
static void send_call (SprigMcpClient *client, GTask *task, const char *name,
                       const char *arguments);
static void start_relist (Proc *proc);

/* Processes */

static Proc *
proc_ref (Proc *proc)
{
  g_atomic_int_inc (&proc->ref);
  return proc;
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
proc_unref (Proc *proc)
{
  if (!g_atomic_int_dec_and_test (&proc->ref))
    return;
  g_hash_table_unref (proc->pending);
  g_queue_clear_full (&proc->writes, g_free);
  g_free (proc->writing);
  g_free (proc->stop_reason);
  if (proc->capture != NULL)
    g_string_free (proc->capture, TRUE);
  clear_source (&proc->kill_timer);
  clear_source (&proc->term_timer);
  g_clear_object (&proc->io_cancel);
  g_clear_object (&proc->out);
  g_clear_object (&proc->in);
  g_clear_object (&proc->sub);
  g_free (proc);
}

static GSource *
add_timeout (GMainContext *context,
             guint         ms,
             GSourceFunc   func,
             gpointer      data,
             GDestroyNotify notify)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, notify);
  g_source_attach (source, context);
  return source;
}

static void
pending_free (Pending *p)
{
  clear_source (&p->timeout);
  if (p->cancel_id != 0)
    g_cancellable_disconnect (p->cancellable, p->cancel_id);
  g_clear_object (&p->cancellable);
  g_clear_object (&p->task);
  g_free (p);
}

/* Takes the pending request @id out of @proc, or NULL when it is no longer waited for. */
static Pending *
proc_take_pending (Proc  *proc,
                   gint64 id)
{
  Pending *p = NULL;

  if (!g_hash_table_steal_extended (proc->pending, &id, NULL, (gpointer *) &p))
    return NULL;
  return p;
}

static void write_next (Proc *proc);

static void
write_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Proc *proc = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    g_debug ("MCP: writing to the server failed: %s", error->message);   /* exit follows */
  g_clear_pointer (&proc->writing, g_free);
  if (error == NULL)
    write_next (proc);
  proc_unref (proc);
}

static void
write_next (Proc *proc)
{
  if (proc->writing != NULL || proc->exited)
    return;
  proc->writing = g_queue_pop_head (&proc->writes);
  if (proc->writing == NULL)
    {
      if (proc->close_when_written)
        g_output_stream_close (proc->in, NULL, NULL);   /* a pipe closes at once */
      return;
    }
  g_output_stream_write_all_async (proc->in, proc->writing, strlen (proc->writing),
                                   G_PRIORITY_DEFAULT, proc->io_cancel, write_done,
                                   proc_ref (proc));
}

static void
proc_send (Proc *proc,
           char *line)
{
  if (proc->close_when_written || proc->exited)
    {
      g_free (line);
      return;
    }
  if (proc->capture != NULL)
    {
      g_string_append (proc->capture, line);
      g_free (line);
      return;
    }
  g_queue_push_tail (&proc->writes, line);
  write_next (proc);
}

static gboolean
kill_cb (gpointer user_data)
{
  Proc *proc = user_data;

  if (!proc->exited)
    g_subprocess_force_exit (proc->sub);
  return G_SOURCE_REMOVE;
}

static gboolean
term_cb (gpointer user_data)
{
  Proc *proc = user_data;

  if (!proc->exited)
    g_subprocess_send_signal (proc->sub, SIGTERM);
  return G_SOURCE_REMOVE;
}

/* MCP's shutdown: close stdin, then SIGTERM, then SIGKILL. */
static void
proc_shut_down (Proc         *proc,
                GMainContext *context,
                const char   *reason)
{
  if (proc->exited || proc->close_when_written)
    return;
  if (proc->stop_reason == NULL)
    proc->stop_reason = g_strdup (reason);
  proc->close_when_written = TRUE;
  write_next (proc);
  proc->term_timer = add_timeout (context, 2000, term_cb, proc_ref (proc),
                                  (GDestroyNotify) proc_unref);
  proc->kill_timer = add_timeout (context, 4000, kill_cb, proc_ref (proc),
                                  (GDestroyNotify) proc_unref);
}

/* A server that stopped answering or failed its handshake: no grace, and the client
 * lets go of it at once, so the next call starts a new one rather than wait for this
 * one's exit. */
static void
proc_kill (Proc       *proc,
           const char *reason)
{
  if (proc->stop_reason == NULL)
    proc->stop_reason = g_strdup (reason);
  if (!proc->exited)
    g_subprocess_force_exit (proc->sub);
  if (proc->client != NULL)
    client_proc_stopped (proc->client, proc, reason);
}

static char *
describe_exit (GSubprocess *sub)
{
  if (g_subprocess_get_if_signaled (sub))
    {
      int sig = g_subprocess_get_term_sig (sub);

      return g_strdup_printf ("it crashed (signal %d, %s)", sig, g_strsignal (sig));
    }
  return g_strdup_printf ("it exited with status %d", g_subprocess_get_exit_status (sub));
}

static void
wait_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Proc *proc = user_data;
  g_autofree char *reason = NULL;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  proc->exited = TRUE;
  g_cancellable_cancel (proc->io_cancel);
  clear_source (&proc->kill_timer);
  clear_source (&proc->term_timer);
  reason = proc->stop_reason ? g_strdup (proc->stop_reason) : describe_exit (proc->sub);
  if (proc->client != NULL)
    client_proc_stopped (proc->client, proc, reason);
  proc_unref (proc);
}

static void handle_line (Proc *proc, const char *line, gsize len);

static void
read_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Proc *proc = user_data;
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  g_autofree char *line = g_data_input_stream_read_line_finish (proc->out, result, &len, &error);

  if (line == NULL)
    {
      /* end of output: the exit follows; make sure it does */
      if (!proc->exited && proc->kill_timer == NULL && proc->client != NULL)
        proc->kill_timer = add_timeout (proc->client->context, 1000, kill_cb, proc_ref (proc),
                                        (GDestroyNotify) proc_unref);
      proc_unref (proc);
      return;
    }
  if (len > 0 && line[len - 1] == '\r')
    line[--len] = '\0';
  if (len > 0 && proc->client != NULL)
    handle_line (proc, line, len);
  g_data_input_stream_read_line_async (proc->out, G_PRIORITY_DEFAULT, proc->io_cancel, read_done,
                                       proc);
}

static Proc *
proc_new (SprigMcpClient *client)
{
  Proc *proc = g_new0 (Proc, 1);

  proc->ref = 1;
  proc->client = client;
  proc->io_cancel = g_cancellable_new ();
  proc->pending = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                         (GDestroyNotify) pending_free);
  return proc;
}

static Proc *
proc_spawn (SprigMcpClient *client,
            GError        **error)
{
  g_autoptr(GSubprocess) sub = NULL;
  Proc *proc;

  sub = g_subprocess_newv ((const char *const *) client->argv,
                           G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, error);
  if (sub == NULL)
    return NULL;
  proc = proc_new (client);
  proc->sub = g_steal_pointer (&sub);
  proc->in = g_object_ref (g_subprocess_get_stdin_pipe (proc->sub));
  proc->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc->sub));
  g_data_input_stream_set_newline_type (proc->out, G_DATA_STREAM_NEWLINE_TYPE_LF);
  g_subprocess_wait_async (proc->sub, NULL, wait_done, proc_ref (proc));
  g_data_input_stream_read_line_async (proc->out, G_PRIORITY_DEFAULT, proc->io_cancel, read_done,
                                       proc_ref (proc));
  return proc;
}

/* Requests */

static char *
stopped_message (SprigMcpClient *client,
                 const char     *reason)
{
  return g_strdup_printf ("The tool host stopped: %s", reason);
}

static gboolean
pending_timeout_cb (gpointer user_data)
{
  Pending *p = user_data;
  Proc *proc = p->proc;
  SprigMcpClient *client = proc->client;
  g_autofree char *reason = g_strdup_printf ("it did not answer within %u s and was stopped",
                                             (client->call_timeout_ms + 999) / 1000);
  g_autofree char *params = g_strdup_printf ("{\"requestId\":%" G_GINT64_FORMAT ","
                                             "\"reason\":\"timed out\"}", p->id);

  guint seconds = (client->call_timeout_ms + 999) / 1000;

  p = proc_take_pending (proc, p->id);
  g_clear_pointer (&p->timeout, g_source_unref);   /* this source is ending */
  proc_send (proc, sprig_jsonrpc_notification_line ("notifications/cancelled", params));
  /* let go of the process before answering: the caller's next call needs a new one */
  proc_kill (proc, reason);
  if (p->task != NULL)
    g_task_return_new_error (p->task, SPRIG_MCP_ERROR, SPRIG_MCP_ERROR_TIMEOUT,
                             "The tool host stopped: the call got no answer within %u s; "
                             "the host was stopped and restarts with the next call", seconds);
  pending_free (p);
  return G_SOURCE_REMOVE;
}

static Pending *
proc_request (Proc       *proc,
              ReqKind     kind,
              const char *method,
              const char *params,
              GTask      *task)
{
  SprigMcpClient *client = proc->client;
  Pending *p = g_new0 (Pending, 1);

  p->proc = proc;
  p->id = ++client->next_id;
  p->kind = kind;
  p->task = task ? g_object_ref (task) : NULL;
  p->timeout = add_timeout (client->context, client->call_timeout_ms, pending_timeout_cb, p,
                            NULL);
  g_hash_table_insert (proc->pending, &p->id, p);
  proc_send (proc, sprig_jsonrpc_request_line (p->id, method, params));
  return p;
}

/* Waiters and the handshake */

static void
waiter_free (Waiter *w)
{
  g_clear_object (&w->task);
  g_free (w->name);
  g_free (w->arguments);
  g_free (w);
}

static void
fail_waiters (SprigMcpClient *client,
              const GError   *error)
{
  Waiter *w;

  while ((w = g_queue_pop_head (&client->waiters)) != NULL)
    {
      g_task_return_error (w->task, g_error_copy (error));
      waiter_free (w);
    }
}

static void
release_waiters (SprigMcpClient *client)
{
  Waiter *w;

  while ((w = g_queue_pop_head (&client->waiters)) != NULL)
    {
      if (w->name == NULL)
        g_task_return_boolean (w->task, TRUE);
      else if (!g_task_return_error_if_cancelled (w->task))
        send_call (client, w->task, w->name, w->arguments);
      waiter_free (w);
    }
}

static void
fail_start (Proc       *proc,
            int         code,
            const char *message)
{
  SprigMcpClient *client = proc->client;
  g_autoptr(GError) error = g_error_new (SPRIG_MCP_ERROR, code, "%s", message);
  GQueue waiters = client->waiters;
  Waiter *w;

  /* the waiters hear the real reason; a call they make then starts a new process */
  g_queue_init (&client->waiters);
  proc_kill (proc, message);
  while ((w = g_queue_pop_head (&waiters)) != NULL)
    {
      g_task_return_error (w->task, g_error_copy (error));
      waiter_free (w);
    }
}

static void
tool_free (SprigMcpTool *tool)
{
  g_free (tool->name);
  g_free (tool->description);
  g_free (tool->input_schema);
  g_free (tool->plugin_id);
  g_free (tool);
}

/* Appends the tools of one tools/list page to @into; FALSE for a malformed page. */
static gboolean
read_tools (GPtrArray        *into,
            const SeJsonNode *result)
{
  SeJsonNode *tools = se_json_node_get_member (result, "tools");

  if (tools == NULL || se_json_node_get_node_type (tools) != SE_JSON_ARRAY)
    return FALSE;
  for (gsize i = 0; i < se_json_node_get_size (tools); i++)
    {
      SeJsonNode *t = se_json_node_get_element (tools, i);
      SeJsonNode *schema = se_json_node_get_member (t, "inputSchema");
      const char *name = sprig_json_get_string (t, "name");
      SprigMcpTool *tool;

      if (name == NULL || schema == NULL || se_json_node_get_node_type (schema) != SE_JSON_OBJECT)
        return FALSE;
      tool = g_new0 (SprigMcpTool, 1);
      tool->name = g_strdup (name);
      tool->description = g_strdup (sprig_json_get_string (t, "description"));
      tool->input_schema = se_json_node_to_string (schema, SE_JSON_STYLE_COMPACT);
      tool->read_only = sprig_json_get_bool (se_json_node_get_member (t, "annotations"),
                                             "readOnlyHint", FALSE);
      tool->plugin_id = g_strdup (sprig_json_get_string (se_json_node_get_member (t, "_meta"),
                                                         PLUGIN_META));
      g_ptr_array_add (into, tool);
    }
  return TRUE;
}

/* Asks for the page after @result when it names one; FALSE when the list is complete. */
static gboolean
request_next_page (Proc             *proc,
                   ReqKind           kind,
                   const SeJsonNode *result,
                   guint             n_so_far)
{
  const char *cursor = sprig_json_get_string (result, "nextCursor");
  GString *params;

  if (cursor == NULL || n_so_far >= MAX_LIST_PAGES * 1000)
    return FALSE;
  params = g_string_new ("{");
  sprig_json_append_member_string (params, "cursor", cursor);
  g_string_append_c (params, '}');
  proc_request (proc, kind, "tools/list", params->str, NULL);
  g_string_free (params, TRUE);
  return TRUE;
}

static GPtrArray *
tool_array_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) tool_free);
}

static void
on_list (Proc             *proc,
         const SeJsonNode *result)
{
  SprigMcpClient *client = proc->client;

  if (!read_tools (client->new_tools, result))
    {
      fail_start (proc, SPRIG_MCP_ERROR_PROTOCOL, "its tools/list answer is malformed");
      return;
    }
  if (request_next_page (proc, REQ_LIST, result, client->new_tools->len))
    return;
  g_ptr_array_unref (client->tools);
  client->tools = g_steal_pointer (&client->new_tools);
  client->new_tools = tool_array_new ();
  client->ready = TRUE;
  /* a list_changed that came during the handshake may not be in this list */
  if (client->relist_again)
    {
      client->relist_again = FALSE;
      start_relist (proc);
    }
  release_waiters (client);
}

/* notifications/tools/list_changed: one list at a time; a notification during it asks
 * for one more afterwards, so the last change is never missed. */
static void
start_relist (Proc *proc)
{
  SprigMcpClient *client = proc->client;

  if (!client->ready || client->relisting)
    {
      client->relist_again = TRUE;
      return;
    }
  client->relisting = TRUE;
  g_ptr_array_set_size (client->relist_tools, 0);
  proc_request (proc, REQ_RELIST, "tools/list", NULL, NULL);
}

/* A bad answer to a relist keeps the tools the client has: the server still works. */
static void
on_relist (Proc             *proc,
           const SeJsonNode *result,
           const GError     *error)
{
  SprigMcpClient *client = proc->client;
  gboolean changed = FALSE;

  if (error != NULL)
    g_debug ("MCP: listing the changed tools failed: %s", error->message);
  else if (!read_tools (client->relist_tools, result))
    g_debug ("MCP: ignoring a malformed tools/list answer after list_changed");
  else if (request_next_page (proc, REQ_RELIST, result, client->relist_tools->len))
    return;
  else
    {
      g_ptr_array_unref (client->tools);
      client->tools = g_steal_pointer (&client->relist_tools);
      client->relist_tools = tool_array_new ();
      changed = TRUE;
    }
  g_ptr_array_set_size (client->relist_tools, 0);
  client->relisting = FALSE;
  if (client->relist_again)
    {
      client->relist_again = FALSE;
      start_relist (proc);
    }
  if (changed)
    {
      g_object_ref (client);
      g_signal_emit (client, signals[TOOLS_CHANGED], 0);
      g_object_unref (client);
    }
}

static void
read_load_errors (SprigMcpClient   *client,
                  const SeJsonNode *result)
{
  SeJsonNode *meta = se_json_node_get_member (result, "_meta");
  SeJsonNode *list = meta ? se_json_node_get_member (meta, LOAD_ERRORS_META) : NULL;
  GPtrArray *errors = g_ptr_array_new ();

  for (gsize i = 0; list && se_json_node_get_node_type (list) == SE_JSON_ARRAY
                    && i < se_json_node_get_size (list); i++)
    {
      SeJsonNode *e = se_json_node_get_element (list, i);

      if (se_json_node_get_node_type (e) == SE_JSON_STRING)
        g_ptr_array_add (errors, g_strdup (se_json_node_get_string (e, NULL)));
    }
  g_ptr_array_add (errors, NULL);
  g_strfreev (client->load_errors);
  client->load_errors = (GStrv) g_ptr_array_free (errors, FALSE);
}

static void
on_initialize (Proc             *proc,
               const SeJsonNode *result)
{
  SprigMcpClient *client = proc->client;
  const char *version = sprig_json_get_string (result, "protocolVersion");
  SeJsonNode *info = se_json_node_get_member (result, "serverInfo");

  if (version == NULL || !g_strv_contains (protocol_versions, version))
    {
      g_autofree char *m = g_strdup_printf ("it speaks MCP protocol version %s; Sprig speaks "
                                            "%s and %s", version ? version : "(none)",
                                            protocol_versions[0], protocol_versions[1]);

      fail_start (proc, SPRIG_MCP_ERROR_PROTOCOL, m);
      return;
    }
  g_free (client->protocol_version);
  client->protocol_version = g_strdup (version);
  g_free (client->server_name);
  client->server_name = g_strdup (sprig_json_get_string (info, "name"));
  read_load_errors (client, result);
  proc_send (proc, sprig_jsonrpc_notification_line ("notifications/initialized", NULL));
  g_ptr_array_set_size (client->new_tools, 0);
  proc_request (proc, REQ_LIST, "tools/list", NULL, NULL);
}

/* Answers */

static char *
content_text (const SeJsonNode *result)
{
  SeJsonNode *content = se_json_node_get_member (result, "content");
  GString *out = g_string_new (NULL);

  for (gsize i = 0; content && se_json_node_get_node_type (content) == SE_JSON_ARRAY
                    && i < se_json_node_get_size (content); i++)
    {
      SeJsonNode *item = se_json_node_get_element (content, i);
      const char *type = sprig_json_get_string (item, "type");
      const char *text = sprig_json_get_string (item, "text");

      if (out->len > 0)
        g_string_append_c (out, '\n');
      if (type != NULL && g_str_equal (type, "text") && text != NULL)
        g_string_append (out, text);
      else
        g_string_append_printf (out, "[%s content omitted]", type ? type : "unknown");
    }
  return g_string_free (out, FALSE);
}

static void
on_call (SprigMcpClient   *client,
         GTask            *task,
         const SeJsonNode *result)
{
  g_autofree char *text = content_text (result);
  gboolean truncated = FALSE;

  client->failures = 0;   /* the server works: restarts count from zero again */
  if (sprig_json_get_bool (result, "isError", FALSE))
    g_task_return_new_error (task, SPRIG_MCP_ERROR, SPRIG_MCP_ERROR_TOOL, "%s", text);
  else
    g_task_return_pointer (task, _se_tool_truncate_output (text, client->max_output, &truncated),
                           g_free);
}

static void
on_response (Proc                      *proc,
             const SprigJsonRpcMessage *msg)
{
  g_autoptr(GError) error = NULL;
  char *end = NULL;
  gint64 id = g_ascii_strtoll (msg->id, &end, 10);
  Pending *p;

  if (end == msg->id || *end != '\0' || (p = proc_take_pending (proc, id)) == NULL)
    return;   /* not ours, or answered after a timeout or cancel */
  if (msg->error != NULL || se_json_node_get_node_type (msg->result) != SE_JSON_OBJECT)
    {
      const char *m = msg->error ? sprig_json_get_string (msg->error, "message") : NULL;

      error = g_error_new (SPRIG_MCP_ERROR, SPRIG_MCP_ERROR_REMOTE, "%s",
                           m ? m : "the server answered with an error");
    }
  if (p->kind == REQ_RELIST)
    on_relist (proc, msg->result, error);
  else if (p->kind == REQ_CALL && error != NULL)
    g_task_return_error (p->task, g_steal_pointer (&error));
  else if (p->kind == REQ_CALL)
    on_call (proc->client, p->task, msg->result);
  else if (error != NULL)
    {
      g_autofree char *m = g_strdup_printf ("its handshake failed: %s", error->message);

      fail_start (proc, SPRIG_MCP_ERROR_PROTOCOL, m);
    }
  else if (p->kind == REQ_INITIALIZE)
    on_initialize (proc, msg->result);
  else
    on_list (proc, msg->result);
  pending_free (p);
}

static void
handle_line (Proc       *proc,
             const char *line,
             gsize       len)
{
  SprigJsonRpcMessage msg;
  g_autoptr(GError) error = NULL;

  if (!sprig_jsonrpc_parse (line, len, &msg, &error))
    g_debug ("MCP: ignoring a bad line from the server: %s", error->message);
  else if (msg.kind == SPRIG_JSONRPC_RESPONSE)
    on_response (proc, &msg);
  else if (msg.kind == SPRIG_JSONRPC_NOTIFICATION
           && g_str_equal (msg.method, "notifications/tools/list_changed"))
    start_relist (proc);
  else if (msg.kind == SPRIG_JSONRPC_REQUEST && g_str_equal (msg.method, "ping"))
    proc_send (proc, sprig_jsonrpc_result_line (msg.id, "{}"));
  else if (msg.kind == SPRIG_JSONRPC_REQUEST)   /* sampling, roots…: not offered */
    proc_send (proc, sprig_jsonrpc_error_line (msg.id, SPRIG_JSONRPC_METHOD_NOT_FOUND,
                                               "Method not found"));
  sprig_jsonrpc_message_clear (&msg);
}

/* The client's side of stops and restarts */

static void
client_proc_stopped (SprigMcpClient *client,
                     Proc           *proc,
                     const char     *reason)
{
  g_autofree char *message = stopped_message (client, reason);
  GHashTableIter iter;
  Pending *p;

  g_debug ("MCP: %s", message);
  if (client->proc == proc)
    {
      g_autoptr(GError) error = g_error_new (SPRIG_MCP_ERROR, SPRIG_MCP_ERROR_STOPPED, "%s",
                                             message);

      client->proc = NULL;
      client->ready = FALSE;
      /* the next handshake lists the tools anyway */
      client->relisting = FALSE;
      client->relist_again = FALSE;
      g_ptr_array_set_size (client->relist_tools, 0);
      client->failures++;
      g_free (client->last_stop);
      client->last_stop = g_strdup (reason);
      fail_waiters (client, error);
      proc_unref (proc);
    }
  proc->client = NULL;
  g_hash_table_iter_init (&iter, proc->pending);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &p))
    {
      if (p->task != NULL)
        g_task_return_new_error (p->task, SPRIG_MCP_ERROR, SPRIG_MCP_ERROR_STOPPED, "%s",
                                 message);
      g_hash_table_iter_remove (&iter);
    }
}

static void
client_spawn (SprigMcpClient *client)
{
  g_autoptr(GError) error = NULL;
  GString *params;

  client->proc = proc_spawn (client, &error);
  if (client->proc == NULL)
    {
      g_autofree char *message = stopped_message (client, error->message);
      g_autoptr(GError) stopped = g_error_new (SPRIG_MCP_ERROR, SPRIG_MCP_ERROR_STOPPED, "%s",
                                               message);

      client->failures++;
      g_free (client->last_stop);
      client->last_stop = g_strdup (error->message);
      fail_waiters (client, stopped);
      return;
    }
  client->n_starts++;
  params = g_string_new ("{");
  sprig_json_append_member_string (params, "protocolVersion", SPRIG_MCP_PROTOCOL_LATEST);
  g_string_append (params, ",\"capabilities\":{},\"clientInfo\":{\"name\":\"sprig\",");
  sprig_json_append_member_string (params, "version", PACKAGE_VERSION);
  g_string_append (params, "}}");
  proc_request (client->proc, REQ_INITIALIZE, "initialize", params->str, NULL);
  g_string_free (params, TRUE);
}

static gboolean
start_delay_cb (gpointer user_data)
{
  SprigMcpClient *client = user_data;

  g_clear_pointer (&client->start_delay, g_source_unref);
  client_spawn (client);
  return G_SOURCE_REMOVE;
}

/* Queues @w until the server is ready, starting it (after the backoff) if needed. */
static void
client_wait_ready (SprigMcpClient *client,
                   Waiter         *w)
{
  guint delay;

  if (client->proc == NULL && client->start_delay == NULL
      && client->failures > client->max_restarts)
    {
      g_task_return_new_error (w->task, SPRIG_MCP_ERROR, SPRIG_MCP_ERROR_GAVE_UP,
                               "The tool host stopped %u times in a row and is not restarted "
                               "again; the last time %s", client->failures,
                               client->last_stop ? client->last_stop : "");
      waiter_free (w);
      return;
    }
  g_queue_push_tail (&client->waiters, w);
  if (client->proc != NULL || client->start_delay != NULL)
    return;
  delay = client->failures <= 1 ? 0
          : MIN ((guint64) client->backoff_ms << MIN (client->failures - 2, 16), MAX_BACKOFF_MS);
  client->start_delay = add_timeout (client->context, delay, start_delay_cb, client, NULL);
}

/* Calls */

static void
call_cancelled_idle_done (gpointer data)
{
  g_object_unref (data);
}

static gboolean
call_cancelled_idle (gpointer user_data)
{
  GTask *task = user_data;
  SprigMcpClient *client = g_task_get_source_object (task);
  Proc *proc = client->proc;
  gint64 id = GPOINTER_TO_SIZE (g_task_get_task_data (task));
  Pending *p;

  if (proc == NULL || id == 0 || (p = proc_take_pending (proc, id)) == NULL)
    return G_SOURCE_REMOVE;   /* answered already */
  {
    g_autofree char *params = g_strdup_printf ("{\"requestId\":%" G_GINT64_FORMAT ","
                                               "\"reason\":\"cancelled\"}", id);

    proc_send (proc, sprig_jsonrpc_notification_line ("notifications/cancelled", params));
  }
  g_task_return_new_error (p->task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The tool call was cancelled");
  pending_free (p);
  return G_SOURCE_REMOVE;
}

/* Any thread: finish on the client's context. */
static void
call_cancelled (GCancellable *cancellable,
                gpointer      user_data)
{
  GTask *task = user_data;
  SprigMcpClient *client = g_task_get_source_object (task);
  GSource *idle = g_idle_source_new ();

  g_source_set_callback (idle, call_cancelled_idle, g_object_ref (task), call_cancelled_idle_done);
  g_source_attach (idle, client->context);
  g_source_unref (idle);
}

static void
send_call (SprigMcpClient *client,
           GTask          *task,
           const char     *name,
           const char     *arguments)
{
  GString *params = g_string_new ("{");
  GCancellable *cancellable = g_task_get_cancellable (task);
  Pending *p;

  sprig_json_append_member_string (params, "name", name);
  g_string_append_printf (params, ",\"arguments\":%s}", arguments);
  p = proc_request (client->proc, REQ_CALL, "tools/call", params->str, task);
  g_string_free (params, TRUE);
  g_task_set_task_data (task, GSIZE_TO_POINTER ((gsize) p->id), NULL);
  if (cancellable != NULL)
    {
      p->cancellable = g_object_ref (cancellable);
      p->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (call_cancelled), task, NULL);
    }
}

void
sprig_mcp_client_call_tool_async (SprigMcpClient     *client,
                                  const char         *name,
                                  const char         *arguments,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(SeJsonNode) args = NULL;
  Waiter *w;

  g_return_if_fail (SPRIG_IS_MCP_CLIENT (client) && name != NULL);

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, sprig_mcp_client_call_tool_async);
  args = se_json_parse (arguments ? arguments : "{}", -1, NULL);
  if (args == NULL || se_json_node_get_node_type (args) != SE_JSON_OBJECT)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               "the arguments are not a JSON object");
      return;
    }
  if (client->ready)
    {
      send_call (client, task, name, arguments ? arguments : "{}");
      return;
    }
  w = g_new0 (Waiter, 1);
  w->task = g_steal_pointer (&task);
  w->name = g_strdup (name);
  w->arguments = se_json_node_to_string (args, SE_JSON_STYLE_COMPACT);
  client_wait_ready (client, w);
}

char *
sprig_mcp_client_call_tool_finish (SprigMcpClient *client,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
sprig_mcp_client_start_async (SprigMcpClient     *client,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  Waiter *w;

  g_return_if_fail (SPRIG_IS_MCP_CLIENT (client));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, sprig_mcp_client_start_async);
  if (client->ready)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  w = g_new0 (Waiter, 1);
  w->task = g_steal_pointer (&task);
  client_wait_ready (client, w);
}

gboolean
sprig_mcp_client_start_finish (SprigMcpClient *client,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
sprig_mcp_client_stop (SprigMcpClient *client)
{
  g_return_if_fail (SPRIG_IS_MCP_CLIENT (client));

  clear_source (&client->start_delay);
  if (client->proc == NULL)
    return;
  proc_shut_down (client->proc, client->context, "it was stopped");
  client->failures = 0;
  client->ready = FALSE;
}

void
sprig_mcp_client_reset (SprigMcpClient *client)
{
  g_return_if_fail (SPRIG_IS_MCP_CLIENT (client));
  client->failures = 0;
}

/* Settings and state */

void
sprig_mcp_client_set_call_timeout (SprigMcpClient *client,
                                   guint           timeout_ms)
{
  g_return_if_fail (SPRIG_IS_MCP_CLIENT (client));
  client->call_timeout_ms = timeout_ms > 0 ? timeout_ms : 30000;
}

void
sprig_mcp_client_set_max_output (SprigMcpClient *client,
                                 gsize           max_bytes)
{
  g_return_if_fail (SPRIG_IS_MCP_CLIENT (client));
  client->max_output = max_bytes > 0 ? max_bytes : 16 * 1024;
}

void
sprig_mcp_client_set_restart_policy (SprigMcpClient *client,
                                     guint           max_restarts,
                                     guint           backoff_ms)
{
  g_return_if_fail (SPRIG_IS_MCP_CLIENT (client));
  client->max_restarts = max_restarts;
  client->backoff_ms = backoff_ms;
}

GPtrArray *
sprig_mcp_client_get_tools (SprigMcpClient *client)
{
  g_return_val_if_fail (SPRIG_IS_MCP_CLIENT (client), NULL);
  return client->tools;
}

GPtrArray *
sprig_mcp_client_get_definitions (SprigMcpClient *client)
{
  GPtrArray *defs = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (SPRIG_IS_MCP_CLIENT (client), defs);
  for (guint i = 0; i < client->tools->len; i++)
    {
      SprigMcpTool *t = g_ptr_array_index (client->tools, i);
      GString *out = g_string_new ("{\"type\": \"function\", \"function\": {");

      sprig_json_append_member_string (out, "name", t->name);
      g_string_append (out, ", ");
      sprig_json_append_member_string (out, "description", t->description);
      g_string_append_printf (out, ", \"parameters\": %s}}", t->input_schema);
      g_ptr_array_add (defs, g_string_free (out, FALSE));
    }
  return defs;
}

const char *
sprig_mcp_client_get_protocol_version (SprigMcpClient *client)
{
  g_return_val_if_fail (SPRIG_IS_MCP_CLIENT (client), NULL);
  return client->protocol_version;
}

const char *
sprig_mcp_client_get_server_name (SprigMcpClient *client)
{
  g_return_val_if_fail (SPRIG_IS_MCP_CLIENT (client), NULL);
  return client->server_name;
}

const char *const *
sprig_mcp_client_get_load_errors (SprigMcpClient *client)
{
  static const char *const none[] = { NULL };

  g_return_val_if_fail (SPRIG_IS_MCP_CLIENT (client), none);
  return client->load_errors ? (const char *const *) client->load_errors : none;
}

guint
sprig_mcp_client_get_n_starts (SprigMcpClient *client)
{
  g_return_val_if_fail (SPRIG_IS_MCP_CLIENT (client), 0);
  return client->n_starts;
}

/* The runner for the tool loop */

static void
runner_run_async (gpointer             runner,
                  const char          *name,
                  const char          *arguments,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  sprig_mcp_client_call_tool_async (runner, name, arguments, cancellable, callback, user_data);
}

static char *
runner_run_finish (gpointer      runner,
                   GAsyncResult *result,
                   GError      **error)
{
  return sprig_mcp_client_call_tool_finish (runner, result, error);
}

const SeToolRunnerIface sprig_mcp_client_runner = { runner_run_async, runner_run_finish };

/* Object */

static void
sprig_mcp_client_finalize (GObject *object)
{
  SprigMcpClient *client = SPRIG_MCP_CLIENT (object);

  clear_source (&client->start_delay);
  if (client->proc != NULL)
    {
      Proc *proc = g_steal_pointer (&client->proc);

      if (proc->capture == NULL)   /* a test's stand-in has no process to stop */
        proc_shut_down (proc, client->context, "the client was closed");
      proc->client = NULL;
      proc_unref (proc);
    }
  g_queue_clear_full (&client->waiters, (GDestroyNotify) waiter_free);
  g_strfreev (client->argv);
  g_ptr_array_unref (client->tools);
  g_ptr_array_unref (client->new_tools);
  g_ptr_array_unref (client->relist_tools);
  g_free (client->protocol_version);
  g_free (client->server_name);
  g_free (client->last_stop);
  g_strfreev (client->load_errors);
  g_main_context_unref (client->context);
  G_OBJECT_CLASS (sprig_mcp_client_parent_class)->finalize (object);
}

static void
sprig_mcp_client_class_init (SprigMcpClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sprig_mcp_client_finalize;

  /**
   * SprigMcpClient::tools-changed:
   *
   * The server said its tools changed (notifications/tools/list_changed) and the client
   * has listed them again: sprig_mcp_client_get_tools() and _get_definitions() give the
   * new ones.
   */
  signals[TOOLS_CHANGED] = g_signal_new ("tools-changed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 0);
  /* a server that dies while we write must be an EPIPE error, not the end of the app */
  signal (SIGPIPE, SIG_IGN);
}

static void
sprig_mcp_client_init (SprigMcpClient *client)
{
  client->context = g_main_context_ref_thread_default ();
  client->call_timeout_ms = 30000;
  client->max_output = 16 * 1024;
  client->max_restarts = 5;
  client->backoff_ms = 500;
  client->tools = tool_array_new ();
  client->new_tools = tool_array_new ();
  client->relist_tools = tool_array_new ();
  g_queue_init (&client->waiters);
}

SprigMcpClient *
sprig_mcp_client_new (const char *const *argv)
{
  SprigMcpClient *client;

  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);

  client = g_object_new (SPRIG_TYPE_MCP_CLIENT, NULL);
  client->argv = g_strdupv ((char **) argv);
  return client;
}

/* Test entry points (sprig-mcp-client-private.h) */

SprigMcpClient *
_sprig_mcp_client_new_for_test (void)
{
  static const char *const argv[] = { "false", NULL };
  SprigMcpClient *client = sprig_mcp_client_new (argv);

  client->proc = proc_new (client);
  client->proc->capture = g_string_new (NULL);
  client->protocol_version = g_strdup (SPRIG_MCP_PROTOCOL_LATEST);
  client->ready = TRUE;
  client->n_starts = 1;
  return client;
}

char *
_sprig_mcp_client_feed_line_for_test (SprigMcpClient *client,
                                      const char     *line,
                                      gsize           len)
{
  Proc *proc;
  char *sent;

  g_return_val_if_fail (SPRIG_IS_MCP_CLIENT (client), NULL);
  g_return_val_if_fail (client->proc != NULL && client->proc->capture != NULL, NULL);

  proc = proc_ref (client->proc);
  handle_line (proc, line, len);
  sent = g_strndup (proc->capture->str, proc->capture->len);
  g_string_truncate (proc->capture, 0);
  proc_unref (proc);
  return sent;
}
