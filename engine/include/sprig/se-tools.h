/* SPDX-License-Identifier: Apache-2.0
 *
 * The tool-calling plugin's interface (plugin kind SE_PLUGIN_KIND_TOOLS, plugin ABI
 * SE_PLUGIN_ABI_VERSION; the loader checks struct_size >= sizeof (SeToolsIface)). The
 * app opens plugins/tools with se_plugin_open() and reaches everything through this
 * table: which templates take tools, the offered tool set, the constrained-decoding
 * token filter for SeGenerateRequest, the streaming <tool_call> parser, the loop policy
 * and the in-process runner for tool plugins written against sprig-tool.h. See
 * docs/tools.md.
 */
#pragma once

#include <gio/gio.h>

#include "sprig/se-chat.h"
#include "sprig/se-plugin.h"
#include "sprig/se-sampler.h"
#include "sprig/se-tokenizer.h"

G_BEGIN_DECLS

typedef struct _SeToolSet SeToolSet;
typedef struct _SeToolVocab SeToolVocab;
typedef struct _SeToolConstraint SeToolConstraint;
typedef struct _SeToolParser SeToolParser;
typedef struct _SeToolLoop SeToolLoop;
typedef struct _SeToolRegistry SeToolRegistry;

typedef enum
{
  SE_TOOL_SEGMENT_TEXT,   /* reply text (thinking included, as written) */
  SE_TOOL_SEGMENT_CALL,   /* one well-formed call of an offered tool */
} SeToolSegmentKind;

typedef enum
{
  SE_TOOL_SEGMENT_MALFORMED    = 1 << 0,  /* TEXT: a <tool_call> block that was not JSON */
  SE_TOOL_SEGMENT_UNKNOWN_TOOL = 1 << 1,  /* TEXT: a call of a tool that was not offered */
} SeToolSegmentFlags;

typedef struct
{
  SeToolSegmentKind kind;
  guint flags;            /* SeToolSegmentFlags */
  char *text;             /* TEXT: the text; CALL: the block as the model wrote it */
  char *name;             /* CALL */
  char *arguments;        /* CALL: the arguments object, compact JSON */
} SeToolSegment;

typedef enum
{
  SE_TOOL_STATUS_OK,
  SE_TOOL_STATUS_ERROR,       /* the tool failed, or its arguments were invalid */
  SE_TOOL_STATUS_DENIED,      /* the runner refused (the user said no) */
  SE_TOOL_STATUS_TIMEOUT,
  SE_TOOL_STATUS_CANCELLED,
  SE_TOOL_STATUS_REPEATED,    /* the same call (name + arguments) ran before this turn */
  SE_TOOL_STATUS_LIMIT,       /* the round limit was reached */
} SeToolStatus;

typedef struct
{
  char *name;
  char *arguments;
  SeToolStatus status;
  gboolean truncated;
  /* What goes back to the model as the role "tool" message: the output (capped, with a
   * note when cut) or a sentence saying why there is none. */
  char *content;
} SeToolResult;

/* Runs one call. The app's runner asks the user and forwards to the tool host; the
 * registry's runner calls in-process plugins. run_async's callback runs on the thread
 * default main context of the caller; a refusal is G_IO_ERROR_PERMISSION_DENIED. */
typedef struct
{
  void  (*run_async)  (gpointer             runner,
                       const char          *name,
                       const char          *arguments,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data);
  char *(*run_finish) (gpointer             runner,
                       GAsyncResult        *result,
                       GError             **error);
} SeToolRunnerIface;

typedef struct
{
  guint max_rounds;       /* tool rounds per user message; default 8 */
  guint timeout_ms;       /* per call; default 30000 */
  gsize max_output;       /* bytes of output a result keeps; default 16384 */
} SeToolLoopParams;

#define SE_TOOL_LOOP_PARAMS_INIT { 8, 30000, 16 * 1024 }

