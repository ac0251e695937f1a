/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigChat's insides, shared by sprig-chat.c (turns, the tree, the store) and
 * sprig-chat-tools.c (tool calls within a turn).
 */
#pragma once

#include "sprig-chat.h"
#include "sprig-message-item.h"
#include "sprig-tool-gate.h"
#include "sprig-toolbox.h"

G_BEGIN_DECLS

struct _SprigChat
{
  GObject parent_instance;

  SprigStore *store;
  SeEngine *engine;
  GSettings *settings;           /* the defaults of Preferences; may be NULL */
  GListStore *messages;          /* the branch shown */
  GHashTable *items;             /* id → SprigMessageItem: every stored message */
  GHashTable *children;          /* parent id (0: none) → GPtrArray of items, oldest first */
  GCancellable *load_cancellable;
  char *model_id;
  char *backend;
  guint max_tokens;

  gint64 conversation_id;
  SprigConversation *conversation; /* title, system prompt, sampling; also for a new one */
  gint64 leaf_id;
  gint64 pending_delete;         /* hidden, deleted from the store on commit */
  gint64 reveal_id;              /* to show and scroll to once the tree is loaded */
  gboolean loaded;               /* the tree of conversation_id is here */
  gint64 leaf_before_delete;

  gboolean generating;
  gboolean stop_requested;
  SprigMessageItem *user_item;   /* the turn's user message until it is committed */
  SprigMessageItem *reply;       /* the turn's reply */
  guint request;                 /* the engine's id for the running generation */
  gint64 request_started;        /* monotonic time of the request, for the first token */
  double first_token_ms;
  guint last_prompt_evaluated;
  GPtrArray *stop_tasks;         /* GTasks that wait for the turn to end */

  /* Tools (sprig-chat-tools.c) */
  SprigToolbox *toolbox;         /* NULL: no tools */
  SprigToolGate *gate;
  char *model_path;
  SeToolLoop *tool_loop;         /* the turn's: rounds and repeats per user message */
  GCancellable *tool_cancellable;  /* the turn's Stop, for the tools */
  SprigToolOffer *offer;         /* the running reply's, when it was offered tools */
  SeToolParser *parser;          /* the running reply's, when it was offered tools */
  GPtrArray *round_calls;        /* SprigToolCallItem: the calls the reply made */
  GPtrArray *round_msgs;         /* SprigMessageItem, role tool: their results */
  guint round_store_pending;     /* results not yet stored */
  gboolean tools_more;           /* the next reply may call tools */
  char *unavailable_shown;       /* the "no tools" notice last shown, not to repeat it */
};


/* sprig-chat.c */
void     _sprig_chat_generate         (SprigChat        *self);
void     _sprig_chat_append_text      (SprigChat        *self,
                                       const char       *text,
                                       gsize             len);
void     _sprig_chat_end_turn         (SprigChat        *self);
void     _sprig_chat_emit_error       (SprigChat        *self,
                                       const char       *message);
void     _sprig_chat_emit_notice      (SprigChat        *self,
                                       const char       *message);
void     _sprig_chat_stored           (SprigChat        *self,
                                       SprigMessageItem *item,
                                       gint64            id);
void     _sprig_chat_continue         (SprigChat        *self,
                                       SprigMessageItem *parent);
SprigMessageItem *_sprig_chat_lookup  (SprigChat        *self,
                                       gint64            id);

/* sprig-chat-tools.c */
void     _sprig_chat_tools_begin_turn (SprigChat        *self);
void     _sprig_chat_tools_prepare    (SprigChat        *self);
void     _sprig_chat_tools_feed       (SprigChat        *self,
                                       const char       *text,
                                       gsize             len);
void     _sprig_chat_tools_end_reply  (SprigChat        *self);
gboolean _sprig_chat_tools_run_round  (SprigChat        *self);
void     _sprig_chat_tools_link       (SprigChat        *self);
void     _sprig_chat_tools_stop       (SprigChat        *self);
void     _sprig_chat_tools_clear      (SprigChat        *self);

G_END_DECLS
