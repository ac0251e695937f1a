/* SPDX-License-Identifier: Apache-2.0
 *
 * The store when the disk misbehaves: a full disk (PRAGMA max_page_count), a read-only
 * file, and damaged files. Each case must end with a clear SprigStoreError and without
 * losing anything that was already saved.
 */
#include "config.h"

#include <unistd.h>

#include "store/store-test-util.h"

static char *
big_text (gsize len)
{
  char *text = g_malloc (len + 1);

  for (gsize i = 0; i < len; i++)
    text[i] = (char) ('a' + (i * 7 + i / 13) % 26);
  text[len] = '\0';
  return text;
}

static void
test_full_disk (void)
{
  g_autofree char *dir = store_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "sprig.db", NULL);
  g_autoptr(SprigStore) store = store_test_new_open (path);
  g_autofree char *big = big_text (256 * 1024);
  g_autoptr(SprigMessage) msg = NULL;
  g_autoptr(GError) error = NULL;
  gint64 conv, kept, reply;

  conv = store_test_create_conversation (store, "Full");
  kept = store_test_append (store, conv, 0, SPRIG_MESSAGE_ROLE_USER, "saved before");
  reply = store_test_begin_reply (store, conv, kept);
  sprig_store_set_commit_interval (store, 60 * 1000);

  /* Pin the file at its current size: nothing larger fits any more. */
  g_assert_true (_sprig_store_exec_sync (store, "PRAGMA max_page_count = 1", &error));
  g_assert_cmpint (store_test_append_full (store, conv, kept, SPRIG_MESSAGE_ROLE_USER, big,
                                           &error), ==, -1);
  g_assert_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_FULL);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "disk is full"));
  g_clear_error (&error);

  /* A streamed reply that cannot be committed stays buffered and says why. */
  g_assert_true (sprig_store_stream_append (store, reply, big, NULL, &error));
  g_assert_false (_sprig_store_flush_sync (store, &error));
  g_assert_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_FULL);
  g_clear_error (&error);
  g_assert_false (sprig_store_stream_append (store, reply, " and more", NULL, &error));
  g_assert_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_FULL);
  g_clear_error (&error);
  g_assert_false (store_test_finish_reply (store, reply, SPRIG_MESSAGE_STATUS_COMPLETE, &error));
  g_assert_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_FULL);
  g_clear_error (&error);

  msg = sprig_store_get_message_sync (store, kept, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (msg->content, ==, "saved before");
  g_clear_pointer (&msg, sprig_message_free);

  /* Space again: the buffered reply lands whole. */
  g_assert_true (_sprig_store_exec_sync (store, "PRAGMA max_page_count = 1000000", &error));
  g_assert_true (store_test_finish_reply (store, reply, SPRIG_MESSAGE_STATUS_COMPLETE, &error));
  g_assert_no_error (error);
  msg = sprig_store_get_message_sync (store, reply, &error);
  g_assert_cmpuint (strlen (msg->content), ==, strlen (big) + strlen (" and more"));
  g_assert_true (g_str_has_prefix (msg->content, big));
  g_assert_cmpint (msg->status, ==, SPRIG_MESSAGE_STATUS_COMPLETE);
  g_assert_finalize_object (g_steal_pointer (&store));
  store_test_rmdir (dir);
}

static char *
checksum_file (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, len);
}

/* Runs in a subprocess; as root it first becomes "nobody", for whom 0444 means read-only. */
static void
read_only_child (void)
{
  const char *path = g_getenv ("SPRIG_TEST_RO_DB");
  g_autoptr(SprigStore) store = NULL;
  g_autoptr(SprigConversation) conv = sprig_conversation_new ();
  g_autoptr(SprigConversation) loaded = NULL;
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  if (geteuid () == 0)
    g_assert_true (setgid (65534) == 0 && setuid (65534) == 0);
  store = store_test_new_open (path);
  g_assert_true (sprig_store_is_read_only (store));
  loaded = sprig_store_get_conversation_sync (store, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->title, ==, "Read me");

  conv->title = g_strdup ("Cannot be saved");
  sprig_store_create_conversation_async (store, conv, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  g_assert_cmpint (sprig_store_create_conversation_finish (store, res, &error), ==, -1);
  g_assert_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_READ_ONLY);
  g_assert_nonnull (strstr (error->message, "read-only"));
  g_print ("child saw: %s\n", error->message);
}

