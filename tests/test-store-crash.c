/* SPDX-License-Identifier: Apache-2.0
 *
 * Crash safety: store-crash-child streams a reply into one database and is killed with
 * SIGKILL at a random moment, 50 times over. After each kill the database must open, pass
 * PRAGMA integrity_check, hold every message the child saw committed, and hold the
 * partial reply, marked interrupted and no further behind than the bound below.
 */
#include "config.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store-test-util.h"

#define ITERATIONS 50
/* The child commits streamed text every COMMIT_MS (the app uses 1000 ms). "At most one
 * interval behind" is checked as: every chunk the child logged as handed to the store at
 * least MAX_LAG_MS before the kill must be in the database. MAX_LAG_MS is the interval
 * plus 200 ms of slack for a loaded machine; kills land 20 to 500 ms after streaming
 * starts, so about half of the iterations test the bound. */
#define COMMIT_MS  50
#define MAX_LAG_MS (COMMIT_MS + 200)

typedef struct
{
  gint64  id;
  char   *content;
} Committed;

typedef struct
{
  GString *pending;   /* bytes of an unfinished line */
  gboolean opened;
  gint64   user_id;
  char    *user_content;
  gint64   reply_id;
  GArray  *chunk_times;  /* gint64 monotonic time of chunk i */
} ChildLog;

static void
child_log_clear (ChildLog *log)
{
  g_string_free (log->pending, TRUE);
  g_free (log->user_content);
  g_array_unref (log->chunk_times);
}

static void
parse_line (ChildLog   *log,
            const char *line)
{
  guint index;
  gint64 id, when;
  int offset = 0;

  if (g_str_equal (line, "O"))
    log->opened = TRUE;
  else if (sscanf (line, "U %" G_GINT64_FORMAT " %n", &id, &offset) == 1 && offset > 0)
    {
      log->user_id = id;
      log->user_content = g_strdup (line + offset);
    }
  else if (sscanf (line, "R %" G_GINT64_FORMAT, &id) == 1)
    log->reply_id = id;
  else if (sscanf (line, "K %u %" G_GINT64_FORMAT, &index, &when) == 2)
    {
      g_assert_cmpuint (index, ==, log->chunk_times->len);
      g_array_append_val (log->chunk_times, when);
    }
  else
    g_error ("unexpected line from the child: %s", line);
}

/* Reads what is available (blocking for at least one read); FALSE at end of file. */
static gboolean
read_some (int       fd,
           ChildLog *log)
{
  char buf[4096];
  gssize n = read (fd, buf, sizeof buf);
  char *nl;

  if (n <= 0)
    return FALSE;
  g_string_append_len (log->pending, buf, n);
  while ((nl = strchr (log->pending->str, '\n')) != NULL)
    {
      g_autofree char *line = g_strndup (log->pending->str, (gsize) (nl - log->pending->str));

      g_string_erase (log->pending, 0, nl - log->pending->str + 1);
      parse_line (log, line);
    }
  return TRUE;
}

static GPid
spawn_child (const char *db_path,
             guint       iteration,
             int        *out_fd)
{
  g_autofree char *child = g_test_build_filename (G_TEST_BUILT, "store-crash-child", NULL);
  g_autofree char *interval = g_strdup_printf ("%d", COMMIT_MS);
  g_autofree char *iter = g_strdup_printf ("%u", iteration);
  const char *argv[] = { child, db_path, interval, iter, NULL };
  g_autoptr(GError) error = NULL;
  GPid pid = 0;

  g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                            &pid, NULL, out_fd, NULL, &error);
  g_assert_no_error (error);
  return pid;
}

/* Runs one child to its death; returns the monotonic time of the kill. */
static gint64
run_and_kill (const char *db_path,
              guint       iteration,
              ChildLog   *log)
{
  int fd = -1, status = 0;
  GPid pid = spawn_child (db_path, iteration, &fd);
  gint64 kill_time;

  if (iteration % 5 == 4)
    {
      /* Now and then, die early: during open, recovery or the first commits. */
      g_usleep ((gulong) g_test_rand_int_range (0, 40) * 1000);
    }
  else
    {
      while (log->reply_id == 0 && read_some (fd, log))
        ;
      g_assert_cmpint (log->reply_id, >, 0);
      g_usleep ((gulong) g_test_rand_int_range (20, 500) * 1000);
    }
  kill_time = g_get_monotonic_time ();
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  while (read_some (fd, log))
    ;
  close (fd);
  g_spawn_close_pid (pid);
  /* Killed by us, not dead of its own (an error exit would hide a store failure). */
  g_assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
  return kill_time;
}

