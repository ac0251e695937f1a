/* SPDX-License-Identifier: Apache-2.0
 *
 * The public face of Sprig's conversation store: one SprigStore owns the SQLite database
 * on a worker thread of its own, and every call here is an _async/_finish pair (or a
 * thread-safe buffer for streamed text), so the UI thread never touches SQLite.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SPRIG_STORE_ERROR (sprig_store_error_quark ())

/* Errors a user should read; every SQLite failure maps onto one of these. */
typedef enum
{
  SPRIG_STORE_ERROR_FAILED,
  SPRIG_STORE_ERROR_TOO_NEW,    /* written by a newer Sprig: refused and left untouched */
  SPRIG_STORE_ERROR_CORRUPT,    /* damaged file found after opening */
  SPRIG_STORE_ERROR_FULL,       /* disk (or page limit) full: nothing was written */
  SPRIG_STORE_ERROR_READ_ONLY,  /* the file or its folder cannot be written */
  SPRIG_STORE_ERROR_BUSY,       /* another process held a lock past the timeout */
  SPRIG_STORE_ERROR_NOT_FOUND,
  SPRIG_STORE_ERROR_INVALID,    /* a bad argument or a bad import file */
  SPRIG_STORE_ERROR_CLOSED,
} SprigStoreError;

typedef enum
{
  SPRIG_MESSAGE_ROLE_SYSTEM,
  SPRIG_MESSAGE_ROLE_USER,
  SPRIG_MESSAGE_ROLE_ASSISTANT,
  SPRIG_MESSAGE_ROLE_TOOL,
} SprigMessageRole;

typedef enum
{
  SPRIG_MESSAGE_STATUS_COMPLETE,
  SPRIG_MESSAGE_STATUS_STREAMING,
  SPRIG_MESSAGE_STATUS_INTERRUPTED,  /* was streaming when the app stopped */
  SPRIG_MESSAGE_STATUS_ERROR,
} SprigMessageStatus;

typedef enum
{
  SPRIG_TOOL_DECISION_ASK,
  SPRIG_TOOL_DECISION_ALLOW,
  SPRIG_TOOL_DECISION_DENY,
} SprigToolDecision;

typedef enum
{
  SPRIG_EXPORT_MARKDOWN,
  SPRIG_EXPORT_JSON,
} SprigExportFormat;

typedef enum
{
  SPRIG_LIST_DEFAULT = 0,
  SPRIG_LIST_ARCHIVED = 1 << 0,  /* only archived conversations */
  SPRIG_LIST_DELETED = 1 << 1,   /* only soft-deleted conversations (the undo list) */
} SprigListFlags;

/* Search snippets mark each match with these bytes so the UI can escape, then highlight. */
#define SPRIG_STORE_MATCH_START "\002"
#define SPRIG_STORE_MATCH_END   "\003"

/* Times are microseconds since the Unix epoch (g_get_real_time ()); ids are > 0, 0 = none. */
typedef struct
{
  gint64  id;
  char   *title;
  gint64  created_at;
  gint64  updated_at;
  gboolean pinned;
  gboolean archived;
  gint64  deleted_at;      /* 0 unless soft-deleted */
  char   *model_id;
  char   *system_prompt;
  char   *sampling_json;   /* a JSON object: {"temperature":0.7,...}, or NULL */
  gint64  active_leaf_id;  /* the message the conversation shows last */
} SprigConversation;

typedef struct
{
  gint64   id;
  char    *call_id;       /* the model's id for the call */
  char    *name;
  char    *arguments;     /* JSON text as the model wrote it */
  char    *result;        /* NULL until the tool answered */
  gboolean is_error;
  char    *status;        /* the card's state: "queued", "waiting", "running", "done",
                           * "failed", "denied", "cancelled", "skipped"; NULL: unknown */
} SprigToolCall;

typedef struct
{
  gint64             id;
  gint64             conversation_id;
  gint64             parent_id;    /* 0 for the first message of a conversation */
  SprigMessageRole   role;
  SprigMessageStatus status;
  char              *content;
  char              *reasoning;
  char              *error;        /* for SPRIG_MESSAGE_STATUS_ERROR */
  char              *model_id;
  gint64             created_at;
  gint64             updated_at;
  int                prompt_tokens;
  int                completion_tokens;
  double             prompt_per_second;
  double             tokens_per_second;
  double             first_token_ms;  /* from the request to the first token; 0: unknown */
  char              *backend;         /* the engine backend that wrote it */
  GPtrArray         *tool_calls;   /* SprigToolCall, filled when loading */
} SprigMessage;

