/* SPDX-License-Identifier: Apache-2.0
 *
 * SprigDownload against a SoupServer on 127.0.0.1 inside this program (on a thread of its
 * own) that serves a model made by sprig-cli with Range support and misbehaves on
 * command: drops the connection, stalls, answers 500, sends too few or too many bytes,
 * ignores Range, serves corrupted bytes. The server counts the body bytes it wrote, so
 * a resume is checked to fetch only what was missing.
 */
#include "config.h"

#include <libsoup/soup.h>

#include "models/models-test-server.h"
#include "models/models-test-util.h"


static char *models_tmp;   /* shared by all tests: the source models */
static char *tiny_path;
static char *big_path;

typedef struct
{
  char *dir;
  SprigModelLibrary *library;
  Server *server;
  GBytes *file;
  char *sha;
  char *url;
  SoupSession *session;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  const char *path = data ? data : tiny_path;

  f->dir = models_test_mkdtemp ();
  f->library = sprig_model_library_new (f->dir);
  f->file = models_test_read (path);
  f->sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, f->file);
  f->server = server_start (f->file);
  f->url = g_strconcat (f->server->base_url, "/org/repo/resolve/main/model.gguf", NULL);
  f->session = soup_session_new_with_options ("proxy-resolver", NULL, NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  server_stop (f->server);
  models_test_finalize (f->session);
  models_test_finalize (f->library);
  models_test_rmdir (f->dir);
  g_bytes_unref (f->file);
  g_free (f->sha);
  g_free (f->url);
  g_free (f->dir);
}

static SprigDownload *
new_download (Fixture    *f,
              const char *url,
              guint64     expected_size,
              const char *expected_sha)
{
  SprigDownload *d = sprig_download_new (f->library, url ? url : f->url, "model.gguf",
                                         expected_size, expected_sha);

  sprig_download_set_session (d, f->session);
  sprig_download_set_retry_policy (d, 5, 10);
  sprig_download_set_stall_timeout (d, 2000);
  return d;
}

static SprigModelInfo *
run (SprigDownload *d,
     GCancellable  *cancellable,
     GError       **error)
{
  g_autoptr(GAsyncResult) res = NULL;
  GAsyncResult *slot = NULL;

  sprig_download_run_async (d, cancellable, models_test_cb, &slot);
  res = models_test_wait (&slot);
  return sprig_download_run_finish (d, res, error);
}

static void
assert_installed (Fixture              *f,
                  const SprigModelInfo *info,
                  gboolean              verified)
{
  g_autoptr(GBytes) got = models_test_read (info->path);
  g_autofree char *listing = models_test_ls (f->dir);

  g_assert_true (g_bytes_equal (got, f->file));
  g_assert_cmpstr (info->file_name, ==, "model.gguf");
  g_assert_cmpstr (info->sha256, ==, f->sha);
  g_assert_cmpstr (info->source, ==, f->url);
  g_assert_true (info->verified == verified);
  g_assert_null (info->error);
  g_assert_cmpstr (listing, ==, "model.gguf model.gguf.json");
}

/* What the server saw: the Range starts of its requests and the body bytes it wrote
 * (G_MAXUINT64: not checked). */
static void
assert_server_saw (Fixture    *f,
                   const char *ranges,
                   guint64     bytes_sent)
{
  g_autofree char *seen = server_ranges (f->server);

  g_assert_cmpstr (seen, ==, ranges);
  if (bytes_sent != G_MAXUINT64)
    g_assert_cmpuint (server_bytes_sent (f->server), ==, bytes_sent);
}

/* Nothing usable and nothing partial: what a failed verification must leave. */
static void
assert_folder_empty (Fixture *f)
{
  g_autofree char *listing = models_test_ls (f->dir);

  g_assert_cmpstr (listing, ==, "");
}

typedef struct
{
  guint notifies;
  guint64 last_done;
  gboolean went_backwards;
} Watch;

