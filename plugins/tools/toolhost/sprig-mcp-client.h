/* SPDX-License-Identifier: Apache-2.0
 *
 * An MCP client over stdio for sprig-toolhost and for MCP servers the user adds: starts
 * the server (an argv), does the handshake (protocol 2025-11-25, or 2025-06-18 when the
 * server answers with that), lists the tools and calls them with a timeout, a
 * GCancellable (sent on as notifications/cancelled) and an output cap. Everything is
 * asynchronous on the thread-default main context the client was created in.
 *
 * When the server dies or a call gets no answer in time, the pending calls fail with
 * "The tool host stopped: …" (SPRIG_MCP_ERROR_STOPPED / _TIMEOUT), the process is
 * killed, and the next call starts it again, after a backoff, up to a limit of
 * restarts in a row (then SPRIG_MCP_ERROR_GAVE_UP until sprig_mcp_client_reset()).
 *
 * When the server sends notifications/tools/list_changed, the client lists the tools
 * again (every page) and then emits "tools-changed"; calls keep going meanwhile.
 *
 * The client is a SeToolRunnerIface (sprig_mcp_client_runner, runner data: the client),
 * so the tool loop can run calls through it.
 */
#pragma once

#include <gio/gio.h>

#include "sprig/se-tools.h"

G_BEGIN_DECLS

#define SPRIG_MCP_ERROR (sprig_mcp_error_quark ())
GQuark sprig_mcp_error_quark (void);

typedef enum
{
  SPRIG_MCP_ERROR_STOPPED,    /* the server could not start, died or was stopped */
  SPRIG_MCP_ERROR_TIMEOUT,    /* a call got no answer in time; the server was stopped */
  SPRIG_MCP_ERROR_PROTOCOL,   /* the handshake failed: unknown version, bad answers */
  SPRIG_MCP_ERROR_REMOTE,     /* a JSON-RPC error answer (unknown tool, bad params…) */
  SPRIG_MCP_ERROR_TOOL,       /* the tool ran and reported an error (isError) */
  SPRIG_MCP_ERROR_GAVE_UP,    /* stopped too often in a row; not restarted */
} SprigMcpError;

#define SPRIG_MCP_PROTOCOL_LATEST "2025-11-25"

typedef struct
{
  char *name;
  char *description;
  char *input_schema;   /* JSON object text */
  gboolean read_only;   /* annotations.readOnlyHint: a hint, untrusted for external servers */
  char *plugin_id;      /* _meta["io.github.sprigchat/plugin"] (sprig-toolhost names the
                         * plugin serving the tool); NULL when the server does not say */
} SprigMcpTool;

#define SPRIG_TYPE_MCP_CLIENT (sprig_mcp_client_get_type ())
G_DECLARE_FINAL_TYPE (SprigMcpClient, sprig_mcp_client, SPRIG, MCP_CLIENT, GObject)

SprigMcpClient *sprig_mcp_client_new            (const char *const   *argv);
/* A client of an MCP server the user added: @argv as it is, or inside a Flatpak under
 * flatpak-spawn --host (see sprig_mcp_wrap_argv ()). Start it only after the user
 * agreed to this exact command. */
SprigMcpClient *sprig_mcp_client_new_user_server (const char *const *argv);
/* A client of sprig-toolhost serving @plugins (.so or .plugin paths). The host is
 * $SPRIG_TOOLHOST or the installed one; inside a Flatpak it runs under
 * flatpak-spawn --sandbox (see sprig_mcp_wrap_argv()) with the plugins' folders
 * readable and the network only when @allow_network. */
SprigMcpClient *sprig_mcp_client_new_toolhost   (const char *const   *plugins,
                                                 gboolean             allow_network);

void            sprig_mcp_client_set_call_timeout (SprigMcpClient    *client,
                                                   guint              timeout_ms);
void            sprig_mcp_client_set_max_output   (SprigMcpClient    *client,
                                                   gsize              max_bytes);
/* At most @max_restarts starts in a row without a successful call; before the second
 * and later restarts, wait @backoff_ms, doubling each time (capped at 30 s). */
void            sprig_mcp_client_set_restart_policy (SprigMcpClient  *client,
                                                     guint            max_restarts,
                                                     guint            backoff_ms);

/* Starts the server if it is not running: handshake and tools/list. */
void            sprig_mcp_client_start_async    (SprigMcpClient      *client,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean        sprig_mcp_client_start_finish   (SprigMcpClient      *client,
                                                 GAsyncResult        *result,
                                                 GError             **error);

/* After a start: the tools (SprigMcpTool, owned by the client; the array is replaced,
 * and the old one unreferenced, when "tools-changed" is emitted or the server is started
 * again, so take a reference to keep it), their definitions for
 * SeToolsIface.tool_set_new() (a new array of strings), the negotiated version, the
 * server's name, and what sprig-toolhost could not load (NULL-terminated). */
GPtrArray      *sprig_mcp_client_get_tools      (SprigMcpClient      *client);
GPtrArray      *sprig_mcp_client_get_definitions (SprigMcpClient     *client);
const char     *sprig_mcp_client_get_protocol_version (SprigMcpClient *client);
const char     *sprig_mcp_client_get_server_name (SprigMcpClient     *client);
const char *const *sprig_mcp_client_get_load_errors (SprigMcpClient  *client);
/* How many server processes were started: 2 after one restart. */
guint           sprig_mcp_client_get_n_starts   (SprigMcpClient      *client);

/* Calls @name with @arguments (a JSON object text). The result is the tool's text
 * content, capped at the output limit with a note; an isError result is
 * SPRIG_MCP_ERROR_TOOL with the tool's text as message. */
void            sprig_mcp_client_call_tool_async (SprigMcpClient     *client,
                                                  const char         *name,
                                                  const char         *arguments,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);
char           *sprig_mcp_client_call_tool_finish (SprigMcpClient    *client,
                                                   GAsyncResult      *result,
                                                   GError           **error);

/* Stops the server as MCP says: close its stdin, SIGTERM after 2 s, SIGKILL after 4 s.
 * Pending calls fail; a later call starts it again. */
void            sprig_mcp_client_stop           (SprigMcpClient      *client);
/* Forgets the restarts counted so far (after SPRIG_MCP_ERROR_GAVE_UP). */
void            sprig_mcp_client_reset          (SprigMcpClient      *client);

extern const SeToolRunnerIface sprig_mcp_client_runner;

/* How a server command is started. Inside a Flatpak, SANDBOX runs it with
 * flatpak-spawn --sandbox (the app's own files and runtime, nothing of the user's
 * unless exposed: right for sprig-toolhost and for servers shipped in the app); HOST
 * runs it on the host with flatpak-spawn --host (needed for commands the user
 * installed, such as npx or uvx servers; it needs the org.freedesktop.Flatpak talk
 * permission, and the app must show the command before the first start). */
typedef enum
{
  SPRIG_MCP_SPAWN_DIRECT,
  SPRIG_MCP_SPAWN_SANDBOX,
  SPRIG_MCP_SPAWN_HOST,
} SprigMcpSpawn;

gboolean        sprig_mcp_in_flatpak            (void);
/* @argv wrapped for @how (DIRECT: a copy); @expose_ro: paths the sandbox may read. */
char          **sprig_mcp_wrap_argv             (const char *const   *argv,
                                                 SprigMcpSpawn        how,
                                                 gboolean             allow_network,
                                                 const char *const   *expose_ro);

G_END_DECLS
