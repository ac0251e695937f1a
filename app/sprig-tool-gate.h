/* SPDX-License-Identifier: Apache-2.0
 *
 * The tool gate: the SeToolRunnerIface the chat's tool loop runs calls through. For each
 * call it finds the round's card (SprigToolCallItem), decides whether the user must be
 * asked — read-only built-ins when the user allowed that in Preferences, and tools the
 * user chose "Always Allow" for (keyed by tool identity and definition digest in the
 * store) run at once; everything else waits on the card for Deny, Allow Once or Always
 * Allow, with the arguments editable — and then runs the tool through the toolbox.
 * A refusal is G_IO_ERROR_PERMISSION_DENIED, which the loop turns into "The user denied
 * this tool call." for the model.
 */
#pragma once

#include <gtk/gtk.h>

#include "sprig-store.h"
#include "sprig-toolbox.h"

G_BEGIN_DECLS

typedef struct _SprigToolGate SprigToolGate;

SprigToolGate *sprig_tool_gate_new         (SprigToolbox      *toolbox,
                                            SprigStore        *store,
                                            GSettings         *settings);
void           sprig_tool_gate_free        (SprigToolGate     *gate);
void           sprig_tool_gate_set_settings (SprigToolGate    *gate,
                                             GSettings        *settings);
/* The window file dialogs open over (weak). */
void           sprig_tool_gate_set_parent  (SprigToolGate     *gate,
                                            GtkWindow         *parent);
/* The offer and the cards of the round about to run, in call order. */
void           sprig_tool_gate_begin_round (SprigToolGate     *gate,
                                            SprigToolOffer    *offer,
                                            GPtrArray         *items);

extern const SeToolRunnerIface sprig_tool_gate_runner;

G_END_DECLS