static void
bytes_done_cb (SprigDownload *d,
               GParamSpec    *pspec,
               Watch         *w)
{
  guint64 done = sprig_download_get_bytes_done (d);

  w->notifies++;
  w->went_backwards |= done < w->last_done;
  w->last_done = done;
}

static void
test_complete (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(SprigDownload) d = new_download (f, NULL, g_bytes_get_size (f->file), NULL);
  g_autoptr(SprigModelInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  Watch w = { 0 };

  server_set (f->server, MODE_NORMAL, 0, 0, f->sha);
  g_signal_connect (d, "notify::bytes-done", G_CALLBACK (bytes_done_cb), &w);
  info = run (d, NULL, &error);
  g_assert_no_error (error);
  assert_installed (f, info, TRUE);
  g_assert_cmpint (sprig_download_get_state (d), ==, SPRIG_DOWNLOAD_DONE);
  g_assert_cmpuint (sprig_download_get_bytes_done (d), ==, g_bytes_get_size (f->file));
  g_assert_cmpuint (sprig_download_get_bytes_total (d), ==, g_bytes_get_size (f->file));
  g_assert_cmpuint (w.notifies, >=, 1);
  g_assert_cmpuint (w.last_done, ==, g_bytes_get_size (f->file));
  g_assert_false (w.went_backwards);
  assert_server_saw (f, "-1", g_bytes_get_size (f->file));
}

static void
test_resume_after_drop (Fixture       *f,
                        gconstpointer  data)
{
  guint64 total = g_bytes_get_size (f->file);
  guint64 at = total / 3;
  g_autoptr(SprigDownload) d = new_download (f, NULL, total, NULL);
  g_autoptr(SprigModelInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ranges = NULL;
  g_autofree char *expected = g_strdup_printf ("-1 %" G_GUINT64_FORMAT, at);

  server_set (f->server, MODE_DROP, at, 0, f->sha);
  info = run (d, NULL, &error);
  g_assert_no_error (error);
  assert_installed (f, info, TRUE);
  ranges = server_ranges (f->server);
  g_test_message ("dropped after %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                  " bytes; requests started at: %s; server sent %" G_GUINT64_FORMAT " bytes",
                  at, total, ranges, server_bytes_sent (f->server));
  g_assert_cmpstr (ranges, ==, expected);
  /* Not one byte fetched twice. */
  g_assert_cmpuint (server_bytes_sent (f->server), ==, total);
}

static void
test_retry_500 (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(SprigDownload) d = new_download (f, NULL, g_bytes_get_size (f->file), f->sha);
  g_autoptr(SprigModelInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  server_set (f->server, MODE_NORMAL, 0, 2, NULL);
  info = run (d, NULL, &error);
  g_assert_no_error (error);
  assert_installed (f, info, TRUE);
  assert_server_saw (f, "-1 -1 -1", G_MAXUINT64);
}

static void
test_give_up_500 (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(SprigDownload) d = new_download (f, NULL, g_bytes_get_size (f->file), NULL);
  g_autoptr(SprigModelInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  sprig_download_set_retry_policy (d, 3, 20);
  server_set (f->server, MODE_NORMAL, 0, 100, NULL);
  info = run (d, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_HTTP);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "after 3 tries"));
  g_assert_nonnull (strstr (error->message, "500"));
  g_assert_cmpint (sprig_download_get_state (d), ==, SPRIG_DOWNLOAD_FAILED);
  g_assert_cmpuint (sprig_download_get_attempt (d), ==, 3);
  assert_server_saw (f, "-1 -1 -1", G_MAXUINT64);
  /* Backoff: 20 ms, then 40 ms between the three tries. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 60 * 1000);
  {
    g_autofree char *listing = models_test_ls (f->dir);

    g_assert_cmpstr (listing, ==, "model.gguf.part");  /* kept for a later resume */
  }
}

static void
test_stall (Fixture       *f,
            gconstpointer  data)
{
  guint64 total = g_bytes_get_size (f->file);
  guint64 at = total / 2;
  g_autoptr(SprigDownload) d = new_download (f, NULL, total, NULL);
  g_autoptr(SprigModelInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = g_strdup_printf ("-1 %" G_GUINT64_FORMAT, at);

  sprig_download_set_stall_timeout (d, 300);
  server_set (f->server, MODE_STALL, at, 0, f->sha);
  info = run (d, NULL, &error);
  g_assert_no_error (error);
  assert_installed (f, info, TRUE);
  assert_server_saw (f, expected, total);
}

static void
test_short_body (Fixture       *f,
                 gconstpointer  data)
{
  guint64 total = g_bytes_get_size (f->file);
  guint64 at = total / 2 + 7;
  g_autoptr(SprigDownload) d = new_download (f, NULL, total, NULL);
  g_autoptr(SprigModelInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = g_strdup_printf ("-1 %" G_GUINT64_FORMAT, at);

  server_set (f->server, MODE_SHORT, at, 0, f->sha);
  info = run (d, NULL, &error);
  g_assert_no_error (error);
  assert_installed (f, info, TRUE);
  assert_server_saw (f, expected, G_MAXUINT64);
}

static void
test_long_body (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(SprigDownload) d = new_download (f, NULL, g_bytes_get_size (f->file), NULL);
  g_autoptr(SprigModelInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  server_set (f->server, MODE_LONG, 0, 0, f->sha);
  info = run (d, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_SIZE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "more than"));
  assert_folder_empty (f);
}

static void
test_wrong_size (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(SprigDownload) d = new_download (f, NULL, g_bytes_get_size (f->file) + 1, NULL);
  g_autoptr(SprigModelInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  info = run (d, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_SIZE);
  g_test_message ("%s", error->message);
  assert_folder_empty (f);
}

static GBytes *
corrupt (GBytes *file,
         gsize   at)
{
  GByteArray *copy = g_byte_array_new ();
  gsize len = 0;
  const guint8 *data = g_bytes_get_data (file, &len);

  g_assert_cmpuint (at, <, len);
  g_byte_array_append (copy, data, (guint) len);
  copy->data[at] ^= 0x40;
  return g_byte_array_free_to_bytes (copy);
}

/* Corrupted bytes with the real hash published (X-Linked-ETag, or the catalog's). */
static void
test_corrupt (Fixture       *f,
              gconstpointer  data)
{
  for (guint from_catalog = 0; from_catalog < 2; from_catalog++)
    {
      g_autoptr(GBytes) bad = corrupt (f->file, g_bytes_get_size (f->file) - 100);
      g_autoptr(SprigDownload) d = new_download (f, NULL, g_bytes_get_size (f->file),
                                                 from_catalog ? f->sha : NULL);
      g_autoptr(SprigModelInfo) info = NULL;
      g_autoptr(GError) error = NULL;

      server_set_file (f->server, bad);
      server_set (f->server, MODE_NORMAL, 0, 0, from_catalog ? NULL : f->sha);
      info = run (d, NULL, &error);
      g_assert_null (info);
      g_assert_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_CHECKSUM);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, "damaged"));
      g_assert_nonnull (strstr (error->message, "deleted"));
      g_assert_cmpint (sprig_download_get_state (d), ==, SPRIG_DOWNLOAD_FAILED);
      assert_folder_empty (f);
    }
}

/* Without any published hash the file is installed, marked unverified. */
static void
test_unverified (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(SprigDownload) d = new_download (f, NULL, 0, NULL);
  g_autoptr(SprigModelInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  info = run (d, NULL, &error);
  g_assert_no_error (error);
  assert_installed (f, info, FALSE);
}

/* The right bytes of a file the engine refuses: checked, then refused, nothing kept. */
static void
test_invalid_model (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GBytes) bad = corrupt (f->file, 0);  /* "GGUF" -> "gGUF" */
  g_autofree char *bad_sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bad);
  g_autoptr(SprigDownload) d = new_download (f, NULL, g_bytes_get_size (bad), NULL);
  g_autoptr(SprigModelInfo) info = NULL;
  g_autoptr(GError) error = NULL;

  server_set_file (f->server, bad);
  server_set (f->server, MODE_NORMAL, 0, 0, bad_sha);
  info = run (d, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_INVALID_MODEL);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "not a GGUF file"));
  assert_folder_empty (f);
}

