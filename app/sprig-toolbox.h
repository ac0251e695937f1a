/* SPDX-License-Identifier: Apache-2.0
 *
 * The tools a window's chat may offer, and the way to call them. SprigToolbox opens the
 * tool-calling plugin (plugins/tools, SeToolsIface), runs the tool host for the built-in
 * tools and, in a second process, for the plugins the user turned on, runs the MCP
 * servers the user added and approved, and keeps read_file, the one tool that lives in
 * the app. Everything follows the settings in sprig-tool-settings.h.
 *
 * sprig_toolbox_ensure_async() brings all of that up to date for a model and hands back
 * a SprigToolOffer: the tool set to offer in the prompt, the vocabulary index for
 * constrained calls, and for each tool its identity for permissions.
 */
#pragma once

#include <gtk/gtk.h>
#include <sprig/se-tools.h>

#include "sprig-tool-call-item.h"

G_BEGIN_DECLS

typedef enum
{
  SPRIG_TOOL_KIND_BUILTIN,   /* a built-in tool plugin, in the built-ins' tool host */
  SPRIG_TOOL_KIND_PLUGIN,    /* a plugin the user added, in a tool host of its own */
  SPRIG_TOOL_KIND_SERVER,    /* an MCP server the user added */
  SPRIG_TOOL_KIND_APP,       /* read_file: runs in the app */
} SprigToolKind;

typedef struct
{
  char *name;           /* what the model calls */
  char *title;          /* for people */
  char *source;         /* where it runs, for people */
  char *identity;       /* what permissions are keyed by, with digest */
  char *digest;         /* SHA-256 of its definition (and, for a server, its command) */
  gboolean read_only;   /* as declared (a hint only for servers) */
  SprigToolKind kind;
} SprigToolboxTool;

typedef struct _SprigToolOffer SprigToolOffer;

SprigToolOffer         *sprig_tool_offer_ref           (SprigToolOffer *offer);
void                    sprig_tool_offer_unref         (SprigToolOffer *offer);
/* NULL when there is nothing to offer: see get_unavailable(). */
SeToolSet              *sprig_tool_offer_get_set       (SprigToolOffer *offer);
SeToolVocab            *sprig_tool_offer_get_vocab     (SprigToolOffer *offer);
/* Why the model gets no tools (a sentence for people), or NULL when it gets some. */
const char             *sprig_tool_offer_get_unavailable (SprigToolOffer *offer);
const SprigToolboxTool *sprig_tool_offer_lookup        (SprigToolOffer *offer,
                                                        const char     *name);
guint                   sprig_tool_offer_get_n_tools   (SprigToolOffer *offer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SprigToolOffer, sprig_tool_offer_unref)

#define SPRIG_TYPE_TOOLBOX (sprig_toolbox_get_type ())

G_DECLARE_FINAL_TYPE (SprigToolbox, sprig_toolbox, SPRIG, TOOLBOX, GObject)

SprigToolbox       *sprig_toolbox_new            (GSettings           *settings);
/* The tool-calling plugin, or NULL (then sprig_toolbox_ensure_finish() says why). */
const SeToolsIface *sprig_toolbox_get_iface      (SprigToolbox        *self);

/* Starts what the settings ask for (and stops what they no longer ask for), indexes the
 * vocabulary of @model_path once, and gathers the tools. A tool source that fails to
 * start is left out and reported with the "problem" signal (a sentence for people);
 * only a missing tool-calling plugin is an error. */
void                sprig_toolbox_ensure_async   (SprigToolbox        *self,
                                                  const char          *model_path,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
SprigToolOffer     *sprig_toolbox_ensure_finish  (SprigToolbox        *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);

/* Runs @tool with @arguments (a JSON object text), with the tool time limit from the
 * settings (except read_file, which waits for the user's file dialog over @parent). */
void                sprig_toolbox_call_async     (SprigToolbox           *self,
                                                  SprigToolOffer         *offer,
                                                  const SprigToolboxTool *tool,
                                                  const char             *arguments,
                                                  GtkWindow              *parent,
                                                  GCancellable           *cancellable,
                                                  GAsyncReadyCallback     callback,
                                                  gpointer                user_data);
char               *sprig_toolbox_call_finish    (SprigToolbox        *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);

/* Sets the card texts of @item (title, source, read-only, picks-file, can-always-allow)
 * from @tool, or from the name alone when @tool is NULL (a tool no longer offered). */
void                sprig_toolbox_describe       (const SprigToolboxTool *tool,
                                                  SprigToolCallItem      *item);

/* Forgets how often each tool host or server stopped in a row, so that one that was
 * given up on is tried again (a new message from the user is a new attempt). */
void                sprig_toolbox_reset          (SprigToolbox        *self);
/* Stops every process the toolbox started. */
void                sprig_toolbox_shutdown       (SprigToolbox        *self);

G_END_DECLS
