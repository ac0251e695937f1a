/* SPDX-License-Identifier: Apache-2.0
 *
 * Thread pool of the CPU backend. A parallel call publishes the job, bumps a
 * generation word and wakes sleepers only if there are any; workers that saw the
 * previous generation spin on it for a short while (the next op usually follows
 * within microseconds) before they sleep on it with a futex. Everyone, the caller
 * included, claims items until none are left; the caller then waits for the items to
 * be done, never for a worker that the OS has not scheduled yet.
 */
#include "config.h"

#include <stdatomic.h>

#include <sched.h>
#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "sprig/se-error.h"
#include "se-cpu-pool.h"

/* How long an idle thread spins before it sleeps: longer than the gap between two
 * ops of one forward pass, short enough not to burn a core between user turns. */
#define SPIN_US 300

/* The claim word: job generation (16 bits), number of items and next item to hand
 * out (24 bits each). Claiming with a compare-and-swap on the whole word means a
 * thread that wakes late can never take an item of a job that is already over, so
 * the caller waits for items, not for every worker to show up. */
#define ITEM_BITS 24
#define ITEM_MASK ((G_GUINT64_CONSTANT (1) << ITEM_BITS) - 1)

struct _SeCpuPool
{
  guint n_threads;
  GThread **threads;
  _Atomic guint64 claim;
  atomic_uint generation;   /* futex word of idle workers */
  atomic_uint n_sleeping;
  atomic_uint items_done;   /* futex word of a waiting caller */
  atomic_uint caller_sleeping;
  SeCpuItemFunc func;
  gpointer data;
  atomic_bool quit;
};

typedef struct
{
  SeCpuPool *pool;
  guint ith;
} Worker;

/* No PAUSE: under KVM, pause-loop exiting deschedules a vCPU that spins on PAUSE,
 * which costs far more than the power it saves (measured: 2 threads went from 60 to
 * 10 tok/s on a 2-vCPU guest). */
static inline void
cpu_relax (void)
{
  __asm__ volatile ("" ::: "memory");
}
static void
word_wait (atomic_uint *word,
           guint        value)
{
#if defined(__linux__)
  syscall (SYS_futex, word, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0);
#else
  sched_yield ();
#endif
}

static void
word_wake (atomic_uint *word)
{
#if defined(__linux__)
  syscall (SYS_futex, word, FUTEX_WAKE_PRIVATE, G_MAXINT, NULL, NULL, 0);
#endif
}

/* Spins until *@word != @old; past the first iterations each round also yields, so
 * a spinning thread hands its core to whoever shares it (another process, or the
 * thread it waits for when the machine is oversubscribed). FALSE after SPIN_US. */
static gboolean
spin_while_equal (atomic_uint *word,
                  guint        old)
{
  gint64 until = 0;

  for (guint i = 0;; i++)
    {
      if (atomic_load_explicit (word, memory_order_acquire) != old)
        return TRUE;
      cpu_relax ();
      if (i >= 2048)
        {
          gint64 now = g_get_monotonic_time ();

          if (until == 0)
            until = now + SPIN_US;
          else if (now > until)
            return FALSE;
          sched_yield ();
        }
    }
}

/* Returns once *@word != @old: spins, then sleeps with @sleeping counted up so the
 * thread that changes the word knows it must wake someone. */
static void
wait_while_equal (atomic_uint *word,
                  guint        old,
                  atomic_uint *sleeping)
{
  if (spin_while_equal (word, old))
    return;
  atomic_fetch_add (sleeping, 1);
  while (atomic_load (word) == old)
    word_wait (word, old);
  atomic_fetch_sub (sleeping, 1);
}