static void
test_not_found (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *url = g_strconcat (f->server->base_url, "/missing.gguf", NULL);
  g_autoptr(SprigDownload) d = new_download (f, url, 0, NULL);
  g_autoptr(SprigModelInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ranges = NULL;

  info = run (d, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_HTTP);
  g_assert_nonnull (strstr (error->message, "404"));
  ranges = server_ranges (f->server);
  g_assert_cmpstr (ranges, ==, "-1");  /* no retry for a 404 */
}

static void
test_no_space (Fixture       *f,
               gconstpointer  data)
{
  for (guint known_size = 0; known_size < 2; known_size++)
    {
      g_autoptr(SprigDownload) d = new_download (f, NULL,
                                                 known_size ? g_bytes_get_size (f->file) : 0, NULL);
      g_autoptr(SprigModelInfo) info = NULL;
      g_autoptr(GError) error = NULL;

      sprig_download_set_disk_margin (d, G_MAXUINT64 / 4);
      info = run (d, NULL, &error);
      g_assert_null (info);
      g_assert_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_NO_SPACE);
      g_test_message ("%s", error->message);
      g_assert_nonnull (strstr (error->message, "Not enough free disk space"));
      /* Only the run that did not know the size asked the server (for the length). */
      assert_server_saw (f, "-1", G_MAXUINT64);
    }
}