static char *
expected_prefix (guint chunks)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < chunks; i++)
    g_string_append_printf (text, "chunk-%06u ", i);
  return g_string_free (text, FALSE);
}

/* Returns how many chunks of the reply are in the database. */
static guint
check_reply (SprigStore     *store,
             const ChildLog *log,
             gint64          kill_time,
             char          **content)
{
  g_autoptr(SprigMessage) msg = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *all = expected_prefix (log->chunk_times->len);
  guint stored, must_have = 0;

  msg = sprig_store_get_message_sync (store, log->reply_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (msg->status, ==, SPRIG_MESSAGE_STATUS_INTERRUPTED);
  /* Whole chunks only, in order, nothing invented. */
  g_assert_true (g_str_has_prefix (all, msg->content));
  g_assert_cmpuint (strlen (msg->content) % strlen ("chunk-000000 "), ==, 0);
  stored = (guint) (strlen (msg->content) / strlen ("chunk-000000 "));

  for (guint i = 0; i < log->chunk_times->len; i++)
    if (g_array_index (log->chunk_times, gint64, i) <= kill_time - MAX_LAG_MS * 1000)
      must_have = i + 1;
  g_assert_cmpuint (stored, >=, must_have);
  *content = g_steal_pointer (&msg->content);
  return stored;
}

static void
check_committed (SprigStore *store,
                 GArray     *committed)
{
  for (guint i = 0; i < committed->len; i++)
    {
      Committed *c = &g_array_index (committed, Committed, i);
      g_autoptr(SprigMessage) msg = sprig_store_get_message_sync (store, c->id, NULL);

      g_assert_nonnull (msg);
      g_assert_cmpstr (msg->content, ==, c->content);
    }
}

static void
check_integrity (SprigStore *store)
{
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  sprig_store_check_integrity_async (store, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  g_assert_true (sprig_store_check_integrity_finish (store, res, &error));
  g_assert_no_error (error);
}

static void
committed_clear (Committed *c)
{
  g_free (c->content);
}

static void
test_crash (void)
{
  g_autofree char *dir = store_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "sprig.db", NULL);
  g_autoptr(GArray) committed = g_array_new (FALSE, FALSE, sizeof (Committed));
  guint streamed = 0, bound_checked = 0;

  g_array_set_clear_func (committed, (GDestroyNotify) committed_clear);
  for (guint iter = 0; iter < ITERATIONS; iter++)
    {
      ChildLog log = { g_string_new (NULL), FALSE, 0, NULL, 0,
                       g_array_new (FALSE, FALSE, sizeof (gint64)) };
      gint64 kill_time = run_and_kill (path, iter, &log);
      g_autoptr(SprigStore) store = store_test_new_open (path);
      Committed c;

      g_assert_null (sprig_store_get_recovered_path (store));
      check_integrity (store);
      if (log.user_id > 0)
        {
          c.id = log.user_id;
          c.content = g_strdup (log.user_content);
          g_array_append_val (committed, c);
        }
      if (log.reply_id > 0)
        {
          guint stored = check_reply (store, &log, kill_time, &c.content);

          c.id = log.reply_id;
          g_array_append_val (committed, c);
          streamed++;
          if (log.chunk_times->len > 0 &&
              g_array_index (log.chunk_times, gint64, 0) <= kill_time - MAX_LAG_MS * 1000)
            bound_checked++;
          g_test_message ("iteration %u: %u chunks handed over, %u on disk", iter,
                          log.chunk_times->len, stored);
        }
      /* Everything committed in earlier runs is still there, unchanged. */
      check_committed (store, committed);
      g_assert_finalize_object (g_steal_pointer (&store));
      child_log_clear (&log);
    }
  g_test_message ("%u kills while streaming, %u of them late enough to test the lag bound",
                  streamed, bound_checked);
  g_assert_cmpuint (streamed, >=, ITERATIONS * 4 / 5);
  store_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sprig/store/crash-sigkill", test_crash);

  return g_test_run ();
}