static void
run_items (SeCpuPool *pool,
           guint      ith)
{
  for (;;)
    {
      guint64 c = atomic_load_explicit (&pool->claim, memory_order_acquire);
      guint n = (guint) ((c >> ITEM_BITS) & ITEM_MASK), item = (guint) (c & ITEM_MASK);
      /* stale if the job just ended; then the claim below fails and we look again */
      SeCpuItemFunc func = __atomic_load_n (&pool->func, __ATOMIC_RELAXED);
      gpointer data = __atomic_load_n (&pool->data, __ATOMIC_RELAXED);

      if (item >= n)
        return;
      if (!atomic_compare_exchange_weak (&pool->claim, &c, c + 1))
        continue;
      func (data, item, ith);
      if (atomic_fetch_add (&pool->items_done, 1) + 1 == n
          && atomic_load (&pool->caller_sleeping))
        word_wake (&pool->items_done);
    }
}

static gpointer
worker_main (gpointer user_data)
{
  Worker *w = user_data;
  SeCpuPool *pool = w->pool;
  guint seen = 0;

  for (;;)
    {
      wait_while_equal (&pool->generation, seen, &pool->n_sleeping);
      seen = atomic_load (&pool->generation);
      if (atomic_load (&pool->quit))
        break;
      run_items (pool, w->ith);
    }
  g_free (w);
  return NULL;
}

SeCpuPool *
se_cpu_pool_new (guint    n_threads,
                 GError **error)
{
  SeCpuPool *pool = g_new0 (SeCpuPool, 1);

  pool->n_threads = MAX (n_threads, 1);
  pool->threads = g_new0 (GThread *, pool->n_threads);
  for (guint i = 1; i < pool->n_threads; i++)
    {
      Worker *w = g_new (Worker, 1);

      w->pool = pool;
      w->ith = i;
      pool->threads[i] = g_thread_try_new ("sprig-cpu", worker_main, w, error);
      if (pool->threads[i] == NULL)
        {
          g_free (w);
          pool->n_threads = i;   /* join only the ones that started */
          se_cpu_pool_free (pool);
          return NULL;
        }
    }
  return pool;
}

void
se_cpu_pool_free (SeCpuPool *pool)
{
  if (pool == NULL)
    return;
  atomic_store (&pool->quit, TRUE);
  atomic_fetch_add (&pool->generation, 1);
  word_wake (&pool->generation);
  for (guint i = 1; i < pool->n_threads; i++)
    g_thread_join (pool->threads[i]);
  g_free (pool->threads);
  g_free (pool);
}

guint
se_cpu_pool_size (SeCpuPool *pool)
{
  return pool->n_threads;
}

/* Returns when all @n_items are done, whoever ran them. */
static void
wait_for_items (SeCpuPool *pool,
                guint      n_items)
{
  guint done;

  while ((done = atomic_load (&pool->items_done)) != n_items)
    if (!spin_while_equal (&pool->items_done, done))
      break;
  if (done == n_items)
    return;
  atomic_store (&pool->caller_sleeping, 1);
  while ((done = atomic_load (&pool->items_done)) != n_items)
    word_wait (&pool->items_done, done);
  atomic_store (&pool->caller_sleeping, 0);
}

void
se_cpu_pool_parallel (SeCpuPool     *pool,
                      guint          n_items,
                      SeCpuItemFunc  func,
                      gpointer       data)
{
  guint64 gen;

  if (n_items <= 1 || pool->n_threads == 1)
    {
      for (guint i = 0; i < n_items; i++)
        func (data, i, 0);
      return;
    }
  g_return_if_fail (n_items <= ITEM_MASK);
  gen = (atomic_load (&pool->claim) >> (2 * ITEM_BITS)) + 1;
  __atomic_store_n (&pool->func, func, __ATOMIC_RELAXED);
  __atomic_store_n (&pool->data, data, __ATOMIC_RELAXED);
  atomic_store (&pool->items_done, 0);
  atomic_store (&pool->claim, (gen << (2 * ITEM_BITS)) | ((guint64) n_items << ITEM_BITS));
  atomic_fetch_add (&pool->generation, 1);
  if (atomic_load (&pool->n_sleeping) > 0)
    word_wake (&pool->generation);
  run_items (pool, 0);
  wait_for_items (pool, n_items);
}
