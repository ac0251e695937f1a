/* SPDX-License-Identifier: Apache-2.0
 *
 * Helpers of the models tests: temporary folders, waiting for an async result on the
 * default main context, tiny models from sprig-cli, and byte-level damage to a GGUF.
 */
#pragma once

#include <string.h>

#include <glib/gstdio.h>

#include "sprig-models.h"
#include "sprig-test-model.h"

static inline void
models_test_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static inline GAsyncResult *
models_test_wait (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return g_steal_pointer (slot);
}

/* Drops the last reference to @object and waits (iterating the default main context) until
 * worker threads and pending idles that still hold it have let go. */
static inline void
models_test_finalize (gpointer object)
{
  gpointer weak = object;
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  g_object_add_weak_pointer (object, &weak);
  g_object_unref (object);
  while (weak != NULL && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  g_assert_null (weak);
}

static inline char *
models_test_mkdtemp (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("sprig-models-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static inline void
models_test_rmdir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        models_test_rmdir (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static inline gint
models_test_compare_names (gconstpointer a,
                           gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* Names in @dir, sorted, as one space-separated string: easy to compare. */
static inline char *
models_test_ls (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, (gpointer) name);
  g_ptr_array_sort (names, models_test_compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static inline GBytes *
models_test_read (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

static inline void
models_test_write (const char *path,
                   const void *data,
                   gsize       len)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, data, (gssize) len, &error);
  g_assert_no_error (error);
}

/* The offset of the u32 type of tensor @name in a GGUF header. */
static inline gsize
models_test_tensor_type_offset (const guint8 *data,
                                gsize         len,
                                const char   *name)
{
  gsize name_len = strlen (name);

  for (gsize i = 8; i + name_len + 4 < len; i++)
    {
      guint64 n;
      guint32 n_dims;

      memcpy (&n, data + i - 8, 8);
      if (n != name_len || memcmp (data + i, name, name_len) != 0)
        continue;
      memcpy (&n_dims, data + i + name_len, 4);
      return i + name_len + 4 + 8 * n_dims;
    }
  g_assert_not_reached ();
  return 0;
}

/* The offset of the first occurrence of @needle. */
static inline gsize
models_test_find (const guint8 *data,
                  gsize         len,
                  const char   *needle)
{
  const guint8 *p = memmem (data, len, needle, strlen (needle));

  g_assert_nonnull (p);
  return (gsize) (p - data);
}
