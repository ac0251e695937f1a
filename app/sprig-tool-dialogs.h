/* SPDX-License-Identifier: Apache-2.0
 *
 * The dialogs of the Tools page: what a tool plugin declares before it is turned on, the
 * consent step before an MCP server's command may start, and adding a server. Each is
 * an AdwMessageDialog whose "response" signal the caller handles.
 */
#pragma once

#include <adwaita.h>

#include "sprig-tool-keyfile.h"
#include "sprig-tool-settings.h"

G_BEGIN_DECLS

/* A tool permission ("network") in words ("Uses the network"); NULL if unknown. */
const char         *sprig_tool_permission_describe    (const char               *permission);
/* The words for each of @permissions, one per line; NULL when there are none. */
char               *sprig_tool_permissions_describe   (const char *const        *permissions);

/* Responses "cancel" (the default) and "turn-on". */
GtkWidget          *sprig_tool_plugin_dialog_new      (GtkWindow                *parent,
                                                       const SprigToolPluginInfo *info);
/* "Start This Program?" with every argument of @spec in full; responses "cancel" (the
 * default) and "allow". */
GtkWidget          *sprig_mcp_consent_dialog_new      (GtkWindow                *parent,
                                                       const SprigMcpServerSpec *spec);
/* Name and command entries, checked as typed against @servers (SprigMcpServerSpec) for
 * a unique name; responses "cancel" and "add". */
GtkWidget          *sprig_mcp_add_dialog_new          (GtkWindow                *parent,
                                                       GPtrArray                *servers);
/* After "add": the server typed in (turned off), or NULL when the entries are invalid. */
SprigMcpServerSpec *sprig_mcp_add_dialog_dup_spec     (GtkWidget                *dialog);

G_END_DECLS
