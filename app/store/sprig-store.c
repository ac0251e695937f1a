/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigStore: the object the app holds, and the worker thread that owns the SQLite
 * connection. Calls become jobs on a GAsyncQueue; the worker runs them in order, commits
 * streamed text when its interval is due, and answers through GTask (or a condition
 * variable for the few synchronous reads).
 */
#include "config.h"

#include <glib/gi18n.h>

#include "sprig-store-private.h"

#define DEFAULT_COMMIT_INTERVAL_MS 1000

typedef enum
{
  JOB_RUN,
  JOB_WAKE,  /* recompute when the next streamed commit is due */
  JOB_QUIT,
} JobKind;

typedef struct
{
  GMutex   lock;
  GCond    cond;
  gboolean done;
  gboolean ok;
  gpointer result;
  GError  *error;
} SyncWait;

typedef struct
{
  JobKind              kind;
  SprigStoreOpFunc     func;
  SprigStoreArgs      *args;
  SprigStoreResultKind result_kind;
  GDestroyNotify       result_free;
  GTask               *task;
  SyncWait            *wait;
  gboolean             ok;
  gpointer             result;
  GError              *error;
} Job;

typedef struct
{
  SprigStoreDb *db;
  GAsyncQueue  *queue;
} Worker;

struct _SprigStore
{
  GObject       parent_instance;

  char         *path;
  char         *recovered_path;
  gboolean      read_only;
  GAsyncQueue  *queue;
  GThread      *thread;
  SprigStoreDb *db;  /* read here only for its stream buffers and atomics */
};

G_DEFINE_FINAL_TYPE (SprigStore, sprig_store, G_TYPE_OBJECT)

G_DEFINE_QUARK (sprig-store-error-quark, sprig_store_error)

SprigStoreArgs *
_sprig_store_args_new (void)
{
  return g_new0 (SprigStoreArgs, 1);
}

void
_sprig_store_args_free (SprigStoreArgs *args)
{
  if (args == NULL)
    return;
  g_free (args->text);
  g_free (args->text2);
  g_clear_pointer (&args->conv, sprig_conversation_free);
  g_clear_pointer (&args->msg, sprig_message_free);
  g_clear_pointer (&args->call, sprig_tool_call_free);
  g_clear_object (&args->file);
  g_free (args);
}

static void
job_free (Job *job)
{
  if (job->result != NULL && job->result_free != NULL)
    job->result_free (job->result);
  g_clear_error (&job->error);
  _sprig_store_args_free (job->args);
  g_clear_object (&job->task);
  g_free (job);
}

/* Runs in the task's own main context, so the last reference to the task (and with it to
 * the store) is always dropped there, never on the worker. */
static gboolean
return_in_context (gpointer data)
{
  Job *job = data;

  if (!job->ok)
    g_task_return_error (job->task, g_steal_pointer (&job->error));
  else if (job->result_kind == SPRIG_STORE_RESULT_BOOLEAN)
    g_task_return_boolean (job->task, TRUE);
  else
    g_task_return_pointer (job->task, g_steal_pointer (&job->result), job->result_free);
  return G_SOURCE_REMOVE;
}

static void
run_job (SprigStoreDb *db,
         Job          *job)
{
  GCancellable *cancellable = job->task != NULL ? g_task_get_cancellable (job->task) : NULL;
  g_autoptr(GSource) source = NULL;

  if (g_cancellable_set_error_if_cancelled (cancellable, &job->error))
    job->ok = FALSE;
  else
    job->ok = job->func (db, job->args, &job->result, &job->error);
  g_assert (job->ok == (job->error == NULL));

  if (job->wait != NULL)
    {
      g_mutex_lock (&job->wait->lock);
      job->wait->ok = job->ok;
      job->wait->result = g_steal_pointer (&job->result);
      job->wait->error = g_steal_pointer (&job->error);
      job->wait->done = TRUE;
      g_cond_signal (&job->wait->cond);
      g_mutex_unlock (&job->wait->lock);
      job_free (job);
      return;
    }
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, return_in_context, job, (GDestroyNotify) job_free);
  g_source_set_static_name (source, "[sprig-store] return");
  g_source_attach (source, g_task_get_context (job->task));
}

static void
db_free (SprigStoreDb *db)
{
  _sprig_store_db_close (db);
  g_hash_table_unref (db->stmts);
  g_hash_table_unref (db->streams);
  g_mutex_clear (&db->streams_lock);
  g_free (db->path);
  g_free (db->recovered_path);
  g_free (db);
}

static gpointer
worker_main (gpointer data)
{
  Worker *worker = data;
  SprigStoreDb *db = worker->db;

  for (;;)
    {
      gint64 deadline = _sprig_store_streams_next_deadline (db);
      Job *job;

      if (deadline < 0)
        job = g_async_queue_pop (worker->queue);
      else
        job = g_async_queue_timeout_pop (worker->queue,
                                         MAX (0, deadline - g_get_monotonic_time ()));
      if (job != NULL && job->kind == JOB_QUIT)
        {
          job_free (job);
          break;
        }
      if (job != NULL && job->kind == JOB_RUN)
        run_job (db, job);  /* takes the job */
      else
        g_clear_pointer (&job, job_free);
      _sprig_store_streams_flush_due (db, FALSE);
    }

  /* Whatever is still buffered gets its final commit before the connection closes. */
  _sprig_store_streams_flush_due (db, TRUE);
  db_free (db);
  g_async_queue_unref (worker->queue);
  g_free (worker);
  return NULL;
}

