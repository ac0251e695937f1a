/* SPDX-License-Identifier: Apache-2.0
 *
 * What the store's files share and the UI never sees: the worker-side database state
 * (SprigStoreDb), the cached-statement helpers that assert they run on the worker thread,
 * the operations the worker runs, and a few hooks for tests.
 */
#pragma once

#include <sqlite3.h>

#include "sprig-store.h"

G_BEGIN_DECLS

/* Buffered text of one streaming reply, waiting for its next commit. */
typedef struct
{
  gint64   message_id;
  GString *content;
  GString *reasoning;
  gint64   last_commit;  /* monotonic time of the last commit (or of creation) */
  GError  *error;        /* the last background commit that failed, for stream_append */
} SprigStreamBuf;

/* Owned by the worker thread; only `streams` (under `streams_lock`) and the atomics are
 * touched from other threads. */
typedef struct
{
  sqlite3    *sql;
  GThread    *thread;
  GHashTable *stmts;           /* SQL text -> sqlite3_stmt, finalized at close */
  char       *path;
  char       *recovered_path;  /* a damaged file moved aside during open */
  gboolean    read_only;
  gint        commit_interval_ms;

  GMutex      streams_lock;
  GHashTable *streams;         /* message id -> SprigStreamBuf */

  gint        audit;           /* test hook: count statements by thread */
  gint        audit_on_worker;
  gint        audit_off_worker;
} SprigStoreDb;

/* A borrowed cached statement; the cleanup resets it (never finalizes it). */
typedef sqlite3_stmt SprigStmt;
void _sprig_stmt_release (SprigStmt *stmt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SprigStmt, _sprig_stmt_release)

typedef gboolean (*SprigStoreOpFunc) (SprigStoreDb *db,
                                      gpointer      data,
                                      gpointer     *result,
                                      GError      **error);

/* Declares a worker operation: runs on the worker thread with its SprigStoreArgs. */
#define SPRIG_STORE_OP(name) \
  gboolean name (SprigStoreDb *db, gpointer data, gpointer *result, GError **error)

/* sprig-store-db.c: connection-level helpers, all worker-only. */
void       _sprig_store_db_assert_worker (SprigStoreDb *db);
gboolean   _sprig_store_db_error         (SprigStoreDb *db,
                                          int           rc,
                                          const char   *what,
                                          GError      **error);
SprigStmt *_sprig_store_db_prepare       (SprigStoreDb *db,
                                          const char   *sql,
                                          GError      **error);
int        _sprig_store_db_step          (SprigStoreDb *db,
                                          SprigStmt    *stmt,
                                          GError      **error);
gboolean   _sprig_store_db_run           (SprigStoreDb *db,
                                          SprigStmt    *stmt,
                                          GError      **error);
gboolean   _sprig_store_db_exec          (SprigStoreDb *db,
                                          const char   *sql,
                                          GError      **error);
gboolean   _sprig_store_db_query_int     (SprigStoreDb *db,
                                          const char   *sql,
                                          gint64       *value,
                                          GError      **error);
gboolean   _sprig_store_db_begin         (SprigStoreDb *db,
                                          GError      **error);
gboolean   _sprig_store_db_commit        (SprigStoreDb *db,
                                          GError      **error);
void       _sprig_store_db_rollback      (SprigStoreDb *db);
gboolean   _sprig_store_db_require_open  (SprigStoreDb *db,
                                          gboolean      for_write,
                                          GError      **error);
void       _sprig_store_db_close         (SprigStoreDb *db);
void       _sprig_stmt_bind_text         (SprigStmt  *stmt,
                                          int         idx,
                                          const char *text);
char      *_sprig_stmt_dup_text          (SprigStmt *stmt,
                                          int        col);

/* sprig-store-schema.c: opening, migrations, backups, recovery of a damaged file. */
gboolean _sprig_store_schema_open     (SprigStoreDb *db,
                                       GError      **error);
gboolean _sprig_store_schema_migrate  (SprigStoreDb *db,
                                       int           from_version,
                                       GError      **error);
extern const char *const _sprig_store_schema_steps[];

/* sprig-store-search.c: registers the sprig_rank() FTS5 function on a new connection. */
gboolean _sprig_store_search_register (SprigStoreDb *db,
                                       GError      **error);

/* sprig-store-ops.c: the worker's side of each call. */
SPRIG_STORE_OP (_sprig_store_op_create_conversation);
SPRIG_STORE_OP (_sprig_store_op_update_conversation);
SPRIG_STORE_OP (_sprig_store_op_get_conversation);
SPRIG_STORE_OP (_sprig_store_op_list_conversations);
SPRIG_STORE_OP (_sprig_store_op_delete_conversation);
SPRIG_STORE_OP (_sprig_store_op_restore_conversation);
SPRIG_STORE_OP (_sprig_store_op_delete_all);
SPRIG_STORE_OP (_sprig_store_op_purge_deleted);
SPRIG_STORE_OP (_sprig_store_op_append_message);
SPRIG_STORE_OP (_sprig_store_op_load_thread);
SPRIG_STORE_OP (_sprig_store_op_list_messages);
SPRIG_STORE_OP (_sprig_store_op_get_message);
SPRIG_STORE_OP (_sprig_store_op_count_messages);
SPRIG_STORE_OP (_sprig_store_op_set_active_leaf);
SPRIG_STORE_OP (_sprig_store_op_delete_message);
SPRIG_STORE_OP (_sprig_store_op_add_tool_call);
SPRIG_STORE_OP (_sprig_store_op_set_tool_result);
SPRIG_STORE_OP (_sprig_store_op_set_tool_permission);
SPRIG_STORE_OP (_sprig_store_op_get_tool_permission);
SPRIG_STORE_OP (_sprig_store_op_check_integrity);
SPRIG_STORE_OP (_sprig_store_op_search);

