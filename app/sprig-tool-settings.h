/* SPDX-License-Identifier: Apache-2.0
 *
 * The tool preferences kept in GSettings (io.github.sprigchat.Sprig): which tool plugins
 * and built-in tools are on ("enabled-tool-plugins"), the MCP servers the user added
 * ("mcp-servers": name, argv, on) and which exact commands the user agreed to start
 * ("mcp-approved-commands": SHA-256 digests). Preferences writes them; the toolbox
 * (sprig-toolbox.c) reads them. No GTK here.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The built-in tool that lives in the app itself (it opens a file dialog). */
#define SPRIG_READ_FILE_TOOL_ID "read-file"

typedef struct
{
  char  *name;      /* for people; unique among the servers */
  char **argv;      /* the command and its arguments, never empty */
  gboolean enabled;
} SprigMcpServerSpec;

SprigMcpServerSpec *sprig_mcp_server_spec_new  (const char         *name,
                                                const char *const  *argv,
                                                gboolean            enabled);
void                sprig_mcp_server_spec_free (SprigMcpServerSpec *spec);
/* The command as one line a person can read and a shell would split back into the
 * same argv (g_shell_quote where needed). */
char               *sprig_mcp_server_spec_dup_command_line (const SprigMcpServerSpec *spec);
/* SHA-256 (hex) of the argv, each argument followed by a NUL byte: what approval is
 * keyed by, so any change to the command asks again. */
char               *sprig_mcp_server_spec_dup_digest       (const SprigMcpServerSpec *spec);

/* The servers in the order the user added them (SprigMcpServerSpec); entries with an
 * empty argv are skipped. */
GPtrArray          *sprig_tool_settings_get_servers        (GSettings          *settings);
void                sprig_tool_settings_set_servers        (GSettings          *settings,
                                                            GPtrArray          *servers);
gboolean            sprig_tool_settings_server_is_approved (GSettings          *settings,
                                                            const SprigMcpServerSpec *spec);
/* Records (or withdraws) the user's agreement to start exactly this command. */
void                sprig_tool_settings_set_server_approved (GSettings         *settings,
                                                             const SprigMcpServerSpec *spec,
                                                             gboolean           approved);

gboolean            sprig_tool_settings_get_plugin_enabled (GSettings          *settings,
                                                            const char         *plugin_id);
void                sprig_tool_settings_set_plugin_enabled (GSettings          *settings,
                                                            const char         *plugin_id,
                                                            gboolean            enabled);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SprigMcpServerSpec, sprig_mcp_server_spec_free)

G_END_DECLS