static void
push_job (SprigStore *self,
          JobKind     kind)
{
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  g_async_queue_push (self->queue, job);
}

static void
sprig_store_finalize (GObject *object)
{
  SprigStore *self = SPRIG_STORE (object);

  push_job (self, JOB_QUIT);
  /* The last reference can drop on the worker itself (a GTask freed there); it then
   * finds the quit job after the current one and ends on its own. */
  if (g_thread_self () == self->thread)
    g_thread_unref (self->thread);
  else
    g_thread_join (self->thread);
  g_async_queue_unref (self->queue);
  g_free (self->path);
  g_free (self->recovered_path);

  G_OBJECT_CLASS (sprig_store_parent_class)->finalize (object);
}

static void
sprig_store_class_init (SprigStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sprig_store_finalize;
}

static void
sprig_store_init (SprigStore *self)
{
}

char *
sprig_store_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "sprig", "sprig.db", NULL);
}

/**
 * sprig_store_new:
 * @path: (nullable): the database file, or %NULL for sprig_store_default_path()
 *
 * Starts the worker thread; nothing touches the disk until sprig_store_open_async().
 */
SprigStore *
sprig_store_new (const char *path)
{
  SprigStore *self = g_object_new (SPRIG_TYPE_STORE, NULL);
  SprigStoreDb *db = g_new0 (SprigStoreDb, 1);
  Worker *worker = g_new0 (Worker, 1);

  self->path = path != NULL ? g_strdup (path) : sprig_store_default_path ();
  self->queue = g_async_queue_new ();

  db->path = g_strdup (self->path);
  db->commit_interval_ms = DEFAULT_COMMIT_INTERVAL_MS;
  db->stmts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                     (GDestroyNotify) sqlite3_finalize);
  db->streams = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                       (GDestroyNotify) _sprig_stream_buf_free);
  g_mutex_init (&db->streams_lock);
  self->db = db;

  worker->db = db;
  worker->queue = g_async_queue_ref (self->queue);
  self->thread = g_thread_new ("sprig-store", worker_main, worker);
  db->thread = self->thread;
  return self;
}

const char *
sprig_store_get_path (SprigStore *self)
{
  g_return_val_if_fail (SPRIG_IS_STORE (self), NULL);
  return self->path;
}

/* How often a streaming reply is committed at most: 1000 ms unless a test shortens it. */
void
sprig_store_set_commit_interval (SprigStore *self,
                                 guint       interval_ms)
{
  g_return_if_fail (SPRIG_IS_STORE (self));
  g_atomic_int_set (&self->db->commit_interval_ms, (gint) MAX (interval_ms, 1u));
}

/* Non-NULL after an open that found a damaged file: where it was kept. Tell the user. */
const char *
sprig_store_get_recovered_path (SprigStore *self)
{
  g_return_val_if_fail (SPRIG_IS_STORE (self), NULL);
  return self->recovered_path;
}

gboolean
sprig_store_is_read_only (SprigStore *self)
{
  g_return_val_if_fail (SPRIG_IS_STORE (self), FALSE);
  return self->read_only;
}

void
_sprig_store_queue (SprigStore           *self,
                    SprigStoreOpFunc      func,
                    SprigStoreArgs       *args,
                    SprigStoreResultKind  kind,
                    GDestroyNotify        result_free,
                    gpointer              source_tag,
                    GCancellable         *cancellable,
                    GAsyncReadyCallback   callback,
                    gpointer              user_data)
{
  Job *job = g_new0 (Job, 1);

  job->kind = JOB_RUN;
  job->func = func;
  job->args = args != NULL ? args : _sprig_store_args_new ();
  job->result_kind = kind;
  job->result_free = kind == SPRIG_STORE_RESULT_INT ? g_free : result_free;
  job->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, source_tag);
  g_async_queue_push (self->queue, job);
}

gboolean
_sprig_store_run_sync (SprigStore        *self,
                       SprigStoreOpFunc   func,
                       SprigStoreArgs    *args,
                       gpointer          *result,
                       GError           **error)
{
  SyncWait wait = { 0 };
  Job *job = g_new0 (Job, 1);

  /* Waiting for the worker from the worker would never end. */
  g_assert (g_thread_self () != self->thread);
  g_mutex_init (&wait.lock);
  g_cond_init (&wait.cond);
  job->kind = JOB_RUN;
  job->func = func;
  job->args = args != NULL ? args : _sprig_store_args_new ();
  job->wait = &wait;

  g_mutex_lock (&wait.lock);
  g_async_queue_push (self->queue, job);
  while (!wait.done)
    g_cond_wait (&wait.cond, &wait.lock);
  g_mutex_unlock (&wait.lock);
  g_mutex_clear (&wait.lock);
  g_cond_clear (&wait.cond);

  if (result != NULL)
    *result = wait.result;
  if (!wait.ok)
    g_propagate_error (error, wait.error);
  return wait.ok;
}

