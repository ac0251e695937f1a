/* SPDX-License-Identifier: Apache-2.0
 *
 * The tool-calling plugin's modules, shared between its files and the tests that link
 * sprig-tools-core directly. The plugin entry (se-tools-plugin.c) exposes them through
 * SeToolsIface.
 */
#pragma once

#include "sprig/se-tools.h"
#include "se-tool-matcher.h"
#include "sprig-tool.h"

G_BEGIN_DECLS

/* se-tool-set.c */
gboolean   _se_tools_template_supports  (const SeChatTemplate *tmpl, char **reason);
SeToolSet *_se_tool_set_new             (const char *const *definitions, gsize n,
                                         GError **error);
SeToolSet *_se_tool_set_ref             (SeToolSet *set);
void       _se_tool_set_unref           (SeToolSet *set);
const char *const *_se_tool_set_get_chat_tools (SeToolSet *set, gsize *n);
const SeCallGrammar *_se_tool_set_get_grammar (SeToolSet *set);
/* The index of tool @name, or -1. */
gint       _se_tool_set_find            (SeToolSet *set, const char *name);
const SeToolSchema *_se_tool_set_get_schema (SeToolSet *set, guint index);

/* se-tool-constraint.c */
SeToolVocab *_se_tool_vocab_new         (SeTokenizer *tok, GError **error);
SeToolVocab *_se_tool_vocab_ref         (SeToolVocab *vocab);
void       _se_tool_vocab_unref         (SeToolVocab *vocab);
gint32     _se_tool_vocab_get_call_open (SeToolVocab *vocab);
gint32     _se_tool_vocab_get_call_close (SeToolVocab *vocab);
SeToolConstraint *_se_tool_constraint_new (SeToolVocab *vocab, SeToolSet *set);
void       _se_tool_constraint_free     (SeToolConstraint *c);
gboolean   _se_tool_constraint_in_call  (SeToolConstraint *c);
guint      _se_tool_constraint_get_n_calls (SeToolConstraint *c);
gboolean   _se_tool_constraint_check    (gpointer data, gint32 token);
gboolean   _se_tool_constraint_filter   (gpointer data, float *logits, gsize n_vocab);
void       _se_tool_constraint_accept   (gpointer data, gint32 token);

/* se-tool-parser.c */
#define SE_TOOL_PARSER_MAX_CALL (64 * 1024)
SeToolParser *_se_tool_parser_new       (SeToolSet *set);
void       _se_tool_parser_feed         (SeToolParser *p, const char *text, gsize len,
                                         GPtrArray *segments);
void       _se_tool_parser_finish       (SeToolParser *p, GPtrArray *segments);
void       _se_tool_parser_free         (SeToolParser *p);
void       _se_tool_segment_free        (SeToolSegment *segment);

/* se-tool-loop.c */
SeToolLoop *_se_tool_loop_new           (const SeToolRunnerIface *runner, gpointer runner_data,
                                         const SeToolLoopParams *params);
void       _se_tool_loop_free           (SeToolLoop *loop);
void       _se_tool_loop_begin_turn     (SeToolLoop *loop);
gboolean   _se_tool_loop_tools_allowed  (SeToolLoop *loop);
void       _se_tool_loop_run_async      (SeToolLoop *loop, const SeChatToolCall *calls,
                                         gsize n_calls, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *_se_tool_loop_run_finish     (SeToolLoop *loop, GAsyncResult *result,
                                         gboolean *continue_with_tools, GError **error);
void       _se_tool_result_free         (SeToolResult *result);
/* Cuts @text to at most @max bytes on a character boundary and says so to the model. */
char      *_se_tool_truncate_output     (const char *text, gsize max, gboolean *truncated);

/* se-tool-registry.c */
SeToolRegistry *_se_tool_registry_new   (void);
void       _se_tool_registry_free       (SeToolRegistry *registry);
gboolean   _se_tool_registry_load       (SeToolRegistry *registry, const char *path,
                                         GError **error);
GPtrArray *_se_tool_registry_get_definitions (SeToolRegistry *registry);
extern const SeToolRunnerIface _se_tool_registry_runner;
/* For sprig-toolhost: the loaded tools one by one, the deadline every call gets, and a
 * function called on the worker thread when a plugin's invoke() has returned (with the
 * call's cancellable), so a call that ignores cancellation can be noticed. */
typedef void (*SeToolReturnNotify) (GCancellable *call_cancellable, gpointer user_data);
guint      _se_tool_registry_get_n_tools (SeToolRegistry *registry);
const SprigToolInfo *_se_tool_registry_get_info (SeToolRegistry *registry, guint index);
gboolean   _se_tool_registry_has_tool    (SeToolRegistry *registry, const char *name);
void       _se_tool_registry_set_host_hooks (SeToolRegistry *registry, guint call_timeout_ms,
                                             SeToolReturnNotify return_notify,
                                             gpointer user_data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeToolSet, _se_tool_set_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeToolParser, _se_tool_parser_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeToolConstraint, _se_tool_constraint_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeToolVocab, _se_tool_vocab_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeToolLoop, _se_tool_loop_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SeToolRegistry, _se_tool_registry_free)

G_END_DECLS