typedef struct
{
  gint64  conversation_id;
  gint64  message_id;       /* 0 when the title matched */
  char   *title;
  char   *snippet;          /* matches between SPRIG_STORE_MATCH_START/_END */
  double  rank;             /* lower is better */
} SprigSearchHit;

typedef struct
{
  int    prompt_tokens;
  int    completion_tokens;
  double prompt_per_second;
  double tokens_per_second;
  double first_token_ms;
  const char *backend;     /* copied by the call that takes the stats; may be NULL */
} SprigReplyStats;

GQuark             sprig_store_error_quark       (void);

SprigConversation *sprig_conversation_new        (void);
SprigConversation *sprig_conversation_copy       (const SprigConversation *conv);
void               sprig_conversation_free       (SprigConversation *conv);
SprigMessage      *sprig_message_new             (SprigMessageRole role,
                                                  const char      *content);
void               sprig_message_free            (SprigMessage *msg);
SprigToolCall     *sprig_tool_call_new           (const char *call_id,
                                                  const char *name,
                                                  const char *arguments);
void               sprig_tool_call_free          (SprigToolCall *call);
/* TRUE for NULL and for the states SprigToolCall.status may hold. */
gboolean           sprig_tool_call_status_is_valid (const char *status);
void               sprig_search_hit_free         (SprigSearchHit *hit);

const char        *sprig_message_role_to_string   (SprigMessageRole role);
gboolean           sprig_message_role_from_string (const char       *str,
                                                   SprigMessageRole *role);
const char        *sprig_message_status_to_string   (SprigMessageStatus status);
gboolean           sprig_message_status_from_string (const char         *str,
                                                     SprigMessageStatus *status);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SprigConversation, sprig_conversation_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SprigMessage, sprig_message_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SprigToolCall, sprig_tool_call_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SprigSearchHit, sprig_search_hit_free)

#define SPRIG_TYPE_STORE (sprig_store_get_type ())

G_DECLARE_FINAL_TYPE (SprigStore, sprig_store, SPRIG, STORE, GObject)

/* The newest schema version this build knows. */
#define SPRIG_STORE_SCHEMA_VERSION 4

char       *sprig_store_default_path        (void);
SprigStore *sprig_store_new                 (const char *path);
const char *sprig_store_get_path            (SprigStore *self);
void        sprig_store_set_commit_interval (SprigStore *self,
                                             guint       interval_ms);
const char *sprig_store_get_recovered_path  (SprigStore *self);
gboolean    sprig_store_is_read_only        (SprigStore *self);

/* Every _finish that returns an id or a count returns -1 with @error set on failure;
 * pointer results are NULL on failure and owned by the caller (GPtrArrays free their
 * elements). Calls queue in order, so a call made after another sees its effects. */

/* Opening: creates or migrates the schema, recovers interrupted replies. */
void     sprig_store_open_async  (SprigStore          *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data);
gboolean sprig_store_open_finish (SprigStore    *self,
                                  GAsyncResult  *result,
                                  GError       **error);

/* Conversations. */
void      sprig_store_create_conversation_async  (SprigStore              *self,
                                                  const SprigConversation *conv,
                                                  GCancellable            *cancellable,
                                                  GAsyncReadyCallback      callback,
                                                  gpointer                 user_data);
gint64    sprig_store_create_conversation_finish (SprigStore    *self,
                                                  GAsyncResult  *result,
                                                  GError       **error);
void      sprig_store_update_conversation_async  (SprigStore              *self,
                                                  const SprigConversation *conv,
                                                  GCancellable            *cancellable,
                                                  GAsyncReadyCallback      callback,
                                                  gpointer                 user_data);
gboolean  sprig_store_update_conversation_finish (SprigStore    *self,
                                                  GAsyncResult  *result,
                                                  GError       **error);
