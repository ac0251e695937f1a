/* SPDX-License-Identifier: Apache-2.0
 *
 * The victim of test-store-crash: opens the store, commits a user message, then streams
 * a reply chunk by chunk until it is killed. Every step is logged to stdout only after
 * the store has accepted it, with its monotonic time, so the parent knows what was
 * committed and what was merely handed over before SIGKILL.
 */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "store-test-util.h"

static void
say (const char *format,
     ...) G_GNUC_PRINTF (1, 2);

static void
say (const char *format,
     ...)
{
  g_autofree char *line = NULL;
  va_list args;
  gsize done = 0;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  /* One write per line, unbuffered: nothing may wait in stdio when the kill comes. */
  while (done < strlen (line))
    {
      gssize n = write (STDOUT_FILENO, line + done, strlen (line) - done);

      if (n <= 0)
        exit (3);
      done += (gsize) n;
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(SprigStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *question = NULL;
  gint64 conv, user, reply;

  if (argc != 4)
    {
      g_printerr ("usage: %s DB INTERVAL_MS ITERATION\n", argv[0]);
      return 2;
    }
  store = sprig_store_new (argv[1]);
  sprig_store_set_commit_interval (store, (guint) atoi (argv[2]));
  if (!store_test_open (store, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  say ("O\n");
  conv = store_test_create_conversation (store, argv[3]);
  question = g_strdup_printf ("question %s", argv[3]);
  user = store_test_append (store, conv, 0, SPRIG_MESSAGE_ROLE_USER, question);
  say ("U %" G_GINT64_FORMAT " %s\n", user, question);
  reply = store_test_begin_reply (store, conv, user);
  say ("R %" G_GINT64_FORMAT "\n", reply);

  for (guint i = 0; i < 1000000; i++)
    {
      g_autofree char *chunk = g_strdup_printf ("chunk-%06u ", i);

      if (!sprig_store_stream_append (store, reply, chunk, NULL, &error))
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      say ("K %u %" G_GINT64_FORMAT "\n", i, g_get_monotonic_time ());
      g_usleep (500);
    }
  return 0;
}