static void
wait_for_bytes (SprigDownload *d,
                guint64        bytes)
{
  while (sprig_download_get_bytes_done (d) < bytes)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  guint64 at = g_bytes_get_size (f->file) / 2;
  g_autoptr(SprigDownload) d = new_download (f, NULL, g_bytes_get_size (f->file), NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SprigModelInfo) info = NULL;
  GAsyncResult *slot = NULL;

  server_set (f->server, MODE_STALL, at, 0, NULL);
  sprig_download_run_async (d, cancellable, models_test_cb, &slot);
  wait_for_bytes (d, at);
  g_assert_true (g_file_test (sprig_download_get_part_path (d), G_FILE_TEST_EXISTS));
  g_cancellable_cancel (cancellable);
  res = models_test_wait (&slot);
  info = sprig_download_run_finish (d, res, &error);
  g_assert_null (info);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (sprig_download_get_state (d), ==, SPRIG_DOWNLOAD_CANCELLED);
  assert_folder_empty (f);  /* the part file is gone */
}

static void
test_pause_resume (Fixture       *f,
                   gconstpointer  data)
{
  guint64 total = g_bytes_get_size (f->file);
  guint64 at = total / 2;
  g_autoptr(SprigDownload) d = new_download (f, NULL, total, NULL);
  g_autoptr(GAsyncResult) res = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SprigModelInfo) info = NULL;
  g_autofree char *expected = g_strdup_printf ("-1 %" G_GUINT64_FORMAT, at);
  GAsyncResult *slot = NULL;
  GStatBuf st;

  server_set (f->server, MODE_STALL, at, 0, f->sha);
  sprig_download_run_async (d, NULL, models_test_cb, &slot);
  wait_for_bytes (d, at);
  sprig_download_pause (d);
  while (sprig_download_get_state (d) != SPRIG_DOWNLOAD_PAUSED)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (g_stat (sprig_download_get_part_path (d), &st), ==, 0);
  g_assert_cmpuint (st.st_size, ==, at);
  g_assert_null (slot);
  sprig_download_resume (d);
  res = models_test_wait (&slot);
  info = sprig_download_run_finish (d, res, &error);
  g_assert_no_error (error);
  assert_installed (f, info, TRUE);
  assert_server_saw (f, expected, total);
}