static void
test_read_only (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr(SprigStore) store = NULL;

  if (g_test_subprocess ())
    {
      read_only_child ();
      return;
    }
  dir = store_test_mkdtemp ();
  path = g_build_filename (dir, "sprig.db", NULL);
  store = store_test_new_open (path);
  g_assert_cmpint (store_test_create_conversation (store, "Read me"), ==, 1);
  g_assert_finalize_object (g_steal_pointer (&store));

  before = checksum_file (path);
  g_assert_cmpint (g_chmod (path, 0444), ==, 0);
  if (geteuid () == 0)
    g_assert_true (chown (dir, 65534, 65534) == 0 && chown (path, 65534, 65534) == 0);
  g_setenv ("SPRIG_TEST_RO_DB", path, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*child saw:*read-only*");

  after = checksum_file (path);
  g_assert_cmpstr (after, ==, before);
  g_chmod (path, 0644);
  store_test_rmdir (dir);
}

static void
write_garbage (const char *path,
               gsize       offset,
               gsize       len)
{
  g_autofree guchar *data = g_malloc (len);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  FILE *file = fopen (path, offset == 0 ? "wb" : "r+b");

  for (gsize i = 0; i < len; i++)
    data[i] = (guchar) g_rand_int_range (rand, 0, 256);
  g_assert_nonnull (file);
  g_assert_cmpint (fseek (file, (long) offset, SEEK_SET), ==, 0);
  g_assert_cmpuint (fwrite (data, 1, len, file), ==, len);
  fclose (file);
}

static void
assert_recovers (const char *dir,
                 const char *path)
{
  g_autofree char *before = checksum_file (path);
  g_autofree char *kept = NULL;
  g_autoptr(SprigStore) store = store_test_new_open (path);
  const char *recovered = sprig_store_get_recovered_path (store);

  /* The damaged file is kept byte for byte beside a new, working database. */
  g_assert_nonnull (recovered);
  g_test_message ("damaged file kept as %s", recovered);
  g_assert_true (g_str_has_prefix (recovered, path));
  g_assert_nonnull (strstr (recovered, ".corrupt-"));
  kept = checksum_file (recovered);
  g_assert_cmpstr (kept, ==, before);
  g_assert_cmpint (store_test_create_conversation (store, "Fresh start"), ==, 1);
  g_assert_cmpint (sprig_store_count_messages_sync (store, NULL), ==, 0);
  g_assert_finalize_object (g_steal_pointer (&store));

  /* Opening again is ordinary: nothing more to recover. */
  store = store_test_new_open (path);
  g_assert_null (sprig_store_get_recovered_path (store));
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_corrupt_garbage (void)
{
  g_autofree char *dir = store_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "sprig.db", NULL);

  write_garbage (path, 0, 16384);
  assert_recovers (dir, path);
  store_test_rmdir (dir);
}

static void
test_corrupt_schema_page (void)
{
  g_autofree char *dir = store_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "sprig.db", NULL);
  g_autoptr(SprigStore) store = store_test_new_open (path);

  store_test_append (store, store_test_create_conversation (store, "Doomed"), 0,
                     SPRIG_MESSAGE_ROLE_USER, "text");
  g_assert_finalize_object (g_steal_pointer (&store));
  /* A valid header, then a damaged first page (where the schema lives). */
  write_garbage (path, 100, 4096 - 100);
  assert_recovers (dir, path);
  store_test_rmdir (dir);
}

static void
test_integrity_check (void)
{
  g_autofree char *dir = store_test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "sprig.db", NULL);
  g_autoptr(SprigStore) store = store_test_new_open (path);
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  GAsyncResult *slot = NULL;

  sprig_store_check_integrity_async (store, NULL, store_test_cb, &slot);
  res = store_test_wait (&slot);
  g_assert_true (sprig_store_check_integrity_finish (store, res, &error));
  g_assert_no_error (error);
  g_clear_object (&res);
  g_assert_finalize_object (g_steal_pointer (&store));
  store_test_rmdir (dir);
}

static void
test_not_open (void)
{
  g_autoptr(SprigStore) store = sprig_store_new ("/nonexistent-dir-for-sprig/sprig.db");
  g_autoptr(GError) error = NULL;

  /* Calls before (or after a failed) open fail cleanly instead of touching SQLite. */
  g_assert_null (sprig_store_get_conversation_sync (store, 1, &error));
  g_assert_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_CLOSED);
  g_clear_error (&error);
  if (geteuid () != 0)
    {
      g_assert_false (store_test_open (store, &error));
      g_assert_error (error, SPRIG_STORE_ERROR, SPRIG_STORE_ERROR_FAILED);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sprig/store/full-disk", test_full_disk);
  g_test_add_func ("/sprig/store/read-only", test_read_only);
  g_test_add_func ("/sprig/store/corrupt-garbage", test_corrupt_garbage);
  g_test_add_func ("/sprig/store/corrupt-schema-page", test_corrupt_schema_page);
  g_test_add_func ("/sprig/store/integrity-check", test_integrity_check);
  g_test_add_func ("/sprig/store/not-open", test_not_open);

  return g_test_run ();
}