void      sprig_store_get_conversation_async     (SprigStore          *self,
                                                  gint64               conversation_id,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
SprigConversation *sprig_store_get_conversation_finish (SprigStore    *self,
                                                        GAsyncResult  *result,
                                                        GError       **error);
void      sprig_store_list_conversations_async   (SprigStore          *self,
                                                  SprigListFlags       flags,
                                                  guint                offset,
                                                  guint                limit,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
GPtrArray *sprig_store_list_conversations_finish (SprigStore    *self,
                                                  GAsyncResult  *result,
                                                  GError       **error);

/* Soft delete (undo with restore), "delete all" (also soft), and the later purge. */
void     sprig_store_delete_conversation_async   (SprigStore          *self,
                                                  gint64               conversation_id,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean sprig_store_delete_conversation_finish  (SprigStore    *self,
                                                  GAsyncResult  *result,
                                                  GError       **error);
void     sprig_store_restore_conversation_async  (SprigStore          *self,
                                                  gint64               conversation_id,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean sprig_store_restore_conversation_finish (SprigStore    *self,
                                                  GAsyncResult  *result,
                                                  GError       **error);
void     sprig_store_delete_all_async            (SprigStore          *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gint64   sprig_store_delete_all_finish           (SprigStore    *self,
                                                  GAsyncResult  *result,
                                                  GError       **error);
void     sprig_store_purge_deleted_async         (SprigStore          *self,
                                                  gint64               deleted_before,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gint64   sprig_store_purge_deleted_finish        (SprigStore    *self,
                                                  GAsyncResult  *result,
                                                  GError       **error);

/* Messages: append commits at once and makes the message the active leaf. */
void       sprig_store_append_message_async    (SprigStore          *self,
                                                const SprigMessage  *msg,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gint64     sprig_store_append_message_finish   (SprigStore    *self,
                                                GAsyncResult  *result,
                                                GError       **error);
void       sprig_store_load_thread_async       (SprigStore          *self,
                                                gint64               conversation_id,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
GPtrArray *sprig_store_load_thread_finish      (SprigStore    *self,
                                                GAsyncResult  *result,
                                                GError       **error);
void       sprig_store_list_messages_async     (SprigStore          *self,
                                                gint64               conversation_id,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
GPtrArray *sprig_store_list_messages_finish    (SprigStore    *self,
                                                GAsyncResult  *result,
                                                GError       **error);
void       sprig_store_set_active_leaf_async   (SprigStore          *self,
                                                gint64               conversation_id,
                                                gint64               message_id,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean   sprig_store_set_active_leaf_finish  (SprigStore    *self,
                                                GAsyncResult  *result,
                                                GError       **error);

/* Deletes a message and every message below it, at once (not a soft delete: the app
 * offers undo before it calls this). If the conversation showed that branch, it now shows
 * the newest remaining one under the deleted message's parent. Returns the conversation's
 * active leaf afterwards (0: no messages left). */
void       sprig_store_delete_message_async    (SprigStore          *self,
                                                gint64               message_id,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gint64     sprig_store_delete_message_finish   (SprigStore    *self,
                                                GAsyncResult  *result,
                                                GError       **error);

/* Streaming replies: begin makes a `streaming` message; stream_append only buffers and
 * the worker commits the buffer at most every commit interval; finish commits the rest
 * with the final status. stream_append returns FALSE with the error of a failed
 * background commit (the text stays buffered and is retried). */
void     sprig_store_begin_reply_async   (SprigStore          *self,
                                          gint64               conversation_id,
                                          gint64               parent_id,
                                          const char          *model_id,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gint64   sprig_store_begin_reply_finish  (SprigStore    *self,
                                          GAsyncResult  *result,
                                          GError       **error);
gboolean sprig_store_stream_append       (SprigStore  *self,
                                          gint64       message_id,
                                          const char  *content,
                                          const char  *reasoning,
                                          GError     **error);
void     sprig_store_finish_reply_async  (SprigStore            *self,
                                          gint64                 message_id,
                                          SprigMessageStatus     status,
                                          const SprigReplyStats *stats,
                                          const char            *error_text,
                                          GCancellable          *cancellable,
                                          GAsyncReadyCallback    callback,
                                          gpointer               user_data);
gboolean sprig_store_finish_reply_finish (SprigStore    *self,
                                          GAsyncResult  *result,
                                          GError       **error);

/* Tool calls of an assistant message, and remembered tool permissions. A status that
 * sprig_tool_call_status_is_valid() refuses is SPRIG_STORE_ERROR_INVALID; set_tool_result
 * with a NULL @status keeps the stored one. */
void     sprig_store_add_tool_call_async        (SprigStore          *self,
                                                 gint64               message_id,
                                                 const SprigToolCall *call,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gint64   sprig_store_add_tool_call_finish       (SprigStore    *self,
                                                 GAsyncResult  *result,
                                                 GError       **error);
void     sprig_store_set_tool_result_async      (SprigStore          *self,
                                                 gint64               tool_call_id,
                                                 const char          *result_text,
                                                 gboolean             is_error,
                                                 const char          *status,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean sprig_store_set_tool_result_finish     (SprigStore    *self,
                                                 GAsyncResult  *result,
                                                 GError       **error);
void     sprig_store_set_tool_permission_async  (SprigStore          *self,
                                                 const char          *tool_id,
                                                 const char          *definition_hash,
                                                 SprigToolDecision    decision,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean sprig_store_set_tool_permission_finish (SprigStore    *self,
                                                 GAsyncResult  *result,
                                                 GError       **error);
void     sprig_store_get_tool_permission_async  (SprigStore          *self,
                                                 const char          *tool_id,
                                                 const char          *definition_hash,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
SprigToolDecision sprig_store_get_tool_permission_finish (SprigStore    *self,
                                                          GAsyncResult  *result,
                                                          GError       **error);

/* Full-text search over titles and message text (substring match, CJK included). */
void       sprig_store_search_async  (SprigStore          *self,
                                      const char          *query,
                                      guint                limit,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
GPtrArray *sprig_store_search_finish (SprigStore    *self,
                                      GAsyncResult  *result,
                                      GError       **error);

/* Export (Markdown shows the active branch, JSON the whole tree) and import of JSON. */
void     sprig_store_export_conversation_async  (SprigStore          *self,
                                                 gint64               conversation_id,
                                                 SprigExportFormat    format,
                                                 GFile               *file,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gboolean sprig_store_export_conversation_finish (SprigStore    *self,
                                                 GAsyncResult  *result,
                                                 GError       **error);
void     sprig_store_export_all_async           (SprigStore          *self,
                                                 GFile               *directory,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gint64   sprig_store_export_all_finish          (SprigStore    *self,
                                                 GAsyncResult  *result,
                                                 GError       **error);
void     sprig_store_import_async               (SprigStore          *self,
                                                 GFile               *file,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
gint64   sprig_store_import_finish              (SprigStore    *self,
                                                 GAsyncResult  *result,
                                                 GError       **error);

/* Maintenance: PRAGMA integrity_check; TRUE when the file is sound. */
void     sprig_store_check_integrity_async  (SprigStore          *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
gboolean sprig_store_check_integrity_finish (SprigStore    *self,
                                             GAsyncResult  *result,
                                             GError       **error);

/* Synchronous reads for tests and tools: they still run on the worker thread and block
 * the caller until it answers. Never call them from the UI thread. */
SprigConversation *sprig_store_get_conversation_sync (SprigStore  *self,
                                                      gint64       conversation_id,
                                                      GError     **error);
GPtrArray         *sprig_store_list_messages_sync    (SprigStore  *self,
                                                      gint64       conversation_id,
                                                      GError     **error);
SprigMessage      *sprig_store_get_message_sync      (SprigStore  *self,
                                                      gint64       message_id,
                                                      GError     **error);
gint64             sprig_store_count_messages_sync   (SprigStore  *self,
                                                      GError     **error);

/* Command-line entry (`sprig --export-all DIR`, `sprig --import FILE`): runs one call to
 * completion on a private main context and returns a process exit status. */
typedef enum
{
  SPRIG_STORE_COMMAND_EXPORT_ALL,
  SPRIG_STORE_COMMAND_IMPORT,
} SprigStoreCommand;

int sprig_store_run_command (const char        *db_path,
                             SprigStoreCommand  command,
                             const char        *argument);

G_END_DECLS