/* A run that gave up leaves its part file; a new SprigDownload (as after an app restart)
 * re-hashes it and asks only for the rest. */
static void
test_restart_after_failure (Fixture       *f,
                            gconstpointer  data)
{
  guint64 total = g_bytes_get_size (f->file);
  guint64 at = total / 3 + 11;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = g_strdup_printf ("-1 %" G_GUINT64_FORMAT, at);

  server_set (f->server, MODE_DROP, at, 0, f->sha);
  {
    g_autoptr(SprigDownload) first = new_download (f, NULL, total, NULL);
    g_autoptr(SprigModelInfo) info = NULL;

    sprig_download_set_retry_policy (first, 1, 10);
    info = run (first, NULL, &error);
    g_assert_null (info);
    g_assert_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_NETWORK);
    g_test_message ("%s", error->message);
    g_clear_error (&error);
    models_test_finalize (g_steal_pointer (&first));
  }
  {
    g_autoptr(SprigDownload) second = new_download (f, NULL, total, NULL);
    g_autoptr(SprigModelInfo) info = run (second, NULL, &error);

    g_assert_no_error (error);
    assert_installed (f, info, TRUE);
  }
  assert_server_saw (f, expected, total);
}

/* The app was killed mid-download: only the part file is left. */
static void
test_restart_after_kill (Fixture       *f,
                         gconstpointer  data)
{
  guint64 total = g_bytes_get_size (f->file);
  guint64 at = total - total / 4;
  g_autofree char *part = g_build_filename (f->dir, "model.gguf.part", NULL);
  g_autoptr(SprigDownload) d = new_download (f, NULL, total, NULL);
  g_autoptr(SprigModelInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = g_strdup_printf ("%" G_GUINT64_FORMAT, at);

  models_test_write (part, g_bytes_get_data (f->file, NULL), at);
  server_set (f->server, MODE_NORMAL, 0, 0, f->sha);
  info = run (d, NULL, &error);
  g_assert_no_error (error);
  assert_installed (f, info, TRUE);
  assert_server_saw (f, expected, total - at);
}

/* A part file from a different file (or damaged on disk) is caught by the hash. */
static void
test_restart_bad_part (Fixture       *f,
                       gconstpointer  data)
{
  guint64 total = g_bytes_get_size (f->file);
  g_autofree char *part = g_build_filename (f->dir, "model.gguf.part", NULL);
  g_autoptr(SprigDownload) d = new_download (f, NULL, total, NULL);
  g_autoptr(SprigModelInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *junk = g_strnfill (1000, 'x');

  models_test_write (part, junk, 1000);
  server_set (f->server, MODE_NORMAL, 0, 0, f->sha);
  info = run (d, NULL, &error);
  g_assert_null (info);
  g_assert_error (error, SPRIG_MODELS_ERROR, SPRIG_MODELS_ERROR_CHECKSUM);
  assert_folder_empty (f);
}

/* A server that ignores Range sends everything again: the part file starts over. */
static void
test_ignore_range (Fixture       *f,
                   gconstpointer  data)
{
  guint64 total = g_bytes_get_size (f->file);
  guint64 at = total / 2;
  g_autofree char *part = g_build_filename (f->dir, "model.gguf.part", NULL);
  g_autoptr(SprigDownload) d = new_download (f, NULL, total, NULL);
  g_autoptr(SprigModelInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = g_strdup_printf ("%" G_GUINT64_FORMAT, at);

  g_mkdir_with_parents (f->dir, 0700);
  models_test_write (part, g_bytes_get_data (f->file, NULL), at);
  server_set (f->server, MODE_IGNORE_RANGE, 0, 0, f->sha);
  info = run (d, NULL, &error);
  g_assert_no_error (error);
  assert_installed (f, info, TRUE);
  assert_server_saw (f, expected, total);
}

typedef struct
{
  gint64 last_us;
  gint64 max_gap_us;
  guint ticks;
} Ticker;

static gboolean
tick_cb (gpointer data)
{
  Ticker *t = data;
  gint64 now = g_get_monotonic_time ();

  if (t->last_us > 0)
    t->max_gap_us = MAX (t->max_gap_us, now - t->last_us);
  t->last_us = now;
  t->ticks++;
  return G_SOURCE_CONTINUE;
}

/* A ~50 MB model through a drop and a resume while a 1 ms high-priority timer records the
 * longest time the main loop went without running it. */
static void
test_main_loop_free (Fixture       *f,
                     gconstpointer  data)
{
  guint64 total = g_bytes_get_size (f->file);
  g_autoptr(SprigDownload) d = new_download (f, NULL, total, NULL);
  g_autoptr(SprigModelInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  Ticker t = { 0 };
  gint64 start = g_get_monotonic_time ();
  double seconds;
  guint id;

  g_assert_cmpuint (total, >, 40 * 1000 * 1000);
  server_set (f->server, MODE_DROP, total / 2, 0, f->sha);
  id = g_timeout_add_full (G_PRIORITY_HIGH, 1, tick_cb, &t, NULL);
  info = run (d, NULL, &error);
  g_source_remove (id);
  seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  g_assert_no_error (error);
  assert_installed (f, info, TRUE);
  g_test_message ("%.1f MB in %.2f s (%.0f MB/s) with a drop and resume; main loop: %u ticks, "
                  "longest stall %.1f ms", total / 1e6, seconds, total / 1e6 / seconds, t.ticks,
                  t.max_gap_us / 1000.0);
  g_printerr ("# longest main-loop stall while downloading %.1f MB: %.1f ms\n", total / 1e6,
              t.max_gap_us / 1000.0);
  g_assert_cmpint (t.max_gap_us, <, 250 * 1000);
}

int
main (int   argc,
      char *argv[])
{
  const char *big_args[] = { "--type", "f32", "--shape",
                             "tiny,layers=1,embd=1024,heads=8,kv-heads=8,head-dim=128,ff=2560",
                             NULL };
  int status;

  g_test_init (&argc, &argv, NULL);
  models_tmp = models_test_mkdtemp ();
  tiny_path = sprig_test_make_model (models_tmp, "tiny.gguf", NULL);
  big_path = sprig_test_make_model (models_tmp, "big.gguf", big_args);

#define ADD(path, fn) g_test_add ("/sprig/models/download/" path, Fixture, NULL, fixture_setup, \
                                  fn, fixture_teardown)
  ADD ("complete", test_complete);
  ADD ("resume-after-drop", test_resume_after_drop);
  ADD ("retry-500", test_retry_500);
  ADD ("give-up-500", test_give_up_500);
  ADD ("stall", test_stall);
  ADD ("short-body", test_short_body);
  ADD ("long-body", test_long_body);
  ADD ("wrong-size", test_wrong_size);
  ADD ("corrupt", test_corrupt);
  ADD ("unverified", test_unverified);
  ADD ("invalid-model", test_invalid_model);
  ADD ("not-found", test_not_found);
  ADD ("no-space", test_no_space);
  ADD ("cancel", test_cancel);
  ADD ("pause-resume", test_pause_resume);
  ADD ("restart-after-failure", test_restart_after_failure);
  ADD ("restart-after-kill", test_restart_after_kill);
  ADD ("restart-bad-part", test_restart_bad_part);
  ADD ("ignore-range", test_ignore_range);
#undef ADD
  g_test_add ("/sprig/models/download/main-loop-free", Fixture, big_path, fixture_setup,
              test_main_loop_free, fixture_teardown);

  status = g_test_run ();
  models_test_rmdir (models_tmp);
  g_free (tiny_path);
  g_free (big_path);
  g_free (models_tmp);
  return status;
}