gboolean
_sprig_store_finish_boolean (SprigStore    *self,
                             GAsyncResult  *result,
                             gpointer       source_tag,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

gint64
_sprig_store_finish_int (SprigStore    *self,
                         GAsyncResult  *result,
                         gpointer       source_tag,
                         GError       **error)
{
  g_autofree gint64 *value = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, -1);
  value = g_task_propagate_pointer (G_TASK (result), error);
  return value != NULL ? *value : -1;
}

gpointer
_sprig_store_finish_pointer (SprigStore    *self,
                             GAsyncResult  *result,
                             gpointer       source_tag,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  char    *recovered_path;
  gboolean read_only;
} OpenResult;

static void
open_result_free (OpenResult *res)
{
  g_free (res->recovered_path);
  g_free (res);
}

static gboolean
op_open (SprigStoreDb *db,
         gpointer      data,
         gpointer     *result,
         GError      **error)
{
  OpenResult *res;

  _sprig_store_db_assert_worker (db);
  if (db->sql == NULL && !_sprig_store_schema_open (db, error))
    return FALSE;
  res = g_new0 (OpenResult, 1);
  res->recovered_path = g_strdup (db->recovered_path);
  res->read_only = db->read_only;
  *result = res;
  return TRUE;
}

void
sprig_store_open_async (SprigStore          *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_return_if_fail (SPRIG_IS_STORE (self));
  _sprig_store_queue (self, op_open, NULL, SPRIG_STORE_RESULT_POINTER,
                      (GDestroyNotify) open_result_free, sprig_store_open_async, cancellable,
                      callback, user_data);
}

gboolean
sprig_store_open_finish (SprigStore    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  OpenResult *res;

  g_return_val_if_fail (SPRIG_IS_STORE (self), FALSE);
  res = _sprig_store_finish_pointer (self, result, sprig_store_open_async, error);
  if (res == NULL)
    return FALSE;
  g_free (self->recovered_path);
  self->recovered_path = g_steal_pointer (&res->recovered_path);
  self->read_only = res->read_only;
  open_result_free (res);
  return TRUE;
}

/* Test hooks. */

SprigStoreDb *
_sprig_store_get_db (SprigStore *self)
{
  return self->db;
}

static gboolean
op_exec (SprigStoreDb *db,
         gpointer      data,
         gpointer     *result,
         GError      **error)
{
  SprigStoreArgs *args = data;

  return _sprig_store_db_require_open (db, FALSE, error) &&
         _sprig_store_db_exec (db, args->text, error);
}

gboolean
_sprig_store_exec_sync (SprigStore  *self,
                        const char  *sql,
                        GError     **error)
{
  SprigStoreArgs *args = _sprig_store_args_new ();

  args->text = g_strdup (sql);
  return _sprig_store_run_sync (self, op_exec, args, NULL, error);
}

static int
audit_trace_cb (unsigned int type,
                void        *user_data,
                void        *p,
                void        *x)
{
  SprigStoreDb *db = user_data;

  if (g_thread_self () == db->thread)
    g_atomic_int_inc (&db->audit_on_worker);
  else
    g_atomic_int_inc (&db->audit_off_worker);
  return 0;
}

static gboolean
op_audit (SprigStoreDb *db,
          gpointer      data,
          gpointer     *result,
          GError      **error)
{
  SprigStoreArgs *args = data;

  if (!_sprig_store_db_require_open (db, FALSE, error))
    return FALSE;
  g_atomic_int_set (&db->audit, (gint) args->num);
  sqlite3_trace_v2 (db->sql, args->num ? SQLITE_TRACE_STMT : 0,
                    args->num ? audit_trace_cb : NULL, db);
  return TRUE;
}

/* Counts, from inside SQLite, the statements run on and off the worker thread. */
void
_sprig_store_set_thread_audit (SprigStore *self,
                               gboolean    enabled)
{
  SprigStoreArgs *args = _sprig_store_args_new ();

  args->num = enabled;
  _sprig_store_run_sync (self, op_audit, args, NULL, NULL);
}

void
_sprig_store_get_thread_audit (SprigStore *self,
                               guint      *on_worker,
                               guint      *off_worker)
{
  *on_worker = (guint) g_atomic_int_get (&self->db->audit_on_worker);
  *off_worker = (guint) g_atomic_int_get (&self->db->audit_off_worker);
}

gboolean
_sprig_store_flush_sync (SprigStore  *self,
                         GError     **error)
{
  return _sprig_store_run_sync (self, _sprig_store_op_flush, NULL, NULL, error);
}

/* Wakes the worker so that it sees a buffer that just became dirty. */
void
_sprig_store_wake (SprigStore *self)
{
  push_job (self, JOB_WAKE);
}