typedef struct
{
  SePluginHeader base;

  /* Prompt side. Whether @tmpl has a tool-call format (Qwen3/Hermes <tools> and
   * <tool_call>); when not, @reason says so for the user. */
  gboolean     (*template_supports_tools) (const SeChatTemplate *tmpl,
                                           char                **reason);
  /* Tool definitions: JSON function schemas, {"type": "function", "function": {name,
   * description, parameters}} or the bare function object. */
  SeToolSet   *(*tool_set_new)            (const char *const    *definitions,
                                           gsize                 n,
                                           GError              **error);
  void         (*tool_set_unref)          (SeToolSet            *set);
  /* The definitions for SeChatOptions.tools, owned by @set. */
  const char *const *
               (*tool_set_get_chat_tools) (SeToolSet            *set,
                                           gsize                *n);

  /* Constrained decoding. One vocabulary index per model (tens of milliseconds to
   * build); one constraint per generate request: set check, filter and accept on the
   * request with the constraint as filter_data and constraint_free as filter_destroy. */
  SeToolVocab *(*vocab_new)               (SeTokenizer          *tok,
                                           GError              **error);
  void         (*vocab_unref)             (SeToolVocab          *vocab);
  SeToolConstraint *
               (*constraint_new)          (SeToolVocab          *vocab,
                                           SeToolSet            *set);
  void         (*constraint_free)         (SeToolConstraint     *constraint);
  SeTokenCheckFunc  constraint_check;
  SeTokenFilterFunc constraint_filter;
  SeTokenAcceptFunc constraint_accept;

  /* Output side: the streaming parser. feed() appends SeToolSegment pointers to
   * @segments (free them with segment_free); finish() releases what was held back. */
  SeToolParser *(*parser_new)             (SeToolSet            *set);
  void         (*parser_feed)             (SeToolParser         *parser,
                                           const char           *text,
                                           gsize                 len,
                                           GPtrArray            *segments);
  void         (*parser_finish)           (SeToolParser         *parser,
                                           GPtrArray            *segments);
  void         (*parser_free)             (SeToolParser         *parser);
  void         (*segment_free)            (SeToolSegment        *segment);

  /* The loop policy: rounds, repeats, timeouts, cancellation, output cap. */
  SeToolLoop  *(*loop_new)                (const SeToolRunnerIface *runner,
                                           gpointer              runner_data,
                                           const SeToolLoopParams *params);
  void         (*loop_free)               (SeToolLoop           *loop);
  void         (*loop_begin_turn)         (SeToolLoop           *loop);
  gboolean     (*loop_tools_allowed)      (SeToolLoop           *loop);
  void         (*loop_run_async)          (SeToolLoop           *loop,
                                           const SeChatToolCall *calls,
                                           gsize                 n_calls,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
  /* The results in call order (a GPtrArray of SeToolResult, freeing them), and whether
   * the model should get another turn with tools. */
  GPtrArray   *(*loop_run_finish)         (SeToolLoop           *loop,
                                           GAsyncResult         *result,
                                           gboolean             *continue_with_tools,
                                           GError              **error);
  void         (*result_free)             (SeToolResult         *result);

  /* In-process tool plugins (sprig-tool.h): for built-ins and tests; third-party
   * plugins belong in the tool host process. */
  SeToolRegistry *(*registry_new)         (void);
  void         (*registry_free)           (SeToolRegistry       *registry);
  gboolean     (*registry_load)           (SeToolRegistry       *registry,
                                           const char           *path,
                                           GError              **error);
  /* Definitions of every loaded tool, for tool_set_new(). */
  GPtrArray   *(*registry_get_definitions)(SeToolRegistry       *registry);
  const SeToolRunnerIface *registry_runner;  /* runner_data: the registry */

  /* Another reference to a vocabulary index (added after the first release of this
   * table: callers check struct_size, or ask the loader for this size). */
  SeToolVocab *(*vocab_ref)               (SeToolVocab          *vocab);
} SeToolsIface;

G_END_DECLS
