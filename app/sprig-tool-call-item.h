/* SPDX-License-Identifier: Apache-2.0
 *
 * One tool call as the chat shows it: the card's model. SprigChat creates one per call
 * the model made, the tool gate (sprig-tool-gate.c) moves it through its states and,
 * when the user must decide, waits for sprig_tool_call_item_answer(), which the card
 * (SprigToolCard) calls from its buttons. A role "tool" SprigMessageItem carries it
 * (sprig_message_item_get_tool_call ()).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  SPRIG_TOOL_CALL_QUEUED,     /* made by the model; not started yet */
  SPRIG_TOOL_CALL_WAITING,    /* asks the user: Deny / Allow Once / Always Allow */
  SPRIG_TOOL_CALL_RUNNING,
  SPRIG_TOOL_CALL_DONE,       /* the tool answered */
  SPRIG_TOOL_CALL_FAILED,     /* the tool failed, timed out or its host stopped */
  SPRIG_TOOL_CALL_DENIED,     /* the user said no */
  SPRIG_TOOL_CALL_CANCELLED,  /* stopped with the Stop button */
  SPRIG_TOOL_CALL_SKIPPED,    /* not run: a repeat of an earlier call, or past the round limit */
} SprigToolCallState;

typedef enum
{
  SPRIG_TOOL_ANSWER_DENY,
  SPRIG_TOOL_ANSWER_ALLOW_ONCE,
  SPRIG_TOOL_ANSWER_ALWAYS_ALLOW,
} SprigToolAnswer;

#define SPRIG_TYPE_TOOL_CALL_ITEM (sprig_tool_call_item_get_type ())

G_DECLARE_FINAL_TYPE (SprigToolCallItem, sprig_tool_call_item, SPRIG, TOOL_CALL_ITEM, GObject)

/* @arguments: the arguments object as the model wrote it (JSON text). */
SprigToolCallItem *sprig_tool_call_item_new                (const char        *name,
                                                            const char        *arguments);
/* Properties (all notify): "name", "title" (for people: "Calculator"; defaults to the
 * name), "source" (where it runs, for people: "Built-in tool", "Plugin “Word count”",
 * "MCP server “files”"), "arguments" (JSON text; the edited ones once the user edited
 * them), "state", "result" (what the tool returned, or why there is nothing; NULL
 * while there is none), "read-only", "can-always-allow" (FALSE hides that button),
 * "picks-file" (the tool reads a file the user chooses: Allow is "Choose File…"),
 * "edited" (the user changed the arguments before allowing). */
const char        *sprig_tool_call_item_get_name           (SprigToolCallItem *self);
const char        *sprig_tool_call_item_get_title          (SprigToolCallItem *self);
void               sprig_tool_call_item_set_title          (SprigToolCallItem *self,
                                                            const char        *title);
const char        *sprig_tool_call_item_get_source         (SprigToolCallItem *self);
void               sprig_tool_call_item_set_source         (SprigToolCallItem *self,
                                                            const char        *source);
const char        *sprig_tool_call_item_get_arguments      (SprigToolCallItem *self);
/* The arguments pretty-printed (two-space indent, keys in the model's order), every
 * value in full; the JSON text as it is when it does not parse. */
char              *sprig_tool_call_item_dup_pretty_arguments (SprigToolCallItem *self);
SprigToolCallState sprig_tool_call_item_get_state          (SprigToolCallItem *self);
void               sprig_tool_call_item_set_state          (SprigToolCallItem *self,
                                                            SprigToolCallState state);
const char        *sprig_tool_call_item_get_result         (SprigToolCallItem *self);
void               sprig_tool_call_item_set_result         (SprigToolCallItem *self,
                                                            SprigToolCallState state,
                                                            const char        *result);
gboolean           sprig_tool_call_item_get_read_only      (SprigToolCallItem *self);
void               sprig_tool_call_item_set_read_only      (SprigToolCallItem *self,
                                                            gboolean           read_only);
gboolean           sprig_tool_call_item_get_can_always_allow (SprigToolCallItem *self);
void               sprig_tool_call_item_set_can_always_allow (SprigToolCallItem *self,
                                                              gboolean           can);
gboolean           sprig_tool_call_item_get_picks_file     (SprigToolCallItem *self);
void               sprig_tool_call_item_set_picks_file     (SprigToolCallItem *self,
                                                            gboolean           picks_file);
gboolean           sprig_tool_call_item_get_edited         (SprigToolCallItem *self);
/* The id of its row in the store's tool_calls table (0: not stored yet). */
gint64             sprig_tool_call_item_get_store_id       (SprigToolCallItem *self);
void               sprig_tool_call_item_set_store_id       (SprigToolCallItem *self,
                                                            gint64             id);

/* The user's decision on a WAITING call. @arguments: the edited arguments (a JSON
 * object text), or NULL when unchanged; edited arguments that are not a JSON object
 * are refused (returns FALSE, nothing happens). Emits "answered" (SprigToolAnswer,
 * the arguments to run with) once; later answers, and answers in other states, are
 * ignored (FALSE). */
gboolean           sprig_tool_call_item_answer             (SprigToolCallItem *self,
                                                            SprigToolAnswer    answer,
                                                            const char        *arguments);
/* TRUE once "answered" was emitted (the card stops asking even before the state moves). */
gboolean           sprig_tool_call_item_get_answered       (SprigToolCallItem *self);

/* The state as a short phrase for people ("Waiting for you", "Running", "Done",
 * "Failed", "Denied", "Stopped", "Skipped") and an icon name for it. */
const char        *sprig_tool_call_state_to_label          (SprigToolCallState state);
const char        *sprig_tool_call_state_to_icon_name      (SprigToolCallState state);
/* "queued", "waiting", "running", "done", "failed", "denied", "cancelled", "skipped":
 * how the store keeps it. */
const char        *sprig_tool_call_state_to_string         (SprigToolCallState state);
gboolean           sprig_tool_call_state_from_string       (const char        *str,
                                                            SprigToolCallState *state);

G_END_DECLS