/* Shared row readers (sprig-store-ops.c). */
SprigConversation *_sprig_store_read_conversation (SprigStmt *stmt);
gboolean           _sprig_store_load_messages     (SprigStoreDb *db,
                                                   gint64        conversation_id,
                                                   GPtrArray    *messages,
                                                   GError      **error);
gboolean           _sprig_store_insert_message    (SprigStoreDb       *db,
                                                   const SprigMessage *msg,
                                                   gint64             *id,
                                                   GError            **error);
gboolean           _sprig_store_insert_tool_call  (SprigStoreDb        *db,
                                                   gint64               message_id,
                                                   int                  position,
                                                   const SprigToolCall *call,
                                                   gint64              *id,
                                                   GError             **error);
extern const char _sprig_store_conversation_columns[];

/* sprig-store-stream.c: streamed replies. */
SPRIG_STORE_OP (_sprig_store_op_begin_reply);
SPRIG_STORE_OP (_sprig_store_op_finish_reply);
SPRIG_STORE_OP (_sprig_store_op_flush);
gint64   _sprig_store_streams_next_deadline (SprigStoreDb *db);
void     _sprig_store_streams_flush_due     (SprigStoreDb *db,
                                             gboolean      all);
void     _sprig_stream_buf_free             (SprigStreamBuf *buf);

/* sprig-store-export.c / sprig-store-import.c */
SPRIG_STORE_OP (_sprig_store_op_export_conversation);
SPRIG_STORE_OP (_sprig_store_op_export_all);
SPRIG_STORE_OP (_sprig_store_op_import);
char    *_sprig_store_format_time            (gint64 usec);
gboolean _sprig_store_parse_time             (const char *text,
                                              gint64     *usec);

/* Argument bundles handed to the worker. */
typedef struct
{
  gint64              id;
  gint64              id2;
  gint64              num;
  char               *text;
  char               *text2;
  int                 kind;
  SprigReplyStats     stats;
  SprigConversation  *conv;
  SprigMessage       *msg;
  SprigToolCall      *call;
  GFile              *file;
} SprigStoreArgs;

void _sprig_store_args_free (SprigStoreArgs *args);

static inline gpointer
_sprig_box_int64 (gint64 value)
{
  gint64 *box = g_new (gint64, 1);

  *box = value;
  return box;
}

/* sprig-store.c: handing work to the worker thread. */
typedef enum
{
  SPRIG_STORE_RESULT_BOOLEAN,
  SPRIG_STORE_RESULT_INT,      /* a boxed gint64 (_sprig_box_int64) */
  SPRIG_STORE_RESULT_POINTER,
} SprigStoreResultKind;

void     _sprig_store_queue         (SprigStore           *self,
                                     SprigStoreOpFunc      func,
                                     SprigStoreArgs       *args,
                                     SprigStoreResultKind  kind,
                                     GDestroyNotify        result_free,
                                     gpointer              source_tag,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data);
gboolean _sprig_store_run_sync      (SprigStore        *self,
                                     SprigStoreOpFunc   func,
                                     SprigStoreArgs    *args,
                                     gpointer          *result,
                                     GError           **error);
gboolean _sprig_store_finish_boolean (SprigStore    *self,
                                      GAsyncResult  *result,
                                      gpointer       source_tag,
                                      GError       **error);
gint64   _sprig_store_finish_int     (SprigStore    *self,
                                      GAsyncResult  *result,
                                      gpointer       source_tag,
                                      GError       **error);
gpointer _sprig_store_finish_pointer (SprigStore    *self,
                                      GAsyncResult  *result,
                                      gpointer       source_tag,
                                      GError       **error);
SprigStoreArgs *_sprig_store_args_new (void);
void            _sprig_store_wake     (SprigStore *self);

/* Test hooks (tests include this header). */
SprigStoreDb *_sprig_store_get_db              (SprigStore *self);
gboolean      _sprig_store_exec_sync           (SprigStore  *self,
                                                const char  *sql,
                                                GError     **error);
void          _sprig_store_set_thread_audit    (SprigStore *self,
                                                gboolean    enabled);
void          _sprig_store_get_thread_audit    (SprigStore *self,
                                                guint      *on_worker,
                                                guint      *off_worker);
gboolean      _sprig_store_flush_sync          (SprigStore  *self,
                                                GError     **error);

G_END_DECLS
